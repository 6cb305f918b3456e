"""What departments do to their summary in Excel or WPS before sending it up or summing the folder again, and what
xlmon makes of it. Built on the generated departments of test_consolidate_properties: a summary is made, then
worked on in three stages, each on top of the one before, as openpyxl (and, now and then, LibreOffice) saves it:

(a) tidied: tables sorted by a column, filtered, rows and columns hidden, widths, fonts, fills, number formats,
    panes, tabs moved, an empty sheet added. No edit: one level up it gives the very figures and findings of the
    summary as written, and a new summary may be written over it.
(b) added to: a column of the department's notes on 项目明细 (then sorted again), remarks typed beside the tables,
    a sheet of its own. Each is an edit named with its sheet and cell one level up (K005, K014), a new summary is
    never written over it, and the next summary of the folder carries the notes beside the same projects (K016)
    and counts the rest as left behind (K015); a completed 部门整体 carried with --overall-from X -o X takes the
    notes along, and is refused over any other edit.
(c) edited: an amount, a grade or a unit's name changed in 项目明细, a project's row deleted, a figure of 汇总表
    corrected, a reason or a handling rewritten, a finding deleted. Each is reported one level up with its sheet
    and cell (a deleted row by its name), the figures stay the records', and nothing is written over.

Each case is seeded, a failure names its seed, and XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import datetime
import io
import json
import random
import shutil
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from copy import copy
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from conftest import libreoffice_convert
from test_consolidate_properties import MONTHS, YEAR, assert_same_figures, consolidate, findings, inbox, seeds
from xlmon.adapters.files import read_workbook
from xlmon.cli import main
from xlmon.consolidate.edits import kept
from xlmon.consolidate.extract import edits_in
from xlmon.form_plan import plan_form
from xlmon.profile import load_profile
from xlmon.text import clean_text

EDIT_CODES = ("K005", "K012", "K014", "K015", "K016")
CODE = {"项目明细": "K005", "指标偏差": "K012"}  # any other sheet: K014
TABLES = {"项目明细": 1, "指标偏差": 1, "校验问题": 1, "重点监控建议": 3, "文件清单": 1}  # their header rows
DETAIL_KEY = ("单位", "项目名称", "工作表", "来源文件")
NOTE_HEADERS = ("审核意见", "处理情况", "部门备注", "复核结果")
NOTES = ("同意，继续拨款", "请单位说明进度滞后原因", "已约谈", 12.5, 3, datetime.datetime(2026, 7, 5), "暂缓拨款\n待复核")
REMARKS = ("审核人：张三", "此表已于7月5日复核", "备注：数据以单位报送为准", 2026)
SUMMARY = "部门汇总.xlsx"


def code_of(sheet: str) -> str:
    return CODE.get(sheet, "K014")


# ---------------------------------------------------------------------------------------------------------------
# A sheet's tables, and what Excel does to their rows.
# ---------------------------------------------------------------------------------------------------------------

def width(ws, top: int) -> int:
    """The table's columns: its header's, from A to the first blank header cell."""
    c = 1
    while ws.cell(top, c).value not in (None, ""):
        c += 1
    return c - 1


def last_row(ws, top: int, columns: int) -> int:
    """The table's last row: the rows below its header until one blank across its columns."""
    r = top
    while any(ws.cell(r + 1, c).value not in (None, "") for c in range(1, columns + 1)):
        r += 1
    return r


def header(ws, top: int) -> dict[str, int]:
    return {clean_text(ws.cell(top, c).value): c for c in range(1, width(ws, top) + 1)}


def cell_state(cell) -> tuple:
    link = cell.hyperlink
    return (cell.value, cell.data_type, copy(cell._style),
            None if link is None else (link.target, link.location, link.tooltip, link.display))


def put(cell, state: tuple) -> None:
    """A cell's value, type, style and link where Excel's sort or row deletion moves them."""
    value, data_type, style, link = state
    cell.hyperlink = None
    cell.value = value
    if value is not None:
        cell.data_type = data_type  # text stays text ("=…" too)
    cell._style = copy(style)
    if link is not None:
        target, location, tooltip, display = link
        cell.hyperlink = Hyperlink(ref="", target=target, location=location, tooltip=tooltip, display=display)


