#pragma once
// Runs jobs off the GUI thread where only the latest request matters (the
// image the user is looking at now): one job runs at a time, a new request
// while one runs replaces any request still waiting, and the result of a job
// that was overtaken by a newer request is dropped instead of delivered.
// (The pattern of Qt's Mandelbrot example, with QtConcurrent::run and a
// QFutureWatcher.)
//
// Jobs must not throw and must capture only what they own (values,
// shared_ptr): the runner may be destroyed while a job is still running, in
// which case its result is discarded.
#include <QFutureWatcher>
#include <QObject>
#include <QtConcurrent/QtConcurrentRun>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

namespace sinar::ui {

template <typename T>
class LatestRunner {
public:
    using Job = std::function<T()>;
    using Deliver = std::function<void(T)>;

    // `deliver` is called on the GUI thread with the result of the latest job;
    // `busyChanged` whenever the runner starts or stops working.
    LatestRunner(QObject* context, Deliver deliver, std::function<void(bool)> busyChanged = {})
        : deliver_(std::move(deliver)), busyChanged_(std::move(busyChanged)), watcher_(new QFutureWatcher<T>(context))
    {
        QObject::connect(watcher_, &QFutureWatcher<T>::finished, context, [this] { onFinished(); });
    }
    ~LatestRunner() { watcher_->disconnect(); }
    LatestRunner(const LatestRunner&) = delete;
    LatestRunner& operator=(const LatestRunner&) = delete;

    void submit(Job job)
    {
        ++submitted_;
        if (running_) {
            pending_ = std::move(job); // replaces an older waiting request
            return;
        }
        start(std::move(job));
    }

    // Forgets a waiting request and drops the result of the running one.
    void discard()
    {
        pending_.reset();
        ++submitted_;
        discardRunning_ = running_;
    }

    bool busy() const { return running_; }
    // Jobs whose results were dropped because a newer request overtook them.
    long long dropped() const { return dropped_; }

private:
    void start(Job job)
    {
        running_ = true;
        discardRunning_ = false;
        runningTicket_ = submitted_;
        watcher_->setFuture(QtConcurrent::run(std::move(job)));
        if (busyChanged_)
            busyChanged_(true);
    }

    void onFinished()
    {
        running_ = false;
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
        deliver_(watcher_->future().result());
    }

    Deliver deliver_;
    std::function<void(bool)> busyChanged_;
    QFutureWatcher<T>* watcher_; // owned by the context object
    std::optional<Job> pending_;
    bool running_ = false;
    bool discardRunning_ = false;
    long long submitted_ = 0;
    long long runningTicket_ = 0;
    long long dropped_ = 0;
};

} // namespace sinar::ui
