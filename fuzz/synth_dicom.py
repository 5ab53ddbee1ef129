#!/usr/bin/python3
"""Writes tiny uncompressed DICOM images (Part 10, explicit VR little endian) of
the pixel layouts the codecs handle differently: 8, 10, 12 and 16 bits, signed,
MONOCHROME1, RGB and multi-frame. fuzz/synth-seeds.sh compresses each with
DCMTK's own encoders (JPEG-LS, JPEG lossless and lossy, RLE) into seed inputs
for fuzz_dicom: the shared data holds few small files of some of these syntaxes.
The images are smooth ramps with a little noise, so the JPEG-LS coder uses both
its run mode and its regular mode. No patient data: every attribute is made up.

Usage: synth_dicom.py OUT_DIR"""
import struct
import sys

import numpy as np


def element(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode()
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "SQ", "UN", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value


def us(group, elem, value):
    return element(group, elem, "US", struct.pack("<H", value))


def write(path, rows, cols, samples, allocated, stored, frames, photometric, signed, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    ramp = (x * 7 + y * 3) % (1 << stored)
    planes = [(ramp + rng.integers(0, 4, (rows, cols)) * (i + 1)) % (1 << stored)
              for i in range(frames * samples)]
    pixels = np.stack(planes).reshape(frames, samples, rows, cols).transpose(0, 2, 3, 1)
    data = pixels.astype(np.uint8 if allocated == 8 else "<u2").tobytes()
    if len(data) % 2:
        data += b"\0"
    sop_class = "1.2.840.10008.5.1.4.1.1.7"
    sop = f"1.2.826.0.1.3680043.9.7133.1.{seed}"
    header = [
        element(0x0008, 0x0016, "UI", sop_class),
        element(0x0008, 0x0018, "UI", sop),
        element(0x0008, 0x0060, "CS", "OT"),
        element(0x0010, 0x0010, "PN", "Synthetic^Seed"),
        element(0x0020, 0x000D, "UI", f"1.2.826.0.1.3680043.9.7133.2.{seed}"),
        element(0x0020, 0x000E, "UI", f"1.2.826.0.1.3680043.9.7133.3.{seed}"),
        us(0x0028, 0x0002, samples),
        element(0x0028, 0x0004, "CS", photometric),
    ]
    if samples > 1:
        header.append(us(0x0028, 0x0006, 0))
    if frames > 1:
        header.append(element(0x0028, 0x0008, "IS", str(frames)))
    header += [
        us(0x0028, 0x0010, rows), us(0x0028, 0x0011, cols),
        us(0x0028, 0x0100, allocated), us(0x0028, 0x0101, stored), us(0x0028, 0x0102, stored - 1),
        us(0x0028, 0x0103, signed),
        element(0x7FE0, 0x0010, "OB" if allocated == 8 else "OW", data),
    ]
    meta = b"".join([
        element(0x0002, 0x0001, "OB", b"\0\1"),
        element(0x0002, 0x0002, "UI", sop_class),
        element(0x0002, 0x0003, "UI", sop),
        element(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1"),
        element(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.9.7133"),
    ])
    meta = element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta))) + meta
    with open(path, "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + meta + b"".join(header))


IMAGES = {  # name: rows, columns, samples, bits allocated, bits stored, frames, photometric, signed
    "gray8": (24, 20, 1, 8, 8, 1, "MONOCHROME2", 0),
    "gray10": (20, 20, 1, 16, 10, 1, "MONOCHROME2", 0),
    "gray12": (24, 20, 1, 16, 12, 1, "MONOCHROME2", 0),
    "gray16": (16, 16, 1, 16, 16, 1, "MONOCHROME2", 0),
    "gray16-signed-m1": (16, 16, 1, 16, 16, 1, "MONOCHROME1", 1),
    "rgb8": (16, 18, 3, 8, 8, 1, "RGB", 0),
    "gray8-3frames": (12, 12, 1, 8, 8, 3, "MONOCHROME2", 0),
}

if __name__ == "__main__":
    out = sys.argv[1]
    for i, (name, shape) in enumerate(IMAGES.items()):
        write(f"{out}/{name}.dcm", *shape, seed=i + 1)
