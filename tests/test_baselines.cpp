// The classical baselines (nn/classical.h): SVM (linear, RBF) and k-NN fitted
// with OpenCV ml, stored as bundles and run through the same predict,
// evaluate, calibration and explain paths as the CNNs.
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/ml.hpp>
#include <random>

#include "common/error.h"
#include "data/split.h"
#include "nn/architectures.h"
#include "nn/model.h"
#include "test_support.h"

using namespace sinar;

namespace {

// Three classes of 8x8 grey "images": Gaussian noise around a class pattern.
struct Blobs {
    std::vector<float> x;
    std::vector<int> y;
    int n = 0;
};

Blobs makeBlobs(int perClass, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> noise(0.f, 0.35f);
    Blobs b;
    for (int i = 0; i < perClass; ++i)
        for (int c = 0; c < 3; ++c) {
            for (int p = 0; p < 64; ++p) {
                const int row = p / 8, col = p % 8;
                const float pattern = c == 0 ? (row < 4 ? 1.f : 0.f) : c == 1 ? (col < 4 ? 1.f : 0.f) : ((row + col) % 2 ? 1.f : 0.f);
                b.x.push_back(0.5f * pattern + noise(rng));
            }
            b.y.push_back(c);
            ++b.n;
        }
    return b;
}

nn::BundleInfo baselineInfo(const std::string& architecture, const std::string& features, int size = 8)
{
    nn::BundleInfo info;
    info.architecture = architecture;
    info.classNames = {"rows", "columns", "checks"};
    info.recipe.width = info.recipe.height = size;
    info.recipe.channels = 1;
    info.recipe.normalisation = imaging::Normalisation::None;
    info.classical["features"] = QString::fromStdString(features);
    return info;
}

int argmax(const std::vector<float>& p)
{
    return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

cv::Mat rows(const Blobs& b)
{
    return cv::Mat(b.n, 64, CV_32F, const_cast<float*>(b.x.data())).clone();
}

cv::Mat labelsOf(const Blobs& b)
{
    cv::Mat m(b.n, 1, CV_32S);
    for (int i = 0; i < b.n; ++i)
        m.at<int>(i) = b.y[static_cast<size_t>(i)];
    return m;
}

// What the SVM baseline does to its features: each centred on its mean over
// `train`, all divided by one factor (the root of the mean population variance).
cv::Mat standardised(const cv::Mat& m, const cv::Mat& train)
{
    cv::Mat out = m.clone();
    double variance = 0;
    for (int c = 0; c < train.cols; ++c) {
        cv::Scalar mean, sd;
        cv::meanStdDev(train.col(c), mean, sd);
        out.col(c) = m.col(c) - mean[0];
        variance += sd[0] * sd[0] / train.cols;
    }
    return out / std::sqrt(variance);
}

QString writeBundle(const nn::Model& model, const QTemporaryDir& dir, const QString& name)
{
    const QString path = dir.filePath(name);
    model.save(path.toStdString());
    return path;
}

} // namespace

class TestBaselines : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void registered();
    void svmAgreesWithOpenCv();
    void knnAgreesWithOpenCv();
    void linearSvmAndHog();
    void badSetupsRefused();
    void cliTrainEvaluateExplain();
    void compareAndAblate();
};

void TestBaselines::registered()
{
    for (const char* a : {"svm-linear", "svm-rbf", "knn"}) {
        QVERIFY2(nn::isRegisteredArchitecture(a), a);
        QVERIFY(nn::isClassicalArchitecture(a));
    }
    QVERIFY(!nn::isClassicalArchitecture("standard-cnn"));
}

