#include "ui/annotate/measurement_layer.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace sinar::ui {

namespace {
using annotate::Point;
using annotate::Shape;
using annotate::ShapeKind;

constexpr double kHandleRadius = 7;  // widget pixels: a handle is hit this close
constexpr double kBodyDistance = 6;  // and a line this close
constexpr double kMinDrag = 3;       // a press and release closer than this draws nothing

const QColor kShapeColour(255, 208, 64);
const QColor kSelectedColour(64, 224, 255);

QPointF qt(const Point& p)
{
    return {p.x, p.y};
}

Point pt(const QPointF& p)
{
    return {p.x(), p.y()};
}

double distanceToSegment(const QPointF& p, const QPointF& a, const QPointF& b)
{
    const QPointF ab = b - a;
    const double len2 = QPointF::dotProduct(ab, ab);
    const double t = len2 > 0 ? std::clamp(QPointF::dotProduct(p - a, ab) / len2, 0.0, 1.0) : 0.0;
    const QPointF d = p - (a + t * ab);
    return std::hypot(d.x(), d.y());
}

QString number(double v, int decimals = 1)
{
    return QString::number(v, 'f', decimals);
}

QString capitalised(const std::string& s)
{
    QString q = QString::fromStdString(s);
    if (!q.isEmpty())
        q[0] = q[0].toUpper();
    return q;
}

// The lines of a shape in widget coordinates (closed outlines repeat their first point).
QPolygonF widgetLines(const Shape& s, const QTransform& t)
{
    QPolygonF poly;
    if (annotate::isRegion(s.kind) && s.complete()) {
        for (const Point& p : annotate::outlineOf(s))
            poly << t.map(qt(p));
        if (!poly.isEmpty())
            poly << poly.front();
        return poly;
    }
    for (const Point& p : s.points)
        poly << t.map(qt(p));
    return poly;
}
} // namespace

MeasurementLayer::MeasurementLayer(ImageView* view, QObject* parent) : QObject(parent), view_(view)
{
    view_->setLayer(this);
}

MeasurementLayer::~MeasurementLayer()
{
    if (view_ && view_->layer() == this)
        view_->setLayer(nullptr);
}

QString MeasurementLayer::keyOf(const annotate::ImageRef& ref)
{
    if (ref.sopInstanceUid.empty())
        return QString::fromStdString(ref.file);
    return QString::fromStdString(ref.sopInstanceUid) + '#' + QString::number(std::max(0, ref.frame));
}

void MeasurementLayer::showImage(const annotate::ImageRef& ref, const annotate::Calibration& calibration)
{
    cancelDrawing();
    const QString key = ref.file.empty() && ref.sopInstanceUid.empty() ? QString() : keyOf(ref);
    const bool sameImage = key == currentKey_;
    currentKey_ = key;
    if (!key.isEmpty()) {
        Entry& e = entries_[key];
        e.image = ref;
        e.calibration = calibration;
    }
    if (!sameImage) {
        selected_ = -1;
        emit selectionChanged(-1);
    }
    relabelAll();
    emit keyImageChanged(keyImage());
    emit shapesChanged();
    view_->update();
}

const MeasurementLayer::Entry* MeasurementLayer::current() const
{
    const auto it = entries_.find(currentKey_);
    return it == entries_.end() ? nullptr : &it->second;
}

MeasurementLayer::Entry* MeasurementLayer::currentEntry()
{
    const auto it = entries_.find(currentKey_);
    return it == entries_.end() ? nullptr : &it->second;
}

void MeasurementLayer::clearAll()
{
    cancelDrawing();
    entries_.clear();
    currentKey_.clear();
    select(-1);
    emit shapesChanged();
    emit keyImageChanged(false);
    view_->update();
}

void MeasurementLayer::setTool(std::optional<ShapeKind> tool)
{
    cancelDrawing();
    tool_ = tool;
    if (tool_)
        view_->setCursor(Qt::CrossCursor);
    else
        view_->unsetCursor();
    emit toolChanged();
}

