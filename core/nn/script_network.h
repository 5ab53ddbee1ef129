#pragma once
// A TorchScript model exported from PyTorch/MONAI as a Network (internal to core).
// Its feature maps, for saliency maps, follow one of two conventions (README,
// "Explaining TorchScript models"): methods features(x) and head(f), or a
// forward() that returns (features, logits). It is classified, explained and,
// where it has parameters, fine-tuned as a whole (its layers cannot be
// replaced, so its outputs must already match the classes): the trainer sees
// one parameter group "all"; checkpoints hold its named parameters and buffers.
#include <string>

#include "nn/network.h"
#include <torch/script.h>

namespace sinar::nn {

class ScriptNetwork : public Network {
public:
    enum class Convention { None, Methods, Tuple };
    // Checks the module's output on a blank input against `info` (classes, input
    // size); throws sinar::Error with `context`.
    ScriptNetwork(torch::jit::script::Module module, const BundleInfo& info, const std::string& context);

    torch::Tensor forward(const torch::Tensor& x) override;
    std::vector<std::string> layers() const override;
    std::string layerName(const std::string& layer) const override { return checkedLayer(layer); }
    torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) override;
    bool separable() const override { return convention_ == Convention::Methods; }
    torch::Tensor forwardFrom(const torch::Tensor& features, const std::string& layer) override;
    std::pair<torch::Tensor, torch::Tensor> forwardWithFeatures(const torch::Tensor& x, const std::string& layer) override;
    bool trainable() const override { return hasParameters_; }
    std::vector<ParameterGroup> parameterGroups() override;
    std::vector<torch::Tensor> buffers() override;
    void setTraining(bool on) override;
    void save(torch::serialize::OutputArchive& archive) override;
    void load(torch::serialize::InputArchive& archive, const std::string& context) override;
    std::shared_ptr<Network> blankCopy(const BundleInfo& info) override;
    // The whole module as a TorchScript file's bytes.
    std::string scriptBytes();

private:
    std::string checkedLayer(const std::string& layer) const;
    torch::jit::script::Module module_;
    Convention convention_ = Convention::None;
    bool hasParameters_ = false;
};

} // namespace sinar::nn
