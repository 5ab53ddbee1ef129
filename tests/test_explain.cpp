// Grad-CAM and Grad-CAM++: the map finds known evidence.
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "explain/grad_cam.h"
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
            const explain::Explanation e = explain::explainImage(m, imaging::imageFromMat(big, "disc"), 0,
                                                                 explain::methodFromString(method.toStdString()));
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
        const auto a = explain::explainImage(m, img, 0), b = explain::explainImage(m, img, 1);
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
    }

    void badInputIsAClearError()
    {
        const nn::Model m = nn::Model::load(bundle_.toStdString());
        const imaging::Image img = imaging::imageFromMat(sample(true, 1), "x");
        QVERIFY_THROWS_EXCEPTION(Error, explain::explainImage(m, img, 5));
        QVERIFY_THROWS_EXCEPTION(Error, explain::methodFromString("magic"));
    }
};

QTEST_GUILESS_MAIN(TestExplain)
#include "test_explain.moc"
