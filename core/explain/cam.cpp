#include <QElapsedTimer>
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "explain/explain.h"
#include "nn/model_impl.h"

namespace sinar::explain {

namespace {

constexpr int kBatch = 32; // perturbed inputs per forward pass (Score-CAM, occlusion)

// The preprocessed image: the base image at the input size (8 bit) and where
// the original sits inside it.
struct Prepared {
    cv::Mat base;
    imaging::InputGeometry geometry;
    std::vector<float> input;
};

Prepared prepare(const nn::Model& model, const imaging::Image& image)
{
    const imaging::Preprocessor pre(model.info().recipe);
    Prepared p;
    p.base = pre.base(image, &p.geometry);
    p.input.resize(static_cast<size_t>(pre.inputSize()));
    pre.normalise(p.base, p.input.data());
    return p;
}

// Probabilities of `classIndex` for perturbed copies of the base image:
// make(i, out) fills copy i (CV_32F, 0..255, base's size and channels).
template <class Make>
std::vector<float> scorePerturbed(const nn::Model& model, int count, int classIndex, const CancelToken* cancel, Make make)
{
    const imaging::Preprocessor pre(model.info().recipe);
    const size_t one = static_cast<size_t>(pre.inputSize());
    std::vector<float> scores;
    scores.reserve(static_cast<size_t>(count));
    std::vector<float> batch;
    cv::Mat copy;
    for (int start = 0; start < count; start += kBatch) {
        if (cancel)
            cancel->throwIfCancelled();
        const int n = std::min(kBatch, count - start);
        batch.resize(one * static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) {
            make(start + i, copy);
            pre.normalise(copy, batch.data() + one * static_cast<size_t>(i));
        }
        for (const auto& p : model.predict(batch.data(), n))
            scores.push_back(p[static_cast<size_t>(classIndex)]);
    }
    return scores;
}

// A layer of the model's network, by its canonical name.
struct LayerAccess {
    std::shared_ptr<nn::Network> net;
    std::string name;
};

LayerAccess layerAccess(const nn::Model& model, const std::string& layer)
{
    LayerAccess a;
    a.net = model.impl().net;
    a.name = a.net->layerName(layer);
    a.net->setTraining(false);
    return a;
}

// Activations [1, C, h, w], logits [1, K] and, with `withGrad`, the gradient
// of logit `classIndex` (-1: the predicted one, resolved in place) with
// respect to the activations.
struct Pass {
    torch::Tensor acts, logits, grads;
};

Pass forwardLayer(const LayerAccess& layer, const torch::Tensor& input, int& classIndex, bool withGrad)
{
    nn::Network& net = *layer.net;
    Pass p;
    torch::Tensor outputFeatures;
    if (!net.separable()) { // one pass gives both: differentiate the whole network
        torch::Tensor x = input.clone();
        if (withGrad)
            x.requires_grad_(true);
        torch::AutoGradMode grad(withGrad);
        std::tie(outputFeatures, p.logits) = net.forwardWithFeatures(x, layer.name);
    } else { // only the part after the layer is differentiated
        {
            torch::NoGradGuard noGrad;
            outputFeatures = net.featuresAt(input, layer.name);
        }
        outputFeatures = outputFeatures.detach().requires_grad_(withGrad);
        torch::AutoGradMode grad(withGrad);
        p.logits = net.forwardFrom(outputFeatures, layer.name);
    }
    if (outputFeatures.dim() != 4 || outputFeatures.size(0) != 1)
        throw Error("the layer '" + layer.name + "' does not give feature maps (expected [1, C, H, W], got " +
                    std::to_string(outputFeatures.dim()) + " dimensions)");
    const int classes = static_cast<int>(p.logits.size(1));
    if (classIndex < 0)
        classIndex = static_cast<int>(p.logits.argmax(1).item<int64_t>());
    if (classIndex >= classes)
        throw Error("class index " + std::to_string(classIndex) + " is out of range (the model has " +
                    std::to_string(classes) + " classes)");
    if (withGrad) {
        if (!outputFeatures.requires_grad())
            throw Error("the logits do not depend on the layer '" + layer.name + "' through differentiable operations");
        p.grads = torch::autograd::grad({p.logits[0][classIndex]}, {outputFeatures}, {}, false, false, true)[0];
        if (!p.grads.defined())
            throw Error("the logits do not depend on the layer '" + layer.name + "'");
        p.grads = p.grads.detach();
    }
    p.acts = outputFeatures.detach();
    p.logits = p.logits.detach();
    return p;
}

// [h, w] float tensor -> CV_32F at the input size, scaled to [0, 1].
cv::Mat toInputMap(torch::Tensor cam, const imaging::Recipe& r)
{
    cam = torch::relu(cam).contiguous();
    const float peak = cam.max().item<float>();
    if (peak > 0 && std::isfinite(peak))
        cam = cam / peak;
    else
        cam.zero_();
    const cv::Mat small(static_cast<int>(cam.size(0)), static_cast<int>(cam.size(1)), CV_32F, cam.data_ptr<float>());
    cv::Mat out;
    cv::resize(small, out, cv::Size(r.width, r.height), 0, 0, cv::INTER_LINEAR);
    cv::min(cv::max(out, 0.0), 1.0, out);
    return out;
}

cv::Mat gradientCam(const Pass& p, Method method, const imaging::Recipe& r)
{
    torch::Tensor weights;
    if (method == Method::GradCam) {
        weights = p.grads.mean({2, 3}, true);
    } else {
        const torch::Tensor g2 = p.grads.pow(2), g3 = p.grads.pow(3);
        const torch::Tensor sumA = p.acts.sum({2, 3}, true);
        const torch::Tensor denom = 2 * g2 + sumA * g3;
        const torch::Tensor alpha = g2 / torch::where(denom != 0, denom, torch::ones_like(denom));
        weights = (alpha * torch::relu(p.grads)).sum({2, 3}, true);
    }
    return toInputMap((weights * p.acts).sum(1).squeeze(0), r);
}

cv::Mat scoreCam(const nn::Model& model, const Pass& p, const cv::Mat& base, int classIndex, int maxChannels,
                 const CancelToken* cancel)
{
    const imaging::Recipe& r = model.info().recipe;
    // Flat channels carry no location: skipped. Wide layers (1,280 channels in
    // MobileNetV2) are capped to the most active channels.
    const torch::Tensor acts = p.acts.squeeze(0).contiguous(); // [C, h, w]
    const torch::Tensor flatRange = (acts.amax({1, 2}) - acts.amin({1, 2})).contiguous();
    const torch::Tensor activity = acts.mean({1, 2}).contiguous();
    std::vector<int64_t> channels;
    for (int64_t c = 0; c < flatRange.numel(); ++c) {
        if (flatRange.data_ptr<float>()[c] > 0)
            channels.push_back(c);
    }
    if (maxChannels > 0 && static_cast<int>(channels.size()) > maxChannels) {
        const float* a = activity.data_ptr<float>();
        std::stable_sort(channels.begin(), channels.end(), [a](int64_t x, int64_t y) { return a[x] > a[y]; });
        channels.resize(static_cast<size_t>(maxChannels));
    }
    if (channels.empty()) // every feature map is flat: nothing points anywhere
        return cv::Mat::zeros(r.height, r.width, CV_32F);
    // Each chosen channel, upsampled to the input and scaled to [0, 1], masks the image.
    const torch::Tensor index = torch::tensor(channels, torch::kLong);
    torch::Tensor up =
        torch::upsample_bilinear2d(acts.index_select(0, index).unsqueeze(0), {r.height, r.width}, false).squeeze(0);
    const torch::Tensor lo = up.amin({1, 2}, true), range = up.amax({1, 2}, true) - lo;
    up = ((up - lo) / torch::where(range > 0, range, torch::ones_like(range))).contiguous();
    cv::Mat base32;
    base.convertTo(base32, CV_32F);
    const int plane = r.width * r.height;
    const float* masks = up.data_ptr<float>();
    const std::vector<float> scores =
        scorePerturbed(model, static_cast<int>(channels.size()), classIndex, cancel, [&](int i, cv::Mat& out) {
            const cv::Mat mask(r.height, r.width, CV_32F, const_cast<float*>(masks + static_cast<size_t>(i) * plane));
            if (base32.channels() == 1) {
                cv::multiply(base32, mask, out);
            } else {
                cv::Mat m3;
                cv::merge(std::vector<cv::Mat>(static_cast<size_t>(base32.channels()), mask), m3);
                cv::multiply(base32, m3, out);
            }
        });
    torch::Tensor weights = torch::zeros({acts.size(0)});
    for (size_t i = 0; i < channels.size(); ++i)
        weights[channels[i]] = scores[i];
    return toInputMap((weights.view({-1, 1, 1}) * acts).sum(0), r);
}

cv::Mat occlusion(const nn::Model& model, const cv::Mat& base, int classIndex, float reference, const CancelToken* cancel)
{
    const imaging::Recipe& r = model.info().recipe;
    const int patch = std::max(4, std::min(r.width, r.height) / 8);
    const int stride = std::max(1, patch / 2);
    std::vector<cv::Rect> patches;
    for (int y = 0;; y += stride) {
        const int top = std::min(y, r.height - patch);
        for (int x = 0;; x += stride) {
            patches.emplace_back(std::min(x, r.width - patch), top, patch, patch);
            if (x + patch >= r.width)
                break;
        }
        if (y + patch >= r.height)
            break;
    }
    cv::Mat base32;
    base.convertTo(base32, CV_32F);
    const std::vector<float> scores =
        scorePerturbed(model, static_cast<int>(patches.size()), classIndex, cancel, [&](int i, cv::Mat& out) {
            base32.copyTo(out);
            out(patches[static_cast<size_t>(i)]).setTo(cv::Scalar::all(0));
        });
    cv::Mat drop = cv::Mat::zeros(r.height, r.width, CV_32F), count = cv::Mat::zeros(r.height, r.width, CV_32F);
    for (size_t i = 0; i < patches.size(); ++i) {
        drop(patches[i]) += reference - scores[i];
        count(patches[i]) += 1.0;
    }
    cv::Mat map = drop / count;
    map = cv::max(map, 0.0);
    double peak = 0;
    cv::minMaxLoc(map, nullptr, &peak);
    if (peak > 0)
        map /= peak;
    return map;
}

} // namespace

Method methodFromString(const std::string& name)
{
    for (Method m : allMethods()) {
        if (name == toString(m))
            return m;
    }
    throw Error("unknown explanation method '" + name + "' (gradcam, gradcampp, scorecam or occlusion)");
}

std::string toString(Method m)
{
    switch (m) {
    case Method::GradCam: return "gradcam";
    case Method::GradCamPlusPlus: return "gradcampp";
    case Method::ScoreCam: return "scorecam";
    case Method::Occlusion: return "occlusion";
    }
    return "gradcam";
}

std::string displayName(Method m)
{
    switch (m) {
    case Method::GradCam: return "Grad-CAM";
    case Method::GradCamPlusPlus: return "Grad-CAM++";
    case Method::ScoreCam: return "Score-CAM";
    case Method::Occlusion: return "Occlusion";
    }
    return "Grad-CAM";
}

std::vector<Method> allMethods()
{
    return {Method::GradCam, Method::GradCamPlusPlus, Method::ScoreCam, Method::Occlusion};
}

std::vector<std::string> explainableLayers(const nn::Model& model)
{
    return model.impl().net->layers();
}

bool supports(const nn::Model& model, Method method)
{
    return method == Method::Occlusion || !explainableLayers(model).empty();
}

int classIndexFromName(const nn::Model& model, const std::string& name)
{
    const auto& names = model.info().classNames;
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end())
        throw Error("the model has no class '" + name + "' (classes: " + joinedNames(names) + ")");
    return static_cast<int>(it - names.begin());
}

