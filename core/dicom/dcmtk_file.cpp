#include "dicom/dcmtk_file.h"

#include <cstring>

#include <filesystem>

#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <initializer_list>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <vector>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/error.h"
#include "common/json_io.h"
#include "common/limits.h"
#include "common/text.h"
#include "dicom/newer_syntaxes.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SINAR_HAS_ASAN 1
#endif
#endif
#ifndef SINAR_HAS_ASAN
#define SINAR_HAS_ASAN 0
#endif

namespace sinar::dicom::detail {

void ensureDcmtkReady()
{
    static std::once_flag once;
    std::call_once(once, [] {
        // Failures reach the user through sinar::Error, one line per file;
        // DCMTK's own console messages would only repeat them.
        OFLog::configure(OFLogger::OFF_LOG_LEVEL);
        // Files from the field: UN elements whose VR the dictionary knows are
        // read as that VR; an element without a valid explicit VR (a data set
        // written implicit under an explicit transfer syntax) is read implicit.
        dcmEnableUnknownVRConversion.set(OFTrue);
        dcmAcceptUnexpectedImplicitEncoding.set(OFTrue);
        // The JPEG decoder returns the components as stored; whether they are
        // YCbCr is decided from the stream's markers (see DicomReader).
        DJDecoderRegistration::registerCodecs(EDC_never);
        DcmRLEDecoderRegistration::registerCodecs();
        // No JPEG-LS codec: CharLS 2 decodes JPEG-LS (dicom/jpegls_decoder.h), not the CharLS 1.0
        // copy in DCMTK's dcmjpls, which is neither loaded nor linked (its C functions have the
        // names of CharLS 2's legacy API, and whichever library loaded first would serve both).
    });
}

std::string unknownDeclaredSyntax(DcmFileFormat& file); // below

namespace {

// A file in a syntax DCMTK does not know (newer_syntaxes.h) keeps it when written in its
// own syntax: DCMTK holds its fragments under the syntax it read them in (explicit little
// endian) and cannot write them so. They become the fragments of a JPEG 2000
// representation, which DCMTK writes the same way (explicit little endian, fragments), the
// meta header is brought up to date for it and then names the file's own syntax. Returns
// that UID, or "" when the file is not such a file (nothing is changed).
std::string keepUnknownSyntax(DcmFileFormat& file, E_FileWriteMode mode)
{
    const std::string declared = unknownDeclaredSyntax(file);
    DcmDataset* ds = file.getDataset();
    DcmElement* element = nullptr;
    if (declared.empty() || ds->findAndGetElement(DCM_PixelData, element).bad() || !element ||
        element->ident() != EVR_PixelData || element->getLengthField() != DCM_UndefinedLength)
        return {};
    auto* pixelData = OFstatic_cast(DcmPixelData*, element);
    DcmPixelSequence* sequence = nullptr;
    if (pixelData->getEncapsulatedRepresentation(ds->getOriginalXfer(), nullptr, sequence).bad() || !sequence)
        return {};
    // New items with the fragments' bytes (DCMTK 3.6.7 does not write copies of items it read:
    // "Illegal call"), made before the call below deletes the originals.
    auto* copy = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
    for (unsigned long k = 0; k < sequence->card(); ++k) {
        DcmPixelItem* item = nullptr;
        Uint8* bytes = nullptr;
        if (sequence->getItem(item, k).bad() || !item || (item->getLength() > 0 && (item->getUint8Array(bytes).bad() || !bytes))) {
            delete copy;
            return {};
        }
        auto* fresh = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
        fresh->putUint8Array(bytes, item->getLength());
        copy->insert(fresh);
    }
    pixelData->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, nullptr, copy);
    DcmMetaInfo* meta = file.getMetaInfo();
    if (mode != EWM_dontUpdateMeta && mode != EWM_dataset)
        file.validateMetaInfo(EXS_JPEG2000LosslessOnly, mode);
    meta->putAndInsertString(DCM_TransferSyntaxUID, declared.c_str());
    meta->computeGroupLengthAndPadding(EGL_withGL, EPD_noChange, EXS_LittleEndianExplicit, EET_UndefinedLength);
    return declared;
}

} // namespace

void saveFileDurably(DcmFileFormat& file, const std::string& path, E_TransferSyntax xfer, E_FileWriteMode mode)
{
    if ((xfer == EXS_Unknown || xfer == file.getDataset()->getOriginalXfer()) && !keepUnknownSyntax(file, mode).empty()) {
        xfer = EXS_JPEG2000LosslessOnly;
        mode = EWM_dontUpdateMeta;
    }
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty())
        std::filesystem::create_directories(dir, ec);
    if (ec)
        throw Error("cannot create the folder: " + ec.message(), dir.string());
    const std::string tmp = path + ".part";
    const OFCondition cond =
        file.saveFile(tmp.c_str(), xfer, EET_UndefinedLength, EGL_recalcGL, EPD_noChange, 0, 0, mode);
    auto sync = [](const std::string& p) {
        const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
    };
    if (cond.good())
        sync(tmp);
    if (cond.bad() || ::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = cond.bad() ? cond.text() : std::strerror(errno);
        ::unlink(tmp.c_str());
        throw Error("cannot write the DICOM file: " + why, path);
    }
    sync(dir.empty() ? std::string(".") : dir.string());
}

std::string newUid(const char* root)
{
    char buf[100];
    dcmGenerateUniqueIdentifier(buf, root);
    return buf;
}

void nowDateTime(std::string& date, std::string& time)
{
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char d[16], h[16];
    std::strftime(d, sizeof d, "%Y%m%d", &tm);
    std::strftime(h, sizeof h, "%H%M%S", &tm);
    date = d;
    time = h;
}

namespace {
// Patient and study attributes new objects share with their source.
const DcmTagKey kPatientAndStudy[] = {DCM_SpecificCharacterSet, DCM_PatientName, DCM_PatientID, DCM_IssuerOfPatientID,
                                      DCM_PatientBirthDate, DCM_PatientSex, DCM_PatientAge, DCM_StudyInstanceUID,
                                      DCM_StudyDate, DCM_StudyTime, DCM_StudyID, DCM_AccessionNumber,
                                      DCM_ReferringPhysicianName, DCM_StudyDescription};
} // namespace

void copyPatientAndStudy(DcmItem& from, DcmItem& to)
{
    for (const DcmTagKey& t : kPatientAndStudy) {
        DcmElement* e = nullptr;
        if (from.findAndGetElement(t, e).good() && e) {
            to.insert(static_cast<DcmElement*>(e->clone()), OFTrue);
        } else if (t != DCM_SpecificCharacterSet && t != DCM_IssuerOfPatientID && t != DCM_PatientAge &&
                   t != DCM_StudyDescription) {
            to.putAndInsertString(t, ""); // Type 2: present, empty
        }
    }
}

namespace {

std::string readHead(const std::string& path, size_t n)
{
    if (!isRegularFile(path))
        return {}; // a pipe would block, a device never ends
    std::ifstream in(path, std::ios::binary);
    std::string head(n, '\0');
    in.read(head.data(), static_cast<std::streamsize>(n));
    head.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
    return head;
}

unsigned byteAt(const std::string& s, size_t i)
{
    return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u;
}

// DCMTK inserts each element it reads into its item's sorted list, searching
// from the end: an element out of ascending tag order costs a step for every
// element before it with a greater tag, so a data set written in descending
// order costs n^2/2 steps (a 1 MB file of 130,000 empty elements took 43 s).
// DICOM requires ascending order; files from the field break it now and then
// by a few elements, and zero padding reads as a run of (0000,0000) elements,
// each replacing the one before at the front of the list. The count here
// bounds DCMTK's work from above (every element in the list so far, for each
// element out of order) and refuses a file past 10 million steps, about a
// tenth of a second of sorting (10 ns a step in a release build).
class InsertionWork {
public:
    explicit InsertionWork(const std::string& path) : path_(path) {}

