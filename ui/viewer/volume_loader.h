#pragma once
// VolumeLoader: builds the volume of a DICOM series for the MPR view in the
// background (the series' largest stack of slices that forms a volume,
// decoded on several threads), one series at a time and cancellable. It
// reports through `loaded`, on the GUI thread; what to show is the caller's.
#include <QObject>
#include <QString>
#include <memory>

#include "common/cancel_token.h"
#include "dicom/volume.h"
#include "ui/viewer/image_stack.h"

template <typename T>
class QFutureWatcher;

namespace sinar::ui {

class VolumeLoader : public QObject {
    Q_OBJECT
public:
    struct Result {
        std::shared_ptr<const ImageStack> stack;
        std::shared_ptr<const dicom::Volume> volume; // null when it failed or was cancelled
        QString error;                               // empty when cancelled
    };

    explicit VolumeLoader(QObject* parent = nullptr);
    // Cancels a running load and waits for it; `loaded` does not follow.
    ~VolumeLoader() override;

    // Starts building the volume of `stack` (a DICOM series); ignored while
    // another load runs (cancel it first: `loaded` reports it, cancelled).
    void load(std::shared_ptr<const ImageStack> stack);
    void cancel();
    bool loading() const;

signals:
    void loaded(const sinar::ui::VolumeLoader::Result& result);

private:
    QFutureWatcher<Result>* watcher_;
    std::shared_ptr<CancelToken> cancel_;
};

} // namespace sinar::ui
