// Model bundle (metadata and weights) -> a model that predicts. A sealed
// bundle whose seal does not match is refused before LibTorch sees it, so the
// fuzzer mostly explores unsealed archives: older bundles and TorchScript files.
#include <vector>

#include "fuzz_support.h"
#include "nn/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const bool once = [] {
        sinar::nn::setThreadCount(1);
        return true;
    }();
    (void)once;
    const std::string path = sinar::fuzz::writeInput("input.sinar", data, size);
    sinar::fuzz::tolerate([&] {
        const sinar::nn::Model model = sinar::nn::Model::load(path);
        const auto& r = model.info().recipe;
        const size_t n = static_cast<size_t>(r.channels) * r.width * r.height;
        if (n > 0 && n <= 4u * 512 * 512) {
            const std::vector<float> x(n, 0.5f);
            model.predict(x.data(), 1);
        }
    });
    return 0;
}
