#pragma once
// What a DICOM viewer shows: a frame through its VOI (window or VOI LUT) as
// 8-bit pixels. Linear windows use imaging::applyWindow, the same mapping the
// preprocessing recipe applies, so an exported PNG is exactly what a model
// with that window sees.
#include <opencv2/core.hpp>

#include "dicom/frame.h"
#include "dicom/instance_info.h"
#include "imaging/image.h"

namespace sinar::dicom {

class DisplayRenderer {
public:
    // CV_8UC1, or CV_8UC3 in RGB order for colour. `window` overrides the
    // file's VOI for monochrome frames; otherwise the file's first window
    // (SIGMOID when its VOI LUT Function says so), else its first VOI LUT
    // sequence, else the automatic min-max window.
    static cv::Mat render(const Frame& frame, const InstanceInfo& info, const imaging::WindowPreset* window = nullptr);
};

} // namespace sinar::dicom
