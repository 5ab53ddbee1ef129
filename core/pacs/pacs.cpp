#include "pacs/pacs.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/scp.h>
#include <dcmtk/dcmnet/scu.h>
#include <dcmtk/dcmtls/tlslayer.h>
#include <dcmtk/oflog/oflog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.h"
#include "dicom/dcmtk_file.h"
#include "common/text.h"

namespace fs = std::filesystem;

namespace sinar::pacs {

namespace {

// DCMTK's console logging off, and its decoders registered (a file the PACS
// does not accept compressed is sent decompressed).
void quietDcmtkLogging()
{
    dicom::detail::ensureDcmtkReady();
}

void checkAet(const std::string& aet, const char* what)
{
    if (aet.empty() || aet.size() > 16)
        throw Error(std::string(what) + " must be 1 to 16 characters, not '" + aet + "'");
    for (char c : aet)
        if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            throw Error(std::string(what) + " '" + aet + "' holds a character DICOM does not allow in an AE title");
}

void checkNode(const Node& node)
{
    if (node.host.empty())
        throw Error("no PACS host given");
    if (node.host.size() > 57)
        throw Error("the PACS host name is longer than DICOM's 57 characters: " + node.host);
    if (node.port < 1 || node.port > 65535)
        throw Error("the PACS port must be 1 to 65535, not " + std::to_string(node.port));
    if (node.timeoutSeconds < 1)
        throw Error("the network timeout must be at least 1 second");
    checkAet(node.callingAet, "the calling AE title");
    checkAet(node.calledAet, "the called AE title");
}

OFList<OFString> uncompressedSyntaxes()
{
    OFList<OFString> ts;
    ts.push_back(UID_LittleEndianExplicitTransferSyntax);
    ts.push_back(UID_LittleEndianImplicitTransferSyntax);
    return ts;
}

// What a receiver accepts: the usual transfer syntaxes, so objects arrive as
// the PACS holds them (no transcoding on the way).
OFList<OFString> receivableSyntaxes()
{
    OFList<OFString> ts;
    for (const char* uid : {UID_LittleEndianExplicitTransferSyntax, UID_JPEGProcess14SV1TransferSyntax,
                            UID_JPEGProcess1TransferSyntax, UID_JPEGProcess2_4TransferSyntax,
                            UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax,
                            UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEG2000TransferSyntax,
                            UID_RLELosslessTransferSyntax, UID_DeflatedExplicitVRLittleEndianTransferSyntax,
                            UID_BigEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax})
        ts.push_back(uid);
    return ts;
}

// The storage SOP classes Sinar proposes to receive (C-GET) or accepts
// (receiver): DCMTK's list of the common ones, plus Sinar's own result objects.
std::vector<std::string> storageClasses()
{
    std::set<std::string> seen;
    std::vector<std::string> out;
    auto add = [&](const char* uid) {
        if (uid && seen.insert(uid).second)
            out.push_back(uid);
    };
    for (int i = 0; i < numberOfDcmShortSCUStorageSOPClassUIDs; ++i)
        add(dcmShortSCUStorageSOPClassUIDs[i]);
    add(UID_ComprehensiveSRStorage);
    add(UID_SecondaryCaptureImageStorage);
    add(UID_EnhancedMRImageStorage);
    add(UID_DigitalXRayImageStorageForPresentation);
    add(UID_DigitalXRayImageStorageForProcessing);
    add(UID_ComputedRadiographyImageStorage);
    add(UID_GrayscaleSoftcopyPresentationStateStorage);
    add(UID_KeyObjectSelectionDocumentStorage);
    return out;
}

// C-GET's storage contexts. The PACS accepts one transfer syntax per context
// and transcodes an instance stored in another -- which fails where it has no
// codec (JPEG 2000 in many). So the image classes of radiology get a context
// per common transfer syntax, and every instance can arrive as stored; the
// other classes (and what exceeds DICOM's 128 contexts) get uncompressed ones.
std::vector<std::pair<std::string, OFList<OFString>>> getStorageContexts()
{
    static const char* const imageClasses[] = {
        UID_ComputedRadiographyImageStorage, UID_DigitalXRayImageStorageForPresentation,
        UID_DigitalXRayImageStorageForProcessing, UID_MRImageStorage, UID_EnhancedMRImageStorage,
        UID_CTImageStorage, UID_EnhancedCTImageStorage, UID_UltrasoundImageStorage,
        UID_UltrasoundMultiframeImageStorage, UID_XRayAngiographicImageStorage,
        UID_XRayRadiofluoroscopicImageStorage, UID_DigitalMammographyXRayImageStorageForPresentation,
        UID_NuclearMedicineImageStorage, UID_PositronEmissionTomographyImageStorage,
        UID_SecondaryCaptureImageStorage};
    static const char* const compressed[] = {UID_JPEG2000LosslessOnlyTransferSyntax, UID_JPEGLSLosslessTransferSyntax,
                                             UID_JPEGProcess14SV1TransferSyntax, UID_RLELosslessTransferSyntax,
                                             UID_JPEGProcess1TransferSyntax, UID_JPEG2000TransferSyntax};
    std::vector<std::pair<std::string, OFList<OFString>>> out;
    std::set<std::string> done;
    for (const char* uid : imageClasses) {
        out.emplace_back(uid, uncompressedSyntaxes());
        for (const char* ts : compressed) {
            OFList<OFString> one;
            one.push_back(ts);
            out.emplace_back(uid, one);
        }
        done.insert(uid);
    }
    for (const std::string& uid : storageClasses()) {
        if (out.size() >= 126) // one more for the retrieval itself, and DICOM's limit is 128
            break;
        if (done.insert(uid).second)
            out.emplace_back(uid, uncompressedSyntaxes());
    }
    return out;
}

// Writes a received object into the store: a temporary file beside its final
// name, flushed, then renamed, so the store never holds a partial instance.
std::string storeObject(DcmDataset* dataset, const std::string& outDir)
{
    std::unique_ptr<DcmDataset> owned(dataset);
    OFString study, series, instance, sopClass;
    dataset->findAndGetOFString(DCM_StudyInstanceUID, study);
    dataset->findAndGetOFString(DCM_SeriesInstanceUID, series);
    dataset->findAndGetOFString(DCM_SOPInstanceUID, instance);
    dataset->findAndGetOFString(DCM_SOPClassUID, sopClass);
    const std::string path = storePath(outDir, study.c_str(), series.c_str(), instance.c_str());
    E_TransferSyntax xfer = dataset->getOriginalXfer();
    if (xfer == EXS_Unknown)
        xfer = EXS_LittleEndianExplicit;
    DcmFileFormat file(owned.release(), OFFalse); // takes the dataset
    dicom::detail::saveFileDurably(file, path, xfer);
    return path;
}

std::string describe(const OFCondition& cond)
{
    OFString text;
    DimseCondition::dump(text, cond);
    std::string s = trimmed(text.c_str());
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
}

// Turns a failed association into what a user can act on.
[[noreturn]] void associationFailed(const Node& node, const OFCondition& cond)
{
    const std::string who = "PACS " + node.label();
    if (cond == DUL_ASSOCIATIONREJECTED)
        throw Error(who + " rejected the association: it does not accept the calling AE title '" + node.callingAet +
                    "' or does not answer to the called AE title '" + node.calledAet +
                    "' (check both in the PACS's list of DICOM nodes)");
    if (cond == NET_EC_NoAcceptablePresentationContexts)
        throw Error(who + " accepted the association but none of the services Sinar asked for");
    const std::string text = describe(cond);
    if (text.find("Connection refused") != std::string::npos)
        throw Error(who + " refused the connection: nothing listens on port " + std::to_string(node.port) + " of " +
                    node.host);
    if (text.find("unknown host") != std::string::npos)
        throw Error("cannot connect to " + who + ": the host name '" + node.host +
                    "' is not known (check it, or give the PACS's IP address)");
    if (text.find("Unrecognized PDU") != std::string::npos || text.find("Illegal PDU") != std::string::npos)
        throw Error(who + " is not a DICOM node: something else answered on port " + std::to_string(node.port) +
                    " (a web server? check the port)");
    if (text.find("timed out") != std::string::npos || text.find("Timeout") != std::string::npos ||
        text.find("timeout") != std::string::npos)
        throw Error(who + " did not answer within " + std::to_string(node.timeoutSeconds) + " s");
    throw Error("cannot connect to " + who + ": " + text);
}

// A DcmSCU with Sinar's settings and, for retrievals, the store for what
// arrives in the C-GET session.
class Scu : public DcmSCU {
public:
    explicit Scu(const Node& node) : node_(node)
    {
        quietDcmtkLogging();
        checkNode(node);
        setAETitle(node.callingAet.c_str());
        setPeerHostName(node.host.c_str());
        setPeerPort(static_cast<Uint16>(node.port));
        setPeerAETitle(node.calledAet.c_str());
        setConnectionTimeout(node.timeoutSeconds);
        setACSETimeout(static_cast<Uint32>(node.timeoutSeconds));
        setDIMSETimeout(static_cast<Uint32>(node.timeoutSeconds));
        setDIMSEBlockingMode(DIMSE_NONBLOCKING);
        setStorageMode(DCMSCU_STORAGE_DISK);
    }

