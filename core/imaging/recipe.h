#pragma once
// The preprocessing recipe: how an Image becomes the network's input tensor.
// It is stored in every model bundle so inference prepares pixels exactly as
// training did.
#include <QJsonObject>
#include <string>
#include <vector>

namespace sinar::imaging {

enum class Normalisation {
    None,      // values 0..1 (x / 255)
    PerImage,  // z-score per image and channel
    Dataset,   // (x/255 - mean[c]) / std[c] with the data set's statistics
    MinusOneOne // x / 127.5 - 1 (MobileNet-style)
};

enum class Denoise { None, Median, Gaussian, NonLocalMeans };

struct Recipe {
    int channels = 1; // 1 grey, 3 RGB
    int width = 128;
    int height = 128;
    bool keepAspect = false; // resize to fit and pad with black instead of stretching

    // Mapping of real values to 0..255 before anything else. When useWindow is
    // false the image's own first window preset is used, else its min-max.
    bool useWindow = false;
    double windowCenter = 127.5;
    double windowWidth = 255.0;

    Denoise denoise = Denoise::None;
    int denoiseSize = 3;          // kernel size for median/Gaussian
    float denoiseStrength = 7.0f; // h for non-local means

    bool clahe = false;
    double claheClip = 2.0;
    int claheTiles = 8;

    Normalisation normalisation = Normalisation::PerImage;
    std::vector<float> mean{0.5f}; // per channel, on the 0..1 scale (Dataset mode)
    std::vector<float> std{0.25f};

    QJsonObject toJson() const;
    // Validates every field; throws sinar::Error naming `context` on a bad value.
    static Recipe fromJson(const QJsonObject& json, const std::string& context);
    void validate(const std::string& context) const;
};

std::string toString(Normalisation n);
std::string toString(Denoise d);
Normalisation normalisationFromString(const std::string& s, const std::string& context);
Denoise denoiseFromString(const std::string& s, const std::string& context);

} // namespace sinar::imaging
