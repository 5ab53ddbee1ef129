#include "ui/viewer/image_view.h"

#include "ui/viewer/overlay_text.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>

#include "ui/viewer/image_render.h"

namespace sinar::ui {

namespace {
constexpr double kMinZoom = 0.02;
constexpr double kMaxZoom = 64.0;

QString formatValue(double v)
{
    if (std::abs(v - std::round(v)) < 1e-6 && std::abs(v) < 1e7)
        return QString::number(static_cast<long long>(std::llround(v)));
    return QString::number(v, 'g', 5);
}
} // namespace

ImageView::ImageView(QWidget* parent) : QWidget(parent)
{
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMinimumSize(160, 160);
    setContextMenuPolicy(Qt::PreventContextMenu); // the right button sets the window
}

bool ImageView::ViewState::operator==(const ViewState& o) const
{
    return zoom == o.zoom && fitted == o.fitted && pan == o.pan && rotation == o.rotation && flipH == o.flipH &&
           flipV == o.flipV && inverted == o.inverted && center == o.center && width == o.width;
}

void ImageView::setImage(const imaging::Image& image, bool keepView)
{
    const bool sameGeometry = hasImage() && image.width() == image_.width() && image.height() == image_.height();
    image_ = image;
    if (image_.empty()) {
        clear();
        return;
    }
    // An overlay belongs to one image: drop it when another one comes.
    if (hasOverlay() && (overlaySource_ != QString::fromStdString(image_.source) ||
                         overlay_.width() != image_.width() || overlay_.height() != image_.height()))
        clearOverlay();
    double lo = 0, hi = 0;
    cv::minMaxLoc(image_.pixels.reshape(1), &lo, &hi);
    valueMin_ = lo;
    valueMax_ = hi > lo ? hi : lo + 1;
    if (!keepView) {
        const imaging::WindowPreset w = defaultWindow(image_);
        center_ = w.center;
        width_ = w.width;
        inverted_ = false;
        rotation_ = 0;
        flipH_ = flipV_ = false;
        pan_ = {};
        fitted_ = true;
    }
    if (!sameGeometry) {
        fitted_ = true;
        pan_ = {};
    }
    if (fitted_)
        zoom_ = fitZoom();
    rerender();
    emit windowChanged(center_, width_);
    emit viewChanged();
}

void ImageView::clear()
{
    image_ = {};
    rendered_ = {};
    overlay_ = {};
    overlaySource_.clear();
    emit pixelInfoChanged({});
    update();
}

void ImageView::rerender()
{
    rendered_ = renderImage(image_, center_, width_, inverted_);
    update();
}

void ImageView::setWindow(double center, double width)
{
    width = std::max(width, 1e-3);
    if (center == center_ && width == width_)
        return;
    center_ = center;
    width_ = width;
    if (hasImage())
        rerender();
    emit windowChanged(center_, width_);
}

bool ImageView::setOverlay(const QImage& rgba, const QString& source)
{
    if (rgba.isNull() || !hasImage() || rgba.width() != image_.width() || rgba.height() != image_.height() ||
        source != QString::fromStdString(image_.source)) {
        clearOverlay();
        return false;
    }
    overlay_ = rgba;
    overlaySource_ = source;
    areaChanged();
    return true;
}

void ImageView::clearOverlay()
{
    if (overlay_.isNull())
        return;
    overlay_ = {};
    overlaySource_.clear();
    areaChanged();
}

void ImageView::setOverlayVisible(bool visible)
{
    if (visible == overlayVisible_)
        return;
    overlayVisible_ = visible;
    areaChanged();
}

void ImageView::setOverlayOpacity(double opacity)
{
    opacity = std::clamp(opacity, 0.0, 1.0);
    if (opacity == overlayOpacity_)
        return;
    overlayOpacity_ = opacity;
    update();
}

ImageView::ViewState ImageView::viewState() const
{
    ViewState s;
    s.zoom = zoom_;
    s.fitted = fitted_;
    s.pan = pan_;
    s.rotation = rotation_;
    s.flipH = flipH_;
    s.flipV = flipV_;
    s.inverted = inverted_;
    s.center = center_;
    s.width = width_;
    return s;
}

void ImageView::setViewState(const ViewState& s)
{
    const bool windowChange = s.center != center_ || std::max(s.width, 1e-3) != width_;
    const bool renderChange = windowChange || s.inverted != inverted_;
    const bool viewChange = s.fitted != fitted_ || (!s.fitted && (s.zoom != zoom_ || s.pan != pan_)) ||
                            s.rotation != rotation_ || s.flipH != flipH_ || s.flipV != flipV_ || s.inverted != inverted_;
    if (!renderChange && !viewChange)
        return;
    center_ = s.center;
    width_ = std::max(s.width, 1e-3);
    inverted_ = s.inverted;
    rotation_ = ((s.rotation % 4) + 4) % 4;
    flipH_ = s.flipH;
    flipV_ = s.flipV;
    fitted_ = s.fitted;
    if (fitted_) {
        pan_ = {};
        zoom_ = fitZoom();
    } else {
        pan_ = s.pan;
        zoom_ = std::clamp(s.zoom, kMinZoom, kMaxZoom);
    }
    if (renderChange && hasImage())
        rerender();
    update();
    if (windowChange)
        emit windowChanged(center_, width_);
    if (viewChange)
        emit viewChanged();
}

void ImageView::setAnnotations(const Annotations& a)
{
    annotations_ = a;
    areaChanged();
}

void ImageView::setAnnotationsVisible(bool visible)
{
    annotationsVisible_ = visible;
    areaChanged();
}

void ImageView::areaChanged()
{
    // The bands around the image changed: a fitted image fits the new area.
    if (fitted_)
        zoom_ = fitZoom();
    update();
}

void ImageView::setPlaceholder(const QString& text)
{
    placeholder_ = text;
    update();
}

void ImageView::setCrosshair(const QPointF& imagePos, const QColor& horizontal, const QColor& vertical)
{
    crosshairVisible_ = true;
    crosshair_ = imagePos;
    crosshairH_ = horizontal;
    crosshairV_ = vertical;
    update();
}

void ImageView::clearCrosshair()
{
    crosshairVisible_ = false;
    update();
}

void ImageView::setLayer(ImageViewLayer* layer)
{
    layer_ = layer;
    update();
}

void ImageView::setInverted(bool inverted)
{
    if (inverted == inverted_)
        return;
    inverted_ = inverted;
    if (hasImage())
        rerender();
    emit viewChanged();
}

void ImageView::rotateBy(int quarterTurns)
{
    rotation_ = ((rotation_ + quarterTurns) % 4 + 4) % 4;
    if (fitted_)
        zoom_ = fitZoom();
    update();
    emit viewChanged();
}

void ImageView::flipHorizontal()
{
    flipH_ = !flipH_;
    update();
    emit viewChanged();
}

void ImageView::flipVertical()
{
    flipV_ = !flipV_;
    update();
    emit viewChanged();
}

double ImageView::aspect() const
{
    if (image_.spacingX <= 0 || image_.spacingY <= 0)
        return 1.0;
    const double a = image_.spacingY / image_.spacingX;
    return (a > 0.1 && a < 10) ? a : 1.0;
}

double ImageView::fitZoom() const
{
    if (!hasImage())
        return 1.0;
    double w = image_.width(), h = image_.height() * aspect();
    if (rotation_ % 2)
        std::swap(w, h);
    const QRectF area = imageArea();
    const double z = std::min((area.width() - 8) / w, (area.height() - 8) / h);
    return std::clamp(z, kMinZoom, kMaxZoom);
}

QFont ImageView::annotationFont() const
{
    QFont f = font();
    f.setPointSizeF(std::max(8.0, f.pointSizeF() * 0.95));
    return f;
}

QFont ImageView::legendFont() const
{
    QFont f = font();
    f.setPointSizeF(std::max(7.5, f.pointSizeF() * 0.85));
    return f;
}

int ImageView::legendWidth() const
{
    // The bar, "high"/"low" beside it and the method and class turned along it.
    const QFontMetrics fm(legendFont());
    return 12 + 6 + std::max(fm.horizontalAdvance(tr("high")), fm.horizontalAdvance(tr("low"))) + 6 + fm.height() + 20;
}

QRectF ImageView::imageArea() const
{
    // The corner text, the orientation markers and the heat-map legend get
    // bands of their own, so they never cover the image when it is fitted.
    QRectF area = rect();
    if (annotationsVisible_) {
        const QFontMetrics fm(annotationFont());
        auto lines = [](const QString& t) { return t.isEmpty() ? 0 : static_cast<int>(t.count('\n')) + 1; };
        const int top = std::max({lines(annotations_.topLeft), lines(annotations_.topRight), annotations_.oriented ? 1 : 0});
        const int bottom = std::max({lines(annotations_.bottomLeft), 2, annotations_.oriented ? 1 : 0}); // W/L and zoom: 2
        const double side = annotations_.oriented ? fm.horizontalAdvance(QStringLiteral("SRA")) + 8 : 0;
        area.adjust(side, top ? top * fm.lineSpacing() + 8 : 0, -side, -(bottom * fm.lineSpacing() + 8));
    }
    // Reserved while a legend is set (the heat map is on), drawn or not: side
    // by side, the plain view keeps the same area as the one with the map.
    if (!legendRamp_.isNull())
        area.setRight(std::min(area.right(), static_cast<double>(width() - legendWidth())));
    if (area.width() < 32 || area.height() < 32) // a tiny view: the whole of it
        return rect();
    return area;
}

void ImageView::fit()
{
    fitted_ = true;
    pan_ = {};
    zoom_ = fitZoom();
    update();
    emit viewChanged();
}

void ImageView::setZoom(double zoom)
{
    zoom_ = std::clamp(zoom, kMinZoom, kMaxZoom);
    fitted_ = false;
    update();
    emit viewChanged();
}

void ImageView::zoomBy(double factor, const QPointF& anchor)
{
    // Keep the image point under `anchor` where it is.
    const QPointF imagePoint = widgetToImage(anchor);
    zoom_ = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom);
    fitted_ = false;
    const QPointF moved = imageToWidget().map(imagePoint);
    pan_ += anchor - moved;
    update();
    emit viewChanged();
}

