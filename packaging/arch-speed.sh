#!/usr/bin/env bash
# Same-network speed of Sinar against Python (Debian's torch 1.13) for the
# built-in architectures, runs alternated: for each architecture a bundle is
# made (one epoch on 40 brain MRI images: only its architecture and input size
# matter), then `sinar-cli bench --model` and tools/arch_bench.py (the same
# network in plain torch.nn, measuring the same steps) run in turn ROUNDS times.
# The standard CNN is the shipped models/brain-mri-cnn.sinar, rebuilt in Python
# with its weights (tools/sinar_bundle.py).
#
# Each round runs Python twice: as a researcher runs it, and with glibc's
# allocator set the way Sinar sets it for itself at start-up (common/allocator.cpp:
# freed blocks kept in the process, one arena), through glibc's environment
# variables. Both sides run the same LibTorch kernels, so the second Python
# column shows how much of Sinar's lead is that allocator setting.
#
# Usage: packaging/arch-speed.sh [ROUNDS] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${SINAR_DATA:-$root/../shared/data}"
cli="$root/build/${SINAR_PRESET:-release}/app/sinar-cli"
rounds="${1:-3}"
out="${2:-$(mktemp -d)}"
mkdir -p "$out"
csv="$out/forty.csv"
echo "path,label" > "$csv"
for c in glioma meningioma notumor pituitary; do
  files=("$data/brain-mri/Training/$c"/*.jpg)
  for f in "${files[@]:0:10}"; do echo "$f,$c"; done >> "$csv"
done
tuned=(env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_ARENA_MAX=1)
for arch in standard-cnn resnet18 resnet34 mobilenet_v2 densenet121; do
  bundle="$out/$arch.sinar"
  if [ "$arch" = standard-cnn ]; then
    bundle="$root/models/brain-mri-cnn.sinar"
    pyargs=(--bundle "$bundle" --threads 2)
  else
    pyargs=(--arch "$arch" --size 160 --channels 3 --classes 4 --threads 2)
  fi
  [ -f "$bundle" ] || "$cli" train --data "$csv" --out "$bundle" --architecture "$arch" --size 160 --channels 3 \
    --epochs 1 --batch-size 8 --precise-bn 0 --threads 2 --quiet > /dev/null
  for r in $(seq "$rounds"); do
    "$cli" bench --model "$bundle" --threads 2 --json "$out/sinar-$arch-$r.json" > /dev/null
    /usr/bin/python3 "$root/tools/arch_bench.py" "${pyargs[@]}" > "$out/python-$arch-$r.json"
    "${tuned[@]}" /usr/bin/python3 "$root/tools/arch_bench.py" "${pyargs[@]}" > "$out/pytuned-$arch-$r.json"
  done
done
/usr/bin/python3 - "$out" "$rounds" <<'EOF'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
print("architecture   Sinar train  Python train  ratio | Sinar infer  Python infer  ratio | latency ms Sinar / Python"
      " | Python, Sinar's allocator: train  ratio  infer  ratio")
for arch in ("standard-cnn", "resnet18", "resnet34", "mobilenet_v2", "densenet121"):
    s = [json.load(open(f"{out}/sinar-{arch}-{r}.json")) for r in range(1, rounds + 1)]
    p = [json.load(open(f"{out}/python-{arch}-{r}.json")) for r in range(1, rounds + 1)]
    q = [json.load(open(f"{out}/pytuned-{arch}-{r}.json")) for r in range(1, rounds + 1)]
    qt = sorted(x["train_images_per_second"] for x in q); qi = sorted(x["infer_images_per_second"] for x in q)
    qrt = sorted(a["train_images_per_second"] / b["train_images_per_second"] for a, b in zip(s, q))
    qri = sorted(a["inference_images_per_second"] / b["infer_images_per_second"] for a, b in zip(s, q))
    st = sorted(x["train_images_per_second"] for x in s); pt = sorted(x["train_images_per_second"] for x in p)
    si = sorted(x["inference_images_per_second"] for x in s); pi = sorted(x["infer_images_per_second"] for x in p)
    rt = sorted(a["train_images_per_second"] / b["train_images_per_second"] for a, b in zip(s, p))
    ri = sorted(a["inference_images_per_second"] / b["infer_images_per_second"] for a, b in zip(s, p))
    sl = sorted(x["latency_median_ms"] for x in s); pl = sorted(x["latency_median_ms"] for x in p)
    m = lambda v: v[len(v) // 2]
    print(f"{arch:13s} {st[0]:6.1f}-{st[-1]:<6.1f} {pt[0]:6.1f}-{pt[-1]:<6.1f} {m(rt):5.2f}x | "
          f"{si[0]:6.1f}-{si[-1]:<6.1f} {pi[0]:6.1f}-{pi[-1]:<6.1f} {m(ri):5.2f}x | {m(sl):.1f} / {m(pl):.1f} | "
          f"{qt[0]:6.1f}-{qt[-1]:<6.1f} {m(qrt):5.2f}x {qi[0]:6.1f}-{qi[-1]:<6.1f} {m(qri):5.2f}x")
EOF
echo "raw figures: $out"
