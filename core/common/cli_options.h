#pragma once
// Typed command-line option values with checks that name the option
// (sinar-cli, and the GUI's training options). QtCore only.
#include <QCommandLineParser>
#include <QString>
#include <string>
#include <vector>

namespace sinar {

// `text` is the value given for --`name`; each throws sinar::Error naming the option.
int intValue(const QString& name, const QString& text, int min, int max);
double doubleValue(const QString& name, const QString& text, double min, double max);
std::vector<int> intListValue(const QString& name, const QString& text);
std::vector<std::string> stringListValue(const QString& text); // comma-separated, trimmed, empty parts dropped

// The same for the value of --`name` in `p` (its default when not given).
int intOption(const QCommandLineParser& p, const QString& name, int min, int max);
double doubleOption(const QCommandLineParser& p, const QString& name, double min, double max);
std::vector<int> intListOption(const QCommandLineParser& p, const QString& name);
std::vector<std::string> stringListOption(const QCommandLineParser& p, const QString& name);
std::string requiredOption(const QCommandLineParser& p, const QString& name);

} // namespace sinar
