#include "ui/training/roc_plot.h"

#include "ui/training/curve_plot.h"

#include <QDoubleSpinBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <qcustomplot.h>

namespace sinar::ui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kSliderSteps = 1000;
} // namespace

RocPlot::RocPlot(QWidget* parent) : QWidget(parent)
{
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(260, 240);
    plot_->setAutoAddPlottableToLegend(false);
    plot_->xAxis->setLabel(tr("1 − specificity (false positive rate)"));
    plot_->yAxis->setLabel(tr("sensitivity (true positive rate)"));
    plot_->xAxis->setRange(-0.01, 1.01);
    plot_->yAxis->setRange(-0.01, 1.01);
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);

    diagonal_ = plot_->addGraph();
    diagonal_->setData(QVector<double>{0, 1}, QVector<double>{0, 1}, true);
    operatingPoint_ = plot_->addGraph();
    operatingPoint_->setLineStyle(QCPGraph::lsNone);
    operatingPoint_->setVisible(false);

    auto* controls = new QWidget(this);
    auto* row = new QHBoxLayout(controls);
    row->setContentsMargins(4, 2, 4, 2);
    row->setSpacing(6);
    thresholdRow_ = new QWidget(controls);
    auto* trow = new QHBoxLayout(thresholdRow_);
    trow->setContentsMargins(0, 0, 0, 0);
    trow->setSpacing(6);
    trow->addWidget(new QLabel(tr("Threshold"), thresholdRow_));
    thresholdSlider_ = new QSlider(Qt::Horizontal, thresholdRow_);
    thresholdSlider_->setRange(0, kSliderSteps);
    thresholdSlider_->setMaximumWidth(160);
    trow->addWidget(thresholdSlider_);
    thresholdSpin_ = new QDoubleSpinBox(thresholdRow_);
    thresholdSpin_->setRange(0, 1);
    thresholdSpin_->setDecimals(3);
    thresholdSpin_->setSingleStep(0.01);
    trow->addWidget(thresholdSpin_);
    connect(thresholdSlider_, &QSlider::valueChanged, this,
            [this](int v) { setThreshold(static_cast<double>(v) / kSliderSteps); });
    connect(thresholdSpin_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, &RocPlot::setThreshold);
    row->addWidget(thresholdRow_);
    row->addStretch(1);
    auto* exportButton = new QToolButton(controls);
    exportButton->setText(tr("Export PNG…"));
    connect(exportButton, &QToolButton::clicked, this, &RocPlot::exportWithDialog);
    row->addWidget(exportButton);

    operatingLabel_ = new QLabel(this);
    operatingLabel_->setWordWrap(true);
    operatingLabel_->setContentsMargins(6, 2, 6, 4);
    operatingLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(controls);
    layout->addWidget(plot_, 1);
    layout->addWidget(operatingLabel_);
    thresholdRow_->setVisible(false);
    operatingLabel_->setVisible(false);
    applyTheme();
}

void RocPlot::setScores(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                        const std::vector<std::string>& classNames)
{
    names_ = classNames;
    truth_.clear();
    scores_.clear();
    const int k = static_cast<int>(names_.size());
    for (size_t i = 0; i < truth.size() && i < probabilities.size(); ++i) {
        if (truth[i] < 0 || truth[i] >= k || static_cast<int>(probabilities[i].size()) != k)
            continue;
        if (!std::all_of(probabilities[i].begin(), probabilities[i].end(), [](float v) { return std::isfinite(v); }))
            continue;
        truth_.push_back(truth[i]);
        scores_.push_back(probabilities[i]);
    }
    curves_.assign(k, ClassCurve{});
    for (int c = 0; c < k; ++c) {
        ClassCurve& cc = curves_[c];
        const size_t n = truth_.size();
        std::vector<size_t> order(n);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(),
                  [&](size_t a, size_t b) { return static_cast<double>(scores_[a][c]) > static_cast<double>(scores_[b][c]); });
        long long positives = 0;
        for (int t : truth_)
            positives += t == c;
        const long long negatives = static_cast<long long>(n) - positives;
        if (positives == 0 || negatives == 0)
            continue;
        // Walk the thresholds from high to low; tied scores move together, so
        // a tie becomes a diagonal segment (counted half by the trapezoids).
        long long tp = 0, fp = 0;
        double twiceArea = 0; // sum of d(fp) * (tp_prev + tp), exact in integers
        cc.fpr.push_back(0);
        cc.tpr.push_back(0);
        for (size_t i = 0; i < n;) {
            const double s = scores_[order[i]][c];
            const long long tp0 = tp, fp0 = fp;
            for (; i < n && static_cast<double>(scores_[order[i]][c]) == s; ++i)
                (truth_[order[i]] == c ? tp : fp)++;
            twiceArea += static_cast<double>(fp - fp0) * static_cast<double>(tp0 + tp);
            cc.fpr.push_back(static_cast<double>(fp) / negatives);
            cc.tpr.push_back(static_cast<double>(tp) / positives);
        }
        cc.auc = twiceArea / (2.0 * static_cast<double>(positives) * static_cast<double>(negatives));
    }
    rebuild();
}

void RocPlot::clear()
{
    setScores({}, {}, {});
}

