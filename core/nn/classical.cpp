#include "nn/classical.h"

#include <QJsonArray>
#include <algorithm>
#include <atomic>
#include <mutex>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <opencv2/imgproc.hpp>
#include <opencv2/ml.hpp>
#include <opencv2/objdetect.hpp>

#include "common/error.h"
#include "common/parallel.h"

namespace sinar::nn {

namespace {

enum class Method { SvmLinear, SvmRbf, Knn };
enum class Features { Raw, Hog };

constexpr int kKnnKs[] = {1, 3, 5, 7, 9, 11, 15, 21};
constexpr double kLinearCs[] = {0.001, 0.01, 0.1, 1};
constexpr double kRbfCs[] = {1, 10, 100, 1000};
constexpr double kRbfGammaScales[] = {0.3, 1, 3}; // times 1 / feature dimension (features of unit variance on average)

Method methodOf(const std::string& architecture)
{
    if (architecture == "svm-linear")
        return Method::SvmLinear;
    if (architecture == "svm-rbf")
        return Method::SvmRbf;
    if (architecture == "knn")
        return Method::Knn;
    throw Error("unknown classical baseline '" + architecture + "'");
}

Features featuresOf(const BundleInfo& info, const std::string& context)
{
    const QString f = info.classical.value("features").toString("raw");
    if (f == "raw")
        return Features::Raw;
    if (f == "hog")
        return Features::Hog;
    throw Error("unknown features '" + f.toStdString() + "' for a classical baseline (raw or hog)", context);
}

cv::HOGDescriptor hogFor(int width, int height)
{
    return cv::HOGDescriptor(cv::Size(width, height), cv::Size(16, 16), cv::Size(8, 8), cv::Size(8, 8), 9);
}

int64_t featureDimension(Features f, const imaging::Recipe& r)
{
    if (f == Features::Raw)
        return static_cast<int64_t>(r.channels) * r.width * r.height;
    return static_cast<int64_t>(hogFor(r.width, r.height).getDescriptorSize());
}

// Squared Euclidean distances [N, M] between the rows of a [N, D] and b [M, D].
torch::Tensor squaredDistances(const torch::Tensor& a, const torch::Tensor& b)
{
    torch::Tensor d = a.pow(2).sum(1, true) + b.pow(2).sum(1).unsqueeze(0) - 2 * a.matmul(b.t());
    return d.clamp_min(0);
}

// The k-NN score of each class from the labels of the k nearest neighbours
// [N, k] (nearest first): log((n_c + 0.5) / (k + 0.5 K)) plus a tie-break
// below any count difference favouring the class of nearer neighbours.
torch::Tensor knnScores(const torch::Tensor& neighbourLabels, int classes)
{
    const int64_t k = neighbourLabels.size(1);
    torch::Tensor oneHot = torch::one_hot(neighbourLabels, classes).to(torch::kFloat32); // [N, k, K]
    torch::Tensor counts = oneHot.sum(1);
    torch::Tensor rankWeight = (k - torch::arange(k, torch::kFloat32)) / float(k * (k + 1)) * 0.01f;
    torch::Tensor bonus = (oneHot * rankWeight.view({1, k, 1})).sum(1);
    return ((counts + 0.5f) / (float(k) + 0.5f * float(classes))).log() + bonus;
}

cv::Mat asMat(const torch::Tensor& t) // [N, D] float32, contiguous; shares memory
{
    return cv::Mat(static_cast<int>(t.size(0)), static_cast<int>(t.size(1)), CV_32F, t.data_ptr<float>());
}

// Stratified fold of every sample: within each class, a seeded shuffle dealt round-robin.
std::vector<int> stratifiedFolds(const std::vector<int>& labels, int classes, int folds, uint32_t seed)
{
    std::vector<int> fold(labels.size(), 0);
    std::mt19937 rng(seed);
    for (int c = 0; c < classes; ++c) {
        std::vector<size_t> idx;
        for (size_t i = 0; i < labels.size(); ++i)
            if (labels[i] == c)
                idx.push_back(i);
        std::shuffle(idx.begin(), idx.end(), rng);
        for (size_t r = 0; r < idx.size(); ++r)
            fold[idx[r]] = static_cast<int>(r % static_cast<size_t>(folds));
    }
    return fold;
}

// A fitted one-vs-one SVM as tensors.
struct SvmTensors {
    torch::Tensor sv, coef, rho, pairs; // [M, D], [F, M], [F], [F, 2] (long): F = K(K-1)/2 class pairs
};

SvmTensors svmTensors(const cv::ml::SVM& svm, int classes, int64_t dim)
{
    const cv::Mat sv = svm.getSupportVectors();
    const int m = sv.rows;
    const int64_t pairs = static_cast<int64_t>(classes) * (classes - 1) / 2;
    SvmTensors t;
    t.sv = torch::empty({m, dim}, torch::kFloat32);
    for (int r = 0; r < m; ++r)
        std::copy(sv.ptr<float>(r), sv.ptr<float>(r) + dim, t.sv.data_ptr<float>() + static_cast<int64_t>(r) * dim);
    t.coef = torch::zeros({pairs, m}, torch::kFloat32);
    t.rho = torch::empty({pairs}, torch::kFloat32);
    t.pairs = torch::empty({pairs, 2}, torch::kLong);
    int64_t f = 0;
    for (int i = 0; i < classes; ++i)
        for (int j = i + 1; j < classes; ++j, ++f) {
            cv::Mat alpha, index;
            t.rho[f] = static_cast<float>(svm.getDecisionFunction(static_cast<int>(f), alpha, index));
            alpha.convertTo(alpha, CV_64F);
            for (int q = 0; q < static_cast<int>(index.total()); ++q)
                t.coef[f][index.at<int>(q)] = static_cast<float>(alpha.at<double>(q));
            t.pairs[f][0] = i;
            t.pairs[f][1] = j;
        }
    return t;
}

// Class scores [N, K] of standardised features f [N, D]: one-vs-one votes
// plus the summed decision values squashed below one vote. gamma 0: linear.
torch::Tensor svmScores(const torch::Tensor& f, const SvmTensors& s, float gamma, int classes)
{
    const torch::Tensor kernel = gamma > 0 ? torch::exp(-gamma * squaredDistances(f, s.sv)) : f.matmul(s.sv.t());
    const torch::Tensor decision = kernel.matmul(s.coef.t()) - s.rho; // [N, F]
    const torch::Tensor first = torch::one_hot(s.pairs.select(1, 0), classes).to(torch::kFloat32);  // [F, K]
    const torch::Tensor second = torch::one_hot(s.pairs.select(1, 1), classes).to(torch::kFloat32); // [F, K]
    const torch::Tensor positive = (decision > 0).to(torch::kFloat32);
    const torch::Tensor votes = positive.matmul(first) + (1 - positive).matmul(second);
    const torch::Tensor confidence = decision.matmul(first - second);
    return votes + confidence / (3 * (confidence.abs() + 1));
}

cv::Ptr<cv::ml::SVM> makeSvm(Method m, double c, double gamma)
{
    cv::Ptr<cv::ml::SVM> svm = cv::ml::SVM::create();
    svm->setType(cv::ml::SVM::C_SVC);
    svm->setKernel(m == Method::SvmRbf ? cv::ml::SVM::RBF : cv::ml::SVM::LINEAR);
    svm->setC(c);
    if (m == Method::SvmRbf)
        svm->setGamma(gamma);
    // libsvm's stopping rule (tolerance 1e-3), not OpenCV's default 1000 iterations.
    svm->setTermCriteria(cv::TermCriteria(cv::TermCriteria::MAX_ITER + cv::TermCriteria::EPS, 1000000, 1e-3));
    return svm;
}

class ClassicalNetwork : public Network {
public:
    ClassicalNetwork(Method method, Features features, int classes, const imaging::Recipe& recipe)
        : method_(method), features_(features), classes_(classes), width_(recipe.width), height_(recipe.height),
          dim_(featureDimension(features, recipe))
    {
    }

