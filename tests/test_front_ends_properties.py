"""The front ends agree over generated units' workbooks (test_consolidate_properties' generators, every style): what
`xlmon check` finds in a file, 校验 finds in the remote Book that file's payload makes (payloads.payload_from_file, as
the VBA and the Office.js clients send it): the same forms, findings (code, severity, sheet, cell, message) and
grades (the colours on the cells, the counts in the alert); 计算 writes what xlmon computes, a value or the form's own
formula (worked out here as Excel would), into the cells the form's formulas stand in, a number the same, and
nothing over a unit's words. Then cells are typed over as people type them (amounts as "1,234.5", "50万元", "500000元",
full-width or with trailing spaces, blanks, dates; rates as 45% typed, "45.00%", 0.45 or 45; indicator values the
same; labels with trailing spaces; 一级 merged down its rows), and all of it must still hold.

What a client cannot send is no disagreement: the VBA client sends no sheet's visibility, so 校验 there cannot say
a form is on a hidden sheet (S002); no client sends hidden rows (XLWINGS.md), so none is hidden here. Each case is
seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property."""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from payloads import actions_of, apply_actions, payload_from_file

from test_consolidate_properties import DEPARTMENTS, STYLES, Department, random_units, seeds, write_unit
from xlmon import entry_points as ep
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.check import FileResult, check_file
from xlmon.demo import full_width
from xlmon.grid import parse_address
from xlmon.marks import GRADE_ZH, fill_of, plan_marks
from xlmon.profile import load_profile
from xlmon.recalc import COMPUTED, plan_calculation
from xlmon.sheetnames import RESULTS_SHEET
from xlmon.text import NotANumber, parse_amount, parse_number

CLIENTS = ("VBA", "Office.js")
CALCULATED = ("C001", "C002", "C003", "C004")  # a 小计, 资金总额 or rate the form shows wrong
INPUTS = ("carryover", "current", "issued", "spent", "forecast")


# ---------------------------------------------------------------------------------------------------------------
# The unit's file, and cells typed over as people type them.
# ---------------------------------------------------------------------------------------------------------------

def unit_file(rng: random.Random, folder: Path, style: str) -> Path:
    """One unit's workbook in `style`: 1-4 projects, maybe its 部门整体, last month's form on a hidden sheet, a copy of
    another unit's form, last month's forms beside this month's."""
    department = Department(*DEPARTMENTS[0], random_units(rng, 2))
    unit, other = department.units
    unit.style = style
    if rng.random() < 0.2:
        unit.strays.append(rng.choice(other.projects))
    return write_unit(folder, unit, department.label)


@dataclass(frozen=True)
class Typed:
    sheet: str
    cell: str
    value: object
    number_format: str | None = None
    merge: str | None = None  # a range merged, its other cells emptied


def as_typed(rng: random.Random, v: object, rate: bool = False) -> tuple[object, str | None]:
    """A number (an amount in 万元, or a rate as a fraction) typed another way; a text kept or spaced."""
    if isinstance(v, str):
        return rng.choice((f"{v} ", f" {v}  ", full_width(v), v.replace("%", "％"))), None
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None, None
    if rate:
        return rng.choice(((f"{v * 100:.2f}%", None), (f"{v * 100:.0f}%", None), (round(v, 4), "0.00%"),
                           (round(v * 100, 2), "0.00"), (full_width(f"{v * 100:.2f}") + "%", None),
                           (f"{v * 100:.2f}% ", None)))
    return rng.choice(((f"{v:,.2f}", None), (f"{v:,}", None), (f"{v:g}万元", None), (f"{v * 10000:.0f}元", None),
                       (full_width(f"{v:g}"), None), (f"{v:g} ", None), (f" {v:,.2f} ", None), (None, None),
                       (datetime.datetime(2026, rng.randint(1, 12), rng.randint(1, 28)), "yyyy-mm-dd")))


