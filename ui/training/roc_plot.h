#pragma once
// One-vs-rest ROC curves with their AUC in the legend and the chance
// diagonal. With two classes only the positive class (class 1) is drawn (the
// class-0 curve is the same curve) and a threshold on P(class 1) marks the
// operating point and shows its sensitivity and specificity.
#include <QString>
#include <QWidget>
#include <string>
#include <vector>

class QCustomPlot;
class QCPCurve;
class QCPGraph;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace sinar::ui {

class RocPlot : public QWidget {
    Q_OBJECT
public:
    explicit RocPlot(QWidget* parent = nullptr);

    // truth[i] in [0, classes), probabilities[i] one score per class (any
    // scores that rank). Samples with a wrong number of scores or a label out
    // of range, or a non-finite score are ignored.
    void setScores(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                   const std::vector<std::string>& classNames);
    void clear();

    // Two classes: a sample is called positive when P(class 1) >= t.
    void setThreshold(double t);
    double threshold() const { return threshold_; }
    // NaN without two classes or without positives (negatives).
    double sensitivityAt(double t) const;
    double specificityAt(double t) const;

    // One-vs-rest AUC of a class (trapezoids over the curve, ties count half);
    // -1 when the class or its complement is absent.
    double auc(int classIndex) const;
    // The ROC points (false positive rate, true positive rate) of a class.
    std::vector<std::pair<double, double>> curve(int classIndex) const;
    int curveCount() const;
    QString operatingPointText() const;

    bool exportPng(const QString& fileName, int width = 0, int height = 0);
    void flush();
    QCustomPlot* plot() const { return plot_; }

signals:
    void thresholdChanged(double t);

protected:
    void changeEvent(QEvent* event) override;

private:
    struct ClassCurve {
        std::vector<double> fpr, tpr;
        double auc = -1;
        QCPCurve* plotted = nullptr;
    };
    // Two classes: the share of samples of `label` called `positive` (or not) at t.
    double shareCalled(int label, double t, bool positive) const;
    void rebuild();
    void updateOperatingPoint();
    void applyTheme();
    void exportWithDialog();

    QCustomPlot* plot_ = nullptr;
    QWidget* thresholdRow_ = nullptr;
    QSlider* thresholdSlider_ = nullptr;
    QDoubleSpinBox* thresholdSpin_ = nullptr;
    QLabel* operatingLabel_ = nullptr;
    QCPGraph* diagonal_ = nullptr;
    QCPGraph* operatingPoint_ = nullptr;

    std::vector<int> truth_;
    std::vector<std::vector<float>> scores_;
    std::vector<std::string> names_;
    std::vector<ClassCurve> curves_;
    double threshold_ = 0.5;
};

} // namespace sinar::ui
