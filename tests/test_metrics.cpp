// Metrics against hand-computed cases.
#include <QJsonArray>
#include <QtTest>

#include "common/error.h"
#include "eval/metrics.h"
#include "eval/quality_breakdown.h"
#include "eval/series_result.h"

using sinar::eval::computeReport;
using sinar::eval::Report;

namespace {
std::vector<std::vector<float>> oneHot(const std::vector<int>& pred, int k)
{
    std::vector<std::vector<float>> p;
    for (int c : pred) {
        std::vector<float> row(static_cast<size_t>(k), 0.0f);
        row[static_cast<size_t>(c)] = 1.0f;
        p.push_back(row);
    }
    return p;
}
} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void seriesResultIsTheMeanOverJudgedSlices()
    {
        using sinar::eval::SliceResult;
        const std::vector<SliceResult> slices = {
            {{0.9f, 0.1f}, true},  {{0.2f, 0.8f}, true}, {{0.6f, 0.4f}, true},
            {{0.0f, 1.0f}, false}, // outside the scope: left out of the mean, still drawn
            {{}, false},           // failed
        };
        const sinar::eval::SeriesResult r = sinar::eval::aggregateSeries(slices, 2);
        QCOMPARE(r.slices, 5);
        QCOMPARE(r.judged, 3);
        QCOMPARE(r.meanProbabilities.size(), size_t(2));
        QVERIFY(std::abs(r.meanProbabilities[0] - (0.9 + 0.2 + 0.6) / 3) < 1e-6);
        QCOMPARE(r.best, 0);
        QCOMPARE(r.drivers, (std::vector<int>{0, 2})); // highest p(class 0) first; the unjudged slice 3 never drives
        QCOMPARE(r.perSliceBest, (std::vector<int>{0, 1, 0, 1, -1}));
        QVERIFY(QString::fromStdString(r.rule()).contains("3 of 5 slices"));

        const sinar::eval::SeriesResult none = sinar::eval::aggregateSeries({{{0.5f, 0.5f}, false}});
        QCOMPARE(none.best, -1);
        QVERIFY(none.meanProbabilities.empty());
        QVERIFY(QString::fromStdString(none.rule()).startsWith("no result"));
        QVERIFY_THROWS_EXCEPTION(sinar::Error, sinar::eval::aggregateSeries({{{0.5f, 0.5f}, true}, {{1.0f}, true}}));
    }

    void perClass_data()
    {
        QTest::addColumn<QVector<int>>("truth");
        QTest::addColumn<QVector<int>>("pred");
        QTest::addColumn<int>("cls");
        QTest::addColumn<double>("precision");
        QTest::addColumn<double>("recall");
        QTest::addColumn<double>("f1");
        QTest::addColumn<double>("accuracy");
        // truth 0 0 1 1 2 2, pred 0 1 1 1 2 0: class 0 tp1 fp1 fn1 -> P .5 R .5; class 1 tp2 fp1 -> P 2/3 R 1
        QTest::newRow("class0") << QVector<int>{0, 0, 1, 1, 2, 2} << QVector<int>{0, 1, 1, 1, 2, 0} << 0 << 0.5 << 0.5 << 0.5 << 4.0 / 6;
        QTest::newRow("class1") << QVector<int>{0, 0, 1, 1, 2, 2} << QVector<int>{0, 1, 1, 1, 2, 0} << 1 << 2.0 / 3 << 1.0 << 0.8 << 4.0 / 6;
        QTest::newRow("class2") << QVector<int>{0, 0, 1, 1, 2, 2} << QVector<int>{0, 1, 1, 1, 2, 0} << 2 << 1.0 << 0.5 << 2.0 / 3 << 4.0 / 6;
        QTest::newRow("never predicted") << QVector<int>{0, 1, 2} << QVector<int>{0, 0, 0} << 1 << 0.0 << 0.0 << 0.0 << 1.0 / 3;
        QTest::newRow("perfect") << QVector<int>{0, 1, 2, 2} << QVector<int>{0, 1, 2, 2} << 2 << 1.0 << 1.0 << 1.0 << 1.0;
    }
    void perClass()
    {
        QFETCH(QVector<int>, truth);
        QFETCH(QVector<int>, pred);
        QFETCH(int, cls);
        QFETCH(double, precision);
        QFETCH(double, recall);
        QFETCH(double, f1);
        QFETCH(double, accuracy);
        const std::vector<int> t(truth.begin(), truth.end());
        const Report r = computeReport(t, oneHot(std::vector<int>(pred.begin(), pred.end()), 3), {"a", "b", "c"});
        QCOMPARE(r.perClass[cls].precision, precision);
        QCOMPARE(r.perClass[cls].recall, recall);
        QVERIFY(qAbs(r.perClass[cls].f1 - f1) < 1e-12);
        QCOMPARE(r.accuracy, accuracy);
    }

    void averagesAndConfusion()
    {
        const Report r = computeReport({0, 0, 1, 1, 2, 2}, oneHot({0, 1, 1, 1, 2, 0}, 3), {"a", "b", "c"});
        QCOMPARE(r.confusion, (std::vector<std::vector<long>>{{1, 1, 0}, {0, 2, 0}, {1, 0, 1}}));
        QVERIFY(qAbs(r.macroF1 - (0.5 + 0.8 + 2.0 / 3) / 3) < 1e-12);
        QVERIFY(qAbs(r.macroPrecision - (0.5 + 2.0 / 3 + 1.0) / 3) < 1e-12);
        // Equal supports: weighted equals macro.
        QVERIFY(qAbs(r.weightedF1 - r.macroF1) < 1e-12);
        QCOMPARE(r.perClass[1].support, 2L);
    }

    void weightedUsesSupport()
    {
        // truth: 3x class 0, 1x class 1; all predicted 0 -> F1(0)=2*.75*1/1.75, F1(1)=0
        const Report r = computeReport({0, 0, 0, 1}, oneHot({0, 0, 0, 0}, 2), {"neg", "pos"});
        const double f0 = 2 * 0.75 / 1.75;
        QVERIFY(qAbs(r.weightedF1 - 0.75 * f0) < 1e-12);
        QVERIFY(qAbs(r.macroF1 - f0 / 2) < 1e-12);
        QCOMPARE(r.sensitivity, 0.0);
        QCOMPARE(r.specificity, 1.0);
    }

    void binarySensitivitySpecificity()
    {
        // tp 3, fn 1, tn 4, fp 2
        const std::vector<int> t{1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
        const std::vector<int> p{1, 1, 1, 0, 0, 0, 0, 0, 1, 1};
        const Report r = computeReport(t, oneHot(p, 2), {"normal", "pneumonia"});
        QCOMPARE(r.sensitivity, 0.75);
        QCOMPARE(r.specificity, 4.0 / 6);
        QCOMPARE(r.accuracy, 0.7);
    }

    void screeningCollapsesToAnyClassVsOne()
    {
        // Classes a, none, b; "none" is the negative class.
        const std::vector<std::string> names{"a", "none", "b"};
        const std::vector<int> truth{0, 0, 2, 2, 1, 1, 1};
        const std::vector<std::vector<float>> p{
            {0.8f, 0.1f, 0.1f}, // a -> a: true positive
            {0.1f, 0.2f, 0.7f}, // a -> b: still a true positive (any class but none)
            {0.2f, 0.7f, 0.1f}, // b -> none: false negative
            {0.1f, 0.3f, 0.6f}, // b -> b
            {0.1f, 0.8f, 0.1f}, // none -> none
            {0.1f, 0.9f, 0.0f}, // none -> none
            {0.5f, 0.4f, 0.1f}, // none -> a: false positive
        };
        const sinar::eval::Screening s = sinar::eval::computeScreening(truth, p, names, "none");
        QCOMPARE(s.positives, 4L);
        QCOMPARE(s.negatives, 3L);
        QCOMPARE(s.truePositives, 3L);
        QCOMPARE(s.trueNegatives, 2L);
        QCOMPARE(s.sensitivity, 0.75);
        QCOMPARE(s.specificity, 2.0 / 3.0);
        QCOMPARE(s.accuracy, 5.0 / 7.0);
        QVERIFY(s.rocAuc > 0.5 && s.rocAuc <= 1.0);
        QCOMPARE(s.toJson()["negative_class"].toString(), QStringLiteral("none"));
        QVERIFY_THROWS_EXCEPTION(sinar::Error, sinar::eval::computeScreening(truth, p, names, "notumor"));
    }

    void qualityBreakdownCountsBuckets()
    {
        std::vector<sinar::imaging::QualityMeasures> m(6);
        std::vector<bool> correct{true, true, false, true, false, false};
        for (size_t i = 0; i < m.size(); ++i) {
            m[i].mean = 100 + 10.0 * i;
            m[i].p99 = 200;
            m[i].p01 = 5;
            m[i].contrast = 40 + i;
            m[i].sharpness = 0.5;
        }
        m[5].p99 = 40; // too dark
        const auto b = sinar::eval::qualityBreakdown(m, correct);
        QCOMPARE(QString::fromStdString(b[0].bucket), QStringLiteral("ok"));
        QCOMPARE(b[0].n, 5L);
        QCOMPARE(b[0].correct, 3L);
        QCOMPARE(QString::fromStdString(b[1].bucket), QStringLiteral("too dark"));
        QCOMPARE(b[1].n, 1L);
        QCOMPARE(b[1].accuracy(), 0.0);
        // Terciles of the mean: 100,110 | 120,130 | 140,150.
        QCOMPARE(QString::fromStdString(b[2].measure), QStringLiteral("mean"));
        QCOMPARE(b[2].n, 2L);
        QCOMPARE(b[2].accuracy(), 1.0);
        QCOMPARE(b[3].accuracy(), 0.5);
        QCOMPARE(b[4].accuracy(), 0.0);
        QCOMPARE(sinar::eval::qualityBreakdownJson(b)["buckets"].toArray().size(), static_cast<int>(b.size()));
    }

    void rocAuc_data()
    {
        QTest::addColumn<QVector<double>>("scores");
        QTest::addColumn<QVector<int>>("positive");
        QTest::addColumn<double>("auc");
        QTest::newRow("perfect") << QVector<double>{0.1, 0.2, 0.8, 0.9} << QVector<int>{0, 0, 1, 1} << 1.0;
        QTest::newRow("inverted") << QVector<double>{0.9, 0.8, 0.2, 0.1} << QVector<int>{0, 0, 1, 1} << 0.0;
        QTest::newRow("all tied") << QVector<double>{0.5, 0.5, 0.5, 0.5} << QVector<int>{0, 1, 0, 1} << 0.5;
        // pairs (pos, neg): pos .35 beats .1, loses .4; pos .8 beats both -> 3/4
        QTest::newRow("sklearn example") << QVector<double>{0.1, 0.4, 0.35, 0.8} << QVector<int>{0, 0, 1, 1} << 0.75;
        QTest::newRow("one tie") << QVector<double>{0.3, 0.5, 0.5, 0.9} << QVector<int>{0, 0, 1, 1} << (1 + 0.5 + 1 + 1) / 4.0;
    }
    void rocAuc()
    {
        QFETCH(QVector<double>, scores);
        QFETCH(QVector<int>, positive);
        QFETCH(double, auc);
        std::vector<bool> pos;
        for (int v : positive)
            pos.push_back(v != 0);
        QCOMPARE(sinar::eval::rocAuc(std::vector<double>(scores.begin(), scores.end()), pos), auc);
    }

    void rocAucUndefinedForOneClass()
    {
        QCOMPARE(sinar::eval::rocAuc({0.1, 0.2}, {true, true}), -1.0);
    }

    void macroAucOverClasses()
    {
        const Report r = computeReport({0, 1, 2}, {{0.8f, 0.1f, 0.1f}, {0.1f, 0.8f, 0.1f}, {0.3f, 0.3f, 0.4f}}, {"a", "b", "c"});
        QCOMPARE(r.rocAuc, 1.0);
    }

    void jsonHasContractFields()
    {
        const Report r = computeReport({0, 1}, oneHot({0, 1}, 2), {"x", "y"});
        const QJsonObject o = r.toJson();
        for (const char* key : {"n", "class_names", "accuracy", "macro_f1", "weighted_f1", "roc_auc", "per_class", "confusion_matrix"})
            QVERIFY2(o.contains(key), key);
        const QJsonObject c = o["per_class"].toArray().at(0).toObject();
        for (const char* key : {"name", "precision", "recall", "f1", "support"})
            QVERIFY2(c.contains(key), key);
        QCOMPARE(o["confusion_matrix"].toArray().at(1).toArray().at(1).toInt(), 1);
    }

    void badInputIsAnError()
    {
        QVERIFY_THROWS_EXCEPTION(sinar::Error, computeReport({0, 1}, oneHot({0}, 2), {"a", "b"}));
        QVERIFY_THROWS_EXCEPTION(sinar::Error, computeReport({0, 5}, oneHot({0, 1}, 2), {"a", "b"}));
        QVERIFY_THROWS_EXCEPTION(sinar::Error, computeReport({0}, oneHot({0}, 2), {"a"}));
    }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