    ~Scu() override
    {
        if (isConnected())
            abortAssociation();
    }

    void connect()
    {
        OFCondition cond = initNetwork();
        if (cond.bad())
            throw Error("cannot set up the network for PACS " + node_.label() + ": " + describe(cond));
        if (node_.tls) {
            tls_ = std::make_unique<DcmTLSTransportLayer>(NET_REQUESTOR, nullptr, OFTrue);
            if (!*tls_)
                throw Error("cannot set up TLS (OpenSSL) for PACS " + node_.label());
            if (!node_.tlsCaFile.empty() &&
                tls_->addTrustedCertificateFile(node_.tlsCaFile.c_str(), DCF_Filetype_PEM).bad())
                throw Error("cannot read the trusted certificate(s) (PEM)", node_.tlsCaFile);
            if (!node_.tlsCertFile.empty()) {
                if (tls_->setPrivateKeyFile(node_.tlsKeyFile.c_str(), DCF_Filetype_PEM).bad())
                    throw Error("cannot read the private key (PEM)", node_.tlsKeyFile);
                if (tls_->setCertificateFile(node_.tlsCertFile.c_str(), DCF_Filetype_PEM).bad())
                    throw Error("cannot read the certificate (PEM)", node_.tlsCertFile);
                if (!tls_->checkPrivateKeyMatchesCertificate())
                    throw Error("the private key does not belong to the certificate", node_.tlsKeyFile);
            }
            tls_->setCertificateVerification(node_.tlsCaFile.empty() ? DCV_ignoreCertificate : DCV_requireCertificate);
            if (tls_->setTLSProfile(TSP_Profile_BCP195).bad() || tls_->activateCipherSuites().bad())
                throw Error("cannot set up TLS (BCP 195 profile) for PACS " + node_.label());
            cond = useSecureConnection(tls_.get());
            if (cond.bad())
                throw Error("cannot set up TLS for PACS " + node_.label() + ": " + describe(cond));
        }
        cond = negotiateAssociation();
        if (cond.bad())
            associationFailed(node_, cond);
    }

