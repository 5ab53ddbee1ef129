#include "cli/cli_common.h"
#include <QDirIterator>
#include <QFileInfo>
#include <QDir>

#include <csignal>
#include <cstdio>
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

extern "C" void sinarOnSignal(int)
{
    interruptToken().cancel();
}

void installInterruptHandler()
{
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
