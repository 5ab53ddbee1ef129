#pragma once
// Small helpers around QJson for core: reading and atomically writing files.
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdint>
#include <string>
#include <vector>

namespace sinar {

QJsonObject readJsonFile(const std::string& path);
void writeJsonFile(const std::string& path, const QJsonObject& object);
// Writes bytes to path atomically and durably (writeFileDurably): after a crash the
// file is either the old one or the new one.
void writeFileAtomically(const std::string& path, const std::string& bytes);
// writeJsonFile, and the file recorded in its folder's manifest (integrity.h: run folders).
void writeRecordedJsonFile(const std::string& path, const QJsonObject& object);
// The file's bytes; throws Error when a manifest beside it (integrity.h) lists it with another SHA-256.
std::string readFileBytes(const std::string& path);
// The bytes of a data file (an image, an archive) that Sinar reads as input,
// never as a record of its own: no manifest is looked up (one open fewer per
// image of a data set).
std::string readDataFileBytes(const std::string& path);
// Throws sinar::Error naming the path when it exists but is not a regular file:
// a named pipe would block the read for ever, a device (/dev/zero) never ends,
// a folder has no bytes. Returns the file's size; a missing path (0) is left
// for the open to report.
uint64_t requireRegularFile(const std::string& path);
// True when path exists and is a regular file (or a link to one).
bool isRegularFile(const std::string& path);

// Typed field access that reports the missing or wrong key.
double jsonNumber(const QJsonObject& o, const char* key, const std::string& context);
int jsonInt(const QJsonObject& o, const char* key, const std::string& context);
std::string jsonString(const QJsonObject& o, const char* key, const std::string& context);
std::vector<std::string> jsonStringList(const QJsonObject& o, const char* key, const std::string& context);

} // namespace sinar
