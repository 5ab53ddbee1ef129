#include "ui/training/study_panel.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDir>
#include <QEvent>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <qcustomplot.h>

#include "common/error.h"
#include "common/json_io.h"
#include "train/study.h"
#include "ui/training/curve_plot.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

struct StudyPanel::Outcome {
    bool ok = false, cancelled = false;
    QString error, tablePath;
    QJsonObject study;
};

namespace {

// Forwards the runs' messages and progress to the panel's thread.
class Forwarder : public train::TrainingObserver {
public:
    Forwarder(QObject* target, std::function<void(const QString&)> status, std::function<void(double)> fraction)
        : target_(target), status_(std::move(status)), fraction_(std::move(fraction))
    {
    }
    void setEntry(size_t index, size_t count)
    {
        index_ = index;
        count_ = std::max<size_t>(1, count);
        post(0);
    }
    void onMessage(const std::string& m) override { say(QString::fromStdString(m)); }
    void onEpoch(const train::EpochEvent& e) override
    {
        say(QStringLiteral("epoch %1/%2: validation accuracy %3").arg(e.epoch).arg(e.epochs).arg(e.valAccuracy, 0, 'f', 4));
        post(e.epochs ? static_cast<double>(e.epoch) / e.epochs : 0);
    }

private:
    void say(const QString& text)
    {
        const QString line = QStringLiteral("[%1/%2] %3").arg(index_ + 1).arg(count_).arg(text);
        QMetaObject::invokeMethod(target_, [f = status_, line] { f(line); }, Qt::QueuedConnection);
    }
    void post(double within)
    {
        const double overall = (static_cast<double>(index_) + within) / static_cast<double>(count_);
        QMetaObject::invokeMethod(target_, [f = fraction_, overall] { f(overall); }, Qt::QueuedConnection);
    }
    QObject* target_;
    std::function<void(const QString&)> status_;
    std::function<void(double)> fraction_;
    size_t index_ = 0, count_ = 1;
};

QTableWidgetItem* numberItem(double v, int decimals)
{
    auto* item = new QTableWidgetItem(v < 0 ? QStringLiteral("–") : QString::number(v, 'f', decimals));
    item->setData(Qt::UserRole, v);
    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

// compare's method names, the ones ticked by default first.
const std::vector<std::pair<const char*, bool>> kMethods = {
    {"cnn", true},      {"svm-rbf-raw", true},    {"svm-rbf-hog", true}, {"knn-raw", true},     {"knn-hog", true},
    {"transfer", false}, {"svm-linear-raw", false}, {"resnet18", false},   {"mobilenet_v2", false},
    {"densenet121", false},
};

} // namespace

StudyPanel::StudyPanel(QWidget* parent)
    : QWidget(parent), watcher_(new QFutureWatcher<std::shared_ptr<Outcome>>(this))
{
    connect(watcher_, &QFutureWatcher<std::shared_ptr<Outcome>>::finished, this, &StudyPanel::onDone);

    auto* intro = new QLabel(
        tr("The study's comparisons on the data set and split of the form: every row is trained on the same split "
           "(seed, test and validation fractions) and tested on the same held-out images. The deep rows use the form's "
           "training options; 'transfer' needs the form's pretrained weights. Same as <code>sinar-cli compare</code> "
           "and <code>sinar-cli ablate</code>."),
        this);
    intro->setWordWrap(true);

    auto* methods = new QWidget(this);
    auto* grid = new QGridLayout(methods);
    grid->setContentsMargins(0, 0, 0, 0);
    int i = 0;
    for (const auto& [name, on] : kMethods) {
        auto* box = new QCheckBox(QString::fromLatin1(name), methods);
        box->setObjectName(QStringLiteral("studyMethod_") + QString::fromLatin1(name));
        box->setChecked(on);
        grid->addWidget(box, i / 5, i % 5);
        methodBoxes_.emplace_back(QString::fromLatin1(name), box);
        ++i;
    }

    compareButton_ = new QPushButton(tr("Compare methods"), this);
    compareButton_->setObjectName(QStringLiteral("studyCompare"));
    compareButton_->setToolTip(tr("Train every ticked method on one split and tabulate them"));
    ablateButton_ = new QPushButton(tr("Preprocessing ablation"), this);
    ablateButton_->setObjectName(QStringLiteral("studyAblate"));
    ablateButton_->setToolTip(tr("Train the form's network with none / normalisation / + augmentation / + CLAHE / + "
                                 "denoising"));
    stopButton_ = new QPushButton(tr("Stop"), this);
    stopButton_->setObjectName(QStringLiteral("studyStop"));
    stopButton_->setEnabled(false);
    openButton_ = new QPushButton(tr("Open table…"), this);
    openButton_->setObjectName(QStringLiteral("studyOpen"));
    openButton_->setToolTip(tr("Show a table written by sinar-cli compare or ablate (--json)"));
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setTextVisible(false);
    progress_->setMaximumHeight(10);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("studyStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_ = new QLabel(this);
    error_->setObjectName(QStringLiteral("studyError"));
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("color: #d9534f;"));
    error_->setVisible(false);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(compareButton_);
    buttons->addWidget(ablateButton_);
    buttons->addWidget(stopButton_);
    buttons->addStretch(1);
    buttons->addWidget(openButton_);

    table_ = new QTableWidget(0, 8, this);
    table_->setObjectName(QStringLiteral("studyTable"));
    table_->setHorizontalHeaderLabels({tr("Method"), tr("Accuracy"), tr("Macro F1"), tr("ROC AUC"), tr("ECE"),
                                       tr("Train (s)"), tr("ms / image"), tr("What")});
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->setVisible(false);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) { showQualityOf(row); });

    chart_ = new QCustomPlot(this);
    chart_->setObjectName(QStringLiteral("studyChart"));
    chart_->setMinimumSize(280, 220);
    chart_->legend->setVisible(true);
    chart_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
    chart_->yAxis->setLabel(tr("on the held-out test images"));

    quality_ = new QTableWidget(0, 4, this);
    quality_->setObjectName(QStringLiteral("studyQuality"));
    quality_->setHorizontalHeaderLabels({tr("Measure"), tr("Images"), tr("n"), tr("Accuracy")});
    quality_->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    quality_->verticalHeader()->setVisible(false);
    quality_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto* qualityTitle = new QLabel(tr("Error analysis of the selected row: accuracy by image quality"), this);

    auto* qualityBox = new QWidget(this);
    auto* qualityLayout = new QVBoxLayout(qualityBox);
    qualityLayout->setContentsMargins(0, 0, 0, 0);
    qualityLayout->addWidget(qualityTitle);
    qualityLayout->addWidget(quality_, 1);
    auto* lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(chart_);
    lower->addWidget(qualityBox);
    lower->setStretchFactor(0, 3);
    lower->setStretchFactor(1, 2);
    lower->setSizes({640, 420});
    auto* results = new QSplitter(Qt::Vertical, this);
    results->addWidget(table_);
    results->addWidget(lower);
    results->setStretchFactor(0, 2);
    results->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(methods);
    layout->addLayout(buttons);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(error_);
    layout->addWidget(results, 1);

    connect(compareButton_, &QPushButton::clicked, this, [this] { startComparison(); });
    connect(ablateButton_, &QPushButton::clicked, this, [this] { startAblation(); });
    connect(stopButton_, &QPushButton::clicked, this, &StudyPanel::stop);
    connect(openButton_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Comparison or ablation table"), tablePath_,
                                                          tr("Study tables (*.json)"));
        QString error;
        if (!path.isEmpty() && !openTable(path, &error))
            setError(error);
    });
    applyTheme();
}

