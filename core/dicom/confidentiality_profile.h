#pragma once
// The attributes of the Basic Application Level Confidentiality Profile
// (DICOM PS3.15 Annex E, Table E.1-1) with the action of its basic profile:
// D (replace with a dummy), Z (zero length or dummy), X (remove), K (keep),
// C (clean), U (replace UID), and the combinations the table gives ("X/Z",
// "X/Z/D", "Z/D", "X/D", "X/Z/U*"). Used to find and remove identifying data.
#include <cstdint>
#include <iterator>

namespace sinar::dicom {

struct ConfidentialityAttribute {
    uint16_t group;
    uint16_t element;
    bool repeatingGroup; // (60xx,3000), (60xx,4000): group & 0xFF00 matches `group`; (50xx,xxxx) has element 0: any element
    const char* action;
    const char* name;
};

extern const char* const kConfidentialityProfileEdition;

const ConfidentialityAttribute* confidentialityProfileBegin();
const ConfidentialityAttribute* confidentialityProfileEnd();

} // namespace sinar::dicom
