"""The summary workbook, written with xlsxwriter (fast for thousands of rows, native charts).

Every text from units is written as a string, never a formula: a project named "=HYPERLINK(...)"
appears literally. The very hidden-ish `_xlmon_records` sheet carries each record as JSON so that
a summary is itself a valid input one level up. The rows of plain cells that make up most of a
summary go through quick_xlsx.QuickCells, which writes xlsxwriter's own XML at a fraction of its cost.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .. import layout as L
from ..atomic import atomic_path
from ..calc import AMOUNT_TOLERANCE, EPS
from ..diagnostics import sheet_ref
from ..file_errors import readable
from ..form_plan import (COLUMN_WIDTHS, LAST_COL, LINE_HEIGHT, MAX_ROW_HEIGHT, PAGE_NUMBER, ROW_HEIGHT, SheetPlan,
                         header_text, page_rows_height, plan_form, rc)
from ..marks import FONT_PALETTE, GRADE_ZH, SEVERITY_ZH
from ..profile import Profile, funding_legend
from ..text import cjk_width as _cjk_width, clean_text, first_names, fit_utf16, utf16_len, wrapped_lines as _lines
from .aggregate import CHART_BARS, Summary, shown_names
from .apart import apart_forms, apart_place
from .focus import Focus
from .headers import balanced, header_rows, header_width
from .edits import Column
from .extract import RECORDS_SHEET
from .names import unit_parts
from .quick_xlsx import CONTROL, Cells, QuickWorkbook, write_cells
from .records import (AMOUNTS, Deviation, FormRecord, amounts_left_out, blocks_apart, diagnostic_line, file_line,
                      form_name, left_line, made_line, named_form, not_prefilled, overall_sums, profile_line, record_line,
                      roster_line)

from ..sheetnames import SUMMARY_SHEETS as SHEETS
GRADE_ORDER = {"red": 0, "yellow": 1, "green": 2}
GRADE_TEXT = {grade: zh + "灯" for grade, zh in GRADE_ZH.items()}


def _width(value) -> int:
    if isinstance(value, str):
        return _text_width(value)
    return _display_width(f"{value:,.2f}" if isinstance(value, float) else str(value))


def _number_width(value: float, kind: str) -> int:
    """Characters a number takes as its kind's format shows it: 50.00% for a rate of 0.5, 1,234.00 for an amount."""
    if kind == "rate":
        return len(f"{value:.2%}")
    if kind == "amount" or type(value) is float and kind != "int":
        return len(f"{value:,.2f}")
    return len(str(value))


def _printed(width: float) -> float:
    """The width a column is set to for texts `width` wide: room beside them, and never too narrow to see."""
    return max(width + 2, 6)


