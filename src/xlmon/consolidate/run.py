"""Run a consolidation: find inputs, extract them in worker processes, aggregate, write the summary."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from ..adapters.files import XLSX_SUFFIXES, find_workbooks
from ..profile import Profile, load_profile
from .aggregate import Summary, aggregate
from .extract import extract
from .records import FileOutcome

PARALLEL_FROM = 16  # below this many files a pool costs more than it saves


def resolve_inputs(inputs: Iterable[str | Path], output: str | Path | None) -> list[tuple[Path, Path | None]]:
    """find_workbooks, less our own output and files named twice."""
    skip = Path(output).resolve() if output else None
    found: list[tuple[Path, Path | None]] = []
    seen: set[Path] = set()
    folders: dict[Path, Path] = {}
    for path, origin in find_workbooks(inputs):
        resolved = _resolve(path, folders)
        if resolved != skip and resolved not in seen:
            seen.add(resolved)
            found.append((path, origin))
    return found


def _resolve(path: Path, folders: dict[Path, Path]) -> Path:
    """path.resolve(), each folder resolved once: resolve() looks up every component of the path."""
    if path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    if path.parent not in folders:
        folders[path.parent] = path.parent.resolve()
    return folders[path.parent] / path.name


def skip_own_summaries(outcomes: list[FileOutcome], origins: list[Path | None]) -> None:
    """A folder of units' files may also hold an earlier summary of them: that one is skipped.
    A folder holding only summaries (a bureau's) is consolidated, and a summary named directly is too."""
    with_units = {o for o, out in zip(origins, outcomes) if o is not None and not out.summary}
    for origin, outcome in zip(origins, outcomes):
        if outcome.summary and origin in with_units:
            outcome.status, outcome.reason = "rejected", "xlmon 生成的汇总文件，与单位文件在同一文件夹中，已跳过"
            outcome.records, outcome.diagnostics = [], []


def extract_all(paths: list[Path], profile: Profile, progress: Callable[[int, int], None] | None = None,
                workers: int | None = None) -> list[FileOutcome]:
    work = partial(extract, profile=profile)
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
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for i, outcome in enumerate(pool.map(work, names, chunksize=max(1, min(16, len(names) // (workers * 32)))), 1):
            out.append(outcome)
            if progress:
                progress(i, len(names))
    return out


def consolidate(inputs: Iterable[str | Path], output: str | Path, *, roster: list[str] | None = None,
                profile: Profile | None = None, progress: Callable[[int, int], None] | None = None,
                workers: int | None = None) -> Summary:
    """Consolidate and write the summary workbook atomically; inputs are only read."""
    from .workbook import write_summary

    profile = profile or load_profile()
    found = resolve_inputs(inputs, output)
    outcomes = extract_all([p for p, _ in found], profile, progress, workers)
    with _collector_paused():
        skip_own_summaries(outcomes, [origin for _, origin in found])
        summary = aggregate(outcomes, profile, roster)
        if summary.projects or summary.overall:
            write_summary(summary, Path(output), profile)
    return summary


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
                   "reason": o.reason, "sha256": o.sha256} for o in summary.files],
        "projects": len(summary.projects),
        "units": len({p.unit for p in summary.projects}),
        "totals": {k: r4(v) for k, v in total.as_dict().items()},
        "time_progress": r4(summary.time_progress),
        "gap": r4(total.gap),
        "grade": total.grade,
        "grades": summary.grades,
        "duplicates": summary.duplicates,
        "missing_units": summary.missing_units,
        "diagnostics": [{k: d.get(k) for k in ("file", "code", "severity", "sheet", "cell", "message")}
                        for d in summary.diagnostics],
    }


def read_roster(path: str | Path) -> list[str]:
    """A CSV or xlsx list of expected units: the first column, a header row such as 单位名称 skipped."""
    path = Path(path)
    if path.suffix.lower() in XLSX_SUFFIXES:
        from ..adapters.files import read_workbook

        book = read_workbook(path)
        if book.refusal:
            raise ValueError(f"单位名单 {path} 无法读取")
        rows = next(iter(book.sheets.values()), [])
        names = [r[0] for r in rows if r and r[0] is not None]
    else:
        import csv

        text = path.read_text(encoding="utf-8-sig")
        names = [r[0] for r in csv.reader(text.splitlines()) if r]
    names = [str(n).strip() for n in names if str(n).strip()]
    if names and ("单位" in names[0] and ("名" in names[0] or names[0] in ("单位", "预算单位"))):
        names = names[1:]
    return names
