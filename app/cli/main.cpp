// sinar-cli: every job of Sinar, headless.
#include <QCoreApplication>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "common/allocator.h"
#include "cli/cli_common.h"
#include "common/error.h"
#include "common/integrity.h"

using namespace sinar::cli;

namespace sinar::cli {
int runCalibrate(const QStringList& args); // cmd_calibrate.cpp
int runScope(const QStringList& args);     // cmd_scope.cpp
int runMeasure(const QStringList& args);   // cmd_measure.cpp
int runOod(const QStringList& args);       // cmd_ood.cpp
int runAudit(const QStringList& args);     // cmd_audit.cpp
int runCompare(const QStringList& args);   // cmd_compare.cpp
int runAblate(const QStringList& args);    // cmd_compare.cpp
int runPacs(const QStringList& args);      // cmd_pacs.cpp
int runAnonymize(const QStringList& args); // cmd_anonymize.cpp
}

static void usage(FILE* out)
{
    std::fputs("Usage: sinar-cli COMMAND [options]\n"
               "\n"
               "Commands:\n"
               "  train      train a CNN (or an SVM / k-NN baseline) on a data set and write a model bundle\n"
               "  compare    train several methods (CNN, transfer, SVM, k-NN) on one split and tabulate them\n"
               "  ablate     train with preprocessing variants on one split and tabulate the effect\n"
               "  evaluate   evaluate a model bundle on a data set (metrics as table, JSON, CSV)\n"
               "  predict    classify image files\n"
               "  calibrate  fit a bundle's temperature scaling on its own validation images\n"
               "  info       show a model bundle's metadata (its model card)\n"
               "  audit      leakage audit: near-duplicate twins across the split, 1-NN baseline, twin-free accuracy\n"
               "  ood        how well a bundle's out-of-distribution check tells its images from other sets\n"
               "  scope      show or set the images a model bundle is for; check DICOM files against it\n"
               "  measure    per-image quality and intensity measures of a data set, as CSV\n"
               "  bench      measure training and inference speed on this machine\n"
               "  explain    heat maps of where the CNN looked: Grad-CAM, Grad-CAM++, Score-CAM, occlusion\n"
               "  dicom      DICOM files, folders and DICOMDIRs: info, export (PNG, MPR), bench\n"
               "  pacs       a PACS on the network: echo, find, get (C-GET / C-MOVE), send, listen\n"
               "  anonymize  anonymised copies of DICOM files (PS3.15 Basic Confidentiality Profile)\n"
               "\n"
               "'sinar-cli COMMAND --help' describes a command's options.\n"
               "Exit status: 0 success, 1 bad input or option, 2 internal error.\n",
               out);
}

#ifdef SINAR_CLI_LAUNCHER
// sinar-cli is two executables. This one, without LibTorch, runs the
// networking and anonymisation commands itself -- LibTorch's start-up alone
// takes about 0.7 s, more than half of retrieving a series from a PACS on
// loopback -- and hands every other command to sinar-cli-ml beside it, with
// the same arguments (execv: same process, exit status and signals).
#include <unistd.h>

#include <string>

static bool launcherCommand(const char* c)
{
    const std::string s = c;
    return s == "pacs" || s == "anonymize" || s == "anonymise";
}

static int runMl(char** argv)
{
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string(argv[0]);
    dir = dir.substr(0, dir.find_last_of('/') + 1);
    const std::string ml = dir + "sinar-cli-ml";
    ::execv(ml.c_str(), argv);
    std::fprintf(stderr, "sinar-cli: cannot start %s: %s (it is installed beside sinar-cli)\n", ml.c_str(),
                 std::strerror(errno));
    return kExitInternal;
}
#endif

int main(int argc, char** argv)
{
#ifdef SINAR_CLI_LAUNCHER
    if (argc < 2 || !launcherCommand(argv[1]))
        return runMl(argv);
#endif
    sinar::tuneMemoryAllocator();
    sinar::reportFileSizeLimitAsError();
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName("sinar-cli");
    QCoreApplication::setApplicationVersion(SINAR_VERSION);
    const QStringList all = QCoreApplication::arguments();
    if (all.size() < 2 || all[1] == "-h" || all[1] == "--help" || all[1] == "help") {
        usage(all.size() < 2 ? stderr : stdout);
        return all.size() < 2 ? kExitUser : kExitOk;
    }
    if (all[1] == "--version") {
        std::printf("sinar-cli %s\n", SINAR_VERSION);
        return kExitOk;
    }
    const QString command = all[1];
    QStringList args = all.mid(2);
    args.prepend(QStringLiteral("sinar-cli ") + command);
    installInterruptHandler();
    try {
#ifndef SINAR_CLI_LAUNCHER
        if (command == "train")
            return runTrain(args);
        if (command == "evaluate")
            return runEvaluate(args);
        if (command == "predict")
            return runPredict(args);
        if (command == "calibrate")
            return runCalibrate(args);
        if (command == "scope")
            return runScope(args);
        if (command == "audit")
            return runAudit(args);
        if (command == "compare")
            return runCompare(args);
        if (command == "ablate")
            return runAblate(args);
        if (command == "ood")
            return runOod(args);
        if (command == "measure")
            return runMeasure(args);
        if (command == "info")
            return runInfo(args);
        if (command == "bench")
            return runBench(args);
        if (command == "explain")
            return runExplain(args);
        if (command == "dicom")
            return runDicom(args);
#endif
        if (command == "pacs")
            return runPacs(args);
        if (command == "anonymize" || command == "anonymise")
            return runAnonymize(args);
        std::fprintf(stderr, "sinar-cli: unknown command '%s'\n", qPrintable(command));
        usage(stderr);
        return kExitUser;
    } catch (const sinar::Cancelled&) {
        std::fprintf(stderr, "\nsinar-cli: cancelled\n");
        return kExitUser;
    } catch (const sinar::Error& e) {
        std::fprintf(stderr, "\nsinar-cli: error: %s\n", sinar::userMessage(e).c_str());
        return kExitUser;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\nsinar-cli: %s\n", sinar::userMessage(e).c_str()); // "internal error: " and the first line
        return kExitInternal;
    }
}
