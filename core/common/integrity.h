#pragma once
// Files that must not lie about their content: a SHA-256 seal for the zip
// archives Sinar writes (model bundles, checkpoints), and crash-safe writes.
//
// The seal is the archive's zip comment, "sinar-sha256:" and the hex SHA-256
// of every byte before the comment-length field. Zip readers (LibTorch,
// Python's zipfile and torch.load) ignore the comment, so a sealed bundle stays
// an ordinary archive; any change to any byte, a truncation or appended bytes
// break the seal.
#include <string>

namespace sinar {

std::string sha256Hex(const std::string& bytes);

// The archive with its seal added. Throws Error when `zip` does not end in an
// end-of-central-directory record without a comment (as LibTorch writes it).
std::string sealZip(std::string zip);

enum class SealState {
    Valid,    // sealed, and the seal matches
    Unsealed, // a well-formed archive without a seal (older bundles, foreign TorchScript files)
    Broken,   // damaged: the seal does not match, or the archive does not end where its directory says
};

struct SealCheck {
    SealState state = SealState::Broken;
    std::string detail; // for Broken: what is wrong, in words
};

SealCheck checkZipSeal(const std::string& bytes);

// Writes bytes to path so that, whatever moment the process is killed or the
// machine loses power, path holds either its old or its new content: a
// temporary file in the same folder, fsync, rename over path, fsync of the
// folder. With keepPrevious the old content stays as previousGeneration(path).
// A full disk or a file-size limit leaves path unchanged, removes the temporary
// file and says so in the Error.
void writeFileDurably(const std::string& path, const std::string& bytes, bool keepPrevious = false);
std::string previousGeneration(const std::string& path);

// Run folders: the files Sinar writes there (split, history, test lists,
// metrics, predictions) are recorded with their SHA-256 in the folder's
// manifest, kManifestName, in sha256sum's format ("HEX  NAME" per line, so
// `sha256sum -c sinar.sha256` checks a folder too), and checked where Sinar
// reads them back. Checkpoints carry their own seal.
extern const char* const kManifestName;

// writeFileDurably, then the file's line in the manifest of its folder (written durably too).
void writeRecordedFile(const std::string& path, const std::string& bytes);

// Throws Error("corrupt run folder: …", path) when the manifest beside `path`
// lists it with another SHA-256; a file the manifest does not list, or a
// folder without one, passes.
void checkRecordedFile(const std::string& path, const std::string& bytes);

// Makes a write past the file-size limit (RLIMIT_FSIZE) fail with EFBIG, which
// writeFileDurably reports, instead of killing the process with SIGXFSZ.
// Called at the start of every program.
void reportFileSizeLimitAsError();

} // namespace sinar
