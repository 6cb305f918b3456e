"""Grades as findings, so the text report names every red and yellow row and indicator."""

from __future__ import annotations

from ..calc import fmt_rate
from ..diagnostics import Diagnostic, make
from ..grading import comparable, qualitative_grade
from ..models import Form, Indicator
from ..profile import Profile
from ..text import plain_number


def _shown(value, unit: str | None, ind: Indicator) -> str:
    """A completion as graded: 0.8 from a %-formatted cell (Excel shows 80%) is 80%, as comparable reads it."""
    if value is None:
        return "未填"
    if not isinstance(value, float):
        return str(value)
    shown = comparable(value, ind) if unit and "%" in unit else value
    return f"{plain_number(shown)}{unit or ''}"


def grade_findings(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for row in form.funding:
        if row.grade in ("yellow", "red") and row.gap is not None:
            out.append(make("G101" if row.grade == "red" else "G102", sheet=form.sheet,
                            cell=row.cells.get("spend_progress"), row=row.row, progress=fmt_rate(row.spend_progress),
                            time=fmt_rate(form.time_progress), gap=f"{row.gap * 100:.2f}"))
    for ind in form.indicators:
        if ind.operator == "qualitative" and isinstance(ind.forecast, str) and ind.level3 \
                and qualitative_grade(ind.forecast, ind, profile) is None:
            out.append(make("R211", sheet=form.sheet, cell=ind.cells.get("forecast"), name=ind.level3,
                            value=ind.forecast))
        if ind.grade in ("yellow", "red") and ind.level3:
            out.append(make("G201" if ind.grade == "red" else "G202", sheet=form.sheet,
                            cell=ind.cells.get("forecast") or ind.cells.get("level3"), name=ind.level3,
                            target=ind.target or "未填", forecast=_shown(ind.forecast, ind.units.get("forecast") or ind.unit, ind)))
    return out
