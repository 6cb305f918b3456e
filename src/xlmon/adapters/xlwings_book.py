"""An xlwings Book (desktop Excel, or xlwings Server's remote Book) as grids in, edits out.

The same calls serve both: on a remote Book every write becomes an action the client applies
afterwards, so only writes that the calling client handles are made. The VBA client
(`RunServerPython` in xlwings' Remote.bas) applies values, fill colours, number formats, sheets,
hyperlinks and alerts; the Office.js client of xlwings Server handles far more. Reading colours
and formulas is impossible on a remote Book, which is why the marks of 校验 are recorded in the
校验结果 sheet itself, for 清除标记 to take off again.

User text is always written as text: a string gets Excel's text prefix (') so that `=…`, `+…`
or `001` is kept literally instead of becoming a formula or a number.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any, Literal

from ..grid import Grid, address, normalise
from .safety import MAX_SHEET_CELLS

Client = Literal["desktop", "VBA", "Office.js"]

# What the VBA client of xlwings 0.37 applies (the Subs of xlwings/addin/Remote.bas).
VBA_ACTIONS = frozenset({
    "setValues", "rangeClearContents", "rangeClearFormats", "rangeClear", "addSheet", "setSheetName",
    "setAutofit", "setRangeColor", "activateSheet", "addHyperlink", "setNumberFormat",
    "setPictureName", "setPictureHeight", "setPictureWidth", "deletePicture", "addPicture",
    "updatePicture", "alert", "setRangeName", "namesAdd", "nameDelete", "runMacro", "rangeDelete",
    "rangeInsert", "rangeSelect", "addTable", "setTableName", "resizeTable", "showAutofilterTable",
    "showHeadersTable", "showTotalsTable", "setTableStyle", "copyRange", "sheetDelete", "sheetClear",
    "sheetClearContents", "sheetClearFormats",
})
# Beyond VBA_ACTIONS, the Office.js client of xlwings Server applies these (its action callbacks).
OFFICEJS_EXTRA = frozenset({
    "setColumnWidth", "setRowHeight", "setWrapText", "rangeMerge", "setFontProperty",
    "setBorderProperty", "setHorizontalAlignment", "setVerticalAlignment", "setSheetVisibility",
    "setDataValidationList", "freezePaneAtRange", "setSheetPosition",
})


def is_remote(book: Any) -> bool:
    return type(book.impl).__module__.endswith("_xlremote")


def client(book: Any) -> Client:
    if not is_remote(book):
        return "desktop"
    return "Office.js" if book.api.get("client") == "Office.js" else "VBA"


def can(book: Any, action: str) -> bool:
    """Whether the client that called can apply `action` (desktop Excel can do everything)."""
    kind = client(book)
    if kind == "desktop":
        return True
    return action in VBA_ACTIONS or (kind == "Office.js" and action in OFFICEJS_EXTRA)


def book_name(book: Any) -> str:
    if is_remote(book):
        return str(book.api["book"]["name"])
    return Path(book.fullname).name


def book_folder(book: Any) -> Path | None:
    """The folder of a saved desktop workbook; None for a remote or never-saved book."""
    if is_remote(book):
        return None
    full = Path(book.fullname)
    return full.parent if full.is_absolute() and full.parent.is_dir() else None


def sheet_grid(sheet: Any) -> Grid:
    """Every value from A1 to the last used cell (the remote payload starts at A1 already)."""
    if is_remote(sheet.book):
        return [[_sent(v) for v in row] for row in normalise(sheet.impl.api["values"] or [])]
    last = sheet.used_range.last_cell
    too_large = used_range_too_large(sheet.name, last.row, last.column)
    if too_large:
        raise ValueError(too_large)  # Excel would hang handing over that many cells
    values = sheet.range((1, 1), (last.row, last.column)).options(ndim=2, err_to_str=True).value  # #REF! as shown
    return normalise(values or [])


_SENT_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
_DAY_ZERO = datetime.date(1899, 12, 30)


def _sent(value: Any) -> Any:
    """A date cell as the file reader gives it: both clients send it as ISO text (VBA's ConvertToIso, Office.js's
    toISOString), which would be quoted and graded as words; a time alone comes on Excel's day 0."""
    if value.__class__ is not str or value[10:11] != "T" or not _SENT_DATE.fullmatch(value):
        return value
    when = datetime.datetime.fromisoformat(value[:19])
    if when.date() == _DAY_ZERO:
        return when.time()
    return when.date() if when.time() == datetime.time() else when