cv::Mat toImageGeometry(const cv::Mat& inputMap, const imaging::InputGeometry& geometry, cv::Size imageSize)
{
    const int w = std::max(1, static_cast<int>(std::lround(imageSize.width * geometry.scaleX)));
    const int h = std::max(1, static_cast<int>(std::lround(imageSize.height * geometry.scaleY)));
    const cv::Rect content(geometry.offsetX, geometry.offsetY, std::min(w, inputMap.cols - geometry.offsetX),
                           std::min(h, inputMap.rows - geometry.offsetY));
    cv::Mat out;
    cv::resize(inputMap(content), out, imageSize, 0, 0, cv::INTER_LINEAR);
    cv::min(cv::max(out, 0.0), 1.0, out);
    return out;
}

cv::Mat windowedImage(const nn::Model& model, const imaging::Image& image)
{
    // The recipe's windowing and channels at the image's own size; recipes
    // allow 8..4096 pixels a side, so smaller or larger images are windowed at
    // the nearest allowed size and brought back.
    imaging::Recipe view = model.info().recipe;
    view.width = std::clamp(image.width(), 8, 4096);
    view.height = std::clamp(image.height(), 8, 4096);
    view.keepAspect = false;
    view.clahe = false;
    view.denoise = imaging::Denoise::None;
    cv::Mat out = imaging::Preprocessor(view).base(image);
    if (out.cols != image.width() || out.rows != image.height())
        cv::resize(out, out, image.pixels.size(), 0, 0, out.cols > image.width() ? cv::INTER_AREA : cv::INTER_LINEAR);
    return out;
}