void ImageView::zoomBy(double factor)
{
    zoomBy(factor, imageArea().center());
}

void ImageView::setPan(const QPointF& pan)
{
    pan_ = pan;
    fitted_ = false;
    update();
    emit viewChanged();
}

void ImageView::resetView()
{
    if (!hasImage())
        return;
    const imaging::WindowPreset w = defaultWindow(image_);
    rotation_ = 0;
    flipH_ = flipV_ = false;
    inverted_ = false;
    center_ = w.center;
    width_ = std::max(w.width, 1e-3);
    rerender();
    fit();
    emit windowChanged(center_, width_);
}

QTransform ImageView::imageToWidget() const
{
    QTransform t;
    const QPointF centre = imageArea().center();
    t.translate(centre.x() + pan_.x(), centre.y() + pan_.y());
    t.scale(flipH_ ? -1 : 1, flipV_ ? -1 : 1); // flips act on the screen axes
    t.rotate(90.0 * rotation_);
    t.scale(zoom_, zoom_ * aspect());
    t.translate(-image_.width() / 2.0, -image_.height() / 2.0);
    return t;
}

QPointF ImageView::widgetToImage(const QPointF& widgetPos) const
{
    return imageToWidget().inverted().map(widgetPos);
}

QString ImageView::readoutAt(const QPointF& imagePos) const
{
    if (!hasImage())
        return {};
    const int x = static_cast<int>(std::floor(imagePos.x()));
    const int y = static_cast<int>(std::floor(imagePos.y()));
    if (x < 0 || y < 0 || x >= image_.width() || y >= image_.height())
        return {};
    QString value;
    if (image_.isColor()) {
        const cv::Vec3f v = image_.pixels.at<cv::Vec3f>(y, x);
        value = QStringLiteral("R %1  G %2  B %3").arg(formatValue(v[0]), formatValue(v[1]), formatValue(v[2]));
    } else {
        value = formatValue(image_.pixels.at<float>(y, x));
        if (image_.modality == "CT")
            value += QStringLiteral(" HU");
    }
    QString text = QStringLiteral("x %1  y %2").arg(x).arg(y);
    if (image_.spacingX != 1.0 || image_.spacingY != 1.0)
        text += QStringLiteral("  (%1, %2 mm)")
                    .arg((x + 0.5) * image_.spacingX, 0, 'f', 1)
                    .arg((y + 0.5) * image_.spacingY, 0, 'f', 1);
    return text + QStringLiteral("  value ") + value;
}

