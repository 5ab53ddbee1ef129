#include "ui/heatmap/heatmap_render.h"

#include <QPainter>
#include "dicom/geometry.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace sinar::ui {

namespace {

using dicom::Vec3;

using dicom::cross;
using dicom::dot;

// A QImage wrapped as a cv::Mat without copying (valid while `image` lives).
cv::Mat wrap(const QImage& image)
{
    const int type = image.format() == QImage::Format_RGB888 ? CV_8UC3 : CV_8UC1;
    return cv::Mat(image.height(), image.width(), type, const_cast<uchar*>(image.constBits()),
                   static_cast<size_t>(image.bytesPerLine()));
}

} // namespace

QString colourMapName(explain::ColourMap colours)
{
    switch (colours) {
    case explain::ColourMap::Jet: return QStringLiteral("Jet");
    case explain::ColourMap::Inferno: return QStringLiteral("Inferno");
    case explain::ColourMap::Cividis: return QStringLiteral("Cividis");
    }
    return {};
}

QString methodName(explain::Method method)
{
    return QString::fromStdString(explain::displayName(method));
}

QImage heatMapImage(const cv::Mat& map, explain::ColourMap colours, const cv::Mat& mask)
{
    if (map.empty())
        return {};
    cv::Mat rgba = explain::colouriseRgba(map, colours, 1.0);
    if (!mask.empty() && mask.size() == map.size()) {
        std::vector<cv::Mat> channels;
        cv::split(rgba, channels);
        channels[3].setTo(0, mask == 0);
        cv::merge(channels, rgba);
    }
    QImage out(rgba.cols, rgba.rows, QImage::Format_RGBA8888);
    const size_t rowBytes = static_cast<size_t>(rgba.cols) * 4;
    for (int y = 0; y < rgba.rows; ++y)
        std::copy_n(rgba.ptr<uchar>(y), rowBytes, out.scanLine(y));
    return out;
}

QImage blendHeatMap(const QImage& rendered, const cv::Mat& map, explain::ColourMap colours, double opacity)
{
    if (rendered.isNull() || map.empty() || rendered.width() != map.cols || rendered.height() != map.rows)
        return {};
    QImage base = rendered;
    if (base.format() != QImage::Format_Grayscale8 && base.format() != QImage::Format_RGB888)
        base = base.convertToFormat(QImage::Format_RGB888);
    const cv::Mat blended = explain::overlayMap(wrap(base), map, std::clamp(opacity, 0.0, 1.0), colours);
    QImage out(blended.cols, blended.rows, QImage::Format_RGB888);
    const size_t rowBytes = static_cast<size_t>(blended.cols) * 3;
    for (int y = 0; y < blended.rows; ++y)
        std::copy_n(blended.ptr<uchar>(y), rowBytes, out.scanLine(y));
    return out;
}

QImage withBurntInLegend(const QImage& blended, const QImage& ramp, const QString& caption)
{
    if (blended.isNull() || ramp.isNull())
        return blended;
    // Sizes follow the image, so the legend reads at the exported resolution.
    const int unit = std::max(12, std::min(blended.width(), blended.height()) / 24);
    const int margin = 5 * unit, band = 2 * unit;
    QImage out(blended.width() + margin, blended.height() + band, QImage::Format_RGB888);
    out.fill(QColor(16, 16, 16));
    QPainter p(&out);
    p.drawImage(0, 0, blended);
    QFont f;
    f.setPixelSize(std::max(10, unit * 3 / 4));
    p.setFont(f);
    p.setPen(QColor(236, 226, 160));
    const int barW = unit, barTop = unit, barH = std::max(unit, blended.height() - 2 * unit);
    const QRect bar(blended.width() + unit, barTop, barW, barH);
    QTransform t; // the ramp runs low to high from left to right: turned so high is at the top
    t.translate(bar.left(), bar.bottom() + 1);
    t.rotate(-90);
    t.scale(static_cast<double>(barH) / ramp.width(), static_cast<double>(barW) / ramp.height());
    p.save();
    p.setTransform(t);
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    p.drawImage(QPointF(0, 0), ramp);
    p.restore();
    const int textX = bar.right() + unit / 3;
    p.drawText(QRect(textX, bar.top(), margin, unit), Qt::AlignLeft | Qt::AlignVCenter, QObject::tr("high"));
    p.drawText(QRect(textX, bar.bottom() - unit, margin, unit), Qt::AlignLeft | Qt::AlignVCenter, QObject::tr("low"));
    p.drawText(QRect(unit / 2, blended.height(), out.width() - unit, band), Qt::AlignLeft | Qt::AlignVCenter, caption);
    p.end();
    return out;
}

