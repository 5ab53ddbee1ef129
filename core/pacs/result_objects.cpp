#include "pacs/result_objects.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>
#include <dcmtk/dcmsr/dsrdoc.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "dicom/dcmtk_file.h"

namespace fs = std::filesystem;

namespace sinar::pacs {

namespace {

using dicom::detail::copyPatientAndStudy;
using dicom::detail::newUid;
using dicom::detail::nowDateTime;

// Sinar's own concepts, in a private coding scheme ("99" prefix, PS3.16 8.2).
const char* const kScheme = "99SINAR";

std::string percent(float p)
{
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", 100.0 * p);
    return b;
}

std::string fit(const std::string& s, size_t n)
{
    return s.size() <= n ? s : s.substr(0, n);
}

void save(DcmFileFormat& file, const std::string& path)
{
    dicom::detail::saveFileDurably(file, path, EXS_LittleEndianExplicit);
}

} // namespace

ResultWriter::ResultWriter(std::string outDir) : outDir_(std::move(outDir))
{
    dicom::detail::ensureDcmtkReady();
}

ResultFiles ResultWriter::write(const AiResult& r)
{
    if (r.classNames.empty() || r.classNames.size() != r.probabilities.size() || r.predicted < 0 ||
        r.predicted >= static_cast<int>(r.classNames.size()))
        throw Error("a result needs one probability per class and a predicted class", r.sourceFile);
    if (r.overlay.empty() || r.overlay.type() != CV_8UC3)
        throw Error("a result needs its heat-map overlay as an 8-bit RGB image", r.sourceFile);

    DcmFileFormat source;
    if (source.loadFile(r.sourceFile.c_str(), EXS_Unknown, EGL_noChange, 4096).bad())
        throw Error("cannot read the classified DICOM file again", r.sourceFile);
    DcmDataset* src = source.getDataset();
    OFString studyUid, sourceSeries, sourceClass, sourceInstance;
    src->findAndGetOFString(DCM_StudyInstanceUID, studyUid);
    src->findAndGetOFString(DCM_SeriesInstanceUID, sourceSeries);
    src->findAndGetOFString(DCM_SOPClassUID, sourceClass);
    src->findAndGetOFString(DCM_SOPInstanceUID, sourceInstance);
    if (studyUid.empty() || sourceClass.empty() || sourceInstance.empty())
        throw Error("the classified file has no study or instance UID: results cannot be filed with it", r.sourceFile);

    StudySeries& series = studies_[studyUid.c_str()];
    if (series.captureSeries.empty()) {
        series.captureSeries = newUid(SITE_SERIES_UID_ROOT);
        series.reportSeries = newUid(SITE_SERIES_UID_ROOT);
    }
    const int number = series.next++;
    std::string date, time;
    nowDateTime(date, time);
    const std::string predicted = r.classNames[static_cast<size_t>(r.predicted)];
    const std::string explained = r.classNames[static_cast<size_t>(std::clamp(r.heatMapClass, 0, int(r.classNames.size()) - 1))];
    ResultFiles out;

    // The Secondary Capture of the overlay.
    const std::string captureInstance = newUid(SITE_INSTANCE_UID_ROOT);
    {
        DcmFileFormat file;
        DcmDataset* ds = file.getDataset();
        copyPatientAndStudy(*src, *ds);
        ds->putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
        ds->putAndInsertString(DCM_SOPInstanceUID, captureInstance.c_str());
        ds->putAndInsertString(DCM_SeriesInstanceUID, series.captureSeries.c_str());
        ds->putAndInsertString(DCM_Modality, "OT");
        ds->putAndInsertString(DCM_ConversionType, "WSD");
        ds->putAndInsertString(DCM_SeriesNumber, "9101");
        ds->putAndInsertString(DCM_InstanceNumber, std::to_string(number).c_str());
        ds->putAndInsertString(DCM_SeriesDescription, fit("Sinar heat map: " + r.heatMapMethod + ", " + r.modelName, 64).c_str());
        ds->putAndInsertString(DCM_ImageType, "DERIVED\\SECONDARY");
        ds->putAndInsertString(DCM_DerivationDescription,
                               fit(r.heatMapMethod + " heat map of class " + explained + " by model " + r.modelName +
                                       " " + r.modelVersion + "; finding " + predicted + " " +
                                       percent(r.probabilities[size_t(r.predicted)]) + " %" +
                                       (r.reliable ? "" : "; NOT RELIABLE: " + r.scopeVerdict + " " + r.oodVerdict),
                                   1024)
                                   .c_str());
        ds->putAndInsertString(DCM_ContentDate, date.c_str());
        ds->putAndInsertString(DCM_ContentTime, time.c_str());
        ds->putAndInsertString(DCM_SeriesDate, date.c_str());
        ds->putAndInsertString(DCM_SeriesTime, time.c_str());
        ds->putAndInsertString(DCM_Manufacturer, "Sinar");
        ds->putAndInsertString(DCM_SoftwareVersions, SINAR_VERSION);
        ds->putAndInsertString(DCM_BurnedInAnnotation, "NO");
        ds->putAndInsertString(DCM_PatientOrientation, "");
        auto* ref = new DcmItem;
        ref->putAndInsertString(DCM_ReferencedSOPClassUID, sourceClass.c_str());
        ref->putAndInsertString(DCM_ReferencedSOPInstanceUID, sourceInstance.c_str());
        if (r.frame > 0)
            ref->putAndInsertString(DCM_ReferencedFrameNumber, std::to_string(r.frame + 1).c_str());
        if (ds->insertSequenceItem(DCM_SourceImageSequence, ref).bad())
            delete ref;
        // The pixels: 8-bit RGB, interleaved.
        cv::Mat rgb = r.overlay.isContinuous() ? r.overlay : r.overlay.clone();
        ds->putAndInsertUint16(DCM_SamplesPerPixel, 3);
        ds->putAndInsertString(DCM_PhotometricInterpretation, "RGB");
        ds->putAndInsertUint16(DCM_PlanarConfiguration, 0);
        ds->putAndInsertUint16(DCM_Rows, static_cast<Uint16>(rgb.rows));
        ds->putAndInsertUint16(DCM_Columns, static_cast<Uint16>(rgb.cols));
        ds->putAndInsertUint16(DCM_BitsAllocated, 8);
        ds->putAndInsertUint16(DCM_BitsStored, 8);
        ds->putAndInsertUint16(DCM_HighBit, 7);
        ds->putAndInsertUint16(DCM_PixelRepresentation, 0);
        ds->putAndInsertUint8Array(DCM_PixelData, rgb.ptr<Uint8>(), static_cast<unsigned long>(rgb.total() * 3));
        out.secondaryCapture = (fs::path(outDir_) / studyUid.c_str() / series.captureSeries / (captureInstance + ".dcm")).string();
        save(file, out.secondaryCapture);
    }

    // The Comprehensive SR.
    {
        DSRDocument doc(DSRTypes::DT_ComprehensiveSR);
        DSRDocumentTree& tree = doc.getTree();
        tree.addContentItem(DSRTypes::RT_isRoot, DSRTypes::VT_Container);
        tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("AIRESULT", kScheme, "AI classification result"));
        auto text = [&](DSRTypes::E_AddMode mode, const DSRCodedEntryValue& concept, const std::string& value) {
            tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Text, mode);
            tree.getCurrentContentItem().setConceptName(concept);
            tree.getCurrentContentItem().setStringValue(value.empty() ? "-" : value.c_str(), OFFalse);
        };
        text(DSRTypes::AM_belowCurrent, DSRCodedEntryValue("111001", "DCM", "Algorithm Name"), r.modelName);
        text(DSRTypes::AM_afterCurrent, DSRCodedEntryValue("111003", "DCM", "Algorithm Version"),
             r.modelVersion + " (Sinar " + SINAR_VERSION + ")");
        text(DSRTypes::AM_afterCurrent, DSRCodedEntryValue("121071", "DCM", "Finding"),
             predicted + " (" + percent(r.probabilities[size_t(r.predicted)]) + " %)");
        for (size_t c = 0; c < r.classNames.size(); ++c) {
            tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Num, DSRTypes::AM_afterCurrent);
            tree.getCurrentContentItem().setConceptName(
                DSRCodedEntryValue(("P" + std::to_string(c)).c_str(), kScheme, fit("Probability: " + r.classNames[c], 64).c_str()));
            tree.getCurrentContentItem().setNumericValue(
                DSRNumericMeasurementValue(percent(r.probabilities[c]).c_str(), DSRCodedEntryValue("%", "UCUM", "percent")),
                OFFalse);
        }
        text(DSRTypes::AM_afterCurrent, DSRCodedEntryValue("SCOPE", kScheme, "Model scope verdict"), r.scopeVerdict);
        text(DSRTypes::AM_afterCurrent, DSRCodedEntryValue("OOD", kScheme, "Out-of-distribution verdict"), r.oodVerdict);
        text(DSRTypes::AM_afterCurrent, DSRCodedEntryValue("RELIANCE", kScheme, "Reliance on this result"),
             r.reliable ? "Decision support: the image is within what the model was made for. A clinician decides."
                        : "Do not rely on this result: the image is outside what the model can judge (see the "
                          "verdicts above).");
        tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Image, DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("121112", "DCM", "Source of Measurement"));
        tree.getCurrentContentItem().setImageReference(DSRImageReferenceValue(sourceClass, sourceInstance), OFFalse);
        tree.addContentItem(DSRTypes::RT_contains, DSRTypes::VT_Image, DSRTypes::AM_afterCurrent);
        tree.getCurrentContentItem().setConceptName(DSRCodedEntryValue("HEATMAP", kScheme, "Heat map overlay"));
        tree.getCurrentContentItem().setImageReference(
            DSRImageReferenceValue(UID_SecondaryCaptureImageStorage, captureInstance.c_str()), OFFalse);
        doc.getCurrentRequestedProcedureEvidence().addItem(studyUid, sourceSeries, sourceClass, sourceInstance, OFFalse);
        doc.getCurrentRequestedProcedureEvidence().addItem(studyUid, series.captureSeries.c_str(),
                                                           UID_SecondaryCaptureImageStorage, captureInstance.c_str(),
                                                           OFFalse);
        doc.createNewSeriesInStudy(studyUid);
        doc.setSeriesDescription(fit("Sinar AI result: " + r.modelName, 64).c_str());
        doc.setManufacturer("Sinar");
        doc.setSoftwareVersions(SINAR_VERSION);
        doc.setInstanceNumber(std::to_string(number).c_str());
        DcmFileFormat file;
        DcmDataset* ds = file.getDataset();
        const OFCondition cond = doc.write(*ds);
        if (cond.bad())
            throw Error(std::string("cannot build the structured report: ") + cond.text(), r.sourceFile);
        copyPatientAndStudy(*src, *ds);
        ds->putAndInsertString(DCM_SeriesInstanceUID, series.reportSeries.c_str());
        ds->putAndInsertString(DCM_SeriesNumber, "9102");
        OFString instance;
        ds->findAndGetOFString(DCM_SOPInstanceUID, instance);
        out.structuredReport = (fs::path(outDir_) / studyUid.c_str() / series.reportSeries / (std::string(instance.c_str()) + ".dcm")).string();
        save(file, out.structuredReport);
    }
    return out;
}

} // namespace sinar::pacs
