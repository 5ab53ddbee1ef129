// The Training tab, offscreen, on a small real subset of the brain MRI set:
// live plots get one point per batch and per epoch; the confusion matrix
// follows the validation set and, after the run, equals `sinar-cli evaluate`
// on the held-out test images; the run folder holds what the contract names
// (report PDF rendered by pdftoppm); "Copy command" reproduces the same
// model; stop takes effect at once and Continue picks the run up at the next
// epoch, ending with the same model as an uninterrupted run; the GUI thread
// never stalls while it trains; bad input gives a message in the tab.
#include <QApplication>
#include <QComboBox>
#include <QLineEdit>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QDockWidget>
#include <QtTest>
#include <qcustomplot.h>

#include "gui_test_support.h"
#include "nn/model.h"
#include "test_support.h"
#include "train/training_job.h"
#include "ui/classify/classification_panel.h"
#include "ui/classify/model_handle.h"
#include "ui/shell/main_window.h"
#include "ui/viewer/image_view.h"
#include "ui/training/confusion_gallery.h"
#include "ui/training/confusion_matrix_view.h"
#include "ui/training/curve_plot.h"
#include "train/train_options.h"
#include "ui/training/run_history.h"
#include "ui/training/study_panel.h"
#include "ui/training/cv_plot.h"
#include "ui/training/training_page.h"

