#include "ui/classify/batch_panel.h"


#include <QDir>

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <exception>

#include "common/error.h"
#include "eval/metrics.h"
#include "imaging/quality.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {

QString csvField(const QString& s)
{
    if (!s.contains(',') && !s.contains('"') && !s.contains('\n'))
        return s;
    QString q = s;
    q.replace('"', QStringLiteral("\"\""));
    return '"' + q + '"';
}

enum Column { ColFile = 0, ColClass, ColProbability, ColQuality, ColTrust, ColFirstClass };

} // namespace

QString BatchRow::trustText() const
{
    if (!error.isEmpty())
        return {};
    QStringList parts;
    if (scopeFit == trust::ScopeFit::Outside)
        parts << QObject::tr("outside the model's scope: %1").arg(scopeReason);
    if (unlikeTraining())
        parts << QObject::tr("unlike the training images (score %1 > %2)").arg(oodScore, 0, 'f', 1).arg(oodThreshold, 0, 'f', 1);
    if (!parts.isEmpty())
        return parts.join(QStringLiteral("; "));
    if (!oodChecked && scopeFit != trust::ScopeFit::Fits)
        return QObject::tr("not checked");
    return QObject::tr("ok");
}

BatchPanel::BatchPanel(QWidget* parent)
    : QWidget(parent), job_(
                           this,
                           [this](BatchRow row) {
                               appendRow(row);
                               progress_->setValue(static_cast<int>(rows_.size()));
                           },
                           [this] { onFinished(false); })
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    auto* top = new QHBoxLayout;
    title_ = new QLabel(tr("No batch yet: Classify → Batch-classify series or folder."), this);
    top->addWidget(title_, 1);
    progress_ = new QProgressBar(this);
    progress_->setMaximumWidth(260);
    progress_->setVisible(false);
    top->addWidget(progress_);
    cancelButton_ = new QPushButton(tr("Cancel"), this);
    cancelButton_->setVisible(false);
    top->addWidget(cancelButton_);
    exportButton_ = new QPushButton(tr("Export CSV…"), this);
    exportButton_->setEnabled(false);
    top->addWidget(exportButton_);
    layout->addLayout(top);

    table_ = new QTableWidget(this);
    table_->setObjectName(QStringLiteral("batchTable"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(22);
    table_->horizontalHeader()->setStretchLastSection(false);
    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("batchSummary"));
    summary_->setWordWrap(true);
    summary_->setVisible(false);
    layout->addWidget(summary_);
    auto* tables = new QHBoxLayout;
    tables->addWidget(table_, 3);
    confusionTable_ = new QTableWidget(this);
    confusionTable_->setObjectName(QStringLiteral("batchConfusion"));
    confusionTable_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    confusionTable_->setToolTip(tr("Confusion matrix of the images whose folder names their class: rows the folder's "
                                   "class, columns the predicted one; images that are not a result are left out."));
    confusionTable_->setVisible(false);
    tables->addWidget(confusionTable_, 1);
    layout->addLayout(tables, 1);

    connect(cancelButton_, &QPushButton::clicked, this, &BatchPanel::cancel);
    connect(exportButton_, &QPushButton::clicked, this, &BatchPanel::exportCsv);
    connect(table_, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (row >= 0 && row < static_cast<int>(rows_.size()))
            emit openRequested(rows_[static_cast<size_t>(row)].file, rows_[static_cast<size_t>(row)].frame);
    });
}

BatchPanel::~BatchPanel() = default; // job_ stops without waiting

bool BatchPanel::running() const
{
    return job_.running();
}

BatchRow BatchPanel::classifyItem(const StackItem& item, const ModelHandle& model)
{
    BatchRow row;
    row.file = item.path;
    row.frame = item.frame;
    row.frameCount = item.frameCount;
    try {
        const LoadedImage loaded = loadStackItem(item);
        row.qualityFlags = imaging::assessQuality(loaded.image).flags;
        Assessment a = model.assess(loaded.image);
        row.probabilities = std::move(a.probabilities);
        row.oodChecked = a.oodChecked;
        row.oodScore = a.oodScore;
        row.oodThreshold = a.oodThreshold;
        // A PNG/JPEG has no tags: facts with dicom = false (the scope says "not checked").
        const trust::ImageFacts facts =
            loaded.dicom ? trust::ImageFacts::fromDicom(loaded.info, loaded.frame) : trust::ImageFacts{};
        const trust::ScopeVerdict verdict = trust::checkScope(model.scope(), facts);
        row.scopeFit = verdict.fit;
        if (verdict.outside() && !verdict.reasons.empty())
            row.scopeReason = QString::fromStdString(verdict.reasons.front());
        row.best = static_cast<int>(std::max_element(row.probabilities.begin(), row.probabilities.end()) -
                                    row.probabilities.begin());
    } catch (const std::exception& e) {
        row.error = errorText(e, false); // the row names the file
    }
    return row;
}

