#pragma once
// Internal: what a Model holds. Included only by core's LibTorch translation units.
#include <string>

#include "nn/model.h"
#include <torch/script.h>

#include "nn/standard_cnn.h"

namespace sinar::nn {

struct Model::Impl {
    BundleInfo info;
    StandardCnn net{nullptr};        // built-in architecture
    torch::jit::script::Module script; // a TorchScript model (architecture "torchscript")
    bool scripted = false;
    // How a TorchScript model exposes feature maps for saliency maps (README,
    // "Explaining TorchScript models"): methods features(x) and head(f), or a
    // forward() that returns (features, logits).
    enum class FeatureConvention { None, Methods, Tuple };
    FeatureConvention convention = FeatureConvention::None;

    torch::Tensor forward(const torch::Tensor& x);
};

// Serialises weights + metadata into a LibTorch archive, and back.
std::string serialiseBundle(const BundleInfo& info, StandardCnn& net);
// Loads an archive; checks names and shapes of every tensor against `info`.
void loadWeights(torch::serialize::InputArchive& archive, StandardCnn& net, const std::string& context);

torch::Tensor toTensor(const float* inputs, int n, const imaging::Recipe& recipe);

} // namespace sinar::nn