def retyped(rng: random.Random, path: Path, result: FileResult) -> list[Typed]:
    """1-8 cells of the file's forms typed over (amounts, rates, indicator values, labels), and now and then an
    indicator's 一级 merged down the rows it spans; the file rewritten."""
    forms = result.forms
    if not forms:
        return []
    grids = read_workbook(path).sheets
    typed: dict[tuple[str, str], Typed] = {}
    for _ in range(rng.randint(1, 8)):
        form = rng.choice(forms)
        grid = grids[form.sheet]
        kind = rng.choice(("amount", "amount", "rate", "indicator", "label", "text"))
        if kind in ("amount", "rate"):
            row = rng.choice(form.funding)
            fields = [f for f in (INPUTS if kind == "amount" else ("issue_rate", "spend_progress")) if f in row.cells]
            if not fields:
                continue
            field = rng.choice(fields)
            r, c = parse_address(row.cells[field])
            now = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            if kind == "rate" and not isinstance(now, (int, float)):
                now = getattr(row, field)  # a rate the template's formula would show, typed
            value, fmt = as_typed(rng, now, rate=kind == "rate")
            typed[(form.sheet, row.cells[field])] = Typed(form.sheet, row.cells[field], value, fmt)
        elif kind == "indicator" and form.indicators:
            ind = rng.choice(form.indicators)
            field = rng.choice([f for f in ("target", "actual", "forecast") if f in ind.cells])
            r, c = parse_address(ind.cells[field])
            now = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            if isinstance(now, str) and re.fullmatch(r"\d+(\.\d+)?%", now.strip()):
                value, fmt = (float(now.strip()[:-1]) / 100, "0%") if rng.random() < 0.5 else as_typed(rng, now)
            elif field == "forecast" and rng.random() < 0.2:
                value, fmt = datetime.datetime(2026, rng.randint(6, 12), 28), "yyyy-mm-dd"
            else:
                value, fmt = as_typed(rng, now) if isinstance(now, str) else (f"{now} ", None)
            typed[(form.sheet, ind.cells[field])] = Typed(form.sheet, ind.cells[field], value, fmt)
        elif kind == "label":
            row = rng.choice(form.funding)
            r = parse_address(next(iter(row.cells.values())))[0]
            c = next((c for c, v in enumerate(grid[r]) if isinstance(v, str) and v.strip()), None)
            if c is not None:
                cell = f"{_col(c)}{r + 1}"
                typed[(form.sheet, cell)] = Typed(form.sheet, cell, grid[r][c] + rng.choice((" ", "  ", "\u3000")))
        elif kind == "text":
            field = rng.choice([f for f in ("project", "unit", "department") if f in form.cells])
            r, c = parse_address(form.cells[field])
            now = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            if isinstance(now, str):
                typed[(form.sheet, form.cells[field])] = Typed(form.sheet, form.cells[field], now + " ")
    merges = []
    form = rng.choice(forms)
    if form.indicators and "level1" in form.indicators[0].cells and rng.random() < 0.5:
        first = form.indicators[0]
        run = [i for i in form.indicators if i.level1 == first.level1]
        cells = [i.cells["level1"] for i in run]
        (r0, c0), (r1, c1) = parse_address(cells[0]), parse_address(cells[-1])
        if len(run) > 1 and c0 == c1 and r1 - r0 == len(run) - 1 and not any(
                k[0] == form.sheet and _overlaps(f"{k[1]}:{k[1]}", f"{cells[0]}:{cells[-1]}") for k in typed):
            merges.append(Typed(form.sheet, cells[0], first.level1, merge=f"{cells[0]}:{cells[-1]}"))
    book = load_workbook(path)
    for t in [*typed.values(), *merges]:
        ws = book[t.sheet]
        if t.merge:
            if any(_overlaps(area.coord, t.merge) for area in ws.merged_cells.ranges):
                continue
            ws.merge_cells(t.merge)
            continue
        if any(_overlaps(area.coord, f"{t.cell}:{t.cell}") and not area.coord.startswith(f"{t.cell}:")
               for area in ws.merged_cells.ranges):
            continue  # a cell inside a merged area takes no value
        ws[t.cell] = t.value
        if isinstance(t.value, str):
            ws[t.cell].data_type = "s"  # as typed: "=…" would stay text too
        if t.number_format:
            ws[t.cell].number_format = t.number_format
    book.save(path)
    return [*typed.values(), *merges]


def _overlaps(a: str, b: str) -> bool:
    (ar0, ac0), (ar1, ac1) = (parse_address(x) for x in a.split(":"))
    (br0, bc0), (br1, bc1) = (parse_address(x) for x in b.split(":"))
    return ar0 <= br1 and br0 <= ar1 and ac0 <= bc1 and bc0 <= ac1


def _col(c: int) -> str:
    from xlmon.grid import column_letter

    return column_letter(c)


# ---------------------------------------------------------------------------------------------------------------
# What each front end says.
# ---------------------------------------------------------------------------------------------------------------

