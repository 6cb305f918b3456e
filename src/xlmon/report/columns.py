"""Column widths of the report's tables, from what they hold, so that a number, a rate, a grade (红灯) or a
header's word is never broken across lines when the draft is printed (Word, WPS, LibreOffice).

Widths are measured in points: Chinese characters and full-width punctuation take a full em (仿宋), digits and
Latin letters their Times New Roman advance (a digit half an em), the larger of regular and bold. A table's
cells have narrow side margins (CELL_MARGIN); a table is set in 五号 when it fits comfortably, else in 小五,
and only a table too wide even then goes on a landscape page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

WUHAO, XIAOWU = 10.5, 9.0  # 五号, 小五 in points
CELL_MARGIN = 57 / 20  # a cell's left and right margin, points (57 twips, 0.1 cm; Word's default is 0.19 cm)
SLACK = 2.0  # points each column keeps spare: borders, rounding to twips
PORTRAIT_WIDTH = (21 - 2.8 - 2.6) / 2.54 * 72  # the text width of an A4 page with the report's margins, points
LANDSCAPE_WIDTH = (29.7 - 3.7 - 3.5) / 2.54 * 72  # turned: the top and bottom margins go to the sides
SHORT = 8  # ems: a column whose longest cell is at most this wide is given room for it before long texts widen
COMFORT = 6  # ems: a column of long texts set in 五号 should keep at least this, else the table goes 小五
MAX_TOKEN = 12  # ems: a longer run of Latin letters or digits (a URL) may break, rather than take the table

# Times New Roman advances of " " … "~" in thousandths of an em, the larger of regular and bold
_ASCII = (250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278,
          500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
          930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778,
          611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500,
          333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500,
          556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 480, 220, 480, 541)
AUTOSPACE = 0.25  # ems Word and LibreOffice may put between Chinese text and Latin letters or digits


def _narrow(ch: str) -> bool:
    return " " <= ch <= "~"


def ems(text: str) -> float:
    """How wide `text` prints on one line, in ems: anything not ASCII (Chinese, full-width punctuation, ≥, “”) a
    full em, as the Chinese font draws it; ASCII its Times New Roman advance; a quarter em where they meet."""
    total, previous = 0.0, None
    for ch in text:
        narrow = _narrow(ch)
        total += _ASCII[ord(ch) - 32] / 1000 if narrow else 1.0
        if previous is not None and narrow != previous and ch != " ":
            total += AUTOSPACE
        previous = narrow
    return total


def text_width(text: str, size: float) -> float:
    """Points `text` takes on one line at `size` points."""
    return ems(text) * size


NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")
_GRADE = re.compile(r"[红黄绿]灯|未评级")
_TOKEN = re.compile(r"[^\s\u2e80-\uffff]+")  # a run of Latin letters, digits and signs (≥3200, 1,128.00, 102001)
_BRACKET = re.compile(r"[（(]")
_GRADE_PHRASE = re.compile(r"[^；;，,、。\s（）()]{0,6}[红黄绿]灯")  # 综合评级为红灯: kept on one line where it starts one


def atomic(text: str) -> bool:
    """A cell that must print on one line: a number, a rate, a grade."""
    return bool(NUMBER.fullmatch(text) or _GRADE.fullmatch(text))


def unbreakable(text: str) -> float:
    """Ems of the widest part of a cell that must not be broken: all of a number, a rate or a grade; in a text, its
    longest run of digits or Latin letters (capped at MAX_TOKEN), a grade with the words before it (综合评级为红灯),
    and any Chinese character."""
    text = text.strip()
    if not text:
        return 0.0
    if atomic(text):
        return ems(text)
    tokens = [ems(t) for t in (*_TOKEN.findall(text), *_GRADE_PHRASE.findall(text))]
    return min(max([1.0, *tokens]), MAX_TOKEN)


def _word_floor(n: int) -> int:
    """Characters a line of a header's word of n characters must hold: one line up to three (安排数), two of two
    for four (支出 / 进度), one line for five (年度指标值, no 值 alone), lines of four from six (全年预计 / 完成)."""
    return n if n <= 3 or n == 5 else 2 if n == 4 else 4


def _split(header: str) -> tuple[str, str]:
    """A header's word and its bracketed part: 下达率, （占本年预算）."""
    word = _BRACKET.split(header, 1)[0]
    return word, header[len(word):]


def header_floor(header: str) -> float:
    """Ems a header needs for header_lines to break it only between words: see _word_floor; a bracketed part on
    lines of up to four characters (（小计）, （占本年 / 预算）)."""
    word, bracket = _split(header)
    return max(ems(word[:_word_floor(len(word))]), ems(bracket[:4]), 1.0)


def _chunks(text: str, room: float) -> list[str]:
    """`text` on as few lines as fit in `room` ems, as even as may be, of an even number of characters where that
    fits (Chinese words are mostly of two): 全年预计 / 完成 rather than 全年预计完 / 成."""
    if ems(text) <= room or len(text) <= 1:
        return [text]
    most = max(1, next((k for k in range(len(text), 0, -1) if ems(text[:k]) <= room), 1))
    lines = math.ceil(len(text) / most)
    k = math.ceil(len(text) / lines)
    if (k - (text[0] in "（(")) % 2 and k + 1 <= most:  # （占本年 / 预算）: the bracket is not of a word
        k += 1
    return [text[i:i + k] for i in range(0, len(text), k)]


