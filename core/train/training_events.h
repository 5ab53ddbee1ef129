#pragma once
// What a training run reports while it runs. The CLI prints it; the GUI plots it.
#include <string>

namespace sinar::train {

struct BatchEvent {
    int epoch = 0;   // 1-based
    int epochs = 0;
    int batch = 0;   // 1-based
    int batches = 0;
    double loss = 0; // running mean over the epoch so far
    double accuracy = 0;
    double learningRate = 0;
    double imagesPerSecond = 0;
};

struct EpochEvent {
    int epoch = 0;
    int epochs = 0;
    double trainLoss = 0, trainAccuracy = 0;
    double valLoss = 0, valAccuracy = 0;
    double learningRate = 0;
    double imagesPerSecond = 0; // training throughput
    double seconds = 0;         // wall time of the epoch incl. validation
    bool improved = false;      // best validation loss so far
    int epochsWithoutImprovement = 0;
};

class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onBatch(const BatchEvent&) {}
    virtual void onEpoch(const EpochEvent&) {}
    virtual void onMessage(const std::string&) {}
    // Long preparation steps (decoding, evaluation).
    virtual void onProgress(long long /*done*/, long long /*total*/, const std::string& /*what*/) {}
};

} // namespace sinar::train
