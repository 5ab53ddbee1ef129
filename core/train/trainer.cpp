#include "train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/error.h"
#include "common/integrity.h"
#include "common/json_io.h"
#include "data/batch_loader.h"
#include "nn/archive_check.h"
#include "nn/model_impl.h"

namespace sinar::train {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<torch::Tensor> snapshot(nn::Network& net)
{
    std::vector<torch::Tensor> out;
    for (const auto& p : net.parameters())
        out.push_back(p.detach().clone());
    for (const auto& b : net.buffers())
        out.push_back(b.detach().clone());
    return out;
}

void restore(nn::Network& net, const std::vector<torch::Tensor>& state)
{
    torch::NoGradGuard noGrad;
    size_t i = 0;
    for (auto& p : net.parameters())
        p.copy_(state.at(i++));
    for (auto& b : net.buffers())
        b.copy_(state.at(i++));
}

// The default CPU generator draws the dropout masks (and the initial weights).
torch::Tensor generatorState()
{
    nn::GeneratorScope scope(nn::GeneratorScope::Mode::Keep);
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void setGeneratorState(const torch::Tensor& state)
{
    nn::GeneratorScope scope(nn::GeneratorScope::Mode::Keep);
    at::Generator gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

QJsonObject eventJson(const EpochEvent& e)
{
    QJsonObject o;
    o["epoch"] = e.epoch;
    o["epochs"] = e.epochs;
    o["step"] = static_cast<qint64>(e.step);
    o["elapsed_seconds"] = e.elapsedSeconds;
    o["train_loss"] = e.trainLoss;
    o["train_accuracy"] = e.trainAccuracy;
    o["val_loss"] = e.valLoss;
    o["val_accuracy"] = e.valAccuracy;
    o["learning_rate"] = e.learningRate;
    o["images_per_second"] = e.imagesPerSecond;
    o["seconds"] = e.seconds;
    o["improved"] = e.improved;
    o["epochs_without_improvement"] = e.epochsWithoutImprovement;
    return o;
}

EpochEvent eventFromJson(const QJsonObject& o)
{
    EpochEvent e;
    e.epoch = o.value("epoch").toInt();
    e.epochs = o.value("epochs").toInt();
    e.step = o.value("step").toInteger();
    e.elapsedSeconds = o.value("elapsed_seconds").toDouble();
    e.trainLoss = o.value("train_loss").toDouble();
    e.trainAccuracy = o.value("train_accuracy").toDouble();
    e.valLoss = o.value("val_loss").toDouble();
    e.valAccuracy = o.value("val_accuracy").toDouble();
    e.learningRate = o.value("learning_rate").toDouble();
    e.imagesPerSecond = o.value("images_per_second").toDouble();
    e.seconds = o.value("seconds").toDouble();
    e.improved = o.value("improved").toBool();
    e.epochsWithoutImprovement = o.value("epochs_without_improvement").toInt();
    return e;
}

// The learning rate of each optimiser group (named as the network's parameter
// groups): the backbone's scaled by its factor, and 0 while it is frozen.
void setLearningRate(torch::optim::Optimizer& opt, const std::vector<std::string>& groupNames, double lr,
                     const TrainConfig& cfg, int epoch)
{
    for (size_t g = 0; g < opt.param_groups().size(); ++g) {
        double factor = 1.0;
        if (g < groupNames.size() && groupNames[g] == "backbone")
            factor = epoch < cfg.freezeBackboneEpochs ? 0.0 : cfg.backboneLrFactor;
        opt.param_groups()[g].options().set_lr(lr * factor);
    }
}

// Replaces the batch-norm running averages by exact statistics over up to
// `maxImages` un-augmented training images, with the current weights.
void recalibrateBatchNorm(nn::Network& net, data::BatchLoader& loader, int maxImages, const imaging::Recipe& recipe,
                          const CancelToken* cancel)
{
    std::vector<torch::nn::BatchNorm2dImpl*> norms;
    if (torch::nn::Module* module = net.module())
        for (const auto& m : module->modules(false))
            if (auto* bn = m->as<torch::nn::BatchNorm2d>())
                norms.push_back(bn);
    if (norms.empty() || maxImages <= 0)
        return;
    std::vector<c10::optional<double>> momentum;
    for (auto* bn : norms) {
        momentum.push_back(bn->options.momentum());
        bn->reset_running_stats();
        bn->options.momentum(c10::nullopt); // cumulative average over the batches below
    }
    torch::NoGradGuard noGrad;
    net.setTraining(true);
    loader.startEpoch(0);
    data::Batch b;
    int seen = 0;
    auto restoreMomentum = [&] {
        for (size_t i = 0; i < norms.size(); ++i)
            norms[i]->options.momentum(momentum[i]);
    };
    while (seen < maxImages && loader.next(b)) {
        if (cancel && cancel->cancelled()) {
            restoreMomentum();
            throw Cancelled();
        }
        {
            nn::GeneratorScope scope(nn::GeneratorScope::Mode::Keep); // train mode: dropout draws
            net.forward(nn::toTensor(b.x.data(), b.n, recipe));
        }
        seen += b.n;
    }
    restoreMomentum();
}

struct Evaluation {
    double loss = 0, accuracy = 0;
    ValidationEvent predictions;
};

} // namespace

std::string TrainingHistory::historyCsv() const
{
    std::ostringstream s;
    s << "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,images_per_second,seconds\n";
    char line[256];
    for (const auto& e : epochs) {
        std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.6g,%.1f,%.2f\n", e.epoch, e.trainLoss, e.trainAccuracy,
                      e.valLoss, e.valAccuracy, e.learningRate, e.imagesPerSecond, e.seconds);
        s << line;
    }
    return s.str();
}

Trainer::Trainer(nn::Model& model, TrainConfig config) : model_(model), config_(std::move(config))
{
    config_.validate();
}

TrainingHistory Trainer::fit(const TrainingData& data, const imaging::Preprocessor& pre, const imaging::Augmenter& augmenter,
                             TrainingObserver* observer, const CancelToken* cancel, const std::string& checkpointPath,
                             bool resume, const PauseToken* pause)
{
    if (!data.images || !data.labels || data.train.empty())
        throw Error("no training images");
    nn::Network& net = *model_.impl().net;
    if (!net.trainable())
        throw Error("this model has no parameters to train (a TorchScript model with its weights frozen into constants)");
    const TrainConfig& cfg = config_;
    const int numClasses = static_cast<int>(model_.info().classNames.size());
    {
        nn::GeneratorScope scope(nn::GeneratorScope::Mode::Keep);
        torch::manual_seed(cfg.seed);
    }

    // One optimiser group per parameter group of the network (same settings for now).
    std::unique_ptr<torch::optim::Optimizer> opt;
    const auto adamOptions = torch::optim::AdamOptions(cfg.learningRate).weight_decay(cfg.weightDecay);
    const auto sgdOptions = torch::optim::SGDOptions(cfg.learningRate)
                                .momentum(cfg.momentum)
                                .nesterov(cfg.nesterov && cfg.momentum > 0)
                                .weight_decay(cfg.weightDecay);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    std::vector<std::string> groupNames;
    for (auto& g : net.parameterGroups()) {
        if (g.parameters.empty())
            continue;
        groupNames.push_back(g.name);
        groups.emplace_back(g.parameters, cfg.optimizer == "adam"
                                              ? std::unique_ptr<torch::optim::OptimizerOptions>(
                                                    std::make_unique<torch::optim::AdamOptions>(adamOptions))
                                              : std::unique_ptr<torch::optim::OptimizerOptions>(
                                                    std::make_unique<torch::optim::SGDOptions>(sgdOptions)));
    }
    if (cfg.optimizer == "adam")
        opt = std::make_unique<torch::optim::Adam>(std::move(groups), adamOptions);
    else
        opt = std::make_unique<torch::optim::SGD>(std::move(groups), sgdOptions);

    torch::Tensor weights;
    if (cfg.classWeights) {
        std::vector<double> counts(static_cast<size_t>(numClasses), 0.0);
        for (size_t i : data.train)
            counts[static_cast<size_t>((*data.labels)[i])] += 1;
        std::vector<float> w;
        for (double c : counts)
            w.push_back(c > 0 ? static_cast<float>(data.train.size() / (numClasses * c)) : 0.0f);
        weights = torch::tensor(w);
    }

    TrainingHistory history;
    history.bestValLoss = std::numeric_limits<double>::infinity();
    std::vector<torch::Tensor> best;
    int startEpoch = 0;
    int plannedEpochs = cfg.epochs;
    int sinceImprovement = 0;

    if (resume) {
        if (checkpointPath.empty())
            throw Error("resuming needs the run's checkpoint");
        // One generation: everything it sets is set again by the next try.
        auto loadCheckpoint = [&](const std::string& file) {
            const std::string bytes = readFileBytes(file);
            const SealCheck seal = checkZipSeal(bytes);
            if (seal.state == SealState::Broken)
                throw Error("corrupt checkpoint: " + seal.detail, file);
            history = TrainingHistory();
            history.bestValLoss = std::numeric_limits<double>::infinity();
            best.clear();
            nn::checkArchive(bytes, file, nn::ArchiveKind::Checkpoint);
            torch::serialize::InputArchive archive;
            try {
                std::istringstream in(bytes);
                archive.load_from(in);
                nn::checkArchiveTensors(archive, "corrupt checkpoint: ", file);
                torch::serialize::InputArchive modelArchive, optArchive, bestArchive;
                archive.read("model", modelArchive);
                net.load(modelArchive, file);
                archive.read("optimizer", optArchive);
                opt->load(optArchive);
                c10::IValue stateValue;
                archive.read("state", stateValue);
                const QJsonObject state = QJsonDocument::fromJson(QByteArray::fromStdString(stateValue.toStringRef())).object();
                startEpoch = state.value("epoch").toInt();
                plannedEpochs = state.value("planned_epochs").toInt(plannedEpochs);
                history.bestEpoch = state.value("best_epoch").toInt();
                history.bestValLoss = state.value("best_val_loss").toDouble(history.bestValLoss);
                history.seconds = state.value("seconds").toDouble();
                history.stoppedEarly = state.value("stopped_early").toBool();
                history.stoppedByTimeBudget = state.value("stopped_by_time_budget").toBool();
                sinceImprovement = state.value("since_improvement").toInt();
                for (const QJsonValue& v : state.value("history").toArray())
                    history.epochs.push_back(eventFromJson(v.toObject()));
                if (state.value("has_best").toBool()) {
                    archive.read("best", bestArchive);
                    const auto copy = net.blankCopy(model_.info());
                    copy->load(bestArchive, file);
                    best = snapshot(*copy);
                }
                // Last: everything above may draw from the generator.
                torch::Tensor rng;
                if (archive.try_read("rng", rng))
                    setGeneratorState(rng);
                else if (observer)
                    observer->onMessage("the checkpoint predates exact resume: dropout masks will differ from an "
                                        "uninterrupted run");
                const int threads = state.value("threads").toInt();
                if (threads > 0 && threads != torch::get_num_threads() && observer)
                    observer->onMessage("the run used " + std::to_string(threads) + " threads, this one " +
                                        std::to_string(torch::get_num_threads()) +
                                        ": the weights will not be bit-identical to an uninterrupted run");
            } catch (const c10::Error& e) {
                throw Error("corrupt checkpoint, or it does not belong to this model (" +
                                firstLine(e.what_without_backtrace()) + ")",
                            file);
            } catch (const Error&) {
                throw;
            } catch (const std::exception& e) {
                throw Error("corrupt checkpoint (" + firstLine(e.what()) + ")", file);
            }
        };
        const std::string previous = previousGeneration(checkpointPath);
        try {
            loadCheckpoint(checkpointPath);
        } catch (const Error& e) {
            if (!QFileInfo::exists(QString::fromStdString(previous)))
                throw Error("cannot resume: " + e.message(), checkpointPath);
            if (observer)
                observer->onMessage("cannot resume from the checkpoint (" + e.message() +
                                    "); resuming from the previous one");
            try {
                loadCheckpoint(previous);
            } catch (const Error& e2) {
                throw Error("cannot resume: the checkpoint and the previous one are both unusable (" + e.message() +
                                "; " + e2.message() + ")",
                            checkpointPath);
            }
        }
        if (observer)
            observer->onMessage("resuming after epoch " + std::to_string(startEpoch));
    }

    const imaging::Augmenter plain(imaging::AugmentConfig::none());
    data::BatchLoaderOptions trainOpts;
    trainOpts.batchSize = cfg.batchSize;
    trainOpts.shuffle = true;
    trainOpts.dropLast = data.train.size() > static_cast<size_t>(cfg.batchSize) * 2;
    trainOpts.seed = cfg.seed;
    data::BatchLoader trainLoader(*data.images, *data.labels, data.train, pre, augmenter, trainOpts);
    data::BatchLoaderOptions valOpts;
    valOpts.batchSize = 128;
    valOpts.shuffle = false;
    data::BatchLoader valLoader(*data.images, *data.labels, data.val, pre, plain, valOpts);
    data::BatchLoaderOptions bnOpts;
    bnOpts.batchSize = 64;
    bnOpts.shuffle = true;
    bnOpts.seed = cfg.seed + 1;
    bnOpts.prefetch = 2;
    data::BatchLoader bnLoader(*data.images, *data.labels, data.train, pre, plain, bnOpts);

    const auto runStart = Clock::now();
    const double previousSeconds = history.seconds;
    double pausedSeconds = 0; // in this process
    auto elapsed = [&] { return previousSeconds + secondsSince(runStart) - pausedSeconds; };
    auto evaluate = [&](int epoch) -> Evaluation {
        Evaluation ev;
        if (data.val.empty())
            return ev;
        torch::NoGradGuard noGrad;
        net.setTraining(false);
        valLoader.startEpoch(0);
        data::Batch b;
        double lossSum = 0;
        long correct = 0, n = 0;
        ev.predictions.epoch = epoch + 1;
        while (valLoader.next(b)) {
            if (cancel)
                cancel->throwIfCancelled();
            const torch::Tensor x = nn::toTensor(b.x.data(), b.n, pre.recipe());
            const torch::Tensor y = torch::from_blob(b.y.data(), {b.n}, torch::kInt64);
            const torch::Tensor logits = net.forward(x);
            lossSum += torch::nn::functional::cross_entropy(logits, y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)).item<double>();
            correct += logits.argmax(1).eq(y).sum().item<int64_t>();
            n += b.n;
            const torch::Tensor p = torch::softmax(logits, 1).to(torch::kFloat32).contiguous();
            const float* pp = p.data_ptr<float>();
            for (int i = 0; i < b.n; ++i) {
                ev.predictions.probabilities.emplace_back(pp + static_cast<size_t>(i) * numClasses,
                                                          pp + static_cast<size_t>(i + 1) * numClasses);
                ev.predictions.truth.push_back(static_cast<int>(b.y[static_cast<size_t>(i)]));
                ev.predictions.indices.push_back(b.index[static_cast<size_t>(i)]);
            }
        }
        ev.loss = lossSum / std::max<long>(1, n);
        ev.accuracy = static_cast<double>(correct) / std::max<long>(1, n);
        return ev;
    };

