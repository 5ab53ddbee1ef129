// sinar: the workstation (Qt Widgets). Argument parsing only; everything else
// lives in sinar_ui and sinar_core.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QIcon>
#include <QRegularExpression>
#include <QTimer>
#include <cstdio>
#include <optional>

#include "gui/shutdown.h"

#include "common/allocator.h"
#include "common/error.h"
#include "common/integrity.h"
#include "explain/explain.h"
#include "nn/model.h"
#include "train/train_options.h"
#include "ui/shell/app_settings.h"
#include "ui/classify/batch_panel.h"
#include "ui/classify/classification_panel.h"
#include "ui/shell/demo_study.h"
#include "ui/heatmap/heatmap_controls.h"
#include "ui/viewer/image_view.h"
#include "ui/shell/main_window.h"
#include "ui/shell/theme.h"
#include "ui/training/curve_plot.h"
#include "ui/training/training_page.h"

using namespace sinar;

namespace {

// Options the workstation defines itself; every other sinar-cli train option is accepted as is.
const QStringList kOwnOptions = {QStringLiteral("data"), QStringLiteral("out"), QStringLiteral("quiet"), QStringLiteral("size"),
                                 QStringLiteral("threads")};

void addOptions(QCommandLineParser& p)
{
    p.setApplicationDescription(QStringLiteral("Sinar: a workstation for CNN image classification in radiology.\n"
                                               "Opens DICOM files, folders, DICOMDIRs and PNG/JPEG/BMP/TIFF images."));
    p.addHelpOption();
    p.addVersionOption();
    p.addPositionalArgument(QStringLiteral("PATH"), QStringLiteral("Files or folders to open (default: the demo study when one is installed, else the welcome page)."),
                            QStringLiteral("[PATH...]"));
    p.addOptions({
        {QStringLiteral("model"), QStringLiteral("Model bundle to classify with."), QStringLiteral("BUNDLE")},
        {QStringLiteral("theme"), QStringLiteral("dark or light."), QStringLiteral("THEME")},
        {QStringLiteral("no-demo"), QStringLiteral("Show the welcome page when no PATH is given, even with a demo study installed.")},
        {QStringLiteral("threads"), QStringLiteral("Compute threads for inference and training (default: one per core)."), QStringLiteral("N")},
        {QStringLiteral("index"), QStringLiteral("Show image N (1-based) of the first series."), QStringLiteral("N")},
        {QStringLiteral("batch"), QStringLiteral("Batch-classify the first series once it is shown.")},
        {QStringLiteral("mpr"), QStringLiteral("Show the first series in the three-pane MPR layout.")},
        {QStringLiteral("window-preset"),
         QStringLiteral("Window preset for the first image: 1 file's own, 2 automatic, 3 lung, 4 bone, 5 brain, 6 soft tissue."),
         QStringLiteral("N")},
        {QStringLiteral("heatmap"),
         QStringLiteral("Show the heat map over the image: gradcam, gradcampp, scorecam or occlusion."),
         QStringLiteral("METHOD")},
        {QStringLiteral("side-by-side"), QStringLiteral("Show the plain image and the one with its heat map side by side.")},
        {QStringLiteral("layout"),
         QStringLiteral("Hanging layout of the viewer: 1x1, 1x2 or 2x2 viewports, the opened series one per viewport "
                        "(for this session; View > Layout keeps a choice)."),
         QStringLiteral("LAYOUT")},
        {QStringLiteral("colour-map"), QStringLiteral("Colours of the heat map: jet, inferno or cividis."), QStringLiteral("NAME")},
        {QStringLiteral("size"), QStringLiteral("Window size WIDTHxHEIGHT; with --train, the model's input size (N or WxH), as in sinar-cli train."), QStringLiteral("SIZE")},
        {QStringLiteral("window-size"), QStringLiteral("Window size WIDTHxHEIGHT."), QStringLiteral("WxH")},
        {QStringLiteral("train"), QStringLiteral("Open the Training tab with data set DATA and start a run at once (with --run-dir DIR and any sinar-cli train option). With --screenshot, save the window when the run has finished and quit."), QStringLiteral("DATA")},
        {QStringLiteral("screenshot-after-epoch"),
         QStringLiteral("With --train and --screenshot: save the window after epoch N of the run instead of at its end, "
                        "then stop the run (its checkpoint stays) and quit."),
         QStringLiteral("N")},
        {QStringLiteral("screenshot"),
         QStringLiteral("Save a picture of the window to FILE once loading and classification (or, with --train, the run) are done, then quit."),
         QStringLiteral("FILE")},
    });
    train::addTrainOptions(p, kOwnOptions);
}

// Saves the window to `file` and says so; false when it cannot be written.
bool saveScreenshot(QWidget& window, const QString& file)
{
    const bool saved = window.grab().save(file, "PNG");
    std::fprintf(saved ? stdout : stderr, saved ? "sinar: screenshot saved to %s\n" : "sinar: cannot write %s\n",
                 qPrintable(file));
    return saved;
}

// After the event loop: settings on disk, then the destructors, which wait for
// the window's pool jobs, under a watchdog; loaders stuck in a library call are
// left behind (gui/shutdown.h).
int finish(ui::MainWindow& window, int code)
{
    window.syncSettings();
    gui::armExitWatchdog(code, gui::kExitGraceSeconds);
    gui::leaveStuckLoadersAtExit(code, gui::kLoaderGraceSeconds);
    return code;
}

// --help and --version need no display.
bool wantsHelpOrVersion(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "-h" || a == "--help" || a == "--help-all" || a == "-v" || a == "--version" || a == "-?")
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char** argv)
{
    sinar::tuneMemoryAllocator();
    sinar::reportFileSizeLimitAsError();
    if (wantsHelpOrVersion(argc, argv)) {
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(QStringLiteral("sinar"));
        QCoreApplication::setApplicationVersion(QStringLiteral(SINAR_VERSION));
        QCommandLineParser p;
        addOptions(p);
        p.process(core); // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    gui::routeSignals();
    QApplication::setApplicationName(QStringLiteral("Sinar"));
    QApplication::setOrganizationName(QStringLiteral("Sinar"));
    QApplication::setApplicationVersion(QStringLiteral(SINAR_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("sinar"));

    QCommandLineParser p;
    addOptions(p);
    p.process(app);

    explain::Method heatMethod = explain::Method::GradCam;
    if (p.isSet(QStringLiteral("heatmap"))) {
        try {
            heatMethod = explain::methodFromString(p.value(QStringLiteral("heatmap")).toStdString());
        } catch (const Error& e) {
            std::fprintf(stderr, "sinar: --heatmap: %s\n", e.message().c_str());
            return 1;
        }
    }

    std::optional<explain::ColourMap> colours;
    if (p.isSet(QStringLiteral("colour-map"))) {
        try {
            colours = explain::colourMapFromString(p.value(QStringLiteral("colour-map")).toStdString());
        } catch (const Error& e) {
            std::fprintf(stderr, "sinar: --colour-map: %s\n", e.message().c_str());
            return 1;
        }
    }

    std::optional<ui::ComparisonView::Layout> layout;
    if (p.isSet(QStringLiteral("layout"))) {
        layout = ui::ComparisonView::layoutFromName(p.value(QStringLiteral("layout")));
        if (!layout) {
            std::fprintf(stderr, "sinar: --layout: '%s' is not a layout (1x1, 1x2 or 2x2)\n",
                         qPrintable(p.value(QStringLiteral("layout"))));
            return 1;
        }
    }

    nn::setThreadCount(p.value(QStringLiteral("threads")).toInt());
    ui::AppSettings settings;
    const QString theme = p.isSet(QStringLiteral("theme")) ? p.value(QStringLiteral("theme")) : settings.theme();
    ui::Theme::apply(theme);
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/sinar.svg")));

    // Training mode: the whole sinar-cli train recipe from the command line.
    const bool training = p.isSet(QStringLiteral("train"));
    train::TrainingJobSpec trainSpec;
    if (training) {
        try {
            trainSpec = train::trainSpecFromOptions(p, kOwnOptions);
            if (p.isSet(QStringLiteral("size"))) {
                const QString size = p.value(QStringLiteral("size"));
                const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("^(\\d+)(?:x(\\d+))?$")).match(size);
                if (!m.hasMatch())
                    throw Error("--size must be N or WxH, not '" + size.toStdString() + "'");
                trainSpec.recipe.width = m.captured(1).toInt();
                trainSpec.recipe.height = m.captured(2).isEmpty() ? trainSpec.recipe.width : m.captured(2).toInt();
                trainSpec.recipe.validate("--size");
            }
        } catch (const Error& e) {
            std::fprintf(stderr, "sinar: %s\n", e.what());
            return 1;
        }
        trainSpec.dataPath = p.value(QStringLiteral("train")).toStdString();
        try { // refused before any window opens, naming the option
            trainSpec.train.validate();
            trainSpec.recipe.validate("options");
            trainSpec.cnn.validate("options");
        } catch (const Error& e) {
            std::fprintf(stderr, "sinar: %s\n", e.what());
            return 1;
        }
    }

    const gui::LoaderExitGuard loaderExit; // destroyed after the window, before the application
    ui::MainWindow window;
    const QString windowSize = p.isSet(QStringLiteral("window-size")) ? p.value(QStringLiteral("window-size"))
                               : training                              ? QString()
                                                                       : p.value(QStringLiteral("size"));
    if (!windowSize.isEmpty()) {
        const QStringList wh = windowSize.split('x');
        if (wh.size() == 2)
            window.resize(wh[0].toInt(), wh[1].toInt());
    }
    window.show();
    gui::closeOnSignals(&window);
    if (training) {
        ui::TrainingPage* page = window.trainingPage();
        window.showTrainingTab();
        if (trainSpec.runDir.empty())
            trainSpec.runDir = page->runDir().toStdString(); // a new folder under the runs folder
        page->setSpec(trainSpec);
        page->setDataPath(QString::fromStdString(trainSpec.dataPath));
        const bool started = trainSpec.resume ? page->continueRun() : page->startRun();
        if (!started) {
            std::fprintf(stderr, "sinar: %s\n", qPrintable(page->lastError()));
            return 1;
        }
        const QString shot = p.value(QStringLiteral("screenshot"));
        const int shotEpoch = p.value(QStringLiteral("screenshot-after-epoch")).toInt();
        if (!shot.isEmpty() && shotEpoch > 0) {
            QObject::connect(page->worker(), &ui::TrainingWorker::epoch, &window, [&window, page, shot, shotEpoch](const train::EpochEvent& e) {
                if (e.epoch != shotEpoch)
                    return;
                QTimer::singleShot(400, &window, [&window, page, shot] {
                    page->curves()->flush();
                    const bool saved = saveScreenshot(window, shot);
                    page->stopRun();
                    QApplication::exit(saved ? 0 : 1);
                });
            });
        }
        QObject::connect(page, &ui::TrainingPage::runFinished, &window, [&window, page, shot](bool ok, const QString& bundle) {
            if (!ok)
                std::fprintf(stderr, "sinar: the run did not finish: %s\n", qPrintable(page->lastError()));
            else
                std::printf("sinar: trained %s\n", qPrintable(bundle));
            std::fflush(stdout);
            if (shot.isEmpty())
                return;
            // Let the plots and the tab settle, then grab the window.
            QTimer::singleShot(600, &window, [&window, page, shot, ok] {
                page->curves()->flush();
                const bool saved = saveScreenshot(window, shot);
                QApplication::exit(saved && ok ? 0 : 1);
            });
        });
        return finish(window, app.exec());
    }
    // Before anything is opened, so the first classification computes the map.
    if (p.isSet(QStringLiteral("heatmap")) || p.isSet(QStringLiteral("side-by-side")) || colours)
        window.showHeatMap(p.isSet(QStringLiteral("heatmap")) ? heatMethod : window.classificationPanel()->heatMapControls()->method(),
                           p.isSet(QStringLiteral("side-by-side")), colours);

    if (layout)
        window.setComparisonLayout(*layout, false);
    if (p.isSet(QStringLiteral("model")))
        window.loadModel(p.value(QStringLiteral("model")));
    QStringList paths = p.positionalArguments();
    if (paths.isEmpty() && !p.isSet(QStringLiteral("no-demo"))) {
        const QString demo = ui::DemoStudy::find();
        if (!demo.isEmpty())
            paths << demo;
    }
    // Open after the window is on screen, so it comes up at once.
    QTimer::singleShot(0, &window, [&window, paths] { window.openPaths(paths); });

    const int index = p.value(QStringLiteral("index")).toInt();
    const bool batch = p.isSet(QStringLiteral("batch"));
    const bool mpr = p.isSet(QStringLiteral("mpr"));
    const int preset = p.value(QStringLiteral("window-preset")).toInt();
    if (preset > 0) {
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = QObject::connect(&window, &ui::MainWindow::imageShown, &window, [&window, preset, once] {
            QObject::disconnect(*once);
            window.applyWindowPreset(preset - 1);
        });
    }
    if (index > 0 || batch || mpr) {
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = QObject::connect(&window, &ui::MainWindow::scanFinished, &window, [&window, index, batch, mpr, once] {
            QObject::disconnect(*once);
            if (mpr)
                window.setMprLayout(true);
            if (index > 0)
                window.showIndex(index - 1);
            if (batch)
                window.batchClassifySeries();
        });
    }

    const QString shot = p.value(QStringLiteral("screenshot"));
    if (!shot.isEmpty()) {
        // Wait until the study is open, the model loaded and the shown image
        // classified and, with the heat map on, explained (at most a minute),
        // let the window settle, then grab it.
        auto* poll = new QTimer(&window);
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        auto idleSince = std::make_shared<qint64>(-1);
        QObject::connect(poll, &QTimer::timeout, &window, [&window, poll, clock, idleSince, shot, expectImage = !paths.isEmpty(), batch] {
            const bool ready = window.isIdle() && (!expectImage || window.view()->hasImage()) &&
                               (!batch || !window.batchPanel()->running()) && !window.heatMapPending();
            if (!ready) {
                *idleSince = -1;
                if (clock->elapsed() < 60000)
                    return;
            } else if (*idleSince < 0) {
                *idleSince = clock->elapsed();
                return;
            } else if (clock->elapsed() - *idleSince < 500) {
                return;
            }
            poll->stop();
            QApplication::exit(saveScreenshot(window, shot) ? 0 : 1);
        });
        poll->start(100);
    }
    return finish(window, app.exec());
}
