"""支出进度 against 时间进度, drawn with zlib and struct only (no plotting library to ship).

The figure is a borderless table the word processor sets (docx_writer): a row a unit, its name as text on the
left, its bar as a PNG strip in the middle and its 支出进度 as text on the right, under a header row whose
percentages sit on the bars' scale by centred tab stops. So every word in it is the document's own text, in its
fonts, and only the bars are pictures: the strips share one scale (`Scale`), their light guides at every 25 %
and the red line at 时间进度 meeting from row to row.
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass

PIXELS_PER_POINT = 4  # 288 dpi: sharp when printed
WHITE = (255, 255, 255)
GUIDE = (200, 204, 210)
AXIS = (90, 96, 104)
LINE = (192, 0, 0)
GRADE_COLOURS = {"green": (0x37, 0x86, 0x4F), "yellow": (0xD9, 0x9A, 0x06), "red": (0xC0, 0x39, 0x2B),
                 None: (0x44, 0x72, 0xC4)}
BAR_SHARE = 0.6  # of a strip's height


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


@dataclass(frozen=True)
class Scale:
    """The bars' scale across a strip `width` points wide: 0 at `pad` points from its left, `top` at `pad` from its
    right, so that the header's percentages centred on the ends fit."""
    top: float  # the largest value shown, a multiple of 25 %
    width: float  # points
    pad: float  # points

    @classmethod
    def of(cls, values: list[float | None], time_progress: float | None, width: float, pad: float) -> Scale:
        """Up to the largest value (100 % at least), but no further than the strip holds its percentages apart, a
        label's width (2 × pad) from tick to tick: a bar past it (支出数 typed in 元) runs to the strip's end."""
        largest = max([1.0, time_progress or 0.0, *(v or 0.0 for v in values)])
        room = math.floor((width - 2 * pad) / (2 * pad))
        return cls(min(math.ceil(largest * 4 - 1e-9), max(room, 4)) / 4, width, pad)

    def x(self, value: float) -> float:
        """Points from the strip's left edge."""
        return self.pad + (self.width - 2 * self.pad) * min(max(value, 0.0), self.top) / self.top

    @property
    def ticks(self) -> list[float]:
        return [i / 4 for i in range(round(self.top * 4) + 1)]

    def labels(self) -> list[tuple[float, str]]:
        """Where (points from the left) each percentage of the header is centred, and its text: 0%, 25% … ."""
        return [(self.x(t), f"{t * 100:g}%") for t in self.ticks]


def bar_strip(progress: float | None, grade: str | None, time_progress: float | None, scale: Scale,
              height: float) -> bytes:
    """One row's strip, `scale.width` × `height` points: the axis at 0, light guides at every 25 %, the bar (none
    when 支出进度 cannot be computed) coloured by grade, and the red line at 时间进度."""
    k = PIXELS_PER_POINT
    canvas = Canvas(round(scale.width * k), round(height * k))

    def px(value: float) -> int:
        return round(scale.x(value) * k)

    for tick in scale.ticks[1:]:
        canvas.rect(px(tick) - 1, 0, px(tick) + 1, canvas.height, GUIDE)
    if progress is not None:
        margin = round(canvas.height * (1 - BAR_SHARE) / 2)
        canvas.rect(px(0), margin, max(px(progress), px(0) + 1), canvas.height - margin,
                    GRADE_COLOURS.get(grade, GRADE_COLOURS[None]))
    if time_progress is not None:
        canvas.rect(px(time_progress) - 3, 0, px(time_progress) + 3, canvas.height, LINE)
    canvas.rect(px(0) - 2, 0, px(0) + 1, canvas.height, AXIS)
    return canvas.png()
