"""What a monitoring form holds; every value keeps the cell it came from.

Plain slotted dataclasses, not pydantic models: only xlmon's reader makes them, from values it has already
parsed, and pydantic's validation and attribute hooks cost 7 % of reading a file for nothing (pydantic stays
where outside data comes in: the rule profile, diagnostics, server payloads).

``typed`` keeps what the form said; the plain fields hold what xlmon computed (see calc.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .text import wan_scale

Block = Literal["source", "spending"]
Kind = Literal["project", "department"]
Likelihood = Literal["确定能", "有可能", "完全不可能"]
Operator = Literal[">=", ">", "=", "<", "<=", "qualitative"]
Grade = Literal["green", "yellow", "red"]


@dataclass(slots=True, kw_only=True)
class FundingRow:
    block: Block
    row: str
    carryover: float | None = None
    current: float | None = None
    subtotal: float | None = None
    issued: float | None = None
    issue_rate: float | None = None
    spent: float | None = None
    spend_progress: float | None = None
    forecast: float | None = None
    gap: float | None = None
    grade: Grade | None = None
    typed: dict[str, float | None] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)  # fields whose cell held text, not a number
    errors: dict[str, str] = field(default_factory=dict)  # fields whose cell shows a formula error (#REF! …)
    text: dict[str, str] = field(default_factory=dict)  # amounts read from a text ("100"), which Excel's SUM skips
    cells: dict[str, str] = field(default_factory=dict)
    row_number: int = 0


@dataclass(slots=True, kw_only=True)
class Indicator:
    level1: str = ""
    level2: str = ""
    level3: str = ""
    target: str = ""
    operator: Operator | None = None
    target_value: float | None = None
    unit: str | None = None
    actual: str | float | None = None
    forecast: str | float | None = None
    units: dict[str, str | None] = field(default_factory=dict)  # unit typed with actual / forecast
    reason: str | None = None
    remark: str | None = None
    likelihood: Likelihood | None = None
    marks: list[Likelihood] = field(default_factory=list)
    grade: Grade | None = None
    row: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # target / actual / forecast showing a formula error
    # texts (level3, reason, likelihood …) and values (target, actual, forecast): formulas with no saved result
    unknown: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class Form:
    sheet: str
    kind: Kind
    title: str | None = None
    project: str | None = None
    department: str | None = None
    unit: str | None = None
    year: int | None = None
    months: int | None = None
    time_progress: float | None = None
    as_of_day: int | None = None  # the day a period stated to a date ends on: 15 of 截至2026年6月15日 (S106)
    amount_unit: str = "万元"  # the unit the form states its amounts are in (they are read in 万元)
    grade: Grade | None = None
    goal: str | None = None
    funding: list[FundingRow] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)
    unknown_texts: list[str] = field(default_factory=list)  # header fields and goal: formulas with no saved result
    # N007: amounts typed as text that the sums shown leave out (cell → the number), and the cells showing such sums
    text_amounts: dict[str, float] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)
    # (first row, row after the last), 0-based, of a form stacked with others on its sheet; None for a form alone
    place: tuple[int, int] | None = None

    @property
    def amount_scale(self) -> float:
        """What an amount in 万元 is multiplied by to be in the form's unit (10000: 元)."""
        return wan_scale(self.amount_unit)

    def total(self, block: Block = "source") -> FundingRow | None:
        return next((r for r in self.funding if r.block == block and r.row == "资金总额"), None)
