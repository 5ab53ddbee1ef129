#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonObject>
#include <algorithm>
#include <functional>
#include <optional>
#include <chrono>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "data/image_cache.h"
#include "explain/explain.h"
#include "imaging/preprocessor.h"
#include "nn/model.h"
#include "train/throughput.h"

namespace sinar::cli {

namespace {

// Median milliseconds of each job, run in interleaved rounds so that load from
// elsewhere on the machine affects all of them alike. A job with `every` = k
// runs in every k-th round only.
struct Job {
    Job(std::function<void()> w, int e = 1) : work(std::move(w)), every(e) {}
    std::function<void()> work;
    int every = 1;
    std::vector<double> ms;
};

void runInterleaved(std::vector<Job>& jobs, int rounds)
{
    for (Job& j : jobs)
        j.work(); // warm-up
    for (int round = 0; round < rounds; ++round) {
        for (Job& j : jobs) {
            if (round % j.every != 0)
                continue;
            const auto t0 = std::chrono::steady_clock::now();
            j.work();
            j.ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
    }
}

double median(std::vector<double> v)
{
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
}

// Single-image latency: plain inference (the forward pass and softmax on the
// preprocessed image) against each saliency method on the same image.
int benchExplain(const QCommandLineParser& p)
{
    const std::string modelPath = requiredOption(p, "model");
    const nn::Model model = nn::Model::load(modelPath);
    const int runs = intOption(p, "runs", 1, 10000);
    const imaging::Recipe& r = model.info().recipe;
    imaging::Image image;
    if (p.isSet("image")) {
        image = imaging::readImageFile(p.value("image").toStdString());
    } else {
        cv::Mat m(r.height, r.width, r.channels == 1 ? CV_8UC1 : CV_8UC3);
        cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
        image = imaging::imageFromMat(m, "textured");
    }
    const imaging::Preprocessor pre(r);
    const std::vector<float> x = pre(image);
    std::printf("model: %s, input %dx%dx%d, image %dx%d; %d threads; batch 1, median of %d runs; CAM layer %s\n",
                QFileInfo(QString::fromStdString(modelPath)).fileName().toUtf8().constData(), r.width, r.height,
                r.channels, image.width(), image.height(), nn::threadCount(), runs,
                p.isSet("layer") ? p.value("layer").toUtf8().constData() : "default");
    std::vector<Job> jobs;
    jobs.emplace_back([&] { model.predict(x.data(), 1); });
    jobs.emplace_back([&] { model.predict(image); });
    std::vector<explain::Method> methods;
    for (explain::Method m : explain::allMethods()) {
        if (!explain::supports(model, m))
            continue;
        methods.push_back(m);
        explain::ExplainOptions options;
        options.method = m;
        if (m != explain::Method::Occlusion)
            options.layer = p.value("layer").toStdString();
        const bool slow = m == explain::Method::ScoreCam || m == explain::Method::Occlusion;
        jobs.emplace_back([&model, &image, options] { explain::explainImage(model, image, options); }, slow ? 5 : 1);
    }
    runInterleaved(jobs, runs);
    const double forward = median(jobs[0].ms), preprocessed = median(jobs[1].ms);
    std::printf("%-28s %8.2f ms\n", "inference (forward)", forward);
    std::printf("%-28s %8.2f ms\n", "inference + preprocessing", preprocessed);
    QJsonObject o;
    o["threads"] = nn::threadCount();
    o["runs"] = runs;
    o["inference_ms"] = forward;
    o["inference_with_preprocessing_ms"] = preprocessed;
    for (size_t i = 0; i < methods.size(); ++i) {
        const double ms = median(jobs[i + 2].ms);
        std::printf("%-28s %8.2f ms   %5.2fx inference + preprocessing\n",
                    (explain::displayName(methods[i]) + " (+ preprocessing)").c_str(), ms, ms / preprocessed);
        o[QString::fromStdString(explain::toString(methods[i])) + "_ms"] = ms;
    }
    if (p.isSet("json"))
        writeJsonFile(p.value("json").toStdString(), o);
    return kExitOk;
}

} // namespace

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
        {"explain", "With --model: single-image latency of plain inference and of each saliency method."},
        {"image", "With --explain: measure on this image (default: a textured image of the input size).", "FILE"},
        {"layer", "With --explain: the layer of the CAM methods (default: the last block).", "NAME"},
    });
    int code = 0;
    if (!parseOrExit(p, args, "Measure training and inference speed on this machine.", code))
        return code;
    applyThreads(p);
    if (p.isSet("explain"))
        return benchExplain(p);
    nn::BundleInfo info;
    std::optional<nn::Model> loaded; // --model: measured with its own weights
    if (p.isSet("model")) {
        loaded = nn::Model::load(p.value("model").toStdString());
        info = loaded->info();
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
    if (info.architecture == "standard-cnn") {
        std::printf("model: standard CNN %dx%dx%d, filters", info.recipe.width, info.recipe.height, info.recipe.channels);
        for (int f : info.cnn.filters)
            std::printf(" %d", f);
        std::printf(", stem stride %d", info.cnn.stemStride);
    } else {
        std::printf("model: %s %dx%dx%d", info.architecture.c_str(), info.recipe.width, info.recipe.height,
                    info.recipe.channels);
    }
    std::printf("%s; %d threads\n", loaded ? " (the bundle's weights)" : " (random weights)", nn::threadCount());
    std::fflush(stdout);
    const train::Throughput t =
        train::measureThroughput(loaded ? *loaded : nn::Model::create(info, 0), trainBatch, batch, runs);
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
    o["architecture"] = QString::fromStdString(info.architecture);
    if (info.architecture == "standard-cnn")
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
