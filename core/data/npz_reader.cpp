#include "data/npz_reader.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <zlib.h>

#include "common/error.h"
#include "common/inflate.h"
#include "common/limits.h"
#include "common/json_io.h"

namespace sinar::data {

namespace {

uint16_t le16(const std::string& b, size_t at)
{
    return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8));
}
uint32_t le32(const std::string& b, size_t at)
{
    return static_cast<uint32_t>(le16(b, at)) | (static_cast<uint32_t>(le16(b, at + 2)) << 16);
}
uint64_t le64(const std::string& b, size_t at)
{
    return static_cast<uint64_t>(le32(b, at)) | (static_cast<uint64_t>(le32(b, at + 4)) << 32);
}

std::string inflateRaw(const std::string& compressed, uint64_t expected, const std::string& context)
{
    std::string out(static_cast<size_t>(expected), '\0');
    const InflateResult r = inflateRawInto(reinterpret_cast<const uint8_t*>(compressed.data()), compressed.size(),
                                           reinterpret_cast<uint8_t*>(out.data()), out.size());
    if (r.status != InflateResult::Complete)
        throw Error("compressed data is corrupt or truncated", context);
    return out;
}

// n bytes of the file at `at`, which the caller has checked lie inside it.
std::string readRange(const std::string& path, uint64_t at, uint64_t n)
{
    std::ifstream in(path, std::ios::binary);
    std::string out(static_cast<size_t>(n), '\0');
    in.seekg(static_cast<std::streamoff>(at));
    in.read(out.data(), static_cast<std::streamsize>(n));
    if (!in || static_cast<uint64_t>(in.gcount()) != n)
        throw Error("cannot read " + std::to_string(n) + " bytes at offset " + std::to_string(at) +
                        " (the file changed while it was read?)",
                    path);
    return out;
}

// Bytes of a zip directory Sinar reads: an .npz of a few arrays has a few hundred.
constexpr uint64_t kMaxZipDirectoryBytes = uint64_t(64) << 20;

} // namespace

int64_t NpyArray::count() const
{
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d;
    return n;
}

int NpyArray::itemSize() const
{
    return std::stoi(dtype.substr(2));
}

double NpyArray::at(int64_t i) const
{
    const char kind = dtype[1];
    const int size = itemSize();
    const uint8_t* p = bytes.data() + i * size;
    switch (kind) {
    case 'u':
        if (size == 1) return *p;
        if (size == 2) { uint16_t v; std::memcpy(&v, p, 2); return v; }
        if (size == 4) { uint32_t v; std::memcpy(&v, p, 4); return v; }
        { uint64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case 'i':
        if (size == 1) return static_cast<int8_t>(*p);
        if (size == 2) { int16_t v; std::memcpy(&v, p, 2); return v; }
        if (size == 4) { int32_t v; std::memcpy(&v, p, 4); return v; }
        { int64_t v; std::memcpy(&v, p, 8); return static_cast<double>(v); }
    case 'f':
        if (size == 4) { float v; std::memcpy(&v, p, 4); return v; }
        { double v; std::memcpy(&v, p, 8); return v; }
    case 'b': return *p ? 1.0 : 0.0;
    default: return 0.0;
    }
}

NpyArray parseNpy(const std::string& b, const std::string& context)
{
    if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0)
        throw Error("not a .npy array (bad magic)", context);
    const int major = static_cast<uint8_t>(b[6]);
    size_t headerLen = 0, start = 0;
    if (major == 1) {
        headerLen = le16(b, 8);
        start = 10;
    } else if (major == 2 || major == 3) {
        if (b.size() < 12)
            throw Error(".npy header is truncated", context);
        headerLen = le32(b, 8);
        start = 12;
    } else {
        throw Error(".npy version " + std::to_string(major) + " is not supported", context);
    }
    if (start + headerLen > b.size())
        throw Error(".npy header is truncated", context);
    const std::string header = b.substr(start, headerLen);

    auto field = [&](const std::string& key) -> std::string {
        const size_t k = header.find("'" + key + "'");
        if (k == std::string::npos)
            throw Error(".npy header lacks '" + key + "'", context);
        size_t v = header.find(':', k);
        if (v == std::string::npos)
            throw Error(".npy header is malformed", context);
        ++v;
        while (v < header.size() && header[v] == ' ')
            ++v;
        return header.substr(v);
    };

    NpyArray a;
    std::string d = field("descr");
    if (d.empty() || d[0] != '\'')
        throw Error(".npy descr is not a simple type", context);
    a.dtype = d.substr(1, d.find('\'', 1) - 1);
    static const char* supported[] = {"|u1", "|i1", "|b1", "<u2", "<i2", "<u4", "<i4", "<u8", "<i8", "<f4", "<f8"};
    if (std::none_of(std::begin(supported), std::end(supported), [&](const char* s) { return a.dtype == s; }))
        throw Error(".npy dtype '" + a.dtype + "' is not supported (needs little-endian int, uint, bool or float)", context);
    a.fortranOrder = field("fortran_order").rfind("True", 0) == 0;
    const std::string s = field("shape");
    if (s.empty() || s[0] != '(')
        throw Error(".npy shape is malformed", context);
    const std::string dims = s.substr(1, s.find(')') - 1);
    size_t pos = 0;
    while (pos < dims.size()) {
        while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ','))
            ++pos;
        if (pos >= dims.size())
            break;
        size_t end = pos;
        while (end < dims.size() && std::isdigit(static_cast<unsigned char>(dims[end])))
            ++end;
        if (end == pos)
            throw Error(".npy shape is malformed", context);
        a.shape.push_back(std::stoll(dims.substr(pos, end - pos)));
        pos = end;
    }
    const size_t dataStart = start + headerLen;
    const uint64_t need = static_cast<uint64_t>(a.count()) * static_cast<uint64_t>(a.itemSize());
    if (b.size() - dataStart < need)
        throw Error(".npy data is truncated: " + std::to_string(b.size() - dataStart) + " of " + std::to_string(need) + " bytes", context);
    a.bytes.assign(b.begin() + static_cast<std::ptrdiff_t>(dataStart), b.begin() + static_cast<std::ptrdiff_t>(dataStart + need));
    return a;
}

