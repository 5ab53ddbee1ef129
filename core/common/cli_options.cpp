#include "common/cli_options.h"

#include "common/error.h"

namespace sinar {

int intValue(const QString& name, const QString& text, int min, int max)
{
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok || v < min || v > max)
        throw Error("--" + name.toStdString() + " must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", not '" + text.toStdString() + "'");
    return v;
}

double doubleValue(const QString& name, const QString& text, double min, double max)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || v < min || v > max)
        throw Error("--" + name.toStdString() + " must be a number from " + std::to_string(min) + " to " +
                    std::to_string(max) + ", not '" + text.toStdString() + "'");
    return v;
}

std::vector<int> intListValue(const QString& name, const QString& text)
{
    std::vector<int> out;
    for (const QString& s : text.split(',', Qt::SkipEmptyParts)) {
        bool ok = false;
        const int v = s.trimmed().toInt(&ok);
        if (!ok)
            throw Error("--" + name.toStdString() + " must be a comma-separated list of whole numbers, not '" +
                        text.toStdString() + "'");
        out.push_back(v);
    }
    return out;
}

std::vector<std::string> stringListValue(const QString& text)
{
    std::vector<std::string> out;
    for (const QString& s : text.split(',', Qt::SkipEmptyParts))
        out.push_back(s.trimmed().toStdString());
    return out;
}

int intOption(const QCommandLineParser& p, const QString& name, int min, int max)
{
    return intValue(name, p.value(name), min, max);
}

double doubleOption(const QCommandLineParser& p, const QString& name, double min, double max)
{
    return doubleValue(name, p.value(name), min, max);
}

std::vector<int> intListOption(const QCommandLineParser& p, const QString& name)
{
    return intListValue(name, p.value(name));
}

std::vector<std::string> stringListOption(const QCommandLineParser& p, const QString& name)
{
    return stringListValue(p.value(name));
}

std::string requiredOption(const QCommandLineParser& p, const QString& name)
{
    if (!p.isSet(name) || p.value(name).isEmpty())
        throw Error("--" + name.toStdString() + " is required (see --help)");
    return p.value(name).toStdString();
}

} // namespace sinar
