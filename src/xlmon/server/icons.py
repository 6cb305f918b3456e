"""Ribbon and add-in icons, drawn at request time so the package ships no binary assets.

Each icon is a few shapes (rounded rectangles and capsules) on a unit square, told how wide a pixel
is so outlines stay visible at 16 px. They are rendered from signed distances, which gives
anti-aliased edges at 16 px as well as at 80 px, and written as RGBA PNG with zlib and struct only:
the server must not need Pillow.
"""

from __future__ import annotations

import math
import re
import struct
import zlib
from dataclasses import dataclass
from functools import cache

ICON_SIZES = (16, 32, 64, 80)

Color = tuple[int, int, int, int]

GREEN: Color = (0x21, 0x73, 0x46, 255)
BLUE: Color = (0x1F, 0x5F, 0xB4, 255)
ORANGE: Color = (0xE8, 0x7D, 0x1E, 255)
PINK: Color = (0xE2, 0x5C, 0x6E, 255)
DARK: Color = (0x3F, 0x47, 0x52, 255)
GREY: Color = (0x93, 0x9C, 0xA7, 255)
KEY: Color = (0xDD, 0xE3, 0xEA, 255)
SCREEN: Color = (0xCD, 0xEA, 0xD6, 255)
WHITE: Color = (255, 255, 255, 255)


@dataclass(frozen=True)
class Box:
    """A rounded rectangle from (x0, y0) to (x1, y1), y pointing down."""

    x0: float
    y0: float
    x1: float
    y1: float
    radius: float
    color: Color

    def bounds(self) -> tuple[float, float, float, float]:
        return self.x0, self.y0, self.x1, self.y1

    def distance(self, x: float, y: float) -> float:
        hx, hy = (self.x1 - self.x0) / 2, (self.y1 - self.y0) / 2
        r = min(self.radius, hx, hy)
        qx = abs(x - (self.x0 + hx)) - (hx - r)
        qy = abs(y - (self.y0 + hy)) - (hy - r)
        return math.hypot(max(qx, 0.0), max(qy, 0.0)) + min(max(qx, qy), 0.0) - r


@dataclass(frozen=True)
class Capsule:
    """A stroke of the given radius from a to b with round ends; a dot when a == b."""

    ax: float
    ay: float
    bx: float
    by: float
    radius: float
    color: Color

    def bounds(self) -> tuple[float, float, float, float]:
        r = self.radius
        return (min(self.ax, self.bx) - r, min(self.ay, self.by) - r,
                max(self.ax, self.bx) + r, max(self.ay, self.by) + r)

    def distance(self, x: float, y: float) -> float:
        px, py, dx, dy = x - self.ax, y - self.ay, self.bx - self.ax, self.by - self.ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, (px * dx + py * dy) / length2))
        return math.hypot(px - dx * t, py - dy * t) - self.radius


def _dot(x: float, y: float, radius: float, color: Color) -> Capsule:
    return Capsule(x, y, x, y, radius, color)


def _sheet(x0: float, y0: float, x1: float, y1: float, px: float) -> list[Box]:
    """A white sheet of paper with a dark outline at least a pixel wide."""
    w = max(0.04, px)
    return [Box(x0, y0, x1, y1, 0.06, DARK), Box(x0 + w, y0 + w, x1 - w, y1 - w, 0.03, WHITE)]


def _logo(px: float) -> list:
    bars = [Box(x, top, x + 0.13, 0.78, 0.03, WHITE) for x, top in ((0.21, 0.56), (0.435, 0.42), (0.66, 0.24))]
    return [Box(0.06, 0.06, 0.94, 0.94, 0.16, GREEN), *bars]


def _calculator(px: float) -> list:
    keys = [
        Box(cx - 0.065, cy - 0.05, cx + 0.065, cy + 0.05, 0.02, ORANGE if (cx, cy) == (0.67, 0.80) else KEY)
        for cy in (0.48, 0.64, 0.80)
        for cx in (0.33, 0.50, 0.67)
    ]
    return [Box(0.16, 0.05, 0.84, 0.95, 0.10, DARK), Box(0.25, 0.14, 0.75, 0.33, 0.03, SCREEN), *keys]


