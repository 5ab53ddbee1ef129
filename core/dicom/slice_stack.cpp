#include "dicom/slice_stack.h"
#include "dicom/geometry.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace sinar::dicom {

namespace {

constexpr double kPi = 3.14159265358979323846;

std::string fmt(const char* format, double a, double b = 0)
{
    char buf[128];
    std::snprintf(buf, sizeof buf, format, a, b);
    return buf;
}

struct Candidate {
    SliceRef ref;
    const InstanceInfo* info = nullptr;
    FrameAttributes attributes;
    size_t order = 0; // appearance in the series
};

// Key for slices that can share a stack: size, pixel spacing, orientation.
std::string groupKey(const Candidate& c)
{
    const InstanceInfo& i = *c.info;
    std::string key = std::to_string(i.rows) + "x" + std::to_string(i.columns);
    key += fmt("|%.3f\\%.3f", i.rowSpacing, i.columnSpacing);
    const FrameAttributes& fa = c.attributes;
    if (fa.hasOrientation && fa.hasPosition) {
        for (double v : fa.rowDirection)
            key += fmt("|%.3f", std::abs(v) < 5e-4 ? 0.0 : v);
        for (double v : fa.columnDirection)
            key += fmt("|%.3f", std::abs(v) < 5e-4 ? 0.0 : v);
    } else {
        key += "|no geometry";
    }
    return key;
}

bool hasSharedPositions(const std::vector<Candidate>& v, double tolerance)
{
    for (size_t i = 1; i < v.size(); ++i)
        if (std::abs(v[i].ref.distance - v[i - 1].ref.distance) <= tolerance)
            return true;
    return false;
}

void sortByDistance(std::vector<Candidate>& v)
{
    std::stable_sort(v.begin(), v.end(), [](const Candidate& a, const Candidate& b) {
        if (a.ref.distance != b.ref.distance)
            return a.ref.distance < b.ref.distance;
        return a.order < b.order;
    });
}

// Splits slices that share positions: by a tag that separates them, or else by
// order of appearance (the k-th slice at each position goes to stack k).
std::vector<std::vector<Candidate>> splitSharedPositions(std::vector<Candidate> all, double tolerance, std::string& note)
{
    sortByDistance(all);
    if (!hasSharedPositions(all, tolerance))
        return {all};
    if (all.back().ref.distance - all.front().ref.distance <= tolerance) {
        note = "all " + std::to_string(all.size()) + " images lie at one position (a time series or repeated acquisition): not a volume";
        return {all};
    }
    struct Tag {
        const char* name;
        int (*get)(const Candidate&);
    };
    const Tag tags[] = {
        {"echo number", [](const Candidate& c) { return c.info->echoNumber; }},
        {"temporal position", [](const Candidate& c) { return c.info->temporalPosition; }},
        {"acquisition number", [](const Candidate& c) { return c.info->acquisitionNumber; }},
    };
    for (const Tag& tag : tags) {
        std::map<int, std::vector<Candidate>> parts;
        for (const Candidate& c : all)
            parts[tag.get(c)].push_back(c);
        if (parts.size() < 2)
            continue;
        bool clean = true;
        for (auto& [value, part] : parts)
            clean = clean && !hasSharedPositions(part, tolerance);
        if (!clean)
            continue;
        note = "slices share positions: split by " + std::string(tag.name) + " into " + std::to_string(parts.size()) + " stacks";
        std::vector<std::vector<Candidate>> out;
        for (auto& [value, part] : parts)
            out.push_back(std::move(part));
        return out;
    }
    std::vector<std::vector<Candidate>> out;
    std::vector<Candidate> sorted = all;
    std::stable_sort(sorted.begin(), sorted.end(), [](const Candidate& a, const Candidate& b) {
        if (a.info->instanceNumber != b.info->instanceNumber)
            return a.info->instanceNumber < b.info->instanceNumber;
        return a.order < b.order;
    });
    std::vector<std::pair<double, int>> seen; // distance -> occurrences so far
    for (const Candidate& c : sorted) {
        int k = -1;
        for (auto& [d, n] : seen)
            if (std::abs(d - c.ref.distance) <= tolerance) {
                k = n++;
                break;
            }
        if (k < 0) {
            seen.emplace_back(c.ref.distance, 1);
            k = 0;
        }
        if (static_cast<size_t>(k) >= out.size())
            out.resize(static_cast<size_t>(k) + 1);
        out[static_cast<size_t>(k)].push_back(c);
    }
    note = "slices share positions: split by order of appearance into " + std::to_string(out.size()) + " stacks";
    return out;
}

void measure(SliceStack& s)
{
    const size_t n = s.slices.size();
    if (n < 2)
        return;
    std::vector<double> gaps;
    for (size_t i = 1; i < n; ++i)
        gaps.push_back(s.slices[i].distance - s.slices[i - 1].distance);
    std::vector<double> sorted = gaps;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2), sorted.end());
    const double m = sorted[sorted.size() / 2];
    s.sliceSpacing = m;
    if (m <= 0)
        return;
    // Positions are often written with 0.1 mm precision, which makes the gaps
    // of a regular stack jitter by up to ~0.15 mm: 2 % (at least 0.05 mm) is
    // regular, more is a real difference.
    const double tolerance = std::max(0.05, 0.02 * m);
    double smallest = gaps[0], largest = gaps[0];
    bool irregular = false;
    for (size_t i = 0; i < gaps.size(); ++i) {
        const double g = gaps[i];
        smallest = std::min(smallest, g);
        largest = std::max(largest, g);
        if (std::abs(g - m) <= tolerance)
            continue;
        s.uniformSpacing = false;
        const double k = std::round(g / m);
        if (k >= 2 && std::abs(g - k * m) <= tolerance * k) {
            s.missingSlices += static_cast<int>(k) - 1;
            s.notes.push_back(std::to_string(static_cast<int>(k) - 1) + " slice(s) missing between slices " + std::to_string(i + 1) +
                              " and " + std::to_string(i + 2) + fmt(" (gap %.3g mm)", g));
        } else {
            irregular = true;
            s.onRegularGrid = false;
        }
    }
    s.smallestGap = smallest;
    s.largestGap = largest;
    if (!irregular) // the mean over the whole stack is more precise than any one gap
        s.sliceSpacing = (s.slices.back().distance - s.slices.front().distance) / static_cast<double>(n - 1 + static_cast<size_t>(s.missingSlices));
    if (irregular)
        s.notes.push_back(fmt("non-uniform slice spacing: gaps from %.4g to %.4g mm", smallest, largest) +
                          fmt(" (median %.4g mm); the volume is resampled to the median", m));
    // Gantry tilt or a sheared stack: positions do not move along the normal.
    Vec3 v;
    for (int k = 0; k < 3; ++k)
        v[static_cast<size_t>(k)] = s.slices.back().position[static_cast<size_t>(k)] - s.slices.front().position[static_cast<size_t>(k)];
    const double len = length(v);
    if (len > 0) {
        const double c = std::min(1.0, std::abs(dot(v, s.normal)) / len);
        s.tiltDegrees = std::acos(c) * 180.0 / kPi;
    }
    for (const SliceRef& r : s.slices) {
        Vec3 d;
        for (size_t k = 0; k < 3; ++k)
            d[k] = r.position[k] - s.slices.front().position[k];
        s.shearShift = std::max(s.shearShift, std::hypot(dot(d, s.rowDirection), dot(d, s.columnDirection)));
    }
    if (s.isSheared())
        s.notes.push_back(fmt("gantry tilt (sheared stack) of %.2f degrees: the slices lie up to %.1f mm off their normal;", s.tiltDegrees, s.shearShift) +
                          " a volume places each at its true position (shear corrected)");
}

} // namespace

