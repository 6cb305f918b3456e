"""K019: a form whose amounts look typed in 元, a hundred times the other units' forms of its kind."""

from __future__ import annotations

import statistics

from ..calc import fmt_amount
from ..diagnostics import make
from ..profile import Profile
from ..text import plain_number
from .names import Units, unit_or_file
from .records import FormRecord, duplicate_form


def apart_findings(records: list[FormRecord], units: Units, profile: Profile, said: list[dict]) -> list[dict]:
    """K019: a form whose largest amount is a hundred times the median of other units' forms of its kind, and
    large, but under what R210 says of a form alone: typed in 元 (a 5 万元 project reads 5 亿元), it would outweigh
    the whole department in the totals. Compared with other units' forms only, so that a unit that typed all its
    forms in 元 does not hide itself; not said again of a form a summary read already said it of, which one level
    up is compared again, with every department's forms (a department all of whose units typed in 元)."""
    rules = profile.amounts
    limit = rules.department_max if records and records[0].kind == "department" else rules.project_max
    suspects = [r for r in records if r.largest and rules.apart_floor <= r.largest[0] < limit]
    if not suspects:
        return []
    already = apart_forms(said)
    unit_of = {id(r): unit_or_file(r, units) for r in records if r.largest}
    found = []
    for r in suspects:
        if apart_place(r) in already:
            continue
        others = [o.largest[0] for o in records if o.largest and unit_of[id(o)] != unit_of[id(r)]]
        if len(others) < 3:
            continue
        median = float(statistics.median(others))
        value, column, cell = float(r.largest[0]), *r.largest[1:]
        if median > 0 and value >= rules.apart_times * median:
            found.append(make("K019", file=apart_place(r)[0], sheet=r.sheet, cell=cell, form=duplicate_form(r),
                              field=column, value=fmt_amount(value), yi=plain_number(round(value / 10_000, 2)),
                              kind="个项目" if r.kind == "project" else "张部门整体表", count=len(others),
                              median=fmt_amount(median), times=f"{value / median:.0f}").model_dump())
    return found




def apart_forms(diagnostics: list[dict]) -> set[tuple]:
    """The places (apart_place) of the forms K019 suspects typed in 元."""
    return {(d.get("file"), d.get("sheet")) for d in diagnostics if d.get("code") == "K019"}


def apart_place(record: FormRecord) -> tuple:
    """Where K019 names a form: the file it was read from first, and its sheet."""
    return record.source or record.file, record.sheet
