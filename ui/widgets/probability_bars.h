#pragma once
// Horizontal bars, one per class, with the probability in per cent; the most
// probable class is highlighted.
#include <QStringList>
#include <QWidget>
#include <vector>

namespace sinar::ui {

class ProbabilityBars : public QWidget {
    Q_OBJECT
public:
    explicit ProbabilityBars(QWidget* parent = nullptr);

    void setProbabilities(const QStringList& classNames, const std::vector<float>& probabilities);
    void clear();
    // Greys the bars out while a newer result is being computed.
    void setStale(bool stale);

    const QStringList& classNames() const { return names_; }
    const std::vector<float>& probabilities() const { return values_; }

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent*) override;

private:
    QStringList names_;
    std::vector<float> values_;
    bool stale_ = false;
};

} // namespace sinar::ui
