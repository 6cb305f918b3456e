"""A unit's workbook kept in 元 (or 千元, 百万元, 亿元) is the same workbook kept in 万元.

Random units' project forms and 部门整体 forms (test_reader_properties' and test_overall_reader_properties' models,
typed by hand or cleanly), with defects now and then (a 小计 or 资金总额 typed wrong, spending beyond what may be spent,
a forecast below spending, a negative amount, an amount that is no number), are written twice: in 万元, and with
every amount multiplied by the unit's scale (rates untouched, an amount typed with its own unit as it is) and the
unit stated on the period line, in the block's label or in a cell of its own. Then:

1. check finds the same codes at the same cells with the same severities, the same grades, rates and amounts (in
   万元); each message of the unit's form is the 万元 form's with every amount quoted in the form's unit, and N003
   is at the cell stating it;
2. a 小计 or 资金总额 typed more than 0.01 of the form's unit off (0.01 万元 for a unit larger than 万元) is C001/C002
   on it, one within rounding (less than half that) is not;
3. `xlmon check --format json` of a folder of such workbooks says of each what 1. asks; consolidating the folder
   gives the same totals, grades, projects and findings as the folder of their 万元 copies, and `xlmon report` the
   same report (in 万元 throughout);
4. 计算 on the unit's form writes the cells it writes on the 万元 one, each the 万元 form's value in the form's unit,
   its notes quoting that unit, and all test_recalc_properties asks of it; pressed again it writes nothing.

What may differ, and why:
- N002 (an amount typed with a unit other than the form's, 500000元) is said of the 万元 form only: on a form in 元
  the same text is in the form's own unit;
- N001 asks for a number in the form's unit (以元为单位), as every message speaks of the form's amounts in it;
- a message quoting what a cell holds as typed (N007: 文本“1,247.16”) quotes what the unit typed there;
- N003 is said of the unit's form only; it speaks of 万元 by design, as R210 and K019 do; the report counts the
  warnings of each (校验 found 警告 n 条);
- two amounts exactly 0.01 of the form's unit apart agree (calc.amount_tolerance, as 0.01 万元 apart agree on a form
  in 万元), so a slip of exactly 0.01 of the unit is asserted neither way; and 0.01 万元 apart on the 万元 form is 100
  元 apart on the 元 one, which is wrong there by design: the generators' amounts are doubled to whole multiples of
  0.02 万元 and defects are 0.02 万元 off or more, so that no two amounts a rule compares are 0.01 万元 apart;
- 计算 leaves a total that shows the sum of the others but an amount typed as text (N007: form.left_out), which it
  makes a number, as a formula's result that Excel works out again; the grids here hold values, typed or not, so a
  second press writes that total: on such a form each of two presses writes what it writes on the 万元 form, and a
  third nothing.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import io
import json
import random
import re
from collections import Counter
from contextlib import redirect_stdout
from copy import deepcopy
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

import test_overall_reader_properties as overall_props
import test_reader_properties as project_props
from payloads import actions_of, apply_actions
from seeded import seeds
from test_consolidate_properties import consolidate, findings
from test_recalc_properties import assert_calculated, payload_of
from test_report_properties import drafted
from xlmon import entry_points as ep
from xlmon import layout as L
from xlmon.calc import fmt_amount
from xlmon.check import check_sheets
from xlmon.cli import main
from xlmon.form_plan import RATE_FORMAT
from xlmon.grid import address, parse_address
from xlmon.reader import read_form
from xlmon.text import NotANumber, parse_amount, plain_number, wan_scale

SALT = 98
UNITS = ("元", "元", "元", "千元", "百万元", "亿元")
HOWS = ("period", "block", "cell")
AMOUNT_FIELDS = (*L.INPUT_AMOUNTS, "subtotal")
NOT_NUMBERS = ("待定", "见附件", "约5")
QUOTED = re.compile(r"(-?[\d,]+\.\d+) 万元")
OF_WAN = {"N003", "R210", "K019"}  # speak of 万元 by design
ONLY_WAN = {"N002"}
NUMBER = re.compile(r"[-－]?[0-9０-９][0-9０-９,，.．]*")
BLOCK_UNIT = re.compile(r"([（(]\s*)万\s*元(\s*[）)])")
BREAKDOWN = re.compile("人员经费|公用经费")
SHEETS = {"project": "项目表", "department": overall_props.SHEET}


# ---------------------------------------------------------------------------------------------------------------
# The forms in 万元, with their defects.
# ---------------------------------------------------------------------------------------------------------------

def doubled(amounts: dict) -> None:
    for row in amounts.values():
        for f, n in row.items():
            if n is not None:
                row[f] = 2 * n


def defects(rng: random.Random, rows: list[dict]) -> None:
    """Spending beyond what may be spent, a forecast below spending, a negative amount: on a row now and then."""
    for row in rows:
        if not any(v is not None for v in row.values()):
            continue
        roll = rng.random()
        if roll < 0.08:
            row["spent"] = (row["issued"] or 0) + (row["carryover"] or 0) + 2 * rng.randint(1, 20_000)
            row["forecast"] = max(row["forecast"] or 0, row["spent"])
        elif roll < 0.14 and (row["spent"] or 0) >= 4:
            row["forecast"] = row["spent"] - 2 * rng.randint(1, row["spent"] // 2)
        elif roll < 0.18:
            row[rng.choice(L.INPUT_AMOUNTS)] = -2 * rng.randint(1, 50_000)


def project_sheet(rng: random.Random, months: int | None = None) -> list[list]:
    project = project_props.random_project(rng, rng.choice(project_props.PROJECTS))
    if months:
        project.months = months
    doubled(project.amounts)
    for slips in project.slips.values():
        if "subtotal" in slips:
            slips["subtotal"] *= 2
    defects(rng, [project.amounts[s] for s in L.PROJECT_SOURCES])
    if rng.random() < 0.15:  # 资金总额's 小计 typed wrong
        made = project_props.worked_out(project.row(L.TOTAL_ROW))["subtotal"]
        if made is not None:
            off = rng.choice((-1, 1)) * 2 * rng.randint(1, 5000)
            project.slips.setdefault(L.TOTAL_ROW, {})["subtotal"] = made + off
    if rng.random() < 0.3:
        return project_props.clean_grid(project)
    typing = project_props.Typing(in_yuan=False)
    return project_props.typed_grid(rng, project, typing, rng.choice((0, 0, 1, 2)), rng.choice((0, 0, 1, 3)))


def department_sheet(rng: random.Random, months: int | None = None) -> list[list]:
    overall = overall_props.random_overall(rng, rng.choice(overall_props.UNITS), months or rng.choice((3, 6, 9, 12)))
    doubled(overall.amounts)
    defects(rng, list(overall.amounts.values()))
    if rng.random() < 0.3:
        return overall_props.clean_grid(overall)
    typing = project_props.Typing(in_yuan=False)
    return overall_props.typed_grid(rng, overall, typing, rng.choice((0, 0, 1, 2)), rng.choice((0, 0, 1, 3)))[0]


def amount_cells(grid: list[list], sheet: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(row, field, (r, c)) of every amount cell of the form on the sheet, as its reader maps them."""
    form, _ = read_form(grid, sheet)
    return [(row.row, f, parse_address(row.cells[f])) for row in form.funding for f in AMOUNT_FIELDS
            if f in row.cells]


