"""Outputs are written atomically: to a temporary file beside the target, renamed into place.

A failed or interrupted write (a full disk, a target Excel holds open) leaves the old file as it
was and no temporary file behind; one killed outright leaves its temporary file, which a later write in the same
folder removes once it is hours old.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


PREFIX = ".xlmon-"
STALE_AFTER = 6 * 3600  # seconds: no write takes this long, so such a temporary file's writer was killed


def _sweep(folder: Path) -> None:
    """Remove what a write killed outright (power cut, kill -9, Task Manager) left beside its target: a temporary
    file of ours far older than any write takes. Nothing else, and never a failure of the write."""
    try:
        stale = time.time() - STALE_AFTER
        for entry in os.scandir(folder):
            if entry.name.startswith(PREFIX) and entry.is_file(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < stale:
                os.unlink(entry.path)
    except OSError:
        pass


@contextmanager
def atomic_path(path: str | Path) -> Iterator[str]:
    """Yield a temporary path to write; on success it replaces `path`, on failure it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=PREFIX, suffix=path.suffix or ".xlsx", dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved workbook gets the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def free_name(path: Path, taken: Callable[[Path], bool] = os.path.exists) -> Path:
    """path, or the first of path（2）, path（3）… that is not taken: for outputs that never replace a file (or
    only one that `taken` says may go)."""
    n = 2
    candidate = path
    while taken(candidate):
        candidate = path.with_name(f"{path.stem}（{n}）{path.suffix}")
        n += 1
    return candidate
