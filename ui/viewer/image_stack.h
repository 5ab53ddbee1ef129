#pragma once
#include "dicom/tag_dump.h"
// An ordered stack of images the viewer scrolls through: the frames of a
// DICOM series, or the images of a folder. Items are loaded on demand.
#include <QImage>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "dicom/instance_info.h"
#include "dicom/series_index.h"
#include "dicom/slice_stack.h"
#include "imaging/image.h"

namespace sinar::ui {

struct StackItem {
    QString path;
    int frame = 0; // frame within a multi-frame DICOM file
    int frameCount = 1;
    bool dicom = false;
};

// Who and what a stack shows, for the study browser and the corner annotations.
struct SeriesLabels {
    QString patientName, patientId, patientBirthDate, patientSex;
    QString studyUid, studyDescription, studyDate;
    QString seriesUid, seriesDescription, modality, bodyPart;
    int seriesNumber = 0;
};

// One loaded item: the image and, for DICOM, what its header says.
struct LoadedImage {
    imaging::Image image;
    bool dicom = false;
    dicom::InstanceInfo info;      // set for DICOM
    dicom::FrameAttributes frame;  // set for DICOM
    std::vector<dicom::TagEntry> tags; // every attribute, for the tag panel (DICOM only)
    QString tagError;                  // why the tags could not be listed
};

class ImageStack {
public:
    ImageStack() = default;
    ImageStack(SeriesLabels labels, std::vector<StackItem> items);

    const SeriesLabels& labels() const { return labels_; }
    size_t size() const { return items_.size(); }
    bool empty() const { return items_.empty(); }
    const StackItem& item(size_t i) const { return items_.at(i); }
    const std::vector<StackItem>& items() const { return items_; }
    // "brain_001.dcm" or "xa.dcm, frame 3/96".
    QString itemName(size_t i) const;
    // Index of the first item of `path`, or -1.
    int indexOf(const QString& path) const;
    // A one-line title: series description or folder name, and the count.
    QString title() const;

    QImage thumbnail; // small preview, set by the scanner
    // The DICOM series the stack was made from (headers only); null for image folders.
    std::shared_ptr<const dicom::SeriesEntry> dicomSeries;
    // The series' geometry (gantry tilt, spacing, what a volume of it does),
    // from its slice positions; not a volume for image folders.
    dicom::SeriesGeometry geometry;

private:
    SeriesLabels labels_;
    std::vector<StackItem> items_;
};

// The geometry facts a reader must see before trusting a reformat, short:
// "Gantry tilt 18.5°", "Irregular spacing 2.5–3.3 mm", "1 missing slice".
// Empty for a regular volume and for anything that is not a volume.
QStringList geometryWarnings(const dicom::SeriesGeometry& g);
// What a volume (MPR) of the series does about them: "MPR shear corrected,
// 2 interpolated planes"; empty when it uses the slices as acquired.
QString geometryCorrectionText(const dicom::SeriesGeometry& g);

// Loads one item (PNG, JPEG, BMP, TIFF or a DICOM frame). Safe to call from
// any thread. Throws sinar::Error naming the file when it cannot be read.
LoadedImage loadStackItem(const StackItem& item);

} // namespace sinar::ui