    torch::Tensor forward(const torch::Tensor& x) override
    {
        requireFitted();
        const torch::Tensor f = featureVectors(x);
        return scores(method_ == Method::Knn ? f : standardise(f));
    }

    std::vector<std::string> layers() const override { return {}; }
    torch::Tensor featuresAt(const torch::Tensor&, const std::string&) override { throw Error(noMaps()); }
    torch::Tensor forwardFrom(const torch::Tensor&, const std::string&) override { throw Error(noMaps()); }
    std::string layerName(const std::string&) const override { throw Error(noMaps()); }

    bool hasEmbedding() const override { return true; }
    torch::Tensor forwardWithEmbedding(const torch::Tensor& x, torch::Tensor& embedding) override
    {
        requireFitted();
        const torch::Tensor f = featureVectors(x);
        embedding = standardise(f);
        return scores(method_ == Method::Knn ? f : embedding);
    }

    bool trainable() const override { return false; }
    bool fitsDirectly() const override { return true; }
    QJsonObject fitDirectly(const torch::Tensor& x, const std::vector<int>& labels, const DirectFitOptions& options) override;

    std::vector<ParameterGroup> parameterGroups() override { return {}; }
    std::vector<torch::Tensor> buffers() override
    {
        std::vector<torch::Tensor> out;
        for (auto& [name, t] : named())
            if (t->defined())
                out.push_back(*t);
        return out;
    }
    void setTraining(bool) override {}

