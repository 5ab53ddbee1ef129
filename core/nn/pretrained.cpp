#include "nn/pretrained.h"

#include <map>
#include <sstream>
#include <torch/script.h>

#include "common/error.h"
#include "common/json_io.h"
#include "nn/archive_check.h"
#include "nn/model_impl.h"

namespace sinar::nn {

std::string TransferReport::describe() const
{
    std::ostringstream s;
    const size_t total = static_cast<size_t>(copied) + adapted.size() + mismatched.size() + missing.size();
    s << "copied " << copied + adapted.size() << " of " << total << " tensors from " << source;
    for (const auto& a : adapted)
        s << "; adapted " << a << " (RGB kernels summed for grey input)";
    const size_t kept = mismatched.size() + missing.size();
    if (kept) {
        s << "; kept " << kept << " as initialised (";
        size_t shown = 0;
        for (const auto* list : {&mismatched, &missing})
            for (const auto& n : *list)
                if (shown++ < 4)
                    s << (shown > 1 ? ", " : "") << n;
        if (kept > 4)
            s << ", …";
        s << ")";
    }
    if (unused)
        s << "; " << unused << " tensors of the file unused";
    return s.str();
}

TransferReport loadPretrainedWeights(Model& model, const std::string& file)
{
    torch::jit::script::Module source;
    const std::string bytes = readFileBytes(file);
    checkArchive(bytes, file, ArchiveKind::Weights);
    try {
        std::istringstream in(bytes);
        source = torch::jit::load(in);
        checkModuleTensors(source, "corrupt pretrained weights: ", file);
    } catch (const c10::Error& e) {
        throw Error("cannot read the pretrained weights (" + firstLine(e.what_without_backtrace()) + ")", file);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) { // LibTorch's unpickler lets some escape on damaged archives
        throw Error("corrupt pretrained weights: " + firstLine(e.what()), file);
    }
    std::map<std::string, torch::Tensor> given;
    for (const auto& p : source.named_parameters(true))
        given[p.name] = p.value;
    for (const auto& b : source.named_buffers(true))
        given[b.name] = b.value;

    torch::nn::Module* module = model.impl().net->module();
    if (!module)
        throw Error("this network cannot take pretrained weights", file);
    TransferReport r;
    r.source = file;
    std::map<std::string, bool> used;
    torch::NoGradGuard noGrad;
    auto copy = [&](const std::string& name, torch::Tensor target) {
        const auto it = given.find(name);
        if (it == given.end()) {
            r.missing.push_back(name);
            return;
        }
        used[name] = true;
        const torch::Tensor& t = it->second;
        if (t.sizes() == target.sizes()) {
            target.copy_(t);
            ++r.copied;
        } else if (t.dim() == 4 && target.dim() == 4 && t.size(1) == 3 && target.size(1) == 1 && t.size(0) == target.size(0) &&
                   t.size(2) == target.size(2) && t.size(3) == target.size(3)) {
            target.copy_(t.sum(1, true));
            r.adapted.push_back(name);
        } else {
            r.mismatched.push_back(name);
        }
    };
    for (auto& p : module->named_parameters())
        copy(p.key(), p.value());
    for (auto& b : module->named_buffers())
        copy(b.key(), b.value());
    for (const auto& [name, t] : given)
        r.unused += used.count(name) ? 0 : 1;
    if (r.copied == 0 && r.adapted.empty())
        throw Error("no tensor of the file fits the network '" + model.info().architecture +
                        "' by name and shape (is it an export of the same architecture?)",
                    file);
    model.impl().net->freezeBatchNorm(true);
    return r;
}

} // namespace sinar::nn
