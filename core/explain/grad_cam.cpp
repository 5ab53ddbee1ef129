#include "explain/grad_cam.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "imaging/preprocessor.h"
#include "nn/model_impl.h"

namespace sinar::explain {

Method methodFromString(const std::string& name)
{
    if (name == "gradcam")
        return Method::GradCam;
    if (name == "gradcampp")
        return Method::GradCamPlusPlus;
    throw Error("unknown explanation method '" + name + "' (gradcam or gradcampp)");
}

std::string toString(Method m)
{
    return m == Method::GradCam ? "gradcam" : "gradcampp";
}

Explanation explainImage(const nn::Model& model, const imaging::Image& image, int classIndex, Method method)
{
    if (model.isTorchScript())
        throw Error("Grad-CAM on TorchScript models is not supported yet; use a Sinar bundle");
    const imaging::Recipe& r = model.info().recipe;
    const int classes = static_cast<int>(model.info().classNames.size());
    if (classIndex >= classes)
        throw Error("class index " + std::to_string(classIndex) + " is out of range (the model has " +
                    std::to_string(classes) + " classes)");
    const imaging::Preprocessor pre(r);
    imaging::InputGeometry geometry;
    const cv::Mat base = pre.base(image, &geometry);
    std::vector<float> x(static_cast<size_t>(pre.inputSize()));
    pre.normalise(base, x.data());

    nn::StandardCnn& net = model.impl().net;
    net->eval();
    const torch::Tensor input = nn::toTensor(x.data(), 1, r).clone();
    torch::Tensor features;
    {
        torch::NoGradGuard noGrad;
        features = net->features(input);
    }
    // Gradients are needed only from the logits back to the feature maps.
    const torch::Tensor leaf = features.detach().requires_grad_(true);
    const torch::Tensor logits = net->head(leaf);
    const torch::Tensor probs = torch::softmax(logits.detach(), 1).contiguous();

    Explanation out;
    out.probabilities.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + classes);
    out.classIndex = classIndex >= 0 ? classIndex
                                     : static_cast<int>(std::max_element(out.probabilities.begin(), out.probabilities.end()) -
                                                        out.probabilities.begin());
    logits[0][out.classIndex].backward();
    const torch::Tensor grads = leaf.grad().detach();   // [1, C, h, w]
    const torch::Tensor acts = leaf.detach();

    torch::Tensor weights;
    if (method == Method::GradCam) {
        weights = grads.mean({2, 3}, true);
    } else {
        const torch::Tensor g2 = grads.pow(2), g3 = grads.pow(3);
        const torch::Tensor sumA = acts.sum({2, 3}, true);
        const torch::Tensor denom = 2 * g2 + sumA * g3;
        const torch::Tensor alpha = g2 / torch::where(denom != 0, denom, torch::ones_like(denom));
        weights = (alpha * torch::relu(grads)).sum({2, 3}, true);
    }
    torch::Tensor cam = torch::relu((weights * acts).sum(1)).squeeze(0).contiguous(); // [h, w]
    const float peak = cam.max().item<float>();
    if (peak > 0)
        cam = cam / peak;
    const cv::Mat small(static_cast<int>(cam.size(0)), static_cast<int>(cam.size(1)), CV_32F, cam.data_ptr<float>());
    cv::resize(small, out.inputMap, cv::Size(r.width, r.height), 0, 0, cv::INTER_LINEAR);

    // Undo the recipe's letterbox and resize: back to the original pixels.
    const int w = std::max(1, static_cast<int>(std::lround(image.width() * geometry.scaleX)));
    const int h = std::max(1, static_cast<int>(std::lround(image.height() * geometry.scaleY)));
    cv::Rect content(geometry.offsetX, geometry.offsetY, std::min(w, r.width - geometry.offsetX),
                     std::min(h, r.height - geometry.offsetY));
    cv::resize(out.inputMap(content), out.map, image.pixels.size(), 0, 0, cv::INTER_LINEAR);
    cv::min(cv::max(out.map, 0.0), 1.0, out.map);
    return out;
}

cv::Mat overlayMap(const cv::Mat& base, const cv::Mat& map, double alpha)
{
    cv::Mat rgb;
    if (base.channels() == 1)
        cv::cvtColor(base, rgb, cv::COLOR_GRAY2RGB);
    else
        rgb = base.clone();
    cv::Mat m8, colour;
    map.convertTo(m8, CV_8U, 255.0);
    cv::applyColorMap(m8, colour, cv::COLORMAP_JET); // BGR
    cv::cvtColor(colour, colour, cv::COLOR_BGR2RGB);
    if (colour.size() != rgb.size())
        cv::resize(colour, colour, rgb.size());
    cv::Mat out;
    cv::addWeighted(rgb, 1.0 - alpha, colour, alpha, 0.0, out);
    return out;
}

} // namespace sinar::explain
