"""The add-in's 计算 and 校验 on a 部门整体支出绩效运行监控表 (附件3) typed by hand (test_overall_reader_properties' generator:
offsets, spaced, full-width and Alt+Enter labels, text numbers, forms in 元, block 2 under its own header, right below
block 1 with or without its 资金总额, or beside it, the goal typed in its usual places, a project form on another sheet
or above it, notes and sign-off lines), up to three of its 小计, rates and 资金总额's sums typed wrong; and on the same
form typed into our 部门整体 template (amounts as numbers or text, each computed cell showing what Excel makes of the
template's formula there, or typed over, right or wrong); pressed in xlwings' own remote Book as the VBA and the
Office.js clients send the sheet, Excel working the template's formulas out again after each press.

计算 writes only into the forms' computed cells (小计, the rates, and both blocks' 资金总额 sums: of the fund types and of
the spending types) and into an amount typed as text, which it makes the number it reads as; never into a label, a
note, a sign-off line, the goal, an indicator, a unit's words or a cell outside the form. What it writes is what xlmon
computes, in the form's own unit (a 元 form stays in 元) and formats (rates as fractions shown 0.00%), and the very
values the form defines from its amounts; the two blocks' 资金总额 rows then show the same amounts wherever the unit's
amounts make them the same, and disagree (R202) only where the unit's own do. Pressed again it writes nothing; no
amount read changes; a unit's text that looks like a formula stays text. On a form laid out exactly as our template
the only formulas written are the template's own, and worked out as Excel would they show what xlmon computes. Its
alert is Chinese and counts what it wrote. The workbook it leaves, saved to a file, is read by `xlmon check` with no
小计, 资金总额 or rate wrong (C001-C004) at a cell it wrote, and 校验 pressed on it finds what `xlmon check` finds there.

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

import pytest
from openpyxl import Workbook
from payloads import actions_of

from test_front_ends_properties import ExcelError, cannot_send, excel, said
from test_overall_reader_properties import (SHEET, UNITS, Case, clean_grid, make_case, random_overall, template)
from test_reader_properties import PERIODS, YEAR, Typing, amount_cell, rate_cell, worked_out
from test_recalc_properties import CALCULATED, CLIENTS, assert_calculated, computed_cells, hand_typed, payload_of
from seeded import seeds
from xlmon import entry_points as ep
from xlmon import layout as L
from xlmon.check import check_file, check_sheets
from xlmon.form_plan import plan_form, rc
from xlmon.grid import address, parse_address
from xlmon.text import clean_text

SALT = 95
NOTE_COLUMN = 30  # right of every column a typed 部门整体 form uses, block 2 beside block 1 included


def our_formulas() -> dict[str, str]:
    """Our 部门整体 template's formulas: cell → formula."""
    plan = plan_form("department", year=YEAR, months=6)
    final = plan.final_cells()
    return {cell: str(final[rc(cell)].value) for cell in plan.layout.formulas}


TEMPLATE_FORMULAS = our_formulas()


@dataclass
class OnTemplate(Case):
    """A case typed into our template: the template's formulas left in its cells, (row, column) → formula."""

    formulas: dict[tuple[int, int], str] = field(default_factory=dict)


