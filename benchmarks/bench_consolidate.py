"""Speed of `xlmon consolidate` on 1,000 units' workbooks, measured in one run and reported as ratios.

Run with `make bench` (or `.venv/bin/python benchmarks/bench_consolidate.py`). Budgets (the
consolidation issue): 1,000 unit files of ~3 project forms each consolidated in under 4 s on this
2-core machine, and at least 20x faster than the naive pandas way (read_excel every sheet with
openpyxl, concat, to_excel). The floor is python-calamine reading every sheet's values in one
process and doing nothing else.

The input files are generated once (about 3,000 forms written with the xlsxwriter form backend)
and cached under --data (default benchmarks/.data/units1000, git-ignored); generation is timed and
shown but is not part of any measurement. Each consolidation runs in a fresh child process, so its
peak RSS (VmHWM of the process, ru_maxrss of its largest worker) belongs to that consolidation alone.
The machine's speed drifts, so the ratios are taken within rounds that time xlmon, the naive way and
the floor back to back; the round with the median ratio is reported, with every round's ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT / "benchmarks" / ".data" / "units1000"
BUDGET_S = 4.0
BUDGET_RATIO = 20.0
WORKERS = 2
YEAR, MONTHS = 2026, 6
GENERATOR_VERSION = 1  # bump when the generated files change, to invalidate caches


# ---------------------------------------------------------------------------------------------
# The input files: units of a department, ~3 project forms each, written with xlsxwriter.
# ---------------------------------------------------------------------------------------------

def unit_name(n: int) -> str:
    return f"第{n}单位"


def unit_projects(n: int, seed: int):
    """Unit n's projects as demo.ProjectData: 2-4 distinct kinds (3 on average), demo's numbers."""
    from xlmon import demo

    return demo_projects(random.Random(seed * 1_000_003 + n), unit_name(n),
                         f"{demo.DEPARTMENT[0]}（{demo.DEPARTMENT[1]}）", MONTHS)


def demo_projects(rng: random.Random, unit: str, department: str, months: int):
    """A unit's projects: 2-4 distinct kinds of the demo's (3 on average), its numbers, some lagging or doubtful."""
    from xlmon import demo

    tp = months / 12
    projects = []
    for key in rng.sample(sorted(demo.PROJECTS), rng.choice((2, 3, 3, 3, 4))):
        kind = demo.PROJECTS[key]
        marks = tuple(m for m, share in ((demo.LAG, 0.12), (demo.MAYBE, 0.10), (demo.NEVER, 0.03))
                      if rng.random() < share)
        projects.append(demo.ProjectData(
            kind.name, kind.short, unit, department, kind.goal,
            demo._funding(rng, kind, marks, tp), demo._indicators(rng, kind.indicators, tp, marks),
            marks, kind.sources[0][0]))
    return projects


_LAYOUTS: dict = {}


def _layout(counts: dict[tuple[str, str], int], months: int = MONTHS):
    """Where the inputs go for these group sizes (the header text does not move any cell)."""
    from xlmon.form_plan import plan_form

    key = (months, tuple(sorted(counts.items())))
    if key not in _LAYOUTS:
        _LAYOUTS[key] = plan_form("project", year=YEAR, months=months, indicator_counts=counts).layout
    return _LAYOUTS[key]


def form_values(project, layout) -> dict[str, object]:
    """demo.write_project_form's inputs as A1 address -> value (amounts in 万元, text as text)."""
    from xlsxwriter.utility import xl_col_to_name

    from xlmon import layout as L
    from xlmon.templates import INDICATOR_COLS

    values: dict[str, object] = {layout.header["goal"]: project.goal}
    for label, amounts in project.funding.items():
        for f in L.INPUT_AMOUNTS:
            if getattr(amounts, f) is not None:
                values[layout.funding[("source", label)][f]] = getattr(amounts, f) / 100
    queue: dict[tuple[str, str], list] = {}
    for ind in project.indicators:
        queue.setdefault((ind.level1, ind.level2), []).append(ind)
    col = {k: xl_col_to_name(c - 1) for k, c in INDICATOR_COLS.items()}
    for level1, level2, r in layout.indicator_rows:
        ind = queue[(level1, level2)].pop(0)
        values[f"{col['level3']}{r}"] = ind.level3
        values[f"{col['target']}{r}"] = ind.target
        values[f"{col['actual']}{r}"] = ind.shown(ind.actual)
        values[f"{col['forecast']}{r}"] = ind.shown(ind.forecast)
        if ind.reason:
            values[f"{col['reason']}{r}"] = ind.reason
        values[f"{col[ind.likelihood]}{r}"] = L.TICK
        if ind.remark:
            values[f"{col['remark']}{r}"] = ind.remark
    return values