    void add(unsigned group, unsigned element)
    {
        const uint32_t tag = (uint32_t(group) << 16) | element;
        const bool repeated = count_ > 0 && tag == last_; // replaces the element read before
        last_ = tag;
        if (count_ > 0 && tag < highest_) {
            if (outOfOrder_++ == 0)
                first_ = tag;
            work_ += count_;
            if (work_ > kMaxWork) {
                char at[16];
                std::snprintf(at, sizeof at, "(%04X,%04X)", first_ >> 16, first_ & 0xFFFF);
                throw Error(std::to_string(outOfOrder_) + " of the elements read so far in one data set or item "
                                "are out of ascending tag order "
                                "(the first at " + at + "), which DICOM does not allow and which would take "
                                "DCMTK minutes to sort: the file is corrupt",
                            path_);
            }
        }
        highest_ = std::max(highest_, tag);
        if (!repeated)
            ++count_;
    }

private:
    static constexpr uint64_t kMaxWork = 10'000'000;
    const std::string& path_;
    uint32_t highest_ = 0, first_ = 0, last_ = 0;
    uint64_t count_ = 0, outOfOrder_ = 0, work_ = 0;
};

// The private creators an item declares, (gggg,00xx), as DCMTK's
// DcmPrivateTagCache keeps them: the first for a block counts; the value as
// DcmByteString::getString gives it (trailing padding removed, up to a NUL).
// DCMTK keeps them in a list and searches it from the start for every private
// element (gggg,xxyy): a data set of many creators and many elements none of
// them declares costs it their product (a crafted 1 MB file took 44 s). As for
// the element order, that work is counted and refused past 10 million steps.
class PrivateCreators {
public:
    explicit PrivateCreators(const std::string& path) : path_(path) {}

    // A private element (gggg,xxyy), xx >= 10: DCMTK searches its list.
    void lookUp()
    {
        ++lookups_;
        work_ += entries_;
        if (work_ > kMaxWork)
            throw Error(std::to_string(lookups_) + " private elements in one data set or item look up their creator among " +
                            std::to_string(entries_) + " private creators, which would take DCMTK minutes " +
                            "(it searches them one by one): the file is corrupt",
                        path_);
    }

    void add(unsigned group, unsigned element, const unsigned char* value, size_t n, DcmEVR vr)
    {
        ++entries_; // DCMTK's list grows by every creator it reads, a repeated one too
        // Creators in dictionaries are short: a longer value names none of them either way.
        std::string s(reinterpret_cast<const char*>(value), std::min<size_t>(n, 256));
        const char pad = vr == EVR_UI ? '\0' : ' ';
        while (!s.empty() && s.back() == pad)
            s.pop_back();
        s.resize(std::strlen(s.c_str()));
        byBlock_.emplace((group << 8) | (element & 0xFF), std::move(s));
    }
    // The creator of a private element (gggg,xxyy), xx >= 10, or null.
    const std::string* find(unsigned group, unsigned element) const
    {
        const auto it = byBlock_.find((group << 8) | (element >> 8));
        return it == byBlock_.end() ? nullptr : &it->second;
    }

private:
    static constexpr uint64_t kMaxWork = 10'000'000;
    const std::string& path_;
    std::map<unsigned, std::string> byBlock_;
    uint64_t entries_ = 0, lookups_ = 0, work_ = 0;
};

// The VR DCMTK gives an element read without one: the dictionary's, for a
// private element (odd group, element 1000 and up) looked up with its creator
// (DcmItem::readTagAndLength, DcmItem::newDicomElement).
DcmEVR dictionaryVr(unsigned group, unsigned element, const PrivateCreators& creators)
{
    DcmTag tag(static_cast<Uint16>(group), static_cast<Uint16>(element));
    if ((group & 1) && element >= 0x1000) {
        if (const std::string* creator = creators.find(group, element)) {
            tag.setPrivateCreator(creator->c_str());
            tag.lookupVRinDictionary();
        }
    }
    return tag.getEVR();
}

// Declared lengths are not trusted: before DCMTK reads a file (and allocates
// what its elements declare), the element headers are walked and every
// defined length must fit in the bytes that follow it; a deflated data set
// is measured before it is inflated (a few megabytes can expand to gigabytes).
void guessEncoding(const unsigned char* d, size_t at, size_t size, bool& explicitVr, bool& big);

class LengthWalker {
public:
    // `whole`: what the bytes are, for messages ("the file", "the inflated data set").
    LengthWalker(const unsigned char* data, size_t size, const std::string& path, const char* whole = "the file")
        : d_(data), n_(size), path_(path), whole_(whole)
    {
    }

    // Where the bytes first end too soon, said in full: a value running a little past their end
    // (need() leaves it to DCMTK, whose message names no element) or an element's header cut
    // short; empty when neither.
    const std::string& overrun() const { return overrun_; }

    // Walks from `at` to `end` (or to the delimiter closing an undefined length);
    // returns where DCMTK's read stops, kStop where it stops reading the file.
    // Element headers are read as DCMTK 3.6.7 reads them with Sinar's settings
    // (header()). Like DCMTK, the walk reads elements while it is before `end`:
    // the last one may cross it (DCMTK warns and reads it whole), and the item
    // or sequence then ends where that element ends. A value of undefined
    // length reads up to its delimiter, wherever its container ends. With
    // `dataItems` the items are fragments of encapsulated pixel data: their
    // lengths are checked, their bytes are not elements. It stops quietly only
    // where DCMTK stops reading the file itself (the file ends inside a header,
    // an undefined length on a VR that cannot have one).
    // With `sequenceLevel` the bytes are a sequence's value: DCMTK reads only items there. Any
    // other tag is read as an item's tag and 4-byte length, and then the read fails
    // (EC_SequDelimitationItemMissing) with the stream after those 8 bytes (sequenceFailedAt_).
    size_t walk(size_t at, size_t end, bool explicitVr, bool big, int depth, bool dataItems = false, bool sequenceLevel = false)
    {
        if (depth > 64)
            throw Error("sequences are nested more than 64 deep", path_);
        // A sequence or item may declare a little more than the file holds (need() leaves small
        // overruns to DCMTK): its walk stops at the file's end, never reads past it.
        end = std::min(end, n_);
        InsertionWork order(path_);
        PrivateCreators creators(path_);
        Header h;
        while (at < end) {
            if (!header(at, explicitVr, big, h))
                return kStop;
            if (h.item || h.delimiter) {
                if (h.delimiter)
                    return h.valueAt; // item or sequence delimiter
                if (h.length == 0xFFFFFFFFu) {
                    if (dataItems) // a pixel data fragment of undefined length: DCMTK refuses it
                        return kStop;
                    at = walk(h.valueAt, n_, explicitVr, big, depth + 1);
                } else {
                    need(h.group, h.element, h.length, h.valueAt, end);
                    at = dataItems ? h.valueAt + h.length : walk(h.valueAt, h.valueAt + h.length, explicitVr, big, depth + 1);
                }
                if (at == kStop)
                    return kStop;
                continue;
            }
            if (sequenceLevel) {
                sequenceFailedAt_ = at + 8;
                return kStop; // DCMTK's read of the file fails here
            }
            order.add(h.group, h.element);
            if ((h.group & 1) && h.element >= 0x1000)
                creators.lookUp();
            const bool pixelData = h.group == 0x7FE0 && h.element == 0x0010;
            // The VR DCMTK reads the value with: the one written, or for an element without one
            // (implicit VR) and for UN (which Sinar's settings convert to a VR the dictionary
            // knows, reading the value as implicit VR little endian, CP-246) the dictionary's, a
            // private tag's looked up with the creator its item declared before it.
            DcmEVR vr = EVR_UNKNOWN;
            bool implicitLittleValue = false; // the value is read as implicit VR little endian
            if (h.implicit) {
                vr = dictionaryVr(h.group, h.element, creators);
            } else if (h.kind.unknown) {
                implicitLittleValue = true;
                if (h.length != 0xFFFFFFFFu)
                    vr = dictionaryVr(h.group, h.element, creators);
            } else {
                vr = DcmVR(h.vr).getEVR();
            }
            if (h.length == 0xFFFFFFFFu) {
                // A sequence, encapsulated pixel data or UN of undefined length: items up to the
                // delimiter (DcmItem::newDicomElement). SQ, whatever the tag (pixel data too), holds
                // items in the data set's encoding; an unknown VR holds implicit VR little endian
                // items (CP-246); pixel data of OB, OW or the dictionary's "OB or OW", and a private
                // pixel data element, hold fragments. DCMTK refuses OB and OW elsewhere (the walk
                // checks their items' lengths, as fragments, all the same) and any other VR.
                if (vr == EVR_SQ)
                    at = walk(h.valueAt, n_, explicitVr, big, depth + 1, false, true);
                else if (vr == EVR_UNKNOWN || vr == EVR_UNKNOWN2B || vr == EVR_UN)
                    at = walk(h.valueAt, n_, false, false, depth + 1, false, true);
                else if (vr == EVR_OB || vr == EVR_OW || vr == EVR_px || (pixelData && vr == EVR_ox))
                    at = walk(h.valueAt, n_, explicitVr, big, depth + 1, true);
                else
                    return kStop; // DCMTK refuses the file
                if (at == kStop)
                    return kStop;
                continue;
            }
            need(h.group, h.element, h.length, h.valueAt, end);
            if (h.group == 0x0004 && h.element == 0x1430)
                checkRecordType(h.length, h.valueAt, end);
            const size_t valueEnd = h.valueAt + h.length;
            at = valueEnd;
            if (vr == EVR_SQ) {
                at = implicitLittleValue ? walk(h.valueAt, valueEnd, false, false, depth + 1, false, true)
                                         : walk(h.valueAt, valueEnd, explicitVr, big, depth + 1, false, true);
                if (at == kStop)
                    return kStop;
            } else {
                noteCreator(h, vr, creators);
            }
        }
        return at;
    }

