#pragma once
// A run folder's command.txt (`sinar-cli train ...`, as train::shellJoin
// writes it) back to the spec it describes: how "Continue run" picks a run
// up after a stop, a crash or a restart, and how the form remembers the last run.
#include <QString>
#include <QStringList>

#include "train/training_job.h"

namespace sinar::ui {

// Splits a POSIX shell line into words ('single', "double" quotes, backslash).
// Throws sinar::Error on an unterminated quote.
QStringList splitShellWords(const QString& line);

// Parses `sinar-cli train [options]` (the program and sub-command words are
// optional). Throws sinar::Error naming the bad option.
train::TrainingJobSpec trainSpecFromCommandLine(const QString& line);

} // namespace sinar::ui
