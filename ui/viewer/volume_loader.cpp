#include "ui/viewer/volume_loader.h"

#include <QFutureWatcher>
#include <QStringList>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <exception>

#include "common/error.h"
#include "common/parallel.h"
#include "dicom/slice_stack.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {

VolumeLoader::Result build(const std::shared_ptr<const ImageStack>& stack, const std::shared_ptr<CancelToken>& token)
{
    VolumeLoader::Result v;
    v.stack = stack;
    try {
        const std::vector<dicom::SliceStack> stacks = dicom::SliceSorter::sort(*stack->dicomSeries);
        const dicom::SliceStack* best = dicom::volumeStack(stacks);
        if (!best) {
            QStringList why;
            for (const auto& s : stacks)
                for (const auto& n : s.notes)
                    why << QString::fromStdString(n);
            v.error = QObject::tr("%1 is not a volume (%2).")
                          .arg(stack->title(), why.isEmpty() ? QObject::tr("too few slices or no positions") : why.join(QStringLiteral("; ")));
            return v;
        }
        v.volume = std::make_shared<const dicom::Volume>(
            dicom::Volume::load(*best, std::max(1, defaultThreadCount() - 1), {}, token.get()));
    } catch (const Cancelled&) {
        v.error.clear();
    } catch (const std::exception& e) {
        v.error = errorText(e);
    }
    return v;
}

} // namespace

VolumeLoader::VolumeLoader(QObject* parent)
    : QObject(parent), watcher_(new QFutureWatcher<Result>(this))
{
    connect(watcher_, &QFutureWatcher<Result>::finished, this, [this] { emit loaded(watcher_->result()); });
}

VolumeLoader::~VolumeLoader()
{
    cancel();
    watcher_->disconnect(this);
    watcher_->waitForFinished();
}

void VolumeLoader::load(std::shared_ptr<const ImageStack> stack)
{
    if (loading() || !stack || !stack->dicomSeries)
        return;
    cancel_ = std::make_shared<CancelToken>();
    auto token = cancel_;
    watcher_->setFuture(QtConcurrent::run([stack = std::move(stack), token] { return build(stack, token); }));
}

void VolumeLoader::cancel()
{
    if (cancel_)
        cancel_->cancel();
}

bool VolumeLoader::loading() const
{
    return watcher_->isRunning();
}

} // namespace sinar::ui
