#include "train/train_config.h"

#include <cmath>

#include "common/error.h"

namespace sinar::train {

QJsonObject TrainConfig::toJson() const
{
    QJsonObject o;
    o["epochs"] = epochs;
    o["batch_size"] = batchSize;
    o["optimizer"] = QString::fromStdString(optimizer);
    o["learning_rate"] = learningRate;
    o["momentum"] = momentum;
    o["nesterov"] = nesterov;
    o["weight_decay"] = weightDecay;
    o["schedule"] = QString::fromStdString(schedule);
    o["step_size"] = stepSize;
    o["gamma"] = gamma;
    o["warmup_epochs"] = warmupEpochs;
    o["patience"] = patience;
    o["class_weights"] = classWeights;
    o["label_smoothing"] = labelSmoothing;
    o["precise_bn_images"] = preciseBnImages;
    o["seed"] = static_cast<qint64>(seed);
    o["max_minutes"] = maxMinutes;
    o["backbone_lr_factor"] = backboneLrFactor;
    o["freeze_backbone_epochs"] = freezeBackboneEpochs;
    return o;
}

TrainConfig TrainConfig::fromJson(const QJsonObject& o)
{
    TrainConfig c;
    c.epochs = o.value("epochs").toInt(c.epochs);
    c.batchSize = o.value("batch_size").toInt(c.batchSize);
    c.optimizer = o.value("optimizer").toString(QString::fromStdString(c.optimizer)).toStdString();
    c.learningRate = o.value("learning_rate").toDouble(c.learningRate);
    c.momentum = o.value("momentum").toDouble(c.momentum);
    c.nesterov = o.value("nesterov").toBool(c.nesterov);
    c.weightDecay = o.value("weight_decay").toDouble(c.weightDecay);
    c.schedule = o.value("schedule").toString(QString::fromStdString(c.schedule)).toStdString();
    c.stepSize = o.value("step_size").toInt(c.stepSize);
    c.gamma = o.value("gamma").toDouble(c.gamma);
    c.warmupEpochs = o.value("warmup_epochs").toInt(c.warmupEpochs);
    c.patience = o.value("patience").toInt(c.patience);
    c.classWeights = o.value("class_weights").toBool(c.classWeights);
    c.labelSmoothing = o.value("label_smoothing").toDouble(c.labelSmoothing);
    c.preciseBnImages = o.value("precise_bn_images").toInt(0);
    c.seed = static_cast<uint32_t>(o.value("seed").toInteger(c.seed));
    c.maxMinutes = o.value("max_minutes").toDouble(c.maxMinutes);
    c.backboneLrFactor = o.value("backbone_lr_factor").toDouble(c.backboneLrFactor);
    c.freezeBackboneEpochs = o.value("freeze_backbone_epochs").toInt(c.freezeBackboneEpochs);
    return c;
}

void TrainConfig::validate() const
{
    if (epochs < 1 || epochs > 10000)
        throw Error("the number of epochs must be 1..10000");
    if (batchSize < 1 || batchSize > 4096)
        throw Error("the batch size must be 1..4096");
    if (optimizer != "sgd" && optimizer != "adam")
        throw Error("the optimizer must be sgd or adam, not '" + optimizer + "'");
    if (!(learningRate > 0) || learningRate > 10)
        throw Error("the learning rate must be in (0, 10]");
    if (momentum < 0 || momentum >= 1)
        throw Error("the momentum must be in [0, 1)");
    if (weightDecay < 0)
        throw Error("the weight decay must not be negative");
    if (schedule != "cosine" && schedule != "step" && schedule != "constant")
        throw Error("the learning-rate schedule must be cosine, step or constant, not '" + schedule + "'");
    if (stepSize < 1 || !(gamma > 0 && gamma <= 1))
        throw Error("the step schedule needs a step size >= 1 and a decay factor in (0, 1]");
    if (warmupEpochs < 0 || patience < 0)
        throw Error("warm-up and patience must not be negative");
    if (labelSmoothing < 0 || labelSmoothing >= 1)
        throw Error("label smoothing must be in [0, 1)");
    if (preciseBnImages < 0)
        throw Error("the precise batch-norm image count must not be negative");
    if (backboneLrFactor < 0 || backboneLrFactor > 10)
        throw Error("the backbone's learning-rate factor must be in [0, 10]");
    if (freezeBackboneEpochs < 0)
        throw Error("the epochs with a frozen backbone must not be negative");
    if (maxMinutes < 0)
        throw Error("the time budget must not be negative");
}

double TrainConfig::learningRateAt(int epoch, int totalEpochs) const
{
    if (epoch < warmupEpochs)
        return learningRate * (epoch + 1) / (warmupEpochs + 1);
    if (schedule == "step")
        return learningRate * std::pow(gamma, (epoch - warmupEpochs) / stepSize);
    if (schedule == "cosine") {
        const int span = std::max(1, totalEpochs - warmupEpochs);
        const double t = static_cast<double>(epoch - warmupEpochs) / span;
        return learningRate * (0.01 + 0.99 * 0.5 * (1.0 + std::cos(M_PI * t)));
    }
    return learningRate;
}

} // namespace sinar::train
