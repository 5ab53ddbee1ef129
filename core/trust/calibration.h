#pragma once
// Temperature scaling (Guo et al. 2017): one scalar T > 0 that divides the
// logits before the softmax, fitted by minimising the negative log-likelihood
// on held-out validation images. It never changes the arg-max, only how
// confident the probabilities are. nn::Model::predict applies the bundle's T.
#include <QJsonObject>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace sinar::trust {

struct TemperatureFit {
    double temperature = 1;
    long n = 0;
    double nllBefore = 0, nllAfter = 0; // mean negative log-likelihood at T = 1 and at the fitted T
    double eceBefore = 0, eceAfter = 0; // 15-bin expected calibration error on the same images
    // {"temperature", "fitted_on", "n", "nll_before", "nll_after", "ece_before", "ece_after", "bins"}:
    // the bundle's "calibration" record (nn::BundleInfo::calibration).
    QJsonObject toJson(const std::string& fittedOn) const;
};

// Fits T on uncalibrated probabilities (softmax of the logits: their logarithms
// are the logits up to a per-row constant, so softmax(log p / T) = softmax(z / T)).
// Probabilities below 1e-38 count as 1e-38. Throws sinar::Error on inconsistent input.
TemperatureFit fitTemperature(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities);

// softmax(log p / T) per row.
std::vector<std::vector<float>> applyTemperature(const std::vector<std::vector<float>>& probabilities, double temperature);

// Mean negative log-likelihood of `truth` under softmax(log p / T).
double negativeLogLikelihood(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                             double temperature = 1.0);

// The calibration keys of `sinar-cli evaluate --json` (and a run's
// test_metrics.json) for probabilities that carry `temperature`:
// "temperature", "ece", "ece_uncalibrated" (after undoing T), "reliability"
// (15 bins) and "risk_coverage" (see eval/calibration_metrics.h).
QJsonObject calibrationMetricsJson(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                                   double temperature);

// The validation images (early stopping) of a bundle trained on `data`,
// re-created from the bundle's data metadata (BundleInfo::data) like
// train::heldOutTestIndices does for the test images. For an .npz, `data` is
// its "train" subset. Throws sinar::Error when `data` is not the set the
// bundle was trained on or the split cannot be re-created.
std::vector<size_t> validationIndices(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context);
// The training images of the same split (train and val of the re-created split; test stays empty for an .npz).
std::vector<size_t> trainingIndices(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context);

} // namespace sinar::trust
