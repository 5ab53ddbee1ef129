#include "ui/viewer/image_stack.h"

#include "common/error.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <memory>
#include <mutex>

#include "dicom/dicom_reader.h"

namespace sinar::ui {

ImageStack::ImageStack(SeriesLabels labels, std::vector<StackItem> items)
    : labels_(std::move(labels)), items_(std::move(items))
{
}

QString ImageStack::itemName(size_t i) const
{
    const StackItem& it = items_.at(i);
    const QString name = QFileInfo(it.path).fileName();
    if (it.frameCount > 1)
        return QStringLiteral("%1, frame %2/%3").arg(name).arg(it.frame + 1).arg(it.frameCount);
    return name;
}

int ImageStack::indexOf(const QString& path) const
{
    const QString wanted = QFileInfo(path).absoluteFilePath();
    for (size_t i = 0; i < items_.size(); ++i)
        if (QFileInfo(items_[i].path).absoluteFilePath() == wanted)
            return static_cast<int>(i);
    return -1;
}

QString ImageStack::title() const
{
    QString t = labels_.seriesDescription;
    if (t.isEmpty())
        t = labels_.modality.isEmpty() ? QStringLiteral("Series") : labels_.modality + QStringLiteral(" series");
    if (labels_.seriesNumber > 0)
        t = QStringLiteral("%1: %2").arg(labels_.seriesNumber).arg(t);
    return t;
}

QStringList geometryWarnings(const dicom::SeriesGeometry& g)
{
    QStringList out;
    if (!g.isVolume)
        return out;
    auto tr = [](const char* text) { return QCoreApplication::translate("sinar::ui::ImageStack", text); };
    if (g.sheared)
        out << tr("Gantry tilt %1°").arg(g.tiltDegrees, 0, 'f', 1);
    if (!g.spacingRegular && g.smallestGap != g.largestGap)
        out << tr("Irregular spacing %1–%2 mm").arg(g.smallestGap, 0, 'g', 3).arg(g.largestGap, 0, 'g', 3);
    if (g.missingSlices == 1)
        out << tr("1 missing slice");
    else if (g.missingSlices > 1)
        out << tr("%1 missing slices").arg(g.missingSlices);
    return out;
}

QString geometryCorrectionText(const dicom::SeriesGeometry& g)
{
    if (!g.isVolume || !g.corrected)
        return {};
    auto tr = [](const char* text) { return QCoreApplication::translate("sinar::ui::ImageStack", text); };
    QStringList parts;
    parts << (g.sheared ? tr("MPR shear corrected") : tr("MPR resampled onto a regular grid"));
    if (g.interpolatedPlanes == 1)
        parts << tr("1 interpolated plane");
    else if (g.interpolatedPlanes > 1)
        parts << tr("%1 interpolated planes").arg(g.interpolatedPlanes);
    return parts.join(QStringLiteral(", "));
}

namespace {

// Multi-frame files are scrolled frame by frame: keep the last opened reader,
// so its (possibly decompressed) pixel data is not read again for every frame.
std::shared_ptr<const dicom::DicomReader> openReader(const QString& path)
{
    static std::mutex mutex;
    static QString lastPath;
    static std::shared_ptr<const dicom::DicomReader> lastReader;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (lastReader && lastPath == path)
            return lastReader;
    }
    auto reader = std::make_shared<const dicom::DicomReader>(path.toStdString(), 1);
    std::lock_guard<std::mutex> lock(mutex);
    if (reader->frameCount() > 1) {
        lastPath = path;
        lastReader = reader;
    }
    return reader;
}

} // namespace

LoadedImage loadStackItem(const StackItem& item)
{
    LoadedImage out;
    if (!item.dicom) {
        out.image = imaging::readImageFile(item.path.toStdString());
        return out;
    }
    const auto reader = openReader(item.path);
    dicom::Frame f = reader->frame(item.frame);
    out.image = std::move(f.image);
    out.dicom = true;
    out.info = reader->info();
    out.frame = f.attributes;
    try {
        out.tags = reader->tags(); // from the reader's parse of the file: it is not read a second time
    } catch (const Error& e) {
        out.tagError = QString::fromStdString(e.message());
    }
    return out;
}

} // namespace sinar::ui
