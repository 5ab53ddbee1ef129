#pragma once
// Shared by the libFuzzer targets: the input as a file (Sinar's parsers read
// files, as they do from CDs and PACS exports) and the one outcome a hostile
// input may have besides success: a sinar::Error. Anything else — a crash, a
// sanitizer report, another exception, a hang — is a finding.
#include <QDir>
#include <QTemporaryDir>
#include <cstdint>
#include <cstdio>
#include <string>

#include "common/error.h"

namespace sinar::fuzz {

// A folder for this process's input files, removed at exit.
inline const QString& inputDir()
{
    static QTemporaryDir dir(QDir::tempPath() + "/sinar-fuzz-XXXXXX");
    static const QString path = dir.path();
    return path;
}

inline std::string writeInput(const std::string& name, const uint8_t* data, size_t size)
{
    const std::string path = (inputDir() + "/" + QString::fromStdString(name)).toStdString();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        std::abort();
    if (size && std::fwrite(data, 1, size, f) != size)
        std::abort();
    std::fclose(f);
    return path;
}

// Runs one step on a hostile input: a sinar::Error is an accepted outcome;
// anything else reaches the fuzzer and is a finding.
template <class Step>
void tolerate(Step&& step)
{
    try {
        step();
    } catch (const sinar::Error&) {
    }
}

} // namespace sinar::fuzz
