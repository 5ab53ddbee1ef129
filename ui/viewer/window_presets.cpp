#include "ui/viewer/window_presets.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>

#include "ui/viewer/image_render.h"

namespace sinar::ui {

WindowChoice automaticWindow(const imaging::Image& image)
{
    WindowChoice w{QStringLiteral("Automatic (0.5-99.5 %)"), 0, 1, true, {}};
    if (image.empty())
        return w;
    cv::Mat values = image.pixels.reshape(1);
    // Sample at most ~65k values: enough for percentiles, fast for a 4k radiograph.
    const size_t total = values.total();
    const size_t step = std::max<size_t>(1, total / 65536);
    std::vector<float> sample;
    sample.reserve(total / step + 1);
    cv::Mat flat = values.isContinuous() ? values.reshape(1, 1) : values.clone().reshape(1, 1);
    const float* p = flat.ptr<float>(0);
    for (size_t i = 0; i < total; i += step)
        sample.push_back(p[i]);
    auto at = [&](double f) {
        const size_t k = std::min(sample.size() - 1, static_cast<size_t>(f * (sample.size() - 1)));
        std::nth_element(sample.begin(), sample.begin() + static_cast<long>(k), sample.end());
        return static_cast<double>(sample[k]);
    };
    const double lo = at(0.005), hi = at(0.995);
    w.center = (lo + hi) / 2.0;
    w.width = std::max(hi - lo, 1.0);
    return w;
}

std::vector<WindowChoice> windowPresets(const imaging::Image& image)
{
    const imaging::WindowPreset own = defaultWindow(image);
    const bool ct = image.modality == "CT";
    const QString notCt = QStringLiteral("CT presets are in Hounsfield units; this image is %1")
                              .arg(QString::fromStdString(image.modality));
    auto ctPreset = [&](const char* name, double c, double w) {
        return WindowChoice{QString::fromLatin1(name), c, w, ct, ct ? QString() : notCt};
    };
    QString ownName = QStringLiteral("File's own");
    if (!own.name.empty())
        ownName += QStringLiteral(" (%1)").arg(QString::fromStdString(own.name));
    return {
        WindowChoice{ownName, own.center, own.width, true, {}},
        automaticWindow(image),
        ctPreset("Lung", -600, 1500),
        ctPreset("Bone", 400, 1800),
        ctPreset("Brain", 40, 80),
        ctPreset("Soft tissue", 50, 400),
    };
}

WindowChoice windowPreset(const imaging::Image& image, WindowPresetKind kind)
{
    return windowPresets(image).at(static_cast<size_t>(kind));
}

} // namespace sinar::ui
