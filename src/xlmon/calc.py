"""Progress calculations, done by xlmon whatever the cells hold, and the form's own arithmetic checked.

小计 = 上年结转 + 本年预算; 资金总额 = sum of its sources, per column; 下达率 = 下达数 / 本年预算数;
支出进度 = 支出数 / 小计; 时间进度 = months / 12; gap = 时间进度 − 支出进度 (rates as fractions).
"""

from __future__ import annotations

import math

from . import layout as L
from .diagnostics import Diagnostic, make
from .grid import address, parse_address
from .models import Form, FundingRow
from .text import WAN, plain_number, wan_scale

AMOUNT_TOLERANCE = 0.01  # 万元: values that agree when rounded to 0.01 万元
# the input amounts each computed field is made from: none is computed from an unknown (unreadable) one
DEPENDS = {"subtotal": frozenset({"carryover", "current"}), "issue_rate": frozenset({"issued", "current"}),
           "spend_progress": frozenset({"spent", "carryover", "current"})}
RATE_TOLERANCE = 0.0001  # 0.01 percentage point
EPS = 1e-9


def time_progress(months: int | None) -> float | None:
    return months / 12 if months and 1 <= months <= 12 else None


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """A rate, or None (the form shows blank) when the denominator is 0 or missing."""
    if not denominator:
        return None
    return (numerator or 0.0) / denominator


def add(*values: float | None) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def calculate(form: Form) -> list[Diagnostic]:
    """Fill every computed field of the form; report typed totals and rates that disagree."""
    diags: list[Diagnostic] = []
    form.time_progress = time_progress(form.months)
    for block in ("source", "spending"):
        rows = [r for r in form.funding if r.block == block]
        if not rows:
            continue
        for row in rows:
            for f in L.INPUT_AMOUNTS:
                setattr(row, f, row.typed.get(f))
        total = next((r for r in rows if r.row == L.TOTAL_ROW), None)
        repeats = [r for r in rows if r.row == L.TOTAL_ROW and r is not total]  # a 合计 typed below as a check
        for repeat in repeats:
            form.funding.remove(repeat)
            rows.remove(repeat)
        sources = [r for r in rows if r is not total]
        if total is None:  # the form lacks its 资金总额 row (S111): the sources still add up to one
            total = FundingRow(block=block, row=L.TOTAL_ROW)
            form.funding.insert(form.funding.index(rows[0]), total)
            rows.insert(0, total)
        skipped = _TextSkipped(total, sources, amount_tolerance(form))
        _sum_sources(form, total, sources, diags, skipped)
        alone = add(*(s.typed["subtotal"] for s in sources if only_subtotal(form, s)))  # in no column 资金总额 sums
        for row in rows:
            _row_rates(form, row, diags, skipped, alone if row is total else None)
        diags.extend(skipped.diagnostics(form))
        for repeat in repeats:
            diags += _repeated_total(form, total, repeat)
    return diags


def _repeated_total(form: Form, total: FundingRow, repeat: FundingRow) -> list[Diagnostic]:
    """A second 资金总额 (合计, 总计) typed after the sources as the unit's own check: not a source to add in, which
    doubled the total; each amount of it that is not the total's is C002 at its cell."""
    out = []
    for f in (*L.INPUT_AMOUNTS, "subtotal"):
        typed, computed = repeat.typed.get(f), getattr(total, f)
        if typed is not None and computed is not None and abs(typed - computed) > amount_tolerance(form) + EPS:
            out.append(make("C002", sheet=form.sheet, cell=repeat.cells.get(f), field=L.FIELD_LABELS[f],
                            expected=fmt_amount(computed, form.amount_unit), actual=fmt_amount(typed, form.amount_unit),
                            formula="（与资金总额一致）"))
    return out


