#include "dicom/tag_dump.h"

#include <cstdio>

#include "dicom/dcmtk_file.h"

namespace sinar::dicom {

namespace {

constexpr Uint32 kBulkLength = 1024;

void walk(DcmItem* item, int depth, size_t maxValueLength, std::vector<TagEntry>& out)
{
    if (!item)
        return;
    for (unsigned long i = 0; i < item->card(); ++i) {
        DcmElement* e = item->getElement(i);
        if (!e)
            continue;
        DcmTag tag = e->getTag();
        TagEntry t;
        char buf[16];
        std::snprintf(buf, sizeof buf, "(%04X,%04X)", tag.getGTag(), tag.getETag());
        t.tag = buf;
        t.vr = DcmVR(e->getVR()).getVRName();
        t.name = tag.getTagName();
        t.depth = depth;
        if (e->ident() == EVR_SQ) {
            auto* sq = static_cast<DcmSequenceOfItems*>(e);
            t.value = std::to_string(sq->card()) + (sq->card() == 1 ? " item" : " items");
            out.push_back(t);
            for (unsigned long k = 0; k < sq->card(); ++k)
                walk(sq->getItem(k), depth + 1, maxValueLength, out);
            continue;
        }
        const Uint32 length = e->getLength();
        if (tag == DCM_PixelData || e->ident() == EVR_pixelSQ || length > kBulkLength) {
            t.value = length == DCM_UndefinedLength ? std::string("(encapsulated)") : "(" + std::to_string(length) + " bytes)";
        } else {
            OFString v;
            if (e->getOFStringArray(v).good())
                t.value = v.c_str();
            if (t.value.size() > maxValueLength)
                t.value = t.value.substr(0, maxValueLength) + "…";
        }
        out.push_back(t);
    }
}

} // namespace

namespace detail {

std::vector<TagEntry> dumpTags(DcmFileFormat& file, size_t maxValueLength)
{
    std::vector<TagEntry> out;
    walk(file.getMetaInfo(), 0, maxValueLength, out);
    walk(file.getDataset(), 0, maxValueLength, out);
    return out;
}

} // namespace detail

std::vector<TagEntry> dumpTags(const std::string& path, size_t maxValueLength)
{
    detail::ensureDcmtkReady();
    const std::unique_ptr<DcmFileFormat> file = detail::loadFile(path, false);
    return detail::dumpTags(*file, maxValueLength);
}

} // namespace sinar::dicom
