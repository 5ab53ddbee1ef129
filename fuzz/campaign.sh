#!/usr/bin/env bash
# A long fuzzing campaign: every target (or those named) for SECONDS each, one
# after another, keeping the growing corpus in build/fuzz/fuzz/state. Prints the
# executions, corpus size and coverage (libFuzzer's "cov" edges) per target;
# crashers land in state/artifacts/NAME/ — copy each into fuzz/regressions/NAME/
# once fixed.
#
# Usage: fuzz/campaign.sh SECONDS [NAME...]   (after: cmake --preset fuzz && cmake --build --preset fuzz)
# SINAR_FUZZ_BUILD picks other targets, e.g. build/fuzz-dcmtk/sinar/fuzz (fuzz/build-dcmtk.sh:
# DCMTK itself instrumented); each build folder keeps its own state.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${SINAR_FUZZ_BUILD:-$here/../build/fuzz/fuzz}"
seconds="${1:?seconds per target}"; shift
names=("$@")
# ASan records no allocation stacks in a campaign: recording them (30 frames, a stack
# depot insert per malloc) cost the series target 7 % (README, Fuzzing). A finding is
# still reported where it happens; for the allocation's stack, run the target binary on
# the artifact with ASan's defaults.
export SINAR_FUZZ_MALLOC_CONTEXT="${SINAR_FUZZ_MALLOC_CONTEXT:-0}"
[ ${#names[@]} -gt 0 ] || names=(dicom dicomdir series_index npz bundle image csv)
printf '%-14s %12s %8s %8s %s\n' target executions corpus edges result
for n in "${names[@]}"; do
  log="$build/state/campaign-$n.log"
  mkdir -p "$build/state"
  if SINAR_FUZZ_SEED=0 SINAR_FUZZ_PARSE_BUDGET="${SINAR_FUZZ_PARSE_BUDGET:-abort}" bash "$here/run-fuzz.sh" "$build/fuzz_$n" "$n" "$seconds" "$build/state" > "$log" 2>&1; then r=ok; else r="FOUND (see $log)"; fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  edges=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  printf '%-14s %12s %8s %8s %s\n' "$n" "${execs:-?}" "$(ls "$build/state/corpus/$n" | wc -l)" "${edges:-?}" "$r"
done
