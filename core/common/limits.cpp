#include "common/limits.h"

#include <cstdio>

#include "common/error.h"

namespace sinar {

void checkImageBytes(uint64_t bytes, const std::string& what, const std::string& how, const std::string& file)
{
    if (bytes <= kMaxImageBytes)
        return;
    char size[64];
    std::snprintf(size, sizeof size, "%.1f GiB", static_cast<double>(bytes) / double(uint64_t(1) << 30));
    throw Error(what + " would need " + size + " (" + how + "), more than Sinar's limit of 2 GiB per image or volume",
                file);
}

} // namespace sinar

// The nothrow array allocation DCMTK makes for an element's declared value
// length, capped: a length no walk of the headers caught (see dcmtk_file.cpp)
// becomes DCMTK's "out of memory" error instead of gigabytes. Sanitizer builds
// keep their own allocator (the fuzzers flag such allocations instead).
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SINAR_SANITIZER_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SINAR_SANITIZER_ALLOCATOR 1
#endif
#ifndef SINAR_SANITIZER_ALLOCATOR
#include <cstdlib>
#include <new>
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept
{
    if (size > sinar::kMaxImageBytes)
        return nullptr;
    return std::malloc(size ? size : 1);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept
{
    std::free(p);
}
#endif
