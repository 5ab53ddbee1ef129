#!/usr/bin/env bash
# Fuzzing with an instrumented DCMTK. Debian's libdcmtk is built without the
# sanitizers, so a fault inside DCMTK shows up only when it crashes, aborts or
# allocates past the cap. This script builds DCMTK 3.6.7 from Debian 12's own
# source package (the version Sinar links, with Debian's security patches)
# with clang, AddressSanitizer, UBSan and libFuzzer's coverage, as static
# libraries, and then Sinar's fuzz targets against it:
#
#   build/fuzz-dcmtk/src       the unpacked, patched source
#   build/fuzz-dcmtk/prefix    the instrumented DCMTK
#   build/fuzz-dcmtk/sinar     Sinar's fuzz targets linked with it (fuzz/fuzz_*)
#
# Then: SINAR_FUZZ_BUILD=build/fuzz-dcmtk/sinar/fuzz bash fuzz/campaign.sh SECONDS
#
# Usage: fuzz/build-dcmtk.sh   (needs network access to a Debian mirror once;
# DEBIAN_MIRROR overrides http://deb.debian.org/debian)
set -euo pipefail
version="3.6.7-9~deb12u4" # libdcmtk17 in Debian 12 (apt-cache policy libdcmtk17)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="$root/build/fuzz-dcmtk"
jobs="${JOBS:-$(nproc)}"
. "$root/packaging/debian-source.sh"
debian_source dcmtk "$version" "$work"

# Debian's own settings that shape the library (debian/rules: STL types, C++17, private
# tags), plus the sanitizers; static, only the modules Sinar links (not dcmjpls: CharLS 2
# decodes JPEG-LS). Build type "None", as debian/rules has it: no NDEBUG, so the assertions
# Debian's libraries keep are live here too, and an input that trips one is a finding, as
# it aborts the release build.
flags="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer -g -O1"
cmake -S "$work/src" -B "$work/build" -G Ninja \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_INSTALL_PREFIX="$work/prefix" -DBUILD_SHARED_LIBS=OFF -DBUILD_APPS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DDCMTK_MODULES="ofstd;oflog;dcmdata;dcmimgle;dcmimage;dcmjpeg" \
  -DDCMTK_WITH_OPENSSL=OFF -DDCMTK_WITH_PNG=OFF -DDCMTK_WITH_TIFF=OFF -DDCMTK_WITH_XML=OFF \
  -DDCMTK_WITH_ICU=OFF -DDCMTK_WITH_SNDFILE=OFF -DDCMTK_WITH_WRAP=OFF -DDCMTK_WITH_DOXYGEN=OFF \
  -DDCMTK_WITH_ZLIB=ON -DDCMTK_WITH_ICONV=OFF -DDCMTK_ENABLE_PRIVATE_TAGS=ON -DDCMTK_ENABLE_STL=ON \
  -DCMAKE_CXX_STANDARD=17 -DCMAKE_INSTALL_DATADIC=share/libdcmtk17 -DDCMTK_DEFAULT_DICT=builtin
cmake --build "$work/build" -j "$jobs"
cmake --install "$work/build" > /dev/null

# Sinar's fuzz targets against it: the fuzz preset's settings in another folder.
cmake -S "$root" -B "$work/sinar" -G Ninja \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSINAR_FUZZ=ON -DSINAR_BUILD_APPS=OFF -DSINAR_BUILD_TESTS=OFF \
  -DDCMTK_DIR="$(dirname "$(find "$work/prefix" -name DCMTKConfig.cmake -print -quit)")"
cmake --build "$work/sinar" -j "$jobs"
echo "instrumented fuzz targets: $work/sinar/fuzz"
