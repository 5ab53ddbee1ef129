#include "data/split.h"

#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <tuple>

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

// numpy's legacy RandomState: MT19937 seeded like init_genrand (as std::mt19937
// is), bounded integers by masked rejection, shuffles as Fisher-Yates from the end.
class NumpyRandomState {
public:
    explicit NumpyRandomState(uint32_t seed) : mt_(seed) {}

    // RandomState.random_interval: uniform in [0, max].
    uint32_t interval(uint32_t max)
    {
        if (max == 0)
            return 0;
        uint32_t mask = max;
        for (int s = 1; s <= 16; s <<= 1)
            mask |= mask >> s;
        uint32_t v = 0;
        do {
            v = static_cast<uint32_t>(mt_()) & mask;
        } while (v > max);
        return v;
    }

    // RandomState.permutation(values) (for a range: permutation(n) of 0..n-1).
    template <typename T> std::vector<T> permutation(std::vector<T> values)
    {
        for (size_t i = values.size(); i-- > 1;)
            std::swap(values[i], values[interval(static_cast<uint32_t>(i))]);
        return values;
    }

private:
    std::mt19937 mt_;
};

// scikit-learn's _approximate_mode: per-class draws summing to `draws`,
// close to the class proportions, ties of the remainders broken by `rng`.
std::vector<size_t> approximateMode(const std::vector<size_t>& counts, size_t draws, NumpyRandomState& rng)
{
    double total = 0;
    for (size_t c : counts)
        total += static_cast<double>(c);
    std::vector<double> continuous(counts.size()), floored(counts.size());
    double flooredSum = 0;
    for (size_t i = 0; i < counts.size(); ++i) {
        continuous[i] = static_cast<double>(counts[i]) / total * static_cast<double>(draws);
        floored[i] = std::floor(continuous[i]);
        flooredSum += floored[i];
    }
    auto need = static_cast<long long>(static_cast<double>(draws) - flooredSum);
    if (need > 0) {
        std::vector<double> remainder(counts.size());
        for (size_t i = 0; i < counts.size(); ++i)
            remainder[i] = continuous[i] - floored[i];
        std::vector<double> values = remainder;
        std::sort(values.begin(), values.end(), std::greater<>());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        for (double value : values) {
            std::vector<size_t> inds;
            for (size_t i = 0; i < remainder.size(); ++i)
                if (remainder[i] == value)
                    inds.push_back(i);
            const auto addNow = std::min(static_cast<long long>(inds.size()), need);
            // rng.choice(inds, size=addNow, replace=False): the first addNow of a permutation.
            const std::vector<size_t> chosen = rng.permutation(inds);
            for (long long k = 0; k < addNow; ++k)
                floored[chosen[static_cast<size_t>(k)]] += 1;
            need -= addNow;
            if (need == 0)
                break;
        }
    }
    std::vector<size_t> out(counts.size());
    for (size_t i = 0; i < counts.size(); ++i)
        out[i] = static_cast<size_t>(floored[i]);
    return out;
}

// StratifiedShuffleSplit(n_splits=1, test_size=fraction, random_state=seed) on
// the samples `order` (labels[order[i]]): (train, test) in the order it gives.
std::pair<std::vector<size_t>, std::vector<size_t>> sklearnShuffleSplit(const std::vector<int>& labels,
                                                                        const std::vector<size_t>& order, double fraction,
                                                                        uint32_t seed, const char* part)
{
    const size_t n = order.size();
    const auto nTest = static_cast<size_t>(std::ceil(fraction * static_cast<double>(n)));
    const size_t nTrain = n - std::min(n, nTest);
    // Classes in sorted order (np.unique); each class's positions in `order`, ascending (a stable argsort).
    std::map<int, std::vector<size_t>> byClass;
    for (size_t i = 0; i < n; ++i)
        byClass[labels[order[i]]].push_back(i);
    std::vector<size_t> counts;
    for (const auto& [label, positions] : byClass) {
        if (positions.size() < 2)
            throw Error("a scikit-learn split needs at least 2 images of every class; class " + std::to_string(label) +
                        " has 1");
        counts.push_back(positions.size());
    }
    if (nTest < byClass.size() || nTrain < byClass.size())
        throw Error(std::string("a scikit-learn split needs at least one image per class on each side: the ") + part +
                    " part would have " + std::to_string(nTest) + " and the rest " + std::to_string(nTrain) +
                    " images for " + std::to_string(byClass.size()) + " classes");
    NumpyRandomState rng(seed);
    const std::vector<size_t> nI = approximateMode(counts, nTrain, rng);
    std::vector<size_t> remaining(counts.size());
    for (size_t c = 0; c < counts.size(); ++c)
        remaining[c] = counts[c] - nI[c];
    const std::vector<size_t> tI = approximateMode(remaining, nTest, rng);
    std::vector<size_t> train, test;
    size_t c = 0;
    for (const auto& [label, positions] : byClass) {
        std::vector<size_t> perm(positions.size());
        for (size_t i = 0; i < perm.size(); ++i)
            perm[i] = i;
        perm = rng.permutation(perm);
        for (size_t i = 0; i < nI[c] + tI[c]; ++i)
            (i < nI[c] ? train : test).push_back(order[positions[perm[i]]]);
        ++c;
    }
    train = rng.permutation(train);
    test = rng.permutation(test);
    return {train, test};
}

} // namespace

QJsonObject Split::toJson() const
{
    QJsonObject o;
    o["method"] = QString::fromStdString(method);
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
    s.method = o.value("method").toString("sinar").toStdString();
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

Split sklearnSplit(const std::vector<int>& labels, double testFraction, double valFraction, uint32_t seed)
{
    checkFraction(testFraction, "test");
    checkFraction(valFraction, "validation");
    Split s;
    s.method = "sklearn";
    s.seed = seed;
    s.testFraction = testFraction;
    s.valFraction = valFraction;
    std::vector<size_t> rest(labels.size());
    for (size_t i = 0; i < rest.size(); ++i)
        rest[i] = i;
    if (testFraction > 0)
        std::tie(rest, s.test) = sklearnShuffleSplit(labels, rest, testFraction, seed, "test");
    if (valFraction > 0)
        std::tie(s.train, s.val) = sklearnShuffleSplit(labels, rest, valFraction, seed, "validation");
    else
        s.train = rest;
    for (auto* part : {&s.train, &s.val, &s.test})
        std::sort(part->begin(), part->end());
    return s;
}

Split makeSplit(const std::string& method, const std::vector<int>& labels, double testFraction, double valFraction,
                uint32_t seed, const std::vector<int>& groups)
{
    if (method == "sinar")
        return stratifiedSplit(labels, testFraction, valFraction, seed, groups);
    if (method != "sklearn")
        throw Error("unknown split method '" + method + "' (sinar or sklearn)");
    if (!groups.empty())
        throw Error("a scikit-learn split cannot keep near-duplicates or patients on one side; use the split method "
                    "sinar with --group-duplicates or --group-by-patient");
    return sklearnSplit(labels, testFraction, valFraction, seed);
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

Split splitTrainVal(const std::vector<int>& labels, double valFraction, uint32_t seed, const std::vector<int>& groups,
                    const std::string& method)
{
    Split s = makeSplit(method, labels, 0.0, valFraction, seed, groups);
    s.testFraction = 0.0;
    return s;
}

} // namespace sinar::data
