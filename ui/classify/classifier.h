#pragma once
// Classifies the image on screen in the background: QtConcurrent::run with a
// QFutureWatcher, one job at a time, the latest request wins and results that
// a newer request overtook are dropped. When the heat map is on, the same job
// also computes the saliency map (Grad-CAM, ...). The GUI thread never runs a
// forward pass.
#include <QObject>
#include <QString>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "explain/explain.h"
#include "imaging/image.h"
#include "imaging/quality.h"
#include "trust/scope.h"
#include "ui/widgets/latest_runner.h"
#include "ui/classify/model_handle.h"

namespace sinar::ui {

// What saliency map the classification job computes, if any.
struct HeatMapRequest {
    bool enabled = false;
    explain::Method method = explain::Method::GradCam;
    int classIndex = -1; // < 0: the predicted class
    std::string layer;   // empty: the model's default layer (always empty for occlusion)

    bool operator==(const HeatMapRequest& o) const
    {
        return enabled == o.enabled && method == o.method && classIndex == o.classIndex && layer == o.layer;
    }
    bool operator!=(const HeatMapRequest& o) const { return !(*this == o); }
};

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

    // The saliency map, when the request asked for one. A failure here leaves
    // the classification intact and says why in heatError.
    HeatMapRequest heatRequest;
    cv::Mat heatMap;          // CV_32F in [0, 1] at the image's own size; empty when not computed
    int heatClass = -1;       // the class the map explains
    QString heatMethod;       // "Grad-CAM", "Grad-CAM++", "Score-CAM", "Occlusion"
    QString heatLayer;        // the layer explained (empty for occlusion)
    QString heatError;        // why the map could not be computed
    double heatMilliseconds = 0;
    Qt::HANDLE heatThread = nullptr; // the thread that computed the map (a worker, never the GUI thread)

    // The image's DICOM attributes against the model's scope (trust/scope.h).
    trust::ImageFacts facts;    // dicom = false for a PNG/JPEG/... (verdict Unknown)
    trust::ScopeVerdict scope;  // NoScope when there is no model or it declares none
    QString fittingModel;       // outside the scope: a library bundle whose scope the image fits; empty: none
    // The model's out-of-distribution check (ModelHandle::assess).
    bool oodChecked = false;
    double oodScore = 0, oodThreshold = 0;
    bool unlikeTraining() const { return ok() && oodChecked && oodScore > oodThreshold; }
    // The probabilities are no result: outside the scope or unlike the training images.
    bool notAResult() const { return ok() && (scope.outside() || unlikeTraining()); }

    bool ok() const { return error.isEmpty() && !probabilities.empty(); }
    bool hasHeatMap() const { return !heatMap.empty(); }
};

class Classifier : public QObject {
    Q_OBJECT
public:
    explicit Classifier(QObject* parent = nullptr);

    // A new model also resets the heat map's class to the predicted one.
    void setModel(std::shared_ptr<const ModelHandle> model);
    std::shared_ptr<const ModelHandle> model() const { return model_; }

    // The saliency map requests from now on compute (takes effect with the
    // next classify).
    void setHeatMap(const HeatMapRequest& request) { heat_ = request; }
    const HeatMapRequest& heatMap() const { return heat_; }

    // Queues `image` for classification and returns the request id; a request
    // still waiting is replaced. Without a model only the quality is measured.
    // `facts`: the image's DICOM attributes when the caller has them; without
    // them the job reads the header of the image's source file (if DICOM).
    quint64 classify(const imaging::Image& image, const trust::ImageFacts* facts = nullptr);
    // Drops anything waiting or running (e.g. the image was closed).
    void cancelPending();

    bool busy() const { return runner_.busy(); }
    quint64 latestRequest() const { return latest_; }
    long long droppedResults() const { return runner_.dropped(); }

    // The work of one request, on the calling thread (the background job runs
    // this). `cancel` stops a running explanation (the result is then stale).
    // The image's facts (`facts`, else read from its source file) are checked
    // against the model's scope; outside it, fittingModel names a library
    // bundle (ModelCatalog) whose scope the image fits.
    static Classification run(const std::shared_ptr<const ModelHandle>& model, const imaging::Image& image,
                              quint64 requestId, const HeatMapRequest& heat = {}, const CancelToken* cancel = nullptr,
                              const trust::ImageFacts* facts = nullptr);

signals:
    void resultReady(const sinar::ui::Classification& result);
    void busyChanged(bool busy);

private:
    std::shared_ptr<const ModelHandle> model_;
    HeatMapRequest heat_;
    std::shared_ptr<CancelToken> cancel_; // of the newest job: a newer request cancels it
    quint64 latest_ = 0;
    LatestRunner<Classification> runner_;
};

} // namespace sinar::ui

Q_DECLARE_METATYPE(sinar::ui::Classification)
