#pragma once
// The held-out test images of one confusion-matrix cell (true class ×
// predicted class), most confident first, each with its probability and its
// quality measures (mean grey level, contrast, sharpness and the flags the
// viewer raises): the study's error analysis. Thumbnails and measures load in
// the background; double-clicking an image (or Enter) asks the viewer to open
// it with the run's model and its Grad-CAM overlay.
#include <QDialog>
#include <QFutureWatcher>
#include <atomic>
#include <memory>
#include <vector>

#include "ui/training/training_worker.h"

class QLabel;
class QListWidget;

namespace sinar::ui {

struct GalleryEntry {
    QString path;       // file, or "FILE.npz#subset/INDEX"
    double confidence = 0; // probability of the predicted class
    double truthProbability = 0;
};

class ConfusionGallery : public QDialog {
    Q_OBJECT
public:
    ConfusionGallery(const TrainingOutcome& outcome, int truth, int predicted, QWidget* parent = nullptr);
    ~ConfusionGallery() override;

    // The cell's images, most confident first.
    const std::vector<GalleryEntry>& entries() const { return entries_; }
    QListWidget* list() const { return list_; }
    bool loading() const;

    // The images of a cell, most confident first (also used by tests).
    static std::vector<GalleryEntry> cellEntries(const TrainingOutcome& outcome, int truth, int predicted);

signals:
    void openRequested(const QString& path);

private:
    struct Thumb;
    std::vector<GalleryEntry> entries_;
    QListWidget* list_;
    QLabel* summary_;
    QFutureWatcher<std::shared_ptr<std::vector<Thumb>>>* watcher_;
    std::shared_ptr<std::atomic<bool>> stop_;
};

} // namespace sinar::ui
