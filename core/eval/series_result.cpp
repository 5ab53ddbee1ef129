#include "eval/series_result.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"

namespace sinar::eval {

std::string SeriesResult::rule() const
{
    if (judged == 0)
        return "no result: none of the " + std::to_string(slices) + " slices is one the model can judge";
    return "mean of the class probabilities over the " + std::to_string(judged) + " of " + std::to_string(slices) +
           " slices the model can judge (in its scope and like its training images); the class with the highest mean";
}

SeriesResult aggregateSeries(const std::vector<SliceResult>& slices, int maxDrivers)
{
    SeriesResult r;
    r.slices = static_cast<int>(slices.size());
    size_t classes = 0;
    for (const SliceResult& s : slices) {
        if (s.probabilities.empty())
            continue;
        if (classes == 0)
            classes = s.probabilities.size();
        else if (s.probabilities.size() != classes)
            throw Error("series result: slices with " + std::to_string(classes) + " and " +
                        std::to_string(s.probabilities.size()) + " class probabilities");
    }
    r.perSliceBest.assign(slices.size(), -1);
    std::vector<double> sum(classes, 0.0);
    for (size_t i = 0; i < slices.size(); ++i) {
        const SliceResult& s = slices[i];
        if (s.probabilities.empty())
            continue;
        r.perSliceBest[i] = static_cast<int>(std::max_element(s.probabilities.begin(), s.probabilities.end()) -
                                             s.probabilities.begin());
        if (!s.judged)
            continue;
        ++r.judged;
        for (size_t c = 0; c < classes; ++c)
            sum[c] += s.probabilities[c];
    }
    if (r.judged == 0)
        return r;
    r.meanProbabilities.resize(classes);
    for (size_t c = 0; c < classes; ++c)
        r.meanProbabilities[c] = sum[c] / r.judged;
    r.best = static_cast<int>(std::max_element(r.meanProbabilities.begin(), r.meanProbabilities.end()) -
                              r.meanProbabilities.begin());
    std::vector<int> order;
    for (size_t i = 0; i < slices.size(); ++i)
        if (slices[i].judged && !slices[i].probabilities.empty())
            order.push_back(static_cast<int>(i));
    const size_t best = static_cast<size_t>(r.best);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return slices[static_cast<size_t>(a)].probabilities[best] > slices[static_cast<size_t>(b)].probabilities[best];
    });
    order.resize(std::min(order.size(), static_cast<size_t>(std::max(0, maxDrivers))));
    r.drivers = order;
    return r;
}

} // namespace sinar::eval