def sort_key(value: object) -> tuple:
    if value is None or value == "":
        return (2, "")
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value))


def sort_rows(ws, first: int, last: int, columns: int, by: int, descending: bool) -> None:
    """Rows first..last of columns 1..columns sorted by column `by`, as Excel's 排序 does (blanks last)."""
    rows = [[cell_state(ws.cell(r, c)) for c in range(1, columns + 1)] for r in range(first, last + 1)]
    filled = sorted((row for row in rows if row[by - 1][0] not in (None, "")), key=lambda row: sort_key(row[by - 1][0]),
                    reverse=descending)
    rows = filled + [row for row in rows if row[by - 1][0] in (None, "")]
    for r, row in enumerate(rows, first):
        for c, state in enumerate(row, 1):
            put(ws.cell(r, c), state)


def moving_links(ws, change, where) -> None:
    """Rows or columns inserted or deleted by change(), each link moved with its cell as Excel moves it (openpyxl
    leaves the links where they were): where(row, column) is its new place, None where its cell is gone."""
    links = {(c.row, c.column): c.hyperlink for row in ws.iter_rows() for c in row if c.hyperlink}
    change()
    for row in ws.iter_rows():
        for c in row:
            c._hyperlink = None
    for place, link in links.items():
        if (to := where(*place)) is not None:
            ws.cell(*to).hyperlink = Hyperlink(ref="", target=link.target, location=link.location,
                                               tooltip=link.tooltip, display=link.display)


def delete_row(ws, r: int) -> None:
    """Row r deleted, the rows below moved up with their links."""
    moving_links(ws, lambda: ws.delete_rows(r), lambda row, column: None if row == r else (row - (row > r), column))


# ---------------------------------------------------------------------------------------------------------------
# What is expected of the edited summary.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Expected:
    """The edits made so far, each (sheet, row, column, what the report says; row None for a deleted row), and the
    department's notes on 项目明细 by the key of their row."""

    edits: list[list] = field(default_factory=list)
    note: str | None = None
    notes: dict[tuple, object] = field(default_factory=dict)
    gone: dict[tuple, object] = field(default_factory=dict)  # notes whose row's key the department rewrote
    others: int = 0  # edits besides the notes' column

    def add(self, sheet: str, row: int | None, column: int | None, said: str, note: bool = False) -> None:
        self.edits.append([sheet, row, column, said])
        self.others += not note

    def row_deleted(self, sheet: str, r: int) -> None:
        for edit in self.edits:
            if edit[0] == sheet and edit[1] is not None and edit[1] > r:
                edit[1] -= 1

    def cells(self) -> Counter:
        return Counter((code_of(sheet), sheet, None if row is None else f"{get_column_letter(column)}{row}")
                       for sheet, row, column, _ in self.edits)


def key_of(ws, r: int) -> tuple:
    at = header(ws, 1)
    return tuple(clean_text(ws.cell(r, at[k]).value) for k in DETAIL_KEY)


# ---------------------------------------------------------------------------------------------------------------
# (a) Tidying.
# ---------------------------------------------------------------------------------------------------------------

def sort_table(rng: random.Random, wb, sheet: str) -> None:
    ws = wb[sheet]
    top = TABLES[sheet]
    columns = width(ws, top)
    last = last_row(ws, top, columns)
    if last > top + 1:
        sort_rows(ws, top + 1, last, columns, rng.randint(1, columns), rng.random() < 0.5)


def sort_units(rng: random.Random, wb, _sheet: str) -> None:
    """汇总表's table of units' 支出进度 sorted by one of its columns."""
    ws = wb["汇总表"]
    top = next((r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "单位"
                and ws.cell(r - 1, 1).value == "各单位支出进度（按进度差从大到小）"), None)
    if top is not None:
        sort_rows(ws, top + 1, last_row(ws, top, 7), 7, rng.randint(1, 7), rng.random() < 0.5)


