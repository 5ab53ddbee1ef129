#include "ui/training/curve_plot.h"

#include <QActionGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QSaveFile>
#include <QSlider>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>
#include <qcustomplot.h>

namespace sinar::ui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kReplotIntervalMs = 250; // at most ~4 replots a second

QString csvNumber(double v)
{
    return std::isfinite(v) ? QString::number(v, 'g', 12) : QString();
}

QCPAxis* bottom(QCPAxisRect* r)
{
    return r->axis(QCPAxis::atBottom);
}

QCPAxis* left(QCPAxisRect* r)
{
    return r->axis(QCPAxis::atLeft);
}

void styleAxis(QCPAxis* a, const QColor& text, const QColor& line, const QColor& grid)
{
    a->setBasePen(QPen(line, 1));
    a->setTickPen(QPen(line, 1));
    a->setSubTickPen(QPen(line, 1));
    a->setTickLabelColor(text);
    a->setLabelColor(text);
    a->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    a->grid()->setSubGridVisible(false);
    a->grid()->setZeroLinePen(Qt::NoPen);
}

void styleLegend(QCPLegend* l, const QColor& base, const QColor& text, const QColor& line)
{
    QColor fill = base;
    fill.setAlpha(220);
    l->setBrush(fill);
    l->setBorderPen(QPen(line, 1));
    l->setTextColor(text);
    l->setIconSize(22, 10);
    QFont f = l->font();
    f.setPointSizeF(std::max(7.0, f.pointSizeF() - 1));
    l->setFont(f);
}

QPen seriesPen(const QColor& c, double width, Qt::PenStyle style = Qt::SolidLine)
{
    QPen p(c, width, style);
    p.setCapStyle(Qt::RoundCap);
    p.setJoinStyle(Qt::RoundJoin);
    return p;
}

void padRange(QCPRange& r, bool logarithmic)
{
    if (logarithmic) {
        if (r.lower <= 0)
            r.lower = r.upper > 0 ? r.upper / 1e3 : 1e-3;
        const double factor = std::pow(r.upper / r.lower, 0.05);
        r.lower /= std::max(factor, 1.2);
        r.upper *= std::max(factor, 1.2);
        return;
    }
    double span = r.size();
    if (span <= 0)
        span = std::max(std::abs(r.upper) * 0.1, 1e-3);
    r.lower -= span * 0.05;
    r.upper += span * 0.05;
}
} // namespace

QColor seriesColour(int index)
{
    // Mid-lightness, saturated: readable on #17191c and on white.
    static const QColor colours[] = {
        QColor(0x4c, 0x9b, 0xe8), // blue
        QColor(0xf2, 0x8e, 0x2b), // orange
        QColor(0x4f, 0xb3, 0x62), // green
        QColor(0xb0, 0x7a, 0xd8), // purple
        QColor(0xe1, 0x57, 0x59), // red
        QColor(0x2f, 0xb5, 0xb0), // teal
        QColor(0xd4, 0xa0, 0x17), // mustard
        QColor(0xc0, 0x6c, 0xb0), // magenta
        QColor(0x9c, 0x8a, 0x5f), // olive brown
    };
    constexpr int n = sizeof(colours) / sizeof(colours[0]);
    return colours[((index % n) + n) % n];
}

void applyPlotPalette(QCustomPlot* plot, const QPalette& palette)
{
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::WindowText);
    QColor line = text;
    line.setAlpha(150);
    QColor grid = text;
    grid.setAlpha(45);
    plot->setBackground(base);
    const auto elements = plot->plotLayout()->elements(true);
    for (QCPLayoutElement* e : elements) {
        if (auto* rect = qobject_cast<QCPAxisRect*>(e)) {
            for (QCPAxis* a : rect->axes())
                styleAxis(a, text, line, grid);
            for (int i = 0; i < rect->insetLayout()->elementCount(); ++i)
                if (auto* l = qobject_cast<QCPLegend*>(rect->insetLayout()->elementAt(i)))
                    styleLegend(l, base, text, line);
        } else if (auto* t = qobject_cast<QCPTextElement*>(e)) {
            t->setTextColor(text);
        } else if (auto* s = qobject_cast<QCPColorScale*>(e)) {
            styleAxis(s->axis(), text, line, grid);
            s->axis()->grid()->setVisible(false);
        }
    }
}

