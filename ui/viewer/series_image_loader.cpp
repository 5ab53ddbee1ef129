#include "ui/viewer/series_image_loader.h"

#include <cstdlib>
#include <exception>

#include "common/error.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

namespace {
constexpr size_t kCacheSize = 48;
} // namespace

SeriesImageLoader::SeriesImageLoader(QObject* parent)
    : QObject(parent), runner_(this, [this](Result r) { onLoaded(std::move(r)); }, {}, JobThread::Own)
{
}

void SeriesImageLoader::setStack(std::shared_ptr<const ImageStack> stack)
{
    if (stack == stack_)
        return;
    cache_.clear();
    runner_.discard(); // a load of the old series is not waited for
    stack_ = std::move(stack);
}

void SeriesImageLoader::clear()
{
    stack_.reset();
    cache_.clear();
    current_ = -1;
    runner_.discard();
}

void SeriesImageLoader::load(int index)
{
    if (!stack_ || index < 0 || index >= static_cast<int>(stack_->size()))
        return;
    current_ = index;
    const auto cached = cache_.find(index);
    if (cached != cache_.end()) {
        runner_.discard(); // the cached image is newer than anything loading
        Result r;
        r.stack = stack_;
        r.index = index;
        r.image = cached->second;
        emit loaded(r);
        return;
    }
    const auto stack = stack_;
    const StackItem item = stack_->item(static_cast<size_t>(index));
    runner_.submit([stack, index, item] {
        Result r;
        r.stack = stack;
        r.index = index;
        try {
            r.image = loadStackItem(item);
        } catch (const std::exception& e) {
            r.error = errorText(e, false); // shown with the image's file
        }
        return r;
    });
}

void SeriesImageLoader::onLoaded(Result r)
{
    if (r.stack != stack_)
        return; // another series was opened meanwhile
    if (r.error.isEmpty()) {
        cache_[r.index] = r.image;
        while (cache_.size() > kCacheSize) {
            // Evict the entry farthest from where the user is.
            auto far = cache_.begin();
            for (auto it = cache_.begin(); it != cache_.end(); ++it)
                if (std::abs(it->first - current_) > std::abs(far->first - current_))
                    far = it;
            cache_.erase(far);
        }
    }
    emit loaded(r);
}

} // namespace sinar::ui
