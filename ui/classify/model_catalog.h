#pragma once
// Where the viewer finds model bundles: $SINAR_MODELS, the installed data
// folder (<prefix>/share/sinar/models), models/ next to the executable, and
// the source tree's models/ for a developer build, and the user's model
// library (models trained in the Training tab).
#include <QString>
#include <QStringList>

namespace sinar::ui {

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
};

} // namespace sinar::ui
