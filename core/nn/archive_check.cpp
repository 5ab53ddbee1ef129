#include "nn/archive_check.h"

#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <vector>
#include <zlib.h>

#include "common/error.h"
#include "common/text.h"

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

uint64_t le64(const std::string& b, size_t at)
{
    return le32(b, at) | (uint64_t(le32(b, at + 4)) << 32);
}

std::string sizeText(uint64_t bytes)
{
    char s[32];
    if (bytes >= (1ull << 30))
        std::snprintf(s, sizeof s, "%.2f GiB", bytes / double(1ull << 30));
    else if (bytes >= (1ull << 20))
        std::snprintf(s, sizeof s, "%.1f MiB", bytes / double(1ull << 20));
    else
        std::snprintf(s, sizeof s, "%llu bytes", static_cast<unsigned long long>(bytes));
    return s;
}

// One line of a module declaration as Sinar's bundles write it.
bool declarationLine(const QString& line)
{
    static const QString type = QStringLiteral(R"((?:Tensor|str|int|float|bool|Tuple\[(?:float|int|bool)(?:, (?:float|int|bool))*\]|__torch__(?:\.___torch_mangle_\d+)?\.Module))");
    static const QString names = QStringLiteral(R"(\[(?:"[A-Za-z0-9_./]+", )*\])");
    static const QRegularExpression patterns[] = {
        QRegularExpression(QStringLiteral(R"(^class Module\(Module\):$)")),
        QRegularExpression(QStringLiteral("^  __(?:parameters|buffers)__ = ") + names + QStringLiteral("$")),
        QRegularExpression(QStringLiteral(R"(^  __annotations__ = \[\]$)")),
        QRegularExpression(QStringLiteral(R"(^  __annotations__\["[A-Za-z0-9_./]+"\] = )") + type + QStringLiteral("$")),
        QRegularExpression(QStringLiteral(R"(^  [A-Za-z_][A-Za-z0-9_]* : )") + type + QStringLiteral("$")),
    };
    if (line.isEmpty())
        return true;
    for (const QRegularExpression& p : patterns)
        if (p.match(line).hasMatch())
            return true;
    return false;
}

// What a pickle leaves on LibTorch's unpickler stack, as far as this check
// follows it: the values a tensor storage's persistent id is made of.
struct Value {
    enum class Kind : uint8_t { Other, Str, Int, ScalarType, Tuple } kind = Kind::Other;
    std::string text;   // Str (kept when short: keys, "storage", devices)
    int64_t number = 0; // Int; ScalarType: its element size in bytes
    std::shared_ptr<const std::vector<Value>> items; // Tuple
};

// The element size of a scalar type, by LibTorch's number (c10::ScalarType)
// and by the name its pickler writes ("torch", "FloatStorage"); 0: unknown.
int64_t elementSize(int64_t scalarType)
{
    static const int64_t sizes[] = {1, 1, 2, 4, 8, 2, 4, 8, 4, 8, 16, 1, 1, 1, 4, 2, 1, 1};
    return scalarType >= 0 && scalarType < int64_t(std::size(sizes)) ? sizes[scalarType] : 0;
}

int64_t elementSize(const std::string& storageName)
{
    static const char* const names[] = {"Byte",         "Char",          "Short", "Int",   "Long",   "Half",
                                        "Float",        "Double",        "ComplexHalf", "ComplexFloat", "ComplexDouble", "Bool",
                                        "QInt8",        "QUInt8",        "QInt32", "BFloat16", "QUInt4x2", "QUInt2x4"};
    for (size_t i = 0; i < std::size(names); ++i)
        if (storageName == std::string(names[i]) + "Storage")
            return elementSize(int64_t(i));
    return 0;
}

