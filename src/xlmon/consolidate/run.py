"""Run a consolidation: find inputs, extract them in worker processes, aggregate, write the summary."""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from ..adapters.files import find_workbooks, other_files, read_workbook, unpacked_refusal
from ..diagnostics import make
from ..profile import Profile, load_profile
from ..sheetnames import RECORDS_SHEET
from .aggregate import Summary, aggregate
from .copies import duplicates_text, unnamed_duplicates
from .edits import Edit
from .extract import Completed, NotCompleted, completed_summary, edits_in, extract, read_completed
from .names import department_groups, department_name, unit_key
from .records import FileOutcome

if TYPE_CHECKING:
    from .edits import Column

PARALLEL_FROM = 16  # below this many files a pool costs more than it saves


class OutputIsInput(ValueError):
    """The summary would overwrite a file it must not (one it reads, a summary the department worked on, any
    workbook that is not an xlmon summary): refused before anything is read or written."""


def resolve_inputs(inputs: Iterable[str | Path], output: str | Path | None,
                   roster_file: str | Path | None = None) -> list[tuple[Path, Path | None]]:
    """find_workbooks, less files named twice and our own output: an earlier summary found in a folder
    is skipped (it is about to be replaced); any other input at the output's path is refused. The roster,
    when it lies in an input folder, is no unit's form."""
    skip = Path(output).resolve() if output else None
    roster = Path(roster_file).resolve() if roster_file else None
    found: list[tuple[Path, Path | None]] = []
    seen: set[Path] = set()
    folders: dict[Path, Path] = {}
    for path, origin in find_workbooks(inputs):
        resolved = _resolve(path, folders)
        if resolved == skip:
            if origin is None:
                raise OutputIsInput(f"汇总文件 {output} 也是要汇总的输入文件；请换一个输出文件名（输入文件不会被覆盖）。")
            if not is_summary(path):
                raise OutputIsInput(f"汇总文件 {output} 是文件夹中的一个单位文件，不是 xlmon 的汇总，不会覆盖它；"
                                    "请换一个输出文件名。")
        elif resolved == roster and origin is not None:
            continue
        elif resolved not in seen:
            seen.add(resolved)
            found.append((path, origin))
    return found


def is_summary(path: Path) -> bool:
    """Whether a workbook is an xlmon summary (which a new one may replace); an unreadable one is not."""
    from python_calamine import CalamineWorkbook

    try:
        return RECORDS_SHEET in CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # calamine raises its own error types for any malformed file
        return False


def _resolve(path: Path, folders: dict[Path, Path]) -> Path:
    """path.resolve(), each folder resolved once: resolve() looks up every component of the path."""
    if path.name in ("", ".", "..") or os.path.islink(path):
        return path.resolve()
    if path.parent not in folders:
        folders[path.parent] = path.parent.resolve()
    return folders[path.parent] / path.name


def skip_own_summaries(outcomes: list[FileOutcome], origins: list[Path | None],
                       where: str = "同一文件夹中", chosen_together: bool = False) -> list[FileOutcome]:
    """A folder of units' files (or files chosen together, an upload) may also hold an earlier summary of them. One
    written in this very folder (as it records) is last time's: skipped, and returned, when any of its files is
    still here, a unit's file renamed or taken out being out of the new summary too. One made elsewhere (a
    department's, in a bureau's inbox), or not saying where, is skipped only when every file it consolidated is beside
    it and it is not one department's among forms of several, which is that department's summary sent to the bureau,
    no earlier one of the bureau's (its completed 部门整体, its edits, K005, are the department's); beside some of them
    (a unit that also sent its file straight to the bureau) it is consolidated and brought up to date with them, as a
    duplicate is; so are a summary of other units, a folder holding only summaries and a
    summary named directly. Of files chosen together (an upload), a summary is one made elsewhere. A file it
    consolidated is beside it by its name and its unit: where every unit's file is 监控表.xlsx, another unit's beside
    the summary is none of them."""
    files: dict[Path, dict[str, list[tuple[FileOutcome, set[str]]]]] = {}  # by folder and name, with their units
    for origin, outcome in zip(origins, outcomes):
        if origin is not None:
            units = {unit_key(r.unit) for r in outcome.records if r.unit}
            files.setdefault(origin, {}).setdefault(Path(outcome.path).name, []).append((outcome, units))
    skipped = []
    several = len(department_groups(r for o in outcomes for r in o.records)) > 1
    for origin, outcome in zip(origins, outcomes):
        found = _found(outcome, files[origin]) if outcome.summary and origin is not None else []
        here = not chosen_together and _made_here(outcome, origin, found)
        sent = several and not here and bool(department_name(outcome.records))  # one department's, to the bureau
        if found and not sent and (any(found) if here else all(found)):
            outcome.status, outcome.reason = "rejected", f"xlmon 生成的汇总文件，汇总的正是{where}的单位文件，已跳过"
            outcome.records, outcome.diagnostics = [], []
            skipped.append(outcome)
    return skipped


