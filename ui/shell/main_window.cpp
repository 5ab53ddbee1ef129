#include "ui/shell/main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMimeData>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QProgressBar>
#include <QProgressDialog>
#include <QScrollArea>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QThreadPool>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "trust/scope.h"
#include "ui/annotate/reading_tools.h"
#include "dicom/anonymizer.h"
#include "pacs/result_objects.h"
#include "ui/heatmap/heatmap_render.h"
#include "ui/widgets/background_job.h"
#include "ui/widgets/error_text.h"
#include "ui/pacs/pacs_dialog.h"
#include "ui/shell/about_dialog.h"
#include "ui/training/training_page.h"
#include "ui/classify/batch_panel.h"
#include "ui/classify/classification_panel.h"
#include "ui/heatmap/heatmap_controls.h"
#include "ui/heatmap/heatmap_overlay.h"
#include "ui/viewer/corner_annotations.h"
#include "ui/viewer/image_info_panel.h"
#include "ui/viewer/image_view.h"
#include "ui/classify/model_catalog.h"
#include "ui/classify/model_handle.h"
#include "ui/viewer/mpr_view.h"
#include "ui/widgets/notification_bar.h"
#include "ui/shell/shortcuts_dialog.h"
#include "ui/viewer/study_browser.h"
#include "ui/shell/theme.h"
#include "ui/shell/welcome_page.h"
#include "ui/classify/series_strip.h"
#include "ui/viewer/window_presets.h"

