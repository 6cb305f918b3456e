"""Number rules: signs, the two blocks of the department form, execution against budget, completion kinds."""

from __future__ import annotations

from .. import layout as L
from ..calc import DEPENDS, EPS, add, amount_tolerance, fmt_amount, fmt_rate, only_subtotal
from ..diagnostics import Diagnostic, make
from ..grading import counts_none, deadline, is_quantitative, target_shown
from ..models import Form, FundingRow, Indicator
from ..profile import Profile
from ..text import label_key, plain_number


def negative_amounts(form: Form, profile: Profile) -> list[Diagnostic]:
    return [make("R201", sheet=form.sheet, cell=row.cells.get(f), row=row.row, field=L.FIELD_LABELS[f],
                 value=fmt_amount(v, form.amount_unit))
            for row in form.funding for f in L.INPUT_AMOUNTS
            if (v := row.typed.get(f)) is not None and v < -EPS]


def amounts_in_yuan(form: Form, profile: Profile) -> list[Diagnostic]:
    """The largest amount of a form far beyond what one project (or department) spends: typed in 元 into a
    form in 万元, which would make the unit's figures 10,000 times too large in a consolidation."""
    limit = profile.amounts.department_max if form.kind == "department" else profile.amounts.project_max
    found = largest_amount(form)
    if found is None or found[0] < limit:
        return []
    value, field, cell = found
    return [make("R210", sheet=form.sheet, cell=cell, field=field, value=fmt_amount(value),
                 yi=plain_number(round(value / 10_000, 2)), limit=fmt_amount(limit),
                 kind="部门" if form.kind == "department" else "单个项目")]


def largest_amount(form: Form) -> tuple[float, str, str | None] | None:
    """The form's largest amount typed, its row·column and its cell: what an amount typed in 元 shows first
    (R210 on the form alone; K019 against the other units of a consolidation)."""
    found = [(v, row, f) for row in form.funding for f in L.INPUT_AMOUNTS if (v := row.typed.get(f)) is not None]
    if not found:
        return None
    value, row, f = max(found, key=lambda item: item[0])
    return value, f"{row.row}·{L.FIELD_LABELS[f]}", row.cells.get(f)


def sources_split(form: Form, profile: Profile) -> list[Diagnostic]:
    """资金总额 filled in while no funding source is: a consolidation can sum the project in its 资金总额 but in
    none of the source rows, so the department's sources no longer add up to its total."""
    total = form.total("source")
    if total is None or not total.cells or not any(total.typed.get(f) for f in L.INPUT_AMOUNTS):
        return []
    sources = [r for r in form.funding if r.block == "source" and r is not total]
    if any(r.typed.get(f) is not None for r in sources for f in L.INPUT_AMOUNTS):
        return []
    first = sources[0].cells.get("current") if sources else None  # no source rows at all (S111): the same sum
    kinds = ("各资金类型（" + "、".join(L.DEPARTMENT_FUND_TYPES) + "）" if form.kind == "department"
             else "各资金来源（中央、省级、市级、县（区）财政资金，单位自筹资金，其他资金）")
    return [make("R212", sheet=form.sheet, cell=first or total.cells.get("current"), kinds=kinds)]


def blocks_agree(form: Form, profile: Profile) -> list[Diagnostic]:
    source, spending = form.total("source"), form.total("spending")
    if form.kind != "department" or source is None or spending is None:
        return []
    out: list[Diagnostic] = []
    alone = any(only_subtotal(form, r) for r in form.funding if r.row != L.TOTAL_ROW)
    partial = {"carryover", "current"} if alone else set()  # a 小计 typed alone (R215): those sums partly unknown
    for f in L.AMOUNT_FIELDS:
        a, b = getattr(source, f), getattr(spending, f)
        unread = {*source.unreadable, *spending.unreadable}
        if a is None and b is None or f in unread | partial or f == "subtotal" and unread & DEPENDS["subtotal"]:
            continue  # an amount not read (N001 says where) is no disagreement to point out
        if abs((a or 0.0) - (b or 0.0)) > amount_tolerance(form) + EPS:
            out.append(make("R202", sheet=form.sheet, cell=spending.cells.get(f), field=L.FIELD_LABELS[f],
                            spending=fmt_amount(b, form.amount_unit), source=fmt_amount(a, form.amount_unit)))
    return out


