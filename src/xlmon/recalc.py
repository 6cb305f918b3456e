"""What the 计算 button writes: every computed cell of every form, as a list of cell edits.

Grid in, edits out. On a sheet laid out exactly as our template the computed cells get the
template's own formula back (a typed-over 小计 becomes live again); on a form typed by hand they
get the value xlmon computed. A cell is left alone when what it shows already agrees with xlmon
(0.01 万元 / 0.01 pp, a rate typed as 50 for 50 % included), and when an input it depends on is
unreadable: an unknown amount is never replaced by a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from . import layout as L
from .calc import DEPENDS, EPS, amount_tolerance, fmt_amount, fmt_rate, only_subtotal, rate_agrees
from .form_plan import AMOUNT_FORMAT, RATE_FORMAT, letter, plan_form, rc
from .grid import Grid, parse_address, value
from .models import Form, FundingRow
from .text import NotANumber, parse_amount, parse_number, plain_number

COMPUTED = ("subtotal", "issue_rate", "spend_progress")


@dataclass(frozen=True, slots=True)
class CellEdit:
    """One cell to write. `value` is a number, None (empty the cell) or our own formula."""

    sheet: str
    cell: str
    value: float | str | None
    formula: bool = False
    number_format: str | None = None
    before: Any = None
    note: str = ""  # Chinese: what the cell holds, for the report to the user


def plan_calculation(forms: list[Form], sheets: dict[str, Grid]) -> list[CellEdit]:
    """Edits that make every computed cell right; forms must have been through calc.calculate."""
    edits: list[CellEdit] = []
    for form in forms:
        grid = sheets.get(form.sheet, [])
        formulas = template_formulas(form)
        numbers = _numbers_from_text(form, grid, formulas)
        edits += numbers
        made = {e.cell for e in numbers}
        texted = {(r.block, r.row) for r in form.funding if set(r.cells.values()) & form.text_amounts.keys()}
        texted |= {(block, L.TOTAL_ROW) for block, _ in texted}
        for row in form.funding:
            for field in _computed_fields(form, row):
                cell = row.cells.get(field)
                if cell in made:
                    continue
                # a template's 支出进度 over a 小计 left as the unit typed it is never right by itself
                over_kept = formulas is not None and field == "spend_progress" and _kept(form, row, grid)
                if not over_kept and (cell in form.left_out or formulas is not None and (row.block, row.row) in texted
                                      and value(grid, *parse_address(cell)) in (None, "")):
                    continue  # shows what its formula gives, the text left out: right once the text is a number
                edit = _edit(form, row, field, grid, formulas)
                if edit is not None:
                    edits.append(edit)
    return edits


def _numbers_from_text(form: Form, grid: Grid, formulas: dict[str, str] | None) -> list[CellEdit]:
    """An amount typed as text that the form's sums skip (N007) becomes the number it reads as, in an input cell:
    the sums then come right by themselves, on a protected template too, whose formula cells are locked. On a form
    laid out as our template every amount typed as text does: the template's formulas, kept or written back now,
    skip it all the same, and would show other than what xlmon computed; a text typed over a formula of the template
    gets the formula back instead (_edit), or is left where a 小计 is the unit's (a part blank), as its number would be. A
    小计 typed alone as text is the row's budget, which the template's formula there would blank: it becomes its number,
    as does a 资金总额 amount typed as text whose formula is not written back (_sum_left)."""
    edits = []
    for row in form.funding:
        for field, cell in row.cells.items():
            if cell in form.text_amounts if formulas is None else field in row.text and (
                    cell not in formulas or field == "subtotal" and only_subtotal(form, row) and not _sums_rows(form, row)
                    or _sum_left(form, row, field)):
                number = round(row.typed[field] * form.amount_scale, 6)
                before = value(grid, *parse_address(cell))
                note = f"{row.row}·{L.FIELD_LABELS[field]}：文本“{_shown(before)}” → 数字 {plain_number(number)}"
                edits.append(CellEdit(form.sheet, cell, number, number_format=AMOUNT_FORMAT, before=before, note=note))
    return edits


def _sum_left(form: Form, row: FundingRow, field: str) -> bool:
    """A 资金总额 amount whose template formula _edit does not write back (a part unknown, or none typed): what the
    unit typed is what xlmon reads, and the template's rates over it (N() of a text is 0) need it a number."""
    if not (field in L.INPUT_AMOUNTS and _sums_rows(form, row)):
        return False
    parts = [r for r in form.funding if r.block == row.block and r is not row]
    return (any(field in r.unreadable for r in parts) or all(r.typed.get(field) is None for r in parts)
            or _may_hold_alone(form, row, field))


