#include "nn/bundle_code.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <algorithm>
#include <zlib.h>

#include "common/error.h"

namespace sinar::nn {

namespace {

uint32_t le16(const std::string& b, size_t at)
{
    return static_cast<unsigned char>(b[at]) | (static_cast<unsigned char>(b[at + 1]) << 8);
}

uint32_t le32(const std::string& b, size_t at)
{
    return le16(b, at) | (le16(b, at + 2) << 16);
}

// One line of a module declaration as Sinar's bundles write it.
bool declarationLine(const QString& line)
{
    static const QString type = QStringLiteral(R"((?:Tensor|str|int|float|bool|__torch__(?:\.___torch_mangle_\d+)?\.Module))");
    static const QString names = QStringLiteral(R"(\[(?:"[A-Za-z0-9_.]+", )*\])");
    static const QRegularExpression patterns[] = {
        QRegularExpression(QStringLiteral(R"(^class Module\(Module\):$)")),
        QRegularExpression(QStringLiteral("^  __(?:parameters|buffers)__ = ") + names + QStringLiteral("$")),
        QRegularExpression(QStringLiteral(R"(^  __annotations__ = \[\]$)")),
        QRegularExpression(QStringLiteral(R"(^  __annotations__\["[A-Za-z0-9_.]+"\] = )") + type + QStringLiteral("$")),
        QRegularExpression(QStringLiteral(R"(^  [A-Za-z_][A-Za-z0-9_]* : )") + type + QStringLiteral("$")),
    };
    if (line.isEmpty())
        return true;
    for (const QRegularExpression& p : patterns)
        if (p.match(line).hasMatch())
            return true;
    return false;
}

} // namespace

void checkBundleCode(const std::string& b, const std::string& path)
{
    auto corrupt = [&](const std::string& what) { return Error("corrupt model bundle: " + what, path); };
    // The end of central directory record, found from the end as LibTorch's
    // zip reader (miniz) finds it, and its zip64 counterpart when there is one.
    if (b.size() < 22)
        throw corrupt("the archive is too short");
    size_t eocd = std::string::npos;
    for (size_t i = b.size() - 22 + 1; i-- > 0 && b.size() - i <= 22 + 65535;)
        if (le32(b, i) == 0x06054b50u) {
            eocd = i;
            break;
        }
    if (eocd == std::string::npos)
        throw corrupt("the archive has no central directory");
    uint64_t count = le16(b, eocd + 10), cdOffset = le32(b, eocd + 16);
    if (eocd >= 20 && le32(b, eocd - 20) == 0x07064b50u) { // zip64 locator
        const uint64_t z64 = le32(b, eocd - 20 + 8) | (uint64_t(le32(b, eocd - 20 + 12)) << 32);
        if (z64 + 56 > b.size() || le32(b, static_cast<size_t>(z64)) != 0x06064b50u)
            throw corrupt("its zip64 directory record is damaged");
        const size_t z = static_cast<size_t>(z64);
        count = le32(b, z + 32) | (uint64_t(le32(b, z + 36)) << 32);
        cdOffset = le32(b, z + 48) | (uint64_t(le32(b, z + 52)) << 32);
    }
    size_t at = static_cast<size_t>(std::min<uint64_t>(cdOffset, b.size()));
    for (uint64_t e = 0; e < count; ++e) {
        if (at + 46 > b.size() || le32(b, at) != 0x02014b50u)
            throw corrupt("its central directory is damaged");
        const uint32_t method = le16(b, at + 10), compressed = le32(b, at + 20), size = le32(b, at + 24);
        const uint32_t nameLength = le16(b, at + 28), extraLength = le16(b, at + 30), commentLength = le16(b, at + 32);
        const uint32_t local = le32(b, at + 42);
        if (at + 46 + nameLength > b.size())
            throw corrupt("its central directory is damaged");
        const std::string name = b.substr(at + 46, nameLength);
        at += 46 + nameLength + extraLength + commentLength;
        const size_t slash = name.find('/');
        const bool source = slash != std::string::npos && name.compare(slash, 6, "/code/") == 0 && name.size() > 3 &&
                            name.compare(name.size() - 3, 3, ".py") == 0;
        if (!source)
            continue; // tensors, pickles, debug information: data LibTorch reads, not source it compiles
        if (size > (1u << 20) || compressed > (1u << 20) || (method != 0 && method != 8) || uint64_t(local) + 30 > b.size() ||
            le32(b, local) != 0x04034b50u)
            throw corrupt("its module declaration " + name + " is not stored as Sinar stores it");
        const size_t dataAt = local + 30 + le16(b, local + 26) + le16(b, local + 28);
        if (dataAt + compressed > b.size())
            throw corrupt("its module declaration " + name + " lies past the end of the file");
        std::string text;
        if (method == 0) {
            text = b.substr(dataAt, compressed);
        } else {
            text.assign(size, '\0');
            z_stream zs{};
            if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
                throw corrupt("cannot inflate its module declaration " + name);
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data() + dataAt));
            zs.avail_in = compressed;
            zs.next_out = reinterpret_cast<Bytef*>(text.data());
            zs.avail_out = size;
            const int rc = inflate(&zs, Z_FINISH);
            const uLong produced = zs.total_out;
            inflateEnd(&zs);
            if (rc != Z_STREAM_END || produced != size)
                throw corrupt("its module declaration " + name + " does not inflate to its declared size");
        }
        const QStringList lines = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())).split(QLatin1Char('\n'));
        for (qsizetype i = 0; i < lines.size(); ++i)
            if (!declarationLine(lines[i]))
                throw corrupt("line " + std::to_string(i + 1) + " of its module declaration " + name +
                              " is not a declaration Sinar writes (a model bundle holds no code; a TorchScript model "
                              "needs its side-car JSON)");
    }
}

} // namespace sinar::nn