def said(diagnostics) -> Counter:
    return Counter((d.code, d.severity, d.sheet, d.cell, d.message) for d in diagnostics)


def cannot_send(result: FileResult, client: str) -> Counter:
    """The CLI's findings a client's payload cannot carry: on VBA, that a form is on a hidden sheet."""
    return said(d for d in result.diagnostics if client == "VBA" and d.code == "S002")


def grades(result: FileResult) -> Counter:
    return Counter(g for form in result.forms for g in [*(r.grade for r in form.funding),
                                                        *(i.grade for i in form.indicators)] if g)


def assert_validate_agrees(path: Path, result: FileResult, client: str, context: str) -> None:
    payload = payload_from_file(path, client=client)
    actions, outcome = actions_of(payload, ep.validate)
    expected = said(result.diagnostics) - cannot_send(result, client)
    assert said(outcome.diagnostics) == expected, (context, said(outcome.diagnostics) - expected,
                                                   expected - said(outcome.diagnostics))
    alert = next(a for a in actions if a["func"] == "alert")["args"][0]
    counted = grades(result)
    assert f"校验完成：{len(result.forms)} 张表。" in alert, (context, alert)
    assert "，".join(f"{GRADE_ZH[g]}色 {counted[g]} 项" for g in ("red", "yellow", "green")) in alert, (context, alert)
    shown = [d for d in result.diagnostics if not cannot_send(result, client)[(d.code, d.severity, d.sheet, d.cell,
                                                                                d.message)]]
    plan = plan_marks(result.forms, shown, load_profile().colours())
    marks = {(m.sheet, m.cell): fill_of(m) for m in plan.marks if fill_of(m)}
    assert {k: colour for k, (colour, _) in outcome.marked.items()} == marks, context
    rows = next(s for s in apply_actions(payload, actions)["sheets"] if s["name"] == RESULTS_SHEET)["values"]
    listed = Counter(tuple(row[2:7]) for row in rows[1:] if isinstance(row[0], int))
    assert listed == Counter((d.sheet or "", d.cell or "", d.code, *_severity_message(d)) for d in shown), context


def _severity_message(d) -> tuple[str, str]:
    from xlmon.diagnostics import SEVERITY_ZH

    return SEVERITY_ZH[d.severity], d.message


# ---------------------------------------------------------------------------------------------------------------
# 计算, and what Excel makes of the formulas it writes.
# ---------------------------------------------------------------------------------------------------------------

_REF = r"([A-Z]+\d+)"
_SUM = re.compile(rf'=IF\(COUNT\({_REF}:{_REF}\)=0,"",SUM\({_REF}:{_REF}\)\)')
_RATE = re.compile(rf'=IF\(N\({_REF}\)=0,"",(N\()?{_REF}\)?/{_REF}\)')


class ExcelError(Exception):
    pass


def excel(formula: str, cell_value) -> object:
    """What Excel shows for one of our template's formulas, cell_value giving each referenced cell's value."""
    if m := _SUM.fullmatch(formula):
        values = [cell_value(f"{_col(c)}{r + 1}") for r, c in _cells(m.group(1), m.group(2))]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        return sum(numbers) if numbers else ""
    if m := _RATE.fullmatch(formula):
        if _n(cell_value(m.group(1))) == 0:
            return ""
        top = cell_value(m.group(3))
        top = _n(top) if m.group(2) else _arith(top)
        return top / _arith(cell_value(m.group(4)))
    raise AssertionError(f"not a formula of our template: {formula}")


def _cells(a: str, b: str):
    (r0, c0), (r1, c1) = parse_address(a), parse_address(b)
    return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]


def _n(v) -> float:
    return float(v) if isinstance(v, (int, float)) else 0.0


def _arith(v) -> float:
    if v is None:
        return 0.0
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(v.replace(",", ""))
    except ValueError:
        raise ExcelError("#VALUE!") from None


def computed_cells(result: FileResult) -> dict[tuple[str, str], float | None]:
    """The cells the forms' formulas stand in (小计, 资金总额's amounts, the rates) and what xlmon computes there, in the
    form's unit; and the amounts typed as text (which Excel's sums skip), as the numbers they read as."""
    out = {}
    for form in result.forms:
        for row in form.funding:
            for field in row.text:
                out[(form.sheet, row.cells[field])] = row.typed[field] * form.amount_scale
            totals = row.row == L.TOTAL_ROW and sum(r.block == row.block for r in form.funding) > 1
            for field in [*(L.INPUT_AMOUNTS if totals else ()), *COMPUTED]:
                if field in row.cells:
                    v = getattr(row, field)
                    scale = 1 if field in L.RATE_FIELDS else form.amount_scale
                    out[(form.sheet, row.cells[field])] = None if v is None else v * scale
    return out


