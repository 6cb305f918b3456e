"""The official forms (附件2 项目, 附件3 部门整体) laid out as plain data, for any workbook writer.

`plan_form` computes everything a form is made of: cell values (label text, user text, formulas),
styles, merges, column widths and row heights, dropdowns, conditional colours, print setup and
sheet protection. It imports no workbook library; the writers apply the plan:

    templates.build_form                    openpyxl (the committed templates, `xlmon template`, the demo)
    adapters.xlsxwriter_form.build_form_xlsxwriter   xlsxwriter (summary workbooks)

The cell layout is an ordered list of operations — `Restyle`, `Merge`, `Put` — because that is
how the form is built and how openpyxl has to replay it for the committed files to stay byte for
byte the same. `SheetPlan.final_cells` folds the operations into what each cell ends up as, for
writers that set every cell once (xlsxwriter).

Rows and columns are 1-based throughout (A1 is row 1, column 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from . import layout as L
from .grid import column_letter, parse_address
from .text import wrapped_lines

if TYPE_CHECKING:
    from .profile import Profile

Kind = Literal["project", "department"]

LAST_COL = 12  # A..L
# C (二级指标) fits 服务对象满意度指标 on one line: rows keep their height in print, so a wrap would overlap.
# Every amount column holds 999,999.99 万元 (about 100 亿元, a big department's year) with room beside it: I (支出数)
# at 10 printed ### from 100,000.00 万元 on
COLUMN_WIDTHS = (6, 11, 19, 18, 12, 13, 13, 20, 12, 10, 10, 16)
AMOUNT_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
FONT = "宋体"
HEADER_FILL = "F2F2F2"  # RGB of the solid fill behind header labels
# Funding block columns: D..K (K:L merged for 全年预计支出数).
FUNDING_COLS = {f.field: i + 4 for i, f in enumerate(L.FUNDING_COLUMNS)}
INDICATOR_COLS = {"level1": 2, "level2": 3, "level3": 4, "target": 5, "actual": 6, "forecast": 7,
                  "reason": 8, "确定能": 9, "有可能": 10, "完全不可能": 11, "remark": 12}


def letter(col: int) -> str:
    """1-based column number to letters (1 → A)."""
    return column_letter(col - 1)


def ref(row: int, col: int) -> str:
    return f"{letter(col)}{row}"


# ---------------------------------------------------------------------------------------------
# Style descriptors: hashable, so writers can cache one native format per distinct style.

@dataclass(frozen=True, slots=True)
class Borders:
    """Border line style per side ("thin"), None for no line."""

    left: str | None = None
    right: str | None = None
    top: str | None = None
    bottom: str | None = None

    def __add__(self, other: Borders) -> Borders:
        """Sides of both; where both have a side, this one's wins."""
        return Borders(self.left or other.left, self.right or other.right,
                       self.top or other.top, self.bottom or other.bottom)


NO_BORDERS = Borders()
THIN = Borders("thin", "thin", "thin", "thin")


@dataclass(frozen=True, slots=True)
class Align:
    horizontal: str | None = None  # "left" | "center" | "right"
    vertical: str | None = None  # "top" | "center" | "bottom"
    wrap: bool = False


CENTER = Align("center", "center", wrap=True)
LEFT = Align("left", "center", wrap=True)
RIGHT = Align("right", "center")


@dataclass(frozen=True, slots=True)
class FontSpec:
    name: str
    size: float
    bold: bool = False


BODY_FONT = FontSpec(FONT, 10)
BOLD_FONT = FontSpec(FONT, 10, bold=True)


@dataclass(frozen=True, slots=True)
class CellStyle:
    """Everything a cell's format holds; None is the workbook default (Calibri 11, General, no fill)."""

    border: Borders = NO_BORDERS
    align: Align | None = None
    font: FontSpec | None = None
    fill: str | None = None  # RGB of a solid fill
    number_format: str | None = None
    locked: bool = True


DEFAULT_STYLE = CellStyle()


# ---------------------------------------------------------------------------------------------
# Cell operations, in the order the form is built.

