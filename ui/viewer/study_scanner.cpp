#include "ui/viewer/study_scanner.h"

#include <QCollator>
#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <cmath>
#include <exception>
#include <map>

#include "common/error.h"
#include "common/parallel.h"
#include "dicom/dicom_reader.h"
#include "dicom/series_index.h"
#include "dicom/slice_stack.h"
#include "ui/viewer/image_render.h"

namespace sinar::ui {

namespace {

QString q(const std::string& s)
{
    return QString::fromStdString(s).trimmed();
}

QString dicomPersonName(const std::string& s)
{
    // "Last^First^Middle" -> "Last, First Middle"
    QStringList parts = q(s).split('^');
    while (!parts.isEmpty() && parts.last().trimmed().isEmpty())
        parts.removeLast();
    if (parts.size() <= 1)
        return parts.value(0);
    const QString last = parts.takeFirst();
    return last + QStringLiteral(", ") + parts.join(' ').simplified();
}

bool isRasterImage(const QString& path)
{
    const std::string p = path.toStdString();
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("dcm") || suffix == QLatin1String("dicom") || suffix.isEmpty())
        return false;
    return imaging::isImageFileName(p) && !dicom::isDicomFile(p);
}

// Slice order within a series: the volume's (dicom::SliceSorter) -- along the
// slice normal, stack after stack where a series mixes orientations or sizes.
// Only when the sorter does not account for every frame, the index's order
// (instance number, then file name).
std::vector<StackItem> orderedItems(const dicom::SeriesEntry& se, const std::vector<dicom::SliceStack>& stacks)
{
    std::map<std::string, int> frames;
    size_t total = 0;
    for (const auto& in : se.instances) {
        frames[in.path] = std::max(1, in.numberOfFrames);
        total += static_cast<size_t>(std::max(1, in.numberOfFrames));
    }
    std::vector<StackItem> items;
    for (const dicom::SliceStack& stack : stacks)
        for (const dicom::SliceRef& ref : stack.slices)
            items.push_back({QString::fromStdString(ref.path), ref.frame, frames[ref.path], true});
    if (items.size() == total)
        return items;
    items.clear();
    for (const auto& in : se.instances) {
        const int n = std::max(1, in.numberOfFrames);
        for (int fr = 0; fr < n; ++fr)
            items.push_back({QString::fromStdString(in.path), fr, n, true});
    }
    return items;
}

std::shared_ptr<ImageStack> stackFromSeries(const dicom::PatientEntry& p, const dicom::StudyEntry& st,
                                            const dicom::SeriesEntry& se)
{
    SeriesLabels l;
    l.patientName = dicomPersonName(p.name);
    l.patientId = q(p.id);
    l.patientBirthDate = q(p.birthDate);
    l.patientSex = q(p.sex);
    l.studyUid = q(st.uid);
    l.studyDescription = q(st.description);
    l.studyDate = q(st.date);
    l.seriesUid = q(se.uid);
    l.seriesDescription = q(se.description);
    l.modality = q(se.modality);
    l.seriesNumber = se.number;
    if (!se.instances.empty())
        l.bodyPart = q(se.instances.front().bodyPart);
    std::vector<dicom::SliceStack> stacks;
    try {
        stacks = dicom::SliceSorter::sort(se);
    } catch (const Error&) {
        stacks.clear(); // the index's order, and no geometry
    }
    auto stack = std::make_shared<ImageStack>(l, orderedItems(se, stacks));
    stack->dicomSeries = std::make_shared<const dicom::SeriesEntry>(se);
    stack->geometry = dicom::SeriesGeometry::of(stacks);
    return stack;
}

} // namespace

