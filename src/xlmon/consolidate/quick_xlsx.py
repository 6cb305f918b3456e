"""xlsxwriter, made quick for what a summary is made of: rows of formatted numbers, texts and blanks, some
100,000 cells and 15,000 shared strings. The XML is byte for byte xlsxwriter's own: tests/test_consolidate_speedpaths.py
compares the two on every kind of cell."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import NamedTuple

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.sharedstrings import SharedStrings
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# ("b", None | "s", text | "i", text | "n", number, format) from column col on; "i" is a text written in the
# cell (an inline string, as xlsxwriter's constant_memory mode writes it) instead of the shared strings: for
# long texts that occur once, such as the records. Only an "i" cell may have no format.
Cells = list[tuple[str, object, Format | None]]


def write_cells(ws: Worksheet, row: int, col: int, cells: Cells) -> None:
    for c, (kind, value, fmt) in enumerate(cells, col):
        if kind == "b":
            ws.write_blank(row, c, None, fmt)
        elif kind in ("s", "i"):
            ws.write_string(row, c, value, fmt)
        else:
            ws.write_number(row, c, value, fmt)


class _Run(NamedTuple):
    """Adjacent cells of one row as Cells, texts replaced by their shared-string index."""

    cells: tuple[tuple[str, object, Format], ...]


_RUN_END = _Run(())  # in a run's last column, so that xlsxwriter sizes the sheet and its row spans right
_column = lru_cache(maxsize=None)(xl_col_to_name)


class QuickCells(Worksheet):
    """xlsxwriter's worksheet with a quicker way for what a summary is made of: rows of formatted
    numbers, texts and blanks, some 100,000 cells. write_run keeps a row's cells as one table entry
    rather than an object and four calls a cell, and at close() _write_cell writes those, and any
    formatted cell, without the general machinery (escaping attributes that are never more than "A1"
    or an index). The XML is byte for byte xlsxwriter's own: tests/test_consolidate_speedpaths.py
    compares the two on every kind of cell."""

    def write_run(self, row: int, col: int, cells: Cells) -> None:
        """write_cells for a row with no other cells from col to the run's end. A row with anything
        write_string or write_number treats specially (a text near Excel's limit, a number that is not
        a finite int or float) is written by them instead."""
        last, limit = col + len(cells) - 1, self.xls_strmax // 2
        if (self.constant_memory or not cells or self._check_dimensions(row, col) or self._check_dimensions(row, last)
                or not all(_plain(kind, value, limit) for kind, value, _ in cells)
                or (self.row_info or self.col_info) and any(fmt is None for _, _, fmt in cells)):
            write_cells(self, row, col, cells)
            return
        index = self.str_table._get_shared_string_index
        self.table[row][col] = _Run(tuple((kind, index(value), fmt) if kind == "s" else (kind, value, fmt)
                                          for kind, value, fmt in cells))
        if last > col:
            self.table[row][last] = _RUN_END

    def write_rich_string(self, *args, **kwargs):
        """Not for summaries: their shared strings are all plain texts (see _QuickSharedStrings)."""
        raise TypeError("a summary has no rich strings")

    def _write_cell(self, row: int, col: int, cell) -> None:
        if type(cell) is _Run:
            self._write_xml(row, col, cell.cells)
            return
        kind, fmt = type(cell).__name__, cell.format
        if not fmt or self.constant_memory or kind not in ("Number", "String", "Blank"):
            super()._write_cell(row, col, cell)
        elif kind == "Number":
            self._write_xml(row, col, (("n", cell.number, fmt),))
        elif kind == "String":
            self._write_xml(row, col, (("s", cell.string, fmt),))
        else:
            self._write_xml(row, col, (("b", None, fmt),))

    def _write_xml(self, row: int, col: int, cells: tuple[tuple[str, object, Format], ...]) -> None:
        """As Worksheet._write_cell writes each: a number, a shared string, a blank (with its format), or
        an inline string as it does in constant_memory mode."""
        r, out = row + 1, []
        for c, (kind, value, fmt) in enumerate(cells, col):
            head = f'<c r="{_column(c)}{r}" s="{fmt._get_xf_index()}"' if fmt else f'<c r="{_column(c)}{r}"'
            if kind == "n":
                out.append(f"{head}><v>{value:.16G}</v></c>")
            elif kind == "s":
                out.append(f'{head} t="s"><v>{value}</v></c>')
            elif kind == "i":
                out.append(f'{head} t="inlineStr"><is>{_text(value)}</is></c>')
            else:
                out.append(f"{head}/>")
        self.fh.write("".join(out))


def _plain(kind: str, value: object, limit: int) -> bool:
    """A cell that write_blank, write_string or write_number stores as it is."""
    if kind == "s":
        return len(value) <= limit
    if kind == "i":
        return len(value) <= limit
    return kind == "b" or (type(value) in (int, float) and math.isfinite(value))


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # what xlsxwriter writes as _xHHHH_ (all but tab and line feed)


def plain_text(text: str) -> bool:
    """A text xlsxwriter's SharedStrings._write_si writes as it is, escaping only & < >: no _xHHHH_ escape
    (a literal one, or a control character), no leading or trailing whitespace, not a rich string."""
    return ("_x" not in text and not text.startswith("<r>") and not text[:1].isspace() and not text[-1:].isspace()
            and (text.isprintable() or not CONTROL.search(text)))


def _text(text: str) -> str:
    """A text's <t> element as xlsxwriter writes it, in a shared string or (constant_memory) an inline one: control
    characters and a literal _xHHHH_ escaped, edge whitespace kept; but a rich-looking text as text (see
    _QuickSharedStrings). Every "i" cell is inline whatever its text: a record's storage would otherwise hang on the
    path in it (a server's upload folder named …_x…), and two summaries of the same files differ in their parts."""
    if plain_text(text):
        return f"<t>{_escape(text)}</t>"
    text = SharedStrings._escape_control_characters(text)
    space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f"<t{space}>{_escape(text)}</t>"


def _escape(text: str) -> str:
    """A plain_text as xlsxwriter's _escape_data writes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _QuickSharedStrings(SharedStrings):
    """sharedStrings.xml as xlsxwriter writes it; a summary's ~15,000 mostly plain texts (records,
    messages, paths) skip its three regular expressions a text. Compared byte for byte in the tests.

    A summary has no rich strings, so a text that looks like one ("<r>…</r>", typed by a unit) is
    escaped as any text is: xlsxwriter would put it into the part as XML, and a broken one would
    make Excel refuse the whole summary."""

    def _write_sst_strings(self) -> None:
        write = self.fh.write
        for text in self.string_table.string_array:
            write(f"<si>{_text(text)}</si>")


class _QuickPackager(Packager):
    def _write_shared_strings_file(self) -> None:
        if not self.workbook.str_table.count:
            return
        sst = _QuickSharedStrings()
        sst.string_table = self.workbook.str_table
        sst._set_xml_writer(self._filename("xl/sharedStrings.xml"))
        sst._assemble_xml_file()


class QuickWorkbook(xlsxwriter.Workbook):
    worksheet_class = QuickCells

    def _get_packager(self) -> Packager:
        return _QuickPackager()

    def close(self) -> None:
        """Close, a write that failed (a full disk) raising its OSError: xlsxwriter wraps it in FileCreateError, no
        OSError, which the front ends took for a failure of xlmon's own and said without the file or why."""
        try:
            super().close()
        except FileCreateError as exc:
            if isinstance(exc.args[0], OSError):
                raise exc.args[0] from None
            raise
