"""What `check --annotate` and the add-in's 校验 put on a workbook, planned without touching it.

The core returns a MarkPlan (plain data); adapters apply it to a file (openpyxl) or to Excel
(xlwings). Grades colour the graded cells, diagnostics outline their cell and add a comment,
and a 校验结果 sheet lists every diagnostic with a link to its cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import SEVERITY_ZH, Diagnostic
from .models import Form
from .sheetnames import RESULTS_SHEET, STATE_SHEET  # noqa: F401  (re-exported for the adapters)

PALETTE = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}
FONT_PALETTE = {"red": "9C0006", "yellow": "9C5700", "green": "006100"}
OUTLINE = {"error": "C00000", "warning": "ED7D31", "info": "4472C4"}
# Where a workbook cannot take borders (the add-in's remote clients), a finding's cell is filled
# with a light tint of its outline colour instead, unless a grade already colours it.
FINDING_FILL = {"error": "F8CBAD", "warning": "FCE4D6", "info": "DDEBF7"}
GRADE_ZH = {"green": "绿", "yellow": "黄", "red": "红"}
RESULTS_HEADER = ("序号", "文件", "工作表", "单元格", "代码", "级别", "说明")  # the 校验结果 sheet
NO_FINDINGS = "未发现问题"


@dataclass(frozen=True, slots=True)
class CellMark:
    sheet: str
    cell: str
    fill: str | None = None  # RGB hex of the grade colour
    outline: str | None = None  # RGB hex of the border drawn round a cell with a finding
    comment: str | None = None  # Chinese text of the cell comment


@dataclass
class MarkPlan:
    marks: list[CellMark] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # rows of the 校验结果 sheet


def results_row(number: int, d: Diagnostic) -> list:
    """One line of the 校验结果 sheet, in RESULTS_HEADER's order."""
    return [number, d.file or "", d.sheet or "", d.cell or "", d.code, SEVERITY_ZH.get(d.severity, d.severity),
            d.message]


def fill_of(mark: CellMark) -> str | None:
    """The one colour a cell gets where only fills can be applied."""
    if mark.fill:
        return mark.fill
    severity = next((k for k, v in OUTLINE.items() if v == mark.outline), None)
    return FINDING_FILL.get(severity) if severity else None


def plan_marks(forms: list[Form], diagnostics: list[Diagnostic],
               palette: dict[str, str] | None = None) -> MarkPlan:
    """One mark per cell: the grade fill of a graded cell, the outline and comment of findings."""
    palette = palette or PALETTE
    cells: dict[tuple[str, str], dict] = {}

    def at(sheet: str, cell: str) -> dict:
        return cells.setdefault((sheet, cell), {"fill": None, "outline": None, "comments": []})

    for form in forms:
        for row in form.funding:
            if row.grade and "spend_progress" in row.cells:
                at(form.sheet, row.cells["spend_progress"])["fill"] = palette[row.grade]
        for ind in form.indicators:
            cell = ind.cells.get("forecast") or ind.cells.get("level3")
            if ind.grade and cell:
                at(form.sheet, cell)["fill"] = palette[ind.grade]
        if form.grade and "title" in form.cells:
            at(form.sheet, form.cells["title"])["fill"] = palette[form.grade]
    rank = {"info": 0, "warning": 1, "error": 2}
    worst: dict[tuple[str, str], str] = {}
    for d in diagnostics:
        if d.sheet is None or d.cell is None:
            continue
        key = (d.sheet, d.cell)
        entry = at(*key)
        entry["comments"].append(f"{d.code} {SEVERITY_ZH[d.severity]}：{d.message}")
        if rank[d.severity] >= rank.get(worst.get(key, "info"), 0):
            worst[key] = d.severity
            entry["outline"] = OUTLINE[d.severity]
    marks = [CellMark(sheet, cell, e["fill"], e["outline"],
                      "\n".join(e["comments"]) if e["comments"] else None)
             for (sheet, cell), e in cells.items()]
    return MarkPlan(marks, list(diagnostics))
