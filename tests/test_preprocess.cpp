// Preprocessing and augmentation invariants.
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "imaging/augmenter.h"
#include "imaging/image.h"
#include "imaging/preprocessor.h"
#include "imaging/quality.h"
#include "test_support.h"

using namespace sinar;
using imaging::Image;
using imaging::Recipe;

namespace {
Image grey(int w, int h, float value = 100)
{
    Image img = imaging::imageFromMat(cv::Mat(h, w, CV_8UC1, cv::Scalar(value)), "test");
    return img;
}
} // namespace

class TestPreprocess : public QObject {
    Q_OBJECT
private slots:
    void sizeAndChannels_data()
    {
        QTest::addColumn<int>("channels");
        QTest::addColumn<bool>("colorInput");
        QTest::newRow("grey->grey") << 1 << false;
        QTest::newRow("rgb->grey") << 1 << true;
        QTest::newRow("grey->rgb") << 3 << false;
        QTest::newRow("rgb->rgb") << 3 << true;
    }
    void sizeAndChannels()
    {
        QFETCH(int, channels);
        QFETCH(bool, colorInput);
        Recipe r;
        r.channels = channels;
        r.width = 40;
        r.height = 30;
        const cv::Mat src = colorInput ? cv::Mat(77, 55, CV_8UC3, cv::Scalar(10, 120, 240)) : cv::Mat(77, 55, CV_8UC1, cv::Scalar(90));
        const imaging::Preprocessor pre(r);
        const cv::Mat base = pre.base(imaging::imageFromMat(src, "x"));
        QCOMPARE(base.cols, 40);
        QCOMPARE(base.rows, 30);
        QCOMPARE(base.channels(), channels);
        QCOMPARE(pre(imaging::imageFromMat(src, "x")).size(), size_t(channels * 40 * 30));
    }

    void perImageNormalisationIsZeroMeanUnitStd()
    {
        cv::Mat m(64, 64, CV_8UC1);
        cv::randu(m, 0, 255);
        Recipe r;
        r.width = r.height = 64;
        const std::vector<float> x = imaging::Preprocessor(r)(imaging::imageFromMat(m, "x"));
        double sum = 0, sq = 0;
        for (float v : x) {
            sum += v;
            sq += double(v) * v;
        }
        const double mean = sum / x.size();
        QVERIFY(std::abs(mean) < 1e-4);
        QVERIFY(std::abs(std::sqrt(sq / x.size() - mean * mean) - 1.0) < 1e-3);
    }

    void otherNormalisations()
    {
        Recipe r;
        r.width = r.height = 8;
        r.normalisation = imaging::Normalisation::MinusOneOne;
        const Image white = grey(8, 8, 255), black = grey(8, 8, 0);
        QCOMPARE(imaging::Preprocessor(r)(white).front(), 1.0f);
        QCOMPARE(imaging::Preprocessor(r)(black).front(), -1.0f);
        r.normalisation = imaging::Normalisation::Dataset;
        r.mean = {0.5f};
        r.std = {0.25f};
        QCOMPARE(imaging::Preprocessor(r)(white).front(), 2.0f);
        r.normalisation = imaging::Normalisation::None;
        QCOMPARE(imaging::Preprocessor(r)(grey(8, 8, 51)).front(), 0.2f);
    }

    void constantImageDoesNotBlowUp()
    {
        Recipe r;
        r.width = r.height = 16;
        for (float v : imaging::Preprocessor(r)(grey(16, 16, 77)))
            QVERIFY(std::isfinite(v) && std::abs(v) < 1e-3);
    }

    void letterboxKeepsAspect()
    {
        Recipe r;
        r.width = r.height = 100;
        r.keepAspect = true;
        const cv::Mat wide(50, 200, CV_8UC1, cv::Scalar(200));
        imaging::InputGeometry g;
        const cv::Mat base = imaging::Preprocessor(r).base(imaging::imageFromMat(wide, "x"), &g);
        QCOMPARE(g.scaleX, 0.5);
        QCOMPARE(g.offsetY, (100 - 25) / 2);
        QCOMPARE(int(base.at<uchar>(0, 50)), 0);    // padding
        QCOMPARE(int(base.at<uchar>(50, 50)), 200); // image
    }

    void sixteenBitUsesFullRangeWindow()
    {
        cv::Mat m(10, 10, CV_16UC1, cv::Scalar(65535));
        m.at<uint16_t>(0, 0) = 0;
        Recipe r;
        r.width = r.height = 10;
        const cv::Mat base = imaging::Preprocessor(r).base(imaging::imageFromMat(m, "x"));
        QCOMPARE(int(base.at<uchar>(0, 0)), 0);
        QCOMPARE(int(base.at<uchar>(5, 5)), 255);
    }