def on_template(seed: int) -> OnTemplate:
    """The unit's form typed into our 部门整体 template: its amounts as numbers or as text, each computed cell left to the
    template's formula (showing what Excel makes of it), typed over with its right value, or with a wrong one."""
    rng = random.Random(seed)
    months = rng.choice(tuple(PERIODS))
    overall = random_overall(rng, rng.choice(UNITS), months)
    grid = clean_grid(overall)
    _, layout = template(months)
    formulas = {}
    typing = Typing(in_yuan=False)
    for (block, label), cells in layout.funding.items():
        amounts = overall.row(block, label)
        made = worked_out(amounts)
        for field_, ref in cells.items():
            r, c = parse_address(ref)
            if ref not in layout.formulas:
                grid[r][c] = amount_cell(rng, amounts[field_], typing, (r, c))
                continue
            roll = rng.random()
            n = made[field_] if field_ in made else amounts[field_]
            typed = rate_cell(rng, n) if field_ in L.RATE_FIELDS else amount_cell(rng, n, typing, (r, c))
            # a formula cleared shows nothing, as one does over a text it skips: 计算 cannot tell them apart
            if roll < 0.65 or n is not None and clean_text(typed) is None:
                formulas[(r, c)] = TEMPLATE_FORMULAS[ref]
            elif roll < 0.85:
                grid[r][c] = typed
            elif n is not None or field_ in L.RATE_FIELDS:  # no amount typed alone: a 小计 (R215), a 资金总额 (R212)
                grid[r][c] = rng.choice((1, 12.5, "100.00", 0.5 if field_ in L.RATE_FIELDS else 99999))
    shown_by_excel(grid, formulas)
    return OnTemplate(seed, overall, {SHEET: grid}, typing, None, False, formulas=formulas)


def shown_by_excel(grid: list[list], formulas: dict[tuple[int, int], str]) -> None:
    """Each formula's cell given what Excel shows for it (a blank for "", #VALUE! where it takes words)."""
    done: dict[str, object] = {}

    def value(ref: str):
        r, c = parse_address(ref)
        if (r, c) not in formulas:
            return grid[r][c] if r < len(grid) and c < len(grid[r]) else None
        if ref not in done:
            try:
                done[ref] = excel(formulas[(r, c)], value)
            except ExcelError:
                done[ref] = "#VALUE!"
            except ZeroDivisionError:
                done[ref] = "#DIV/0!"
        return done[ref]

    for r, c in formulas:
        value(address(r, c))
    for ref, v in done.items():
        r, c = parse_address(ref)
        grid[r][c] = None if v == "" else v


def templated(seed: int) -> bool:
    return random.Random(seed * 5 + 1).random() < 0.25


def typed(seed: int) -> Case | OnTemplate:
    return on_template(seed) if templated(seed) else slipped(make_case(seed))


def slipped(case: Case) -> Case:
    """The typed form with up to three of its computed cells (小计, the rates, 资金总额's sums) typed wrong, as a unit's
    sums and rates worked out by hand are; only where xlmon works one out, so that none stands alone for its row."""
    rng = random.Random(case.seed * 3 + 2)
    [form] = [f for f in check_sheets(case.sheets).forms if f.sheet == SHEET and f.kind == "department"]
    cells = [(ref, f in L.RATE_FIELDS) for ref, (f, value, _) in computed_cells([form]).items() if value is not None]
    grid = case.sheets[SHEET]
    for (_, ref), rate in rng.sample(cells, min(len(cells), rng.choice((0, 0, 1, 2, 3)))):
        r, c = parse_address(ref)
        grid[r][c] = rng.choice((0.5, 1.2, "80%")) if rate else rng.choice((12.5, 99999, "100.00", "1,000.00"))
    return case


def extras_of(case: Case) -> set[tuple[str, str]]:
    """(sheet, cell) of every note, sign-off line, date and attachment number typed beside the forms."""
    out = {(SHEET, address(*at)) for at in case.typing.extras}
    if case.project is not None:
        sheet = SHEET if case.start else "项目表"
        out |= {(sheet, address(*at)) for typing in case.project.typings for at in typing.extras}
    return out


