#include "data/split.h"

#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "common/error.h"

namespace sinar::data {

namespace {

QJsonArray toArray(const std::vector<size_t>& v)
{
    QJsonArray a;
    for (size_t i : v)
        a.append(static_cast<qint64>(i));
    return a;
}

std::vector<size_t> fromArray(const QJsonValue& v, size_t n, const std::string& context)
{
    if (!v.isArray())
        throw Error("split: index list missing", context);
    std::vector<size_t> out;
    for (const QJsonValue& e : v.toArray()) {
        const qint64 i = e.toInteger(-1);
        if (i < 0 || static_cast<size_t>(i) >= n)
            throw Error("split: index out of range for a data set of " + std::to_string(n) + " images", context);
        out.push_back(static_cast<size_t>(i));
    }
    return out;
}

// Moves round(fraction * size) of `pool` (units of groups) into `taken`,
// per class, deterministic for a seed.
void carve(const std::vector<int>& labels, const std::vector<size_t>& pool, double fraction, std::mt19937& rng,
           const std::vector<int>& groups, std::vector<size_t>& taken, std::vector<size_t>& rest)
{
    // Units: a group of indices that must stay together (or a single index).
    std::map<int, std::vector<std::vector<size_t>>> unitsByClass;
    if (groups.empty()) {
        for (size_t i : pool)
            unitsByClass[labels[i]].push_back({i});
    } else {
        std::map<int, std::vector<size_t>> byGroup;
        for (size_t i : pool)
            byGroup[groups[i]].push_back(i);
        for (auto& [g, members] : byGroup) // a group's class: that of its first member
            unitsByClass[labels[members.front()]].push_back(members);
    }
    for (auto& [label, units] : unitsByClass) {
        std::shuffle(units.begin(), units.end(), rng);
        size_t total = 0;
        for (const auto& u : units)
            total += u.size();
        const size_t want = static_cast<size_t>(std::lround(fraction * static_cast<double>(total)));
        size_t got = 0;
        for (const auto& u : units) {
            auto& dst = (got < want) ? taken : rest;
            if (got < want)
                got += u.size();
            dst.insert(dst.end(), u.begin(), u.end());
        }
    }
    std::sort(taken.begin(), taken.end());
    std::sort(rest.begin(), rest.end());
}

void checkFraction(double f, const char* what)
{
    if (!(f >= 0.0 && f < 1.0))
        throw Error(std::string(what) + " fraction must be in [0, 1)");
}

} // namespace

QJsonObject Split::toJson() const
{
    QJsonObject o;
    o["seed"] = static_cast<qint64>(seed);
    o["test_fraction"] = testFraction;
    o["val_fraction"] = valFraction;
    o["train"] = toArray(train);
    o["val"] = toArray(val);
    o["test"] = toArray(test);
    return o;
}

Split Split::fromJson(const QJsonObject& o, size_t n, const std::string& context)
{
    Split s;
    s.seed = static_cast<uint32_t>(o.value("seed").toInteger(0));
    s.testFraction = o.value("test_fraction").toDouble(0.2);
    s.valFraction = o.value("val_fraction").toDouble(0.1);
    s.train = fromArray(o.value("train"), n, context);
    s.val = fromArray(o.value("val"), n, context);
    s.test = fromArray(o.value("test"), n, context);
    return s;
}

Split stratifiedSplit(const std::vector<int>& labels, double testFraction, double valFraction, uint32_t seed,
                      const std::vector<int>& groups)
{
    checkFraction(testFraction, "test");
    checkFraction(valFraction, "validation");
    if (!groups.empty() && groups.size() != labels.size())
        throw Error("internal: one group id per sample is needed");
    std::mt19937 rng(seed);
    std::vector<size_t> all(labels.size());
    for (size_t i = 0; i < all.size(); ++i)
        all[i] = i;
    Split s;
    s.seed = seed;
    s.testFraction = testFraction;
    s.valFraction = valFraction;
    std::vector<size_t> rest;
    carve(labels, all, testFraction, rng, groups, s.test, rest);
    carve(labels, rest, valFraction, rng, groups, s.val, s.train);
    return s;
}

std::vector<int> combineGroups(const std::vector<int>& a, const std::vector<int>& b)
{
    if (a.empty())
        return b;
    if (b.empty())
        return a;
    if (a.size() != b.size())
        throw Error("internal: group vectors of different lengths");
    const size_t n = a.size();
    std::vector<size_t> parent(n);
    for (size_t i = 0; i < n; ++i)
        parent[i] = i;
    auto root = [&](size_t i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    };
    auto join = [&](size_t x, size_t y) {
        x = root(x);
        y = root(y);
        if (x != y)
            parent[std::max(x, y)] = std::min(x, y); // the smallest index stays the root
    };
    for (const std::vector<int>* g : {&a, &b}) {
        std::map<int, size_t> first; // group id -> its first sample
        for (size_t i = 0; i < n; ++i) {
            const auto it = first.emplace((*g)[i], i).first;
            join(it->second, i);
        }
    }
    std::vector<int> out(n);
    for (size_t i = 0; i < n; ++i)
        out[i] = static_cast<int>(root(i));
    return out;
}

Split splitTrainVal(const std::vector<int>& labels, double valFraction, uint32_t seed, const std::vector<int>& groups)
{
    Split s = stratifiedSplit(labels, 0.0, valFraction, seed, groups);
    s.testFraction = 0.0;
    return s;
}

} // namespace sinar::data
