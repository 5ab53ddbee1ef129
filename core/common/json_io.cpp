#include "common/json_io.h"

#include <QFile>
#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <sys/stat.h>

#include "common/error.h"
#include "common/integrity.h"

namespace sinar {

bool isRegularFile(const std::string& path)
{
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t requireRegularFile(const std::string& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode))
        return static_cast<uint64_t>(st.st_size);
    const char* what = S_ISDIR(st.st_mode)    ? "a folder"
                       : S_ISFIFO(st.st_mode) ? "a named pipe (FIFO)"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                    : "a special file";
    throw Error(std::string("this is ") + what + ", not a regular file: Sinar reads images, data sets and models only from regular files",
                path);
}

std::string readDataFileBytes(const std::string& path)
{
    requireRegularFile(path);
    QFile f(QString::fromStdString(path));
    if (!f.exists())
        throw Error("file not found", path);
    if (!f.open(QIODevice::ReadOnly))
        throw Error("cannot open file: " + f.errorString().toStdString(), path);
    // One buffer of the file's size (readAll grows a QByteArray by doubling, then a copy: three times the file).
    std::string bytes(static_cast<size_t>(std::max<qint64>(f.size(), 0)), '\0');
    const qint64 got = bytes.empty() ? 0 : f.read(bytes.data(), static_cast<qint64>(bytes.size()));
    if (got != static_cast<qint64>(bytes.size()))
        throw Error("cannot read the file: " + (got < 0 ? f.errorString().toStdString() : std::string("it changed while it was read")), path);
    return bytes;
}

std::string readFileBytes(const std::string& path)
{
    std::string bytes = readDataFileBytes(path);
    checkRecordedFile(path, bytes); // a run folder's file must be as Sinar wrote it
    return bytes;
}

void writeFileAtomically(const std::string& path, const std::string& bytes)
{
    writeFileDurably(path, bytes);
}

QJsonObject readJsonFile(const std::string& path)
{
    const std::string bytes = readFileBytes(path);
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(bytes), &err);
    if (err.error != QJsonParseError::NoError)
        throw Error("invalid JSON at offset " + std::to_string(err.offset) + ": " + err.errorString().toStdString(), path);
    if (!doc.isObject())
        throw Error("JSON is not an object", path);
    return doc.object();
}

void writeJsonFile(const std::string& path, const QJsonObject& object)
{
    writeFileAtomically(path, QJsonDocument(object).toJson(QJsonDocument::Indented).toStdString());
}

void writeRecordedJsonFile(const std::string& path, const QJsonObject& object)
{
    writeRecordedFile(path, QJsonDocument(object).toJson(QJsonDocument::Indented).toStdString());
}

static QJsonValue need(const QJsonObject& o, const char* key, const std::string& context)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (v.isUndefined())
        throw Error(std::string("missing field '") + key + "'", context);
    return v;
}

double jsonNumber(const QJsonObject& o, const char* key, const std::string& context)
{
    const QJsonValue v = need(o, key, context);
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        throw Error(std::string("field '") + key + "' is not a number", context);
    return v.toDouble();
}

int jsonInt(const QJsonObject& o, const char* key, const std::string& context)
{
    const double d = jsonNumber(o, key, context);
    if (d != std::floor(d) || std::fabs(d) > 1e9)
        throw Error(std::string("field '") + key + "' is not an integer", context);
    return static_cast<int>(d);
}

std::string jsonString(const QJsonObject& o, const char* key, const std::string& context)
{
    const QJsonValue v = need(o, key, context);
    if (!v.isString())
        throw Error(std::string("field '") + key + "' is not a string", context);
    return v.toString().toStdString();
}

std::vector<std::string> jsonStringList(const QJsonObject& o, const char* key, const std::string& context)
{
    const QJsonValue v = need(o, key, context);
    if (!v.isArray())
        throw Error(std::string("field '") + key + "' is not a list", context);
    std::vector<std::string> out;
    for (const QJsonValue& e : v.toArray()) {
        if (!e.isString())
            throw Error(std::string("field '") + key + "' holds a non-string", context);
        out.push_back(e.toString().toStdString());
    }
    return out;
}

} // namespace sinar