def saved(tmp_path, payload: dict, sheets: dict[str, list[list]]):
    """The payload's workbook saved as a file: each value as the clients sent it, a date typed as the date it was."""
    book = Workbook()
    book.remove(book.active)
    for sent in payload["sheets"]:
        ws = book.create_sheet(sent["name"])
        original = sheets.get(sent["name"], [])
        for r, row in enumerate(sent["values"]):
            for c, v in enumerate(row):
                was = original[r][c] if r < len(original) and c < len(original[r]) else None
                if isinstance(was, datetime.datetime):
                    v = was
                if v is None or v == "":
                    continue
                cell = ws.cell(row=r + 1, column=c + 1, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # as typed: "=…" stays text
    path = tmp_path / "监控表.xlsx"
    book.save(path)
    return path


def assert_overall_truth(case: Case, done, where: str) -> None:
    """Each cell 计算 wrote on the 部门整体 form reads as the form defines it from the unit's amounts; the two blocks'
    资金总额 agree where the unit's amounts do, and R202 says where they do not."""
    [form] = [f for f in done.after.forms if f.sheet == SHEET and f.kind == "department"]
    assert form.amount_unit == ("元" if case.typing.in_yuan else "万元"), f"{where}: amount unit {form.amount_unit}"
    for row in form.funding:
        if row.row != L.TOTAL_ROW and (row.block, row.row) not in case.overall.amounts:
            continue
        amounts = case.overall.row(row.block, row.row)
        truth = {**{f: amounts[f] for f in L.INPUT_AMOUNTS}, **worked_out(amounts)}
        for field, ref in row.cells.items():
            e = done.edits.get((SHEET, ref))
            if e is None or (e.value is None and not e.formula) or field not in truth:
                continue
            want = truth[field] if field in L.RATE_FIELDS else None if truth[field] is None else truth[field] / 100
            assert getattr(row, field) == pytest.approx(want, abs=1e-6), (
                f"{where}: {row.block} {row.row}·{field} at {ref} reads {getattr(row, field)}, not {want}")
    source, spending = form.total("source"), form.total("spending")
    totals = [case.overall.row(b, L.TOTAL_ROW) for b in ("source", "spending")]
    truths = [{**t, "subtotal": worked_out(t)["subtotal"]} for t in totals]
    differ = {f for f in L.AMOUNT_FIELDS if (truths[0][f] or 0) != (truths[1][f] or 0)}
    said_r202 = {d.cell for d in done.after.diagnostics if d.code == "R202" and d.sheet == SHEET}
    assert said_r202 == {spending.cells.get(f) for f in differ}, (
        f"{where}: R202 at {sorted(map(str, said_r202))}, the unit's blocks differing in {sorted(differ)}")
    for f in L.AMOUNT_FIELDS:
        if f in differ or f not in source.cells or f not in spending.cells:
            continue
        a, b = source.typed.get(f), spending.typed.get(f)
        assert (a is None) == (b is None) and (a is None or a == pytest.approx(b, abs=1e-6)), (
            f"{where}: 资金总额·{L.FIELD_LABELS[f]} shows {a} in block 1 ({source.cells[f]}), {b} in block 2 "
            f"({spending.cells[f]})")


@pytest.mark.parametrize("seed", seeds(80, SALT))
@pytest.mark.parametrize("client", CLIENTS)
def test_calculate_and_validate_on_a_hand_typed_overall_form(tmp_path, seed, client):
    case, notes = hand_typed(seed, typed, SHEET, NOTE_COLUMN)
    where = f"seed {seed} ({client}{', on the template' if templated(seed) else ''})"
    payload = payload_of(case.sheets, client)
    if isinstance(case, OnTemplate):  # Excel works them out again when a cell they take changes
        payload["formulas"] = {(SHEET, r, c): f for (r, c), f in case.formulas.items()}
    done = assert_calculated(where, payload, extras_of(case) | notes, notes)
    assert_overall_truth(case, done, where)

    path = saved(tmp_path, done.after_payload, case.sheets)
    result = check_file(path)
    wrong = [(d.code, d.cell, d.message) for d in result.diagnostics
             if d.code in CALCULATED and (d.sheet, d.cell) in done.edits]
    assert not wrong, f"{where}: xlmon check of the saved workbook finds {wrong}"
    actions, outcome = actions_of(done.after_payload, ep.validate)
    expected = said(result.diagnostics) - cannot_send(result, client)
    assert said(outcome.diagnostics) == expected, (
        f"{where}: 校验 said {said(outcome.diagnostics) - expected}, xlmon check {expected - said(outcome.diagnostics)}")
    alert = next(a for a in actions if a["func"] == "alert")["args"][0]
    assert f"校验完成：{len(result.forms)} 张表。" in alert, f"{where}: {alert}"
