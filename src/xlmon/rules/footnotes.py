"""The form's own footnotes as rules (seed 004 附件2/3): reasons, one mark, measures for 完全不可能."""

from __future__ import annotations

from dataclasses import replace

from ..diagnostics import Diagnostic, make
from ..grading import grade_indicator
from ..marks import GRADE_ZH
from ..models import Form
from ..profile import Profile
from ..text import clean_text, nfkc


# what stands in a cell for nothing said: 无, /, 暂无. An analysis or a measure it is not (footnotes 1 and 3).
_NOTHING = {"无", "没有", "暂无", "尚无", "/", "-", "--", "—", "——", "略", "不适用", "na", "n/a", "0"}


def said(text: str | None) -> bool:
    """Whether a reason or a measure says something."""
    return bool(text) and (clean_text(nfkc(text)) or "").strip("。.；;，, ").lower() not in _NOTHING | {""}


def deviation_reasons(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ind in form.indicators:
        if ind.grade in ("yellow", "red") and not said(ind.reason) and ind.level3 and "reason" not in ind.unknown:
            own = (grade_indicator(replace(ind, likelihood=None), form.time_progress, profile, form.year, form.months)
                   if ind.likelihood else None)
            why = ("偏离目标" if not ind.likelihood or own == ind.grade
                   else f"完成目标可能性判断为“{ind.likelihood}”")  # the forecast itself meets the target
            out.append(make("R301", sheet=form.sheet, cell=ind.cells.get("reason") or ind.cells.get("level3"),
                            name=ind.level3, grade_zh=GRADE_ZH[ind.grade], why=why))
    return out


def likelihood_marks(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ind in form.indicators:
        if not ind.level3 or len(ind.marks) == 1 or "likelihood" in ind.unknown:
            continue
        found = "未勾选" if not ind.marks else "勾选了" + "、".join(ind.marks)
        cell = ind.cells.get("likelihood_sure") or ind.cells.get("likelihood") or ind.cells.get("level3")
        out.append(make("R302", sheet=form.sheet, cell=cell, name=ind.level3, found=found))
    return out


def impossible_measures(form: Form, profile: Profile) -> list[Diagnostic]:
    return [make("R303", sheet=form.sheet, cell=ind.cells.get("remark") or ind.cells.get("level3"),
                 name=ind.level3)
            for ind in form.indicators
            if ind.likelihood == "完全不可能" and not said(ind.remark) and "remark" not in ind.unknown]


def sure_but_red(form: Form, profile: Profile) -> list[Diagnostic]:
    """确定能 ticked against a forecast that misses the target by far (red): one of the two is wrong, and the grade
    follows the forecast, so the reviewer is told which to check (footnote 2's three levels)."""
    return [make("R304", sheet=form.sheet, cell=ind.cells.get("likelihood_sure") or ind.cells.get("likelihood")
                 or ind.cells.get("level3"), name=ind.level3)
            for ind in form.indicators if ind.likelihood == "确定能" and ind.grade == "red" and ind.level3]