void ImageView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), Qt::black); // images are read on black, whatever the theme
    if (!hasImage()) {
        p.setPen(QColor(140, 146, 156));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 1.2);
        p.setFont(f);
        p.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    p.save();
    p.setTransform(imageToWidget());
    // Smooth when shrinking or mildly enlarging; show pixels when zoomed in.
    p.setRenderHint(QPainter::SmoothPixmapTransform, zoom_ < 3.0);
    p.drawImage(QPointF(0, 0), rendered_);
    if (overlayDrawn()) {
        // The same transform and sampling as the image: pixel on pixel.
        p.setOpacity(overlayOpacity_);
        p.drawImage(QPointF(0, 0), overlay_);
    }
    p.restore();
    if (crosshairVisible_) {
        // Lines along the image's axes through the point, across the whole image.
        const QTransform t = imageToWidget();
        const double w = image_.width(), h = image_.height();
        p.setRenderHint(QPainter::Antialiasing);
        QPen pen(crosshairH_, 1.2);
        p.setPen(pen);
        p.drawLine(t.map(QPointF(0, crosshair_.y())), t.map(QPointF(w, crosshair_.y())));
        pen.setColor(crosshairV_);
        p.setPen(pen);
        p.drawLine(t.map(QPointF(crosshair_.x(), 0)), t.map(QPointF(crosshair_.x(), h)));
    }
    if (layer_) {
        p.save();
        layer_->paint(p);
        p.restore();
    }
    if (annotationsVisible_)
        drawAnnotations(p);
    if (overlayDrawn() && !legendRamp_.isNull())
        drawLegend(p);
}

