// Reproducers for the input classes behind the DICOM parser CVEs of 2022-26:
// pixel-module size arithmetic, contradictory bit depths, declared lengths
// past the end, odd undefined lengths, RLE and JPEG-LS streams that lie, a
// deflate bomb, DICOMDIR paths pointing outside the medium, an .npz that
// declares gigabytes. Each crafted file is opened in a child process (as
// sinar-cli would) and must be refused with a clear sinar::Error, within the
// time and memory the design promises (2 s and 1 GB in a release build;
// checked here with slack for a loaded machine).
#include <QtTest>
#include <functional>
#include <random>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "common/error.h"
#include "data/npz_reader.h"
#include "dicom/dicom_reader.h"
#include "dicom/dicomdir_reader.h"
#include "test_support.h"

using namespace sinar;

namespace {

// Explicit VR little endian element.
std::string el(uint16_t group, uint16_t element, const char* vr, const std::string& value, uint32_t forcedLength = 0)
{
    std::string out;
    auto u16 = [&](uint32_t v) { out += char(v & 0xFF); out += char((v >> 8) & 0xFF); };
    auto u32 = [&](uint32_t v) { u16(v & 0xFFFF); u16(v >> 16); };
    u16(group);
    u16(element);
    out += vr;
    const uint32_t length = forcedLength ? forcedLength : static_cast<uint32_t>(value.size());
    const std::string v(vr);
    if (v == "OB" || v == "OW" || v == "SQ" || v == "UN" || v == "UT") {
        u16(0);
        u32(length);
    } else {
        u16(length);
    }
    return out + value;
}

// Implicit VR little endian element (tag, 4-byte length, value).
std::string implicitElement(uint16_t group, uint16_t element, const std::string& value, uint32_t forcedLength = 0)
{
    std::string out;
    auto u16 = [&](uint32_t v) { out += char(v & 0xFF); out += char((v >> 8) & 0xFF); };
    u16(group);
    u16(element);
    const uint32_t n = forcedLength ? forcedLength : static_cast<uint32_t>(value.size());
    u16(n & 0xFFFF);
    u16(n >> 16);
    return out + value;
}

std::string us(uint16_t v)
{
    return std::string{char(v & 0xFF), char(v >> 8)};
}

std::string ui(std::string s)
{
    if (s.size() % 2)
        s += '\0';
    return s;
}

// A Part 10 file: preamble, meta group ending with `syntaxElement`, then `dataset`.
std::string part10WithSyntaxElement(const std::string& syntaxElement, const std::string& dataset)
{
    std::string meta = el(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                       el(0x0002, 0x0002, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) +
                       el(0x0002, 0x0003, "UI", ui("1.2.3.4.5")) + syntaxElement;
    std::string length;
    const uint32_t n = static_cast<uint32_t>(meta.size());
    length = std::string{char(n & 0xFF), char((n >> 8) & 0xFF), char((n >> 16) & 0xFF), char(n >> 24)};
    return std::string(128, '\0') + "DICM" + el(0x0002, 0x0000, "UL", length) + meta + dataset;
}

// A Part 10 file with the transfer syntax `syntax` (no (0002,0010) when empty).
std::string part10(const std::string& syntax, const std::string& dataset)
{
    return part10WithSyntaxElement(syntax.empty() ? std::string() : el(0x0002, 0x0010, "UI", ui(syntax)), dataset);
}

std::string imageModule(uint16_t rows, uint16_t cols, uint16_t allocated, uint16_t stored, uint16_t high,
                        const std::string& frames = "1")
{
    return el(0x0008, 0x0016, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) + el(0x0028, 0x0002, "US", us(1)) +
           el(0x0028, 0x0004, "CS", "MONOCHROME2 ") + el(0x0028, 0x0008, "IS", frames.size() % 2 ? frames + " " : frames) +
           el(0x0028, 0x0010, "US", us(rows)) + el(0x0028, 0x0011, "US", us(cols)) +
           el(0x0028, 0x0100, "US", us(allocated)) + el(0x0028, 0x0101, "US", us(stored)) +
           el(0x0028, 0x0102, "US", us(high)) + el(0x0028, 0x0103, "US", us(0));
}

const char* kExplicit = "1.2.840.10008.1.2.1";

std::string encapsulated(const std::vector<std::string>& fragments)
{
    std::string out = el(0x7FE0, 0x0010, "OB", "", 0xFFFFFFFFu);
    out += std::string("\xFE\xFF\x00\xE0\0\0\0\0", 8); // empty offset table
    for (const std::string& f : fragments) {
        const uint32_t n = static_cast<uint32_t>(f.size());
        out += std::string("\xFE\xFF\x00\xE0", 4) +
               std::string{char(n & 0xFF), char((n >> 8) & 0xFF), char((n >> 16) & 0xFF), char(n >> 24)} + f;
    }
    return out + std::string("\xFE\xFF\xDD\xE0\0\0\0\0", 8);
}

struct Outcome {
    bool refused = false;   // a sinar::Error
    QString message;        // its text, or what else happened
    double seconds = 0;
    long maxRssMb = 0;
};

// Runs `open` in a child process: its outcome, wall time and peak memory.
Outcome inChild(const std::function<void()>& open)
{
    int fds[2];
    if (::pipe(fds) != 0)
        return {false, "pipe failed"};
    QElapsedTimer t;
    t.start();
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        ::alarm(120); // a hang ends as "killed by signal 14" instead of stalling the suite
        std::string report;
        int code = 2;
        try {
            open();
            report = "it opened without an error";
        } catch (const Error& e) {
            report = e.what();
            code = 0;
        } catch (const std::exception& e) {
            report = std::string("not a sinar::Error: ") + e.what();
        }
        (void)!::write(fds[1], report.data(), report.size());
        ::_exit(code);
    }
    ::close(fds[1]);
    std::string report;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        report.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    Outcome o;
    o.seconds = t.elapsed() / 1000.0;
    o.maxRssMb = usage.ru_maxrss / 1024;
    o.refused = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    o.message = QString::fromStdString(report);
    if (WIFSIGNALED(status))
        o.message = QString("killed by signal %1").arg(WTERMSIG(status));
    return o;
}

// The bytes of `path` with `value` written `offset` bytes after the first `pattern`; empty if
// the file cannot be read or holds no `pattern`.
std::string edited(const QString& path, const std::string& pattern, size_t offset, const std::string& value)
{
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly))
        return {};
    std::string bytes = in.readAll().toStdString();
    const size_t at = bytes.find(pattern);
    if (at == std::string::npos || at + offset + value.size() > bytes.size())
        return {};
    return bytes.replace(at + offset, value.size(), value);
}

void openDicom(const std::string& path)
{
    const dicom::DicomReader reader(path, 1);
    for (int i = 0; i < reader.frameCount() && i < 2; ++i)
        reader.frame(i);
}

} // namespace

