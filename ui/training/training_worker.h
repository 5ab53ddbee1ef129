#pragma once
// Runs train::runTrainingJob on a QThread of its own and turns the trainer's
// callbacks into queued signals carrying value types. The page that owns the
// worker keeps the GUI thread free: nothing here touches a widget.
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QThread>
#include <memory>

#include "common/cancel_token.h"
#include "common/pause_token.h"
#include "train/training_events.h"
#include "train/training_job.h"

namespace sinar::ui {

// What the page needs of a finished run (the bundle and run folder are on disk).
struct TrainingOutcome {
    bool ok = false;
    bool cancelled = false;
    QString error;           // user-readable, names the file where there is one
    QString bundlePath, runDir;
    eval::Report test;
    std::vector<int> testTruth;
    std::vector<std::vector<float>> testProbabilities;
    std::vector<std::string> testPaths;
    train::TrainingHistory history;
    size_t trainCount = 0, valCount = 0, testCount = 0, parameters = 0;
    size_t skippedFiles = 0;
    double totalSeconds = 0;
    bool recordedPaths = false; // the run folder names files by path (else by fingerprint; common/privacy.h)
    QJsonObject classical;      // a classical baseline's fit (BundleInfo::classical); empty for a network
};

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    explicit TrainingWorker(QObject* parent = nullptr);
    ~TrainingWorker() override;

    // Starts a run on the worker thread; false when one is running.
    bool start(const train::TrainingJobSpec& spec);
    bool running() const { return running_; }
    // Requests a stop: the trainer leaves at the next batch (the last epoch's
    // checkpoint stays valid) and finished() follows with cancelled = true.
    void stop();
    void pause();
    void resume();
    bool paused() const { return pause_.paused(); }

signals:
    void batch(const sinar::train::BatchEvent& e);
    void epoch(const sinar::train::EpochEvent& e);
    void validation(const sinar::train::ValidationEvent& e);
    void message(const QString& text);
    void progress(qint64 done, qint64 total, const QString& what);
    void finished(const sinar::ui::TrainingOutcome& outcome);

private:
    class Job;
    QThread thread_;
    QObject* job_ = nullptr; // lives on thread_
    CancelToken cancel_;
    PauseToken pause_;
    bool running_ = false;
};

} // namespace sinar::ui

Q_DECLARE_METATYPE(sinar::train::BatchEvent)
Q_DECLARE_METATYPE(sinar::train::EpochEvent)
Q_DECLARE_METATYPE(sinar::train::ValidationEvent)
Q_DECLARE_METATYPE(sinar::ui::TrainingOutcome)
