#include "eval/calibration_metrics.h"

#include <QJsonObject>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"

namespace sinar::eval {

namespace {

struct TopClass {
    std::vector<double> confidence;
    std::vector<char> correct;
};

TopClass topClass(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities)
{
    if (truth.size() != probabilities.size())
        throw Error("calibration metrics: " + std::to_string(truth.size()) + " labels but " +
                    std::to_string(probabilities.size()) + " predictions");
    TopClass t;
    for (size_t i = 0; i < truth.size(); ++i) {
        const auto& p = probabilities[i];
        if (p.empty())
            throw Error("calibration metrics: a prediction without scores");
        const size_t best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        t.confidence.push_back(static_cast<double>(p[best]));
        t.correct.push_back(truth[i] == static_cast<int>(best));
    }
    return t;
}

} // namespace

QJsonArray Reliability::binsJson() const
{
    QJsonArray a;
    for (const auto& b : bins) {
        QJsonObject o;
        o["bin_lower"] = b.lower;
        o["bin_upper"] = b.upper;
        o["count"] = static_cast<qint64>(b.count);
        o["confidence"] = b.confidence;
        o["accuracy"] = b.accuracy;
        a.append(o);
    }
    return a;
}

Reliability reliability(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities, int bins)
{
    if (bins < 1)
        throw Error("calibration metrics: at least one bin");
    const TopClass t = topClass(truth, probabilities);
    Reliability r;
    r.bins.resize(static_cast<size_t>(bins));
    std::vector<double> confSum(r.bins.size(), 0), correctSum(r.bins.size(), 0);
    for (size_t i = 0; i < t.confidence.size(); ++i) {
        // (k/bins, (k+1)/bins]: the bin is ceil(c*bins) - 1, clamped.
        int k = static_cast<int>(std::ceil(t.confidence[i] * bins)) - 1;
        k = std::clamp(k, 0, bins - 1);
        ++r.bins[static_cast<size_t>(k)].count;
        confSum[static_cast<size_t>(k)] += t.confidence[i];
        correctSum[static_cast<size_t>(k)] += t.correct[i];
    }
    const double n = static_cast<double>(t.confidence.size());
    for (size_t k = 0; k < r.bins.size(); ++k) {
        ReliabilityBin& b = r.bins[k];
        b.lower = static_cast<double>(k) / bins;
        b.upper = static_cast<double>(k + 1) / bins;
        if (b.count) {
            b.confidence = confSum[k] / b.count;
            b.accuracy = correctSum[k] / b.count;
            r.ece += b.count / n * std::abs(b.accuracy - b.confidence);
        }
    }
    return r;
}

double expectedCalibrationError(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities, int bins)
{
    return reliability(truth, probabilities, bins).ece;
}

std::vector<CoveragePoint> riskCoverage(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities)
{
    const TopClass t = topClass(truth, probabilities);
    const size_t n = t.confidence.size();
    std::vector<CoveragePoint> out;
    if (n == 0)
        return out;
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return t.confidence[a] > t.confidence[b]; });
    std::vector<long> correctPrefix(n + 1, 0);
    for (size_t k = 0; k < n; ++k)
        correctPrefix[k + 1] = correctPrefix[k] + t.correct[order[k]];
    for (int step = 20; step >= 1; --step) {
        const double coverage = step / 20.0;
        size_t m = static_cast<size_t>(std::ceil(coverage * static_cast<double>(n) - 1e-9));
        m = std::clamp<size_t>(m, 1, n);
        CoveragePoint pt;
        pt.coverage = coverage;
        pt.accuracy = static_cast<double>(correctPrefix[m]) / static_cast<double>(m);
        pt.threshold = t.confidence[order[m - 1]];
        out.push_back(pt);
    }
    return out;
}

QJsonArray riskCoverageJson(const std::vector<CoveragePoint>& points)
{
    QJsonArray a;
    for (const auto& p : points) {
        QJsonObject o;
        o["coverage"] = p.coverage;
        o["accuracy"] = p.accuracy;
        o["threshold"] = p.threshold;
        a.append(o);
    }
    return a;
}

} // namespace sinar::eval
