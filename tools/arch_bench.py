#!/usr/bin/python3
"""Python side of Sinar's same-network speed comparison for the built-in architectures.

Builds ResNet-18/34, MobileNetV2 1.0 or DenseNet-121 in plain torch.nn with torchvision's layer layout
(Debian's python3-torch has no torchvision) and measures exactly what `sinar-cli bench
--model BUNDLE` measures for a bundle of that architecture: training throughput (SGD,
momentum 0.9, lr 0.01, cross-entropy, random input, train mode, at least 3 steps and 3 s
after one warm-up step), batch inference throughput (eval mode, no_grad, softmax) and the
median single-image latency. Prints one JSON line.

    /usr/bin/python3 tools/arch_bench.py --arch resnet18 --size 160 --channels 3 --classes 4 --threads 2

With --bundle BUNDLE (a standard-CNN bundle) the network is the bundle's own, rebuilt with its
weights by tools/sinar_bundle.py, at the bundle's input size and channels.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


class ResNet(nn.Module):
    def __init__(self, blocks, channels, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for i, (n, cout) in enumerate(zip(blocks, (64, 128, 256, 512))):
            stage = [BasicBlock(cin, cout, 1 if i == 0 else 2)] + [BasicBlock(cout, cout, 1) for _ in range(n - 1)]
            layers.append(nn.Sequential(*stage))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def conv_bn(cin, cout, k, stride, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers = [] if expand == 1 else [conv_bn(cin, hidden, 1, 1)]
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, channels, classes):
        super().__init__()
        setting = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                   (6, 320, 1, 1)]
        features, cin = [conv_bn(channels, 32, 3, 2)], 32
        for t, c, n, s in setting:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(conv_bn(cin, 1280, 1, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, classes))

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


class DenseLayer(nn.Module):
    def __init__(self, cin, growth=32, bottleneck=4):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, bottleneck * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bottleneck * growth)
        self.conv2 = nn.Conv2d(bottleneck * growth, growth, 3, 1, 1, bias=False)

    def forward(self, x):
        return self.conv2(F.relu(self.norm2(self.conv1(F.relu(self.norm1(x))))))


class DenseBlock(nn.Module):
    def __init__(self, layers, cin):
        super().__init__()
        self.layers = nn.ModuleList(DenseLayer(cin + i * 32) for i in range(layers))

    def forward(self, x):
        for layer in self.layers:
            x = torch.cat([x, layer(x)], 1)
        return x


class DenseNet121(nn.Module):
    def __init__(self, channels, classes):
        super().__init__()
        mods = [nn.Conv2d(channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for i, n in enumerate((6, 12, 24, 16)):
            mods.append(DenseBlock(n, cin))
            cin += n * 32
            if i < 3:
                mods += [nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, cin // 2, 1, bias=False),
                         nn.AvgPool2d(2, 2)]
                cin //= 2
        mods += [nn.BatchNorm2d(cin), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*mods)
        self.classifier = nn.Linear(cin, classes)

    def forward(self, x):
        return self.classifier(torch.flatten(F.adaptive_avg_pool2d(self.features(x), 1), 1))


def build(arch, channels, classes):
    if arch == "densenet121":
        return DenseNet121(channels, classes)
    if arch == "resnet18":
        return ResNet((2, 2, 2, 2), channels, classes)
    if arch == "resnet34":
        return ResNet((3, 4, 6, 3), channels, classes)
    if arch == "mobilenet_v2":
        return MobileNetV2(channels, classes)
    raise SystemExit("unknown architecture " + arch)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch")
    p.add_argument("--bundle", help="a standard-CNN bundle: its network and weights")
    p.add_argument("--size", type=int, default=160)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--classes", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--train-batch", type=int, default=32)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--runs", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.bundle:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import sinar_bundle
        net, meta = sinar_bundle.load_bundle(a.bundle)
        pre = meta["preprocessing"]
        a.arch, a.channels, a.size, a.classes = "standard-cnn", pre["channels"], pre["height"], len(meta["class_names"])
    elif a.arch:
        net = build(a.arch, a.channels, a.classes)
    else:
        p.error("--arch or --bundle is required")
    params = sum(t.numel() for t in net.parameters())

    x = torch.randn(a.train_batch, a.channels, a.size, a.size)
    y = torch.randint(0, a.classes, (a.train_batch,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    net.train()

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    step()
    steps, t0 = 0, time.perf_counter()
    while steps < 3 or time.perf_counter() - t0 < 3.0:
        step()
        steps += 1
    train_ips = steps * a.train_batch / (time.perf_counter() - t0)

    net.eval()
    with torch.no_grad():
        xb = torch.randn(a.batch, a.channels, a.size, a.size)
        torch.softmax(net(xb), 1)
        runs, t0 = 0, time.perf_counter()
        while runs < 3 or time.perf_counter() - t0 < 3.0:
            torch.softmax(net(xb), 1)
            runs += 1
        infer_ips = runs * a.batch / (time.perf_counter() - t0)
        x1 = torch.randn(1, a.channels, a.size, a.size)
        net(x1)
        ms = []
        for _ in range(max(1, a.runs)):
            t = time.perf_counter()
            torch.softmax(net(x1), 1)
            ms.append((time.perf_counter() - t) * 1000)
    print(json.dumps({"arch": a.arch, "parameters": params, "threads": a.threads, "input": [a.channels, a.size, a.size],
                      "train_images_per_second": round(train_ips, 1), "infer_images_per_second": round(infer_ips, 1),
                      "latency_median_ms": round(statistics.median(ms), 2)}))


if __name__ == "__main__":
    main()
