#pragma once
// Orientation markers: the patient directions (R/L, A/P, S/I in DICOM's LPS
// patient system) at the middle of each edge of a view, from the patient
// directions of the image's rows and columns (ImageOrientationPatient, or an
// MPR plane's axes), following the view's rotation and flips.
#include <QString>
#include <QTransform>
#include <array>

class QPainter;
class QRect;

namespace sinar::ui {

using PatientDirection = std::array<double, 3>;

// The letters of a patient direction, strongest first: "L" for +x, "R" for -x,
// "P"/"A" for +y/-y, "S"/"I" for +z/-z; an oblique direction has a second (and
// third) letter for each component of at least 0.25 of its length ("LA"). Empty for
// a zero vector.
QString orientationLetters(const PatientDirection& d);

struct OrientationMarkers {
    QString left, right, top, bottom;
};

// The markers of a view whose image maps to the widget by `imageToWidget`,
// where image +x (increasing column) points along `imageRight` in the patient
// and image +y (increasing row) along `imageDown`.
OrientationMarkers orientationMarkers(const QTransform& imageToWidget, const PatientDirection& imageRight,
                                      const PatientDirection& imageDown);

// Draws them at the middle of each edge of `area`.
void drawOrientationMarkers(QPainter& p, const QRect& area, const OrientationMarkers& m);

} // namespace sinar::ui
