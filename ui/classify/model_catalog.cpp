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

trust::Scope ModelCatalog::scopeOf(const QString& path)
{
    struct Entry {
        QDateTime modified;
        qint64 size = 0;
        trust::Scope scope;
    };
    static std::mutex mutex;
    static QHash<QString, Entry> cache;
    const QFileInfo fi(path);
    const QString key = fi.absoluteFilePath();
    {
        std::lock_guard<std::mutex> lock(mutex);
        const auto it = cache.constFind(key);
        if (it != cache.constEnd() && it->modified == fi.lastModified() && it->size == fi.size())
            return it->scope;
    }
    Entry e;
    e.modified = fi.lastModified();
    e.size = fi.size();
    try {
        const nn::Model model = nn::Model::load(key.toStdString());
        e.scope = trust::Scope::fromJson(model.info().scope, key.toStdString());
    } catch (const std::exception&) {
        // an unreadable bundle declares nothing
    }
    std::lock_guard<std::mutex> lock(mutex);
    cache.insert(key, e);
    return e.scope;
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
