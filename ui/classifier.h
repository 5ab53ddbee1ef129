#pragma once
// Classifies the image on screen in the background: QtConcurrent::run with a
// QFutureWatcher, one job at a time, the latest request wins and results that
// a newer request overtook are dropped. The GUI thread never runs a forward pass.
#include <QObject>
#include <QString>
#include <memory>
#include <string>
#include <vector>

#include "imaging/image.h"
#include "imaging/quality.h"
#include "ui/latest_runner.h"
#include "ui/model_handle.h"

namespace sinar::ui {

struct Classification {
    quint64 requestId = 0;
    QString source;           // the image's file (and frame)
    QString modelPath;
    std::vector<std::string> classNames;
    std::vector<float> probabilities; // empty when classification failed
    int best = -1;
    double milliseconds = 0;  // preprocessing and forward pass
    imaging::QualityReport quality;
    QString error;            // why it failed (bad image, ...)

    bool ok() const { return error.isEmpty() && !probabilities.empty(); }
};

class Classifier : public QObject {
    Q_OBJECT
public:
    explicit Classifier(QObject* parent = nullptr);

    void setModel(std::shared_ptr<const ModelHandle> model);
    std::shared_ptr<const ModelHandle> model() const { return model_; }

    // Queues `image` for classification and returns the request id; a request
    // still waiting is replaced. Without a model only the quality is measured.
    quint64 classify(const imaging::Image& image);
    // Drops anything waiting or running (e.g. the image was closed).
    void cancelPending();

    bool busy() const { return runner_.busy(); }
    quint64 latestRequest() const { return latest_; }
    long long droppedResults() const { return runner_.dropped(); }

    // The work of one request, on the calling thread (the background job runs this).
    static Classification run(const std::shared_ptr<const ModelHandle>& model, const imaging::Image& image,
                              quint64 requestId);

signals:
    void resultReady(const sinar::ui::Classification& result);
    void busyChanged(bool busy);

private:
    std::shared_ptr<const ModelHandle> model_;
    quint64 latest_ = 0;
    LatestRunner<Classification> runner_;
};

} // namespace sinar::ui

Q_DECLARE_METATYPE(sinar::ui::Classification)
