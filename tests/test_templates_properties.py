"""Invariants of the templates' live formulas and colours over random fills, checked in LibreOffice: whatever a unit
types into the input cells (decimals, zeros, blanks, zero budgets, negative and very large amounts, amounts typed as
text, one source only, 上年结转 only, more issued than budgeted, any month), every formula LibreOffice calculates
equals xlmon's own number to the form's rounding, shows no error value, and colours 支出进度 as xlmon grades it, at
and around the thresholds. Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of
each property instead of the few a test run affords (each property is one LibreOffice run over all its files)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import xlsxwriter
from openpyxl import load_workbook

from conftest import ROOT, libreoffice_convert
from seeded import CASES, seeds
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.calc import calculate
from xlmon.check import check_file
from xlmon.form_plan import FormLayout, plan_form
from xlmon.grading import grade_funding
from xlmon.grid import address, parse_address
from xlmon.profile import Profile, load_profile
from xlmon.reader import read_form
from xlmon.templates import COMMITTED, TEMPLATE_FILES, build_form, build_form_xlsxwriter, new_workbook, save_atomic

SHEET = "表"
WRITERS = ("openpyxl", "xlsxwriter", "committed")  # templates.build_form, the summary's writer, workbook_templates/
AMOUNT_SHOWN = 0.005  # the form shows amounts to 0.01 万元 and rates to 0.01 %
RATE_SHOWN = 0.00005
FORMULA_CODES = {"C001", "C002", "C003", "C004"}
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


@dataclass
class Case:
    seed: int
    kind: str
    months: int
    writer: str
    inputs: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)
    profile: Profile = field(default_factory=load_profile)
    layout: FormLayout | None = None
    path: Path | None = None

    def __str__(self) -> str:
        funding = self.profile.funding
        rules = f", 阈值 {funding.green_max_gap:g}/{funding.yellow_max_gap:g}" + (
            f", 里程碑 {funding.milestones}" if funding.use_milestones else "")
        return f"seed {self.seed} ({self.kind}, 1-{self.months}月, {self.writer}{rules})"


def _rows(kind: str) -> list[tuple[str, str]]:
    if kind == "project":
        return [("source", label) for label in L.PROJECT_SOURCES]
    return [("source", label) for label in L.DEPARTMENT_FUND_TYPES] + [
        ("spending", label) for label in L.DEPARTMENT_SPENDING_TYPES]


def _amount(rng: random.Random) -> object:
    """One amount as units type them: mostly plain with up to 4 decimals, sometimes 0, negative, huge or text."""
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.14:
        return -round(rng.uniform(0, 500), rng.randint(0, 4))
    if roll < 0.20:
        return round(rng.uniform(1e8, 1e11), rng.randint(0, 2))
    if roll < 0.27:  # pasted from a finance system, or typed with its unit: text, which a formula leaves out
        number = round(rng.uniform(0, 1000), rng.randint(0, 2))
        return rng.choice((f"{number:g}", f"{number:,.2f}", f" {number:g} ", f"{number:g}万元", f"{number:g}元",
                           f"{number:g}".translate(FULL_WIDTH)))
    return round(rng.uniform(0, 5000), rng.randint(0, 4))


def random_profile(rng: random.Random, months: int) -> Profile:
    """A city's own rule profile: its gaps to 时间进度, now and then milestones (the form's month among them or not),
    and its own palette."""
    green = rng.choice((0.05, 0.08, 0.10, 0.15, round(rng.uniform(0, 0.3), 3)))
    yellow = min(round(green + rng.choice((0, 0.05, 0.10, rng.uniform(0, 0.3))), 3), 1)
    milestones = {m: round(rng.uniform(0.2, 1), 2) for m in rng.sample(range(1, 13), rng.randint(1, 4))}
    if rng.random() < 0.7:
        milestones[months] = rng.choice((min(max(round(months / 12 + rng.uniform(-0.2, 0.3), 2), 0), 1), 0.5, 0.75, 1.0))
    palette = {grade: f"{rng.randrange(0x1000000):06X}" for grade in ("green", "yellow", "red")}
    return Profile.model_validate({"funding": {"green_max_gap": green, "yellow_max_gap": yellow,
                                               "use_milestones": rng.random() < 0.5, "milestones": milestones},
                                   "palette": palette})


def _threshold_row(rng: random.Random, months: int, profile: Profile) -> dict[str, object]:
    """A row whose 支出进度 lies at a grade threshold of the profile (a gap to 时间进度, the milestone of the month or
    that far below it), or 0.01 pp either side of it, or 0.0001 万元 (the least amount a form keeps) of 支出数 either
    side of it."""
    rules = profile.funding
    levels = [months / 12 - rules.green_max_gap, months / 12 - rules.yellow_max_gap]
    if rules.use_milestones and months in rules.milestones:
        levels += [rules.milestones[months], rules.milestones[months] - rules.yellow_max_gap]
    gap = months / 12 - rng.choice(levels) + rng.choice((0, 0, 0, 0.0001, -0.0001))
    budget = rng.choice((1200, 600, 2400, 120.5, 3600, 98_760, 98765.4321, 1_234_560, 1_234_567.89))
    carryover = rng.choice((None, 0, round(budget / 4, 2)))
    subtotal = budget + (carryover or 0)
    progress = max(months / 12 - gap, 0)
    spent = round(round(subtotal * progress, 4) + rng.choice((0, 0, 0, 0.0001, -0.0001)), 4)
    row = dict(carryover=carryover, current=budget, issued=rng.choice((None, budget)), spent=spent, forecast=subtotal)
    return {f: v for f, v in row.items() if v is not None}


def make_case(seed: int, thresholds: float = 0.2) -> Case:
    """A random fill; `thresholds`: the share of cases whose every row lies at or about a grade threshold."""
    rng = random.Random(seed)
    writer = rng.choice(WRITERS)
    kind = rng.choice(("project", "department"))
    months = COMMITTED["months"] if writer == "committed" else rng.randint(1, 12)
    case = Case(seed, kind, months, writer)
    if writer != "committed" and rng.random() < 0.6:
        case.profile = random_profile(rng, months)
    rows = _rows(kind)
    shape = "thresholds" if rng.random() < thresholds else rng.choice(
        ("mixed", "mixed", "mixed", "one source", "carryover only", "over issued", "zero budgets", "blank"))
    if shape == "one source":
        rows = [rng.choice(rows)]
    for key in rows:
        if shape == "blank":
            break
        if shape == "thresholds" or shape == "mixed" and rng.random() < 0.2:
            case.inputs[key] = _threshold_row(rng, months, case.profile)
            continue
        if rng.random() < 0.25 and shape == "mixed":
            continue  # a source the project has none of
        values = {f: (_amount(rng) if rng.random() < 0.75 else None) for f in L.INPUT_AMOUNTS}
        if shape == "carryover only":
            values = {f: (v if f == "carryover" else None) for f, v in values.items()}
        elif shape == "over issued" and isinstance(values["current"], (int, float)):
            values["issued"] = round(values["current"] * rng.uniform(1.01, 3), 2)
        elif shape == "zero budgets":
            values["current"] = 0
            values["carryover"] = rng.choice((0, None))
        case.inputs[key] = {f: v for f, v in values.items() if v is not None}
    return case


def write_case(case: Case, folder: Path) -> None:
    """The form written by one of xlmon's writers, its input cells filled; nothing else touched."""
    path = folder / f"{case.seed}.xlsx"
    if case.writer == "xlsxwriter":
        cells = plan_form(case.kind, year=2026, months=case.months).layout.funding
        values = {cells[key][f]: v for key, row in case.inputs.items() for f, v in row.items()}
        book = xlsxwriter.Workbook(str(path))
        case.layout = build_form_xlsxwriter(book, book.add_worksheet(SHEET), case.kind, year=2026,
                                            months=case.months, values=values, profile=case.profile)
        book.close()
    else:
        if case.writer == "committed":
            wb = load_workbook(ROOT / "workbook_templates" / TEMPLATE_FILES[case.kind])
            wb.active.title = SHEET
            case.layout = plan_form(case.kind, **COMMITTED).layout
        else:
            wb = new_workbook()
            case.layout = build_form(wb.create_sheet(SHEET), case.kind, year=2026, months=case.months,
                                     profile=case.profile)
        ws = wb[SHEET]
        for key, row in case.inputs.items():
            for f, v in row.items():
                ws[case.layout.funding[key][f]] = v
        save_atomic(wb, path)
    case.path = path


