#pragma once
// Raw deflate (RFC 1951) expanded into a buffer of the size the caller expects, as the
// readers of `.npz` members and DICOM deflated frames need it: nothing is written past
// `expected` bytes, and a stream that would go on past them is told from one that ends.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sinar {

struct InflateResult {
    enum Status { Complete, Short, Long, Corrupt } status = Corrupt;
    size_t produced = 0; // bytes written (all of `expected` when Long)
    std::string detail;  // zlib's message when Corrupt
};

InflateResult inflateRawInto(const uint8_t* data, size_t size, uint8_t* out, size_t expected);

} // namespace sinar
