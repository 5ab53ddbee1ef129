#pragma once
// Faithfulness of a saliency map (Petsiuk et al. 2018, RISE): how fast the
// class probability falls when the most salient pixels are deleted first
// (deletion AUC, lower is better), and how fast it rises when they are
// inserted first into a blurred copy (insertion AUC, higher is better).
// Compared against random maps of the same smoothness.
#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "imaging/image.h"
#include "nn/model.h"

namespace sinar::explain {

struct CurveOptions {
    int steps = 20;          // the curve has steps + 1 points (0 %, 5 %, ..., 100 %)
    double blurSigma = 0.1;  // insertion start: Gaussian blur, sigma as a fraction of the input width
};

struct Curves {
    std::vector<double> deletion;  // class probability after deleting k/steps of the pixels
    std::vector<double> insertion; // class probability after inserting k/steps of the pixels
    double deletionAuc = 0;        // trapezoidal area under the curve, x in [0, 1]
    double insertionAuc = 0;
};

// `inputMap`: CV_32F of the network input's size (Explanation::inputMap).
// The curves are the model's uncalibrated class probability (its temperature
// is left out, like the maps leave it out).
// Deleted pixels become black; inserted ones replace a blurred copy.
Curves measureCurves(const nn::Model& model, const imaging::Image& image, const cv::Mat& inputMap, int classIndex,
                     const CurveOptions& options = {});

// A smooth random map: uniform noise on a grid x grid lattice, bilinearly
// upsampled to `size`. The baseline a method must beat.
cv::Mat randomMap(cv::Size size, int grid, uint32_t seed);

double trapezoidAuc(const std::vector<double>& curve);

} // namespace sinar::explain
