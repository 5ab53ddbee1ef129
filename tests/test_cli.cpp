// sinar-cli as outside tools call it: exit codes, one-line errors, the JSON contract.
#include <QJsonDocument>
#include <QProcess>
#include <QtTest>
#include <csignal>
#include <sys/stat.h>

#include "test_support.h"

namespace {

using Run = sinar::test::CliRun;

Run cli(const QStringList& args)
{
    return sinar::test::runCli(args);
}

QJsonObject readJson(const QString& path)
{
    return sinar::test::readJsonObject(path);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString folder_, bundle_;

    static void verifyUserError(const Run& r, const QString& mustMention)
    {
        QVERIFY2(r.code == 1, qPrintable(QString("exit %1, stderr: %2").arg(r.code).arg(r.err)));
        QVERIFY2(r.err.contains(mustMention), qPrintable(r.err));
        QVERIFY2(!r.err.contains("terminate called") && !r.err.contains("frame #"), qPrintable(r.err));
    }

private slots:
    void initTestCase()
    {
        folder_ = tmp_.filePath("shapes");
        sinar::test::makeClassFolder(folder_, {"blob", "hbars", "vbars", "checks"}, 30, 32);
        bundle_ = tmp_.filePath("shapes.sinar");
        const Run r = cli({"train", "--data", folder_, "--out", bundle_, "--size", "32", "--filters", "8,16",
                           "--stem-stride", "1", "--epochs", "15", "--lr", "0.05", "--threads", "2", "--quiet"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("held-out test set"));
    }

    void helpEverywhere_data()
    {
        QTest::addColumn<QString>("command");
        for (const char* c : {"train", "evaluate", "predict", "info", "audit", "ood", "measure"})
            QTest::newRow(c) << c;
    }
    void helpEverywhere()
    {
        QFETCH(QString, command);
        const Run r = cli({command, "--help"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("--"));
    }

    void explainHelpDescribesEveryMethod()
    {
        const Run r = cli({"explain", "--help"});
        QCOMPARE(r.code, 0);
        for (const char* method : {"gradcam", "gradcampp", "scorecam", "occlusion"})
            QVERIFY2(r.out.contains(QString("\n  %1 ").arg(method)), method);
        QVERIFY(cli({}).err.contains("Score-CAM, occlusion")); // the command list names them too
    }

    void usageErrors()
    {
        QCOMPARE(cli({}).code, 1);
        verifyUserError(cli({"frobnicate"}), "unknown command");
        verifyUserError(cli({"train", "--data", folder_}), "--out");
        verifyUserError(cli({"train", "--data", folder_, "--out", tmp_.filePath("x.sinar"), "--epochs", "zero"}), "--epochs");
        verifyUserError(cli({"evaluate", "--model", bundle_, "--data", folder_, "--bogus"}), "bogus");
    }

    void evaluateWritesTheContractJson()
    {
        const QString json = tmp_.filePath("metrics.json");
        const Run r = cli({"evaluate", "--model", bundle_, "--data", folder_, "--json", json, "--csv", tmp_.filePath("m.csv")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = readJson(json);
        QCOMPARE(o["n"].toInt(), 120);
        QCOMPARE(o["class_names"].toArray().size(), 4);
        for (const char* k : {"accuracy", "macro_f1", "weighted_f1", "roc_auc"})
            QVERIFY2(o[k].isDouble(), k);
        const QJsonArray per = o["per_class"].toArray();
        QCOMPARE(per.size(), 4);
        long support = 0;
        for (const auto& v : per)
            support += v.toObject()["support"].toInt();
        QCOMPARE(support, 120L);
        const QJsonArray cm = o["confusion_matrix"].toArray();
        QCOMPARE(cm.size(), 4);
        long total = 0;
        for (const auto& row : cm)
            for (const auto& v : row.toArray())
                total += v.toInt();
        QCOMPARE(total, 120L);
        // The textures are easily separable: a working pipeline learns them.
        QVERIFY2(o["accuracy"].toDouble() > 0.8, qPrintable(QString::number(o["accuracy"].toDouble())));
    }

    void predictMatchesEvaluate()
    {
        const QString json = tmp_.filePath("pred.json");
        const QString img = folder_ + "/hbars/img_005.png";
        const Run r = cli({"predict", "--model", bundle_, "--json", json, img});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QJsonObject o = readJson(json);
        const QJsonObject first = o["results"].toArray().at(0).toObject();
        QCOMPARE(first["file"].toString(), img);
        const QJsonObject probs = first["probabilities"].toObject();
        QCOMPARE(probs.size(), 4);
        double sum = 0;
        for (const auto& v : probs)
            sum += v.toDouble();
        QVERIFY(std::abs(sum - 1.0) < 1e-4);
        QVERIFY(r.out.contains(first["class"].toString()));
    }

    void predictTakesFolders()
    {
        const Run r = cli({"predict", "--model", bundle_, folder_ + "/checks"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(r.out.count("img_0"), 30);
        verifyUserError(cli({"predict", "--model", bundle_, tmp_.path() + "/shapes.sinar.run"}), "no images");
    }

    void badInputGivesOneClearLine()
    {
        verifyUserError(cli({"evaluate", "--model", tmp_.filePath("none.sinar"), "--data", folder_}), "none.sinar");
        const QString cut = tmp_.filePath("cut.sinar");
        QFile::copy(bundle_, cut);
        QFile f(cut);
        f.open(QIODevice::ReadWrite);
        f.resize(f.size() / 2);
        f.close();
        verifyUserError(cli({"predict", "--model", cut, folder_ + "/blob/img_000.png"}), "corrupt model bundle");
        verifyUserError(cli({"evaluate", "--model", bundle_, "--data", tmp_.filePath("missing-dir")}), "missing-dir");
        const QString never = tmp_.filePath("never.sinar");
        verifyUserError(cli({"train", "--data", tmp_.filePath("missing.npz"), "--out", never}), "missing.npz");
        QVERIFY(!QFileInfo::exists(never + ".run")); // a mistyped data path leaves no empty run folder
        const QString bad = tmp_.filePath("bad.png");
        sinar::test::writeFile(bad, "\x89PNG garbage");
        const Run r = cli({"predict", "--model", bundle_, bad, folder_ + "/blob/img_000.png"});
        verifyUserError(r, "bad.png");
        QVERIFY(r.out.contains("img_000.png")); // the good file is still classified
    }

    void evaluateRejectsForeignClasses()
    {
        const QString other = tmp_.filePath("other");
        sinar::test::makeClassFolder(other, {"cats", "dogs"}, 2, 32);
        verifyUserError(cli({"evaluate", "--model", bundle_, "--data", other}), "cats");
    }

    void npzSubsetsAndKeys()
    {
        SINAR_DATA_OR_SKIP(npz, "pneumoniamnist/pneumoniamnist_trainval.npz");
        verifyUserError(cli({"evaluate", "--model", bundle_, "--data", npz}), "test_images");
    }

    // The leakage audit on the shapes set, whose generated images have no twins,
    // and on a copy where every blob is there twice: twins across the split are
    // counted and the model is scored on the twin-free part too.
    void auditCountsTwinsAcrossTheSplit()
    {
        const QString json = tmp_.filePath("audit.json");
        Run r = cli({"audit", "--data", folder_, "--model", bundle_, "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QJsonObject o = sinar::test::readJsonObject(json);
        QCOMPARE(o["images"].toInt(), 120);
        QCOMPARE(o["split"].toObject()["test"].toInt(), 24);
        const double all = o["model"].toObject()["accuracy"].toDouble();
        QVERIFY(all > 0.5 && all <= 1.0);
        QVERIFY(o["knn1_raw32"].toObject()["accuracy"].toDouble() >= 0);

        const QString twins = tmp_.filePath("twins");
        QVERIFY(QDir().mkpath(twins));
        for (const QString& cls : QDir(folder_).entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
            QDir().mkpath(twins + "/" + cls);
            for (const QString& f : QDir(folder_ + "/" + cls).entryList(QDir::Files)) {
                QVERIFY(QFile::copy(folder_ + "/" + cls + "/" + f, twins + "/" + cls + "/" + f));
                if (cls == QLatin1String("blob"))
                    QVERIFY(QFile::copy(folder_ + "/" + cls + "/" + f, twins + "/" + cls + "/copy-" + f));
            }
        }
        r = cli({"audit", "--data", twins, "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        o = sinar::test::readJsonObject(json);
        QCOMPARE(o["images"].toInt(), 150);
        QVERIFY(o["images_with_twins"].toInt() >= 60);
        const int leaked = o["split"].toObject()["test_with_train_twin"].toInt();
        QVERIFY2(leaked > 0, qPrintable(r.out));
        QVERIFY(r.out.contains("twin-free"));
        // Kept together, no twin crosses the split.
        r = cli({"audit", "--data", twins, "--group-duplicates", "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(sinar::test::readJsonObject(json)["split"].toObject()["test_with_train_twin"].toInt(), 0);
    }

    void infoPrintsTheCard()
    {
        const Run r = cli({"info", bundle_});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
        QCOMPARE(o["class_names"].toArray().size(), 4);
        QVERIFY(o["test_metrics"].toObject().contains("accuracy"));
    }

    // A named pipe would block the read for ever and a device never ends: each
    // is refused by name, as a model, an image or a data list, at once.
    void specialFilesAreRefused()
    {
        const QString fifo = tmp_.filePath("pipe.png");
        QVERIFY(::mkfifo(fifo.toLocal8Bit().constData(), 0600) == 0);
        const QString image = folder_ + "/blob/img_000.png";
        const int minute = 60000;
        Run r = sinar::test::runCli({"predict", "--model", bundle_, fifo, "/dev/zero", image}, minute);
        verifyUserError(r, fifo + ": this is a named pipe (FIFO), not a regular file");
        QVERIFY2(r.err.contains("/dev/zero: this is a device, not a regular file"), qPrintable(r.err));
        QVERIFY(r.out.contains("img_000.png")); // the good file is still classified
        verifyUserError(sinar::test::runCli({"predict", "--model", fifo, image}, minute), "named pipe (FIFO)");
        verifyUserError(sinar::test::runCli({"predict", "--model", "/dev/zero", image}, minute), "a device");
        const QString list = tmp_.filePath("list.csv"), archive = tmp_.filePath("set.npz");
        QVERIFY(::mkfifo(list.toLocal8Bit().constData(), 0600) == 0 && ::mkfifo(archive.toLocal8Bit().constData(), 0600) == 0);
        verifyUserError(sinar::test::runCli({"evaluate", "--model", bundle_, "--data", list}, minute), "list.csv: this is a named pipe");
        verifyUserError(sinar::test::runCli({"evaluate", "--model", bundle_, "--data", archive}, minute), "set.npz: this is a named pipe");
        r = sinar::test::runCli({"dicom", "info", fifo}, minute);
        QVERIFY2(r.code == 1 && r.out.contains("named pipe (FIFO)"), qPrintable(r.out + r.err));
        // An image file larger than an image may be is refused before it is read (it used to be
        // read whole: 12 GB of memory for a 10 GiB file). Sparse: it takes no disk.
        const QString huge = tmp_.filePath("huge.png");
        {
            QFile f(huge);
            QVERIFY(f.open(QIODevice::WriteOnly) && f.resize(qint64(3) << 30));
        }
        verifyUserError(sinar::test::runCli({"predict", "--model", bundle_, huge}, minute),
                        "huge.png: the image file would need 3.0 GiB (its size on disk), more than Sinar's limit of 2 GiB");
        QFile::remove(huge);
    }

    // SIGINT stops training after the current step, keeps the checkpoint and
    // says how to resume: exit 1, "cancelled".
    void interruptStopsTrainingAtTheNextStep()
    {
        const QString out = tmp_.filePath("interrupted.sinar");
        QProcess p;
        QByteArray err;
        p.start(SINAR_CLI_PATH, {"train", "--data", folder_, "--out", out, "--size", "32", "--filters", "8,16",
                                 "--stem-stride", "1", "--epochs", "500", "--patience", "0", "--threads", "1"});
        const int minute = 60000 * sinar::test::kSanitizerSlowdown;
        QVERIFY2(sinar::test::waitForStandardError(p, err, "epoch   1/500", 5 * minute), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY2(p.waitForFinished(5 * minute), err.constData());
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 1);
        for (const char* said : {"sinar-cli: interrupted: stopping after the current step", "--resume", "sinar-cli: cancelled"})
            QVERIFY2(err.contains(said), err.constData());
        QVERIFY(!err.contains("stopping now"));
        QVERIFY(QFileInfo::exists(out + ".run/checkpoint.pt"));
        QVERIFY(!QFileInfo::exists(out));
    }

    // An interrupt stops a job at its next step. A job stuck inside a library
    // call (here an open that a preloaded shim, stuck_open.c, holds for ever)
    // never reaches that step: a second interrupt ends it at once, and so does
    // the grace period (SINAR_INTERRUPT_GRACE) running out.
    void interruptEndsEvenAStuckJob()
    {
        const QString stuck = tmp_.filePath("never-opens.dcm");
        sinar::test::writeFile(stuck, std::string(200, 'x'));
        QProcess p;
        QByteArray err;
        auto start = [&](const QString& grace) {
            QProcessEnvironment env = sinar::test::withStuckOpen(QProcessEnvironment::systemEnvironment(), "never-opens");
            env.insert("SINAR_INTERRUPT_GRACE", grace);
            p.setProcessEnvironment(env);
            err.clear();
            p.start(SINAR_CLI_PATH, {"dicom", "info", stuck});
        };
        auto stderrSays = [&](const char* text, int ms) { return sinar::test::waitForStandardError(p, err, text, ms); };
        const int minute = 60000 * sinar::test::kSanitizerSlowdown;

        start("0"); // no grace period: only a second interrupt ends it
        QVERIFY2(stderrSays("stuck_open: holding", minute), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY2(stderrSays("interrupted: stopping after the current step (interrupt again to stop now)", minute), err.constData());
        QVERIFY2(!p.waitForFinished(1000), "the shim should hold the job"); // still stuck
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY2(p.waitForFinished(minute), err.constData());
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::CrashExit); // ended by SIGINT, as a shell expects
        QVERIFY2(err.contains("sinar-cli: interrupted again: stopping now"), err.constData());

        start("1"); // one SIGTERM, as timeout(1) or a service manager sends
        QVERIFY2(stderrSays("stuck_open: holding", minute), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGTERM);
        QVERIFY2(p.waitForFinished(minute), err.constData());
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::CrashExit);
        QVERIFY2(err.contains("sinar-cli: terminated: stopping after the current step"), err.constData());
        QVERIFY2(err.contains("the job did not stop within 1 s of the interrupt (SINAR_INTERRUPT_GRACE): stopping now"),
                 err.constData());
    }

    void benchMeasuresTheBundlesNetwork()
    {
        // The bundle's own network and weights, named in the first line and the JSON.
        const QString json = tmp_.filePath("bench.json");
        const Run r = cli({"bench", "--model", bundle_, "--threads", "1", "--runs", "3", "--json", json});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.startsWith("model: standard CNN 32x32x1, filters 8 16, stem stride 1 (the bundle's weights)"),
                 qPrintable(r.out));
        const QJsonObject o = readJson(json);
        QCOMPARE(o["architecture"].toString(), QString("standard-cnn"));
        QCOMPARE(o["cnn"].toObject()["filters"].toArray().size(), 2);
        for (const char* key : {"train_images_per_second", "inference_images_per_second", "latency_median_ms"})
            QVERIFY2(o[key].toDouble() > 0, key);
        // The training steps change the network in memory only: the bundle on disk still loads.
        QCOMPARE(cli({"info", bundle_}).code, 0);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
