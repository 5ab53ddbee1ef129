#include "dicom/jpegls_decoder.h"

#include <charls/charls.h>

#include <string>

#include "common/error.h"

namespace sinar::dicom {

namespace {

// Reorders one frame between colour by pixel (RGBRGB...) and colour by plane (RR..GG..BB..),
// as DCMTK's createPlanarConfiguration0/1 do after decoding.
void reorder(uint8_t* frame, size_t pixels, int bytesPerSample, bool toPlanes)
{
    const size_t sampleBytes = static_cast<size_t>(bytesPerSample);
    std::vector<uint8_t> copy(frame, frame + pixels * 3 * sampleBytes);
    for (size_t p = 0; p < pixels; ++p)
        for (size_t c = 0; c < 3; ++c) {
            const size_t byPixel = (p * 3 + c) * sampleBytes, byPlane = (c * pixels + p) * sampleBytes;
            for (size_t b = 0; b < sampleBytes; ++b)
                frame[(toPlanes ? byPlane : byPixel) + b] = copy[(toPlanes ? byPixel : byPlane) + b];
        }
}

// Zero bytes between the entropy-coded data and the end-of-image marker, written by some
// encoders to give the stream an even length (NEMA WG04's MR1_JLSL has one), are padding: a
// JPEG-LS scan cannot end in a zero byte unless it follows 0xFF (bit stuffing). DCMTK's CharLS
// 1.0 stops reading before them; CharLS 2 requires the marker next, so they are dropped.
void dropZerosBeforeEndOfImage(std::vector<uint8_t>& data)
{
    size_t end = data.size();
    while (end >= 2 && !(data[end - 2] == 0xFF && data[end - 1] == 0xD9))
        --end; // padding after the marker
    if (end < 4)
        return;
    size_t zeros = end - 2;
    while (zeros > 1 && data[zeros - 1] == 0x00 && data[zeros - 2] != 0xFF)
        --zeros;
    data.erase(data.begin() + static_cast<long>(zeros), data.begin() + static_cast<long>(end - 2));
}

std::string frameName(size_t index)
{
    return "the JPEG-LS data of frame " + std::to_string(index + 1);
}

} // namespace

std::vector<uint8_t> decodeJpegLsFrames(const FragmentFrames& frames, const JpegLsLayout& layout)
{
    const size_t pixels = static_cast<size_t>(layout.rows) * static_cast<size_t>(layout.columns);
    const size_t frameBytes = pixels * static_cast<size_t>(layout.samplesPerPixel) * static_cast<size_t>(layout.bytesPerSample);
    std::vector<uint8_t> out(frameBytes * frames.frameCount());
    for (size_t f = 0; f < frames.frameCount(); ++f) {
        std::vector<uint8_t> data = frames.joined(f);
        dropZerosBeforeEndOfImage(data);
        charls::interleave_mode interleave = charls::interleave_mode::none;
        try {
            charls::jpegls_decoder decoder;
            decoder.source(data.data(), data.size());
            decoder.read_header();
            const charls::frame_info& info = decoder.frame_info();
            // What DCMTK's decoder compares (EC_JLSImageDataMismatch), said in full.
            const bool bitsFit = layout.bytesPerSample == 1 ? info.bits_per_sample <= 8 : info.bits_per_sample > 8;
            if (info.width != static_cast<uint32_t>(layout.columns) || info.height != static_cast<uint32_t>(layout.rows) ||
                info.component_count != layout.samplesPerPixel || !bitsFit)
                throw Error(frameName(f) + " holds " + std::to_string(info.width) + " x " + std::to_string(info.height) +
                            " pixels of " + std::to_string(info.component_count) + " samples of " +
                            std::to_string(info.bits_per_sample) + " bits, but the pixel module says " +
                            std::to_string(layout.columns) + " x " + std::to_string(layout.rows) + " of " +
                            std::to_string(layout.samplesPerPixel) + " samples of " + std::to_string(8 * layout.bytesPerSample) +
                            " bits allocated");
            interleave = decoder.interleave_mode();
            if (decoder.destination_size() != frameBytes)
                throw Error(frameName(f) + " decodes to " + std::to_string(decoder.destination_size()) + " bytes, not the " +
                            std::to_string(frameBytes) + " of a frame");
            decoder.decode(out.data() + f * frameBytes, frameBytes);
        } catch (const charls::jpegls_error& e) {
            throw Error(frameName(f) + " is corrupt: " + e.code().message());
        }
        // CharLS writes colour by plane for a scan without interleaving and colour by pixel for
        // line and sample interleaving; DCMTK then converts to the planar configuration asked for.
        if (layout.samplesPerPixel == 3) {
            const bool planes = interleave == charls::interleave_mode::none;
            if (planes != (layout.planarConfiguration == 1))
                reorder(out.data() + f * frameBytes, pixels, layout.bytesPerSample, !planes);
        }
    }
    return out;
}

} // namespace sinar::dicom
