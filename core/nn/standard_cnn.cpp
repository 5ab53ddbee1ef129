#include "nn/standard_cnn.h"

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

} // namespace sinar::nn
