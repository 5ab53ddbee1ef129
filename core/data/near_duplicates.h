#pragma once
// Finds groups of near-duplicate images (neighbouring slices, re-encoded
// copies) so a split can keep each group on one side and test accuracy is
// not inflated by twins seen in training.
#include <opencv2/core.hpp>
#include <utility>
#include <vector>

namespace sinar::data {

struct DuplicateGroups {
    std::vector<int> group;  // group id per image (images without a twin have their own id)
    size_t groupsWithTwins = 0;
    size_t imagesWithTwins = 0;
    std::vector<std::pair<int, int>> pairs; // every direct twin pair (a < b), before the transitive closure
};

// Two images are twins when their 32x32 grey thumbnails differ by less than
// `maxMeanAbsDiff` grey levels on average; groups are the transitive closure.
// Empty images (failed decodes) stay alone.
DuplicateGroups findNearDuplicates(const std::vector<cv::Mat>& images, double maxMeanAbsDiff = 1.0);

} // namespace sinar::data
