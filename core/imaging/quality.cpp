#include "imaging/quality.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "imaging/preprocessor.h"

// How the thresholds were chosen: every image of the real training data
// (../shared/data: brain MRI Training, 5,708 JPEGs at 224 px; PneumoniaMNIST
// train+val, 5,214 chest X-rays at 28 px) was measured as it is, and again after
// four degradations of its 8-bit levels v: darkened (v/4), washed out
// (v/2 + 160), flattened (v/4 + 96) and blurred (Gaussian, sigma 2 px at 256 px).
//
//                          brain MRI                 PneumoniaMNIST
//   p99, as is             0.1st pct 87              0.1st pct 131
//   p99, darkened          max 64                    max 62            -> darkP99 70
//   mean, as is            99.9th pct 124            99.9th pct 199
//   p01, as is             99.9th pct 31             99th 137, 99.9th 170
//   p01, washed out        >= 160 for every image    >= 160            -> brightMean 200, brightP01 150
//   contrast, as is        0.1st pct 23              0.1st 9.3, 1st 15.2
//   contrast, flattened    median 10.9               median 9.1        -> lowContrast 12
//   sharpness, as is       0.1st pct 0.18            0.1st pct 0.34
//   sharpness, blurred     99.9th pct 0.16           99th pct 0.20     -> blurSharpness 0.17
//
// With these thresholds, images as they are raise a flag rarely (brain MRI: 2
// of 5,708 blurred; PneumoniaMNIST: 26 too bright and 17 low contrast of
// 5,214), while the degraded copies raise the matching flag: darkened and
// washed out 100 % in both sets, flattened 68 % / 89 %, blurred 99.96 % / 91 %.

namespace sinar::imaging {

namespace {

cv::Mat greyEightBit(const Image& image)
{
    cv::Mat m;
    if (!image.windows.empty()) {
        m = applyWindow(image.pixels, image.windows.front().center, image.windows.front().width);
    } else {
        double lo = 0, hi = 0;
        cv::minMaxLoc(image.pixels.reshape(1), &lo, &hi);
        if (hi <= lo)
            hi = lo + 1;
        m = applyWindow(image.pixels, (lo + hi) / 2.0, hi - lo);
    }
    if (m.channels() == 3)
        cv::cvtColor(m, m, cv::COLOR_RGB2GRAY);
    return m;
}

double percentile(const std::vector<double>& histogram, double total, double fraction)
{
    const double target = fraction * total;
    double sum = 0;
    for (size_t i = 0; i < histogram.size(); ++i) {
        sum += histogram[i];
        if (sum >= target)
            return static_cast<double>(i);
    }
    return 255.0;
}

} // namespace

QualityMeasures measureQuality(const Image& image)
{
    if (image.empty())
        throw Error("image has no pixels", image.source);
    const cv::Mat grey = greyEightBit(image);

    QualityMeasures q;
    std::vector<double> hist(256, 0.0);
    for (int y = 0; y < grey.rows; ++y) {
        const uchar* row = grey.ptr<uchar>(y);
        for (int x = 0; x < grey.cols; ++x)
            hist[row[x]] += 1.0;
    }
    const double total = static_cast<double>(grey.total());
    q.p01 = percentile(hist, total, 0.01);
    q.p99 = percentile(hist, total, 0.99);

    cv::Scalar mean, sd;
    cv::meanStdDev(grey, mean, sd);
    q.mean = mean[0];
    q.contrast = sd[0];

    // Sharpness at a fixed scale, so the measure does not depend on the matrix size.
    cv::Mat small = grey;
    const int longSide = std::max(grey.cols, grey.rows);
    if (longSide > 256) {
        const double s = 256.0 / longSide;
        cv::resize(grey, small, cv::Size(), s, s, cv::INTER_AREA);
    }
    cv::Mat f, lap;
    small.convertTo(f, CV_32F);
    cv::Laplacian(f, lap, CV_32F, 1);
    cv::Scalar lm, lsd, gm, gsd;
    cv::meanStdDev(lap, lm, lsd);
    cv::meanStdDev(f, gm, gsd);
    q.sharpness = gsd[0] > 1e-6 ? lsd[0] / gsd[0] : 0.0;
    q.brightShare = brightInteriorShare(small);
    return q;
}

double brightInteriorShare(const cv::Mat& grey)
{
    const cv::Mat mask = bodyMask(grey);
    std::vector<double> hist(256, 0.0);
    double total = 0;
    for (int y = 0; y < grey.rows; ++y) {
        const uchar* g = grey.ptr<uchar>(y);
        const uchar* m = mask.ptr<uchar>(y);
        for (int x = 0; x < grey.cols; ++x)
            if (m[x]) {
                hist[g[x]] += 1.0;
                total += 1.0;
            }
    }
    if (total == 0)
        return 0.0;
    const double half = percentile(hist, total, 0.99) / 2.0;
    // The interior: the body without its outer 12 % (scalp, fat and skull).
    const int k = std::max(3, static_cast<int>(0.12 * std::min(grey.rows, grey.cols)));
    cv::Mat inner;
    cv::erode(mask, inner, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(k, k)));
    double n = 0, bright = 0;
    for (int y = 0; y < grey.rows; ++y) {
        const uchar* g = grey.ptr<uchar>(y);
        const uchar* m = inner.ptr<uchar>(y);
        for (int x = 0; x < grey.cols; ++x)
            if (m[x]) {
                n += 1.0;
                bright += g[x] > half ? 1.0 : 0.0;
            }
    }
    return n > 0 ? bright / n : 0.0;
}

