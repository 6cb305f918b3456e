"""Every check a 财政 reviewer makes, as rules over a read, calculated and graded Form.

Each rule is a function (form, profile) -> diagnostics; all rules run and all findings are kept.
"""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import Diagnostic
from ..models import Form
from ..profile import Profile
from . import footnotes, grades, numbers, structure

Rule = Callable[[Form, Profile], list[Diagnostic]]

RULES: tuple[Rule, ...] = (
    structure.header_fields, structure.hierarchy, structure.level3_rows, structure.goal_review,
    numbers.negative_amounts, numbers.amounts_in_yuan, numbers.sources_split, numbers.blocks_agree,
    numbers.execution, numbers.completion_kinds,
    footnotes.deviation_reasons, footnotes.likelihood_marks, footnotes.impossible_measures, footnotes.sure_but_red,
    grades.grade_findings,
)


def run_rules(form: Form, profile: Profile) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for rule in RULES:
        found += rule(form, profile)
    return found
