#!/usr/bin/env bash
# QtCore and QtConcurrent instrumented with ThreadSanitizer, for the `tsan`
# test preset.
#
# ThreadSanitizer sees only the synchronisation of instrumented code. Debian's
# libQt6Core is not instrumented, and its QMutex, QThreadPool and event queue
# wait on futexes, which ThreadSanitizer does not understand: every hand-off
# from the GUI thread to a QtConcurrent worker and back through a queued signal
# then looks like a data race (test_gui showed 178 such reports, none with a
# race of Sinar's own). Qt's answer is to build Qt itself with the sanitizer.
#
# This script builds Debian 12's own qt6-base source package (6.4.2, with
# Debian's patches, so the libraries are binary-compatible with the installed
# ones) with -fsanitize=thread, and only the two libraries whose code moves
# work between threads: Qt6Core and Qt6Concurrent. The test preset puts them
# first on LD_LIBRARY_PATH; QtGui, QtWidgets and the platform plugins stay
# Debian's (they run on the GUI thread).
#
#   build/tsan-qt/src   the unpacked, patched source
#   build/tsan-qt/lib   libQt6Core.so.6 and libQt6Concurrent.so.6, instrumented
#
# Usage: tests/tsan/build-qt.sh   (about 40 minutes on two cores; needs network
# access to a Debian mirror once; DEBIAN_MIRROR overrides
# http://deb.debian.org/debian). packaging/install-deps.sh installs the
# development packages QtCore's configuration needs (glib, ICU, PCRE2, libb2).
set -euo pipefail
version="6.4.2+dfsg-10" # libqt6core6 in Debian 12 (apt-cache policy libqt6core6)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$root/build/tsan-qt"
jobs="${JOBS:-$(nproc)}"

installed="$(dpkg-query -W -f '${Version}' libqt6core6 2>/dev/null || true)"
if [ "$installed" != "$version" ]; then
  echo "build-qt.sh: libqt6core6 $installed is installed, this script builds $version;" \
       "the instrumented library must be the same version (edit 'version' above)" >&2
  exit 1
fi

. "$root/packaging/debian-source.sh"
debian_source qt6-base "$version" "$work"

# Debian's settings that shape QtCore (debian/rules), plus the sanitizer. The
# modules above QtCore are switched off: they are not built here.
cmake -S "$work/src" -B "$work/build" -G Ninja -Wno-dev --log-level=WARNING \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
  -DINSTALL_LIBDIR=lib/x86_64-linux-gnu -DINSTALL_ARCHDATADIR=lib/x86_64-linux-gnu/qt6 \
  -DINSTALL_PLUGINDIR=lib/x86_64-linux-gnu/qt6/plugins -DINSTALL_DATADIR=share/qt6 \
  -DINSTALL_TRANSLATIONDIR=share/qt6/translations -DINSTALL_SYSCONFDIR=/etc/xdg \
  -DINSTALL_LIBEXECDIR=lib/qt6/libexec -DINSTALL_BINDIR=lib/qt6/bin \
  -DECM_ENABLE_SANITIZERS=thread -DBUILD_EXAMPLES=OFF -DQT_BUILD_EXAMPLES=OFF -DQT_BUILD_TESTS=OFF \
  -DFEATURE_mimetype_database=OFF -DFEATURE_doubleconversion=ON -DFEATURE_glib=ON -DFEATURE_icu=ON \
  -DFEATURE_pcre2=ON -DFEATURE_system_pcre2=ON -DFEATURE_zlib=ON -DFEATURE_system_libb2=ON \
  -DFEATURE_rpath=OFF -DFEATURE_relocatable=OFF \
  -DFEATURE_gui=OFF -DFEATURE_widgets=OFF -DFEATURE_network=OFF -DFEATURE_sql=OFF \
  -DFEATURE_dbus=OFF -DFEATURE_xml=OFF -DFEATURE_testlib=OFF -DFEATURE_printsupport=OFF
cmake --build "$work/build" -j "$jobs" --target Core Concurrent

mkdir -p "$work/lib"
for lib in libQt6Core.so.6 libQt6Concurrent.so.6; do
  cp -L "$work/build/lib/x86_64-linux-gnu/$lib" "$work/lib/$lib"
done
# Every symbol the installed QtGui, QtWidgets and plugins take from Debian's
# QtCore must be there (same version, same patches: a mismatch is a bug here).
# Left out: symbols of the C++ library itself (_ZSt...) that Debian's build
# happens to export and no Qt library imports.
missing="$(comm -23 <(nm -D --defined-only /usr/lib/x86_64-linux-gnu/libQt6Core.so.6 | awk '{print $3}' | grep -v '^_ZSt' | sort -u) \
                    <(nm -D --defined-only "$work/lib/libQt6Core.so.6" | awk '{print $3}' | sort -u) | wc -l)"
if [ "$missing" != 0 ]; then
  echo "build-qt.sh: the instrumented libQt6Core lacks $missing symbols of Debian's" >&2
  exit 1
fi
echo "Instrumented Qt in $work/lib"
