"""The add-in's 计算 on forms typed by hand (test_reader_properties' generator: offsets, spaced and full-width labels,
text numbers, forms in 元, merged or repeated 一级/二级, stacked forms, notes and sign-off lines beside and below),
pressed in xlwings' own remote Book as the VBA and the Office.js clients send the sheet.

计算 writes only into the form's computed cells (小计, 资金总额's sums, 下达率, 支出进度) and into an amount typed as text
that it makes the number it reads as; never into a label, a note, a sign-off line, an indicator, a cell outside the form
or a unit's words. What it writes is what xlmon computes, in the form's own unit (a 元 form stays in 元), with the form's
formats (rates as fractions shown 0.00%); check then finds no 小计, 资金总额 or rate wrong (C001-C004) at a cell it wrote,
and the very values the form defines from its amounts. Pressed again it writes nothing; no amount read changes. A unit's
text that looks like a formula ("=1+1") stays text; the only formulas written are our template's own, on a form typed
exactly where the template puts it, and worked out as Excel would they show what xlmon computes. Its alert is Chinese and counts what it wrote.

The clients send no merged ranges (XLWINGS.md): a cell merged into another is a blank to 计算 as to the reader, and the
generator merges only labels (一级/二级, a source's name over two cells), never an amount, so a write into a merged
range's inner cell would be a write outside the computed cells, which is asserted. Each case is seeded; a failure
names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import datetime
import random
import re
from copy import deepcopy
from dataclasses import dataclass

import pytest
from payloads import actions_of, apply_actions

from test_front_ends_properties import excel_values
from test_reader_properties import make_case, seeds, worked_out
from xlmon import entry_points as ep
from xlmon import layout as L
from xlmon.check import check_sheets
from xlmon.form_plan import AMOUNT_FORMAT, RATE_FORMAT
from xlmon.grid import address, parse_address
from xlmon.recalc import template_formulas
from xlmon.text import NotANumber, parse_amount, parse_number

import xlwings as xw

CLIENTS = ("VBA", "Office.js")
CALCULATED = ("C001", "C002", "C003", "C004")  # a 小计, 资金总额 or rate the form shows wrong
FORMULA_TEXT = ("=1+1", "=SUM(A1:A3)", "=备注")  # a unit's words that Excel would take for a formula if written back
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def payload_of(sheets: dict[str, list[list]], client: str) -> dict:
    """The payload a client sends for these grids: each sheet's used range from A1, a date as ISO text, numbers
    that are whole as int, visibility on Office.js."""
    out = []
    for name, grid in sheets.items():
        width = max([len(r) for r in grid] + [1])
        values = [[_sent(v) for v in row] + [None] * (width - len(row)) for row in grid] or [[None]]
        out.append({"name": name, "values": values, "pictures": [], "tables": []})
        if client == "Office.js":
            out[-1]["visibility"] = "Visible"
    return {"client": client, "version": xw.__version__,
            "book": {"name": "监控表.xlsx", "active_sheet_index": 0, "selection": "A1"}, "names": [], "sheets": out}


def _sent(v):
    if isinstance(v, datetime.datetime):
        return f"{v:%Y-%m-%dT%H:%M:%S}.000Z"
    if v == "":
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def grids_of(payload: dict) -> dict[str, list[list]]:
    return {s["name"]: deepcopy(s["values"]) for s in payload["sheets"]}


def hand_typed(seed: int, make=make_case, sheet: str = "项目表", width: int = 14):
    """A generated case (make(seed)), and now and then a unit's note beside the form on `sheet`, from column `width`
    on, typed as text that starts with "="."""
    case = make(seed)
    rng = random.Random(seed * 7 + 3)
    notes = set()
    grid = case.sheets[sheet]
    for _ in range(rng.choice((0, 1, 1, 2))):
        r = rng.randrange(len(grid))
        c = max(len(grid[r]), width)
        grid[r] += [None] * (c - len(grid[r])) + [rng.choice(FORMULA_TEXT)]
        notes.add((sheet, address(r, c)))
    return case, notes


def computed_cells(forms) -> dict[tuple[str, str], tuple[str, float | None, float]]:
    """(sheet, cell) → (field, what xlmon computes there in the form's unit, the form's scale) for every computed cell:
    小计, the rates, and 资金总额's amounts where it sums sources."""
    out = {}
    for form in forms:
        for row in form.funding:
            totals = row.row == L.TOTAL_ROW and sum(r.block == row.block for r in form.funding) > 1
            for field in [*(L.INPUT_AMOUNTS if totals else ()), "subtotal", "issue_rate", "spend_progress"]:
                if field in row.cells:
                    v = getattr(row, field)
                    scale = 1 if field in L.RATE_FIELDS else form.amount_scale
                    out[(form.sheet, row.cells[field])] = (field, None if v is None else v * scale, scale)
    return out


