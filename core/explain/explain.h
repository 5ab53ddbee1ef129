#pragma once
// Saliency maps: where in the image the CNN found the evidence for a class.
//  - Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et al.
//    2018): gradient-weighted feature maps of a convolution layer.
//  - Score-CAM (Wang et al. 2020): gradient-free; each feature map masks the
//    input and is weighted by the class score the masked image gets.
//  - Occlusion (Zeiler & Fergus 2014): gradient-free, model-agnostic; the drop
//    in the class probability when a patch is blacked out.
// Built-in models: any convolution block ("blocks.0" ... "blocks.N-1"; the last
// by default). TorchScript models: see README "Explaining TorchScript models"
// (methods features()/head(), or forward() returning (features, logits));
// occlusion works on every model.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "imaging/image.h"
#include "imaging/preprocessor.h"
#include "nn/model.h"

namespace sinar::explain {

enum class Method { GradCam, GradCamPlusPlus, ScoreCam, Occlusion };

// "gradcam", "gradcampp", "scorecam", "occlusion"; throws sinar::Error.
Method methodFromString(const std::string& name);
std::string toString(Method m);
std::string displayName(Method m); // "Grad-CAM", "Grad-CAM++", "Score-CAM", "Occlusion"
std::vector<Method> allMethods();

struct ExplainOptions {
    Method method = Method::GradCam;
    int classIndex = -1;                 // < 0: the predicted class
    std::string layer;                   // empty: the default layer (see explainableLayers)
    const CancelToken* cancel = nullptr; // checked between forward batches
    int scoreCamChannels = 256;          // Score-CAM: at most this many channels, those of highest mean activation
};

struct Explanation {
    cv::Mat map;      // CV_32F in [0, 1], the original image's size (resize and padding undone)
    cv::Mat inputMap; // CV_32F in [0, 1], the network input's size
    int classIndex = 0;
    std::vector<float> probabilities; // of the unmodified image
    Method method = Method::GradCam;
    std::string layer;                // the layer explained ("" for occlusion)
    imaging::InputGeometry geometry;  // where the image sits in the network input
    double milliseconds = 0;          // preprocessing + computation
};

// Layers a CAM method can use, the default first. Built-in: "blocks.N-1",
// ..., "blocks.0". TorchScript: {"features"} when the model follows the
// convention, else empty (only occlusion is possible).
std::vector<std::string> explainableLayers(const nn::Model& model);
// Whether `method` can explain `model` (CAM methods need a layer).
bool supports(const nn::Model& model, Method method);

// Index of the class called `name`; throws sinar::Error listing the classes.
int classIndexFromName(const nn::Model& model, const std::string& name);

// Throws sinar::Error for an unknown class or layer, or a model that offers no
// feature maps; sinar::Cancelled when `cancel` fires.
Explanation explainImage(const nn::Model& model, const imaging::Image& image, const ExplainOptions& options = {});

// Maps a CV_32F map of the network input's size back onto the original
// image's pixels (undoes the recipe's letterbox and resize).
cv::Mat toImageGeometry(const cv::Mat& inputMap, const imaging::InputGeometry& geometry, cv::Size imageSize);

// The image as the model's recipe windows it, at full resolution (no resize,
// CLAHE or denoising): CV_8UC1 or CV_8UC3 RGB. What overlays are drawn on.
cv::Mat windowedImage(const nn::Model& model, const imaging::Image& image);

} // namespace sinar::explain
