#pragma once
// Persistent settings (QSettings, organisation "Sinar", application "Sinar"):
// recent studies, last model, theme, layout, viewer and heat map options.
#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace sinar::ui {

class AppSettings {
public:
    AppSettings();

    QStringList recentPaths() const;
    // Moves `path` to the front of the recent list (at most 10 entries).
    void addRecentPath(const QString& path);
    void clearRecentPaths();

    QString lastModel() const;
    void setLastModel(const QString& path);

    QString theme() const; // "dark" (default) or "light"
    void setTheme(const QString& theme);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindowLayout(const QByteArray& geometry, const QByteArray& state);
    // Writes what has changed to disk now (QSettings otherwise does so later).
    void sync() { settings_.sync(); }

    bool autoClassify() const;
    void setAutoClassify(bool on);
    bool annotationsVisible() const;
    void setAnnotationsVisible(bool on);

    // The heat map: method ("gradcam", ...), colour map ("jet", ...), opacity
    // in per cent, overlay on, side-by-side view, and the folder of the last export.
    QString heatMapMethod() const;
    void setHeatMapMethod(const QString& method);
    QString heatMapColours() const;
    void setHeatMapColours(const QString& colours);
    int heatMapOpacity() const;
    void setHeatMapOpacity(int percent);
    bool heatMapOverlay() const;
    void setHeatMapOverlay(bool on);
    bool heatMapSideBySide() const;
    void setHeatMapSideBySide(bool on);
    QString exportFolder() const;
    void setExportFolder(const QString& folder);
    // Whether exported overlay PNGs carry the method, class and colour bar (beside the image).
    bool exportLegend() const;
    void setExportLegend(bool on);

    // Comparison of series: the hanging layout ("1x1", "1x2", "2x2") and what
    // the viewports synchronise (scrolling by position, window/level, zoom/pan).
    QString comparisonLayout() const;
    void setComparisonLayout(const QString& layout);
    bool comparisonSync(const QString& what) const; // "scroll", "window", "zoom"; on by default
    void setComparisonSync(const QString& what, bool on);

    // The Training tab: the last recipe as a `sinar-cli train` command line,
    // and the folder new run folders go into (default: the application's
    // data folder, "runs").
    QString trainingCommand() const;
    void setTrainingCommand(const QString& command);
    QString runsFolder() const;
    void setRunsFolder(const QString& folder);

    // The MPR layout's slab: thickness in mm (0: thin planes) and mode
    // ("mip", "minip", "average"); the cine's frames per second (1..30, default 10).
    double mprSlabThickness() const;
    void setMprSlabThickness(double mm);
    QString mprSlabMode() const;
    void setMprSlabMode(const QString& mode);
    int cineFps() const;
    void setCineFps(int fps);
    static constexpr int kMinCineFps = 1, kMaxCineFps = 30;

    static constexpr int kMaxRecent = 10;

private:
    mutable QSettings settings_;
};

} // namespace sinar::ui
