"""Refuse hostile workbook files before any parser sees them.

An .xlsx is a zip of XML parts. We refuse archives whose members would expand beyond sane
limits (checked from the central directory, before decompressing anything), XML parts that
declare a DTD or entities (billion laughs, external entities; parsed with defusedxml), encrypted
workbooks, and sheets whose values reach so far that reading them as one grid would exhaust memory
(python-calamine then aborts the whole process, which no exception handler can catch). A legacy .xls
(an OLE container) is walked in legacy_xls.py for the same. Macros are never run: only cell values are read.

The sheets' XML, inflated for that, also tells what python-calamine reads as blanks: the cells that
show a formula error (#REF!, #DIV/0! …), which the other front ends hand over as that text.
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from html import unescape
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..grid import address, parse_address

MAX_MEMBERS = 2_000
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # small members may compress very well; judge ratios above this size
PROLOG_BYTES = 1024  # an Office part's prolog is its XML declaration; a longer one is read further
MAX_PROLOG_BYTES = 1 << 20  # a part with more than this before its root element is refused

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
CONTENT_TYPES = "[Content_Types].xml"
# What many web systems export as "Excel": an HTML table under an .xls name. Excel opens it, calamine cannot.
_WEB_PAGE = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype html|html|head|body|style|table|meta)\b",
                       re.I | re.S)
_XML_2003 = re.compile(rb"\s*<\?xml[^>]*>\s*(?:<\?mso-application\s+progid=\"Excel\.Sheet\"|.{0,400}?"
                       rb"urn:schemas-microsoft-com:office:spreadsheet)", re.I | re.S)
_MHT = re.compile(rb"\s*(?:[\w-]+:[^\r\n]*\r?\n){0,20}?MIME-Version:", re.I)
_NO_TABLE = ((b"%PDF-", "一个 PDF 文件"), (b"\xff\xd8\xff", "一张图片（JPEG）"), (b"\x89PNG", "一张图片（PNG）"))
_LOCK_FILE_BYTES = 1024  # Office's ~$ lock file holds the user's name, 165 bytes (WPS's a few more)
XML_PARTS = (".xml", ".rels", ".vml")

_LOCAL_HEADER = struct.Struct("<4s2xH18xHH")  # signature, flags, name and extra lengths
_ENCRYPTED, _PATCHED = 0x01 | 0x40, 0x20  # encrypted or strongly encrypted; patched
_UNUSUAL_FLAGS = _ENCRYPTED | _PATCHED  # members zipfile decides about
_INFLATE_CHUNK = 64 * 1024  # compressed bytes handed to the inflater at a time
_PIECE = 256 * 1024  # inflated bytes at most at a time
# A sheet is read as one grid from A1 to its last value: a single stray character at XFD1048576 would make
# that 17 billion cells. Sheets beyond this many are refused (F010), naming the cell that stretches them.
MAX_SHEET_CELLS = 5_000_000


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # catalogue code
    detail: str = ""
    sheet: str | None = None
    cell: str | None = None

    def diagnostic(self, file: str | None = None):
        from ..diagnostics import make

        return make(self.code, detail=self.detail, sheet=self.sheet, cell=self.cell, file=file)


# Cells by sheet name: (row, column) from 0, and a text: the error a cell shows (#REF!), or a formula's.
FormulaErrors = dict[str, list[tuple[int, int, str]]]


@dataclass(frozen=True, slots=True)
class Inspection:
    refusal: Refusal | None = None
    macros: bool = False
    formula_errors: FormulaErrors = field(default_factory=dict)
    uncached: FormulaErrors = field(default_factory=dict)  # formulas the file holds no result for (grid.Uncached)
    hidden_rows: dict[str, frozenset[int]] = field(default_factory=dict)  # by sheet, 0-based: rows hidden in Excel
    saved: float | None = None  # saved_time


def inspect_bytes(data: bytes, name: str) -> Refusal | None:
    """None when the bytes look like a safe xlsx/xlsm archive, else why not."""
    return inspect_archive(data, name).refusal


def inspect_archive(data: bytes, name: str) -> Inspection:
    """inspect_bytes, whether the archive carries macros, and its cells showing formula errors, from one
    reading of its directory."""
    if data.startswith(OLE_MAGIC):
        from .legacy_xls import inspect_xls

        return inspect_xls(data)
    if not data.startswith(ZIP_MAGIC):
        if not data:
            return Inspection(Refusal("F004", "文件为空"))
        return Inspection(not_a_workbook(data, name))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS as exc:
        return Inspection(Refusal("F004", _directory_damage(exc)))
    macros = any(info.filename.endswith("vbaProject.bin") for info in members)
    view = memoryview(data)
    try:
        refusal = _inspect_members(archive, view, members)
        if refusal is not None:
            return Inspection(refusal, macros)
        refusal, errors, uncached, hidden = _scan_sheets(archive, view, {info.filename for info in members})
    except Damaged as exc:
        return Inspection(Refusal("F004", str(exc)), macros)
    except (SafeET.ParseError, DefusedXmlException):
        return Inspection(None, macros)  # not XML python-calamine can read either: it says why (F004)
    return Inspection(refusal, macros, errors, uncached, hidden, saved_time(archive, view))


CORE_PROPERTIES = "docProps/core.xml"
_MODIFIED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?modified\b[^>]*>\s*([^<\s]{10,40})\s*<")


def saved_time(archive: zipfile.ZipFile, view: memoryview) -> float | None:
    """When the workbook was last saved (seconds since the epoch), as Excel, WPS and LibreOffice record it in
    docProps/core.xml on every save; None when it records none. Unlike the file's modification time it travels
    with the file: a download, an e-mail or a copy dates a file by when it arrived, not by when the unit saved it."""
    try:
        info = archive.getinfo(CORE_PROPERTIES)
    except KeyError:
        return None
    if info.file_size > _CACHED_TEXT:
        return None
    try:
        found = _MODIFIED.search(_member_head(archive, view, info, None))
    except (Damaged, *_ZIP_ERRORS):
        return None
    return w3c_time(found.group(1).decode("ascii", "replace")) if found else None


def w3c_time(text: str) -> float | None:
    """A W3CDTF time (2026-07-15T03:12:00Z, with a fraction or an offset) as seconds since the epoch; one with no
    zone is UTC, as the Office formats say."""
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()


def not_a_workbook(data: bytes, name: str) -> Refusal:
    """What a file that is neither a zip nor an OLE file is, for the clerk: Excel opens a web page, text or an
    XML 2003 spreadsheet saved under a workbook's name (web systems export them so), which is then to be saved
    as .xlsx (F002); a PDF, a photo or an Office lock file has no table to save (F014)."""
    if name.startswith("~$") and len(data) <= _LOCK_FILE_BYTES:
        return Refusal("F014", f"“{name}”是 Excel 或 WPS 打开工作簿时生成的临时锁定文件（名称以 ~$ 开头），"
                               f"原文件是不带 ~$ 的“{name[2:]}”")
    kind = next((kind for magic, kind in _NO_TABLE if data.startswith(magic)), None)
    if kind:
        return Refusal("F014", f"“{name}”是{kind}")
    head = _as_utf8(data[:4096])
    if _WEB_PAGE.match(head):
        return Refusal("F002", f"“{name}”是网页（HTML）格式的表格，只是扩展名像 Excel 工作簿")
    if _XML_2003.match(head):
        return Refusal("F002", f"“{name}”是“XML 电子表格 2003”格式的表格，只是扩展名像 Excel 工作簿")
    if _MHT.match(head):
        return Refusal("F002", f"“{name}”是“单个文件网页”（.mht）格式的表格，只是扩展名像 Excel 工作簿")
    if _is_text(head):
        return Refusal("F002", f"“{name}”是文本文件（如 CSV，各栏以逗号或制表符分隔），不是 Excel 工作簿")
    return Refusal("F002", f"“{name}”不是 Excel 工作簿")


def _as_utf8(head: bytes) -> bytes:
    """A file's first bytes as UTF-8 (less a byte order mark): Excel saves 网页 and Unicode 文本 in UTF-16."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "ignore").encode("utf-8")
    return head.removeprefix(b"\xef\xbb\xbf")


