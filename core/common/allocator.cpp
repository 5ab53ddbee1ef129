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
    return heap && keep;
#else
    return false;
#endif
}

} // namespace sinar
