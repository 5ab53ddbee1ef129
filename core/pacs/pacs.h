#pragma once
// DICOM networking with a PACS (DCMTK's dcmnet): verification (C-ECHO),
// query (C-FIND), retrieval (C-GET, or C-MOVE to Sinar's own C-STORE
// receiver), sending (C-STORE) and receiving (a C-STORE SCP).
//
// Every call opens its own association, honours `timeoutSeconds` for the
// connection and for each message, and throws sinar::Error with what went wrong
// and with which node ("PACS 127.0.0.1:4242 (ORTHANC) rejected the association:
// called AE title not recognised"). Retrieved and received objects go into a
// study store, one file per instance:
//
//   OUT/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm
//
// written as a temporary file and renamed, so an interrupted retrieval leaves
// only complete files and the next one fetches just what is missing.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"

namespace sinar::pacs {

struct Node {
    std::string host = "127.0.0.1";
    int port = 104;
    std::string callingAet = "SINAR"; // ours
    std::string calledAet = "ANY-SCP"; // the PACS's
    int timeoutSeconds = 10;
    // TLS (DICOM's secure transport connection profile). Empty: plain TCP.
    bool tls = false;
    std::string tlsCaFile;   // PEM certificate(s) the PACS's certificate is checked against
    std::string tlsCertFile; // our certificate and key, when the PACS asks for one
    std::string tlsKeyFile;

    // "127.0.0.1:4242 (ORTHANC)", for messages.
    std::string label() const;
};

// Round-trip time of a C-ECHO in milliseconds.
double echo(const Node& node);

enum class Level { Patient, Study, Series, Image };
const char* levelName(Level level); // "PATIENT", "STUDY", ...
Level levelFromName(const std::string& name); // throws for an unknown name

// Matching keys; empty fields are returned but not matched. Names and
// descriptions may hold DICOM wildcards (* and ?); dates may be ranges
// ("20240101-20241231").
struct Query {
    Level level = Level::Study;
    std::string patientId;
    std::string patientName;
    std::string birthDate;
    std::string studyUid;
    std::string seriesUid;
    std::string accessionNumber;
    std::string studyDate;
    std::string studyDescription;
    std::string seriesDescription;
    std::string modality; // study level: ModalitiesInStudy
};

// One C-FIND response: DICOM keyword → value (strings as the PACS sent them).
using Match = std::map<std::string, std::string>;

// All matches; an empty list when nothing matches (not an error).
std::vector<Match> find(const Node& node, const Query& query, const CancelToken* cancel = nullptr);

struct RetrieveResult {
    int expected = 0;       // instances the PACS lists for the request
    int alreadyPresent = 0; // complete in the store before this retrieval
    int received = 0;       // stored by this retrieval
    int failed = 0;         // sub-operations the PACS reported as failed
    std::vector<std::string> seriesFolders; // OUT/<study>/<series>, one per series retrieved
    bool complete() const { return alreadyPresent + received >= expected && failed == 0; }
};

enum class RetrieveMethod { Get, Move };

struct RetrieveOptions {
    RetrieveMethod method = RetrieveMethod::Get;
    // C-MOVE: the PACS connects back to Sinar's receiver at this port, and
    // must know `moveDestination` (normally the node's calling AE title).
    int receivePort = 11112;
    std::string moveDestination;
};

// Retrieves a study, or one of its series, into `outDir` (the study store).
// Instances already in the store are not fetched again. Progress counts
// instances; a cancelled retrieval throws sinar::Cancelled and keeps every
// instance received so far.
RetrieveResult retrieve(const Node& node, const std::string& studyUid, const std::string& seriesUid,
                        const std::string& outDir, const RetrieveOptions& options = {}, const ProgressFn& progress = {},
                        const CancelToken* cancel = nullptr);

struct SendResult {
    int sent = 0;
    std::vector<FileFailure> failures; // files not read, not accepted or refused by the PACS
};

// C-STORE of DICOM files, each in its own transfer syntax where the PACS
// accepts it (converted to explicit little endian otherwise).
SendResult send(const Node& node, const std::vector<std::string>& files, const ProgressFn& progress = {},
                const CancelToken* cancel = nullptr);

struct ListenOptions {
    int port = 11112;
    std::string aet = "SINAR";
    std::string outDir;
    // Only these calling AE titles may connect; empty: any.
    std::vector<std::string> allowedCallers;
    int timeoutSeconds = 30; // per message, once associated
};

// A C-STORE SCP: accepts the storage SOP classes (and verification) and writes
// what it receives into the study store, calling `stored` for each file,
// until `cancel` is set (checked every second). Throws when the port cannot
// be opened.
void listen(const ListenOptions& options, const std::function<void(const std::string& file)>& stored,
            const CancelToken* cancel);

// The path an instance takes in the study store (and its folders' names):
// UIDs are checked to be UIDs before they become file names.
std::string storePath(const std::string& outDir, const std::string& studyUid, const std::string& seriesUid,
                      const std::string& instanceUid);

} // namespace sinar::pacs
