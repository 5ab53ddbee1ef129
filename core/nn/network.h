#pragma once
// One interface for every network Sinar runs (internal to core: LibTorch).
//
// Grad-CAM, the trainer, bundles, the out-of-distribution statistics and the
// viewer work through this interface only; none of them knows which network it
// is. A new network is one file (a Network, usually a ModuleNetwork) plus one
// registration in registerBuiltInNetworks() (nn/network.cpp); bundles name it
// in their "architecture". A TorchScript file is a Network too (nn/script_network.h).
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "nn/bundle_info.h"
#include "nn/torch_includes.h"

namespace sinar::nn {

// Parameters that share optimiser settings: e.g. "backbone" and "head", so a
// trainer can give them separate learning rates or freeze one.
// How a network fitted in one step (a classical baseline) is fitted.
struct DirectFitOptions {
    int folds = 3;               // cross-validation folds for the hyper-parameters
    uint32_t seed = 0;           // fold assignment
    int threads = 0;             // grid points fitted at once (0: one per core)
    ProgressFn progress;
    const CancelToken* cancel = nullptr;
    // When set: each training image's scores [N, classes] from the
    // cross-validation model that did not see it, at the chosen
    // hyper-parameters (for calibrating a model fitted on every image).
    torch::Tensor* outOfFoldScores = nullptr;
};

struct ParameterGroup {
    std::string name;
    std::vector<torch::Tensor> parameters;
};

class Network {
public:
    virtual ~Network() = default;

    // Logits [N, classes] of input [N, C, H, W].
    virtual torch::Tensor forward(const torch::Tensor& x) = 0;

    // Saliency maps. The layers whose output is a feature map [N, C, h, w],
    // the default (deepest) first; empty when the network exposes none.
    virtual std::vector<std::string> layers() const = 0;
    // The output of `layer` ("" = the default). Throws sinar::Error naming the
    // layers for an unknown one.
    virtual torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) = 0;
    // Whether forwardFrom works: the rest of the network from `layer`'s output
    // to the logits. A network that gives both only in one pass says false and
    // overrides forwardWithFeatures.
    virtual bool separable() const { return true; }
    virtual torch::Tensor forwardFrom(const torch::Tensor& features, const std::string& layer) = 0;
    // (layer output, logits) from one pass; the default is featuresAt + forwardFrom.
    virtual std::pair<torch::Tensor, torch::Tensor> forwardWithFeatures(const torch::Tensor& x, const std::string& layer);
    // The canonical name of `layer` ("" -> the default's name); throws
    // sinar::Error naming the layers (or why there are none) for an unknown one.
    virtual std::string layerName(const std::string& layer) const;

    // Penultimate features [N, D] for the out-of-distribution statistics, with
    // the logits from the same pass. Networks without them say false.
    virtual bool hasEmbedding() const { return false; }
    virtual torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding);

    // Classical baselines (nn/classical.h) are fitted in one step on the
    // preprocessed training images instead of trained by gradient descent:
    // fitDirectly takes x [N, C, H, W] and a label per image and returns what
    // it chose (hyper-parameters, cross-validation) for BundleInfo::classical.
    virtual bool fitsDirectly() const { return false; }
    virtual QJsonObject fitDirectly(const torch::Tensor& x, const std::vector<int>& labels, const DirectFitOptions& options);

    // Training.
    virtual bool trainable() const { return true; }
    virtual std::vector<ParameterGroup> parameterGroups() = 0;
    std::vector<torch::Tensor> parameters(); // every group's, in group order
    virtual std::vector<torch::Tensor> buffers() = 0;
    virtual void setTraining(bool on) = 0;
    // The module tree (batch-norm statistics walk it); nullptr when the network
    // is not a torch::nn::Module.
    virtual torch::nn::Module* module() { return nullptr; }
    size_t parameterCount();
    // Batch-norm layers that stay in eval mode while training (their statistics
    // are kept): for pretrained weights whose batch norm was folded.
    void freezeBatchNorm(bool on) { batchNormFrozen_ = on; }
    bool batchNormFrozen() const { return batchNormFrozen_; }

protected:
    bool batchNormFrozen_ = false;

