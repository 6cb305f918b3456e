"""Workbook files to value grids, read with python-calamine after the safety checks."""

from __future__ import annotations

import io
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..file_errors import os_reason, reader_failure
from ..grid import Grid, Uncached, normalise
from .safety import MAX_SHEET_CELLS, OLE_MAGIC, ZIP_MAGIC, Refusal, for_reader, inspect_archive

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")  # read (an .xls is checked in legacy_xls.py first)
# A filled form saved as a template (另存为 → 模板) is the same format as an .xlsx, .xlsm or .xls: read as one.
TEMPLATE_SUFFIXES = (".xltx", ".xltm", ".xlt")
_WPS = (".et", ".ett")  # WPS's workbook and template, read when they hold an .xls's or an .xlsx's data
# Other spreadsheet formats a unit may send: found in folders so that they are listed and refused with
# what to do (save as .xlsx), never silently left out of a consolidation. A WPS .et holding the BIFF8 data of
# an .xls, as WPS writes it, is read as one.
OTHER_SPREADSHEETS = {
    ".xlsb": "这是 Excel 二进制工作簿（.xlsb）",
    ".et": "这是 WPS 表格的 .et 文件",
    ".ett": "这是 WPS 表格的模板文件（.ett）",
    ".ods": "这是 OpenDocument 表格（.ods）文件",
}


@dataclass
class WorkbookValues:
    """Every sheet of one workbook as a value grid, or why it could not be read."""

    path: str
    sheets: dict[str, Grid] = field(default_factory=dict)
    refusal: Refusal | None = None
    macros: bool = False
    hidden: set[str] = field(default_factory=set)  # sheets hidden in Excel (hidden or very hidden)
    hidden_rows: dict[str, frozenset[int]] = field(default_factory=dict)  # by sheet, 0-based
    saved: float | None = None  # when the workbook says it was last saved (safety.saved_time)


def find_workbooks(inputs: Iterable[str | Path]) -> list[tuple[Path, Path | None]]:
    """Files as given (even missing ones, which get a diagnostic); folders searched for workbooks
    (.xlsx/.xlsm/.xls and their templates, and the OTHER_SPREADSHEETS and ARCHIVES, which will be refused with a
    reason), Office lock files (~$*) and hidden files skipped. Each comes with the folder it was found in, or None
    when it was named directly."""
    found: list[tuple[Path, Path | None]] = []
    for item in map(Path, inputs):
        if os.path.isdir(item):  # False, not an error, for a name too long to be one (a path pasted twice)
            found += [(p, item) for p in _in_folder(item) if p.suffix.lower() in _FOLDER_SUFFIXES or os.path.isdir(p)]
        else:
            found.append((item, None))
    return found


def _in_folder(folder: Path) -> list[Path]:
    """The files below a folder a person put there, in order: not Office's lock files (~$*), hidden ones, nor those
    Windows keeps in a folder of its own accord (Thumbs.db, desktop.ini), which the user never sees. A folder that
    cannot be listed stands in for the files it holds, to be named (F016)."""
    return [p for p in sorted(_files_under(folder)) if put_there(p.name)]


def put_there(name: str) -> bool:
    """Whether a file of this name in a folder is one a person put there: not Office's lock file (~$*), a hidden
    one, nor one Windows keeps of its own accord."""
    return not name.startswith(("~$", ".")) and name.lower() not in _WINDOWS_OWN


_WINDOWS_OWN = {"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini"}


def _files_under(folder: Path) -> Iterator[Path]:
    """Every file below a folder, through linked folders (a department's share linked into its folder) but each
    folder once, so a link to a folder above ends; a link to nothing is yielded too, to be named (F001), and so is
    a folder that cannot be listed (no access to a 科's folder, a share dropped), whose files os.walk leaves out."""
    seen: set[str] = set()
    unlisted: list[Path] = []

    def refused(exc: OSError) -> None:
        unlisted.append(Path(exc.filename))
    for top, folders, files in os.walk(folder, followlinks=True, onerror=refused):
        real = os.path.realpath(top)
        if real in seen:
            folders.clear()
            continue
        seen.add(real)
        yield from (Path(top, name) for name in files
                    if os.path.isfile(os.path.join(top, name)) or not os.path.exists(os.path.join(top, name)))
        yield from unlisted
        unlisted.clear()
    yield from unlisted  # the folder itself


