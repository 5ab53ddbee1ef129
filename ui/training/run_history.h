#pragma once
// Earlier training runs: every run folder under the runs folder (and any
// folder added), with its state (finished, or stopped after epoch N and
// continuable), epochs, best validation loss and held-out test metrics. Two
// or more selected runs are compared: their epoch curves overlaid in one plot
// and their metrics side by side in the table.
#include <QStringList>
#include <QWidget>
#include <vector>

class QLabel;
class QPushButton;
class QTableWidget;

namespace sinar::ui {

class CurvePlot;

struct RunSummary {
    QString dir;
    QString name;
    QString state;          // "finished", "stopped after epoch 3", ...
    bool continuable = false;
    int epochs = 0;
    int bestEpoch = 0;
    double bestValLoss = -1;
    double accuracy = -1, macroF1 = -1, rocAuc = -1;
    long testImages = 0;
    QString modified;
    std::vector<double> epoch, trainLoss, valLoss, valAccuracy;
};

// Reads a run folder (history.csv, test_metrics.json, checkpoint, command).
// False when it is not a run folder.
bool readRunSummary(const QString& dir, RunSummary& out);

class RunHistory : public QWidget {
    Q_OBJECT
public:
    explicit RunHistory(QWidget* parent = nullptr);

    // Re-reads the runs folder and the added folders.
    void refresh();
    void addFolder(const QString& runDir);
    const std::vector<RunSummary>& runs() const { return runs_; }
    QTableWidget* table() const { return table_; }
    CurvePlot* comparison() const { return plot_; }
    // Overlays the selected runs (rows) in the plot.
    void compare(const std::vector<int>& rows);

signals:
    void continueRequested(const QString& runDir);

private:
    QStringList extra_;
    std::vector<RunSummary> runs_;
    QLabel* folderLabel_;
    QTableWidget* table_;
    CurvePlot* plot_;
    QPushButton* continueButton_;
    QPushButton* reportButton_;
};

} // namespace sinar::ui
