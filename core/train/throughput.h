#pragma once
// Speed of a model on this machine: training and inference images per second
// and single-image latency. Used by `sinar-cli bench`.
#include "nn/bundle_info.h"

namespace sinar::train {

struct Throughput {
    double trainImagesPerSecond = 0; // forward + backward + SGD step
    double inferImagesPerSecond = 0; // batched forward with softmax
    double latencyMedianMs = 0;      // batch 1 forward, median
    double latencyMinMs = 0;
    int trainBatch = 0, inferBatch = 0, threads = 0;
};

// Runs on random inputs of the recipe's shape with freshly initialised weights
// of `info`'s architecture (numbers do not depend on the weights).
Throughput measureThroughput(const nn::BundleInfo& info, int trainBatch, int inferBatch, int latencyRuns);

} // namespace sinar::train