def former_width(header: str, width: float) -> float:
    """The width a column had before headers were balanced (headers.py): its header over lines of about four
    characters. A sheet balanced is never printed smaller than it was so."""
    return max(width, _printed(min(_width(header), max(4, -(-_width(header) // 4) * 2))))


def _display_width(text: str) -> int:
    """Display width of a text's first line, up to 80 characters of it."""
    return _cjk_width(text.split("\n", 1)[0][:80])


_text_width = lru_cache(maxsize=65536)(_display_width)  # units, projects, sheets repeat down a column

TEXT_CAP, WRAP_CAP = 60, 30  # widest a column grows for its texts; a wrapped one at least to WRAP_CAP
A4_WIDTH = 140  # column-width units across A4 landscape at 100 %; wider sheets shrink to fit
A3_FROM = 1.6 * A4_WIDTH  # a sheet this wide would print below ~62 % on A4: it is set to A3 landscape
TITLE_HEIGHT = 21  # points of a row of 黑体 16, the summary's title
# How full a page of 汇总表 is planned, its rows a line each or as tall as set: a printer may draw the columns a
# little apart from the screen, and so print at a scale a little apart; a chart cut by a page's end is worse than a
# row of a table run onto the next page, and is given more room to spare.
OVERVIEW_FULL, CHART_FULL = 0.98, 0.92
CHART_FRAME = 140  # pixels of 汇总表's chart that are not bars: its title, axis and legend
CHART_OFFSET = 4  # pixels the chart stands below its first row: LibreOffice would draw its frame on the page above
# the least a unit takes in the chart: at 16 (and at 20 for a bureau's 80 departments) LibreOffice left out every
# other name
BAR_PIXELS = 22
# 绿灯 takes 27 of a column's 37 pixels at this (with the room _printed gives every value): a column of grades is as
# narrow as 资金评级 and 综合评级 over two lines of two characters
GRADE_WIDTH = 2.5
DEPARTMENT_HEADER = "主管部门"  # before 单位 in a bureau's 项目明细, 指标偏差 and 重点监控建议 (_by_department)
NAMES_LEAST = 20  # 汇总表's first column is never narrowed below this for its names: its rows' labels fit it
UNIT_HEADERS = ("单位", "小计", "支出数", "支出进度", "时间进度", "进度差（百分点）", "评级")


class _Sheet:
    """A worksheet with a header row, typed cells, column widths fitted to what was written, rows tall
    enough for their wrapped texts, and a page set up for print. Headers wrap into balanced lines (headers.py)
    rather than widen a column of short values. Rows are written as runs (see quick_xlsx.QuickCells) unless a chart
    reads them (runs=False)."""

    def __init__(self, book: _Book, name: str, headers: list[str], top: int = 0, runs: bool = True,
                 freeze: bool = True, also: dict[int, list[str]] | None = None):
        self.book, self.ws, self.headers, self.top = book, book.wb.add_worksheet(name), headers, top
        self.name, self.runs = name, runs
        self.widths = [0] * len(headers)  # the widest value written in each column, as _width measures it
        self.also = also or {}  # other headers written in a column, as 汇总表's tables of units write theirs
        self.caps: dict[int, float] = {}  # columns whose texts wrap at a width other than TEXT_CAP
        self.paper_width = 0.0  # the least width the paper is chosen for (page_setup): the width it had
        self.wrapped: set[int] = set()  # columns of "wrap" cells, sized by finish()
        self.final: list[float] = []  # the column widths finish() set
        self.tall: list[tuple[int, int, str]] = []  # wrapped texts that may need more than one line
        self.row = top
        if headers:
            for c, h in enumerate(headers):
                self.ws.write_string(top, c, h, book.fmt["header"])
            if freeze:  # the header stays on screen over the rows below it
                self.ws.freeze_panes(top + 1, 0)
            self.row = top + 1

    def line(self, values: list[tuple[object, str]], col: int = 0) -> None:
        """One row of typed cells from column col on: None or "" a bordered blank, a grade its coloured
        绿灯/黄灯/红灯, text as text (never a formula), numbers in the kind's number format. Each column widens to
        fit (≤ TEXT_CAP); finish() decides how wide a column of "wrap" texts is."""
        fmt, widths = self.book.fmt, self.widths
        plain, columns = fmt["cell"], len(widths)
        cells: list[tuple[str, object, Format]] = []
        for c, (value, kind) in enumerate(values, col):
            if value is None or value == "":
                cells.append(("b", None, plain))
                continue  # width 0 never widens a column
            if kind == "grade":
                cells.append(("s", GRADE_TEXT[value], fmt[value]))
                width = GRADE_WIDTH
            elif kind == "wrap":
                text = str(value)
                cells.append(("s", text, fmt["wrap_top" if _clipped(text) else "wrap"]))
                width = _width(text)
                self.wrapped.add(c)
                if len(text) > WRAP_CAP // 2 or "\n" in text:
                    self.tall.append((self.row, c, text))
            elif kind == "hash":  # never wrapped: shrunk where the font draws its digits wider than 宋体's
                cells.append(("s", value, fmt["hash"]))
                width = len(value)
            elif kind == "text" or isinstance(value, str):
                text = str(value)
                width = _width(text)
                # the cell beside it, or the page's edge, would cut it off
                if width > self.caps.get(c, TEXT_CAP) or "\n" in text:
                    cells.append(("s", text, fmt["wrap_top" if _clipped(text) else "wrap"]))
                    self.tall.append((self.row, c, text))
                else:
                    cells.append(("s", text, plain))
            else:
                cells.append(("n", value, fmt[kind]))
                width = _number_width(value, kind)
            if kind != "hash":  # a hash is never wrapped, so its column is as wide as it
                width = min(width, self.caps.get(c, TEXT_CAP))
            if c < columns and width > widths[c]:
                widths[c] = width
        if self.runs:
            self.ws.write_run(self.row, col, cells)
        else:
            write_cells(self.ws, self.row, col, cells)
        self.row += 1

    def columns(self, former: bool = False) -> list[float]:
        """The widths finish() sets the columns to (but for wrapped ones, which share the page): as wide as what
        was written in them and their headers ask; former: as they were before headers were balanced."""
        fit = (lambda c, w: former_width(self.headers[c], w)) if former else self.column
        return [fit(c, w + 2 if w else 0) for c, w in enumerate(self.widths)]

    def column(self, c: int, width: float) -> float:
        """A column's width for values `width` wide (set, with room beside them): no narrower, and its headers
        whole on a line or two, none of them with a character alone on its last (header_width)."""
        return header_width(self.headers_of(c), width, former_width(self.headers[c], width))

    def headers_of(self, c: int) -> tuple[str, ...]:
        """A column's header and those written below it."""
        return (self.headers[c], *self.also.get(c, ()))

    def shared(self, final: list[float]) -> list[float]:
        """The widths with wrapped columns sharing what the others leave of an A4 page, WRAP_CAP at least."""
        final = list(final)
        if self.wrapped:
            share = (A4_WIDTH - sum(w for c, w in enumerate(final) if c not in self.wrapped)) / len(self.wrapped)
            for c in self.wrapped:
                final[c] = min(final[c], max(share, WRAP_CAP + 2))
        return final

    def finish(self, filters: bool = True, repeat: bool = True) -> None:
        ws = self.ws
        former = self.shared(self.columns(former=True))
        final = self.shared(self.columns())
        for c in self.wrapped:
            final[c] = self.column(c, final[c])
        if self.wrapped and (over := _pixels(final) - _pixels(former)) > 0:
            # the pixels balancing headers widened the sheet by come off its wrapped columns: it prints no smaller
            cut = math.ceil(over / len(self.wrapped))
            for c in self.wrapped:
                narrower = (_pixels([final[c]]) - 5 - cut) / 7
                if balanced(self.headers_of(c), narrower):
                    final[c] = narrower
        self.final = final
        for c, w in enumerate(final):
            ws.set_column(c, c, w)
        heights: dict[int, int] = {}
        if self.headers:
            heights[self.top] = header_rows(self.headers, final)
        for row, c, text in self.tall:
            heights[row] = max(heights.get(row, 1), _lines(text, final[c]))
        for row, lines in heights.items():
            if lines > 1:
                ws.set_row(row, _lines_height(lines))
        if filters and self.headers and self.row > self.top + 1:
            ws.autofilter(self.top, 0, self.row - 1, len(self.headers) - 1)
        self.book.page_setup(ws, self.name, max(sum(final), sum(former), self.paper_width))  # A3 where it was
        if self.headers and repeat:
            ws.repeat_rows(self.top)


class _Book:
    def __init__(self, path: str, profile: Profile, heading: str = "", legend: str = ""):
        self.heading = heading  # the department and period, atop every printed page
        self.profile = profile
        self.legend = legend  # the rules of the funding grades, below the pages that show them
        self.wb = QuickWorkbook(path, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter"}
        add = self.wb.add_format
        self.fmt = {
            "title": add({"font_name": "黑体", "font_size": 16, "bold": True}),
            "section": add({"font_name": "宋体", "font_size": 11, "bold": True}),
            "note": add({"font_name": "宋体", "font_size": 10, "italic": True, "font_color": "9C0006",
                         "text_wrap": True, "valign": "top"}),
            "header": add({**base, "bold": True, "bg_color": "#F2F2F2", "align": "center", "text_wrap": True}),
            "cell": add(base),
            "wrap": add({**base, "text_wrap": True}),
            "wrap_top": add({**base, "text_wrap": True, "valign": "top"}),  # a text Excel clips (_clipped)
            "amount": add({**base, "num_format": "#,##0.00"}),
            "rate": add({**base, "num_format": "0.00%"}),
            "int": add({**base, "num_format": "0"}),
            "link": add({**base, "font_color": "#0563C1", "underline": 1, "text_wrap": True}),
            "hash": add({**base, "shrink": True}),
        }
        self.fmt["number"] = self.fmt["cell"]  # General: a number as typed
        for grade, colour in profile.colours().items():
            self.fmt[grade] = add({**base, "bg_color": f"#{colour}", "font_color": f"#{FONT_PALETTE[grade]}",
                                   "align": "center"})


    def page_setup(self, ws: Worksheet, name: str, width: float) -> None:
        """Landscape, one page wide (A3 when A4 would shrink the print below ~62 %), the department, period
        and sheet on top of every page and the page number below; on the sheets of funding grades, left of it, the
        rules they follow."""
        ws.set_landscape()
        ws.set_paper(_paper(width))
        ws.fit_to_pages(1, 0)
        self.header(ws, name)

    def header(self, ws: Worksheet, name: str) -> None:
        ws.set_header(f"&L{header_text(self.heading)}&R{header_text(name)}", {"margin": 0.3})
        legend = f"&L&8{header_text(self.legend)}" if self.legend and name in SHEETS[:2] else ""
        ws.set_footer(f"{legend}&C{PAGE_NUMBER}", {"margin": 0.3})


def _paper(width: float) -> int:
    """A3 for a sheet this many characters wide, else A4 (xlsxwriter's paper numbers)."""
    return 8 if width > A3_FROM else 9


def write_summary(summary: Summary, path: Path, profile: Profile) -> Path:
    with atomic_path(path) as tmp:
        book = _Book(tmp, profile, f"{_title_name(summary)}（{_period(summary)}）",
                     funding_legend(profile, summary.months, sum(d["code"] == "K020" for d in summary.diagnostics)))
        _overview(book, summary)
        names = source_names([*summary.projects, *summary.overall])  # 项目明细's 来源文件 and 指标偏差's 位置
        folder = os.path.abspath(path.parent)  # the links are relative to it
        _projects(book, summary, folder, names)
        _deviations(book, summary, names, folder)
        _diagnostics(book, summary, folder)
        _focus(book, summary, folder)
        listed = file_rows(summary, path)
        _files(book, listed, summary, folder)
        _department_form(book, summary)
        _records(book, summary, listed, path)
        book.wb.close()
    return path


def _department_name(summary: Summary) -> str:
    return summary.department


def _title_name(summary: Summary) -> str:
    """Who the summary is of, as its title and printed pages name it: the department, or 各部门 for a bureau's."""
    return _department_name(summary) or ("各部门" if len(summary.departments) > 1 else "")


def _period(summary: Summary) -> str:
    return L.period(summary.year, summary.months)


UNKNOWN_AMOUNT_CODES = ("N001", "N004", "N006")  # an amount not read: text, a formula error, no saved result


def _note(book: _Book, ws: Worksheet, row: int, text: str, columns: int, width: float) -> None:
    """A note across a table's columns, wrapped and as tall as its lines: a long one left in one cell would
    run past the table and shrink the printed page to fit it."""
    if columns > 1:
        ws.merge_range(row, 0, row, columns - 1, "", book.fmt["note"])
    ws.write_string(row, 0, text, book.fmt["note"])  # a string, whatever the units' names in it hold
    ws.set_row(row, _note_height(text, width))


def _note_height(text: str, width: float) -> float:
    """Points of a note's row over columns `width` wide."""
    return _lines_height(_lines(text, width))


def _lines_height(lines: int) -> float:
    """Points of a row of this many lines of text, at most the 409 Excel allows: a taller one made Excel repair the
    file (its rows' properties) before opening it."""
    return min(LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT)


def _clipped(text: str) -> bool:
    """Whether a wrapped text may need a row taller than Excel allows, in the narrowest column it wraps in: shown
    from its first line, as a reason is read, where centred Excel showed its middle alone, clipped above and below."""
    return (len(text) > 200 or text.count("\n") > 20) and _lines(text, WRAP_CAP + 2) * LINE_HEIGHT + 2 > MAX_ROW_HEIGHT


NAMED_UNITS = 10  # units named in a note (汇总表, 部门整体), the rest counted
OVERVIEW_TOP, OVERVIEW_COLUMNS = 3, 12  # 汇总表's title and note above its header; its widest table


def overview_headers(months: int | str) -> list[str]:
    return ["资金来源", "上年结转", "本年预算", "小计", f"1-{months}月下达数", f"1-{months}月下达率",
            f"1-{months}月支出数", f"1-{months}月支出进度", "全年预计支出数", "时间进度", "进度差（百分点）", "评级"]


# the headers 汇总表 writes below its own, in its columns: the grades' counts and the tables of units (departments)
OVERVIEW_BELOW = {**{c: [h] for c, h in enumerate(UNIT_HEADERS)}, 0: ["单位", DEPARTMENT_HEADER, "项目评级"],
                  7: ["未评级"]}


def _overview(book: _Book, summary: Summary) -> None:
    headers = overview_headers(summary.months or "XX")
    # the chart reads its cells; no row frozen on screen: the funding table's header would stand over the units'
    s = _Sheet(book, SHEETS[0], headers, top=OVERVIEW_TOP, runs=False, freeze=False, also=OVERVIEW_BELOW)
    ws = s.ws
    ws.write_string(0, 0, f"{_title_name(summary)}预算绩效运行监控汇总表（{_period(summary)}）", book.fmt["title"])
    units, several = len(summary.units), len(summary.departments)
    note = (f"纳入汇总：{f'{several} 个主管部门、' if several > 1 else ''}{units} 个单位、{len(summary.projects)} 个项目；"
            "金额单位：万元。")
    if summary.roster:
        note += f"{summary.listed}名单 {len(summary.roster)} 个，未报送 {len(summary.missing_units)} 个"
        note += (f"：{first_names(summary.missing_units, NAMED_UNITS, summary.listed)}" if summary.missing_units else "")
        note += summary.other_period_note
        note += (f"；不在名单中的报送{summary.listed} {len(summary.unlisted_units)} 个："
                 f"{first_names(summary.unlisted_units, NAMED_UNITS, summary.listed)}"
                 if summary.unlisted_units else "") + "（见“校验问题”）。"
    unsplit, unnamed = summary.unsplit, summary.unnamed
    if unsplit:
        note += f"其中 {unsplit} 个项目只填写了资金总额、未按来源分列（见“校验问题”，代码 R212），故各来源之和小于资金总额。"
    if unnamed:
        note += f"{unnamed} 个项目有名称不规范的资金来源行（代码 S113），其金额计入资金总额、不计入下列任何来源。"
    if unclear := summary.unclear:
        codes = sorted({d["code"] for d in summary.diagnostics if d["code"] in UNKNOWN_AMOUNT_CODES}) or ["N001"]
        note += (f"注意：{unclear} 个项目有金额无法识别（见“校验问题”，代码 {'、'.join(codes)}），合计只含能识别的金额，"
                 "下达率、支出进度按其余项目计算" + ("；各行只计本行能识别的金额，故各来源之和与资金总额不等"
                                                  if summary.unread_apart else "") + "。")
    if apart := summary.apart:
        note += f"注意：{apart} 张表的金额疑似按元填写（见“校验问题”，代码 K019），合计按表内数字计入，核实前可能偏大。"
    tp = summary.time_progress
    for t in summary.rows:
        label = t.row if t.row == L.TOTAL_ROW else f"其中：{t.row}" if t.row == L.PROJECT_SOURCES[0] else t.row
        s.line([(label, "text"), (t.carryover, "amount"), (t.current, "amount"), (t.subtotal, "amount"),
                (t.issued, "amount"), (t.issue_rate, "rate"), (t.spent, "amount"), (t.spend_progress, "rate"),
                (t.forecast, "amount"), (tp, "rate"), (None if t.gap is None else round(t.gap * 100, 2), "amount"),
                (t.grade, "grade")])
    s.row += 1
    ws.write_string(s.row, 0, "项目评级", book.fmt["header"])
    for c, grade in enumerate(("green", "yellow", "red"), start=1):
        ws.write_string(s.row, 2 * c - 1, GRADE_ZH[grade] + "灯", book.fmt[grade])
        ws.write_number(s.row, 2 * c, summary.grades[grade], book.fmt["int"])
    unrated = len(summary.projects) - sum(summary.grades.values())
    ws.write_string(s.row, 7, "未评级", book.fmt["header"])
    ws.write_number(s.row, 8, unrated, book.fmt["int"])
    # Printed, the overview is page 1; a bureau's departments follow. The units come next, all on the page so far
    # where they fit, the chart below them. Else the chart comes first (on a page of its own unless it fits below),
    # then the units from the top of a page, their title and header repeated atop each of their pages: print titles
    # are repeated on every page after them, so nothing but the units may follow them. Pages are planned as Excel
    # fits the columns to the page's width (LibreOffice's stand-ins for Calibri draw them wider, print smaller, and
    # fit more on a page).
    names = (min(_width(t.row), TEXT_CAP) for t in (*summary.by_unit, *summary.by_department))
    s.widths[0] = max(s.widths[0], *names, 0)  # the first column as wide as the names to come
    printed, former = s.columns(), s.columns(former=True)
    if (over := _pixels(printed) - _pixels(former)) > 0 and s.widths[0] > NAMES_LEAST:
        # the names give up what balancing headers widened the sheet by, the longest wrapping: it prints no smaller
        s.caps[0] = s.widths[0] = max(NAMES_LEAST, (_pixels(printed[:1]) - 5 - over) / 7 - 2)
        printed = s.columns()
    cap, s.paper_width = s.caps.get(0, TEXT_CAP), sum(former)
    whole = page_rows_height(_pixels(printed), _paper(max(sum(printed), sum(former))))
    page = OVERVIEW_FULL * whole
    header = _header_height(UNIT_HEADERS, printed)

    def rows_height(totals: list) -> float:
        """Points of a table's rows, a name too long for a line of the first column wrapped onto more."""
        return sum(_row_height(t.row, printed[0], cap) for t in totals)
    fixed = {0: TITLE_HEIGHT, 1: _note_height(note, sum(printed)), OVERVIEW_TOP: _header_height(headers, printed)}
    used = sum(fixed.get(r, ROW_HEIGHT) for r in range(s.row + 1))
    breaks: list[int] = []

    def place(row: int, height: float, slack: float = 0) -> None:
        """Rows `height` points tall from `row` on (after a blank row): below what the page holds if they fit
        there with `slack` points to spare, else from the top of the next; what follows rows longer than a page
        starts a page too."""
        nonlocal used
        used += ROW_HEIGHT
        if used + height + slack > page:
            breaks.append(row)
            used = 0
        used = used + height if used + height <= page else page

    row, charted = s.row + 2, None
    if summary.by_department:
        place(row, ROW_HEIGHT + header + rows_height(summary.by_department))
        charted = ("主管部门", _progress_table(s, "主管部门", summary.by_department, tp, row), len(summary.by_department))
        row = s.row + 1
    height_of_units = ROW_HEIGHT + header + rows_height(summary.by_unit)
    alone = used + ROW_HEIGHT + height_of_units > page  # the units, from the top of a page of theirs
    if not alone:  # all on this page: the chart below them
        place(row, height_of_units)
        units = _progress_table(s, "单位", summary.by_unit, tp, row)
        row = s.row + 1
    count = charted[2] if charted else len(summary.by_unit)
    if count:
        tallest = (CHART_FULL * whole - ROW_HEIGHT) / 0.75  # pixels: on one page, whatever the number of units
        shown = min(count, CHART_BARS, max(5, int((tallest - CHART_FRAME) / BAR_PIXELS)))
        # 40 a unit where the page has room: at 28, eight departments two of them named at length, LibreOffice printed
        # every other name
        height = min(max(300, 40 * shown + CHART_FRAME), tallest)
        rows = math.ceil((height + CHART_OFFSET) * 0.75 / ROW_HEIGHT)  # blank rows the chart stands over
        place(row, rows * ROW_HEIGHT, (OVERVIEW_FULL - CHART_FULL) * whole)  # never cut by a page's end
        chart_row, row = row, row + rows + 1
    if alone:
        place(row, height_of_units)
        units = _progress_table(s, "单位", summary.by_unit, tp, row)
        ws.repeat_rows(row, row + 1)  # their title and header atop every page of theirs, the last of the sheet's
    s.finish(filters=False, repeat=False)  # its tables have different headers
    if breaks:
        ws.set_h_pagebreaks(breaks)
    _note(book, ws, 1, note, len(headers), sum(s.final))
    for r in ([charted[1] - 1] if charted else []) + [units - 1]:
        ws.set_row(r, _header_height(UNIT_HEADERS, s.final))
    if count:
        who, top = charted[:2] if charted else ("单位", units)
        where = "上" if charted or not alone else "下"  # the table charted, above the chart or below
        chart = book.wb.add_chart({"type": "bar"})
        for col, name, colour in ((3, "支出进度", "#4472C4"), (4, "时间进度", "#A5A5A5")):
            chart.add_series({"name": name, "categories": [SHEETS[0], top, 0, top + shown - 1, 0],
                              "values": [SHEETS[0], top, col, top + shown - 1, col], "fill": {"color": colour},
                              "gap": 60})
        chart.set_title({"name": f"各{who}支出进度与时间进度" if shown == count
                         else f"进度差最大的 {shown} 个{who}的支出进度与时间进度（共 {count} 个，见{where}表）",
                         "name_font": {"size": 12}})
        chart.set_x_axis({"num_format": "0%", "min": 0})
        chart.set_y_axis({"reverse": True, "num_font": {"size": 9 if height >= 24 * shown + CHART_FRAME else 8}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": min(960, _pixels(s.final) - 20), "height": height})
        ws.insert_chart(chart_row, 0, chart, {"y_offset": CHART_OFFSET})  # no wider than the tables: nor the page


def _progress_table(s: _Sheet, who: str, totals: list, tp: float | None, row: int) -> int:
    """A table of 支出进度 by unit (or department) from `row` on: its title, header, a row for each; its first row."""
    ws, fmt = s.ws, s.book.fmt
    ws.write_string(row, 0, f"各{who}支出进度（按进度差从大到小）", fmt["section"])
    for c, h in enumerate((who, *UNIT_HEADERS[1:])):
        ws.write_string(row + 1, c, h, fmt["header"])
    s.row = row + 2
    for t in totals:
        s.line([(t.row, "text"), (t.subtotal, "amount"), (t.spent, "amount"), (t.spend_progress, "rate"),
                (tp, "rate"), (None if t.gap is None else round(t.gap * 100, 2), "amount"), (t.grade, "grade")])
    return row + 2


def _row_height(text: str, width: float, cap: float = TEXT_CAP) -> float:
    """Points of a row of text kind in a column `width` wide whose texts wrap past `cap`, as _Sheet.finish sets it."""
    lines = _lines(text, width) if _width(text) > cap or "\n" in text else 1
    return ROW_HEIGHT if lines == 1 else _lines_height(lines)


def _pixels(widths: list[float]) -> int:
    """How wide Excel draws columns of these (printed) widths, in pixels."""
    return sum(int(w * 7 + 0.5) + 5 for w in widths)


def _header_height(headers: Sequence[str], widths: list[float]) -> float:
    """Points of a header row over columns of these (printed) widths."""
    return _lines_height(header_rows(headers, widths))


def _project_link(record: FormRecord, folder: str) -> tuple[str, str]:
    """Where 项目明细's 来源文件 opens, and its tip: the unit's file at the form's sheet (its first row, for forms stacked
    on one sheet), or for a project read back from a summary, that summary (the unit's file stayed with the
    department, where the link would find nothing), the unit's file in a clause: one named with brackets of its own,
    一中（更正）.xlsx, nested them in brackets after the summary."""
    return _form_link(record, None, folder) or (_file_url(record.file, folder), CONTROL.sub(
        "\ufffd", readable(f"打开 {Path(record.file).name}，该项目汇总自 {Path(record.source or '').name}")))


def _linked_line(s: _Sheet, cells: list[tuple[object, str]], at: int, link: tuple[str, str] | None) -> None:
    """A row of typed cells (as _Sheet.line) whose cell `at` opens link (url, tip); as it is where there is none.
    The link is written between two runs of cells: a run must not hold it."""
    value, kind = cells[at]
    if link is None or value is None or value == "" or not _fits(s.ws, link[0]):
        s.line(cells)
        return
    if at:
        s.line(cells[:at])
        s.row -= 1
    text = str(value)
    s.ws.write_url(s.row, at, link[0], s.book.fmt["link"], string=text, tip=_tip(link[1]))
    s.widths[at] = max(s.widths[at], min(_width(text), TEXT_CAP))
    if kind == "wrap":
        s.wrapped.add(at)
    if kind == "wrap" and len(text) > WRAP_CAP // 2 or _width(text) > TEXT_CAP:
        s.tall.append((s.row, at, text))
    if at + 1 < len(cells):
        s.line(cells[at + 1:], at + 1)
    else:
        s.row += 1


def _fits(ws, url: str) -> bool:
    """Whether Excel can hold one more link, to url: at most 65,530 on a sheet (a bureau's 项目明细 may list more
    projects), and at most 2,079 characters of path (a unit's file deep in folders); xlsxwriter leaves the cell
    empty otherwise, with an English warning, where its text is to stand unlinked."""
    path, _, anchor = url.partition("#")  # as xlsxwriter measures it
    return ws.hlink_count < _MAX_LINKS and max(utf16_len(path), utf16_len(anchor)) <= ws.max_url_length


_MAX_LINKS = 65_530
_MAX_TIP = 255  # UTF-16 units of a link's tip that Excel holds; xlsxwriter raises on a longer one


def _tip(text: str) -> str:
    """A link's tip as Excel holds it: one naming a long file name (a Windows name may take 255 characters), cut
    short with an ellipsis."""
    return fit_utf16(text, _MAX_TIP, "…")


def _file_link(file: str, folder: str) -> tuple[str, str]:
    """A link opening a file wherever Excel left it, and its tip."""
    return _file_url(file, folder), CONTROL.sub("\ufffd", readable(f"打开 {Path(file).name}"))


def _cell_link(file: str, sheet: str, cell: str | None, folder: str) -> tuple[str, str]:
    """A link opening a file at a sheet's cell (its first cell for None), and its tip."""
    tip = _sheet_tip(file, sheet) + (f"，单元格 {cell}" if cell else "")
    return _file_url(file, folder) + _anchor(sheet, cell or "A1"), tip


@lru_cache(maxsize=8192)  # a unit's sheet is linked from each of its findings and indicators
def _sheet_tip(file: str, sheet: str) -> str:
    return CONTROL.sub("\ufffd", readable(f"打开 {Path(file).name} 的工作表“{sheet}”"))


def _form_link(record: FormRecord, cell: str | None, folder: str) -> tuple[str, str] | None:
    """A link opening a form's file at one of its cells (at the form for None): none for a form read back from a
    summary, whose unit's file stayed with the department."""
    if record.from_summary:
        return None
    return _cell_link(record.file, record.sheet, cell or f"A{(record.place[0] if record.place else 0) + 1}", folder)


@lru_cache(maxsize=8192)  # a unit's file is linked from each of its forms, indicators and findings
def _file_url(file: str, folder: str) -> str:
    """An external link to a file, relative to the summary's folder: the summary keeps finding it when the
    department moves or shares the folder with the units' files in it."""
    try:
        rel = os.path.relpath(os.path.abspath(file), folder)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(file)
    return f"external:{_link_path(rel)}"


def _anchor(sheet: str, cell: str) -> str:
    """Where in a workbook a link opens: #'sheet'!cell, the sheet's name quoted as Excel quotes it."""
    return f"#'{sheet.replace(chr(39), chr(39) * 2)}'!{cell}"


_URL_ESCAPES = {"%": "%25", "#": "%23", '"': "%22", " ": "%20", "<": "%3c", ">": "%3e", "[": "%5b", "]": "%5d",
                "^": "%5e", "`": "%60", "{": "%7b", "}": "%7d"}


def _link_path(path: str) -> str:
    """A file path for a link: xlsxwriter would take a # in a file name for the start of a cell address, so
    a path with one is escaped here as xlsxwriter escapes the rest (and it then leaves it as it is). So is a Linux
    name holding GBK bytes (lone surrogates) or a control character, which no XML can hold: byte by byte, as a URL
    names them."""
    if readable(path) is not path or CONTROL.search(path):  # a control character too (a name unpacked from a zip)
        return "".join(_URL_ESCAPES.get(chr(b), chr(b)) if 0x20 <= b < 0x7F else f"%{b:02X}" for b in os.fsencode(path))
    if "#" not in path:
        return path
    return "".join(_URL_ESCAPES.get(ch, ch) for ch in path)


DETAIL_HEADERS = ("序号", "单位", "项目名称", "项目代码", "工作表", "上年结转", "本年预算", "小计", "下达数", "下达率",
                  "支出数", "支出进度", "全年预计支出数", "进度差（百分点）", "资金评级", "指标绿灯", "指标黄灯", "指标红灯",
                  "综合评级", "确定能", "有可能", "完全不可能", "来源文件")


def detail_key(record: FormRecord, names: dict[str, str], department: str | None = None) -> tuple:
    """What tells a row of 项目明细 (edits.DETAIL_KEY, its 来源文件 and 主管部门: a bureau's, Summary.department_for,
    as one level up namesake units' files of one name came through one summary, and show one 来源文件); names:
    source_names."""
    return (clean_text(record.unit), clean_text(record.project), clean_text(record.sheet), source_name(record, names),
            clean_text(department))


def _by_department(summary: Summary, headers: Sequence[str]) -> list[str]:
    """A table's columns; a bureau's has each row's 主管部门 before its 单位, to filter the rows by department."""
    if not summary.department_of:
        return list(headers)
    at = headers.index("单位")
    return [*headers[:at], DEPARTMENT_HEADER, *headers[at:]]


def _department_cell(summary: Summary, record: FormRecord, cells: list[tuple[object, str]],
                     headers: Sequence[str]) -> list[tuple[object, str]]:
    """A row's cells under _by_department(headers): the record's 主管部门 inserted before its 单位."""
    if not summary.department_of:
        return cells
    at = headers.index("单位")
    return [*cells[:at], (summary.department_for(record), "wrap"), *cells[at:]]


def _projects(book: _Book, summary: Summary, folder: str, names: dict[str, str]) -> None:
    own = _own(summary, SHEETS[1])
    headers = _by_department(summary, DETAIL_HEADERS)
    s = _Sheet(book, SHEETS[1], [*headers, *(c.header for c in own)])
    tp = summary.time_progress
    link = len(headers) - 1
    for i, r in enumerate(summary.projects, 1):
        values = r.total()
        subtotal, issue_rate, progress = r.rates()
        gap = None if tp is None or progress is None else round((tp - progress) * 100, 2)
        _linked_line(s, [*_department_cell(summary, r, [
            (i, "int"), (r.unit, "wrap"), (r.project, "wrap"), (r.code, "hash"), (r.sheet, "wrap"),
            (values[0], "amount"), (values[1], "amount"), (subtotal, "amount"), (values[2], "amount"),
            (issue_rate, "rate"), (values[3], "amount"), (progress, "rate"), (values[4], "amount"),
            (gap, "amount"), (r.funding_grade, "grade"), (r.indicator_grades.get("green", 0), "int"),
            (r.indicator_grades.get("yellow", 0), "int"), (r.indicator_grades.get("red", 0), "int"),
            (r.grade, "grade"), (r.likelihoods.get("确定能", 0), "int"), (r.likelihoods.get("有可能", 0), "int"),
            (r.likelihoods.get("完全不可能", 0), "int")], DETAIL_HEADERS), (source_name(r, names), "text"),
            *(_own_cells(own, detail_key(r, names, summary.department_for(r))) if own else ())], link,
                     _project_link(r, folder))
    s.finish()


def deviation_headers(months: int | str) -> list[str]:
    return ["评级", "单位", "项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", f"1-{months}月完成情况",
            "全年预计完成情况", "完成目标可能性", "偏差原因分析", "备注", "位置"]


DEVIATION_KEY = ("位置", "单位", "三级指标", DEPARTMENT_HEADER)  # what tells a row of 指标偏差 (edits.py, own columns)
DEVIATION_COLUMNS = len(deviation_headers(""))


def source_names(records: list[FormRecord]) -> dict[str, str]:
    """How 指标偏差's 位置 and 项目明细's 来源文件 name each unit's file, from the records alone (one level up
    指标偏差 is compared with the same names). A file read here: by its name, or its last folders where names
    repeat (shown_names). One read back from a department's summary, whose folders are another machine's (or the
    web page's temporary ones): by its name, or its name and the summary it came through where names repeat."""
    own = shown_names({r.file for r in records if not r.from_summary})
    carried = {r.source: r.file for r in records if r.from_summary}
    through = shown_names(set(carried.values()))
    repeated = Counter(readable(Path(p).name) for p in (*own, *carried))
    return {**own, **{source: (name if repeated[name] == 1 else f"{name}（{through[file]}）")
                      for source, file in carried.items() for name in (readable(Path(source).name),)}}


def source_name(record: FormRecord, names: dict[str, str]) -> str:
    """The record's unit file as source_names (made from a list holding the record) names it."""
    return names[record.source or record.file]


def deviation_place(record: FormRecord, d: Deviation, names: dict[str, str]) -> str:
    """Where an indicator stands, as 指标偏差's 位置 shows it: file!sheet!cell, the sheet quoted where Excel quotes it
    ('项目 表'), as every finding names it; names: source_names."""
    return f"{source_name(record, names)}!{sheet_ref(record.sheet)}!{d.cell or ''}"


def earlier_places(records: list[FormRecord], names: dict[str, str]) -> dict[str, str]:
    """位置 as summaries wrote it before sheet names were quoted (file!项目 表!G20) → as it is written now: a summary
    read back (one level up, or its department's columns carried into a new one) matches its rows by it."""
    places = {f"{source_name(r, names)}!{r.sheet}!{d.cell or ''}": deviation_place(r, d, names)
              for r in records for d in r.deviations}
    return {old: new for old, new in places.items() if old != new}


def deviation_key(record: FormRecord, d: Deviation, names: dict[str, str], department: str | None = None) -> tuple:
    """What tells a row of 指标偏差: its 位置, unit, 三级指标 and 主管部门 (a bureau's, Summary.department_for: one
    level up namesake units' files of one name came through one summary, and show one 位置)."""
    return deviation_place(record, d, names), clean_text(record.unit), clean_text(d.level3), clean_text(department)


def deviation_row(record: FormRecord, d: Deviation, names: dict[str, str]) -> list[tuple[object, str]]:
    """A yellow or red indicator as its row of 指标偏差 shows it, under deviation_headers (edits.py compares the
    sheet with these)."""
    return [(d.grade, "grade"), (record.unit, "wrap"), (form_name(record), "wrap"), (d.level1, "text"),
            (d.level2, "wrap"), (d.level3, "wrap"), (d.target, "wrap"), _measure(d.actual), _measure(d.forecast),
            (d.likelihood, "text"), (d.reason or "（未填写）", "wrap"), (d.remark, "wrap"),
            (deviation_place(record, d, names), "wrap")]


def _deviations(book: _Book, summary: Summary, names: dict[str, str], folder: str) -> None:
    own = _own(summary, SHEETS[2])
    headers = deviation_headers(summary.months or "XX")
    s = _Sheet(book, SHEETS[2], _by_department(summary, headers) + [c.header for c in own])
    rows = [(d, r) for r in (*summary.projects, *summary.overall) for d in r.deviations]
    rows.sort(key=lambda x: (GRADE_ORDER[x[0].grade], x[1].unit or "", form_name(x[1]) or ""))
    rows = summary.in_department_order(rows, lambda x: x[1])
    place = len(_by_department(summary, headers)) - 1  # 位置: opens the unit's file at the indicator
    for d, r in rows:
        _linked_line(s, [*_department_cell(summary, r, deviation_row(r, d, names), headers),
                         *(_own_cells(own, deviation_key(r, d, names, summary.department_for(r))) if own else ())],
                     place, _form_link(r, d.cell, folder) if d.cell else None)
    s.finish()


def _own(summary: Summary, sheet: str) -> list[Column]:
    """The columns the department added to this sheet of its earlier summary, carried into the new one."""
    return [c for c in summary.annotations if c.sheet == sheet]


def _own_cells(own: list[Column], key: tuple) -> list[tuple[object, str]]:
    """A row's values in the department's own columns: numbers as numbers, the rest as text (never a formula)."""
    cells = []
    for column in own:
        value = column.values.get(key)
        cells.append((value, "number") if isinstance(value, (int, float)) else (value, "wrap"))
    return cells


def _measure(value: str | float | None) -> tuple[str | float | None, str]:
    """A completion value as the unit typed it: a number as a number (General format), text as text."""
    return (value, "number") if isinstance(value, (int, float)) else (value, "text")


DIAGNOSTIC_HEADERS = ("文件", "工作表", "单元格", "代码", "级别", "说明")
_DIAGNOSTIC_KINDS = ("wrap", "text", "text", "text", "text", "wrap")


def problem_names(diagnostics: list[dict]) -> dict[str, str]:
    """How 校验问题 names each file: by its name, by its last folders where two share one (shown_names). Made
    from the findings alone, so that the sheet read back one level up is compared with the same names."""
    return shown_names({d["file"] for d in diagnostics if d.get("file")})


def diagnostic_row(d: dict, names: dict[str, str]) -> tuple:
    """A finding as its row of 校验问题 shows it (edits.py compares the sheet with these); names: problem_names."""
    return (names[d["file"]] if d.get("file") else "", d.get("sheet"), d.get("cell"), d["code"],
            SEVERITY_ZH[d["severity"]], readable(d["message"]))


def problem_key(d: dict, names: dict[str, str]) -> tuple:
    """What tells a row of 校验问题: all of it."""
    return tuple(map(clean_text, diagnostic_row(d, names)))


def _diagnostics(book: _Book, summary: Summary, folder: str) -> None:
    own = _own(summary, SHEETS[3])
    s = _Sheet(book, SHEETS[3], [*DIAGNOSTIC_HEADERS, *(c.header for c in own)])
    order = {"error": 0, "warning": 1, "info": 2}
    names = problem_names(summary.diagnostics)
    here = {o.path for o in summary.files}
    for d in sorted(summary.diagnostics, key=lambda d: (order[d["severity"]], d.get("file") or "")):
        _linked_line(s, [*zip(diagnostic_row(d, names), _DIAGNOSTIC_KINDS),
                         *(_own_cells(own, problem_key(d, names)) if own else ())], 0, _problem_link(d, here, folder))
    s.finish()


def _problem_link(d: dict, here: set[str], folder: str) -> tuple[str, str] | None:
    """文件 opens the file at the finding's cell (its sheet, or the file, where it names none), as 指标偏差's 位置
    opens it at the indicator: for a file read here only, not one whose findings came through a department's summary
    (its path is the department's)."""
    file = d.get("file")
    if file not in here:
        return None
    return _cell_link(file, d["sheet"], d.get("cell"), folder) if d.get("sheet") else _file_link(file, folder)


FOCUS_HEADERS = ("单位", "项目名称", "小计（万元）", "支出进度", "综合评级", "列入原因", "建议处理方式（草稿）")
FOCUS_TOP = 2  # the draft's note above its header
FOCUS_NOTE = "重点监控建议（草稿）：以下由 xlmon 按规则生成，仅供审核人员参考，不代表审核结论。"


def focus_row(f: Focus) -> list[tuple[object, str]]:
    """A project proposed for 重点监控 as its row of 重点监控建议 shows it, a grade as its text 红灯/黄灯."""
    subtotal, _, progress = f.record.rates()
    return [(f.record.unit, "wrap"), (named_form(f.record), "wrap"), (subtotal, "amount"), (progress, "rate"),
            (f.record.grade, "grade"), ("；".join(f.reasons), "wrap"), (f.handling, "wrap")]


def focus_key(f: Focus, department: str | None = None) -> tuple:
    """What tells a row of 重点监控建议: its unit, project and 主管部门 (a bureau's, Summary.department_for: namesake
    units of two departments may each have a project of one name; None in a department's summary)."""
    return clean_text(f.record.unit), clean_text(named_form(f.record)), clean_text(department)


def _focus(book: _Book, summary: Summary, folder: str) -> None:
    own = _own(summary, SHEETS[4])
    headers = _by_department(summary, FOCUS_HEADERS)
    s = _Sheet(book, SHEETS[4], [*headers, *(c.header for c in own)], top=FOCUS_TOP)
    project = headers.index("项目名称")  # opens the project's form
    for f in summary.focus:
        key = focus_key(f, summary.department_for(f.record))
        _linked_line(s, [*_department_cell(summary, f.record, focus_row(f), FOCUS_HEADERS),
                         *(_own_cells(own, key) if own else ())], project, _form_link(f.record, None, folder))
    s.finish()
    _note(book, s.ws, 0, FOCUS_NOTE, len(s.headers), sum(s.final))


FILE_HEADERS = ("文件", "状态", "纳入表数", "原因", "SHA-256")


def file_rows(summary: Summary, output: Path) -> list[list]:
    """文件清单's rows, under FILE_HEADERS: kept in the records too, to tell a note written into them by hand."""
    folder = os.path.abspath(output.parent)
    return [[_listed(o.path, folder), "已纳入" if o.status == "included" else "未纳入",
             summary.included_forms.get(o.path, 0), o.reason, o.sha256] for o in summary.files]


def _files(book: _Book, rows: list[list], summary: Summary, folder: str) -> None:
    s = _Sheet(book, SHEETS[5], list(FILE_HEADERS))
    for row, outcome in zip(rows, summary.files):  # 文件 opens the file: one left out, to see why
        _linked_line(s, list(zip(row, ("wrap", "text", "int", "wrap", "hash"))), 0, _file_link(outcome.path, folder))
    s.finish()


def _listed(path: str, folder: str) -> str:
    """An input as 文件清单 lists it: relative to the summary's folder when it lies there (as the units' files
    do beside the add-in's summary, and uploads beside the web page's), else as it was given."""
    full = os.path.abspath(path)
    return readable(os.path.relpath(full, folder) if full.startswith(os.path.join(folder, "")) else path)


def _department_form(book: _Book, summary: Summary) -> None:
    """The official 附件3 form, pre-filled by summing the units' 部门整体 forms where they exist, with what the
    department completed in an earlier summary carried over (carry.py); its indicator groups the profile's, as
    `xlmon template --profile` lays them out, where nothing is carried."""
    from ..adapters.xlsxwriter_form import build_form_xlsxwriter
    from .carry import form_period

    ws = book.wb.add_worksheet(SHEETS[6])
    year, months = form_period(summary.year, summary.months)
    carried = summary.carried
    hierarchy, counts = (carried.hierarchy, carried.counts) if carried else (book.profile.levels(), None)
    plan = plan_form("department", year=year, months=months, hierarchy=hierarchy, indicator_counts=counts)
    layout = plan.layout
    prefill = {(block, label): sums for block, label in layout.funding
               if label != L.TOTAL_ROW and (sums := overall_sums(summary.overall, block, label))}
    values: dict[str, object] = {}
    for row, sums in prefill.items():
        values.update((layout.funding[row][field], value) for field, value in zip(AMOUNTS, sums))
    values.update(carried.values if carried else {})
    note = _department_form_note(summary, prefill)
    build_form_xlsxwriter(book.wb, ws, "department", year=year, months=months,
                          department=_department_name(summary) or None, hierarchy=hierarchy,
                          indicator_counts=counts, values=values, profile=book.profile,
                          tail=ROW_HEIGHT + _note_height(note, sum(COLUMN_WIDTHS)))  # a blank row, the note
    _fit_amounts(ws, plan, values)
    row = ws.dim_rowmax + 2
    _note(book, ws, row, note, LAST_COL, sum(COLUMN_WIDTHS))
    ws.print_area(0, 0, row, LAST_COL - 1)  # the form's print area, and the note on what it covers
    book.header(ws, SHEETS[6])  # as every sheet's: the department and period, the sheet, the page number


def _fit_amounts(ws: Worksheet, plan: SheetPlan, values: dict[str, object]) -> None:
    """The official form's amount columns widened where an amount in them (written, or a 小计 or 资金总额 its
    formula sums) is wider than the form sets them (for 999,999.99 万元): sums of forms typed in 元 (K019)
    printed ### there. A merged cell (全年预计支出数) counts its columns."""
    shown: dict[str, float] = {}
    for block in ("source", "spending"):
        rows = [(label, cells) for (b, label), cells in plan.layout.funding.items() if b == block]
        sums: dict[str, float] = {}
        for label, cells in rows:
            typed = {f: v for f in L.AMOUNT_FIELDS if f in cells and type(v := values.get(cells[f])) in (int, float)}
            if "subtotal" not in typed and {"carryover", "current"} & typed.keys():
                typed["subtotal"] = typed.get("carryover", 0.0) + typed.get("current", 0.0)
            shown.update((cells[f], v) for f, v in typed.items())
            if label != L.TOTAL_ROW:
                for f, v in typed.items():
                    sums[f] = sums.get(f, 0.0) + v
        total = next((cells for label, cells in rows if label == L.TOTAL_ROW), {})
        shown.update((total[f], v) for f, v in sums.items() if f in total and total[f] not in shown)
    need: dict[int, int] = {}
    for address, value in shown.items():
        row, col = rc(address)
        beside = plan.width(row, col) - plan.column_widths[col]
        need[col] = max(need.get(col, 0), _number_width(value, "amount") + 2 - beside)
    for col, wanted in need.items():
        if wanted > plan.column_widths[col]:
            ws.set_column_pixels(col - 1, col - 1, wanted * ws.max_digit_width)  # as apply_plan sets the form's


def _department_form_note(summary: Summary, prefill: dict[tuple[str, str], list[float]]) -> str:
    """What the pre-filled form covers, since the units' project forms do not go into it, and what came from
    the department's earlier summary. prefill: the amounts pre-filled, by (block, row)."""
    from .carry import OWN_NOTES

    ids = summary.unit_ids  # 机关服务中心（101003）'s form does not cover 机关服务中心（102003）
    # 信息中心（某市教育局） and 信息中心（某市卫生健康委员会）, not 信息中心 once
    shown = ids.names([*summary.overall, *summary.overall_other_period])

    def name(r: FormRecord) -> str:
        return shown[ids.of(r)] if r.unit else r.department or "（未填单位）"
    reasons = [(r, not_prefilled(r)) for r in summary.overall]
    left = [(name(r), why) for r, why in reasons if why]
    taken = [r for r, why in reasons if not why]  # the forms the pre-fill has amounts of
    names = sorted({name(r) for r in taken})
    covered = {ids.of(r) for r in summary.overall}  # a unit's own form, or its department's
    codes: dict[str, set[str | None]] = {}
    for stem, code in covered:
        codes.setdefault(stem, set()).add(code)

    def sent(department: str | None) -> bool:
        """Whether the department sent its own 部门整体, its name written with its code or without."""
        stem, code = unit_parts(department or "")
        return stem in codes and (code is None or None in codes[stem] or code in codes[stem])
    stale: dict[tuple, tuple[str, set[str]]] = {}  # each unit whose 部门整体 was of another period only → its periods
    for r in summary.overall_other_period:
        if (key := ids.of(r)) not in covered:
            stale.setdefault(key, (name(r), set()))[1].add(L.period(r.year, r.months))
    units = {key for p in summary.projects if p.unit and (key := ids.of(p)) not in covered and key not in stale
             and not sent(p.department)}
    carried, bureau = summary.carried, bool(summary.department_of)  # a bureau files no 部门整体 of its own
    ask = (f"年度绩效目标、绩效指标和部门填写的金额已从 {Path(carried.source).name} 带入，请部门核实更新" if carried
           else "" if bureau else "年度绩效目标和绩效指标请部门填写")
    if not summary.overall and not stale:
        return f"{OWN_NOTES[1]}，本表金额未预填" + (f"；{ask}。" if ask else "。")
    note = f"{OWN_NOTES[0]} {first_names(names, NAMED_UNITS, '单位')} 报送的部门整体支出绩效运行监控表汇总预填" if names else OWN_NOTES[2]
    if bureau and names:
        note += "，供审核参考"
    if units:
        note += f"；另有 {len(units)} 个单位只报送了项目表，其金额未计入本表" + ("" if bureau else "，请部门核实补充")
    if stale:
        said = "；".join(f"{unit}报送的部门整体表为 {'、'.join(sorted(periods))} 的表" for unit, periods in stale.values())
        note += (f"；{said}，与本表期间（{_period(summary)}）不一致，未计入本表（见“校验问题”）"
                 + ("" if bureau else "，请部门核实补充"))
    if left:
        said = "；".join(f"{unit}的部门整体表{why}" for unit, why in left)
        note += f"；{said}，{'其' if len(left) == 1 else '这些单位的'}金额未计入本表" + ("" if bureau else "，请部门核实补充")
    apart = [(name(r), why) for r in taken if (why := blocks_apart(r))]
    if apart:
        said = "；".join(f"{unit}的部门整体表{why}" for unit, why in apart)
        differ = _prefill_blocks_differ(prefill)
        note += f"；{said}" + ("，本表两种分类的资金总额因此不一致" if differ else "") + ("" if bureau else "，请部门核实补充")
    if short := [(name(r), fields) for r in taken if (fields := amounts_left_out(r, taken))]:
        said = "；".join(f"{unit}的部门整体表未填写{'、'.join(fields)}" for unit, fields in short)
        note += f"；{said}，本表这些列只合计了填写的单位" + ("" if bureau else "，请部门核实补充")
    suspects = apart_forms(summary.diagnostics)
    if yuan := sorted({name(r) for r in taken if apart_place(r) in suspects}):
        note += (f"；{'、'.join(yuan)}的部门整体表金额疑似按元填写（见“校验问题”，代码 K019），已按表内数字计入本表"
                 + ("" if bureau else "，请部门核实"))
    return note + (f"；{ask}。" if ask else "。")


def _prefill_blocks_differ(prefill: dict[tuple[str, str], list[float]]) -> bool:
    """Whether the pre-filled 部门整体's two 资金总额 rows (the sums of their blocks' rows) disagree, as R202 tells."""
    totals = [[sum(v or 0.0 for v in part)
               for part in zip(*(sums for (b, _), sums in prefill.items() if b == block))]
              or [0.0] * len(AMOUNTS) for block in ("source", "spending")]
    return any(abs(a - b) > AMOUNT_TOLERANCE + EPS for a, b in zip(*totals))


def _records(book: _Book, summary: Summary, listed: list[list], path: Path) -> None:
    ws = book.wb.add_worksheet(RECORDS_SHEET)
    ws.write_string(0, 0, "xlmon 汇总数据（供上级汇总读取，请勿修改）")
    row = 1
    for r in (*summary.projects, *summary.overall):
        ws.write_run(row, 0, _pieces(r.line or record_line(r)))
        row += 1
    for d in summary.diagnostics:
        ws.write_run(row, 0, _pieces(diagnostic_line(d)))
        row += 1
    for file in listed:
        ws.write_run(row, 0, _pieces(file_line(file)))
        row += 1
    if summary.roster:
        ws.write_run(row, 0, _pieces(roster_line(summary.roster)))
        row += 1
    if any((left := summary.left).values()):
        ws.write_run(row, 0, _pieces(left_line(**left)))
        row += 1
    here = Path(path).resolve().parent  # run.skip_own_summaries reads it: last time's summary of this folder
    own = any(Path(f.path).resolve().parent == here for f in summary.files if f.status == "included" and not f.summary)
    ws.write_run(row, 0, _pieces(made_line(str(here) if own else None)))
    ws.write_run(row + 1, 0, _pieces(profile_line(book.profile.model_dump(mode="json"))))
    ws.hide()


RECORD_PIECE = 16_000  # a cell holds 32,767 UTF-16 units; a record's line never shrinks to fit one


def _pieces(line: str) -> Cells:
    """A record's line over as many cells of its row as it needs; extract.summary_records joins them."""
    return [("i", line[at:at + RECORD_PIECE], None) for at in range(0, len(line), RECORD_PIECE)]
