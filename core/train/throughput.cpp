#include "train/throughput.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "nn/model_impl.h"

namespace sinar::train {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}
} // namespace

Throughput measureThroughput(nn::Model model, int trainBatch, int inferBatch, int latencyRuns)
{
    // Random inputs and dropout draw from the process's generator: put it back afterwards.
    nn::GeneratorScope scope(nn::GeneratorScope::Mode::Restore);
    const nn::BundleInfo& info = model.info();
    nn::Network& net = *model.impl().net;
    const imaging::Recipe& r = info.recipe;
    Throughput t;
    t.trainBatch = trainBatch;
    t.inferBatch = inferBatch;
    t.threads = nn::threadCount();

    {
        const torch::Tensor x = torch::randn({trainBatch, r.channels, r.height, r.width});
        const torch::Tensor y = torch::randint(0, static_cast<int64_t>(info.classNames.size()), {trainBatch}, torch::kInt64);
        torch::optim::SGD opt(net.parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
        net.setTraining(true);
        auto step = [&] {
            opt.zero_grad();
            torch::nn::functional::cross_entropy(net.forward(x), y).backward();
            opt.step();
        };
        step(); // warm-up: oneDNN picks kernels on first use
        int steps = 0;
        const auto start = Clock::now();
        while (steps < 3 || since(start) < 3.0) {
            step();
            ++steps;
        }
        t.trainImagesPerSecond = steps * trainBatch / since(start);
    }
    net.setTraining(false);
    torch::NoGradGuard noGrad;
    {
        const torch::Tensor x = torch::randn({inferBatch, r.channels, r.height, r.width});
        torch::softmax(net.forward(x), 1);
        int runs = 0;
        const auto start = Clock::now();
        while (runs < 3 || since(start) < 3.0) {
            torch::softmax(net.forward(x), 1);
            ++runs;
        }
        t.inferImagesPerSecond = runs * inferBatch / since(start);
    }
    {
        const torch::Tensor x = torch::randn({1, r.channels, r.height, r.width});
        net.forward(x);
        std::vector<double> ms;
        for (int i = 0; i < std::max(1, latencyRuns); ++i) {
            const auto start = Clock::now();
            torch::softmax(net.forward(x), 1);
            ms.push_back(since(start) * 1000.0);
        }
        std::sort(ms.begin(), ms.end());
        t.latencyMedianMs = ms[ms.size() / 2];
        t.latencyMinMs = ms.front();
    }
    return t;
}

} // namespace sinar::train
