#pragma once
// VolumeLoader: builds the volume of a DICOM series for the MPR view in the
// background (the series' largest stack of slices that forms a volume,
// decoded on several threads), one series at a time and cancellable. It
// reports through `loaded`, on the GUI thread; what to show is the caller's.
// Cancel is never waited for: the load is reported cancelled at once, and a
// build stuck inside a library call is left behind on its own thread
// (ui/widgets/background_job.h).
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

#include "common/cancel_token.h"
#include "dicom/volume.h"
#include "ui/viewer/image_stack.h"

namespace sinar::ui {

class JobTicket;

class VolumeLoader : public QObject {
    Q_OBJECT
public:
    struct Result {
        std::shared_ptr<const ImageStack> stack;
        std::shared_ptr<const dicom::Volume> volume; // null when it failed or was cancelled
        QString error;                               // empty when cancelled
    };

    // What a load does (a stand-in in tests); by default the volume of the
    // series' largest stack of slices. Throws sinar::Cancelled when cancelled.
    using BuildFn = std::function<std::shared_ptr<const dicom::Volume>(const ImageStack& stack, const CancelToken* cancel)>;

    explicit VolumeLoader(QObject* parent = nullptr, BuildFn build = {});
    // Cancels a running load without waiting for it; `loaded` does not follow.
    ~VolumeLoader() override;

    // Starts building the volume of `stack` (a DICOM series); ignored while
    // another load runs (cancel it first).
    void load(std::shared_ptr<const ImageStack> stack);
    // Reports the running load cancelled (`loaded` with neither volume nor
    // error, at once); the load itself is asked to stop and not waited for.
    void cancel();
    bool loading() const;

signals:
    void loaded(const sinar::ui::VolumeLoader::Result& result);

private:
    BuildFn build_;
    std::shared_ptr<const ImageStack> stack_; // of the running load
    std::shared_ptr<JobTicket> ticket_;       // of the running load
    std::shared_ptr<CancelToken> cancel_;
};

} // namespace sinar::ui
