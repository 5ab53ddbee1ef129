#include "dicom/dicom_reader.h"

#include <cstring>
#include <mutex>
#include <new>
#include <optional>

#include "common/error.h"
#include "common/parallel.h"
#include "common/text.h"
#include "dicom/dcmtk_file.h"
#include "dicom/fragment_frames.h"
#include "dicom/j2k_decoder.h"
#include "dicom/jpegls_decoder.h"
#include "dicom/newer_syntaxes.h"
#include "dicom/pixel_pipeline.h"

namespace sinar::dicom {

namespace {

bool isJ2k(E_TransferSyntax x)
{
    return x == EXS_JPEG2000LosslessOnly || x == EXS_JPEG2000 || x == EXS_JPEG2000MulticomponentLosslessOnly ||
           x == EXS_JPEG2000Multicomponent;
}

bool isJpegFamily(E_TransferSyntax x)
{
    return (x >= EXS_JPEGProcess1 && x <= EXS_JPEGProcess14SV1) || x == EXS_JPEGLSLossless || x == EXS_JPEGLSLossy;
}

bool isVideo(E_TransferSyntax x)
{
    return x >= EXS_MPEG2MainProfileAtMainLevel && x <= EXS_HEVCMain10ProfileLevel5_1;
}

bool isJpegStart(const uint8_t* d, size_t n)
{
    return n >= 2 && d[0] == 0xFF && d[1] == 0xD8;
}

uint32_t le32(const uint8_t* p)
{
    return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// PS3.5 G.5: an RLE frame is a 64-byte table of segment offsets, then one
// PackBits segment per byte plane, each expanding to one byte per pixel.
// The decoder accepts short segments, so they are checked here.
void checkRleFrame(const std::vector<uint8_t>& frame, int segmentsExpected, size_t pixels, int frameNo)
{
    const std::string where = "RLE data of frame " + std::to_string(frameNo + 1);
    if (frame.size() < 64)
        throw Error(where + " is truncated (no segment table)");
    const uint32_t count = le32(frame.data());
    if (count == 0 || count > 15 || static_cast<int>(count) != segmentsExpected)
        throw Error(where + " has " + std::to_string(count) + " segments, " + std::to_string(segmentsExpected) + " expected");
    std::vector<size_t> offsets;
    for (uint32_t s = 0; s < count; ++s) {
        const uint32_t offset = le32(frame.data() + 4 + 4 * s);
        if (offset < 64 || (!offsets.empty() && offset <= offsets.back()) || offset >= frame.size())
            throw Error(where + " is truncated or corrupt (segment " + std::to_string(s + 1) + " lies outside the data)");
        offsets.push_back(offset);
    }
    for (uint32_t s = 0; s < count; ++s) {
        const size_t end = s + 1 < count ? offsets[s + 1] : frame.size();
        if (unpackBits(frame.data() + offsets[s], end - offsets[s], pixels) < pixels)
            throw Error(where + " is truncated (segment " + std::to_string(s + 1) + " is short)");
    }
}

// Calls fn(at) for every marker segment FF `code` of a JPEG or JPEG-LS frame,
// `at` being its first byte after the 2-byte length. Entropy-coded data cannot
// hold a marker (JPEG stuffs every FF with 00, JPEG-LS with a byte below 80),
// so a scan of the bytes finds every segment, also those between scans.
template <class Fn>
void forEachSegment(const std::vector<uint8_t>& frame, uint8_t code, Fn fn)
{
    const size_t n = frame.size();
    for (size_t p = 0; p + 4 <= n; ++p) {
        if (frame[p] != 0xFF || frame[p + 1] != code)
            continue;
        const size_t end = std::min(n, p + 2 + ((size_t(frame[p + 2]) << 8) | frame[p + 3]));
        fn(p + 4, end);
        p = std::max(p, end - 1);
    }
}

// The IJG decoders DCMTK bundles (libjpeg 6b) take a DC Huffman table's
// symbols, the sizes of the coefficient differences, on trust: a symbol above
// 15 (16 in lossless JPEG) makes them shift by negative or oversized amounts
// and index their 16-entry tables past the end (found by fuzz_dicom with DCMTK
// instrumented: symbol 251). As libjpeg-turbo does, such a table is refused.
// A scan that selects a table beyond the four JPEG has makes libjpeg 6b index
// its 4-entry table arrays past the end before it checks the number (found
// the same way: table 15), so each start-of-scan's selectors are read first.
// In lossless JPEG a point transform (Al) of the sample precision or more
// makes it shift by a negative amount (its initial predictor, 1 << (P - Al -
// 1)); libjpeg-turbo refuses it, and so does Sinar.
// DCMTK's decoder writes the frame into a buffer of Rows x Columns x samples whatever size the
// start-of-frame gives (found by the mutation sweep: Columns 65280 over a 256-wide JPEG opened
// as a 449 MB image of stripes), so the two must agree, as for JPEG-LS and JPEG 2000.
void checkJpegFrame(const std::vector<uint8_t>& frame, bool lossless, int frameNo, int rows, int columns, int samples)
{
    const std::string where = "the JPEG data of frame " + std::to_string(frameNo + 1) + " is corrupt: ";
    unsigned precision = 0; // the first start-of-frame's P
    size_t sof = 0;
    for (size_t p = 0; precision == 0 && p + 4 < frame.size(); ++p)
        if (frame[p] == 0xFF && frame[p + 1] >= 0xC0 && frame[p + 1] <= 0xCF && frame[p + 1] != 0xC4 && frame[p + 1] != 0xC8 &&
            frame[p + 1] != 0xCC) {
            precision = frame[p + 4];
            sof = p + 4;
        }
    if (precision > 0 && sof + 5 < frame.size()) {
        const int height = (frame[sof + 1] << 8) | frame[sof + 2], width = (frame[sof + 3] << 8) | frame[sof + 4];
        const int components = frame[sof + 5];
        // A height of 0 (defined by a DNL marker later) the decoder refuses itself.
        if ((height != 0 && height != rows) || width != columns || components != samples)
            throw Error("the JPEG data of frame " + std::to_string(frameNo + 1) + " holds " + std::to_string(width) + " x " +
                        std::to_string(height) + " pixels of " + std::to_string(components) +
                        (components == 1 ? " sample" : " samples") + ", but the pixel module says " + std::to_string(columns) +
                        " x " + std::to_string(rows) + " of " + std::to_string(samples));
    }
    forEachSegment(frame, 0xDA, [&](size_t at, size_t) {
        const size_t n = at < frame.size() ? frame[at] : 0;
        for (size_t c = 0; c < n && at + 2 + 2 * c < frame.size(); ++c) {
            const unsigned selectors = frame[at + 2 + 2 * c], dc = selectors >> 4, ac = selectors & 15;
            if (dc > 3 || ac > 3)
                throw Error(where + "a scan selects Huffman table " + std::to_string(std::max(dc, ac)) + " (JPEG has tables 0 to 3)");
        }
        const size_t pointTransformAt = at + 1 + 2 * n + 2; // after the components, Ss and Se
        if (lossless && precision > 0 && pointTransformAt < frame.size() && (frame[pointTransformAt] & 15) >= precision)
            throw Error(where + "a lossless scan's point transform is " + std::to_string(frame[pointTransformAt] & 15) +
                        ", not below the sample precision of " + std::to_string(precision) + " bits");
    });
    const unsigned maxSymbol = lossless ? 16 : 15;
    forEachSegment(frame, 0xC4, [&](size_t at, size_t end) {
        for (size_t t = at; t + 17 <= end;) {
            const bool dc = (frame[t] >> 4) == 0;
            size_t count = 0;
            for (int i = 1; i <= 16; ++i)
                count += frame[t + i];
            for (size_t i = 0; dc && i < count && t + 17 + i < end; ++i)
                if (frame[t + 17 + i] > maxSymbol)
                    throw Error("the JPEG data of frame " + std::to_string(frameNo + 1) +
                                " is corrupt: a DC Huffman table holds the size " + std::to_string(frame[t + 17 + i]) +
                                " (at most " + std::to_string(maxSymbol) + ")");
            t += 17 + count;
        }
    });
}

// DCMTK 3.6.7 reads a JPEG fragment's precision by walking its markers up to the first
// start-of-frame (DJCodecDecoder::scanJpegDataForBitDepth), and on a TEM marker (FF01) it
// neither advances nor stops: the process loops forever (found by the mutation sweep: an APP0
// marker FFE0 damaged to FF01). Each fragment is walked the same way first.
void checkJpegMarkerWalk(const uint8_t* data, size_t n, size_t fragmentNo)
{
    const auto u16 = [data](size_t at) { return static_cast<size_t>((data[at] << 8) | data[at + 1]); };
    for (size_t at = 0; at + 4 < n;) {
        const unsigned marker = static_cast<unsigned>(u16(at));
        if (marker >= 0xFFC0 && marker <= 0xFFCF && marker != 0xFFC4 && marker != 0xFFC8 && marker != 0xFFCC)
            return; // a start-of-frame: the walk ends
        if (marker == 0xFF01)
            throw Error("the JPEG data of fragment " + std::to_string(fragmentNo + 1) +
                        " is corrupt: a TEM marker (FF01) stands before its start-of-frame, where DCMTK's decoder would "
                        "loop forever");
        if (marker == 0xFFC4 || marker == 0xFFC8 || marker == 0xFFCC || (marker >= 0xFFDA && marker <= 0xFFFE))
            at += u16(at + 2) + 2; // a segment with a length
        else if (marker == 0xFFFF)
            at += 1; // a fill byte: DCMTK steps one byte, so FF FF FF 01 reaches a TEM marker too
        else if ((marker >= 0xFFD0 && marker <= 0xFFD9) || (data[at] == 0xFF && data[at + 1] > 2 && data[at + 1] <= 0xBF))
            at += 2; // RSTn, SOI, EOI and reserved markers
        else
            return; // not a marker: DCMTK's walk stops (and its decoder fails)
    }
}

// The default JPEG-LS thresholds for a MAXVAL and NEAR (ISO/IEC 14495-1 C.2.4.1.1.1).
void jpegLsDefaultThresholds(int maxval, int near, int& t1, int& t2, int& t3)
{
    const auto clamp = [maxval](int i, int j) { return i > maxval || i < j ? j : i; };
    if (maxval >= 128) {
        const int factor = (std::min(maxval, 4095) + 128) / 256;
        t1 = clamp(factor * (3 - 2) + 2 + 3 * near, near + 1);
        t2 = clamp(factor * (7 - 3) + 3 + 5 * near, t1);
        t3 = clamp(factor * (21 - 4) + 4 + 7 * near, t2);
    } else {
        const int factor = 256 / (maxval + 1);
        t1 = clamp(std::max(2, 3 / factor + 3 * near), near + 1);
        t2 = clamp(std::max(3, 7 / factor + 5 * near), t1);
        t3 = clamp(std::max(4, 21 / factor + 7 * near), t2);
    }
}

// Two fields of a JPEG-LS frame that the CharLS DCMTK bundles takes on trust.
// A scan's interleave mode goes into an enum of three values whatever the
// byte holds (found by fuzz_dicom with DCMTK instrumented: 94, undefined
// behaviour); CharLS reads the start-of-scan byte by byte, past a length that
// is too short, and so does this check. And the frame's preset coding parameters (an LSE segment of type 1:
// MAXVAL, T1, T2, T3, RESET) are taken on trust by the CharLS DCMTK bundles:
// a RESET of 1 made it read outside a table (AddressSanitizer) and, in
// Debian's build, abort the whole process on an assertion; a RESET of 65535
// overflows its context counters (another assertion). Found by hand, editing
// the presets of a real file. They are checked as ISO/IEC 14495-1 C.2.4.1.1
// and CharLS 2 check them, with RESET at most 255, what the counters of
// DCMTK's CharLS 1.0 hold.
void checkJpegLsFrame(const std::vector<uint8_t>& frame, int frameNo)
{
    int precision = 0, near = -1;
    forEachSegment(frame, 0xF7, [&](size_t at, size_t end) { // start of frame: P first
        if (precision == 0 && at < end)
            precision = frame[at];
    });
    forEachSegment(frame, 0xDA, [&](size_t at, size_t) { // start of scan: NEAR and ILV after the components
        const size_t nearAt = at < frame.size() ? at + 1 + 2 * size_t(frame[at]) : frame.size();
        if (near < 0 && nearAt < frame.size())
            near = frame[nearAt];
        if (nearAt + 1 < frame.size() && frame[nearAt + 1] > 2)
            throw Error("the JPEG-LS data of frame " + std::to_string(frameNo + 1) +
                        " is corrupt: a scan's interleave mode is " + std::to_string(frame[nearAt + 1]) + " (0, 1 or 2)");
    });
    if (precision < 2 || precision > 16)
        return; // CharLS refuses the frame itself
    near = std::max(near, 0);
    const int maxComponent = (1 << precision) - 1;
    forEachSegment(frame, 0xF8, [&](size_t at, size_t) {
        if (at + 11 > frame.size() || frame[at] != 1)
            return; // not preset coding parameters
        const auto word = [&](int i) { return (int(frame[at + 1 + 2 * i]) << 8) | frame[at + 2 + 2 * i]; };
        const int maxvalGiven = word(0), t1Given = word(1), t2Given = word(2), t3Given = word(3), reset = word(4);
        const auto refuse = [&](const std::string& what, int value, const std::string& range) {
            throw Error("the JPEG-LS data of frame " + std::to_string(frameNo + 1) + " is corrupt: its preset coding parameters give " +
                        what + " " + std::to_string(value) + " (" + range + ")");
        };
        const int maxval = maxvalGiven ? maxvalGiven : maxComponent;
        if (maxval > maxComponent)
            refuse("MAXVAL", maxval, "at most " + std::to_string(maxComponent) + " for " + std::to_string(precision) + "-bit samples");
        int t1 = 0, t2 = 0, t3 = 0;
        jpegLsDefaultThresholds(maxval, near, t1, t2, t3);
        if (t1Given && (t1Given < near + 1 || t1Given > maxval))
            refuse("T1", t1Given, std::to_string(near + 1) + " to " + std::to_string(maxval));
        t1 = t1Given ? t1Given : t1;
        if (t2Given && (t2Given < t1 || t2Given > maxval))
            refuse("T2", t2Given, std::to_string(t1) + " to " + std::to_string(maxval));
        t2 = t2Given ? t2Given : t2;
        if (t3Given && (t3Given < t2 || t3Given > maxval))
            refuse("T3", t3Given, std::to_string(t2) + " to " + std::to_string(maxval));
        if (reset && (reset < 3 || reset > 255))
            refuse("RESET", reset, "3 to 255");
    });
}

bool isLossyJpeg(E_TransferSyntax x)
{
    return x >= EXS_JPEGProcess1 && x <= EXS_JPEGProcess29 && x != EXS_JPEGProcess14 && x != EXS_JPEGProcess14SV1 &&
           x != EXS_JPEGProcess15 && x != EXS_JPEGProcess28 && x != EXS_JPEGProcess29;
}

// Whether a lossy colour JPEG holds YCbCr or RGB. Writers disagree with their
// own PhotometricInterpretation often enough that the stream's markers come
// first: Adobe APP14 transform flag, JFIF, component ids 'R','G','B', chroma
// subsampling; the DICOM header decides only when the stream says nothing.
bool jpegIsYcbcr(const uint8_t* d, size_t n, const std::string& photometric)
{
    bool jfif = false;
    int adobeTransform = -1;
    int ids[3] = {0, 0, 0};
    int sampling[3] = {0, 0, 0};
    bool haveFrame = false;
    size_t p = 2;
    while (p + 4 <= n && d[p] == 0xFF) {
        const uint8_t m = d[p + 1];
        const size_t len = (size_t(d[p + 2]) << 8) | d[p + 3];
        const uint8_t* seg = d + p + 4;
        const size_t segLen = len >= 2 ? len - 2 : 0;
        if (p + 2 + len > n)
            break;
        if (m == 0xE0 && segLen >= 5 && std::memcmp(seg, "JFIF", 5) == 0)
            jfif = true;
        else if (m == 0xEE && segLen >= 12 && std::memcmp(seg, "Adobe", 5) == 0)
            adobeTransform = seg[11];
        else if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC && segLen >= 6 && seg[5] == 3 && segLen >= 15) {
            for (int c = 0; c < 3; ++c) {
                ids[c] = seg[6 + 3 * c];
                sampling[c] = seg[7 + 3 * c];
            }
            haveFrame = true;
        } else if (m == 0xDA) {
            break;
        }
        p += 2 + len;
    }
    if (adobeTransform >= 0)
        return adobeTransform != 0;
    if (jfif)
        return true;
    if (haveFrame && ids[0] == 'R' && ids[1] == 'G' && ids[2] == 'B')
        return false;
    if (haveFrame && (sampling[0] != sampling[1] || sampling[0] != sampling[2]))
        return true;
    return photometric.rfind("YBR", 0) == 0;
}

std::string upper(std::string s)
{
    for (char& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// Which attributes of the image pixel module that DCMTK's decoders read are missing (their
// "Tag not found").
std::string missingPixelModuleTags(DcmItem& ds)
{
    const std::pair<DcmTagKey, const char*> needed[] = {
        {DCM_SamplesPerPixel, "SamplesPerPixel (0028,0002)"}, {DCM_PhotometricInterpretation, "PhotometricInterpretation (0028,0004)"},
        {DCM_Rows, "Rows (0028,0010)"},                       {DCM_Columns, "Columns (0028,0011)"},
        {DCM_BitsAllocated, "BitsAllocated (0028,0100)"},     {DCM_BitsStored, "BitsStored (0028,0101)"},
        {DCM_HighBit, "HighBit (0028,0102)"},                 {DCM_PixelRepresentation, "PixelRepresentation (0028,0103)"}};
    std::string missing;
    for (const auto& [key, name] : needed)
        if (!ds.tagExistsWithValue(key))
            missing += (missing.empty() ? "" : ", ") + std::string(name);
    return missing.empty() ? "the decoder did not find an attribute it needs (Tag not found)"
                           : "the image pixel module lacks " + missing + ", which the decoder needs";
}

// Pixel data in fragments (undefined length), as only a compressed transfer syntax holds it,
// in a file DCMTK reads in the uncompressed transfer syntax `x`: either the file names a
// syntax DCMTK does not know (`info`'s UID; Sinar decodes some of them itself) or the UID
// (0002,0010) is missing or wrong.
void refuseFragmentsInNativeSyntax(const DcmElement& pixelData, const DcmXfer& x, const InstanceInfo& info,
                                   const std::string& path = {})
{
    if (pixelData.getLengthField() != DCM_UndefinedLength)
        return;
    const NewerSyntax newer = newerSyntax(info.transferSyntaxUid);
    if (decodesNewerSyntax(newer))
        return;
    const bool unknown = !info.transferSyntaxUid.empty() && info.transferSyntaxUid != x.getXferID();
    if (newer == NewerSyntax::None && unknown && !isDicomUid(info.transferSyntaxUid))
        throw Error("the transfer syntax UID (0002,0010) '" + shown(info.transferSyntaxUid) +
                        "' is not a valid UID: the file is damaged (its pixel data is compressed, in a syntax "
                        "that cannot be told)",
                    path);
    if (newer != NewerSyntax::None || unknown)
        throw Error("unsupported transfer syntax " + info.transferSyntaxName + ": Sinar cannot decode its pixel data", path);
    throw Error(std::string("the pixel data is in fragments, as compressed pixel data is, but the transfer syntax is ") +
                    x.getXferName() + ", which is uncompressed: the file's transfer syntax UID (0002,0010) is missing or wrong",
                path);
}

} // namespace

struct DicomReader::Impl {
    std::string path;
    std::unique_ptr<DcmFileFormat> file;
    InstanceInfo info;
    std::unique_ptr<PixelPipeline> pipeline;
    int threads = 1;
    // Native (or decompressed) pixel data
    const uint8_t* bytes = nullptr;
    size_t length = 0;
    bool swapWordPairs = false;
    // JPEG 2000
    std::optional<FragmentFrames> j2kFrames;
    // JPEG-LS, decoded by CharLS 2 (`bytes` points into it)
    std::vector<uint8_t> decoded;
    // The tag listing, taken before JPEG/RLE pixel data is decompressed
    // in place (which changes the pixel data element and may touch attributes
    // such as PhotometricInterpretation), or on the first call to tags().
    mutable std::once_flag tagsOnce;
    mutable std::vector<TagEntry> tags;

    void listTags() const
    {
        std::call_once(tagsOnce, [this] { tags = detail::dumpTags(*file); });
    }
    void prepare();
    void decodeJpegLs(const FragmentFrames& frames, E_TransferSyntax xfer);
    void decodeOwnFrames(const FragmentFrames& frames, FrameCodec codec);
    void checkNativeLength() const; // the native pixel bytes hold every frame
    Frame decode(int index) const;
};

void DicomReader::Impl::prepare()
{
    DcmDataset* ds = file->getDataset();
    if (!info.hasPixelData)
        throw Error(noPixelDataMessage(info));
    pipeline = std::make_unique<PixelPipeline>(info);
    const E_TransferSyntax xfer = detail::originalTransferSyntax(*file);
    if (xfer == EXS_Unknown)
        throw Error("unsupported transfer syntax " + info.transferSyntaxName);
    const DcmXfer x(xfer);
    // A syntax newer than DCMTK (newer_syntaxes.h): DCMTK has read the data set as Little
    // Endian Explicit and kept the fragments; Sinar decodes them, or says it cannot.
    const NewerSyntax newer = newerSyntax(info.transferSyntaxUid);
    const bool ownFragments = decodesNewerSyntax(newer);
    if (newer != NewerSyntax::None && !ownFragments)
        throw Error("unsupported transfer syntax " + info.transferSyntaxName + ": Sinar cannot decode its pixel data");
    DcmElement* element = nullptr;
    if (ds->findAndGetElement(DCM_PixelData, element).bad() || !element)
        throw Error("pixel data cannot be read");
    // DCMTK makes a DcmPixelData of (7FE0,0010) only for the VRs pixel data has (OB, OW, ox);
    // a file may give it another (found by fuzz_dicom: a downcast UBSan reported).
    if (element->ident() != EVR_PixelData)
        throw Error(std::string("the pixel data element (7FE0,0010) has the VR ") + DcmVR(element->getVR()).getVRName() +
                    ", which pixel data never has: the file is corrupt");
    auto* pixelData = OFstatic_cast(DcmPixelData*, element);

    if (ownFragments && pixelData->getLengthField() != DCM_UndefinedLength)
        throw Error("the transfer syntax " + info.transferSyntaxName +
                    " keeps pixel data in fragments, but this file's pixel data is not in fragments: the file is corrupt");
    if (x.isEncapsulated() || ownFragments) {
        if (isVideo(xfer) || xfer == EXS_JPIPReferenced || xfer == EXS_JPIPReferencedDeflate)
            throw Error("unsupported transfer syntax " + info.transferSyntaxName + " (video or JPIP)");
        DcmPixelSequence* sequence = nullptr;
        if (pixelData->getEncapsulatedRepresentation(xfer, nullptr, sequence).bad() || !sequence)
            throw Error("encapsulated pixel data cannot be read");
        std::vector<uint32_t> offsets;
        std::vector<Fragment> fragments;
        for (unsigned long k = 0; k < sequence->card(); ++k) {
            DcmPixelItem* item = nullptr;
            if (sequence->getItem(item, k).bad() || !item)
                throw Error("encapsulated pixel data item " + std::to_string(k) + " cannot be read");
            Uint8* data = nullptr;
            const Uint32 size = item->getLength();
            if (size > 0 && (item->getUint8Array(data).bad() || !data))
                throw Error("encapsulated pixel data item " + std::to_string(k) + " cannot be read");
            if (k == 0) {
                for (Uint32 o = 0; o + 4 <= size; o += 4)
                    offsets.push_back(le32(data + o));
            } else {
                fragments.push_back({data, size});
            }
        }
        if (fragments.empty())
            throw Error("encapsulated pixel data holds no fragments");
        const int frames = info.numberOfFrames;
        if (isJ2k(xfer) || isHtj2k(newer)) {
            j2kFrames.emplace(offsets, fragments, frames, &J2kDecoder::isCodestreamStart);
            return;
        }
        if (newer == NewerSyntax::EncapsulatedUncompressed || newer == NewerSyntax::DeflatedFrames) {
            decodeOwnFrames(FragmentFrames(offsets, fragments, frames, nullptr),
                            newer == NewerSyntax::DeflatedFrames ? FrameCodec::Deflate : FrameCodec::Uncompressed);
            return;
        }
        if (xfer == EXS_RLELossless && info.bitsAllocated == 1) { // DCMTK's RLE decoder takes 8 bits and more
            decodeOwnFrames(FragmentFrames(offsets, fragments, frames, nullptr), FrameCodec::RleSingleBit);
            return;
        }
        if (xfer == EXS_JPEGLSLossless || xfer == EXS_JPEGLSLossy) {
            decodeJpegLs(FragmentFrames(offsets, fragments, frames, &isJpegStart), xfer);
            return;
        }
        std::optional<bool> jpegYcbcr;
        if (isLossyJpeg(xfer) && info.samplesPerPixel == 3)
            jpegYcbcr = jpegIsYcbcr(fragments[0].data, fragments[0].size, info.photometric);
        if ((xfer >= EXS_JPEGProcess1 && xfer <= EXS_JPEGProcess29) || xfer == EXS_JPEGProcess14SV1)
            for (size_t k = 0; k < fragments.size(); ++k)
                checkJpegMarkerWalk(fragments[k].data, fragments[k].size, k);
        if (isJpegFamily(xfer) || xfer == EXS_RLELossless) {
            // Decoders fill a short stream with grey and report success: check that
            // every frame is complete before trusting them.
            const FragmentFrames grouped(offsets, fragments, frames, xfer == EXS_RLELossless ? nullptr : &isJpegStart);
            for (size_t f = 0; f < grouped.frameCount(); ++f) {
                if (xfer == EXS_RLELossless)
                    checkRleFrame(grouped.joined(f), info.samplesPerPixel * ((info.bitsAllocated + 7) / 8),
                                  static_cast<size_t>(info.rows) * static_cast<size_t>(info.columns), static_cast<int>(f));
                else if (!grouped.endsWithMarker(f, 0xFF, 0xD9))
                    throw Error(std::string(x.getXferName()) + " data of frame " + std::to_string(f + 1) +
                                " is truncated (no end-of-image marker)");
                else if ((xfer >= EXS_JPEGProcess1 && xfer <= EXS_JPEGProcess29) || xfer == EXS_JPEGProcess14SV1)
                    checkJpegFrame(grouped.joined(f), !isLossyJpeg(xfer), static_cast<int>(f), info.rows, info.columns,
                                   info.samplesPerPixel);
            }
        }
        listTags();
        const OFCondition status = ds->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (status == EC_TagNotFound)
            throw Error(std::string("cannot decode ") + x.getXferName() + " pixel data: " + missingPixelModuleTags(*ds));
        if (status.bad() || !ds->canWriteXfer(EXS_LittleEndianExplicit))
            throw Error(std::string("cannot decode ") + x.getXferName() + " pixel data (" + status.text() + ")");
        OFString value;
        if (ds->findAndGetOFString(DCM_PhotometricInterpretation, value).good())
            info.photometric = upper(value.c_str());
        // The JPEG decoder has upsampled any subsampled chroma.
        const bool partial = info.photometric.rfind("YBR_PARTIAL", 0) == 0;
        if (jpegYcbcr)
            info.photometric = !*jpegYcbcr ? "RGB" : partial ? "YBR_PARTIAL" : "YBR_FULL";
        else if (isJpegFamily(xfer) && (info.photometric == "YBR_FULL_422" || info.photometric == "YBR_PARTIAL_422"))
            info.photometric = partial ? "YBR_PARTIAL" : "YBR_FULL";
        Uint16 planar = 0;
        if (ds->findAndGetUint16(DCM_PlanarConfiguration, planar).good())
            info.planarConfiguration = planar;
        pipeline = std::make_unique<PixelPipeline>(info);
        pipeline->setLossyDecoded(isLossyJpeg(xfer) || xfer == EXS_JPEGLSLossy);
        if (ds->findAndGetElement(DCM_PixelData, element).bad() || !element)
            throw Error("decoded pixel data cannot be read");
        pixelData = OFstatic_cast(DcmPixelData*, element);
    }

    if (x.isNotEncapsulated())
        refuseFragmentsInNativeSyntax(*pixelData, x, info);
    swapWordPairs = info.bitsAllocated == 32 && x.isBigEndian() && pixelData->getTag().getEVR() == EVR_OW;
    Uint8* data = nullptr;
    if (pixelData->getUint8Array(data).bad() || !data)
        throw Error("pixel data cannot be read");
    bytes = data;
    length = pixelData->getLength();
    checkNativeLength();
}

void DicomReader::Impl::checkNativeLength() const
{
    const uint64_t needed = (info.nativeTotalBits() + 7) / 8;
    if (static_cast<uint64_t>(length) < needed)
        throw Error("pixel data is truncated: " + std::to_string(length) + " of " + std::to_string(needed) + " bytes");
}

// JPEG-LS frames decoded by CharLS 2 into the native layout DCMTK's decoder writes: 1 or 3
// samples, a byte per sample up to 8 bits allocated, else 16-bit little endian words, and the
// planar configuration DCMTK's default ("restore") gives colour images: the file's if 0 or 1,
// else colour by plane only for the IODs that require it.
void DicomReader::Impl::decodeJpegLs(const FragmentFrames& frames, E_TransferSyntax xfer)
{
    for (size_t f = 0; f < frames.frameCount(); ++f) {
        if (!frames.endsWithMarker(f, 0xFF, 0xD9))
            throw Error(std::string(DcmXfer(xfer).getXferName()) + " data of frame " + std::to_string(f + 1) +
                        " is truncated (no end-of-image marker)");
        checkJpegLsFrame(frames.joined(f), static_cast<int>(f));
    }
    if (info.samplesPerPixel != 1 && info.samplesPerPixel != 3)
        throw Error("JPEG-LS pixel data with " + std::to_string(info.samplesPerPixel) + " samples per pixel is not supported (1 or 3)");
    if (info.bitsAllocated != 8 && info.bitsAllocated != 16)
        throw Error("JPEG-LS pixel data with BitsAllocated " + std::to_string(info.bitsAllocated) + " is not supported (8 or 16)");
    JpegLsLayout layout;
    layout.rows = info.rows;
    layout.columns = info.columns;
    layout.samplesPerPixel = info.samplesPerPixel;
    layout.bytesPerSample = info.bitsAllocated / 8;
    if (info.samplesPerPixel == 3) {
        DcmDataset* ds = file->getDataset();
        Uint16 planar = 2;
        if (ds->findAndGetUint16(DCM_PlanarConfiguration, planar).bad() || planar > 1) {
            OFString sopClass, photometric;
            ds->findAndGetOFString(DCM_SOPClassUID, sopClass);
            ds->findAndGetOFString(DCM_PhotometricInterpretation, photometric);
            const bool ultrasound = sopClass == UID_UltrasoundMultiframeImageStorage || sopClass == UID_UltrasoundImageStorage;
            planar = sopClass == UID_RETIRED_HardcopyColorImageStorage || (photometric == "YBR_FULL" && ultrasound) ? 1 : 0;
        }
        layout.planarConfiguration = planar;
        info.planarConfiguration = planar;
        // Every component is whole: a 4:2:2 photometric interpretation is read as full.
        if (info.photometric == "YBR_FULL_422" || info.photometric == "YBR_PARTIAL_422")
            info.photometric = info.photometric == "YBR_FULL_422" ? "YBR_FULL" : "YBR_PARTIAL";
    }
    decoded = decodeJpegLsFrames(frames, layout);
    pipeline = std::make_unique<PixelPipeline>(info);
    pipeline->setLossyDecoded(xfer == EXS_JPEGLSLossy);
    bytes = decoded.data();
    length = decoded.size();
    checkNativeLength();
}

// Frames of the codecs Sinar runs itself (newer_syntaxes.h), laid out as native pixel data:
// the frames one after another, for BitsAllocated 1 without padding between them.
void DicomReader::Impl::decodeOwnFrames(const FragmentFrames& frames, FrameCodec codec)
{
    const uint64_t frameBits = info.nativeTotalBits() / static_cast<uint64_t>(std::max(info.numberOfFrames, 1));
    const size_t frameBytes = static_cast<size_t>((frameBits + 7) / 8);
    decoded.assign(static_cast<size_t>((info.nativeTotalBits() + 7) / 8), 0);
    for (size_t f = 0; f < frames.frameCount(); ++f)
        placeBits(decoded, f * frameBits, decodeFrame(codec, frames.joined(f), frameBytes, static_cast<int>(f)), frameBits);
    bytes = decoded.data();
    length = decoded.size();
    checkNativeLength();
}

Frame DicomReader::Impl::decode(int index) const
{
    if (index < 0 || index >= info.numberOfFrames)
        throw Error("frame " + std::to_string(index + 1) + " does not exist (the file has " + std::to_string(info.numberOfFrames) + ")", path);
    try {
        if (j2kFrames) {
            const std::vector<uint8_t> data = j2kFrames->joined(static_cast<size_t>(index));
            const J2kImage image = J2kDecoder::decode(data.data(), data.size(), threads);
            const bool rgb = image.colorTransform || info.photometric == "YBR_RCT" || info.photometric == "YBR_ICT";
            return pipeline->toFrame(pipeline->storedFromJ2k(image), index, rgb);
        }
        return pipeline->toFrame(pipeline->storedFromNative(bytes, length, index, swapWordPairs), index, false);
    } catch (const Error& e) {
        if (!e.file().empty())
            throw;
        throw Error(e.message(), path);
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory to decode the image", path);
    } catch (const cv::Exception& e) {
        throw Error(std::string("cannot convert the pixels: ") + e.what(), path);
    }
}

DicomReader::DicomReader(const std::string& path, int codecThreads) : impl_(std::make_unique<Impl>())
{
    Impl& m = *impl_;
    m.path = path;
    m.threads = codecThreads > 0 ? codecThreads : defaultThreadCount();
    m.file = detail::loadFile(path, true);
    try {
        m.info = detail::readInstanceInfo(*m.file, path);
        m.prepare();
    } catch (const Error& e) {
        if (!e.file().empty())
            throw;
        throw Error(e.message(), path);
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory to read the file", path);
    }
}

DicomReader::~DicomReader() = default;
DicomReader::DicomReader(DicomReader&&) noexcept = default;
DicomReader& DicomReader::operator=(DicomReader&&) noexcept = default;

const InstanceInfo& DicomReader::info() const
{
    return impl_->info;
}

const std::vector<TagEntry>& DicomReader::tags() const
{
    impl_->listTags();
    return impl_->tags;
}

int DicomReader::frameCount() const
{
    return impl_->info.numberOfFrames;
}

Frame DicomReader::frame(int index) const
{
    return impl_->decode(index);
}

std::vector<Frame> DicomReader::frames(int threads) const
{
    std::vector<Frame> out(static_cast<size_t>(frameCount()));
    parallelFor(out.size(), [&](size_t i) { out[i] = impl_->decode(static_cast<int>(i)); }, out.size() > 1 ? threads : 1);
    return out;
}

bool isDicomFile(const std::string& path)
{
    return detail::looksLikeDicom(path);
}

InstanceInfo readInstanceInfo(const std::string& path)
{
    const std::unique_ptr<DcmFileFormat> file = detail::loadFile(path);
    try {
        InstanceInfo info = detail::readInstanceInfo(*file, path);
        const DcmXfer x(detail::originalTransferSyntax(*file));
        if (info.hasPixelData && x.isNotEncapsulated()) {
            DcmElement* element = nullptr;
            if (file->getDataset()->findAndGetElement(DCM_PixelData, element).good() && element) {
                refuseFragmentsInNativeSyntax(*element, x, info, path);
                const uint64_t needed = (info.nativeTotalBits() + 7) / 8;
                const Uint32 length = element->getLength();
                const bool fragments = element->getLengthField() == DCM_UndefinedLength; // a syntax Sinar decodes itself
                if (!fragments && length != DCM_UndefinedLength && static_cast<uint64_t>(length) < needed)
                    throw Error("pixel data is truncated: " + std::to_string(length) + " of " + std::to_string(needed) + " bytes", path);
            }
        }
        return info;
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory to read the file", path);
    }
}

Frame readDicomFrame(const std::string& path, int index, int codecThreads)
{
    return DicomReader(path, codecThreads).frame(index);
}

} // namespace sinar::dicom
