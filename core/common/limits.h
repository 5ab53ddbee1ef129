#pragma once
// Resource caps: no input may make Sinar allocate more than these, whatever its
// header claims. Each cap is checked before allocating and named in the error.
#include <cstdint>
#include <string>

namespace sinar {

// Decoded pixels of one image, one multi-frame file or one volume.
constexpr uint64_t kMaxImageBytes = uint64_t(2) << 30; // 2 GiB

// Throws sinar::Error when `bytes` exceeds kMaxImageBytes: "<what> would need
// 3.2 GiB (<how>), more than Sinar's limit of 2 GiB per image or volume".
void checkImageBytes(uint64_t bytes, const std::string& what, const std::string& how, const std::string& file);

} // namespace sinar
