#include "ui/viewer/image_render.h"

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/preprocessor.h"

namespace sinar::ui {

imaging::WindowPreset defaultWindow(const imaging::Image& image)
{
    if (!image.windows.empty())
        return image.windows.front();
    double lo = 0, hi = 0;
    if (!image.empty())
        cv::minMaxLoc(image.pixels.reshape(1), &lo, &hi);
    if (hi <= lo)
        hi = lo + 1;
    return {"min-max", (lo + hi) / 2.0, hi - lo};
}

QImage renderImage(const imaging::Image& image, double center, double width, bool invert)
{
    if (image.empty())
        return {};
    cv::Mat m = imaging::applyWindow(image.pixels, center, std::max(width, 1e-6));
    if (invert)
        cv::bitwise_not(m, m);
    const QImage::Format format = m.channels() == 3 ? QImage::Format_RGB888 : QImage::Format_Grayscale8;
    QImage out(m.cols, m.rows, format);
    const size_t rowBytes = static_cast<size_t>(m.cols) * m.channels();
    for (int y = 0; y < m.rows; ++y)
        std::copy_n(m.ptr<uchar>(y), rowBytes, out.scanLine(y));
    return out;
}

QImage makeThumbnail(const imaging::Image& image, int size)
{
    if (image.empty())
        return {};
    const imaging::WindowPreset w = defaultWindow(image);
    imaging::Image small = image;
    const double s = std::min(1.0, double(size) / std::max(image.width(), image.height()));
    if (s < 1.0)
        cv::resize(image.pixels, small.pixels, cv::Size(), s, s, cv::INTER_AREA);
    return renderImage(small, w.center, w.width);
}

} // namespace sinar::ui