    void claheRaisesLocalContrast()
    {
        cv::Mat m(128, 128, CV_8UC1);
        cv::randu(m, 100, 120); // low contrast
        Recipe r;
        r.width = r.height = 128;
        r.clahe = true;
        const cv::Mat base = imaging::Preprocessor(r).base(imaging::imageFromMat(m, "x"));
        cv::Scalar m0, s0, m1, s1;
        cv::meanStdDev(m, m0, s0);
        cv::meanStdDev(base, m1, s1);
        QVERIFY2(s1[0] > 1.5 * s0[0], qPrintable(QString("std %1 -> %2").arg(s0[0]).arg(s1[0])));
    }

    void denoisingRemovesNoise_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<bool>("impulse");
        QTest::newRow("median, salt noise") << "median" << true;
        QTest::newRow("gaussian, gaussian noise") << "gaussian" << false;
        QTest::newRow("nlmeans, gaussian noise") << "nlmeans" << false;
    }
    void denoisingRemovesNoise()
    {
        QFETCH(QString, method);
        QFETCH(bool, impulse);
        cv::Mat clean(64, 64, CV_8UC1, cv::Scalar(100));
        cv::rectangle(clean, cv::Rect(16, 16, 32, 32), cv::Scalar(160), cv::FILLED);
        cv::Mat noisy = clean.clone();
        cv::RNG rng(1);
        if (impulse) {
            for (int i = 0; i < 200; ++i)
                noisy.at<uchar>(rng.uniform(0, 64), rng.uniform(0, 64)) = 255;
        } else {
            cv::Mat n(64, 64, CV_32F), f;
            rng.fill(n, cv::RNG::NORMAL, 0, 12);
            clean.convertTo(f, CV_32F);
            f += n;
            f.convertTo(noisy, CV_8U);
        }
        Recipe r;
        r.width = r.height = 64;
        r.denoise = imaging::denoiseFromString(method.toStdString(), "test");
        r.denoiseStrength = 15;
        const cv::Mat out = imaging::Preprocessor(r).base(imaging::imageFromMat(noisy, "x"));
        const double before = cv::norm(noisy, clean, cv::NORM_L2), after = cv::norm(out, clean, cv::NORM_L2);
        QVERIFY2(after < 0.7 * before, qPrintable(QString("%1 -> %2").arg(before).arg(after)));
    }

    void recipeRoundTripsAndValidates()
    {
        Recipe r;
        r.channels = 3;
        r.width = 160;
        r.clahe = true;
        r.normalisation = imaging::Normalisation::Dataset;
        r.mean = {0.1f, 0.2f, 0.3f};
        r.std = {0.5f, 0.5f, 0.5f};
        const Recipe back = Recipe::fromJson(r.toJson(), "x");
        QCOMPARE(back.toJson(), r.toJson());
        QJsonObject bad = r.toJson();
        bad["channels"] = 2;
        QVERIFY_THROWS_EXCEPTION(Error, Recipe::fromJson(bad, "x"));
        bad = r.toJson();
        bad["normalisation"] = "weird";
        QVERIFY_THROWS_EXCEPTION(Error, Recipe::fromJson(bad, "x"));
    }

    void augmentationIsSeededAndBounded()
    {
        cv::Mat m(64, 64, CV_8UC1);
        cv::randu(m, 0, 255);
        imaging::AugmentConfig c;
        c.noiseStd = 5;
        c.blurProbability = 0.5;
        const imaging::Augmenter aug(c);
        std::mt19937 a(5), b(5), d(6);
        const cv::Mat x = aug.apply(m, a), y = aug.apply(m, b), z = aug.apply(m, d);
        QCOMPARE(cv::norm(x, y, cv::NORM_INF), 0.0);
        QVERIFY(cv::norm(x, z, cv::NORM_INF) > 0);
        double lo, hi;
        cv::minMaxLoc(x, &lo, &hi);
        QVERIFY(lo >= 0 && hi <= 255);
        QCOMPARE(x.size(), m.size());
        // Disabled: identity.
        std::mt19937 e(1);
        cv::Mat id = imaging::Augmenter(imaging::AugmentConfig::none()).apply(m, e), mf;
        m.convertTo(mf, CV_32F);
        QCOMPARE(cv::norm(id, mf, cv::NORM_INF), 0.0);
    }

    // A synthetic axial slice: dark background, a bright rim (scalp), grey
    // tissue and a central "ventricle" that is dark (T1-like) or bright (T2-like).
    static cv::Mat syntheticSlice(bool brightFluid)
    {
        cv::Mat m(128, 128, CV_8UC1, cv::Scalar(0));
        cv::ellipse(m, {64, 64}, {52, 60}, 0, 0, 360, cv::Scalar(200), cv::FILLED);
        cv::ellipse(m, {64, 64}, {46, 54}, 0, 0, 360, cv::Scalar(brightFluid ? 70 : 90), cv::FILLED);
        cv::ellipse(m, {64, 64}, {16, 22}, 0, 0, 360, cv::Scalar(brightFluid ? 230 : 15), cv::FILLED);
        return m;
    }

    void intensityAugmentations()
    {
        const cv::Mat t1 = syntheticSlice(false);
        cv::Mat f;
        t1.convertTo(f, CV_32F);
        // The body mask keeps the dark ventricle inside the body, the corners out.
        const cv::Mat mask = imaging::bodyMask(t1);
        QCOMPARE(int(mask.at<uchar>(64, 64)), 255);
        QCOMPARE(int(mask.at<uchar>(2, 2)), 0);
        QCOMPARE(int(mask.at<uchar>(64, 30)), 255);
        // Inversion: background stays black, fluid turns bright, tissue order flips.
        cv::Mat inv = f.clone();
        imaging::invertInsideBody(inv);
        QCOMPARE(inv.at<float>(2, 2), 0.0f);
        QCOMPARE(inv.at<float>(64, 64), 240.0f);
        QVERIFY(inv.at<float>(64, 30) > inv.at<float>(64, 14)); // tissue now brighter than the rim
        // The bright-interior share tells the two kinds of slice apart, and the
        // inverted T1-like slice looks T2-like by it.
        const double t1Share = imaging::brightInteriorShare(t1);
        const double t2Share = imaging::brightInteriorShare(syntheticSlice(true));
        cv::Mat inv8;
        inv.convertTo(inv8, CV_8U);
        QVERIFY2(t1Share < 0.05, qPrintable(QString::number(t1Share)));
        QVERIFY2(t2Share > 0.1, qPrintable(QString::number(t2Share)));
        QVERIFY(imaging::brightInteriorShare(inv8) > 0.5);
        // A random curve is monotone and keeps 0 and 255.
        cv::Mat ramp(1, 256, CV_32F);
        for (int i = 0; i < 256; ++i)
            ramp.at<float>(i) = float(i);
        for (unsigned seed = 0; seed < 20; ++seed) {
            std::mt19937 rng(seed);
            cv::Mat r = ramp.clone();
            imaging::applyRandomCurve(r, rng);
            QCOMPARE(r.at<float>(0), 0.0f);
            QCOMPARE(r.at<float>(255), 255.0f);
            for (int i = 1; i < 256; ++i)
                QVERIFY(r.at<float>(i) >= r.at<float>(i - 1));
        }
        // Through the augmenter: seeded, bounded, and both kinds of slice occur.
        imaging::AugmentConfig c = imaging::AugmentConfig::none();
        c.enabled = true;
        c.horizontalFlip = false;
        c.rotationDeg = c.scale = c.translate = c.brightness = c.contrast = 0;
        c.invertProbability = 0.5;
        c.curveProbability = 0.5;
        const imaging::Augmenter aug(c);
        int inverted = 0;
        for (unsigned seed = 0; seed < 40; ++seed) {
            std::mt19937 rng(seed);
            const cv::Mat out = aug.apply(t1, rng);
            inverted += out.at<float>(64, 64) > out.at<float>(64, 30);
        }
        QVERIFY2(inverted > 8 && inverted < 32, qPrintable(QString::number(inverted)));
        QCOMPARE(imaging::AugmentConfig::fromJson(c.toJson()).invertProbability, 0.5);
        QCOMPARE(imaging::AugmentConfig::fromJson(c.toJson()).curveProbability, 0.5);
    }

    void readsRealJpeg()
    {
        SINAR_DATA_OR_SKIP(dir, "brain-mri/Training/glioma");
        const QStringList files = QDir(dir).entryList({"*.jpg"}, QDir::Files, QDir::Name);
        QVERIFY(!files.isEmpty());
        const Image img = imaging::readImageFile((dir + "/" + files.first()).toStdString());
        QVERIFY(img.width() >= 64 && img.height() >= 64);
        double lo, hi;
        cv::minMaxLoc(img.pixels.reshape(1), &lo, &hi);
        QVERIFY(hi > lo + 50); // a real scan, not a blank
    }

    void badFilesAreErrorsNamingTheFile()
    {
        QTemporaryDir tmp;
        const QString txt = tmp.filePath("notes.png");
        test::writeFile(txt, "hello");
        try {
            imaging::readImageFile(txt.toStdString());
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.file()), txt);
        }
        QVERIFY_THROWS_EXCEPTION(Error, imaging::readImageFile(tmp.filePath("missing.png").toStdString()));
        test::writeFile(tmp.filePath("empty.jpg"), "");
        QVERIFY_THROWS_EXCEPTION(Error, imaging::readImageFile(tmp.filePath("empty.jpg").toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestPreprocess)
#include "test_preprocess.moc"
