// Model bundles: round trip, validation, and clear errors for bad files.
#include <QtTest>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "eval/dataset_evaluation.h"
#include "eval/metrics.h"
#include "imaging/image.h"
#include "nn/model.h"
#include "train/training_job.h"
#include "test_support.h"

using namespace sinar;

namespace {
std::vector<float> randomInputs(int n, int size)
{
    cv::Mat m(1, n * size, CV_32F);
    cv::RNG(3).fill(m, cv::RNG::NORMAL, 0, 1);
    return std::vector<float>(m.begin<float>(), m.end<float>());
}
} // namespace

class TestModel : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

    QString errorOf(const QString& path)
    {
        try {
            nn::Model::load(path.toStdString());
        } catch (const Error& e) {
            return e.what();
        }
        return {};
    }

private slots:
    void initTestCase() { nn::setThreadCount(2); }

    void outputsAreProbabilities()
    {
        const nn::Model m = nn::Model::create(test::smallBundleInfo(), 1);
        const auto x = randomInputs(4, 32 * 32);
        const auto p = m.predict(x.data(), 4);
        QCOMPARE(p.size(), size_t(4));
        for (const auto& row : p) {
            QCOMPARE(row.size(), size_t(3));
            float sum = 0;
            for (float v : row) {
                QVERIFY(v >= 0 && v <= 1);
                sum += v;
            }
            QVERIFY(std::abs(sum - 1.0f) < 1e-5f);
        }
    }

    void seedMakesSameWeights()
    {
        const auto x = randomInputs(2, 32 * 32);
        const auto a = nn::Model::create(test::smallBundleInfo(), 5).predict(x.data(), 2);
        const auto b = nn::Model::create(test::smallBundleInfo(), 5).predict(x.data(), 2);
        const auto c = nn::Model::create(test::smallBundleInfo(), 6).predict(x.data(), 2);
        QCOMPARE(a, b);
        QVERIFY(a != c);
    }

    void roundTripGivesIdenticalPredictions()
    {
        nn::BundleInfo info = test::smallBundleInfo();
        info.recipe.clahe = true;
        info.data["source"] = "somewhere";
        const nn::Model m = nn::Model::create(info, 2);
        const QString path = tmp_.filePath("m.sinar");
        m.save(path.toStdString());
        const nn::Model back = nn::Model::load(path.toStdString());
        const auto x = randomInputs(5, 32 * 32);
        QCOMPARE(back.predict(x.data(), 5), m.predict(x.data(), 5));
        QCOMPARE(back.info().classNames, info.classNames);
        QVERIFY(back.info().recipe.clahe);
        QCOMPARE(back.info().data["source"].toString(), QString("somewhere"));
        QVERIFY(!back.info().createdAt.empty());
        QCOMPARE(back.parameterCount(), m.parameterCount());
    }

    void truncatedBundleIsAClearError()
    {
        const QString good = tmp_.filePath("good.sinar");
        nn::Model::create(test::smallBundleInfo(), 1).save(good.toStdString());
        const std::string bytes = readFileBytes(good.toStdString());
        for (double frac : {0.9, 0.5, 0.1}) {
            const QString cut = tmp_.filePath(QString("cut%1.sinar").arg(frac));
            test::writeFile(cut, bytes.substr(0, static_cast<size_t>(bytes.size() * frac)));
            const QString m = errorOf(cut);
            QVERIFY2(m.contains(cut) && m.contains("corrupt model bundle") && m.contains("truncated"), qPrintable(m));
        }
    }

    void wrongFilesAreClearErrors()
    {
        QVERIFY(errorOf(tmp_.filePath("missing.sinar")).contains("not found"));
        const QString txt = tmp_.filePath("text.sinar");
        test::writeFile(txt, std::string(200, 'x'));
        QVERIFY2(errorOf(txt).contains("corrupt model bundle, or not a model bundle"), qPrintable(errorOf(txt)));
    }

    void inconsistentMetadataIsRejected()
    {
        nn::BundleInfo info = test::smallBundleInfo();
        QJsonObject j = info.toJson();
        j["class_names"] = QJsonArray{"only", "two"};
        QVERIFY_THROWS_EXCEPTION(Error, nn::BundleInfo::fromJson(j, "x"));
        j = info.toJson();
        j["format_version"] = 99;
        try {
            nn::BundleInfo::fromJson(j, "x");
            QFAIL("newer format accepted");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("newer"));
        }
        j = info.toJson();
        QJsonObject pre = j["preprocessing"].toObject();
        pre["channels"] = 3;
        j["preprocessing"] = pre;
        QVERIFY_THROWS_EXCEPTION(Error, nn::BundleInfo::fromJson(j, "x"));
    }

    void imagePredictionUsesTheRecipe()
    {
        const nn::Model m = nn::Model::create(test::smallBundleInfo(), 1);
        const imaging::Image small = imaging::imageFromMat(test::patternImage(0, 0, 32), "a");
        const imaging::Image big = imaging::imageFromMat([] {
            cv::Mat b;
            cv::resize(test::patternImage(0, 0, 32), b, cv::Size(64, 64), 0, 0, cv::INTER_NEAREST);
            return b;
        }(), "b");
        const auto p1 = m.predict(small), p2 = m.predict(big);
        QCOMPARE(p1.size(), size_t(3));
        // Same content at another resolution gives nearly the same answer.
        for (size_t c = 0; c < 3; ++c)
            QVERIFY(std::abs(p1[c] - p2[c]) < 0.1f);
    }

    void torchScriptWithSideCar()
    {
        SINAR_DATA_OR_SKIP(pretrained, "pretrained/mobilenet_v2_imagenet.torchscript.pt");
        // A user's TorchScript export: copy it and describe it with a side-car JSON.
        const QString model = tmp_.filePath("mobilenet.pt");
        QVERIFY(QFile::copy(pretrained, model));

        // Without the side-car: a clear error that says what is needed.
        const QString missing = errorOf(model);
        QVERIFY2(missing.contains("side-car") && missing.contains("mobilenet"), qPrintable(missing));

        QJsonObject side = test::imagenetSideCar(pretrained);
        QCOMPARE(side["class_names"].toArray().size(), 1000);
        writeJsonFile((model + ".json").toStdString(), side);

        const nn::Model m = nn::Model::load(model.toStdString());
        QVERIFY(m.isTorchScript());
        QVERIFY(m.parameterCount() > 3000000);
        const auto p = m.predict(imaging::readImageFile(QFileInfo(pretrained).dir().filePath("check_cat.bmp").toStdString()));
        const size_t best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        QCOMPARE(QString::fromStdString(m.info().classNames[best]), QString("Egyptian cat"));
        // Saved again (as fine-tuning does): a TorchScript file plus its side-car, same answers.
        const QString copy = tmp_.filePath("copy.pt");
        m.save(copy.toStdString());
        QVERIFY(QFileInfo::exists(copy + ".json"));
        const nn::Model again = nn::Model::load(copy.toStdString());
        QVERIFY(again.isTorchScript());
        QCOMPARE(again.predict(imaging::readImageFile(QFileInfo(pretrained).dir().filePath("check_cat.bmp").toStdString())), p);

        // A side-car that names the wrong number of classes is caught at load time.
        side["class_names"] = QJsonArray{"cat", "dog"};
        writeJsonFile((model + ".json").toStdString(), side);
        const QString wrong = errorOf(model);
        QVERIFY2(wrong.contains("1000 outputs") && wrong.contains("2 classes"), qPrintable(wrong));
    }

    void shippedModelsLoad_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("data");
        QTest::newRow("brain") << "brain-mri-cnn.sinar" << "brain-mri/Training";
        QTest::newRow("brain-transfer") << "brain-mri-transfer.sinar" << "brain-mri/Training";
        QTest::newRow("pneumonia") << "pneumoniamnist-cnn.sinar" << "pneumoniamnist/pneumoniamnist_trainval.npz";
    }
    void shippedModelsLoad()
    {
        QFETCH(QString, file);
        QFETCH(QString, data);
        const QString path = QString(SINAR_MODELS_DIR) + "/" + file;
        if (!QFileInfo::exists(path))
            SINAR_SKIP_OR_FAIL(QStringLiteral("model not shipped yet"));
        const nn::Model m = nn::Model::load(path.toStdString());
        QVERIFY2(m.isSealed(), "a shipped bundle must carry its SHA-256 seal (sinar-cli info --seal)");
        const double claimed = m.info().testMetrics.value("accuracy").toDouble();
        QVERIFY(claimed > 0.9);
        QVERIFY(QFileInfo(path).size() < 20 * 1024 * 1024);

        // Not only what the bundle says of itself: re-score it on its held-out
        // split, re-created from the bundle, and compare.
        SINAR_DATA_OR_SKIP(dataPath, data);
        data::DatasetOptions options;
        options.classNames = m.info().classNames;
        // An .npz model was tested on the archive's own "val" subset (its test_source), whole.
        const bool separateTest = m.info().data.value("test_fraction").toDouble() <= 0;
        if (separateTest)
            options.subset = "val";
        data::Dataset set = data::openDataset(dataPath.toStdString(), options);
        std::vector<size_t> test;
        if (separateTest)
            for (size_t i = 0; i < set.size(); ++i)
                test.push_back(i);
        else
            test = train::heldOutTestIndices(set, m.info().data, path.toStdString());
        QCOMPARE(static_cast<qint64>(test.size()), m.info().testMetrics.value("n").toInteger());
        set.remapClasses(m.info().classNames);
        const eval::DatasetPredictions p = eval::predictDataset(m, set, test);
        QCOMPARE(p.index.size(), test.size());
        const eval::Report r = eval::computeReport(p.truth, p.probabilities, m.info().classNames);
        qInfo("%s: held-out accuracy %.4f re-scored, %.4f claimed (%zu images)", qPrintable(file), r.accuracy, claimed,
              test.size());
        // Thread counts may flip an image whose two top classes tie within rounding.
        QVERIFY2(std::abs(r.accuracy - claimed) <= 2.0 / static_cast<double>(test.size()),
                 qPrintable(QString::number(r.accuracy)));
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "test_model.moc"