// Runs a pickle the way LibTorch 1.13's unpickler would, on a model of its
// stack: only the opcodes that unpickler reads (protocol 2, as its pickler
// writes), and none in a state where that unpickler would read past its stack,
// its marks or its memo (it does not check them all), take a declared length as
// given, or index a table by a number from the file. Returns each tensor
// storage the pickle declares, with the size it declares for it; a persistent
// id whose parts this check cannot follow is refused, not guessed.
std::vector<PickleStorage> runPickle(const std::string& p, const std::function<Error(const std::string&)>& corrupt)
{
    const uint64_t n = p.size();
    uint64_t at = 0, opAt = 0;
    unsigned char op = 0;
    std::vector<Value> stack;
    std::vector<size_t> marks;
    std::vector<Value> memo;
    std::vector<PickleStorage> storages;
    auto fail = [&](const std::string& what) {
        char s[64];
        std::snprintf(s, sizeof s, "opcode 0x%02x at byte %llu ", op, static_cast<unsigned long long>(opAt));
        return corrupt(s + what);
    };
    auto need = [&](uint64_t bytes) {
        if (bytes > n - at)
            throw fail("declares " + sizeText(bytes) + ", more than the " + sizeText(n - at) + " left in the pickle");
    };
    auto take = [&](uint64_t bytes) {
        need(bytes);
        const uint64_t from = at;
        at += bytes;
        uint64_t v = 0;
        for (uint64_t i = bytes; i-- > 0;)
            v = (v << 8) | static_cast<unsigned char>(p[static_cast<size_t>(from + i)]);
        return v;
    };
    auto require = [&](size_t depth) {
        if (stack.size() < depth)
            throw fail("needs " + std::to_string(depth) + " values, the stack holds " + std::to_string(stack.size()));
    };
    auto markStart = [&](bool keep) {
        if (marks.empty())
            throw fail("needs a MARK, and none is open");
        const size_t start = marks.back();
        if (!keep)
            marks.pop_back();
        if (start > stack.size())
            throw fail("closes a MARK set below values already taken from the stack");
        return start;
    };
    auto line = [&]() {
        const size_t end = p.find('\n', static_cast<size_t>(at));
        if (end == std::string::npos)
            throw fail("has no end of line");
        std::string text = p.substr(static_cast<size_t>(at), end - static_cast<size_t>(at));
        at = end + 1;
        return text;
    };
    auto memoSlot = [&](uint64_t slot) {
        // LibTorch fills the memo up to a slot: slots are numbered from 0 as
        // they are filled, each by at least one byte of the pickle.
        if (slot > n)
            throw fail("names memo slot " + std::to_string(slot) + ", beyond what a pickle of " + sizeText(n) + " fills");
        return static_cast<size_t>(slot);
    };

    op = at < n ? static_cast<unsigned char>(p[0]) : 0;
    if (n < 2 || op != 0x80 || p[1] != 2)
        throw corrupt("it does not start with pickle protocol 2, the one LibTorch reads");
    at = 2;
    while (true) {
        if (at >= n)
            throw corrupt("it ends without the pickle's STOP opcode");
        opAt = at;
        op = static_cast<unsigned char>(p[at++]);
        Value v;
        switch (op) {
        case ']': // EMPTY_LIST
        case '}': // EMPTY_DICT
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
        case 'N': // NONE
            stack.push_back(v);
            break;
        case ')': // EMPTY_TUPLE
            v.kind = Value::Kind::Tuple;
            v.items = std::make_shared<std::vector<Value>>();
            stack.push_back(v);
            break;
        case 'G': // BINFLOAT
            take(8);
            stack.push_back(v);
            break;
        case 'K': case 'M': case 'J': { // BININT1, BININT2, BININT
            const uint64_t width = op == 'K' ? 1 : op == 'M' ? 2 : 4;
            const uint64_t raw = take(width);
            v.kind = Value::Kind::Int;
            v.number = width == 4 ? int64_t(int32_t(uint32_t(raw))) : int64_t(raw);
            stack.push_back(v);
            break;
        }
        case 0x8a: // LONG1: LibTorch reads 8-byte ones only
            if (take(1) != 8)
                throw fail("is a LONG1 of other than 8 bytes, which LibTorch does not read");
            v.kind = Value::Kind::Int;
            v.number = static_cast<int64_t>(take(8));
            stack.push_back(v);
            break;
        case 'X': { // BINUNICODE
            const uint64_t length = take(4);
            need(length);
            v.kind = Value::Kind::Str;
            if (length <= 256)
                v.text = p.substr(static_cast<size_t>(at), static_cast<size_t>(length));
            at += length;
            stack.push_back(v);
            break;
        }
        case 'q': case 'r': // BINPUT, LONG_BINPUT
        {
            const size_t slot = memoSlot(take(op == 'q' ? 1 : 4));
            require(1);
            if (slot >= memo.size())
                memo.resize(slot + 1);
            memo[slot] = stack.back();
            break;
        }
        case 'h': case 'j': { // BINGET, LONG_BINGET
            const size_t slot = memoSlot(take(op == 'h' ? 1 : 4));
            if (slot >= memo.size())
                throw fail("reads memo slot " + std::to_string(slot) + ", which was never filled");
            stack.push_back(memo[slot]);
            break;
        }
        case '(': // MARK
            marks.push_back(stack.size());
            break;
        case 't': { // TUPLE
            const size_t start = markStart(false);
            v.kind = Value::Kind::Tuple;
            v.items = std::make_shared<std::vector<Value>>(stack.begin() + static_cast<std::ptrdiff_t>(start), stack.end());
            stack.resize(start);
            stack.push_back(v);
            break;
        }
        case 0x85: case 0x86: case 0x87: { // TUPLE1, TUPLE2, TUPLE3
            const size_t count = op - 0x84u;
            require(count);
            v.kind = Value::Kind::Tuple;
            v.items = std::make_shared<std::vector<Value>>(stack.end() - static_cast<std::ptrdiff_t>(count), stack.end());
            stack.resize(stack.size() - count);
            stack.push_back(v);
            break;
        }
        case 'e': { // APPENDS: the list sits below the mark
            const size_t start = markStart(false);
            if (start == 0)
                throw fail("appends to a list below the bottom of the stack");
            stack.resize(start);
            break;
        }
        case 'l': // LIST
            stack.resize(markStart(false));
            stack.push_back(v);
            break;
        case 'd': case 'u': { // DICT, SETITEMS: key and value pairs above the mark
            const size_t start = markStart(false);
            if ((stack.size() - start) % 2 != 0)
                throw fail("pairs " + std::to_string(stack.size() - start) + " values as keys and values");
            if (op == 'u' && start == 0)
                throw fail("sets items of a dictionary below the bottom of the stack");
            stack.resize(start);
            if (op == 'd')
                stack.push_back(v);
            break;
        }
        case 's': // SETITEM: dictionary, key, value
            require(3);
            stack.resize(stack.size() - 2);
            break;
        case 'c': { // GLOBAL: LibTorch pushes a number, the scalar type for torch.*Storage
            const std::string module = line();
            const std::string name = line();
            if (module == "torch" && elementSize(name) > 0) {
                v.kind = Value::Kind::ScalarType;
                v.number = elementSize(name);
            }
            stack.push_back(v);
            break;
        }
        case 0x81: // NEWOBJ: LibTorch drops the (empty) argument tuple
            require(1);
            stack.pop_back();
            break;
        case 'b': case 'R': // BUILD, REDUCE: LibTorch calls the global below the argument
            require(2);
            stack.resize(stack.size() - 2);
            stack.push_back(v);
            break;
        case 'Q': { // BINPERSID: a tensor storage ("storage", type, key, device, numel)
            require(1);
            const Value id = stack.back();
            stack.pop_back();
            const std::vector<Value>* parts = id.kind == Value::Kind::Tuple ? id.items.get() : nullptr;
            if (!parts || parts->size() < 5 || (*parts)[0].kind != Value::Kind::Str || (*parts)[0].text != "storage" ||
                (*parts)[2].kind != Value::Kind::Str || (*parts)[2].text.empty() || (*parts)[4].kind != Value::Kind::Int)
                throw fail("declares a tensor storage in a form Sinar cannot check");
            int64_t itemSize = 0;
            if ((*parts)[1].kind == Value::Kind::ScalarType)
                itemSize = (*parts)[1].number;
            else if ((*parts)[1].kind == Value::Kind::Int)
                itemSize = elementSize((*parts)[1].number);
            if (itemSize == 0)
                throw fail("declares a tensor storage of an unknown element type");
            const int64_t numel = (*parts)[4].number;
            if (numel < 0 || numel > int64_t(kMaxArchiveEntryBytes))
                throw fail("declares a tensor storage of " + std::to_string(numel) + " elements");
            storages.push_back({(*parts)[2].text, uint64_t(numel) * uint64_t(itemSize)});
            stack.push_back(v);
            break;
        }
        case '.': // STOP
            if (stack.size() != 1)
                throw fail("stops with " + std::to_string(stack.size()) + " values on the stack, not one");
            return storages;
        default:
            throw fail("is not an opcode LibTorch's unpickler reads");
        }
    }
}

