#pragma once
// The window/level presets of the viewer: the file's own window, an automatic
// one from the image's histogram, and the usual CT presets (in HU, so only
// offered for CT images whose values are HU).
#include <QString>
#include <vector>

#include "imaging/image.h"

namespace sinar::ui {

struct WindowChoice {
    QString name;
    double center = 0;
    double width = 1;
    bool available = true;
    QString reason; // why it is not available
};

enum class WindowPresetKind { FileDefault = 0, Automatic, Lung, Bone, Brain, SoftTissue };

// All presets in WindowPresetKind order, with availability for this image.
std::vector<WindowChoice> windowPresets(const imaging::Image& image);
WindowChoice windowPreset(const imaging::Image& image, WindowPresetKind kind);

// Window from the 0.5th to the 99.5th percentile of the values.
WindowChoice automaticWindow(const imaging::Image& image);

} // namespace sinar::ui
