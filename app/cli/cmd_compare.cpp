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

// One CSV line per row: the JSON table's scalar columns.
std::string studyCsv(const std::vector<train::StudyRow>& rows)
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
        entries = train::compareEntries(methods.toStdString(), base,
                                        static_cast<int>(intOption(p, "transfer-epochs", 1, 1000)));
    }
    ConsoleObserver observer(p.isSet("quiet"));
    const std::vector<train::StudyRow> rows = train::runStudy(entries, outDir, &observer, &interruptToken());
    QJsonObject o = train::studyJson(rows, base);
    o["kind"] = ablate ? "ablation" : "comparison";
    o["command"] = args.first() + " " + args.mid(1).join(' ');
    writeJsonFile(json, o);
    QString csvPath = QString::fromStdString(json);
    if (csvPath.endsWith(".json"))
        csvPath.chop(5);
    writeFileAtomically((csvPath + ".csv").toStdString(), studyCsv(rows));
    std::printf("\n%s on %zu test images (same split for every row):\n%s", ablate ? "ablation" : "comparison",
                rows.empty() ? size_t(0) : rows.front().testImages, train::studyTable(rows).c_str());
    std::printf("\ntable: %s (and %s.csv)\nbundles: %s\n", json.c_str(), qPrintable(csvPath), outDir.c_str());
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
