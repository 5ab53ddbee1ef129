#include "cli/cli_common.h"
#include <QDirIterator>
#include <QFileInfo>
#include <QDir>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "common/error.h"
#include "imaging/image.h"

namespace sinar::cli {

bool parseOrExit(QCommandLineParser& parser, const QStringList& args, const QString& usage, int& exitCode)
{
    parser.setApplicationDescription(usage);
    const QCommandLineOption help({"h", "help"}, "Show this help.");
    parser.addOption(help);
    if (!parser.parse(args)) {
        std::fprintf(stderr, "sinar-cli: %s (see '%s --help')\n", qPrintable(parser.errorText()), qPrintable(args.value(0)));
        exitCode = kExitUser;
        return false;
    }
    if (parser.isSet(help)) {
        // Qt names the executable's path; name the subcommand instead.
        QString text = parser.helpText();
        const int eol = text.indexOf('\n');
        const int opts = text.left(eol).indexOf(" [options]");
        if (text.startsWith("Usage: ") && opts > 0)
            text.replace(7, opts - 7, args.value(0));
        std::fputs(qPrintable(text), stdout);
        exitCode = kExitOk;
        return false;
    }
    return true;
}


CancelToken& interruptToken()
{
    static CancelToken token;
    return token;
}

namespace {

volatile std::sig_atomic_t firstInterrupt = 0; // the signal of the first interrupt, 0 before
unsigned graceSeconds = 0;                     // SINAR_INTERRUPT_GRACE; 0: no limit
char graceMessage[160] = "";
size_t graceMessageLength = 0;

void say(const char* text, size_t length)
{
    const ssize_t written = ::write(STDERR_FILENO, text, length);
    (void)written;
}

// Ends the process by `sig`, as if it had no handler: the caller sees 128 + sig.
void endBySignal(int sig)
{
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

} // namespace

// Only async-signal-safe calls below: an atomic store, write, alarm, signal, raise.
extern "C" void sinarOnSignal(int sig)
{
    if (firstInterrupt != 0) {
        static const char again[] = "\nsinar-cli: interrupted again: stopping now\n";
        say(again, sizeof again - 1);
        endBySignal(sig);
        return;
    }
    firstInterrupt = sig;
    interruptToken().cancel();
    static const char interrupted[] = "\nsinar-cli: interrupted: stopping after the current step (interrupt again to stop now)\n";
    static const char terminated[] = "\nsinar-cli: terminated: stopping after the current step (signal again to stop now)\n";
    if (sig == SIGTERM)
        say(terminated, sizeof terminated - 1);
    else
        say(interrupted, sizeof interrupted - 1);
    if (graceSeconds > 0)
        ::alarm(graceSeconds);
}

extern "C" void sinarOnGraceOver(int)
{
    say(graceMessage, graceMessageLength);
    endBySignal(firstInterrupt != 0 ? static_cast<int>(firstInterrupt) : SIGTERM);
}

void installInterruptHandler()
{
    unsigned grace = 60;
    if (const char* env = std::getenv("SINAR_INTERRUPT_GRACE"); env && *env) {
        char* end = nullptr;
        const unsigned long v = std::strtoul(env, &end, 10);
        if (end && *end == '\0' && v <= 86400)
            grace = static_cast<unsigned>(v);
        else
            std::fprintf(stderr, "sinar-cli: warning: SINAR_INTERRUPT_GRACE=%s is not a number of seconds (0 to 86400); "
                                 "using 60\n", env);
    }
    graceSeconds = grace;
    if (grace > 0) {
        std::snprintf(graceMessage, sizeof graceMessage,
                      "sinar-cli: the job did not stop within %u s of the interrupt (SINAR_INTERRUPT_GRACE): stopping now\n",
                      grace);
        graceMessageLength = std::strlen(graceMessage);
        std::signal(SIGALRM, sinarOnGraceOver);
    }
    interruptToken(); // constructed here, not first in a handler
    std::signal(SIGINT, sinarOnSignal);
    std::signal(SIGTERM, sinarOnSignal);
}

bool stderrIsTerminal()
{
    return isatty(fileno(stderr)) != 0;
}

QStringList expandImageArguments(const QStringList& args)
{
    QStringList files;
    for (const QString& arg : args) {
        if (!QFileInfo(arg).isDir()) {
            files << arg;
            continue;
        }
        QStringList found;
        QDirIterator it(arg, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            if (imaging::isImageFileName(f.toStdString()))
                found << f;
        }
        if (found.isEmpty())
            throw Error("the folder holds no images", arg.toStdString());
        found.sort();
        files << found;
    }
    return files;
}

ProgressFn terminalProgress(bool live)
{
    return [live](long long done, long long total, const std::string& what) {
        if (live) {
            std::fprintf(stderr, "\r  %s %lld/%lld ", what.c_str(), done, total);
            std::fflush(stderr);
        }
    };
}

void endProgress(bool live)
{
    if (live)
        std::fprintf(stderr, "\r\033[K");
}

} // namespace sinar::cli
