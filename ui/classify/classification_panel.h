#pragma once
// The classification panel: model chooser (shipped bundles and a file
// picker), the result as class-probability bars, quality warnings, the
// recipe used and the time taken, auto-run and a busy indicator, and the heat
// map controls. Models load and images are classified (and explained) in the
// background.
#include <QWidget>
#include <memory>

#include "imaging/image.h"
#include "ui/classify/classifier.h"
#include "ui/widgets/latest_runner.h"
#include "ui/classify/model_handle.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

namespace sinar::ui {

class HeatMapControls;
class ProbabilityBars;

class ClassificationPanel : public QWidget {
    Q_OBJECT
public:
    explicit ClassificationPanel(QWidget* parent = nullptr);

    // Fills the chooser with the bundles ModelCatalog finds (plus `extra`).
    void refreshModelList(const QStringList& extra = {});
    // Loads a bundle in the background; modelChanged or modelFailed follows.
    void loadModel(const QString& path);
    std::shared_ptr<const ModelHandle> model() const { return classifier_->model(); }
    bool modelLoading() const { return modelRunner_.busy(); }

    // The image on screen changed: classified at once when auto-run is on.
    void setImage(const imaging::Image& image);
    void clearImage();
    // Classifies the current image now.
    void classifyNow();

    void setAutoRun(bool on);
    bool autoRun() const;
    bool busy() const { return classifier_->busy() || modelRunner_.busy(); }

    Classifier* classifier() const { return classifier_; }
    const Classification& lastResult() const { return last_; }
    QString shownClass() const;
    const ProbabilityBars* bars() const { return bars_; }
    HeatMapControls* heatMapControls() const { return heat_; }
    QString qualityText() const;
    QString modelCardText() const;

signals:
    void modelChanged(const QString& path);
    void modelFailed(const QString& path, const QString& message);
    void resultShown(const sinar::ui::Classification& result);
    void autoRunChanged(bool on);
    void busyChanged(bool busy);

private:
    struct ModelLoad {
        QString path;
        std::shared_ptr<const ModelHandle> model;
        QString error;
    };
    void onModelLoaded(ModelLoad load);
    void onResult(const Classification& c);
    void chooseModelFile();
    void updateBusy();
    void showModelInfo();
    void onHeatMapRequestChanged();

    Classifier* classifier_;
    LatestRunner<ModelLoad> modelRunner_;
    imaging::Image image_;
    Classification last_;

    QComboBox* modelCombo_;
    QLabel* modelStatus_;
    QLabel* prediction_;
    ProbabilityBars* bars_;
    HeatMapControls* heat_;
    QLabel* quality_;
    QLabel* timing_;
    QLabel* recipe_;
    QLabel* card_;
    QCheckBox* autoRun_;
    QPushButton* classifyButton_;
    QProgressBar* busyBar_;
    bool updatingCombo_ = false;
};

} // namespace sinar::ui
