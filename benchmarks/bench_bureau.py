"""A city's finance bureau at real scale: its departments' summaries consolidated against every unit's file directly,
at two scales, reported as ratios measured in one run (the machine's speed drifts; CPU time is shown beside wall).

Run with `.venv/bin/python benchmarks/bench_bureau.py [--departments 20 80]`. The data (bureau_data.py: 5-60 units a
department, ~3 project forms a unit, sub-departments, namesakes, units reporting straight to the bureau, departments
of another period, a roster of departments) is generated once under benchmarks/.data/bureau<N> (git-ignored).

Checked: the bureau's totals, projects, units, grades, missing units and departments equal the direct run's.
Measured: wall and CPU time (main process, workers) and peak RSS of each run in a fresh process, the main process's
CPU per project form from the smaller scale to the larger (1.0 is linear), `xlmon report` on the bureau's summary,
and two pieces that once grew quadratically: grouping a bureau's spellings of 主管部门 (names.department_groups) and
writing a report's tables (docx_writer._table), each at two sizes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
COMPARED = ("period", "projects", "units", "totals", "time_progress", "gap", "grade", "grades", "missing_units",
            "unlisted_units")


def peak_rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")) / 1024


def child(kind: str, root: str, out: str) -> None:
    """In a fresh process: one consolidation (or report) with 2 workers; what it took, as JSON."""
    from xlmon.consolidate.roster import read_roster
    from xlmon.consolidate.run import consolidate, summary_json
    from xlmon.profile import load_profile

    data = Path(root)
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    load_profile()
    start, cpu = time.perf_counter(), os.times()
    if kind == "report":
        from xlmon.cli import main

        with open(os.devnull, "w") as quiet:
            sys.stdout = quiet
            main(["report", str(data / "bureau.xlsx"), "-o", out])
            sys.stdout = sys.__stdout__
        result = {}
    else:
        inputs = [data / f for f in manifest["unit_files"]] if kind == "direct" else [data / "收件"]
        ended = [0.0, None]

        def progress(i: int, n: int) -> None:
            ended[:] = [time.perf_counter(), os.times()]

        roster = data / manifest["roster"]
        summary = consolidate(inputs, out, roster=read_roster(roster), roster_file=roster, workers=2,
                              progress=progress)
        result = summary_json(summary, out)
        result["after_seconds"] = time.perf_counter() - ended[0]
        result["after_cpu"] = sum(os.times()[:2]) - sum(ended[1][:2])
    used = os.times()
    print(json.dumps({**result, "seconds": time.perf_counter() - start,
                      "cpu_main": used.user - cpu.user + used.system - cpu.system,
                      "cpu_workers": used.children_user - cpu.children_user + used.children_system - cpu.children_system,
                      "rss_main_mb": peak_rss_mb(),
                      "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024},
                     ensure_ascii=False))


def run(kind: str, data: Path) -> dict:
    out = data / ("bureau.docx" if kind == "report" else f"{kind}.xlsx")
    if kind != "report":
        out.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(data), str(out)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{kind} in {data} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def differences(direct: dict, bureau: dict) -> list[str]:
    out = [k for k in COMPARED if direct[k] != bureau[k]]
    if {d["name"]: sorted(d["units"]) for d in direct["departments"]} != {
            d["name"]: sorted(d["units"]) for d in bureau["departments"]}:
        out.append("departments")
    return out


def spellings_groups(departments: int, spellings: int) -> float:
    """CPU seconds of names.department_groups over `departments` departments each written `spellings` ways."""
    from xlmon.consolidate.names import department_groups
    from xlmon.consolidate.records import FormRecord

    records = []
    for i in range(departments):
        name, code = f"某市第{i}号局", f"{101 + i}001"
        ways = [f"{name}（{code}）", name, f"{name}({code})", name[1:], f"{name} （{code}）"][:spellings]
        records += [FormRecord("project", f"{i}_{k}.xlsx", "表", f"单位{i}_{k}", "项目", ways[k % spellings], None,
                               2026, 6) for k in range(30)]
    start = time.process_time()
    assert len(department_groups(records)) == departments
    return time.process_time() - start


def report_table(rows: int) -> float:
    """CPU seconds of writing one report table of `rows` rows (the bureau's 重点监控 table has thousands)."""
    from docx import Document

    from xlmon.report.blocks import Table
    from xlmon.report.docx_writer import _table

    block = Table(["主管部门", "单位", "项目", "支出进度", "评级"],
                  [[f"某市第{i % 80}号局", f"单位{i}", f"项目{i}", "12.50%", "红灯"] for i in range(rows)])
    doc = Document()
    start = time.process_time()
    _table(doc, block)
    return time.process_time() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--departments", type=int, nargs=2, default=[20, 80], metavar=("SMALL", "LARGE"))
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return

    import bureau_data

    runs = {}
    for n in args.departments:
        data = HERE / ".data" / f"bureau{n}"
        manifest = bureau_data.ensure(data, n, args.seed)
        direct, bureau = run("direct", data), run("bureau", data)
        report = run("report", data)
        runs[n] = (manifest, direct, bureau, report)

    print("| departments (summaries) | units | project forms | run | wall | CPU main | CPU workers | after reading: "
          "wall / CPU | peak RSS main / worker | same as direct |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, (m, direct, bureau, report) in runs.items():
        same = differences(direct, bureau)
        for name, r in (("direct", direct), ("bureau", bureau), ("report", report)):
            after = f"{r['after_seconds']:.2f} s / {r['after_cpu']:.2f} s" if "after_seconds" in r else ""
            check = ("" if name != "bureau" else "ok" if not same else "**DIFFERS: " + ", ".join(same) + "**")
            print(f"| {n} ({len(m['summaries'])}) | {m['units']} | {m['forms']} | {name} | {r['seconds']:.2f} s "
                  f"| {r['cpu_main']:.2f} s | {r['cpu_workers']:.2f} s | {after} | {r['rss_main_mb']:.0f} / "
                  f"{r['rss_worker_mb']:.0f} MiB | {check} |")
    (ms, ds, bs, rs), (ml, dl, bl, rl) = runs[args.departments[0]], runs[args.departments[1]]
    forms = ml["forms"] / ms["forms"]
    print(f"\nForms ×{forms:.2f} from {args.departments[0]} to {args.departments[1]} departments; "
          "main process CPU per form, large / small (1.0 is linear):")
    for name, a, b in (("direct", ds, dl), ("bureau", bs, bl), ("report", rs, rl)):
        print(f"- {name}: ×{b['cpu_main'] / a['cpu_main']:.2f} CPU, {b['cpu_main'] / a['cpu_main'] / forms:.2f} per form"
              + (f"; after reading ×{b['after_cpu'] / a['after_cpu']:.2f}, "
                 f"{b['after_cpu'] / a['after_cpu'] / forms:.2f} per form" if "after_cpu" in a else ""))
    print(f"- bureau / direct at {args.departments[1]}: wall {bl['seconds'] / dl['seconds']:.2f}, "
          f"CPU (main + workers) {(bl['cpu_main'] + bl['cpu_workers']) / (dl['cpu_main'] + dl['cpu_workers']):.2f}, "
          f"peak RSS main {bl['rss_main_mb'] / dl['rss_main_mb']:.2f}")

    print("\nPieces that once grew quadratically (CPU seconds, and the ratio for 4× the input; 4 is linear):")
    a, b = spellings_groups(50, 5), spellings_groups(200, 5)
    print(f"- department_groups, 250 → 1,000 spellings of 主管部门: {a:.3f} s → {b:.3f} s, ×{b / a:.1f}")
    a, b = report_table(250), report_table(1000)
    print(f"- report table, 250 → 1,000 rows: {a:.3f} s → {b:.3f} s, ×{b / a:.1f}")
    print(f"\nLoad average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
