#pragma once
// A confusion matrix as a colour map: truth on y (first class at the top),
// prediction on x, each cell labelled with its count and its share of the
// true class. Colours follow counts or row percentages (setNormalised).
// Clicking a cell emits cellClicked(truth, predicted).
#include <QPoint>
#include <QString>
#include <QWidget>
#include <string>
#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPTextElement;
class QCheckBox;

namespace sinar::ui {

class ConfusionMatrixView : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);

    // counts[true][predicted]; rows or columns missing from a ragged matrix count 0.
    void setMatrix(const std::vector<std::vector<long>>& counts, const std::vector<std::string>& classNames,
                   const QString& title = QString());
    void clear();
    // true: colours (and the first text line) are row percentages; false: counts.
    void setNormalised(bool on);
    bool normalised() const { return normalised_; }

    // width/height 0: the widget's size.
    bool exportPng(const QString& fileName, int width = 0, int height = 0);
    // Replots now (tests, screenshots).
    void flush();

    long total() const;
    int classCount() const { return static_cast<int>(names_.size()); }
    // The text drawn in a cell; empty when out of range.
    QString cellText(int truth, int predicted) const;
    // Widget coordinates of a cell's centre in the plot (after flush()).
    QPoint cellCentre(int truth, int predicted) const;
    QCustomPlot* plot() const { return plot_; }

signals:
    void cellClicked(int truth, int predicted);
    void normalisedChanged(bool on);

protected:
    void changeEvent(QEvent* event) override;

private:
    void refresh();
    void applyTheme();
    void exportWithDialog();

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPTextElement* title_ = nullptr;
    QCheckBox* normalisedCheck_ = nullptr;
    std::vector<std::vector<long>> counts_;
    std::vector<std::string> names_;
    bool normalised_ = false;
    QPoint pressPos_;
    bool pressed_ = false;
};

} // namespace sinar::ui
