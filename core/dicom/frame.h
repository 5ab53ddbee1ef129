#pragma once
// One decoded DICOM frame: the common Image plus what only DICOM knows.
#include "dicom/instance_info.h"
#include "imaging/image.h"

namespace sinar::dicom {

struct Frame {
    // Real values (after the Modality LUT: HU for CT), CV_32FC1; or RGB
    // (CV_32FC3) for colour images. windows[0] is the file's first window (or
    // the automatic one when the file has none); spacing in mm.
    imaging::Image image;
    int index = 0;      // frame number within the file, 0-based
    int frameCount = 1; // frames in the file
    FrameAttributes attributes;
    // MONOCHROME1 images are mirrored in their value range (v' = min + max - v)
    // and so are their windows: high values are bright for every image, as
    // the preprocessing and any PNG of the same pixels assume.
    bool invertedMonochrome1 = false;
    // The range the real values can take (stored range through the Modality LUT).
    double rangeMin = 0;
    double rangeMax = 0;
};

} // namespace sinar::dicom
