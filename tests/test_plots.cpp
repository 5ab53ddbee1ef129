// The Training tab's plots, offscreen: curve points per batch and epoch,
// debiased EMA smoothing against hand computation (raw series untouched),
// x-axis choice, log scale, coalesced replots (none while hidden), 50,000
// batches, best-epoch mark, comparison runs, CSV/PNG/PDF exports, theme
// switch; the confusion matrix total, cell texts and a
// click on a cell; ROC AUC against eval::computeReport, sensitivity and
// specificity at a threshold against hand counts; the per-class table; and
// screenshots of every widget in the dark and the light theme.
#include <QApplication>
#include <QFile>
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <qcustomplot.h>
#include <random>

#include "eval/metrics.h"
#include "test_support.h"
#include "ui/shell/theme.h"
#include "ui/training/class_metrics_table.h"
#include "ui/training/confusion_matrix_view.h"
#include "ui/training/curve_plot.h"
#include "ui/training/roc_plot.h"

using namespace sinar;
using sinar::ui::CurvePlot;

namespace {

// Graph order inside CurvePlot (fixed by its constructor).
enum { RawGraph, SmoothGraph, TrainLossGraph, ValLossGraph, TrainAccGraph, ValAccGraph, LrGraph };

// A plausible run: `epochs` epochs of `batches` batches, loss falling with noise.
void feedRun(CurvePlot& plot, int epochs, int batches, unsigned seed = 7)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 0.08);
    long long step = 0;
    for (int e = 1; e <= epochs; ++e) {
        for (int b = 1; b <= batches; ++b) {
            ++step;
            const double pos = (e - 1) + static_cast<double>(b) / batches;
            const double loss = std::max(0.02, 1.2 * std::exp(-pos / 2.5) + 0.08 + noise(rng));
            plot.addBatch(step, pos, step * 0.35, loss);
        }
        const double trainLoss = 1.2 * std::exp(-e / 2.5) + 0.08;
        const double valLoss = 1.2 * std::exp(-e / 3.0) + 0.15 + 0.01 * std::max(0, e - 6);
        plot.addEpoch(e, step, step * 0.35 + 2.0, trainLoss, valLoss, 1 - 0.5 * std::exp(-e / 2.0),
                      0.95 - 0.5 * std::exp(-e / 2.2), 1e-3 * (e <= 5 ? 1.0 : 0.1));
    }
}

struct Scores {
    std::vector<int> truth;
    std::vector<std::vector<float>> probabilities;
};

// Softmax outputs of a reasonable but imperfect classifier, rounded to two
// decimals so that many scores tie (as real float outputs often do).
Scores makeScores(int classes, int n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0, 1.1);
    std::uniform_int_distribution<int> pick(0, classes - 1);
    Scores s;
    for (int i = 0; i < n; ++i) {
        const int t = pick(rng);
        std::vector<double> logits(classes);
        for (int c = 0; c < classes; ++c)
            logits[c] = noise(rng) + (c == t ? 1.6 : 0.0);
        double sum = 0;
        for (double& l : logits)
            sum += (l = std::exp(l));
        std::vector<float> p(classes);
        for (int c = 0; c < classes; ++c)
            p[c] = static_cast<float>(std::round(logits[c] / sum * 100.0) / 100.0);
        s.truth.push_back(t);
        s.probabilities.push_back(p);
    }
    return s;
}

QString shotsDir()
{
    const QString dir = qEnvironmentVariable("SINAR_PLOT_SHOTS", QDir::temp().filePath(QStringLiteral("sinar-plot-shots")));
    QDir().mkpath(dir);
    return dir;
}

} // namespace

class TestPlots : public QObject {
    Q_OBJECT
private slots:
    void curvePointCounts();
    void smoothingMatchesHandComputation();
    void smoothingNonFiniteAndClamp();
    void xAxisChoices();
    void comparisonsLeaveNoLegendItems();
    void logScaleSwitchesTicker();
    void replotsAreCoalesced();
    void bestEpochMarksEveryRect();
    void comparisonRuns();
    void curveExports();
    void manyBatchesStayCheap();
    void followsThemeChange();
    void confusionMatrixTotalAndTexts();
    void confusionMatrixClick();
    void rocAucMatchesReport_data();
    void rocAucMatchesReport();
    void rocOperatingPoint();
    void metricsTable();
    void screenshots_data();
    void screenshots();
};

