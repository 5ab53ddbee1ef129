#pragma once
// Out-of-distribution detection: class-conditional Gaussians with one shared
// covariance over the network's penultimate features (Lee et al. 2018), the
// score an image's smallest Mahalanobis distance to a class mean. The
// threshold is the 95th percentile of the validation images' scores: about 5 %
// of in-distribution images are flagged, and images far from every class
// (another modality, another body part) score above it.
#include <QJsonObject>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "common/cancel_token.h"
#include "data/dataset.h"
#include "nn/model.h"

namespace sinar::trust {

class OodDetector {
public:
    // Fits means and the shrunk shared covariance on `features` of the training
    // images with `labels` (0..classes-1), and the threshold on the scores of
    // `validation` features (the given percentile, 0..100). Shrinkage: the
    // covariance S becomes (1 - a) S + a (trace(S)/d) I with a = `shrinkage`.
    static OodDetector fit(const std::vector<std::vector<float>>& features, const std::vector<int>& labels, int classes,
                           const std::vector<std::vector<float>>& validation, double percentile = 95.0,
                           double shrinkage = 0.1);
    // The bundle's "ood" record (nn::BundleInfo::ood); throws sinar::Error when malformed.
    static OodDetector fromJson(const QJsonObject& json, const std::string& context);
    QJsonObject toJson() const;

    bool empty() const { return dim_ == 0; }
    int dimension() const { return dim_; }
    double threshold() const { return threshold_; }
    // sqrt of the smallest squared Mahalanobis distance to a class mean.
    double score(const std::vector<float>& feature) const;
    bool inDistribution(double score) const { return score <= threshold_; }

private:
    int dim_ = 0;
    std::vector<std::vector<double>> means_;
    std::vector<double> precision_; // dim x dim, row-major
    double threshold_ = 0;
    double percentile_ = 95, shrinkage_ = 0.1;
    long fittedOn_ = 0, thresholdOn_ = 0;
};

// {"threshold", "flagged", "share_flagged"} of `features` (evaluate's "ood" key).
QJsonObject oodSummaryJson(const OodDetector& detector, const std::vector<std::vector<float>>& features);

// Penultimate features and labels of images.
struct DatasetFeatures {
    std::vector<std::vector<float>> features;
    std::vector<int> labels;
    std::vector<size_t> index; // the images they belong to
};
// Of the base images `images` (a data::ImageCache, decoded with the bundle's
// recipe) at `indices`, un-augmented; images that failed to decode (empty) are left out.
DatasetFeatures cachedFeatures(const nn::Model& model, const std::vector<cv::Mat>& images, const std::vector<int>& labels,
                               const std::vector<size_t>& indices, const CancelToken* cancel = nullptr);
// Decodes the images of `data` at `indices` with the bundle's recipe, then as cachedFeatures.
DatasetFeatures datasetFeatures(const nn::Model& model, const data::Dataset& data, const std::vector<size_t>& indices,
                                const CancelToken* cancel = nullptr);

} // namespace sinar::trust
