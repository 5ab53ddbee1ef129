#include "nn/standard_cnn.h"

#include "common/error.h"

namespace sinar::nn {

StandardCnnImpl::StandardCnnImpl(const CnnConfig& config) : config_(config)
{
    blocks_ = register_module("blocks", torch::nn::ModuleList());
    int in = config.inChannels;
    for (size_t b = 0; b < config.filters.size(); ++b) {
        torch::nn::Sequential block;
        for (int c = 0; c < config.convsPerBlock; ++c) {
            const int stride = (b == 0 && c == 0) ? config.stemStride : 1;
            block->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, config.filters[b], config.kernelSize)
                                                   .stride(stride)
                                                   .padding(config.kernelSize / 2)
                                                   .bias(!config.batchNorm)));
            if (config.batchNorm)
                block->push_back(torch::nn::BatchNorm2d(config.filters[b]));
            block->push_back(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true)));
            in = config.filters[b];
        }
        blocks_->push_back(block);
    }
    pool_ = register_module("pool", torch::nn::MaxPool2d(2));
    dropout_ = register_module("dropout", torch::nn::Dropout(config.dropout));
    if (config.fcHidden > 0) {
        hidden_ = register_module("hidden", torch::nn::Linear(in, config.fcHidden));
        in = config.fcHidden;
    }
    fc_ = register_module("fc", torch::nn::Linear(in, config.numClasses));

    for (auto& m : modules(false)) {
        if (auto* conv = m->as<torch::nn::Conv2d>())
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
}

torch::Tensor StandardCnnImpl::featuresAt(const torch::Tensor& input, int block)
{
    torch::Tensor x = input;
    for (int b = 0; b <= block; ++b) {
        if (b > 0)
            x = pool_(x);
        x = blocks_[static_cast<size_t>(b)]->as<torch::nn::Sequential>()->forward(x);
    }
    return x;
}

torch::Tensor StandardCnnImpl::forwardFrom(const torch::Tensor& blockOutput, int block)
{
    torch::Tensor x = blockOutput;
    for (int b = block + 1; b < blockCount(); ++b)
        x = blocks_[static_cast<size_t>(b)]->as<torch::nn::Sequential>()->forward(pool_(x));
    return head(x);
}

torch::Tensor StandardCnnImpl::features(const torch::Tensor& input)
{
    return featuresAt(input, blockCount() - 1);
}

torch::Tensor StandardCnnImpl::embedding(const torch::Tensor& features)
{
    return pool_(features).mean({2, 3});
}

torch::Tensor StandardCnnImpl::head(const torch::Tensor& features)
{
    torch::Tensor x = embedding(features);
    if (hidden_)
        x = torch::relu(hidden_(x));
    x = dropout_(x);
    return fc_(x);
}

torch::Tensor StandardCnnImpl::forward(const torch::Tensor& x)
{
    return head(features(x));
}

namespace {

std::shared_ptr<torch::nn::Module> asModule(const StandardCnn& net)
{
    return std::static_pointer_cast<torch::nn::Module>(net.ptr());
}

} // namespace

StandardCnnNetwork::StandardCnnNetwork(const CnnConfig& config) : ModuleNetwork(nullptr), net_(config)
{
    module_ = asModule(net_);
}

torch::Tensor StandardCnnNetwork::forward(const torch::Tensor& x)
{
    return net_->forward(x);
}

std::vector<std::string> StandardCnnNetwork::layers() const
{
    std::vector<std::string> names;
    for (int b = net_->blockCount() - 1; b >= 0; --b)
        names.push_back("blocks." + std::to_string(b));
    return names;
}

int StandardCnnNetwork::block(const std::string& layer) const
{
    const std::string name = layerName(layer); // throws for an unknown layer
    return std::stoi(name.substr(name.find('.') + 1));
}

torch::Tensor StandardCnnNetwork::featuresAt(const torch::Tensor& x, const std::string& layer)
{
    return net_->featuresAt(x, block(layer));
}

torch::Tensor StandardCnnNetwork::forwardFrom(const torch::Tensor& features, const std::string& layer)
{
    return net_->forwardFrom(features, block(layer));
}

torch::Tensor StandardCnnNetwork::forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding)
{
    const torch::Tensor f = net_->features(x);
    embedding = net_->embedding(f);
    return net_->head(f);
}

std::vector<ParameterGroup> StandardCnnNetwork::parameterGroups()
{
    // Registration order, so the groups' concatenation is parameters() of the module.
    ParameterGroup backbone{"backbone", {}}, head{"head", {}};
    for (const auto& item : net_->named_parameters())
        (item.key().rfind("blocks.", 0) == 0 ? backbone : head).parameters.push_back(item.value());
    return {backbone, head};
}

NetworkRegistration standardCnnRegistration()
{
    NetworkRegistration r;
    r.architecture = "standard-cnn";
    r.description = "the study's standard CNN: conv-BN-ReLU-max-pool blocks, global average pooling, dropout, FC";
    r.validate = [](const BundleInfo& info, const std::string& context) {
        const CnnConfig& cnn = info.cnn;
        cnn.validate(context);
        if (static_cast<int>(info.classNames.size()) != cnn.numClasses)
            throw Error(std::to_string(info.classNames.size()) + " class names for a network with " +
                            std::to_string(cnn.numClasses) + " outputs",
                        context);
        if (info.recipe.channels != cnn.inChannels)
            throw Error("the preprocessing recipe makes " + std::to_string(info.recipe.channels) +
                            "-channel input but the network takes " + std::to_string(cnn.inChannels),
                        context);
        if (cnn.featureSize(std::min(info.recipe.width, info.recipe.height)) < 1)
            throw Error("input size " + std::to_string(info.recipe.width) + "x" + std::to_string(info.recipe.height) +
                            " is too small for " + std::to_string(cnn.filters.size()) + " pooling blocks",
                        context);
    };
    r.create = [](const BundleInfo& info) -> std::shared_ptr<Network> {
        return std::make_shared<StandardCnnNetwork>(info.cnn);
    };
    return r;
}

} // namespace sinar::nn
