#include <QCommandLineParser>
#include <QFileInfo>
#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/privacy.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "common/parallel.h"
#include "eval/dataset_evaluation.h"
#include "eval/quality_breakdown.h"
#include "imaging/quality.h"
#include "nn/model.h"
#include "train/training_job.h"
#include "trust/calibration.h"
#include "trust/ood.h"

namespace sinar::cli {

int runEvaluate(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle.", "BUNDLE"},
        {"data", "Data set: class folder, CSV list (path,label) or .npz.", "D"},
        {"subset", "Subset of an .npz: train, val or test (default test).", "NAME", "test"},
        {"json", "Write the metrics as JSON.", "OUT"},
        {"csv", "Write the per-class table and confusion matrix as CSV.", "OUT"},
        {"predictions", "Write one row per image (file, truth, predicted, probabilities) as CSV.", "OUT"},
        {"threads", "Compute threads (default: one per core).", "N"},
        {"held-out", "Only the model's held-out test images: D must be the set it was trained on (its split is re-created)."},
        {"negative-class", "Also report the result as a screening question: any other class vs this one (e.g. notumor); JSON key \"screening\".", "NAME"},
        {"by-quality", "Error analysis: accuracy per quality flag and per tercile of brightness, contrast and sharpness (JSON \"by_quality\")."},
        {"paths", privacy::kPathsOptionHelp, "MODE", "auto"},
        {"quiet", "Do not print the table."},
    });
    int code = 0;
    if (!parseOrExit(p, args, "Evaluate a model bundle on every image of a data set.", code))
        return code;
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    applyThreads(p);
    const nn::Model model = nn::Model::load(requiredOption(p, "model"));
    const std::string dataPath = requiredOption(p, "data");
    if (p.isSet("negative-class")) // refused before any image is classified
        eval::computeScreening({}, {}, model.info().classNames, p.value("negative-class").toStdString());
    data::DatasetOptions opts;
    opts.subset = p.value("subset").toStdString();
    opts.classNames = model.info().classNames; // .npz labels are indices into the model's classes
    data::Dataset ds = data::openDataset(dataPath, opts);
    std::vector<size_t> indices; // empty: every image
    if (p.isSet("held-out")) {
        indices = train::heldOutTestIndices(ds, model.info().data, p.value("model").toStdString());
        std::sort(indices.begin(), indices.end());
    }
    ds.remapClasses(model.info().classNames);

    const bool live = stderrIsTerminal() && !p.isSet("quiet");
    eval::DatasetPredictions preds = eval::predictDataset(model, ds, indices, terminalProgress(live), &interruptToken());
    if (preds.index.empty())
        throw Error("no image of the data set could be classified", dataPath);
    const eval::Report report = eval::computeReport(preds.truth, preds.probabilities, model.info().classNames);
    endProgress(live);
    for (const auto& f : ds.skipped())
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    for (const auto& f : preds.failures)
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    const size_t skipped = ds.skipped().size() + preds.failures.size();
    if (skipped)
        std::fprintf(stderr, "%zu files skipped\n", skipped);

    // Calibration: the probabilities above carry the bundle's temperature.
    const QJsonObject calibration = trust::calibrationMetricsJson(preds.truth, preds.probabilities, model.info().temperature());
    if (!p.isSet("quiet")) {
        std::printf("%s (%ld images)\n%s", dataPath.c_str(), report.n, report.toTable().c_str());
        std::printf("ECE (15 bins) %.4f, uncalibrated %.4f (temperature %.3f)\n", calibration["ece"].toDouble(),
                    calibration["ece_uncalibrated"].toDouble(), calibration["temperature"].toDouble());
        for (const auto& c : calibration["risk_coverage"].toArray()) {
            const QJsonObject pt = c.toObject();
            const int percent = static_cast<int>(std::lround(pt["coverage"].toDouble() * 100));
            if (percent == 90 || percent == 80 || percent == 50)
                std::printf("accuracy on the %d %% most confident: %.4f (confidence >= %.3f)\n", percent,
                            pt["accuracy"].toDouble(), pt["threshold"].toDouble());
        }
    }
    QJsonObject qualityJson;
    if (p.isSet("by-quality")) {
        std::vector<imaging::QualityMeasures> measures(preds.index.size());
        std::vector<bool> correct(preds.index.size());
        std::vector<uint8_t> right(preds.index.size());
        parallelFor(preds.index.size(), [&](size_t k) {
            measures[k] = imaging::measureQuality(ds.load(preds.index[k]));
            const auto& pr = preds.probabilities[k];
            right[k] = std::max_element(pr.begin(), pr.end()) - pr.begin() == preds.truth[k];
        });
        for (size_t k = 0; k < right.size(); ++k)
            correct[k] = right[k] != 0;
        const std::vector<eval::QualityBucket> buckets = eval::qualityBreakdown(measures, correct);
        qualityJson = eval::qualityBreakdownJson(buckets);
        if (!p.isSet("quiet")) {
            std::printf("accuracy by image quality:\n");
            for (const auto& b : buckets)
                std::printf("  %-10s %-28s %5ld images  accuracy %.4f\n", b.measure.c_str(), b.bucket.c_str(), b.n,
                            b.accuracy());
        }
    }
    QJsonObject screeningJson;
    if (p.isSet("negative-class")) {
        const eval::Screening s = eval::computeScreening(preds.truth, preds.probabilities, model.info().classNames,
                                                         p.value("negative-class").toStdString());
        screeningJson = s.toJson();
        if (!p.isSet("quiet"))
            std::printf("any class vs %s: sensitivity %.4f (%ld of %ld), specificity %.4f (%ld of %ld), accuracy %.4f, "
                        "ROC AUC %.4f\n",
                        s.negativeClass.c_str(), s.sensitivity, s.truePositives, s.positives, s.specificity,
                        s.trueNegatives, s.negatives, s.accuracy, s.rocAuc);
    }
    // Out-of-distribution: the share of images the bundle's detector flags (about 5 % for images like its training set).
    QJsonObject oodJson;
    if (!model.info().ood.isEmpty() && model.hasEmbeddings()) {
        const trust::OodDetector ood = trust::OodDetector::fromJson(model.info().ood, p.value("model").toStdString());
        const trust::DatasetFeatures f = trust::datasetFeatures(model, ds, preds.index, &interruptToken());
        oodJson = trust::oodSummaryJson(ood, f.features);
        const long flagged = static_cast<long>(oodJson["flagged"].toInteger());
        if (!p.isSet("quiet"))
            std::printf("out of distribution: %ld of %zu images flagged (%.1f %%)\n", flagged, f.features.size(),
                        100.0 * oodJson["share_flagged"].toDouble());
    }
    const bool recordPaths = privacy::recordsPaths(p.value("paths").toStdString(), data::holdsPatientFiles(ds));
    if (p.isSet("json")) {
        QJsonObject o = report.toJson();
        if (!oodJson.isEmpty())
            o["ood"] = oodJson;
        if (!screeningJson.isEmpty())
            o["screening"] = screeningJson;
        if (!qualityJson.isEmpty())
            o["by_quality"] = qualityJson;
        for (auto it = calibration.begin(); it != calibration.end(); ++it)
            o[it.key()] = it.value();
        o["model"] = p.value("model");
        o["data"] = QString::fromStdString(privacy::dataRef(dataPath, recordPaths));
        o["skipped"] = static_cast<qint64>(skipped);
        writeJsonFile(p.value("json").toStdString(), o);
    }
    if (p.isSet("csv"))
        writeFileAtomically(p.value("csv").toStdString(), report.toCsv());
    if (p.isSet("predictions")) {
        std::string csv = "file,truth,predicted";
        for (const auto& c : model.info().classNames)
            csv += ",p_" + c;
        csv += '\n';
        for (size_t k = 0; k < preds.index.size(); ++k) {
            const auto& pr = preds.probabilities[k];
            const size_t best = static_cast<size_t>(std::max_element(pr.begin(), pr.end()) - pr.begin());
            csv += '"' + privacy::imageRef(ds.sample(preds.index[k]).path, ds.source(), recordPaths) + "\"," + model.info().classNames[static_cast<size_t>(preds.truth[k])] +
                   ',' + model.info().classNames[best];
            for (float v : pr)
                csv += ',' + std::to_string(v);
            csv += '\n';
        }
        writeFileAtomically(p.value("predictions").toStdString(), csv);
    }
    return kExitOk;
}

} // namespace sinar::cli
