#pragma once
// The image view: draws one image with QPainter through a window (right-drag
// or presets), with zoom/pan/fit, invert, rotation and flips, a pixel value
// readout in real values, corner annotations, and an overlay layer (the heat
// map) drawn through the same transform as the image.
//
// Mouse: right-drag (or Shift+left-drag) window/level, left-drag pan,
// Ctrl+wheel zoom about the cursor, wheel scrolls through the stack (the view
// asks for the step; the window decides), double-click fits.
#include <QColor>
#include <QImage>
#include <QPointF>
#include <QTransform>
#include <QWidget>

#include "ui/viewer/orientation_markers.h"

#include "imaging/image.h"

class QKeyEvent;
class QMouseEvent;
class QPainter;

namespace sinar::ui {

class ImageView;

// Something drawn over the image that may take the mouse and keys first (the
// measurement tools). It sees positions in image pixel coordinates; a handler
// that returns false leaves the event to the view (pan, pick, window).
class ImageViewLayer {
public:
    virtual ~ImageViewLayer() = default;
    virtual bool mousePress(QMouseEvent* e, const QPointF& imagePos) = 0;
    virtual bool mouseMove(QMouseEvent* e, const QPointF& imagePos) = 0;
    virtual bool mouseRelease(QMouseEvent* e, const QPointF& imagePos) = 0;
    virtual bool mouseDoubleClick(QMouseEvent* e, const QPointF& imagePos) = 0;
    // True when the layer has a use for `key` now (Esc while drawing, Delete
    // with a selection); the view then takes it before any menu shortcut.
    virtual bool wantsKey(int key) const = 0;
    virtual void keyPress(QKeyEvent* e) = 0;
    // Drawn after the image and its overlay, in widget coordinates
    // (view.imageToWidget() maps image positions).
    virtual void paint(QPainter& p) = 0;
};

class ImageView : public QWidget {
    Q_OBJECT
public:
    // Text in the corners; the bottom-right corner (window, zoom) is the view's own.
    struct Annotations {
        QString topLeft, topRight, bottomLeft;
        // Orientation markers at the edges (orientation_markers.h): the
        // patient directions of the image's +x (along a row) and +y (down a column).
        bool oriented = false;
        PatientDirection imageRight{}, imageDown{};
    };

    // Everything that decides how the image is drawn, to link two views.
    struct ViewState {
        double zoom = 1;
        bool fitted = true;
        QPointF pan;
        int rotation = 0;
        bool flipH = false, flipV = false, inverted = false;
        double center = 127.5, width = 255;
        bool operator==(const ViewState& o) const;
    };

    explicit ImageView(QWidget* parent = nullptr);

    // Shows `image`. With keepView the window, zoom, pan, rotation, flips and
    // inversion stay as they are (scrolling within one series); otherwise the
    // image opens fitted in its own window.
    void setImage(const imaging::Image& image, bool keepView = false);
    void clear();
    bool hasImage() const { return !image_.empty(); }
    const imaging::Image& image() const { return image_; }
    // The 8-bit picture currently drawn (window and inversion applied).
    const QImage& renderedImage() const { return rendered_; }

    // An RGBA layer over the image (QImage::Format_RGBA8888 or any format
    // with alpha) of exactly the image's pixel size, drawn with the image's
    // own transform so that it stays on the same pixels through zoom, pan,
    // rotation and flips. `source` is the image it belongs to
    // (imaging::Image::source): setImage drops the overlay when the new image
    // has another source or size. Returns false (and shows none) when the
    // overlay does not fit the image on screen.
    bool setOverlay(const QImage& rgba, const QString& source);
    void clearOverlay();
    bool hasOverlay() const { return !overlay_.isNull(); }
    const QImage& overlay() const { return overlay_; }
    const QString& overlaySource() const { return overlaySource_; }
    void setOverlayVisible(bool visible);
    bool overlayVisible() const { return overlayVisible_; }
    // 0 (transparent) .. 1 (opaque); applied when drawing, so changing it is cheap.
    void setOverlayOpacity(double opacity);
    double overlayOpacity() const { return overlayOpacity_; }
    // An overlay is on screen: present, visible and over an image.
    bool overlayDrawn() const { return overlayVisible_ && hasOverlay() && hasImage(); }
    // A colour bar at the right edge while the overlay is drawn: `ramp` is the
    // colour map from low (left) to high (right), e.g. 256x1; `title` says what
    // it shows ("Grad-CAM · pituitary"). A null ramp hides it.
    void setOverlayLegend(const QImage& ramp, const QString& title);
    const QString& overlayLegendTitle() const { return legendTitle_; }

