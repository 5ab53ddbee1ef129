#pragma once
// The one exception type core throws for anything a user can cause (bad file,
// bad option, missing data). Its message is meant to be shown as is.
#include <stdexcept>
#include <string>

namespace sinar {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, const std::string& file = {});
    // The file (or folder, or option) the error concerns; may be empty.
    const std::string& file() const noexcept { return file_; }
    // The message without the file prefix.
    const std::string& message() const noexcept { return message_; }

private:
    std::string file_;
    std::string message_;
};

// Thrown when a job stops because its cancel token was set.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace sinar