    auto lossOptions = torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(cfg.labelSmoothing);
    if (weights.defined())
        lossOptions.weight(weights);
    const long long batchesPerEpoch = trainLoader.batchesPerEpoch();

    // A checkpoint written after early stopping ends the run.
    for (int epoch = startEpoch; epoch < plannedEpochs && !history.stoppedEarly; ++epoch) {
        if (cancel)
            cancel->throwIfCancelled();
        const auto epochStart = Clock::now();
        double epochPaused = 0;
        const double lr = cfg.learningRateAt(epoch, plannedEpochs);
        setLearningRate(*opt, groupNames, lr, cfg, epoch);
        net.setTraining(true);
        trainLoader.startEpoch(epoch);
        data::Batch b;
        double lossSum = 0;
        long correct = 0, seen = 0;
        int batchNo = 0;
        while (trainLoader.next(b)) {
            if (pause) {
                const double waited = pause->waitWhilePaused(cancel);
                epochPaused += waited;
                pausedSeconds += waited;
            }
            if (cancel)
                cancel->throwIfCancelled();
            const torch::Tensor x = nn::toTensor(b.x.data(), b.n, pre.recipe());
            const torch::Tensor y = torch::from_blob(b.y.data(), {b.n}, torch::kInt64);
            torch::Tensor logits, loss;
            {
                nn::GeneratorScope scope(nn::GeneratorScope::Mode::Keep); // the dropout masks
                opt->zero_grad();
                logits = net.forward(x);
                loss = torch::nn::functional::cross_entropy(logits, y, lossOptions);
                loss.backward();
                opt->step();
            }
            const double l = loss.item<double>();
            if (!std::isfinite(l))
                throw Error("training diverged (loss is " + std::to_string(l) + "); lower the learning rate");
            lossSum += l * b.n;
            correct += logits.argmax(1).eq(y).sum().item<int64_t>();
            seen += b.n;
            ++batchNo;
            if (observer) {
                BatchEvent be;
                be.epoch = epoch + 1;
                be.epochs = plannedEpochs;
                be.batch = batchNo;
                be.batches = static_cast<int>(batchesPerEpoch);
                be.step = epoch * batchesPerEpoch + batchNo;
                be.loss = lossSum / seen;
                be.batchLoss = l;
                be.accuracy = static_cast<double>(correct) / seen;
                be.learningRate = lr;
                be.imagesPerSecond = seen / std::max(1e-9, secondsSince(epochStart) - epochPaused);
                be.elapsedSeconds = elapsed();
                observer->onBatch(be);
            }
        }
        const double trainSeconds = secondsSince(epochStart) - epochPaused;
        if (!net.batchNormFrozen())
            recalibrateBatchNorm(net, bnLoader, cfg.preciseBnImages, pre.recipe(), cancel);
        Evaluation val = evaluate(epoch);
        if (observer && !data.val.empty())
            observer->onValidation(val.predictions);

        EpochEvent e;
        e.epoch = epoch + 1;
        e.step = (epoch + 1) * batchesPerEpoch;
        e.trainLoss = lossSum / std::max<long>(1, seen);
        e.trainAccuracy = static_cast<double>(correct) / std::max<long>(1, seen);
        e.valLoss = val.loss;
        e.valAccuracy = val.accuracy;
        e.learningRate = lr;
        e.imagesPerSecond = seen / std::max(1e-9, trainSeconds);
        e.seconds = secondsSince(epochStart) - epochPaused;
        if (!data.val.empty()) {
            if (val.loss < history.bestValLoss) {
                history.bestValLoss = val.loss;
                history.bestEpoch = e.epoch;
                best = snapshot(net);
                sinceImprovement = 0;
                e.improved = true;
            } else {
                ++sinceImprovement;
            }
        }
        e.epochsWithoutImprovement = sinceImprovement;
        history.seconds = elapsed();
        e.elapsedSeconds = history.seconds;

        // Fit the schedule to the time budget once the epoch time is known.
        if (cfg.maxMinutes > 0) {
            const double perEpoch = history.seconds / std::max(1, e.epoch);
            const double left = cfg.maxMinutes * 60.0 * 0.97 - history.seconds;
            const int affordable = e.epoch + static_cast<int>(std::floor(std::max(0.0, left) / perEpoch));
            if (affordable < plannedEpochs) {
                plannedEpochs = std::max(e.epoch, affordable);
                history.stoppedByTimeBudget = true;
            }
        }
        e.epochs = plannedEpochs;
        if (cfg.patience > 0 && !data.val.empty() && sinceImprovement >= cfg.patience)
            history.stoppedEarly = true;
        history.epochs.push_back(e);
        if (observer)
            observer->onEpoch(e);

        if (!checkpointPath.empty()) {
            torch::serialize::OutputArchive archive, modelArchive, optArchive;
            net.save(modelArchive);
            opt->save(optArchive);
            archive.write("model", modelArchive);
            archive.write("optimizer", optArchive);
            if (!best.empty()) {
                // Building the copy draws from the generator (weight initialisation),
                // as it always has: the generator state is taken after it.
                const auto copy = net.blankCopy(model_.info());
                restore(*copy, best);
                torch::serialize::OutputArchive bestArchive;
                copy->save(bestArchive);
                archive.write("best", bestArchive);
            }
            archive.write("rng", generatorState());
            QJsonObject state;
            state["epoch"] = e.epoch;
            state["planned_epochs"] = plannedEpochs;
            state["best_epoch"] = history.bestEpoch;
            state["best_val_loss"] = std::isfinite(history.bestValLoss) ? history.bestValLoss : 1e300;
            state["seconds"] = history.seconds;
            state["since_improvement"] = sinceImprovement;
            state["stopped_early"] = history.stoppedEarly;
            state["stopped_by_time_budget"] = history.stoppedByTimeBudget;
            state["threads"] = torch::get_num_threads();
            state["has_best"] = !best.empty();
            QJsonArray h;
            for (const auto& ev : history.epochs)
                h.append(eventJson(ev));
            state["history"] = h;
            archive.write("state", c10::IValue(QJsonDocument(state).toJson(QJsonDocument::Compact).toStdString()));
            std::ostringstream out;
            archive.save_to(out);
            try {
                writeFileDurably(checkpointPath, sealZip(out.str()), /*keepPrevious=*/true);
            } catch (const Error& err) {
                throw Error(err.message() + (e.epoch > 1 ? "; once there is room, resume the run from the last "
                                                           "checkpoint (epoch " + std::to_string(e.epoch - 1) + ")"
                                                         : std::string()),
                            checkpointPath);
            }
        }

        if (history.stoppedEarly && observer)
            observer->onMessage("early stopping: no better validation loss for " + std::to_string(cfg.patience) + " epochs");
    }
    if (!best.empty()) {
        restore(net, best);
        if (observer)
            observer->onMessage("restored the weights of epoch " + std::to_string(history.bestEpoch) +
                                " (best validation loss " + std::to_string(history.bestValLoss) + ")");
    }
    net.setTraining(false);
    return history;
}

} // namespace sinar::train
