#pragma once
// The classification panel: model chooser (shipped bundles and a file
// picker), the result as class-probability bars, quality warnings, the
// recipe used and the time taken, auto-run and a busy indicator, and the heat
// map controls. Models load and images are classified (and explained) in the
// background.
#include <QWidget>
#include <memory>
#include <optional>

#include "imaging/image.h"
#include "trust/scope.h"
#include "ui/classify/classifier.h"
#include "ui/widgets/latest_runner.h"
#include "ui/classify/model_handle.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;

class QToolButton;

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
    // The panel may later switch to a library model whose scope fits the shown
    // image better (see chooseModel).
    void loadModel(const QString& path);
    // The same for a model the user chose by hand: the panel keeps it (no
    // automatic switch; a fitting model is only offered) until the user
    // chooses another. The chooser and "Other model file…" use this.
    void chooseModel(const QString& path);
    bool modelChosenByHand() const { return !pinned_.isEmpty(); }
    std::shared_ptr<const ModelHandle> model() const { return classifier_->model(); }
    bool modelLoading() const { return modelRunner_.busy(); }

    // The image on screen changed: classified at once when auto-run is on.
    void setImage(const imaging::Image& image);
    // The same with the image's DICOM attributes (ImageFacts::fromDicom of
    // the viewer's InstanceInfo), checked against the model's scope. Without
    // them the classification job reads the header of the image's source file.
    void setImage(const imaging::Image& image, const trust::ImageFacts& facts);
    void clearImage();
    // Classifies the current image now.
    void classifyNow();

    void setAutoRun(bool on);
    bool autoRun() const;
    bool busy() const { return classifier_->busy() || modelRunner_.busy(); }

    Classifier* classifier() const { return classifier_; }
    const Classification& lastResult() const { return last_; }
    // The predicted class shown as the result; empty without one (and for an image outside the model's scope).
    QString shownClass() const;
    const ProbabilityBars* bars() const { return bars_; }
    HeatMapControls* heatMapControls() const { return heat_; }
    QString qualityText() const;
    QString modelCardText() const;
    // "Outside this model's scope: …" (or the scope line shown); empty when hidden.
    QString scopeText() const;
    // True when the shown probabilities are marked "not a result" (the image is outside the model's scope).
    bool resultMarkedNotAResult() const;
    // Where the classified image is on screen ("Image 7 of 20, on the axial pane"). With
    // onScreen false no pane shows it: the text says so in a warning and the result is
    // hidden, never shown beside a slice it does not belong to. Empty text: no line.
    void setResultPlacement(const QString& text, bool onScreen);
    QString resultPlacement() const;
    bool resultOnScreen() const { return resultOnScreen_; }
    // The library model offered for the image (a hand-chosen model is kept); empty: none.
    QString offeredModel() const { return offered_; }

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
    void startLoad(const QString& path);
    void showScope(const Classification& c);
    void setImage(const imaging::Image& image, const std::optional<trust::ImageFacts>& facts);
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
    QToolButton* detailsToggle_;  // folds the recipe and the card away
    QLabel* placement_;           // where the classified image is on screen (MPR)
    bool resultOnScreen_ = true;
    QLabel* scope_;     // above the bars: "Outside this model's scope: …"
    QLabel* notResult_; // "Not a result" over greyed bars
    std::optional<trust::ImageFacts> facts_;
    QString pinned_;    // the model the user chose by hand (kept: no automatic switch)
    QString offered_;   // a library model that fits the shown image
    QString autoSwitchedFrom_; // the model an automatic switch replaced (for the message)
    QString lastAutoSource_;   // the image that caused the last automatic switch (no switching back and forth)
    QCheckBox* autoRun_;
    QPushButton* classifyButton_;
    QProgressBar* busyBar_;
    bool updatingCombo_ = false;
};

} // namespace sinar::ui
