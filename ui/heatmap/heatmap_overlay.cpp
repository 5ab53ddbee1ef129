#include "ui/heatmap/heatmap_overlay.h"

#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QImageWriter>
#include <QRegularExpression>
#include <QtConcurrent/QtConcurrentRun>
#include <cmath>

#include "dicom/mpr.h"
#include "ui/classify/classification_panel.h"
#include "ui/heatmap/heatmap_controls.h"
#include "ui/heatmap/heatmap_render.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/mpr_view.h"
#include "dicom/geometry.h"

namespace sinar::ui {

namespace {

// Whether a plane with these axes has the orientation of a slice with normal `n`.
bool parallelToSlice(const dicom::Vec3& n, const dicom::Vec3& right, const dicom::Vec3& down)
{
    return std::abs(dicom::dot(n, dicom::sliceNormal(right, down))) > 1 - 1e-6;
}

} // namespace

HeatMapOverlay::HeatMapOverlay(ClassificationPanel* panel, ImageView* view, ImageView* sideView, MprView* mpr, QObject* parent)
    : QObject(parent), panel_(panel), controls_(panel->heatMapControls()), view_(view), sideView_(sideView), mpr_(mpr)
{
    connect(panel_, &ClassificationPanel::resultShown, this, &HeatMapOverlay::onClassificationShown);
    connect(controls_, &HeatMapControls::requestChanged, this, &HeatMapOverlay::refresh);
    connect(controls_, &HeatMapControls::appearanceChanged, this, &HeatMapOverlay::refresh);
    connect(controls_, &HeatMapControls::sideBySideChanged, this, &HeatMapOverlay::applySideBySide);
    // Side by side, the two views move together: zoom, pan, rotation, flips, window.
    connect(view_, &ImageView::viewChanged, this, [this] { linkViews(view_, sideView_); });
    connect(view_, &ImageView::windowChanged, this, [this] { linkViews(view_, sideView_); });
    connect(sideView_, &ImageView::viewChanged, this, [this] { linkViews(sideView_, view_); });
    connect(sideView_, &ImageView::windowChanged, this, [this] { linkViews(sideView_, view_); });
    connect(mpr_, &MprView::planesShown, this, &HeatMapOverlay::updateMprOverlay);
}

void HeatMapOverlay::setMprQueries(std::function<bool()> volumeOfShownSeries, std::function<bool()> mprShown)
{
    volumeOfShownSeries_ = std::move(volumeOfShownSeries);
    mprShown_ = std::move(mprShown);
}

QString HeatMapOverlay::shownSource() const
{
    return view_->hasImage() ? QString::fromStdString(view_->image().source) : QString();
}

void HeatMapOverlay::forgetMap()
{
    heatMap_.release();
    heatSource_.clear();
    heatImage_ = {};
}

bool HeatMapOverlay::sideBySide() const
{
    return controls_->sideBySide();
}

bool HeatMapOverlay::hasMapOfShownImage() const
{
    return !heatMap_.empty() && heatSource_ == shownSource();
}

void HeatMapOverlay::showImage(const LoadedImage& image, bool sameSeries)
{
    linking_ = true; // the side view follows once it has the new image too
    view_->setImage(image.image, sameSeries); // drops an overlay of another image
    linking_ = false;
    if (heatSource_ != QString::fromStdString(image.image.source))
        forgetMap();
    shownIsDicom_ = image.dicom;
    shownFrame_ = image.frame;
    if (sideBySide()) {
        linking_ = true;
        sideView_->setImage(image.image, sameSeries);
        linking_ = false;
        linkViews(view_, sideView_);
    }
}

void HeatMapOverlay::clear()
{
    view_->clear();
    sideView_->clear();
    forgetMap();
    shownIsDicom_ = false;
}

void HeatMapOverlay::applySideBySide(bool on)
{
    if (on == sideView_->isVisibleTo(sideView_->parentWidget()))
        return;
    sideView_->setVisible(on);
    if (on && view_->hasImage()) {
        linking_ = true;
        sideView_->setImage(view_->image(), false);
        linking_ = false;
        linkViews(view_, sideView_);
    } else if (!on) {
        sideView_->clear();
    }
    refresh();
}

void HeatMapOverlay::linkViews(ImageView* from, ImageView* to)
{
    if (linking_ || !sideBySide() || !from->hasImage() || !to->hasImage())
        return;
    linking_ = true;
    to->setViewState(from->viewState());
    linking_ = false;
}

bool HeatMapOverlay::pending() const
{
    if (!controls_->overlayOn() || !panel_->model() || !view_->hasImage())
        return false;
    if (!panel_->autoRun() && !panel_->busy())
        return false; // nothing will come until the user presses Classify
    const Classification& c = panel_->lastResult();
    if (c.source != QString::fromStdString(view_->image().source))
        return true; // the shown image's result has not come yet
    if (!c.ok())
        return false; // not classified: there will be no map
    return c.heatRequest != controls_->request();
}

void HeatMapOverlay::onClassificationShown(const Classification& c)
{
    if (c.source != shownSource())
        return; // a result of an image no longer on screen
    if (c.hasHeatMap() && c.heatMap.cols == view_->image().width() && c.heatMap.rows == view_->image().height()) {
        heatMap_ = c.heatMap;
        heatSource_ = c.source;
        heatImage_ = {};
        heatMethodKey_ = QString::fromStdString(explain::toString(c.heatRequest.method));
        heatCaption_ = c.heatMethod;
        heatClassName_.clear();
        if (c.heatClass >= 0 && static_cast<size_t>(c.heatClass) < c.classNames.size()) {
            heatClassName_ = QString::fromStdString(c.classNames[static_cast<size_t>(c.heatClass)]);
            heatCaption_ += QStringLiteral(" · %1").arg(heatClassName_);
        }
    } else {
        // No map asked for, or it failed: an older map of this image would
        // now claim to be what the controls say, so it goes.
        forgetMap();
    }
    refresh();
}

void HeatMapOverlay::refresh()
{
    HeatMapControls* h = controls_;
    const bool have = h->overlayOn() && hasMapOfShownImage();
    h->setExportEnabled(have);
    if (!have) {
        view_->clearOverlay();
        sideView_->clearOverlay();
        view_->setOverlayLegend({}, {}); // and the band kept for it
        sideView_->setOverlayLegend({}, {});
    } else {
        // Colour-mapped once per map and colour map; opacity is applied when drawing.
        if (heatImage_.isNull() || heatImageColours_ != h->colours()) {
            heatImage_ = heatMapImage(heatMap_, h->colours());
            heatImageColours_ = h->colours();
        }
        if (heatLegend_.isNull() || heatLegendColours_ != h->colours()) {
            cv::Mat ramp(1, 256, CV_32F);
            for (int i = 0; i < 256; ++i)
                ramp.at<float>(0, i) = static_cast<float>(i) / 255.0f;
            heatLegend_ = heatMapImage(ramp, h->colours());
            heatLegendColours_ = h->colours();
        }
        view_->setOverlayLegend(heatLegend_, heatCaption_);
        sideView_->setOverlayLegend(heatLegend_, heatCaption_);
        const bool side = sideBySide();
        view_->setOverlay(heatImage_, heatSource_);
        view_->setOverlayVisible(!side);
        view_->setOverlayOpacity(h->opacity());
        if (side) {
            sideView_->setOverlay(heatImage_, heatSource_);
            sideView_->setOverlayVisible(true);
            sideView_->setOverlayOpacity(h->opacity());
        }
    }
    updateSideAnnotations();
    updateMprOverlay();
}

void HeatMapOverlay::updateSideAnnotations()
{
    if (!sideBySide())
        return;
    ImageView::Annotations a;
    if (sideView_->overlayDrawn())
        a.topLeft = tr("Heat map: %1").arg(heatCaption_);
    else if (!controls_->errorText().isEmpty())
        a.topLeft = tr("No heat map (see the panel)");
    else
        a.topLeft = tr("Heat map: computing…");
    // The same image, so the same orientation.
    a.oriented = view_->annotations().oriented;
    a.imageRight = view_->annotations().imageRight;
    a.imageDown = view_->annotations().imageDown;
    sideView_->setAnnotations(a);
}

void HeatMapOverlay::updateMprOverlay()
{
    using dicom::MprPlane;
    HeatMapControls* h = controls_;
    SliceGeometry slice;
    // A slab pane shows many slices combined: a single slice's map does not belong on it.
    const bool slab = mpr_->slabThickness() > 0;
    const bool candidate = h->overlayOn() && hasMapOfShownImage() && mpr_->hasVolume() && volumeOfShownSeries_() &&
                           shownIsDicom_ && !slab && sliceGeometry(shownFrame_, view_->image(), slice);
    QStringList drawnOn;
    bool parallel = false; // some pane has the slice's orientation
    for (MprPlane plane : {MprPlane::Axial, MprPlane::Coronal, MprPlane::Sagittal}) {
        ImageView* pane = mpr_->pane(plane);
        const PlaneGeometry& g = mpr_->geometry(plane);
        cv::Mat planeMap, mask;
        if (candidate) {
            const dicom::Vec3 n = shownFrame_.normal();
            parallel = parallel || parallelToSlice(n, g.right, g.down);
        }
        if (candidate && pane->hasImage() && pane->image().width() == g.width && pane->image().height() == g.height &&
            mapOntoPlane(heatMap_, slice, g, planeMap, mask)) {
            pane->setOverlay(heatMapImage(planeMap, h->colours(), mask), QString::fromStdString(pane->image().source));
            pane->setOverlayOpacity(h->opacity());
            pane->setOverlayVisible(true);
            drawnOn << QString::fromStdString(dicom::MprReslicer::name(plane)).toLower();
        } else {
            pane->clearOverlay();
        }
    }
    QString note;
    if (mprShown_() && h->overlayOn()) {
        if (!drawnOn.isEmpty())
            note = tr("MPR: the heat map is drawn on the %1 pane, which shows the classified slice.").arg(drawnOn.join(", "));
        else if (slab)
            note = tr("MPR: the panes show a slab, so the classified slice's heat map is drawn in the single view only.");
        else if (!candidate)
            note = tr("MPR: the heat map is drawn only on the pane that shows the classified slice.");
        else if (!parallel)
            note = tr("MPR: no pane shows the classified slice: it is oblique to the axial, coronal and sagittal "
                      "planes, so the heat map is drawn in the single view only.");
        else
            note = tr("MPR: the crosshair is off the classified slice, so no pane shows its heat map "
                      "(Up/Down move to a slice).");
    }
    h->setNote(note);
}

void HeatMapOverlay::followShownSlice()
{
    // Oblique series are left as they are: no pane could show the slice.
    if (!mpr_->hasVolume() || !volumeOfShownSeries_() || !shownIsDicom_ || !shownFrame_.hasPosition ||
        !shownFrame_.hasOrientation)
        return;
    const dicom::Vec3 n = shownFrame_.normal();
    bool inPane = false;
    for (dicom::MprPlane plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
        dicom::Vec3 right, down;
        dicom::MprReslicer::axesOf(plane, right, down);
        inPane = inPane || parallelToSlice(n, right, down);
    }
    if (!inPane)
        return;
    const dicom::Vec3 c = mpr_->crosshair();
    const dicom::Vec3& p = shownFrame_.position;
    const double d = (p[0] - c[0]) * n[0] + (p[1] - c[1]) * n[1] + (p[2] - c[2]) * n[2];
    if (std::abs(d) < 1e-9)
        return;
    mpr_->setCrosshair({c[0] + d * n[0], c[1] + d * n[1], c[2] + d * n[2]});
}

QString HeatMapOverlay::paneShowingShownSlice(QString* why) const
{
    auto fail = [&](const QString& reason) {
        if (why)
            *why = reason;
        return QString();
    };
    if (!mpr_->hasVolume() || !volumeOfShownSeries_() || !shownIsDicom_ || !shownFrame_.hasPosition ||
        !shownFrame_.hasOrientation)
        return fail(tr("the image has no position in the volume"));
    if (mpr_->slabThickness() > 0)
        return fail(tr("the panes show a %1 mm slab, not single slices").arg(mpr_->slabThickness(), 0, 'g', 3));
    const dicom::Vec3 n = shownFrame_.normal();
    const double halfVoxel = 0.5 * mpr_->volume()->spacing()[2];
    bool parallel = false;
    for (dicom::MprPlane plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
        const PlaneGeometry& g = mpr_->geometry(plane);
        if (!parallelToSlice(n, g.right, g.down))
            continue;
        parallel = true;
        const dicom::Vec3& p = shownFrame_.position;
        const dicom::Vec3 d{g.point[0] - p[0], g.point[1] - p[1], g.point[2] - p[2]};
        if (std::abs(dicom::dot(d, n)) <= halfVoxel)
            return QString::fromStdString(dicom::MprReslicer::name(plane)).toLower();
    }
    return fail(parallel ? tr("the crosshair is off its slice") : tr("its slice is oblique to all three panes"));
}

QString HeatMapOverlay::suggestedFileName() const
{
    QString base = QFileInfo(heatSource_).completeBaseName();
    base.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    QString cls = heatClassName_;
    cls.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
    return cls.isEmpty() ? QStringLiteral("%1-%2.png").arg(base, heatMethodKey_)
                         : QStringLiteral("%1-%2-%3.png").arg(base, heatMethodKey_, cls);
}

void HeatMapOverlay::exportPng(const QString& path, bool burnIn)
{
    if (!hasMapOfShownImage()) {
        emit exported(path, tr("there is no heat map of the shown image"));
        return;
    }
    // Blending and PNG encoding of a large image take a while: in the background.
    const QImage rendered = view_->renderedImage(); // the current window, at the image's size
    const cv::Mat map = heatMap_;
    const explain::ColourMap colours = controls_->colours();
    const double opacity = controls_->opacity();
    const QImage ramp = burnIn ? heatLegend_ : QImage();
    const QString caption = heatCaption_;
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path] {
        const QString error = watcher->result();
        watcher->deleteLater();
        emit exported(path, error);
    });
    watcher->setFuture(QtConcurrent::run([rendered, map, colours, opacity, path, ramp, caption]() -> QString {
        QImage blended = blendHeatMap(rendered, map, colours, opacity);
        if (blended.isNull())
            return QObject::tr("the heat map does not match the image's size");
        if (!ramp.isNull())
            blended = withBurntInLegend(blended, ramp, caption);
        const QFileInfo info(path);
        if (!info.absoluteDir().exists())
            return QObject::tr("the folder %1 does not exist").arg(info.absolutePath());
        QImageWriter writer(path, "png");
        if (!writer.write(blended))
            return writer.errorString();
        return QString();
    }));
}

} // namespace sinar::ui
