#include "ui/widgets/background_job.h"

#include <QThreadPool>
#include <atomic>
#include <system_error>
#include <thread>

namespace sinar::ui {

namespace {
std::atomic<int> ownThreads{0};
} // namespace

void JobTicket::abandon()
{
    std::lock_guard<std::mutex> lock(mutex_);
    abandoned_ = true;
}

bool JobTicket::abandoned() const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return abandoned_;
}

void JobTicket::post(QObject* context, std::function<void()> fn)
{
    std::lock_guard<std::mutex> lock(mutex_);
    if (abandoned_)
        return;
    QMetaObject::invokeMethod(
        context,
        [self = shared_from_this(), fn = std::move(fn)] {
            if (!self->abandoned())
                fn();
        },
        Qt::QueuedConnection);
}

void startJob(JobThread where, std::function<void()> work)
{
    if (where == JobThread::Own) {
        ++ownThreads;
        try {
            std::thread([work]() mutable { // a copy: `work` stays for the pool if no thread starts
                work();
                work = nullptr; // what the job holds goes before the count says it ended
                --ownThreads;
            }).detach();
            return;
        } catch (const std::system_error&) {
            --ownThreads; // no thread to be had: the pool's, then
        }
    }
    QThreadPool::globalInstance()->start(std::move(work));
}

int ownJobThreadsRunning()
{
    return ownThreads.load();
}

} // namespace sinar::ui
