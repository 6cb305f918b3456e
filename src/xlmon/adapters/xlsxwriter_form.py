"""Write an official form onto an xlsxwriter worksheet, from the same plan as the openpyxl templates.

For workbooks written with xlsxwriter (summaries with many rows and native charts) that carry the
official form as one of their sheets. The plan (form_plan.plan_form) is folded into what each cell
ends up as, and every cell is written once, with one xlsxwriter Format per distinct style (cached
per workbook, so many forms in one workbook share them).

Formulas are written without a cached result (Excel and LibreOffice calculate them on open, as
they do for the openpyxl templates); user text is always written as text, never as a formula.
"""

from __future__ import annotations

import math
import numbers
import weakref
from typing import TYPE_CHECKING, Any

from .. import layout as L
from ..form_plan import (
    DEFAULT_STYLE, PROTECTION_ACTIONS, CellStyle, FinalCell, FormLayout, Kind, SheetPlan, plan_form, rc, ref,
)

if TYPE_CHECKING:
    from ..profile import Profile

_BORDER_STYLES = {"thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7}
_VALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom"}
# Formats are workbook-level objects: one cache per xlsxwriter Workbook, dropped with it.
_CACHES: weakref.WeakKeyDictionary[Any, dict[object, Any]] = weakref.WeakKeyDictionary()


def build_form_xlsxwriter(workbook: Any, worksheet: Any, kind: Kind, *, year: int, months: int,
                          project: str | None = None, department: str | None = None, unit: str | None = None,
                          hierarchy: str | dict[str, tuple[str, ...]] = L.DEFAULT_HIERARCHY,
                          indicator_counts: dict[tuple[str, str], int] | None = None,
                          values: dict[str, object] | None = None, tail: float = 0,
                          profile: Profile | None = None) -> FormLayout:
    """Lay out one form on an empty xlsxwriter worksheet of `workbook`, as templates.build_form does.

    `values` maps A1 addresses (from the returned layout: funding inputs, header and indicator
    cells) to input values: numbers are written as numbers, strings always as text. `tail`: points of
    rows the caller writes below the form, printed with it (plan_form). The workbook must not be in
    constant_memory mode (merged areas are written across rows).
    """
    plan = plan_form(kind, year=year, months=months, project=project, department=department, unit=unit,
                     hierarchy=hierarchy, indicator_counts=indicator_counts, tail=tail, profile=profile)
    apply_plan(workbook, worksheet, plan, values)
    return plan.layout


def apply_plan(workbook: Any, worksheet: Any, plan: SheetPlan, values: dict[str, object] | None = None) -> None:
    """Write a form plan, plus `values` (A1 address -> number or text), on an empty worksheet."""
    if getattr(worksheet, "constant_memory", False):
        raise ValueError("a form sheet cannot be written in xlsxwriter's constant_memory mode: "
                         "its merged areas span rows (create the Workbook without constant_memory)")
    formats = _formats(workbook)
    cells = plan.final_cells()
    for address, value in (values or {}).items():
        r, c = rc(address)
        cell = cells.get((r, c), FinalCell())
        if cell.merged_into:
            raise ValueError(f"{address} is inside a merged area: give the value for {ref(*cell.merged_into)}")
        if value is not None and not isinstance(value, (str, numbers.Real)):
            raise TypeError(f"{address}: only numbers and text can be written into a form, not {type(value).__name__}")
        cells[(r, c)] = FinalCell(cell.style, value, formula=False)

    for col, width in plan.column_widths.items():
        # In pixels, so the file holds exactly `width` characters, as openpyxl writes it
        # (set_column would add xlsxwriter's cell padding).
        worksheet.set_column_pixels(col - 1, col - 1, width * worksheet.max_digit_width)
    for row, height in plan.row_heights.items():
        # In (fractional) pixels too: set_row rounds to whole pixels, 22 pt would become 21.75 pt.
        worksheet.set_row_pixels(row - 1, height * 4 / 3)
    for area in plan.merges:
        worksheet.merge_range(area.top - 1, area.left - 1, area.bottom - 1, area.right - 1, "",
                              formats.cell(cells[(area.top, area.left)].style))
    for (r, c), cell in sorted(cells.items()):
        # merge_range gave the whole area the top-left cell's format: every cell gets its own back
        fmt = formats.cell(cell.style) if cell.style != DEFAULT_STYLE or cell.merged_into else None
        _write(worksheet, r - 1, c - 1, cell, fmt)

    for v in plan.validations:
        if not v.ranges:
            continue  # xlsxwriter needs a range; openpyxl writes an empty, inert one
        first = v.ranges[0].split(":")
        top, left = rc(first[0])
        bottom, right = rc(first[-1])
        options: dict[str, Any] = {"validate": "list", "source": list(v.choices), "ignore_blank": v.allow_blank,
                                   "show_error": v.show_error, "show_input": v.show_input}
        if v.error_title:
            options["error_title"] = v.error_title
        if v.error:
            options["error_message"] = v.error
        if len(v.ranges) > 1:
            options["multi_range"] = " ".join(v.ranges)
        worksheet.data_validation(top - 1, left - 1, bottom - 1, right - 1, options)
    for cf in plan.conditional_formats:
        for rule in cf.rules:
            worksheet.conditional_format(cf.range, {"type": "formula", "criteria": "=" + rule.formula,
                                                    "format": formats.colour(rule.fill, rule.font_color),
                                                    "stop_if_true": rule.stop_if_true})
    if plan.print_setup:
        _print_setup(worksheet, plan)
    if plan.protection:
        allowed = plan.protection.allowed
        worksheet.protect(plan.protection.password or "", {a: a in allowed for a in PROTECTION_ACTIONS})


def _write(worksheet: Any, row: int, col: int, cell: FinalCell, fmt: Any) -> None:
    value = cell.value
    if value is None:
        if fmt is not None:
            worksheet.write_blank(row, col, None, fmt)
    elif cell.formula:
        worksheet.write_formula(row, col, str(value), fmt, "")  # no cached result: calculated on open
    elif isinstance(value, str):
        worksheet.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value, fmt)
    else:
        number = float(value)  # type: ignore[arg-type]
        if not math.isfinite(number):
            raise ValueError(f"{ref(row + 1, col + 1)}: {value!r} is not a number a workbook can hold")
        worksheet.write_number(row, col, value, fmt)


