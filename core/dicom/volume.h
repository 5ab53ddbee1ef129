#pragma once
// A stack of slices as one 3D image: vtkImageData (float real values) with the
// stack's spacing, origin and direction in patient coordinates (LPS, mm).
// Voxel (i, j, k): i along a row (column index), j down the columns (row
// index), k along the slice normal.
#include <string>
#include <vector>
#include <vtkImageData.h>
#include <vtkSmartPointer.h>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "dicom/instance_info.h"
#include "dicom/slice_stack.h"
#include "imaging/image.h"

namespace sinar::dicom {

class Volume {
public:
    // Decodes the stack's slices on up to `threads` threads (0: one per core;
    // each file is opened once, multi-frame files included). Slices are placed
    // at their position along the normal: missing slices and irregular spacing
    // are filled by linear interpolation onto a regular grid (and noted), a
    // slice that cannot be decoded is treated as missing. A sheared stack
    // (gantry tilt: the positions do not move along the normal) is shear
    // corrected: the grid keeps the slices' row, column and normal directions,
    // is widened to hold every slice, and each slice is resampled (bilinear)
    // by its in-plane offset from the first, so every voxel holds the acquired
    // value at its own patient position. Throws sinar::Error when the stack
    // is not a volume, is colour, or no slice decodes.
    static Volume load(const SliceStack& stack, int threads = 0, const ProgressFn& progress = {},
                       const CancelToken* cancel = nullptr);

    // The image data (direction matrix set; shares memory with this Volume).
    vtkImageData* image() const { return image_.Get(); }
    int dimension(int axis) const;
    Vec3 spacing() const;
    Vec3 origin() const { return origin_; }
    // Patient direction of the i, j and k axes.
    const Vec3& axis(int index) const { return axes_[static_cast<size_t>(index)]; }
    Vec3 indexToPatient(const Vec3& ijk) const;
    Vec3 patientToIndex(const Vec3& patient) const;
    Vec3 center() const;
    const float* voxels() const;
    // Trilinear value at a continuous index (outside: the smallest value).
    double sample(const Vec3& ijk) const;

    const std::string& modality() const { return modality_; }
    const std::vector<imaging::WindowPreset>& windows() const { return windows_; }
    const std::string& label() const { return label_; }
    double minimum() const { return minimum_; }
    // What the stack's checks found and what loading did about it.
    const std::vector<std::string>& notes() const { return notes_; }
    int interpolatedSlices() const { return interpolated_; }
    // The grid is not the slices as acquired: shear corrected, or resampled
    // for irregular spacing or missing slices.
    bool geometryCorrected() const { return corrected_; }
    // The stack's gantry tilt (angle between slice normal and stacking direction).
    double tiltDegrees() const { return tilt_; }
    bool shearCorrected() const { return tilt_ > kShearToleranceDegrees; }

private:
    vtkSmartPointer<vtkImageData> image_;
    Vec3 origin_{{0, 0, 0}};
    std::array<Vec3, 3> axes_{};
    std::string modality_;
    std::string label_;
    std::vector<imaging::WindowPreset> windows_;
    std::vector<std::string> notes_;
    double minimum_ = 0;
    int interpolated_ = 0;
    bool corrected_ = false;
    double tilt_ = 0;
};

} // namespace sinar::dicom
