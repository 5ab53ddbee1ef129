#pragma once
// Background jobs that the GUI can leave behind. A job stuck inside a library
// call (a codec looping on a damaged file, a read from a hung network share)
// cannot be stopped: cancel tokens only ask, and it never asks back. What can
// be done is to stop waiting for it. A job started here delivers its result
// through a JobTicket; once the ticket is abandoned nothing more of the job
// reaches its owner, who is free at once (to report "cancelled", to start the
// next job, to be destroyed). The job itself runs on until it returns.
//
// Jobs must capture only what they own (values, shared_ptr), never their
// owner. An owner abandons its tickets before it is destroyed.
#include <QObject>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

namespace sinar::ui {

// Where a job runs. Qt's global thread pool reuses its threads (LibTorch's
// per-thread state wants that), but a stuck job keeps its pool thread, and the
// pool waits for it when the program ends. A thread of its own is started for
// the job and ends with it: left behind, it holds nothing else up.
enum class JobThread { Pool, Own };

class JobTicket : public std::enable_shared_from_this<JobTicket> {
public:
    // Nothing posted by the job is run after this returns (GUI thread).
    void abandon();
    bool abandoned() const;
    // From the job's thread: runs `fn` on `context`'s thread, unless the
    // ticket has been abandoned by then. `context` lives until its owner has
    // abandoned the ticket, so posting under the lock is safe.
    void post(QObject* context, std::function<void()> fn);

private:
    mutable std::mutex mutex_;
    bool abandoned_ = false;
};

// Starts `work` where asked. Threads of their own are counted until they end.
void startJob(JobThread where, std::function<void()> work);

// Threads of their own (JobThread::Own) that have not returned yet, the
// abandoned ones included.
int ownJobThreadsRunning();

// Runs `job` where asked and hands its result to `deliver` on `context`'s
// thread, unless `ticket` is abandoned first. (A job that posts on its way,
// progress say, captures the ticket it is given here.)
template <typename T, typename Job, typename Deliver>
void runJob(const std::shared_ptr<JobTicket>& ticket, JobThread where, QObject* context, Job job, Deliver deliver)
{
    startJob(where, [ticket, context, job = std::move(job), deliver = std::move(deliver)]() mutable {
        auto result = std::make_shared<T>(job());
        ticket->post(context, [deliver, result] { deliver(std::move(*result)); });
    });
}

// The same with a new ticket, returned.
template <typename T, typename Job, typename Deliver>
std::shared_ptr<JobTicket> runJob(JobThread where, QObject* context, Job job, Deliver deliver)
{
    auto ticket = std::make_shared<JobTicket>();
    runJob<T>(ticket, where, context, std::move(job), std::move(deliver));
    return ticket;
}

// A job that hands its results to the GUI one by one as they come (the batch
// table, the series strip), on a thread of its own. stop() asks it to stop
// between two rows and leaves it behind: nothing more of it arrives, and the
// next can start at once, even while a row is stuck in a library call. The
// owner holds it as a member; its destructor stops it.
template <typename Row>
class RowJob {
public:
    RowJob(QObject* context, std::function<void(Row)> onRow, std::function<void()> onDone)
        : context_(context), onRow_(std::move(onRow)), onDone_(std::move(onDone))
    {
    }
    ~RowJob() { stop(); }
    RowJob(const RowJob&) = delete;
    RowJob& operator=(const RowJob&) = delete;

    // Stops any running job, then makes rows 0 to count - 1 with `make` in
    // turn; `onRow` gets each, `onDone` follows the last.
    void start(size_t count, std::function<Row(size_t)> make)
    {
        stop();
        auto ticket = std::make_shared<JobTicket>();
        auto stopped = std::make_shared<std::atomic<bool>>(false);
        ticket_ = ticket;
        stop_ = stopped;
        QObject* context = context_;
        // `this` is used only on the GUI thread, reached through the ticket.
        startJob(JobThread::Own, [this, context, ticket, stopped, count, make = std::move(make)] {
            for (size_t i = 0; i < count && !*stopped; ++i) {
                auto row = std::make_shared<Row>(make(i));
                ticket->post(context, [this, row] { onRow_(std::move(*row)); });
            }
            ticket->post(context, [this] {
                ticket_.reset();
                stop_.reset();
                onDone_();
            });
        });
    }

    // Nothing of the running job arrives after this; `onDone` is not called.
    void stop()
    {
        if (!ticket_)
            return;
        *stop_ = true;
        ticket_->abandon();
        ticket_.reset();
        stop_.reset();
    }

    bool running() const { return ticket_ != nullptr; }

private:
    QObject* context_;
    std::function<void(Row)> onRow_;
    std::function<void()> onDone_;
    std::shared_ptr<JobTicket> ticket_;
    std::shared_ptr<std::atomic<bool>> stop_;
};

} // namespace sinar::ui
