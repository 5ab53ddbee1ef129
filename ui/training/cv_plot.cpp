#include "ui/training/cv_plot.h"

#include "ui/training/curve_plot.h"

#include <QEvent>
#include <QJsonArray>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>
#include <qcustomplot.h>

namespace sinar::ui {

namespace {

QString number(double v)
{
    return QString::number(v, 'g', 4);
}

} // namespace

CrossValidationPlot::CrossValidationPlot(QWidget* parent) : QWidget(parent)
{
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(260, 220);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->yAxis->setLabel(tr("cross-validation accuracy"));
    plot_->legend->setVisible(false);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    caption_ = new QLabel(this);
    caption_->setWordWrap(true);
    caption_->setContentsMargins(6, 2, 6, 4);
    caption_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(plot_, 1);
    layout->addWidget(caption_);
    clear(tr("A baseline is fitted in one step: its cross-validation results appear here when the fit ends."));
}

void CrossValidationPlot::clear(const QString& message)
{
    classical_ = QJsonObject();
    caption_->setText(message);
    redraw();
}

void CrossValidationPlot::setResults(const QJsonObject& classical)
{
    classical_ = classical;
    redraw();
}

int CrossValidationPlot::lineCount() const
{
    return plot_->graphCount() - (chosen_ ? 1 : 0);
}

int CrossValidationPlot::pointCount() const
{
    int points = 0;
    for (int i = 0; i < plot_->graphCount(); ++i)
        if (plot_->graph(i) != chosen_)
            points += plot_->graph(i)->dataCount();
    return points;
}

QString CrossValidationPlot::summary() const
{
    return caption_->text();
}

void CrossValidationPlot::redraw()
{
    plot_->clearGraphs();
    chosen_ = nullptr;
    plot_->legend->setVisible(false);
    applyPlotPalette(plot_, palette());
    const QJsonArray rows = classical_.value(QStringLiteral("cross_validation")).toArray();
    if (rows.isEmpty()) {
        plot_->xAxis->setLabel(QString());
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const bool knn = rows.first().toObject().contains(QStringLiteral("k"));
    const QString xKey = knn ? QStringLiteral("k") : QStringLiteral("C");
    // One line per gamma (an RBF SVM's grid), else one.
    std::map<double, QVector<QPair<double, double>>> lines;
    double low = 1, high = 0;
    for (const QJsonValue& v : rows) {
        const QJsonObject r = v.toObject();
        if (!r.contains(QStringLiteral("accuracy")) || !r.contains(xKey))
            continue;
        const double x = r.value(xKey).toDouble(), y = r.value(QStringLiteral("accuracy")).toDouble();
        if (!std::isfinite(x) || !std::isfinite(y) || (!knn && x <= 0))
            continue;
        lines[r.value(QStringLiteral("gamma")).toDouble(std::nan(""))].append({x, y});
        low = std::min(low, y);
        high = std::max(high, y);
    }
    if (knn) {
        plot_->xAxis->setScaleType(QCPAxis::stLinear);
        plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        plot_->xAxis->setLabel(tr("k (neighbours)"));
    } else {
        plot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
        plot_->xAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
        plot_->xAxis->setLabel(tr("C (regularisation, log scale)"));
    }
    int index = 0;
    for (auto& [gamma, points] : lines) {
        std::sort(points.begin(), points.end());
        QVector<double> xs, ys;
        for (const auto& [x, y] : points) {
            xs << x;
            ys << y;
        }
        QCPGraph* g = plot_->addGraph();
        g->setName(std::isnan(gamma) ? (knn ? tr("k-NN") : tr("linear SVM")) : tr("γ = %1").arg(number(gamma)));
        g->setData(xs, ys, true);
        const QColor colour = seriesColour(index++);
        g->setPen(QPen(colour, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 6));
    }
    plot_->legend->setVisible(lines.size() > 1);

    // The chosen point, circled, and the caption.
    const QJsonObject chosen = classical_.value(QStringLiteral("chosen")).toObject();
    const double chosenX = chosen.value(xKey).toDouble(std::nan(""));
    const double chosenGamma = chosen.value(QStringLiteral("gamma")).toDouble(std::nan(""));
    double chosenY = std::nan("");
    for (const QJsonValue& v : rows) {
        const QJsonObject r = v.toObject();
        const double g = r.value(QStringLiteral("gamma")).toDouble(std::nan(""));
        if (r.value(xKey).toDouble() == chosenX && (std::isnan(g) ? std::isnan(chosenGamma) : g == chosenGamma))
            chosenY = r.value(QStringLiteral("accuracy")).toDouble(std::nan(""));
    }
    QString chosenText;
    if (std::isfinite(chosenY)) {
        chosen_ = plot_->addGraph();
        chosen_->removeFromLegend();
        chosen_->setLineStyle(QCPGraph::lsNone);
        chosen_->setScatterStyle(
            QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(palette().color(QPalette::WindowText), 2), Qt::NoBrush, 15));
        chosen_->setData(QVector<double>{chosenX}, QVector<double>{chosenY}, true);
        chosenText = knn ? tr("k %1").arg(number(chosenX))
                         : std::isnan(chosenGamma) ? tr("C %1").arg(number(chosenX))
                                                   : tr("C %1, γ %2").arg(number(chosenX), number(chosenGamma));
    }
    plot_->rescaleAxes();
    const double margin = std::max(0.01, (high - low) * 0.1);
    plot_->yAxis->setRange(std::max(0.0, low - margin), std::min(1.0, high + margin) + (high >= 1.0 ? 0.005 : 0.0));
    if (knn)
        plot_->xAxis->setRange(plot_->xAxis->range().lower - 1, plot_->xAxis->range().upper + 1);
    else
        plot_->xAxis->setRange(plot_->xAxis->range().lower / 2, plot_->xAxis->range().upper * 2);

    const int folds = classical_.value(QStringLiteral("cv_folds")).toInt();
    const int fittedOn = classical_.value(QStringLiteral("fitted_on")).toInt();
    QString text = tr("%1-fold cross-validation over %2 grid points").arg(folds).arg(pointCount());
    if (!chosenText.isEmpty())
        text += tr(": chosen %1, accuracy %2 (circled; ties go to the simplest point)").arg(chosenText).arg(chosenY, 0, 'f', 3);
    if (fittedOn > 0)
        text += tr(". The baseline was then fitted on all %1 training and validation images.").arg(fittedOn);
    caption_->setText(text);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CrossValidationPlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        redraw();
    QWidget::changeEvent(event);
}

bool CrossValidationPlot::exportPng(const QString& fileName, int width, int height)
{
    return savePlotPng(plot_, fileName, width, height, QSize(700, 480));
}

} // namespace sinar::ui
