#include "dicom/instance_info.h"
#include "dicom/geometry.h"

#include <algorithm>
#include <cmath>

namespace sinar::dicom {

double Lut::lookup(double value) const
{
    if (data.empty())
        return value;
    const double index = std::floor(value) - firstMapped;
    if (index <= 0)
        return data.front();
    if (index >= static_cast<double>(data.size() - 1))
        return data.back();
    return data[static_cast<size_t>(index)];
}

Vec3 FrameAttributes::normal() const
{
    return sliceNormal(rowDirection, columnDirection);
}

const FrameAttributes& InstanceInfo::frame(int index) const
{
    static const FrameAttributes none;
    if (frames.empty())
        return none;
    return frames[static_cast<size_t>(std::clamp(index, 0, static_cast<int>(frames.size()) - 1))];
}

uint64_t InstanceInfo::nativeTotalBits() const
{
    uint64_t samples = static_cast<uint64_t>(rows) * static_cast<uint64_t>(columns) * static_cast<uint64_t>(samplesPerPixel);
    // YBR_FULL_422 and YBR_PARTIAL_422 share one Cb/Cr pair between two pixels.
    if (samplesPerPixel == 3 && (photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422"))
        samples = static_cast<uint64_t>(rows) * static_cast<uint64_t>(columns) * 2;
    return samples * static_cast<uint64_t>(std::max(bitsAllocated, 0)) * static_cast<uint64_t>(std::max(numberOfFrames, 1));
}

std::string noPixelDataMessage(const InstanceInfo& info)
{
    if (!info.hasFloatPixelData)
        return "not an image: no pixel data (" + (info.sopClassName.empty() ? std::string("unknown object") : info.sopClassName) + ")";
    return "not an image Sinar reads: its pixels are floating-point values (Float Pixel Data, (7FE0,0008) or (7FE0,0009)" +
           (info.sopClassName.empty() ? std::string() : ", in a " + info.sopClassName) +
           "); Sinar reads integer pixel data (7FE0,0010)";
}

} // namespace sinar::dicom
