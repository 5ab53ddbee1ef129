#pragma once
// Statistics of the real pixel values inside a region (ellipse, rectangle,
// freehand polygon): what a reader asks of an ROI.
#include <opencv2/core.hpp>
#include <string>

#include "annotate/shape.h"

namespace sinar::annotate {

struct RoiStatistics {
    long long pixelCount = 0; // pixels whose centre lies inside the region
    double mean = 0;
    double sd = 0; // population standard deviation of those pixels
    double min = 0;
    double max = 0;
    double area = 0; // of the outline: mm² with a spacing, else px²
};

// The pixels whose centres (c + 0.5, r + 0.5) lie inside `region`, as a
// CV_8UC1 mask (255 inside) of `size`. Empty regions give an all-zero mask.
cv::Mat regionMask(const Shape& region, cv::Size size);

// Statistics over `pixels` (CV_32FC1 real values: after the Modality LUT, so
// HU for CT) inside `region`. Throws sinar::Error when the pixels are not one
// channel or the shape is not a complete region.
RoiStatistics roiStatistics(const cv::Mat& pixels, const Shape& region, const Calibration& calibration);

} // namespace sinar::annotate
