"""Put a MarkPlan on a workbook file with openpyxl, and take it off again.

The only place that applies marks to a file (the core plans them in marks.py and never imports
openpyxl). `annotate_file` colours and outlines cells, adds comments and a 校验结果 sheet;
`clear_file` puts every marked cell back the way it was and removes both xlmon sheets.

What a cell looked like before we marked it is kept in the very-hidden sheet `_xlmon`:

    A1        STATE_MARKER
    row 2...  A = sheet name, B = cell, C... = JSON (split over columns if longer than a cell holds)

    {"original": {"fill": "<fill>…</fill>", "border": "<border>…</border>",
                  "comment": {"text": …, "author": …, "width": …, "height": …} | null},
     "applied":  {same keys: what xlmon put there},
     "row":      [the other texts of the cell's row, which find it where rows were inserted or deleted above]}

fill and border are openpyxl's own XML for the style, so restoring is exact (theme colours,
tints, gradients, diagonals). On clearing, a property is restored only while it still is what
xlmon applied: a colour or comment the user changed after marking is left alone.

Every run starts by clearing, so marks are replaced, never stacked.
"""

from __future__ import annotations

import importlib.util
import io
import json
import math
import os
import re
import unicodedata
import zipfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.fills import Fill
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.functions import fromstring, tostring

from ..diagnostics import Diagnostic
from ..marks import (NO_FINDINGS, OUTLINE, RESULTS_HEADER, RESULTS_SHEET, STATE_SHEET, CellMark, MarkPlan,
                     results_row)
from ..atomic import atomic_path
from ..form_plan import MAX_ROW_HEIGHT
from ..text import fit_utf16, utf16_len, utf16_prefix, wrapped_lines
from .safety import OLE_MAGIC, sheet_parts

AUTHOR = "xlmon"
STATE_MARKER = "xlmon-marks/1"
RESULTS_WIDTHS = (6, 28, 16, 9, 8, 7, 80)
_MOST = 32767  # UTF-16 units of a cell's text or a comment, in Excel
_CHUNK = 30000  # UTF-16 units of the state's JSON a cell holds
_CUT = "……（过长，以下从略）"
_CUT_THEIRS = "……（原批注过长，此处从略；清除标注后完整恢复）"
_HEADER_FILL = PatternFill("solid", fgColor="FFD9E1F2")
_LINK_FONT = Font(color="FF0563C1", underline="single")
_TOP_LEFT = Alignment(vertical="top")
_WRAPPED = (2, 3, 7)  # 文件, 工作表, 说明: texts of any length
# points a line of Calibri 11 (a CJK font standing in) takes; its characters are 11/10 as wide as the 宋体 10 that
# wrapped_lines counts in
_LINE_HEIGHT = 16
_WRAP = Alignment(vertical="top", wrap_text=True)
_MACRO_SUFFIXES = (".xlsm", ".xltm")
_TEMPLATES = {".xltx": ".xlsx", ".xltm": ".xlsm"}
_AS_WORKBOOK = {**_TEMPLATES, ".et": ".xlsx", ".ett": ".xlsx"}  # an .et that is no .xls is an .xlsx renamed


def copy_suffix(path: str | Path) -> str:
    """The suffix of a marked or cleared copy of `path`: a template's copy is the workbook it was filled in as, an
    .xlsx renamed .et an .xlsx."""
    suffix = Path(path).suffix
    return _AS_WORKBOOK.get(suffix.lower(), suffix)


# ---------------------------------------------------------------------------------- public API

def annotate_file(src: str | Path, dst: str | Path, plan: MarkPlan) -> Path:
    """Write `src` with the plan's marks and a 校验结果 sheet to `dst`: never to `src` itself, nor over a file
    other than an earlier annotated copy (which annotating again after a fix is meant to replace)."""
    src_path, dst_path = _check_paths(src, dst)
    if dst_path.exists() and not _annotated_copy(dst_path):
        raise ValueError(f"输出文件 {dst_path} 已存在，且不是 xlmon 的标注副本，未覆盖：请另选输出文件名。")
    wb = _load(src_path)
    with _said_of(src_path):
        annotate_workbook(wb, plan)
    _declare_kind(wb, dst_path)
    return _save(wb, src_path, dst_path)


