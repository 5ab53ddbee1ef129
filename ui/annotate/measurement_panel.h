#pragma once
// The Measurements dock: the shown image's calibration, its measurements and
// annotations (select, remove), whether it is a key image, and saving them.
#include <QWidget>

class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace sinar::ui {

class MeasurementLayer;

class MeasurementPanel : public QWidget {
    Q_OBJECT
public:
    explicit MeasurementPanel(MeasurementLayer* layer, QWidget* parent = nullptr);

    QListWidget* list() const { return list_; }
    QPushButton* saveButton() const { return save_; }
    // A line under the list: what was saved or loaded, or why not.
    void setStatus(const QString& text);
    QString status() const;

signals:
    void saveRequested();

private:
    void refresh();

    MeasurementLayer* layer_;
    QLabel* calibration_;
    QListWidget* list_;
    QPushButton* remove_;
    QCheckBox* key_;
    QPushButton* save_;
    QLabel* status_;
    bool quiet_ = false;
};

} // namespace sinar::ui
