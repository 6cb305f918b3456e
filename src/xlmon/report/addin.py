"""The 分析报告 ribbon button: a desktop workbook gets its report written beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..adapters import xlwings_book as xb
from ..atomic import free_name
from ..file_errors import os_reason
from ..profile import Profile, load_profile
from ..sheetnames import RECORDS_SHEET
from .content import NothingToReport, report_for_sheets
from .docx_writer import replaceable, write_docx


def report(book: Any, profile: Profile | None = None) -> str:
    """Write `<folder>/<stem>_分析报告.docx` from the book's forms; returns the alert's text.

    A remote (web) book has no folder to write to: its report is made from the web page / task pane.
    """
    if xb.is_remote(book):
        return _tell(book, "网页版 Excel 无法在本机保存文件：请在 xlmon 网页或任务窗格中上传工作簿生成分析报告。")
    folder = xb.book_folder(book)
    if folder is None:
        return _tell(book, "请先保存本工作簿，分析报告将保存在工作簿所在的文件夹。", "warning")
    name = xb.book_name(book)
    try:
        grids = xb.form_grids(book)
        if RECORDS_SHEET in grids:  # a 部门汇总: its report is made from the records it keeps
            grids[RECORDS_SHEET] = xb.sheet_grid(book.sheets[RECORDS_SHEET])
        drafted = report_for_sheets(name, grids, profile or load_profile())
    except NothingToReport as exc:
        return _tell(book, f"{exc}，未生成分析报告。", "warning")
    target, kept = report_target(folder, name)
    try:
        write_docx(drafted, target)
    except OSError as exc:
        return _tell(book, f"无法写入 {target}（{os_reason(exc)}），请确认该文件未在 Word 中打开。", "critical")
    note = "" if kept is None else (f"\n已有同名文件夹 {kept.name}，未改动。" if kept.is_dir()
                                    else f"\n原有的 {kept.name} 已有改动，未覆盖。")
    return _tell(book, f"分析报告（草稿）已保存为 {target}。{note}\n标黄的【待填写】处需人工补充，【草稿】处请审核。")


def report_target(folder: Path, name: str) -> tuple[Path, Path | None]:
    """Where the button writes the book's report: `<stem>_分析报告.docx`, replaced while untouched; once somebody
    has worked on it, the next free `<stem>_分析报告（2）.docx`… and that earlier report, to say it was kept."""
    target = folder / f"{book_stem(name)}_分析报告.docx"
    free = free_name(target, taken=lambda path: not replaceable(path))
    return free, (target if free != target else None)


def book_stem(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else name


def _tell(book: Any, text: str, mode: str = "info") -> str:
    xb.alert(book, text, mode=mode)
    return text
