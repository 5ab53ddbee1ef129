#!/usr/bin/env bash
# Same-network speed of Sinar against Python (Debian's torch 1.13) for the
# built-in architectures, runs alternated: for each architecture a bundle is
# made (one epoch on 40 brain MRI images: only its architecture and input size
# matter), then `sinar-cli bench --model` and tools/arch_bench.py (the same
# network in plain torch.nn, measuring the same steps) run in turn ROUNDS times.
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
for arch in resnet18 resnet34 mobilenet_v2 densenet121; do
  bundle="$out/$arch.sinar"
  [ -f "$bundle" ] || "$cli" train --data "$csv" --out "$bundle" --architecture "$arch" --size 160 --channels 3 \
    --epochs 1 --batch-size 8 --precise-bn 0 --threads 2 --quiet > /dev/null
  for r in $(seq "$rounds"); do
    "$cli" bench --model "$bundle" --threads 2 --json "$out/sinar-$arch-$r.json" > /dev/null
    /usr/bin/python3 "$root/tools/arch_bench.py" --arch "$arch" --size 160 --channels 3 --classes 4 --threads 2 \
      > "$out/python-$arch-$r.json"
  done
done
/usr/bin/python3 - "$out" "$rounds" <<'EOF'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
print("architecture   Sinar train  Python train  ratio | Sinar infer  Python infer  ratio | latency ms Sinar / Python")
for arch in ("resnet18", "resnet34", "mobilenet_v2", "densenet121"):
    s = [json.load(open(f"{out}/sinar-{arch}-{r}.json")) for r in range(1, rounds + 1)]
    p = [json.load(open(f"{out}/python-{arch}-{r}.json")) for r in range(1, rounds + 1)]
    st = sorted(x["train_images_per_second"] for x in s); pt = sorted(x["train_images_per_second"] for x in p)
    si = sorted(x["inference_images_per_second"] for x in s); pi = sorted(x["infer_images_per_second"] for x in p)
    rt = sorted(a["train_images_per_second"] / b["train_images_per_second"] for a, b in zip(s, p))
    ri = sorted(a["inference_images_per_second"] / b["infer_images_per_second"] for a, b in zip(s, p))
    sl = sorted(x["latency_median_ms"] for x in s); pl = sorted(x["latency_median_ms"] for x in p)
    m = lambda v: v[len(v) // 2]
    print(f"{arch:13s} {st[0]:6.1f}-{st[-1]:<6.1f} {pt[0]:6.1f}-{pt[-1]:<6.1f} {m(rt):5.2f}x | "
          f"{si[0]:6.1f}-{si[-1]:<6.1f} {pi[0]:6.1f}-{pi[-1]:<6.1f} {m(ri):5.2f}x | {m(sl):.1f} / {m(pl):.1f}")
EOF
echo "raw figures: $out"
