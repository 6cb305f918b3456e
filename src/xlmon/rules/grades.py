"""Grades as findings, so the text report names every red and yellow row and indicator."""

from __future__ import annotations

from ..calc import fmt_rate
from ..diagnostics import Diagnostic, make
from ..grading import answers_deadline, comparable, deadline, is_quantitative, names_date, words_grade
from ..models import Form, Indicator
from ..profile import Profile
from ..text import plain_number
from .numbers import other_unit


def _shown(ind: Indicator) -> tuple[str, str]:
    """Target and forecast as graded: 0.8 from a %-formatted cell (Excel shows 80%) is 80%, as comparable reads it."""
    value, target = ind.forecast, ind.target or "未填"
    if value is None:
        return target, "未填"
    if not isinstance(value, float):
        return target, str(value)
    unit = ind.units.get("forecast") or ind.unit
    if not (unit and "%" in unit):
        return target, f"{plain_number(value)}{unit or ''}"
    value, scaled = comparable(value, ind)
    if ind.target_value is not None and scaled != ind.target_value:
        target = f"{plain_number(scaled)}%"  # 0.05 of a %-formatted cell, shown 5%
    return target, f"{plain_number(value)}{unit}"


def _unsaid(ind: Indicator, year: int | None, profile: Profile) -> bool:
    """A forecast no grade reads and no other finding names: words no level fits; against a date to finish by
    (12月31日前完成), whatever its date and words cannot place (截至6月30日尚未开工, 0, 2026.13), unless it is text for a
    number (R207), a number against words (R208) or in another unit (R209, 20天 against 12月底前完成). 2026年12月 or
    2026.12 is placed, and no finding."""
    value = ind.forecast
    if value is None:
        return False
    if deadline(ind.target) is not None:
        said = (is_quantitative(ind) and isinstance(value, str)  # R207
                or ind.operator == "qualitative" and isinstance(value, float)  # R208, unless a date (8月, 2026.1)
                and not names_date(ind, "forecast")
                or isinstance(value, float) and other_unit(ind, "forecast"))  # R209
        return not said and not answers_deadline(ind, "forecast", profile, year)
    return ind.operator == "qualitative" and isinstance(value, str) and words_grade(value, ind, profile, year) is None


def grade_findings(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for row in form.funding:
        if row.grade in ("yellow", "red") and row.gap is not None:
            out.append(make("G101" if row.grade == "red" else "G102", sheet=form.sheet,
                            cell=row.cells.get("spend_progress"), row=row.row, progress=fmt_rate(row.spend_progress),
                            time=fmt_rate(form.time_progress), gap=f"{row.gap * 100:.2f}"))
    for ind in form.indicators:
        if ind.level3 and _unsaid(ind, form.year, profile):
            value = ind.forecast if isinstance(ind.forecast, str) else \
                f"{plain_number(ind.forecast)}{ind.units.get('forecast') or ''}"  # as typed: 2026.1, not 2026.1月底
            out.append(make("R211", sheet=form.sheet, cell=ind.cells.get("forecast"), name=ind.level3, value=value))
        if ind.grade in ("yellow", "red") and ind.level3:
            target, forecast = _shown(ind)
            out.append(make("G201" if ind.grade == "red" else "G202", sheet=form.sheet,
                            cell=ind.cells.get("forecast") or ind.cells.get("level3"), name=ind.level3,
                            target=target, forecast=forecast))
    return out
