"""The record of the marks the add-in's 校验 puts on an open book, kept right of its findings on the 校验结果 sheet,
and 清除标记 taking exactly those off again: each mark with the colour it covered and the text of its row (a row
inserted since moves a mark, which is then not ours to undo), and the book's sheets in order, so that a sheet renamed
since is followed. The 校验结果 sheet itself renamed (kept by the unit, 6月校验结果) is found by its record, which is
used once and then taken out of it."""

from __future__ import annotations

from typing import Any

from .adapters import xlwings_book as xb
from .check import OWN_SHEETS
from .diagnostics import Diagnostic
from .grid import Grid, parse_address
from .marks import NO_FINDINGS, RESULTS_HEADER, MarkPlan, fill_of, results_row
from .sheetnames import RESULTS_SHEET

STATE_MARKER = "xlmon-marks-xlwings/1"
STATE_COLUMN = "J"  # the record of marks sits right of the findings, in the same sheet
STATE_HEADER = (STATE_MARKER, "工作表", "单元格", "标记颜色", "原颜色", "所在行")
STATE_NOTE = "以上为“清除标记”所用的标记记录，请勿修改。"
NO_FILL = "无"
SHEET_ROW = "工作表"  # a row of the record naming a sheet the book had, in order, to follow it when renamed


def apply_marks(book: Any, plan: MarkPlan, template_fills: dict) -> dict[tuple[str, str], tuple[str, str | None]]:
    marked: dict[tuple[str, str], tuple[str, str | None]] = {}
    names = set(sheet_names(book))
    for mark in plan.marks:
        colour = fill_of(mark)
        if colour is None or mark.sheet not in names:
            continue
        sheet = book.sheets[mark.sheet]
        original = xb.read_colour(sheet, mark.cell)
        if original is False:
            original = template_fills.get((mark.sheet, mark.cell))
        xb.set_colour(book, sheet, mark.cell, colour)
        marked[(mark.sheet, mark.cell)] = (colour, original)
    return marked


def write_results(book: Any, diagnostics: list[Diagnostic], marked: dict, grids: dict[str, Grid]) -> None:
    sheet = xb.add_sheet(book, RESULTS_SHEET)
    if diagnostics:
        rows = [list(RESULTS_HEADER)] + [results_row(i, d) for i, d in enumerate(diagnostics, start=1)]
    else:
        rows = [[NO_FINDINGS]]
    xb.write_rows(sheet, "A1", rows)
    names = set(sheet_names(book))
    for i, d in enumerate(diagnostics, start=2):
        if d.sheet and d.cell and d.sheet in names and d.sheet not in OWN_SHEETS:
            quoted = d.sheet.replace("'", "''")
            sheet[f"D{i}"].add_hyperlink(f"#'{quoted}'!{d.cell}", d.cell, f"转到 {d.sheet}!{d.cell}")
    state = [list(STATE_HEADER)] + [["", s, c, colour, original or NO_FILL, _content(grids, s, c)]
                                    for (s, c), (colour, original) in marked.items()]
    state += [[SHEET_ROW, name] for name in sheet_names(book) if name != RESULTS_SHEET]
    state.append([STATE_NOTE])
    xb.write_rows(sheet, f"{STATE_COLUMN}1", state)
    if diagnostics and xb.can(book, "setRangeColor"):
        sheet[f"A1:{chr(64 + len(RESULTS_HEADER))}1"].color = "#D9E1F2"


_UNRECORDED = object()  # a record written before contents were kept: nothing to compare with


def _content(grids: dict[str, Grid], sheet: str, cell: str) -> Any:
    """The row a marked cell is in, by its first text (its label: 市级财政资金, an indicator's 一级/三级 name):
    清除标记 restores the colour only while that row is still there, so a row inserted above, which moves the
    marks, is told from a value the unit corrected after 校验, whose mark must come off."""
    grid = grids.get(sheet)
    return _row_text(grid, parse_address(cell)[0]) if grid else None


