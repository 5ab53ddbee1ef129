#pragma once
// Class activation maps: where in the image the CNN found the evidence for a
// class. Grad-CAM (Selvaraju et al. 2017) and Grad-CAM++ (Chattopadhyay et
// al. 2018) on the last convolution block of the built-in CNN.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "imaging/image.h"
#include "nn/model.h"

namespace sinar::explain {

enum class Method { GradCam, GradCamPlusPlus };

Method methodFromString(const std::string& name); // "gradcam", "gradcampp"; throws sinar::Error
std::string toString(Method m);

struct Explanation {
    cv::Mat map;      // CV_32F in [0, 1], the original image's size (resize and padding undone)
    cv::Mat inputMap; // CV_32F in [0, 1], the network input's size
    int classIndex = 0;
    std::vector<float> probabilities;
};

// classIndex < 0: the predicted class. Throws sinar::Error for a class out of
// range or a model without a convolution block Sinar can reach.
Explanation explainImage(const nn::Model& model, const imaging::Image& image, int classIndex = -1,
                         Method method = Method::GradCam);

// Colour-maps `map` (jet) and alpha-blends it over `base` (CV_8UC1 or CV_8UC3
// RGB, same size). Returns CV_8UC3 RGB.
cv::Mat overlayMap(const cv::Mat& base, const cv::Mat& map, double alpha = 0.45);

} // namespace sinar::explain
