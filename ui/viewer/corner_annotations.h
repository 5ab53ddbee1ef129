#pragma once
// What the image view's corners say about the shown image: patient (name,
// ID, birth date, sex) top left and study, modality and series top right for
// DICOM (file name and folders otherwise; with the series' gantry tilt,
// irregular spacing or missing slices and what the MPR does about them, when
// there are any), and position in the series,
// frame, size, spacing, thickness and slice position bottom left; the
// orientation markers from ImageOrientationPatient.
#include <QCoreApplication>

#include "ui/viewer/image_stack.h"
#include "ui/viewer/image_view.h"

namespace sinar::ui {

class CornerAnnotations {
    Q_DECLARE_TR_FUNCTIONS(sinar::ui::CornerAnnotations)
public:
    // The annotations of image `index` of `stack`, loaded as `image`.
    static ImageView::Annotations of(const ImageStack& stack, int index, const LoadedImage& image);
};

} // namespace sinar::ui
