#pragma once
// Decodes and preprocesses (up to the base stage) a set of samples once, in
// parallel, so training epochs only augment and normalise.
#include <opencv2/core.hpp>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "data/dataset.h"
#include "imaging/preprocessor.h"

namespace sinar::data {

struct ImageCache {
    std::vector<cv::Mat> images; // base images (CV_8U), empty Mat where decoding failed
    std::vector<FileFailure> failures;

    // Indices (into `images`) whose decode succeeded.
    std::vector<size_t> valid() const;
};

// Decodes sample i and applies the recipe up to the base stage. Returns an
// empty Mat and fills `failure` when the file cannot be used.
cv::Mat loadBase(const Dataset& dataset, size_t i, const imaging::Preprocessor& pre, FileFailure& failure);

ImageCache buildImageCache(const Dataset& dataset, const imaging::Preprocessor& pre, const ProgressFn& progress = {},
                           const CancelToken* cancel = nullptr, int threads = 0);

} // namespace sinar::data
