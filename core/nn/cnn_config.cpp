#include "nn/cnn_config.h"

#include <QJsonArray>

#include "common/error.h"
#include "common/json_io.h"

namespace sinar::nn {

QJsonObject CnnConfig::toJson() const
{
    QJsonObject o;
    o["in_channels"] = inChannels;
    o["num_classes"] = numClasses;
    QJsonArray f;
    for (int v : filters)
        f.append(v);
    o["filters"] = f;
    o["kernel_size"] = kernelSize;
    o["convs_per_block"] = convsPerBlock;
    o["stem_stride"] = stemStride;
    o["batch_norm"] = batchNorm;
    o["dropout"] = dropout;
    o["fc_hidden"] = fcHidden;
    return o;
}

CnnConfig CnnConfig::fromJson(const QJsonObject& o, const std::string& context)
{
    CnnConfig c;
    c.inChannels = jsonInt(o, "in_channels", context);
    c.numClasses = jsonInt(o, "num_classes", context);
    c.filters.clear();
    for (const QJsonValue& v : o.value("filters").toArray())
        c.filters.push_back(v.toInt());
    c.kernelSize = jsonInt(o, "kernel_size", context);
    c.convsPerBlock = o.value("convs_per_block").toInt(1);
    c.stemStride = o.value("stem_stride").toInt(1);
    c.batchNorm = o.value("batch_norm").toBool(true);
    c.dropout = o.value("dropout").toDouble(0.5);
    c.fcHidden = o.value("fc_hidden").toInt(0);
    c.validate(context);
    return c;
}

void CnnConfig::validate(const std::string& context) const
{
    if (inChannels != 1 && inChannels != 3)
        throw Error("CNN: input channels must be 1 or 3", context);
    if (numClasses < 2 || numClasses > 1000)
        throw Error("CNN: number of classes must be 2..1000", context);
    if (filters.empty() || filters.size() > 8)
        throw Error("CNN: 1 to 8 convolution blocks are needed", context);
    for (int f : filters)
        if (f < 1 || f > 2048)
            throw Error("CNN: filter counts must be 1..2048", context);
    if (kernelSize < 1 || kernelSize > 11 || kernelSize % 2 == 0)
        throw Error("CNN: kernel size must be odd, 1..11", context);
    if (convsPerBlock < 1 || convsPerBlock > 4)
        throw Error("CNN: convolutions per block must be 1..4", context);
    if (stemStride < 1 || stemStride > 4)
        throw Error("CNN: stem stride must be 1..4", context);
    if (dropout < 0 || dropout >= 1)
        throw Error("CNN: dropout must be in [0, 1)", context);
    if (fcHidden < 0 || fcHidden > 8192)
        throw Error("CNN: hidden FC size must be 0..8192", context);
}

int CnnConfig::featureSize(int inputSize) const
{
    int s = (inputSize + stemStride - 1) / stemStride;
    for (size_t i = 0; i < filters.size(); ++i)
        s /= 2;
    return s;
}

} // namespace sinar::nn
