#pragma once
// The study browser: a Patient -> Study -> Series tree with a thumbnail per
// series; a series with gantry tilt, irregular spacing or missing slices is
// marked (⚠, the facts in its tooltip). Selecting a series asks the window to
// show it; a series can be dragged onto a comparison viewport.
#include <QWidget>
#include <memory>
#include <vector>

#include "ui/viewer/image_stack.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace sinar::ui {

class StudyBrowser : public QWidget {
    Q_OBJECT
public:
    explicit StudyBrowser(QWidget* parent = nullptr);

    // Adds series, merged into the patients and studies already shown.
    void addSeries(const std::vector<std::shared_ptr<const ImageStack>>& series);
    void clear();
    int seriesCount() const { return static_cast<int>(series_.size()); }
    std::shared_ptr<const ImageStack> series(int i) const { return series_.at(static_cast<size_t>(i)); }
    // Marks `stack` as the one shown (without emitting seriesActivated).
    void setCurrent(const std::shared_ptr<const ImageStack>& stack);
    QTreeWidget* tree() const { return tree_; }

signals:
    void seriesActivated(std::shared_ptr<const sinar::ui::ImageStack> stack);

private:
    QTreeWidgetItem* findOrAdd(QTreeWidgetItem* parent, const QString& key, const QString& text);

    QTreeWidget* tree_;
    std::vector<std::shared_ptr<const ImageStack>> series_;
    bool quiet_ = false;
};

} // namespace sinar::ui
