#pragma once
// Training progress on the terminal, shared by train, compare and ablate.
#include <cstdio>

#include "cli/cli_common.h"
#include "train/trainer.h"

namespace sinar::cli {

// Prints training progress: a live bar on a terminal, one line per epoch otherwise.
class ConsoleObserver : public train::TrainingObserver {
public:
    explicit ConsoleObserver(bool quiet) : quiet_(quiet), live_(stderrIsTerminal()) {}

    void onBatch(const train::BatchEvent& e) override
    {
        if (quiet_ || !live_)
            return;
        const int width = 30;
        const int filled = e.batches ? e.batch * width / e.batches : 0;
        std::fprintf(stderr, "\r  epoch %3d/%-3d [%.*s%*s] %4d/%-4d loss %.4f acc %.3f  %.0f img/s ", e.epoch, e.epochs,
                     filled, "##############################", width - filled, "", e.batch, e.batches, e.loss, e.accuracy,
                     e.imagesPerSecond);
        std::fflush(stderr);
    }

    void onEpoch(const train::EpochEvent& e) override
    {
        if (quiet_)
            return;
        std::fprintf(stderr, "%sepoch %3d/%-3d  train loss %.4f acc %.4f | val loss %.4f acc %.4f | lr %.4g | %.0f img/s | %.1f s%s\n",
                     live_ ? "\r\033[K" : "", e.epoch, e.epochs, e.trainLoss, e.trainAccuracy, e.valLoss, e.valAccuracy,
                     e.learningRate, e.imagesPerSecond, e.seconds, e.improved ? "  *" : "");
        std::fflush(stderr);
    }

    void onMessage(const std::string& m) override
    {
        if (!quiet_)
            std::fprintf(stderr, "%s%s\n", live_ ? "\r\033[K" : "", m.c_str());
    }

    void onProgress(long long done, long long total, const std::string& what) override
    {
        if (quiet_ || !live_)
            return;
        std::fprintf(stderr, "\r  %s %lld/%lld ", what.c_str(), done, total);
        std::fflush(stderr);
    }

private:
    bool quiet_;
    bool live_;
};


} // namespace sinar::cli
