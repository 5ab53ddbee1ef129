#include "trust/ood.h"

#include <QByteArray>
#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <opencv2/core.hpp>

#include "common/error.h"
#include "data/batch_loader.h"
#include "data/image_cache.h"
#include "imaging/preprocessor.h"

namespace sinar::trust {

namespace {

QString packFloats(const std::vector<double>& v)
{
    std::vector<float> f(v.begin(), v.end());
    return QString::fromLatin1(
        QByteArray(reinterpret_cast<const char*>(f.data()), static_cast<int>(f.size() * sizeof(float))).toBase64());
}

std::vector<double> unpackFloats(const QJsonValue& value, size_t expected, const std::string& what, const std::string& context)
{
    const QByteArray bytes = QByteArray::fromBase64(value.toString().toLatin1());
    if (static_cast<size_t>(bytes.size()) != expected * sizeof(float))
        throw Error("the bundle's out-of-distribution record has a malformed '" + what + "'", context);
    std::vector<float> f(expected);
    std::memcpy(f.data(), bytes.constData(), bytes.size());
    std::vector<double> out(f.begin(), f.end());
    for (double v : out)
        if (!std::isfinite(v))
            throw Error("the bundle's out-of-distribution record holds non-finite values", context);
    return out;
}

} // namespace

OodDetector OodDetector::fit(const std::vector<std::vector<float>>& features, const std::vector<int>& labels, int classes,
                             const std::vector<std::vector<float>>& validation, double percentile, double shrinkage)
{
    if (features.empty() || features.size() != labels.size())
        throw Error("out-of-distribution fit: " + std::to_string(features.size()) + " feature vectors for " +
                    std::to_string(labels.size()) + " labels");
    if (validation.empty())
        throw Error("out-of-distribution fit: no validation images for the threshold");
    OodDetector d;
    d.dim_ = static_cast<int>(features.front().size());
    const size_t dim = static_cast<size_t>(d.dim_);
    d.means_.assign(static_cast<size_t>(classes), std::vector<double>(dim, 0));
    std::vector<long> count(static_cast<size_t>(classes), 0);
    for (size_t i = 0; i < features.size(); ++i) {
        if (features[i].size() != dim || labels[i] < 0 || labels[i] >= classes)
            throw Error("out-of-distribution fit: inconsistent features or labels");
        ++count[static_cast<size_t>(labels[i])];
        for (size_t j = 0; j < dim; ++j)
            d.means_[static_cast<size_t>(labels[i])][j] += features[i][j];
    }
    for (int c = 0; c < classes; ++c) {
        if (count[static_cast<size_t>(c)] == 0)
            throw Error("out-of-distribution fit: a class without training images");
        for (double& v : d.means_[static_cast<size_t>(c)])
            v /= static_cast<double>(count[static_cast<size_t>(c)]);
    }
    // Pooled within-class covariance, shrunk towards a scaled identity.
    cv::Mat centred(static_cast<int>(features.size()), d.dim_, CV_64F);
    for (size_t i = 0; i < features.size(); ++i) {
        double* row = centred.ptr<double>(static_cast<int>(i));
        for (size_t j = 0; j < dim; ++j)
            row[j] = features[i][j] - d.means_[static_cast<size_t>(labels[i])][j];
    }
    cv::Mat cov = centred.t() * centred / static_cast<double>(features.size());
    const double meanVariance = cv::trace(cov)[0] / d.dim_;
    cov = (1 - shrinkage) * cov + shrinkage * std::max(meanVariance, 1e-12) * cv::Mat::eye(d.dim_, d.dim_, CV_64F);
    cv::Mat precision;
    if (cv::invert(cov, precision, cv::DECOMP_CHOLESKY) == 0)
        throw Error("out-of-distribution fit: the feature covariance is singular");
    d.precision_.assign(precision.ptr<double>(0), precision.ptr<double>(0) + dim * dim);
    d.shrinkage_ = shrinkage;
    d.percentile_ = percentile;
    d.fittedOn_ = static_cast<long>(features.size());
    std::vector<double> scores;
    for (const auto& f : validation)
        scores.push_back(d.score(f));
    std::sort(scores.begin(), scores.end());
    // Linear interpolation between order statistics.
    const double pos = percentile / 100.0 * static_cast<double>(scores.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, scores.size() - 1);
    d.threshold_ = scores[lo] + (pos - static_cast<double>(lo)) * (scores[hi] - scores[lo]);
    d.thresholdOn_ = static_cast<long>(scores.size());
    return d;
}

double OodDetector::score(const std::vector<float>& feature) const
{
    if (empty())
        throw Error("no out-of-distribution statistics");
    const size_t dim = static_cast<size_t>(dim_);
    if (feature.size() != dim)
        throw Error("out-of-distribution score: " + std::to_string(feature.size()) + " features for a detector of " +
                    std::to_string(dim));
    double best = INFINITY;
    std::vector<double> diff(dim);
    for (const auto& mean : means_) {
        for (size_t j = 0; j < dim; ++j)
            diff[j] = feature[j] - mean[j];
        double q = 0;
        for (size_t r = 0; r < dim; ++r) {
            const double* row = precision_.data() + r * dim;
            double s = 0;
            for (size_t c = 0; c < dim; ++c)
                s += row[c] * diff[c];
            q += diff[r] * s;
        }
        best = std::min(best, q);
    }
    return std::sqrt(std::max(best, 0.0));
}

QJsonObject OodDetector::toJson() const
{
    QJsonObject o;
    o["method"] = "mahalanobis";
    o["features"] = "penultimate";
    o["dimension"] = dim_;
    o["classes"] = static_cast<int>(means_.size());
    std::vector<double> means;
    for (const auto& m : means_)
        means.insert(means.end(), m.begin(), m.end());
    o["means"] = packFloats(means);
    o["precision"] = packFloats(precision_);
    o["encoding"] = "base64 float32 little-endian, row-major";
    o["shrinkage"] = shrinkage_;
    o["threshold"] = threshold_;
    o["threshold_percentile"] = percentile_;
    o["threshold_fitted_on"] = "validation";
    o["n_fit"] = static_cast<qint64>(fittedOn_);
    o["n_threshold"] = static_cast<qint64>(thresholdOn_);
    return o;
}

OodDetector OodDetector::fromJson(const QJsonObject& o, const std::string& context)
{
    if (o.value("method").toString() != "mahalanobis")
        throw Error("unknown out-of-distribution method '" + o.value("method").toString().toStdString() + "'", context);
    OodDetector d;
    d.dim_ = o.value("dimension").toInt();
    const int classes = o.value("classes").toInt();
    if (d.dim_ < 1 || d.dim_ > 8192 || classes < 1)
        throw Error("the bundle's out-of-distribution record has a bad dimension or class count", context);
    const size_t dim = static_cast<size_t>(d.dim_);
    const std::vector<double> means = unpackFloats(o.value("means"), dim * static_cast<size_t>(classes), "means", context);
    for (int c = 0; c < classes; ++c)
        d.means_.emplace_back(means.begin() + static_cast<long>(c * dim), means.begin() + static_cast<long>((c + 1) * dim));
    d.precision_ = unpackFloats(o.value("precision"), dim * dim, "precision", context);
    d.threshold_ = o.value("threshold").toDouble(-1);
    if (!(d.threshold_ >= 0))
        throw Error("the bundle's out-of-distribution record has no threshold", context);
    d.shrinkage_ = o.value("shrinkage").toDouble();
    d.percentile_ = o.value("threshold_percentile").toDouble(95);
    d.fittedOn_ = static_cast<long>(o.value("n_fit").toInteger());
    d.thresholdOn_ = static_cast<long>(o.value("n_threshold").toInteger());
    return d;
}

QJsonObject oodSummaryJson(const OodDetector& detector, const std::vector<std::vector<float>>& features)
{
    long flagged = 0;
    for (const auto& f : features)
        flagged += !detector.inDistribution(detector.score(f));
    QJsonObject o;
    o["threshold"] = detector.threshold();
    o["flagged"] = static_cast<qint64>(flagged);
    o["share_flagged"] = features.empty() ? 0.0 : static_cast<double>(flagged) / static_cast<double>(features.size());
    return o;
}

DatasetFeatures cachedFeatures(const nn::Model& model, const std::vector<cv::Mat>& images, const std::vector<int>& labels,
                               const std::vector<size_t>& indices, const CancelToken* cancel)
{
    if (!model.hasEmbeddings())
        throw Error("a TorchScript model exposes no penultimate features for out-of-distribution scores");
    std::vector<size_t> decoded;
    for (size_t i : indices)
        if (!images[i].empty())
            decoded.push_back(i);
    const imaging::Preprocessor pre(model.info().recipe);
    const imaging::Augmenter plain(imaging::AugmentConfig::none());
    data::BatchLoaderOptions o;
    o.batchSize = 64;
    o.shuffle = false;
    data::BatchLoader loader(images, labels, decoded, pre, plain, o);
    loader.startEpoch(0);
    data::Batch b;
    DatasetFeatures out;
    std::vector<std::vector<float>> e;
    while (loader.next(b)) {
        if (cancel)
            cancel->throwIfCancelled();
        model.predict(b.x.data(), b.n, &e);
        for (auto& v : e)
            out.features.push_back(std::move(v));
        out.labels.insert(out.labels.end(), b.y.begin(), b.y.end());
        out.index.insert(out.index.end(), b.index.begin(), b.index.end());
    }
    return out;
}

DatasetFeatures datasetFeatures(const nn::Model& model, const data::Dataset& data, const std::vector<size_t>& indices,
                                const CancelToken* cancel)
{
    std::vector<data::Sample> samples;
    for (size_t i : indices)
        samples.push_back(data.sample(i));
    const data::Dataset subset(data.source(), data.classNames(), std::move(samples));
    const data::ImageCache cache = data::buildImageCache(subset, imaging::Preprocessor(model.info().recipe), {}, cancel);
    std::vector<size_t> all(subset.size());
    for (size_t k = 0; k < all.size(); ++k)
        all[k] = k;
    DatasetFeatures out = cachedFeatures(model, cache.images, subset.labels(), all, cancel);
    for (size_t& i : out.index)
        i = indices[i];
    return out;
}

} // namespace sinar::trust
