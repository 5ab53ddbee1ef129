#pragma once
// What a training run reports while it runs. The CLI prints it; the GUI plots it.
#include <cstddef>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace sinar::train {

struct BatchEvent {
    int epoch = 0;   // 1-based
    int epochs = 0;
    int batch = 0;   // 1-based
    int batches = 0;
    long long step = 0; // global 1-based batch index over the whole run (continues across resume)
    double loss = 0; // running mean over the epoch so far
    double batchLoss = 0; // this batch alone
    double accuracy = 0;
    double learningRate = 0;
    double imagesPerSecond = 0;
    double elapsedSeconds = 0; // training wall time so far, incl. resumed parts, excl. pauses
};

struct EpochEvent {
    int epoch = 0;
    int epochs = 0;
    long long step = 0; // global index of the epoch's last batch
    double trainLoss = 0, trainAccuracy = 0;
    double valLoss = 0, valAccuracy = 0;
    double learningRate = 0;
    double imagesPerSecond = 0; // training throughput
    double seconds = 0;         // wall time of the epoch incl. validation (excl. pauses)
    double elapsedSeconds = 0;  // training wall time at the end of the epoch, incl. resumed parts
    bool improved = false;      // best validation loss so far
    int epochsWithoutImprovement = 0;
};

// Every validation image's class probabilities after an epoch (sent before that epoch's EpochEvent).
struct ValidationEvent {
    int epoch = 0;                                // 1-based
    std::vector<int> truth;                       // labels, in the order of TrainingData::val
    std::vector<std::vector<float>> probabilities; // softmax, one row per image
    std::vector<size_t> indices;                  // TrainingData::val (indices into the images)
};

// The held-out test evaluation of the final model (runTrainingJob).
struct TestResult {
    eval::Report report;
    std::vector<int> truth;
    std::vector<std::vector<float>> probabilities; // softmax, one row per test image
    std::vector<std::string> paths;                // image files; "FILE.npz#subset/INDEX" for .npz
};

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onBatch(const BatchEvent&) {}
    virtual void onEpoch(const EpochEvent&) {}
    virtual void onValidation(const ValidationEvent&) {}
    virtual void onTestResult(const TestResult&) {}
    virtual void onMessage(const std::string&) {}
    // Long preparation steps (decoding, evaluation).
    virtual void onProgress(long long /*done*/, long long /*total*/, const std::string& /*what*/) {}
};

} // namespace sinar::train
