#pragma once
// Speed of a model on this machine: training and inference images per second
// and single-image latency. Used by `sinar-cli bench`.
#include "nn/model.h"

namespace sinar::train {

struct Throughput {
    double trainImagesPerSecond = 0; // forward + backward + SGD step
    double inferImagesPerSecond = 0; // batched forward with softmax
    double latencyMedianMs = 0;      // batch 1 forward, median
    double latencyMinMs = 0;
    int trainBatch = 0, inferBatch = 0, threads = 0;
};

// Runs `model` (a loaded bundle, or fresh weights from nn::Model::create) on
// random inputs of its recipe's shape. The training steps change its weights:
// pass a model that is not used for anything else.
Throughput measureThroughput(nn::Model model, int trainBatch, int inferBatch, int latencyRuns);

} // namespace sinar::train