StudyPanel::~StudyPanel()
{
    cancel_.cancel();
    watcher_->waitForFinished();
}

bool StudyPanel::running() const
{
    return watcher_->isRunning();
}

void StudyPanel::setError(const QString& text)
{
    lastError_ = text;
    error_->setText(text);
    error_->setVisible(!text.isEmpty());
}

bool StudyPanel::startComparison(const QStringList& methods)
{
    QStringList chosen = methods;
    if (chosen.isEmpty())
        for (const auto& [name, box] : methodBoxes_)
            if (box->isChecked())
                chosen << name;
    if (chosen.isEmpty()) {
        setError(tr("Tick at least one method to compare."));
        return false;
    }
    return launch(false, chosen);
}

bool StudyPanel::startAblation()
{
    return launch(true, {});
}

void StudyPanel::stop()
{
    if (!running())
        return;
    cancel_.cancel();
    status_->setText(tr("Stopping after the current batch…"));
}

bool StudyPanel::launch(bool ablate, const QStringList& methods)
{
    if (running())
        return false;
    setError({});
    if (!specProvider_) {
        setError(tr("No data set: choose one on the Data page first."));
        return false;
    }
    train::TrainingJobSpec base = specProvider_();
    if (base.dataPath.empty()) {
        setError(tr("No data set: choose one on the Data page first."));
        return false;
    }
    std::vector<train::StudyEntry> entries;
    try {
        entries = ablate ? train::ablationEntries(base) : train::compareEntries(methods.join(',').toStdString(), base);
    } catch (const Error& e) {
        setError(errorText(e));
        return false;
    }
    const QString root = outputRoot_ ? outputRoot_() : QDir::tempPath();
    const QString dir = QDir(root).filePath(QStringLiteral("%1-%2")
                                                .arg(ablate ? QStringLiteral("ablation") : QStringLiteral("comparison"),
                                                     QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))));
    const QString command = ablate ? QStringLiteral("Training tab: preprocessing ablation")
                                   : QStringLiteral("Training tab: compare ") + methods.join(',');
    cancel_.reset();
    progress_->setValue(0);
    status_->setText(ablate ? tr("Ablation: %1 runs").arg(entries.size()) : tr("Comparison: %1 methods").arg(entries.size()));
    compareButton_->setEnabled(false);
    ablateButton_->setEnabled(false);
    stopButton_->setEnabled(true);
    auto status = [this](const QString& text) {
        status_->setText(text);
        emit statusMessage(text);
    };
    auto fraction = [this](double f) { progress_->setValue(static_cast<int>(f * 1000)); };
    const CancelToken* cancel = &cancel_;
    QObject* target = this;
    watcher_->setFuture(QtConcurrent::run([entries, base, dir, ablate, command, cancel, target, status, fraction] {
        auto out = std::make_shared<Outcome>();
        Forwarder forward(target, status, fraction);
        try {
            const std::vector<train::StudyRow> rows = train::runStudy(
                entries, dir.toStdString(), &forward, cancel, [&](size_t i, size_t n) { forward.setEntry(i, n); });
            const std::string json = QDir(dir).filePath(QStringLiteral("study.json")).toStdString();
            train::writeStudy(json, rows, base, ablate ? "ablation" : "comparison", command.toStdString());
            out->study = readJsonFile(json);
            out->tablePath = QString::fromStdString(json);
            out->ok = true;
        } catch (const Cancelled&) {
            out->cancelled = true;
        } catch (const Error& e) {
            out->error = errorText(e);
        } catch (const std::exception& e) {
            out->error = QString::fromUtf8(e.what());
        }
        return out;
    }));
    return true;
}

