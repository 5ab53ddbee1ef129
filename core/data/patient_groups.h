#pragma once
// Which patient each image of a data set shows, read from the DICOM header's
// PatientID (0010,0020), so a split can keep every patient on one side.
#include <string>
#include <vector>

#include "common/cancel_token.h"
#include "common/progress.h"
#include "data/dataset.h"

namespace sinar::data {

struct PatientGroups {
    std::vector<std::string> patientIds; // per sample; empty when it has none (not DICOM, no ID, unreadable)
    std::vector<int> group;              // per sample: the index of the first sample of its patient
                                         // (samples without an ID: their own index)
    size_t patients = 0;                 // distinct PatientIDs
    size_t withoutId = 0;                // samples without a PatientID
    std::vector<FileFailure> failures;   // DICOM files whose header could not be read

    // `group`, or a sinar::Error naming `source` when no sample has a PatientID.
    const std::vector<int>& requireGroups(const std::string& source) const;
};

// Reads the header (no pixels) of every DICOM sample, in parallel. In-memory
// samples (.npz) and other image files have no PatientID.
PatientGroups readPatientGroups(const Dataset& dataset, const ProgressFn& progress = {},
                                const CancelToken* cancel = nullptr);

} // namespace sinar::data
