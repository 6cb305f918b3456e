"""Read a monitoring form from a value grid by its labels, not by fixed addresses.

Works on our templates and on forms typed by hand in the official layout: extra blank rows or
columns, merged cells (value in the top-left cell only), labels with spaces or full-width
characters, a different title, 一级/二级 merged over rows or repeated on each row.
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from . import layout as L
from .calc import fmt_rate
from .diagnostics import Diagnostic, make
from .grid import Grid, Uncached, address, parse_address
from .models import Block, Form, FundingRow, Indicator
from .text import (UNIT_TO_WAN, WAN, YUAN, NotANumber, as_shown, clean_text, formula_error, label_key, label_keys,
                   nfkc, parse_amount, parse_measure, parse_number, parse_target, plain_number, to_wan)

_CN_ONE_TO_NINE = "一二三四五六七八九"
_TO_DIGITS = str.maketrans({**dict.fromkeys("〇零○", "0"), **{d: str(i) for i, d in enumerate(_CN_ONE_TO_NINE, 1)}})
_CN_MONTHS = {"十": "10", "十一": "11", "十二": "12", **{d: str(i) for i, d in enumerate(_CN_ONE_TO_NINE, 1)}}
_DASH = r"(?:[-－—–―‐‑‒−~～〜]+|至|到|一)"  # 1-6月, 1——6月, 1至6月, 1一6月 (一 typed for a dash)
# 1-6月, 1-9月, 1-3月; the end of a quarter (二季度末) is the figures up to it, as 上半年
_HALVES = {"上半年": "6", "前三季度": "9", **{f"{first}{q}季度": "3" for q in "一1" for first in ("第", "")},
           **{f"{first}{q}季度末": months for q, months in (("一", "3"), ("二", "6"), ("三", "9"), ("四", "12"),
                                                        ("1", "3"), ("2", "6"), ("3", "9"), ("4", "12"))
              for first in ("第", "")}}
# 2024年, 二〇二四年, 二零二四年 (○: the circle people type for 〇); 26年 is read to be reported (S102)
_YEAR = rf"(?:[0-9〇零○{_CN_ONE_TO_NINE}]{{4}}|\d{{2,3}}|[X×xＸ]{{2,4}})"
_PERIOD = re.compile(
    rf"(?P<year>{_YEAR})\s*(?:年\s*度?|(?<=\d{{4}})[./])\s*(?:"  # 2026年, or 2026.1-6月 / 2026/1-6月
    # from January, with its first day or the year again: 1-6月, 1月1日至6月30日, 1月—2026年6月
    rf"(?:(?:0?1|一)\s*(?:月份?)?\s*(?:(?:0?1|一)\s*日)?\s*{_DASH}\s*(?:{_YEAR}\s*年\s*)?)?"
    rf"(?P<months>\d{{1,2}}|[XxＸ×]{{1,2}}|十[一二]?|[{_CN_ONE_TO_NINE}])\s*月"
    rf"|(?:0?1|一)\s*{_DASH}\s*(?P<bare>\d{{1,2}})(?=\s*\)|\s*$)"  # 2026年1-6, its 月 left off
    rf"|(?P<half>{'|'.join(_HALVES)}))")
_HEADER_MONTHS = re.compile(r"1-(\d{1,2})月")
# a period that does not run from January: 2026年4-6月, 2026年第二季度, 2026年7月 (one month's figures)
_NOT_CUMULATIVE = re.compile(
    rf"\d{{4}}\s*(?:年\s*度?|[./])\s*(?:(?:0?[2-9]|1[0-2])\s*(?:月份?)?\s*(?:\d{{1,2}}\s*日)?\s*{_DASH}\s*(?:\d{{4}}\s*年\s*)?"
    rf"\d{{1,2}}\s*月|第?[二三四2-4]\s*季度(?!\s*末)"
    rf"|下半年)")
_TOTAL_KEYS = {label_key(L.TOTAL_ROW), "合计", "总计", "小计", "资金总额合计"}
_TOTAL_ENDINGS = ("资金总额", "合计", "总计")  # 项目资金总额, 年度资金总额 (the national form's), 资金合计
_TOTAL_OF = re.compile(r"(?:合计|总计|小计)$")
_ROW_KEYS = {label_key(x): x for x in (*L.PROJECT_SOURCES, *L.DEPARTMENT_FUND_TYPES, *L.DEPARTMENT_SPENDING_TYPES)}
_ROW_KEYS.update({k.replace("区", ""): v for k, v in _ROW_KEYS.items() if "区" in k})  # 县财政资金
# What units type for the project form's sources: without them a row's amounts were left out of the total.
# 本级财政资金 is not among them: 本级 is the city for a city's unit and the county for a county's.
_SOURCE_ALIASES = {
    "中央财政资金": ("中央资金", "中央补助资金", "中央财政补助资金", "中央转移支付资金", "中央预算内资金"),
    "省级财政资金": ("省级资金", "省财政资金", "省资金", "省级补助资金", "省补助资金", "省级财政补助资金"),
    "市级财政资金": ("市级资金", "市财政资金", "市本级资金", "市本级财政资金", "市级财政补助资金"),
    "县（区）财政资金": ("县级财政资金", "区级财政资金", "县区级财政资金", "县市区财政资金", "县级资金", "区级资金",
                   "区财政资金"),
    "单位自筹资金": ("自筹资金", "单位自有资金", "自有资金"),
    "其他资金": ("其他", "其它", "其它资金", "其他来源资金"),
}
_ROW_KEYS.update({label_key(alias): row for row, aliases in _SOURCE_ALIASES.items() for alias in aliases})
# What units type for 附件3's rows, the names of their budgets and books (the national forms' 一般公共预算拨款, 部门预算's
# 财政拨款收入, 事业收入…), read so in a 部门整体 form only: a project form's 其他资金 is its own source, not 单位资金.
# 财政拨款 beside 政府性基金 is the general budget's; 单位资金 is all the unit's own money, 其他资金 too.
_DEPARTMENT_ALIASES = {
    "一般公共预算资金": ("一般公共预算", "一般公共预算拨款", "一般公共预算财政拨款", "一般公共预算拨款收入", "一般公共预算收入",
                 "一般公共预算资金拨款", "财政拨款", "财政拨款资金", "财政拨款收入", "财政补助", "财政补助收入"),
    "政府性基金预算资金": ("政府性基金", "政府性基金预算", "政府性基金拨款", "政府性基金预算拨款", "政府性基金预算财政拨款",
                  "政府性基金资金", "政府性基金预算拨款收入", "政府性基金收入"),
    "国有资本经营预算资金": ("国有资本经营预算", "国有资本经营预算拨款", "国有资本经营预算财政拨款", "国有资本经营资金",
                   "国有资本经营预算拨款收入", "国有资本经营预算收入"),
    "社会保险基金预算资金": ("社会保险基金", "社会保险基金预算", "社会保险基金资金", "社保基金", "社保基金预算", "社保基金预算资金"),
    "财政专户管理资金": ("财政专户", "财政专户资金", "财政专户管理资金收入", "财政专户拨款", "财政专户管理的资金"),
    "单位资金": ("单位自有资金", "单位自筹资金", "自有资金", "自筹资金", "单位其他资金", "单位资金收入", "其他资金", "其他", "其它",
             "其它资金", "其他收入", "事业收入", "经营收入", "事业单位经营收入", "上级补助收入", "上级补助", "附属单位上缴收入"),
    "基本支出": ("基本支出资金", "基本经费"),
    "项目支出": ("项目支出资金", "项目经费"),
}
_PROJECT_ONLY = frozenset(L.PROJECT_SOURCES) - set(L.DEPARTMENT_FUND_TYPES)
# S113's words for a project form's row of no known name, and for a 部门整体 form's
_UNNAMED = {
    False: {"lost": "汇总时不计入任何一个来源", "names": "、".join(L.PROJECT_SOURCES)},
    True: {"lost": "部门汇总时无法归入部门整体表的任何一行，本表金额将不予预填",
           "names": f"按资金类型：{'、'.join(L.DEPARTMENT_FUND_TYPES)}；按支出类型：{'、'.join(L.DEPARTMENT_SPENDING_TYPES)}"},
}
_DEPARTMENT_ROW_KEYS = {label_key(alias): row for row, aliases in _DEPARTMENT_ALIASES.items() for alias in aliases}
# words only a 部门整体 form's funding rows hold: a form whose title does not say 部门整体 is one by its rows
_DEPARTMENT_WORDS = ("一般公共预算", "政府性基金", "国有资本经营", "社会保险基金", "社保基金", "财政专户", "单位资金", "基本支出")
_SPENDING_KEYS = {label_key(x) for x in L.DEPARTMENT_SPENDING_TYPES}
_DEPARTMENT_KEYS = {label_key(x) for x in (*L.DEPARTMENT_FUND_TYPES, *L.DEPARTMENT_SPENDING_TYPES)}
_HEADER_FIELDS = (
    ("project", ("项目名称",)),
    ("department", ("主管部门及代码", "主管部门单位及代码", "主管部门", "部门名称", "主管部门单位名称及代码", "主管部门单位名称",
                    "主管部门单位", "主管部门名称及代码", "主管部门名称", "部门单位名称及代码", "部门单位名称", "部门单位及代码",
                    "部门名称及代码")),
    ("unit", ("预算单位", "单位名称", "项目单位", "实施单位", "单位名称及代码", "单位名称代码", "预算单位名称", "预算单位及代码")),
)
_GOAL_KEYS = ("项目年度绩效目标", "部门年度绩效目标", "年度绩效目标", "年度总体目标", "绩效目标")
_ALL_HEADER_LABELS = {k for _, keys in _HEADER_FIELDS for k in keys} | set(_GOAL_KEYS)
_HEADER_LABELS = tuple(k for _, keys in _HEADER_FIELDS for k in keys)
_ANY_HEADER_LABEL = tuple(_ALL_HEADER_LABELS)
_SEP = "\x1f"  # joins a row's keys; label_key strips it (whitespace), so no key holds it


def _key_starting(*prefixes: str) -> re.Pattern[str]:
    """Finds, in a row's joined keys, a key that starts with one of the prefixes."""
    return re.compile(f"(?:^|{_SEP})(?:{'|'.join(map(re.escape, prefixes))})")