def tidy(rng: random.Random, wb, sheet: str) -> None:
    """One of the things done to a sheet that change none of its values."""
    ws = wb[sheet]
    rows, columns = max(ws.max_row, 2), max(ws.max_column, 2)
    what = rng.randrange(9)
    if what == 0 and sheet in TABLES:
        top = TABLES[sheet]
        ws.auto_filter.ref = f"A{top}:{get_column_letter(width(ws, top))}{last_row(ws, top, width(ws, top))}"
    elif what == 0:
        ws.auto_filter.ref = None
    elif what == 1:
        for r in rng.sample(range(1, rows + 1), min(3, rows)):
            ws.row_dimensions[r].hidden = True
    elif what == 2:
        ws.column_dimensions[get_column_letter(rng.randint(1, columns))].hidden = True
    elif what == 3:
        ws.column_dimensions[get_column_letter(rng.randint(1, columns))].width = rng.choice((4, 12.5, 30, 60))
    elif what == 4:
        for _ in range(5):
            cell = ws.cell(rng.randint(1, rows), rng.randint(1, columns))
            cell.font = Font(name=rng.choice(("宋体", "黑体", "Calibri")), bold=rng.random() < 0.5, color="FFC00000")
            cell.fill = PatternFill("solid", fgColor=rng.choice(("FFFFFF00", "FFDDEBF7", "FFFCE4D6")))
    elif what == 5:
        ws.freeze_panes = rng.choice((None, "A2", "B2", "C3"))
    elif what == 6:
        for row in ws.iter_rows(min_row=1, max_row=rows):
            for cell in row:
                if isinstance(cell.value, (int, float)) and rng.random() < 0.3:
                    cell.number_format = rng.choice(("0.00", "#,##0.0", "0.0%", "General"))
    elif what == 7:
        ws.sheet_properties.tabColor = rng.choice(("FF0000", "00B050"))
        ws.sheet_view.zoomScale = rng.choice((75, 100, 125))
    else:
        ws.row_dimensions[rng.randint(1, rows)].height = rng.choice((8, 30, 60))


def tidied(rng: random.Random, wb) -> list[str]:
    """A random sequence of tidying; what was done, to name in a failure."""
    done = []
    visible = ["汇总表", *TABLES, "部门整体"]
    for _ in range(rng.randint(3, 10)):
        what = rng.random()
        if what < 0.4:
            sheet = rng.choice(list(TABLES))
            sort_table(rng, wb, sheet)
            done.append(f"sorted {sheet}")
        elif what < 0.5:
            sort_units(rng, wb, "汇总表")
            done.append("sorted 汇总表's units")
        elif what < 0.9:
            sheet = rng.choice(visible)
            tidy(rng, wb, sheet)
            done.append(f"tidied {sheet}")
        elif what < 0.95:
            ws = wb.create_sheet(rng.choice(("Sheet1", "草稿", "打印用")), rng.randint(0, len(wb.sheetnames)))
            ws["B2"].fill = PatternFill("solid", fgColor="FFFFFF00")  # formatted, nothing written
            done.append(f"added an empty sheet {ws.title}")
        else:
            sheet = rng.choice(visible)
            wb.move_sheet(sheet, rng.randint(-3, 3))
            done.append(f"moved {sheet}")
    return done


# ---------------------------------------------------------------------------------------------------------------
# (b) Additions.
# ---------------------------------------------------------------------------------------------------------------

def add_notes(rng: random.Random, wb, expected: Expected) -> str:
    """A column of the department's notes on 项目明细, after the table or inserted within it, beside some rows."""
    ws = wb["项目明细"]
    columns = width(ws, 1)
    last = last_row(ws, 1, columns)
    at = columns + 1 if rng.random() < 0.6 else rng.randint(2, columns)
    if at <= columns:
        moving_links(ws, lambda: ws.insert_cols(at), lambda row, column: (row, column + (column >= at)))
    expected.note = rng.choice(NOTE_HEADERS)
    ws.cell(1, at).value = expected.note
    for r in rng.sample(range(2, last + 1), rng.randint(1, last - 1)):
        value = rng.choice(NOTES)
        ws.cell(r, at).value = value
        expected.notes[key_of(ws, r)] = kept(value)
    expected.add("项目明细", 1, at, f"增加了“{expected.note}”一列", note=True)
    return f"notes “{expected.note}” in column {get_column_letter(at)}"


