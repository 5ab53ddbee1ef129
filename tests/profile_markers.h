#pragma once
// Marker values for every attribute of the PS3.15 Basic Confidentiality
// Profile (Table E.1-1), written into real DICOM files by the tests that check
// no patient data leaks (test_patient_data) and that an anonymised export
// leaves none (test_pacs).
#include <QString>
#include <string>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include "dicom/confidentiality_profile.h"

namespace sinar::test::markers {

// Marker values, one per kind of value. The text marker carries the attribute's
// row number so a leak names the attribute.
const char* const kTextMarker = "SNRMK";
const char* const kDate = "19230517";
const char* const kDateTime = "19230517231723";
const char* const kTime = "231723.917351";
const char* const kInteger = "91735117";
const char* const kDecimal = "917351.1735117";
const char* const kAge = "093Y";
const char* const kUidRoot = "1.2.826.0.1.3680043.10.917351";
const char* const kPathFolder = "PATHMARKQ_Doe^Jane";
const char* const kPathFile = "FILEMARKQ_Doe^Jane";

struct FillCount {
    int filled = 0, sequences = 0, skipped = 0;
};

// Fills every profile attribute the dictionary knows with a marker of its VR.
inline FillCount fillMarkers(DcmDataset* ds, int fileIndex)
{
    FillCount n;
    int row = 0;
    for (auto* a = dicom::confidentialityProfileBegin(); a != dicom::confidentialityProfileEnd(); ++a, ++row) {
        // Repeating groups, command and meta attributes, signatures and padding are not data-set text.
        if (a->repeatingGroup || a->group <= 0x0002 || a->group >= 0xFFFA) {
            ++n.skipped;
            continue;
        }
        const DcmTag tag(a->group, a->element);
        const QString text = QStringLiteral("%1%2").arg(QLatin1String(kTextMarker)).arg(row, 4, 10, QLatin1Char('0'));
        std::string value;
        switch (tag.getEVR()) {
        case EVR_PN: case EVR_LO: case EVR_SH: case EVR_LT: case EVR_ST: case EVR_UT: case EVR_UC: case EVR_CS: case EVR_AE:
            value = text.toStdString();
            break;
        case EVR_DA: value = kDate; break;
        case EVR_DT: value = kDateTime; break;
        case EVR_TM: value = kTime; break;
        case EVR_IS: value = kInteger; break;
        case EVR_DS: value = kDecimal; break;
        case EVR_AS: value = kAge; break;
        case EVR_UI: value = std::string(kUidRoot) + "." + std::to_string(row) + "." + std::to_string(fileIndex); break;
        case EVR_UR: value = "http://" + text.toLower().toStdString() + ".example/"; break;
        case EVR_SQ: {
            auto* item = new DcmItem;
            item->putAndInsertString(DCM_PatientName, text.toLatin1().constData());
            if (ds->insertSequenceItem(tag, item).good()) {
                ++n.sequences;
                continue;
            }
            delete item;
            ++n.skipped;
            continue;
        }
        default:
            ++n.skipped; // binary VRs (OB, US, ...) and unknown tags
            continue;
        }
        if (ds->putAndInsertString(tag, value.c_str()).good())
            ++n.filled;
        else
            ++n.skipped;
    }
    // A private block: creator and one value.
    ds->putAndInsertString(DcmTag(0x0009, 0x0010, EVR_LO), "SNRMKPRIVATECREATOR");
    ds->putAndInsertString(DcmTag(0x0009, 0x1001, EVR_LO), "SNRMKPRIVATEVALUE");
    return n;
}

} // namespace sinar::test::markers
