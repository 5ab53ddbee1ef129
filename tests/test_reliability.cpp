// Files that are not what they claim and runs that are killed: sealed bundles
// and checkpoints (SHA-256), mutated bundles refused, durable writes under a
// file-size limit, checkpoint fallback to the previous generation, and a
// training run killed with SIGKILL at many random moments that still ends with
// the weights of an uninterrupted run.
#include <QProcess>
#include <QStandardPaths>
#include <QtTest>
#include <cmath>
#include <random>
#include <sys/resource.h>

#include "common/error.h"
#include "common/integrity.h"
#include "common/json_io.h"
#include "data/dataset.h"
#include "nn/archive_check.h"
#include "nn/model.h"
#include "test_support.h"

using namespace sinar;

namespace {

std::vector<float> fixedInputs(int n, int size)
{
    std::vector<float> x(static_cast<size_t>(n) * size);
    for (size_t k = 0; k < x.size(); ++k)
        x[k] = static_cast<float>((k * 2654435761u) % 1000) / 250.0f - 2.0f;
    return x;
}

// Bit-identical outputs on fixed inputs: the same weights.
bool sameOutputs(const nn::Model& a, const nn::Model& b)
{
    const int side = a.info().recipe.width * a.info().recipe.height * a.info().recipe.channels;
    const auto x = fixedInputs(6, side);
    const auto pa = a.predict(x.data(), 6), pb = b.predict(x.data(), 6);
    for (size_t i = 0; i < pa.size(); ++i)
        if (std::memcmp(pa[i].data(), pb[i].data(), pa[i].size() * sizeof(float)) != 0)
            return false;
    return true;
}

// One mutation of `bytes`: the shared kinds 0-6 (test::mutate), or 7, a changed weight
// (a float in the tensor data, still a valid float).
std::string mutate(const std::string& bytes, std::mt19937& rng, std::string& what)
{
    const int kind = std::uniform_int_distribution<int>(0, 7)(rng);
    if (kind < 7)
        return test::mutate(bytes, kind, rng, what);
    std::string b = bytes;
    const size_t p = b.size() / 3 + std::uniform_int_distribution<size_t>(0, b.size() / 3 - 1)(rng) / 4 * 4;
    float f;
    std::memcpy(&f, b.data() + p, 4);
    f = f == 0.5f ? 0.25f : 0.5f;
    std::memcpy(b.data() + p, &f, 4);
    what = "float written at " + std::to_string(p);
    return b;
}

struct FileSizeLimit {
    rlimit saved{};
    explicit FileSizeLimit(rlim_t bytes)
    {
        ::getrlimit(RLIMIT_FSIZE, &saved);
        rlimit r = saved;
        r.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &saved); }
};

QStringList leftovers(const QString& dir)
{
    return QDir(dir).entryList({"*.tmp-*"}, QDir::Files | QDir::Hidden);
}

// A zip entry of `zip` by name: where its central and local headers start.
struct ZipEntry {
    size_t central = std::string::npos, local = 0;
    uint32_t size = 0;
};

uint32_t le32At(const std::string& z, size_t at)
{
    uint32_t v = 0;
    std::memcpy(&v, z.data() + at, 4);
    return v;
}

ZipEntry findZipEntry(const std::string& z, const std::string& name)
{
    ZipEntry e;
    for (size_t at = z.find("PK\x01\x02"); at != std::string::npos; at = z.find("PK\x01\x02", at + 4)) {
        uint16_t nameLength = 0;
        std::memcpy(&nameLength, z.data() + at + 28, 2);
        if (z.compare(at + 46, nameLength, name) == 0 && nameLength == name.size()) {
            e.central = at;
            e.local = le32At(z, at + 42);
            e.size = le32At(z, at + 24);
            return e;
        }
    }
    return e;
}

// Declares `size` bytes for the entry in both its headers (data unchanged).
void declareEntrySize(std::string& z, const ZipEntry& e, uint32_t size)
{
    for (size_t at : {e.central + 20, e.central + 24, e.local + 18, e.local + 22})
        std::memcpy(z.data() + at, &size, 4);
}

