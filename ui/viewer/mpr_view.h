#pragma once
// Three-pane multiplanar view of a volume: axial, coronal and sagittal planes
// through one point with a linked crosshair. Clicking or dragging with the
// left button in a pane moves the point; the wheel moves it along the pane's
// normal; right-drag sets the window of all three panes. A bar above the
// panes sets a thick slab (MIP, MinIP or average over a thickness in mm).
// Reslicing runs in the background (latest request wins) through
// dicom::MprReslicer.
#include <QWidget>
#include <array>
#include <memory>

#include "dicom/mpr.h"
#include "dicom/volume.h"
#include "ui/widgets/latest_runner.h"

class QLabel;

namespace sinar::ui {

class ImageView;
class SlabBar;

// Where a resliced plane lies: image pixel (x, y) (centre at x + 0.5) is the
// patient point  point + (x + u0) * spacing * right + (y + v0) * spacing * down.
struct PlaneGeometry {
    dicom::Vec3 point{{0, 0, 0}};
    dicom::Vec3 right{{1, 0, 0}};
    dicom::Vec3 down{{0, 1, 0}};
    double spacing = 1;
    int u0 = 0, v0 = 0;
    int width = 0, height = 0;
};

class MprView : public QWidget {
    Q_OBJECT
public:
    explicit MprView(QWidget* parent = nullptr);

    void setVolume(std::shared_ptr<const dicom::Volume> volume);
    void clear();
    bool hasVolume() const { return volume_ != nullptr; }
    std::shared_ptr<const dicom::Volume> volume() const { return volume_; }

    // Moves the crosshair to a patient point (mm); the planes follow.
    void setCrosshair(const dicom::Vec3& point);
    dicom::Vec3 crosshair() const { return point_; }
    bool busy() const { return runner_.busy(); }

    // Every pane gets this window now, and the first planes of a new volume
    // start with it (instead of the series' own window).
    void setWindow(double center, double width);

    // The thick slab of every pane: `thickness` mm along its normal, centred
    // on the crosshair (0: thin planes). Emits slabChanged when it changes.
    void setSlab(double thickness, dicom::SlabMode mode);
    double slabThickness() const { return slabThickness_; }
    dicom::SlabMode slabMode() const { return slabMode_; }
    // Thin, MIP, MinIP, average, thin, ... (a slab takes the last thickness used).
    void cycleSlabMode();
    SlabBar* slabBar() const { return slabBar_; }

    ImageView* pane(dicom::MprPlane plane) const { return panes_[static_cast<size_t>(plane)]; }
    // The geometry of the plane shown in a pane (valid once shown).
    const PlaneGeometry& geometry(dicom::MprPlane plane) const { return geometry_[static_cast<size_t>(plane)]; }
    dicom::Vec3 paneToPatient(dicom::MprPlane plane, const QPointF& imagePos) const;

    // The geometry MprReslicer uses for `plane` through `point` (the volume's
    // footprint on the plane in whole pixels from the point).
    static PlaneGeometry planeGeometry(const dicom::Volume& volume, dicom::MprPlane plane, const dicom::Vec3& point);

signals:
    void planesShown();
    void slabChanged();

private:
    struct Planes {
        dicom::Vec3 point{{0, 0, 0}};
        std::array<imaging::Image, 3> images;
        std::array<PlaneGeometry, 3> geometry;
        double slabThickness = 0;
        dicom::SlabMode slabMode = dicom::SlabMode::Mip;
        QString error;
    };
    void request();
    void onPlanes(Planes planes);
    void syncWindow(int from, double center, double width);

    std::shared_ptr<const dicom::Volume> volume_;
    dicom::Vec3 point_{{0, 0, 0}};
    std::array<ImageView*, 3> panes_{};
    std::array<PlaneGeometry, 3> geometry_{};
    QLabel* info_;
    SlabBar* slabBar_;
    double slabThickness_ = 0;
    double lastSlabThickness_ = 10; // what D returns to from thin planes
    dicom::SlabMode slabMode_ = dicom::SlabMode::Mip;
    bool hasWindow_ = false; // window_ set by setWindow
    double windowCenter_ = 0, windowWidth_ = 0;
    bool firstShow_ = true;
    bool syncing_ = false;
    LatestRunner<Planes> runner_;
};

} // namespace sinar::ui
