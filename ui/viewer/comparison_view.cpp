#include "ui/viewer/comparison_view.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGridLayout>
#include <QMimeData>
#include <QUrl>
#include <QMouseEvent>
#include <QPainter>
#include <QResizeEvent>
#include <algorithm>
#include <functional>

#include "ui/viewer/comparison_geometry.h"
#include "ui/viewer/corner_annotations.h"
#include "ui/viewer/image_view.h"

namespace sinar::ui {

namespace {

// A transparent layer over a viewport's image view: the mouse goes through it.
class Decoration : public QWidget {
public:
    Decoration(QWidget* view, std::function<void(QWidget*)> paint) : QWidget(view), paint_(std::move(paint))
    {
        setAttribute(Qt::WA_TransparentForMouseEvents);
        setAttribute(Qt::WA_NoSystemBackground);
        setGeometry(view->rect());
        raise();
    }

protected:
    void paintEvent(QPaintEvent*) override { paint_(this); }

private:
    std::function<void(QWidget*)> paint_;
};

} // namespace

QString ComparisonView::layoutName(Layout layout)
{
    switch (layout) {
    case Layout::OneByTwo:
        return QStringLiteral("1x2");
    case Layout::TwoByTwo:
        return QStringLiteral("2x2");
    case Layout::Single:
        break;
    }
    return QStringLiteral("1x1");
}

std::optional<ComparisonView::Layout> ComparisonView::layoutFromName(const QString& name)
{
    for (Layout l : {Layout::Single, Layout::OneByTwo, Layout::TwoByTwo})
        if (name.compare(layoutName(l), Qt::CaseInsensitive) == 0)
            return l;
    return std::nullopt;
}

QString ComparisonView::seriesMimeType()
{
    return QStringLiteral("application/x-sinar-series");
}

QColor ComparisonView::viewportColour(int viewport)
{
    static const QColor colours[kMaxViewports] = {QColor(0xff, 0xb0, 0x20), QColor(0x30, 0xc8, 0xff),
                                                  QColor(0xff, 0x5a, 0xd8), QColor(0x70, 0xe0, 0x60)};
    return colours[std::clamp(viewport, 0, kMaxViewports - 1)];
}

ComparisonView::ComparisonView(ImageView* primary, QWidget* parent) : QWidget(parent)
{
    setAcceptDrops(true);
    grid_ = new QGridLayout(this);
    grid_->setContentsMargins(0, 0, 0, 0);
    grid_->setSpacing(2);
    for (int i = 0; i < kMaxViewports; ++i) {
        Cell& c = cells_[static_cast<size_t>(i)];
        if (i == 0) {
            c.view = primary;
            primary->setParent(this);
        } else {
            c.view = new ImageView(this);
            c.view->setObjectName(QStringLiteral("comparisonView%1").arg(i + 1));
            c.view->setPlaceholder(tr("Viewport %1: click it, then choose a series in the study browser (or drop one here).")
                                       .arg(i + 1));
            c.loader = new SeriesImageLoader(this);
            connect(c.loader, &SeriesImageLoader::loaded, this,
                    [this, i](const SeriesImageLoader::Result& r) { onLoaded(i, r); });
            connect(c.view, &ImageView::stepRequested, this, [this, i](int delta) { step(i, delta); });
        }
        c.decoration = new Decoration(c.view, [this, i](QWidget* on) { paintDecoration(i, on); });
        c.view->installEventFilter(this);
        connect(c.view, &ImageView::viewChanged, this, [this, i] {
            linkViewState(i, false);
            cells_[static_cast<size_t>(i)].decoration->update();
        });
        connect(c.view, &ImageView::windowChanged, this, [this, i] { linkViewState(i, true); });
    }
    setLayoutKind(Layout::Single);
}

int ComparisonView::viewportCount() const
{
    return layout_ == Layout::TwoByTwo ? 4 : layout_ == Layout::OneByTwo ? 2 : 1;
}

void ComparisonView::setLayoutKind(Layout layout)
{
    layout_ = layout;
    for (const Cell& c : cells_)
        grid_->removeWidget(c.view);
    const int n = viewportCount();
    for (int i = 0; i < kMaxViewports; ++i) {
        const Cell& c = cells_[static_cast<size_t>(i)];
        if (i < n)
            grid_->addWidget(c.view, i / 2, i % 2);
        c.view->setVisible(i < n);
    }
    for (int r = 0; r < 2; ++r) {
        grid_->setRowStretch(r, r < (n + 1) / 2 ? 1 : 0);
        grid_->setColumnStretch(r, r < std::min(n, 2) ? 1 : 0);
    }
    if (active_ >= n)
        setActiveViewport(0);
    // Viewports back on screen catch up with the others.
    for (int i = 1; i < n; ++i)
        if (cells_[static_cast<size_t>(i)].stack) {
            follow(0);
            break;
        }
    updateDecorations();
}

ImageView* ComparisonView::view(int viewport) const
{
    return cells_.at(static_cast<size_t>(viewport)).view;
}

std::shared_ptr<const ImageStack> ComparisonView::stack(int viewport) const
{
    return cells_.at(static_cast<size_t>(viewport)).stack;
}

int ComparisonView::index(int viewport) const
{
    return cells_.at(static_cast<size_t>(viewport)).index;
}

int ComparisonView::shownIndex(int viewport) const
{
    return cells_.at(static_cast<size_t>(viewport)).shown;
}

void ComparisonView::setActiveViewport(int viewport)
{
    viewport = std::clamp(viewport, 0, viewportCount() - 1);
    if (viewport == active_)
        return;
    active_ = viewport;
    updateDecorations();
    emit activeViewportChanged(active_);
}

void ComparisonView::setStack(Cell& cell, std::shared_ptr<const ImageStack> stack)
{
    if (cell.stack == stack)
        return;
    cell.stack = std::move(stack);
    cell.slices = cell.stack ? stackGeometries(*cell.stack) : std::vector<std::optional<SliceGeometry>>{};
    cell.index = cell.shown = -1;
    cell.frameOfReference.clear();
    if (cell.loader)
        cell.loader->setStack(cell.stack);
}

void ComparisonView::assignSeries(int viewport, std::shared_ptr<const ImageStack> stack, int index)
{
    if (viewport < 1 || viewport >= kMaxViewports || !stack || stack->empty())
        return;
    Cell& c = cells_[static_cast<size_t>(viewport)];
    setStack(c, std::move(stack));
    if (index < 0) {
        // Where the active viewport is, when the two scroll together; else the middle.
        const Cell& from = cells_[static_cast<size_t>(active_ == viewport ? 0 : active_)];
        const SliceGeometry* here = geometryOf(from, from.index);
        const int mid = static_cast<int>(c.stack->size() / 2);
        const SliceGeometry* there = geometryOf(c, mid);
        index = mid;
        if (syncScroll_ && here && there && scrollLinkable(*here, from.frameOfReference, *there, c.frameOfReference)) {
            const int k = nearestStackIndex(c.slices, sliceCentre(*here));
            if (k >= 0)
                index = k;
        }
    }
    following_ = true; // placed to match the others, not moving them
    showIndex(viewport, index);
    following_ = false;
}

void ComparisonView::offerSeries(const std::vector<std::shared_ptr<const ImageStack>>& series)
{
    auto shown = [this](const std::shared_ptr<const ImageStack>& s) {
        return std::any_of(cells_.begin(), cells_.end(), [&s](const Cell& c) { return c.stack == s; });
    };
    for (int i = 1; i < viewportCount(); ++i) {
        if (cells_[static_cast<size_t>(i)].stack)
            continue;
        const auto it = std::find_if(series.begin(), series.end(), [&shown](const auto& s) { return s && !s->empty() && !shown(s); });
        if (it == series.end())
            return;
        assignSeries(i, *it);
    }
}

void ComparisonView::showIndex(int viewport, int index)
{
    if (viewport < 1 || viewport >= kMaxViewports)
        return;
    Cell& c = cells_[static_cast<size_t>(viewport)];
    if (!c.stack || index < 0 || index >= static_cast<int>(c.stack->size()) || index == c.index)
        return;
    c.index = index;
    c.loader->load(index); // onLoaded follows, at once when cached
    follow(viewport);
}

void ComparisonView::step(int viewport, int delta)
{
    if (viewport == 0) {
        const Cell& c = cells_[0];
        if (c.stack)
            emit primaryIndexRequested(std::clamp(c.index + delta, 0, static_cast<int>(c.stack->size()) - 1));
        return;
    }
    const Cell& c = cells_.at(static_cast<size_t>(viewport));
    if (c.stack)
        showIndex(viewport, std::clamp(c.index + delta, 0, static_cast<int>(c.stack->size()) - 1));
}

void ComparisonView::primaryRequested(std::shared_ptr<const ImageStack> stack, int index)
{
    Cell& c = cells_[0];
    setStack(c, std::move(stack));
    c.index = index;
    follow(0);
}

void ComparisonView::primaryShown(const std::shared_ptr<const ImageStack>& stack, int index, const LoadedImage& image)
{
    Cell& c = cells_[0];
    setStack(c, stack);
    c.shown = index;
    if (c.index < 0)
        c.index = index;
    c.frameOfReference = frameOfReferenceOf(image);
    updateDecorations();
}

void ComparisonView::onLoaded(int viewport, const SeriesImageLoader::Result& r)
{
    Cell& c = cells_[static_cast<size_t>(viewport)];
    if (r.stack != c.stack)
        return;
    if (!r.error.isEmpty()) {
        emit viewportShown(viewport, r.index, r.error);
        return;
    }
    const bool sameSeries = c.shown >= 0 && c.view->hasImage();
    c.view->setImage(r.image.image, sameSeries);
    c.view->setAnnotations(CornerAnnotations::of(*r.stack, r.index, r.image));
    c.shown = r.index;
    c.frameOfReference = frameOfReferenceOf(r.image);
    if (!sameSeries) {
        // A new series opens at the zoom and window of the viewports it is synchronised with.
        const int from = active_ != viewport && cells_[static_cast<size_t>(active_)].view->hasImage() ? active_ : 0;
        if (from != viewport && cells_[static_cast<size_t>(from)].view->hasImage()) {
            linkViewState(from, false);
            linkViewState(from, true);
        }
    }
    updateDecorations();
    emit viewportShown(viewport, r.index, {});
}

void ComparisonView::clear()
{
    for (int i = 0; i < kMaxViewports; ++i) {
        Cell& c = cells_[static_cast<size_t>(i)];
        setStack(c, nullptr);
        if (c.loader) {
            c.loader->clear();
            c.view->clear();
        }
    }
    updateDecorations();
}

bool ComparisonView::busy() const
{
    return std::any_of(cells_.begin(), cells_.end(), [](const Cell& c) {
        return c.loader && (c.loader->busy() || (c.stack && c.index != c.shown));
    });
}

void ComparisonView::setSyncScroll(bool on)
{
    syncScroll_ = on;
    if (on)
        follow(active_);
}

void ComparisonView::setSyncWindow(bool on)
{
    syncWindow_ = on;
    if (on)
        linkViewState(active_, true);
}

void ComparisonView::setSyncZoom(bool on)
{
    syncZoom_ = on;
    if (on)
        linkViewState(active_, false);
}

const SliceGeometry* ComparisonView::geometryOf(const Cell& cell, int index) const
{
    if (index < 0 || index >= static_cast<int>(cell.slices.size()) || !cell.slices[static_cast<size_t>(index)])
        return nullptr;
    return &*cell.slices[static_cast<size_t>(index)];
}

bool ComparisonView::scrollLinked(int a, int b) const
{
    if (!syncScroll_ || a == b || a < 0 || b < 0 || a >= viewportCount() || b >= viewportCount())
        return false;
    const Cell& ca = cells_[static_cast<size_t>(a)];
    const Cell& cb = cells_[static_cast<size_t>(b)];
    const SliceGeometry* ga = geometryOf(ca, ca.index);
    const SliceGeometry* gb = geometryOf(cb, cb.index >= 0 ? cb.index : 0);
    return ga && gb && scrollLinkable(*ga, ca.frameOfReference, *gb, cb.frameOfReference);
}

void ComparisonView::follow(int source)
{
    if (following_ || !syncScroll_)
        return;
    const Cell& from = cells_[static_cast<size_t>(source)];
    const SliceGeometry* g = geometryOf(from, from.index);
    if (!g)
        return;
    const dicom::Vec3 point = sliceCentre(*g);
    following_ = true;
    for (int i = 0; i < viewportCount(); ++i) {
        const Cell& c = cells_[static_cast<size_t>(i)];
        if (i == source || !c.stack || !scrollLinked(source, i))
            continue;
        const int k = nearestStackIndex(c.slices, point);
        if (k < 0 || k == c.index)
            continue;
        if (i == 0)
            emit primaryIndexRequested(k); // the window shows it (primaryRequested follows)
        else
            showIndex(i, k);
    }
    following_ = false;
}

void ComparisonView::linkViewState(int source, bool window)
{
    if (linking_ || (window ? !syncWindow_ : !syncZoom_))
        return;
    const ImageView* from = cells_[static_cast<size_t>(source)].view;
    if (!from->hasImage() || source >= viewportCount())
        return;
    const ImageView::ViewState s = from->viewState();
    linking_ = true;
    for (int i = 0; i < viewportCount(); ++i) {
        ImageView* to = cells_[static_cast<size_t>(i)].view;
        if (i == source || !to->hasImage())
            continue;
        ImageView::ViewState t = to->viewState();
        if (window) {
            t.center = s.center;
            t.width = s.width;
        } else {
            t.zoom = s.zoom;
            t.fitted = s.fitted;
            t.pan = s.pan;
        }
        to->setViewState(t);
    }
    linking_ = false;
}

std::vector<ComparisonView::ReferenceLine> ComparisonView::referenceLines(int viewport) const
{
    std::vector<ReferenceLine> out;
    if (viewport < 0 || viewport >= viewportCount())
        return out;
    const Cell& target = cells_[static_cast<size_t>(viewport)];
    const SliceGeometry* tg = geometryOf(target, target.shown);
    if (!tg || !target.view->hasImage())
        return out;
    for (int i = 0; i < viewportCount(); ++i) {
        const Cell& s = cells_[static_cast<size_t>(i)];
        if (i == viewport)
            continue;
        const SliceGeometry* sg = geometryOf(s, s.shown);
        // Positions of two frames of reference are not comparable.
        if (!sg || (!target.frameOfReference.empty() && !s.frameOfReference.empty() &&
                    target.frameOfReference != s.frameOfReference))
            continue;
        if (const auto line = referenceLine(*tg, *sg))
            out.push_back({i, *line});
    }
    return out;
}

void ComparisonView::updateDecorations()
{
    for (const Cell& c : cells_)
        c.decoration->update();
}

void ComparisonView::paintDecoration(int viewport, QWidget* on)
{
    if (viewportCount() < 2)
        return;
    QPainter p(on);
    p.setRenderHint(QPainter::Antialiasing);
    const ImageView* v = cells_[static_cast<size_t>(viewport)].view;
    const QTransform t = v->imageToWidget();
    for (const ReferenceLine& r : referenceLines(viewport)) {
        QPen pen(viewportColour(r.source), 1.5);
        p.setPen(pen);
        p.drawLine(t.map(r.line));
    }
    if (viewport == active_) {
        p.setPen(QPen(viewportColour(viewport), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRectF(on->rect()).adjusted(1, 1, -1, -1));
    } else {
        // Which colour this viewport's lines have on the others.
        QColor c = viewportColour(viewport);
        c.setAlpha(140);
        p.setPen(QPen(c, 1));
        p.drawRect(QRectF(on->rect()).adjusted(0.5, 0.5, -0.5, -0.5));
    }
}

bool ComparisonView::eventFilter(QObject* watched, QEvent* event)
{
    for (int i = 0; i < kMaxViewports; ++i) {
        const Cell& c = cells_[static_cast<size_t>(i)];
        if (watched != c.view)
            continue;
        if (event->type() == QEvent::Resize)
            c.decoration->setGeometry(c.view->rect());
        else if (event->type() == QEvent::MouseButtonPress)
            setActiveViewport(i);
        break;
    }
    return QWidget::eventFilter(watched, event);
}

int ComparisonView::viewportAt(const QPoint& pos) const
{
    for (int i = 0; i < viewportCount(); ++i)
        if (cells_[static_cast<size_t>(i)].view->geometry().contains(pos))
            return i;
    return -1;
}

void ComparisonView::dragEnterEvent(QDragEnterEvent* e)
{
    // This view takes the drops over the images: series, and files to open.
    if (e->mimeData()->hasFormat(seriesMimeType()) || e->mimeData()->hasUrls())
        e->acceptProposedAction();
    else
        e->ignore();
}

void ComparisonView::dragMoveEvent(QDragMoveEvent* e)
{
    if (e->mimeData()->hasUrls() ||
        (e->mimeData()->hasFormat(seriesMimeType()) && viewportAt(e->position().toPoint()) >= 0))
        e->acceptProposedAction();
    else
        e->ignore();
}

void ComparisonView::dropEvent(QDropEvent* e)
{
    if (!e->mimeData()->hasFormat(seriesMimeType())) {
        QStringList paths;
        for (const QUrl& u : e->mimeData()->urls())
            if (u.isLocalFile())
                paths << u.toLocalFile();
        if (paths.isEmpty())
            return e->ignore();
        e->acceptProposedAction();
        emit filesDropped(paths);
        return;
    }
    const int viewport = viewportAt(e->position().toPoint());
    bool ok = false;
    const int browserIndex = QString::fromLatin1(e->mimeData()->data(seriesMimeType())).toInt(&ok);
    if (viewport < 0 || !ok) {
        e->ignore();
        return;
    }
    e->acceptProposedAction();
    setActiveViewport(viewport);
    if (viewport == 0)
        emit primarySeriesDropped(browserIndex);
    else
        emit seriesDropped(viewport, browserIndex);
}

} // namespace sinar::ui