_GOAL_KEY = _key_starting(*_GOAL_KEYS)
_REASON_NOTE_KEY = _key_starting("1偏差原因分析")
_SKIP_LEVEL3 = {"", "…", "……", "...", "......", "…………"}
_FOOTNOTE = re.compile(r"^(注|说明|备注\d|[1１]偏差原因分析|填表说明)")
# a footnote as typed (half-width, no spaces): 注：, 注1., 注意：, 说明：, 填表说明, 备注：1., 1．偏差原因分析; not an
# indicator whose name begins so, 注册志愿者人数 or 说明会举办场次
_FOOTNOTE_TEXT = re.compile(r"^(?:(?:填表)?说明|注意事项|注意|注)(?:$|[:.、(\d一二三])|^备注:?\d|^1[.、]?偏差原因分析")
# who signs a form off, on a line below its table: 填报人：张三  联系电话：…  审核人：…, 填报单位（盖章）：
_SIGN_OFF_WORDS = ("填报人", "填表人", "制表人", "审核人", "复核人", "经办人", "联系人", "联系电话", "负责人", "单位负责人",
                   "财务负责人", "项目负责人", "分管领导", "单位领导", "填报日期", "填表日期", "报送日期", "填报单位")
_SIGN_OFF = re.compile(rf"^(?:{'|'.join(_SIGN_OFF_WORDS)})(?:\([^()]*\))?(?::|$)")
# what a likelihood column holds where it is not chosen: a cross, an empty box or circle (WPS's check boxes), FALSE
# (a cell linked to a check box)
_NO_MARK = {"", "×", "✗", "否", "0", "无", "-", "/", "□", "☐", "○", "◯", "FALSE", "false", "False"}
_LIKELIHOODS_LONGEST_FIRST = sorted(L.LIKELIHOODS, key=len, reverse=True)
_INDICATOR_VALUES = {"target": "年度指标值", "actual": "指标完成情况", "forecast": "全年指标预计完成情况"}
# the columns an indicator is judged by: one not found (S122) leaves what it holds unknown, not blank
_INDICATOR_COLUMNS = {"level3": "三级指标", **_INDICATOR_VALUES, "reason": "偏差原因分析", "likelihood": "完成目标可能性"}
# an indicator's texts, and its likelihood, which a formula with no saved result leaves unknown (N006) but not blank
_INDICATOR_TEXTS = {"level1": "一级指标", "level2": "二级指标", "level3": "三级指标", "reason": "偏差原因分析",
                    "remark": "备注", "likelihood": "完成目标可能性", "likelihood_sure": "完成目标可能性·确定能",
                    "likelihood_maybe": "完成目标可能性·有可能", "likelihood_never": "完成目标可能性·完全不可能"}
_LIKELIHOOD_FIELDS = {"likelihood_sure": "确定能", "likelihood_maybe": "有可能", "likelihood_never": "完全不可能"}


@dataclass
class _Sheet:
    name: str
    grid: Grid
    keys: list[list[str]]
    joined: list[str]  # each row's keys as one string, for "does any key in this row contain …"
    start: int = 0  # the form's first row: those above are the forms read before, blanked
    mapped: dict[tuple, dict[str, int]] = field(default_factory=dict)  # _map_columns, by rows and table
    # the funding rows hidden with amounts (S133), by label: (row, column) of each, 0-based
    hidden_rows: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def raw(self, r: int, c: int):
        if 0 <= r < len(self.grid) and 0 <= c < len(self.grid[r]):
            return self.grid[r][c]
        return None

    def key(self, r: int, c: int) -> str:
        if 0 <= r < len(self.keys) and 0 <= c < len(self.keys[r]):
            return self.keys[r][c]
        return ""

    def rows_with(self, needle: str, start: int = 0) -> list[int]:
        return [r for r in range(max(start, self.start), len(self.joined)) if needle in self.joined[r]]

    def has_key(self, r: int, pattern: re.Pattern[str]) -> bool:
        """Whether a key of row r matches a _key_starting pattern."""
        return pattern.search(self.joined[r]) is not None


