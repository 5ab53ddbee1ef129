#include "explain/colour_map.h"

#include <opencv2/imgproc.hpp>

#include "common/error.h"

namespace sinar::explain {

ColourMap colourMapFromString(const std::string& name)
{
    for (ColourMap c : allColourMaps()) {
        if (name == toString(c))
            return c;
    }
    throw Error("unknown colour map '" + name + "' (jet, inferno or cividis)");
}

std::string toString(ColourMap c)
{
    switch (c) {
    case ColourMap::Jet: return "jet";
    case ColourMap::Inferno: return "inferno";
    case ColourMap::Cividis: return "cividis";
    }
    return "jet";
}

std::vector<ColourMap> allColourMaps()
{
    return {ColourMap::Jet, ColourMap::Inferno, ColourMap::Cividis};
}

cv::Mat colourise(const cv::Mat& map, ColourMap colours)
{
    if (map.empty() || map.type() != CV_32FC1)
        throw Error("a saliency map must be a single-channel float image");
    cv::Mat m8, bgr, rgb;
    map.convertTo(m8, CV_8U, 255.0); // saturates outside [0, 1]
    const int code = colours == ColourMap::Inferno   ? cv::COLORMAP_INFERNO
                     : colours == ColourMap::Cividis ? cv::COLORMAP_CIVIDIS
                                                     : cv::COLORMAP_JET;
    cv::applyColorMap(m8, bgr, code);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

cv::Mat colouriseRgba(const cv::Mat& map, ColourMap colours, double alpha)
{
    cv::Mat rgba;
    cv::cvtColor(colourise(map, colours), rgba, cv::COLOR_RGB2RGBA);
    std::vector<cv::Mat> planes;
    cv::split(rgba, planes);
    planes[3].setTo(cv::Scalar(std::clamp(alpha, 0.0, 1.0) * 255.0));
    cv::merge(planes, rgba);
    return rgba;
}

cv::Mat overlayMap(const cv::Mat& base, const cv::Mat& map, double alpha, ColourMap colours)
{
    cv::Mat rgb;
    if (base.channels() == 1)
        cv::cvtColor(base, rgb, cv::COLOR_GRAY2RGB);
    else
        rgb = base.clone();
    cv::Mat colour = colourise(map, colours);
    if (colour.size() != rgb.size())
        cv::resize(colour, colour, rgb.size(), 0, 0, cv::INTER_LINEAR);
    alpha = std::clamp(alpha, 0.0, 1.0);
    cv::Mat out;
    cv::addWeighted(rgb, 1.0 - alpha, colour, alpha, 0.0, out);
    return out;
}

} // namespace sinar::explain
