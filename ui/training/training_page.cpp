#include "ui/training/training_page.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QSettings>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>
#include <random>

#include "common/privacy.h"
#include "common/error.h"
#include "data/dataset.h"
#include "imaging/augmenter.h"
#include "imaging/preprocessor.h"
#include "nn/architectures.h"
#include "nn/model.h"
#include "train/run_plan.h"
#include "train/train_options.h"
#include "ui/classify/model_catalog.h"
#include "ui/shell/app_settings.h"
#include "ui/training/class_metrics_table.h"
#include "ui/training/confusion_gallery.h"
#include "ui/training/confusion_matrix_view.h"
#include "ui/training/curve_plot.h"
#include "ui/training/cv_plot.h"
#include "ui/training/roc_plot.h"
#include "ui/training/study_panel.h"
#include "ui/training/run_history.h"
#include "ui/training/run_report.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {

QImage toQImage(const cv::Mat& m)
{
    if (m.empty())
        return {};
    if (m.channels() == 1)
        return QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_Grayscale8).copy();
    return QImage(m.data, m.cols, m.rows, static_cast<int>(m.step), QImage::Format_RGB888).copy();
}

QDoubleSpinBox* doubleBox(double min, double max, int decimals, double step, QWidget* parent)
{
    auto* b = new QDoubleSpinBox(parent);
    b->setRange(min, max);
    b->setDecimals(decimals);
    b->setSingleStep(step);
    b->setAccelerated(true);
    return b;
}

QSpinBox* intBox(int min, int max, QWidget* parent)
{
    auto* b = new QSpinBox(parent);
    b->setRange(min, max);
    b->setAccelerated(true);
    return b;
}

// The command that reproduces a run: the same recipe and the same thread
// count (training is deterministic for a seed and a thread count).
// The command that reproduces a run. Written down (the run folder's
// command.txt, the report) and without "record paths", the data set appears as
// its fingerprint (common/privacy.h); this machine's settings remember which
// folder that is, so Continue still finds it. On screen and in the clipboard
// it keeps the path the user chose.
QString reproducibleCommand(train::TrainingJobSpec s, bool writtenDown)
{
    if (s.threads <= 0)
        s.threads = nn::threadCount();
    if (!writtenDown)
        return train::shellJoin(train::trainCommandLine(s));
    bool patientFiles = true; // `auto`: list the data set (no decoding) to see whether it holds DICOM files
    try {
        if (s.pathMode == "auto" && !s.dataPath.empty()) {
            data::DatasetOptions opts;
            opts.classNames = s.classNames;
            patientFiles = data::holdsPatientFiles(data::openDataset(s.dataPath, opts));
        }
    } catch (const Error&) {
    }
    if (!privacy::recordsPaths(s.pathMode, patientFiles) && !s.dataPath.empty()) {
        const std::string fingerprint = privacy::pathFingerprint(s.dataPath);
        QSettings().setValue(QStringLiteral("dataFingerprints/") + QString::fromStdString(fingerprint).remove(QStringLiteral("sha256:")),
                             QString::fromStdString(s.dataPath));
        s.dataPath = fingerprint;
    }
    return train::shellJoin(train::trainCommandLine(s));
}

QString formatDuration(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0)
        return QStringLiteral("–");
    const int s = static_cast<int>(std::lround(seconds));
    if (s >= 3600)
        return QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    if (s >= 60)
        return QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1 s").arg(s);
}

} // namespace

struct TrainingPage::PlanResult {
    train::RunPlan plan;
    std::vector<std::pair<QString, QImage>> previews; // class name, image
    QString error;
};

struct TrainingPage::AugmentPreview {
    std::vector<QImage> images; // the plain base image first, then augmented copies
    QString error;
};

TrainingPage::TrainingPage(QWidget* parent)
    : QWidget(parent),
      worker_(new TrainingWorker(this)),
      planWatcher_(new QFutureWatcher<std::shared_ptr<PlanResult>>(this)),
      augmentWatcher_(new QFutureWatcher<std::shared_ptr<AugmentPreview>>(this)),
      reportWatcher_(new QFutureWatcher<QString>(this))
{
    connect(reportWatcher_, &QFutureWatcher<QString>::finished, this, [this] { reportDone(reportWatcher_->result()); });
    buildUi();
    connect(worker_, &TrainingWorker::batch, this, &TrainingPage::onBatch);
    connect(worker_, &TrainingWorker::epoch, this, &TrainingPage::onEpoch);
    connect(worker_, &TrainingWorker::validation, this, &TrainingPage::onValidation);
    connect(worker_, &TrainingWorker::message, this, &TrainingPage::log);
    connect(worker_, &TrainingWorker::progress, this, [this](qint64 done, qint64 total, const QString& what) {
        progress_->setRange(0, static_cast<int>(std::max<qint64>(1, total)));
        progress_->setValue(static_cast<int>(done));
        status_->setText(tr("%1: %2 of %3").arg(what).arg(done).arg(total));
    });
    connect(worker_, &TrainingWorker::finished, this, &TrainingPage::onFinished);
    connect(planWatcher_, &QFutureWatcher<std::shared_ptr<PlanResult>>::finished, this, [this] {
        const auto r = planWatcher_->result();
        if (planAgain_) {
            planAgain_ = false;
            refreshPlan();
            return;
        }
        planPending_ = false;
        warnings_->clear();
        splitTable_->setRowCount(0);
        previews_->clear();
        if (!r || !r->error.isEmpty()) {
            planDataset_.reset();
            augmentPreview_->clear();
            planSummary_->setText(r ? r->error : tr("cancelled"));
            planSummary_->setStyleSheet(QStringLiteral("color: #e06c5a;"));
            updateButtons();
            return;
        }
        planSummary_->setStyleSheet({});
        const train::RunPlan& p = r->plan;
        planDataset_ = p.dataset;
        checkTwins_ = p.decoded; // keep checking while the user changes the split
        classNames_ = p.classNames;
        planSummary_->setText(tr("%1 images in %2 classes · split %3 train / %4 validation / %5 test")
                                  .arg(p.dataset ? p.dataset->size() : 0)
                                  .arg(p.classNames.size())
                                  .arg(p.trainTotal)
                                  .arg(p.valTotal)
                                  .arg(p.testTotal) +
                              (p.testSubset.empty() ? QString()
                                                    : tr(" (test: the archive's '%1' subset)").arg(QString::fromStdString(p.testSubset))));
        splitTable_->setRowCount(static_cast<int>(p.classNames.size()) + 1);
        auto cell = [this](int row, int col, const QString& text) {
            auto* item = new QTableWidgetItem(text);
            if (col > 0)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            splitTable_->setItem(row, col, item);
        };
        for (size_t c = 0; c < p.classNames.size(); ++c) {
            const int row = static_cast<int>(c);
            cell(row, 0, QString::fromStdString(p.classNames[c]));
            cell(row, 1, QString::number(p.trainCounts.at(c)));
            cell(row, 2, QString::number(p.valCounts.at(c)));
            cell(row, 3, QString::number(p.testCounts.at(c)));
            cell(row, 4, QString::number(p.classCounts.at(c)));
        }
        const int last = static_cast<int>(p.classNames.size());
        cell(last, 0, tr("all"));
        cell(last, 1, QString::number(p.trainTotal));
        cell(last, 2, QString::number(p.valTotal));
        cell(last, 3, QString::number(p.testTotal));
        cell(last, 4, QString::number(p.trainTotal + p.valTotal + p.testTotal));
        for (int c = 0; c < 5; ++c)
            if (auto* it = splitTable_->item(last, c)) {
                QFont f = it->font();
                f.setBold(true);
                it->setFont(f);
            }
        if (p.decoded)
            warnings_->addItem(tr("near-duplicates: %1 of %2 test images have a twin in the training part%3")
                                   .arg(p.testWithTrainTwin)
                                   .arg(p.testTotal)
                                   .arg(p.testWithTrainTwin && !groupDuplicates_->isChecked()
                                            ? tr(" — tick \"Keep near-duplicate images together\" for an honest test")
                                            : QString()));
        for (const auto& w : p.warnings)
            warnings_->addItem(QStringLiteral("⚠ ") + QString::fromStdString(w));
        for (const auto& f : p.unreadable)
            warnings_->addItem(tr("unreadable: %1 — %2").arg(QString::fromStdString(f.file), QString::fromStdString(f.reason)));
        if (warnings_->count() == 0)
            warnings_->addItem(tr("No warnings."));
        groupByPatient_->setEnabled(p.hasPatientIds);
        groupByPatient_->setToolTip(p.hasPatientIds ? tr("%1 patients: keep each patient's images on one side of the split").arg(p.patients)
                                                   : tr("The data set has no DICOM PatientID."));
        for (const auto& [name, image] : r->previews) {
            auto* item = new QListWidgetItem(QIcon(QPixmap::fromImage(image)), name);
            item->setToolTip(name);
            previews_->addItem(item);
        }
        updateButtons();
        refreshAugmentPreview();
    });
    connect(augmentWatcher_, &QFutureWatcher<std::shared_ptr<AugmentPreview>>::finished, this, [this] {
        if (augmentAgain_) { // the recipe changed meanwhile
            augmentAgain_ = false;
            refreshAugmentPreview();
            return;
        }
        augmentPreview_->clear();
        const auto r = augmentWatcher_->result();
        if (!r || !r->error.isEmpty()) {
            if (r)
                augmentPreview_->addItem(r->error);
            return;
        }
        for (size_t i = 0; i < r->images.size(); ++i)
            augmentPreview_->addItem(new QListWidgetItem(QIcon(QPixmap::fromImage(r->images[i])),
                                                         i == 0 ? tr("original") : tr("sample %1").arg(i)));
    });
    restoreForm();
    updateButtons();
}