def read_form(grid: Grid, sheet: str, start: int = 0, hidden: frozenset[int] = frozenset(),
              keys: list[list[str]] | None = None) -> tuple[Form | None, list[Diagnostic]]:
    """The sheet's form from row `start` (0-based) and what was wrong with reading it; None when there is none.
    Units stack several projects' forms on one sheet: a form followed by another has `place` set to its rows,
    and the next is read from where this one's place ends (check_sheets). hidden: the sheet's rows hidden in Excel
    (0-based), whose amounts are not counted (S133). keys: the sheet's label_keys, row by row, which a sheet of
    many stacked forms has worked out once (sheet_keys), not once a form."""
    keys = sheet_keys(grid) if keys is None else keys
    if start:  # the rows above belong to the forms read before: blank, so that cells keep their addresses
        grid = [[None] * len(row) for row in grid[:start]] + grid[start:]
        keys = [[""] * len(row) for row in keys[:start]] + keys[start:]
    s = _Sheet(sheet, grid, keys, [""] * start + [_SEP.join(row) for row in keys[start:]], start)
    funding_headers = [r for r in s.rows_with("上年结转") if _is_funding_header(s, r)]
    indicator_header = next((r for r in range(start, len(keys)) if _is_indicator_header(s, r)), None)
    if not funding_headers and indicator_header is None:
        return None, []
    diags: list[Diagnostic] = []
    first_keys = [""] * start + [next(filter(None, row), "") for row in keys[start:]]
    below = _indicators_above_funding(s, funding_headers, indicator_header, first_keys)
    if below is not None:  # the funding table typed below the indicators: this form's, up to another form's start
        top, indicators_end = below
        next_form = next((r for r in range(funding_headers[0] + 1, len(grid)) if _starts_a_form(first_keys[r], s, r)),
                         len(grid))
        later = [h for h in funding_headers if h >= next_form]
        if not later:
            next_form = len(grid)
    else:
        later = [h for h in funding_headers if indicator_header is not None and h > indicator_header]
        next_form = len(grid)
        if later:  # another form below this one's indicators: it starts at its title, period or header fields
            next_form = next((r for r in range(indicator_header + 1, later[0]) if _starts_a_form(first_keys[r], s, r)),
                             later[0] - 1)
    if later:
        funding_headers = funding_headers[:len(funding_headers) - len(later)]
        first = next((c for c, k in enumerate(s.keys[next_form]) if k), 0)  # its title, wherever the forms stand
        diags.append(make("S130", sheet=sheet, cell=address(next_form, first), row=next_form + 1))
    block_two_beside = _spending_beside(s, funding_headers)
    if beside := _side_by_side(s, [h for h in funding_headers if h not in block_two_beside]
                               + ([indicator_header] if indicator_header is not None else [])):
        diags.append(make("S132", sheet=sheet, cell=beside))
    form = Form(sheet=sheet, kind="project")
    if later or start:
        form.place = (start, next_form)
    first_table = min(funding_headers[:1] + ([indicator_header] if indicator_header is not None else []))
    a_day = _read_title(s, form, first_table, diags)
    blank = _read_header_fields(s, form, first_table, diags)
    if below is not None:
        blocks_end, indicators = next_form, range(indicator_header, indicators_end)
        goal_rows = [*range(start, indicator_header), *range(indicators_end, top)]
    else:
        blocks_end = indicator_header if indicator_header is not None else len(grid)
        indicators_end, indicators = next_form, range(0)
        goal_rows = range(start, indicator_header or 0)
    form.amount_unit = _amount_unit(s, funding_headers, indicators, diags)
    department = _overall_title(form.title) or any(
        w in s.joined[r] for r in range(funding_headers[0] if funding_headers else 0, blocks_end) for w in _DEPARTMENT_WORDS)
    for i, h in enumerate(funding_headers):
        end = funding_headers[i + 1] if i + 1 < len(funding_headers) else blocks_end
        _read_funding_block(s, form, h, end, form.amount_unit, hidden, diags, department)
    for h, left in block_two_beside.items():
        _read_funding_block(s, form, h, blocks_end, form.amount_unit, hidden, diags, True, left)
    if not funding_headers:
        diags.append(make("S110", sheet=sheet))
    is_department = any(r.block == "spending" or label_key(r.row) in _DEPARTMENT_KEYS for r in form.funding)
    if is_department or _overall_title(form.title):
        form.kind = "department"
        if form.department is None and "department" not in form.unknown_texts and form.unit is not None:
            form.department, form.cells["department"] = form.unit, form.cells["unit"]  # 单位名称: 附件3's one name
    _check_rows(s, form, funding_headers, diags)
    _blank_header(form, blank)
    if indicator_header is None:
        diags.append(make("S120", sheet=sheet))
    else:
        _read_indicators(s, form, indicator_header, indicators_end, diags)
        _read_goal(s, form, goal_rows, diags)
    if any(d.code == "S104" for d in diags):
        return form, diags  # a period not counted from January (S104): no months are taken for it
    headed = _months_from_headers(s, funding_headers)
    if form.months is None and (line := _months_line(s, first_table)) is not None:
        form.cells["period"], form.months = line
    if form.months is None:
        form.months = headed[0] if headed else None
    elif headed and headed[0] != form.months and a_day:  # the day the form was made: its headers say the months
        form.months, form.as_of_day = headed[0], None
    elif headed and headed[0] != form.months and 1 <= form.months <= 12:  # last month's form, its title updated
        diags.append(make("S105", sheet=sheet, cell=headed[1], period=f"1-{form.months}月", header=headed[2]))
    if form.months is not None and not 1 <= form.months <= 12:
        diags.append(make("S102", sheet=sheet, cell=form.cells.get("period"), value=f"1-{form.months}月"))
        form.months = None
    elif form.months is None:
        diags.append(make("S101", sheet=sheet, cell=form.cells.get("title")))
    elif (stated := _mid_month(form, headed)) is not None:
        diags.append(make("S106", sheet=sheet, cell=form.cells.get("period"), **stated))
    if form.months is not None and form.year is None and not any(d.code == "S102" for d in diags):
        form.year = _title_year(form.title)  # 2026年市级项目支出绩效运行监控表 over （1-6月）
        if form.year is None:
            cell = form.cells.get("period") or form.cells.get("title")
            diags.append(make("S103", sheet=sheet, cell=cell, months=form.months))
    return form, diags


_OVERALL_TITLE = re.compile(r"(?:部门|单位)整体|整体支出")  # 部门整体, 单位整体, 部门（单位）整体支出…


def _overall_title(title: str | None) -> bool:
    """Whether a title names a 部门整体 form, as units title 附件3: 部门整体, 单位整体 or 部门（单位）整体支出绩效运行监控表."""
    return title is not None and _OVERALL_TITLE.search(label_key(title)) is not None


def sheet_keys(grid: Grid) -> list[list[str]]:
    """label_keys of every row of a sheet."""
    return [label_keys(row) for row in grid]


def _indicators_above_funding(s: _Sheet, funding_headers: list[int], indicator_header: int | None,
                              first_keys: list[str]) -> tuple[int, int] | None:
    """For a form typed with its indicator table above its funding table, and nothing between them that starts
    another form: the funding table's top row, and where the indicators end (that row, or the goal's between them).
    None for the official order, or where the funding below is another form's."""
    if indicator_header is None or not funding_headers or funding_headers[0] < indicator_header:
        return None
    h = funding_headers[0]
    top = next(r for r in range(max(h - 2, indicator_header + 1), h + 1)
               if _map_columns(s, range(r, r + 1), L.FUNDING_HEADER_KEYWORDS))
    if any(_starts_a_form(first_keys[r], s, r) for r in range(indicator_header + 1, top)):
        return None
    goal = next((r for r in range(indicator_header + 1, top) if first_keys[r].startswith(_GOAL_KEYS)), top)
    return top, goal


_LABEL_MAX = 24  # header labels are short; a sentence that mentions 上年结转 is not a header


def _side_by_side(s: _Sheet, headers: list[int]) -> str | None:
    """The cell where a second form stands beside this one, in the row of its funding or indicator header (its
    上年结转, or its 一级指标): a unit that copied its form to the right for a second project. Forms are read
    from the left; that one would be lost."""
    for r in headers:
        for label in ("上年结转", "一级指标"):
            columns = [c for c, k in enumerate(s.keys[r]) if k.startswith(label) and len(k) <= _LABEL_MAX]
            if len(columns) >= 2 and columns[1] - columns[0] >= _SIDE_BY_SIDE:
                return address(r, columns[1])
    return None


_SIDE_BY_SIDE = 6  # columns between two forms' 上年结转 (a form is 12 wide); one form's labels are closer
_BLOCK_ROWS = 8  # rows below a funding header where a block's labels are looked for


def _spending_beside(s: _Sheet, headers: list[int]) -> dict[int, int]:
    """附件3's block 2 typed to the right of block 1 (基本支出 and 项目支出 beside the fund types, to print on one
    page): by the funding header's row, the first column right of block 1, where block 2's labels begin. Not another
    form beside this one (S132): a form's funding table begins with its sources."""
    out = {}
    for h in headers:
        starts = [c for c, k in enumerate(s.keys[h]) if k.startswith("上年结转") and len(k) <= _LABEL_MAX]
        if len(starts) < 2 or starts[1] - starts[0] < _SIDE_BY_SIDE:
            continue
        left = max(_map_columns(s, _header_rows(s, h), L.FUNDING_HEADER_KEYWORDS).values()) + 1
        if any(_labelled_row(k, True) in L.DEPARTMENT_SPENDING_TYPES for r in range(h + 1, min(h + _BLOCK_ROWS, len(s.keys)))
               for k in s.keys[r][left:starts[1]] if k):
            out[h] = left
    return out


def _is_funding_header(s: _Sheet, r: int) -> bool:
    """The 上年结转 row of a funding block: a short label, with at least 4 funding columns around it."""
    if not any("上年结转" in k and len(k) <= _LABEL_MAX for k in s.keys[r]):
        return False
    return len(_map_columns(s, _header_rows(s, r), L.FUNDING_HEADER_KEYWORDS)) >= 4


def _header_rows(s: _Sheet, r: int) -> range:
    """A funding block's header rows, ending at its 上年结转 row r: up to two rows above it, not a row of the block
    above (block 1's 合计 or 小计 right above 附件3's block 2 is no header of a 小计 column)."""
    top = max(r - 2, 0)
    for above in range(r - 1, top - 1, -1):
        first = next(filter(None, s.keys[above]), "")
        if first and _labelled_row(first) is not None:
            return range(above + 1, r + 1)
    return range(top, r + 1)


def _left_edge(s: _Sheet, rows: range) -> int:
    """The form's first column: that of the first label in a funding block's header rows (column A of the template,
    wherever a unit typed the form), where a finding of a row or column missing points."""
    return min((next((c for c, k in enumerate(s.keys[r]) if k), len(s.keys[r])) for r in rows), default=0)


def _is_indicator_header(s: _Sheet, r: int) -> bool:
    """A row with at least two cells labelled 一级指标 / 二级指标 / 三级指标, one level each."""
    if "级指标" not in s.joined[r]:
        return False
    cells = [k for k in s.keys[r] if k and len(k) <= _LABEL_MAX
             and sum(w in k for w in ("一级指标", "二级指标", "三级指标")) == 1]
    return len(cells) >= 2