def grid_defects(rng: random.Random, grid: list[list], sheet: str) -> None:
    """A 资金总额 typed apart from its sources' sum, an amount that is no number."""
    cells = amount_cells(grid, sheet)
    numbers = [(row, f, at) for row, f, at in cells if isinstance(value(grid, at), (int, float))
               and not isinstance(value(grid, at), bool)]
    totals = [x for x in numbers if x[0] == L.TOTAL_ROW]
    if totals and rng.random() < 0.2:
        r, c = rng.choice(totals)[2]
        grid[r][c] = round(grid[r][c] + rng.choice((-1, 1)) * rng.choice((0.02, 0.04, 0.5, 10, 123.46)), 2)
    sources = [x for x in numbers if x[0] != L.TOTAL_ROW and x[1] != "subtotal"]
    if sources and rng.random() < 0.15:
        r, c = rng.choice(sources)[2]
        grid[r][c] = rng.choice(NOT_NUMBERS)


def value(grid: list[list], at: tuple[int, int]):
    r, c = at
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


# ---------------------------------------------------------------------------------------------------------------
# The same form in another unit.
# ---------------------------------------------------------------------------------------------------------------

def scaled(raw, scale: float):
    """An amount typed in 万元 as typed in the unit `scale` is of it: a number times scale, a text its number's
    text in the unit, in the same digits and separators; an amount typed with its own unit, a dash or a word as it
    is."""
    if raw is None or isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)):
        return round(raw * scale, 8)
    if not isinstance(raw, str):
        return raw
    try:
        number, unit = parse_amount(raw)
    except NotANumber:
        return raw
    match = NUMBER.search(raw)
    if number is None or unit is not None or match is None:
        return raw
    decimals = 2 if scale >= 1 else 8
    text = f"{round(number * scale, 8):{',' if re.search('[,，]', match[0]) else ''}.{decimals}f}"
    if scale < 1:
        text = text.rstrip("0").rstrip(".")
    if re.search("[０-９]", match[0]):
        text = text.translate(project_props.FULL_WIDTH)
    return raw[:match.start()] + text + raw[match.end():]


