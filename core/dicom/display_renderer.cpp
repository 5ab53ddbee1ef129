#include "dicom/display_renderer.h"

#include <algorithm>
#include <cmath>

#include "imaging/preprocessor.h"

namespace sinar::dicom {

cv::Mat DisplayRenderer::render(const Frame& frame, const InstanceInfo& info, const imaging::WindowPreset* window)
{
    const imaging::Image& img = frame.image;
    if (img.isColor()) {
        const imaging::WindowPreset& w = window ? *window : img.windows.front();
        return imaging::applyWindow(img.pixels, w.center, w.width);
    }
    if (window)
        return imaging::applyWindow(img.pixels, window->center, window->width);

    const bool fileWindow = !frame.attributes.windows.empty();
    if (!fileWindow && !info.voiLuts.empty()) {
        // PS3.3 C.11.2.1.1: the VOI LUT maps modality values to display values.
        // MONOCHROME1 values were mirrored; undo it for the lookup, redo it after.
        const Lut& lut = info.voiLuts.front();
        const double top = std::ldexp(1.0, lut.bits) - 1;
        cv::Mat out(img.pixels.size(), CV_8UC1);
        for (int y = 0; y < img.pixels.rows; ++y) {
            const float* s = img.pixels.ptr<float>(y);
            uchar* d = out.ptr<uchar>(y);
            for (int x = 0; x < img.pixels.cols; ++x) {
                const double v = frame.invertedMonochrome1 ? frame.rangeMin + frame.rangeMax - s[x] : s[x];
                double o = lut.lookup(v) / top * 255.0;
                if (frame.invertedMonochrome1)
                    o = 255.0 - o;
                d[x] = cv::saturate_cast<uchar>(o);
            }
        }
        return out;
    }
    const imaging::WindowPreset& w = img.windows.front();
    if (fileWindow && info.voiFunction == "SIGMOID") {
        // PS3.3 C.11.2.1.3.1
        cv::Mat out(img.pixels.size(), CV_8UC1);
        const double width = std::max(w.width, 1.0);
        for (int y = 0; y < img.pixels.rows; ++y) {
            const float* s = img.pixels.ptr<float>(y);
            uchar* d = out.ptr<uchar>(y);
            for (int x = 0; x < img.pixels.cols; ++x)
                d[x] = cv::saturate_cast<uchar>(255.0 / (1.0 + std::exp(-4.0 * (s[x] - w.center) / width)));
        }
        return out;
    }
    return imaging::applyWindow(img.pixels, w.center, w.width);
}

} // namespace sinar::dicom
