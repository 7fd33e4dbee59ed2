#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""pngcheck.py PNG WIDTH HEIGHT [RRGGBB...]: a rendered chart is not blank.

Decodes the PNG (8-bit RGB or RGBA, not interlaced, as rsvg-convert writes
it) with the standard library alone, and fails (exit 1, the reason on
stdout) unless it is WIDTH x HEIGHT, at least 2 % of its pixels are not
the white background, and every colour given covers at least 30 pixels
(within a small distance, for anti-aliasing).
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG: depth %d type %d interlace %d" % (depth, ctype, interlace))
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    colours = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in sys.argv[4:]]
    w, h, bpp, rows = decode(path)
    if (w, h) != (want_w, want_h):
        print("size %dx%d, want %dx%d" % (w, h, want_w, want_h))
        return 1
    counts = [0] * len(colours)
    ink = 0
    for line in rows:
        for x in range(0, len(line), bpp):
            px = (line[x], line[x + 1], line[x + 2])
            if bpp == 4 and line[x + 3] < 128:
                continue
            if px != (255, 255, 255):
                ink += 1
            for k, c in enumerate(colours):
                if sum(abs(px[j] - c[j]) for j in range(3)) <= 30:
                    counts[k] += 1
    if ink < w * h * 0.02:
        print("blank: %d of %d pixels drawn" % (ink, w * h))
        return 1
    for k, c in enumerate(colours):
        if counts[k] < 30:
            print("colour #%02x%02x%02x: %d pixels" % (c + (counts[k],)))
            return 1
    print("ok: %dx%d, %d pixels drawn, colours %s" % (w, h, ink, counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
