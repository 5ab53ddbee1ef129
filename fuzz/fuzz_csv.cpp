// CSV data list (path,label rows) -> a data set; paths are resolved, not read.
#include "data/dataset.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("list.csv", data, size);
    sinar::fuzz::tolerate([&] {
        sinar::data::openCsvList(path);
    });
    return 0;
}
