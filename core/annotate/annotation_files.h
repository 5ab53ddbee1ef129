#pragma once
// The presentation states and key-image selections stored next to a study:
// found when the study is opened, and where Sinar writes its own.
#include <set>
#include <string>
#include <vector>

#include "annotate/key_objects.h"
#include "annotate/presentation_state.h"
#include "common/error.h"
#include "common/progress.h"

namespace sinar::annotate {

struct FoundAnnotations {
    std::vector<PresentationState> states;
    std::vector<KeyObjectSelection> keyImages;
    std::vector<FileFailure> failures; // presentation states and selections that could not be read
};

// Reads every Grayscale Softcopy Presentation State and Key Object Selection
// Document directly in `folders` (not below them) that concerns a study in
// `studyUids` (any study when empty). Files in `skip` (the study's images) are
// not opened; other DICOM objects are passed over. A broken file is listed in
// failures and never stops the search.
FoundAnnotations findAnnotations(const std::vector<std::string>& folders, const std::set<std::string>& skip,
                                 const std::set<std::string>& studyUids = {});

// Where Sinar writes the study's presentation state ("PR") or key-image
// selection ("KO") in `folder`: SINAR_PR_<study UID>.dcm. When a file of that
// name exists and is not Sinar's own (its content label or series description
// differs), the next free name (..._2.dcm, ...) is taken instead: nothing
// another program wrote is overwritten.
std::string annotationPath(const std::string& folder, const std::string& studyUid, const std::string& kind);

} // namespace sinar::annotate