def header_lines(header: str, room: float) -> str:
    """The header as printed in `room` ems, its lines broken where a reader expects: on one line if it fits, else
    its word (broken between words if it must) above its bracketed part."""
    if ems(header) <= room:
        return header
    word, bracket = _split(header)
    lines = [*(_chunks(word, room) if word else []), *(_chunks(bracket, room) if bracket else [])]
    return "\n".join(lines)


@dataclass
class Layout:
    widths: list[float]  # points, each including its cell margins
    size: float  # the font size of the table's text, points
    landscape: bool = False
    headers: list[str] = field(default_factory=list)  # as printed: lines broken between words ("\n")

    def room(self, column: int) -> float:
        """Points of text a line of the column holds."""
        return self.widths[column] - 2 * CELL_MARGIN - SLACK


def _pad(em: float, size: float) -> float:
    return em * size + 2 * CELL_MARGIN + SLACK


@dataclass
class _Column:
    floor: float  # ems of its unbreakable parts: a number, a grade, a header's word
    want: float  # ems of its longest cell on one line
    typical: float  # ems of three cells in four on one line
    header: float  # ems of its header on one line
    header_two: float  # ems of its header's word on one line, its bracketed part below: 下达率 / （占本年预算）


def _columns(headers: list[str], rows: list[list[str]]) -> list[_Column]:
    cells = list(zip(*rows)) if rows else [()] * len(headers)
    out = []
    for header, column in zip(headers, cells):
        floor = max([header_floor(header), *(unbreakable(v) for v in column)])
        lengths = sorted(max(ems(line) for line in v.split("\n")) for v in column) or [0.0]
        want = max(floor, lengths[-1])
        typical = max(floor, lengths[(len(lengths) * 3 - 1) // 4])
        word, bracket = _split(header)
        out.append(_Column(floor, want, typical, ems(header), max(ems(word), ems(bracket[:4]))))
    return out


def _targets(cols: list[_Column], size: float) -> list[list[float]]:
    """What the columns are widened toward, in turn, in points with margins: their floors; short columns their
    whole cells (a target, a name); every column COMFORT ems of its text; most cells, then every cell on one line,
    so far as the room goes (long texts each by the same share, so that their rows wrap alike); headers' words
    on one line; headers on one line."""
    steps = [[c.floor for c in cols],
             [c.want if c.want <= SHORT else c.floor for c in cols],
             [min(c.want, COMFORT) for c in cols],
             [c.typical for c in cols],
             [c.want for c in cols],
             [c.header_two for c in cols],
             [c.header for c in cols]]
    out, last = [], [0.0] * len(cols)
    for step in steps:
        last = [max(a, _pad(b, size)) for a, b in zip(last, step)]
        out.append(last)
    return out


def _fill(widths: list[float], targets: list[float], room: float) -> float:
    """Widen the columns toward their targets, each by the same fraction of its target, within `room`; returns
    what is left of the room."""
    def spread(f: float) -> list[float]:
        return [max(w, min(t, f * t)) for w, t in zip(widths, targets)]

    base = sum(widths)
    if sum(spread(1.0)) - base <= room:
        new = spread(1.0)
    else:
        lo, hi = 0.0, 1.0
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if sum(spread(mid)) - base <= room else (lo, mid)
        new = spread(lo)
    widths[:] = new
    return room - (sum(new) - base)


def _fill_cheapest(widths: list[float], targets: list[float], room: float) -> float:
    """Widen whole columns to their targets, the cheapest first, while the room lasts (a header on fewer lines)."""
    for i in sorted(range(len(widths)), key=lambda i: targets[i] - widths[i]):
        cost = targets[i] - widths[i]
        if 0 < cost <= room:
            widths[i] = targets[i]
            room -= cost
    return room


def layout(headers: list[str], rows: list[list[str]]) -> Layout:
    """The columns' widths, the table's font size and its headers' lines: 五号 when every column gets its floor,
    COMFORT ems of its text and its header's word on one line, else 小五; a landscape page only when 小五 cannot
    give every column its floor on a portrait one."""
    cols = _columns(headers, rows)
    five = sum(_pad(max(c.floor, min(c.want, COMFORT), c.header_two), WUHAO) for c in cols)
    size = WUHAO if five <= PORTRAIT_WIDTH else XIAOWU
    targets = _targets(cols, size)
    floors = targets[0]
    landscape = sum(floors) > PORTRAIT_WIDTH
    available = LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH
    if sum(floors) > available:  # wider than a turned page: as much as there is, shared as the floors are
        widths = [available * f / sum(floors) for f in floors]
    else:
        widths = list(floors)
        room = available - sum(widths)
        for target in targets[1:5]:
            room = _fill(widths, target, room)
        for target in targets[5:]:
            room = _fill_cheapest(widths, target, room)
        if room > 0:  # all on one line: the table still spans the text width, its wider columns the wider
            total = sum(widths)
            widths = [w + room * w / total for w in widths]
    out = Layout(widths, size, landscape)
    out.headers = [header_lines(h, out.room(i) / size) for i, h in enumerate(headers)]
    return out