void TestPlots::curvePointCounts()
{
    CurvePlot plot;
    QCOMPARE(plot.batchPointCount(), 0);
    QVERIFY(std::isnan(plot.smoothedLast()));
    feedRun(plot, 4, 25);
    QCOMPARE(plot.batchPointCount(), 100);
    QCOMPARE(plot.epochPointCount(), 4);
    QCOMPARE(plot.plot()->graph(RawGraph)->dataCount(), 100);
    QCOMPARE(plot.plot()->graph(SmoothGraph)->dataCount(), 100);
    for (int g : {TrainLossGraph, ValLossGraph, TrainAccGraph, ValAccGraph, LrGraph})
        QCOMPARE(plot.plot()->graph(g)->dataCount(), 4);
    // The accuracy and learning-rate series live in their own rects.
    QCOMPARE(plot.plot()->graph(ValAccGraph)->valueAxis()->axisRect(), plot.accuracyRect());
    QCOMPARE(plot.plot()->graph(LrGraph)->valueAxis()->axisRect(), plot.learningRateRect());
    plot.clear();
    QCOMPARE(plot.batchPointCount(), 0);
    QCOMPARE(plot.epochPointCount(), 0);
    QCOMPARE(plot.plot()->graph(RawGraph)->dataCount(), 0);
    QCOMPARE(plot.plot()->graph(LrGraph)->dataCount(), 0);
}

