#!/usr/bin/env bash
# Saliency-map latency against plain inference, Sinar and Python side by side:
# `sinar-cli bench --explain` (inference and every method on one image, batch 1,
# interleaved rounds, median) and the hooks-based Grad-CAM reference in
# Debian's python3-torch (tools/sinar_bundle.py gradcam-bench, the same
# network and weights rebuilt in PyTorch). Both with THREADS threads (default
# 2) and RUNS runs (default 50); ROUNDS alternations (default 3) so that both
# see the same machine.
#
#   bash packaging/explain-bench.sh [BUNDLE]        # default models/brain-mri-cnn.sinar
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="${1:-$ROOT/models/brain-mri-cnn.sinar}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-50}"
ROUNDS="${ROUNDS:-3}"
source "$ROOT/packaging/find-cli.sh" explain-bench
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "explain-bench: needs Debian's python3-torch" >&2; exit 1; }
for round in $(seq "$ROUNDS"); do
  echo "== round $round: Sinar"
  "$CLI" bench --model "$BUNDLE" --explain --threads "$THREADS" --runs "$RUNS"
  echo "== round $round: Python (hooks-based Grad-CAM)"
  /usr/bin/python3 "$ROOT/tools/sinar_bundle.py" gradcam-bench "$BUNDLE" --threads "$THREADS" --runs "$RUNS"
done
