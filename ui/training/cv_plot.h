#pragma once
// A classical baseline's fit in one picture: its cross-validation accuracy at
// every point of the hyper-parameter grid (k for k-NN; C on a log axis for an
// SVM, one line per gamma for the RBF kernel), the chosen point circled. A
// baseline is fitted in one step, so it has no loss curves; the Training
// tab's run page shows this plot in their place.
#include <QJsonObject>
#include <QString>
#include <QWidget>

class QCPGraph;
class QCustomPlot;
class QLabel;

namespace sinar::ui {

class CrossValidationPlot : public QWidget {
    Q_OBJECT
public:
    explicit CrossValidationPlot(QWidget* parent = nullptr);

    // `classical` is a bundle's "classical" record (BundleInfo::classical):
    // "cross_validation" rows of {"k"} or {"C"[, "gamma"]} with "accuracy",
    // "chosen", "cv_folds", "fitted_on". Rows without an accuracy are skipped.
    void setResults(const QJsonObject& classical);
    // Waiting for a fit: an empty plot and `message`.
    void clear(const QString& message);

    int lineCount() const;  // one per gamma (RBF), else one
    int pointCount() const; // grid points drawn
    QString summary() const; // the caption under the plot
    bool exportPng(const QString& fileName, int width = 0, int height = 0);
    QCustomPlot* plot() const { return plot_; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void redraw();

    QCustomPlot* plot_ = nullptr;
    QLabel* caption_ = nullptr;
    QCPGraph* chosen_ = nullptr; // the circle on the chosen point, when there is one
    QJsonObject classical_;
};

} // namespace sinar::ui
