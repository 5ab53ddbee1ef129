#include "ui/pacs/pacs_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>
#include <set>

#include "common/error.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {

QSettings settings()
{
    return QSettings(QStringLiteral("Sinar"), QStringLiteral("Sinar"));
}

QString value(const pacs::Match& m, const char* key)
{
    auto it = m.find(key);
    return it == m.end() ? QString() : QString::fromStdString(it->second);
}

// "20010316" -> "2001-03-16" for reading; anything else as it came.
QString readableDate(const QString& d)
{
    return d.size() == 8 && d.toInt() > 0 ? d.left(4) + "-" + d.mid(4, 2) + "-" + d.mid(6, 2) : d;
}

// Fills `table` with one row per match, the cells `rowOf` gives.
void fillTable(QTableWidget* table, const std::vector<pacs::Match>& matches,
               const std::function<QStringList(const pacs::Match&)>& rowOf)
{
    table->setRowCount(static_cast<int>(matches.size()));
    int row = 0;
    for (const pacs::Match& m : matches) {
        const QStringList cells = rowOf(m);
        for (int c = 0; c < cells.size(); ++c)
            table->setItem(row, c, new QTableWidgetItem(cells[c]));
        ++row;
    }
    table->resizeColumnsToContents();
}

QJsonObject nodeToJson(const QString& name, const pacs::Node& n)
{
    return {{"name", name},
            {"host", QString::fromStdString(n.host)},
            {"port", n.port},
            {"calling", QString::fromStdString(n.callingAet)},
            {"called", QString::fromStdString(n.calledAet)},
            {"timeout", n.timeoutSeconds},
            {"tls", n.tls},
            {"ca", QString::fromStdString(n.tlsCaFile)}};
}

pacs::Node nodeFromJson(const QJsonObject& o)
{
    pacs::Node n;
    n.host = o["host"].toString("127.0.0.1").toStdString();
    n.port = o["port"].toInt(104);
    n.callingAet = o["calling"].toString("SINAR").toStdString();
    n.calledAet = o["called"].toString("ANY-SCP").toStdString();
    n.timeoutSeconds = o["timeout"].toInt(10);
    n.tls = o["tls"].toBool(false);
    n.tlsCaFile = o["ca"].toString().toStdString();
    return n;
}

QJsonArray savedNodes()
{
    return QJsonDocument::fromJson(settings().value(QStringLiteral("pacs/nodes")).toByteArray()).array();
}

} // namespace

PacsDialog::PacsDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Query/retrieve (PACS)"));
    setObjectName(QStringLiteral("pacsDialog"));
    watcher_ = new QFutureWatcher<QString>(this);
    receiver_ = new QFutureWatcher<QString>(this);
    studyMatches_ = std::make_shared<std::vector<pacs::Match>>();
    seriesMatches_ = std::make_shared<std::vector<pacs::Match>>();
    arrived_ = std::make_shared<QStringList>();
    arrivalTimer_ = new QTimer(this);
    arrivalTimer_->setSingleShot(true);
    arrivalTimer_->setInterval(1500);
    connect(arrivalTimer_, &QTimer::timeout, this, [this] {
        QStringList folders = pendingFolders_;
        pendingFolders_.clear();
        folders.removeDuplicates();
        if (!folders.isEmpty())
            emit seriesArrived(folders);
    });
    buildUi();
    loadSettings();
    connect(watcher_, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = watcher_->future().resultCount() ? watcher_->result() : tr("stopped");
        const bool ok = error.isEmpty();
        progress_->setVisible(false);
        if (!ok)
            setStatus(jobName_ + ": " + error, true);
        auto done = std::move(jobDone_);
        jobDone_ = {};
        if (ok && done)
            done();
        updateButtons();
        emit jobFinished(ok);
    });
    connect(receiver_, &QFutureWatcher<QString>::finished, this, [this] {
        const QString error = receiver_->future().resultCount() ? receiver_->result() : QString();
        receive_->blockSignals(true);
        receive_->setChecked(false);
        receive_->blockSignals(false);
        if (!error.isEmpty())
            setStatus(tr("Receiver: %1").arg(error), true);
        else
            setStatus(tr("Receiver stopped."));
        updateButtons();
    });
    updateButtons();
}

