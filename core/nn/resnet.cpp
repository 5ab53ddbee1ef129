#include "nn/resnet.h"

#include "common/error.h"

namespace sinar::nn {

namespace {

using torch::nn::BatchNorm2d;
using torch::nn::Conv2d;
using torch::nn::Conv2dOptions;

Conv2d conv(int in, int out, int kernel, int stride)
{
    return Conv2d(Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

class BasicBlockImpl : public torch::nn::Module {
public:
    BasicBlockImpl(int in, int out, int stride)
    {
        conv1 = register_module("conv1", conv(in, out, 3, stride));
        bn1 = register_module("bn1", BatchNorm2d(out));
        conv2 = register_module("conv2", conv(out, out, 3, 1));
        bn2 = register_module("bn2", BatchNorm2d(out));
        if (stride != 1 || in != out) {
            downsample = register_module("downsample", torch::nn::Sequential(conv(in, out, 1, stride), BatchNorm2d(out)));
        }
    }
    torch::Tensor forward(const torch::Tensor& x)
    {
        torch::Tensor y = torch::relu(bn1(conv1(x)));
        y = bn2(conv2(y));
        return torch::relu(y + (downsample ? downsample->forward(x) : x));
    }
    Conv2d conv1{nullptr}, conv2{nullptr};
    BatchNorm2d bn1{nullptr}, bn2{nullptr};
    torch::nn::Sequential downsample{nullptr};
};
TORCH_MODULE(BasicBlock);

class ResNetImpl : public torch::nn::Module {
public:
    ResNetImpl(const std::vector<int>& blocks, int channels, int classes)
    {
        conv1 = register_module("conv1", Conv2d(Conv2dOptions(channels, 64, 7).stride(2).padding(3).bias(false)));
        bn1 = register_module("bn1", BatchNorm2d(64));
        int in = 64;
        const int widths[4] = {64, 128, 256, 512};
        for (int l = 0; l < 4; ++l) {
            torch::nn::Sequential layer;
            for (int b = 0; b < blocks[static_cast<size_t>(l)]; ++b) {
                layer->push_back(BasicBlock(in, widths[l], (b == 0 && l > 0) ? 2 : 1));
                in = widths[l];
            }
            layers.push_back(register_module("layer" + std::to_string(l + 1), layer));
        }
        fc = register_module("fc", torch::nn::Linear(512, classes));
        for (auto& m : modules(false)) {
            if (auto* c = m->as<torch::nn::Conv2d>())
                torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
        }
    }
    // The output of layer `upTo` (1..4).
    torch::Tensor stem(const torch::Tensor& x) { return torch::max_pool2d(torch::relu(bn1(conv1(x))), 3, 2, 1); }
    torch::Tensor through(torch::Tensor x, int from, int to) // layers from+1 .. to (0 = the stem's output)
    {
        for (int l = from; l < to; ++l)
            x = layers[static_cast<size_t>(l)]->forward(x);
        return x;
    }
    Conv2d conv1{nullptr};
    BatchNorm2d bn1{nullptr};
    std::vector<torch::nn::Sequential> layers;
    torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ResNet);

class ResNetNetwork : public ModuleNetwork {
public:
    ResNetNetwork(const std::vector<int>& blocks, int channels, int classes)
        : ModuleNetwork(nullptr), net_(blocks, channels, classes)
    {
        module_ = std::static_pointer_cast<torch::nn::Module>(net_.ptr());
    }
    torch::Tensor forward(const torch::Tensor& x) override { return head(net_->through(net_->stem(x), 0, 4)); }
    std::vector<std::string> layers() const override { return {"layer4", "layer3", "layer2", "layer1"}; }
    torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) override
    {
        return net_->through(net_->stem(x), 0, index(layer));
    }
    torch::Tensor forwardFrom(const torch::Tensor& features, const std::string& layer) override
    {
        return head(net_->through(features, index(layer), 4));
    }
    bool hasEmbedding() const override { return true; }
    torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding) override
    {
        embedding = net_->through(net_->stem(x), 0, 4).mean({2, 3});
        return net_->fc(embedding);
    }
    std::vector<ParameterGroup> parameterGroups() override
    {
        ParameterGroup backbone{"backbone", {}}, head{"head", {}};
        for (const auto& item : net_->named_parameters())
            (item.key().rfind("fc.", 0) == 0 ? head : backbone).parameters.push_back(item.value());
        return {backbone, head};
    }

private:
    int index(const std::string& layer) const { return layerName(layer).back() - '0'; }
    torch::Tensor head(const torch::Tensor& features) { return net_->fc(features.mean({2, 3})); }
    ResNet net_;
};

} // namespace

NetworkRegistration resnetRegistration(int depth)
{
    const std::vector<int> blocks = depth == 34 ? std::vector<int>{3, 4, 6, 3} : std::vector<int>{2, 2, 2, 2};
    NetworkRegistration r;
    r.architecture = "resnet" + std::to_string(depth);
    r.description = "ResNet-" + std::to_string(depth) + " (torchvision parameter names)";
    r.validate = imageNetworkCheck("ResNet-" + std::to_string(depth));
    r.create = [blocks](const BundleInfo& info) -> std::shared_ptr<Network> {
        return std::make_shared<ResNetNetwork>(blocks, info.recipe.channels, static_cast<int>(info.classNames.size()));
    };
    return r;
}

} // namespace sinar::nn
