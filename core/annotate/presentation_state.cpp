#include "annotate/presentation_state.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/error.h"
#include "common/text.h"
#include "dicom/dcmtk_file.h"
#include "dicom/dicom_reader.h"

namespace sinar::annotate {

namespace {

using dicom::detail::copyPatientAndStudy;
using dicom::detail::newUid;
using dicom::detail::nowDateTime;

constexpr double kPi = 3.14159265358979323846;

struct Layer {
    ShapeKind kind;
    const char* name;
    const char* description;
};
// Graphic layers, in drawing order (regions first, text last).
const Layer kLayers[] = {
    {ShapeKind::Freehand, "FREEHAND", "Freehand regions (Sinar)"},
    {ShapeKind::Rectangle, "RECTANGLE", "Rectangular regions (Sinar)"},
    {ShapeKind::Ellipse, "ELLIPSE", "Elliptical regions (Sinar)"},
    {ShapeKind::Angle, "ANGLE", "Angles (Sinar)"},
    {ShapeKind::Ruler, "RULER", "Lengths (Sinar)"},
    {ShapeKind::Arrow, "ARROW", "Arrows (Sinar)"},
    {ShapeKind::Text, "TEXT", "Text annotations (Sinar)"},
};

const Layer* layerNamed(const std::string& name)
{
    for (const Layer& l : kLayers)
        if (name == l.name)
            return &l;
    return nullptr;
}

// An arrow as one polyline: tail, tip, one barb, tip, the other barb.
std::vector<Point> arrowPolyline(const Shape& s)
{
    const Point tail = s.points[0], tip = s.points[1];
    const double len = std::hypot(tip.x - tail.x, tip.y - tail.y);
    const double head = std::clamp(0.2 * len, 2.0, 24.0);
    const double dir = std::atan2(tail.y - tip.y, tail.x - tip.x);
    const double spread = 25.0 * kPi / 180.0;
    const Point b1{tip.x + head * std::cos(dir + spread), tip.y + head * std::sin(dir + spread)};
    const Point b2{tip.x + head * std::cos(dir - spread), tip.y + head * std::sin(dir - spread)};
    return {tail, tip, b1, tip, b2};
}

// Where a shape's value is written: beside its last point, or right of its box.
Point labelAnchor(const Shape& s)
{
    if (isRegion(s.kind)) {
        double x = s.points[0].x, y = s.points[0].y;
        for (const Point& p : s.points) {
            x = std::max(x, p.x);
            y = std::min(y, p.y);
        }
        return {x + 4, y};
    }
    const Point& p = s.kind == ShapeKind::Angle ? s.points[1] : s.points.back();
    return {p.x + 4, p.y + 4};
}

void putPoints(DcmItem& item, const std::vector<Point>& pts)
{
    std::vector<Float32> data;
    for (const Point& p : pts) {
        data.push_back(static_cast<Float32>(p.x));
        data.push_back(static_cast<Float32>(p.y));
    }
    item.putAndInsertString(DCM_GraphicAnnotationUnits, "PIXEL");
    item.putAndInsertUint16(DCM_GraphicDimensions, 2);
    item.putAndInsertUint16(DCM_NumberOfGraphicPoints, static_cast<Uint16>(pts.size()));
    item.putAndInsertFloat32Array(DCM_GraphicData, data.data(), static_cast<unsigned long>(data.size()));
}

void addGraphic(DcmItem& annotation, const Shape& s, int group)
{
    DcmItem* g = nullptr;
    annotation.findOrCreateSequenceItem(DCM_GraphicObjectSequence, g, -2);
    std::vector<Point> pts;
    const char* type = "POLYLINE";
    switch (s.kind) {
    case ShapeKind::Ellipse: {
        const Point a = s.points[0], b = s.points[1];
        const double cx = (a.x + b.x) / 2, cy = (a.y + b.y) / 2;
        const double rx = std::abs(b.x - a.x) / 2, ry = std::abs(b.y - a.y) / 2;
        type = "ELLIPSE";
        if (rx >= ry)
            pts = {{cx - rx, cy}, {cx + rx, cy}, {cx, cy - ry}, {cx, cy + ry}};
        else
            pts = {{cx, cy - ry}, {cx, cy + ry}, {cx - rx, cy}, {cx + rx, cy}};
        break;
    }
    case ShapeKind::Rectangle:
    case ShapeKind::Freehand:
        pts = outlineOf(s);
        pts.push_back(pts.front()); // closed: the first point again
        break;
    case ShapeKind::Arrow:
        pts = arrowPolyline(s);
        break;
    default:
        pts = s.points;
    }
    putPoints(*g, pts);
    g->putAndInsertString(DCM_GraphicType, type);
    g->putAndInsertString(DCM_GraphicFilled, "N");
    g->putAndInsertUint32(DCM_GraphicGroupID, static_cast<Uint32>(group));
}

void addText(DcmItem& annotation, const std::string& text, const Point& anchor, int group)
{
    DcmItem* t = nullptr;
    annotation.findOrCreateSequenceItem(DCM_TextObjectSequence, t, -2);
    t->putAndInsertString(DCM_UnformattedTextValue, text.c_str());
    t->putAndInsertString(DCM_AnchorPointAnnotationUnits, "PIXEL");
    const Float32 a[2] = {static_cast<Float32>(anchor.x), static_cast<Float32>(anchor.y)};
    t->putAndInsertFloat32Array(DCM_AnchorPoint, a, 2);
    t->putAndInsertString(DCM_AnchorPointVisibility, "N");
    t->putAndInsertUint32(DCM_GraphicGroupID, static_cast<Uint32>(group));
}

std::string fit(const std::string& s, size_t n)
{
    return s.size() <= n ? s : s.substr(0, n);
}

// --- reading ---

// A reference to one image (and its frame, for a multi-frame instance) as an
// item of a Referenced Image Sequence.
void putImageItem(DcmItem& item, const ImageRef& ref)
{
    item.putAndInsertString(DCM_ReferencedSOPClassUID, ref.sopClassUid.c_str());
    item.putAndInsertString(DCM_ReferencedSOPInstanceUID, ref.sopInstanceUid.c_str());
    if (ref.frameCount > 1 && ref.frame >= 0)
        item.putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(ref.frame + 1).c_str());
}

void putReferencedImage(DcmItem& parent, const ImageRef& ref)
{
    DcmItem* item = nullptr;
    parent.findOrCreateSequenceItem(DCM_ReferencedImageSequence, item, -2);
    putImageItem(*item, ref);
}

// Presentation State Relationship: every image, grouped by series.
void putReferencedSeries(DcmItem& ds, const std::vector<ImageRef>& refs)
{
    std::vector<std::string> series;
    for (const ImageRef& r : refs)
        if (std::find(series.begin(), series.end(), r.seriesInstanceUid) == series.end())
            series.push_back(r.seriesInstanceUid);
    for (const std::string& uid : series) {
        DcmItem* item = nullptr;
        ds.findOrCreateSequenceItem(DCM_ReferencedSeriesSequence, item, -2);
        item->putAndInsertString(DCM_SeriesInstanceUID, uid.c_str());
        for (const ImageRef& r : refs)
            if (r.seriesInstanceUid == uid)
                putReferencedImage(*item, r);
    }
}

std::string stringOf(DcmItem* item, const DcmTagKey& key)
{
    OFString s;
    item->findAndGetOFStringArray(key, s);
    return trimmed(s.c_str());
}

// The items of a sequence in `parent` (none when it is absent).
std::vector<DcmItem*> itemsOf(DcmItem& parent, const DcmTagKey& key)
{
    std::vector<DcmItem*> out;
    DcmSequenceOfItems* seq = nullptr;
    if (parent.findAndGetSequence(key, seq).good() && seq)
        for (unsigned long i = 0; i < seq->card(); ++i)
            out.push_back(seq->getItem(i));
    return out;
}

// The images of a Referenced Image Sequence (one per frame number listed;
// frame -1 when none is: every frame).
std::vector<ImageRef> readImageItems(DcmItem& parent, const std::string& study, const std::string& series)
{
    std::vector<ImageRef> out;
    for (DcmItem* item : itemsOf(parent, DCM_ReferencedImageSequence)) {
        ImageRef r;
        r.studyInstanceUid = study;
        r.seriesInstanceUid = series;
        r.sopClassUid = stringOf(item, DCM_ReferencedSOPClassUID);
        r.sopInstanceUid = stringOf(item, DCM_ReferencedSOPInstanceUID);
        r.frame = -1;
        Sint32 n = 0;
        for (unsigned long f = 0; item->findAndGetSint32(DCM_ReferencedFrameNumber, n, f).good(); ++f)
            if (n >= 1) {
                r.frame = n - 1;
                out.push_back(r);
            }
        if (r.frame < 0)
            out.push_back(r);
    }
    return out;
}

std::vector<ImageRef> readReferencedSeries(DcmItem& ds, const std::string& study)
{
    std::vector<ImageRef> out;
    for (DcmItem* item : itemsOf(ds, DCM_ReferencedSeriesSequence)) {
        const std::vector<ImageRef> refs = readImageItems(*item, study, stringOf(item, DCM_SeriesInstanceUID));
        out.insert(out.end(), refs.begin(), refs.end());
    }
    return out;
}

// An annotation item's own images, with their series from the relationship module.
std::vector<ImageRef> readReferencedImages(DcmItem& item, const std::string& study, const std::vector<ImageRef>& every)
{
    std::vector<ImageRef> refs = readImageItems(item, study, {});
    for (ImageRef& r : refs)
        for (const ImageRef& e : every)
            if (e.sopInstanceUid == r.sopInstanceUid)
                r.seriesInstanceUid = e.seriesInstanceUid;
    return refs;
}

std::vector<Point> pointsOf(DcmItem* item, const DcmTagKey& key)
{
    const Float32* v = nullptr;
    unsigned long n = 0;
    std::vector<Point> out;
    if (item->findAndGetFloat32Array(key, v, &n).good() && v)
        for (unsigned long i = 0; i + 1 < n; i += 2)
            out.push_back({v[i], v[i + 1]});
    return out;
}


int groupOf(DcmItem* item)
{
    Uint32 g = 0;
    return item->findAndGetUint32(DCM_GraphicGroupID, g).good() ? static_cast<int>(g) : 0;
}

// A graphic object as a shape, from its layer's kind or else its type.
bool shapeOfGraphic(DcmItem* g, const Layer* layer, const std::string& path, Shape& out)
{
    const std::string type = stringOf(g, DCM_GraphicType);
    std::vector<Point> pts = pointsOf(g, DCM_GraphicData);
    if (pts.empty())
        throw Error("a graphic object has no graphic data", path);
    const bool closed = pts.size() >= 4 && pts.front() == pts.back();
    if (type == "ELLIPSE" || type == "CIRCLE") {
        Point c, major, minor;
        if (type == "CIRCLE" && pts.size() == 2) {
            c = pts[0];
            const double r = std::hypot(pts[1].x - c.x, pts[1].y - c.y);
            major = {r, 0};
            minor = {0, r};
        } else if (type == "ELLIPSE" && pts.size() == 4) {
            c = {(pts[0].x + pts[1].x) / 2, (pts[0].y + pts[1].y) / 2};
            major = {(pts[1].x - pts[0].x) / 2, (pts[1].y - pts[0].y) / 2};
            minor = {(pts[3].x - pts[2].x) / 2, (pts[3].y - pts[2].y) / 2};
        } else {
            throw Error("a " + type + " graphic with " + std::to_string(pts.size()) + " points", path);
        }
        const bool aligned = (std::abs(major.y) < 1e-3 && std::abs(minor.x) < 1e-3) ||
                             (std::abs(major.x) < 1e-3 && std::abs(minor.y) < 1e-3);
        if (aligned) {
            const double rx = std::abs(major.x) + std::abs(minor.x), ry = std::abs(major.y) + std::abs(minor.y);
            out = {ShapeKind::Ellipse, {{c.x - rx, c.y - ry}, {c.x + rx, c.y + ry}}, {}};
        } else { // a rotated ellipse: its outline
            out.kind = ShapeKind::Freehand;
            out.points.clear();
            for (int k = 0; k < 72; ++k) {
                const double t = 2 * kPi * k / 72;
                out.points.push_back({c.x + major.x * std::cos(t) + minor.x * std::sin(t),
                                      c.y + major.y * std::cos(t) + minor.y * std::sin(t)});
            }
        }
        return true;
    }
    if (type != "POLYLINE" && type != "INTERPOLATED")
        return false; // POINT and unknown types: nothing to measure
    if (closed)
        pts.pop_back();
    ShapeKind kind;
    if (layer && layer->kind != ShapeKind::Text) {
        kind = layer->kind;
    } else if (closed) {
        kind = ShapeKind::Freehand;
    } else if (pts.size() == 2) {
        kind = ShapeKind::Ruler;
    } else if (pts.size() == 3) {
        kind = ShapeKind::Angle;
    } else {
        return false; // an open line of many points: no measurement Sinar has
    }
    out = {kind, pts, {}};
    if (kind == ShapeKind::Rectangle && pts.size() == 4)
        out.points = {pts[0], pts[2]};
    else if (kind == ShapeKind::Ellipse && pts.size() >= 3) // an ellipse drawn as a polygon
        out.kind = ShapeKind::Freehand;
    else if (kind == ShapeKind::Arrow && pts.size() >= 2)
        out.points = {pts[0], pts[1]};
    if (!out.complete())
        throw Error("a " + kindName(kind) + " with " + std::to_string(pts.size()) + " points", path);
    return true;
}

} // namespace

