#pragma once
// The series-level result under the image: every slice of the shown series
// classified in the background, one cell per slice coloured by its class
// (pale and hatched where the model cannot judge the slice: outside its
// scope or unlike its training images; crossed where it failed), the slices
// that drive the result marked, the shown slice outlined, and one line with
// the aggregate and the rule it follows (eval/series_result.h). Clicking a
// cell shows that slice. The slices are classified on a thread of their own
// (RowJob): another series is never kept waiting by a slice stuck in a codec.
#include <QWidget>
#include <memory>
#include <vector>

#include "eval/series_result.h"
#include "ui/classify/batch_panel.h"
#include "ui/classify/model_handle.h"
#include "ui/viewer/image_stack.h"
#include "ui/widgets/background_job.h"

namespace sinar::ui {

class SeriesStrip : public QWidget {
    Q_OBJECT
public:
    explicit SeriesStrip(QWidget* parent = nullptr);
    ~SeriesStrip() override;

    // Classifies every image of `stack` with `model`, unless that is what it
    // shows already; a run still going is cancelled first. Hidden for a stack
    // of fewer than two images.
    void start(std::shared_ptr<const ImageStack> stack, std::shared_ptr<const ModelHandle> model);
    void clear();
    void setCurrent(int index);

    bool running() const;
    const std::shared_ptr<const ImageStack>& stack() const { return stack_; }
    const std::vector<BatchRow>& rows() const { return rows_; }
    const eval::SeriesResult& result() const { return result_; }
    // The line above the cells: "Series: glioma 91.2 % — mean of ... ; driven by images 7, 8, 9".
    QString summaryText() const;
    // The cell of slice `index` in widget coordinates.
    QRect cellRect(int index) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void sliceRequested(int index);
    void resultChanged();

protected:
    void paintEvent(QPaintEvent*) override;
    void mousePressEvent(QMouseEvent* e) override;
    bool event(QEvent* e) override;

private:
    void onRow(const BatchRow& row);
    QRect cellsArea() const;
    int cellAt(const QPoint& p) const;
    static QColor classColour(int index);

    RowJob<BatchRow> job_;
    std::shared_ptr<const ImageStack> stack_;
    std::shared_ptr<const ModelHandle> model_;
    QStringList classNames_;
    std::vector<BatchRow> rows_;
    std::vector<eval::SliceResult> slices_; // rows_ as the aggregate reads them, kept in step
    eval::SeriesResult result_;
    int current_ = -1;
};

} // namespace sinar::ui