    T_ASC_PresentationContextID context(const char* abstractSyntax, const char* what)
    {
        const T_ASC_PresentationContextID id = findPresentationContextID(abstractSyntax, "");
        if (id == 0)
            throw Error("PACS " + node_.label() + " does not offer " + what);
        return id;
    }

    void release()
    {
        if (isConnected())
            releaseAssociation();
    }

    // C-GET: where the instances go, and who is told.
    std::string outDir;
    std::function<void(const std::string&)> onStored;
    const CancelToken* cancel = nullptr;
    int storedCount = 0;
    std::string storeError;
    // Called with the instance count a retrieval's responses announce.
    std::function<void(int)> onAnnounced;

protected:
    OFCondition handleCGETResponse(const T_ASC_PresentationContextID id, RetrieveResponse* r, OFBool& go) override
    {
        announce(r);
        return DcmSCU::handleCGETResponse(id, r, go);
    }
    OFCondition handleMOVEResponse(const T_ASC_PresentationContextID id, RetrieveResponse* r, OFBool& go) override
    {
        announce(r);
        return DcmSCU::handleMOVEResponse(id, r, go);
    }
    void announce(const RetrieveResponse* r)
    {
        if (onAnnounced && r)
            onAnnounced(r->m_numberOfRemainingSubops + r->m_numberOfCompletedSubops + r->m_numberOfFailedSubops +
                        r->m_numberOfWarningSubops);
    }