def add_remark(rng: random.Random, wb, expected: Expected, sheet: str) -> str:
    """A remark typed into an empty cell beside a table: right of it (in its header's row too), or below
    汇总表's tables."""
    ws = wb[sheet]
    text = rng.choice(REMARKS)
    if sheet == "汇总表":
        if rng.random() < 0.5:
            r, c, said = ws.max_row + rng.randint(2, 4), rng.randint(1, 6), "在表格下方填写了"
        else:
            r, c, said = rng.randint(4, ws.max_row), 13 + rng.randint(0, 2), "在表格右侧填写了"
    else:
        top = TABLES[sheet]
        columns = width(ws, top)
        r = rng.randint(top, last_row(ws, top, columns) + 2)
        c, said = columns + rng.randint(2, 3), "在表格右侧填写了"
    if r == (4 if sheet == "汇总表" else TABLES[sheet]):  # in the header's row: a column's header
        said = f"增加了“{text}”一列"
    ws.cell(r, c).value = text
    expected.add(sheet, r, c, said)
    return f"remark {sheet}!{get_column_letter(c)}{r}"


def add_sheet(rng: random.Random, wb, expected: Expected) -> str:
    name = rng.choice(("部门意见", "审核记录"))
    wb.create_sheet(name)["A1"] = "请财政局优先审核第一中学"
    expected.add(name, None, None, f"增加了工作表“{name}”")
    return f"sheet {name}"


def added(rng: random.Random, wb, expected: Expected) -> list[str]:
    """The notes' column, the table sorted again now and then (the notes move with their rows), remarks
    beside some tables (one a sheet at most: a note of several cells is one edit), a sheet of the department's."""
    done = [add_notes(rng, wb, expected)]
    if rng.random() < 0.7:
        sort_table(rng, wb, "项目明细")
        done.append("sorted 项目明细")
    if rng.random() < 0.7:
        for sheet in rng.sample(["汇总表", *TABLES], rng.randint(1, 3)):
            done.append(add_remark(rng, wb, expected, sheet))
    if rng.random() < 0.3:
        done.append(add_sheet(rng, wb, expected))
    return done


# ---------------------------------------------------------------------------------------------------------------
# (c) Edits.
# ---------------------------------------------------------------------------------------------------------------

AMOUNTS = ("上年结转", "本年预算", "小计", "下达数", "支出数", "全年预计支出数")
GRADES = ("绿灯", "黄灯", "红灯")


def changed(value: object, rng: random.Random) -> float:
    return round((value if isinstance(value, (int, float)) else 0) + rng.choice((1, 12.34, 100, -0.5)), 2)


