#include "dicom/volume.h"

#include <vtkDataArray.h>
#include <vtkMatrix3x3.h>
#include <vtkPointData.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/limits.h"
#include "common/parallel.h"
#include "dicom/dicom_reader.h"
#include "dicom/geometry.h"

namespace sinar::dicom {

int Volume::dimension(int axis) const
{
    int dims[3];
    image_->GetDimensions(dims);
    return dims[axis];
}

Vec3 Volume::spacing() const
{
    double s[3];
    image_->GetSpacing(s);
    return {s[0], s[1], s[2]};
}

const float* Volume::voxels() const
{
    return static_cast<const float*>(image_->GetScalarPointer());
}

Vec3 Volume::indexToPatient(const Vec3& ijk) const
{
    const Vec3 s = spacing();
    Vec3 p = origin_;
    for (size_t a = 0; a < 3; ++a)
        for (size_t k = 0; k < 3; ++k)
            p[k] += ijk[a] * s[a] * axes_[a][k];
    return p;
}

Vec3 Volume::patientToIndex(const Vec3& patient) const
{
    const Vec3 s = spacing();
    const Vec3 d{patient[0] - origin_[0], patient[1] - origin_[1], patient[2] - origin_[2]};
    return {dot(d, axes_[0]) / s[0], dot(d, axes_[1]) / s[1], dot(d, axes_[2]) / s[2]};
}

Vec3 Volume::center() const
{
    return indexToPatient({(dimension(0) - 1) / 2.0, (dimension(1) - 1) / 2.0, (dimension(2) - 1) / 2.0});
}

double Volume::sample(const Vec3& ijk) const
{
    const int nx = dimension(0), ny = dimension(1), nz = dimension(2);
    const float* v = voxels();
    auto at = [&](int i, int j, int k) -> double {
        if (i < 0 || j < 0 || k < 0 || i >= nx || j >= ny || k >= nz)
            return minimum_;
        return v[(static_cast<size_t>(k) * static_cast<size_t>(ny) + static_cast<size_t>(j)) * static_cast<size_t>(nx) + static_cast<size_t>(i)];
    };
    const int i0 = static_cast<int>(std::floor(ijk[0])), j0 = static_cast<int>(std::floor(ijk[1])), k0 = static_cast<int>(std::floor(ijk[2]));
    const double fx = ijk[0] - i0, fy = ijk[1] - j0, fz = ijk[2] - k0;
    double out = 0;
    for (int dz = 0; dz < 2; ++dz)
        for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) {
                const double w = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * (dz ? fz : 1 - fz);
                if (w != 0)
                    out += w * at(i0 + dx, j0 + dy, k0 + dz);
            }
    return out;
}

namespace {

// The in-plane grid of a volume, in pixels of the first slice: the slices' own
// for a stack along its normal; for a sheared one, whole pixels around the
// first slice's, wide enough to hold every slice at its in-plane offset.
struct InPlaneGrid {
    long x0 = 0, y0 = 0;  // the grid's first pixel
    size_t cols = 0, rows = 0;
    std::vector<double> dx, dy; // where each slice's first pixel lies on the grid
};

InPlaneGrid inPlaneGrid(const SliceStack& stack, bool sheared)
{
    InPlaneGrid g;
    g.cols = static_cast<size_t>(stack.columns);
    g.rows = static_cast<size_t>(stack.rows);
    g.dx.assign(stack.slices.size(), 0.0);
    g.dy.assign(stack.slices.size(), 0.0);
    if (!sheared)
        return g;
    const Vec3& p0 = stack.slices.front().position;
    double xmin = 0, xmax = 0, ymin = 0, ymax = 0;
    for (size_t s = 0; s < stack.slices.size(); ++s) {
        const Vec3& p = stack.slices[s].position;
        const Vec3 d{p[0] - p0[0], p[1] - p0[1], p[2] - p0[2]};
        g.dx[s] = dot(d, stack.rowDirection) / stack.columnSpacing;
        g.dy[s] = dot(d, stack.columnDirection) / stack.rowSpacing;
        xmin = std::min(xmin, g.dx[s]);
        xmax = std::max(xmax, g.dx[s]);
        ymin = std::min(ymin, g.dy[s]);
        ymax = std::max(ymax, g.dy[s]);
    }
    g.x0 = static_cast<long>(std::floor(xmin + 1e-6));
    g.y0 = static_cast<long>(std::floor(ymin + 1e-6));
    g.cols += static_cast<size_t>(static_cast<long>(std::ceil(xmax - 1e-6)) - g.x0);
    g.rows += static_cast<size_t>(static_cast<long>(std::ceil(ymax - 1e-6)) - g.y0);
    for (size_t s = 0; s < stack.slices.size(); ++s) {
        g.dx[s] -= static_cast<double>(g.x0);
        g.dy[s] -= static_cast<double>(g.y0);
    }
    return g;
}

// out(i, j) = src(i - dx, j - dy), bilinear, `background` outside the slice.
// A translation: the same two weights along each axis for every pixel (a whole
// pixel offset copies the slice exactly).
void shiftSlice(const float* src, size_t cols, size_t rows, double dx, double dy, float background, float* out, size_t outCols,
                size_t outRows)
{
    const long ix = static_cast<long>(std::floor(dx)), iy = static_cast<long>(std::floor(dy));
    const float fx = static_cast<float>(dx - static_cast<double>(ix)), fy = static_cast<float>(dy - static_cast<double>(iy));
    const long w = static_cast<long>(cols), h = static_cast<long>(rows);
    auto at = [&](long x, long y) { return x < 0 || y < 0 || x >= w || y >= h ? background : src[y * w + x]; };
    for (size_t j = 0; j < outRows; ++j) {
        const long y = static_cast<long>(j) - iy; // source row y - fy: between y - 1 and y
        float* o = out + j * outCols;
        for (size_t i = 0; i < outCols; ++i) {
            const long x = static_cast<long>(i) - ix;
            const float top = (1 - fx) * at(x, y - 1) + fx * at(x - 1, y - 1);
            const float bottom = (1 - fx) * at(x, y) + fx * at(x - 1, y);
            o[i] = fy == 0 ? bottom : (1 - fy) * bottom + fy * top;
        }
    }
}

} // namespace

