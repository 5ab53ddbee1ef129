// Trust: expected calibration error and risk-coverage against hand
// computation, temperature scaling (fit, bundle round trip, sinar-cli
// calibrate) and the validation split re-created from a bundle, on real data.
#include <QtTest>
#include <cmath>
#include <random>

#include "common/error.h"
#include "data/dataset.h"
#include "eval/calibration_metrics.h"
#include "eval/dataset_evaluation.h"
#include "eval/metrics.h"
#include "imaging/image.h"
#include "nn/model.h"
#include "train/training_job.h"
#include "trust/calibration.h"
#include "trust/ood.h"
#include "test_support.h"

using namespace sinar;

namespace {

std::vector<float> softmax(const std::vector<double>& z)
{
    double m = z[0];
    for (double v : z)
        m = std::max(m, v);
    double s = 0;
    for (double v : z)
        s += std::exp(v - m);
    std::vector<float> p;
    for (double v : z)
        p.push_back(static_cast<float>(std::exp(v - m) / s));
    return p;
}

std::vector<int> argmax(const std::vector<std::vector<float>>& probs)
{
    std::vector<int> out;
    for (const auto& p : probs)
        out.push_back(static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()));
    return out;
}

} // namespace

class TestTrust : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    void initTestCase() { nn::setThreadCount(2); }

    void eceAgainstHandComputation()
    {
        // Top-class confidence, correct?  bin (k/15, (k+1)/15]
        // 0.90 yes -> 13; 0.88 no -> 13; 0.95 no -> 14; 0.62 yes -> 9; 0.70 yes -> 10; 0.55 no -> 8
        const std::vector<std::vector<float>> p = {{0.9f, 0.1f},  {0.88f, 0.12f}, {0.05f, 0.95f},
                                                   {0.62f, 0.38f}, {0.3f, 0.7f},   {0.45f, 0.55f}};
        const std::vector<int> truth = {0, 1, 0, 0, 1, 0};
        const eval::Reliability r = eval::reliability(truth, p);
        QCOMPARE(r.bins.size(), size_t(15));
        QCOMPARE(r.bins[13].count, 2L);
        QVERIFY(std::abs(r.bins[13].confidence - 0.89) < 1e-6);
        QCOMPARE(r.bins[13].accuracy, 0.5);
        QCOMPARE(r.bins[14].count, 1L);
        QCOMPARE(r.bins[14].accuracy, 0.0);
        QCOMPARE(r.bins[0].count, 0L);
        QVERIFY(std::abs(r.bins[8].lower - 8.0 / 15) < 1e-12 && std::abs(r.bins[8].upper - 9.0 / 15) < 1e-12);
        // |0.5-0.89|*2/6 + 0.95/6 + 0.38/6 + 0.30/6 + 0.55/6
        const double hand = (0.39 * 2 + 0.95 + 0.38 + 0.30 + 0.55) / 6;
        QVERIFY2(std::abs(r.ece - hand) < 1e-6, qPrintable(QString("ECE %1, by hand %2").arg(r.ece).arg(hand)));
        QCOMPARE(eval::expectedCalibrationError(truth, p), r.ece);
        // Perfectly calibrated in every bin: 10 images at 0.8 confidence, 8 right.
        std::vector<std::vector<float>> q(10, {0.8f, 0.2f});
        std::vector<int> t(10, 0);
        t[0] = t[1] = 1;
        QVERIFY(eval::expectedCalibrationError(t, q) < 1e-6);
        QVERIFY_THROWS_EXCEPTION(Error, eval::reliability({0}, {{0.5f, 0.5f}, {0.5f, 0.5f}}));
    }

    void riskCoverageAgainstHandComputation()
    {
        // Confidences 0.9 (right), 0.8 (wrong), 0.7 (right), 0.6 (right), given out of order.
        const std::vector<std::vector<float>> p = {{0.3f, 0.7f}, {0.9f, 0.1f}, {0.4f, 0.6f}, {0.2f, 0.8f}};
        const std::vector<int> truth = {1, 0, 1, 0};
        const auto rc = eval::riskCoverage(truth, p);
        QCOMPARE(rc.size(), size_t(20));
        QCOMPARE(rc[0].coverage, 1.0);
        QCOMPARE(rc[0].accuracy, 0.75);
        QVERIFY(std::abs(rc[0].threshold - 0.6) < 1e-6);
        QCOMPARE(rc[1].accuracy, 0.75); // 95 %: ceil(3.8) = 4 images
        QCOMPARE(rc[5].coverage, 0.75);
        QVERIFY(std::abs(rc[5].accuracy - 2.0 / 3) < 1e-12);
        QVERIFY(std::abs(rc[5].threshold - 0.7) < 1e-6);
        QCOMPARE(rc[10].accuracy, 0.5);
        QVERIFY(std::abs(rc[10].threshold - 0.8) < 1e-6);
        QCOMPARE(rc[15].accuracy, 1.0);
        QCOMPARE(rc[19].coverage, 0.05);
        QCOMPARE(rc[19].accuracy, 1.0);
        QVERIFY(std::abs(rc[19].threshold - 0.9) < 1e-6);
    }

    void temperatureIsRecoveredFromOverconfidentScores()
    {
        // Labels drawn from softmax(z); the "model" reports softmax(3 z): T = 3 undoes it.
        std::mt19937 rng(7);
        std::normal_distribution<double> normal(0, 1.5);
        std::vector<int> truth;
        std::vector<std::vector<float>> probs;
        for (int i = 0; i < 4000; ++i) {
            std::vector<double> z(3), z3(3);
            for (int c = 0; c < 3; ++c) {
                z[c] = normal(rng);
                z3[c] = 3 * z[c];
            }
            const std::vector<float> p = softmax(z);
            std::discrete_distribution<int> draw(p.begin(), p.end());
            truth.push_back(draw(rng));
            probs.push_back(softmax(z3));
        }
        const trust::TemperatureFit f = trust::fitTemperature(truth, probs);
        qInfo("synthetic: T %.3f (true 3), NLL %.4f -> %.4f, ECE %.4f -> %.4f", f.temperature, f.nllBefore, f.nllAfter,
              f.eceBefore, f.eceAfter);
        QVERIFY2(std::abs(f.temperature - 3) < 0.25, qPrintable(QString::number(f.temperature)));
        QVERIFY(f.nllAfter < f.nllBefore);
        QVERIFY(f.eceAfter < f.eceBefore / 2);
        QCOMPARE(f.n, 4000L);
        // The NLL is at its minimum at the fitted T.
        const double at = trust::negativeLogLikelihood(truth, probs, f.temperature);
        QVERIFY(at <= trust::negativeLogLikelihood(truth, probs, f.temperature * 1.05) + 1e-9);
        QVERIFY(at <= trust::negativeLogLikelihood(truth, probs, f.temperature / 1.05) + 1e-9);
        // Temperature never changes the arg-max.
        QCOMPARE(argmax(trust::applyTemperature(probs, f.temperature)), argmax(probs));
    }

    void bundleKeepsItsTemperature()
    {
        nn::BundleInfo info;
        info.cnn.inChannels = 1;
        info.cnn.numClasses = 3;
        info.cnn.filters = {8, 16};
        info.classNames = {"a", "b", "c"};
        info.recipe.width = info.recipe.height = 32;
        nn::Model m = nn::Model::create(info, 1);
        QCOMPARE(m.info().temperature(), 1.0);
        QVERIFY(!m.info().toJson().contains("calibration")); // old bundles stay as they were
        std::vector<float> x(5 * 32 * 32);
        for (size_t i = 0; i < x.size(); ++i)
            x[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i)));
        const auto raw = m.predict(x.data(), 5);
        trust::TemperatureFit fit;
        fit.temperature = 2.5;
        m.info().calibration = fit.toJson("validation");
        const QString path = tmp_.filePath("t.sinar");
        m.save(path.toStdString());
        const nn::Model loaded = nn::Model::load(path.toStdString());
        QCOMPARE(loaded.info().temperature(), 2.5);
        QCOMPARE(loaded.info().calibration["fitted_on"].toString(), QStringLiteral("validation"));
        const auto calibrated = loaded.predict(x.data(), 5);
        const auto expected = trust::applyTemperature(raw, 2.5);
        for (size_t i = 0; i < 5; ++i)
            for (size_t c = 0; c < 3; ++c)
                QVERIFY(std::abs(calibrated[i][c] - expected[i][c]) < 1e-5);
        const auto uncal = loaded.uncalibrated().predict(x.data(), 5);
        for (size_t i = 0; i < 5; ++i)
            for (size_t c = 0; c < 3; ++c)
                QVERIFY(std::abs(uncal[i][c] - raw[i][c]) < 1e-6);
        QCOMPARE(loaded.info().temperature(), 2.5); // uncalibrated() is a view, not a change
        QJsonObject bad = loaded.info().toJson();
        QJsonObject cal;
        cal["temperature"] = -1;
        bad["calibration"] = cal;
        QVERIFY_THROWS_EXCEPTION(Error, nn::BundleInfo::fromJson(bad, "test"));
    }

    // A tiny CNN trained in the test on 300 real brain MRI images (no
    // augmentation, 12 epochs) is badly calibrated; the temperature train fits
    // on its 72 validation images lowers ECE there and on its 60 test images.
    void trainingFitsATemperatureThatLowersEce()
    {
        SINAR_DATA_OR_SKIP(brain, "brain-mri/Training");
        const QString csv = tmp_.filePath("small.csv");
        std::string rows = "path,label\n";
        for (const QString& c : QDir(brain).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name)) {
            const QStringList files = QDir(brain + '/' + c).entryList(QDir::Files, QDir::Name).mid(0, 75);
            for (const QString& f : files)
                rows += (brain + '/' + c + '/' + f).toStdString() + ',' + c.toStdString() + '\n';
        }
        test::writeFile(csv, rows);
        const QString out = tmp_.filePath("small.sinar");
        const test::CliRun r = test::runCli({"train", "--data", csv, "--out", out, "--size", "64", "--filters", "8,16,32",
                                             "--epochs", "12", "--no-augment", "--val-fraction", "0.3", "--threads", "2"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const nn::Model m = nn::Model::load(out.toStdString());
        const QJsonObject cal = m.info().calibration;
        QCOMPARE(cal["fitted_on"].toString(), QStringLiteral("validation"));
        QCOMPARE(cal["n"].toInt(), 72);
        qInfo("tiny brain CNN: T %.3f; validation ECE %.4f -> %.4f", cal["temperature"].toDouble(), cal["ece_before"].toDouble(),
              cal["ece_after"].toDouble());
        QVERIFY(cal["ece_after"].toDouble() < cal["ece_before"].toDouble());
        QVERIFY(cal["nll_after"].toDouble() < cal["nll_before"].toDouble());
        const QJsonObject metrics = test::readJsonObject(out + ".run/test_metrics.json");
        qInfo("tiny brain CNN: test ECE %.4f (uncalibrated %.4f) on %d images", metrics["ece"].toDouble(),
              metrics["ece_uncalibrated"].toDouble(), metrics["n"].toInt());
        QVERIFY(metrics["ece"].toDouble() < metrics["ece_uncalibrated"].toDouble());
        QCOMPARE(metrics["reliability"].toArray().size(), 15);
        QCOMPARE(metrics["risk_coverage"].toArray().size(), 20);
        // train also stores out-of-distribution statistics, and test_metrics.json keeps evaluate's keys.
        QCOMPARE(m.info().ood["threshold_fitted_on"].toString(), QStringLiteral("validation"));
        QCOMPARE(m.info().ood["n_threshold"].toInt(), 72);
        QVERIFY(metrics["ood"].toObject().contains("share_flagged"));
        const test::CliRun ev = test::runCli({"evaluate", "--model", out, "--data", out + ".run/test.csv", "--quiet", "--json",
                                              tmp_.filePath("small-eval.json")});
        QVERIFY2(ev.code == 0, qPrintable(ev.err));
        const QJsonObject evaluated = test::readJsonObject(tmp_.filePath("small-eval.json"));
        for (const QString& key : evaluated.keys())
            QVERIFY2(metrics.contains(key), qPrintable(key));
        QCOMPARE(evaluated["ece"].toDouble(), metrics["ece"].toDouble());
        QCOMPARE(evaluated["ood"].toObject()["flagged"], metrics["ood"].toObject()["flagged"]);

        // sinar-cli calibrate re-creates the same validation split and finds the same temperature.
        const QString again = tmp_.filePath("again.sinar");
        const test::CliRun c = test::runCli({"calibrate", "--model", out, "--data", csv, "--out", again});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        const QJsonObject cal2 = nn::Model::load(again.toStdString()).info().calibration;
        QCOMPARE(cal2["n"].toInt(), 72);
        QVERIFY(std::abs(cal2["temperature"].toDouble() - cal["temperature"].toDouble()) < 1e-4);
        // Never overwrites without --overwrite.
        const test::CliRun refused = test::runCli({"calibrate", "--model", out, "--data", csv});
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains("--overwrite"), qPrintable(refused.err));
        const test::CliRun refused2 = test::runCli({"calibrate", "--model", out, "--data", csv, "--out", again});
        QCOMPARE(refused2.code, 1);
    }

    // The shipped brain model: the validation split re-created from the bundle
    // matches its recorded counts and is disjoint from the held-out test split;
    // the temperature fitted on it keeps every prediction and lowers ECE on the
    // 1,141 held-out test images.
    void shippedBrainModelCalibratesOnItsValidationSplit()
    {
        SINAR_DATA_OR_SKIP(brain, "brain-mri/Training");
        nn::Model model = nn::Model::load(SINAR_MODELS_DIR "/brain-mri-cnn.sinar");
        data::DatasetOptions opts;
        opts.classNames = model.info().classNames;
        const data::Dataset ds = data::openDataset(brain.toStdString(), opts);
        const std::vector<size_t> val = trust::validationIndices(ds, model.info().data, "brain");
        const std::vector<size_t> test = train::heldOutTestIndices(ds, model.info().data, "brain");
        long recorded = 0;
        for (const auto& v : model.info().data["val"].toArray())
            recorded += v.toInteger();
        QCOMPARE(static_cast<long>(val.size()), recorded);
        std::vector<size_t> a = val, b = test, both;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
        QVERIFY(both.empty());

        const nn::Model raw = model.uncalibrated();
        const eval::DatasetPredictions v = eval::predictDataset(raw, ds, val);
        const trust::TemperatureFit fit = trust::fitTemperature(v.truth, v.probabilities);
        const eval::DatasetPredictions t = eval::predictDataset(raw, ds, test);
        const auto calibrated = trust::applyTemperature(t.probabilities, fit.temperature);
        const double before = eval::expectedCalibrationError(t.truth, t.probabilities);
        const double after = eval::expectedCalibrationError(t.truth, calibrated);
        qInfo("brain model: T %.4f on %ld validation images; test ECE %.4f -> %.4f (%zu images)", fit.temperature, fit.n,
              before, after, t.truth.size());
        QCOMPARE(argmax(calibrated), argmax(t.probabilities));
        QVERIFY(after < before);
        // Accuracy when answering only the more confident images never falls below answering all (sanity on real data).
        const auto rc = eval::riskCoverage(t.truth, calibrated);
        for (size_t k = 1; k < rc.size(); ++k) {
            QVERIFY(rc[k].threshold >= rc[k - 1].threshold);
            QVERIFY(rc[k].accuracy >= rc[0].accuracy);
        }
        QVERIFY(rc[10].accuracy > rc[0].accuracy); // the 50 % most confident are more accurate than all

        // Not the training set: a clear error.
        const QString foreign = tmp_.filePath("foreign");
        test::makeClassFolder(foreign, model.info().classNames, 3);
        data::DatasetOptions o2;
        o2.classNames = model.info().classNames;
        const data::Dataset other = data::openDataset(foreign.toStdString(), o2);
        QVERIFY_THROWS_EXCEPTION(Error, trust::validationIndices(other, model.info().data, "brain"));
    }

    // Out-of-distribution scores of the brain MRI model: statistics of the
    // penultimate features of (every third) training image, threshold at the
    // 95th percentile of the validation images; held-out brain MRI test images
    // score below far-OOD images (chest radiographs, CT, US, XA, PneumoniaMNIST).
    void farOutOfDistributionImagesScoreHigher()
    {
        SINAR_DATA_OR_SKIP(brain, "brain-mri/Training");
        SINAR_DATA_OR_SKIP(dicomDir, "dicom");
        SINAR_DATA_OR_SKIP(npz, "pneumoniamnist/pneumoniamnist_trainval.npz");
        nn::Model model = nn::Model::load(SINAR_MODELS_DIR "/brain-mri-cnn.sinar");
        data::DatasetOptions opts;
        opts.classNames = model.info().classNames;
        const data::Dataset ds = data::openDataset(brain.toStdString(), opts);
        std::vector<size_t> train = trust::trainingIndices(ds, model.info().data, "brain"), every3;
        for (size_t k = 0; k < train.size(); k += 3)
            every3.push_back(train[k]);
        const trust::DatasetFeatures fit = trust::datasetFeatures(model, ds, every3);
        const trust::DatasetFeatures val =
            trust::datasetFeatures(model, ds, trust::validationIndices(ds, model.info().data, "brain"));
        const trust::OodDetector fitted = trust::OodDetector::fit(fit.features, fit.labels, 4, val.features);
        QCOMPARE(fitted.dimension(), 256);
        const trust::OodDetector ood = trust::OodDetector::fromJson(fitted.toJson(), "test"); // the bundle's round trip
        long valFlagged = 0;
        for (const auto& f : val.features)
            valFlagged += !ood.inDistribution(ood.score(f));
        QVERIFY(std::abs(valFlagged - 0.05 * static_cast<double>(val.features.size())) <= 2); // 95th percentile
        QVERIFY(std::abs(ood.score(val.features[0]) - fitted.score(val.features[0])) < 1e-3 * fitted.score(val.features[0]));

        std::vector<double> scores;
        std::vector<bool> isOod;
        std::vector<size_t> test = train::heldOutTestIndices(ds, model.info().data, "brain"), some;
        for (size_t k = 0; k < test.size(); k += 5)
            some.push_back(test[k]);
        long inFlagged = 0;
        for (const auto& f : trust::datasetFeatures(model, ds, some).features) {
            scores.push_back(ood.score(f));
            isOod.push_back(false);
            inFlagged += !ood.inDistribution(scores.back());
        }
        const size_t nIn = scores.size();
        QStringList far = {"dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm", "dicom/chest-cr/chest_cr_pa_monochrome1.dcm",
                           "dicom/pydicom-test-files/CT_small.dcm"};
        for (const QString& d : QDir(dicomDir + "/nema-wg04/REF").entryList(QDir::Files, QDir::Name))
            if (d.startsWith("CT") || d.startsWith("US") || d.startsWith("XA") || d.startsWith("RG"))
                far << "dicom/nema-wg04/REF/" + d;
        long outFlagged = 0, nOut = 0;
        for (const QString& rel : far) {
            std::vector<float> e;
            model.predict(imaging::readImageFile((test::dataDir() + '/' + rel).toStdString()), &e);
            scores.push_back(ood.score(e));
            isOod.push_back(true);
            outFlagged += !ood.inDistribution(scores.back());
            ++nOut;
        }
        const size_t nDicom = far.size();
        data::DatasetOptions po;
        po.subset = "val";
        po.classNames = {"normal", "pneumonia"};
        const data::Dataset pn = data::openDataset(npz.toStdString(), po);
        std::vector<size_t> pnIdx;
        for (size_t i = 0; i < 100; ++i)
            pnIdx.push_back(i * 5);
        for (const auto& f : trust::datasetFeatures(model, pn, pnIdx).features) {
            scores.push_back(ood.score(f));
            isOod.push_back(true);
            outFlagged += !ood.inDistribution(scores.back());
            ++nOut;
        }
        const double auroc = eval::rocAuc(scores, isOod);
        qInfo("brain model OOD: threshold %.2f; AUROC %.4f (%zu brain MRI test images vs %zu DICOMs (CR, RG, CT, US, XA) and "
              "100 PneumoniaMNIST images); flagged: %ld of %zu in-distribution, %ld of %ld far-OOD",
              ood.threshold(), auroc, nIn, nDicom, inFlagged, nIn, outFlagged, nOut);
        QVERIFY(auroc > 0.95);
        QVERIFY(inFlagged < 0.15 * static_cast<double>(nIn));
        QVERIFY(outFlagged > 0.8 * static_cast<double>(nOut));
    }

    // sinar-cli ood: per-set AUROC and FPR at 95 % TPR, from outside the program.
    void oodCommandReportsEachSet()
    {
        SINAR_DATA_OR_SKIP(brain, "brain-mri/Training");
        SINAR_DATA_OR_SKIP(chest, "dicom/chest-cr");
        SINAR_DATA_OR_SKIP(ref, "dicom/nema-wg04/REF");
        // The in-distribution side: 40 brain MRI slices as a CSV list.
        QString csv = "path,label\n";
        for (const QString& cls : {"glioma", "notumor"}) {
            const QStringList files = QDir(brain + "/" + cls).entryList({"*.jpg"}, QDir::Files, QDir::Name);
            for (int i = 0; i < 20; ++i)
                csv += brain + "/" + cls + "/" + files[i * 20] + "," + cls + "\n";
        }
        const QString list = tmp_.filePath("ood-in.csv");
        test::writeFile(list, csv.toStdString());
        const QString json = tmp_.filePath("ood.json");
        const test::CliRun r = test::runCli({"ood", "--model", SINAR_MODELS_DIR "/brain-mri-cnn.sinar", "--in", list,
                                             "--set", "chest=" + chest, "--set",
                                             "ct-us=" + ref + "/CT1_UNC," + ref + "/US1_UNC", "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("FPR at 95% TPR"), qPrintable(r.out));
        const QJsonObject o = test::readJsonObject(json);
        QCOMPARE(o["in_distribution"].toObject()["n"].toInt(), 40);
        const QJsonArray sets = o["sets"].toArray();
        QCOMPARE(sets.size(), 2);
        for (const auto& v : sets) {
            const QJsonObject set = v.toObject();
            QCOMPARE(set["n"].toInt(), 2);
            QVERIFY2(set["auroc"].toDouble() > 0.9, qPrintable(set["name"].toString()));
            QVERIFY(set["fpr_at_95_tpr"].toDouble() >= 0 && set["fpr_at_95_tpr"].toDouble() <= 1);
            QCOMPARE(set["share_flagged"].toDouble(), 1.0);
        }
        // A malformed set and a bundle without statistics are refused.
        const test::CliRun bad = test::runCli({"ood", "--model", SINAR_MODELS_DIR "/brain-mri-cnn.sinar", "--in", list,
                                               "--set", "nameonly"});
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains("NAME=PATH"), qPrintable(bad.err));
    }

    // PneumoniaMNIST: validation is 10 % of the archive's "train" subset; calibration keeps every prediction.
    void shippedPneumoniaModelKeepsItsPredictions()
    {
        SINAR_DATA_OR_SKIP(npz, "pneumoniamnist/pneumoniamnist_trainval.npz");
        // The shipped bundle without its calibration, as it was before `sinar-cli calibrate`.
        const QString plain = tmp_.filePath("pn-plain.sinar");
        nn::Model shipped = nn::Model::load(SINAR_MODELS_DIR "/pneumoniamnist-cnn.sinar");
        const double shippedT = shipped.info().temperature();
        shipped.info().calibration = QJsonObject();
        shipped.save(plain.toStdString());
        const QString out = tmp_.filePath("pn.sinar");
        const test::CliRun c = test::runCli({"calibrate", "--model", plain, "--data", npz, "--out", out, "--json",
                                             tmp_.filePath("pn-fit.json")});
        QVERIFY2(c.code == 0, qPrintable(c.err));
        const QJsonObject fit = test::readJsonObject(tmp_.filePath("pn-fit.json"));
        QCOMPARE(fit["n"].toInt(), 469); // 121 + 348 recorded in the bundle
        QVERIFY(fit["nll_after"].toDouble() <= fit["nll_before"].toDouble());
        if (shippedT != 1.0) // the shipped bundle was calibrated by the same command
            QVERIFY(std::abs(fit["temperature"].toDouble() - shippedT) < 1e-6);
        QStringList evalArgs = {"evaluate", "--data", npz, "--subset", "val", "--quiet", "--predictions"};
        const test::CliRun e1 = test::runCli(QStringList(evalArgs) << tmp_.filePath("p1.csv") << "--model"
                                                                   << plain << "--json"
                                                                   << tmp_.filePath("e1.json"));
        const test::CliRun e2 = test::runCli(QStringList(evalArgs) << tmp_.filePath("p2.csv") << "--model" << out << "--json"
                                                                   << tmp_.filePath("e2.json"));
        QVERIFY2(e1.code == 0 && e2.code == 0, qPrintable(e1.err + e2.err));
        const QJsonObject j1 = test::readJsonObject(tmp_.filePath("e1.json")), j2 = test::readJsonObject(tmp_.filePath("e2.json"));
        QCOMPARE(j1["confusion_matrix"], j2["confusion_matrix"]);
        QCOMPARE(j1["temperature"].toDouble(), 1.0);
        QCOMPARE(j1["ece"].toDouble(), j1["ece_uncalibrated"].toDouble());
        QVERIFY(std::abs(j2["ece_uncalibrated"].toDouble() - j1["ece"].toDouble()) < 1e-4);
        qInfo("pneumonia model: T %.4f; test (val subset) ECE %.4f -> %.4f", j2["temperature"].toDouble(), j1["ece"].toDouble(),
              j2["ece"].toDouble());
        auto column = [](const QString& path) {
            QFile f(path);
            f.open(QIODevice::ReadOnly);
            QStringList predicted;
            for (const QByteArray& line : f.readAll().split('\n'))
                if (line.count(',') >= 2)
                    predicted << QString::fromUtf8(line.split(',')[2]);
            return predicted;
        };
        QCOMPARE(column(tmp_.filePath("p2.csv")), column(tmp_.filePath("p1.csv")));
    }
};

QTEST_GUILESS_MAIN(TestTrust)
#include "test_trust.moc"
