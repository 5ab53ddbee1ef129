// DICOMDIR -> referenced files (paths must stay inside the medium's folder)
// and the series index built from it. Reading the DICOMDIR runs under a
// ParseBudget.
#include "dicom/dicomdir_reader.h"
#include "dicom/series_index.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("DICOMDIR", data, size);
    sinar::fuzz::tolerate([&] {
        const sinar::fuzz::ParseBudget budget(data, size);
        std::vector<sinar::FileFailure> missing;
        sinar::dicom::DicomDirReader::referencedFiles(path, &missing);
    });
    sinar::fuzz::tolerate([&] {
        sinar::dicom::ScanOptions options;
        options.threads = 1;
        sinar::dicom::DicomIndex::scan(path, options);
    });
    return 0;
}
