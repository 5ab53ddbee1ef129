#pragma once
// A measurement or annotation drawn on one image, in image pixel coordinates,
// and what it measures. The origin is the top-left corner of the top-left
// pixel (pixel (c, r) covers [c, c+1) x [r, r+1)), the convention of a
// presentation state's PIXEL units, so shapes go to and from DICOM unchanged.
#include <string>
#include <vector>

#include "dicom/instance_info.h"

namespace sinar::annotate {

struct Point {
    double x = 0; // column
    double y = 0; // row
    bool operator==(const Point& o) const { return x == o.x && y == o.y; }
};

enum class ShapeKind {
    Ruler,     // points: the two ends
    Angle,     // points: end of the first arm, vertex, end of the second arm
    Ellipse,   // points: two opposite corners of its axis-aligned bounding box
    Rectangle, // points: two opposite corners
    Freehand,  // points: the vertices of a closed polygon (not repeated at the end)
    Arrow,     // points: tail, tip
    Text,      // points: the anchor; text: the words
};

// The number of points a finished shape of `kind` has (0: any number, at least 3).
int pointCount(ShapeKind kind);
// "ruler", "angle", "ellipse", "rectangle", "freehand", "arrow", "text".
std::string kindName(ShapeKind kind);
// True for the kinds with an inside (ellipse, rectangle, freehand).
bool isRegion(ShapeKind kind);

struct Shape {
    ShapeKind kind = ShapeKind::Ruler;
    std::vector<Point> points;
    std::string text; // Text shapes: the annotation
    bool operator==(const Shape& o) const { return kind == o.kind && points == o.points && text == o.text; }
    // Has the points its kind needs.
    bool complete() const;
};

// How pixel distances become millimetres: which attribute gave the spacing
// and where it is calibrated. Without a spacing, lengths are in pixels.
struct Calibration {
    bool hasSpacing = false;
    double rowSpacing = 1.0;    // mm between row centres (vertical)
    double columnSpacing = 1.0; // mm between column centres (horizontal)
    std::string source;         // "PixelSpacing", "ImagerPixelSpacing" or empty
    std::string modality;

    // From a file's header: PixelSpacing (0028,0030), else ImagerPixelSpacing (0018,1164).
    static Calibration of(const dicom::InstanceInfo& info);
    // "mm" or "px".
    std::string lengthUnit() const;
    // One line for the reader: "PixelSpacing (0028,0030) 0.661 × 0.661 mm, in
    // the patient", "ImagerPixelSpacing (0018,1164) 0.2 × 0.2 mm, at the
    // detector (not corrected for magnification)", "no pixel spacing: pixels".
    std::string description() const;
};

// Length of a ruler or arrow (mm, or px without a spacing).
double lengthOf(const Shape& s, const Calibration& c);
// Angle at the vertex in degrees (0..180), measured in the patient's plane
// (the spacing's aspect ratio applied).
double angleOf(const Shape& s, const Calibration& c);
// Area enclosed by a region shape (mm², or px² without a spacing), from its
// outline (the ellipse's exact formula, the polygon's shoelace formula).
double areaOf(const Shape& s, const Calibration& c);

// The closed outline of a region shape as a polygon (an ellipse as
// `ellipseSegments` points), for masks and drawing.
std::vector<Point> outlineOf(const Shape& s, int ellipseSegments = 72);

// The shape moved by (dx, dy).
Shape translated(const Shape& s, double dx, double dy);

} // namespace sinar::annotate
