"""What the safety pass must know of a legacy .xls (Excel 97-2003, BIFF8) before python-calamine opens it.

Many units still fill in the official form as an .xls. python-calamine reads those, but it trusts the
counts the file declares: a stray value at IV65536 next to one at A1 with its column patched to 65535, a
DIMENSIONS record claiming a billion rows, or an SST announcing two billion strings each make it reserve
more memory than exists, and the whole process aborts (no exception handler catches that). So the
compound file is opened with olefile first, every size it declares is held to the file's own size, and
the Workbook stream's records are walked for encrypted workbooks (FILEPASS), places and ranges no .xls
sheet has, sheets whose values reach beyond MAX_SHEET_CELLS, the cells showing a formula error (which
python-calamine reads as blanks, as for .xlsx) and the rows hidden in Excel (which it reads as any other, as for
.xlsx). Only BIFF8 is read; Excel 5.0/95 files are refused with what to do.
"""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone

from ..grid import address
from .safety import MAX_SHEET_CELLS, FormulaErrors, Inspection, Refusal

_BOF, _EOF, _FILEPASS, _BOUNDSHEET, _SST = 0x0809, 0x000A, 0x002F, 0x0085, 0x00FC
_DIMENSIONS, _MULRK, _FORMULA, _BOOLERR = 0x0200, 0x00BD, 0x0006, 0x0205
_ROW, _NAME, _FILTERMODE = 0x0208, 0x0018, 0x009B
_ROW_HIDDEN, _ROW_OUTLINED = 0x20, 0x07  # a ROW record's flags: fDyZero, iOutLevel
# Records python-calamine places a value at, from their row and column (MULRK spans columns; the STRING
# record after a FORMULA takes the formula's place, so the formula's place covers it).
_PLACED = {0x0203, 0x0204, _BOOLERR, 0x027E, 0x00FD, _FORMULA}
_BIFF8 = 0x0600
_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
           0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_HEAD = struct.Struct("<HH")  # a record's type and length; a cell record's row and column
_ENCRYPTED_OOXML = ("EncryptionInfo", "EncryptedPackage")  # an .xlsx with an open password is an OLE file too


class _Damaged(ValueError):
    """The Workbook stream is not what BIFF8 says it is."""


