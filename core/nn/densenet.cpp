#include "nn/densenet.h"

#include "common/error.h"

namespace sinar::nn {

namespace {

using torch::nn::BatchNorm2d;
using torch::nn::Conv2d;
using torch::nn::Conv2dOptions;

constexpr int kGrowth = 32;
constexpr int kBottleneck = 4;
constexpr int kBlocks[4] = {6, 12, 24, 16};

Conv2d convLayer(int in, int out, int kernel)
{
    return Conv2d(Conv2dOptions(in, out, kernel).padding(kernel / 2).bias(false));
}

class DenseLayerImpl : public torch::nn::Module {
public:
    explicit DenseLayerImpl(int in)
    {
        norm1 = register_module("norm1", BatchNorm2d(in));
        conv1 = register_module("conv1", convLayer(in, kBottleneck * kGrowth, 1));
        norm2 = register_module("norm2", BatchNorm2d(kBottleneck * kGrowth));
        conv2 = register_module("conv2", convLayer(kBottleneck * kGrowth, kGrowth, 3));
    }
    torch::Tensor forward(const torch::Tensor& x)
    {
        return conv2(torch::relu(norm2(conv1(torch::relu(norm1(x))))));
    }
    BatchNorm2d norm1{nullptr}, norm2{nullptr};
    Conv2d conv1{nullptr}, conv2{nullptr};
};
TORCH_MODULE(DenseLayer);

// A dense block: every layer sees the concatenation of all earlier outputs.
class DenseBlockImpl : public torch::nn::Module {
public:
    DenseBlockImpl(int layers, int in)
    {
        for (int i = 0; i < layers; ++i)
            layers_.push_back(register_module("denselayer" + std::to_string(i + 1), DenseLayer(in + i * kGrowth)));
    }
    torch::Tensor forward(torch::Tensor x)
    {
        for (auto& l : layers_)
            x = torch::cat({x, l->forward(x)}, 1);
        return x;
    }
    std::vector<DenseLayer> layers_;
};
TORCH_MODULE(DenseBlock);

class TransitionImpl : public torch::nn::Module {
public:
    TransitionImpl(int in, int out)
    {
        norm = register_module("norm", BatchNorm2d(in));
        conv = register_module("conv", convLayer(in, out, 1));
    }
    torch::Tensor forward(const torch::Tensor& x) { return torch::avg_pool2d(conv(torch::relu(norm(x))), 2, 2); }
    BatchNorm2d norm{nullptr};
    Conv2d conv{nullptr};
};
TORCH_MODULE(Transition);

class FeaturesImpl : public torch::nn::Module {
public:
    explicit FeaturesImpl(int channels)
    {
        conv0 = register_module("conv0", Conv2d(Conv2dOptions(channels, 64, 7).stride(2).padding(3).bias(false)));
        norm0 = register_module("norm0", BatchNorm2d(64));
        int in = 64;
        for (int b = 0; b < 4; ++b) {
            blocks.push_back(register_module("denseblock" + std::to_string(b + 1), DenseBlock(kBlocks[b], in)));
            in += kBlocks[b] * kGrowth;
            if (b < 3) {
                transitions.push_back(register_module("transition" + std::to_string(b + 1), Transition(in, in / 2)));
                in /= 2;
            }
        }
        norm5 = register_module("norm5", BatchNorm2d(in));
        width = in;
    }
    // Stage 0: the stem's output; stage k (1..4): after dense block k; stage 5: after norm5 and ReLU.
    torch::Tensor through(torch::Tensor x, int from, int to)
    {
        if (from == 0 && to > 0)
            x = torch::max_pool2d(torch::relu(norm0(conv0(x))), 3, 2, 1);
        for (int s = std::max(from, 0) + 1; s <= std::min(to, 4); ++s)
            x = blocks[static_cast<size_t>(s - 1)]->forward(s > 1 ? transitions[static_cast<size_t>(s - 2)]->forward(x) : x);
        if (to == 5 && from < 5)
            x = torch::relu(norm5(x));
        return x;
    }
    Conv2d conv0{nullptr};
    BatchNorm2d norm0{nullptr}, norm5{nullptr};
    std::vector<DenseBlock> blocks;
    std::vector<Transition> transitions;
    int width = 0;
};
TORCH_MODULE(Features);

class DenseNetImpl : public torch::nn::Module {
public:
    DenseNetImpl(int channels, int classes)
    {
        features = register_module("features", Features(channels));
        classifier = register_module("classifier", torch::nn::Linear(features->width, classes));
        for (auto& m : modules(false)) {
            if (auto* c = m->as<torch::nn::Conv2d>())
                torch::nn::init::kaiming_normal_(c->weight);
            else if (auto* l = m->as<torch::nn::Linear>())
                torch::nn::init::zeros_(l->bias);
        }
    }
    Features features{nullptr};
    torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(DenseNet);

class DenseNetNetwork : public ModuleNetwork {
public:
    DenseNetNetwork(int channels, int classes) : ModuleNetwork(nullptr), net_(channels, classes)
    {
        module_ = std::static_pointer_cast<torch::nn::Module>(net_.ptr());
    }
    torch::Tensor forward(const torch::Tensor& x) override { return head(net_->features->through(x, 0, 5)); }
    std::vector<std::string> layers() const override
    {
        return {"features", "features.denseblock3", "features.denseblock2"};
    }
    torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) override
    {
        return net_->features->through(x, 0, stage(layer));
    }
    torch::Tensor forwardFrom(const torch::Tensor& features, const std::string& layer) override
    {
        return head(net_->features->through(features, stage(layer), 5));
    }
    bool hasEmbedding() const override { return true; }
    torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding) override
    {
        embedding = net_->features->through(x, 0, 5).mean({2, 3});
        return net_->classifier(embedding);
    }
    std::vector<ParameterGroup> parameterGroups() override
    {
        ParameterGroup backbone{"backbone", {}}, head{"head", {}};
        for (const auto& item : net_->named_parameters())
            (item.key().rfind("classifier.", 0) == 0 ? head : backbone).parameters.push_back(item.value());
        return {backbone, head};
    }

private:
    int stage(const std::string& layer) const
    {
        const std::string name = layerName(layer);
        return name == "features" ? 5 : name.back() - '0';
    }
    torch::Tensor head(const torch::Tensor& features) { return net_->classifier(features.mean({2, 3})); }
    DenseNet net_;
};

} // namespace

NetworkRegistration denseNet121Registration()
{
    return imageNetworkRegistration<DenseNetNetwork>("densenet121", "DenseNet-121", "DenseNet-121 (torchvision parameter names)");
}

} // namespace sinar::nn
