#pragma once
// Help → About: version, the libraries Sinar runs on, and the loaded model's card.
#include <QDialog>

class QLabel;

namespace sinar::ui {

class ModelHandle;

class AboutDialog : public QDialog {
    Q_OBJECT
public:
    explicit AboutDialog(const ModelHandle* model, QWidget* parent = nullptr);
    static QString librariesText();
};

} // namespace sinar::ui