def _read_title(s: _Sheet, form: Form, limit: int, diags: list[Diagnostic]) -> bool:
    """The title and the period above the first table; whether that period is but a lone date (_a_day)."""
    stated = None  # a year stated above the form without its months: （2026年度）, or a date Excel made of it
    day = None  # a lone date (_a_day): the period only where the form states no other
    for r in range(s.start, max(limit, 1)):
        for c, v in enumerate(s.grid[r] if r < len(s.grid) else ()):
            if isinstance(v, datetime.date) and stated is None and not any(x not in (None, "") for x in s.grid[r][:c]):
                stated = v.year  # the period line itself (a 填报日期 stands beside its label)
            if not isinstance(v, str):
                continue
            if stated is None:
                stated = _stated_year(v)
            is_title, period = _title_text(v)
            if period and _dated(s.grid[r], c):
                period = None
            if "period" not in form.cells and (partial := _not_cumulative(v)) and not _dated(s.grid[r], c):  # before 2026年4月-6月 reads as 1-4月
                form.cells["period"] = address(r, c)
                diags.append(make("S104", sheet=s.name, cell=address(r, c), value=partial))
            if form.title is None and is_title:
                form.title = v.strip()
                form.cells["title"] = address(r, c)
            if period and _a_day(v, period[2]):
                day, period = day or (r, c, period), None
            if period and "period" not in form.cells:
                _take_period(s, form, r, c, period, diags)
    if day and "period" not in form.cells:
        _take_period(s, form, *day, diags)
        return True
    if form.year is None and "period" not in form.cells and stated is not None and 2000 <= stated <= 2099:
        form.year = stated
    return False


_MONTHS_ONLY = re.compile(  # （1-6月）, perhaps with the amounts' unit after it: （1-6月）  金额单位：元
    rf"[(（]?\s*(?:0?1|一)\s*{_DASH}\s*(?P<months>\d{{1,2}}|十[一二]?|[{_CN_ONE_TO_NINE}])\s*月份?\s*[)）]?"
    r"(?:\s*[(（]?\s*(?:金额)?单位\s*[:：].*)?", re.S)


def _months_line(s: _Sheet, limit: int) -> tuple[str, int] | None:
    """A period typed without its year above the form (（1-5月）), which _PERIOD does not take for one: its cell,
    where S103 asks for the year to be added, and its months, the period the unit stated (S105 where the funding
    table's headers say other months)."""
    for r in range(s.start, limit):
        for c, v in enumerate(s.grid[r]):
            if isinstance(v, str) and (m := _MONTHS_ONLY.fullmatch(nfkc(v).strip())):
                return address(r, c), int(_CN_MONTHS.get(m["months"], m["months"]))
    return None


def _take_period(s: _Sheet, form: Form, r: int, c: int, period: tuple[str, str, str], diags: list[Diagnostic]) -> None:
    form.cells["period"] = address(r, c)
    year, months, found = period
    form.year = int(year) if year.isdigit() and len(year) == 4 else None
    form.months = int(months) if months.isdigit() else None
    day = _day_after(str(s.grid[r][c]), found)
    form.as_of_day = int(re.sub(r"\D", "", day.group(0))) if day else None
    if year.isdigit() and len(year) != 4:
        diags.append(make("S102", sheet=s.name, cell=address(r, c), value=found))


_DAY_AFTER = re.compile(r"\s*\d{1,2}\s*[日号]")


def _day_after(text: str, found: str) -> re.Match | None:
    """The day written right after the period found in a text (15日 of 截至2026年6月15日), if any."""
    text = nfkc(text)
    return _DAY_AFTER.match(text, text.find(found) + len(found)) if found in text else None


def _mid_month(form: Form, headed: tuple[int, str, str] | None) -> dict | None:
    """A period stated to a day before its month's end (截至2026年6月15日, 1月1日至6月15日): the form is graded
    against the month-end 时间进度 (1-6月, 50%) where by the day it is 166/365, 45.48% (FORMS.md); S106 says so
    rather than grading by a day the funding headers (1-6月下达数) and the other units' forms do not share. A date
    of another month than the form's months is the day it was filled in, not its period's end."""
    day, months, year = form.as_of_day, form.months, form.year
    if day is None or year is None or (headed and headed[0] != months):
        return None
    last = calendar.monthrange(year, months)[1]
    if not 1 <= day < last:
        return None
    stated = datetime.date(year, months, day)
    days = 366 if calendar.isleap(year) else 365
    return {"date": f"{year}年{months}月{day}日", "months": months, "year": year, "by_month": fmt_rate(months / 12),
            "by_day": fmt_rate(stated.timetuple().tm_yday / days)}


_SPAN = re.compile(_DASH)


def _a_day(text: str, found: str) -> bool:
    """Whether the period found in a text is a lone date, 2026年7月10日, not a span: the day the form was made, typed
    at the right of its title, was taken for the period 1-7月 over the （2026年1-6月） below it, the form graded against
    7 months and its headers called last month's (S105). It is the period where the form states no other (数据截止日期：
    2026年6月30日), its months those of the column headers where they name them (1-6月下达数)."""
    return not _SPAN.search(found) and _day_after(text, found) is not None


_DATE_LABEL = re.compile(r"(?:填报|填表|报送|编制|制表|打印)(?:日期|时间)")


def _dated(row: list, c: int) -> bool:
    """Whether the text at c is a 填报日期 (in its own cell or right of its label): the day the form was filled in,
    2026年7月10日, is no period (1-7月)."""
    if _DATE_LABEL.search(nfkc(row[c])):
        return True
    left = next((v for v in reversed(row[:c]) if v not in (None, "")), None)  # a bare label, its date not in it
    return isinstance(left, str) and bool(_DATE_LABEL.search(nfkc(left))) and not re.search(r"\d", left)


@lru_cache(maxsize=4096)
def _title_text(text: str) -> tuple[bool, tuple[str, str, str] | None]:
    """Whether a cell's text names a 监控表 (spaced out, 监 控 表, or broken over lines, as titles are), and the
    (year, months, match) of a period it states; units' forms repeat the same few header texts, so this is cached."""
    text = nfkc(text)
    m = _PERIOD.search(text)
    named = "监控表" in "".join(text.split())
    if m is None:
        return named, None
    months = _HALVES[m["half"]] if m["half"] else m["bare"] or _CN_MONTHS.get(m["months"], m["months"])
    return named, (m["year"].translate(_TO_DIGITS), months, m.group(0))


@lru_cache(maxsize=1024)
def _not_cumulative(text: str) -> str | None:
    m = _NOT_CUMULATIVE.search(nfkc(text))
    return m.group(0) if m else None


_TITLE_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*年")
_YEAR_ONLY = re.compile(r"(?<!\d)(20\d\d)\s*年度?\s*(?:\)|$)")  # （2026年度）: a year, no months


@lru_cache(maxsize=1024)
def _stated_year(text: str) -> int | None:
    """The year a text above the form states without its months; asked of every text there, of forms that
    repeat the same few, so it is cached as _title_text is."""
    m = _YEAR_ONLY.search(nfkc(text))
    return int(m[1]) if m else None


def _title_year(title: str | None) -> int | None:
    """The year a title states (2026年…监控表, or 2 0 2 6 年…, spaced out), for a period line that gives only the
    months."""
    m = _TITLE_YEAR.search("".join(nfkc(title).split())) if title else None
    return int(m[1]) if m else None


def _months_from_headers(s: _Sheet, headers: list[int]) -> tuple[int, str, str] | None:
    """The months the funding headers name (1-6月下达数), the cell and its text."""
    for h in headers:
        for r in range(max(h - 2, 0), h + 1):
            for c, k in enumerate(s.keys[r]):
                m = _HEADER_MONTHS.search(k)
                if m:
                    return int(m.group(1)), address(r, c), clean_text(s.grid[r][c]) or k
    return None


def _value_right_of(s: _Sheet, r: int, c: int) -> tuple[str | None, str | None]:
    """The text right of a label, or an Uncached for a formula there with no saved result (for N006)."""
    for cc in range(c + 1, len(s.grid[r])):
        if s.keys[r][cc] and s.keys[r][cc].startswith(_ANY_HEADER_LABEL):
            return None, None
        if s.grid[r][cc].__class__ is Uncached:
            return s.grid[r][cc], address(r, cc)
        text = clean_text(s.grid[r][cc])
        if text is not None:
            return text, address(r, cc)
    return None, None


