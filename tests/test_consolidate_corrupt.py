"""Bad input in units' files, consolidated: a generated department (test_consolidate_properties) is written, then a
few cells of random units' forms are overwritten with openpyxl, as units type them: amounts in words, with units or
thousands separators, blanks and dashes, negative, a date, a boolean, an error shown, a formula saved without its
result, a formula-like text, a number too large; indicator values left blank, shown as errors or formulas, ticks
missing, doubled or typed as words; formula-like texts in an indicator's reason or remark.

What must hold: every file is still included and every other form's figures are what they were; each cell that is
no number is named at its file, sheet and cell, in Chinese, and is unknown rather than 0 (a total the unit typed
apart from the parts read stands); no text becomes a formula in the summary; the files are left as they were.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases instead of the few a test run
affords."""

from __future__ import annotations

import datetime
import hashlib
import os
import random
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_consolidate_properties import (DEPARTMENTS, Department, Unit, add_strays, consolidate, detail_rows,
                                         findings, random_units, seeds, statuses, write_department)
from xlmon import layout as L
from xlmon.check import check_file
from xlmon.consolidate.records import AMOUNTS
from xlmon.consolidate.workbook import SHEETS
from xlmon.models import Form

UNKNOWN = "unknown"  # an amount xlmon cannot read: neither 0 nor blank
HEADERS = {"carryover": "上年结转", "current": "本年预算", "issued": "下达数", "spent": "支出数", "forecast": "全年预计支出数"}
RATES = {"下达率": ("issued", "current"), "支出进度": ("spent", "carryover", "current")}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
UNREAD = {"N001", "N004", "N006"}  # an amount that is no number: what it shows, or that it has no saved result
NOT_READ = {"N001", "N004", "N005", "N006"}  # a value that is no number, shows an error or has no saved result


@dataclass(frozen=True)
class Bad:
    """A value typed into a cell: how openpyxl stores it ("s" a text, even "=…"; "e" an error shown; "f" a formula
    saved without its result; None as openpyxl takes the value), what an amount reads as (a number in 万元, None for a
    blank, UNKNOWN), the code that names the cell (None: none need), and what its message quotes."""

    value: object
    data_type: str | None = "s"
    read: object = UNKNOWN
    code: str | None = None
    shown: str | None = None


BIG = 123_456_789_012.5  # 万元: a number, but no project's (R210)
AMOUNT_BAD = (
    Bad("五十万", code="N001", shown="五十万"),
    Bad("约120", code="N001", shown="约120"),
    Bad("12.5%", code="N001", shown="12.5%"),
    Bad("50万元", read=50.0),
    Bad("1,234.5", read=1234.5),
    Bad("１２３．５", read=123.5),
    Bad("500000元", read=50.0, code="N002"),
    Bad("", read=None),
    Bad("—", read=None),
    Bad(-12.5, None, read=-12.5, code="R201"),
    Bad(datetime.datetime(2026, 6, 30), None, code="N001", shown="2026-06-30"),
    Bad(True, None, code="N001", shown="TRUE"),
    Bad("=cmd|' /C calc'!A0", code="N001", shown="=cmd|' /C calc'!A0"),
    Bad("#DIV/0!", "e", code="N004", shown="#DIV/0!"),
    Bad("=SUM(1,2)", "f", code="N006", shown="=SUM(1,2)"),
    Bad(1e16, None, code="N001"),
    Bad(BIG, None, read=BIG, code="R210"),
)
INDICATOR_BAD = {
    "target": (Bad("", code="R104"), Bad("#N/A", "e", code="N005", shown="#N/A"),
               Bad("=指标库!C5", "f", code="N006", shown="=指标库!C5")),
    "actual": (Bad("#REF!", "e", code="N005", shown="#REF!"), Bad("=B2*2", "f", code="N006", shown="=B2*2"),
               Bad(True, None, shown="TRUE")),
    "forecast": (Bad("", code="R106"), Bad("#VALUE!", "e", code="N005", shown="#VALUE!"),
                 Bad("=B2", "f", code="N006", shown="=B2"), Bad(True, None, shown="TRUE"),
                 Bad(datetime.datetime(2026, 12, 31), None, shown="2026-12-31")),
}
TICKS = {"likelihood_sure": "确定能", "likelihood_maybe": "有可能", "likelihood_never": "完全不可能"}
# a tick typed otherwise (any mark but one of a choice not made is one), or none, or two
TICK_BAD = ("none", "cross", "two", "word")
MARK_WORDS = ("✓", "是", "●", "☑", True)  # True: a linked check box
INJECTIONS = ("=cmd|' /C calc'!A0", '=HYPERLINK("http://x","点我")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
              "-2+3+cmd|' /C calc'!A0")

