// Image files (PNG, JPEG, TIFF, BMP through OpenCV; DICOM recognised by
// content) -> a decoded image.
#include "fuzz_support.h"
#include "imaging/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("input.img", data, size);
    sinar::fuzz::tolerate([&] {
        sinar::imaging::readImageFile(path);
    });
    return 0;
}