const char* sinarContentLabel()
{
    return "SINAR_ANNOTATION";
}

std::string writePresentationState(const std::string& path, const std::vector<ImageAnnotations>& images,
                                   const std::string& description)
{
    dicom::detail::ensureDcmtkReady();
    std::vector<const ImageAnnotations*> used;
    for (const ImageAnnotations& a : images)
        if (!a.shapes.empty())
            used.push_back(&a);
    if (used.empty())
        throw Error("no annotations to save", path);
    const ImageRef& first = used.front()->image;
    for (const ImageAnnotations* a : used) {
        if (a->image.studyInstanceUid != first.studyInstanceUid)
            throw Error("annotations of two studies cannot share one presentation state (" + first.studyInstanceUid +
                            ", " + a->image.studyInstanceUid + ")",
                        path);
        if (a->image.sopInstanceUid.empty() || a->image.sopClassUid.empty())
            throw Error("an annotated image has no SOP Instance UID", a->image.file.empty() ? path : a->image.file);
        for (const Shape& s : a->shapes)
            if (!s.complete())
                throw Error("an incomplete " + kindName(s.kind) + " cannot be saved", path);
    }
    std::unique_ptr<DcmFileFormat> source = dicom::detail::loadFile(first.file);
    DcmDataset* src = source->getDataset();

    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    copyPatientAndStudy(*src, *ds);
    std::string date, time;
    nowDateTime(date, time);
    const std::string instance = newUid(SITE_INSTANCE_UID_ROOT);
    ds->putAndInsertString(DCM_SOPClassUID, UID_GrayscaleSoftcopyPresentationStateStorage);
    ds->putAndInsertString(DCM_SOPInstanceUID, instance.c_str());
    ds->putAndInsertString(DCM_InstanceCreationDate, date.c_str());
    ds->putAndInsertString(DCM_InstanceCreationTime, time.c_str());
    ds->putAndInsertString(DCM_Modality, "PR");
    ds->putAndInsertString(DCM_SeriesInstanceUID, newUid(SITE_SERIES_UID_ROOT).c_str());
    ds->putAndInsertString(DCM_SeriesNumber, "9201");
    ds->putAndInsertString(DCM_SeriesDescription, "Sinar annotations");
    ds->putAndInsertString(DCM_Manufacturer, "Sinar");
    ds->putAndInsertString(DCM_SoftwareVersions, SINAR_VERSION);
    ds->putAndInsertString(DCM_InstanceNumber, "1");
    ds->putAndInsertString(DCM_ContentLabel, sinarContentLabel());
    ds->putAndInsertString(DCM_ContentDescription,
                           fit(description.empty() ? "Measurements and annotations" : description, 64).c_str());
    ds->putAndInsertString(DCM_PresentationCreationDate, date.c_str());
    ds->putAndInsertString(DCM_PresentationCreationTime, time.c_str());
    ds->putAndInsertString(DCM_ContentCreatorName, "");

    // Presentation State Relationship: the referenced images, by series.
    std::vector<ImageRef> refs;
    for (const ImageAnnotations* a : used)
        refs.push_back(a->image);
    putReferencedSeries(*ds, refs);

    // The images' rescale as the Modality LUT, when they agree (else none).
    bool sameRescale = true;
    double slope = 1, intercept = 0;
    std::string rescaleType;
    for (size_t k = 0; k < used.size(); ++k) {
        const dicom::InstanceInfo info = k == 0 ? dicom::detail::readInstanceInfo(*source, first.file)
                                                : dicom::readInstanceInfo(used[k]->image.file);
        const dicom::FrameAttributes& fa = info.frame(std::max(0, used[k]->image.frame));
        if (k == 0) {
            slope = fa.rescaleSlope;
            intercept = fa.rescaleIntercept;
            rescaleType = info.rescaleType;
            sameRescale = info.modalityLut.empty();
        } else if (fa.rescaleSlope != slope || fa.rescaleIntercept != intercept || !info.modalityLut.empty()) {
            sameRescale = false;
        }
    }
    if (sameRescale && (slope != 1 || intercept != 0)) {
        char b[64];
        std::snprintf(b, sizeof b, "%.10g", intercept);
        ds->putAndInsertString(DCM_RescaleIntercept, b);
        std::snprintf(b, sizeof b, "%.10g", slope);
        ds->putAndInsertString(DCM_RescaleSlope, b);
        ds->putAndInsertString(DCM_RescaleType, rescaleType.empty() ? (first.sopClassUid == UID_CTImageStorage ? "HU" : "US")
                                                                    : rescaleType.c_str());
    }

    // Displayed Area: each whole image, scaled to fit.
    for (const ImageAnnotations* a : used) {
        DcmItem* area = nullptr;
        ds->findOrCreateSequenceItem(DCM_DisplayedAreaSelectionSequence, area, -2);
        putReferencedImage(*area, a->image);
        area->putAndInsertString(DCM_DisplayedAreaTopLeftHandCorner, "1\\1");
        const std::string corner = std::to_string(std::max(1, a->image.columns)) + "\\" + std::to_string(std::max(1, a->image.rows));
        area->putAndInsertString(DCM_DisplayedAreaBottomRightHandCorner, corner.c_str());
        area->putAndInsertString(DCM_PresentationSizeMode, "SCALE TO FIT");
        area->putAndInsertString(DCM_PresentationPixelAspectRatio, "1\\1");
    }

    // Graphic Annotation: one item per image and layer; a graphic group per shape.
    int group = 0;
    std::vector<std::pair<int, std::string>> groups;
    bool layerUsed[std::size(kLayers)] = {};
    for (const ImageAnnotations* a : used) {
        for (size_t l = 0; l < std::size(kLayers); ++l) {
            DcmItem* annotation = nullptr;
            for (size_t i = 0; i < a->shapes.size(); ++i) {
                const Shape& s = a->shapes[i];
                if (s.kind != kLayers[l].kind)
                    continue;
                if (!annotation) {
                    ds->findOrCreateSequenceItem(DCM_GraphicAnnotationSequence, annotation, -2);
                    putReferencedImage(*annotation, a->image);
                    annotation->putAndInsertString(DCM_GraphicLayer, kLayers[l].name);
                    layerUsed[l] = true;
                }
                ++group;
                const std::string label = i < a->labels.size() ? a->labels[i] : std::string();
                groups.push_back({group, fit(kindName(s.kind) + (label.empty() ? "" : ": " + label), 64)});
                if (s.kind == ShapeKind::Text) {
                    addText(*annotation, s.text, s.points[0], group);
                    continue;
                }
                addGraphic(*annotation, s, group);
                if (!label.empty())
                    addText(*annotation, label, labelAnchor(s), group);
            }
        }
    }
    for (const auto& [id, label] : groups) {
        DcmItem* g = nullptr;
        ds->findOrCreateSequenceItem(DCM_GraphicGroupSequence, g, -2);
        g->putAndInsertUint32(DCM_GraphicGroupID, static_cast<Uint32>(id));
        g->putAndInsertString(DCM_GraphicGroupLabel, label.c_str());
    }
    int order = 1;
    for (size_t l = 0; l < std::size(kLayers); ++l) {
        if (!layerUsed[l])
            continue;
        DcmItem* layer = nullptr;
        ds->findOrCreateSequenceItem(DCM_GraphicLayerSequence, layer, -2);
        layer->putAndInsertString(DCM_GraphicLayer, kLayers[l].name);
        layer->putAndInsertString(DCM_GraphicLayerOrder, std::to_string(order++).c_str());
        layer->putAndInsertUint16(DCM_GraphicLayerRecommendedDisplayGrayscaleValue, 0xFFFF);
        layer->putAndInsertString(DCM_GraphicLayerDescription, kLayers[l].description);
    }
    ds->putAndInsertString(DCM_PresentationLUTShape, "IDENTITY");

    dicom::detail::saveFileDurably(file, path, EXS_LittleEndianExplicit);
    return instance;
}

