#pragma once
// Classification metrics: accuracy, per-class precision/recall/F1, macro and
// weighted averages, confusion matrix, binary sensitivity/specificity, and
// one-vs-rest ROC AUC.
#include <QJsonObject>
#include <string>
#include <vector>

namespace sinar::eval {

struct ClassMetrics {
    std::string name;
    double precision = 0, recall = 0, f1 = 0;
    long support = 0;
    double rocAuc = -1; // -1: undefined (class absent or the only class present)
};

struct Report {
    long n = 0;
    std::vector<std::string> classNames;
    double accuracy = 0;
    double macroPrecision = 0, macroRecall = 0, macroF1 = 0;
    double weightedPrecision = 0, weightedRecall = 0, weightedF1 = 0;
    double rocAuc = -1; // macro over classes where defined; -1 when undefined
    std::vector<ClassMetrics> perClass;
    std::vector<std::vector<long>> confusion; // [true][predicted]
    // Two-class sets: class 1 is "positive".
    double sensitivity = -1, specificity = -1;

    QJsonObject toJson() const;
    std::string toCsv() const;   // per-class table plus averages
    std::string toTable() const; // human-readable, for the terminal
};

// `truth` labels, `probabilities` one row per sample (any positive scores that
// rank; the prediction is the arg-max). Throws sinar::Error on inconsistent input.
Report computeReport(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                     const std::vector<std::string>& classNames);

// Area under the ROC curve of scores for positives vs. negatives (ties count half).
double rocAuc(const std::vector<double>& scores, const std::vector<bool>& positive);

} // namespace sinar::eval