TrainingPage::~TrainingPage()
{
    saveForm();
    // The confusion gallery is a child window: it would be deleted by ~QWidget,
    // after this destructor, and its destroyed() would reach a page that is
    // no longer one (UBSan, asan preset).
    if (gallery_) {
        disconnect(gallery_, nullptr, this, nullptr);
        delete gallery_;
        gallery_ = nullptr;
    }
    if (planCancel_)
        planCancel_->cancel();
    planWatcher_->disconnect(this);
    planWatcher_->waitForFinished();
    augmentWatcher_->disconnect(this);
    augmentWatcher_->waitForFinished();
    reportWatcher_->disconnect(this);
    reportWatcher_->waitForFinished();
    worker_->disconnect(this);
    worker_->stop();
}

void TrainingPage::buildUi()
{
    auto* root = new QVBoxLayout(this);
    root->setContentsMargins(6, 6, 6, 6);

    // Data set, run folder, preset and the run buttons.
    auto* top = new QHBoxLayout;
    dataEdit_ = new QLineEdit(this);
    dataEdit_->setObjectName(QStringLiteral("trainingData"));
    dataEdit_->setPlaceholderText(tr("Data set: a folder of class folders, a CSV list (path,label) or a MedMNIST .npz"));
    auto* browseFolder = new QToolButton(this);
    browseFolder->setText(tr("Folder…"));
    auto* browseFile = new QToolButton(this);
    browseFile->setText(tr("File…"));
    runEdit_ = new QLineEdit(this);
    runEdit_->setObjectName(QStringLiteral("trainingRunDir"));
    runEdit_->setPlaceholderText(tr("Run folder (default: a new one under the runs folder)"));
    auto* browseRun = new QToolButton(this);
    browseRun->setText(tr("…"));
    preset_ = new QComboBox(this);
    preset_->setObjectName(QStringLiteral("trainingPreset"));
    preset_->addItems({tr("Preset…"), tr("Brain MRI CNN (shipped model)"), tr("PneumoniaMNIST CNN (shipped model)"),
                       tr("Quick check (5 epochs, 64 px)")});
    top->addWidget(new QLabel(tr("Data"), this));
    top->addWidget(dataEdit_, 3);
    top->addWidget(browseFolder);
    top->addWidget(browseFile);
    top->addWidget(new QLabel(tr("Run folder"), this));
    top->addWidget(runEdit_, 2);
    top->addWidget(browseRun);
    top->addWidget(preset_);
    root->addLayout(top);

    auto* buttons = new QHBoxLayout;
    startButton_ = new QPushButton(tr("Start"), this);
    startButton_->setObjectName(QStringLiteral("trainingStart"));
    startButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
    startButton_->setToolTip(tr("Train a new model with this recipe (Ctrl+Enter)"));
    pauseButton_ = new QPushButton(tr("Pause"), this);
    pauseButton_->setObjectName(QStringLiteral("trainingPause"));
    pauseButton_->setCheckable(true);
    stopButton_ = new QPushButton(tr("Stop"), this);
    stopButton_->setObjectName(QStringLiteral("trainingStop"));
    stopButton_->setToolTip(tr("Stop within a second; the last finished epoch's checkpoint is kept"));
    continueButton_ = new QPushButton(tr("Continue run"), this);
    continueButton_->setObjectName(QStringLiteral("trainingContinue"));
    continueButton_->setToolTip(tr("Continue the run folder's run from its last checkpoint (after Stop, a crash or a restart)"));
    copyButton_ = new QPushButton(tr("Copy command"), this);
    copyButton_->setToolTip(tr("Copy the equivalent sinar-cli train command"));
    reportButton_ = new QPushButton(tr("Open report"), this);
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("trainingProgress"));
    progress_->setTextVisible(true);
    status_ = new QLabel(tr("Idle"), this);
    status_->setObjectName(QStringLiteral("trainingStatus"));
    status_->setMinimumWidth(260);
    buttons->addWidget(startButton_);
    buttons->addWidget(pauseButton_);
    buttons->addWidget(stopButton_);
    buttons->addWidget(continueButton_);
    buttons->addWidget(copyButton_);
    buttons->addWidget(reportButton_);
    buttons->addWidget(progress_, 1);
    buttons->addWidget(status_, 1);
    root->addLayout(buttons);
    errorLabel_ = new QLabel(this);
    errorLabel_->setObjectName(QStringLiteral("trainingError"));
    errorLabel_->setWordWrap(true);
    errorLabel_->setStyleSheet(QStringLiteral("color: #e06c5a; font-weight: bold;"));
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLabel_->setVisible(false);
    root->addWidget(errorLabel_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    auto* formScroll = new QScrollArea(split);
    formScroll->setWidgetResizable(true);
    formScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    form_ = buildForm();
    formScroll->setWidget(form_);
    formScroll->setMinimumWidth(330);
    split->addWidget(formScroll);

    tabs_ = new QTabWidget(split);
    tabs_->setObjectName(QStringLiteral("trainingTabs"));
    tabs_->setDocumentMode(true);

    // Data: summary, split table, warnings, previews.
    auto* dataPage = new QWidget(tabs_);
    auto* dataLayout = new QVBoxLayout(dataPage);
    planSummary_ = new QLabel(tr("Choose a data set."), dataPage);
    planSummary_->setObjectName(QStringLiteral("planSummary"));
    planSummary_->setWordWrap(true);
    splitTable_ = new QTableWidget(0, 5, dataPage);
    splitTable_->setObjectName(QStringLiteral("splitTable"));
    splitTable_->setHorizontalHeaderLabels({tr("Class"), tr("Train"), tr("Validation"), tr("Test"), tr("All")});
    splitTable_->verticalHeader()->setVisible(false);
    splitTable_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    splitTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    splitTable_->setMaximumHeight(200);
    warnings_ = new QListWidget(dataPage);
    warnings_->setObjectName(QStringLiteral("planWarnings"));
    warnings_->setMaximumHeight(110);
    previews_ = new QListWidget(dataPage);
    previews_->setViewMode(QListView::IconMode);
    previews_->setIconSize(QSize(96, 96));
    previews_->setResizeMode(QListView::Adjust);
    previews_->setMovement(QListView::Static);
    previews_->setSpacing(4);
    auto* twins = new QPushButton(tr("Find near-duplicate twins across the split (decodes every image)"), dataPage);
    twins->setObjectName(QStringLiteral("checkTwins"));
    connect(twins, &QPushButton::clicked, this, [this] {
        checkTwins_ = true;
        refreshPlan();
    });
    dataLayout->addWidget(planSummary_);
    dataLayout->addWidget(twins, 0, Qt::AlignLeft);
    dataLayout->addWidget(splitTable_);
    dataLayout->addWidget(new QLabel(tr("Warnings"), dataPage));
    dataLayout->addWidget(warnings_);
    dataLayout->addWidget(new QLabel(tr("Examples per class"), dataPage));
    dataLayout->addWidget(previews_, 1);
    tabs_->addTab(dataPage, tr("Data"));

    // The run at a glance: curves on the left, the latest confusion matrix
    // (validation while training, the held-out test set afterwards) and its
    // per-class metrics on the right.
    runPage_ = new QSplitter(Qt::Horizontal, tabs_);
    runPage_->setObjectName(QStringLiteral("runPage"));
    curveStack_ = new QStackedWidget(runPage_);
    curves_ = new CurvePlot(curveStack_);
    curves_->setObjectName(QStringLiteral("trainingCurves"));
    crossValidation_ = new CrossValidationPlot(curveStack_);
    crossValidation_->setObjectName(QStringLiteral("trainingCrossValidation"));
    curveStack_->addWidget(curves_);
    curveStack_->addWidget(crossValidation_);
    auto* confusionPage = new QWidget(runPage_);
    auto* confusionLayout = new QVBoxLayout(confusionPage);
    confusionLayout->setContentsMargins(0, 0, 0, 0);
    confusionTitle_ = new QLabel(tr("The confusion matrix appears after the first validation."), confusionPage);
    confusionTitle_->setWordWrap(true);
    confusion_ = new ConfusionMatrixView(confusionPage);
    confusion_->setObjectName(QStringLiteral("trainingConfusion"));
    metrics_ = new ClassMetricsTable(confusionPage);
    metrics_->setObjectName(QStringLiteral("trainingMetrics"));
    auto* confusionSplit = new QSplitter(Qt::Vertical, confusionPage);
    confusionSplit->addWidget(confusion_);
    confusionSplit->addWidget(metrics_);
    confusionSplit->setStretchFactor(0, 3);
    confusionSplit->setStretchFactor(1, 2);
    confusionLayout->addWidget(confusionTitle_);
    confusionLayout->addWidget(confusionSplit, 1);
    runPage_->addWidget(curveStack_);
    runPage_->addWidget(confusionPage);
    runPage_->setStretchFactor(0, 3);
    runPage_->setStretchFactor(1, 2);
    runPage_->setSizes({620, 420});
    tabs_->addTab(runPage_, tr("Run"));
    connect(confusion_, &ConfusionMatrixView::cellClicked, this, &TrainingPage::showCell);

    roc_ = new RocPlot(tabs_);
    roc_->setObjectName(QStringLiteral("trainingRoc"));
    tabs_->addTab(roc_, tr("ROC"));

    history_ = new RunHistory(tabs_);
    history_->setObjectName(QStringLiteral("runHistory"));
    tabs_->addTab(history_, tr("Runs"));
    connect(history_, &RunHistory::continueRequested, this, [this](const QString& dir) {
        setRunDir(dir);
        continueRun();
    });

    study_ = new StudyPanel(tabs_);
    study_->setObjectName(QStringLiteral("studyPanel"));
    study_->setSpecProvider([this] { return spec(); });
    study_->setOutputRoot([] { return AppSettings().runsFolder(); });
    tabs_->addTab(study_, tr("Study"));
    connect(study_, &StudyPanel::statusMessage, this, &TrainingPage::statusMessage);

    log_ = new QPlainTextEdit(tabs_);
    log_->setObjectName(QStringLiteral("trainingLog"));
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);
    tabs_->addTab(log_, tr("Log"));

    split->addWidget(tabs_);
    split->setStretchFactor(0, 0);
    split->setStretchFactor(1, 1);
    split->setSizes({380, 1000});
    root->addWidget(split, 1);

    connect(browseFolder, &QToolButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Data set folder (one sub-folder per class)"), dataPath());
        if (!d.isEmpty())
            setDataPath(d);
    });
    connect(browseFile, &QToolButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Data set file"), dataPath(),
                                                       tr("Data sets (*.csv *.npz);;All files (*)"));
        if (!f.isEmpty())
            setDataPath(f);
    });
    connect(browseRun, &QToolButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Run folder"), runDir());
        if (!d.isEmpty())
            setRunDir(d);
    });
    connect(dataEdit_, &QLineEdit::editingFinished, this, [this] { refreshPlan(); });
    connect(runEdit_, &QLineEdit::textChanged, this, [this] { updateButtons(); });
    connect(preset_, qOverload<int>(&QComboBox::activated), this, [this](int i) {
        applyPreset(i);
        preset_->setCurrentIndex(0);
    });
    connect(startButton_, &QPushButton::clicked, this, [this] { startRun(); });
    connect(continueButton_, &QPushButton::clicked, this, [this] { continueRun(); });
    connect(stopButton_, &QPushButton::clicked, this, &TrainingPage::stopRun);
    connect(pauseButton_, &QPushButton::toggled, this, [this](bool on) {
        if (on)
            pauseRun();
        else
            resumeRun();
    });
    connect(copyButton_, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(commandLine());
        emit statusMessage(tr("Copied: %1").arg(commandLine()));
        log(tr("command: %1").arg(commandLine()));
    });
    connect(reportButton_, &QPushButton::clicked, this, [this] {
        QDesktopServices::openUrl(QUrl::fromLocalFile(outcome_.runDir + QStringLiteral("/report.html")));
    });
}

