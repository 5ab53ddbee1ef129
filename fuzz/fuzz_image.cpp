// Image files (PNG, JPEG, TIFF, BMP through OpenCV; DICOM recognised by
// content) -> a decoded image.
#include "common/error.h"
#include "fuzz_support.h"
#include "imaging/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("input.img", data, size);
    try {
        sinar::imaging::readImageFile(path);
    } catch (const sinar::Error&) {
    }
    return 0;
}
