#include "eval/metrics.h"

#include <QJsonArray>
#include <algorithm>
#include <cstdio>
#include <numeric>
#include <sstream>

#include "common/error.h"

namespace sinar::eval {

double rocAuc(const std::vector<double>& scores, const std::vector<bool>& positive)
{
    // Mann-Whitney U with mid-ranks for ties.
    const size_t n = scores.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    double rankSumPos = 0;
    long nPos = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && scores[order[j + 1]] == scores[order[i]])
            ++j;
        const double midRank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (size_t k = i; k <= j; ++k)
            if (positive[order[k]]) {
                rankSumPos += midRank;
                ++nPos;
            }
        i = j + 1;
    }
    const long nNeg = static_cast<long>(n) - nPos;
    if (nPos == 0 || nNeg == 0)
        return -1;
    return (rankSumPos - nPos * (nPos + 1) / 2.0) / (static_cast<double>(nPos) * nNeg);
}

Report computeReport(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                     const std::vector<std::string>& classNames)
{
    const size_t k = classNames.size();
    if (k < 2)
        throw Error("metrics need at least two classes");
    if (truth.size() != probabilities.size())
        throw Error("metrics: " + std::to_string(truth.size()) + " labels but " + std::to_string(probabilities.size()) + " predictions");
    Report r;
    r.n = static_cast<long>(truth.size());
    r.classNames = classNames;
    r.confusion.assign(k, std::vector<long>(k, 0));
    long correct = 0;
    for (size_t i = 0; i < truth.size(); ++i) {
        if (probabilities[i].size() != k)
            throw Error("metrics: a prediction has " + std::to_string(probabilities[i].size()) + " scores for " + std::to_string(k) + " classes");
        if (truth[i] < 0 || static_cast<size_t>(truth[i]) >= k)
            throw Error("metrics: label " + std::to_string(truth[i]) + " is out of range");
        const int pred = static_cast<int>(std::max_element(probabilities[i].begin(), probabilities[i].end()) - probabilities[i].begin());
        ++r.confusion[truth[i]][pred];
        correct += pred == truth[i];
    }
    r.accuracy = r.n ? static_cast<double>(correct) / r.n : 0.0;

    double aucSum = 0;
    int aucCount = 0;
    for (size_t c = 0; c < k; ++c) {
        ClassMetrics m;
        m.name = classNames[c];
        long tp = r.confusion[c][c], predicted = 0;
        for (size_t t = 0; t < k; ++t)
            predicted += r.confusion[t][c];
        for (size_t p = 0; p < k; ++p)
            m.support += r.confusion[c][p];
        m.precision = predicted ? static_cast<double>(tp) / predicted : 0.0;
        m.recall = m.support ? static_cast<double>(tp) / m.support : 0.0;
        m.f1 = (m.precision + m.recall) > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
        std::vector<double> scores(truth.size());
        std::vector<bool> positive(truth.size());
        for (size_t i = 0; i < truth.size(); ++i) {
            scores[i] = probabilities[i][c];
            positive[i] = truth[i] == static_cast<int>(c);
        }
        m.rocAuc = rocAuc(scores, positive);
        if (m.rocAuc >= 0) {
            aucSum += m.rocAuc;
            ++aucCount;
        }
        r.macroPrecision += m.precision / k;
        r.macroRecall += m.recall / k;
        r.macroF1 += m.f1 / k;
        if (r.n) {
            const double w = static_cast<double>(m.support) / r.n;
            r.weightedPrecision += w * m.precision;
            r.weightedRecall += w * m.recall;
            r.weightedF1 += w * m.f1;
        }
        r.perClass.push_back(m);
    }
    // For two classes both one-vs-rest AUCs are the same number.
    r.rocAuc = aucCount ? aucSum / aucCount : -1;
    if (k == 2) {
        const long tp = r.confusion[1][1], fn = r.confusion[1][0], tn = r.confusion[0][0], fp = r.confusion[0][1];
        r.sensitivity = (tp + fn) ? static_cast<double>(tp) / (tp + fn) : -1;
        r.specificity = (tn + fp) ? static_cast<double>(tn) / (tn + fp) : -1;
    }
    return r;
}

static QJsonValue orNull(double v)
{
    return v < 0 ? QJsonValue() : QJsonValue(v);
}

QJsonObject Report::toJson() const
{
    QJsonObject o;
    o["n"] = static_cast<qint64>(n);
    QJsonArray names;
    for (const auto& c : classNames)
        names.append(QString::fromStdString(c));
    o["class_names"] = names;
    o["accuracy"] = accuracy;
    o["macro_precision"] = macroPrecision;
    o["macro_recall"] = macroRecall;
    o["macro_f1"] = macroF1;
    o["weighted_precision"] = weightedPrecision;
    o["weighted_recall"] = weightedRecall;
    o["weighted_f1"] = weightedF1;
    o["roc_auc"] = orNull(rocAuc);
    if (classNames.size() == 2) {
        o["sensitivity"] = orNull(sensitivity);
        o["specificity"] = orNull(specificity);
        o["positive_class"] = QString::fromStdString(classNames[1]);
    }
    QJsonArray per;
    for (const auto& m : perClass) {
        QJsonObject c;
        c["name"] = QString::fromStdString(m.name);
        c["precision"] = m.precision;
        c["recall"] = m.recall;
        c["f1"] = m.f1;
        c["support"] = static_cast<qint64>(m.support);
        c["roc_auc"] = orNull(m.rocAuc);
        per.append(c);
    }
    o["per_class"] = per;
    QJsonArray cm;
    for (const auto& row : confusion) {
        QJsonArray a;
        for (long v : row)
            a.append(static_cast<qint64>(v));
        cm.append(a);
    }
    o["confusion_matrix"] = cm;
    return o;
}