ScanResult StudyScanner::scan(const QStringList& paths, const CancelToken* cancel, const ProgressFn& progress, int thumbnailSize)
{
    ScanResult result;
    std::map<QString, std::vector<QString>> imageFolders; // folder -> raster images
    std::vector<QString> imageFolderOrder;
    std::vector<std::shared_ptr<ImageStack>> built;
    QCollator collator;
    collator.setNumericMode(true);

    auto addImage = [&](const QString& file) {
        const QFileInfo fi(file);
        const QString folder = fi.absolutePath();
        if (!imageFolders.count(folder))
            imageFolderOrder.push_back(folder);
        imageFolders[folder].push_back(fi.absoluteFilePath());
    };

    for (int k = 0; k < paths.size(); ++k) {
        if (cancel)
            cancel->throwIfCancelled();
        const QFileInfo fi(paths[k]);
        const std::string path = fi.absoluteFilePath().toStdString();
        if (!fi.exists()) {
            result.failures.push_back({paths[k].toStdString(), "no such file or folder", FailureKind::NotFound});
            continue;
        }
        if (fi.isFile() && result.focusPath.isEmpty())
            result.focusPath = fi.absoluteFilePath();
        if (fi.isFile() && isRasterImage(fi.absoluteFilePath())) {
            addImage(fi.absoluteFilePath());
            continue;
        }
        if (fi.isFile() && !dicom::isDicomFile(path)) {
            result.failures.push_back({path, "not an image or DICOM file", FailureKind::NotDicom});
            continue;
        }
        dicom::ScanOptions options;
        options.cancel = cancel;
        options.threads = std::max(1, defaultThreadCount() - 1); // leave a core to the window
        if (progress)
            options.progress = [&](long long done, long long total, const std::string&) {
                progress(done, total, "reading headers");
            };
        const dicom::DicomIndex index = dicom::DicomIndex::scan(path, options);
        for (const dicom::PatientEntry& p : index.patients())
            for (const dicom::StudyEntry& st : p.studies)
                for (const dicom::SeriesEntry& se : st.series)
                    if (!se.instances.empty())
                        built.push_back(stackFromSeries(p, st, se));
        for (const FileFailure& f : index.failures()) {
            const QString file = QString::fromStdString(f.file);
            switch (f.kind) {
            case FailureKind::NotDicom:
                if (isRasterImage(file))
                    addImage(file);
                else if (fi.isDir())
                    ++result.skipped; // other files in a folder: not ours to judge
                else
                    result.failures.push_back(f);
                break;
            case FailureKind::NotAnImage:
                if (fi.isDir())
                    ++result.skipped; // reports, plans, directories in a folder: no pixels to show
                else
                    result.failures.push_back(f); // a file opened by name: say why nothing shows
                break;
            default:
                result.failures.push_back(f);
            }
        }
    }

    for (const QString& folder : imageFolderOrder) {
        std::vector<QString>& files = imageFolders[folder];
        std::sort(files.begin(), files.end(), [&](const QString& a, const QString& b) { return collator.compare(a, b) < 0; });
        files.erase(std::unique(files.begin(), files.end()), files.end());
        SeriesLabels l;
        const QDir dir(folder);
        l.seriesDescription = dir.dirName();
        QDir parent = dir;
        l.studyDescription = parent.cdUp() ? parent.dirName() : QString();
        l.studyUid = QStringLiteral("folder:") + (parent.exists() ? parent.absolutePath() : folder);
        l.seriesUid = QStringLiteral("folder:") + folder;
        l.modality = QStringLiteral("OT");
        std::vector<StackItem> items;
        for (const QString& f : files)
            items.push_back({f, 0, 1, false});
        built.push_back(std::make_shared<ImageStack>(l, std::move(items)));
    }

    // Thumbnails: the middle image of each series.
    for (size_t s = 0; thumbnailSize > 0 && s < built.size(); ++s) {
        if (cancel)
            cancel->throwIfCancelled();
        if (progress)
            progress(static_cast<long long>(s), static_cast<long long>(built.size()), "making thumbnails");
        ImageStack& stack = *built[s];
        try {
            stack.thumbnail = makeThumbnail(loadStackItem(stack.item(stack.size() / 2)).image, thumbnailSize);
        } catch (const std::exception&) {
            // No thumbnail; the error shows when the image is opened.
        }
    }
    result.series.assign(built.begin(), built.end());
    return result;
}

} // namespace sinar::ui