PacsDialog::~PacsDialog()
{
    if (jobCancel_)
        jobCancel_->cancel();
    if (receiverStop_)
        receiverStop_->cancel();
    watcher_->waitForFinished();
    receiver_->waitForFinished();
}

void PacsDialog::buildUi()
{
    auto* layout = new QVBoxLayout(this);

    // The node.
    auto* nodeBox = new QGroupBox(tr("PACS node"));
    auto* nodeForm = new QFormLayout(nodeBox);
    auto* nodeRow = new QHBoxLayout;
    nodes_ = new QComboBox;
    nodes_->setObjectName(QStringLiteral("pacsNodes"));
    nodes_->setMinimumWidth(180);
    auto* save = new QPushButton(tr("Save"));
    auto* remove = new QPushButton(tr("Remove"));
    echoButton_ = new QPushButton(tr("Test (C-ECHO)"));
    echoButton_->setObjectName(QStringLiteral("pacsEcho"));
    nodeRow->addWidget(nodes_, 1);
    nodeRow->addWidget(save);
    nodeRow->addWidget(remove);
    nodeRow->addWidget(echoButton_);
    nodeForm->addRow(tr("Saved nodes"), nodeRow);
    auto* addrRow = new QHBoxLayout;
    host_ = new QLineEdit(QStringLiteral("127.0.0.1"));
    port_ = new QSpinBox;
    port_->setRange(1, 65535);
    port_->setValue(104);
    called_ = new QLineEdit(QStringLiteral("ANY-SCP"));
    called_->setMaxLength(16);
    calling_ = new QLineEdit(QStringLiteral("SINAR"));
    calling_->setMaxLength(16);
    timeout_ = new QSpinBox;
    timeout_->setRange(1, 600);
    timeout_->setValue(10);
    timeout_->setSuffix(tr(" s"));
    addrRow->addWidget(new QLabel(tr("Host")));
    addrRow->addWidget(host_, 2);
    addrRow->addWidget(new QLabel(tr("Port")));
    addrRow->addWidget(port_);
    addrRow->addWidget(new QLabel(tr("Called AE")));
    addrRow->addWidget(called_, 1);
    addrRow->addWidget(new QLabel(tr("Our AE")));
    addrRow->addWidget(calling_, 1);
    addrRow->addWidget(new QLabel(tr("Timeout")));
    addrRow->addWidget(timeout_);
    nodeForm->addRow(addrRow);
    auto* tlsRow = new QHBoxLayout;
    tls_ = new QCheckBox(tr("TLS"));
    caFile_ = new QLineEdit;
    caFile_->setPlaceholderText(tr("PEM file of the PACS's certificate authority (empty: not checked)"));
    auto* caBrowse = new QPushButton(tr("…"));
    tlsRow->addWidget(tls_);
    tlsRow->addWidget(caFile_, 1);
    tlsRow->addWidget(caBrowse);
    nodeForm->addRow(tlsRow);
    layout->addWidget(nodeBox);

    // The query.
    auto* queryBox = new QGroupBox(tr("Find studies"));
    auto* q = new QHBoxLayout(queryBox);
    patientName_ = new QLineEdit;
    patientName_->setPlaceholderText(tr("Patient name (DOE^* )"));
    patientId_ = new QLineEdit;
    patientId_->setPlaceholderText(tr("Patient ID"));
    accession_ = new QLineEdit;
    accession_->setPlaceholderText(tr("Accession"));
    studyDate_ = new QLineEdit;
    studyDate_->setPlaceholderText(tr("Date: 20240101-20241231"));
    description_ = new QLineEdit;
    description_->setPlaceholderText(tr("Description"));
    modality_ = new QComboBox;
    modality_->setEditable(true);
    modality_->addItems({QString(), "CR", "DX", "MR", "CT", "US", "XA", "MG", "NM", "PT", "OT", "SR"});
    modality_->setToolTip(tr("Modality in the study"));
    level_ = new QComboBox;
    level_->addItems({tr("Studies"), tr("Patients")});
    level_->setToolTip(tr("Find studies, or patients (choose one to see their studies)"));
    searchButton_ = new QPushButton(tr("Search"));
    searchButton_->setObjectName(QStringLiteral("pacsSearch"));
    searchButton_->setDefault(true);
    for (QWidget* w : {static_cast<QWidget*>(patientName_), static_cast<QWidget*>(patientId_),
                       static_cast<QWidget*>(accession_), static_cast<QWidget*>(studyDate_),
                       static_cast<QWidget*>(description_), static_cast<QWidget*>(modality_),
                       static_cast<QWidget*>(level_), static_cast<QWidget*>(searchButton_)})
        q->addWidget(w);
    layout->addWidget(queryBox);

    studies_ = new QTableWidget(0, 7);
    studies_->setObjectName(QStringLiteral("pacsStudies"));
    studies_->setHorizontalHeaderLabels(
        {tr("Patient"), tr("Patient ID"), tr("Date"), tr("Modalities"), tr("Description"), tr("Images"), tr("Study UID")});
    series_ = new QTableWidget(0, 5);
    series_->setObjectName(QStringLiteral("pacsSeries"));
    series_->setHorizontalHeaderLabels({tr("Series"), tr("Modality"), tr("Description"), tr("Images"), tr("Series UID")});
    for (QTableWidget* t : {studies_, series_}) {
        t->setSelectionBehavior(QAbstractItemView::SelectRows);
        t->setEditTriggers(QAbstractItemView::NoEditTriggers);
        t->horizontalHeader()->setStretchLastSection(true);
        t->verticalHeader()->hide();
    }
    series_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    studies_->setSelectionMode(QAbstractItemView::SingleSelection);
    layout->addWidget(studies_, 3);
    layout->addWidget(new QLabel(tr("Series of the selected study (select some to retrieve only those):")));
    layout->addWidget(series_, 2);

    // Retrieval and sending.
    auto* rRow = new QHBoxLayout;
    method_ = new QComboBox;
    method_->addItems({tr("C-GET"), tr("C-MOVE")});
    method_->setToolTip(tr("C-MOVE needs the PACS to know our AE title at this computer's address and the port beside"));
    movePort_ = new QSpinBox;
    movePort_->setRange(1, 65535);
    movePort_->setValue(11112);
    movePort_->setToolTip(tr("C-MOVE: the port Sinar receives on"));
    store_ = new QLineEdit;
    store_->setToolTip(tr("The local study store: retrieved and received studies"));
    auto* storeBrowse = new QPushButton(tr("…"));
    retrieveButton_ = new QPushButton(tr("Retrieve"));
    retrieveButton_->setObjectName(QStringLiteral("pacsRetrieve"));
    sendButton_ = new QPushButton(tr("Send open study"));
    sendButton_->setToolTip(tr("Store the study on screen in this PACS (C-STORE)"));
    cancelButton_ = new QPushButton(tr("Cancel"));
    rRow->addWidget(method_);
    rRow->addWidget(movePort_);
    rRow->addWidget(new QLabel(tr("into")));
    rRow->addWidget(store_, 1);
    rRow->addWidget(storeBrowse);
    rRow->addWidget(retrieveButton_);
    rRow->addWidget(sendButton_);
    rRow->addWidget(cancelButton_);
    layout->addLayout(rRow);

    auto* recvRow = new QHBoxLayout;
    receive_ = new QCheckBox(tr("Receive studies pushed to us (C-STORE) on port"));
    receivePort_ = new QSpinBox;
    receivePort_->setRange(1, 65535);
    receivePort_->setValue(11112);
    receiveAet_ = new QLineEdit(QStringLiteral("SINAR"));
    receiveAet_->setMaxLength(16);
    recvRow->addWidget(receive_);
    recvRow->addWidget(receivePort_);
    recvRow->addWidget(new QLabel(tr("as AE")));
    recvRow->addWidget(receiveAet_);
    recvRow->addStretch(1);
    layout->addLayout(recvRow);

    progress_ = new QProgressBar;
    progress_->setVisible(false);
    status_ = new QLabel;
    status_->setObjectName(QStringLiteral("pacsStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    resize(980, 720);

    connect(nodes_, qOverload<int>(&QComboBox::activated), this, &PacsDialog::nodeChosen);
    connect(save, &QPushButton::clicked, this, &PacsDialog::saveNode);
    connect(remove, &QPushButton::clicked, this, &PacsDialog::removeNode);
    connect(echoButton_, &QPushButton::clicked, this, &PacsDialog::echo);
    connect(searchButton_, &QPushButton::clicked, this, &PacsDialog::search);
    for (QLineEdit* e : {patientName_, patientId_, accession_, studyDate_, description_})
        connect(e, &QLineEdit::returnPressed, this, &PacsDialog::search);
    connect(retrieveButton_, &QPushButton::clicked, this, &PacsDialog::retrieveSelected);
    connect(sendButton_, &QPushButton::clicked, this, &PacsDialog::sendOpenStudy);
    connect(cancelButton_, &QPushButton::clicked, this, &PacsDialog::cancel);
    connect(studies_, &QTableWidget::itemSelectionChanged, this, &PacsDialog::listSeries);
    connect(studies_, &QTableWidget::cellDoubleClicked, this, [this] { retrieveSelected(); });
    connect(series_, &QTableWidget::itemSelectionChanged, this, &PacsDialog::updateButtons);
    connect(receive_, &QCheckBox::toggled, this, &PacsDialog::setReceiving);
    connect(caBrowse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Certificate authority (PEM)"), {}, tr("PEM (*.pem *.crt);;All files (*)"));
        if (!f.isEmpty())
            caFile_->setText(f);
    });
    connect(storeBrowse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Study store"), store_->text());
        if (!d.isEmpty())
            setStoreFolder(d);
    });
    connect(method_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        movePort_->setEnabled(i == 1);
        settings().setValue(QStringLiteral("pacs/method"), i);
    });
}

