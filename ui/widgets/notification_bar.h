#pragma once
// A non-modal strip above the image that collects files that failed to load
// ("3 files could not be loaded", details on demand) instead of a storm of
// message boxes.
#include <QFrame>
#include <vector>

#include "common/progress.h"

class QLabel;
class QListWidget;
class QToolButton;

namespace sinar::ui {

class NotificationBar : public QFrame {
    Q_OBJECT
public:
    explicit NotificationBar(QWidget* parent = nullptr);

    void addFailures(const std::vector<FileFailure>& failures);
    void addFailure(const QString& file, const QString& reason);
    // A one-line note without details (e.g. "12 files without images skipped").
    void showNote(const QString& text);
    void dismiss();
    int failureCount() const { return static_cast<int>(failures_.size()); }
    QString text() const;

private:
    void refresh();

    std::vector<FileFailure> failures_;
    QString note_;
    QLabel* label_;
    QToolButton* detailsButton_;
    QToolButton* closeButton_;
    QListWidget* list_;
};

} // namespace sinar::ui
