"""What 汇总 says once it is done, in the add-in's alert and in the task pane's status line: written here only, so
that the two say the same of the same files (the task pane shows what /api/consolidate sends as it is)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .aggregate import Summary, shown_names
from .copies import counted_once
from .records import FileOutcome, left_out
from .run import CARRY_CODES, EDITS_CODES

SHOWN_REJECTED = 5  # files named in the message with their reasons; the rest are counted


def _as_is(text: str, about: str | None) -> str:
    return text


def summary_said(summary: Summary, saved: str, roster_note: str, names: Mapping[str, str] | None = None,
                 shown: Callable[[str, str | None], str] = _as_is) -> str:
    """The message of a 汇总 that wrote a summary. What differs between the front ends is given: `saved`, where the
    summary went (汇总表已保存为 <path>, or the name it downloads under); `roster_note`, the roster's sentence
    (roster_checked) or why there is none; `names`, each input's path as the user knows it (by default as in a
    folder, shown_names), and `shown`, a message about a file (its path) in the words the user knows its files by
    (the server's uploads are stored under other paths)."""
    from ..file_errors import others_note

    names = names if names is not None else shown_names(f.path for f in summary.files)
    rejected = sum(1 for f in summary.files if f.status == "rejected")
    carried = next((d for d in summary.diagnostics if d["code"] in CARRY_CODES), None)
    carried_note = (f"{Path(names.get(carried['file'], carried['file'])).name}："
                    f"{shown(carried['message'], carried['file'])}" if carried else "")
    edits = "".join(shown(d["message"], d.get("file")) for d in summary.diagnostics if d["code"] in EDITS_CODES)
    departments = f"{len(summary.departments)} 个主管部门、" if len(summary.departments) > 1 else ""  # a bureau's
    return (f"汇总完成：{departments}{len(summary.units)} 个单位，{len(summary.projects)} 个项目，{rejected} 个文件未采用，"
            f"{saved}。{not_taken(summary.files, names, shown)}{duplicates_count(summary)}"
            f"{others_note([names.get(p, p) for p in summary.others])}{roster_note}{carried_note}{edits}")


def duplicates_count(summary: Summary) -> str:
    """The files and projects sent twice, counted, too short a place to name them: 重复报送的文件 1 个、项目 3 个，
    均只计入一次（逐个见汇总表的“校验问题”）。"" when there were none."""
    counted = counted_once(len(summary.duplicates), summary.duplicate_files)
    return f"{counted}（逐个见汇总表的“校验问题”）。" if counted else ""


def roster_checked(summary: Summary, name: str) -> str:
    """What checking the units against the roster `name` found, counted; the summary names them."""
    return (f"按{summary.listed}名单（{name}）核对：未报送 {len(summary.missing_units)} 个{summary.other_period_note}，"
            f"不在名单中 {len(summary.unlisted_units)} 个，详见汇总表。")


def not_taken(files: list[FileOutcome], names: Mapping[str, str], shown: Callable[[str, str | None], str] = _as_is
              ) -> str:
    """The first files left out of the summary, each with its reason, as the command line and the web page list
    them, and how many were earlier months of forms sent for this period (K018); '' when every file was taken."""
    rejected, kept = left_out(files)
    earlier = f"另有 {kept} 个文件是前期的表，本期的表已另行报送，无需处理。" if kept else ""
    return (listed(rejected, names, shown) if rejected else "") + earlier


def listed(files: Iterable[FileOutcome], names: Mapping[str, str],
           shown: Callable[[str, str | None], str] = _as_is) -> str:
    """The first files named (一科/监控表.xlsx where two share a name), each with its reason after a colon in a
    sentence of its own, as the report's left_out_text: in brackets after the name, a reason holding brackets of
    its own (表内期间（2026年1-5月）…) nested them."""
    files = list(files)
    named = "".join(f"{names.get(f.path, Path(f.path).name)}：{shown(f.reason or '未说明原因', f.path).rstrip('。')}。"
                    for f in files[:SHOWN_REJECTED])
    more = f"（共 {len(files)} 个，列出前 {SHOWN_REJECTED} 个）" if len(files) > SHOWN_REJECTED else ""
    return f"未采用的文件如下{more}。{named}"
