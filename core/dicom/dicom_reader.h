#pragma once
// Reading DICOM files: open a file once, decode any of its frames.
//
// Every transfer syntax a PACS or a CD sends: implicit/explicit little endian,
// explicit big endian, deflate, JPEG baseline/extended/lossless, JPEG-LS
// lossless and near-lossless, RLE (DCMTK), and JPEG 2000 lossless and lossy
// (OpenJPEG). A file that is truncated, corrupt or of an unsupported kind
// gives one sinar::Error naming it; a decoder's "success" on a short stream is
// not trusted (end-of-image markers are checked, OpenJPEG runs strict).
#include <memory>
#include <string>
#include <vector>

#include "dicom/frame.h"
#include "dicom/instance_info.h"
#include "dicom/tag_dump.h"

namespace sinar::dicom {

// True when the file starts like DICOM: the "DICM" marker at offset 128, or a
// data set without preamble (group 0002/0008 at offset 0). Reads 132 bytes.
bool isDicomFile(const std::string& path);

// The file's attributes without decoding pixels (for indexing folders).
// Throws sinar::Error naming the file when it is not readable DICOM.
InstanceInfo readInstanceInfo(const std::string& path);

class DicomReader {
public:
    // Opens and checks the file. JPEG, JPEG-LS and RLE pixel data are
    // decompressed here; JPEG 2000 frames when they are asked for.
    // `codecThreads`: threads one JPEG 2000 frame may use (0: one per core).
    explicit DicomReader(const std::string& path, int codecThreads = 0);
    ~DicomReader();
    DicomReader(DicomReader&&) noexcept;
    DicomReader& operator=(DicomReader&&) noexcept;

    const InstanceInfo& info() const;
    // Every attribute of the file, equal to dumpTags(path) but taken from this
    // reader's parse (no second read of the file); listed once, then kept.
    // Safe to call from several threads at once.
    const std::vector<TagEntry>& tags() const;
    int frameCount() const;
    // Decodes frame `index` (0-based). Safe to call from several threads at once.
    Frame frame(int index) const;
    // All frames, decoded on up to `threads` threads (0: one per core).
    std::vector<Frame> frames(int threads = 0) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Reads one frame of a file (the first by default).
Frame readDicomFrame(const std::string& path, int index = 0, int codecThreads = 0);

} // namespace sinar::dicom