    // Reads the meta group from `at` as DcmMetaInfo::read does, and returns where the data set
    // starts (kStop: DCMTK stops in the meta group) and sets `syntax` to the transfer syntax UID
    // as DCMTK's DcmFileFormat::lookForXfer takes it (none: DCMTK guesses).
    // - Its encoding is guessed from its first element, as for a data set without a transfer
    //   syntax (DcmItem::checkTransferSyntax): big endian or implicit VR meta groups are read so.
    // - The first element is read whatever it is. If it is the group length (0002,0000) with a
    //   value, the group ends where that length says, counted from the group's start in 32 bits
    //   and holding whatever groups lie inside (a result of 0 ends it after that element, one of
    //   0xFFFFFFFF means none); a value shorter than 4 bytes makes DCMTK refuse the file.
    // - Without a group length it goes on while the next tag's group bytes read 0002 in either
    //   byte order (DcmMetaInfo::nextTagIsMeta). An item delimiter ends it too.
    size_t walkMeta(size_t at, std::optional<std::string>& syntax)
    {
        const size_t metaAt = at;
        bool explicitVr = true, big = false;
        guessEncoding(d_, at, n_, explicitVr, big);
        const auto metaTag = [this](size_t p) {
            return p + 2 <= n_ && ((d_[p] == 0x02 && d_[p + 1] == 0x00) || (d_[p] == 0x00 && d_[p + 1] == 0x02));
        };
        bool seenSyntax = false;
        PrivateCreators creators(path_);
        InsertionWork order(path_);
        bool bounded = false; // by the group length
        size_t metaEnd = 0;
        Header h;
        while (bounded ? at < metaEnd : metaTag(at)) {
            if (!header(at, explicitVr, big, h))
                return kStop;
            if (h.delimiter && h.element == 0xE00D)
                return h.valueAt; // DCMTK ends the meta group there
            if (h.item || h.delimiter)
                return kStop; // DCMTK refuses the file
            order.add(h.group, h.element);
            if ((h.group & 1) && h.element >= 0x1000)
                creators.lookUp();
            // DCMTK 3.6.7 takes the meta group's length element (0002,0000) for a UL whatever VR the
            // file gives it (a type confusion its fuzzing with UBSan shows): refuse another VR first.
            const std::string vr(reinterpret_cast<const char*>(d_ + at + 4), 2);
            const bool first = at == metaAt;
            if (first && h.group == 0x0002 && h.element == 0x0000 && !h.implicit && vr != "UL")
                throw Error("the file meta group's length (0002,0000) is stored as " + vr + ", not UL: the file is corrupt",
                            path_);
            if (h.length == 0xFFFFFFFFu) {
                char tag[16];
                std::snprintf(tag, sizeof tag, "(%04X,%04X)", h.group, h.element);
                throw Error(std::string("the file meta element ") + tag +
                                " has an undefined length, which the meta group cannot hold: the file is corrupt",
                            path_);
            }
            need(h.group, h.element, h.length, h.valueAt, n_);
            // A sequence, as in walk(): SQ written, or the dictionary's for an implicit element or
            // a UN (whose items are implicit VR little endian).
            const DcmEVR vrRead = h.implicit || h.kind.unknown ? dictionaryVr(h.group, h.element, creators) : DcmVR(h.vr).getEVR();
            // A broken meta group, a little short: DCMTK reports it, but only after reading what
            // there is of a sequence (walked below, to the file's end).
            if (h.length > n_ - std::min(h.valueAt, n_) && vrRead != EVR_SQ)
                return kStop;
            const size_t valueEnd = h.valueAt + h.length;
            at = valueEnd;
            if (first && h.group == 0x0002 && h.element == 0x0000 && h.length > 0) {
                if (h.length < 4) // no first value (DcmUnsignedLong::getUint32): DCMTK refuses the file
                    throw Error("the file meta group's length (0002,0000) has " + std::to_string(h.length) +
                                    " bytes, too few for its 4-byte value: the file is corrupt",
                                path_);
                const uint32_t length = static_cast<uint32_t>(u32(h.valueAt, big) + (valueEnd - metaAt));
                if (length == 0)
                    return at;
                if (length != 0xFFFFFFFFu) {
                    bounded = true;
                    metaEnd = metaAt + length;
                }
            }
            if (vrRead == EVR_SQ) {
                sequenceFailedAt_ = kStop;
                at = h.kind.unknown ? walk(h.valueAt, valueEnd, false, false, 1, false, true)
                                    : walk(h.valueAt, valueEnd, explicitVr, big, 1, false, true);
                // DcmMetaInfo::readGroupLength takes the first element's read failing on a tag that
                // is not an item for a missing group length, and the meta group is read on, without
                // one, from where that read left the stream.
                if (at == kStop && first && sequenceFailedAt_ != kStop) {
                    at = sequenceFailedAt_;
                    continue;
                }
                if (at == kStop)
                    return kStop;
            } else {
                noteCreator(h, vrRead, creators);
            }
            // DCMTK keeps the first (0002,0010) it reads (a second is "found twice" and dropped) and
            // takes the transfer syntax from it if it is a UI (written so, implicit, or UN, which
            // Sinar's settings convert to the dictionary's UI) with a value: every white space
            // character removed (automatic input data correction), as a C string.
            if (h.group == 0x0002 && h.element == 0x0010 && !seenSyntax) {
                seenSyntax = true;
                if ((h.implicit || vr == "UI" || h.kind.unknown) && h.length > 0) {
                    syntax = std::string();
                    for (size_t i = h.valueAt; i < valueEnd; ++i)
                        if (!std::isspace(d_[i]))
                            syntax->push_back(static_cast<char>(d_[i]));
                    syntax->resize(std::strlen(syntax->c_str()));
                }
            }
        }
        return at;
    }

    static constexpr size_t kStop = ~size_t(0);

    struct VrKind {
        bool standard = false;  // one of the VRs of PS3.5 (DcmVR::isStandard)
        bool extended = false;  // 2 reserved bytes and a 4-byte length
        bool sequence = false;  // SQ
        bool unknown = false;   // UN: an undefined length holds implicit VR items (CP-246)
        bool pixelLike = false; // OB, OW: an undefined length holds fragments
    };

    static VrKind vrKind(unsigned char c0, unsigned char c1)
    {
        auto code = [](const char* vr) { return (unsigned(static_cast<unsigned char>(vr[0])) << 8) | static_cast<unsigned char>(vr[1]); };
        VrKind k;
        switch ((unsigned(c0) << 8) | c1) {
        case 0x4f42: // OB
        case 0x4f57: // OW
            k.pixelLike = true;
            [[fallthrough]];
        case 0x4f44: case 0x4f46: case 0x4f4c: case 0x4f56: // OD OF OL OV
        case 0x5356: case 0x5543: case 0x5552: case 0x5554: case 0x5556: // SV UC UR UT UV
            k.extended = k.standard = true;
            break;
        case 0x5351: // SQ
            k.extended = k.standard = k.sequence = true;
            break;
        case 0x554e: // UN
            k.extended = k.standard = k.unknown = true;
            break;
        default:
            for (const char* vr : {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "PN", "SH", "SL",
                                   "SS", "ST", "TM", "UI", "UL", "US"})
                k.standard = k.standard || code(vr) == ((unsigned(c0) << 8) | c1);
        }
        return k;
    }

    struct Header {
        unsigned group = 0, element = 0;
        uint64_t length = 0;
        size_t valueAt = 0;
        bool item = false;      // (FFFE,E000)
        bool delimiter = false; // (FFFE,E00D) or (FFFE,E0DD)
        bool implicit = false;  // no VR: an implicit VR data set, or one DCMTK re-read as implicit
        VrKind kind;            // the VR written, when not implicit
        char vr[3] = {0, 0, 0}; // its two characters
    };

