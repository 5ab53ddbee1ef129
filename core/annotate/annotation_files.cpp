#include "annotate/annotation_files.h"

#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <filesystem>

#include "dicom/dicom_reader.h"

namespace fs = std::filesystem;

namespace sinar::annotate {

namespace {
// A file Sinar may replace: its own presentation state or selection of that study.
bool isSinarFile(const std::string& path, const std::string& kind)
{
    try {
        if (kind == "PR")
            return readPresentationState(path).contentLabel == sinarContentLabel();
        return readKeyObjectSelection(path).seriesDescription == sinarKeyImagesDescription();
    } catch (const Error&) {
        return false;
    }
}
} // namespace

FoundAnnotations findAnnotations(const std::vector<std::string>& folders, const std::set<std::string>& skip,
                                 const std::set<std::string>& studyUids)
{
    FoundAnnotations found;
    std::set<std::string> seen;
    for (const std::string& folder : folders) {
        std::error_code ec;
        std::vector<std::string> files;
        for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec) && !skip.count(it->path().string()))
                files.push_back(it->path().string());
        std::sort(files.begin(), files.end());
        for (const std::string& f : files) {
            if (!seen.insert(fs::weakly_canonical(f, ec).string()).second || !dicom::isDicomFile(f))
                continue;
            try {
                const dicom::InstanceInfo info = dicom::readInstanceInfo(f);
                if (!studyUids.empty() && !studyUids.count(info.studyInstanceUid))
                    continue;
                if (info.sopClassUid == UID_GrayscaleSoftcopyPresentationStateStorage)
                    found.states.push_back(readPresentationState(f));
                else if (info.sopClassUid == UID_KeyObjectSelectionDocumentStorage)
                    found.keyImages.push_back(readKeyObjectSelection(f));
            } catch (const std::exception& e) {
                found.failures.push_back(fileFailure(e, f));
            }
        }
    }
    return found;
}

std::string annotationPath(const std::string& folder, const std::string& studyUid, const std::string& kind)
{
    const std::string stem = (fs::path(folder) / ("SINAR_" + kind + "_" + studyUid)).string();
    for (int n = 1;; ++n) {
        const std::string path = stem + (n == 1 ? std::string() : "_" + std::to_string(n)) + ".dcm";
        std::error_code ec;
        if (!fs::exists(path, ec) || isSinarFile(path, kind))
            return path;
    }
}

} // namespace sinar::annotate