void TestPlots::smoothingMatchesHandComputation()
{
    CurvePlot plot;
    plot.setSmoothing(0.5);
    const double losses[] = {1, 2, 3, 4};
    for (int i = 0; i < 4; ++i)
        plot.addBatch(i + 1, (i + 1) / 4.0, i, losses[i]);
    // ema = 0.5 ema + 0.5 x; shown = ema / (1 - 0.5^n)
    // n=1: 0.5/0.5 = 1; n=2: 1.25/0.75; n=3: 2.125/0.875; n=4: 3.0625/0.9375
    const std::vector<double> expected = {1.0, 1.25 / 0.75, 2.125 / 0.875, 3.0625 / 0.9375};
    const std::vector<double> got = plot.smoothedLosses();
    QCOMPARE(got.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
        QVERIFY2(std::abs(got[i] - expected[i]) < 1e-12, qPrintable(QString::number(got[i])));
    QVERIFY(std::abs(plot.smoothedLast() - 3.0625 / 0.9375) < 1e-12);
    // What the plot draws is the same.
    QVERIFY(std::abs(plot.plot()->graph(SmoothGraph)->data()->at(3)->value - 3.0625 / 0.9375) < 1e-12);

    // No smoothing: the raw values; the raw series never changes.
    plot.setSmoothing(0.0);
    QCOMPARE(plot.smoothedLosses(), std::vector<double>(std::begin(losses), std::end(losses)));
    plot.setSmoothing(0.9);
    QCOMPARE(plot.rawLosses(), std::vector<double>(std::begin(losses), std::end(losses)));
    for (int i = 0; i < 4; ++i)
        QCOMPARE(plot.plot()->graph(RawGraph)->data()->at(i)->value, losses[i]);
    // w = 0.9, hand computation of the first two.
    QVERIFY(std::abs(plot.smoothedLosses()[0] - 1.0) < 1e-12);
    QVERIFY(std::abs(plot.smoothedLosses()[1] - (0.09 * 1 + 0.1 * 2) / (1 - 0.81)) < 1e-12);
    // New batches continue the same average as a full recomputation.
    plot.addBatch(5, 1.25, 5, 2.5);
    const double incremental = plot.smoothedLast();
    plot.setSmoothing(0.9);
    QVERIFY(std::abs(plot.smoothedLast() - incremental) < 1e-12);
}

void TestPlots::smoothingNonFiniteAndClamp()
{
    CurvePlot plot;
    plot.setSmoothing(5);
    QCOMPARE(plot.smoothing(), 0.999);
    plot.setSmoothing(-1);
    QCOMPARE(plot.smoothing(), 0.0);
    plot.setSmoothing(0.5);
    plot.addBatch(1, 0.1, 0, 1.0);
    plot.addBatch(2, 0.2, 1, std::nan(""));
    plot.addBatch(3, 0.3, 2, 3.0);
    // The NaN batch is shown as a gap and leaves the average alone: the third
    // point is the second finite value of the average.
    QVERIFY(std::isnan(plot.smoothedLosses()[1]));
    QVERIFY(std::abs(plot.smoothedLast() - (0.25 + 1.5) / 0.75) < 1e-12);
}

void TestPlots::xAxisChoices()
{
    CurvePlot plot;
    plot.addBatch(10, 0.5, 3.5, 1.0);
    plot.addEpoch(1, 20, 7.0, 0.9, 1.0, 0.6, 0.55, 1e-3);
    auto firstKey = [&](int g) { return plot.plot()->graph(g)->data()->at(0)->key; };
    QCOMPARE(firstKey(RawGraph), 0.5);
    QCOMPARE(firstKey(ValLossGraph), 1.0);
    plot.setXAxis(CurvePlot::XAxis::Step);
    QCOMPARE(firstKey(RawGraph), 10.0);
    QCOMPARE(firstKey(SmoothGraph), 10.0);
    QCOMPARE(firstKey(ValLossGraph), 20.0);
    QCOMPARE(firstKey(LrGraph), 20.0);
    plot.setXAxis(CurvePlot::XAxis::WallTime);
    QCOMPARE(firstKey(RawGraph), 3.5);
    QCOMPARE(firstKey(ValAccGraph), 7.0);
    QVERIFY(plot.learningRateRect()->axis(QCPAxis::atBottom)->ticker().dynamicCast<QCPAxisTickerTime>());
    plot.setXAxis(CurvePlot::XAxis::Epoch);
    QCOMPARE(firstKey(RawGraph), 0.5);
    QVERIFY(!plot.learningRateRect()->axis(QCPAxis::atBottom)->ticker().dynamicCast<QCPAxisTickerTime>());
    // The x axes are linked.
    plot.lossRect()->axis(QCPAxis::atBottom)->setRange(2, 5);
    QCOMPARE(plot.accuracyRect()->axis(QCPAxis::atBottom)->range().lower, 2.0);
    QCOMPARE(plot.learningRateRect()->axis(QCPAxis::atBottom)->range().upper, 5.0);
}

// Clearing compared runs takes their graphs out of both legends: an item left in
// the accuracy legend pointed at a deleted graph and crashed the next replot
// (seen in the Training tab's run history, which clears and re-adds on every selection).
void TestPlots::comparisonsLeaveNoLegendItems()
{
    CurvePlot plot;
    feedRun(plot, 3, 10);
    auto legendItems = [&] {
        int n = 0;
        for (QCPAxisRect* r : {plot.lossRect(), plot.accuracyRect()})
            for (int i = 0; i < r->insetLayout()->elementCount(); ++i)
                if (auto* legend = qobject_cast<QCPLegend*>(r->insetLayout()->elementAt(i)))
                    n += legend->itemCount();
        return n;
    };
    const int before = legendItems();
    for (int round = 0; round < 3; ++round) {
        plot.addComparisonRun(QStringLiteral("a"), {1, 2, 3}, {1.0, 0.8, 0.6}, {1.1, 0.9, 0.7}, {0.5, 0.6, 0.7});
        plot.addComparisonRun(QStringLiteral("b"), {1, 2}, {1.2, 1.0}, {1.3, 1.1}, {0.4, 0.5});
        QCOMPARE(legendItems(), before + 6);
        plot.flush();
        plot.clearComparisons();
        QCOMPARE(legendItems(), before);
        plot.plot()->replot(QCustomPlot::rpImmediateRefresh);
    }
}

void TestPlots::logScaleSwitchesTicker()
{
    CurvePlot plot;
    feedRun(plot, 3, 10);
    QCPAxis* y = plot.lossRect()->axis(QCPAxis::atLeft);
    QCOMPARE(y->scaleType(), QCPAxis::stLinear);
    QVERIFY(!y->ticker().dynamicCast<QCPAxisTickerLog>());
    plot.setLogScale(true);
    QVERIFY(plot.logScale());
    QCOMPARE(y->scaleType(), QCPAxis::stLogarithmic);
    QVERIFY(y->ticker().dynamicCast<QCPAxisTickerLog>());
    plot.flush();
    QVERIFY(y->range().lower > 0);
    // Only the loss axis is logarithmic.
    QCOMPARE(plot.accuracyRect()->axis(QCPAxis::atLeft)->scaleType(), QCPAxis::stLinear);
    plot.setLogScale(false);
    QCOMPARE(y->scaleType(), QCPAxis::stLinear);
    QVERIFY(!y->ticker().dynamicCast<QCPAxisTickerLog>());
}

void TestPlots::replotsAreCoalesced()
{
    CurvePlot plot;
    plot.resize(800, 600);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    plot.flush();
    int replots = 0;
    connect(plot.plot(), &QCustomPlot::afterReplot, this, [&] { ++replots; });
    QElapsedTimer clock;
    clock.start();
    long long step = 0;
    // 1.2 s of batches arriving every ~5 ms.
    while (clock.elapsed() < 1200) {
        ++step;
        plot.addBatch(step, step / 100.0, step * 0.01, 1.0 / step);
        QVERIFY(plot.replotPending() || replots > 0);
        QTest::qWait(5);
    }
    QTest::qWait(400);
    QVERIFY2(step > 60, qPrintable(QString::number(step)));
    // At most ~4 a second (plus one for timer slack), far fewer than batches.
    QVERIFY2(replots >= 2 && replots <= 7, qPrintable(QStringLiteral("%1 replots for %2 batches").arg(replots).arg(step)));
    QVERIFY(!plot.replotPending());
    // The view follows the data: the last batch is inside the x range.
    QVERIFY(plot.lossRect()->axis(QCPAxis::atBottom)->range().contains(step / 100.0));
    // Hidden (another tab in front): no replots, caught up when shown again.
    plot.hide();
    replots = 0;
    plot.addBatch(step + 1, (step + 1) / 100.0, 99, 0.5);
    QTest::qWait(600);
    QCOMPARE(replots, 0);
    QVERIFY(plot.replotPending());
    plot.show();
    QTRY_VERIFY_WITH_TIMEOUT(replots > 0, 2000);
    QVERIFY(!plot.replotPending());
}

void TestPlots::bestEpochMarksEveryRect()
{
    CurvePlot plot;
    feedRun(plot, 6, 5);
    auto visibleLines = [&] {
        int n = 0;
        for (int i = 0; i < plot.plot()->itemCount(); ++i)
            if (auto* line = qobject_cast<QCPItemStraightLine*>(plot.plot()->item(i)); line && line->visible())
                ++n;
        return n;
    };
    QCOMPARE(visibleLines(), 0);
    plot.setBestEpoch(4);
    QCOMPARE(plot.bestEpoch(), 4);
    QCOMPARE(visibleLines(), 3);
    QSet<QCPAxisRect*> rects;
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto* line = qobject_cast<QCPItemStraightLine*>(plot.plot()->item(i))) {
            QCOMPARE(line->point1->key(), 4.0);
            rects.insert(line->clipAxisRect());
        }
    QCOMPARE(rects.size(), 3);
    // In steps the mark moves to that epoch's step (epoch 4 of 5 batches: 20).
    plot.setXAxis(CurvePlot::XAxis::Step);
    for (int i = 0; i < plot.plot()->itemCount(); ++i)
        if (auto* line = qobject_cast<QCPItemStraightLine*>(plot.plot()->item(i)))
            QCOMPARE(line->point1->key(), 20.0);
    plot.setBestEpoch(0);
    QCOMPARE(visibleLines(), 0);
}