def _is_text(head: bytes) -> bool:
    """Text, as a CSV or tab-separated export is, in whatever code page: no control bytes but tabs and line
    breaks (every binary format has some), and a tab or a comma between its fields."""
    return not any(b < 32 and b not in b"\t\r\n" for b in head) and (b"\t" in head or b"," in head)


class Damaged(Exception):
    """A zip member that cannot be inflated as the zip directory describes it; the reason, in words (F004)."""


# What zipfile raises for a damaged archive: its own errors, and those of the reads and unpacking of the bytes it
# trusts (a length that runs past the end, a version or method it does not know, a name that is not UTF-8 …).
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, ValueError, OSError, zlib.error, struct.error, OverflowError,
               NotImplementedError, RuntimeError, KeyError, IndexError)


def _directory_damage(exc: BaseException) -> str:
    """Why zipfile could not read an archive's directory, in words (its own are English)."""
    if str(exc) == "File is not a zip file":  # no end of the directory where it must be: the file was cut short
        return "压缩包不完整，找不到压缩包目录（文件可能只下载或复制了一部分）"
    return "压缩包目录已损坏"


def _member_damage(exc: BaseException, name: str) -> str:
    """Why zipfile could not inflate a member, in words."""
    text = str(exc)
    if "CRC" in text:
        return _CRC.format(name)
    if isinstance(exc, EOFError) or "Truncated" in text:
        return _SHORTER.format(name)
    if "header" in text:
        return f"部件 {name} 的文件头已损坏"
    return f"部件 {name} 无法解压"


_PLAIN_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Excel, WPS and every xlsx writer use
_METHODS = {9: "Deflate64", 12: "BZIP2", 14: "LZMA", 93: "Zstandard", 95: "XZ", 98: "PPMd", 99: "AES 加密"}


def _unreadable_member(members: list[zipfile.ZipInfo]) -> Refusal | None:
    """A member that is encrypted (zip's own password, F003 when the workbook part is) or packed in a way no
    workbook is (F004), found from the directory: such a member cannot be read within our limits (zipfile cannot
    inflate it, or BZIP2 and LZMA a bounded piece at a time)."""
    if all(not info.flag_bits & _UNUSUAL_FLAGS and info.compress_type in _PLAIN_METHODS for info in members):
        return None
    for info in sorted(members, key=lambda info: info.filename != "xl/workbook.xml"):
        if info.flag_bits & _ENCRYPTED or info.compress_type == 99:
            if info.filename == "xl/workbook.xml":
                return Refusal("F003")
            return Refusal("F004", f"部件 {info.filename} 被加密，而工作簿的其他部件没有")
        if info.compress_type not in _PLAIN_METHODS:
            method = _METHODS.get(info.compress_type, f"编号 {info.compress_type}")
            return Refusal("F004", f"部件 {info.filename} 的压缩方式（{method}）不是 Excel 工作簿使用的")
        if info.flag_bits & _PATCHED:
            return Refusal("F004", f"部件 {info.filename} 的文件头标志已损坏")
    return None


