// The network interface (nn/network.h): a network added by one registration is
// created, trained, saved, loaded, explained and given out-of-distribution
// features by the same code as the shipped standard CNN, which knows nothing of it.
// LibTorch first: its c10::IValue::slots() must be parsed before Qt defines `slots`.
#include "nn/network.h"

#include <QTemporaryDir>
#include <QtTest>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "explain/explain.h"
#include "imaging/augmenter.h"
#include "imaging/image.h"
#include "imaging/preprocessor.h"
#include "nn/architectures.h"
#include "nn/model.h"
#include "nn/pretrained.h"
#include "test_support.h"
#include "train/trainer.h"

using namespace sinar;

namespace {

// A deliberately different network: two convolutions, then global max pooling
// and a linear layer. Layers "conv2" (default) and "conv1".
class TinyNetImpl : public torch::nn::Module {
public:
    TinyNetImpl(int channels, int classes)
    {
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 6, 3).padding(1)));
        conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(6, 8, 3).padding(1).stride(2)));
        fc = register_module("fc", torch::nn::Linear(8, classes));
    }
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
    torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(TinyNet);

class TinyNetwork : public nn::ModuleNetwork {
public:
    TinyNetwork(int channels, int classes) : ModuleNetwork(nullptr), net_(channels, classes)
    {
        module_ = std::static_pointer_cast<torch::nn::Module>(net_.ptr());
    }
    torch::Tensor forward(const torch::Tensor& x) override { return forwardFrom(featuresAt(x, "conv2"), "conv2"); }
    std::vector<std::string> layers() const override { return {"conv2", "conv1"}; }
    torch::Tensor featuresAt(const torch::Tensor& x, const std::string& layer) override
    {
        torch::Tensor h = torch::relu(net_->conv1(x));
        return layerName(layer) == "conv1" ? h : torch::relu(net_->conv2(h));
    }
    torch::Tensor forwardFrom(const torch::Tensor& f, const std::string& layer) override
    {
        torch::Tensor h = layerName(layer) == "conv1" ? torch::relu(net_->conv2(f)) : f;
        return net_->fc(std::get<0>(h.flatten(2).max(2)));
    }
    bool hasEmbedding() const override { return true; }
    torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding) override
    {
        embedding = std::get<0>(featuresAt(x, "conv2").flatten(2).max(2));
        return net_->fc(embedding);
    }
    std::vector<nn::ParameterGroup> parameterGroups() override
    {
        return {{"backbone", {net_->conv1->weight, net_->conv1->bias, net_->conv2->weight, net_->conv2->bias}},
                {"head", {net_->fc->weight, net_->fc->bias}}};
    }

private:
    TinyNet net_;
};

// Bright left half vs bright right half, with noise.
cv::Mat halfImage(bool left)
{
    cv::Mat m(32, 32, CV_8UC1, cv::Scalar(40));
    m(cv::Rect(left ? 0 : 16, 0, 16, 32)).setTo(200);
    cv::Mat noise(32, 32, CV_8UC1);
    cv::randu(noise, 0, 30);
    return m + noise;
}

// `n` such images, left and right in turn: the first `trainCount` for
// training, the rest for validation.
struct HalfSet {
    std::vector<cv::Mat> images;
    std::vector<int> labels;
    train::TrainingData data;

    HalfSet(int n, int trainCount)
    {
        for (int i = 0; i < n; ++i) {
            images.push_back(halfImage(i % 2 == 0));
            labels.push_back(i % 2);
            (i < trainCount ? data.train : data.val).push_back(static_cast<size_t>(i));
        }
        data.images = &images;
        data.labels = &labels;
    }
    HalfSet(const HalfSet&) = delete; // `data` points into this object
};

nn::BundleInfo tinyInfo()
{
    nn::BundleInfo info;
    info.architecture = "tiny-test-net";
    info.classNames = {"left", "right"};
    info.cnn.inChannels = 1;
    info.cnn.numClasses = 2;
    info.recipe.width = info.recipe.height = 32;
    return info;
}

} // namespace

