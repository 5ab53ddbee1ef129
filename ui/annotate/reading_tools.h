#pragma once
// The reading tools of the main window: the Measure menu (ruler L, angle G,
// ellipse E, rectangle B, freehand P, arrow W, text T, key image K, save
// Ctrl+S), the Measurements dock, the measurement layer on the image view,
// and the DICOM files behind them: Save writes the study's shapes as a
// Grayscale Softcopy Presentation State and its key images as a Key Object
// Selection next to the study (core/annotate); opening a study reads the
// ones found next to it, in the background, and puts their shapes on their images.
#include <QObject>
#include <QString>
#include <optional>

#include "annotate/shape.h"

class QAction;
class QActionGroup;
class QDockWidget;

namespace sinar::ui {

class MainWindow;
class MeasurementLayer;
class MeasurementPanel;

class ReadingTools : public QObject {
    Q_OBJECT
public:
    explicit ReadingTools(MainWindow* window);

    MeasurementLayer* layer() const { return layer_; }
    MeasurementPanel* panel() const { return panel_; }
    QDockWidget* dock() const { return dock_; }
    QList<QAction*> actions() const { return actions_; }

    // Writes the studies' shapes (and key images) next to each study's
    // images, or into `folder` when given (or when the study's folder is not
    // writable: then the user chooses one). Returns the files written;
    // `error` says what failed (naming the file).
    QStringList saveAnnotations(const QString& folder, QString* error = nullptr);
    // Reads the presentation states and key-image selections next to the
    // open studies (in the background; annotationsLoaded follows).
    void loadAnnotations();
    bool loading() const { return loading_; }

signals:
    // A search for annotation files ended: `shapes` added from `files` files.
    void annotationsLoaded(int files, int shapes);

private:
    void onImageShown();
    void askText(const QPointF& imagePos);

    MainWindow* window_;
    MeasurementLayer* layer_;
    MeasurementPanel* panel_;
    QDockWidget* dock_;
    QActionGroup* tools_;
    QList<QAction*> actions_;
    bool loading_ = false;
};

} // namespace sinar::ui
