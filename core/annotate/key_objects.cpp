#include "annotate/key_objects.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmsr/codes/dcm.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include "common/error.h"
#include "common/text.h"
#include "dicom/dcmtk_file.h"

namespace sinar::annotate {

const char* sinarKeyImagesDescription()
{
    return "Sinar key images";
}

std::string writeKeyObjectSelection(const std::string& path, const std::vector<ImageRef>& images,
                                    const std::string& description)
{
    dicom::detail::ensureDcmtkReady();
    if (images.empty())
        throw Error("no key images to save", path);
    const ImageRef& first = images.front();
    for (const ImageRef& r : images) {
        if (r.studyInstanceUid != first.studyInstanceUid)
            throw Error("key images of two studies cannot share one selection (" + first.studyInstanceUid + ", " +
                            r.studyInstanceUid + ")",
                        path);
        if (r.sopInstanceUid.empty() || r.sopClassUid.empty() || r.seriesInstanceUid.empty())
            throw Error("a key image has no SOP Instance, SOP Class or Series UID", r.file.empty() ? path : r.file);
    }
    std::unique_ptr<DcmFileFormat> source = dicom::detail::loadFile(first.file);

    DSRDocument doc(DSRTypes::DT_KeyObjectSelectionDocument);
    DSRDocumentTree& tree = doc.getTree();
    tree.addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container);
    tree.getCurrentContentItem().setConceptName(CODE_DCM_OfInterest);
    DSRTypes::E_AddMode mode = DSRTypes::AM_belowCurrent;
    if (!description.empty()) {
        tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Text, mode);
        tree.getCurrentContentItem().setConceptName(CODE_DCM_KeyObjectDescription);
        tree.getCurrentContentItem().setStringValue(description.c_str(), OFFalse);
        mode = DSRTypes::AM_afterCurrent;
    }
    for (const ImageRef& r : images) {
        tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Image, mode);
        mode = DSRTypes::AM_afterCurrent;
        DSRImageReferenceValue value(r.sopClassUid.c_str(), r.sopInstanceUid.c_str(), OFFalse);
        if (r.frameCount > 1 && r.frame >= 0)
            value.getFrameList().addItem(r.frame + 1);
        const OFCondition set = tree.getCurrentContentItem().setImageReference(value, OFFalse);
        if (set.bad())
            throw Error(std::string("cannot reference a key image: ") + set.text(), r.file);
        doc.getCurrentRequestedProcedureEvidence().addItem(r.studyInstanceUid.c_str(), r.seriesInstanceUid.c_str(),
                                                           r.sopClassUid.c_str(), r.sopInstanceUid.c_str(), OFFalse);
    }
    doc.createNewSeriesInStudy(first.studyInstanceUid.c_str());
    doc.setSeriesDescription(sinarKeyImagesDescription());
    doc.setManufacturer("Sinar");
    doc.setSoftwareVersions(SINAR_VERSION);
    doc.setInstanceNumber("1");
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    const OFCondition written = doc.write(*ds);
    if (written.bad())
        throw Error(std::string("cannot build the key object selection: ") + written.text(), path);
    dicom::detail::copyPatientAndStudy(*source->getDataset(), *ds);
    ds->putAndInsertString(DCM_SeriesNumber, "9202");
    OFString instance;
    ds->findAndGetOFString(DCM_SOPInstanceUID, instance);
    dicom::detail::saveFileDurably(file, path, EXS_LittleEndianExplicit);
    return instance.c_str();
}

KeyObjectSelection readKeyObjectSelection(const std::string& path)
{
    std::unique_ptr<DcmFileFormat> file = dicom::detail::loadFile(path);
    DcmDataset* ds = file->getDataset();
    OFString sopClass;
    ds->findAndGetOFString(DCM_SOPClassUID, sopClass);
    if (sopClass != UID_KeyObjectSelectionDocumentStorage)
        throw Error(std::string("not a key object selection document (SOP class ") + sopClass.c_str() + ")", path);
    DSRDocument doc;
    const OFCondition read = doc.read(*ds);
    if (read.bad())
        throw Error(std::string("broken key object selection: ") + read.text(), path);
    KeyObjectSelection kos;
    kos.path = path;
    OFString s;
    ds->findAndGetOFString(DCM_SOPInstanceUID, s);
    kos.sopInstanceUid = trimmed(s.c_str());
    ds->findAndGetOFString(DCM_StudyInstanceUID, s);
    kos.studyInstanceUid = trimmed(s.c_str());
    ds->findAndGetOFStringArray(DCM_SeriesDescription, s);
    kos.seriesDescription = trimmed(s.c_str());
    DSRDocumentTree& tree = doc.getTree();
    if (tree.gotoRoot() == 0)
        throw Error("the key object selection has no content", path);
    kos.title = tree.getCurrentContentItem().getConceptName().getCodeMeaning().c_str();
    DSRSOPInstanceReferenceList& evidence = doc.getCurrentRequestedProcedureEvidence();
    do {
        DSRContentItem& item = tree.getCurrentContentItem();
        if (item.getValueType() == DSRTypes::VT_Text && item.getConceptName() == CODE_DCM_KeyObjectDescription) {
            kos.description = item.getStringValue().c_str();
        } else if (item.getValueType() == DSRTypes::VT_Image && item.getImageReferencePtr()) {
            const DSRImageReferenceValue& v = *item.getImageReferencePtr();
            ImageRef r;
            r.studyInstanceUid = kos.studyInstanceUid;
            r.sopClassUid = v.getSOPClassUID().c_str();
            r.sopInstanceUid = v.getSOPInstanceUID().c_str();
            if (evidence.gotoItem(v.getSOPClassUID(), v.getSOPInstanceUID()).good()) {
                r.seriesInstanceUid = evidence.getSeriesInstanceUID(s).c_str();
                r.studyInstanceUid = evidence.getStudyInstanceUID(s).c_str();
            }
            const DSRImageFrameList& frames = v.getFrameList();
            if (frames.isEmpty()) {
                r.frame = -1;
                kos.images.push_back(r);
            }
            for (size_t f = 1; f <= frames.getNumberOfItems(); ++f) {
                r.frame = frames.getItem(f) - 1;
                kos.images.push_back(r);
            }
        }
    } while (tree.iterate());
    return kos;
}

} // namespace sinar::annotate
