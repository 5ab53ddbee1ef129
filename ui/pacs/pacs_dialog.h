#pragma once
// File > Query/retrieve (PACS): the DICOM nodes (kept in the settings, with a
// C-ECHO test), a study query and its series, retrieval into the local study
// store with progress and cancel (retrieved series open at once), sending the
// open study, and an optional receiver for studies a PACS or modality pushes.
// All network work runs in the background (core/pacs/pacs.h).
#include <QDialog>
#include <QFutureWatcher>
#include <functional>
#include <memory>

#include "common/cancel_token.h"
#include "pacs/pacs.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace sinar::ui {

class PacsDialog : public QDialog {
    Q_OBJECT
public:
    explicit PacsDialog(QWidget* parent = nullptr);
    ~PacsDialog() override;

    // The node the fields describe (not necessarily saved).
    pacs::Node node() const;
    void setNode(const QString& name, const pacs::Node& node);
    // Where retrieved and received studies go: OUT/<study>/<series>/<instance>.dcm.
    QString storeFolder() const;
    void setStoreFolder(const QString& folder);
    // The files "Send open study" sends (the main window provides them).
    void setOpenStudyFiles(std::function<QStringList()> provider);

    // The actions of the buttons (also for tests).
    void echo();
    void search();
    // Find patients instead of studies (the level box); a patient chosen in
    // the table then finds their studies.
    void setPatientLevel(bool on);
    void retrieveSelected();
    void sendOpenStudy();
    void cancel();
    void setReceiving(bool on);
    bool busy() const;
    bool receiving() const;

    QTableWidget* studies() const { return studies_; }
    QTableWidget* series() const { return series_; }
    QLabel* status() const { return status_; }
    QLineEdit* patientNameField() const { return patientName_; }

signals:
    // Retrieved or received series, as folders of the store, to open.
    void seriesArrived(const QStringList& folders);
    // A background job ended (echo, search, series list, retrieval, send).
    void jobFinished(bool ok);

private:
    void buildUi();
    // Received instances arrive one by one: their folders are opened once
    // the sender has been quiet for a moment.
    void queueArrival(const QString& folder);
    void loadSettings();
    void saveNode();
    void removeNode();
    void nodeChosen(int index);
    void listSeries();
    void startJob(const QString& what, std::function<QString(const CancelToken&, const ProgressFn&)> work,
                  std::function<void()> done = {});
    void setStatus(const QString& text, bool error = false);
    void updateButtons();

    QComboBox* nodes_ = nullptr;
    QLineEdit *host_ = nullptr, *calling_ = nullptr, *called_ = nullptr, *caFile_ = nullptr;
    QSpinBox *port_ = nullptr, *timeout_ = nullptr;
    QCheckBox* tls_ = nullptr;
    QLineEdit *patientName_ = nullptr, *patientId_ = nullptr, *accession_ = nullptr, *studyDate_ = nullptr,
              *description_ = nullptr;
    QComboBox* modality_ = nullptr;
    QComboBox* level_ = nullptr; // studies or patients
    bool showingPatients_ = false; // the upper table lists patients (selecting one finds their studies)
    QComboBox* method_ = nullptr; // C-GET or C-MOVE
    QSpinBox* movePort_ = nullptr;
    QTableWidget *studies_ = nullptr, *series_ = nullptr;
    QLineEdit* store_ = nullptr;
    QPushButton *echoButton_ = nullptr, *searchButton_ = nullptr, *retrieveButton_ = nullptr,
                *sendButton_ = nullptr, *cancelButton_ = nullptr;
    QCheckBox* receive_ = nullptr;
    QSpinBox* receivePort_ = nullptr;
    QLineEdit* receiveAet_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;

    std::function<QStringList()> openStudyFiles_;
    QFutureWatcher<QString>* watcher_ = nullptr;
    std::shared_ptr<CancelToken> jobCancel_;
    std::function<void()> jobDone_;
    QString jobName_;
    // Results of the last query, filled in the background and read when it ends.
    std::shared_ptr<std::vector<pacs::Match>> studyMatches_, seriesMatches_;
    std::shared_ptr<QStringList> arrived_;
    // The receiver.
    QFutureWatcher<QString>* receiver_ = nullptr;
    QTimer* arrivalTimer_ = nullptr;
    QStringList pendingFolders_;
    int receivedCount_ = 0;
    std::shared_ptr<CancelToken> receiverStop_;
};

} // namespace sinar::ui