// The bundle `sealed` as written before bundles were sealed: its zip comment
// (the seal, 77 bytes) removed and the comment length set to 0.
std::string withoutSeal(const std::string& sealed)
{
    std::string b = sealed.substr(0, sealed.size() - 77);
    b[b.size() - 2] = b[b.size() - 1] = '\0';
    return b;
}

QString loadError(const QString& path)
{
    try {
        nn::Model::load(path.toStdString());
        return "it loaded";
    } catch (const Error& e) {
        return QString::fromStdString(e.message());
    } catch (const std::exception& e) {
        return QString("not a sinar::Error: ") + e.what();
    }
}

} // namespace

class TestReliability : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private slots:
    void initTestCase()
    {
        nn::setThreadCount(2);
        reportFileSizeLimitAsError();
    }

    void bundlesAreSealed()
    {
        const QString path = tmp_.filePath("sealed.sinar");
        const nn::Model m = nn::Model::create(test::smallBundleInfo(), 1);
        m.save(path.toStdString());
        const std::string bytes = readFileBytes(path.toStdString());
        QCOMPARE(int(checkZipSeal(bytes).state), int(SealState::Valid));
        const nn::Model back = nn::Model::load(path.toStdString());
        QVERIFY(back.isSealed());
        QVERIFY(sameOutputs(m, back));
        QVERIFY(leftovers(tmp_.path()).isEmpty());

        // A bundle written before bundles were sealed (no zip comment) still loads, marked unsealed.
        const std::string legacy = withoutSeal(bytes);
        QCOMPARE(int(checkZipSeal(legacy).state), int(SealState::Unsealed));
        const QString legacyPath = tmp_.filePath("legacy.sinar");
        test::writeFile(legacyPath, legacy);
        const nn::Model old = nn::Model::load(legacyPath.toStdString());
        QVERIFY(!old.isSealed());
        QVERIFY(sameOutputs(m, old));
    }

    // 150 mutated copies of a bundle: every one is refused with "corrupt model
    // bundle" (none loads, none gives another error); some through sinar-cli,
    // which must exit 1.
    void mutatedBundlesAreRefused()
    {
        const QString path = tmp_.filePath("original.sinar");
        nn::Model::create(test::smallBundleInfo(), 2).save(path.toStdString());
        const std::string bytes = readFileBytes(path.toStdString());
        std::mt19937 rng(12345);
        int cliChecked = 0;
        for (int i = 0; i < 150; ++i) {
            std::string what;
            const std::string b = mutate(bytes, rng, what);
            const QString mutated = tmp_.filePath(QString("mutated-%1.sinar").arg(i));
            test::writeFile(mutated, b);
            const QString message = loadError(mutated);
            QVERIFY2(message.startsWith("corrupt model bundle"),
                     qPrintable(QString("mutation %1 (%2): %3").arg(i).arg(QString::fromStdString(what), message)));
            if (i % 30 == 0) {
                const test::CliRun r = test::runCli({"info", mutated}, 60000);
                QVERIFY2(r.code == 1 && r.err.contains("corrupt model bundle") && r.err.contains(mutated),
                         qPrintable(QString("exit %1: %2").arg(r.code).arg(r.err)));
                ++cliChecked;
            }
        }
        QCOMPARE(cliChecked, 5);
    }

    // An unsealed bundle (written before bundles were sealed, or its seal cut
    // off) reaches LibTorch's reader, which takes an archive's declared sizes
    // and lengths as given (found by fuzz_bundle): each is checked first, and a
    // lie is refused by name, before anything is allocated for it.
    void unsealedBundleDeclarationsAreChecked()
    {
        const QString path = tmp_.filePath("declared.sinar");
        nn::Model::create(test::smallBundleInfo(), 3).save(path.toStdString());
        const std::string sealed = readFileBytes(path.toStdString());
        const std::string bytes = withoutSeal(sealed);
        QCOMPARE(int(checkZipSeal(bytes).state), int(SealState::Unsealed));
        const QString unsealed = tmp_.filePath("unsealed.sinar");
        test::writeFile(unsealed, bytes);
        QCOMPARE(loadError(unsealed), QString("it loaded"));

        // The largest weight record, shortened in the zip directory: LibTorch
        // would size the tensor by the pickle and read past the record's end.
        ZipEntry largest;
        std::string largestName;
        for (int k = 0;; ++k) {
            const std::string name = "archive/data/" + std::to_string(k);
            const ZipEntry e = findZipEntry(bytes, name);
            if (e.central == std::string::npos)
                break;
            if (e.size > largest.size) {
                largest = e;
                largestName = name;
            }
        }
        QVERIFY(largest.size >= 64);
        std::string shortened = bytes;
        declareEntrySize(shortened, largest, 16);
        const QString shortPath = tmp_.filePath("short-record.sinar");
        test::writeFile(shortPath, shortened);
        QString message = loadError(shortPath);
        QVERIFY2(message.startsWith("corrupt model bundle: its pickle archive/data.pkl is damaged: it declares") &&
                     message.contains(QString::fromStdString("for the tensor storage " + largestName + ", which holds 16 bytes")),
                 qPrintable(message));
        const test::CliRun r = test::runCli({"predict", "--model", shortPath, shortPath}, 60000);
        QVERIFY2(r.code == 1 && r.err.contains("corrupt model bundle") && r.err.contains(shortPath), qPrintable(r.err));

        // A pickled string declaring 3.25 GB (the fuzz finding): LibTorch
        // would reserve it.
        const ZipEntry pickle = findZipEntry(bytes, "archive/data.pkl");
        QVERIFY(pickle.central != std::string::npos);
        std::string lying = bytes;
        const size_t storage = lying.find(std::string("X\x07\x00\x00\x00storage", 12), pickle.local);
        QVERIFY(storage != std::string::npos);
        const uint32_t huge = 0xd0000003u;
        std::memcpy(lying.data() + storage + 1, &huge, 4);
        const QString lyingPath = tmp_.filePath("string-length.sinar");
        test::writeFile(lyingPath, lying);
        message = loadError(lyingPath);
        QVERIFY2(message.startsWith("corrupt model bundle: its pickle archive/data.pkl is damaged: opcode 0x58 at byte") &&
                     message.contains("declares 3.25 GiB, more than the"),
                 qPrintable(message));

        // An entry declaring 3 GiB: past Sinar's cap per entry, whatever its data.
        std::string big = bytes;
        declareEntrySize(big, largest, 0xC0000000u);
        const QString bigPath = tmp_.filePath("big-entry.sinar");
        test::writeFile(bigPath, big);
        message = loadError(bigPath);
        QVERIFY2(message == QString::fromStdString("corrupt model bundle: " + largestName +
                                                    " declares 3.00 GiB, more than Sinar's limit of 2.00 GiB per archive entry"),
                 qPrintable(message));

        // A pickle that does not end: no STOP.
        std::string endless = bytes;
        const size_t stop = pickle.local + 30 + (uint8_t(endless[pickle.local + 26]) | uint8_t(endless[pickle.local + 27]) << 8) +
                            (uint8_t(endless[pickle.local + 28]) | uint8_t(endless[pickle.local + 29]) << 8) + pickle.size - 1;
        QCOMPARE(endless[stop], '.');
        endless[stop] = 'N';
        const QString endlessPath = tmp_.filePath("no-stop.sinar");
        test::writeFile(endlessPath, endless);
        message = loadError(endlessPath);
        QVERIFY2(message == "corrupt model bundle: its pickle archive/data.pkl is damaged: it ends without the pickle's STOP opcode",
                 qPrintable(message));
    }

    // 300 mutated copies of an unsealed bundle, whose damage no seal reveals:
    // each is refused with "corrupt model bundle" or loads and predicts finite
    // probabilities (a changed weight is undetectable without the seal);
    // nothing else (no other error, no crash).
    void mutatedUnsealedBundlesAreRefusedOrLoad()
    {
        const QString path = tmp_.filePath("unsealed-original.sinar");
        nn::Model::create(test::smallBundleInfo(), 5).save(path.toStdString());
        const std::string sealed = readFileBytes(path.toStdString());
        const std::string bytes = withoutSeal(sealed);
        std::mt19937 rng(777);
        int refused = 0, loaded = 0;
        for (int i = 0; i < 300; ++i) {
            std::string what;
            const std::string b = mutate(bytes, rng, what);
            const QString mutated = tmp_.filePath(QString("unsealed-mutated-%1.sinar").arg(i));
            test::writeFile(mutated, b);
            QString message;
            try {
                const nn::Model m = nn::Model::load(mutated.toStdString());
                const int side = m.info().recipe.width * m.info().recipe.height * m.info().recipe.channels;
                const auto x = fixedInputs(2, side);
                for (const auto& p : m.predict(x.data(), 2))
                    for (float v : p)
                        if (!std::isfinite(v))
                            message = "a non-finite probability";
                if (message.isEmpty()) {
                    ++loaded;
                    continue;
                }
            } catch (const Error& e) {
                message = QString::fromStdString(e.message());
            } catch (const std::exception& e) {
                message = QString("not a sinar::Error: ") + e.what();
            }
            QVERIFY2(message.startsWith("corrupt model bundle"),
                     qPrintable(QString("mutation %1 (%2): %3").arg(i).arg(QString::fromStdString(what), message)));
            ++refused;
            QFile::remove(mutated);
        }
        qInfo("300 mutated unsealed bundles: %d refused as corrupt, %d loaded and predicted", refused, loaded);
        QVERIFY(refused > 150);
    }

    // The model of LibTorch 1.13's unpickler on crafted pickles: states in
    // which that unpickler would read past its stack, marks or memo, or take a
    // length or table index from the file, are refused by name; a storage
    // declaration is read as LibTorch reads it.
    void pickleModelRefusesWhatLibTorchWouldTrust()
    {
        auto run = [](const std::string& body) -> QString {
            try {
                const auto storages = nn::checkPickle(std::string("\x80\x02", 2) + body, "", "p.pkl");
                QString out = "ok";
                for (const auto& s : storages)
                    out += QString(" %1:%2").arg(QString::fromStdString(s.key)).arg(s.bytes);
                return out;
            } catch (const Error& e) {
                return QString::fromStdString(e.message());
            }
        };
        auto unicode = [](const std::string& t) {
            std::string b = "X";
            const uint32_t n = static_cast<uint32_t>(t.size());
            b.append(reinterpret_cast<const char*>(&n), 4);
            return b + t;
        };
        QCOMPARE(run("N."), QString("ok"));
        QCOMPARE(run("(Nt."), QString("ok"));
        QVERIFY(run("N").contains("ends without the pickle's STOP opcode"));
        QVERIFY(run("NN.").contains("stops with 2 values on the stack, not one"));
        QVERIFY(run("(Nd.").contains("pairs 1 values as keys and values"));       // DICT would read stack_[i + 1]
        QVERIFY(run("}u.").contains("needs a MARK, and none is open"));           // SETITEMS would read marks_.back()
        QVERIFY(run("(}}u.").contains("sets items of a dictionary below the bottom of the stack"));
        QVERIFY(run("(]e.").contains("appends to a list below the bottom of the stack"));
        QVERIFY(run("NN(\x86t.").contains("closes a MARK set below values already taken from the stack"));
        QVERIFY(run("\x85.").contains("needs 1 values, the stack holds 0"));       // TUPLE1 on an empty stack
        QVERIFY(run("NR.").contains("needs 2 values, the stack holds 1"));         // REDUCE would swap past the front
        QVERIFY(run("h\x05.").contains("reads memo slot 5, which was never filled"));
        QVERIFY(run("Nr\xff\xff\xff\x7f.").contains("names memo slot 2147483647, beyond what a pickle of"));
        QVERIFY(run("\x8a\x04\x01\x02\x03\x04.").contains("is a LONG1 of other than 8 bytes"));
        QVERIFY(run(std::string("X\x03\x00\x00\xd0.", 6)).contains("opcode 0x58 at byte 2 declares 3.25 GiB, more than the 1 bytes left"));
        QVERIFY(run("C\x01\x41.").contains("opcode 0x43 at byte 2 is not an opcode LibTorch's unpickler reads"));
        try {
            nn::checkPickle("N.", "corrupt: ", "p.pkl");
            QFAIL("a pickle without PROTO 2 was accepted");
        } catch (const Error& e) {
            QCOMPARE(QString::fromStdString(e.message()),
                     QString("corrupt: it does not start with pickle protocol 2, the one LibTorch reads"));
        }

        // A storage as LibTorch's pickler writes it: ("storage", torch.FloatStorage, key, device, numel).
        const std::string storage = "(" + unicode("storage") + "ctorch\nFloatStorage\n" + unicode("7") + unicode("cpu") +
                                    "K\x10tQ.";
        QCOMPARE(run(storage), QString("ok 7:64"));
        // The element type as a number (LibTorch takes any int): Double is 7, 8 bytes each.
        const std::string numbered = "(" + unicode("storage") + "K\x07" + unicode("7") + unicode("cpu") + "K\x10tQ.";
        QCOMPARE(run(numbered), QString("ok 7:128"));
        const std::string unknownType = "(" + unicode("storage") + "Kc" + unicode("7") + unicode("cpu") + "K\x10tQ.";
        QVERIFY(run(unknownType).contains("declares a tensor storage of an unknown element type"));
        // A key that comes out of a REDUCE: not followed, so refused rather than guessed.
        const std::string computed = "(" + unicode("storage") + "ctorch\nFloatStorage\nNNR" + unicode("cpu") + "K\x10tQ.";
        QVERIFY(run(computed).contains("declares a tensor storage in a form Sinar cannot check"));
    }

    void durableWriteKeepsThePreviousGeneration()
    {
        const std::string path = tmp_.filePath("gen.bin").toStdString();
        writeFileDurably(path, "one", true);
        QVERIFY(!QFileInfo::exists(QString::fromStdString(previousGeneration(path))));
        writeFileDurably(path, "two", true);
        writeFileDurably(path, "three", true);
        QCOMPARE(readFileBytes(path), std::string("three"));
        QCOMPARE(readFileBytes(previousGeneration(path)), std::string("two"));
        QVERIFY(leftovers(tmp_.path()).isEmpty());
    }

    // A write past the file-size limit (a full disk behaves the same) leaves the
    // old file as it was, no temporary file behind, and says so.
    void fullDiskLeavesThePreviousFile()
    {
        const std::string path = tmp_.filePath("limited.bin").toStdString();
        writeFileDurably(path, std::string(1000, 'a'));
        QString message;
        {
            FileSizeLimit limit(4096);
            try {
                writeFileDurably(path, std::string(10000, 'b'));
            } catch (const Error& e) {
                message = e.what();
            }
        }
        QVERIFY2(message.contains("file-size limit") && message.contains("previous file is unchanged") &&
                     message.contains("limited.bin"),
                 qPrintable(message));
        QCOMPARE(readFileBytes(path), std::string(1000, 'a'));
        QVERIFY(leftovers(tmp_.path()).isEmpty());
    }

    // A damaged checkpoint: resuming falls back to the previous generation and
    // says so; with both damaged it is a clear error naming the checkpoint.
    void damagedCheckpointFallsBack()
    {
        const QString data = tmp_.filePath("fallback-data");
        test::makeClassFolder(data, {"a", "b", "c"}, 16, 32);
        const QString out = tmp_.filePath("fallback.sinar");
        const QStringList common{"train", "--data", data, "--size", "32", "--filters", "8,16", "--threads", "2",
                                 "--seed", "4", "--batch-size", "8", "--out", out};
        const test::CliRun a = test::runCli(common + QStringList{"--epochs", "3"});
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const QString checkpoint = out + ".run/checkpoint.pt";
        QVERIFY(QFileInfo::exists(checkpoint + ".prev"));
        std::string damaged = readFileBytes(checkpoint.toStdString());
        damaged[damaged.size() / 2] ^= 0x20;
        test::writeFile(checkpoint, damaged);
        const test::CliRun b = test::runCli(common + QStringList{"--epochs", "4", "--resume"});
        QVERIFY2(b.code == 0, qPrintable(b.err));
        QVERIFY2(b.err.contains("corrupt checkpoint") && b.err.contains("resuming from the previous one") &&
                     b.err.contains("resuming after epoch 2"),
                 qPrintable(b.err));

        test::writeFile(checkpoint, "PK broken");
        test::writeFile(checkpoint + ".prev", "PK broken too");
        const test::CliRun c = test::runCli(common + QStringList{"--epochs", "5", "--resume"});
        QCOMPARE(c.code, 1);
        QVERIFY2(c.err.contains("cannot resume") && c.err.contains("both unusable") && c.err.contains("checkpoint.pt"),
                 qPrintable(c.err));
    }

    // A damaged .npz either gives a sinar::Error or, where the damage hit bytes
    // that carry nothing (a timestamp, say), exactly the images and labels of
    // the original: never other pixels or labels.
    void mutatedNpzIsRefusedOrUnchanged()
    {
        std::string images, labels;
        for (int i = 0; i < 12 * 8 * 8; ++i)
            images.push_back(static_cast<char>((i * 37) % 251));
        for (int i = 0; i < 12; ++i) {
            std::string label(8, '\0'); // little-endian int64
            label[0] = static_cast<char>(i % 2);
            labels += label;
        }
        const std::vector<std::pair<std::string, std::string>> members{
            {"train_images.npy", test::makeNpy("|u1", {12, 8, 8}, images)},
            {"train_labels.npy", test::makeNpy("<i8", {12, 1}, labels)}};
        auto signature = [](const data::Dataset& d) {
            std::string sig;
            for (size_t i = 0; i < d.size(); ++i) {
                const cv::Mat m = d.sample(i).pixels;
                sig += std::to_string(d.sample(i).label) + ":" + std::to_string(m.rows) + "x" + std::to_string(m.cols) + ":";
                sig.append(reinterpret_cast<const char*>(m.data), m.total() * m.elemSize());
            }
            return sig;
        };
        int refused = 0, unchanged = 0;
        for (bool deflate : {false, true}) {
            const std::string zip = test::makeZip(members, deflate);
            const QString original = tmp_.filePath(deflate ? "original-deflated.npz" : "original-stored.npz");
            test::writeFile(original, zip);
            const std::string expected = signature(data::openNpz(original.toStdString(), {}));
            QVERIFY(!expected.empty());
            std::mt19937 rng(deflate ? 777 : 778);
            for (int i = 0; i < 150; ++i) {
                std::string what;
                const std::string b = mutate(zip, rng, what);
                const QString mutated = tmp_.filePath(QString("mutated-%1.npz").arg(i));
                test::writeFile(mutated, b);
                try {
                    const std::string got = signature(data::openNpz(mutated.toStdString(), {}));
                    QVERIFY2(got == expected, qPrintable(QString("mutation %1 (%2) of the %3 archive loaded other data")
                                                             .arg(i).arg(QString::fromStdString(what), deflate ? "deflated" : "stored")));
                    ++unchanged;
                } catch (const Error&) {
                    ++refused;
                } catch (const std::exception& e) {
                    QFAIL(qPrintable(QString("mutation %1 (%2): not a sinar::Error: %3").arg(i).arg(QString::fromStdString(what), e.what())));
                }
            }
        }
        qInfo("300 mutated .npz archives: %d refused, %d read back unchanged", refused, unchanged);
        QVERIFY(refused > 200);
    }

    // Run folders: every file training writes is listed in sinar.sha256 (which
    // sha256sum -c accepts), and a file changed afterwards is refused where
    // Sinar reads it back: the split on resume, test.csv as a data list.
    void runFolderManifest()
    {
        const QString data = tmp_.filePath("manifest-data");
        test::makeClassFolder(data, {"a", "b"}, 12, 32);
        const QString out = tmp_.filePath("manifest.sinar");
        const QStringList common{"train", "--data", data, "--size", "32", "--filters", "8", "--threads", "2",
                                 "--batch-size", "8", "--out", out};
        const test::CliRun a = test::runCli(common + QStringList{"--epochs", "2"});
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const QString run = out + ".run";
        const QString manifest = QString::fromStdString(readFileBytes((run + "/" + kManifestName).toStdString()));
        for (const char* f : {"split.json", "history.csv", "test.csv", "test_metrics.json", "test_metrics.csv", "test_predictions.csv"})
            QVERIFY2(manifest.contains(QStringLiteral("  %1\n").arg(QLatin1String(f))), f);
        const QString sha256sum = QStandardPaths::findExecutable("sha256sum");
        if (!sha256sum.isEmpty()) {
            QProcess p;
            p.setWorkingDirectory(run);
            p.start(sha256sum, {"--check", "--quiet", QLatin1String(kManifestName)});
            QVERIFY(p.waitForFinished(60000));
            QVERIFY2(p.exitCode() == 0, p.readAllStandardOutput().constData());
        }
        // A changed test list is refused as a data list ...
        const std::string list = readFileBytes((run + "/test.csv").toStdString());
        test::writeFile(run + "/test.csv", list + "\n");
        const test::CliRun ev = test::runCli({"evaluate", "--model", out, "--data", run + "/test.csv", "--quiet"});
        QCOMPARE(ev.code, 1);
        QVERIFY2(ev.err.contains("corrupt run folder: test.csv was changed after Sinar wrote it"), qPrintable(ev.err));
        // ... and a changed split stops a resume before anything is trained on it.
        std::string split = readFileBytes((run + "/split.json").toStdString());
        const size_t at = split.find("\"seed\"");
        QVERIFY(at != std::string::npos);
        split.insert(at, " ");
        test::writeFile(run + "/split.json", split);
        const test::CliRun r = test::runCli(common + QStringList{"--epochs", "3", "--resume"});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("corrupt run folder: split.json"), qPrintable(r.err));
    }

    // A checkpoint write that hits the file-size limit stops the run with a
    // clear message and leaves the previous checkpoint whole and resumable.
    void fullDiskDuringCheckpoint()
    {
        const QString data = tmp_.filePath("disk-data");
        test::makeClassFolder(data, {"a", "b", "c"}, 16, 32);
        const QStringList common{"train", "--data", data, "--size", "32", "--filters", "8,16", "--threads", "2",
                                 "--seed", "5", "--batch-size", "8", "--epochs", "3"};
        // The epoch-1 checkpoint's size, from the same run stopped after one epoch;
        // each later checkpoint is a few hundred bytes larger (its history grows).
        const QString probe = tmp_.filePath("disk-probe.sinar");
        const test::CliRun a = test::runCli(common + QStringList{"--out", probe, "--epochs", "1"});
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const qint64 first = QFileInfo(probe + ".run/checkpoint.pt").size();

        const QString out = tmp_.filePath("disk.sinar");
        const QString checkpoint = out + ".run/checkpoint.pt";
        QString message;
        int code = -1;
        {
            FileSizeLimit limit(static_cast<rlim_t>(first + 64)); // inherited by sinar-cli
            const test::CliRun b = test::runCli(common + QStringList{"--out", out});
            code = b.code;
            message = b.err;
        }
        QCOMPARE(code, 1);
        QVERIFY2(message.contains("file-size limit") && message.contains("previous file is unchanged") &&
                     message.contains("checkpoint.pt"),
                 qPrintable(message));
        QCOMPARE(int(checkZipSeal(readFileBytes(checkpoint.toStdString())).state), int(SealState::Valid));
        QVERIFY(!QFileInfo::exists(out));
        QVERIFY(leftovers(out + ".run").isEmpty());
        const test::CliRun c = test::runCli(common + QStringList{"--out", out, "--resume"});
        QVERIFY2(c.code == 0 && c.err.contains("resuming after epoch 1"), qPrintable(c.err));
    }

    // sinar-cli train killed with SIGKILL at 50 random moments (anywhere: start-up,
    // decoding, an epoch, inside a checkpoint or bundle write) and resumed each
    // time: every checkpoint left behind is whole, and the finished bundle has
    // the weights of a run that was never interrupted.
    void killedAtRandomMomentsResumesExactly()
    {
        const QString data = tmp_.filePath("soak-data");
        test::makeClassFolder(data, {"a", "b", "c"}, 24, 32);
        const QStringList common{"train", "--data", data, "--size", "32", "--epochs", "6", "--filters", "8,16",
                                 "--threads", "2", "--seed", "3", "--batch-size", "8", "--dropout", "0.5"};
        const QString straight = tmp_.filePath("soak-straight.sinar");
        QElapsedTimer clock;
        clock.start();
        const test::CliRun a = test::runCli(common + QStringList{"--out", straight});
        QVERIFY2(a.code == 0, qPrintable(a.err));
        const qint64 runMs = std::max<qint64>(clock.elapsed(), 500);

        // Kill cycles: each starts afresh and ends when a run finishes before its
        // kill; its bundle must match the uninterrupted one.
        const QString killed = tmp_.filePath("soak-killed.sinar");
        const QString checkpoint = killed + ".run/checkpoint.pt";
        std::mt19937 rng(777);
        int kills = 0, cycles = 0;
        for (int attempts = 0; kills < 50 && attempts < 400; ++cycles) {
            QFile::remove(killed);
            QDir(killed + ".run").removeRecursively();
            bool finished = false;
            int inCycle = 0;
            while (!finished && attempts++ < 400) {
                const bool resume = QFileInfo::exists(killed + ".run/split.json");
                QProcess p;
                p.start(SINAR_CLI_PATH,
                        common + QStringList{"--out", killed} + (resume ? QStringList{"--resume"} : QStringList{}));
                QVERIFY(p.waitForStarted());
                // On a loaded machine start-up alone can outlast most delays: after 25 kills in one
                // cycle the next run is let finish, so every cycle ends (and is compared).
                const int delay = ++inCycle > 25 ? 600000
                                                 : std::uniform_int_distribution<int>(0, static_cast<int>(runMs))(rng);
                if (p.waitForFinished(delay)) {
                    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
                             p.readAllStandardError().constData());
                    finished = true;
                    break;
                }
                p.kill(); // SIGKILL
                QVERIFY(p.waitForFinished(30000));
                ++kills;
                for (const QString& file : {checkpoint, checkpoint + ".prev", killed}) {
                    if (!QFileInfo::exists(file))
                        continue;
                    const SealCheck seal = checkZipSeal(readFileBytes(file.toStdString()));
                    QVERIFY2(seal.state == SealState::Valid,
                             qPrintable(QString("kill %1 left %2 damaged: %3")
                                            .arg(kills)
                                            .arg(file, QString::fromStdString(seal.detail))));
                }
            }
            QVERIFY2(finished, "the run never finished");
            QVERIFY2(sameOutputs(nn::Model::load(straight.toStdString()), nn::Model::load(killed.toStdString())),
                     qPrintable(QString("cycle %1 (after %2 kills in all) ended with other weights").arg(cycles + 1).arg(kills)));
        }
        qInfo("%d kills in %d cycles, each finished with the weights of the uninterrupted run", kills, cycles);
        QVERIFY(kills >= 50);
    }
};

QTEST_GUILESS_MAIN(TestReliability)
#include "test_reliability.moc"
