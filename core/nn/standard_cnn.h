#pragma once
// The study's standard CNN (internal to core): its LibTorch module, and the
// registered Network "standard-cnn" (nn/network.h) around it.
#include "nn/cnn_config.h"
#include "nn/network.h"
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

// Layers "blocks.0" … "blocks.N-1" (the default is the last, before its
// pooling); parameter groups "backbone" (the blocks) and "head" (the fully
// connected layers); the embedding is the head's input.
class StandardCnnNetwork : public ModuleNetwork {
public:
    explicit StandardCnnNetwork(const CnnConfig& config);
    torch::Tensor forward(const torch::Tensor& x) override;
    std::vector<std::string> layers() const override;
    torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) override;
    torch::Tensor forwardFrom(const torch::Tensor& features, const std::string& layer) override;
    bool hasEmbedding() const override { return true; }
    torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding) override;
    std::vector<ParameterGroup> parameterGroups() override;

private:
    int block(const std::string& layer) const;
    StandardCnn net_;
};

NetworkRegistration standardCnnRegistration();

} // namespace sinar::nn