class _TextSkipped:
    """Amounts typed as text ("100") are read as numbers, but Excel's and WPS's SUM, and so the templates'
    formulas, skip them. A total, 小计 or rate that shows what those formulas give is not wrong of itself: the
    text is the cause, and is named at its own cell (N007) instead of the formula's (C001-C004)."""

    def __init__(self, total: FundingRow, sources: list[FundingRow], tolerance: float):
        self.total, self.sources, self.tolerance = total, sources, tolerance
        self.explained: list[tuple[FundingRow, str]] = []

    def explains(self, row: FundingRow, field: str, shown: float) -> bool:
        inputs = DEPENDS.get(field, {field})
        rows = [row, *self.sources] if row is self.total else [row]
        if not any(f in r.text for r in rows for f in inputs):
            return False
        if field in L.INPUT_AMOUNTS:
            expected = self.summed(row, field)
        else:
            subtotal = add(self.summed(row, "carryover"), self.summed(row, "current"))
            expected = {"subtotal": subtotal, "issue_rate": ratio(self.summed(row, "issued"), self.summed(row, "current")),
                        "spend_progress": ratio(self.summed(row, "spent"), subtotal)}[field]
        if field in L.RATE_FIELDS:
            agrees = rate_agrees(shown, expected)
        else:  # a SUM of texts alone shows 0 exactly: 0.001 typed in a form in 万元 is within 0.01 万元 of it, not it
            parts = DEPENDS.get(field, {field})
            tolerance = EPS if all(self._numbers(row, f) is None for f in parts) else self.tolerance + EPS
            agrees = expected is not None and abs(shown - expected) <= tolerance
        if agrees:
            self.explained.append((row, field))
        return agrees

    def summed(self, row: FundingRow, field: str) -> float | None:
        """An amount as the form's formulas take it: a text skipped, 资金总额 the SUM of its sources; a SUM (or 小计's
        sum) of texts alone is 0."""
        value = self._numbers(row, field)
        return 0.0 if value is None and any(field in r.text for r in self._summed_rows(row, field)) else value

    def _numbers(self, row: FundingRow, field: str) -> float | None:
        """The sum of the numbers such a SUM takes, None where it takes none."""
        return add(*(_skipping_text(r, field) for r in self._summed_rows(row, field)))

    def _summed_rows(self, row: FundingRow, field: str) -> list[FundingRow]:
        return self.sources if row is self.total and any(s.typed.get(field) is not None for s in self.sources) else [row]

    def diagnostics(self, form: Form) -> list[Diagnostic]:
        out = []
        form.left_out += [r.cells[f] for r, f in self.explained if f in r.cells]
        for row in (self.total, *self.sources):
            for field, text in row.text.items():
                affected = [f"{r.row}·{L.FIELD_LABELS[f]}（{r.cells.get(f)}）"
                            for r, f in sorted(self.explained, key=lambda e: e[0] is not row)
                            if (r is row or r is self.total) and f in _MADE_FROM.get(field, {field})]
                if affected:
                    form.text_amounts[row.cells[field]] = row.typed[field]
                    out.append(make("N007", sheet=form.sheet, cell=row.cells.get(field), value=text.strip(),
                                    field=f"{row.row}·{L.FIELD_LABELS[field]}", amount=fmt_amount(row.typed.get(field), form.amount_unit),
                                    affected="、".join(affected)))
        return out


# what an input amount is summed or divided into: the cells a text there leaves it out of
_MADE_FROM = {"carryover": {"carryover", "subtotal", "spend_progress"},
              "current": {"current", "subtotal", "issue_rate", "spend_progress"}, "subtotal": {"subtotal", "spend_progress"},
              "issued": {"issued", "issue_rate"}, "spent": {"spent", "spend_progress"}, "forecast": {"forecast"}}


def _skipping_text(row: FundingRow, field: str) -> float | None:
    """An amount as a formula referring to its cell takes it."""
    return None if field in row.text else row.typed.get(field)


