#include "dicom/series_index.h"

#include <QDirIterator>
#include <QFileInfo>
#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "common/error.h"
#include "common/parallel.h"
#include "dicom/dicom_reader.h"
#include "dicom/dicomdir_reader.h"
#include "dicom/pixel_pipeline.h"

namespace sinar::dicom {

size_t SeriesEntry::imageCount() const
{
    size_t n = 0;
    for (const InstanceInfo& i : instances)
        n += static_cast<size_t>(std::max(i.numberOfFrames, 1));
    return n;
}

std::vector<const SeriesEntry*> DicomIndex::allSeries() const
{
    std::vector<const SeriesEntry*> out;
    for (const PatientEntry& p : patients_)
        for (const StudyEntry& st : p.studies)
            for (const SeriesEntry& se : st.series)
                out.push_back(&se);
    return out;
}

size_t DicomIndex::imageCount() const
{
    size_t n = 0;
    for (const SeriesEntry* s : allSeries())
        n += s->imageCount();
    return n;
}

size_t DicomIndex::fileCount() const
{
    size_t n = 0;
    for (const SeriesEntry* s : allSeries())
        n += s->instances.size();
    return n;
}

namespace {

std::vector<std::string> listFolder(const QString& folder)
{
    std::vector<std::string> files;
    QDirIterator it(folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString f = it.next();
        if (!QFileInfo(f).fileName().startsWith('.'))
            files.push_back(f.toStdString());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// One file: an image's header, or why it is not one.
std::optional<InstanceInfo> examine(const std::string& path, FileFailure& failure)
{
    failure.file = path;
    try {
        InstanceInfo info = readInstanceInfo(path);
        if (info.sopClassUid == "1.2.840.10008.1.3.10") {
            failure.reason = "DICOMDIR (a directory of the files, not an image)";
            failure.kind = FailureKind::NotAnImage;
            return std::nullopt;
        }
        if (!info.hasPixelData) {
            failure.reason = noPixelDataMessage(info);
            failure.kind = FailureKind::NotAnImage;
            return std::nullopt;
        }
        PixelPipeline check(info); // pixel description the decoder supports
        return info;
    } catch (const Error& e) {
        failure = fileFailure(e, path);
        failure.file = path;
        if (failure.kind == FailureKind::NotDicom)
            failure.reason = "not a DICOM file";
        return std::nullopt;
    }
}

template <typename T, typename Key>
void sortBy(std::vector<T>& v, Key key)
{
    std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

} // namespace

DicomIndex DicomIndex::scan(const std::string& path, const ScanOptions& options)
{
    const QFileInfo fi(QString::fromStdString(path));
    if (!fi.exists())
        throw Error("not found", path);
    DicomIndex index;
    index.root_ = path;

    std::vector<std::string> files;
    if (fi.isDir())
        files = listFolder(fi.absoluteFilePath());
    else if (DicomDirReader::isDicomDir(path))
        files = DicomDirReader::referencedFiles(path, &index.failures_);
    else
        files.push_back(path);

    std::vector<std::optional<InstanceInfo>> infos(files.size());
    std::vector<FileFailure> reasons(files.size());
    std::mutex progressMutex;
    size_t done = 0;
    parallelFor(
        files.size(),
        [&](size_t i) {
            if (options.cancel)
                options.cancel->throwIfCancelled();
            infos[i] = examine(files[i], reasons[i]);
            if (options.progress) {
                std::lock_guard<std::mutex> lock(progressMutex);
                options.progress(static_cast<long long>(++done), static_cast<long long>(files.size()), files[i]);
            }
        },
        options.threads);

    // Group: patient (ID + name) -> study UID -> series UID.
    std::map<std::string, PatientEntry> patients;
    std::map<std::string, std::map<std::string, StudyEntry>> studies;
    std::map<std::string, std::map<std::string, SeriesEntry>> series;
    std::map<std::string, std::string> studyOfSeries, patientOfStudy;
    for (size_t i = 0; i < files.size(); ++i) {
        if (!infos[i]) {
            index.failures_.push_back(reasons[i]);
            continue;
        }
        InstanceInfo& info = *infos[i];
        const std::string patientKey = info.patientId + "\x1f" + info.patientName;
        const std::string studyKey = info.studyInstanceUid.empty() ? "no study UID: " + patientKey : info.studyInstanceUid;
        const std::string seriesKey = info.seriesInstanceUid.empty() ? "no series UID: " + QFileInfo(QString::fromStdString(files[i])).path().toStdString()
                                                                     : info.seriesInstanceUid;
        PatientEntry& p = patients[patientKey];
        if (p.id.empty() && p.name.empty()) {
            p.id = info.patientId;
            p.name = info.patientName;
            p.birthDate = info.patientBirthDate;
            p.sex = info.patientSex;
        }
        StudyEntry& st = studies[patientKey][studyKey];
        if (st.uid.empty()) {
            st.uid = info.studyInstanceUid;
            st.id = info.studyId;
            st.date = info.studyDate;
            st.time = info.studyTime;
            st.description = info.studyDescription;
            st.accessionNumber = info.accessionNumber;
        }
        SeriesEntry& se = series[studyKey + "\x1f" + patientKey][seriesKey];
        if (se.instances.empty()) {
            se.uid = info.seriesInstanceUid;
            se.number = info.seriesNumber;
            se.description = info.seriesDescription;
            se.modality = info.modality;
        }
        se.instances.push_back(std::move(info));
    }
    for (auto& [patientKey, p] : patients) {
        for (auto& [studyKey, st] : studies[patientKey]) {
            for (auto& [seriesKey, se] : series[studyKey + "\x1f" + patientKey]) {
                sortBy(se.instances, [](const InstanceInfo& i) { return std::make_pair(i.instanceNumber, i.path); });
                st.series.push_back(std::move(se));
            }
            sortBy(st.series, [](const SeriesEntry& s) { return std::make_pair(s.number, s.description); });
            p.studies.push_back(std::move(st));
        }
        sortBy(p.studies, [](const StudyEntry& s) { return std::make_pair(s.date, s.time); });
        index.patients_.push_back(std::move(p));
    }
    sortBy(index.patients_, [](const PatientEntry& p) { return std::make_pair(p.name, p.id); });
    sortBy(index.failures_, [](const FileFailure& f) { return f.file; });
    return index;
}

} // namespace sinar::dicom