    // Reads the element header at `at` as DCMTK 3.6.7's DcmItem::readTagAndLength
    // reads it with Sinar's settings (dcmAcceptUnexpectedImplicitEncoding): items
    // and delimiters have no VR and a 4-byte length; in an explicit VR data set
    // an element whose VR is not one of the standard ones is read again as
    // implicit VR little endian, its tag and length too (in a big endian data set
    // as well). False where the file ends inside the header (DCMTK stops there).
    bool header(size_t at, bool explicitVr, bool big, Header& h) const
    {
        if (at + 8 > n_)
            return endsInHeader(at);
        h = Header{};
        h.group = u16(at, big);
        h.element = u16(at + 2, big);
        h.valueAt = at + 8;
        if (h.group == 0xFFFE && (h.element == 0xE000 || h.element == 0xE00D || h.element == 0xE0DD)) {
            h.item = h.element == 0xE000;
            h.delimiter = !h.item;
            h.implicit = true;
            h.length = u32(at + 4, big);
            return true;
        }
        if (explicitVr) {
            h.kind = vrKind(d_[at + 4], d_[at + 5]);
            h.vr[0] = static_cast<char>(d_[at + 4]);
            h.vr[1] = static_cast<char>(d_[at + 5]);
        }
        h.implicit = !explicitVr || !h.kind.standard;
        if (h.implicit) {
            const bool order = explicitVr ? false : big;
            h.group = u16(at, order);
            h.element = u16(at + 2, order);
            h.length = u32(at + 4, order);
        } else if (h.kind.extended) {
            if (at + 12 > n_)
                return endsInHeader(at);
            h.length = u32(at + 8, big);
            h.valueAt = at + 12;
        } else {
            h.length = u16(at + 6, big);
        }
        return true;
    }

    // Notes where the bytes end inside an element's header (for overrun()); false.
    bool endsInHeader(size_t at) const
    {
        if (overrun_.empty())
            overrun_ = std::string(whole_) + " ends " + std::to_string(n_ - at) + " bytes into an element's header, at byte " +
                       std::to_string(at) + ": it is truncated or corrupt";
        return false;
    }

    // Keeps a private creator (gggg,00xx) read with a string VR, as DCMTK's item does.
    void noteCreator(const Header& h, DcmEVR vr, PrivateCreators& creators) const
    {
        if (!(h.group & 1) || h.element < 0x0010 || h.element > 0x00FF || vr == EVR_UNKNOWN || vr == EVR_UNKNOWN2B ||
            !DcmVR(vr).isaString())
            return;
        const size_t from = std::min(h.valueAt, n_), to = std::min<uint64_t>(h.valueAt + h.length, n_);
        creators.add(h.group, h.element, d_ + from, to - from, vr);
    }

    // Refuses a length that would make DCMTK allocate megabytes the bytes up
    // to `end` do not hold.
    void need(unsigned group, unsigned element, uint64_t length, size_t valueAt, size_t end) const
    {
        // Small overruns (a truncated file, a slightly wrong item length) are
        // left to DCMTK, which reads what is there and says what is wrong; a
        // length that would make it allocate megabytes the file does not hold
        // is refused here. A value whose header crosses the end of its item is
        // read whole (DCMTK warns): only the file's end bounds it.
        if (valueAt > end)
            end = n_;
        if (length <= end - std::min(valueAt, end))
            return;
        char tag[16];
        if (length <= (uint64_t(1) << 20)) {
            // Noted for the message should DCMTK's read fail: it names no element.
            if (overrun_.empty() && valueAt + length > n_) {
                std::snprintf(tag, sizeof tag, "(%04X,%04X)", group, element);
                overrun_ = std::string("the element ") + tag + " declares " + std::to_string(length) + " bytes, but only " +
                           std::to_string(n_ - std::min(valueAt, n_)) + " follow in " + whole_ + ": it is truncated or corrupt";
            }
            return;
        }
        std::snprintf(tag, sizeof tag, "(%04X,%04X)", group, element);
        throw Error(std::string("the element ") + tag + " declares " + std::to_string(length) + " bytes, but only " +
                        std::to_string(end - std::min(valueAt, end)) + " follow" +
                        (end == n_ ? std::string(" in ") + whole_ + ": it is truncated or corrupt"
                                   : std::string(" in its item: the file is corrupt")),
                    path_);
    }

private:
    unsigned u16(size_t at, bool big) const
    {
        return big ? (d_[at] << 8) | d_[at + 1] : d_[at] | (d_[at + 1] << 8);
    }
    uint64_t u32(size_t at, bool big) const
    {
        return big ? (uint64_t(u16(at, true)) << 16) | u16(at + 2, true) : u16(at, false) | (uint64_t(u16(at + 2, false)) << 16);
    }
    // DirectoryRecordType (0004,1430): DCMTK 3.6.7 aborts the process on some
    // malformed values (a long value, several values), so only a defined term
    // (PS3.3 F.5: upper-case letters, digits, underscore, space; at most 16
    // characters) is let through.
    void checkRecordType(uint64_t length, size_t valueAt, size_t end) const
    {
        bool ok = length <= 16 && valueAt + length <= end;
        for (uint64_t i = 0; ok && i < length; ++i) {
            const unsigned char c = d_[valueAt + i];
            ok = std::isupper(c) || std::isdigit(c) || c == '_' || c == ' ' || c == 0;
        }
        if (!ok)
            throw Error("a DICOMDIR record has a malformed DirectoryRecordType (0004,1430): the file is corrupt", path_);
    }