def clear_file(src: str | Path, dst: str | Path) -> Path:
    """Write `src` to a new file `dst` with every xlmon mark taken off and the xlmon sheets removed. A cleared
    copy is where work goes on, so nothing that exists is written over, an earlier cleared copy included."""
    src_path, dst_path = _check_paths(src, dst)
    if dst_path.exists():
        raise ValueError(f"输出文件 {dst_path} 已存在，未覆盖：请另选输出文件名（-o）。")
    wb = _load(src_path)
    with _said_of(src_path):
        clear_workbook(wb)
    _declare_kind(wb, dst_path)
    return _save(wb, src_path, dst_path)


@contextmanager
def _said_of(path: Path):
    """A refusal said of the workbook in hand, said of the file it was read from: which one."""
    try:
        yield
    except ValueError as exc:
        raise ValueError(f"{path}：{exc}") from None


def annotate_workbook(wb: Workbook, plan: MarkPlan) -> None:
    """In memory: clear earlier marks, apply the plan, write 校验结果 and the state sheet."""
    foreign = STATE_SHEET in wb.sheetnames and not _ours(wb[STATE_SHEET])
    results_was_active = False if foreign else clear_workbook(wb)  # a sheet of the unit's own: said below
    if RESULTS_SHEET in wb.sheetnames:
        if _marked_in_excel(wb[RESULTS_SHEET]):
            raise ValueError(f"工作簿中有 Excel 加载项“校验”留下的标记和“{RESULTS_SHEET}”表，未再标注：请在 Excel 中"
                             "点击“清除标记”并保存后再上传（单元格上现有的标色即该次校验的结果）。")
        raise ValueError(f"工作簿中已有名为“{RESULTS_SHEET}”的工作表（不是 xlmon 生成的），"
                         "请将其改名后再标注。")
    taken = next((name for name in wb.sheetnames if name.casefold() == STATE_SHEET.casefold()), None)
    if taken:  # Excel's sheet names know no case: ours would be named another, and never cleared
        raise ValueError(f"工作簿中已有名为“{taken}”的工作表，与 xlmon 记录标注所用的“{STATE_SHEET}”表同名"
                         f"{'' if taken == STATE_SHEET else '（Excel 不分大小写）'}，请将其改名后再标注。")
    records = _apply_marks(wb, plan.marks)
    results = _write_results(wb, plan.diagnostics)
    _write_state(wb, records)
    if results_was_active:
        _activate(wb, results)


def _marked_in_excel(results) -> bool:
    """Whether a 校验结果 sheet is the one the add-in's 校验 writes: its record of marks (addin_marks) right of
    the findings, which only the add-in's 清除标记 reads back."""
    from ..addin_marks import STATE_COLUMN, STATE_MARKER as ADDIN_MARKER

    return results[f"{STATE_COLUMN}1"].value == ADDIN_MARKER


def clear_workbook(wb: Workbook) -> bool:
    """In memory: restore marked cells, delete 校验结果 and _xlmon. True if 校验结果 was the active sheet.

    A workbook without xlmon's state sheet is left untouched (a 校验结果 sheet of the user's own
    stays)."""
    if STATE_SHEET not in wb.sheetnames:
        return False
    state = wb[STATE_SHEET]
    if not _ours(state):
        raise ValueError(f"工作簿中的“{STATE_SHEET}”工作表不是 xlmon 生成的，无法清除标注。")
    for sheet, coord, record in _read_state(state):
        if sheet in wb.sheetnames and sheet not in (RESULTS_SHEET, STATE_SHEET):
            _restore(wb[sheet][_where_now(wb[sheet], coord, record)], record)
    active = wb.active
    results_was_active = active is not None and active.title == RESULTS_SHEET
    wb.remove(state)
    if RESULTS_SHEET in wb.sheetnames:
        wb.remove(wb[RESULTS_SHEET])
    if active is not None and any(sheet is active for sheet in wb._sheets):
        wb.active = wb._sheets.index(active)  # by index: a hidden active sheet stays as it was
    else:
        visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"] or wb.worksheets
        if visible:
            _activate(wb, visible[0])
    return results_was_active


