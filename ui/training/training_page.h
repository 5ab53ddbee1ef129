#pragma once
// The Training tab: choose a data set (class folders, CSV list, MedMNIST .npz,
// labelled DICOM folders), see its classes and split, set the whole
// `sinar-cli train` recipe in a form, run it on a worker thread with start /
// pause / stop / continue, watch live curves, the validation confusion
// matrix, per-class metrics and ROC curves; afterwards the held-out test
// results, a gallery per confusion cell, the HTML/PDF report and the history
// of earlier runs. The run folder is exactly what `sinar-cli train
// --run-dir` writes, plus model.sinar, report.html and report.pdf.
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QImage>
#include <QWidget>
#include <memory>
#include <vector>

#include "common/cancel_token.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "train/training_job.h"
#include "ui/training/run_report.h"
#include "ui/training/training_worker.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableWidget;

namespace sinar::ui {

class ClassMetricsTable;
class ConfusionMatrixView;
class CrossValidationPlot;
class CurvePlot;
class RocPlot;
class RunHistory;
class StudyPanel;

class TrainingPage : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPage(QWidget* parent = nullptr);
    ~TrainingPage() override;

    // The data set to train on; its classes, split and previews load in the background.
    void setDataPath(const QString& path);
    QString dataPath() const;
    // The run folder (default: a new folder under the runs root).
    void setRunDir(const QString& dir);
    QString runDir() const;

    // The form <-> a training spec (data, bundle and run folder included).
    void setSpec(const train::TrainingJobSpec& spec);
    train::TrainingJobSpec spec() const;
    // `sinar-cli train ...` for the form as it is.
    QString commandLine() const;

    // Starts a new run (continue = resume the run folder's checkpoint). On bad
    // input returns false and shows why in the tab (also in lastError()).
    bool startRun();
    bool continueRun();
    void stopRun();
    void pauseRun();
    void resumeRun();
    bool running() const;
    bool paused() const;
    QString lastError() const { return lastError_; }
    // True while the data set summary or a preview is being prepared.
    bool planning() const;

    // For tests and screenshots.
    TrainingWorker* worker() const { return worker_; }
    CurvePlot* curves() const { return curves_; }
    CrossValidationPlot* crossValidation() const { return crossValidation_; }
    ConfusionMatrixView* confusion() const { return confusion_; }
    RocPlot* roc() const { return roc_; }
    ClassMetricsTable* metricsTable() const { return metrics_; }
    RunHistory* history() const { return history_; }
    StudyPanel* study() const { return study_; }
    QTabWidget* resultTabs() const { return tabs_; }
    QTableWidget* splitTable() const { return splitTable_; }
    int validationCount() const { return validationCount_; }
    const TrainingOutcome& lastOutcome() const { return outcome_; }
    // Opens the gallery of the held-out test images of one confusion cell.
    void showCell(int truth, int predicted);
    QWidget* galleryWindow() const;

    // The report of the last finished run into its run folder (also done
    // automatically when a run finishes).
    bool writeReport(QString* error = nullptr);

signals:
    void runStarted();
    // The trainer has stopped (finished, stopped or failed); the results and
    // the report follow, then runFinished.
    void trainingEnded();
    void runFinished(bool ok, const QString& bundlePath);
    // A trained bundle was added to the model library.
    void modelAdded(const QString& path);
    // The gallery asks the viewer to open an image with this model's heat map.
    void openInViewer(const QString& path, const QString& modelPath);
    void statusMessage(const QString& text);

private:
    void buildUi();
    QWidget* buildForm();
    void applyPreset(int index);
    void refreshPlan();
    void refreshAugmentPreview();
    void updateButtons();
    void showError(const QString& text);
    void log(const QString& text);
    bool launch(train::TrainingJobSpec spec);
    void onBatch(const train::BatchEvent& e);
    void onEpoch(const train::EpochEvent& e);
    void onValidation(const train::ValidationEvent& e);
    void onFinished(const TrainingOutcome& outcome);
    void showReport(const eval::Report& report, const std::vector<int>& truth,
                    const std::vector<std::vector<float>>& probabilities, const QString& title);
    void addToLibrary();
    ReportInput reportInput() const;
    void exportNextPlot(int step);
    void reportDone(const QString& error);
    void saveForm() const;
    void restoreForm();
    QString newRunDir() const;

