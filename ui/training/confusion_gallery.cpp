#include "ui/training/confusion_gallery.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <atomic>
#include <map>

#include "common/error.h"
#include "data/dataset.h"
#include "imaging/image.h"
#include "imaging/quality.h"
#include "ui/viewer/image_render.h"
#include "ui/widgets/error_text.h"

namespace sinar::ui {

struct ConfusionGallery::Thumb {
    QImage image;
    QString quality; // "mean 80 · contrast 45 · sharpness 0.30 · ok" or the error
    bool flagged = false;
};

namespace {

// Loads a test image: a file, or an .npz sample named "FILE.npz#subset/INDEX".
imaging::Image loadTestImage(const QString& path, std::map<QString, data::Dataset>& archives)
{
    const int hash = path.lastIndexOf(QLatin1Char('#'));
    if (hash > 0 && path.left(hash).endsWith(QLatin1String(".npz"), Qt::CaseInsensitive)) {
        const QString file = path.left(hash);
        const QStringList rest = path.mid(hash + 1).split(QLatin1Char('/'));
        if (rest.size() == 2) {
            const QString key = file + QLatin1Char('#') + rest[0];
            auto it = archives.find(key);
            if (it == archives.end()) {
                data::DatasetOptions o;
                o.subset = rest[0].toStdString();
                it = archives.emplace(key, data::openNpz(file.toStdString(), o)).first;
            }
            bool ok = false;
            const size_t index = rest[1].toULongLong(&ok);
            if (ok && index < it->second.size())
                return it->second.load(index);
        }
        throw Error("no such sample in the archive", path.toStdString());
    }
    return imaging::readImageFile(path.toStdString());
}

} // namespace

std::vector<GalleryEntry> ConfusionGallery::cellEntries(const TrainingOutcome& o, int truth, int predicted)
{
    std::vector<GalleryEntry> out;
    const size_t n = std::min({o.testTruth.size(), o.testProbabilities.size(), o.testPaths.size()});
    for (size_t i = 0; i < n; ++i) {
        const auto& p = o.testProbabilities[i];
        if (o.testTruth[i] != truth || p.empty())
            continue;
        const int arg = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
        if (arg != predicted)
            continue;
        GalleryEntry e;
        e.path = QString::fromStdString(o.testPaths[i]);
        e.confidence = p[static_cast<size_t>(arg)];
        e.truthProbability = truth >= 0 && static_cast<size_t>(truth) < p.size() ? p[static_cast<size_t>(truth)] : 0;
        out.push_back(e);
    }
    std::stable_sort(out.begin(), out.end(), [](const GalleryEntry& a, const GalleryEntry& b) { return a.confidence > b.confidence; });
    return out;
}

ConfusionGallery::ConfusionGallery(const TrainingOutcome& outcome, int truth, int predicted, QWidget* parent)
    : QDialog(parent),
      entries_(cellEntries(outcome, truth, predicted)),
      watcher_(new QFutureWatcher<std::shared_ptr<std::vector<Thumb>>>(this)),
      stop_(std::make_shared<std::atomic<bool>>(false))
{
    const auto name = [&](int c) {
        return c >= 0 && static_cast<size_t>(c) < outcome.test.classNames.size()
                   ? QString::fromStdString(outcome.test.classNames[static_cast<size_t>(c)])
                   : QString::number(c);
    };
    setObjectName(QStringLiteral("confusionGallery"));
    setWindowTitle(tr("True %1, predicted %2 — %3 test images").arg(name(truth), name(predicted)).arg(entries_.size()));
    resize(900, 640);
    auto* layout = new QVBoxLayout(this);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    summary_->setText(
        entries_.empty()
            ? tr("No test image is in this cell.")
            : tr("%1 held-out test images of class <b>%2</b> that the model called <b>%3</b>, most confident first. "
                 "Each shows P(%3), P(%2) and the image's quality measures. Double-click an image to open it in the "
                 "viewer with this model and its heat map.")
                  .arg(entries_.size())
                  .arg(name(truth).toHtmlEscaped(), name(predicted).toHtmlEscaped()));
    list_ = new QListWidget(this);
    list_->setObjectName(QStringLiteral("galleryList"));
    list_->setViewMode(QListView::IconMode);
    list_->setIconSize(QSize(128, 128));
    list_->setGridSize(QSize(190, 220));
    list_->setResizeMode(QListView::Adjust);
    list_->setMovement(QListView::Static);
    list_->setWordWrap(true);
    QPixmap placeholder(128, 128);
    placeholder.fill(Qt::transparent);
    for (const GalleryEntry& e : entries_) {
        const QString probabilities = truth == predicted ? tr("P(%1) %2").arg(name(predicted)).arg(e.confidence, 0, 'f', 3)
                                                         : tr("P(%1) %2\nP(%3) %4")
                                                               .arg(name(predicted))
                                                               .arg(e.confidence, 0, 'f', 3)
                                                               .arg(name(truth))
                                                               .arg(e.truthProbability, 0, 'f', 3);
        auto* item = new QListWidgetItem(probabilities + QStringLiteral("\n…"));
        item->setToolTip(e.path);
        item->setData(Qt::UserRole, e.path);
        item->setIcon(QIcon(placeholder));
        item->setSizeHint(QSize(186, 216));
        item->setTextAlignment(Qt::AlignHCenter | Qt::AlignTop);
        list_->addItem(item);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* open = buttons->addButton(tr("Open in viewer"), QDialogButtonBox::ActionRole);
    layout->addWidget(summary_);
    layout->addWidget(list_, 1);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    connect(open, &QPushButton::clicked, this, [this] {
        if (auto* item = list_->currentItem())
            emit openRequested(item->data(Qt::UserRole).toString());
    });
    connect(list_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit openRequested(item->data(Qt::UserRole).toString()); });

    // Thumbnails and quality measures in the background.
    QStringList paths;
    for (const GalleryEntry& e : entries_)
        paths << e.path;
    auto stop = stop_;
    watcher_->setFuture(QtConcurrent::run([paths, stop]() {
        auto out = std::make_shared<std::vector<Thumb>>();
        std::map<QString, data::Dataset> archives;
        for (const QString& p : paths) {
            Thumb t;
            if (stop->load())
                break;
            try {
                const imaging::Image img = loadTestImage(p, archives);
                t.image = makeThumbnail(img, 128);
                const imaging::QualityReport q = imaging::assessQuality(img);
                t.flagged = !q.ok();
                t.quality = QObject::tr("mean %1 · contrast %2\nsharpness %3 · %4")
                                .arg(q.measures.mean, 0, 'f', 0)
                                .arg(q.measures.contrast, 0, 'f', 0)
                                .arg(q.measures.sharpness, 0, 'f', 2)
                                .arg(q.ok() ? QObject::tr("quality ok") : QString::fromStdString(imaging::describeQualityFlags(q.flags)));
            } catch (const Error& e) {
                t.quality = errorText(e);
                t.flagged = true;
            }
            out->push_back(std::move(t));
        }
        return out;
    }));
    connect(watcher_, &QFutureWatcher<std::shared_ptr<std::vector<Thumb>>>::finished, this, [this] {
        const auto thumbs = watcher_->result();
        for (size_t i = 0; i < thumbs->size() && static_cast<int>(i) < list_->count(); ++i) {
            QListWidgetItem* item = list_->item(static_cast<int>(i));
            const Thumb& t = (*thumbs)[i];
            if (!t.image.isNull())
                item->setIcon(QIcon(QPixmap::fromImage(t.image)));
            QString text = item->text();
            text.replace(QStringLiteral("\n…"), QStringLiteral("\n") + t.quality);
            item->setText(text);
            if (t.flagged)
                item->setForeground(QColor(0xd8, 0xa5, 0x3c));
        }
    });
}

ConfusionGallery::~ConfusionGallery()
{
    stop_->store(true);
    watcher_->disconnect(this);
    watcher_->waitForFinished();
}

bool ConfusionGallery::loading() const
{
    return watcher_->isRunning();
}

} // namespace sinar::ui
