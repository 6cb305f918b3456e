"""Write a planned form (form_plan.SheetPlan) onto an xlwings sheet, for the 新建项目表 button.

Desktop Excel and the Office.js client take the whole layout; the VBA client of xlwings Server
applies only values, fills and number formats, so there the merges, widths, fonts, borders and
dropdowns are left out and named in the returned list. Cells with the same style along a row are
written together, which keeps a form to a few hundred actions. Conditional colours and sheet
protection are not part of any client's action set: the templates carry those.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from ..form_plan import CellStyle, SheetPlan, letter
from . import xlwings_book as xb

HORIZONTAL = {"left": "left", "center": "center", "right": "right"}
VERTICAL = {"top": "top", "center": "center", "bottom": "bottom"}
SIDES = {"left": "edge_left", "right": "edge_right", "top": "edge_top", "bottom": "edge_bottom"}


def write_form(book: Any, sheet: Any, plan: SheetPlan) -> list[str]:
    """Apply the plan; the Chinese names of the format kinds the client could not take."""
    final = plan.final_cells()
    rows = max(r for r, _ in final)
    cols = max(c for _, c in final)
    grid: list[list[Any]] = [[None] * cols for _ in range(rows)]
    for (r, c), cell in final.items():
        if cell.merged_into is None and cell.value is not None:
            grid[r - 1][c - 1] = cell.value if cell.formula else xb.as_text(cell.value)
    sheet["A1"].value = grid  # our labels as text, our formulas as formulas

    skipped: list[str] = []
    for (r, c0), run in _runs(final):
        target = sheet[f"{letter(c0)}{r}:{letter(c0 + len(run) - 1)}{r}"]
        style = run[0]
        if style.fill:
            target.color = f"#{style.fill}"
        if style.number_format:
            target.number_format = style.number_format
        if xb.can(book, "setFontProperty") and style.font:
            target.font.name = style.font.name
            target.font.size = style.font.size
            if style.font.bold:
                target.font.bold = True
        if xb.can(book, "setBorderProperty"):
            for side, name in SIDES.items():
                if getattr(style.border, side):
                    target.borders[name].line_style = "continuous"
        if xb.can(book, "setHorizontalAlignment") and style.align:
            if style.align.horizontal:
                target.horizontal_alignment = HORIZONTAL[style.align.horizontal]
            if style.align.vertical:
                target.vertical_alignment = VERTICAL[style.align.vertical]
            if style.align.wrap:
                target.wrap_text = True
    for kind, action, apply in (("合并单元格", "rangeMerge", _merges), ("列宽和行高", "setColumnWidth", _sizes),
                                ("下拉选项", "setDataValidationList", _dropdowns)):
        if xb.can(book, action):
            apply(sheet, plan)
        else:
            skipped.append(kind)
    if not xb.can(book, "setFontProperty"):
        skipped[:0] = ["字体、边框和对齐"]
    return skipped


def _runs(final: dict) -> list[tuple[tuple[int, int], list[CellStyle]]]:
    """Row-wise runs of adjacent cells sharing one non-default style."""
    out = []
    by_row = groupby(sorted(final.items()), key=lambda item: item[0][0])
    for r, items in by_row:
        run: list[CellStyle] = []
        start = 0
        prev_c = None
        for (_, c), cell in items:
            if run and (cell.style != run[0] or c != prev_c + 1):
                out.append(((r, start), run))
                run = []
            if not run:
                start = c
            run.append(cell.style)
            prev_c = c
        if run:
            out.append(((r, start), run))
    return [(at, run) for at, run in out if run[0] != CellStyle()]


def _merges(sheet: Any, plan: SheetPlan) -> None:
    for area in plan.merges:
        if area.top != area.bottom or area.left != area.right:
            sheet[area.ref].merge()


def _sizes(sheet: Any, plan: SheetPlan) -> None:
    for col, width in plan.column_widths.items():
        sheet[f"{letter(col)}1"].column_width = width
    for row, height in plan.row_heights.items():
        sheet[f"A{row}"].row_height = height


def _dropdowns(sheet: Any, plan: SheetPlan) -> None:
    for v in plan.validations:
        for ref in v.ranges:
            sheet[ref].data_validation.set_list(list(v.choices))
