#pragma once
// Sinar's main window: study browser (left), image view (centre), the
// classification panel (right) and batch results (bottom). Opening, scanning
// and image loading run in the background; the window never waits for them.
#include <QFutureWatcher>
#include <QMainWindow>
#include <map>
#include <memory>

#include "common/cancel_token.h"
#include "ui/app_settings.h"
#include "ui/image_stack.h"
#include "ui/latest_runner.h"
#include "ui/study_scanner.h"
#include "dicom/volume.h"

class QAction;
class QActionGroup;
class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QTableWidget;
class QTreeWidget;
class QLineEdit;
class QTimer;
class QToolButton;

namespace sinar::ui {

class BatchPanel;
class ClassificationPanel;
class ImageView;
class MprView;
class NotificationBar;
class StudyBrowser;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Scans files, folders or a DICOMDIR in the background and shows the
    // first series (or the file named first). Adds to what is open.
    void openPaths(const QStringList& paths);
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
    bool scanning() const;

    ImageView* view() const { return view_; }
    ClassificationPanel* classificationPanel() const { return panel_; }
    BatchPanel* batchPanel() const { return batch_; }
    StudyBrowser* studyBrowser() const { return browser_; }
    NotificationBar* notifications() const { return notes_; }
    QList<QAction*> shortcutActions() const;

    // Switches between the single image view and the three-pane MPR of the
    // current series (its volume is built in the background).
    void setMprLayout(bool on);
    bool mprLayout() const;
    MprView* mprView() const { return mpr_; }
    bool volumeLoading() const;

    void batchClassifySeries();
    void applyWindowPreset(int kind);

signals:
    void scanFinished(int seriesAdded);
    void imageShown(int index);

protected:
    void closeEvent(QCloseEvent*) override;
    void dragEnterEvent(QDragEnterEvent*) override;
    void dropEvent(QDropEvent*) override;

private:
    struct Loaded {
        std::shared_ptr<const ImageStack> stack;
        int index = -1;
        LoadedImage image;
        QString error;
    };
    void buildMenus();
    void buildDocks();
    void onScanFinished();
    void onLoaded(Loaded loaded);
    void display(const Loaded& loaded);
    void updateAnnotations(const Loaded& loaded);
    void updateInfoTable(const Loaded& loaded);
    void updateRecentMenu();
    void openFileDialog();
    void openFolderDialog();
    void batchClassifyFolder();
    void setTheme(const QString& theme);
    void toggleCine(bool on);
    void showShortcuts();
    void showAbout();
    void exportView();
    void onVolumeLoaded();

    AppSettings settings_;
    ImageView* view_;
    NotificationBar* notes_;
    StudyBrowser* browser_;
    ClassificationPanel* panel_;
    BatchPanel* batch_;
    QTableWidget* infoTable_;
    QTreeWidget* tagTree_ = nullptr;      // every attribute of the shown DICOM file
    QLineEdit* tagFilter_ = nullptr;
    void updateTagTree(const QString& path, const LoadedImage& image);
    QDockWidget* browserDock_;
    QDockWidget* panelDock_;
    QDockWidget* batchDock_;
    QDockWidget* infoDock_;
    QLabel* readout_;
    QLabel* position_;
    QProgressBar* scanProgress_;
    QToolButton* scanCancel_;
    QTimer* cine_;
    QStackedWidget* centralStack_;
    MprView* mpr_;
    QAction* actMpr_ = nullptr;
    struct VolumeLoad {
        std::shared_ptr<const ImageStack> stack;
        std::shared_ptr<const dicom::Volume> volume;
        QString error;
    };
    QFutureWatcher<VolumeLoad>* volumeWatcher_;
    std::shared_ptr<CancelToken> volumeCancel_;
    std::shared_ptr<const ImageStack> volumeStack_; // the stack mpr_ shows

    std::shared_ptr<const ImageStack> stack_;
    int index_ = -1;
    int shownIndex_ = -1;
    int settledIndex_ = -1; // the last index whose load finished, shown or failed
    std::shared_ptr<const ImageStack> shownStack_;
    std::map<int, LoadedImage> cache_; // recently loaded images of the current stack
    LatestRunner<Loaded> loader_;

    QFutureWatcher<ScanResult>* scanWatcher_;
    std::shared_ptr<CancelToken> scanCancelToken_;
    QStringList pendingScans_;
    QString scanFocus_;

    QMenu* recentMenu_ = nullptr;
    QActionGroup* themeGroup_ = nullptr;
    QList<QAction*> actions_;
    QAction* actAnnotations_ = nullptr;
    QAction* actInvert_ = nullptr;
    QAction* actCine_ = nullptr;
    QAction* actAutoRun_ = nullptr;
    QList<QAction*> presetActions_;
};

} // namespace sinar::ui
