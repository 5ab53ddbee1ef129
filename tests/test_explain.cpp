// Saliency maps (Grad-CAM, Grad-CAM++, Score-CAM, occlusion): the map finds
// known evidence, classes and layers differ, TorchScript exports give the same
// maps as the built-in model, faithfulness beats random maps, bad input is a
// clear error.
#include <QJsonArray>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "common/json_io.h"
#include "explain/colour_map.h"
#include "explain/explain.h"
#include "explain/faithfulness.h"
#include "nn/model.h"
#include "train/training_job.h"
#include "test_support.h"

using namespace sinar;

namespace {

// Class "disc": a bright disc somewhere on noise; class "square": a bright square instead.
// Both classes need local evidence, so the disc map must sit on the disc.
cv::Mat sample(bool disc, int index, cv::Point* centre = nullptr)
{
    cv::Mat m(64, 64, CV_8UC1);
    cv::RNG rng(static_cast<uint64_t>(index) * 7919u + (disc ? 1 : 2));
    rng.fill(m, cv::RNG::UNIFORM, 20, 70);
    const cv::Point c(rng.uniform(12, 52), rng.uniform(12, 52));
    if (disc)
        cv::circle(m, c, 7, cv::Scalar(220), cv::FILLED);
    else
        cv::rectangle(m, cv::Rect(c.x - 6, c.y - 6, 13, 13), cv::Scalar(220), cv::FILLED);
    if (centre)
        *centre = c;
    return m;
}

explain::Explanation explainWith(const nn::Model& m, const imaging::Image& img, explain::Method method, int cls = -1,
                                 const std::string& layer = {})
{
    explain::ExplainOptions o;
    o.method = method;
    o.classIndex = cls;
    o.layer = layer;
    return explain::explainImage(m, img, o);
}

// Exports `bundle` as TorchScript with tools/sinar_bundle.py (Debian's python3-torch).
QString exportTorchScript(const QString& bundle, const QString& out, const QString& convention)
{
    QProcess py;
    py.start("/usr/bin/python3", {QString(SINAR_TOOLS_DIR) + "/sinar_bundle.py", "torchscript", bundle, out,
                                  "--convention", convention});
    if (!py.waitForFinished(180000) || py.exitStatus() != QProcess::NormalExit || py.exitCode() != 0)
        return "export failed: " + QString::fromUtf8(py.readAllStandardError());
    return {};
}

} // namespace

class TestExplain : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString bundle_;

