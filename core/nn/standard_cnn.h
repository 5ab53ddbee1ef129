#pragma once
// LibTorch module of the standard CNN (internal to core).
#include "nn/cnn_config.h"
#include "nn/torch_includes.h"

namespace sinar::nn {

class StandardCnnImpl : public torch::nn::Module {
public:
    explicit StandardCnnImpl(const CnnConfig& config);
    torch::Tensor forward(const torch::Tensor& x);
    // Output of the last convolution block before its pooling (for Grad-CAM).
    torch::Tensor features(const torch::Tensor& x);
    // Classifier head applied to the output of features().
    torch::Tensor head(const torch::Tensor& features);
    // The head's input: the last block's output pooled, then averaged over space ([N, filters.back()]).
    torch::Tensor embedding(const torch::Tensor& features);

    // Saliency maps of any block: the output of block `block` (0-based, before
    // its pooling), and the rest of the network from there to the logits.
    int blockCount() const { return static_cast<int>(blocks_->size()); }
    torch::Tensor featuresAt(const torch::Tensor& x, int block);
    torch::Tensor forwardFrom(const torch::Tensor& blockOutput, int block);

    const CnnConfig& config() const { return config_; }

private:
    CnnConfig config_;
    torch::nn::ModuleList blocks_;
    torch::nn::MaxPool2d pool_{nullptr};
    torch::nn::Dropout dropout_{nullptr};
    torch::nn::Linear hidden_{nullptr};
    torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(StandardCnn);

} // namespace sinar::nn