void BatchPanel::start(const std::vector<StackItem>& items, std::shared_ptr<const ModelHandle> model, const QString& title)
{
    job_.stop(); // not waited for, and not reported
    rows_.clear();
    classNames_ = model ? model->classNames() : QStringList();
    table_->clear();
    table_->setRowCount(0);
    QStringList headers{tr("File"), tr("Class"), tr("Probability"), tr("Quality"), tr("Trust")};
    for (const QString& c : classNames_)
        headers << QStringLiteral("p(%1)").arg(c);
    table_->setColumnCount(static_cast<int>(headers.size()));
    table_->setHorizontalHeaderLabels(headers);
    QHeaderView* header = table_->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(ColFile, QHeaderView::Stretch);
    title_->setText(tr("Batch: %1 (%2 images, model %3)").arg(title).arg(items.size()).arg(model ? model->name() : QString()));
    // Labels from folder names: a file in .../glioma/ is a glioma when the model has that class.
    labels_.clear();
    confusion_.clear();
    QStringList paths;
    for (const StackItem& item : items) {
        const QString folder = QFileInfo(item.path).dir().dirName();
        int label = -1;
        for (int c = 0; c < classNames_.size(); ++c)
            if (folder.compare(classNames_[c], Qt::CaseInsensitive) == 0)
                label = c;
        labels_.push_back(label);
        paths << item.path;
    }
    trainingWarning_ = model ? trainingDataWarning(model->info().data, paths) : QString();
    summary_->setVisible(false);
    confusionTable_->setVisible(false);
    exportButton_->setEnabled(false);
    if (!model || items.empty()) {
        title_->setText(model ? tr("Nothing to classify.") : tr("Choose a model first."));
        return;
    }
    progress_->setRange(0, static_cast<int>(items.size()));
    progress_->setValue(0);
    progress_->setVisible(true);
    cancelButton_->setVisible(true);

    job_.start(items.size(), [items, model](size_t i) { return classifyItem(items[i], *model); });
}

void BatchPanel::cancel()
{
    if (!job_.running())
        return;
    job_.stop();
    onFinished(true);
}

void BatchPanel::appendRow(const BatchRow& row)
{
    rows_.push_back(row);
    const int r = table_->rowCount();
    table_->insertRow(r);
    QString name = QFileInfo(row.file).fileName();
    if (row.frameCount > 1)
        name += tr(", frame %1").arg(row.frame + 1);
    auto* fileItem = new QTableWidgetItem(name);
    fileItem->setToolTip(row.file);
    table_->setItem(r, ColFile, fileItem);
    if (!row.error.isEmpty()) {
        auto* e = new QTableWidgetItem(tr("error: %1").arg(row.error));
        e->setForeground(QColor(0xe0, 0x6c, 0x5c));
        table_->setItem(r, ColClass, e);
        return;
    }
    // Not a result: the class in parentheses and greyed, the reason in the Trust column.
    const bool notResult = row.notAResult();
    const QColor grey(0x8a, 0x8f, 0x98);
    auto* cls = new QTableWidgetItem(notResult ? QStringLiteral("(%1)").arg(classNames_.value(row.best))
                                               : classNames_.value(row.best));
    auto* p = new QTableWidgetItem(QString::number(row.probabilities[static_cast<size_t>(row.best)], 'f', 3));
    p->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    if (notResult) {
        cls->setForeground(grey);
        p->setForeground(grey);
        cls->setToolTip(tr("Not a result: %1").arg(row.trustText()));
    }
    table_->setItem(r, ColClass, cls);
    table_->setItem(r, ColProbability, p);
    auto* t = new QTableWidgetItem(row.trustText());
    if (notResult)
        t->setForeground(QColor(0xf0, 0xa2, 0x3a));
    t->setToolTip(row.oodChecked ? tr("Out-of-distribution score %1 (threshold %2)").arg(row.oodScore, 0, 'f', 2).arg(row.oodThreshold, 0, 'f', 2)
                                 : tr("The model carries no out-of-distribution statistics (sinar-cli calibrate adds them)."));
    table_->setItem(r, ColTrust, t);
    const QString flags = QString::fromStdString(imaging::describeQualityFlags(row.qualityFlags));
    auto* q = new QTableWidgetItem(flags.isEmpty() ? tr("ok") : QStringLiteral("⚠ ") + flags);
    if (!flags.isEmpty())
        q->setForeground(QColor(0xf0, 0xa2, 0x3a));
    table_->setItem(r, ColQuality, q);
    for (size_t c = 0; c < row.probabilities.size(); ++c) {
        auto* v = new QTableWidgetItem(QString::number(row.probabilities[c], 'f', 3));
        v->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table_->setItem(r, ColFirstClass + static_cast<int>(c), v);
    }
}

