#pragma once
// Where the viewer finds model bundles: $SINAR_MODELS, the installed data
// folder (<prefix>/share/sinar/models), models/ next to the executable, and
// the source tree's models/ for a developer build, and the user's model
// library (models trained in the Training tab).
#include <QString>
#include <QStringList>

#include "trust/scope.h"

namespace sinar::ui {

// What a bundle is for, as the welcome page lists it.
struct ModelSummary {
    QString path;
    QString architecture;  // "standard-cnn", "mobilenet_v2", ...
    QStringList classes;
    trust::Scope scope;    // empty when the bundle declares none
    QString error;         // why the bundle could not be read; empty when it could
};

class ModelCatalog {
public:
    // Where the Training tab puts the bundles it trains: $SINAR_MODEL_LIBRARY,
    // else the application's data folder, "models".
    static QString userLibrary();
    // Folders searched, in order (existing ones only).
    static QStringList searchFolders();
    // Model bundles (*.sinar) in those folders, by file name.
    static QStringList findModels();
    // The bundle to start with: `preferred` if it exists, else the first found.
    static QString defaultModel(const QString& preferred = {});

    // The scope a bundle declares (trust/scope.h), read once per file version
    // and cached; thread-safe, but slow the first time (the bundle is loaded):
    // call it off the GUI thread. Empty for a bundle without one or an unreadable file.
    static trust::Scope scopeOf(const QString& path);
    // The same cached read: architecture, classes and scope of a bundle.
    static ModelSummary summaryOf(const QString& path);
    // The first bundle of findModels() other than `exclude` whose declared
    // scope the image fits (checkScope says Fits); empty when none does.
    static QString findFittingModel(const trust::ImageFacts& image, const QString& exclude = {});
};

} // namespace sinar::ui