def used_range_too_large(sheet: str, rows: int, columns: int) -> str | None:
    """Why a desktop sheet's used range (which Excel stretches for formatting too) is not read, if it is
    larger than a workbook file's sheet may be (F010)."""
    if rows * columns <= MAX_SHEET_CELLS:
        return None
    return (f"工作表“{sheet}”的已用区域延伸到单元格 {address(rows - 1, columns - 1)}（{rows:,} 行 × {columns:,} 列），"
            f"超过 {MAX_SHEET_CELLS // 10_000} 万个单元格，xlmon 不读取。这多半是表格以外误输入的内容或设置的格式："
            "请选中表格以外多余的行和列，右键“删除”，保存后再试。")


def hidden_sheets(book: Any) -> set[str]:
    """The sheets hidden in Excel, where the book can tell: desktop Excel and the Office.js client, which sends each
    sheet's visibility; the VBA client sends none."""
    if not is_remote(book):
        return {s.name for s in book.sheets if not s.visible}
    return {s.name for s in book.sheets if s.impl.api.get("visibility", "Visible") != "Visible"}


def book_grids(book: Any, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Grid]:
    return {s.name: sheet_grid(s) for s in book.sheets if s.name not in skip}


def form_grids(book: Any) -> dict[str, Grid]:
    """The grids check_sheets reads forms from: every sheet but xlmon's own. A summary's records sheet, not read
    (it may be large), stands as an empty grid: it tells check_sheets that the tables beside it are no forms."""
    from ..check import OWN_SHEETS
    from ..sheetnames import RECORDS_SHEET

    grids = book_grids(book, skip=OWN_SHEETS)
    if any(s.name == RECORDS_SHEET for s in book.sheets):
        grids[RECORDS_SHEET] = []
    return grids


def as_text(value: Any) -> Any:
    """A cell value that Excel keeps exactly as given: strings get the text prefix."""
    if isinstance(value, str):
        return "'" + value if value else None
    return value


def write_rows(sheet: Any, top_left: str, rows: list[list[Any]]) -> None:
    """One write for a block of cells; strings as text, numbers as numbers."""
    if rows:
        width = max(len(row) for row in rows)
        sheet[top_left].value = [[as_text(v) for v in row] + [None] * (width - len(row)) for row in rows]


def set_colour(book: Any, sheet: Any, cell: str, rgb: str | None) -> None:
    """Fill one cell; None takes the fill off (white on the VBA client, which cannot clear it)."""
    if rgb is None and client(book) == "VBA":
        rgb = "FFFFFF"
    sheet[cell].color = f"#{rgb}" if rgb else None


def read_colour(sheet: Any, cell: str) -> str | None | Literal[False]:
    """The fill of a cell as RRGGBB, None for no fill, False where the book cannot say (remote)."""
    if is_remote(sheet.book):
        return False
    colour = sheet[cell].color
    if colour is None:
        return None
    r, g, b = colour
    return f"{r:02X}{g:02X}{b:02X}"


def delete_sheet(book: Any, name: str) -> bool:
    if name in [s.name for s in book.sheets]:
        book.sheets[name].delete()
        return True
    return False


def add_sheet(book: Any, name: str) -> Any:
    """A new sheet after the last one, named `name`."""
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


DESKTOP_MODES = {"warning": "critical"}  # desktop Excel's alert knows info and critical only (KeyError else);
# on Windows critical is the warning icon


def alert(book: Any, text: str, title: str = "xlmon 预算绩效运行监控", mode: str = "info") -> None:
    """On a remote Book the alert goes onto this Book's own actions: xlwings' App.alert appends to
    the process-wide active book, which under concurrent requests is another user's."""
    if is_remote(book):
        book.impl.append_json_action(func="alert", args=[text, title, "ok", mode, ""])
    else:
        book.app.alert(text, title=title, buttons="ok", mode=DESKTOP_MODES.get(mode, mode))


def status(book: Any, text: str | None) -> None:
    """Progress in the status bar of desktop Excel; remote clients have none."""
    if not is_remote(book):
        book.app.status_bar = text if text else False
