#include "common/inflate.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace sinar {

InflateResult inflateRawInto(const uint8_t* data, size_t size, uint8_t* out, size_t expected)
{
    InflateResult r;
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
        r.detail = "zlib initialisation failed";
        return r;
    }
    constexpr size_t kMax = std::numeric_limits<uInt>::max();
    zs.next_in = const_cast<Bytef*>(data);
    zs.avail_in = static_cast<uInt>(std::min(size, kMax));
    zs.next_out = out;
    zs.avail_out = static_cast<uInt>(std::min(expected, kMax));
    int status = inflate(&zs, Z_FINISH);
    uint8_t extra = 0;
    bool full = false;
    if (status == Z_BUF_ERROR && zs.avail_out == 0) {
        // The buffer is full: one byte more tells a stream that ends here from one that goes on.
        full = true;
        zs.next_out = &extra;
        zs.avail_out = 1;
        status = inflate(&zs, Z_FINISH);
    }
    r.produced = std::min<size_t>(zs.total_out, expected);
    if (status == Z_DATA_ERROR) {
        r.status = InflateResult::Corrupt;
        r.detail = zs.msg ? zs.msg : "invalid deflate stream";
    } else if (full && (status != Z_STREAM_END || zs.total_out > expected)) {
        r.status = InflateResult::Long;
    } else if (status != Z_STREAM_END || r.produced < expected) {
        r.status = InflateResult::Short;
    } else {
        r.status = InflateResult::Complete;
    }
    inflateEnd(&zs);
    return r;
}

} // namespace sinar
