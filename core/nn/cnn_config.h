#pragma once
// Hyper-parameters of the study's standard CNN:
// [conv(k) -> (BN) -> ReLU] x convsPerBlock -> max-pool, per block; global
// average pooling; dropout; optional hidden FC layer; FC to the classes.
#include <QJsonObject>
#include <string>
#include <vector>

namespace sinar::nn {

struct CnnConfig {
    int inChannels = 1;
    int numClasses = 2;
    std::vector<int> filters{32, 64, 128, 256};
    int kernelSize = 3;
    int convsPerBlock = 1;
    int stemStride = 2;   // stride of the very first convolution (2 halves the work at 128x128)
    bool batchNorm = true;
    double dropout = 0.5;
    int fcHidden = 0;     // 0: GAP -> dropout -> FC; >0: GAP -> FC(h) -> ReLU -> dropout -> FC

    QJsonObject toJson() const;
    static CnnConfig fromJson(const QJsonObject& json, const std::string& context);
    void validate(const std::string& context) const;
    // Side length of the last feature map for a square input of `inputSize`.
    int featureSize(int inputSize) const;
};

} // namespace sinar::nn
