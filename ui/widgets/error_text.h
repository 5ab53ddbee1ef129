#pragma once
// The text a panel shows for a failure: sinar::userMessage (common/error.h),
// the one wording every panel and the CLI use.
#include <QString>
#include <exception>

#include "common/error.h"

namespace sinar::ui {

// With `withFile` false the file is left out (for panels that show it beside the text).
inline QString errorText(const std::exception& e, bool withFile = true)
{
    return QString::fromStdString(userMessage(e, withFile));
}

} // namespace sinar::ui
