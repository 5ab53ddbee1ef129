#pragma once
// A model's scope: the images it was made for (modalities, body parts,
// views/planes, photometric interpretations, input kinds), stored in its
// bundle (BundleInfo::scope, "scope" in the metadata), and the check of one
// image's DICOM attributes against it. The check is tolerant: an attribute the
// image does not record never puts it outside the scope; body parts are
// compared by synonym group (HEAD/BRAIN/SKULL; CHEST/THORAX/LUNG) and, when
// BodyPartExamined is empty, read from the study and series descriptions.
#include <QJsonObject>
#include <array>
#include <string>
#include <vector>

namespace sinar::dicom {
struct InstanceInfo;
struct FrameAttributes;
} // namespace sinar::dicom

namespace sinar::trust {

struct Scope {
    std::vector<std::string> modalities;  // DICOM Modality codes, upper case: MR; CR, DX
    std::vector<std::string> bodyParts;   // BodyPartExamined terms, upper case: BRAIN; CHEST
    std::vector<std::string> views;       // planes (axial, coronal, sagittal) and projections (PA, AP, LAT)
    std::vector<std::string> photometric; // MONOCHROME1, MONOCHROME2, RGB, ...
    std::vector<std::string> inputs;      // dicom, film-photograph, research-image

    bool empty() const;
    // {"modalities": [...], "body_parts": [...], "views": [...], "photometric": [...],
    // "inputs": [...]}, only the non-empty lists; {} for an empty scope.
    QJsonObject toJson() const;
    // Reads and normalises (upper case codes, lower case planes and inputs);
    // throws sinar::Error naming `context` for a value of the wrong type or an
    // unknown view or input kind.
    static Scope fromJson(const QJsonObject& json, const std::string& context);
    // Upper/lower-cases the values, drops empty and repeated ones, then checks
    // views and inputs against the known names. Throws sinar::Error.
    void normalise(const std::string& context);
    // "MR · BRAIN · axial, coronal, sagittal · research-image"; "none declared" when empty.
    std::string describe() const;
};

// The known names (for help texts and validation).
const std::vector<std::string>& knownViews();  // axial, coronal, sagittal, PA, AP, LAT, ...
const std::vector<std::string>& knownInputs(); // dicom, film-photograph, research-image

// What an image says about itself, as far as the scope is concerned.
struct ImageFacts {
    bool dicom = false; // false: a PNG/JPEG/... without tags
    std::string modality, bodyPart, studyDescription, seriesDescription, imageType, photometric;
    std::string plane;        // axial, coronal, sagittal (from ImageOrientationPatient); empty when unknown
    bool obliquePlane = false; // the orientation is more than ~25 degrees off the named plane
    std::string viewPosition; // PA, AP, LAT (from the descriptions); empty when unknown

    static ImageFacts fromDicom(const dicom::InstanceInfo& info, const dicom::FrameAttributes& frame);
    static ImageFacts fromDicom(const dicom::InstanceInfo& info, int frame = 0);
    // Reads the header of a DICOM file (header only, no pixels). `source` may be
    // an Image::source ("file.dcm [frame 3]"). A file that is not DICOM (or
    // cannot be read) gives facts with dicom = false.
    static ImageFacts fromSource(const std::string& source);
};

// The plane whose normal is closest to `normal` (row x column direction of
// ImageOrientationPatient): "axial", "coronal" or "sagittal".
std::string planeOf(const std::array<double, 3>& normal, bool* oblique = nullptr);
// The synonym group of a body part or description ("HEAD", "skull" -> "BRAIN";
// "THORAX", "lung" -> "CHEST"); the upper-cased term itself when it is in no group.
std::string canonicalBodyPart(const std::string& term);

enum class ScopeFit {
    Fits,    // every recorded attribute is in the scope
    Outside, // at least one is not: see reasons
    Unknown, // no DICOM tags to check (or nothing the scope names is recorded)
    NoScope  // the model declares no scope
};

struct ScopeVerdict {
    ScopeFit fit = ScopeFit::NoScope;
    std::vector<std::string> reasons; // Outside: each attribute that does not fit; Unknown: why
    std::vector<std::string> notes;   // caveats that do not change the verdict (unchecked attributes, input kind)

    bool fits() const { return fit == ScopeFit::Fits; }
    bool outside() const { return fit == ScopeFit::Outside; }
    // "fits", "outside", "unknown", "no-scope".
    std::string fitName() const;
    // One sentence: "Outside this model's scope: Modality CR is not in the model's scope (MR)."
    std::string summary() const;
    QJsonObject toJson() const;
};

ScopeVerdict checkScope(const Scope& scope, const ImageFacts& image);

} // namespace sinar::trust