@dataclass(frozen=True, slots=True)
class Area:
    top: int
    left: int
    bottom: int
    right: int

    @property
    def ref(self) -> str:
        first, last = ref(self.top, self.left), ref(self.bottom, self.right)
        return first if first == last else f"{first}:{last}"

    def cells(self) -> list[tuple[int, int]]:
        """Row by row, left to right."""
        return [(r, c) for r in range(self.top, self.bottom + 1) for c in range(self.left, self.right + 1)]


@dataclass(frozen=True, slots=True)
class Restyle:
    """Set these parts of the format of every cell in the area; a part left None is not touched."""

    area: Area
    border: Borders | None = None
    align: Align | None = None
    font: FontSpec | None = None
    fill: str | None = None
    number_format: str | None = None
    locked: bool | None = None

    def applied_to(self, style: CellStyle) -> CellStyle:
        changes = {name: getattr(self, name) for name in
                   ("border", "align", "font", "fill", "number_format", "locked")
                   if getattr(self, name) is not None}
        return replace(style, **changes) if changes else style


@dataclass(frozen=True, slots=True)
class Merge:
    """Merge the area into its top-left cell (see SheetPlan.final_cells for what the others keep)."""

    area: Area


@dataclass(frozen=True, slots=True)
class Put:
    """A value in one cell. Text is always text, even when it starts with '='; a formula is a formula."""

    row: int
    col: int
    value: str | float | int | bool
    formula: bool = False

    @property
    def ref(self) -> str:
        return ref(self.row, self.col)


Operation = Restyle | Merge | Put


@dataclass(frozen=True, slots=True)
class FinalCell:
    """What one cell ends up as once every operation has run."""

    style: CellStyle = DEFAULT_STYLE
    value: str | float | int | bool | None = None
    formula: bool = False
    merged_into: tuple[int, int] | None = None  # the top-left cell, for the other cells of a merge


# ---------------------------------------------------------------------------------------------
# Sheet-level parts.

@dataclass
class ListValidation:
    """A dropdown of fixed choices over some ranges ("I21:K21", "C21")."""

    choices: tuple[str, ...]
    ranges: list[str] = field(default_factory=list)
    allow_blank: bool = True
    error_title: str | None = None
    error: str | None = None
    show_error: bool = True  # a stop alert: typing outside the list is refused with the Chinese message
    show_input: bool = False

    @property
    def formula1(self) -> str:
        return '"' + ",".join(self.choices) + '"'


@dataclass(frozen=True, slots=True)
class FormulaColour:
    """Fill and font colour (RGB) where `formula` (relative to the range's top-left cell) is true."""

    formula: str
    fill: str
    font_color: str
    stop_if_true: bool = True


@dataclass(frozen=True, slots=True)
class ConditionalFormat:
    range: str
    rules: tuple[FormulaColour, ...]


@dataclass(frozen=True, slots=True)
class PrintSetup:
    print_area: Area
    title_rows: tuple[int, int]  # repeated at the top of every printed page
    landscape: bool = True
    paper_size: int = 9  # A4 in both writers' numbering (ECMA-376 paperSize)
    fit_width: int = 1
    fit_height: int = 0  # 0: as many pages tall as needed
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.75, 0.75)  # left, right, top, bottom (inches)
    header_margin: float = 0.3  # the page header and footer stand in the top and bottom margins
    footer_margin: float = 0.3
    center_horizontally: bool = True
    show_gridlines: bool = False
    freeze: str | None = None
    row_breaks: tuple[int, ...] = ()  # rows that start a new printed page
    # the page header's and footer's left, centre and right sections, in Excel's codes (&P the page number…)
    header: tuple[str, str, str] = ("", "", "")
    footer: tuple[str, str, str] = ("", "", "")


# What a user may still do on the protected sheet (everything else is protected).
PROTECTION_ACTIONS = ("format_cells", "format_columns", "format_rows", "insert_columns", "insert_rows",
                      "insert_hyperlinks", "delete_columns", "delete_rows", "select_locked_cells",
                      "select_unlocked_cells", "sort", "autofilter", "pivot_tables", "objects", "scenarios")


@dataclass(frozen=True, slots=True)
class SheetProtection:
    """Protected without a password; locked cells (labels, formulas) cannot be typed over."""

    allowed: frozenset[str] = frozenset({"format_cells", "format_columns", "format_rows", "insert_rows",
                                         "delete_rows", "select_locked_cells", "select_unlocked_cells",
                                         "objects", "scenarios"})
    password: str | None = None


