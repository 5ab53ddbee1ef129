#include "nn/script_network.h"

#include <sstream>

#include "common/error.h"

namespace sinar::nn {

ScriptNetwork::ScriptNetwork(torch::jit::script::Module module, const BundleInfo& info, const std::string& context)
    : module_(std::move(module))
{
    module_.eval();
    // Check the outputs against the side-car once, on a blank input.
    const imaging::Recipe& r = info.recipe;
    torch::Tensor out;
    bool tupleOut = false;
    try {
        torch::NoGradGuard noGrad;
        const torch::Tensor blank = torch::zeros({1, r.channels, r.height, r.width});
        const c10::IValue raw = module_.forward({blank});
        tupleOut = raw.isTuple() && raw.toTuple()->elements().size() == 2 && raw.toTuple()->elements()[0].isTensor() &&
                   raw.toTuple()->elements()[0].toTensor().dim() == 4;
        out = forward(blank);
    } catch (const c10::Error& e) {
        throw Error("the TorchScript model does not accept " + std::to_string(r.channels) + "x" + std::to_string(r.height) +
                        "x" + std::to_string(r.width) + " input (" + firstLine(e.what_without_backtrace()) + ")",
                    context);
    }
    if (module_.find_method("features") && module_.find_method("head"))
        convention_ = Convention::Methods;
    else if (tupleOut)
        convention_ = Convention::Tuple;
    for (const auto& p : module_.parameters()) {
        (void)p;
        hasParameters_ = true;
        break;
    }
    if (out.dim() != 2 || out.size(1) != static_cast<int64_t>(info.classNames.size()))
        throw Error("the TorchScript model gives " + std::to_string(out.dim() == 2 ? out.size(1) : out.numel()) +
                        " outputs but the side-car names " + std::to_string(info.classNames.size()) + " classes",
                    context);
}

torch::Tensor ScriptNetwork::forward(const torch::Tensor& x)
{
    const c10::IValue out = module_.forward({x});
    if (out.isTensor())
        return out.toTensor();
    if (out.isTuple() && !out.toTuple()->elements().empty() && out.toTuple()->elements().back().isTensor())
        return out.toTuple()->elements().back().toTensor(); // (features, logits) convention: logits last
    throw Error("the TorchScript model's forward() returns neither a tensor nor a tuple ending in one");
}

std::vector<std::string> ScriptNetwork::layers() const
{
    return convention_ == Convention::None ? std::vector<std::string>{} : std::vector<std::string>{"features"};
}

std::string ScriptNetwork::checkedLayer(const std::string& layer) const
{
    if (convention_ == Convention::None)
        throw Error("this TorchScript model exposes no feature maps, so only occlusion can explain it; export it with "
                    "methods features(x) and head(f), or with a forward() returning (features, logits) "
                    "(README, \"Explaining TorchScript models\")");
    if (!layer.empty() && layer != "features")
        throw Error("the model has no layer '" + layer + "' (a TorchScript model offers one: features)");
    return "features";
}

torch::Tensor ScriptNetwork::featuresAt(const torch::Tensor& x, const std::string& layer)
{
    checkedLayer(layer);
    if (convention_ == Convention::Methods)
        return module_.get_method("features")({x}).toTensor();
    return module_.forward({x}).toTuple()->elements()[0].toTensor();
}

torch::Tensor ScriptNetwork::forwardFrom(const torch::Tensor& features, const std::string& layer)
{
    checkedLayer(layer);
    if (convention_ != Convention::Methods)
        throw Error("this TorchScript model computes its logits only from the input (forward() returns (features, logits))");
    return module_.get_method("head")({features}).toTensor();
}

std::pair<torch::Tensor, torch::Tensor> ScriptNetwork::forwardWithFeatures(const torch::Tensor& x, const std::string& layer)
{
    checkedLayer(layer);
    if (convention_ == Convention::Methods)
        return Network::forwardWithFeatures(x, layer);
    const auto elements = module_.forward({x}).toTuple()->elements();
    return {elements[0].toTensor(), elements[1].toTensor()};
}

std::vector<ParameterGroup> ScriptNetwork::parameterGroups()
{
    ParameterGroup all{"all", {}};
    for (const auto& p : module_.parameters())
        all.parameters.push_back(p);
    return {all};
}

std::vector<torch::Tensor> ScriptNetwork::buffers()
{
    std::vector<torch::Tensor> out;
    for (const auto& b : module_.buffers())
        out.push_back(b);
    return out;
}

void ScriptNetwork::setTraining(bool on)
{
    module_.train(on);
}

void ScriptNetwork::save(torch::serialize::OutputArchive& archive)
{
    for (const auto& p : module_.named_parameters())
        archive.write(p.name, p.value, false);
    for (const auto& b : module_.named_buffers())
        archive.write(b.name, b.value, true);
}

void ScriptNetwork::load(torch::serialize::InputArchive& archive, const std::string& context)
{
    torch::NoGradGuard noGrad;
    auto take = [&](const std::string& name, torch::Tensor target, bool buffer) {
        torch::Tensor v;
        bool ok = false;
        try {
            ok = archive.try_read(name, v, buffer);
        } catch (const c10::Error&) {
            ok = false;
        }
        if (!ok || !v.defined() || v.sizes() != target.sizes())
            throw Error("the checkpoint does not hold the TorchScript model's '" + name + "' with shape " +
                            c10::str(target.sizes()),
                        context);
        if (v.is_floating_point() && !torch::isfinite(v).all().item<bool>())
            throw Error("the checkpoint's '" + name + "' is not finite", context);
        target.copy_(v);
    };
    for (const auto& p : module_.named_parameters())
        take(p.name, p.value, false);
    for (const auto& b : module_.named_buffers())
        take(b.name, b.value, true);
}

std::shared_ptr<Network> ScriptNetwork::blankCopy(const BundleInfo& info)
{
    return std::make_shared<ScriptNetwork>(module_.clone(), info, "TorchScript model");
}

std::string ScriptNetwork::scriptBytes()
{
    std::ostringstream out;
    module_.save(out);
    return out.str();
}

} // namespace sinar::nn
