# Sourced by the scripts that build a library from Debian 12's own source
# package (fuzz/build-dcmtk.sh, tests/tsan/build-qt.sh).
#
# debian_source PACKAGE VERSION WORK: downloads PACKAGE_VERSION.dsc and the
# files it lists into WORK/download from $DEBIAN_MIRROR (default
# http://deb.debian.org/debian), checks each against the SHA-256 the .dsc
# gives, and unpacks it with Debian's patches applied into WORK/src (once).
# The .dsc's signature is not checked: its checksums come from the mirror.
debian_source() {
  local package="$1" version="$2" work="$3"
  local mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  local pool="$mirror/pool/main/${package:0:1}/$package"
  local dsc="${package}_${version}.dsc"
  mkdir -p "$work/download"
  (
    cd "$work/download"
    [ -f "$dsc" ] || curl -fsS -O "$pool/$dsc"
    awk '/^Checksums-Sha256:/{f=1;next} /^[^ ]/{f=0} f&&NF==3{print $1, $3}' "$dsc" | while read -r sum file; do
      [ -f "$file" ] || curl -fsS -O "$pool/$file"
      echo "$sum  $file" | sha256sum --check --quiet
    done
    if [ ! -d "$work/src" ]; then
      dpkg-source --no-check -x "$dsc" "$work/src" > /dev/null
    fi
  )
}
