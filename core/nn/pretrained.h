#pragma once
// Transfer learning: initialising a registered network from weights in a
// TorchScript file (e.g. torchvision's ImageNet MobileNetV2 or ResNet exported
// with torch.jit.script/trace), tensor by tensor by name.
#include <string>
#include <vector>

#include "nn/model.h"

namespace sinar::nn {

struct TransferReport {
    std::string source;
    int copied = 0;                      // tensors copied as they are
    std::vector<std::string> adapted;    // grey first convolution: the RGB kernels summed
    std::vector<std::string> mismatched; // same name, other shape (e.g. the classifier for other classes): left as initialised
    std::vector<std::string> missing;    // not in the file: left as initialised
    int unused = 0;                      // tensors of the file this network has no place for
    // "copied 312 of 314 tensors; adapted conv1.weight; kept 2 as initialised (classifier.1.weight, …)"
    std::string describe() const;
};

// Copies every parameter and buffer of `file` whose name and shape match one
// of the model's network; a first convolution taking 1 channel where the file's
// takes 3 gets the sum of the 3 kernels (so a grey image gives what the grey
// RGB image gave). The network's batch-norm statistics are frozen from then on
// (Network::freezeBatchNorm): exported weights often have their batch norm folded
// (weight 1, running mean 0), which batch statistics would undo. Throws
// sinar::Error when the file cannot be read or nothing matches.
TransferReport loadPretrainedWeights(Model& model, const std::string& file);

} // namespace sinar::nn
