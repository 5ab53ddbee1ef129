#pragma once
// Persistent settings (QSettings, organisation "Sinar", application "Sinar"):
// recent studies, last model, theme, layout and viewer options.
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

    bool autoClassify() const;
    void setAutoClassify(bool on);
    bool annotationsVisible() const;
    void setAnnotationsVisible(bool on);

    static constexpr int kMaxRecent = 10;

private:
    mutable QSettings settings_;
};

} // namespace sinar::ui