def in_unit(rng: random.Random, grid: list[list], sheet: str, unit: str, how: str) -> tuple[list[list], str]:
    """The form of the sheet with its amounts in `unit`, saying so `how`; and the cell that says it. Every amount
    column of each block, from its first row to its last and its breakdown's below it (人员经费, 公用经费, which the
    reader sets aside), is scaled, a unit's own sum typed below the sources too."""
    form, _ = read_form(grid, sheet)
    out = deepcopy(grid)
    for block in ("source", "spending"):
        places = [parse_address(row.cells[f]) for row in form.funding if row.block == block for f in AMOUNT_FIELDS
                  if f in row.cells]
        if not places:
            continue
        rows, columns = [r for r, _ in places], {c for _, c in places}
        last = max(rows)
        while last + 1 < len(grid) and any(isinstance(v, str) and BREAKDOWN.search("".join(v.split()))
                                           for v in grid[last + 1]):
            last += 1
        for r in range(min(rows), last + 1):
            for c in columns:
                if c < len(out[r]):
                    out[r][c] = scaled(grid[r][c], wan_scale(unit))
    first = min(parse_address(ref)[0] for row in form.funding for ref in row.cells.values())
    if how == "period" and isinstance(value(out, at := parse_address(form.cells.get("period", "A1"))), str) \
            and "period" in form.cells:
        out[at[0]][at[1]] += rng.choice(("  ", "    ", "\n")) + f"金额单位：{unit}"
        return out, address(*at)
    if how == "block":
        for r in range(first):
            for c, v in enumerate(out[r]):
                if isinstance(v, str) and "执行进度" in "".join(v.split()) and BLOCK_UNIT.search(v):
                    out[r][c] = BLOCK_UNIT.sub(rf"\g<1>{unit}\g<2>", v, count=1)
                    return out, address(r, c)
    r = parse_address(form.cells["title"])[0] if "title" in form.cells else 0
    out[r] += [None] * (max(len(out[r]) + 1, 11) - len(out[r])) + [
        rng.choice((f"（单位：{unit}）", f"金额单位：{unit}", f"单位：{unit}"))]
    return out, address(r, len(out[r]) - 1)


def in_unit_of(amount: str, unit: str) -> str:
    """A message of the 万元 form as the form in `unit` quotes it: its amounts in that unit."""
    return QUOTED.sub(lambda m: fmt_amount(float(m[1].replace(",", "")), unit), amount).replace(
        "以万元为单位", f"以{unit}为单位")


# ---------------------------------------------------------------------------------------------------------------
# 1. check
# ---------------------------------------------------------------------------------------------------------------