UNITS_FORMULAS = ("cmd|", "HYPERLINK", "指标库", "SUM(1,2)", "SUM(1+1)", "B2*2")  # what no formula of xlmon's holds


@dataclass
class Spot:
    """A cell overwritten: its file, sheet and cell, what was put there, and what it was: the funding row and field
    of an amount, or the indicator's row and field (a tick column, reason, remark)."""

    file: str
    sheet: str
    cell: str
    bad: Bad
    field: str
    row: str | None = None  # a source row's label
    indicator: int | None = None  # an indicator's row number
    how: str | None = None  # of a tick: TICK_BAD


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def own_forms(folder: Path, unit: Unit) -> dict[str, Form]:
    """The unit's own project forms of this month, by sheet (not last month's, nor a copy of another unit's)."""
    sheets = {p.sheet for p in unit.projects}
    return {f.sheet: f for f in check_file(folder / unit.file).forms if f.kind == "project" and f.sheet in sheets}


def number_in(value: object) -> float | None:
    """A generated amount as the writer typed it: a number, or a text ("1,234.50", full-width)."""
    if value is None:
        return None
    return float(unicodedata.normalize("NFKC", str(value)).replace(",", "")) if isinstance(value, str) else value


def put(ws, cell: str, bad: Bad) -> None:
    ws[cell] = bad.value
    if bad.data_type in ("s", "e"):
        ws[cell].data_type = bad.data_type


def corrupt(rng: random.Random, folder: Path, units: list[Unit]) -> tuple[list[Spot], dict[tuple[str, str], Form]]:
    """Overwrite 1-5 amounts and 0-4 indicator cells of one or two units' own forms (a cell once, an indicator
    once, a form's largest amount made BIG once), and mostly a formula-like reason or remark of a yellow or red
    indicator of any unit, which 指标偏差 lists; each unit's file keeps its time. Returns the spots, and the forms as
    they were before, by (file, sheet)."""
    forms = {(u.file, sheet): form for u in units for sheet, form in own_forms(folder, u).items()}
    victims = {u.file for u in rng.sample(units, min(len(units), rng.choice((1, 1, 2))))}
    chosen = sorted((key, form) for key, form in forms.items() if key[0] in victims)
    spots: list[Spot] = []
    used: set[tuple[str, str, str]] = set()
    touched: set[tuple[str, str, int]] = set()
    for _ in range(rng.randint(1, 5)):
        (file, sheet), form = rng.choice(chosen)
        row = rng.choice([r for r in form.funding if r.block == "source" and r.row != L.TOTAL_ROW])
        field = rng.choice(AMOUNTS)
        bad = rng.choice(AMOUNT_BAD)
        if (file, sheet, row.cells[field]) in used or bad.value == BIG and any(
                s.bad.value == BIG for s in spots if (s.file, s.sheet) == (file, sheet)):
            continue
        used.add((file, sheet, row.cells[field]))
        spots.append(Spot(file, sheet, row.cells[field], bad, field, row=row.row))
    for _ in range(rng.randint(0, 4)):
        (file, sheet), form = rng.choice(chosen)
        ind = rng.choice(form.indicators)
        if (file, sheet, ind.row) in touched:
            continue
        touched.add((file, sheet, ind.row))
        kind = rng.choice(("target", "actual", "forecast", "tick"))
        if kind == "tick":
            spots += ticked(rng, file, sheet, ind)
        else:
            spots.append(Spot(file, sheet, ind.cells[kind], rng.choice(INDICATOR_BAD[kind]), kind, indicator=ind.row))
    listed = [(key, ind) for key, form in sorted(forms.items()) for ind in form.indicators
              if ind.grade in ("yellow", "red") and (*key, ind.row) not in touched]
    if listed and rng.random() < 0.8:
        (file, sheet), ind = rng.choice(listed)
        field = rng.choice(("reason", "remark"))
        spots.append(Spot(file, sheet, ind.cells[field], Bad(rng.choice(INJECTIONS)), field, indicator=ind.row))
    for file in sorted({s.file for s in spots}):
        path = folder / file
        when = path.stat().st_mtime
        book = load_workbook(path)
        for spot in spots:
            if spot.file == file:
                ws = book[spot.sheet]
                if spot.row:  # the cell held the amount generated (the form's cells were found by xlmon's reader)
                    before = forms[(file, spot.sheet)]
                    typed = next(r for r in before.funding if r.row == spot.row).typed[spot.field]
                    assert number_in(ws[spot.cell].value) == pytest.approx(typed), spot
                put(ws, spot.cell, spot.bad)
        book.save(path)
        os.utime(path, (when, when))
    return spots, forms


