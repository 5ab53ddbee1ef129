// --threads of the commands that compute with LibTorch (apart from
// cli_common.cpp, so the launcher does not link LibTorch: launcher.h).
#include "cli/cli_common.h"
#include "nn/model.h"

namespace sinar::cli {

void applyThreads(const QCommandLineParser& p)
{
    nn::setThreadCount(p.isSet("threads") ? intOption(p, "threads", 0, 256) : 0);
}

} // namespace sinar::cli
