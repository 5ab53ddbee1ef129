#pragma once
// Checks of a LibTorch archive (a zip) made before LibTorch reads it, for what
// LibTorch 1.13 itself takes on trust (each found by fuzz_bundle):
//  - the sizes its zip reader allocates for an entry, as the central directory
//    declares them;
//  - the lengths its unpickler reserves for a string or byte string, and the
//    memo slots it reserves, as the pickles (data.pkl, constants.pkl, …)
//    declare them;
//  - the TorchScript source under code/, which its compiler compiles while
//    reading the archive and crashes on when damaged. A bundle Sinar wrote only
//    declares modules and their attributes there, so in a bundle that is all
//    this check lets through; a TorchScript model (with its side-car JSON) is a
//    program, and its source is LibTorch's to compile.
// The tensors' geometry against their storage is checked after reading
// (nn/network.h: checkArchiveTensors), where LibTorch has decoded it.
#include <cstdint>
#include <string>
#include <vector>

namespace sinar::nn {

enum class ArchiveKind {
    Bundle,      // a Sinar model bundle: code/ holds module declarations only
    TorchScript, // a TorchScript model with its side-car JSON
    Checkpoint,  // a training run's checkpoint (code/ like a bundle's)
    Weights,     // pretrained weights (a TorchScript file of tensors)
};

// Throws Error("<corrupt model bundle|corrupt checkpoint|corrupt pretrained
// weights>: ...", path) naming the entry and what it declares.
void checkArchive(const std::string& bytes, const std::string& path, ArchiveKind kind);

// A tensor storage a pickle declares: the record LibTorch reads for it (by
// key, in the folder named as the pickle) and the bytes its declaration spans
// (element count x element size).
struct PickleStorage {
    std::string key;
    uint64_t bytes = 0;
};

// Runs one pickle on the model of LibTorch 1.13's unpickler that checkArchive
// uses; returns the storages it declares, or throws Error(prefix + "opcode
// 0x58 at byte 12 declares 3.25 GiB, more than ...", path).
std::vector<PickleStorage> checkPickle(const std::string& pickle, const std::string& prefix, const std::string& path);

// The largest entry, and the largest single string a pickle may declare: the
// per-object resource cap of common/limits.h.
constexpr unsigned long long kMaxArchiveEntryBytes = 2ull << 30;

} // namespace sinar::nn