    void save(torch::serialize::OutputArchive& archive) override
    {
        requireFitted();
        for (auto& [name, t] : named())
            if (t->defined())
                archive.write(name, *t, true);
    }
    void load(torch::serialize::InputArchive& archive, const std::string& context) override;

private:
    std::string noMaps() const
    {
        return std::string(method_ == Method::Knn ? "a k-nearest-neighbour" : "an SVM") +
               " baseline has no feature maps, so Grad-CAM does not apply (occlusion does)";
    }
    void requireFitted() const
    {
        if (!mean_.defined())
            throw Error("the classical baseline has not been fitted");
    }
    bool isSvm() const { return method_ != Method::Knn; }

    std::vector<std::pair<std::string, torch::Tensor*>> named()
    {
        std::vector<std::pair<std::string, torch::Tensor*>> v = {{"classical.mean", &mean_}, {"classical.scale", &scale_}};
        if (isSvm()) {
            v.insert(v.end(), {{"classical.support_vectors", &svm_.sv},
                               {"classical.coefficients", &svm_.coef},
                               {"classical.offsets", &svm_.rho},
                               {"classical.pairs", &svm_.pairs},
                               {"classical.gamma", &gamma_}});
        } else {
            v.insert(v.end(), {{"classical.samples", &samples_}, {"classical.labels", &labels_}, {"classical.k", &k_}});
        }
        return v;
    }

    // [N, D] feature vectors of x [N, C, H, W].
    torch::Tensor featureVectors(const torch::Tensor& xIn) const
    {
        const torch::Tensor x = xIn.to(torch::kFloat32).contiguous();
        const int64_t n = x.size(0);
        if (x.size(2) != height_ || x.size(3) != width_)
            throw Error("input of " + std::to_string(x.size(3)) + "x" + std::to_string(x.size(2)) +
                        " where the baseline expects " + std::to_string(width_) + "x" + std::to_string(height_));
        if (features_ == Features::Raw)
            return x.reshape({n, -1});
        const int c = static_cast<int>(x.size(1)), h = height_, w = width_;
        torch::Tensor out = torch::empty({n, dim_}, torch::kFloat32);
        const float* in = x.data_ptr<float>();
        float* o = out.data_ptr<float>();
        const int64_t dim = dim_;
        parallelFor(static_cast<size_t>(n), [&](size_t i) {
            cv::Mat grey(h, w, CV_32F, cv::Scalar(0));
            for (int ch = 0; ch < c; ++ch)
                grey += cv::Mat(h, w, CV_32F, const_cast<float*>(in + (i * c + ch) * static_cast<size_t>(h * w)));
            double lo = 0, hi = 0;
            cv::minMaxLoc(grey, &lo, &hi);
            cv::Mat u8;
            const double a = hi > lo ? 255.0 / (hi - lo) : 0.0;
            grey.convertTo(u8, CV_8U, a, -lo * a);
            std::vector<float> d;
            hogFor(w, h).compute(u8, d);
            if (static_cast<int64_t>(d.size()) != dim)
                throw Error("HOG gave " + std::to_string(d.size()) + " values where " + std::to_string(dim) + " were expected");
            std::copy(d.begin(), d.end(), o + i * static_cast<size_t>(dim));
        });
        return out;
    }