bool savePlotPng(QCustomPlot* plot, const QString& fileName, int width, int height, QSize fallback)
{
    if (width <= 0 || height <= 0) {
        width = plot->width() >= 200 ? plot->width() : fallback.width();
        height = plot->height() >= 150 ? plot->height() : fallback.height();
    }
    return plot->savePng(fileName, width, height);
}

void exportWithFileDialog(QWidget* parent, const QString& caption, const QString& defaultName, const QString& filter,
                          const std::function<bool(const QString&)>& write)
{
    QString fileName = QFileDialog::getSaveFileName(parent, caption, defaultName, filter);
    if (fileName.isEmpty())
        return;
    const QString extension = QLatin1Char('.') + QFileInfo(defaultName).suffix();
    if (!fileName.endsWith(extension, Qt::CaseInsensitive))
        fileName += extension;
    if (!write(fileName))
        QMessageBox::warning(parent, QObject::tr("Export failed"), QObject::tr("Could not write %1.").arg(fileName));
}

CurvePlot::CurvePlot(QWidget* parent) : QWidget(parent)
{
    buildControls();
    buildPlot();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(controls_);
    layout->addWidget(plot_, 1);

    timer_.setSingleShot(true);
    timer_.setInterval(kReplotIntervalMs);
    connect(&timer_, &QTimer::timeout, this, &CurvePlot::onTimer);
    applyTheme();
    syncControls();
    applyXAxisTicker();
}

CurvePlot::~CurvePlot() = default;

void CurvePlot::buildControls()
{
    controls_ = new QWidget(this);
    auto* row = new QHBoxLayout(controls_);
    row->setContentsMargins(4, 2, 4, 2);
    row->setSpacing(6);

    row->addWidget(new QLabel(tr("Smoothing"), controls_));
    smoothingSlider_ = new QSlider(Qt::Horizontal, controls_);
    smoothingSlider_->setRange(0, 99);
    smoothingSlider_->setMaximumWidth(140);
    smoothingSlider_->setToolTip(tr("Exponential moving average of the batch loss (debiased, as TensorBoard)"));
    row->addWidget(smoothingSlider_);
    smoothingValue_ = new QLabel(controls_);
    smoothingValue_->setMinimumWidth(QFontMetrics(smoothingValue_->font()).horizontalAdvance(QStringLiteral("0.000")));
    row->addWidget(smoothingValue_);
    connect(smoothingSlider_, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });

    row->addSpacing(8);
    row->addWidget(new QLabel(tr("X axis"), controls_));
    xAxisCombo_ = new QComboBox(controls_);
    xAxisCombo_->addItem(tr("Epoch"), static_cast<int>(XAxis::Epoch));
    xAxisCombo_->addItem(tr("Step"), static_cast<int>(XAxis::Step));
    xAxisCombo_->addItem(tr("Wall time"), static_cast<int>(XAxis::WallTime));
    row->addWidget(xAxisCombo_);
    connect(xAxisCombo_, qOverload<int>(&QComboBox::currentIndexChanged), this,
            [this](int i) { setXAxis(static_cast<XAxis>(xAxisCombo_->itemData(i).toInt())); });

    logCheck_ = new QCheckBox(tr("Log loss"), controls_);
    row->addWidget(logCheck_);
    connect(logCheck_, &QCheckBox::toggled, this, &CurvePlot::setLogScale);

    row->addStretch(1);
    auto* fitButton = new QToolButton(controls_);
    fitButton->setText(tr("Fit"));
    fitButton->setToolTip(tr("Fit all curves (or double-click the plot)"));
    connect(fitButton, &QToolButton::clicked, this, &CurvePlot::fit);
    row->addWidget(fitButton);
    auto* exportButton = new QToolButton(controls_);
    exportButton->setText(tr("Export"));
    exportButton->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(exportButton);
    menu->addAction(tr("PNG image…"), this, [this] { exportWithDialog(QStringLiteral("png")); });
    menu->addAction(tr("PDF document…"), this, [this] { exportWithDialog(QStringLiteral("pdf")); });
    menu->addAction(tr("CSV table…"), this, [this] { exportWithDialog(QStringLiteral("csv")); });
    exportButton->setMenu(menu);
    row->addWidget(exportButton);
}