@dataclass
class FormLayout:
    """Where build_form put things, so callers can fill inputs or check formulas."""

    header: dict[str, str] = field(default_factory=dict)
    funding: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    formulas: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # cell -> (block, row, field)
    indicator_rows: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass
class SheetPlan:
    """One form sheet as plain data."""

    layout: FormLayout = field(default_factory=FormLayout)
    ops: list[Operation] = field(default_factory=list)
    column_widths: dict[int, float] = field(default_factory=dict)  # column -> width (characters)
    row_heights: dict[int, float] = field(default_factory=dict)  # row -> height (points)
    validations: list[ListValidation] = field(default_factory=list)
    conditional_formats: list[ConditionalFormat] = field(default_factory=list)
    print_setup: PrintSetup | None = None
    protection: SheetProtection | None = None

    # -- building -------------------------------------------------------------------------

    def style(self, rows: range, cols: range, *, align: Align = CENTER, bold: bool = False,
              fill: str | None = None, number_format: str | None = None, unlocked: bool = False,
              border: Borders | None = None) -> None:
        """The form's cell look: thin border, 宋体 10, and what is asked for."""
        self.ops.append(Restyle(Area(rows.start, cols.start, rows.stop - 1, cols.stop - 1), border=border or THIN,
                                align=align, font=BOLD_FONT if bold else BODY_FONT, fill=fill,
                                number_format=number_format, locked=False if unlocked else None))

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: str | None = None, **style) -> str:
        """Style the area, merge it when it spans more than one cell, put a label in its first cell."""
        self.style(range(r1, r2 + 1), range(c1, c2 + 1), **style)
        if (r1, c1) != (r2, c2):
            self.ops.append(Merge(Area(r1, c1, r2, c2)))
        if value is not None:
            self.ops.append(Put(r1, c1, value))
        return ref(r1, c1)

    def restyle(self, area: Area, **parts) -> None:
        self.ops.append(Restyle(area, **parts))

    def put(self, row: int, col: int, value: str | float | int | bool | None, *, formula: bool = False) -> None:
        if value is not None:
            self.ops.append(Put(row, col, value, formula=formula))

    # -- reading --------------------------------------------------------------------------

    @property
    def merges(self) -> list[Area]:
        return [op.area for op in self.ops if isinstance(op, Merge)]

    def width(self, row: int, col: int) -> float:
        """Characters across a cell: the columns of the merged area it heads, together."""
        right = next((a.right for a in self.merges if (a.top, a.left) == (row, col)), col)
        return sum(self.column_widths[c] for c in range(col, right + 1))

    def final_cells(self) -> dict[tuple[int, int], FinalCell]:
        """Every touched cell as it ends up, in the order first touched.

        Merging keeps the top-left cell as it is; the other cells lose their value and format and
        keep only the top-left cell's border on the edges they lie on, and its locked state. (This
        is what Excel draws for a merged area, and what openpyxl writes, so both writers agree
        cell for cell.) The top-left cell also takes the bottom-right cell's right and bottom
        border. Formatting a cell after the merge changes that cell only.
        """
        cells: dict[tuple[int, int], FinalCell] = {}
        for op in self.ops:
            if isinstance(op, Restyle):
                for rc in op.area.cells():
                    cell = cells.get(rc, FinalCell())
                    cells[rc] = replace(cell, style=op.applied_to(cell.style))
            elif isinstance(op, Put):
                cell = cells.get((op.row, op.col), FinalCell())
                if cell.merged_into:
                    raise ValueError(f"{op.ref} is inside a merged area: put the value in {ref(*cell.merged_into)}")
                cells[(op.row, op.col)] = replace(cell, value=op.value, formula=op.formula)
            else:
                _fold_merge(cells, op.area)
        return cells