@dataclass(frozen=True)
class _Template:
    """Where our template puts things, for a sheet that sits exactly as it."""

    funding: dict[tuple[str, str], dict[str, str]]
    formulas: dict[str, str]  # cell → formula
    fills: dict[str, str]  # cell → RGB of the template's own fill
    header: dict[str, str]  # header field (project, department, unit, goal) → the cell its value is typed in


def template_formulas(form: Form) -> dict[str, str] | None:
    """Cell → formula when the form sits exactly where our template puts it, else None."""
    template = _as_template(form)
    return template.formulas if template else None


def template_fills(form: Form) -> dict[str, str] | None:
    """Cell → the template's fill (what a cell looked like before 校验 marked it), else None."""
    template = _as_template(form)
    return template.fills if template else None


def template_header(form: Form) -> dict[str, str] | None:
    """Header field → the cell our template has its value typed in, when the form sits exactly where the template
    puts it, else None."""
    template = _as_template(form)
    return template.header if template else None


def _as_template(form: Form) -> _Template | None:
    template = _template(form.kind)
    if len(form.funding) != len(template.funding):
        return None
    for row in form.funding:
        cells = template.funding.get((row.block, row.row))
        if cells is None or any(cells.get(f) != c for f, c in row.cells.items() if f in cells):
            return None
    return template


@lru_cache(maxsize=2)
def _template(kind: str) -> _Template:
    plan = plan_form(kind, year=2000, months=12)  # cell positions and fills do not depend on the period
    final = plan.final_cells()
    formulas = {cell: str(final[rc(cell)].value) for cell in plan.layout.formulas}
    fills = {f"{letter(c)}{r}": cell.style.fill for (r, c), cell in final.items() if cell.style.fill}
    return _Template(plan.layout.funding, formulas, fills, plan.layout.header)


def _computed_fields(form: Form, row: FundingRow) -> list[str]:
    fields = list(COMPUTED)
    if _sums_rows(form, row):
        fields = list(L.INPUT_AMOUNTS) + fields
    return [f for f in fields if f in row.cells]


def _sums_rows(form: Form, row: FundingRow) -> bool:
    """A 资金总额 over rows of its block: its amounts are their sums, none of them the unit's own."""
    return row.row == L.TOTAL_ROW and len([r for r in form.funding if r.block == row.block]) > 1


def _edit(form: Form, row: FundingRow, field: str, grid: Grid, formulas: dict[str, str] | None) -> CellEdit | None:
    cell = row.cells[field]
    if field in row.unreadable or DEPENDS.get(field, frozenset()).intersection(row.unreadable):
        return None
    computed = getattr(row, field)
    if field == "issue_rate" and row.row == L.TOTAL_ROW and any(
            only_subtotal(form, r) for r in form.funding if r.block == row.block and r is not row):
        return None  # unknown where a source gave its 小计 alone: whatever the form shows is left
    if _sum_left(form, row, field):  # a total left as the unit typed it
        return None
    before = value(grid, *parse_address(cell))
    is_rate = field in L.RATE_FIELDS
    scale = 1 if is_rate else form.amount_scale
    digits = 2 if scale >= 1 else 6  # 0.01 万元 is 0.000001 亿元
    if computed is not None and scale != 1:  # a form in 元 gets its totals in 元
        computed = round(computed * scale, digits)
    agrees = _agrees(field, before, computed, scale, amount_tolerance(form))
    if field == "subtotal" and _kept(form, row, grid):
        return None  # 310 typed beside a blank 本年预算 is what the unit has, not a sum to write 10 over (C001 asks)
    if agrees and not _skipped_by_template(formulas, cell, field, row):
        return None
    label = f"{row.row}·{L.FIELD_LABELS[field]}"
    shown = fmt_rate(computed) if is_rate else fmt_amount(None if computed is None else computed / scale,
                                                          form.amount_unit)
    if formulas is not None and cell in formulas and not _alone_in(form, row, field) and not (
            field == "spend_progress" and _kept(form, row, grid)):  # its formula divides by the 小计 left
        return CellEdit(form.sheet, cell, formulas[cell], formula=True, before=before,
                        note=f"{label}：恢复模板公式（{shown}）")
    fmt = RATE_FORMAT if is_rate else AMOUNT_FORMAT
    return CellEdit(form.sheet, cell, computed, number_format=fmt if computed is not None else None,
                    before=before, note=f"{label}：{_shown(before)} → {shown}")


