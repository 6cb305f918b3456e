"""Invariants of the summary's 部门整体 over randomly generated departments whose units send their 部门整体 forms
(附件3): the pre-fill is the units' forms summed row by row, at whichever level it is consolidated; a department's
completed form is carried into the next summary as it typed it; LibreOffice calculates its rates as xlmon does;
`xlmon check` finds no fault of xlmon's own in it. Each case is seeded; a failure names its seed.
XLMON_PROPERTY_CASES=n runs n cases of each property instead of the few a test run affords."""

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import libreoffice_convert
from handmade import department_grid
from test_templates_properties import _agrees
from test_consolidate_properties import (DEPARTMENTS, EPOCH, MONTHS, UNIT_NAMES, YEAR, consolidate, random_projects,
                                         seeds, write_form)
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.calc import ratio
from xlmon.check import check_file
from xlmon.consolidate.records import AMOUNTS
from xlmon.form_plan import INDICATOR_COLS, letter, plan_form
from xlmon.grid import parse_address
from xlmon.templates import build_form, new_workbook, save_atomic

SHEET = "部门整体"
ROWS = [("source", label) for label in L.DEPARTMENT_FUND_TYPES] + [
    ("spending", label) for label in L.DEPARTMENT_SPENDING_TYPES]
# the names of the units' budgets and books the reader takes for a row of 附件3 (reader._DEPARTMENT_ALIASES)
BOOK_NAMES = {"一般公共预算资金": ("财政拨款", "一般公共预算拨款", "财政拨款收入"), "政府性基金预算资金": ("政府性基金",),
              "财政专户管理资金": ("财政专户",), "社会保险基金预算资金": ("社保基金",),
              "单位资金": ("单位自有资金", "事业收入", "其他收入"), "基本支出": ("基本经费",), "项目支出": ("项目经费",)}
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
LAYOUT = plan_form("department", year=YEAR, months=MONTHS).layout


def plain(value: float) -> str:
    return format(value, ".4f").rstrip("0").rstrip(".")


def as_typed(rng: random.Random, value: float | None) -> object:
    """An amount as a unit types it: mostly a number, sometimes text (pasted from its books, or typed with its unit)."""
    if value is None or rng.random() > 0.12:
        return value
    text = plain(value)
    return rng.choice((text, f" {text} ", f"{value:,.4f}".rstrip("0").rstrip("."), text.translate(FULL_WIDTH),
                       f"{text}万元"))


# ---------------------------------------------------------------------------------------------------------------
# The generated department.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Overall:
    """A unit's 部门整体 form: its amounts by (block, row) as meant, in 万元 (None: left blank), as typed (text
    now and then), on our template or typed by hand (grid, its rows perhaps named as the unit's books name them)."""

    unit: str
    rows: dict[tuple[str, str], dict[str, float | None]]
    typed: dict[tuple[str, str], dict[str, object]]
    style: str
    names: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # grid: a row's name(s), split into parts
    apart: str | None = None  # how its two blocks disagree, as the note says it

    def sums(self, block: str) -> list[float]:
        return [sum(values[f] or 0.0 for (b, _), values in self.rows.items() if b == block) for f in AMOUNTS]


@dataclass
class Unit:
    name: str
    code: str
    projects: list
    overall: Overall | None
    when: int
    apart_file: bool = False  # its 部门整体 in a file of its own, not beside its projects
    again: str | None = None  # "copy": the same file sent twice; "correction": a later one of other amounts
    corrected: Overall | None = None

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def counted(self) -> Overall | None:
        return self.corrected or self.overall


def money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), rng.choice((0, 2, 2, 2, 4)))


