#pragma once
// The small vector geometry every part of Sinar uses for patient coordinates
// (mm, DICOM LPS): dot and cross products, lengths, slice normals.
#include <cmath>

#include "dicom/instance_info.h"

namespace sinar::dicom {

inline double dot(const Vec3& a, const Vec3& b)
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

inline Vec3 cross(const Vec3& a, const Vec3& b)
{
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

inline double length(const Vec3& v)
{
    return std::sqrt(dot(v, v));
}

// The normal of a slice with these row and column directions (row x column).
inline Vec3 sliceNormal(const Vec3& row, const Vec3& column)
{
    return cross(row, column);
}

} // namespace sinar::dicom
