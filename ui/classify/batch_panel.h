#pragma once
// Batch classification of a whole series or folder into a results table
// (file, class, probabilities, quality flags, scope and out-of-distribution
// verdict), exportable to CSV. Runs in the background, on a thread of its
// own (RowJob), with progress and Cancel, which is never waited for: a file
// stuck inside a library call is left behind with its thread. A file that
// cannot be read gets its row with the reason and the batch goes on.
#include <QJsonObject>
#include <QWidget>
#include <memory>
#include <vector>

#include "trust/scope.h"
#include "ui/viewer/image_stack.h"
#include "ui/classify/model_handle.h"
#include "ui/widgets/background_job.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;

namespace sinar::ui {

struct BatchRow {
    QString file;
    int frame = 0;
    int frameCount = 1;
    int best = -1;
    std::vector<float> probabilities;
    unsigned qualityFlags = 0;
    // Whether the probabilities are a result: the image's DICOM facts against
    // the model's scope, and the out-of-distribution check.
    trust::ScopeFit scopeFit = trust::ScopeFit::NoScope;
    QString scopeReason;     // the first reason when outside the scope
    bool oodChecked = false;
    double oodScore = 0, oodThreshold = 0;
    QString error;

    bool unlikeTraining() const { return oodChecked && oodScore > oodThreshold; }
    bool notAResult() const { return error.isEmpty() && (scopeFit == trust::ScopeFit::Outside || unlikeTraining()); }
    // "ok", "outside scope: …", "unlike training images", "not checked".
    QString trustText() const;
};

class BatchPanel : public QWidget {
    Q_OBJECT
public:
    explicit BatchPanel(QWidget* parent = nullptr);
    ~BatchPanel() override;

    // Classifies `items` with `model`; a batch still running is cancelled first.
    void start(const std::vector<StackItem>& items, std::shared_ptr<const ModelHandle> model, const QString& title);
    void cancel();
    bool running() const;

    const std::vector<BatchRow>& rows() const { return rows_; }
    // The class each row's folder names (-1: its folder names no class), for
    // batches of class folders such as Training/glioma.
    const std::vector<int>& folderLabels() const { return labels_; }
    // With folder labels: "Folder names give the class of 40 of 40 images:
    // accuracy 0.925 (37 of 40 that are results)…"; empty without labels.
    QString summaryText() const;
    // The confusion matrix of the labelled rows that are results ([truth][predicted]); empty without labels.
    const std::vector<std::vector<long>>& confusion() const { return confusion_; }
    // A warning when the batch's images look like part of the model's own
    // training data (the bundle's data source); empty otherwise.
    QString trainingDataWarning() const { return trainingWarning_; }
    // The warning for images at `paths` and a bundle whose data summary is `data` (nn::BundleInfo::data).
    static QString trainingDataWarning(const QJsonObject& data, const QStringList& paths);
    QStringList classNames() const { return classNames_; }
    // The table as CSV: file,frame,class,probability,p_<class>...,quality,in_scope,ood_score,
    // in_distribution,error,folder_label (the class the folder names; empty when it names none).
    QString toCsv() const;
    // Writes toCsv() atomically; false (and a message) when it cannot.
    bool writeCsv(const QString& path, QString* error = nullptr) const;

    // The work of one item, on the calling thread (the batch runs this per file).
    static BatchRow classifyItem(const StackItem& item, const ModelHandle& model);

signals:
    void finished(int classified, int failed);
    void openRequested(const QString& path, int frame);

private:
    void onFinished(bool cancelled);
    void exportCsv();
    void appendRow(const BatchRow& row);
    void updateSummary();

    RowJob<BatchRow> job_;
    std::vector<BatchRow> rows_;
    QStringList classNames_;
    QLabel* title_;
    QProgressBar* progress_;
    QPushButton* cancelButton_;
    QPushButton* exportButton_;
    QTableWidget* table_;
    QLabel* summary_;          // accuracy from folder labels, and the training-data warning
    QTableWidget* confusionTable_;
    std::vector<int> labels_;
    std::vector<std::vector<long>> confusion_;
    QString trainingWarning_;
};

} // namespace sinar::ui