    OFCondition handleSTORERequest(const T_ASC_PresentationContextID, DcmDataset* incoming, OFBool& continueSession,
                                   Uint16& status) override
    {
        if (!incoming) {
            status = STATUS_STORE_Error_CannotUnderstand;
            return DIMSE_NULLKEY;
        }
        try {
            const std::string path = storeObject(incoming, outDir);
            ++storedCount;
            status = STATUS_Success;
            if (onStored)
                onStored(path);
        } catch (const Error& e) {
            storeError = e.what();
            status = STATUS_STORE_Refused_OutOfResources;
            continueSession = OFFalse;
            return EC_IllegalCall;
        }
        if (cancel && cancel->cancelled())
            continueSession = OFFalse;
        return EC_Normal;
    }

private:
    Node node_;
    std::unique_ptr<DcmTLSTransportLayer> tls_;
};

void putKey(DcmDataset& ds, const DcmTagKey& tag, const std::string& value)
{
    ds.putAndInsertString(tag, value.c_str());
}

std::string keywordOf(const DcmTagKey& key)
{
    DcmTag tag(key);
    const char* name = tag.getTagName();
    return name ? name : "";
}

std::string hexStatus(Uint16 status)
{
    char hex[8];
    std::snprintf(hex, sizeof hex, "%04X", status);
    return hex;
}

const char* statusText(Uint16 status)
{
    switch (status) {
    case STATUS_FIND_Refused_OutOfResources:
        return "the PACS is out of resources";
    case STATUS_FIND_Failed_IdentifierDoesNotMatchSOPClass:
        return "the PACS says the query does not match the information model";
    case STATUS_FIND_Failed_UnableToProcess:
        return "the PACS could not process the query";
    case STATUS_FIND_Cancel_MatchingTerminatedDueToCancelRequest:
        return "the query was cancelled";
    default:
        return nullptr;
    }
}

} // namespace

std::string Node::label() const
{
    return host + ":" + std::to_string(port) + " (" + calledAet + ")";
}

const char* levelName(Level level)
{
    switch (level) {
    case Level::Patient:
        return "PATIENT";
    case Level::Study:
        return "STUDY";
    case Level::Series:
        return "SERIES";
    case Level::Image:
        return "IMAGE";
    }
    return "STUDY";
}

Level levelFromName(const std::string& name)
{
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (n == "PATIENT")
        return Level::Patient;
    if (n == "STUDY")
        return Level::Study;
    if (n == "SERIES")
        return Level::Series;
    if (n == "IMAGE" || n == "INSTANCE")
        return Level::Image;
    throw Error("unknown query level '" + name + "' (patient, study, series or image)");
}

std::string storePath(const std::string& outDir, const std::string& studyUid, const std::string& seriesUid,
                      const std::string& instanceUid)
{
    for (const auto& [uid, what] : {std::pair{studyUid, "StudyInstanceUID"}, std::pair{seriesUid, "SeriesInstanceUID"},
                                    std::pair{instanceUid, "SOPInstanceUID"}})
        if (!isDicomUid(uid))
            throw Error(std::string("a received instance has no valid ") + what + " ('" + uid +
                        "'): it was not stored");
    return (fs::path(outDir) / studyUid / seriesUid / (instanceUid + ".dcm")).string();
}

double echo(const Node& node)
{
    Scu scu(node);
    scu.addPresentationContext(UID_VerificationSOPClass, uncompressedSyntaxes());
    const auto start = std::chrono::steady_clock::now();
    scu.connect();
    const OFCondition cond = scu.sendECHORequest(scu.context(UID_VerificationSOPClass, "verification (C-ECHO)"));
    if (cond.bad())
        throw Error("C-ECHO to PACS " + node.label() + " failed: " + describe(cond));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    scu.release();
    return ms;
}

std::vector<Match> find(const Node& node, const Query& query, const CancelToken* cancel)
{
    const bool patientRoot = query.level == Level::Patient;
    const char* model =
        patientRoot ? UID_FINDPatientRootQueryRetrieveInformationModel : UID_FINDStudyRootQueryRetrieveInformationModel;
    if (query.level == Level::Series && query.studyUid.empty())
        throw Error("a series query needs the study (--study-uid): the study root model finds series within a study");
    if (query.level == Level::Image && (query.studyUid.empty() || query.seriesUid.empty()))
        throw Error("an image query needs the study and the series (--study-uid, --series-uid)");

    DcmDataset ds;
    putKey(ds, DCM_QueryRetrieveLevel, levelName(query.level));
    // Keys returned at each level, with the matching values where given.
    putKey(ds, DCM_PatientName, query.patientName);
    putKey(ds, DCM_PatientID, query.patientId);
    if (query.level == Level::Patient || !query.birthDate.empty())
        putKey(ds, DCM_PatientBirthDate, query.birthDate);
    if (query.level == Level::Patient) {
        putKey(ds, DCM_PatientSex, "");
        putKey(ds, DCM_NumberOfPatientRelatedStudies, "");
    } else {
        putKey(ds, DCM_StudyInstanceUID, query.studyUid);
        putKey(ds, DCM_StudyDate, query.studyDate);
        putKey(ds, DCM_StudyTime, "");
        putKey(ds, DCM_AccessionNumber, query.accessionNumber);
        putKey(ds, DCM_StudyDescription, query.studyDescription);
        putKey(ds, DCM_StudyID, "");
    }
    if (query.level == Level::Study) {
        putKey(ds, DCM_ModalitiesInStudy, query.modality);
        putKey(ds, DCM_NumberOfStudyRelatedSeries, "");
        putKey(ds, DCM_NumberOfStudyRelatedInstances, "");
    }
    if (query.level == Level::Series || query.level == Level::Image) {
        putKey(ds, DCM_SeriesInstanceUID, query.seriesUid);
        putKey(ds, DCM_Modality, query.modality);
    }
    if (query.level == Level::Series) {
        putKey(ds, DCM_SeriesNumber, "");
        putKey(ds, DCM_SeriesDescription, query.seriesDescription);
        putKey(ds, DCM_BodyPartExamined, "");
        putKey(ds, DCM_NumberOfSeriesRelatedInstances, "");
    }
    if (query.level == Level::Image) {
        putKey(ds, DCM_SOPInstanceUID, "");
        putKey(ds, DCM_SOPClassUID, "");
        putKey(ds, DCM_InstanceNumber, "");
    }

    Scu scu(node);
    scu.addPresentationContext(model, uncompressedSyntaxes());
    scu.connect();
    const T_ASC_PresentationContextID pc = scu.context(model, "queries (C-FIND)");
    OFList<QRResponse*> responses;
    const OFCondition cond = scu.sendFINDRequest(pc, &ds, &responses);
    std::vector<Match> out;
    Uint16 finalStatus = STATUS_Success;
    for (QRResponse* r : responses) {
        if (r->m_dataset && DICOM_PENDING_STATUS(r->m_status)) {
            Match m;
            for (unsigned long i = 0; i < r->m_dataset->card(); ++i) {
                DcmElement* e = r->m_dataset->getElement(i);
                if (!e || e->getTag() == DCM_SpecificCharacterSet)
                    continue;
                OFString v;
                if (e->getOFStringArray(v).good()) {
                    const std::string key = keywordOf(e->getTag());
                    if (!key.empty() && key != "Unknown Tag & Data")
                        m[key] = trimmed(v.c_str());
                }
            }
            out.push_back(std::move(m));
        } else if (!DICOM_PENDING_STATUS(r->m_status)) {
            finalStatus = r->m_status;
        }
        delete r;
    }
    if (cond.bad())
        throw Error("C-FIND at PACS " + node.label() + " failed: " + describe(cond));
    if (finalStatus != STATUS_Success && finalStatus != STATUS_FIND_Cancel_MatchingTerminatedDueToCancelRequest) {
        const char* why = statusText(finalStatus);
        char hex[8];
        std::snprintf(hex, sizeof hex, "%04X", finalStatus);
        throw Error("C-FIND at PACS " + node.label() + " failed with status " + hex + (why ? std::string(": ") + why : ""));
    }
    if (cancel)
        cancel->throwIfCancelled();
    scu.release();
    return out;
}

namespace {

// A C-STORE SCP writing into the study store.
class Receiver : public DcmSCP {
public:
    Receiver(const ListenOptions& options, std::function<void(const std::string&)> stored, const CancelToken* cancel)
        : options_(options), stored_(std::move(stored)), cancel_(cancel)
    {
        quietDcmtkLogging();
        if (options.port < 1 || options.port > 65535)
            throw Error("the port to listen on must be 1 to 65535, not " + std::to_string(options.port));
        checkAet(options.aet, "the AE title to listen as");
        if (options.outDir.empty())
            throw Error("no folder given for received studies (--out)");
        DcmSCPConfig& config = getConfig();
        config.setPort(static_cast<Uint16>(options.port));
        config.setAETitle(options.aet.c_str());
        config.setConnectionBlockingMode(DUL_NOBLOCK);
        config.setConnectionTimeout(1); // wakes up every second to look at `cancel`
        config.setDIMSEBlockingMode(DIMSE_NONBLOCKING);
        config.setDIMSETimeout(static_cast<Uint32>(std::max(1, options.timeoutSeconds)));
        config.setACSETimeout(static_cast<Uint32>(std::max(1, options.timeoutSeconds)));
        config.setHostLookupEnabled(OFFalse);
        const OFList<OFString> ts = receivableSyntaxes();
        config.addPresentationContext(UID_VerificationSOPClass, uncompressedSyntaxes());
        for (const std::string& uid : storageClasses())
            config.addPresentationContext(uid.c_str(), ts);
    }