def assert_same_findings(where: str, wan: list, other: list, unit: str, grids: tuple[dict, dict]) -> None:
    """The same codes at the same cells with the same severities; the other's messages the 万元 one's with its
    amounts quoted in its unit and its cells' texts as typed there, and no amount quoted in 万元 where its form is in
    another (but what speaks of 万元). grids: the 万元 and the other workbook's sheets."""
    mine = [d for d in other if d.code not in OF_WAN - {"R210", "K019"}]
    theirs = [d for d in wan if d.code not in ONLY_WAN]
    got = [(d.code, d.sheet, d.cell, d.severity) for d in mine]
    want = [(d.code, d.sheet, d.cell, d.severity) for d in theirs]
    assert Counter(got) == Counter(want), (
        f"{where}: in {unit} said {sorted((Counter(got) - Counter(want)).elements())}, "
        f"not {sorted((Counter(want) - Counter(got)).elements())}")
    for d, t in zip(sorted(mine, key=key), sorted(theirs, key=key)):
        was, now = typed_texts(d, *grids)
        expected = t.message if d.code in OF_WAN else f"“{now}”".join(
            in_unit_of(part, unit) for part in t.message.split(f"“{was}”"))
        assert d.message == expected, f"{where}: {d.code} at {d.cell} in {unit}: {d.message!r}, not {expected!r}"
        if d.code not in OF_WAN:
            assert not QUOTED.search(d.message.replace(f"“{now}”", "")), (
                f"{where}: {d.code} at {d.cell} quotes 万元: {d.message}")


def typed_texts(d, wan: dict, other: dict) -> tuple[str, str]:
    """The text of the finding's cell in the 万元 form and in the other, which a message (N007: “1,247.16”) quotes as
    typed there, an amount typed with its own unit (“32831.64 万元”) too; or a quote no message holds."""
    if d.sheet in wan and d.cell is not None:
        at = parse_address(d.cell)
        was, now = value(wan[d.sheet], at), value(other[d.sheet], at)
        if isinstance(was, str) and isinstance(now, str) and was.strip():
            return was.strip(), now.strip()
    return "\0", "\0"


def key(d) -> tuple:
    return d.code, d.sheet or "", d.cell or "", d.message


def random_sheet(rng: random.Random, months: int | None = None) -> tuple[str, list[list]]:
    kind = "department" if rng.random() < 0.35 else "project"
    grid = (department_sheet if kind == "department" else project_sheet)(rng, months)
    grid_defects(rng, grid, SHEETS[kind])
    return SHEETS[kind], grid


@pytest.mark.parametrize("seed", seeds(400, SALT))
def test_a_form_in_another_unit_is_checked_as_the_same_form_in_wan(seed):
    rng = random.Random(seed)
    sheet, grid = random_sheet(rng)
    unit, how = rng.choice(UNITS), rng.choice(HOWS)
    other, stated = in_unit(rng, grid, sheet, unit, how)
    where = f"seed {seed} ({sheet} in {unit}, stated by {how} at {stated})"
    wan, got = check_sheets({sheet: grid}), check_sheets({sheet: other})
    assert [f.amount_unit for f in got.forms] == [unit] * len(wan.forms) and len(wan.forms) == 1, where
    assert [d.cell for d in got.diagnostics if d.code == "N003"] == [stated], where
    project_props.assert_same_reading(got.forms[0], wan.forms[0], where)
    assert_same_findings(where, wan.diagnostics, got.diagnostics, unit, ({sheet: grid}, {sheet: other}))


# ---------------------------------------------------------------------------------------------------------------
# 2. slips
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(200, SALT))
def test_a_sum_typed_off_by_more_than_its_units_cent_is_wrong_and_within_rounding_is_not(seed):
    rng = random.Random(seed)
    project = project_props.random_project(rng, rng.choice(project_props.PROJECTS))
    project.slips = {}
    grid = project_props.clean_grid(project)
    unit = rng.choice(UNITS)
    other, _ = in_unit(rng, grid, "项目表", unit, rng.choice(HOWS))
    form = check_sheets({"项目表": other}).forms[0]
    sums = [(row, f) for row in form.funding for f in (("subtotal",) if row.row != L.TOTAL_ROW else AMOUNT_FIELDS)
            if f in row.cells and isinstance(value(other, parse_address(row.cells[f])), float)
            and (f != "subtotal" or row.typed.get("current") is not None)]
    row, f = rng.choice(sums)
    cent = 0.01 * min(1.0, wan_scale(unit))  # of the form's unit: 0.01 万元 at least
    wrong = rng.random() < 0.6
    slip = cent * (rng.choice((2, 3, 5, 50, 125, 5000)) if wrong else rng.choice((0.01, 0.1, 0.3, 0.45)))
    r, c = parse_address(row.cells[f])
    other[r][c] += rng.choice((-1, 1)) * slip
    where = f"seed {seed}: {row.row}·{f} at {row.cells[f]} typed {slip:g} {unit} off"
    said = [d for d in check_sheets({"项目表": other}).diagnostics if d.cell == row.cells[f]]
    if wrong:
        assert {d.code for d in said} & {"C001", "C002"}, f"{where}: not said wrong ({said})"
        shown = fmt_amount(other[r][c] / wan_scale(unit), unit)
        assert any(shown in d.message for d in said if d.code in ("C001", "C002")), f"{where}: {shown} not quoted"
    else:
        assert not {d.code for d in said} & {"C001", "C002"}, f"{where}: said wrong {said}"


