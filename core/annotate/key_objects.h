#pragma once
// Key images as a DICOM Key Object Selection Document (PS3.3 A.35.4,
// template TID 2010): the title "Of Interest" (DCM 113000), an optional
// description, and one IMAGE item per key image (with its frame number for a
// multi-frame instance), so that other viewers and the PACS list them.
#include <string>
#include <vector>

#include "annotate/image_ref.h"

namespace sinar::annotate {

struct KeyObjectSelection {
    std::string path;
    std::string sopInstanceUid, studyInstanceUid;
    std::string title;       // the document title's meaning, e.g. "Of Interest"
    std::string description; // the Key Object Description text, if any
    std::string seriesDescription; // "Sinar key images" in the files Sinar writes
    std::vector<ImageRef> images;
};

// The series description Sinar writes ("Sinar key images"): a selection with it is Sinar's own.
const char* sinarKeyImagesDescription();

// Writes the key images (one study; every ImageRef with its file, patient and
// study come from the first) at `path`, durably. Returns the new SOP Instance
// UID. Throws sinar::Error naming the file.
std::string writeKeyObjectSelection(const std::string& path, const std::vector<ImageRef>& images,
                                    const std::string& description = {});

// Reads a Key Object Selection Document. Throws sinar::Error naming the file
// when it is not one or is broken.
KeyObjectSelection readKeyObjectSelection(const std::string& path);

} // namespace sinar::annotate
