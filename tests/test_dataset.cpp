// Data sets (class folders, CSV lists), bad input, and the stratified split.
#include <QtTest>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "common/error.h"
#include "data/dataset.h"
#include "data/image_cache.h"
#include "data/near_duplicates.h"
#include "data/split.h"
#include "test_support.h"

using namespace sinar;

class TestDataset : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    static QString errorOf(const std::function<void()>& f)
    {
        try {
            f();
        } catch (const Error& e) {
            return e.what();
        }
        return {};
    }

private slots:
    void classFolder()
    {
        const QString root = tmp_.filePath("folder");
        test::makeClassFolder(root, {"alpha", "beta", "gamma"}, 4);
        test::writeFile(root + "/beta/notes.txt", "not an image");
        const data::Dataset d = data::openClassFolder(root.toStdString());
        QCOMPARE(d.classNames(), (std::vector<std::string>{"alpha", "beta", "gamma"}));
        QCOMPARE(d.size(), size_t(12));
        QCOMPARE(d.classCounts(), (std::vector<size_t>{4, 4, 4}));
        QCOMPARE(d.skipped().size(), size_t(1));
        QVERIFY(QString::fromStdString(d.skipped()[0].file).endsWith("notes.txt"));
        const imaging::Image img = d.load(5);
        QCOMPARE(img.width(), 32);
    }

    void csvList()
    {
        const QString root = tmp_.filePath("csvset");
        test::makeClassFolder(root, {"a", "b"}, 2);
        test::writeFile(root + "/list.csv", "path,label\na/img_000.png,no\n\"a/img_001.png\",no\nb/img_000.png,yes\nbroken line\n" +
                                                (root + "/b/img_001.png").toStdString() + ",yes\n");
        const data::Dataset d = data::openCsvList((root + "/list.csv").toStdString());
        QCOMPARE(d.classNames(), (std::vector<std::string>{"no", "yes"}));
        QCOMPARE(d.labels(), (std::vector<int>{0, 0, 1, 1}));
        QCOMPARE(d.skipped().size(), size_t(1));
        QVERIFY(QString::fromStdString(d.skipped()[0].file).endsWith("list.csv:5"));
        QCOMPARE(d.load(3).height(), 32); // absolute path row
    }

    void realBrainMriFolder()
    {
        SINAR_DATA_OR_SKIP(path, "brain-mri/Training");
        const data::Dataset d = data::openDataset(path.toStdString());
        QCOMPARE(d.classNames(), (std::vector<std::string>{"glioma", "meningioma", "notumor", "pituitary"}));
        QCOMPARE(d.classCounts(), (std::vector<size_t>{1321, 1339, 1591, 1457}));
    }

    // A data set whose labels do not fit a model's classes is refused, for
    // every kind: an .npz with fewer labels, folders or CSV rows with unknown names.
    void dataSetNotFittingTheModelIsRefused()
    {
        SINAR_DATA_OR_SKIP(npz, "pneumoniamnist/pneumoniamnist_trainval.npz");
        const std::vector<std::string> brain{"glioma", "meningioma", "notumor", "pituitary"};
        data::DatasetOptions o;
        o.subset = "val";
        o.classNames = brain;
        try {
            data::openDataset(npz.toStdString(), o);
            QFAIL("a 2-label archive was taken for a 4-class model");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("2 classes"), e.what());
        }
        o.classNames = {"normal", "pneumonia"};
        QCOMPARE(data::openDataset(npz.toStdString(), o).classNames().size(), size_t(2));

        QTemporaryDir tmp;
        test::makeClassFolder(tmp.path(), {"glioma", "zebra"}, 2);
        data::Dataset folder = data::openDataset(tmp.path().toStdString());
        QVERIFY_THROWS_EXCEPTION(Error, folder.remapClasses(brain));
        test::writeFile(tmp.filePath("list.csv"), "glioma/img_000.png,glioma\nzebra/img_000.png,zebra\n");
        data::Dataset csv = data::openDataset(tmp.filePath("list.csv").toStdString());
        QVERIFY_THROWS_EXCEPTION(Error, csv.remapClasses(brain));
    }

    void missingFolderIsAnError()
    {
        const QString m = errorOf([&] { data::openDataset(tmp_.filePath("nope").toStdString()); });
        QVERIFY2(m.contains("nope") && m.contains("not found"), qPrintable(m));
    }

    void emptyClassIsAnError()
    {
        const QString root = tmp_.filePath("emptyclass");
        test::makeClassFolder(root, {"full"}, 2);
        QDir().mkpath(root + "/empty");
        const QString m = errorOf([&] { data::openClassFolder(root.toStdString()); });
        QVERIFY2(m.contains("'empty'") && m.contains("no images"), qPrintable(m));
    }

    void corruptImageIsReportedAndSkipped()
    {
        const QString root = tmp_.filePath("corrupt");
        test::makeClassFolder(root, {"a", "b"}, 3);
        test::writeFile(root + "/a/bad.png", "\x89PNG\r\n\x1a\n this is garbage");
        // A JPEG cut in half: libjpeg would pad it with grey and call it fine.
        cv::Mat m = test::patternImage(0, 0, 64);
        std::vector<uchar> jpg;
        cv::imencode(".jpg", m, jpg);
        test::writeFile(root + "/b/cut.jpg", std::string(jpg.begin(), jpg.begin() + static_cast<long>(jpg.size() / 2)));
        const data::Dataset d = data::openClassFolder(root.toStdString());
        QCOMPARE(d.size(), size_t(8));
        const imaging::Preprocessor pre(imaging::Recipe{});
        const data::ImageCache cache = data::buildImageCache(d, pre);
        QCOMPARE(cache.failures.size(), size_t(2));
        QCOMPARE(cache.valid().size(), size_t(6));
        for (const auto& f : cache.failures)
            QVERIFY2(QString::fromStdString(f.file).endsWith("bad.png") || QString::fromStdString(f.reason).contains("truncated"),
                     f.reason.c_str());
    }

    void unknownKindIsAnError()
    {
        test::writeFile(tmp_.filePath("data.xyz"), "x");
        const QString m = errorOf([&] { data::openDataset(tmp_.filePath("data.xyz").toStdString()); });
        QVERIFY2(m.contains("data.xyz"), qPrintable(m));
    }

    void splitIsStratifiedAndComplete()
    {
        std::vector<int> labels;
        for (int c = 0; c < 3; ++c)
            for (int i = 0; i < 100 + 50 * c; ++i)
                labels.push_back(c);
        const data::Split s = data::stratifiedSplit(labels, 0.2, 0.1, 42);
        QCOMPARE(s.train.size() + s.val.size() + s.test.size(), labels.size());
        std::set<size_t> all(s.train.begin(), s.train.end());
        all.insert(s.val.begin(), s.val.end());
        all.insert(s.test.begin(), s.test.end());
        QCOMPARE(all.size(), labels.size()); // disjoint and complete
        std::vector<int> testPerClass(3, 0), valPerClass(3, 0);
        for (size_t i : s.test)
            ++testPerClass[labels[i]];
        for (size_t i : s.val)
            ++valPerClass[labels[i]];
        QCOMPARE(testPerClass, (std::vector<int>{20, 30, 40}));
        QCOMPARE(valPerClass, (std::vector<int>{8, 12, 16}));
    }

    void splitIsDeterministic()
    {
        std::vector<int> labels(500);
        for (size_t i = 0; i < labels.size(); ++i)
            labels[i] = static_cast<int>(i % 4);
        const data::Split a = data::stratifiedSplit(labels, 0.2, 0.1, 7);
        const data::Split b = data::stratifiedSplit(labels, 0.2, 0.1, 7);
        const data::Split c = data::stratifiedSplit(labels, 0.2, 0.1, 8);
        QCOMPARE(a.test, b.test);
        QCOMPARE(a.val, b.val);
        QVERIFY(a.test != c.test);
        // Round trip through JSON (saved with the run).
        const data::Split r = data::Split::fromJson(a.toJson(), labels.size(), "split.json");
        QCOMPARE(r.train, a.train);
        QCOMPARE(r.test, a.test);
        QCOMPARE(r.seed, 7u);
    }

    void groupsStayTogether()
    {
        std::vector<int> labels(200), groups(200);
        for (size_t i = 0; i < labels.size(); ++i) {
            labels[i] = static_cast<int>(i % 2);
            groups[i] = static_cast<int>(i / 4) * 2 + labels[i]; // pairs of same-class twins
        }
        const data::Split s = data::stratifiedSplit(labels, 0.2, 0.1, 3, groups);
        std::map<int, std::set<int>> sides;
        for (size_t i : s.train) sides[groups[i]].insert(0);
        for (size_t i : s.val) sides[groups[i]].insert(1);
        for (size_t i : s.test) sides[groups[i]].insert(2);
        for (const auto& [g, where] : sides)
            QCOMPARE(where.size(), size_t(1));
        QVERIFY(s.test.size() >= 36 && s.test.size() <= 44);
    }

    void nearDuplicatesAreGrouped()
    {
        std::vector<cv::Mat> imgs;
        for (int c = 0; c < 4; ++c)
            imgs.push_back(test::patternImage(c, 3, 64));
        cv::Mat twin = imgs[0].clone();
        twin(cv::Rect(0, 0, 64, 16)) += 2; // mean difference 0.5 grey levels
        imgs.push_back(twin);
        cv::Mat bigger;
        cv::resize(imgs[2], bigger, cv::Size(128, 128), 0, 0, cv::INTER_LINEAR); // a re-scaled copy
        imgs.push_back(bigger);
        cv::Mat brighter = imgs[1] + 10; // clearly different exposure: not a twin
        imgs.push_back(brighter);
        imgs.push_back(cv::Mat()); // failed decode
        const data::DuplicateGroups g = data::findNearDuplicates(imgs);
        QCOMPARE(g.group[4], g.group[0]);
        QCOMPARE(g.group[5], g.group[2]);
        QVERIFY(g.group[6] != g.group[1]);
        QVERIFY(g.group[0] != g.group[1] && g.group[0] != g.group[2] && g.group[1] != g.group[3]);
        QCOMPARE(g.groupsWithTwins, size_t(2));
        QCOMPARE(g.imagesWithTwins, size_t(4));
    }

    // The index sets numpy 1.24 gives for scikit-learn's StratifiedShuffleSplit
    // (train_test_split(stratify=labels, random_state=seed), test first, then
    // validation from the training part in the order it returned), worked out
    // with numpy's RandomState; the last case breaks ties between classes.
    void sklearnSplitMatchesScikitLearn()
    {
        const std::vector<int> labels = {2, 0, 1, 1, 0, 2, 2, 1, 0, 2, 2, 0, 1, 2, 0, 2, 1, 0, 2, 2, 0};
        using V = std::vector<size_t>;
        struct Case {
            uint32_t seed;
            double test, val;
            V train, valIdx, testIdx;
        };
        const Case cases[] = {
            {0, 0.2, 0.2, {0, 3, 4, 5, 8, 9, 11, 12, 13, 15, 16, 20}, {1, 2, 6, 18}, {7, 10, 14, 17, 19}},
            {42, 0.3, 0.25, {1, 5, 7, 8, 10, 12, 13, 14, 17, 18}, {0, 3, 4, 9}, {2, 6, 11, 15, 16, 19, 20}},
            {7, 0.25, 0.0, {0, 1, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 20}, {}, {2, 4, 14, 15, 18, 19}},
        };
        for (const Case& c : cases) {
            const data::Split s = data::sklearnSplit(labels, c.test, c.val, c.seed);
            QCOMPARE(s.method, std::string("sklearn"));
            QCOMPARE(s.train, c.train);
            QCOMPARE(s.val, c.valIdx);
            QCOMPARE(s.test, c.testIdx);
        }
        std::vector<int> equal(20);
        for (size_t i = 0; i < equal.size(); ++i)
            equal[i] = static_cast<int>(i % 4);
        const data::Split t = data::sklearnSplit(equal, 0.3, 0.3, 3);
        QCOMPARE(t.train, (V{1, 2, 3, 4, 7, 8, 11, 17, 18}));
        QCOMPARE(t.val, (V{5, 9, 14, 15, 16}));
        QCOMPARE(t.test, (V{0, 6, 10, 12, 13, 19}));
        // Recorded with the run and drawn again from the record.
        const data::Split r = data::Split::fromJson(t.toJson(), equal.size(), "split.json");
        QCOMPARE(r.method, std::string("sklearn"));
        QCOMPARE(data::makeSplit(r.method, equal, r.testFraction, r.valFraction, r.seed).test, t.test);
    }

    void sklearnSplitRefusesWhatScikitLearnRefuses()
    {
        const QString single = errorOf([] { data::sklearnSplit({0, 0, 0, 1, 1, 2}, 0.5, 0.0, 0); });
        QVERIFY2(single.contains("at least 2 images of every class"), qPrintable(single));
        const QString small = errorOf([] { data::sklearnSplit({0, 0, 1, 1, 2, 2}, 0.2, 0.0, 0); });
        QVERIFY2(small.contains("test part would have 2") && small.contains("3 classes"), qPrintable(small));
        // 21 images, 5 for test, 2 of the other 16 for validation: fewer than the 3 classes.
        const std::vector<int> labels = {2, 0, 1, 1, 0, 2, 2, 1, 0, 2, 2, 0, 1, 2, 0, 2, 1, 0, 2, 2, 0};
        const QString val = errorOf([&] { data::sklearnSplit(labels, 0.2, 0.1, 0); });
        QVERIFY2(val.contains("validation part would have 2 and the rest 14"), qPrintable(val));
        const QString groups = errorOf([] { data::makeSplit("sklearn", {0, 0, 1, 1}, 0.5, 0.0, 0, {0, 0, 1, 1}); });
        QVERIFY2(groups.contains("cannot keep near-duplicates"), qPrintable(groups));
        const QString unknown = errorOf([] { data::makeSplit("random", {0, 1}, 0.5, 0.0, 0); });
        QVERIFY2(unknown.contains("sinar or sklearn"), qPrintable(unknown));
    }

    void badFractionIsAnError()
    {
        QVERIFY_THROWS_EXCEPTION(Error, data::stratifiedSplit({0, 1}, 1.5, 0.1, 0));
    }
};

QTEST_GUILESS_MAIN(TestDataset)
#include "test_dataset.moc"
