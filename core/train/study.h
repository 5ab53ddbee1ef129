#pragma once
// The study's comparisons, reproducible: several training set-ups run on one
// data set with one split (same seed and fractions), and a table of what each
// reached on the same held-out images. `sinar-cli compare` compares methods
// (the CNN, transfer learning, SVM and k-NN on raw pixels or HOG);
// `sinar-cli ablate` compares preprocessing variants of one network.
#include <QJsonObject>
#include <functional>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "train/training_job.h"

namespace sinar::train {

struct StudyEntry {
    std::string name;        // row name ("cnn", "svm-rbf-raw", "+ CLAHE", ...)
    std::string description; // what differs, in words
    TrainingJobSpec spec;    // outPath and runDir are set by runStudy
};

struct StudyRow {
    std::string name, description, architecture, features; // features: classical baselines only
    eval::Report test;
    double ece = -1;            // 15 bins, on the bundle's calibrated probabilities
    double trainSeconds = 0;    // training (or fitting, cross-validation included)
    double predictMs = 0;       // inference per test image, batches of 64, preprocessing excluded
    size_t trainImages = 0, valImages = 0, testImages = 0;
    QJsonObject chosen;         // classical baselines: the hyper-parameters cross-validation chose
    QJsonObject byQuality;      // eval::qualityBreakdownJson on the test images
    std::string bundle;
    QJsonObject toJson() const;
};

// The method names `compare` knows, with what each is, for help texts:
// cnn, transfer, resnet18, resnet34, mobilenet_v2, densenet121, svm-rbf-raw, svm-rbf-hog,
// svm-linear-raw, svm-linear-hog, knn-raw, knn-hog; "svm" and "knn" stand for
// their raw and HOG variants.
std::vector<std::pair<std::string, std::string>> compareMethodHelp();
// The entries for a comma-separated method list on top of `base` (the data,
// split and the deep networks' training options). Throws sinar::Error for an unknown method, or for
// "transfer" without base.pretrained.
// Classical baselines read raw pixels at `rawSize` and HOG at `hogSize` (a multiple of 8).
struct CompareSettings {
    int transferEpochs = 6;
    int rawSize = 32;
    int hogSize = 64;
};
std::vector<StudyEntry> compareEntries(const std::string& methods, const TrainingJobSpec& base,
                                       const CompareSettings& settings = {});
// The preprocessing ablation of `base`'s network: none / normalisation /
// + augmentation / + CLAHE / + denoising (median), each adding to the one before.
std::vector<StudyEntry> ablationEntries(const TrainingJobSpec& base);

// Trains every entry into `outDir` (BUNDLE per row, named after it) and
// returns the rows. `say` reports which entry runs; each entry's observer
// messages go to `observer`. Throws what runTrainingJob throws, naming the entry.
// `onEntry(i, n)` is called before entry i of n starts.
std::vector<StudyRow> runStudy(const std::vector<StudyEntry>& entries, const std::string& outDir, TrainingObserver* observer,
                               const CancelToken* cancel = nullptr,
                               const std::function<void(size_t index, size_t count)>& onEntry = {});

// {"methods": [row...], "split": {"seed", "test_fraction", "val_fraction", "train", "val", "test", "data"}}
QJsonObject studyJson(const std::vector<StudyRow>& rows, const TrainingJobSpec& base);
// A terminal table: name, accuracy, macro F1, ROC AUC, ECE, train s, ms/image.
std::string studyTable(const std::vector<StudyRow>& rows);
// One CSV line per row with the JSON's scalar columns.
std::string studyCsv(const std::vector<StudyRow>& rows);
// Writes studyJson (plus "kind" and "command") to `jsonPath` and studyCsv next
// to it (the same name ending in .csv); returns the CSV's path.
std::string writeStudy(const std::string& jsonPath, const std::vector<StudyRow>& rows, const TrainingJobSpec& base,
                       const std::string& kind, const std::string& command);

} // namespace sinar::train