void BatchPanel::onFinished(bool cancelled)
{
    progress_->setVisible(false);
    cancelButton_->setVisible(false);
    exportButton_->setEnabled(!rows_.empty());
    const int failed = static_cast<int>(std::count_if(rows_.begin(), rows_.end(), [](const BatchRow& r) { return !r.error.isEmpty(); }));
    const int flagged = static_cast<int>(
        std::count_if(rows_.begin(), rows_.end(), [](const BatchRow& r) { return r.error.isEmpty() && r.qualityFlags; }));
    const int notResults = static_cast<int>(std::count_if(rows_.begin(), rows_.end(), [](const BatchRow& r) { return r.notAResult(); }));
    const int classified = static_cast<int>(rows_.size()) - failed;
    QString text = tr("%1 classified").arg(classified);
    if (notResults)
        text += tr(", %1 not a result (outside the model's scope or unlike its training images)").arg(notResults);
    if (flagged)
        text += tr(", %1 with quality warnings").arg(flagged);
    if (failed)
        text += tr(", %1 could not be read").arg(failed);
    if (cancelled)
        text += tr(" (cancelled)");
    title_->setText(title_->text().section(QStringLiteral(" — "), 0, 0) + QStringLiteral(" — ") + text);
    updateSummary();
    emit finished(classified, failed);
}

QString BatchPanel::trainingDataWarning(const QJsonObject& data, const QStringList& paths)
{
    // The bundle records its data set as the path it was given (or a
    // fingerprint for patient data, which cannot be compared): images below a
    // folder whose path ends with it are taken to be from that data set.
    QString source = QDir::fromNativeSeparators(data.value(QStringLiteral("source")).toString());
    while (source.startsWith(QLatin1String("../")) || source.startsWith(QLatin1String("./")))
        source = source.mid(source.indexOf('/') + 1);
    while (source.endsWith('/'))
        source.chop(1);
    if (source.isEmpty() || !source.contains('/') || source.endsWith(QLatin1String(".npz"), Qt::CaseInsensitive))
        return {};
    int inside = 0;
    for (const QString& p : paths) {
        const QString abs = QFileInfo(p).absoluteFilePath();
        if (abs.contains(QLatin1Char('/') + source + QLatin1Char('/')))
            ++inside;
    }
    if (inside == 0)
        return {};
    return tr("%1 of these %2 images lie in %3, the data set this model was trained on: they may be its own "
              "training images, and its accuracy on them overstates how it does on new images.")
        .arg(inside)
        .arg(paths.size())
        .arg(source);
}

QString BatchPanel::summaryText() const
{
    return summary_->text();
}

