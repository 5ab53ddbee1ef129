#pragma once
// A labelled image collection: a folder of class folders, a CSV list, or a
// subset of a MedMNIST .npz. Images are decoded on demand (files) or held in
// memory (npz).
#include <memory>
#include <string>
#include <vector>

#include "common/progress.h"
#include "imaging/image.h"

namespace sinar::data {

struct Sample {
    std::string path; // file, or "archive.npz[subset]#index"
    int label = -1;
    cv::Mat pixels;   // set for in-memory samples (npz), else empty
};

// The sample's image: its in-memory pixels, or its file decoded.
imaging::Image loadSample(const Sample& s);

class Dataset {
public:
    Dataset() = default;
    Dataset(std::string source, std::vector<std::string> classNames, std::vector<Sample> samples);

    const std::string& source() const { return source_; }
    const std::vector<std::string>& classNames() const { return classNames_; }
    size_t size() const { return samples_.size(); }
    const Sample& sample(size_t i) const { return samples_.at(i); }
    std::vector<int> labels() const;
    std::vector<size_t> classCounts() const;

    // Decodes sample i; throws sinar::Error naming the file when it cannot.
    imaging::Image load(size_t i) const;

    // Files skipped while listing (unreadable CSV rows, unknown kinds, ...).
    const std::vector<FileFailure>& skipped() const { return skipped_; }
    void addSkipped(FileFailure f) { skipped_.push_back(std::move(f)); }

    // Maps this data set's labels onto `names` (a model's classes), by name.
    // Throws sinar::Error listing the classes the model does not know.
    void remapClasses(const std::vector<std::string>& names);

private:
    std::string source_;
    std::vector<std::string> classNames_;
    std::vector<Sample> samples_;
    std::vector<FileFailure> skipped_;
};

struct DatasetOptions {
    std::string subset = "train";         // for .npz: train, val or test
    std::vector<std::string> classNames;  // for .npz (labels are indices); empty: known names or "0", "1", ...
};

// True when any image may hold patient data (common/privacy.h: DICOM and other
// non-PNG/JPEG/TIFF/BMP files); decides what `--paths auto` writes.
bool holdsPatientFiles(const Dataset& data);

// Opens a folder (one sub-folder per class), a .csv (path,label) or a .npz.
Dataset openDataset(const std::string& path, const DatasetOptions& options = {});

Dataset openClassFolder(const std::string& folder);
Dataset openCsvList(const std::string& csvPath);
Dataset openNpz(const std::string& npzPath, const DatasetOptions& options);

// Class names MedMNIST uses for a file name such as "pneumoniamnist_*.npz"; empty when unknown.
std::vector<std::string> medmnistClassNames(const std::string& fileName);

} // namespace sinar::data
