#pragma once
// A loaded model bundle shared between the GUI and background jobs. Inference
// calls are serialised, so the interactive classifier and a batch may share
// one model safely.
#include <QString>
#include <memory>
#include <mutex>
#include <vector>

#include "explain/explain.h"
#include "imaging/image.h"
#include "nn/model.h"
#include "trust/ood.h"
#include "trust/scope.h"

namespace sinar::ui {

// A classification with the model's out-of-distribution verdict.
struct Assessment {
    std::vector<float> probabilities;
    bool oodChecked = false;     // false: the bundle has no out-of-distribution statistics
    double oodScore = 0;         // smallest Mahalanobis distance to a class mean (trust::OodDetector)
    double oodThreshold = 0;
    bool inDistribution() const { return !oodChecked || oodScore <= oodThreshold; }
};

class ModelHandle {
public:
    // Loads and validates a bundle (slow: call off the GUI thread). Throws
    // sinar::Error saying what is wrong with the file.
    static std::shared_ptr<const ModelHandle> load(const QString& path);

    const nn::BundleInfo& info() const { return model_.info(); }
    const QString& path() const { return path_; }
    QString name() const; // file name without the extension
    QStringList classNames() const;

    // Preprocesses with the bundle's recipe and returns class probabilities.
    std::vector<float> predict(const imaging::Image& image) const;
    // The same, with the out-of-distribution score where the bundle can give one.
    Assessment assess(const imaging::Image& image) const;
    // Whether the bundle carries out-of-distribution statistics.
    bool checksDistribution() const { return !ood_.empty(); }
    // A saliency map of `image` (explain::explainImage), serialised with
    // predict. Throws sinar::Error (or sinar::Cancelled) as explainImage does.
    explain::Explanation explain(const imaging::Image& image, const explain::ExplainOptions& options) const;
    // Whether `method` can explain this model (known from loading: no lock,
    // safe on the GUI thread while a job runs).
    bool supports(explain::Method method) const;
    // Layers the CAM methods can use, the default first (known from loading).
    const QStringList& explainableLayers() const { return layers_; }

    // The images the model is for (BundleInfo::scope, read at load time).
    const trust::Scope& scope() const { return scope_; }
    // "Training of brain-mri" for data "source" "../shared/data/brain-mri/Training":
    // the data set's folder or file name and its parent, without a development path.
    static QString datasetName(const QJsonObject& data);

    // One line: "128×128 grey · per-image z-score · window: image's own".
    QString recipeSummary() const;
    // Several lines of the model card: data, metrics, creation.
    QString cardSummary() const;

private:
    ModelHandle(nn::Model model, QString path) : model_(std::move(model)), path_(std::move(path)) {}
    nn::Model model_;
    QString path_;
    std::vector<explain::Method> supported_;
    QStringList layers_;
    trust::Scope scope_;
    trust::OodDetector ood_;
    bool sealed_ = false; // the bundle's SHA-256 seal was present and checked (common/integrity.h)
    mutable std::mutex mutex_;
};

} // namespace sinar::ui