cv::Mat bodyMask(const cv::Mat& image)
{
    cv::Mat grey;
    if (image.channels() == 3)
        cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
    else
        grey = image.clone(); // never blur the caller's pixels
    grey.convertTo(grey, CV_32F);
    cv::GaussianBlur(grey, grey, cv::Size(0, 0), 1.5);
    double maxVal = 0;
    cv::minMaxLoc(grey, nullptr, &maxVal);
    // Background level: what the image's outer frame mostly shows (JPEG slices
    // often have a dark grey, noisy background rather than black).
    std::vector<float> frame;
    for (int x = 0; x < grey.cols; ++x) {
        frame.push_back(grey.at<float>(0, x));
        frame.push_back(grey.at<float>(grey.rows - 1, x));
    }
    for (int y = 0; y < grey.rows; ++y) {
        frame.push_back(grey.at<float>(y, 0));
        frame.push_back(grey.at<float>(y, grey.cols - 1));
    }
    std::nth_element(frame.begin(), frame.begin() + frame.size() * 9 / 10, frame.end());
    const double frameLevel = frame[frame.size() * 9 / 10];
    const double threshold = std::min(0.25 * maxVal, std::max(0.06 * maxVal, frameLevel + 0.04 * maxVal));
    cv::Mat dark = grey <= threshold; // background candidates
    // Background = dark pixels connected to the border; dark holes inside the
    // body (CSF, air in sinuses) belong to the body.
    cv::Mat labels;
    const int n = cv::connectedComponents(dark, labels, 4, CV_32S);
    std::vector<uchar> touches(static_cast<size_t>(n), 0);
    for (int x = 0; x < labels.cols; ++x) {
        touches[labels.at<int>(0, x)] = 1;
        touches[labels.at<int>(labels.rows - 1, x)] = 1;
    }
    for (int y = 0; y < labels.rows; ++y) {
        touches[labels.at<int>(y, 0)] = 1;
        touches[labels.at<int>(y, labels.cols - 1)] = 1;
    }
    cv::Mat mask(image.size(), CV_8U);
    for (int y = 0; y < labels.rows; ++y) {
        const int* l = labels.ptr<int>(y);
        const uchar* d = dark.ptr<uchar>(y);
        uchar* m = mask.ptr<uchar>(y);
        for (int x = 0; x < labels.cols; ++x)
            m[x] = (d[x] && touches[l[x]]) ? 0 : 255;
    }
    return mask;
}

unsigned qualityFlags(const QualityMeasures& q, const QualityThresholds& t)
{
    unsigned flags = QualityOk;
    if (q.p99 < t.darkP99)
        flags |= TooDark;
    if (q.mean > t.brightMean || q.p01 > t.brightP01)
        flags |= TooBright;
    if (q.contrast < t.lowContrast)
        flags |= LowContrast;
    // A flat image has no edges to judge sharpness by: it is low contrast, not blurred.
    if (q.contrast >= 1.0 && q.sharpness < t.blurSharpness)
        flags |= Blurred;
    return flags;
}

QualityReport assessQuality(const Image& image, const QualityThresholds& thresholds)
{
    QualityReport r;
    r.measures = measureQuality(image);
    r.flags = qualityFlags(r.measures, thresholds);
    return r;
}

std::vector<std::string> QualityReport::warnings() const
{
    std::vector<std::string> out;
    if (flags & TooDark)
        out.push_back("too dark");
    if (flags & TooBright)
        out.push_back("too bright");
    if (flags & LowContrast)
        out.push_back("low contrast");
    if (flags & Blurred)
        out.push_back("blurred");
    return out;
}

std::string describeQualityFlags(unsigned flags)
{
    QualityReport r;
    r.flags = flags;
    std::string s;
    for (const std::string& w : r.warnings())
        s += (s.empty() ? "" : ", ") + w;
    return s;
}

} // namespace sinar::imaging
