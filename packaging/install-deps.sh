#!/usr/bin/env bash
# Installs everything Sinar needs to build, test and run on Debian 12.
# Idempotent: packages already present are left as they are.
set -euo pipefail

PACKAGES=(
  cmake g++ ninja-build ccache pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-tools-dev qt6-tools-dev-tools
  qt6-svg-dev
  libqcustomplot-dev
  libtorch-dev libopenblas0 libopenblas-dev
  libopencv-dev
  libdcmtk-dev dcmtk libopenjp2-7-dev libcharls-dev
  openjph-tools     # ojph_compress: the tests make HTJ2K files with another codec than OpenJPEG
  libvtk9-dev
  zlib1g-dev
  xvfb xauth
  poppler-utils     # pdftoppm: the tests render the training report PDF
  python3-numpy python3-torch
  python3-pydicom   # DICOM benchmark reference (packaging/dicom-bench.sh)
  clang libclang-rt-14-dev   # libFuzzer targets (preset fuzz)
  orthanc curl      # a real PACS for the networking tests (test_pacs starts its own on loopback)
  dpkg-dev libglib2.0-dev libb2-dev libicu-dev libpcre2-dev libdouble-conversion-dev libzstd-dev
                    # QtCore built with ThreadSanitizer (tests/tsan/build-qt.sh, preset tsan)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "sinar: installing ${#missing[@]} packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "sinar: all build dependencies are installed"
fi
