// DICOM file -> header, tag listing and every decoded frame (all transfer
// syntaxes: native, deflate, JPEG, JPEG-LS, RLE, JPEG 2000).
// Parsing (header, then the whole file in memory) runs under a ParseBudget.
#include "dicom/dcmtk_file.h"
#include "dicom/dicom_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("input.dcm", data, size);
    {
        const sinar::fuzz::ParseBudget budget(data, size);
        sinar::fuzz::tolerate([&] {
            sinar::dicom::readInstanceInfo(path);
        });
        sinar::fuzz::tolerate([&] {
            sinar::dicom::detail::loadFile(path, true);
        });
    }
    sinar::fuzz::tolerate([&] {
        const sinar::dicom::DicomReader reader(path, 1);
        reader.tags();
        const int frames = reader.frameCount();
        for (int i = 0; i < frames && i < 4; ++i) {
            sinar::fuzz::tolerate([&] { reader.frame(i); });
        }
    });
    return 0;
}
