#pragma once
#include <QJsonObject>
#include <cstdint>
#include <string>

namespace sinar::train {

struct TrainConfig {
    int epochs = 60;
    int batchSize = 32;
    std::string optimizer = "sgd"; // sgd (momentum) or adam
    double learningRate = 0.02;
    double momentum = 0.9;
    bool nesterov = true;
    double weightDecay = 5e-4;
    std::string schedule = "cosine"; // cosine, step or constant
    int stepSize = 10;               // step schedule: epochs between decays
    double gamma = 0.1;              // step schedule: decay factor
    int warmupEpochs = 1;            // linear warm-up before the schedule
    int patience = 20;               // early stopping on validation loss; 0 = off
    bool classWeights = false;       // inverse-frequency weights in the loss
    double labelSmoothing = 0.0;
    // Re-estimate batch-norm statistics on un-augmented training images after
    // each epoch ("precise BN"): the running averages otherwise follow the last
    // augmented batches and make validation loss jumpy.
    int preciseBnImages = 1024;      // 0 = off
    uint32_t seed = 0;
    double maxMinutes = 0;           // time budget; 0 = none (the schedule is fitted to it)
    // Transfer learning: the learning rate of the network's "backbone" parameter
    // group relative to the others (0 freezes it), and epochs during which the
    // backbone stays frozen before it trains too (gradual unfreezing).
    double backboneLrFactor = 1.0;
    int freezeBackboneEpochs = 0;

    QJsonObject toJson() const;
    static TrainConfig fromJson(const QJsonObject& json);
    void validate() const;
    // Learning rate for a (0-based) epoch of `totalEpochs`.
    double learningRateAt(int epoch, int totalEpochs) const;
};

} // namespace sinar::train
