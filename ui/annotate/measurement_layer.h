#pragma once
// Measurements and annotations on the image view: drawing them with the
// mouse, selecting, moving and reshaping them, removing them, and keeping
// them per image (SOP Instance UID and frame, or the file of a plain image)
// while the study is open. The values come from core/annotate on the real
// pixels the view shows (HU for CT).
//
// Drawing: ruler, arrow, ellipse and rectangle by dragging from one end (or
// corner) to the other; angle by dragging the first arm to the vertex, then
// clicking the end of the second; freehand by dragging round the region;
// text by clicking where it goes. Esc cancels a drawing (then leaves the
// tool); Delete removes the selected shape. Without a tool, a click on a
// shape selects it, dragging it moves it, dragging a handle reshapes it.
#include <QObject>
#include <QPointF>
#include <QPointer>
#include <QString>
#include <map>
#include <optional>
#include <vector>

#include "annotate/image_ref.h"
#include "annotate/roi_statistics.h"
#include "annotate/shape.h"
#include "ui/viewer/image_view.h"

namespace sinar::ui {

class MeasurementLayer : public QObject, public ImageViewLayer {
    Q_OBJECT
public:
    struct Entry {
        annotate::ImageRef image; // UIDs empty for a plain image (PNG, ...)
        annotate::Calibration calibration;
        std::vector<annotate::Shape> shapes;
        std::vector<QString> labels; // each shape's value, measured when its image was last shown
        bool keyImage = false;
    };

    // Draws on `view` (sets itself as its layer).
    explicit MeasurementLayer(ImageView* view, QObject* parent = nullptr);
    ~MeasurementLayer() override;

    // The key of an image: "<SOP Instance UID>#<frame>" (or the file of a plain image).
    static QString keyOf(const annotate::ImageRef& ref);

    // The image now on the view (its pixels are the view's); an empty ref
    // (and key) when none is.
    void showImage(const annotate::ImageRef& ref, const annotate::Calibration& calibration);
    const QString& currentKey() const { return currentKey_; }
    const Entry* current() const;
    const std::map<QString, Entry>& entries() const { return entries_; }
    // Forgets every image's shapes (the studies were closed).
    void clearAll();

    // The tool the left button draws with, or none (select and move).
    void setTool(std::optional<annotate::ShapeKind> tool);
    std::optional<annotate::ShapeKind> tool() const { return tool_; }
    bool drawing() const { return pending_.has_value(); }
    void cancelDrawing();

    // The current image's shapes.
    int addShape(const annotate::Shape& shape);
    void removeShape(int index);
    void select(int index); // -1: none
    int selected() const { return selected_; }
    // "Ruler: 42.3 mm", "Ellipse: mean 40.2 HU, SD 12.1, min 3, max 80, area 152.3 mm² (348 px)".
    QString describe(int index) const;
    // Statistics of a region shape on the shown pixels (throws sinar::Error for others).
    annotate::RoiStatistics statistics(int index) const;

    void setKeyImage(bool on);
    bool keyImage() const;

    // Shapes read from a file for an image that may not be on screen; a shape
    // already there is not added twice. Returns how many were added.
    int addLoaded(const annotate::ImageRef& ref, const std::vector<annotate::Shape>& shapes);
    void markKeyImage(const annotate::ImageRef& ref);

    // ImageViewLayer
    bool mousePress(QMouseEvent* e, const QPointF& imagePos) override;
    bool mouseMove(QMouseEvent* e, const QPointF& imagePos) override;
    bool mouseRelease(QMouseEvent* e, const QPointF& imagePos) override;
    bool mouseDoubleClick(QMouseEvent* e, const QPointF& imagePos) override;
    bool wantsKey(int key) const override;
    void keyPress(QKeyEvent* e) override;
    void paint(QPainter& p) override;

signals:
    void shapesChanged(); // added, removed, edited, or another image shown
    void selectionChanged(int index);
    void toolChanged();
    void keyImageChanged(bool on);
    // The text tool was clicked at `imagePos`: ask for the words, then addShape.
    void textRequested(const QPointF& imagePos);

private:
    Entry* currentEntry();
    void relabel(int index);
    void relabelAll();
    void finishDrawing();
    int handleAt(const QPointF& widgetPos, int& point) const;
    int shapeAt(const QPointF& widgetPos) const;
    QString valueText(const annotate::Shape& s) const;

    QPointer<ImageView> view_; // may go first when the window is destroyed
    std::map<QString, Entry> entries_;
    QString currentKey_;
    std::optional<annotate::ShapeKind> tool_;
    std::optional<annotate::Shape> pending_;
    bool angleSecondArm_ = false; // an angle's first arm is down; the next click ends it
    int selected_ = -1;
    int editShape_ = -1, editPoint_ = -1; // a handle being dragged
    bool moving_ = false;                 // the selected shape being dragged
    QPointF lastPos_;
    bool edited_ = false;
};

} // namespace sinar::ui
