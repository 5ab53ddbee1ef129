#include "data/patient_groups.h"

#include <QFileInfo>
#include <QStringList>
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/parallel.h"
#include "common/privacy.h"
#include "dicom/dicom_reader.h"
#include "common/text.h"

namespace sinar::data {

namespace {

bool isDicomSample(const Sample& s)
{
    if (!s.pixels.empty() || !privacy::isPatientFile(s.path))
        return false; // in memory (.npz), or a PNG, JPEG, TIFF or BMP file
    const QString suffix = QFileInfo(QString::fromStdString(s.path)).suffix().toLower();
    return suffix == "dcm" || suffix == "dicom" || dicom::isDicomFile(s.path);
}

} // namespace

const std::vector<int>& PatientGroups::requireGroups(const std::string& source) const
{
    if (patients == 0)
        throw Error("cannot keep patients apart: no image in the data set has a PatientID (0010,0020); "
                    "grouping by patient needs DICOM files that name their patient",
                    source);
    return group;
}

PatientGroups readPatientGroups(const Dataset& dataset, const ProgressFn& progress, const CancelToken* cancel)
{
    const size_t n = dataset.size();
    PatientGroups out;
    out.patientIds.resize(n);
    std::mutex mutex;
    std::atomic<long long> done{0};
    const long long total = static_cast<long long>(n);
    parallelFor(n, [&](size_t i) {
        if (cancel)
            cancel->throwIfCancelled();
        const Sample& s = dataset.sample(i);
        if (isDicomSample(s)) {
            try {
                out.patientIds[i] = trimmed(dicom::readInstanceInfo(s.path).patientId);
            } catch (const Error& e) {
                std::lock_guard<std::mutex> lock(mutex);
                out.failures.push_back({s.path, e.message()});
            }
        }
        const long long d = ++done;
        if (progress && (d % 64 == 0 || d == total)) {
            std::lock_guard<std::mutex> lock(mutex);
            progress(d, total, "reading patient IDs");
        }
    });
    std::sort(out.failures.begin(), out.failures.end(),
              [](const FileFailure& a, const FileFailure& b) { return a.file < b.file; });
    std::map<std::string, int> first;
    out.group.resize(n);
    for (size_t i = 0; i < n; ++i) {
        const std::string& id = out.patientIds[i];
        if (id.empty()) {
            out.group[i] = static_cast<int>(i);
            ++out.withoutId;
        } else {
            out.group[i] = first.emplace(id, static_cast<int>(i)).first->second;
        }
    }
    out.patients = first.size();
    return out;
}

} // namespace sinar::data
