// CSV data list (path,label rows) -> a data set; paths are resolved, not read.
#include "common/error.h"
#include "data/dataset.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("list.csv", data, size);
    try {
        sinar::data::openCsvList(path);
    } catch (const sinar::Error&) {
    }
    return 0;
}
