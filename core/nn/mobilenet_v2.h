#pragma once
// MobileNetV2 (Sandler et al. 2018) as the registered network "mobilenet_v2"
// (internal to core), with torchvision's parameter names (features.0.0.weight,
// features.1.conv.0.0.weight, …, classifier.1.weight) so ImageNet weights
// exported from torchvision load by name. Layers "features.18" (default) …
// "features.0"; groups "backbone" (features) and "head" (classifier).
#include "nn/network.h"

namespace sinar::nn {

NetworkRegistration mobileNetV2Registration();

} // namespace sinar::nn
