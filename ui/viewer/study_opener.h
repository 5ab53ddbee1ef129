#pragma once
// StudyOpener: scans files, folders or DICOMDIRs for series in the background
// (StudyScanner), one scan at a time; paths asked for while a scan runs are
// scanned together after it. It reports the start, the progress and the
// result on the GUI thread; showing them is the caller's.
//
// Cancel is never waited for: the scan's cancel token is set, the scan is
// reported cancelled at once and the paths queued behind it start. A scan
// that honours the token ends soon after; one stuck inside a library call (a
// read from a hung network share, a codec looping on a damaged file) is left
// behind on its own thread, and nothing of it reaches the window any more
// (ui/widgets/background_job.h).
#include <QObject>
#include <QStringList>
#include <functional>
#include <memory>

#include "common/cancel_token.h"
#include "ui/viewer/study_scanner.h"

namespace sinar::ui {

class JobTicket;

class StudyOpener : public QObject {
    Q_OBJECT
public:
    // What a scan does: StudyScanner::scan, or a stand-in in tests.
    using ScanFn = std::function<ScanResult(const QStringList& paths, const CancelToken* cancel, const ProgressFn& progress)>;

    explicit StudyOpener(QObject* parent = nullptr, ScanFn scan = {});
    // Cancels a running scan without waiting for it; nothing is reported after.
    ~StudyOpener() override;

    // Starts scanning `paths`, or queues them after the running scan.
    void open(const QStringList& paths);
    // Reports the running scan cancelled (`finished`, at once) and starts the
    // queued paths; the scan itself is asked to stop and not waited for.
    void cancel();
    bool scanning() const;

signals:
    void started(const QStringList& paths);
    void progress(long long done, long long total);
    // A scan ended; `result.skipped` is negative when it was cancelled.
    // Queued paths start right after.
    void finished(const sinar::ui::ScanResult& result);

private:
    void onFinished(const ScanResult& result);

    ScanFn scan_;
    std::shared_ptr<JobTicket> ticket_; // of the running scan
    std::shared_ptr<CancelToken> cancel_;
    QStringList pending_;
};

} // namespace sinar::ui
