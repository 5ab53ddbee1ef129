#pragma once
// How the workstation ends. SIGINT and SIGTERM close the window as its close
// button does (layout and settings saved, background jobs cancelled); a second
// one ends the process at once. After the event loop, the window's destructors
// wait for their background jobs: one stuck inside a library call (a codec's
// endless loop, a read from a hung network share) cannot be cancelled and
// would hold the exit for ever, so a watchdog ends the process after a while.
class QWidget;

namespace sinar::gui {

// Catches SIGINT and SIGTERM from now on (call it right after the application
// object is made): the first one is kept for closeOnSignals, so that one
// sent while the window is being built (its models being read, say) still
// closes it as its close button does; a second one ends the process at once.
void routeSignals();

// Routes SIGINT and SIGTERM to the GUI thread (a self-pipe read by a
// QSocketNotifier), where they close `window` and quit the event loop.
void closeOnSignals(QWidget* window);

// Call once the event loop has returned, before the window is destroyed: if
// the clean-up has not ended the process `seconds` later, says so on standard
// error and ends it with `code`.
void armExitWatchdog(int code, int seconds);

// Declared in main() after the application object and before the window, so
// that it is destroyed after the window and before the application: once
// armed (leaveStuckLoadersAtExit), its destructor waits up to `seconds` for
// the loaders' threads (ui/widgets/background_job.h), which the window's
// destructors cancelled and left behind. Any still running is stuck inside a
// library call, or slow, and the process ends without it (says so, then
// _Exit(code)) before the application object, Qt, LibTorch or any static
// object is torn down under it. (An atexit handler came too late: the
// application object and function-local statics were gone by then, and a
// thread still loading a model crashed the exit.)
class LoaderExitGuard {
public:
    LoaderExitGuard() = default;
    ~LoaderExitGuard();
    LoaderExitGuard(const LoaderExitGuard&) = delete;
    LoaderExitGuard& operator=(const LoaderExitGuard&) = delete;
};

// Call once the event loop has returned: arms the LoaderExitGuard.
void leaveStuckLoadersAtExit(int code, int seconds);

// How long the clean-up after the event loop may take.
constexpr int kExitGraceSeconds = 20;
// How long cancelled loaders get to return when the program ends.
constexpr int kLoaderGraceSeconds = 2;

} // namespace sinar::gui
