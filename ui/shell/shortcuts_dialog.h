#pragma once
// Help → Keyboard shortcuts: every action with a shortcut, and the mouse gestures.
#include <QDialog>
#include <QList>

class QAction;
class QTableWidget;

namespace sinar::ui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);
    int rowCount() const;

private:
    QTableWidget* table_;
};

} // namespace sinar::ui