def _inspect_members(archive: zipfile.ZipFile, view: memoryview, members: list[zipfile.ZipInfo]) -> Refusal | None:
    if len(members) > MAX_MEMBERS:
        return Refusal("F005", f"{len(members)} 个部件")
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            return Refusal("F005", f"部件 {info.filename} 解压后为 {_megabytes(info.file_size)}，"
                                   f"超过单个部件 {_megabytes(MAX_MEMBER_BYTES)} 的上限")
        if total > MAX_TOTAL_BYTES:
            return Refusal("F005", f"各部件解压后合计超过 {_megabytes(MAX_TOTAL_BYTES)} 的上限")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return Refusal("F005", f"部件 {info.filename} 压缩比超过 {MAX_RATIO}:1")
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        return Refusal("F002", "压缩包中没有 Excel 工作簿（xl/workbook.xml）")
    refusal = _unreadable_member(members)
    if refusal is not None:
        return refusal
    if CONTENT_TYPES in names:  # the first part any reader parses; the prolog check below covers the rest
        refusal = _by_text(_content_types_refusal, _member_head(archive, view, archive.getinfo(CONTENT_TYPES), None))
        if refusal is not None:
            return refusal
    for info in members:
        if info.filename.endswith(XML_PARTS) and _declares_dtd(archive, view, info):
            return Refusal("F006", info.filename)
    return None


_CACHED_TEXT = 64 * 1024  # the parts judged by their text alone are cached up to this size


def _by_text(judge: Callable[[bytes], Any], text: bytes) -> Any:
    """judge(text), remembered for a short text: a department's files share their [Content_Types].xml and
    workbook relationships (one of each for every number of sheets), and a verdict is a function of the text."""
    return _cached_judge(judge, text) if len(text) <= _CACHED_TEXT else judge(text)


@lru_cache(maxsize=256)
def _cached_judge(judge: Callable[[bytes], Any], text: bytes) -> Any:
    return judge(text)


def _content_types_refusal(text: bytes) -> Refusal | None:
    """[Content_Types].xml that declares a DTD (F006) or is not XML (F004)."""
    try:
        SafeET.fromstring(text, forbid_dtd=True)
    except DefusedXmlException:
        return Refusal("F006", CONTENT_TYPES)
    except SafeET.ParseError as exc:
        return Refusal("F004", f"{CONTENT_TYPES} 不是有效的 XML（{_where(exc)}）")
    except ValueError:  # expat's for a declared encoding it cannot read
        return Refusal("F004", f"{CONTENT_TYPES} 不是有效的 XML（{_ENCODING}）")
    return None


# expat reads no multi-byte encoding but UTF-8 and UTF-16 (an XML declaration saying GBK, Big5 …) and raises
# ValueError for one; no Office part is written so
_ENCODING = "XML 声明的字符编码不是 UTF-8 或 UTF-16"


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f}".removesuffix(".0") + " MB"


def _declares_dtd(archive: zipfile.ZipFile, view: memoryview, info: zipfile.ZipInfo) -> bool:
    """A DTD can only stand in the prolog, before the root element: the part is read as far as that,
    however many comments or processing instructions come first (up to MAX_PROLOG_BYTES)."""
    size = PROLOG_BYTES
    while True:
        head = _member_head(archive, view, info, size)
        found = prolog_declares_dtd(head)
        if found is not None:
            return found
        if len(head) < size:
            return False  # no root element at all: not XML a reader takes, and no DTD either
        if size >= MAX_PROLOG_BYTES:
            return True
        size *= 32


_UTF16 = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


def prolog_declares_dtd(head: bytes) -> bool | None:
    """True when a DTD (or anything but comments, processing instructions and space) comes before the
    root element; False when the root element (or text that is not XML) comes first; None when the
    head ends before either."""
    if head.startswith((b"\x00\x00", b"\xff\xfe\x00\x00")):
        return True  # UTF-32: no Office part is written so
    if head.startswith(_UTF16):
        big = head.startswith((b"\xfe\xff", b"\x00<"))
        head = head.decode("utf-16-be" if big else "utf-16-le", errors="ignore").encode("utf-8")
    at, end = (3 if head.startswith(b"\xef\xbb\xbf") else 0), len(head)
    while True:
        while at < end and head[at] in b" \t\r\n":
            at += 1
        if at >= end:
            return None
        if head.startswith(b"<?", at):
            close, skip = head.find(b"?>", at + 2), 2
        elif head.startswith(b"<!--", at):
            close, skip = head.find(b"-->", at + 4), 3
        elif head.startswith(b"<!", at):
            return True
        else:
            return False
        if close < 0:
            return None
        at = close + skip


def _member_head(archive: zipfile.ZipFile, view: memoryview, info: zipfile.ZipInfo, size: int | None) -> bytes:
    """The first `size` bytes of a member (all of it for None), exactly as zipfile would read them; as
    _member_pieces checks them (one piece, for most parts, joined as it is)."""
    return b"".join(_member_pieces(archive, view, info, size))