Explanation explainImage(const nn::Model& model, const imaging::Image& image, const ExplainOptions& options)
{
    QElapsedTimer timer;
    timer.start();
    const imaging::Recipe& r = model.info().recipe;
    const int classes = static_cast<int>(model.info().classNames.size());
    if (options.classIndex >= classes)
        throw Error("class index " + std::to_string(options.classIndex) + " is out of range (the model has " +
                    std::to_string(classes) + " classes)");
    if (options.method == Method::Occlusion && !options.layer.empty())
        throw Error("occlusion works on the input image and takes no layer (got '" + options.layer + "')");
    const Prepared prep = prepare(model, image);
    const torch::Tensor input = nn::toTensor(prep.input.data(), 1, r);
    // The maps weigh the model's own evidence: its uncalibrated probabilities
    // (a temperature below 1 would saturate them and flatten occlusion and
    // Score-CAM). The probabilities reported are calibrated, as classification's.
    const nn::Model raw = model.uncalibrated();

    Explanation out;
    out.method = options.method;
    out.geometry = prep.geometry;
    out.classIndex = options.classIndex;
    if (options.method == Method::Occlusion) {
        out.probabilities = model.predict(prep.input.data(), 1).front();
        if (out.classIndex < 0)
            out.classIndex = static_cast<int>(std::max_element(out.probabilities.begin(), out.probabilities.end()) -
                                              out.probabilities.begin());
        const float base = raw.predict(prep.input.data(), 1).front()[static_cast<size_t>(out.classIndex)];
        out.inputMap = occlusion(raw, prep.base, out.classIndex, base, options.cancel);
    } else {
        const LayerAccess layer = layerAccess(raw, options.layer);
        out.layer = layer.name;
        const bool gradients = options.method != Method::ScoreCam;
        const Pass pass = forwardLayer(layer, input, out.classIndex, gradients);
        const torch::Tensor probs = torch::softmax(pass.logits / model.info().temperature(), 1).contiguous();
        out.probabilities.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.size(1));
        out.inputMap = gradients ? gradientCam(pass, options.method, r)
                                 : scoreCam(raw, pass, prep.base, out.classIndex, options.scoreCamChannels, options.cancel);
    }
    out.map = toImageGeometry(out.inputMap, prep.geometry, image.pixels.size());
    out.milliseconds = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return out;
}

} // namespace sinar::explain