def _check(px: float) -> list:
    return [
        _dot(0.5, 0.5, 0.44, GREEN),
        Capsule(0.29, 0.52, 0.44, 0.67, 0.07, WHITE),
        Capsule(0.44, 0.67, 0.72, 0.36, 0.07, WHITE),
    ]


def _eraser(px: float) -> list:
    return [
        Capsule(0.12, 0.88, 0.88, 0.88, 0.035, GREY),
        Capsule(0.45, 0.51, 0.74, 0.22, 0.17, BLUE),
        Capsule(0.26, 0.70, 0.42, 0.54, 0.17, PINK),
    ]


def _new_sheet(px: float) -> list:
    lines = [Box(0.24, y, 0.58, y + 0.05, 0.02, GREY) for y in (0.22, 0.35, 0.48)]
    return [
        *_sheet(0.12, 0.05, 0.70, 0.84, px),
        *lines,
        _dot(0.71, 0.73, 0.27, WHITE),
        _dot(0.71, 0.73, 0.23, GREEN),
        Capsule(0.59, 0.73, 0.83, 0.73, 0.045, WHITE),
        Capsule(0.71, 0.61, 0.71, 0.85, 0.045, WHITE),
    ]


def _sheets(px: float) -> list:
    corners = ((0.38, 0.04), (0.23, 0.19), (0.08, 0.34))
    shapes = [box for x, y in corners for box in _sheet(x, y, x + 0.56, y + 0.57, px)]
    shapes.append(Box(0.12, 0.38, 0.60, 0.48, 0.0, BLUE))
    return shapes + [Box(0.16, y, 0.56, y + 0.045, 0.0, GREY) for y in (0.57, 0.68, 0.79)]


_ICONS = {
    "logo": _logo,
    "calculator": _calculator,
    "check": _check,
    "eraser": _eraser,
    "new_sheet": _new_sheet,
    "sheets": _sheets,
}
ICON_NAMES = tuple(_ICONS)


def icon_filename(icon: str, size: int) -> str:
    """The file name the server serves an icon under, below {base}/icons/."""
    return f"{icon}-{size}.png"


def parse_icon_filename(filename: str) -> tuple[str, int] | None:
    """(icon, size) for a served icon file name, or None if there is no such icon."""
    match = re.fullmatch(r"([a-z_]+)-(\d+)\.png", filename)
    if not match or match[1] not in _ICONS or int(match[2]) not in ICON_SIZES:
        return None
    return match[1], int(match[2])


def _blend(pixels: bytearray, i: int, color: Color, coverage: float) -> None:
    """Paint `color` over pixel i (straight alpha) with the given coverage."""
    a = coverage * color[3] / 255
    below = pixels[i + 3] / 255
    out = a + below * (1 - a)
    if out <= 0:
        return
    for c in range(3):
        pixels[i + c] = round((color[c] * a + pixels[i + c] * below * (1 - a)) / out)
    pixels[i + 3] = round(out * 255)


def _render(shapes: list, size: int) -> bytearray:
    pixels = bytearray(size * size * 4)
    for shape in shapes:
        x0, y0, x1, y1 = shape.bounds()
        for py in range(max(0, int(y0 * size) - 1), min(size, math.ceil(y1 * size) + 1)):
            for px in range(max(0, int(x0 * size) - 1), min(size, math.ceil(x1 * size) + 1)):
                d = shape.distance((px + 0.5) / size, (py + 0.5) / size) * size
                coverage = min(1.0, max(0.0, 0.5 - d))
                if coverage > 0:
                    _blend(pixels, (py * size + px) * 4, shape.color, coverage)
    return pixels


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(width: int, height: int, rgba: bytes) -> bytes:
    """An 8-bit RGBA PNG of the given pixel rows, each row unfiltered."""
    stride = width * 4
    raw = b"".join(b"\x00" + rgba[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunks = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


@cache
def icon_png(icon: str, size: int) -> bytes:
    """The PNG of `icon` at size x size pixels; ValueError for an unknown icon or size."""
    if icon not in _ICONS:
        raise ValueError(f"no icon named {icon!r}; known: {', '.join(ICON_NAMES)}")
    if size not in ICON_SIZES:
        raise ValueError(f"icon size {size} not offered; sizes: {ICON_SIZES}")
    return encode_png(size, size, bytes(_render(_ICONS[icon](1 / size), size)))