def _unknown_text(s: _Sheet, form: Form, field: str, value: str | None, cell: str | None, label: str,
                  diags: list[Diagnostic]) -> str | None:
    """A header text that is a formula with no saved result: N006, and not known (R105 does not call it
    unfilled: in Excel it shows a text)."""
    if value.__class__ is not Uncached:
        return value
    diags.append(make("N006", sheet=s.name, cell=cell, field=label, formula=_formula(value)))
    form.unknown_texts.append(field)
    return None


def _read_header_fields(s: _Sheet, form: Form, limit: int, diags: list[Diagnostic]) -> dict[str, tuple[int, int]]:
    """Reads the header fields; returns those whose value is blank, by where their label stands (_blank_header)."""
    blank: dict[str, tuple[int, int]] = {}
    beside: dict[int, int] = {}  # the column of a label → the column its value was found in
    for r in range(s.start, limit):
        for c, k in enumerate(s.keys[r]):
            if not k or not k.startswith(_HEADER_LABELS):
                continue
            for field, labels in _HEADER_FIELDS:
                if field in form.cells:
                    continue
                if k in labels:
                    value, cell = _value_right_of(s, r, c)
                    if cell is None:
                        blank[field] = (r, c)
                    else:
                        beside.setdefault(c, parse_address(cell)[1])
                elif k.startswith(labels) and re.search(r"[:：]", str(s.grid[r][c])):
                    value, cell = re.split(r"[:：]", str(s.grid[r][c]), maxsplit=1)[1].strip() or None, None
                else:
                    continue
                form.cells[field] = cell or address(r, c)
                label = (clean_text(s.grid[r][c]) or k).rstrip("：:")
                setattr(form, field, _unknown_text(s, form, field, value, cell, label, diags))
    for name, (r, c) in blank.items():
        v = beside.get(c, c + 1)
        if not s.key(r, v).startswith(_ANY_HEADER_LABEL):
            form.cells[name] = address(r, v)
    return blank


def _blank_header(form: Form, blank: dict[str, tuple[int, int]]) -> None:
    """A header value left blank is pointed at (R105) where it is to be typed, not at its label. The grid knows no
    merges: the value stands in the column the other header values right of a label in the same column stand in
    (项目名称 merged over A3:B3 as 主管部门及代码 over A4:B4, its value in C4), else right beside its label
    (_read_header_fields); on a form laid out as our template, where the template has it (all three blank)."""
    if not blank:
        return
    from .recalc import template_header  # the template's layout: only for a blank value, kept out of start-up

    header = template_header(form)
    for name in blank:
        if header and name in header:
            form.cells[name] = header[name]


def _map_columns(s: _Sheet, rows: range, table: tuple[tuple[str, tuple[str, ...]], ...], left: int = 0
                 ) -> dict[str, int]:
    """Field → column from the header rows (from column left on); forms of one template share headers, so it is
    cached."""
    memo = (rows.start, rows.stop, table, left)
    if memo not in s.mapped:
        header = tuple(tuple(s.keys[r][left:]) if 0 <= r < len(s.keys) else () for r in rows)
        s.mapped[memo] = {f: c + left for f, c in _columns_of(header, table)}
    return dict(s.mapped[memo])


@lru_cache(maxsize=256)
def _columns_of(header: tuple[tuple[str, ...], ...],
                table: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[str, int], ...]:
    mapping: dict[str, int] = {}
    width = max((len(row) for row in header), default=0)
    for c in range(width):
        for row in reversed(header):  # the deepest header row is the most specific
            k = row[c] if c < len(row) else ""
            if not k:
                continue
            field = _field_of(k, table)
            if field and field not in mapping:
                mapping[field] = c
                break
    return tuple(mapping.items())


@lru_cache(maxsize=4096)
def _field_of(key: str, table: tuple[tuple[str, tuple[str, ...]], ...]) -> str | None:
    """The first field of the table whose words a header label holds. _columns_of misses its cache for every unit:
    the rows above the funding header hold the unit's name; its labels repeat, so they are cached one by one."""
    return next((f for f, words in table if any(w in key for w in words)), None)


@lru_cache(maxsize=4096)
def _labelled_row(k: str, department: bool = False) -> str | None:
    """The funding row a label names (其中 and a 合计 after its name aside), 资金总额 for a total's, else None;
    department: of a 部门整体 form, its rows' other names too."""
    k = k.removeprefix("其中")
    if department and (row := _DEPARTMENT_ROW_KEYS.get(k) or _DEPARTMENT_ROW_KEYS.get(_TOTAL_OF.sub("", k))):
        return row
    if k in _ROW_KEYS:
        return _ROW_KEYS[k]
    if (summed := _TOTAL_OF.sub("", k)) in _ROW_KEYS:  # 中央财政资金合计, 基本支出小计: that row, not the total
        return _ROW_KEYS[summed]
    if k in _TOTAL_KEYS or k.startswith("资金总额") or k.endswith(_TOTAL_ENDINGS):
        return L.TOTAL_ROW
    return None


def _row_label(s: _Sheet, r: int, first_col: int, department: bool = False, left: int = 0) -> tuple[str | None, int]:
    for c in range(first_col - 1, left - 1, -1):
        k = s.key(r, c)
        if k and (row := _labelled_row(k, department)) is not None:
            return row, c
    for c in range(first_col - 1, left - 1, -1):  # its name typed over two lines: 市级财政 / 资金
        if (k := s.key(r, c)) and (below := s.key(r + 1, c)) and _labelled_row(below, department) is None and (
                row := _labelled_row(k + below, department)):  # not 其中： above 中央财政资金, a name of its own
            return row, c
    return None, -1


def _unknown_source(s: _Sheet, r: int, first_col: int, fields: list[tuple[str, int, bool]], left: int = 0
                    ) -> tuple[str, int] | None:
    """The label (and its column) of a funding row that is none of the form's (本级财政资金) but holds amounts: it is
    read under its own label (S113), so that the total still adds up, rather than left out of it."""
    column = next((c for c in range(left, first_col) if s.key(r, c)), None)
    label = clean_text(s.grid[r][column]) if column is not None else None
    line = s.grid[r]
    if not label or not any(c < len(line) and _is_amount(line[c]) for f, c, percent in fields if not percent):
        return None
    label = label.removeprefix("其中：").removeprefix("其中:").strip()
    return (label, column) if label else None


