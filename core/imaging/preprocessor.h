#pragma once
// Applies a Recipe: Image -> 8-bit base image at the network's size -> float CHW input.
// The split lets training cache the (expensive) base image and augment it per epoch.
#include <opencv2/core.hpp>
#include <vector>

#include "imaging/image.h"
#include "imaging/recipe.h"

namespace sinar::imaging {

// Where the original image sits inside the network input (for mapping maps back).
struct InputGeometry {
    double scaleX = 1, scaleY = 1; // input pixels per original pixel
    int offsetX = 0, offsetY = 0;  // padding on the left/top in input pixels
};

class Preprocessor {
public:
    explicit Preprocessor(Recipe recipe);
    const Recipe& recipe() const { return recipe_; }

    // Windowing to 8 bit, channel conversion, resize (stretch or letterbox),
    // denoising and CLAHE. Returns CV_8UC1 or CV_8UC3 (RGB) of recipe size.
    cv::Mat base(const Image& image, InputGeometry* geometry = nullptr) const;

    // Intensity normalisation of a base (CV_8U) or augmented (CV_32F, 0..255)
    // image into `out` as C*H*W floats.
    void normalise(const cv::Mat& baseImage, float* out) const;

    // base + normalise.
    std::vector<float> operator()(const Image& image) const;

    int inputSize() const { return recipe_.channels * recipe_.width * recipe_.height; }

private:
    Recipe recipe_;
};

// Maps real values through a window (centre/width) to 0..255 8-bit.
cv::Mat applyWindow(const cv::Mat& pixels, double center, double width);

} // namespace sinar::imaging