void TestPlots::comparisonRuns()
{
    CurvePlot plot;
    feedRun(plot, 5, 5);
    const int graphs = plot.plot()->graphCount();
    plot.addComparisonRun(QStringLiteral("resnet18 lr=1e-3"), {1, 2, 3, 4, 5}, {1.0, 0.7, 0.5, 0.4, 0.35},
                          {1.1, 0.8, 0.6, 0.55, 0.5}, {0.5, 0.6, 0.7, 0.75, 0.78});
    QCOMPARE(plot.comparisonCount(), 1);
    QCOMPARE(plot.plot()->graphCount(), graphs + 3);
    QCPGraph* cmp = plot.plot()->graph(graphs + 1);
    QCOMPARE(cmp->dataCount(), 5);
    QVERIFY(cmp->name().contains(QLatin1String("resnet18 lr=1e-3")));
    QVERIFY(plot.plot()->legend->hasItemWithPlottable(cmp));
    QVERIFY(cmp->pen().color() != plot.plot()->graph(ValLossGraph)->pen().color());
    // Comparisons are per epoch: hidden (and out of the legend) on the step axis.
    plot.setXAxis(CurvePlot::XAxis::Step);
    QVERIFY(!cmp->visible());
    QVERIFY(!plot.plot()->legend->hasItemWithPlottable(cmp));
    plot.setXAxis(CurvePlot::XAxis::Epoch);
    QVERIFY(cmp->visible());
    QVERIFY(plot.plot()->legend->hasItemWithPlottable(cmp));
    plot.clearComparisons();
    QCOMPARE(plot.comparisonCount(), 0);
    QCOMPARE(plot.plot()->graphCount(), graphs);
}

