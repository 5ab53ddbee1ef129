#include <QCommandLineParser>
#include <QFileInfo>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/privacy.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "eval/dataset_evaluation.h"
#include "nn/model.h"
#include "trust/calibration.h"
#include "trust/ood.h"

namespace sinar::cli {

// Fits the bundle's softmax temperature on the validation part of its own
// split (re-created from the bundle's metadata) and writes the bundle.
int runCalibrate(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle.", "BUNDLE"},
        {"data", "The data set the model was trained on (for an .npz: the archive; its 'train' subset is used).", "D"},
        {"out", "Write the calibrated bundle here (default: replace BUNDLE, which needs --overwrite).", "BUNDLE2"},
        {"overwrite", "Allow replacing an existing file."},
        {"json", "Write the fit (temperature, n, NLL and ECE before/after) as JSON.", "OUT"},
        {"paths", privacy::kPathsOptionHelp, "MODE", "auto"},
        {"no-ood", "Do not fit the out-of-distribution statistics."},
        {"threads", "Compute threads (default: one per core).", "N"},
    });
    int code = 0;
    if (!parseOrExit(p, args,
                     "Fit temperature scaling on the validation images of the model's own split and store it in the bundle.",
                     code))
        return code;
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    applyThreads(p);
    const std::string modelPath = requiredOption(p, "model");
    const std::string dataPath = requiredOption(p, "data");
    const std::string outPath = p.isSet("out") ? p.value("out").toStdString() : modelPath;
    if (QFileInfo::exists(QString::fromStdString(outPath)) && !p.isSet("overwrite"))
        throw Error(outPath == modelPath ? "would replace the model bundle; pass --overwrite or choose --out"
                                         : "the output exists; pass --overwrite to replace it",
                    outPath);
    nn::Model model = nn::Model::load(modelPath);
    if (model.isTorchScript())
        throw Error("a TorchScript model is not rewritten by Sinar; calibration needs a Sinar bundle", modelPath);
    if (model.fitsDirectly() && model.info().calibration.value("fitted_on").toString() == "cross-validation")
        throw Error("this classical baseline was fitted on its validation images too, and calibrated on its "
                    "cross-validated scores when it was fitted; a temperature fitted on images it has seen would make it "
                    "over-confident (train it again to recalibrate)",
                    modelPath);

    data::DatasetOptions opts;
    opts.subset = "train";
    opts.classNames = model.info().classNames;
    data::Dataset ds = data::openDataset(dataPath, opts);
    const std::vector<size_t> val = trust::validationIndices(ds, model.info().data, modelPath);
    if (val.empty())
        throw Error("the model's split has no validation images to calibrate on", modelPath);
    ds.remapClasses(model.info().classNames);

    const bool live = stderrIsTerminal();
    const eval::DatasetPredictions preds = eval::predictDataset(
        model.uncalibrated(), ds, val,
        terminalProgress(live),
        &interruptToken());
    endProgress(live);
    for (const auto& f : preds.failures)
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    if (preds.index.empty())
        throw Error("no validation image could be classified", dataPath);

    const trust::TemperatureFit fit = trust::fitTemperature(preds.truth, preds.probabilities);
    const double previous = model.info().temperature();
    model.info().calibration = fit.toJson("validation");
    if (!p.isSet("no-ood") && model.hasEmbeddings()) {
        // Class means and shared covariance of the training images' penultimate features; threshold from validation.
        std::fprintf(stderr, "out-of-distribution statistics: penultimate features of the training images\n");
        const trust::DatasetFeatures train =
            trust::datasetFeatures(model, ds, trust::trainingIndices(ds, model.info().data, modelPath), &interruptToken());
        const trust::DatasetFeatures valFeatures = trust::datasetFeatures(model, ds, val, &interruptToken());
        const trust::OodDetector ood = trust::OodDetector::fit(train.features, train.labels,
                                                               static_cast<int>(model.info().classNames.size()), valFeatures.features);
        model.info().ood = ood.toJson();
        std::printf("out-of-distribution: Mahalanobis score on %d features from %zu training images; threshold %.3f "
                    "(95th percentile of %zu validation images)\n",
                    ood.dimension(), train.features.size(), ood.threshold(), valFeatures.features.size());
    }
    model.save(outPath);
    std::printf("temperature %.4f (was %.4f), fitted on %ld validation images\n"
                "NLL %.4f -> %.4f   ECE (15 bins) %.4f -> %.4f\nwrote %s\n",
                fit.temperature, previous, fit.n, fit.nllBefore, fit.nllAfter, fit.eceBefore, fit.eceAfter, outPath.c_str());
    if (p.isSet("json")) {
        QJsonObject o = fit.toJson("validation");
        o["model"] = QString::fromStdString(outPath);
        o["data"] = QString::fromStdString(privacy::dataRef(dataPath, privacy::recordsPaths(p.value("paths").toStdString(), data::holdsPatientFiles(ds))));
        o["skipped"] = static_cast<qint64>(preds.failures.size());
        writeJsonFile(p.value("json").toStdString(), o);
    }
    return kExitOk;
}

} // namespace sinar::cli
