#pragma once
// DICOM fixtures made from the shared real data by the suites that need them:
// copies with an edited data set (positions, orientation), gantry-tilted
// stacks, and the slice stacks of a folder.
#include <QString>
#include <QStringList>
#include <functional>
#include <string>
#include <vector>

#include "dicom/instance_info.h"
#include "dicom/slice_stack.h"

class DcmDataset;

namespace sinar::test {

// Copies a DICOM file, changing its data set on the way (new SOP Instance UID).
// Fails the calling test when it cannot read or write.
void copyDicomWith(const QString& src, const QString& dst, const std::function<void(DcmDataset*)>& edit = {});

std::string positionString(const dicom::Vec3& p);
dicom::Vec3 positionOf(const QString& path);

// The stacks of the one series in `folder` (empty when it holds more or none).
std::vector<dicom::SliceStack> stacksOf(const QString& folder);

enum class TiltPattern {
    // Orientation axial (1\0\0\0\1\0): the slices stay axial and each one's
    // position moves along the column direction (y) by tan(tilt) times its
    // distance along the normal.
    ShearedAxial,
    // As a tilted gantry writes it: the column direction tilted about the row
    // (0, cos, -sin) and the positions moving along z (the table) only.
    TiltedGantry,
};

// Writes `files` (one slice each) to `folder` as a stack tilted by
// `tiltDegrees`, slice k at `distances[k]` mm along the normal from the first
// file's position; returns the written files, in the same order.
QStringList writeTiltedStack(const QStringList& files, const QString& folder, double tiltDegrees, TiltPattern pattern,
                             const std::vector<double>& distances);

} // namespace sinar::test