void CurvePlot::buildPlot()
{
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(320, 260);
    plot_->setAutoAddPlottableToLegend(false);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);

    rects_[0] = plot_->axisRect();
    rects_[1] = new QCPAxisRect(plot_);
    rects_[2] = new QCPAxisRect(plot_);
    plot_->plotLayout()->addElement(1, 0, rects_[1]);
    plot_->plotLayout()->addElement(2, 0, rects_[2]);
    plot_->plotLayout()->setRowStretchFactor(0, 3);
    plot_->plotLayout()->setRowStretchFactor(1, 2);
    plot_->plotLayout()->setRowStretchFactor(2, 1.2);
    plot_->plotLayout()->setRowSpacing(2);

    auto* group = new QCPMarginGroup(plot_);
    const char* labels[] = {"loss", "accuracy", "learning\nrate"};
    for (int i = 0; i < 3; ++i) {
        QCPAxisRect* r = rects_[i];
        r->setMarginGroup(QCP::msLeft | QCP::msRight, group);
        r->setRangeDrag(Qt::Horizontal | Qt::Vertical);
        r->setRangeZoom(Qt::Horizontal | Qt::Vertical);
        r->setRangeDragAxes(bottom(r), left(r));
        r->setRangeZoomAxes(bottom(r), left(r));
        left(r)->setLabel(tr(labels[i]));
        left(r)->setPadding(4);
        if (i < 2) {
            bottom(r)->setTickLabels(false);
            bottom(r)->setPadding(0);
        }
        // Upper rects need no bottom margin, lower ones no top margin.
        r->setAutoMargins(i == 0 ? QCP::msLeft | QCP::msRight | QCP::msTop | QCP::msBottom
                                 : QCP::msLeft | QCP::msRight | QCP::msBottom);
        if (i > 0)
            r->setMargins(QMargins(0, 4, 0, 0));
    }
    left(rects_[2])->setNumberFormat(QStringLiteral("eb"));
    left(rects_[2])->setNumberPrecision(1);
    left(rects_[2])->ticker()->setTickCount(3);

    // Link the x axes both ways; setRange returns early when nothing changes.
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            if (i != j)
                connect(bottom(rects_[i]), qOverload<const QCPRange&>(&QCPAxis::rangeChanged), bottom(rects_[j]),
                        qOverload<const QCPRange&>(&QCPAxis::setRange));

    legends_[0] = plot_->legend;
    legends_[0]->setVisible(true);
    rects_[0]->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    legends_[1] = new QCPLegend;
    rects_[1]->insetLayout()->addElement(legends_[1], Qt::AlignBottom | Qt::AlignRight);
    legends_[1]->setLayer(QStringLiteral("legend"));

    auto addGraph = [this](int rect, const QString& name, const QColor& colour, double width, bool dots,
                           int legend) {
        QCPGraph* g = plot_->addGraph(bottom(rects_[rect]), left(rects_[rect]));
        g->setName(name);
        g->setPen(seriesPen(colour, width));
        if (dots)
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 5));
        if (legend >= 0)
            g->addToLegend(legends_[legend]);
        return g;
    };
    QColor faint = seriesColour(0);
    faint.setAlpha(70);
    rawGraph_ = addGraph(0, tr("batch loss"), faint, 1, false, 0);
    smoothGraph_ = addGraph(0, tr("batch loss (smoothed)"), seriesColour(0), 2, false, 0);
    trainLossGraph_ = addGraph(0, tr("train loss"), seriesColour(2), 1.8, true, 0);
    valLossGraph_ = addGraph(0, tr("validation loss"), seriesColour(1), 1.8, true, 0);
    trainAccGraph_ = addGraph(1, tr("train accuracy"), seriesColour(2), 1.8, true, 1);
    valAccGraph_ = addGraph(1, tr("validation accuracy"), seriesColour(1), 1.8, true, 1);
    lrGraph_ = addGraph(2, tr("learning rate"), seriesColour(3), 1.6, false, -1);
    lrGraph_->setLineStyle(QCPGraph::lsStepLeft);

    for (int i = 0; i < 3; ++i) {
        auto* line = new QCPItemStraightLine(plot_);
        auto* label = new QCPItemText(plot_);
        for (QCPItemPosition* p : {line->point1, line->point2, label->position}) {
            p->setAxes(bottom(rects_[i]), left(rects_[i]));
            p->setAxisRect(rects_[i]);
            p->setTypeX(QCPItemPosition::ptPlotCoords);
            p->setTypeY(QCPItemPosition::ptAxisRectRatio);
        }
        line->setClipAxisRect(rects_[i]);
        label->setClipAxisRect(rects_[i]);
        label->setPadding(QMargins(4, 2, 4, 2));
        QFont f = label->font();
        f.setPointSizeF(std::max(7.0, f.pointSizeF() - 1));
        label->setFont(f);
        line->setVisible(false);
        label->setVisible(false);
        bestLines_[i] = line;
        bestLabels_[i] = label;
    }
    // Keep the best-epoch labels inside the plot: left of the line when it is
    // in the right half of the visible range.
    connect(plot_, &QCustomPlot::beforeReplot, this, [this] {
        for (int i = 0; i < 3; ++i) {
            if (!bestLabels_[i]->visible())
                continue;
            const QCPRange r = bottom(rects_[i])->range();
            const bool rightHalf = bestLabels_[i]->position->key() > r.center();
            bestLabels_[i]->setPositionAlignment((i == 1 ? Qt::AlignBottom : Qt::AlignTop) |
                                                 (rightHalf ? Qt::AlignRight : Qt::AlignLeft));
        }
    });

    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { fit(); });
    connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { follow_ = false; });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        if (e->buttons() & Qt::LeftButton)
            follow_ = false;
    });
    plot_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(plot_, &QWidget::customContextMenuRequested, this, &CurvePlot::showContextMenu);
}

