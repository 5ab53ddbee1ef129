#pragma once
// Trains a Model on cached base images: SGD/Adam, cross-entropy, LR schedule,
// early stopping with restore of the best weights, atomic per-epoch
// checkpoints and resume. LibTorch stays inside trainer.cpp.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/pause_token.h"
#include "imaging/augmenter.h"
#include "imaging/preprocessor.h"
#include "nn/model.h"
#include "train/train_config.h"
#include "train/training_events.h"

namespace sinar::train {

struct TrainingHistory {
    std::vector<EpochEvent> epochs;
    int bestEpoch = 0;           // 1-based; 0 when there was no validation set
    double bestValLoss = 0;
    bool stoppedEarly = false;
    bool stoppedByTimeBudget = false;
    double seconds = 0;          // training wall time (this run and resumed ones, without pauses)
    std::string historyCsv() const;
};

struct TrainingData {
    const std::vector<cv::Mat>* images = nullptr; // base images
    const std::vector<int>* labels = nullptr;     // one per image
    std::vector<size_t> train, val;               // indices into images
};

class Trainer {
public:
    Trainer(nn::Model& model, TrainConfig config);

    // Runs the whole schedule. With a checkpoint path, writes it atomically
    // after every epoch; with resume, continues from it. Throws
    // sinar::Cancelled when cancelled (the last checkpoint stays valid; a
    // cancel takes effect at the next batch, within about a second).
    //
    // Exact resume: the checkpoint holds the weights, the optimizer state
    // (momentum buffers, Adam moments), the best weights, the history and the
    // random generator (dropout masks); the batch order and augmentation are
    // seeded per epoch. A run resumed with the same thread count ends with
    // weights bit-identical to an uninterrupted one.
    //
    // With `pause`, waits between batches while it is paused (the wait counts
    // neither in the epoch's time nor in the training time).
    TrainingHistory fit(const TrainingData& data, const imaging::Preprocessor& pre, const imaging::Augmenter& augmenter,
                        TrainingObserver* observer, const CancelToken* cancel, const std::string& checkpointPath = {},
                        bool resume = false, const PauseToken* pause = nullptr);

private:
    nn::Model& model_;
    TrainConfig config_;
};

} // namespace sinar::train
