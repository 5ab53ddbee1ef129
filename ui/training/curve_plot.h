#pragma once
// Training curves: three stacked axis rects sharing one x axis — loss on top
// (raw per-batch loss drawn faint, its debiased exponential moving average on
// top, per-epoch train and validation loss), accuracy in the middle, learning
// rate at the bottom. Adding points only marks the plot dirty; a timer replots
// at most four times a second. Zoom and pan with the mouse, double-click to fit.
#include <QColor>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QSize>
#include <QWidget>
#include <functional>
#include <vector>

class QCustomPlot;
class QCPAxisRect;
class QCPGraph;
class QCPLegend;
class QCPItemStraightLine;
class QCPItemText;
class QCheckBox;
class QComboBox;
class QLabel;
class QMenu;
class QSlider;
class QPalette;

namespace sinar::ui {

// Colours the axes, grid, legends and text of `plot` from `palette` (works
// for the dark and the light theme); shared by the training plots.
void applyPlotPalette(QCustomPlot* plot, const QPalette& palette);
// Series colours readable on dark and light backgrounds; index wraps around.
QColor seriesColour(int index);
// QCustomPlot::savePng at width x height; 0 means the plot's own size, or
// `fallback` while the plot has not been laid out.
bool savePlotPng(QCustomPlot* plot, const QString& fileName, int width, int height, QSize fallback);
// Asks for a file name (the extension of `defaultName` is added when
// missing), writes it with `write` and tells the user when that fails.
void exportWithFileDialog(QWidget* parent, const QString& caption, const QString& defaultName, const QString& filter,
                          const std::function<bool(const QString&)>& write);

class CurvePlot : public QWidget {
    Q_OBJECT
public:
    enum class XAxis { Epoch, Step, WallTime };
    Q_ENUM(XAxis)

    explicit CurvePlot(QWidget* parent = nullptr);
    ~CurvePlot() override;

    // One training batch. `epochPos` is fractional epochs done (batches of
    // epoch 1 lie in (0, 1]), `wallSeconds` seconds since the run started.
    void addBatch(long long step, double epochPos, double wallSeconds, double loss);
    // One finished epoch (1-based, drawn at x = epoch). NaN leaves a gap
    // (e.g. no validation set).
    void addEpoch(int epoch, long long step, double wallSeconds, double trainLoss, double valLoss, double trainAcc,
                  double valAcc, double lr);
    // Marks the best epoch with a dashed line and a label in every rect; 0 or
    // less removes the mark.
    void setBestEpoch(int epoch);
    int bestEpoch() const { return bestEpoch_; }

    // TensorBoard-style debiased EMA weight in [0, 0.999]; recomputed from the
    // raw batch losses, which are never changed.
    void setSmoothing(double weight);
    double smoothing() const { return smoothing_; }
    void setXAxis(XAxis axis);
    XAxis xAxis() const { return xAxis_; }
    void setLogScale(bool on);
    bool logScale() const { return logScale_; }

    // Overlays another run's per-epoch curves (train loss dashed, validation
    // loss and accuracy solid) in its own colour; shown on the epoch x axis only.
    void addComparisonRun(const QString& name, const std::vector<double>& epochs, const std::vector<double>& trainLoss,
                          const std::vector<double>& valLoss, const std::vector<double>& valAcc);
    void clearComparisons();
    int comparisonCount() const { return static_cast<int>(comparisons_.size()); }

    // Removes every point, the best-epoch mark and the comparisons.
    void clear();
    // Fits all axes to the data and follows new data again (as a double-click).
    void fit();
    // Replots now (tests, screenshots); otherwise the timer does it, and only
    // while the widget is visible.
    void flush();

    // width/height 0: the widget's size.
    bool exportPng(const QString& fileName, int width = 0, int height = 0);
    bool exportPdf(const QString& fileName);
    // Two CSV tables separated by a blank line: the batch series
    // (step,epoch_pos,wall_seconds,loss,smoothed_loss) and the epoch series.
    bool exportCsv(const QString& fileName) const;

    // Shows or hides the row of controls above the plot.
    void setControlsVisible(bool visible);

    int batchPointCount() const { return static_cast<int>(batches_.size()); }
    int epochPointCount() const { return static_cast<int>(epochs_.size()); }
    // The smoothed loss of the last batch; NaN with no batches.
    double smoothedLast() const;
    // The smoothed losses of all batches, in order.
    std::vector<double> smoothedLosses() const;
    std::vector<double> rawLosses() const;
    QCustomPlot* plot() const { return plot_; }
    QCPAxisRect* lossRect() const { return rects_[0]; }
    QCPAxisRect* accuracyRect() const { return rects_[1]; }
    QCPAxisRect* learningRateRect() const { return rects_[2]; }
    bool replotPending() const { return dirty_; }

signals:
    void xAxisChanged(sinar::ui::CurvePlot::XAxis axis);

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    struct Batch {
        long long step;
        double epochPos, wall, loss, smoothed;
    };
    struct Epoch {
        int epoch;
        long long step;
        double wall, trainLoss, valLoss, trainAcc, valAcc, lr;
    };
    struct Comparison {
        QString name;
        std::vector<double> epochs, trainLoss, valLoss, valAcc;
        QColor colour;
        QCPGraph *trainLossGraph = nullptr, *valLossGraph = nullptr, *valAccGraph = nullptr;
    };

    void buildControls();
    void buildPlot();
    void applyTheme();
    void markDirty();
    void onTimer();
    void replotAll();
    void fitRanges();
    void updateBestMarker();
    void updateComparisonVisibility();
    void syncControls();
    double pickX(long long step, double epochValue, double wall) const;
    double batchX(const Batch& b) const { return pickX(b.step, b.epochPos, b.wall); }
    double epochX(const Epoch& e) const { return pickX(e.step, e.epoch, e.wall); }
    double smoothNext(double loss);
    void showContextMenu(const QPoint& pos);
    void exportWithDialog(const QString& format);
    void applyXAxisTicker();

    QCustomPlot* plot_ = nullptr;
    QWidget* controls_ = nullptr;
    QSlider* smoothingSlider_ = nullptr;
    QLabel* smoothingValue_ = nullptr;
    QComboBox* xAxisCombo_ = nullptr;
    QCheckBox* logCheck_ = nullptr;
    QCPAxisRect* rects_[3] = {nullptr, nullptr, nullptr};
    QCPLegend* legends_[2] = {nullptr, nullptr};
    QCPGraph *rawGraph_ = nullptr, *smoothGraph_ = nullptr, *trainLossGraph_ = nullptr, *valLossGraph_ = nullptr;
    QCPGraph *trainAccGraph_ = nullptr, *valAccGraph_ = nullptr, *lrGraph_ = nullptr;
    QCPItemStraightLine* bestLines_[3] = {nullptr, nullptr, nullptr};
    QCPItemText* bestLabels_[3] = {nullptr, nullptr, nullptr};

    std::vector<Batch> batches_;
    std::vector<Epoch> epochs_;
    std::vector<Comparison> comparisons_;
    double smoothing_ = 0.6;
    double ema_ = 0;
    long emaCount_ = 0;
    XAxis xAxis_ = XAxis::Epoch;
    bool logScale_ = false;
    int bestEpoch_ = 0;
    bool dirty_ = false;
    bool follow_ = true; // refit on new data until the user zooms or pans
    QTimer timer_;
};

} // namespace sinar::ui
