#include "dicom/fragment_frames.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "common/error.h"

namespace sinar::dicom {

FragmentFrames::FragmentFrames(const std::vector<uint32_t>& offsetTable, const std::vector<Fragment>& fragments,
                               int frames, StartTest startsFrame)
{
    if (fragments.empty())
        throw Error("encapsulated pixel data holds no fragments");
    if (frames <= 1) {
        frames_.push_back(fragments);
        return;
    }
    const size_t n = static_cast<size_t>(frames);

    // Basic Offset Table: byte offsets of each frame's first item, counted from
    // the first byte of the first item after the table (item headers included).
    if (offsetTable.size() == n) {
        std::vector<size_t> startIndex;
        uint64_t offset = 0;
        size_t next = 0;
        for (size_t i = 0; i < fragments.size() && next < n; ++i) {
            if (offset == offsetTable[next]) {
                startIndex.push_back(i);
                ++next;
            }
            offset += 8 + fragments[i].size;
        }
        if (startIndex.size() == n && startIndex[0] == 0) {
            for (size_t f = 0; f < n; ++f) {
                const size_t end = f + 1 < n ? startIndex[f + 1] : fragments.size();
                frames_.emplace_back(fragments.begin() + static_cast<long>(startIndex[f]), fragments.begin() + static_cast<long>(end));
            }
            return;
        }
    }
    if (fragments.size() == n) {
        for (const Fragment& f : fragments)
            frames_.push_back({f});
        return;
    }
    if (startsFrame && startsFrame(fragments[0].data, fragments[0].size)) {
        for (const Fragment& f : fragments) {
            if (startsFrame(f.data, f.size) || frames_.empty())
                frames_.emplace_back();
            frames_.back().push_back(f);
        }
        if (frames_.size() == n)
            return;
    }
    throw Error("cannot tell which of the " + std::to_string(fragments.size()) + " pixel data fragments belong to which of the " +
                std::to_string(frames) + " frames");
}

std::vector<uint8_t> FragmentFrames::joined(size_t index) const
{
    const auto& parts = frames_.at(index);
    size_t total = 0;
    for (const Fragment& f : parts)
        total += f.size;
    std::vector<uint8_t> out(total);
    size_t pos = 0;
    for (const Fragment& f : parts) {
        if (f.size)
            std::memcpy(out.data() + pos, f.data, f.size);
        pos += f.size;
    }
    return out;
}

bool FragmentFrames::endsWithMarker(size_t index, uint8_t first, uint8_t second) const
{
    const auto& parts = frames_.at(index);
    // The last bytes of the frame; a marker may straddle two fragments.
    std::vector<uint8_t> tail;
    for (auto it = parts.rbegin(); it != parts.rend() && tail.size() < kTail; ++it) {
        if (it->size == 0 || !it->data)
            continue;
        const size_t take = std::min<size_t>(it->size, kTail);
        tail.insert(tail.begin(), it->data + it->size - take, it->data + it->size);
    }
    return endsWithMarker(tail.data(), tail.size(), first, second);
}

bool FragmentFrames::endsWithMarker(const uint8_t* data, size_t size, uint8_t first, uint8_t second)
{
    // Entropy-coded JPEG and JPEG 2000 data never hold FF D9 (bytes after FF
    // are stuffed), so finding it near the end means the stream is complete.
    // Some writers leave a few bytes of padding or garbage after it.
    const size_t from = size > kTail ? size - kTail : 0;
    for (size_t i = size; i-- > from + 1;)
        if (data[i - 1] == first && data[i] == second)
            return true;
    return false;
}

} // namespace sinar::dicom