bool sliceGeometry(const dicom::FrameAttributes& frame, const imaging::Image& image, SliceGeometry& out)
{
    return !image.empty() && sliceGeometry(frame, image.spacingX, image.spacingY, image.width(), image.height(), out);
}

bool sliceGeometry(const dicom::FrameAttributes& frame, double spacingX, double spacingY, int width, int height,
                   SliceGeometry& out)
{
    if (!frame.hasPosition || !frame.hasOrientation || width <= 0 || height <= 0 || spacingX <= 0 || spacingY <= 0)
        return false;
    out.position = frame.position;
    out.rowDirection = frame.rowDirection;
    out.columnDirection = frame.columnDirection;
    out.spacingX = spacingX;
    out.spacingY = spacingY;
    out.width = width;
    out.height = height;
    return true;
}

bool mapOntoPlane(const cv::Mat& sliceMap, const SliceGeometry& slice, const PlaneGeometry& plane, cv::Mat& planeMap,
                  cv::Mat& mask)
{
    planeMap.release();
    mask.release();
    if (sliceMap.empty() || sliceMap.cols != slice.width || sliceMap.rows != slice.height || plane.width <= 0 ||
        plane.height <= 0 || plane.spacing <= 0)
        return false;
    const Vec3 sliceNormal = cross(slice.rowDirection, slice.columnDirection);
    const Vec3 planeNormal = cross(plane.right, plane.down);
    if (std::abs(dot(sliceNormal, planeNormal)) < 1 - 1e-6)
        return false; // another orientation
    const Vec3 offset{plane.point[0] - slice.position[0], plane.point[1] - slice.position[1],
                      plane.point[2] - slice.position[2]};
    if (std::abs(dot(offset, sliceNormal)) > 0.01 * std::min({plane.spacing, slice.spacingX, slice.spacingY}))
        return false; // a parallel plane, not the slice

    // Plane pixel (x, y) lies at  plane.point + (x + u0) s right + (y + v0) s down;
    // slice pixel (i, j) at  position + i sx row + j sy column. In the same
    // plane that is an affine map (x, y) -> (i, j).
    const double s = plane.spacing;
    Vec3 origin; // the plane's pixel (0, 0), relative to the slice's pixel (0, 0)
    for (size_t k = 0; k < 3; ++k)
        origin[k] = offset[k] + plane.u0 * s * plane.right[k] + plane.v0 * s * plane.down[k];
    cv::Matx23d m(s * dot(plane.right, slice.rowDirection) / slice.spacingX,
                  s * dot(plane.down, slice.rowDirection) / slice.spacingX, dot(origin, slice.rowDirection) / slice.spacingX,
                  s * dot(plane.right, slice.columnDirection) / slice.spacingY,
                  s * dot(plane.down, slice.columnDirection) / slice.spacingY,
                  dot(origin, slice.columnDirection) / slice.spacingY);
    const cv::Size size(plane.width, plane.height);
    const bool identity = std::abs(m(0, 0) - 1) < 1e-9 && std::abs(m(0, 1)) < 1e-9 && std::abs(m(0, 2)) < 1e-6 &&
                          std::abs(m(1, 0)) < 1e-9 && std::abs(m(1, 1) - 1) < 1e-9 && std::abs(m(1, 2)) < 1e-6;
    if (identity && size == sliceMap.size()) {
        planeMap = sliceMap.clone();
        mask = cv::Mat(size, CV_8U, cv::Scalar(255));
        return true;
    }
    cv::warpAffine(sliceMap, planeMap, cv::Mat(m), size, cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
    const cv::Mat inside(sliceMap.size(), CV_8U, cv::Scalar(255));
    cv::warpAffine(inside, mask, cv::Mat(m), size, cv::INTER_NEAREST | cv::WARP_INVERSE_MAP, cv::BORDER_CONSTANT, 0);
    return true;
}

} // namespace sinar::ui