class TestHostileFiles : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    void expectRefused(const QString& name, const std::string& bytes, const QStringList& mentions,
                       const std::function<void(const std::string&)>& open = openDicom)
    {
        const QString path = tmp_.filePath(name);
        test::writeFile(path, bytes);
        const Outcome o = inChild([&] { open(path.toStdString()); });
        qInfo("%s: %.2f s, %ld MB peak: %s", qPrintable(name), o.seconds, o.maxRssMb, qPrintable(o.message));
        QVERIFY2(o.refused, qPrintable(name + ": " + o.message));
        QVERIFY2(o.message.contains(name), qPrintable("the error does not name the file: " + o.message));
        for (const QString& m : mentions)
            QVERIFY2(o.message.contains(m, Qt::CaseInsensitive), qPrintable(QString("expected '%1' in: %2").arg(m, o.message)));
        QVERIFY2(o.maxRssMb < 1024, qPrintable(QString("%1 MB of memory").arg(o.maxRssMb)));
        QVERIFY2(o.seconds < 20, qPrintable(QString("%1 s").arg(o.seconds))); // 2 s on an idle machine
    }

private slots:
    void sizeArithmeticOverflows()
    {
        // 65535 x 65535 x 16 bits x 100000 frames: exabytes, with 8 bytes of pixels.
        expectRefused("overflow-frames.dcm",
                      part10(kExplicit, imageModule(65535, 65535, 16, 16, 15, "100000") +
                                            el(0x7FE0, 0x0010, "OW", std::string(8, '\0'))),
                      {"limit of 2 GiB"});
        // Just over the cap: 46341 x 46341 x 8 bits = 2.0000x GiB... times 2 frames.
        expectRefused("over-cap.dcm",
                      part10(kExplicit, imageModule(46341, 46341, 8, 8, 7, "2") + el(0x7FE0, 0x0010, "OB", std::string(8, '\0'))),
                      {"limit of 2 GiB", "46341"});
    }

    void contradictoryBitDepths()
    {
        const std::string pixels = el(0x7FE0, 0x0010, "OW", std::string(8 * 8 * 2, '\0'));
        expectRefused("stored-above-allocated.dcm", part10(kExplicit, imageModule(8, 8, 16, 20, 19) + pixels), {"BitsStored"});
        expectRefused("highbit-outside.dcm", part10(kExplicit, imageModule(8, 8, 16, 12, 3) + pixels), {"HighBit"});
        expectRefused("bits-allocated-zero.dcm", part10(kExplicit, imageModule(8, 8, 0, 0, 0) + pixels), {});
        expectRefused("bits-allocated-64.dcm", part10(kExplicit, imageModule(8, 8, 64, 64, 63) + pixels), {});
    }

    void lengthsPastTheEnd()
    {
        // A patient name claiming 3 GB in a 400-byte file (explicit VR: UT to get 32 bits).
        expectRefused("length-past-end.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x0010, 0x0010, "UT", "A", 0xC0000000u)),
                      {"declares", "truncated or corrupt"});
        // Pixel data shorter than Rows x Columns says.
        expectRefused("short-pixels.dcm",
                      part10(kExplicit, imageModule(512, 512, 16, 16, 15) + el(0x7FE0, 0x0010, "OW", std::string(100, '\0'))),
                      {"truncated"});
        // A bare data set (no meta) whose first element declares 3 GB (found by fuzz_image).
        expectRefused("bare-dataset.dcm",
                      std::string("\x08\x00\x08\x00\x00\x00\x00\xC0", 8) + std::string(160, '\xCA'), {"declares"});
    }

    // Damage DCMTK reports in general terms ("Invalid stream", "Tag not found", or a pixel
    // data element it cannot read), said where it is (found by the mutation sweep below).
    void damageNamedInTheMessage()
    {
        // A file cut inside its pixel data: the error says which element the file ends in
        // (DCMTK's own message names none).
        const std::string whole = part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", std::string(64, '\x40')));
        expectRefused("cut-in-pixel-data.dcm", whole.substr(0, whole.size() - 34),
                      {"the element (7FE0,0010) declares 64 bytes, but only 30 follow in the file: it is truncated or corrupt"});
        expectRefused("cut-in-a-header.dcm", whole.substr(0, whole.size() - 64 - 9),
                      {"the file ends 3 bytes into an element's header, at byte"});
        // Compressed pixel data (fragments) under an uncompressed transfer syntax: a transfer
        // syntax UID lost or wrong.
        expectRefused("fragments-in-native-syntax.dcm", part10(kExplicit, imageModule(8, 8, 8, 8, 7) + encapsulated({std::string(64, '\x40')})),
                      {"the pixel data is in fragments, as compressed pixel data is, but the transfer syntax is Little Endian Explicit"});
        // JPEG pixel data without HighBit, which DCMTK's decoder needs.
        SINAR_DATA_OR_SKIP(jpeg, "dicom/pydicom-test-files/SC_rgb_jpeg_gdcm.dcm");
        // HighBit's tag (0028,0102) made (0028,8202), an unknown one.
        const std::string bytes = edited(jpeg, std::string("\x28\x00\x02\x01US", 6), 2, std::string("\x02\x82", 2));
        QVERIFY(!bytes.empty());
        expectRefused("jpeg-without-high-bit.dcm", bytes,
                      {"cannot decode JPEG Lossless, Non-hierarchical, 1st Order Prediction pixel data: the image pixel module "
                       "lacks HighBit (0028,0102), which the decoder needs"});
    }

    // A JPEG frame whose size is not the pixel module's: DCMTK's decoder fills a buffer of the
    // module's size (found by the mutation sweep: Columns 65280 over a 256-wide frame opened as a
    // 449 MB image).
    void jpegFrameOfAnotherSize()
    {
        SINAR_DATA_OR_SKIP(source, "dicom/pydicom-test-files/JPGExtended.dcm");
        // Columns (0028,0011) made 65280.
        const std::string bytes = edited(source, std::string("\x28\x00\x11\x00US\x02\x00", 8), 8, std::string("\x00\xFF", 2));
        QVERIFY(!bytes.empty());
        expectRefused("jpeg-of-another-size.dcm", bytes,
                      {"the JPEG data of frame 1 holds 256 x 1024 pixels of 1 sample, but the pixel module says 65280 x 1024 of 1"});
    }

    // DCMTK's JPEG decoder walks a fragment's markers for its precision and loops forever on a
    // TEM marker (FF01) before the start-of-frame (found by the mutation sweep of the synthetic
    // seeds: an APP0 marker damaged to FF01).
    void jpegTemMarkerBeforeStartOfFrame()
    {
        const std::string fragment = std::string("\xFF\xD8\xFF\x01", 4) + std::string(60, '\0') + std::string("\xFF\xD9", 2);
        expectRefused("jpeg-tem-marker.dcm",
                      part10("1.2.840.10008.1.2.4.50", imageModule(8, 8, 8, 8, 7) + encapsulated({fragment})),
                      {"the JPEG data of fragment 1 is corrupt: a TEM marker (FF01) stands before its start-of-frame"});
        // Reached through fill bytes (FF FF), which DCMTK's walk steps over one byte at a time
        // (found by fuzz_dicom after the check above: a DQT segment followed by FF FF FF FF 01).
        const std::string filled = std::string("\xFF\xD8\xFF\xFF\xFF\xFF\x01", 7) + std::string(60, '\0') + std::string("\xFF\xD9", 2);
        expectRefused("jpeg-fill-then-tem-marker.dcm",
                      part10("1.2.840.10008.1.2.4.50", imageModule(8, 8, 8, 8, 7) + encapsulated({filled})),
                      {"the JPEG data of fragment 1 is corrupt: a TEM marker (FF01) stands before its start-of-frame"});
    }

    // DCMTK 3.6.7 reads the meta group's length element as a UL whatever VR the
    // file gives it (found by fuzzing DCMTK built with UBSan, fuzz/build-dcmtk.sh).
    void metaGroupLengthWithAnotherVr()
    {
        std::string file = part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", std::string(64, '\0')));
        QCOMPARE(file.substr(132, 6), std::string("\x02\x00\x00\x00UL", 6));
        file.replace(136, 2, "DS");
        expectRefused("meta-length-as-ds.dcm", file, {"(0002,0000)", "not UL"});
    }

    // An element written implicit inside an explicit VR data set: where its VR
    // should be stand the low bytes of its length. DCMTK (with Sinar's
    // settings) reads such an element again as implicit VR; the length walk
    // reads it the same way, so what it and the elements after it declare is
    // still checked before DCMTK allocates (the walk used to stop there).
    void implicitElementsInExplicitData()
    {
        const std::string creator = el(0x0029, 0x0010, "LO", "SINAR TEST");
        const std::string written = implicitElement(0x0029, 0x1001, "ABCDEFGH"); // "VR" 08 00: not a VR
        const std::string pixels = el(0x7FE0, 0x0010, "OB", std::string(64, '\x40'));
        // Otherwise well-formed: it opens.
        const QString ok = tmp_.filePath("implicit-element.dcm");
        test::writeFile(ok, part10(kExplicit, imageModule(8, 8, 8, 8, 7) + creator + written + pixels));
        const Outcome o = inChild([&] { openDicom(ok.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
        // An element declaring 3 GB after it, and an implicit element that itself declares 3 GB.
        expectRefused("after-implicit-element.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + creator + written + el(0x0029, 0x1003, "UT", "A", 0xC0000000u)),
                      {"(0029,1003)", "declares"});
        expectRefused("implicit-element-past-end.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + creator + implicitElement(0x0029, 0x1001, "AB", 0xC0000000u)),
                      {"(0029,1001)", "declares"});
        // Encapsulated fragments are data, not elements: bytes in a fragment that
        // look like an element declaring gigabytes do not refuse the file.
        const std::string lookalike = std::string("\x10\x00\x10\x00UT\0\0\0\0\0\xC0", 12) + std::string(20, '\0');
        const QString frag = tmp_.filePath("fragment-lookalike.dcm");
        test::writeFile(frag, part10("1.2.840.10008.1.2.4.50", imageModule(8, 8, 8, 8, 7) + encapsulated({lookalike})));
        const Outcome f = inChild([&] { openDicom(frag.toStdString()); });
        QVERIFY2(!f.message.contains("declares"), qPrintable(f.message));
    }

    // In a big endian data set too DCMTK re-reads such an element as implicit
    // VR little endian, its tag and its length (found by the DICOM fuzzer's
    // parse budget: the walk read the length big endian, 192 bytes, and DCMTK
    // allocated 0.9 GB).
    void implicitElementInBigEndianData()
    {
        // 10 00 10 00: (1000,1000) big endian, (0010,0010) as DCMTK re-reads it; then 00 00 00 C0.
        const std::string element = std::string("\x10\x00\x10\x00\x00\x00\x00\xC0", 8) + std::string(200, 'A');
        expectRefused("big-endian-implicit-element.dcm", part10("1.2.840.10008.1.2.2", element),
                      {"(0010,0010)", "declares 3221225472 bytes"});
    }

    // Without a transfer syntax it knows, DCMTK guesses the data set's encoding
    // from its first element (DcmItem::checkTransferSyntax): here big endian,
    // as only (0008,0016) is in the dictionary, not (0800,1600). The walk used
    // to read such a data set as little endian (found by the DICOM fuzzer's
    // parse budget: DCMTK allocated 0.8 GB for a 1 kB file).
    void transferSyntaxGuessedAsDcmtkDoes()
    {
        const std::string sopClass = std::string("\x00\x08\x00\x16UI\x00\x1A", 8) + ui("1.2.840.10008.5.1.4.1.1.7");
        const std::string lying = std::string("\x10\x00\x10\x00\x00\x00\x00\xC0", 8) + std::string(200, 'A');
        expectRefused("guessed-big-endian.dcm", part10("", sopClass + lying), {"(0010,0010)", "declares 3221225472 bytes"});
        // A UID DCMTK does not know is guessed the same way.
        expectRefused("unknown-syntax.dcm", part10("1.2.3.999", sopClass + lying), {"(0010,0010)", "declares 3221225472 bytes"});
    }

    // A transfer syntax UID that is empty once DCMTK has read it (here two
    // NULs) is in DCMTK's table: its internal "Big Endian Implicit", and DCMTK
    // reads the data set so; only an absent or zero-length UID makes it guess.
    // The walk used to guess for both (found by the DICOM fuzzer's parse
    // budget: 32 MB from a 2.3 kB file).
    void emptyTransferSyntaxUid()
    {
        // Explicit VR little endian bytes: (0008,0016) UI. Read big endian implicit, the tag is
        // (0800,1600) and "UI" 1A 00 its length, 1.4 GB.
        const std::string dataSet = el(0x0008, 0x0016, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) + std::string(200, 'A');
        expectRefused("nul-syntax-uid.dcm", part10WithSyntaxElement(el(0x0002, 0x0010, "UI", std::string(2, '\0')), dataSet),
                      {"(0800,1600)", "declares 1430854144 bytes"});
        // A zero-length UID: DCMTK guesses explicit VR little endian from the first element, and
        // the file is what it seems (no pixel data: not an image).
        const QString guessed = tmp_.filePath("empty-syntax-uid.dcm");
        test::writeFile(guessed, part10WithSyntaxElement(el(0x0002, 0x0010, "UI", ""),
                                                         imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", std::string(64, '\x40'))));
        const Outcome o = inChild([&] { openDicom(guessed.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
    }

    // A data set without a meta group that starts with a big endian tag is read
    // as Sinar tells DCMTK to, explicit VR big endian, element by element: one
    // whose VR is not one is re-read as implicit VR little endian, and the next
    // is tried as big endian again. The walk used to read the whole data set as
    // implicit VR little endian when the first element had no VR (found by
    // fuzzing JPEG-LS seeds: DCMTK allocated 808 MB for a 26-byte file). Here
    // the second element claims 3 GB; read implicit little endian, 16,975 bytes.
    void bareBigEndianDataSetReadElementByElement()
    {
        const std::string noVr = std::string("\x00\x08\x00\x16", 4) + std::string(4, '\0');
        const std::string lying = std::string("\x00\x10\x00\x10OB\0\0\xC0\0\0\0", 12) + std::string(200, '\0');
        expectRefused("bare-big-endian.dcm", noVr + lying, {"(0010,0010)", "declares 3221225472 bytes"});
    }

    // DCMTK reads the file meta group as DcmMetaInfo::read does: in the encoding
    // its first element suggests (DcmItem::checkTransferSyntax, so big endian
    // too), and, when it starts with a group length (0002,0000) that has a
    // value, up to the end that value gives whatever groups lie inside, even
    // when the length element holds more than one value. The walk used to read
    // the meta group as little endian and bounded only by a 4-byte group length
    // (found by fuzzing JPEG-LS seeds: DCMTK allocated 16 MB for a 231-byte
    // file). Here an element of the data set's group 0010, little endian, claims
    // 3 GB: read as the data set (big endian, as the old walk read it), it
    // claims 192 bytes.
    void metaGroupReadAsDcmtkReadsIt()
    {
        auto u32 = [](uint32_t v, bool big) {
            std::string out(4, '\0');
            for (int i = 0; i < 4; ++i)
                out[big ? 3 - i : i] = char((v >> (8 * i)) & 0xFF);
            return out;
        };
        auto elBig = [&](uint16_t group, uint16_t element, const char* vr, const std::string& value) {
            const std::string tag{char(group >> 8), char(group & 0xFF), char(element >> 8), char(element & 0xFF)};
            const uint32_t n = static_cast<uint32_t>(value.size());
            if (std::string(vr) == "OB")
                return tag + vr + std::string(2, '\0') + u32(n, true) + value;
            return tag + vr + std::string{char(n >> 8), char(n & 0xFF)} + value;
        };
        // Zeros after it read as empty elements whichever way they are read.
        const std::string lying = el(0x0010, 0x0010, "OB", std::string(200, '\0'), 0xC0000000u);
        // A big endian meta group naming explicit VR little endian.
        const std::string bigMeta = elBig(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                                    elBig(0x0002, 0x0002, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) +
                                    elBig(0x0002, 0x0003, "UI", ui("1.2.3.4.5")) + elBig(0x0002, 0x0010, "UI", ui(kExplicit));
        expectRefused("big-endian-meta.dcm",
                      std::string(128, '\0') + "DICM" + elBig(0x0002, 0x0000, "UL", u32(uint32_t(bigMeta.size()), true)) +
                          bigMeta + lying,
                      {"(0010,0010)", "declares 3221225472 bytes"});
        // A group length of two values whose first takes in the lying element's header; the data
        // set would be explicit VR big endian.
        const std::string meta = el(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                                 el(0x0002, 0x0002, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) +
                                 el(0x0002, 0x0003, "UI", ui("1.2.3.4.5")) + el(0x0002, 0x0010, "UI", ui("1.2.840.10008.1.2.2"));
        const auto twoValues = [&](uint32_t first) { return el(0x0002, 0x0000, "UL", u32(first, false) + u32(0, false)); };
        expectRefused("group-length-of-two-values.dcm",
                      std::string(128, '\0') + "DICM" + twoValues(uint32_t(meta.size() + 12)) + meta + lying,
                      {"(0010,0010)", "declares 3221225472 bytes"});
        // A sequence in the meta group that runs a little past the file's end: DCMTK reads its
        // item, and the element inside claiming 3 GB, before it says the file is short; the walk
        // used to stop at the sequence (found by fuzzing JPEG-LS seeds: 1.7 GB from 650 bytes).
        const std::string item = implicitElement(0xFFFE, 0xE000, el(0x0010, 0x0010, "OB", std::string(8, '\0'), 0xC0000000u));
        const std::string shortSequence = el(0x0008, 0x1140, "SQ", item, uint32_t(item.size() + 64));
        expectRefused("meta-sequence-past-the-end.dcm",
                      std::string(128, '\0') + "DICM" + twoValues(uint32_t(meta.size() + 4096)) + meta + shortSequence,
                      {"(0010,0010)", "declares 3221225472 bytes"});
        // A first meta element that is a sequence holding a tag that is not an item: DCMTK reads
        // that tag and a 4-byte length as an item's, its read fails, and it takes the failure for
        // a missing group length and reads the meta group on from there, here into a 3 GB
        // element; the walk read the tag as an element of 20 bytes, past the 3 GB one (found by
        // fuzzing JPEG-LS seeds: 512 MB from 213 bytes).
        const std::string notAnItem = std::string("\x02\x00\x01\x00\x14\x00\x00\x00", 8);
        const std::string hidden = el(0x0002, 0x0003, "OB", "", 0xC0000000u) + std::string(8, '\0');
        expectRefused("meta-sequence-without-items.dcm",
                      std::string(128, '\0') + "DICM" + el(0x0002, 0x0100, "SQ", notAnItem + hidden) + std::string(16, '\0'),
                      {"(0002,0003)", "declares 3221225472 bytes"});
        // A group length of 2 bytes has no value: DCMTK refuses the file, the walk says why.
        expectRefused("group-length-of-2-bytes.dcm",
                      std::string(128, '\0') + "DICM" + el(0x0002, 0x0000, "UL", us(uint16_t(meta.size()))) + meta,
                      {"(0002,0000)", "has 2 bytes, too few for its 4-byte value"});
        // Well formed, with a group length of two values that ends at the meta group's end: the
        // image opens.
        const QString fine = tmp_.filePath("group-length-two-values-fine.dcm");
        const std::string image = imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", std::string(64, '\x40'));
        const std::string littleMeta = el(0x0002, 0x0001, "OB", std::string("\0\1", 2)) +
                                       el(0x0002, 0x0002, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) +
                                       el(0x0002, 0x0003, "UI", ui("1.2.3.4.5")) + el(0x0002, 0x0010, "UI", ui(kExplicit));
        test::writeFile(fine, std::string(128, '\0') + "DICM" + twoValues(uint32_t(littleMeta.size())) + littleMeta + image);
        const Outcome o = inChild([&] { openDicom(fine.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
    }

    // DCMTK reads the elements of an item of defined length while it has read
    // fewer bytes than the length: an element whose header crosses the item's
    // end is read whole (a warning), and the item, and a sequence whose item
    // crosses its end, end where that element ends. The walk used to go on at
    // the declared ends (found by a CI fuzzing run's parse budget: 38 MB from a
    // 1.8 kB file).
    void elementCrossingTheEndOfItsItem()
    {
        const std::string first = el(0x0008, 0x1150, "UI", ui("1.2.3")); // 14 bytes
        const std::string second = el(0x0008, 0x1155, "UI", ui("1.2.3.4")); // 16 bytes
        auto item = [](const std::string& content, uint32_t length) { return implicitElement(0xFFFE, 0xE000, content, length); };
        // The item declares 16 bytes: the second element's header starts 2 bytes before its end.
        const std::string sequence = el(0x0008, 0x1140, "SQ", item(first + second, 16), 8 + 16);
        const std::string pixels = el(0x7FE0, 0x0010, "OB", std::string(64, '\x40'));
        expectRefused("crossing-element.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + sequence + el(0x0010, 0x0010, "UT", "A", 0xC0000000u)),
                      {"(0010,0010)", "declares 3221225472 bytes"});
        // The same item with its length right opens.
        const QString ok = tmp_.filePath("item-length-right.dcm");
        test::writeFile(ok, part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x0008, 0x1140, "SQ", item(first + second, 30)) + pixels));
        const Outcome o = inChild([&] { openDicom(ok.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
    }

    // DCMTK searches an item's private creators one by one for every private
    // element: 60,000 creators and 60,000 elements of a block none declares
    // took it 44 s (a 1 MB file). The walk counts that work as it counts the
    // work of sorting elements into order.
    void privateCreatorsSearchedOneByOne()
    {
        std::string dataSet = el(0x0008, 0x0016, "UI", ui("1.2.840.10008.5.1.4.1.1.7"));
        uint16_t group = 0x0009;
        for (int n = 0; n < 60000; group += 2)
            for (uint16_t e = 0x10; e <= 0xFF; ++e, ++n)
                dataSet += el(group, e, "LO", "X ");
        for (uint16_t i = 0; i < 60000; ++i)
            dataSet += el(group, static_cast<uint16_t>(0x1000 + i), "SH", "");
        expectRefused("private-creators.dcm", part10(kExplicit, dataSet), {"private creators", "one by one"});
    }

    // Whether DCMTK reads a value of an implicit VR data set as a sequence is
    // its dictionary's word: for a private element, the entry of the creator
    // its item declared before it. Here (0009,1000) is a sequence under the
    // creator DCMTK_ANONYMIZER (DCMTK's private dictionary) and an ordinary
    // value under any other, whatever bytes it starts with.
    void privateSequencesFollowTheirCreator()
    {
        // An item of 16 bytes holding (0010,0010) that declares 3 GB.
        const std::string value = implicitElement(0xFFFE, 0xE000, implicitElement(0x0010, 0x0010, "ABCDEFGH", 0xC0000000u));
        auto dataSet = [&](const std::string& creator) {
            std::string out;
            for (const auto& [g, e, v] : std::vector<std::tuple<uint16_t, uint16_t, std::string>>{
                     {0x0008, 0x0016, ui("1.2.840.10008.5.1.4.1.1.7")}, {0x0009, 0x0010, creator}, {0x0009, 0x1000, value},
                     {0x0028, 0x0002, us(1)}, {0x0028, 0x0004, "MONOCHROME2 "}, {0x0028, 0x0010, us(8)},
                     {0x0028, 0x0011, us(8)}, {0x0028, 0x0100, us(8)}, {0x0028, 0x0101, us(8)}, {0x0028, 0x0102, us(7)},
                     {0x0028, 0x0103, us(0)}, {0x7FE0, 0x0010, std::string(64, '\x40')}})
                out += implicitElement(g, e, v);
            return part10("1.2.840.10008.1.2", out);
        };
        expectRefused("private-sequence.dcm", dataSet("DCMTK_ANONYMIZER"), {"(0010,0010)", "declares 3221225472 bytes"});
        const QString other = tmp_.filePath("private-value.dcm");
        test::writeFile(other, dataSet("SOMEBODY ELSE "));
        const Outcome o = inChild([&] { openDicom(other.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
    }

    // Pixel data written as SQ, or as UN, of undefined length is a sequence to
    // DCMTK (its VR decides, not its tag): items of elements, not fragments.
    // The walk took it for fragments and left their elements unchecked.
    void pixelDataWrittenAsSequence()
    {
        const std::string undefinedItem = implicitElement(0xFFFE, 0xE000, "", 0xFFFFFFFFu);
        expectRefused("pixel-data-sq.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "SQ", "", 0xFFFFFFFFu) + undefinedItem +
                                            el(0x0010, 0x0010, "UT", "A", 0xC0000000u) + std::string(200, 'A')),
                      {"(0010,0010)", "declares 3221225472 bytes"});
        expectRefused("pixel-data-un.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "UN", "", 0xFFFFFFFFu) + undefinedItem +
                                            implicitElement(0x0010, 0x0010, "A", 0xC0000000u) + std::string(200, 'A')),
                      {"(0010,0010)", "declares 3221225472 bytes"});
        // Pixel data with a VR pixel data never has: DCMTK makes another kind of element of it,
        // which Sinar took for pixel data (found by fuzz_dicom: a downcast UBSan reported).
        expectRefused("pixel-data-pn.dcm", part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "PN", std::string(64, 'A'))),
                      {"the pixel data element (7FE0,0010) has the VR PN, which pixel data never has"});
    }

    // A UN of undefined length holds implicit VR little endian items (CP-246)
    // in a big endian data set too, as DCMTK reads it; the walk read them big
    // endian.
    void unknownSequenceInBigEndianData()
    {
        const std::string un = std::string("\x00\x08\x11\x40UN\x00\x00\xFF\xFF\xFF\xFF", 12) +
                               implicitElement(0xFFFE, 0xE000, "", 0xFFFFFFFFu) + implicitElement(0x0010, 0x0010, "A", 0xC0000000u) +
                               std::string(200, 'A');
        expectRefused("big-endian-un.dcm", part10("1.2.840.10008.1.2.2", un), {"(0010,0010)", "declares 3221225472 bytes"});
    }

    // A tag of group FFFE that is not an item or a delimiter is an element to
    // DCMTK; the walk used to stop there and leave the rest unchecked (found
    // by the DICOM fuzzer's parse budget: 1.6 GB from a 5.7 kB file).
    void itemGroupTagThatIsNotAnItem()
    {
        const std::string element = std::string("\xFE\xFF\x4D\x65\x00\x00\x00\xC0", 8) + std::string(200, 'A');
        expectRefused("fffe-element.dcm", part10(kExplicit, imageModule(8, 8, 8, 8, 7) + element),
                      {"(FFFE,654D)", "declares 3221225472 bytes"});
    }

    void oddUndefinedLengths()
    {
        // Undefined length on a short-VR element (impossible) and on native pixel data.
        expectRefused("undefined-on-us.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x0028, 0x0030, "UN", "", 0xFFFFFFFFu) +
                                            std::string(30, '\x11')),
                      {});
        expectRefused("undefined-native-pixels.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", "", 0xFFFFFFFFu) +
                                            std::string(64, '\0')),
                      {});
        // An odd length on 16-bit pixel data.
        expectRefused("odd-length-pixels.dcm",
                      part10(kExplicit, imageModule(8, 8, 16, 16, 15) + el(0x7FE0, 0x0010, "OW", std::string(127, '\0'))),
                      {});
    }

    void codecStreamsThatLie()
    {
        // RLE: a header claiming 15 segments at offsets beyond the fragment.
        std::string rle(64, '\0');
        rle[0] = 15;
        for (int s = 0; s < 15; ++s)
            rle[4 + 4 * s] = char(0xF0);
        rle += std::string(16, '\x7F');
        expectRefused("rle-lies.dcm",
                      part10("1.2.840.10008.1.2.5", imageModule(64, 64, 8, 8, 7) + encapsulated({rle})), {});
        // JPEG-LS: a start-of-frame declaring 65535 x 65535 in a 40-byte stream, for a 64 x 64 image.
        const std::string jls = std::string("\xFF\xD8\xFF\xF7\x00\x0B\x08\xFF\xFF\xFF\xFF\x01\x01\x11\x00", 15) +
                                std::string(20, '\x55') + std::string("\xFF\xD9", 2);
        expectRefused("jpegls-lies.dcm",
                      part10("1.2.840.10008.1.2.4.80", imageModule(64, 64, 8, 8, 7) + encapsulated({jls})), {});
        // JPEG-LS whose scan declares interleave mode 94: DCMTK's CharLS would load it into an
        // enum of three values (found by fuzz_dicom with DCMTK instrumented).
        const std::string jlsMode = std::string("\xFF\xD8\xFF\xF7\x00\x0B\x08\x00\x40\x00\x40\x01\x01\x11\x00", 15) +
                                    std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x5E\x00", 10) + std::string(20, '\x55') +
                                    std::string("\xFF\xD9", 2);
        expectRefused("jpegls-interleave-94.dcm",
                      part10("1.2.840.10008.1.2.4.80", imageModule(64, 64, 8, 8, 7) + encapsulated({jlsMode})),
                      {"interleave mode is 94"});
        // JPEG-LS (24 x 20, 16 bits) whose entropy-coded data drives the Golomb parameter past 15:
        // DCMTK's CharLS 1.0 indexed its 16 decoding tables with it (a global buffer overflow
        // under ASan, found by fuzz_dicom with DCMTK instrumented, seeded with synthetic JPEG-LS).
        // CharLS 2 decodes JPEG-LS now and refuses the stream.
        const QByteArray golomb = QByteArray::fromHex(
            "ffd8fff7000b100018001401011100fff8000d01ffff0002000500090003ffda000801010000000040580f03606c0b83"
            "e0781c020e160c38a094e32c0281103205408805012024050340881a028040205406808681102a014018110a01160140"
            "481a186b0121916018110120442e383332333332382e32363735392e313739363230373034392e343738373138000200"
            "100055491600312e322e3834302e31303030382e312e322e342e35310200120055491c00312e322e3237362e302e3732"
            "33303031302e332e302e332e362e370002001300534810004f464649535f44434d544b5f333637200800080043530800"
            "4445524956454420080016005b55491a00312e322e3834302e31303030382e352e312e342e312e312e37000800180055"
            "493800312e322e3237362e302e373233303031302e332e312e342e383332333332382e32363735392e3137393632112b"
            "a9b01a0030082a65806046a812c0290dbe0280d088660249662b281d96b047421710ffd9");
        expectRefused("jpegls-golomb-parameter.dcm",
                      part10("1.2.840.10008.1.2.4.80",
                             imageModule(24, 20, 16, 12, 11) + encapsulated({golomb.toStdString()})),
                      {"JPEG-LS data of frame 1 is corrupt"});
        // A 64 x 64 JPEG file of one frame: `stream` up to its entropy-coded data, then filler and EOI.
        auto jpegFile = [](const char* syntax, const std::string& stream) {
            return part10(syntax, imageModule(64, 64, 8, 8, 7) +
                                      encapsulated({stream + std::string(200, '\x55') + std::string("\xFF\xD9", 2)}));
        };
        auto dhtWith = [](char symbol) {
            return std::string("\xFF\xD8\xFF\xC4\x00\x14\x00", 7) + std::string(1, '\x01') + std::string(15, '\0') +
                   std::string(1, symbol);
        };
        const std::string sof = std::string("\xFF\xC0\x00\x0B\x08\x00\x40\x00\x40\x01\x01\x11\x00", 13);
        // JPEG baseline whose DC Huffman table gives a coefficient size of 251: DCMTK's
        // libjpeg 6b would shift by it and index its 16-entry tables past the end
        // (found by fuzz_dicom with DCMTK instrumented).
        expectRefused("jpeg-dc-size-251.dcm",
                      jpegFile("1.2.840.10008.1.2.4.50", dhtWith('\xFB') + sof + std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10)),
                      {"DC Huffman table", "251"});
        // JPEG baseline whose scan selects DC Huffman table 15 of JPEG's four: libjpeg 6b would
        // index its 4-entry table arrays at 15 (found by fuzz_dicom with DCMTK instrumented).
        expectRefused("jpeg-table-15.dcm",
                      jpegFile("1.2.840.10008.1.2.4.50", dhtWith('\x05') + sof + std::string("\xFF\xDA\x00\x08\x01\x01\xF0\x00\x3F\x00", 10)),
                      {"Huffman table 15"});
        // JPEG-LS whose preset coding parameters give RESET 1: DCMTK's CharLS read outside a
        // table and, in Debian's build, aborted the process on an assertion (found by hand).
        expectRefused("jpegls-reset-1.dcm",
                      jpegFile("1.2.840.10008.1.2.4.80",
                               std::string("\xFF\xD8\xFF\xF7\x00\x0B\x08\x00\x40\x00\x40\x01\x01\x11\x00", 15) +
                                   std::string("\xFF\xF8\x00\x0D\x01\x00\xFF\x00\x00\x00\x00\x00\x00\x00\x01", 15) +
                                   std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x00\x00", 10)),
                      {"RESET 1 (3 to 255)"});
        // Lossless JPEG (process 14) whose scan's point transform, 10, is not below its 8-bit
        // precision: libjpeg 6b would shift by a negative amount (found by hand).
        const std::string sof3 = std::string("\xFF\xC3\x00\x0B\x08\x00\x40\x00\x40\x01\x01\x11\x00", 13);
        expectRefused("jpeg-lossless-point-transform.dcm",
                      jpegFile("1.2.840.10008.1.2.4.70", dhtWith('\x05') + sof3 + std::string("\xFF\xDA\x00\x08\x01\x01\x00\x01\x00\x0A", 10)),
                      {"point transform is 10", "precision of 8 bits"});
        // JPEG 2000 with a truncated codestream.
        expectRefused("j2k-truncated.dcm",
                      part10("1.2.840.10008.1.2.4.90",
                             imageModule(64, 64, 8, 8, 7) +
                                 encapsulated({std::string("\xFF\x4F\xFF\x51\x00\x29", 6) + std::string(30, '\0')})),
                      {});
    }

    void deflateBombIsMeasuredFirst()
    {
        // 3 GiB of zeros in about 3 MB: a pixel data element declaring it all.
        // One raw deflate stream: the data set header, then the zeros, fed 1 MiB at a time.
        const std::string header = imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", "", 0xC0000000u);
        z_stream zs{};
        deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
        std::string out;
        std::vector<char> buf(1 << 16);
        auto feed = [&](const std::string& chunk, int flush) {
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(chunk.data()));
            zs.avail_in = static_cast<uInt>(chunk.size());
            do {
                zs.next_out = reinterpret_cast<Bytef*>(buf.data());
                zs.avail_out = static_cast<uInt>(buf.size());
                deflate(&zs, flush);
                out.append(buf.data(), buf.size() - zs.avail_out);
            } while (zs.avail_out == 0);
        };
        feed(header, Z_NO_FLUSH);
        const std::string zeros(1 << 20, '\0');
        for (int i = 0; i < 3 * 1024; ++i)
            feed(zeros, i + 1 == 3 * 1024 ? Z_FINISH : Z_NO_FLUSH);
        deflateEnd(&zs);
        QVERIFY(out.size() < 8u << 20);
        expectRefused("deflate-bomb.dcm", part10("1.2.840.10008.1.2.1.99", out), {"decompression bomb", "deflated"});
    }

    // A deflated data set is inflated and its elements walked before DCMTK
    // reads them: a few kilobytes must not make it allocate what an inflated
    // element declares (found by replaying the fuzz corpus with
    // -malloc_limit_mb: 5 kB files made DCMTK allocate 0.7 to 1.8 GB).
    void deflatedElementsAreWalked()
    {
        const char* kDeflated = "1.2.840.10008.1.2.1.99";
        const std::string pixels = el(0x7FE0, 0x0010, "OB", std::string(64, '\x40'));
        // Well-formed: it opens.
        const QString ok = tmp_.filePath("deflated.dcm");
        test::writeFile(ok, part10(kDeflated, test::deflateRaw(imageModule(8, 8, 8, 8, 7) + pixels)));
        const Outcome o = inChild([&] { openDicom(ok.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
        // An inflated element declaring 3 GB.
        expectRefused("deflated-length-past-end.dcm",
                      part10(kDeflated, test::deflateRaw(imageModule(8, 8, 8, 8, 7) + el(0x0010, 0x0010, "UT", "A", 0xC0000000u) +
                                                   std::string(4000, 'A'))),
                      {"(0010,0010)", "declares", "in the inflated data set"});
    }

    // The meta group is read as DCMTK reads it: a value where the VR should be
    // makes the element implicit (a 4-byte length after the tag), and the
    // extended VRs (OF, UC, UR, ...) have 4-byte lengths. The walk used to read
    // both with a 2-byte length and left the rest to DCMTK, which allocated
    // what they declared (0.8 GB from a 745-byte fuzz input).
    void metaElementsDeclaringGigabytes()
    {
        const std::string dataset = imageModule(8, 8, 8, 8, 7) + el(0x7FE0, 0x0010, "OB", std::string(64, '\0'));
        std::string file = part10(kExplicit, dataset);
        // (0002,0001) OB 00 00 02 00 00 00 00 01 -> "O " 00 32: not a VR, read implicit.
        const size_t at = file.find(std::string("\x02\x00\x01\x00OB", 6));
        QVERIFY(at != std::string::npos);
        std::string implicitMeta = file;
        implicitMeta.replace(at + 4, 4, std::string("O \x00\x32", 4));
        expectRefused("meta-implicit-length.dcm", implicitMeta, {"(0002,0001)", "declares 838869071 bytes"});
        // (0002,0001) as OF: reserved bytes, then a 4-byte length of 3 GB.
        std::string extended = file;
        extended.replace(at + 4, 8, std::string("OF\x00\x00\x00\x00\x00\xC0", 8));
        expectRefused("meta-extended-length.dcm", extended, {"(0002,0001)", "declares 3221225472 bytes"});
    }

    // Values of defined length that DCMTK reads as sequences: UN, which Sinar's
    // settings convert to the dictionary's SQ (its items are implicit VR,
    // CP-246), and an implicit VR sequence. The walk used to skip both, and
    // DCMTK allocated what an element inside an item declared (found by the
    // DICOM fuzzer's parse budget: 0.8 GB from a 2 kB input).
    void lengthsInsideSequencesOfDefinedLength()
    {
        auto item = [](const std::string& content) { return implicitElement(0xFFFE, 0xE000, content); };
        // An item holding Dose Units (3004,0002) that declares 3 GB.
        const std::string lying = item(implicitElement(0x3004, 0x0002, "GY", 0xC0000000u));
        const std::string pixels = el(0x7FE0, 0x0010, "OB", std::string(64, '\x40'));
        // Referenced RT Plan Sequence (300C,0002) stored as UN.
        expectRefused("un-sequence.dcm",
                      part10(kExplicit, imageModule(8, 8, 8, 8, 7) + el(0x300C, 0x0002, "UN", lying) + pixels),
                      {"(3004,0002)", "declares 3221225472 bytes"});
        // The same sequence in an implicit VR data set.
        std::string implicitDataSet;
        for (const auto& [g, e, v] : std::vector<std::tuple<uint16_t, uint16_t, std::string>>{
                 {0x0008, 0x0016, ui("1.2.840.10008.5.1.4.1.1.7")}, {0x0028, 0x0002, us(1)}, {0x0028, 0x0004, "MONOCHROME2 "},
                 {0x0028, 0x0010, us(8)}, {0x0028, 0x0011, us(8)}, {0x0028, 0x0100, us(8)}, {0x0028, 0x0101, us(8)},
                 {0x0028, 0x0102, us(7)}, {0x0028, 0x0103, us(0)}, {0x300C, 0x0002, lying}, {0x7FE0, 0x0010, std::string(64, '\x40')}})
            implicitDataSet += implicitElement(g, e, v);
        expectRefused("implicit-sequence.dcm", part10("1.2.840.10008.1.2", implicitDataSet),
                      {"(3004,0002)", "declares 3221225472 bytes"});
        // Well-formed, the UN sequence opens.
        const QString ok = tmp_.filePath("un-sequence-ok.dcm");
        test::writeFile(ok, part10(kExplicit, imageModule(8, 8, 8, 8, 7) +
                                                  el(0x300C, 0x0002, "UN", item(implicitElement(0x3004, 0x0002, "GY"))) + pixels));
        const Outcome o = inChild([&] { openDicom(ok.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
    }

    // DCMTK sorts each element into its item's list, searching from the end:
    // a data set in descending tag order costs it n^2/2 steps (43 s for this
    // 1 MB file before the walk counted them). A few elements out of order, as
    // files from the field have, still open.
    void elementsOutOfOrder()
    {
        std::string descending;
        for (uint32_t i = 0; i < 130000; ++i) {
            const uint32_t tag = 0x70000000u - 2 * i;
            descending += el(static_cast<uint16_t>((tag >> 16) & ~1u), static_cast<uint16_t>(tag & 0xFFFF), "SH", "");
        }
        QVERIFY(descending.size() > 1000000);
        expectRefused("descending-tags.dcm", part10(kExplicit, descending), {"out of ascending tag order", "(6FFE,FFFE)"});
        // Rows and Columns after the bit depths, the pixel data before Photometric Interpretation.
        const std::string swapped = el(0x0008, 0x0016, "UI", ui("1.2.840.10008.5.1.4.1.1.7")) +
                                    el(0x0028, 0x0002, "US", us(1)) + el(0x0028, 0x0100, "US", us(8)) +
                                    el(0x0028, 0x0101, "US", us(8)) + el(0x0028, 0x0102, "US", us(7)) +
                                    el(0x0028, 0x0010, "US", us(8)) + el(0x0028, 0x0011, "US", us(8)) +
                                    el(0x0028, 0x0103, "US", us(0)) + el(0x7FE0, 0x0010, "OB", std::string(64, '\x40')) +
                                    el(0x0028, 0x0004, "CS", "MONOCHROME2 ");
        const QString ok = tmp_.filePath("few-out-of-order.dcm");
        test::writeFile(ok, part10(kExplicit, swapped));
        const Outcome o = inChild([&] { openDicom(ok.toStdString()); });
        QVERIFY2(!o.refused && o.message == "it opened without an error", qPrintable(o.message));
    }

    void dicomdirPathsStayInside()
    {
        // A DICOMDIR in media/ referencing ../outside.dcm and a component with a slash.
        QDir().mkpath(tmp_.filePath("media"));
        test::writeFile(tmp_.filePath("outside.dcm"), part10(kExplicit, imageModule(8, 8, 8, 8, 7) +
                                                                            el(0x7FE0, 0x0010, "OB", std::string(64, '\0'))));
        auto record = [](const std::string& fileId) {
            const std::string item = el(0x0004, 0x1430, "CS", "IMAGE ") + el(0x0004, 0x1500, "CS", fileId.size() % 2 ? fileId + " " : fileId);
            const uint32_t n = static_cast<uint32_t>(item.size());
            return std::string("\xFE\xFF\x00\xE0", 4) +
                   std::string{char(n & 0xFF), char((n >> 8) & 0xFF), char((n >> 16) & 0xFF), char(n >> 24)} + item;
        };
        const std::string records = record("..\\OUTSIDE.DCM") + record("../outside.dcm");
        const std::string dicomdir =
            part10(kExplicit, el(0x0004, 0x1220, "SQ", records, static_cast<uint32_t>(records.size())));
        const QString path = tmp_.filePath("media/DICOMDIR");
        test::writeFile(path, dicomdir);
        std::vector<FileFailure> missing;
        const auto files = dicom::DicomDirReader::referencedFiles(path.toStdString(), &missing);
        QVERIFY2(files.empty(), files.empty() ? "" : files.front().c_str());
        QCOMPARE(missing.size(), size_t(2));
        for (const auto& m : missing)
            QVERIFY2(QString::fromStdString(m.reason).contains("outside the DICOMDIR's folder"), m.reason.c_str());
    }

    // Real files of every transfer syntax and codec, each mutated many times (one to three
    // changes of test::mutate's kinds: flipped bits, boundary values in 16- and 32-bit
    // words, truncation, deleted or duplicated runs...): every copy either opens and
    // decodes or is refused with a sinar::Error naming the file, never a crash, another
    // exception, a hang or more than 1 GB. SINAR_MUTATIONS (per file; 40 by default) and
    // SINAR_MUTATION_SEED run a longer sweep outside CI, SINAR_MUTATION_FILES sweeps the files
    // of another folder instead; SINAR_MUTATIONS_VERBOSE prints each
    // outcome (with -maxwarnings 0 past QtTest's 2,000 messages), SINAR_MUTATIONS_KEEP names a
    // folder to keep the copies in.
    void mutatedRealFilesOpenOrAreRefused()
    {
        const char* files[] = {
            "MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "image_dfl.dcm", "MR_small_RLE.dcm",
            "SC_rgb_rle_16bit_2frame.dcm", "SC_rgb_small_odd_jpeg.dcm", "JPGExtended.dcm", "SC_rgb_jpeg_gdcm.dcm",
            "MR_small_jpeg_ls_lossless.dcm", "MR_small_jp2klossless.dcm", "JPEG2000.dcm", "rtdose_expb.dcm",
            "no_meta.dcm", "SC_ybr_full_422_uncompressed.dcm", "nested_priv_SQ.dcm"};
        const int perFile = qEnvironmentVariableIsSet("SINAR_MUTATIONS") ? qEnvironmentVariableIntValue("SINAR_MUTATIONS") : 40;
        const unsigned seed = qEnvironmentVariableIsSet("SINAR_MUTATION_SEED")
                                  ? static_cast<unsigned>(qEnvironmentVariableIntValue("SINAR_MUTATION_SEED"))
                                  : 12u;
        const bool verbose = qEnvironmentVariableIsSet("SINAR_MUTATIONS_VERBOSE");
        const QString keep = qEnvironmentVariable("SINAR_MUTATIONS_KEEP"); // a folder to keep every copy in
        std::mt19937 rng(seed);
        int opened = 0, refused = 0;
        double slowest = 0;
        long largestMb = 0;
        QStringList sources;
        const QString folder = qEnvironmentVariable("SINAR_MUTATION_FILES"); // other files to sweep
        if (!folder.isEmpty()) {
            for (const QFileInfo& f : QDir(folder).entryInfoList(QDir::Files, QDir::Name))
                sources << f.filePath();
            QVERIFY2(!sources.isEmpty(), qPrintable("no files in " + folder));
        } else {
            for (const char* name : files) {
                SINAR_DATA_OR_SKIP(source, QString("dicom/pydicom-test-files/") + name);
                sources << source;
            }
        }
        for (const QString& source : sources) {
            const QString name = QFileInfo(source).fileName();
            QFile in(source);
            QVERIFY2(in.open(QIODevice::ReadOnly), qPrintable(source));
            const QByteArray raw = in.readAll();
            const std::string bytes(raw.constData(), static_cast<size_t>(raw.size()));
            for (int i = 0; i < perFile; ++i) {
                std::string b = bytes, what;
                const int changes = std::uniform_int_distribution<int>(1, 3)(rng);
                for (int c = 0; c < changes; ++c) {
                    std::string one;
                    b = test::mutate(b, std::uniform_int_distribution<int>(0, test::kMutationKinds - 1)(rng), rng, one);
                    what += (what.empty() ? "" : "; ") + one;
                }
                const QString path = tmp_.filePath(QString("mutated-%1-%2").arg(i).arg(name));
                test::writeFile(path, b);
                if (!keep.isEmpty())
                    test::writeFile(QDir(keep).filePath(QFileInfo(path).fileName()), b);
                const Outcome o = inChild([&] {
                    const dicom::DicomReader reader(path.toStdString(), 1);
                    for (int f = 0; f < reader.frameCount() && f < 4; ++f)
                        reader.frame(f);
                });
                const QString label = QString("%1, mutation %2 (%3)").arg(name).arg(i).arg(QString::fromStdString(what));
                const bool ok = o.message == "it opened without an error";
                QVERIFY2(o.refused || ok, qPrintable(label + ": " + o.message));
                if (o.refused)
                    QVERIFY2(o.message.contains(path), qPrintable(label + ": the error does not name the file: " + o.message));
                QVERIFY2(o.maxRssMb < 1024, qPrintable(label + QString(": %1 MB of memory").arg(o.maxRssMb)));
                QVERIFY2(o.seconds < 20, qPrintable(label + QString(": %1 s").arg(o.seconds))); // 2 s on an idle machine
                if (verbose)
                    qInfo("%s: %.2f s, %ld MB: %s", qPrintable(label), o.seconds, o.maxRssMb, qPrintable(o.message));
                (o.refused ? refused : opened)++;
                slowest = std::max(slowest, o.seconds);
                largestMb = std::max(largestMb, o.maxRssMb);
                QFile::remove(path);
            }
        }
        qInfo("%d mutated copies of %lld files: %d opened, %d refused; slowest %.2f s, largest %ld MB peak",
              opened + refused, static_cast<long long>(sources.size()), opened, refused, slowest, largestMb);
    }

    void npzThatDeclaresGigabytes()
    {
        // A deflated member whose headers claim 4 GiB of uncompressed data.
        std::string npz = test::makeZip({{"train_images.npy", std::string(100, 'x')}}, true);
        const size_t local = npz.find("PK\x03\x04"); // the member's local header (the archive's first bytes)
        QCOMPARE(local, size_t(0));
        // Uncompressed size field of the local header (offset 22) and of the central directory entry (offset 24).
        auto put32 = [&](size_t at, uint32_t v) {
            for (int i = 0; i < 4; ++i)
                npz[at + i] = char((v >> (8 * i)) & 0xFF);
        };
        put32(local + 22, 0xFFFFFFF0u);
        const size_t central = npz.find("PK\x01\x02");
        QVERIFY(central != std::string::npos);
        put32(central + 24, 0xFFFFFFF0u);
        expectRefused("huge.npz", npz, {}, [](const std::string& p) {
            const data::NpzReader r(p);
            for (const auto& k : r.keys())
                r.read(k);
        });
    }
};

QTEST_GUILESS_MAIN(TestHostileFiles)
#include "test_hostile_files.moc"
