#pragma once
// ComparisonView: one to four viewports side by side (hanging layouts 1x1,
// 1x2, 2x2), each showing a series with its own loader, cache and current
// image. Viewport 0 is the window's main image view (classification, heat
// map and measurements follow it; the window loads its images and tells this
// view what it shows); the others are this view's own.
//
// Scrolling one viewport moves the others to the slice nearest to the same
// patient position along their normal (not by index) when scrolling is
// synchronised and the two series share a frame of reference or an
// orientation; window/level and zoom/pan follow when synchronised. Each
// viewport draws where the other viewports' slice planes cut its own
// (reference lines, one colour per source viewport; none when parallel), and
// the active viewport (click to activate) is outlined: it takes the series
// chosen in the study browser. A series dragged from the browser can be
// dropped on any viewport.
#include <QColor>
#include <QLineF>
#include <QWidget>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ui/heatmap/heatmap_render.h"
#include "ui/viewer/image_stack.h"
#include "ui/viewer/series_image_loader.h"

class QGridLayout;

namespace sinar::ui {

class ImageView;

class ComparisonView : public QWidget {
    Q_OBJECT
public:
    enum class Layout { Single, OneByTwo, TwoByTwo };
    static constexpr int kMaxViewports = 4;
    // "1x1", "1x2", "2x2" (settings and the command line) and back.
    static QString layoutName(Layout layout);
    static std::optional<Layout> layoutFromName(const QString& name);
    // The MIME type of a series dragged from the study browser (its index there, as text).
    static QString seriesMimeType();

    // `primary` becomes viewport 0 (moved into this view's grid).
    explicit ComparisonView(ImageView* primary, QWidget* parent = nullptr);

    void setLayoutKind(Layout layout);
    Layout layoutKind() const { return layout_; }
    int viewportCount() const; // 1, 2 or 4: the viewports on screen
    ImageView* view(int viewport) const;
    std::shared_ptr<const ImageStack> stack(int viewport) const;
    int index(int viewport) const;     // the image asked for
    int shownIndex(int viewport) const; // the image on screen
    // The viewport the study browser's choice goes to (outlined when there are several).
    int activeViewport() const { return active_; }
    void setActiveViewport(int viewport);
    static QColor viewportColour(int viewport);

    // Shows `stack` in viewport 1..3 at `index`, or (index -1) at the slice
    // nearest to the active viewport's position when scrolling is
    // synchronised, else its middle slice.
    void assignSeries(int viewport, std::shared_ptr<const ImageStack> stack, int index = -1);
    // Fills the empty viewports on screen with series not yet shown in any, in order.
    void offerSeries(const std::vector<std::shared_ptr<const ImageStack>>& series);
    // Viewports 1..3 (viewport 0 is the window's: primaryIndexRequested).
    void showIndex(int viewport, int index);
    void step(int viewport, int delta);
    // From the window: viewport 0 asks for image `index` of `stack` (the others follow)...
    void primaryRequested(std::shared_ptr<const ImageStack> stack, int index);
    // ... and shows it.
    void primaryShown(const std::shared_ptr<const ImageStack>& stack, int index, const LoadedImage& image);
    // Empties viewports 1..3 and forgets viewport 0's series.
    void clear();
    bool busy() const;

    void setSyncScroll(bool on);
    bool syncScroll() const { return syncScroll_; }
    void setSyncWindow(bool on);
    bool syncWindow() const { return syncWindow_; }
    void setSyncZoom(bool on);
    bool syncZoom() const { return syncZoom_; }
    // Whether scrolling `a` moves `b` (both shown, synchronised, and linkable by position).
    bool scrollLinked(int a, int b) const;

    struct ReferenceLine {
        int source = -1; // the viewport whose slice plane this is
        QLineF line;     // in the viewport's image coordinates
    };
    // The reference lines drawn on `viewport`.
    std::vector<ReferenceLine> referenceLines(int viewport) const;

signals:
    // Synchronised scrolling moves viewport 0: the window shows this image of its series.
    void primaryIndexRequested(int index);
    void activeViewportChanged(int viewport);
    // A series from the study browser was dropped on viewport 0 (the others take it themselves).
    void primarySeriesDropped(int browserIndex);
    // A series with this index in the study browser was dropped on `viewport` 1..3.
    void seriesDropped(int viewport, int browserIndex);
    // Files were dropped on the images: the window opens them.
    void filesDropped(const QStringList& paths);
    // A viewport's image is on screen (or failed: `error`).
    void viewportShown(int viewport, int index, const QString& error);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    struct Cell {
        ImageView* view = nullptr;
        SeriesImageLoader* loader = nullptr; // null for viewport 0 (the window loads its images)
        QWidget* decoration = nullptr;       // outline and reference lines, over the view
        std::shared_ptr<const ImageStack> stack;
        std::vector<std::optional<SliceGeometry>> slices; // per item, from the headers
        int index = -1, shown = -1;
        std::string frameOfReference; // of the shown image
    };
    void setStack(Cell& cell, std::shared_ptr<const ImageStack> stack);
    void onLoaded(int viewport, const SeriesImageLoader::Result& result);
    // Moves the other viewports to the position of `source`'s current slice.
    void follow(int source);
    void linkViewState(int source, bool window);
    void updateDecorations();
    int viewportAt(const QPoint& pos) const;
    const SliceGeometry* geometryOf(const Cell& cell, int index) const;
    void paintDecoration(int viewport, QWidget* on);

    Layout layout_ = Layout::Single;
    QGridLayout* grid_;
    std::array<Cell, kMaxViewports> cells_;
    int active_ = 0;
    bool syncScroll_ = true, syncWindow_ = true, syncZoom_ = true;
    bool following_ = false; // moving viewports to a position: they do not pass it on
    bool linking_ = false;   // copying a view state
};

} // namespace sinar::ui