def _fold_merge(cells: dict[tuple[int, int], FinalCell], area: Area) -> None:
    anchor_rc = (area.top, area.left)
    anchor = cells.get(anchor_rc, FinalCell())
    end = cells.get((area.bottom, area.right))
    if end is not None:
        extra = Borders(right=end.style.border.right, bottom=end.style.border.bottom)
        anchor = replace(anchor, style=replace(anchor.style, border=anchor.style.border + extra))
    cells[anchor_rc] = anchor
    border, locked = anchor.style.border, anchor.style.locked
    for r, c in area.cells():
        if (r, c) == anchor_rc:
            continue
        edges = Borders(left=border.left if c == area.left else None,
                        right=border.right if c == area.right else None,
                        top=border.top if r == area.top else None,
                        bottom=border.bottom if r == area.bottom else None)
        cells[(r, c)] = FinalCell(CellStyle(border=edges, locked=locked), merged_into=anchor_rc)
    for rc in area.cells():
        cells[rc] = replace(cells[rc], style=replace(cells[rc].style, locked=locked))


# ---------------------------------------------------------------------------------------------
# The forms.

def plan_form(kind: Kind, *, year: int, months: int, project: str | None = None,
              department: str | None = None, unit: str | None = None,
              hierarchy: str | dict[str, tuple[str, ...]] = L.DEFAULT_HIERARCHY,
              indicator_counts: dict[tuple[str, str], int] | None = None, tail: float = 0,
              profile: Profile | None = None) -> SheetPlan:
    """One form as plain data. `hierarchy`: a name in layout.HIERARCHIES or a profile's own levels;
    `indicator_counts` sizes the indicator groups (default 2 rows each); `tail`: points of rows a writer adds below
    the footnotes, printed with them (a summary's note on the form); `profile`: whose thresholds and palette the
    conditional colours of 支出进度 follow (the built-in one by default)."""
    p = SheetPlan()
    out = p.layout
    for i, width in enumerate(COLUMN_WIDTHS, start=1):
        p.column_widths[i] = width
    title = L.PROJECT_TITLE if kind == "project" else L.DEPARTMENT_TITLE
    # title and period stand above the table, without borders
    p.merge(1, 1, 1, LAST_COL, title, align=CENTER, border=NO_BORDERS)
    p.restyle(Area(1, 1, 1, 1), font=FontSpec("黑体", 16, bold=True))
    p.merge(2, 1, 2, LAST_COL, L.period_text(year, months), border=NO_BORDERS)
    p.restyle(Area(2, 1, 2, 1), font=FontSpec(FONT, 11))
    p.row_heights[1] = 30
    if kind == "project":
        p.merge(3, 1, 3, 2, "项目名称", bold=True)
        out.header["project"] = p.merge(3, 3, 3, LAST_COL, align=LEFT, unlocked=True)
        p.merge(4, 1, 4, 2, "主管部门及代码", bold=True)
        out.header["department"] = p.merge(4, 3, 4, 7, align=LEFT, unlocked=True)
        p.merge(4, 8, 4, 8, "预算单位", bold=True)
        out.header["unit"] = p.merge(4, 9, 4, LAST_COL, align=LEFT, unlocked=True)
        top = 5
        end = _funding_block(p, top, months, (L.TOTAL_ROW, *L.PROJECT_SOURCES), "source", None, profile)
        p.merge(top, 1, end - 1, 1, "项目资金预算安排及执行进度（万元）", bold=True)
        goal_label = "项目年度绩效目标"
    else:
        p.merge(3, 1, 3, 3, "主管部门（单位）及代码", bold=True)
        out.header["department"] = p.merge(3, 4, 3, LAST_COL, align=LEFT, unlocked=True)
        top = 4
        mid = _funding_block(p, top, months, (L.TOTAL_ROW, *L.DEPARTMENT_FUND_TYPES), "source", "1.", profile)
        end = _funding_block(p, mid, months, (L.TOTAL_ROW, *L.DEPARTMENT_SPENDING_TYPES), "spending", "2.", profile)
        p.merge(top, 1, end - 1, 1, "预算安排及执行进度（万元）", bold=True)
        goal_label = "年度绩效目标"
    given = {"project": project, "department": department, "unit": unit}
    for key, cell in out.header.items():
        p.put(*rc(cell), given[key])  # user text: always text
    _fit_header(p, {cell: given[key] for key, cell in out.header.items() if given[key]})
    p.merge(end, 1, end, 2, goal_label, bold=True)
    out.header["goal"] = p.merge(end, 3, end, LAST_COL, align=LEFT, unlocked=True)
    p.row_heights[end] = 60
    table = end + 1
    levels = L.HIERARCHIES[hierarchy] if isinstance(hierarchy, str) else hierarchy
    last = _indicator_table(p, table, months, levels, indicator_counts)
    if last > table + 2:
        p.merge(table, 1, last - 1, 1, "绩效指标", bold=True)
    for i, note in enumerate(L.FOOTNOTES):
        p.merge(last + i, 1, last + i, LAST_COL, note, align=LEFT)
        p.restyle(Area(last + i, 1, last + i, LAST_COL), border=NO_BORDERS)
        p.restyle(Area(last + i, 1, last + i, 1), font=FontSpec(FONT, 9))
    # Atop each page the form's name only: a unit reusing the form for another period, project or unit changes
    # the cells it sees (the period line, the headers, 项目名称…), never 页面设置, where a period or a name printed
    # on every page would go on saying the old one. (A summary's 部门整体, written anew each time, is headed as
    # its other sheets are: workbook._Book.header.)
    setup = PrintSetup(print_area=Area(1, 1, last + len(L.FOOTNOTES) - 1, LAST_COL), title_rows=(table, table + 1),
                       header=("", "", header_text(title)), footer=("", PAGE_NUMBER, ""))
    p.print_setup = replace(setup, row_breaks=_page_breaks(p, setup, table, last, tail))
    p.protection = SheetProtection()
    return p