def ticked(rng: random.Random, file: str, sheet: str, ind) -> list[Spot]:
    """The indicator's 完成目标可能性 ticks left blank, crossed out, doubled, or its tick typed as another mark."""
    how = rng.choice(TICK_BAD)
    field = next(f for f, name in TICKS.items() if name == ind.likelihood)
    if how == "two":
        field, bad = rng.choice([f for f in TICKS if f != field]), Bad(L.TICK)
    elif how == "word":
        word = rng.choice(MARK_WORDS)
        bad = Bad(word, "s" if isinstance(word, str) else None)
    else:
        bad = Bad(None, None) if how == "none" else Bad("×")
    return [Spot(file, sheet, ind.cells[field], bad, field, indicator=ind.row, how=how)]


def expected_amount(style: str, before: Form, spots: list[Spot], field: str, clean: float | None):
    """A project's amount once its source cells are overwritten, as the form's 资金总额 gives it: the sum of its
    sources when all are read. One unread leaves it unknown, unless the unit typed a total apart from the parts
    read, which stands (test_check: a total that merely sums the parts read); our template's 资金总额 is a formula
    with no saved result, typed by no one. A total typed over sources all blank stands too."""
    parts = {r.row: r.typed[field] for r in before.funding if r.block == "source" and r.row != L.TOTAL_ROW}
    for spot in spots:
        if spot.field == field and spot.row:
            parts[spot.row] = spot.bad.read
    typed = None if style == "template" else clean
    read = [v for v in parts.values() if v not in (None, UNKNOWN)]
    if UNKNOWN in parts.values():
        return typed if typed is not None and abs(typed - sum(read)) > 0.01 + 1e-9 else UNKNOWN
    return sum(read) if read else typed


def near(got, wanted) -> bool:
    """An amount as expected (UNKNOWN: blank), to 0.0001 万元, or a blank as expected."""
    wanted = None if wanted == UNKNOWN else wanted
    return got is None if wanted is None else got is not None and got == pytest.approx(wanted, abs=1e-4, rel=1e-12)


@pytest.mark.parametrize("seed", seeds(16, 31))
def test_bad_cells_are_named_where_they_are_and_nothing_else_is_lost(tmp_path, seed):
    rng = random.Random(seed)
    department = Department(*DEPARTMENTS[0], random_units(rng, rng.randint(3, 5)))
    add_strays(rng, department.units)
    write_department(tmp_path / "clean", department)
    folder = tmp_path / "in"
    shutil.copytree(tmp_path / "clean", folder)
    spots, before = corrupt(rng, folder, department.units)
    context = f"seed {seed}: {[(s.file, s.sheet, s.cell, s.bad.value) for s in spots]}"
    given = hashes(folder)
    expected = consolidate(tmp_path / "clean", output=tmp_path / "out" / "clean.xlsx")
    out = tmp_path / "out" / "汇总.xlsx"
    got = consolidate(folder, output=out)
    assert hashes(folder) == given, f"seed {seed}: the units' files were changed"
    assert got["output"] == str(out) and out.exists(), context

    # every file is still included, with as many forms
    assert statuses(got) == statuses(expected), context
    assert (got["projects"], got["units"]) == (expected["projects"], expected["units"]), context

    # each finding is Chinese and names its file, sheet and cell; the other files' findings are what they were
    bad_files = {s.file for s in spots}
    for d in got["diagnostics"]:
        assert CHINESE.search(d["message"]), (context, d)
    others = {k: n for k, n in findings(got).items() if k[0] not in bad_files}
    assert others == {k: n for k, n in findings(expected).items() if k[0] not in bad_files}, context
    said: dict[tuple[str, str, str], list[dict]] = {}
    for d in got["diagnostics"]:
        if d["file"] and d["sheet"] and d["cell"]:
            said.setdefault((Path(d["file"]).name, d["sheet"], d["cell"]), []).append(d)
    for spot in spots:
        here = said.get((spot.file, spot.sheet, spot.cell), [])
        codes = [d["code"] for d in here]
        where = f"{context}: {spot.file}:{spot.sheet}!{spot.cell} ← {spot.bad.value!r} ({spot.field}): {codes}"
        assert all(Path(d["file"]) == folder / spot.file for d in here), where
        if spot.bad.code:
            assert spot.bad.code in codes, where
        if spot.bad.shown:  # quoted as Excel shows it (TRUE, 2026-06-30), not as Python writes it
            python = str(spot.bad.value)
            assert python == spot.bad.shown or not [d for d in here if python in d["message"]], where
            if spot.bad.code:
                assert any(spot.bad.shown in d["message"] for d in here if d["code"] == spot.bad.code), where
        if spot.row:
            read = spot.bad.read != UNKNOWN
            assert read == (not UNREAD & set(codes)), where
            assert len(UNREAD & set(codes)) <= 1, where
        if spot.bad.code in NOT_READ:  # unknown, not missing: nothing said of it as of a blank cell
            assert not {"R104", "R106"} & set(codes), where
    check_amounts(got, out, tmp_path / "out" / "clean.xlsx", spots, before, department, context)
    check_ticks(out, tmp_path / "out" / "clean.xlsx", said, spots, before, context)
    check_no_formulas(out, spots, context)


