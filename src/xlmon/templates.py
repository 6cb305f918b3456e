"""Write the official forms (附件2 项目, 附件3 部门整体) as print-ready workbooks with live formulas.

The layout itself is plain data (form_plan.plan_form); this module applies it with openpyxl.
`xlmon template`, the committed files in workbook_templates/ and the demo's filled workbooks all
come from `build_form`; summary workbooks written with xlsxwriter use
`adapters.xlsxwriter_form.build_form_xlsxwriter` (re-exported here), from the same plan.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from . import layout as L
from .atomic import atomic_path
from .adapters.xlsxwriter_form import build_form_xlsxwriter
from .form_plan import (INDICATOR_COLS, Align, Borders, FontSpec, FormLayout, Kind, Merge, Restyle, SheetPlan, letter,
                        plan_form)

if TYPE_CHECKING:
    from .profile import Profile

__all__ = ["COMMITTED", "TEMPLATE_FILES", "INDICATOR_COLS", "FormLayout", "build_form", "build_form_xlsxwriter",
           "apply_plan", "new_workbook", "put_text", "save_atomic", "sheet_title", "template_workbook",
           "write_committed"]

COMMITTED = {"year": 2026, "months": 6}  # the files in workbook_templates/
TEMPLATE_FILES = {"project": f"{L.PROJECT_TITLE}.xlsx", "department": f"{L.DEPARTMENT_TITLE}.xlsx"}
_UNLOCKED = Protection(locked=False)
_PROTECTION_FLAGS = {  # form_plan's action -> openpyxl's flag (True there means "protected")
    "format_cells": "formatCells", "format_columns": "formatColumns", "format_rows": "formatRows",
    "insert_columns": "insertColumns", "insert_rows": "insertRows", "insert_hyperlinks": "insertHyperlinks",
    "delete_columns": "deleteColumns", "delete_rows": "deleteRows", "select_locked_cells": "selectLockedCells",
    "select_unlocked_cells": "selectUnlockedCells", "sort": "sort", "autofilter": "autoFilter",
    "pivot_tables": "pivotTables", "objects": "objects", "scenarios": "scenarios",
}


def put_text(ws: Worksheet, ref: str, text: object) -> None:
    """Write user text as text: a leading '=' must never turn into a formula."""
    cell = ws[ref]
    cell.value = text
    if isinstance(text, str):
        cell.data_type = "s"


def build_form(ws: Worksheet, kind: Kind, *, year: int, months: int, project: str | None = None,
               department: str | None = None, unit: str | None = None,
               hierarchy: str | dict[str, tuple[str, ...]] = L.DEFAULT_HIERARCHY,
               indicator_counts: dict[tuple[str, str], int] | None = None,
               profile: Profile | None = None) -> FormLayout:
    """Lay out one form on an empty sheet. `indicator_counts` sizes the groups (default 2 rows each)."""
    plan = plan_form(kind, year=year, months=months, project=project, department=department, unit=unit,
                     hierarchy=hierarchy, indicator_counts=indicator_counts, profile=profile)
    apply_plan(ws, plan)
    return plan.layout


class _Styles:
    """openpyxl objects for the plan's style descriptors, made once per descriptor."""

    def __init__(self) -> None:
        self._made: dict[object, object] = {}

    def get(self, spec: object):
        obj = self._made.get(spec)
        if obj is None:
            obj = self._made[spec] = _openpyxl_style(spec)
        return obj


def _openpyxl_style(spec: object):
    if isinstance(spec, Borders):
        def side(style: str | None) -> Side | None:
            return Side(style=style) if style else None
        return Border(left=side(spec.left), right=side(spec.right), top=side(spec.top), bottom=side(spec.bottom))
    if isinstance(spec, Align):
        return Alignment(horizontal=spec.horizontal, vertical=spec.vertical, wrap_text=True if spec.wrap else None)
    if isinstance(spec, FontSpec):
        return Font(name=spec.name, size=spec.size, bold=spec.bold)
    raise TypeError(spec)


