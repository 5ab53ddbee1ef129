#include "dicom/anonymizer.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "common/error.h"
#include "common/integrity.h"
#include "dicom/confidentiality_profile.h"
#include "dicom/dcmtk_file.h"

namespace fs = std::filesystem;

namespace sinar::dicom {

namespace {

enum class Action { Remove, Empty, Dummy, NewUid, Keep };

// The table's action, resolved for an element of this VR (see the header).
Action resolve(const std::string& action, DcmEVR vr)
{
    if (action == "K")
        return Action::Keep;
    if (action.find('U') != std::string::npos)
        return vr == EVR_SQ ? Action::Keep /* its UIDs are replaced inside */ : Action::NewUid;
    if (action == "X")
        return Action::Remove;
    const bool dateOrTime = vr == EVR_DA || vr == EVR_TM || vr == EVR_DT;
    if (action.find('D') != std::string::npos && (dateOrTime || action.find('Z') == std::string::npos))
        return Action::Dummy;
    if (action.find('Z') != std::string::npos)
        return Action::Empty;
    if (action == "C")
        return Action::Dummy;
    return Action::Remove;
}

// The profile's rows by tag; repeating groups (50xx, 60xx) apart.
struct ProfileIndex {
    std::map<uint32_t, const ConfidentialityAttribute*> byTag;
    std::vector<const ConfidentialityAttribute*> repeating;
    ProfileIndex()
    {
        for (auto* a = confidentialityProfileBegin(); a != confidentialityProfileEnd(); ++a) {
            if (a->repeatingGroup)
                repeating.push_back(a);
            else
                byTag[(uint32_t(a->group) << 16) | a->element] = a;
        }
    }
    const ConfidentialityAttribute* find(const DcmTagKey& t) const
    {
        auto it = byTag.find((uint32_t(t.getGroup()) << 16) | t.getElement());
        if (it != byTag.end())
            return it->second;
        for (const auto* a : repeating)
            if ((t.getGroup() & 0xFF00) == a->group && (a->element == 0 || a->element == t.getElement()))
                return a;
        return nullptr;
    }
};

const ProfileIndex& profile()
{
    static const ProfileIndex index;
    return index;
}

const char* dummyFor(DcmEVR vr)
{
    switch (vr) {
    case EVR_DA:
        return "19000101";
    case EVR_TM:
        return "000000";
    case EVR_DT:
        return "19000101000000";
    case EVR_PN:
        return "ANONYMIZED";
    case EVR_AS:
        return "000Y";
    case EVR_IS:
    case EVR_DS:
        return "0";
    case EVR_CS:
        return "ANONYMIZED";
    case EVR_AE:
        return "ANONYMIZED";
    case EVR_UR:
        return "";
    default:
        return "ANONYMIZED";
    }
}

bool isStringVr(DcmEVR vr)
{
    switch (vr) {
    case EVR_AE: case EVR_AS: case EVR_CS: case EVR_DA: case EVR_DS: case EVR_DT: case EVR_IS: case EVR_LO:
    case EVR_LT: case EVR_PN: case EVR_SH: case EVR_ST: case EVR_TM: case EVR_UC: case EVR_UI: case EVR_UR:
    case EVR_UT:
        return true;
    default:
        return false;
    }
}

std::string trimmedValue(DcmElement* e)
{
    OFString v;
    e->getOFStringArray(v);
    std::string s = v.c_str();
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
        s.pop_back();
    return s;
}

// "2.25." and the first 128 bits of a digest as a decimal number.
std::string uidFromDigest(const std::string& hex)
{
    unsigned char bytes[16];
    for (int i = 0; i < 16; ++i)
        bytes[i] = static_cast<unsigned char>(std::stoi(hex.substr(static_cast<size_t>(2 * i), 2), nullptr, 16));
    bytes[0] &= 0x7F; // keeps the number below 2^127, 39 digits at most
    std::string digits;
    bool nonZero = true;
    while (nonZero) {
        unsigned remainder = 0;
        nonZero = false;
        for (unsigned char& b : bytes) {
            const unsigned v = (remainder << 8) | b;
            b = static_cast<unsigned char>(v / 10);
            remainder = v % 10;
            nonZero = nonZero || b != 0;
        }
        digits.insert(digits.begin(), static_cast<char>('0' + remainder));
    }
    return "2.25." + digits;
}

bool validUid(const std::string& s)
{
    if (s.empty() || s.size() > 64)
        return false;
    for (char c : s)
        if (c != '.' && (c < '0' || c > '9'))
            return false;
    return true;
}

} // namespace

struct Anonymizer::Impl {
    // Applies the profile to every element of `item`, recursing into sequences.
    static void clean(Anonymizer& a, DcmItem& item)
    {
        std::vector<DcmTagKey> remove;
        for (unsigned long i = 0; i < item.card(); ++i) {
            DcmElement* e = item.getElement(i);
            if (!e)
                continue;
            const DcmTag& tag = e->getTag();
            if (tag.isPrivate() || tag.isPrivateReservation()) {
                remove.push_back(tag);
                continue;
            }
            const ConfidentialityAttribute* row = profile().find(tag);
            const DcmEVR vr = e->ident();
            const Action act = row ? resolve(row->action, vr) : Action::Keep;
            switch (act) {
            case Action::Keep:
                break;
            case Action::Remove:
                remove.push_back(tag);
                continue;
            case Action::Empty:
                if (vr == EVR_SQ) {
                    static_cast<DcmSequenceOfItems*>(e)->clear();
                } else if (tag == DCM_PatientName || tag == DCM_PatientID) {
                    e->putString(a.pseudonym(trimmedValue(e)).c_str());
                } else {
                    e->clear();
                }
                ++a.replaced_;
                continue;
            case Action::Dummy:
                if (vr == EVR_SQ) {
                    break; // a sequence's contents are cleaned below
                } else if (isStringVr(vr)) {
                    e->putString(dummyFor(vr));
                } else {
                    e->clear();
                }
                ++a.replaced_;
                continue;
            case Action::NewUid: {
                if (vr == EVR_UI) {
                    // A list of UIDs (backslash-separated) maps element by element.
                    const std::string v = trimmedValue(e);
                    std::string out;
                    size_t start = 0;
                    while (start <= v.size()) {
                        const size_t end = v.find('\\', start);
                        const std::string one = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
                        if (!one.empty())
                            out += (out.empty() ? "" : "\\") + a.mapUid(one);
                        if (end == std::string::npos)
                            break;
                        start = end + 1;
                    }
                    e->putString(out.c_str());
                } else {
                    e->clear();
                }
                ++a.replaced_;
                continue;
            }
            }
            if (vr == EVR_SQ) {
                auto* sq = static_cast<DcmSequenceOfItems*>(e);
                for (unsigned long k = 0; k < sq->card(); ++k)
                    if (DcmItem* child = sq->getItem(k))
                        clean(a, *child);
            }
        }
        for (const DcmTagKey& t : remove) {
            delete item.remove(t);
            ++a.removed_;
        }
    }
};

Anonymizer::Anonymizer(AnonymizeOptions options) : options_(std::move(options))
{
    if (options_.profile != "basic")
        throw Error("unknown confidentiality profile '" + options_.profile + "' (Sinar implements 'basic': PS3.15 "
                    "Annex E, Basic Application Level Confidentiality Profile)");
    if (options_.secret.empty()) {
        std::random_device rd;
        for (int i = 0; i < 4; ++i)
            options_.secret += std::to_string(rd());
    }
    detail::ensureDcmtkReady();
}

Anonymizer::~Anonymizer() = default;

std::string Anonymizer::mapUid(const std::string& uid) const
{
    return uidFromDigest(sha256Hex("uid\n" + options_.secret + "\n" + uid));
}

std::string Anonymizer::pseudonym(const std::string& patientId) const
{
    return "ANON-" + sha256Hex("patient\n" + options_.secret + "\n" + patientId).substr(0, 10);
}

AnonymizedFile Anonymizer::anonymizeFile(const std::string& input, const std::string& outDir)
{
    DcmFileFormat file;
    OFCondition cond = file.loadFile(input.c_str());
    if (cond.bad())
        throw Error(std::string("not a readable DICOM file: ") + cond.text(), input);
    DcmDataset* ds = file.getDataset();
    AnonymizedFile result;
    result.input = input;
    OFString burned;
    if (ds->findAndGetOFString(DCM_BurnedInAnnotation, burned).good() && burned == "YES")
        result.burnedInAnnotation = true;
    if (result.burnedInAnnotation && options_.skipBurnedIn)
        return result; // output empty: left out

    // Patient name and ID share one pseudonym, taken from the original ID.
    OFString patientId;
    ds->findAndGetOFString(DCM_PatientID, patientId);
    const std::string alias = pseudonym(patientId.c_str());
    Impl::clean(*this, *ds);
    if (ds->tagExists(DCM_PatientName))
        ds->putAndInsertString(DCM_PatientName, alias.c_str());
    if (ds->tagExists(DCM_PatientID))
        ds->putAndInsertString(DCM_PatientID, alias.c_str());
    ds->putAndInsertString(DCM_PatientIdentityRemoved, "YES");
    // LO holds 64 characters: "DICOM PS3.15 2024e, Table E.1-1 Basic Profile; Sinar 0.1.0".
    const std::string method = std::string(kConfidentialityProfileEdition) + " Basic Profile; Sinar " + SINAR_VERSION;
    ds->putAndInsertString(DCM_DeidentificationMethod, method.substr(0, 64).c_str());
    ds->findAndDeleteElement(DCM_DeidentificationMethodCodeSequence);
    auto* code = new DcmItem;
    code->putAndInsertString(DCM_CodeValue, "113100");
    code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
    code->putAndInsertString(DCM_CodeMeaning, "Basic Application Confidentiality Profile");
    if (ds->insertSequenceItem(DCM_DeidentificationMethodCodeSequence, code).bad())
        delete code;

    // The meta header: the new instance UID; nothing that names the sender.
    DcmMetaInfo* meta = file.getMetaInfo();
    OFString sop, study, series;
    ds->findAndGetOFString(DCM_SOPInstanceUID, sop);
    ds->findAndGetOFString(DCM_StudyInstanceUID, study);
    ds->findAndGetOFString(DCM_SeriesInstanceUID, series);
    for (const DcmTagKey& t : {DCM_SourceApplicationEntityTitle, DCM_SendingApplicationEntityTitle,
                               DCM_ReceivingApplicationEntityTitle, DCM_PrivateInformationCreatorUID,
                               DCM_PrivateInformation})
        delete meta->remove(t);
    meta->putAndInsertString(DCM_MediaStorageSOPInstanceUID, sop.c_str());
    if (!validUid(sop.c_str()) || !validUid(study.c_str()) || !validUid(series.c_str()))
        throw Error("the file lacks a StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID: not anonymised", input);

    const fs::path dir = fs::path(outDir) / study.c_str() / series.c_str();
    result.output = (dir / (std::string(sop.c_str()) + ".dcm")).string();
    // Same transfer syntax, pixel data as it was; the meta header rebuilt.
    detail::saveFileDurably(file, result.output, EXS_Unknown, EWM_updateMeta);
    return result;
}

AnonymizeReport anonymize(const std::vector<std::string>& inputs, const std::string& outDir,
                          const AnonymizeOptions& options, const ProgressFn& progress, const CancelToken* cancel)
{
    Anonymizer a(options);
    AnonymizeReport report;
    report.edition = kConfidentialityProfileEdition;
    std::vector<std::string> files;
    for (const std::string& in : inputs) {
        std::error_code ec;
        if (fs::is_directory(in, ec)) {
            std::vector<std::string> found;
            for (fs::recursive_directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec))
                if (it->is_regular_file() && it->path().filename() != "DICOMDIR")
                    found.push_back(it->path().string());
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::exists(in, ec)) {
            files.push_back(in);
        } else {
            report.failures.push_back({in, "no such file or folder", FailureKind::General});
        }
    }
    long long done = 0;
    for (const std::string& f : files) {
        if (cancel)
            cancel->throwIfCancelled();
        if (progress)
            progress(done, static_cast<long long>(files.size()), "anonymising " + fs::path(f).filename().string());
        try {
            AnonymizedFile r = a.anonymizeFile(f, outDir);
            if (r.burnedInAnnotation)
                report.burnedIn.push_back(f);
            if (!r.output.empty())
                report.files.push_back(std::move(r));
        } catch (const Error& e) {
            report.failures.push_back({f, e.message(), e.kind()});
        }
        ++done;
    }
    if (progress)
        progress(done, static_cast<long long>(files.size()), "anonymised");
    report.attributesRemoved = a.attributesRemoved();
    report.attributesReplaced = a.attributesReplaced();
    return report;
}

} // namespace sinar::dicom