QWidget* TrainingPage::buildForm()
{
    auto* w = new QWidget;
    auto* v = new QVBoxLayout(w);
    auto group = [&](const QString& title) {
        auto* g = new QGroupBox(title, w);
        auto* f = new QFormLayout(g);
        f->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        v->addWidget(g);
        return f;
    };

    QFormLayout* split = group(tr("Split"));
    testFraction_ = doubleBox(0.0, 0.9, 2, 0.05, w);
    testFraction_->setToolTip(tr("Held-out test part per class (an .npz keeps its own test or val subset)"));
    valFraction_ = doubleBox(0.0, 0.9, 2, 0.05, w);
    valFraction_->setToolTip(tr("Validation part of the rest, for early stopping"));
    seed_ = intBox(0, 2147483647, w);
    groupDuplicates_ = new QCheckBox(tr("Keep near-duplicate images together"), w);
    groupByPatient_ = new QCheckBox(tr("Keep each patient on one side (DICOM)"), w);
    split->addRow(tr("Test fraction"), testFraction_);
    split->addRow(tr("Validation fraction"), valFraction_);
    split->addRow(tr("Seed"), seed_);
    splitMethod_ = new QComboBox(w);
    splitMethod_->setObjectName(QStringLiteral("splitMethod"));
    splitMethod_->addItem(tr("Sinar: per class, can keep groups together"), QStringLiteral("sinar"));
    splitMethod_->addItem(tr("scikit-learn: train_test_split(stratify, random_state=seed)"), QStringLiteral("sklearn"));
    splitMethod_->setToolTip(tr("scikit-learn draws the same images for test and validation as its "
                                "train_test_split(stratify=labels, random_state=seed) on this folder's images in sorted "
                                "order, so results compare with a Python run on the same split. It cannot keep "
                                "near-duplicates or patients together."));
    split->addRow(tr("Split method"), splitMethod_);
    split->addRow(groupDuplicates_);
    split->addRow(groupByPatient_);
    pathMode_ = new QComboBox(w);
    pathMode_->setObjectName(QStringLiteral("pathMode"));
    pathMode_->addItem(tr("automatic: fingerprints for DICOM"), QStringLiteral("auto"));
    pathMode_->addItem(tr("record paths"), QStringLiteral("record"));
    pathMode_->addItem(tr("fingerprints"), QStringLiteral("fingerprint"));
    pathMode_->setToolTip(tr("How the run folder, its report and the bundle name the data set and its images. Folder and "
                             "file names of DICOM data can name patients, so by default they appear only as fingerprints."));
    split->addRow(tr("File paths"), pathMode_);
    npzClassNames_ = new QLineEdit(w);
    npzClassNames_->setObjectName(QStringLiteral("npzClassNames"));
    npzClassNames_->setPlaceholderText(tr("e.g. normal,pneumonia"));
    npzClassNames_->setToolTip(tr("Class names of an .npz, in label order (its labels are numbers)"));
    split->addRow(tr("Class names (.npz)"), npzClassNames_);
    connect(npzClassNames_, &QLineEdit::editingFinished, this, [this] { refreshPlan(); });

    QFormLayout* model = group(tr("Network"));
    architecture_ = new QComboBox(w);
    architecture_->setObjectName(QStringLiteral("trainingArchitecture"));
    for (const std::string& name : nn::registeredArchitectures())
        architecture_->addItem(QString::fromStdString(name));
    architecture_->setToolTip(tr("The network to train; the fields below shape the standard CNN only"));
    model->addRow(tr("Architecture"), architecture_);
    filters_ = new QLineEdit(w);
    filters_->setToolTip(tr("Filters per convolution block, e.g. 32,64,128,256"));
    kernel_ = intBox(1, 11, w);
    convs_ = intBox(1, 4, w);
    stemStride_ = intBox(1, 4, w);
    batchNorm_ = new QCheckBox(tr("Batch normalisation"), w);
    dropout_ = doubleBox(0.0, 0.95, 2, 0.05, w);
    fcHidden_ = intBox(0, 8192, w);
    model->addRow(tr("Filters"), filters_);
    model->addRow(tr("Kernel"), kernel_);
    model->addRow(tr("Convolutions per block"), convs_);
    model->addRow(tr("First stride"), stemStride_);
    model->addRow(batchNorm_);
    model->addRow(tr("Dropout"), dropout_);
    model->addRow(tr("Hidden FC units"), fcHidden_);
    pretrained_ = new QLineEdit(w);
    pretrained_->setObjectName(QStringLiteral("trainingPretrained"));
    pretrained_->setPlaceholderText(tr("none: random weights"));
    pretrained_->setToolTip(tr("TorchScript file whose weights initialise the network by name, e.g. an ImageNet "
                               "MobileNetV2 (transfer learning); batch-norm statistics stay frozen"));
    backboneLr_ = doubleBox(0.0, 10.0, 3, 0.05, w);
    backboneLr_->setObjectName(QStringLiteral("trainingBackboneLr"));
    backboneLr_->setToolTip(tr("Learning rate of the backbone relative to the head (0 freezes it)"));
    freezeBackbone_ = intBox(0, 10000, w);
    freezeBackbone_->setObjectName(QStringLiteral("trainingFreezeBackbone"));
    freezeBackbone_->setToolTip(tr("Epochs during which the backbone stays frozen before it trains too"));
    features_ = new QComboBox(w);
    features_->setObjectName(QStringLiteral("trainingFeatures"));
    features_->addItems({QStringLiteral("raw"), QStringLiteral("hog")});
    features_->setToolTip(tr("SVM and k-NN baselines: the preprocessed pixels (use a small size such as 32) or HOG "
                             "features (size a multiple of 8, e.g. 64)"));
    model->addRow(tr("Pretrained weights"), pretrained_);
    model->addRow(tr("Backbone learning rate ×"), backboneLr_);
    model->addRow(tr("Freeze backbone (epochs)"), freezeBackbone_);
    model->addRow(tr("Baseline features"), features_);
    connect(architecture_, &QComboBox::currentTextChanged, this, [this](const QString& name) {
        const bool standard = name == QLatin1String("standard-cnn");
        const bool classical = nn::isClassicalArchitecture(name.toStdString());
        for (QWidget* f : std::initializer_list<QWidget*>{filters_, kernel_, convs_, stemStride_, batchNorm_, dropout_, fcHidden_})
            f->setEnabled(standard);
        for (QWidget* f : std::initializer_list<QWidget*>{pretrained_, backboneLr_, freezeBackbone_})
            f->setEnabled(!classical);
        features_->setEnabled(classical);
    });

    QFormLayout* opt = group(tr("Optimisation"));
    epochs_ = intBox(1, 10000, w);
    batchSize_ = intBox(1, 4096, w);
    optimizer_ = new QComboBox(w);
    optimizer_->addItems({QStringLiteral("sgd"), QStringLiteral("adam")});
    lr_ = doubleBox(1e-6, 10.0, 5, 0.001, w);
    momentum_ = doubleBox(0.0, 0.999, 3, 0.01, w);
    weightDecay_ = doubleBox(0.0, 1.0, 5, 0.0001, w);
    schedule_ = new QComboBox(w);
    schedule_->addItems({QStringLiteral("cosine"), QStringLiteral("step"), QStringLiteral("constant")});
    warmup_ = intBox(0, 1000, w);
    patience_ = intBox(0, 10000, w);
    patience_->setToolTip(tr("Early stopping on validation loss; 0 = off"));
    classWeights_ = new QCheckBox(tr("Weight the loss by inverse class frequency"), w);
    labelSmoothing_ = doubleBox(0.0, 0.99, 2, 0.05, w);
    preciseBn_ = intBox(0, 1000000, w);
    preciseBn_->setToolTip(tr("Re-estimate batch-norm statistics on this many clean training images after each epoch"));
    maxMinutes_ = doubleBox(0.0, 100000.0, 1, 5.0, w);
    maxMinutes_->setToolTip(tr("Time budget; the schedule is fitted to it (0 = none)"));
    opt->addRow(tr("Epochs"), epochs_);
    opt->addRow(tr("Batch size"), batchSize_);
    opt->addRow(tr("Optimiser"), optimizer_);
    opt->addRow(tr("Learning rate"), lr_);
    opt->addRow(tr("Momentum"), momentum_);
    opt->addRow(tr("Weight decay"), weightDecay_);
    opt->addRow(tr("Schedule"), schedule_);
    opt->addRow(tr("Warm-up epochs"), warmup_);
    opt->addRow(tr("Patience"), patience_);
    opt->addRow(classWeights_);
    opt->addRow(tr("Label smoothing"), labelSmoothing_);
    opt->addRow(tr("Precise BN images"), preciseBn_);
    opt->addRow(tr("Time budget (min)"), maxMinutes_);
    connect(optimizer_, &QComboBox::currentTextChanged, this, [this](const QString& o) {
        // The CLI's default learning rate follows the optimiser.
        if (o == QLatin1String("adam") && std::abs(lr_->value() - 0.02) < 1e-12)
            lr_->setValue(0.001);
        else if (o == QLatin1String("sgd") && std::abs(lr_->value() - 0.001) < 1e-12)
            lr_->setValue(0.02);
    });

    QFormLayout* pre = group(tr("Preprocessing"));
    size_ = intBox(8, 1024, w);
    channels_ = intBox(1, 3, w);
    channels_->setToolTip(tr("1 = grey, 3 = RGB"));
    keepAspect_ = new QCheckBox(tr("Keep aspect ratio (letterbox)"), w);
    normalise_ = new QComboBox(w);
    normalise_->addItems({QStringLiteral("per-image"), QStringLiteral("dataset"), QStringLiteral("minus-one-one"),
                          QStringLiteral("none")});
    clahe_ = new QCheckBox(tr("CLAHE contrast enhancement"), w);
    denoise_ = new QComboBox(w);
    denoise_->addItems({QStringLiteral("none"), QStringLiteral("median"), QStringLiteral("gaussian"), QStringLiteral("nlmeans")});
    pre->addRow(tr("Input size"), size_);
    pre->addRow(tr("Channels"), channels_);
    pre->addRow(keepAspect_);
    pre->addRow(tr("Normalisation"), normalise_);
    pre->addRow(clahe_);
    pre->addRow(tr("Noise reduction"), denoise_);

    QFormLayout* aug = group(tr("Augmentation (training only)"));
    augment_ = new QCheckBox(tr("Augment"), w);
    rotate_ = doubleBox(0, 180, 1, 1, w);
    scale_ = doubleBox(0, 0.9, 2, 0.01, w);
    translate_ = doubleBox(0, 0.5, 2, 0.01, w);
    hflip_ = new QCheckBox(tr("Horizontal flips"), w);
    vflip_ = new QCheckBox(tr("Vertical flips"), w);
    brightness_ = doubleBox(0, 1, 2, 0.01, w);
    contrast_ = doubleBox(0, 1, 2, 0.01, w);
    noise_ = doubleBox(0, 128, 1, 1, w);
    blur_ = doubleBox(0, 1, 2, 0.05, w);
    curve_ = doubleBox(0, 1, 2, 0.05, w);
    curve_->setToolTip(tr("Probability of a random monotone grey-level curve: the histogram stops being a shortcut to the label."));
    invert_ = doubleBox(0, 1, 2, 0.05, w);
    invert_->setToolTip(tr("Probability of inverting the grey levels inside the body (dark CSF becomes bright, as between T1 and T2)."));
    aug->addRow(augment_);
    aug->addRow(tr("Rotation (°)"), rotate_);
    aug->addRow(tr("Zoom"), scale_);
    aug->addRow(tr("Shift"), translate_);
    aug->addRow(hflip_);
    aug->addRow(vflip_);
    aug->addRow(tr("Brightness"), brightness_);
    aug->addRow(tr("Contrast"), contrast_);
    aug->addRow(tr("Noise σ"), noise_);
    aug->addRow(tr("Blur probability"), blur_);
    aug->addRow(tr("Grey-level curve probability"), curve_);
    aug->addRow(tr("Inversion probability"), invert_);
    augmentPreview_ = new QListWidget(w);
    augmentPreview_->setObjectName(QStringLiteral("augmentPreview"));
    augmentPreview_->setViewMode(QListView::IconMode);
    augmentPreview_->setIconSize(QSize(72, 72));
    augmentPreview_->setMovement(QListView::Static);
    augmentPreview_->setResizeMode(QListView::Adjust);
    augmentPreview_->setMinimumHeight(190);
    augmentPreview_->setToolTip(tr("One image of the data set as the network sees it, and augmented samples"));
    aug->addRow(augmentPreview_);
    v->addStretch(1);

    // The preview follows the recipe.
    auto* previewTimer = new QTimer(this);
    previewTimer->setSingleShot(true);
    previewTimer->setInterval(300);
    connect(previewTimer, &QTimer::timeout, this, &TrainingPage::refreshAugmentPreview);
    for (QDoubleSpinBox* b : {rotate_, scale_, translate_, brightness_, contrast_, noise_, blur_, curve_, invert_})
        connect(b, &QDoubleSpinBox::valueChanged, previewTimer, qOverload<>(&QTimer::start));
    for (QSpinBox* b : {size_, channels_})
        connect(b, &QSpinBox::valueChanged, previewTimer, qOverload<>(&QTimer::start));
    for (QCheckBox* b : {augment_, hflip_, vflip_, clahe_, keepAspect_})
        connect(b, &QCheckBox::toggled, previewTimer, qOverload<>(&QTimer::start));
    connect(denoise_, &QComboBox::currentIndexChanged, previewTimer, qOverload<>(&QTimer::start));
    // The split table follows the split settings.
    auto* planTimer = new QTimer(this);
    planTimer->setSingleShot(true);
    planTimer->setInterval(400);
    connect(planTimer, &QTimer::timeout, this, &TrainingPage::refreshPlan);
    for (QDoubleSpinBox* b : {testFraction_, valFraction_})
        connect(b, &QDoubleSpinBox::valueChanged, planTimer, qOverload<>(&QTimer::start));
    connect(seed_, &QSpinBox::valueChanged, planTimer, qOverload<>(&QTimer::start));
    connect(splitMethod_, &QComboBox::currentIndexChanged, planTimer, qOverload<>(&QTimer::start));
    for (QCheckBox* b : {groupDuplicates_, groupByPatient_})
        connect(b, &QCheckBox::toggled, planTimer, qOverload<>(&QTimer::start));
    return w;
}

