#!/usr/bin/env bash
# Training speed in the workstation's Training tab against sinar-cli train on
# the same run: the same data, recipe, seed and threads, runs alternated.
#   packaging/training-tab-bench.sh [ROUNDS] [IMAGES_PER_CLASS] [EPOCHS]
# Prints the training images/s of every run (mean over its epochs, from the
# run folder's history.csv) and the ratio tab / CLI per round.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/packaging/find-cli.sh" "$0"
GUI="${SINAR_GUI:-$(dirname "$CLI")/sinar}"
[ -x "$GUI" ] || { echo "$0: sinar not built" >&2; exit 1; }
rounds="${1:-3}"
per_class="${2:-300}"
epochs="${3:-3}"
src="${SINAR_DATA:-$ROOT/../shared/data}/brain-mri/Training"
[ -d "$src" ] || { echo "$0: $src not found (set SINAR_DATA)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for c in glioma meningioma notumor pituitary; do
  mkdir -p "$work/data/$c"
  files=("$src/$c"/*)
  for f in "${files[@]:0:$per_class}"; do ln -s "$f" "$work/data/$c/"; done
done
opts=(--epochs "$epochs" --threads 2 --seed 0)

mean_ips() { awk -F, 'NR > 1 { s += $7; n++ } END { printf "%.1f", s / n }' "$1/history.csv"; }

echo "data: $((per_class * 4)) brain MRI images, $epochs epochs, default recipe (128 px), 2 threads"
printf '%-6s %12s %12s %8s\n' round "CLI img/s" "tab img/s" "tab/CLI"
for r in $(seq 1 "$rounds"); do
  rm -rf "$work/cli" "$work/tab" "$work/home"
  "$CLI" train --data "$work/data" --out "$work/cli/model.sinar" --run-dir "$work/cli" "${opts[@]}" --quiet >/dev/null
  XDG_CONFIG_HOME="$work/home" XDG_DATA_HOME="$work/home" SINAR_MODEL_LIBRARY="$work/home/lib" QT_QPA_PLATFORM=offscreen \
    "$GUI" --train "$work/data" --run-dir "$work/tab" "${opts[@]}" --screenshot "$work/tab.png" >/dev/null 2>&1
  cli="$(mean_ips "$work/cli")"
  tab="$(mean_ips "$work/tab")"
  printf '%-6s %12s %12s %8s\n' "$r" "$cli" "$tab" "$(awk -v a="$tab" -v b="$cli" 'BEGIN { printf "%.3f", a / b }')"
done
