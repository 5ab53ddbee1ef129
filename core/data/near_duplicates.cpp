#include "data/near_duplicates.h"

#include <algorithm>
#include <numeric>
#include <opencv2/imgproc.hpp>

#include "common/parallel.h"

namespace sinar::data {

namespace {

int findRoot(std::vector<int>& parent, int i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

} // namespace

DuplicateGroups findNearDuplicates(const std::vector<cv::Mat>& images, double maxMeanAbsDiff)
{
    const int n = static_cast<int>(images.size());
    const int side = 32;
    std::vector<cv::Mat> thumbs(images.size());
    std::vector<double> means(images.size(), 0.0);
    parallelFor(images.size(), [&](size_t i) {
        if (images[i].empty())
            return;
        cv::Mat g = images[i];
        if (g.channels() == 3)
            cv::cvtColor(g, g, cv::COLOR_RGB2GRAY);
        cv::resize(g, thumbs[i], cv::Size(side, side), 0, 0, cv::INTER_AREA);
        means[i] = cv::mean(thumbs[i])[0];
    });
    // |mean(a) - mean(b)| <= mean|a - b|: only images with close means can be twins.
    std::vector<int> order(images.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return means[a] < means[b]; });
    const double limit = maxMeanAbsDiff * side * side;
    std::vector<std::vector<int>> twins(images.size());
    parallelFor(images.size(), [&](size_t k) {
        const int a = order[k];
        if (thumbs[a].empty())
            return;
        for (size_t j = k + 1; j < order.size() && means[order[j]] - means[a] < maxMeanAbsDiff; ++j) {
            const int b = order[j];
            if (!thumbs[b].empty() && cv::norm(thumbs[a], thumbs[b], cv::NORM_L1) < limit)
                twins[a].push_back(b);
        }
    });
    std::vector<int> parent(images.size());
    std::iota(parent.begin(), parent.end(), 0);
    DuplicateGroups out;
    for (int a = 0; a < n; ++a)
        for (int b : twins[a]) {
            parent[findRoot(parent, a)] = findRoot(parent, b);
            out.pairs.emplace_back(std::min(a, b), std::max(a, b));
        }
    out.group.resize(images.size());
    std::vector<int> size(images.size(), 0);
    for (int i = 0; i < n; ++i) {
        out.group[i] = findRoot(parent, i);
        ++size[out.group[i]];
    }
    for (int i = 0; i < n; ++i) {
        if (size[i] > 1)
            ++out.groupsWithTwins;
        if (size[out.group[i]] > 1)
            ++out.imagesWithTwins;
    }
    return out;
}

} // namespace sinar::data
