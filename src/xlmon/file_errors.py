"""Files' troubles in words a person reads: why a file cannot be read or written, and names that are not text.

The system's own words (strerror) are English on Linux, and on Windows for the C runtime's errors
("Permission denied" when Excel holds a file), so messages name the common causes themselves.
"""

from __future__ import annotations

import errno
import re

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
