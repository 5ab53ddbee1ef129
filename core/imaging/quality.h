#pragma once
// Image quality measures and the flags that warn a prediction may be unreliable:
// too dark, too bright, low contrast, blurred. A classifier's errors concentrate
// on such images, so the viewer shows these flags next to every prediction.
//
// All measures are taken on the grey 8-bit image a model would see before
// resizing: the image's own default window (its first preset), or its min-max
// range when it has none, exactly as Preprocessor does without a fixed window.
#include <string>
#include <vector>

#include "imaging/image.h"

namespace sinar::imaging {

struct QualityMeasures {
    double mean = 0;      // mean grey level, 0..255
    double p01 = 0;       // 1st percentile of the grey levels
    double p99 = 0;       // 99th percentile of the grey levels
    double contrast = 0;  // RMS contrast: standard deviation of the grey levels
    double sharpness = 0; // standard deviation of the Laplacian over the
                          // standard deviation of the grey levels, at most 256 px
    double brightShare = 0; // share of the body's interior brighter than half its
                            // 99th percentile (at most 256 px): high where fluid is
                            // bright (T2-weighted MR), low on T1 (brightInteriorShare)
};

// Thresholds, justified on the real training data (see quality.cpp): each is
// set outside the range of (almost) every image of the brain MRI and chest
// X-ray sets, so a normal study is never flagged and an unusual one is.
struct QualityThresholds {
    double darkP99 = 70;         // brightest 1 % of the pixels below this: too dark
    double brightMean = 200;     // mean above this: too bright (washed out)
    double brightP01 = 150;      // or even the darkest 1 % above this: too bright
    double lowContrast = 12;     // RMS contrast below this: low contrast
    double blurSharpness = 0.17; // relative Laplacian below this: blurred
};

enum QualityFlag : unsigned {
    QualityOk = 0,
    TooDark = 1u << 0,
    TooBright = 1u << 1,
    LowContrast = 1u << 2,
    Blurred = 1u << 3,
};

struct QualityReport {
    QualityMeasures measures;
    unsigned flags = QualityOk;

    bool ok() const { return flags == QualityOk; }
    // Short names of the raised flags ("too dark", "blurred", ...).
    std::vector<std::string> warnings() const;
};

// Throws sinar::Error naming the image's source when it has no pixels.
QualityMeasures measureQuality(const Image& image);
QualityReport assessQuality(const Image& image, const QualityThresholds& thresholds = {});
unsigned qualityFlags(const QualityMeasures& measures, const QualityThresholds& thresholds = {});

// The body region of a grey image (CV_8U 255 inside): everything but the dark
// pixels connected to the image border, so dark holes inside (CSF, air in the
// sinuses) belong to the body. Works on CV_8U or CV_32F, grey or RGB.
cv::Mat bodyMask(const cv::Mat& image);

// QualityMeasures::brightShare of a CV_8UC1 image.
double brightInteriorShare(const cv::Mat& grey);

// "too dark, blurred"; empty when no flag is set.
std::string describeQualityFlags(unsigned flags);

} // namespace sinar::imaging
