#pragma once
// Encapsulated pixel data (PS3.5 A.4): which fragments make up which frame.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sinar::dicom {

struct Fragment {
    const uint8_t* data = nullptr;
    size_t size = 0;
};

class FragmentFrames {
public:
    using StartTest = bool (*)(const uint8_t* data, size_t size);

    // Groups `fragments` (the items after the Basic Offset Table) into `frames`
    // frames using, in this order: one frame, the offset table, one fragment per
    // frame, or the fragments that start a new codestream (`startsFrame`).
    // Throws sinar::Error (without a file name) when none of them fits.
    FragmentFrames(const std::vector<uint32_t>& offsetTable, const std::vector<Fragment>& fragments, int frames,
                   StartTest startsFrame);

    size_t frameCount() const { return frames_.size(); }
    const std::vector<Fragment>& frame(size_t index) const { return frames_.at(index); }
    // The frame's fragments joined into one buffer.
    std::vector<uint8_t> joined(size_t index) const;
    // True when the two-byte marker (JPEG EOI, JPEG 2000 EOC) lies within the
    // last 64 bytes of the frame's data.
    bool endsWithMarker(size_t index, uint8_t first, uint8_t second) const;
    static bool endsWithMarker(const uint8_t* data, size_t size, uint8_t first, uint8_t second);

private:
    static constexpr size_t kTail = 64;
    std::vector<std::vector<Fragment>> frames_;
};

} // namespace sinar::dicom
