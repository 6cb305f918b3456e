"""Grades as findings, so the text report names every red and yellow row and indicator."""

from __future__ import annotations

from ..calc import fmt_rate
from ..diagnostics import Diagnostic, make
from ..grading import (comparable, deadline, deadline_begins, deadline_count, deadline_grade,
                       indicator_grades, is_percent, target_shown, words_grade)
from ..marks import GRADE_ZH
from ..models import Form, Indicator
from ..profile import Profile
from ..text import plain_number


def _shown(ind: Indicator) -> tuple[str, str]:
    """Target and forecast as graded: 0.8 from a %-formatted cell (Excel shows 80%) is 80%, as comparable reads it;
    the target as 指标偏差 quotes it (target_shown: ≥ | 40 | 所 is ≥40所, not 40)."""
    value, target = ind.forecast, target_shown(ind) or "未填"
    if value is None:
        return target, "未填"
    if not isinstance(value, float):
        return target, str(value)
    unit = ind.units.get("forecast") or ind.unit
    if not is_percent(unit):
        return target, f"{plain_number(value)}{unit or ''}"
    value, _ = comparable(value, ind)
    return target, f"{plain_number(value)}{unit}"


def _unsaid(ind: Indicator, year: int | None, profile: Profile) -> bool:
    """A forecast in words no level fits (R211)."""
    value = ind.forecast
    return (value is not None and ind.operator == "qualitative" and isinstance(value, str)
            and words_grade(value, ind, profile, year) is None)


def _graded(ind: Indicator) -> str:
    """What R211 and R216 say of the grade of a forecast whose words no level fits: none, or only that of the
    likelihood ticked (完全不可能 red, 有可能 yellow), which G201/G202 state beside it; not 无法判断红黄绿 then."""
    if ind.grade is None:
        return "无法判断红黄绿，偏差可能因此漏报"
    colour = f"{GRADE_ZH[ind.grade]}灯"
    said = f"只能按完成目标可能性“{ind.likelihood}”评为{colour}" if ind.likelihood else f"暂评为{colour}"
    return said if ind.grade == "red" else f"{said}，实际偏差可能更大"


def _unplaced(ind: Indicator, form: Form, profile: Profile) -> Diagnostic | None:
    """A forecast against a date to finish by (12月31日前完成) that its date and words cannot place: 截至6月30日尚未开工,
    6月已完成招标, 6月起停工, 0, 20天, 2026.13, or 2 against 年内完成培训三次 (two, or February). R216 asks for the
    date (or the count), where a number's findings (R207 to R209) would read the deadline's 月底前完成 as a unit;
    2026年12月 or 2026.12 is placed, and no finding."""
    value = ind.forecast
    if value is None or deadline_grade(ind, "forecast", form.year, profile, form.months) is not None:
        return None
    count = deadline_count(ind.target)
    done = deadline_begins(ind.target) or "完成"  # 9月30日前开工 asks when work begins
    examples = [f"预计11月{done}", *([count[0]] if count else [f"已于5月{done}", f"预计2027年3月{done}"])]
    return make("R216", sheet=form.sheet, cell=ind.cells.get("forecast"), name=ind.level3, target=target_shown(ind),
                value=value if isinstance(value, str) else f"{plain_number(value)}{ind.units.get('forecast') or ''}",
                done=done, graded=_graded(ind), what=f"预计{done}的时间或数量" if count else f"预计{done}的时间",
                example="".join(f"“{e}”" for e in examples if e))


def _why(ind: Indicator, form: Form, profile: Profile) -> str:
    """What made an indicator yellow or red where its full-year forecast alone does not: the 完成目标可能性 ticked
    (预计达成, 有可能 ticked), or the quantity done so far behind 时间进度. Empty where the forecast does."""
    forecast, pace, likelihood = indicator_grades(ind, form.time_progress, profile, form.year, form.months)
    if forecast == ind.grade or ind.grade is None:
        return ""
    said = []
    if pace == ind.grade:
        done = f"{plain_number(comparable(ind.actual, ind, 'actual')[0])}{ind.units.get('actual') or ind.unit or ''}"
        said.append(f"截至本期完成 {done}，慢于时间进度 {fmt_rate(form.time_progress)}")
    if likelihood == ind.grade:
        said.append(f"完成目标可能性为“{ind.likelihood}”")
    return f"但{'，且'.join(said)}，故" if said else ""


def grade_findings(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for row in form.funding:
        if row.grade in ("yellow", "red") and row.gap is not None:
            out.append(make("G101" if row.grade == "red" else "G102", sheet=form.sheet,
                            cell=row.cells.get("spend_progress"), row=row.row, progress=fmt_rate(row.spend_progress),
                            time=fmt_rate(form.time_progress), gap=f"{row.gap * 100:.2f}"))
    for ind in form.indicators:
        if ind.level3 and deadline(ind.target) is not None:
            out += [found] if (found := _unplaced(ind, form, profile)) else []
        elif ind.level3 and _unsaid(ind, form.year, profile):
            value = ind.forecast if isinstance(ind.forecast, str) else \
                f"{plain_number(ind.forecast)}{ind.units.get('forecast') or ''}"  # as typed: 2026.1, not 2026.1月底
            out.append(make("R211", sheet=form.sheet, cell=ind.cells.get("forecast"), name=ind.level3, value=value,
                            graded=_graded(ind)))
        if ind.grade in ("yellow", "red") and ind.level3:
            target, forecast = _shown(ind)
            out.append(make("G201" if ind.grade == "red" else "G202", sheet=form.sheet,
                            cell=ind.cells.get("forecast") or ind.cells.get("level3"), name=ind.level3,
                            target=target, forecast=forecast, why=_why(ind, form, profile)))
    return out