def fund_rows(rng: random.Random) -> dict[tuple[str, str], dict[str, float | None]]:
    """Block 1: 一般公共预算资金 mostly, some other fund types; blanks where units leave them."""
    rows = {}
    for label in L.DEPARTMENT_FUND_TYPES:
        if rng.random() < (0.1 if label == "一般公共预算资金" else 0.65):
            continue
        current = money(rng, 0, 3000)
        carryover = money(rng, 0, 300) if rng.random() < 0.3 else None
        issued = round(current * rng.uniform(0.2, 1.0), 2) if rng.random() < 0.85 else None
        spent = round((current + (carryover or 0)) * rng.uniform(0, 0.8), 2) if rng.random() < 0.9 else None
        forecast = max(round(current + (carryover or 0) * rng.uniform(0.5, 1), 2), spent or 0) \
            if rng.random() < 0.85 else None
        rows[("source", label)] = {"carryover": carryover, "current": current, "issued": issued, "spent": spent,
                                   "forecast": forecast}
    return rows


def spending_rows(rng: random.Random, funds: dict) -> dict[tuple[str, str], dict[str, float | None]]:
    """Block 2 splitting block 1's money between 基本支出 and 项目支出, field by field."""
    share = rng.choice((1.0, rng.uniform(0.3, 0.9)))
    basic, project = {}, {}
    for f in AMOUNTS:
        parts = [values[f] for values in funds.values() if values[f] is not None]
        if not parts:
            basic[f] = project[f] = None
            continue
        total = round(sum(parts), 4)
        basic[f] = round(total * share, 2)
        project[f] = round(total - basic[f], 4) if share < 1 else None
    rows = {("spending", "基本支出"): basic}
    if any(v is not None for v in project.values()):
        rows[("spending", "项目支出")] = project
    return rows


def random_overall(rng: random.Random, unit: str) -> Overall:
    """A unit's 部门整体 form: its blocks agreeing, or (now and then) not: block 2 left blank, or its 基本支出 typed
    other than block 1 gives."""
    funds = fund_rows(rng)
    if not funds:
        funds = {("source", "一般公共预算资金"): {f: None for f in AMOUNTS} | {"current": 100.0}}
    rows = {**funds, **spending_rows(rng, funds)}
    apart = None
    roll = rng.random()
    if roll < 0.08:
        rows = funds
        apart = "未填写按支出类型（基本支出、项目支出）的金额"
    elif roll < 0.16:
        basic = rows[("spending", "基本支出")]
        basic["current"] = round((basic["current"] or 0) + rng.choice((10, 55.5, 300)), 2)
        apart = "按资金类型与按支出类型填写的金额不一致"
    style = rng.choice(("template", "grid", "grid"))
    typed = {key: {f: as_typed(rng, v) for f, v in values.items()} for key, values in rows.items()}
    out = Overall(unit, rows, typed, style, apart=apart)
    if style == "grid":
        for (block, label) in rows:
            names = BOOK_NAMES.get(label, ())
            if label == "单位资金" and rng.random() < 0.3:
                out.names[(block, label)] = list(rng.sample(names, 2))  # two of the unit's books, one row each
            elif names and rng.random() < 0.4:
                out.names[(block, label)] = [rng.choice(names)]
    return out


def changed(rng: random.Random, overall: Overall) -> Overall:
    """The form sent again: one row's 支出数 (and maybe 全年预计) more."""
    rows = {key: dict(values) for key, values in overall.rows.items()}
    key = rng.choice(sorted(k for k in rows if k[0] == "source"))
    more = rng.choice((10, 25.5, 100))
    rows[key]["spent"] = round((rows[key]["spent"] or 0) + more, 4)
    other = ("spending", "基本支出")
    if other in rows and overall.apart is None:  # the correction keeps its blocks as they were
        rows[other]["spent"] = round((rows[other]["spent"] or 0) + more, 4)
    typed = {k: {f: as_typed(rng, v) for f, v in values.items()} for k, values in rows.items()}
    return replace(overall, rows=rows, typed=typed)