void TestPlots::curveExports()
{
    QTemporaryDir dir;
    CurvePlot plot;
    feedRun(plot, 3, 4);
    plot.setBestEpoch(2);
    const QString png = dir.filePath(QStringLiteral("c.png")), pdf = dir.filePath(QStringLiteral("c.pdf")),
                  csv = dir.filePath(QStringLiteral("c.csv"));
    QVERIFY(plot.exportPng(png, 640, 480));
    QImage image(png);
    QCOMPARE(image.size(), QSize(640, 480));
    QVERIFY(plot.exportPdf(pdf));
    QFile pdfFile(pdf);
    QVERIFY(pdfFile.open(QIODevice::ReadOnly));
    QVERIFY(pdfFile.size() > 1000);
    QVERIFY(pdfFile.read(5) == "%PDF-");
    QVERIFY(plot.exportCsv(csv));
    QFile csvFile(csv);
    QVERIFY(csvFile.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(csvFile.readAll()).split(QLatin1Char('\n'));
    QCOMPARE(lines[0], QStringLiteral("step,epoch_pos,wall_seconds,loss,smoothed_loss"));
    QCOMPARE(lines[13], QString()); // 12 batches, then a blank line
    QCOMPARE(lines[14], QStringLiteral("epoch,step,wall_seconds,train_loss,val_loss,train_acc,val_acc,lr"));
    QVERIFY(lines[1].startsWith(QLatin1String("1,0.25,0.35,")));
    QCOMPARE(lines[1].split(QLatin1Char(',')).size(), 5);
    QVERIFY(lines[17].startsWith(QLatin1String("3,12,")));
    QCOMPARE(lines[17].split(QLatin1Char(',')).size(), 8);
    QCOMPARE(lines[17].split(QLatin1Char(',')).last(), QStringLiteral("0.001"));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("missing/x.csv"))));
    QVERIFY(!plot.exportCsv(dir.filePath(QStringLiteral("missing/x.csv"))));
}

void TestPlots::manyBatchesStayCheap()
{
    // A long run: 50,000 batches must be cheap to add and to draw.
    CurvePlot plot;
    plot.resize(900, 700);
    plot.show();
    QVERIFY(QTest::qWaitForWindowExposed(&plot));
    QElapsedTimer clock;
    clock.start();
    for (int i = 1; i <= 50000; ++i)
        plot.addBatch(i, i / 500.0, i * 0.05, 1.0 / std::sqrt(i) + 0.01 * (i % 7));
    const qint64 addMs = clock.restart();
    plot.flush();
    const qint64 drawMs = clock.restart();
    plot.setSmoothing(0.95);
    plot.flush();
    const qint64 smoothMs = clock.elapsed();
    qInfo("50,000 batches: add %lld ms, draw %lld ms, re-smooth and draw %lld ms", addMs, drawMs, smoothMs);
    QCOMPARE(plot.batchPointCount(), 50000);
    QVERIFY(addMs < 2000);
    QVERIFY(drawMs < 2000);
    QVERIFY(smoothMs < 2000);
}

void TestPlots::followsThemeChange()
{
    ui::Theme::apply(QStringLiteral("dark"));
    CurvePlot curves;
    ui::ConfusionMatrixView matrix;
    matrix.setMatrix({{5, 1}, {2, 7}}, {"a", "b"}, QString());
    auto lightness = [](QCustomPlot* p) {
        return p->grab().toImage().pixelColor(p->width() - 3, p->height() / 2).lightnessF();
    };
    curves.resize(600, 500);
    matrix.resize(400, 400);
    curves.flush();
    matrix.flush();
    QVERIFY(lightness(curves.plot()) < 0.3);
    QVERIFY(lightness(matrix.plot()) < 0.3);
    ui::Theme::apply(QStringLiteral("light"));
    QCoreApplication::processEvents();
    curves.flush();
    matrix.flush();
    QVERIFY(lightness(curves.plot()) > 0.7);
    QVERIFY(lightness(matrix.plot()) > 0.7);
    // The axis text follows too.
    QVERIFY(curves.lossRect()->axis(QCPAxis::atLeft)->tickLabelColor().lightnessF() < 0.5);
}

void TestPlots::confusionMatrixTotalAndTexts()
{
    ui::ConfusionMatrixView view;
    const std::vector<std::vector<long>> counts = {{50, 3, 2}, {4, 40, 6}, {0, 5, 45}};
    view.setMatrix(counts, {"normal", "benign", "malignant"}, QStringLiteral("Validation, epoch 3"));
    QCOMPARE(view.total(), 155L);
    QCOMPARE(view.classCount(), 3);
    QCOMPARE(view.cellText(1, 2), QStringLiteral("6\n12.0%"));
    QCOMPARE(view.cellText(0, 0), QStringLiteral("50\n90.9%"));
    view.setNormalised(true);
    QCOMPARE(view.cellText(1, 2), QStringLiteral("12.0%\n6"));
    auto* map = qobject_cast<QCPColorMap*>(view.plot()->plottable(0));
    QVERIFY(map);
    QCOMPARE(map->data()->cell(1, 0), 100.0 * 3 / 55); // key = predicted, value = truth
    QCOMPARE(map->dataRange().upper, 100.0);
    view.setNormalised(false);
    QCOMPARE(map->data()->cell(1, 0), 3.0);
    int texts = 0;
    for (int i = 0; i < view.plot()->itemCount(); ++i)
        texts += qobject_cast<QCPItemText*>(view.plot()->item(i)) != nullptr;
    QCOMPARE(texts, 9);
    // Class names are the tick labels.
    auto ticks = view.plot()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
    QVERIFY(ticks);
    QCOMPARE(ticks->ticks().value(2), QStringLiteral("malignant"));
    // A ragged matrix counts missing cells as 0; an empty row has no percentage.
    view.setMatrix({{1, 2}}, {"a", "b"}, QString());
    QCOMPARE(view.total(), 3L);
    QCOMPARE(view.cellText(1, 1), QStringLiteral("0\n–"));
}