def edited(rng: random.Random, wb, expected: Expected) -> list[str]:
    """Real edits, each on a row of its own (rows holding a remark are not deleted)."""
    done = []
    ws = wb["项目明细"]
    at = header(ws, 1)
    remarked = {row for sheet, row, _, _ in expected.edits if sheet == "项目明细"}
    rows = list(range(2, last_row(ws, 1, width(ws, 1)) + 1))
    rng.shuffle(rows)
    if len(rows) > 1 and rng.random() < 0.6 and (free := [r for r in rows if r not in remarked]):
        r = free[0]
        rows.remove(r)
        unit, project, form = (clean_text(ws.cell(r, at[h]).value) for h in ("单位", "项目名称", "工作表"))
        key = key_of(ws, r)
        expected.notes.pop(key, None)
        delete_row(ws, r)
        expected.row_deleted("项目明细", r)
        rows = [x - (x > r) for x in rows]
        expected.add("项目明细", None, None, f"“{unit or '未填单位'}·{project or form}”所在的行已删除")
        done.append(f"deleted 项目明细 row {r}")
    kinds = rng.sample(("amount", "grade", "unit"), rng.randint(1, 3))
    for kind, r in zip(kinds, rows):
        if kind == "amount":
            label = rng.choice(AMOUNTS)
            cell = ws.cell(r, at[label])
            cell.value = changed(cell.value, rng)
        elif kind == "grade":
            label = rng.choice(("资金评级", "综合评级"))
            cell = ws.cell(r, at[label])
            cell.value = rng.choice([g for g in GRADES if g != cell.value])
        else:
            label = "单位"
            cell = ws.cell(r, at[label])
            key = key_of(ws, r)
            cell.value = f"{cell.value or ''}（部门改）"
            if key in expected.notes:
                expected.gone[key] = expected.notes.pop(key)
        expected.add("项目明细", r, cell.column, f"的{label}为")
        done.append(f"{kind} 项目明细!{cell.coordinate}")
    if rng.random() < 0.7:
        done.append(edit_overview(rng, wb, expected))
    for sheet, label in (("指标偏差", "偏差原因分析"), ("重点监控建议", "建议处理方式（草稿）")):
        ws = wb[sheet]
        top = TABLES[sheet]
        last = last_row(ws, top, width(ws, top))
        taken = {row for s, row, _, _ in expected.edits if s == sheet}
        if last > top and rng.random() < 0.5 and (free := [r for r in range(top + 1, last + 1) if r not in taken]):
            cell = ws.cell(rng.choice(free), header(ws, top)[label])
            cell.value = "部门改写：" + rng.choice(REMARKS[:3])
            expected.add(sheet, cell.row, cell.column, f"的{label}为“部门改写")
            done.append(f"rewrote {sheet}!{cell.coordinate}")
    ws = wb["校验问题"]
    last = last_row(ws, 1, width(ws, 1))
    taken = {row for s, row, _, _ in expected.edits if s == "校验问题"}
    if last > 1 and rng.random() < 0.4 and (free := [r for r in range(2, last + 1) if r not in taken]):
        r = rng.choice(free)
        delete_row(ws, r)
        expected.row_deleted("校验问题", r)
        expected.add("校验问题", None, None, "所在的行已删除")
        done.append(f"deleted 校验问题 row {r}")
    return done


def edit_overview(rng: random.Random, wb, expected: Expected) -> str:
    """An amount of 汇总表's funding table corrected."""
    ws = wb["汇总表"]
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "资金来源")
    at = {ws.cell(top, c).value: c for c in range(1, 13)}
    label = rng.choice(("上年结转", "本年预算", "小计", f"1-{MONTHS}月下达数", f"1-{MONTHS}月支出数", "全年预计支出数"))
    r = top + rng.randint(1, 4)
    cell = ws.cell(r, at[label])
    cell.value = changed(cell.value, rng)
    row = clean_text(ws.cell(r, 1).value)
    expected.add("汇总表", r, cell.column, f"{row}的{label.split('月')[-1]}为")
    return f"corrected 汇总表!{cell.coordinate}"


# ---------------------------------------------------------------------------------------------------------------
# Running.
# ---------------------------------------------------------------------------------------------------------------

def attempt(*args) -> tuple[int, dict | None, str]:
    """`xlmon consolidate --format json ARGS`: its exit code, its JSON when written, its errors."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["consolidate", "--format", "json", *map(str, args)])
    return code, json.loads(out.getvalue()) if code == 0 else None, err.getvalue()


def edit_findings(data: dict) -> list[dict]:
    return [d for d in data["diagnostics"] if d["code"] in EDIT_CODES]


def not_edits(data: dict) -> Counter:
    return findings({**data, "diagnostics": [d for d in data["diagnostics"] if d["code"] not in EDIT_CODES]})


def notes_in(path: Path, note: str) -> dict[tuple, object]:
    """The department's notes in a summary's 项目明细, by the key of their row."""
    ws = load_workbook(path)["项目明细"]
    at = header(ws, 1)
    assert note in at, f"no “{note}” column in {path.name}"
    return {key_of(ws, r): ws.cell(r, at[note]).value for r in range(2, last_row(ws, 1, width(ws, 1)) + 1)
            if ws.cell(r, at[note]).value is not None}


def complete(path: Path) -> None:
    """The department fills in its 部门整体's goal."""
    wb = load_workbook(path)
    wb["部门整体"][plan_form("department", year=YEAR, months=MONTHS).layout.header["goal"]] = "保障全市教育事业正常运转"
    wb.save(path)


