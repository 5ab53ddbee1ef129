// sinar-cli anonymize: anonymised copies of DICOM files (PS3.15 Basic
// Application Level Confidentiality Profile; core/dicom/anonymizer.h).
#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "dicom/anonymizer.h"

namespace sinar::cli {

int runAnonymize(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"out", "Folder for the anonymised files: OUT/<study>/<series>/<instance>.dcm, with new UIDs.", "DIR"},
        {"profile", "Confidentiality profile: basic (DICOM PS3.15 Annex E, Table E.1-1).", "NAME", "basic"},
        {"secret", "Seeds the new UIDs and pseudonyms: the same secret gives the same new UIDs in another "
                   "export (a study exported in parts). Default: a random one, so exports cannot be linked.",
         "TEXT"},
        {"skip-burned-in", "Leave out files whose BurnedInAnnotation is YES (text in the pixels, which no header "
                           "profile removes); by default they are written and listed."},
        {"json", "Write a report: the profile's edition, each file's output, failures, burned-in files.", "OUT"},
    });
    p.addPositionalArgument("IN", "DICOM files or folders of them.", "IN...");
    int code = 0;
    if (!parseOrExit(p, args,
                     "Write anonymised copies of DICOM files: the Basic Application Level Confidentiality Profile, "
                     "private attributes removed, UIDs replaced consistently, pixel data untouched.",
                     code))
        return code;
    const std::string out = requiredOption(p, "out");
    if (p.positionalArguments().isEmpty())
        throw Error("no files to anonymise (sinar-cli anonymize IN... --out DIR)");
    dicom::AnonymizeOptions o;
    o.profile = p.value("profile").toStdString();
    o.secret = p.value("secret").toStdString();
    o.skipBurnedIn = p.isSet("skip-burned-in");
    std::vector<std::string> inputs;
    for (const QString& a : p.positionalArguments())
        inputs.push_back(a.toStdString());
    const bool live = stderrIsTerminal();
    const dicom::AnonymizeReport r = dicom::anonymize(inputs, out, o, terminalProgress(live), &interruptToken());
    endProgress(live);

    for (const FileFailure& f : r.failures)
        std::fprintf(stderr, "not anonymised: %s: %s\n", f.file.c_str(), f.reason.c_str());
    for (const std::string& f : r.burnedIn)
        std::fprintf(stderr, "WARNING: %s has BurnedInAnnotation = YES: its pixels may show identifying text%s\n",
                     f.c_str(), o.skipBurnedIn ? " (left out)" : " (written: check it before it leaves)");
    std::printf("anonymised %zu file(s) into %s with the %s (Basic Application Level Confidentiality Profile); "
                "%d attributes removed, %d replaced\n",
                r.files.size(), out.c_str(), r.edition.c_str(), r.attributesRemoved, r.attributesReplaced);
    if (p.isSet("json")) {
        QJsonArray files, failures, burned;
        for (const auto& f : r.files)
            files.append(QJsonObject{{"input", QString::fromStdString(f.input)},
                                     {"output", QString::fromStdString(f.output)},
                                     {"burned_in_annotation", f.burnedInAnnotation}});
        for (const auto& f : r.failures)
            failures.append(QJsonObject{{"file", QString::fromStdString(f.file)},
                                        {"reason", QString::fromStdString(f.reason)}});
        for (const auto& f : r.burnedIn)
            burned.append(QString::fromStdString(f));
        writeJsonFile(p.value("json").toStdString(),
                      QJsonObject{{"profile", "basic"},
                                  {"edition", QString::fromStdString(r.edition)},
                                  {"files", files},
                                  {"failures", failures},
                                  {"burned_in_annotation", burned},
                                  {"attributes_removed", r.attributesRemoved},
                                  {"attributes_replaced", r.attributesReplaced}});
    }
    return r.failures.empty() ? kExitOk : kExitUser;
}

} // namespace sinar::cli
