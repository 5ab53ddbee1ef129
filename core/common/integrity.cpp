#include "common/integrity.h"

#include <QCryptographicHash>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>
#include <cstring>
#include <fcntl.h>
#include <csignal>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

namespace sinar {

namespace {

const std::string kSealPrefix = "sinar-sha256:";
constexpr size_t kEocdSize = 22;                 // end-of-central-directory record without comment
constexpr size_t kSealSize = 13 + 64;            // prefix and hex digest
constexpr size_t kMaxComment = 0xFFFF;

unsigned readU16(const std::string& b, size_t at)
{
    return static_cast<unsigned char>(b[at]) | (static_cast<unsigned>(static_cast<unsigned char>(b[at + 1])) << 8);
}

bool isEocdAt(const std::string& b, size_t at)
{
    return at + kEocdSize <= b.size() && b.compare(at, 4, "PK\x05\x06", 4) == 0;
}

std::string systemReason(int err)
{
    if (err == ENOSPC || err == EDQUOT)
        return "no space left on the device";
    if (err == EFBIG)
        return "the file would exceed the file-size limit";
    return std::strerror(err);
}

} // namespace

std::string sha256Hex(const std::string& bytes)
{
    return QCryptographicHash::hash(QByteArrayView(bytes.data(), static_cast<qsizetype>(bytes.size())),
                                    QCryptographicHash::Sha256)
        .toHex()
        .toStdString();
}

std::string sealZip(std::string zip)
{
    if (zip.size() < kEocdSize || !isEocdAt(zip, zip.size() - kEocdSize) || readU16(zip, zip.size() - 2) != 0)
        throw Error("internal: the archive to seal does not end in a zip directory record");
    const std::string digest = sha256Hex(zip.substr(0, zip.size() - 2));
    zip[zip.size() - 2] = static_cast<char>(kSealSize & 0xFF);
    zip[zip.size() - 1] = static_cast<char>(kSealSize >> 8);
    zip += kSealPrefix;
    zip += digest;
    return zip;
}

SealCheck checkZipSeal(const std::string& b)
{
    SealCheck c;
    if (b.size() >= kEocdSize + kSealSize) {
        const size_t at = b.size() - kEocdSize - kSealSize;
        if (isEocdAt(b, at) && readU16(b, at + 20) == kSealSize && b.compare(at + kEocdSize, 13, kSealPrefix) == 0) {
            if (sha256Hex(b.substr(0, at + 20)) == b.substr(at + kEocdSize + 13)) {
                c.state = SealState::Valid;
            } else {
                c.detail = "its SHA-256 does not match its content: the file was changed or damaged after it was written";
            }
            return c;
        }
    }
    // Not (validly) sealed: a well-formed archive ends exactly after its directory
    // record and comment. A damaged seal must not pass as "unsealed".
    const size_t lowest = b.size() > kEocdSize + kMaxComment ? b.size() - kEocdSize - kMaxComment : 0;
    for (size_t at = b.size() >= kEocdSize ? b.size() - kEocdSize + 1 : 0; at-- > lowest;) {
        if (!isEocdAt(b, at))
            continue;
        const size_t comment = readU16(b, at + 20);
        if (at + kEocdSize + comment != b.size())
            continue;
        const bool claimsSeal =
            comment == kSealSize || (comment >= 6 && b.compare(at + kEocdSize, 6, kSealPrefix, 0, 6) == 0);
        if (claimsSeal) {
            c.detail = "its SHA-256 seal is damaged";
            return c;
        }
        c.state = SealState::Unsealed;
        return c;
    }
    c.detail = "it does not end with a complete zip directory: the file is truncated, or bytes were added or changed";
    return c;
}

void reportFileSizeLimitAsError()
{
    std::signal(SIGXFSZ, SIG_IGN);
}

std::string previousGeneration(const std::string& path)
{
    return path + ".prev";
}

void writeFileDurably(const std::string& path, const std::string& bytes, bool keepPrevious)
{
    static std::mt19937_64 names{std::random_device{}()};
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(names() % 1000000000ULL);
    const bool existed = ::access(path.c_str(), F_OK) == 0;
    const std::string kept = existed ? "; the previous file is unchanged" : "; nothing was written";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        throw Error("cannot write file: " + systemReason(errno) + kept, path);
    auto fail = [&](int err, const char* what) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw Error(std::string("cannot ") + what + ": " + systemReason(err) + kept, path);
    };
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fail(errno, "write file");
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0)
        fail(errno, "write file (flush to disk)");
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot write file: " + systemReason(err) + kept, path);
    }
    if (keepPrevious && ::access(path.c_str(), F_OK) == 0) {
        // A hard link keeps `path` in place until the rename below replaces it,
        // so there is no moment without a current file.
        const std::string prev = previousGeneration(path);
        const std::string prevTmp = prev + ".tmp-" + std::to_string(::getpid());
        ::unlink(prevTmp.c_str());
        if (::link(path.c_str(), prevTmp.c_str()) == 0) {
            if (::rename(prevTmp.c_str(), prev.c_str()) != 0)
                ::unlink(prevTmp.c_str());
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot replace file: " + systemReason(err) + kept, path);
    }
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd); // the rename itself on disk
        ::close(dfd);
    }
}

const char* const kManifestName = "sinar.sha256";

namespace {

std::string readWhole(const std::string& path, bool* exists)
{
    std::ifstream in(path, std::ios::binary);
    *exists = static_cast<bool>(in);
    return *exists ? std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()) : std::string();
}

// The manifest's lines as (name, hex), in file order.
std::vector<std::pair<std::string, std::string>> readManifest(const std::string& manifest, bool* exists)
{
    std::vector<std::pair<std::string, std::string>> entries;
    std::istringstream lines(readWhole(manifest, exists));
    std::string line;
    while (std::getline(lines, line)) {
        // "HEX  NAME" (text mode) or "HEX *NAME" (binary mode, as sha256sum -b writes it).
        if (line.size() < 67 || line[64] != ' ' || (line[65] != ' ' && line[65] != '*'))
            continue;
        entries.emplace_back(line.substr(66), line.substr(0, 64));
    }
    return entries;
}

std::pair<std::string, std::string> splitFolder(const std::string& path)
{
    const size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

} // namespace

void writeRecordedFile(const std::string& path, const std::string& bytes)
{
    writeFileDurably(path, bytes);
    const auto [dir, name] = splitFolder(path);
    const std::string manifest = dir + "/" + kManifestName;
    bool exists = false;
    auto entries = readManifest(manifest, &exists);
    const std::string hex = sha256Hex(bytes);
    bool found = false;
    for (auto& e : entries)
        if (e.first == name) {
            e.second = hex;
            found = true;
        }
    if (!found)
        entries.emplace_back(name, hex);
    std::string out;
    for (const auto& e : entries)
        out += e.second + "  " + e.first + "\n";
    writeFileDurably(manifest, out);
}

void checkRecordedFile(const std::string& path, const std::string& bytes)
{
    const auto [dir, name] = splitFolder(path);
    bool exists = false;
    const auto entries = readManifest(dir + "/" + kManifestName, &exists);
    for (const auto& e : entries)
        if (e.first == name && e.second != sha256Hex(bytes))
            throw Error("corrupt run folder: " + name + " was changed after Sinar wrote it (its SHA-256 no longer "
                            "matches " + std::string(kManifestName) + "); restore it, or copy the file elsewhere to use "
                            "it as a file of your own",
                        path);
}

} // namespace sinar
