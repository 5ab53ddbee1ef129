#pragma once
// JPEG-LS (lossless and near-lossless) decoding with CharLS 2, in place of the
// CharLS 1.0 fork bundled in DCMTK 3.6.7's dcmjpls: that copy trusts the
// entropy-coded data (a Golomb parameter above 15 indexes past its decoding
// tables; Debian builds it with its assertions on, so other faults abort the
// process), while CharLS 2 checks what it reads and is fuzzed continuously.
// The output is what DCMTK's decoder writes for the same file, byte for byte.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dicom/fragment_frames.h"

namespace sinar::dicom {

struct JpegLsLayout {
    int rows = 0;
    int columns = 0;
    int samplesPerPixel = 1; // 1 or 3
    int bytesPerSample = 1;  // 1 (BitsAllocated 8) or 2 (16, little endian)
    int planarConfiguration = 0; // of the output: 0 colour by pixel, 1 colour by plane
};

// Decodes every frame into one native pixel buffer, frame after frame. Throws
// sinar::Error (without a file name) naming the frame when a stream is corrupt
// or does not match the layout the file's pixel module gives.
std::vector<uint8_t> decodeJpegLsFrames(const FragmentFrames& frames, const JpegLsLayout& layout);

} // namespace sinar::dicom