def _row_text(grid: Grid, r: int) -> str | None:
    row = grid[r] if 0 <= r < len(grid) else []
    return next((v.strip() for v in row if isinstance(v, str) and v.strip()), None)


def record_sheet(book: Any) -> str | None:
    """The sheet holding the record of the last 校验's marks: 校验结果, whoever's it is, else a sheet holding our record
    (校验结果 renamed by the unit to keep it)."""
    names = sheet_names(book)
    if RESULTS_SHEET in names:
        return RESULTS_SHEET
    return next((n for n in names if book.sheets[n][f"{STATE_COLUMN}1"].value == STATE_MARKER), None)


def read_state(book: Any) -> tuple[list[tuple[str, str, str, str | None, Any]], dict[str, int], str] | None:
    """The marks recorded by the last 校验, each on its sheet as called now, the number on each sheet that is gone
    where another may be it renamed (_follow_renames), and the sheet the record is on; None when there is no record
    of ours."""
    where = record_sheet(book)
    if where is None:
        return None
    grid = xb.sheet_grid(book.sheets[where])
    col = ord(STATE_COLUMN) - 65
    if not grid or len(grid[0]) <= col or grid[0][col] != STATE_MARKER:
        return None
    kept = len(grid[0]) > col + 5 and grid[0][col + 5] == STATE_HEADER[5]  # not the earlier 当时内容 either
    records, sheets = [], []
    for row in grid[1:]:
        cells = (row + [None] * 6)[col:col + 6]
        kind, sheet, cell, colour, original, content = cells
        if kind == SHEET_ROW and sheet:
            sheets.append(str(sheet))
        if not sheet or not cell:
            continue
        records.append((str(sheet), str(cell), str(colour or ""), None if original in (None, NO_FILL) else str(original),
                        content if kept else _UNRECORDED))
    return (*_follow_renames(book, records, sheets, where), where)


def _follow_renames(book: Any, records: list, then: list[str], where: str) -> tuple[list, dict[str, int]]:
    """The records with each sheet renamed since 校验 called by its new name, and how many marks are on each sheet gone
    that more than one new sheet may be. The record lists the book's sheets as they were. A renamed sheet keeps its
    place: a new sheet where a marked one was, whose rows hold what was marked on it, is that sheet renamed (its old
    name may be a new sheet's now, as 新建项目表 takes the first free 项目表N); else a sheet still called so is it; else
    one gone is the new sheet holding its rows in its place among the sheets still there (between the same two), or
    the only one anywhere."""
    now = [n for n in sheet_names(book) if n not in (RESULTS_SHEET, where)]
    marked = [n for n in then if any(r[0] == n for r in records)]
    new = [n for n in now if n not in then]
    if not new or not marked:
        return records, {}
    grids: dict[str, Grid] = {}

    def holds(name: str, old: str) -> bool:
        if name not in grids:
            grids[name] = xb.sheet_grid(book.sheets[name])
        return all(r[4] is not _UNRECORDED and _same_content(_row_text(grids[name], parse_address(r[1])[0]), r[4])
                   for r in records if r[0] == old)

    renamed: dict[str, str] = {}
    for old in marked:
        at = then.index(old)
        there = now[at] if at < len(now) else None
        if there != old and there in new and there not in renamed.values() and holds(there, old):
            renamed[old] = there
    gone = [n for n in marked if n not in now and n not in renamed]
    common = [n for n in then if n in now]
    anchors = common if common == [n for n in now if n in then] else []  # sheets moved: no place to go by
    for before, after in zip(_gaps(then, anchors), _gaps(now, anchors)):
        before, fresh = [n for n in before if n in gone], [n for n in after if n in new]
        for at, old in enumerate(before):
            free = [n for n in fresh if n not in renamed.values() and holds(n, old)]
            if at < len(fresh) and fresh[at] in free:
                renamed[old] = fresh[at]
            elif len(free) == 1:
                renamed[old] = free[0]
    lost: dict[str, int] = {}
    for old in gone:
        if old not in renamed:
            free = [n for n in new if n not in renamed.values() and holds(n, old)]
            if len(free) == 1:
                renamed[old] = free[0]
            elif free:
                lost[old] = sum(r[0] == old for r in records)
    return [(renamed.get(r[0], r[0]), *r[1:]) for r in records], lost


