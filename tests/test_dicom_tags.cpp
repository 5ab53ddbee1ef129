// The full tag listing of real DICOM files.
#include <QtTest>

#include "common/error.h"
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

    void notDicomIsAnError()
    {
        SINAR_DATA_OR_SKIP(path, "dicom/pydicom-test-files/README.txt");
        QVERIFY_THROWS_EXCEPTION(Error, dicom::dumpTags(path.toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestDicomTags)
#include "test_dicom_tags.moc"