// The bundle's own decision functions (evaluated with LibTorch) give OpenCV's
// answers for the C and gamma its cross-validation chose; save/load keeps them.
void TestBaselines::svmAgreesWithOpenCv()
{
    const Blobs train = makeBlobs(60, 1), test = makeBlobs(30, 2);
    nn::Model model = nn::Model::create(baselineInfo("svm-rbf", "raw"), 0);
    QVERIFY(model.fitsDirectly());
    std::vector<std::vector<float>> outOfFold;
    model.fitDirectly(train.x.data(), train.n, train.y, 3, 0, {}, nullptr, &outOfFold);
    const QJsonObject c = model.info().classical;
    // The held-out scores at the chosen point: one probability row per
    // training image, as often right as the cross-validation said (the fold
    // SVMs' vote ties aside).
    QCOMPARE(outOfFold.size(), static_cast<size_t>(train.n));
    int oofCorrect = 0;
    for (int i = 0; i < train.n; ++i) {
        QCOMPARE(outOfFold[static_cast<size_t>(i)].size(), size_t(3));
        oofCorrect += argmax(outOfFold[static_cast<size_t>(i)]) == train.y[static_cast<size_t>(i)];
    }
    QVERIFY2(std::abs(oofCorrect - c.value("cv_accuracy").toDouble() * train.n) <= 2,
             qPrintable(QString("%1 of %2 vs %3").arg(oofCorrect).arg(train.n).arg(c.value("cv_accuracy").toDouble())));
    QCOMPARE(c.value("cross_validation").toArray().size(), 12); // 4 C x 3 gamma
    QCOMPARE(c.value("cv_folds").toInt(), 3);
    QVERIFY(c.value("standardised").toBool());
    const QJsonObject chosen = c.value("chosen").toObject();
    QVERIFY(chosen.value("C").toDouble() > 0 && chosen.value("gamma").toDouble() > 0);
    QVERIFY(chosen.value("support_vectors").toInt() > 0);

    cv::Ptr<cv::ml::SVM> svm = cv::ml::SVM::create();
    svm->setType(cv::ml::SVM::C_SVC);
    svm->setKernel(cv::ml::SVM::RBF);
    svm->setC(chosen.value("C").toDouble());
    svm->setGamma(chosen.value("gamma").toDouble());
    svm->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER + cv::TermCriteria::EPS, 1000000, 1e-3));
    const cv::Mat trainRows = rows(train);
    svm->train(standardised(trainRows, trainRows), cv::ml::ROW_SAMPLE, labelsOf(train));
    cv::Mat opencv;
    svm->predict(standardised(rows(test), trainRows), opencv);

    const auto probs = model.predict(test.x.data(), test.n);
    int agree = 0, correct = 0;
    for (int i = 0; i < test.n; ++i) {
        const int mine = argmax(probs[static_cast<size_t>(i)]);
        agree += mine == static_cast<int>(std::lround(opencv.at<float>(i)));
        correct += mine == test.y[static_cast<size_t>(i)];
        float sum = 0;
        for (float p : probs[static_cast<size_t>(i)])
            sum += p;
        QVERIFY(std::abs(sum - 1.f) < 1e-4f);
    }
    // Only three-way vote ties may differ (OpenCV takes the first class; the bundle the larger decision values).
    QVERIFY2(agree >= test.n - 2, qPrintable(QString("%1 of %2 agree").arg(agree).arg(test.n)));
    QVERIFY2(correct > test.n * 0.8, qPrintable(QString("accuracy %1/%2").arg(correct).arg(test.n)));

    QTemporaryDir dir;
    const nn::Model loaded = nn::Model::load(writeBundle(model, dir, "svm.sinar").toStdString());
    QCOMPARE(loaded.info().architecture, std::string("svm-rbf"));
    QCOMPARE(loaded.info().classical.value("chosen").toObject(), chosen);
    const auto again = loaded.predict(test.x.data(), test.n);
    for (int i = 0; i < test.n; ++i)
        QCOMPARE(again[static_cast<size_t>(i)], probs[static_cast<size_t>(i)]);
    // Embeddings (the standardised features) feed the out-of-distribution statistics.
    QVERIFY(loaded.hasEmbeddings());
    std::vector<std::vector<float>> emb;
    loaded.predict(test.x.data(), 2, &emb);
    QCOMPARE(emb.size(), size_t(2));
    QCOMPARE(emb[0].size(), size_t(64));
}

