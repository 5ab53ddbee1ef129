// DICOM file -> header, tag listing and every decoded frame (all transfer
// syntaxes: native, deflate, JPEG, JPEG-LS, RLE, JPEG 2000).
#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("input.dcm", data, size);
    try {
        sinar::dicom::readInstanceInfo(path);
    } catch (const sinar::Error&) {
    }
    try {
        const sinar::dicom::DicomReader reader(path, 1);
        reader.tags();
        const int frames = reader.frameCount();
        for (int i = 0; i < frames && i < 4; ++i) {
            try {
                reader.frame(i);
            } catch (const sinar::Error&) {
            }
        }
    } catch (const sinar::Error&) {
    }
    return 0;
}
