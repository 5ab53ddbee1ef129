// sinar-cli pacs: a DICOM node on the hospital network -- echo, find, get,
// send and listen (core/pacs/pacs.h).
#include <QCommandLineParser>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cstdio>

#include "cli/cli_common.h"
#include "common/error.h"
#include "common/json_io.h"
#include "pacs/pacs.h"

namespace sinar::cli {

namespace {

void usagePacs(FILE* out)
{
    std::fputs("Usage: sinar-cli pacs COMMAND [options]\n"
               "\n"
               "Commands:\n"
               "  echo    check a PACS answers (C-ECHO)\n"
               "  find    query a PACS (C-FIND) at patient, study, series or image level; JSON out\n"
               "  get     retrieve a study or series (C-GET, or C-MOVE with --move) into a folder\n"
               "  send    store DICOM files (and folders of them) in a PACS (C-STORE)\n"
               "  listen  receive studies pushed by a PACS or modality (C-STORE SCP) until stopped\n"
               "\n"
               "'sinar-cli pacs COMMAND --help' describes a command's options.\n",
               out);
}

void addNodeOptions(QCommandLineParser& p)
{
    p.addOptions({
        {"host", "The PACS's host name or address.", "H"},
        {"port", "The PACS's DICOM port.", "P"},
        {"aet", "Sinar's own (calling) AE title (default SINAR).", "CALLING", "SINAR"},
        {"called", "The PACS's (called) AE title.", "CALLED"},
        {"timeout", "Seconds to wait for the connection and for each answer (default 10).", "S", "10"},
        {"tls", "Use TLS (DICOM secure transport, BCP 195 profile)."},
        {"tls-ca", "With --tls: PEM file of the certificate(s) the PACS's certificate must be signed by "
                   "(without it the PACS's certificate is not checked).", "PEM"},
        {"tls-cert", "With --tls: Sinar's own certificate (PEM), for a PACS that asks for one.", "PEM"},
        {"tls-key", "With --tls: the private key of --tls-cert (PEM).", "PEM"},
    });
}

pacs::Node nodeFrom(const QCommandLineParser& p)
{
    pacs::Node node;
    node.host = requiredOption(p, "host");
    node.port = intOption(p, "port", 1, 65535);
    if (!p.isSet("port"))
        throw Error("no PACS port given (--port)");
    node.callingAet = p.value("aet").toStdString();
    node.calledAet = requiredOption(p, "called");
    node.timeoutSeconds = intOption(p, "timeout", 1, 3600);
    node.tls = p.isSet("tls");
    node.tlsCaFile = p.value("tls-ca").toStdString();
    node.tlsCertFile = p.value("tls-cert").toStdString();
    node.tlsKeyFile = p.value("tls-key").toStdString();
    if (!node.tls && (p.isSet("tls-ca") || p.isSet("tls-cert") || p.isSet("tls-key")))
        throw Error("--tls-ca, --tls-cert and --tls-key need --tls");
    if (node.tlsCertFile.empty() != node.tlsKeyFile.empty())
        throw Error("--tls-cert and --tls-key go together");
    return node;
}

int pacsEcho(const QStringList& args)
{
    QCommandLineParser p;
    addNodeOptions(p);
    int code = 0;
    if (!parseOrExit(p, args, "Check that a PACS answers: a C-ECHO, with its round-trip time.", code))
        return code;
    const pacs::Node node = nodeFrom(p);
    const double ms = pacs::echo(node);
    std::printf("PACS %s answered the C-ECHO in %.1f ms\n", node.label().c_str(), ms);
    return kExitOk;
}

int pacsFind(const QStringList& args)
{
    QCommandLineParser p;
    addNodeOptions(p);
    p.addOptions({
        {"level", "Query level: patient, study, series or image.", "LEVEL", "study"},
        {"patient-id", "PatientID to match (wildcards * and ? allowed).", "ID"},
        {"patient-name", "PatientName to match (wildcards allowed, e.g. 'DOE^*').", "NAME"},
        {"birth-date", "PatientBirthDate (YYYYMMDD or a range YYYYMMDD-YYYYMMDD).", "DATE"},
        {"study-uid", "StudyInstanceUID (needed for series and image queries).", "UID"},
        {"series-uid", "SeriesInstanceUID (needed for image queries).", "UID"},
        {"accession", "AccessionNumber.", "NUMBER"},
        {"study-date", "StudyDate (YYYYMMDD or a range YYYYMMDD-YYYYMMDD).", "DATE"},
        {"description", "StudyDescription (study level) or SeriesDescription (series level); wildcards allowed.",
         "TEXT"},
        {"modality", "Modality (series level) or ModalitiesInStudy (study level), e.g. MR.", "M"},
        {"json", "Write the matches as a JSON list of objects (DICOM keyword: value).", "OUT"},
    });
    int code = 0;
    if (!parseOrExit(p, args, "Query a PACS (C-FIND) and list the matches.", code))
        return code;
    const pacs::Node node = nodeFrom(p);
    pacs::Query q;
    q.level = pacs::levelFromName(p.value("level").toStdString());
    q.patientId = p.value("patient-id").toStdString();
    q.patientName = p.value("patient-name").toStdString();
    q.birthDate = p.value("birth-date").toStdString();
    q.studyUid = p.value("study-uid").toStdString();
    q.seriesUid = p.value("series-uid").toStdString();
    q.accessionNumber = p.value("accession").toStdString();
    q.studyDate = p.value("study-date").toStdString();
    if (q.level == pacs::Level::Series)
        q.seriesDescription = p.value("description").toStdString();
    else
        q.studyDescription = p.value("description").toStdString();
    q.modality = p.value("modality").toStdString();
    const std::vector<pacs::Match> matches = pacs::find(node, q, &interruptToken());

    QJsonArray list;
    for (const pacs::Match& m : matches) {
        QJsonObject o;
        for (const auto& [key, value] : m)
            o[QString::fromStdString(key)] = QString::fromStdString(value);
        // The contract's Modality at every level: at study level, the modalities in the study.
        if (!o.contains("Modality") && o.contains("ModalitiesInStudy"))
            o["Modality"] = o["ModalitiesInStudy"];
        // The contract's name for the instance count at every level.
        for (const char* count : {"NumberOfSeriesRelatedInstances", "NumberOfStudyRelatedInstances"}) {
            auto it = m.find(count);
            if (it != m.end() && !o.contains("NumberOfInstances") && !it->second.empty())
                o["NumberOfInstances"] = QString::fromStdString(it->second).toInt();
        }
        list.append(o);
    }
    if (p.isSet("json"))
        writeFileAtomically(p.value("json").toStdString(), QJsonDocument(list).toJson().toStdString());
    std::printf("%zu match%s at %s level from PACS %s\n", matches.size(), matches.size() == 1 ? "" : "es",
                pacs::levelName(q.level), node.label().c_str());
    if (!p.isSet("json")) {
        for (const pacs::Match& m : matches) {
            auto v = [&](const char* k) {
                auto it = m.find(k);
                return it == m.end() ? std::string() : it->second;
            };
            if (q.level == pacs::Level::Patient)
                std::printf("  %s  %s  %s studies\n", v("PatientID").c_str(), v("PatientName").c_str(),
                            v("NumberOfPatientRelatedStudies").c_str());
            else if (q.level == pacs::Level::Study)
                std::printf("  %s  %s  %s  %s  %s  %s instances\n", v("StudyInstanceUID").c_str(), v("StudyDate").c_str(),
                            v("PatientID").c_str(), v("ModalitiesInStudy").c_str(), v("StudyDescription").c_str(),
                            v("NumberOfStudyRelatedInstances").c_str());
            else if (q.level == pacs::Level::Series)
                std::printf("  %s  %s  %s  %s instances\n", v("SeriesInstanceUID").c_str(), v("Modality").c_str(),
                            v("SeriesDescription").c_str(), v("NumberOfSeriesRelatedInstances").c_str());
            else
                std::printf("  %s  %s\n", v("SOPInstanceUID").c_str(), v("InstanceNumber").c_str());
        }
    }
    return kExitOk;
}

int pacsGet(const QStringList& args)
{
    QCommandLineParser p;
    addNodeOptions(p);
    p.addOptions({
        {"study-uid", "The study to retrieve.", "UID"},
        {"series-uid", "Only this series of the study.", "UID"},
        {"out", "The study store: instances go to OUT/<study>/<series>/<instance>.dcm. Instances already "
                "there are not fetched again, so an interrupted retrieval resumes.", "DIR"},
        {"move", "Retrieve with C-MOVE to Sinar's own receiver instead of C-GET (the PACS must know "
                 "--move-aet at this computer's address and --move-port)."},
        {"move-port", "With --move: the port Sinar receives on (default 11112).", "P", "11112"},
        {"move-aet", "With --move: the move destination's AE title (default: --aet).", "AET"},
    });
    int code = 0;
    if (!parseOrExit(p, args, "Retrieve a study or series from a PACS into a folder.", code))
        return code;
    const pacs::Node node = nodeFrom(p);
    pacs::RetrieveOptions options;
    if (p.isSet("move")) {
        options.method = pacs::RetrieveMethod::Move;
        options.receivePort = intOption(p, "move-port", 1, 65535);
        options.moveDestination = p.isSet("move-aet") ? p.value("move-aet").toStdString() : node.callingAet;
    } else if (p.isSet("move-port") || p.isSet("move-aet")) {
        throw Error("--move-port and --move-aet need --move");
    }
    const std::string out = requiredOption(p, "out");
    const bool live = stderrIsTerminal();
    const pacs::RetrieveResult r =
        pacs::retrieve(node, requiredOption(p, "study-uid"), p.value("series-uid").toStdString(), out, options,
                       terminalProgress(live), &interruptToken());
    endProgress(live);
    std::printf("retrieved %d instance(s) of %d into %s", r.received, r.expected, out.c_str());
    if (r.alreadyPresent)
        std::printf(" (%d already there)", r.alreadyPresent);
    std::printf("\n");
    for (const std::string& folder : r.seriesFolders)
        std::printf("  %s\n", folder.c_str());
    if (r.failed > 0) {
        std::fprintf(stderr, "sinar-cli: PACS %s failed to send %d instance(s); run the command again to fetch them\n",
                     node.label().c_str(), r.failed);
        return kExitUser;
    }
    if (!r.complete()) {
        std::fprintf(stderr, "sinar-cli: %d of %d instance(s) are missing; run the command again to fetch them\n",
                     r.expected - r.alreadyPresent - r.received, r.expected);
        return kExitUser;
    }
    return kExitOk;
}

// Files as given; folders searched recursively (DICOMDIR files left out).
std::vector<std::string> dicomFiles(const QStringList& args)
{
    std::vector<std::string> files;
    for (const QString& a : args) {
        const QFileInfo info(a);
        if (!info.exists())
            throw Error("no such file or folder", a.toStdString());
        if (info.isDir()) {
            QStringList found;
            QDirIterator it(a, QDir::Files | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString f = it.next();
                if (QFileInfo(f).fileName().compare("DICOMDIR", Qt::CaseInsensitive) != 0)
                    found << f;
            }
            found.sort();
            for (const QString& f : found)
                files.push_back(f.toStdString());
        } else {
            files.push_back(a.toStdString());
        }
    }
    return files;
}

int pacsSend(const QStringList& args)
{
    QCommandLineParser p;
    addNodeOptions(p);
    p.addPositionalArgument("FILES", "DICOM files or folders of them.", "FILES...");
    int code = 0;
    if (!parseOrExit(p, args, "Store DICOM files in a PACS (C-STORE).", code))
        return code;
    const pacs::Node node = nodeFrom(p);
    if (p.positionalArguments().isEmpty())
        throw Error("no files to send (sinar-cli pacs send ... FILES...)");
    const std::vector<std::string> files = dicomFiles(p.positionalArguments());
    const bool live = stderrIsTerminal();
    const pacs::SendResult r = pacs::send(node, files, terminalProgress(live), &interruptToken());
    endProgress(live);
    for (const FileFailure& f : r.failures)
        std::fprintf(stderr, "not sent: %s: %s\n", f.file.c_str(), f.reason.c_str());
    std::printf("sent %d of %zu file(s) to PACS %s\n", r.sent, files.size(), node.label().c_str());
    return r.failures.empty() ? kExitOk : kExitUser;
}

int pacsListen(const QStringList& args)
{
    QCommandLineParser p;
    p.addOptions({
        {"port", "The port to listen on.", "P"},
        {"aet", "The AE title to answer to (default SINAR).", "AET", "SINAR"},
        {"out", "The study store: instances go to OUT/<study>/<series>/<instance>.dcm.", "DIR"},
        {"allow", "Accept only this calling AE title (repeat for several; default: any).", "AET"},
        {"timeout", "Seconds to wait for each message once a sender is connected (default 30).", "S", "30"},
    });
    int code = 0;
    if (!parseOrExit(p, args,
                     "Receive studies pushed by a PACS or modality (C-STORE SCP; C-ECHO answered) until "
                     "interrupted (Ctrl+C).",
                     code))
        return code;
    pacs::ListenOptions o;
    if (!p.isSet("port"))
        throw Error("no port given (--port)");
    o.port = intOption(p, "port", 1, 65535);
    o.aet = p.value("aet").toStdString();
    o.outDir = requiredOption(p, "out");
    o.timeoutSeconds = intOption(p, "timeout", 1, 3600);
    for (const QString& a : p.values("allow"))
        o.allowedCallers.push_back(a.toStdString());
    QDir().mkpath(QString::fromStdString(o.outDir));
    std::printf("listening as %s on port %d, storing into %s (Ctrl+C stops)\n", o.aet.c_str(), o.port,
                o.outDir.c_str());
    std::fflush(stdout);
    long received = 0;
    pacs::listen(
        o,
        [&](const std::string& file) {
            ++received;
            std::printf("received %s\n", file.c_str());
            std::fflush(stdout);
        },
        &interruptToken());
    std::printf("stopped after receiving %ld instance(s)\n", received);
    return kExitOk;
}

} // namespace

int runPacs(const QStringList& args)
{
    if (args.size() < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help") {
        usagePacs(args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitUser : kExitOk;
    }
    const QString command = args[1];
    QStringList rest = args.mid(2);
    rest.prepend(args[0] + " " + command);
    if (command == "echo")
        return pacsEcho(rest);
    if (command == "find")
        return pacsFind(rest);
    if (command == "get")
        return pacsGet(rest);
    if (command == "send")
        return pacsSend(rest);
    if (command == "listen")
        return pacsListen(rest);
    std::fprintf(stderr, "sinar-cli: unknown pacs command '%s'\n", qPrintable(command));
    usagePacs(stderr);
    return kExitUser;
}

} // namespace sinar::cli
