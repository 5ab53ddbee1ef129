#pragma once
// Sinar's main window: study browser (left), image view (centre), the
// classification panel (right) and batch results (bottom). Opening, scanning
// and image loading run in the background; the window never waits for them.
// It composes panels and connects them; the pieces with state of their own
// live in their classes: ImageInfoPanel (the Image information dock),
// CornerAnnotations (the view's corners), HeatMapOverlay (the heat map on the
// single, side-by-side and MPR views, and its export), VolumeLoader (the MPR
// volume), StudyOpener (scanning what is opened), SeriesImageLoader (the
// series' images, cached) and TrainingPage (the Training tab).
#include <QHash>
#include <QMainWindow>
#include <memory>
#include <optional>
#include <opencv2/core.hpp>

#include "explain/colour_map.h"
#include "explain/explain.h"
#include "ui/shell/app_settings.h"
#include "ui/classify/classifier.h"
#include "ui/viewer/comparison_view.h"
#include "ui/viewer/image_stack.h"
#include "ui/viewer/series_image_loader.h"
#include "ui/viewer/study_opener.h"
#include "ui/viewer/volume_loader.h"

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QScrollArea;
class QSpinBox;
class QStackedWidget;
class QTabWidget;
class QTimer;
class QToolButton;

namespace sinar::ui {

class JobTicket;

class BatchPanel;
class ClassificationPanel;
class HeatMapControls;
class HeatMapOverlay;
class ImageInfoPanel;
class ImageView;
class MprView;
class NotificationBar;
class PacsDialog;
class StudyBrowser;
class TrainingPage;
class WelcomePage;
class SeriesStrip;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Scans files, folders or a DICOMDIR in the background and shows the
    // first series (or the file named first). Adds to what is open.
    void openPaths(const QStringList& paths);
    // Closes every study and shows the welcome page.
    void closeAll();
    // The welcome page (while no study is open): how to open images, recent studies, the models.
    void showWelcome();
    WelcomePage* welcomePage() const { return welcome_; }
    // The series-level result under the image.
    SeriesStrip* seriesStrip() const { return strip_; }
    HeatMapOverlay* heatMapOverlay() const { return heat_; }
    void showSeries(std::shared_ptr<const ImageStack> stack, int index = 0);
    void showIndex(int index);
    void step(int delta);
    void loadModel(const QString& path);

    std::shared_ptr<const ImageStack> currentStack() const { return stack_; }
    int currentIndex() const { return index_; }
    // The index of the image on screen (which may lag currentIndex while loading).
    int shownIndex() const { return shownIndex_; }
    // No scan, image load, model load or classification running.
    bool isIdle() const;
    // Writes the settings to disk now: before an exit that may not run the destructors.
    void syncSettings() { settings_.sync(); }
    bool scanning() const;

    ImageView* view() const { return view_; }
    // The right-hand view of the side-by-side layout (the image with its heat map).
    ImageView* sideView() const { return sideView_; }
    ClassificationPanel* classificationPanel() const { return panel_; }
    BatchPanel* batchPanel() const { return batch_; }
    StudyBrowser* studyBrowser() const { return browser_; }
    NotificationBar* notifications() const { return notes_; }
    QList<QAction*> shortcutActions() const;

    // The hanging layout of the viewer: one viewport (the image view), or
    // 1x2 / 2x2 viewports comparing series; the choice is kept in the
    // settings unless `remember` is false (command line).
    void setComparisonLayout(ComparisonView::Layout layout, bool remember = true);
    ComparisonView* comparisonView() const { return comparison_; }

    // Switches between the single image view and the three-pane MPR of the
    // current series (its volume is built in the background).
    void setMprLayout(bool on);
    bool mprLayout() const;
    MprView* mprView() const { return mpr_; }
    bool volumeLoading() const;
    bool cineRunning() const;
    // The cine's frames per second (1..30; the status bar's spin box, [ and ]), kept in the settings.
    void setCineRate(int fps);
    int cineRate() const;
    int cineInterval() const; // milliseconds between frames

    // The Training tab (a panel with its own worker thread).
    TrainingPage* trainingPage() const { return training_; }
    void showTrainingTab();
    void showViewerTab();
    bool trainingTabShown() const;

    void batchClassifySeries();
    void applyWindowPreset(int kind);

    // Heat map: turns the overlay on with `method` (and the side-by-side view
    // when asked) without storing the choice in the settings (command line).
    // Turns the heat map on for this session (command line; not saved).
    void showHeatMap(explain::Method method, bool sideBySide, std::optional<explain::ColourMap> colours = {});
    // Two views, plain and with the heat map, with linked zoom, pan and window.
    void setSideBySide(bool on);
    bool sideBySide() const;
    // The map of the image on screen (CV_32F at its size), or empty.
    const cv::Mat& heatMap() const;
    // The overlay is on but the shown image's map (or the reason there is
    // none) has not arrived yet.
    bool heatMapPending() const;
    // Writes the shown image in its current window, at its own size, with the
    // heat map blended at the current opacity and colour map, in the
    // background; overlayExported follows.
    void exportOverlayPng(const QString& path);

