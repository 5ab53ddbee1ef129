#!/usr/bin/python3
"""Writes tiny uncompressed DICOM images (Part 10, explicit VR little endian) of
the pixel layouts the codecs handle differently: 8, 10, 12 and 16 bits, signed,
MONOCHROME1, RGB and multi-frame. fuzz/synth-seeds.sh compresses each with
DCMTK's own encoders (JPEG-LS, JPEG lossless and lossy, RLE) into seed inputs
for fuzz_dicom: the shared data holds few small files of some of these syntaxes.
The images are smooth ramps with a little noise, so the JPEG-LS coder uses both
its run mode and its regular mode. No patient data: every attribute is made up.
It also writes the syntaxes Sinar decodes itself (core/dicom/newer_syntaxes.h),
which no DCMTK tool writes: encapsulated uncompressed and deflated frames, single-bit
frames in RLE and deflated, and HTJ2K (when OpenJPH's ojph_compress is installed).

Usage: synth_dicom.py OUT_DIR"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

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


def pixels_of(rows, cols, samples, stored, frames, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:rows, 0:cols]
    ramp = (x * 7 + y * 3) % (1 << stored)
    planes = [(ramp + rng.integers(0, 4, (rows, cols)) * (i + 1)) % (1 << stored)
              for i in range(frames * samples)]
    return np.stack(planes).reshape(frames, samples, rows, cols).transpose(0, 2, 3, 1)


def frame_bytes(frame, allocated):
    """One frame's native bytes; single-bit frames packed from the lowest bit."""
    if allocated == 1:
        return np.packbits(frame.reshape(-1).astype(np.uint8) & 1, bitorder="little").tobytes()
    return frame.astype(np.uint8 if allocated == 8 else "<u2").tobytes()


def encapsulated(fragments):
    """Pixel data of undefined length: an empty offset table, then one item per fragment."""
    def item(b):
        if len(b) % 2:
            b += b"\0"
        return struct.pack("<HHI", 0xFFFE, 0xE000, len(b)) + b
    return (struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF) + item(b"")
            + b"".join(item(f) for f in fragments) + struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))


def write(path, rows, cols, samples, allocated, stored, frames, photometric, signed, seed,
          syntax="1.2.840.10008.1.2.1", fragments=None):
    pixels = pixels_of(rows, cols, samples, stored, frames, seed)
    if allocated == 1:
        bits = np.concatenate([np.unpackbits(np.frombuffer(frame_bytes(f, 1), np.uint8), bitorder="little")
                               [:rows * cols * samples] for f in pixels])
        data = np.packbits(bits, bitorder="little").tobytes()
    else:
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
    ]
    if fragments is None:
        header.append(element(0x7FE0, 0x0010, "OB" if allocated <= 8 else "OW", data))
    else:
        header.append(encapsulated(fragments(pixels)))
    meta = b"".join([
        element(0x0002, 0x0001, "OB", b"\0\1"),
        element(0x0002, 0x0002, "UI", sop_class),
        element(0x0002, 0x0003, "UI", sop),
        element(0x0002, 0x0010, "UI", syntax),
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
    "bits-3frames": (5, 7, 1, 1, 1, 3, "MONOCHROME2", 0),  # 35 bits a frame: native frames run on
}


def rle_one_segment(b):
    """An RLE frame (PS3.5 G.5) of one segment: `b` as PackBits literal runs."""
    head = struct.pack("<16I", 1, 64, *([0] * 14))
    return head + b"".join(bytes([len(b[i:i + 128]) - 1]) + b[i:i + 128] for i in range(0, len(b), 128))


def raw_deflate(b):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(b) + c.flush()


def htj2k(frame, stored):
    """An HTJ2K lossless codestream of one grey frame, by OpenJPH; None without it."""
    tool = shutil.which("ojph_compress")
    if not tool:
        return None
    with tempfile.TemporaryDirectory() as d:
        pgm, j2c = os.path.join(d, "f.pgm"), os.path.join(d, "f.j2c")
        rows, cols = frame.shape[:2]
        with open(pgm, "wb") as f:
            f.write(f"P5\n{cols} {rows}\n{(1 << stored) - 1}\n".encode())
            f.write(frame.reshape(rows, cols).astype(">u2" if stored > 8 else np.uint8).tobytes())
        subprocess.run([tool, "-i", pgm, "-o", j2c, "-reversible", "true"], check=True, stdout=subprocess.DEVNULL)
        with open(j2c, "rb") as f:
            return f.read()


NEWER = {  # name: image, transfer syntax, frame codec
    "gray8-3frames-encapsulated-uncompressed": ("gray8-3frames", "1.2.840.10008.1.2.1.98", lambda f, a, s: frame_bytes(f, a)),
    "gray12-deflated-frames": ("gray12", "1.2.840.10008.1.2.8.1", lambda f, a, s: raw_deflate(frame_bytes(f, a))),
    "bits-3frames-deflated-frames": ("bits-3frames", "1.2.840.10008.1.2.8.1", lambda f, a, s: raw_deflate(frame_bytes(f, a))),
    "bits-3frames-rle": ("bits-3frames", "1.2.840.10008.1.2.5", lambda f, a, s: rle_one_segment(frame_bytes(f, a))),
    "gray12-htj2k-lossless": ("gray12", "1.2.840.10008.1.2.4.201", lambda f, a, s: htj2k(f, s)),
}

if __name__ == "__main__":
    out = sys.argv[1]
    for i, (name, shape) in enumerate(IMAGES.items()):
        write(f"{out}/{name}.dcm", *shape, seed=i + 1)
    # Not for DCMTK's encoders (synth-seeds.sh copies these as they are): "newer-" files.
    seeds = {name: i + 1 for i, name in enumerate(IMAGES)}
    for name, (image, syntax, codec) in NEWER.items():
        shape = IMAGES[image]
        allocated, stored = shape[3], shape[4]
        frames = [codec(f, allocated, stored) for f in pixels_of(shape[0], shape[1], shape[2], stored, shape[5], seeds[image])]
        if any(f is None for f in frames):
            continue
        write(f"{out}/newer-{name}.dcm", *shape, seed=seeds[image], syntax=syntax, fragments=lambda p, fr=frames: fr)
