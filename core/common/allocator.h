#pragma once

namespace sinar {

// LibTorch allocates and frees tensors of tens of megabytes on every batch.
// glibc serves blocks that large with fresh mmap()s and returns them at once,
// so every batch pays for page faults and zeroing (most of the system time of
// a forward pass at 224x224, batch 32). This keeps such blocks in the heap and
// freed memory in the process: inference and saliency maps run up to twice as
// fast, at the price of holding on to the peak memory. All threads share one
// arena, so a worker thread (the Training tab) gets the same behaviour. Call
// once at start-up, before any thread is started.
// Returns false where the C library does not support it.
bool tuneMemoryAllocator();

} // namespace sinar
