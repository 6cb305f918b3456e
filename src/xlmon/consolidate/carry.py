"""A department's completed 部门整体, carried from its earlier summary into a new summary of its units.

A late or corrected unit file means a new summary. The 部门整体 the department completed in the earlier one
(its goal, its indicators, the amounts it typed, its name and code where it rewrote them) is its own work and
goes into the new one; what it left as xlmon pre-filled it is pre-filled again from the units' latest forms.
Within one year but for another period, only what does not change with the months goes over: the goal and
the indicators with their targets; completion, reasons, likelihoods and typed amounts belong to the earlier
months. What the department wrote below the form (填报人, 联系电话, 填报日期) goes below the new one, for another
period without the date it was filled in on; anything else it wrote outside the form's cells cannot be placed
and is named (K013), never dropped without a word.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import layout as L
from ..calc import only_subtotal
from ..diagnostics import make
from ..form_plan import INDICATOR_COLS, letter, plan_form, ref
from ..grid import address, parse_address, value as grid_value
from ..models import Indicator
from ..sheetnames import SUMMARY_SHEETS
from ..text import clean_text, label_key
from .edits import kept, same_amount, typed
from .extract import Completed, NotCompleted
from .records import AMOUNTS, EARLIER_WAYS, FormRecord, overall_sums

SHEET = SUMMARY_SHEETS[6]
EVERY_PERIOD = ("level3", "target", "remark")  # an indicator's cells that hold in any month of the year
THIS_PERIOD = ("actual", "forecast", "reason")  # and those that hold for the months they were filled for
# how the note xlmon writes below a summary's 部门整体 begins (workbook._department_form_note): not the department's
OWN_NOTES = ("说明：本表金额由 xlmon 根据", "说明：各单位均未报送部门整体支出绩效运行监控表", "说明：本表金额未预填")
LISTED = 10  # K013 names this many cells, and counts the rest


@dataclass
class Carried:
    """What the new summary's 部门整体 takes from the department's earlier one: its indicator groups, and
    values by cell (the rest is pre-filled as usual)."""

    source: str
    hierarchy: str | dict[str, tuple[str, ...]]
    counts: dict[tuple[str, str], int]
    values: dict[str, object] = field(default_factory=dict)
    goal: bool = False
    department: bool = False  # 主管部门（单位）及代码 as the department wrote it, not as its units name it
    indicators: int = 0
    amounts: int = 0  # amounts the department typed, kept
    below: int = 0  # cells the department wrote below the form (填报人…), placed below the new one
    diagnostics: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"from": self.source, "goal": self.goal, "department": self.department, "indicators": self.indicators,
                "amounts": self.amounts, "below": self.below}


def form_period(year: int | None, months: int | None) -> tuple[int, int]:
    """The period a summary's 部门整体 is laid out for: the summary's, or this year's 1-6月 when unknown."""
    return year or datetime.date.today().year, months or 6


