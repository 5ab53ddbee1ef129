#include "common/error.h"

namespace sinar {

static std::string compose(const std::string& message, const std::string& file)
{
    return file.empty() ? message : file + ": " + message;
}

Error::Error(const std::string& message, const std::string& file)
    : std::runtime_error(compose(message, file)), file_(file), message_(message)
{
}

} // namespace sinar
