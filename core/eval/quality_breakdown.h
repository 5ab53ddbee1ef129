#pragma once
// Error analysis by image quality (the study's analysis of dark and blurred
// images): each image's quality measures joined with whether it was classified
// correctly, and accuracy per quality flag and per tercile of brightness,
// contrast and sharpness.
#include <QJsonObject>
#include <vector>

#include "imaging/quality.h"

namespace sinar::eval {

struct QualityBucket {
    std::string measure; // "flag", "mean", "contrast", "sharpness"
    std::string bucket;  // "ok", "too dark", …; "low", "middle", "high" (with the range)
    long n = 0, correct = 0;
    double accuracy() const { return n ? static_cast<double>(correct) / n : -1; }
};

// Buckets of the images with `measures` (one per image) and `correct` (same order).
std::vector<QualityBucket> qualityBreakdown(const std::vector<imaging::QualityMeasures>& measures,
                                            const std::vector<bool>& correct);
// {"buckets": [{"measure", "bucket", "n", "accuracy"}...]}
QJsonObject qualityBreakdownJson(const std::vector<QualityBucket>& buckets);

} // namespace sinar::eval