    std::string error;

protected:
    OFCondition handleIncomingCommand(T_DIMSE_Message* message, const DcmPresentationContextInfo& info) override
    {
        if (message->CommandField != DIMSE_C_STORE_RQ)
            return DcmSCP::handleIncomingCommand(message, info);
        T_DIMSE_C_StoreRQ& request = message->msg.CStoreRQ;
        DcmDataset* dataset = nullptr;
        OFCondition cond = receiveSTORERequest(request, info.presentationContextID, dataset);
        if (cond.bad()) {
            delete dataset;
            return cond;
        }
        Uint16 status = STATUS_Success;
        try {
            const std::string path = storeObject(dataset, options_.outDir);
            if (stored_)
                stored_(path);
        } catch (const Error& e) {
            error = e.what();
            status = STATUS_STORE_Refused_OutOfResources;
        }
        return sendSTOREResponse(info.presentationContextID, request, status);
    }

    OFBool checkCallingAETitleAccepted(const OFString& callingAE) override
    {
        if (options_.allowedCallers.empty())
            return OFTrue;
        const std::string caller = trimmed(callingAE.c_str());
        return std::find(options_.allowedCallers.begin(), options_.allowedCallers.end(), caller) !=
               options_.allowedCallers.end();
    }

    OFBool stopAfterConnectionTimeout() override { return cancel_ && cancel_->cancelled(); }
    OFBool stopAfterCurrentAssociation() override { return cancel_ && cancel_->cancelled(); }

private:
    ListenOptions options_;
    std::function<void(const std::string&)> stored_;
    const CancelToken* cancel_;
};

// Connects to a local port and hangs up at once.
void wakeListener(int port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::close(fd);
}

std::string joinUids(const std::vector<std::string>& uids, size_t from, size_t count)
{
    std::string out;
    for (size_t i = from; i < std::min(uids.size(), from + count); ++i)
        out += (out.empty() ? "" : "\\") + uids[i];
    return out;
}

struct SeriesPlan {
    std::string uid;
    std::vector<std::string> missing; // instance UIDs not yet in the store
    int expected = 0;
    bool wholeSeries = true; // retrieve at series level (nothing there yet, or the PACS lists no instances)
};

} // namespace

void listen(const ListenOptions& options, const std::function<void(const std::string& file)>& stored,
            const CancelToken* cancel)
{
    Receiver receiver(options, stored, cancel);
    const OFCondition cond = receiver.listen();
    if (cond.bad() && !(cancel && cancel->cancelled())) {
        const std::string text = describe(cond);
        if (text.find("Address already in use") != std::string::npos || text.find("bind") != std::string::npos)
            throw Error("cannot listen on port " + std::to_string(options.port) +
                        ": another program uses it (choose another with --port)");
        if (text.find("ermission") != std::string::npos)
            throw Error("cannot listen on port " + std::to_string(options.port) +
                        ": ports below 1024 need administrator rights");
        throw Error("the DICOM receiver on port " + std::to_string(options.port) + " stopped: " + text);
    }
}

RetrieveResult retrieve(const Node& node, const std::string& studyUid, const std::string& seriesUid,
                        const std::string& outDir, const RetrieveOptions& options, const ProgressFn& progress,
                        const CancelToken* cancel)
{
    checkNode(node);
    if (!isDicomUid(studyUid))
        throw Error("'" + studyUid + "' is not a StudyInstanceUID (digits and dots, up to 64 characters)");
    if (!seriesUid.empty() && !isDicomUid(seriesUid))
        throw Error("'" + seriesUid + "' is not a SeriesInstanceUID (digits and dots, up to 64 characters)");
    if (outDir.empty())
        throw Error("no folder given for retrieved studies (--out)");

    // A study (or series) the store has nothing of is fetched with one request
    // and no query first; otherwise the PACS's instance lists say what is missing.
    const fs::path scope = seriesUid.empty() ? fs::path(outDir) / studyUid : fs::path(outDir) / studyUid / seriesUid;
    bool fresh = true;
    {
        std::error_code ec;
        for (fs::recursive_directory_iterator it(scope, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".dcm") {
                fresh = false;
                break;
            }
    }
    RetrieveResult result;
    std::vector<SeriesPlan> plans;
    if (!fresh) {
        if (!seriesUid.empty()) {
            plans.push_back({seriesUid, {}, 0, true});
        } else {
            Query q;
            q.level = Level::Series;
            q.studyUid = studyUid;
            for (const Match& m : find(node, q, cancel)) {
                auto it = m.find("SeriesInstanceUID");
                if (it != m.end() && isDicomUid(it->second))
                    plans.push_back({it->second, {}, 0, true});
            }
            if (plans.empty())
                throw Error("PACS " + node.label() + " holds no series of study " + studyUid);
        }
        for (SeriesPlan& plan : plans) {
            Query q;
            q.level = Level::Image;
            q.studyUid = studyUid;
            q.seriesUid = plan.uid;
            std::vector<Match> instances;
            try {
                instances = find(node, q, cancel);
            } catch (const Cancelled&) {
                throw;
            } catch (const Error&) {
                instances.clear(); // a PACS without image-level queries: fetch the series whole
            }
            int present = 0;
            for (const Match& m : instances) {
                auto it = m.find("SOPInstanceUID");
                if (it == m.end() || !isDicomUid(it->second))
                    continue;
                ++plan.expected;
                if (fs::exists(storePath(outDir, studyUid, plan.uid, it->second)))
                    ++present;
                else
                    plan.missing.push_back(it->second);
            }
            if (!seriesUid.empty() && instances.empty())
                throw Error("PACS " + node.label() + " holds no instances of series " + seriesUid + " in study " + studyUid);
            plan.wholeSeries = instances.empty() || present == 0;
            result.expected += plan.expected;
            result.alreadyPresent += present;
            result.seriesFolders.push_back((fs::path(outDir) / studyUid / plan.uid).string());
        }
    }
    fs::create_directories(outDir);

    std::function<void(int)> scuAnnounce;
    std::mutex mutex;
    std::set<std::string> folders(result.seriesFolders.begin(), result.seriesFolders.end());
    int announced = 0; // fresh: the instance count the PACS's responses give
    auto total = [&] { return std::max({result.expected, announced, result.alreadyPresent + result.received}); };
    auto onStored = [&](const std::string& path) {
        std::lock_guard<std::mutex> lock(mutex);
        ++result.received;
        folders.insert(fs::path(path).parent_path().string());
        if (progress)
            progress(result.alreadyPresent + result.received, total(), "retrieving " + fs::path(path).filename().string());
    };
    scuAnnounce = [&](int n) {
        std::lock_guard<std::mutex> lock(mutex);
        if (fresh)
            announced = std::max(announced, n); // one request: its sub-operations
    };
    if (progress)
        progress(result.alreadyPresent, result.expected, "retrieving");

    // The requests: a series whole, or its missing instances in groups.
    struct Request {
        std::string level, series, instances;
    };
    std::vector<Request> requests;
    if (fresh)
        requests.push_back({seriesUid.empty() ? "STUDY" : "SERIES", seriesUid, {}});
    for (const SeriesPlan& plan : plans) {
        if (plan.wholeSeries && (plan.expected == 0 || !plan.missing.empty()))
            requests.push_back({"SERIES", plan.uid, {}});
        else
            for (size_t i = 0; i < plan.missing.size(); i += 100)
                requests.push_back({"IMAGE", plan.uid, joinUids(plan.missing, i, 100)});
    }

    const char* model = options.method == RetrieveMethod::Get ? UID_GETStudyRootQueryRetrieveInformationModel
                                                              : UID_MOVEStudyRootQueryRetrieveInformationModel;
    Scu scu(node);
    scu.onAnnounced = scuAnnounce;
    scu.addPresentationContext(model, uncompressedSyntaxes());
    std::unique_ptr<std::thread> receiverThread;
    CancelToken stopReceiver;
    std::string receiverError;
    if (options.method == RetrieveMethod::Get) {
        for (const auto& [uid, syntaxes] : getStorageContexts())
            scu.addPresentationContext(uid.c_str(), syntaxes, ASC_SC_ROLE_SCP);
        scu.outDir = outDir;
        scu.onStored = onStored;
        scu.cancel = cancel;
    } else {
        ListenOptions lo;
        lo.port = options.receivePort;
        lo.aet = options.moveDestination.empty() ? node.callingAet : options.moveDestination;
        lo.outDir = outDir;
        lo.timeoutSeconds = node.timeoutSeconds;
        // Opened here, before the request, so a port in use fails at once.
        auto receiver = std::make_shared<Receiver>(lo, onStored, &stopReceiver);
        const OFCondition open = receiver->openListenPort();
        if (open.bad())
            throw Error("cannot receive the C-MOVE on port " + std::to_string(lo.port) + ": " + describe(open) +
                        " (choose another with --port)");
        receiverThread = std::make_unique<std::thread>([receiver, &receiverError] {
            receiver->acceptAssociations();
            receiverError = receiver->error;
        });
    }
    auto stopReceiving = [&] {
        if (receiverThread) {
            stopReceiver.cancel();
            // The receiver looks at its stop flag when a connection comes or
            // after a second without one: a connection of our own wakes it now.
            wakeListener(options.receivePort);
            receiverThread->join();
            receiverThread.reset();
        }
    };

    try {
        scu.connect();
        const T_ASC_PresentationContextID pc =
            scu.context(model, options.method == RetrieveMethod::Get ? "retrieval with C-GET" : "retrieval with C-MOVE");
        for (const Request& r : requests) {
            if (cancel)
                cancel->throwIfCancelled();
            DcmDataset ds;
            putKey(ds, DCM_QueryRetrieveLevel, r.level);
            putKey(ds, DCM_StudyInstanceUID, studyUid);
            if (!r.series.empty())
                putKey(ds, DCM_SeriesInstanceUID, r.series);
            if (!r.instances.empty())
                putKey(ds, DCM_SOPInstanceUID, r.instances);
            OFList<RetrieveResponse*> responses;
            const OFCondition cond = options.method == RetrieveMethod::Get
                                         ? scu.sendCGETRequest(pc, &ds, &responses)
                                         : scu.sendMOVERequest(pc, options.moveDestination.empty()
                                                                       ? node.callingAet.c_str()
                                                                       : options.moveDestination.c_str(),
                                                               &ds, &responses);
            Uint16 status = STATUS_Success;
            int failed = 0;
            for (RetrieveResponse* rsp : responses) {
                if (!DICOM_PENDING_STATUS(rsp->m_status)) {
                    status = rsp->m_status;
                    failed = rsp->m_numberOfFailedSubops;
                }
                delete rsp;
            }
            if (cancel)
                cancel->throwIfCancelled();
            if (!scu.storeError.empty())
                throw Error(scu.storeError);
            if (cond.bad())
                throw Error(std::string(options.method == RetrieveMethod::Get ? "C-GET" : "C-MOVE") + " from PACS " +
                            node.label() + " stopped: " + describe(cond) + "; " +
                            std::to_string(result.received) + " instance(s) received so far are kept");
            result.failed += failed;
            if (status == 0xA801) // C-MOVE: move destination unknown
                throw Error("PACS " + node.label() + " does not know the move destination '" +
                            (options.moveDestination.empty() ? node.callingAet : options.moveDestination) +
                            "' (add it, with this computer's address and port " +
                            std::to_string(options.receivePort) + ", to the PACS's DICOM nodes) or use C-GET");
            if (fresh && result.received == 0 && status != STATUS_Success && status != 0xB000)
                throw Error("PACS " + node.label() + " sent nothing for " +
                            (seriesUid.empty() ? "study " + studyUid : "series " + seriesUid + " of study " + studyUid) +
                            " (status " + hexStatus(status) + "): it holds no such " +
                            (seriesUid.empty() ? "study" : "series") + ", or cannot send it");
            if (status != STATUS_Success && status != 0xB000 /* warning: some sub-operations failed */) {
                char hex[8];
                std::snprintf(hex, sizeof hex, "%04X", status);
                throw Error("PACS " + node.label() + " ended the retrieval with status " + hex + "; " +
                            std::to_string(result.received) + " instance(s) received so far are kept");
            }
        }
        scu.release();
    } catch (...) {
        stopReceiving();
        throw;
    }
    // C-MOVE: the PACS's own association may still deliver the last instances.
    if (receiverThread) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(node.timeoutSeconds);
        while (std::chrono::steady_clock::now() < until) {
            {
                std::lock_guard<std::mutex> lock(mutex);
                if (result.alreadyPresent + result.received >= std::max(result.expected, announced))
                    break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        stopReceiving();
        if (!receiverError.empty())
            throw Error(receiverError);
    }
    if (fresh) {
        result.expected = std::max(announced, result.received);
        if (result.expected == 0)
            throw Error("PACS " + node.label() + " sent nothing for " +
                        (seriesUid.empty() ? "study " + studyUid : "series " + seriesUid + " of study " + studyUid) +
                        ": it holds no such " + (seriesUid.empty() ? "study" : "series"));
    }
    result.seriesFolders.assign(folders.begin(), folders.end());
    return result;
}

SendResult send(const Node& node, const std::vector<std::string>& files, const ProgressFn& progress,
                const CancelToken* cancel)
{
    checkNode(node);
    SendResult result;
    struct Item {
        std::string path, sopClass, transferSyntax;
    };
    std::vector<Item> items;
    std::set<std::pair<std::string, std::string>> contexts;
    for (const std::string& path : files) {
        DcmFileFormat ff;
        const OFCondition cond = ff.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_metaOnly);
        OFString sopClass, ts;
        ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopClass);
        ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts);
        if (cond.bad() || sopClass.empty() || ts.empty()) {
            result.failures.push_back({path, cond.bad() ? std::string("not a DICOM file: ") + cond.text()
                                                        : "not a DICOM file with a file meta header (Part 10)",
                                       FailureKind::General});
            continue;
        }
        items.push_back({path, sopClass.c_str(), ts.c_str()});
        contexts.insert({sopClass.c_str(), ts.c_str()});
    }
    if (items.empty())
        return result;
    std::set<std::string> classCount;
    for (const auto& c : contexts)
        classCount.insert(c.first);
    if (contexts.size() + classCount.size() > 127)
        throw Error("the files need " + std::to_string(contexts.size() + classCount.size()) +
                    " presentation contexts (SOP class and transfer syntax); one association holds 127: send them in parts");

