"""The forms on paper, over random fills: a unit's 项目支出 or 部门整体 form, filled on xlmon's template (few to many
indicators a group, any month, long project and unit names, long 偏差原因分析 and 备注, the amounts and rates
test_templates_properties types), and its annotated copy (check --annotate), each as LibreOffice prints it to PDF
with Calibri's metrics, as Excel lays the columns out. No number prints as ###; every column of the form prints
within the page's width and no text is drawn over another or past the page's sides; the project's name, its unit,
its 主管部门 and every indicator's name and target print; the 校验结果 sheet prints its columns within one page's
width, every finding's message whole; every page of the form's indicator table after its first starts with the
table's header (print titles); no page is blank. Rows the form leaves Excel to fit are as tall as Excel makes them
while the unit types (LibreOffice fits none); a name the unit types into a merged header cell Excel fits neither,
and xlmon cannot know it: the names here are the template's own (xlmon template --project/--unit), sized by it.

Amounts are a big department's: none past 999,999.99 万元 (about 100 亿元, more than a city's biggest department
spends in a year), 资金总额 included; the template's own generator's amounts of 1 亿 to 1,000 亿 万元 (10 万亿元 and
more) are no department's, and no fixed column shows them. Nor does one show a rate of 1,000 % and more (spent ten
times a budget, or over a budget typed negative): check names such a row, and its rates may print ###. Each case is
seeded; a failure names its seed.
XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl import load_workbook

from conftest import libreoffice_convert
from seeded import seeds
from test_consolidate_properties import random_units
from test_summary_paper_properties import HEADER_BAND, Page, cut, flat, headed, linked, of_link, pdf_read
from test_summary_resaved import vary
from test_templates_properties import _calculated, make_case
from xlmon import demo
from xlmon import layout as L
from xlmon.adapters.workbook_marks import annotate_file
from xlmon.check import check_file
from xlmon.form_plan import LINE_HEIGHT, plan_form
from xlmon.marks import NO_FINDINGS, RESULTS_HEADER, RESULTS_SHEET, plan_marks
from xlmon.profile import load_profile
from xlmon.templates import new_workbook, save_atomic
from xlmon.text import wrapped_lines

SALT = 105
LIMIT = 999_999.99  # 万元: a big department's year
RATE_HELD = 10  # 1,000 %: the rates' columns hold 999.99 % and -999.99 %
SHEET = "表"  # as test_templates_properties reads it
EXCEL_ROW = 409  # points: Excel's tallest row
DEPARTMENT = "某市教育局（101001）"


@dataclass
class Filled:
    seed: int
    kind: str
    months: int
    path: Path
    typed: list[str] = field(default_factory=list)  # what the unit typed that must print
    heads: dict[int, list[str]] = field(default_factory=dict)  # the header's rows: the texts in each
    too_long: set[str] = field(default_factory=set)  # texts past Excel's tallest row: cut whatever the form
    wild: bool = False  # a rate of 1,000 % or more (a budget typed negative, 10 times over spent): no column holds it
    table: int = 0  # the indicator table's header row

    def __str__(self) -> str:
        return f"seed {self.seed} ({self.kind}, 1-{self.months}月, {self.path.name})"


def _indicators(rng: random.Random, indicators: list) -> list:
    """Few (one group's one) to many (each group's four times over)."""
    roll = rng.random()
    if roll < 0.3:
        return rng.sample(indicators, rng.randint(1, len(indicators)))
    if roll < 0.6:
        return [replace(i) for i in indicators for _ in range(rng.randint(2, 4))]
    return indicators


def _within(inputs: dict[tuple[str, str], dict[str, object]], rng: random.Random) -> None:
    """A department's amounts: each block's 资金总额 (every column's sum, 小计's too) within LIMIT."""
    for key, row in inputs.items():
        for f, v in row.items():
            if isinstance(v, (int, float)) and abs(v) > LIMIT:
                row[f] = round(rng.uniform(0, LIMIT), 2)
    for block in ("source", "spending"):
        rows = [row for (b, _), row in inputs.items() if b == block]
        sums = {f: sum(v for row in rows if isinstance(v := row.get(f), (int, float)) and v > 0)
                for f in L.INPUT_AMOUNTS}
        widest = max(sums["carryover"] + sums["current"], *sums.values())
        if widest > LIMIT:
            for row in rows:
                for f, v in row.items():
                    if isinstance(v, (int, float)) and v > 0:
                        row[f] = int(v * LIMIT / widest * 100) / 100


def fill(seed: int, folder: Path) -> Filled:
    """A unit's form: test_templates_properties' kind, month and amounts, a generated unit's texts (varied as
    test_summary_resaved varies them), on xlmon's template."""
    case = make_case(seed)
    rng = random.Random(seed)
    [unit] = random_units(rng, 1)
    vary(rng, [unit])
    project = replace(unit.projects[0], department=DEPARTMENT, unit=unit.written or unit.name)
    indicators = _indicators(rng, project.indicators)
    wb = new_workbook()
    ws = wb.create_sheet(SHEET)
    if case.kind == "project":
        demo.write_project_form(ws, replace(project, indicators=indicators), year=2026, months=case.months)
        typed = [project.name, project.department, project.unit]
        heads = {3: [project.name], 4: [project.department, project.unit]}
        names = {"project": project.name, "department": project.department, "unit": project.unit}
    else:
        overall = demo._overall(rng, "某市第一中学", "101001001", unit.projects, case.months / 12)
        overall = replace(overall, department=f"{unit.name}（{unit.code}）", indicators=indicators)
        demo.write_overall_form(ws, overall, year=2026, months=case.months)
        typed = [overall.department]
        heads = {3: [overall.department]}
        names = {"department": overall.department}
    counts = Counter((i.level1, i.level2) for i in indicators)
    plan = plan_form(case.kind, year=2026, months=case.months, indicator_counts=counts, **names)  # the form's
    inputs = {key: dict(row) for key, row in case.inputs.items()}
    _within(inputs, rng)
    for key, cells in plan.layout.funding.items():
        if key[1] != L.TOTAL_ROW:
            for f in L.INPUT_AMOUNTS:
                ws[cells[f]] = inputs.get(key, {}).get(f)
    typed += [t for i in indicators for t in (i.level3, i.target)]
    too_long = grown(ws, plan)
    path = save_atomic(wb, folder / f"{seed}-{unit.file}")
    wild = any(abs(getattr(row, f) or 0) >= RATE_HELD for row in _calculated(path).funding for f in L.RATE_FIELDS)
    return Filled(seed, case.kind, case.months, path, typed, heads, too_long, wild, plan.print_setup.title_rows[0])