static std::string fmt(double v)
{
    if (v < 0)
        return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
}

std::string Report::toCsv() const
{
    std::ostringstream s;
    s << "class,precision,recall,f1,support,roc_auc\n";
    for (const auto& m : perClass)
        s << m.name << ',' << fmt(m.precision) << ',' << fmt(m.recall) << ',' << fmt(m.f1) << ',' << m.support << ','
          << fmt(m.rocAuc) << '\n';
    s << "macro avg," << fmt(macroPrecision) << ',' << fmt(macroRecall) << ',' << fmt(macroF1) << ',' << n << ','
      << fmt(rocAuc) << '\n';
    s << "weighted avg," << fmt(weightedPrecision) << ',' << fmt(weightedRecall) << ',' << fmt(weightedF1) << ',' << n << ",\n";
    s << "accuracy,,,," << n << ',' << fmt(accuracy) << '\n';
    s << "\nconfusion (rows true; columns predicted)";
    for (const auto& c : classNames)
        s << ',' << c;
    s << '\n';
    for (size_t t = 0; t < confusion.size(); ++t) {
        s << classNames[t];
        for (long v : confusion[t])
            s << ',' << v;
        s << '\n';
    }
    return s.str();
}

std::string Report::toTable() const
{
    size_t w = 12;
    for (const auto& c : classNames)
        w = std::max(w, c.size() + 2);
    std::ostringstream s;
    char line[256];
    std::snprintf(line, sizeof line, "%-*s %9s %9s %9s %9s %9s\n", int(w), "", "precision", "recall", "f1", "support", "roc_auc");
    s << line;
    for (const auto& m : perClass) {
        std::snprintf(line, sizeof line, "%-*s %9.4f %9.4f %9.4f %9ld %9s\n", int(w), m.name.c_str(), m.precision, m.recall,
                      m.f1, m.support, fmt(m.rocAuc).c_str());
        s << line;
    }
    std::snprintf(line, sizeof line, "%-*s %9.4f %9.4f %9.4f %9ld %9s\n", int(w), "macro avg", macroPrecision, macroRecall,
                  macroF1, n, fmt(rocAuc).c_str());
    s << line;
    std::snprintf(line, sizeof line, "%-*s %9.4f %9.4f %9.4f %9ld\n", int(w), "weighted avg", weightedPrecision,
                  weightedRecall, weightedF1, n);
    s << line;
    std::snprintf(line, sizeof line, "\naccuracy %.4f   macro F1 %.4f   ROC AUC %s\n", accuracy, macroF1,
                  rocAuc < 0 ? "n/a" : fmt(rocAuc).c_str());
    s << line;
    if (classNames.size() == 2) {
        std::snprintf(line, sizeof line, "sensitivity %s   specificity %s   (positive class: %s)\n", fmt(sensitivity).c_str(),
                      fmt(specificity).c_str(), classNames[1].c_str());
        s << line;
    }
    s << "\nconfusion matrix (rows: true class, columns: predicted)\n";
    std::snprintf(line, sizeof line, "%-*s", int(w), "");
    s << line;
    for (const auto& c : classNames) {
        std::snprintf(line, sizeof line, " %10.10s", c.c_str());
        s << line;
    }
    s << '\n';
    for (size_t t = 0; t < confusion.size(); ++t) {
        std::snprintf(line, sizeof line, "%-*s", int(w), classNames[t].c_str());
        s << line;
        for (long v : confusion[t]) {
            std::snprintf(line, sizeof line, " %10ld", v);
            s << line;
        }
        s << '\n';
    }
    return s.str();
}

QJsonObject Screening::toJson() const
{
    QJsonObject o;
    o["negative_class"] = QString::fromStdString(negativeClass);
    o["positives"] = static_cast<qint64>(positives);
    o["negatives"] = static_cast<qint64>(negatives);
    o["true_positives"] = static_cast<qint64>(truePositives);
    o["true_negatives"] = static_cast<qint64>(trueNegatives);
    o["sensitivity"] = sensitivity;
    o["specificity"] = specificity;
    o["accuracy"] = accuracy;
    o["roc_auc"] = rocAuc;
    return o;
}

Screening computeScreening(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                           const std::vector<std::string>& classNames, const std::string& negativeClass)
{
    const auto it = std::find(classNames.begin(), classNames.end(), negativeClass);
    if (it == classNames.end()) {
        throw Error("no class '" + negativeClass + "' to screen against (the classes are " + joinedNames(classNames) +
                    ")");
    }
    if (truth.size() != probabilities.size())
        throw Error("internal: " + std::to_string(truth.size()) + " labels for " + std::to_string(probabilities.size()) +
                    " predictions");
    const int negative = static_cast<int>(it - classNames.begin());
    Screening s;
    s.negativeClass = negativeClass;
    std::vector<double> scores;
    std::vector<bool> positive;
    for (size_t i = 0; i < truth.size(); ++i) {
        const auto& p = probabilities[i];
        const int predicted = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
        const bool isPositive = truth[i] != negative;
        const bool saysPositive = predicted != negative;
        if (isPositive) {
            ++s.positives;
            s.truePositives += saysPositive;
        } else {
            ++s.negatives;
            s.trueNegatives += !saysPositive;
        }
        scores.push_back(1.0 - p.at(static_cast<size_t>(negative)));
        positive.push_back(isPositive);
    }
    if (s.positives)
        s.sensitivity = double(s.truePositives) / s.positives;
    if (s.negatives)
        s.specificity = double(s.trueNegatives) / s.negatives;
    if (!truth.empty())
        s.accuracy = double(s.truePositives + s.trueNegatives) / truth.size();
    if (s.positives && s.negatives)
        s.rocAuc = rocAuc(scores, positive);
    return s;
}

} // namespace sinar::eval
