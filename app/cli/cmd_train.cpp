#include <QCommandLineParser>
#include <QFileInfo>
#include <cstdio>

#include "cli/cli_common.h"
#include "cli/console_observer.h"
#include "common/error.h"
#include "common/json_io.h"
#include "train/train_options.h"
#include "train/training_job.h"

namespace sinar::cli {

int runTrain(const QStringList& args)
{
    QCommandLineParser p;
    train::addTrainOptions(p);
    int code = 0;
    if (!parseOrExit(p, args,
                     "Train a network (the standard CNN, ResNet-18/34, MobileNetV2, or a whole TorchScript model) or fit a classical baseline (SVM, k-NN) on a data set; evaluate it on the held-out test part; write a model bundle.\n"
                     "Example: sinar-cli train --data brain-mri/Training --out brain.sinar",
                     code))
        return code;
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    applyThreads(p);

    const std::string data = requiredOption(p, "data");
    const std::string out = requiredOption(p, "out");
    train::TrainingJobSpec s = train::trainSpecFromOptions(p);
    s.dataPath = data;
    s.outPath = out;
    if (!s.overwrite && !s.resume && QFileInfo::exists(QString::fromStdString(out))) // the CLI's own hint
        throw Error("the output bundle exists already; pass --overwrite to replace it", out);

    ConsoleObserver observer(p.isSet("quiet"));
    train::TrainingJobResult res;
    try {
        res = runTrainingJob(s, &observer, &interruptToken());
    } catch (const Cancelled&) {
        const std::string runDir = s.runDir.empty() ? s.outPath + ".run" : s.runDir;
        if (QFileInfo::exists(QString::fromStdString(runDir + "/split.json"))) {
            train::TrainingJobSpec again = s;
            again.resume = true;
            std::fprintf(stderr, "\nstopped; continue exactly where the last checkpoint left off with:\n  %s\n",
                         qPrintable(train::shellJoin(train::trainCommandLine(again))));
        }
        throw;
    }

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
