#pragma once
// Internal: what a Model holds. Included only by core's LibTorch translation units.
#include <memory>
#include <string>

#include "nn/model.h"
#include "nn/network.h"

namespace sinar::nn {

struct Model::Impl {
    BundleInfo info;
    std::shared_ptr<Network> net; // any registered network, or a TorchScript model
    bool sealed = false;          // loaded from a file whose SHA-256 seal matched
};

// Serialises weights + metadata into a sealed LibTorch archive (common/integrity.h).
std::string serialiseBundle(const BundleInfo& info, Network& net);

torch::Tensor toTensor(const float* inputs, int n, const imaging::Recipe& recipe);

} // namespace sinar::nn
