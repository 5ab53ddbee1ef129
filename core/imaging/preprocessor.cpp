#include "imaging/preprocessor.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "common/error.h"

namespace sinar::imaging {

cv::Mat applyWindow(const cv::Mat& pixels, double center, double width)
{
    // DICOM PS3.3 C.11.2.1.2 linear window, mapped to 0..255.
    const double w = std::max(width, 1e-6);
    const double lo = center - w / 2.0;
    cv::Mat out;
    pixels.convertTo(out, CV_8U, 255.0 / w, -lo * 255.0 / w);
    return out;
}

Preprocessor::Preprocessor(Recipe recipe) : recipe_(std::move(recipe))
{
    recipe_.validate("preprocessing recipe");
}

static cv::Mat toEightBit(const Image& image, const Recipe& r)
{
    if (r.useWindow)
        return applyWindow(image.pixels, r.windowCenter, r.windowWidth);
    if (!image.windows.empty())
        return applyWindow(image.pixels, image.windows.front().center, image.windows.front().width);
    double lo = 0, hi = 0;
    cv::minMaxLoc(image.pixels.reshape(1), &lo, &hi);
    if (hi <= lo)
        hi = lo + 1;
    return applyWindow(image.pixels, (lo + hi) / 2.0, hi - lo);
}

cv::Mat Preprocessor::base(const Image& image, InputGeometry* geometry) const
{
    if (image.empty())
        throw Error("image has no pixels", image.source);
    const Recipe& r = recipe_;
    cv::Mat m = toEightBit(image, r);
    if (r.channels == 1 && m.channels() == 3)
        cv::cvtColor(m, m, cv::COLOR_RGB2GRAY);
    else if (r.channels == 3 && m.channels() == 1)
        cv::cvtColor(m, m, cv::COLOR_GRAY2RGB);

    InputGeometry g;
    if (m.cols != r.width || m.rows != r.height) {
        const int interp = (m.cols > r.width || m.rows > r.height) ? cv::INTER_AREA : cv::INTER_LINEAR;
        if (r.keepAspect) {
            const double s = std::min(double(r.width) / m.cols, double(r.height) / m.rows);
            const int w = std::max(1, int(std::lround(m.cols * s)));
            const int h = std::max(1, int(std::lround(m.rows * s)));
            cv::Mat resized;
            cv::resize(m, resized, cv::Size(w, h), 0, 0, interp);
            cv::Mat canvas(r.height, r.width, resized.type(), cv::Scalar::all(0));
            g.offsetX = (r.width - w) / 2;
            g.offsetY = (r.height - h) / 2;
            resized.copyTo(canvas(cv::Rect(g.offsetX, g.offsetY, w, h)));
            m = canvas;
            g.scaleX = g.scaleY = s;
        } else {
            g.scaleX = double(r.width) / m.cols;
            g.scaleY = double(r.height) / m.rows;
            cv::resize(m, m, cv::Size(r.width, r.height), 0, 0, interp);
        }
    }
    if (geometry)
        *geometry = g;

    switch (r.denoise) {
    case Denoise::None: break;
    case Denoise::Median: cv::medianBlur(m, m, r.denoiseSize); break;
    case Denoise::Gaussian: cv::GaussianBlur(m, m, cv::Size(r.denoiseSize, r.denoiseSize), 0); break;
    case Denoise::NonLocalMeans:
        if (m.channels() == 1)
            cv::fastNlMeansDenoising(m, m, r.denoiseStrength, 7, 21);
        else
            cv::fastNlMeansDenoisingColored(m, m, r.denoiseStrength, r.denoiseStrength, 7, 21);
        break;
    }
    if (r.clahe) {
        auto clahe = cv::createCLAHE(r.claheClip, cv::Size(r.claheTiles, r.claheTiles));
        if (m.channels() == 1) {
            clahe->apply(m, m);
        } else {
            // Enhance lightness only, so colours are not shifted.
            cv::Mat lab;
            cv::cvtColor(m, lab, cv::COLOR_RGB2Lab);
            std::vector<cv::Mat> planes;
            cv::split(lab, planes);
            clahe->apply(planes[0], planes[0]);
            cv::merge(planes, lab);
            cv::cvtColor(lab, m, cv::COLOR_Lab2RGB);
        }
    }
    return m.isContinuous() ? m : m.clone();
}

void Preprocessor::normalise(const cv::Mat& baseImage, float* out) const
{
    const Recipe& r = recipe_;
    if (baseImage.rows != r.height || baseImage.cols != r.width || baseImage.channels() != r.channels)
        throw Error("internal: base image does not match the recipe size");
    cv::Mat f;
    baseImage.convertTo(f, CV_32F, 1.0 / 255.0);
    std::vector<cv::Mat> planes(r.channels);
    const int hw = r.width * r.height;
    for (int c = 0; c < r.channels; ++c)
        planes[c] = cv::Mat(r.height, r.width, CV_32FC1, out + c * hw);
    cv::split(f, planes); // writes straight into `out`
    for (int c = 0; c < r.channels; ++c) {
        cv::Mat& p = planes[c];
        switch (r.normalisation) {
        case Normalisation::None: break;
        case Normalisation::MinusOneOne: p.convertTo(p, CV_32F, 2.0, -1.0); break;
        case Normalisation::Dataset: p.convertTo(p, CV_32F, 1.0 / r.std[c], -r.mean[c] / r.std[c]); break;
        case Normalisation::PerImage: {
            cv::Scalar mean, sd;
            cv::meanStdDev(p, mean, sd);
            const double s = std::max(sd[0], 1e-3);
            p.convertTo(p, CV_32F, 1.0 / s, -mean[0] / s);
            break;
        }
        }
    }
}

std::vector<float> Preprocessor::operator()(const Image& image) const
{
    std::vector<float> out(static_cast<size_t>(inputSize()));
    normalise(base(image), out.data());
    return out;
}

} // namespace sinar::imaging
