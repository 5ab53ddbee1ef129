#pragma once
// DICOMDIR (PS3.10 media directory): the image files a CD or USB stick holds.
#include <string>
#include <vector>

#include "common/progress.h"

namespace sinar::dicom {

class DicomDirReader {
public:
    // True when the file is a DICOMDIR (Media Storage Directory SOP class).
    static bool isDicomDir(const std::string& path);

    // The files the DICOMDIR's records reference, as paths on this machine
    // (file IDs are matched case-insensitively: CDs are upper case, copies
    // often lower case). References to missing files go to `missing`.
    // The records' own hierarchy is not trusted: the index is rebuilt from the
    // files. Throws sinar::Error naming the DICOMDIR when it cannot be read.
    static std::vector<std::string> referencedFiles(const std::string& path, std::vector<FileFailure>* missing = nullptr);
};

} // namespace sinar::dicom
