#include "imaging/augmenter.h"

#include "imaging/quality.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace sinar::imaging {

QJsonObject AugmentConfig::toJson() const
{
    QJsonObject o;
    o["enabled"] = enabled;
    o["horizontal_flip"] = horizontalFlip;
    o["vertical_flip"] = verticalFlip;
    o["rotation_deg"] = rotationDeg;
    o["scale"] = scale;
    o["translate"] = translate;
    o["shear_deg"] = shearDeg;
    o["brightness"] = brightness;
    o["contrast"] = contrast;
    o["noise_std"] = noiseStd;
    o["blur_probability"] = blurProbability;
    o["curve_probability"] = curveProbability;
    o["invert_probability"] = invertProbability;
    return o;
}

AugmentConfig AugmentConfig::fromJson(const QJsonObject& o)
{
    AugmentConfig c;
    c.enabled = o.value("enabled").toBool(c.enabled);
    c.horizontalFlip = o.value("horizontal_flip").toBool(c.horizontalFlip);
    c.verticalFlip = o.value("vertical_flip").toBool(c.verticalFlip);
    c.rotationDeg = o.value("rotation_deg").toDouble(c.rotationDeg);
    c.scale = o.value("scale").toDouble(c.scale);
    c.translate = o.value("translate").toDouble(c.translate);
    c.shearDeg = o.value("shear_deg").toDouble(c.shearDeg);
    c.brightness = o.value("brightness").toDouble(c.brightness);
    c.contrast = o.value("contrast").toDouble(c.contrast);
    c.noiseStd = o.value("noise_std").toDouble(c.noiseStd);
    c.blurProbability = o.value("blur_probability").toDouble(c.blurProbability);
    c.curveProbability = o.value("curve_probability").toDouble(c.curveProbability);
    c.invertProbability = o.value("invert_probability").toDouble(c.invertProbability);
    return c;
}

AugmentConfig AugmentConfig::none()
{
    AugmentConfig c;
    c.enabled = false;
    return c;
}

cv::Mat Augmenter::apply(const cv::Mat& base, std::mt19937& rng) const
{
    cv::Mat out;
    base.convertTo(out, CV_32F);
    const AugmentConfig& c = config_;
    if (!c.enabled)
        return out;
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::bernoulli_distribution coin(0.5);

    if (c.horizontalFlip && coin(rng))
        cv::flip(out, out, 1);
    if (c.verticalFlip && coin(rng))
        cv::flip(out, out, 0);

    const double angle = c.rotationDeg * u(rng);
    const double zoom = 1.0 + c.scale * u(rng);
    const double tx = c.translate * out.cols * u(rng);
    const double ty = c.translate * out.rows * u(rng);
    const double shear = std::tan(c.shearDeg * u(rng) * CV_PI / 180.0);
    if (angle != 0 || zoom != 1.0 || tx != 0 || ty != 0 || shear != 0) {
        const cv::Point2f centre(out.cols / 2.0f, out.rows / 2.0f);
        cv::Mat m = cv::getRotationMatrix2D(centre, angle, zoom); // 2x3 double
        m.at<double>(0, 1) += shear * m.at<double>(0, 0);
        m.at<double>(1, 1) += shear * m.at<double>(1, 0);
        m.at<double>(0, 2) += tx - shear * m.at<double>(0, 0) * centre.y;
        m.at<double>(1, 2) += ty - shear * m.at<double>(1, 0) * centre.y;
        cv::warpAffine(out, out, m, out.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    }

    std::uniform_real_distribution<double> unit(0.0, 1.0);
    if (c.invertProbability > 0 && unit(rng) < c.invertProbability)
        invertInsideBody(out);
    if (c.curveProbability > 0 && unit(rng) < c.curveProbability)
        applyRandomCurve(out, rng);

    const double gain = 1.0 + c.contrast * u(rng);
    const double bias = c.brightness * 255.0 * u(rng);
    if (gain != 1.0 || bias != 0) {
        const cv::Scalar mean = cv::mean(out);
        out.convertTo(out, CV_32F, gain, bias + (1.0 - gain) * mean[0]);
    }
    if (c.blurProbability > 0 && unit(rng) < c.blurProbability) {
        const double sigma = 0.5 + unit(rng);
        cv::GaussianBlur(out, out, cv::Size(0, 0), sigma);
    }
    if (c.noiseStd > 0) {
        cv::Mat noise(out.size(), out.type());
        cv::RNG noiseRng(rng()); // seeded from ours: runs stay reproducible
        noiseRng.fill(noise, cv::RNG::NORMAL, 0.0, c.noiseStd);
        out += noise;
    }
    cv::min(cv::max(out, 0.0), 255.0, out);
    return out;
}

void applyRandomCurve(cv::Mat& image, std::mt19937& rng, int knots)
{
    // Levels at evenly spaced inputs, sorted uniform draws: a random monotone
    // curve from 0 to 255 (it keeps black black and the order of grey levels).
    std::uniform_real_distribution<float> level(0.0f, 255.0f);
    std::vector<float> y(static_cast<size_t>(knots));
    for (float& v : y)
        v = level(rng);
    std::sort(y.begin(), y.end());
    y.insert(y.begin(), 0.0f);
    y.push_back(255.0f);
    const int segments = static_cast<int>(y.size()) - 1;
    cv::Mat lut(1, 256, CV_32F);
    for (int i = 0; i < 256; ++i) {
        const float x = i / 255.0f * segments;
        const int k = std::min(segments - 1, static_cast<int>(x));
        lut.at<float>(i) = y[k] + (x - k) * (y[k + 1] - y[k]);
    }
    const int channels = image.channels();
    for (int r = 0; r < image.rows; ++r) {
        float* p = image.ptr<float>(r);
        for (int i = 0; i < image.cols * channels; ++i) {
            const float v = std::clamp(p[i], 0.0f, 255.0f);
            const int k = std::min(254, static_cast<int>(v));
            p[i] = lut.at<float>(k) + (v - k) * (lut.at<float>(k + 1) - lut.at<float>(k));
        }
    }
}

void invertInsideBody(cv::Mat& image)
{
    const cv::Mat mask = bodyMask(image);
    cv::Mat inverted = cv::Scalar::all(255.0) - image;
    inverted.copyTo(image, mask);
}

} // namespace sinar::imaging
