#pragma once
// A classifier: network weights plus BundleInfo. LibTorch stays behind this
// header; callers pass preprocessed floats or Images.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "imaging/image.h"
#include "nn/bundle_info.h"

namespace sinar::nn {

class Model {
public:
    // A new network with seeded random weights.
    static Model create(const BundleInfo& info, uint32_t seed);
    // Loads and validates a bundle; throws sinar::Error saying what is wrong.
    // A TorchScript file (exported from PyTorch/MONAI) loads too, described by
    // a side-car JSON next to it ("model.pt.json" or "model.json") holding
    // "class_names" and "preprocessing" (a recipe, see imaging/recipe.h).
    static Model load(const std::string& path);
    // A TorchScript file to fine-tune as a whole, described by `info` (class
    // names of the new data, its recipe; architecture becomes "torchscript").
    // Throws sinar::Error when the file is no TorchScript model or its outputs
    // do not match the classes. save() then writes a TorchScript file and its
    // side-car JSON (PATH.json) with the whole metadata.
    static Model fromTorchScript(const std::string& path, BundleInfo info);
    bool isTorchScript() const;
    // Loaded from a file that carries a matching SHA-256 seal (every bundle Sinar
    // writes does; older bundles and foreign TorchScript files do not).
    bool isSealed() const;
    // Writes the bundle atomically (a TorchScript model: the file and PATH.json).
    void save(const std::string& path) const;

    const BundleInfo& info() const;
    BundleInfo& info();
    size_t parameterCount() const;

    // Class probabilities for n preprocessed inputs laid out as n*C*H*W floats:
    // softmax(logits / T) with the bundle's calibration temperature (1 without one).
    std::vector<std::vector<float>> predict(const float* inputs, int n) const;
    // The same, and with `embeddings` the penultimate features of each input
    // (the last block, pooled and averaged over space) from the same forward pass.
    // A network without them (a TorchScript model) leaves `embeddings` empty.
    std::vector<std::vector<float>> predict(const float* inputs, int n, std::vector<std::vector<float>>* embeddings) const;
    bool hasEmbeddings() const;
    // Preprocesses with the bundle's recipe, then predicts.
    std::vector<float> predict(const imaging::Image& image) const;
    std::vector<float> predict(const imaging::Image& image, std::vector<float>* embedding) const;

    // A classical baseline (nn/classical.h) is fitted in one step rather than
    // trained: fitDirectly takes n preprocessed inputs (n*C*H*W floats) and
    // their labels, chooses its hyper-parameters by `folds`-fold
    // cross-validation and records the result in info().classical. With
    // `outOfFold`, each input's class probabilities (uncalibrated) from the
    // cross-validation model that did not see it, at the chosen
    // hyper-parameters: held-out scores for calibration.
    bool fitsDirectly() const;
    void fitDirectly(const float* inputs, int n, const std::vector<int>& labels, int folds, uint32_t seed,
                     const ProgressFn& progress = {}, const CancelToken* cancel = nullptr,
                     std::vector<std::vector<float>>* outOfFold = nullptr);

    // The same network (weights shared, not copied) without the calibration:
    // its predict() gives softmax(logits), the input for fitting a temperature.
    Model uncalibrated() const;

    struct Impl;
    Impl& impl() const { return *impl_; }

private:
    explicit Model(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

// Sets LibTorch's intra-op thread count (0: one per core). Call once at start-up.
void setThreadCount(int threads);
int threadCount();

} // namespace sinar::nn
