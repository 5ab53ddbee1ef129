#include "nn/model.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <sstream>

#include "common/error.h"
#include "nn/archive_check.h"
#include "common/integrity.h"
#include "common/json_io.h"
#include "imaging/preprocessor.h"
#include "nn/model_impl.h"
#include "nn/script_network.h"

namespace sinar::nn {

namespace {

const char* kMetadataKey = "sinar_metadata";

} // namespace

void setThreadCount(int threads)
{
    if (threads <= 0)
        threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(threads);
}

int threadCount()
{
    return torch::get_num_threads();
}

torch::Tensor toTensor(const float* inputs, int n, const imaging::Recipe& recipe)
{
    return torch::from_blob(const_cast<float*>(inputs), {n, recipe.channels, recipe.height, recipe.width}, torch::kFloat32);
}

Model Model::create(const BundleInfo& info, uint32_t seed)
{
    info.validate("new model");
    auto impl = std::make_shared<Impl>();
    impl->info = info;
    {
        // Seeded initial weights; the process's generator is left as it was (a training run re-seeds it).
        GeneratorScope scope(GeneratorScope::Mode::Restore);
        torch::manual_seed(seed);
        impl->net = createNetwork(info);
    }
    impl->net->setTraining(false);
    return Model(impl);
}

bool Model::isSealed() const
{
    return impl_->sealed;
}

bool Model::isTorchScript() const
{
    return impl_->info.architecture == "torchscript";
}

const BundleInfo& Model::info() const
{
    return impl_->info;
}

BundleInfo& Model::info()
{
    return impl_->info;
}

size_t Model::parameterCount() const
{
    return impl_->net->parameterCount();
}

bool Model::fitsDirectly() const
{
    return impl_->net->fitsDirectly();
}

void Model::fitDirectly(const float* inputs, int n, const std::vector<int>& labels, int folds, uint32_t seed,
                        const ProgressFn& progress, const CancelToken* cancel, std::vector<std::vector<float>>* outOfFold)
{
    DirectFitOptions options;
    options.folds = folds;
    options.seed = seed;
    options.progress = progress;
    options.cancel = cancel;
    torch::Tensor scores;
    if (outOfFold)
        options.outOfFoldScores = &scores;
    torch::NoGradGuard noGrad;
    const QJsonObject fit = impl_->net->fitDirectly(toTensor(inputs, n, impl_->info.recipe), labels, options);
    for (auto it = fit.begin(); it != fit.end(); ++it)
        impl_->info.classical[it.key()] = it.value();
    if (outOfFold) {
        if (!scores.defined() || scores.size(0) != n)
            throw Error("internal: the baseline gave no out-of-fold scores");
        const torch::Tensor probs = torch::softmax(scores.to(torch::kFloat32), 1).contiguous();
        outOfFold->assign(static_cast<size_t>(n), {});
        const int64_t k = probs.size(1);
        const float* p = probs.data_ptr<float>();
        for (int64_t i = 0; i < n; ++i)
            (*outOfFold)[static_cast<size_t>(i)].assign(p + i * k, p + (i + 1) * k);
    }
}

bool Model::hasEmbeddings() const
{
    return impl_->net->hasEmbedding();
}

static torch::jit::script::Module loadScriptModule(const std::string& bytes, const std::string& path)
{
    try {
        std::istringstream in(bytes);
        torch::jit::script::Module module = torch::jit::load(in);
        checkModuleTensors(module, "corrupt model bundle: ", path);
        return module;
    } catch (const c10::Error& e) {
        throw Error("cannot load the TorchScript model (" + firstLine(e.what_without_backtrace()) + ")", path);
    } catch (const std::exception& e) {
        throw Error("cannot load the TorchScript model (" + firstLine(e.what()) + ")", path);
    }
}

// The side-car JSON of a TorchScript model: "model.pt.json", else "model.json".
// `exists` tells whether either is there; without one, "model.json" is named.
static std::string sideCarPath(const std::string& modelPath, bool* exists)
{
    const QFileInfo f(QString::fromStdString(modelPath));
    const QString byName = f.filePath() + ".json";
    const QString byStem = f.dir().filePath(f.completeBaseName() + ".json");
    *exists = QFileInfo::exists(byName);
    if (*exists)
        return byName.toStdString();
    *exists = QFileInfo::exists(byStem);
    return byStem.toStdString();
}

// A TorchScript model exported from PyTorch/MONAI, described by a side-car
// JSON: {"class_names": [...], "preprocessing": {recipe}}.
static std::shared_ptr<Model::Impl> loadTorchScript(const std::string& path, const std::string& bytes,
                                                    const std::string& sideCar, bool sideCarExists)
{
    if (!sideCarExists)
        throw Error("the file is a LibTorch archive without Sinar metadata; a TorchScript model needs a side-car JSON (" +
                        sideCar + ") with its class_names and preprocessing",
                    path);
    QJsonObject meta = readJsonFile(sideCar);
    meta["format"] = "sinar-model-bundle";
    if (!meta.contains("format_version"))
        meta["format_version"] = kBundleFormatVersion;
    meta["architecture"] = "torchscript";
    BundleInfo info = BundleInfo::fromJson(meta, sideCar);

    torch::jit::script::Module module = loadScriptModule(bytes, path);
    auto impl = std::make_shared<Model::Impl>();
    impl->info = info;
    impl->net = std::make_shared<ScriptNetwork>(std::move(module), info, path);
    return impl;
}

std::string serialiseBundle(const BundleInfo& info, Network& net)
{
    torch::serialize::OutputArchive archive;
    net.save(archive);
    const QJsonObject meta = info.toJson();
    archive.write(kMetadataKey, c10::IValue(QJsonDocument(meta).toJson(QJsonDocument::Compact).toStdString()));
    std::ostringstream out;
    archive.save_to(out);
    return sealZip(out.str());
}

Model Model::load(const std::string& path)
{
    const std::string bytes = readFileBytes(path);
    if (bytes.size() < 64 || bytes.compare(0, 2, "PK") != 0)
        throw Error("corrupt model bundle, or not a model bundle: a bundle is a LibTorch archive (zip), this file does "
                    "not start like one",
                    path);
    const SealCheck seal = checkZipSeal(bytes);
    if (seal.state == SealState::Broken)
        throw Error("corrupt model bundle: " + seal.detail, path);
    // Without a side-car JSON the file must be a bundle (a TorchScript model,
    // a program of its own, comes with one): its code/ may only declare modules.
    // Either way the sizes and lengths LibTorch would take as given are checked
    // first, also in a sealed file (a seal shows damage, not who wrote it).
    bool sideCarExists = false;
    const std::string sideCar = sideCarPath(path, &sideCarExists);
    checkArchive(bytes, path, sideCarExists ? ArchiveKind::TorchScript : ArchiveKind::Bundle);
    // Past the seal check a sealed bundle is byte for byte what Sinar wrote; an
    // unsealed one (written before bundles were sealed, or a TorchScript export)
    // can still be damaged, and whatever LibTorch says about it means the same.
    try {
        torch::serialize::InputArchive archive;
        try {
            std::istringstream in(bytes);
            archive.load_from(in);
        } catch (const c10::Error& e) {
            throw Error("corrupt model bundle: the archive cannot be read (" + firstLine(e.what_without_backtrace()) + ")",
                        path);
        }
        checkArchiveTensors(archive, "corrupt model bundle: ", path);
        c10::IValue metaValue;
        bool hasMeta = false;
        try {
            hasMeta = archive.try_read(kMetadataKey, metaValue) && metaValue.isString();
        } catch (const c10::Error&) {
            hasMeta = false;
        }
        if (!hasMeta) {
            auto impl = loadTorchScript(path, bytes, sideCar, sideCarExists);
            impl->sealed = seal.state == SealState::Valid;
            return Model(impl);
        }
        QJsonParseError err{};
        const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(metaValue.toStringRef()), &err);
        if (err.error != QJsonParseError::NoError || !doc.isObject())
            throw Error("corrupt model bundle: its metadata is not valid JSON", path);
        auto impl = std::make_shared<Impl>();
        impl->sealed = seal.state == SealState::Valid;
        try {
            impl->info = BundleInfo::fromJson(doc.object(), path);
            {
                GeneratorScope scope(GeneratorScope::Mode::Restore); // the initial weights are overwritten at once
                impl->net = createNetwork(impl->info);
            }
            impl->net->load(archive, path);
        } catch (const Error& e) {
            // A sealed bundle is authentic: what it says (a newer format, an unknown
            // architecture) is no damage.
            if (impl->sealed || e.message().rfind("corrupt model bundle", 0) == 0)
                throw;
            throw Error("corrupt model bundle: " + e.message(), path);
        }
        impl->net->setTraining(false);
        return Model(impl);
    } catch (const c10::Error& e) {
        throw Error("corrupt model bundle: " + firstLine(e.what_without_backtrace()), path);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        // LibTorch's unpickler lets standard exceptions escape on some damaged
        // archives (found by fuzz_bundle on an unsealed bundle).
        throw Error("corrupt model bundle: " + firstLine(e.what()), path);
    }
}

