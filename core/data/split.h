#pragma once
// Stratified, seeded train/validation/test splits, optionally keeping groups
// (near-duplicate images, patients) on one side.
#include <QJsonObject>
#include <cstdint>
#include <string>
#include <vector>

namespace sinar::data {

struct Split {
    std::vector<size_t> train, val, test; // indices into the data set
    uint32_t seed = 0;
    double testFraction = 0.2;
    double valFraction = 0.1;

    QJsonObject toJson() const;
    static Split fromJson(const QJsonObject& json, size_t datasetSize, const std::string& context);
};

// Per class, shuffles with `seed` and puts round(testFraction*n) in test, then
// round(valFraction*rest) of the rest in validation. With `groups` (one id per
// sample, e.g. from findNearDuplicates), whole groups go to one side.
Split stratifiedSplit(const std::vector<int>& labels, double testFraction, double valFraction, uint32_t seed,
                      const std::vector<int>& groups = {});

// Merges two group vectors (one id per sample): samples that share a group in
// either end up in one group, whose id is its smallest sample index. When one
// of them is empty the other is returned unchanged.
std::vector<int> combineGroups(const std::vector<int>& a, const std::vector<int>& b);

// Carves a validation part out of `train` only (for data sets with a given test subset).
Split splitTrainVal(const std::vector<int>& labels, double valFraction, uint32_t seed, const std::vector<int>& groups = {});

} // namespace sinar::data
