#include "ui/training/run_history.h"

#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTextStream>
#include <QUrl>
#include <QVBoxLayout>
#include <set>

#include "ui/shell/app_settings.h"
#include "ui/training/curve_plot.h"

namespace sinar::ui {

bool readRunSummary(const QString& dirPath, RunSummary& r)
{
    const QDir dir(dirPath);
    const bool hasHistory = dir.exists(QStringLiteral("history.csv"));
    const bool hasCheckpoint = dir.exists(QStringLiteral("checkpoint.pt"));
    if (!hasHistory && !hasCheckpoint)
        return false;
    r = {};
    r.dir = dir.absolutePath();
    r.name = dir.dirName();
    if (r.name == QLatin1String("model.sinar.run") || r.name.endsWith(QLatin1String(".run")))
        r.name = QFileInfo(dir.absolutePath()).fileName();
    QFile csv(dir.filePath(QStringLiteral("history.csv")));
    if (csv.open(QIODevice::ReadOnly)) {
        QTextStream in(&csv);
        const QStringList header = in.readLine().split(QLatin1Char(','));
        const int ep = header.indexOf(QStringLiteral("epoch")), tl = header.indexOf(QStringLiteral("train_loss")),
                  vl = header.indexOf(QStringLiteral("val_loss")), va = header.indexOf(QStringLiteral("val_accuracy"));
        while (!in.atEnd()) {
            const QStringList f = in.readLine().split(QLatin1Char(','));
            if (ep < 0 || f.size() <= std::max({ep, tl, vl, va}))
                continue;
            r.epoch.push_back(f[ep].toDouble());
            r.trainLoss.push_back(tl >= 0 ? f[tl].toDouble() : 0);
            r.valLoss.push_back(vl >= 0 ? f[vl].toDouble() : 0);
            r.valAccuracy.push_back(va >= 0 ? f[va].toDouble() : 0);
            if (vl >= 0 && (r.bestValLoss < 0 || f[vl].toDouble() < r.bestValLoss)) {
                r.bestValLoss = f[vl].toDouble();
                r.bestEpoch = f[ep].toInt();
            }
        }
    }
    r.epochs = static_cast<int>(r.epoch.size());
    QFile metrics(dir.filePath(QStringLiteral("test_metrics.json")));
    const bool finished = dir.exists(QStringLiteral("model.sinar")) || metrics.exists();
    if (metrics.open(QIODevice::ReadOnly)) {
        const QJsonObject o = QJsonDocument::fromJson(metrics.readAll()).object();
        r.accuracy = o.value(QStringLiteral("accuracy")).toDouble(-1);
        r.macroF1 = o.value(QStringLiteral("macro_f1")).toDouble(-1);
        r.rocAuc = o.value(QStringLiteral("roc_auc")).toDouble(-1);
        r.testImages = o.value(QStringLiteral("n")).toInteger();
    }
    r.continuable = hasCheckpoint && !finished && dir.exists(QStringLiteral("command.txt"));
    r.state = finished ? QObject::tr("finished")
                       : r.epochs > 0 ? QObject::tr("stopped after epoch %1").arg(r.epochs) : QObject::tr("not finished");
    QDateTime newest;
    for (const QFileInfo& f : dir.entryInfoList(QDir::Files))
        if (!newest.isValid() || f.lastModified() > newest)
            newest = f.lastModified();
    r.modified = newest.toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    return true;
}

RunHistory::RunHistory(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    folderLabel_ = new QLabel(this);
    folderLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    auto* folderButton = new QPushButton(tr("Runs folder…"), this);
    auto* addButton = new QPushButton(tr("Add run…"), this);
    auto* compareButton = new QPushButton(tr("Compare selected"), this);
    compareButton->setObjectName(QStringLiteral("compareRuns"));
    continueButton_ = new QPushButton(tr("Continue run"), this);
    reportButton_ = new QPushButton(tr("Open report"), this);
    bar->addWidget(folderLabel_, 1);
    bar->addWidget(refreshButton);
    bar->addWidget(folderButton);
    bar->addWidget(addButton);
    bar->addWidget(compareButton);
    bar->addWidget(continueButton_);
    bar->addWidget(reportButton_);
    layout->addLayout(bar);

    auto* split = new QSplitter(Qt::Vertical, this);
    table_ = new QTableWidget(0, 9, split);
    table_->setObjectName(QStringLiteral("runTable"));
    table_->setHorizontalHeaderLabels({tr("Run"), tr("State"), tr("Epochs"), tr("Best epoch"), tr("Best val. loss"),
                                       tr("Test accuracy"), tr("Macro F1"), tr("ROC AUC"), tr("Modified")});
    table_->verticalHeader()->setVisible(false);
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSortingEnabled(false);
    plot_ = new CurvePlot(split);
    plot_->setObjectName(QStringLiteral("runComparison"));
    split->addWidget(table_);
    split->addWidget(plot_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    auto selectedRows = [this] {
        std::set<int> rows;
        for (const QModelIndex& i : table_->selectionModel()->selectedRows())
            rows.insert(i.row());
        return std::vector<int>(rows.begin(), rows.end());
    };
    connect(refreshButton, &QPushButton::clicked, this, &RunHistory::refresh);
    connect(folderButton, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Folder of run folders"), AppSettings().runsFolder());
        if (!d.isEmpty()) {
            AppSettings().setRunsFolder(d);
            refresh();
        }
    });
    connect(addButton, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Run folder"), AppSettings().runsFolder());
        if (!d.isEmpty())
            addFolder(d);
    });
    connect(compareButton, &QPushButton::clicked, this, [this, selectedRows] { compare(selectedRows()); });
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this, selectedRows] {
        const auto rows = selectedRows();
        const bool one = rows.size() == 1;
        continueButton_->setEnabled(one && runs_[static_cast<size_t>(rows[0])].continuable);
        reportButton_->setEnabled(one && QFileInfo::exists(runs_[static_cast<size_t>(rows[0])].dir + QStringLiteral("/report.html")));
        if (!rows.empty())
            compare(rows);
    });
    connect(continueButton_, &QPushButton::clicked, this, [this, selectedRows] {
        const auto rows = selectedRows();
        if (rows.size() == 1)
            emit continueRequested(runs_[static_cast<size_t>(rows[0])].dir);
    });
    connect(reportButton_, &QPushButton::clicked, this, [this, selectedRows] {
        const auto rows = selectedRows();
        if (rows.size() == 1)
            QDesktopServices::openUrl(QUrl::fromLocalFile(runs_[static_cast<size_t>(rows[0])].dir + QStringLiteral("/report.html")));
    });
    continueButton_->setEnabled(false);
    reportButton_->setEnabled(false);
    refresh();
}

