"""Speed of `xlmon check` on one filled form, measured in one run and reported as ratios to budgets.

Run with `make bench`. Budgets (issue 2): whole process under 0.6 s; reading and calculating one
form from an already-open grid under 5 ms; `import xlmon` light (no pandas).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS  # noqa: E402
from xlmon.adapters.files import read_workbook  # noqa: E402
from xlmon.calc import calculate  # noqa: E402
from xlmon.reader import read_form  # noqa: E402


def write_form(folder: Path) -> Path:
    """A filled form in our template: merged, bordered, formulas without cached values."""
    from xlmon.templates import build_form, new_workbook, put_text, save_atomic, INDICATOR_COLS

    wb = new_workbook()
    ws = wb.create_sheet("表1")
    counts: dict[tuple[str, str], int] = {}
    for ind in SAMPLE_INDICATORS:
        counts[(ind[0], ind[1])] = counts.get((ind[0], ind[1]), 0) + 3
    out = build_form(ws, "project", year=2026, months=6, project="校舍维修改造项目",
                     department="某市教育局（101001）", unit="某市第一中学", indicator_counts=counts)
    fields = ("carryover", "current", "subtotal", "issued", "issue_rate", "spent", "spend_progress", "forecast")
    for label, values in SAMPLE_FUNDING.items():
        if label != "资金总额":
            for field, value in zip(fields, values):
                if field in ("carryover", "current", "issued", "spent", "forecast") and value is not None:
                    ws[out.funding[("source", label)][field]] = value
    pending = {key: [i for i in SAMPLE_INDICATORS if (i[0], i[1]) == key] * 3 for key in counts}
    columns = ("level3", "target", "actual", "forecast", "reason", "确定能", "有可能", "完全不可能", "remark")
    for level1, level2, row in out.indicator_rows:
        ind = pending[(level1, level2)].pop()
        for name, value in zip(columns, ind[2:]):
            if value is not None:
                put_text(ws, f"{ws.cell(row, INDICATOR_COLS[name]).coordinate}", value)
    return save_atomic(wb, folder / "form.xlsx")


def per_call(fn, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def wall(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    from openpyxl import load_workbook

    with tempfile.TemporaryDirectory() as tmp:
        path = write_form(Path(tmp))
        grid = read_workbook(path).sheets["表1"]

        def read_and_calc():
            form, _ = read_form(grid, "表1")
            calculate(form)

        core = per_call(read_and_calc, 500)
        from xlmon.check import check_sheets
        from xlmon.profile import load_profile
        profile = load_profile()
        full = per_call(lambda: check_sheets({"表1": grid}, profile), 500)
        calamine = per_call(lambda: read_workbook(path), 200)
        openpyxl_load = per_call(lambda: load_workbook(path), 20)
        exe = str(Path(sys.executable).parent / "xlmon")
        process = wall([exe, "check", str(path)])
        python_only = wall([sys.executable, "-c", "pass"])
        imp = wall([sys.executable, "-c", "import xlmon.check"])
        pandas = wall([sys.executable, "-c", "import pandas"]) if _has("pandas") else None

    rows = [
        ("read + calculate one form from a grid", core * 1000, 5.0, "ms"),
        ("read + calculate + grade + all rules, one form from a grid", full * 1000, 5.0, "ms"),
        ("read one workbook file (calamine + safety checks)", calamine * 1000, None, "ms"),
        ("openpyxl load_workbook of the same file", openpyxl_load * 1000, None, "ms"),
        ("`xlmon check FILE`, whole process", process, 0.6, "s"),
        ("`python -c pass`, whole process", python_only, None, "s"),
        ("`import xlmon.check`, whole process", imp, None, "s"),
    ]
    if pandas is not None:
        rows.append(("`import pandas`, whole process", pandas, None, "s"))
    print("| measurement | value | budget | share of budget |")
    print("|---|---|---|---|")
    for name, value, budget, unit in rows:
        share = f"{value / budget:.0%}" if budget else ""
        print(f"| {name} | {value:.3f} {unit} | {f'{budget} {unit}' if budget else ''} | {share} |")
    print(f"\nopenpyxl load / calamine read: {openpyxl_load / calamine:.0f}x")


def _has(module: str) -> bool:
    import importlib.util
    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