def _sum_sources(form: Form, total: FundingRow, sources: list[FundingRow], diags: list[Diagnostic],
                 skipped: _TextSkipped) -> None:
    alone = any(only_subtotal(form, s) for s in sources)
    for f in L.INPUT_AMOUNTS:
        parts = [s.typed.get(f) for s in sources]
        if alone and f in ("carryover", "current"):
            # a source's 小计 typed alone holds its 上年结转 and 本年预算 unsaid: their sums are the parts typed, the
            # total's own figure (which may count that source's) neither taken nor called wrong; 小计 adds it (R215)
            setattr(total, f, add(*parts))
            continue
        if any(f in s.unreadable for s in sources):
            typed = total.typed.get(f)
            if typed is None or abs(typed - (add(*parts) or 0.0)) <= amount_tolerance(form) + EPS:
                # a part is unknown, and the total is blank or merely the sum of the parts read (what the
                # template's =SUM saved, skipping a text): the total is unknown. One typed apart is the unit's own.
                if f not in total.unreadable:
                    total.unreadable.append(f)
                setattr(total, f, None)
            continue
        if all(p is None for p in parts):
            if f in total.errors:  # only the total was filled in, and it shows an error: unknown
                total.unreadable.append(f)
                diags.append(make("N004", sheet=form.sheet, cell=total.cells.get(f),
                                  field=f"{total.row}·{L.FIELD_LABELS[f]}", value=total.errors[f]))
            continue  # only the total was filled in: take it as typed
        computed = add(*parts)
        if f in total.unreadable:  # a text typed in the total (见附件): its sources, all read, tell what it is
            total.unreadable = [u for u in total.unreadable if u != f]
        typed = total.typed.get(f)
        setattr(total, f, computed)
        shown = fmt_amount(typed, form.amount_unit) if typed is not None else total.errors.get(f)
        if shown and (typed is None or abs(typed - computed) > amount_tolerance(form) + EPS) and not (
                typed is not None and skipped.explains(total, f, typed)):
            diags.append(make("C002", sheet=form.sheet, cell=total.cells.get(f), field=L.FIELD_LABELS[f],
                              expected=fmt_amount(computed, form.amount_unit), actual=shown,
                              formula=_sum_formula([s.cells[f] for s in sources if f in s.cells])))


def _sum_formula(cells: list[str]) -> str:
    """The =SUM of the sources' cells, a range over those one below another (=SUM(E8:E13)): never over a row between
    them that is none (附件3's 人员经费 under 基本支出, S134), which it would add in again (=SUM(E16,E19))."""
    runs: list[tuple[int, int, int]] = []  # column, first row, last row
    for cell in cells:
        row, column = parse_address(cell)
        if runs and runs[-1][0] == column and runs[-1][2] == row - 1:
            runs[-1] = (column, runs[-1][1], row)
        else:
            runs.append((column, row, row))
    parts = [address(first, c) if first == last else f"{address(first, c)}:{address(last, c)}" for c, first, last in runs]
    return f"=SUM({','.join(parts)})" if parts else "=SUM(...)"


def only_subtotal(form: Form, row: FundingRow) -> bool:
    """A row whose 小计 (安排数) alone was filled in, 上年结转 and 本年预算 both left blank, as many units do: that 小计
    is the row's budget, not a sum to call wrong (R215 asks for the two parts). A 小计 of 80 元 on a form in 元 is one."""
    return (abs(row.typed.get("subtotal") or 0.0) > amount_tolerance(form) and row.typed.get("carryover") is None
            and row.typed.get("current") is None and not {"carryover", "current"} & set(row.unreadable))


def _row_rates(form: Form, row: FundingRow, diags: list[Diagnostic], skipped: _TextSkipped,
               alone: float | None = None) -> None:
    """alone: for 资金总额, the 小计 of its sources that give only that."""
    bad = set(row.unreadable)
    row.subtotal = None if bad & DEPENDS["subtotal"] else add(row.carryover, row.current, alone)
    if row.subtotal is None and only_subtotal(form, row):
        row.subtotal = row.typed["subtotal"]
    typed = row.typed.get("subtotal")
    wrong = (typed is not None and abs(typed - (row.subtotal or 0.0)) > amount_tolerance(form) + EPS
             or typed is None and "subtotal" in row.errors and row.subtotal is not None)
    if wrong and typed is not None and skipped.explains(row, "subtotal", typed):
        wrong = False
    if wrong and not bad & DEPENDS["subtotal"]:  # from an unknown amount nothing can be said to be wrong
        diags.append(make("C001", sheet=form.sheet, cell=row.cells.get("subtotal"), row=row.row,
                          expected=fmt_amount(row.subtotal, form.amount_unit),
                          actual=row.errors["subtotal"] if typed is None else fmt_amount(typed, form.amount_unit),
                          formula=_formula(row, "carryover", "+", "current")))
    # an unreadable amount is unknown, not 0: no rate is computed from it
    row.issue_rate = None if bad & DEPENDS["issue_rate"] or alone else ratio(row.issued, row.current)
    row.spend_progress = None if bad & DEPENDS["spend_progress"] else ratio(row.spent, row.subtotal)
    checks = (("issue_rate", "C003", "issued", "current"), ("spend_progress", "C004", "spent", "subtotal"))
    for field, code, num, den in checks:
        if field == "issue_rate" and (alone or only_subtotal(form, row)):
            continue  # unknown, as the 本年预算 of a 小计 typed alone is: the rate shown is not called wrong
        typed, computed = row.typed.get(field), getattr(row, field)
        # an error shown where a rate can be worked out (#DIV/0! over a blank budget is what it should show)
        wrong = not rate_agrees(typed, computed) if typed is not None else field in row.errors and computed is not None
        if wrong and typed is not None and skipped.explains(row, field, typed):
            wrong = False
        # a form from xlmon's earlier templates: 资金总额's rate showed #VALUE! while its empty sum was ""
        stale = typed is None and row.row == L.TOTAL_ROW and row.errors.get(field) == "#VALUE!" and not computed
        if wrong and not stale and not bad & DEPENDS[field]:
            diags.append(make(code, sheet=form.sheet, cell=row.cells.get(field), row=row.row,
                              expected=fmt_rate(computed),
                              actual=row.errors[field] if typed is None else fmt_typed_rate(typed),
                              formula=_formula(row, num, "/", den)))
    if form.time_progress is not None and row.spend_progress is not None:
        row.gap = form.time_progress - row.spend_progress