void TrainingPage::setSpec(const train::TrainingJobSpec& s)
{
    hidden_ = s;
    dataEdit_->setText(QString::fromStdString(s.dataPath));
    runEdit_->setText(QString::fromStdString(s.runDir));
    testFraction_->setValue(s.testFraction);
    valFraction_->setValue(s.valFraction);
    seed_->setValue(static_cast<int>(s.train.seed));
    splitMethod_->setCurrentIndex(std::max(0, splitMethod_->findData(QString::fromStdString(s.splitMethod))));
    groupDuplicates_->setChecked(s.groupDuplicates);
    groupByPatient_->setChecked(s.groupByPatient);
    pathMode_->setCurrentIndex(std::max(0, pathMode_->findData(QString::fromStdString(s.pathMode))));
    QStringList names;
    for (const auto& n : s.classNames)
        names << QString::fromStdString(n);
    npzClassNames_->setText(names.join(QLatin1Char(',')));
    QStringList f;
    for (int x : s.cnn.filters)
        f << QString::number(x);
    filters_->setText(f.join(','));
    architecture_->setCurrentText(QString::fromStdString(s.architecture));
    kernel_->setValue(s.cnn.kernelSize);
    convs_->setValue(s.cnn.convsPerBlock);
    stemStride_->setValue(s.cnn.stemStride);
    batchNorm_->setChecked(s.cnn.batchNorm);
    dropout_->setValue(s.cnn.dropout);
    fcHidden_->setValue(s.cnn.fcHidden);
    pretrained_->setText(QString::fromStdString(s.pretrained));
    backboneLr_->setValue(s.train.backboneLrFactor);
    freezeBackbone_->setValue(s.train.freezeBackboneEpochs);
    features_->setCurrentText(QString::fromStdString(s.features));
    const train::TrainConfig& t = s.train;
    epochs_->setValue(t.epochs);
    batchSize_->setValue(t.batchSize);
    {
        const QSignalBlocker block(optimizer_);
        optimizer_->setCurrentText(QString::fromStdString(t.optimizer));
    }
    lr_->setValue(t.learningRate);
    momentum_->setValue(t.momentum);
    weightDecay_->setValue(t.weightDecay);
    schedule_->setCurrentText(QString::fromStdString(t.schedule));
    warmup_->setValue(t.warmupEpochs);
    patience_->setValue(t.patience);
    classWeights_->setChecked(t.classWeights);
    labelSmoothing_->setValue(t.labelSmoothing);
    preciseBn_->setValue(t.preciseBnImages);
    maxMinutes_->setValue(t.maxMinutes);
    const imaging::Recipe& r = s.recipe;
    size_->setValue(r.width);
    channels_->setValue(r.channels);
    keepAspect_->setChecked(r.keepAspect);
    normalise_->setCurrentText(QString::fromStdString(imaging::toString(r.normalisation)));
    clahe_->setChecked(r.clahe);
    denoise_->setCurrentText(QString::fromStdString(imaging::toString(r.denoise)));
    const imaging::AugmentConfig& a = s.augment;
    augment_->setChecked(a.enabled);
    rotate_->setValue(a.rotationDeg);
    scale_->setValue(a.scale);
    translate_->setValue(a.translate);
    hflip_->setChecked(a.horizontalFlip);
    vflip_->setChecked(a.verticalFlip);
    brightness_->setValue(a.brightness);
    contrast_->setValue(a.contrast);
    noise_->setValue(a.noiseStd);
    blur_->setValue(a.blurProbability);
    curve_->setValue(a.curveProbability);
    invert_->setValue(a.invertProbability);
}

