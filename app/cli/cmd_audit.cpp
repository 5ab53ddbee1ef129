// sinar-cli audit: the leakage audit of a data set and its split -- near-duplicate
// twins within the set and across the split, the 1-nearest-neighbour baseline on
// raw 32x32 pixels beside every accuracy, and (with a model) its accuracy on the
// twin-free part of the test split next to the whole.
#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <cstdio>
#include <limits>

#include "cli/cli_common.h"
#include "common/privacy.h"
#include "common/error.h"
#include "common/json_io.h"
#include "eval/dataset_evaluation.h"
#include "eval/metrics.h"
#include "nn/model.h"
#include "train/run_plan.h"

namespace sinar::cli {

namespace {

// Accuracy over the test entries selected by `use` (all when empty).
double accuracyOf(const std::vector<int>& truth, const std::vector<int>& predicted, const std::vector<uint8_t>& use, bool twinFree)
{
    long right = 0, n = 0;
    for (size_t k = 0; k < truth.size(); ++k) {
        if (predicted[k] < 0 || (twinFree && use[k]))
            continue;
        ++n;
        right += predicted[k] == truth[k];
    }
    return n ? static_cast<double>(right) / n : -1;
}

} // namespace

int runAudit(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"data", "Data set: class folder, CSV list (path,label) or MedMNIST .npz.", "D"},
        {"model", "A bundle trained on D: audit its own split and score it on the twin-free test part.", "BUNDLE"},
        {"test-fraction", "Without --model: the test part (default 0.2).", "F", "0.2"},
        {"val-fraction", "Without --model: the validation part of the rest (default 0.1).", "F", "0.1"},
        {"seed", "Without --model: the split's seed (default 0).", "N", "0"},
        {"split-method", "Without --model: sinar or sklearn, as train's --split-method (default sinar).", "NAME", "sinar"},
        {"group-duplicates", "Without --model: keep near-duplicates on one side of the split, as train does."},
        {"json", "Write the audit as JSON.", "OUT"},
        {"paths", privacy::kPathsOptionHelp, "MODE", "auto"},
        {"threads", "Compute threads (default: one per core).", "N"},
    });
    int code = 0;
    if (!parseOrExit(p, args,
                     "Leakage audit: near-duplicate twins (32x32 grey thumbnails differing by less than one grey level on "
                     "average) within the set and across the train/test split, the 1-nearest-neighbour baseline on raw "
                     "32x32 pixels, and accuracy on the twin-free part of the test split next to the whole.",
                     code))
        return code;
    applyThreads(p);
    train::RunPlanRequest request;
    request.dataPath = requiredOption(p, "data");
    request.checkDuplicates = true;
    request.keepThumbnails = true;
    std::unique_ptr<nn::Model> model;
    if (p.isSet("model")) {
        model = std::make_unique<nn::Model>(nn::Model::load(p.value("model").toStdString()));
        const QJsonObject d = model->info().data;
        request.testFraction = d.value("test_fraction").toDouble();
        request.valFraction = d.value("val_fraction").toDouble(0.1);
        request.seed = static_cast<uint32_t>(d.value("split_seed").toInteger());
        request.splitMethod = d.value("split_method").toString("sinar").toStdString();
        request.groupDuplicates = d.value("near_duplicate_groups_kept_together").toBool();
        request.classNames = model->info().classNames;
        request.recipe = model->info().recipe;
    } else {
        request.testFraction = doubleOption(p, "test-fraction", 0.0, 0.9);
        request.valFraction = doubleOption(p, "val-fraction", 0.0, 0.9);
        request.seed = static_cast<uint32_t>(intOption(p, "seed", 0, std::numeric_limits<int>::max()));
        request.groupDuplicates = p.isSet("group-duplicates");
        request.splitMethod = p.value("split-method").toStdString();
    }
    const bool live = stderrIsTerminal();
    const train::RunPlan plan = train::planRun(
        request,
        terminalProgress(live),
        &interruptToken());
    endProgress(live);

    // 1-nearest-neighbour on raw 32x32 pixels: the network's training images
    // (those twins are counted against) -> test part.
    const std::vector<cv::Mat>& testThumbs = plan.testThumbnails.empty() ? plan.thumbnails : plan.testThumbnails;
    std::vector<cv::Mat> train;
    std::vector<int> trainLabels;
    for (size_t i : plan.split.train)
        if (!plan.thumbnails[i].empty()) {
            cv::Mat f;
            plan.thumbnails[i].convertTo(f, CV_32F);
            train.push_back(f.reshape(1, 1));
            trainLabels.push_back(plan.dataset->sample(i).label);
        }
    if (train.empty())
        throw Error("no training image could be decoded", request.dataPath);
    cv::Mat trainMatrix;
    cv::vconcat(train, trainMatrix);
    std::vector<int> truth, nn1;
    for (size_t k = 0; k < plan.split.test.size(); ++k) {
        const size_t i = plan.split.test[k];
        truth.push_back(plan.testDataset->sample(i).label);
        if (testThumbs[i].empty()) {
            nn1.push_back(-1);
            continue;
        }
        cv::Mat f;
        testThumbs[i].convertTo(f, CV_32F);
        f = f.reshape(1, 1);
        double best = std::numeric_limits<double>::infinity();
        int label = -1;
        for (int r = 0; r < trainMatrix.rows; ++r) {
            const double d = cv::norm(trainMatrix.row(r), f, cv::NORM_L2SQR);
            if (d < best) {
                best = d;
                label = trainLabels[static_cast<size_t>(r)];
            }
        }
        nn1.push_back(label);
    }
    const size_t twinFree = plan.split.test.size() - plan.testWithTrainTwin;

    std::printf("%s: %zu images, %zu in groups of near-duplicates (%zu groups)\n", plan.source.c_str(),
                plan.thumbnails.size() + plan.testThumbnails.size(), plan.imagesWithTwins, plan.duplicateGroups);
    std::printf("split: %zu train, %zu validation, %zu test; %zu test images (%.1f %%) and %zu validation images have a "
                "near-duplicate in the training part\n",
                plan.trainTotal, plan.valTotal, plan.testTotal, plan.testWithTrainTwin,
                plan.testTotal ? 100.0 * plan.testWithTrainTwin / plan.testTotal : 0.0, plan.valWithTrainTwin);
    const double nnAll = accuracyOf(truth, nn1, plan.testHasTrainTwin, false);
    const double nnFree = accuracyOf(truth, nn1, plan.testHasTrainTwin, true);
    std::printf("%-34s %8s %12s\n", "accuracy on the test part", "all", "twin-free");
    std::printf("%-34s %8.4f %12.4f   (%zu / %zu images)\n", "1-NN, raw 32x32 pixels", nnAll, nnFree, plan.testTotal, twinFree);

    QJsonObject o;
    o["data"] = QString::fromStdString(privacy::dataRef(plan.source, privacy::recordsPaths(p.value("paths").toStdString(), data::holdsPatientFiles(*plan.dataset) || data::holdsPatientFiles(*plan.testDataset))));
    o["images"] = static_cast<qint64>(plan.thumbnails.size() + plan.testThumbnails.size());
    o["images_with_twins"] = static_cast<qint64>(plan.imagesWithTwins);
    o["duplicate_groups"] = static_cast<qint64>(plan.duplicateGroups);
    QJsonObject split;
    split["train"] = static_cast<qint64>(plan.trainTotal);
    split["val"] = static_cast<qint64>(plan.valTotal);
    split["test"] = static_cast<qint64>(plan.testTotal);
    split["method"] = QString::fromStdString(plan.split.method);
    split["seed"] = static_cast<qint64>(request.seed);
    split["test_with_train_twin"] = static_cast<qint64>(plan.testWithTrainTwin);
    split["val_with_train_twin"] = static_cast<qint64>(plan.valWithTrainTwin);
    split["duplicates_kept_together"] = request.groupDuplicates;
    o["split"] = split;
    QJsonObject baseline;
    baseline["accuracy"] = nnAll;
    baseline["accuracy_twin_free"] = nnFree;
    o["knn1_raw32"] = baseline;
    if (model) {
        data::Dataset test = *plan.testDataset;
        test.remapClasses(model->info().classNames);
        const eval::DatasetPredictions preds = eval::predictDataset(*model, test, plan.split.test, {}, &interruptToken());
        std::vector<int> predicted(plan.split.test.size(), -1);
        std::map<size_t, size_t> position;
        for (size_t k = 0; k < plan.split.test.size(); ++k)
            position[plan.split.test[k]] = k;
        for (size_t j = 0; j < preds.index.size(); ++j) {
            const auto& pr = preds.probabilities[j];
            predicted[position[preds.index[j]]] = static_cast<int>(std::max_element(pr.begin(), pr.end()) - pr.begin());
        }
        const double all = accuracyOf(truth, predicted, plan.testHasTrainTwin, false);
        const double free = accuracyOf(truth, predicted, plan.testHasTrainTwin, true);
        std::printf("%-34s %8.4f %12.4f\n", qPrintable(QStringLiteral("model %1").arg(p.value("model"))), all, free);
        QJsonObject m;
        m["bundle"] = p.value("model");
        m["accuracy"] = all;
        m["accuracy_twin_free"] = free;
        o["model"] = m;
    }
    if (p.isSet("json"))
        writeJsonFile(p.value("json").toStdString(), o);
    return kExitOk;
}

} // namespace sinar::cli
