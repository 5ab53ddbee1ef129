#include "ui/app_settings.h"

#include <QFileInfo>

namespace sinar::ui {

AppSettings::AppSettings() : settings_(QStringLiteral("Sinar"), QStringLiteral("Sinar")) {}

QStringList AppSettings::recentPaths() const
{
    return settings_.value(QStringLiteral("recent/paths")).toStringList();
}

void AppSettings::addRecentPath(const QString& path)
{
    const QString abs = QFileInfo(path).absoluteFilePath();
    QStringList list = recentPaths();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > kMaxRecent)
        list.removeLast();
    settings_.setValue(QStringLiteral("recent/paths"), list);
}

void AppSettings::clearRecentPaths()
{
    settings_.remove(QStringLiteral("recent/paths"));
}

QString AppSettings::lastModel() const
{
    return settings_.value(QStringLiteral("model/last")).toString();
}

void AppSettings::setLastModel(const QString& path)
{
    settings_.setValue(QStringLiteral("model/last"), path);
}

QString AppSettings::theme() const
{
    const QString t = settings_.value(QStringLiteral("view/theme"), QStringLiteral("dark")).toString();
    return t == QLatin1String("light") ? t : QStringLiteral("dark");
}

void AppSettings::setTheme(const QString& theme)
{
    settings_.setValue(QStringLiteral("view/theme"), theme);
}

QByteArray AppSettings::windowGeometry() const
{
    return settings_.value(QStringLiteral("layout/geometry")).toByteArray();
}

QByteArray AppSettings::windowState() const
{
    return settings_.value(QStringLiteral("layout/state")).toByteArray();
}

void AppSettings::setWindowLayout(const QByteArray& geometry, const QByteArray& state)
{
    settings_.setValue(QStringLiteral("layout/geometry"), geometry);
    settings_.setValue(QStringLiteral("layout/state"), state);
}

bool AppSettings::autoClassify() const
{
    return settings_.value(QStringLiteral("model/autoClassify"), true).toBool();
}

void AppSettings::setAutoClassify(bool on)
{
    settings_.setValue(QStringLiteral("model/autoClassify"), on);
}

bool AppSettings::annotationsVisible() const
{
    return settings_.value(QStringLiteral("view/annotations"), true).toBool();
}

void AppSettings::setAnnotationsVisible(bool on)
{
    settings_.setValue(QStringLiteral("view/annotations"), on);
}

} // namespace sinar::ui
