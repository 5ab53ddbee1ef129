#include "common/text.h"

#include <cstdio>

namespace sinar {

std::string trimmed(const std::string& s)
{
    static const char kBlank[] = " \t\r\n";
    const std::string blank(kBlank, sizeof kBlank); // the NUL included
    const size_t a = s.find_first_not_of(blank);
    if (a == std::string::npos)
        return {};
    return s.substr(a, s.find_last_not_of(blank) - a + 1);
}

std::string shown(const std::string& s)
{
    std::string out;
    for (unsigned char c : s) {
        if (out.size() >= 120) {
            out += "...";
            break;
        }
        if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return out;
}

bool isDicomUid(const std::string& s)
{
    if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.')
        return false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '.' ? s[i + 1] == '.' : (c < '0' || c > '9'))
            return false;
    }
    return true;
}

} // namespace sinar