def text_amounts(forms) -> dict[tuple[str, str], float]:
    """Amounts typed as text, as the number each reads as in the form's unit: 计算 may make them that number."""
    return {(form.sheet, row.cells[f]): row.typed[f] * form.amount_scale
            for form in forms for row in form.funding for f in row.text}


def reads_as_number(value, rate: bool) -> bool:
    try:
        return (parse_number(value, percent=True) if rate else parse_amount(value)[0]) is not None
    except NotANumber:
        return False


def amounts_read(forms) -> list:
    """Every amount the forms read from what was typed, in 万元."""
    return [(form.sheet, form.project, row.block, row.row, f, row.typed.get(f))
            for form in forms for row in form.funding for f in L.INPUT_AMOUNTS if row.row != L.TOTAL_ROW]


def written(actions: list[dict], payload: dict) -> dict[tuple[str, str], object]:
    """(sheet, cell) → the value each setValues action writes, and the number formats set, as (sheet, cell, '#fmt')."""
    names = [s["name"] for s in payload["sheets"]]
    out = {}
    for a in actions:
        if a["func"] in ("setValues", "setNumberFormat"):
            name = names[a["sheet_position"]]
            rows = a["values"] if a["func"] == "setValues" else [[a["args"][0]] * a["column_count"]] * a["row_count"]
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    key = (name, address(a["start_row"] + i, a["start_column"] + j))
                    out[key if a["func"] == "setValues" else (*key, "#fmt")] = v
    return out


@dataclass
class Calculated:
    """计算 pressed once on a payload: what it wrote, and the forms read before and after."""

    edits: dict[tuple[str, str], object]  # (sheet, cell) → CellEdit
    before: object  # check_sheets' result before
    after: object  # and after
    after_payload: dict


def assert_calculate(seed: int, client: str) -> None:
    case, notes = hand_typed(seed)
    where = f"seed {seed} ({client})"
    extras = {("项目表", address(*at)) for typing in case.typings for at in typing.extras} | notes
    done = assert_calculated(where, payload_of(case.sheets, client), extras, notes)
    edits, after = done.edits, done.after
    for form, project, typing in zip(after.forms, case.projects, case.typings):
        for row in form.funding:
            if row.block != 1 and form.kind == "project":
                continue
            truth = worked_out(project.row(row.row))
            for field in ("subtotal", "issue_rate", "spend_progress"):
                at = (form.sheet, row.cells.get(field))
                if at in edits and edits[at].value is not None:
                    want = truth[field] if field in L.RATE_FIELDS else truth[field] / 100
                    assert getattr(row, field) == pytest.approx(want, abs=1e-6), (
                        f"{where}: {project.name} {row.row}·{field} is {getattr(row, field)}, not {want}")
        assert form.amount_unit == ("元" if typing.in_yuan else "万元"), where


