// sinar-cli ood: how well a bundle's out-of-distribution detector tells its own
// kind of image from other sets -- detection AUROC, the false-positive rate at
// 95 % true-positive rate and the share flagged at the bundle's threshold, per set.
#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <algorithm>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/privacy.h"
#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "imaging/image.h"
#include "nn/model.h"
#include "train/training_job.h"
#include "trust/ood.h"

namespace sinar::cli {

namespace {

struct ScoredSet {
    QString name;
    std::vector<double> scores;
    long skipped = 0;
    bool patientFiles = false; // DICOM among the files (common/privacy.h)
};

// Scores of a data set's images (all, or the given indices).
std::vector<double> scoreDataset(const nn::Model& model, const trust::OodDetector& ood, const data::Dataset& set,
                                 std::vector<size_t> indices)
{
    if (indices.empty()) {
        indices.resize(set.size());
        for (size_t i = 0; i < indices.size(); ++i)
            indices[i] = i;
    }
    const trust::DatasetFeatures f = trust::datasetFeatures(model, set, indices, &interruptToken());
    std::vector<double> scores;
    for (const auto& x : f.features)
        scores.push_back(ood.score(x));
    return scores;
}

// One set: comma-separated files, folders (searched for images and DICOM files)
// or MedMNIST archives ("file.npz" or "file.npz[val]").
ScoredSet scoreSet(const QString& name, const QString& paths, const nn::Model& model, const trust::OodDetector& ood)
{
    ScoredSet s;
    s.name = name;
    static const QRegularExpression npz(QStringLiteral("^(.*\\.npz)(?:\\[(\\w+)\\])?$"));
    QStringList files;
    for (const QString& path : paths.split(',', Qt::SkipEmptyParts)) {
        const auto m = npz.match(path);
        if (m.hasMatch()) {
            data::DatasetOptions options;
            options.subset = m.captured(2).isEmpty() ? "test" : m.captured(2).toStdString();
            const data::Dataset set = data::openDataset(m.captured(1).toStdString(), options);
            const std::vector<double> scores = scoreDataset(model, ood, set, {});
            s.scores.insert(s.scores.end(), scores.begin(), scores.end());
        } else {
            files << expandImageArguments({path});
        }
    }
    for (const QString& file : files)
        s.patientFiles = s.patientFiles || privacy::isPatientFile(file.toStdString());
    for (const QString& file : files) {
        try {
            std::vector<float> embedding;
            model.predict(imaging::readImageFile(file.toStdString()), &embedding);
            s.scores.push_back(ood.score(embedding));
        } catch (const Error& e) {
            std::fprintf(stderr, "skipped %s\n", e.what());
            ++s.skipped;
        }
        if (interruptToken().cancelled())
            throw Cancelled();
    }
    if (s.scores.empty())
        throw Error("no image of the set '" + name.toStdString() + "' could be scored", paths.toStdString());
    return s;
}

// The false-positive rate (share of in-distribution images flagged) at the
// score threshold that flags 95 % of the other set.
double fprAt95Tpr(const std::vector<double>& inScores, std::vector<double> outScores)
{
    std::sort(outScores.begin(), outScores.end());
    // The largest threshold t with at least 95 % of the other set scoring >= t.
    const size_t k = static_cast<size_t>(std::floor(0.05 * static_cast<double>(outScores.size())));
    const double t = outScores[std::min(k, outScores.size() - 1)];
    const long flagged = std::count_if(inScores.begin(), inScores.end(), [t](double x) { return x >= t; });
    return static_cast<double>(flagged) / static_cast<double>(inScores.size());
}

} // namespace

int runOod(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"model", "Model bundle with out-of-distribution statistics (sinar-cli calibrate adds them).", "BUNDLE"},
        {"in", "The model's own kind of image: a data set (class folder, CSV list or .npz).", "D"},
        {"held-out", "Only the model's held-out test images of --in (D must be the set it was trained on)."},
        {"subset", "Subset of an --in .npz: train, val or test (default test).", "NAME", "test"},
        {"set", "A set to tell apart, NAME=PATH[,PATH...]: files, folders (images and DICOM files) or an .npz "
                "(file.npz[val] picks the subset). Repeat for several sets.", "NAME=PATHS"},
        {"json", "Write the results as JSON.", "OUT"},
        {"paths", privacy::kPathsOptionHelp, "MODE", "auto"},
        {"threads", "Compute threads (default: one per core).", "N"},
    });
    int code = 0;
    if (!parseOrExit(p, args,
                     "Measure the bundle's out-of-distribution detection: the scores of the model's own kind of "
                     "image (--in) against each --set, as detection AUROC, false-positive rate at 95 % true-positive "
                     "rate, and the share each side flags at the bundle's threshold.",
                     code))
        return code;
    applyThreads(p);
    const std::string modelPath = requiredOption(p, "model");
    const nn::Model model = nn::Model::load(modelPath);
    if (model.info().ood.isEmpty() || !model.hasEmbeddings())
        throw Error("the bundle has no out-of-distribution statistics (add them with sinar-cli calibrate)", modelPath);
    const trust::OodDetector ood = trust::OodDetector::fromJson(model.info().ood, modelPath);
    const QStringList sets = p.values("set");
    if (sets.isEmpty())
        throw Error("no set to tell apart (--set NAME=PATH; see --help)");

    const std::string inPath = requiredOption(p, "in");
    data::DatasetOptions inOptions;
    inOptions.subset = p.value("subset").toStdString();
    inOptions.classNames = model.info().classNames;
    const data::Dataset inSet = data::openDataset(inPath, inOptions);
    std::vector<size_t> inIndices;
    if (p.isSet("held-out"))
        inIndices = train::heldOutTestIndices(inSet, model.info().data, modelPath);
    const std::vector<double> inScores = scoreDataset(model, ood, inSet, inIndices);
    if (inScores.empty())
        throw Error("no image of the in-distribution set could be scored", inPath);
    const long inFlagged = std::count_if(inScores.begin(), inScores.end(), [&](double x) { return !ood.inDistribution(x); });
    std::printf("%s: %zu images, %.1f %% flagged at the threshold %.2f\n", inPath.c_str(), inScores.size(),
                100.0 * inFlagged / inScores.size(), ood.threshold());

    QJsonArray rows;
    for (const QString& spec : sets) {
        const int eq = spec.indexOf('=');
        if (eq <= 0 || eq == spec.size() - 1)
            throw Error("--set '" + spec.toStdString() + "' is not NAME=PATH[,PATH...]");
        const ScoredSet s = scoreSet(spec.left(eq), spec.mid(eq + 1), model, ood);
        std::vector<double> all = inScores;
        all.insert(all.end(), s.scores.begin(), s.scores.end());
        std::vector<bool> isOut(inScores.size(), false);
        isOut.resize(all.size(), true);
        const double auroc = eval::rocAuc(all, isOut);
        const double fpr = fprAt95Tpr(inScores, s.scores);
        const long flagged = std::count_if(s.scores.begin(), s.scores.end(), [&](double x) { return !ood.inDistribution(x); });
        std::printf("%-24s %5zu images  AUROC %.4f  FPR at 95%% TPR %.4f  flagged %5.1f %%%s\n", qPrintable(s.name),
                    s.scores.size(), auroc, fpr, 100.0 * flagged / s.scores.size(),
                    s.skipped ? qPrintable(QStringLiteral("  (%1 skipped)").arg(s.skipped)) : "");
        QJsonObject o;
        o["name"] = s.name;
        QStringList refs;
        for (const QString& path : spec.mid(eq + 1).split(',', Qt::SkipEmptyParts))
            refs << QString::fromStdString(privacy::dataRef(path.toStdString(), privacy::recordsPaths(p.value("paths").toStdString(), s.patientFiles)));
        o["paths"] = refs.join(',');
        o["n"] = static_cast<qint64>(s.scores.size());
        o["skipped"] = static_cast<qint64>(s.skipped);
        o["auroc"] = auroc;
        o["fpr_at_95_tpr"] = fpr;
        o["flagged"] = static_cast<qint64>(flagged);
        o["share_flagged"] = static_cast<double>(flagged) / s.scores.size();
        rows.append(o);
    }
    if (p.isSet("json")) {
        QJsonObject o;
        o["model"] = QString::fromStdString(modelPath);
        o["threshold"] = ood.threshold();
        QJsonObject in;
        in["data"] = QString::fromStdString(privacy::dataRef(inPath, privacy::recordsPaths(p.value("paths").toStdString(), data::holdsPatientFiles(inSet))));
        in["held_out"] = p.isSet("held-out");
        in["n"] = static_cast<qint64>(inScores.size());
        in["flagged"] = static_cast<qint64>(inFlagged);
        in["share_flagged"] = static_cast<double>(inFlagged) / inScores.size();
        o["in_distribution"] = in;
        o["sets"] = rows;
        writeJsonFile(p.value("json").toStdString(), o);
    }
    return kExitOk;
}

} // namespace sinar::cli