def write_unit(args: tuple[Path, int, int]) -> int:
    """One unit's workbook; returns its number of forms."""
    folder, n, seed = args
    projects = unit_projects(n, seed)
    path = folder / f"{n:04d}_{unit_name(n)}.xlsx"
    tmp = path.with_name(f".tmp-{path.name}")
    write_forms(tmp, projects, MONTHS)
    os.replace(tmp, path)
    return len(projects)


def write_forms(path: Path, projects, months: int) -> None:
    """The projects' forms, a sheet each, written with xlsxwriter (the text a unit typed never a formula)."""
    import xlsxwriter

    from xlmon.adapters.xlsxwriter_form import build_form_xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    for p in projects:
        counts = dict(Counter((i.level1, i.level2) for i in p.indicators))
        ws = wb.add_worksheet(p.sheet)
        build_form_xlsxwriter(wb, ws, "project", year=YEAR, months=months, project=p.name,
                              department=p.department, unit=p.unit, indicator_counts=counts,
                              values=form_values(p, _layout(counts, months)))
    wb.close()


def ensure_data(folder: Path, units: int, seed: int) -> tuple[list[Path], int, float | None]:
    """The cached files (generated when missing or made with other settings): paths, forms, seconds."""
    manifest = folder / "manifest.json"
    want = {"version": GENERATOR_VERSION, "units": units, "seed": seed, "year": YEAR, "months": MONTHS}
    if manifest.exists():
        have = json.loads(manifest.read_text(encoding="utf-8"))
        paths = sorted(folder.glob("*.xlsx"))
        if {k: have.get(k) for k in want} == want and len(paths) == units:
            return paths, have["forms"], None
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        forms = sum(pool.map(write_unit, [(folder, n, seed) for n in range(1, units + 1)], chunksize=25))
    elapsed = time.perf_counter() - start
    manifest.write_text(json.dumps({**want, "forms": forms, "seconds": round(elapsed, 2)}), encoding="utf-8")
    return sorted(folder.glob("*.xlsx")), forms, elapsed


# ---------------------------------------------------------------------------------------------
# The measurements.
# ---------------------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    """This process's own peak RSS. Linux keeps ru_maxrss across exec: a child started from the benchmark (which
    by then may hold the naive way's frames, 200 MiB) reported the parent's peak as its own. VmHWM belongs to
    the process's memory since exec."""
    try:
        status = Path("/proc/self/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_consolidate(list_file: str, out: str) -> None:
    """In a fresh process: consolidate the listed files with 2 workers; print what it took."""
    from xlmon.consolidate.run import consolidate
    from xlmon.profile import load_profile

    paths = Path(list_file).read_text(encoding="utf-8").splitlines()
    load_profile()  # warm the cache as a CLI run would have by now (it is not the work being measured)
    last = [0.0]

    def progress(i: int, n: int) -> None:  # called as each file's outcome arrives
        last[0] = time.perf_counter()

    start, cpu = time.perf_counter(), os.times()
    summary = consolidate(paths, out, workers=WORKERS, progress=progress)
    elapsed, used = time.perf_counter() - start, os.times()
    print(json.dumps({
        "seconds": elapsed,
        # CPU time of this consolidation: the main process, and the worker processes (reaped when the pool closed)
        "cpu_main": used.user - cpu.user + used.system - cpu.system,
        "cpu_workers": used.children_user - cpu.children_user + used.children_system - cpu.children_system,
        "extract_seconds": last[0] - start,  # finding the files + reading and checking them all
        "after_seconds": time.perf_counter() - last[0],  # aggregate + write the summary workbook
        "projects": len(summary.projects),
        "included": sum(o.status == "included" for o in summary.files),
        "duplicates": len(summary.duplicates),
        "grades": summary.grades,
        "rss_self_mb": peak_rss_mb(),
        "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "summary_mb": Path(out).stat().st_size / 2**20,
    }))


def run_consolidate(paths: list[Path], tmp: Path) -> dict:
    list_file = tmp / f"inputs{len(paths)}.txt"
    list_file.write_text("\n".join(map(str, paths)), encoding="utf-8")
    out = tmp / f"汇总{len(paths)}.xlsx"
    out.unlink(missing_ok=True)  # a first summary: writing over an earlier one first checks what it holds
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--child", str(list_file), str(out)],
                          capture_output=True, text=True, check=False)
    process = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"consolidation of {len(paths)} files failed:\n{done.stderr}")
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "process_seconds": process}