def assert_calculated(where: str, payload: dict, extras: set, notes: set) -> Calculated:
    """计算 on the payload writes only computed cells and amounts typed as text, never the extras (notes, sign-offs:
    (sheet, cell)) or the notes typed as formulas; what xlmon computes, in the form's unit and formats; a formula only
    our template's own, showing what xlmon computes; no amount read changes; pressed again it writes nothing; its
    alert counts what it wrote."""
    before = check_sheets(grids_of(payload))
    actions, outcome = actions_of(payload, ep.calculate)
    writes = written(actions, payload)
    cells = {k: v for k, v in writes.items() if len(k) == 2}
    edits = {(e.sheet, e.cell): e for e in outcome.edits}
    assert len(edits) == len(outcome.edits), f"{where}: a cell edited twice"
    assert set(cells) == set(edits), f"{where}: written {sorted(cells)} but told {sorted(edits)}"

    # 1. only computed cells, and amounts typed as text; never a note, a sign-off, a label or a unit's words
    computed, texts = computed_cells(before.forms), text_amounts(before.forms)
    rates = {k for k, (f, _, _) in computed.items() if f in L.RATE_FIELDS}
    grid_before = grids_of(payload)
    templates = {(f.sheet, c): formula for f in before.forms for c, formula in (template_formulas(f) or {}).items()}
    for at, e in edits.items():
        assert at in computed or at in texts, f"{where}: wrote {e} outside the computed cells"
        assert at not in extras, f"{where}: wrote {e} over a note or a sign-off"
        r, c = parse_address(e.cell)
        was = grid_before[e.sheet][r][c] if r < len(grid_before[e.sheet]) and c < len(grid_before[e.sheet][r]) else None
        assert e.before == was, f"{where}: {e} was {was!r}"
        if isinstance(was, str) and was.strip():
            assert reads_as_number(was, at in rates), f"{where}: wrote over the unit's words {was!r} at {e.cell}"
        # 4. nothing Excel makes a formula but our template's own, where the form sits exactly as the template
        if isinstance(cells[at], str) and cells[at].startswith("="):
            assert e.formula and cells[at] == templates[at], f"{where}: {e}"
    for at in notes:
        assert at not in cells, f"{where}: the unit's {at} written"

    # 2. values are what xlmon computes, in the form's unit and format
    for at, e in edits.items():
        if e.formula:
            continue  # worked out below, as Excel would
        if at in computed:
            field, value, scale = computed[at]
            tol = 5e-7 if field in L.RATE_FIELDS else 0.005 * max(scale, 1) + 1e-9 * abs(value or 0)
            assert (e.value is None and value is None) or e.value == pytest.approx(value, abs=tol), (
                f"{where}: {e} is not {value}")
            if e.value is not None:
                fmt = RATE_FORMAT if field in L.RATE_FIELDS else AMOUNT_FORMAT
                assert e.number_format == fmt, f"{where}: {e}"
        else:
            assert e.value == pytest.approx(texts[at], rel=1e-9, abs=1e-6), f"{where}: {e} is not {texts[at]}"
            assert e.number_format == AMOUNT_FORMAT, f"{where}: {e}"
        if e.number_format:
            assert writes.get((*at, "#fmt")) == e.number_format, f"{where}: {e} written without its format"

    after_payload = apply_actions(payload, actions)
    shown = excel_values(after_payload)
    for at, e in edits.items():
        if e.formula:
            value = computed[at][1]
            assert (shown[at] == "" and value is None) or shown[at] == pytest.approx(value, abs=1e-6), (
                f"{where}: {e} shows {shown[at]}, not {value}")
    after = check_sheets(grids_of(after_payload))
    assert [f.project for f in after.forms] == [f.project for f in before.forms], where
    wrong = [(d.code, d.cell, d.message) for d in after.diagnostics
             if d.code in CALCULATED and (d.sheet, d.cell) in edits]
    assert not wrong, f"{where}: after 计算 {wrong}"

    # 3. no amount read changes; pressed again, nothing to write
    assert [a[:5] for a in amounts_read(after.forms)] == [a[:5] for a in amounts_read(before.forms)], where
    for a, b in zip(amounts_read(after.forms), amounts_read(before.forms)):
        assert (a[5] is None) == (b[5] is None) and (a[5] is None or a[5] == pytest.approx(b[5], abs=1e-9)), (
            f"{where}: {b} read {a[5]} after 计算")
    again_actions, again = actions_of(after_payload, ep.calculate)
    assert again.edits == [], f"{where}: pressed again {again.edits}"
    for at in notes:
        r, c = parse_address(at[1])
        assert grids_of(after_payload)[at[0]][r][c] in FORMULA_TEXT, f"{where}: {at} changed"

    # 5. the alert: Chinese, counting what was written
    alert = next(a for a in actions if a["func"] == "alert")["args"][0]
    assert alert == outcome.message and CHINESE.search(alert), f"{where}: {alert}"
    if edits:
        assert alert.startswith(f"计算完成：更正 {len(cells)} 个单元格。"), f"{where}: {alert}"
        listed = alert.split("\n")[1:]
        shown = min(len(cells), 15)
        assert len([x for x in listed if not x.startswith("……")]) == shown, f"{where}: {alert}"
        if len(cells) > 15:
            assert listed[-1] == f"……另有 {len(cells) - 15} 处", f"{where}: {alert}"
        assert not re.search(r"None|nan", alert), f"{where}: {alert}"
        for e in edits.values():  # a number quoted as Excel shows it (a text, as typed)
            assert not (isinstance(e.before, (int, float)) and re.search(r"\d\.0 →", e.note)), f"{where}: {e}"
    else:
        assert alert == (f"计算完成：{len(before.forms)} 张表的小计、资金总额、下达率和支出进度均正确，未做修改。"), (
            f"{where}: {alert}")
    again_alert = next(a for a in again_actions if a["func"] == "alert")["args"][0]
    assert "未做修改" in again_alert, f"{where}: {again_alert}"
    return Calculated(edits, before, after, after_payload)


@pytest.mark.parametrize("seed", seeds(25, 51))
@pytest.mark.parametrize("client", CLIENTS)
def test_calculate_on_a_hand_typed_form(seed, client):
    assert_calculate(seed, client)
