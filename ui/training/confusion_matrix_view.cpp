#include "ui/training/confusion_matrix_view.h"

#include "ui/training/curve_plot.h"

#include <QCheckBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <qcustomplot.h>

namespace sinar::ui {

namespace {
bool darkBackground(const QPalette& p)
{
    return p.color(QPalette::Base).lightnessF() < 0.5;
}

QCPColorGradient matrixGradient(bool dark)
{
    QCPColorGradient g;
    g.clearColorStops();
    if (dark) {
        // Low cells a shade above the dark background, high ones bright teal.
        g.setColorStopAt(0.0, QColor(0x24, 0x2c, 0x34));
        g.setColorStopAt(0.45, QColor(0x23, 0x6e, 0x86));
        g.setColorStopAt(1.0, QColor(0x8f, 0xdc, 0xea));
    } else {
        g.setColorStopAt(0.0, QColor(0xf3, 0xf7, 0xfb));
        g.setColorStopAt(0.45, QColor(0x86, 0xbc, 0xdb));
        g.setColorStopAt(1.0, QColor(0x17, 0x55, 0x8c));
    }
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    return g;
}

QColor textOn(QRgb cell)
{
    const QColor c(cell);
    const double luminance = 0.2126 * c.redF() + 0.7152 * c.greenF() + 0.0722 * c.blueF();
    return luminance > 0.45 ? QColor(0x10, 0x14, 0x18) : QColor(0xf4, 0xf6, 0xf8);
}

long rowSum(const std::vector<long>& row)
{
    long s = 0;
    for (long v : row)
        s += v;
    return s;
}
} // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent)
{
    auto* controls = new QWidget(this);
    auto* row = new QHBoxLayout(controls);
    row->setContentsMargins(4, 2, 4, 2);
    normalisedCheck_ = new QCheckBox(tr("Row percentages"), controls);
    normalisedCheck_->setToolTip(tr("Colour each cell by its share of the true class instead of its count"));
    connect(normalisedCheck_, &QCheckBox::toggled, this, &ConfusionMatrixView::setNormalised);
    row->addWidget(normalisedCheck_);
    row->addStretch(1);
    auto* exportButton = new QToolButton(controls);
    exportButton->setText(tr("Export PNG…"));
    connect(exportButton, &QToolButton::clicked, this, &ConfusionMatrixView::exportWithDialog);
    row->addWidget(exportButton);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(260, 240);
    plot_->setAutoAddPlottableToLegend(false);
    title_ = new QCPTextElement(plot_, QString());
    QFont tf = title_->font();
    tf.setBold(true);
    title_->setFont(tf);
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(0, 0, title_);
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(1, 1, scale_);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    auto* group = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, group);
    scale_->setMarginGroup(QCP::msTop | QCP::msBottom, group);

    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    map_->setColorScale(scale_);
    map_->setInterpolate(false);
    map_->setTightBoundary(false);
    plot_->xAxis->setLabel(tr("Predicted"));
    plot_->yAxis->setLabel(tr("True"));
    plot_->yAxis->setRangeReversed(true);
    for (QCPAxis* a : {plot_->xAxis, plot_->yAxis}) {
        a->setSubTicks(false);
        a->setTickLength(0, 4);
    }
    plot_->xAxis->grid()->setVisible(false);
    plot_->yAxis->grid()->setVisible(false);

    // Tilt the predicted-class names when they do not fit side by side.
    connect(plot_, &QCustomPlot::beforeReplot, this, [this] {
        const int k = classCount();
        if (k == 0)
            return;
        const QFontMetrics fm(plot_->xAxis->tickLabelFont());
        int widest = 0;
        for (const std::string& n : names_)
            widest = std::max(widest, fm.horizontalAdvance(QString::fromStdString(n)));
        const double cell = static_cast<double>(plot_->axisRect()->width()) / k;
        const double rotation = widest > cell - 8 ? 30 : 0;
        if (rotation != plot_->xAxis->tickLabelRotation()) {
            plot_->xAxis->setTickLabelRotation(rotation);
            // The margin group keeps the largest margin it has seen, the
            // colour scale's own included: let it shrink with the labels.
            scale_->setMargins(QMargins());
        }
    });
    connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        pressed_ = e->button() == Qt::LeftButton;
        pressPos_ = e->pos();
    });
    connect(plot_, &QCustomPlot::mouseRelease, this, [this](QMouseEvent* e) {
        if (!pressed_ || e->button() != Qt::LeftButton)
            return;
        pressed_ = false;
        if ((e->pos() - pressPos_).manhattanLength() > 6 || names_.empty())
            return;
        if (!plot_->axisRect()->rect().contains(e->pos()))
            return;
        const int predicted = static_cast<int>(std::lround(plot_->xAxis->pixelToCoord(e->pos().x())));
        const int truth = static_cast<int>(std::lround(plot_->yAxis->pixelToCoord(e->pos().y())));
        const int k = classCount();
        if (truth >= 0 && truth < k && predicted >= 0 && predicted < k)
            emit cellClicked(truth, predicted);
    });

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(controls);
    layout->addWidget(plot_, 1);
    applyTheme();
}

void ConfusionMatrixView::setMatrix(const std::vector<std::vector<long>>& counts,
                                    const std::vector<std::string>& classNames, const QString& title)
{
    names_ = classNames;
    const size_t k = names_.size();
    counts_.assign(k, std::vector<long>(k, 0));
    for (size_t t = 0; t < k && t < counts.size(); ++t)
        for (size_t p = 0; p < k && p < counts[t].size(); ++p)
            counts_[t][p] = std::max(0L, counts[t][p]);
    title_->setText(title);
    refresh();
}

