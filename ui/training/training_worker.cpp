#include "ui/training/training_worker.h"

#include <QMetaObject>
#include <exception>

#include "common/error.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {

// The trainer's callbacks, on the worker thread, as the worker's signals
// (queued to their receivers on the GUI thread).
class SignalObserver : public train::TrainingObserver {
public:
    explicit SignalObserver(TrainingWorker* w) : w_(w) {}
    void onBatch(const train::BatchEvent& e) override { emit w_->batch(e); }
    void onEpoch(const train::EpochEvent& e) override { emit w_->epoch(e); }
    void onValidation(const train::ValidationEvent& e) override { emit w_->validation(e); }
    void onMessage(const std::string& m) override { emit w_->message(QString::fromStdString(m)); }
    void onProgress(long long done, long long total, const std::string& what) override
    {
        emit w_->progress(done, total, QString::fromStdString(what));
    }

private:
    TrainingWorker* w_;
};

} // namespace

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent)
{
    static const bool registered = [] {
        qRegisterMetaType<train::BatchEvent>();
        qRegisterMetaType<train::EpochEvent>();
        qRegisterMetaType<train::ValidationEvent>();
        qRegisterMetaType<TrainingOutcome>();
        return true;
    }();
    (void)registered;
    thread_.setObjectName(QStringLiteral("sinar-training"));
    job_ = new QObject;
    job_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, job_, &QObject::deleteLater);
    thread_.start();
}

TrainingWorker::~TrainingWorker()
{
    cancel_.cancel();
    pause_.resume();
    thread_.quit();
    thread_.wait();
}

bool TrainingWorker::start(const train::TrainingJobSpec& spec)
{
    if (running_)
        return false;
    running_ = true;
    cancel_.reset();
    pause_.resume();
    QMetaObject::invokeMethod(job_, [this, spec] {
        TrainingOutcome out;
        out.bundlePath = QString::fromStdString(spec.outPath);
        SignalObserver observer(this);
        try {
            train::TrainingJobResult r = train::runTrainingJob(spec, &observer, &cancel_, &pause_);
            out.ok = true;
            out.runDir = QString::fromStdString(r.runDir);
            out.bundlePath = QString::fromStdString(r.bundlePath);
            out.test = std::move(r.test);
            out.testTruth = std::move(r.testTruth);
            out.testProbabilities = std::move(r.testProbabilities);
            out.testPaths = std::move(r.testPaths);
            out.history = std::move(r.history);
            out.trainCount = r.trainCount;
            out.valCount = r.valCount;
            out.testCount = r.testCount;
            out.parameters = r.parameters;
            out.skippedFiles = r.failures.size();
            out.totalSeconds = r.totalSeconds;
            out.recordedPaths = r.recordedPaths;
            out.classical = r.classical;
        } catch (const Cancelled&) {
            out.cancelled = true;
            out.error = tr("Stopped. The checkpoint of the last finished epoch is kept; Resume continues from it.");
        } catch (const std::exception& e) {
            out.error = errorText(e);
        }
        QMetaObject::invokeMethod(this, [this, out] {
            running_ = false;
            emit finished(out);
        }, Qt::QueuedConnection);
    }, Qt::QueuedConnection);
    return true;
}

void TrainingWorker::stop()
{
    cancel_.cancel();
    pause_.resume(); // a paused trainer must wake up to see the stop
}

void TrainingWorker::pause()
{
    pause_.pause();
}

void TrainingWorker::resume()
{
    pause_.resume();
}

} // namespace sinar::ui