using namespace sinar;
using sinar::test::runEventLoopUntil;
using sinar::test::threadCpuMs;
using sinar::test::threadRunQueueWaitMs;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// Runs the workstation (offscreen) with `args`; `shell` wraps the call in
// `bash -c` (for ulimit); exit code -1 when it crashed or timed out.
test::CliRun runGui(const QStringList& args, const QString& home, const QString& shellPrefix = {}, int timeoutMs = 300000)
{
    QProcess p;
    p.setProcessEnvironment(test::guiEnvironment(home));
    if (shellPrefix.isEmpty()) {
        p.start(QStringLiteral(SINAR_GUI_PATH), args);
    } else {
        QStringList quoted;
        for (const QString& a : args)
            quoted << QLatin1Char('\'') + QString(a).replace(QLatin1Char('\''), QStringLiteral("'\\''")) + QLatin1Char('\'');
        p.start(QStringLiteral("bash"), {QStringLiteral("-c"), shellPrefix + QStringLiteral(" exec '") +
                                                                     QStringLiteral(SINAR_GUI_PATH) + QStringLiteral("' ") +
                                                                     quoted.join(QLatin1Char(' '))});
    }
    test::CliRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

// With SINAR_SCREENSHOT_DIR set, the suite also saves the pictures the README shows.
void screenshot(QWidget* w, const QString& name)
{
    const QString dir = qEnvironmentVariable("SINAR_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        QVERIFY(w->grab().save(dir + '/' + name, "PNG"));
}

} // namespace

class TestTrainingTab : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString data_;

    // A small, fast recipe; the data set and run folder are filled in.
    train::TrainingJobSpec smallSpec(const QString& runDir, int epochs) const
    {
        train::TrainingJobSpec s;
        s.dataPath = data_.toStdString();
        s.runDir = runDir.toStdString();
        s.recipe.width = s.recipe.height = 48;
        s.cnn.filters = {8, 16};
        s.train.epochs = epochs;
        s.train.batchSize = 16;
        s.train.preciseBnImages = 64;
        return s;
    }

    // Runs the page's current spec to the end; false on timeout.
    static bool waitForRun(ui::TrainingPage* page, int timeoutMs = 300000)
    {
        return runEventLoopUntil([&] { return !page->running(); }, timeoutMs);
    }

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(tmp_.isValid());
        qputenv("SINAR_MODEL_LIBRARY", tmp_.filePath(QStringLiteral("library")).toUtf8());
        QSettings().clear();
        ui::AppSettings().setRunsFolder(tmp_.filePath(QStringLiteral("runs")));
        nn::setThreadCount(2);
        // 3 classes x 36 real brain MRI images.
        data_ = tmp_.filePath(QStringLiteral("brain"));
        for (const char* cls : {"glioma", "meningioma", "notumor"}) {
            SINAR_DATA_OR_SKIP(src, QStringLiteral("brain-mri/Training/") + cls);
            QDir().mkpath(data_ + '/' + cls);
            const QStringList files = QDir(src).entryList({QStringLiteral("*.jpg")}, QDir::Files, QDir::Name);
            QVERIFY(files.size() >= 36);
            for (int i = 0; i < 36; ++i)
                QVERIFY(QFile::copy(src + '/' + files[i * (files.size() / 36)], data_ + '/' + cls + '/' + files[i * (files.size() / 36)]));
        }
    }

    // A whole run in the tab: plots, confusion matrices, run folder, report,
    // model library, equality with sinar-cli, and the latency probe.
    void runInTab()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.showTrainingTab();
        ui::TrainingPage* page = w.trainingPage();
        const QString run = tmp_.filePath(QStringLiteral("run-a"));
        train::TrainingJobSpec spec = smallSpec(run, 3);
        spec.recipe.width = spec.recipe.height = 64;
        spec.train.batchSize = 8;
        page->setSpec(spec);
        page->setDataPath(data_);
        QVERIFY(runEventLoopUntil([&] { return !page->planning() && page->splitTable()->rowCount() == 4; }, 60000));
        QCOMPARE(page->splitTable()->item(3, 4)->text(), QStringLiteral("108"));

        test::GuiThreadSpy<train::BatchEvent> batches(page->worker(), &ui::TrainingWorker::batch);
        test::GuiThreadSpy<train::EpochEvent> epochs(page->worker(), &ui::TrainingWorker::epoch);
        std::vector<long> validationTotals;
        int validationImages = -1;
        connect(page->worker(), &ui::TrainingWorker::validation, this, [&](const train::ValidationEvent& e) {
            // Queued after the page's own handler: the matrix shows this validation.
            validationTotals.push_back(page->confusion()->total());
            validationImages = static_cast<int>(e.truth.size());
        });

        // The latency probe: the longest time the GUI thread was held up
        // (waiting for a CPU, which a loaded machine imposes, is taken off).
        QElapsedTimer clock;
        clock.start();
        double lastWall = 0, lastWait = threadRunQueueWaitMs(), maxStall = 0;
        int ticks = 0;
        QTimer probe;
        probe.setInterval(5);
        probe.setTimerType(Qt::PreciseTimer);
        connect(&probe, &QTimer::timeout, [&] {
            const double now = clock.nsecsElapsed() / 1e6, wait = threadRunQueueWaitMs();
            maxStall = std::max(maxStall, (now - lastWall) - (wait - lastWait));
            lastWall = now;
            lastWait = wait;
            ++ticks;
        });
        QSignalSpy finished(page, &ui::TrainingPage::runFinished);
        double stallWhileTraining = -1;
        connect(page, &ui::TrainingPage::trainingEnded, this, [&] { stallWhileTraining = maxStall; });
        QVERIFY2(page->startRun(), qPrintable(page->lastError()));
        lastWall = clock.nsecsElapsed() / 1e6;
        probe.start();
        QVERIFY(waitForRun(page));
        probe.stop();
        QCOMPARE(finished.count(), 1);
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(page->lastError()));
        qInfo("latency probe: %d ticks; the GUI thread was held up %.1f ms at most while training, %.1f ms at most "
              "with the results and report after it",
              ticks, stallWhileTraining, maxStall);
        QVERIFY(ticks > 20);
        QVERIFY(stallWhileTraining >= 0);
        if (test::kSanitizerSlowdown == 1)
            QVERIFY2(stallWhileTraining < 50,
                     qPrintable(QStringLiteral("the GUI thread stalled %1 ms while training").arg(stallWhileTraining)));
        QVERIFY2(maxStall < 500, qPrintable(QStringLiteral("the GUI thread stalled %1 ms after training").arg(maxStall)));

        // One plot point per batch and per epoch.
        const ui::TrainingOutcome& o = page->lastOutcome();
        QCOMPARE(static_cast<int>(o.history.epochs.size()), 3);
        QCOMPARE(epochs.count(), 3);
        QVERIFY(batches.count() >= 3 * 9); // 77 training images in batches of 8
        QCOMPARE(page->curves()->batchPointCount(), batches.count());
        QCOMPARE(page->curves()->epochPointCount(), epochs.count());
        // The validation matrix summed to the validation images, every epoch.
        QCOMPARE(static_cast<int>(validationTotals.size()), 3);
        QCOMPARE(validationImages, static_cast<int>(o.valCount));
        for (long t : validationTotals)
            QCOMPARE(t, static_cast<long>(o.valCount));
        QCOMPARE(page->validationCount(), static_cast<int>(o.valCount));

        // The run folder: what sinar-cli train --run-dir writes, plus the bundle and the reports.
        for (const char* f : {"history.csv", "test.csv", "test_metrics.json", "split.json", "checkpoint.pt", "model.sinar",
                              "report.html", "report.pdf", "command.txt"})
            QVERIFY2(QFileInfo::exists(run + '/' + f), f);
        QVERIFY(readAll(run + "/report.html").contains("Held-out test results"));
        const QString pdftoppm = QStandardPaths::findExecutable(QStringLiteral("pdftoppm"));
        if (!pdftoppm.isEmpty()) {
            QProcess p;
            p.start(pdftoppm, {QStringLiteral("-r"), QStringLiteral("30"), QStringLiteral("-png"), run + "/report.pdf",
                               tmp_.filePath(QStringLiteral("page"))});
            QVERIFY(p.waitForFinished(60000));
            QCOMPARE(p.exitCode(), 0);
            QVERIFY(QFileInfo::exists(tmp_.filePath(QStringLiteral("page-1.png"))) ||
                    QFileInfo::exists(tmp_.filePath(QStringLiteral("page-01.png"))));
        } else if (qEnvironmentVariableIsSet("CI")) {
            QFAIL("pdftoppm (poppler-utils) is not installed; packaging/install-deps.sh installs it");
        }

        // The test matrix in the tab equals sinar-cli evaluate on the same images.
        QCOMPARE(page->confusion()->total(), static_cast<long>(o.testCount));
        const test::CliRun ev = test::runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), run + "/model.sinar",
                                              QStringLiteral("--data"), run + "/test.csv", QStringLiteral("--json"),
                                              tmp_.filePath(QStringLiteral("eval.json"))});
        QVERIFY2(ev.code == 0, qPrintable(ev.err));
        const QJsonArray cm = test::readJsonObject(tmp_.filePath(QStringLiteral("eval.json")))[QStringLiteral("confusion_matrix")].toArray();
        QCOMPARE(cm.size(), static_cast<int>(o.test.confusion.size()));
        for (int r = 0; r < cm.size(); ++r)
            for (int c = 0; c < cm.size(); ++c)
                QCOMPARE(static_cast<long>(cm[r].toArray()[c].toInteger()), o.test.confusion[r][c]);

        // The bundle is in the model library and the viewer's chooser.
        const QString library = tmp_.filePath(QStringLiteral("library"));
        QCOMPARE(QDir(library).entryList({QStringLiteral("*.sinar")}).size(), 1);
        const QStringList cards = QDir(library).entryList({QStringLiteral("*.md")});
        QCOMPARE(cards.size(), 1);
        QVERIFY(readAll(library + '/' + cards.first()).contains("sinar-cli train"));
        auto* chooser = w.classificationPanel()->findChild<QComboBox*>(QStringLiteral("modelCombo"));
        QVERIFY(chooser);
        QVERIFY(chooser->findText(QStringLiteral("run-a")) >= 0); // the viewer offers it at once

        // A confusion cell opens its images, most confident first.
        int cellT = 0, cellP = 0;
        for (int t = 0; t < 3; ++t)
            for (int p = 0; p < 3; ++p)
                if (o.test.confusion[t][p] > o.test.confusion[cellT][cellP])
                    cellT = t, cellP = p;
        page->showCell(cellT, cellP);
        auto* gallery = qobject_cast<ui::ConfusionGallery*>(page->galleryWindow());
        QVERIFY(gallery);
        QCOMPARE(static_cast<long>(gallery->entries().size()), o.test.confusion[cellT][cellP]);
        for (size_t i = 1; i < gallery->entries().size(); ++i)
            QVERIFY(gallery->entries()[i - 1].confidence >= gallery->entries()[i].confidence);
        QVERIFY(runEventLoopUntil([&] { return !gallery->loading(); }, 60000));
        QVERIFY(!gallery->list()->item(0)->icon().isNull());
        QVERIFY(gallery->list()->item(0)->text().contains(QStringLiteral("contrast")));
        screenshot(gallery, QStringLiteral("training-gallery.png"));
        QSignalSpy open(page, &ui::TrainingPage::openInViewer);
        emit gallery->list()->itemActivated(gallery->list()->item(0));
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.first().at(0).toString(), gallery->entries()[0].path);
        gallery->close();
        // ... in the viewer, with the run's model and its heat map.
        QVERIFY(!w.trainingTabShown());
        QVERIFY(runEventLoopUntil([&] {
            return w.view()->hasImage() && w.classificationPanel()->model() &&
                   w.classificationPanel()->model()->path() == run + "/model.sinar" && !w.heatMap().empty();
        }, 60000));
        w.showTrainingTab();

        // Run history lists the run with its metrics.
        page->history()->refresh();
        bool listed = false;
        for (const auto& r : page->history()->runs())
            if (QDir(r.dir) == QDir(run)) {
                listed = true;
                QCOMPARE(r.epochs, 3);
                QVERIFY(std::abs(r.accuracy - o.test.accuracy) < 1e-9);
                QCOMPARE(r.state, QStringLiteral("finished"));
            }
        QVERIFY(listed);

        // "Copy command" reproduces the same model.
        const QString command = readAll(run + "/command.txt").trimmed();
        QVERIFY(command.startsWith(QStringLiteral("sinar-cli train")));
        QVERIFY(command.contains(QStringLiteral("--threads 2")));
        QStringList args = train::splitShellWords(command).mid(1);
        const QString again = tmp_.filePath(QStringLiteral("run-cli"));
        for (int i = 0; i < args.size(); ++i) {
            if (args[i] == QLatin1String("--run-dir"))
                args[i + 1] = again;
            if (args[i] == QLatin1String("--out"))
                args[i + 1] = again + "/model.sinar";
        }
        const test::CliRun cli = test::runCli(args);
        QVERIFY2(cli.code == 0, qPrintable(cli.err));
        QCOMPARE(readAll(again + "/test_predictions.csv"), readAll(run + "/test_predictions.csv"));
        QCOMPARE(readAll(again + "/history.csv").count('\n'), readAll(run + "/history.csv").count('\n'));
    }

    // Stop takes effect at once and leaves the last epoch's checkpoint;
    // Continue resumes at the next epoch and ends with the model of an
    // uninterrupted run.
    // A classical baseline has no epochs: the run page shows its
    // cross-validation in the curves' place, the report its fit; the viewer's
    // docks (Measurements too) make room for the tab and come back after.
    void baselineRunShowsCrossValidation()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        QDockWidget* measurements = nullptr;
        for (QDockWidget* d : w.findChildren<QDockWidget*>())
            if (d->windowTitle() == QLatin1String("Measurements"))
                measurements = d;
        QVERIFY(measurements);
        measurements->show();
        QVERIFY(runEventLoopUntil([&] { return measurements->isVisible(); }, 5000));
        w.showTrainingTab();
        QVERIFY(!measurements->isVisible());

        ui::TrainingPage* page = w.trainingPage();
        const QString run = tmp_.filePath(QStringLiteral("run-knn"));
        train::TrainingJobSpec spec = smallSpec(run, 1);
        spec.architecture = "knn";
        page->setSpec(spec);
        page->setDataPath(data_);
        QVERIFY(runEventLoopUntil([&] { return !page->planning() && page->splitTable()->rowCount() == 4; }, 60000));
        QVERIFY2(page->startRun(), qPrintable(page->lastError()));
        QVERIFY(page->crossValidation()->isVisibleTo(page));
        QVERIFY(!page->curves()->isVisibleTo(page));
        QVERIFY(page->crossValidation()->summary().startsWith(QLatin1String("Fitting the baseline")));
        QVERIFY(waitForRun(page));
        const ui::TrainingOutcome& o = page->lastOutcome();
        QVERIFY2(o.ok, qPrintable(o.error));
        QVERIFY(o.history.epochs.empty());
        const QJsonArray grid = o.classical.value(QStringLiteral("cross_validation")).toArray();
        QVERIFY(grid.size() >= 3);
        QCOMPARE(page->crossValidation()->lineCount(), 1);
        QCOMPARE(page->crossValidation()->pointCount(), grid.size());
        const QString summary = page->crossValidation()->summary();
        QVERIFY2(summary.contains(QStringLiteral("chosen k %1").arg(o.classical.value("chosen").toObject().value("k").toInt())) &&
                     summary.contains(QStringLiteral("fitted on all %1 training and validation images").arg(o.trainCount + o.valCount)),
                 qPrintable(summary));

        QVERIFY(QFileInfo::exists(run + "/cross_validation.png"));
        QVERIFY(!QFileInfo::exists(run + "/curves.png"));
        const QString html = readAll(run + "/report.html");
        QVERIFY(html.contains("<h2>Baseline fit</h2>") && html.contains("Cross-validation of the baseline") &&
                !html.contains("<h2>Training</h2>") && !html.contains("Training curves"));

        // The next network run shows its curves again; the docks come back with the viewer.
        w.showViewerTab();
        QVERIFY(runEventLoopUntil([&] { return measurements->isVisible(); }, 5000));
        w.showTrainingTab();
        QVERIFY(!measurements->isVisible());
        spec = smallSpec(tmp_.filePath(QStringLiteral("run-after-knn")), 1);
        page->setSpec(spec);
        QVERIFY(runEventLoopUntil([&] { return !page->planning(); }, 60000));
        QVERIFY2(page->startRun(), qPrintable(page->lastError()));
        QVERIFY(page->curves()->isVisibleTo(page));
        QVERIFY(waitForRun(page));
    }

    void stopThenContinue()
    {
        ui::MainWindow w;
        w.show();
        w.showTrainingTab();
        ui::TrainingPage* page = w.trainingPage();

        // Both runs name their data set by fingerprint only (--paths fingerprint): Continue must still find it.
        auto fingerprinted = [&](const QString& dir) {
            train::TrainingJobSpec s = smallSpec(dir, 4);
            s.pathMode = "fingerprint";
            return s;
        };
        const QString whole = tmp_.filePath(QStringLiteral("run-whole"));
        page->setSpec(fingerprinted(whole));
        QVERIFY2(page->startRun(), qPrintable(page->lastError()));
        QVERIFY(waitForRun(page));
        QVERIFY(page->lastOutcome().ok);

        const QString run = tmp_.filePath(QStringLiteral("run-stopped"));
        page->setSpec(fingerprinted(run));
        test::GuiThreadSpy<train::EpochEvent> epochs(page->worker(), &ui::TrainingWorker::epoch);
        test::GuiThreadSpy<train::BatchEvent> batches(page->worker(), &ui::TrainingWorker::batch);
        QVERIFY(page->startRun());
        QVERIFY(runEventLoopUntil([&] { return epochs.count() >= 2 && batches.count() > 0 &&
                                               batches.last().epoch == 3; }, 300000));
        QElapsedTimer stopClock;
        stopClock.start();
        page->stopRun();
        QVERIFY(waitForRun(page, 30000));
        const int epochsDone = epochs.count(); // 2, or 3 when epoch 3 ended before the stop arrived
        QVERIFY(epochsDone < 4);
        const qint64 stopMs = stopClock.elapsed();
        qInfo("stop took %lld ms", static_cast<long long>(stopMs));
        QVERIFY2(stopMs < 3000, qPrintable(QStringLiteral("stop took %1 ms").arg(stopMs)));
        QVERIFY(page->lastOutcome().cancelled);
        QVERIFY(QFileInfo::exists(run + "/checkpoint.pt"));
        QVERIFY(!QFileInfo::exists(run + "/model.sinar"));
        ui::RunSummary summary;
        QVERIFY(ui::readRunSummary(run, summary));
        QVERIFY(summary.continuable);
        QVERIFY(readAll(run + "/command.txt").contains("--data sha256:"));
        QVERIFY(!readAll(run + "/command.txt").contains(data_.toUtf8()));

        // Continue, as after a restart: from the run folder alone.
        ui::MainWindow w2;
        w2.show();
        ui::TrainingPage* page2 = w2.trainingPage();
        page2->setRunDir(run);
        test::GuiThreadSpy<train::EpochEvent> epochs2(page2->worker(), &ui::TrainingWorker::epoch);
        QVERIFY2(page2->continueRun(), qPrintable(page2->lastError()));
        QVERIFY(waitForRun(page2));
        QVERIFY2(page2->lastOutcome().ok, qPrintable(page2->lastError()));
        QVERIFY(epochs2.count() >= 1);
        QCOMPARE(epochs2.first().epoch, epochsDone + 1);
        QCOMPARE(readAll(run + "/test_predictions.csv"), readAll(whole + "/test_predictions.csv"));
        QCOMPARE(readAll(run + "/history.csv").count('\n'), readAll(whole + "/history.csv").count('\n'));

        // Run history: both runs, compared.
        ui::RunHistory* history = page2->history();
        history->addFolder(whole);
        history->addFolder(run);
        QTableWidget* table = history->table();
        table->clearSelection();
        table->setSelectionMode(QAbstractItemView::MultiSelection);
        for (int r = 0; r < table->rowCount(); ++r) {
            const QString dir = history->runs()[static_cast<size_t>(r)].dir;
            if (QDir(dir) == QDir(whole) || QDir(dir) == QDir(run))
                table->selectRow(r);
        }
        table->setSelectionMode(QAbstractItemView::ExtendedSelection);
        QCOMPARE(history->comparison()->comparisonCount(), 2);
        w2.resize(1500, 900);
        w2.showTrainingTab();
        page2->resultTabs()->setCurrentWidget(history);
        QTest::qWait(300);
        screenshot(&w2, QStringLiteral("training-runs.png"));
    }

    void pauseHoldsTheRun()
    {
        ui::MainWindow w;
        w.show();
        ui::TrainingPage* page = w.trainingPage();
        page->setSpec(smallSpec(tmp_.filePath(QStringLiteral("run-paused")), 3));
        test::GuiThreadSpy<train::BatchEvent> batches(page->worker(), &ui::TrainingWorker::batch);
        QVERIFY(page->startRun());
        QVERIFY(runEventLoopUntil([&] { return batches.count() >= 2; }, 120000));
        page->pauseRun();
        QVERIFY(page->paused());
        QTest::qWait(300); // a batch in flight may still arrive
        const int held = batches.count();
        QTest::qWait(1500);
        QCOMPARE(batches.count(), held);
        page->resumeRun();
        QVERIFY(runEventLoopUntil([&] { return batches.count() > held; }, 60000));
        page->stopRun();
        QVERIFY(waitForRun(page, 30000));
    }

    // Bad input gives a message in the tab and touches no earlier run.
    void badInput()
    {
        ui::MainWindow w;
        w.show();
        ui::TrainingPage* page = w.trainingPage();

        // An empty folder.
        const QString empty = tmp_.filePath(QStringLiteral("empty"));
        QDir().mkpath(empty);
        train::TrainingJobSpec s = smallSpec(tmp_.filePath(QStringLiteral("run-empty")), 1);
        s.dataPath = empty.toStdString();
        page->setSpec(s);
        if (page->startRun())
            QVERIFY(waitForRun(page, 60000));
        QVERIFY(!page->lastOutcome().ok);
        QVERIFY2(page->lastError().contains(empty), qPrintable(page->lastError()));

        // A class with one image, and an unreadable file: warned about before the run.
        const QString odd = tmp_.filePath(QStringLiteral("odd"));
        for (const char* cls : {"glioma", "meningioma"})
            QVERIFY(QDir().mkpath(odd + '/' + cls));
        const QStringList files = QDir(data_ + "/glioma").entryList(QDir::Files);
        for (int i = 0; i < 20; ++i)
            QFile::copy(data_ + "/glioma/" + files[i], odd + "/glioma/" + files[i]);
        QFile::copy(data_ + "/meningioma/" + QDir(data_ + "/meningioma").entryList(QDir::Files).first(), odd + "/meningioma/one.jpg");
        test::writeFile(odd + "/glioma/broken.jpg", "not a JPEG at all");
        page->setDataPath(odd);
        QVERIFY(runEventLoopUntil([&] { return !page->planning(); }, 60000));
        auto* warnings = page->findChild<QListWidget*>(QStringLiteral("planWarnings"));
        QVERIFY(warnings);
        QString all = page->findChild<QLabel*>(QStringLiteral("planSummary"))->text() + '\n';
        for (int i = 0; i < warnings->count(); ++i)
            all += warnings->item(i)->text() + '\n';
        QVERIFY2(all.contains(QStringLiteral("meningioma")), qPrintable(all));

        // A run folder that cannot be created.
        s = smallSpec(QStringLiteral("/proc/sinar-cannot-write-here"), 1);
        page->setSpec(s);
        QVERIFY(!page->startRun());
        QVERIFY2(page->lastError().contains(QStringLiteral("/proc/sinar-cannot-write-here")), qPrintable(page->lastError()));

        // A folder that holds a run already is not overwritten.
        const QString earlier = tmp_.filePath(QStringLiteral("run-earlier"));
        page->setSpec(smallSpec(earlier, 1));
        QVERIFY2(page->startRun(), qPrintable(page->lastError()));
        QVERIFY(waitForRun(page));
        const QByteArray before = readAll(earlier + "/checkpoint.pt");
        QVERIFY(!before.isEmpty());
        page->setSpec(smallSpec(earlier, 1));
        QVERIFY(!page->startRun());
        QVERIFY(page->lastError().contains(QStringLiteral("holds a run already")));
        QCOMPARE(readAll(earlier + "/checkpoint.pt"), before);
    }

    // The contract outside tools script: sinar --train DATA --run-dir DIR
    // [sinar-cli train options] --screenshot FILE.
    void guiTrainContract()
    {
        const QString run = tmp_.filePath(QStringLiteral("run-contract"));
        const QString shot = tmp_.filePath(QStringLiteral("contract.png"));
        const test::CliRun r = runGui({QStringLiteral("--train"), data_, QStringLiteral("--run-dir"), run, QStringLiteral("--epochs"),
                                       QStringLiteral("2"), QStringLiteral("--size"), QStringLiteral("48"), QStringLiteral("--filters"),
                                       QStringLiteral("8,16"), QStringLiteral("--batch-size"), QStringLiteral("16"),
                                       QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--screenshot"), shot},
                                      tmp_.filePath(QStringLiteral("home")));
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (const char* f : {"history.csv", "test.csv", "test_metrics.json", "model.sinar", "report.html", "report.pdf"})
            QVERIFY2(QFileInfo::exists(run + '/' + f), f);
        const QImage img(shot);
        QVERIFY(!img.isNull());
        QVERIFY(img.width() > 600);
        // test_metrics.json has the keys of sinar-cli evaluate --json.
        const QJsonObject metrics = test::readJsonObject(run + "/test_metrics.json");
        const test::CliRun ev = test::runCli({QStringLiteral("evaluate"), QStringLiteral("--model"), run + "/model.sinar",
                                              QStringLiteral("--data"), run + "/test.csv", QStringLiteral("--json"),
                                              tmp_.filePath(QStringLiteral("eval-contract.json"))});
        QVERIFY2(ev.code == 0, qPrintable(ev.err));
        const QJsonObject evaluated = test::readJsonObject(tmp_.filePath(QStringLiteral("eval-contract.json")));
        for (const QString& key : evaluated.keys())
            QVERIFY2(metrics.contains(key), qPrintable(key));
        QCOMPARE(metrics[QStringLiteral("accuracy")].toDouble(), evaluated[QStringLiteral("accuracy")].toDouble());
        // A bad option is refused before any window, naming it.
        const test::CliRun bad = runGui({QStringLiteral("--train"), data_, QStringLiteral("--run-dir"), run + "-bad",
                                         QStringLiteral("--optimizer"), QStringLiteral("rmsprop"), QStringLiteral("--screenshot"),
                                         tmp_.filePath(QStringLiteral("bad.png"))},
                                        tmp_.filePath(QStringLiteral("home")), {}, 60000);
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("optimizer")), qPrintable(bad.err));
    }

    // --help and --version need no display.
    void helpWithoutDisplay()
    {
        for (const QString& opt : {QStringLiteral("--help"), QStringLiteral("--version")}) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.remove(QStringLiteral("DISPLAY"));
            env.remove(QStringLiteral("WAYLAND_DISPLAY"));
            env.remove(QStringLiteral("QT_QPA_PLATFORM"));
            p.setProcessEnvironment(env);
            p.start(QStringLiteral(SINAR_GUI_PATH), {opt});
            QVERIFY(p.waitForFinished(30000));
            QCOMPARE(p.exitCode(), 0);
            const QString out = QString::fromUtf8(p.readAllStandardOutput());
            QVERIFY2(out.contains(opt == QLatin1String("--help") ? QStringLiteral("--train") : QStringLiteral("sinar")), qPrintable(out));
        }
    }

    // A full disk while a run continues: the error names the checkpoint and
    // the earlier checkpoint stays as it was.
    void fullDiskKeepsCheckpoint()
    {
        ui::MainWindow w;
        ui::TrainingPage* page = w.trainingPage();
        const QString run = tmp_.filePath(QStringLiteral("run-full-disk"));
        page->setSpec(smallSpec(run, 4));
        test::GuiThreadSpy<train::EpochEvent> epochs(page->worker(), &ui::TrainingWorker::epoch);
        QVERIFY(page->startRun());
        QVERIFY(runEventLoopUntil([&] { return epochs.count() >= 1; }, 120000));
        page->stopRun();
        QVERIFY(waitForRun(page, 30000));
        const QByteArray before = readAll(run + "/checkpoint.pt");
        QVERIFY(before.size() > 8192);
        // Files may grow to 4 KiB only (RLIMIT_FSIZE; SIGXFSZ ignored, so writes fail with EFBIG).
        const test::CliRun r = runGui({QStringLiteral("--train"), data_, QStringLiteral("--run-dir"), run, QStringLiteral("--resume"),
                                       QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--screenshot"),
                                       tmp_.filePath(QStringLiteral("full.png"))},
                                      tmp_.filePath(QStringLiteral("home-full")), QStringLiteral("trap '' XFSZ; ulimit -f 4;"));
        QVERIFY2(r.code == 1, qPrintable(QString::number(r.code) + ": " + r.err));
        QVERIFY2(r.err.contains(QStringLiteral("checkpoint")), qPrintable(r.err));
        QCOMPARE(readAll(run + "/checkpoint.pt"), before);
        QVERIFY(!QFileInfo::exists(run + "/model.sinar"));
    }

    // The form and the command line describe the same recipe.
    // The Study page: a comparison of two baselines on the form's data set and
    // split, its table, bar chart and error analysis, and a CLI table opened again.
    void studyPage()
    {
        ui::MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.showTrainingTab();
        ui::TrainingPage* page = w.trainingPage();
        page->setSpec(smallSpec(tmp_.filePath(QStringLiteral("run-study")), 1));
        page->setDataPath(data_);
        ui::StudyPanel* study = page->study();
        QVERIFY(study);
        page->resultTabs()->setCurrentWidget(study);
        QSignalSpy finished(study, &ui::StudyPanel::finished);
        QVERIFY2(study->startComparison({QStringLiteral("svm-rbf-raw"), QStringLiteral("knn-hog")}), qPrintable(study->lastError()));
        QVERIFY(study->running());
        QVERIFY(runEventLoopUntil([&] { return !finished.isEmpty(); }, 300000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(study->lastError()));
        QCOMPARE(study->resultsTable()->rowCount(), 2);
        QCOMPARE(study->resultsTable()->item(0, 0)->text(), QStringLiteral("svm-rbf-raw"));
        QCOMPARE(study->resultsTable()->item(1, 0)->text(), QStringLiteral("knn-hog"));
        for (int r = 0; r < 2; ++r) {
            const double acc = study->resultsTable()->item(r, 1)->data(Qt::UserRole).toDouble();
            QVERIFY2(acc > 0.34 && acc <= 1, qPrintable(QString::number(acc))); // three classes: better than chance
        }
        QVERIFY(study->resultsTable()->item(0, 7)->text().contains(QStringLiteral("gamma")));
        QCOMPARE(study->chart()->plottableCount(), 2); // accuracy and macro F1 bars
        QVERIFY(study->qualityTable()->rowCount() > 0);
        const QString tablePath = finished.first().at(1).toString();
        QVERIFY(QFileInfo::exists(tablePath));
        QCOMPARE(test::readJsonObject(tablePath).value("split").toObject().value("test").toInt(), 21); // 20 % of 3 x 36
        screenshot(&w, QStringLiteral("training-study.png"));

        // A bad request says why and starts nothing.
        QVERIFY(!study->startComparison({QStringLiteral("transfer")}));
        QVERIFY2(study->lastError().contains(QStringLiteral("pretrained")), qPrintable(study->lastError()));
        // A table written elsewhere opens; a file that is not one is refused with its name.
        ui::StudyPanel other;
        QString error;
        QVERIFY2(other.openTable(tablePath, &error), qPrintable(error));
        QCOMPARE(other.resultsTable()->rowCount(), 2);
        const QString notTable = tmp_.filePath(QStringLiteral("not-a-table.json"));
        test::writeFile(notTable, "{\"accuracy\": 1}");
        QVERIFY(!other.openTable(notTable, &error));
        QVERIFY2(error.contains(QStringLiteral("not-a-table.json")) && error.contains(QStringLiteral("methods")), qPrintable(error));
    }

    void formRoundTrip()
    {
        ui::MainWindow w;
        ui::TrainingPage* page = w.trainingPage();
        train::TrainingJobSpec s = smallSpec(tmp_.filePath(QStringLiteral("run-form")), 7);
        s.train.optimizer = "adam";
        s.train.learningRate = 0.003;
        s.recipe.clahe = true;
        s.recipe.denoise = imaging::Denoise::Median;
        s.augment.verticalFlip = true;
        s.augment.rotationDeg = 25;
        s.groupDuplicates = true;
        s.augment.invertProbability = 0.25;
        s.augment.curveProbability = 0.5;
        s.architecture = "resnet18";
        s.pretrained = "/weights/imagenet resnet18.pt";
        s.train.backboneLrFactor = 0.1;
        s.train.freezeBackboneEpochs = 2;
        page->setSpec(s);
        auto* architecture = page->findChild<QComboBox*>(QStringLiteral("trainingArchitecture"));
        QVERIFY(architecture);
        QCOMPARE(architecture->currentText(), QStringLiteral("resnet18"));
        const train::TrainingJobSpec back = train::trainSpecFromCommandLine(page->commandLine());
        QCOMPARE(back.train.epochs, 7);
        QCOMPARE(back.train.optimizer, std::string("adam"));
        QCOMPARE(back.train.learningRate, 0.003);
        QVERIFY(back.recipe.clahe);
        QCOMPARE(back.recipe.width, 48);
        QVERIFY(back.recipe.denoise == imaging::Denoise::Median);
        QVERIFY(back.augment.verticalFlip);
        QCOMPARE(back.augment.rotationDeg, 25.0);
        QVERIFY(back.groupDuplicates);
        QCOMPARE(back.cnn.filters, (std::vector<int>{8, 16}));
        QCOMPARE(back.architecture, std::string("resnet18"));
        QCOMPARE(back.pretrained, std::string("/weights/imagenet resnet18.pt"));
        QCOMPARE(back.train.backboneLrFactor, 0.1);
        QCOMPARE(back.train.freezeBackboneEpochs, 2);
        // The transfer fields are visible and editable in the form, the baseline's features only for a baseline.
        auto* pretrained = page->findChild<QLineEdit*>(QStringLiteral("trainingPretrained"));
        auto* features = page->findChild<QComboBox*>(QStringLiteral("trainingFeatures"));
        QVERIFY(pretrained && features);
        QVERIFY(pretrained->isEnabled() && !features->isEnabled());
        architecture->setCurrentText(QStringLiteral("svm-rbf"));
        QVERIFY(!pretrained->isEnabled() && features->isEnabled());
        features->setCurrentText(QStringLiteral("hog"));
        const train::TrainingJobSpec svm = train::trainSpecFromCommandLine(page->commandLine());
        QCOMPARE(svm.architecture, std::string("svm-rbf"));
        QCOMPARE(svm.features, std::string("hog"));
        architecture->setCurrentText(QStringLiteral("resnet18"));
        // The split method: scikit-learn's split is on the command line and in
        // the spec, and it cannot be combined with keeping twins together.
        auto* splitMethod = page->findChild<QComboBox*>(QStringLiteral("splitMethod"));
        QVERIFY(splitMethod);
        QCOMPARE(splitMethod->currentData().toString(), QStringLiteral("sinar"));
        QVERIFY(!page->commandLine().contains(QLatin1String("--split-method")));
        s.groupDuplicates = false;
        s.splitMethod = "sklearn";
        page->setSpec(s);
        QCOMPARE(splitMethod->currentData().toString(), QStringLiteral("sklearn"));
        QVERIFY2(page->commandLine().contains(QLatin1String("--split-method sklearn")), qPrintable(page->commandLine()));
        QCOMPARE(train::trainSpecFromCommandLine(page->commandLine()).splitMethod, std::string("sklearn"));
        s.groupDuplicates = true;
        page->setSpec(s);
        QVERIFY_THROWS_EXCEPTION(Error, train::trainSpecFromCommandLine(page->commandLine()));
        s.splitMethod = "sinar";
        page->setSpec(s);
        QCOMPARE(back.augment.invertProbability, 0.25);
        QCOMPARE(back.augment.curveProbability, 0.5);
        QCOMPARE(QString::fromStdString(back.dataPath), data_);
        // The PneumoniaMNIST preset is the shipped model's recipe (models/pneumoniamnist-cnn.md).
        auto* preset = page->findChild<QComboBox*>(QStringLiteral("trainingPreset"));
        QVERIFY(preset);
        emit preset->activated(2);
        const QString pneumonia = page->commandLine();
        for (const char* part : {"--size 28", "--filters 32,64,128", "--stem-stride 1", "--epochs 80"})
            QVERIFY2(pneumonia.contains(QLatin1String(part)), qPrintable(pneumonia));
        emit preset->activated(1); // the brain MRI model: the defaults
        const train::TrainingJobSpec brain = train::trainSpecFromCommandLine(page->commandLine());
        QCOMPARE(brain.train.epochs, train::TrainingJobSpec().train.epochs);
        QCOMPARE(brain.recipe.width, 128);
        QCOMPARE(brain.cnn.filters, (std::vector<int>{32, 64, 128, 256}));

        // An .npz with class names: the split table names them.
        SINAR_DATA_OR_SKIP(npz, "pneumoniamnist/pneumoniamnist_trainval.npz");
        page->findChild<QLineEdit*>(QStringLiteral("npzClassNames"))->setText(QStringLiteral("normal,pneumonia"));
        page->setDataPath(npz);
        QVERIFY(runEventLoopUntil([&] { return !page->planning(); }, 60000));
        QCOMPARE(page->splitTable()->rowCount(), 3);
        QCOMPARE(page->splitTable()->item(1, 0)->text(), QStringLiteral("pneumonia"));
        QCOMPARE(page->splitTable()->item(1, 3)->text(), QStringLiteral("389")); // the archive's val subset is the test part
        QVERIFY(train::trainSpecFromCommandLine(page->commandLine()).classNames == (std::vector<std::string>{"normal", "pneumonia"}));

        QCOMPARE(train::splitShellWords(QStringLiteral("a 'b c' \"d\\\"e\" f\\ g")),
                 (QStringList{QStringLiteral("a"), QStringLiteral("b c"), QStringLiteral("d\"e"), QStringLiteral("f g")}));
    }
};

QTEST_MAIN(TestTrainingTab)
#include "test_training_tab.moc"