def _is_amount(value: object) -> bool:
    """A number, or text that reads as one (not a header's words)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True
    try:
        return isinstance(value, str) and parse_amount(value)[0] is not None
    except NotANumber:
        return False


# 金额单位：元 / 单位：千元 / （单位：元）/ 金额单位为亿元 (not 单位：元/人, a rate), or a label with the unit in
# brackets: 项目资金预算安排及执行进度（元）; text compacted by _stated_unit (NFKC, no spaces)
_UNITS = "百万元|亿元|千元|万元|元"
_UNIT_STATED = re.compile(
    rf"(?:^|[^\u4e00-\u9fff]|金额|资金)单位(?::|为)?(?:人民币)?(?P<unit>{_UNITS})(?![\u4e00-\u9fff/])"
    rf"|[(（](?:金额|资金)?(?:单位[:：]?)?(?:人民币)?(?P<bracketed>{_UNITS})[)）]")


def _amount_unit(s: _Sheet, headers: list[int], indicators: range, diags: list[Diagnostic]) -> str:
    """万元, or the unit the form states its amounts are in (金额单位：元 above the first funding block, or a
    block's header labelled （千元）); one warning at the first cell that says so. `indicators`: the indicator
    table's rows where it stands above the funding (an indicator's （元） is no unit of the amounts)."""
    done = 0
    for h in headers:
        for r in range(max(done, h - 2) if done else 0, h + 1):  # the first block: every row above it
            if YUAN not in s.joined[r] or r in indicators:  # 元 survives label_key: most rows are skipped here
                continue
            for c, k in enumerate(s.keys[r]):
                unit = _stated_unit(s.grid[r][c]) if YUAN in k else None
                if unit:
                    diags.append(make("N003", sheet=s.name, cell=address(r, c), value=clean_text(s.grid[r][c]),
                                      unit=unit, how=_to_wan_how(unit)))
                    return unit
        done = h + 1
    return WAN


def _to_wan_how(unit: str) -> str:
    """What turns an amount in `unit` into 万元, in words: 除以 10000 for 元, 乘以 100 for 百万元."""
    multiply, divide = UNIT_TO_WAN[unit]
    return f"除以 {divide}" if divide > 1 else f"乘以 {multiply}"


@lru_cache(maxsize=1024)
def _stated_unit(text: str) -> str | None:
    """The unit other than 万元 a label says the amounts are in; forms of one template share their labels, so
    it is cached."""
    compact = "".join(nfkc(text).split())
    return next((unit for m in _UNIT_STATED.finditer(compact) if (unit := m["unit"] or m["bracketed"]) != WAN), None)


# amounts no rate or grade can do without: a column of them not found (S112) leaves them unknown, not 0. A form
# without 上年结转 or 全年预计 columns is read as having none of them, as one that leaves them blank.
_UNKNOWN_WHEN_MISSING = ("current", "issued", "spent")


def _read_funding_block(s: _Sheet, form: Form, header: int, end: int, form_unit: str, hidden: frozenset[int],
                        diags: list[Diagnostic], department: bool = False, left: int = 0) -> None:
    """form_unit: the unit a bare amount is in (万元, or what the form states, N003); department: of a 部门整体 form,
    whose rows are known by other names too (_DEPARTMENT_ALIASES); left: the block's first column, for 附件3's
    block 2 typed beside block 1 (_spending_beside)."""
    columns = _map_columns(s, _header_rows(s, header), L.FUNDING_HEADER_KEYWORDS, left)
    missing = [f for f in L.INPUT_AMOUNTS if f not in columns]
    edge = (left or _left_edge(s, _header_rows(s, header))) if missing else left
    for f in missing:
        diags.append(make("S112", sheet=s.name, cell=address(header, edge), column=L.FIELD_LABELS[f]))
    if not columns:
        return
    unknown_columns = [f for f in missing if f in _UNKNOWN_WHEN_MISSING]
    first_col = min(columns.values())
    fields = [(field, c, field in L.RATE_FIELDS) for field, c in columns.items()]
    # what calc works out from the other cells (and a total row's every cell): not typed by the unit
    worked_out = {field for field, _, percent in fields if percent or field not in L.INPUT_AMOUNTS}
    rows: list[tuple[str, int, dict[str, str], dict[str, float | None], list[str], dict[str, str], dict[str, str]]] = []
    above: tuple[int, str] | None = None  # the source row read last: a row right below it with no label continues it
    unnamed: dict[int, Diagnostic] = {}  # by row number, the S113 of each row of no known name
    for r in range(header + 1, end):
        if _GOAL_KEY.search(_SEP.join(s.keys[r][left:first_col])) or _signs_off(s, r, next(filter(None, s.keys[r]), "")):
            break
        label, column = _row_label(s, r, first_col, department, left)
        line = s.grid[r]
        if r in hidden:  # last version's amounts, kept out of sight: Excel shows the form without them
            unknown = _unknown_source(s, r, first_col, fields, left) if label is None else (label, column)
            if unknown and any(_is_amount(line[c]) for f, c, percent in fields if not percent and c < len(line)):
                s.hidden_rows.setdefault(unknown[0], []).append((r, unknown[1]))  # said by _check_rows (S133)
            above = None
            continue
        if department and label in _PROJECT_ONLY:  # 中央财政资金: a project form's source, no row of 附件3
            label = None
            if _unknown_source(s, r, first_col, fields, left) is None:
                continue
        if label is None:
            unknown = _unknown_source(s, r, first_col, fields, left)
            if unknown is not None:
                label, column = unknown
                unnamed[r + 1] = make("S113", sheet=s.name, cell=address(r, column), label=label,
                                      **_UNNAMED[department])
            elif above and above[0] == r - 1 and not any(s.keys[r][left:first_col]) and (
                    amount := next((c for f, c, percent in fields if not percent and c < len(line)
                                    and _is_amount(line[c])), None)) is not None:
                if _repeats_total(line, fields, form_unit, rows):
                    label = L.TOTAL_ROW  # the unit's own sum below the sources: compared with 资金总额, not added
                else:
                    label = above[1]  # its label merged over both lines: two allocations of one source
                    diags.append(make("S114", sheet=s.name, cell=address(r, amount), line=r + 1, row=label))
            else:
                continue
        above = (r, label) if label != L.TOTAL_ROW else None
        cells: dict[str, str] = {}
        typed: dict[str, float | None] = dict.fromkeys(unknown_columns)
        unreadable: list[str] = list(unknown_columns)
        errors: dict[str, str] = {}
        text: dict[str, str] = {}
        for field, c, percent in fields:
            cells[field] = address(r, c)
            raw = line[c] if c < len(line) else None
            if raw.__class__ is Uncached:
                if label == L.TOTAL_ROW or field in worked_out:
                    raw = None  # as xlmon works it out (our own templates save no results)
                else:
                    typed[field] = None
                    unreadable.append(field)
                    diags.append(make("N006", sheet=s.name, cell=address(r, c),
                                      field=f"{label}·{L.FIELD_LABELS[field]}", formula=_formula(raw)))
                    continue
            try:
                if percent:
                    typed[field] = parse_number(raw, percent=True)
                else:
                    number, unit = parse_amount(raw)  # in 万元 when typed with a unit: 500000元 → 50
                    if unit is None and form_unit != WAN and number is not None:
                        number = to_wan(number, form_unit)
                    elif unit not in (None, WAN) and form_unit == WAN:
                        diags.append(make("N002", sheet=s.name, cell=address(r, c), value=str(raw).strip(), unit=unit,
                                          field=f"{label}·{L.FIELD_LABELS[field]}", amount=plain_number(number)))
                    typed[field] = number
                    if number is not None and isinstance(raw, str):
                        text[field] = raw
            except NotANumber:
                typed[field] = None
                error = formula_error(raw)
                if error:
                    errors[field] = error
                    if label == L.TOTAL_ROW or field in worked_out:
                        continue  # calc says what it should show (C001-C004)
                    diags.append(make("N004", sheet=s.name, cell=address(r, c),
                                      field=f"{label}·{L.FIELD_LABELS[field]}", value=error))
                else:
                    hint = "百分比，如 85%" if percent else f"金额，以{form_unit}为单位，与表头一致"
                    diags.append(make("N001", sheet=s.name, cell=address(r, c),
                                      field=f"{label}·{L.FIELD_LABELS[field]}", value=as_shown(raw), hint=hint))
                unreadable.append(field)
        rows.append((label, r + 1, cells, typed, unreadable, errors, text))
    if department:
        rows = _breakdowns(s, rows, unnamed, diags)
    diags += unnamed.values()
    spending = [label_key(row[0]) in _SPENDING_KEYS for row in rows]
    # a 部门整体 typed without block 2's header row: its 资金总额 after the fund types starts block 2, or, with none
    # typed, its first spending type below a fund type
    second = next((i for i, row in enumerate(rows) if i and row[0] == L.TOTAL_ROW and any(spending[i:])
                   and not any(spending[:i])), None)
    if second is None:
        second = next((i for i, row in enumerate(rows) if spending[i] and not any(spending[:i])
                       and any(r[0] != L.TOTAL_ROW for r in rows[:i])), len(rows))
    for i, (label, number, cells, typed, unreadable, errors, text) in enumerate(rows):
        part = spending[:second] if i < second else spending[second:]
        form.funding.append(FundingRow(block="spending" if any(part) else "source", row=label, row_number=number,
                                       cells=cells, typed=typed, unreadable=unreadable, errors=errors, text=text))


# what 基本支出 is made of (人员经费 and 公用经费, or the economic classes that make them): a 部门整体 form listing them
# with no 基本支出 row gives 基本支出 as their sum
_BASIC_PARTS = {label_key(x) for x in ("人员经费", "公用经费", "日常公用经费", "人员支出", "公用支出", "工资福利支出",
                                       "商品和服务支出", "对个人和家庭的补助", "对个人和家庭的补助支出")}


def _breakdowns(s: _Sheet, rows: list[tuple], unnamed: dict[int, Diagnostic], diags: list[Diagnostic]) -> list[tuple]:
    """A 部门整体 form's rows of no 附件3 name (unnamed: by row number, their S113) typed right below one of its rows,
    as its 其中 (人员经费 and 公用经费 under 基本支出, each project under 项目支出): that row's parts, no rows of their
    own (S134), so that they are not added to 资金总额 on top of it. They are its parts where it holds amounts, theirs
    adding up to no more than its, and 资金总额 (where typed) is not reached by adding them; where it holds none they
    are its lines, summed into it. 人员经费 and 公用经费 with no 基本支出 row are 基本支出's lines."""
    def resolved(run: list[tuple], parent: str, how: str) -> None:
        names = "、".join(f"“{row[0]}”" for row in run)
        first = unnamed.pop(run[0][1])
        for row in run[1:]:
            del unnamed[row[1]]
        diags.append(make("S134", sheet=s.name, cell=first.cell, rows=names, parent=parent, how=how))

    if not any(row[0] == "基本支出" for row in rows):
        parts = [i for i, row in enumerate(rows) if row[1] in unnamed
                 and label_key(row[0]).removeprefix("其中") in _BASIC_PARTS]
        if parts:
            resolved([rows[i] for i in parts], "基本支出", "本表未列“基本支出”行，已按其明细之和计入“基本支出”")
            rows = [("基本支出", *row[1:]) if i in parts else row for i, row in enumerate(rows)]
    unknown = set(unnamed)
    kept: list[tuple] = []
    i = 0
    while i < len(rows):
        row, end = rows[i], i + 1
        while end < len(rows) and rows[end][1] in unknown:
            end += 1
        run = rows[i + 1:end]
        if run and row[0] != L.TOTAL_ROW and row[1] not in unknown:
            start = max((j for j in range(i) if rows[j][0] == L.TOTAL_ROW), default=None)
            stop = next((j for j in range(end, len(rows)) if rows[j][0] == L.TOTAL_ROW), len(rows))
            total = rows[start][3] if start is not None else {}
            named = [r for r in rows[0 if start is None else start + 1:stop] if r[1] not in unknown]
            parts = {f: sum(r[3].get(f) or 0.0 for r in run) for f in L.INPUT_AMOUNTS}
            given = {f: sum(r[3].get(f) or 0.0 for r in named) for f in L.INPUT_AMOUNTS}
            typed = {f: v for f in L.INPUT_AMOUNTS if isinstance(v := total.get(f), float | int)}
            own = bool(typed) and all(abs(v - given[f] - parts[f]) <= _SAME_AMOUNT for f, v in typed.items()) and not all(
                abs(v - given[f]) <= _SAME_AMOUNT for f, v in typed.items())  # 资金总额 counts them as rows of their own
            if not any(row[3].get(f) is not None for f in L.INPUT_AMOUNTS):
                resolved(run, row[0], f"“{row[0]}”本身未填写金额，已按其明细之和计入“{row[0]}”")
                run = [(row[0], *r[1:]) for r in run]
            elif not own and all(parts[f] <= (row[3].get(f) or 0.0) + _SAME_AMOUNT for f in L.INPUT_AMOUNTS):
                resolved(run, row[0], f"其金额已含在“{row[0]}”中，未再计入资金总额")
                run = []
        kept += [row, *run]
        i = end
    return kept


