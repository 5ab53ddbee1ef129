#pragma once
// The registered network architectures, without LibTorch (bundle metadata
// checks use it). Networks register in nn/network.h; "torchscript" is the one
// architecture that is loaded from a file rather than built.
#include <string>
#include <vector>

namespace sinar::nn {

struct BundleInfo;

// Names of the registered architectures, in registration order ("standard-cnn", ...).
std::vector<std::string> registeredArchitectures();
bool isRegisteredArchitecture(const std::string& name);
// Checks the metadata for `info.architecture` (its config against classes,
// channels and input size). Throws sinar::Error with `context` for an
// unknown architecture (naming the known ones) or an inconsistent config.
void validateArchitecture(const BundleInfo& info, const std::string& context);
// Whether `name` is a classical baseline (nn/classical.h: "svm-linear", "svm-rbf", "knn").
bool isClassicalArchitecture(const std::string& name);

} // namespace sinar::nn
