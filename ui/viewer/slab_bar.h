#pragma once
// The MPR layout's slab control: a mode (MIP, MinIP, average) and a thickness
// in mm (0: thin planes), above the panes.
#include <QString>
#include <QWidget>

#include "dicom/mpr.h"

class QComboBox;
class QDoubleSpinBox;

namespace sinar::ui {

class SlabBar : public QWidget {
    Q_OBJECT
public:
    explicit SlabBar(QWidget* parent = nullptr);

    // Shows `thickness` (mm, clamped to the control's range) and `mode`
    // without emitting slabChanged.
    void setSlab(double thickness, dicom::SlabMode mode);
    double thickness() const;
    dicom::SlabMode mode() const;
    // The thickest slab the control offers (mm).
    static constexpr double kMaxThickness = 100;

    // "MIP 10 mm", "MinIP 2.5 mm", "Average 20 mm"; empty for a thin plane.
    static QString describe(double thickness, dicom::SlabMode mode);
    static QString modeTitle(dicom::SlabMode mode);

signals:
    void slabChanged();

private:
    QComboBox* mode_;
    QDoubleSpinBox* thickness_;
};

} // namespace sinar::ui
