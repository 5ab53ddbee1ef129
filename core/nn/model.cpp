#include "nn/model.h"

#include <QDateTime>
#include <sstream>

#include "common/error.h"
#include "common/json_io.h"
#include "imaging/preprocessor.h"
#include "nn/model_impl.h"

namespace sinar::nn {

namespace {

const char* kMetadataKey = "sinar_metadata";

std::string firstLine(const std::string& s)
{
    const size_t nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
}

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
    torch::manual_seed(seed);
    auto impl = std::make_shared<Impl>();
    impl->info = info;
    impl->net = StandardCnn(info.cnn);
    impl->net->eval();
    return Model(impl);
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
    size_t n = 0;
    for (const auto& p : impl_->net->parameters())
        n += static_cast<size_t>(p.numel());
    return n;
}

std::string serialiseBundle(const BundleInfo& info, StandardCnn& net)
{
    torch::serialize::OutputArchive archive;
    net->save(archive);
    const QJsonObject meta = info.toJson();
    archive.write(kMetadataKey, c10::IValue(QJsonDocument(meta).toJson(QJsonDocument::Compact).toStdString()));
    std::ostringstream out;
    archive.save_to(out);
    return out.str();
}

void loadWeights(torch::serialize::InputArchive& archive, StandardCnn& net, const std::string& context)
{
    // Module::load replaces tensors whatever their shape: check shapes first.
    std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
    for (const auto& item : net->named_parameters())
        expected.emplace_back(item.key(), item.value().sizes().vec());
    for (const auto& item : net->named_buffers())
        expected.emplace_back(item.key(), item.value().sizes().vec());
    try {
        net->load(archive);
    } catch (const c10::Error& e) {
        throw Error("the weights do not match the architecture in the metadata: " + firstLine(e.what_without_backtrace()), context);
    }
    std::map<std::string, torch::Tensor> loaded;
    for (const auto& item : net->named_parameters())
        loaded[item.key()] = item.value();
    for (const auto& item : net->named_buffers())
        loaded[item.key()] = item.value();
    for (const auto& [name, shape] : expected) {
        if (loaded[name].sizes().vec() != shape)
            throw Error("tensor '" + name + "' has the wrong shape for the architecture in the metadata", context);
        if (loaded[name].is_floating_point() && !torch::isfinite(loaded[name]).all().item<bool>())
            throw Error("tensor '" + name + "' holds NaN or infinite values", context);
    }
}

Model Model::load(const std::string& path)
{
    const std::string bytes = readFileBytes(path);
    if (bytes.size() < 64 || bytes.compare(0, 2, "PK") != 0)
        throw Error("not a Sinar model bundle (expected a LibTorch archive)", path);
    torch::serialize::InputArchive archive;
    try {
        std::istringstream in(bytes);
        archive.load_from(in);
    } catch (const c10::Error& e) {
        throw Error("the model bundle is truncated or corrupt (" + firstLine(e.what_without_backtrace()) + ")", path);
    }
    c10::IValue metaValue;
    bool hasMeta = false;
    try {
        hasMeta = archive.try_read(kMetadataKey, metaValue) && metaValue.isString();
    } catch (const c10::Error&) {
        hasMeta = false;
    }
    if (!hasMeta)
        throw Error("the file is a LibTorch archive but has no Sinar metadata (a TorchScript model needs a side-car JSON)", path);
    QJsonParseError err{};
    const QJsonDocument doc = QJsonDocument::fromJson(QByteArray::fromStdString(metaValue.toStringRef()), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        throw Error("the bundle's metadata is not valid JSON", path);
    BundleInfo info = BundleInfo::fromJson(doc.object(), path);

    auto impl = std::make_shared<Impl>();
    impl->info = info;
    impl->net = StandardCnn(info.cnn);
    loadWeights(archive, impl->net, path);
    impl->net->eval();
    return Model(impl);
}

void Model::save(const std::string& path) const
{
    if (impl_->info.createdAt.empty())
        impl_->info.createdAt = QDateTime::currentDateTimeUtc().toString(Qt::ISODate).toStdString();
    writeFileAtomically(path, serialiseBundle(impl_->info, impl_->net));
}

std::vector<std::vector<float>> Model::predict(const float* inputs, int n) const
{
    std::vector<std::vector<float>> out;
    if (n <= 0)
        return out;
    torch::NoGradGuard noGrad;
    impl_->net->eval();
    const torch::Tensor probs = torch::softmax(impl_->net->forward(toTensor(inputs, n, impl_->info.recipe)), 1).contiguous();
    const int k = static_cast<int>(probs.size(1));
    const float* p = probs.data_ptr<float>();
    for (int i = 0; i < n; ++i)
        out.emplace_back(p + i * k, p + (i + 1) * k);
    return out;
}

std::vector<float> Model::predict(const imaging::Image& image) const
{
    const imaging::Preprocessor pre(impl_->info.recipe);
    const std::vector<float> x = pre(image);
    return predict(x.data(), 1).front();
}

} // namespace sinar::nn