void RunHistory::addFolder(const QString& runDir)
{
    const QString abs = QDir(runDir).absolutePath();
    if (!extra_.contains(abs))
        extra_ << abs;
    refresh();
}

void RunHistory::refresh()
{
    const QString root = AppSettings().runsFolder();
    folderLabel_->setText(tr("Runs in %1").arg(root));
    QStringList dirs;
    for (const QFileInfo& f : QDir(root).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Time))
        dirs << f.absoluteFilePath();
    for (const QString& d : extra_)
        if (!dirs.contains(d))
            dirs << d;
    runs_.clear();
    for (const QString& d : dirs) {
        RunSummary r;
        if (readRunSummary(d, r))
            runs_.push_back(std::move(r));
    }
    const QSignalBlocker block(table_);
    table_->clearSelection();
    table_->setRowCount(static_cast<int>(runs_.size()));
    auto number = [](double v, int decimals) { return v < 0 ? QStringLiteral("–") : QString::number(v, 'f', decimals); };
    for (size_t i = 0; i < runs_.size(); ++i) {
        const RunSummary& r = runs_[i];
        const QStringList cells = {r.name,
                                   r.state,
                                   QString::number(r.epochs),
                                   r.bestEpoch ? QString::number(r.bestEpoch) : QStringLiteral("–"),
                                   number(r.bestValLoss, 4),
                                   number(r.accuracy, 3),
                                   number(r.macroF1, 3),
                                   number(r.rocAuc, 3),
                                   r.modified};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c >= 2 && c <= 7)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (c == 0)
                item->setToolTip(r.dir);
            table_->setItem(static_cast<int>(i), c, item);
        }
    }
}

void RunHistory::compare(const std::vector<int>& rows)
{
    plot_->clear();
    plot_->clearComparisons();
    for (int row : rows) {
        if (row < 0 || static_cast<size_t>(row) >= runs_.size())
            continue;
        const RunSummary& r = runs_[static_cast<size_t>(row)];
        plot_->addComparisonRun(r.name, r.epoch, r.trainLoss, r.valLoss, r.valAccuracy);
    }
    plot_->flush();
}

} // namespace sinar::ui
