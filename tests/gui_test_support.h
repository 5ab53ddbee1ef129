#pragma once
// Helpers of the GUI suites: an event loop that runs until a condition holds,
// and the per-thread clocks of the event-loop latency probe.
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QList>
#include <QSettings>
#include <QTimer>
#include <QtTest>
#include <ctime>
#include <memory>

namespace sinar::test {

// Milliseconds this thread has waited on the run queue (ready to run but
// without a CPU: other processes had the cores), from the kernel's schedstat;
// 0 where it is not available.
inline double threadRunQueueWaitMs()
{
    QFile f(QStringLiteral("/proc/thread-self/schedstat"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = f.readAll().simplified().split(' ');
    return fields.size() >= 2 ? fields[1].toDouble() / 1e6 : 0;
}

inline double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Settings, model library and demo study of this run only, below `dir`: the
// suite's windows see none of the user's and leave nothing behind.
inline void isolateUserState(const QString& dir)
{
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir + QStringLiteral("/settings"));
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir + QStringLiteral("/settings"));
    QDir().mkpath(dir + QStringLiteral("/models"));
    qputenv("SINAR_MODELS", QString(dir + QStringLiteral("/models")).toLocal8Bit());
    qputenv("SINAR_DEMO", QString(dir + QStringLiteral("/no-demo")).toLocal8Bit());
}

// A new top-level window (the main window), 1280 x 800, shown, active and
// exposed; null when it could not be exposed.
template <typename Window>
std::unique_ptr<Window> openExposedWindow()
{
    auto w = std::make_unique<Window>();
    w->resize(1280, 800);
    w->show();
    QApplication::setActiveWindow(w.get());
    if (!QTest::qWaitForWindowExposed(w.get()))
        return nullptr;
    return w;
}

// Runs the event loop (no sleeping between events, unlike QTest::qWaitFor)
// until `done` holds or `timeoutMs` passes.
template <typename F>
bool runEventLoopUntil(F done, int timeoutMs)
{
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    QTimer check;
    check.setInterval(10);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done() || clock.elapsed() > timeoutMs)
            loop.quit();
    });
    check.start();
    if (!done())
        loop.exec();
    return done();
}

// Records a signal's values on the GUI thread. QSignalSpy records in the
// emitting thread, so reading a spy on a worker's signal while the worker
// emits is a data race (ThreadSanitizer reports it); this one is queued.
template <typename T>
class GuiThreadSpy : public QObject {
public:
    template <typename Sender, typename Signal>
    GuiThreadSpy(Sender* sender, Signal signal)
    {
        QObject::connect(sender, signal, this, [this](const T& value) { values_.append(value); }, Qt::QueuedConnection);
    }
    int count() const { return static_cast<int>(values_.size()); }
    const T& first() const { return values_.first(); }
    const T& last() const { return values_.last(); }

private:
    QList<T> values_;
};

} // namespace sinar::test
