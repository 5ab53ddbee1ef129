#pragma once
// Transfer syntaxes newer than the DCMTK Sinar builds with (Debian's 3.6.7 knows
// none of them and reads such a file as Little Endian Explicit, which their data
// sets are): their names, and the per-frame codecs Sinar runs itself.
//   HTJ2K (1.2.840.10008.1.2.4.201/202/203): decoded by OpenJPEG (2.5 reads
//     High-Throughput code blocks), as JPEG 2000 is;
//   Encapsulated Uncompressed Explicit VR Little Endian (1.2.840.10008.1.2.1.98):
//     each frame's native bytes in fragments;
//   Deflated Image Frame Compression (1.2.840.10008.1.2.8.1): each frame deflated
//     (RFC 1951), as segmentations use it;
//   and RLE Lossless frames of BitsAllocated 1, which DCMTK's RLE decoder refuses.
// JPEG XL and the JPIP HTJ2K syntaxes are named in the refusal.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sinar::dicom {

enum class NewerSyntax {
    None, // not one of the syntaxes below (DCMTK knows it, or an unknown UID)
    Htj2kLossless,
    Htj2kLosslessRpcl,
    Htj2k,
    JpipHtj2k,
    JpipHtj2kDeflate,
    EncapsulatedUncompressed,
    DeflatedFrames,
    JpegXlLossless,
    JpegXlRecompression,
    JpegXl,
};

NewerSyntax newerSyntax(const std::string& uid);
const char* newerSyntaxName(NewerSyntax s);
bool isHtj2k(NewerSyntax s); // decoded as JPEG 2000
// Whether Sinar decodes it (HTJ2K, encapsulated uncompressed, deflated frames).
bool decodesNewerSyntax(NewerSyntax s);

// Frame codecs Sinar runs itself. Each returns exactly `frameBytes` bytes (the
// frame's native bytes; for BitsAllocated 1 its bits packed from the lowest bit
// of the first byte) or throws sinar::Error (without a file name) naming frame
// `frameNo` (0-based) and what is wrong. None reads or writes past its buffers.
enum class FrameCodec { Uncompressed, Deflate, RleSingleBit };
std::vector<uint8_t> decodeFrame(FrameCodec codec, const std::vector<uint8_t>& data, size_t frameBytes, int frameNo);

// Copies `bits` bits of `frame` (from bit 0 of its first byte) into `out` from bit
// `at` on: native multi-frame data of BitsAllocated 1 runs on across frames
// without padding, while each encapsulated frame starts on a byte.
void placeBits(std::vector<uint8_t>& out, uint64_t at, const std::vector<uint8_t>& frame, uint64_t bits);

// Bytes a PackBits-coded RLE segment (PS3.5 G.3.2) expands to, stopping at
// `limit`; with `out`, the bytes are written there (at most `limit`).
size_t unpackBits(const uint8_t* data, size_t size, size_t limit, uint8_t* out = nullptr);

} // namespace sinar::dicom
