#pragma once
// Text drawn over an image: a dark shadow one pixel down and right, then the
// text, so it reads on bright and dark pixels alike.
#include <QColor>
#include <QPainter>
#include <QRect>
#include <QString>

namespace sinar::ui {

// The annotation colour of the views (pale yellow).
inline QColor annotationColour() { return QColor(236, 226, 160); }

inline void drawShadowedText(QPainter& p, const QRect& r, int align, const QString& text,
                             const QColor& colour = annotationColour())
{
    if (text.isEmpty())
        return;
    p.setPen(QColor(0, 0, 0, 200));
    p.drawText(r.translated(1, 1), align, text);
    p.setPen(colour);
    p.drawText(r, align, text);
}

} // namespace sinar::ui
