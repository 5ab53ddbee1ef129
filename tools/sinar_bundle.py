#!/usr/bin/python3
"""Sinar model bundles from Python (Debian's python3-torch).

  torchscript BUNDLE OUT.pt [--convention methods|tuple|none]
      Rebuilds the bundle's standard CNN in PyTorch with its weights and
      exports it as TorchScript plus the side-car JSON Sinar reads
      (OUT.pt.json). --convention says how feature maps are exposed for
      saliency maps: methods features(x)/head(f) (default), a forward()
      returning (features, logits), or none (plain logits; occlusion only).

  wrap MODEL OUT.pt [--features features] [--classifier classifier]
      Makes a model whose forward is features -> global average pooling ->
      classifier (torchvision's MobileNetV2/V3, EfficientNet; MODEL is a
      TorchScript file) explainable: writes a TorchScript file with methods
      features(x) and head(f). Copy the model's side-car JSON to OUT.pt.json.

  gradcam-bench BUNDLE [--runs 20] [--threads 2]
      The reference timing: plain inference and a hooks-based Grad-CAM
      (forward hook on the last block, tensor hook for the gradient) at
      batch 1, median of --runs, on the bundle's input size.
"""
import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn


class StandardCnn(nn.Module):
    """Mirror of core/nn/standard_cnn.cpp; parameter names match the bundle's."""

    def __init__(self, cfg):
        super().__init__()
        k, bn = cfg["kernel_size"], cfg["batch_norm"]
        blocks, inc = [], cfg["in_channels"]
        for b, f in enumerate(cfg["filters"]):
            layers = []
            for c in range(cfg["convs_per_block"]):
                stride = cfg["stem_stride"] if b == 0 and c == 0 else 1
                layers.append(nn.Conv2d(inc, f, k, stride=stride, padding=k // 2, bias=not bn))
                if bn:
                    layers.append(nn.BatchNorm2d(f))
                layers.append(nn.ReLU(inplace=True))
                inc = f
            blocks.append(nn.Sequential(*layers))
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(cfg["dropout"])
        self.has_hidden = cfg["fc_hidden"] > 0
        if self.has_hidden:
            self.hidden = nn.Linear(inc, cfg["fc_hidden"])
            inc = cfg["fc_hidden"]
        else:
            self.hidden = nn.Identity()
        self.fc = nn.Linear(inc, cfg["num_classes"])

    @torch.jit.export
    def features(self, x):
        for i, block in enumerate(self.blocks):
            if i > 0:
                x = self.pool(x)
            x = block(x)
        return x

    @torch.jit.export
    def head(self, f):
        x = self.pool(f).mean((2, 3))
        if self.has_hidden:
            x = torch.relu(self.hidden(x))
        return self.fc(self.dropout(x))

    def forward(self, x):
        return self.head(self.features(x))


class TupleOutput(nn.Module):
    """forward() returns (features, logits)."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        f = self.net.features(x)
        return f, self.net.head(f)


class LogitsOnly(nn.Module):
    """forward() returns the logits and nothing else."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


class Explainable(nn.Module):
    """The README's convention for any features -> pool -> classifier model."""

    def __init__(self, features, classifier):
        super().__init__()
        self.body = features
        self.classifier = classifier

    def forward(self, x):
        return self.head(self.features(x))

    @torch.jit.export
    def features(self, x):
        return self.body(x)  # feature maps [N, C, H, W]

    @torch.jit.export
    def head(self, f):
        return self.classifier(torch.nn.functional.adaptive_avg_pool2d(f, 1).flatten(1))  # logits


def wrap(args):
    net = torch.jit.load(args.model, map_location="cpu")
    for name in (args.features, args.classifier):
        if not hasattr(net, name):
            sys.exit(f"{args.model}: the model has no submodule '{name}' "
                     f"(it has: {', '.join(n for n, _ in net.named_children())})")
    module = Explainable(getattr(net, args.features), getattr(net, args.classifier)).eval()
    torch.jit.script(module).save(args.out)
    print(f"wrote {args.out} (methods features/head)")


def load_bundle(path):
    archive = torch.jit.load(path, map_location="cpu")
    meta = json.loads(archive.sinar_metadata)
    if meta.get("architecture") != "standard-cnn":
        sys.exit(f"{path}: not a standard-CNN bundle")
    cfg = dict(meta["cnn"])
    cfg.setdefault("num_classes", len(meta["class_names"]))
    cfg["num_classes"] = len(meta["class_names"])
    net = StandardCnn(cfg)
    state = {n: t for n, t in archive.named_parameters()}
    state.update({n: t for n, t in archive.named_buffers()})
    net.load_state_dict(state, strict=True)
    return net.eval(), meta


def export(args):
    net, meta = load_bundle(args.bundle)
    module = {"methods": net, "tuple": TupleOutput(net), "none": LogitsOnly(net)}[args.convention]
    torch.jit.script(module.eval()).save(args.out)
    with open(args.out + ".json", "w") as f:
        side_car = {"class_names": meta["class_names"], "preprocessing": meta["preprocessing"]}
        if "calibration" in meta:  # the bundle's temperature: the export gives the same probabilities
            side_car["calibration"] = meta["calibration"]
        json.dump(side_car, f, indent=1)
    print(f"wrote {args.out} and {args.out}.json ({args.convention} convention)")


def median_ms(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(args):
    torch.set_num_threads(args.threads)
    net, meta = load_bundle(args.bundle)
    r = meta["preprocessing"]
    x = torch.randn(1, r.get("channels", 1), r["height"], r["width"])

    def infer():
        with torch.no_grad():
            torch.softmax(net(x), 1)

    saved = {}
    layer = net.blocks[-1]
    layer.register_forward_hook(lambda m, i, o: saved.__setitem__("a", o))

    def gradcam():
        logits = net(x)
        a = saved["a"]
        a.register_hook(lambda g: saved.__setitem__("g", g))
        net.zero_grad()
        logits[0, logits.argmax()].backward()
        w = saved["g"].mean((2, 3), keepdim=True)
        cam = torch.relu((w * a.detach()).sum(1))
        cam = torch.nn.functional.interpolate(cam[None], size=(r["height"], r["width"]), mode="bilinear")
        return cam / cam.max().clamp(min=1e-12)

    t_inf = median_ms(infer, args.runs)
    t_cam = median_ms(gradcam, args.runs)
    print(json.dumps({"threads": args.threads, "input": [r["height"], r["width"]], "inference_ms": round(t_inf, 2),
                      "gradcam_ms": round(t_cam, 2), "ratio": round(t_cam / t_inf, 2)}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("torchscript")
    e.add_argument("bundle")
    e.add_argument("out")
    e.add_argument("--convention", choices=["methods", "tuple", "none"], default="methods")
    w = sub.add_parser("wrap")
    w.add_argument("model")
    w.add_argument("out")
    w.add_argument("--features", default="features")
    w.add_argument("--classifier", default="classifier")
    b = sub.add_parser("gradcam-bench")
    b.add_argument("bundle")
    b.add_argument("--runs", type=int, default=20)
    b.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    {"torchscript": export, "wrap": wrap, "gradcam-bench": bench}[args.cmd](args)


if __name__ == "__main__":
    main()