Volume Volume::load(const SliceStack& stack, int threads, const ProgressFn& progress, const CancelToken* cancel)
{
    if (!stack.isVolume())
        throw Error("not a volume: " + std::string(stack.hasGeometry ? "fewer than two slices" : "the images have no position/orientation"),
                    stack.label());
    const size_t n = stack.slices.size();
    const double d0 = stack.slices.front().distance;
    const double step = stack.sliceSpacing;
    const bool regular = stack.onRegularGrid;
    const bool sheared = stack.isSheared();
    const size_t planes = stack.planeCount();
    if (planes > 4 * n + 16)
        throw Error("the slices are too far apart for their spacing to form a volume", stack.label());
    const size_t rows = static_cast<size_t>(stack.rows), cols = static_cast<size_t>(stack.columns);
    const size_t sliceSize = rows * cols;
    const InPlaneGrid grid = inPlaneGrid(stack, sheared);
    if (grid.cols > 4 * cols + 64 || grid.rows > 4 * rows + 64)
        throw Error("the slices lie too far apart in-plane to form a volume", stack.label());
    const size_t planeSize = grid.rows * grid.cols;
    checkImageBytes(static_cast<uint64_t>(planeSize) * planes * sizeof(float), "the volume",
                    std::to_string(grid.cols) + " x " + std::to_string(grid.rows) + " x " + std::to_string(planes) +
                        " planes of 32-bit floats",
                    stack.label());

    Volume vol;
    vol.label_ = stack.label();
    vol.modality_ = stack.modality;
    vol.notes_ = stack.notes;
    vol.tilt_ = stack.tiltDegrees;
    vol.axes_ = {stack.rowDirection, stack.columnDirection, stack.normal};
    vol.origin_ = stack.slices.front().position;
    for (size_t k = 0; k < 3; ++k)
        vol.origin_[k] += static_cast<double>(grid.x0) * stack.columnSpacing * stack.rowDirection[k] +
                          static_cast<double>(grid.y0) * stack.rowSpacing * stack.columnDirection[k];
    vol.image_ = vtkSmartPointer<vtkImageData>::New();
    vol.image_->SetDimensions(static_cast<int>(grid.cols), static_cast<int>(grid.rows), static_cast<int>(planes));
    vol.image_->SetSpacing(stack.columnSpacing, stack.rowSpacing, step);
    vol.image_->SetOrigin(vol.origin_[0], vol.origin_[1], vol.origin_[2]);
    double direction[9];
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
            direction[r * 3 + c] = vol.axes_[static_cast<size_t>(c)][static_cast<size_t>(r)];
    vol.image_->SetDirectionMatrix(direction);
    vol.image_->AllocateScalars(VTK_FLOAT, 1);
    float* voxels = static_cast<float*>(vol.image_->GetScalarPointer());

    // Where each decoded slice goes: its own plane (regular stacks along their
    // normal), or a temporary buffer for shifting or resampling.
    const bool direct = regular && !sheared;
    std::vector<size_t> target(n);
    for (size_t s = 0; s < n; ++s)
        target[s] = regular ? static_cast<size_t>(stack.planeOf(s)) : s;
    std::vector<std::vector<float>> scratch(direct ? 0 : n);
    std::vector<char> decoded(n, 0);
    std::vector<std::string> failures(n);

    std::map<std::string, std::vector<size_t>> byFile;
    for (size_t s = 0; s < n; ++s)
        byFile[stack.slices[s].path].push_back(s);
    std::vector<std::pair<std::string, std::vector<size_t>>> files(byFile.begin(), byFile.end());
    std::mutex mutex;
    size_t done = 0;
    std::atomic<bool> colour{false};
    std::vector<imaging::WindowPreset> windows;
    parallelFor(
        files.size(),
        [&](size_t f) {
            if (cancel)
                cancel->throwIfCancelled();
            try {
                const DicomReader reader(files[f].first, 1);
                for (size_t s : files[f].second) {
                    try {
                        const Frame fr = reader.frame(stack.slices[s].frame);
                        if (fr.image.isColor()) {
                            colour = true;
                            return;
                        }
                        if (static_cast<size_t>(fr.image.height()) != rows || static_cast<size_t>(fr.image.width()) != cols)
                            throw Error("slice size differs from the stack", fr.image.source);
                        const cv::Mat m = fr.image.pixels.isContinuous() ? fr.image.pixels : fr.image.pixels.clone();
                        if (direct) {
                            std::memcpy(voxels + target[s] * planeSize, m.ptr<float>(), sliceSize * sizeof(float));
                        } else {
                            scratch[s].assign(m.ptr<float>(), m.ptr<float>() + sliceSize);
                        }
                        decoded[s] = 1;
                        std::lock_guard<std::mutex> lock(mutex);
                        if (s == 0 || windows.empty())
                            windows = fr.image.windows;
                    } catch (const Error& e) {
                        failures[s] = e.what();
                    }
                }
            } catch (const Error& e) {
                for (size_t s : files[f].second)
                    failures[s] = e.what();
            }
            if (progress) {
                std::lock_guard<std::mutex> lock(mutex);
                done += files[f].second.size();
                progress(static_cast<long long>(done), static_cast<long long>(n), files[f].first);
            }
        },
        threads);

    if (colour)
        throw Error("colour images cannot form a volume", stack.label());
    std::vector<size_t> good;
    for (size_t s = 0; s < n; ++s) {
        if (decoded[s])
            good.push_back(s);
        else
            vol.notes_.push_back("slice " + std::to_string(s + 1) + " skipped: " + failures[s]);
    }
    if (good.empty())
        throw Error("no slice of the stack could be decoded" + (failures[0].empty() ? std::string() : " (" + failures[0] + ")"), stack.label());
    vol.windows_ = windows;

    // Shear correction: every slice moved onto the grid at its in-plane offset;
    // what lies outside a slice is the stack's smallest value.
    if (sheared) {
        float background = scratch[good.front()].front();
        for (size_t s : good)
            background = std::min(background, *std::min_element(scratch[s].begin(), scratch[s].end()));
        parallelFor(
            good.size(),
            [&](size_t g) {
                const size_t s = good[g];
                std::vector<float> shifted(regular ? 0 : planeSize);
                float* out = regular ? voxels + target[s] * planeSize : shifted.data();
                shiftSlice(scratch[s].data(), cols, rows, grid.dx[s], grid.dy[s], background, out, grid.cols, grid.rows);
                scratch[s] = std::move(shifted);
            },
            threads);
        char note[160];
        std::snprintf(note, sizeof note, "gantry tilt of %.2f°: resampled onto a regular grid (shear corrected), %zu x %zu pixels per plane",
                      stack.tiltDegrees, grid.cols, grid.rows);
        vol.notes_.push_back(note);
    }

    // Fill every plane that has no slice of its own by linear interpolation
    // between the nearest decoded slices on either side.
    auto slicePlane = [&](size_t s) -> const float* { return regular ? voxels + target[s] * planeSize : scratch[s].data(); };
    std::vector<char> own(planes, 0);
    for (size_t s : good)
        if (stack.planeOf(s) >= 0)
            own[static_cast<size_t>(stack.planeOf(s))] = 1;
    for (size_t p = 0; p < planes; ++p) {
        if (regular && own[p])
            continue;
        const double t = d0 + static_cast<double>(p) * step;
        size_t lo = good.front(), hi = good.back();
        for (size_t s : good) {
            if (stack.slices[s].distance <= t + 1e-9)
                lo = s;
            if (stack.slices[s].distance >= t - 1e-9) {
                hi = s;
                break;
            }
        }
        const double dl = stack.slices[lo].distance, dh = stack.slices[hi].distance;
        const float w = dh > dl ? static_cast<float>((t - dl) / (dh - dl)) : 0.0f;
        const float* a = slicePlane(lo);
        const float* b = slicePlane(hi);
        float* out = voxels + p * planeSize;
        for (size_t k = 0; k < planeSize; ++k)
            out[k] = a[k] + w * (b[k] - a[k]);
        if (!own[p])
            ++vol.interpolated_;
    }
    if (vol.interpolated_ > 0)
        vol.notes_.push_back(std::to_string(vol.interpolated_) + " of " + std::to_string(planes) + " planes interpolated onto a regular grid");
    vol.corrected_ = sheared || !regular || vol.interpolated_ > 0;
    vol.image_->GetPointData()->GetScalars()->Modified();
    double lo = 0;
    cv::minMaxLoc(cv::Mat(1, static_cast<int>(planes * planeSize), CV_32FC1, voxels), &lo, nullptr);
    vol.minimum_ = lo;
    return vol;
}

} // namespace sinar::dicom