void CurvePlot::applyTheme()
{
    applyPlotPalette(plot_, palette());
    QColor line = palette().color(QPalette::WindowText);
    line.setAlpha(170);
    QColor labelFill = palette().color(QPalette::Base);
    labelFill.setAlpha(200);
    for (int i = 0; i < 3; ++i) {
        bestLines_[i]->setPen(QPen(line, 1.2, Qt::DashLine));
        bestLabels_[i]->setColor(palette().color(QPalette::WindowText));
        bestLabels_[i]->setBrush(labelFill);
    }
    markDirty();
}

void CurvePlot::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (dirty_)
        markDirty();
}

void CurvePlot::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyTheme();
    QWidget::changeEvent(event);
}

double CurvePlot::pickX(long long step, double epochValue, double wall) const
{
    switch (xAxis_) {
    case XAxis::Step:
        return static_cast<double>(step);
    case XAxis::WallTime:
        return wall;
    case XAxis::Epoch:
        break;
    }
    return epochValue;
}

double CurvePlot::smoothNext(double loss)
{
    if (!std::isfinite(loss))
        return loss; // a NaN/inf batch is shown as is and leaves the average alone
    ema_ = smoothing_ * ema_ + (1.0 - smoothing_) * loss;
    ++emaCount_;
    const double debias = 1.0 - std::pow(smoothing_, static_cast<double>(emaCount_));
    return debias > 0 ? ema_ / debias : loss;
}

void CurvePlot::addBatch(long long step, double epochPos, double wallSeconds, double loss)
{
    Batch b{step, epochPos, wallSeconds, loss, 0};
    b.smoothed = smoothNext(loss);
    batches_.push_back(b);
    const double x = batchX(b);
    rawGraph_->addData(x, loss);
    smoothGraph_->addData(x, b.smoothed);
    markDirty();
}

