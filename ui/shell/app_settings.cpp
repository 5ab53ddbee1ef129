#include "ui/shell/app_settings.h"

#include <QFileInfo>
#include <QStandardPaths>
#include <algorithm>

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

QString AppSettings::heatMapMethod() const
{
    return settings_.value(QStringLiteral("heatmap/method"), QStringLiteral("gradcam")).toString();
}

void AppSettings::setHeatMapMethod(const QString& method)
{
    settings_.setValue(QStringLiteral("heatmap/method"), method);
}

QString AppSettings::heatMapColours() const
{
    return settings_.value(QStringLiteral("heatmap/colours"), QStringLiteral("jet")).toString();
}

void AppSettings::setHeatMapColours(const QString& colours)
{
    settings_.setValue(QStringLiteral("heatmap/colours"), colours);
}

int AppSettings::heatMapOpacity() const
{
    return std::clamp(settings_.value(QStringLiteral("heatmap/opacity"), 45).toInt(), 0, 100);
}

void AppSettings::setHeatMapOpacity(int percent)
{
    settings_.setValue(QStringLiteral("heatmap/opacity"), percent);
}

bool AppSettings::heatMapOverlay() const
{
    return settings_.value(QStringLiteral("heatmap/overlay"), false).toBool();
}

void AppSettings::setHeatMapOverlay(bool on)
{
    settings_.setValue(QStringLiteral("heatmap/overlay"), on);
}

bool AppSettings::heatMapSideBySide() const
{
    return settings_.value(QStringLiteral("heatmap/sideBySide"), false).toBool();
}

void AppSettings::setHeatMapSideBySide(bool on)
{
    settings_.setValue(QStringLiteral("heatmap/sideBySide"), on);
}

QString AppSettings::exportFolder() const
{
    return settings_.value(QStringLiteral("heatmap/exportFolder")).toString();
}

QString AppSettings::comparisonLayout() const
{
    return settings_.value(QStringLiteral("view/comparisonLayout"), QStringLiteral("1x1")).toString();
}

void AppSettings::setComparisonLayout(const QString& layout)
{
    settings_.setValue(QStringLiteral("view/comparisonLayout"), layout);
}

bool AppSettings::comparisonSync(const QString& what) const
{
    return settings_.value(QStringLiteral("view/comparisonSync/") + what, true).toBool();
}

void AppSettings::setComparisonSync(const QString& what, bool on)
{
    settings_.setValue(QStringLiteral("view/comparisonSync/") + what, on);
}

bool AppSettings::exportLegend() const
{
    return settings_.value(QStringLiteral("heatmap/exportLegend"), false).toBool();
}

void AppSettings::setExportLegend(bool on)
{
    settings_.setValue(QStringLiteral("heatmap/exportLegend"), on);
}

void AppSettings::setExportFolder(const QString& folder)
{
    settings_.setValue(QStringLiteral("heatmap/exportFolder"), folder);
}

QString AppSettings::trainingCommand() const
{
    return settings_.value(QStringLiteral("training/command")).toString();
}

void AppSettings::setTrainingCommand(const QString& command)
{
    settings_.setValue(QStringLiteral("training/command"), command);
}

QString AppSettings::runsFolder() const
{
    const QString f = settings_.value(QStringLiteral("training/runsFolder")).toString();
    if (!f.isEmpty())
        return f;
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/runs");
}

void AppSettings::setRunsFolder(const QString& folder)
{
    settings_.setValue(QStringLiteral("training/runsFolder"), folder);
}

double AppSettings::mprSlabThickness() const
{
    return std::max(0.0, settings_.value(QStringLiteral("mpr/slabThickness"), 0.0).toDouble());
}

void AppSettings::setMprSlabThickness(double mm)
{
    settings_.setValue(QStringLiteral("mpr/slabThickness"), mm);
}

QString AppSettings::mprSlabMode() const
{
    return settings_.value(QStringLiteral("mpr/slabMode"), QStringLiteral("mip")).toString();
}

void AppSettings::setMprSlabMode(const QString& mode)
{
    settings_.setValue(QStringLiteral("mpr/slabMode"), mode);
}

int AppSettings::cineFps() const
{
    return std::clamp(settings_.value(QStringLiteral("view/cineFps"), 10).toInt(), kMinCineFps, kMaxCineFps);
}

void AppSettings::setCineFps(int fps)
{
    settings_.setValue(QStringLiteral("view/cineFps"), fps);
}

} // namespace sinar::ui
