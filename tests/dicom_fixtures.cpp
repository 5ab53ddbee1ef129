#include "dicom_fixtures.h"

#include <QDir>
#include <QtTest>
#include <cmath>
#include <cstdio>
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "dicom/dicom_reader.h"
#include "dicom/series_index.h"

namespace sinar::test {

void copyDicomWith(const QString& src, const QString& dst, const std::function<void(DcmDataset*)>& edit)
{
    DcmFileFormat file;
    QVERIFY2(file.loadFile(src.toStdString().c_str()).good(), qPrintable(src));
    DcmDataset* ds = file.getDataset();
    char uid[100];
    ds->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT));
    if (edit)
        edit(ds);
    QVERIFY2(file.saveFile(dst.toStdString().c_str(), ds->getOriginalXfer()).good(), qPrintable(dst));
}

std::string positionString(const dicom::Vec3& p)
{
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.4f\\%.4f\\%.4f", p[0], p[1], p[2]);
    return buf;
}

dicom::Vec3 positionOf(const QString& path)
{
    return dicom::readInstanceInfo(path.toStdString()).frame(0).position;
}

std::vector<dicom::SliceStack> stacksOf(const QString& folder)
{
    const dicom::DicomIndex index = dicom::DicomIndex::scan(folder.toStdString());
    const auto series = index.allSeries();
    if (series.size() != 1)
        return {};
    return dicom::SliceSorter::sort(*series[0]);
}

QStringList writeTiltedStack(const QStringList& files, const QString& folder, double tiltDegrees, TiltPattern pattern,
                             const std::vector<double>& distances)
{
    QDir().mkpath(folder);
    const double t = tiltDegrees * M_PI / 180.0;
    const dicom::Vec3 p0 = positionOf(files.front());
    char orientation[128];
    if (pattern == TiltPattern::ShearedAxial)
        std::snprintf(orientation, sizeof orientation, "1\\0\\0\\0\\1\\0");
    else
        std::snprintf(orientation, sizeof orientation, "1\\0\\0\\0\\%.6f\\%.6f", std::cos(t), -std::sin(t));
    QStringList out;
    for (int k = 0; k < files.size(); ++k) {
        const double z = distances.at(static_cast<size_t>(k));
        dicom::Vec3 p = p0;
        if (pattern == TiltPattern::ShearedAxial) {
            p[1] += std::tan(t) * z;
            p[2] += z;
        } else {
            p[2] += z / std::cos(t); // the normal (0, sin, cos): z apart along it
        }
        const QString dst = QString("%1/slice%2.dcm").arg(folder).arg(k, 3, 10, QChar('0'));
        copyDicomWith(files[k], dst, [&](DcmDataset* ds) {
            ds->putAndInsertString(DCM_ImagePositionPatient, positionString(p).c_str());
            ds->putAndInsertString(DCM_ImageOrientationPatient, orientation);
        });
        out << dst;
    }
    return out;
}

} // namespace sinar::test
