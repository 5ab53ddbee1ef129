#pragma once
// Ordering a series' frames into stacks of parallel slices, with the checks a
// volume needs: slices are sorted by ImagePositionPatient projected on the
// slice normal (never by file name or InstanceNumber alone); spacing,
// missing slices, gantry tilt, mixed orientations/sizes and slices sharing a
// position are detected and reported, and a series that mixes orientations,
// sizes or repeated positions is split into one stack per kind.
#include <cstddef>
#include <string>
#include <vector>

#include "dicom/instance_info.h"
#include "dicom/series_index.h"

namespace sinar::dicom {

// A stack whose positions leave its normal by more than this angle is sheared
// (gantry tilt): its volume is shear corrected.
constexpr double kShearToleranceDegrees = 0.1;

struct SliceRef {
    std::string path;
    int frame = 0;
    int instanceNumber = 0;
    Vec3 position{{0, 0, 0}};
    double distance = 0; // position projected on the stack's normal, mm
};

struct SliceStack {
    std::string seriesUid;
    int seriesNumber = 0;
    std::string seriesDescription;
    std::string modality;
    int index = 0; // stack number within its series, 0-based
    int count = 1; // stacks the series was split into

    std::vector<SliceRef> slices; // in order of increasing distance
    int rows = 0, columns = 0;
    double rowSpacing = 1, columnSpacing = 1; // mm
    bool hasGeometry = false; // every slice has a position and orientation
    Vec3 rowDirection{{1, 0, 0}};
    Vec3 columnDirection{{0, 1, 0}};
    Vec3 normal{{0, 0, 1}};

    double sliceSpacing = 0;     // distance between neighbours, mm (mean when regular, else median)
    bool uniformSpacing = true;  // every gap within 2 % (at least 0.05 mm) of the median
    int missingSlices = 0;       // gaps that are whole multiples of the spacing
    bool onRegularGrid = true;   // every gap is the spacing or a whole multiple of it
    double smallestGap = 0, largestGap = 0; // between neighbours along the normal, mm
    double tiltDegrees = 0;      // angle between the slice normal and the stacking direction
    double shearShift = 0;       // largest in-plane offset of a slice from the first, mm
    std::vector<std::string> notes; // everything detected, in words

    bool isVolume() const { return hasGeometry && slices.size() >= 2 && sliceSpacing > 0; }
    // Gantry tilt: the slices do not lie along their normal.
    bool isSheared() const { return tiltDegrees > kShearToleranceDegrees; }
    // Uniform spacing and no missing slices.
    bool spacingRegular() const { return uniformSpacing && missingSlices == 0; }
    // A volume of the stack is resampled onto a regular grid (shear, irregular
    // spacing or missing slices), not built from the slices as they are.
    bool needsResampling() const { return isVolume() && (isSheared() || !spacingRegular()); }

    // The regular grid of a volume: planes sliceSpacing apart along the normal
    // from the first slice to the last.
    size_t planeCount() const;
    // The plane slice `s` lies on (within 0.1 % of the spacing), or -1 when it
    // lies between planes.
    long planeOf(size_t s) const;
    // Planes no slice lies on: a volume fills them by interpolation.
    int interpolatedPlanes() const;
    // "series 3 (T2 AX), stack 1 of 2"
    std::string label() const;
};

// A series' geometry in a few facts, for the places a reader looks first
// (study browser, image corners, image information) and `dicom info`: those
// of the stack its volume is built from (the largest that forms one).
struct SeriesGeometry {
    bool isVolume = false;
    int slices = 0;
    double sliceSpacing = 0;                // mm
    double smallestGap = 0, largestGap = 0; // mm
    double tiltDegrees = 0;
    double shearShift = 0;       // mm
    bool sheared = false;        // gantry tilt: a volume is shear corrected
    bool spacingRegular = true;  // uniform spacing, no missing slices
    int missingSlices = 0;
    int planes = 0;              // of a volume
    int interpolatedPlanes = 0;  // planes of a volume no slice lies on
    bool corrected = false;      // a volume is resampled (shear, spacing, missing slices)

    // Every fact from `stack` (no matter whether it is a volume).
    static SeriesGeometry of(const SliceStack& stack);
    // From the largest stack that forms a volume; empty (not a volume) when none does.
    static SeriesGeometry of(const std::vector<SliceStack>& stacks);
};

// The stack a series' volume is built from: the one with most slices that
// forms a volume; null when none does.
const SliceStack* volumeStack(const std::vector<SliceStack>& stacks);

class SliceSorter {
public:
    // Splits by image size, pixel spacing and orientation, then by slices that
    // share a position (echo, temporal position, acquisition, or order of
    // appearance), sorts each stack along its normal and measures it.
    static std::vector<SliceStack> sort(const SeriesEntry& series);
};

} // namespace sinar::dicom
