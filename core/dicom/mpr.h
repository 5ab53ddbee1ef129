#pragma once
// Multiplanar reformatting: planes through a Volume at any point, resampled
// with vtkImageReslice onto square pixels so the image has the true physical
// aspect ratio.
#include <string>

#include "dicom/instance_info.h"
#include "dicom/volume.h"
#include "imaging/image.h"

namespace sinar::dicom {

enum class MprPlane { Axial, Coronal, Sagittal };

// How a thick slab's samples become one pixel: the maximum (maximum intensity
// projection), the minimum (minimum intensity projection) or the mean.
enum class SlabMode { Mip, MinIp, Average };

struct MprOptions {
    double pixelSpacing = 0; // mm per output pixel; 0: the volume's finest spacing
    bool linear = true;      // linear interpolation (else nearest neighbour)
    // A thick slab: planes parallel to the requested one across
    // `slabThickness` mm along its normal, centred on it, combined per pixel
    // by `slabMode` (samples outside the volume do not count). 0: the plane itself.
    double slabThickness = 0;
    SlabMode slabMode = SlabMode::Mip;
};

// Where a slab's planes lie: `count` planes `step` mm apart, centred on the
// requested plane (always one of them), the outermost at +-thickness/2.
struct SlabSamples {
    int count = 1;
    double step = 0;
    double offset(int k) const { return (k - (count - 1) / 2) * step; }
};

class MprReslicer {
public:
    explicit MprReslicer(const Volume& volume);

    // The anatomical plane (patient LPS axes, radiological display: the
    // patient's right on the image's left, head up) through `point` (mm).
    imaging::Image reslice(MprPlane plane, const Vec3& point, const MprOptions& options = {}) const;

    // Any plane: image x along `right`, image y along `down` (unit vectors in
    // patient coordinates), through `point`. The image covers the volume's
    // footprint on the plane; outside the volume it holds the volume's minimum.
    imaging::Image reslice(const Vec3& right, const Vec3& down, const Vec3& point, const MprOptions& options = {}) const;

    // The slab's planes for `thickness` mm: as many as keep the step at most
    // the volume's finest spacing (a thin plane for 0). Throws sinar::Error
    // for a negative or non-finite thickness.
    SlabSamples slabSamples(double thickness) const;

    static std::string name(MprPlane plane);
    static void axesOf(MprPlane plane, Vec3& right, Vec3& down);
    // "mip", "minip", "average"; slabModeFromName throws sinar::Error for another name.
    static std::string slabModeName(SlabMode mode);
    static SlabMode slabModeFromName(const std::string& name);

private:
    const Volume& volume_;
};

} // namespace sinar::dicom