    Scu scu(node);
    scu.setDatasetConversionMode(OFTrue); // to what the PACS accepts, when it refuses the file's own syntax
    // Each file's own transfer syntax in a context of its own, so the PACS
    // accepts or refuses it as it is; beside it an uncompressed context per SOP
    // class, for files the PACS takes only decompressed.
    std::set<std::string> classes;
    for (const auto& [sopClass, ts] : contexts) {
        OFList<OFString> syntaxes;
        syntaxes.push_back(ts.c_str());
        scu.addPresentationContext(sopClass.c_str(), syntaxes);
        classes.insert(sopClass);
    }
    for (const std::string& sopClass : classes)
        scu.addPresentationContext(sopClass.c_str(), uncompressedSyntaxes());
    scu.connect();
    long long done = 0;
    for (const Item& item : items) {
        if (cancel && cancel->cancelled()) {
            scu.abortAssociation();
            throw Cancelled();
        }
        if (progress)
            progress(done, static_cast<long long>(items.size()), "sending " + fs::path(item.path).filename().string());
        T_ASC_PresentationContextID pc = scu.findPresentationContextID(item.sopClass.c_str(), item.transferSyntax.c_str());
        if (pc == 0)
            pc = scu.findAnyPresentationContextID(item.sopClass.c_str(), item.transferSyntax.c_str());
        if (pc == 0) {
            result.failures.push_back({item.path, "PACS " + node.label() + " does not accept its SOP class " +
                                                      item.sopClass, FailureKind::General});
            ++done;
            continue;
        }
        Uint16 status = 0;
        const OFCondition cond = scu.sendSTORERequest(pc, item.path.c_str(), nullptr, status);
        if (cond.bad()) {
            result.failures.push_back({item.path, "sending stopped: " + describe(cond), FailureKind::General});
            if (!scu.isConnected())
                break;
        } else if (status != STATUS_Success && (status & 0xF000) != 0xB000) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "%04X", status);
            result.failures.push_back({item.path, std::string("PACS refused it with status ") + hex, FailureKind::General});
        } else {
            ++result.sent;
        }
        ++done;
    }
    if (progress)
        progress(done, static_cast<long long>(items.size()), "sent");
    scu.release();
    return result;
}

} // namespace sinar::pacs
