#include "annotate/shape.h"

#include <cmath>
#include <cstdio>

namespace sinar::annotate {

namespace {
constexpr double kPi = 3.14159265358979323846;

// Millimetres (or pixels) along x and y between two points.
double physicalDistance(const Point& a, const Point& b, const Calibration& c)
{
    return std::hypot((b.x - a.x) * c.columnSpacing, (b.y - a.y) * c.rowSpacing);
}

std::string number(double v)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.4g", v);
    return b;
}
} // namespace

int pointCount(ShapeKind kind)
{
    switch (kind) {
    case ShapeKind::Ruler:
    case ShapeKind::Ellipse:
    case ShapeKind::Rectangle:
    case ShapeKind::Arrow:
        return 2;
    case ShapeKind::Angle:
        return 3;
    case ShapeKind::Text:
        return 1;
    case ShapeKind::Freehand:
        return 0;
    }
    return 0;
}

std::string kindName(ShapeKind kind)
{
    switch (kind) {
    case ShapeKind::Ruler: return "ruler";
    case ShapeKind::Angle: return "angle";
    case ShapeKind::Ellipse: return "ellipse";
    case ShapeKind::Rectangle: return "rectangle";
    case ShapeKind::Freehand: return "freehand";
    case ShapeKind::Arrow: return "arrow";
    case ShapeKind::Text: return "text";
    }
    return "shape";
}

bool isRegion(ShapeKind kind)
{
    return kind == ShapeKind::Ellipse || kind == ShapeKind::Rectangle || kind == ShapeKind::Freehand;
}

bool Shape::complete() const
{
    const int n = pointCount(kind);
    return n == 0 ? points.size() >= 3 : points.size() == static_cast<size_t>(n);
}

Calibration Calibration::of(const dicom::InstanceInfo& info)
{
    Calibration c;
    c.modality = info.modality;
    if (info.hasPixelSpacing && info.rowSpacing > 0 && info.columnSpacing > 0) {
        c.hasSpacing = true;
        c.rowSpacing = info.rowSpacing;
        c.columnSpacing = info.columnSpacing;
        c.source = info.spacingSource;
    }
    return c;
}

std::string Calibration::lengthUnit() const
{
    return hasSpacing ? "mm" : "px";
}

std::string Calibration::description() const
{
    if (!hasSpacing)
        return "no pixel spacing: lengths in pixels";
    const std::string size = number(rowSpacing) + " × " + number(columnSpacing) + " mm";
    if (source == "ImagerPixelSpacing")
        return "ImagerPixelSpacing (0018,1164) " + size + ", at the detector (not corrected for magnification)";
    const bool crossSectional = modality == "CT" || modality == "MR" || modality == "PT" || modality == "NM";
    return "PixelSpacing (0028,0030) " + size + (crossSectional ? ", in the patient" : ", as the file states");
}

double lengthOf(const Shape& s, const Calibration& c)
{
    if (s.points.size() < 2)
        return 0;
    return physicalDistance(s.points[0], s.points[1], c);
}

double angleOf(const Shape& s, const Calibration& c)
{
    if (s.points.size() < 3)
        return 0;
    const Point& v = s.points[1];
    const double ax = (s.points[0].x - v.x) * c.columnSpacing, ay = (s.points[0].y - v.y) * c.rowSpacing;
    const double bx = (s.points[2].x - v.x) * c.columnSpacing, by = (s.points[2].y - v.y) * c.rowSpacing;
    if ((ax == 0 && ay == 0) || (bx == 0 && by == 0))
        return 0;
    return std::abs(std::atan2(ax * by - ay * bx, ax * bx + ay * by)) * 180.0 / kPi;
}

double areaOf(const Shape& s, const Calibration& c)
{
    if (!isRegion(s.kind) || !s.complete())
        return 0;
    if (s.kind == ShapeKind::Ellipse) {
        const double a = std::abs(s.points[1].x - s.points[0].x) / 2 * c.columnSpacing;
        const double b = std::abs(s.points[1].y - s.points[0].y) / 2 * c.rowSpacing;
        return kPi * a * b;
    }
    const std::vector<Point> poly = outlineOf(s);
    double twice = 0;
    for (size_t i = 0; i < poly.size(); ++i) {
        const Point& p = poly[i];
        const Point& q = poly[(i + 1) % poly.size()];
        twice += p.x * q.y - q.x * p.y;
    }
    return std::abs(twice) / 2 * c.columnSpacing * c.rowSpacing;
}

std::vector<Point> outlineOf(const Shape& s, int ellipseSegments)
{
    if (!isRegion(s.kind) || !s.complete())
        return {};
    if (s.kind == ShapeKind::Freehand)
        return s.points;
    const Point& a = s.points[0];
    const Point& b = s.points[1];
    if (s.kind == ShapeKind::Rectangle)
        return {a, {b.x, a.y}, b, {a.x, b.y}};
    const double cx = (a.x + b.x) / 2, cy = (a.y + b.y) / 2;
    const double rx = std::abs(b.x - a.x) / 2, ry = std::abs(b.y - a.y) / 2;
    std::vector<Point> out;
    out.reserve(static_cast<size_t>(ellipseSegments));
    for (int k = 0; k < ellipseSegments; ++k) {
        const double t = 2 * kPi * k / ellipseSegments;
        out.push_back({cx + rx * std::cos(t), cy + ry * std::sin(t)});
    }
    return out;
}

Shape translated(const Shape& s, double dx, double dy)
{
    Shape out = s;
    for (Point& p : out.points) {
        p.x += dx;
        p.y += dy;
    }
    return out;
}

} // namespace sinar::annotate