def apply_plan(ws: Worksheet, plan: SheetPlan) -> None:
    """Replay a form plan on an empty openpyxl sheet, operation by operation.

    The order matters: openpyxl numbers fonts and borders as they are first used and works out the
    borders of merged cells when they are merged, so replaying in the plan's order is what keeps
    the committed templates identical.
    """
    styles = _Styles()
    for col, width in plan.column_widths.items():
        ws.column_dimensions[letter(col)].width = width
    for op in plan.ops:
        if isinstance(op, Restyle):
            border = styles.get(op.border) if op.border is not None else None
            align = styles.get(op.align) if op.align is not None else None
            font = styles.get(op.font) if op.font is not None else None
            fill = PatternFill("solid", fgColor=op.fill) if op.fill else None
            protection = None if op.locked is None else (_UNLOCKED if not op.locked else Protection())
            a = op.area
            for r in range(a.top, a.bottom + 1):
                for c in range(a.left, a.right + 1):
                    cell = ws.cell(r, c)
                    if border is not None:
                        cell.border = border
                    if align is not None:
                        cell.alignment = align
                    if font is not None:
                        cell.font = font
                    if fill is not None:
                        cell.fill = fill
                    if op.number_format:
                        cell.number_format = op.number_format
                    if protection is not None:
                        cell.protection = protection
        elif isinstance(op, Merge):
            a = op.area
            ws.merge_cells(start_row=a.top, start_column=a.left, end_row=a.bottom, end_column=a.right)
        elif op.formula:
            ws[op.ref] = op.value
        else:
            put_text(ws, op.ref, op.value)
    for row, height in plan.row_heights.items():
        ws.row_dimensions[row].height = height
    for v in plan.validations:
        dv = DataValidation(type="list", formula1=v.formula1, allow_blank=v.allow_blank, errorTitle=v.error_title,
                            error=v.error, showErrorMessage=v.show_error, showInputMessage=v.show_input)
        ws.add_data_validation(dv)
        for cells in v.ranges:
            dv.add(cells)
    for cf in plan.conditional_formats:
        for rule in cf.rules:
            ws.conditional_formatting.add(cf.range, FormulaRule(
                formula=[rule.formula], stopIfTrue=rule.stop_if_true,
                fill=PatternFill("solid", start_color=rule.fill, end_color=rule.fill),
                font=Font(color=rule.font_color)))
    if plan.print_setup:
        _print_setup(ws, plan)
    if plan.protection:
        protection = ws.protection
        protection.sheet = True
        for action, flag in _PROTECTION_FLAGS.items():
            setattr(protection, flag, action not in plan.protection.allowed)
        if plan.protection.password:
            protection.password = plan.protection.password


def _print_setup(ws: Worksheet, plan: SheetPlan) -> None:
    setup = plan.print_setup
    assert setup is not None
    ws.page_setup.orientation = "landscape" if setup.landscape else "portrait"
    ws.page_setup.paperSize = setup.paper_size
    ws.page_setup.fitToWidth = setup.fit_width
    ws.page_setup.fitToHeight = setup.fit_height
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    margins = ws.page_margins
    margins.left, margins.right, margins.top, margins.bottom = setup.margins
    margins.header, margins.footer = setup.header_margin, setup.footer_margin
    ws.print_options.horizontalCentered = setup.center_horizontally
    ws.print_area = setup.print_area.ref
    ws.print_title_rows = f"{setup.title_rows[0]}:{setup.title_rows[1]}"
    for row in setup.row_breaks:
        ws.row_breaks.append(Break(id=row - 1))  # the last row of the page before
    for item, sections in ((ws.oddHeader, setup.header), (ws.oddFooter, setup.footer)):
        item.left.text, item.center.text, item.right.text = (text or None for text in sections)
    ws.sheet_view.showGridLines = setup.show_gridlines
    ws.freeze_panes = setup.freeze


def sheet_title(kind: Kind, name: str | None) -> str:
    base = name or ("项目支出" if kind == "project" else "部门整体")
    bad = '[]:*?/\\'
    clean = "".join("_" if ch in bad else ch for ch in base).strip("'")
    return clean[:31] or "监控表"


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def template_workbook(kind: Kind, *, year: int, months: int, project: str | None = None,
                      department: str | None = None, unit: str | None = None,
                      hierarchy: str | None = None, profile: Profile | None = None) -> Workbook:
    """A blank form; `hierarchy` (seed004, national2021) chosen over the profile's, whose thresholds and palette
    colour 支出进度."""
    wb = new_workbook()
    ws = wb.create_sheet(sheet_title(kind, None))
    build_form(ws, kind, year=year, months=months, project=project, department=department, unit=unit,
               hierarchy=hierarchy or (profile.levels() if profile else L.DEFAULT_HIERARCHY), profile=profile)
    return wb


def save_atomic(wb: Workbook, path: str | Path) -> Path:
    """Save an openpyxl workbook atomically (see atomic.py)."""
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def write_committed(folder: str | Path) -> list[Path]:
    """Regenerate workbook_templates/ (a test fails if the committed files drift from this)."""
    return [save_atomic(template_workbook(kind, **COMMITTED), Path(folder) / name)  # type: ignore[arg-type]
            for kind, name in TEMPLATE_FILES.items()]


if __name__ == "__main__":
    for p in write_committed(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates"):
        print(p)
