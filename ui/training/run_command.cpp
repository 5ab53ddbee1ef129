#include "ui/training/run_command.h"

#include <QCommandLineParser>

#include "common/error.h"
#include "train/train_options.h"

namespace sinar::ui {

QStringList splitShellWords(const QString& line)
{
    QStringList words;
    QString word;
    bool inWord = false;
    enum { None, Single, Double } quote = None;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quote == Single) {
            if (c == QLatin1Char('\''))
                quote = None;
            else
                word += c;
            continue;
        }
        if (quote == Double) {
            if (c == QLatin1Char('"'))
                quote = None;
            else if (c == QLatin1Char('\\') && i + 1 < line.size() &&
                     QStringLiteral("\"\\$`").contains(line[i + 1]))
                word += line[++i];
            else
                word += c;
            continue;
        }
        if (c.isSpace()) {
            if (inWord)
                words << word;
            word.clear();
            inWord = false;
            continue;
        }
        inWord = true;
        if (c == QLatin1Char('\''))
            quote = Single;
        else if (c == QLatin1Char('"'))
            quote = Double;
        else if (c == QLatin1Char('\\') && i + 1 < line.size())
            word += line[++i];
        else
            word += c;
    }
    if (quote != None)
        throw Error("unterminated quote in the command line");
    if (inWord)
        words << word;
    return words;
}

train::TrainingJobSpec trainSpecFromCommandLine(const QString& line)
{
    QStringList args = splitShellWords(line);
    if (!args.isEmpty() && args.first().endsWith(QLatin1String("sinar-cli")))
        args.removeFirst();
    if (!args.isEmpty() && args.first() == QLatin1String("train"))
        args.removeFirst();
    args.prepend(QStringLiteral("sinar-cli train"));
    QCommandLineParser p;
    train::addTrainOptions(p);
    if (!p.parse(args))
        throw Error(p.errorText().toStdString());
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    train::TrainingJobSpec s = train::trainSpecFromOptions(p);
    s.dataPath = p.value(QStringLiteral("data")).toStdString();
    s.outPath = p.value(QStringLiteral("out")).toStdString();
    s.runDir = p.value(QStringLiteral("run-dir")).toStdString();
    return s;
}

} // namespace sinar::ui
