#include "ui/viewer/volume_loader.h"

#include <QStringList>
#include <algorithm>
#include <exception>

#include "common/error.h"
#include "common/parallel.h"
#include "dicom/slice_stack.h"
#include "ui/widgets/background_job.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {

std::shared_ptr<const dicom::Volume> buildVolume(const ImageStack& stack, const CancelToken* cancel)
{
    const std::vector<dicom::SliceStack> stacks = dicom::SliceSorter::sort(*stack.dicomSeries);
    const dicom::SliceStack* best = dicom::volumeStack(stacks);
    if (!best) {
        QStringList why;
        for (const auto& s : stacks)
            for (const auto& n : s.notes)
                why << QString::fromStdString(n);
        throw Error(QObject::tr("%1 is not a volume (%2).")
                        .arg(stack.title(), why.isEmpty() ? QObject::tr("too few slices or no positions") : why.join(QStringLiteral("; ")))
                        .toStdString());
    }
    return std::make_shared<const dicom::Volume>(dicom::Volume::load(*best, std::max(1, defaultThreadCount() - 1), {}, cancel));
}

} // namespace

VolumeLoader::VolumeLoader(QObject* parent, BuildFn build) : QObject(parent), build_(std::move(build))
{
    if (!build_)
        build_ = buildVolume;
}

VolumeLoader::~VolumeLoader()
{
    if (cancel_)
        cancel_->cancel();
    if (ticket_)
        ticket_->abandon();
}

void VolumeLoader::load(std::shared_ptr<const ImageStack> stack)
{
    if (loading() || !stack || !stack->dicomSeries)
        return;
    cancel_ = std::make_shared<CancelToken>();
    stack_ = stack;
    ticket_ = runJob<Result>(
        JobThread::Own, this,
        [stack = std::move(stack), token = cancel_, build = build_] {
            Result v;
            v.stack = stack;
            try {
                v.volume = build(*stack, token.get());
            } catch (const Cancelled&) {
                v.error.clear();
            } catch (const std::exception& e) {
                v.error = errorText(e);
            }
            return v;
        },
        [this](const Result& v) {
            ticket_.reset();
            stack_.reset();
            emit loaded(v);
        });
}

void VolumeLoader::cancel()
{
    if (!ticket_)
        return;
    cancel_->cancel();
    ticket_->abandon();
    ticket_.reset();
    Result v;
    v.stack = std::move(stack_);
    emit loaded(v);
}

bool VolumeLoader::loading() const
{
    return ticket_ != nullptr;
}

} // namespace sinar::ui
