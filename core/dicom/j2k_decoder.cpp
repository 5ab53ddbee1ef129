#include "dicom/j2k_decoder.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "common/error.h"
#include "dicom/fragment_frames.h"

namespace sinar::dicom {

namespace {

struct MemoryStream {
    const uint8_t* data;
    size_t size;
    size_t pos;
};

OPJ_SIZE_T readBytes(void* buffer, OPJ_SIZE_T n, void* user)
{
    auto* s = static_cast<MemoryStream*>(user);
    if (s->pos >= s->size)
        return static_cast<OPJ_SIZE_T>(-1);
    const size_t count = std::min<size_t>(n, s->size - s->pos);
    std::memcpy(buffer, s->data + s->pos, count);
    s->pos += count;
    return count;
}

OPJ_OFF_T skipBytes(OPJ_OFF_T n, void* user)
{
    auto* s = static_cast<MemoryStream*>(user);
    if (n < 0) {
        const size_t back = std::min<size_t>(static_cast<size_t>(-n), s->pos);
        s->pos -= back;
        return -static_cast<OPJ_OFF_T>(back);
    }
    const size_t count = std::min<size_t>(static_cast<size_t>(n), s->size - s->pos);
    s->pos += count;
    return static_cast<OPJ_OFF_T>(count);
}

OPJ_BOOL seekTo(OPJ_OFF_T n, void* user)
{
    auto* s = static_cast<MemoryStream*>(user);
    if (n < 0 || static_cast<size_t>(n) > s->size)
        return OPJ_FALSE;
    s->pos = static_cast<size_t>(n);
    return OPJ_TRUE;
}

void collectMessage(const char* msg, void* user)
{
    auto* out = static_cast<std::string*>(user);
    if (!out->empty())
        return; // the first message names the cause
    *out = msg ? msg : "";
    while (!out->empty() && (out->back() == '\n' || out->back() == ' '))
        out->pop_back();
}

bool isJp2(const uint8_t* d, size_t n)
{
    static const uint8_t sig[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
    return n >= 12 && std::memcmp(d, sig, 12) == 0;
}

bool isRawCodestream(const uint8_t* d, size_t n)
{
    return n >= 4 && d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51;
}

// Reads the multiple component transform flag from the COD marker of a raw codestream.
bool readMctFlag(const uint8_t* d, size_t n)
{
    size_t p = 2; // after SOC
    while (p + 4 <= n) {
        if (d[p] != 0xFF)
            return false;
        const uint8_t marker = d[p + 1];
        const size_t len = (static_cast<size_t>(d[p + 2]) << 8) | d[p + 3];
        if (marker == 0x52) // COD: Lcod(2) Scod(1) progression(1) layers(2) MCT(1)
            return p + 8 < n && d[p + 8] != 0;
        if (marker == 0x90 || len < 2) // SOT: end of the main header
            return false;
        p += 2 + len;
    }
    return false;
}

struct CodecDeleter {
    void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
    void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
    void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

} // namespace

bool J2kDecoder::isCodestreamStart(const uint8_t* data, size_t size)
{
    return isRawCodestream(data, size) || isJp2(data, size);
}

J2kImage J2kDecoder::decode(const uint8_t* data, size_t size, int threads)
{
    const bool jp2 = isJp2(data, size);
    if (!jp2 && !isRawCodestream(data, size))
        throw Error("JPEG 2000 data does not start with a codestream (SOC/SIZ) or JP2 signature");
    // A complete codestream ends with EOC (FFD9), possibly followed by padding.
    if (!jp2 && !FragmentFrames::endsWithMarker(data, size, 0xFF, 0xD9))
        throw Error("JPEG 2000 codestream is truncated (no end-of-codestream marker)");

    MemoryStream mem{data, size, 0};
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
    if (!stream)
        throw Error("cannot create a JPEG 2000 input stream");
    opj_stream_set_user_data(stream.get(), &mem, nullptr);
    opj_stream_set_user_data_length(stream.get(), size);
    opj_stream_set_read_function(stream.get(), readBytes);
    opj_stream_set_skip_function(stream.get(), skipBytes);
    opj_stream_set_seek_function(stream.get(), seekTo);

    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
    std::string error;
    opj_set_error_handler(codec.get(), collectMessage, &error);
    opj_set_warning_handler(codec.get(), [](const char*, void*) {}, nullptr);
    opj_set_info_handler(codec.get(), [](const char*, void*) {}, nullptr);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params))
        throw Error("cannot set up the JPEG 2000 decoder");
    opj_decoder_set_strict_mode(codec.get(), OPJ_TRUE);
    if (threads > 1 && opj_has_thread_support())
        opj_codec_set_threads(codec.get(), threads);

    opj_image_t* raw = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &raw)) {
        opj_image_destroy(raw);
        throw Error("corrupt JPEG 2000 header" + (error.empty() ? std::string() : " (" + error + ")"));
    }
    std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
    if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
        throw Error("corrupt or truncated JPEG 2000 data" + (error.empty() ? std::string() : " (" + error + ")"));

    const int nc = static_cast<int>(image->numcomps);
    if (nc < 1 || !image->comps)
        throw Error("JPEG 2000 image has no components");
    const opj_image_comp_t& c0 = image->comps[0];
    J2kImage out;
    out.width = static_cast<int>(c0.w);
    out.height = static_cast<int>(c0.h);
    out.components = nc;
    out.precision = static_cast<int>(c0.prec);
    out.isSigned = c0.sgnd != 0;
    if (jp2) {
        // The codestream sits in the JP2 file's 'jp2c' box.
        const uint8_t soc[4] = {0xFF, 0x4F, 0xFF, 0x51};
        const uint8_t* end = data + std::min<size_t>(size, 1 << 16);
        const uint8_t* cs = std::search(data, end, soc, soc + 4);
        out.colorTransform = cs != end && readMctFlag(cs, size - static_cast<size_t>(cs - data));
    } else {
        out.colorTransform = readMctFlag(data, size);
    }
    for (int c = 0; c < nc; ++c) {
        const opj_image_comp_t& comp = image->comps[c];
        if (!comp.data)
            throw Error("JPEG 2000 component " + std::to_string(c) + " was not decoded");
        if (comp.w != c0.w || comp.h != c0.h || comp.dx != 1 || comp.dy != 1)
            throw Error("JPEG 2000 components with subsampling are not supported");
    }
    const size_t pixels = static_cast<size_t>(out.width) * static_cast<size_t>(out.height);
    out.samples.resize(pixels * static_cast<size_t>(nc));
    for (int c = 0; c < nc; ++c) {
        const OPJ_INT32* src = image->comps[c].data;
        int32_t* dst = out.samples.data() + c;
        for (size_t i = 0; i < pixels; ++i, dst += nc)
            *dst = src[i];
    }
    return out;
}

} // namespace sinar::dicom
