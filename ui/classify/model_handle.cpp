#include "ui/classify/model_handle.h"

#include <QFileInfo>
#include <QJsonObject>
#include <QObject>
#include <QRegularExpression>
#include <algorithm>

namespace sinar::ui {

std::shared_ptr<const ModelHandle> ModelHandle::load(const QString& path)
{
    nn::Model model = nn::Model::load(path.toStdString());
    auto handle = std::shared_ptr<ModelHandle>(new ModelHandle(std::move(model), QFileInfo(path).absoluteFilePath()));
    for (explain::Method m : explain::allMethods())
        if (explain::supports(handle->model_, m))
            handle->supported_.push_back(m);
    for (const std::string& layer : explain::explainableLayers(handle->model_))
        handle->layers_ << QString::fromStdString(layer);
    handle->scope_ = trust::Scope::fromJson(handle->info().scope, path.toStdString());
    handle->sealed_ = handle->model_.isSealed();
    if (!handle->info().ood.isEmpty() && handle->model_.hasEmbeddings())
        handle->ood_ = trust::OodDetector::fromJson(handle->info().ood, path.toStdString());
    return handle;
}

QString ModelHandle::name() const
{
    return QFileInfo(path_).completeBaseName();
}

QStringList ModelHandle::classNames() const
{
    QStringList out;
    for (const auto& n : info().classNames)
        out << QString::fromStdString(n);
    return out;
}

std::vector<float> ModelHandle::predict(const imaging::Image& image) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return model_.predict(image);
}

Assessment ModelHandle::assess(const imaging::Image& image) const
{
    Assessment a;
    std::vector<float> embedding;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        a.probabilities = model_.predict(image, ood_.empty() ? nullptr : &embedding);
    }
    if (!ood_.empty() && !embedding.empty()) {
        a.oodChecked = true;
        a.oodScore = ood_.score(embedding);
        a.oodThreshold = ood_.threshold();
    }
    return a;
}

explain::Explanation ModelHandle::explain(const imaging::Image& image, const explain::ExplainOptions& options) const
{
    std::lock_guard<std::mutex> lock(mutex_);
    return explain::explainImage(model_, image, options);
}

bool ModelHandle::supports(explain::Method method) const
{
    return std::find(supported_.begin(), supported_.end(), method) != supported_.end();
}

QString ModelHandle::datasetName(const QJsonObject& data)
{
    QString source = data.value(QStringLiteral("source")).toString().trimmed();
    if (source.isEmpty())
        return {};
    if (source.startsWith(QLatin1String("sha256:"))) // a fingerprint: the path was not recorded (common/privacy.h)
        return QObject::tr("data set %1 (its path was not recorded)").arg(source);
    source.remove(QRegularExpression(QStringLiteral("\\[[^\\]]*\\]$"))); // "file.npz[val]": the subset
    source.replace('\\', '/');
    while (source.endsWith('/'))
        source.chop(1);
    const QStringList parts = source.split('/', Qt::SkipEmptyParts);
    if (parts.isEmpty())
        return {};
    const QString name = parts.last();
    const QString parent = parts.size() >= 2 ? parts.at(parts.size() - 2) : QString();
    if (parent.isEmpty() || parent == QLatin1String("..") || parent == QLatin1String("."))
        return name;
    return QStringLiteral("%1 of %2").arg(name, parent);
}

QString ModelHandle::recipeSummary() const
{
    const imaging::Recipe& r = info().recipe;
    QStringList parts;
    parts << QStringLiteral("%1×%2 %3%4")
                 .arg(r.width)
                 .arg(r.height)
                 .arg(r.channels == 1 ? QStringLiteral("grey") : QStringLiteral("RGB"))
                 .arg(r.keepAspect ? QStringLiteral(" (aspect kept)") : QString());
    parts << (r.useWindow ? QStringLiteral("window C %1 W %2").arg(r.windowCenter).arg(r.windowWidth)
                          : QStringLiteral("image's own window"));
    if (r.denoise != imaging::Denoise::None)
        parts << QStringLiteral("denoise %1").arg(QString::fromStdString(imaging::toString(r.denoise)));
    if (r.clahe)
        parts << QStringLiteral("CLAHE %1").arg(r.claheClip);
    parts << QStringLiteral("normalise %1").arg(QString::fromStdString(imaging::toString(r.normalisation)));
    return parts.join(QStringLiteral(" · "));
}

QString ModelHandle::cardSummary() const
{
    const nn::BundleInfo& b = info();
    QStringList lines;
    lines << QStringLiteral("Model: %1 (%2, filters %3)")
                 .arg(name(), QString::fromStdString(b.architecture))
                 .arg([&] {
                     QStringList f;
                     for (int v : b.cnn.filters)
                         f << QString::number(v);
                     return f.join(',');
                 }());
    lines << QStringLiteral("Classes: %1").arg(classNames().join(QStringLiteral(", ")));
    lines << QStringLiteral("Input: %1").arg(recipeSummary());
    const QString dataset = datasetName(b.data);
    if (!dataset.isEmpty()) {
        QString line = QStringLiteral("Trained on: %1").arg(dataset);
        if (b.data.value(QStringLiteral("images")).isDouble())
            line += QStringLiteral(", %1 images").arg(b.data.value(QStringLiteral("images")).toInt());
        lines << line;
    }
    if (!scope_.empty())
        lines << QStringLiteral("Scope: %1").arg(QString::fromStdString(scope_.describe()));
    if (!b.testMetrics.isEmpty()) {
        QString m = QStringLiteral("Held-out test: accuracy %1").arg(b.testMetrics.value("accuracy").toDouble(), 0, 'f', 3);
        if (b.testMetrics.contains("macro_f1"))
            m += QStringLiteral(", macro F1 %1").arg(b.testMetrics.value("macro_f1").toDouble(), 0, 'f', 3);
        if (b.testMetrics.contains("n"))
            m += QStringLiteral(" (n = %1)").arg(b.testMetrics.value("n").toInt());
        lines << m;
    }
    if (!b.createdAt.empty())
        lines << QStringLiteral("Created: %1 with Sinar %2")
                     .arg(QString::fromStdString(b.createdAt), QString::fromStdString(b.toolVersion));
    lines << QStringLiteral("File: %1").arg(path_);
    lines << (sealed_ ? QStringLiteral("Integrity: sealed; its SHA-256 was checked on loading")
                      : QStringLiteral("Integrity: unsealed (an older bundle or a foreign file; sinar-cli info --seal seals it)"));
    return lines.join('\n');
}

} // namespace sinar::ui
