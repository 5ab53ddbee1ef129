#pragma once
#include <cstddef>
#include <functional>

namespace sinar {

// Runs fn(i) for i in [0, n) on up to `threads` threads (0: one per core).
// The first exception thrown by fn is rethrown after all threads stop.
void parallelFor(size_t n, const std::function<void(size_t)>& fn, int threads = 0);

int defaultThreadCount();

} // namespace sinar
