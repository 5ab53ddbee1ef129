#include "ui/classify/classifier.h"

#include <QElapsedTimer>
#include <QThread>
#include <algorithm>
#include <exception>

#include "common/error.h"
#include "ui/classify/model_catalog.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

Classifier::Classifier(QObject* parent)
    : QObject(parent),
      runner_(
          this, [this](Classification c) { emit resultReady(c); }, [this](bool b) { emit busyChanged(b); })
{
    qRegisterMetaType<sinar::ui::Classification>();
}

void Classifier::setModel(std::shared_ptr<const ModelHandle> model)
{
    model_ = std::move(model);
    heat_.classIndex = -1; // class indices belong to the model
}

quint64 Classifier::classify(const imaging::Image& image, const trust::ImageFacts* facts)
{
    const quint64 id = ++latest_;
    auto model = model_;
    imaging::Image copy = image; // pixels are shared, never written
    // A newer request makes the running job's result stale: stop its
    // explanation early rather than let it hold up this one.
    if (cancel_)
        cancel_->cancel();
    auto cancel = std::make_shared<CancelToken>();
    cancel_ = cancel;
    const HeatMapRequest heat = heat_;
    const bool hasFacts = facts != nullptr;
    const trust::ImageFacts given = facts ? *facts : trust::ImageFacts{};
    runner_.submit([model, copy, id, heat, cancel, hasFacts, given] {
        return run(model, copy, id, heat, cancel.get(), hasFacts ? &given : nullptr);
    });
    return id;
}

void Classifier::cancelPending()
{
    ++latest_;
    if (cancel_)
        cancel_->cancel();
    runner_.discard();
}

namespace {

// Adds the saliency map to a successful classification; failures go to heatError.
void explainInto(Classification& c, const ModelHandle& model, const imaging::Image& image, const HeatMapRequest& heat,
                 const CancelToken* cancel)
{
    c.heatMethod = QString::fromStdString(explain::displayName(heat.method));
    const int classes = static_cast<int>(c.probabilities.size());
    if (heat.classIndex >= classes) {
        c.heatError = QObject::tr("%1: class %2 is out of range (the model has %3 classes)")
                          .arg(c.heatMethod)
                          .arg(heat.classIndex)
                          .arg(classes);
        return;
    }
    explain::ExplainOptions options;
    options.method = heat.method;
    options.classIndex = heat.classIndex >= 0 ? heat.classIndex : c.best;
    options.layer = heat.layer;
    options.cancel = cancel;
    c.heatClass = options.classIndex;
    try {
        c.heatThread = QThread::currentThreadId();
        explain::Explanation e = model.explain(image, options);
        if (e.map.empty() || e.map.type() != CV_32F || e.map.cols != image.width() || e.map.rows != image.height())
            throw Error("the map does not have the image's size");
        c.heatMap = e.map;
        c.heatClass = e.classIndex;
        c.heatLayer = QString::fromStdString(e.layer);
        c.heatMilliseconds = e.milliseconds;
    } catch (const Cancelled&) {
        c.heatError = QObject::tr("%1 was cancelled").arg(c.heatMethod);
    } catch (const std::exception& e) {
        c.heatError = QObject::tr("%1 failed: %2").arg(c.heatMethod, errorText(e, false));
    }
}

} // namespace

Classification Classifier::run(const std::shared_ptr<const ModelHandle>& model, const imaging::Image& image,
                               quint64 requestId, const HeatMapRequest& heat, const CancelToken* cancel,
                               const trust::ImageFacts* facts)
{
    Classification c;
    c.requestId = requestId;
    c.heatRequest = heat;
    c.source = QString::fromStdString(image.source);
    try {
        c.quality = imaging::assessQuality(image);
        if (model) {
            c.modelPath = model->path();
            c.classNames = model->info().classNames;
            QElapsedTimer timer;
            timer.start();
            Assessment a = model->assess(image);
            c.probabilities = std::move(a.probabilities);
            c.oodChecked = a.oodChecked;
            c.oodScore = a.oodScore;
            c.oodThreshold = a.oodThreshold;
            c.milliseconds = timer.nsecsElapsed() / 1e6;
            c.best = static_cast<int>(std::max_element(c.probabilities.begin(), c.probabilities.end()) -
                                      c.probabilities.begin());
        }
    } catch (const std::exception& e) {
        c.error = errorText(e, false); // the panel names the image
    }
    c.facts = facts ? *facts : trust::ImageFacts::fromSource(image.source);
    if (model) {
        c.scope = trust::checkScope(model->scope(), c.facts);
        if (c.scope.outside())
            c.fittingModel = ModelCatalog::findFittingModel(c.facts, model->path());
    }
    if (model && heat.enabled && c.ok())
        explainInto(c, *model, image, heat, cancel);
    return c;
}

} // namespace sinar::ui
