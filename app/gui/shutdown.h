#pragma once
// How the workstation ends. SIGINT and SIGTERM close the window as its close
// button does (layout and settings saved, background jobs cancelled); a second
// one ends the process at once. After the event loop, the window's destructors
// wait for their background jobs: one stuck inside a library call (a codec's
// endless loop, a read from a hung network share) cannot be cancelled and
// would hold the exit for ever, so a watchdog ends the process after a while.
class QWidget;

namespace sinar::gui {

// Routes SIGINT and SIGTERM to the GUI thread (a self-pipe read by a
// QSocketNotifier), where they close `window` and quit the event loop.
void closeOnSignals(QWidget* window);

// Call once the event loop has returned, before the window is destroyed: if
// the clean-up has not ended the process `seconds` later, says so on standard
// error and ends it with `code`.
void armExitWatchdog(int code, int seconds);

// Call once the event loop has returned: when the program ends (after the
// window's destructors, before static ones), waits up to `seconds` for the
// loaders' threads (ui/widgets/background_job.h), which were cancelled with
// the window; any still running is stuck inside a library call, and the
// process ends without it (says so, then _Exit(code)) rather than tear down
// the libraries under it.
void leaveStuckLoadersAtExit(int code, int seconds);

// How long the clean-up after the event loop may take.
constexpr int kExitGraceSeconds = 20;
// How long cancelled loaders get to return when the program ends.
constexpr int kLoaderGraceSeconds = 2;

} // namespace sinar::gui
