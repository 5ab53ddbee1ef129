#pragma once
// A model bundle's archive holds, besides its tensors, TorchScript source under
// code/: LibTorch compiles it while reading the archive, and its compiler
// crashes on some damaged source (found by fuzz_bundle). A bundle Sinar wrote
// only declares modules and their attributes there, so that is all this check
// lets through, before LibTorch sees the archive.
#include <string>

namespace sinar::nn {

// Throws Error("corrupt model bundle: ...", path) when an entry under code/ of
// the zip `bytes` is anything but the declarations Sinar's bundles hold
// (class Module(Module): with __parameters__, __buffers__, __annotations__ and
// "name : Type" lines of Tensor, str, int, float, bool or a module).
void checkBundleCode(const std::string& bytes, const std::string& path);

} // namespace sinar::nn
