#include "ui/classify/series_strip.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

#include "common/error.h"

namespace sinar::ui {

namespace {
constexpr int kTextHeight = 18, kCellsHeight = 16, kMargin = 4;
}

SeriesStrip::SeriesStrip(QWidget* parent)
    : QWidget(parent), job_(this, [this](const BatchRow& row) { onRow(row); }, [this] { update(); })
{
    setObjectName(QStringLiteral("seriesStrip"));
    setMouseTracking(true);
    setVisible(false);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

SeriesStrip::~SeriesStrip() = default; // job_ stops without waiting

QSize SeriesStrip::sizeHint() const
{
    return {400, kTextHeight + kCellsHeight + 3 * kMargin};
}

QSize SeriesStrip::minimumSizeHint() const
{
    return {100, sizeHint().height()};
}

bool SeriesStrip::running() const
{
    return job_.running();
}

void SeriesStrip::clear()
{
    job_.stop(); // a slice stuck in a codec is left behind
    stack_.reset();
    model_.reset();
    rows_.clear();
    slices_.clear();
    result_ = {};
    current_ = -1;
    setVisible(false);
    emit resultChanged();
}

void SeriesStrip::start(std::shared_ptr<const ImageStack> stack, std::shared_ptr<const ModelHandle> model)
{
    if (stack == stack_ && model == model_)
        return;
    clear();
    if (!stack || !model || stack->size() < 2)
        return;
    stack_ = std::move(stack);
    model_ = std::move(model);
    classNames_ = model_->classNames();
    setVisible(true);
    std::vector<StackItem> items;
    for (size_t i = 0; i < stack_->size(); ++i)
        items.push_back(stack_->item(i));
    const std::shared_ptr<const ModelHandle> m = model_;
    // One slice at a time, each under the model's own lock: the shown image's
    // classification gets its turn between two slices.
    job_.start(items.size(), [items, m](size_t i) { return BatchPanel::classifyItem(items[i], *m); });
    update();
}

void SeriesStrip::onRow(const BatchRow& row)
{
    rows_.push_back(row);
    slices_.push_back({row.error.isEmpty() ? row.probabilities : std::vector<float>{}, row.error.isEmpty() && !row.notAResult()});
    try {
        result_ = eval::aggregateSeries(slices_);
    } catch (const Error&) {
        result_ = {}; // slices with different class counts cannot come from one model
    }
    update();
    emit resultChanged();
}

void SeriesStrip::setCurrent(int index)
{
    current_ = index;
    update();
}

QString SeriesStrip::summaryText() const
{
    if (!stack_)
        return {};
    const int total = static_cast<int>(stack_->size());
    QString progress;
    if (static_cast<int>(rows_.size()) < total)
        progress = tr(" (classifying: %1 of %2 images)").arg(rows_.size()).arg(total);
    if (result_.best < 0)
        return rows_.empty() ? tr("Series: classifying %1 images…").arg(total)
                             : tr("Series: no result — %1%2").arg(QString::fromStdString(result_.rule()), progress);
    QStringList drivers;
    for (int d : result_.drivers)
        drivers << QString::number(d + 1);
    // Short enough for the line; the tooltip over it gives the rule in full.
    return tr("Series: %1 %2 % — mean over the %3 of %4 slices the model can judge; driven by images %5%6")
        .arg(classNames_.value(result_.best))
        .arg(result_.meanProbabilities[static_cast<size_t>(result_.best)] * 100.0, 0, 'f', 1)
        .arg(result_.judged)
        .arg(result_.slices)
        .arg(drivers.join(QStringLiteral(", ")), progress);
}

QRect SeriesStrip::cellsArea() const
{
    return QRect(kMargin, kMargin + kTextHeight + kMargin, width() - 2 * kMargin, kCellsHeight);
}

QRect SeriesStrip::cellRect(int index) const
{
    if (!stack_ || index < 0 || index >= static_cast<int>(stack_->size()))
        return {};
    const QRect a = cellsArea();
    const int n = static_cast<int>(stack_->size());
    const int x0 = a.left() + static_cast<int>(static_cast<long long>(a.width()) * index / n);
    const int x1 = a.left() + static_cast<int>(static_cast<long long>(a.width()) * (index + 1) / n);
    return QRect(x0, a.top(), std::max(1, x1 - x0), a.height());
}

int SeriesStrip::cellAt(const QPoint& p) const
{
    const QRect a = cellsArea();
    if (!stack_ || !a.contains(p) || a.width() <= 0)
        return -1;
    const int n = static_cast<int>(stack_->size());
    return std::clamp(static_cast<int>(static_cast<long long>(p.x() - a.left()) * n / a.width()), 0, n - 1);
}

QColor SeriesStrip::classColour(int index)
{
    // Distinct on the dark background and for the common colour-vision deficiencies (Okabe-Ito).
    static const QColor kColours[] = {QColor(230, 159, 0),  QColor(86, 180, 233), QColor(0, 158, 115),
                                      QColor(240, 228, 66), QColor(0, 114, 178),  QColor(213, 94, 0),
                                      QColor(204, 121, 167)};
    return kColours[static_cast<size_t>(index) % (sizeof kColours / sizeof kColours[0])];
}

void SeriesStrip::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), QColor(24, 26, 30));
    p.setPen(QColor(220, 222, 226));
    const QRect textRect(kMargin, kMargin, width() - 2 * kMargin, kTextHeight);
    p.drawText(textRect, Qt::AlignLeft | Qt::AlignVCenter,
               p.fontMetrics().elidedText(summaryText(), Qt::ElideRight, textRect.width()));
    if (!stack_)
        return;
    p.fillRect(cellsArea(), QColor(45, 48, 54)); // not classified yet
    for (size_t i = 0; i < rows_.size() && i < stack_->size(); ++i) {
        const QRect c = cellRect(static_cast<int>(i)).adjusted(0, 0, -1, 0);
        const BatchRow& r = rows_[i];
        if (!r.error.isEmpty() || r.best < 0) {
            p.fillRect(c, QColor(70, 30, 30));
            p.setPen(QColor(220, 120, 120));
            p.drawLine(c.topLeft(), c.bottomRight());
            p.drawLine(c.bottomLeft(), c.topRight());
            continue;
        }
        QColor colour = classColour(r.best);
        if (r.notAResult()) {
            colour.setAlpha(70);
            p.fillRect(c, colour);
            p.fillRect(c, QBrush(QColor(200, 200, 200, 90), Qt::BDiagPattern));
        } else {
            p.fillRect(c, colour);
        }
    }
    // The slices that drive the result: a dot above the cell.
    p.setRenderHint(QPainter::Antialiasing);
    p.setPen(Qt::NoPen);
    p.setBrush(Qt::white);
    for (int d : result_.drivers) {
        const QRect c = cellRect(d);
        p.drawEllipse(QPointF(c.center().x() + 0.5, c.top() - 2.5), 2.0, 2.0);
    }
    if (current_ >= 0) {
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(Qt::white, 2));
        p.drawRect(cellRect(current_).adjusted(0, -1, -1, 1));
    }
}

