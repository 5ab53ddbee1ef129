#include "explain/faithfulness.h"

#include <algorithm>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <random>

#include "common/error.h"
#include "imaging/preprocessor.h"

namespace sinar::explain {

double trapezoidAuc(const std::vector<double>& curve)
{
    if (curve.size() < 2)
        return curve.empty() ? 0.0 : curve.front();
    double area = 0;
    for (size_t i = 1; i < curve.size(); ++i)
        area += 0.5 * (curve[i - 1] + curve[i]);
    return area / static_cast<double>(curve.size() - 1);
}

cv::Mat randomMap(cv::Size size, int grid, uint32_t seed)
{
    grid = std::max(1, grid);
    cv::Mat small(grid, grid, CV_32F);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    for (int y = 0; y < grid; ++y)
        for (int x = 0; x < grid; ++x)
            small.at<float>(y, x) = uniform(rng);
    cv::Mat out;
    cv::resize(small, out, size, 0, 0, cv::INTER_LINEAR);
    return out;
}

Curves measureCurves(const nn::Model& calibrated, const imaging::Image& image, const cv::Mat& inputMap, int classIndex,
                     const CurveOptions& options)
{
    // The model's own (uncalibrated) probabilities, as the maps use them.
    const nn::Model model = calibrated.uncalibrated();
    const imaging::Preprocessor pre(model.info().recipe);
    const imaging::Recipe& r = pre.recipe();
    if (inputMap.type() != CV_32FC1 || inputMap.cols != r.width || inputMap.rows != r.height)
        throw Error("the saliency map must be a float map of the network input's size (" + std::to_string(r.width) + "x" +
                    std::to_string(r.height) + ")");
    if (classIndex < 0 || classIndex >= static_cast<int>(model.info().classNames.size()))
        throw Error("class index " + std::to_string(classIndex) + " is out of range");
    const int steps = std::max(1, options.steps);

    cv::Mat original;
    pre.base(image).convertTo(original, CV_32F);
    cv::Mat blurred;
    const double sigma = std::max(0.5, options.blurSigma * r.width);
    cv::GaussianBlur(original, blurred, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT);

    // Pixels by decreasing saliency; ties (flat parts of a map) in a fixed
    // pseudo-random order so no raster direction is favoured.
    const int n = r.width * r.height;
    std::vector<int> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::mt19937 rng(12345);
    std::shuffle(order.begin(), order.end(), rng);
    const float* m = inputMap.ptr<float>();
    std::stable_sort(order.begin(), order.end(), [m](int a, int b) { return m[a] > m[b]; });

    const int channels = original.channels();
    const size_t one = static_cast<size_t>(pre.inputSize());
    std::vector<float> batch(one * static_cast<size_t>(2 * (steps + 1)));
    cv::Mat deleted = original.clone(), inserted = blurred.clone();
    int done = 0;
    for (int k = 0; k <= steps; ++k) {
        const int upTo = static_cast<int>(std::lround(static_cast<double>(k) * n / steps));
        for (; done < upTo; ++done) {
            const int p = order[static_cast<size_t>(done)];
            float* d = deleted.ptr<float>() + static_cast<size_t>(p) * channels;
            float* in = inserted.ptr<float>() + static_cast<size_t>(p) * channels;
            const float* o = original.ptr<float>() + static_cast<size_t>(p) * channels;
            for (int c = 0; c < channels; ++c) {
                d[c] = 0.0f;
                in[c] = o[c];
            }
        }
        pre.normalise(deleted, batch.data() + one * static_cast<size_t>(k));
        pre.normalise(inserted, batch.data() + one * static_cast<size_t>(steps + 1 + k));
    }
    Curves c;
    const int total = 2 * (steps + 1);
    for (int start = 0; start < total; start += 32) {
        const int count = std::min(32, total - start);
        for (const auto& p : model.predict(batch.data() + one * static_cast<size_t>(start), count)) {
            const double v = p[static_cast<size_t>(classIndex)];
            if (static_cast<int>(c.deletion.size()) <= steps)
                c.deletion.push_back(v);
            else
                c.insertion.push_back(v);
        }
    }
    c.deletionAuc = trapezoidAuc(c.deletion);
    c.insertionAuc = trapezoidAuc(c.insertion);
    return c;
}

} // namespace sinar::explain