def _print_setup(worksheet: Any, plan: SheetPlan) -> None:
    setup = plan.print_setup
    assert setup is not None
    if setup.landscape:
        worksheet.set_landscape()
    else:
        worksheet.set_portrait()
    worksheet.set_paper(setup.paper_size)
    worksheet.fit_to_pages(setup.fit_width, setup.fit_height)
    left, right, top, bottom = setup.margins
    worksheet.set_margins(left=left, right=right, top=top, bottom=bottom)
    worksheet.set_header(_sections(setup.header), {"margin": setup.header_margin})
    worksheet.set_footer(_sections(setup.footer), {"margin": setup.footer_margin})
    if setup.row_breaks:
        worksheet.set_h_pagebreaks([r - 1 for r in setup.row_breaks])  # 0-based: the first row of each page
    if setup.center_horizontally:
        worksheet.center_horizontally()
    a = setup.print_area
    worksheet.print_area(a.top - 1, a.left - 1, a.bottom - 1, a.right - 1)
    worksheet.repeat_rows(setup.title_rows[0] - 1, setup.title_rows[1] - 1)
    worksheet.hide_gridlines(0 if setup.show_gridlines else 2)  # 2: neither on screen nor printed
    if setup.freeze:
        worksheet.freeze_panes(setup.freeze)


def _sections(parts: tuple[str, str, str]) -> str:
    """A page header or footer's left, centre and right sections as one text of Excel's codes."""
    return "".join(f"{code}{text}" for code, text in zip(("&L", "&C", "&R"), parts) if text)


class _Formats:
    """One xlsxwriter Format per distinct style descriptor, for the life of the workbook."""

    def __init__(self, workbook: Any, cache: dict[object, Any]) -> None:
        self.workbook = workbook
        self.cache = cache

    def cell(self, style: CellStyle) -> Any:
        fmt = self.cache.get(style)
        if fmt is None:
            fmt = self.cache[style] = self.workbook.add_format(_properties(style))
        return fmt

    def colour(self, fill: str, font_color: str) -> Any:
        key = ("conditional", fill, font_color)
        fmt = self.cache.get(key)
        if fmt is None:
            fmt = self.cache[key] = self.workbook.add_format({"bg_color": f"#{fill}", "font_color": f"#{font_color}"})
        return fmt


def _formats(workbook: Any) -> _Formats:
    cache = _CACHES.get(workbook)
    if cache is None:
        cache = _CACHES[workbook] = {}
    return _Formats(workbook, cache)


def _properties(style: CellStyle) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for side in ("left", "right", "top", "bottom"):
        line = getattr(style.border, side)
        if line:
            props[side] = _BORDER_STYLES[line]
    if style.align:
        if style.align.horizontal:
            props["align"] = style.align.horizontal
        if style.align.vertical:
            props["valign"] = _VALIGN[style.align.vertical]
        if style.align.wrap:
            props["text_wrap"] = True
    if style.font:
        props["font_name"] = style.font.name
        props["font_size"] = style.font.size
        if style.font.bold:
            props["bold"] = True
    if style.fill:
        props["pattern"] = 1
        props["bg_color"] = f"#{style.fill}"
    if style.number_format:
        props["num_format"] = style.number_format
    if not style.locked:
        props["locked"] = False
    return props
