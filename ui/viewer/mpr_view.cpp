#include "ui/viewer/mpr_view.h"

#include <QGridLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "common/error.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/slab_bar.h"
#include "ui/widgets/error_text.h"
#include "dicom/geometry.h"

namespace sinar::ui {

namespace {

using dicom::MprPlane;
using dicom::Vec3;

using dicom::dot;

const MprPlane kPlanes[3] = {MprPlane::Axial, MprPlane::Coronal, MprPlane::Sagittal};

// Colours of each plane's crosshair line in the other panes (axial, coronal, sagittal).
const QColor kPlaneColor[3] = {QColor(0x4f, 0xb3, 0xc8), QColor(0x7f, 0xcf, 0x6a), QColor(0xf0, 0xa2, 0x3a)};

QString planeTitle(MprPlane p)
{
    switch (p) {
    case MprPlane::Axial: return QObject::tr("Axial");
    case MprPlane::Coronal: return QObject::tr("Coronal");
    case MprPlane::Sagittal: return QObject::tr("Sagittal");
    }
    return {};
}

} // namespace

PlaneGeometry MprView::planeGeometry(const dicom::Volume& volume, MprPlane plane, const Vec3& point)
{
    PlaneGeometry g;
    g.point = point;
    dicom::MprReslicer::axesOf(plane, g.right, g.down);
    const Vec3 sp = volume.spacing();
    g.spacing = std::min({sp[0], sp[1], sp[2]});
    double umin = std::numeric_limits<double>::max(), umax = -umin, vmin = umin, vmax = -umin;
    for (int c = 0; c < 8; ++c) {
        const Vec3 ijk{(c & 1) ? volume.dimension(0) - 1.0 : 0.0, (c & 2) ? volume.dimension(1) - 1.0 : 0.0,
                       (c & 4) ? volume.dimension(2) - 1.0 : 0.0};
        const Vec3 corner = volume.indexToPatient(ijk);
        const Vec3 d{corner[0] - point[0], corner[1] - point[1], corner[2] - point[2]};
        umin = std::min(umin, dot(d, g.right));
        umax = std::max(umax, dot(d, g.right));
        vmin = std::min(vmin, dot(d, g.down));
        vmax = std::max(vmax, dot(d, g.down));
    }
    const double s = g.spacing;
    g.u0 = static_cast<int>(std::floor(umin / s + 1e-6));
    g.v0 = static_cast<int>(std::floor(vmin / s + 1e-6));
    g.width = static_cast<int>(std::ceil(umax / s - 1e-6)) - g.u0 + 1;
    g.height = static_cast<int>(std::ceil(vmax / s - 1e-6)) - g.v0 + 1;
    return g;
}

MprView::MprView(QWidget* parent)
    : QWidget(parent), runner_(this, [this](Planes p) { onPlanes(std::move(p)); })
{
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    slabBar_ = new SlabBar(this);
    slabBar_->setObjectName(QStringLiteral("mprSlabBar"));
    slabBar_->setSlab(slabThickness_, slabMode_);
    connect(slabBar_, &SlabBar::slabChanged, this, [this] { setSlab(slabBar_->thickness(), slabBar_->mode()); });
    column->addWidget(slabBar_);
    auto* grid = new QGridLayout;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(2);
    column->addLayout(grid, 1);
    for (int i = 0; i < 3; ++i) {
        auto* v = new ImageView(this);
        v->setObjectName(QStringLiteral("mpr%1").arg(planeTitle(kPlanes[i])));
        v->setPickMode(true);
        v->setMinimumSize(120, 120);
        panes_[static_cast<size_t>(i)] = v;
        connect(v, &ImageView::pointPicked, this, [this, i](const QPointF& pos) {
            if (volume_ && geometry_[static_cast<size_t>(i)].width > 0)
                setCrosshair(paneToPatient(kPlanes[i], pos));
        });
        connect(v, &ImageView::stepRequested, this, [this, i](int delta) {
            // Move through the volume along this pane's normal.
            if (!volume_)
                return;
            const PlaneGeometry& g = geometry_[static_cast<size_t>(i)];
            const Vec3 n = dicom::sliceNormal(g.right, g.down);
            Vec3 p = point_;
            for (int k = 0; k < 3; ++k)
                p[static_cast<size_t>(k)] += delta * g.spacing * n[static_cast<size_t>(k)];
            setCrosshair(p);
        });
        connect(v, &ImageView::windowChanged, this, [this, i](double c, double w) { syncWindow(i, c, w); });
    }
    info_ = new QLabel(this);
    info_->setObjectName(QStringLiteral("mprInfo"));
    info_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    info_->setWordWrap(true);
    info_->setMargin(12);
    info_->setStyleSheet(QStringLiteral("background: black; color: #c8ccd2;"));
    grid->addWidget(panes_[0], 0, 0);
    grid->addWidget(panes_[1], 0, 1);
    grid->addWidget(panes_[2], 1, 0);
    grid->addWidget(info_, 1, 1);
    grid->setRowStretch(0, 1);
    grid->setRowStretch(1, 1);
    grid->setColumnStretch(0, 1);
    grid->setColumnStretch(1, 1);
}

void MprView::setVolume(std::shared_ptr<const dicom::Volume> volume)
{
    volume_ = std::move(volume);
    firstShow_ = true;
    if (!volume_) {
        clear();
        return;
    }
    setCrosshair(volume_->center());
}

void MprView::clear()
{
    volume_.reset();
    runner_.discard();
    for (ImageView* v : panes_) {
        v->clear();
        v->clearCrosshair();
    }
    info_->clear();
}

void MprView::setCrosshair(const Vec3& point)
{
    if (!volume_)
        return;
    // Keep the point inside the volume.
    Vec3 ijk = volume_->patientToIndex(point);
    for (int k = 0; k < 3; ++k)
        ijk[static_cast<size_t>(k)] = std::clamp(ijk[static_cast<size_t>(k)], 0.0, volume_->dimension(k) - 1.0);
    point_ = volume_->indexToPatient(ijk);
    request();
}

void MprView::setWindow(double center, double width)
{
    hasWindow_ = true;
    windowCenter_ = center;
    windowWidth_ = width;
    syncing_ = true;
    for (ImageView* v : panes_)
        if (v->hasImage())
            v->setWindow(center, width);
    syncing_ = false;
}

void MprView::setSlab(double thickness, dicom::SlabMode mode)
{
    thickness = std::clamp(thickness, 0.0, SlabBar::kMaxThickness);
    if (thickness == slabThickness_ && mode == slabMode_)
        return;
    slabThickness_ = thickness;
    slabMode_ = mode;
    if (thickness > 0)
        lastSlabThickness_ = thickness;
    slabBar_->setSlab(thickness, mode);
    if (volume_)
        request();
    emit slabChanged();
}

void MprView::cycleSlabMode()
{
    if (slabThickness_ <= 0)
        setSlab(lastSlabThickness_, dicom::SlabMode::Mip);
    else if (slabMode_ == dicom::SlabMode::Mip)
        setSlab(slabThickness_, dicom::SlabMode::MinIp);
    else if (slabMode_ == dicom::SlabMode::MinIp)
        setSlab(slabThickness_, dicom::SlabMode::Average);
    else
        setSlab(0, slabMode_);
}

void MprView::request()
{
    auto volume = volume_;
    const Vec3 point = point_;
    dicom::MprOptions options;
    options.slabThickness = slabThickness_;
    options.slabMode = slabMode_;
    runner_.submit([volume, point, options] {
        Planes out;
        out.point = point;
        out.slabThickness = options.slabThickness;
        out.slabMode = options.slabMode;
        try {
            const dicom::MprReslicer reslicer(*volume);
            for (int i = 0; i < 3; ++i) {
                out.images[static_cast<size_t>(i)] = reslicer.reslice(kPlanes[i], point, options);
                out.geometry[static_cast<size_t>(i)] = planeGeometry(*volume, kPlanes[i], point);
            }
        } catch (const std::exception& e) {
            out.error = errorText(e);
        }
        return out;
    });
}

dicom::Vec3 MprView::paneToPatient(MprPlane plane, const QPointF& imagePos) const
{
    const PlaneGeometry& g = geometry_[static_cast<size_t>(plane)];
    const double a = (imagePos.x() - 0.5 + g.u0) * g.spacing;
    const double b = (imagePos.y() - 0.5 + g.v0) * g.spacing;
    Vec3 p;
    for (size_t k = 0; k < 3; ++k)
        p[k] = g.point[k] + a * g.right[k] + b * g.down[k];
    return p;
}

void MprView::onPlanes(Planes planes)
{
    if (!volume_)
        return;
    if (!planes.error.isEmpty()) {
        info_->setText(tr("Cannot reslice: %1").arg(planes.error));
        return;
    }
    for (int i = 0; i < 3; ++i) {
        const size_t k = static_cast<size_t>(i);
        ImageView* v = panes_[k];
        const imaging::Image& img = planes.images[k];
        PlaneGeometry g = planes.geometry[k];
        const bool geometryMatches = img.width() == g.width && img.height() == g.height;
        const bool keep = v->hasImage() && !firstShow_;
        const double c = keep ? v->windowCenter() : windowCenter_, w = keep ? v->windowWidth() : windowWidth_;
        syncing_ = true;
        v->setImage(img, keep);
        if (keep || hasWindow_)
            v->setWindow(c, w);
        syncing_ = false;
        geometry_[k] = g;
        if (geometryMatches)
            // The other two planes cross this one through the point: their colours.
            v->setCrosshair(QPointF(-g.u0 + 0.5, -g.v0 + 0.5), kPlaneColor[i == 0 ? 1 : 0], kPlaneColor[i == 2 ? 1 : 2]);
        else
            v->clearCrosshair();
        ImageView::Annotations a;
        a.topLeft = planeTitle(kPlanes[i]);
        a.topRight = SlabBar::describe(planes.slabThickness, planes.slabMode);
        a.bottomLeft = tr("%1 × %2 px, %3 mm").arg(img.width()).arg(img.height()).arg(g.spacing, 0, 'g', 3);
        a.oriented = true;
        a.imageRight = g.right;
        a.imageDown = g.down;
        v->setAnnotations(a);
    }
    firstShow_ = false;
    point_ = planes.point;
    const Vec3 ijk = volume_->patientToIndex(point_);
    const double value = volume_->sample(ijk);
    QStringList notes;
    for (const std::string& n : volume_->notes())
        notes << QString::fromStdString(n).toHtmlEscaped();
    QStringList corrections;
    if (volume_->shearCorrected())
        corrections << tr("shear corrected (gantry tilt %1°)").arg(volume_->tiltDegrees(), 0, 'f', 2);
    else if (volume_->geometryCorrected())
        corrections << tr("resampled onto a regular grid");
    if (volume_->interpolatedSlices() > 0)
        corrections << (volume_->interpolatedSlices() == 1 ? tr("1 interpolated plane")
                                                           : tr("%1 interpolated planes").arg(volume_->interpolatedSlices()));
    info_->setText(tr("<b>%1</b><br>%2 × %3 × %4 voxels, %5 × %6 × %7 mm%16<br><br>"
                      "Crosshair (patient, mm): %8, %9, %10<br>voxel %11, %12, %13<br>value %14<br><br>"
                      "<span style='color:#8a929c'>Left-click or drag: move the crosshair · wheel: move along the pane's normal · "
                      "right-drag: window</span>%15")
                       .arg(QString::fromStdString(volume_->label()).toHtmlEscaped())
                       .arg(volume_->dimension(0))
                       .arg(volume_->dimension(1))
                       .arg(volume_->dimension(2))
                       .arg(volume_->spacing()[0], 0, 'g', 3)
                       .arg(volume_->spacing()[1], 0, 'g', 3)
                       .arg(volume_->spacing()[2], 0, 'g', 3)
                       .arg(point_[0], 0, 'f', 1)
                       .arg(point_[1], 0, 'f', 1)
                       .arg(point_[2], 0, 'f', 1)
                       .arg(ijk[0], 0, 'f', 1)
                       .arg(ijk[1], 0, 'f', 1)
                       .arg(ijk[2], 0, 'f', 1)
                       .arg(value, 0, 'g', 5)
                       .arg(notes.isEmpty() ? QString() : QStringLiteral("<br><br>") + notes.join(QStringLiteral("<br>")))
                       .arg(corrections.isEmpty() ? QString()
                                                  : QStringLiteral("<br><span style='color:#e0a030'>%1</span>")
                                                        .arg(corrections.join(QStringLiteral(", ")).toHtmlEscaped())));
    emit planesShown();
}

void MprView::syncWindow(int from, double center, double width)
{
    if (syncing_)
        return;
    syncing_ = true;
    for (int i = 0; i < 3; ++i)
        if (i != from && panes_[static_cast<size_t>(i)]->hasImage())
            panes_[static_cast<size_t>(i)]->setWindow(center, width);
    syncing_ = false;
}

} // namespace sinar::ui
