"""Which period a summary is of, and what becomes of forms of other periods: an earlier month kept beside
the current one (K018), or a form to fill in again (K001)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..diagnostics import make
from ..text import label_key, nfkc
from .names import Units, unit_key, unit_or_file
from .records import PROJECT_CODE, FormRecord, came_from, form_name


def majority_period(records: list[FormRecord], ids: Units | None = None) -> tuple[int | None, int | None]:
    """The period most units report: a unit counts once, for the latest period of its forms, however many it sent
    (its earlier months, a yearly workbook's sheets or last month's files left in the folder, are copies kept,
    K018: six units of ten having sent 1-6月 into the folder holding everyone's 1-5月 is a 1-6月 summary); forms
    naming no unit count by file. A form that states no year (S103) counts for every year of its months, as it
    joins whichever is chosen. ids: Units of the records, where made already."""
    ids = ids if ids is not None else Units(records)
    latest: dict[object, tuple[int | None, int]] = {}
    for r in records:
        if r.months is not None:
            who = key if (key := ids.of(r))[0] else r.file
            if who not in latest or (r.year or 0, r.months) > (latest[who][0] or 0, latest[who][1]):
                latest[who] = (r.year, r.months)
    units = {(who, year, months) for who, (year, months) in latest.items()}
    if not units:
        return None, None
    unread = Counter(m for _, y, m in units if y is None)
    periods = Counter((y, m) for _, y, m in units if y is not None)
    votes = {p: n + unread[p[1]] for p, n in periods.items()}
    votes.update({(None, m): n for m, n in unread.items() if not any(p[1] == m for p in periods)})
    best = max(votes.values())
    # a tie goes to the later period
    return max((p for p, n in votes.items() if n == best), key=lambda p: (p[0] or 0, p[1]))


def in_period(record: FormRecord, year: int | None, months: int | None) -> bool:
    return record.months == months and (record.year is None or record.year == year)


def sheet_of_month(record: FormRecord) -> tuple:
    """What tells a unit's form in its file from month to month: an earlier month's sheet of a form the file also
    holds for the summary's period is a copy kept, not a form to file again (K018, not K001)."""
    return record.file, record.source, record.kind, unit_key(record.unit or ""), uncoded(form_name(record) or "")


def form_of_month(record: FormRecord, units: Units) -> tuple:
    """What tells a unit's form from month to month across its files: last month's file of a form the unit has
    sent for the summary's period is a copy kept too (K018). Not of a form naming no unit."""
    return (unit_or_file(record, units), record.kind, uncoded(form_name(record) or record.sheet))


def uncoded(name: str) -> str:
    """A project's name without its code: a unit names a project with its code one month and without it another
    (same_project)."""
    return label_key(PROJECT_CODE.sub("", nfkc(name)))


def month_of(record: FormRecord, forms: list[FormRecord]) -> FormRecord | None:
    """Of the summary's period's forms found by an earlier form's names, the one it is an earlier month of: two
    codes are two projects, whatever their names (same_project)."""
    return next((r for r in forms if not (r.kind == "project" and r.code and record.code and r.code != record.code)),
                None)


def off_period_finding(record: FormRecord, found: str, majority: str, others_sent: bool = False) -> dict:
    """K001: a unit's form is to be filled in again for the majority's period; others_sent, of an earlier month's
    form of a unit that sent the majority's forms without it: the one form to add, unless it is no longer due (a
    project the unit no longer reports). A form read from a department's
    summary, whose units' forms the bureau does not have, is for the department to consolidate again; it is
    named as K002 names it, the summary having no sheet of the unit's. It keeps the form's unit, 主管部门 (of a
    project form) and period, which a summary carries up with it: one level up a roster's unit whose form its
    department left out is said to have sent one of another period (K003), as the department's own check says."""
    sent = dict(zip(("unit", "department", "period"), sent_form(record, found)))
    if not record.from_summary:
        redo = (f"按 {majority} 补报该表（该单位已报送 {majority} 的其他表，其中没有该表；如该表本期已不需填报，可忽略）"
                if others_sent else f"按 {majority} 重新填报")
        return make("K001", file=record.file, sheet=record.sheet, cell=record.period_cell, found=found,
                    majority=majority, form="该表", redo=redo).model_dump() | sent
    form = f"该汇总表中汇总自 {came_from(record)} 的{record.unit or '未填单位'}的“{form_name(record) or record.sheet}”"
    return make("K001", file=record.file, found=found, majority=majority, form=form,
                redo=f"部门按 {majority} 重新汇总后报送").model_dump() | sent


def sent_form(record: FormRecord, found: str) -> tuple[str | None, str | None, str]:
    """A form left out for its period as K001 keeps it: its unit, 主管部门 (of a project form) and period."""
    return record.unit, record.department if record.kind == "project" else None, found


def summary_off_period(forms: list[FormRecord], found: str, majority: str) -> dict:
    """K001 of the forms of one period of a department's summary: one finding, the department having one thing to
    do, consolidate again, however many forms it summed; it counts them and names their first units. It keeps each
    form as off_period_finding does (forms: unit, 主管部门, period), which left_forms reads, here and a level up."""
    if len(forms) == 1:
        return off_period_finding(forms[0], found, majority)
    written: dict[str, str] = {}  # one unit however its forms write it, as the first writes it
    for r in forms:
        written.setdefault(unit_key(r.unit or ""), r.unit or "未填单位")
    units = list(written.values())
    named = "、".join(units[:UNITS_NAMED]) + (f" 等 {len(units)} 个单位" if len(units) > UNITS_NAMED else "")
    return make("K001", file=forms[0].file, found=found, majority=majority,
                form=f"该汇总表中的 {len(forms)} 张表（{named}）", redo=f"部门按 {majority} 重新汇总后报送").model_dump() | {
        "unit": None, "department": None, "period": found, "forms": [sent_form(r, found) for r in forms]}


UNITS_NAMED = 5  # of a summary's forms of another period, the units its K001 names before 等


def left_forms(diagnostics: Iterable[dict]) -> list[tuple[str | None, str | None, str]]:
    """The forms left out for their period, of the K001s given: (unit, 主管部门, period) of each, of a form's K001
    or of each form a summary's counts (summary_off_period)."""
    return [tuple(form) for d in diagnostics if d.get("code") == "K001" and d.get("period")
            for form in d.get("forms") or [(d.get("unit"), d.get("department"), d["period"])]]


def sent_text(periods: str | None, majority: str, files: Iterable[str] = ()) -> str:
    """What a roster's unit missing from the summary sent: nothing, forms of another period (K001), or files that
    could not be taken (named: their reasons are given where the files left out are listed)."""
    if not periods:
        files = list(files)
        return f"报送的文件 {'、'.join(files)} 未能纳入汇总" if files else "没有报送监控表"
    return f"报送的监控表期间为 {periods}，与多数单位的 {majority} 不一致，未纳入汇总"


def left_out_reason(periods: set[str] | None, repeated: bool, majority: str, earlier: set[str] | None = None) -> str:
    """Why a file read well gave the summary nothing: its period, its forms all being others' duplicates, or
    earlier months of forms sent for the summary's period (K018); or more than one of these."""
    period = f"表内期间（{'、'.join(sorted(periods))}）与多数单位（{majority}）不一致" if periods else ""
    copies = "其中的项目都已从其他文件计入（重复报送，只计一次）" if repeated else ""
    kept = (f"其中是前期（{'、'.join(sorted(earlier))}）的表，本期的同一张表已另行报送（无需处理）" if earlier else "")
    return "；".join(filter(None, (period, copies, kept))) or f"没有可计入 {majority} 汇总的表"