def _member_pieces(archive: zipfile.ZipFile, view: memoryview, info: zipfile.ZipInfo,
                   size: int | None = None) -> Iterator[bytes]:
    """A member inflated a piece (up to _PIECE bytes) at a time: its first `size` bytes, or all of it for None.

    Nothing is inflated much past the size the zip directory declares (the limits of _inspect_members were
    judged from it), and a member read whole must end there with its CRC-32: one that inflates to more (a zip
    bomb lying about its size), to less, or to other bytes is damaged (Damaged), whoever would read it.
    A plain stored or deflated member whose local header checks out is inflated straight from the archive's
    bytes (zipfile costs ~25 µs a member in Python bookkeeping; this a few); any other through zipfile, a
    bounded piece at a time too."""
    body = _plain_body(view, info)
    if body is not None and len(body) <= _INFLATE_CHUNK and info.file_size <= _PIECE:  # most parts: at once
        yield _small_member(body, info, size)
        return
    want = info.file_size if size is None else min(size, info.file_size)
    # enough to tell a member longer than declared, or a head
    pieces = _inflated(body, info, want + (want == info.file_size)) if body is not None else \
        _through_zipfile(archive, info)
    have = crc = 0
    for piece in pieces:
        if have + len(piece) >= want and want < info.file_size:  # a head: no more is needed
            yield piece[:want - have]
            return
        if have + len(piece) > info.file_size:
            raise Damaged(_LONGER.format(info.filename, info.file_size))
        have += len(piece)
        crc = zlib.crc32(piece, crc)
        yield piece
    if have < want:
        raise Damaged(_SHORTER.format(info.filename))
    if crc != info.CRC:
        raise Damaged(_CRC.format(info.filename))


_LONGER = "部件 {} 解压后比压缩包目录记录的 {:,} 字节大"
_SHORTER = "部件 {} 的数据不完整"
_CRC = "部件 {} 的校验值（CRC-32）不符，数据已损坏"
_BROKEN = "部件 {} 的压缩数据已损坏"


def _small_member(body: memoryview, info: zipfile.ZipInfo, size: int | None) -> bytes:
    """_member_pieces of a plain member short enough to inflate in one go, as one piece."""
    want = info.file_size if size is None else min(size, info.file_size)
    most = want + (want == info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        data = bytes(body[:most])
    else:
        try:
            data = zlib.decompressobj(-15).decompress(body, most)
        except zlib.error:
            raise Damaged(_BROKEN.format(info.filename)) from None
    if len(data) > info.file_size:
        raise Damaged(_LONGER.format(info.filename, info.file_size))
    if len(data) < want:
        raise Damaged(_SHORTER.format(info.filename))
    if want == info.file_size and zlib.crc32(data) != info.CRC:
        raise Damaged(_CRC.format(info.filename))
    return data


def _inflate_head(view: memoryview, info: zipfile.ZipInfo, size: int | None) -> bytes | None:
    """The first `size` bytes of a plain member (all of it for None) inflated from the archive's bytes, None
    when it is not one whose local header checks out; Damaged when it does not inflate as declared."""
    body = _plain_body(view, info)
    if body is None:
        return None
    return _member_head(None, view, info, size)  # type: ignore[arg-type]  (zipfile is not needed)


def _plain_body(view: memoryview, info: zipfile.ZipInfo) -> memoryview | None:
    """A stored or deflated member's compressed bytes, when its local header agrees with the directory."""
    if info.flag_bits & _UNUSUAL_FLAGS or info.compress_type not in _PLAIN_METHODS:
        return None
    offset = info.header_offset
    if offset < 0 or len(view) < offset + _LOCAL_HEADER.size:
        return None
    signature, flags, name_length, extra_length = _LOCAL_HEADER.unpack_from(view, offset)
    if signature != ZIP_MAGIC:
        return None
    start = offset + _LOCAL_HEADER.size
    try:
        name = bytes(view[start:start + name_length]).decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None
    start += name_length + extra_length
    body = view[start:start + info.compress_size]
    if name != info.orig_filename or len(body) != info.compress_size:
        return None
    return body


def _inflated(body: memoryview, info: zipfile.ZipInfo, most: int) -> Iterator[bytes]:
    """A plain member's bytes, a piece of at most _PIECE bytes at a time, to the end of its data or `most` bytes."""
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, min(len(body), most), _PIECE):
            yield bytes(body[at:min(at + _PIECE, most)])
        return
    inflater, at, data, have = zlib.decompressobj(-15), 0, b"", 0
    while not inflater.eof and have < most:
        if not data:
            if at >= len(body):  # all read: what the inflater still holds, if anything
                try:
                    piece = inflater.decompress(b"", min(_PIECE, most - have))
                except zlib.error:
                    piece = b""
                if not piece:
                    return
                have += len(piece)
                yield piece
                continue
            data, at = body[at:at + _INFLATE_CHUNK], at + _INFLATE_CHUNK
        try:
            piece = inflater.decompress(data, min(_PIECE, most - have))
        except zlib.error:
            raise Damaged(_BROKEN.format(info.filename)) from None
        if not piece and len(inflater.unconsumed_tail) == len(data):
            raise Damaged(_BROKEN.format(info.filename))  # no headway: never so for sound data
        data = inflater.unconsumed_tail
        if piece:
            have += len(piece)
            yield piece


