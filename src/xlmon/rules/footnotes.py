"""The form's own footnotes as rules (seed 004 附件2/3): reasons, one mark, measures for 完全不可能."""

from __future__ import annotations

from ..diagnostics import Diagnostic, make
from ..marks import GRADE_ZH
from ..models import Form
from ..profile import Profile


def deviation_reasons(form: Form, profile: Profile) -> list[Diagnostic]:
    return [make("R301", sheet=form.sheet, cell=ind.cells.get("reason") or ind.cells.get("level3"),
                 name=ind.level3, grade_zh=GRADE_ZH[ind.grade])
            for ind in form.indicators
            if ind.grade in ("yellow", "red") and not ind.reason and ind.level3 and "reason" not in ind.unknown]


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
            for ind in form.indicators if ind.likelihood == "完全不可能" and not ind.remark and "remark" not in ind.unknown]
