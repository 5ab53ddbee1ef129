#pragma once
// Runs jobs off the GUI thread where only the latest request matters (the
// image the user is looking at now): one job runs at a time, a new request
// while one runs replaces any request still waiting, and the result of a job
// that was overtaken by a newer request is dropped instead of delivered.
// (The pattern of Qt's Mandelbrot example, with results handed back through a
// JobTicket, ui/widgets/background_job.h.)
//
// With JobThread::Own (the loaders: reads and decodes) a job is never waited
// for when its result cannot matter any more: discard() leaves a running job
// behind, and so does a request that comes after the running job has taken
// kLeaveBehindMs, since a decode that slow is likely stuck in a library. The
// new request then starts at once on a thread of its own. With
// JobThread::Pool (LibTorch jobs, which share a model and want reused
// threads) jobs run one after another, as described above.
//
// Jobs must not throw and must capture only what they own (values,
// shared_ptr): the runner may be destroyed while a job is still running, in
// which case its result is discarded.
#include <QElapsedTimer>
#include <QObject>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "ui/widgets/background_job.h"

namespace sinar::ui {

template <typename T>
class LatestRunner {
public:
    using Job = std::function<T()>;
    using Deliver = std::function<void(T)>;

    // How long a job of its own thread may run before a newer request leaves it behind.
    static constexpr qint64 kLeaveBehindMs = 4000;

    // `deliver` is called on the GUI thread with the result of the latest job;
    // `busyChanged` whenever the runner starts or stops working.
    LatestRunner(QObject* context, Deliver deliver, std::function<void(bool)> busyChanged = {},
                 JobThread where = JobThread::Pool)
        : context_(context), deliver_(std::move(deliver)), busyChanged_(std::move(busyChanged)), where_(where)
    {
    }
    ~LatestRunner()
    {
        if (ticket_)
            ticket_->abandon();
    }
    LatestRunner(const LatestRunner&) = delete;
    LatestRunner& operator=(const LatestRunner&) = delete;

    void submit(Job job)
    {
        ++submitted_;
        if (running_ && where_ == JobThread::Own && clock_.elapsed() >= kLeaveBehindMs)
            leaveRunningBehind();
        if (running_) {
            pending_ = std::move(job); // replaces an older waiting request
            return;
        }
        start(std::move(job));
    }

    // Forgets a waiting request and drops the result of the running one
    // (leaving it behind when it runs on a thread of its own).
    void discard()
    {
        pending_.reset();
        ++submitted_;
        if (running_ && where_ == JobThread::Own) {
            leaveRunningBehind();
            if (busyChanged_)
                busyChanged_(false);
            return;
        }
        discardRunning_ = running_;
    }

    bool busy() const { return running_; }
    // Jobs whose results were dropped because a newer request overtook them.
    long long dropped() const { return dropped_; }
    // Running jobs that were not waited for (their threads may still run).
    long long leftBehind() const { return leftBehind_; }

private:
    void start(Job job)
    {
        running_ = true;
        discardRunning_ = false;
        runningTicket_ = submitted_;
        clock_.start();
        ticket_ = runJob<T>(where_, context_, std::move(job), [this](T result) { onFinished(std::move(result)); });
        if (busyChanged_)
            busyChanged_(true);
    }

    void leaveRunningBehind()
    {
        pending_.reset(); // the request at hand is newer
        ticket_->abandon();
        ticket_.reset();
        running_ = false;
        ++dropped_;
        ++leftBehind_;
    }

    void onFinished(T result)
    {
        running_ = false;
        ticket_.reset();
        const bool stale = pending_.has_value() || discardRunning_ || runningTicket_ != submitted_;
        if (pending_) {
            Job next = std::move(*pending_);
            pending_.reset();
            // Count the overtaken job before starting the next.
            ++dropped_;
            start(std::move(next));
            return;
        }
        if (busyChanged_)
            busyChanged_(false);
        if (stale) {
            ++dropped_;
            return;
        }
        deliver_(std::move(result));
    }

    QObject* context_;
    Deliver deliver_;
    std::function<void(bool)> busyChanged_;
    JobThread where_;
    std::shared_ptr<JobTicket> ticket_; // of the running job
    QElapsedTimer clock_;               // since the running job started
    std::optional<Job> pending_;
    bool running_ = false;
    bool discardRunning_ = false;
    long long submitted_ = 0;
    long long runningTicket_ = 0;
    long long dropped_ = 0;
    long long leftBehind_ = 0;
};

} // namespace sinar::ui