void ConfusionMatrixView::clear()
{
    setMatrix({}, {}, QString());
}

void ConfusionMatrixView::setNormalised(bool on)
{
    if (on == normalised_)
        return;
    normalised_ = on;
    {
        const QSignalBlocker block(normalisedCheck_);
        normalisedCheck_->setChecked(on);
    }
    refresh();
    emit normalisedChanged(on);
}

long ConfusionMatrixView::total() const
{
    long s = 0;
    for (const auto& row : counts_)
        s += rowSum(row);
    return s;
}

QString ConfusionMatrixView::cellText(int truth, int predicted) const
{
    const int k = classCount();
    if (truth < 0 || truth >= k || predicted < 0 || predicted >= k)
        return {};
    const long n = counts_[truth][predicted], support = rowSum(counts_[truth]);
    const QString percent = support ? QString::number(100.0 * n / support, 'f', 1) + QLatin1Char('%') : QStringLiteral("–");
    if (k > 10) // small cells: one line
        return normalised_ ? percent : QString::number(n);
    return normalised_ ? percent + QLatin1Char('\n') + QString::number(n) : QString::number(n) + QLatin1Char('\n') + percent;
}

QPoint ConfusionMatrixView::cellCentre(int truth, int predicted) const
{
    return QPoint(static_cast<int>(std::lround(plot_->xAxis->coordToPixel(predicted))),
                  static_cast<int>(std::lround(plot_->yAxis->coordToPixel(truth))));
}

void ConfusionMatrixView::refresh()
{
    plot_->clearItems();
    const int k = classCount();
    QSharedPointer<QCPAxisTickerText> xTicks(new QCPAxisTickerText), yTicks(new QCPAxisTickerText);
    for (int i = 0; i < k; ++i) {
        const QString name = QString::fromStdString(names_[i]);
        xTicks->addTick(i, name);
        yTicks->addTick(i, name);
    }
    plot_->xAxis->setTicker(xTicks);
    plot_->yAxis->setTicker(yTicks);
    plot_->xAxis->setRange(-0.5, std::max(k, 1) - 0.5);
    plot_->yAxis->setRange(-0.5, std::max(k, 1) - 0.5);

    map_->data()->setSize(std::max(k, 1), std::max(k, 1));
    map_->data()->setRange(QCPRange(0, std::max(k - 1, 0)), QCPRange(0, std::max(k - 1, 0)));
    map_->data()->fill(0);
    double maxZ = 0;
    std::vector<std::vector<double>> z(k, std::vector<double>(k, 0));
    for (int t = 0; t < k; ++t) {
        const long support = rowSum(counts_[t]);
        for (int p = 0; p < k; ++p) {
            z[t][p] = normalised_ ? (support ? 100.0 * counts_[t][p] / support : 0.0) : static_cast<double>(counts_[t][p]);
            map_->data()->setCell(p, t, z[t][p]);
            maxZ = std::max(maxZ, z[t][p]);
        }
    }
    map_->setVisible(k > 0);
    scale_->setVisible(k > 0);
    const QCPRange range(0, normalised_ ? 100.0 : std::max(1.0, maxZ));
    scale_->setDataRange(range);
    scale_->setLabel(normalised_ ? tr("% of true class") : tr("count"));
    QCPColorGradient gradient = matrixGradient(darkBackground(palette()));
    scale_->setGradient(gradient);

    // Thin lines in the background colour keep neighbouring cells of similar
    // colour apart.
    for (int i = 0; i + 1 < k; ++i)
        for (bool vertical : {true, false}) {
            auto* line = new QCPItemLine(plot_);
            line->start->setCoords(vertical ? i + 0.5 : -0.5, vertical ? -0.5 : i + 0.5);
            line->end->setCoords(vertical ? i + 0.5 : k - 0.5, vertical ? k - 0.5 : i + 0.5);
            line->setPen(QPen(palette().color(QPalette::Base), 2));
            line->setSelectable(false);
        }

    QFont font = plot_->font();
    font.setPointSizeF(k <= 3 ? 11 : k <= 6 ? 9.5 : k <= 10 ? 8 : 7);
    for (int t = 0; t < k; ++t)
        for (int p = 0; p < k; ++p) {
            auto* text = new QCPItemText(plot_);
            text->position->setType(QCPItemPosition::ptPlotCoords);
            text->position->setAxes(plot_->xAxis, plot_->yAxis);
            text->position->setCoords(p, t);
            text->setPositionAlignment(Qt::AlignCenter);
            text->setTextAlignment(Qt::AlignCenter);
            QFont f = font;
            f.setBold(t == p);
            text->setFont(f);
            text->setText(cellText(t, p));
            text->setColor(textOn(gradient.color(z[t][p], range)));
            text->setSelectable(false);
        }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ConfusionMatrixView::applyTheme()
{
    applyPlotPalette(plot_, palette());
    plot_->axisRect()->setBackground(palette().color(QPalette::Base));
    refresh();
}

void ConfusionMatrixView::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyTheme();
    QWidget::changeEvent(event);
}

void ConfusionMatrixView::flush()
{
    plot_->replot(QCustomPlot::rpImmediateRefresh);
}

bool ConfusionMatrixView::exportPng(const QString& fileName, int width, int height)
{
    return savePlotPng(plot_, fileName, width, height, QSize(640, 560));
}

void ConfusionMatrixView::exportWithDialog()
{
    exportWithFileDialog(this, tr("Export confusion matrix"), QStringLiteral("confusion_matrix.png"),
                         tr("PNG image (*.png)"), [this](const QString& fileName) { return exportPng(fileName); });
}

} // namespace sinar::ui
