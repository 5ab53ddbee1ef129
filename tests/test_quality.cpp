// Image quality measures and flags: synthetic degradations of real images and
// the rate of flags on the real training data.
#include <QDirIterator>
#include <QtTest>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "imaging/image.h"
#include "imaging/quality.h"
#include "test_support.h"

using namespace sinar;
using imaging::Image;

namespace {

Image fromMat(const cv::Mat& m)
{
    return imaging::imageFromMat(m, "test");
}

// A textured 8-bit test image: patterns over a gradient, mean ~ 110, with edges.
cv::Mat textured(int size = 224)
{
    cv::Mat m(size, size, CV_8UC1);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            m.at<uchar>(y, x) = static_cast<uchar>(40 + (x * 120) / size);
    cv::circle(m, {size / 2, size / 2}, size / 4, cv::Scalar(220), cv::FILLED);
    for (int y = 8; y < size; y += 12)
        cv::line(m, {8, y}, {size - 8, y}, cv::Scalar(y % 24 ? 10 : 250), 2);
    return m;
}

Image scaled(const Image& img, double a, double b)
{
    Image out = img;
    out.pixels = cv::Mat(img.pixels * a + b);
    return out;
}

Image blurred(const Image& img, double sigma)
{
    Image out = img;
    out.pixels = img.pixels.clone();
    cv::GaussianBlur(img.pixels, out.pixels, cv::Size(0, 0), sigma);
    return out;
}

} // namespace

class TestQuality : public QObject {
    Q_OBJECT
private slots:
    void measuresOfAKnownImage()
    {
        // Half black, half white: mean 127.5, contrast 127.5, p01 0, p99 255.
        cv::Mat m(100, 100, CV_8UC1, cv::Scalar(0));
        m(cv::Rect(50, 0, 50, 100)).setTo(255);
        const imaging::QualityMeasures q = imaging::measureQuality(fromMat(m));
        QCOMPARE(q.mean, 127.5);
        QCOMPARE(q.contrast, 127.5);
        QCOMPARE(q.p01, 0.0);
        QCOMPARE(q.p99, 255.0);
        QVERIFY(q.sharpness > 0);
    }

    void cleanImageHasNoFlags()
    {
        const imaging::QualityReport r = imaging::assessQuality(fromMat(textured()));
        QVERIFY2(r.ok(), imaging::describeQualityFlags(r.flags).c_str());
        QVERIFY(r.warnings().empty());
    }

    void degradationsRaiseTheirFlag_data()
    {
        QTest::addColumn<int>("kind");
        QTest::addColumn<unsigned>("expected");
        QTest::newRow("darkened to a quarter") << 0 << unsigned(imaging::TooDark);
        QTest::newRow("washed out") << 1 << unsigned(imaging::TooBright);
        QTest::newRow("contrast flattened to a tenth") << 2 << unsigned(imaging::LowContrast);
        QTest::newRow("blurred, sigma 3") << 3 << unsigned(imaging::Blurred);
    }
    void degradationsRaiseTheirFlag()
    {
        QFETCH(int, kind);
        QFETCH(unsigned, expected);
        const Image clean = fromMat(textured());
        Image bad;
        switch (kind) {
        case 0: bad = scaled(clean, 0.25, 0); break;
        case 1: bad = scaled(clean, 0.4, 150); break;
        case 2: bad = scaled(clean, 0.1, 100); break;
        default: bad = blurred(clean, 3.0); break;
        }
        const unsigned flags = imaging::assessQuality(bad).flags;
        QVERIFY2(flags & expected, qPrintable(QStringLiteral("flags: '%1'").arg(QString::fromStdString(imaging::describeQualityFlags(flags)))));
    }

    void flatImageIsLowContrastNotBlurred()
    {
        const unsigned flags = imaging::assessQuality(fromMat(cv::Mat(64, 64, CV_8UC1, cv::Scalar(120)))).flags;
        QVERIFY(flags & imaging::LowContrast);
        QVERIFY(!(flags & imaging::Blurred));
    }

    void measuredThroughTheImagesOwnWindow()
    {
        // 16-bit values 1000..1255 with a window around them look normal; the
        // same values read through the full 16-bit range are nearly black.
        cv::Mat m16;
        textured().convertTo(m16, CV_16U, 1.0, 1000);
        Image img = imaging::imageFromMat(m16, "test16");
        QVERIFY(imaging::assessQuality(img).flags & imaging::TooDark); // "full range" window 0..65535
        img.windows = {{"tissue", 1127.5, 255}};
        QCOMPARE(imaging::assessQuality(img).flags, unsigned(imaging::QualityOk));
    }

    void describesFlags()
    {
        QCOMPARE(imaging::describeQualityFlags(0), std::string());
        QCOMPARE(imaging::describeQualityFlags(imaging::TooDark | imaging::Blurred), std::string("too dark, blurred"));
    }

    void emptyImageIsAnError()
    {
        QVERIFY_THROWS_EXCEPTION(Error, imaging::measureQuality(Image{}));
    }

    void realBrainMriRarelyFlaggedAndDegradedCopiesCaught()
    {
        SINAR_DATA_OR_SKIP(root, "brain-mri/Training");
        int n = 0, flagged = 0, dark = 0, blur = 0;
        for (const char* cls : {"glioma", "meningioma", "notumor", "pituitary"}) {
            QDirIterator it(root + "/" + cls, {"*.jpg"}, QDir::Files);
            for (int k = 0; k < 50 && it.hasNext(); ++k) {
                const Image img = imaging::readImageFile(it.next().toStdString());
                ++n;
                flagged += imaging::assessQuality(img).ok() ? 0 : 1;
                dark += (imaging::assessQuality(scaled(img, 0.25, 0)).flags & imaging::TooDark) ? 1 : 0;
                blur += (imaging::assessQuality(blurred(img, 2.0)).flags & imaging::Blurred) ? 1 : 0;
            }
        }
        QCOMPARE(n, 200);
        QVERIFY2(flagged <= 2, qPrintable(QString("%1 of %2 real images flagged").arg(flagged).arg(n)));
        QCOMPARE(dark, n);
        QVERIFY2(blur >= n * 95 / 100, qPrintable(QString("%1 of %2 blurred copies flagged").arg(blur).arg(n)));
    }
};

QTEST_MAIN(TestQuality)
#include "test_quality.moc"
