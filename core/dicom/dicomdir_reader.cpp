#include "dicom/dicomdir_reader.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <set>

#include "common/error.h"
#include "dicom/dcmtk_file.h"

namespace sinar::dicom {

namespace {

// Resolves a file ID (components joined by '/') below `base`, ignoring case
// where the exact spelling does not exist.
QString resolve(const QDir& base, const QStringList& components)
{
    QDir dir = base;
    for (int i = 0; i < components.size(); ++i) {
        const QString& c = components[i];
        const bool last = i + 1 == components.size();
        QString found;
        if (QFileInfo::exists(dir.filePath(c)))
            found = c;
        else
            for (const QString& entry : dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden))
                if (entry.compare(c, Qt::CaseInsensitive) == 0) {
                    found = entry;
                    break;
                }
        if (found.isEmpty())
            return {};
        if (last)
            return dir.filePath(found);
        if (!dir.cd(found))
            return {};
    }
    return {};
}

} // namespace

bool DicomDirReader::isDicomDir(const std::string& path)
{
    if (!QFileInfo(QString::fromStdString(path)).isFile() || !detail::looksLikeDicom(path))
        return false;
    try {
        const auto file = detail::loadFile(path);
        OFString sopClass;
        file->getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sopClass);
        if (sopClass == UID_MediaStorageDirectoryStorage)
            return true;
        return file->getDataset()->tagExists(DCM_DirectoryRecordSequence);
    } catch (const Error&) {
        return false;
    }
}

std::vector<std::string> DicomDirReader::referencedFiles(const std::string& path, std::vector<FileFailure>* missing)
{
    const auto file = detail::loadFile(path);
    DcmDataset* ds = file->getDataset();
    DcmSequenceOfItems* records = nullptr;
    if (ds->findAndGetSequence(DCM_DirectoryRecordSequence, records).bad() || !records)
        throw Error("not a DICOMDIR (no directory record sequence)", path);
    const QDir base = QFileInfo(QString::fromStdString(path)).absoluteDir();
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (unsigned long i = 0; i < records->card(); ++i) {
        DcmItem* record = records->getItem(i);
        OFString id;
        if (!record || record->findAndGetOFStringArray(DCM_ReferencedFileID, id).bad() || id.empty())
            continue;
        const QStringList components = QString::fromLatin1(id.c_str()).split('\\', Qt::SkipEmptyParts);
        // A file ID names a file below the DICOMDIR's folder (PS3.10 8.5): ".."
        // or a path separator in a component, or a link that resolves outside
        // the folder, is refused rather than followed.
        const bool climbs = std::any_of(components.begin(), components.end(), [](const QString& c) {
            return c == "." || c == ".." || c.contains('/') || c.contains(QChar(0));
        });
        const QString resolved = climbs ? QString() : resolve(base, components);
        const QString canonical = resolved.isEmpty() ? QString() : QFileInfo(resolved).canonicalFilePath();
        if (climbs || (!canonical.isEmpty() && !canonical.startsWith(base.canonicalPath() + '/'))) {
            if (missing)
                missing->push_back({path, "refused: the DICOMDIR's file ID '" + std::string(id.c_str()) +
                                              "' points outside the DICOMDIR's folder"});
            continue;
        }
        if (resolved.isEmpty()) {
            if (missing)
                missing->push_back({base.filePath(components.join('/')).toStdString(), "referenced by the DICOMDIR but missing"});
            continue;
        }
        const std::string p = QDir::cleanPath(resolved).toStdString();
        if (seen.insert(p).second)
            out.push_back(p);
    }
    return out;
}

} // namespace sinar::dicom
