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

struct MprOptions {
    double pixelSpacing = 0; // mm per output pixel; 0: the volume's finest spacing
    bool linear = true;      // linear interpolation (else nearest neighbour)
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

    static std::string name(MprPlane plane);
    static void axesOf(MprPlane plane, Vec3& right, Vec3& down);

private:
    const Volume& volume_;
};

} // namespace sinar::dicom