def _found(summary: FileOutcome, files: dict[str, list[tuple[FileOutcome, set[str]]]]) -> list[bool]:
    """Whether each file a summary consolidated lies beside it: a file of its name holding a form of a unit it held
    (a unit's file sent again), or of its name alone where either tells no unit."""
    held: dict[str, set[str]] = {}
    for r in summary.records:
        if r.unit and r.source:
            held.setdefault(r.source, set()).add(unit_key(r.unit))
    return [any(other is not summary and (not units or not held.get(path) or units & held[path])
                for other, units in files.get(_name(path), ())) for path in summary.inputs]


def _name(path: str) -> str:
    """A file's name from a path as a summary recorded it, on Windows (\\) or not."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _made_here(outcome: FileOutcome, origin: Path | None, found: list[bool]) -> bool:
    """Whether a summary is last time's of the folder it lies in: written there, of the units' files there (as it
    records), or in a folder of that name since moved (another drive, a share) with most of its files beside it."""
    if origin is None or outcome.made_in is None:
        return False
    try:
        here = origin.resolve()
    except OSError:
        return False
    made = Path(outcome.made_in)
    return made == here or made.name == here.name and sum(found) * 2 > len(found)


def extract_all(paths: list[Path], profile: Profile, progress: Callable[[int, int], None] | None = None,
                workers: int | None = None, dated: bool = True) -> list[FileOutcome]:
    """Every file's outcome, in the order given. A file whose reading raises, or kills its worker process (an
    abort in a native reader, the system ending a process out of memory), is rejected (F013); the rest go on."""
    work = partial(extract_safely, profile=profile, dated=dated)
    names = [str(p) for p in paths]
    workers = workers or min(os.cpu_count() or 1, 4)
    out: list[FileOutcome] = []
    if len(names) < PARALLEL_FROM or workers < 2:
        for i, name in enumerate(names, 1):
            out.append(work(name))
            if progress:
                progress(i, len(names))
        return out
    context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    size = max(1, min(16, len(names) // (workers * 32)))  # files a task: fewer round trips, a bar still moving
    begun = context.RawArray("b", len(names))  # per file: 0 not begun, 1 being read, 2 read
    done: dict[int, FileOutcome] = {}
    left = list(range(len(names)))
    while left:
        try:
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_share, initargs=(begun,)) as pool:
                tasks = [pool.submit(_extract_each, work, [(i, names[i]) for i in left[at:at + size]])
                         for at in range(0, len(left), size)]
                for task in as_completed(tasks):  # as they finish: one slow file holds back no other's progress
                    done.update(task.result())
                    if progress:
                        progress(len(done), len(names))
        except BrokenProcessPool:  # a worker died: each file being read when it did is read again alone
            lost = [i for i in left if i not in done]
            # none being read (a worker killed between files): one whose outcome it took with it, else any, so that
            # each pool that dies leaves a file fewer and the run ends
            suspects = [i for i in lost if begun[i] == 1] or [i for i in lost if begun[i] == 2][:1] or lost[:1]
            for i in suspects:
                done[i] = _alone(work, names[i], context)
                if progress:
                    progress(len(done), len(names))
        left = [i for i in left if i not in done]
    return [done[i] for i in range(len(names))]


def extract_safely(path: str, profile: Profile, dated: bool = True) -> FileOutcome:
    """extract, with an unforeseen error in it a rejection of that file (F013) instead of the end of the run."""
    try:
        return extract(path, profile, dated)
    except Exception as exc:  # a defect of xlmon's met on one file (MemoryError included): the others still count
        return _failed(path, f"{type(exc).__name__}: {exc}")


def _failed(path: str, detail: str) -> FileOutcome:
    d = make("F013", file=path, detail=detail)
    return FileOutcome(path, "", "rejected", d.message, [], [d.model_dump()])


_begun = None  # a worker's view of extract_all's progress array


def _share(begun) -> None:
    global _begun
    _begun = begun


def _extract_each(work: Callable[[str], FileOutcome], files: list[tuple[int, str]]) -> dict[int, FileOutcome]:
    out = {}
    for i, name in files:
        _begun[i] = 1
        out[i] = work(name)
        _begun[i] = 2
    return out


def _alone(work: Callable[[str], FileOutcome], name: str, context) -> FileOutcome:
    """One file read in a process of its own: its outcome, or F013 when that process dies too."""
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_send, args=(work, name, send), daemon=True)
    process.start()
    send.close()
    try:
        outcome = receive.recv()
    except EOFError:
        outcome = None
    process.join()
    if outcome is not None:
        return outcome
    code = process.exitcode or 0
    if code == -9:  # SIGKILL: on Linux what the out-of-memory killer sends
        return _failed(name, "读取进程被系统终止，多半是内存不足")
    if code < 0:
        return _failed(name, f"读取进程异常终止，信号 {_signal_name(-code)}")
    return _failed(name, f"读取进程异常退出，退出代码 {code}")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _send(work: Callable[[str], FileOutcome], name: str, send) -> None:
    send.send(work(name))
    send.close()


def consolidate(inputs: Iterable[str | Path], output: str | Path, *, roster: list[str] | None = None,
                profile: Profile | None = None, progress: Callable[[int, int], None] | None = None,
                workers: int | None = None, roster_file: str | Path | None = None,
                carry_from: str | Path | None = None, chosen_together: bool = False, dated: bool = True,
                others: Iterable[str] = (), carry_latest: bool = False) -> Summary:
    """Consolidate and write the summary workbook atomically; inputs are only read. roster_file: where the
    roster was read from, so that it is not taken for a unit's file when it lies in an input folder.
    carry_from: an earlier summary whose 部门整体 the department completed, carried into the new one (see
    carry.py); the output may then be that summary itself. NotCompleted when it holds no such form.
    chosen_together: the inputs are files a user chose at once (an upload), taken as a folder's contents: an
    earlier summary of the same units among them is skipped, and its completed 部门整体 carried when
    carry_from names none. dated=False: the files' modification times are not their own (uploads sent
    without them), so no copy is the later by its file. others: files no workbook beside the inputs that were not
    given (the web page sends the names of those in the chosen folder, not the files), named as if they were there,
    with those other_files finds in the input folders (Summary.others). carry_latest: of the earlier summaries skipped
    as last time's, carry the latest completed 部门整体 (the add-in's 汇总 in a folder), as an upload does; never a
    department's summary consolidated as an input, which is that department's own form, not this summary's."""
    from .carry import carry
    from .workbook import write_summary

    profile = profile or load_profile()
    inputs = list(inputs)

    @cache
    def sheets(path: str) -> dict[str, list[list]]:
        """A summary looked at for edits, read once."""
        return read_workbook(path).sheets

    @cache
    def edits(path: str) -> list[Edit]:
        """The department's edits to that summary, worked out once (the output's before and after extraction)."""
        return edits_in(sheets(path), profile)

    done = read_completed(carry_from, profile) if carry_from else None
    replaced = done is not None and _same_file(carry_from, output)
    if Path(output).is_file() and not replaced and completed_summary(output, profile):
        raise OutputIsInput(f"汇总文件 {output} 中的部门整体表已由部门填写，重新汇总会覆盖填写的内容；请用 "
                            f"--overall-from {output} 把填写的内容带到新的汇总表中，或换一个输出文件名（原文件不会被覆盖）。")
    # the columns the department added to the summary it replaces go into the new one (checked below)
    if Path(output).is_file() and (by_hand := [e for e in edits(str(output)) if not (replaced and e.column)]):
        raise _edited(output, by_hand, replaced)
    found = resolve_inputs(inputs, output, roster_file)
    if Path(output).is_file() and RECORDS_SHEET not in sheets(str(output)):  # an input: resolve_inputs named it
        raise OutputIsInput(f"汇总文件 {output} 已存在，且不是 xlmon 生成的汇总表，不会覆盖它；请换一个输出文件名。")
    outcomes = extract_all([p for p, _ in found], profile, progress, workers, dated)
    unpacked_archives(outcomes)
    with _collector_paused():
        origins = [Path(output).parent if chosen_together else origin for _, origin in found]
        skipped = skip_own_summaries(outcomes, origins, "一同选择" if chosen_together else "同一文件夹中",
                                     chosen_together)
        found_note = None
        if (chosen_together or carry_latest) and done is None:
            done, found_note = earlier_among(skipped, profile, dated)
        summary = aggregate(outcomes, profile, roster, [*(str(p) for p in other_files(inputs)), *others])
        if found_note:
            summary.diagnostics.append(found_note)
        if done is not None:
            try:
                summary.carried = carry(done, summary.overall, summary.year, summary.months, str(output),
                                        profile.levels())
                summary.diagnostics += summary.carried.diagnostics
            except NotCompleted as exc:  # of another year: the new summary is written without it
                summary.diagnostics.append(make("K010", file=done.path, sheet=done.form.sheet, reason=str(exc))
                                           .model_dump())
        if done is None and not (chosen_together or carry_latest) and (left := _completed_left(skipped, profile)):
            summary.diagnostics.append(left)
        earlier = done.path if done is not None else _latest(skipped, chosen_together and not dated)
        carried = _carry_columns(earlier, sheets(earlier), summary) if earlier else set()
        if replaced and (left := [e for e in edits(str(output)) if (done.path, e.sheet, e.column) not in carried]):
            raise _edited(output, left)  # of another period: its columns cannot go into this one
        last_time = [o.path for o in skipped if earlier in (None, o.path)]  # older ones were handed on to it already
        if done is not None and not replaced and not any(_same_file(done.path, p) for p in last_time):
            last_time.append(done.path)  # --overall-from a summary kept apart from the units' files: its edits too
        summary.diagnostics += [make("K015", file=p, count=len(stay), edits=_listed_edits(stay)).model_dump()
                                for p in last_time if (stay := [e for e in edits(p)
                                                                if (p, e.sheet, e.column) not in carried])]
        if summary.projects or summary.overall:
            write_summary(summary, Path(output), profile)
    return summary


