#pragma once
// Random, seeded training-time augmentation of base images (never used at inference).
#include <QJsonObject>
#include <opencv2/core.hpp>
#include <random>
#include <string>

namespace sinar::imaging {

struct AugmentConfig {
    bool enabled = true;
    bool horizontalFlip = true;
    bool verticalFlip = false;
    double rotationDeg = 10.0;  // uniform in [-r, r]
    double scale = 0.10;        // zoom uniform in [1-s, 1+s]
    double translate = 0.06;    // fraction of the size
    double shearDeg = 0.0;
    double brightness = 0.10;   // additive, fraction of 255
    double contrast = 0.15;     // multiplicative around the mean
    double noiseStd = 0.0;      // Gaussian noise, grey levels (0..255 scale)
    double blurProbability = 0.0;
    // Contrast changes that a new MR sequence or scanner brings, so that the
    // global grey-level histogram stops being a shortcut to the label:
    double curveProbability = 0.0;  // a random monotone grey-level curve
    double invertProbability = 0.0; // grey levels inverted inside the body
                                    // (background kept black): CSF dark <-> bright

    QJsonObject toJson() const;
    static AugmentConfig fromJson(const QJsonObject& json);
    static AugmentConfig none();
};

class Augmenter {
public:
    explicit Augmenter(AugmentConfig config) : config_(config) {}
    // Returns a CV_32F image (0..255 range, same channels and size as `base`).
    cv::Mat apply(const cv::Mat& base, std::mt19937& rng) const;
    const AugmentConfig& config() const { return config_; }

private:
    AugmentConfig config_;
};

// The parts of an augmentation, exposed for tests: a monotone piecewise-linear
// grey-level curve through `knots` random levels, and the inversion of the grey
// levels inside the body region (imaging::bodyMask). Both work on CV_32F 0..255.
void applyRandomCurve(cv::Mat& image, std::mt19937& rng, int knots = 4);
void invertInsideBody(cv::Mat& image);

} // namespace sinar::imaging
