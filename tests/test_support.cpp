#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSettings>
#include <QTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <algorithm>
#include <cstdio>
#include <iterator>
#include <zlib.h>

#include "imaging/recipe.h"

namespace sinar::test {

QString dataDir()
{
    const QByteArray env = qgetenv("SINAR_DATA");
    const QString dir = env.isEmpty() ? QString(SINAR_DATA_DIR) : QString::fromLocal8Bit(env);
    return QFileInfo::exists(dir) ? QDir(dir).absolutePath() : QString();
}

QString dataPath(const QString& relative)
{
    const QString d = dataDir();
    return d.isEmpty() ? QString() : d + "/" + relative;
}

std::string makeNpy(const std::string& dtype, const std::vector<int64_t>& shape, const std::string& rawBytes)
{
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i)
        dims += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "");
    std::string header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(header.size() & 0xFF);
    out += static_cast<char>((header.size() >> 8) & 0xFF);
    return out + header + rawBytes;
}

static void put16(std::string& s, uint32_t v)
{
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>((v >> 8) & 0xFF);
}
static void put32(std::string& s, uint32_t v)
{
    put16(s, v & 0xFFFF);
    put16(s, v >> 16);
}

std::string deflateRaw(const std::string& data)
{
    z_stream zs{};
    deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::string makeZip(const std::vector<std::pair<std::string, std::string>>& members, bool useDeflate)
{
    std::string out, central;
    for (const auto& [name, data] : members) {
        const uint32_t crc = crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
        const std::string body = useDeflate ? deflateRaw(data) : data;
        const uint32_t offset = static_cast<uint32_t>(out.size());
        auto header = [&](std::string& s, bool isCentral) {
            put32(s, isCentral ? 0x02014b50 : 0x04034b50);
            if (isCentral)
                put16(s, 20);
            put16(s, 20);
            put16(s, 0);
            put16(s, useDeflate ? 8 : 0);
            put16(s, 0);
            put16(s, 0);
            put32(s, crc);
            put32(s, static_cast<uint32_t>(body.size()));
            put32(s, static_cast<uint32_t>(data.size()));
            put16(s, static_cast<uint32_t>(name.size()));
            put16(s, 0);
            if (isCentral) {
                put16(s, 0);
                put16(s, 0);
                put16(s, 0);
                put32(s, 0);
                put32(s, offset);
            }
            s += name;
        };
        header(out, false);
        out += body;
        header(central, true);
    }
    const uint32_t cdOffset = static_cast<uint32_t>(out.size());
    out += central;
    put32(out, 0x06054b50);
    put16(out, 0);
    put16(out, 0);
    put16(out, static_cast<uint32_t>(members.size()));
    put16(out, static_cast<uint32_t>(members.size()));
    put32(out, static_cast<uint32_t>(central.size()));
    put32(out, cdOffset);
    put16(out, 0);
    return out;
}

void writeFile(const QString& path, const std::string& bytes)
{
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write(bytes.data(), static_cast<qint64>(bytes.size()));
}

std::string mutate(const std::string& bytes, int kind, std::mt19937& rng, std::string& what)
{
    std::string b = bytes;
    auto pos = [&](size_t n) { return n == 0 ? size_t(0) : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
    switch (kind) {
    case 0: {
        const size_t p = pos(b.size());
        b[p] = static_cast<char>(b[p] ^ (1 << (rng() % 8)));
        what = "bit flip at " + std::to_string(p);
        break;
    }
    case 1: {
        const size_t p = pos(b.size());
        const char old = b[p];
        do
            b[p] = static_cast<char>(rng());
        while (b[p] == old);
        what = "byte changed at " + std::to_string(p);
        break;
    }
    case 2: {
        const size_t n = pos(b.size());
        b.resize(n);
        what = "truncated to " + std::to_string(n);
        break;
    }
    case 3: {
        const size_t n = 1 + pos(256);
        for (size_t i = 0; i < n; ++i)
            b.push_back(static_cast<char>(rng()));
        what = std::to_string(n) + " bytes appended";
        break;
    }
    case 4: {
        const size_t p = pos(b.size()), n = std::min(b.size() - p, 1 + pos(512));
        b.erase(p, n);
        what = std::to_string(n) + " bytes deleted at " + std::to_string(p);
        break;
    }
    case 5: {
        const size_t p = pos(b.size()), n = std::min(b.size() - p, 1 + pos(512));
        b.insert(p, b.substr(p, n));
        what = std::to_string(n) + " bytes duplicated at " + std::to_string(p);
        break;
    }
    case 6: {
        const size_t p = pos(b.size()), n = std::min(b.size() - p, size_t(64));
        std::string zeros(n, '\0');
        if (b.compare(p, n, zeros) == 0)
            zeros.assign(n, '\xff');
        b.replace(p, n, zeros);
        what = "64 bytes overwritten at " + std::to_string(p);
        break;
    }
    default: {
        const size_t width = kind == 7 ? 2 : 4;
        if (b.size() < width) {
            b.push_back('\0');
            what = "one byte appended";
            break;
        }
        static const uint32_t values[] = {0, 1, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu};
        const uint32_t v = values[pos(std::size(values))];
        const size_t p = pos(b.size() - width + 1);
        for (size_t i = 0; i < width; ++i) // little endian, as most DICOM and zip fields are
            b[p + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%X", width == 2 ? v & 0xFFFF : v);
        what = std::to_string(8 * width) + "-bit word at " + std::to_string(p) + " set to " + hex;
        break;
    }
    }
    if (b == bytes) { // a no-op mutation (an empty truncation, say): force a change
        b.push_back('\0');
        what += ", and one byte appended";
    }
    return b;
}

CliRun runCli(const QStringList& args, int timeoutMs)
{
    QProcess p;
    p.start(SINAR_CLI_PATH, args);
    p.waitForFinished(timeoutMs);
    CliRun r;
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

QProcessEnvironment withStuckOpen(QProcessEnvironment env, const QString& marker)
{
    env.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral(SINAR_STUCK_OPEN_PATH));
    env.insert(QStringLiteral("SINAR_STUCK_MARKER"), marker);
    // Under AddressSanitizer the shim comes before its runtime in the library list.
    env.insert(QStringLiteral("ASAN_OPTIONS"), env.value(QStringLiteral("ASAN_OPTIONS")) + QStringLiteral(":verify_asan_link_order=0"));
    return env;
}

bool waitForStandardError(QProcess& p, QByteArray& err, const char* text, int ms)
{
    const bool ended = QTest::qWaitFor(
        [&] {
            p.waitForReadyRead(50);
            err += p.readAllStandardError();
            return err.contains(text) || p.state() == QProcess::NotRunning;
        },
        ms);
    (void)ended; // the text decides
    err += p.readAllStandardError();
    return err.contains(text);
}

void isolateGuiSession(const QString& dir)
{
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir + QStringLiteral("/settings"));
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir + QStringLiteral("/settings"));
    QDir().mkpath(dir + QStringLiteral("/models"));
    qputenv("SINAR_MODELS", (dir + QStringLiteral("/models")).toLocal8Bit());
    qputenv("SINAR_DEMO", (dir + QStringLiteral("/no-demo")).toLocal8Bit());
}

QProcessEnvironment guiEnvironment(const QString& home)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home + QStringLiteral("/config"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home + QStringLiteral("/data"));
    env.insert(QStringLiteral("SINAR_MODEL_LIBRARY"), home + QStringLiteral("/library"));
    return env;
}

