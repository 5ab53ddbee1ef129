#!/usr/bin/env bash
# Synthetic seed inputs for fuzz_dicom: the tiny images of fuzz/synth_dicom.py,
# each compressed by DCMTK's command-line encoders in the variants whose streams
# the decoders read differently. JPEG-LS: lossless and near-lossless, raw and
# cooked coder, non-default thresholds and RESET (preset-parameter segments),
# line, sample and no interleave, several fragments per frame, zero padding.
# JPEG: lossless with every predictor, 12-bit extended, baseline, progressive.
# RLE. Also HTJ2K, encapsulated uncompressed and deflated frames, and single-bit RLE
# (synth_dicom.py). A variant an encoder refuses for an image (near-lossless signed data,
# baseline 16-bit) is left out.
#
# Usage: fuzz/synth-seeds.sh OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
raw="$(mktemp -d)"
trap 'rm -rf "$raw"' EXIT
mkdir -p "$out"
/usr/bin/python3 "$here/synth_dicom.py" "$raw"
encode() { # TOOL NAME IN OPTIONS...
  local tool="$1" name="$2" in="$3"; shift 3
  "$tool" -q "$@" "$in" "$out/synth-$name.dcm" 2>/dev/null || rm -f "$out/synth-$name.dcm"
}
# The syntaxes Sinar decodes itself, which no DCMTK tool writes, are seeds as they are.
for f in "$raw"/newer-*.dcm; do cp "$f" "$out/synth-$(basename "$f")"; done
for f in "$raw"/*.dcm; do
  b="$(basename "$f" .dcm)"
  case "$b" in newer-*|bits-*) continue ;; esac
  encode dcmcjpls "$b-jls" "$f"
  encode dcmcjpls "$b-jls-near2" "$f" +en
  encode dcmcjpls "$b-jls-near5-cooked" "$f" +en +md 5 +pc
  encode dcmcjpls "$b-jls-thresholds" "$f" +t1 2 +t2 5 +t3 9 +rs 3
  encode dcmcjpls "$b-jls-reset255-cooked" "$f" +rs 255 +pc
  encode dcmcrle "$b-rle" "$f"
  for sv in 1 2 3 4 5 6 7; do encode dcmcjpeg "$b-jpeg-lossless-sv$sv" "$f" +el +sv "$sv"; done
  encode dcmcjpeg "$b-jpeg-extended" "$f" +ee
  encode dcmcjpeg "$b-jpeg-baseline" "$f" +eb
  encode dcmcjpeg "$b-jpeg-progressive" "$f" +ep
done
for mode in il is in; do
  encode dcmcjpls "rgb8-jls-$mode" "$raw/rgb8.dcm" "+$mode"
  encode dcmcjpls "rgb8-jls-near-$mode" "$raw/rgb8.dcm" +en "+$mode"
done
encode dcmcjpls "gray8-3frames-jls-fragments" "$raw/gray8-3frames.dcm" +fs 1
encode dcmcjpls "gray8-jls-zero-padding" "$raw/gray8.dcm" +pz