def dropped_features(src: str | Path) -> list[str]:
    """What openpyxl will not carry over into the written copy, in Chinese, for a warning.

    Judged from the package's part names and the sheets' XML; empty for our own templates."""
    found: list[str] = []
    with zipfile.ZipFile(src) as z:
        names = z.namelist()
        sheets = b"".join(z.read(n) for n in names
                          if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))
    if any(n.startswith("xl/media/") for n in names) and importlib.util.find_spec("PIL") is None:
        found.append("图片")  # openpyxl keeps pictures only when Pillow is installed
    if any(n.startswith("xl/drawings/drawing") for n in names):
        found.append("图形、文本框等绘图对象（图表会重新生成，格式可能改变）")
    if any(n.startswith("xl/threadedComments/") for n in names):
        found.append("新式批注的回复（只保留为普通批注）")
    if any(n.startswith(("xl/ctrlProps/", "xl/activeX/")) for n in names):
        found.append("表单控件")
    if any(n.startswith(("xl/slicers/", "xl/slicerCaches/", "xl/timelines/")) for n in names):
        found.append("切片器")
    if b"x14:dataValidation" in sheets:
        found.append("引用其他工作表的数据验证")
    if b"x14:conditionalFormatting" in sheets or b"x14:sparklineGroup" in sheets:
        found.append("扩展条件格式或迷你图")
    return found


# ---------------------------------------------------------------------------------- files

def _check_paths(src: str | Path, dst: str | Path) -> tuple[Path, Path]:
    src_path, dst_path = Path(src), Path(dst)
    if not src_path.is_file():
        raise FileNotFoundError(f"找不到文件：{src_path}")
    if _legacy(src_path):
        suffix = src_path.suffix.lower()
        kind = f"WPS 表格的 {suffix} 格式" if suffix in (".et", ".ett") else "Excel 97-2003 格式（.xls）"
        raise ValueError(f"“{src_path.name}”是 {kind}，xlmon 只能在 .xlsx/.xlsm 上标注：请先在 Excel 或 WPS "
                         "中“另存为” .xlsx，再生成标注副本。")
    same = src_path.resolve() == dst_path.resolve()
    if not same and dst_path.exists():
        try:
            same = os.path.samefile(src_path, dst_path)
        except OSError:
            same = False
    if same:
        raise ValueError(f"输出文件不能与原文件相同（{src_path}）：xlmon 不修改原文件，请另选输出文件名。")
    if dst_path.suffix.lower() not in (".xlsx", *_MACRO_SUFFIXES):
        raise ValueError(f"输出文件 {dst_path} 的扩展名应为 {copy_suffix(src_path) or '.xlsx'}（与原文件的格式相同），"
                         "否则 Excel 打不开它。")
    src_macro = src_path.suffix.lower() in _MACRO_SUFFIXES
    dst_macro = dst_path.suffix.lower() in _MACRO_SUFFIXES
    if src_macro != dst_macro:
        raise ValueError(f"输出文件 {dst_path} 的扩展名应为 {copy_suffix(src_path)}（与原文件的格式相同）："
                         "含宏与不含宏的格式不能互换。")
    return src_path, dst_path


def _legacy(path: Path) -> bool:
    """An .xls (an OLE file, whatever its name): read for checking, but openpyxl cannot open it to mark it."""
    try:
        with path.open("rb") as f:
            return f.read(8) == OLE_MAGIC
    except OSError:
        return path.suffix.lower() == ".xls"


def _ours(state: Worksheet) -> bool:
    """Whether a sheet named as xlmon's record is one xlmon wrote."""
    return state["A1"].value == STATE_MARKER


