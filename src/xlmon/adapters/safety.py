"""Refuse hostile workbook files before any parser sees them.

An .xlsx is a zip of XML parts. We refuse archives whose members would expand beyond sane
limits (checked from the central directory, before decompressing anything), XML parts that
declare a DTD or entities (billion laughs, external entities; parsed with defusedxml), and
OLE containers (encrypted workbooks and legacy .xls). Macros are never run: only cell values
are read.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

MAX_MEMBERS = 2_000
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_MEMBER_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024  # small members may compress very well; judge ratios above this size
PROLOG_BYTES = 4096

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # catalogue code
    detail: str = ""


def inspect_bytes(data: bytes, name: str) -> Refusal | None:
    """None when the bytes look like a safe xlsx/xlsm archive, else why not."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_STREAM in data:
            return Refusal("F003")
        return Refusal("F002", "这是旧版 .xls（Excel 97-2003）文件")
    if not data.startswith(ZIP_MAGIC):
        if not data:
            return Refusal("F004", "文件为空")
        return Refusal("F002", f"“{name}”不是 Excel 工作簿")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        return Refusal("F004", f"压缩包结构错误（{exc}）")
    if len(members) > MAX_MEMBERS:
        return Refusal("F005", f"{len(members)} 个部件")
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            return Refusal("F005", f"解压后超过 {MAX_TOTAL_BYTES // 1024 // 1024} MB")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return Refusal("F005", f"部件 {info.filename} 压缩比超过 {MAX_RATIO}:1")
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        return Refusal("F002", "压缩包中没有 Excel 工作簿（xl/workbook.xml）")
    part = "[Content_Types].xml"
    try:
        if part in names:  # the first part any reader parses; the prolog check below covers the rest
            SafeET.fromstring(archive.read(part), forbid_dtd=True)
        for info in members:
            if info.filename.endswith((".xml", ".rels", ".vml")) and _declares_dtd(archive, info):
                return Refusal("F006", info.filename)
    except DefusedXmlException:
        return Refusal("F006", part)
    except SafeET.ParseError as exc:
        return Refusal("F004", f"{part} 不是有效的 XML（{exc}）")
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        return Refusal("F004", f"解压失败（{exc}）")
    return None


def has_macros(data: bytes) -> bool:
    try:
        return any(n.endswith("vbaProject.bin") for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return False


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DTD can only stand in the prolog, so the first few KB of a part tell."""
    with archive.open(info) as stream:
        head = stream.read(PROLOG_BYTES)
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head