def reads_as_number(value, rate: bool) -> bool:
    try:
        return (parse_number(value, percent=True) if rate else parse_amount(value)[0]) is not None
    except NotANumber:
        return False


def assert_calculate_agrees(path: Path, result: FileResult, client: str, context: str) -> None:
    payload = payload_from_file(path, client=client)
    actions, outcome = actions_of(payload, ep.calculate)
    if not result.forms:
        assert not outcome.edits, context
        return
    grids = read_workbook(path).sheets
    planned = plan_calculation(check_file(path).forms, grids)
    assert outcome.edits == planned, context  # the file front end's plan, from its own grids
    where = computed_cells(result)
    rates = {(f.sheet, r.cells[k]) for f in result.forms for r in f.funding for k in L.RATE_FIELDS if k in r.cells}
    for e in outcome.edits:
        at = (e.sheet, e.cell)
        assert at in where, (context, e)
        if isinstance(e.before, str) and e.before.strip():  # never a unit's words: a number typed as text, or ours
            assert reads_as_number(e.before, at in rates), (context, e)
        if not e.formula:
            assert e.value == pytest.approx(where[at], abs=0.005 if at not in rates else 5e-5), (context, e)
    after = apply_actions(payload, actions)
    shown = excel_values(after)
    for e in outcome.edits:
        if e.formula:
            got = shown[(e.sheet, e.cell)]
            want = where[(e.sheet, e.cell)]
            assert (got == "" and want is None) or got == pytest.approx(want, abs=1e-6), (context, e, got, want)
    _, again = actions_of(after, ep.calculate)
    assert again.edits == [], (context, again.edits)
    _, checked = actions_of(after, ep.validate)
    edited = {(e.sheet, e.cell) for e in outcome.edits}
    assert not [d for d in checked.diagnostics if d.code in CALCULATED and (d.sheet, d.cell) in edited], context


def excel_values(payload: dict) -> dict[tuple[str, str], object]:
    """Each formula 计算 wrote worked out as Excel would, its value put in its cell; (sheet, cell) → value."""
    out = {}
    for sheet in payload["sheets"]:
        formulas = {f"{_col(c)}{r + 1}": f for (s, r, c), f in payload["formulas"].items() if s == sheet["name"]}
        values = sheet["values"]
        done: dict[str, object] = {}

        def value(cell: str, formulas=formulas, values=values, done=done):
            if cell in formulas:
                if cell not in done:
                    try:
                        done[cell] = excel(formulas[cell], value)
                    except (ExcelError, ZeroDivisionError) as exc:
                        done[cell] = f"#{type(exc).__name__}"
                return done[cell]
            r, c = parse_address(cell)
            return values[r][c] if r < len(values) and c < len(values[r]) else None

        for cell in formulas:
            out[(sheet["name"], cell)] = value(cell)
        for cell, v in done.items():
            r, c = parse_address(cell)
            values[r][c] = None if v == "" else v
    return out


# ---------------------------------------------------------------------------------------------------------------
# The properties.
# ---------------------------------------------------------------------------------------------------------------

def style_of(seed: int) -> str:
    return STYLES[seed % len(STYLES)]


def on_both(tmp_path, seed: int, agrees) -> None:
    """agrees(path, check's result, client, context) on a generated unit's file for each client, then again with
    its cells typed as people type them."""
    rng = random.Random(seed)
    path = unit_file(rng, tmp_path, style_of(seed))
    result = check_file(path)
    for client in CLIENTS:
        agrees(path, result, client, f"seed {seed} ({style_of(seed)}, {client})")
    typed = retyped(rng, path, result)
    result = check_file(path)
    for client in CLIENTS:
        agrees(path, result, client, f"seed {seed} ({style_of(seed)}, {client}): {typed}")


@pytest.mark.parametrize("seed", seeds(12, 41))
def test_validate_finds_what_check_finds(tmp_path, seed):
    on_both(tmp_path, seed, assert_validate_agrees)


@pytest.mark.parametrize("seed", seeds(12, 42))
def test_calculate_writes_what_xlmon_computes(tmp_path, seed):
    on_both(tmp_path, seed, assert_calculate_agrees)