private slots:
    void initTestCase()
    {
        nn::setThreadCount(2);
        for (int i = 0; i < 150; ++i) {
            QDir().mkpath(tmp_.filePath("data/disc"));
            QDir().mkpath(tmp_.filePath("data/square"));
            cv::imwrite(tmp_.filePath(QString("data/disc/%1.png").arg(i)).toStdString(), sample(true, i));
            cv::imwrite(tmp_.filePath(QString("data/square/%1.png").arg(i)).toStdString(), sample(false, i));
        }
        train::TrainingJobSpec s;
        s.dataPath = tmp_.filePath("data").toStdString();
        s.outPath = tmp_.filePath("disc.sinar").toStdString();
        s.recipe.width = s.recipe.height = 64;
        s.recipe.normalisation = imaging::Normalisation::None;
        s.cnn.filters = {16, 32, 64};
        s.cnn.stemStride = 1;
        s.train.epochs = 25;
        s.train.learningRate = 0.05;
        s.train.patience = 0;
        s.train.seed = 3;
        const auto r = train::runTrainingJob(s, nullptr, nullptr);
        QVERIFY2(r.test.accuracy >= 0.9, "the disc detector did not learn; the maps would mean nothing");
        bundle_ = tmp_.filePath("disc.sinar");
    }

    void peakLiesOnTheEvidence_data()
    {
        QTest::addColumn<QString>("method");
        QTest::newRow("gradcam") << "gradcam";
        QTest::newRow("gradcampp") << "gradcampp";
        QTest::newRow("scorecam") << "scorecam";
        QTest::newRow("occlusion") << "occlusion";
    }
    void peakLiesOnTheEvidence()
    {
        QFETCH(QString, method);
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        int hits = 0;
        const int trials = 10;
        for (int i = 0; i < trials; ++i) {
            cv::Point c;
            const cv::Mat img = sample(true, 1000 + i, &c);
            // Twice the size: the map must come back to the original geometry.
            cv::Mat big;
            cv::resize(img, big, cv::Size(128, 128), 0, 0, cv::INTER_NEAREST);
            const explain::Explanation e = explainWith(m, imaging::imageFromMat(big, "disc"),
                                                        explain::methodFromString(method.toStdString()), 0);
            QCOMPARE(e.map.size(), big.size());
            cv::Point peak;
            cv::minMaxLoc(e.map, nullptr, nullptr, nullptr, &peak);
            hits += cv::norm(peak - 2 * c) <= 2 * 10.0; // within the disc's radius (+3 px), in original pixels
        }
        QVERIFY2(hits >= 8, qPrintable(QString("%1 of %2 peaks on the disc").arg(hits).arg(trials)));
    }

    void classesGiveDifferentMaps()
    {
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        const imaging::Image img = imaging::imageFromMat(sample(true, 2000), "x");
        const auto a = explainWith(m, img, explain::Method::GradCam, 0), b = explainWith(m, img, explain::Method::GradCam, 1);
        QCOMPARE(a.classIndex, 0);
        QCOMPARE(b.classIndex, 1);
        QVERIFY(cv::norm(a.map, b.map, cv::NORM_L1) / a.map.total() > 0.05);
        QCOMPARE(a.probabilities, m.predict(img)); // same forward pass as classification
    }

    void overlayHasImageSizeAndColour()
    {
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        const cv::Mat img = sample(true, 3000);
        const auto e = explain::explainImage(m, imaging::imageFromMat(img, "x"));
        const cv::Mat o = explain::overlayMap(img, e.map);
        QCOMPARE(o.size(), img.size());
        QCOMPARE(o.type(), CV_8UC3);
        // Tiny and huge images too: the map and the windowed view keep the image's size.
        for (const cv::Size size : {cv::Size(5, 3), cv::Size(4200, 60)}) {
            cv::Mat odd;
            cv::resize(img, odd, size, 0, 0, cv::INTER_AREA);
            const imaging::Image image = imaging::imageFromMat(odd, "odd");
            QCOMPARE(explain::explainImage(m, image).map.size(), size);
            QCOMPARE(explain::windowedImage(m, image).size(), size);
        }
    }

    void anyBlockOnRequest()
    {
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        const std::vector<std::string> layers = explain::explainableLayers(m);
        QCOMPARE(layers, (std::vector<std::string>{"blocks.2", "blocks.1", "blocks.0"}));
        const imaging::Image img = imaging::imageFromMat(sample(true, 2100), "x");
        const auto last = explainWith(m, img, explain::Method::GradCam, 0);
        QCOMPARE(last.layer, std::string("blocks.2"));
        const auto same = explainWith(m, img, explain::Method::GradCam, 0, "blocks.2");
        QCOMPARE(cv::norm(last.map, same.map, cv::NORM_INF), 0.0);
        const auto early = explainWith(m, img, explain::Method::GradCam, 0, "blocks.1");
        QCOMPARE(early.layer, std::string("blocks.1"));
        QCOMPARE(early.map.size(), img.pixels.size());
        QCOMPARE(early.probabilities, last.probabilities);
        QVERIFY(cv::norm(last.map, early.map, cv::NORM_L1) / last.map.total() > 0.01);
    }

    // The same weights, exported by PyTorch as TorchScript with either
    // convention, give the built-in model's maps.
    void torchScriptMatchesBuiltIn_data()
    {
        QTest::addColumn<QString>("convention");
        QTest::newRow("methods") << "methods";
        QTest::newRow("tuple") << "tuple";
    }
    void torchScriptMatchesBuiltIn()
    {
        QFETCH(QString, convention);
        const QString pt = tmp_.filePath("disc_" + convention + ".pt");
        const QString failure = exportTorchScript(bundle_, pt, convention);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const nn::Model builtIn = nn::Model::load(bundle_.toStdString());
        const nn::Model scripted = nn::Model::load(pt.toStdString());
        QVERIFY(scripted.isTorchScript());
        QCOMPARE(explain::explainableLayers(scripted), std::vector<std::string>{"features"});
        for (int i = 0; i < 3; ++i) {
            const imaging::Image img = imaging::imageFromMat(sample(i % 2 == 0, 2200 + i), "x");
            for (explain::Method method : {explain::Method::GradCam, explain::Method::GradCamPlusPlus, explain::Method::ScoreCam}) {
                for (int cls : {0, 1}) {
                    const auto a = explainWith(builtIn, img, method, cls), b = explainWith(scripted, img, method, cls);
                    QCOMPARE(b.layer, std::string("features"));
                    const double diff = cv::norm(a.map, b.map, cv::NORM_INF);
                    QVERIFY2(diff < 1e-4, qPrintable(QString("%1 class %2: maps differ by %3")
                                                         .arg(QString::fromStdString(explain::toString(method)))
                                                         .arg(cls)
                                                         .arg(diff)));
                    QVERIFY(std::abs(a.probabilities[0] - b.probabilities[0]) < 1e-5);
                }
            }
        }
    }

    void torchScriptWithoutFeaturesTakesOcclusionOnly()
    {
        const QString pt = tmp_.filePath("disc_none.pt");
        const QString failure = exportTorchScript(bundle_, pt, "none");
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        const nn::Model scripted = nn::Model::load(pt.toStdString());
        QVERIFY(explain::explainableLayers(scripted).empty());
        QVERIFY(!explain::supports(scripted, explain::Method::GradCam));
        QVERIFY(explain::supports(scripted, explain::Method::Occlusion));
        const imaging::Image img = imaging::imageFromMat(sample(true, 2300), "x");
        try {
            explainWith(scripted, img, explain::Method::GradCam);
            QFAIL("Grad-CAM on a model without feature maps must fail");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("exposes no feature maps"), e.what());
        }
        // Occlusion needs only the forward pass: same map as the built-in model.
        const nn::Model builtIn = nn::Model::load(bundle_.toStdString());
        const auto a = explainWith(builtIn, img, explain::Method::Occlusion), b = explainWith(scripted, img, explain::Method::Occlusion);
        QVERIFY(cv::norm(a.map, b.map, cv::NORM_INF) < 1e-4);
    }

    // A pretrained ImageNet MobileNetV2, wrapped the way the README shows: the
    // same probabilities as the plain export, and the "Egyptian cat" map lies
    // on the cat (which fills the middle of check_cat.bmp).
    // A whole TorchScript model fine-tuned: trained further, written as a
    // TorchScript file plus side-car that load, evaluate and explain as before.
    void fineTuneWholeTorchScript()
    {
        const QString exported = tmp_.filePath("finetune-source.pt");
        const QString failed = exportTorchScript(bundle_, exported, "methods");
        if (!failed.isEmpty())
            SINAR_SKIP_OR_FAIL(failed);
        const QString tuned = tmp_.filePath("tuned.pt");
        const QStringList common = {"--data", tmp_.filePath("data"), "--size", "64", "--normalise", "none",
                                    "--epochs", "2", "--lr", "0.01", "--seed", "3", "--quiet"};
        test::CliRun r = test::runCli(QStringList{"train", "--architecture", "torchscript", "--pretrained", exported,
                                                  "--out", tuned} + common);
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
        QVERIFY(QFileInfo::exists(tuned + ".json"));
        const nn::Model before = nn::Model::load(exported.toStdString());
        const nn::Model after = nn::Model::load(tuned.toStdString());
        QVERIFY(after.isTorchScript());
        QCOMPARE(after.info().classNames, before.info().classNames);
        QVERIFY(after.info().testMetrics.value("accuracy").toDouble() >= 0.9);
        QVERIFY(after.info().calibration.contains("temperature"));
        // The weights moved: the same image gets other probabilities.
        const imaging::Image img = imaging::imageFromMat(sample(true, 7), "x");
        QVERIFY(before.predict(img) != after.predict(img));
        // Its held-out split is re-created from the side-car, and Grad-CAM still finds the layer.
        const QString json = tmp_.filePath("tuned-eval.json");
        r = test::runCli({"evaluate", "--model", tuned, "--data", tmp_.filePath("data"), "--held-out", "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
        QCOMPARE(test::readJsonObject(json).value("accuracy").toDouble(), after.info().testMetrics.value("accuracy").toDouble());
        QVERIFY(!explain::explainableLayers(after).empty());
        // A model whose outputs are not the data's classes is refused, saying why and what to do.
        QDir().mkpath(tmp_.filePath("three/a"));
        for (const char* c : {"a", "b", "c"}) {
            QDir().mkpath(tmp_.filePath(QString("three/%1").arg(c)));
            for (int i = 0; i < 5; ++i)
                cv::imwrite(tmp_.filePath(QString("three/%1/%2.png").arg(c).arg(i)).toStdString(), sample(i % 2, i));
        }
        r = test::runCli({"train", "--architecture", "torchscript", "--pretrained", exported, "--out",
                          tmp_.filePath("bad.pt"), "--data", tmp_.filePath("three"), "--size", "64", "--epochs", "1"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("3 classes") && r.err.contains("--architecture"), qPrintable(r.err));
        r = test::runCli({"train", "--architecture", "torchscript", "--out", tmp_.filePath("bad.pt"), "--data",
                          tmp_.filePath("three")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("needs its file"), qPrintable(r.err));
    }

    void wrappedTorchVisionModel()
    {
        SINAR_DATA_OR_SKIP(pretrained, "pretrained/mobilenet_v2_imagenet.torchscript.pt");
        const QString wrapped = tmp_.filePath("mobilenet_explainable.pt");
        QProcess py;
        py.start("/usr/bin/python3", {QString(SINAR_TOOLS_DIR) + "/sinar_bundle.py", "wrap", pretrained, wrapped});
        QVERIFY(py.waitForFinished(180000));
        QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
        QJsonObject side = test::imagenetSideCar(pretrained);
        const QString plain = tmp_.filePath("mobilenet_plain.pt");
        QVERIFY(QFile::copy(pretrained, plain));
        writeJsonFile((plain + ".json").toStdString(), side);
        writeJsonFile((wrapped + ".json").toStdString(), side);

        const nn::Model original = nn::Model::load(plain.toStdString());
        const nn::Model explainable = nn::Model::load(wrapped.toStdString());
        QVERIFY(!explain::supports(original, explain::Method::GradCam));
        QCOMPARE(explain::explainableLayers(explainable), std::vector<std::string>{"features"});
        const imaging::Image cat = imaging::readImageFile(QFileInfo(pretrained).dir().filePath("check_cat.bmp").toStdString());
        const auto e = explainWith(explainable, cat, explain::Method::GradCam);
        QCOMPARE(QString::fromStdString(explainable.info().classNames[static_cast<size_t>(e.classIndex)]), QString("Egyptian cat"));
        const std::vector<float> p = original.predict(cat);
        for (size_t i = 0; i < p.size(); i += 37)
            QVERIFY(std::abs(p[i] - e.probabilities[i]) < 1e-5);
        QCOMPARE(e.map.size(), cat.pixels.size());
        cv::Point peak;
        cv::minMaxLoc(e.map, nullptr, nullptr, nullptr, &peak);
        const cv::Rect middle(cat.width() / 4, cat.height() / 6, cat.width() / 2, cat.height() * 5 / 6);
        QVERIFY2(middle.contains(peak), qPrintable(QString("peak at %1,%2").arg(peak.x).arg(peak.y)));
    }

    // Deleting what Grad-CAM points at first lowers the class probability faster
    // than deleting at random; inserting it first raises it faster.
    void faithfulnessBeatsRandomMaps()
    {
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        double del = 0, ins = 0, rdel = 0, rins = 0;
        const int n = 8;
        for (int i = 0; i < n; ++i) {
            const imaging::Image img = imaging::imageFromMat(sample(true, 2400 + i), "x");
            const auto e = explainWith(m, img, explain::Method::GradCam, 0);
            const auto c = explain::measureCurves(m, img, e.inputMap, 0);
            QCOMPARE(static_cast<int>(c.deletion.size()), 21);
            QCOMPARE(static_cast<int>(c.insertion.size()), 21);
            // Nothing deleted yet: the original image's (uncalibrated) probability.
            QVERIFY(std::abs(c.deletion.front() - m.uncalibrated().predict(img)[0]) < 1e-4);
            del += c.deletionAuc / n;
            ins += c.insertionAuc / n;
            const auto r = explain::measureCurves(m, img, explain::randomMap(e.inputMap.size(), 8, 100 + i), 0);
            rdel += r.deletionAuc / n;
            rins += r.insertionAuc / n;
        }
        qInfo("Grad-CAM deletion AUC %.3f (random %.3f), insertion AUC %.3f (random %.3f)", del, rdel, ins, rins);
        QVERIFY2(del < rdel - 0.05, qPrintable(QString("deletion AUC %1 vs random %2").arg(del).arg(rdel)));
        QVERIFY2(ins > rins + 0.05, qPrintable(QString("insertion AUC %1 vs random %2").arg(ins).arg(rins)));
    }

    void aucAndRandomMaps()
    {
        QCOMPARE(explain::trapezoidAuc({1.0, 1.0, 1.0}), 1.0);
        QCOMPARE(explain::trapezoidAuc({1.0, 0.0}), 0.5);
        QCOMPARE(explain::trapezoidAuc({0.0, 1.0, 0.0}), 0.5);
        const cv::Mat r = explain::randomMap(cv::Size(40, 30), 4, 7);
        QCOMPARE(r.size(), cv::Size(40, 30));
        double lo = 0, hi = 0;
        cv::minMaxLoc(r, &lo, &hi);
        QVERIFY(lo >= 0.0 && hi <= 1.0 && hi - lo > 0.3);
        QCOMPARE(cv::norm(r, explain::randomMap(cv::Size(40, 30), 4, 7), cv::NORM_INF), 0.0); // seeded
    }

    void colourMaps()
    {
        cv::Mat ramp(1, 256, CV_32F);
        for (int i = 0; i < 256; ++i)
            ramp.at<float>(0, i) = i / 255.0f;
        for (explain::ColourMap c : explain::allColourMaps()) {
            QVERIFY(explain::colourMapFromString(explain::toString(c)) == c);
            const cv::Mat rgb = explain::colourise(ramp, c);
            QCOMPARE(rgb.type(), CV_8UC3);
            const cv::Mat rgba = explain::colouriseRgba(ramp, c, 0.5);
            QCOMPARE(rgba.type(), CV_8UC4);
            QCOMPARE(static_cast<int>(rgba.at<cv::Vec4b>(0, 10)[3]), 128);
        }
        // The grey-friendly map: brightness rises with the value all the way.
        const cv::Mat cividis = explain::colourise(ramp, explain::ColourMap::Cividis);
        double previous = -1;
        for (int i = 0; i < 256; i += 15) {
            const cv::Vec3b p = cividis.at<cv::Vec3b>(0, i);
            const double luma = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
            QVERIFY2(luma > previous, qPrintable(QString("luma falls at %1").arg(i)));
            previous = luma;
        }
        QVERIFY_THROWS_EXCEPTION(Error, explain::colourMapFromString("rainbow"));
    }

    void badInputIsAClearError()
    {
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        const imaging::Image img = imaging::imageFromMat(sample(true, 1), "x");
        auto message = [&](auto&& f) -> QString {
            try {
                f();
            } catch (const Error& e) {
                return e.what();
            }
            return "no error";
        };
        QVERIFY(message([&] { explainWith(m, img, explain::Method::GradCam, 5); }).contains("out of range"));
        QVERIFY(message([&] { explain::methodFromString("magic"); }).contains("unknown explanation method 'magic'"));
        const QString layer = message([&] { explainWith(m, img, explain::Method::GradCam, -1, "fc"); });
        QVERIFY2(layer.contains("no layer 'fc'") && layer.contains("blocks.0"), qPrintable(layer));
        QVERIFY(message([&] { explainWith(m, img, explain::Method::Occlusion, -1, "blocks.0"); }).contains("takes no layer"));
        const QString cls = message([&] { explain::classIndexFromName(m, "triangle"); });
        QVERIFY2(cls.contains("no class 'triangle'") && cls.contains("disc, square"), qPrintable(cls));
        QCOMPARE(explain::classIndexFromName(m, "square"), 1);
        const QString map = message([&] { explain::measureCurves(m, img, cv::Mat::zeros(10, 10, CV_32F), 0); });
        QVERIFY2(map.contains("input's size"), qPrintable(map));
    }

    void cliWritesMapsAndEvaluates()
    {
        const QString img = tmp_.filePath("probe.png");
        cv::imwrite(img.toStdString(), sample(true, 2500));
        const QString out = tmp_.filePath("cli");
        auto r = test::runCli({"explain", "--model", bundle_, "--out", out, "--method", "gradcam,occlusion", "--class",
                               "disc", "--colour-map", "cividis", img});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (const char* m : {"gradcam", "occlusion"}) {
            const QString stem = out + QString("/probe_%1_disc").arg(m);
            const cv::Mat png = cv::imread((stem + ".png").toStdString(), cv::IMREAD_UNCHANGED);
            const cv::Mat tiff = cv::imread((stem + "_map.tiff").toStdString(), cv::IMREAD_UNCHANGED);
            QCOMPARE(png.size(), cv::Size(64, 64));
            QCOMPARE(tiff.type(), CV_32FC1);
        }
        r = test::runCli({"explain", "--model", bundle_, "--evaluate", "--method", "gradcam", "--json",
                          tmp_.filePath("faith.json"), "--random-maps", "2", "--limit", "40", tmp_.filePath("data/disc")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("deletion AUC") && r.out.contains("random"), qPrintable(r.out));
        const QJsonObject j = test::readJsonObject(tmp_.filePath("faith.json"));
        QCOMPARE(j["images"].toInt(), 40);
        const QJsonObject g = j["methods"].toObject()["gradcam"].toObject(), rnd = j["random"].toObject();
        QVERIFY(g["deletion_auc"].toDouble() < rnd["deletion_auc"].toDouble());
        QVERIFY(g["insertion_auc"].toDouble() > rnd["insertion_auc"].toDouble());
        r = test::runCli({"explain", "--model", bundle_, "--out", out, "--class", "triangle", img});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no class 'triangle'"), qPrintable(r.err));
        r = test::runCli({"explain", "--model", bundle_, "--out", out, "--layer", "conv9", img});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("no layer 'conv9'"), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestExplain)
#include "test_explain.moc"
