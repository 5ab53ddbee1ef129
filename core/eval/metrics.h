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

// A many-class result read as a screening question: "anything but
// `negativeClass`" (e.g. any tumour vs notumor) is positive. The prediction is
// positive when the arg-max is not the negative class; the ROC AUC ranks by
// 1 - p(negative class).
struct Screening {
    std::string negativeClass;
    long positives = 0, negatives = 0;
    long truePositives = 0, trueNegatives = 0;
    double sensitivity = -1, specificity = -1, accuracy = 0, rocAuc = -1;

    QJsonObject toJson() const;
};

// Throws sinar::Error naming the classes when `negativeClass` is not one of them.
Screening computeScreening(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                           const std::vector<std::string>& classNames, const std::string& negativeClass);

// Area under the ROC curve of scores for positives vs. negatives (ties count half).
double rocAuc(const std::vector<double>& scores, const std::vector<bool>& positive);

} // namespace sinar::eval
