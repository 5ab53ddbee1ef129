#pragma once
// The one exception type core throws for anything a user can cause (bad file,
// bad option, missing data). Its message is meant to be shown as is.
#include <stdexcept>
#include <string>
#include <vector>

#include "common/progress.h"

namespace sinar {

// What kind of failure an Error (or a FileFailure) is, so control flow never
// depends on message text.
enum class FailureKind {
    General,      // anything else: corrupt, truncated, unsupported, ...
    NotFound,     // no such file or folder
    NotDicom,     // not a DICOM file (it may be another kind of image)
    NotAnImage,   // a DICOM object without pixels (DICOMDIR, report, plan, ...)
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, const std::string& file = {}, FailureKind kind = FailureKind::General);
    FailureKind kind() const noexcept { return kind_; }
    // The file (or folder, or option) the error concerns; may be empty.
    const std::string& file() const noexcept { return file_; }
    // The message without the file prefix.
    const std::string& message() const noexcept { return message_; }

private:
    std::string file_;
    std::string message_;
    FailureKind kind_ = FailureKind::General;
};

// Helpers for messages: the first line of a text that has something on it
// (library messages carry backtraces; "no details given" for a blank text),
// and names joined as "a, b, c".
std::string firstLine(const std::string& text);
std::string joinedNames(const std::vector<std::string>& names);

// The one wording a user sees for a failure, in every panel and the CLI: an
// Error's message, after "FILE: " when it names a file and `withFile` (panels
// that show the file beside the message pass false); for any other exception
// "internal error: " and its first line.
std::string userMessage(const std::exception& e, bool withFile = true);

// A file failure from an exception: its file (or `file` when it names none),
// userMessage and kind.
struct FileFailure;
FileFailure fileFailure(const std::exception& e, const std::string& file);

// Thrown when a job stops because its cancel token was set.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace sinar
