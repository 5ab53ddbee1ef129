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
    std::string method = "sinar";        // how it was drawn: "sinar" (stratifiedSplit) or "sklearn" (sklearnSplit)
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

// The split scikit-learn draws for the same labels, in the same order:
// train_test_split(..., test_size=testFraction, stratify=labels,
// random_state=seed) (StratifiedShuffleSplit over numpy's legacy RandomState,
// i.e. MT19937 seeded with `seed`), then the same call with valFraction on the
// training part in the order it returned. A fraction of 0 leaves that part
// empty. Like scikit-learn it refuses a class of one image, or a part smaller
// than the number of classes. Groups cannot be kept together this way.
Split sklearnSplit(const std::vector<int>& labels, double testFraction, double valFraction, uint32_t seed);

// stratifiedSplit for method "sinar", sklearnSplit (no groups) for "sklearn".
Split makeSplit(const std::string& method, const std::vector<int>& labels, double testFraction, double valFraction,
                uint32_t seed, const std::vector<int>& groups = {});

// Merges two group vectors (one id per sample): samples that share a group in
// either end up in one group, whose id is its smallest sample index. When one
// of them is empty the other is returned unchanged.
std::vector<int> combineGroups(const std::vector<int>& a, const std::vector<int>& b);

// Carves a validation part out of `train` only (for data sets with a given test subset).
Split splitTrainVal(const std::vector<int>& labels, double valFraction, uint32_t seed, const std::vector<int>& groups = {},
                    const std::string& method = "sinar");

} // namespace sinar::data