def other_files(inputs: Iterable[str | Path]) -> list[Path]:
    """The files in input folders that find_workbooks leaves out (a unit's form typed in Word, a PDF of it, a CSV
    export), so that the user is told of them; lock files, hidden files, rosters (…名单….csv) and the papers units
    send beside their forms (…分析报告.docx, 情况说明.pdf, xlmon's own reports) are not."""
    return [p for item in map(Path, inputs) if os.path.isdir(item) for p in _in_folder(item)
            if other_file(p.name) and not os.path.isdir(p)]


def other_file(name: str) -> bool:
    """Whether a file of this name that a person put in an input folder is one other_files names: no workbook,
    archive, roster nor paper sent beside a form. The server asks it of the names the web page did not send."""
    path = Path(name)
    return path.suffix.lower() not in _FOLDER_SUFFIXES and not _PAPERS.search(path.stem) and not text_roster(path.name)


def text_roster(name: str) -> bool:
    """Whether a file is a list of units kept as text (单位名单.csv, …名单.txt): a roster, never a unit's file."""
    path = Path(name)
    return "名单" in path.stem and path.suffix.lower() in (".csv", ".txt")


_PAPERS = re.compile(r"报告|说明|通知|函|意见|方案")


# Archives units send their workbooks in: found in folders so that they are listed and refused (F009) with
# the workbooks they hold, never silently left out. Their contents are not read: unpacking is the user's.
ARCHIVES = {".zip": "zip", ".rar": "RAR", ".7z": "7z"}
_FOLDER_SUFFIXES = {*WORKBOOK_SUFFIXES, *TEMPLATE_SUFFIXES, *OTHER_SPREADSHEETS, *ARCHIVES}


def read_workbook(path: str | Path) -> WorkbookValues:
    path = Path(path)
    result = WorkbookValues(str(path))
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a folder, or a pipe that would never end
            result.refusal = unlisted_folder(path) or Refusal("F001")
            return result
        data = path.read_bytes()
    except OSError as exc:
        result.refusal = cannot_open(exc)
        return result
    return read_bytes(data, str(path), result)


def unlisted_folder(path: str | Path) -> Refusal | None:
    """F016 for a folder that cannot be listed (find_workbooks gives it for the files it holds), or None."""
    if not os.path.isdir(path):
        return None
    try:
        with os.scandir(path):
            return None
    except OSError as exc:
        return Refusal("F016", "没有访问权限" if isinstance(exc, PermissionError) else os_reason(exc))


def cannot_open(exc: OSError) -> Refusal:
    """A file that could not be read: gone (F001), or why not, in words (F012: the file itself may be sound)."""
    if isinstance(exc, FileNotFoundError):
        return Refusal("F001")
    return Refusal("F012", os_reason(exc))