std::string prefixOf(ArchiveKind kind)
{
    switch (kind) {
    case ArchiveKind::Checkpoint: return "corrupt checkpoint: ";
    case ArchiveKind::Weights: return "corrupt pretrained weights: ";
    case ArchiveKind::Bundle:
    case ArchiveKind::TorchScript: break;
    }
    return "corrupt model bundle: ";
}

bool endsWith(const std::string& s, const char* tail)
{
    const size_t t = std::char_traits<char>::length(tail);
    return s.size() >= t && s.compare(s.size() - t, t, tail) == 0;
}

} // namespace

std::vector<PickleStorage> checkPickle(const std::string& pickle, const std::string& prefix, const std::string& path)
{
    return runPickle(pickle, [&](const std::string& what) { return Error(prefix + what, path); });
}

void checkArchive(const std::string& b, const std::string& path, ArchiveKind kind)
{
    const std::string prefix = prefixOf(kind);
    auto corrupt = [&](const std::string& what) { return Error(prefix + what, path); };
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
        const uint64_t z64 = le64(b, eocd - 20 + 8);
        if (z64 > b.size() || b.size() - z64 < 56 || le32(b, static_cast<size_t>(z64)) != 0x06064b50u)
            throw corrupt("its zip64 directory record is not where the archive says: bytes were removed, added or changed");
        const size_t z = static_cast<size_t>(z64);
        count = le64(b, z + 32);
        cdOffset = le64(b, z + 48);
    }
    size_t at = static_cast<size_t>(std::min<uint64_t>(cdOffset, b.size()));
    struct Entry {
        std::string name;
        uint32_t method;
        uint64_t size, compressed, dataAt;
    };
    std::vector<Entry> entries;
    std::map<std::string, uint64_t> smallest; // by name: the smallest of entries named alike
    for (uint64_t e = 0; e < count; ++e) {
        if (at + 46 > b.size() || le32(b, at) != 0x02014b50u)
            throw corrupt("its central directory is damaged: bytes were removed, added or changed");
        const uint32_t method = le16(b, at + 10);
        uint64_t compressed = le32(b, at + 20), size = le32(b, at + 24), local = le32(b, at + 42);
        const uint32_t nameLength = le16(b, at + 28), extraLength = le16(b, at + 30), commentLength = le16(b, at + 32);
        if (at + 46 + nameLength + extraLength > b.size())
            throw corrupt("its central directory is damaged: bytes were removed, added or changed");
        const std::string name = b.substr(at + 46, nameLength);
        // Zip64 sizes and offset, in the order the zip specification gives
        // them, for each field that is 0xffffffff.
        for (size_t x = at + 46 + nameLength, xEnd = x + extraLength; x + 4 <= xEnd;) {
            const uint32_t id = le16(b, x), length = le16(b, x + 2);
            if (x + 4 + length > xEnd)
                break;
            if (id == 0x0001) {
                size_t f = x + 4;
                for (uint64_t* field : {&size, &compressed, &local})
                    if (*field == 0xffffffffu) {
                        if (f + 8 > x + 4 + length)
                            throw corrupt("the zip64 sizes of " + shown(name) + " are missing");
                        *field = le64(b, f);
                        f += 8;
                    }
            }
            x += 4 + length;
        }
        at += 46 + nameLength + extraLength + commentLength;

        // What LibTorch's reader allocates for the entry is its declared size.
        if (method != 0 && method != 8)
            throw corrupt(shown(name) + " is stored with zip method " + std::to_string(method) + ", which LibTorch archives do not use");
        if (size > kMaxArchiveEntryBytes)
            throw corrupt(shown(name) + " declares " + sizeText(size) + ", more than Sinar's limit of " +
                          sizeText(kMaxArchiveEntryBytes) + " per archive entry");
        if (local > b.size() || b.size() - local < 30 || le32(b, static_cast<size_t>(local)) != 0x04034b50u)
            throw corrupt("the local header of " + shown(name) + " is missing or damaged");
        const uint64_t dataAt = local + 30 + le16(b, static_cast<size_t>(local) + 26) + le16(b, static_cast<size_t>(local) + 28);
        if (dataAt > b.size() || compressed > b.size() - dataAt)
            throw corrupt(shown(name) + " declares " + sizeText(compressed) + " stored, which lie past the end of the file");
        if (method == 0 && size != compressed)
            throw corrupt(shown(name) + " is stored uncompressed, but declares " + sizeText(size) + " from " + sizeText(compressed));
        // Deflate expands at most 1032 times (RFC 1951: 258 bytes per 2 bits).
        if (method == 8 && size > compressed * 1032 + 1032)
            throw corrupt(shown(name) + " declares " + sizeText(size) + " inflated from " + sizeText(compressed) +
                          ", more than deflate can expand to");
        entries.push_back({name, method, size, compressed, dataAt});
        const auto [it, fresh] = smallest.emplace(name, size);
        if (!fresh)
            it->second = std::min(it->second, size);
    }
    // LibTorch looks up every record under the folder of the archive's first entry.
    const std::string root = entries.empty() ? std::string() : entries.front().name.substr(0, entries.front().name.find('/'));

    for (const Entry& entry : entries) {
        const std::string& name = entry.name;
        const uint32_t method = entry.method;
        const uint64_t size = entry.size, compressed = entry.compressed, dataAt = entry.dataAt;
        const size_t slash = name.find('/');
        const bool source = slash != std::string::npos && name.compare(slash, 6, "/code/") == 0 && endsWith(name, ".py");
        const bool pickle = endsWith(name, ".pkl") || endsWith(name, ".debug_pkl");
        const bool declarationsOnly = kind == ArchiveKind::Bundle || kind == ArchiveKind::Checkpoint;
        if (!pickle && !(source && declarationsOnly))
            continue; // tensors and the version: bytes LibTorch copies, at the size checked above
        if (source && (size > (1u << 20) || compressed > (1u << 20)))
            throw corrupt("its module declaration " + shown(name) + " is not stored as Sinar stores it");
        std::string text;
        if (method == 0) {
            text = b.substr(static_cast<size_t>(dataAt), static_cast<size_t>(compressed));
        } else {
            text.assign(static_cast<size_t>(size), '\0');
            z_stream zs{};
            if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
                throw corrupt("cannot inflate " + shown(name));
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data() + dataAt));
            zs.avail_in = static_cast<uInt>(std::min<uint64_t>(compressed, 0xffffffffu));
            zs.next_out = reinterpret_cast<Bytef*>(text.data());
            zs.avail_out = static_cast<uInt>(size);
            const int rc = inflate(&zs, Z_FINISH);
            const uLong produced = zs.total_out;
            inflateEnd(&zs);
            if (rc != Z_STREAM_END || produced != size)
                throw corrupt(shown(name) + " does not inflate to its declared size");
        }
        if (pickle) {
            auto damaged = [&](const std::string& what) { return corrupt("its pickle " + shown(name) + " is damaged: " + what); };
            // Each storage is read from the record named by its key in the
            // folder named as the pickle (data.pkl: data/0, data/1, ...), which
            // must hold the bytes the pickle declares for it: LibTorch sizes the
            // storage by the declaration and copies the record into it.
            const size_t cut = name.rfind('/');
            const std::string stem = name.substr(cut + 1, name.size() - (cut + 1) - (endsWith(name, ".debug_pkl") ? 10 : 4));
            const std::string folder = name.substr(0, cut + 1);
            for (const PickleStorage& use : runPickle(text, damaged)) {
                if (use.bytes == 0)
                    continue; // LibTorch reads no record for an empty storage
                for (const std::string& record : {folder + stem + "/" + use.key, root + "/" + stem + "/" + use.key,
                                                  root + "/.data/" + use.key}) {
                    const auto found = smallest.find(record);
                    if (found != smallest.end() && found->second < use.bytes)
                        throw damaged("it declares " + sizeText(use.bytes) + " for the tensor storage " + shown(record) +
                                      ", which holds " + sizeText(found->second));
                }
            }
            continue;
        }
        const QStringList lines = QString::fromUtf8(text.data(), static_cast<qsizetype>(text.size())).split(QLatin1Char('\n'));
        for (qsizetype i = 0; i < lines.size(); ++i)
            if (!declarationLine(lines[i]))
                throw corrupt("line " + std::to_string(i + 1) + " of its module declaration " + shown(name) +
                              " is not a declaration Sinar writes (a model bundle holds no code; a TorchScript model "
                              "needs its side-car JSON)");
    }
}

} // namespace sinar::nn
