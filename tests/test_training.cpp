// A short training on real images where the loss falls; checkpoint, exact
// resume (after a cancel, and after SIGKILL of sinar-cli), cancel latency,
// pause, events, and the shared training options.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <signal.h>
#include <sys/stat.h>
#include <thread>

#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "imaging/image.h"
#include "imaging/preprocessor.h"
#include "train/train_options.h"
#include "train/training_job.h"
#include "test_support.h"

using namespace sinar;

namespace {

// Writes a CSV with the first `perClass` images of each class of the brain MRI set.
QString brainSubset(const QString& root, const QString& csv, int perClass)
{
    QString text = "path,label\n";
    for (const QString& cls : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QStringList files = QDir(root + "/" + cls).entryList({"*.jpg"}, QDir::Files, QDir::Name);
        for (int i = 0; i < perClass && i < files.size(); ++i)
            text += root + "/" + cls + "/" + files[i] + "," + cls + "\n";
    }
    test::writeFile(csv, text.toStdString());
    return csv;
}

class Recorder : public train::TrainingObserver {
public:
    std::vector<train::EpochEvent> epochs;
    std::vector<train::BatchEvent> batchEvents;
    std::vector<train::ValidationEvent> validations;
    std::vector<train::TestResult> tests;
    int batches = 0;
    CancelToken* cancelAfterFirstEpoch = nullptr;
    // Cancels at this global batch step (0: never).
    CancelToken* cancelAt = nullptr;
    long long cancelStep = 0;
    void onBatch(const train::BatchEvent& e) override
    {
        ++batches;
        QVERIFY(e.batch >= 1 && e.batch <= e.batches);
        QVERIFY(std::isfinite(e.loss));
        QVERIFY(std::isfinite(e.batchLoss));
        if (!batchEvents.empty()) {
            QCOMPARE(e.step, batchEvents.back().step + 1);
            QVERIFY(e.elapsedSeconds >= batchEvents.back().elapsedSeconds);
        }
        batchEvents.push_back(e);
        if (cancelAt && e.step == cancelStep)
            cancelAt->cancel();
    }
    void onEpoch(const train::EpochEvent& e) override
    {
        epochs.push_back(e);
        if (cancelAfterFirstEpoch)
            cancelAfterFirstEpoch->cancel();
    }
    void onValidation(const train::ValidationEvent& e) override { validations.push_back(e); }
    void onTestResult(const train::TestResult& t) override { tests.push_back(t); }
};

// Bit-exact equality of two sets of class probabilities.
bool sameBits(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
            return false;
    return true;
}

// The two bundles' outputs for the same inputs (every image of `files` plus
// noise), bit for bit: equal only when the weights are.
void verifySameWeights(const QString& bundleA, const QString& bundleB, const QStringList& files)
{
    const nn::Model a = nn::Model::load(bundleA.toStdString());
    const nn::Model b = nn::Model::load(bundleB.toStdString());
    const imaging::Preprocessor pre(a.info().recipe);
    std::vector<float> x(static_cast<size_t>(pre.inputSize()) * (files.size() + 1));
    for (int i = 0; i < files.size(); ++i) {
        const std::vector<float> one = pre(imaging::readImageFile(files[i].toStdString()));
        std::copy(one.begin(), one.end(), x.begin() + static_cast<long>(i) * pre.inputSize());
    }
    for (size_t k = static_cast<size_t>(files.size()) * pre.inputSize(); k < x.size(); ++k)
        x[k] = static_cast<float>((k * 2654435761u) % 1000) / 250.0f - 2.0f;
    const int n = files.size() + 1;
    QVERIFY2(sameBits(a.predict(x.data(), n), b.predict(x.data(), n)),
             qPrintable(bundleA + " and " + bundleB + " give different outputs"));
}

// The image files listed in a subset CSV (the first `n`).
QStringList csvFiles(const QString& csv, int n)
{
    QStringList files;
    const QStringList lines = QString::fromStdString(readFileBytes(csv.toStdString())).split('\n', Qt::SkipEmptyParts);
    for (int i = 1; i < lines.size() && files.size() < n; ++i)
        files << lines[i].section(',', 0, 0);
    return files;
}

// Progress seen from another thread (QTest macros stay on the test thread).
class Progress : public train::TrainingObserver {
public:
    std::atomic<long long> step{0};
    std::mutex mutex;
    std::vector<std::pair<double, double>> elapsed; // (BatchEvent::elapsedSeconds, wall seconds since start)
    const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    void onBatch(const train::BatchEvent& e) override
    {
        std::lock_guard<std::mutex> lock(mutex);
        elapsed.emplace_back(e.elapsedSeconds, seconds());
        step = e.step;
    }
    double seconds() const
    {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
};

// Runs a training job on a thread; `finished` holds the wall time it ended
// (seconds on the Progress clock), `outcome` how.
struct BackgroundJob {
    std::thread thread;
    std::atomic<double> finished{-1};
    std::atomic<int> outcome{0}; // 1 done, 2 cancelled, 3 other error
    void start(const train::TrainingJobSpec& spec, Progress* progress, const CancelToken* cancel,
               const PauseToken* pause)
    {
        thread = std::thread([=] {
            try {
                train::runTrainingJob(spec, progress, cancel, pause);
                outcome = 1;
            } catch (const Cancelled&) {
                outcome = 2;
            } catch (...) {
                outcome = 3;
            }
            finished = progress->seconds();
        });
    }
    ~BackgroundJob()
    {
        if (thread.joinable())
            thread.join();
    }
};

bool waitFor(const std::function<bool()>& condition, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!condition()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QThread::msleep(5);
    }
    return true;
}

// A run folder's test_metrics.json without the names of the bundle and data it was written for.
QJsonObject testMetrics(const QString& runDir)
{
    QJsonObject o = test::readJsonObject(runDir + "/test_metrics.json");
    o.remove("model");
    o.remove("data");
    return o;
}

// Cancels `job`; it must stop within a second by design, checked at 3 s for a loaded machine.
void verifyPromptCancel(CancelToken& cancel, const Progress& progress, const BackgroundJob& job)
{
    const double requested = progress.seconds();
    cancel.cancel();
    QVERIFY(waitFor([&] { return job.finished >= 0; }, 10000));
    QCOMPARE(job.outcome.load(), 2);
    const double latency = job.finished - requested;
    qInfo("cancel took effect after %.3f s", latency);
    QVERIFY2(latency < 3.0, qPrintable(QString("cancel took %1 s").arg(latency)));
}

// Identity of a file version: a new one for each atomic rewrite.
std::pair<long long, long long> fileVersion(const QString& path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return {0, 0};
    return {static_cast<long long>(st.st_ino), static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

train::TrainingJobSpec smallSpec(const QString& data, const QString& out)
{
    train::TrainingJobSpec s;
    s.dataPath = data.toStdString();
    s.outPath = out.toStdString();
    s.recipe.width = s.recipe.height = 64;
    s.cnn.filters = {16, 32, 64};
    s.train.epochs = 8;
    s.train.learningRate = 0.02;
    s.train.patience = 0;
    s.train.seed = 1;
    s.overwrite = true;
    return s;
}

} // namespace

class TestTraining : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString csv_;

private slots:
    // The process has one random generator (initial weights, dropout masks): a
    // model loaded or created on another thread while a run trains (the viewer
    // loading a bundle, say) must leave the run's numbers exactly as they are.
    void otherThreadsLeaveTrainingExact()
    {
        const QString data = tmp_.filePath("concurrent-data");
        test::makeClassFolder(data, {"a", "b", "c"}, 12, 32);
        auto spec = [&](const QString& out) {
            train::TrainingJobSpec s = smallSpec(data, out); // with dropout 0.5: draws every batch
            s.recipe.width = s.recipe.height = 32;
            s.cnn.filters = {8, 16};
            s.train.epochs = 3;
            s.train.batchSize = 8;
            return s;
        };
        const QString alone = tmp_.filePath("alone.sinar");
        train::runTrainingJob(spec(alone), nullptr, nullptr);
        std::atomic<bool> done{false};
        std::atomic<int> loads{0};
        std::thread other([&] {
            while (!done) {
                nn::Model::load(alone.toStdString());
                nn::Model::create(test::smallBundleInfo(), 99);
                ++loads;
            }
        });
        const QString busy = tmp_.filePath("busy.sinar");
        try {
            train::runTrainingJob(spec(busy), nullptr, nullptr);
        } catch (...) {
            done = true;
            other.join();
            throw;
        }
        done = true;
        other.join();
        qInfo("%d bundles loaded and models created on another thread during the run", loads.load());
        QVERIFY(loads > 0);
        // Same losses and accuracies every epoch (the speed columns differ), same predictions.
        auto lossColumns = [](const QString& csv) {
            QStringList rows;
            for (const QString& line : QString::fromStdString(readFileBytes(csv.toStdString())).split('\n', Qt::SkipEmptyParts))
                rows << line.section(',', 0, 5);
            return rows;
        };
        QCOMPARE(lossColumns(busy + ".run/history.csv"), lossColumns(alone + ".run/history.csv"));
        QCOMPARE(readFileBytes((busy + ".run/test_predictions.csv").toStdString()),
                 readFileBytes((alone + ".run/test_predictions.csv").toStdString()));
    }

    void initTestCase()
    {
        nn::setThreadCount(2);
        SINAR_DATA_OR_SKIP(root, "brain-mri/Training");
        csv_ = brainSubset(root, tmp_.filePath("subset.csv"), 60);
    }

    void lossFallsOnRealImages()
    {
        if (csv_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found"));
        Recorder rec;
        const QString out = tmp_.filePath("brain.sinar");
        CancelToken token;
        const train::TrainingJobResult r = train::runTrainingJob(smallSpec(csv_, out), &rec, &token);
        QCOMPARE(rec.epochs.size(), size_t(8));
        QVERIFY(rec.batches > 0);
        const double first = rec.epochs.front().trainLoss, last = rec.epochs.back().trainLoss;
        QVERIFY2(last < 0.8 * first, qPrintable(QString("train loss %1 -> %2").arg(first).arg(last)));
        QVERIFY2(rec.epochs.back().trainAccuracy > 0.4, "training accuracy stays at chance (0.25)");
        // 20% of 240 held out, stratified; test metrics stored in the bundle.
        QCOMPARE(r.testCount, size_t(48));
        QCOMPARE(r.test.n, 48L);
        const nn::Model m = nn::Model::load(out.toStdString());
        QCOMPARE(m.info().testMetrics.value("n").toInt(), 48);
        QCOMPARE(m.info().data.value("test").toArray().size(), 4);
        QVERIFY(QFileInfo::exists(QString::fromStdString(r.runDir) + "/split.json"));
        QVERIFY(QFileInfo::exists(QString::fromStdString(r.runDir) + "/test.csv"));
        QVERIFY(QFileInfo::exists(QString::fromStdString(r.runDir) + "/checkpoint.pt"));
        const QString history = QString::fromStdString(readFileBytes(r.runDir + "/history.csv"));
        QCOMPARE(history.count('\n'), 9);

        // Events for the GUI: global steps, per-batch loss, validation and test predictions.
        const int perEpoch = rec.batchEvents.front().batches;
        QCOMPARE(rec.batchEvents.back().step, 8LL * perEpoch);
        QCOMPARE(rec.epochs[2].step, 3LL * perEpoch);
        QVERIFY(rec.epochs.back().elapsedSeconds >= rec.epochs.back().seconds);
        QCOMPARE(rec.validations.size(), size_t(8));
        for (const auto& v : rec.validations) {
            QCOMPARE(v.probabilities.size(), r.valCount);
            QCOMPARE(v.truth.size(), r.valCount);
            QCOMPARE(v.indices, rec.validations.front().indices);
            QCOMPARE(v.probabilities.front().size(), size_t(4));
        }
        QCOMPARE(rec.validations.back().epoch, 8);
        QCOMPARE(rec.tests.size(), size_t(1));
        QCOMPARE(rec.tests[0].report.n, 48L);
        QCOMPARE(r.testPaths.size(), size_t(48));
        QVERIFY(r.testPaths[0].find("brain-mri/Training/") != std::string::npos);
        QVERIFY(sameBits(rec.tests[0].probabilities, r.testProbabilities));
        const QStringList predictions =
            QString::fromStdString(readFileBytes(r.runDir + "/test_predictions.csv")).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(predictions.size(), 49);
        QCOMPARE(predictions[0], QString("path,label,predicted,confidence,p_glioma,p_meningioma,p_notumor,p_pituitary"));
        QVERIFY(predictions[1].startsWith('"'));
        QCOMPARE(predictions[1].count(','), 7);
    }

    void sameSeedSameSplitAndStart()
    {
        if (csv_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found"));
        auto spec = smallSpec(csv_, tmp_.filePath("a.sinar"));
        spec.train.epochs = 1;
        Recorder a, b;
        train::runTrainingJob(spec, &a, nullptr);
        spec.outPath = tmp_.filePath("b.sinar").toStdString();
        train::runTrainingJob(spec, &b, nullptr);
        QCOMPARE(readFileBytes(tmp_.filePath("a.sinar.run/split.json").toStdString()),
                 readFileBytes(tmp_.filePath("b.sinar.run/split.json").toStdString()));
        // Same seed, same data, same threads: the same first epoch.
        QVERIFY(std::abs(a.epochs[0].trainLoss - b.epochs[0].trainLoss) < 1e-3);
    }

    // A run cancelled (after an epoch, or in the middle of one) and resumed ends
    // with weights bit-identical to an uninterrupted run: optimizer state
    // (SGD momentum, Adam moments) and dropout masks included.
    void cancelThenResume_data()
    {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<bool>("midEpoch");
        QTest::newRow("sgd, after epoch 1") << "sgd" << false;
        QTest::newRow("adam, in epoch 2") << "adam" << true;
    }

    void cancelThenResume()
    {
        if (csv_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found"));
        QFETCH(QString, optimizer);
        QFETCH(bool, midEpoch);
        auto spec = smallSpec(csv_, tmp_.filePath("straight-" + optimizer + ".sinar"));
        spec.train.epochs = 3;
        spec.train.optimizer = optimizer.toStdString();
        if (optimizer == "adam")
            spec.train.learningRate = 0.002;
        Recorder straight;
        const auto r0 = train::runTrainingJob(spec, &straight, nullptr);
        const int perEpoch = straight.batchEvents.front().batches;

        const QString out = tmp_.filePath("resumed-" + optimizer + ".sinar");
        spec.outPath = out.toStdString();
        CancelToken token;
        Recorder first;
        if (midEpoch) {
            first.cancelAt = &token;
            first.cancelStep = perEpoch + 2;
        } else {
            first.cancelAfterFirstEpoch = &token;
        }
        QVERIFY_THROWS_EXCEPTION(Cancelled, train::runTrainingJob(spec, &first, &token));
        QCOMPARE(first.epochs.size(), size_t(1));
        QVERIFY(!QFileInfo::exists(out)); // nothing half-written
        QVERIFY(QFileInfo::exists(out + ".run/checkpoint.pt"));

        spec.resume = true;
        Recorder second;
        CancelToken fresh;
        const auto r = train::runTrainingJob(spec, &second, &fresh);
        QCOMPARE(second.epochs.size(), size_t(2)); // epochs 2 and 3 only
        QCOMPARE(second.epochs.front().epoch, 2);
        QCOMPARE(second.batchEvents.front().step, perEpoch + 1LL); // steps continue
        QCOMPARE(r.history.epochs.size(), size_t(3));               // history carried over
        QVERIFY(QFileInfo::exists(out));

        for (size_t e = 0; e < 3; ++e) {
            QVERIFY(r.history.epochs[e].trainLoss == r0.history.epochs[e].trainLoss); // exactly, not fuzzily
            QVERIFY(r.history.epochs[e].valLoss == r0.history.epochs[e].valLoss);
        }
        QCOMPARE(r.history.bestEpoch, r0.history.bestEpoch);
        QVERIFY2(sameBits(r.testProbabilities, r0.testProbabilities), "test predictions differ from the uninterrupted run");
        verifySameWeights(QString::fromStdString(r0.bundlePath), out, csvFiles(csv_, 12));
        QCOMPARE(testMetrics(QString::fromStdString(r.runDir)), testMetrics(QString::fromStdString(r0.runDir)));
        QCOMPARE(readFileBytes(r.runDir + "/test_predictions.csv"), readFileBytes(r0.runDir + "/test_predictions.csv"));
    }

    // sinar-cli killed with SIGKILL right after its epoch-2 checkpoint (or
    // before its first one), then resumed: the same bundle weights as a run
    // that was never interrupted.
    void killedProcessResumesExactly_data()
    {
        QTest::addColumn<int>("checkpoints");
        QTest::newRow("after epoch 2") << 2;
        QTest::newRow("before the first checkpoint") << 0;
    }

    void killedProcessResumesExactly()
    {
        SINAR_DATA_OR_SKIP(root, "brain-mri/Training");
        QFETCH(int, checkpoints);
        const QString data = tmp_.filePath("kill-data");
        const QStringList classes{"glioma", "meningioma", "notumor"};
        const QStringList common{"train", "--data", data, "--size", "64", "--epochs", "4", "--filters", "8,16",
                                 "--threads", "2", "--seed", "3", "--batch-size", "16", "--dropout", "0.5"};
        const QString straight = tmp_.filePath("kill-straight.sinar");
        if (!QFileInfo::exists(straight)) { // once for both rows
            for (const QString& cls : classes) {
                QDir().mkpath(data + "/" + cls);
                const QStringList files = QDir(root + "/" + cls).entryList({"*.jpg"}, QDir::Files, QDir::Name);
                for (int i = 0; i < 40 && i < files.size(); ++i)
                    QVERIFY(QFile::copy(root + "/" + cls + "/" + files[i], data + "/" + cls + "/" + files[i]));
            }
            const test::CliRun a = test::runCli(common + QStringList{"--out", straight}, 180000);
            QVERIFY2(a.code == 0, qPrintable(a.err));
        }

        const QString killed = tmp_.filePath(QString("kill-%1.sinar").arg(checkpoints));
        QProcess p;
        p.start(SINAR_CLI_PATH, common + QStringList{"--out", killed});
        QVERIFY(p.waitForStarted());
        const QString checkpoint = killed + ".run/checkpoint.pt";
        std::pair<long long, long long> seen{0, 0};
        int versions = 0;
        QVERIFY2(waitFor(
                     [&] {
                         if (checkpoints == 0)
                             return QFileInfo::exists(killed + ".run/split.json") || p.state() == QProcess::NotRunning;
                         const auto v = fileVersion(checkpoint);
                         if (v.first != 0 && v != seen) {
                             seen = v;
                             ++versions;
                         }
                         return versions >= checkpoints || p.state() == QProcess::NotRunning;
                     },
                     120000),
                 "the run did not get there");
        p.kill(); // SIGKILL
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(versions, checkpoints);
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        QVERIFY(!QFileInfo::exists(killed));
        const bool hadCheckpoint = QFileInfo::exists(checkpoint);

        const test::CliRun b = test::runCli(common + QStringList{"--out", killed, "--resume"}, 180000);
        QVERIFY2(b.code == 0, qPrintable(b.err));
        if (checkpoints > 0)
            QVERIFY2(b.err.contains(QString("resuming after epoch %1").arg(checkpoints)), qPrintable(b.err));
        else if (!hadCheckpoint) // the first epoch may just have ended
            QVERIFY2(b.err.contains("no checkpoint yet"), qPrintable(b.err));
        if (checkpoints == 0)
            qInfo("killed %s the first checkpoint", hadCheckpoint ? "after" : "before");
        QStringList files;
        for (const QString& cls : classes)
            for (const QString& f : QDir(data + "/" + cls).entryList(QDir::Files, QDir::Name).mid(0, 5))
                files << data + "/" + cls + "/" + f;
        verifySameWeights(straight, killed, files);
        QVERIFY(testMetrics(straight + ".run").contains("accuracy"));
        QCOMPARE(testMetrics(killed + ".run"), testMetrics(straight + ".run"));
        // history.csv: the same losses, accuracies and learning rates (times differ).
        auto losses = [](const QString& csv) {
            QStringList out;
            for (const QString& line : QString::fromStdString(readFileBytes(csv.toStdString())).split('\n'))
                out << line.section(',', 0, 5);
            return out;
        };
        QCOMPARE(losses(killed + ".run/history.csv"), losses(straight + ".run/history.csv"));
    }

    // A cancel request takes effect within about a second (the design; checked
    // at 3 s for a loaded machine) in the middle of an epoch.
    void cancelIsPrompt()
    {
        if (csv_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found"));
        auto spec = smallSpec(csv_, tmp_.filePath("prompt.sinar"));
        spec.train.epochs = 100;
        Progress progress;
        CancelToken cancel;
        BackgroundJob job;
        job.start(spec, &progress, &cancel, nullptr);
        QVERIFY(waitFor([&] { return progress.step >= 8 || job.finished >= 0; }, 120000));
        verifyPromptCancel(cancel, progress, job);
    }

    // Paused, the run makes no progress and the pause does not count as
    // training time; resumed, it continues; cancelled while paused, it stops.
    void pauseHoldsTraining()
    {
        if (csv_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found"));
        auto spec = smallSpec(csv_, tmp_.filePath("pause.sinar"));
        spec.train.epochs = 100;
        Progress progress;
        CancelToken cancel;
        PauseToken pause;
        BackgroundJob job;
        job.start(spec, &progress, &cancel, &pause);
        QVERIFY(waitFor([&] { return progress.step >= 3 || job.finished >= 0; }, 120000));
        pause.pause();
        QVERIFY(pause.paused());
        QThread::msleep(500); // the batch under way finishes
        const long long held = progress.step;
        const size_t before = progress.elapsed.size();
        QThread::msleep(1500);
        QCOMPARE(progress.step.load(), held);
        pause.resume();
        QVERIFY(waitFor([&] { return progress.step > held + 1 || job.finished >= 0; }, 60000));
        {
            std::lock_guard<std::mutex> lock(progress.mutex);
            const auto last = progress.elapsed[before - 1], next = progress.elapsed[before];
            QVERIFY2(next.second - last.second > 1.4, "the pause did not hold training");
            QVERIFY2(next.first - last.first < next.second - last.second - 1.0,
                     qPrintable(QString("paused time counted as training: %1 s of %2 s")
                                    .arg(next.first - last.first)
                                    .arg(next.second - last.second)));
        }
        pause.pause();
        QThread::msleep(300);
        verifyPromptCancel(cancel, progress, job);
    }

    void trainOptionsRoundTrip()
    {
        train::TrainingJobSpec s;
        s.dataPath = "/data/my set";
        s.outPath = "it's.sinar";
        s.runDir = "runs/a";
        s.classNames = {"normal", "pneumonia"};
        s.testFraction = 0.25;
        s.groupByPatient = true;
        s.threads = 2;
        s.train.seed = 5;
        s.train.epochs = 7;
        s.train.optimizer = "adam";
        s.train.learningRate = 0.003;
        s.train.preciseBnImages = 0;
        s.cnn.filters = {8, 16};
        s.cnn.batchNorm = false;
        s.cnn.dropout = 0.3;
        s.recipe.width = 96;
        s.recipe.height = 64;
        s.recipe.normalisation = imaging::Normalisation::MinusOneOne;
        s.recipe.denoise = imaging::Denoise::Median;
        s.recipe.useWindow = true;
        s.recipe.windowCenter = 40;
        s.recipe.windowWidth = 400;
        s.augment.horizontalFlip = false;
        s.augment.rotationDeg = 12.5;
        const QStringList cmd = train::trainCommandLine(s);
        QCOMPARE(cmd.mid(0, 8), (QStringList{"sinar-cli", "train", "--data", "/data/my set", "--out", "it's.sinar",
                                             "--run-dir", "runs/a"}));
        QVERIFY(cmd.contains("--group-by-patient"));
        QVERIFY(!cmd.contains("--momentum")); // defaults are left out

        QCommandLineParser p;
        train::addTrainOptions(p);
        QVERIFY(p.parse(cmd.mid(1)));
        train::TrainingJobSpec back = train::trainSpecFromOptions(p);
        back.dataPath = p.value("data").toStdString();
        back.outPath = p.value("out").toStdString();
        QCOMPARE(train::trainCommandLine(back), cmd);
        QCOMPARE(back.train.learningRate, 0.003);
        QCOMPARE(back.recipe.height, 64);
        QCOMPARE(back.recipe.windowWidth, 400.0);
        QVERIFY(back.groupByPatient && !back.augment.horizontalFlip && !back.cnn.batchNorm);
        QCOMPARE(back.classNames, s.classNames);

        train::TrainingJobSpec plain;
        plain.dataPath = "d";
        plain.outPath = "b.sinar";
        QCOMPARE(train::trainCommandLine(plain), (QStringList{"sinar-cli", "train", "--data", "d", "--out", "b.sinar"}));
        QCOMPARE(train::shellJoin({"sinar-cli", "--data", "/data/my set", "it's", ""}),
                 QString("sinar-cli --data '/data/my set' 'it'\\''s' ''"));

        // The GUI leaves out options it defines itself; those take their defaults.
        const QStringList skip{"data", "out", "quiet", "size"};
        QCommandLineParser gui;
        train::addTrainOptions(gui, skip);
        gui.addOption({"size", "The GUI's own option.", "N"});
        QVERIFY(gui.parse({"sinar", "--size", "7", "--epochs", "3", "--no-augment"}));
        const train::TrainingJobSpec g = train::trainSpecFromOptions(gui, skip);
        QCOMPARE(g.recipe.width, 128);
        QCOMPARE(g.train.epochs, 3);
        QVERIFY(!g.augment.enabled);

        QCommandLineParser bad;
        train::addTrainOptions(bad);
        QVERIFY(bad.parse({"sinar-cli train", "--dropout", "2"}));
        try {
            train::trainSpecFromOptions(bad);
            QFAIL("--dropout 2 accepted");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("--dropout"), e.what());
        }
    }

    void refusesToOverwrite()
    {
        if (csv_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found"));
        const QString out = tmp_.filePath("exists.sinar");
        test::writeFile(out, "precious");
        auto spec = smallSpec(csv_, out);
        spec.overwrite = false;
        QVERIFY_THROWS_EXCEPTION(Error, train::runTrainingJob(spec, nullptr, nullptr));
        QCOMPARE(readFileBytes(out.toStdString()), std::string("precious"));
    }
};

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