PAGE_NUMBER = "第 &P 页，共 &N 页"  # the footer of every printed page
ROW_HEIGHT = 15  # points of a row whose height is not set (Calibri 11, the workbooks' default font)
LINE_HEIGHT = 14.5  # points a line of 宋体 10 takes, with some room for the CJK fonts that stand in for it
MAX_ROW_HEIGHT = 409  # points: Excel repairs a file with a taller row before opening it
PAGE_FULL = 0.92  # how full a page is planned: Excel, WPS and LibreOffice draw rows and columns a little apart
KEPT_ROWS = 2  # indicator rows that go onto the footnotes' page rather than leave them a page of their own
_PAPERS = {9: (595.3, 841.9), 8: (841.9, 1190.6)}  # A4, A3 portrait in points


def header_text(text: str) -> str:
    """Text for a page header or footer: & starts a code there, so it is doubled (and never cut between the two);
    Excel allows 255 characters."""
    doubled = text.replace("&", "&&")[:100]
    return doubled[:-1] if (len(doubled) - len(doubled.rstrip("&"))) % 2 else doubled


def page_rows_height(width_pixels: float, paper_size: int = 9, landscape: bool = True,
                     margins: tuple[float, float, float, float] = (0.7, 0.7, 0.75, 0.75)) -> float:
    """Points of rows a printed page holds between its top and bottom margins (inches), at the scale that fits
    columns `width_pixels` wide, as Excel draws them on screen, to the page's width between the others.
    (LibreOffice's stand-ins for Calibri draw columns wider, print smaller, and fit more rows on a page.)"""
    short, long = _PAPERS[paper_size]
    width, height = (long, short) if landscape else (short, long)
    left, right, top, bottom = margins
    scale = min(1.0, (width - 72 * (left + right)) / (width_pixels * 0.75))
    return (height - 72 * (top + bottom)) / scale


def _page_breaks(p: SheetPlan, setup: PrintSetup, table: int, last: int, tail: float) -> tuple[int, ...]:
    """The rows that begin a printed page of a form too tall for one: the indicator table begins one (and its
    header is repeated atop each of its pages), and the footnotes, with `tail` points below them, are never left
    a page of their own under that header. Planned as Excel prints the form (7 pixels a character of Calibri)."""
    def height(rows: range) -> float:
        return sum(p.row_heights.get(r, ROW_HEIGHT) for r in rows)

    page = PAGE_FULL * page_rows_height(7 * sum(COLUMN_WIDTHS), setup.paper_size, setup.landscape, setup.margins)
    notes = height(range(last, setup.print_area.bottom + 1)) + tail
    if height(range(1, last)) + notes <= page:
        return ()
    breaks, header = [table], height(range(table, table + 2))
    used = header
    for r in range(table + 2, last):
        row = height(range(r, r + 1))
        if used + row > page:
            breaks.append(r)
            used = header
        used += row
    if used + notes > page and last - KEPT_ROWS > breaks[-1]:
        breaks.append(last - KEPT_ROWS)
    return tuple(breaks)


