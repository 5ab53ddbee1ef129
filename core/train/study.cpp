#include "train/study.h"

#include <QDir>
#include <QJsonArray>
#include <QStringList>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <sstream>

#include "common/privacy.h"
#include "data/dataset.h"
#include "common/error.h"
#include "common/json_io.h"
#include "eval/calibration_metrics.h"
#include "eval/quality_breakdown.h"
#include "nn/architectures.h"

namespace sinar::train {

namespace {

// A classical baseline on raw 32x32 grey pixels (values 0..1) or HOG of 64x64 grey.
StudyEntry classical(const TrainingJobSpec& base, const std::string& architecture, const std::string& features,
                     const CompareSettings& settings)
{
    StudyEntry e;
    e.name = architecture + "-" + features;
    e.spec = base;
    e.spec.architecture = architecture;
    e.spec.features = features;
    e.spec.pretrained.clear();
    imaging::Recipe r;
    r.channels = 1;
    const int size = features == "raw" ? settings.rawSize : settings.hogSize;
    r.width = r.height = size;
    r.normalisation = imaging::Normalisation::None;
    r.useWindow = base.recipe.useWindow; // how >8-bit images are read stays the user's choice
    r.windowCenter = base.recipe.windowCenter;
    r.windowWidth = base.recipe.windowWidth;
    e.spec.recipe = r;
    const std::string kernel = architecture == "knn"          ? "k-nearest neighbours (k by cross-validation)"
                               : architecture == "svm-rbf"    ? "SVM, RBF kernel (C and gamma by cross-validation)"
                                                              : "linear SVM (C by cross-validation)";
    const std::string px = std::to_string(size) + "x" + std::to_string(size);
    e.description = kernel + (features == "raw" ? ", raw " + px + " grey pixels" : ", HOG of " + px + " grey");
    return e;
}

std::vector<std::string> split(const std::string& list)
{
    std::vector<std::string> out;
    for (const QString& s : QString::fromStdString(list).split(',', Qt::SkipEmptyParts))
        out.push_back(s.trimmed().toStdString());
    return out;
}

QString number(double v, int decimals = 4)
{
    return v < 0 ? QStringLiteral("-") : QString::number(v, 'f', decimals);
}

} // namespace

std::vector<std::pair<std::string, std::string>> compareMethodHelp()
{
    return {{"cnn", "the standard CNN with the training options given (default)"},
            {"transfer", "MobileNetV2 from --pretrained ImageNet weights, 160x160 RGB, Adam 3e-4"},
            {"resnet18, resnet34, mobilenet_v2, densenet121", "that network from random weights, with the training options given"},
            {"svm-rbf-raw, svm-linear-raw, knn-raw", "classical baseline on raw grey pixels (--raw-size, default 32x32)"},
            {"svm-rbf-hog, svm-linear-hog, knn-hog", "classical baseline on HOG of grey (--hog-size, default 64x64)"},
            {"svm, knn", "both feature kinds of the RBF SVM or of k-NN (default: cnn,svm,knn)"}};
}

std::vector<StudyEntry> compareEntries(const std::string& methods, const TrainingJobSpec& base, const CompareSettings& settings)
{
    std::vector<StudyEntry> out;
    auto add = [&](StudyEntry e) {
        for (const StudyEntry& x : out)
            if (x.name == e.name)
                return;
        out.push_back(std::move(e));
    };
    for (const std::string& m : split(methods)) {
        if (m == "svm") {
            add(classical(base, "svm-rbf", "raw", settings));
            add(classical(base, "svm-rbf", "hog", settings));
        } else if (m == "knn") {
            add(classical(base, "knn", "raw", settings));
            add(classical(base, "knn", "hog", settings));
        } else if (m.size() > 4 && (m.rfind("-raw") == m.size() - 4 || m.rfind("-hog") == m.size() - 4) &&
                   nn::isClassicalArchitecture(m.substr(0, m.size() - 4))) {
            add(classical(base, m.substr(0, m.size() - 4), m.substr(m.size() - 3), settings));
        } else if (m == "cnn") {
            StudyEntry e{"cnn", "the standard CNN", base};
            e.spec.architecture = "standard-cnn";
            e.spec.pretrained.clear();
            add(e);
        } else if (m == "transfer") {
            if (base.pretrained.empty())
                throw Error("the 'transfer' method needs ImageNet weights: pass --pretrained FILE (a TorchScript "
                            "MobileNetV2, e.g. data/pretrained/mobilenet_v2_imagenet.torchscript.pt)");
            StudyEntry e{"transfer", "MobileNetV2 fine-tuned from ImageNet weights (160x160 RGB, Adam 3e-4)", base};
            e.spec.architecture = "mobilenet_v2";
            e.spec.recipe.channels = 3;
            e.spec.recipe.width = e.spec.recipe.height = 160;
            e.spec.recipe.normalisation = imaging::Normalisation::MinusOneOne;
            e.spec.train.optimizer = "adam";
            e.spec.train.learningRate = 3e-4;
            e.spec.train.epochs = std::max(1, std::min(base.train.epochs, settings.transferEpochs));
            add(e);
        } else if (nn::isRegisteredArchitecture(m) && !nn::isClassicalArchitecture(m)) {
            StudyEntry e{m, m + " from random weights", base};
            e.spec.architecture = m;
            e.spec.pretrained.clear();
            add(e);
        } else {
            QStringList known;
            for (const auto& [name, what] : compareMethodHelp())
                known << QString::fromStdString(name);
            throw Error("unknown method '" + m + "' (known: " + known.join(", ").toStdString() + ")");
        }
    }
    if (out.empty())
        throw Error("no method to compare was given");
    return out;
}

std::vector<StudyEntry> ablationEntries(const TrainingJobSpec& base)
{
    std::vector<StudyEntry> out;
    TrainingJobSpec s = base;
    s.pretrained.clear();
    s.recipe.normalisation = imaging::Normalisation::None;
    s.recipe.clahe = false;
    s.recipe.denoise = imaging::Denoise::None;
    s.augment = imaging::AugmentConfig::none();
    out.push_back({"none", "pixels / 255, no augmentation, no contrast enhancement, no denoising", s});
    s.recipe.normalisation = base.recipe.normalisation == imaging::Normalisation::None ? imaging::Normalisation::PerImage
                                                                                       : base.recipe.normalisation;
    out.push_back({"normalisation", "+ " + imaging::toString(s.recipe.normalisation) + " normalisation", s});
    s.augment = base.augment.enabled ? base.augment : imaging::AugmentConfig();
    s.augment.enabled = true;
    out.push_back({"augmentation", "+ augmentation (flips, rotation, zoom, shift, brightness, contrast)", s});
    s.recipe.clahe = true;
    out.push_back({"clahe", "+ CLAHE contrast enhancement (clip " + QString::number(s.recipe.claheClip).toStdString() + ")", s});
    s.recipe.denoise = imaging::Denoise::Median;
    out.push_back({"denoise", "+ median denoising (" + std::to_string(s.recipe.denoiseSize) + "x" +
                                  std::to_string(s.recipe.denoiseSize) + ")",
                   s});
    return out;
}

QJsonObject StudyRow::toJson() const
{
    QJsonObject o;
    o["name"] = QString::fromStdString(name);
    o["description"] = QString::fromStdString(description);
    o["architecture"] = QString::fromStdString(architecture);
    if (!features.empty())
        o["features"] = QString::fromStdString(features);
    o["accuracy"] = test.accuracy;
    o["macro_precision"] = test.macroPrecision;
    o["macro_recall"] = test.macroRecall;
    o["macro_f1"] = test.macroF1;
    QJsonObject recall;
    for (const auto& c : test.perClass)
        recall[QString::fromStdString(c.name)] = c.recall;
    o["per_class_recall"] = recall;
    o["roc_auc"] = test.rocAuc;
    o["ece"] = ece;
    o["train_seconds"] = trainSeconds;
    o["predict_ms"] = predictMs;
    o["train_images"] = static_cast<qint64>(trainImages);
    o["val_images"] = static_cast<qint64>(valImages);
    o["test_images"] = static_cast<qint64>(testImages);
    if (!chosen.isEmpty())
        o["chosen"] = chosen;
    if (!byQuality.isEmpty())
        o["by_quality"] = byQuality;
    o["bundle"] = QString::fromStdString(bundle);
    return o;
}

std::vector<StudyRow> runStudy(const std::vector<StudyEntry>& entries, const std::string& outDir, TrainingObserver* observer,
                               const CancelToken* cancel, const std::function<void(size_t, size_t)>& onEntry)
{
    if (!QDir().mkpath(QString::fromStdString(outDir)))
        throw Error("cannot create the output folder", outDir);
    std::vector<StudyRow> rows;
    for (size_t i = 0; i < entries.size(); ++i) {
        const StudyEntry& e = entries[i];
        if (onEntry)
            onEntry(i, entries.size());
        if (observer)
            observer->onMessage("[" + std::to_string(i + 1) + "/" + std::to_string(entries.size()) + "] " + e.name + ": " +
                                e.description);
        TrainingJobSpec spec = e.spec;
        std::string file = e.name;
        for (char& c : file)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
                c = '_';
        spec.outPath = outDir + "/" + file + ".sinar";
        spec.runDir.clear();
        spec.resume = false;
        spec.overwrite = true;
        spec.measureTestQuality = true;
        TrainingJobResult r;
        try {
            r = runTrainingJob(spec, observer, cancel);
        } catch (const Cancelled&) {
            throw;
        } catch (const Error& err) {
            throw Error(e.name + ": " + err.what());
        }
        if (r.testTruth.empty())
            throw Error(e.name + ": the split left no test images to compare on");
        StudyRow row;
        row.name = e.name;
        row.description = e.description;
        row.architecture = spec.architecture;
        if (nn::isClassicalArchitecture(spec.architecture))
            row.features = spec.features;
        row.test = r.test;
        row.ece = eval::expectedCalibrationError(r.testTruth, r.testProbabilities);
        row.trainSeconds = r.history.seconds;
        row.predictMs = 1000.0 * r.testPredictSeconds / static_cast<double>(r.testTruth.size());
        row.trainImages = r.trainCount;
        row.valImages = r.valCount;
        row.testImages = r.testCount;
        row.bundle = r.bundlePath;
        row.chosen = r.classical.value("chosen").toObject();
        if (r.testQuality.size() == r.testTruth.size()) {
            std::vector<bool> correct;
            for (size_t k = 0; k < r.testTruth.size(); ++k) {
                const auto& p = r.testProbabilities[k];
                correct.push_back(static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()) == r.testTruth[k]);
            }
            row.byQuality = eval::qualityBreakdownJson(eval::qualityBreakdown(r.testQuality, correct));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

namespace {

// What `--paths` decides for the study's data set (common/privacy.h); the set is listed again, not decoded.
bool studyRecordsPaths(const TrainingJobSpec& base)
{
    bool patientFiles = true;
    try {
        data::DatasetOptions opts;
        opts.classNames = base.classNames;
        patientFiles = data::holdsPatientFiles(data::openDataset(base.dataPath, opts));
    } catch (const Error&) {
    }
    return privacy::recordsPaths(base.pathMode, patientFiles);
}

} // namespace

QJsonObject studyJson(const std::vector<StudyRow>& rows, const TrainingJobSpec& base)
{
    QJsonArray methods;
    for (const StudyRow& r : rows)
        methods.append(r.toJson());
    QJsonObject splitJson;
    splitJson["data"] = QString::fromStdString(privacy::dataRef(base.dataPath, studyRecordsPaths(base)));
    splitJson["method"] = QString::fromStdString(base.splitMethod);
    splitJson["seed"] = static_cast<qint64>(base.train.seed);
    splitJson["test_fraction"] = base.testFraction;
    splitJson["val_fraction"] = base.valFraction;
    splitJson["group_duplicates"] = base.groupDuplicates;
    if (!rows.empty()) {
        splitJson["train"] = static_cast<qint64>(rows.front().trainImages);
        splitJson["val"] = static_cast<qint64>(rows.front().valImages);
        splitJson["test"] = static_cast<qint64>(rows.front().testImages);
    }
    QJsonObject o;
    o["methods"] = methods;
    o["split"] = splitJson;
    return o;
}

std::string studyTable(const std::vector<StudyRow>& rows)
{
    size_t width = 6;
    for (const StudyRow& r : rows)
        width = std::max(width, r.name.size());
    std::ostringstream out;
    char line[256];
    std::snprintf(line, sizeof line, "%-*s  %8s  %8s  %8s  %8s  %9s  %8s\n", static_cast<int>(width), "method", "accuracy",
                  "macro F1", "ROC AUC", "ECE", "train s", "ms/image");
    out << line;
    for (const StudyRow& r : rows) {
        std::snprintf(line, sizeof line, "%-*s  %8s  %8s  %8s  %8s  %9.1f  %8.3f\n", static_cast<int>(width), r.name.c_str(),
                      qPrintable(number(r.test.accuracy)), qPrintable(number(r.test.macroF1)),
                      qPrintable(number(r.test.rocAuc)), qPrintable(number(r.ece)), r.trainSeconds, r.predictMs);
        out << line;
    }
    return out.str();
}

std::string studyCsv(const std::vector<StudyRow>& rows)
{
    std::string csv = "name,architecture,features,accuracy,macro_precision,macro_recall,macro_f1,roc_auc,ece,train_seconds,"
                      "predict_ms,test_images\n";
    char line[512];
    for (const auto& r : rows) {
        std::snprintf(line, sizeof line, "%s,%s,%s,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f,%.4f,%zu\n", r.name.c_str(),
                      r.architecture.c_str(), r.features.c_str(), r.test.accuracy, r.test.macroPrecision, r.test.macroRecall,
                      r.test.macroF1, r.test.rocAuc, r.ece, r.trainSeconds, r.predictMs, r.testImages);
        csv += line;
    }
    return csv;
}

std::string writeStudy(const std::string& jsonPath, const std::vector<StudyRow>& rows, const TrainingJobSpec& base,
                       const std::string& kind, const std::string& command)
{
    QJsonObject o = studyJson(rows, base);
    o["kind"] = QString::fromStdString(kind);
    QString commandLine = QString::fromStdString(command);
    // The split's data reference already says whether paths are recorded (no second listing of the set).
    if (!base.dataPath.empty() && o["split"].toObject()["data"].toString().startsWith(QLatin1String("sha256:")))
        commandLine.replace(QString::fromStdString(base.dataPath), QString::fromStdString(privacy::pathFingerprint(base.dataPath)));
    o["command"] = commandLine;
    writeJsonFile(jsonPath, o);
    QString csvPath = QString::fromStdString(jsonPath);
    if (csvPath.endsWith(".json"))
        csvPath.chop(5);
    csvPath += ".csv";
    writeFileAtomically(csvPath.toStdString(), studyCsv(rows));
    return csvPath.toStdString();
}

} // namespace sinar::train
