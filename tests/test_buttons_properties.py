"""The add-in's buttons pressed in any order on one open workbook, with the unit's edits between them, over books of
forms typed by hand (test_reader_properties' generator, a case or two per book) or units' workbooks of every style
(test_consolidate_properties' writers: our template, its grid, typed by hand; several forms a book), in xlwings' own
remote Book as the VBA and the Office.js clients send it. A sequence of 5-12 steps: 计算, 校验, 清除标记, 新建项目表
(of a random year and month), and the unit typing an amount, a rate, an indicator's value or a reason (now and then
text that looks like a formula: =1+1, +86 138…, @财务科), clearing a cell, renaming a sheet (to 项目表1, 校验结果 …),
deleting one (校验结果 and a sheet 新建项目表 made included), adding one, moving one, filling a cell with its own
colour, commenting one, and typing a new form in correctly. Excel works out our template's formulas after every step
(the clients then send their results).

After every step: 计算 writes only into the cells it computes (and amounts typed as text, made the number they read
as), what it plans for the workbook saved to a file, its own formulas the only ones it writes; pressed again it writes
nothing, but in a block that held an amount typed as text: its sums are taken for formulas, which come right once the
text is a number, and are left to a second press where they were numbers typed (no client tells a formula from a
number). 校验 and 清除标记 change no value of any sheet but 校验结果; 新建项目表 changes no sheet but the one it adds,
named as no sheet is; no press clears a range, so a unit's comments stay. 校验 says what `xlmon check` says of the
workbook saved to a file (findings, forms, grades, the alert's counts and the rows of 校验结果), colours exactly what it
found and graded, leaves no colour of an earlier 校验 on a cell it no longer finds (a sheet renamed since included),
and pressed twice gives the same marks, alert and book. 清除标记 leaves no mark of xlmon, says how many it took off, and
keeps the unit's fills on the cells xlmon did not mark. A new form typed in correctly validates with no error or
warning. A unit's text never becomes a formula. Every alert is Chinese.

What no client can send or do is not asserted: no client sends a cell's colour, so a unit's fill on a cell xlmon marked
is taken off with the mark (test_marks_properties); once the 校验结果 sheet that records the marks is deleted (or
renamed while another sheet is given its name: renamed alone, it is followed, kept, and its record taken out of it once
used), or a marked row's label changes, or a renamed sheet cannot be told from its copies (the alerts name those
last two), those marks are the unit's to clear; comments travel in no payload and are kept by not being touched; the
VBA client sends no sheet's visibility, so a hidden sheet is read by its 校验 as by `xlmon check` of the book saved
here, all sheets shown; no client sends hidden rows. The unit keeps a sheet of its own beside 校验结果 (a book left
with 校验结果 alone keeps it, Excel deleting no workbook's last sheet: test_entry_points). Each case is seeded; a failure names its seed and the steps so
far. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import load_workbook
from payloads import _put, actions_of, apply_actions, book_file, payload_from_file

from test_consolidate_properties import DEPARTMENTS, STYLES, Department, random_units, seeds, write_unit
from test_front_ends_properties import as_typed, excel_values, said
from test_reader_properties import make_case
from test_recalc_properties import computed_cells, payload_of, text_amounts
from xlmon import entry_points as ep
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.check import check_file, check_sheets
from xlmon.diagnostics import SEVERITY_ZH
from xlmon.form_plan import plan_form
from xlmon.grid import address, normalise, parse_address
from xlmon.marks import FINDING_FILL, GRADE_ZH, PALETTE, fill_of, plan_marks
from xlmon.profile import load_profile
from xlmon.recalc import plan_calculation
from xlmon.sheetnames import RESULTS_SHEET

SALT = 94
CLIENTS = ("VBA", "Office.js")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MARK_COLOURS = {f"#{v}" for v in [*PALETTE.values(), *FINDING_FILL.values()]}
USER_COLOURS = ("#FFFF00", "#92D050", "#00B0F0", "#FF0000")  # none of xlmon's
FORMULA_LIKE = ("=1+1", "+86 138 0000 0000", "@财务科", "=SUM(A1:A3)", "-已整改")
REASONS = ("受疫情影响，采购延后", "项目招标流程较长", "资金下达较晚", "已按计划推进")
SHEET_NAMES = ("项目表1", "项目表2", "项目表3", RESULTS_SHEET, "Sheet1", "校舍 维修", "备注", "上月")
PRESSES = ("计算", "校验", "清除标记", "新建项目表")
EDITS = ("amount", "amount", "rate", "indicator", "reason", "clear", "rename", "rename", "delete", "add", "move",
         "fill", "comment", "type new form")
BUTTONS = {"计算": ep.calculate, "校验": ep.validate, "清除标记": ep.clear_marks, "新建项目表": ep.new_project_form}
NEW_FORM = plan_form("project", year=2026, months=6)  # where 新建项目表's form has its header cells, any period
NEVER = {"rangeClear", "rangeClearContents", "sheetClear", "sheetClearContents", "rangeDelete", "rangeInsert"}


@dataclass
class Book:
    """The open workbook (a payload as the client sends it, with Excel's fills and formulas) and what the unit did."""

    payload: dict
    client: str
    folder: Path
    seed: int
    steps: list[str] = field(default_factory=list)
    user_fills: dict = field(default_factory=dict)  # (sheet, r, c) → the unit's colour
    comments: dict = field(default_factory=dict)  # (sheet, r, c) → the unit's comment, which no payload carries
    formula_text: set = field(default_factory=set)  # (sheet, r, c) where the unit typed text like a formula
    recorded: dict = field(default_factory=dict)  # cells the last 校验 marked → their sheet's name then
    record: str | None = None  # the sheet that records them: 校验结果, unless the unit renamed or deleted it
    orphans: set = field(default_factory=set)  # marks whose record the add-in cannot find: the unit's to clear
    new_forms: set = field(default_factory=set)  # sheets 新建项目表 added
    clean: set = field(default_factory=set)  # new forms typed in correctly and not touched since

    def where(self, what: str) -> str:
        return f"seed {self.seed} ({self.client}) after {' → '.join(self.steps)}: {what}"

    @property
    def names(self) -> list[str]:
        return [s["name"] for s in self.payload["sheets"]]

    def sheet(self, name: str) -> list[list]:
        return next(s["values"] for s in self.payload["sheets"] if s["name"] == name)


# ---------------------------------------------------------------------------------------------------------------
# The workbook the unit opens.
# ---------------------------------------------------------------------------------------------------------------

def opened(rng: random.Random, folder: Path, client: str) -> dict:
    """Forms typed by hand, or a unit's workbook written by our template or by hand, as the client sends it once Excel
    has worked out its formulas."""
    if rng.random() < 0.4:
        seed = rng.randrange(10**6)
        sheets = {}
        for i, case in enumerate([make_case(seed)] + ([make_case(seed + 1)] if rng.random() < 0.4 else [])):
            sheets |= {f"{name}{i or ''}": grid for name, grid in case.sheets.items()}
        return payload_of(sheets, client)
    department = Department(*DEPARTMENTS[0], random_units(rng, 1))
    unit = department.units[0]
    unit.style = rng.choice(STYLES)
    path = write_unit(folder, unit, department.label)
    payload = payload_from_file(path, client=client)
    formulas = payload.setdefault("formulas", {})
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    formulas[(ws.title, cell.row - 1, cell.column - 1)] = cell.value
    excel_values(payload)
    return payload


# ---------------------------------------------------------------------------------------------------------------
# The unit's edits.
# ---------------------------------------------------------------------------------------------------------------

def typed(book: Book, sheet: str, cell: str, value) -> None:
    """The unit types value into a cell (over a formula too), as text where it is a string."""
    r, c = parse_address(cell)
    key = (sheet, r, c)
    book.payload["formulas"].pop(key, None)
    _put(book.sheet(sheet), r, c, value)
    book.formula_text.discard(key)
    if isinstance(value, str) and value[:1] in "=+-@":
        book.formula_text.add(key)
    book.clean.discard(sheet)


def renamed(book: Book, old: str, new: str) -> None:
    def moved(keys):
        return {(new if k[0] == old else k[0], *k[1:]) for k in keys}

    next(s for s in book.payload["sheets"] if s["name"] == old)["name"] = new
    for table in ("fills", "formulas"):
        book.payload[table] = {(new if k[0] == old else k[0], *k[1:]): v for k, v in book.payload[table].items()}
    book.user_fills = {(new if k[0] == old else k[0], *k[1:]): v for k, v in book.user_fills.items()}
    book.comments = {(new if k[0] == old else k[0], *k[1:]): v for k, v in book.comments.items()}
    book.formula_text = moved(book.formula_text)
    if book.record == old:
        book.record = new
    book.recorded = {(new if k[0] == old else k[0], *k[1:]): v for k, v in book.recorded.items()}
    book.orphans = moved(book.orphans)
    book.new_forms = {new if s == old else s for s in book.new_forms}
    book.clean = {new if s == old else s for s in book.clean}


def deleted(book: Book, name: str) -> None:
    book.payload["sheets"] = [s for s in book.payload["sheets"] if s["name"] != name]
    for table in ("fills", "formulas"):
        book.payload[table] = {k: v for k, v in book.payload[table].items() if k[0] != name}
    book.user_fills = {k: v for k, v in book.user_fills.items() if k[0] != name}
    book.comments = {k: v for k, v in book.comments.items() if k[0] != name}
    book.formula_text = {k for k in book.formula_text if k[0] != name}
    if book.record == name:
        book.record = None
    book.recorded = {k: v for k, v in book.recorded.items() if k[0] != name}
    book.orphans = {k for k in book.orphans if k[0] != name}
    book.new_forms.discard(name)
    book.clean.discard(name)


def edit(rng: random.Random, book: Book) -> str:
    """One thing the unit does to its workbook; what it did, in a few words."""
    forms = check_sheets(grids(book)).forms
    kind = rng.choice(EDITS)
    form = rng.choice(forms) if forms else None
    if kind in ("amount", "rate") and form and form.funding:
        row = rng.choice(form.funding)
        fields = [f for f in ((*L.INPUT_AMOUNTS, "subtotal") if kind == "amount" else L.RATE_FIELDS) if f in row.cells]
        if fields:
            f = rng.choice(fields)
            now = getattr(row, f)
            number = now if isinstance(now, (int, float)) else round(rng.uniform(1, 500), 2)
            if kind == "amount":
                number = round(number * rng.choice((1, 1, 0.5, 1.3)), 2)
            value, _ = as_typed(rng, number, rate=kind == "rate")
            if isinstance(value, datetime.datetime):  # a date typed into an amount is no amount; the number then
                value = number
            typed(book, form.sheet, row.cells[f], value)
            return f"typed {value!r} at {form.sheet}!{row.cells[f]} ({f})"
    if kind == "indicator" and form and form.indicators:
        ind = rng.choice(form.indicators)
        fields = [f for f in ("target", "actual", "forecast") if f in ind.cells]
        if fields:
            f = rng.choice(fields)
            value = rng.choice(("95%", "≥90%", "100%", "80%", "12个", "达成", " 98% ", "１００％"))
            typed(book, form.sheet, ind.cells[f], value)
            return f"typed {value!r} at {form.sheet}!{ind.cells[f]} ({f})"
    if kind == "reason" and form:
        cells = [ind.cells[f] for ind in form.indicators for f in ("reason", "remark") if f in ind.cells]
        cells += [form.cells[f] for f in ("goal",) if f in form.cells]
        if cells:
            cell = rng.choice(cells)
            value = rng.choice(FORMULA_LIKE + REASONS)
            typed(book, form.sheet, cell, value)
            return f"typed {value!r} at {form.sheet}!{cell}"
    if kind == "clear" and form:
        cells = [c for row in form.funding for f, c in row.cells.items() if f in L.INPUT_AMOUNTS]
        cells += [ind.cells[f] for ind in form.indicators for f in ("actual", "forecast", "reason") if f in ind.cells]
        if cells:
            cell = rng.choice(cells)
            typed(book, form.sheet, cell, None)
            return f"cleared {form.sheet}!{cell}"
    if kind == "rename":
        old = rng.choice(book.names)
        taken = {n.casefold() for n in book.names}
        free = [n for n in SHEET_NAMES if n.casefold() not in taken]
        if free:
            new = rng.choice(free)
            renamed(book, old, new)
            return f"renamed {old} to {new}"
    shown = [s["name"] for s in book.payload["sheets"] if s.get("visibility", "Visible") == "Visible"]
    if kind == "delete":  # Excel keeps a sheet shown; and the unit one of its own beside 校验结果
        favourites = [n for n in book.names if n == RESULTS_SHEET or n in book.new_forms]
        name = rng.choice(favourites) if favourites and rng.random() < 0.6 else rng.choice(shown)
        if [n for n in shown if n not in (name, RESULTS_SHEET)]:
            deleted(book, name)
            return f"deleted {name}"
    if kind == "move" and len(book.names) > 1:
        sheets = book.payload["sheets"]
        moved = sheets.pop(rng.randrange(len(sheets)))
        sheets.insert(rng.randrange(len(sheets) + 1), moved)
        return f"moved {moved['name']} to place {sheets.index(moved) + 1}"
    if kind == "add":
        taken = {n.casefold() for n in book.names}
        name = next(f"Sheet{i}" for i in range(1, 99) if f"sheet{i}" not in taken)
        values = [[None]] if rng.random() < 0.5 else [["说明"], [rng.choice(FORMULA_LIKE)]]
        book.payload["sheets"].append({"name": name, "values": values, "pictures": [], "tables": []})
        if book.client == "Office.js":
            book.payload["sheets"][-1]["visibility"] = "Visible"
        if len(values) > 1:
            book.formula_text.add((name, 1, 0))
        return f"added {name}"
    if kind in ("fill", "comment"):
        name = rng.choice(book.names)
        values = book.sheet(name)
        key = (name, rng.randrange(len(values) + 2), rng.randrange(len(values[0]) + 2))
        if form and rng.random() < 0.7:  # often a cell xlmon marks: a rate, a forecast, an amount
            cells = [c for row in form.funding for c in row.cells.values()]
            cells += [c for ind in form.indicators for c in ind.cells.values()]
            key = (form.sheet, *parse_address(rng.choice(cells)))
        if kind == "fill":
            colour = rng.choice(USER_COLOURS)
            book.payload["fills"][key] = colour
            book.user_fills[key] = colour
            book.orphans.discard(key)
            if key in book.recorded:  # over a mark: no client tells the add-in, which takes it off with the mark
                del book.user_fills[key]
        else:
            book.comments[key] = rng.choice(("本年预算以批复为准", "请科长核对"))
        return f"{kind} {key[0]}!{address(*key[1:])}"
    if kind == "type new form":
        blank = [s for s in book.new_forms if s in book.names and s not in book.clean and s != RESULTS_SHEET]
        if blank:
            name = rng.choice(blank)
            return type_new_form(rng, book, name)
    return "looked"


def type_new_form(rng: random.Random, book: Book, name: str) -> str:
    """The unit types a project into a form 新建项目表 made, correctly: its header where our template has it, 本年预算,
    下达数 and 支出数 that keep pace, and an indicator on course, ticked, under each 二级指标; 小计, 资金总额 and the rates
    left to the form's formulas."""
    for f, text in (("project", "新建校舍维修项目"), ("department", "某市教育局（101001）"), ("unit", "某市第一中学"),
                    ("goal", "完成校舍维修 3 处，消除安全隐患。")):
        typed(book, name, NEW_FORM.layout.header[f], text)
    grid = normalise(deepcopy(book.sheet(name)))
    grid[6][4] = 100  # 资金总额's 本年预算 (as test_entry_points types it), for the form to be read
    form = next((f for f in check_sheets({name: grid}).forms), None)
    assert form is not None, book.where(f"the form 新建项目表 made is not read: {grid[:4]}")
    budget = rng.randint(50, 500)
    row = next(r for r in form.funding if r.row == "市级财政资金")
    for f, v in (("current", budget), ("issued", budget), ("spent", round(budget * form.months / 12, 2)),
                 ("forecast", budget)):
        typed(book, name, row.cells[f], v)
    values = book.sheet(name)
    header = next(r for r, row in enumerate(values) if "三级指标" in row)
    level3 = values[header].index("三级指标")
    sure = values[header + 1].index("确定能")
    for r in range(header + 2, len(values)):  # the first row of each 二级指标
        kind = values[r][level3 - 1]
        if kind and kind != values[r - 1][level3 - 1]:
            for c, v in ((level3, f"{kind}（新建）"), (level3 + 1, "≥95%"), (level3 + 2, "96%"), (level3 + 3, "98%"),
                         (sure, "√")):
                typed(book, name, address(r, c), v)
    book.clean.add(name)
    return f"typed a project into {name}"


# ---------------------------------------------------------------------------------------------------------------
# The presses, and what must hold after each.
# ---------------------------------------------------------------------------------------------------------------

def grids(book: Book) -> dict[str, list[list]]:
    return {s["name"]: normalise(deepcopy(s["values"])) for s in book.payload["sheets"]}


def values(payload: dict, skip: str | None = RESULTS_SHEET, kept: str | None = None) -> dict:
    """Every sheet's values but skip's; of kept (校验结果 renamed by the unit), its findings only (A:I), not the
    record of marks right of them, which is used once and taken out."""
    return {s["name"]: normalise(deepcopy([row[:9] for row in s["values"]] if s["name"] == kept else s["values"]))
            for s in payload["sheets"] if s["name"] != skip}


def kept_record(book: Book) -> str | None:
    """校验结果 renamed by the unit to keep it, where the add-in finds the record of the last 校验's marks (no sheet is
    called 校验结果 now); None when the record is under 校验结果, or gone."""
    if book.record in (None, RESULTS_SHEET) or book.record not in book.names or RESULTS_SHEET in book.names:
        return None
    return book.record


def assert_record_taken_out(book: Book, after: dict, kept: str | None, what: str) -> None:
    if kept:
        rows = next(s["values"] for s in after["sheets"] if s["name"] == kept)
        assert not any(v not in (None, "") for row in rows for v in row[9:15]), book.where(f"{what}: {kept}'s record")


def changed_cells(before: dict, after: dict) -> set[tuple[str, int, int]]:
    out = set()
    for name, a in before.items():
        b = after[name]
        for r in range(max(len(a), len(b))):
            ra, rb = (a[r] if r < len(a) else []), (b[r] if r < len(b) else [])
            for c in range(max(len(ra), len(rb))):
                va, vb = (ra[c] if c < len(ra) else None), (rb[c] if c < len(rb) else None)
                if va != vb:
                    out.add((name, r, c))
    return out


def alert_of(actions: list[dict]) -> str:
    [text] = [a["args"][0] for a in actions if a["func"] == "alert"]
    return text


def press(rng: random.Random, book: Book, button: str) -> None:
    args = ()
    if button == "新建项目表":
        args = (rng.choice((2025, 2026, 2027)), rng.randint(1, 12))
    before = deepcopy(book.payload)
    file_result = None
    if button in ("计算", "校验"):
        file_result = check_file(book_file(before, book.folder / f"{len(book.steps)}.xlsx"))
    actions, outcome = actions_of(before, BUTTONS[button], *args)
    after = apply_actions(before, actions)
    excel_values(after)
    book.steps.append(f"{button}{args if args else ''}")
    alert = alert_of(actions)
    assert alert == outcome.message and CHINESE.search(alert) and not re.search(r"None|nan|Traceback", alert), \
        book.where(f"alert {alert!r}")
    used = {a["func"] for a in actions}
    assert not used & NEVER, book.where(f"{button} cleared or moved cells: {used & NEVER}")
    for key in book.formula_text:
        r, c = key[1:]
        assert key not in after["formulas"] and after_value(after, key) == after_value(before, key), \
            book.where(f"the unit's text at {key} became {after['formulas'].get(key)!r}/{after_value(after, key)!r}")
    {"计算": after_calculate, "校验": after_validate, "清除标记": after_clear, "新建项目表": after_new_form}[button](
        book, before, after, actions, outcome, file_result)
    book.payload = after


def after_value(payload: dict, key):
    sheet = next((s["values"] for s in payload["sheets"] if s["name"] == key[0]), [])
    r, c = key[1:]
    return sheet[r][c] if r < len(sheet) and c < len(sheet[r]) else None


def after_calculate(book, before, after, actions, outcome, file_result) -> None:
    assert book.names == [s["name"] for s in after["sheets"]], book.where("计算 added or removed a sheet")
    forms = check_sheets(values(before, None)).forms
    allowed = set(computed_cells(forms)) | set(text_amounts(forms))
    edits = {(e.sheet, e.cell): e for e in outcome.edits}
    for at, e in edits.items():
        assert at in allowed, book.where(f"计算 wrote {e} outside the computed cells")
    changed = {k for k in changed_cells(values(before, None), values(after, None)) if k not in after["formulas"]}
    stray = {(s, address(r, c)) for s, r, c in changed} - set(edits)
    assert not stray, book.where(f"计算 changed cells it does not compute: {sorted(stray)}")
    new_formulas = {k: v for k, v in after["formulas"].items() if before["formulas"].get(k) != v}
    for (s, r, c), formula in new_formulas.items():
        e = edits.get((s, address(r, c)))
        assert e is not None and e.formula and e.value == formula, book.where(f"a formula {formula} at {s}!{address(r, c)}")
    for s in book.clean:
        assert not [e for e in outcome.edits if e.sheet == s], book.where(f"计算 corrected the new form {s} typed right")
    if file_result is not None and file_result.forms:
        assert len(outcome.edits) == len({(e.sheet, e.cell) for e in outcome.edits}), book.where("a cell edited twice")
    if edits:
        assert alert_of(actions).startswith(f"计算完成：更正 {len(edits)} 个单元格。"), book.where(alert_of(actions))
    if file_result.forms:
        path = book.folder / f"{len(book.steps) - 1}.xlsx"
        planned = plan_calculation(file_result.forms, read_workbook(path).sheets)
        assert [edit_of(e) for e in outcome.edits] == [edit_of(e) for e in planned], \
            book.where(f"计算 and the file's plan differ: {outcome.edits} / {planned}")
    again_actions, again = actions_of(after, ep.calculate)
    texted = {(f.sheet, r.block) for f in forms for r in f.funding if r.text or f.text_amounts.keys() & r.cells.values()}
    rows = {(f.sheet, parse_address(next(iter(r.cells.values())))[0]) for f in forms for r in f.funding
            if (f.sheet, r.block) in texted and (r.row == L.TOTAL_ROW or r.text or f.text_amounts.keys() & r.cells.values())}
    assert not [e for e in again.edits if (e.sheet, parse_address(e.cell)[0]) not in rows], \
        book.where(f"计算 pressed again wrote {again.edits}")


def edit_of(e) -> tuple:
    """What 计算 writes where (a number as it reads back from a file: to 15 digits)."""
    value = float(f"{e.value:.15g}") if isinstance(e.value, float) else e.value
    return e.sheet, e.cell, value, e.formula, e.number_format


def after_validate(book, before, after, actions, outcome, file_result) -> None:
    alert = alert_of(actions)
    kept = kept_record(book)
    assert values(before, kept=kept) == values(after, kept=kept), book.where("校验 changed a value")
    names = [n for n in book.names if n != RESULTS_SHEET]
    after_names = [s["name"] for s in after["sheets"]]
    assert_record_taken_out(book, after, kept, "校验")
    if book.record != RESULTS_SHEET and not kept:
        book.orphans |= set(book.recorded)  # its record is not where 校验 looks
    book.orphans |= lost_marks(book, alert)
    if RESULTS_SHEET in book.names and book.record != RESULTS_SHEET:  # the unit's own sheet of that name
        assert "未校验" in alert and after["sheets"] == before["sheets"] and after["fills"] == before["fills"], \
            book.where(f"校验 with the unit's own {RESULTS_SHEET} sheet: {alert}")
        return
    if not file_result.forms and not any(d.code == "S131" for d in file_result.diagnostics):
        assert "未做校验。" in alert and after_names == names, book.where(alert)
        book.record, book.recorded = None, {}
        assert_no_marks(book, after, "校验 of no form")
        return
    assert after_names == [*names, RESULTS_SHEET], book.where("sheets after 校验")
    expected = said(file_result.diagnostics)
    assert said(outcome.diagnostics) == expected, book.where(
        f"校验 and xlmon check differ: {said(outcome.diagnostics) - expected} / {expected - said(outcome.diagnostics)}")
    counts = Counter(d.severity for d in file_result.diagnostics)
    grades = Counter(g for form in file_result.forms for g in [*(r.grade for r in form.funding),
                                                             *(i.grade for i in form.indicators)] if g)
    assert f"校验完成：{len(file_result.forms)} 张表。" in alert, book.where(alert)
    assert "，".join(f"{SEVERITY_ZH[s]} {counts[s]} 项" for s in ("error", "warning", "info")) in alert, book.where(alert)
    assert "，".join(f"{GRADE_ZH[g]}色 {grades[g]} 项" for g in ("red", "yellow", "green")) in alert, book.where(alert)
    listed = [row for row in next(s["values"] for s in after["sheets"] if s["name"] == RESULTS_SHEET)[1:]
              if isinstance(row[0], int)]
    assert len(listed) == sum(counts.values()), book.where(f"{len(listed)} rows listed, alert {alert}")
    plan = plan_marks(file_result.forms, file_result.diagnostics, load_profile().colours())
    marks = {(m.sheet, m.cell): fill_of(m) for m in plan.marks if fill_of(m) and m.sheet in names}
    assert {k: colour for k, (colour, _) in outcome.marked.items()} == marks, book.where("marks")
    marked = {(s, *parse_address(cell)) for s, cell in marks}
    for key, colour in after["fills"].items():
        if key[0] == RESULTS_SHEET:
            continue
        if key in marked:
            assert (colour or "").lstrip("#").upper() == marks[(key[0], address(*key[1:]))].upper(), book.where(key)
        elif colour in MARK_COLOURS:
            assert key in book.orphans, book.where(f"{key} keeps the colour {colour} of an earlier 校验")
    for s in book.clean:
        found = [(d.code, d.cell, d.message) for d in outcome.diagnostics if d.sheet == s and d.severity != "info"]
        assert not found, book.where(f"the new form {s}, typed in correctly: {found}")
    book.recorded, book.record = {k: k[0] for k in marked}, RESULTS_SHEET
    for key in marked:  # the unit's fill there is gone with the mark (no client sends a cell's colour)
        book.user_fills.pop(key, None)

    again_actions, again = actions_of(after, ep.validate)
    twice = apply_actions(after, again_actions)
    once = re.sub(r"\n“[^\n]+”表是改名保留的上次校验结果，已保留，其中的标记记录已删除。", "", outcome.message)  # used once
    assert again.message == once and again.marked == outcome.marked, book.where("校验 twice")
    assert twice["sheets"] == after["sheets"] and twice["fills"] == after["fills"], book.where("校验 twice: the book")


def lost_marks(book: Book, alert: str) -> set:
    """The marks on the sheets the alert says it could not tell (copied since 校验)."""
    said_lost = re.search(r"上次校验在工作表“(.+?)”上所做的 \d+ 处标记未能清除", alert)
    names = set(said_lost.group(1).split("”“")) if said_lost else set()
    return {k for k, then in book.recorded.items() if then in names}


def assert_no_marks(book: Book, after: dict, what: str) -> None:
    for key, colour in after["fills"].items():
        if key[0] != RESULTS_SHEET:
            assert colour not in MARK_COLOURS or key in book.orphans, book.where(f"{what}: {key} still {colour}")


def after_clear(book, before, after, actions, outcome, file_result) -> None:
    alert = alert_of(actions)
    kept = kept_record(book)
    assert values(before, kept=kept) == values(after, kept=kept), book.where("清除标记 changed a value")
    after_names = [s["name"] for s in after["sheets"]]
    assert_record_taken_out(book, after, kept, "清除标记")
    if book.record != RESULTS_SHEET and not kept:
        book.orphans |= set(book.recorded)
        assert after["sheets"] == before["sheets"] and after["fills"] == before["fills"] and "已清除" not in alert, \
            book.where(f"清除标记 with no record of marks: {alert}")
        return
    assert alert.startswith("已清除") and after_names == [n for n in book.names if n != RESULTS_SHEET], \
        book.where(alert)
    moved = {(s, *parse_address(c)) for s, c in re.findall(r"([^\s：、，]+)!([A-Z]+\d+)", alert)}
    lost = lost_marks(book, alert)
    book.orphans |= (moved | lost) & set(book.recorded)
    assert alert.startswith(f"已清除 {len(set(book.recorded) - moved - lost)} 处标记"), \
        book.where(f"{alert} of {len(book.recorded)}")
    assert_no_marks(book, after, "清除标记")
    for key, colour in after["fills"].items():
        if key in book.user_fills and key not in book.recorded:
            assert colour == book.user_fills[key], book.where(f"the unit's fill at {key} is now {colour}")
    book.recorded, book.record = {}, None


def after_new_form(book, before, after, actions, outcome, file_result) -> None:
    names = [s["name"] for s in after["sheets"]]
    assert names[:-1] == book.names, book.where(f"新建项目表 changed the sheets: {names}")
    new = names[-1]
    assert new.casefold() not in {n.casefold() for n in book.names}, book.where(new)
    assert f"已新增“{new}”表" in outcome.message, book.where(outcome.message)
    assert values(before, None) == {n: v for n, v in values(after, None).items() if n != new}, book.where("values")
    assert {k: v for k, v in after["fills"].items() if k[0] != new} == before["fills"], book.where("fills")
    grid = normalise(deepcopy(after["sheets"][-1]["values"]))
    assert [d.code for d in check_sheets({new: grid}).diagnostics] == ["S131"], book.where(f"{new} is no blank form")
    book.new_forms.add(new)


def sequence(seed: int, client: str, folder: Path) -> None:
    rng = random.Random(seed)
    book = Book(opened(rng, folder, client), client, folder, seed)
    book.payload.setdefault("fills", {})
    book.payload.setdefault("formulas", {})
    for _ in range(rng.randint(5, 12)):
        if rng.random() < 0.55:
            press(rng, book, rng.choice(PRESSES))
        else:
            book.steps.append(edit(rng, book))
            excel_values(book.payload)
    press(rng, book, "校验")
    press(rng, book, "清除标记")


@pytest.mark.parametrize("seed", seeds(40, SALT))
@pytest.mark.parametrize("client", CLIENTS)
def test_buttons_pressed_in_any_order_between_edits(tmp_path, seed, client):
    sequence(seed, client, tmp_path)