void CurvePlot::addEpoch(int epoch, long long step, double wallSeconds, double trainLoss, double valLoss,
                         double trainAcc, double valAcc, double lr)
{
    Epoch e{epoch, step, wallSeconds, trainLoss, valLoss, trainAcc, valAcc, lr};
    epochs_.push_back(e);
    const double x = epochX(e);
    trainLossGraph_->addData(x, trainLoss);
    valLossGraph_->addData(x, valLoss);
    trainAccGraph_->addData(x, trainAcc);
    valAccGraph_->addData(x, valAcc);
    lrGraph_->addData(x, lr);
    if (epoch == bestEpoch_)
        updateBestMarker();
    markDirty();
}

void CurvePlot::setBestEpoch(int epoch)
{
    bestEpoch_ = epoch;
    updateBestMarker();
    markDirty();
}

void CurvePlot::updateBestMarker()
{
    double x = kNaN;
    if (bestEpoch_ > 0) {
        if (xAxis_ == XAxis::Epoch)
            x = bestEpoch_;
        for (const Epoch& e : epochs_)
            if (e.epoch == bestEpoch_)
                x = epochX(e);
    }
    const bool on = std::isfinite(x);
    for (int i = 0; i < 3; ++i) {
        bestLines_[i]->point1->setCoords(on ? x : 0, 0);
        bestLines_[i]->point2->setCoords(on ? x : 0, 1);
        // Accuracy rises to the top of its rect: label it at the bottom there.
        bestLabels_[i]->position->setCoords(on ? x : 0, i == 1 ? 1 : 0);
        bestLabels_[i]->setText(i == 0 ? tr("best epoch %1").arg(bestEpoch_) : tr("best"));
        bestLines_[i]->setVisible(on);
        bestLabels_[i]->setVisible(on);
    }
}

void CurvePlot::setSmoothing(double weight)
{
    weight = std::clamp(std::isfinite(weight) ? weight : 0.0, 0.0, 0.999);
    smoothing_ = weight;
    ema_ = 0;
    emaCount_ = 0;
    QVector<double> xs, ys;
    xs.reserve(static_cast<int>(batches_.size()));
    ys.reserve(static_cast<int>(batches_.size()));
    for (Batch& b : batches_) {
        b.smoothed = smoothNext(b.loss);
        xs.push_back(batchX(b));
        ys.push_back(b.smoothed);
    }
    smoothGraph_->setData(xs, ys, true);
    syncControls();
    markDirty();
}

void CurvePlot::setXAxis(XAxis axis)
{
    const bool changed = axis != xAxis_;
    xAxis_ = axis;
    applyXAxisTicker();
    replotAll();
    syncControls();
    follow_ = true;
    if (changed)
        emit xAxisChanged(axis);
}

void CurvePlot::applyXAxisTicker()
{
    QSharedPointer<QCPAxisTicker> ticker;
    QString label;
    switch (xAxis_) {
    case XAxis::Epoch:
    case XAxis::Step: {
        // Whole epochs and steps: ticks at multiples of 1.
        auto* t = new QCPAxisTickerFixed;
        t->setTickStep(1);
        t->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        ticker.reset(t);
        label = xAxis_ == XAxis::Epoch ? tr("epoch") : tr("step (batches)");
        break;
    }
    case XAxis::WallTime: {
        auto* t = new QCPAxisTickerTime;
        t->setTimeFormat(QStringLiteral("%h:%m:%s"));
        ticker.reset(t);
        label = tr("wall time (h:mm:ss)");
        break;
    }
    }
    for (int i = 0; i < 3; ++i) {
        bottom(rects_[i])->setTicker(ticker);
        bottom(rects_[i])->setNumberFormat(QStringLiteral("gb"));
    }
    bottom(rects_[2])->setLabel(label);
}