void RocPlot::rebuild()
{
    for (ClassCurve& cc : curves_)
        cc.plotted = nullptr;
    // Remove the class curves (everything but the diagonal and the operating point).
    for (int i = plot_->plottableCount() - 1; i >= 0; --i) {
        QCPAbstractPlottable* p = plot_->plottable(i);
        if (p != diagonal_ && p != operatingPoint_)
            plot_->removePlottable(p);
    }
    const int k = static_cast<int>(names_.size());
    const bool binary = k == 2;
    for (int c = binary ? 1 : 0; c < k; ++c) {
        ClassCurve& cc = curves_[c];
        if (cc.auc < 0)
            continue;
        auto* curve = new QCPCurve(plot_->xAxis, plot_->yAxis);
        curve->setData(QVector<double>(cc.fpr.begin(), cc.fpr.end()), QVector<double>(cc.tpr.begin(), cc.tpr.end()));
        const QColor colour = seriesColour(binary ? 0 : c);
        curve->setPen(QPen(colour, 2));
        QString name = QString::fromStdString(names_[c]);
        if (binary)
            name = tr("%1 vs %2").arg(name, QString::fromStdString(names_[0]));
        curve->setName(tr("%1  AUC %2").arg(name).arg(cc.auc, 0, 'f', 3));
        curve->addToLegend();
        cc.plotted = curve;
    }
    thresholdRow_->setVisible(binary && curves_[1].auc >= 0);
    operatingLabel_->setVisible(binary && curves_[1].auc >= 0);
    operatingPoint_->removeFromLegend();
    if (binary && curves_[1].auc >= 0)
        operatingPoint_->addToLegend();
    updateOperatingPoint();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void RocPlot::setThreshold(double t)
{
    t = std::clamp(std::isfinite(t) ? t : 0.5, 0.0, 1.0);
    const bool changed = t != threshold_;
    threshold_ = t;
    {
        const QSignalBlocker b1(thresholdSlider_), b2(thresholdSpin_);
        thresholdSlider_->setValue(static_cast<int>(std::lround(t * kSliderSteps)));
        thresholdSpin_->setValue(t);
    }
    updateOperatingPoint();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    if (changed)
        emit thresholdChanged(t);
}

// The threshold is compared in the scores' own precision, so a score shown
// as 0.7 counts as >= 0.7.
double RocPlot::shareCalled(int label, double t, bool positive) const
{
    if (names_.size() != 2)
        return kNaN;
    long n = 0, called = 0;
    for (size_t i = 0; i < truth_.size(); ++i)
        if (truth_[i] == label) {
            ++n;
            called += (scores_[i][1] >= static_cast<float>(t)) == positive;
        }
    return n ? static_cast<double>(called) / n : kNaN;
}

double RocPlot::sensitivityAt(double t) const
{
    return shareCalled(1, t, true);
}

double RocPlot::specificityAt(double t) const
{
    return shareCalled(0, t, false);
}

double RocPlot::auc(int classIndex) const
{
    return classIndex >= 0 && classIndex < static_cast<int>(curves_.size()) ? curves_[classIndex].auc : -1;
}

std::vector<std::pair<double, double>> RocPlot::curve(int classIndex) const
{
    std::vector<std::pair<double, double>> points;
    if (classIndex < 0 || classIndex >= static_cast<int>(curves_.size()))
        return points;
    const ClassCurve& cc = curves_[classIndex];
    for (size_t i = 0; i < cc.fpr.size(); ++i)
        points.emplace_back(cc.fpr[i], cc.tpr[i]);
    return points;
}

int RocPlot::curveCount() const
{
    int n = 0;
    for (const ClassCurve& cc : curves_)
        n += cc.plotted != nullptr;
    return n;
}

QString RocPlot::operatingPointText() const
{
    return operatingLabel_->text();
}

void RocPlot::updateOperatingPoint()
{
    const double sens = sensitivityAt(threshold_), spec = specificityAt(threshold_);
    const bool on = names_.size() == 2 && std::isfinite(sens) && std::isfinite(spec);
    operatingPoint_->setVisible(on);
    if (!on) {
        operatingPoint_->data()->clear();
        operatingLabel_->clear();
        return;
    }
    operatingPoint_->setData(QVector<double>{1.0 - spec}, QVector<double>{sens}, true);
    operatingPoint_->setName(tr("threshold %1").arg(threshold_, 0, 'f', 3));
    long p = 0, n = 0;
    for (int t : truth_)
        (t == 1 ? p : n)++;
    operatingLabel_->setText(
        tr("P(%1) ≥ %2:  sensitivity %3 (%4 of %5)   specificity %6 (%7 of %8)")
            .arg(QString::fromStdString(names_[1]))
            .arg(threshold_, 0, 'f', 3)
            .arg(sens, 0, 'f', 3)
            .arg(std::lround(sens * p))
            .arg(p)
            .arg(spec, 0, 'f', 3)
            .arg(std::lround(spec * n))
            .arg(n));
}

void RocPlot::applyTheme()
{
    applyPlotPalette(plot_, palette());
    QColor grey = palette().color(QPalette::WindowText);
    grey.setAlpha(110);
    diagonal_->setPen(QPen(grey, 1, Qt::DashLine));
    const QColor text = palette().color(QPalette::WindowText);
    operatingPoint_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(text, 2), seriesColour(1), 11));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void RocPlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyTheme();
    QWidget::changeEvent(event);
}

void RocPlot::flush()
{
    plot_->replot(QCustomPlot::rpImmediateRefresh);
}

bool RocPlot::exportPng(const QString& fileName, int width, int height)
{
    return savePlotPng(plot_, fileName, width, height, QSize(600, 560));
}

void RocPlot::exportWithDialog()
{
    exportWithFileDialog(this, tr("Export ROC curves"), QStringLiteral("roc.png"), tr("PNG image (*.png)"),
                         [this](const QString& fileName) { return exportPng(fileName); });
}

} // namespace sinar::ui