def _same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file, however each is written."""
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def unpacked_archives(outcomes: list[FileOutcome]) -> None:
    """A zip whose workbooks came unpacked beside it is no file to see to (files.unpacked_refusal)."""
    for outcome in outcomes:
        if [d["code"] for d in outcome.diagnostics] == ["F009"]:
            refusal = unpacked_refusal(outcome.path, (o.path for o in outcomes))
            if refusal is not None:
                d = refusal.diagnostic(outcome.path)
                outcome.reason, outcome.diagnostics = d.message, [d.model_dump()]


def _latest(skipped: list[FileOutcome], undated: bool) -> str | None:
    """Last time's summary among those skipped beside the units' files: the one modified last, in a folder or of
    uploads sent with their times (as the page sends them); of uploads without, the only one."""
    if undated:
        return skipped[0].path if len(skipped) == 1 else None
    return max(skipped, key=lambda o: o.modified or 0).path if skipped else None


def _edited(output: str | Path, edits: list[Edit], carrying: bool = False) -> OutputIsInput:
    """Refusing to write over a summary edited by hand; carrying: it is also the --overall-from summary, whose
    completed 部门整体 and own columns go into a new file named with -o wherever it lies."""
    where = (f"请换一个输出文件名，仍加 --overall-from {output}（原文件不会被覆盖；部门填写的部门整体表和增加的列会带入"
             "新的汇总表，以上修改留在原文件中）" if carrying else
             "请换一个输出文件名（原文件不会被覆盖；它在单位文件所在的文件夹中时，部门增加的列会按行带入新的汇总表）")
    return OutputIsInput(f"汇总文件 {output} 在 xlmon 生成后有 {len(edits)} 处手工修改（{_listed_edits(edits)}），"
                         f"重新汇总会覆盖这些修改；{where}。")


def _carry_columns(path: str, sheets: dict[str, list[list]], summary: Summary) -> set[tuple[str, str, str]]:
    """The columns the department added to 项目明细, 指标偏差, 校验问题 and 重点监控建议 of its earlier summary go
    into the new one beside the same rows (K016); the values whose row is gone are named. Opinions on another
    period's figures are not this period's: such a summary hands on nothing. Returns (path, sheet, header) of
    each column carried, so that it is not also reported as left behind (K015)."""
    from .periods import majority_period
    from .edits import own_columns, placed_columns
    from .extract import DamagedRecords, summary_records

    try:
        period = majority_period(summary_records(sheets.get(RECORDS_SHEET, []))[0])
    except DamagedRecords:
        return set()
    now = period == (summary.year, summary.months)
    columns = [c for c in own_columns(sheets) if c.values or c.apart] if now else []
    if not columns:
        return set()
    summary.annotations, left, apart = placed_columns(columns, summary)
    names = "、".join(f"{c.sheet}“{c.header}”" for c in columns)
    gone = _not_carried(left, "在新的汇总表中已不存在（相应偏差或问题已消除）") + _not_carried(
        apart, "与另一行无法区分（如同名单位的同名项目）")
    summary.diagnostics.append(make("K016", file=path, count=len(columns), columns=names, gone=gone).model_dump())
    return {(path, c.sheet, c.header) for c in columns}


def _not_carried(values: list[tuple[Column, object]], why: str) -> str:
    """K016's clause naming the values of the department's columns not carried, and why their rows took none."""
    if not values:
        return ""
    shown = "、".join(f"{c.sheet}“{c.header}”列的{_quoted(v)}" for c, v in values[:EDITS_NAMED])
    return f"；其中 {len(values)} 个值所在的行{why}，未带入：{shown}" + (" 等" if len(values) > EDITS_NAMED else "")


def _quoted(value: object) -> str:
    return f"“{value:g}”" if isinstance(value, float) else f"“{value}”"


EDITS_NAMED = 3  # a refusal names the first few edits; `xlmon consolidate SUMMARY` reports each one


def _listed_edits(edits: list[Edit]) -> str:
    named = "；".join(f"{e.sheet}{'!' + e.cell if e.cell else ''}：{e.what}" for e in edits[:EDITS_NAMED])
    return named + (f"；等 {len(edits)} 处" if len(edits) > EDITS_NAMED else "")


def _completed_left(skipped: list[FileOutcome], profile: Profile) -> dict | None:
    """Last time's summary beside the units' files whose 部门整体 the department completed, summed again without
    --overall-from: its goal, indicators and amounts are not in the new summary, which says so (K021)."""
    completed = _completed_among(skipped, profile)
    if not completed:
        return None
    path = max(completed, key=lambda c: c[0])[1].path
    return make("K021", file=path, name=Path(path).name, path=path).model_dump()


def _completed_among(skipped: list[FileOutcome], profile: Profile) -> list[tuple[float, Completed]]:
    """The earlier summaries skipped whose 部门整体 the department completed, each with its modification time."""
    completed = []
    for outcome in skipped:
        try:
            completed.append((outcome.modified or 0, read_completed(outcome.path, profile)))
        except NotCompleted:
            continue
    return completed


def earlier_among(skipped: list[FileOutcome], profile: Profile, dated: bool) -> tuple[Completed | None, dict | None]:
    """Of the earlier summaries chosen with the units' files, the one whose 部门整体 the department completed,
    to be carried: of several, the one modified last, as the add-in takes it from a folder, when the uploads came
    with their times (the add-in's 汇总 leaves each carried form in a summary of its own, 部门汇总（2）.xlsx beside
    部门汇总.xlsx); without them, none (which is the latest cannot be told) and a note."""
    completed = _completed_among(skipped, profile)
    if len(completed) == 1 or completed and dated:
        return max(completed, key=lambda c: c[0])[1], None
    if not completed:
        return None, None
    names = "、".join(Path(c.path).name for _, c in completed)
    return None, make("K011", file=completed[0][1].path, count=len(completed), names=names).model_dump()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Aggregating and writing a summary allocate some 10^5 objects (rows, cells, texts) and no reference
    cycles; the cyclic collector would walk them and all the records again and again for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def summary_json(summary: Summary, output: str | Path | None) -> dict:
    def r4(v):
        return round(v, 4) if isinstance(v, float) else v

    total = summary.total
    return {
        "output": str(output) if output and (summary.projects or summary.overall) else None,
        "period": {"year": summary.year, "months": summary.months},
        "files": [{"path": o.path, "status": o.status, "forms": summary.included_forms.get(o.path, 0),
                   "reason": o.reason, "sha256": o.sha256, "earlier": o.earlier} for o in summary.files],
        "projects": len(summary.projects),
        "units": len(summary.units),
        "departments": [{"name": name, "units": units} for name, units in summary.departments],
        "totals": {k: r4(v) for k, v in total.as_dict().items()},
        "time_progress": r4(summary.time_progress),
        "gap": r4(total.gap),
        "grade": total.grade,
        "grades": summary.grades,
        "duplicates": summary.duplicates,
        "duplicate_files": summary.duplicate_files,
        "missing_units": summary.missing_units,
        "unlisted_units": summary.unlisted_units,
        "other_files": summary.others,
        "carried": summary.carried.as_json() if summary.carried else None,
        "diagnostics": [{k: d.get(k) for k in ("file", "code", "severity", "sheet", "cell", "message")}
                        for d in summary.diagnostics],
    }


EDITS_CODES = ("K016", "K015")  # what became of the department's edits to its earlier summary
CARRY_CODES = ("K007", "K010", "K011", "K021")  # what became of an earlier summary's 部门整体


def edits_note(summary: Summary) -> str:
    """What became of the department's edits to its earlier summary: its own columns carried (K016), the edits
    that stay only in the earlier summary (K015); "" when there were none."""
    return "".join(d["message"] for d in summary.diagnostics if d["code"] in EDITS_CODES)


def carry_note(summary: Summary) -> str:
    """What became of an earlier summary's 部门整体 (K007 carried, K010, K011 and K021 not), or "" when there was
    none."""
    return next((d["message"] for d in summary.diagnostics if d["code"] in CARRY_CODES), "")


def unnamed_note(summary: Summary) -> str:
    """The files and projects sent twice beyond the SHOWN_DUPLICATES named, counted; "" when every one is named."""
    more = unnamed_duplicates(len(summary.duplicates), summary.duplicate_files)
    return f"另有 {more}重复报送，均只计入一次（逐个见汇总表的“校验问题”）" if more else ""


def duplicates_note(summary: Summary) -> str:
    """The files and projects sent twice as the web page lists them below the summary, in one note, as the report
    says them (copies.duplicates_text); "" when there were none."""
    return duplicates_text(summary.duplicates, summary.duplicate_files) if summary.duplicates else ""