void CurvePlot::setLogScale(bool on)
{
    logScale_ = on;
    QCPAxis* y = left(rects_[0]);
    if (on) {
        y->setScaleType(QCPAxis::stLogarithmic);
        y->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog));
    } else {
        y->setScaleType(QCPAxis::stLinear);
        y->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    syncControls();
    follow_ = true;
    markDirty();
}

void CurvePlot::replotAll()
{
    const int nb = static_cast<int>(batches_.size()), ne = static_cast<int>(epochs_.size());
    QVector<double> bx(nb), raw(nb), smooth(nb);
    for (int i = 0; i < nb; ++i) {
        bx[i] = batchX(batches_[i]);
        raw[i] = batches_[i].loss;
        smooth[i] = batches_[i].smoothed;
    }
    rawGraph_->setData(bx, raw, true);
    smoothGraph_->setData(bx, smooth, true);
    QVector<double> ex(ne), tl(ne), vl(ne), ta(ne), va(ne), lr(ne);
    for (int i = 0; i < ne; ++i) {
        const Epoch& e = epochs_[i];
        ex[i] = epochX(e);
        tl[i] = e.trainLoss;
        vl[i] = e.valLoss;
        ta[i] = e.trainAcc;
        va[i] = e.valAcc;
        lr[i] = e.lr;
    }
    trainLossGraph_->setData(ex, tl);
    valLossGraph_->setData(ex, vl);
    trainAccGraph_->setData(ex, ta);
    valAccGraph_->setData(ex, va);
    lrGraph_->setData(ex, lr);
    updateComparisonVisibility();
    updateBestMarker();
    markDirty();
}

void CurvePlot::addComparisonRun(const QString& name, const std::vector<double>& epochs,
                                 const std::vector<double>& trainLoss, const std::vector<double>& valLoss,
                                 const std::vector<double>& valAcc)
{
    Comparison c{name, epochs, trainLoss, valLoss, valAcc, seriesColour(4 + static_cast<int>(comparisons_.size()))};
    auto series = [&](const std::vector<double>& ys) {
        QVector<double> k, v;
        for (size_t i = 0; i < epochs.size() && i < ys.size(); ++i) {
            k.push_back(epochs[i]);
            v.push_back(ys[i]);
        }
        return std::make_pair(k, v);
    };
    auto make = [&](int rect, const std::vector<double>& ys, const QString& label, Qt::PenStyle style) -> QCPGraph* {
        if (ys.empty())
            return nullptr;
        QCPGraph* g = plot_->addGraph(bottom(rects_[rect]), left(rects_[rect]));
        const auto [k, v] = series(ys);
        g->setData(k, v);
        g->setName(label);
        g->setPen(seriesPen(c.colour, 1.6, style));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, c.colour, 4));
        return g;
    };
    c.trainLossGraph = make(0, trainLoss, tr("%1 train loss").arg(name), Qt::DashLine);
    c.valLossGraph = make(0, valLoss, tr("%1 val loss").arg(name), Qt::SolidLine);
    c.valAccGraph = make(1, valAcc, tr("%1 val accuracy").arg(name), Qt::SolidLine);
    comparisons_.push_back(c);
    updateComparisonVisibility();
    follow_ = true;
    markDirty();
}

void CurvePlot::updateComparisonVisibility()
{
    const bool on = xAxis_ == XAxis::Epoch;
    for (const Comparison& c : comparisons_)
        for (auto [g, legend] : {std::make_pair(c.trainLossGraph, legends_[0]), std::make_pair(c.valLossGraph, legends_[0]),
                                 std::make_pair(c.valAccGraph, legends_[1])}) {
            if (!g)
                continue;
            g->setVisible(on);
            if (on)
                g->addToLegend(legend);
            else
                g->removeFromLegend(legend);
        }
}

void CurvePlot::clearComparisons()
{
    for (const Comparison& c : comparisons_)
        for (QCPGraph* g : {c.trainLossGraph, c.valLossGraph, c.valAccGraph})
            if (g) {
                // removeGraph takes the graph out of the plot's own legend only; an item left in the
                // second legend would point at a deleted graph (a crash at the next replot).
                for (QCPLegend* legend : legends_)
                    if (legend)
                        g->removeFromLegend(legend);
                plot_->removeGraph(g);
            }
    comparisons_.clear();
    markDirty();
}