def lost_note(lost: dict[str, int]) -> str:
    if not lost:
        return ""
    names = "”“".join(lost)
    return (f"\n上次校验在工作表“{names}”上所做的 {sum(lost.values())} 处标记未能清除：这些工作表已不在，如是改了名，"
            "请手工去掉其上的颜色。")


def _gaps(names: list[str], anchors: list[str]) -> list[list[str]]:
    """The names before the first anchor, between each two, and after the last."""
    out: list[list[str]] = [[]]
    for name in names:
        if name in anchors:
            out.append([])
        else:
            out[-1].append(name)
    return out


def clear_recorded(book: Any, records: list[tuple[str, str, str, str | None, Any]], where: str = RESULTS_SHEET
                   ) -> tuple[int, list[tuple[str, str]], str]:
    """Restore the recorded cells and drop 校验结果 (of a sheet the unit renamed to keep, or of the book's last sheet,
    which Excel cannot delete, its record only): the number put back, the cells left as they are because they no
    longer hold what was marked (a row inserted above moved it: the colour there is not ours to undo), and why the
    sheet stays ("" where it went: _kept_note)."""
    names = set(sheet_names(book))
    grids: dict[str, Grid] = {}
    restored, moved = 0, []
    for sheet_name, cell, applied, original, content in records:
        if sheet_name not in names:
            continue
        sheet = book.sheets[sheet_name]
        now = xb.read_colour(sheet, cell)
        if now is not False and (now or "").upper() != applied.upper():
            continue  # the user recoloured the cell since: theirs now
        if content is not _UNRECORDED:
            if sheet_name not in grids:
                grids[sheet_name] = xb.sheet_grid(sheet)
            if not _same_content(_row_text(grids[sheet_name], parse_address(cell)[0]), content):
                moved.append((sheet_name, cell))
                continue
        xb.set_colour(book, sheet, cell, original)
        restored += 1
    kept_note = _kept_note(book, where)
    if not kept_note:
        xb.delete_sheet(book, RESULTS_SHEET)
    else:
        kept = book.sheets[where]
        col, width = ord(STATE_COLUMN) - 65, len(STATE_HEADER)
        grid = xb.sheet_grid(kept)
        rows = max((r + 1 for r, row in enumerate(grid) if any(v not in (None, "") for v in row[col:col + width])),
                   default=0)
        xb.write_rows(kept, f"{STATE_COLUMN}1", [[None] * width for _ in range(rows)])
    return restored, moved, kept_note


def _kept_note(book: Any, where: str) -> str:
    """Why the sheet of the record stays, its record taken out: renamed by the unit to keep it, or the book's last
    sheet; "" where it goes."""
    if where != RESULTS_SHEET:
        return f"“{where}”表是改名保留的上次校验结果，已保留，其中的标记记录已删除。"
    if sheet_names(book) == [where]:
        return f"“{where}”是工作簿中仅剩的工作表（Excel 不能删除最后一张工作表），已保留，其中的标记记录已删除。"
    return ""


def _same_content(now: Any, then: Any) -> bool:
    if now in (None, "") or then in (None, ""):
        return now in (None, "") and then in (None, "")
    if isinstance(now, (int, float)) and isinstance(then, (int, float)):
        return abs(now - then) <= 1e-9 * max(1.0, abs(now))
    return str(now).lstrip("'") == str(then).lstrip("'")


def sheet_names(book: Any) -> list[str]:
    return [s.name for s in book.sheets]
