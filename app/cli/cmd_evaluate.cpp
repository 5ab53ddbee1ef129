#include <QCommandLineParser>
#include <QFileInfo>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "eval/dataset_evaluation.h"
#include "nn/model.h"

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
    data::DatasetOptions opts;
    opts.subset = p.value("subset").toStdString();
    opts.classNames = model.info().classNames; // .npz labels are indices into the model's classes
    data::Dataset ds = data::openDataset(dataPath, opts);
    ds.remapClasses(model.info().classNames);

    const bool live = stderrIsTerminal() && !p.isSet("quiet");
    eval::DatasetPredictions preds;
    const eval::Report report = eval::evaluateDataset(model, ds, &preds,
        [&](long long d, long long t, const std::string& w) {
            if (live) {
                std::fprintf(stderr, "\r  %s %lld/%lld ", w.c_str(), d, t);
                std::fflush(stderr);
            }
        },
        &interruptToken());
    if (live)
        std::fprintf(stderr, "\r\033[K");
    for (const auto& f : ds.skipped())
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    for (const auto& f : preds.failures)
        std::fprintf(stderr, "skipped %s: %s\n", f.file.c_str(), f.reason.c_str());
    const size_t skipped = ds.skipped().size() + preds.failures.size();
    if (skipped)
        std::fprintf(stderr, "%zu files skipped\n", skipped);

    if (!p.isSet("quiet"))
        std::printf("%s (%ld images)\n%s", dataPath.c_str(), report.n, report.toTable().c_str());
    if (p.isSet("json")) {
        QJsonObject o = report.toJson();
        o["model"] = p.value("model");
        o["data"] = QString::fromStdString(dataPath);
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
            csv += '"' + ds.sample(preds.index[k]).path + "\"," + model.info().classNames[static_cast<size_t>(preds.truth[k])] +
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
