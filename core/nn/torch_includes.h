#pragma once
// The one place core includes LibTorch (precompiled for the torch translation units).
#include <torch/torch.h>