void StudyPanel::onDone()
{
    const std::shared_ptr<Outcome> out = watcher_->result();
    compareButton_->setEnabled(true);
    ablateButton_->setEnabled(true);
    stopButton_->setEnabled(false);
    if (out->cancelled) {
        status_->setText(tr("Stopped; finished rows are in their folders, no table was written."));
        emit finished(false, {});
        return;
    }
    if (!out->ok) {
        status_->setText({});
        setError(out->error);
        emit finished(false, {});
        return;
    }
    progress_->setValue(1000);
    tablePath_ = out->tablePath;
    showTable(out->study);
    status_->setText(tr("Done: %1").arg(QDir::toNativeSeparators(out->tablePath)));
    emit finished(true, out->tablePath);
}

bool StudyPanel::openTable(const QString& jsonPath, QString* error)
{
    try {
        const QJsonObject o = readJsonFile(jsonPath.toStdString());
        QString why;
        if (!showTable(o, &why)) {
            if (error)
                *error = why + " (" + QDir::toNativeSeparators(jsonPath) + ")";
            return false;
        }
        tablePath_ = jsonPath;
        return true;
    } catch (const Error& e) {
        if (error)
            *error = errorText(e);
        return false;
    }
}

bool StudyPanel::showTable(const QJsonObject& study, QString* error)
{
    const QJsonArray methods = study.value("methods").toArray();
    if (methods.isEmpty()) {
        if (error)
            *error = tr("not a comparison table: it has no \"methods\"");
        return false;
    }
    study_ = study;
    table_->setRowCount(0);
    QVector<double> ticks, accuracy, f1;
    QVector<QString> labels;
    for (int r = 0; r < methods.size(); ++r) {
        const QJsonObject m = methods[r].toObject();
        table_->insertRow(r);
        table_->setItem(r, 0, new QTableWidgetItem(m.value("name").toString()));
        table_->setItem(r, 1, numberItem(m.value("accuracy").toDouble(-1), 4));
        table_->setItem(r, 2, numberItem(m.value("macro_f1").toDouble(-1), 4));
        table_->setItem(r, 3, numberItem(m.value("roc_auc").toDouble(-1), 4));
        table_->setItem(r, 4, numberItem(m.value("ece").toDouble(-1), 4));
        table_->setItem(r, 5, numberItem(m.value("train_seconds").toDouble(-1), 1));
        table_->setItem(r, 6, numberItem(m.value("predict_ms").toDouble(-1), 3));
        QString what = m.value("description").toString();
        const QJsonObject chosen = m.value("chosen").toObject();
        QStringList params;
        for (auto it = chosen.begin(); it != chosen.end(); ++it)
            params << it.key() + " " + QString::number(it.value().toDouble(), 'g', 4);
        if (!params.isEmpty())
            what += " — " + params.join(", ");
        table_->setItem(r, 7, new QTableWidgetItem(what));
        ticks << r + 1;
        labels << m.value("name").toString();
        accuracy << m.value("accuracy").toDouble();
        f1 << m.value("macro_f1").toDouble();
    }
    table_->resizeColumnsToContents();

    chart_->clearPlottables();
    auto* group = new QCPBarsGroup(chart_);
    auto* accBars = new QCPBars(chart_->xAxis, chart_->yAxis);
    accBars->setName(tr("accuracy"));
    accBars->setData(ticks, accuracy, true);
    auto* f1Bars = new QCPBars(chart_->xAxis, chart_->yAxis);
    f1Bars->setName(tr("macro F1"));
    f1Bars->setData(ticks, f1, true);
    for (auto* b : {accBars, f1Bars}) {
        b->setWidth(0.35);
        b->setBarsGroup(group);
    }
    accBars->setBrush(seriesColour(0));
    accBars->setPen(QPen(seriesColour(0).darker(130)));
    f1Bars->setBrush(seriesColour(1));
    f1Bars->setPen(QPen(seriesColour(1).darker(130)));
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    ticker->addTicks(ticks, labels);
    chart_->xAxis->setTicker(ticker);
    chart_->xAxis->setTickLabelRotation(labels.size() > 4 ? 30 : 0);
    chart_->xAxis->setRange(0.4, methods.size() + 0.6);
    double low = 1;
    for (double v : accuracy + f1)
        low = std::min(low, v);
    chart_->yAxis->setRange(std::max(0.0, std::floor((low - 0.05) * 20) / 20), 1.005);
    const QJsonObject split = study.value("split").toObject();
    chart_->xAxis->setLabel(tr("%1, %2 held-out test images")
                                .arg(study.value("kind").toString() == "ablation" ? tr("preprocessing ablation")
                                                                                   : tr("methods"))
                                .arg(split.value("test").toInt()));
    applyPlotPalette(chart_, palette());
    chart_->replot(); // now: the table is read and grabbed at once
    table_->selectRow(0);
    showQualityOf(0);
    return true;
}

void StudyPanel::showQualityOf(int row)
{
    quality_->setRowCount(0);
    const QJsonArray methods = study_.value("methods").toArray();
    if (row < 0 || row >= methods.size())
        return;
    const QJsonArray buckets = methods[row].toObject().value("by_quality").toObject().value("buckets").toArray();
    for (int i = 0; i < buckets.size(); ++i) {
        const QJsonObject b = buckets[i].toObject();
        quality_->insertRow(i);
        quality_->setItem(i, 0, new QTableWidgetItem(b.value("measure").toString()));
        quality_->setItem(i, 1, new QTableWidgetItem(b.value("bucket").toString()));
        quality_->setItem(i, 2, numberItem(b.value("n").toDouble(), 0));
        quality_->setItem(i, 3, numberItem(b.value("n").toInt() ? b.value("accuracy").toDouble(-1) : -1, 4));
    }
    quality_->resizeColumnsToContents();
}

void StudyPanel::applyTheme()
{
    applyPlotPalette(chart_, palette());
    chart_->replot(QCustomPlot::rpQueuedReplot);
}

void StudyPanel::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::StyleChange)
        applyTheme();
    QWidget::changeEvent(event);
}

} // namespace sinar::ui
