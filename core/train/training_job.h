#pragma once
// The whole headless training run the CLI and the GUI share: open the data
// set, split it, decode it once, train, evaluate on the held-out test part and
// write the bundle plus a run folder (split, history, metrics, checkpoint).
#include <QJsonObject>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/pause_token.h"
#include "common/progress.h"
#include "data/dataset.h"
#include "data/split.h"
#include "eval/metrics.h"
#include "imaging/augmenter.h"
#include "imaging/quality.h"
#include "imaging/recipe.h"
#include "nn/cnn_config.h"
#include "train/train_config.h"
#include "train/trainer.h"
#include "trust/scope.h"

namespace sinar::train {

struct TrainingJobSpec {
    std::string dataPath;
    std::vector<std::string> classNames; // for .npz without known names
    std::string outPath;                 // the bundle to write
    std::string runDir;                  // empty: "<outPath>.run"
    imaging::Recipe recipe;
    imaging::AugmentConfig augment;
    std::string architecture = "standard-cnn"; // a registered network (nn/architectures.h)
    std::string features = "raw";        // classical baselines (svm-linear, svm-rbf, knn): "raw" pixels or "hog"
    int cvFolds = 3;                     // classical baselines: cross-validation folds for their hyper-parameters
    std::string pretrained;              // TorchScript file to initialise from by name (nn/pretrained.h); batch norm frozen
    nn::CnnConfig cnn;                   // inChannels and numClasses are filled in from data and recipe
    TrainConfig train;
    double testFraction = 0.2;
    double valFraction = 0.1;
    std::string splitMethod = "sinar";   // data::makeSplit: "sinar" or "sklearn" (scikit-learn's stratified split)
    bool groupDuplicates = false;        // keep near-duplicate images on one side of the split
    bool groupByPatient = false;         // keep the images of one patient on one side of the split
    int threads = 0;                     // compute threads; >0 sets them for the process, 0 leaves them
    bool resume = false;
    bool overwrite = false;              // allow replacing an existing bundle
    trust::Scope scope;                  // the images the model is for, stored in the bundle
    bool measureTestQuality = false;     // fill TrainingJobResult::testQuality (decodes the test images again)
    std::string pathMode = "auto";       // `--paths`: auto, record or fingerprint (common/privacy.h); with
                                         // fingerprints the run folder has no test.csv
};

struct TrainingJobResult {
    eval::Report test;
    // The held-out test images (also in the run folder's test_predictions.csv).
    std::vector<int> testTruth;
    std::vector<std::vector<float>> testProbabilities;
    std::vector<std::string> testPaths; // "FILE.npz#subset/INDEX" for .npz
    std::vector<imaging::QualityMeasures> testQuality; // with spec.measureTestQuality: one per test image, same order
    QJsonObject classical;               // a classical baseline's record (BundleInfo::classical); empty for a network
    double testPredictSeconds = 0;       // inference alone (batches of 64, preprocessing excluded) on the test images
    TrainingHistory history;
    std::string bundlePath;
    std::string runDir;
    size_t trainCount = 0, valCount = 0, testCount = 0;
    std::vector<FileFailure> failures;
    double totalSeconds = 0;
    size_t parameters = 0;
    bool recordedPaths = false;          // pathMode's verdict: paths (true) or fingerprints in bundle and run folder
};

// With spec.resume, continues from the run folder's checkpoint (bit-identical
// to an uninterrupted run with the same threads; see Trainer::fit), or starts
// over from the recorded split when the run ended before its first checkpoint.
// `pause` holds training between batches while it is paused.
TrainingJobResult runTrainingJob(const TrainingJobSpec& spec, TrainingObserver* observer, const CancelToken* cancel,
                                 const PauseToken* pause = nullptr);

// The held-out test images of a bundle trained on `data`: re-creates the seeded
// split from the bundle's data metadata (BundleInfo::data). Throws sinar::Error
// when `data` is not the set the bundle was trained on (its hash differs) or
// the split cannot be re-created (near-duplicate groups, a separate test set).
std::vector<size_t> heldOutTestIndices(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context);

// The whole split a bundle trained on `data` recorded (train / validation /
// test indices; for an .npz, train and validation of its "train" subset and no
// test). Throws sinar::Error as heldOutTestIndices does.
data::Split recordedSplit(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context);

// The fingerprint of a data set's file list and labels the bundle records ("hash").
std::string dataHash(const data::Dataset& data);

} // namespace sinar::train