Model Model::fromTorchScript(const std::string& path, BundleInfo info)
{
    info.architecture = "torchscript";
    info.validate(path);
    const std::string bytes = readFileBytes(path);
    checkArchive(bytes, path, ArchiveKind::TorchScript);
    torch::jit::script::Module module = loadScriptModule(bytes, path);
    auto impl = std::make_shared<Impl>();
    impl->info = info;
    impl->net = std::make_shared<ScriptNetwork>(std::move(module), info, path);
    return Model(impl);
}

void Model::save(const std::string& path) const
{
    if (impl_->info.createdAt.empty())
        impl_->info.createdAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    if (isTorchScript()) {
        auto* script = dynamic_cast<ScriptNetwork*>(impl_->net.get());
        if (!script)
            throw Error("internal: a TorchScript model without its module", path);
        writeFileAtomically(path, sealZip(script->scriptBytes()));
        writeJsonFile(path + ".json", impl_->info.toJson()); // the side-car Model::load reads
        return;
    }
    writeFileAtomically(path, serialiseBundle(impl_->info, *impl_->net));
}

std::vector<std::vector<float>> Model::predict(const float* inputs, int n) const
{
    return predict(inputs, n, nullptr);
}

std::vector<std::vector<float>> Model::predict(const float* inputs, int n, std::vector<std::vector<float>>* embeddings) const
{
    std::vector<std::vector<float>> out;
    if (embeddings)
        embeddings->clear();
    if (n <= 0)
        return out;
    torch::NoGradGuard noGrad;
    Network& net = *impl_->net;
    net.setTraining(false);
    const torch::Tensor x = toTensor(inputs, n, impl_->info.recipe);
    torch::Tensor logits;
    if (embeddings && net.hasEmbedding()) {
        torch::Tensor e;
        logits = net.forwardWithEmbedding(x, e);
        e = e.contiguous();
        const int d = static_cast<int>(e.size(1));
        const float* pe = e.data_ptr<float>();
        for (int i = 0; i < n; ++i)
            embeddings->emplace_back(pe + i * d, pe + (i + 1) * d);
    } else {
        logits = net.forward(x);
    }
    const double temperature = impl_->info.temperature();
    if (temperature != 1.0)
        logits = logits / temperature;
    const torch::Tensor probs = torch::softmax(logits, 1).contiguous();
    const int k = static_cast<int>(probs.size(1));
    const float* p = probs.data_ptr<float>();
    for (int i = 0; i < n; ++i)
        out.emplace_back(p + i * k, p + (i + 1) * k);
    return out;
}

Model Model::uncalibrated() const
{
    auto impl = std::make_shared<Impl>(*impl_); // the module handles share the weights
    impl->info.calibration = QJsonObject();
    return Model(impl);
}

std::vector<float> Model::predict(const imaging::Image& image) const
{
    return predict(image, nullptr);
}

std::vector<float> Model::predict(const imaging::Image& image, std::vector<float>* embedding) const
{
    const imaging::Preprocessor pre(impl_->info.recipe);
    const std::vector<float> x = pre(image);
    std::vector<std::vector<float>> e;
    std::vector<float> p = predict(x.data(), 1, embedding ? &e : nullptr).front();
    if (embedding)
        *embedding = e.empty() ? std::vector<float>() : std::move(e.front());
    return p;
}

} // namespace sinar::nn
