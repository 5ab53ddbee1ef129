#include "train/training_job.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "common/error.h"
#include "common/integrity.h"
#include "common/json_io.h"
#include "common/privacy.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/image_cache.h"
#include "data/near_duplicates.h"
#include "data/npz_reader.h"
#include "data/patient_groups.h"
#include "data/split.h"
#include "nn/architectures.h"
#include "nn/model.h"
#include "nn/pretrained.h"
#include "trust/calibration.h"
#include "trust/ood.h"
#include "trust/scope.h"

#ifndef SINAR_VERSION
#define SINAR_VERSION "0.0.0"
#endif

namespace sinar::train {

namespace {

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull)
{
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

QJsonArray countsJson(const data::Dataset& d, const std::vector<size_t>& idx)
{
    std::vector<long> c(d.classNames().size(), 0);
    for (size_t i : idx)
        ++c[static_cast<size_t>(d.sample(i).label)];
    QJsonArray a;
    for (long v : c)
        a.append(static_cast<qint64>(v));
    return a;
}

// A CSV field: quoted (with doubled quotes) when `always` or when it needs it.
std::string csvField(const std::string& s, bool always = false)
{
    if (!always && s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

// path,label,predicted,confidence,p_<class>... one row per test image.
// Images are named by privacy::imageRef: fingerprints unless the user records paths.
std::string testPredictionsCsv(const TestResult& t, const std::vector<std::string>& classNames,
                               const std::string& dataSource, bool recordPaths)
{
    std::ostringstream csv;
    csv << "path,label,predicted,confidence";
    for (const auto& c : classNames)
        csv << ',' << csvField("p_" + c);
    csv << '\n';
    char num[32];
    for (size_t i = 0; i < t.truth.size(); ++i) {
        const std::vector<float>& p = t.probabilities[i];
        const size_t predicted = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        std::snprintf(num, sizeof num, "%.6f", p[predicted]);
        csv << csvField(privacy::imageRef(t.paths[i], dataSource, recordPaths), true) << ',' << csvField(classNames[static_cast<size_t>(t.truth[i])]) << ','
            << csvField(classNames[predicted]) << ',' << num;
        for (float v : p) {
            std::snprintf(num, sizeof num, "%.6f", v);
            csv << ',' << num;
        }
        csv << '\n';
    }
    return csv.str();
}

// Drops indices whose image failed to decode.
std::vector<size_t> keepDecoded(const std::vector<size_t>& idx, const data::ImageCache& cache)
{
    std::vector<size_t> out;
    for (size_t i : idx)
        if (!cache.images[i].empty())
            out.push_back(i);
    return out;
}

void computeDatasetStats(imaging::Recipe& r, const data::ImageCache& cache, const std::vector<size_t>& train)
{
    std::vector<double> sum(static_cast<size_t>(r.channels), 0), sq(static_cast<size_t>(r.channels), 0);
    double n = 0;
    for (size_t i : train) {
        cv::Scalar mean, sd;
        cv::meanStdDev(cache.images[i], mean, sd);
        for (int c = 0; c < r.channels; ++c) {
            sum[c] += mean[c] / 255.0;
            sq[c] += (sd[c] * sd[c] + mean[c] * mean[c]) / (255.0 * 255.0);
        }
        n += 1;
    }
    r.mean.assign(static_cast<size_t>(r.channels), 0.f);
    r.std.assign(static_cast<size_t>(r.channels), 1.f);
    for (int c = 0; c < r.channels; ++c) {
        const double m = sum[c] / n;
        r.mean[c] = static_cast<float>(m);
        r.std[c] = static_cast<float>(std::sqrt(std::max(1e-8, sq[c] / n - m * m)));
    }
}

// A whole TorchScript model to fine-tune: its outputs must already be the data's classes.
nn::Model scriptToFineTune(const TrainingJobSpec& spec, const nn::BundleInfo& info)
{
    try {
        return nn::Model::fromTorchScript(spec.pretrained, info);
    } catch (const Error& e) {
        const std::string what = e.what();
        if (what.find("outputs") == std::string::npos)
            throw;
        throw Error("its outputs do not match the data set's " + std::to_string(info.classNames.size()) +
                        " classes, and a TorchScript model's layers cannot be replaced: export it with " +
                        std::to_string(info.classNames.size()) + " outputs, or train a built-in network from its "
                        "weights (--architecture mobilenet_v2|resnet18|... --pretrained FILE)",
                    spec.pretrained);
    }
}

// A classical baseline: fitted once on the un-augmented images of td.train
// (nn/classical.h); `outOfFold` gets each one's cross-validated probabilities.
TrainingHistory fitBaseline(nn::Model& model, const TrainingData& td, const imaging::Preprocessor& pre,
                            const TrainingJobSpec& spec, TrainingObserver* observer, const CancelToken* cancel,
                            std::vector<int>& truth, std::vector<std::vector<float>>& outOfFold)
{
    const auto start = std::chrono::steady_clock::now();
    const imaging::Augmenter plain(imaging::AugmentConfig::none());
    data::BatchLoaderOptions o;
    o.batchSize = 256;
    o.shuffle = false;
    data::BatchLoader loader(*td.images, *td.labels, td.train, pre, plain, o);
    loader.startEpoch(0);
    data::Batch b;
    std::vector<float> x;
    std::vector<int> y;
    while (loader.next(b)) {
        if (cancel)
            cancel->throwIfCancelled();
        const size_t per = static_cast<size_t>(spec.recipe.channels * spec.recipe.width * spec.recipe.height);
        x.insert(x.end(), b.x.begin(), b.x.begin() + static_cast<std::ptrdiff_t>(per * static_cast<size_t>(b.n)));
        for (int i = 0; i < b.n; ++i)
            y.push_back(static_cast<int>(b.y[static_cast<size_t>(i)]));
    }
    model.fitDirectly(
        x.data(), static_cast<int>(y.size()), y, spec.cvFolds, spec.train.seed,
        [&](long long d, long long t, const std::string& w) {
            if (observer)
                observer->onProgress(d, t, w);
        },
        cancel, &outOfFold);
    truth = y;
    TrainingHistory h;
    h.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const QJsonObject& c = model.info().classical;
    std::ostringstream msg;
    msg << "fitted in " << static_cast<int>(h.seconds + 0.5) << " s: ";
    const QJsonObject chosen = c.value("chosen").toObject();
    for (auto it = chosen.begin(); it != chosen.end(); ++it)
        msg << it.key().toStdString() << " " << it.value().toDouble() << ", ";
    char acc[32];
    std::snprintf(acc, sizeof acc, "%.4f", c.value("cv_accuracy").toDouble());
    msg << "cross-validated accuracy " << acc;
    if (observer)
        observer->onMessage(msg.str());
    return h;
}

} // namespace

std::string dataHash(const data::Dataset& d)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < d.size(); ++i)
        h = fnv1a(QFileInfo(QString::fromStdString(d.sample(i).path)).fileName().toStdString() + "|" +
                      d.classNames()[static_cast<size_t>(d.sample(i).label)] + ";",
                  h);
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

TrainingJobResult runTrainingJob(const TrainingJobSpec& specIn, TrainingObserver* observer, const CancelToken* cancel,
                                 const PauseToken* pause)
{
    const auto start = std::chrono::steady_clock::now();
    TrainingJobSpec spec = specIn;
    spec.train.validate();
    spec.recipe.validate("preprocessing options");
    auto say = [&](const std::string& s) {
        if (observer)
            observer->onMessage(s);
    };
    if (spec.outPath.empty())
        throw Error("no model bundle to write was given");
    const bool wholeScript = spec.architecture == "torchscript";
    if (wholeScript && spec.pretrained.empty())
        throw Error("fine-tuning a whole TorchScript model needs its file (the pretrained weights)");
    if (!wholeScript && !nn::isRegisteredArchitecture(spec.architecture)) {
        nn::BundleInfo probe;
        probe.architecture = spec.architecture;
        nn::validateArchitecture(probe, "training options"); // throws, naming the known networks
    }
    if (QFileInfo::exists(QString::fromStdString(spec.outPath)) && !spec.overwrite && !spec.resume)
        throw Error("the output bundle exists already, and replacing it was not asked for", spec.outPath);
    TrainingJobResult result;
    result.bundlePath = spec.outPath;
    result.runDir = spec.runDir.empty() ? spec.outPath + ".run" : spec.runDir;
    const std::string checkpoint = result.runDir + "/checkpoint.pt";
    const std::string splitFile = result.runDir + "/split.json";
    bool resumeFromCheckpoint = spec.resume;
    if (spec.resume && !QFileInfo::exists(QString::fromStdString(checkpoint))) {
        if (!QFileInfo::exists(QString::fromStdString(splitFile)))
            throw Error("nothing to resume: no checkpoint in the run folder", result.runDir);
        // Stopped before the first epoch ended: the same run from the start.
        say("no checkpoint yet: starting from the first epoch with the recorded split");
        resumeFromCheckpoint = false;
    }
    if (spec.threads > 0)
        nn::setThreadCount(spec.threads);

    // Data and split.
    const bool isNpz = QFileInfo(QString::fromStdString(spec.dataPath)).suffix().toLower() == "npz";
    data::DatasetOptions opts;
    opts.classNames = spec.classNames;
    opts.subset = "train";
    data::Dataset trainSet = data::openDataset(spec.dataPath, opts);
    data::Dataset testStore;
    std::string testSubset; // .npz: the archive's subset the test images come from
    const data::Dataset* testSet = &trainSet;
    if (isNpz) {
        data::NpzReader probe(spec.dataPath);
        opts.subset = probe.contains("test_images") ? "test" : "val";
        testSubset = opts.subset;
        testStore = data::openNpz(spec.dataPath, opts);
        testSet = &testStore;
        say("test set: the archive's '" + opts.subset + "' subset; validation for early stopping: " +
            std::to_string(int(spec.valFraction * 100)) + "% of 'train'");
    }
    // The run folder, once the data opened: a mistyped data path leaves no empty folder behind.
    if (!QDir().mkpath(QString::fromStdString(result.runDir)))
        throw Error("cannot create the run folder", result.runDir);
    // What the bundle and the run folder may name by path (common/privacy.h).
    const bool recordPaths = privacy::recordsPaths(spec.pathMode, data::holdsPatientFiles(trainSet));
    result.recordedPaths = recordPaths;
    for (const auto& s : trainSet.skipped())
        result.failures.push_back(s);
    // Patients, from the DICOM headers: read before decoding, so a set without PatientIDs fails at once.
    data::PatientGroups patients;
    if (spec.groupByPatient && !spec.resume) {
        patients = data::readPatientGroups(
            trainSet,
            [&](long long d, long long t, const std::string& w) {
                if (observer)
                    observer->onProgress(d, t, w);
            },
            cancel);
        patients.requireGroups(spec.dataPath);
        say("patients: " + std::to_string(patients.patients) + " (PatientID), each kept on one side of the split" +
            (patients.withoutId ? "; " + std::to_string(patients.withoutId) + " images without a PatientID, each on its own"
                                : std::string()));
    }

    // Decode once.
    spec.cnn.inChannels = spec.recipe.channels;
    spec.cnn.numClasses = static_cast<int>(trainSet.classNames().size());
    const imaging::Preprocessor decodePre(spec.recipe);
    auto progress = [&](long long d, long long t, const std::string& w) {
        if (observer)
            observer->onProgress(d, t, w);
    };
    say("decoding " + std::to_string(trainSet.size()) + " images from " + spec.dataPath);
    const data::ImageCache cache = data::buildImageCache(trainSet, decodePre, progress, cancel);
    data::ImageCache testCacheStore;
    const data::ImageCache* testCache = &cache;
    if (testSet != &trainSet) {
        testCacheStore = data::buildImageCache(*testSet, decodePre, progress, cancel);
        testCache = &testCacheStore;
    }
    for (const auto& f : cache.failures)
        result.failures.push_back(f);
    if (testCache != &cache)
        for (const auto& f : testCache->failures)
            result.failures.push_back(f);
    data::Split split;
    data::DuplicateGroups twins;
    if (spec.groupDuplicates && !isNpz) {
        twins = data::findNearDuplicates(cache.images);
        say("near-duplicates: " + std::to_string(twins.imagesWithTwins) + " images in " +
            std::to_string(twins.groupsWithTwins) + " groups; each group kept on one side of the split");
    }
    if (spec.resume) {
        split = data::Split::fromJson(readJsonFile(splitFile), trainSet.size(), splitFile);
    } else if (isNpz) {
        split = data::splitTrainVal(trainSet.labels(), spec.valFraction, spec.train.seed, {}, spec.splitMethod);
        for (size_t i = 0; i < testSet->size(); ++i)
            split.test.push_back(i);
    } else {
        // Near-duplicate groups and patients together (either may be empty); train::planRun makes the same call.
        split = data::makeSplit(spec.splitMethod, trainSet.labels(), spec.testFraction, spec.valFraction, spec.train.seed,
                                data::combineGroups(twins.group, patients.group));
    }
    writeRecordedJsonFile(splitFile, split.toJson());
    if (split.train.empty()) // before decoding: the split itself left nothing to train on
        throw Error("the split leaves no image for training" +
                        std::string(patients.patients > 0
                                        ? ": the " + std::to_string(trainSet.size()) + " images belong to " +
                                              std::to_string(patients.patients) +
                                              " patient(s), and each patient stays on one side; keeping patients apart "
                                              "needs more patients, or a smaller --test-fraction"
                                        : "; use a smaller --test-fraction or --val-fraction"),
                    spec.dataPath);
    split.train = keepDecoded(split.train, cache);
    split.val = keepDecoded(split.val, cache);
    split.test = keepDecoded(split.test, *testCache);
    if (split.train.empty())
        throw Error("no training image could be decoded", spec.dataPath);
    result.trainCount = split.train.size();
    result.valCount = split.val.size();
    result.testCount = split.test.size();
    say("split: " + std::to_string(result.trainCount) + " train, " + std::to_string(result.valCount) + " validation, " +
        std::to_string(result.testCount) + " test" +
        (result.failures.empty() ? "" : "; " + std::to_string(result.failures.size()) + " files skipped"));

    if (spec.recipe.normalisation == imaging::Normalisation::Dataset)
        computeDatasetStats(spec.recipe, cache, split.train);

    // Model.
    nn::BundleInfo info;
    info.architecture = spec.architecture;
    info.cnn = spec.cnn;
    info.classNames = trainSet.classNames();
    info.recipe = spec.recipe;
    if (nn::isClassicalArchitecture(spec.architecture))
        info.classical["features"] = QString::fromStdString(spec.features);
    {
        trust::Scope scope = spec.scope;
        scope.normalise("training options");
        info.scope = scope.toJson();
    }
    info.toolVersion = SINAR_VERSION;
    nn::Model model = wholeScript ? scriptToFineTune(spec, info) : nn::Model::create(info, spec.train.seed);
    if (model.fitsDirectly() && !spec.pretrained.empty())
        throw Error("a classical baseline (" + spec.architecture + ") has no weights to take from a pretrained network",
                    spec.pretrained);
    if (!spec.pretrained.empty() && !wholeScript) {
        const nn::TransferReport transfer = nn::loadPretrainedWeights(model, spec.pretrained);
        say("pretrained: " + transfer.describe() + "; batch-norm statistics frozen");
    }
    result.parameters = model.parameterCount();
    if (model.fitsDirectly())
        say(spec.architecture + " on " + spec.features + " features, hyper-parameters by " + std::to_string(spec.cvFolds) +
            "-fold cross-validation on the training part");
    else
        say((spec.architecture == "standard-cnn" ? std::string("standard CNN") : spec.architecture) + ": " +
            std::to_string(result.parameters) + " parameters, " + std::to_string(nn::threadCount()) + " threads");

    const imaging::Preprocessor pre(spec.recipe);
    const imaging::Augmenter augmenter(spec.augment);
    const std::vector<int> labels = trainSet.labels();
    TrainingData td;
    td.images = &cache.images;
    td.labels = &labels;
    td.train = split.train;
    td.val = split.val;
    if (model.fitsDirectly()) {
        // No early stopping to hold images back for: the baseline is fitted on
        // the whole training part (train and validation), as scikit-learn's
        // GridSearchCV refits, and calibrated on its cross-validated scores.
        td.train.insert(td.train.end(), split.val.begin(), split.val.end());
        std::sort(td.train.begin(), td.train.end());
        std::vector<int> truth;
        std::vector<std::vector<float>> outOfFold;
        result.history = fitBaseline(model, td, pre, spec, observer, cancel, truth, outOfFold);
        const trust::TemperatureFit fit = trust::fitTemperature(truth, outOfFold);
        model.info().calibration = fit.toJson("cross-validation");
        say("fitted on " + std::to_string(td.train.size()) + " images (train and validation); calibration: temperature " +
            std::to_string(fit.temperature) + " on their " + std::to_string(fit.n) + " cross-validated scores (ECE " +
            std::to_string(fit.eceBefore) + " -> " + std::to_string(fit.eceAfter) + ")");
    } else {
        Trainer trainer(model, spec.train);
        result.history = trainer.fit(td, pre, augmenter, observer, cancel, checkpoint, resumeFromCheckpoint, pause);
    }

    // Temperature scaling fitted on the validation images (trust/calibration.h); predict() applies it from here on.
    if (!split.val.empty() && !model.fitsDirectly()) {
        const imaging::Augmenter plain(imaging::AugmentConfig::none());
        data::BatchLoaderOptions o;
        o.batchSize = 64;
        o.shuffle = false;
        data::BatchLoader loader(cache.images, labels, split.val, pre, plain, o);
        loader.startEpoch(0);
        data::Batch b;
        std::vector<int> truth;
        std::vector<std::vector<float>> probs;
        const nn::Model raw = model.uncalibrated();
        while (loader.next(b)) {
            if (cancel)
                cancel->throwIfCancelled();
            for (auto& p : raw.predict(b.x.data(), b.n))
                probs.push_back(std::move(p));
            truth.insert(truth.end(), b.y.begin(), b.y.end());
        }
        const trust::TemperatureFit fit = trust::fitTemperature(truth, probs);
        model.info().calibration = fit.toJson("validation");
        say("calibration: temperature " + std::to_string(fit.temperature) + " on " + std::to_string(fit.n) +
            " validation images (ECE " + std::to_string(fit.eceBefore) + " -> " + std::to_string(fit.eceAfter) + ")");
    }
    // Out-of-distribution statistics of the penultimate features (trust/ood.h): training images, threshold from validation.
    if (!split.val.empty()) {
        try {
            const trust::DatasetFeatures tf = trust::cachedFeatures(model, cache.images, labels, split.train, cancel);
            const trust::DatasetFeatures vf = trust::cachedFeatures(model, cache.images, labels, split.val, cancel);
            model.info().ood = trust::OodDetector::fit(tf.features, tf.labels, spec.cnn.numClasses, vf.features).toJson();
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& e) { // e.g. a class without training images in a tiny set
            say(std::string("no out-of-distribution statistics: ") + e.what());
        }
    }

    // Held-out test evaluation on the cached, un-augmented images.
    if (!split.test.empty()) {
        say("evaluating on " + std::to_string(split.test.size()) + " held-out test images");
        const std::vector<int> testLabels = testSet->labels();
        const imaging::Augmenter plain(imaging::AugmentConfig::none());
        data::BatchLoaderOptions o;
        o.batchSize = 64;
        o.shuffle = false;
        data::BatchLoader loader(testCache->images, testLabels, split.test, pre, plain, o);
        loader.startEpoch(0);
        data::Batch b;
        TestResult t;
        while (loader.next(b)) {
            if (cancel)
                cancel->throwIfCancelled();
            const auto t0 = std::chrono::steady_clock::now();
            std::vector<std::vector<float>> probabilities = model.predict(b.x.data(), b.n);
            result.testPredictSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            for (auto& p : probabilities)
                t.probabilities.push_back(std::move(p));
            if (spec.measureTestQuality)
                for (size_t i : b.index)
                    result.testQuality.push_back(imaging::measureQuality(testSet->load(i)));
            t.truth.insert(t.truth.end(), b.y.begin(), b.y.end());
            for (size_t i : b.index)
                t.paths.push_back(isNpz ? spec.dataPath + "#" + testSubset + "/" + std::to_string(i)
                                        : testSet->sample(i).path);
        }
        t.report = eval::computeReport(t.truth, t.probabilities, trainSet.classNames());
        result.test = t.report;
        // The keys of `sinar-cli evaluate --json` (outside tools read both the same way).
        QJsonObject metrics = result.test.toJson();
        metrics["model"] = QString::fromStdString(spec.outPath);
        metrics["data"] = QString::fromStdString(isNpz || !recordPaths ? privacy::dataRef(testSet->source(), recordPaths)
                                                                            : result.runDir + "/test.csv");
        metrics["skipped"] = static_cast<qint64>(result.failures.size());
        const QJsonObject calibration = trust::calibrationMetricsJson(t.truth, t.probabilities, model.info().temperature());
        for (auto it = calibration.begin(); it != calibration.end(); ++it)
            metrics[it.key()] = it.value();
        if (!model.info().ood.isEmpty())
            metrics["ood"] = trust::oodSummaryJson(trust::OodDetector::fromJson(model.info().ood, spec.outPath),
                                                   trust::cachedFeatures(model, testCache->images, testLabels, split.test, cancel).features);
        writeRecordedJsonFile(result.runDir + "/test_metrics.json", metrics);
        writeRecordedFile(result.runDir + "/test_metrics.csv", result.test.toCsv());
        writeRecordedFile(result.runDir + "/test_predictions.csv", testPredictionsCsv(t, trainSet.classNames(), testSet->source(), recordPaths));
        if (observer)
            observer->onTestResult(t);
        result.testTruth = std::move(t.truth);
        result.testProbabilities = std::move(t.probabilities);
        result.testPaths = std::move(t.paths);
        if (!isNpz && recordPaths) { // a data list of the test images (paths: only when the user records them)
            std::ostringstream csv;
            csv << "path,label\n";
            for (size_t i : split.test)
                csv << '"' << testSet->sample(i).path << "\"," << testSet->classNames()[static_cast<size_t>(testSet->sample(i).label)] << '\n';
            writeRecordedFile(result.runDir + "/test.csv", csv.str());
        }
    }
    writeRecordedFile(result.runDir + "/history.csv", result.history.historyCsv());
    if (!result.failures.empty()) {
        std::ostringstream f;
        for (const auto& x : result.failures)
            f << privacy::imageRef(x.file, spec.dataPath, recordPaths) << '\t' << x.reason << '\n';
        writeRecordedFile(result.runDir + "/skipped.tsv", f.str());
    }

    result.totalSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QJsonObject dataJson;
    dataJson["source"] = QString::fromStdString(privacy::dataRef(spec.dataPath, recordPaths));
    dataJson["hash"] = QString::fromStdString(dataHash(trainSet));
    dataJson["images"] = static_cast<qint64>(trainSet.size());
    dataJson["train"] = countsJson(trainSet, split.train);
    dataJson["val"] = countsJson(trainSet, split.val);
    dataJson["test"] = countsJson(*testSet, split.test);
    dataJson["test_source"] = QString::fromStdString(privacy::dataRef(testSet->source(), recordPaths));
    dataJson["split_method"] = QString::fromStdString(split.method);
    dataJson["split_seed"] = static_cast<qint64>(split.seed);
    dataJson["test_fraction"] = isNpz ? 0.0 : spec.testFraction;
    dataJson["val_fraction"] = spec.valFraction;
    dataJson["near_duplicate_groups_kept_together"] = spec.groupDuplicates && !isNpz;
    dataJson["patients_kept_apart"] = spec.groupByPatient;
    if (patients.patients > 0)
        dataJson["patients"] = static_cast<qint64>(patients.patients);
    dataJson["skipped_files"] = static_cast<qint64>(result.failures.size());
    QJsonObject trainJson = spec.train.toJson();
    trainJson["augmentation"] = spec.augment.toJson();
    trainJson["epochs_run"] = static_cast<int>(result.history.epochs.size());
    trainJson["best_epoch"] = result.history.bestEpoch;
    trainJson["stopped_early"] = result.history.stoppedEarly;
    trainJson["training_seconds"] = result.history.seconds;
    trainJson["total_seconds"] = result.totalSeconds;
    trainJson["threads"] = nn::threadCount();
    model.info().data = dataJson;
    model.info().training = trainJson;
    model.info().testMetrics = result.test.n ? result.test.toJson() : QJsonObject();
    model.info().createdAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    model.save(spec.outPath);
    result.classical = model.info().classical;
    say("wrote " + spec.outPath);
    return result;
}

data::Split recordedSplit(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context)
{
    const std::string hash = bundleData["hash"].toString().toStdString();
    if (hash.empty())
        throw Error("the bundle does not record its training data, so its split is unknown", context);
    if (hash != dataHash(data))
        throw Error("this is not the data set the model was trained on (its file list differs from the one recorded in "
                    "the bundle)",
                    data.source());
    if (bundleData["near_duplicate_groups_kept_together"].toBool())
        throw Error("the model was trained with near-duplicate grouping; its split cannot be re-created here", context);
    const double testFraction = bundleData["test_fraction"].toDouble();
    const double valFraction = bundleData["val_fraction"].toDouble(0.1);
    const auto seed = static_cast<uint32_t>(bundleData["split_seed"].toInteger());
    const std::string method = bundleData["split_method"].toString("sinar").toStdString();
    if (testFraction <= 0) // a separate test set (.npz): validation was carved out of "train" alone
        return data::splitTrainVal(data.labels(), valFraction, seed, {}, method);
    std::vector<int> groups; // patients, read again from the DICOM headers
    if (bundleData["patients_kept_apart"].toBool())
        groups = data::readPatientGroups(data).requireGroups(data.source());
    return data::makeSplit(method, data.labels(), testFraction, valFraction, seed, groups);
}

std::vector<size_t> heldOutTestIndices(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context)
{
    if (bundleData["test_fraction"].toDouble() <= 0 && !bundleData["hash"].toString().isEmpty())
        throw Error("the model was tested on a separate test set (" + bundleData["test_source"].toString().toStdString() +
                        "); pass that set instead",
                    context);
    return recordedSplit(data, bundleData, context).test;
}

} // namespace sinar::train