void TestPlots::confusionMatrixClick()
{
    ui::ConfusionMatrixView view;
    view.resize(640, 560);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setMatrix({{50, 3, 2}, {4, 40, 6}, {0, 5, 45}}, {"normal", "benign", "malignant"}, QStringLiteral("Test set"));
    view.flush();
    QSignalSpy spy(&view, &ui::ConfusionMatrixView::cellClicked);
    for (auto [t, p] : {std::pair{0, 0}, std::pair{1, 2}, std::pair{2, 0}, std::pair{0, 2}}) {
        const QPoint at(static_cast<int>(view.plot()->xAxis->coordToPixel(p)),
                        static_cast<int>(view.plot()->yAxis->coordToPixel(t)));
        QVERIFY((at - view.cellCentre(t, p)).manhattanLength() <= 2);
        QTest::mouseClick(view.plot(), Qt::LeftButton, Qt::NoModifier, at);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), t);
        QCOMPARE(spy.at(0).at(1).toInt(), p);
        spy.clear();
    }
    // Truth runs top to bottom: row 0 is above row 2.
    QVERIFY(view.cellCentre(0, 0).y() < view.cellCentre(2, 0).y());
    // Outside the matrix nothing is emitted.
    QTest::mouseClick(view.plot(), Qt::LeftButton, Qt::NoModifier, QPoint(2, 2));
    QCOMPARE(spy.count(), 0);
    QTemporaryDir dir;
    QVERIFY(view.exportPng(dir.filePath(QStringLiteral("m.png"))));
    QVERIFY(!QImage(dir.filePath(QStringLiteral("m.png"))).isNull());
}

void TestPlots::rocAucMatchesReport_data()
{
    QTest::addColumn<int>("classes");
    QTest::addColumn<int>("n");
    QTest::addColumn<uint>("seed");
    QTest::newRow("2 classes") << 2 << 624 << 11u;
    QTest::newRow("3 classes") << 3 << 900 << 12u;
    QTest::newRow("4 classes, small") << 4 << 60 << 13u;
}

void TestPlots::rocAucMatchesReport()
{
    QFETCH(int, classes);
    QFETCH(int, n);
    QFETCH(uint, seed);
    const Scores s = makeScores(classes, n, seed);
    std::vector<std::string> names;
    for (int c = 0; c < classes; ++c)
        names.push_back("class " + std::to_string(c));
    const eval::Report report = eval::computeReport(s.truth, s.probabilities, names);
    ui::RocPlot roc;
    roc.setScores(s.truth, s.probabilities, names);
    for (int c = 0; c < classes; ++c) {
        QVERIFY(report.perClass[c].rocAuc > 0.5);
        QVERIFY2(std::abs(roc.auc(c) - report.perClass[c].rocAuc) < 1e-9,
                 qPrintable(QStringLiteral("class %1: %2 vs %3").arg(c).arg(roc.auc(c), 0, 'g', 17).arg(report.perClass[c].rocAuc, 0, 'g', 17)));
        const auto curve = roc.curve(c);
        QCOMPARE(curve.front(), std::make_pair(0.0, 0.0));
        QCOMPARE(curve.back(), std::make_pair(1.0, 1.0));
        for (size_t i = 1; i < curve.size(); ++i)
            QVERIFY(curve[i].first >= curve[i - 1].first && curve[i].second >= curve[i - 1].second);
    }
    // Two classes: the positive class only (the other is the same curve).
    QCOMPARE(roc.curveCount(), classes == 2 ? 1 : classes);
    // The legend names the AUC.
    bool found = false;
    for (int i = 0; i < roc.plot()->plottableCount(); ++i)
        found |= roc.plot()->plottable(i)->name().contains(QString::number(report.perClass[classes - 1].rocAuc, 'f', 3));
    QVERIFY(found);
    // A class without positives has no curve.
    std::vector<int> truth = s.truth;
    for (int& t : truth)
        if (t == classes - 1)
            t = 0;
    roc.setScores(truth, s.probabilities, names);
    QCOMPARE(roc.auc(classes - 1), -1.0);
}

