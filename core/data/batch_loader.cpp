#include "data/batch_loader.h"

#include <algorithm>
#include <random>

namespace sinar::data {

BatchLoader::BatchLoader(const std::vector<cv::Mat>& images, const std::vector<int>& labels, std::vector<size_t> indices,
                         const imaging::Preprocessor& pre, const imaging::Augmenter& augmenter, BatchLoaderOptions options)
    : images_(images), labels_(labels), indices_(std::move(indices)), pre_(pre), augmenter_(augmenter), options_(options)
{
    options_.batchSize = std::max(1, options_.batchSize);
    options_.prefetch = std::max(1, options_.prefetch);
}

BatchLoader::~BatchLoader()
{
    stop();
}

int BatchLoader::batchesPerEpoch() const
{
    const size_t n = indices_.size(), b = static_cast<size_t>(options_.batchSize);
    return static_cast<int>(options_.dropLast ? n / b : (n + b - 1) / b);
}

void BatchLoader::stop()
{
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable())
        worker_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.clear();
    stopping_ = false;
    finished_ = true;
}

void BatchLoader::startEpoch(int epoch)
{
    stop();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        finished_ = false;
    }
    worker_ = std::thread([this, epoch] { produce(epoch); });
}

void BatchLoader::produce(int epoch)
{
    try {
        produceBatches(epoch);
    } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = std::current_exception();
        finished_ = true;
        changed_.notify_all();
    }
}

void BatchLoader::produceBatches(int epoch)
{
    std::vector<size_t> order = indices_;
    const uint32_t epochSeed = options_.seed * 1000003u + static_cast<uint32_t>(epoch) * 7919u + 17u;
    if (options_.shuffle) {
        std::mt19937 rng(epochSeed);
        std::shuffle(order.begin(), order.end(), rng);
    }
    const int batches = batchesPerEpoch();
    const size_t per = static_cast<size_t>(pre_.inputSize());
    for (int b = 0; b < batches; ++b) {
        const size_t from = static_cast<size_t>(b) * options_.batchSize;
        const size_t to = std::min(order.size(), from + options_.batchSize);
        Batch batch;
        batch.n = static_cast<int>(to - from);
        batch.x.resize(per * batch.n);
        for (size_t k = from; k < to; ++k) {
            const size_t idx = order[k];
            // One generator per sample and epoch: independent of batching and threads.
            std::mt19937 rng(epochSeed ^ static_cast<uint32_t>(idx * 2654435761u));
            const cv::Mat aug = augmenter_.apply(images_[idx], rng);
            pre_.normalise(aug, batch.x.data() + (k - from) * per);
            batch.y.push_back(labels_[idx]);
            batch.index.push_back(idx);
        }
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || static_cast<int>(queue_.size()) < options_.prefetch; });
        if (stopping_)
            return;
        queue_.push_back(std::move(batch));
        changed_.notify_all();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    changed_.notify_all();
}

bool BatchLoader::next(Batch& batch)
{
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return !queue_.empty() || finished_; });
    if (queue_.empty()) {
        if (error_) {
            const std::exception_ptr e = error_;
            error_ = nullptr;
            std::rethrow_exception(e);
        }
        return false;
    }
    batch = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return true;
}

} // namespace sinar::data
