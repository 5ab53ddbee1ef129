#pragma once
// File paths in what Sinar writes down. A path can name a patient (PACS
// exports and hand-made folders often do), so where a data set holds DICOM
// files, bundles, run folders and reports refer to it and its images by
// fingerprint unless the user asks for paths (`--paths record`, or the Training
// tab's choice). The console still echoes the paths the user typed, and error
// messages name the file they are about.
#include <string>

namespace sinar::privacy {

// The modes of `--paths`: "auto" (fingerprints when the data set holds patient
// files, i.e. DICOM; paths for PNG/JPEG/TIFF/BMP folders and .npz), "record" or
// "fingerprint".
extern const char* const kPathsOptionHelp;

// Whether paths are written for `mode` ("auto", "record", "fingerprint");
// throws Error for another mode.
bool recordsPaths(const std::string& mode, bool patientFiles);

// True for a file that may hold patient data: anything but a PNG, JPEG, TIFF or
// BMP file (DICOM files often have no extension at all) and .npz samples.
bool isPatientFile(const std::string& path);

// "sha256:" and the first 16 hex digits of the SHA-256 of the path's absolute,
// canonical form (the path as given when it does not exist). The same data set
// gives the same fingerprint, so a bundle can still be matched to its data.
std::string pathFingerprint(const std::string& path);

// The data set reference to write: the path when recordPaths, else its fingerprint.
std::string dataRef(const std::string& path, bool recordPaths);

// The image reference to write: the path when recordPaths; else "img-" and 12
// hex digits of the SHA-256 of the path relative to the data set's folder
// (stable when the folder moves); an .npz sample ("archive.npz[subset]#index")
// keeps its subset and index ("[subset]#index") and drops the archive's path.
std::string imageRef(const std::string& path, const std::string& dataSource, bool recordPaths);

} // namespace sinar::privacy
