#pragma once
// Internal to core/dicom: loading a file with DCMTK and reading its attributes.
// Only core/dicom's .cpp files include this header; everything else sees the
// DCMTK-free types of instance_info.h and dicom_reader.h.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dctk.h>
#include <memory>
#include <string>

#include "dicom/instance_info.h"
#include "dicom/tag_dump.h"

namespace sinar::dicom::detail {

// Registers DCMTK's JPEG, JPEG-LS and RLE decoders and silences its logger;
// once per process, safe to call from any thread.
void ensureDcmtkReady();

// Writes `file` to `path` so that a reader never sees half of it: its folders
// created, a temporary file beside it, flushed, renamed over `path`, the
// folder flushed. Throws sinar::Error naming `path` (nothing is left behind).
void saveFileDurably(DcmFileFormat& file, const std::string& path, E_TransferSyntax xfer,
                     E_FileWriteMode mode = EWM_fileformat);

// For new objects Sinar writes (presentation states, key-image selections,
// AI results): a new UID under `root` (SITE_SERIES_UID_ROOT, ...); the local
// date and time as DICOM DA and TM; and the patient and study attributes of
// their source image copied (Type 2 ones present, empty, when it lacks them).
std::string newUid(const char* root);
void nowDateTime(std::string& date, std::string& time);
void copyPatientAndStudy(DcmItem& from, DcmItem& to);

// Cheap check of the first bytes: "DICM" at offset 128, or a data set that
// starts at offset 0 (group 0002/0008, little or big endian).
bool looksLikeDicom(const std::string& path);

// Loads a DICOM file with or without preamble and meta header. Without
// `withPixels`, large values (pixel data) stay on disk until they are used.
// Throws sinar::Error naming the file when it is missing, not DICOM,
// truncated or corrupt.
std::unique_ptr<DcmFileFormat> loadFile(const std::string& path, bool withPixels = false);

// Reads every attribute InstanceInfo describes (classic and enhanced
// multi-frame layouts, RT dose grids).
InstanceInfo readInstanceInfo(DcmFileFormat& file, const std::string& path);

// Every attribute of a loaded file, as dumpTags(path) lists them. Call it
// before the pixel data is decompressed in place (chooseRepresentation).
std::vector<TagEntry> dumpTags(DcmFileFormat& file, size_t maxValueLength = 160);

// The transfer syntax the data set was stored in.
E_TransferSyntax originalTransferSyntax(DcmFileFormat& file);

} // namespace sinar::dicom::detail
