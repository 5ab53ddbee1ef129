#pragma once
// Runs a model over (part of) a data set: parallel decode and preprocessing,
// batched inference, per-file failures reported and skipped.
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "nn/model.h"

namespace sinar::eval {

struct DatasetPredictions {
    std::vector<size_t> index;                     // samples that were classified
    std::vector<int> truth;                        // their labels
    std::vector<std::vector<float>> probabilities; // their class probabilities
    std::vector<FileFailure> failures;             // samples that could not be read
};

// `indices` empty: every sample.
DatasetPredictions predictDataset(const nn::Model& model, const data::Dataset& dataset, std::vector<size_t> indices = {},
                                  const ProgressFn& progress = {}, const CancelToken* cancel = nullptr, int batchSize = 64);

Report evaluateDataset(const nn::Model& model, const data::Dataset& dataset, DatasetPredictions* predictions = nullptr,
                       const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

} // namespace sinar::eval
