#pragma once
// StudyOpener: scans files, folders or DICOMDIRs for series in the background
// (StudyScanner), one scan at a time; paths asked for while a scan runs are
// scanned together after it. It reports the start, the progress and the
// result on the GUI thread; showing them is the caller's.
#include <QObject>
#include <QStringList>
#include <memory>

#include "common/cancel_token.h"
#include "ui/viewer/study_scanner.h"

template <typename T>
class QFutureWatcher;

namespace sinar::ui {

class StudyOpener : public QObject {
    Q_OBJECT
public:
    explicit StudyOpener(QObject* parent = nullptr);
    // Cancels a running scan and waits for it; nothing is reported after.
    ~StudyOpener() override;

    // Starts scanning `paths`, or queues them after the running scan.
    void open(const QStringList& paths);
    void cancel();
    bool scanning() const;

signals:
    void started(const QStringList& paths);
    void progress(long long done, long long total);
    // A scan ended; `result.skipped` is negative when it was cancelled.
    // Queued paths start right after.
    void finished(const sinar::ui::ScanResult& result);

private:
    void onFinished();

    QFutureWatcher<ScanResult>* watcher_;
    std::shared_ptr<CancelToken> cancel_;
    QStringList pending_;
};

} // namespace sinar::ui