void PacsDialog::loadSettings()
{
    QSettings s = settings();
    store_->setText(s.value(QStringLiteral("pacs/store"),
                            QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/studies"))
                        .toString());
    method_->setCurrentIndex(s.value(QStringLiteral("pacs/method"), 0).toInt());
    movePort_->setEnabled(method_->currentIndex() == 1);
    movePort_->setValue(s.value(QStringLiteral("pacs/movePort"), 11112).toInt());
    receivePort_->setValue(s.value(QStringLiteral("pacs/receivePort"), 11112).toInt());
    receiveAet_->setText(s.value(QStringLiteral("pacs/receiveAet"), QStringLiteral("SINAR")).toString());
    nodes_->clear();
    const QJsonArray list = savedNodes();
    for (const QJsonValue& v : list)
        nodes_->addItem(v.toObject()["name"].toString());
    const QString current = s.value(QStringLiteral("pacs/current")).toString();
    const int i = std::max(0, nodes_->findText(current));
    if (nodes_->count()) {
        nodes_->setCurrentIndex(i);
        nodeChosen(i);
    }
}

void PacsDialog::nodeChosen(int index)
{
    const QJsonArray list = savedNodes();
    if (index < 0 || index >= list.size())
        return;
    const QJsonObject o = list[index].toObject();
    setNode(o["name"].toString(), nodeFromJson(o));
    settings().setValue(QStringLiteral("pacs/current"), o["name"].toString());
}

void PacsDialog::setNode(const QString& name, const pacs::Node& n)
{
    host_->setText(QString::fromStdString(n.host));
    port_->setValue(n.port);
    calling_->setText(QString::fromStdString(n.callingAet));
    called_->setText(QString::fromStdString(n.calledAet));
    timeout_->setValue(n.timeoutSeconds);
    tls_->setChecked(n.tls);
    caFile_->setText(QString::fromStdString(n.tlsCaFile));
    if (!name.isEmpty()) {
        const int i = nodes_->findText(name);
        if (i >= 0)
            nodes_->setCurrentIndex(i);
    }
}

pacs::Node PacsDialog::node() const
{
    pacs::Node n;
    n.host = host_->text().trimmed().toStdString();
    n.port = port_->value();
    n.callingAet = calling_->text().trimmed().toStdString();
    n.calledAet = called_->text().trimmed().toStdString();
    n.timeoutSeconds = timeout_->value();
    n.tls = tls_->isChecked();
    n.tlsCaFile = caFile_->text().trimmed().toStdString();
    return n;
}

void PacsDialog::saveNode()
{
    const pacs::Node n = node();
    const QString name = QStringLiteral("%1 @ %2:%3").arg(QString::fromStdString(n.calledAet), QString::fromStdString(n.host)).arg(n.port);
    QJsonArray list = savedNodes();
    for (int i = 0; i < list.size(); ++i)
        if (list[i].toObject()["name"].toString() == name)
            list.removeAt(i--);
    list.append(nodeToJson(name, n));
    QSettings s = settings();
    s.setValue(QStringLiteral("pacs/nodes"), QJsonDocument(list).toJson(QJsonDocument::Compact));
    s.setValue(QStringLiteral("pacs/current"), name);
    loadSettings();
    setStatus(tr("Saved node %1.").arg(name));
}

void PacsDialog::removeNode()
{
    const QString name = nodes_->currentText();
    QJsonArray list = savedNodes();
    for (int i = 0; i < list.size(); ++i)
        if (list[i].toObject()["name"].toString() == name)
            list.removeAt(i--);
    settings().setValue(QStringLiteral("pacs/nodes"), QJsonDocument(list).toJson(QJsonDocument::Compact));
    loadSettings();
}

QString PacsDialog::storeFolder() const
{
    return store_->text();
}

void PacsDialog::setStoreFolder(const QString& folder)
{
    store_->setText(folder);
    settings().setValue(QStringLiteral("pacs/store"), folder);
}

void PacsDialog::setOpenStudyFiles(std::function<QStringList()> provider)
{
    openStudyFiles_ = std::move(provider);
    updateButtons();
}

bool PacsDialog::busy() const
{
    return watcher_->isRunning();
}

bool PacsDialog::receiving() const
{
    return receiver_->isRunning();
}

void PacsDialog::setStatus(const QString& text, bool error)
{
    status_->setText(text);
    status_->setStyleSheet(error ? QStringLiteral("color: #e06c5a;") : QString());
}

void PacsDialog::updateButtons()
{
    const bool running = busy();
    echoButton_->setEnabled(!running);
    searchButton_->setEnabled(!running);
    retrieveButton_->setEnabled(!running && !showingPatients_ && !studies_->selectedItems().isEmpty());
    sendButton_->setEnabled(!running && static_cast<bool>(openStudyFiles_));
    cancelButton_->setEnabled(running);
}

void PacsDialog::startJob(const QString& what, std::function<QString(const CancelToken&, const ProgressFn&)> work,
                          std::function<void()> done)
{
    if (busy())
        return;
    jobName_ = what;
    jobDone_ = std::move(done);
    jobCancel_ = std::make_shared<CancelToken>();
    auto cancelToken = jobCancel_;
    QPointer<PacsDialog> self(this);
    const ProgressFn progress = [self](long long doneCount, long long total, const std::string& text) {
        QMetaObject::invokeMethod(
            self.data(),
            [self, doneCount, total, text] {
                if (!self)
                    return;
                self->progress_->setVisible(true);
                self->progress_->setRange(0, static_cast<int>(std::max<long long>(total, 1)));
                self->progress_->setValue(static_cast<int>(doneCount));
                self->setStatus(QStringLiteral("%1: %2 of %3").arg(self->jobName_, QString::fromStdString(text)).arg(doneCount).arg(total) +
                                QStringLiteral(" …"));
            },
            Qt::QueuedConnection);
    };
    setStatus(what + QStringLiteral(" …"));
    progress_->setRange(0, 0);
    progress_->setVisible(true);
    watcher_->setFuture(QtConcurrent::run([work = std::move(work), cancelToken, progress]() -> QString {
        try {
            return work(*cancelToken, progress);
        } catch (const Cancelled&) {
            return QObject::tr("cancelled; what arrived so far is kept");
        } catch (const std::exception& e) {
            return errorText(e);
        }
    }));
    updateButtons();
}

void PacsDialog::cancel()
{
    if (jobCancel_)
        jobCancel_->cancel();
}

void PacsDialog::echo()
{
    const pacs::Node n = node();
    auto ms = std::make_shared<double>(0);
    startJob(tr("Testing %1").arg(QString::fromStdString(n.label())),
             [n, ms](const CancelToken&, const ProgressFn&) {
                 *ms = pacs::echo(n);
                 return QString();
             },
             [this, n, ms] {
                 setStatus(tr("PACS %1 answered the C-ECHO in %2 ms.").arg(QString::fromStdString(n.label())).arg(*ms, 0, 'f', 1));
             });
}

void PacsDialog::setPatientLevel(bool on)
{
    level_->setCurrentIndex(on ? 1 : 0);
}

void PacsDialog::search()
{
    const pacs::Node n = node();
    if (level_->currentIndex() == 1) {
        pacs::Query q;
        q.level = pacs::Level::Patient;
        q.patientName = patientName_->text().trimmed().toStdString();
        q.patientId = patientId_->text().trimmed().toStdString();
        auto out = studyMatches_ = std::make_shared<std::vector<pacs::Match>>();
        startJob(tr("Searching %1").arg(QString::fromStdString(n.label())),
                 [n, q, out](const CancelToken& c, const ProgressFn&) {
                     *out = pacs::find(n, q, &c);
                     return QString();
                 },
                 [this, out, n] {
                     showingPatients_ = true;
                     studies_->setRowCount(0);
                     series_->setRowCount(0);
                     studies_->setHorizontalHeaderLabels({tr("Patient"), tr("Patient ID"), tr("Birth date"), tr("Sex"),
                                                          QString(), tr("Studies"), QString()});
                     fillTable(studies_, *out, [](const pacs::Match& m) {
                         return QStringList{value(m, "PatientName"), value(m, "PatientID"),
                                                 readableDate(value(m, "PatientBirthDate")), value(m, "PatientSex"), QString(),
                                                 value(m, "NumberOfPatientRelatedStudies"), QString()};
                     });
                     setStatus(out->empty() ? tr("No patient matches at %1.").arg(QString::fromStdString(n.label()))
                                            : tr("%n patient(s) found; choose one to find their studies.", nullptr,
                                                 static_cast<int>(out->size())));
                 });
        return;
    }
    pacs::Query q;
    q.level = pacs::Level::Study;
    q.patientName = patientName_->text().trimmed().toStdString();
    q.patientId = patientId_->text().trimmed().toStdString();
    q.accessionNumber = accession_->text().trimmed().toStdString();
    q.studyDate = studyDate_->text().trimmed().toStdString();
    q.studyDescription = description_->text().trimmed().toStdString();
    q.modality = modality_->currentText().trimmed().toStdString();
    auto out = studyMatches_ = std::make_shared<std::vector<pacs::Match>>();
    startJob(tr("Searching %1").arg(QString::fromStdString(n.label())),
             [n, q, out](const CancelToken& c, const ProgressFn&) {
                 *out = pacs::find(n, q, &c);
                 return QString();
             },
             [this, out, n] {
                 showingPatients_ = false;
                 studies_->setRowCount(0);
                 series_->setRowCount(0);
                 studies_->setHorizontalHeaderLabels({tr("Patient"), tr("Patient ID"), tr("Date"), tr("Modalities"),
                                                      tr("Description"), tr("Images"), tr("Study UID")});
                 fillTable(studies_, *out, [](const pacs::Match& m) {
                     return QStringList{value(m, "PatientName"), value(m, "PatientID"), readableDate(value(m, "StudyDate")),
                                             value(m, "ModalitiesInStudy"), value(m, "StudyDescription"),
                                             value(m, "NumberOfStudyRelatedInstances"), value(m, "StudyInstanceUID")};
                 });
                 setStatus(out->empty() ? tr("No study matches at %1.").arg(QString::fromStdString(n.label()))
                                        : tr("%n stud(ies) found; select one to see its series, double-click to retrieve it.",
                                             nullptr, static_cast<int>(out->size())));
             });
}

void PacsDialog::listSeries()
{
    updateButtons();
    series_->setRowCount(0);
    const auto rows = studies_->selectionModel()->selectedRows();
    if (rows.isEmpty() || busy())
        return;
    if (showingPatients_) {
        // A patient: their studies.
        patientId_->setText(studies_->item(rows.first().row(), 1)->text());
        patientName_->clear();
        setPatientLevel(false);
        search();
        return;
    }
    const QString study = studies_->item(rows.first().row(), 6)->text();
    const pacs::Node n = node();
    pacs::Query q;
    q.level = pacs::Level::Series;
    q.studyUid = study.toStdString();
    auto out = seriesMatches_ = std::make_shared<std::vector<pacs::Match>>();
    startJob(tr("Listing the series"),
             [n, q, out](const CancelToken& c, const ProgressFn&) {
                 *out = pacs::find(n, q, &c);
                 return QString();
             },
             [this, out] {
                 fillTable(series_, *out, [](const pacs::Match& m) {
                     return QStringList{value(m, "SeriesNumber"), value(m, "Modality"), value(m, "SeriesDescription"),
                                             value(m, "NumberOfSeriesRelatedInstances"), value(m, "SeriesInstanceUID")};
                 });
                 setStatus(tr("%n series in the study.", nullptr, static_cast<int>(out->size())));
             });
}

void PacsDialog::retrieveSelected()
{
    const auto rows = studies_->selectionModel()->selectedRows();
    if (rows.isEmpty() || busy() || showingPatients_)
        return;
    const std::string study = studies_->item(rows.first().row(), 6)->text().toStdString();
    std::vector<std::string> seriesUids;
    for (const QModelIndex& r : series_->selectionModel()->selectedRows())
        seriesUids.push_back(series_->item(r.row(), 4)->text().toStdString());
    if (seriesUids.empty())
        seriesUids.push_back({}); // the whole study
    const pacs::Node n = node();
    pacs::RetrieveOptions options;
    if (method_->currentIndex() == 1) {
        options.method = pacs::RetrieveMethod::Move;
        options.receivePort = movePort_->value();
        options.moveDestination = n.callingAet;
        settings().setValue(QStringLiteral("pacs/movePort"), movePort_->value());
    }
    const std::string out = store_->text().toStdString();
    if (out.empty()) {
        setStatus(tr("Choose a folder for the study store first."), true);
        return;
    }
    settings().setValue(QStringLiteral("pacs/store"), store_->text());
    auto folders = arrived_ = std::make_shared<QStringList>();
    auto counts = std::make_shared<std::pair<int, int>>(0, 0);
    startJob(tr("Retrieving"),
             [n, study, seriesUids, out, options, folders, counts](const CancelToken& c, const ProgressFn& progress) {
                 for (const std::string& s : seriesUids) {
                     const pacs::RetrieveResult r = pacs::retrieve(n, study, s, out, options, progress, &c);
                     counts->first += r.received;
                     counts->second += r.alreadyPresent;
                     for (const std::string& f : r.seriesFolders)
                         folders->append(QString::fromStdString(f));
                     if (!r.complete())
                         return QObject::tr("%1 of %2 instance(s) arrived; retrieve again to fetch the rest")
                             .arg(r.received + r.alreadyPresent)
                             .arg(r.expected);
                 }
                 return QString();
             },
             [this, folders, counts] {
                 setStatus(tr("Retrieved %1 instance(s) (%2 already in the store); opened.").arg(counts->first).arg(counts->second));
                 folders->removeDuplicates();
                 emit seriesArrived(*folders);
             });
}

void PacsDialog::sendOpenStudy()
{
    if (!openStudyFiles_)
        return;
    const QStringList files = openStudyFiles_();
    if (files.isEmpty()) {
        setStatus(tr("No DICOM study is open."), true);
        return;
    }
    std::vector<std::string> paths;
    for (const QString& f : files)
        paths.push_back(f.toStdString());
    const pacs::Node n = node();
    auto sent = std::make_shared<int>(0);
    startJob(tr("Sending to %1").arg(QString::fromStdString(n.label())),
             [n, paths, sent](const CancelToken& c, const ProgressFn& progress) {
                 const pacs::SendResult r = pacs::send(n, paths, progress, &c);
                 *sent = r.sent;
                 if (!r.failures.empty())
                     return QObject::tr("%1 of %2 file(s) sent; not sent: %3 (%4)")
                         .arg(r.sent)
                         .arg(paths.size())
                         .arg(QString::fromStdString(r.failures.front().file), QString::fromStdString(r.failures.front().reason));
                 return QString();
             },
             [this, sent, n] { setStatus(tr("Sent %1 file(s) to %2.").arg(*sent).arg(QString::fromStdString(n.label()))); });
}

void PacsDialog::queueArrival(const QString& folder)
{
    ++receivedCount_;
    pendingFolders_ << folder;
    setStatus(tr("Received %n instance(s); the newest into %1.", nullptr, receivedCount_).arg(folder));
    arrivalTimer_->start();
}

void PacsDialog::setReceiving(bool on)
{
    if (!on) {
        if (receiverStop_)
            receiverStop_->cancel();
        return;
    }
    if (receiving())
        return;
    pacs::ListenOptions o;
    o.port = receivePort_->value();
    o.aet = receiveAet_->text().trimmed().toStdString();
    o.outDir = store_->text().toStdString();
    QSettings s = settings();
    s.setValue(QStringLiteral("pacs/receivePort"), o.port);
    s.setValue(QStringLiteral("pacs/receiveAet"), receiveAet_->text().trimmed());
    receiverStop_ = std::make_shared<CancelToken>();
    auto stop = receiverStop_;
    QPointer<PacsDialog> self(this);
    auto stored = [self](const std::string& file) {
        const QString folder = QFileInfo(QString::fromStdString(file)).path();
        QMetaObject::invokeMethod(
            self.data(),
            [self, folder] {
                if (!self)
                    return;
                self->queueArrival(folder);
            },
            Qt::QueuedConnection);
    };
    receiver_->setFuture(QtConcurrent::run([o, stop, stored]() -> QString {
        try {
            QDir().mkpath(QString::fromStdString(o.outDir));
            pacs::listen(o, stored, stop.get());
            return QString();
        } catch (const std::exception& e) {
            return errorText(e);
        }
    }));
    setStatus(tr("Receiving on port %1 as %2 into %3.").arg(o.port).arg(QString::fromStdString(o.aet), store_->text()));
}

} // namespace sinar::ui
