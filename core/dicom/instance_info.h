#pragma once
// What one DICOM file says about itself: who and what it shows (patient,
// study, series, instance), how its pixels are stored, and where each frame
// lies in the patient. Read from the header alone, so a folder of thousands of
// files can be indexed without decoding a single pixel.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "imaging/image.h"

namespace sinar::dicom {

using Vec3 = std::array<double, 3>;

// A lookup table stored in the file (Modality LUT, VOI LUT, palette colour).
struct Lut {
    std::string explanation;
    int firstMapped = 0; // input value that maps to data[0]
    int bits = 16;       // bits per entry (8 or 16)
    std::vector<uint16_t> data;

    bool empty() const { return data.empty(); }
    // The entry for an input value; inputs outside the table take the first or last entry.
    double lookup(double value) const;
};

// Values that may differ from frame to frame (enhanced multi-frame objects,
// RT dose grids). For a classic single-frame file, frame 0 holds the file's values.
struct FrameAttributes {
    bool hasPosition = false;
    Vec3 position{{0, 0, 0}}; // ImagePositionPatient: centre of the top-left pixel, mm
    bool hasOrientation = false;
    Vec3 rowDirection{{1, 0, 0}};    // direction along a row (increasing column index)
    Vec3 columnDirection{{0, 1, 0}}; // direction along a column (increasing row index)
    double rescaleSlope = 1.0;
    double rescaleIntercept = 0.0;
    std::vector<imaging::WindowPreset> windows; // as stored (for MONOCHROME1 before inversion)

    // rowDirection x columnDirection (unit length when the orientation is valid).
    Vec3 normal() const;
};

struct InstanceInfo {
    std::string path;
    std::string transferSyntaxUid;
    std::string transferSyntaxName;

    // Identification
    std::string patientName, patientId, patientBirthDate, patientSex;
    std::string studyInstanceUid, studyId, studyDate, studyTime, studyDescription, accessionNumber;
    std::string seriesInstanceUid, seriesDescription, modality, bodyPart;
    int seriesNumber = 0;
    std::string sopClassUid, sopClassName, sopInstanceUid;
    int instanceNumber = 0;
    int acquisitionNumber = 0;
    int echoNumber = 0;
    int temporalPosition = 0;
    std::string imageType;

    // Image pixel description
    bool hasPixelData = false;
    bool hasFloatPixelData = false; // (7FE0,0008) or (7FE0,0009): parametric maps, which Sinar does not read
    int rows = 0, columns = 0;
    int samplesPerPixel = 1;
    int bitsAllocated = 0, bitsStored = 0, highBit = 0;
    bool isSigned = false;
    int planarConfiguration = 0;
    int numberOfFrames = 1;
    std::string photometric;
    bool hasPixelPadding = false;
    double pixelPaddingValue = 0; // stored value marking pixels outside the image

    // Modality and VOI transformations
    std::string rescaleType;
    Lut modalityLut;
    std::vector<Lut> voiLuts;
    std::string voiFunction; // LINEAR (default), LINEAR_EXACT, SIGMOID

    // Palette colour
    Lut redPalette, greenPalette, bluePalette;

    // Geometry
    bool hasPixelSpacing = false;
    double rowSpacing = 1.0;    // mm between the centres of adjacent rows (vertical)
    double columnSpacing = 1.0; // mm between the centres of adjacent columns (horizontal)
    std::string spacingSource;  // PixelSpacing, ImagerPixelSpacing or empty
    double sliceThickness = 0;
    double spacingBetweenSlices = 0;
    std::vector<FrameAttributes> frames; // one per frame, never empty once read

    // The attributes of frame `index` (clamped to the frames there are).
    const FrameAttributes& frame(int index) const;
    // Bits needed for all frames of native (unencapsulated) pixel data.
    uint64_t nativeTotalBits() const;
};

// Why a file without (integer) pixel data is not opened: no pixel data at all, or
// floating-point pixels (hasFloatPixelData).
std::string noPixelDataMessage(const InstanceInfo& info);

} // namespace sinar::dicom
