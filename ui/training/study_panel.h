#pragma once
// The Training tab's "Study" page: the study's comparisons on the data set
// and split of the form, as `sinar-cli compare` and `sinar-cli ablate` run
// them -- choose methods (standard CNN, transfer learning, SVM and k-NN on raw
// pixels or HOG, other networks) or the preprocessing ablation, run them on a
// worker thread with progress and stop, and read the table, a bar chart of
// accuracy and macro F1 per row, and the error analysis by image quality of
// the selected row. A table written by the CLI (compare.json) opens here too.
#include <QFutureWatcher>
#include <QJsonObject>
#include <QWidget>
#include <functional>
#include <memory>

#include "common/cancel_token.h"
#include "train/training_job.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace sinar::ui {

class StudyPanel : public QWidget {
    Q_OBJECT
public:
    explicit StudyPanel(QWidget* parent = nullptr);
    ~StudyPanel() override;

    // The base of every row: the Training tab's form (data, split, training options).
    void setSpecProvider(std::function<train::TrainingJobSpec()> provider) { specProvider_ = std::move(provider); }
    // Where study folders go (a new "study-<time>" folder per run).
    void setOutputRoot(std::function<QString()> root) { outputRoot_ = std::move(root); }

    // Runs a comparison of `methods` (compare's names; empty: the ticked ones)
    // or the ablation. False with the reason in lastError() on bad input.
    bool startComparison(const QStringList& methods = {});
    bool startAblation();
    void stop();
    bool running() const;
    QString lastError() const { return lastError_; }

    // Shows a table written by `sinar-cli compare/ablate --json` or by this panel.
    bool showTable(const QJsonObject& study, QString* error = nullptr);
    bool openTable(const QString& jsonPath, QString* error = nullptr);
    const QJsonObject& table() const { return study_; }
    QString tablePath() const { return tablePath_; }

    QTableWidget* resultsTable() const { return table_; }
    QTableWidget* qualityTable() const { return quality_; }
    QCustomPlot* chart() const { return chart_; }

signals:
    void finished(bool ok, const QString& tablePath);
    void statusMessage(const QString& text);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct Outcome;
    bool launch(bool ablate, const QStringList& methods);
    void onDone();
    void showQualityOf(int row);
    void applyTheme();
    void setError(const QString& text);

    std::function<train::TrainingJobSpec()> specProvider_;
    std::function<QString()> outputRoot_;
    CancelToken cancel_;
    QFutureWatcher<std::shared_ptr<Outcome>>* watcher_;
    QJsonObject study_;
    QString tablePath_, lastError_;

    std::vector<std::pair<QString, QCheckBox*>> methodBoxes_;
    QPushButton* compareButton_;
    QPushButton* ablateButton_;
    QPushButton* stopButton_;
    QPushButton* openButton_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* error_;
    QTableWidget* table_;
    QTableWidget* quality_;
    QCustomPlot* chart_;
};

} // namespace sinar::ui
