#include "common/text.h"

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

} // namespace sinar
