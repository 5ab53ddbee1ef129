#pragma once
// Colour maps for saliency maps and alpha-blending over a grey image.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sinar::explain {

// Jet (the classic rainbow), Inferno (perceptually uniform) and Cividis
// (perceptually uniform, readable with colour-vision deficiency and when
// printed in grey: brightness rises monotonically with the value).
enum class ColourMap { Jet, Inferno, Cividis };

ColourMap colourMapFromString(const std::string& name); // "jet", "inferno", "cividis"; throws sinar::Error
std::string toString(ColourMap c);
std::vector<ColourMap> allColourMaps();

// CV_32F map in [0, 1] -> CV_8UC3 RGB.
cv::Mat colourise(const cv::Mat& map, ColourMap colours = ColourMap::Jet);
// CV_32F map in [0, 1] -> CV_8UC4 RGBA premultiplied-free, alpha = `alpha`
// everywhere (255 * alpha), for drawing over an image with a painter.
cv::Mat colouriseRgba(const cv::Mat& map, ColourMap colours, double alpha);

// Colour-maps `map` and alpha-blends it over `base` (CV_8UC1 or CV_8UC3 RGB;
// resized to base's size if needed). Returns CV_8UC3 RGB.
cv::Mat overlayMap(const cv::Mat& base, const cv::Mat& map, double alpha = 0.45, ColourMap colours = ColourMap::Jet);

} // namespace sinar::explain
