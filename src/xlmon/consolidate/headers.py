"""How a summary's column headers (宋体 10, bold, centred, wrapped) break into lines, on screen in Excel and on paper
from LibreOffice, and the width that breaks each into balanced lines: 综合评级 as 综合/评级, never 综合评/级.

Excel draws a column `w` wide at int(7w + 0.5) + 5 pixels and wraps its text inside 2 to 3.5 pixels of padding each
side (as reckoned, not measured here); LibreOffice (with Calibri's metrics, Carlito's) lays out a line of 宋体 10 in
7.39w + 3 pixels (measured: where a line of 2 to 10 characters first fits, over widths 3 to 18 a pixel apart). A CJK character of 宋体 10 is 13.3
pixels in both; a Latin one half that in Excel's 宋体, as wide as DejaVu Sans Bold draws it where LibreOffice stands
in DejaVu for 宋体's Latin. LibreOffice keeps a closing bracket off a line's start and an opening one off its end;
Excel may not, and a width is chosen that breaks the header well either way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

EM = 40 / 3  # pixels of a CJK character of 宋体 10 at 96 dpi
_LATIN_WIDE = {**dict.fromkeys("0123456789", 0.696), "-": 0.415, "%": 1.002, ".": 0.38, " ": 0.348}  # DejaVu Bold
_OPENING = frozenset("（【《「『〔“‘([{<")
_CLOSING = frozenset("）】》」』〕”’，。、；：！？％)]}>,.;:!?%")
_TOKEN = re.compile(r"[\x21-\x7e]+|.", re.S)  # a word of Latin letters and digits breaks before or after it


@dataclass(frozen=True)
class View:
    """Where a header is drawn: pixels of a line in a column `w` wide (scale × w + offset), and a Latin character's
    width (in CJK characters; None: DejaVu Sans Bold's)."""
    name: str
    scale: float
    offset: float
    latin: float | None

    def room(self, width: float) -> float:
        if self.scale == 7:  # Excel draws whole pixels
            return int(width * 7 + 0.5) + self.offset
        return width * self.scale + self.offset


VIEWS = (View("Excel, 2 pixels padding", 7, 5 - 4, 0.5), View("Excel, 3.5 pixels padding", 7, 5 - 7, 0.5),
         View("LibreOffice", 7.39, 2.5, None), View("LibreOffice", 7.39, 3.5, None))


def _pixels(text: str, view: View) -> float:
    return EM * sum(1 if len(ch.encode()) > 1 else view.latin or _LATIN_WIDE.get(ch, 0.84) for ch in text)


def _pieces(text: str, kinsoku: bool) -> list[str]:
    """What a line breaks between: a CJK character, a Latin word; with kinsoku, a closing bracket or punctuation held
    to what precedes it and an opening bracket to what follows."""
    pieces: list[str] = []
    held = ""
    for token in _TOKEN.findall(text):
        if kinsoku and token in _OPENING:
            held += token
        elif kinsoku and pieces and token in _CLOSING and not held:
            pieces[-1] += token
        else:
            pieces.append(held + token)
            held = ""
    return pieces + ([held] if held else [])


def header_lines(text: str, width: float, view: View, kinsoku: bool) -> list[str]:
    """The lines a header breaks into in a column `width` wide, as `view` draws it: as much on each as it holds."""
    room, lines, line = view.room(width), [], ""
    for piece in _pieces(text.replace("\n", ""), kinsoku):
        if line and _pixels(line + piece, view) > room:
            lines.append(line)
            line = ""
        line += piece
    return [*lines, line]


def _balanced(text: str, width: float, most: int = 2) -> bool:
    """Whether a header shows whole in a column `width` wide, on at most `most` lines, none of them a character
    alone (but in a header of one), however it is drawn."""
    for view in VIEWS:
        for kinsoku in (False, True):
            lines = header_lines(text, width, view, kinsoku)
            if len(lines) > most or any(_pixels(line, view) > view.room(width) for line in lines):
                return False
            if len(lines) > 1 and min(map(len, lines)) < 2:
                return False
    return True


def balanced(headers: Sequence[str], width: float, most: int = 2) -> bool:
    """Whether each header breaks into balanced lines in a column `width` wide (_balanced)."""
    return all(_balanced(h, width, most) for h in headers if h)


STEPS = 400  # of a seventh of a unit (an Excel pixel): the widest a header widens its column past its values


@lru_cache(maxsize=4096)
def header_width(headers: tuple[str, ...], width: float, former: float) -> float:
    """The width of a column holding values `width` wide (with room beside them) under these headers (the first its
    own, the rest written below it): the least, no narrower, at which each header breaks into balanced lines: two,
    or three where two would widen the column past `former`, what it was (so widen the sheet and print it smaller);
    or, where none is as narrow as that, the least wider at which they break into two. A header too long for two
    lines of a sensible column wraps as it did."""
    for most, last in ((2, former), (3, former), (2, width + STEPS / 7)):
        for step in range(STEPS + 1):
            wider = round(width + step / 7, 4)
            if wider > last:
                break
            if balanced(headers, wider, most):
                return wider
    return former


def header_rows(headers: Sequence[str], widths: Sequence[float]) -> int:
    """Lines of a header row over columns of these widths: the most any of its headers takes, however drawn."""
    return max((len(header_lines(h, w, view, kinsoku)) for h, w in zip(headers, widths) if h
                for view in VIEWS for kinsoku in (False, True)), default=1)
