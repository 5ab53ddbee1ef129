// sinar-cli compare / ablate: the study's comparisons on one data set and one
// split -- methods (CNN, transfer learning, SVM, k-NN) or preprocessing
// variants -- written as one table (terminal, JSON and CSV).
#include <QCommandLineParser>
#include <QFileInfo>
#include <cstdio>

#include "cli/cli_common.h"
#include "cli/console_observer.h"
#include "common/error.h"
#include "common/json_io.h"
#include "train/study.h"
#include "train/train_options.h"

namespace sinar::cli {

namespace {

int runStudyCommand(const QStringList& args, bool ablate)
{
    QCommandLineParser p;
    // Every train option shapes the deep networks (and the split: --seed, --test-fraction, ...).
    train::addTrainOptions(p, {"out", "run-dir", "resume", "overwrite", "architecture", "features"});
    p.addOptions({
        {"json", "Write the table as JSON.", "OUT"},
        {"out-dir", "Folder for each row's bundle and run folder (default: OUT without .json, + \".study\").", "DIR"},
    });
    QString methodsHelp = "Comma-separated methods (default cnn,svm,knn; with --pretrained also transfer):";
    for (const auto& [name, what] : train::compareMethodHelp())
        methodsHelp += QString("\n  %1: %2").arg(QString::fromStdString(name), QString::fromStdString(what));
    if (!ablate) {
        p.addOptions({
            {"methods", methodsHelp, "LIST"},
            {"transfer-epochs", "Epochs of the transfer method (default 6).", "N", "6"},
            {"raw-size", "Side of the raw-pixel baselines' input (default 32).", "N", "32"},
            {"hog-size", "Side of the HOG baselines' input, a multiple of 8 (default 64).", "N", "64"},
        });
    }
    int code = 0;
    const QString usage =
        ablate ? "Preprocessing ablation: train the network with none / normalisation / + augmentation / + CLAHE / + "
                 "denoising on one split and tabulate the effect on the held-out test part.\n"
                 "Example: sinar-cli ablate --data brain-mri/Training --json ablation.json --epochs 20"
               : "Compare methods on one split: the standard CNN, transfer learning, SVM and k-NN (raw pixels, HOG), "
                 "with accuracy, macro precision/recall/F1, per-class recall, ROC AUC, ECE, training and prediction time "
                 "and accuracy by image quality.\n"
                 "Example: sinar-cli compare --data brain-mri/Training --json compare.json --methods cnn,svm,knn";
    if (!parseOrExit(p, args, usage, code))
        return code;
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    applyThreads(p);
    train::TrainingJobSpec base = train::trainSpecFromOptions(p, {"out", "run-dir", "resume", "overwrite", "architecture", "features"});
    base.dataPath = requiredOption(p, "data");
    const std::string json = requiredOption(p, "json");
    std::string outDir = p.value("out-dir").toStdString();
    if (outDir.empty()) {
        QString stem = QString::fromStdString(json);
        if (stem.endsWith(".json"))
            stem.chop(5);
        outDir = (stem + ".study").toStdString();
    }
    std::vector<train::StudyEntry> entries;
    if (ablate) {
        entries = train::ablationEntries(base);
    } else {
        const QString methods = p.isSet("methods") ? p.value("methods")
                                                   : QString(base.pretrained.empty() ? "cnn,svm,knn" : "cnn,transfer,svm,knn");
        train::CompareSettings settings;
        settings.transferEpochs = intOption(p, "transfer-epochs", 1, 1000);
        settings.rawSize = intOption(p, "raw-size", 4, 256);
        settings.hogSize = intOption(p, "hog-size", 16, 512);
        entries = train::compareEntries(methods.toStdString(), base, settings);
    }
    ConsoleObserver observer(p.isSet("quiet"));
    const std::vector<train::StudyRow> rows = train::runStudy(entries, outDir, &observer, &interruptToken());
    const std::string csvPath = train::writeStudy(json, rows, base, ablate ? "ablation" : "comparison",
                                                  (args.first() + " " + args.mid(1).join(' ')).toStdString());
    std::printf("\n%s on %zu test images (same split for every row):\n%s", ablate ? "ablation" : "comparison",
                rows.empty() ? size_t(0) : rows.front().testImages, train::studyTable(rows).c_str());
    std::printf("\ntable: %s (and %s)\nbundles: %s\n", json.c_str(), csvPath.c_str(), outDir.c_str());
    return kExitOk;
}

} // namespace

int runCompare(const QStringList& args)
{
    return runStudyCommand(args, false);
}

int runAblate(const QStringList& args)
{
    return runStudyCommand(args, true);
}

} // namespace sinar::cli