NpzReader::NpzReader(std::string path) : path_(std::move(path))
{
    // Only the zip directory is read here, from the file's end; each array is
    // read when asked for. A large file that is not an archive costs nothing.
    requireRegularFile(path_);
    std::ifstream probe(path_, std::ios::binary | std::ios::ate);
    if (!probe)
        throw Error("file not found or not readable", path_);
    size_ = static_cast<uint64_t>(std::max<std::streamoff>(probe.tellg(), 0));
    probe.close();
    if (size_ < 22)
        throw Error("not an .npz archive (file too small)", path_);
    // End of central directory: scan back over a possible comment (and see a zip64 locator before it).
    const uint64_t tailAt = size_ > 22 + 65535 + 20 ? size_ - (22 + 65535 + 20) : 0;
    const std::string tail = readRange(path_, tailAt, size_ - tailAt);
    size_t eocd = std::string::npos;
    const size_t lowest = tail.size() > 22 + 65535 ? tail.size() - 22 - 65535 : 0;
    for (size_t i = tail.size() - 22 + 1; i-- > lowest;) {
        if (le32(tail, i) == 0x06054b50) {
            eocd = i;
            break;
        }
    }
    if (eocd == std::string::npos)
        throw Error("not an .npz archive (no zip directory; truncated?)", path_);
    uint64_t count = le16(tail, eocd + 10);
    uint64_t cdSize = le32(tail, eocd + 12);
    uint64_t cdOffset = le32(tail, eocd + 16);
    if (eocd >= 20 && le32(tail, eocd - 20) == 0x07064b50) { // zip64 locator
        const uint64_t z64 = le64(tail, eocd - 20 + 8);
        if (z64 > size_ || size_ - z64 < 56)
            throw Error("corrupt zip64 directory", path_);
        const std::string record = readRange(path_, z64, 56);
        if (le32(record, 0) != 0x06064b50)
            throw Error("corrupt zip64 directory", path_);
        count = le64(record, 32);
        cdSize = le64(record, 40);
        cdOffset = le64(record, 48);
    }
    if (cdOffset > size_ || cdSize > size_ - cdOffset)
        throw Error("zip directory points past the end of the file (truncated?)", path_);
    if (cdSize > kMaxZipDirectoryBytes)
        throw Error("the zip directory declares " + std::to_string(cdSize) + " bytes, more than an .npz archive of arrays holds: corrupt",
                    path_);
    const std::string b = readRange(path_, cdOffset, cdSize);
    size_t p = 0;
    for (uint64_t n = 0; n < count; ++n) {
        if (p + 46 > b.size() || le32(b, p) != 0x02014b50)
            throw Error("corrupt zip directory entry", path_);
        Entry e;
        e.method = le16(b, p + 10);
        e.crc = le32(b, p + 16);
        e.compressedSize = le32(b, p + 20);
        e.size = le32(b, p + 24);
        const uint16_t nameLen = le16(b, p + 28), extraLen = le16(b, p + 30), commentLen = le16(b, p + 32);
        e.localHeaderOffset = le32(b, p + 42);
        if (p + 46 + nameLen + extraLen > b.size())
            throw Error("corrupt zip directory entry", path_);
        std::string name = b.substr(p + 46, nameLen);
        // zip64 extra field: the values that are 0xFFFFFFFF above, in order.
        size_t x = p + 46 + nameLen;
        const size_t xEnd = x + extraLen;
        while (x + 4 <= xEnd) {
            const uint16_t id = le16(b, x), len = le16(b, x + 2);
            if (id == 0x0001) {
                size_t q = x + 4;
                if (e.size == 0xFFFFFFFFu && q + 8 <= x + 4 + len) { e.size = le64(b, q); q += 8; }
                if (e.compressedSize == 0xFFFFFFFFu && q + 8 <= x + 4 + len) { e.compressedSize = le64(b, q); q += 8; }
                if (e.localHeaderOffset == 0xFFFFFFFFu && q + 8 <= x + 4 + len) { e.localHeaderOffset = le64(b, q); }
            }
            x += 4 + len;
        }
        p += 46 + nameLen + extraLen + commentLen;
        if (name.size() > 4 && name.compare(name.size() - 4, 4, ".npy") == 0)
            name.resize(name.size() - 4);
        entries_[name] = e;
    }
    if (entries_.empty())
        throw Error("the .npz archive holds no arrays", path_);
}

