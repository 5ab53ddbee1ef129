#include "gui/shutdown.h"

#include <QApplication>
#include <QSocketNotifier>
#include <QWidget>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <thread>
#include <unistd.h>

#include "ui/widgets/background_job.h"

namespace sinar::gui {

namespace {

int signalPipe[2] = {-1, -1};
volatile std::sig_atomic_t signalled = 0; // the first signal, 0 before
int exitCode = 0;
int loaderGraceSeconds = -1; // not armed

void waitForLoadersOrLeave()
{
    if (loaderGraceSeconds < 0)
        return;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(loaderGraceSeconds);
    while (ui::ownJobThreadsRunning() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int left = ui::ownJobThreadsRunning();
    if (left == 0)
        return;
    std::fprintf(stderr,
                 "sinar: %d background read%s did not stop within %d s of closing (stuck inside a library call, or "
                 "slow): ending without %s; settings are saved\n",
                 left, left == 1 ? "" : "s", loaderGraceSeconds, left == 1 ? "it" : "them");
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(exitCode);
}

// Only async-signal-safe calls: write, signal, raise.
extern "C" void sinarGuiOnSignal(int sig)
{
    if (signalled != 0) {
        static const char again[] = "\nsinar: interrupted again: stopping now\n";
        const ssize_t w = ::write(STDERR_FILENO, again, sizeof again - 1);
        (void)w;
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        return;
    }
    signalled = sig;
    const char byte = static_cast<char>(sig);
    const ssize_t w = ::write(signalPipe[1], &byte, 1);
    (void)w;
}

} // namespace

void routeSignals()
{
    if (signalPipe[0] >= 0)
        return;
    if (::pipe2(signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        std::perror("sinar: cannot watch for SIGINT and SIGTERM");
        return;
    }
    std::signal(SIGINT, sinarGuiOnSignal);
    std::signal(SIGTERM, sinarGuiOnSignal);
}

void closeOnSignals(QWidget* window)
{
    routeSignals();
    if (signalPipe[0] < 0)
        return;
    // A signal that came while the window was being built waits in the pipe:
    // the notifier sees it as soon as the event loop runs.
    auto* notifier = new QSocketNotifier(signalPipe[0], QSocketNotifier::Read, window);
    QObject::connect(notifier, &QSocketNotifier::activated, window, [window, notifier] {
        char byte = 0;
        while (::read(signalPipe[0], &byte, 1) == 1) {
        }
        notifier->setEnabled(false);
        std::fprintf(stderr, "sinar: %s: closing (interrupt again to stop now)\n", signalled == SIGINT ? "interrupted" : "terminated");
        window->close();
        QApplication::quit();
    });
}

LoaderExitGuard::~LoaderExitGuard()
{
    waitForLoadersOrLeave();
}

void leaveStuckLoadersAtExit(int code, int seconds)
{
    exitCode = code;
    loaderGraceSeconds = seconds;
}

void armExitWatchdog(int code, int seconds)
{
    std::fflush(stdout);
    std::thread([code, seconds] {
        std::this_thread::sleep_for(std::chrono::seconds(seconds));
        std::fprintf(stderr,
                     "sinar: a background job did not stop within %d s of closing (a read or decode stuck inside a "
                     "library): ending without it; settings are saved, and checkpoints and bundles are only ever "
                     "replaced whole\n",
                     seconds);
        std::fflush(stderr);
        std::_Exit(code);
    }).detach();
}

} // namespace sinar::gui