def grown(ws, plan) -> set[str]:
    """Each row the form leaves Excel to fit (no height set) as tall as Excel makes it while the unit types: its
    wrapped texts' lines, up to Excel's 409 points. (LibreOffice fits no row of a file it opens; a merged cell Excel
    fits neither.) Returns the texts too long for the tallest row, whitespace removed."""
    merged = {cell for area in plan.merges for cell in area.cells()}
    too_long = set()
    for row in ws.iter_rows(min_row=3):
        r = row[0].row
        if r in plan.row_heights:
            continue
        texts = {c.value: wrapped_lines(c.value, plan.column_widths[c.column]) for c in row
                 if isinstance(c.value, str) and (r, c.column) not in merged and c.column in plan.column_widths}
        too_long |= {flat(t) for t, lines in texts.items() if LINE_HEIGHT * lines + 2 > EXCEL_ROW}
        if max(texts.values(), default=1) > 1:
            ws.row_dimensions[r].height = min(LINE_HEIGHT * max(texts.values()) + 2, EXCEL_ROW)
    return too_long


def annotated(filled: Filled, folder: Path) -> Path:
    """Its annotated copy, as `xlmon check 文件 --annotate 副本` writes it."""
    profile = load_profile()
    result = check_file(filled.path.name, profile)
    plan = plan_marks(result.forms, result.diagnostics, profile.colours())
    return annotate_file(filled.path.name, folder / f"{filled.path.stem}-标注.xlsx", plan)