namespace sinar::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      images_(new SeriesImageLoader(this)),
      opener_(new StudyOpener(this))
{
    volumes_ = new VolumeLoader(this);
    Theme::initResources();
    // Scanning, loading, classification and a batch may all run at once.
    QThreadPool::globalInstance()->setMaxThreadCount(std::max(QThreadPool::globalInstance()->maxThreadCount(), 4));
    setWindowTitle(QStringLiteral("Sinar"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/sinar.svg")));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);

    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    notes_ = new NotificationBar(central);
    centralLayout->addWidget(notes_);
    centralStack_ = new QStackedWidget(central);
    welcome_ = new WelcomePage(centralStack_);
    centralStack_->addWidget(welcome_);
    connect(welcome_, &WelcomePage::openFilesRequested, this, [this] { openFileDialog(); });
    connect(welcome_, &WelcomePage::openFolderRequested, this, [this] { openFolderDialog(); });
    connect(welcome_, &WelcomePage::openPathRequested, this, [this](const QString& p) { openPaths({p}); });
    singlePage_ = new QWidget(centralStack_);
    auto* singleLayout = new QHBoxLayout(singlePage_);
    singleLayout->setContentsMargins(0, 0, 0, 0);
    singleLayout->setSpacing(2);
    view_ = new ImageView(singlePage_);
    view_->setObjectName(QStringLiteral("imageView"));
    view_->setPlaceholder(tr("Open images, a folder or a DICOM study (File menu), or drop them here."));
    sideView_ = new ImageView(singlePage_);
    sideView_->setObjectName(QStringLiteral("heatMapView"));
    sideView_->setVisible(false);
    // Viewport 0 of the comparison layouts is view_ (the classified image).
    comparison_ = new ComparisonView(view_, singlePage_);
    comparison_->setObjectName(QStringLiteral("comparisonView"));
    singleLayout->addWidget(comparison_, 1);
    singleLayout->addWidget(sideView_, 1);
    centralStack_->addWidget(singlePage_);
    mpr_ = new MprView(centralStack_);
    mpr_->setObjectName(QStringLiteral("mprView"));
    connect(mpr_, &MprView::planesShown, this, [this] { updateResultPlacement(); });
    centralStack_->addWidget(mpr_);
    centralLayout->addWidget(centralStack_, 1);
    // Every slice of the shown series classified, under the image (hidden for single images).
    strip_ = new SeriesStrip(central);
    centralLayout->addWidget(strip_);
    connect(strip_, &SeriesStrip::sliceRequested, this, [this](int index) { showIndex(index); });
    // The workstation's two tasks: reading images (the viewer and its docks)
    // and training models (the Training tab, a panel that owns its worker).
    centralTabs_ = new QTabWidget(this);
    centralTabs_->setObjectName(QStringLiteral("mainTabs"));
    centralTabs_->setDocumentMode(true);
    centralTabs_->addTab(central, tr("Viewer"));
    // In a scroll area: the Training tab's plots and form need about 1,250
    // pixels, and a hidden tab's minimum width would otherwise be the whole
    // window's (it then could not be made 1280 pixels wide with its docks).
    trainingScroll_ = new QScrollArea(centralTabs_);
    trainingScroll_->setObjectName(QStringLiteral("trainingScroll"));
    trainingScroll_->setWidgetResizable(true);
    trainingScroll_->setFrameShape(QFrame::NoFrame);
    training_ = new TrainingPage(trainingScroll_);
    training_->setObjectName(QStringLiteral("trainingPage"));
    trainingScroll_->setWidget(training_);
    centralTabs_->addTab(trainingScroll_, tr("Training"));
    setCentralWidget(centralTabs_);

    readout_ = new QLabel(this);
    readout_->setMinimumWidth(320);
    position_ = new QLabel(this);
    scanProgress_ = new QProgressBar(this);
    scanProgress_->setMaximumWidth(200);
    scanProgress_->setMaximumHeight(16);
    scanProgress_->setVisible(false);
    scanCancel_ = new QToolButton(this);
    scanCancel_->setText(tr("Cancel"));
    scanCancel_->setVisible(false);
    statusBar()->addWidget(readout_, 1);
    statusBar()->addPermanentWidget(scanProgress_);
    statusBar()->addPermanentWidget(scanCancel_);
    statusBar()->addPermanentWidget(position_);

    cineRate_ = new QSpinBox(this);
    cineRate_->setObjectName(QStringLiteral("cineRate"));
    cineRate_->setRange(AppSettings::kMinCineFps, AppSettings::kMaxCineFps);
    cineRate_->setPrefix(tr("Cine "));
    cineRate_->setSuffix(tr(" fps"));
    cineRate_->setToolTip(tr("Frames per second of the cine (Space); [ and ] change it"));
    cineRate_->setFocusPolicy(Qt::ClickFocus);
    statusBar()->addPermanentWidget(cineRate_);
    cine_ = new QTimer(this);
    connect(cineRate_, &QSpinBox::valueChanged, this, [this](int fps) {
        cine_->setInterval(static_cast<int>(std::lround(1000.0 / fps)));
        settings_.setCineFps(fps);
    });
    cineRate_->setValue(settings_.cineFps());
    cine_->setInterval(static_cast<int>(std::lround(1000.0 / cineRate_->value())));
    connect(cine_, &QTimer::timeout, this, [this] {
        if (stack_ && stack_->size() > 1)
            showIndex((index_ + 1) % static_cast<int>(stack_->size()));
    });

    buildDocks();
    buildMenus();
    connectTraining();
    actions_ += (new ReadingTools(this))->actions(); // the Measure menu and the Measurements dock

    connect(view_, &ImageView::stepRequested, this, &MainWindow::step);
    connect(view_, &ImageView::pixelInfoChanged, readout_, &QLabel::setText);
    connect(sideView_, &ImageView::stepRequested, this, &MainWindow::step);
    connect(sideView_, &ImageView::pixelInfoChanged, readout_, &QLabel::setText);
    connect(opener_, &StudyOpener::started, this, &MainWindow::onScanStarted);
    connect(opener_, &StudyOpener::progress, scanProgress_, [this](long long done, long long total) {
        scanProgress_->setRange(0, static_cast<int>(std::max<long long>(total, 1)));
        scanProgress_->setValue(static_cast<int>(done));
    });
    connect(opener_, &StudyOpener::finished, this, &MainWindow::onScanFinished);
    connect(volumes_, &VolumeLoader::loaded, this, &MainWindow::onVolumeLoaded);
    connect(images_, &SeriesImageLoader::loaded, this, &MainWindow::onLoaded);
    connect(comparison_, &ComparisonView::primaryIndexRequested, this, &MainWindow::showIndex);
    connect(comparison_, &ComparisonView::primarySeriesDropped, this, [this](int i) {
        if (i >= 0 && i < browser_->seriesCount())
            showSeries(browser_->series(i), 0);
    });
    connect(comparison_, &ComparisonView::seriesDropped, this, [this](int viewport, int i) {
        if (i >= 0 && i < browser_->seriesCount())
            comparison_->assignSeries(viewport, browser_->series(i));
    });
    connect(comparison_, &ComparisonView::filesDropped, this, &MainWindow::openPaths);
    connect(comparison_, &ComparisonView::viewportShown, this, [this](int viewport, int index, const QString& error) {
        const auto s = comparison_->stack(viewport);
        if (!error.isEmpty() && s)
            notes_->addFailure(s->item(static_cast<size_t>(index)).path, error);
        else if (s && viewport == comparison_->activeViewport())
            position_->setText(tr("Viewport %1: image %2 / %3").arg(viewport + 1).arg(index + 1).arg(s->size()));
    });
    connect(scanCancel_, &QToolButton::clicked, opener_, &StudyOpener::cancel);

    // Settings: theme, layout, viewer options, last model.
    resize(1440, 900);
    if (!settings_.windowGeometry().isEmpty())
        restoreGeometry(settings_.windowGeometry());
    if (!settings_.windowState().isEmpty())
        restoreState(settings_.windowState());
    batchDock_->hide(); // shown when a batch runs
    view_->setAnnotationsVisible(settings_.annotationsVisible());
    sideView_->setAnnotationsVisible(settings_.annotationsVisible());
    actAnnotations_->setChecked(settings_.annotationsVisible());
    try {
        mpr_->setSlab(settings_.mprSlabThickness(), dicom::MprReslicer::slabModeFromName(settings_.mprSlabMode().toStdString()));
    } catch (const Error&) {
        mpr_->setSlab(settings_.mprSlabThickness(), dicom::SlabMode::Mip); // a mode this version does not know
    }
    connect(mpr_, &MprView::slabChanged, this, [this] {
        settings_.setMprSlabThickness(mpr_->slabThickness());
        settings_.setMprSlabMode(QString::fromStdString(dicom::MprReslicer::slabModeName(mpr_->slabMode())));
    });
    setComparisonLayout(ComparisonView::layoutFromName(settings_.comparisonLayout()).value_or(ComparisonView::Layout::Single), false);
    panel_->setAutoRun(settings_.autoClassify());
    connectHeatMap();
    const QString model = ModelCatalog::defaultModel(settings_.lastModel());
    if (!model.isEmpty())
        panel_->loadModel(model);
    showWelcome(); // until a study opens
}

MainWindow::~MainWindow()
{
    delete volumes_; // cancels a volume being built, without waiting for it
    volumes_ = nullptr;
    delete opener_; // cancels a scan, without waiting for it
    opener_ = nullptr;
    if (folderScan_)
        folderScan_->abandon();
}

void MainWindow::buildDocks()
{
    browser_ = new StudyBrowser(this);
    browserDock_ = new QDockWidget(tr("Studies"), this);
    browserDock_->setObjectName(QStringLiteral("studiesDock"));
    browserDock_->setWidget(browser_);
    addDockWidget(Qt::LeftDockWidgetArea, browserDock_);
    connect(browser_, &StudyBrowser::seriesActivated, this, [this](std::shared_ptr<const ImageStack> s) {
        // The active comparison viewport takes the series (viewport 0 is the main view).
        if (comparison_->activeViewport() > 0 && !mprLayout())
            comparison_->assignSeries(comparison_->activeViewport(), s);
        else
            showSeries(s, 0);
    });

    infoPanel_ = new ImageInfoPanel(this);
    infoDock_ = new QDockWidget(tr("Image information"), this);
    infoDock_->setObjectName(QStringLiteral("infoDock"));
    infoDock_->setWidget(infoPanel_);
    addDockWidget(Qt::LeftDockWidgetArea, infoDock_);
    splitDockWidget(browserDock_, infoDock_, Qt::Vertical);

    panel_ = new ClassificationPanel(this);
    panelDock_ = new QDockWidget(tr("Classification"), this);
    panelDock_->setObjectName(QStringLiteral("classificationDock"));
    // Scrolls rather than growing the window (models with many classes, small screens).
    auto* panelScroll = new QScrollArea(panelDock_);
    panelScroll->setObjectName(QStringLiteral("classificationScroll"));
    panelScroll->setWidgetResizable(true);
    panelScroll->setFrameShape(QFrame::NoFrame);
    panelScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    panelScroll->setWidget(panel_);
    panelDock_->setWidget(panelScroll);
    panelDock_->setMinimumWidth(300);
    addDockWidget(Qt::RightDockWidgetArea, panelDock_);
    connect(panel_, &ClassificationPanel::modelChanged, this, [this](const QString& p) {
        settings_.setLastModel(p);
        updateSeriesStrip();
    });
    connect(panel_, &ClassificationPanel::modelFailed, this,
            [this](const QString& p, const QString& msg) { notes_->addFailure(p, msg); });
    connect(panel_, &ClassificationPanel::autoRunChanged, this, [this](bool on) {
        settings_.setAutoClassify(on);
        if (actAutoRun_)
            actAutoRun_->setChecked(on);
        updateSeriesStrip();
    });

    batch_ = new BatchPanel(this);
    batchDock_ = new QDockWidget(tr("Batch classification"), this);
    batchDock_->setObjectName(QStringLiteral("batchDock"));
    batchDock_->setWidget(batch_);
    addDockWidget(Qt::BottomDockWidgetArea, batchDock_);
    connect(batch_, &BatchPanel::openRequested, this, [this](const QString& path, int frame) {
        if (stack_) {
            for (size_t i = 0; i < stack_->size(); ++i)
                if (stack_->item(i).path == path && stack_->item(i).frame == frame) {
                    showIndex(static_cast<int>(i));
                    return;
                }
        }
        scanFocus_ = path;
        openPaths({path});
    });
}

void MainWindow::buildMenus()
{
    auto add = [this](QMenu* menu, const QString& text, const QList<QKeySequence>& keys, auto slot) {
        QAction* a = menu->addAction(text);
        a->setShortcuts(keys);
        connect(a, &QAction::triggered, this, slot);
        actions_ << a;
        return a;
    };

    QMenu* file = menuBar()->addMenu(tr("&File"));
    add(file, tr("&Open files…"), {QKeySequence::Open}, [this] { openFileDialog(); });
    add(file, tr("Open &folder or DICOMDIR…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)}, [this] { openFolderDialog(); });
    recentMenu_ = file->addMenu(tr("Open &recent"));
    updateRecentMenu();
    file->addSeparator();
    add(file, tr("&Export view as PNG…"), {QKeySequence(Qt::CTRL | Qt::Key_E)}, [this] { exportView(); });
    add(file, tr("Export overla&y PNG…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)}, [this] { exportOverlayDialog(); });
    QAction* legend = add(file, tr("Overlay PNG with method, class and colour &bar"), {}, [this](bool on) { settings_.setExportLegend(on); });
    legend->setCheckable(true);
    legend->setChecked(settings_.exportLegend());
    legend->setToolTip(tr("Exported overlay PNGs get a colour bar beside the image and the method and class below it"));
    file->addSeparator();
    add(file, tr("&Query/retrieve (PACS)…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P)}, [this] { showPacsDialog(); });
    add(file, tr("Export &anonymised study…"), {}, [this] { exportAnonymisedDialog(); });
    file->addSeparator();
    add(file, tr("&Close all"), {QKeySequence(Qt::CTRL | Qt::Key_W)}, [this] { closeAll(); });
    file->addSeparator();
    add(file, tr("&Quit"), {QKeySequence::Quit}, [this] { close(); });

    QMenu* view = menuBar()->addMenu(tr("&View"));
    add(view, tr("&Fit to window"), {QKeySequence(Qt::Key_F)}, [this] { view_->fit(); });
    add(view, tr("Actual &size (1:1)"), {QKeySequence(Qt::Key_Z)}, [this] { view_->setZoom(1.0); });
    add(view, tr("Zoom &in"), {QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal)}, [this] { view_->zoomBy(1.25); });
    add(view, tr("Zoom &out"), {QKeySequence(Qt::Key_Minus)}, [this] { view_->zoomBy(0.8); });
    view->addSeparator();
    actInvert_ = add(view, tr("&Invert"), {QKeySequence(Qt::Key_I)}, [this](bool on) { view_->setInverted(on); });
    actInvert_->setCheckable(true);
    connect(view_, &ImageView::viewChanged, actInvert_, [this] { actInvert_->setChecked(view_->inverted()); });
    add(view, tr("Rotate &right"), {QKeySequence(Qt::Key_R)}, [this] { view_->rotateBy(1); });
    add(view, tr("Rotate &left"), {QKeySequence(Qt::SHIFT | Qt::Key_R)}, [this] { view_->rotateBy(-1); });
    add(view, tr("Flip &horizontally"), {QKeySequence(Qt::Key_H)}, [this] { view_->flipHorizontal(); });
    add(view, tr("Flip &vertically"), {QKeySequence(Qt::Key_V)}, [this] { view_->flipVertical(); });
    add(view, tr("&Reset view"), {QKeySequence(Qt::Key_Escape), QKeySequence(Qt::Key_0)}, [this] { view_->resetView(); });
    view->addSeparator();
    actAnnotations_ = add(view, tr("Corner &annotations"), {QKeySequence(Qt::Key_A)}, [this](bool on) {
        view_->setAnnotationsVisible(on);
        sideView_->setAnnotationsVisible(on);
        settings_.setAnnotationsVisible(on);
    });
    actAnnotations_->setCheckable(true);
    actAnnotations_->setChecked(true);
    view->addSeparator();
    add(view, tr("&Previous image"), {QKeySequence(Qt::Key_Up), QKeySequence(Qt::Key_PageUp)}, [this] { step(-1); });
    add(view, tr("&Next image"), {QKeySequence(Qt::Key_Down), QKeySequence(Qt::Key_PageDown)}, [this] { step(1); });
    add(view, tr("First image"), {QKeySequence(Qt::Key_Home)}, [this] { showIndex(0); });
    add(view, tr("Last image"), {QKeySequence(Qt::Key_End)}, [this] {
        if (stack_)
            showIndex(static_cast<int>(stack_->size()) - 1);
    });
    actCine_ = add(view, tr("&Cine (play the series)"), {QKeySequence(Qt::Key_Space)}, [this](bool on) { toggleCine(on); });
    actCine_->setCheckable(true);
    actMpr_ = add(view, tr("&MPR: axial, coronal, sagittal"), {QKeySequence(Qt::Key_M)}, [this](bool on) { setMprLayout(on); });
    actMpr_->setCheckable(true);
    add(view, tr("MPR sla&b: thin, MIP, MinIP, average"), {QKeySequence(Qt::Key_D)}, [this] { mpr_->cycleSlabMode(); });
    add(view, tr("Cine &faster"), {QKeySequence(Qt::Key_BracketRight)}, [this] { setCineRate(cineRate() + 1); });
    add(view, tr("Cine slo&wer"), {QKeySequence(Qt::Key_BracketLeft)}, [this] { setCineRate(cineRate() - 1); });
    // Hanging layouts: viewports side by side comparing series.
    QMenu* layout = view->addMenu(tr("&Layout"));
    auto* layoutGroup = new QActionGroup(this);
    const std::pair<ComparisonView::Layout, QString> layouts[] = {
        {ComparisonView::Layout::Single, tr("&1 × 1: one series")},
        {ComparisonView::Layout::OneByTwo, tr("1 × &2: two series side by side")},
        {ComparisonView::Layout::TwoByTwo, tr("2 × 2: &four series")}};
    const Qt::Key layoutKeys[] = {Qt::Key_1, Qt::Key_2, Qt::Key_4}; // with Alt: the number of viewports
    for (int k = 0; k < 3; ++k) {
        const ComparisonView::Layout l = layouts[k].first;
        QAction* a = add(layout, layouts[k].second, {QKeySequence(Qt::ALT | layoutKeys[k])}, [this, l] { setComparisonLayout(l); });
        a->setCheckable(true);
        layoutGroup->addAction(a);
        layoutActions_ << a;
    }
    layout->addSeparator();
    const std::pair<QString, QString> syncs[] = {
        {QStringLiteral("scroll"), tr("Synchronise &scrolling by position")},
        {QStringLiteral("window"), tr("Synchronise &window/level")},
        {QStringLiteral("zoom"), tr("Synchronise &zoom and pan")}};
    auto applySync = [this](const QString& what, bool on) {
        if (what == QLatin1String("scroll"))
            comparison_->setSyncScroll(on);
        else if (what == QLatin1String("window"))
            comparison_->setSyncWindow(on);
        else
            comparison_->setSyncZoom(on);
    };
    for (const auto& [what, text] : syncs) {
        const QList<QKeySequence> keys = what == QLatin1String("scroll") ? QList<QKeySequence>{QKeySequence(Qt::Key_Y)} : QList<QKeySequence>{};
        QAction* a = add(layout, text, keys, [this, applySync, what = what](bool on) {
            settings_.setComparisonSync(what, on);
            applySync(what, on);
        });
        a->setCheckable(true);
        a->setChecked(settings_.comparisonSync(what));
        applySync(what, a->isChecked());
    }
    view->addSeparator();
    QMenu* theme = view->addMenu(tr("&Theme"));
    themeGroup_ = new QActionGroup(this);
    for (const auto& [name, label] : {std::pair<QString, QString>{QStringLiteral("dark"), tr("&Dark")},
                                      std::pair<QString, QString>{QStringLiteral("light"), tr("&Light")}}) {
        QAction* a = theme->addAction(label);
        a->setCheckable(true);
        a->setData(name);
        a->setChecked(settings_.theme() == name);
        themeGroup_->addAction(a);
        connect(a, &QAction::triggered, this, [this, name = name] { setTheme(name); });
    }
    view->addSeparator();
    view->addAction(browserDock_->toggleViewAction());
    view->addAction(infoDock_->toggleViewAction());
    view->addAction(panelDock_->toggleViewAction());
    view->addAction(batchDock_->toggleViewAction());

    QMenu* window = menuBar()->addMenu(tr("&Window"));
    const Qt::Key keys[] = {Qt::Key_1, Qt::Key_2, Qt::Key_3, Qt::Key_4, Qt::Key_5, Qt::Key_6};
    const QStringList names{tr("&File's own window"), tr("&Automatic (0.5-99.5 %)"), tr("&Lung (CT)"), tr("&Bone (CT)"),
                            tr("B&rain (CT)"), tr("&Soft tissue (CT)")};
    for (int k = 0; k < names.size(); ++k)
        presetActions_ << add(window, names[k], {QKeySequence(keys[k])}, [this, k] { applyWindowPreset(k); });

    QMenu* classify = menuBar()->addMenu(tr("&Classify"));
    add(classify, tr("&Classify the shown image"), {QKeySequence(Qt::Key_C)}, [this] { panel_->classifyNow(); });
    actAutoRun_ = add(classify, tr("&Auto-classify every image shown"), {}, [this](bool on) { panel_->setAutoRun(on); });
    actAutoRun_->setCheckable(true);
    actAutoRun_->setChecked(panel_->autoRun());
    classify->addSeparator();
    actOverlay_ = add(classify, tr("Heat map &overlay"), {QKeySequence(Qt::Key_O)},
                      [this](bool on) { heatControls()->setOverlayOn(on); });
    actOverlay_->setCheckable(true);
    actSideBySide_ = add(classify, tr("Heat map &side by side"), {QKeySequence(Qt::Key_S)},
                         [this](bool on) { heatControls()->setSideBySide(on); });
    actSideBySide_->setCheckable(true);
    classify->addSeparator();
    add(classify, tr("&Batch-classify the series"), {QKeySequence(Qt::CTRL | Qt::Key_B)}, [this] { batchClassifySeries(); });
    add(classify, tr("Batch-classify a &folder…"), {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B)}, [this] { batchClassifyFolder(); });
    add(classify, tr("Send the result to the &PACS"), {}, [this] { sendResultToPacs(); });
    classify->addSeparator();
    add(classify, tr("Choose &model file…"), {QKeySequence(Qt::CTRL | Qt::Key_M)}, [this] {
        const QString p = QFileDialog::getOpenFileName(this, tr("Choose a model"), {}, tr("Sinar model bundles (*.sinar);;TorchScript models (*.pt *.pth);;All files (*)"));
        if (!p.isEmpty())
            loadModel(p);
    });

    QMenu* training = menuBar()->addMenu(tr("&Training"));
    QAction* showViewer = training->addAction(tr("Show the &viewer"));
    showViewer->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    connect(showViewer, &QAction::triggered, this, [this] { centralTabs_->setCurrentIndex(0); });
    QAction* showTraining = training->addAction(tr("Show the &Training tab"));
    showTraining->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    connect(showTraining, &QAction::triggered, this, [this] { showTrainingTab(); });
    training->addSeparator();
    QAction* start = training->addAction(tr("&Start a run"));
    connect(start, &QAction::triggered, this, [this] {
        showTrainingTab();
        training_->startRun();
    });
    QAction* pause = training->addAction(tr("&Pause / resume"));
    pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    connect(pause, &QAction::triggered, this, [this] {
        if (training_->paused())
            training_->resumeRun();
        else
            training_->pauseRun();
    });
    QAction* stop = training->addAction(tr("S&top the run"));
    stop->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    connect(stop, &QAction::triggered, training_, &TrainingPage::stopRun);
    QAction* cont = training->addAction(tr("&Continue the run folder's run"));
    connect(cont, &QAction::triggered, this, [this] {
        showTrainingTab();
        training_->continueRun();
    });
    trainingActions_ = {showViewer, showTraining, start, pause, stop, cont};

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    add(help, tr("&Keyboard shortcuts"), {QKeySequence(Qt::Key_F1), QKeySequence(Qt::Key_Question)}, [this] { showShortcuts(); });
    add(help, tr("&About Sinar"), {}, [this] { showAbout(); });
}

void MainWindow::connectTraining()
{
    // Viewer actions (single-key shortcuts among them) act on the viewer only.
    connect(centralTabs_, &QTabWidget::currentChanged, this, [this](int index) {
        const bool viewer = index == 0;
        for (QAction* a : actions_)
            a->setEnabled(viewer);
        // The viewer's docks (the Measurements dock of the reading tools too)
        // make room for the Training tab and come back as they were after.
        if (!viewer) {
            if (!dockVisibility_.isEmpty())
                return; // already on a page without them
            for (QDockWidget* d : findChildren<QDockWidget*>(QString(), Qt::FindDirectChildrenOnly)) {
                dockVisibility_.insert(d, d->isVisible());
                d->hide();
            }
        } else {
            for (auto it = dockVisibility_.cbegin(); it != dockVisibility_.cend(); ++it)
                if (it.key())
                    it.key()->setVisible(it.value());
            dockVisibility_.clear();
        }
    });
    connect(training_, &TrainingPage::modelAdded, this, [this](const QString&) { panel_->refreshModelList(); });
    connect(training_, &TrainingPage::statusMessage, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(training_, &TrainingPage::openInViewer, this, [this](const QString& path, const QString& model) {
        // From the confusion gallery: the image with the run's model and its heat map.
        centralTabs_->setCurrentIndex(0);
        if (!model.isEmpty())
            loadModel(model);
        showHeatMap(heatControls()->method(), false);
        if (path.contains(QLatin1String(".npz#"))) {
            notes_->addFailure(path, tr("images inside an .npz archive open in the viewer only as files; export them first"));
            return;
        }
        scanFocus_ = path;
        openPaths({path});
    });
}

void MainWindow::showTrainingTab()
{
    centralTabs_->setCurrentWidget(trainingScroll_);
}

void MainWindow::showViewerTab()
{
    centralTabs_->setCurrentIndex(0);
}

bool MainWindow::trainingTabShown() const
{
    return centralTabs_->currentWidget() == trainingScroll_;
}

QList<QAction*> MainWindow::shortcutActions() const
{
    return actions_ + trainingActions_;
}

void MainWindow::updateRecentMenu()
{
    recentMenu_->clear();
    const QStringList recent = settings_.recentPaths();
    welcome_->refresh(recent); // its list too: a file that opened nothing stays on the welcome page
    for (const QString& p : recent) {
        QAction* a = recentMenu_->addAction(p);
        connect(a, &QAction::triggered, this, [this, p] { openPaths({p}); });
    }
    if (recent.isEmpty())
        recentMenu_->addAction(tr("(none)"))->setEnabled(false);
    else {
        recentMenu_->addSeparator();
        connect(recentMenu_->addAction(tr("Clear list")), &QAction::triggered, this, [this] {
            settings_.clearRecentPaths();
            updateRecentMenu();
        });
    }
}

void MainWindow::closeAll()
{
    browser_->clear();
    comparison_->clear();
    strip_->clear();
    stack_.reset();
    shownStack_.reset();
    images_->clear();
    index_ = shownIndex_ = settledIndex_ = -1;
    heat_->clear(); // both views
    panel_->clearImage();
    position_->clear();
    infoPanel_->clear();
    mpr_->clear();
    volumeStack_.reset();
    setMprLayout(false);
    showWelcome();
}

void MainWindow::showWelcome()
{
    welcome_->refresh(settings_.recentPaths());
    centralStack_->setCurrentWidget(welcome_);
}

void MainWindow::openFileDialog()
{
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Open images"), {}, tr("Images and DICOM (*.dcm *.DCM *.png *.jpg *.jpeg *.bmp *.tif *.tiff DICOMDIR *);;All files (*)"));
    if (!files.isEmpty())
        openPaths(files);
}

void MainWindow::openFolderDialog()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open a folder or DICOM media"));
    if (!dir.isEmpty())
        openPaths({dir});
}

bool MainWindow::scanning() const
{
    return opener_->scanning();
}

void MainWindow::openPaths(const QStringList& paths)
{
    opener_->open(paths); // after a running scan, if there is one
}

void MainWindow::onScanStarted(const QStringList& paths)
{
    for (const QString& p : paths)
        if (QFileInfo::exists(p)) // a path that is not there is reported, not remembered
            settings_.addRecentPath(p);
    updateRecentMenu();
    scanProgress_->setRange(0, 0);
    scanProgress_->setVisible(true);
    scanCancel_->setVisible(true);
    statusBar()->showMessage(tr("Opening %1…").arg(paths.size() == 1 ? QFileInfo(paths.first()).fileName() : tr("%1 items").arg(paths.size())));
}

void MainWindow::onScanFinished(const ScanResult& r)
{
    scanProgress_->setVisible(false);
    scanCancel_->setVisible(false);
    statusBar()->clearMessage();
    if (r.skipped < 0) {
        statusBar()->showMessage(tr("Opening cancelled"), 4000);
    } else {
        notes_->addFailures(r.failures);
        browser_->addSeries(r.series);
        const QString focus = scanFocus_.isEmpty() ? r.focusPath : scanFocus_;
        scanFocus_.clear();
        if (!r.series.empty()) {
            std::shared_ptr<const ImageStack> target = r.series.front();
            int index = 0;
            if (!focus.isEmpty())
                for (const auto& s : r.series) {
                    const int i = s->indexOf(focus);
                    if (i >= 0) {
                        target = s;
                        index = i;
                        break;
                    }
                }
            showSeries(target, index);
            fillComparisonViewports();
        } else if (r.failures.empty()) {
            notes_->showNote(tr("No images found."));
        }
        emit scanFinished(static_cast<int>(r.series.size()));
    }
}

void MainWindow::showSeries(std::shared_ptr<const ImageStack> stack, int index)
{
    if (!stack || stack->empty())
        return;
    if (centralStack_->currentWidget() == welcome_)
        centralStack_->setCurrentWidget(singlePage_);
    if (stack != stack_) {
        stack_ = std::move(stack);
        images_->setStack(stack_); // and a new cache
        browser_->setCurrent(stack_);
        updateSeriesStrip();
        if (volumeLoading()) {
            volumes_->cancel(); // onVolumeLoaded starts on the new series
        } else if (mprLayout()) {
            setMprLayout(true); // follow the new series in the MPR layout
        }
    }
    index_ = -1;
    showIndex(index);
}

void MainWindow::step(int delta)
{
    if (comparison_->activeViewport() > 0 && !mprLayout()) {
        comparison_->step(comparison_->activeViewport(), delta);
        return;
    }
    if (!stack_)
        return;
    const int n = static_cast<int>(stack_->size());
    showIndex(std::clamp(index_ + delta, 0, n - 1));
}

void MainWindow::showIndex(int index)
{
    if (!stack_ || index < 0 || index >= static_cast<int>(stack_->size()))
        return;
    if (index == index_ && shownStack_ == stack_)
        return;
    index_ = index;
    position_->setText(tr("Image %1 / %2").arg(index + 1).arg(stack_->size()));
    comparison_->primaryRequested(stack_, index); // synchronised viewports follow
    images_->load(index); // onLoaded follows, at once if it is in the cache
}

void MainWindow::onLoaded(const Loaded& l)
{
    if (!l.error.isEmpty()) {
        settledIndex_ = l.index;
        notes_->addFailure(stack_->item(static_cast<size_t>(l.index)).path, l.error);
        return;
    }
    display(l);
}

void MainWindow::display(const Loaded& l)
{
    const bool sameSeries = shownStack_ == l.stack && view_->hasImage();
    heat_->showImage(l.image, sameSeries); // in the view, and side by side in the side view
    shownStack_ = l.stack;
    shownIndex_ = settledIndex_ = l.index;
    view_->setAnnotations(CornerAnnotations::of(*l.stack, l.index, l.image));
    comparison_->primaryShown(l.stack, l.index, l.image);
    strip_->setCurrent(strip_->stack() == l.stack ? l.index : -1);
    infoPanel_->showImage(*l.stack, l.index, l.image);
    for (int k = 0; k < presetActions_.size(); ++k) {
        const WindowChoice c = windowPreset(l.image.image, static_cast<WindowPresetKind>(k));
        presetActions_[k]->setEnabled(c.available);
        presetActions_[k]->setToolTip(c.available ? QStringLiteral("C %1 W %2").arg(c.center).arg(c.width) : c.reason);
    }
    // The image's tags travel with it (the scope check needs no second read of the file).
    if (l.image.dicom)
        panel_->setImage(l.image.image, trust::ImageFacts::fromDicom(l.image.info, l.image.frame));
    else
        panel_->setImage(l.image.image, trust::ImageFacts{});
    heat_->refresh();
    if (mprLayout())
        heat_->followShownSlice();
    updateResultPlacement();
    setWindowTitle(QStringLiteral("%1 — Sinar").arg(l.stack->itemName(static_cast<size_t>(l.index))));
    emit imageShown(l.index);
}

void MainWindow::applyWindowPreset(int kind)
{
    if (!view_->hasImage())
        return;
    const WindowChoice c = windowPreset(view_->image(), static_cast<WindowPresetKind>(kind));
    if (!c.available) {
        statusBar()->showMessage(c.reason, 4000);
        return;
    }
    if (mprLayout())
        mpr_->setWindow(c.center, c.width); // the panes; the stack view keeps its own
    else
        view_->setWindow(c.center, c.width);
    statusBar()->showMessage(tr("Window: %1 (C %2, W %3)").arg(c.name).arg(c.center).arg(c.width), 3000);
}

void MainWindow::loadModel(const QString& path)
{
    panel_->chooseModel(path); // the user's choice (menu, --model, a training run): kept, not switched by scope
}

bool MainWindow::cineRunning() const
{
    return cine_->isActive();
}

void MainWindow::setCineRate(int fps)
{
    cineRate_->setValue(fps); // clamped to 1..30; the interval and the settings follow
}

int MainWindow::cineRate() const
{
    return cineRate_->value();
}

int MainWindow::cineInterval() const
{
    return cine_->interval();
}

void MainWindow::setComparisonLayout(ComparisonView::Layout layout, bool remember)
{
    comparison_->setLayoutKind(layout);
    layoutActions_.at(static_cast<int>(layout))->setChecked(true);
    if (remember)
        settings_.setComparisonLayout(ComparisonView::layoutName(layout));
    if (mprLayout() && layout != ComparisonView::Layout::Single)
        setMprLayout(false);
    if (layout != ComparisonView::Layout::Single)
        fillComparisonViewports();
}

void MainWindow::fillComparisonViewports()
{
    // Empty viewports take the open series not shown yet, in the browser's order.
    std::vector<std::shared_ptr<const ImageStack>> all;
    for (int i = 0; i < browser_->seriesCount(); ++i)
        all.push_back(browser_->series(i));
    comparison_->offerSeries(all);
}

bool MainWindow::volumeLoading() const
{
    return volumes_->loading();
}

bool MainWindow::mprLayout() const
{
    return centralStack_->currentWidget() == mpr_;
}

void MainWindow::setMprLayout(bool on)
{
    actMpr_->setChecked(on);
    if (!on) {
        volumes_->cancel();
        centralStack_->setCurrentWidget(singlePage_);
        heat_->refresh();
        updateResultPlacement();
        return;
    }
    if (!stack_ || !stack_->dicomSeries) {
        notes_->showNote(tr("MPR needs a DICOM series with slice positions."));
        actMpr_->setChecked(false);
        return;
    }
    if (view_->hasImage()) // the panes start with the stack view's window
        mpr_->setWindow(view_->windowCenter(), view_->windowWidth());
    if (volumeStack_ == stack_ && mpr_->hasVolume()) {
        centralStack_->setCurrentWidget(mpr_);
        heat_->followShownSlice();
        heat_->refresh();
        return;
    }
    if (volumeLoading())
        return;
    scanProgress_->setRange(0, 0);
    scanProgress_->setVisible(true);
    statusBar()->showMessage(tr("Building the volume of %1…").arg(stack_->title()));
    volumes_->load(stack_);
}

void MainWindow::onVolumeLoaded(const VolumeLoader::Result& v)
{
    scanProgress_->setVisible(scanning());
    statusBar()->clearMessage();
    if (v.stack != stack_) {
        if (actMpr_->isChecked())
            setMprLayout(true);
        return;
    }
    if (!v.volume) {
        if (!v.error.isEmpty())
            notes_->showNote(v.error);
        actMpr_->setChecked(false);
        centralStack_->setCurrentWidget(singlePage_);
        return;
    }
    volumeStack_ = v.stack;
    mpr_->setVolume(v.volume);
    heat_->followShownSlice();
    if (actMpr_->isChecked())
        centralStack_->setCurrentWidget(mpr_);
    heat_->refresh();
}

bool MainWindow::isIdle() const
{
    return !scanning() && !volumeLoading() && !mpr_->busy() && !images_->busy() && !panel_->busy() && !strip_->running() &&
           !welcome_->busy() &&
           !comparison_->busy() &&
           (index_ < 0 || index_ == settledIndex_);
}

void MainWindow::updateResultPlacement()
{
    if (!mprLayout() || !shownStack_ || shownIndex_ < 0) {
        panel_->setResultPlacement({}, true);
        return;
    }
    const QString image = tr("image %1 of %2").arg(shownIndex_ + 1).arg(shownStack_->size());
    QString why;
    const QString pane = heat_->paneShowingShownSlice(&why);
    if (!pane.isEmpty())
        panel_->setResultPlacement(tr("The result of %1, the slice on the %2 pane.").arg(image, pane), true);
    else
        panel_->setResultPlacement(tr("No pane shows %1, whose result this is (%2): the result is hidden. Choose a "
                                      "slice in the series strip, or press M for the single view.")
                                       .arg(image, why),
                                   false);
}

void MainWindow::updateSeriesStrip()
{
    // Automatic, like the shown image's classification: off with auto-classify.
    if (stack_ && panel_->autoRun() && panel_->model())
        strip_->start(stack_, panel_->model());
    else
        strip_->clear();
    strip_->setCurrent(shownStack_ == strip_->stack() ? shownIndex_ : -1);
}

void MainWindow::batchClassifySeries()
{
    if (!stack_) {
        statusBar()->showMessage(tr("Open a series or folder first."), 4000);
        return;
    }
    if (panel_->modelLoading()) {
        // Start once the model being loaded is ready.
        auto once = std::make_shared<QMetaObject::Connection>();
        auto failed = std::make_shared<QMetaObject::Connection>();
        auto done = [once, failed] {
            QObject::disconnect(*once);
            QObject::disconnect(*failed);
        };
        *once = connect(panel_, &ClassificationPanel::modelChanged, this, [this, done] {
            done();
            batchClassifySeries();
        });
        *failed = connect(panel_, &ClassificationPanel::modelFailed, this, [done] { done(); });
        statusBar()->showMessage(tr("Batch waits for the model to load…"), 3000);
        return;
    }
    statusBar()->clearMessage();
    batchDock_->show();
    batchDock_->raise();
    batch_->start(stack_->items(), panel_->model(), stack_->title());
}

void MainWindow::batchClassifyFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Batch-classify a folder"));
    if (dir.isEmpty())
        return;
    // The listing is cheap (headers only) but may touch many files: do it off the GUI thread.
    auto model = panel_->model();
    if (folderScan_)
        folderScan_->abandon(); // an earlier listing still going: this one replaces it
    statusBar()->showMessage(tr("Listing %1 for the batch…").arg(QDir::toNativeSeparators(dir)));
    folderScan_ = runJob<ScanResult>(
        JobThread::Own, this, [dir] { return StudyScanner::scan({dir}, nullptr, {}, 0); },
        [this, model, dir](const ScanResult& r) {
            folderScan_.reset();
            statusBar()->clearMessage();
            std::vector<StackItem> items;
            for (const auto& s : r.series)
                items.insert(items.end(), s->items().begin(), s->items().end());
            notes_->addFailures(r.failures);
            batchDock_->show();
            batchDock_->raise();
            batch_->start(items, model, QFileInfo(dir).fileName());
        });
}

void MainWindow::setTheme(const QString& theme)
{
    Theme::apply(theme);
    settings_.setTheme(theme);
}

void MainWindow::toggleCine(bool on)
{
    if (on)
        cine_->start();
    else
        cine_->stop();
}

void MainWindow::showShortcuts()
{
    auto* d = new ShortcutsDialog(actions_, this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->show();
}

void MainWindow::showAbout()
{
    auto* d = new AboutDialog(panel_->model().get(), this);
    d->setAttribute(Qt::WA_DeleteOnClose);
    d->show();
}

void MainWindow::exportView()
{
    if (!view_->hasImage())
        return;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export view"), QStringLiteral("sinar-view.png"), tr("PNG images (*.png)"));
    if (!path.isEmpty() && !view_->grab().save(path, "PNG"))
        notes_->addFailure(path, tr("could not write the image"));
}

HeatMapControls* MainWindow::heatControls() const
{
    return panel_->heatMapControls();
}

void MainWindow::connectHeatMap()
{
    // The overlay draws the map; the window keeps the menu and the settings in step with the controls.
    heat_ = new HeatMapOverlay(panel_, view_, sideView_, mpr_, this);
    heat_->setMprQueries([this] { return volumeStack_ && volumeStack_ == shownStack_; }, [this] { return mprLayout(); });
    connect(heat_, &HeatMapOverlay::exported, this, [this](const QString& path, const QString& error) {
        if (error.isEmpty())
            statusBar()->showMessage(tr("Saved %1").arg(path), 4000);
        else
            notes_->showNote(tr("Could not export %1: %2.").arg(path, error));
        emit overlayExported(path, error);
    });
    HeatMapControls* h = heatControls();
    connect(h, &HeatMapControls::requestChanged, this, [this, h] {
        actOverlay_->setChecked(h->overlayOn());
        if (persistHeatMap_) {
            settings_.setHeatMapOverlay(h->overlayOn());
            settings_.setHeatMapMethod(QString::fromStdString(explain::toString(h->method())));
        }
    });
    connect(h, &HeatMapControls::appearanceChanged, this, [this, h] {
        if (persistHeatMap_) {
            settings_.setHeatMapColours(QString::fromStdString(explain::toString(h->colours())));
            settings_.setHeatMapOpacity(static_cast<int>(std::lround(h->opacity() * 100)));
        }
    });
    connect(h, &HeatMapControls::sideBySideChanged, this, [this](bool on) {
        actSideBySide_->setChecked(on);
        if (persistHeatMap_)
            settings_.setHeatMapSideBySide(on);
    });
    connect(h, &HeatMapControls::exportRequested, this, &MainWindow::exportOverlayDialog);

    // The choices of the last session (a name from another version is ignored).
    persistHeatMap_ = false;
    try {
        h->setMethod(explain::methodFromString(settings_.heatMapMethod().toStdString()));
    } catch (const Error&) {
    }
    try {
        h->setColours(explain::colourMapFromString(settings_.heatMapColours().toStdString()));
    } catch (const Error&) {
    }
    h->setOpacity(settings_.heatMapOpacity() / 100.0);
    h->setOverlayOn(settings_.heatMapOverlay());
    h->setSideBySide(settings_.heatMapSideBySide());
    persistHeatMap_ = true;
}

void MainWindow::showHeatMap(explain::Method method, bool sideBySide, std::optional<explain::ColourMap> colours)
{
    HeatMapControls* h = heatControls();
    persistHeatMap_ = false;
    h->setMethod(method);
    if (colours)
        h->setColours(*colours);
    h->setOverlayOn(true);
    if (sideBySide)
        h->setSideBySide(true);
    persistHeatMap_ = true;
}

void MainWindow::setSideBySide(bool on)
{
    heatControls()->setSideBySide(on); // sideBySideChanged applies it
}

bool MainWindow::sideBySide() const
{
    return heatControls()->sideBySide();
}

bool MainWindow::heatMapPending() const
{
    return heat_->pending();
}

const cv::Mat& MainWindow::heatMap() const
{
    return heat_->heatMap();
}

void MainWindow::exportOverlayDialog()
{
    if (!heatControls()->overlayOn() || !heat_->hasMapOfShownImage()) {
        notes_->showNote(tr("There is no heat map of the shown image to export: turn the overlay on (O) and wait for it."));
        return;
    }
    QString folder = settings_.exportFolder();
    if (folder.isEmpty() || !QFileInfo(folder).isDir())
        folder = QDir::homePath();
    const QString suggested = QDir(folder).filePath(heat_->suggestedFileName());
    QString path = QFileDialog::getSaveFileName(this, tr("Export the image with its heat map"), suggested, tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        path += QStringLiteral(".png");
    settings_.setExportFolder(QFileInfo(path).absolutePath());
    exportOverlayPng(path);
}

void MainWindow::exportOverlayPng(const QString& path)
{
    heat_->exportPng(path, settings_.exportLegend()); // overlayExported follows
}

void MainWindow::closeEvent(QCloseEvent* e)
{
    settings_.setWindowLayout(saveGeometry(), saveState());
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e)
{
    if (e->mimeData()->hasUrls())
        e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e)
{
    QStringList paths;
    for (const QUrl& u : e->mimeData()->urls())
        if (u.isLocalFile())
            paths << u.toLocalFile();
    if (!paths.isEmpty()) {
        openPaths(paths);
        e->acceptProposedAction();
    }
}

} // namespace sinar::ui

namespace sinar::ui {

QStringList MainWindow::openStudyFiles() const
{
    QStringList files;
    if (!stack_ || !stack_->dicomSeries || stack_->dicomSeries->instances.empty())
        return files;
    const std::string study = stack_->dicomSeries->instances.front().studyInstanceUid;
    for (int i = 0; i < browser_->seriesCount(); ++i) {
        const auto s = browser_->series(i);
        if (!s->dicomSeries || s->dicomSeries->instances.empty() ||
            s->dicomSeries->instances.front().studyInstanceUid != study)
            continue;
        for (const auto& instance : s->dicomSeries->instances)
            files << QString::fromStdString(instance.path);
    }
    files.removeDuplicates();
    return files;
}

PacsDialog* MainWindow::pacsDialog()
{
    if (!pacs_) {
        pacs_ = new PacsDialog(this);
        pacs_->setOpenStudyFiles([this] { return openStudyFiles(); });
        connect(pacs_, &PacsDialog::seriesArrived, this, [this](const QStringList& folders) { openPaths(folders); });
    }
    return pacs_;
}

PacsDialog* MainWindow::showPacsDialog()
{
    pacsDialog();
    pacs_->show();
    pacs_->raise();
    pacs_->activateWindow();
    return pacs_;
}

void MainWindow::exportAnonymisedDialog()
{
    const QStringList files = openStudyFiles();
    if (files.isEmpty()) {
        notes_->showNote(tr("Open a DICOM study first: the export anonymises the study on screen."));
        return;
    }
    const QString out = QFileDialog::getExistingDirectory(this, tr("Folder for the anonymised study"));
    if (!out.isEmpty())
        exportAnonymised(out);
}

void MainWindow::exportAnonymised(const QString& folder)
{
    const QStringList files = openStudyFiles();
    std::vector<std::string> inputs;
    for (const QString& f : files)
        inputs.push_back(f.toStdString());
    auto cancel = std::make_shared<CancelToken>();
    auto* dialog = new QProgressDialog(tr("Anonymising %n file(s)…", nullptr, static_cast<int>(files.size())), tr("Cancel"), 0,
                                       static_cast<int>(files.size()), this);
    dialog->setWindowModality(Qt::WindowModal);
    dialog->setMinimumDuration(300);
    connect(dialog, &QProgressDialog::canceled, this, [cancel] { cancel->cancel(); });
    auto* watcher = new QFutureWatcher<std::shared_ptr<dicom::AnonymizeReport>>(this);
    QPointer<QProgressDialog> bar(dialog);
    const ProgressFn progress = [bar](long long done, long long, const std::string&) {
        QMetaObject::invokeMethod(bar.data(), [bar, done] { if (bar) bar->setValue(static_cast<int>(done)); }, Qt::QueuedConnection);
    };
    connect(watcher, &QFutureWatcher<std::shared_ptr<dicom::AnonymizeReport>>::finished, this, [this, watcher, dialog, folder] {
        const auto r = watcher->result();
        watcher->deleteLater();
        dialog->deleteLater();
        if (!r) {
            notes_->showNote(tr("Anonymised export stopped; the files written so far are in %1.").arg(folder));
            emit anonymisedExported(folder, false);
            return;
        }
        for (const FileFailure& f : r->failures)
            notes_->addFailure(QString::fromStdString(f.file), QString::fromStdString(f.reason));
        QString text = tr("%n file(s) anonymised into %1 (%2, Basic Application Level Confidentiality Profile; "
                          "private attributes removed, UIDs replaced).",
                          nullptr, static_cast<int>(r->files.size()))
                           .arg(folder, QString::fromStdString(r->edition));
        if (!r->burnedIn.empty())
            QMessageBox::warning(this, tr("Burned-in annotation"),
                                 tr("%n file(s) say their pixels show identifying text (BurnedInAnnotation = YES). "
                                    "No header profile removes that: check them before they leave.",
                                    nullptr, static_cast<int>(r->burnedIn.size())));
        notes_->showNote(text);
        emit anonymisedExported(folder, r->failures.empty());
    });
    watcher->setFuture(QtConcurrent::run([inputs, folder, cancel, progress]() -> std::shared_ptr<dicom::AnonymizeReport> {
        try {
            return std::make_shared<dicom::AnonymizeReport>(
                dicom::anonymize(inputs, folder.toStdString(), {}, progress, cancel.get()));
        } catch (const Cancelled&) {
            return nullptr;
        } catch (const Error& e) {
            auto r = std::make_shared<dicom::AnonymizeReport>();
            r->failures.push_back({e.file(), e.message(), e.kind()});
            return r;
        }
    }));
}

void MainWindow::sendResultToPacs()
{
    const Classification& c = panel_->lastResult();
    const int index = shownIndex_;
    if (!stack_ || index < 0 || index >= static_cast<int>(stack_->size()) || !c.ok()) {
        notes_->showNote(tr("Classify a DICOM image first: the result sent is the one shown."));
        emit resultSent(false, tr("no result"));
        return;
    }
    const StackItem item = stack_->item(static_cast<size_t>(index));
    if (!c.hasHeatMap() || !stack_->dicomSeries) {
        notes_->showNote(tr("The result goes to the PACS with its heat map, for a DICOM image: turn the heat map "
                            "overlay on (O) and classify a DICOM image."));
        emit resultSent(false, tr("no heat map or not DICOM"));
        return;
    }
    const QImage blended = blendHeatMap(view_->renderedImage(), c.heatMap, heatControls()->colours(), heatControls()->opacity());
    if (blended.isNull()) {
        notes_->showNote(tr("The heat map does not belong to the image on screen; classify it again."));
        emit resultSent(false, tr("stale heat map"));
        return;
    }
    const QImage rgb = blended.convertToFormat(QImage::Format_RGB888);
    pacs::AiResult r;
    r.sourceFile = item.path.toStdString();
    r.frame = item.frame;
    r.modelName = QFileInfo(c.modelPath).completeBaseName().toStdString();
    r.modelVersion = "bundle " + QFileInfo(c.modelPath).fileName().toStdString();
    r.classNames = c.classNames;
    r.probabilities = c.probabilities;
    r.predicted = c.best;
    r.heatMapMethod = c.heatMethod.toStdString();
    r.heatMapClass = c.heatClass;
    r.overlay = cv::Mat(rgb.height(), rgb.width(), CV_8UC3, const_cast<uchar*>(rgb.constBits()),
                        static_cast<size_t>(rgb.bytesPerLine()))
                    .clone();
    r.scopeVerdict = c.scope.summary();
    r.oodVerdict = !c.oodChecked ? std::string("not checked: the model has no out-of-distribution statistics")
                                 : (c.unlikeTraining() ? "UNLIKE the model's training images" : "like the model's training images") +
                                       QStringLiteral(" (score %1, threshold %2)").arg(c.oodScore, 0, 'f', 1).arg(c.oodThreshold, 0, 'f', 1).toStdString();
    r.reliable = !c.notAResult();
    const pacs::Node node = pacsDialog()->node();
    const std::string folder = (pacsDialog()->storeFolder() + QStringLiteral("/results")).toStdString();
    notes_->showNote(tr("Sending the result to %1 …").arg(QString::fromStdString(node.label())));
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, node] {
        const QString error = watcher->result();
        watcher->deleteLater();
        if (error.isEmpty())
            notes_->showNote(tr("Result sent to %1: a Secondary Capture of the heat map and a structured report, in the "
                                "image's study.").arg(QString::fromStdString(node.label())));
        else
            notes_->addFailure(QString::fromStdString(node.label()), error);
        emit resultSent(error.isEmpty(), error);
    });
    watcher->setFuture(QtConcurrent::run([r, node, folder]() -> QString {
        try {
            pacs::ResultWriter writer(folder);
            const pacs::ResultFiles f = writer.write(r);
            const pacs::SendResult sent = pacs::send(node, {f.secondaryCapture, f.structuredReport});
            if (!sent.failures.empty())
                return QString::fromStdString(sent.failures.front().reason);
            return QString();
        } catch (const std::exception& e) {
            return errorText(e);
        }
    }));
}

} // namespace sinar::ui
