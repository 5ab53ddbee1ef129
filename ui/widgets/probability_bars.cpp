#include "ui/widgets/probability_bars.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

namespace sinar::ui {

namespace {
constexpr int kRowHeight = 26;
}

ProbabilityBars::ProbabilityBars(QWidget* parent) : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
}

void ProbabilityBars::setProbabilities(const QStringList& classNames, const std::vector<float>& probabilities)
{
    names_ = classNames;
    values_ = probabilities;
    stale_ = false;
    updateGeometry();
    update();
}

void ProbabilityBars::clear()
{
    names_.clear();
    values_.clear();
    updateGeometry();
    update();
}

void ProbabilityBars::setStale(bool stale)
{
    stale_ = stale;
    update();
}

QSize ProbabilityBars::sizeHint() const
{
    return {260, std::max<int>(1, static_cast<int>(names_.size())) * kRowHeight + 4};
}

QSize ProbabilityBars::minimumSizeHint() const
{
    return {160, sizeHint().height()};
}

void ProbabilityBars::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette& pal = palette();
    if (values_.empty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, tr("No result"));
        return;
    }
    const int best = static_cast<int>(std::max_element(values_.begin(), values_.end()) - values_.begin());
    const QFontMetrics fm(font());
    int labelWidth = 0;
    for (const QString& n : names_)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(n));
    labelWidth = std::min(labelWidth + 10, width() / 2);
    const int valueWidth = fm.horizontalAdvance(QStringLiteral("100.0 %")) + 8;
    const int barWidth = std::max(10, width() - labelWidth - valueWidth - 4);

    const QColor accent = stale_ ? pal.color(QPalette::Mid) : QColor(0x3b, 0x8e, 0xa0);
    const QColor bestColor = stale_ ? pal.color(QPalette::Mid) : QColor(0xf0, 0xa2, 0x3a);
    const QColor track = pal.color(QPalette::Base).lightness() < 128 ? QColor(255, 255, 255, 24) : QColor(0, 0, 0, 20);

    for (size_t i = 0; i < values_.size() && i < static_cast<size_t>(names_.size()); ++i) {
        const int y = 2 + static_cast<int>(i) * kRowHeight;
        const QRect label(0, y, labelWidth - 6, kRowHeight - 6);
        QFont f = font();
        f.setBold(static_cast<int>(i) == best);
        p.setFont(f);
        p.setPen(pal.color(QPalette::WindowText));
        p.drawText(label, Qt::AlignVCenter | Qt::AlignRight, fm.elidedText(names_[static_cast<int>(i)], Qt::ElideRight, label.width()));

        const QRectF barRect(labelWidth, y + 3, barWidth, kRowHeight - 12);
        QPainterPath trackPath;
        trackPath.addRoundedRect(barRect, 3, 3);
        p.fillPath(trackPath, track);
        const double v = std::clamp(static_cast<double>(values_[i]), 0.0, 1.0);
        if (v > 0) {
            QPainterPath bar;
            bar.addRoundedRect(QRectF(barRect.left(), barRect.top(), std::max(2.0, barRect.width() * v), barRect.height()), 3, 3);
            p.fillPath(bar, static_cast<int>(i) == best ? bestColor : accent);
        }
        p.drawText(QRect(labelWidth + barWidth + 4, y, valueWidth, kRowHeight - 6), Qt::AlignVCenter | Qt::AlignRight,
                   QStringLiteral("%1 %").arg(v * 100.0, 0, 'f', 1));
    }
}

} // namespace sinar::ui
