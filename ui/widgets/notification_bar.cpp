#include "ui/widgets/notification_bar.h"

#include <algorithm>

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace sinar::ui {

NotificationBar::NotificationBar(QWidget* parent) : QFrame(parent)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    auto* row = new QHBoxLayout;
    label_ = new QLabel(this);
    label_->setWordWrap(true);
    row->addWidget(label_, 1);
    detailsButton_ = new QToolButton(this);
    detailsButton_->setText(tr("Details"));
    detailsButton_->setCheckable(true);
    row->addWidget(detailsButton_);
    closeButton_ = new QToolButton(this);
    closeButton_->setText(QStringLiteral("✕"));
    closeButton_->setToolTip(tr("Dismiss"));
    row->addWidget(closeButton_);
    layout->addLayout(row);
    list_ = new QListWidget(this);
    list_->setMaximumHeight(140);
    list_->setVisible(false);
    layout->addWidget(list_);
    connect(detailsButton_, &QToolButton::toggled, list_, &QWidget::setVisible);
    connect(closeButton_, &QToolButton::clicked, this, &NotificationBar::dismiss);
    setVisible(false);
}

void NotificationBar::addFailures(const std::vector<FileFailure>& failures)
{
    for (const FileFailure& f : failures) {
        // The same file can fail in two readers (the study scan, then the search for
        // annotation files beside it): it is listed once for each reason.
        const bool listed = std::any_of(failures_.begin(), failures_.end(), [&](const FileFailure& g) {
            return g.file == f.file && g.reason == f.reason;
        });
        if (listed)
            continue;
        failures_.push_back(f);
        auto* item = new QListWidgetItem(QStringLiteral("%1 — %2").arg(QFileInfo(QString::fromStdString(f.file)).fileName(),
                                                                         QString::fromStdString(f.reason)));
        item->setToolTip(QString::fromStdString(f.file));
        list_->addItem(item);
    }
    refresh();
}

void NotificationBar::addFailure(const QString& file, const QString& reason)
{
    addFailures({FileFailure{file.toStdString(), reason.toStdString()}});
}

void NotificationBar::showNote(const QString& text)
{
    note_ = text;
    refresh();
}

void NotificationBar::dismiss()
{
    failures_.clear();
    note_.clear();
    list_->clear();
    detailsButton_->setChecked(false);
    setVisible(false);
}

QString NotificationBar::text() const
{
    return label_->text();
}

void NotificationBar::refresh()
{
    QStringList parts;
    if (failures_.size() == 1)
        parts << tr("1 file could not be loaded: %1").arg(list_->item(0)->text());
    else if (!failures_.empty())
        parts << tr("%1 files could not be loaded.").arg(failures_.size());
    if (!note_.isEmpty())
        parts << note_;
    label_->setText(parts.join(QStringLiteral("  ")));
    detailsButton_->setVisible(failures_.size() > 1);
    setVisible(!parts.isEmpty());
}

} // namespace sinar::ui
