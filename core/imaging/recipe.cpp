#include "imaging/recipe.h"

#include <QJsonArray>

#include "common/error.h"
#include "common/json_io.h"

namespace sinar::imaging {

std::string toString(Normalisation n)
{
    switch (n) {
    case Normalisation::None: return "none";
    case Normalisation::PerImage: return "per-image";
    case Normalisation::Dataset: return "dataset";
    case Normalisation::MinusOneOne: return "minus-one-one";
    }
    return "none";
}

std::string toString(Denoise d)
{
    switch (d) {
    case Denoise::None: return "none";
    case Denoise::Median: return "median";
    case Denoise::Gaussian: return "gaussian";
    case Denoise::NonLocalMeans: return "nlmeans";
    }
    return "none";
}

Normalisation normalisationFromString(const std::string& s, const std::string& context)
{
    for (auto n : {Normalisation::None, Normalisation::PerImage, Normalisation::Dataset, Normalisation::MinusOneOne})
        if (toString(n) == s)
            return n;
    throw Error("unknown normalisation '" + s + "' (none, per-image, dataset, minus-one-one)", context);
}

Denoise denoiseFromString(const std::string& s, const std::string& context)
{
    for (auto d : {Denoise::None, Denoise::Median, Denoise::Gaussian, Denoise::NonLocalMeans})
        if (toString(d) == s)
            return d;
    throw Error("unknown denoise method '" + s + "' (none, median, gaussian, nlmeans)", context);
}

static QJsonArray floats(const std::vector<float>& v)
{
    QJsonArray a;
    for (float f : v)
        a.append(static_cast<double>(f));
    return a;
}

static std::vector<float> floatList(const QJsonObject& o, const char* key, const std::string& context)
{
    const QJsonValue v = o.value(QLatin1String(key));
    if (!v.isArray())
        throw Error(std::string("recipe field '") + key + "' is missing or not a list", context);
    std::vector<float> out;
    for (const QJsonValue& e : v.toArray()) {
        if (!e.isDouble())
            throw Error(std::string("recipe field '") + key + "' holds a non-number", context);
        out.push_back(static_cast<float>(e.toDouble()));
    }
    return out;
}

QJsonObject Recipe::toJson() const
{
    QJsonObject o;
    o["channels"] = channels;
    o["width"] = width;
    o["height"] = height;
    o["keep_aspect"] = keepAspect;
    o["use_window"] = useWindow;
    o["window_center"] = windowCenter;
    o["window_width"] = windowWidth;
    o["denoise"] = QString::fromStdString(toString(denoise));
    o["denoise_size"] = denoiseSize;
    o["denoise_strength"] = static_cast<double>(denoiseStrength);
    o["clahe"] = clahe;
    o["clahe_clip"] = claheClip;
    o["clahe_tiles"] = claheTiles;
    o["normalisation"] = QString::fromStdString(toString(normalisation));
    o["mean"] = floats(mean);
    o["std"] = floats(std);
    return o;
}

Recipe Recipe::fromJson(const QJsonObject& o, const std::string& context)
{
    Recipe r;
    r.channels = jsonInt(o, "channels", context);
    r.width = jsonInt(o, "width", context);
    r.height = jsonInt(o, "height", context);
    r.keepAspect = o.value("keep_aspect").toBool(false);
    r.useWindow = o.value("use_window").toBool(false);
    r.windowCenter = o.value("window_center").toDouble(127.5);
    r.windowWidth = o.value("window_width").toDouble(255.0);
    r.denoise = denoiseFromString(o.value("denoise").toString("none").toStdString(), context);
    r.denoiseSize = o.value("denoise_size").toInt(3);
    r.denoiseStrength = static_cast<float>(o.value("denoise_strength").toDouble(7.0));
    r.clahe = o.value("clahe").toBool(false);
    r.claheClip = o.value("clahe_clip").toDouble(2.0);
    r.claheTiles = o.value("clahe_tiles").toInt(8);
    r.normalisation = normalisationFromString(jsonString(o, "normalisation", context), context);
    r.mean = floatList(o, "mean", context);
    r.std = floatList(o, "std", context);
    r.validate(context);
    return r;
}

void Recipe::validate(const std::string& context) const
{
    if (channels != 1 && channels != 3)
        throw Error("recipe: channels must be 1 or 3, not " + std::to_string(channels), context);
    if (width < 8 || height < 8 || width > 4096 || height > 4096)
        throw Error("recipe: input size " + std::to_string(width) + "x" + std::to_string(height) + " is out of range 8..4096", context);
    if (useWindow && !(windowWidth > 0))
        throw Error("recipe: window width must be positive", context);
    if ((denoise == Denoise::Median || denoise == Denoise::Gaussian) && (denoiseSize < 3 || denoiseSize % 2 == 0 || denoiseSize > 15))
        throw Error("recipe: denoise size must be odd, 3..15", context);
    if (clahe && (claheClip <= 0 || claheTiles < 1 || claheTiles > 64))
        throw Error("recipe: CLAHE clip must be > 0 and tiles 1..64", context);
    if (normalisation == Normalisation::Dataset) {
        if (mean.size() != static_cast<size_t>(channels) || std.size() != static_cast<size_t>(channels))
            throw Error("recipe: mean and std need one value per channel", context);
        for (float s : std)
            if (!(s > 0))
                throw Error("recipe: std values must be positive", context);
    }
}

} // namespace sinar::imaging
