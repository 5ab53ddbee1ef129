#pragma once
// One image (one frame of one DICOM instance) that annotations or a key-image
// selection refer to, with what a DICOM reference to it needs.
#include <string>

#include "dicom/instance_info.h"

namespace sinar::annotate {

struct ImageRef {
    std::string file; // the image's file, when known (writing needs it: patient and study come from it)
    std::string studyInstanceUid, seriesInstanceUid;
    std::string sopClassUid, sopInstanceUid;
    int frame = 0;      // 0-based; -1 in a file read back: every frame of the instance
    int frameCount = 1; // frames of the instance (a frame number is written when > 1)
    int rows = 0, columns = 0;

    static ImageRef of(const dicom::InstanceInfo& info, int frame)
    {
        ImageRef r;
        r.file = info.path;
        r.studyInstanceUid = info.studyInstanceUid;
        r.seriesInstanceUid = info.seriesInstanceUid;
        r.sopClassUid = info.sopClassUid;
        r.sopInstanceUid = info.sopInstanceUid;
        r.frame = frame;
        r.frameCount = info.numberOfFrames;
        r.rows = info.rows;
        r.columns = info.columns;
        return r;
    }
    // The same image: same instance, and the same frame (or every frame).
    bool sameImage(const std::string& instanceUid, int frameIndex) const
    {
        return sopInstanceUid == instanceUid && (frame < 0 || frame == frameIndex);
    }
};

} // namespace sinar::annotate