def inspect_xls(data: bytes) -> Inspection:
    """Refusal, macros and formula errors of an OLE file: an encrypted .xlsx (F003), a BIFF8 .xls, or neither."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # olefile raises OSError, and what its struct reads raise, for a damaged container
        return Inspection(Refusal("F004", "Excel 97-2003 文件的复合文档结构已损坏"))
    with ole:
        if any(ole.exists(name) for name in _ENCRYPTED_OOXML):
            return Inspection(Refusal("F003"))
        stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
        if stream is None:
            return Inspection(Refusal("F002", "这是 Office 复合文档，但不是 Excel 工作簿（其中没有工作簿数据）"))
        oversized = _declared_beyond(ole, len(data))
        if oversized:
            return Inspection(Refusal("F004", oversized))
        macros = ole.exists("_VBA_PROJECT_CUR")
        saved = _last_saved(ole)
        try:
            workbook = ole.openstream(stream).read()
        except Exception:
            return Inspection(Refusal("F004", "Excel 97-2003 文件中的工作簿数据无法读出"))
    try:
        refusal, errors, hidden = _walk(workbook)
    except _Damaged as exc:
        return Inspection(Refusal("F004", f"工作簿数据不完整：{exc}"))
    except (struct.error, IndexError):  # a record shorter than its kind must be
        return Inspection(Refusal("F004", "工作簿数据不完整：有记录被截断"))
    return Inspection(refusal, macros, errors, hidden_rows=hidden, saved=saved)


def _last_saved(ole) -> float | None:
    """When the .xls was last saved, as Excel, WPS and LibreOffice record it in its SummaryInformation (UTC): what
    safety.saved_time reads of an .xlsx. Read here, one property only: olefile's get_metadata parses every property
    and believes a vector's count, so a damaged one counting billions holds it for minutes and gigabytes."""
    try:
        if not ole.exists("\x05SummaryInformation"):
            return None
        data = ole.openstream("\x05SummaryInformation").read()
        section = struct.unpack_from("<I", data, 44)[0]  # the first section's offset, after its FMTID
        count = struct.unpack_from("<I", data, section + 4)[0]
        for i in range(min(count, (len(data) - section) // 8)):
            pid, offset = struct.unpack_from("<II", data, section + 8 + 8 * i)
            if pid == _LAST_SAVED:
                kind, low, high = struct.unpack_from("<III", data, section + offset)
                if kind != _VT_FILETIME:
                    return None
                when = _FILETIME_EPOCH + timedelta(microseconds=((high << 32) + low) // 10)
                return when.timestamp()
    except Exception:  # olefile's own errors, struct's for a section cut short, a date past year 9999
        return None
    return None


_LAST_SAVED, _VT_FILETIME = 13, 64  # PIDSI_LASTSAVE_DTM, a FILETIME (100 ns since 1601, UTC)
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


def _declared_beyond(ole, size: int) -> str:
    """Why the container's declared sizes cannot be true of a file of `size` bytes, or ''. python-calamine
    reserves memory by these counts before it checks them against the file."""
    sector = ole.sector_size
    counts = {"FAT": ole.num_fat_sectors, "DIFAT": ole.num_difat_sectors,
              "MiniFAT": ole.num_mini_fat_sectors, "目录": getattr(ole, "num_dir_sectors", 0)}
    for what, count in counts.items():
        if count * sector > size:
            return f"声明的 {what} 扇区数 {count:,} 超出文件大小"
    for entry in ole.direntries:
        if entry is not None and entry.size > size:
            return f"数据流“{entry.name}”声明的大小 {entry.size:,} 字节超出文件大小"
    return ""


def _records(stream: bytes, start: int = 0):
    """(type, data) of each record from `start` to the end of the stream."""
    at, end = start, len(stream)
    while at + 4 <= end:
        kind, length = _HEAD.unpack_from(stream, at)
        at += 4
        if at + length > end:
            raise _Damaged(f"记录 0x{kind:04X} 超出数据流末尾")
        yield kind, stream[at:at + length]
        at += length


def _walk(stream: bytes) -> tuple[Refusal | None, FormulaErrors, dict[str, frozenset[int]]]:
    records = _records(stream)
    first = next(records, None)
    if first is None or first[0] != _BOF:
        raise _Damaged("缺少开头的 BOF 记录")
    if _HEAD.unpack_from(first[1])[0] != _BIFF8:
        return Refusal("F002", "这是 Excel 5.0/95 或更早版本的 .xls 文件"), {}, {}
    sheets: list[tuple[int, str]] = []
    filters: dict[int, range] = {}
    for kind, data in records:
        if kind == _EOF:
            break
        if kind == _FILEPASS:  # RC4 or XOR obfuscation alike: python-calamine would read the latter as garbage
            return Refusal("F003"), {}, {}
        if kind == _BOUNDSHEET:
            sheets.append((struct.unpack_from("<I", data)[0], _sheet_name(data)))
        elif kind == _SST:
            declared = struct.unpack_from("<i", data, 4)[0]
            if not 0 <= declared * 3 <= len(stream):  # a string takes three bytes at least
                raise _Damaged(f"共享字符串表声明了 {declared:,} 个字符串")
        elif kind == _NAME:
            filters.update(_filter_range(data))
    errors: FormulaErrors = {}
    hidden: dict[str, frozenset[int]] = {}
    for index, (position, name) in enumerate(sheets):
        if position >= len(stream):
            raise _Damaged(f"工作表“{name}”的位置超出数据流末尾")
        refusal, cells, rows = _walk_sheet(stream, position, name, filters.get(index, range(0)))
        if refusal:
            return refusal, {}, {}
        if cells:
            errors[name] = cells
        if rows:
            hidden[name] = rows
    return None, errors, hidden


def _filter_range(data: bytes) -> dict[int, range]:
    """The rows (0-based) below the header of the AutoFilter a built-in NAME _FilterDatabase (0x0D) sets on a sheet,
    by the sheet's index: {} for any other name. Rows a filter hides are shown again with it, as in an .xlsx."""
    if len(data) < 27 or not data[0] & 0x20 or data[3] != 1 or data[15] != 0x0D:
        return {}
    cce, tab = struct.unpack_from("<H2xH", data, 4)
    formula = 16 + (data[14] & 1)  # the name's one character, in one byte or two
    if tab < 1 or cce < 11 or len(data) < formula + 11 or data[formula] not in (0x3B, 0x5B, 0x7B):  # PtgArea3d
        return {}
    first, last = struct.unpack_from("<HH", data, formula + 3)
    return {tab - 1: range(first + 1, last + 1)}


def _sheet_name(data: bytes) -> str:
    """BoundSheet8's ShortXLUnicodeString: a character count, a flags byte, then UTF-16 or one byte a character."""
    count, flags = data[6], data[7]
    raw = data[8:8 + count * (2 if flags & 1 else 1)]
    return raw.decode("utf-16-le" if flags & 1 else "latin-1", "replace").replace("\0", "")


def _walk_sheet(stream: bytes, position: int, name: str, filtered: range
                ) -> tuple[Refusal | None, list[tuple[int, int, str]], frozenset[int]]:
    """F010 when the sheet's values would make a grid beyond MAX_SHEET_CELLS (the cell named is the one that
    stretched it so far); else its cells showing a formula error and its rows hidden in Excel (0-based): not those
    hidden as a collapsed group's detail, nor, where a filter is set on the sheet (FILTERMODE), those below its
    header (filtered), which are the form's data shown again with the group or the filter. A place or a declared
    range beyond what an .xls sheet can hold (65,536 rows × 256 columns) was never written by Excel: the file is
    damaged. Read in place, record by record, without copying any: a unit's form takes about a millisecond; a 5 MB
    sheet of 300,000 cells 0.13 s, where python-calamine then takes 0.06 s to read it."""
    rows = columns = 0
    errors = []
    hidden: set[int] = set()
    filter_set = False
    head, end = _HEAD.unpack_from, len(stream)
    if position + 4 > end or head(stream, position)[0] != _BOF:
        raise _Damaged(f"工作表“{name}”缺少 BOF 记录")
    at = position + 4 + head(stream, position)[1]
    while at + 4 <= end:
        kind, length = head(stream, at)
        data, at = at + 4, at + 4 + length
        if at > end:
            raise _Damaged(f"记录 0x{kind:04X} 超出数据流末尾")
        if kind in _PLACED or kind == _MULRK:
            if length < 6:
                raise _Damaged(f"工作表“{name}”中有记录被截断")
            row, column = head(stream, data)
            if kind == _MULRK:
                column = head(stream, at - 2)[0]
        elif kind == _DIMENSIONS:
            if not _within_a_sheet(stream[data:at]):
                raise _Damaged(f"工作表“{name}”声明的范围超出 Excel 97-2003 工作表的大小")
            continue
        elif kind == _ROW and length >= 16:
            if stream[data + 12] & (_ROW_HIDDEN | _ROW_OUTLINED) == _ROW_HIDDEN:
                hidden.add(head(stream, data)[0])
            continue
        elif kind == _FILTERMODE:
            filter_set = True
            continue
        elif kind == _EOF:
            break
        else:
            continue
        if row >= _SHEET_ROWS or column >= _SHEET_COLUMNS:
            raise _Damaged(f"工作表“{name}”中有单元格的位置超出 Excel 97-2003 工作表的大小")
        if row >= rows or column >= columns:
            rows, columns = max(rows, row + 1), max(columns, column + 1)
            if rows * columns > MAX_SHEET_CELLS:
                return (Refusal("F010", f"{rows:,} 行 × {columns:,} 列", sheet=name, cell=address(row, column)), [],
                        frozenset())
        if kind == _BOOLERR and length >= 8 and stream[data + 7] == 1:
            errors.append((row, column, _ERRORS.get(stream[data + 6], "#N/A")))
        elif kind == _FORMULA and length >= 14 and stream[data + 12:data + 14] == b"\xff\xff" and stream[data + 6] == 2:
            errors.append((row, column, _ERRORS.get(stream[data + 8], "#N/A")))
    return None, errors, frozenset(hidden.difference(filtered) if filter_set else hidden)


_SHEET_ROWS, _SHEET_COLUMNS = 65_536, 256


def _within_a_sheet(data: bytes) -> bool:
    """Whether a DIMENSIONS record (first row, last row + 1, first column, last column + 1) states a range an .xls
    sheet can hold. python-calamine reserves room for every cell of it, counting a last before the first as a
    wrapped-round 32-bit number: a tampered one makes it ask for more memory than exists."""
    if len(data) == 14:
        first_row, end_row, first_column, end_column = struct.unpack_from("<IIHH", data)
    elif len(data) == 10:
        first_row, end_row, first_column, end_column = struct.unpack_from("<HHHH", data)
    else:
        return True  # python-calamine stops there with an error of its own
    if end_row < 1 or end_column < 1:
        return True  # an empty sheet: nothing is reserved
    return first_row < end_row <= _SHEET_ROWS and first_column < end_column <= _SHEET_COLUMNS
