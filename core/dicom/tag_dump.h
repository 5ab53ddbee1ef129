#pragma once
// Every attribute of a DICOM file as text, for the viewer's tag panel and
// `sinar-cli dicom info --tags`.
#include <string>
#include <vector>

namespace sinar::dicom {

struct TagEntry {
    std::string tag;   // "(0010,0010)"
    std::string vr;    // "PN"
    std::string name;  // "PatientName" (DCMTK's dictionary; "Unknown Tag & Data" for private tags)
    std::string value; // backslash-separated values, shortened; "(N bytes)" for bulk data
    int depth = 0;     // nesting level inside sequences (0: top level)
};

// The meta header and the data set, sequences unfolded item by item. Bulk
// values (pixel data, anything over 1 KiB) are not read, only sized. Throws
// sinar::Error naming the file when it is not readable DICOM.
std::vector<TagEntry> dumpTags(const std::string& path, size_t maxValueLength = 160);

} // namespace sinar::dicom