@dataclass
class Case:
    seed: int
    root: Path
    folder: Path  # the units' files, the summary beside them
    original: bytes
    own: dict  # what consolidate said of the summary
    up: dict  # the summary as written, consolidated one level up

    def stage(self, name: str, wb) -> Path:
        path = self.root / name / SUMMARY
        path.parent.mkdir()
        wb.save(path)
        return path

    def beside_units(self, edited: Path) -> Path:
        """The edited summary where the summary was written, beside the units' files."""
        for made in self.folder.glob("部门汇总*.xlsx"):
            made.unlink()
        shutil.copy2(edited, self.folder / SUMMARY)
        return self.folder / SUMMARY


def made(rng: random.Random, root: Path, seed: int) -> Case:
    folder = root / "in"
    inbox(rng, folder)
    own = consolidate(folder, output=folder / SUMMARY)
    up = consolidate(folder / SUMMARY, output=root / "up" / "written" / "局汇总.xlsx")
    assert not edit_findings(up), f"seed {seed}"
    return Case(seed, root, folder, (folder / SUMMARY).read_bytes(), own, up)


def assert_reported(case: Case, edited: Path, expected: Expected, context: str) -> dict:
    """The edits the summary shows, and one level up: exactly those made, each with its cell and what it says;
    the figures and every other finding those of the summary as written."""
    shown = Counter((e.code, e.sheet, e.cell) for e in edits_in(read_workbook(edited).sheets, load_profile()))
    assert shown == expected.cells(), context
    up = consolidate(edited, output=case.root / "up" / edited.parent.name / "局汇总.xlsx")
    reported = edit_findings(up)
    assert Counter((d["code"], d["sheet"], d["cell"]) for d in reported) == expected.cells(), context
    for sheet, row, column, said in expected.edits:
        cell = None if row is None else f"{get_column_letter(column)}{row}"
        assert any(d["sheet"] == sheet and d["cell"] == cell and said in d["message"] for d in reported), (
            f"{sheet}!{cell} “{said}” not reported: {[(d['sheet'], d['cell'], d['message']) for d in reported]}; {context}")
    assert all(d["file"] == str(edited) and d["severity"] == "warning" and "未计入" in d["message"]
               for d in reported if d["code"] in ("K005", "K012", "K014")), context
    assert_same_figures(up, case.up, context)
    assert not_edits(up) == not_edits(case.up), context
    return up


def assert_not_written_over(case: Case, edited: Path, expected: Expected, context: str) -> None:
    """Summing the folder again onto the edited summary is refused, naming how many edits, the file as it was."""
    at = case.beside_units(edited)
    before = at.read_bytes()
    code, _, err = attempt(case.folder, "-o", at)
    assert code == 2 and f"有 {len(expected.edits)} 处手工修改" in err, (context, err)
    assert at.read_bytes() == before, context


