#pragma once
// What a training run would do with a data set, shown before it starts (the
// Training tab's set-up page): the classes and their counts, the exact split
// runTrainingJob would make (same functions, same seed), the files that cannot
// be read, and warnings a careful user wants to see first (class imbalance,
// tiny classes, near-duplicate twins across the split, patients on two sides).
// QtCore and OpenCV only (no LibTorch): cheap to compile and to call from a
// worker thread.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "data/dataset.h"
#include "data/split.h"
#include "imaging/recipe.h"

namespace sinar::train {

struct RunPlanRequest {
    std::string dataPath;                // class folder, CSV list, .npz, DICOM folder labelled by sub-folder
    std::vector<std::string> classNames; // for an .npz without known names (as TrainingJobSpec::classNames)
    double testFraction = 0.2;           // ignored for an .npz (its own test or val subset is the test part)
    double valFraction = 0.1;
    uint32_t seed = 0;                   // TrainConfig::seed
    std::string splitMethod = "sinar";   // as TrainingJobSpec
    bool groupDuplicates = false;        // as TrainingJobSpec; needs every image decoded (like checkDuplicates)
    bool groupByPatient = false;         // as TrainingJobSpec; throws sinar::Error when the set has no PatientIDs
    // Decode every image as training would (seconds to minutes on all cores):
    // lists the files that cannot be decoded and counts near-duplicate twins
    // across the split.
    bool checkDuplicates = false;
    // The preprocessing recipe of the run. Near-duplicates are found on the
    // images at its base stage, exactly as runTrainingJob finds them.
    imaging::Recipe recipe;
    // With checkDuplicates: keep every image's 32x32 grey thumbnail (RunPlan::thumbnails).
    bool keepThumbnails = false;
};

struct RunPlan {
    std::string source;
    bool isNpz = false;
    std::string testSubset;              // .npz: the archive's subset tested on ("test" or "val"); else empty
    std::vector<std::string> classNames;
    std::vector<size_t> classCounts;     // images per class (an .npz: train subset plus the test subset)
    // Per class, the split as runTrainingJob writes it to split.json (before
    // images that fail to decode are dropped).
    std::vector<size_t> trainCounts, valCounts, testCounts;
    size_t trainTotal = 0, valTotal = 0, testTotal = 0;
    data::Split split;                   // train/val index `dataset`, test indexes `testDataset`
    std::shared_ptr<const data::Dataset> dataset;     // the images trained on (an .npz: its train subset)
    std::shared_ptr<const data::Dataset> testDataset; // the same object, except for an .npz

    // Files that cannot be used: skipped while listing, DICOM headers that
    // cannot be read, and (when decoded) images that fail to decode. Sorted by file.
    std::vector<FileFailure> unreadable;

    bool decoded = false;                // every image was decoded (checkDuplicates or groupDuplicates)
    size_t imagesWithTwins = 0;          // images with at least one near-duplicate (in the set trained on)
    size_t duplicateGroups = 0;          // groups of two or more near-duplicates
    size_t testWithTrainTwin = 0;        // test images with a near-duplicate in the training part
    size_t valWithTrainTwin = 0;         // validation images with a near-duplicate in the training part
    std::vector<uint8_t> testHasTrainTwin; // per entry of split.test (when decoded)
    // keepThumbnails: 32x32 grey base images (CV_8UC1; empty where decoding
    // failed) of `dataset`, then of `testDataset` when it is another object.
    std::vector<cv::Mat> thumbnails, testThumbnails;

    bool hasPatientIds = false;          // some DICOM image names its patient (0010,0020)
    size_t patients = 0;                 // distinct PatientIDs
    size_t imagesWithoutPatientId = 0;
    size_t patientsOnSeveralSides = 0;   // patients with images in more than one of train, val, test

    std::vector<std::string> warnings;   // plain sentences, most important first
};

// Opens the data set, reads PatientIDs (DICOM headers only), optionally
// decodes every image, and makes the split. Throws sinar::Error for a data set
// runTrainingJob would refuse (missing, empty class, bad fraction, grouping by
// patient without PatientIDs); Cancelled when `cancel` is set.
RunPlan planRun(const RunPlanRequest& request, const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

// Up to `perClass` samples of each class, spread evenly over the class (its
// first sample first), class by class. Indices into `dataset`.
std::vector<size_t> previewIndices(const data::Dataset& dataset, int perClass);
// Their paths (an .npz sample's path is "archive.npz[subset]#index": load
// those through Dataset::load with previewIndices).
std::vector<std::string> previewPaths(const data::Dataset& dataset, int perClass);

} // namespace sinar::train
