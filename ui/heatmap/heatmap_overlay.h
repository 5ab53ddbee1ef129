#pragma once
// HeatMapOverlay: the heat map of the shown image and the views it is drawn
// on. It keeps the map that came with the shown image's classification (the
// ClassificationPanel's result), colours it once per colour map, and draws it
// over the single view, or on the right-hand view of the side-by-side layout
// (whose zoom, pan, rotation, flips and window it keeps linked with the plain
// view), and on the MPR pane that shows the classified slice. It follows the
// panel's HeatMapControls and writes the overlay PNG in the background. It
// owns no widgets: it drives the views it is given. (Storing the heat map
// choices and the menu actions are the main window's.)
#include <QImage>
#include <QObject>
#include <QString>
#include <functional>
#include <opencv2/core.hpp>

#include "dicom/instance_info.h"
#include "explain/colour_map.h"
#include "ui/viewer/image_stack.h"

namespace sinar::ui {

class ClassificationPanel;
class HeatMapControls;
class ImageView;
class MprView;
struct Classification;

class HeatMapOverlay : public QObject {
    Q_OBJECT
public:
    // `view` shows the image, `sideView` the image with its map side by side,
    // `mpr` the volume of the series; `panel` classifies the shown image.
    HeatMapOverlay(ClassificationPanel* panel, ImageView* view, ImageView* sideView, MprView* mpr, QObject* parent = nullptr);

    // Whether the MPR view holds the volume of the shown image's series, and
    // whether the MPR layout is on screen (asked when drawing on its panes).
    void setMprQueries(std::function<bool()> volumeOfShownSeries, std::function<bool()> mprShown);

    // Puts a newly loaded image in the view (and, side by side, in the side
    // view); the map of another image goes. refresh() draws once the panel has it.
    void showImage(const LoadedImage& image, bool sameSeries);
    // Empties both views and forgets the map (nothing is open).
    void clear();
    // Draws (or removes) the map on every view it serves, as the controls say.
    void refresh();
    // In the MPR layout, when a pane is in the acquisition plane, moves the
    // crosshair along the shown slice's normal onto it, so the pane shows the
    // classified slice (and its map).
    void followShownSlice();
    // The MPR pane ("axial", "coronal", "sagittal") that shows the shown image's
    // slice: parallel to it and through its position (within half a voxel).
    // Empty when none does; then `why` says why (oblique slice, or the crosshair
    // is off it).
    QString paneShowingShownSlice(QString* why = nullptr) const;

    bool sideBySide() const;
    // The map of the image on screen (CV_32F at its size), or empty.
    const cv::Mat& heatMap() const { return heatMap_; }
    // There is a map and it is of the image on screen.
    bool hasMapOfShownImage() const;
    // The overlay is on but the shown image's map (or the reason there is
    // none) has not arrived yet.
    bool pending() const;
    // A file name for the export: "<image>-<method>-<class>.png".
    QString suggestedFileName() const;
    // Writes the shown image in its current window with the map blended at
    // the current opacity and colour map, in the background; exported follows.
    // With burnIn, the method, the class and a colour bar are added beside and
    // below the image (withBurntInLegend), never over it.
    void exportPng(const QString& path, bool burnIn = false);

signals:
    // An export finished; `error` is empty on success.
    void exported(const QString& path, const QString& error);

private:
    void onClassificationShown(const Classification& c);
    void applySideBySide(bool on);
    void linkViews(ImageView* from, ImageView* to);
    void updateSideAnnotations();
    void updateMprOverlay();
    QString shownSource() const;
    void forgetMap();

    ClassificationPanel* panel_;
    HeatMapControls* controls_;
    ImageView* view_;
    ImageView* sideView_;
    MprView* mpr_;
    std::function<bool()> volumeOfShownSeries_ = [] { return false; };
    std::function<bool()> mprShown_ = [] { return false; };

    // The map of the shown image, its colour image, its caption, and where
    // the shown slice lies (for MPR).
    cv::Mat heatMap_;
    QString heatSource_;
    QString heatCaption_;   // "Grad-CAM · glioma"
    QString heatMethodKey_; // "gradcam", for file names
    QString heatClassName_; // "glioma", for file names
    QImage heatImage_;
    explain::ColourMap heatImageColours_ = explain::ColourMap::Jet;
    QImage heatLegend_; // the colour map as a 256x1 ramp for the views' colour bar
    explain::ColourMap heatLegendColours_ = explain::ColourMap::Jet;
    bool shownIsDicom_ = false;
    dicom::FrameAttributes shownFrame_;
    bool linking_ = false;
};

} // namespace sinar::ui