void TestBaselines::knnAgreesWithOpenCv()
{
    const Blobs train = makeBlobs(40, 3), test = makeBlobs(20, 4);
    nn::Model model = nn::Model::create(baselineInfo("knn", "raw"), 0);
    std::vector<std::vector<float>> outOfFold;
    model.fitDirectly(train.x.data(), train.n, train.y, 3, 0, {}, nullptr, &outOfFold);
    const QJsonObject c = model.info().classical;
    const int k = c.value("chosen").toObject().value("k").toInt();
    // Out-of-fold scores: exactly the cross-validation's votes at the chosen k.
    QCOMPARE(outOfFold.size(), static_cast<size_t>(train.n));
    int oofCorrect = 0;
    for (int i = 0; i < train.n; ++i)
        oofCorrect += argmax(outOfFold[static_cast<size_t>(i)]) == train.y[static_cast<size_t>(i)];
    QCOMPARE(oofCorrect, static_cast<int>(std::lround(c.value("cv_accuracy").toDouble() * train.n)));
    QVERIFY(k >= 1);
    QCOMPARE(c.value("cross_validation").toArray().size(), 8);
    QVERIFY(!c.value("standardised").toBool());

    cv::Ptr<cv::ml::KNearest> knn = cv::ml::KNearest::create();
    knn->train(rows(train), cv::ml::ROW_SAMPLE, labelsOf(train));
    cv::Mat opencv;
    knn->findNearest(rows(test), k, opencv);
    const auto probs = model.predict(test.x.data(), test.n);
    int agree = 0;
    for (int i = 0; i < test.n; ++i)
        agree += argmax(probs[static_cast<size_t>(i)]) == static_cast<int>(std::lround(opencv.at<float>(i)));
    QVERIFY2(agree >= test.n - 2, qPrintable(QString("%1 of %2 agree").arg(agree).arg(test.n)));
    // k = 1 and a training image: the nearest neighbour is itself.
    nn::Model one = nn::Model::create(baselineInfo("knn", "raw"), 0);
    one.fitDirectly(train.x.data(), train.n, train.y, 3, 0);
    const auto self = one.predict(train.x.data(), 1);
    QCOMPARE(argmax(self[0]), train.y[0]);
}

void TestBaselines::linearSvmAndHog()
{
    // Linear SVM on raw pixels.
    const Blobs train = makeBlobs(40, 5), test = makeBlobs(20, 6);
    nn::Model linear = nn::Model::create(baselineInfo("svm-linear", "raw"), 0);
    linear.fitDirectly(train.x.data(), train.n, train.y, 3, 0);
    QCOMPARE(linear.info().classical.value("cross_validation").toArray().size(), 4);
    QVERIFY(!linear.info().classical.value("chosen").toObject().contains("gamma"));
    int correct = 0;
    const auto p = linear.predict(test.x.data(), test.n);
    for (int i = 0; i < test.n; ++i)
        correct += argmax(p[static_cast<size_t>(i)]) == test.y[static_cast<size_t>(i)];
    QVERIFY2(correct > test.n * 0.8, qPrintable(QString("%1/%2").arg(correct).arg(test.n)));

    // HOG of 32x32 pattern images: 3x3 blocks of 2x2 cells of 9 bins = 324 values.
    std::vector<float> x;
    std::vector<int> y;
    for (int i = 0; i < 24; ++i)
        for (int cls = 0; cls < 3; ++cls) {
            cv::Mat img = test::patternImage(cls, i, 32), f;
            img.convertTo(f, CV_32F, 1.0 / 255);
            x.insert(x.end(), f.begin<float>(), f.end<float>());
            y.push_back(cls);
        }
    nn::Model hog = nn::Model::create(baselineInfo("knn", "hog", 32), 0);
    hog.fitDirectly(x.data(), static_cast<int>(y.size()), y, 3, 0);
    QCOMPARE(hog.info().classical.value("feature_dimension").toInt(), 324);
    QVERIFY2(hog.info().classical.value("cv_accuracy").toDouble() > 0.9,
             qPrintable(QString::number(hog.info().classical.value("cv_accuracy").toDouble())));
}

void TestBaselines::badSetupsRefused()
{
    auto refused = [](const nn::BundleInfo& info, const QString& expected) {
        try {
            nn::Model::create(info, 0);
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(expected), e.what());
            return;
        }
        QFAIL(qPrintable("accepted: " + expected));
    };
    refused(baselineInfo("svm-rbf", "sift"), "raw or hog");
    refused(baselineInfo("knn", "hog", 30), "multiple of 8");
    nn::BundleInfo big = baselineInfo("svm-linear", "raw", 512);
    refused(big, "too many features");
    // Too few images per class for the folds.
    nn::Model m = nn::Model::create(baselineInfo("svm-rbf", "raw"), 0);
    const Blobs tiny = makeBlobs(2, 7);
    try {
        m.fitDirectly(tiny.x.data(), tiny.n, tiny.y, 3, 0);
        QFAIL("two images per class were accepted for 3 folds");
    } catch (const Error& e) {
        QVERIFY2(QString(e.what()).contains("cross-validation"), e.what());
    }
    // An unfitted baseline is not saved.
    QTemporaryDir dir;
    QVERIFY_THROWS_EXCEPTION(Error, m.save(dir.filePath("x.sinar").toStdString()));
}

