"""Tolerant parsing of what people type into the forms: labels, amounts, rates and targets.

Hand-typed forms carry full-width digits and brackets, spaces inside labels, thousands
separators, "12.5%" as text and "50万元"; this module turns them into plain values.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .grid import Uncached

_STRIP = re.compile(r"[\s:：,，、。.．\"“”'‘’()（）\[\]【】<>《》*]+")
_SPACES = re.compile(r"\s+")


# what shows nothing, pasted with a text from a web page or a chat (zero-width space, joiners, a BOM): a label or an
# amount carrying one was none (项目名称 unread, R105; 200 not a number, N001)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def nfkc(text: str) -> str:
    """Full-width to half-width (１２３ → 123, （ → (, ＞ → >), keeping ≥ ≤ √ as they are, and without what shows
    nothing."""
    text = unicodedata.normalize("NFKC", text)
    return _INVISIBLE.sub("", text) if _INVISIBLE.search(text) else text  # searched first: a text seldom has one


def label_key(value: object) -> str:
    """Compare labels by content only: no spaces, punctuation or width differences."""
    if not isinstance(value, str):
        return ""
    return _label_key(value)


@lru_cache(maxsize=16384)
def _label_key(value: str) -> str:
    return _STRIP.sub("", nfkc(value))


def label_keys(row: list) -> list[str]:
    """label_key of every cell of a row ("" for non-text cells)."""
    return ["" if v is None else _label_key(v) if isinstance(v, str) else "" for v in row]


# What a cell shows when its formula fails; every front end hands these over as text (the file adapter
# recovers them from the sheet, as python-calamine reads them as blanks).
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#DATA!"})


def formula_error(value: object) -> str | None:
    """The error a cell shows (#REF!, #DIV/0! …), or None."""
    return value if isinstance(value, str) and value in ERROR_VALUES else None


def clean_text(value: object) -> str | None:
    """A cell as display text, or None when it is empty (a formula with no saved result shows nothing). A line
    ends with "\n" alone: a text pasted with Windows line ends ("\r\n") shows the same, and LibreOffice saves it
    so (an xlmon summary saved again must not look edited). A boolean is TRUE or FALSE, as Excel shows it."""
    if value is None or value.__class__ is Uncached:
        return None
    if value is True or value is False:
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text or None


def as_shown(value: object) -> str:
    """A cell's value as Excel shows it, for a message quoting it: TRUE, 2026-03-05, 30:00:00 (not Python's
    True, 2026-03-05 00:00:00, 1 day, 6:00:00)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value).strip()


def first_names(names: list[str], shown: int, what: str = "") -> str:
    """Names for a sentence, the first few of a long list with how many in all (…等 12 个单位)."""
    return "、".join(names[:shown]) + (f"等 {len(names)} 个{what}" if len(names) > shown else "")


def plain_number(value: float) -> str:
    """A number as a person writes it: 1234567, 95.5, 0.3; never 1.23457e+06 as f"{value:g}" would."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("0", "-0") else f"{value:.6g}"


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DASHES = {"-", "--", "—", "——", "－", "/", "无", "—-"}
YUAN_PER_WAN = 10000  # amounts are in 万元; an amount in 元 is divided by this
WAN, YUAN = "万元", "元"
# an amount in each unit to 万元, as (multiply, divide): exact for what people type (600000元 → 60, 1.5亿元 → 15000)
UNIT_TO_WAN = {"元": (1, YUAN_PER_WAN), "千元": (1, 10), WAN: (1, 1), "百万元": (100, 1), "亿元": (10000, 1)}
# suffixes typed after an amount, longest first: "万元" ends with "元" too
_AMOUNT_UNITS = (("百万元", "百万元"), ("亿元", "亿元"), ("千元", "千元"), ("万元", WAN), ("亿", "亿元"), ("万", WAN),
                 ("元", YUAN))


def to_wan(amount: float, unit: str) -> float:
    multiply, divide = UNIT_TO_WAN[unit]
    return amount * multiply / divide


def wan_scale(unit: str) -> float:
    """What an amount in 万元 is multiplied by to be in `unit` (10000 for 元, 0.0001 for 亿元)."""
    multiply, divide = UNIT_TO_WAN[unit]
    return divide / multiply


class NotANumber(ValueError):
    """The cell holds text that cannot be read as a number."""


def parse_number(value: object, *, percent: bool = False) -> float | None:
    """Read an amount (in 万元) or rate; None for blank or a dash; NotANumber for anything else.

    With ``percent`` a trailing % divides by 100 (rates are fractions); otherwise a
    trailing % is rejected, because an amount cannot be a percentage. An amount typed
    with 元 ("500000元") is converted to 万元 (50); parse_amount also tells which unit was typed.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _sane(float(value), value)
    if percent:
        return _parse_rate(value)
    return _parse_text_amount(value)[0]


MAX_NUMBER = 1e15  # 万元: beyond any budget, and far enough from float's limit that sums of such stay finite


def _sane(number: float, value: object) -> float:
    """A number no form holds (1e400, read as infinity; 1.5e308, whose sum is): not a number, so that no total,
    rate or JSON output becomes inf or NaN."""
    if not -MAX_NUMBER < number < MAX_NUMBER:
        raise NotANumber(value)
    return number


def parse_amount(value: object) -> tuple[float | None, str | None]:
    """An amount in 万元 and the unit typed with it: WAN ("50万元", "7万"), YUAN ("500000元", read as 50), another
    of UNIT_TO_WAN ("1.5亿元", read as 15000) or None (a bare number, or blank); NotANumber as parse_number."""
    if value is None:  # most cells of a form: first, as the reader calls this for every amount cell
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _sane(float(value), value), None
    return _parse_text_amount(value)


def _compact(value: object) -> str | None:
    """The text of a cell without spaces or thousands separators; None for blank or a dash."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(value)
    text = _SPACES.sub("", nfkc(str(value)))
    if not text or text in _DASHES:
        return None
    if "," not in text:
        return text
    grouped = _GROUPED.match(text)  # 1,234.5 is 1234.5; 100,5 is no number (a slip for 100.5, or 1005?)
    return text.replace(",", "") if grouped and "," not in text[grouped.end():] else text


_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?(?![\d,])")


def _parse_rate(value: object) -> float | None:
    text = _compact(value)
    if text is None:
        return None
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1], 0.01
    if not _NUMBER.match(text):
        raise NotANumber(value)
    return _sane(float(text), value) * scale


def _parse_text_amount(value: object) -> tuple[float | None, str | None]:
    text = _compact(value)
    if text is None:
        return None, None
    unit = None
    for suffix, name in _AMOUNT_UNITS:
        if text.endswith(suffix):
            text, unit = text[: -len(suffix)], name
            break
    if not _NUMBER.match(text):  # "12.5%" too: an amount cannot be a percentage
        raise NotANumber(value)
    return _sane(to_wan(float(text), unit) if unit else float(text), value), unit


OPERATORS = (">=", ">", "=", "<", "<=")
_OP_SYMBOLS = {
    "≥": ">=", ">=": ">=", "=>": ">=", "不低于": ">=", "不少于": ">=", "大于等于": ">=",
    "大于或等于": ">=", "至少": ">=", "≧": ">=", "不小于": ">=", "最少": ">=", "不得低于": ">=",
    "不得少于": ">=", "高于或等于": ">=",
    "≤": "<=", "<=": "<=", "=<": "<=", "不高于": "<=", "不超过": "<=", "不多于": "<=",
    "小于等于": "<=", "小于或等于": "<=", "≦": "<=", "不大于": "<=", "最多": "<=", "不得超过": "<=",
    "不得高于": "<=", "低于或等于": "<=", "控制在": "<=",
    ">": ">", "大于": ">", "高于": ">", "超过": ">", "多于": ">",
    "<": "<", "小于": "<", "低于": "<", "少于": "<",
    "=": "=", "==": "=", "等于": "=", "达到": ">=",
}
_OP_PATTERN = "|".join(sorted((re.escape(k) for k in _OP_SYMBOLS), key=len, reverse=True))
# a bound written after the number: 95%以上, 5%以下, 30天以内, 3个月内, 12月底前; then perhaps (已)完成 (30日内完成,
# 100%完成, 6月已完成), which says what is due or done, not in what unit
_OP_SUFFIXES = {"及以上": ">=", "或以上": ">=", "以上": ">=", "及以下": "<=", "或以下": "<=", "以下": "<=",
                "以内": "<=", "之内": "<=", "内": "<=", "之前": "<=", "以前": "<=", "前": "<="}
_TARGET = re.compile(
    rf"^(?:(?P<name>\D*?)(?P<op>{_OP_PATTERN}))?(?P<num>[+-]?(\d+(\.\d*)?|\.\d+))(?P<unit>[^\d]*?)"
    rf"(?P<suffix>{'|'.join(sorted(_OP_SUFFIXES, key=len, reverse=True))})?(?:(?:已经|已)?完成)?$"
)
_QUALITATIVE_OPS = {"定性", "qualitative"}
# NFKC makes ㎡, m² and ㎥ 「m2」 and 「m3」, whose digit no unit may hold; they are given their superscript back
_SQUARED = re.compile(r"(?<![A-Za-z])([kcd]?m)([23])(?![\d.])")


def _compact_target(text: str) -> str:
    """A target or completion as the pattern reads it: half-width, no spaces or thousands separators, m² kept."""
    compact = _SPACES.sub("", nfkc(text)).replace(",", "")
    return _SQUARED.sub(lambda m: m[1] + ("²" if m[2] == "2" else "³"), compact) if "m" in compact else compact


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed 年度指标值: operator (or "qualitative"), number and unit."""

    text: str
    operator: str | None
    value: float | None
    unit: str | None


def parse_operator(value: object) -> str | None:
    """A 计算符号 column cell: ≥ ＞ ＝ ＜ ≤ and their ASCII or worded forms, or 定性."""
    text = label_key(value) if isinstance(value, str) else ""
    raw = _SPACES.sub("", nfkc(value)) if isinstance(value, str) else ""
    if not raw:
        return None
    if text in _QUALITATIVE_OPS or raw in _QUALITATIVE_OPS:
        return "qualitative"
    return _OP_SYMBOLS.get(raw)


def parse_target(value: object, operator: object = None, unit: object = None) -> Target | None:
    """Split a target into operator, number and unit; text is qualitative. The operator is the one written
    before the number (不大于5%, 合格率≥95% after the indicator's name), else after it (30天以内), else the 计算符号
    column's; a bare number means ≥,
    but a bare 0 (0起, 零事故 as a count) is a ceiling: ≥ 0 would hold whatever happened."""
    if type(value) is str and (operator is None or type(operator) is str) and (unit is None or type(unit) is str):
        return _parse_text_target(value, operator, unit)
    return _parse_target(value, operator, unit)


@lru_cache(maxsize=8192)
def _parse_text_target(value: str, operator: str | None, unit: str | None) -> Target | None:
    """Forms of one template repeat the same targets; a Target is immutable, so text ones are cached."""
    return _parse_target(value, operator, unit)


def _parse_target(value: object, operator: object, unit: object) -> Target | None:
    text = clean_text(value)
    if text is None:
        return None
    op_col = parse_operator(operator)
    unit_col = clean_text(unit)
    if op_col == "qualitative":
        return Target(text, "qualitative", None, unit_col)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Target(text, op_col or _bare(float(value)), float(value), unit_col)
    match = _TARGET.match(_compact_target(text))
    if not match:
        return Target(text, "qualitative", None, unit_col)
    number = float(match["num"])
    op = (_OP_SYMBOLS[match["op"]] if match["op"] else _OP_SUFFIXES[match["suffix"]] if match["suffix"]
          else op_col or _bare(number))
    unit_text = match["unit"] or unit_col
    return Target(text, op, number, unit_text or None)


def _bare(number: float) -> str:
    return "<=" if number == 0 else ">="


def parse_measure(value: object) -> tuple[float | None, str | None] | None:
    """A completion value as (number, unit) when it reads as a number, else None (text)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value), None
    if type(value) is str:
        return _parse_text_measure(value)
    return _parse_measure(value)


@lru_cache(maxsize=8192)
def _parse_text_measure(value: str) -> tuple[float | None, str | None] | None:
    return _parse_measure(value)


# Words around a completion value that do not change it: 约95%, 预计100%, 完成率96%, 95%左右, 96%（预计）
_MEASURE_LEAD = re.compile("^(?:" + "|".join(sorted(
    ("约", "大约", "预计", "预计达到", "预计可达到", "预计完成", "完成", "完成率", "已完成", "实际完成", "累计", "累计完成",
     "达到", "已达到", "可达到"), key=len, reverse=True)) + ")")
_MEASURE_NOTE = re.compile(r"(?:[(][^()]*[)]|左右|上下)+$")
# What finishing is called (grading reads dates tied to these too)
DONE_WORDS = r"完成|完工|竣工|验收|交付|交工|办结|完结|投入使用|投入运行|投用|上线|建成|结束|完毕|拨付|到位|结项|结题|通车"
# A "unit" that is a clause, not a unit: it says what is done or expected (6月已完成一期，二期预计明年完成), or runs long
_CLAUSE_UNIT = re.compile(rf"{DONE_WORDS}|预计|计划|[;；。、!！?？]|.{{9}}")


def _parse_measure(value: object) -> tuple[float | None, str | None] | None:
    compact = _MEASURE_NOTE.sub("", _MEASURE_LEAD.sub("", _compact_target(str(value))))
    match = _TARGET.match(compact)
    if not match or match["op"] or _CLAUSE_UNIT.search(match["unit"]):  # ≥95% copied from the target: not achieved
        return None
    return float(match["num"]), (match["unit"] or None)


def cjk_width(line: str) -> int:
    """A CJK character (3 bytes in UTF-8) counts 2, ASCII 1."""
    return (len(line.encode()) - len(line)) // 2 + len(line)


# A code or a word of letters: a line breaks before or after it, with the brackets around it, never within it
_UNBROKEN = re.compile(r"([（《“‘【〔(\[]*[\x21-\x7e]{2,}[）》”’】〕，。、；：！？)\]]*)")
_RUN = re.compile(r"[\x21-\x7e]{2}")  # a text without one breaks anywhere
_SLASHED = re.compile(r"(?<=/)(?=[A-Za-z])")  # where LibreOffice breaks within a code: http://|example.com


def wrapped_lines(text: str, width: float) -> int:
    """How many lines a wrapped text takes in a column `width` wide: CJK breaks anywhere, a code or a word of
    letters only before or after it (one longer than a line after a slash, else anywhere: _stretches)."""
    usable = max(width - 2, 2)
    lines = 0
    for part in text.split("\n"):
        if not _RUN.search(part):
            lines += max(1, math.ceil(cjk_width(part) / usable))
            continue
        lines, used = lines + 1, 0
        for i, piece in enumerate(_UNBROKEN.split(part)):  # what breaks anywhere, a code, what breaks anywhere…
            for stretch in _stretches(piece, usable) if i % 2 else (piece,):
                size = cjk_width(stretch)
                if i % 2 and used and used + size > usable:
                    lines, used = lines + 1, 0
                used += size
                while used > usable:
                    lines, used = lines + 1, used - usable
    return lines


def _stretches(code: str, usable: float) -> list[str]:
    """A code as a line takes it: whole where it fits a line; one longer broken after its slashes (a link's
    http://|example.com), LibreOffice's first choice, and only within a stretch still longer than a line anywhere.
    Broken anywhere, http:// shared its line with example.com, and a row was planned a line short."""
    return [code] if cjk_width(code) <= usable else _SLASHED.split(code)


def utf16_len(text: str) -> int:
    """A text's length as Excel counts it (its limits are in UTF-16 units): a character beyond the BMP is two."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_prefix(text: str, units: int) -> str:
    """The longest start of a text within `units` UTF-16 units, no character split."""
    return text.encode("utf-16-le", "surrogatepass")[:max(units, 0) * 2].decode("utf-16-le", "ignore")


def fit_utf16(text: str, room: int, cut: str) -> str:
    """A text, or as much of its start as leaves room for `cut` after it within `room` UTF-16 units: Excel refuses a
    longer one (a cell's text, a comment, a link's tip)."""
    return text if utf16_len(text) <= room else utf16_prefix(text, room - utf16_len(cut)) + cut
