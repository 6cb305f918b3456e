"""Why a file cannot be read or written, in Chinese.

The system's own words (strerror) are English on Linux, and on Windows for the C runtime's errors
("Permission denied" when Excel holds a file), so messages name the common causes themselves.
"""

from __future__ import annotations

import errno

_REASONS = {
    errno.EACCES: "没有权限，或文件正被其他程序（如 Excel、WPS）占用", errno.EPERM: "没有权限",
    errno.ENOENT: "文件或文件夹不存在", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足", errno.EROFS: "磁盘为只读", errno.ENAMETOOLONG: "文件名或路径过长",
    errno.EBUSY: "文件正被其他程序占用", errno.EEXIST: "文件已存在", errno.EIO: "读写磁盘出错",
}


def os_reason(exc: OSError) -> str:
    """Why an OSError happened: in Chinese for the common causes, else the system's words."""
    return _REASONS.get(exc.errno, exc.strerror or str(exc))