void MeasurementLayer::cancelDrawing()
{
    if (!pending_)
        return;
    pending_.reset();
    angleSecondArm_ = false;
    view_->update();
}

int MeasurementLayer::addShape(const Shape& shape)
{
    Entry* e = currentEntry();
    if (!e || !shape.complete())
        return -1;
    e->shapes.push_back(shape);
    e->labels.emplace_back();
    const int index = static_cast<int>(e->shapes.size()) - 1;
    relabel(index);
    emit shapesChanged();
    select(index);
    view_->update();
    return index;
}

void MeasurementLayer::removeShape(int index)
{
    Entry* e = currentEntry();
    if (!e || index < 0 || index >= static_cast<int>(e->shapes.size()))
        return;
    e->shapes.erase(e->shapes.begin() + index);
    e->labels.erase(e->labels.begin() + index);
    selected_ = -1;
    emit shapesChanged();
    emit selectionChanged(-1);
    view_->update();
}

void MeasurementLayer::select(int index)
{
    const Entry* e = current();
    if (!e || index >= static_cast<int>(e->shapes.size()))
        index = -1;
    if (index == selected_)
        return;
    selected_ = index;
    emit selectionChanged(index);
    view_->update();
}

QString MeasurementLayer::describe(int index) const
{
    const Entry* e = current();
    if (!e || index < 0 || index >= static_cast<int>(e->shapes.size()))
        return {};
    const Shape& s = e->shapes[static_cast<size_t>(index)];
    QString value = s.kind == ShapeKind::Text ? QString::fromStdString(s.text) : e->labels[static_cast<size_t>(index)];
    value.replace('\n', QStringLiteral(", "));
    return capitalised(annotate::kindName(s.kind)) + (value.isEmpty() ? QString() : QStringLiteral(": ") + value);
}

annotate::RoiStatistics MeasurementLayer::statistics(int index) const
{
    const Entry* e = current();
    if (!e || index < 0 || index >= static_cast<int>(e->shapes.size()))
        throw Error("no such measurement");
    return annotate::roiStatistics(view_->image().pixels, e->shapes[static_cast<size_t>(index)], e->calibration);
}

void MeasurementLayer::setKeyImage(bool on)
{
    Entry* e = currentEntry();
    if (!e || e->keyImage == on)
        return;
    e->keyImage = on;
    emit keyImageChanged(on);
}

bool MeasurementLayer::keyImage() const
{
    const Entry* e = current();
    return e && e->keyImage;
}

int MeasurementLayer::addLoaded(const annotate::ImageRef& ref, const std::vector<Shape>& shapes)
{
    Entry& e = entries_[keyOf(ref)];
    if (e.image.sopInstanceUid.empty())
        e.image = ref;
    int added = 0;
    for (const Shape& s : shapes) {
        if (!s.complete() || std::find(e.shapes.begin(), e.shapes.end(), s) != e.shapes.end())
            continue;
        e.shapes.push_back(s);
        e.labels.emplace_back();
        ++added;
    }
    if (added && keyOf(ref) == currentKey_) {
        relabelAll();
        emit shapesChanged();
        view_->update();
    }
    return added;
}

void MeasurementLayer::markKeyImage(const annotate::ImageRef& ref)
{
    Entry& e = entries_[keyOf(ref)];
    if (e.image.sopInstanceUid.empty())
        e.image = ref;
    e.keyImage = true;
    if (keyOf(ref) == currentKey_)
        emit keyImageChanged(true);
}

