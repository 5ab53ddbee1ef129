#include "cli/cli_common.h"
#include <QDirIterator>
#include <QFileInfo>
#include <QDir>

#include <csignal>
#include <cstdio>
#include <unistd.h>

#include "common/error.h"
#include "imaging/image.h"
#include "nn/model.h"

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

int intOption(const QCommandLineParser& p, const QString& name, int min, int max)
{
    bool ok = false;
    const int v = p.value(name).toInt(&ok);
    if (!ok || v < min || v > max)
        throw Error("--" + name.toStdString() + " must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", not '" + p.value(name).toStdString() + "'");
    return v;
}

double doubleOption(const QCommandLineParser& p, const QString& name, double min, double max)
{
    bool ok = false;
    const double v = p.value(name).toDouble(&ok);
    if (!ok || v < min || v > max)
        throw Error("--" + name.toStdString() + " must be a number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", not '" + p.value(name).toStdString() + "'");
    return v;
}

std::vector<int> intListOption(const QCommandLineParser& p, const QString& name)
{
    std::vector<int> out;
    for (const QString& s : p.value(name).split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = s.trimmed().toInt(&ok);
        if (!ok)
            throw Error("--" + name.toStdString() + " must be a comma-separated list of whole numbers, not '" +
                        p.value(name).toStdString() + "'");
        out.push_back(v);
    }
    return out;
}

std::vector<std::string> stringListOption(const QCommandLineParser& p, const QString& name)
{
    std::vector<std::string> out;
    for (const QString& s : p.value(name).split(',', Qt::SkipEmptyParts))
        out.push_back(s.trimmed().toStdString());
    return out;
}

std::string requiredOption(const QCommandLineParser& p, const QString& name)
{
    if (!p.isSet(name) || p.value(name).isEmpty())
        throw Error("--" + name.toStdString() + " is required (see --help)");
    return p.value(name).toStdString();
}

void applyThreads(const QCommandLineParser& p)
{
    nn::setThreadCount(p.isSet("threads") ? intOption(p, "threads", 0, 256) : 0);
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

} // namespace sinar::cli
