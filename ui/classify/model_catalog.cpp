#include "ui/classify/model_catalog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSet>
#include <QDateTime>
#include <QHash>
#include <QStandardPaths>
#include <exception>
#include <mutex>

#include "nn/model.h"

namespace sinar::ui {

QString ModelCatalog::userLibrary()
{
    const QByteArray env = qgetenv("SINAR_MODEL_LIBRARY");
    if (!env.isEmpty())
        return QString::fromLocal8Bit(env);
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/models");
}

QStringList ModelCatalog::searchFolders()
{
    QStringList candidates;
    const QByteArray env = qgetenv("SINAR_MODELS");
    if (!env.isEmpty())
        candidates << QString::fromLocal8Bit(env);
    const QString appDir = QCoreApplication::applicationDirPath();
    candidates << appDir + QStringLiteral("/../share/sinar/models") << appDir + QStringLiteral("/models");
#ifdef SINAR_SOURCE_MODELS_DIR
    candidates << QStringLiteral(SINAR_SOURCE_MODELS_DIR);
#endif
    candidates << userLibrary();
    QStringList out;
    QSet<QString> seen;
    for (const QString& c : candidates) {
        const QFileInfo fi(c);
        if (!fi.isDir())
            continue;
        const QString canonical = fi.canonicalFilePath();
        if (seen.contains(canonical))
            continue;
        seen.insert(canonical);
        out << canonical;
    }
    return out;
}

QStringList ModelCatalog::findModels()
{
    QStringList out;
    QSet<QString> names;
    for (const QString& folder : searchFolders()) {
        const QFileInfoList files =
            QDir(folder).entryInfoList({QStringLiteral("*.sinar")}, QDir::Files | QDir::Readable, QDir::Name);
        for (const QFileInfo& f : files) {
            if (names.contains(f.fileName()))
                continue; // an earlier folder wins
            names.insert(f.fileName());
            out << f.absoluteFilePath();
        }
    }
    return out;
}

QString ModelCatalog::defaultModel(const QString& preferred)
{
    if (!preferred.isEmpty() && QFileInfo(preferred).isFile())
        return preferred;
    const QStringList all = findModels();
    return all.isEmpty() ? QString() : all.first();
}

ModelSummary ModelCatalog::summaryOf(const QString& path)
{
    struct Entry {
        QDateTime modified;
        qint64 size = 0;
        ModelSummary summary;
    };
    static std::mutex mutex;
    static QHash<QString, Entry> cache;
    const QFileInfo fi(path);
    const QString key = fi.absoluteFilePath();
    {
        std::lock_guard<std::mutex> lock(mutex);
        const auto it = cache.constFind(key);
        if (it != cache.constEnd() && it->modified == fi.lastModified() && it->size == fi.size())
            return it->summary;
    }
    Entry e;
    e.modified = fi.lastModified();
    e.size = fi.size();
    e.summary.path = key;
    try {
        const nn::Model model = nn::Model::load(key.toStdString());
        const nn::BundleInfo& info = model.info();
        e.summary.architecture = QString::fromStdString(info.architecture);
        for (const std::string& c : info.classNames)
            e.summary.classes << QString::fromStdString(c);
        e.summary.scope = trust::Scope::fromJson(info.scope, key.toStdString());
    } catch (const std::exception& ex) {
        e.summary.error = QString::fromUtf8(ex.what()); // an unreadable bundle declares nothing
    }
    std::lock_guard<std::mutex> lock(mutex);
    cache.insert(key, e);
    return e.summary;
}

trust::Scope ModelCatalog::scopeOf(const QString& path)
{
    return summaryOf(path).scope;
}

QString ModelCatalog::findFittingModel(const trust::ImageFacts& image, const QString& exclude)
{
    if (!image.dicom)
        return {};
    const QString skip = exclude.isEmpty() ? QString() : QFileInfo(exclude).absoluteFilePath();
    for (const QString& path : findModels()) {
        if (path == skip)
            continue;
        if (trust::checkScope(scopeOf(path), image).fits())
            return path;
    }
    return {};
}

} // namespace sinar::ui