QString MeasurementLayer::valueText(const Shape& s) const
{
    const Entry* e = current();
    if (!e || !s.complete())
        return {};
    const annotate::Calibration& c = e->calibration;
    const QString unit = QString::fromStdString(c.lengthUnit());
    switch (s.kind) {
    case ShapeKind::Ruler:
        return number(annotate::lengthOf(s, c), 1) + ' ' + unit;
    case ShapeKind::Angle:
        return number(annotate::angleOf(s, c), 1) + QStringLiteral("°");
    case ShapeKind::Arrow:
    case ShapeKind::Text:
        return {};
    default:
        break;
    }
    const imaging::Image& img = view_->image();
    const QString areaUnit = unit + QStringLiteral("²");
    if (img.empty() || img.isColor())
        return QStringLiteral("area %1 %2").arg(number(annotate::areaOf(s, c)), areaUnit);
    const annotate::RoiStatistics r = annotate::roiStatistics(img.pixels, s, c);
    const QString hu = img.modality == "CT" ? QStringLiteral(" HU") : QString();
    return QStringLiteral("mean %1%2, SD %3\nmin %4, max %5\narea %6 %7 (%8 px)")
        .arg(number(r.mean), hu, number(r.sd), QString::number(r.min, 'g', 6), QString::number(r.max, 'g', 6),
             number(annotate::areaOf(s, c)), areaUnit)
        .arg(r.pixelCount);
}

void MeasurementLayer::relabel(int index)
{
    Entry* e = currentEntry();
    if (!e || index < 0 || index >= static_cast<int>(e->shapes.size()))
        return;
    e->labels.resize(e->shapes.size());
    e->labels[static_cast<size_t>(index)] = valueText(e->shapes[static_cast<size_t>(index)]);
}

void MeasurementLayer::relabelAll()
{
    if (const Entry* e = current())
        for (size_t i = 0; i < e->shapes.size(); ++i)
            relabel(static_cast<int>(i));
}

void MeasurementLayer::finishDrawing()
{
    Shape s = *pending_;
    pending_.reset();
    angleSecondArm_ = false;
    if (s.kind == ShapeKind::Freehand) {
        // Drop points that repeat the one before.
        s.points.erase(std::unique(s.points.begin(), s.points.end()), s.points.end());
    }
    addShape(s);
}

int MeasurementLayer::handleAt(const QPointF& widgetPos, int& point) const
{
    const Entry* e = current();
    if (!e)
        return -1;
    const QTransform t = view_->imageToWidget();
    // The selected shape's handles first, then the others, topmost first.
    std::vector<int> order;
    if (selected_ >= 0)
        order.push_back(selected_);
    for (int i = static_cast<int>(e->shapes.size()) - 1; i >= 0; --i)
        if (i != selected_)
            order.push_back(i);
    for (int i : order) {
        const Shape& s = e->shapes[static_cast<size_t>(i)];
        if (s.kind == ShapeKind::Freehand || s.kind == ShapeKind::Text)
            continue; // moved whole, not reshaped point by point
        for (size_t k = 0; k < s.points.size(); ++k) {
            const QPointF d = t.map(qt(s.points[k])) - widgetPos;
            if (std::hypot(d.x(), d.y()) <= kHandleRadius) {
                point = static_cast<int>(k);
                return i;
            }
        }
    }
    return -1;
}

int MeasurementLayer::shapeAt(const QPointF& widgetPos) const
{
    const Entry* e = current();
    if (!e)
        return -1;
    const QTransform t = view_->imageToWidget();
    const QFontMetrics fm(view_->font());
    for (int i = static_cast<int>(e->shapes.size()) - 1; i >= 0; --i) {
        const Shape& s = e->shapes[static_cast<size_t>(i)];
        if (s.kind == ShapeKind::Text) {
            const QPointF a = t.map(qt(s.points[0]));
            const QRectF box(a.x(), a.y() - fm.ascent(), fm.horizontalAdvance(QString::fromStdString(s.text)), fm.height());
            if (box.adjusted(-4, -4, 4, 4).contains(widgetPos))
                return i;
            continue;
        }
        const QPolygonF lines = widgetLines(s, t);
        for (int k = 0; k + 1 < lines.size(); ++k)
            if (distanceToSegment(widgetPos, lines[k], lines[k + 1]) <= kBodyDistance)
                return i;
        if (annotate::isRegion(s.kind) && lines.containsPoint(widgetPos, Qt::OddEvenFill) && i == selected_)
            return i; // inside the selected region: drag it
    }
    return -1;
}