def execution(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    tolerance = amount_tolerance(form)

    def money(value: float | None) -> str:
        return fmt_amount(value, form.amount_unit)

    alone = {row.block for row in form.funding if row.row != L.TOTAL_ROW and only_subtotal(form, row)}
    for row in form.funding:
        current, issued, spent, subtotal = row.current, row.issued, row.spent, row.subtotal
        partly_known = (only_subtotal(form, row) or row.row == L.TOTAL_ROW and row.block in alone
                        or "carryover" in row.unreadable)  # unknown, not 0 (N001, N004, N006)
        if _issued_over(row, tolerance) and not _excess_told_by_sources(form, row, tolerance):
            # at the 下达数 it asks to check: 下达率 is worked out from it, by the template's formula
            out.append(make("R203", sheet=form.sheet, cell=row.cells.get("issued") or row.cells.get("issue_rate"),
                            row=row.row, issued=money(issued), current=money(current),
                            rate=fmt_rate(row.issue_rate)))
        if only_subtotal(form, row) and (row.row != L.TOTAL_ROW or len([r for r in form.funding if r.block == row.block]) == 1):
            out.append(make("R215", sheet=form.sheet, cell=row.cells.get("current") or row.cells.get("subtotal"),
                            row=row.row, subtotal=money(subtotal)))
        # 支出进度 is of 小计, 上年结转 included, which no 下达数 holds: what may be spent is both; not known where the
        # 上年结转 is not (unreadable, or in a 小计 typed alone, R215), and 小计 bounds it (R205)
        available = (issued or 0.0) + (row.carryover or 0.0) if issued is not None and not partly_known else None
        if spent is not None and available is not None and spent > available + tolerance:
            out.append(make("R204", sheet=form.sheet, cell=row.cells.get("spent"), row=row.row, spent=money(spent),
                            available=f"下达数 {money(issued)}" if not row.carryover else
                            f"下达数 {money(issued)}与上年结转 {money(row.carryover)}之和 {money(available)}"))
        unknown = {"carryover", "current", "subtotal"} & set(row.unreadable)  # 小计 unknown, not 0 (N001, N006…)
        if spent and spent > tolerance and not subtotal and not unknown:
            out.append(make("R206", sheet=form.sheet, cell=row.cells.get("spent"), row=row.row,
                            spent=money(spent)))
            continue
        forecast = row.forecast
        if subtotal and spent is not None and spent > subtotal + tolerance:
            out.append(make("R205", sheet=form.sheet, cell=row.cells.get("spent"), row=row.row,
                            field=L.FIELD_LABELS["spent"], value=money(spent), subtotal=money(subtotal)))
        elif subtotal and forecast is not None and forecast > subtotal + tolerance:  # a forecast, no breach yet
            out.append(make("R213", sheet=form.sheet, cell=row.cells.get("forecast"), row=row.row,
                            value=money(forecast), subtotal=money(subtotal)))
        if forecast is not None and spent is not None and forecast < spent - tolerance:
            out.append(make("R214", sheet=form.sheet, cell=row.cells.get("forecast"), row=row.row,
                            forecast=money(forecast), spent=money(spent)))
    return out


def _issued_over(row: FundingRow, tolerance: float) -> bool:
    """下达数 above 本年预算 (R203); not where 本年预算 is partly unknown (a source's 小计 typed alone), which leaves
    no rate."""
    return (row.issued is not None and bool(row.current) and row.issue_rate is not None
            and row.issued > row.current + tolerance)


def _excess_told_by_sources(form: Form, total: FundingRow, tolerance: float) -> bool:
    """资金总额's 下达数 above its 本年预算 only by what its sources' own R203 already say: the same mistake said
    again, at a cell the template sums. Said where the total is not its sources' sum, or exceeds by more (a source
    issued money with no budget, which has no R203 of its own)."""
    if total.row != L.TOTAL_ROW:
        return False
    sources = [r for r in form.funding if r.block == total.block and r is not total]
    issued, current = add(*(r.issued for r in sources)), add(*(r.current for r in sources))
    if issued is None or current is None or abs(total.issued - issued) > tolerance + EPS \
            or abs(total.current - current) > tolerance + EPS:
        return False
    told = sum(r.issued - r.current for r in sources if _issued_over(r, tolerance))
    return told > 0 and total.issued - total.current <= told + tolerance + EPS


_SAME_UNITS = {"百分比": "%", "百分之": "%", "％": "%", "m2": "平方米", "m3": "立方米"}


def _unit_key(unit: str | None) -> str:
    key = label_key(unit or "")
    return _SAME_UNITS.get(key, key)


def other_unit(ind: Indicator, field: str) -> bool:
    """A number of a quantitative target in another unit than the target's (R209): 20天 against 12月底前完成."""
    unit = ind.units.get(field)
    return bool(is_quantitative(ind) and ind.unit and unit and _unit_key(unit) != _unit_key(ind.unit))


def completion_kinds(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ind in form.indicators:
        for field, zh in (("actual", "1-XX月完成情况"), ("forecast", "全年预计完成情况")):
            value = getattr(ind, field)
            cell = ind.cells.get(field)
            if value is None or deadline(ind.target) is not None:  # a deadline's forecast is R216's, if anything
                continue
            if is_quantitative(ind) and isinstance(value, str):
                out.append(make("R207", sheet=form.sheet, cell=cell, name=ind.level3, target=target_shown(ind),
                                field=L.with_months(zh, form.months), value=value, example=_example(ind)))
            elif ind.operator == "qualitative" and isinstance(value, float) and not counts_none(ind, field):
                out.append(make("R208", sheet=form.sheet, cell=cell, name=ind.level3, target=ind.target,
                                field=L.with_months(zh, form.months), value=plain_number(value)))
            elif other_unit(ind, field):
                out.append(make("R209", sheet=form.sheet, cell=cell, name=ind.level3,
                                field=L.with_months(zh, form.months), target_unit=ind.unit,
                                unit=ind.units.get(field)))
    return out


def _example(ind: Indicator) -> str:
    return f"{plain_number(ind.target_value)}{ind.unit or ''}" if ind.target_value is not None else "数值"

