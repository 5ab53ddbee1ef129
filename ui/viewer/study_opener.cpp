#include "ui/viewer/study_opener.h"

#include <exception>

#include "common/error.h"
#include "ui/widgets/background_job.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

StudyOpener::StudyOpener(QObject* parent, ScanFn scan) : QObject(parent), scan_(std::move(scan))
{
    if (!scan_)
        scan_ = [](const QStringList& paths, const CancelToken* cancel, const ProgressFn& progress) {
            return StudyScanner::scan(paths, cancel, progress);
        };
}

StudyOpener::~StudyOpener()
{
    if (cancel_)
        cancel_->cancel();
    if (ticket_)
        ticket_->abandon();
}

bool StudyOpener::scanning() const
{
    return ticket_ != nullptr;
}

void StudyOpener::cancel()
{
    if (!ticket_)
        return;
    cancel_->cancel();
    ticket_->abandon();
    ticket_.reset();
    ScanResult r;
    r.skipped = -1; // marks a cancelled scan
    onFinished(r);
}

void StudyOpener::open(const QStringList& paths)
{
    if (paths.isEmpty())
        return;
    if (scanning()) {
        pending_ << paths; // after the running scan
        return;
    }
    cancel_ = std::make_shared<CancelToken>();
    ticket_ = std::make_shared<JobTicket>();
    emit started(paths);
    runJob<ScanResult>(
        ticket_, JobThread::Own, this,
        [this, paths, token = cancel_, ticket = ticket_, scan = scan_]() -> ScanResult {
            // `this` is only used on the GUI thread, reached through the ticket.
            auto progress = [this, ticket](long long done, long long total, const std::string&) {
                ticket->post(this, [this, done, total] { emit this->progress(done, total); });
            };
            try {
                return scan(paths, token.get(), progress);
            } catch (const Cancelled&) {
                ScanResult r;
                r.skipped = -1; // marks a cancelled scan
                return r;
            } catch (const std::exception& e) {
                ScanResult r;
                r.failures.push_back(fileFailure(e, paths.join(", ").toStdString()));
                return r;
            }
        },
        [this](const ScanResult& r) {
            ticket_.reset();
            onFinished(r);
        });
}

void StudyOpener::onFinished(const ScanResult& result)
{
    emit finished(result);
    if (!pending_.isEmpty()) {
        const QStringList next = pending_;
        pending_.clear();
        open(next);
    }
}

} // namespace sinar::ui
