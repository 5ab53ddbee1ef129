#include "annotate/roi_statistics.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace sinar::annotate {

namespace {
// Even-odd rule: is (x, y) inside the polygon?
bool insidePolygon(const std::vector<Point>& poly, double x, double y)
{
    bool inside = false;
    for (size_t i = 0, j = poly.size() - 1; i < poly.size(); j = i++) {
        const Point& a = poly[i];
        const Point& b = poly[j];
        if ((a.y > y) != (b.y > y) && x < (b.x - a.x) * (y - a.y) / (b.y - a.y) + a.x)
            inside = !inside;
    }
    return inside;
}
} // namespace

cv::Mat regionMask(const Shape& region, cv::Size size)
{
    cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
    if (!isRegion(region.kind) || !region.complete())
        return mask;
    // Only the rows and columns the shape's bounding box covers.
    double x0 = region.points[0].x, x1 = x0, y0 = region.points[0].y, y1 = y0;
    for (const Point& p : region.points) {
        x0 = std::min(x0, p.x);
        x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y);
        y1 = std::max(y1, p.y);
    }
    const int c0 = std::max(0, static_cast<int>(std::floor(x0 - 0.5)));
    const int c1 = std::min(size.width - 1, static_cast<int>(std::ceil(x1 - 0.5)));
    const int r0 = std::max(0, static_cast<int>(std::floor(y0 - 0.5)));
    const int r1 = std::min(size.height - 1, static_cast<int>(std::ceil(y1 - 0.5)));
    const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const double rx = (x1 - x0) / 2, ry = (y1 - y0) / 2;
    for (int r = r0; r <= r1; ++r) {
        uchar* row = mask.ptr<uchar>(r);
        const double y = r + 0.5;
        for (int c = c0; c <= c1; ++c) {
            const double x = c + 0.5;
            bool in = false;
            switch (region.kind) {
            case ShapeKind::Rectangle:
                in = x >= x0 && x <= x1 && y >= y0 && y <= y1;
                break;
            case ShapeKind::Ellipse:
                in = rx > 0 && ry > 0 && std::pow((x - cx) / rx, 2) + std::pow((y - cy) / ry, 2) <= 1.0;
                break;
            default:
                in = insidePolygon(region.points, x, y);
            }
            if (in)
                row[c] = 255;
        }
    }
    return mask;
}

RoiStatistics roiStatistics(const cv::Mat& pixels, const Shape& region, const Calibration& calibration)
{
    if (pixels.empty() || pixels.type() != CV_32FC1)
        throw Error("ROI statistics need one channel of real values (a grey image)");
    if (!isRegion(region.kind) || !region.complete())
        throw Error("ROI statistics need a complete ellipse, rectangle or freehand region, not a " + kindName(region.kind));
    RoiStatistics s;
    s.area = areaOf(region, calibration);
    const cv::Mat mask = regionMask(region, pixels.size());
    double sum = 0;
    bool first = true;
    for (int r = 0; r < pixels.rows; ++r) {
        const float* v = pixels.ptr<float>(r);
        const uchar* m = mask.ptr<uchar>(r);
        for (int c = 0; c < pixels.cols; ++c) {
            if (!m[c])
                continue;
            const double x = v[c];
            sum += x;
            s.min = first ? x : std::min(s.min, x);
            s.max = first ? x : std::max(s.max, x);
            first = false;
            ++s.pixelCount;
        }
    }
    if (s.pixelCount > 0) {
        s.mean = sum / static_cast<double>(s.pixelCount);
        // Second pass for the deviation: no cancellation on large HU offsets.
        double dev = 0;
        for (int r = 0; r < pixels.rows; ++r) {
            const float* v = pixels.ptr<float>(r);
            const uchar* m = mask.ptr<uchar>(r);
            for (int c = 0; c < pixels.cols; ++c)
                if (m[c])
                    dev += (v[c] - s.mean) * (v[c] - s.mean);
        }
        s.sd = std::sqrt(dev / static_cast<double>(s.pixelCount));
    }
    return s;
}

} // namespace sinar::annotate
