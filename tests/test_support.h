#pragma once
// Helpers shared by the test suites: real-data paths and small fixtures.
#include <QFileInfo>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QString>
#include <QTemporaryDir>
#include <cstdint>
#include <random>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "nn/bundle_info.h"

namespace sinar::test {

// ../shared/data (or $SINAR_DATA); empty when it is not there.
QString dataDir();
// Full path below dataDir(); empty when there is no data folder. Use via SINAR_DATA_OR_SKIP.
QString dataPath(const QString& relative);

// A .npy byte stream of uint8 or int64 data with the given shape.
std::string makeNpy(const std::string& dtype, const std::vector<int64_t>& shape, const std::string& rawBytes);
// `data` as one raw deflate stream (no zlib or gzip header), as zip members
// and DICOM's deflated transfer syntax hold it.
std::string deflateRaw(const std::string& data);

// A zip archive of named members, stored (method 0) or deflated (method 8).
std::string makeZip(const std::vector<std::pair<std::string, std::string>>& members, bool deflate);
void writeFile(const QString& path, const std::string& bytes);

// One mutation of `bytes` of kind `kind` (0 to kMutationKinds - 1), of the kinds a damaged
// disk, a bad transfer or a careless edit produce: 0 a bit flipped, 1 a byte changed,
// 2 truncated, 3 random bytes appended, 4 bytes deleted, 5 bytes duplicated, 6 up to 64
// bytes zeroed (or set to 0xFF), 7 a 16-bit and 8 a 32-bit word set to a boundary value
// (0, 1, the largest signed and unsigned values, the smallest signed one), as a size or
// length field may hold. The result always differs from `bytes`; `what` names the change
// for a failure message.
constexpr int kMutationKinds = 9;
std::string mutate(const std::string& bytes, int kind, std::mt19937& rng, std::string& what);

// Runs sinar-cli with `args`; exit code -1 when it crashed or timed out.
struct CliRun {
    int code = -1;
    QString out, err;
};
CliRun runCli(const QStringList& args, int timeoutMs = 300000);
// `env` with tests/stuck_open.c preloaded: the child's opens of any path
// containing `marker` never return (a library call stuck for ever).
QProcessEnvironment withStuckOpen(QProcessEnvironment env, const QString& marker);
// Reads p's standard error into `err` until it holds `text` (true), p ends or `ms` pass.
bool waitForStandardError(QProcess& p, QByteArray& err, const char* text, int ms);
// The environment for running the workstation in a test: offscreen, with its
// settings, data and model library under `home`.
QProcessEnvironment guiEnvironment(const QString& home);
// This process's GUI session in `dir` only: settings, an empty model library, no demo study.
void isolateGuiSession(const QString& dir);
QJsonObject readJsonObject(const QString& path);

// A class folder of small generated PNGs: `perClass` images per class, each
// class a distinct texture (blob, horizontal bars, vertical bars, checkerboard).
void makeClassFolder(const QString& root, const std::vector<std::string>& classes, int perClass, int size = 32);
cv::Mat patternImage(int cls, int index, int size);

// The side-car JSON of the ImageNet MobileNetV2 TorchScript file in the shared
// data (`pretrainedModel`): its 1000 class names and 224x224 RGB [-1, 1] input.
QJsonObject imagenetSideCar(const QString& pretrainedModel);

// True in CI (CI=true, as the CI runner sets it) or with SINAR_STRICT_TESTS=1:
// then missing real data or a missing tool fails a test instead of skipping it,
// so a suite cannot pass by skipping what it was meant to check.
bool strictTests();

// How much slower code runs in this build: 8 under ThreadSanitizer (the tsan
// preset), 3 under AddressSanitizer (asan), 1 otherwise. Waits for background work scale with it; measurements
// of speed or latency are not asserted where it is above 1.
#if defined(SINAR_UNDER_TSAN)
constexpr int kSanitizerSlowdown = 8;
#elif defined(SINAR_UNDER_ASAN)
constexpr int kSanitizerSlowdown = 3; // AddressSanitizer + UBSan, unoptimised (asan preset)
#else
constexpr int kSanitizerSlowdown = 1;
#endif

// A small standard CNN's description: 1 channel, 32x32, 3 classes a/b/c, filters 8,16.
nn::BundleInfo smallBundleInfo();
} // namespace sinar::test

// Skips the calling test with `why` on a developer's machine; fails it in CI.
#define SINAR_SKIP_OR_FAIL(why)                                                                       \
    do {                                                                                              \
        const QString sinarWhy_ = (why);                                                              \
        if (sinar::test::strictTests())                                                               \
            QFAIL(qPrintable(sinarWhy_ + QStringLiteral(" (required in CI)")));                       \
        QSKIP(qPrintable(sinarWhy_));                                                                 \
    } while (false)

// Declares `var` as the full path of `rel` below the real data folder, or skips
// the test (fails it in CI). A data folder that exists but lacks the file fails
// everywhere: it is an incomplete copy, not a machine without data.
#define SINAR_DATA_OR_SKIP(var, rel)                                                                  \
    const QString var = sinar::test::dataPath(rel);                                                  \
    if (!var.isEmpty() && !QFileInfo::exists(var))                                                   \
        QFAIL(qPrintable(QStringLiteral("real data folder %1 lacks %2").arg(sinar::test::dataDir(), rel))); \
    if (var.isEmpty())                                                                               \
        SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found: %1 (set SINAR_DATA to the data folder)").arg(rel));
