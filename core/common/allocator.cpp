#include "common/allocator.h"

#include <cstdlib> // defines __GLIBC__ where it applies
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace sinar {

bool tuneMemoryAllocator()
{
#if defined(__GLIBC__)
    constexpr int kLarge = 1 << 30; // 1 GiB: above any tensor a batch needs
    const bool heap = mallopt(M_MMAP_THRESHOLD, kLarge) == 1 || mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
    const bool keep = mallopt(M_TRIM_THRESHOLD, kLarge) == 1;
    // One arena for every thread. The thresholds above hold for the main arena
    // only in effect: a thread's own arena lives in 64 MB heaps that glibc
    // unmaps as soon as they are empty, so training on a worker thread (the
    // workstation's Training tab) took three times the page faults of the same
    // run on the main thread (sinar-cli) and ran ~15 % slower. Measured: no loss
    // for sinar-cli's parallel decoding.
    const bool oneArena = mallopt(M_ARENA_MAX, 1) == 1;
    return heap && keep && oneArena;
#else
    return false;
#endif
}

} // namespace sinar
