#include "ui/viewer/orientation_markers.h"

#include "ui/viewer/overlay_text.h"

#include <QFontMetrics>
#include <QPainter>
#include <algorithm>
#include <cmath>

namespace sinar::ui {

QString orientationLetters(const PatientDirection& d)
{
    const double length = std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    if (length < 1e-9)
        return {};
    static const char kPositive[] = {'L', 'P', 'S'}, kNegative[] = {'R', 'A', 'I'};
    std::array<int, 3> axes{0, 1, 2};
    std::stable_sort(axes.begin(), axes.end(), [&](int a, int b) { return std::abs(d[a]) > std::abs(d[b]); });
    QString out;
    for (int a : axes) {
        const double c = d[static_cast<size_t>(a)] / length;
        if (out.isEmpty() || std::abs(c) >= 0.25)
            out += QLatin1Char(c >= 0 ? kPositive[a] : kNegative[a]);
    }
    return out;
}

OrientationMarkers orientationMarkers(const QTransform& imageToWidget, const PatientDirection& imageRight,
                                      const PatientDirection& imageDown)
{
    // The image-space directions of the widget's right and down (the linear
    // part of the inverse transform), then their patient directions.
    const QTransform inv = imageToWidget.inverted();
    auto patientOf = [&](const QPointF& widgetStep) {
        const QPointF v = inv.map(widgetStep) - inv.map(QPointF(0, 0));
        PatientDirection d{};
        for (size_t k = 0; k < 3; ++k)
            d[k] = v.x() * imageRight[k] + v.y() * imageDown[k];
        return d;
    };
    const PatientDirection right = patientOf(QPointF(1, 0)), down = patientOf(QPointF(0, 1));
    const PatientDirection left{-right[0], -right[1], -right[2]}, up{-down[0], -down[1], -down[2]};
    return {orientationLetters(left), orientationLetters(right), orientationLetters(up), orientationLetters(down)};
}

void drawOrientationMarkers(QPainter& p, const QRect& area, const OrientationMarkers& m)
{
    QFont f = p.font();
    f.setBold(true);
    p.setFont(f);
    const QFontMetrics fm(f);
    const int h = fm.height();
    auto draw = [&](const QString& text, const QRect& r, Qt::Alignment align) {
        drawShadowedText(p, r, static_cast<int>(align), text, QColor(150, 210, 255)); // pale blue: not corner text
    };
    const int midY = area.center().y() - h / 2;
    draw(m.left, QRect(area.left(), midY, area.width() / 2, h), Qt::AlignLeft | Qt::AlignVCenter);
    draw(m.right, QRect(area.center().x(), midY, area.width() / 2, h), Qt::AlignRight | Qt::AlignVCenter);
    draw(m.top, QRect(area.left(), area.top(), area.width(), h), Qt::AlignHCenter | Qt::AlignTop);
    draw(m.bottom, QRect(area.left(), area.bottom() - h, area.width(), h), Qt::AlignHCenter | Qt::AlignBottom);
}

} // namespace sinar::ui