public:

    // Weights to and from a LibTorch archive. load() checks every tensor's
    // name, shape and finiteness and throws sinar::Error with `context`.
    virtual void save(torch::serialize::OutputArchive& archive) = 0;
    virtual void load(torch::serialize::InputArchive& archive, const std::string& context) = 0;
    // A network of the same structure (weights not copied) for holding another
    // state, e.g. the best epoch's: a new one from the registry by default.
    virtual std::shared_ptr<Network> blankCopy(const BundleInfo& info);
};

// A network built from torch::nn modules: parameters, buffers, training mode,
// saving and checked loading come from the module.
class ModuleNetwork : public Network {
public:
    explicit ModuleNetwork(std::shared_ptr<torch::nn::Module> module) : module_(std::move(module)) {}
    std::vector<torch::Tensor> buffers() override;
    void setTraining(bool on) override;
    torch::nn::Module* module() override { return module_.get(); }
    void save(torch::serialize::OutputArchive& archive) override;
    void load(torch::serialize::InputArchive& archive, const std::string& context) override;

protected:
    std::shared_ptr<torch::nn::Module> module_;
};

struct NetworkRegistration {
    std::string architecture;  // the bundle's "architecture"
    std::string description;   // one line for help texts
    // Checks the metadata (BundleInfo::cnn or the network's own config) against
    // classes, channels and input size; throws sinar::Error with the context.
    std::function<void(const BundleInfo& info, const std::string& context)> validate;
    // A network with fresh weights drawn from LibTorch's global generator.
    std::function<std::shared_ptr<Network>(const BundleInfo& info)> create;
    bool classical = false;    // a baseline fitted in one step (nn/classical.h), not trained
};

// The validate function of an image network built for any class count, grey
// or RGB input and inputs of at least 32x32; errors name the network (`name`).
std::function<void(const BundleInfo& info, const std::string& context)> imageNetworkCheck(const std::string& name);

// The registration of an image network `Net` built as Net(channels, classes).
template <class Net>
NetworkRegistration imageNetworkRegistration(const std::string& architecture, const std::string& name,
                                             const std::string& description)
{
    NetworkRegistration r;
    r.architecture = architecture;
    r.description = description;
    r.validate = imageNetworkCheck(name);
    r.create = [](const BundleInfo& info) -> std::shared_ptr<Network> {
        return std::make_shared<Net>(info.recipe.channels, static_cast<int>(info.classNames.size()));
    };
    return r;
}

// Adds (or replaces) an architecture.
void registerNetwork(NetworkRegistration registration);
// A new network for info.architecture; throws sinar::Error for an unknown one
// (and for "torchscript", which is loaded, never built).
std::shared_ptr<Network> createNetwork(const BundleInfo& info);

// Every tensor LibTorch has read from an archive must lie within its storage:
// LibTorch 1.13 takes a pickled tensor's sizes, strides and offset as given,
// and a storage record shorter than they span would be read past its end
// (found with a bundle whose weight entry was shortened in its zip directory).
// Walks every attribute, nested modules, lists, tuples and dicts included, and
// throws Error(prefix + "tensor 'name' spans 1152 bytes, its storage holds 64",
// path). `prefix` is e.g. "corrupt model bundle: ".
void checkArchiveTensors(torch::serialize::InputArchive& archive, const std::string& prefix, const std::string& path);
void checkModuleTensors(const torch::jit::Module& module, const std::string& prefix, const std::string& path);


// LibTorch's default CPU generator is one per process: it draws a new network's
// initial weights and the dropout masks of training. Every draw from it happens
// inside a GeneratorScope, which holds one process-wide lock. Training keeps
// what it draws (Keep: seeding, initial weights, each batch's forward pass);
// anything else (building a network to load a bundle into, a benchmark's random
// inputs) puts the generator back as it found it (Restore). So a model loaded
// in the viewer while a run trains leaves the run's numbers unchanged.
class GeneratorScope {
public:
    enum class Mode { Keep, Restore };
    explicit GeneratorScope(Mode mode);
    ~GeneratorScope();
    GeneratorScope(const GeneratorScope&) = delete;
    GeneratorScope& operator=(const GeneratorScope&) = delete;

private:
    std::unique_lock<std::recursive_mutex> lock_;
    torch::Tensor saved_; // Restore: the state to put back
};

} // namespace sinar::nn