def _annotated_copy(path: Path) -> bool:
    """Whether a file is a copy annotate_file wrote: it holds both of xlmon's sheets."""
    from python_calamine import CalamineWorkbook

    try:
        return {RESULTS_SHEET, STATE_SHEET} <= set(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception:  # calamine raises its own error types for a file it cannot open
        return False


def _declare_kind(wb: Workbook, dst: Path) -> None:
    """A copy declares itself a template only under a template's name: Excel will not open an .xlsx or .xlsm
    whose workbook says it is a template, as one read from an .xltx or .xltm does."""
    wb.template = dst.suffix.lower() in _TEMPLATES


def _load(path: Path) -> Workbook:
    keep_vba = path.suffix.lower() in _MACRO_SUFFIXES
    with path.open("rb") as f:  # by its content: openpyxl refuses a file by its name, an .xlsx renamed .et
        return load_workbook(f, keep_vba=keep_vba, rich_text=True)


_RESULT_TYPES = {"n", "str", "b", "e"}  # how a formula's saved result is typed: number, text, TRUE/FALSE, #N/A
# a formula cell as openpyxl writes it, with no result: <c r="I8" s="40"><f>60+44.64</f><v></v></c>
_WRITTEN_FORMULA = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"([^>]*)>(<f(?:\s[^>]*)?(?:/>|>[^<]*</f>))'
                              rb'<v\s*(?:/>|>\s*</v>)</c>')


def _save(wb: Workbook, src: Path, dst: Path) -> Path:
    """Save atomically, each formula with the result the original saved for it: openpyxl writes formulas without
    theirs, and a reader that does not calculate (xlmon itself, a consolidation, python-calamine) takes such a formula
    for unknown (N006), a 支出数 of =60+44.64 that Excel had worked out included."""
    results = _formula_results(src.read_bytes())
    with atomic_path(dst) as tmp:
        wb.save(tmp)
        if results:
            _put_results(Path(tmp), results)
    return dst


def _formula_results(data: bytes) -> dict[str, dict[str, tuple[str, str]]]:
    """Sheet name → cell → (type, text) of the result saved with each formula of a workbook."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name, part in sheet_parts(data).items():
            cells: dict[str, tuple[str, str]] = {}
            try:
                with archive.open(part) as f:
                    for _, element in SafeET.iterparse(f, forbid_dtd=True):
                        if element.tag.rsplit("}", 1)[-1] != "c":
                            continue
                        parts = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                        kind, where = element.get("t", "n"), element.get("r")
                        result = parts.get("v")
                        if where and kind in _RESULT_TYPES and "f" in parts and result is not None \
                                and (result.text is not None or kind == "str"):  # an empty text is a result too
                            cells[where] = (kind, result.text or "")
                        element.clear()
            except (SafeET.ParseError, DefusedXmlException, KeyError, zipfile.BadZipFile, OSError):
                continue  # written without results, as before
            if cells:
                out[name] = cells
    return out


def _put_results(path: Path, results: dict[str, dict[str, tuple[str, str]]]) -> None:
    """Give the formulas openpyxl wrote at `path` the results their sheet's original saved."""
    data = path.read_bytes()
    parts = sheet_parts(data)
    wanted = {parts[name]: cells for name, cells in results.items() if name in parts}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, body in members:
            if info.filename in wanted:
                body = _with_results(body, wanted[info.filename])
            archive.writestr(info, body)


def _with_results(xml: bytes, cells: dict[str, tuple[str, str]]) -> bytes:
    def put(m: re.Match) -> bytes:
        found = cells.get(m[1].decode())
        if found is None:
            return m[0]
        kind, text = found
        typed = b"" if kind == "n" else f' t="{kind}"'.encode()
        return b'<c r="%s"%s%s>%s<v>%s</v></c>' % (m[1], m[2], typed, m[3], escape(text).encode("utf-8"))

    return _WRITTEN_FORMULA.sub(put, xml)


# ---------------------------------------------------------------------------------- cell state

def _style_xml(obj: Any) -> str:
    return tostring(obj.to_tree()).decode("utf-8")


def _fill_from(xml: str) -> Fill:
    return Fill.from_tree(fromstring(xml)) or PatternFill()


