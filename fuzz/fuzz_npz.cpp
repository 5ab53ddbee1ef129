// NumPy .npz archive -> its arrays, and the MedMNIST data set reader on top.
#include "data/dataset.h"
#include "data/npz_reader.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string path = sinar::fuzz::writeInput("input.npz", data, size);
    sinar::fuzz::tolerate([&] {
        const sinar::data::NpzReader reader(path);
        for (const std::string& key : reader.keys())
            sinar::fuzz::tolerate([&] {
                const sinar::data::NpyArray a = reader.read(key);
                if (a.count() > 0)
                    a.at(a.count() - 1);
            });
    });
    sinar::fuzz::tolerate([&] {
        sinar::data::DatasetOptions options;
        options.subset = "train";
        sinar::data::openNpz(path, options);
    });
    return 0;
}