PresentationState readPresentationState(const std::string& path)
{
    std::unique_ptr<DcmFileFormat> file = dicom::detail::loadFile(path);
    DcmDataset* ds = file->getDataset();
    const std::string sopClass = stringOf(ds, DCM_SOPClassUID);
    if (sopClass != UID_GrayscaleSoftcopyPresentationStateStorage)
        throw Error("not a grayscale softcopy presentation state (SOP class " + sopClass + ")", path);
    PresentationState state;
    state.path = path;
    state.sopInstanceUid = stringOf(ds, DCM_SOPInstanceUID);
    state.studyInstanceUid = stringOf(ds, DCM_StudyInstanceUID);
    state.contentLabel = stringOf(ds, DCM_ContentLabel);
    state.contentDescription = stringOf(ds, DCM_ContentDescription);
    const std::vector<ImageRef> everyImage = readReferencedSeries(*ds, state.studyInstanceUid);

    auto entryFor = [&state](const ImageRef& ref) -> ImageAnnotations& {
        for (ImageAnnotations& a : state.images)
            if (a.image.sopInstanceUid == ref.sopInstanceUid && a.image.frame == ref.frame)
                return a;
        state.images.push_back({ref, {}, {}});
        return state.images.back();
    };

    for (DcmItem* a : itemsOf(*ds, DCM_GraphicAnnotationSequence)) {
        std::vector<ImageRef> refs = readReferencedImages(*a, state.studyInstanceUid, everyImage);
        if (refs.empty())
            refs = everyImage;
        const Layer* layer = layerNamed(stringOf(a, DCM_GraphicLayer));
        std::vector<Shape> shapes;
        std::map<int, bool> groupHasGraphic;
        for (DcmItem* item : itemsOf(*a, DCM_GraphicObjectSequence)) {
            Shape s;
            if (stringOf(item, DCM_GraphicAnnotationUnits) != "PIXEL" || !shapeOfGraphic(item, layer, path, s)) {
                ++state.skippedObjects;
                continue;
            }
            shapes.push_back(s);
            if (const int id = groupOf(item))
                groupHasGraphic[id] = true;
        }
        for (DcmItem* item : itemsOf(*a, DCM_TextObjectSequence)) {
            const int id = groupOf(item);
            if (id && groupHasGraphic.count(id))
                continue; // a shape's measured value: measured again when shown
            std::vector<Point> anchor = pointsOf(item, DCM_AnchorPoint);
            if (anchor.empty() || stringOf(item, DCM_AnchorPointAnnotationUnits) != "PIXEL") {
                // Only a bounding box (in pixels): anchor the text at its top-left corner.
                const std::vector<Point> box = pointsOf(item, DCM_BoundingBoxTopLeftHandCorner);
                if (box.empty() || stringOf(item, DCM_BoundingBoxAnnotationUnits) != "PIXEL") {
                    ++state.skippedObjects;
                    continue;
                }
                anchor = box;
            }
            OFString value;
            item->findAndGetOFStringArray(DCM_UnformattedTextValue, value);
            shapes.push_back({ShapeKind::Text, {anchor.front()}, value.c_str()});
        }
        for (const ImageRef& ref : refs) {
            ImageAnnotations& entry = entryFor(ref);
            entry.shapes.insert(entry.shapes.end(), shapes.begin(), shapes.end());
        }
    }
    return state;
}

} // namespace sinar::annotate
