"""Structure rules: header fields, the indicator hierarchy, 三级 rows, goal-review thresholds (seed 001)."""

from __future__ import annotations

from ..diagnostics import Diagnostic, make
from ..grading import deadline, is_quantitative
from ..models import Form, Indicator
from ..profile import Profile
from ..text import label_key

FIELD_ZH = {"project": "项目名称", "department": "主管部门及代码", "unit": "预算单位"}


def header_fields(form: Form, profile: Profile) -> list[Diagnostic]:
    required = profile.required_project_fields if form.kind == "project" else profile.required_department_fields
    label = {**FIELD_ZH, "department": "主管部门（单位）及代码" if form.kind == "department" else FIELD_ZH["department"]}
    return [make("R105", sheet=form.sheet, cell=form.cells.get(f) or form.cells.get("title"), field=label[f])
            for f in required if not getattr(form, f) and f not in form.unknown_texts]


def hierarchy(form: Form, profile: Profile) -> list[Diagnostic]:
    levels = profile.levels()
    by_key = {label_key(k): k for k in levels}
    out: list[Diagnostic] = []
    said: set[tuple[str, str | None]] = set()  # a level merged down several indicators is one slip, at its cell
    for ind in form.indicators:
        if "level1" in ind.unknown:  # N006: a formula with no saved result
            continue
        level1 = by_key.get(label_key(ind.level1))
        if level1 is None:
            if ("R101", ind.cells.get("level1")) not in said:
                said.add(("R101", ind.cells.get("level1")))
                out.append(make("R101", sheet=form.sheet, cell=ind.cells.get("level1"),
                                value=ind.level1 or "（空）", allowed="、".join(levels)))
            continue
        allowed = levels[level1]
        if ("level2" not in ind.unknown and label_key(ind.level2) not in {label_key(x) for x in allowed}
                and ("R102", ind.cells.get("level2")) not in said):
            said.add(("R102", ind.cells.get("level2")))
            out.append(make("R102", sheet=form.sheet, cell=ind.cells.get("level2"), value=ind.level2 or "（空）",
                            level1=level1, allowed="、".join(allowed)))
    return out


def level3_rows(form: Form, profile: Profile) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for ind in form.indicators:
        if "level3" in ind.unknown:  # N006: its name is not known, so neither is what else it lacks
            continue
        if not ind.level3:
            out.append(make("R103", sheet=form.sheet, cell=ind.cells.get("level3"), row=ind.row))
        elif not ind.target and "target" not in ind.errors and "target" not in ind.unknown:  # N005, S122, N006
            out.append(make("R104", sheet=form.sheet, cell=ind.cells.get("target"), name=ind.level3))
        elif (ind.forecast is None and "forecast" in ind.cells and "forecast" not in ind.errors
              and "forecast" not in ind.unknown):  # N005, N006
            out.append(make("R106", sheet=form.sheet, cell=ind.cells["forecast"], name=ind.level3))
    return out


def _quantified(ind: Indicator) -> bool:
    """A number to reach, or a date to finish by (时效指标: 12月底前完成 and 2026年12月31日前完成 alike)."""
    return is_quantitative(ind) or deadline(ind.target) is not None


def goal_review(form: Form, profile: Profile) -> list[Diagnostic]:
    rules = profile.goal_review
    named = [i for i in form.indicators if i.level3 or "level3" in i.unknown]
    cell = form.cells.get("indicators")
    out: list[Diagnostic] = []
    quantified = sum(_quantified(i) for i in named)
    share = quantified / len(named) if named else 1.0  # none at all: the counts below say so
    if share < rules.min_quantified_share - 1e-9 and not any("target" in i.unknown for i in named):  # S122
        out.append(make("R111", sheet=form.sheet, cell=cell, share=f"{share:.0%}", quantified=quantified,
                        total=len(named), minimum=f"{rules.min_quantified_share:.0%}"))
    counts = (
        ("R112", len({label_key(i.level1) for i in named if i.level1}), rules.min_level1),
        ("R113", len({(label_key(i.level1), label_key(i.level2)) for i in named if i.level2}), rules.min_level2),
        ("R114", len(named), rules.min_level3),
    )
    unknown = {f for i in named for f in i.unknown}  # a level that a formula with no result names may be one more
    moot = {"R112": "level1" in unknown, "R113": bool(unknown & {"level1", "level2"})}
    for code, count, minimum in counts:
        if count < minimum and not moot.get(code):
            out.append(make(code, sheet=form.sheet, cell=cell, count=count, minimum=minimum))
    return out
