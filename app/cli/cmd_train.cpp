#include <QCommandLineParser>
#include <QRegularExpression>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "train/training_job.h"

namespace sinar::cli {

namespace {

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

void addOptions(QCommandLineParser& p)
{
    p.addOptions({
        {"data", "Data set: class folder, CSV list (path,label) or MedMNIST .npz.", "D"},
        {"out", "Model bundle to write.", "BUNDLE"},
        {"run-dir", "Folder for checkpoint, split, history and metrics (default: BUNDLE.run).", "DIR"},
        {"resume", "Continue the run from its last checkpoint."},
        {"overwrite", "Replace an existing bundle."},
        {"class-names", "Class names for an .npz (comma-separated, in label order).", "NAMES"},
        {"test-fraction", "Held-out test part per class (default 0.2).", "F", "0.2"},
        {"val-fraction", "Validation part of the rest, for early stopping (default 0.1).", "F", "0.1"},
        {"group-duplicates", "Keep near-duplicate images (mean difference < 1 grey level at 32x32) on one side of the split."},
        {"seed", "Seed for split, initialisation and augmentation (default 0).", "N", "0"},
        {"threads", "Compute threads (default: one per core).", "N"},
        // Model
        {"filters", "Filters per convolution block (default 32,64,128,256).", "LIST", "32,64,128,256"},
        {"kernel", "Convolution kernel size (default 3).", "K", "3"},
        {"convs-per-block", "Convolutions per block (default 1).", "N", "1"},
        {"stem-stride", "Stride of the first convolution (default 2).", "N", "2"},
        {"no-batch-norm", "Leave out batch normalisation."},
        {"dropout", "Dropout before the classifier (default 0.5).", "P", "0.5"},
        {"fc-hidden", "Hidden fully connected layer size (default 0: none).", "N", "0"},
        // Training
        {"epochs", "Maximum epochs (default 60).", "N", "60"},
        {"batch-size", "Mini-batch size (default 32).", "N", "32"},
        {"optimizer", "sgd (momentum) or adam (default sgd).", "NAME", "sgd"},
        {"lr", "Learning rate (default 0.02 for SGD, 0.001 for Adam).", "LR"},
        {"momentum", "SGD momentum (default 0.9).", "M", "0.9"},
        {"weight-decay", "L2 weight decay (default 5e-4).", "W", "0.0005"},
        {"schedule", "cosine, step or constant (default cosine).", "NAME", "cosine"},
        {"step-size", "Step schedule: epochs between decays (default 10).", "N", "10"},
        {"gamma", "Step schedule: decay factor (default 0.1).", "G", "0.1"},
        {"warmup", "Warm-up epochs (default 1).", "N", "1"},
        {"patience", "Early stopping patience in epochs, 0 = off (default 20).", "N", "20"},
        {"class-weights", "Weight the loss by inverse class frequency."},
        {"label-smoothing", "Label smoothing (default 0).", "E", "0"},
        {"precise-bn", "Re-estimate batch-norm statistics on this many clean training images after each epoch, 0 = off (default 1024).", "N", "1024"},
        {"max-minutes", "Time budget: the schedule is fitted to it (default 0: none).", "MIN", "0"},
        // Preprocessing
        {"size", "Input size, N or WxH (default 128).", "SIZE", "128"},
        {"channels", "1 (grey) or 3 (RGB) (default 1).", "C", "1"},
        {"keep-aspect", "Letterbox instead of stretching."},
        {"normalise", "none, per-image, dataset or minus-one-one (default per-image).", "MODE", "per-image"},
        {"clahe", "CLAHE contrast enhancement."},
        {"clahe-clip", "CLAHE clip limit (default 2).", "C", "2"},
        {"denoise", "none, median, gaussian or nlmeans (default none).", "METHOD", "none"},
        {"window", "Fixed window C,W for >8-bit images (default: the image's own).", "C,W"},
        // Augmentation
        {"no-augment", "Train without augmentation."},
        {"rotate", "Random rotation in degrees (default 10).", "DEG", "10"},
        {"scale", "Random zoom fraction (default 0.1).", "F", "0.1"},
        {"translate", "Random shift fraction (default 0.06).", "F", "0.06"},
        {"vflip", "Random vertical flips too."},
        {"no-hflip", "No random horizontal flips."},
        {"brightness", "Brightness jitter fraction (default 0.1).", "F", "0.1"},
        {"contrast", "Contrast jitter fraction (default 0.15).", "F", "0.15"},
        {"noise", "Gaussian noise sigma in grey levels (default 0).", "S", "0"},
        {"blur", "Probability of a random blur (default 0).", "P", "0"},
        {"quiet", "Print only the final report."},
    });
}

} // namespace

int runTrain(const QStringList& args)
{
    QCommandLineParser p;
    addOptions(p);
    int code = 0;
    if (!parseOrExit(p, args,
                     "Train the standard CNN on a data set; evaluate it on the held-out test part; write a model bundle.\n"
                     "Example: sinar-cli train --data brain-mri/Training --out brain.sinar",
                     code))
        return code;
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    applyThreads(p);

    train::TrainingJobSpec s;
    s.dataPath = requiredOption(p, "data");
    s.outPath = requiredOption(p, "out");
    s.runDir = p.value("run-dir").toStdString();
    s.resume = p.isSet("resume");
    s.overwrite = p.isSet("overwrite");
    s.groupDuplicates = p.isSet("group-duplicates");
    s.classNames = stringListOption(p, "class-names");
    s.testFraction = doubleOption(p, "test-fraction", 0.0, 0.9);
    s.valFraction = doubleOption(p, "val-fraction", 0.0, 0.9);

    s.cnn.filters = intListOption(p, "filters");
    s.cnn.kernelSize = intOption(p, "kernel", 1, 11);
    s.cnn.convsPerBlock = intOption(p, "convs-per-block", 1, 4);
    s.cnn.stemStride = intOption(p, "stem-stride", 1, 4);
    s.cnn.batchNorm = !p.isSet("no-batch-norm");
    s.cnn.dropout = doubleOption(p, "dropout", 0.0, 0.95);
    s.cnn.fcHidden = intOption(p, "fc-hidden", 0, 8192);

    train::TrainConfig& t = s.train;
    t.epochs = intOption(p, "epochs", 1, 10000);
    t.batchSize = intOption(p, "batch-size", 1, 4096);
    t.optimizer = p.value("optimizer").toStdString();
    t.learningRate = p.isSet("lr") ? doubleOption(p, "lr", 1e-7, 10.0) : (t.optimizer == "adam" ? 0.001 : 0.02);
    t.momentum = doubleOption(p, "momentum", 0.0, 0.999);
    t.weightDecay = doubleOption(p, "weight-decay", 0.0, 1.0);
    t.schedule = p.value("schedule").toStdString();
    t.stepSize = intOption(p, "step-size", 1, 10000);
    t.gamma = doubleOption(p, "gamma", 1e-6, 1.0);
    t.warmupEpochs = intOption(p, "warmup", 0, 1000);
    t.patience = intOption(p, "patience", 0, 10000);
    t.classWeights = p.isSet("class-weights");
    t.labelSmoothing = doubleOption(p, "label-smoothing", 0.0, 0.99);
    t.preciseBnImages = intOption(p, "precise-bn", 0, 1000000);
    t.seed = static_cast<uint32_t>(intOption(p, "seed", 0, 2147483647));
    t.maxMinutes = doubleOption(p, "max-minutes", 0.0, 100000.0);

    imaging::Recipe& r = s.recipe;
    const QString size = p.value("size");
    const QRegularExpressionMatch m = QRegularExpression("^(\\d+)(?:x(\\d+))?$").match(size);
    if (!m.hasMatch())
        throw Error("--size must be N or WxH, not '" + size.toStdString() + "'");
    r.width = m.captured(1).toInt();
    r.height = m.captured(2).isEmpty() ? r.width : m.captured(2).toInt();
    r.channels = intOption(p, "channels", 1, 3);
    r.keepAspect = p.isSet("keep-aspect");
    r.normalisation = imaging::normalisationFromString(p.value("normalise").toStdString(), "--normalise");
    r.clahe = p.isSet("clahe");
    r.claheClip = doubleOption(p, "clahe-clip", 0.01, 100.0);
    r.denoise = imaging::denoiseFromString(p.value("denoise").toStdString(), "--denoise");
    if (p.isSet("window")) {
        const QStringList cw = p.value("window").split(',');
        bool ok1 = false, ok2 = false;
        if (cw.size() == 2) {
            r.windowCenter = cw[0].toDouble(&ok1);
            r.windowWidth = cw[1].toDouble(&ok2);
        }
        if (!ok1 || !ok2 || r.windowWidth <= 0)
            throw Error("--window must be CENTER,WIDTH with a positive width");
        r.useWindow = true;
    }
    if (r.normalisation == imaging::Normalisation::Dataset) {
        r.mean.assign(static_cast<size_t>(r.channels), 0.5f);
        r.std.assign(static_cast<size_t>(r.channels), 0.25f);
    }
    r.validate("options");

    imaging::AugmentConfig& a = s.augment;
    a.enabled = !p.isSet("no-augment");
    a.rotationDeg = doubleOption(p, "rotate", 0.0, 180.0);
    a.scale = doubleOption(p, "scale", 0.0, 0.9);
    a.translate = doubleOption(p, "translate", 0.0, 0.5);
    a.verticalFlip = p.isSet("vflip");
    a.horizontalFlip = !p.isSet("no-hflip");
    a.brightness = doubleOption(p, "brightness", 0.0, 1.0);
    a.contrast = doubleOption(p, "contrast", 0.0, 1.0);
    a.noiseStd = doubleOption(p, "noise", 0.0, 128.0);
    a.blurProbability = doubleOption(p, "blur", 0.0, 1.0);

    ConsoleObserver observer(p.isSet("quiet"));
    const train::TrainingJobResult res = runTrainingJob(s, &observer, &interruptToken());

    for (const auto& f : res.failures)
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    if (!res.failures.empty())
        std::fprintf(stderr, "%zu files skipped (listed in %s/skipped.tsv)\n", res.failures.size(), res.runDir.c_str());
    std::printf("trained in %.1f min (%zu epochs%s), %zu parameters\n", res.totalSeconds / 60.0, res.history.epochs.size(),
                res.history.stoppedEarly ? ", stopped early" : "", res.parameters);
    if (res.test.n) {
        std::printf("\nheld-out test set (%ld images):\n%s", res.test.n, res.test.toTable().c_str());
    }
    std::printf("\nmodel bundle: %s\nrun folder:   %s\n", res.bundlePath.c_str(), res.runDir.c_str());
    return kExitOk;
}

} // namespace sinar::cli