def carry(done: Completed, overall: list[FormRecord], year: int | None, months: int | None,
          output: str, levels: dict[str, tuple[str, ...]] | None = None) -> Carried:
    """The new 部门整体's cells from the completed one. NotCompleted when it is of another year. `levels`: the
    profile's indicator hierarchy, which the summary laid the form out by and which places its indicators first."""
    year, months = form_period(year, months)
    old = done.form
    name = Path(done.path).name
    if old.year is not None and old.year != year:
        raise NotCompleted(f"“{name}”是 {L.period(old.year, old.months)} 的汇总，与本次汇总（{L.period(year, months)}）"
                           "不是同一年度，其部门整体表未带入")
    same_period = old.months == months
    hierarchy, placed, left = _placed(old.indicators, levels)
    counts = Counter((level1, level2) for level1, level2, _ in placed)
    groups = {pair: max(counts.get(pair, 0), 1) for pair in _pairs(hierarchy)}  # a group left empty keeps a row
    plan = plan_form("department", year=year, months=months, hierarchy=hierarchy, indicator_counts=groups)
    layout = plan.layout
    out = Carried(done.path, hierarchy, groups)

    goal = _raw(done, old.cells.get("goal")) if old.goal else None
    if goal is not None:
        out.values[layout.header["goal"]] = goal
        out.goal = True
    department = _raw(done, old.cells.get("department")) if old.department else None
    if department is not None and label_key(str(department)) != label_key(done.department):
        out.values[layout.header["department"]] = department
        out.department = True
    rows: dict[tuple[str, str], list[int]] = {}
    for level1, level2, r in layout.indicator_rows:
        rows.setdefault((level1, level2), []).append(r)
    fields = EVERY_PERIOD + (THIS_PERIOD if same_period else ())
    for level1, level2, ind in placed:
        r = rows[(level1, level2)].pop(0)
        for f in fields:
            value = _raw(done, ind.cells.get(f))
            if value is not None:
                out.values[f"{letter(INDICATOR_COLS[f])}{r}"] = value
        for mark in ind.marks if same_period else ():
            out.values[f"{letter(INDICATOR_COLS[mark])}{r}"] = L.TICK
        out.indicators += 1
    out.diagnostics += [make("K009", file=done.path, sheet=old.sheet, cell=ind.cells.get("level3"),
                             indicator=ind.level3 or ind.target, level1=ind.level1 or "（空）",
                             level2=ind.level2 or "（空）").model_dump() for ind in left]
    if same_period:
        _amounts(done, overall, layout.funding, out, output)
    below, elsewhere = _outside_form(done, year, months, levels)
    dated = 0
    if not same_period:  # the date the earlier form was filled in is not this period's: its label stays
        undated = [(offset, c, _undated(value)) for offset, c, value in below]
        dated = sum(new != value for (_, _, value), (_, _, new) in zip(below, undated))
        below = [(offset, c, value) for offset, c, value in undated if value is not None]
    end = plan.print_setup.print_area.bottom  # the form's last note, 1-based
    for offset, c, value in below:
        out.values[ref(end + offset, c + 1)] = value
    out.below = len(below)
    if elsewhere:
        shown = "、".join(f"{cell}“{value}”" for cell, value in elsewhere[:LISTED])
        more = f" 等 {len(elsewhere)} 处" if len(elsewhere) > LISTED else ""
        out.diagnostics.append(make("K013", file=done.path, sheet=old.sheet, cell=elsewhere[0][0],
                                    count=len(elsewhere), cells=shown + more).model_dump())

    what = "、".join(filter(None, ("年度绩效目标" if out.goal else "", "主管部门（单位）及代码" if out.department else "",
                                   f"{out.indicators} 个绩效指标" if out.indicators else "",
                                   f"{out.amounts} 个部门填写的金额" if out.amounts else "",
                                   f"表格下方填写的 {out.below} 处内容" if out.below else ""))) or "部门填写的内容"
    stale = "" if same_period else (f"；该表填写的是 {L.period(old.year or year, old.months)}，指标完成情况、偏差原因、"
                                    f"完成目标可能性{'、部门填写的金额和填报日期' if dated else '和部门填写的金额'}未带入，"
                                    f"请按 {L.period(year, months)} 填写")
    out.diagnostics.insert(0, make("K007", file=done.path, sheet=old.sheet, output=Path(output).name, what=what,
                                   stale=stale).model_dump())
    return out


def _amounts(done: Completed, overall: list[FormRecord], funding: dict[tuple[str, str], dict[str, str]],
             out: Carried, output: str) -> None:
    """An amount the department typed (other than the earlier pre-fill) is kept; one it left is pre-filled
    again. A kept one whose units' sum has changed since is pointed out (K008)."""
    typed = {(row.block, row.row): row for row in done.form.funding if row.row != L.TOTAL_ROW}
    for (block, label), cells in funding.items():
        row = typed.get((block, label))
        if row is None:
            continue
        if only_subtotal(done.form, row) and "subtotal" in cells:  # the department's 小计 alone (R215): its budget, kept
            out.values[cells["subtotal"]] = _raw(done, row.cells.get("subtotal"))
            out.amounts += 1
        before = overall_sums(done.units, block, label) or [None] * len(AMOUNTS)
        now = overall_sums(overall, block, label) or [None] * len(AMOUNTS)
        # a row as an earlier summary pre-filled it, whole: not one the department typed a total into, part by part
        earlier = (overall_sums(done.units, block, label, *way) or [None] * len(AMOUNTS) for way in EARLIER_WAYS)
        as_once = any(sums != before and all(same_amount(row.typed.get(f), v) for f, v in zip(AMOUNTS, sums))
                      for sums in earlier)
        for f, was, sum_now in zip(AMOUNTS, before, now):
            if f not in row.unreadable and (same_amount(row.typed.get(f), was) or as_once):
                continue
            value = _raw(done, row.cells.get(f))
            out.values[cells[f]] = value
            out.amounts += 1
            if not same_amount(sum_now, was):
                out.diagnostics.append(make(
                    "K008", file=output, sheet=SHEET, cell=cells[f], field=f"{label}·{L.FIELD_LABELS[f]}",
                    kept=_shown(value), before=_shown(was), now=_shown(sum_now)).model_dump())