def _may_hold_alone(form: Form, row: FundingRow, field: str) -> bool:
    """资金总额's 上年结转 or 本年预算 typed where a source gave its 小计 alone (R215): that 小计 holds some of both,
    unsaid, so a total from the parts typed up to those with the 小计 may be right. It is the unit's, as calc
    neither takes it nor calls it wrong: the template's SUM would show the parts alone over it."""
    typed = row.typed.get(field)
    if field not in ("carryover", "current") or typed is None or not _sums_rows(form, row):
        return False
    alone = [r.typed["subtotal"] for r in form.funding if r.block == row.block and r is not row and only_subtotal(form, r)]
    parts = getattr(row, field) or 0.0
    tolerance = amount_tolerance(form) + EPS
    return bool(alone) and parts - tolerance <= typed <= parts + sum(alone) + tolerance


def _kept(form: Form, row: FundingRow, grid: Grid) -> bool:
    """A 小计 typed beside a blank 上年结转 or 本年预算 that does not add up: the unit's, which 计算 leaves."""
    if row.typed.get("subtotal") is None or _sums_rows(form, row) or None not in (row.typed.get("carryover"),
                                                                                   row.typed.get("current")):
        return False
    scale = form.amount_scale
    computed = None if row.subtotal is None else round(row.subtotal * scale, 2 if scale >= 1 else 6)
    return not _agrees("subtotal", value(grid, *parse_address(row.cells["subtotal"])), computed, scale,
                       amount_tolerance(form))


def _alone_in(form: Form, row: FundingRow, field: str) -> bool:
    """资金总额's 小计 where a row of its block gives its 小计 alone: in no column the template's formula there sums."""
    return field == "subtotal" and _sums_rows(form, row) and any(
        only_subtotal(form, r) for r in form.funding if r.block == row.block and r is not row)


def _skipped_by_template(formulas: dict[str, str] | None, cell: str, field: str, row: FundingRow) -> bool:
    """A number typed as text where the template has a formula: right to read, yet the template's formulas that use it
    (小计, the rates) skip it, and would show nothing, so the formula goes back."""
    return formulas is not None and cell in formulas and field in row.text


def _agrees(field: str, before: Any, computed: float | None, scale: float, tolerance: float) -> bool:
    """Whether a cell already shows the computed value (amounts in the form's unit: × scale of 万元; tolerance in
    万元, as calc.amount_tolerance)."""
    try:
        if field in L.RATE_FIELDS:
            number = parse_number(before, percent=True)
        else:
            number, unit = parse_amount(before)  # in 万元 when a unit is typed with it, else in the form's unit
            if number is not None and unit is not None:
                number *= scale
    except NotANumber:
        return False
    if number is None:
        return computed is None
    if computed is None:
        return field in L.RATE_FIELDS and abs(number) <= EPS
    if field in L.RATE_FIELDS:
        return rate_agrees(number, computed)
    return abs(number - computed) <= (tolerance + EPS) * scale


def _shown(before: Any) -> str:
    """A cell's value quoted as Excel shows it: 125, never 125.0 (desktop Excel hands every number over as a float)."""
    if before is None or before == "":
        return "空"
    if isinstance(before, float):
        return plain_number(before)
    return str(before)