def _repeats_total(line: list, fields: list[tuple[str, int, bool]], form_unit: str, rows: list[tuple]) -> bool:
    """Whether a line of amounts with no name, right below the last source, gives the block's 资金总额 again or the
    sum of its sources, two or more (a unit's own check, typed without a label): no second line of that source
    (S114)."""
    typed: dict[str, float] = {}
    for f, c, percent in fields:
        if not percent and c < len(line) and _is_amount(line[c]):
            number, unit = parse_amount(line[c])
            typed[f] = to_wan(number, form_unit) if unit is None and form_unit != WAN else number
    if typed.keys() - {"subtotal"}:  # its 小计 follows from its parts: one typed wrong is the check's slip (C002)
        typed.pop("subtotal", None)
    total = next((row[3] for row in rows if row[0] == L.TOTAL_ROW), {})
    sources = [row[3] for row in rows if row[0] != L.TOTAL_ROW and any(row[3].get(f) for f in typed)]
    # of one source, its second allocation may be as large as its first
    sums = {f: sum(_summed(row, f) for row in sources) for f in typed} if len(sources) > 1 else {}
    given = {f: _summed(total, f) for f in typed} if total else {}
    return any(all(isinstance(amounts.get(f), float | int) and abs(amounts[f] - v) <= _SAME_AMOUNT
                   for f, v in typed.items()) for amounts in (given, sums))


def _summed(row: dict[str, float | None], field: str) -> float:
    """An amount of 资金总额 or a source as a unit's own sum of the sources counts it: a 小计 left blank is 上年结转 +
    本年预算, as the form defines it (such a line's 小计 was compared with none, and the line taken for the last
    source's second)."""
    if field == "subtotal" and row.get(field) is None:
        return (row.get("carryover") or 0.0) + (row.get("current") or 0.0)
    return row.get(field) or 0.0


_SAME_AMOUNT = 0.01 + 1e-9  # 万元, as calc.AMOUNT_TOLERANCE


# S133's advice: a hidden line beside the row in use (or of no name of the form's) may go; the form's only row of a
# name may not, nor be cleared and left hidden, which makes it missing (S111)
_HIDDEN_OLD = "如这些金额有效，请取消隐藏；如是旧数据，请删除该行。"
_HIDDEN_ONLY = ("该行是本表唯一的“{row}”行，请取消隐藏，不要删除（删除该行，或清除金额后仍隐藏，本表即缺少该行）；"
                "如其中是旧数据，请在取消隐藏后改为本期金额或清除。")


def _check_rows(s: _Sheet, form: Form, headers: list[int], diags: list[Diagnostic]) -> None:
    """S111 for each row the form lacks, and S133 for each hidden with amounts: a row the form has only hidden is
    not missing, and is to be unhidden, not deleted."""
    expected: dict[Block, tuple[str, ...]]
    only_hidden: set[str] = set()
    if form.kind == "department":
        expected = {"source": (L.TOTAL_ROW, *L.DEPARTMENT_FUND_TYPES),
                    "spending": (L.TOTAL_ROW, *L.DEPARTMENT_SPENDING_TYPES)}
    else:
        expected = {"source": (L.TOTAL_ROW, *L.PROJECT_SOURCES)}
    edge = _left_edge(s, _header_rows(s, headers[0])) if headers else 0
    for block, labels in expected.items():
        present = {r.row for r in form.funding if r.block == block}
        anchor = next((r for r in form.funding if r.block == block), None)
        cell = address(anchor.row_number - 1, edge) if anchor else (address(headers[0], edge) if headers else None)
        if not present and not headers:
            continue
        only_hidden |= {label for label in labels if label not in present and label in s.hidden_rows}
        if not present and block == "spending":  # 附件3's block 2 left out whole: one finding, not its 资金总额's apart
            if not set(labels) <= only_hidden:
                diags.append(make("S111", sheet=s.name, cell=cell, row="”“".join(("按支出类型的资金总额", *labels[1:]))))
            continue
        for label in labels:
            if label not in present and label not in only_hidden:  # hidden, not missing: S133 says what to do
                diags.append(make("S111", sheet=s.name, cell=cell, row=label))
    for label, places in s.hidden_rows.items():
        advice = _HIDDEN_ONLY.format(row=label) if label in only_hidden else _HIDDEN_OLD
        diags += [make("S133", sheet=s.name, cell=address(r, c), line=r + 1, row=label, advice=advice) for r, c in places]