    const unsigned char* d_;
    size_t n_;
    const std::string& path_;
    const char* whole_;
    mutable std::string overrun_;
    size_t sequenceFailedAt_ = kStop; // where a sequence's read failed on a tag that is not an item
};

// Inflates the raw deflate stream data[at, size) into `out` (when not null),
// 1 MiB at a time; returns the inflated size. A decompression bomb is refused
// before it is inflated past 256 MiB.
uint64_t inflateDataSet(const unsigned char* data, size_t size, size_t at, const std::string& path,
                        std::vector<unsigned char>* out)
{
    z_stream zs{};
    if (at > size || inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return 0;
    constexpr size_t kChunk = size_t(1) << 20;
    std::vector<unsigned char> sink(out ? 0 : kChunk);
    zs.next_in = const_cast<Bytef*>(data + at);
    zs.avail_in = static_cast<uInt>(std::min<size_t>(size - at, 0xFFFFFFFFu));
    uint64_t total = 0;
    int rc = Z_OK;
    while (rc == Z_OK && total <= kMaxImageBytes) {
        unsigned char* to = sink.data();
        if (out) {
            out->resize(static_cast<size_t>(total) + kChunk);
            to = out->data() + total;
        }
        zs.next_out = to;
        zs.avail_out = static_cast<uInt>(kChunk);
        rc = inflate(&zs, Z_NO_FLUSH);
        total += kChunk - zs.avail_out;
        if (out)
            out->resize(static_cast<size_t>(total));
        if (total > (uint64_t(256) << 20) && total > 200 * uint64_t(zs.total_in)) {
            // Hundreds of megabytes at more than 200:1: a decompression bomb,
            // refused without inflating it all.
            inflateEnd(&zs);
            throw Error("the deflated data set expands more than 200-fold past 256 MiB (a decompression bomb); "
                        "Sinar's limit is 2 GiB per image or volume",
                        path);
        }
        if (zs.avail_in == 0 && zs.avail_out != 0)
            break;
    }
    inflateEnd(&zs);
    return total;
}

// The encoding DCMTK guesses for a data set whose file names no transfer
// syntax it knows (DcmItem::checkTransferSyntax): explicit VR if the first
// element's VR bytes are a standard VR; big endian if only the big endian
// reading of its tag is in the dictionary, or both are and only that one has
// a group below 0100.
void guessEncoding(const unsigned char* d, size_t at, size_t size, bool& explicitVr, bool& big)
{
    explicitVr = true;
    big = false;
    if (at + 6 > size)
        return;
    const Uint16 g = Uint16(d[at] | (d[at + 1] << 8)), e = Uint16(d[at + 2] | (d[at + 3] << 8));
    const auto swap = [](Uint16 v) { return Uint16((v << 8) | (v >> 8)); };
    const DcmTag little(g, e), bigTag(swap(g), swap(e));
    const bool littleKnown = little.error().good(), bigKnown = bigTag.error().good();
    const char vr[3] = {char(d[at + 4]), char(d[at + 5]), 0};
    explicitVr = std::isalpha(d[at + 4]) && std::isalpha(d[at + 5]) && DcmVR(vr).isStandard();
    if (littleKnown && bigKnown)
        big = little.getGTag() > 0xFF && bigTag.getGTag() <= 0xFF;
    else
        big = bigKnown;
}

// A deflated data set (explicit VR little endian once inflated) is measured
// first: a bomb or more than 2 GiB is refused without holding it. Then it is
// inflated and its element lengths are walked like those of any other data
// set: DCMTK would read the inflated elements and allocate what they declare.
std::string checkDeflated(const unsigned char* data, size_t size, size_t at, const std::string& path)
{
    const uint64_t total = inflateDataSet(data, size, at, path, nullptr);
    checkImageBytes(total, "the deflated data set", "inflated from " + std::to_string(size - at) + " bytes", path);
    std::vector<unsigned char> inflated;
    inflated.reserve(static_cast<size_t>(total) + (size_t(1) << 20));
    inflateDataSet(data, size, at, path, &inflated);
    LengthWalker walker(inflated.data(), inflated.size(), path, "the inflated data set");
    walker.walk(0, inflated.size(), true, false, 0);
    return walker.overrun();
}

// `metaAt`: where the file meta group starts, or npos for a bare data set of
// the given encoding; `end`: where DCMTK's read will stop (0: the file's end).
// Returns LengthWalker::overrun(): what to say should DCMTK find the file truncated.
std::string checkDeclaredLengths(const std::string& path, uint64_t end, size_t metaAt, bool explicitVr, bool big)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return {}; // DCMTK says why
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size <= 0) {
        ::close(fd);
        return {};
    }
    size_t size = static_cast<size_t>(st.st_size);
#if defined(__SANITIZE_ADDRESS__) || SINAR_HAS_ASAN
    // AddressSanitizer cannot see where a mapping ends: in its builds (the fuzzers, the asan
    // preset) the walk reads the file into the heap, so a read past the file's end is caught.
    // Read, not mapped and copied: unmapping costs every fuzzer input a TLB shootdown.
    std::vector<unsigned char> copy(size);
    size_t got = 0;
    while (got < size) {
        const ssize_t r = ::pread(fd, copy.data() + got, size - got, static_cast<off_t>(got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += static_cast<size_t>(r);
    }
    ::close(fd);
    if (got < size)
        return {}; // DCMTK says why
    const unsigned char* d = copy.data();
#else
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED)
        return {};
    struct Unmap {
        void* p;
        size_t n;
        ~Unmap() { ::munmap(p, n); }
    } unmap{map, size};
    const auto* d = static_cast<const unsigned char*>(map);
#endif
    if (end > 0 && end < size)
        size = static_cast<size_t>(end); // a zero trailer DCMTK will not read
    LengthWalker walker(d, size, path);
    size_t at = 0;
    if (metaAt != std::string::npos) {
        std::optional<std::string> syntax;
        at = walker.walkMeta(metaAt, syntax);
        if (at == LengthWalker::kStop)
            return walker.overrun(); // a broken meta group: DCMTK reports it
        // A UID that is empty once read (white space or NULs) is in DCMTK's table: its
        // internal "Big Endian Implicit", and DCMTK reads the data set so.
        const DcmXfer xfer(syntax ? syntax->c_str() : nullptr);
        if (xfer.getXfer() == EXS_Unknown) {
            guessEncoding(d, at, size, explicitVr, big); // no transfer syntax DCMTK knows
        } else if (xfer.getStreamCompression() != ESC_none) {
            return checkDeflated(d, size, at, path);
        } else {
            big = xfer.isBigEndian();
            explicitVr = xfer.isExplicitVR();
        }
    }
    walker.walk(at, size, explicitVr, big, 0);
    return walker.overrun();
}

enum class StartKind { None, Preamble, DataSetLittle, DataSetBig, MetaNoPreamble };

StartKind startKind(const std::string& head)
{
    if (head.size() >= 132 && head.compare(128, 4, "DICM") == 0)
        return StartKind::Preamble;
    if (head.size() < 8)
        return StartKind::None;
    const unsigned groupLe = byteAt(head, 0) | (byteAt(head, 1) << 8);
    const unsigned elementLe = byteAt(head, 2) | (byteAt(head, 3) << 8);
    const unsigned groupBe = (byteAt(head, 0) << 8) | byteAt(head, 1);
    const unsigned elementBe = (byteAt(head, 2) << 8) | byteAt(head, 3);
    if (groupLe == 0x0002 && elementLe < 0x0100)
        return StartKind::MetaNoPreamble;
    if ((groupLe == 0x0008 || groupLe == 0x0004) && elementLe < 0x0200)
        return StartKind::DataSetLittle;
    if ((groupBe == 0x0008 || groupBe == 0x0004) && elementBe < 0x0200)
        return StartKind::DataSetBig;
    return StartKind::None;
}

// DCMTK's failure in words; `overrun`: the walk's note of a value running past the end
// (checkDeclaredLengths), which says where a truncated file ends.
std::string describe(const OFCondition& status, const std::string& overrun = {})
{
    const std::string text = status.text();
    if (status == EC_StreamNotifyClient || status == EC_InvalidStream || status == EC_ItemEnd ||
        status == EC_SequEnd || status == EC_CorruptedData || text.find("premature") != std::string::npos ||
        text.find("larger") != std::string::npos)
        return overrun.empty() ? "file is truncated or corrupt (" + text + ")" : overrun;
    return "cannot read the DICOM data (" + text + ")";
}

// ---- attribute access --------------------------------------------------------

std::string stringOf(DcmItem* item, const DcmTagKey& key)
{
    OFString s;
    if (item && item->findAndGetOFStringArray(key, s).good())
        return std::string(s.c_str());
    return {};
}

std::string valueOf(DcmItem* item, const DcmTagKey& key, unsigned long pos = 0)
{
    OFString s;
    if (item && item->findAndGetOFString(key, s, pos).good())
        return std::string(s.c_str());
    return {};
}

bool numberOf(DcmItem* item, const DcmTagKey& key, double& out, unsigned long pos = 0)
{
    const std::string s = valueOf(item, key, pos);
    if (s.empty())
        return false;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || !std::isfinite(v))
        return false;
    out = v;
    return true;
}

int intOf(DcmItem* item, const DcmTagKey& key, int fallback)
{
    double v = 0;
    return numberOf(item, key, v) ? static_cast<int>(std::lround(v)) : fallback;
}

unsigned long valueCount(DcmItem* item, const DcmTagKey& key)
{
    DcmElement* e = nullptr;
    if (item && item->findAndGetElement(key, e).good() && e)
        return e->getVM();
    return 0;
}

bool vectorOf(DcmItem* item, const DcmTagKey& key, double* out, unsigned long n)
{
    if (valueCount(item, key) < n)
        return false;
    for (unsigned long i = 0; i < n; ++i)
        if (!numberOf(item, key, out[i], i))
            return false;
    return true;
}

DcmItem* sequenceItem(DcmItem* item, const DcmTagKey& key, int index = 0)
{
    DcmItem* out = nullptr;
    if (item && item->findAndGetSequenceItem(key, out, index).good())
        return out;
    return nullptr;
}

void readWindows(DcmItem* item, std::vector<imaging::WindowPreset>& windows)
{
    const unsigned long n = std::min(valueCount(item, DCM_WindowCenter), valueCount(item, DCM_WindowWidth));
    if (n == 0)
        return;
    windows.clear();
    for (unsigned long i = 0; i < n; ++i) {
        double c = 0, w = 0;
        if (!numberOf(item, DCM_WindowCenter, c, i) || !numberOf(item, DCM_WindowWidth, w, i))
            continue;
        if (!(w >= 1.0)) // PS3.3 C.11.2.1.2: width >= 1; 0 means "no window" in some files
            continue;
        std::string name = valueOf(item, DCM_WindowCenterWidthExplanation, i);
        if (name.empty())
            name = n == 1 ? "file window" : "file window " + std::to_string(i + 1);
        windows.push_back({name, c, w});
    }
}

bool descriptorOf(DcmItem* item, const DcmTagKey& key, long values[3])
{
    DcmElement* e = nullptr;
    if (!item || item->findAndGetElement(key, e).bad() || !e || e->getVM() < 3)
        return false;
    for (unsigned long i = 0; i < 3; ++i) {
        Uint16 u = 0;
        Sint16 s = 0;
        if (e->getUint16(u, i).good())
            values[i] = u;
        else if (e->getSint16(s, i).good())
            values[i] = (i == 1) ? s : static_cast<Uint16>(s);
        else
            return false;
    }
    return true;
}

