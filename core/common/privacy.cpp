#include "common/privacy.h"

#include <filesystem>
#include <system_error>

#include "common/error.h"
#include "common/integrity.h"

namespace sinar::privacy {
namespace fs = std::filesystem;

namespace {

std::string canonical(const std::string& path)
{
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(fs::path(path), ec), ec);
    return ec ? path : p.lexically_normal().string();
}

std::string lexical(const std::string& path)
{
    std::error_code ec;
    const fs::path p = fs::absolute(fs::path(path), ec);
    return ec ? path : p.lexically_normal().string();
}

std::string lower(std::string s)
{
    for (char& c : s)
        c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

} // namespace

const char* const kPathsOptionHelp =
    "How bundle, run folder and reports name the data set and its images: auto (fingerprints when the data set holds "
    "DICOM files, whose folder and file names can name patients; paths otherwise), record or fingerprint (default auto).";

bool recordsPaths(const std::string& mode, bool patientFiles)
{
    if (mode == "record")
        return true;
    if (mode == "fingerprint")
        return false;
    if (mode == "auto" || mode.empty())
        return !patientFiles;
    throw Error("--paths must be auto, record or fingerprint, not '" + mode + "'");
}

bool isPatientFile(const std::string& path)
{
    const size_t npz = path.rfind(".npz");
    if (npz != std::string::npos && path.find('#', npz) != std::string::npos)
        return false;
    const std::string ext = lower(fs::path(path).extension().string());
    for (const char* e : {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"})
        if (ext == e)
            return false;
    return true;
}

std::string pathFingerprint(const std::string& path)
{
    return "sha256:" + sha256Hex(canonical(path)).substr(0, 16);
}

std::string dataRef(const std::string& path, bool recordPaths)
{
    return recordPaths ? path : pathFingerprint(path);
}

std::string imageRef(const std::string& path, const std::string& dataSource, bool recordPaths)
{
    if (recordPaths)
        return path;
    const size_t npz = path.rfind(".npz");
    if (npz != std::string::npos && path.find('#', npz) != std::string::npos)
        return path.substr(npz + 4); // "[subset]#index" or "#subset/index"
    // Lexical only (no file-system calls per image: a report lists thousands): the data set's
    // images are listed below the path it was opened with.
    std::string key = lexical(path);
    if (!dataSource.empty()) {
        fs::path root = lexical(dataSource);
        if (lower(root.extension().string()) == ".csv")
            root = root.parent_path(); // a CSV list: relative to its folder
        const fs::path rel = fs::path(key).lexically_relative(root);
        if (!rel.empty() && rel.native().rfind("..", 0) != 0)
            key = rel.generic_string();
    }
    return "img-" + sha256Hex(key).substr(0, 12);
}

} // namespace sinar::privacy
