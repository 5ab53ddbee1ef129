#include "dicom/pixel_pipeline.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "common/error.h"

namespace sinar::dicom {

namespace {

bool isYbrFull(const std::string& pi)
{
    return pi == "YBR_FULL" || pi == "YBR_FULL_422";
}

bool isYbrPartial(const std::string& pi)
{
    return pi == "YBR_PARTIAL_422" || pi == "YBR_PARTIAL_420" || pi == "YBR_PARTIAL";
}

bool isSubsampled422(const std::string& pi)
{
    return pi == "YBR_FULL_422" || pi == "YBR_PARTIAL_422";
}

struct BitLayout {
    int shift = 0;        // HighBit + 1 - BitsStored
    uint64_t mask = 0;    // BitsStored ones
    int bits = 0;         // BitsStored
    bool isSigned = false;
    bool clamp = false;   // lossy decoder output: clamp overshoot instead of masking it
};

template <typename T>
void convertSamples(const uint8_t* src, size_t count, float* dst, const BitLayout& f, bool swapWordPairs)
{
    constexpr int width = static_cast<int>(sizeof(T) * 8);
    using Signed = std::make_signed_t<T>;
    const bool plain = f.shift == 0 && f.bits == width && !f.clamp;
    for (size_t i = 0; i < count; ++i) {
        T raw;
        std::memcpy(&raw, src + i * sizeof(T), sizeof(T));
        if constexpr (sizeof(T) == 4) {
            if (swapWordPairs)
                raw = static_cast<T>((raw >> 16) | (raw << 16));
        }
        if (plain) {
            dst[i] = f.isSigned ? static_cast<float>(static_cast<Signed>(raw)) : static_cast<float>(raw);
            continue;
        }
        if (f.clamp) {
            // Lossy decoders overshoot near edges; masking would wrap 1024 to 0.
            const double lo = f.isSigned ? -std::ldexp(1.0, f.bits - 1) : 0.0;
            const double hi = f.isSigned ? std::ldexp(1.0, f.bits - 1) - 1 : std::ldexp(1.0, f.bits) - 1;
            const double v = f.isSigned ? static_cast<double>(static_cast<Signed>(raw)) : static_cast<double>(raw);
            dst[i] = static_cast<float>(std::clamp(v, lo, hi));
            continue;
        }
        const uint64_t v = (static_cast<uint64_t>(raw) >> f.shift) & f.mask;
        if (f.isSigned && ((v >> (f.bits - 1)) & 1u))
            dst[i] = static_cast<float>(static_cast<int64_t>(v) - (int64_t(1) << f.bits));
        else
            dst[i] = static_cast<float>(v);
    }
}

// Maps every stored value through fn: via a table over the stored range when
// that is small (up to 16 bits), else value by value.
template <typename Fn>
void mapValues(const cv::Mat& stored, cv::Mat& out, double storedMin, double storedMax, Fn fn)
{
    out.create(stored.size(), CV_32FC1);
    const double span = storedMax - storedMin + 1;
    if (span <= 65536.0) {
        std::vector<float> table(static_cast<size_t>(span));
        for (size_t i = 0; i < table.size(); ++i)
            table[i] = static_cast<float>(fn(storedMin + static_cast<double>(i)));
        const long last = static_cast<long>(table.size()) - 1;
        for (int y = 0; y < stored.rows; ++y) {
            const float* s = stored.ptr<float>(y);
            float* d = out.ptr<float>(y);
            for (int x = 0; x < stored.cols; ++x)
                d[x] = table[static_cast<size_t>(std::clamp(static_cast<long>(s[x] - storedMin), 0L, last))];
        }
        return;
    }
    for (int y = 0; y < stored.rows; ++y) {
        const float* s = stored.ptr<float>(y);
        float* d = out.ptr<float>(y);
        for (int x = 0; x < stored.cols; ++x)
            d[x] = static_cast<float>(fn(s[x]));
    }
}

} // namespace

PixelPipeline::PixelPipeline(const InstanceInfo& info) : info_(info)
{
    const InstanceInfo& i = info_;
    if (i.rows <= 0 || i.columns <= 0)
        throw Error("the image has no size (Rows/Columns missing or zero)");
    if (static_cast<uint64_t>(i.rows) * static_cast<uint64_t>(i.columns) > (uint64_t(1) << 30))
        throw Error("the image is implausibly large (" + std::to_string(i.rows) + " x " + std::to_string(i.columns) + ")");
    if (i.bitsAllocated != 1 && i.bitsAllocated != 8 && i.bitsAllocated != 16 && i.bitsAllocated != 32)
        throw Error("unsupported BitsAllocated " + std::to_string(i.bitsAllocated));
    if (i.bitsStored < 1 || i.bitsStored > i.bitsAllocated || i.highBit < i.bitsStored - 1 || i.highBit >= i.bitsAllocated)
        throw Error("inconsistent BitsStored/HighBit (" + std::to_string(i.bitsStored) + "/" + std::to_string(i.highBit) +
                    " with BitsAllocated " + std::to_string(i.bitsAllocated) + ")");
    if (i.samplesPerPixel != 1 && i.samplesPerPixel != 3)
        throw Error("unsupported SamplesPerPixel " + std::to_string(i.samplesPerPixel));
    const std::string& pi = i.photometric;
    const bool mono = pi == "MONOCHROME1" || pi == "MONOCHROME2";
    const bool colour = pi == "RGB" || isYbrFull(pi) || isYbrPartial(pi) || pi == "YBR_RCT" || pi == "YBR_ICT";
    if (pi == "PALETTE COLOR") {
        if (i.samplesPerPixel != 1)
            throw Error("PALETTE COLOR needs one sample per pixel");
        if (i.redPalette.empty() || i.greenPalette.empty() || i.bluePalette.empty())
            throw Error("PALETTE COLOR image without usable palette tables");
    } else if (mono) {
        if (i.samplesPerPixel != 1)
            throw Error(pi + " with " + std::to_string(i.samplesPerPixel) + " samples per pixel");
    } else if (colour) {
        if (i.samplesPerPixel != 3)
            throw Error(pi + " with " + std::to_string(i.samplesPerPixel) + " samples per pixel");
    } else {
        throw Error("unsupported PhotometricInterpretation '" + pi + "'");
    }
    if (i.bitsAllocated == 1 && i.samplesPerPixel != 1)
        throw Error("1-bit colour images are not supported");
    const int bs = i.bitsStored;
    storedMin_ = i.isSigned ? -std::ldexp(1.0, bs - 1) : 0.0;
    storedMax_ = i.isSigned ? std::ldexp(1.0, bs - 1) - 1 : std::ldexp(1.0, bs) - 1;
}

cv::Mat PixelPipeline::storedFromNative(const uint8_t* bytes, size_t length, int index, bool swapWordPairs) const
{
    const InstanceInfo& i = info_;
    const size_t pixels = static_cast<size_t>(i.rows) * static_cast<size_t>(i.columns);
    const bool sub422 = i.samplesPerPixel == 3 && isSubsampled422(i.photometric);
    const size_t samples = sub422 ? pixels * 2 : pixels * static_cast<size_t>(i.samplesPerPixel);
    const uint64_t bitOffset = static_cast<uint64_t>(index) * samples * static_cast<uint64_t>(i.bitsAllocated);
    const uint64_t bitEnd = bitOffset + samples * static_cast<uint64_t>(i.bitsAllocated);
    if (bitEnd > static_cast<uint64_t>(length) * 8)
        throw Error("pixel data is truncated: frame " + std::to_string(index + 1) + " needs " + std::to_string((bitEnd + 7) / 8) +
                    " bytes, the file holds " + std::to_string(length));

    std::vector<float> flat;
    float* out = nullptr;
    cv::Mat stored;
    const bool direct = i.samplesPerPixel == 1 || (i.planarConfiguration == 0 && !sub422);
    if (direct) {
        stored.create(i.rows, i.columns, i.samplesPerPixel == 1 ? CV_32FC1 : CV_32FC3);
        out = stored.ptr<float>();
    } else {
        flat.resize(samples);
        out = flat.data();
    }

    BitLayout f;
    f.bits = i.bitsStored;
    f.shift = i.highBit + 1 - i.bitsStored;
    f.mask = f.bits >= 64 ? ~uint64_t(0) : ((uint64_t(1) << f.bits) - 1);
    f.isSigned = i.isSigned;
    f.clamp = lossyDecoded_ && f.shift == 0;
    const uint8_t* src = bytes + bitOffset / 8;
    // Whole 8- or 16-bit samples need no masking: let OpenCV convert them (SIMD).
    if (f.shift == 0 && f.bits == i.bitsAllocated && !f.clamp && (f.bits == 8 || f.bits == 16)) {
        const int depth = f.bits == 8 ? (f.isSigned ? CV_8S : CV_8U) : (f.isSigned ? CV_16S : CV_16U);
        const cv::Mat raw(1, static_cast<int>(samples), CV_MAKETYPE(depth, 1), const_cast<uint8_t*>(src));
        cv::Mat dst(1, static_cast<int>(samples), CV_32FC1, out);
        raw.convertTo(dst, CV_32F);
        if (direct)
            return stored;
    } else {
    switch (i.bitsAllocated) {
    case 1:
        for (size_t k = 0; k < samples; ++k) {
            const uint64_t bit = bitOffset + k;
            out[k] = static_cast<float>((bytes[bit >> 3] >> (bit & 7)) & 1u);
        }
        break;
    case 8: convertSamples<uint8_t>(src, samples, out, f, false); break;
    case 16: convertSamples<uint16_t>(src, samples, out, f, false); break;
    default: convertSamples<uint32_t>(src, samples, out, f, swapWordPairs); break;
    }
    }
    if (direct)
        return stored;

    stored.create(i.rows, i.columns, CV_32FC3);
    float* dst = stored.ptr<float>();
    if (sub422) {
        // Y0 Y1 Cb Cr for each horizontal pair of pixels.
        for (int y = 0; y < i.rows; ++y) {
            const float* row = flat.data() + static_cast<size_t>(y) * static_cast<size_t>(i.columns) * 2;
            float* d = dst + static_cast<size_t>(y) * static_cast<size_t>(i.columns) * 3;
            for (int x = 0; x < i.columns; x += 2) {
                const float* q = row + static_cast<size_t>(x) * 2;
                const float cb = q[2], cr = q[3];
                d[3 * x + 0] = q[0];
                d[3 * x + 1] = cb;
                d[3 * x + 2] = cr;
                if (x + 1 < i.columns) {
                    d[3 * x + 3] = q[1];
                    d[3 * x + 4] = cb;
                    d[3 * x + 5] = cr;
                }
            }
        }
    } else {
        // Planar configuration 1: RRR... GGG... BBB...
        for (size_t p = 0; p < pixels; ++p)
            for (int c = 0; c < 3; ++c)
                dst[3 * p + static_cast<size_t>(c)] = flat[static_cast<size_t>(c) * pixels + p];
    }
    return stored;
}

cv::Mat PixelPipeline::storedFromJ2k(const J2kImage& image) const
{
    const InstanceInfo& i = info_;
    if (image.width != i.columns || image.height != i.rows)
        throw Error("JPEG 2000 image is " + std::to_string(image.width) + " x " + std::to_string(image.height) + ", the header says " +
                    std::to_string(i.columns) + " x " + std::to_string(i.rows));
    if (image.components != i.samplesPerPixel)
        throw Error("JPEG 2000 image has " + std::to_string(image.components) + " components, the header says " +
                    std::to_string(i.samplesPerPixel) + " samples per pixel");
    cv::Mat stored(i.rows, i.columns, i.samplesPerPixel == 1 ? CV_32FC1 : CV_32FC3);
    float* dst = stored.ptr<float>();
    const size_t n = image.samples.size();
    const int bs = i.bitsStored;
    const int64_t full = int64_t(1) << std::min(bs, 62);
    if (image.isSigned == i.isSigned) {
        for (size_t k = 0; k < n; ++k)
            dst[k] = static_cast<float>(image.samples[k]);
    } else if (i.isSigned) {
        // Unsigned codestream, signed pixel representation: BitsStored-bit two's complement.
        for (size_t k = 0; k < n; ++k) {
            const int64_t v = image.samples[k] & (full - 1);
            dst[k] = static_cast<float>(v >= full / 2 ? v - full : v);
        }
    } else {
        for (size_t k = 0; k < n; ++k) {
            const int64_t v = image.samples[k];
            dst[k] = static_cast<float>(v < 0 ? v + full : v);
        }
    }
    return stored;
}

Frame PixelPipeline::toFrame(const cv::Mat& stored, int index, bool colorIsRgb) const
{
    const InstanceInfo& info = info_;
    Frame fr;
    fr.index = index;
    fr.frameCount = info.numberOfFrames;
    fr.attributes = info.frame(index);
    imaging::Image& img = fr.image;
    img.modality = info.modality.empty() ? "OT" : info.modality;
    img.spacingX = info.columnSpacing;
    img.spacingY = info.rowSpacing;
    img.source = info.numberOfFrames > 1 ? info.path + " [frame " + std::to_string(index + 1) + "]" : info.path;
    const std::string& pi = info.photometric;

    if (pi == "PALETTE COLOR") {
        const int bits = std::max({info.redPalette.bits, info.greenPalette.bits, info.bluePalette.bits});
        std::vector<cv::Mat> planes(3);
        const Lut* luts[3] = {&info.redPalette, &info.greenPalette, &info.bluePalette};
        for (int c = 0; c < 3; ++c) {
            const Lut& lut = *luts[c];
            mapValues(stored, planes[static_cast<size_t>(c)], storedMin_, storedMax_, [&](double v) { return lut.lookup(v); });
        }
        cv::merge(planes, img.pixels);
        const double maxValue = std::ldexp(1.0, bits) - 1;
        fr.rangeMin = 0;
        fr.rangeMax = maxValue;
        img.windows.push_back({"full range", maxValue / 2.0, maxValue});
        return fr;
    }

    if (stored.channels() == 3) {
        const double maxValue = std::ldexp(1.0, info.bitsStored) - 1;
        fr.rangeMin = 0;
        fr.rangeMax = maxValue;
        if (colorIsRgb || pi == "RGB" || pi == "YBR_RCT" || pi == "YBR_ICT") {
            img.pixels = stored;
        } else {
            // PS3.3 C.7.6.3.1.2: YCbCr (full or partial range) to RGB, rounded and clamped.
            const bool partial = isYbrPartial(pi);
            const double half = std::ldexp(1.0, info.bitsStored - 1);
            const double lo = partial ? std::ldexp(16.0, info.bitsStored - 8) : 0.0;
            img.pixels.create(stored.size(), CV_32FC3);
            for (int y = 0; y < stored.rows; ++y) {
                const float* s = stored.ptr<float>(y);
                float* d = img.pixels.ptr<float>(y);
                for (int x = 0; x < stored.cols; ++x, s += 3, d += 3) {
                    const double yy = s[0] - lo, cb = s[1] - half, cr = s[2] - half;
                    double r, g, b;
                    if (partial) {
                        r = 1.1644 * yy + 1.5960 * cr;
                        g = 1.1644 * yy - 0.3918 * cb - 0.8130 * cr;
                        b = 1.1644 * yy + 2.0172 * cb;
                    } else {
                        r = yy + 1.402 * cr;
                        g = yy - 0.344136 * cb - 0.714136 * cr;
                        b = yy + 1.772 * cb;
                    }
                    d[0] = static_cast<float>(std::clamp(std::round(r), 0.0, maxValue));
                    d[1] = static_cast<float>(std::clamp(std::round(g), 0.0, maxValue));
                    d[2] = static_cast<float>(std::clamp(std::round(b), 0.0, maxValue));
                }
            }
        }
        img.windows.push_back({"full range", maxValue / 2.0, maxValue});
        return fr;
    }

    // Monochrome: Modality LUT or rescale.
    const FrameAttributes& fa = fr.attributes;
    double lo = 0, hi = 0;
    double paddingReal = 0;
    if (!info.modalityLut.empty()) {
        const Lut& lut = info.modalityLut;
        mapValues(stored, img.pixels, storedMin_, storedMax_, [&](double v) { return lut.lookup(v); });
        lo = 0;
        hi = std::ldexp(1.0, lut.bits) - 1;
        paddingReal = lut.lookup(info.pixelPaddingValue);
    } else {
        const double a = fa.rescaleSlope, b = fa.rescaleIntercept;
        if (a == 1.0 && b == 0.0)
            img.pixels = stored;
        else
            stored.convertTo(img.pixels, CV_32F, a, b);
        lo = std::min(a * storedMin_ + b, a * storedMax_ + b);
        hi = std::max(a * storedMin_ + b, a * storedMax_ + b);
        paddingReal = a * info.pixelPaddingValue + b;
    }
    fr.rangeMin = lo;
    fr.rangeMax = hi;

    auto mirror = [&](double v) { return fr.invertedMonochrome1 ? lo + hi - v : v; };
    if (pi == "MONOCHROME1") {
        fr.invertedMonochrome1 = true;
        img.pixels.convertTo(img.pixels, CV_32F, -1.0, lo + hi);
    }
    for (const auto& w : fa.windows)
        img.windows.push_back({w.name, mirror(w.center), w.width});
    for (const Lut& v : info.voiLuts) {
        // A VOI LUT's input span as a linear window (the LUT itself is used for display).
        const double n = static_cast<double>(v.data.size());
        const std::string name = v.explanation.empty() ? "VOI LUT" : "VOI LUT " + v.explanation;
        img.windows.push_back({name, mirror(v.firstMapped + n / 2.0), std::max(n, 1.0)});
    }
    // Automatic window: the frame's own value range, ignoring padding pixels.
    double vmin = 0, vmax = 0;
    if (info.hasPixelPadding) {
        cv::Mat mask;
        cv::compare(img.pixels, static_cast<float>(mirror(paddingReal)), mask, cv::CMP_NE);
        if (cv::countNonZero(mask) > 0)
            cv::minMaxLoc(img.pixels, &vmin, &vmax, nullptr, nullptr, mask);
        else
            cv::minMaxLoc(img.pixels, &vmin, &vmax);
    } else {
        cv::minMaxLoc(img.pixels, &vmin, &vmax);
    }
    img.windows.push_back({"min-max", (vmin + vmax) / 2.0, std::max(vmax - vmin, 1.0)});
    return fr;
}

} // namespace sinar::dicom