def calamine_floor(paths: list[Path]) -> float:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    for p in paths:
        wb = CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
    return time.perf_counter() - start


def naive_pandas(paths: list[Path], out: Path) -> tuple[float, int, str]:
    """read_excel(openpyxl) of every sheet of every file, one concat, one to_excel; seconds, rows, writer."""
    import pandas as pd

    start = time.perf_counter()
    frames = []
    for p in paths:
        frames.extend(pd.read_excel(p, sheet_name=None, engine="openpyxl", header=None).values())
    table = pd.concat(frames, ignore_index=True)
    with pd.ExcelWriter(out) as writer:  # pandas' default xlsx writer
        table.to_excel(writer, index=False)
        engine = writer.engine
    return time.perf_counter() - start, len(table), engine


def warm(paths: list[Path]) -> None:
    """Every run reads the files from the page cache, whichever runs first."""
    for p in paths:
        p.read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder of the generated files (cached)")
    ap.add_argument("--units", type=int, default=1000, help="unit workbooks to generate (default 1000)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--naive-sample", type=int, default=100,
                    help="files the naive pandas way is timed on, extrapolated linearly (0: all)")
    ap.add_argument("--scales", type=int, nargs="*", default=[250],
                    help="smaller runs on the first N files, to see RSS grow with the projects")
    ap.add_argument("--repeat", type=int, default=3,
                    help="rounds of (consolidating all files in a fresh process, the naive way, the floor); "
                         "the round with the median ratio is reported")
    ap.add_argument("--child", nargs=2, metavar=("LIST", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_consolidate(*args.child)
        return

    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        sys.exit("pandas is needed for the naive comparison: pip install -e '.[bench]' (make bench does)")
    paths, forms, generated = ensure_data(args.data.resolve(), args.units, args.seed)
    size_mb = sum(p.stat().st_size for p in paths) / 2**20
    gen = (f"generated in {generated:.1f} s ({os.cpu_count()} processes, xlsxwriter form backend)"
           if generated is not None else "cached (generation time: see manifest.json)")
    print(f"Inputs: {len(paths)} unit workbooks, {forms} project forms, {size_mb:.1f} MiB in {args.data} — {gen}\n")

    warm(paths)
    load_before = os.getloadavg()[0]
    sample_n = len(paths) if args.naive_sample <= 0 else min(args.naive_sample, len(paths))
    sample = sorted(random.Random(args.seed).sample(paths, sample_n))
    with tempfile.TemporaryDirectory(prefix="xlmon-bench-") as tmp_name:
        tmp = Path(tmp_name)
        runs = {n: run_consolidate(paths[:n], tmp) for n in sorted({s for s in args.scales if 0 < s < len(paths)})}
        # This machine's speed drifts by tens of percent within a minute, so each round measures xlmon,
        # the naive way and the floor back to back, and the ratios are taken within a round.
        rounds = []
        for _ in range(max(args.repeat, 1)):
            run = run_consolidate(paths, tmp)
            gc.collect()
            naive_s, naive_rows, engine = naive_pandas(sample, tmp / "naive.xlsx")
            gc.collect()
            rounds.append({**run, "naive_sample_s": naive_s, "naive": naive_s * len(paths) / sample_n,
                           "floor": calamine_floor(paths)})
        for r in rounds:
            r["ratio"] = r["naive"] / r["seconds"]
        by_ratio = sorted(rounds, key=lambda r: r["ratio"])
        full = runs[len(paths)] = by_ratio[len(by_ratio) // 2]  # the round with the median ratio
        naive, naive_s, floor = full["naive"], full["naive_sample_s"], full["floor"]

    load_after = os.getloadavg()[0]
    extrapolated = sample_n < len(paths)
    naive_label = (f"naive pandas (read_excel openpyxl + concat + to_excel/{engine}), 1 process, "
                   + (f"**timed on {sample_n} random files, extrapolated ×{len(paths) / sample_n:g}**"
                      if extrapolated else "all files"))
    t, cores = full["seconds"], os.cpu_count() or 1
    cpu = full["cpu_main"] + full["cpu_workers"]
    times = ", ".join(f"{r['seconds']:.2f}" for r in rounds)
    ratios = ", ".join(f"{r['ratio']:.1f}x" for r in rounds)
    bounds = ", ".join(f"{r['naive'] / ((r['cpu_main'] + r['cpu_workers']) / cores):.1f}x" for r in rounds)
    rows = [
        ("files / project forms", f"{len(paths)} / {forms}", "", ""),
        ("files included / projects in the summary / duplicates",
         f"{full['included']} / {full['projects']} / {full['duplicates']}", f"{len(paths)} / {forms} / 0",
         "ok" if (full["included"], full["projects"], full["duplicates"]) == (len(paths), forms, 0)
         else "**MISMATCH**"),
        (f"`consolidate(files, out)`, {WORKERS} workers: read + check + aggregate + write summary"
         + (f" (the round with the median ratio; all {len(rounds)} rounds: {times} s)" if len(rounds) > 1 else ""),
         f"**{t:.2f} s**", f"{BUDGET_S} s",
         f"{t / BUDGET_S:.0%} of budget" + ("" if t <= BUDGET_S else " — **MISSED**")),
        ("· of which reading + checking the files (until the last outcome arrives)",
         f"{full['extract_seconds']:.2f} s", "", f"{full['extract_seconds'] / t:.0%}"),
        ("· of which aggregating + writing the summary workbook (1 process)", f"{full['after_seconds']:.2f} s", "",
         f"{full['after_seconds'] / t:.0%}"),
        ("the same, whole child process (interpreter + imports too)", f"{full['process_seconds']:.2f} s", "", ""),
        ("per file / per form", f"{t / len(paths) * 1000:.2f} ms / {t / forms * 1000:.2f} ms", "", ""),
        (naive_label, f"{naive:.1f} s", "", f"{naive_s / sample_n * 1000:.1f} ms a file"),
        ("**naive / xlmon**" + (f" (median round; all rounds: {ratios})" if len(rounds) > 1 else ""),
         f"**{naive / t:.1f}x**", f"≥ {BUDGET_RATIO:g}x", "ok" if naive / t >= BUDGET_RATIO else "**MISSED**"),
        ("floor: python-calamine `from_path` + `to_python()` of every sheet, 1 process", f"{floor:.2f} s", "",
         f"{floor / len(paths) * 1000:.2f} ms a file"),
        ("xlmon ({} workers) / calamine floor (1 process)".format(WORKERS), f"{t / floor:.2f}x", "",
         f"{t / (floor / WORKERS):.2f}x of the floor split over {WORKERS} cores"),
        (f"CPU the consolidation used: main process {full['cpu_main']:.2f} s + workers {full['cpu_workers']:.2f} s",
         f"{cpu:.2f} core-s", "", f"{cpu / len(paths) * 1000:.2f} ms a file"),
        (f"· so on {cores} cores no arrangement of this work finishes in under {cpu / cores:.2f} s: "
         "naive / that bound" + (f" (all rounds: {bounds})" if len(rounds) > 1 else ""),
         f"{naive / (cpu / cores):.1f}x", f"≥ {BUDGET_RATIO:g}x",
         "the most a perfectly parallel run could show"),
        ("summary workbook written", f"{full['summary_mb']:.1f} MiB", "", ""),
    ]
    print("| measurement | value | budget | ratio / note |")
    print("|---|---|---|---|")
    for name, value, budget, note in rows:
        print(f"| {name} | {value} | {budget} | {note} |")

    print("\nPeak RSS by scale (the main process: VmHWM; its workers: ru_maxrss; each consolidation in a fresh process; "
          "workers are forked, so shared pages count in both):\n")
    print("| files | project forms | consolidate | per file | main process peak RSS | largest worker peak RSS "
          "| main RSS per 1,000 projects over the smallest run |")
    print("|---|---|---|---|---|---|---|")
    smallest = runs[min(runs)]
    for n, r in runs.items():
        growth = ""
        if r is not smallest and r["projects"] > smallest["projects"]:
            per = (r["rss_self_mb"] - smallest["rss_self_mb"]) / (r["projects"] - smallest["projects"])
            growth = f"{per * 1000:.1f} MiB"
        print(f"| {n} | {r['projects']} | {r['seconds']:.2f} s | {r['seconds'] / n * 1000:.2f} ms "
              f"| {r['rss_self_mb']:.0f} MiB | {r['rss_worker_mb']:.0f} MiB | {growth} |")
    print(f"\nGrades of the {full['projects']} projects: {full['grades']}")
    print(f"Load average (1 min) before / after measuring: {load_before:.2f} / {load_after:.2f} on "
          f"{os.cpu_count()} cores" + (" (raised by the generation just before)" if generated is not None else
                                       " — **the machine was busy: times are inflated**" if load_before > 0.7
                                       else ""))
    if extrapolated:
        print(f"Naive pandas was timed on {sample_n} of {len(paths)} files ({naive_s:.2f} s, {naive_rows} rows "
              f"concatenated) and multiplied by {len(paths) / sample_n:g}; --naive-sample 0 times all files.")


if __name__ == "__main__":
    main()