std::vector<uint16_t> wordsOf(DcmItem* item, const DcmTagKey& key)
{
    const Uint16* words = nullptr;
    unsigned long count = 0;
    if (item->findAndGetUint16Array(key, words, &count).good() && words)
        return std::vector<uint16_t>(words, words + count);
    const Uint8* bytes = nullptr;
    if (item->findAndGetUint8Array(key, bytes, &count).good() && bytes) {
        std::vector<uint16_t> out(count / 2);
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = static_cast<uint16_t>(bytes[2 * i] | (bytes[2 * i + 1] << 8));
        return out;
    }
    return {};
}

// PS3.3 C.7.9.2: segmented palette colour LUT data (discrete, linear, indirect segments).
std::vector<uint16_t> expandSegmented(const std::vector<uint16_t>& seg, size_t entries)
{
    std::vector<uint16_t> out;
    auto run = [&](auto& self, size_t from, size_t segments, int depth) -> void {
        size_t p = from;
        for (size_t s = 0; (segments == 0 || s < segments) && p + 1 < seg.size() && out.size() < entries; ++s) {
            const uint16_t type = seg[p], n = seg[p + 1];
            if (type == 0) {
                for (size_t k = 0; k < n && p + 2 + k < seg.size(); ++k)
                    out.push_back(seg[p + 2 + k]);
                p += 2 + n;
            } else if (type == 1) {
                if (out.empty() || p + 2 >= seg.size())
                    throw Error("segmented palette: linear segment without a start value");
                const double y0 = out.back(), y1 = seg[p + 2];
                for (size_t k = 1; k <= n; ++k)
                    out.push_back(static_cast<uint16_t>(std::lround(y0 + (y1 - y0) * double(k) / n)));
                p += 3;
            } else if (type == 2) {
                if (depth > 0 || p + 3 >= seg.size())
                    throw Error("segmented palette: nested indirect segment");
                const size_t offset = seg[p + 2] | (static_cast<size_t>(seg[p + 3]) << 16);
                self(self, offset, n, depth + 1);
                p += 4;
            } else {
                throw Error("segmented palette: unknown segment type " + std::to_string(type));
            }
        }
    };
    run(run, 0, 0, 0);
    out.resize(std::min(out.size(), entries));
    return out;
}

Lut readLut(DcmItem* item, const DcmTagKey& descriptorKey, const DcmTagKey& dataKey, const DcmTagKey& segmentedKey = DcmTagKey())
{
    Lut lut;
    long d[3] = {0, 0, 0};
    if (!descriptorOf(item, descriptorKey, d))
        return lut;
    const size_t entries = d[0] == 0 ? 65536u : static_cast<size_t>(d[0]);
    lut.firstMapped = static_cast<int>(d[1]);
    lut.bits = static_cast<int>(d[2]);
    std::vector<uint16_t> words = wordsOf(item, dataKey);
    if (words.empty() && segmentedKey != DcmTagKey())
        words = expandSegmented(wordsOf(item, segmentedKey), entries);
    if (words.empty())
        return lut;
    if (lut.bits <= 8 && words.size() * 2 == entries + (entries % 2)) {
        // 8-bit entries packed two per word, low byte first.
        lut.data.resize(entries);
        for (size_t k = 0; k < entries; ++k)
            lut.data[k] = static_cast<uint16_t>((words[k / 2] >> ((k % 2) * 8)) & 0xFF);
    } else {
        words.resize(std::min(words.size(), entries));
        lut.data = std::move(words);
    }
    // Some writers put 8-bit values in a table that claims 16 bits (and vice versa).
    const uint16_t maxEntry = *std::max_element(lut.data.begin(), lut.data.end());
    if (lut.bits > 8 && maxEntry <= 0xFF && lut.data.size() > 1)
        lut.bits = 8;
    if (lut.bits <= 8 && maxEntry > 0xFF)
        lut.bits = 16;
    if (lut.bits <= 0 || lut.bits > 16)
        lut.bits = 16;
    lut.explanation = valueOf(item, DCM_LUTExplanation);
    return lut;
}

void readPlaneGeometry(DcmItem* item, FrameAttributes& fa)
{
    double p[3], o[6];
    if (vectorOf(item, DCM_ImagePositionPatient, p, 3)) {
        fa.position = {p[0], p[1], p[2]};
        fa.hasPosition = true;
    }
    if (vectorOf(item, DCM_ImageOrientationPatient, o, 6)) {
        Vec3 r{o[0], o[1], o[2]}, c{o[3], o[4], o[5]};
        const double nr = std::sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
        const double nc = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        if (nr > 1e-6 && nc > 1e-6) {
            for (int k = 0; k < 3; ++k) {
                r[k] /= nr;
                c[k] /= nc;
            }
            fa.rowDirection = r;
            fa.columnDirection = c;
            fa.hasOrientation = true;
        }
    }
}

void readRescale(DcmItem* item, FrameAttributes& fa)
{
    double v = 0;
    if (numberOf(item, DCM_RescaleSlope, v) && v != 0.0)
        fa.rescaleSlope = v;
    if (numberOf(item, DCM_RescaleIntercept, v))
        fa.rescaleIntercept = v;
}

// One item of the Shared or Per-frame Functional Groups Sequence (PS3.3 C.7.6.16).
void readFunctionalGroup(DcmItem* group, FrameAttributes& fa, InstanceInfo* info)
{
    if (!group)
        return;
    if (DcmItem* pos = sequenceItem(group, DCM_PlanePositionSequence))
        readPlaneGeometry(pos, fa);
    if (DcmItem* ori = sequenceItem(group, DCM_PlaneOrientationSequence))
        readPlaneGeometry(ori, fa);
    if (DcmItem* pvt = sequenceItem(group, DCM_PixelValueTransformationSequence)) {
        readRescale(pvt, fa);
        if (info && info->rescaleType.empty())
            info->rescaleType = valueOf(pvt, DCM_RescaleType);
    }
    if (DcmItem* voi = sequenceItem(group, DCM_FrameVOILUTSequence))
        readWindows(voi, fa.windows);
    if (DcmItem* pm = sequenceItem(group, DCM_PixelMeasuresSequence); pm && info) {
        double s[2];
        if (vectorOf(pm, DCM_PixelSpacing, s, 2) && s[0] > 0 && s[1] > 0) {
            info->rowSpacing = s[0];
            info->columnSpacing = s[1];
            info->hasPixelSpacing = true;
            info->spacingSource = "PixelSpacing";
        }
        double t = 0;
        if (numberOf(pm, DCM_SliceThickness, t))
            info->sliceThickness = t;
        if (numberOf(pm, DCM_SpacingBetweenSlices, t))
            info->spacingBetweenSlices = t;
    }
}

// Some writers pad a file with megabytes of zero bytes after the pixel data;
// DCMTK reads every 8 of them as an element, which takes seconds. When the
// file ends in zeros, this finds the end of the PixelData element so that
// only the real data is parsed. Returns 0 when there is nothing to cut.
uint64_t endBeforeZeroTrailer(const std::string& path, uint64_t size)
{
    std::ifstream in(path, std::ios::binary);
    const size_t probe = static_cast<size_t>(std::min<uint64_t>(size, 256));
    std::string tail(probe, '\0');
    in.seekg(static_cast<std::streamoff>(size - probe));
    in.read(tail.data(), static_cast<std::streamsize>(probe));
    if (probe < 256 || tail.find_first_not_of('\0') != std::string::npos)
        return 0;
    // The last non-zero byte, scanning backwards in blocks.
    uint64_t dataEnd = 0;
    const size_t block = 1 << 16;
    std::string buf(block, '\0');
    for (uint64_t end = size; end > 0 && dataEnd == 0;) {
        const uint64_t start = end > block ? end - block : 0;
        in.seekg(static_cast<std::streamoff>(start));
        in.read(buf.data(), static_cast<std::streamsize>(end - start));
        for (uint64_t i = end - start; i-- > 0;)
            if (buf[static_cast<size_t>(i)] != '\0') {
                dataEnd = start + i + 1;
                break;
            }
        end = start;
    }
    if (dataEnd == 0 || size - dataEnd < 4096)
        return 0;
    // The PixelData element that the zeros follow: its tag (either byte order)
    // and a length that ends at or after the last non-zero byte.
    const uint64_t window = std::min<uint64_t>(dataEnd, 64u << 20);
    std::string head(static_cast<size_t>(window), '\0');
    in.seekg(static_cast<std::streamoff>(dataEnd - window));
    in.read(head.data(), static_cast<std::streamsize>(window));
    const uint64_t base = dataEnd - window;
    auto u16 = [&](size_t p, bool le) { return le ? unsigned(uint8_t(head[p])) | unsigned(uint8_t(head[p + 1])) << 8 : unsigned(uint8_t(head[p])) << 8 | unsigned(uint8_t(head[p + 1])); };
    auto u32 = [&](size_t p, bool le) { return le ? u16(p, le) | uint32_t(u16(p + 2, le)) << 16 : uint32_t(u16(p, le)) << 16 | u16(p + 2, le); };
    for (size_t p = head.size() >= 12 ? head.size() - 12 : 0;; --p) {
        for (bool le : {true, false}) {
            if (p + 12 > head.size() || u16(p, le) != 0x7FE0 || u16(p + 2, le) != 0x0010)
                continue;
            const std::string vr = head.substr(p + 4, 2);
            uint64_t valueStart = 0, length = 0;
            if ((vr == "OB" || vr == "OW") && head[p + 6] == 0 && head[p + 7] == 0) {
                valueStart = p + 12;
                length = u32(p + 8, le);
            } else {
                valueStart = p + 8;
                length = u32(p + 4, le);
            }
            if (length == 0xFFFFFFFFu) {
                // Encapsulated: items up to the sequence delimiter.
                size_t q = static_cast<size_t>(valueStart);
                while (q + 8 <= head.size() && u16(q, le) == 0xFFFE && u16(q + 2, le) == 0xE000)
                    q += 8 + u32(q + 4, le);
                if (q + 8 <= head.size() && u16(q, le) == 0xFFFE && u16(q + 2, le) == 0xE0DD)
                    return base + q + 8;
                continue;
            }
            const uint64_t end = base + valueStart + length;
            if (end >= dataEnd - 1 && end <= size)
                return end;
        }
        if (p == 0)
            break;
    }
    return 0;
}

