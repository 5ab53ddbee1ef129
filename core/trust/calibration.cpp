#include "trust/calibration.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "eval/calibration_metrics.h"
#include "train/training_job.h"

namespace sinar::trust {

namespace {

constexpr double kMinProbability = 1e-38;

std::vector<std::vector<double>> logProbabilities(const std::vector<std::vector<float>>& probabilities)
{
    std::vector<std::vector<double>> out;
    out.reserve(probabilities.size());
    for (const auto& row : probabilities) {
        std::vector<double> l(row.size());
        for (size_t c = 0; c < row.size(); ++c)
            l[c] = std::log(std::max(static_cast<double>(row[c]), kMinProbability));
        out.push_back(std::move(l));
    }
    return out;
}

// log-softmax(l * beta) at class y.
double logSoftmaxAt(const std::vector<double>& l, double beta, size_t y)
{
    double m = -INFINITY;
    for (double v : l)
        m = std::max(m, v * beta);
    double s = 0;
    for (double v : l)
        s += std::exp(v * beta - m);
    return l[y] * beta - m - std::log(s);
}

double meanNll(const std::vector<int>& truth, const std::vector<std::vector<double>>& logp, double beta)
{
    double sum = 0;
    for (size_t i = 0; i < truth.size(); ++i)
        sum -= logSoftmaxAt(logp[i], beta, static_cast<size_t>(truth[i]));
    return truth.empty() ? 0.0 : sum / static_cast<double>(truth.size());
}

void checkInput(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities)
{
    if (truth.size() != probabilities.size())
        throw Error("calibration: " + std::to_string(truth.size()) + " labels but " + std::to_string(probabilities.size()) +
                    " predictions");
    for (size_t i = 0; i < truth.size(); ++i)
        if (truth[i] < 0 || static_cast<size_t>(truth[i]) >= probabilities[i].size())
            throw Error("calibration: label " + std::to_string(truth[i]) + " is out of range");
}

} // namespace

QJsonObject TemperatureFit::toJson(const std::string& fittedOn) const
{
    QJsonObject o;
    o["method"] = "temperature";
    o["temperature"] = temperature;
    o["fitted_on"] = QString::fromStdString(fittedOn);
    o["n"] = static_cast<qint64>(n);
    o["nll_before"] = nllBefore;
    o["nll_after"] = nllAfter;
    o["ece_before"] = eceBefore;
    o["ece_after"] = eceAfter;
    o["bins"] = 15;
    return o;
}

double negativeLogLikelihood(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                             double temperature)
{
    checkInput(truth, probabilities);
    return meanNll(truth, logProbabilities(probabilities), 1.0 / temperature);
}

TemperatureFit fitTemperature(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities)
{
    checkInput(truth, probabilities);
    if (truth.empty())
        throw Error("calibration: no validation images to fit a temperature on");
    const auto logp = logProbabilities(probabilities);
    // The NLL is convex in beta = 1/T (a log-sum-exp of linear functions minus a
    // linear one): golden-section search on beta in [1/20, 20].
    double a = 0.05, b = 20.0;
    const double g = (std::sqrt(5.0) - 1) / 2;
    double c = b - g * (b - a), d = a + g * (b - a);
    double fc = meanNll(truth, logp, c), fd = meanNll(truth, logp, d);
    for (int it = 0; it < 100 && b - a > 1e-7; ++it) {
        if (fc < fd) {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = meanNll(truth, logp, c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = meanNll(truth, logp, d);
        }
    }
    const double beta = (a + b) / 2;
    TemperatureFit f;
    f.n = static_cast<long>(truth.size());
    f.nllBefore = meanNll(truth, logp, 1.0);
    f.nllAfter = meanNll(truth, logp, beta);
    f.temperature = 1.0 / beta;
    if (f.nllAfter > f.nllBefore) { // cannot happen for a convex function; keep T = 1 if rounding says so
        f.temperature = 1.0;
        f.nllAfter = f.nllBefore;
    }
    f.eceBefore = eval::expectedCalibrationError(truth, probabilities);
    f.eceAfter = eval::expectedCalibrationError(truth, applyTemperature(probabilities, f.temperature));
    return f;
}

std::vector<std::vector<float>> applyTemperature(const std::vector<std::vector<float>>& probabilities, double temperature)
{
    if (!(temperature > 0) || !std::isfinite(temperature))
        throw Error("calibration: the temperature must be a positive number");
    const auto logp = logProbabilities(probabilities);
    std::vector<std::vector<float>> out;
    out.reserve(logp.size());
    for (const auto& l : logp) {
        std::vector<float> p(l.size());
        for (size_t c = 0; c < l.size(); ++c)
            p[c] = static_cast<float>(std::exp(logSoftmaxAt(l, 1.0 / temperature, c)));
        out.push_back(std::move(p));
    }
    return out;
}

QJsonObject calibrationMetricsJson(const std::vector<int>& truth, const std::vector<std::vector<float>>& probabilities,
                                   double temperature)
{
    const eval::Reliability rel = eval::reliability(truth, probabilities);
    QJsonObject o;
    o["temperature"] = temperature;
    o["ece"] = rel.ece;
    o["ece_uncalibrated"] = temperature == 1.0 ? rel.ece
                                               : eval::expectedCalibrationError(truth, applyTemperature(probabilities, 1.0 / temperature));
    o["reliability"] = rel.binsJson();
    o["risk_coverage"] = eval::riskCoverageJson(eval::riskCoverage(truth, probabilities));
    return o;
}

std::vector<size_t> validationIndices(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context)
{
    return train::recordedSplit(data, bundleData, context).val;
}

std::vector<size_t> trainingIndices(const data::Dataset& data, const QJsonObject& bundleData, const std::string& context)
{
    return train::recordedSplit(data, bundleData, context).train;
}

} // namespace sinar::trust