QJsonObject readJsonObject(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(f.readAll()).object();
}

cv::Mat patternImage(int cls, int index, int size)
{
    // Class = texture (blob, horizontal bars, vertical bars, checkerboard), so
    // a network with global pooling can tell them apart wherever they sit.
    cv::Mat m(size, size, CV_8UC1, cv::Scalar(30 + (index * 7) % 20));
    const int half = size / 3;
    const cv::Point origin(size / 6 + (index % 5) - 2, size / 6 + ((index / 5) % 5) - 2);
    const cv::Rect box(origin, cv::Size(2 * half, 2 * half));
    const cv::Scalar bright(200 + (index % 40));
    switch (cls % 4) {
    case 0: cv::circle(m, origin + cv::Point(half, half), half, bright, cv::FILLED); break;
    case 1:
        for (int y = box.y; y < box.y + box.height; y += 4)
            cv::rectangle(m, cv::Rect(box.x, y, box.width, 2), bright, cv::FILLED);
        break;
    case 2:
        for (int x = box.x; x < box.x + box.width; x += 4)
            cv::rectangle(m, cv::Rect(x, box.y, 2, box.height), bright, cv::FILLED);
        break;
    default:
        for (int y = box.y; y < box.y + box.height; y += 4)
            for (int x = box.x + ((y / 4) % 2) * 2; x < box.x + box.width; x += 4)
                cv::rectangle(m, cv::Rect(x, y, 2, 2), bright, cv::FILLED);
        break;
    }
    return m;
}

void makeClassFolder(const QString& root, const std::vector<std::string>& classes, int perClass, int size)
{
    for (size_t c = 0; c < classes.size(); ++c) {
        const QString dir = root + "/" + QString::fromStdString(classes[c]);
        QDir().mkpath(dir);
        for (int i = 0; i < perClass; ++i)
            cv::imwrite(QString("%1/img_%2.png").arg(dir).arg(i, 3, 10, QChar('0')).toStdString(),
                        patternImage(static_cast<int>(c), i, size));
    }
}

QJsonObject imagenetSideCar(const QString& pretrainedModel)
{
    QFile labels(QFileInfo(pretrainedModel).dir().filePath("imagenet_labels.txt"));
    if (!labels.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(labels.fileName()));
    QStringList names = QString::fromUtf8(labels.readAll()).split('\n', Qt::SkipEmptyParts);
    names.removeFirst(); // "background" is not an output
    imaging::Recipe r;
    r.channels = 3;
    r.width = r.height = 224;
    r.normalisation = imaging::Normalisation::MinusOneOne; // x / 127.5 - 1
    QJsonObject side;
    side["class_names"] = QJsonArray::fromStringList(names);
    side["preprocessing"] = r.toJson();
    return side;
}

bool strictTests()
{
    return qEnvironmentVariable("CI") == QLatin1String("true") || qEnvironmentVariable("SINAR_STRICT_TESTS") == QLatin1String("1");
}

nn::BundleInfo smallBundleInfo()
{
    nn::BundleInfo info;
    info.cnn.inChannels = 1;
    info.cnn.numClasses = 3;
    info.cnn.filters = {8, 16};
    info.cnn.stemStride = 1;
    info.classNames = {"a", "b", "c"};
    info.recipe.width = info.recipe.height = 32;
    return info;
}

} // namespace sinar::test
