#pragma once
// Turning a saliency map (explain::Explanation::map: CV_32F in [0, 1] at the
// image's own size) into what the viewer draws and exports, and carrying it
// onto an MPR plane that lies in the classified slice's plane.
#include <QImage>
#include <QString>
#include <opencv2/core.hpp>

#include "dicom/instance_info.h"
#include "explain/colour_map.h"
#include "explain/explain.h"
#include "ui/viewer/mpr_view.h"

namespace sinar::ui {

// "Jet", "Inferno", "Cividis".
QString colourMapName(explain::ColourMap colours);
QString methodName(explain::Method method); // "Grad-CAM", ...

// The colour-mapped map as an opaque QImage::Format_RGBA8888 of the map's
// size (the viewer applies the opacity when drawing). Where `mask` (CV_8U,
// optional, the map's size) is 0 the image is transparent.
QImage heatMapImage(const cv::Mat& map, explain::ColourMap colours, const cv::Mat& mask = {});

// `rendered` (the windowed image as drawn: Grayscale8 or RGB888) with the map
// alpha-blended over it at `opacity` (0..1), as RGB888 of the image's size:
// what the view shows at zoom 1, and what "Export overlay PNG" writes.
// Returns a null image when the sizes differ.
QImage blendHeatMap(const QImage& rendered, const cv::Mat& map, explain::ColourMap colours, double opacity);
// `blended` with a colour bar (high at the top, from `ramp`, a 1-row image of
// the colour map) in a margin added on its right and `caption` (method and
// class) in a band added below: nothing is drawn over the image itself.
QImage withBurntInLegend(const QImage& blended, const QImage& ramp, const QString& caption);

// Where a slice's pixels lie in patient space (DICOM): pixel (i, j) is at
// position + i * spacingX * rowDirection + j * spacingY * columnDirection.
struct SliceGeometry {
    dicom::Vec3 position{{0, 0, 0}};
    dicom::Vec3 rowDirection{{1, 0, 0}};
    dicom::Vec3 columnDirection{{0, 1, 0}};
    double spacingX = 1, spacingY = 1;
    int width = 0, height = 0;
};

// The slice's geometry when its frame attributes give position and
// orientation; false otherwise.
bool sliceGeometry(const dicom::FrameAttributes& frame, const imaging::Image& image, SliceGeometry& out);
// The same from the pixel grid's spacing (x along a row, y down a column, mm) and size.
bool sliceGeometry(const dicom::FrameAttributes& frame, double spacingX, double spacingY, int width, int height,
                   SliceGeometry& out);

// When `plane` lies in the slice's plane (same normal, passing through the
// slice within a hundredth of a pixel), resamples the slice's map onto the
// plane's pixel grid: `planeMap` (CV_32F, plane size) and `mask` (CV_8U, 255
// where the plane's pixel lies on the slice). Pixel-exact (a copy) when the
// grids coincide. Returns false, leaving the outputs empty, for any other plane.
bool mapOntoPlane(const cv::Mat& sliceMap, const SliceGeometry& slice, const PlaneGeometry& plane, cv::Mat& planeMap,
                  cv::Mat& mask);

} // namespace sinar::ui
