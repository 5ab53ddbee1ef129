#include "eval/quality_breakdown.h"

#include <QJsonArray>
#include <algorithm>
#include <cstdio>
#include <functional>

#include "common/error.h"

namespace sinar::eval {

std::vector<QualityBucket> qualityBreakdown(const std::vector<imaging::QualityMeasures>& measures,
                                            const std::vector<bool>& correct)
{
    if (measures.size() != correct.size())
        throw Error("internal: " + std::to_string(measures.size()) + " quality measures for " +
                    std::to_string(correct.size()) + " results");
    std::vector<QualityBucket> out;
    // By flag: images without a flag, and each flag (an image may have several).
    const std::pair<unsigned, const char*> flags[] = {{imaging::TooDark, "too dark"},
                                                      {imaging::TooBright, "too bright"},
                                                      {imaging::LowContrast, "low contrast"},
                                                      {imaging::Blurred, "blurred"}};
    QualityBucket ok{"flag", "ok"};
    std::vector<QualityBucket> flagged;
    for (const auto& [bit, name] : flags)
        flagged.push_back({"flag", name});
    for (size_t i = 0; i < measures.size(); ++i) {
        const unsigned f = imaging::qualityFlags(measures[i]);
        if (f == imaging::QualityOk) {
            ++ok.n;
            ok.correct += correct[i];
        }
        for (size_t k = 0; k < flagged.size(); ++k)
            if (f & flags[k].first) {
                ++flagged[k].n;
                flagged[k].correct += correct[i];
            }
    }
    out.push_back(ok);
    for (const auto& b : flagged)
        if (b.n > 0)
            out.push_back(b);
    // By tercile of a measure.
    const std::pair<const char*, std::function<double(const imaging::QualityMeasures&)>> scales[] = {
        {"mean", [](const imaging::QualityMeasures& q) { return q.mean; }},
        {"contrast", [](const imaging::QualityMeasures& q) { return q.contrast; }},
        {"sharpness", [](const imaging::QualityMeasures& q) { return q.sharpness; }},
    };
    if (measures.size() >= 3)
        for (const auto& [name, get] : scales) {
            std::vector<double> v;
            for (const auto& q : measures)
                v.push_back(get(q));
            std::vector<double> sorted = v;
            std::sort(sorted.begin(), sorted.end());
            const double t1 = sorted[sorted.size() / 3], t2 = sorted[2 * sorted.size() / 3];
            char label[3][96];
            std::snprintf(label[0], sizeof label[0], "low (< %.3g)", t1);
            std::snprintf(label[1], sizeof label[1], "middle (%.3g to %.3g)", t1, t2);
            std::snprintf(label[2], sizeof label[2], "high (>= %.3g)", t2);
            QualityBucket b[3] = {{name, label[0]}, {name, label[1]}, {name, label[2]}};
            for (size_t i = 0; i < v.size(); ++i) {
                const int k = v[i] < t1 ? 0 : v[i] < t2 ? 1 : 2;
                ++b[k].n;
                b[k].correct += correct[i];
            }
            for (const auto& x : b)
                out.push_back(x);
        }
    return out;
}

QJsonObject qualityBreakdownJson(const std::vector<QualityBucket>& buckets)
{
    QJsonArray a;
    for (const auto& b : buckets) {
        QJsonObject o;
        o["measure"] = QString::fromStdString(b.measure);
        o["bucket"] = QString::fromStdString(b.bucket);
        o["n"] = static_cast<qint64>(b.n);
        o["accuracy"] = b.accuracy();
        a.append(o);
    }
    QJsonObject o;
    o["buckets"] = a;
    return o;
}

} // namespace sinar::eval