void CurvePlot::clear()
{
    batches_.clear();
    epochs_.clear();
    ema_ = 0;
    emaCount_ = 0;
    bestEpoch_ = 0;
    clearComparisons();
    follow_ = true;
    replotAll();
}

void CurvePlot::markDirty()
{
    dirty_ = true;
    if (!timer_.isActive())
        timer_.start();
}

void CurvePlot::onTimer()
{
    // Hidden (another tab): stay dirty and catch up when shown.
    if (!dirty_ || !isVisible())
        return;
    dirty_ = false;
    if (follow_)
        fitRanges(); // keep following new data until the user zooms or pans
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::fit()
{
    follow_ = true;
    fitRanges();
    dirty_ = false;
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void CurvePlot::fitRanges()
{
    // x: the union over all visible series (the axes are linked).
    bool anyX = false;
    QCPRange xr;
    for (int i = 0; i < plot_->graphCount(); ++i) {
        QCPGraph* g = plot_->graph(i);
        if (!g->visible() || g->dataCount() == 0)
            continue;
        bool found = false;
        const QCPRange r = g->getKeyRange(found);
        if (!found)
            continue;
        xr = anyX ? QCPRange(std::min(xr.lower, r.lower), std::max(xr.upper, r.upper)) : r;
        anyX = true;
    }
    if (anyX) {
        if (xr.size() <= 0)
            xr = QCPRange(xr.lower - 0.5, xr.upper + 0.5);
        if (xAxis_ == XAxis::Epoch)
            xr.lower = std::min(xr.lower, 0.0);
        xr = QCPRange(xr.lower - xr.size() * 0.01, xr.upper + xr.size() * 0.02);
        bottom(rects_[0])->setRange(xr);
    }
    // y: each rect over what lies in the x range.
    for (int i = 0; i < 3; ++i) {
        QCPAxis* y = left(rects_[i]);
        const bool logarithmic = y->scaleType() == QCPAxis::stLogarithmic;
        bool any = false;
        QCPRange yr;
        for (QCPGraph* g : rects_[i]->graphs()) {
            if (!g->visible() || g->dataCount() == 0)
                continue;
            bool found = false;
            const QCPRange r = g->getValueRange(found, logarithmic ? QCP::sdPositive : QCP::sdBoth,
                                                anyX ? bottom(rects_[i])->range() : QCPRange());
            if (!found)
                continue;
            yr = any ? QCPRange(std::min(yr.lower, r.lower), std::max(yr.upper, r.upper)) : r;
            any = true;
        }
        if (!any)
            yr = logarithmic ? QCPRange(0.01, 10) : (i == 1 ? QCPRange(0, 1) : QCPRange(0, 1));
        else
            padRange(yr, logarithmic);
        if (i == 1 && any) // accuracy: a fraction
            yr = QCPRange(std::max(yr.lower, -0.02), std::min(yr.upper, 1.02));
        y->setRange(yr);
    }
}

void CurvePlot::flush()
{
    timer_.stop();
    if (follow_)
        fitRanges();
    dirty_ = false;
    plot_->replot(QCustomPlot::rpImmediateRefresh);
}

double CurvePlot::smoothedLast() const
{
    return batches_.empty() ? kNaN : batches_.back().smoothed;
}

std::vector<double> CurvePlot::smoothedLosses() const
{
    std::vector<double> v;
    v.reserve(batches_.size());
    for (const Batch& b : batches_)
        v.push_back(b.smoothed);
    return v;
}

std::vector<double> CurvePlot::rawLosses() const
{
    std::vector<double> v;
    v.reserve(batches_.size());
    for (const Batch& b : batches_)
        v.push_back(b.loss);
    return v;
}

void CurvePlot::syncControls()
{
    const QSignalBlocker b1(smoothingSlider_), b2(xAxisCombo_), b3(logCheck_);
    smoothingSlider_->setValue(static_cast<int>(std::lround(std::min(smoothing_, 0.99) * 100)));
    smoothingValue_->setText(QString::number(smoothing_, 'f', smoothing_ > 0.99 ? 3 : 2));
    xAxisCombo_->setCurrentIndex(xAxisCombo_->findData(static_cast<int>(xAxis_)));
    logCheck_->setChecked(logScale_);
}

void CurvePlot::setControlsVisible(bool visible)
{
    controls_->setVisible(visible);
}

bool CurvePlot::exportPng(const QString& fileName, int width, int height)
{
    flush();
    return savePlotPng(plot_, fileName, width, height, QSize(900, 700));
}

bool CurvePlot::exportPdf(const QString& fileName)
{
    flush();
    const int width = plot_->width() >= 200 ? plot_->width() : 900;
    const int height = plot_->height() >= 150 ? plot_->height() : 700;
    return plot_->savePdf(fileName, width, height);
}

bool CurvePlot::exportCsv(const QString& fileName) const
{
    QSaveFile file(fileName);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text))
        return false;
    QTextStream out(&file);
    out << "step,epoch_pos,wall_seconds,loss,smoothed_loss\n";
    for (const Batch& b : batches_)
        out << b.step << ',' << csvNumber(b.epochPos) << ',' << csvNumber(b.wall) << ',' << csvNumber(b.loss) << ','
            << csvNumber(b.smoothed) << '\n';
    out << "\nepoch,step,wall_seconds,train_loss,val_loss,train_acc,val_acc,lr\n";
    for (const Epoch& e : epochs_)
        out << e.epoch << ',' << e.step << ',' << csvNumber(e.wall) << ',' << csvNumber(e.trainLoss) << ','
            << csvNumber(e.valLoss) << ',' << csvNumber(e.trainAcc) << ',' << csvNumber(e.valAcc) << ','
            << csvNumber(e.lr) << '\n';
    out.flush();
    return out.status() == QTextStream::Ok && file.commit();
}

