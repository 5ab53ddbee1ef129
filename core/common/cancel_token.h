#pragma once
#include <atomic>

#include "common/error.h"

namespace sinar {

// Shared between a job and whoever may stop it (GUI button, SIGINT handler).
class CancelToken {
public:
    void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
    void reset() noexcept { flag_.store(false, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }
    void throwIfCancelled() const
    {
        if (cancelled())
            throw Cancelled();
    }

private:
    std::atomic<bool> flag_{false};
};

} // namespace sinar
