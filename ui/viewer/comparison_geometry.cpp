#include "ui/viewer/comparison_geometry.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "dicom/geometry.h"

namespace sinar::ui {

using dicom::cross;
using dicom::dot;
using dicom::Vec3;

namespace {

constexpr double kPi = 3.14159265358979323846;

Vec3 normalOf(const SliceGeometry& s)
{
    const Vec3 n = cross(s.rowDirection, s.columnDirection);
    const double len = dicom::length(n);
    return len > 0 ? Vec3{n[0] / len, n[1] / len, n[2] / len} : n;
}

// |cos| of the angle between two slices' normals.
double normalCosine(const SliceGeometry& a, const SliceGeometry& b)
{
    return std::abs(dot(normalOf(a), normalOf(b)));
}

} // namespace

std::vector<std::optional<SliceGeometry>> stackGeometries(const ImageStack& stack)
{
    std::vector<std::optional<SliceGeometry>> out(stack.size());
    if (!stack.dicomSeries)
        return out;
    std::map<QString, const dicom::InstanceInfo*> byPath;
    for (const dicom::InstanceInfo& info : stack.dicomSeries->instances)
        byPath.emplace(QString::fromStdString(info.path), &info);
    for (size_t i = 0; i < stack.size(); ++i) {
        const StackItem& item = stack.item(i);
        const auto it = byPath.find(item.path);
        if (it == byPath.end())
            continue;
        const dicom::InstanceInfo& info = *it->second;
        SliceGeometry g;
        if (sliceGeometry(info.frame(item.frame), info.columnSpacing, info.rowSpacing, info.columns, info.rows, g))
            out[i] = g;
    }
    return out;
}

Vec3 sliceCentre(const SliceGeometry& s)
{
    const double u = (s.width - 1) / 2.0 * s.spacingX, v = (s.height - 1) / 2.0 * s.spacingY;
    Vec3 c;
    for (size_t k = 0; k < 3; ++k)
        c[k] = s.position[k] + u * s.rowDirection[k] + v * s.columnDirection[k];
    return c;
}

int nearestSliceIndex(const std::vector<Vec3>& positions, const Vec3& normal, const Vec3& point)
{
    const double target = dot(normal, point);
    int best = -1;
    double bestDistance = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < positions.size(); ++i) {
        const double d = std::abs(dot(normal, positions[i]) - target);
        if (d < bestDistance) {
            bestDistance = d;
            best = static_cast<int>(i);
        }
    }
    return best;
}

int nearestStackIndex(const std::vector<std::optional<SliceGeometry>>& slices, const Vec3& point)
{
    std::vector<Vec3> positions;
    std::vector<int> indices;
    Vec3 normal{{0, 0, 0}};
    for (size_t i = 0; i < slices.size(); ++i) {
        if (!slices[i])
            continue;
        if (positions.empty())
            normal = normalOf(*slices[i]);
        positions.push_back(slices[i]->position);
        indices.push_back(static_cast<int>(i));
    }
    const int k = nearestSliceIndex(positions, normal, point);
    return k < 0 ? -1 : indices[static_cast<size_t>(k)];
}

bool sameOrientation(const SliceGeometry& a, const SliceGeometry& b, double degrees)
{
    return normalCosine(a, b) >= std::cos(degrees * kPi / 180.0);
}

bool scrollLinkable(const SliceGeometry& a, const std::string& frameOfReferenceA, const SliceGeometry& b,
                    const std::string& frameOfReferenceB)
{
    if (!frameOfReferenceA.empty() && frameOfReferenceA == frameOfReferenceB)
        return true;
    return sameOrientation(a, b);
}

std::optional<QLineF> referenceLine(const SliceGeometry& target, const SliceGeometry& source)
{
    if (target.width <= 0 || target.height <= 0 || normalCosine(target, source) >= std::cos(0.01 * kPi / 180.0))
        return std::nullopt;
    // The target's pixel (u, v) (centres at whole numbers, as DICOM counts
    // them) lies at position + u * spacingX * row + v * spacingY * column; it
    // is on the source plane when n . (that point - source position) = 0:
    // a u + b v = c.
    const Vec3 n = normalOf(source);
    const double a = target.spacingX * dot(n, target.rowDirection);
    const double b = target.spacingY * dot(n, target.columnDirection);
    Vec3 offset;
    for (size_t k = 0; k < 3; ++k)
        offset[k] = source.position[k] - target.position[k];
    // In the view's coordinates x = u + 0.5, y = v + 0.5.
    const double c = dot(n, offset) + 0.5 * (a + b);
    const double w = target.width, h = target.height;
    std::vector<QPointF> hits;
    auto add = [&hits](double x, double y) {
        for (const QPointF& p : hits)
            if (std::abs(p.x() - x) < 1e-9 && std::abs(p.y() - y) < 1e-9)
                return;
        hits.emplace_back(x, y);
    };
    const double eps = 1e-9;
    if (std::abs(b) > eps)
        for (double x : {0.0, w}) {
            const double y = (c - a * x) / b;
            if (y >= -eps && y <= h + eps)
                add(x, std::clamp(y, 0.0, h));
        }
    if (std::abs(a) > eps)
        for (double y : {0.0, h}) {
            const double x = (c - b * y) / a;
            if (x >= -eps && x <= w + eps)
                add(std::clamp(x, 0.0, w), y);
        }
    if (hits.size() < 2)
        return std::nullopt;
    // The two hits farthest apart (a line through a corner hits it twice).
    QPointF p = hits[0], q = hits[1];
    double best = -1;
    for (size_t i = 0; i < hits.size(); ++i)
        for (size_t j = i + 1; j < hits.size(); ++j) {
            const double d = QLineF(hits[i], hits[j]).length();
            if (d > best) {
                best = d;
                p = hits[i];
                q = hits[j];
            }
        }
    if (best < 1e-6)
        return std::nullopt;
    if (q.x() < p.x() || (q.x() == p.x() && q.y() < p.y()))
        std::swap(p, q);
    return QLineF(p, q);
}

std::string frameOfReferenceOf(const LoadedImage& image)
{
    for (const dicom::TagEntry& t : image.tags)
        if (t.depth == 0 && t.tag == "(0020,0052)") {
            std::string v = t.value;
            while (!v.empty() && (v.back() == ' ' || v.back() == '\0'))
                v.pop_back();
            return v;
        }
    return {};
}

} // namespace sinar::ui
