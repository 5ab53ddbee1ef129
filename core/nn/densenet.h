#pragma once
// DenseNet-121 (Huang et al. 2017) as the registered network "densenet121"
// (internal to core). Parameter and buffer names follow torchvision's densenet
// (features.conv0, features.norm0, features.denseblock1.denselayer1.norm1, …,
// features.transition1.conv, features.norm5, classifier), so weights exported
// from torchvision map by name. Grey or RGB input; growth rate 32, blocks of
// 6/12/24/16 layers, bottleneck 4 × growth, transitions halving the channels.
// Layers "features" (after norm5 and ReLU; default), "features.denseblock3",
// "features.denseblock2"; groups "backbone" and "head" (classifier).
#include "nn/network.h"

namespace sinar::nn {

NetworkRegistration denseNet121Registration();

} // namespace sinar::nn
