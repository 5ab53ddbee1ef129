#include "nn/network.h"

#include <map>
#include <mutex>
#include <set>

#include "common/error.h"
#include "nn/architectures.h"
#include "nn/classical.h"
#include "nn/densenet.h"
#include "nn/mobilenet_v2.h"
#include "nn/resnet.h"
#include "nn/standard_cnn.h"

namespace sinar::nn {

namespace {

struct Registry {
    std::mutex mutex;
    std::vector<NetworkRegistration> entries;
};

void registerBuiltInNetworks(Registry& r);

Registry& registry()
{
    static Registry* r = [] {
        auto* reg = new Registry;
        registerBuiltInNetworks(*reg);
        return reg;
    }();
    return *r;
}

const NetworkRegistration* find(Registry& r, const std::string& name)
{
    for (const auto& e : r.entries)
        if (e.architecture == name)
            return &e;
    return nullptr;
}

// The networks Sinar ships. A new network: its file, and one line here.
void registerBuiltInNetworks(Registry& r)
{
    r.entries.push_back(standardCnnRegistration());
    r.entries.push_back(resnetRegistration(18));
    r.entries.push_back(resnetRegistration(34));
    r.entries.push_back(mobileNetV2Registration());
    r.entries.push_back(denseNet121Registration());
    r.entries.push_back(classicalRegistration("svm-linear"));
    r.entries.push_back(classicalRegistration("svm-rbf"));
    r.entries.push_back(classicalRegistration("knn"));
}

} // namespace

std::function<void(const BundleInfo&, const std::string&)> imageNetworkCheck(const std::string& name)
{
    return [name](const BundleInfo& info, const std::string& context) {
        if (info.classNames.size() < 2)
            throw Error(name + " needs at least two classes", context);
        if (info.recipe.channels != 1 && info.recipe.channels != 3)
            throw Error(name + " takes grey or RGB input, not " + std::to_string(info.recipe.channels) + " channels", context);
        if (std::min(info.recipe.width, info.recipe.height) < 32)
            throw Error("input size " + std::to_string(info.recipe.width) + "x" + std::to_string(info.recipe.height) +
                            " is too small for " + name + " (at least 32x32)",
                        context);
    };
}

void registerNetwork(NetworkRegistration registration)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    for (auto& e : r.entries)
        if (e.architecture == registration.architecture) {
            e = std::move(registration);
            return;
        }
    r.entries.push_back(std::move(registration));
}

std::vector<std::string> registeredArchitectures()
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    std::vector<std::string> names;
    for (const auto& e : r.entries)
        names.push_back(e.architecture);
    return names;
}

bool isRegisteredArchitecture(const std::string& name)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    return find(r, name) != nullptr;
}

bool isClassicalArchitecture(const std::string& name)
{
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    const NetworkRegistration* e = find(r, name);
    return e && e->classical;
}

void validateArchitecture(const BundleInfo& info, const std::string& context)
{
    Registry& r = registry();
    std::function<void(const BundleInfo&, const std::string&)> validate;
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        const NetworkRegistration* e = find(r, info.architecture);
        if (!e) {
            std::vector<std::string> known;
            for (const auto& x : r.entries)
                known.push_back(x.architecture);
            known.push_back("torchscript");
            throw Error("unknown architecture '" + info.architecture + "' (this Sinar knows " + joinedNames(known) + ")", context);
        }
        validate = e->validate;
    }
    if (validate)
        validate(info, context);
}

std::shared_ptr<Network> createNetwork(const BundleInfo& info)
{
    if (info.architecture == "torchscript")
        throw Error("a TorchScript model is loaded from its file, not built");
    Registry& r = registry();
    std::function<std::shared_ptr<Network>(const BundleInfo&)> create;
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        const NetworkRegistration* e = find(r, info.architecture);
        if (!e)
            throw Error("unknown architecture '" + info.architecture + "'");
        create = e->create;
    }
    return create(info);
}

namespace {

std::recursive_mutex& generatorMutex()
{
    static std::recursive_mutex m;
    return m;
}

} // namespace

GeneratorScope::GeneratorScope(Mode mode) : lock_(generatorMutex())
{
    if (mode == Mode::Restore) {
        at::Generator gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> g(gen.mutex());
        saved_ = gen.get_state();
    }
}

GeneratorScope::~GeneratorScope()
{
    if (saved_.defined()) {
        at::Generator gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> g(gen.mutex());
        gen.set_state(saved_);
    }
}

std::shared_ptr<Network> Network::blankCopy(const BundleInfo& info)
{
    GeneratorScope scope(GeneratorScope::Mode::Keep); // inside training: its draws are the run's
    return createNetwork(info);
}

QJsonObject Network::fitDirectly(const torch::Tensor&, const std::vector<int>&, const DirectFitOptions&)
{
    throw Error("this network is trained by gradient descent, not fitted in one step");
}

std::pair<torch::Tensor, torch::Tensor> Network::forwardWithFeatures(const torch::Tensor& x, const std::string& layer)
{
    torch::Tensor f = featuresAt(x, layer);
    torch::Tensor logits = forwardFrom(f, layer);
    return {f, logits};
}

std::string Network::layerName(const std::string& layer) const
{
    const std::vector<std::string> names = layers();
    if (layer.empty()) {
        if (names.empty())
            throw Error("the network exposes no feature maps");
        return names.front();
    }
    for (const auto& n : names)
        if (n == layer)
            return n;
    throw Error("the model has no layer '" + layer + "' (layers: " + joinedNames(names) + ")");
}