std::unique_ptr<DcmFileFormat> loadFromMemory(const std::string& path, uint64_t length, E_TransferSyntax xfer, E_FileReadMode mode,
                                              OFCondition& status)
{
    std::ifstream in(path, std::ios::binary);
    std::string bytes(static_cast<size_t>(length), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(length));
    DcmInputBufferStream stream;
    stream.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
    stream.setEos();
    auto file = std::make_unique<DcmFileFormat>();
    if (mode == ERM_dataset) {
        DcmDataset* ds = file->getDataset();
        ds->transferInit();
        status = ds->read(stream, xfer, EGL_noChange, 0xFFFFFFFEu);
        ds->transferEnd();
    } else {
        file->setReadMode(mode);
        file->transferInit();
        status = file->read(stream, xfer, EGL_noChange, 0xFFFFFFFEu);
        file->transferEnd();
    }
    return file;
}

} // namespace

// The transfer syntax UID of the meta header when DCMTK does not know it (DCMTK then
// reads the data set as it finds it); "" for a syntax it knows or no UID.
std::string unknownDeclaredSyntax(DcmFileFormat& file)
{
    const std::string declared = trimmed(stringOf(file.getMetaInfo(), DCM_TransferSyntaxUID));
    return !declared.empty() && DcmXfer(declared.c_str()).getXfer() == EXS_Unknown ? declared : std::string();
}

bool looksLikeDicom(const std::string& path)
{
    return startKind(readHead(path, 132)) != StartKind::None;
}

std::unique_ptr<DcmFileFormat> loadFile(const std::string& path, bool withPixels)
{
    ensureDcmtkReady();
    requireRegularFile(path);
    // One look at the file: size, the first 132 bytes, the last 256.
    std::ifstream probe(path, std::ios::binary | std::ios::ate);
    if (!probe)
        throw Error("file not found or not readable", path);
    const std::streamoff size = probe.tellg();
    if (size <= 0)
        throw Error("file is empty", path);
    std::string head(static_cast<size_t>(std::min<std::streamoff>(size, 132)), '\0');
    probe.seekg(0);
    probe.read(head.data(), static_cast<std::streamsize>(head.size()));
    bool zeroTail = false;
    if (size >= 8192) {
        std::string tail(256, '\0');
        probe.seekg(size - 256);
        probe.read(tail.data(), 256);
        zeroTail = tail.find_first_not_of('\0') == std::string::npos;
    }
    probe.close();
    const StartKind kind = startKind(head);
    const uint64_t cut = zeroTail && kind != StartKind::None ? endBeforeZeroTrailer(path, static_cast<uint64_t>(size)) : 0;
    E_TransferSyntax xfer = EXS_Unknown;
    E_FileReadMode mode = ERM_autoDetect;
    std::string overrun; // a value running past the end, should DCMTK's read fail
    switch (kind) {
    case StartKind::None:
        throw Error("not a DICOM file (no 'DICM' marker at offset 128 and no data set at the start)", path,
                    FailureKind::NotDicom);
    case StartKind::Preamble:
    case StartKind::MetaNoPreamble:
        overrun = checkDeclaredLengths(path, cut, kind == StartKind::Preamble ? 132 : 0, true, false);
        break;
    case StartKind::DataSetLittle:
        // No meta header: the VR field tells explicit from implicit VR.
        xfer = (std::isupper(byteAt(head, 4)) && std::isupper(byteAt(head, 5))) ? EXS_LittleEndianExplicit
                                                                                : EXS_LittleEndianImplicit;
        mode = ERM_dataset;
        overrun = checkDeclaredLengths(path, cut, std::string::npos, xfer == EXS_LittleEndianExplicit, false);
        break;
    case StartKind::DataSetBig:
        xfer = EXS_BigEndianExplicit;
        mode = ERM_dataset;
        // DCMTK reads the data set as it is told, explicit VR big endian, element by element: one
        // whose VR is not one is re-read as implicit VR little endian (the walk's header() does
        // the same), the next is tried as explicit VR big endian again.
        overrun = checkDeclaredLengths(path, cut, std::string::npos, true, true);
        break;
    }
    std::unique_ptr<DcmFileFormat> file;
    OFCondition status;
    try {
        if (cut > 0) {
            file = loadFromMemory(path, cut, xfer, mode, status);
        } else if (withPixels && size < (std::streamoff(1) << 21)) {
            // A small file, all of it needed: one read, then parsing in memory
            // (DCMTK's file stream reads element by element). Large files are
            // read by DCMTK straight into the pixel data buffer instead.
            file = loadFromMemory(path, static_cast<uint64_t>(size), xfer, mode, status);
        } else {
            // Header only: large values (pixel data) stay on disk until asked for.
            file = std::make_unique<DcmFileFormat>();
            status = file->loadFile(path.c_str(), xfer, EGL_noChange, withPixels ? 0xFFFFFFFEu : DCM_MaxReadLength, mode);
        }
    } catch (const std::bad_alloc&) {
        throw Error("not enough memory to read the file", path);
    } catch (const std::exception& e) {
        // DCMTK 3.6.7 lets a standard-library exception escape on some malformed
        // values (found by fuzz_dicomdir: DcmByteString::verify on a damaged
        // DirectoryRecordType).
        throw Error("the file is corrupt: DCMTK failed while parsing it (" + firstLine(e.what()) + ")", path);
    }
    if (status.bad())
        throw Error(describe(status, overrun), path);
    if (!file->getDataset() || file->getDataset()->card() == 0)
        throw Error("the file holds no DICOM data set", path);
    return file;
}

E_TransferSyntax originalTransferSyntax(DcmFileFormat& file)
{
    return file.getDataset()->getOriginalXfer();
}

