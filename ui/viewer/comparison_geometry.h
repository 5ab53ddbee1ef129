#pragma once
// The geometry behind comparing series side by side, without widgets:
// where each image of a stack lies in the patient (from the headers the scan
// read, so nothing has to be decoded), which slice of one series is nearest
// to a patient position, whether two series can scroll together, and the
// reference line of one slice's plane on another slice.
#include <QLineF>
#include <optional>
#include <string>
#include <vector>

#include "ui/heatmap/heatmap_render.h"
#include "ui/viewer/image_stack.h"

namespace sinar::ui {

// The geometry of every item of `stack` from its DICOM headers (position,
// orientation, pixel spacing, rows and columns); empty for items that are not
// DICOM or lack a position or orientation.
std::vector<std::optional<SliceGeometry>> stackGeometries(const ImageStack& stack);

// The centre of a slice in patient coordinates (mm).
dicom::Vec3 sliceCentre(const SliceGeometry& slice);

// The index of the position nearest to `point` along `normal`: each position
// (ImagePositionPatient of a slice) and the point are projected on the normal
// and the smallest distance wins (the first of equals). -1 when empty.
int nearestSliceIndex(const std::vector<dicom::Vec3>& positions, const dicom::Vec3& normal, const dicom::Vec3& point);

// The slice nearest to `point` along the stack's normal (its first slice's),
// among the slices with a geometry; -1 when none has one.
int nearestStackIndex(const std::vector<std::optional<SliceGeometry>>& slices, const dicom::Vec3& point);

// Whether two slices' normals are within `degrees` of each other (either sign).
bool sameOrientation(const SliceGeometry& a, const SliceGeometry& b, double degrees = 5.0);

// Whether two series scroll together by position: they share a frame of
// reference (both UIDs known and equal), or their slices have the same
// orientation.
bool scrollLinkable(const SliceGeometry& a, const std::string& frameOfReferenceA, const SliceGeometry& b,
                    const std::string& frameOfReferenceB);

// Where the plane of `source` cuts the slice `target`, in the target's image
// coordinates as ImageView draws them (pixel (i, j) covers [i, i+1) x
// [j, j+1), its centre at (i + 0.5, j + 0.5)), clipped to the image
// [0, width] x [0, height]. None when the planes are parallel (normals within
// a hundredth of a degree) or the line misses the image.
std::optional<QLineF> referenceLine(const SliceGeometry& target, const SliceGeometry& source);

// FrameOfReferenceUID (0020,0052) from a loaded image's tags; empty when absent.
std::string frameOfReferenceOf(const LoadedImage& image);

} // namespace sinar::ui
