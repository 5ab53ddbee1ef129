#pragma once
// Three-pane multiplanar view of a volume: axial, coronal and sagittal planes
// through one point with a linked crosshair. Clicking or dragging with the
// left button in a pane moves the point; the wheel moves it along the pane's
// normal; right-drag sets the window of all three panes. Reslicing runs in
// the background (latest request wins) through dicom::MprReslicer.
#include <QWidget>
#include <array>
#include <memory>

#include "dicom/mpr.h"
#include "dicom/volume.h"
#include "ui/widgets/latest_runner.h"

class QLabel;

namespace sinar::ui {

class ImageView;

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

    ImageView* pane(dicom::MprPlane plane) const { return panes_[static_cast<size_t>(plane)]; }
    // The geometry of the plane shown in a pane (valid once shown).
    const PlaneGeometry& geometry(dicom::MprPlane plane) const { return geometry_[static_cast<size_t>(plane)]; }
    dicom::Vec3 paneToPatient(dicom::MprPlane plane, const QPointF& imagePos) const;

    // The geometry MprReslicer uses for `plane` through `point` (the volume's
    // footprint on the plane in whole pixels from the point).
    static PlaneGeometry planeGeometry(const dicom::Volume& volume, dicom::MprPlane plane, const dicom::Vec3& point);

signals:
    void planesShown();

private:
    struct Planes {
        dicom::Vec3 point{{0, 0, 0}};
        std::array<imaging::Image, 3> images;
        std::array<PlaneGeometry, 3> geometry;
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
    bool firstShow_ = true;
    bool syncing_ = false;
    LatestRunner<Planes> runner_;
};

} // namespace sinar::ui
