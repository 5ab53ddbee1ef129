#include "nn/mobilenet_v2.h"

#include "common/error.h"

namespace sinar::nn {

namespace {

using torch::nn::BatchNorm2d;
using torch::nn::Conv2d;
using torch::nn::Conv2dOptions;
using torch::nn::Sequential;

// A Sequential with a plain forward(), so Sequentials can hold it.
class StackImpl : public torch::nn::SequentialImpl {
public:
    using SequentialImpl::SequentialImpl;
    torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Stack);

// torchvision's Conv2dNormActivation: conv (no bias), batch norm, ReLU6.
Stack convBnRelu6(int in, int out, int kernel, int stride, int groups = 1)
{
    return Stack(Conv2d(Conv2dOptions(in, out, kernel).stride(stride).padding((kernel - 1) / 2).groups(groups).bias(false)),
                      BatchNorm2d(out), torch::nn::ReLU6());
}

class InvertedResidualImpl : public torch::nn::Module {
public:
    InvertedResidualImpl(int in, int out, int stride, int expand) : residual_(stride == 1 && in == out)
    {
        const int hidden = in * expand;
        Stack layers;
        if (expand != 1)
            layers->push_back(convBnRelu6(in, hidden, 1, 1));
        layers->push_back(convBnRelu6(hidden, hidden, 3, stride, hidden));
        layers->push_back(Conv2d(Conv2dOptions(hidden, out, 1).bias(false)));
        layers->push_back(BatchNorm2d(out));
        conv = register_module("conv", layers);
    }
    torch::Tensor forward(const torch::Tensor& x) { return residual_ ? x + conv->forward(x) : conv->forward(x); }
    Stack conv{nullptr};

private:
    bool residual_;
};
TORCH_MODULE(InvertedResidual);

class MobileNetV2Impl : public torch::nn::Module {
public:
    MobileNetV2Impl(int channels, int classes)
    {
        Sequential f;
        f->push_back(convBnRelu6(channels, 32, 3, 2));
        int in = 32;
        // t (expansion), c (channels), n (repeats), s (stride of the first)
        const int settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                    {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        for (const auto& s : settings)
            for (int i = 0; i < s[2]; ++i) {
                f->push_back(InvertedResidual(in, s[1], i == 0 ? s[3] : 1, s[0]));
                in = s[1];
            }
        f->push_back(convBnRelu6(in, 1280, 1, 1));
        features = register_module("features", f);
        classifier = register_module("classifier", Sequential(torch::nn::Dropout(0.2), torch::nn::Linear(1280, classes)));
        for (auto& m : modules(false)) {
            if (auto* c = m->as<torch::nn::Conv2d>())
                torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut);
            if (auto* l = m->as<torch::nn::Linear>()) {
                torch::nn::init::normal_(l->weight, 0, 0.01);
                torch::nn::init::zeros_(l->bias);
            }
        }
    }
    // Modules features[from .. to) applied to x.
    torch::Tensor run(torch::Tensor x, size_t from, size_t to)
    {
        for (size_t i = from; i < to; ++i) {
            const std::shared_ptr<torch::nn::Module>& m = features->ptr(i);
            if (auto* block = m->as<InvertedResidualImpl>())
                x = block->forward(x);
            else
                x = m->as<torch::nn::SequentialImpl>()->forward(x);
        }
        return x;
    }
    Sequential features{nullptr}, classifier{nullptr};
};
TORCH_MODULE(MobileNetV2);

class MobileNetV2Network : public ModuleNetwork {
public:
    MobileNetV2Network(int channels, int classes) : ModuleNetwork(nullptr), net_(channels, classes)
    {
        module_ = std::static_pointer_cast<torch::nn::Module>(net_.ptr());
    }
    torch::Tensor forward(const torch::Tensor& x) override { return head(net_->run(x, 0, count())); }
    std::vector<std::string> layers() const override
    {
        std::vector<std::string> names;
        for (size_t i = count(); i-- > 0;)
            names.push_back("features." + std::to_string(i));
        return names;
    }
    torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) override
    {
        return net_->run(x, 0, index(layer) + 1);
    }
    torch::Tensor forwardFrom(const torch::Tensor& f, const std::string& layer) override
    {
        return head(net_->run(f, index(layer) + 1, count()));
    }
    bool hasEmbedding() const override { return true; }
    torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding) override
    {
        embedding = net_->run(x, 0, count()).mean({2, 3});
        return net_->classifier->forward(embedding);
    }
    std::vector<ParameterGroup> parameterGroups() override
    {
        ParameterGroup backbone{"backbone", {}}, head{"head", {}};
        for (const auto& item : net_->named_parameters())
            (item.key().rfind("classifier.", 0) == 0 ? head : backbone).parameters.push_back(item.value());
        return {backbone, head};
    }

private:
    size_t count() const { return net_->features->size(); }
    size_t index(const std::string& layer) const
    {
        const std::string name = layerName(layer);
        return static_cast<size_t>(std::stoi(name.substr(name.find('.') + 1)));
    }
    torch::Tensor head(const torch::Tensor& f) { return net_->classifier->forward(f.mean({2, 3})); }
    MobileNetV2 net_;
};

} // namespace

NetworkRegistration mobileNetV2Registration()
{
    return imageNetworkRegistration<MobileNetV2Network>("mobilenet_v2", "MobileNetV2", "MobileNetV2 1.0 (torchvision parameter names)");
}

} // namespace sinar::nn
