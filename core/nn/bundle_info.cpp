#include "nn/bundle_info.h"

#include <QJsonArray>
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/json_io.h"
#include "nn/architectures.h"
#include "trust/scope.h"

namespace sinar::nn {

QJsonObject BundleInfo::toJson() const
{
    QJsonObject o;
    o["format"] = "sinar-model-bundle";
    o["format_version"] = formatVersion;
    o["architecture"] = QString::fromStdString(architecture);
    if (architecture == "standard-cnn") // other networks' shape follows from classes and recipe
        o["cnn"] = cnn.toJson();
    QJsonArray names;
    for (const auto& n : classNames)
        names.append(QString::fromStdString(n));
    o["class_names"] = names;
    o["preprocessing"] = recipe.toJson();
    o["data"] = data;
    o["training"] = training;
    o["test_metrics"] = testMetrics;
    if (!calibration.isEmpty())
        o["calibration"] = calibration;
    if (!ood.isEmpty())
        o["ood"] = ood;
    if (!scope.isEmpty())
        o["scope"] = scope;
    if (!classical.isEmpty())
        o["classical"] = classical;
    o["created_at"] = QString::fromStdString(createdAt);
    o["tool_version"] = QString::fromStdString(toolVersion);
    return o;
}

BundleInfo BundleInfo::fromJson(const QJsonObject& o, const std::string& context)
{
    if (o.value("format").toString() != "sinar-model-bundle")
        throw Error("metadata does not describe a Sinar model bundle", context);
    BundleInfo b;
    b.formatVersion = jsonInt(o, "format_version", context);
    if (b.formatVersion > kBundleFormatVersion)
        throw Error("bundle format version " + std::to_string(b.formatVersion) + " is newer than this Sinar understands (" +
                        std::to_string(kBundleFormatVersion) + "); update Sinar",
                    context);
    b.architecture = jsonString(o, "architecture", context);
    if (b.architecture != "torchscript" && !isRegisteredArchitecture(b.architecture))
        validateArchitecture(b, context); // throws: unknown, naming the known ones
    b.classNames = jsonStringList(o, "class_names", context);
    b.recipe = imaging::Recipe::fromJson(o.value("preprocessing").toObject(), context);
    if (b.architecture == "standard-cnn") {
        b.cnn = CnnConfig::fromJson(o.value("cnn").toObject(), context);
    } else {
        b.cnn.inChannels = b.recipe.channels;
        b.cnn.numClasses = static_cast<int>(b.classNames.size());
    }
    b.data = o.value("data").toObject();
    b.training = o.value("training").toObject();
    b.testMetrics = o.value("test_metrics").toObject();
    b.calibration = o.value("calibration").toObject();
    b.ood = o.value("ood").toObject();
    if (o.contains("scope") && !o.value("scope").isObject())
        throw Error("the scope must be a JSON object", context);
    b.scope = o.value("scope").toObject();
    if (o.contains("classical") && !o.value("classical").isObject())
        throw Error("the classical baseline's record must be a JSON object", context);
    b.classical = o.value("classical").toObject();
    b.createdAt = o.value("created_at").toString().toStdString();
    b.toolVersion = o.value("tool_version").toString().toStdString();
    b.validate(context);
    return b;
}

double BundleInfo::temperature() const
{
    return calibration.isEmpty() ? 1.0 : calibration.value("temperature").toDouble(1.0);
}

void BundleInfo::validate(const std::string& context) const
{
    recipe.validate(context);
    if (!scope.isEmpty())
        trust::Scope::fromJson(scope, context); // throws on a malformed scope
    if (!calibration.isEmpty()) {
        const double t = calibration.value("temperature").toDouble(-1);
        if (!std::isfinite(t) || t <= 0)
            throw Error("the calibration's temperature must be a positive number", context);
    }
    if (architecture == "torchscript") {
        if (classNames.size() < 2)
            throw Error("a TorchScript model needs at least two class names", context);
        return; // the network's own shape is checked when it is loaded
    }
    validateArchitecture(*this, context); // the network's own checks (nn/network.h)
}

} // namespace sinar::nn
