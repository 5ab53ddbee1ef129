#!/usr/bin/env bash
# Line and branch coverage of Sinar's parsers by the fuzz corpora (clang's
# source-based coverage, llvm-cov): builds the fuzz targets with coverage in
# build/fuzz-coverage, replays every input of the corpora and regression
# inputs once (-runs=0), and prints llvm-cov's report for the files each
# target is there to exercise.
#
# Usage: fuzz/coverage.sh [CORPUS_ROOT]
#   CORPUS_ROOT holds one folder per target (default: the instrumented-DCMTK
#   campaign's corpora, build/fuzz-dcmtk/sinar/fuzz/state/corpus, else the fuzz
#   preset's, build/fuzz/fuzz/state/corpus); fuzz/regressions is always added.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$root/build/fuzz-coverage"
corpora="${1:-}"
if [ -z "$corpora" ]; then
  for c in "$root/build/fuzz-dcmtk/sinar/fuzz/state/corpus" "$root/build/fuzz/fuzz/state/corpus"; do
    [ -d "$c" ] && { corpora="$c"; break; }
  done
fi
[ -n "$corpora" ] && [ -d "$corpora" ] || { echo "coverage.sh: no corpus folder (run fuzz/campaign.sh first)" >&2; exit 1; }

cmake -S "$root" -B "$build" -G Ninja --log-level=WARNING -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSINAR_FUZZ=ON -DSINAR_FUZZ_COVERAGE=ON -DSINAR_BUILD_APPS=OFF -DSINAR_BUILD_TESTS=OFF
cmake --build "$build" -j "${JOBS:-$(nproc)}" > /dev/null

# The sources each target is for (the parsers, not the libraries around them).
declare -A sources=(
  [dicom]="core/dicom/dcmtk_file.cpp core/dicom/pixel_pipeline.cpp core/dicom/dicom_reader.cpp core/dicom/fragment_frames.cpp core/dicom/j2k_decoder.cpp core/dicom/instance_info.cpp"
  [dicomdir]="core/dicom/dicomdir_reader.cpp"
  [series_index]="core/dicom/series_index.cpp core/dicom/slice_stack.cpp"
  [npz]="core/data/npz_reader.cpp"
  [bundle]="core/nn/bundle_info.cpp core/common/integrity.cpp"
  [image]="core/imaging/image.cpp"
  [csv]="core/data/dataset.cpp"
)
mkdir -p "$build/profiles"
printf '%-13s %7s %18s %18s %18s\n' target inputs "lines covered" "branches covered" "functions covered"
for t in dicom dicomdir series_index npz bundle image csv; do
  dirs=()
  [ -d "$corpora/$t" ] && dirs+=("$corpora/$t")
  [ -d "$here/regressions/$t" ] && dirs+=("$here/regressions/$t")
  [ ${#dirs[@]} -gt 0 ] || { printf '%-13s %7s\n' "$t" "no corpus"; continue; }
  inputs=$(find "${dirs[@]}" -type f | wc -l)
  rm -f "$build/profiles/$t".*
  # The campaign's limits (fuzz/run-fuzz.sh): allocations over the cap return null, as Sinar expects.
  if ! LLVM_PROFILE_FILE="$build/profiles/$t.%p.profraw" \
      ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:max_allocation_size_mb=2047:abort_on_error=1" \
      UBSAN_OPTIONS="suppressions=$here/ubsan.supp" "$build/fuzz/fuzz_$t" -runs=0 -rss_limit_mb=2048 \
      -malloc_limit_mb=2048 -timeout=10 -artifact_prefix="$build/profiles/$t-" "${dirs[@]}" > "$build/profiles/$t.log" 2>&1; then
    echo "coverage.sh: fuzz_$t stopped on an input (see $build/profiles/$t.log): its coverage is partial" >&2
  fi
  llvm-profdata merge -sparse "$build/profiles/$t".*.profraw -o "$build/profiles/$t.profdata"
  files=()
  for f in ${sources[$t]}; do files+=("$root/$f"); done
  llvm-cov report "$build/fuzz/fuzz_$t" -instr-profile="$build/profiles/$t.profdata" "${files[@]}" > "$build/profiles/$t.report"
  total=$(grep '^TOTAL' "$build/profiles/$t.report")
  # TOTAL regions missed cover functions missed exec lines missed cover branches missed cover
  read -r _ _ _ _ fn fnmiss fncov ln lnmiss lncov br brmiss brcov <<< "$total"
  printf '%-13s %7s %18s %18s %18s\n' "$t" "$inputs" "$((ln - lnmiss))/$ln ($lncov)" "$((br - brmiss))/$br ($brcov)" "$((fn - fnmiss))/$fn ($fncov)"
done
echo "Per-file reports: $build/profiles/*.report (llvm-cov show for line by line)."