size_t SliceStack::planeCount() const
{
    if (slices.empty() || sliceSpacing <= 0)
        return slices.size();
    return static_cast<size_t>(std::lround((slices.back().distance - slices.front().distance) / sliceSpacing)) + 1;
}

long SliceStack::planeOf(size_t s) const
{
    if (sliceSpacing <= 0)
        return static_cast<long>(s);
    const double t = (slices.at(s).distance - slices.front().distance) / sliceSpacing;
    const long p = std::lround(t);
    return onRegularGrid || std::abs(t - static_cast<double>(p)) <= 1e-3 ? p : -1;
}

int SliceStack::interpolatedPlanes() const
{
    if (!isVolume())
        return 0;
    std::vector<char> own(planeCount(), 0);
    for (size_t s = 0; s < slices.size(); ++s) {
        const long p = planeOf(s);
        if (p >= 0 && static_cast<size_t>(p) < own.size())
            own[static_cast<size_t>(p)] = 1;
    }
    return static_cast<int>(std::count(own.begin(), own.end(), 0));
}

SeriesGeometry SeriesGeometry::of(const SliceStack& stack)
{
    SeriesGeometry g;
    g.isVolume = stack.isVolume();
    g.slices = static_cast<int>(stack.slices.size());
    g.sliceSpacing = stack.sliceSpacing;
    g.smallestGap = stack.smallestGap;
    g.largestGap = stack.largestGap;
    g.tiltDegrees = stack.tiltDegrees;
    g.shearShift = stack.shearShift;
    g.sheared = stack.isSheared();
    g.spacingRegular = stack.spacingRegular();
    g.missingSlices = stack.missingSlices;
    g.planes = g.isVolume ? static_cast<int>(stack.planeCount()) : 0;
    g.interpolatedPlanes = stack.interpolatedPlanes();
    g.corrected = stack.needsResampling();
    return g;
}

