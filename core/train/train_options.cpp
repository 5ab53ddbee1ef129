#include "train/train_options.h"

#include <QRegularExpression>
#include <variant>

#include "common/cli_options.h"
#include "common/error.h"

namespace sinar::train {

namespace {

struct OptionRow {
    const char* name;
    const char* help;
    const char* valueName;    // nullptr: a flag
    const char* defaultValue; // nullptr: none
};

// The order is the order of `sinar-cli train --help`.
const OptionRow kOptions[] = {
    {"data", "Data set: class folder, CSV list (path,label) or MedMNIST .npz.", "D", nullptr},
    {"out", "Model bundle to write.", "BUNDLE", nullptr},
    {"run-dir", "Folder for checkpoint, split, history and metrics (default: BUNDLE.run).", "DIR", nullptr},
    {"resume", "Continue the run from its last checkpoint.", nullptr, nullptr},
    {"overwrite", "Replace an existing bundle.", nullptr, nullptr},
    {"class-names", "Class names for an .npz (comma-separated, in label order).", "NAMES", nullptr},
    {"test-fraction", "Held-out test part per class (default 0.2).", "F", "0.2"},
    {"val-fraction", "Validation part of the rest, for early stopping (default 0.1).", "F", "0.1"},
    {"split-method", "How the split is drawn: sinar (per class, seeded; can keep groups together) or sklearn (the images scikit-learn's train_test_split(stratify=labels, random_state=SEED) picks for test, then for validation from the rest, with the images in Sinar's order: classes, then file names, sorted) (default sinar).", "NAME", "sinar"},
    {"group-duplicates", "Keep near-duplicate images (mean difference < 1 grey level at 32x32) on one side of the split.",
     nullptr, nullptr},
    {"group-by-patient", "Keep the images of one patient on one side of the split.", nullptr, nullptr},
    {"seed", "Seed for split, initialisation and augmentation (default 0).", "N", "0"},
    {"threads", "Compute threads (default: one per core).", "N", nullptr},
    {"paths", "How bundle and run folder name the data set and its images: auto (fingerprints when the data set holds DICOM files, whose folder and file names can name patients; paths otherwise), record or fingerprint (default auto).", "MODE", "auto"},
    // Model
    {"architecture", "Network: standard-cnn, resnet18, resnet34, mobilenet_v2 or densenet121 (default standard-cnn; the next options shape the standard CNN); or a classical baseline: svm-linear, svm-rbf or knn; or torchscript: fine-tune the whole TorchScript model given by --pretrained (its outputs must be the data's classes).", "NAME", "standard-cnn"},
    {"features", "Classical baselines: raw (the preprocessed pixels; use a small --size such as 32) or hog (HOG of the preprocessed image; --size a multiple of 8, e.g. 64) (default raw).", "NAME", "raw"},
    {"cv-folds", "Classical baselines: cross-validation folds for C, gamma and k (default 3).", "N", "3"},
    {"backbone-lr", "Learning rate of the backbone relative to the head (default 1; 0 freezes it).", "F", "1"},
    {"freeze-backbone", "Epochs during which the backbone stays frozen before it trains too (default 0).", "N", "0"},
    {"pretrained", "Initialise from the weights of this TorchScript file, by name (e.g. an ImageNet export of the same architecture); batch-norm statistics stay frozen.", "FILE", nullptr},
    {"filters", "Filters per convolution block (default 32,64,128,256).", "LIST", "32,64,128,256"},
    {"kernel", "Convolution kernel size (default 3).", "K", "3"},
    {"convs-per-block", "Convolutions per block (default 1).", "N", "1"},
    {"stem-stride", "Stride of the first convolution (default 2).", "N", "2"},
    {"no-batch-norm", "Leave out batch normalisation.", nullptr, nullptr},
    {"dropout", "Dropout before the classifier (default 0.5).", "P", "0.5"},
    {"fc-hidden", "Hidden fully connected layer size (default 0: none).", "N", "0"},
    // Training
    {"epochs", "Maximum epochs (default 60).", "N", "60"},
    {"batch-size", "Mini-batch size (default 32).", "N", "32"},
    {"optimizer", "sgd (momentum) or adam (default sgd).", "NAME", "sgd"},
    {"lr", "Learning rate (default 0.02 for SGD, 0.001 for Adam).", "LR", nullptr},
    {"momentum", "SGD momentum (default 0.9).", "M", "0.9"},
    {"weight-decay", "L2 weight decay (default 5e-4).", "W", "0.0005"},
    {"schedule", "cosine, step or constant (default cosine).", "NAME", "cosine"},
    {"step-size", "Step schedule: epochs between decays (default 10).", "N", "10"},
    {"gamma", "Step schedule: decay factor (default 0.1).", "G", "0.1"},
    {"warmup", "Warm-up epochs (default 1).", "N", "1"},
    {"patience", "Early stopping patience in epochs, 0 = off (default 20).", "N", "20"},
    {"class-weights", "Weight the loss by inverse class frequency.", nullptr, nullptr},
    {"label-smoothing", "Label smoothing (default 0).", "E", "0"},
    {"precise-bn",
     "Re-estimate batch-norm statistics on this many clean training images after each epoch, 0 = off (default 1024).",
     "N", "1024"},
    {"max-minutes", "Time budget: the schedule is fitted to it (default 0: none).", "MIN", "0"},
    // Preprocessing
    {"size", "Input size, N or WxH (default 128).", "SIZE", "128"},
    {"channels", "1 (grey) or 3 (RGB) (default 1).", "C", "1"},
    {"keep-aspect", "Letterbox instead of stretching.", nullptr, nullptr},
    {"normalise", "none, per-image, dataset or minus-one-one (default per-image).", "MODE", "per-image"},
    {"clahe", "CLAHE contrast enhancement.", nullptr, nullptr},
    {"clahe-clip", "CLAHE clip limit (default 2).", "C", "2"},
    {"denoise", "none, median, gaussian or nlmeans (default none).", "METHOD", "none"},
    {"window", "Fixed window C,W for >8-bit images (default: the image's own).", "C,W", nullptr},
    // Augmentation
    {"no-augment", "Train without augmentation.", nullptr, nullptr},
    {"rotate", "Random rotation in degrees (default 10).", "DEG", "10"},
    {"scale", "Random zoom fraction (default 0.1).", "F", "0.1"},
    {"translate", "Random shift fraction (default 0.06).", "F", "0.06"},
    {"vflip", "Random vertical flips too.", nullptr, nullptr},
    {"no-hflip", "No random horizontal flips.", nullptr, nullptr},
    {"brightness", "Brightness jitter fraction (default 0.1).", "F", "0.1"},
    {"contrast", "Contrast jitter fraction (default 0.15).", "F", "0.15"},
    {"noise", "Gaussian noise sigma in grey levels (default 0).", "S", "0"},
    {"blur", "Probability of a random blur (default 0).", "P", "0"},
    {"intensity-curve", "Probability of a random monotone grey-level curve (default 0).", "P", "0"},
    {"invert", "Probability of inverting grey levels inside the body, e.g. CSF dark <-> bright (default 0).", "P", "0"},
    // Scope: the images the model is for (stored in the bundle; see sinar-cli scope)
    {"scope-modality", "Scope: DICOM modalities the model is for (e.g. MR or CR,DX).", "LIST", nullptr},
    {"scope-body-part", "Scope: body parts (e.g. BRAIN or CHEST; HEAD/SKULL count as BRAIN).", "LIST", nullptr},
    {"scope-view", "Scope: planes and views (axial, coronal, sagittal, PA, AP, LAT).", "LIST", nullptr},
    {"scope-photometric", "Scope: photometric interpretations (e.g. MONOCHROME2).", "LIST", nullptr},
    {"scope-input", "Scope: input kinds (dicom, film-photograph, research-image).", "LIST", nullptr},
    {"quiet", "Print only the final report.", nullptr, nullptr},
};

using Spec = TrainingJobSpec;
using Ref = std::variant<bool& (*)(Spec&), int& (*)(Spec&), double& (*)(Spec&), std::string& (*)(Spec&),
                         std::vector<int>& (*)(Spec&), std::vector<std::string>& (*)(Spec&)>;

// Options that map one to one onto a spec field. A flag sets its field, or
// clears it when `inverted` (--no-...); numbers are checked against min..max.
struct Field {
    const char* name;
    Ref ref;
    double min = 0, max = 0;
    bool inverted = false;
};

// clang-format off
const Field kFields[] = {
    {"run-dir", +[](Spec& s) -> std::string& { return s.runDir; }},
    {"resume", +[](Spec& s) -> bool& { return s.resume; }},
    {"overwrite", +[](Spec& s) -> bool& { return s.overwrite; }},
    {"class-names", +[](Spec& s) -> std::vector<std::string>& { return s.classNames; }},
    {"test-fraction", +[](Spec& s) -> double& { return s.testFraction; }, 0.0, 0.9},
    {"val-fraction", +[](Spec& s) -> double& { return s.valFraction; }, 0.0, 0.9},
    {"split-method", +[](Spec& s) -> std::string& { return s.splitMethod; }},
    {"group-duplicates", +[](Spec& s) -> bool& { return s.groupDuplicates; }},
    {"group-by-patient", +[](Spec& s) -> bool& { return s.groupByPatient; }},
    {"threads", +[](Spec& s) -> int& { return s.threads; }, 0, 256},
    {"paths", +[](Spec& s) -> std::string& { return s.pathMode; }},
    {"architecture", +[](Spec& s) -> std::string& { return s.architecture; }},
    {"features", +[](Spec& s) -> std::string& { return s.features; }},
    {"cv-folds", +[](Spec& s) -> int& { return s.cvFolds; }, 2, 20},
    {"pretrained", +[](Spec& s) -> std::string& { return s.pretrained; }},
    {"backbone-lr", +[](Spec& s) -> double& { return s.train.backboneLrFactor; }, 0.0, 10.0},
    {"freeze-backbone", +[](Spec& s) -> int& { return s.train.freezeBackboneEpochs; }, 0, 10000},
    {"filters", +[](Spec& s) -> std::vector<int>& { return s.cnn.filters; }},
    {"kernel", +[](Spec& s) -> int& { return s.cnn.kernelSize; }, 1, 11},
    {"convs-per-block", +[](Spec& s) -> int& { return s.cnn.convsPerBlock; }, 1, 4},
    {"stem-stride", +[](Spec& s) -> int& { return s.cnn.stemStride; }, 1, 4},
    {"no-batch-norm", +[](Spec& s) -> bool& { return s.cnn.batchNorm; }, 0, 0, true},
    {"dropout", +[](Spec& s) -> double& { return s.cnn.dropout; }, 0.0, 0.95},
    {"fc-hidden", +[](Spec& s) -> int& { return s.cnn.fcHidden; }, 0, 8192},
    {"epochs", +[](Spec& s) -> int& { return s.train.epochs; }, 1, 10000},
    {"batch-size", +[](Spec& s) -> int& { return s.train.batchSize; }, 1, 4096},
    {"optimizer", +[](Spec& s) -> std::string& { return s.train.optimizer; }},
    {"momentum", +[](Spec& s) -> double& { return s.train.momentum; }, 0.0, 0.999},
    {"weight-decay", +[](Spec& s) -> double& { return s.train.weightDecay; }, 0.0, 1.0},
    {"schedule", +[](Spec& s) -> std::string& { return s.train.schedule; }},
    {"step-size", +[](Spec& s) -> int& { return s.train.stepSize; }, 1, 10000},
    {"gamma", +[](Spec& s) -> double& { return s.train.gamma; }, 1e-6, 1.0},
    {"warmup", +[](Spec& s) -> int& { return s.train.warmupEpochs; }, 0, 1000},
    {"patience", +[](Spec& s) -> int& { return s.train.patience; }, 0, 10000},
    {"class-weights", +[](Spec& s) -> bool& { return s.train.classWeights; }},
    {"label-smoothing", +[](Spec& s) -> double& { return s.train.labelSmoothing; }, 0.0, 0.99},
    {"precise-bn", +[](Spec& s) -> int& { return s.train.preciseBnImages; }, 0, 1000000},
    {"max-minutes", +[](Spec& s) -> double& { return s.train.maxMinutes; }, 0.0, 100000.0},
    {"channels", +[](Spec& s) -> int& { return s.recipe.channels; }, 1, 3},
    {"keep-aspect", +[](Spec& s) -> bool& { return s.recipe.keepAspect; }},
    {"clahe", +[](Spec& s) -> bool& { return s.recipe.clahe; }},
    {"clahe-clip", +[](Spec& s) -> double& { return s.recipe.claheClip; }, 0.01, 100.0},
    {"no-augment", +[](Spec& s) -> bool& { return s.augment.enabled; }, 0, 0, true},
    {"rotate", +[](Spec& s) -> double& { return s.augment.rotationDeg; }, 0.0, 180.0},
    {"scale", +[](Spec& s) -> double& { return s.augment.scale; }, 0.0, 0.9},
    {"translate", +[](Spec& s) -> double& { return s.augment.translate; }, 0.0, 0.5},
    {"vflip", +[](Spec& s) -> bool& { return s.augment.verticalFlip; }},
    {"no-hflip", +[](Spec& s) -> bool& { return s.augment.horizontalFlip; }, 0, 0, true},
    {"brightness", +[](Spec& s) -> double& { return s.augment.brightness; }, 0.0, 1.0},
    {"contrast", +[](Spec& s) -> double& { return s.augment.contrast; }, 0.0, 1.0},
    {"noise", +[](Spec& s) -> double& { return s.augment.noiseStd; }, 0.0, 128.0},
    {"blur", +[](Spec& s) -> double& { return s.augment.blurProbability; }, 0.0, 1.0},
    {"intensity-curve", +[](Spec& s) -> double& { return s.augment.curveProbability; }, 0.0, 1.0},
    {"invert", +[](Spec& s) -> double& { return s.augment.invertProbability; }, 0.0, 1.0},
    {"scope-modality", +[](Spec& s) -> std::vector<std::string>& { return s.scope.modalities; }},
    {"scope-body-part", +[](Spec& s) -> std::vector<std::string>& { return s.scope.bodyParts; }},
    {"scope-view", +[](Spec& s) -> std::vector<std::string>& { return s.scope.views; }},
    {"scope-photometric", +[](Spec& s) -> std::vector<std::string>& { return s.scope.photometric; }},
    {"scope-input", +[](Spec& s) -> std::vector<std::string>& { return s.scope.inputs; }},
};
// clang-format on

const Field* findField(const QString& name)
{
    for (const Field& f : kFields)
        if (name == QLatin1String(f.name))
            return &f;
    return nullptr;
}

const OptionRow& row(const QString& name)
{
    for (const OptionRow& r : kOptions)
        if (name == QLatin1String(r.name))
            return r;
    throw Error("unknown training option --" + name.toStdString());
}

double defaultLearningRate(const std::string& optimizer)
{
    return optimizer == "adam" ? 0.001 : 0.02;
}

QString number(double v)
{
    return QString::number(v, 'g', QLocale::FloatingPointShortest);
}

QString joined(const std::vector<int>& v)
{
    QStringList parts;
    for (int x : v)
        parts << QString::number(x);
    return parts.join(',');
}

QString joined(const std::vector<std::string>& v)
{
    QStringList parts;
    for (const auto& x : v)
        parts << QString::fromStdString(x);
    return parts.join(',');
}

// The options as given, with the defaults of the skipped ones.
class Given {
public:
    Given(const QCommandLineParser& p, const QStringList& skip) : p_(p), skip_(skip) {}
    bool isSet(const QString& name) const { return !skip_.contains(name) && p_.isSet(name); }
    bool hasValue(const QString& name) const { return isSet(name) || row(name).defaultValue; }
    QString value(const QString& name) const
    {
        return skip_.contains(name) ? QString::fromLatin1(row(name).defaultValue) : p_.value(name);
    }

private:
    const QCommandLineParser& p_;
    const QStringList& skip_;
};

void readField(const Field& f, const Given& g, Spec& s)
{
    const QString name = QLatin1String(f.name);
    if (auto* flag = std::get_if<bool& (*)(Spec&)>(&f.ref)) {
        (*flag)(s) = g.isSet(name) != f.inverted;
        return;
    }
    if (!g.hasValue(name))
        return; // no default: the spec's own
    const QString v = g.value(name);
    if (auto* i = std::get_if<int& (*)(Spec&)>(&f.ref))
        (*i)(s) = intValue(name, v, static_cast<int>(f.min), static_cast<int>(f.max));
    else if (auto* d = std::get_if<double& (*)(Spec&)>(&f.ref))
        (*d)(s) = doubleValue(name, v, f.min, f.max);
    else if (auto* t = std::get_if<std::string& (*)(Spec&)>(&f.ref))
        (*t)(s) = v.toStdString();
    else if (auto* il = std::get_if<std::vector<int>& (*)(Spec&)>(&f.ref))
        (*il)(s) = intListValue(name, v);
    else if (auto* tl = std::get_if<std::vector<std::string>& (*)(Spec&)>(&f.ref))
        (*tl)(s) = stringListValue(v);
}

// The option's value when it differs from the default; null when it does not
// (an empty string for a flag that is set). The accessors only read `a` and `b`.
QString changedField(const Field& f, Spec& a, Spec& b)
{
    if (auto* flag = std::get_if<bool& (*)(Spec&)>(&f.ref))
        return (*flag)(a) != (*flag)(b) ? QString("") : QString();
    if (auto* i = std::get_if<int& (*)(Spec&)>(&f.ref))
        return (*i)(a) != (*i)(b) ? QString::number((*i)(a)) : QString();
    if (auto* d = std::get_if<double& (*)(Spec&)>(&f.ref))
        return (*d)(a) != (*d)(b) ? number((*d)(a)) : QString();
    if (auto* t = std::get_if<std::string& (*)(Spec&)>(&f.ref))
        return (*t)(a) != (*t)(b) ? QString::fromStdString((*t)(a)) : QString();
    if (auto* il = std::get_if<std::vector<int>& (*)(Spec&)>(&f.ref))
        return (*il)(a) != (*il)(b) ? joined((*il)(a)) : QString();
    if (auto* tl = std::get_if<std::vector<std::string>& (*)(Spec&)>(&f.ref))
        return (*tl)(a) != (*tl)(b) ? joined((*tl)(a)) : QString();
    return QString();
}

// The options that are not one field: the value, or null when it is the default.
QString changedSpecial(const QString& name, const Spec& s, const Spec& def)
{
    const imaging::Recipe& r = s.recipe;
    if (name == "seed")
        return s.train.seed != def.train.seed ? QString::number(s.train.seed) : QString();
    if (name == "lr")
        return s.train.learningRate != defaultLearningRate(s.train.optimizer) ? number(s.train.learningRate) : QString();
    if (name == "size") {
        if (r.width == def.recipe.width && r.height == def.recipe.height)
            return QString();
        return r.width == r.height ? QString::number(r.width) : QString("%1x%2").arg(r.width).arg(r.height);
    }
    if (name == "normalise")
        return r.normalisation != def.recipe.normalisation ? QString::fromStdString(imaging::toString(r.normalisation))
                                                           : QString();
    if (name == "denoise")
        return r.denoise != def.recipe.denoise ? QString::fromStdString(imaging::toString(r.denoise)) : QString();
    if (name == "window")
        return r.useWindow ? number(r.windowCenter) + "," + number(r.windowWidth) : QString();
    return QString();
}

void readSpecial(const QString& name, const Given& g, Spec& s)
{
    imaging::Recipe& r = s.recipe;
    if (name == "seed") {
        s.train.seed = static_cast<uint32_t>(intValue(name, g.value(name), 0, 2147483647));
    } else if (name == "lr") {
        s.train.learningRate = g.isSet(name) ? doubleValue(name, g.value(name), 1e-7, 10.0)
                                             : defaultLearningRate(s.train.optimizer);
    } else if (name == "size") {
        const QString size = g.value(name);
        const QRegularExpressionMatch m = QRegularExpression("^(\\d+)(?:x(\\d+))?$").match(size);
        if (!m.hasMatch())
            throw Error("--size must be N or WxH, not '" + size.toStdString() + "'");
        r.width = m.captured(1).toInt();
        r.height = m.captured(2).isEmpty() ? r.width : m.captured(2).toInt();
    } else if (name == "normalise") {
        r.normalisation = imaging::normalisationFromString(g.value(name).toStdString(), "--normalise");
    } else if (name == "denoise") {
        r.denoise = imaging::denoiseFromString(g.value(name).toStdString(), "--denoise");
    } else if (name == "window" && g.isSet(name)) {
        const QStringList cw = g.value(name).split(',');
        bool ok1 = false, ok2 = false;
        if (cw.size() == 2) {
            r.windowCenter = cw[0].toDouble(&ok1);
            r.windowWidth = cw[1].toDouble(&ok2);
        }
        if (!ok1 || !ok2 || r.windowWidth <= 0)
            throw Error("--window must be CENTER,WIDTH with a positive width");
        r.useWindow = true;
    }
}

bool handledElsewhere(const QString& name)
{
    return name == "data" || name == "out" || name == "quiet";
}

const Spec& defaultSpec()
{
    static const Spec spec = [] {
        QCommandLineParser p;
        addTrainOptions(p);
        p.parse({QStringLiteral("sinar-cli train")});
        return trainSpecFromOptions(p);
    }();
    return spec;
}

} // namespace

void addTrainOptions(QCommandLineParser& parser, const QStringList& skip)
{
    for (const OptionRow& r : kOptions) {
        if (skip.contains(QLatin1String(r.name)))
            continue;
        if (!r.valueName)
            parser.addOption(QCommandLineOption(QLatin1String(r.name), QLatin1String(r.help)));
        else
            parser.addOption(QCommandLineOption(QLatin1String(r.name), QLatin1String(r.help), QLatin1String(r.valueName),
                                                r.defaultValue ? QLatin1String(r.defaultValue) : QString()));
    }
}

TrainingJobSpec trainSpecFromOptions(const QCommandLineParser& parser, const QStringList& skip)
{
    const Given g(parser, skip);
    Spec s;
    for (const OptionRow& row : kOptions) {
        const QString name = QLatin1String(row.name);
        if (handledElsewhere(name))
            continue;
        if (const Field* f = findField(name))
            readField(*f, g, s);
        else
            readSpecial(name, g, s);
    }
    imaging::Recipe& r = s.recipe;
    if (r.normalisation == imaging::Normalisation::Dataset) {
        r.mean.assign(static_cast<size_t>(r.channels), 0.5f);
        r.std.assign(static_cast<size_t>(r.channels), 0.25f);
    }
    r.validate("options");
    s.scope.normalise("options");
    if (s.splitMethod != "sinar" && s.splitMethod != "sklearn")
        throw Error("--split-method must be sinar or sklearn, not '" + s.splitMethod + "'");
    if (s.splitMethod == "sklearn" && (s.groupDuplicates || s.groupByPatient))
        throw Error("--split-method sklearn cannot keep near-duplicates or patients on one side; leave out "
                    "--group-duplicates and --group-by-patient, or use --split-method sinar");
    return s;
}

QStringList trainCommandLine(const TrainingJobSpec& spec)
{
    Spec a = spec, def = defaultSpec();
    QStringList args{"sinar-cli", "train", "--data", QString::fromStdString(spec.dataPath), "--out",
                     QString::fromStdString(spec.outPath)};
    for (const OptionRow& row : kOptions) {
        const QString name = QLatin1String(row.name);
        if (handledElsewhere(name))
            continue;
        const Field* f = findField(name);
        const QString v = f ? changedField(*f, a, def) : changedSpecial(name, spec, def);
        if (v.isNull())
            continue;
        args << "--" + name;
        if (row.valueName)
            args << v;
    }
    return args;
}

QString shellJoin(const QStringList& args)
{
    static const QRegularExpression plain("^[A-Za-z0-9_@%+=:,./-]+$");
    QStringList out;
    for (const QString& a : args) {
        if (plain.match(a).hasMatch())
            out << a;
        else
            out << "'" + QString(a).replace("'", "'\\''") + "'";
    }
    return out.join(' ');
}

QStringList splitShellWords(const QString& line)
{
    QStringList words;
    QString word;
    bool inWord = false;
    enum { None, Single, Double } quote = None;
    for (int i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (quote == Single) {
            if (c == QLatin1Char('\''))
                quote = None;
            else
                word += c;
            continue;
        }
        if (quote == Double) {
            if (c == QLatin1Char('"'))
                quote = None;
            else if (c == QLatin1Char('\\') && i + 1 < line.size() &&
                     QStringLiteral("\"\\$`").contains(line[i + 1]))
                word += line[++i];
            else
                word += c;
            continue;
        }
        if (c.isSpace()) {
            if (inWord)
                words << word;
            word.clear();
            inWord = false;
            continue;
        }
        inWord = true;
        if (c == QLatin1Char('\''))
            quote = Single;
        else if (c == QLatin1Char('"'))
            quote = Double;
        else if (c == QLatin1Char('\\') && i + 1 < line.size())
            word += line[++i];
        else
            word += c;
    }
    if (quote != None)
        throw Error("unterminated quote in the command line");
    if (inWord)
        words << word;
    return words;
}

TrainingJobSpec trainSpecFromCommandLine(const QString& line)
{
    QStringList args = splitShellWords(line);
    if (!args.isEmpty() && args.first().endsWith(QLatin1String("sinar-cli")))
        args.removeFirst();
    if (!args.isEmpty() && args.first() == QLatin1String("train"))
        args.removeFirst();
    args.prepend(QStringLiteral("sinar-cli train"));
    QCommandLineParser p;
    addTrainOptions(p);
    if (!p.parse(args))
        throw Error(p.errorText().toStdString());
    if (!p.positionalArguments().isEmpty())
        throw Error("unexpected argument '" + p.positionalArguments().first().toStdString() + "'");
    TrainingJobSpec s = trainSpecFromOptions(p);
    s.dataPath = p.value(QStringLiteral("data")).toStdString();
    s.outPath = p.value(QStringLiteral("out")).toStdString();
    s.runDir = p.value(QStringLiteral("run-dir")).toStdString();
    return s;
}

} // namespace sinar::train