# ---------------------------------------------------------------------------------------------------------------
# 3. consolidate
# ---------------------------------------------------------------------------------------------------------------

def write_book(path: Path, sheets: dict[str, list[list]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for name, grid in sheets.items():
        ws = book.create_sheet(name)
        for row in grid:
            ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def cli_json(*args: str) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        main([*args, "--format", "json"])
    return json.loads(out.getvalue())


def assert_close(got, want, where: str) -> None:
    """The same JSON, numbers to 0.0001 (each side rounded to 4 decimals from its own float)."""
    if isinstance(want, float) or isinstance(got, float):
        assert got == pytest.approx(want, abs=1.1e-4), where
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), where
        for k in want:
            assert_close(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{where}[{i}]")
    else:
        assert got == want, f"{where}: {got!r}, not {want!r}"


@pytest.mark.parametrize("seed", seeds(40, SALT))
def test_a_folder_of_workbooks_in_another_unit_is_checked_consolidated_and_reported_as_in_wan(tmp_path, seed):
    """3. and 1. through `xlmon check --format json` of the folder's files, and the report drafted of it."""
    rng = random.Random(seed)
    books = {}  # file → (the 万元 sheets, the other, each sheet's unit)
    for i in range(rng.randint(2, 4)):
        wan, other, units = {}, {}, {}
        for j in range(rng.randint(1, 2)):
            sheet, grid = random_sheet(rng, months=6)
            name = f"{sheet}{j + 1}"
            units[name] = rng.choice(UNITS)
            wan[name], other[name] = grid, in_unit(rng, grid, name, units[name], rng.choice(HOWS))[0]
        books[f"单位{i + 1}.xlsx"] = wan, other, units
        write_book(tmp_path / "万元" / f"单位{i + 1}.xlsx", wan)
        write_book(tmp_path / "元" / f"单位{i + 1}.xlsx", other)
    where = f"seed {seed}"

    checked = {Path(f["path"]).name: f for f in cli_json("check", str(tmp_path / "元"))["files"]}
    for f in cli_json("check", str(tmp_path / "万元"))["files"]:
        name = Path(f["path"]).name
        wan, other, units = books[name]
        mine = checked[name]
        assert mine["status"] == f["status"], f"{where}: {name} {mine['status']}, not {f['status']}"
        assert_close(mine["forms"], f["forms"], f"{where}: {name} forms")
        for sheet, unit in units.items():
            assert_same_findings(f"{where}: {name}!{sheet}",
                                 [SimpleNamespace(**d) for d in f["diagnostics"] if d["sheet"] == sheet],
                                 [SimpleNamespace(**d) for d in mine["diagnostics"] if d["sheet"] == sheet],
                                 unit, (wan, other))
        assert [d for d in mine["diagnostics"] if d["sheet"] not in units] == [
            d for d in f["diagnostics"] if d["sheet"] not in units], f"{where}: {name}"

    expected = consolidate(tmp_path / "万元", output=tmp_path / "out" / "万元.xlsx")
    got = consolidate(tmp_path / "元", output=tmp_path / "out" / "元.xlsx")
    assert_close(got["totals"], expected["totals"], f"{where}: totals")  # an unknown one (None) too
    for part in ("grades", "projects", "units"):
        assert got[part] == expected[part], f"{where}: {part} {got[part]}, not {expected[part]}"
    said = Counter({k: n for k, n in findings(got).items() if k[3] not in OF_WAN - {"K019"}})
    told = Counter({k: n for k, n in findings(expected).items() if k[3] not in ONLY_WAN})
    assert said == told, f"{where}: findings {sorted((said - told).elements())}, not {sorted((told - said).elements())}"

    report, wan_report = (drafted(tmp_path / f, output=tmp_path / "out" / f"{f}.docx") for f in ("元", "万元"))
    warned = sum(n for k, n in findings(got).items() if k[3] == "N003") - sum(
        n for k, n in findings(expected).items() if k[3] == "N002")  # warnings both
    # the forms' warnings, said first; not what 汇总 found across them (汇总时另发现警告 N 条), the same in both
    lines = [re.sub(r"警告 (\d+) 条", lambda m: f"警告 {int(m[1]) + warned} 条", line, count=1)
             for line in wan_report.lines]
    assert report.lines == lines, (
        f"{where}: the report says {set(report.lines) - set(lines)}, not {set(lines) - set(report.lines)}")
    assert report.tables == wan_report.tables, f"{where}: the report's tables"


# ---------------------------------------------------------------------------------------------------------------
# 4. 计算
# ---------------------------------------------------------------------------------------------------------------

def after_arrow(note: str) -> str:
    return note.split(" → ", 1)[1] if " → " in note else note.split("：", 1)[1]


def assert_same_edits(where: str, edits, wan_edits, unit: str) -> None:
    """计算's edits of the form in `unit` are those of the 万元 form: the same cells, each value in the unit, each note
    quoting it in the unit."""
    edits = sorted(edits, key=lambda e: parse_address(e.cell))
    wan_edits = sorted(wan_edits, key=lambda e: parse_address(e.cell))
    assert [e.cell for e in edits] == [e.cell for e in wan_edits], f"{where}: wrote other cells"
    scale = wan_scale(unit)
    for e, w in zip(edits, wan_edits):
        if e.formula or w.value is None:
            assert e.value == w.value, f"{where}: {e.cell} {e.value!r}, not {w.value!r}"
        elif e.number_format == RATE_FORMAT:
            assert e.value == pytest.approx(w.value, abs=1e-12), f"{where}: {e.cell} {e.value}, not {w.value}"
        else:
            assert e.value == pytest.approx(w.value * scale, abs=0.0051 * scale + 1e-9 * abs(e.value)), (
                f"{where}: {e.cell} {e.value}, not {w.value} 万元 in {unit}")
        if "文本" in w.note:  # an amount typed as text made the number it reads as, in the form's unit
            assert after_arrow(e.note) == f"数字 {plain_number(e.value)}", f"{where}: {e.cell} note {e.note!r}"
        else:
            expected = in_unit_of(after_arrow(w.note), unit)
            assert after_arrow(e.note) == expected, f"{where}: {e.cell} note {e.note!r}, not …{expected!r}"
        assert not QUOTED.search(after_arrow(e.note)), f"{where}: {e.note}"


@pytest.mark.parametrize("seed", seeds(150, SALT))
def test_calculate_on_a_form_in_another_unit_writes_the_wan_forms_values_in_its_unit(seed):
    rng = random.Random(seed)
    sheet, grid = random_sheet(rng)
    unit, client = rng.choice(UNITS), rng.choice(("VBA", "Office.js"))
    other, _ = in_unit(rng, grid, sheet, unit, rng.choice(HOWS))
    where = f"seed {seed} ({sheet} in {unit}, {client})"
    wan, payload = payload_of({sheet: grid}, client), payload_of({sheet: other}, client)
    if not any(f.left_out for f in check_sheets({sheet: other}).forms):
        done = assert_calculated(where, payload, set(), set())
        assert_same_edits(where, done.edits.values(), actions_of(wan, ep.calculate)[1].edits, unit)
        return
    for press in (1, 2):  # a total left as the sum of a text made a number (form.left_out): see the docstring
        (wan_actions, wan_done), (actions, done) = actions_of(wan, ep.calculate), actions_of(payload, ep.calculate)
        assert_same_edits(f"{where}, pressed {press} times", done.edits, wan_done.edits, unit)
        wan, payload = apply_actions(wan, wan_actions), apply_actions(payload, actions)
    assert actions_of(payload, ep.calculate)[1].edits == [], f"{where}: pressed a third time"
