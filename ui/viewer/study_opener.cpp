#include "ui/viewer/study_opener.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

#include "common/error.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

StudyOpener::StudyOpener(QObject* parent)
    : QObject(parent), watcher_(new QFutureWatcher<ScanResult>(this))
{
    connect(watcher_, &QFutureWatcher<ScanResult>::finished, this, &StudyOpener::onFinished);
}

StudyOpener::~StudyOpener()
{
    cancel();
    watcher_->disconnect(this);
    watcher_->waitForFinished();
}

bool StudyOpener::scanning() const
{
    return watcher_->isRunning();
}

void StudyOpener::cancel()
{
    if (cancel_)
        cancel_->cancel();
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
    emit started(paths);
    auto token = cancel_;
    watcher_->setFuture(QtConcurrent::run([this, paths, token]() -> ScanResult {
        // Progress reaches the GUI thread queued; the destructor waits for this scan.
        auto progress = [this](long long done, long long total, const std::string&) {
            QMetaObject::invokeMethod(this, [this, done, total] { emit this->progress(done, total); }, Qt::QueuedConnection);
        };
        try {
            return StudyScanner::scan(paths, token.get(), progress);
        } catch (const Cancelled&) {
            ScanResult r;
            r.skipped = -1; // marks a cancelled scan
            return r;
        } catch (const std::exception& e) {
            ScanResult r;
            r.failures.push_back(fileFailure(e, paths.join(", ").toStdString()));
            return r;
        }
    }));
}

void StudyOpener::onFinished()
{
    emit finished(watcher_->result());
    if (!pending_.isEmpty()) {
        const QStringList next = pending_;
        pending_.clear();
        open(next);
    }
}

} // namespace sinar::ui
