#pragma once
// Anonymised export: DICOM PS3.15 Annex E, the Basic Application Level
// Confidentiality Profile (Table E.1-1, the edition in
// kConfidentialityProfileEdition), applied to every attribute at every depth
// of the data set and to the file meta header:
//
//   X  removed;  Z  emptied (PatientName and PatientID get a pseudonym, which
//   the profile allows: "a dummy value consistent with the VR");  D, C  a
//   dummy value of the attribute's VR;  U  a new UID;  K  kept.
//   The table's combined actions ("X/Z", "Z/D", "X/Z/D", "X/Z/U*", ...) keep
//   the object valid with the least information: U where a UID is named,
//   a dummy for dates and times (Type 1 in some objects), else emptied.
//
// Private attributes are removed; curves (50xx) and overlay data and comments
// (60xx,3000 / 60xx,4000) too. UIDs are replaced consistently: the same
// original UID gets the same new UID in every file of one export ("2.25."
// and a 128-bit number derived from the UID and the export's secret), so a
// study stays a study and references between its objects still hold.
// Pixel data is not touched: files keep their transfer syntax and decode to
// the same pixels. PatientIdentityRemoved is set to YES and
// DeidentificationMethod names the profile and its edition.
//
// BurnedInAnnotation = YES means the pixels themselves show identifying text,
// which no header profile removes: such files are listed in the report (and
// left out with skipBurnedIn).
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"

namespace sinar::dicom {

struct AnonymizeOptions {
    std::string profile = "basic"; // the only profile for now
    // Seeds the UID and pseudonym mapping. Empty: a random secret per export,
    // so two exports of one patient cannot be linked; give the same secret to
    // keep new UIDs equal across exports (a study exported in parts).
    std::string secret;
    bool skipBurnedIn = false;
};

struct AnonymizedFile {
    std::string input;
    std::string output; // OUT/<new study UID>/<new series UID>/<new instance UID>.dcm
    bool burnedInAnnotation = false;
};

struct AnonymizeReport {
    std::string edition; // of PS3.15 Table E.1-1
    std::vector<AnonymizedFile> files;
    std::vector<FileFailure> failures;     // not DICOM, unreadable, not written
    std::vector<std::string> burnedIn;     // inputs with BurnedInAnnotation = YES
    int attributesRemoved = 0, attributesReplaced = 0;
};

class Anonymizer {
public:
    explicit Anonymizer(AnonymizeOptions options);
    ~Anonymizer();
    Anonymizer(const Anonymizer&) = delete;
    Anonymizer& operator=(const Anonymizer&) = delete;

    // Anonymises one file into outDir; throws sinar::Error naming the file.
    AnonymizedFile anonymizeFile(const std::string& input, const std::string& outDir);

    // The new UID for an original one (the mapping this export uses).
    std::string mapUid(const std::string& uid) const;

    int attributesRemoved() const { return removed_; }
    int attributesReplaced() const { return replaced_; }

private:
    std::string pseudonym(const std::string& patientId) const;
    AnonymizeOptions options_;
    int removed_ = 0, replaced_ = 0;
    struct Impl;
    friend struct Impl;
};

// Every file (folders searched recursively) through one Anonymizer.
AnonymizeReport anonymize(const std::vector<std::string>& inputs, const std::string& outDir,
                          const AnonymizeOptions& options = {}, const ProgressFn& progress = {},
                          const CancelToken* cancel = nullptr);

} // namespace sinar::dicom
