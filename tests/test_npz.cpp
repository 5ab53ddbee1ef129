// The .npz reader on the real PneumoniaMNIST file and on generated archives.
#include <QtTest>
#include <sys/resource.h>

#include "common/error.h"
#include "data/dataset.h"
#include "data/npz_reader.h"
#include "test_support.h"

using namespace sinar;

class TestNpz : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    QString writeNpz(const QString& name, const std::vector<std::pair<std::string, std::string>>& members, bool deflate)
    {
        const QString path = tmp_.filePath(name);
        test::writeFile(path, test::makeZip(members, deflate));
        return path;
    }

    static std::string le64s(const std::vector<int64_t>& v)
    {
        return std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8);
    }

private slots:
    void realPneumoniaMnist()
    {
        SINAR_DATA_OR_SKIP(path, "pneumoniamnist/pneumoniamnist_trainval.npz");
        data::NpzReader npz(path.toStdString());
        const auto keys = npz.keys();
        QCOMPARE(keys, (std::vector<std::string>{"train_images", "train_labels", "val_images", "val_labels"}));
        const data::NpyArray images = npz.read("train_images");
        QCOMPARE(images.dtype, std::string("|u1"));
        QCOMPARE(images.shape, (std::vector<int64_t>{4690, 28, 28}));
        const data::NpyArray labels = npz.read("train_labels");
        QCOMPARE(labels.shape, (std::vector<int64_t>{4690, 1}));
        long ones = 0;
        for (int64_t i = 0; i < labels.count(); ++i)
            ones += labels.at(i) == 1.0;
        // data/README.md: train 1213 normal / 3477 pneumonia
        QCOMPARE(ones, 3477L);
        // Real chest X-rays are not blank: a spread of grey levels.
        double lo = 255, hi = 0;
        for (int64_t i = 0; i < 28 * 28; ++i) {
            lo = std::min(lo, images.at(i));
            hi = std::max(hi, images.at(i));
        }
        QVERIFY(hi - lo > 100);

        data::DatasetOptions o;
        o.subset = "val";
        const data::Dataset val = data::openNpz(path.toStdString(), o);
        QCOMPARE(val.size(), size_t(524));
        QCOMPARE(val.classNames(), (std::vector<std::string>{"normal", "pneumonia"}));
        QCOMPARE(val.classCounts(), (std::vector<size_t>{135, 389}));
        const imaging::Image img = val.load(0);
        QCOMPARE(img.width(), 28);
        QVERIFY(!img.isColor());
    }

    void storedAndDeflatedAgree_data()
    {
        QTest::addColumn<bool>("deflate");
        QTest::newRow("stored") << false;
        QTest::newRow("deflate") << true;
    }
    void storedAndDeflatedAgree()
    {
        QFETCH(bool, deflate);
        std::string pixels;
        for (int i = 0; i < 3 * 4 * 5; ++i)
            pixels += static_cast<char>(i * 3);
        const QString path = writeNpz(deflate ? "d.npz" : "s.npz",
                                      {{"train_images.npy", test::makeNpy("|u1", {3, 4, 5}, pixels)},
                                       {"train_labels.npy", test::makeNpy("<i8", {3, 1}, le64s({0, 2, 1}))}},
                                      deflate);
        data::DatasetOptions o;
        o.classNames = {"a", "b", "c"};
        const data::Dataset d = data::openNpz(path.toStdString(), o);
        QCOMPARE(d.size(), size_t(3));
        QCOMPARE(d.labels(), (std::vector<int>{0, 2, 1}));
        const imaging::Image img = d.load(1);
        QCOMPARE(img.height(), 4);
        QCOMPARE(img.width(), 5);
        QCOMPARE(img.pixels.at<float>(0, 0), float((20 * 3) % 256));
        QCOMPARE(img.pixels.at<float>(3, 4), float((39 * 3) % 256));
    }

    void wrongKeysNameWhatIsThere()
    {
        const QString path = writeNpz("wrong.npz", {{"x.npy", test::makeNpy("|u1", {1, 2, 2}, std::string(4, '\0'))}}, false);
        try {
            data::openNpz(path.toStdString(), {});
            QFAIL("no error for an archive without train_images");
        } catch (const Error& e) {
            const QString m = e.what();
            QVERIFY2(m.contains("train_images") && m.contains("x") && m.contains(path), qPrintable(m));
        }
    }

    void missingSubsetIsAnError()
    {
        SINAR_DATA_OR_SKIP(path, "pneumoniamnist/pneumoniamnist_trainval.npz");
        data::DatasetOptions o;
        o.subset = "test";
        QVERIFY_THROWS_EXCEPTION(Error, data::openNpz(path.toStdString(), o));
    }

    void truncatedArchiveIsAnError()
    {
        std::string pixels(100, '\x07');
        std::string zip = test::makeZip({{"train_images.npy", test::makeNpy("|u1", {1, 10, 10}, pixels)},
                                         {"train_labels.npy", test::makeNpy("<i8", {1}, le64s({0}))}},
                                        true);
        const QString path = tmp_.filePath("cut.npz");
        test::writeFile(path, zip.substr(0, zip.size() / 2));
        try {
            data::openNpz(path.toStdString(), {});
            QFAIL("no error for a truncated archive");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(path), e.what());
        }
    }

    void corruptDataFailsCrc()
    {
        std::string zip = test::makeZip({{"train_images.npy", test::makeNpy("|u1", {1, 10, 10}, std::string(100, 'a'))}}, false);
        zip[zip.find("aaaa")] = 'b';
        const QString path = tmp_.filePath("crc.npz");
        test::writeFile(path, zip);
        data::NpzReader npz(path.toStdString());
        QVERIFY_THROWS_EXCEPTION(Error, npz.read("train_images"));
    }

    void mismatchedLabelCountIsAnError()
    {
        const QString path = writeNpz("count.npz",
                                      {{"train_images.npy", test::makeNpy("|u1", {2, 2, 2}, std::string(8, '\0'))},
                                       {"train_labels.npy", test::makeNpy("<i8", {3}, le64s({0, 1, 0}))}},
                                      false);
        QVERIFY_THROWS_EXCEPTION(Error, data::openNpz(path.toStdString(), {}));
    }

    void notAZipIsAnError()
    {
        const QString path = tmp_.filePath("text.npz");
        test::writeFile(path, "this is not an archive at all, just text");
        QVERIFY_THROWS_EXCEPTION(Error, data::NpzReader(path.toStdString()));
    }

    // Only the zip directory is read when an archive opens, and each array when
    // asked for: a 3 GiB file that is not an archive (sparse: it takes no disk)
    // is refused from its last 64 kB, where the whole file used to be read, and
    // a valid archive with 3 GiB of padding before its directory opens without
    // reading the padding.
    void largeFilesAreReadOnlyWhereNeeded()
    {
        const auto peakMb = [] {
            rusage u{};
            getrusage(RUSAGE_SELF, &u);
            return u.ru_maxrss / 1024;
        };
        const long before = peakMb();
        const QString sparse = tmp_.filePath("sparse.npz");
        {
            QFile f(sparse);
            QVERIFY(f.open(QIODevice::WriteOnly) && f.resize(qint64(3) << 30));
        }
        try {
            data::NpzReader npz(sparse.toStdString());
            QFAIL("a file of zeros opened as an archive");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("not an .npz archive (no zip directory"), e.what());
        }
        // Stored arrays behind 3 GiB of zeros: the local header offsets move with them.
        const std::string pixels(100, '\x07');
        const std::string zip = test::makeZip({{"train_images.npy", test::makeNpy("|u1", {1, 10, 10}, pixels)},
                                               {"train_labels.npy", test::makeNpy("<i8", {1}, le64s({0}))}},
                                              false);
        const QString padded = tmp_.filePath("padded.npz");
        {
            QFile f(padded);
            QVERIFY(f.open(QIODevice::WriteOnly) && f.resize(qint64(3) << 30));
            QVERIFY(f.seek(qint64(3) << 30));
            QVERIFY(f.write(zip.data(), static_cast<qint64>(zip.size())) == static_cast<qint64>(zip.size()));
        }
        // A zip's offsets count from its own start: padding in front breaks them unless the
        // directory says so. Here it does not, so the archive is refused by name, and not read whole.
        try {
            data::NpzReader npz(padded.toStdString());
            (void)npz.read("train_images");
            QFAIL("an archive with wrong offsets opened");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains("padded.npz"), e.what());
        }
        QVERIFY2(peakMb() - before < 512, qPrintable(QString("peak memory grew by %1 MB").arg(peakMb() - before)));
        QFile::remove(sparse);
        QFile::remove(padded);
    }
};

QTEST_GUILESS_MAIN(TestNpz)
#include "test_npz.moc"