bool MeasurementLayer::mousePress(QMouseEvent* e, const QPointF& imagePos)
{
    if (e->button() != Qt::LeftButton || currentKey_.isEmpty())
        return false;
    lastPos_ = imagePos;
    edited_ = false;
    if (pending_ && angleSecondArm_) {
        pending_->points[2] = pt(imagePos);
        finishDrawing();
        return true;
    }
    int point = -1;
    const int handle = handleAt(e->position(), point);
    if (handle >= 0) {
        select(handle);
        editShape_ = handle;
        editPoint_ = point;
        return true;
    }
    if (tool_) {
        if (*tool_ == ShapeKind::Text) {
            emit textRequested(imagePos);
            return true;
        }
        Shape s;
        s.kind = *tool_;
        s.points = {pt(imagePos)};
        if (s.kind != ShapeKind::Freehand)
            s.points.push_back(pt(imagePos));
        pending_ = s;
        return true;
    }
    const int hit = shapeAt(e->position());
    if (hit >= 0) {
        select(hit);
        moving_ = true;
        return true;
    }
    select(-1);
    return false;
}

bool MeasurementLayer::mouseMove(QMouseEvent* e, const QPointF& imagePos)
{
    Entry* entry = currentEntry();
    if (pending_) {
        if (pending_->kind == ShapeKind::Freehand) {
            const QPointF last = view_->imageToWidget().map(qt(pending_->points.back()));
            const QPointF d = e->position() - last;
            if (std::hypot(d.x(), d.y()) >= 2)
                pending_->points.push_back(pt(imagePos));
        } else {
            pending_->points.back() = pt(imagePos);
        }
        view_->update();
        return true;
    }
    if (!entry)
        return false;
    if (editShape_ >= 0 && editShape_ < static_cast<int>(entry->shapes.size())) {
        entry->shapes[static_cast<size_t>(editShape_)].points[static_cast<size_t>(editPoint_)] = pt(imagePos);
        relabel(editShape_);
        edited_ = true;
        view_->update();
        return true;
    }
    if (moving_ && selected_ >= 0 && selected_ < static_cast<int>(entry->shapes.size())) {
        Shape& s = entry->shapes[static_cast<size_t>(selected_)];
        s = annotate::translated(s, imagePos.x() - lastPos_.x(), imagePos.y() - lastPos_.y());
        lastPos_ = imagePos;
        relabel(selected_);
        edited_ = true;
        view_->update();
        return true;
    }
    return false;
}

bool MeasurementLayer::mouseRelease(QMouseEvent* e, const QPointF& imagePos)
{
    const bool wasEditing = editShape_ >= 0 || moving_;
    editShape_ = editPoint_ = -1;
    moving_ = false;
    if (wasEditing) {
        if (edited_)
            emit shapesChanged();
        return true;
    }
    if (!pending_ || angleSecondArm_)
        return pending_.has_value();
    const QTransform t = view_->imageToWidget();
    const QPointF start = t.map(qt(pending_->points.front()));
    const QPointF d = e->position() - start;
    const bool dragged = std::hypot(d.x(), d.y()) >= kMinDrag;
    switch (pending_->kind) {
    case ShapeKind::Freehand:
        pending_->points.push_back(pt(imagePos));
        if (pending_->points.size() >= 3)
            finishDrawing();
        else
            cancelDrawing();
        break;
    case ShapeKind::Angle:
        if (!dragged) {
            cancelDrawing();
            break;
        }
        pending_->points.back() = pt(imagePos); // the vertex
        pending_->points.push_back(pt(imagePos)); // the second arm follows the mouse
        angleSecondArm_ = true;
        break;
    default:
        pending_->points.back() = pt(imagePos);
        if (dragged)
            finishDrawing();
        else
            cancelDrawing();
    }
    view_->update();
    return true;
}

bool MeasurementLayer::mouseDoubleClick(QMouseEvent*, const QPointF&)
{
    return tool_.has_value() || selected_ >= 0; // no fit-to-window while measuring
}