InstanceInfo readInstanceInfo(DcmFileFormat& file, const std::string& path)
{
    DcmDataset* ds = file.getDataset();
    InstanceInfo info;
    info.path = path;

    const E_TransferSyntax xfer = originalTransferSyntax(file);
    // A UID DCMTK does not know (it then reads the data set as it finds it): named by
    // the file, so that the decoder and the user see the syntax the file is in.
    const std::string declared = unknownDeclaredSyntax(file);
    if (!declared.empty()) {
        const NewerSyntax newer = newerSyntax(declared);
        info.transferSyntaxUid = declared;
        info.transferSyntaxName = decodesNewerSyntax(newer)     ? std::string(newerSyntaxName(newer))
                                  : newer != NewerSyntax::None ? std::string(newerSyntaxName(newer)) + " (" + declared + ")"
                                                               : "unknown (" + shown(declared) + ")";
    } else if (xfer != EXS_Unknown) {
        const DcmXfer x(xfer);
        info.transferSyntaxUid = x.getXferID();
        info.transferSyntaxName = x.getXferName();
    } else {
        info.transferSyntaxUid = stringOf(file.getMetaInfo(), DCM_TransferSyntaxUID);
        info.transferSyntaxName = info.transferSyntaxUid.empty() ? "unknown" : "unknown (" + info.transferSyntaxUid + ")";
    }

    info.patientName = stringOf(ds, DCM_PatientName);
    info.patientId = stringOf(ds, DCM_PatientID);
    info.patientBirthDate = stringOf(ds, DCM_PatientBirthDate);
    info.patientSex = stringOf(ds, DCM_PatientSex);
    info.studyInstanceUid = stringOf(ds, DCM_StudyInstanceUID);
    info.studyId = stringOf(ds, DCM_StudyID);
    info.studyDate = stringOf(ds, DCM_StudyDate);
    info.studyTime = stringOf(ds, DCM_StudyTime);
    info.studyDescription = stringOf(ds, DCM_StudyDescription);
    info.accessionNumber = stringOf(ds, DCM_AccessionNumber);
    info.seriesInstanceUid = stringOf(ds, DCM_SeriesInstanceUID);
    info.seriesDescription = stringOf(ds, DCM_SeriesDescription);
    info.modality = stringOf(ds, DCM_Modality);
    info.bodyPart = stringOf(ds, DCM_BodyPartExamined);
    info.seriesNumber = intOf(ds, DCM_SeriesNumber, 0);
    info.sopClassUid = stringOf(ds, DCM_SOPClassUID);
    if (info.sopClassUid.empty())
        info.sopClassUid = stringOf(file.getMetaInfo(), DCM_MediaStorageSOPClassUID);
    info.sopClassName = info.sopClassUid.empty() ? std::string() : dcmFindNameOfUID(info.sopClassUid.c_str(), info.sopClassUid.c_str());
    info.sopInstanceUid = stringOf(ds, DCM_SOPInstanceUID);
    info.instanceNumber = intOf(ds, DCM_InstanceNumber, 0);
    info.acquisitionNumber = intOf(ds, DCM_AcquisitionNumber, 0);
    info.echoNumber = intOf(ds, DCM_EchoNumbers, 0);
    info.temporalPosition = intOf(ds, DCM_TemporalPositionIdentifier, 0);
    info.imageType = stringOf(ds, DCM_ImageType);

    DcmElement* pixel = nullptr;
    info.hasPixelData = ds->findAndGetElement(DCM_PixelData, pixel).good() && pixel != nullptr;
    info.hasFloatPixelData = ds->tagExists(DCM_FloatPixelData) || ds->tagExists(DCM_DoubleFloatPixelData);
    info.rows = intOf(ds, DCM_Rows, 0);
    info.columns = intOf(ds, DCM_Columns, 0);
    info.samplesPerPixel = intOf(ds, DCM_SamplesPerPixel, 1);
    info.bitsAllocated = intOf(ds, DCM_BitsAllocated, 0);
    info.bitsStored = intOf(ds, DCM_BitsStored, info.bitsAllocated);
    info.highBit = intOf(ds, DCM_HighBit, info.bitsStored - 1);
    info.isSigned = intOf(ds, DCM_PixelRepresentation, 0) == 1;
    info.planarConfiguration = intOf(ds, DCM_PlanarConfiguration, 0);
    info.numberOfFrames = std::max(1, intOf(ds, DCM_NumberOfFrames, 1));
    info.photometric = stringOf(ds, DCM_PhotometricInterpretation);
    std::transform(info.photometric.begin(), info.photometric.end(), info.photometric.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (info.photometric.empty())
        info.photometric = info.samplesPerPixel == 3 ? "RGB" : "MONOCHROME2";
    double padding = 0;
    if (numberOf(ds, DCM_PixelPaddingValue, padding)) {
        info.hasPixelPadding = true;
        info.pixelPaddingValue = padding;
    }

    info.rescaleType = stringOf(ds, DCM_RescaleType);
    if (DcmItem* m = sequenceItem(ds, DCM_ModalityLUTSequence))
        info.modalityLut = readLut(m, DCM_LUTDescriptor, DCM_LUTData);
    for (int i = 0;; ++i) {
        DcmItem* v = sequenceItem(ds, DCM_VOILUTSequence, i);
        if (!v)
            break;
        Lut lut = readLut(v, DCM_LUTDescriptor, DCM_LUTData);
        if (!lut.empty())
            info.voiLuts.push_back(std::move(lut));
    }
    info.voiFunction = stringOf(ds, DCM_VOILUTFunction);
    if (info.photometric == "PALETTE COLOR") {
        info.redPalette = readLut(ds, DCM_RedPaletteColorLookupTableDescriptor, DCM_RedPaletteColorLookupTableData,
                                  DCM_SegmentedRedPaletteColorLookupTableData);
        info.greenPalette = readLut(ds, DCM_GreenPaletteColorLookupTableDescriptor, DCM_GreenPaletteColorLookupTableData,
                                    DCM_SegmentedGreenPaletteColorLookupTableData);
        info.bluePalette = readLut(ds, DCM_BluePaletteColorLookupTableDescriptor, DCM_BluePaletteColorLookupTableData,
                                   DCM_SegmentedBluePaletteColorLookupTableData);
    }

    double s[2];
    if (vectorOf(ds, DCM_PixelSpacing, s, 2) && s[0] > 0 && s[1] > 0) {
        info.rowSpacing = s[0];
        info.columnSpacing = s[1];
        info.hasPixelSpacing = true;
        info.spacingSource = "PixelSpacing";
    } else if (vectorOf(ds, DCM_ImagerPixelSpacing, s, 2) && s[0] > 0 && s[1] > 0) {
        info.rowSpacing = s[0];
        info.columnSpacing = s[1];
        info.hasPixelSpacing = true;
        info.spacingSource = "ImagerPixelSpacing";
    }
    double t = 0;
    if (numberOf(ds, DCM_SliceThickness, t))
        info.sliceThickness = t;
    if (numberOf(ds, DCM_SpacingBetweenSlices, t))
        info.spacingBetweenSlices = t;

    // Frame attributes: the file's top level, then the shared functional
    // groups, then each frame's own (enhanced objects).
    FrameAttributes base;
    readPlaneGeometry(ds, base);
    readRescale(ds, base);
    readWindows(ds, base.windows);
    if (numberOf(ds, DCM_DoseGridScaling, t) && t > 0 && !ds->tagExists(DCM_RescaleSlope))
        base.rescaleSlope = t; // dose in Gy = stored value x DoseGridScaling
    readFunctionalGroup(sequenceItem(ds, DCM_SharedFunctionalGroupsSequence), base, &info);
    info.frames.assign(static_cast<size_t>(info.numberOfFrames), base);
    if (sequenceItem(ds, DCM_PerFrameFunctionalGroupsSequence)) {
        for (int f = 0; f < info.numberOfFrames; ++f)
            readFunctionalGroup(sequenceItem(ds, DCM_PerFrameFunctionalGroupsSequence, f), info.frames[static_cast<size_t>(f)],
                                f == 0 ? &info : nullptr);
    } else if (info.numberOfFrames > 1 && base.hasPosition &&
               valueCount(ds, DCM_GridFrameOffsetVector) == static_cast<unsigned long>(info.numberOfFrames)) {
        // RT dose and similar: frame k lies at position + offset[k] along the normal.
        const Vec3 n = base.normal();
        for (int f = 0; f < info.numberOfFrames; ++f) {
            double offset = 0;
            numberOf(ds, DCM_GridFrameOffsetVector, offset, static_cast<unsigned long>(f));
            FrameAttributes& fa = info.frames[static_cast<size_t>(f)];
            for (int k = 0; k < 3; ++k)
                fa.position[static_cast<size_t>(k)] = base.position[static_cast<size_t>(k)] + offset * n[static_cast<size_t>(k)];
        }
    }
    if (info.hasPixelData) {
        // The cap, before anything is allocated for the pixels (in floating point:
        // Rows x Columns x samples x bits x frames can overflow 64 bits).
        const double bits = static_cast<double>(std::max(info.rows, 0)) * std::max(info.columns, 0) *
                            std::max(info.samplesPerPixel, 1) * std::max(info.bitsAllocated, 0) *
                            std::max(info.numberOfFrames, 1);
        checkImageBytes(bits / 8 > 1e18 ? uint64_t(1e18) : static_cast<uint64_t>(bits / 8), "the pixel data",
                        std::to_string(info.rows) + " x " + std::to_string(info.columns) + " x " +
                            std::to_string(info.samplesPerPixel) + " samples x " + std::to_string(info.bitsAllocated) +
                            " bits x " + std::to_string(info.numberOfFrames) + " frames",
                        path);
    }
    return info;
}

} // namespace sinar::dicom::detail