def convert(soffice: str, cases: list[Case], outdir: Path, target: str) -> list[Path]:
    """All the cases' files in one LibreOffice run (many seeds: one run per 200, as one run stops at about 250)."""
    paths = [c.path for c in cases]
    return [out for i in range(0, len(paths), 200)
            for out in libreoffice_convert(soffice, paths[i:i + 200], outdir, target)]


def cases_written(tmp_path: Path, salt: int, thresholds: float = 0.2) -> list[Case]:
    cases = [make_case(seed, thresholds) for seed in seeds(40, salt)]
    for case in cases:
        write_case(case, tmp_path)
    return cases


def _text_fields(form, block: str) -> set[tuple[str, str]]:
    """(row, field) of every amount of the block typed as text, and the total's same field (its SUM skips it)."""
    out = set()
    for row in form.funding:
        if row.block == block:
            for f in row.text:
                out |= {(row.row, f), (L.TOTAL_ROW, f)}
    return out


def _depends_on_text(texts: set[tuple[str, str]], label: str, field: str) -> bool:
    inputs = {"subtotal": ("carryover", "current"), "issue_rate": ("issued", "current"),
              "spend_progress": ("spent", "carryover", "current")}.get(field, (field,))
    return any((label, f) in texts for f in inputs)


def _agrees(shown: object, mine: float | None, field: str) -> bool:
    if mine is None:  # no rate over a zero or blank denominator, no sum of nothing: the form shows blank
        return shown in (None, "")
    if not isinstance(shown, (int, float)) or isinstance(shown, bool):
        return False
    tolerance = RATE_SHOWN if field in L.RATE_FIELDS else AMOUNT_SHOWN
    return abs(shown - mine) <= max(tolerance, 1e-12 * abs(mine))


