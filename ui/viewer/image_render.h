#pragma once
// Turning real-valued images into what the screen shows.
#include <QImage>

#include "imaging/image.h"

namespace sinar::ui {

// Maps the image through a linear window (DICOM PS3.3 C.11.2.1.2) to 8 bits:
// QImage::Format_Grayscale8 for grey images, Format_RGB888 for colour ones.
QImage renderImage(const imaging::Image& image, double center, double width, bool invert = false);

// The image in its own default window (its first preset, else min-max),
// scaled to fit a square of `size` pixels.
QImage makeThumbnail(const imaging::Image& image, int size);

// The window the image asks for: its first preset, else its min-max range.
imaging::WindowPreset defaultWindow(const imaging::Image& image);

} // namespace sinar::ui