void ImageView::setOverlayLegend(const QImage& ramp, const QString& title)
{
    legendRamp_ = ramp;
    legendTitle_ = title;
    areaChanged();
}

void ImageView::drawLegend(QPainter& p)
{
    // A vertical bar, high at the top, centred on the right edge, on a dark
    // backing, in the band imageArea() leaves for it: "high" and "low" beside
    // it, the method and class turned along it.
    const int barH = std::min(160, height() / 3), barW = 12;
    if (barH < 40)
        return;
    const QFont f = legendFont();
    p.setFont(f);
    const QFontMetrics fm(f);
    const QRect bar(width() - barW - 12, (height() - barH) / 2, barW, barH);
    p.save();
    p.setRenderHint(QPainter::SmoothPixmapTransform, true);
    p.fillRect(bar.adjusted(-1, -1, 1, 1), QColor(0, 0, 0, 200));
    QTransform t;
    t.translate(bar.left(), bar.bottom() + 1);
    t.rotate(-90);
    t.scale(static_cast<double>(barH) / legendRamp_.width(), static_cast<double>(barW) / legendRamp_.height());
    p.setTransform(t);
    p.drawImage(QPointF(0, 0), legendRamp_);
    p.restore();
    auto label = [&](const QString& text, int yCentre) {
        drawShadowedText(p, QRect(0, yCentre - fm.height() / 2, bar.left() - 6, fm.height()), Qt::AlignRight | Qt::AlignVCenter, text);
    };
    label(tr("high"), bar.top() + fm.height() / 2);
    label(tr("low"), bar.bottom() - fm.height() / 2);
    // The title reads upwards, centred on the bar, left of the labels.
    const int labelsWidth = std::max(fm.horizontalAdvance(tr("high")), fm.horizontalAdvance(tr("low")));
    const int titleX = bar.left() - 6 - labelsWidth - 6 - fm.height();
    p.save();
    p.translate(titleX, bar.center().y());
    p.rotate(-90);
    drawShadowedText(p, QRect(-height() / 2, 0, height(), fm.height()), Qt::AlignCenter,
                     fm.elidedText(legendTitle_, Qt::ElideRight, height() - 16));
    p.restore();
}

void ImageView::drawAnnotations(QPainter& p)
{
    p.setFont(annotationFont());
    const QRect area = rect().adjusted(8, 6, -8, -6);

    QStringList br;
    br << QStringLiteral("W %1  L %2").arg(formatValue(std::round(width_ * 10) / 10), formatValue(std::round(center_ * 10) / 10));
    QString zoomLine = QStringLiteral("Zoom %1 %").arg(std::lround(zoom_ * 100));
    if (rotation_)
        zoomLine += QStringLiteral("  Rot %1°").arg(rotation_ * 90);
    if (flipH_)
        zoomLine += QStringLiteral("  Flip H");
    if (flipV_)
        zoomLine += QStringLiteral("  Flip V");
    if (inverted_)
        zoomLine += QStringLiteral("  Inverted");
    br << zoomLine;

    auto draw = [&](const QString& text, Qt::Alignment align) { drawShadowedText(p, area, static_cast<int>(align), text); };
    draw(annotations_.topLeft, Qt::AlignLeft | Qt::AlignTop);
    draw(annotations_.topRight, Qt::AlignRight | Qt::AlignTop);
    draw(annotations_.bottomLeft, Qt::AlignLeft | Qt::AlignBottom);
    draw(br.join('\n'), Qt::AlignRight | Qt::AlignBottom);
    if (annotations_.oriented) {
        QRect markers = area; // left of the legend's band when there is one
        if (!legendRamp_.isNull())
            markers.setRight(width() - legendWidth());
        drawOrientationMarkers(p, markers, orientationMarkers(imageToWidget(), annotations_.imageRight, annotations_.imageDown));
    }
}