def _read_indicators(s: _Sheet, form: Form, header: int, end: int, diags: list[Diagnostic]) -> None:
    sub_header = sum(k in L.LIKELIHOODS for k in s.keys[header + 1]) >= 2 if header + 1 < len(s.keys) else False
    start = header + (2 if sub_header else 1)
    columns = _map_columns(s, range(header, start), L.INDICATOR_HEADER_KEYWORDS)
    ticks = {_LIKELIHOOD_FIELDS[f]: c for f, c in columns.items() if f in _LIKELIHOOD_FIELDS}
    form.cells["indicators"] = address(header, columns.get("level1", columns.get("level3", 0)))
    missing = [f for f in _INDICATOR_COLUMNS if f not in columns and not (f == "likelihood" and ticks)]
    for f in missing:
        diags.append(make("S122", sheet=s.name, cell=form.cells["indicators"], column=_INDICATOR_COLUMNS[f]))
    level1 = level2 = ""
    carried: set[str] = set()  # level1 / level2 unknown, for the rows below that merge with it
    typed_at: dict[str, str] = {}  # where level1 / level2 were typed: a merged cell's first, for the rows it spans
    fields = tuple(columns.items())
    for r in range(start, end):
        row_keys = s.keys[r]
        first = next(filter(None, row_keys), "")
        if (_is_footnote(s, r, first) or s.has_key(r, _REASON_NOTE_KEY) or _starts_a_form(first, s, r)
                or _signs_off(s, r, first)):
            break
        if _is_indicator_header(s, r) or sum(k in L.LIKELIHOODS for k in row_keys) >= 2:
            continue  # the table's header (or its line of 确定能, 有可能, 完全不可能) repeated, as printed on each page
        line = s.grid[r]
        values = {f: line[c] if c < len(line) else None for f, c in fields}
        texts = [f for f in _INDICATOR_TEXTS if values.get(f).__class__ is Uncached]
        l1 = s.key(r, columns["level1"]) if "level1" in columns and "level1" not in texts else ""
        l2 = s.key(r, columns["level2"]) if "level2" in columns and "level2" not in texts else ""
        if l1 or "level1" in texts:
            level1, level2 = l1, ""
            carried = {"level1"} & {*texts}
            typed_at = {"level1": address(r, columns["level1"])}
        if l2 or "level2" in texts:
            level2 = l2
            carried = (carried - {"level2"}) | ({"level2"} & {*texts})
            typed_at["level2"] = address(r, columns["level2"])
        errors = {f: error for f in _INDICATOR_VALUES if (error := formula_error(values.get(f)))}
        uncached = {f: values[f] for f in _INDICATOR_VALUES if values.get(f).__class__ is Uncached}
        for f in (*errors, *uncached):
            values[f] = None
        level3 = clean_text(values.get("level3")) or ""
        target_raw = values.get("target")
        if level3 in _SKIP_LEVEL3 and "level3" not in texts and all(
                clean_text(values.get(f)) is None for f in ("target", "actual", "forecast")):
            continue  # a blank line of the template; a completion typed there is an indicator with no name (R103)
        target = parse_target(target_raw, values.get("operator"), values.get("unit"))
        cells = dict(_cells(r, fields)) | typed_at  # its own: indicators are edited one by one
        named = f"指标“{level3.strip()}”" if level3.strip() else f"第 {r + 1} 行指标"
        for f, error in errors.items():
            diags.append(make("N005", sheet=s.name, cell=cells[f], name=named, field=_INDICATOR_VALUES[f],
                              value=error))
        for f, formula in (*uncached.items(), *((f, values[f]) for f in texts)):
            diags.append(make("N006", sheet=s.name, cell=cells[f], formula=_formula(formula),
                              field=f"{named}的{_INDICATOR_VALUES.get(f) or _INDICATOR_TEXTS[f]}"))
        unknown = {*carried, *texts, *missing, *uncached}
        if unknown & {*_LIKELIHOOD_FIELDS, "likelihood"}:
            unknown.add("likelihood")
        marks: list[str] = []
        if ticks:
            marks = [name for name, c in ticks.items()
                     if c < len(line) and line[c] is not None and line[c] is not False
                     and (clean_text(line[c]) or "") not in _NO_MARK]
        elif "likelihood" in columns and clean_text(values.get("likelihood")):
            text = label_key(values["likelihood"])
            found = next((x for x in _LIKELIHOODS_LONGEST_FIRST if x in text), None)
            if found:
                marks = [found]
            else:
                diags.append(make("S121", sheet=s.name, cell=cells["likelihood"],
                                  value=clean_text(values["likelihood"])))
        actual, actual_unit = _completion(values.get("actual"))
        forecast, forecast_unit = _completion(values.get("forecast"))
        ind = Indicator(
            level1=level1, level2=level2, level3=level3.strip(), row=r + 1, cells=cells,
            target=target.text if target else "", operator=target.operator if target else None,
            target_value=target.value if target else None, unit=target.unit if target else None,
            actual=actual, forecast=forecast, units={"actual": actual_unit, "forecast": forecast_unit},
            reason=clean_text(values.get("reason")), remark=clean_text(values.get("remark")),
            marks=marks, likelihood=marks[0] if len(marks) == 1 else None, errors=errors,
            unknown=sorted(unknown),
        )
        form.indicators.append(ind)


def _read_goal(s: _Sheet, form: Form, rows: Iterable[int], diags: list[Diagnostic]) -> None:
    """The 年度绩效目标 from the first of `rows` that holds its label (rows outside the indicator table: an indicator
    may be named 绩效目标完成率): the text right of it, after its colon in its cell, or on the line below it."""
    goal_row = next((r for r in rows if s.has_key(r, _GOAL_KEY)), None)
    if goal_row is not None:
        c = next(c for c, k in enumerate(s.keys[goal_row]) if k and k.startswith(_GOAL_KEYS))
        value, cell = _value_right_of(s, goal_row, c)
        named, *rest = re.split(r"[:：]", str(s.grid[goal_row][c]), maxsplit=1)
        if value is None and rest and label_key(rest[0]):  # 年度绩效目标：… in the label's cell
            value = clean_text(rest[0])
        elif value is None and goal_row + 1 in rows:  # its text on the line below its label
            value, cell = _text_line(s, goal_row + 1)
        form.cells["goal"] = cell or address(goal_row, c)
        label = clean_text(named) or "总体目标"
        form.goal = _unknown_text(s, form, "goal", value, cell, label, diags)


def _text_line(s: _Sheet, r: int) -> tuple[str | None, str | None]:
    """The text of row r and its cell, where the row holds one text and it is no label of the form's (a header field,
    a footnote, a sign-off line)."""
    filled = [c for c, v in enumerate(s.grid[r]) if clean_text(v) is not None and s.keys[r][c]]
    if len(filled) != 1:
        return None, None
    first = s.keys[r][filled[0]]
    if first.startswith(_ANY_HEADER_LABEL) or _signs_off(s, r, first) or _is_footnote(s, r, first):
        return None, None
    return clean_text(s.grid[r][filled[0]]), address(r, filled[0])


_FORM_HEADER_KEYS = {label_key(k) for k in _HEADER_LABELS}
_PERIOD_LABEL = re.compile(r"(?:监控|填报|报告|所属|统计)?期间")  # 监控期间：2026年1-6月


def _formula(cell: str) -> str:
    """How N006 quotes a formula with no saved result: as typed in Excel (a shared formula's copies hold none)."""
    return f" ={cell}" if cell else ""


def _starts_a_form(first_key: str, s: _Sheet, r: int) -> bool:
    """Whether row r, whose first label is this, begins another form (its title, its period, perhaps after its label,
    监控期间：…, or a header field, perhaps typed with its value, 项目名称：…, as _read_header_fields reads it), which
    ends the indicators of a form with no footnotes below them. A form stacked with no title of its own, its first
    lines so typed, began at its funding table: its period, project, department and unit were cut off (R105)."""
    if first_key in _FORM_HEADER_KEYS or "绩效运行监控表" in first_key or _PERIOD.fullmatch(first_key) is not None:
        return True
    if _PERIOD_LABEL.match(first_key):
        return _PERIOD.search(s.joined[r]) is not None
    if not first_key.startswith(_HEADER_LABELS):
        return False
    named, colon, _ = _first_text(s, r).partition(":")
    return bool(colon) and label_key(named) in _FORM_HEADER_KEYS


def _is_footnote(s: _Sheet, r: int, first_key: str) -> bool:
    """Whether row r is a footnote below the table (注：, 说明：, 1．偏差原因分析…), as typed: 注册志愿者人数 and 说明会举办场次
    are indicators."""
    return _FOOTNOTE.match(first_key) is not None and _FOOTNOTE_TEXT.match(_first_text(s, r)) is not None


def _signs_off(s: _Sheet, r: int, first_key: str) -> bool:
    """Whether row r is a sign-off line below the table (填报人：张三 …), which ends it: below the indicators of a form
    with no footnotes, it was read as an indicator, 联系电话：… its name and 审核人：… its forecast; below a funding table
    typed last, as a source named 填报人：张三, the phone number its 支出数. A name is followed by a colon or stands
    alone: 联系人满意度 is an indicator."""
    return first_key.startswith(_SIGN_OFF_WORDS) and _SIGN_OFF.match(_first_text(s, r)) is not None


def _first_text(s: _Sheet, r: int) -> str:
    """The text of row r's first label as typed, half-width and without spaces: its colon tells a footnote (注：) or a
    sign-off (填报人：) from an indicator's name, which the label's key has lost."""
    c = next(c for c, k in enumerate(s.keys[r]) if k)
    return "".join(nfkc(s.grid[r][c]).split())


@lru_cache(maxsize=1024)
def _cells(r: int, fields: tuple[tuple[str, int], ...]) -> dict[str, str]:
    """Field → address in row r, the same for every form of a template; callers take a copy."""
    return {f: address(r, c) for f, c in fields}


def _completion(raw: object) -> tuple[str | float | None, str | None]:
    """A completion value as a number (with the unit typed beside it) when it reads as one, else text."""
    text = clean_text(raw)
    if text is None:
        return None, None
    measure = parse_measure(raw)
    if measure is not None and measure[0] is not None:
        return measure
    return text, None
