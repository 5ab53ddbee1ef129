#include "eval/dataset_evaluation.h"

#include <mutex>

#include "common/error.h"
#include "common/parallel.h"
#include "data/image_cache.h"
#include "imaging/preprocessor.h"

namespace sinar::eval {

DatasetPredictions predictDataset(const nn::Model& model, const data::Dataset& dataset, std::vector<size_t> indices,
                                  const ProgressFn& progress, const CancelToken* cancel, int batchSize)
{
    if (indices.empty())
        for (size_t i = 0; i < dataset.size(); ++i)
            indices.push_back(i);
    const imaging::Preprocessor pre(model.info().recipe);
    const size_t per = static_cast<size_t>(pre.inputSize());
    DatasetPredictions out;
    std::mutex mutex;
    for (size_t from = 0; from < indices.size(); from += static_cast<size_t>(batchSize)) {
        if (cancel)
            cancel->throwIfCancelled();
        const size_t n = std::min(indices.size() - from, static_cast<size_t>(batchSize));
        std::vector<float> x(per * n);
        std::vector<char> ok(n, 0);
        parallelFor(n, [&](size_t k) {
            const size_t i = indices[from + k];
            FileFailure failure;
            const cv::Mat base = data::loadBase(dataset, i, pre, failure);
            if (base.empty()) {
                std::lock_guard<std::mutex> lock(mutex);
                out.failures.push_back(failure);
                return;
            }
            pre.normalise(base, x.data() + k * per);
            ok[k] = 1;
        });
        // Compact the successful inputs to the front.
        size_t good = 0;
        for (size_t k = 0; k < n; ++k) {
            if (!ok[k])
                continue;
            if (good != k)
                std::copy_n(x.data() + k * per, per, x.data() + good * per);
            out.index.push_back(indices[from + k]);
            out.truth.push_back(dataset.sample(indices[from + k]).label);
            ++good;
        }
        for (auto& p : model.predict(x.data(), static_cast<int>(good)))
            out.probabilities.push_back(std::move(p));
        if (progress)
            progress(static_cast<long long>(from + n), static_cast<long long>(indices.size()), "classifying");
    }
    return out;
}

Report evaluateDataset(const nn::Model& model, const data::Dataset& dataset, DatasetPredictions* predictions,
                       const ProgressFn& progress, const CancelToken* cancel)
{
    DatasetPredictions p = predictDataset(model, dataset, {}, progress, cancel);
    if (p.index.empty())
        throw Error("no image of the data set could be classified", dataset.source());
    Report r = computeReport(p.truth, p.probabilities, model.info().classNames);
    if (predictions)
        *predictions = std::move(p);
    return r;
}

} // namespace sinar::eval