void BatchPanel::updateSummary()
{
    std::vector<int> truth;
    std::vector<std::vector<float>> probabilities;
    int labelled = 0, excluded = 0;
    for (size_t i = 0; i < rows_.size() && i < labels_.size(); ++i) {
        if (labels_[i] < 0)
            continue;
        ++labelled;
        const BatchRow& r = rows_[i];
        if (!r.error.isEmpty() || r.notAResult()) {
            ++excluded;
            continue;
        }
        truth.push_back(labels_[i]);
        probabilities.push_back(r.probabilities);
    }
    QStringList lines;
    confusion_.clear();
    if (labelled > 0 && !truth.empty()) {
        std::vector<std::string> names;
        for (const QString& c : classNames_)
            names.push_back(c.toStdString());
        const eval::Report report = eval::computeReport(truth, probabilities, names);
        confusion_ = report.confusion;
        QString line = tr("Folder names give the class of %1 of %2 images: accuracy %3 (%4 of %5), macro F1 %6")
                           .arg(labelled)
                           .arg(rows_.size())
                           .arg(report.accuracy, 0, 'f', 3)
                           .arg(std::lround(report.accuracy * static_cast<double>(truth.size())))
                           .arg(truth.size())
                           .arg(report.macroF1, 0, 'f', 3);
        if (excluded)
            line += tr("; %1 left out (not a result, or unreadable)").arg(excluded);
        lines << line + QStringLiteral(".");
        confusionTable_->clear();
        confusionTable_->setRowCount(classNames_.size());
        confusionTable_->setColumnCount(classNames_.size());
        confusionTable_->setHorizontalHeaderLabels(classNames_);
        confusionTable_->setVerticalHeaderLabels(classNames_);
        for (int t = 0; t < classNames_.size(); ++t)
            for (int q = 0; q < classNames_.size(); ++q) {
                auto* item = new QTableWidgetItem(QString::number(confusion_[static_cast<size_t>(t)][static_cast<size_t>(q)]));
                item->setTextAlignment(Qt::AlignCenter);
                if (t == q)
                    item->setForeground(QColor(0x6c, 0xc0, 0x7a));
                confusionTable_->setItem(t, q, item);
            }
        confusionTable_->resizeColumnsToContents();
        confusionTable_->setVisible(true);
    } else if (labelled > 0) {
        lines << tr("Folder names give the class of %1 images, but none of them is a result.").arg(labelled);
    }
    if (!trainingWarning_.isEmpty())
        lines << QStringLiteral("⚠ ") + trainingWarning_;
    summary_->setText(lines.join('\n'));
    summary_->setVisible(!lines.isEmpty());
}

QString BatchPanel::toCsv() const
{
    QStringList header{QStringLiteral("file"), QStringLiteral("frame"), QStringLiteral("class"), QStringLiteral("probability")};
    for (const QString& c : classNames_)
        header << csvField(QStringLiteral("p_") + c);
    header << QStringLiteral("quality") << QStringLiteral("in_scope") << QStringLiteral("ood_score")
           << QStringLiteral("in_distribution") << QStringLiteral("error") << QStringLiteral("folder_label");
    QString out = header.join(',') + '\n';
    for (size_t i = 0; i < rows_.size(); ++i) {
        const BatchRow& r = rows_[i];
        QStringList f{csvField(r.file), QString::number(r.frame)};
        const bool ok = r.error.isEmpty();
        f << (ok ? csvField(classNames_.value(r.best)) : QString())
          << (ok ? QString::number(r.probabilities[static_cast<size_t>(r.best)], 'f', 6) : QString());
        for (int c = 0; c < classNames_.size(); ++c)
            f << (ok ? QString::number(r.probabilities[static_cast<size_t>(c)], 'f', 6) : QString());
        // As the table says it: "ok" or the warnings (empty only for a file that could not be read).
        const QString quality = QString::fromStdString(imaging::describeQualityFlags(r.qualityFlags)).replace(QStringLiteral(", "), QStringLiteral(";"));
        f << (!ok ? QString() : quality.isEmpty() ? QStringLiteral("ok") : csvField(quality));
        // in_scope: yes, no or unknown (no DICOM facts or no scope declared).
        f << (!ok ? QString()
                  : r.scopeFit == trust::ScopeFit::Fits    ? QStringLiteral("yes")
                  : r.scopeFit == trust::ScopeFit::Outside ? QStringLiteral("no")
                                                           : QStringLiteral("unknown"));
        f << (ok && r.oodChecked ? QString::number(r.oodScore, 'f', 4) : QString())
          << (ok && r.oodChecked ? (r.unlikeTraining() ? QStringLiteral("false") : QStringLiteral("true")) : QString());
        f << csvField(r.error);
        f << (i < labels_.size() && labels_[i] >= 0 ? csvField(classNames_.value(labels_[i])) : QString());
        out += f.join(',') + '\n';
    }
    return out;
}

bool BatchPanel::writeCsv(const QString& path, QString* error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        if (error)
            *error = file.errorString();
        return false;
    }
    file.write(toCsv().toUtf8());
    if (!file.commit()) {
        if (error)
            *error = file.errorString();
        return false;
    }
    return true;
}

void BatchPanel::exportCsv()
{
    // The dialog asks before replacing an existing file.
    const QString path = QFileDialog::getSaveFileName(this, tr("Export batch results"), QStringLiteral("sinar-batch.csv"),
                                                      tr("CSV files (*.csv)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!writeCsv(path, &error))
        QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1: %2").arg(path, error));
}

} // namespace sinar::ui
