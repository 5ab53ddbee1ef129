#pragma once
// The image type every loader produces and every model consumes.
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sinar::imaging {

struct WindowPreset {
    std::string name;
    double center = 0;
    double width = 0;
};

struct Image {
    // CV_32FC1 (grey) or CV_32FC3 (RGB order), real values: 0..255 for 8-bit
    // photos, 0..65535 for 16-bit PNGs, modality values (HU, ...) for DICOM.
    cv::Mat pixels;
    double spacingX = 1.0; // mm per pixel, 1 when unknown
    double spacingY = 1.0;
    std::string modality = "OT";
    std::vector<WindowPreset> windows; // the first one is the default
    std::string source;                // file (and frame) it came from

    bool empty() const { return pixels.empty(); }
    bool isColor() const { return pixels.channels() == 3; }
    int width() const { return pixels.cols; }
    int height() const { return pixels.rows; }
};

// Wraps 8-bit or 16-bit grey/BGR(A) pixels as an Image (converts BGR to RGB).
Image imageFromMat(const cv::Mat& mat, const std::string& source);

// Reads PNG, JPEG, BMP, TIFF or DICOM (recognised by its content: "DICM" at
// offset 128 or a data set without preamble, whatever the suffix; for a
// multi-frame file, the first frame). Throws sinar::Error naming the file when
// it is missing, unreadable, truncated or of an unsupported kind.
Image readImageFile(const std::string& path);

// True when the file name has an image extension readImageFile understands
// (.dcm and .dicom included), or has no suffix, a numeric one (UID file names)
// or .ima/.dic/.dc3 and starts like DICOM.
bool isImageFileName(const std::string& path);

} // namespace sinar::imaging
