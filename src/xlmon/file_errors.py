"""Files' troubles in words a person reads: why a file cannot be read or written, and names that are not text.

The system's own words (strerror) are English on Linux, and on Windows for the C runtime's errors
("Permission denied" when Excel holds a file), so messages name the common causes themselves.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

_REASONS = {
    errno.EACCES: "没有权限，或文件正被其他程序（如 Excel、WPS）占用", errno.EPERM: "没有权限",
    errno.ENOENT: "文件或文件夹不存在", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘为只读", errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EBUSY: "文件正被其他程序占用", errno.EEXIST: "文件已存在", errno.EIO: "读写磁盘出错",
}


# A name (or path) in a text that holds bytes that were not UTF-8, as Python keeps them (U+DC80-U+DCFF): up to
# the spaces, quotes and brackets around it. Some of its GBK bytes may have passed for UTF-8 characters.
_UNDECODED = re.compile("[^\\s“”‘’\"'（）()《》，。：；、]*[\udc80-\udcff][^\\s“”‘’\"'（）()《》，。：；、]*")


def readable(text: str) -> str:
    """A path, or a message naming one, as a person reads it (the same object when there is nothing to do). On
    Linux a name unpacked from a zip made on Chinese Windows keeps its GBK bytes, which Python holds as lone
    surrogates that no file format (nor UTF-8 output) can take: they are decoded as GB18030."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _UNDECODED.sub(_decoded, text)


def _decoded(found: re.Match) -> str:
    raw = found.group().encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


def os_reason(exc: OSError) -> str:
    """Why an OSError happened: in Chinese for the common causes, else the system's words."""
    return _REASONS.get(exc.errno, exc.strerror or str(exc))


# python-calamine's reasons for a workbook it cannot read (English), by what they start with, in words.
_READER_REASONS = (
    ("Cannot detect file format", "无法按任何一种工作簿格式读取，文件中有部件已损坏"),
    ("Cell string index not found", "单元格引用的文字在共享字符串表中不存在"),
    ("Expecting 'v, f, or is' node", "单元格的内容结构不完整"),
    ("Expecting alphanumeric character", "单元格的位置格式错误"),
    ("Range is missing the expected row component", "单元格的位置缺少行号"),
    ("Parse float error", "单元格中的数值格式错误"),
    ("Parse int error", "单元格中的数值格式错误"),
)


def reader_reason(exc: Exception) -> str:
    """Why python-calamine could not read a workbook: in Chinese, its own words after for whoever supports the
    user (XmlError: attribute value not closed …)."""
    text = str(exc)
    said = next((words for start, words in _READER_REASONS if text.startswith(start)), None)
    if said is None:
        said = "某个部件不是有效的 XML" if type(exc).__name__ == "XmlError" else "工作簿的内容不完整或格式错误"
    return f"{said}（读取程序的说明：{type(exc).__name__}: {text}）"


def reader_failure(exc: BaseException) -> str | None:
    """reader_reason for what python-calamine raised while reading, a Rust panic included (pyo3's PanicException,
    which is no Exception and is caught by name); None for anything else (KeyboardInterrupt …): let it go."""
    if isinstance(exc, Exception):
        return reader_reason(exc)
    return "读取程序无法解析其中的数据" if type(exc).__name__ == "PanicException" else None


SHOWN_OTHERS = 5  # files no workbook named in the note; the rest are counted


def others_note(others: list[str] | list[Path]) -> str:
    """The files in the input folders that are no workbook and were not read (某单位监控表.docx, a PDF, a CSV:
    Summary.others, adapters.files.other_files), so that a unit's form sent in another format is not left out
    unseen; "" when there are none."""
    if not others:
        return ""
    names = "、".join(_below_common(others)[:SHOWN_OTHERS])
    more = f" 等 {len(others)} 个" if len(others) > SHOWN_OTHERS else ""
    return (f"文件夹中另有 {len(others)} 个不是工作簿的文件，未读取：{names}{more}。如其中有单位的监控表，"
            "请让单位报送 Excel 工作簿（.xlsx）。")


def _below_common(paths: list[str] | list[Path]) -> list[str]:
    """Each file by its name, or, where they lie in several folders (一科, 二科, of several input folders), by its path
    below the folder they share, so that each can be found."""
    folders = {os.path.dirname(str(p)) for p in paths}
    if len(folders) == 1:
        return [Path(p).name for p in paths]
    try:
        common = os.path.commonpath(list(folders))
    except ValueError:  # relative and absolute paths, or two drives
        return [str(p) for p in paths]
    return [os.path.relpath(str(p), common) if common else str(p) for p in paths]
