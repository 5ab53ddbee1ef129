#pragma once
// The "Heat map" group of the classification panel: overlay on/off, method
// (Grad-CAM, Grad-CAM++, Score-CAM, Occlusion; those the model cannot do are
// disabled), the class explained (the predicted one by default), colour map,
// opacity, side-by-side view and PNG export, with the time the map took or
// why it could not be computed. The widget only holds choices; the panel and
// the main window act on its signals.
#include <QGroupBox>
#include <memory>

#include "explain/colour_map.h"
#include "explain/explain.h"
#include "ui/classify/classifier.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace sinar::ui {

class ModelHandle;

class HeatMapControls : public QGroupBox {
    Q_OBJECT
public:
    explicit HeatMapControls(QWidget* parent = nullptr);

    // Fills the class list and enables the methods `model` supports (null: none).
    void setModel(const std::shared_ptr<const ModelHandle>& model);
    // Names the predicted class in the first entry: "Predicted class (glioma)".
    void setPredictedClass(const QString& name);
    // What the shown result says about its map: its method, class and time,
    // or why it failed. A result without a map request clears the status.
    void showResult(const Classification& c);
    void clearResult();
    // A note under the status (e.g. where MPR draws the map); empty hides it.
    void setNote(const QString& text);
    void setExportEnabled(bool on);

    bool overlayOn() const;
    void setOverlayOn(bool on);
    explain::Method method() const;
    void setMethod(explain::Method method);
    // The layer of the CAM methods: empty for the model's default (its last block).
    QString layer() const;
    void setLayer(const QString& layer);
    QStringList layerEntries() const;
    int classIndex() const; // -1: the predicted class
    void setClassIndex(int index);
    explain::ColourMap colours() const;
    void setColours(explain::ColourMap colours);
    double opacity() const; // 0..1
    void setOpacity(double opacity);
    bool sideBySide() const;
    void setSideBySide(bool on);
    // What the classification job must compute for these choices.
    HeatMapRequest request() const;

    QString statusText() const;
    QString errorText() const; // empty when the last map was computed
    QString noteText() const;
    QStringList classEntries() const;
    bool methodEnabled(explain::Method method) const;

signals:
    // Overlay on/off, method or class changed: the map has to be recomputed (or dropped).
    void requestChanged();
    // Colour map or opacity changed: redraw from the map in hand.
    void appearanceChanged();
    void sideBySideChanged(bool on);
    void exportRequested();

private:
    QCheckBox* overlay_;
    QComboBox* method_;
    QComboBox* layer_;
    QComboBox* class_;
    QComboBox* colours_;
    QSlider* opacity_;
    QLabel* opacityValue_;
    QCheckBox* sideBySide_;
    QPushButton* export_;
    QLabel* status_;
    QLabel* error_;
    QLabel* note_;
};

} // namespace sinar::ui