def detail_by_form(path: Path) -> dict[tuple[str, str], dict]:
    """项目明细's rows by (file name, sheet)."""
    return {(Path(r["来源文件"]).name, r["工作表"]): r for r in detail_rows(path)}


def check_amounts(got: dict, out: Path, clean_out: Path, spots: list[Spot], before: dict, department: Department,
                  context: str) -> None:
    """Each project's amounts: a form not overwritten as it was, one overwritten as expected_amount says, its rates
    blank where an amount they need is unknown; the department's the sums of what was read, unknown only where
    nothing of it could be."""
    styles = {u.file: u.style for u in department.units}
    rows, clean = detail_by_form(out), detail_by_form(clean_out)
    assert rows.keys() == clean.keys(), context
    unknown = set()
    for key, row in rows.items():
        amounts = [s for s in spots if (s.file, s.sheet) == key and s.row]
        if not amounts:
            changed = [h for h in HEADERS.values() if not near(row[h], clean[key][h])]
            assert not changed, (context, key, changed)
            if not [s for s in spots if (s.file, s.sheet) == key]:
                assert {h: v for h, v in row.items() if h != "序号"} == pytest.approx(
                    {h: v for h, v in clean[key].items() if h != "序号"}, abs=1e-6), (context, key)
            continue
        wanted = {f: expected_amount(styles[key[0]], before[key], amounts, f, clean[key][h])
                  for f, h in HEADERS.items()}
        unknown |= {f for f, v in wanted.items() if v == UNKNOWN}
        where = f"{context}: {key}, {[(s.cell, s.bad.value) for s in amounts]}"
        for f, h in HEADERS.items():
            assert near(row[h], wanted[f]), (where, h, row[h], wanted[f])
        if UNKNOWN in (wanted["carryover"], wanted["current"]):
            assert row["小计"] is None, where
        for rate, needs in RATES.items():
            if any(wanted[f] == UNKNOWN for f in needs):
                assert row[rate] is None, (where, rate)
    for f, h in HEADERS.items():
        read = [r[h] for r in rows.values() if r[h] is not None]
        total = None if f in unknown and not read else sum(read)
        assert near(got["totals"][f], total), (context, f, got["totals"][f], total)


def check_ticks(out: Path, clean_out: Path, said: dict, spots: list[Spot], before: dict, context: str) -> None:
    """A tick left out, crossed out or doubled is R302 at the indicator's first tick cell, and the indicator is
    counted under no likelihood; one typed as another mark is a tick, and counts as before."""
    rows, clean = detail_by_form(out), detail_by_form(clean_out)
    for key in {(s.file, s.sheet) for s in spots if s.how}:
        counts = {name: clean[key][name] for name in L.LIKELIHOODS}
        for spot in (s for s in spots if (s.file, s.sheet) == key and s.how):
            ind = next(i for i in before[key].indicators if i.row == spot.indicator)
            codes = [d["code"] for d in said.get((*key, ind.cells["likelihood_sure"]), [])]
            where = f"{context}: {key}, {spot.cell} {spot.how} {spot.bad.value!r}: {codes}"
            assert ("R302" in codes) == (spot.how != "word"), where
            if spot.how != "word":
                counts[ind.likelihood] -= 1
        assert {name: rows[key][name] for name in L.LIKELIHOODS} == counts, (context, key)


def check_no_formulas(out: Path, spots: list[Spot], context: str) -> None:
    """No cell of the summary is a formula made of a unit's text, and the reasons and remarks typed as formulas are
    in 指标偏差 as the texts they are."""
    book = load_workbook(out)
    for ws in book.worksheets:
        for line in ws.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    assert not any(m in str(cell.value) for m in UNITS_FORMULAS), (context, ws.title, cell.coordinate)
    listed = [c for line in book[SHEETS[2]].iter_rows() for c in line]
    for spot in spots:
        if spot.field in ("reason", "remark"):
            cells = [c for c in listed if c.value == spot.bad.value]
            assert cells and all(c.data_type == "s" for c in cells), (context, spot)
