#include "dicom/volume.h"

#include <vtkDataArray.h>
#include <vtkMatrix3x3.h>
#include <vtkPointData.h>

#include <algorithm>
#include <atomic>
#include <cmath>
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

Volume Volume::load(const SliceStack& stack, int threads, const ProgressFn& progress, const CancelToken* cancel)
{
    if (!stack.isVolume())
        throw Error("not a volume: " + std::string(stack.hasGeometry ? "fewer than two slices" : "the images have no position/orientation"),
                    stack.label());
    const size_t n = stack.slices.size();
    const double d0 = stack.slices.front().distance;
    const double step = stack.sliceSpacing;
    const bool regular = stack.onRegularGrid;
    const size_t planes = static_cast<size_t>(std::lround((stack.slices.back().distance - d0) / step)) + 1;
    if (planes > 4 * n + 16)
        throw Error("the slices are too far apart for their spacing to form a volume", stack.label());
    const size_t rows = static_cast<size_t>(stack.rows), cols = static_cast<size_t>(stack.columns);
    const size_t planeSize = rows * cols;
    checkImageBytes(static_cast<uint64_t>(planeSize) * planes * sizeof(float), "the volume",
                    std::to_string(cols) + " x " + std::to_string(rows) + " x " + std::to_string(planes) +
                        " planes of 32-bit floats",
                    stack.label());

    Volume vol;
    vol.label_ = stack.label();
    vol.modality_ = stack.modality;
    vol.notes_ = stack.notes;
    vol.origin_ = stack.slices.front().position;
    vol.axes_ = {stack.rowDirection, stack.columnDirection, stack.normal};
    vol.image_ = vtkSmartPointer<vtkImageData>::New();
    vol.image_->SetDimensions(static_cast<int>(cols), static_cast<int>(rows), static_cast<int>(planes));
    vol.image_->SetSpacing(stack.columnSpacing, stack.rowSpacing, step);
    vol.image_->SetOrigin(vol.origin_[0], vol.origin_[1], vol.origin_[2]);
    double direction[9];
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
            direction[r * 3 + c] = vol.axes_[static_cast<size_t>(c)][static_cast<size_t>(r)];
    vol.image_->SetDirectionMatrix(direction);
    vol.image_->AllocateScalars(VTK_FLOAT, 1);
    float* voxels = static_cast<float*>(vol.image_->GetScalarPointer());

    // Where each decoded slice goes: its own plane (regular stacks), or a
    // temporary buffer for resampling (irregular ones).
    std::vector<size_t> target(n);
    for (size_t s = 0; s < n; ++s)
        target[s] = regular ? static_cast<size_t>(std::lround((stack.slices[s].distance - d0) / step)) : s;
    std::vector<std::vector<float>> scratch(regular ? 0 : n);
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
                        if (regular) {
                            std::memcpy(voxels + target[s] * planeSize, m.ptr<float>(), planeSize * sizeof(float));
                        } else {
                            scratch[s].assign(m.ptr<float>(), m.ptr<float>() + planeSize);
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

    // Fill every plane that has no slice of its own by linear interpolation
    // between the nearest decoded slices on either side.
    auto slicePlane = [&](size_t s) -> const float* { return regular ? voxels + target[s] * planeSize : scratch[s].data(); };
    std::vector<char> own(planes, 0);
    if (regular)
        for (size_t s : good)
            own[target[s]] = 1;
    for (size_t p = 0; p < planes; ++p) {
        if (own[p])
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
        if (regular || std::abs(dl - t) > 1e-3 * step)
            ++vol.interpolated_;
    }
    if (vol.interpolated_ > 0)
        vol.notes_.push_back(std::to_string(vol.interpolated_) + " of " + std::to_string(planes) + " planes interpolated onto a regular grid");
    vol.image_->GetPointData()->GetScalars()->Modified();
    double lo = 0;
    cv::minMaxLoc(cv::Mat(1, static_cast<int>(planes * planeSize), CV_32FC1, voxels), &lo, nullptr);
    vol.minimum_ = lo;
    return vol;
}

} // namespace sinar::dicom