def _border_from(xml: str) -> Border:
    return Border.from_tree(fromstring(xml))


def _comment_state(cell: Cell | MergedCell) -> dict | None:
    comment = getattr(cell, "comment", None)
    if comment is None:
        return None
    return {"text": comment.text, "author": comment.author, "width": comment.width,
            "height": comment.height}


def _snapshot(cell: Cell | MergedCell) -> dict:
    return {"fill": _style_xml(cell.fill), "border": _style_xml(cell.border),
            "comment": _comment_state(cell)}


def _restore(cell: Cell | MergedCell, record: dict) -> None:
    original, applied = record.get("original") or {}, record.get("applied") or {}
    if original.get("fill") and applied.get("fill") and cell.fill == _fill_from(applied["fill"]):
        cell.fill = _fill_from(original["fill"])
    if original.get("border") and applied.get("border") and cell.border == _border_from(applied["border"]):
        cell.border = _border_from(original["border"])
    if isinstance(cell, MergedCell):
        return  # merged cells hold no comment
    ours, current = applied.get("comment"), _comment_state(cell)
    # openpyxl does not read a comment's size back, so compare text and author only
    still_ours = _same_comment(current, ours) or (current is None and ours is not None)
    if still_ours:
        before = original.get("comment")
        if before is None:
            cell.comment = None
        else:
            cell.comment = Comment(before["text"], before["author"], height=before.get("height", 79),
                                   width=before.get("width", 144))


def _row_texts(ws: Worksheet, row: int, column: int) -> list[str]:
    """The texts of a marked cell's row but its own (a value the unit may correct): what tells the row where a row
    was inserted or deleted above it since marking."""
    return [str(cell.value).strip() for cell in ws[row] if cell.column != column and isinstance(cell.value, str)
            and cell.value.strip()]


def _where_now(ws: Worksheet, coord: str, record: dict) -> str:
    """Where a marked cell is now: at its address while its row still holds the texts it held, else in the nearest
    row that does (a row inserted or deleted above moved it); at its address where none does (its texts edited)."""
    texts = record.get("row")
    column, row = coordinate_from_string(coord)
    at = column_index_from_string(column)
    if not texts or _row_texts(ws, row, at) == texts:
        return coord
    moved = [r for r in range(1, ws.max_row + 1) if r != row and _row_texts(ws, r, at) == texts]
    return f"{column}{min(moved, key=lambda r: abs(r - row))}" if moved else coord


def _same_comment(a: dict | None, b: dict | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a["text"], a["author"]) == (b["text"], b["author"])


def _write_state(wb: Workbook, records: dict[tuple[str, str], dict]) -> Worksheet:
    ws = wb.create_sheet(STATE_SHEET)
    ws.sheet_state = "veryHidden"
    _text(ws.cell(1, 1), STATE_MARKER)
    for r, ((sheet, coord), record) in enumerate(records.items(), start=2):
        _text(ws.cell(r, 1), sheet)
        _text(ws.cell(r, 2), coord)
        data = json.dumps(record, ensure_ascii=False, sort_keys=True)
        for i, piece in enumerate(_pieces(data, _CHUNK)):
            _text(ws.cell(r, 3 + i), piece)
    return ws


def _read_state(ws: Worksheet) -> list[tuple[str, str, dict]]:
    out = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if not row or not row[0] or not row[1]:
            continue
        data = "".join(str(v) for v in row[2:] if v is not None)
        try:
            record = json.loads(data)
            coordinate_from_string(str(row[1]))
        except ValueError:
            continue  # damaged by hand: skip that cell rather than fail the whole clear
        out.append((str(row[0]), str(row[1]), record))
    return out


# ---------------------------------------------------------------------------------- applying marks