def _fit_header(p: SheetPlan, texts: dict[str, str]) -> None:
    """A header row as tall as the lines its texts the form is made with wrap onto in their merged cells (Excel and
    WPS fit no row to a merged cell): a unit's name of 24 characters and more in 预算单位 ran over 项目名称 above and
    the funding table below, cut on paper. At most the 409 points Excel allows (a taller row made Excel repair the
    form before opening it), and then set at its top, so that the start of a name too long for it shows."""
    for cell, text in texts.items():
        row, col = rc(cell)
        lines = wrapped_lines(text, p.width(row, col))
        if lines > 1:
            height = max(p.row_heights.get(row, ROW_HEIGHT), LINE_HEIGHT * lines + 2)
            p.row_heights[row] = min(height, MAX_ROW_HEIGHT)
            if height > MAX_ROW_HEIGHT:
                p.restyle(Area(row, col, row, col), align=Align("left", "top", wrap=True))


def rc(cell: str) -> tuple[int, int]:
    """A1 address to 1-based (row, column)."""
    r, c = parse_address(cell)
    return r + 1, c + 1


def _funding_block(p: SheetPlan, top: int, months: int, rows: tuple[str, ...], block: str,
                   number: str | None, profile: Profile | None) -> int:
    """Two header rows then one row per label; returns the next free row."""
    out = p.layout
    p.merge(top, 2, top + 1, 3, number, bold=True, fill=HEADER_FILL)
    p.merge(top, 4, top, 6, "年度预算资金安排", bold=True, fill=HEADER_FILL)
    for col in L.FUNDING_COLUMNS:
        c = FUNDING_COLS[col.field]
        text = L.with_months(col.header, months)
        if col.field in ("carryover", "current", "subtotal"):
            p.merge(top + 1, c, top + 1, c, text, bold=True, fill=HEADER_FILL)
        else:
            p.merge(top, c, top + 1, c if col.field != "forecast" else LAST_COL, text, bold=True,
                    fill=HEADER_FILL)
    first, last = top + 2, top + 1 + len(rows)
    p.row_heights[top] = 20
    p.row_heights[top + 1] = 40
    for r in range(first, last + 1):
        p.row_heights[r] = 18
    for i, label in enumerate(rows):
        r = first + i
        shown = f"{label}：" if i == 0 else (f"其中：{label}" if i == 1 else label)
        p.merge(r, 2, r, 3, shown, align=LEFT if i else CENTER, bold=i == 0)
        cells = {f: ref(r, c) for f, c in FUNDING_COLS.items()}
        out.funding[(block, label)] = cells
        for f, c in FUNDING_COLS.items():
            end = LAST_COL if f == "forecast" else c
            fmt = RATE_FORMAT if f in L.RATE_FIELDS else AMOUNT_FORMAT
            is_input = f in L.INPUT_AMOUNTS and i > 0
            p.merge(r, c, r, end, None, align=RIGHT, number_format=fmt, unlocked=is_input)
            if i == 0 and f in L.INPUT_AMOUNTS:
                col = letter(c)
                span = f"{col}{first + 1}:{col}{last}"
                p.put(r, c, f'=IF(COUNT({span})=0,"",SUM({span}))', formula=True)
                out.formulas[cells[f]] = (block, label, f)
        pair = f"{cells['carryover']}:{cells['current']}"
        # N(): 资金总额's sums are "" while no source has a number, and a source's amount may be typed as text a
        # division makes no number of (１２０, 60万元): either would show #VALUE!; N() leaves it out, as SUM does
        issued, spent = (f"N({cells[f]})" for f in ("issued", "spent"))
        formulas = {
            "subtotal": f'=IF(COUNT({pair})=0,"",SUM({pair}))',
            "issue_rate": f'=IF(N({cells["current"]})=0,"",{issued}/{cells["current"]})',
            "spend_progress": f'=IF(N({cells["subtotal"]})=0,"",{spent}/{cells["subtotal"]})',
        }
        for f, formula in formulas.items():
            p.put(r, FUNDING_COLS[f], formula, formula=True)
            out.formulas[cells[f]] = (block, label, f)
    _grade_colours(p, months, out.funding[(block, rows[0])]["spend_progress"],
                   out.funding[(block, rows[-1])]["spend_progress"], profile)
    return last + 1