void TestPlots::rocOperatingPoint()
{
    // P(class 1) per sample, truth by hand:
    //   0.9 T, 0.8 T, 0.7 F, 0.6 T, 0.4 F, 0.3 T, 0.2 F, 0.1 F
    const float p1[] = {0.9f, 0.8f, 0.7f, 0.6f, 0.4f, 0.3f, 0.2f, 0.1f};
    const std::vector<int> truth = {1, 1, 0, 1, 0, 1, 0, 0};
    std::vector<std::vector<float>> probabilities;
    for (float p : p1)
        probabilities.push_back({1.0f - p, p});
    ui::RocPlot roc;
    roc.setScores(truth, probabilities, {"normal", "pneumonia"});
    // t = 0.5: called positive 0.9 0.8 0.7 0.6 -> TP 3 of 4, TN 3 of 4.
    QCOMPARE(roc.sensitivityAt(0.5), 0.75);
    QCOMPARE(roc.specificityAt(0.5), 0.75);
    // t = 0.65: 0.9 0.8 0.7 -> TP 2, FP 1; t = 0.7 (>= counts as positive) the same.
    QCOMPARE(roc.sensitivityAt(0.65), 0.5);
    QCOMPARE(roc.specificityAt(0.65), 0.75);
    QCOMPARE(roc.sensitivityAt(0.7), 0.5);
    QCOMPARE(roc.specificityAt(0.7), 0.75);
    QCOMPARE(roc.sensitivityAt(0.0), 1.0);
    QCOMPARE(roc.specificityAt(0.0), 0.0);
    QCOMPARE(roc.sensitivityAt(0.95), 0.0);
    QCOMPARE(roc.specificityAt(0.95), 1.0);
    // AUC by hand: pairs (pos, neg) ranked right: 0.9,0.8 beat all 4 negatives (8),
    // 0.6 beats 0.4 0.2 0.1 (3), 0.3 beats 0.2 0.1 (2) -> 13/16.
    QCOMPARE(roc.auc(1), 13.0 / 16.0);
    QSignalSpy spy(&roc, &ui::RocPlot::thresholdChanged);
    roc.setThreshold(0.65);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(roc.threshold(), 0.65);
    // The marked point is (1 - specificity, sensitivity) and lies on the curve.
    QCPGraph* point = nullptr;
    for (int i = 0; i < roc.plot()->graphCount(); ++i)
        if (roc.plot()->graph(i)->dataCount() == 1)
            point = roc.plot()->graph(i);
    QVERIFY(point && point->visible());
    QCOMPARE(point->data()->at(0)->key, 0.25);
    QCOMPARE(point->data()->at(0)->value, 0.5);
    const auto curve = roc.curve(1);
    QVERIFY(std::find(curve.begin(), curve.end(), std::make_pair(0.25, 0.5)) != curve.end());
    QVERIFY2(roc.operatingPointText().contains(QLatin1String("sensitivity 0.500 (2 of 4)")), qPrintable(roc.operatingPointText()));
    QVERIFY(roc.operatingPointText().contains(QLatin1String("specificity 0.750 (3 of 4)")));
    // More than two classes: no threshold.
    const Scores s = makeScores(3, 50, 3);
    roc.setScores(s.truth, s.probabilities, {"a", "b", "c"});
    QVERIFY(std::isnan(roc.sensitivityAt(0.5)));
    QVERIFY(!point->visible());
}