train::TrainingJobSpec TrainingPage::spec() const
{
    train::TrainingJobSpec s = hidden_;
    s.dataPath = dataEdit_->text().trimmed().toStdString();
    s.runDir = runDir().toStdString();
    s.outPath = s.runDir.empty() ? std::string() : s.runDir + "/model.sinar";
    s.testFraction = testFraction_->value();
    s.valFraction = valFraction_->value();
    s.train.seed = static_cast<uint32_t>(seed_->value());
    s.splitMethod = splitMethod_->currentData().toString().toStdString();
    s.groupDuplicates = groupDuplicates_->isChecked();
    s.groupByPatient = groupByPatient_->isChecked() && groupByPatient_->isEnabled();
    s.pathMode = pathMode_->currentData().toString().toStdString();
    s.classNames.clear();
    for (const QString& n : npzClassNames_->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        s.classNames.push_back(n.trimmed().toStdString());
    s.architecture = architecture_->currentText().toStdString();
    s.cnn.filters.clear();
    for (const QString& x : filters_->text().split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = x.trimmed().toInt(&ok);
        s.cnn.filters.push_back(ok ? v : -1); // validated by the job
    }
    s.cnn.kernelSize = kernel_->value();
    s.cnn.convsPerBlock = convs_->value();
    s.cnn.stemStride = stemStride_->value();
    s.cnn.batchNorm = batchNorm_->isChecked();
    s.cnn.dropout = dropout_->value();
    s.cnn.fcHidden = fcHidden_->value();
    s.pretrained = pretrained_->text().trimmed().toStdString();
    s.train.backboneLrFactor = backboneLr_->value();
    s.train.freezeBackboneEpochs = freezeBackbone_->value();
    s.features = features_->currentText().toStdString();
    train::TrainConfig& t = s.train;
    t.epochs = epochs_->value();
    t.batchSize = batchSize_->value();
    t.optimizer = optimizer_->currentText().toStdString();
    t.learningRate = lr_->value();
    t.momentum = momentum_->value();
    t.weightDecay = weightDecay_->value();
    t.schedule = schedule_->currentText().toStdString();
    t.warmupEpochs = warmup_->value();
    t.patience = patience_->value();
    t.classWeights = classWeights_->isChecked();
    t.labelSmoothing = labelSmoothing_->value();
    t.preciseBnImages = preciseBn_->value();
    t.maxMinutes = maxMinutes_->value();
    imaging::Recipe& r = s.recipe;
    if (size_->value() != hidden_.recipe.width) { // a changed size is square
        r.width = size_->value();
        r.height = size_->value();
    }
    if (channels_->value() != r.channels) {
        r.channels = channels_->value();
        r.mean.assign(static_cast<size_t>(r.channels), 0.5f);
        r.std.assign(static_cast<size_t>(r.channels), 0.25f);
    }
    r.keepAspect = keepAspect_->isChecked();
    r.normalisation = imaging::normalisationFromString(normalise_->currentText().toStdString(), "normalisation");
    r.clahe = clahe_->isChecked();
    r.denoise = imaging::denoiseFromString(denoise_->currentText().toStdString(), "noise reduction");
    imaging::AugmentConfig& a = s.augment;
    a.enabled = augment_->isChecked();
    a.rotationDeg = rotate_->value();
    a.scale = scale_->value();
    a.translate = translate_->value();
    a.horizontalFlip = hflip_->isChecked();
    a.verticalFlip = vflip_->isChecked();
    a.brightness = brightness_->value();
    a.contrast = contrast_->value();
    a.noiseStd = noise_->value();
    a.blurProbability = blur_->value();
    a.curveProbability = curve_->value();
    a.invertProbability = invert_->value();
    return s;
}

QString TrainingPage::commandLine() const
{
    train::TrainingJobSpec s = spec();
    if (s.runDir.empty()) {
        s.runDir = newRunDir().toStdString();
        s.outPath = s.runDir + "/model.sinar";
    }
    return reproducibleCommand(s, false);
}

void TrainingPage::applyPreset(int index)
{
    train::TrainingJobSpec s; // the CLI's defaults: the shipped brain MRI model
    s.dataPath = dataEdit_->text().toStdString();
    s.runDir = runEdit_->text().toStdString();
    switch (index) {
    case 1:
        break;
    case 2: // models/pneumoniamnist-cnn.md
        s.recipe.width = s.recipe.height = 28;
        s.cnn.filters = {32, 64, 128};
        s.cnn.stemStride = 1;
        s.train.epochs = 80;
        break;
    case 3:
        s.recipe.width = s.recipe.height = 64;
        s.cnn.filters = {16, 32, 64};
        s.train.epochs = 5;
        s.train.preciseBnImages = 256;
        break;
    default:
        return;
    }
    setSpec(s);
    log(tr("preset: %1").arg(preset_->itemText(index)));
}

void TrainingPage::setDataPath(const QString& path)
{
    dataEdit_->setText(path);
    refreshPlan();
}

QString TrainingPage::dataPath() const
{
    return dataEdit_->text().trimmed();
}

void TrainingPage::setRunDir(const QString& dir)
{
    runEdit_->setText(dir);
}

QString TrainingPage::runDir() const
{
    return runEdit_->text().trimmed();
}

QString TrainingPage::newRunDir() const
{
    const QString data = QFileInfo(dataPath()).completeBaseName();
    return AppSettings().runsFolder() + QLatin1Char('/') + (data.isEmpty() ? QStringLiteral("run") : data) + QLatin1Char('-') +
           QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
}

bool TrainingPage::planning() const
{
    return planPending_ || augmentWatcher_->isRunning();
}

void TrainingPage::refreshPlan()
{
    const QString path = dataPath();
    if (path.isEmpty())
        return;
    planPending_ = true; // until its result is shown
    if (planWatcher_->isRunning()) {
        planAgain_ = true;
        if (planCancel_)
            planCancel_->cancel();
        return;
    }
    planSummary_->setText(tr("Reading %1…").arg(path));
    planSummary_->setStyleSheet({});
    train::RunPlanRequest req;
    req.dataPath = path.toStdString();
    req.testFraction = testFraction_->value();
    req.valFraction = valFraction_->value();
    req.seed = static_cast<uint32_t>(seed_->value());
    req.splitMethod = splitMethod_->currentData().toString().toStdString();
    req.groupDuplicates = groupDuplicates_->isChecked();
    req.groupByPatient = groupByPatient_->isChecked();
    for (const QString& n : npzClassNames_->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        req.classNames.push_back(n.trimmed().toStdString());
    req.checkDuplicates = checkTwins_;
    imaging::Recipe recipe = spec().recipe;
    req.recipe = recipe;
    planCancel_ = std::make_shared<CancelToken>();
    auto cancel = planCancel_;
    planWatcher_->setFuture(QtConcurrent::run([req, recipe, cancel]() -> std::shared_ptr<PlanResult> {
        auto out = std::make_shared<PlanResult>();
        try {
            out->plan = train::planRun(req, {}, cancel.get());
            // Four examples per class as the network sees them (before augmentation).
            const data::Dataset& d = *out->plan.dataset;
            const imaging::Preprocessor pre(recipe);
            for (size_t i : train::previewIndices(d, 4)) {
                cancel->throwIfCancelled();
                try {
                    const QString name = QString::fromStdString(d.classNames()[static_cast<size_t>(d.sample(i).label)]);
                    out->previews.emplace_back(name, toQImage(pre.base(d.load(i))));
                } catch (const Error&) {
                    // listed as unreadable by the plan
                }
            }
        } catch (const Cancelled&) {
            out->error = QObject::tr("cancelled");
        } catch (const std::exception& e) {
            out->error = errorText(e);
        }
        return out;
    }));
}

void TrainingPage::refreshAugmentPreview()
{
    if (!planDataset_) // the plan's data set, once it is read (the plan asks again then)
        return;
    if (augmentWatcher_->isRunning()) {
        augmentAgain_ = true;
        return;
    }
    train::TrainingJobSpec s;
    try {
        s = spec();
    } catch (const Error&) {
        return;
    }
    const imaging::Recipe recipe = s.recipe;
    const imaging::AugmentConfig augment = s.augment;
    const uint32_t seed = s.train.seed;
    // The one image it shows, copied here: the task shares nothing of the plan's data set.
    const bool empty = planDataset_->size() == 0;
    data::Sample first = empty ? data::Sample{} : planDataset_->sample(0);
    first.pixels = first.pixels.clone(); // an archive's pixels: a copy of its own
    const std::string source = planDataset_->source();
    augmentWatcher_->setFuture(QtConcurrent::run([empty, first, source, recipe, augment, seed]() -> std::shared_ptr<AugmentPreview> {
        auto out = std::make_shared<AugmentPreview>();
        try {
            if (empty)
                throw Error("no images", source);
            const imaging::Preprocessor pre(recipe);
            const cv::Mat base = pre.base(data::loadSample(first));
            out->images.push_back(toQImage(base));
            const imaging::Augmenter aug(augment);
            for (uint32_t k = 0; k < 7; ++k) {
                std::mt19937 rng(seed * 7919u + k);
                cv::Mat a = aug.apply(base, rng);
                cv::Mat u8;
                a.convertTo(u8, CV_8U); // augmented images are float 0..255
                out->images.push_back(toQImage(u8));
            }
        } catch (const Error& e) {
            out->error = errorText(e);
        }
        return out;
    }));
}

void TrainingPage::updateButtons()
{
    const bool busy = running();
    startButton_->setEnabled(!busy && !dataPath().isEmpty());
    pauseButton_->setEnabled(busy);
    stopButton_->setEnabled(busy);
    const QString dir = runDir();
    continueButton_->setEnabled(!busy && !dir.isEmpty() && QFileInfo::exists(dir + QStringLiteral("/checkpoint.pt")) &&
                                QFileInfo::exists(dir + QStringLiteral("/command.txt")));
    reportButton_->setEnabled(!busy && !outcome_.runDir.isEmpty() &&
                              QFileInfo::exists(outcome_.runDir + QStringLiteral("/report.html")));
    form_->setEnabled(!busy);
    dataEdit_->setEnabled(!busy);
    runEdit_->setEnabled(!busy);
    preset_->setEnabled(!busy);
}

void TrainingPage::showError(const QString& text)
{
    lastError_ = text;
    errorLabel_->setText(text);
    errorLabel_->setVisible(!text.isEmpty());
    if (!text.isEmpty())
        log(tr("error: %1").arg(text));
}

void TrainingPage::log(const QString& text)
{
    log_->appendPlainText(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss  ")) + text);
}

bool TrainingPage::startRun()
{
    train::TrainingJobSpec s;
    try {
        s = spec();
    } catch (const Error& e) {
        showError(errorText(e));
        return false;
    }
    if (s.dataPath.empty()) {
        showError(tr("Choose a data set first."));
        return false;
    }
    if (s.runDir.empty()) {
        setRunDir(newRunDir());
        s.runDir = runDir().toStdString();
        s.outPath = s.runDir + "/model.sinar";
    }
    const QDir dir(QString::fromStdString(s.runDir));
    if (dir.exists(QStringLiteral("checkpoint.pt")) || dir.exists(QStringLiteral("model.sinar"))) {
        showError(tr("The run folder %1 holds a run already: continue it, or choose another folder.").arg(dir.path()));
        return false;
    }
    s.resume = false;
    return launch(s);
}

bool TrainingPage::continueRun()
{
    const QString dir = runDir();
    const QString commandFile = dir + QStringLiteral("/command.txt");
    if (!QFileInfo::exists(dir + QStringLiteral("/checkpoint.pt"))) {
        showError(tr("Nothing to continue: %1 has no checkpoint.").arg(dir));
        return false;
    }
    train::TrainingJobSpec s;
    try {
        QFile f(commandFile);
        if (!f.open(QIODevice::ReadOnly))
            throw Error("cannot read the run's command", commandFile.toStdString());
        s = train::trainSpecFromCommandLine(QString::fromUtf8(f.readAll()));
        if (QString::fromStdString(s.dataPath).startsWith(QStringLiteral("sha256:"))) {
            // A fingerprint: the folder this machine remembers for it, else the user's choice; either must match.
            const std::string fingerprint = s.dataPath;
            QString known = QSettings().value(QStringLiteral("dataFingerprints/") +
                                              QString::fromStdString(fingerprint).remove(QStringLiteral("sha256:")))
                                .toString();
            if (known.isEmpty() || privacy::pathFingerprint(known.toStdString()) != fingerprint)
                known = QFileDialog::getExistingDirectory(
                    this, tr("The data set of this run (fingerprint %1)").arg(QString::fromStdString(fingerprint)));
            if (known.isEmpty())
                throw Error("the run names its data set by fingerprint only (" + fingerprint +
                                "); choose the data set's folder to continue it",
                            commandFile.toStdString());
            if (privacy::pathFingerprint(known.toStdString()) != fingerprint)
                throw Error("this is not the run's data set: its fingerprint is " +
                                privacy::pathFingerprint(known.toStdString()) + ", the run's " + fingerprint,
                            known.toStdString());
            s.dataPath = known.toStdString();
        }
    } catch (const Error& e) {
        showError(errorText(e));
        return false;
    }
    s.runDir = dir.toStdString();
    s.outPath = s.runDir + "/model.sinar";
    s.resume = true;
    s.overwrite = true;
    setSpec(s);
    return launch(s);
}

bool TrainingPage::launch(train::TrainingJobSpec s)
{
    showError({});
    const QString dir = QString::fromStdString(s.runDir);
    if (!QDir().mkpath(dir)) {
        showError(tr("Cannot create the run folder %1.").arg(dir));
        return false;
    }
    if (!s.resume) {
        // The run folder keeps the command that reproduces it (and lets Continue
        // pick the run up after a restart of the application).
        QFile f(dir + QStringLiteral("/command.txt"));
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            f.write(reproducibleCommand(s, true).toUtf8() + '\n') < 0) {
            showError(tr("Cannot write to the run folder %1: %2").arg(dir, f.errorString()));
            return false;
        }
    }
    curves_->clear();
    // A classical baseline has no epochs: its cross-validation takes the curves' place.
    const bool classical = nn::isClassicalArchitecture(s.architecture);
    if (classical)
        crossValidation_->clear(tr("Fitting the baseline: its cross-validation over the hyper-parameter grid appears "
                                   "here when the fit ends."));
    curveStack_->setCurrentWidget(classical ? static_cast<QWidget*>(crossValidation_) : curves_);
    validationCount_ = 0;
    outcome_ = TrainingOutcome();
    saveForm();
    if (!worker_->start(s)) {
        showError(tr("A run is in progress."));
        return false;
    }
    statusClock_.invalidate();
    pauseButton_->setChecked(false);
    log(tr("%1 run in %2").arg(s.resume ? tr("continuing the") : tr("starting a"), dir));
    log(tr("command: %1").arg(reproducibleCommand(s, false)));
    status_->setText(tr("Preparing…"));
    tabs_->setCurrentWidget(runPage_);
    updateButtons();
    emit runStarted();
    return true;
}

void TrainingPage::stopRun()
{
    if (!worker_->running())
        return;
    worker_->stop();
    status_->setText(tr("Stopping…"));
    log(tr("stop requested"));
}

void TrainingPage::pauseRun()
{
    if (!worker_->running())
        return;
    worker_->pause();
    {
        const QSignalBlocker block(pauseButton_);
        pauseButton_->setChecked(true);
    }
    pauseButton_->setText(tr("Resume"));
    status_->setText(tr("Paused"));
    log(tr("paused"));
}

void TrainingPage::resumeRun()
{
    worker_->resume();
    {
        const QSignalBlocker block(pauseButton_);
        pauseButton_->setChecked(false);
    }
    pauseButton_->setText(tr("Pause"));
    log(tr("resumed"));
}

bool TrainingPage::running() const
{
    return worker_->running() || finishing_;
}

bool TrainingPage::paused() const
{
    return worker_->paused();
}

void TrainingPage::onBatch(const train::BatchEvent& e)
{
    const double epochPos = (e.epoch - 1) + static_cast<double>(e.batch) / std::max(1, e.batches);
    curves_->addBatch(e.step, epochPos, e.elapsedSeconds, e.batchLoss);
    // Progress and status text at most four times a second (and at an epoch's
    // end): every repaint takes a core from the two training threads.
    if (statusClock_.isValid() && statusClock_.elapsed() < 250 && e.batch != e.batches)
        return;
    statusClock_.start();
    const long long total = static_cast<long long>(e.epochs) * e.batches;
    const long long done = static_cast<long long>(e.epoch - 1) * e.batches + e.batch;
    progress_->setRange(0, static_cast<int>(std::max<long long>(1, total)));
    progress_->setValue(static_cast<int>(done));
    progress_->setFormat(tr("epoch %1/%2").arg(e.epoch).arg(e.epochs));
    if (worker_->paused())
        return;
    // ETA from this run's pace (the whole schedule; early stopping may end sooner).
    const double perStep = done > 0 ? e.elapsedSeconds / done : 0;
    status_->setText(tr("batch %1/%2 · loss %3 · %4 img/s · ETA %5")
                         .arg(e.batch)
                         .arg(e.batches)
                         .arg(e.loss, 0, 'f', 4)
                         .arg(e.imagesPerSecond, 0, 'f', 0)
                         .arg(formatDuration(perStep * (total - done))));
}

void TrainingPage::onEpoch(const train::EpochEvent& e)
{
    curves_->addEpoch(e.epoch, e.step, e.elapsedSeconds, e.trainLoss, e.valLoss, e.trainAccuracy, e.valAccuracy, e.learningRate);
    if (e.improved) {
        curves_->setBestEpoch(e.epoch);
    }
    log(tr("epoch %1/%2  train loss %3 acc %4 | val loss %5 acc %6 | lr %7 | %8 img/s | %9 s%10")
            .arg(e.epoch)
            .arg(e.epochs)
            .arg(e.trainLoss, 0, 'f', 4)
            .arg(e.trainAccuracy, 0, 'f', 4)
            .arg(e.valLoss, 0, 'f', 4)
            .arg(e.valAccuracy, 0, 'f', 4)
            .arg(e.learningRate, 0, 'g', 4)
            .arg(e.imagesPerSecond, 0, 'f', 0)
            .arg(e.seconds, 0, 'f', 1)
            .arg(e.improved ? QStringLiteral("  *") : QString()));
}

void TrainingPage::onValidation(const train::ValidationEvent& e)
{
    if (classNames_.empty() || e.probabilities.empty() || e.probabilities.front().size() != classNames_.size()) {
        classNames_.clear();
        const size_t k = e.probabilities.empty() ? 0 : e.probabilities.front().size();
        for (size_t c = 0; c < k; ++c)
            classNames_.push_back(std::to_string(c));
    }
    try {
        const eval::Report r = eval::computeReport(e.truth, e.probabilities, classNames_);
        validationCount_ = static_cast<int>(r.n);
        showReport(r, e.truth, e.probabilities,
                   tr("Validation, epoch %1 (%2 images, accuracy %3)").arg(e.epoch).arg(r.n).arg(r.accuracy, 0, 'f', 3));
    } catch (const Error& err) {
        log(tr("validation metrics: %1").arg(errorText(err)));
    }
}

void TrainingPage::showReport(const eval::Report& report, const std::vector<int>& truth,
                              const std::vector<std::vector<float>>& probabilities, const QString& title)
{
    confusionTitle_->setText(title);
    confusion_->setMatrix(report.confusion, report.classNames, title.section(QLatin1Char('('), 0, 0).section(QLatin1Char(':'), 0, 0).trimmed());
    metrics_->setReport(report);
    roc_->setScores(truth, probabilities, report.classNames);
}

void TrainingPage::onFinished(const TrainingOutcome& o)
{
    emit trainingEnded();
    outcome_ = o;
    progress_->setFormat(QStringLiteral("%p%"));
    pauseButton_->setText(tr("Pause"));
    {
        const QSignalBlocker block(pauseButton_);
        pauseButton_->setChecked(false);
    }
    if (!o.ok) {
        status_->setText(o.cancelled ? tr("Stopped") : tr("Failed"));
        if (o.cancelled) {
            log(o.error);
            showError({});
            errorLabel_->setText(o.error);
            errorLabel_->setStyleSheet(QStringLiteral("color: #d8a53c;"));
            errorLabel_->setVisible(true);
        } else {
            showError(o.error);
        }
        updateButtons();
        if (QFileInfo::exists(runDir() + QStringLiteral("/checkpoint.pt")))
            history_->addFolder(runDir());
        emit runFinished(false, o.bundlePath);
        return;
    }
    progress_->setValue(progress_->maximum());
    status_->setText(tr("Finished in %1 · test accuracy %2 · macro F1 %3")
                         .arg(formatDuration(o.totalSeconds))
                         .arg(o.test.accuracy, 0, 'f', 3)
                         .arg(o.test.macroF1, 0, 'f', 3));
    classNames_ = o.test.classNames;
    if (o.test.n > 0) {
        showReport(o.test, o.testTruth, o.testProbabilities,
                   tr("Held-out test set: %1 images, accuracy %2, macro F1 %3 — click a cell to see its images")
                       .arg(o.test.n)
                       .arg(o.test.accuracy, 0, 'f', 3)
                       .arg(o.test.macroF1, 0, 'f', 3));
        tabs_->setCurrentWidget(runPage_);
    }
    curves_->flush();
    if (!o.classical.isEmpty())
        crossValidation_->setResults(o.classical);
    // The report: the plots one per event-loop turn (widgets, GUI thread),
    // then HTML and PDF on a worker thread; the run counts as finished after.
    finishing_ = true;
    reportInput_ = reportInput();
    QTimer::singleShot(0, this, [this] { exportNextPlot(0); });
}

void TrainingPage::exportNextPlot(int step)
{
    QString error;
    if (step < kReportPlots) {
        if (!exportReportPlot(reportInput_, step, &error)) {
            reportDone(error);
            return;
        }
        QTimer::singleShot(0, this, [this, step] { exportNextPlot(step + 1); });
        return;
    }
    ReportInput in = reportInput_;
    in.curves = nullptr;
    in.crossValidation = nullptr;
    in.confusion = nullptr;
    in.roc = nullptr;
    reportWatcher_->setFuture(QtConcurrent::run([in]() {
        QString e;
        return writeReportFiles(in, &e) ? QString() : e;
    }));
}

void TrainingPage::reportDone(const QString& error)
{
    if (!error.isEmpty())
        showError(tr("The report could not be written: %1").arg(error));
    addToLibrary();
    history_->addFolder(outcome_.runDir);
    finishing_ = false;
    updateButtons();
    log(tr("finished: %1").arg(outcome_.bundlePath));
    emit runFinished(true, outcome_.bundlePath);
}

ReportInput TrainingPage::reportInput() const
{
    ReportInput in;
    in.outcome = outcome_;
    in.spec = spec();
    QFile cmd(outcome_.runDir + QStringLiteral("/command.txt")); // the run's own command, written at its start
    in.command = cmd.open(QIODevice::ReadOnly) ? QString::fromUtf8(cmd.readAll()).trimmed() : reproducibleCommand(in.spec, true);
    in.curves = curves_;
    in.crossValidation = crossValidation_;
    in.confusion = confusion_;
    in.roc = roc_;
    return in;
}

bool TrainingPage::writeReport(QString* error)
{
    if (outcome_.runDir.isEmpty()) {
        if (error)
            *error = tr("no finished run");
        return false;
    }
    return writeRunReport(reportInput(), error);
}

void TrainingPage::addToLibrary()
{
    // The viewer offers models from the user's model library at once.
    const QString folder = ModelCatalog::userLibrary();
    if (folder.isEmpty() || !QDir().mkpath(folder) || !QFileInfo::exists(outcome_.bundlePath))
        return;
    const QString name = QFileInfo(outcome_.runDir).fileName() + QStringLiteral(".sinar");
    const QString target = folder + QLatin1Char('/') + name;
    QFile::remove(target);
    if (!QFile::copy(outcome_.bundlePath, target)) {
        log(tr("could not add the model to the library %1").arg(folder));
        return;
    }
    // Its model card (like the shipped models' *.md) and the full report next to it.
    const QString base = folder + QLatin1Char('/') + QFileInfo(name).completeBaseName();
    const QString report = outcome_.runDir + QStringLiteral("/report.html");
    if (QFileInfo::exists(report)) {
        QFile::remove(base + QStringLiteral(".html"));
        QFile::copy(report, base + QStringLiteral(".html"));
    }
    QFile card(base + QStringLiteral(".md"));
    if (card.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        const eval::Report& t = outcome_.test;
        QString md = QStringLiteral("# %1\n\nTrained in Sinar's Training tab.\n\n").arg(QFileInfo(name).completeBaseName());
        md += QStringLiteral("* Data: `%1` — %2 train, %3 validation, %4 held-out test images\n")
                  .arg(QString::fromStdString(privacy::dataRef(spec().dataPath, outcome_.recordedPaths)))
                  .arg(outcome_.trainCount)
                  .arg(outcome_.valCount)
                  .arg(outcome_.testCount);
        QStringList classes;
        for (const auto& c : t.classNames)
            classes << QString::fromStdString(c);
        md += QStringLiteral("* Classes: %1\n").arg(classes.join(QStringLiteral(", ")));
        if (t.n > 0)
            md += QStringLiteral("* Held-out test: accuracy %1, macro F1 %2, ROC AUC %3\n")
                      .arg(t.accuracy, 0, 'f', 3)
                      .arg(t.macroF1, 0, 'f', 3)
                      .arg(t.rocAuc, 0, 'f', 3);
        md += QStringLiteral("* Training: %1 epochs (best %2), %3 min\n")
                  .arg(outcome_.history.epochs.size())
                  .arg(outcome_.history.bestEpoch)
                  .arg(outcome_.history.seconds / 60.0, 0, 'f', 1);
        QFile cmd(outcome_.runDir + QStringLiteral("/command.txt"));
        if (cmd.open(QIODevice::ReadOnly))
            md += QStringLiteral("\nThe command that reproduces it:\n\n```sh\n%1\n```\n").arg(QString::fromUtf8(cmd.readAll()).trimmed());
        md += QStringLiteral("\nRun folder: `%1`; the full report is `%2.html` beside this card.\n")
                  .arg(outcome_.runDir, QFileInfo(name).completeBaseName());
        card.write(md.toUtf8());
    }
    log(tr("added to the model library: %1").arg(target));
    emit modelAdded(target);
}

void TrainingPage::showCell(int truth, int predicted)
{
    if (outcome_.testPaths.empty() || outcome_.testTruth.empty()) {
        emit statusMessage(tr("The images of a cell are shown for the held-out test set, after the run."));
        return;
    }
    auto* g = new ConfusionGallery(outcome_, truth, predicted, this);
    g->setAttribute(Qt::WA_DeleteOnClose);
    connect(g, &ConfusionGallery::openRequested, this,
            [this](const QString& path) { emit openInViewer(path, outcome_.bundlePath); });
    connect(g, &QObject::destroyed, this, [this, g] {
        if (gallery_ == g)
            gallery_ = nullptr;
    });
    gallery_ = g;
    g->show();
}

QWidget* TrainingPage::galleryWindow() const
{
    return gallery_;
}

void TrainingPage::saveForm() const
{
    try {
        train::TrainingJobSpec s = spec();
        s.runDir.clear();
        s.outPath = "model.sinar";
        AppSettings().setTrainingCommand(train::shellJoin(train::trainCommandLine(s)));
    } catch (const Error&) {
    }
}

void TrainingPage::restoreForm()
{
    train::TrainingJobSpec s;
    const QString last = AppSettings().trainingCommand();
    if (!last.isEmpty()) {
        try {
            s = train::trainSpecFromCommandLine(last);
        } catch (const Error&) {
            s = {};
        }
    }
    s.runDir.clear();
    setSpec(s);
    if (!s.dataPath.empty())
        QTimer::singleShot(0, this, &TrainingPage::refreshPlan);
}

} // namespace sinar::ui
