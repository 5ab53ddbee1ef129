#include "common/parallel.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sinar {

int defaultThreadCount()
{
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 2 : static_cast<int>(n);
}

void parallelFor(size_t n, const std::function<void(size_t)>& fn, int threads)
{
    if (threads <= 0)
        threads = defaultThreadCount();
    if (n == 0)
        return;
    if (threads == 1 || n == 1) {
        for (size_t i = 0; i < n; ++i)
            fn(i);
        return;
    }
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex errorMutex;
    auto work = [&] {
        for (;;) {
            const size_t i = next.fetch_add(1);
            if (i >= n)
                return;
            try {
                fn(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(errorMutex);
                if (!error)
                    error = std::current_exception();
                next.store(n);
                return;
            }
        }
    };
    std::vector<std::thread> pool;
    const size_t count = std::min<size_t>(static_cast<size_t>(threads), n);
    for (size_t t = 1; t < count; ++t)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);
}

} // namespace sinar
