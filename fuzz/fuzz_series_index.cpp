// A folder of fuzzed files -> the series index (patients, studies, series,
// geometry and ordering). The input is cut into up to eight files at each
// "\xffSINAR-NEXT\xff" separator, so one input can hold a whole small series.
#include <QDir>

#include "dicom/series_index.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::string separator = "\xffSINAR-NEXT\xff";
    const std::string in(reinterpret_cast<const char*>(data), size);
    QDir folder(sinar::fuzz::inputDir() + "/series");
    folder.removeRecursively();
    QDir().mkpath(folder.path());
    size_t pos = 0;
    for (int i = 0; i < 8 && pos <= in.size(); ++i) {
        size_t end = in.find(separator, pos);
        if (end == std::string::npos || i == 7)
            end = in.size();
        const std::string part = in.substr(pos, end - pos);
        sinar::fuzz::writeInput("series/" + std::to_string(i) + ".dcm", reinterpret_cast<const uint8_t*>(part.data()),
                                part.size());
        pos = end + separator.size();
    }
    sinar::fuzz::tolerate([&] {
        sinar::dicom::ScanOptions options;
        options.threads = 1;
        sinar::dicom::DicomIndex::scan(folder.path().toStdString(), options);
    });
    return 0;
}
