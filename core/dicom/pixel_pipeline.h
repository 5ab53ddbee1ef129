#pragma once
// The pixel pipeline of PS3.3 C.7.6.3 / C.11, up to (not including) VOI:
// stored bits -> masked, sign-extended stored values -> Modality LUT or
// rescale (real values, HU for CT) -> MONOCHROME1 mirrored so high is bright;
// YBR and palette colour -> RGB. Window presets come from the file (every
// centre/width pair, VOI LUTs as their linear span) plus an automatic one.
#include <cstddef>
#include <cstdint>
#include <opencv2/core.hpp>

#include "dicom/frame.h"
#include "dicom/instance_info.h"
#include "dicom/j2k_decoder.h"

namespace sinar::dicom {

class PixelPipeline {
public:
    // Checks that the pixel description is one this pipeline handles; throws
    // sinar::Error (without a file name) when it is not.
    explicit PixelPipeline(const InstanceInfo& info);

    // Stored values (CV_32FC1, or CV_32FC3 pixel-interleaved) of frame `index`
    // from native pixel data given as the little-endian byte stream DCMTK
    // returns for OB and OW alike. `swapWordPairs`: 32-bit samples read from
    // big-endian OW arrive with their 16-bit halves swapped.
    cv::Mat storedFromNative(const uint8_t* bytes, size_t length, int index, bool swapWordPairs) const;

    // The native data came out of a lossy decoder (JPEG lossy, JPEG-LS
    // near-lossless): values beyond BitsStored are clamped, not masked.
    void setLossyDecoded(bool lossy) { lossyDecoded_ = lossy; }

    // Stored values from a JPEG 2000 decode. A codestream whose signedness
    // disagrees with PixelRepresentation is reinterpreted with BitsStored.
    cv::Mat storedFromJ2k(const J2kImage& image) const;

    // Real values, colour conversion, windows. `colorIsRgb`: colour samples are
    // already RGB whatever PhotometricInterpretation says (JPEG 2000 with a
    // multi-component transform).
    Frame toFrame(const cv::Mat& stored, int index, bool colorIsRgb) const;

private:
    const InstanceInfo& info_;
    double storedMin_ = 0;
    double storedMax_ = 0;
    bool lossyDecoded_ = false;
};

} // namespace sinar::dicom
