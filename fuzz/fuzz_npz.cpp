// NumPy .npz archive -> its arrays, and the MedMNIST data set reader on top.
#include "common/error.h"
#include "data/dataset.h"
#include "data/npz_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("input.npz", data, size);
    try {
        const sinar::data::NpzReader reader(path);
        for (const std::string& key : reader.keys()) {
            try {
                const sinar::data::NpyArray a = reader.read(key);
                if (a.count() > 0)
                    a.at(a.count() - 1);
            } catch (const sinar::Error&) {
            }
        }
    } catch (const sinar::Error&) {
    }
    try {
        sinar::data::DatasetOptions options;
        options.subset = "train";
        sinar::data::openNpz(path, options);
    } catch (const sinar::Error&) {
    }
    return 0;
}