torch::Tensor Network::forwardWithEmbedding(const torch::Tensor&, torch::Tensor&)
{
    throw Error("the network has no penultimate features for out-of-distribution statistics");
}

std::vector<torch::Tensor> Network::parameters()
{
    std::vector<torch::Tensor> out;
    for (auto& g : parameterGroups())
        out.insert(out.end(), g.parameters.begin(), g.parameters.end());
    return out;
}

size_t Network::parameterCount()
{
    size_t n = 0;
    for (const auto& p : parameters())
        n += static_cast<size_t>(p.numel());
    return n;
}

std::vector<torch::Tensor> ModuleNetwork::buffers()
{
    return module_->buffers();
}

void ModuleNetwork::setTraining(bool on)
{
    module_->train(on);
    if (on && batchNormFrozen_)
        for (const auto& m : module_->modules(false))
            if (m->as<torch::nn::BatchNorm2d>())
                m->eval();
}

void ModuleNetwork::save(torch::serialize::OutputArchive& archive)
{
    module_->save(archive);
}

void ModuleNetwork::load(torch::serialize::InputArchive& archive, const std::string& context)
{
    // Module::load replaces tensors whatever their shape: check shapes first.
    std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
    for (const auto& item : module_->named_parameters())
        expected.emplace_back(item.key(), item.value().sizes().vec());
    for (const auto& item : module_->named_buffers())
        expected.emplace_back(item.key(), item.value().sizes().vec());
    try {
        module_->load(archive);
    } catch (const c10::Error& e) {
        throw Error("the weights do not match the architecture in the metadata: " + firstLine(e.what_without_backtrace()),
                    context);
    }
    std::map<std::string, torch::Tensor> loaded;
    for (const auto& item : module_->named_parameters())
        loaded[item.key()] = item.value();
    for (const auto& item : module_->named_buffers())
        loaded[item.key()] = item.value();
    for (const auto& [name, shape] : expected) {
        if (loaded[name].sizes().vec() != shape)
            throw Error("tensor '" + name + "' has the wrong shape for the architecture in the metadata", context);
        if (loaded[name].is_floating_point() && !torch::isfinite(loaded[name]).all().item<bool>())
            throw Error("tensor '" + name + "' holds NaN or infinite values", context);
    }
}

namespace {

std::string tensorFault(const torch::Tensor& t)
{
    if (t.layout() != torch::kStrided || !t.has_storage())
        return "is not a dense tensor";
    if (t.storage_offset() < 0)
        return "starts before its storage";
    if (t.numel() == 0)
        return {};
    // The last element's position: offset + sum of (size - 1) * stride.
    int64_t last = t.storage_offset();
    for (int64_t d = 0; d < t.dim(); ++d) {
        int64_t step = 0;
        if (t.stride(d) < 0 || __builtin_mul_overflow(t.size(d) - 1, t.stride(d), &step) ||
            __builtin_add_overflow(last, step, &last))
            return "has sizes and strides no storage can hold";
    }
    int64_t bytes = 0;
    if (__builtin_mul_overflow(last + 1, static_cast<int64_t>(t.element_size()), &bytes))
        return "has sizes and strides no storage can hold";
    const auto held = static_cast<int64_t>(t.storage().nbytes());
    if (bytes > held)
        return "spans " + std::to_string(bytes) + " bytes, its storage holds " + std::to_string(held);
    return {};
}

struct TensorWalk {
    std::string prefix, path;
    std::set<const void*> seen; // shared and cyclic values are walked once

    void walk(const c10::IValue& v, const std::string& name)
    {
        if (v.isTensor()) {
            const std::string fault = tensorFault(v.toTensor());
            if (!fault.empty())
                throw Error(prefix + "tensor '" + name + "' " + fault, path);
            return;
        }
        if (!v.isPtrType() || !seen.insert(v.internalToPointer()).second)
            return;
        if (v.isObject()) {
            const auto object = v.toObject();
            const auto type = object->type();
#pragma push_macro("slots") // Qt's keyword hides Object::slots()
#undef slots
            const size_t count = object->slots().size();
#pragma pop_macro("slots")
            for (size_t i = 0; i < count; ++i) {
                const std::string attribute = i < type->numAttributes() ? type->getAttributeName(i) : std::to_string(i);
                walk(object->getSlot(i), name.empty() ? attribute : name + "." + attribute);
            }
        } else if (v.isList()) {
            const auto list = v.toList();
            for (size_t i = 0; i < list.size(); ++i)
                walk(list.get(i), name + "[" + std::to_string(i) + "]");
        } else if (v.isTuple()) {
            const auto& elements = v.toTupleRef().elements();
            for (size_t i = 0; i < elements.size(); ++i)
                walk(elements[i], name + "[" + std::to_string(i) + "]");
        } else if (v.isGenericDict()) {
            for (const auto& entry : v.toGenericDict()) {
                walk(entry.key(), name + "{key}");
                walk(entry.value(), name + "{value}");
            }
        }
    }
};

} // namespace

void checkArchiveTensors(torch::serialize::InputArchive& archive, const std::string& prefix, const std::string& path)
{
    TensorWalk w{prefix, path, {}};
    for (const std::string& key : archive.keys()) {
        c10::IValue v;
        archive.read(key, v);
        w.walk(v, key);
    }
}

void checkModuleTensors(const torch::jit::Module& module, const std::string& prefix, const std::string& path)
{
    TensorWalk w{prefix, path, {}};
    w.walk(c10::IValue(module._ivalue()), "");
}

} // namespace sinar::nn
