#pragma once
// SeriesImageLoader: loads the images of the current series for the viewer.
// Decoding runs off the GUI thread and only the latest request counts (a
// fast scroll skips what it passed); the recently loaded images of the
// series stay in a cache, nearest to where the user is, so scrolling back is
// immediate. Results of another series are dropped. Decodes run on threads
// of their own: one stuck in a codec is left behind when the series changes
// or, after a few seconds, when another image is asked for (LatestRunner).
#include <QObject>
#include <QString>
#include <map>
#include <memory>

#include "ui/viewer/image_stack.h"
#include "ui/widgets/latest_runner.h"

namespace sinar::ui {

class SeriesImageLoader : public QObject {
    Q_OBJECT
public:
    struct Result {
        std::shared_ptr<const ImageStack> stack;
        int index = -1;
        LoadedImage image;
        QString error; // why the image could not be loaded (then `image` is empty)
    };

    explicit SeriesImageLoader(QObject* parent = nullptr);

    // The series requests are for; another series empties the cache.
    void setStack(std::shared_ptr<const ImageStack> stack);
    // Asks for image `index` of the series: `loaded` follows, at once when it
    // is in the cache (dropping a load under way), else from the background.
    void load(int index);
    // Forgets the series, the cache and any load under way.
    void clear();
    bool busy() const { return runner_.busy(); }

signals:
    void loaded(const sinar::ui::SeriesImageLoader::Result& result);

private:
    void onLoaded(Result result);

    std::shared_ptr<const ImageStack> stack_;
    int current_ = -1; // the latest index asked for
    std::map<int, LoadedImage> cache_;
    LatestRunner<Result> runner_;
};

} // namespace sinar::ui
