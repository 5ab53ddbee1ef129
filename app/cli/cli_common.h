#pragma once
// Shared pieces of the sinar-cli subcommands: parsing, errors, output.
#include <QCommandLineParser>
#include <QStringList>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/cli_options.h"
#include "common/progress.h"

namespace sinar::cli {

// Exit codes: 0 success, 1 user error (bad input, option or file), 2 internal error.
constexpr int kExitOk = 0;
constexpr int kExitUser = 1;
constexpr int kExitInternal = 2;

// Parses `args` (program name first) for a subcommand; prints help and returns
// false with `exitCode` set when the call is done (--help or an error).
bool parseOrExit(QCommandLineParser& parser, const QStringList& args, const QString& usage, int& exitCode);

// Option values with checks that name the option (core/common/cli_options.h).
using sinar::doubleOption;
using sinar::intListOption;
using sinar::intOption;
using sinar::requiredOption;
using sinar::stringListOption;

// Sets the thread count from --threads (0 or absent: one per core).
void applyThreads(const QCommandLineParser& p);

// A token SIGINT/SIGTERM set, so long jobs stop cleanly at their next step.
// A job that has not stopped within the grace period (SINAR_INTERRUPT_GRACE
// seconds, default 60; 0: no limit), or a second interrupt, ends the process
// at once by that signal: a job stuck inside a library can always be stopped.
CancelToken& interruptToken();
void installInterruptHandler();

bool stderrIsTerminal();

// A progress line on standard error ("\r  reading 12/40"), drawn only when
// `live`; endProgress(live) clears it.
ProgressFn terminalProgress(bool live);
void endProgress(bool live);

// Files stay as given; folders are searched recursively for images (sorted).
// Throws sinar::Error for a folder without images.
QStringList expandImageArguments(const QStringList& args);

int runTrain(const QStringList& args);
int runEvaluate(const QStringList& args);
int runPredict(const QStringList& args);
int runInfo(const QStringList& args);
int runBench(const QStringList& args);
int runExplain(const QStringList& args);
int runDicom(const QStringList& args);

} // namespace sinar::cli
