#pragma once
// Shared between a long job and whoever may hold it (the GUI's Pause button).
// The job calls waitWhilePaused() at safe points (between training batches);
// a cancel request ends the wait promptly.
#include <chrono>
#include <condition_variable>
#include <mutex>

#include "common/cancel_token.h"

namespace sinar {

class PauseToken {
public:
    void pause()
    {
        std::lock_guard<std::mutex> lock(mutex_);
        paused_ = true;
    }
    void resume()
    {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            paused_ = false;
        }
        changed_.notify_all();
    }
    bool paused() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return paused_;
    }

    // Blocks while paused. Returns the seconds spent waiting (0 when not
    // paused), or as soon as `cancel` is set (checked every 50 ms; the caller
    // then sees the cancel request itself).
    double waitWhilePaused(const CancelToken* cancel = nullptr) const
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!paused_)
            return 0.0;
        const auto start = std::chrono::steady_clock::now();
        while (paused_ && !(cancel && cancel->cancelled()))
            changed_.wait_for(lock, std::chrono::milliseconds(50));
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    bool paused_ = false;
};

} // namespace sinar
