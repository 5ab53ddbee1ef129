#pragma once
// The metadata stored in every model bundle next to the weights.
#include <QJsonObject>
#include <string>
#include <vector>

#include "imaging/recipe.h"
#include "nn/cnn_config.h"

namespace sinar::nn {

constexpr int kBundleFormatVersion = 1;

struct BundleInfo {
    int formatVersion = kBundleFormatVersion;
    std::string architecture = "standard-cnn"; // or "torchscript" (a model exported from PyTorch)
    CnnConfig cnn;
    std::vector<std::string> classNames;
    imaging::Recipe recipe;
    QJsonObject data;        // training data: source, counts, hash, split
    QJsonObject training;    // hyper-parameters, seed, epochs, time
    QJsonObject testMetrics; // eval::Report::toJson() on the held-out split
    // Temperature scaling (core/trust/calibration.h): {"temperature", "fitted_on",
    // "n", "ece_before", "ece_after", ...}; empty for a bundle without it (T = 1).
    QJsonObject calibration;
    // Out-of-distribution statistics of the penultimate features (core/trust/ood.h); empty: none.
    QJsonObject ood;
    // The images the model is for (core/trust/scope.h, Scope::toJson()); empty: none declared.
    QJsonObject scope;
    // A classical baseline's set-up and what its fit chose (nn/classical.h):
    // {"features": "raw"|"hog", "standardised", "chosen": {...}, "cross_validation": [...]}; empty otherwise.
    QJsonObject classical;
    std::string createdAt;
    std::string toolVersion;

    // The softmax temperature Model::predict applies: calibration's "temperature", or 1.
    double temperature() const;

    QJsonObject toJson() const;
    // Validates consistency (classes vs. outputs, channels vs. recipe, ...).
    static BundleInfo fromJson(const QJsonObject& json, const std::string& context);
    void validate(const std::string& context) const;
};

} // namespace sinar::nn