def assert_remade(case: Case, edited: Path, expected: Expected, context: str) -> None:
    """The next summary of the folder, the edited one beside the units' files: the notes beside the same
    projects (K016), those of a row whose name was rewritten named as gone, the other edits left behind (K015)."""
    at = case.beside_units(edited)
    again = case.folder / "部门汇总（2）.xlsx"
    code, data, err = attempt(case.folder, "-o", again)
    assert code == 0, (context, err)
    assert_same_figures(data, case.own, context)
    said = {d["code"]: d for d in edit_findings(data)}
    assert set(said) <= {"K015", "K016"}, (context, said)
    left = expected.others + (expected.note is not None and not (expected.notes or expected.gone))  # a header alone
    if left:
        assert said.pop("K015")["message"].startswith(f"上次的汇总表中有 {left} 处手工修改"), (context, said)
    if expected.notes or expected.gone:
        k016 = said.pop("K016")
        assert k016["file"] == str(at) and f"增加的 1 列（项目明细“{expected.note}”）" in k016["message"], context
        assert (f"其中 {len(expected.gone)} 个值所在的行" in k016["message"]) == bool(expected.gone), (context, k016)
        assert notes_in(again, expected.note) == expected.notes, context
    assert not said, (context, said)


def assert_carried_with_the_overall(case: Case, edited: Path, expected: Expected, context: str) -> None:
    """The 部门整体 completed: without --overall-from never written over; with --overall-from X -o X the notes
    are no reason to refuse (they go into the new summary), any other edit is."""
    at = case.beside_units(edited)
    complete(at)
    before = at.read_bytes()
    assert attempt(case.folder, "-o", at)[0] == 2, context
    code, data, err = attempt(case.folder, "--overall-from", at, "-o", at)
    if expected.others:
        assert code == 2 and at.read_bytes() == before, (context, err)
        return
    assert code == 0, (context, err)
    assert_same_figures(data, case.own, context)
    assert [d["code"] for d in edit_findings(data)] == ["K016"], context
    assert any(d["code"] == "K007" for d in data["diagnostics"]), context
    assert notes_in(at, expected.note) == expected.notes, context


@pytest.mark.parametrize("seed", seeds(6, 51))
def test_what_departments_do_to_their_summary(tmp_path, soffice, seed):
    """(a), (b) and (c) of the module's docstring, one on top of the other, on a generated department."""
    rng = random.Random(seed)
    case = made(rng, tmp_path, seed)
    wb = load_workbook(case.folder / SUMMARY)

    done = tidied(rng, wb)
    tidy_only = case.stage("a", wb)
    context = f"seed {seed}: {done}"
    assert edits_in(read_workbook(tidy_only).sheets, load_profile()) == [], context
    assert_reported(case, tidy_only, Expected(), context)
    at = case.beside_units(tidy_only)
    code, data, err = attempt(case.folder, "-o", at)
    assert code == 0 and not edit_findings(data), (context, err)
    assert_same_figures(data, case.own, context)
    case.beside_units(tidy_only)  # replaced: the tidied one again, for the next summary of the folder
    code, data, err = attempt(case.folder, "-o", case.folder / "部门汇总（2）.xlsx")
    assert code == 0 and not edit_findings(data), (context, err)

    expected = Expected()
    done += added(rng, wb, expected)
    done += tidied(rng, wb)
    additions = case.stage("b", wb)
    context = f"seed {seed}: {done}"
    assert_reported(case, additions, expected, context)
    assert_not_written_over(case, additions, expected, context)
    assert_remade(case, additions, expected, context)
    assert_carried_with_the_overall(case, additions, expected, context)

    done += edited(rng, wb, expected)
    edits = case.stage("c", wb)
    context = f"seed {seed}: {done}"
    assert_reported(case, edits, expected, context)
    assert_not_written_over(case, edits, expected, context)
    assert_remade(case, edits, expected, context)

    if seed % 3 == 0:  # saved by LibreOffice too: the same edits
        stages = [tidy_only, additions, edits]
        named = []
        for path in stages:
            named.append(tmp_path / "lo-in" / f"{path.parent.name}.xlsx")
            named[-1].parent.mkdir(exist_ok=True)
            shutil.copy2(path, named[-1])
        for path, saved in zip(stages, libreoffice_convert(soffice, named, tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")):
            cells = [Counter((e.code, e.sheet, e.cell) for e in edits_in(read_workbook(p).sheets, load_profile()))
                     for p in (path, saved)]
            assert cells[1] == cells[0], f"seed {seed}: {path.parent.name} saved by LibreOffice; {done}"
