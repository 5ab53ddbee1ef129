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
# Usage: packaging/shortcut-experiment.sh OUTDIR [EPOCHS [NAME=OPTIONS]...]
#   e.g. ... /tmp/x 30 baseline= "robust=--invert 0.5 --intensity-curve 0.5"
# (the default variants). A variant whose bundle exists in OUTDIR is not retrained.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${SINAR_DATA:-$root/../shared/data}/brain-mri/Training"
cli="$root/build/${SINAR_PRESET:-release}/app/sinar-cli"
out="${1:?usage: shortcut-experiment.sh OUTDIR [EPOCHS [NAME=OPTIONS]...]}"
epochs="${2:-30}"
shift $(($# < 2 ? $# : 2))
[ $# -gt 0 ] || set -- "baseline=" "robust=--invert 0.5 --intensity-curve 0.5"
mkdir -p "$out"

[ -f "$out/measures.csv" ] || "$cli" measure --data "$data" --csv "$out/measures.csv"
awk -F, -v train="$out/train.csv" -v test="$out/reversed.csv" '
  NR == 1 { print "path,label" > train; print "path,label" > test; next }
  { tumour = ($2 != "notumor"); share = $8 + 0
    if ((tumour && share > 0.3) || (!tumour && share < 0.13)) print $1 "," $2 > test
    else print $1 "," $2 > train }' "$out/measures.csv"
echo "training images: $(($(wc -l < "$out/train.csv") - 1)); shortcut-reversed test images: $(($(wc -l < "$out/reversed.csv") - 1))"

names=()
for variant in "$@"; do
  name="${variant%%=*}"
  options="${variant#*=}"
  names+=("$name")
  if [ ! -f "$out/$name.sinar" ]; then
    # shellcheck disable=SC2086
    "$cli" train --data "$out/train.csv" --out "$out/$name.sinar" --overwrite --epochs "$epochs" \
      --test-fraction 0.1 --quiet $options
  fi
  "$cli" evaluate --model "$out/$name.sinar" --data "$out/reversed.csv" --negative-class notumor \
    --json "$out/$name-reversed.json" --quiet
  "$cli" evaluate --model "$out/$name.sinar" --data "$out/train.csv" --held-out --negative-class notumor \
    --json "$out/$name-own-test.json" --quiet
done
for name in "${names[@]}"; do
  for part in reversed own-test; do
    /usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); s=j["screening"]
print("%-12s %-9s n=%4d  4-class accuracy %.3f  tumour vs notumor: sensitivity %.3f specificity %.3f accuracy %.3f" % (sys.argv[2], sys.argv[3], j["n"], j["accuracy"], s["sensitivity"], s["specificity"], s["accuracy"]))' \
      "$out/$name-$part.json" "$name" "$part"
  done
done
