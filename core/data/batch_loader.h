#pragma once
// Produces shuffled, augmented, normalised mini-batches on a background
// thread while the model trains on the previous ones (prefetch).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "imaging/augmenter.h"
#include "imaging/preprocessor.h"

namespace sinar::data {

struct Batch {
    std::vector<float> x;     // n * C * H * W
    std::vector<int64_t> y;   // n labels
    std::vector<size_t> index; // which samples (indices into the cache)
    int n = 0;
};

struct BatchLoaderOptions {
    int batchSize = 32;
    bool shuffle = true;
    bool dropLast = false;
    uint32_t seed = 0;
    int prefetch = 4; // batches kept ready
};

class BatchLoader {
public:
    // `images` are base images (see ImageCache); `indices` the ones to use;
    // `labels` one per image. All referenced data must outlive the loader.
    BatchLoader(const std::vector<cv::Mat>& images, const std::vector<int>& labels, std::vector<size_t> indices,
                const imaging::Preprocessor& pre, const imaging::Augmenter& augmenter, BatchLoaderOptions options);
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // Starts producing the batches of `epoch` (shuffle and augmentation depend on seed and epoch).
    void startEpoch(int epoch);
    // Next batch of the epoch; false when the epoch is done.
    bool next(Batch& batch);
    int batchesPerEpoch() const;
    size_t size() const { return indices_.size(); }

private:
    void stop();
    void produce(int epoch);
    void produceBatches(int epoch);

    const std::vector<cv::Mat>& images_;
    const std::vector<int>& labels_;
    std::vector<size_t> indices_;
    const imaging::Preprocessor& pre_;
    const imaging::Augmenter& augmenter_;
    BatchLoaderOptions options_;

    std::thread worker_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Batch> queue_;
    bool finished_ = true;
    bool stopping_ = false;
    std::exception_ptr error_;
};

} // namespace sinar::data