def _grade_colours(p: SheetPlan, months: int, first: str, last: str, profile: Profile | None) -> None:
    """支出进度 coloured as grading.grade_funding grades it, by the profile's gaps to 时间进度 and its milestone for
    the form's month, in its palette: the same colours in WPS and Excel where no Python runs."""
    from .grading import GAP_EPS
    from .marks import FONT_PALETTE
    from .profile import load_profile

    profile = profile or load_profile()
    rules, fills = profile.funding, profile.colours()
    gap = f"{months}/12-{first}"
    red, yellow = [f"{gap}>{_number(rules.yellow_max_gap + GAP_EPS)}"], [f"{gap}>{_number(rules.green_max_gap + GAP_EPS)}"]
    if rules.use_milestones and months in rules.milestones:
        short = f"{_number(rules.milestones[months])}-{first}"
        red.append(f"{short}>{_number(rules.yellow_max_gap + GAP_EPS)}")
        yellow.append(f"{short}>{_number(GAP_EPS)}")
    conditions = (("red", _any(red)), ("yellow", _any(yellow)), ("green", "TRUE"))
    p.conditional_formats.append(ConditionalFormat(f"{first}:{last}", tuple(
        FormulaColour(f"AND(ISNUMBER({first}),{condition})", fills[grade], FONT_PALETTE[grade])
        for grade, condition in conditions)))


def _any(conditions: list[str]) -> str:
    return conditions[0] if len(conditions) == 1 else f"OR({','.join(conditions)})"


def _number(value: float) -> str:
    """A number as a formula writes it: plain digits, never 1e-12, which not every program reads."""
    return f"{value:.15f}".rstrip("0").rstrip(".") or "0"


def _indicator_table(p: SheetPlan, top: int, months: int, hierarchy: dict[str, tuple[str, ...]],
                     counts: dict[tuple[str, str], int] | None) -> int:
    out = p.layout
    headers = dict(L.INDICATOR_HEADERS)
    for key in ("level1", "level2", "level3", "target", "actual", "forecast", "reason", "remark"):
        c = INDICATOR_COLS[key]
        p.merge(top, c, top + 1, c, L.with_months(headers[key], months), bold=True, fill=HEADER_FILL)
    p.merge(top, 9, top, 11, headers["likelihood"], bold=True, fill=HEADER_FILL)
    for name in L.LIKELIHOODS:
        p.merge(top + 1, INDICATOR_COLS[name], top + 1, INDICATOR_COLS[name], name, bold=True,
                fill=HEADER_FILL)
    p.row_heights[top] = p.row_heights[top + 1] = 22
    tick = ListValidation((L.TICK,), error_title="完成目标可能性", error="请选择“√”，或留空。")
    p.validations.append(tick)
    r = top + 2
    for level1, names in hierarchy.items():
        start = r
        choice = ListValidation(names, error_title="二级指标",
                                error=f"“{level1}”下的二级指标只能是：" + "、".join(names))
        p.validations.append(choice)
        for level2 in names:
            n = 2 if counts is None else counts.get((level1, level2), 0)
            for _ in range(n):
                p.merge(r, 3, r, 3, level2, unlocked=True)
                choice.ranges.append(f"C{r}")
                p.style(range(r, r + 1), range(4, LAST_COL + 1), align=LEFT, unlocked=True)
                # 95% typed into a General cell is kept as 0.95, which the summary and report would quote
                p.style(range(r, r + 1), range(INDICATOR_COLS["target"], INDICATOR_COLS["forecast"] + 1), align=LEFT,
                        number_format="@", unlocked=True)
                p.style(range(r, r + 1), range(9, 12), unlocked=True)
                tick.ranges.append(f"I{r}:K{r}")
                out.indicator_rows.append((level1, level2, r))
                r += 1
        if r > start:
            p.merge(start, 2, r - 1, 2, level1, bold=True)
    return r
