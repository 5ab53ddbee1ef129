#pragma once
#include <functional>
#include <string>

namespace sinar {

// Progress of a long job: done out of total, and what is being done.
using ProgressFn = std::function<void(long long done, long long total, const std::string& what)>;

enum class FailureKind;

// A file that could not be used, and why. Batches report these and go on;
// `kind` (common/error.h) is what code branches on, never `reason`.
struct FileFailure {
    std::string file;
    std::string reason;
    FailureKind kind{};
};

} // namespace sinar
