#include <QCommandLineParser>
#include <QJsonObject>
#include <chrono>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "data/image_cache.h"
#include "nn/model.h"
#include "train/throughput.h"

namespace sinar::cli {

int runBench(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Measure this bundle's architecture and recipe (default: the standard CNN, 128x128 grey, 4 classes).", "BUNDLE"},
        {"size", "Input size of the default network (default 128).", "N", "128"},
        {"filters", "Filters of the default network (default 32,64,128,256).", "LIST", "32,64,128,256"},
        {"stem-stride", "Stride of the default network's first convolution (default 2).", "N", "2"},
        {"data", "Also measure decoding + preprocessing on up to 1000 images of this data set.", "D"},
        {"train-batch", "Training batch size (default 32).", "N", "32"},
        {"batch", "Inference batch size (default 64).", "N", "64"},
        {"runs", "Single-image latency runs (default 20).", "N", "20"},
        {"threads", "Compute threads (default: one per core).", "N"},
        {"json", "Write the numbers as JSON.", "OUT"},
    });
    int code = 0;
    if (!parseOrExit(p, args, "Measure training and inference speed on this machine.", code))
        return code;
    applyThreads(p);
    nn::BundleInfo info;
    if (p.isSet("model")) {
        info = nn::Model::load(p.value("model").toStdString()).info();
    } else {
        info.cnn.numClasses = 4;
        info.classNames = {"a", "b", "c", "d"};
        info.recipe.width = info.recipe.height = intOption(p, "size", 16, 1024);
        info.cnn.filters = intListOption(p, "filters");
        info.cnn.stemStride = intOption(p, "stem-stride", 1, 4);
        info.validate("bench options");
    }
    const int trainBatch = intOption(p, "train-batch", 1, 1024);
    const int batch = intOption(p, "batch", 1, 1024);
    const int runs = intOption(p, "runs", 1, 10000);
    std::printf("model: standard CNN %dx%dx%d, filters", info.recipe.width, info.recipe.height, info.recipe.channels);
    for (int f : info.cnn.filters)
        std::printf(" %d", f);
    std::printf(", stem stride %d; %d threads\n", info.cnn.stemStride, nn::threadCount());
    std::fflush(stdout);
    const train::Throughput t = train::measureThroughput(info, trainBatch, batch, runs);
    std::printf("training   %8.1f img/s  (batch %d, forward+backward+SGD step)\n", t.trainImagesPerSecond, trainBatch);
    std::printf("inference  %8.1f img/s  (batch %d)\n", t.inferImagesPerSecond, batch);
    std::printf("latency    %8.2f ms     (batch 1, median of %d; min %.2f ms)\n", t.latencyMedianMs, runs, t.latencyMinMs);
    QJsonObject o;
    o["threads"] = t.threads;
    o["train_images_per_second"] = t.trainImagesPerSecond;
    o["train_batch"] = trainBatch;
    o["inference_images_per_second"] = t.inferImagesPerSecond;
    o["inference_batch"] = batch;
    o["latency_median_ms"] = t.latencyMedianMs;
    o["latency_min_ms"] = t.latencyMinMs;
    o["recipe"] = info.recipe.toJson();
    o["cnn"] = info.cnn.toJson();

    if (p.isSet("data")) {
        data::Dataset ds = data::openDataset(p.value("data").toStdString());
        std::vector<data::Sample> subset;
        const size_t n = std::min<size_t>(1000, ds.size());
        const size_t step = std::max<size_t>(1, ds.size() / n);
        for (size_t i = 0; i < ds.size() && subset.size() < n; i += step)
            subset.push_back(ds.sample(i));
        const data::Dataset part(ds.source(), ds.classNames(), subset);
        const imaging::Preprocessor pre(info.recipe);
        const auto start = std::chrono::steady_clock::now();
        const data::ImageCache cache = data::buildImageCache(part, pre);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("decoding   %8.1f img/s  (%zu images of %s, decode + recipe, all cores)\n", part.size() / s, part.size(),
                    ds.source().c_str());
        o["decode_images_per_second"] = part.size() / s;
    }
    if (p.isSet("json"))
        writeJsonFile(p.value("json").toStdString(), o);
    return kExitOk;
}

} // namespace sinar::cli