void SeriesStrip::mousePressEvent(QMouseEvent* e)
{
    const int index = cellAt(e->position().toPoint());
    if (index >= 0 && e->button() == Qt::LeftButton)
        emit sliceRequested(index);
}

bool SeriesStrip::event(QEvent* e)
{
    if (e->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(e);
        const int index = cellAt(help->pos());
        if (index < 0) {
            QStringList legend;
            for (int c = 0; c < classNames_.size(); ++c)
                legend << QStringLiteral("<span style='color:%1'>&#9632;</span> %2").arg(classColour(c).name(), classNames_[c].toHtmlEscaped());
            QToolTip::showText(help->globalPos(),
                               QStringLiteral("%1<br>%2.<br>%3<br>%4")
                                   .arg(summaryText().toHtmlEscaped(),
                                        QString::fromStdString(result_.rule()).toHtmlEscaped(),
                                        tr("Hatched: the model cannot judge the slice; crossed: it could not be read; "
                                           "dots: the slices that drive the result."),
                                        legend.join(QStringLiteral(" &nbsp; "))),
                               this);
            return true;
        }
        QString text = tr("Image %1 of %2").arg(index + 1).arg(stack_->size());
        if (index < static_cast<int>(rows_.size())) {
            const BatchRow& r = rows_[static_cast<size_t>(index)];
            if (!r.error.isEmpty())
                text += QStringLiteral(": ") + r.error;
            else if (r.best >= 0)
                text += tr(": %1 %2 %, %3")
                            .arg(classNames_.value(r.best))
                            .arg(r.probabilities[static_cast<size_t>(r.best)] * 100.0, 0, 'f', 1)
                            .arg(r.trustText());
        } else {
            text += tr(": not classified yet");
        }
        QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(e);
}

} // namespace sinar::ui
