"""支出进度 against 时间进度 as a PNG, drawn with zlib and struct only (no plotting library to ship).

The picture carries no text: bars in the order of the table beside it, guides at 25/50/75/100 %,
and a red line at 时间进度; the caption says what is what.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 1200, 520
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 20, 20, 30
WHITE = (255, 255, 255)
GUIDE = (210, 214, 220)
AXIS = (90, 96, 104)
LINE = (192, 0, 0)
GRADE_COLOURS = {"green": (0x37, 0x86, 0x4F), "yellow": (0xD9, 0x9A, 0x06), "red": (0xC0, 0x39, 0x2B),
                 None: (0x44, 0x72, 0xC4)}


class Canvas:
    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        x0, x1 = max(0, min(x0, x1)), min(self.width, max(x0, x1))
        y0, y1 = max(0, min(y0, y1)), min(self.height, max(y0, y1))
        if x1 <= x0:
            return
        row = bytes(colour) * (x1 - x0)
        for y in range(y0, y1):
            start = (y * self.width + x0) * 3
            self.pixels[start:start + len(row)] = row

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(b"\x00" + bytes(self.pixels[y * stride:(y + 1) * stride]) for y in range(self.height))

        def chunk(tag: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def progress_chart(bars: list[tuple[float | None, str | None]], time_progress: float | None) -> bytes:
    """One bar per (支出进度, grade), coloured by grade, on a 0–100 % (or higher) scale."""
    canvas = Canvas(WIDTH, HEIGHT)
    top = max([1.0, time_progress or 0.0, *(p or 0.0 for p, _ in bars)])
    x0, x1, y0, y1 = PAD_LEFT, WIDTH - PAD_RIGHT, PAD_TOP, HEIGHT - PAD_BOTTOM

    def y_of(value: float) -> int:
        return round(y1 - (y1 - y0) * max(value, 0.0) / top)

    for quarter in (0.25, 0.5, 0.75, 1.0):
        y = y_of(quarter)
        canvas.rect(x0, y, x1, y + 2, GUIDE)
    slot = (x1 - x0) / max(len(bars), 1)
    for i, (progress, grade) in enumerate(bars):
        if progress is None:
            continue
        left = round(x0 + i * slot + slot * 0.2)
        right = round(x0 + (i + 1) * slot - slot * 0.2)
        canvas.rect(left, y_of(progress), right, y1, GRADE_COLOURS.get(grade, GRADE_COLOURS[None]))
    if time_progress is not None:
        y = y_of(time_progress)
        canvas.rect(x0, y - 2, x1, y + 2, LINE)
    canvas.rect(x0 - 2, y0, x0, y1 + 2, AXIS)
    canvas.rect(x0 - 2, y1, x1, y1 + 2, AXIS)
    return canvas.png()