void TestPlots::metricsTable()
{
    const Scores s = makeScores(3, 300, 21);
    const eval::Report report = eval::computeReport(s.truth, s.probabilities, {"normal", "benign", "malignant"});
    ui::ClassMetricsTable table;
    table.setReport(report);
    QCOMPARE(table.rowCount(), 6);
    QCOMPARE(table.columnCount(), static_cast<int>(ui::ClassMetricsTable::ColumnCount));
    QCOMPARE(table.item(1, ui::ClassMetricsTable::ClassColumn)->text(), QStringLiteral("benign"));
    QCOMPARE(table.item(1, ui::ClassMetricsTable::PrecisionColumn)->text(), QString::number(report.perClass[1].precision, 'f', 3));
    QCOMPARE(table.item(2, ui::ClassMetricsTable::RecallColumn)->text(), QString::number(report.perClass[2].recall, 'f', 3));
    QCOMPARE(table.item(0, ui::ClassMetricsTable::SupportColumn)->text(), QString::number(report.perClass[0].support));
    QCOMPARE(table.item(0, ui::ClassMetricsTable::AucColumn)->text(), QString::number(report.perClass[0].rocAuc, 'f', 3));
    QCOMPARE(table.item(table.macroRow(), ui::ClassMetricsTable::F1Column)->text(), QString::number(report.macroF1, 'f', 3));
    QCOMPARE(table.item(table.macroRow(), ui::ClassMetricsTable::AucColumn)->text(), QString::number(report.rocAuc, 'f', 3));
    QCOMPARE(table.item(table.weightedRow(), ui::ClassMetricsTable::RecallColumn)->text(),
             QString::number(report.weightedRecall, 'f', 3));
    QCOMPARE(table.item(table.accuracyRow(), ui::ClassMetricsTable::F1Column)->text(), QString::number(report.accuracy, 'f', 3));
    QCOMPARE(table.item(table.accuracyRow(), ui::ClassMetricsTable::SupportColumn)->text(), QStringLiteral("300"));
    QVERIFY(!(table.item(0, 1)->flags() & Qt::ItemIsEditable));
    // An undefined AUC shows a dash.
    eval::Report r2 = report;
    r2.perClass[2].rocAuc = -1;
    table.setReport(r2);
    QCOMPARE(table.item(2, ui::ClassMetricsTable::AucColumn)->text(), QStringLiteral("–"));
    table.clearReport();
    QCOMPARE(table.rowCount(), 0);
}

void TestPlots::screenshots_data()
{
    QTest::addColumn<QString>("theme");
    QTest::newRow("dark") << QStringLiteral("dark");
    QTest::newRow("light") << QStringLiteral("light");
}

void TestPlots::screenshots()
{
    QFETCH(QString, theme);
    ui::Theme::apply(theme);
    const QString dir = shotsDir();
    auto shoot = [&](QWidget& w, const QString& name, QSize size) {
        w.resize(size);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTest::qWait(50);
        const QString path = QDir(dir).filePath(name + QLatin1Char('_') + theme + QStringLiteral(".png"));
        QVERIFY(w.grab().save(path));
        QVERIFY(QFileInfo(path).size() > 5000);
        qInfo("screenshot: %s", qPrintable(path));
    };

    CurvePlot curves;
    feedRun(curves, 12, 40);
    curves.setBestEpoch(9);
    curves.addComparisonRun(QStringLiteral("densenet121"), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                            {0.9, 0.6, 0.45, 0.38, 0.33, 0.3, 0.28, 0.27, 0.26, 0.25},
                            {0.95, 0.7, 0.55, 0.5, 0.47, 0.46, 0.46, 0.47, 0.48, 0.5},
                            {0.6, 0.72, 0.8, 0.83, 0.85, 0.86, 0.86, 0.87, 0.86, 0.86});
    curves.flush();
    shoot(curves, QStringLiteral("curves"), QSize(1000, 720));
    curves.setXAxis(CurvePlot::XAxis::WallTime);
    curves.setLogScale(true);
    curves.flush();
    shoot(curves, QStringLiteral("curves_walltime_log"), QSize(1000, 720));

    ui::ConfusionMatrixView matrix;
    matrix.setMatrix({{230, 12, 4, 1}, {9, 180, 20, 3}, {2, 25, 160, 8}, {0, 1, 6, 88}},
                     {"no tumour", "glioma", "meningioma", "pituitary"}, QStringLiteral("Held-out test set (749 images)"));
    matrix.flush();
    shoot(matrix, QStringLiteral("confusion"), QSize(700, 600));
    matrix.setNormalised(true);
    matrix.flush();
    shoot(matrix, QStringLiteral("confusion_normalised"), QSize(700, 600));

    ui::RocPlot roc;
    const Scores s4 = makeScores(4, 600, 5);
    roc.setScores(s4.truth, s4.probabilities, {"no tumour", "glioma", "meningioma", "pituitary"});
    roc.flush();
    shoot(roc, QStringLiteral("roc_multiclass"), QSize(640, 600));
    ui::RocPlot roc2;
    const Scores s2 = makeScores(2, 624, 6);
    roc2.setScores(s2.truth, s2.probabilities, {"NORMAL", "PNEUMONIA"});
    roc2.setThreshold(0.35);
    roc2.flush();
    shoot(roc2, QStringLiteral("roc_binary"), QSize(640, 640));

    ui::ClassMetricsTable table;
    table.setReport(eval::computeReport(s4.truth, s4.probabilities, {"no tumour", "glioma", "meningioma", "pituitary"}));
    shoot(table, QStringLiteral("metrics"), QSize(600, 260));
}

QTEST_MAIN(TestPlots)
#include "test_plots.moc"
