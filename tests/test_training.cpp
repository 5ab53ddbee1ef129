// A short training on real images where the loss falls; checkpoint, resume and cancel.
#include <QtTest>

#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "train/training_job.h"
#include "test_support.h"

using namespace sinar;

namespace {

// Writes a CSV with the first `perClass` images of each class of the brain MRI set.
QString brainSubset(const QString& root, const QString& csv, int perClass)
{
    QString text = "path,label\n";
    for (const QString& cls : QDir(root).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
        const QStringList files = QDir(root + "/" + cls).entryList({"*.jpg"}, QDir::Files, QDir::Name);
        for (int i = 0; i < perClass && i < files.size(); ++i)
            text += root + "/" + cls + "/" + files[i] + "," + cls + "\n";
    }
    test::writeFile(csv, text.toStdString());
    return csv;
}

class Recorder : public train::TrainingObserver {
public:
    std::vector<train::EpochEvent> epochs;
    int batches = 0;
    CancelToken* cancelAfterFirstEpoch = nullptr;
    void onBatch(const train::BatchEvent& e) override
    {
        ++batches;
        QVERIFY(e.batch >= 1 && e.batch <= e.batches);
        QVERIFY(std::isfinite(e.loss));
    }
    void onEpoch(const train::EpochEvent& e) override
    {
        epochs.push_back(e);
        if (cancelAfterFirstEpoch)
            cancelAfterFirstEpoch->cancel();
    }
};

train::TrainingJobSpec smallSpec(const QString& data, const QString& out)
{
    train::TrainingJobSpec s;
    s.dataPath = data.toStdString();
    s.outPath = out.toStdString();
    s.recipe.width = s.recipe.height = 64;
    s.cnn.filters = {16, 32, 64};
    s.train.epochs = 8;
    s.train.learningRate = 0.02;
    s.train.patience = 0;
    s.train.seed = 1;
    s.overwrite = true;
    return s;
}

} // namespace

class TestTraining : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString csv_;

private slots:
    void initTestCase()
    {
        nn::setThreadCount(2);
        SINAR_DATA_OR_SKIP(root, "brain-mri/Training");
        csv_ = brainSubset(root, tmp_.filePath("subset.csv"), 60);
    }

    void lossFallsOnRealImages()
    {
        if (csv_.isEmpty())
            QSKIP("real data not found");
        Recorder rec;
        const QString out = tmp_.filePath("brain.sinar");
        CancelToken token;
        const train::TrainingJobResult r = train::runTrainingJob(smallSpec(csv_, out), &rec, &token);
        QCOMPARE(rec.epochs.size(), size_t(8));
        QVERIFY(rec.batches > 0);
        const double first = rec.epochs.front().trainLoss, last = rec.epochs.back().trainLoss;
        QVERIFY2(last < 0.8 * first, qPrintable(QString("train loss %1 -> %2").arg(first).arg(last)));
        QVERIFY2(rec.epochs.back().trainAccuracy > 0.4, "training accuracy stays at chance (0.25)");
        // 20% of 240 held out, stratified; test metrics stored in the bundle.
        QCOMPARE(r.testCount, size_t(48));
        QCOMPARE(r.test.n, 48L);
        const nn::Model m = nn::Model::load(out.toStdString());
        QCOMPARE(m.info().testMetrics.value("n").toInt(), 48);
        QCOMPARE(m.info().data.value("test").toArray().size(), 4);
        QVERIFY(QFileInfo::exists(QString::fromStdString(r.runDir) + "/split.json"));
        QVERIFY(QFileInfo::exists(QString::fromStdString(r.runDir) + "/test.csv"));
        QVERIFY(QFileInfo::exists(QString::fromStdString(r.runDir) + "/checkpoint.pt"));
        const QString history = QString::fromStdString(readFileBytes(r.runDir + "/history.csv"));
        QCOMPARE(history.count('\n'), 9);
    }

    void sameSeedSameSplitAndStart()
    {
        if (csv_.isEmpty())
            QSKIP("real data not found");
        auto spec = smallSpec(csv_, tmp_.filePath("a.sinar"));
        spec.train.epochs = 1;
        Recorder a, b;
        train::runTrainingJob(spec, &a, nullptr);
        spec.outPath = tmp_.filePath("b.sinar").toStdString();
        train::runTrainingJob(spec, &b, nullptr);
        QCOMPARE(readFileBytes(tmp_.filePath("a.sinar.run/split.json").toStdString()),
                 readFileBytes(tmp_.filePath("b.sinar.run/split.json").toStdString()));
        // Same seed, same data, same threads: the same first epoch.
        QVERIFY(std::abs(a.epochs[0].trainLoss - b.epochs[0].trainLoss) < 1e-3);
    }

    void cancelThenResume()
    {
        if (csv_.isEmpty())
            QSKIP("real data not found");
        auto spec = smallSpec(csv_, tmp_.filePath("resumed.sinar"));
        spec.train.epochs = 3;
        CancelToken token;
        Recorder first;
        first.cancelAfterFirstEpoch = &token;
        QVERIFY_THROWS_EXCEPTION(Cancelled, train::runTrainingJob(spec, &first, &token));
        QCOMPARE(first.epochs.size(), size_t(1));
        QVERIFY(!QFileInfo::exists(tmp_.filePath("resumed.sinar"))); // nothing half-written
        QVERIFY(QFileInfo::exists(tmp_.filePath("resumed.sinar.run/checkpoint.pt")));

        spec.resume = true;
        Recorder second;
        CancelToken fresh;
        const auto r = train::runTrainingJob(spec, &second, &fresh);
        QCOMPARE(second.epochs.size(), size_t(2)); // epochs 2 and 3 only
        QCOMPARE(second.epochs.front().epoch, 2);
        QCOMPARE(r.history.epochs.size(), size_t(3)); // history carried over
        QVERIFY(QFileInfo::exists(tmp_.filePath("resumed.sinar")));
    }

    void refusesToOverwrite()
    {
        if (csv_.isEmpty())
            QSKIP("real data not found");
        const QString out = tmp_.filePath("exists.sinar");
        test::writeFile(out, "precious");
        auto spec = smallSpec(csv_, out);
        spec.overwrite = false;
        QVERIFY_THROWS_EXCEPTION(Error, train::runTrainingJob(spec, nullptr, nullptr));
        QCOMPARE(readFileBytes(out.toStdString()), std::string("precious"));
    }
};

QTEST_GUILESS_MAIN(TestTraining)
#include "test_training.moc"
