#pragma once
// Turns what the user opened (files, folders, a DICOMDIR) into image stacks
// grouped as Patient -> Study -> Series: DICOM files through dicom::DicomIndex
// (slices sorted along their normal when every slice has a position, else by
// instance number; multi-frame files frame by frame), other images by folder.
// Reads DICOM headers only, plus one image per series for its thumbnail.
// Runs headless, on any thread.
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "ui/viewer/image_stack.h"

namespace sinar::ui {

struct ScanResult {
    std::vector<std::shared_ptr<const ImageStack>> series;
    std::vector<FileFailure> failures; // files that could not be read, and why
    int skipped = 0;                   // files without an image (DICOMDIR, reports, plans, other kinds)
    QString focusPath;                 // the first file opened by name, to show first
};

class StudyScanner {
public:
    // Throws sinar::Cancelled when `cancel` is set.
    static ScanResult scan(const QStringList& paths, const CancelToken* cancel = nullptr, const ProgressFn& progress = {},
                           int thumbnailSize = 64);
};

} // namespace sinar::ui