def spilt_heads(page: Page, filled: Filled) -> list[str]:
    """The header's texts drawn past their row: over the label of the row above or below (the period line above
    the first)."""
    labels = ("（2026年", "项目名称" if filled.kind == "project" else "主管部门（单位）及代码", "主管部门及代码",
              "年度预算资金安排")
    anchors = [next((w for w in page.words if w.text.startswith(label)), None) for label in labels]
    anchors = [w for w in anchors if w is not None]
    out = []
    for row, texts in filled.heads.items():
        above, below = anchors[row - 3], anchors[row - 1]
        for text in texts:
            words = [w for w in page.words if flat(w.text) in flat(text) and above.y0 - 30 < w.y0 < below.y1 + 30]
            if [w for w in words if w.y0 < above.y1 - 1 or w.y1 > below.y0 + 1]:
                out.append(text)
    return out


def titled(page: Page) -> bool:
    """Whether a page is the form's: headed with its name (校验结果 has no page header)."""
    return any(w.y1 < HEADER_BAND for w in page.words)


def results_rows(path: Path) -> list[tuple]:
    """校验结果's findings."""
    book = load_workbook(path)
    return [row for row in book[RESULTS_SHEET].iter_rows(min_row=2, values_only=True) if row[0] is not None]


def test_a_filled_form_and_its_annotated_copy_print_whole(tmp_path, excel_columns, monkeypatch):
    """One LibreOffice run prints every case's form and annotated copy."""
    monkeypatch.chdir(tmp_path)
    forms = [fill(seed, tmp_path) for seed in seeds(3, SALT)]
    copies = [annotated(f, tmp_path) for f in forms]
    pdfs = libreoffice_convert(excel_columns, [f.path for f in forms] + copies, tmp_path / "pdf", "pdf")
    for filled, pdf, copy_pdf, copy in zip(forms, pdfs, pdfs[len(forms):], copies):
        form = pdf_read(pdf)
        assert all(map(titled, form)), f"{filled}: a page without the form's name atop"
        assert filled.wild or not [p.number for p in form if "###" in p.text], f"{filled}: ### printed"
        assert not [p.number for p in form if not p.body], f"{filled}: blank pages"
        text = flat("".join(p.text for p in form))
        assert not [t for t in filled.typed if flat(t) not in text], f"{filled}: lost"
        assert not spilt_heads(form[0], filled), f"{filled}: past their rows: {spilt_heads(form[0], filled)}"
        book = load_workbook(filled.path)
        rows = list(book[SHEET].iter_rows(min_row=filled.table, max_row=filled.table + 1, values_only=True))
        spanning = {flat(rows[0][0]), *L.HIERARCHIES[L.DEFAULT_HIERARCHY]}  # 绩效指标, 一级指标: merged down rows,
        headers = [flat(str(v)) for row in rows for v in row[1:] if v] + sorted(spanning)  # drawn on each page
        for page in form:
            crossed = cut(page, filled.too_long | spanning)
            assert not crossed, f"{filled}: page {page.number} cuts {crossed[:5]}"
        spilt = {p.number for p in form if any(of_link(w, filled.too_long) for w in p.words)}
        assert not [p.number for p in form[1:] if not headed(p, headers) and p.number not in spilt], \
            f"{filled}: a page without its header"
        results = [p for p in pdf_read(copy_pdf) if not titled(p)]
        assert results and not [p.number for p in results if not p.body], f"{filled}: 校验结果 blank pages"
        top = {w.text for w in results[0].words}
        rows = results_rows(copy)
        wanted = set(RESULTS_HEADER) if rows else {NO_FINDINGS}
        assert wanted <= top, f"{filled}: 校验结果's columns past the page: {wanted - top}"
        printed_results = flat("".join(p.text for p in results))
        assert not [r[0] for r in rows if flat(str(r[-1])) not in printed_results], f"{filled}: messages lost"
        links = linked(load_workbook(copy))
        for page in results:
            # the header, centred in its row, and a first finding set at its row's top: their boxes touch, not ink
            crossed = [c for c in cut(page, links) if not set(c.split(" × ")) & set(RESULTS_HEADER)]
            assert not crossed, f"{filled}: 校验结果 page {page.number} cuts {crossed[:5]}"
