#include "common/error.h"

#include <cstdio>


namespace sinar {

static std::string compose(const std::string& message, const std::string& file)
{
    return file.empty() ? message : file + ": " + message;
}

Error::Error(const std::string& message, const std::string& file, FailureKind kind)
    : std::runtime_error(compose(message, file)), file_(file), message_(message), kind_(kind)
{
}

std::string firstLine(const std::string& text)
{
    // The first line with something on it (some library messages start with a
    // line break), without surrounding blanks.
    size_t at = 0;
    while (at < text.size()) {
        size_t end = text.find('\n', at);
        if (end == std::string::npos)
            end = text.size();
        const size_t first = text.find_first_not_of(" \t\r", at);
        if (first < end) {
            const size_t last = text.find_last_not_of(" \t\r", end - 1);
            return text.substr(first, last - first + 1);
        }
        at = end + 1;
    }
    return "no details given";
}

std::string joinedNames(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string userMessage(const std::exception& e, bool withFile)
{
    if (const auto* error = dynamic_cast<const Error*>(&e))
        return withFile ? std::string(error->what()) : error->message();
    // Not one of ours (LibTorch, OpenCV, the standard library): its first line,
    // marked, since its wording was not written for the user.
    return "internal error: " + firstLine(e.what());
}

FileFailure fileFailure(const std::exception& e, const std::string& file)
{
    FileFailure f;
    const auto* error = dynamic_cast<const Error*>(&e);
    f.file = error && !error->file().empty() ? error->file() : file;
    f.reason = userMessage(e, false);
    f.kind = error ? error->kind() : FailureKind::General;
    return f;
}

} // namespace sinar
