#pragma once
// A folder (recursively), a DICOMDIR or a single file, indexed as
// Patient -> Study -> Series -> instances from the files' headers alone.
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "dicom/instance_info.h"

namespace sinar::dicom {

struct SeriesEntry {
    std::string uid;
    int number = 0;
    std::string description;
    std::string modality;
    std::vector<InstanceInfo> instances; // by InstanceNumber, then file name
    // Frames over all instances (what a user calls images).
    size_t imageCount() const;
};

struct StudyEntry {
    std::string uid;
    std::string id;
    std::string date;
    std::string time;
    std::string description;
    std::string accessionNumber;
    std::vector<SeriesEntry> series; // by SeriesNumber
};

struct PatientEntry {
    std::string name;
    std::string id;
    std::string birthDate;
    std::string sex;
    std::vector<StudyEntry> studies; // by date
};

struct ScanOptions {
    int threads = 0;          // header reading threads (0: one per core)
    ProgressFn progress;      // files read out of files found
    const CancelToken* cancel = nullptr;
};

class DicomIndex {
public:
    // Scans `path`: a folder (recursively; DICOMDIR files in it are listed as
    // non-images), a DICOMDIR (the files it references) or one file. Files that
    // are not DICOM images are listed in failures() with the reason; they never
    // stop the scan. Throws sinar::Error only when `path` itself does not exist.
    static DicomIndex scan(const std::string& path, const ScanOptions& options = {});

    const std::string& root() const { return root_; }
    const std::vector<PatientEntry>& patients() const { return patients_; }
    const std::vector<FileFailure>& failures() const { return failures_; }

    std::vector<const SeriesEntry*> allSeries() const;
    size_t imageCount() const;
    size_t fileCount() const; // image files indexed

private:
    std::string root_;
    std::vector<PatientEntry> patients_;
    std::vector<FileFailure> failures_;
};

} // namespace sinar::dicom
