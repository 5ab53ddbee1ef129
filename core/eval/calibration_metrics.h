#pragma once
// How far a classifier's confidence can be trusted: expected calibration error
// with a reliability diagram's data, and accuracy against coverage when the
// least confident answers are withheld (selective prediction).
#include <QJsonArray>
#include <vector>

namespace sinar::eval {

// One equal-width bin of the top-class confidence, (lower, upper] (the first
// bin also takes a confidence of exactly `lower`).
struct ReliabilityBin {
    double lower = 0, upper = 0;
    long count = 0;
    double confidence = 0; // mean top-class probability in the bin (0 when empty)
    double accuracy = 0;   // share of the bin whose top class is the true class
};

struct Reliability {
    double ece = 0; // sum over bins of count/n * |accuracy - confidence|
    std::vector<ReliabilityBin> bins;
    QJsonArray binsJson() const; // [{"bin_lower","bin_upper","count","confidence","accuracy"}...]
};

// `probabilities` one row per sample; the prediction is the arg-max (the first
// of equal maxima, as in computeReport). Throws sinar::Error on inconsistent input.
Reliability reliability(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities, int bins = 15);
double expectedCalibrationError(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                                int bins = 15);

struct CoveragePoint {
    double coverage = 0;  // share of the images answered
    double accuracy = 0;  // accuracy on the answered images
    double threshold = 0; // the lowest top-class probability among them
};

// Sorts by top-class probability (highest first) and keeps the ceil(c*n) most
// confident images for c = 1.0, 0.95, ..., 0.05.
std::vector<CoveragePoint> riskCoverage(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities);
QJsonArray riskCoverageJson(const std::vector<CoveragePoint>& points); // [{"coverage","accuracy","threshold"}...]

} // namespace sinar::eval
