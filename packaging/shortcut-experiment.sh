#!/usr/bin/env bash
# External-validity experiment for the brain MRI model (README, "External validity").
#
# In the brain MRI set the MR sequence predicts the label: tumours are mostly
# T1-weighted after contrast (dark fluid), "notumor" slices mostly T2/FLAIR
# (bright fluid). `sinar-cli measure` gives every image its bright_share (the
# share of the body's interior brighter than half its 99th percentile). This
# script holds out the images that contradict the shortcut -- tumours with
# bright fluid (bright_share > 0.3) and notumor slices with dark fluid
# (bright_share < 0.13) -- trains on the rest with the given recipes, and tests
# each model on the held-out, shortcut-reversed images, collapsed to tumour vs
# notumor.
#
# Usage: packaging/shortcut-experiment.sh OUTDIR [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${SINAR_DATA:-$root/../shared/data}/brain-mri/Training"
cli="$root/build/${SINAR_PRESET:-release}/app/sinar-cli"
out="${1:?usage: shortcut-experiment.sh OUTDIR [EPOCHS]}"
epochs="${2:-30}"
mkdir -p "$out"

"$cli" measure --data "$data" --csv "$out/measures.csv"
awk -F, -v train="$out/train.csv" -v test="$out/reversed.csv" '
  NR == 1 { print "path,label" > train; print "path,label" > test; next }
  { tumour = ($2 != "notumor"); share = $8 + 0
    if ((tumour && share > 0.3) || (!tumour && share < 0.13)) print $1 "," $2 > test
    else print $1 "," $2 > train }' "$out/measures.csv"
echo "training images: $(($(wc -l < "$out/train.csv") - 1)); shortcut-reversed test images: $(($(wc -l < "$out/reversed.csv") - 1))"

declare -A recipes=(
  [baseline]=""
  [robust]="--invert 0.5 --intensity-curve 0.5"
)
for name in baseline robust; do
  # shellcheck disable=SC2086
  "$cli" train --data "$out/train.csv" --out "$out/$name.sinar" --overwrite --epochs "$epochs" \
    --test-fraction 0.1 --quiet ${recipes[$name]}
  "$cli" evaluate --model "$out/$name.sinar" --data "$out/reversed.csv" --negative-class notumor \
    --json "$out/$name-reversed.json" --quiet
  "$cli" evaluate --model "$out/$name.sinar" --data "$out/train.csv" --held-out --negative-class notumor \
    --json "$out/$name-own-test.json" --quiet
done
for name in baseline robust; do
  for part in reversed own-test; do
    /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); s=j["screening"]
print("%-9s %-9s n=%4d  4-class accuracy %.3f  tumour vs notumor: sensitivity %.3f specificity %.3f accuracy %.3f" % (sys.argv[2], sys.argv[3], j["n"], j["accuracy"], s["sensitivity"], s["specificity"], s["accuracy"]))' \
      "$out/$name-$part.json" "$name" "$part"
  done
done