def _placed(indicators: list[Indicator], levels: dict[str, tuple[str, ...]] | None = None
            ) -> tuple[str | dict[str, tuple[str, ...]], list[tuple[str, str, Indicator]], list[Indicator]]:
    """The hierarchy that places most of the indicators, of the profile's (first: the one its summary laid the
    form out by, a city's own too) and the official ones (seed004's first); the indicators it places with their
    group as it names it, and those it cannot place."""
    own = next((name for name, hierarchy in L.HIERARCHIES.items() if hierarchy == levels), levels)  # or a city's
    candidates = [*([(own, levels)] if levels else []), *((n, h) for n, h in L.HIERARCHIES.items() if n != own)]
    best: tuple[str | dict, list, list] | None = None
    for name, hierarchy in candidates:
        groups = {(label_key(l1), label_key(l2)): (l1, l2) for l1, names in hierarchy.items() for l2 in names}
        placed, left = [], []
        for ind in indicators:
            pair = groups.get((label_key(ind.level1), label_key(ind.level2)))
            if pair:
                placed.append((*pair, ind))
            else:
                left.append(ind)
        if best is None or len(placed) > len(best[1]):
            best = (name, placed, left)
    return best


def _outside_form(done: Completed, year: int, months: int, levels: dict[str, tuple[str, ...]] | None = None
                  ) -> tuple[list[tuple[int, int, object]], list[tuple[str, object]]]:
    """What the department wrote in its 部门整体 outside every cell the form reads and every label it prints:
    below the form's last note as (rows below it, column, value), to go below the new form; elsewhere (beside
    the form, or a label it rewrote) as (cell, value), which has no place in the new form."""
    form = done.form
    taken = {*form.cells.values(), *(c for row in form.funding for c in row.cells.values()),
             *(c for ind in form.indicators for c in ind.cells.values())}
    labels = _form_texts(form.year or year, form.months or months) | {
        label_key(name) for level1, names in (levels or {}).items() for name in (level1, *names)}
    last_note = label_key(L.FOOTNOTES[-1])
    end = next((r for r, line in enumerate(done.grid) if any(label_key(v) == last_note for v in line)), None)
    below, elsewhere = [], []
    for r, line in enumerate(done.grid):
        for c, value in enumerate(line):
            if value is None or value == "" or address(r, c) in taken:
                continue
            if isinstance(value, str) and (label_key(value) in labels or value.startswith(OWN_NOTES)):
                continue
            value = kept(value)  # 填报日期 as a date
            if value is None:
                continue
            if end is not None and r > end:
                below.append((r - end, c, value))
            else:
                elsewhere.append((address(r, c), value))
    return below, elsewhere


# a date as departments write one below a form: 2026-07-05 (a date cell, as _outside_form reads it), 2026年7月5日,
# 2026/7/5, 2026.7.5
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?")


def _undated(value: object) -> object:
    """A value from below the form without the date in it (填报日期：2026年7月5日 keeps 填报日期：); None when nothing
    else is left."""
    if not isinstance(value, str) or not _DATE.search(value):
        return value
    return clean_text(_DATE.sub("", value))


@lru_cache(maxsize=8)
def _form_texts(year: int, months: int) -> frozenset[str]:
    """Every label a 部门整体 form of the period prints (titles, headers, groups of either hierarchy, notes)."""
    texts: set[str] = set()
    for hierarchy in L.HIERARCHIES:
        cells = plan_form("department", year=year, months=months, hierarchy=hierarchy).final_cells().values()
        texts |= {label_key(cell.value) for cell in cells if isinstance(cell.value, str)}
    return frozenset(texts - {""})


def _pairs(hierarchy: str | dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    levels = L.HIERARCHIES[hierarchy] if isinstance(hierarchy, str) else hierarchy
    return [(l1, l2) for l1, names in levels.items() for l2 in names]


def _raw(done: Completed, cell: str | None) -> object:
    """What the department typed in a cell of its form: a number as a number, anything else as text."""
    if not cell:
        return None
    return typed(grid_value(done.grid, *parse_address(cell)))


def _shown(value: object) -> str:
    if value is None or value == "":
        return "空"
    return f"{value:,.2f} 万元" if isinstance(value, (int, float)) else f"“{value}”"  # 附件3's amounts are in 万元