def _through_zipfile(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's bytes as zipfile reads them (it stops at the declared size), a piece at a time."""
    try:
        with archive.open(info) as stream:
            while piece := stream.read(_PIECE):
                yield piece
    except _ZIP_ERRORS as exc:
        raise Damaged(_member_damage(exc, info.filename)) from None


# ------------------------------------------------------------------------- what python-calamine is given

# Parts python-calamine never reads: pictures, embedded objects, a thumbnail. A unit's form may carry megabytes of
# photos of the work done, and python-calamine copies all it is given into memory, twice over as it grows.
_UNREAD = ("xl/media/", "xl/embeddings/", "docProps/thumbnail")
TRIM_FROM = 4 << 20  # a file this large is given to python-calamine without those parts
_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


def for_reader(data: bytes) -> bytes:
    """The workbook to hand python-calamine: the file itself, or, for a large file that is mostly pictures and
    the like, a zip of its other parts (_UNREAD). Only for a file inspect_archive passed: its parts are plain,
    stored or deflated, and within the limits."""
    if len(data) < TRIM_FROM or not data.startswith(ZIP_MAGIC):
        return data
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except _ZIP_ERRORS:
        return data
    unread = [info for info in members if info.filename.startswith(_UNREAD)]
    if sum(info.compress_size for info in unread) < len(data) // 2:
        return data
    return _without(data, members, unread) or data


def _without(data: bytes, members: list[zipfile.ZipInfo], left_out: list[zipfile.ZipInfo]) -> bytes | None:
    """A zip of the members but those left out, copied as they are stored (nothing is inflated); None when one
    is not a plain member whose local header checks out."""
    view, out, central = memoryview(data), io.BytesIO(), []
    for info in members:
        if info in left_out:
            continue
        body = _plain_body(view, info)
        if body is None:
            return None
        flags = info.flag_bits & 0x800  # a UTF-8 name; sizes in the header, no data descriptor after
        name = info.orig_filename.encode("utf-8" if flags else "cp437")
        fields = (20, flags, info.compress_type, 0, 0x21, info.CRC, info.compress_size, info.file_size, len(name))
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, out.tell()) + name)
        out.write(_LOCAL.pack(ZIP_MAGIC, *fields, 0) + name)
        out.write(body)
    start = out.tell()
    out.write(b"".join(central))
    out.write(_END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


# ---------------------------------------------------------------------------------- how far sheets reach

_WORKBOOK, _WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\s([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# A cell that does not state its place first, within A1:Z9999 (<c r="B12" …>). When no cell is such, and
# none has a namespace prefix, the sheet's grid is at most 26 × 9999 cells.
_NOT_NEAR = re.compile(rb'<c(?! r="[A-Z][0-9]{1,4}")[\s>/]')
_NOT_PLACED = re.compile(rb'<c(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s>/]')
_PREFIXED_CELL = re.compile(rb":c[\s>/]")  # <x:c …>, which readers take as a cell too
_REF = re.compile(r"([A-Za-z]+)([0-9]+)")  # python-calamine takes any letters and digits, far as they go
_LAST_ROW, _LAST_COLUMN = 1_048_576, 16_384


class _OutsideSheet(ValueError):
    """A cell placed where no Excel sheet has one (H42949672950, ABCD1): python-calamine would take it for a
    place billions of cells away, and abort. No spreadsheet program writes such a file."""


_SHOWS_ERROR = re.compile(rb't="e"')  # a cell whose value is a formula error
_HIDDEN_ROW = re.compile(rb'<row\s[^>]*?\bhidden="(?:1|true)"[^>]*>')
# a row hidden as its collapsed group's detail, or by a filter set on the sheet, is shown again with the group or
# the filter: the form's data, not a line kept out of sight
_OUTLINED = re.compile(rb'\soutlineLevel="0*[1-9]')
_FILTER = re.compile(rb'<autoFilter\s[^>]*?\bref="[A-Z]{1,3}([0-9]{1,7}):[A-Z]{1,3}([0-9]{1,7})"[^>]*>\s*<filterColumn\b')
_ROW_NUMBER = re.compile(rb'\sr="([0-9]{1,7})"')


# Parts besides the sheets that python-calamine reads whole, and trusts: a shared string or a number format
# damaged in one would be read as another.
_READ_WHOLE = ("sharedStrings", "styles")


_UNIQUE_COUNT = re.compile(rb"<(?:[\w.-]+:)?sst\s[^>]*?\buniqueCount\s*=\s*[\"']\s*([0-9]+)")
_LEAST_STRING = len(b"<si/>")
_STRINGS = "xl/sharedStrings.xml"


def _strings_overstated(archive: zipfile.ZipFile, view: memoryview, info: zipfile.ZipInfo) -> Refusal | None:
    """F004 for a shared-strings table whose uniqueCount is more strings than its text could hold: python-calamine
    reserves room for that many before reading one (24 bytes each), and for billions the process aborts. Its root
    element is looked for in the part's head, and past a long prolog (MAX_PROLOG_BYTES at most) when not there."""
    found = _UNIQUE_COUNT.search(_member_head(archive, view, info, PROLOG_BYTES)) or _UNIQUE_COUNT.search(
        _member_head(archive, view, info, MAX_PROLOG_BYTES + PROLOG_BYTES))
    if found is None or int(found[1]) <= info.file_size // _LEAST_STRING + 1:
        return None
    return Refusal("F004", f"部件 {info.filename} 记录的共享字符串数（{int(found[1]):,} 个）远多于其内容所能容纳的")


def _scan_sheets(archive: zipfile.ZipFile, view: memoryview, names: set[str]
                 ) -> tuple[Refusal | None, FormulaErrors, FormulaErrors, dict[str, frozenset[int]]]:
    """F010 for the first sheet whose values would make a grid of more than MAX_SHEET_CELLS cells; else the
    cells showing formula errors, the formulas with no saved result and the rows hidden. A sheet (or another part python-calamine
    reads whole) that does not inflate as the zip directory says raises Damaged: what python-calamine would
    make of it is not known."""
    errors: dict[str, list[tuple[int, int, str]]] = {}
    uncached: dict[str, list[tuple[int, int, str]]] = {}
    hidden: dict[str, frozenset[int]] = {}

    def sheet(rid: str, part: str) -> str:  # for a refusal: the name the workbook gives the sheet
        return _sheet_names(archive, view).get(rid) or part

    parts = _workbook_parts(archive, view, names)
    for kind, _, part in parts:
        if kind in _READ_WHOLE:  # inflated to the end, for its CRC-32
            for _ in _member_pieces(archive, view, archive.getinfo(part)):
                pass
    # python-calamine reads the shared strings by this name, whatever the relationships say
    for part in {part for kind, _, part in parts if kind == "sharedStrings"} | ({_STRINGS} & names):
        if refusal := _strings_overstated(archive, view, archive.getinfo(part)):
            return refusal, {}, {}, {}
    for rid, part in ((rid, part) for kind, rid, part in parts if kind == "worksheet"):
        info = archive.getinfo(part)
        try:
            rows, columns, far, errors[rid], uncached[rid], hidden[rid] = _scan_sheet(
                lambda info=info: _member_pieces(archive, view, info), info.file_size)
        except SafeET.ParseError as exc:  # it might still reach far for a more lenient reader
            return Refusal("F004", f"工作表“{sheet(rid, part)}”不是有效的 XML（{_where(exc)}）"), {}, {}, {}
        except _OutsideSheet as exc:
            return (Refusal("F004", f"工作表“{sheet(rid, part)}”中有单元格的位置 {exc} 超出 Excel 工作表的范围"),
                    {}, {}, {})
        except ValueError as exc:
            if "encoding" not in str(exc):
                raise
            return Refusal("F004", f"工作表“{sheet(rid, part)}”不是有效的 XML（{_ENCODING}）"), {}, {}, {}
        if rows * columns > MAX_SHEET_CELLS:
            return Refusal("F010", f"{rows:,} 行 × {columns:,} 列", sheet=sheet(rid, part), cell=far), {}, {}, {}
    if not any(errors.values()) and not any(uncached.values()) and not any(hidden.values()):
        return None, {}, {}, {}
    sheets = _sheet_names(archive, view)
    return (None, {sheets[rid]: cells for rid, cells in errors.items() if cells and rid in sheets},
            {sheets[rid]: cells for rid, cells in uncached.items() if cells and rid in sheets},
            {sheets[rid]: rows for rid, rows in hidden.items() if rows and rid in sheets})


_WINDOW = 1 << 20  # a sheet's text is scanned a window of about this many bytes at a time, never whole
_CARRY = 256 * 1024  # the longest cell a window is sure to hold whole


def _scan_sheet(read: Callable[[], Iterator[bytes]], size: int) -> tuple[
        int, int, str | None, list[tuple[int, int, str]], list[tuple[int, int, str]], frozenset[int]]:
    """How far a sheet's values reach (rows, columns, the cell that stretches it most; 0, 0, None when it
    surely is within MAX_SHEET_CELLS), its cells showing formula errors, its formulas with no saved result, and
    its rows hidden in Excel (0-based).
    read(): the sheet's text (`size` bytes), a piece at a time; called again for a second pass when one is
    needed.

    The text is scanned window by window (_windows), never held whole. Most sheets prove small from it alone:
    every cell states its place and none is past Z9999. The rest are bounded by the places of the cells that
    may hold a value: a cell that is only formatted (<c r="A80" s="1"/>, an element with nothing in it)
    stretches nothing, however many of them there are. When that bound is too far, or some cell does not state
    its place (or has a namespace prefix), the cells that hold a value are found by parsing the sheet, as
    python-calamine counts them."""
    prefixed = not_placed = not_near = shows_error = formulas = False
    rows = columns = 0
    no_result: list[tuple[int, int, str]] = []
    hidden: set[int] = set()
    filtered = range(0)  # the rows (0-based) a filter set on the sheet may hide: those below its header
    whole = None  # a sheet shorter than a window, which is kept to be parsed rather than read again
    for window in _windows(read()):
        whole = window if size < _WINDOW else None
        prefixed = prefixed or _PREFIXED_CELL.search(window) is not None
        far = _NOT_NEAR.search(window) is not None  # (a cell not placed is not near either)
        not_placed = not_placed or (far and _NOT_PLACED.search(window) is not None)
        not_near = not_near or far
        shows_error = shows_error or _SHOWS_ERROR.search(window) is not None
        if b'hidden="' in window:
            hidden.update(int(m[1]) - 1 for row in _HIDDEN_ROW.finditer(window)
                          if not _OUTLINED.search(row[0]) and (m := _ROW_NUMBER.search(row[0])))
        if b"<autoFilter" in window and (shown := _FILTER.search(window)):
            filtered = range(int(shown[1]), int(shown[2]))
        formula = b"<f" in window  # <f>, <f/>, or some other element (cheaper to look for than a formula)
        formulas = formulas or formula or b":f" in window  # or <x:f>
        if not (prefixed or not_placed):
            if formula:
                no_result += _no_result(window)
            if whole is None or far:
                rows, columns = map(max, zip((rows, columns), _value_bound(window)))
        del window  # before the next is made
    source = (lambda: io.BytesIO(whole)) if whole is not None else (lambda: _Pieces(read()))
    parsed = prefixed or not_placed
    far_cell = None
    if parsed or rows * columns > MAX_SHEET_CELLS:
        rows, columns, far_cell = _value_reach(source())
    elif not not_near:
        rows = columns = 0
    if rows * columns > MAX_SHEET_CELLS:
        return rows, columns, far_cell, [], [], frozenset()
    errors = [(row - 1, column - 1, shown) for row, column, item in _placed_cells(source())
              if item.get("t") == "e" and (shown := _text(item, "v"))] if shows_error else []
    if parsed:
        no_result = _no_result_parsed(source()) if formulas else []
    return rows, columns, far_cell, errors, no_result, frozenset(hidden.difference(filtered))


def _windows(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """A text in windows of about _WINDOW bytes, each cut just before a cell (<c) so that every cell lies whole
    in one, as the scan's expressions need. A cell longer than _CARRY (none is: Excel holds 32,767 characters
    in one) is cut before another tag, and text with no tag at all for that long where the window ends: an
    expression for a tag's opening still finds it whole."""
    carry, parts, size = b"", [], 0
    for piece in pieces:
        parts.append(piece)
        size += len(piece)
        if size < _WINDOW:
            continue
        window = carry + b"".join(parts)
        parts, size = [], 0
        cut = window.rfind(b"<c")
        if cut < len(window) - _CARRY:  # no cell opens in the last _CARRY bytes
            cut = window.rfind(b"<")
            if cut < len(window) - _CARRY:  # nor any tag
                cut = len(window)
        if cut > 0:
            yield window[:cut]
            window = window[cut:]
        carry = window
    window = carry + b"".join(parts)
    if window:
        yield window


class _Pieces:
    """A member's pieces as a file to parse (ElementTree reads one 16 KB at a time)."""

    def __init__(self, pieces: Iterator[bytes]):
        self._pieces, self._piece, self._at = pieces, b"", 0

    def read(self, size: int = -1) -> bytes:
        while self._at >= len(self._piece):
            self._piece, self._at = next(self._pieces, None), 0
            if self._piece is None:
                self._piece = b""
                return b""
        end = len(self._piece) if size < 0 else self._at + size
        out = self._piece[self._at:end]
        self._at += len(out)
        return out


# A cell that states its place and may hold a value: any but an empty one (<c r="A80" s="1"/>, or with its end
# tag right after), whose attributes are plainly quoted. Its place is taken apart by two expressions, each
# finding one group, which costs far less than tuples of both for a sheet of millions of cells.
# (Possessive quantifiers, ++ *+, as nothing they take can be given back to a match: a third faster.)
_EMPTY_CELL_AFTER_PLACE = rb'(?!(?:\s++[\w:]++="[^"<>]*+")*+\s*+(?:/>|>\s*+</c>))'
_VALUE_ROW = re.compile(rb'<c r="[A-Z]{1,3}+([0-9]{1,7}+)"' + _EMPTY_CELL_AFTER_PLACE)
_VALUE_COLUMN = re.compile(rb'<c r="([A-Z]{1,3}+)[0-9]{1,7}+"' + _EMPTY_CELL_AFTER_PLACE)


def _value_bound(text: bytes) -> tuple[int, int]:
    """Rows and columns from A1 to the farthest cells of a text (every cell of it placed) that may hold a value."""
    row_numbers = set(_VALUE_ROW.findall(text))  # (a row's cells give its number once)
    if not row_numbers:
        return 0, 0
    letters = max(set(_VALUE_COLUMN.findall(text)), key=lambda letters: (len(letters), letters))
    return max(map(int, row_numbers)), _column(letters) + 1


# A formula cell with no result saved: its <f> (or a shared formula's empty <f/>) closes the cell, or only an
# empty <v> follows. An empty <v> in a cell of type "str" is a result: the empty text. Our templates' own
# formulas (form_plan, calc: IF(COUNT(…)=0,"",SUM(…)) and IF(N(…)=0,"",…/…)) sit where the reader works the
# value out itself, so the expression passes over them: a template's sixty cost nothing past the scan.
_OUR_FORMULAS = ("IF(COUNT(", "IF(N(")
_NOT_OURS = b"(?!" + b"|".join(re.escape(f.encode()) for f in _OUR_FORMULAS) + b")"
_NO_RESULT = re.compile(rb'<f(?:\s[^>]*)?(?:/>|>' + _NOT_OURS + rb'([^<]*)</f>)(<v>\s*</v>|<v\s*/>)?</c>')
_ANY_FORMULA = re.compile(rb"<(?:\w++:)?+f[\s>/]")
_OPENING_REF = re.compile(rb'\sr="([A-Z]{1,3})([0-9]{1,7})"')
_TEXT_RESULT = re.compile(rb'\st="str"')


def _no_result_parsed(xml: bytes | Any) -> list[tuple[int, int, str]]:
    """_no_result for a sheet the expression cannot follow: cells with a namespace prefix (<x:c>, as .NET's
    Open XML SDK writes them) or without a place of their own, placed as python-calamine places them."""
    found = []
    for row, column, item in _placed_cells(xml):
        children = {child.tag.rsplit("}", 1)[-1]: child for child in item}
        if "f" not in children or "is" in children:
            continue
        formula = children["f"].text or ""
        value = children.get("v")
        if value is not None and ((value.text or "").strip() or item.get("t") == "str"):
            continue
        if not formula.startswith(_OUR_FORMULAS):
            found.append((row - 1, column - 1, formula))
    return found


def _no_result(xml: bytes) -> list[tuple[int, int, str]]:
    """(row, column) from 0 and the formula of each cell whose formula has no saved result, but our templates'.
    Anchored on the few formula elements, not on every cell."""
    found = []
    for m in _NO_RESULT.finditer(xml):
        opening = xml[xml.rfind(b"<c", 0, m.start()):m.start()]
        if m.group(2) and _TEXT_RESULT.search(opening):
            continue
        ref = _OPENING_REF.search(opening)
        if ref is None:
            continue  # a cell that does not state its place: left to read as python-calamine reads it
        formula = unescape(m.group(1).decode("utf-8", "replace")) if m.group(1) else ""
        found.append((int(ref.group(2)) - 1, _column(ref.group(1)), formula))
    return found


@lru_cache(maxsize=1024)
def _column(letters: bytes) -> int:
    return parse_address(letters.decode() + "1")[1]


def _where(exc: SafeET.ParseError) -> str:
    """Where an XML part stops being XML, in words: the parser's own reason is English."""
    line, column = getattr(exc, "position", (None, None))
    return f"第 {line} 行第 {column + 1} 列附近格式错误" if line is not None else "格式错误"


def _attributes(element: bytes) -> dict[str, str]:
    """An element's attributes by local name (r:id → id)."""
    return {name.decode().rsplit(":", 1)[-1]: (double or single).decode("utf-8", "replace")
            for name, double, single in _ATTRIBUTE.findall(element)}


def _workbook_parts(archive: zipfile.ZipFile, view: memoryview, names: set[str]) -> list[tuple[str, str, str]]:
    """(type, relationship id, part) of each part the workbook relates (worksheet, sharedStrings, styles …), found
    through its relationships as readers find them (a short part, read without building a tree)."""
    if _WORKBOOK_RELS not in names:
        return []
    related = _by_text(_relationships, _member_head(archive, view, archive.getinfo(_WORKBOOK_RELS), None))
    return [(kind, rid, part) for kind, rid, part in related if part in names]


def sheet_parts(data: bytes) -> dict[str, str]:
    """Each sheet's name → its part in the package (xl/worksheets/sheet1.xml); {} where that cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            view = memoryview(data)
            names = _sheet_names(archive, view)
            return {names[rid]: part for kind, rid, part in _workbook_parts(archive, view, set(archive.namelist()))
                    if kind == "worksheet" and rid in names}
    except (Damaged, *_ZIP_ERRORS):
        return {}


def _relationships(text: bytes) -> tuple[tuple[str, str, str], ...]:
    """(type, relationship id, part) of each relationship of a .rels text."""
    related = []
    for element in _RELATIONSHIP.findall(text):
        rel = _attributes(element)
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        related.append((rel.get("Type", "").rsplit("/", 1)[-1], rel.get("Id", ""), part))
    return tuple(related)


def _sheet_names(archive: zipfile.ZipFile, view: memoryview) -> dict[str, str]:
    """The name the workbook gives each sheet, by relationship id; {} if that cannot be read."""
    try:
        book = SafeET.fromstring(_member_head(archive, view, archive.getinfo(_WORKBOOK), None), forbid_dtd=True)
    except (SafeET.ParseError, DefusedXmlException, KeyError, zipfile.BadZipFile, EOFError, OSError, zlib.error,
            ValueError):
        return {}
    names = {}
    for item in book.iter():
        if item.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in item.attrib.items() if k.rsplit("}", 1)[-1] == "id"), None)
            names[rid] = item.get("name") or ""
    return names


def _value_reach(xml: bytes | Any) -> tuple[int, int, str | None]:
    """Rows and columns from A1 to the farthest cells holding a value, and the one that stretches the grid
    most. xml: a sheet's text, or a file to read it from (as for _placed_cells)."""
    rows = columns = 0
    by_row = by_column = None
    for row, column, item in _placed_cells(xml):
        if any(child.tag.rsplit("}", 1)[-1] in ("v", "is") for child in item):
            if row > rows:
                rows, by_row = row, (row, column)
            if column > columns:
                columns, by_column = column, (row, column)
    if by_row is None or by_column is None:
        return 0, 0, None
    # the cell to delete: the one whose place, as a share of the sheet's limits, lies farther out
    far = by_row if by_row[0] / _LAST_ROW >= by_column[1] / _LAST_COLUMN else by_column
    return rows, columns, address(far[0] - 1, far[1] - 1)


def _placed_cells(xml: bytes | Any) -> Iterator[tuple[int, int, Any]]:
    """Every cell of a sheet with its row and column from 1, placed as python-calamine places them: a cell
    without a place of its own follows the one before it, a row without one the row before. Each cell is
    whole (with its children) when yielded, and dropped after. xml: a sheet's text, or a file to read it from
    (anything with read(size), as _Pieces)."""
    row = column = 0
    rows_read = None  # sheetData, emptied of each row once it is read
    source = io.BytesIO(xml) if isinstance(xml, bytes) else xml
    for event, item in SafeET.iterparse(source, events=("start", "end"), forbid_dtd=True):
        tag = item.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "sheetData":
                rows_read = item
            elif tag == "row":
                stated = item.get("r") or ""
                row, column = (int(stated) if stated.isascii() and stated.isdigit() else row + 1), 0
            continue
        if tag == "c":
            place = _REF.fullmatch(item.get("r") or "")
            row, column = (int(place[2]), parse_address(place[0])[1] + 1) if place else (row, column + 1)
            if place and not (0 < row <= _LAST_ROW and column <= _LAST_COLUMN):
                raise _OutsideSheet(place[0])
            yield row, column, item
            item.clear()
        elif tag == "row":
            (rows_read if rows_read is not None else item).clear()


def _text(item: Any, child: str) -> str:
    """The text of a cell's child element (v, is), by local name."""
    found = next((c for c in item if c.tag.rsplit("}", 1)[-1] == child), None)
    return (found.text or "").strip() if found is not None else ""
