"""A unit's file sent again with other bytes, its forms the same: saved once more, or passed through a mail system
that rewrote it. Not the file twice (said once, as a file), but each of its forms twice."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path


def resent(path: Path, again: Path) -> Path:
    """A copy of a workbook whose bytes differ (a zip comment added), with the same modification time."""
    shutil.copy2(path, again)
    with zipfile.ZipFile(again, "a") as book:
        book.comment = b"resent"
    shutil.copystat(path, again)
    return again
