#pragma once
#include <functional>
#include <string>

namespace sinar {

// Progress of a long job: done out of total, and what is being done.
using ProgressFn = std::function<void(long long done, long long total, const std::string& what)>;

// A file that could not be used, and why. Batches report these and go on.
struct FileFailure {
    std::string file;
    std::string reason;
};

} // namespace sinar