    ViewState viewState() const;
    // Applies zoom, pan, rotation, flips, inversion and window; a fitted
    // state fits this view's own size. Emits viewChanged / windowChanged only
    // when something changed, so two views can follow each other.
    void setViewState(const ViewState& state);

    void setWindow(double center, double width);
    double windowCenter() const { return center_; }
    double windowWidth() const { return width_; }

    void setAnnotations(const Annotations& a);
    const Annotations& annotations() const { return annotations_; }
    void setAnnotationsVisible(bool visible);
    bool annotationsVisible() const { return annotationsVisible_; }
    void setPlaceholder(const QString& text);

    void setInverted(bool inverted);
    bool inverted() const { return inverted_; }
    void rotateBy(int quarterTurnsClockwise);
    int rotation() const { return rotation_; } // quarter turns clockwise, 0..3
    void flipHorizontal();
    void flipVertical();
    bool flippedHorizontally() const { return flipH_; }
    bool flippedVertically() const { return flipV_; }

    void fit();
    bool isFitted() const { return fitted_; }
    void setZoom(double zoom); // screen pixels per image pixel
    void zoomBy(double factor, const QPointF& anchor);
    void zoomBy(double factor);
    double zoom() const { return zoom_; }
    void setPan(const QPointF& pan);
    QPointF pan() const { return pan_; }
    // Fit, no rotation, flips or inversion, the image's own window.
    void resetView();

    QTransform imageToWidget() const;
    // Where a fitted image goes: the widget minus the bands of the corner
    // text, the orientation markers and the heat-map legend (while one is set).
    QRectF imageArea() const;
    QPointF widgetToImage(const QPointF& widgetPos) const;
    // "x 120  y 64  (48.0, 25.6 mm)  1234 HU"; empty outside the image.
    QString readoutAt(const QPointF& imagePos) const;

    // A crosshair through `imagePos` (image pixel coordinates), or none.
    void setCrosshair(const QPointF& imagePos, const QColor& horizontal, const QColor& vertical);
    void clearCrosshair();
    bool hasCrosshair() const { return crosshairVisible_; }
    QPointF crosshair() const { return crosshair_; }
    // Pick mode: the left button picks points (pointPicked) instead of panning;
    // the middle button pans.
    void setPickMode(bool on) { pickMode_ = on; }
    // The layer over the image (not owned; null: none). The left button goes
    // to it first, unless Shift is held (window) or pick mode is on.
    void setLayer(ImageViewLayer* layer);
    ImageViewLayer* layer() const { return layer_; }

    QSize sizeHint() const override { return {640, 640}; }

signals:
    void windowChanged(double center, double width);
    void stepRequested(int delta);
    void pixelInfoChanged(const QString& text);
    void viewChanged();
    void pointPicked(const QPointF& imagePos);

protected:
    void paintEvent(QPaintEvent*) override;
    void resizeEvent(QResizeEvent*) override;
    void mousePressEvent(QMouseEvent*) override;
    void mouseMoveEvent(QMouseEvent*) override;
    void mouseReleaseEvent(QMouseEvent*) override;
    void mouseDoubleClickEvent(QMouseEvent*) override;
    void wheelEvent(QWheelEvent*) override;
    void leaveEvent(QEvent*) override;
    bool event(QEvent*) override;
    void keyPressEvent(QKeyEvent*) override;

private:
    void areaChanged();
    QFont annotationFont() const;
    QFont legendFont() const;
    int legendWidth() const;
    enum class Drag { None, Pan, Window, Pick, Layer };
    void rerender();
    double fitZoom() const;
    double aspect() const; // vertical / horizontal pixel spacing
    void drawAnnotations(class QPainter& p);
    void drawLegend(class QPainter& p);

    imaging::Image image_;
    QImage rendered_;
    double valueMin_ = 0, valueMax_ = 1;
    double center_ = 127.5, width_ = 255;
    bool inverted_ = false;
    int rotation_ = 0;
    bool flipH_ = false, flipV_ = false;
    double zoom_ = 1;
    bool fitted_ = true;
    QPointF pan_;
    Annotations annotations_;
    bool annotationsVisible_ = true;
    QString placeholder_;
    bool pickMode_ = false;
    ImageViewLayer* layer_ = nullptr;
    bool crosshairVisible_ = false;
    QPointF crosshair_;
    QColor crosshairH_, crosshairV_;
    QImage overlay_;
    QString overlaySource_;
    QImage legendRamp_;
    QString legendTitle_;
    bool overlayVisible_ = true;
    double overlayOpacity_ = 1.0;

    Drag drag_ = Drag::None;
    QPointF dragStart_;
    QPointF panStart_;
    double centerStart_ = 0, widthStart_ = 0;
    int wheelAccumulator_ = 0;
};

} // namespace sinar::ui