    TrainingWorker* worker_;
    QString lastError_;
    TrainingOutcome outcome_;
    int validationCount_ = 0;
    QElapsedTimer statusClock_; // throttles the per-batch progress text
    std::vector<std::string> classNames_;

    // Top bar.
    QLineEdit* dataEdit_;
    QLineEdit* runEdit_;
    QComboBox* preset_;
    QPushButton* startButton_;
    QPushButton* pauseButton_;
    QPushButton* stopButton_;
    QPushButton* continueButton_;
    QPushButton* copyButton_;
    QPushButton* reportButton_;
    QLabel* errorLabel_;
    QProgressBar* progress_;
    QLabel* status_;

    // The recipe form.
    QWidget* form_;
    QComboBox* architecture_;
    QLineEdit* filters_;
    QSpinBox* kernel_;
    QSpinBox* convs_;
    QSpinBox* stemStride_;
    QCheckBox* batchNorm_;
    QDoubleSpinBox* dropout_;
    QSpinBox* fcHidden_;
    QLineEdit* pretrained_;
    QDoubleSpinBox* backboneLr_;
    QSpinBox* freezeBackbone_;
    QComboBox* features_;
    QSpinBox* epochs_;
    QSpinBox* batchSize_;
    QComboBox* optimizer_;
    QDoubleSpinBox* lr_;
    QDoubleSpinBox* momentum_;
    QDoubleSpinBox* weightDecay_;
    QComboBox* schedule_;
    QSpinBox* warmup_;
    QSpinBox* patience_;
    QCheckBox* classWeights_;
    QDoubleSpinBox* labelSmoothing_;
    QSpinBox* preciseBn_;
    QDoubleSpinBox* maxMinutes_;
    QSpinBox* seed_;
    QDoubleSpinBox* testFraction_;
    QDoubleSpinBox* valFraction_;
    QComboBox* splitMethod_;
    QCheckBox* groupDuplicates_;
    QCheckBox* groupByPatient_;
    QComboBox* pathMode_;
    QLineEdit* npzClassNames_;
    QSpinBox* size_;
    QSpinBox* channels_;
    QCheckBox* keepAspect_;
    QComboBox* normalise_;
    QCheckBox* clahe_;
    QComboBox* denoise_;
    QCheckBox* augment_;
    QDoubleSpinBox* rotate_;
    QDoubleSpinBox* scale_;
    QDoubleSpinBox* translate_;
    QCheckBox* hflip_;
    QCheckBox* vflip_;
    QDoubleSpinBox* brightness_;
    QDoubleSpinBox* contrast_;
    QDoubleSpinBox* noise_;
    QDoubleSpinBox* blur_;
    QDoubleSpinBox* curve_;
    QDoubleSpinBox* invert_;
    QListWidget* augmentPreview_;
    // Settings the form does not show, carried from setSpec to spec().
    train::TrainingJobSpec hidden_;

    // Results.
    QTabWidget* tabs_;
    QSplitter* runPage_;
    CurvePlot* curves_;
    CrossValidationPlot* crossValidation_; // in the curves' place for a classical baseline
    QStackedWidget* curveStack_;
    ConfusionMatrixView* confusion_;
    QLabel* confusionTitle_;
    ClassMetricsTable* metrics_;
    RocPlot* roc_;
    QPlainTextEdit* log_;
    RunHistory* history_;
    StudyPanel* study_;
    QLabel* planSummary_;
    QTableWidget* splitTable_;
    QListWidget* warnings_;
    QListWidget* previews_;
    QWidget* gallery_ = nullptr;

    struct PlanResult;
    QFutureWatcher<std::shared_ptr<PlanResult>>* planWatcher_;
    std::shared_ptr<CancelToken> planCancel_;
    bool planAgain_ = false;
    bool planPending_ = false; // a plan is being made or its result not shown yet
    bool checkTwins_ = false; // the plan decodes every image to find near-duplicates
    struct AugmentPreview;
    QFutureWatcher<std::shared_ptr<AugmentPreview>>* augmentWatcher_;
    QFutureWatcher<QString>* reportWatcher_;
    std::shared_ptr<const data::Dataset> planDataset_; // the last plan's data set, for the augmentation preview
    bool augmentAgain_ = false;
    ReportInput reportInput_;
    bool finishing_ = false; // the report is being written
};

} // namespace sinar::ui