def _target(ws: Worksheet, coord: str) -> tuple[str, tuple[int, int, int, int]]:
    """The cell a mark lands on (top-left of a merged range) and the range it covers."""
    cell = ws[coord]
    for rng in ws.merged_cells.ranges:
        if (rng.min_row <= cell.row <= rng.max_row) and (rng.min_col <= cell.column <= rng.max_col):
            return rng.start_cell.coordinate, (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
    return cell.coordinate, (cell.row, cell.column, cell.row, cell.column)


def _apply_marks(wb: Workbook, marks: list[CellMark]) -> dict[tuple[str, str], dict]:
    merged: dict[tuple[str, str], dict] = {}
    for mark in marks:
        if mark.sheet in (RESULTS_SHEET, STATE_SHEET):
            continue
        if mark.sheet not in wb.sheetnames:
            raise ValueError(f"标注指向的工作表“{mark.sheet}”不在工作簿中。")
        ws = wb[mark.sheet]
        try:
            coordinate_from_string(mark.cell)
        except ValueError:
            raise ValueError(f"标注指向的单元格“{mark.sheet}!{mark.cell}”无效。") from None
        coord, bounds = _target(ws, mark.cell)
        entry = merged.setdefault((mark.sheet, coord), {"bounds": bounds, "fill": None, "outline": None,
                                                        "comments": []})
        entry["fill"] = mark.fill or entry["fill"]
        entry["outline"] = mark.outline or entry["outline"]
        if mark.comment and mark.comment not in entry["comments"]:
            entry["comments"].append(mark.comment)

    records: dict[tuple[str, str], dict] = {}

    def touch(ws: Worksheet, cell: Cell | MergedCell) -> None:
        key = (ws.title, cell.coordinate)
        if key not in records:
            records[key] = {"original": _snapshot(cell), "row": _row_texts(ws, cell.row, cell.column)}

    for (sheet, coord), entry in merged.items():
        ws = wb[sheet]
        cell = ws[coord]
        if entry["fill"]:
            touch(ws, cell)
            cell.fill = PatternFill("solid", fgColor=_argb(entry["fill"]), bgColor=_argb(entry["fill"]))
        if entry["outline"]:
            _outline(ws, entry["bounds"], _argb(entry["outline"]), touch)
        if entry["comments"]:
            touch(ws, cell)
            text = "\n".join(entry["comments"])
            before = cell.comment
            if before is not None and before.author != AUTHOR:
                who = f"（{before.author}）" if before.author else ""
                text = _quoted(text, f"\n\n原批注{who}：{before.text}")
            _comment(cell, text)
    for (sheet, coord), record in records.items():
        record["applied"] = _snapshot(wb[sheet][coord])
    return records


def _outline(ws: Worksheet, bounds: tuple[int, int, int, int], colour: str, touch) -> None:
    """A medium border round the cell; round a merged range, all four sides of its top-left cell
    (openpyxl copies those to the edge cells when it reads the file) and the outer sides of the
    edge cells."""
    r1, c1, r2, c2 = bounds
    side = Side(style="medium", color=colour)
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            edges = {"left": c == c1, "right": c == c2, "top": r == r1, "bottom": r == r2}
            if (r, c) == (r1, c1):
                edges = dict.fromkeys(edges, True)
            if not any(edges.values()):
                continue
            cell = ws.cell(r, c)
            touch(ws, cell)
            old = cell.border
            sides = {name: side if on else getattr(old, name) for name, on in edges.items()}
            cell.border = Border(**sides, diagonal=old.diagonal, diagonalUp=old.diagonalUp,
                                 diagonalDown=old.diagonalDown, outline=old.outline,
                                 vertical=old.vertical, horizontal=old.horizontal, start=old.start,
                                 end=old.end)


def _quoted(ours: str, theirs: str) -> str:
    """Our findings and the unit's own comment after them, cut short where together they would be longer than Excel
    takes a comment (it calls the copy unreadable): the state sheet keeps the whole to restore."""
    return ours + _fit(theirs, _MOST - utf16_len(ours), _CUT_THEIRS)


def _fit(text: str, room: int = _MOST, cut: str = _CUT) -> str:
    """text, or as much of it as fits `room` with `cut` after it: a finding quoting a unit's text as long as Excel takes
    is longer, and Excel calls such a copy unreadable."""
    return fit_utf16(text, room, cut)


def _pieces(text: str, size: int) -> list[str]:
    """text in pieces of at most `size` UTF-16 units, no character split."""
    out = []
    while True:
        out.append(utf16_prefix(text, size))
        text = text[len(out[-1]):]
        if not text:
            return out


def _comment(cell: Cell, text: str) -> None:
    text = _fit(_clean(text))
    units = [sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
             for line in text.split("\n")]
    width = min(max(max(units, default=0) * 5.5 + 16, 160), 320)
    per_line = max(int((width - 16) / 5.5), 1)
    lines = sum(max(math.ceil(u / per_line), 1) for u in units)
    height = min(max(lines * 13.5 + 14, 40), 420)
    cell.comment = Comment(text, AUTHOR, height=round(height), width=round(width))


# ---------------------------------------------------------------------------------- 校验结果

def _write_results(wb: Workbook, diagnostics: list[Diagnostic]) -> Worksheet:
    ws = wb.create_sheet(RESULTS_SHEET)
    for i, width in enumerate(RESULTS_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if not diagnostics:
        _text(ws.cell(1, 1), NO_FINDINGS)
        ws.cell(1, 1).font = Font(bold=True)
        return ws
    for c, title in enumerate(RESULTS_HEADER, start=1):
        cell = ws.cell(1, c)
        _text(cell, title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for r, d in enumerate(diagnostics, start=2):
        number, *texts = results_row(r - 1, d)
        ws.cell(r, 1, number).alignment = _TOP_LEFT
        for c, value in enumerate(texts, start=2):
            cell = ws.cell(r, c)
            _text(cell, value or None)
            cell.alignment = _WRAP if c in _WRAPPED else _TOP_LEFT
        ws.row_dimensions[r].height = _height(texts)
        ws.cell(r, 6).font = Font(color=_argb(OUTLINE.get(d.severity, "000000")), bold=d.severity == "error")
        location = _location(wb, d)
        if location:
            link = ws.cell(r, 4)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=location)
            link.font = _LINK_FONT
    ws.freeze_panes = "A2"
    _print_whole(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(RESULTS_HEADER))}{len(diagnostics) + 1}"
    return ws


def _height(texts: list) -> float:
    """Points of a finding's row: its wrapped texts' lines, set, as LibreOffice fits no row of a file it opens (at
    one line a message of three printed its first line alone, a long file name ran into 工作表)."""
    lines = max(wrapped_lines(str(texts[c - 2] or ""), RESULTS_WIDTHS[c - 1] * 10 / 11) for c in _WRAPPED)
    return min(_LINE_HEIGHT * lines + 2, MAX_ROW_HEIGHT)


def _print_whole(ws: Worksheet) -> None:
    """Printed landscape, its columns fitted to the page's width and its header atop each page: at 100 % on A4
    portrait 说明 printed on pages of its own, apart from the rows it explains."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def _location(wb: Workbook, d: Diagnostic) -> str | None:
    """`'表1'!F7` for a cell of a sheet in this workbook, else None."""
    if not d.sheet or not d.cell or d.sheet not in wb.sheetnames or d.sheet in (RESULTS_SHEET, STATE_SHEET):
        return None
    try:
        column, row = coordinate_from_string(d.cell.replace("$", ""))
    except ValueError:
        return None
    quoted = d.sheet.replace("'", "''")
    return f"'{quoted}'!{column}{row}"


# ---------------------------------------------------------------------------------- helpers

def _text(cell: Cell, value: object) -> None:
    """Text stays text: a leading '=' never becomes a formula (as templates.put_text)."""
    if value is None:
        cell.value = None
        return
    text = _fit(_clean(str(value)))
    cell.value = text
    cell.data_type = "s"


def _clean(text: str) -> str:
    """Control characters cannot be stored in xlsx XML; show them as �."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def _argb(rgb: str) -> str:
    rgb = rgb.lstrip("#").upper()
    return rgb if len(rgb) == 8 else "FF" + rgb


def _activate(wb: Workbook, ws: Worksheet) -> None:
    for other in wb.worksheets:
        other.sheet_view.tabSelected = other is ws
    wb.active = ws