def rate_agrees(typed: float, computed: float | None) -> bool:
    """Typed as a fraction (0.5 / 50%), or as percentage points in a % column (50, or 0.8 for 0.8%); and right when
    it is the computed rate rounded as typed: 66.7% for 66.666…%, 43% for 42.857%, as the unit's cell shows it. Rounded
    as either, as it is exact as either: 204% typed for 203.94% is 2.04, which _points takes for percentage points."""
    if computed is None:
        return abs(typed) <= EPS
    if (abs(typed - computed) <= RATE_TOLERANCE + EPS
            or abs(typed / 100 - computed) <= RATE_TOLERANCE + EPS):
        return True
    return any(abs(points - computed * 100) <= 0.5 * 10 ** -_decimals(points) + EPS for points in (typed * 100, typed))


def _points(typed: float) -> float:
    """A typed rate in percent: above 1.5 it was typed as points (64.32 in a % column), else as a fraction."""
    return typed if abs(typed) > 1.5 else typed * 100


def _decimals(points: float) -> int:
    """The decimals a rate in percent was typed with (66.7 has 1), from its shortest form."""
    text = plain_number(round(points, 6))
    return len(text) - text.index(".") - 1 if "." in text else 0


def _formula(row: FundingRow, a: str, op: str, b: str) -> str:
    ca, cb = row.cells.get(a), row.cells.get(b)
    if not (ca and cb):
        return "（无法给出公式）"
    if op == "/":  # as the templates divide: N() of a sum that is "" or of an amount typed as text is 0
        return f'=IF(N({cb})=0,"",N({ca})/{cb})'
    return f"={ca}{op}{cb}"


def amount_tolerance(form: Form) -> float:
    """How far apart (in 万元) two of a form's amounts may be and still agree: 0.01 of the unit the form is kept
    in, and never more than 0.01 万元. A form in 元 is typed to the 分, so a sum 50 元 out is wrong there."""
    return AMOUNT_TOLERANCE / max(1.0, form.amount_scale)


def fmt_amount(value: float | None, unit: str = WAN) -> str:
    """An amount (read in 万元) as the form it is quoted from shows it: in that form's unit, so a unit whose form is
    in 元 finds 3,100,125.00 元 in its cell and in the message alike."""
    if value is None:
        return "空"
    scale = wan_scale(unit)
    if scale == 1:
        return f"{value:,.2f} 万元"
    decimals = 2 + max(0, round(-math.log10(scale)))  # 0.01 万元 is 0.000001 亿元
    text = f"{value * scale:,.{decimals}f}"
    while decimals > 2 and text.endswith("0"):
        text, decimals = text[:-1], decimals - 1
    return f"{text} {unit}"


def fmt_rate(value: float | None) -> str:
    return "空" if value is None else f"{value * 100:.2f}%"


def fmt_typed_rate(value: float) -> str:
    """A rate as the form shows it: 64.32 typed in a % column is 64.32%, 0.6432 is 64.32% too, 66.7% is not 66.70%;
    a formula's unrounded result is shown to 2 decimals."""
    points = _points(value)
    return f"{points:.{min(_decimals(points), 2)}f}%"