void CurvePlot::exportWithDialog(const QString& format)
{
    const QString filter = format == QLatin1String("png")   ? tr("PNG image (*.png)")
                           : format == QLatin1String("pdf") ? tr("PDF document (*.pdf)")
                                                            : tr("CSV table (*.csv)");
    exportWithFileDialog(this, tr("Export training curves"), QStringLiteral("training_curves.") + format, filter,
                         [this, format](const QString& fileName) {
                             return format == QLatin1String("png")   ? exportPng(fileName)
                                    : format == QLatin1String("pdf") ? exportPdf(fileName)
                                                                     : exportCsv(fileName);
                         });
}

void CurvePlot::showContextMenu(const QPoint& pos)
{
    QMenu menu(this);
    menu.addAction(tr("Fit"), this, &CurvePlot::fit);
    QMenu* axisMenu = menu.addMenu(tr("X axis"));
    auto* group = new QActionGroup(axisMenu);
    const std::pair<XAxis, QString> choices[] = {
        {XAxis::Epoch, tr("Epoch")}, {XAxis::Step, tr("Step")}, {XAxis::WallTime, tr("Wall time")}};
    for (const auto& [axis, text] : choices) {
        QAction* a = axisMenu->addAction(text, this, [this, axis = axis] { setXAxis(axis); });
        a->setCheckable(true);
        a->setChecked(axis == xAxis_);
        group->addAction(a);
    }
    QAction* logAction = menu.addAction(tr("Log-scale loss"));
    logAction->setCheckable(true);
    logAction->setChecked(logScale_);
    connect(logAction, &QAction::toggled, this, &CurvePlot::setLogScale);
    menu.addSeparator();
    menu.addAction(tr("Export PNG…"), this, [this] { exportWithDialog(QStringLiteral("png")); });
    menu.addAction(tr("Export PDF…"), this, [this] { exportWithDialog(QStringLiteral("pdf")); });
    menu.addAction(tr("Export CSV…"), this, [this] { exportWithDialog(QStringLiteral("csv")); });
    menu.exec(plot_->mapToGlobal(pos));
}

} // namespace sinar::ui
