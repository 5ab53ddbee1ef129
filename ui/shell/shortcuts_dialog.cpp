#include "ui/shell/shortcuts_dialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QTableWidget>
#include <QVBoxLayout>

namespace sinar::ui {

ShortcutsDialog::ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Keyboard shortcuts"));
    resize(520, 640);
    auto* layout = new QVBoxLayout(this);
    table_ = new QTableWidget(this);
    table_->setColumnCount(2);
    table_->setHorizontalHeaderLabels({tr("Keys"), tr("Action")});
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionMode(QAbstractItemView::NoSelection);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setAlternatingRowColors(true);

    auto add = [&](const QString& keys, const QString& what) {
        const int r = table_->rowCount();
        table_->insertRow(r);
        table_->setItem(r, 0, new QTableWidgetItem(keys));
        table_->setItem(r, 1, new QTableWidgetItem(what));
    };
    for (QAction* a : actions) {
        const QList<QKeySequence> keys = a->shortcuts();
        if (keys.isEmpty())
            continue;
        QStringList k;
        for (const QKeySequence& s : keys)
            k << s.toString(QKeySequence::NativeText);
        QString text = a->text();
        text.remove('&');
        add(k.join(QStringLiteral("  or  ")), text.remove(QStringLiteral("…")));
    }
    add(tr("Right-drag"), tr("Window/level: horizontal width, vertical level"));
    add(tr("Shift + left-drag"), tr("Window/level (for touchpads)"));
    add(tr("Left-drag"), tr("Pan"));
    add(tr("Wheel"), tr("Previous / next image of the series"));
    add(tr("Ctrl + wheel"), tr("Zoom about the cursor"));
    add(tr("Double-click"), tr("Fit the image to the view"));
    table_->resizeColumnToContents(0);
    layout->addWidget(table_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

int ShortcutsDialog::rowCount() const
{
    return table_->rowCount();
}

} // namespace sinar::ui
