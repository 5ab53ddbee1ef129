#pragma once
// Shared by the libFuzzer targets: the input as a file (Sinar's parsers read
// files, as they do from CDs and PACS exports) and the one outcome a hostile
// input may have besides success: a sinar::Error. Anything else — a crash, a
// sanitizer report, another exception, a hang — is a finding.
#include <QDir>
#include <QTemporaryDir>
#include <sanitizer/allocator_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
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

// Parsing must not trust a declared length: while a ParseBudget is alive, a
// single allocation larger than 4 times the input plus 8 MiB (what the length
// walk lets through: a value may overrun the file by at most 1 MiB) is a
// finding, even one under the 2 GiB cap that libFuzzer's -malloc_limit_mb
// sees. Decoding pixels is not parsing and runs outside a budget; so does a
// deflated data set, which may inflate to far more than its file.
//
// SINAR_FUZZ_PARSE_BUDGET says what an exceeded budget does: "abort" (the
// default, and what fuzz/campaign.sh uses) makes it a finding; "keep" (the
// ctest runs) writes the input to SINAR_FUZZ_BUDGET_DIR as budget-HASH and goes
// on. Such an input breaks no promise (the 2 GiB cap holds; libFuzzer checks
// it), it shows a place where the length walk and DCMTK still read a file
// differently, so a short CI run reports it without failing on it.
class ParseBudget {
public:
    ParseBudget(const uint8_t* data, size_t size) : data_(data), size_(size)
    {
        static const bool installed = __sanitizer_install_malloc_and_free_hooks(&onMalloc, &onFree) != 0;
        (void)installed;
        (void)keepGoing(); // read the setting here, never first inside the malloc hook
        static const std::string deflated = "1.2.840.10008.1.2.1.99";
        const std::string in(reinterpret_cast<const char*>(data), size);
        exceeded().store(0);
        if (in.find(deflated) == std::string::npos)
            limit().store(4 * size + (size_t(8) << 20));
        input().store(size);
    }
    ~ParseBudget()
    {
        limit().store(0);
        const size_t bytes = exceeded().exchange(0);
        if (bytes == 0)
            return;
        const char* dir = std::getenv("SINAR_FUZZ_BUDGET_DIR");
        const std::string in(reinterpret_cast<const char*>(data_), size_);
        char name[32];
        std::snprintf(name, sizeof name, "budget-%016zx", std::hash<std::string>{}(in));
        const std::string path = std::string(dir && *dir ? dir : ".") + "/" + name;
        std::fprintf(stderr, "==sinar-fuzz== parse budget exceeded: a %zu-byte input allocated %zu bytes at once; kept as %s\n",
                     size_, bytes, path.c_str());
        if (FILE* f = std::fopen(path.c_str(), "wb")) {
            std::fwrite(data_, 1, size_, f);
            std::fclose(f);
        }
    }
    ParseBudget(const ParseBudget&) = delete;
    ParseBudget& operator=(const ParseBudget&) = delete;

private:
    static bool keepGoing()
    {
        static const bool keep = [] {
            const char* mode = std::getenv("SINAR_FUZZ_PARSE_BUDGET");
            return mode && std::string(mode) == "keep";
        }();
        return keep;
    }
    static std::atomic<size_t>& limit()
    {
        static std::atomic<size_t> bytes{0};
        return bytes;
    }
    static std::atomic<size_t>& input()
    {
        static std::atomic<size_t> bytes{0};
        return bytes;
    }
    static std::atomic<size_t>& exceeded()
    {
        static std::atomic<size_t> bytes{0};
        return bytes;
    }
    static void onMalloc(const volatile void*, size_t size)
    {
        const size_t cap = limit().load(std::memory_order_relaxed);
        if (cap == 0 || size <= cap)
            return;
        limit().store(0);
        if (keepGoing()) { // no output here: this runs inside malloc
            exceeded().store(size);
            return;
        }
        std::fprintf(stderr, "==sinar-fuzz== parsing a %zu-byte input allocated %zu bytes at once (budget %zu): "
                             "a declared length was trusted\n",
                     input().load(), size, cap);
        __sanitizer_print_stack_trace();
        std::abort();
    }
    static void onFree(const volatile void*) {}

    const uint8_t* data_;
    size_t size_;
};

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
