#include "imaging/image.h"
#include "imaging/codecs.h"

#include <QFileInfo>
#include <algorithm>
#include <cstdlib>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "common/error.h"
#include "common/json_io.h"
#include "common/limits.h"
#include "dicom/dicom_reader.h"

namespace sinar::imaging {

namespace {

std::string lowerSuffix(const std::string& path)
{
    return QFileInfo(QString::fromStdString(path)).suffix().toLower().toStdString();
}

bool startsWith(const std::string& bytes, const char* magic, size_t n)
{
    return bytes.size() >= n && std::equal(magic, magic + n, bytes.begin());
}

// libjpeg "succeeds" on a truncated stream and fills the rest with grey:
// a JPEG must end with its EOI marker (possibly followed by padding).
bool jpegHasEnd(const std::string& bytes)
{
    const size_t tail = std::min<size_t>(bytes.size(), 64);
    for (size_t i = bytes.size() - tail; i + 1 < bytes.size(); ++i)
        if (static_cast<unsigned char>(bytes[i]) == 0xFF && static_cast<unsigned char>(bytes[i + 1]) == 0xD9)
            return true;
    return false;
}

} // namespace

bool isImageFileName(const std::string& path)
{
    static const char* exts[] = {"png", "jpg", "jpeg", "bmp", "tif", "tiff", "dcm", "dicom"};
    const std::string s = lowerSuffix(path);
    if (std::any_of(std::begin(exts), std::end(exts), [&](const char* e) { return s == e; }))
        return true;
    // DICOM files from CDs and PACS exports often have no suffix, are named by
    // their UID (a numeric "suffix") or use a vendor's: look at the content.
    const bool numeric = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    return (s.empty() || numeric || s == "ima" || s == "dic" || s == "dc3") && dicom::isDicomFile(path);
}

Image imageFromMat(const cv::Mat& mat, const std::string& source)
{
    if (mat.empty())
        throw Error("image has no pixels", source);
    cv::Mat m = mat;
    if (m.channels() == 4)
        cv::cvtColor(m, m, cv::COLOR_BGRA2RGB);
    else if (m.channels() == 3)
        cv::cvtColor(m, m, cv::COLOR_BGR2RGB);
    else if (m.channels() != 1)
        throw Error("unsupported number of channels: " + std::to_string(m.channels()), source);
    Image img;
    m.convertTo(img.pixels, m.channels() == 1 ? CV_32FC1 : CV_32FC3);
    img.source = source;
    const double maxValue = (m.depth() == CV_16U) ? 65535.0 : (m.depth() == CV_8U ? 255.0 : 0.0);
    if (maxValue > 0)
        img.windows.push_back({"full range", maxValue / 2.0, maxValue});
    return img;
}

// OpenCV's own cap on decoded pixels (read on its first decode; a user's
// setting wins): 2^28 pixels keep the largest decoded image (4 channels of
// 16 bits) within kMaxImageBytes.
[[maybe_unused]] const bool openCvPixelCap = [] { return ::setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "268435456", 0) == 0; }();

void prepareImageCodecs()
{
    static const bool ready = [] {
        // Any look-up fills OpenCV's codec table; a byte matches no codec.
        const cv::Mat probe(1, 1, CV_8U, cv::Scalar(0));
        return cv::imdecode(probe, cv::IMREAD_UNCHANGED).empty();
    }();
    (void)ready;
}

Image readImageFile(const std::string& path)
{
    // DICOM ("DICM" at offset 128, or a bare data set; any suffix or none):
    // the first frame, real values, the file's first window as default.
    if (dicom::isDicomFile(path) || lowerSuffix(path) == "dcm" || lowerSuffix(path) == "dicom")
        return dicom::readDicomFrame(path, 0, 1).image;
    // The encoded file is read whole: no larger than the decoded image may be.
    checkImageBytes(requireRegularFile(path), "the image file", "its size on disk", path);
    const std::string bytes = readDataFileBytes(path);
    if (bytes.empty())
        throw Error("file is empty", path);
    const bool isJpeg = startsWith(bytes, "\xFF\xD8\xFF", 3);
    const bool isPng = startsWith(bytes, "\x89PNG", 4);
    const bool isBmp = startsWith(bytes, "BM", 2);
    const bool isTiff = startsWith(bytes, "II*\0", 4) || startsWith(bytes, "MM\0*", 4);
    if (!isJpeg && !isPng && !isBmp && !isTiff)
        throw Error("not a DICOM, PNG, JPEG, BMP or TIFF image", path);
    if (isJpeg && !jpegHasEnd(bytes))
        throw Error("JPEG data is truncated (no end-of-image marker)", path);

    prepareImageCodecs();
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<char*>(bytes.data()));
    cv::Mat mat;
    try {
        mat = cv::imdecode(raw, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        if (std::string(e.what()).find("CV_IO_MAX_IMAGE_PIXELS") != std::string::npos)
            throw Error("the image has more than 268 million pixels, more than Sinar's limit of 2 GiB per image or "
                        "volume allows",
                        path);
        throw Error(std::string("cannot decode image: ") + firstLine(e.what()), path);
    }
    if (mat.empty())
        throw Error("cannot decode image (corrupt or unsupported variant)", path);
    if (mat.depth() != CV_8U && mat.depth() != CV_16U) {
        cv::Mat f;
        mat.convertTo(f, CV_32F);
        mat = f;
    }
    return imageFromMat(mat, path);
}

} // namespace sinar::imaging
