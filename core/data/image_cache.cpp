#include "data/image_cache.h"

#include <atomic>
#include <mutex>

#include "common/error.h"
#include "common/parallel.h"

namespace sinar::data {

std::vector<size_t> ImageCache::valid() const
{
    std::vector<size_t> out;
    for (size_t i = 0; i < images.size(); ++i)
        if (!images[i].empty())
            out.push_back(i);
    return out;
}

cv::Mat loadBase(const Dataset& dataset, size_t i, const imaging::Preprocessor& pre, FileFailure& failure)
{
    try {
        return pre.base(dataset.load(i));
    } catch (const Error& e) {
        failure = {dataset.sample(i).path, e.message()};
    } catch (const cv::Exception& e) {
        failure = {dataset.sample(i).path, std::string("OpenCV: ") + e.what()};
    }
    return {};
}

ImageCache buildImageCache(const Dataset& dataset, const imaging::Preprocessor& pre, const ProgressFn& progress,
                           const CancelToken* cancel, int threads)
{
    ImageCache cache;
    cache.images.resize(dataset.size());
    std::mutex mutex;
    std::atomic<long long> done{0};
    const long long total = static_cast<long long>(dataset.size());
    parallelFor(dataset.size(), [&](size_t i) {
        if (cancel)
            cancel->throwIfCancelled();
        FileFailure failure;
        cache.images[i] = loadBase(dataset, i, pre, failure);
        if (cache.images[i].empty()) {
            std::lock_guard<std::mutex> lock(mutex);
            cache.failures.push_back(failure);
        }
        const long long d = ++done;
        if (progress && (d % 64 == 0 || d == total)) {
            std::lock_guard<std::mutex> lock(mutex);
            progress(d, total, "decoding images");
        }
    }, threads);
    return cache;
}

} // namespace sinar::data