std::vector<std::string> NpzReader::keys() const
{
    std::vector<std::string> k;
    for (const auto& [name, e] : entries_)
        k.push_back(name);
    return k;
}

bool NpzReader::contains(const std::string& key) const
{
    return entries_.count(key) != 0;
}

NpyArray NpzReader::read(const std::string& key) const
{
    const std::string context = path_ + " [" + key + "]";
    const auto it = entries_.find(key);
    if (it == entries_.end()) {
        std::string have;
        for (const auto& k : keys())
            have += (have.empty() ? "" : ", ") + k;
        throw Error("the archive has no array '" + key + "' (it has: " + have + ")", path_);
    }
    const Entry& e = it->second;
    if (e.localHeaderOffset > size_ || size_ - e.localHeaderOffset < 30)
        throw Error("corrupt local zip header", context);
    const std::string header = readRange(path_, e.localHeaderOffset, 30);
    if (le32(header, 0) != 0x04034b50)
        throw Error("corrupt local zip header", context);
    const uint64_t dataAt = e.localHeaderOffset + 30 + le16(header, 26) + le16(header, 28);
    if (dataAt > size_ || e.compressedSize > size_ - dataAt)
        throw Error("array data is truncated", context);
    // What the header declares, checked before allocating: within the cap, and
    // within what deflate can expand this many bytes to (at most 1032:1).
    checkImageBytes(e.size, "the array '" + key + "'", std::to_string(e.size) + " bytes declared", context);
    if (e.method == 8 && e.size > e.compressedSize * 1032 + 1024)
        throw Error("the archive declares more data than its compressed bytes can hold: corrupt", context);
    if (e.method == 0 && e.compressedSize != e.size)
        throw Error("a stored array whose sizes differ (" + std::to_string(e.compressedSize) + " and " + std::to_string(e.size) +
                        " bytes): corrupt",
                    context);
    std::string raw;
    if (e.method == 0)
        raw = readRange(path_, dataAt, e.compressedSize);
    else if (e.method == 8)
        raw = inflateRaw(readRange(path_, dataAt, e.compressedSize), e.size, context);
    else
        throw Error("zip compression method " + std::to_string(e.method) + " is not supported (stored or deflate only)", context);
    if (crc32(0L, reinterpret_cast<const Bytef*>(raw.data()), static_cast<uInt>(raw.size())) != e.crc)
        throw Error("CRC mismatch: array data is corrupt", context);
    return parseNpy(raw, context);
}

} // namespace sinar::data