bool MeasurementLayer::wantsKey(int key) const
{
    if (key == Qt::Key_Escape)
        return pending_.has_value() || tool_.has_value();
    if (key == Qt::Key_Delete || key == Qt::Key_Backspace)
        return selected_ >= 0 && !pending_;
    return false;
}

void MeasurementLayer::keyPress(QKeyEvent* e)
{
    if (e->key() == Qt::Key_Escape) {
        if (pending_)
            cancelDrawing();
        else
            setTool(std::nullopt);
    } else if (e->key() == Qt::Key_Delete || e->key() == Qt::Key_Backspace) {
        removeShape(selected_);
    }
}

void MeasurementLayer::paint(QPainter& p)
{
    const Entry* e = current();
    if (!e && !pending_)
        return;
    const QTransform t = view_->imageToWidget();
    p.setRenderHint(QPainter::Antialiasing);
    QFont f = view_->font();
    f.setPointSizeF(std::max(8.0, f.pointSizeF() * 0.95));
    p.setFont(f);
    const QFontMetrics fm(f);

    auto drawText = [&](const QPointF& at, const QString& text, const QColor& colour) {
        const QStringList lines = text.split('\n');
        QPointF pos = at;
        for (const QString& line : lines) {
            p.setPen(QColor(0, 0, 0, 220));
            p.drawText(pos + QPointF(1, 1), line);
            p.setPen(colour);
            p.drawText(pos, line);
            pos.ry() += fm.height();
        }
    };
    auto drawShape = [&](const Shape& s, const QString& label, bool selected) {
        const QColor colour = selected ? kSelectedColour : kShapeColour;
        QPen pen(colour, selected ? 2.0 : 1.5);
        pen.setCosmetic(true);
        p.setPen(pen);
        p.setBrush(Qt::NoBrush);
        if (s.kind == ShapeKind::Text) {
            if (!s.points.empty())
                drawText(t.map(qt(s.points[0])), QString::fromStdString(s.text), colour);
            return;
        }
        const QPolygonF lines = widgetLines(s, t);
        p.drawPolyline(lines);
        if (s.kind == ShapeKind::Arrow && lines.size() == 2) {
            const QPointF d = lines[0] - lines[1];
            const double len = std::hypot(d.x(), d.y());
            if (len > 1) {
                const double head = std::min(14.0, 0.4 * len), a = std::atan2(d.y(), d.x()), spread = 0.45;
                const QPointF b1 = lines[1] + head * QPointF(std::cos(a + spread), std::sin(a + spread));
                const QPointF b2 = lines[1] + head * QPointF(std::cos(a - spread), std::sin(a - spread));
                p.setBrush(colour);
                p.drawPolygon(QPolygonF{lines[1], b1, b2});
                p.setBrush(Qt::NoBrush);
            }
        }
        if (selected && s.kind != ShapeKind::Freehand)
            for (const Point& pnt : s.points)
                p.drawRect(QRectF(t.map(qt(pnt)) - QPointF(3.5, 3.5), QSizeF(7, 7)));
        if (!label.isEmpty() && !lines.isEmpty()) {
            // Beside the shape: right of its rightmost point, at its top.
            QRectF box = lines.boundingRect();
            const QPointF at = s.kind == ShapeKind::Angle ? lines[1] + QPointF(10, -6)
                                                          : QPointF(box.right() + 8, box.top() + fm.ascent());
            drawText(at, label, colour);
        }
    };
    if (e)
        for (size_t i = 0; i < e->shapes.size(); ++i)
            drawShape(e->shapes[i], i < e->labels.size() ? e->labels[i] : QString(), static_cast<int>(i) == selected_);
    if (pending_ && pending_->points.size() >= 2) {
        Shape s = *pending_;
        // A freehand outline closes only when it is finished; draw it open.
        if (s.kind == ShapeKind::Freehand)
            s.kind = ShapeKind::Angle;
        drawShape(s, s.complete() && pending_->kind != ShapeKind::Freehand ? valueText(s) : QString(), true);
    }
}

} // namespace sinar::ui
