#pragma once
// Ordering a series' frames into stacks of parallel slices, with the checks a
// volume needs: slices are sorted by ImagePositionPatient projected on the
// slice normal (never by file name or InstanceNumber alone); spacing,
// missing slices, gantry tilt, mixed orientations/sizes and slices sharing a
// position are detected and reported, and a series that mixes orientations,
// sizes or repeated positions is split into one stack per kind.
#include <string>
#include <vector>

#include "dicom/instance_info.h"
#include "dicom/series_index.h"

namespace sinar::dicom {

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
    double tiltDegrees = 0;      // angle between the slice normal and the stacking direction
    std::vector<std::string> notes; // everything detected, in words

    bool isVolume() const { return hasGeometry && slices.size() >= 2 && sliceSpacing > 0; }
    // "series 3 (T2 AX), stack 1 of 2"
    std::string label() const;
};

class SliceSorter {
public:
    // Splits by image size, pixel spacing and orientation, then by slices that
    // share a position (echo, temporal position, acquisition, or order of
    // appearance), sorts each stack along its normal and measures it.
    static std::vector<SliceStack> sort(const SeriesEntry& series);
};

} // namespace sinar::dicom