void ImageView::resizeEvent(QResizeEvent*)
{
    if (fitted_)
        zoom_ = fitZoom();
}

void ImageView::mousePressEvent(QMouseEvent* e)
{
    dragStart_ = e->position();
    if (e->button() == Qt::RightButton || (e->button() == Qt::LeftButton && (e->modifiers() & Qt::ShiftModifier))) {
        drag_ = Drag::Window;
        centerStart_ = center_;
        widthStart_ = width_;
    } else if (e->button() == Qt::LeftButton && !pickMode_ && layer_ && hasImage() &&
               layer_->mousePress(e, widgetToImage(e->position()))) {
        drag_ = Drag::Layer;
    } else if (e->button() == Qt::LeftButton && pickMode_) {
        drag_ = Drag::Pick;
        if (hasImage())
            emit pointPicked(widgetToImage(e->position()));
    } else if (e->button() == Qt::LeftButton || e->button() == Qt::MiddleButton) {
        drag_ = Drag::Pan;
        panStart_ = pan_;
        setCursor(Qt::ClosedHandCursor);
    }
    e->accept();
}

void ImageView::mouseMoveEvent(QMouseEvent* e)
{
    const QPointF d = e->position() - dragStart_;
    if (drag_ == Drag::Window && hasImage()) {
        // Horizontal: width; vertical: level. A drag across ~400 px spans the value range.
        const double step = std::max(1e-3, (valueMax_ - valueMin_) / 400.0);
        setWindow(centerStart_ + d.y() * step, std::max(1e-3, widthStart_ + d.x() * step));
    } else if (drag_ == Drag::Pick && hasImage()) {
        emit pointPicked(widgetToImage(e->position()));
    } else if ((drag_ == Drag::Layer || drag_ == Drag::None) && layer_ && hasImage()) {
        layer_->mouseMove(e, widgetToImage(e->position())); // drawing, editing or hovering
    } else if (drag_ == Drag::Pan) {
        pan_ = panStart_ + d;
        fitted_ = false;
        update();
        emit viewChanged();
    }
    emit pixelInfoChanged(readoutAt(widgetToImage(e->position())));
}

void ImageView::mouseReleaseEvent(QMouseEvent* e)
{
    if (drag_ == Drag::Layer && layer_ && hasImage())
        layer_->mouseRelease(e, widgetToImage(e->position()));
    if (drag_ == Drag::Pan)
        unsetCursor(); // the closed hand; a layer's cursor stays
    drag_ = Drag::None;
    e->accept();
}

void ImageView::mouseDoubleClickEvent(QMouseEvent* e)
{
    if (e->button() == Qt::LeftButton && !pickMode_ && layer_ && hasImage() &&
        layer_->mouseDoubleClick(e, widgetToImage(e->position())))
        return;
    if (e->button() == Qt::LeftButton && !pickMode_)
        fit();
}

void ImageView::wheelEvent(QWheelEvent* e)
{
    const int delta = e->angleDelta().y();
    if (e->modifiers() & Qt::ControlModifier) {
        zoomBy(std::pow(1.0015, delta), e->position());
    } else {
        wheelAccumulator_ += delta;
        while (std::abs(wheelAccumulator_) >= 120) {
            const int step = wheelAccumulator_ > 0 ? -1 : 1; // wheel away from you: previous image
            wheelAccumulator_ += step * 120;
            emit stepRequested(step);
        }
    }
    e->accept();
}

bool ImageView::event(QEvent* e)
{
    // Esc and Delete are menu shortcuts too (reset view); while the layer
    // has a use for them, they are the layer's.
    if (e->type() == QEvent::ShortcutOverride && layer_) {
        auto* k = static_cast<QKeyEvent*>(e);
        if (k->modifiers() == Qt::NoModifier && layer_->wantsKey(k->key())) {
            e->accept();
            return true;
        }
    }
    return QWidget::event(e);
}

void ImageView::keyPressEvent(QKeyEvent* e)
{
    if (layer_ && layer_->wantsKey(e->key())) {
        layer_->keyPress(e);
        return;
    }
    QWidget::keyPressEvent(e);
}

void ImageView::leaveEvent(QEvent*)
{
    emit pixelInfoChanged({});
}

} // namespace sinar::ui