def _calculated(path: Path, as_formulas_take_it: bool = False):
    """xlmon's form of a filled file, calculated; as_formulas_take_it: the amounts typed as text left out, as the
    templates' SUM and N() leave them (xlmon reads them, and names them where a formula left them out: N007)."""
    form, _ = read_form(read_workbook(path).sheets[SHEET], SHEET)
    if as_formulas_take_it:
        for row in form.funding:
            for f in row.text:
                row.typed[f] = None
    calculate(form)
    return form


def test_libreoffice_computes_every_formula_as_xlmon_does(tmp_path, soffice):
    """Each formula cell LibreOffice recalculated equals what xlmon computes from the filled file's inputs, to the
    form's rounding, and shows no error value. Where an input is an amount typed as text the formulas leave it out,
    and so does xlmon's number it is compared with; check then names no formula wrong (C001-C004)."""
    cases = cases_written(tmp_path, 1)
    recalculated = convert(soffice, cases, tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    for case, lo in zip(cases, recalculated):
        form = _calculated(case.path)
        computed = {(r.block, r.row): r for r in form.funding}
        without_text = {(r.block, r.row): r for r in _calculated(case.path, as_formulas_take_it=True).funding}
        texts = {block: _text_fields(form, block) for block in ("source", "spending")}
        grid = read_workbook(lo).sheets[SHEET]
        for cell, (block, label, f) in case.layout.formulas.items():
            r, c = parse_address(cell)
            shown = grid[r][c] if r < len(grid) and c < len(grid[r]) else None
            assert not (isinstance(shown, str) and shown.startswith(("#", "Err:"))), f"{case}: {cell} shows {shown}"
            text = _depends_on_text(texts[block], label, f)
            mine = getattr((without_text if text else computed)[(block, label)], f)
            assert _agrees(shown, mine, f), \
                f"{case}: {cell} ({label}·{f}) LibreOffice {shown!r}, xlmon {mine!r}{' (text left out)' * text}"
        wrong = [d for d in check_file(lo).diagnostics if d.code in FORMULA_CODES]
        assert not wrong, f"{case}: {[(d.code, d.cell, d.message) for d in wrong]}"


class _Colours(HTMLParser):
    """The background colour LibreOffice's HTML export gives each cell (A1 address), conditional colours applied:
    the table laid out as Calc lays it out, merged cells spanning rows and columns."""

    def __init__(self) -> None:
        super().__init__()
        self.colours: dict[str, str | None] = {}
        self._taken: set[tuple[int, int]] = set()
        self._row, self._col, self._tables = -1, 0, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._tables += 1
        if self._tables != 1:  # the first sheet's table only
            return
        if tag == "tr":
            self._row, self._col = self._row + 1, 0
        elif tag == "td":
            while (self._row, self._col) in self._taken:
                self._col += 1
            rows, cols = int(a.get("rowspan") or 1), int(a.get("colspan") or 1)
            self._taken |= {(self._row + i, self._col + j) for i in range(rows) for j in range(cols)}
            self.colours[address(self._row, self._col)] = (a.get("bgcolor") or "").lstrip("#").upper() or None
            self._col += cols


def test_libreoffice_colours_spending_progress_as_xlmon_grades_it(tmp_path, soffice):
    """The template's conditional colour of each 支出进度, as LibreOffice applies it, is xlmon's grade of that row
    under the profile the template was made with (the built-in one, or a city's own gaps, milestones and palette):
    red, yellow, green, or none where there is no 支出进度, at the thresholds as around them (of the form as its
    formulas take it: an amount typed as text left out)."""
    cases = cases_written(tmp_path, 2, thresholds=0.6)
    pages = convert(soffice, cases, tmp_path / "html", "html")
    graded = 0
    for case, page in zip(cases, pages):
        profile = case.profile
        colours = {grade: rgb.upper() for grade, rgb in profile.colours().items()}
        parser = _Colours()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        form = _calculated(case.path, as_formulas_take_it=True)  # as the colours' formulas see it
        for row in form.funding:
            cell = case.layout.funding[(row.block, row.row)]["spend_progress"]
            grade = grade_funding(row, form.months, form.time_progress, profile)
            shown = parser.colours.get(cell)
            assert shown == (colours[grade] if grade else None), \
                f"{case}: {cell} ({row.block}·{row.row}, 支出进度 {row.spend_progress!r}) coloured {shown}, xlmon {grade}"
            graded += grade is not None
    assert graded or CASES == 1
