#pragma once
// ResNet-18/34 (He et al. 2016) as registered networks "resnet18" and "resnet34"
// (internal to core). Parameter and buffer names follow torchvision's resnet
// (conv1, bn1, layer1.0.conv1, …, layer2.0.downsample.0, fc), so weights exported
// from torchvision map by name. Grey or RGB input (conv1 takes the recipe's
// channels); layers "layer4" (default) … "layer1"; groups "backbone" and "head" (fc).
#include "nn/network.h"

namespace sinar::nn {

NetworkRegistration resnetRegistration(int depth); // 18 or 34

} // namespace sinar::nn
