#!/usr/bin/env bash
# Runs one libFuzzer target: first every regression input of fuzz/regressions/NAME
# (crashers found before: each must now pass), then the seed corpus
# (fuzz/corpus/NAME plus samples of ../shared/data picked by fuzz/seeds.sh) and
# SECONDS of fuzzing. Limits: 2 GB of memory (rss and any single allocation —
# the resource cap Sinar promises), 10 s per input (sanitizers make it slower
# than the 2 s a release build must meet; SINAR_FUZZ_TIMEOUT below).
#
# Usage: fuzz/run-fuzz.sh TARGET_BINARY NAME SECONDS [STATE_DIR]
set -euo pipefail
bin="$1"; name="$2"; seconds="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${4:-$(dirname "$bin")/state}"
corpus="$state/corpus/$name"
mkdir -p "$corpus" "$state/artifacts/$name"
# max_allocation_size_mb mirrors the release build's cap on DCMTK's nothrow
# allocations (common/limits.cpp): larger requests fail and DCMTK reports them
# (1 MB under libFuzzer's malloc limit, which flags a request of exactly 2 GiB).
# SINAR_FUZZ_MALLOC_CONTEXT: the frames ASan records per allocation (its default, 30, unless
# set; campaign.sh sets 0, see there).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=2047:abort_on_error=1:malloc_context_size=${SINAR_FUZZ_MALLOC_CONTEXT:-30}}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$here/ubsan.supp}"
dict=()
case "$name" in dicom|dicomdir|series_index) dict=(-dict="$here/dicom.dict") ;; esac
# The series target writes its input as up to eight files per run: at 64 kB an
# input still holds eight small slices (its seeds are 6 kB), and the target
# stays at hundreds of inputs per second instead of a few dozen at 1 MB.
length=()
case "$name" in series_index) length=(-max_len=65536) ;; esac
# Input files go to memory (/dev/shm) when it is there: the targets write every
# input to a file, and on a disk that costs more than many parses.
[ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] && export TMPDIR=/dev/shm
# SINAR_FUZZ_TIMEOUT raises the per-input limit (wall-clock seconds) for a
# campaign on a loaded machine: a starved fuzzer process otherwise reports
# inputs of a few milliseconds as timeouts (seen inside ASan's own madvise).
limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout="${SINAR_FUZZ_TIMEOUT:-10}")
# A fixed mutation seed (SINAR_FUZZ_SEED; 0 = random, as campaign.sh uses) makes a
# ctest run repeat the same inputs on every machine of the same speed.
seed=(-seed="${SINAR_FUZZ_SEED:-1}")
# The parse budget (fuzz/fuzz_support.h) of fuzz_dicom and fuzz_dicomdir: in a
# ctest run an input over it is kept (budget-HASH beside the artifacts) and
# counted, not a failure; fuzz/campaign.sh makes it a finding ("abort").
export SINAR_FUZZ_PARSE_BUDGET="${SINAR_FUZZ_PARSE_BUDGET:-keep}"
export SINAR_FUZZ_BUDGET_DIR="$state/artifacts/$name"

if [ -d "$here/regressions/$name" ] && compgen -G "$here/regressions/$name/*" > /dev/null; then
  echo "replaying $(ls "$here/regressions/$name" | wc -l) regression inputs"
  # Each was fixed: here the parse budget fails the run again.
  SINAR_FUZZ_PARSE_BUDGET=abort "$bin" "${limits[@]}" "$here/regressions/$name"/*
fi
seeds="$state/seeds/$name"
[ -d "$seeds" ] || bash "$here/seeds.sh" "$name" "$seeds"
extra=()
[ -d "$here/corpus/$name" ] && extra+=("$here/corpus/$name")
log="$state/last-run-$name.log"
set +e
"$bin" "${limits[@]}" "${seed[@]}" "${dict[@]}" "${length[@]}" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$state/artifacts/$name/" "$corpus" "$seeds" "${extra[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
over=$(grep -c '^==sinar-fuzz== parse budget exceeded' "$log" || true)
if [ "$over" != 0 ]; then
  echo "note: $over inputs exceeded the parse budget (the 2 GiB cap held): kept in $SINAR_FUZZ_BUDGET_DIR/budget-*"
fi
exit "$status"