    torch::Tensor standardise(const torch::Tensor& f) const { return (f - mean_) * scale_; }

    torch::Tensor scores(const torch::Tensor& f) const
    {
        if (!isSvm()) {
            const int64_t k = std::min<int64_t>(k_.item<int64_t>(), samples_.size(0));
            const torch::Tensor idx = std::get<1>(squaredDistances(f, samples_).topk(k, 1, /*largest=*/false, /*sorted=*/true));
            return knnScores(labels_.index({idx}), classes_);
        }
        return svmScores(f, svm_, method_ == Method::SvmRbf ? gamma_.item<float>() : 0.0f, classes_);
    }

    Method method_;
    Features features_;
    int classes_;
    int width_, height_;
    int64_t dim_;
    torch::Tensor mean_, scale_;                      // standardisation of the features
    SvmTensors svm_;                                  // SVM
    torch::Tensor gamma_;                             // SVM: scalar
    torch::Tensor samples_, labels_, k_;              // k-NN: [N, D], [N] (long), scalar (long)
};

QJsonObject ClassicalNetwork::fitDirectly(const torch::Tensor& xIn, const std::vector<int>& labels,
                                          const DirectFitOptions& options)
{
    const auto start = std::chrono::steady_clock::now();
    const int64_t n = xIn.size(0);
    if (n != static_cast<int64_t>(labels.size()) || n < 2)
        throw Error("a classical baseline needs at least two labelled training images");
    std::vector<int> perClass(static_cast<size_t>(classes_), 0);
    for (int l : labels) {
        if (l < 0 || l >= classes_)
            throw Error("a training label is outside the classes");
        ++perClass[static_cast<size_t>(l)];
    }
    const int folds = std::max(2, options.folds);
    for (int c = 0; c < classes_; ++c)
        if (perClass[static_cast<size_t>(c)] < folds)
            throw Error("class " + std::to_string(c) + " has " + std::to_string(perClass[static_cast<size_t>(c)]) +
                        " training images; a baseline's " + std::to_string(folds) +
                        "-fold cross-validation needs at least that many per class");
    std::mutex sayMutex; // grid points report from several threads
    auto say = [&](long long done, long long total, const std::string& what) {
        std::lock_guard<std::mutex> lock(sayMutex);
        if (options.progress)
            options.progress(done, total, what);
    };
    say(0, 1, "computing features");
    const torch::Tensor raw = featureVectors(xIn).contiguous();
    // Centred per feature, scaled by one factor for all (unit variance on
    // average): per-feature scaling would blow up near-constant pixels such as
    // an MR image's black corners into noise that dominates the distances.
    torch::Tensor mean = raw.mean(0);
    const double spread = std::sqrt(raw.var(0, /*unbiased=*/false).mean().item<double>());
    torch::Tensor scale = torch::full_like(mean, spread > 1e-9 ? 1.0 / spread : 1.0);
    const torch::Tensor used = (method_ == Method::Knn ? raw : (raw - mean) * scale).contiguous();
    const cv::Mat all = asMat(used);
    const std::vector<int> fold = stratifiedFolds(labels, classes_, folds, options.seed);

    struct Point {
        double c = 0, gamma = 0;
        int k = 0;
        std::vector<int> correct; // per fold
    };
    std::vector<Point> grid;
    if (method_ == Method::Knn) {
        for (int k : kKnnKs)
            grid.push_back({0, 0, k, std::vector<int>(static_cast<size_t>(folds), 0)});
    } else if (method_ == Method::SvmLinear) {
        for (double c : kLinearCs)
            grid.push_back({c, 0, 0, std::vector<int>(static_cast<size_t>(folds), 0)});
    } else {
        for (double c : kRbfCs)
            for (double g : kRbfGammaScales)
                grid.push_back({c, g / static_cast<double>(dim_), 0, std::vector<int>(static_cast<size_t>(folds), 0)});
    }
    // Fold data.
    std::vector<cv::Mat> foldTrain(static_cast<size_t>(folds)), foldTest(static_cast<size_t>(folds));
    std::vector<cv::Mat> foldTrainLabels(static_cast<size_t>(folds)), foldTestLabels(static_cast<size_t>(folds));
    for (int f = 0; f < folds; ++f) {
        for (int64_t i = 0; i < n; ++i) {
            const bool test = fold[static_cast<size_t>(i)] == f;
            (test ? foldTest : foldTrain)[static_cast<size_t>(f)].push_back(all.row(static_cast<int>(i)));
            (test ? foldTestLabels : foldTrainLabels)[static_cast<size_t>(f)].push_back(labels[static_cast<size_t>(i)]);
        }
    }
    std::atomic<long long> done{0};
    std::vector<torch::Tensor> foldNeighbours(static_cast<size_t>(folds)); // k-NN: [fold size, k] labels, nearest first
    if (method_ == Method::Knn) {
        // One neighbour search per fold at the largest k; every k is scored from it with knnScores.
        const int kMax = *std::max_element(std::begin(kKnnKs), std::end(kKnnKs));
        for (int f = 0; f < folds; ++f) {
            if (options.cancel)
                options.cancel->throwIfCancelled();
            cv::Ptr<cv::ml::KNearest> knn = cv::ml::KNearest::create();
            knn->setAlgorithmType(cv::ml::KNearest::BRUTE_FORCE);
            knn->train(foldTrain[static_cast<size_t>(f)], cv::ml::ROW_SAMPLE, foldTrainLabels[static_cast<size_t>(f)]);
            const int kUse = std::min(kMax, foldTrain[static_cast<size_t>(f)].rows);
            cv::Mat results, responses, distances;
            knn->findNearest(foldTest[static_cast<size_t>(f)], kUse, results, responses, distances);
            const cv::Mat& truth = foldTestLabels[static_cast<size_t>(f)];
            torch::Tensor neighbours = torch::empty({responses.rows, responses.cols}, torch::kLong);
            for (int r = 0; r < responses.rows; ++r)
                for (int q = 0; q < responses.cols; ++q)
                    neighbours[r][q] = static_cast<int64_t>(std::lround(responses.at<float>(r, q)));
            foldNeighbours[static_cast<size_t>(f)] = neighbours;
            for (Point& p : grid) {
                const int64_t k = std::min<int64_t>(p.k, kUse);
                const torch::Tensor predicted = knnScores(neighbours.narrow(1, 0, k), classes_).argmax(1);
                int ok = 0;
                for (int r = 0; r < truth.rows; ++r)
                    ok += predicted[r].item<int64_t>() == truth.at<int>(r);
                p.correct[static_cast<size_t>(f)] = ok;
            }
            say(++done, folds, "cross-validating k (fold " + std::to_string(f + 1) + " of " + std::to_string(folds) + ")");
        }
    } else {
        const size_t jobs = grid.size() * static_cast<size_t>(folds);
        parallelFor(
            jobs,
            [&](size_t job) {
                if (options.cancel)
                    options.cancel->throwIfCancelled();
                Point& p = grid[job / static_cast<size_t>(folds)];
                const size_t f = job % static_cast<size_t>(folds);
                cv::Ptr<cv::ml::SVM> svm = makeSvm(method_, p.c, p.gamma);
                svm->train(foldTrain[f], cv::ml::ROW_SAMPLE, foldTrainLabels[f]);
                cv::Mat predicted;
                svm->predict(foldTest[f], predicted);
                int ok = 0;
                for (int r = 0; r < predicted.rows; ++r)
                    ok += static_cast<int>(std::lround(predicted.at<float>(r))) == foldTestLabels[f].at<int>(r);
                p.correct[f] = ok;
                say(++done, static_cast<long long>(jobs), "cross-validating C" + std::string(method_ == Method::SvmRbf ? " and gamma" : ""));
            },
            options.threads);
    }

    QJsonArray cv;
    size_t best = 0;
    double bestAccuracy = -1;
    for (size_t g = 0; g < grid.size(); ++g) {
        const double acc = std::accumulate(grid[g].correct.begin(), grid[g].correct.end(), 0.0) / static_cast<double>(n);
        QJsonObject row;
        if (method_ == Method::Knn) {
            row["k"] = grid[g].k;
        } else {
            row["C"] = grid[g].c;
            if (method_ == Method::SvmRbf)
                row["gamma"] = grid[g].gamma;
        }
        row["accuracy"] = acc;
        cv.append(row);
        if (acc > bestAccuracy + 1e-12) { // ties: the first (simplest) point of the grid
            bestAccuracy = acc;
            best = g;
        }
    }
    if (options.cancel)
        options.cancel->throwIfCancelled();

    // Each image's scores from the fold model that did not see it, at the chosen point.
    if (options.outOfFoldScores) {
        say(0, 1, "out-of-fold scores for calibration");
        std::vector<cv::Ptr<cv::ml::SVM>> foldSvms(static_cast<size_t>(folds));
        if (isSvm())
            parallelFor(
                static_cast<size_t>(folds),
                [&](size_t f) {
                    if (options.cancel)
                        options.cancel->throwIfCancelled();
                    foldSvms[f] = makeSvm(method_, grid[best].c, grid[best].gamma);
                    foldSvms[f]->train(foldTrain[f], cv::ml::ROW_SAMPLE, foldTrainLabels[f]);
                },
                options.threads);
        torch::Tensor oof = torch::zeros({n, classes_}, torch::kFloat32);
        for (int f = 0; f < folds; ++f) {
            const auto fs = static_cast<size_t>(f);
            std::vector<int64_t> rows;
            for (int64_t i = 0; i < n; ++i)
                if (fold[static_cast<size_t>(i)] == f)
                    rows.push_back(i);
            torch::Tensor s;
            if (isSvm()) {
                const cv::Mat& x = foldTest[fs];
                const torch::Tensor xt =
                    torch::from_blob(const_cast<uchar*>(x.ptr()), {x.rows, x.cols}, torch::kFloat32).clone();
                s = svmScores(xt, svmTensors(*foldSvms[fs], classes_, dim_),
                              method_ == Method::SvmRbf ? static_cast<float>(grid[best].gamma) : 0.0f, classes_);
            } else {
                const torch::Tensor& nb = foldNeighbours[fs];
                s = knnScores(nb.narrow(1, 0, std::min<int64_t>(grid[best].k, nb.size(1))), classes_);
            }
            oof.index_copy_(0, torch::tensor(rows, torch::kLong), s);
        }
        *options.outOfFoldScores = oof;
    }

    // The final model on every training image.
    QJsonObject chosen;
    say(0, 1, "fitting on all " + std::to_string(n) + " training images");
    const torch::Tensor labelTensor = torch::tensor(std::vector<int64_t>(labels.begin(), labels.end()), torch::kLong);
    if (method_ == Method::Knn) {
        samples_ = used.clone();
        labels_ = labelTensor;
        k_ = torch::tensor(static_cast<int64_t>(grid[best].k), torch::kLong);
        chosen["k"] = grid[best].k;
    } else {
        cv::Mat labelMat(static_cast<int>(n), 1, CV_32S);
        for (int64_t i = 0; i < n; ++i)
            labelMat.at<int>(static_cast<int>(i)) = labels[static_cast<size_t>(i)];
        cv::Ptr<cv::ml::SVM> svm = makeSvm(method_, grid[best].c, grid[best].gamma);
        svm->train(all, cv::ml::ROW_SAMPLE, labelMat);
        svm_ = svmTensors(*svm, classes_, dim_);
        const auto m = svm_.sv.size(0);
        gamma_ = torch::tensor(static_cast<float>(grid[best].gamma));
        chosen["C"] = grid[best].c;
        if (method_ == Method::SvmRbf)
            chosen["gamma"] = grid[best].gamma;
        chosen["support_vectors"] = static_cast<qint64>(m);
    }
    mean_ = mean;
    scale_ = scale;
    QJsonObject out;
    out["features"] = features_ == Features::Raw ? "raw" : "hog";
    out["feature_dimension"] = static_cast<qint64>(dim_);
    out["standardised"] = method_ != Method::Knn; // centred, one scale factor for all features
    out["cv_folds"] = folds;
    out["cv_accuracy"] = bestAccuracy;
    out["cross_validation"] = cv;
    out["chosen"] = chosen;
    out["fit_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out["fitted_on"] = static_cast<qint64>(n);
    return out;
}

void ClassicalNetwork::load(torch::serialize::InputArchive& archive, const std::string& context)
{
    for (auto& [name, t] : named()) {
        torch::Tensor v;
        bool ok = false;
        try {
            ok = archive.try_read(name, v, true);
        } catch (const c10::Error&) {
            ok = false;
        }
        if (!ok || !v.defined())
            throw Error("the bundle lacks the baseline's '" + name + "' tensor (truncated or not this architecture)", context);
        *t = v;
    }
    auto bad = [&](const std::string& what) { return Error("the baseline's " + what + " is inconsistent (corrupt bundle?)", context); };
    for (auto& [name, t] : named())
        if (t->is_floating_point() && !torch::isfinite(*t).all().item<bool>())
            throw bad(name + " tensor (not finite)");
    if (mean_.dim() != 1 || mean_.size(0) != dim_ || scale_.sizes() != mean_.sizes())
        throw bad("standardisation (feature dimension " + std::to_string(dim_) + " expected)");
    mean_ = mean_.to(torch::kFloat32);
    scale_ = scale_.to(torch::kFloat32);
    if (isSvm()) {
        const int64_t pairs = static_cast<int64_t>(classes_) * (classes_ - 1) / 2;
        if (svm_.sv.dim() != 2 || svm_.sv.size(1) != dim_ || svm_.sv.size(0) < 1 || svm_.coef.dim() != 2 || svm_.coef.size(0) != pairs ||
            svm_.coef.size(1) != svm_.sv.size(0) || svm_.rho.dim() != 1 || svm_.rho.size(0) != pairs || svm_.pairs.dim() != 2 ||
            svm_.pairs.size(0) != pairs || svm_.pairs.size(1) != 2 || svm_.pairs.scalar_type() != torch::kLong || gamma_.numel() != 1)
            throw bad("support vectors or decision functions");
        if (svm_.pairs.min().item<int64_t>() < 0 || svm_.pairs.max().item<int64_t>() >= classes_)
            throw bad("class pairs");
        svm_.sv = svm_.sv.to(torch::kFloat32);
        svm_.coef = svm_.coef.to(torch::kFloat32);
        svm_.rho = svm_.rho.to(torch::kFloat32);
    } else {
        if (samples_.dim() != 2 || samples_.size(1) != dim_ || samples_.size(0) < 1 || labels_.dim() != 1 ||
            labels_.size(0) != samples_.size(0) || labels_.scalar_type() != torch::kLong || k_.numel() != 1 ||
            k_.scalar_type() != torch::kLong)
            throw bad("stored training features");
        if (labels_.min().item<int64_t>() < 0 || labels_.max().item<int64_t>() >= classes_ || k_.item<int64_t>() < 1)
            throw bad("labels or k");
        samples_ = samples_.to(torch::kFloat32);
    }
}

} // namespace

NetworkRegistration classicalRegistration(const std::string& architecture)
{
    const Method method = methodOf(architecture);
    NetworkRegistration r;
    r.architecture = architecture;
    r.classical = true;
    r.description = method == Method::Knn      ? "k-nearest neighbours (OpenCV ml; raw pixels or HOG)"
                    : method == Method::SvmRbf ? "SVM with RBF kernel (OpenCV ml; raw pixels or HOG)"
                                               : "linear SVM (OpenCV ml; raw pixels or HOG)";
    r.validate = [architecture](const BundleInfo& info, const std::string& context) {
        if (info.classNames.size() < 2)
            throw Error("a classical baseline needs at least two classes", context);
        const Features f = featuresOf(info, context);
        if (f == Features::Hog && (info.recipe.width % 8 || info.recipe.height % 8 || info.recipe.width < 16 ||
                                   info.recipe.height < 16))
            throw Error("HOG features need an input size that is a multiple of 8 and at least 16 (not " +
                            std::to_string(info.recipe.width) + "x" + std::to_string(info.recipe.height) + ")",
                        context);
        if (featureDimension(f, info.recipe) > 65536)
            throw Error("input " + std::to_string(info.recipe.width) + "x" + std::to_string(info.recipe.height) +
                            " gives too many features for " + architecture + " (down-scale it, e.g. --size 32 for raw pixels)",
                        context);
    };
    r.create = [method](const BundleInfo& info) -> std::shared_ptr<Network> {
        return std::make_shared<ClassicalNetwork>(method, featuresOf(info, "model bundle"),
                                                  static_cast<int>(info.classNames.size()), info.recipe);
    };
    return r;
}

} // namespace sinar::nn