    // DICOM files of the study on screen (every open series of it).
    QStringList openStudyFiles() const;
    // File > Query/retrieve: the PACS dialog (created once, kept; shown).
    PacsDialog* showPacsDialog();
    PacsDialog* pacsDialog();
    // Classify > Send the result to the PACS: the shown image's classification
    // with its heat map as a Secondary Capture and a Comprehensive SR
    // (core/pacs/result_objects.h), stored in the PACS dialog's node; resultSent follows.
    void sendResultToPacs();
    // Anonymised copies of the study on screen into `folder`, in the
    // background; anonymisedExported follows.
    void exportAnonymised(const QString& folder);

signals:
    void scanFinished(int seriesAdded);
    void anonymisedExported(const QString& folder, bool ok);
    void resultSent(bool ok, const QString& error);
    void imageShown(int index);
    // An overlay export finished; `error` is empty on success.
    void overlayExported(const QString& path, const QString& error);

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    void fillComparisonViewports();
    // Starts (or clears) the series strip for the shown series and model.
    void updateSeriesStrip();
    // In the MPR layout, says where the classified image is, or hides its result when no pane shows it.
    void updateResultPlacement();
    using Loaded = SeriesImageLoader::Result;
    void buildMenus();
    void buildDocks();
    void onScanStarted(const QStringList& paths);
    void onScanFinished(const ScanResult& result);
    void onLoaded(const Loaded& loaded);
    void display(const Loaded& loaded);
    void updateRecentMenu();
    void openFileDialog();
    void openFolderDialog();
    void batchClassifyFolder();
    void setTheme(const QString& theme);
    void toggleCine(bool on);
    void showShortcuts();
    void showAbout();
    void exportView();
    void exportAnonymisedDialog();
    void onVolumeLoaded(const VolumeLoader::Result& result);
    void connectHeatMap();
    void exportOverlayDialog();
    HeatMapControls* heatControls() const;
    void connectTraining();
    QTabWidget* centralTabs_ = nullptr;
    TrainingPage* training_ = nullptr;
    QList<QAction*> trainingActions_;
    QHash<QDockWidget*, bool> dockVisibility_; // while a page without the viewer's docks is shown

    AppSettings settings_;
    ImageView* view_;
    ImageView* sideView_;
    QWidget* singlePage_; // the comparison viewports (view_ first), and sideView_ beside them
    ComparisonView* comparison_ = nullptr;
    QList<QAction*> layoutActions_; // 1x1, 1x2, 2x2
    NotificationBar* notes_;
    StudyBrowser* browser_;
    ClassificationPanel* panel_;
    BatchPanel* batch_;
    ImageInfoPanel* infoPanel_;
    QDockWidget* browserDock_;
    QDockWidget* panelDock_;
    QDockWidget* batchDock_;
    QDockWidget* infoDock_;
    QLabel* readout_;
    QLabel* position_;
    QProgressBar* scanProgress_;
    QToolButton* scanCancel_;
    QTimer* cine_;
    QSpinBox* cineRate_ = nullptr;
    WelcomePage* welcome_ = nullptr;
    SeriesStrip* strip_ = nullptr;
    QScrollArea* trainingScroll_ = nullptr; // holds training_
    QStackedWidget* centralStack_;
    MprView* mpr_;
    QAction* actMpr_ = nullptr;
    VolumeLoader* volumes_; // builds the MPR volume of the current series
    std::shared_ptr<const ImageStack> volumeStack_; // the stack mpr_ shows

    std::shared_ptr<const ImageStack> stack_;
    int index_ = -1;
    int shownIndex_ = -1;
    int settledIndex_ = -1; // the last index whose load finished, shown or failed
    std::shared_ptr<const ImageStack> shownStack_;
    SeriesImageLoader* images_; // loads (and caches) the images of stack_

    StudyOpener* opener_; // scans what is opened
    std::shared_ptr<JobTicket> folderScan_; // the listing of a folder to batch-classify
    QString scanFocus_;   // the file to show first when the next scan ends

    QMenu* recentMenu_ = nullptr;
    QActionGroup* themeGroup_ = nullptr;
    QList<QAction*> actions_;
    QAction* actAnnotations_ = nullptr;
    QAction* actInvert_ = nullptr;
    QAction* actCine_ = nullptr;
    QAction* actAutoRun_ = nullptr;
    QList<QAction*> presetActions_;

    HeatMapOverlay* heat_ = nullptr; // draws the shown image's heat map on the views
    bool persistHeatMap_ = true; // false while applying settings or command-line choices
    QAction* actOverlay_ = nullptr;
    QAction* actSideBySide_ = nullptr;
    PacsDialog* pacs_ = nullptr;
};

} // namespace sinar::ui
