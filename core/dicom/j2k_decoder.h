#pragma once
// JPEG 2000 (lossless and lossy) decoding with OpenJPEG; DCMTK has no JPEG 2000 codec.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sinar::dicom {

struct J2kImage {
    int width = 0;
    int height = 0;
    int components = 0;
    int precision = 0;     // bits per sample of the first component
    bool isSigned = false; // of the first component
    bool colorTransform = false; // the codestream applied a multi-component transform (YBR_RCT/ICT)
    std::vector<int32_t> samples; // pixel-interleaved, width * height * components
};

class J2kDecoder {
public:
    // Decodes a raw codestream (starting with SOC FF4F) or a JP2 file (some
    // writers wrap the codestream in JP2 boxes). `threads` > 1 lets OpenJPEG
    // decode code blocks in parallel. Throws sinar::Error (without a file name)
    // when the stream is truncated, corrupt or unsupported: OpenJPEG runs in
    // strict mode, so a short stream is an error rather than a partly grey image.
    static J2kImage decode(const uint8_t* data, size_t size, int threads = 1);

    // True when the bytes start a JPEG 2000 codestream or a JP2 file.
    static bool isCodestreamStart(const uint8_t* data, size_t size);
};

} // namespace sinar::dicom
