#include "dicom/newer_syntaxes.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/inflate.h"

namespace sinar::dicom {

namespace {

struct Known {
    const char* uid;
    const char* name;
    NewerSyntax syntax;
};

const Known kKnown[] = {
    {"1.2.840.10008.1.2.4.201", "HTJ2K Lossless", NewerSyntax::Htj2kLossless},
    {"1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", NewerSyntax::Htj2kLosslessRpcl},
    {"1.2.840.10008.1.2.4.203", "HTJ2K", NewerSyntax::Htj2k},
    {"1.2.840.10008.1.2.4.204", "JPIP HTJ2K Referenced", NewerSyntax::JpipHtj2k},
    {"1.2.840.10008.1.2.4.205", "JPIP HTJ2K Referenced Deflate", NewerSyntax::JpipHtj2kDeflate},
    {"1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", NewerSyntax::EncapsulatedUncompressed},
    {"1.2.840.10008.1.2.8.1", "Deflated Image Frame Compression", NewerSyntax::DeflatedFrames},
    {"1.2.840.10008.1.2.4.110", "JPEG XL Lossless", NewerSyntax::JpegXlLossless},
    {"1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", NewerSyntax::JpegXlRecompression},
    {"1.2.840.10008.1.2.4.112", "JPEG XL", NewerSyntax::JpegXl},
};

std::string frameName(int frameNo)
{
    return "frame " + std::to_string(frameNo + 1);
}

std::vector<uint8_t> inflateFrame(const std::vector<uint8_t>& data, size_t frameBytes, int frameNo)
{
    const std::string where = "the deflated data of " + frameName(frameNo);
    std::vector<uint8_t> out(frameBytes);
    const InflateResult r = inflateRawInto(data.data(), data.size(), out.data(), frameBytes);
    switch (r.status) {
    case InflateResult::Complete:
        return out;
    case InflateResult::Long:
        throw Error(where + " expands to more than the " + std::to_string(frameBytes) +
                    " bytes the pixel module gives a frame: the file is corrupt");
    case InflateResult::Corrupt:
        throw Error(where + " is corrupt (" + r.detail + ")");
    case InflateResult::Short:
        break;
    }
    throw Error(where + " is truncated: it expands to " + std::to_string(r.produced) + " of the " +
                std::to_string(frameBytes) + " bytes the pixel module gives a frame");
}

// PS3.5 G.5 with BitsAllocated 1: one segment holding the frame's packed bits.
std::vector<uint8_t> rleSingleBitFrame(const std::vector<uint8_t>& data, size_t frameBytes, int frameNo)
{
    const std::string where = "RLE data of " + frameName(frameNo);
    if (data.size() < 64)
        throw Error(where + " is truncated (no segment table)");
    const auto le32 = [&](size_t at) {
        return uint32_t(data[at]) | (uint32_t(data[at + 1]) << 8) | (uint32_t(data[at + 2]) << 16) | (uint32_t(data[at + 3]) << 24);
    };
    const uint32_t count = le32(0);
    if (count != 1)
        throw Error(where + " has " + std::to_string(count) + " segments; 1 expected for BitsAllocated 1");
    const uint32_t offset = le32(4);
    if (offset < 64 || offset >= data.size())
        throw Error(where + " is truncated or corrupt (segment 1 lies outside the data)");
    std::vector<uint8_t> out(frameBytes);
    const size_t got = unpackBits(data.data() + offset, data.size() - offset, frameBytes, out.data());
    if (got < frameBytes)
        throw Error(where + " is truncated (segment 1 expands to " + std::to_string(got) + " of the " +
                    std::to_string(frameBytes) + " bytes of the frame's packed bits)");
    return out;
}

} // namespace

NewerSyntax newerSyntax(const std::string& uid)
{
    for (const Known& k : kKnown)
        if (uid == k.uid)
            return k.syntax;
    return NewerSyntax::None;
}

const char* newerSyntaxName(NewerSyntax s)
{
    for (const Known& k : kKnown)
        if (k.syntax == s)
            return k.name;
    return "";
}

bool isHtj2k(NewerSyntax s)
{
    return s == NewerSyntax::Htj2kLossless || s == NewerSyntax::Htj2kLosslessRpcl || s == NewerSyntax::Htj2k;
}

bool decodesNewerSyntax(NewerSyntax s)
{
    return isHtj2k(s) || s == NewerSyntax::EncapsulatedUncompressed || s == NewerSyntax::DeflatedFrames;
}

size_t unpackBits(const uint8_t* d, size_t n, size_t limit, uint8_t* out)
{
    size_t in = 0, produced = 0;
    while (in < n && produced < limit) {
        const int c = static_cast<int8_t>(d[in++]);
        if (c >= 0) { // c + 1 literal bytes
            const size_t literal = std::min({static_cast<size_t>(c) + 1, n - in, limit - produced});
            if (out)
                std::memcpy(out + produced, d + in, literal);
            in += static_cast<size_t>(c) + 1;
            produced += literal;
        } else if (c != -128) { // the next byte 1 - c times
            if (in >= n)
                break;
            const size_t run = std::min(static_cast<size_t>(1 - c), limit - produced);
            if (out)
                std::memset(out + produced, d[in], run);
            ++in;
            produced += run;
        }
    }
    return produced;
}

std::vector<uint8_t> decodeFrame(FrameCodec codec, const std::vector<uint8_t>& data, size_t frameBytes, int frameNo)
{
    switch (codec) {
    case FrameCodec::Uncompressed:
        // A fragment has even length: one pad byte may follow the frame.
        if (data.size() < frameBytes)
            throw Error(frameName(frameNo) + " is truncated: its fragments hold " + std::to_string(data.size()) + " of " +
                        std::to_string(frameBytes) + " bytes");
        return std::vector<uint8_t>(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(frameBytes));
    case FrameCodec::Deflate:
        return inflateFrame(data, frameBytes, frameNo);
    case FrameCodec::RleSingleBit:
        return rleSingleBitFrame(data, frameBytes, frameNo);
    }
    throw Error("unknown frame codec");
}

void placeBits(std::vector<uint8_t>& out, uint64_t at, const std::vector<uint8_t>& frame, uint64_t bits)
{
    if (bits > uint64_t(frame.size()) * 8 || at + bits > uint64_t(out.size()) * 8)
        throw Error("internal error: a frame's bits do not fit the pixel buffer");
    if (at % 8 == 0) {
        const size_t whole = static_cast<size_t>(bits / 8);
        std::memcpy(out.data() + at / 8, frame.data(), whole);
        for (uint64_t b = uint64_t(whole) * 8; b < bits; ++b)
            if (frame[b / 8] >> (b % 8) & 1)
                out[(at + b) / 8] |= uint8_t(1u << ((at + b) % 8));
        return;
    }
    for (uint64_t b = 0; b < bits; ++b)
        if (frame[b / 8] >> (b % 8) & 1)
            out[(at + b) / 8] |= uint8_t(1u << ((at + b) % 8));
}

} // namespace sinar::dicom