// The whole path a user takes: train from a class folder, evaluate the held-out
// split again, predict a file, explain it (occlusion yes, Grad-CAM no).
void TestBaselines::cliTrainEvaluateExplain()
{
    QTemporaryDir dir;
    const QString data = dir.filePath("shapes");
    test::makeClassFolder(data, {"blob", "hbars", "vbars", "checks"}, 25, 32);
    const QString bundle = dir.filePath("svm.sinar");
    test::CliRun r = test::runCli({"train", "--data", data, "--out", bundle, "--architecture", "svm-rbf", "--features",
                                   "hog", "--size", "32", "--normalise", "none"});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.err.contains("cross-validated accuracy"), qPrintable(r.err));
    QVERIFY2(r.err.contains("svm-rbf on hog features"), qPrintable(r.err));
    const QJsonObject metrics = test::readJsonObject(bundle + ".run/test_metrics.json");
    QVERIFY2(metrics.value("accuracy").toDouble() >= 0.9, qPrintable(QString::number(metrics.value("accuracy").toDouble())));
    QVERIFY(metrics.contains("ece"));
    // Fitted on the whole training part (train and validation; no early
    // stopping to keep images back for), calibrated on its cross-validated scores.
    const QJsonObject split = test::readJsonObject(bundle + ".run/split.json");
    const qint64 trainingPart = split.value("train").toArray().size() + split.value("val").toArray().size();
    QVERIFY(split.value("val").toArray().size() > 0);
    const nn::Model fitted = nn::Model::load(bundle.toStdString());
    QCOMPARE(fitted.info().classical.value("fitted_on").toInteger(), trainingPart);
    QCOMPARE(fitted.info().calibration.value("fitted_on").toString(), QString("cross-validation"));
    QVERIFY2(r.err.contains("fitted on " + QString::number(trainingPart) + " images (train and validation)"), qPrintable(r.err));
    r = test::runCli({"calibrate", "--model", bundle, "--data", data, "--overwrite"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("calibrated on its cross-validated scores") && r.err.contains("svm.sinar"), qPrintable(r.err));

    const QString json = dir.filePath("eval.json");
    r = test::runCli({"evaluate", "--model", bundle, "--data", data, "--held-out", "--json", json});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QCOMPARE(test::readJsonObject(json).value("accuracy").toDouble(), metrics.value("accuracy").toDouble());

    const QString image = data + "/hbars/img_003.png";
    r = test::runCli({"predict", "--model", bundle, image});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("hbars"), qPrintable(r.out));

    r = test::runCli({"explain", "--model", bundle, "--out", dir.filePath("maps"), image});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("classical baseline") && r.err.contains("occlusion can"), qPrintable(r.err));
    r = test::runCli({"explain", "--model", bundle, "--method", "occlusion", "--out", dir.filePath("maps"), image});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));

    // k-NN on HOG on scikit-learn's split (recorded, and drawn again by
    // evaluate --held-out), and the options that make no sense for a baseline.
    r = test::runCli({"train", "--data", data, "--out", dir.filePath("knn.sinar"), "--architecture", "knn", "--features",
                      "hog", "--size", "32", "--split-method", "sklearn"});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QJsonObject knnMetrics = test::readJsonObject(dir.filePath("knn.sinar.run/test_metrics.json"));
    QVERIFY(knnMetrics.value("accuracy").toDouble() >= 0.9);
    const QJsonObject knnSplit = test::readJsonObject(dir.filePath("knn.sinar.run/split.json"));
    QCOMPARE(knnSplit.value("method").toString(), QString("sklearn"));
    std::vector<int> folderLabels; // makeClassFolder: 25 images per class, classes in sorted order
    for (int c = 0; c < 4; ++c)
        folderLabels.insert(folderLabels.end(), 25, c);
    const data::Split expected = data::sklearnSplit(folderLabels, 0.2, 0.1, 0);
    QCOMPARE(knnSplit.value("test").toArray().size(), static_cast<qsizetype>(expected.test.size()));
    for (int i = 0; i < knnSplit.value("test").toArray().size(); ++i)
        QCOMPARE(static_cast<size_t>(knnSplit.value("test").toArray()[i].toInteger()), expected.test[static_cast<size_t>(i)]);
    r = test::runCli({"evaluate", "--model", dir.filePath("knn.sinar"), "--data", data, "--held-out", "--json", json});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QCOMPARE(test::readJsonObject(json).value("accuracy").toDouble(), knnMetrics.value("accuracy").toDouble());
    r = test::runCli({"train", "--data", data, "--out", dir.filePath("bad.sinar"), "--architecture", "knn",
                      "--split-method", "sklearn", "--group-duplicates"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("--split-method sklearn cannot keep near-duplicates"), qPrintable(r.err));
    r = test::runCli({"train", "--data", data, "--out", dir.filePath("bad.sinar"), "--architecture", "knn", "--features",
                      "hog", "--size", "30"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("multiple of 8"), qPrintable(r.err));
}

// compare and ablate: every row trained on the same split, the JSON contract
// {"methods": [{"name", "accuracy", "macro_f1", "roc_auc", "train_seconds", "predict_ms"}...], "split": {...}}.
void TestBaselines::compareAndAblate()
{
    QTemporaryDir dir;
    const QString data = dir.filePath("shapes");
    test::makeClassFolder(data, {"blob", "hbars", "vbars"}, 20, 32);
    const QString json = dir.filePath("compare.json");
    test::CliRun r = test::runCli({"compare", "--data", data, "--json", json, "--methods", "cnn,svm-rbf-raw,knn-hog",
                                   "--epochs", "2", "--size", "32", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("svm-rbf-raw") && r.out.contains("ms/image"), qPrintable(r.out));
    const QJsonObject o = test::readJsonObject(json);
    const QJsonArray methods = o.value("methods").toArray();
    QCOMPARE(methods.size(), 3);
    const QStringList names = {"cnn", "svm-rbf-raw", "knn-hog"};
    const int testImages = o.value("split").toObject().value("test").toInt();
    QCOMPARE(testImages, 12); // 20% of 20 per class
    for (int i = 0; i < 3; ++i) {
        const QJsonObject m = methods[i].toObject();
        QCOMPARE(m.value("name").toString(), names[i]);
        for (const char* key : {"accuracy", "macro_f1", "macro_precision", "macro_recall", "roc_auc", "ece"}) {
            const double v = m.value(key).toDouble(-2);
            QVERIFY2(v >= 0 && v <= 1, qPrintable(names[i] + " " + key + " " + QString::number(v)));
        }
        QVERIFY(m.value("train_seconds").toDouble() > 0);
        QVERIFY(m.value("predict_ms").toDouble() > 0);
        QCOMPARE(m.value("test_images").toInt(), testImages);
        QCOMPARE(m.value("per_class_recall").toObject().keys(), QStringList({"blob", "hbars", "vbars"}));
        QVERIFY(!m.value("by_quality").toObject().value("buckets").toArray().isEmpty());
        QVERIFY(QFileInfo::exists(m.value("bundle").toString()));
    }
    QCOMPARE(methods[1].toObject().value("features").toString(), QString("raw"));
    QVERIFY(methods[1].toObject().value("chosen").toObject().contains("gamma"));
    QVERIFY(methods[2].toObject().value("chosen").toObject().contains("k"));
    QVERIFY(QFileInfo::exists(dir.filePath("compare.csv")));

    r = test::runCli({"compare", "--data", data, "--json", json, "--methods", "cnn,forest"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("unknown method 'forest'") && r.err.contains("svm-rbf-hog"), qPrintable(r.err));
    r = test::runCli({"compare", "--data", data, "--json", json, "--methods", "transfer"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("--pretrained"), qPrintable(r.err));

    const QString ablation = dir.filePath("ablation.json");
    r = test::runCli({"ablate", "--data", data, "--json", ablation, "--epochs", "1", "--size", "32", "--quiet"});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QJsonArray rows = test::readJsonObject(ablation).value("methods").toArray();
    QStringList got;
    for (const auto& v : rows)
        got << v.toObject().value("name").toString();
    QCOMPARE(got, QStringList({"none", "normalisation", "augmentation", "clahe", "denoise"}));
    QCOMPARE(test::readJsonObject(ablation).value("kind").toString(), QString("ablation"));
}

QTEST_GUILESS_MAIN(TestBaselines)
#include "test_baselines.moc"