class TestNetwork : public QObject {
    Q_OBJECT
private:
    QTemporaryDir tmp_;

private Q_SLOTS:
    void initTestCase()
    {
        nn::setThreadCount(2);
        nn::registerNetwork({"tiny-test-net", "a test network", {}, [](const nn::BundleInfo& info) {
                                 return std::make_shared<TinyNetwork>(info.recipe.channels,
                                                                      static_cast<int>(info.classNames.size()));
                             }});
    }

    void registryKnowsTheNetworks()
    {
        const auto names = nn::registeredArchitectures();
        QVERIFY(std::find(names.begin(), names.end(), "standard-cnn") != names.end());
        QVERIFY(nn::isRegisteredArchitecture("tiny-test-net"));
        nn::BundleInfo info = tinyInfo();
        info.architecture = "no-such-net";
        try {
            nn::validateArchitecture(info, "test");
            QFAIL("an unknown architecture was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("standard-cnn, resnet18, resnet34, mobilenet_v2, densenet121, svm-linear, svm-rbf, knn, tiny-test-net, torchscript"), e.what());
        }
        // The standard CNN's own checks travel with its registration.
        nn::BundleInfo bad;
        bad.classNames = {"a", "b", "c"};
        bad.cnn.numClasses = 2;
        QVERIFY_THROWS_EXCEPTION(Error, bad.validate("test"));
    }

    void registeredNetworkTrainsSavesLoadsAndExplains()
    {
        nn::Model model = nn::Model::create(tinyInfo(), 1);
        QVERIFY(model.hasEmbeddings());
        QCOMPARE(model.parameterCount(), size_t(6 * 9 + 6 + 8 * 6 * 9 + 8 + 8 * 2 + 2));

        const HalfSet set(80, 64);
        train::TrainConfig cfg;
        cfg.epochs = 8;
        cfg.batchSize = 16;
        cfg.learningRate = 0.05;
        cfg.preciseBnImages = 0;
        const imaging::Preprocessor pre(model.info().recipe);
        const train::TrainingHistory h = train::Trainer(model, cfg).fit(
            set.data, pre, imaging::Augmenter(imaging::AugmentConfig::none()), nullptr, nullptr, tmp_.filePath("ckpt.pt").toStdString());
        QVERIFY2(h.epochs.back().valAccuracy >= 0.9, qPrintable(QString::number(h.epochs.back().valAccuracy)));

        const QString path = tmp_.filePath("tiny.sinar");
        model.save(path.toStdString());
        const nn::Model loaded = nn::Model::load(path.toStdString());
        QCOMPARE(QString::fromStdString(loaded.info().architecture), QStringLiteral("tiny-test-net"));
        imaging::Image image;
        image.pixels = halfImage(true);
        image.source = "left.png";
        const auto a = model.predict(image), b = loaded.predict(image);
        QCOMPARE(a, b);
        QVERIFY(a[0] > a[1]);
        std::vector<float> embedding;
        loaded.predict(image, &embedding);
        QCOMPARE(embedding.size(), size_t(8));

        // Grad-CAM on the default layer and on the other: the evidence is the bright half.
        QCOMPARE(explain::explainableLayers(loaded), (std::vector<std::string>{"conv2", "conv1"}));
        for (const std::string layer : {"", "conv1"}) {
            explain::ExplainOptions o;
            o.layer = layer;
            const explain::Explanation e = explain::explainImage(loaded, image, o);
            QCOMPARE(e.layer, layer.empty() ? std::string("conv2") : layer);
            QCOMPARE(e.map.cols, 32);
            QVERIFY(e.classIndex == 0);
        }
        explain::ExplainOptions wrong;
        wrong.layer = "blocks.0";
        try {
            explain::explainImage(loaded, image, wrong);
            QFAIL("an unknown layer was accepted");
        } catch (const Error& e) {
            QVERIFY2(QString::fromStdString(e.what()).contains("layers: conv2, conv1"), e.what());
        }
    }

    // Parameter groups drive the optimiser: a frozen backbone keeps its weights
    // while the head trains; unfrozen after an epoch, it trains too.
    void backboneCanBeFrozen()
    {
        const HalfSet set(32, 32);
        QCOMPARE(QString::fromStdString(nn::createNetwork(tinyInfo())->parameterGroups().front().name),
                 QStringLiteral("backbone"));
        auto changed = [&](int epochs, double factor, int frozenEpochs) -> bool {
            nn::Model model = nn::Model::create(tinyInfo(), 1);
            imaging::Image probe;
            probe.pixels = set.images[0];
            probe.source = "probe.png";
            std::vector<float> e0;
            model.predict(probe, &e0); // embedding: backbone only
            train::TrainConfig cfg;
            cfg.epochs = epochs;
            cfg.batchSize = 8;
            cfg.learningRate = 0.05;
            cfg.preciseBnImages = 0;
            cfg.patience = 0;
            cfg.backboneLrFactor = factor;
            cfg.freezeBackboneEpochs = frozenEpochs;
            const imaging::Preprocessor pre(model.info().recipe);
            train::Trainer(model, cfg).fit(set.data, pre, imaging::Augmenter(imaging::AugmentConfig::none()), nullptr, nullptr);
            std::vector<float> e1;
            model.predict(probe, &e1);
            return e0 != e1;
        };
        QVERIFY(!changed(2, 0.0, 0)); // factor 0: the backbone never moves
        QVERIFY(!changed(2, 1.0, 2)); // frozen for both epochs
        QVERIFY(changed(2, 1.0, 1));  // unfrozen for the second
        QVERIFY(changed(1, 1.0, 0));
    }

    // ResNet-18 with torchvision's names and parameter count; grey input; Grad-CAM on layer4.
    void resnetFollowsTorchvision()
    {
        nn::BundleInfo info;
        info.architecture = "resnet18";
        info.recipe.channels = 3;
        info.recipe.width = info.recipe.height = 64;
        info.cnn.inChannels = 3;
        for (int i = 0; i < 1000; ++i)
            info.classNames.push_back("c" + std::to_string(i));
        info.cnn.numClasses = 1000;
        QCOMPARE(nn::Model::create(info, 0).parameterCount(), size_t(11689512)); // torchvision.models.resnet18()
        info.architecture = "resnet34";
        QCOMPARE(nn::Model::create(info, 0).parameterCount(), size_t(21797672)); // torchvision.models.resnet34()
        info.architecture = "densenet121";
        {
            nn::Model dense = nn::Model::create(info, 0);
            QCOMPARE(dense.parameterCount(), size_t(7978856)); // torchvision.models.densenet121()
            std::vector<std::string> names;
            for (const auto& item : nn::createNetwork(info)->module()->named_parameters())
                names.push_back(item.key());
            for (const char* expected : {"features.conv0.weight", "features.norm0.weight",
                                         "features.denseblock1.denselayer1.norm1.weight",
                                         "features.denseblock4.denselayer16.conv2.weight", "features.transition3.conv.weight",
                                         "features.norm5.bias", "classifier.weight"})
                QVERIFY2(std::find(names.begin(), names.end(), expected) != names.end(), expected);
            // Grad-CAM layers and one forward pass at a small size.
            QCOMPARE(explain::explainableLayers(dense).front(), std::string("features"));
            std::vector<float> x(static_cast<size_t>(3 * 64 * 64), 0.5f);
            QCOMPARE(dense.predict(x.data(), 1).front().size(), size_t(1000));
        }

        info.architecture = "resnet18";
        info.recipe.channels = info.cnn.inChannels = 1;
        info.classNames = {"a", "b", "c"};
        info.cnn.numClasses = 3;
        nn::Model model = nn::Model::create(info, 0);
        const auto net = nn::createNetwork(info);
        std::vector<std::string> names;
        for (const auto& item : net->module()->named_parameters())
            names.push_back(item.key());
        for (const char* expected : {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight",
                                     "layer2.0.downsample.1.bias", "layer4.1.bn2.weight", "fc.weight", "fc.bias"})
            QVERIFY2(std::find(names.begin(), names.end(), expected) != names.end(), expected);
        QCOMPARE(net->parameterGroups().back().parameters.size(), size_t(2)); // the head: fc

        const QString path = tmp_.filePath("resnet.sinar");
        model.save(path.toStdString());
        const nn::Model loaded = nn::Model::load(path.toStdString());
        imaging::Image image;
        image.pixels = cv::Mat(80, 64, CV_8UC1, cv::Scalar(20));
        cv::circle(image.pixels, {40, 30}, 10, cv::Scalar(230), cv::FILLED);
        image.source = "disc.png";
        QCOMPARE(model.predict(image), loaded.predict(image));
        QCOMPARE(explain::explainableLayers(loaded).front(), std::string("layer4"));
        const explain::Explanation e = explain::explainImage(loaded, image, {});
        QCOMPARE(e.layer, std::string("layer4"));
        QCOMPARE(e.map.cols, 64);
        QCOMPARE(e.map.rows, 80);
        std::vector<float> embedding;
        loaded.predict(image, &embedding);
        QCOMPARE(embedding.size(), size_t(512));
        info.recipe.width = 16;
        QVERIFY_THROWS_EXCEPTION(Error, info.validate("test"));
    }

    // MobileNetV2 with torchvision's layout: the ImageNet weights of the shared
    // TorchScript file load by name and find the cat in check_cat.bmp, which
    // only happens when every layer matches; a grey network adapts conv 0.
    void mobileNetV2TakesImageNetWeights()
    {
        SINAR_DATA_OR_SKIP(weights, "pretrained/mobilenet_v2_imagenet.torchscript.pt");
        const QString dir = QFileInfo(weights).absolutePath();
        QFile labels(dir + "/imagenet_labels.txt");
        QVERIFY(labels.open(QIODevice::ReadOnly | QIODevice::Text));
        QStringList names = QString::fromUtf8(labels.readAll()).split('\n', Qt::SkipEmptyParts);
        names.removeFirst(); // "background" is not an output
        nn::BundleInfo info;
        info.architecture = "mobilenet_v2";
        for (const QString& n : names)
            info.classNames.push_back(n.trimmed().toStdString());
        info.cnn.numClasses = static_cast<int>(info.classNames.size());
        info.recipe.channels = info.cnn.inChannels = 3;
        info.recipe.width = info.recipe.height = 224;
        info.recipe.normalisation = imaging::Normalisation::MinusOneOne;
        nn::Model model = nn::Model::create(info, 0);
        QCOMPARE(model.parameterCount(), size_t(3504872)); // torchvision.models.mobilenet_v2()
        const nn::TransferReport r =
            nn::loadPretrainedWeights(model, (dir + "/mobilenet_v2_imagenet.torchscript.pt").toStdString());
        QVERIFY2(r.mismatched.empty() && r.missing.empty() && r.unused == 0, r.describe().c_str());
        const imaging::Image cat = imaging::readImageFile((dir + "/check_cat.bmp").toStdString());
        const auto p = model.predict(cat);
        const size_t best = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
        QCOMPARE(QString::fromStdString(info.classNames[best]), QStringLiteral("Egyptian cat"));
        QCOMPARE(explain::explainableLayers(model).front(), std::string("features.18"));

        // Grey input, two classes: conv 0 adapted, the classifier kept as initialised.
        info.recipe.channels = info.cnn.inChannels = 1;
        info.classNames = {"a", "b"};
        info.cnn.numClasses = 2;
        nn::Model grey = nn::Model::create(info, 0);
        const nn::TransferReport g =
            nn::loadPretrainedWeights(grey, (dir + "/mobilenet_v2_imagenet.torchscript.pt").toStdString());
        QCOMPARE(g.adapted, (std::vector<std::string>{"features.0.0.weight"}));
        QCOMPARE(g.mismatched, (std::vector<std::string>{"classifier.1.weight", "classifier.1.bias"}));
        QVERIFY(QString::fromStdString(g.describe()).contains("adapted features.0.0.weight"));
        // A file of another architecture fits nothing.
        info.architecture = "resnet18";
        nn::Model resnet = nn::Model::create(info, 0);
        QVERIFY_THROWS_EXCEPTION(Error, nn::loadPretrainedWeights(resnet, (dir + "/mobilenet_v2_imagenet.torchscript.pt").toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestNetwork)
#include "test_network.moc"