def random_units(rng: random.Random, count: int, code: str, taken: set[str] = frozenset()) -> list[Unit]:
    """count units of a department (code), none named as one of taken: 1-2 projects each; most send their 部门整体
    form, some none, one now and then twice."""
    units = []
    for i, name in enumerate(rng.sample(sorted(set(UNIT_NAMES) - taken), count)):
        unit_code = f"{code}{UNIT_NAMES.index(name) + 1:03}"
        label = f"{name}（{unit_code}）"
        overall = random_overall(rng, label) if rng.random() < 0.75 else None
        unit = Unit(name, unit_code, random_projects(rng, name, rng.randint(1, 2)), overall, EPOCH + 60 * i,
                    apart_file=rng.random() < 0.4)
        if overall and rng.random() < 0.2:
            unit.apart_file = True
            unit.again = rng.choice(("copy", "correction"))
            if unit.again == "correction":
                unit.corrected = changed(rng, overall)
        units.append(unit)
    return units


def grid_row(values: dict[str, object], meant: dict[str, float | None]) -> list:
    """[上年结转, 本年预算, 小计, 下达数, 下达率, 支出数, 支出进度, 全年预计] as a unit types its row."""
    carryover, current = meant["carryover"], meant["current"]
    subtotal = None if carryover is None and current is None else round((carryover or 0) + (current or 0), 4)
    issue = ratio(meant["issued"] or 0, current or 0) if meant["issued"] is not None else None
    progress = ratio(meant["spent"] or 0, subtotal or 0) if meant["spent"] is not None else None
    return [values["carryover"], values["current"], subtotal, values["issued"], None if issue is None else round(issue, 4),
            values["spent"], None if progress is None else round(progress, 4), values["forecast"]]


def overall_grid(form: Overall) -> list[list]:
    """The form typed by hand: each block's 资金总额 the sum of its rows, its rows in the official names or the
    books', a row of two books split between them."""
    blocks = {}
    for block, labels in (("source", L.DEPARTMENT_FUND_TYPES), ("spending", L.DEPARTMENT_SPENDING_TYPES)):
        rows = {}
        total = {f: None for f in AMOUNTS}
        for label in labels:
            meant = form.rows.get((block, label))
            if meant is None:
                rows.setdefault(label, None)
                continue
            for f, v in meant.items():
                total[f] = v if total[f] is None else (total[f] if v is None else round(total[f] + v, 4))
            names = form.names.get((block, label), [label])
            if len(names) == 2:
                first = {f: None if v is None else round(v / 2, 2) for f, v in meant.items()}
                second = {f: None if v is None else round(v - first[f], 4) for f, v in meant.items()}
                rows[names[0]] = grid_row(first, first)
                rows[names[1]] = grid_row(second, second)
            else:
                rows[names[0]] = grid_row(form.typed[(block, label)], meant)
        first_label = next(iter(rows))
        rows = {("其中：" if name == first_label else "") + name: values for name, values in rows.items()}
        blocks[block] = {"资金总额：": grid_row(total, total), **rows}
    return department_grid(sources=blocks["source"], spending=blocks["spending"], unit=form.unit)


def write_overall(book, form: Overall) -> None:
    """The unit's 部门整体 on a sheet of its own, first in the workbook."""
    if form.style == "grid":
        ws = book.create_sheet(SHEET, 0)
        for row in overall_grid(form):
            ws.append(row)
        return
    ws = book.create_sheet(SHEET, 0)
    layout = build_form(ws, "department", year=YEAR, months=MONTHS, department=form.unit)
    for key, values in form.typed.items():
        for f, v in values.items():
            if v is not None:
                ws[layout.funding[key][f]] = v


