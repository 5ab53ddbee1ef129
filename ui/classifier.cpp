#include "ui/classifier.h"

#include <QElapsedTimer>
#include <algorithm>
#include <exception>

#include "common/error.h"

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
}

quint64 Classifier::classify(const imaging::Image& image)
{
    const quint64 id = ++latest_;
    auto model = model_;
    imaging::Image copy = image; // pixels are shared, never written
    runner_.submit([model, copy, id] { return run(model, copy, id); });
    return id;
}

void Classifier::cancelPending()
{
    ++latest_;
    runner_.discard();
}

Classification Classifier::run(const std::shared_ptr<const ModelHandle>& model, const imaging::Image& image,
                               quint64 requestId)
{
    Classification c;
    c.requestId = requestId;
    c.source = QString::fromStdString(image.source);
    try {
        c.quality = imaging::assessQuality(image);
        if (model) {
            c.modelPath = model->path();
            c.classNames = model->info().classNames;
            QElapsedTimer timer;
            timer.start();
            c.probabilities = model->predict(image);
            c.milliseconds = timer.nsecsElapsed() / 1e6;
            c.best = static_cast<int>(std::max_element(c.probabilities.begin(), c.probabilities.end()) -
                                      c.probabilities.begin());
        }
    } catch (const Error& e) {
        c.error = QString::fromStdString(e.message());
    } catch (const std::exception& e) {
        std::string what = e.what();
        c.error = QString::fromStdString(what.substr(0, what.find('\n')));
    }
    return c;
}

} // namespace sinar::ui