def read_bytes(data: bytes, name: str, result: WorkbookValues | None = None) -> WorkbookValues:
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    result = result or WorkbookValues(name)
    suffix = Path(name).suffix.lower()
    if suffix in ARCHIVES:
        result.refusal = Refusal("F009", archive_contents(data, suffix))
        return result
    # WPS writes its .et as the BIFF8 of an .xls; an .xlsx renamed .et is read as the .xlsx it is
    wps = suffix in _WPS and data.startswith((OLE_MAGIC, ZIP_MAGIC))
    if suffix in OTHER_SPREADSHEETS and not wps:  # what its name says it is, whatever is inside
        result.refusal = Refusal("F002", OTHER_SPREADSHEETS[suffix])
        return result
    inspection = inspect_archive(data, Path(name).name)
    refusal, macros = inspection.refusal, inspection.macros
    if wps and refusal is not None and refusal.code in ("F002", "F004"):
        refusal = Refusal("F002", f"{OTHER_SPREADSHEETS[suffix]}，其中的数据不是 xlmon 能读取的格式")
    if refusal is None and suffix not in (*WORKBOOK_SUFFIXES, *TEMPLATE_SUFFIXES) and not wps:
        refusal = Refusal("F002", "扩展名应为 .xlsx、.xlsm 或 .xls")
    if refusal:
        result.refusal = refusal
        return result
    result.macros, result.hidden_rows, result.saved = macros, inspection.hidden_rows, inspection.saved
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(for_reader(data)))  # without its pictures
        result.hidden = {m.name for m in book.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
        for name_ in book.sheet_names:
            rows = book.get_sheet_by_name(name_).to_python(skip_empty_area=False)
            result.sheets[name_] = grid = normalise(rows)
            for r, c, error in inspection.formula_errors.get(name_, ()):  # calamine reads them as blanks
                if r < len(grid) and c < len(grid[r]):
                    grid[r][c] = error
            if name_ in inspection.uncached:
                _mark_uncached(grid, inspection.uncached[name_])
    except BaseException as exc:  # calamine raises its own error types for any malformed part, or panics
        reason = reader_failure(exc)
        if reason is None:
            raise
        result.refusal = Refusal("F004", reason)
        result.sheets.clear()
    return result


def _mark_uncached(grid: Grid, cells: list[tuple[int, int, str]]) -> None:
    """Put Uncached in the blanks python-calamine made of formulas with no saved result. Such a formula may lie
    past the grid (calamine stops at the last value): the grid grows for it, within MAX_SHEET_CELLS."""
    rows, columns = len(grid), max(map(len, grid), default=0)
    for r, c, formula in cells:
        if r >= len(grid) or c >= len(grid[r]):
            grown = max(rows, r + 1), max(columns, c + 1)
            if grown[0] * grown[1] > MAX_SHEET_CELLS:
                continue
            rows, columns = grown
            grid.extend([] for _ in range(r + 1 - len(grid)))
            grid[r].extend([None] * (c + 1 - len(grid[r])))
        if grid[r][c] is None:
            grid[r][c] = Uncached(formula)


def _unflagged(name: str) -> str:
    """A zip member's name stored without the UTF-8 flag, as its maker wrote it (see archive_contents)."""
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def archive_contents(data: bytes, suffix: str) -> str:
    """What an archive is, and for a zip the workbooks in it (archive_members)."""
    kind = f"{ARCHIVES[suffix]} 压缩包"
    members = archive_members(data) if suffix == ".zip" else None
    if members is None:
        return kind
    if not members:
        return f"{kind}，其中没有 Excel 工作簿"
    return f"{kind}，内含工作簿：{_listed(name for name, _ in members)}"


def _listed(names: Iterable[str]) -> str:
    names = list(names)
    return "、".join(names[:5]) + (f" 等 {len(names)} 个" if len(names) > 5 else "")


def archive_members(data: bytes) -> list[tuple[str, tuple[int, int]]] | None:
    """The workbooks a zip holds, from its directory alone (nothing is unpacked): each one's name and its size and
    CRC-32; None for no zip. A zip made on Chinese Windows stores names in GBK without saying so, one made on a
    Mac or Linux (zip, Archive Utility) in UTF-8 without saying so; zipfile reads both as cp437. UTF-8 is tried
    first: GBK's bytes seldom make valid UTF-8, while any bytes make some GB18030."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, EOFError, ValueError):
        return None
    found = []
    for info in members:
        name = info.filename
        if not info.flag_bits & 0x800:
            name = _unflagged(name)
        name = name.rsplit("/", 1)[-1]
        if Path(name).suffix.lower() in (*WORKBOOK_SUFFIXES, *OTHER_SPREADSHEETS) and not name.startswith(("~$", ".")):
            found.append((name, (info.file_size, info.CRC)))
    return found


def unpacked_refusal(archive: str | Path, inputs: Iterable[str | Path]) -> Refusal | None:
    """For a zip refused (F009) whose workbooks are among the other inputs already, with the same bytes (their
    size and CRC-32 against its directory), as where it was unpacked into the folder it lies in: F015, nothing
    to do, where all are; F009 naming only the others where some are; None where none are (F009 stands)."""
    try:
        members = archive_members(Path(archive).read_bytes())
    except OSError:
        return None
    if not members:
        return None
    wanted = {size for _, (size, _) in members}
    given = set()
    for path in {os.path.abspath(p) for p in inputs} - {os.path.abspath(archive)}:
        try:
            if os.stat(path).st_size in wanted:
                data = Path(path).read_bytes()
                given.add((len(data), zlib.crc32(data)))
        except OSError:
            continue
    present = [name for name, key in members if key in given]
    missing = [name for name, key in members if key not in given]
    if not present:
        return None
    if not missing:
        return Refusal("F015", _listed(present))
    return Refusal("F009", f"zip 压缩包，内含工作簿：{_listed(missing)}（另有 {_listed(present)} 已在本次文件中，内容相同）")