def save(book, path: Path, when: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomic(book, path)
    os.utime(path, (when, when))
    return path


def write_units(folder: Path, units: list[Unit], department: str) -> list[Path]:
    """Each unit's workbook of its projects (its 部门整体 among them, or in a file of its own), and what it sent
    again: the same file under a copy's name, or a correction saved later."""
    paths = []
    for unit in units:
        book = new_workbook()
        for p in unit.projects:
            write_form(book, replace(p, department=department, unit=unit.label), "template")
        if unit.overall and not unit.apart_file:
            write_overall(book, unit.overall)
        paths.append(save(book, folder / f"{unit.name}.xlsx", unit.when))
        if unit.overall and unit.apart_file:
            book = new_workbook()
            write_overall(book, unit.overall)
            paths.append(save(book, folder / f"{unit.name}部门整体.xlsx", unit.when))
            if unit.again == "copy":
                copy = folder / f"{unit.name}部门整体 - 副本.xlsx"
                shutil.copy2(paths[-1], copy)
                paths.append(copy)
            elif unit.again == "correction":
                book = new_workbook()
                write_overall(book, unit.corrected)
                paths.append(save(book, folder / f"{unit.name}部门整体（更正）.xlsx", unit.when + 3600))
    return paths


def expected_prefill(units: list[Unit]) -> dict[tuple[str, str], list[float | None]]:
    """Each row's five amounts summed over the forms that count (a blank one as 0): blank where no form has any
    amount in the row, or none in that column."""
    forms = [u.counted for u in units if u.counted]
    out = {}
    for key in ROWS:
        parts = [form.rows[key] for form in forms if key in form.rows]
        if not any(v is not None for part in parts for v in part.values()):
            out[key] = [None] * len(AMOUNTS)
        else:  # a field no form gives is left blank, not 0
            out[key] = [round(sum(part[f] or 0.0 for part in parts), 6)
                        if any(part[f] is not None for part in parts) else None for f in AMOUNTS]
    return out


def department(rng: random.Random, folder: Path, which: int = 0, taken: set[str] = frozenset()
               ) -> tuple[list[Unit], list[Path]]:
    """A department's 3-6 units and the files they sent, in a folder. By design (names.Units) a unit's 部门整体 form,
    which names the unit alone, is placed by its file or folder: two departments' units of one name (taken) are
    another property's business."""
    name, code = DEPARTMENTS[which]
    units = random_units(rng, rng.randint(3, 6), code, taken)
    return units, write_units(folder, units, f"{name}（{code}）")


# ---------------------------------------------------------------------------------------------------------------
# Reading the summary back.
# ---------------------------------------------------------------------------------------------------------------

def cell_value(grid: list[list], cell: str) -> object:
    r, c = parse_address(cell)
    value = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
    return None if value == "" else value


def prefilled(summary: Path) -> dict[tuple[str, str], list[object]]:
    """The summary's 部门整体 amounts by row, as python-calamine reads the file."""
    grid = read_workbook(summary).sheets[SHEET]
    return {key: [cell_value(grid, LAYOUT.funding[key][f]) for f in AMOUNTS] for key in ROWS}


def same_amounts(got: list, expected: list) -> bool:
    return all((a is None) == (b is None) and (a is None or abs(a - b) <= 1e-6) for a, b in zip(got, expected))


def summary_form(summary: Path):
    """The summary's 部门整体 as `xlmon check` reads it (None while it is blank, S131), and its findings."""
    result = check_file(summary)
    form = next((f for f in result.forms if f.kind == "department"), None)
    return form, [d for d in result.diagnostics if d.sheet == SHEET]


def note_of(summary: Path) -> str:
    grid = read_workbook(summary).sheets[SHEET]
    return next(v for row in grid for v in row if isinstance(v, str) and v.startswith("说明"))


# ---------------------------------------------------------------------------------------------------------------
# 1. The pre-fill is the units' forms summed row by row; its rates are those of the sums.
# ---------------------------------------------------------------------------------------------------------------

def assert_prefill(summary: Path, units: list[Unit], context: str) -> None:
    expected = expected_prefill(units)
    got = prefilled(summary)
    for key in ROWS:
        assert same_amounts(got[key], expected[key]), f"{context}: {key} {got[key]} ≠ {expected[key]}"
    form, _ = summary_form(summary)
    if form is None:  # no form to pre-fill from: nothing to read but blanks
        assert not any(v is not None for values in expected.values() for v in values), context
        return
    rows = {(r.block, r.row): r for r in form.funding}
    for block in ("source", "spending"):
        totals = [sum(v or 0.0 for (b, _), values in expected.items() if b == block for v in [values[i]])
                  for i in range(len(AMOUNTS))]
        carryover, current, issued, spent, forecast = totals
        total = rows[(block, L.TOTAL_ROW)]
        for f, value in zip(AMOUNTS, totals):
            assert abs((getattr(total, f) or 0.0) - value) <= 1e-6, f"{context}: {block} 资金总额 {f}"
        assert_rate(total.issue_rate, ratio(issued, current), f"{context}: {block} 资金总额 下达率")
        assert_rate(total.spend_progress, ratio(spent, carryover + current), f"{context}: {block} 资金总额 支出进度")
    for key, values in expected.items():
        if values[1] is not None:
            carryover, current, issued, spent, _ = (v or 0.0 for v in values)
            assert_rate(rows[key].issue_rate, ratio(issued, current), f"{context}: {key} 下达率")
            assert_rate(rows[key].spend_progress, ratio(spent, carryover + current), f"{context}: {key} 支出进度")


def assert_rate(got: float | None, expected: float | None, context: str) -> None:
    assert (got is None) == (expected is None) and (got is None or abs(got - expected) <= 1e-9), \
        f"{context}: {got} ≠ {expected}"


def assert_note_names_apart(summary: Path, units: list[Unit], context: str) -> None:
    """The note names each unit whose two blocks disagree, and how; no other."""
    clauses = note_of(summary).split("；")
    for unit in units:
        form = unit.counted
        said = [c for c in clauses if c.startswith(unit.name) and "的部门整体表按" in c or
                c.startswith(unit.name) and "的部门整体表未填写按" in c]
        if form and form.apart:
            assert any(form.apart in c for c in said), f"{context}: {unit.name} {form.apart}: {clauses}"
        else:
            assert not said, f"{context}: {unit.name}: {said}"


@pytest.mark.parametrize("seed", seeds(6, 1))
def test_the_prefill_is_the_units_forms_summed_row_by_row(tmp_path, seed):
    rng = random.Random(seed)
    units, _ = department(rng, tmp_path / "in")
    summary = tmp_path / "out" / "部门汇总.xlsx"
    data = consolidate(tmp_path / "in", output=summary)
    context = f"seed {seed}"
    assert_prefill(summary, units, context)
    assert_note_names_apart(summary, units, context)
    twice = [u for u in units if u.again]
    k002 = [d for d in data["diagnostics"] if d["code"] == "K002" and "部门整体表" in d["message"]]
    assert len(k002) == len(twice), f"{context}: {[d['message'] for d in k002]}"


# ---------------------------------------------------------------------------------------------------------------
# 5. `xlmon check` finds no error of xlmon's own in the 部门整体 it wrote.
# ---------------------------------------------------------------------------------------------------------------

def units_errors(folder: Path) -> set[str]:
    """The error codes of the units' 部门整体 forms that count: a sum inherits them."""
    return {d.code for path in folder.iterdir() for d in check_file(path).diagnostics
            if d.severity == "error" and d.sheet == SHEET}


@pytest.mark.parametrize("seed", seeds(6, 5))
def test_check_finds_no_error_of_its_own_in_the_prefill(tmp_path, seed):
    rng = random.Random(seed)
    units, _ = department(rng, tmp_path / "in")
    summary = tmp_path / "out" / "部门汇总.xlsx"
    consolidate(tmp_path / "in", output=summary)
    _, found = summary_form(summary)
    errors = [(d.code, d.cell, d.message) for d in found if d.severity == "error"]
    # where a unit's blocks disagree, the sum's do (R202), as the note says
    allowed = {"R202"} if any(u.counted and u.counted.apart for u in units) else set()
    inherited = units_errors(tmp_path / "in")
    unforecast = unforecast_cells(units)
    assert not [e for e in errors if e[0] not in allowed | inherited and (e[0], e[1]) not in unforecast], \
        f"seed {seed}: {errors}"
    if unforecast:  # the note names a unit that left its forecast out, so the department knows whose to add
        assert "未填写" in note_of(summary) and "全年预计支出数" in note_of(summary), f"seed {seed}: {note_of(summary)}"


def unforecast_cells(units: list[Unit]) -> set[tuple[str, str]]:
    """Where the pre-fill may fall below what was spent, as it stands: a row one unit gave its 全年预计 and another
    only its 支出数 is pre-filled with the one unit's forecast (a blank one as 0), which may be less than both units'
    spending (R214 at the row and at its block's 资金总额), as 汇总表 sums what was given; the note names the unit."""
    forms = [u.counted for u in units if u.counted]
    out = set()
    for key in ROWS:
        rows = [form.rows[key] for form in forms if key in form.rows]
        if any(r["forecast"] is not None for r in rows) and any(r["forecast"] is None and r["spent"] for r in rows):
            out |= {("R214", LAYOUT.funding[key]["forecast"]), ("R214", LAYOUT.funding[(key[0], L.TOTAL_ROW)]["forecast"])}
    return out


# ---------------------------------------------------------------------------------------------------------------
# 2. A bureau's pre-fill of its departments' summaries is that of all their units' forms.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(4, 2))
def test_a_bureaus_prefill_of_departments_summaries_is_that_of_all_their_units(tmp_path, seed):
    """One or two departments' summaries, not completed (xlmon's pre-fill): consolidated alone, beside every unit's
    file, or some departments' summaries beside the others' units' files, the bureau's 部门整体 is the sum of all
    units' forms, as consolidating every unit's file straight gives it."""
    rng = random.Random(seed)
    folders, everyone = [], []
    for which in range(rng.randint(1, 2)):
        units, _ = department(rng, tmp_path / "units" / DEPARTMENTS[which][0], which, {u.name for u in everyone})
        folders.append(tmp_path / "units" / DEPARTMENTS[which][0])
        everyone += units
    direct = tmp_path / "out" / "direct.xlsx"
    consolidate(*folders, output=direct)
    summaries = []
    for folder in folders:
        summaries.append(tmp_path / "summaries" / f"{folder.name}汇总.xlsx")
        consolidate(folder, output=summaries[-1])
    some = rng.sample(range(len(folders)), rng.randint(0, len(folders)))
    ways = {"summaries": summaries, "every": [*summaries, *folders],
            "mixed": [summaries[i] if i in some else folders[i] for i in range(len(folders))]}
    expected = prefilled(direct)
    for way, inputs in ways.items():
        up = tmp_path / "out" / f"{way}.xlsx"
        consolidate(*inputs, output=up)
        context = f"seed {seed}: {way}, {[p.name for p in inputs]}"
        assert_prefill(up, everyone, context)
        got = prefilled(up)
        assert all(same_amounts(got[key], expected[key]) for key in ROWS), context


# ---------------------------------------------------------------------------------------------------------------
# 3. The department's completed 部门整体 is carried into its next summary as it typed it.
# ---------------------------------------------------------------------------------------------------------------

INDICATOR_TEXTS = (("保障在职人数", "≥120人", "120人", "120人", None, "确定能", None),
                   ("重点工作完成率", "≥95%", "60%", "90%", "上半年集中采购延后", "有可能", "下半年加快推进"),
                   ("群众满意度", "≥90%", "92%", "93%", None, "确定能", None),
                   ("预算执行率", "≥95%", "45%", "80%", "-", "完全不可能", "+5%：调减预算"),
                   ("公用经费控制率", "≤100%", "48%", "98%", "=按计划执行", "确定能", "=B6"))


@dataclass
class Completion:
    """What the department typed into its summary's 部门整体: a goal, indicators (cell → value), amounts."""

    goal: str
    indicators: dict[str, object]
    amounts: dict[tuple[tuple[str, str], str], float]  # ((block, row), field) → the amount it typed


def complete(rng: random.Random, summary: Path) -> Completion:
    """The department completes its form in Excel: its goal, a few indicators in their groups' rows, now and then
    an amount of its own in place of the pre-fill (or where it was blank). Texts that begin with = or + are typed
    as text, as Excel keeps a text-formatted cell's."""
    book = load_workbook(summary)
    ws = book[SHEET]
    goal = rng.choice(("保障全市教育事业正常运转，完成年度重点工作。", "=全面完成年度目标"))
    ws[LAYOUT.header["goal"]] = goal
    cells = {}
    for (level1, level2, r), texts in zip(rng.sample(LAYOUT.indicator_rows, rng.randint(1, 4)), INDICATOR_TEXTS):
        level3, target, actual, forecast, reason, likelihood, remark = texts
        for f, value in (("level3", level3), ("target", target), ("actual", actual), ("forecast", forecast),
                         ("reason", reason), (likelihood, L.TICK), ("remark", remark)):
            if value is not None:
                cells[f"{letter(INDICATOR_COLS[f])}{r}"] = value
    for cell, value in cells.items():
        ws[cell] = value
        ws[cell].data_type = "s"
    amounts = {}
    for key in rng.sample(ROWS, rng.choice((0, 0, 1, 2))):
        f = rng.choice(AMOUNTS)
        amounts[(key, f)] = money(rng, 1, 2000)
        ws[LAYOUT.funding[key][f]] = amounts[(key, f)]
    ws[LAYOUT.header["goal"]].data_type = "s"
    book.save(summary)
    return Completion(goal, cells, amounts)


def correct_a_unit(rng: random.Random, folder: Path, units: list[Unit]) -> list[Unit]:
    """A unit's 部门整体 form corrected and sent again later (its 支出数 more), or one sent at last; the units as
    they now stand."""
    unit = rng.choice(units)
    if unit.counted is None:
        unit = replace(unit, overall=random_overall(rng, unit.label))
        form = unit.overall
    else:
        form = changed(rng, unit.counted)
        unit = replace(unit, corrected=form)
    book = new_workbook()
    write_overall(book, form)
    save(book, folder / f"{unit.name}部门整体（再更正）.xlsx", EPOCH + 7200)
    return [unit if u.name == unit.name else u for u in units]


def not_formulas(path: Path, cells) -> list[str]:
    ws = load_workbook(path)[SHEET]
    return [cell for cell in cells if ws[cell].data_type == "f"]


@pytest.mark.parametrize("seed", seeds(5, 3))
def test_the_departments_completed_form_is_carried_as_it_typed_it(tmp_path, seed):
    rng = random.Random(seed)
    folder = tmp_path / "in"
    units, _ = department(rng, folder)
    first = tmp_path / "out" / "部门汇总.xlsx"
    consolidate(folder, output=first)
    before = expected_prefill(units)
    done = complete(rng, first)
    now = correct_a_unit(rng, folder, units)
    after = expected_prefill(now)
    if rng.random() < 0.5:
        second = tmp_path / "out" / "部门汇总（更新）.xlsx"
        data = consolidate(folder, "--overall-from", first, output=second)
    else:  # last time's summary beside the units' files, replaced by the new one
        second = shutil.copy2(first, folder / "部门汇总.xlsx")
        data = consolidate(folder, "--overall-from", second, output=second)
    context = f"seed {seed}"
    assert [d["code"] for d in data["diagnostics"]].count("K007") == 1, context

    grid = read_workbook(second).sheets[SHEET]
    assert cell_value(grid, LAYOUT.header["goal"]) == done.goal, context
    form, _ = summary_form(second)
    fields = ("level3", "target", "actual", "forecast", "reason", *L.LIKELIHOODS, "remark")
    rows = [parse_address(ind.cells["level3"])[0] + 1 for ind in form.indicators]
    kept = {tuple(cell_value(grid, f"{letter(INDICATOR_COLS[f])}{r}") for f in fields) for r in rows}
    wanted = {tuple(done.indicators.get(f"{letter(INDICATOR_COLS[f])}{r}") for f in fields)
              for _, _, r in LAYOUT.indicator_rows if done.indicators.get(f"{letter(INDICATOR_COLS['level3'])}{r}")}
    assert kept == wanted, f"{context}: {kept} ≠ {wanted}"
    cells = [f"{letter(INDICATOR_COLS[f])}{r}" for f in fields for r in rows] + [LAYOUT.header["goal"]]
    assert not not_formulas(second, cells), f"{context}: {not_formulas(second, cells)}"

    got = prefilled(second)
    changed_cells = set()
    for key in ROWS:
        for i, f in enumerate(AMOUNTS):
            if (key, f) in done.amounts:
                want = done.amounts[(key, f)]
                if not same_amounts([before[key][i]], [after[key][i]]):
                    changed_cells.add(LAYOUT.funding[key][f])
            else:
                want = after[key][i]
            assert same_amounts([got[key][i]], [want]), f"{context}: {key} {f} {got[key][i]} ≠ {want}"
    k008 = {d["cell"] for d in data["diagnostics"] if d["code"] == "K008"}
    assert k008 == changed_cells, f"{context}: K008 at {k008}, changed {changed_cells}"


# ---------------------------------------------------------------------------------------------------------------
# 4. LibreOffice calculates the written 部门整体's formulas as xlmon does.
# ---------------------------------------------------------------------------------------------------------------

def test_libreoffice_calculates_the_prefill_as_xlmon_does(tmp_path, soffice):
    """The summary's 部门整体 keeps the template's live formulas (小计, the 资金总额 rows, 下达率, 支出进度), written with
    no saved result; recalculated by LibreOffice, each shows what xlmon computes from the pre-filled amounts (the
    rates of the sums), and no error value. One LibreOffice run over every case's summary."""
    summaries = []
    for seed in seeds(4, 4):
        rng = random.Random(seed)
        units, _ = department(rng, tmp_path / str(seed))
        summaries.append((seed, consolidate(tmp_path / str(seed), output=tmp_path / "out" / f"{seed}.xlsx") and
                          tmp_path / "out" / f"{seed}.xlsx", units))
    recalculated = libreoffice_convert(soffice, [path for _, path, _ in summaries], tmp_path / "lo",
                                       "xlsx:Calc MS Excel 2007 XML")
    for (seed, path, units), lo in zip(summaries, recalculated):
        ws = load_workbook(path)[SHEET]
        assert LAYOUT.formulas and all(ws[cell].data_type == "f" for cell in LAYOUT.formulas), f"seed {seed}"
        form, _ = summary_form(path)
        computed = {(r.block, r.row): r for r in form.funding} if form else {}
        grid = read_workbook(lo).sheets[SHEET]
        for cell, (block, label, f) in LAYOUT.formulas.items():
            shown = cell_value(grid, cell)
            assert not (isinstance(shown, str) and shown.startswith(("#", "Err:"))), f"seed {seed}: {cell} {shown}"
            mine = getattr(computed[(block, label)], f) if computed else None
            assert _agrees(shown, mine, f), \
                f"seed {seed}: {cell} ({label}·{f}) LibreOffice {shown!r}, xlmon {mine!r}"
        assert_prefill(lo, units, f"seed {seed}: recalculated by LibreOffice")
