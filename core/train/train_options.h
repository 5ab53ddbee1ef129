#pragma once
// The options of `sinar-cli train`, shared with the workstation
// (`sinar --train DATA --run-dir DIR [any sinar-cli train option]`): one
// table, one parser, and the way back from a spec to a command line. QtCore only.
#include <QCommandLineParser>
#include <QStringList>

#include "train/training_job.h"

namespace sinar::train {

// Adds every `sinar-cli train` option (and its help text) except those named
// in `skip`, which the caller defines itself.
void addTrainOptions(QCommandLineParser& parser, const QStringList& skip = {});

// The spec the options describe: everything but dataPath and outPath. Options
// in `skip` (not added to the parser) take their defaults. Throws sinar::Error
// naming the option on a bad value.
TrainingJobSpec trainSpecFromOptions(const QCommandLineParser& parser, const QStringList& skip = {});

// The minimal equivalent command: "sinar-cli", "train", "--data", D, "--out",
// B [, "--run-dir", R], then only the options that differ from their defaults.
QStringList trainCommandLine(const TrainingJobSpec& spec);

// The arguments as one line for a POSIX shell (single-quoted where needed).
QString shellJoin(const QStringList& args);

// The way back from shellJoin: a POSIX shell line split into words ('single',
// "double" quotes, backslash). Throws sinar::Error on an unterminated quote.
QStringList splitShellWords(const QString& line);

// `sinar-cli train [options]` (the program and sub-command words optional) back
// to its spec, data, bundle and run folder included: how a run folder's
// command.txt is continued and the Training tab remembers its last recipe.
// Throws sinar::Error naming the bad option.
TrainingJobSpec trainSpecFromCommandLine(const QString& line);

} // namespace sinar::train