SeriesGeometry SeriesGeometry::of(const std::vector<SliceStack>& stacks)
{
    const SliceStack* s = volumeStack(stacks);
    return s ? of(*s) : SeriesGeometry{};
}

const SliceStack* volumeStack(const std::vector<SliceStack>& stacks)
{
    const SliceStack* best = nullptr;
    for (const SliceStack& s : stacks)
        if (s.isVolume() && (!best || s.slices.size() > best->slices.size()))
            best = &s;
    return best;
}

std::string SliceStack::label() const
{
    std::string s = "series " + std::to_string(seriesNumber);
    if (!seriesDescription.empty())
        s += " (" + seriesDescription + ")";
    if (count > 1)
        s += ", stack " + std::to_string(index + 1) + " of " + std::to_string(count);
    return s;
}

std::vector<SliceStack> SliceSorter::sort(const SeriesEntry& series)
{
    // Every frame of every instance is a candidate slice.
    std::vector<Candidate> all;
    for (const InstanceInfo& info : series.instances)
        for (int f = 0; f < std::max(1, info.numberOfFrames); ++f) {
            Candidate c;
            c.info = &info;
            c.attributes = info.frame(f);
            c.ref.path = info.path;
            c.ref.frame = f;
            c.ref.instanceNumber = info.instanceNumber;
            c.ref.position = c.attributes.position;
            c.order = all.size();
            all.push_back(std::move(c));
        }

    std::vector<std::string> keys;
    std::map<std::string, std::vector<Candidate>> groups;
    for (Candidate& c : all) {
        const std::string key = groupKey(c);
        if (!groups.count(key))
            keys.push_back(key);
        groups[key].push_back(std::move(c));
    }

    std::vector<SliceStack> stacks;
    for (const std::string& key : keys) {
        std::vector<Candidate>& group = groups[key];
        const Candidate& first = group.front();
        SliceStack proto;
        proto.seriesUid = series.uid;
        proto.seriesNumber = series.number;
        proto.seriesDescription = series.description;
        proto.modality = series.modality;
        proto.rows = first.info->rows;
        proto.columns = first.info->columns;
        proto.rowSpacing = first.info->rowSpacing;
        proto.columnSpacing = first.info->columnSpacing;
        if (keys.size() > 1)
            proto.notes.push_back("the series mixes " + std::to_string(keys.size()) +
                                  " image sizes, spacings or orientations: split into one stack each");
        const bool geometry = first.attributes.hasPosition && first.attributes.hasOrientation;
        if (!geometry) {
            SliceStack s = proto;
            s.notes.push_back("no position/orientation: a set of images, not a volume");
            std::stable_sort(group.begin(), group.end(), [](const Candidate& a, const Candidate& b) {
                return std::make_pair(a.info->instanceNumber, a.order) < std::make_pair(b.info->instanceNumber, b.order);
            });
            for (const Candidate& c : group)
                s.slices.push_back(c.ref);
            stacks.push_back(std::move(s));
            continue;
        }
        proto.hasGeometry = true;
        proto.rowDirection = first.attributes.rowDirection;
        proto.columnDirection = first.attributes.columnDirection;
        proto.normal = first.attributes.normal();
        for (Candidate& c : group)
            c.ref.distance = dot(c.ref.position, proto.normal);
        std::string splitNote;
        const double tolerance = 0.01; // mm: positions closer than this are the same place
        for (std::vector<Candidate>& part : splitSharedPositions(group, tolerance, splitNote)) {
            SliceStack s = proto;
            if (!splitNote.empty())
                s.notes.push_back(splitNote);
            sortByDistance(part);
            for (const Candidate& c : part)
                s.slices.push_back(c.ref);
            measure(s);
            stacks.push_back(std::move(s));
        }
    }
    for (size_t i = 0; i < stacks.size(); ++i) {
        stacks[i].index = static_cast<int>(i);
        stacks[i].count = static_cast<int>(stacks.size());
    }
    return stacks;
}

} // namespace sinar::dicom
