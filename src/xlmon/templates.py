"""Write the official forms (附件2 项目, 附件3 部门整体) as print-ready workbooks with live formulas.

The only writer of forms: `xlmon template`, the committed files in workbook_templates/ and the
demo's filled workbooks all come from `build_form`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from . import layout as L

Kind = Literal["project", "department"]
COMMITTED = {"year": 2026, "months": 6}  # the files in workbook_templates/
TEMPLATE_FILES = {"project": f"{L.PROJECT_TITLE}.xlsx", "department": f"{L.DEPARTMENT_TITLE}.xlsx"}

LAST_COL = 12  # A..L
COLUMN_WIDTHS = (6, 11, 13, 18, 12, 13, 13, 20, 10, 10, 10, 16)
AMOUNT_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
FONT = "宋体"
_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
UNLOCKED = Protection(locked=False)
# Funding block columns: D..K (K:L merged for 全年预计支出数).
FUNDING_COLS = {f.field: i + 4 for i, f in enumerate(L.FUNDING_COLUMNS)}
INDICATOR_COLS = {"level1": 2, "level2": 3, "level3": 4, "target": 5, "actual": 6, "forecast": 7,
                  "reason": 8, "确定能": 9, "有可能": 10, "完全不可能": 11, "remark": 12}


@dataclass
class FormLayout:
    """Where build_form put things, so callers can fill inputs or check formulas."""

    header: dict[str, str] = field(default_factory=dict)
    funding: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    formulas: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # cell -> (block, row, field)
    indicator_rows: list[tuple[str, str, int]] = field(default_factory=list)


def put_text(ws: Worksheet, ref: str, text: object) -> None:
    """Write user text as text: a leading '=' must never turn into a formula."""
    cell = ws[ref]
    cell.value = text
    if isinstance(text, str):
        cell.data_type = "s"


def _style(ws: Worksheet, rows: range, cols: range, *, align=CENTER, bold=False, fill=None,
           number_format: str | None = None, unlocked=False) -> None:
    for r in rows:
        for c in cols:
            cell = ws.cell(r, c)
            cell.border = BORDER
            cell.alignment = align
            cell.font = Font(name=FONT, size=10, bold=bold)
            if fill:
                cell.fill = fill
            if number_format:
                cell.number_format = number_format
            if unlocked:
                cell.protection = UNLOCKED


def _merge(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, value: object = None, **style) -> str:
    _style(ws, range(r1, r2 + 1), range(c1, c2 + 1), **style)
    if (r1, c1) != (r2, c2):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    ref = f"{get_column_letter(c1)}{r1}"
    if value is not None:
        ws[ref].value = value
    return ref


def _funding_block(ws: Worksheet, top: int, months: int, rows: tuple[str, ...], block: str,
                   number: str | None, out: FormLayout) -> int:
    """Two header rows then one row per label; returns the next free row."""
    _merge(ws, top, 2, top + 1, 3, number, bold=True, fill=HEADER_FILL)
    _merge(ws, top, 4, top, 6, "年度预算资金安排", bold=True, fill=HEADER_FILL)
    for col in L.FUNDING_COLUMNS:
        c = FUNDING_COLS[col.field]
        text = L.with_months(col.header, months)
        if col.field in ("carryover", "current", "subtotal"):
            _merge(ws, top + 1, c, top + 1, c, text, bold=True, fill=HEADER_FILL)
        else:
            _merge(ws, top, c, top + 1, c if col.field != "forecast" else LAST_COL, text, bold=True,
                   fill=HEADER_FILL)
    first, last = top + 2, top + 1 + len(rows)
    ws.row_dimensions[top].height = 20
    ws.row_dimensions[top + 1].height = 40
    for r in range(first, last + 1):
        ws.row_dimensions[r].height = 18
    for i, label in enumerate(rows):
        r = first + i
        shown = f"{label}：" if i == 0 else (f"其中：{label}" if i == 1 else label)
        _merge(ws, r, 2, r, 3, shown, align=LEFT if i else CENTER, bold=i == 0)
        cells = {f: f"{get_column_letter(c)}{r}" for f, c in FUNDING_COLS.items()}
        out.funding[(block, label)] = cells
        for f, c in FUNDING_COLS.items():
            end = LAST_COL if f == "forecast" else c
            fmt = RATE_FORMAT if f in L.RATE_FIELDS else AMOUNT_FORMAT
            is_input = f in L.INPUT_AMOUNTS and i > 0
            _merge(ws, r, c, r, end, None, align=Alignment(horizontal="right", vertical="center"),
                   number_format=fmt, unlocked=is_input)
            if i == 0 and f in L.INPUT_AMOUNTS:
                col = get_column_letter(c)
                span = f"{col}{first + 1}:{col}{last}"
                ws[cells[f]] = f'=IF(COUNT({span})=0,"",SUM({span}))'
                out.formulas[cells[f]] = (block, label, f)
        pair = f"{cells['carryover']}:{cells['current']}"
        ws[cells["subtotal"]] = f'=IF(COUNT({pair})=0,"",SUM({pair}))'
        ws[cells["issue_rate"]] = f'=IF(N({cells["current"]})=0,"",{cells["issued"]}/{cells["current"]})'
        ws[cells["spend_progress"]] = f'=IF(N({cells["subtotal"]})=0,"",{cells["spent"]}/{cells["subtotal"]})'
        for f in ("subtotal", "issue_rate", "spend_progress"):
            out.formulas[cells[f]] = (block, label, f)
    _grade_colours(ws, months, out.funding[(block, rows[0])]["spend_progress"],
                   out.funding[(block, rows[-1])]["spend_progress"])
    return last + 1


def _grade_colours(ws: Worksheet, months: int, first: str, last: str) -> None:
    """支出进度 coloured by its gap to 时间进度 (the default profile's 10 / 20 pp), for WPS and Excel alike."""
    from .profile import FundingRules
    from .marks import FONT_PALETTE, PALETTE

    rules = FundingRules()
    gap = f"{months}/12-{first}"
    conditions = (("red", f"{gap}>{rules.yellow_max_gap}"), ("yellow", f"{gap}>{rules.green_max_gap}"),
                  ("green", "TRUE"))
    for grade, condition in conditions:
        ws.conditional_formatting.add(f"{first}:{last}", FormulaRule(
            formula=[f"AND(ISNUMBER({first}),{condition})"], stopIfTrue=True,
            fill=PatternFill("solid", start_color=PALETTE[grade], end_color=PALETTE[grade]),
            font=Font(color=FONT_PALETTE[grade])))


def _indicator_table(ws: Worksheet, top: int, months: int, hierarchy: dict[str, tuple[str, ...]],
                     counts: dict[tuple[str, str], int] | None, out: FormLayout) -> int:
    headers = dict(L.INDICATOR_HEADERS)
    for key in ("level1", "level2", "level3", "target", "actual", "forecast", "reason", "remark"):
        c = INDICATOR_COLS[key]
        _merge(ws, top, c, top + 1, c, L.with_months(headers[key], months), bold=True, fill=HEADER_FILL)
    _merge(ws, top, 9, top, 11, headers["likelihood"], bold=True, fill=HEADER_FILL)
    for name in L.LIKELIHOODS:
        _merge(ws, top + 1, INDICATOR_COLS[name], top + 1, INDICATOR_COLS[name], name, bold=True,
               fill=HEADER_FILL)
    ws.row_dimensions[top].height = ws.row_dimensions[top + 1].height = 22
    tick = DataValidation(type="list", formula1=f'"{L.TICK}"', allow_blank=True,
                          errorTitle="完成目标可能性", error="请选择“√”，或留空。")
    ws.add_data_validation(tick)
    r = top + 2
    for level1, names in hierarchy.items():
        start = r
        choice = DataValidation(type="list", formula1='"' + ",".join(names) + '"', allow_blank=True,
                                errorTitle="二级指标", error=f"“{level1}”下的二级指标只能是：" + "、".join(names))
        ws.add_data_validation(choice)
        for level2 in names:
            n = 2 if counts is None else counts.get((level1, level2), 0)
            for _ in range(n):
                _merge(ws, r, 3, r, 3, level2, unlocked=True)
                choice.add(f"C{r}")
                _style(ws, range(r, r + 1), range(4, LAST_COL + 1), align=LEFT, unlocked=True)
                _style(ws, range(r, r + 1), range(9, 12), unlocked=True)
                tick.add(f"I{r}:K{r}")
                out.indicator_rows.append((level1, level2, r))
                r += 1
        if r > start:
            _merge(ws, start, 2, r - 1, 2, level1, bold=True)
    return r


def build_form(ws: Worksheet, kind: Kind, *, year: int, months: int, project: str | None = None,
               department: str | None = None, unit: str | None = None,
               hierarchy: str = L.DEFAULT_HIERARCHY,
               indicator_counts: dict[tuple[str, str], int] | None = None) -> FormLayout:
    """Lay out one form on an empty sheet. `indicator_counts` sizes the groups (default 2 rows each)."""
    out = FormLayout()
    for i, width in enumerate(COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    title = L.PROJECT_TITLE if kind == "project" else L.DEPARTMENT_TITLE
    _merge(ws, 1, 1, 1, LAST_COL, title, align=CENTER)
    ws["A1"].font = Font(name="黑体", size=16, bold=True)
    ws["A1"].border = Border()
    _merge(ws, 2, 1, 2, LAST_COL, L.period_text(year, months))
    ws["A2"].font = Font(name=FONT, size=11)
    ws.row_dimensions[1].height = 30
    if kind == "project":
        _merge(ws, 3, 1, 3, 2, "项目名称", bold=True)
        out.header["project"] = _merge(ws, 3, 3, 3, LAST_COL, align=LEFT, unlocked=True)
        _merge(ws, 4, 1, 4, 2, "主管部门及代码", bold=True)
        out.header["department"] = _merge(ws, 4, 3, 4, 7, align=LEFT, unlocked=True)
        _merge(ws, 4, 8, 4, 8, "预算单位", bold=True)
        out.header["unit"] = _merge(ws, 4, 9, 4, LAST_COL, align=LEFT, unlocked=True)
        top = 5
        end = _funding_block(ws, top, months, (L.TOTAL_ROW, *L.PROJECT_SOURCES), "source", None, out)
        _merge(ws, top, 1, end - 1, 1, "项目资金预算安排及执行进度（万元）", bold=True)
        goal_label = "项目年度绩效目标"
    else:
        _merge(ws, 3, 1, 3, 3, "主管部门（单位）及代码", bold=True)
        out.header["department"] = _merge(ws, 3, 4, 3, LAST_COL, align=LEFT, unlocked=True)
        top = 4
        mid = _funding_block(ws, top, months, (L.TOTAL_ROW, *L.DEPARTMENT_FUND_TYPES), "source", "1.", out)
        end = _funding_block(ws, mid, months, (L.TOTAL_ROW, *L.DEPARTMENT_SPENDING_TYPES), "spending",
                             "2.", out)
        _merge(ws, top, 1, end - 1, 1, "预算安排及执行进度（万元）", bold=True)
        goal_label = "年度绩效目标"
    for key, ref in out.header.items():
        if key == "project":
            put_text(ws, ref, project)
        elif key == "department":
            put_text(ws, ref, department)
        elif key == "unit":
            put_text(ws, ref, unit)
    _merge(ws, end, 1, end, 2, goal_label, bold=True)
    out.header["goal"] = _merge(ws, end, 3, end, LAST_COL, align=LEFT, unlocked=True)
    ws.row_dimensions[end].height = 60
    table = end + 1
    last = _indicator_table(ws, table, months, L.HIERARCHIES[hierarchy], indicator_counts, out)
    if last > table + 2:
        _merge(ws, table, 1, last - 1, 1, "绩效指标", bold=True)
    for i, note in enumerate(L.FOOTNOTES):
        ref = _merge(ws, last + i, 1, last + i, LAST_COL, note, align=LEFT)
        for c in range(1, LAST_COL + 1):
            ws.cell(last + i, c).border = Border()
        ws[ref].font = Font(name=FONT, size=9)
    _print_setup(ws, last + len(L.FOOTNOTES) - 1, table)
    return out


def _print_setup(ws: Worksheet, last_row: int, table_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{get_column_letter(LAST_COL)}{last_row}"
    ws.print_title_rows = f"{table_row}:{table_row + 1}"
    ws.sheet_view.showGridLines = False
    ws.freeze_panes = None
    protection = ws.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.formatCells = False
    protection.insertRows = protection.deleteRows = False
    protection.selectLockedCells = protection.selectUnlockedCells = False


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
                      hierarchy: str = L.DEFAULT_HIERARCHY) -> Workbook:
    wb = new_workbook()
    ws = wb.create_sheet(sheet_title(kind, None))
    build_form(ws, kind, year=year, months=months, project=project, department=department, unit=unit,
               hierarchy=hierarchy)
    return wb


def save_atomic(wb: Workbook, path: str | Path) -> Path:
    """Write to a temporary file beside the target, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".xlmon-", suffix=path.suffix or ".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved workbook gets the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_committed(folder: str | Path) -> list[Path]:
    """Regenerate workbook_templates/ (a test fails if the committed files drift from this)."""
    return [save_atomic(template_workbook(kind, **COMMITTED), Path(folder) / name)  # type: ignore[arg-type]
            for kind, name in TEMPLATE_FILES.items()]


if __name__ == "__main__":
    for p in write_committed(sys.argv[1] if len(sys.argv) > 1 else "workbook_templates"):
        print(p)
