#pragma once
// Measurements and annotations as a DICOM Grayscale Softcopy Presentation
// State (PS3.3 A.33.1), so that other viewers show them on the same images.
//
// Each kind of shape has a graphic layer of its own (RULER, ANGLE, ELLIPSE,
// RECTANGLE, FREEHAND, ARROW, TEXT), in PIXEL units:
//   ruler, angle      POLYLINE of 2 or 3 points
//   ellipse           ELLIPSE (major axis ends, then minor axis ends)
//   rectangle         closed POLYLINE of 5 points
//   freehand          closed POLYLINE (first point repeated at the end)
//   arrow             POLYLINE tail, tip, one barb, tip, the other barb
//   text              a text object at its anchor point
// A shape and the text object with its measured value ("42.3 mm") form one
// graphic group, so that reading back keeps the shape and drops the value
// (it is measured again). Shapes in other layers (other viewers' files) are
// read by their graphic type: an open polyline of 2 points is a ruler, of 3
// an angle, a closed one a freehand region, an ellipse or circle an ellipse
// (a rotated one as its outline), a text object a text.
#include <string>
#include <vector>

#include "annotate/image_ref.h"
#include "annotate/shape.h"

namespace sinar::annotate {

struct ImageAnnotations {
    ImageRef image;
    std::vector<Shape> shapes;
    // The measured value shown beside each shape (may be empty; as many as shapes, or none).
    std::vector<std::string> labels;
};

struct PresentationState {
    std::string path;
    std::string sopInstanceUid, studyInstanceUid;
    std::string contentLabel, contentDescription;
    std::vector<ImageAnnotations> images; // in the order of the file
    int skippedObjects = 0; // graphics Sinar cannot place (DISPLAY units, points)
};

// The content label Sinar writes ("SINAR_ANNOTATION"): a file with it is Sinar's own.
const char* sinarContentLabel();

// Writes the shapes of `images` (one study; every ImageRef with its file) as
// one presentation state at `path`: patient and study attributes from the
// first image's file, the images' rescale as its Modality LUT when they agree.
// Images without shapes are left out. Durable (temporary file, fsync, rename).
// Returns the new SOP Instance UID. Throws sinar::Error naming the file.
std::string writePresentationState(const std::string& path, const std::vector<ImageAnnotations>& images,
                                   const std::string& description = {});

// Reads a Grayscale Softcopy Presentation State. Throws sinar::Error naming
// the file when it is not one or is broken.
PresentationState readPresentationState(const std::string& path);

} // namespace sinar::annotate
