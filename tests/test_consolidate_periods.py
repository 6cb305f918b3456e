"""Invariants of the summary's period and of what consolidate says of forms beside it: last month's (or last
year's) forms of a unit that sent this month's are copies kept (K018) and change nothing; the period is the one most
units' latest forms report; a bureau given last month's summaries beside this month's sums this month's; K019 points
out exactly the forms typed in 元. Built on the generated departments of test_consolidate_properties; each case is
seeded, a failure names its seed, and XLMON_PROPERTY_CASES=n runs n cases of each property."""

from __future__ import annotations

import os
import random
import shutil
import statistics
from collections import Counter
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

import test_consolidate_properties as props
from test_consolidate_properties import (DEPARTMENTS, EPOCH, MONTHS, NAMESAKE, NAMESAKE_PROJECT, YEAR, Department,
                                         Unit, add_strays, assert_same_figures, consolidate, duplicate_lines,
                                         findings, inbox, older, partition, project_code, random_projects,
                                         random_units, seeds, statuses, write_department, write_form, write_unit)
from xlmon.consolidate.records import PROJECT_CODE
from xlmon import demo
from xlmon import layout as L
from xlmon.profile import load_profile
from xlmon.sheetnames import SUMMARY_SHEETS

LAST_YEAR = (YEAR - 1, 12)
KEPT = "本期的同一张表已另行报送"  # 文件清单's reason for a file of forms kept (periods.left_out_reason)


@contextmanager
def in_year(year: int):
    """The generators write YEAR's forms: another year's while this lasts."""
    saved = props.YEAR
    props.YEAR = year
    try:
        yield
    finally:
        props.YEAR = saved


def written_then(rng: random.Random, unit: Unit) -> Unit:
    """The unit as it wrote another month's forms: its name with its code or without, its 主管部门 too, and now and
    then a project named with its code where the other month's form names it without, or the other way round."""
    def renamed(p):
        if rng.random() >= 0.25:
            return p
        bare = PROJECT_CODE.sub("", p.name).replace("（）", "")
        code = project_code(random.Random(f"{unit.name}{p.name}"))  # its one code, whichever month gives it
        return replace(p, name=bare if bare != p.name else f"{p.name}（{code}）")
    return replace(unit, projects=[renamed(p) for p in unit.projects], coded=unit.coded != (rng.random() < 0.2),
                   bare_department=unit.bare_department != (rng.random() < 0.2))


def write_period(folder: Path, unit: Unit, department: str, year: int, months: int, file: str, when: int) -> Path:
    """The unit's file of another period, as it was then: less spent, written the unit's way."""
    then = replace(unit, projects=[older(p) for p in unit.projects], strays=[older(p) for p in unit.strays],
                   months=months, file=file, when=when)
    with in_year(year):
        return write_unit(folder, then, department)


def add_sheets(path: Path, unit: Unit, department: str, periods: list[tuple[int, int]]) -> dict[str, tuple]:
    """Sheets of the unit's forms of earlier periods added to its file (a workbook kept for the year), its time
    kept: each one's name and period."""
    when = path.stat().st_mtime
    book = load_workbook(path)
    added = {}
    department = department.split("（")[0] if unit.bare_department else department
    for year, months in periods:
        for p in unit.projects:
            title = f"{year % 100}年{months}月{p.sheet}"[:31]
            with in_year(year):
                ws = write_form(book, older(replace(p, department=department, unit=unit.written)), unit.style, title,
                                months)
            added[ws.title] = (year, months)
    book.save(path)
    os.utime(path, (when, when))
    return added


def listed_files(summary: Path) -> list[str]:
    """文件清单's 文件 column."""
    rows = list(load_workbook(summary, read_only=True)[SUMMARY_SHEETS[5]].iter_rows(values_only=True))
    return [Path(row[0]).name for row in rows[1:] if row[0]]


# ---------------------------------------------------------------------------------------------------------------
# 1. Last month's files beside this month's change nothing.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(4, 11))
def test_last_months_forms_of_units_that_sent_this_months_change_nothing(tmp_path, seed):
    """A folder kept for the year: beside the 1-6月 files, any of those units' 1-5月 files (and last year's 1-12月),
    in files of their own or on sheets added to the unit's 1-6月 file. The summary is that of the 1-6月 files alone;
    each form kept is one K018 note, nothing else is said of it, and 文件清单 lists every file."""
    rng = random.Random(seed)
    base_folder = tmp_path / "base"
    if rng.random() < 0.5:  # with a copy of a unit's file and a correction come later, some of the time
        department, _ = inbox(rng, base_folder)
    else:
        department = Department(*DEPARTMENTS[0], random_units(rng, rng.randint(3, 6)))
        add_strays(rng, department.units)
        if rng.random() < 0.3:
            rng.choice(department.units).months = MONTHS - 1  # a unit yet to send 1-6月: K001 either way
        write_department(base_folder, department)
    base = consolidate(base_folder, output=tmp_path / "out" / "base.xlsx")
    assert base["period"] == {"year": YEAR, "months": MONTHS}, f"seed {seed}"
    folder = tmp_path / "in"
    shutil.copytree(base_folder, folder)
    sent = [u for u in department.units if u.months == MONTHS]
    added: set[tuple[str, str]] = set()  # (file, sheet) of each form kept
    new_files = []
    for i, unit in enumerate(rng.sample(sent, rng.randint(1, len(sent)))):
        periods = [(YEAR, MONTHS - 1), *([LAST_YEAR] if rng.random() < 0.3 else []),
                   *([(YEAR, MONTHS - 2)] if rng.random() < 0.2 else [])]
        # By design (periods.form_of_month) a form naming no unit is a copy kept only beside its own file's
        # form of the period: such a unit keeps its earlier months on sheets of its file. Sheets added to a file
        # sent twice would make its copy another version of it: that unit keeps files of its own.
        path = folder / unit.file
        copied = any(p != path and p.read_bytes() == path.read_bytes() for p in folder.iterdir())
        if unit.unnamed and copied:
            continue
        if unit.unnamed or (not copied and rng.random() < 0.3):
            added |= {(unit.file, s) for s in add_sheets(path, written_then(rng, unit), department.label, periods)}
            continue
        for j, (year, months) in enumerate(periods):
            name = f"{Path(unit.file).stem}（{year}年1-{months}月）.xlsx"
            when = EPOCH - 86_400 * (30 + j) + i
            path = write_period(folder, written_then(rng, unit), department.label, year, months, name, when)
            added |= {(name, s) for s in load_workbook(path, read_only=True).sheetnames}
            new_files.append(name)
    more = consolidate(folder, output=tmp_path / "out" / "more.xlsx")
    context = f"seed {seed}: {sorted(added)}"
    assert more["period"] == base["period"], context
    assert_same_figures(more, base, context)
    assert more["departments"] == base["departments"], context
    assert duplicate_lines(more) == duplicate_lines(base), context
    assert findings(base) - findings(more) == Counter(), context
    extra = findings(more) - findings(base)
    assert {code for *_, code in extra} <= {"K018"}, (context, [d["message"] for d in more["diagnostics"]
                                                             if d["code"] != "K018" and (Path(d["file"] or "").name,
                                                             d["sheet"], d["cell"], d["code"]) in extra])
    assert {(file, sheet) for file, sheet, _, _ in extra} == added, context
    assert sum(extra.values()) == len(added), context
    got = statuses(more)
    for name, status in statuses(base).items():
        assert got.pop(name) == status, (context, name)
    assert sorted(got) == sorted(new_files), context
    reasons = {Path(f["path"]).name: f["reason"] for f in more["files"]}
    for name in new_files:
        assert got[name] == ("rejected", 0) and KEPT in reasons[name], (context, name, reasons[name])
    assert sorted(listed_files(tmp_path / "out" / "more.xlsx")) == sorted(p.name for p in folder.iterdir()), context


# ---------------------------------------------------------------------------------------------------------------
# 2. The period is the one most units' latest forms report.
# ---------------------------------------------------------------------------------------------------------------

PERIODS = (LAST_YEAR, (YEAR, MONTHS - 2), (YEAR, MONTHS - 1), (YEAR, MONTHS))


def expected_period(latest: list[tuple[int, int]]) -> tuple[int, int]:
    votes = Counter(latest)
    best = max(votes.values())
    return max(p for p, n in votes.items() if n == best)


@pytest.mark.parametrize("seed", seeds(4, 12))
def test_the_period_is_that_of_most_units_latest_forms_whatever_the_order(tmp_path, seed):
    """Units sent forms of several periods, each its latest and any earlier ones, in files of their own or as sheets
    of one workbook: the period is the latest of most units (a tie: the later), whatever order and folders the
    files are given in; the units counted are those that sent it, their earlier forms are K018, others K001. By
    design (majority_period, form_of_month) forms naming no unit are known by their file: each file votes, and an
    earlier form is a copy kept only beside its own file's form of the period."""
    rng = random.Random(seed)
    units = random_units(rng, rng.randint(3, 7))
    department = Department(*DEPARTMENTS[0], units)
    sent: dict[str, list[tuple[int, int]]] = {}
    forms: dict[tuple[str, str], tuple[str, tuple[int, int]]] = {}  # (file, sheet) → its unit and period
    folder = tmp_path / "in"
    paths = []
    for i, unit in enumerate(units):
        unit.yearly = unit.hidden_old = False
        unit.unnamed = rng.random() < 0.15
        unit.overall = unit.overall and not unit.unnamed  # (a 部门整体 form names its unit however the others do)
        latest = rng.choice(PERIODS)
        periods = [latest, *(p for p in PERIODS if p < latest and rng.random() < 0.4)]
        sent[unit.name] = periods
        if rng.random() < 0.25 and len(periods) > 1:  # one workbook, a sheet a period
            unit.months, unit.file = latest[1], f"{unit.name}全年.xlsx"
            with in_year(latest[0]):
                paths.append(write_unit(folder, unit, department.label))
            forms |= {(unit.file, s): (unit.name, latest) for s in load_workbook(paths[-1]).sheetnames}
            for sheet, period in add_sheets(paths[-1], written_then(rng, unit), department.label, periods[1:]).items():
                forms[unit.file, sheet] = (unit.name, period)
            continue
        for j, (year, months) in enumerate(periods):
            name = f"{unit.name}{year}年{months}月.xlsx"
            then = written_then(rng, unit) if j else unit
            paths.append(write_period(folder, then, department.label, year, months, name, EPOCH + 60 * i - 86_400 * j))
            forms |= {(name, s): (unit.name, (year, months)) for s in load_workbook(paths[-1]).sheetnames}
    unnamed = {u.name for u in units if u.unnamed}
    voters: dict[str, tuple[int, int]] = {}  # a unit, or a file of a unit naming none → its latest period
    for (file, _), (unit, period) in forms.items():
        who = file if unit in unnamed else unit
        voters[who] = max(voters.get(who, period), period)
    chosen = expected_period(list(voters.values()))
    data = consolidate(*paths, output=tmp_path / "out" / "given.xlsx")
    context = f"seed {seed}: {sent}, naming no unit: {sorted(unnamed)}"
    assert (data["period"]["year"], data["period"]["months"]) == chosen, context
    if not unnamed:
        assert data["units"] == sum(chosen in periods for periods in sent.values()), context
    held = {(file if unit in unnamed else unit) for (file, _), (unit, period) in forms.items() if period == chosen}
    expected = {(file, sheet): "K018" if period < chosen and (file if unit in unnamed else unit) in held else "K001"
                for (file, sheet), (unit, period) in forms.items() if period != chosen}
    said = {(Path(d["file"]).name, d["sheet"]): d["code"] for d in data["diagnostics"] if d["code"] in ("K001", "K018")}
    assert said == expected, context
    shuffled = rng.sample(paths, len(paths))
    again = consolidate(*shuffled, output=tmp_path / "out" / "shuffled.xlsx")
    halves = [tmp_path / "a", tmp_path / "b"]
    for path in paths:
        place = rng.choice(halves)
        place.mkdir(exist_ok=True)
        shutil.copy2(path, place / path.name)
    split = consolidate(*(h for h in halves if h.exists()), output=tmp_path / "out" / "split.xlsx")
    for other, way in ((again, "shuffled"), (split, "split")):
        assert other["period"] == data["period"], (context, way)
        assert_same_figures(other, data, f"{context}: {way}")
        assert findings(other) == findings(data), (context, way)


# ---------------------------------------------------------------------------------------------------------------
# 3. A bureau given last month's summaries beside this month's sums this month's.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(3, 13))
def test_a_bureau_given_last_months_summaries_beside_this_months_sums_this_months(tmp_path, seed):
    """Each department's 1-5月 summary and its 1-6月 one in the bureau's inbox, given in any order or as a folder:
    the totals are those of the 1-6月 summaries alone, and those of every unit's 1-6月 files; each 1-5月 summary is
    one K018 note, never K001 asking the department to consolidate again."""
    rng = random.Random(seed)
    units = random_units(rng, rng.randint(4, 8))
    departments = [Department(*DEPARTMENTS[i], group) for i, group in enumerate(partition(rng, units, rng.randint(2, 3)))]
    june, may = [], []
    for department in departments:
        for unit in department.units:
            unit.code = department.code + unit.code[-3:]
            # By design (FormRecord.key) a form naming no unit is never taken for another file's: its May form, in
            # another summary than its June one, is K001.
            unit.unnamed = False
        if rng.random() < 0.4:  # a unit of one name in several departments
            projects = random_projects(rng, NAMESAKE, rng.randint(1, 3), NAMESAKE_PROJECT)
            department.units.append(replace(random_units(rng, 1)[0], name=NAMESAKE, file="", projects=projects,
                                            code=department.code + "099", unnamed=False))
        add_strays(rng, department.units)
        folder = tmp_path / "6月" / department.name
        write_department(folder, department)
        june.append(folder)
        before = tmp_path / "5月" / department.name
        sent = [u for u in department.units if rng.random() < 0.85] or department.units[:1]
        for unit in sent:
            write_period(before, written_then(rng, unit), department.label, YEAR, MONTHS - 1, unit.file,
                         unit.when - 86_400 * 30)
        may.append(before)
    summaries = {}
    for months, folders in ((MONTHS, june), (MONTHS - 1, may)):
        for folder in folders:
            out = tmp_path / "summaries" / f"{folder.name}{months}月汇总.xlsx"
            summaries[out] = consolidate(folder, output=out)
            assert summaries[out]["period"] == {"year": YEAR, "months": months}, f"seed {seed}: {out.name}"
    stale = sorted(p.name for p, data in summaries.items() if data["period"]["months"] != MONTHS)
    direct = consolidate(*june, output=tmp_path / "out" / "direct.xlsx")
    alone = consolidate(*(p for p, data in summaries.items() if data["period"]["months"] == MONTHS),
                        output=tmp_path / "out" / "alone.xlsx")
    assert_same_figures(alone, direct, f"seed {seed}: the June summaries")
    received = tmp_path / "局收件"
    received.mkdir()
    for path in summaries:
        shutil.copy2(path, received / path.name)
    for way, inputs in (("given", rng.sample(list(summaries), len(summaries))), ("inbox", [received])):
        data = consolidate(*inputs, output=tmp_path / "out" / f"{way}.xlsx")
        context = f"seed {seed}: {way}"
        assert data["period"] == {"year": YEAR, "months": MONTHS}, context
        assert_same_figures(data, alone, context)
        assert duplicate_lines(data) == duplicate_lines(alone), context
        notes = [Path(d["file"]).name for d in data["diagnostics"] if d["code"] == "K018" and d["sheet"] is None]
        assert sorted(notes) == stale, context
        assert not [d for d in data["diagnostics"] if d["code"] == "K001"], context
        assert findings(data) - findings(alone) == Counter({(name, None, None, "K018"): 1 for name in stale}), context
        assert findings(alone) - findings(data) == Counter(), context
        got = statuses(data)
        reasons = {Path(f["path"]).name: f["reason"] for f in data["files"]}
        assert all(got[name] == ("rejected", 0) and KEPT in reasons[name] for name in stale), (context, reasons)


# ---------------------------------------------------------------------------------------------------------------
# 4. K019 points out the forms typed in 元, and those alone.
# ---------------------------------------------------------------------------------------------------------------

PROFILE = load_profile(None)
AMOUNT_RULES = PROFILE.amounts


def priced(project, hundredths: int):
    """The project with one funding source, its 本年预算 and 全年预计 `hundredths` of 万元: its largest amount."""
    main = next(label for label, a in project.funding.items() if a.current)
    row = demo.Amounts(current=hundredths, issued=round(hundredths * 0.8), spent=round(hundredths * 0.4),
                       forecast=hundredths)
    return replace(project, funding={label: row if label == main else demo.Amounts() for label in L.PROJECT_SOURCES})


def priced_department(rng: random.Random, amounts: list[list[int]]) -> Department:
    """A unit a list of amounts (hundredths of 万元), a project each, written in any of the styles, one file each."""
    units = random_units(rng, len(amounts))
    for unit, own in zip(units, amounts):
        unit.projects = [priced(p, h) for p, h in zip(random_projects(rng, unit.name, len(own)), own)]
        unit.overall = unit.hidden_old = unit.yearly = False
        unit.strays = []
    return Department(*DEPARTMENTS[0], units)


def apart(data: dict) -> Counter:
    """K019's forms: (file, sheet)."""
    return Counter((Path(d["file"]).name, d["sheet"]) for d in data["diagnostics"] if d["code"] == "K019")


def sheets_of(unit: Unit) -> set[tuple[str, str]]:
    return {(unit.file, p.sheet) for p in unit.projects}


def log_uniform(rng: random.Random, low: float, high: float) -> int:
    """hundredths of 万元 between low and high 万元."""
    return round(100 * low * (high / low) ** rng.random())


@pytest.mark.parametrize("seed", seeds(3, 14))
def test_amounts_within_thirty_times_of_each_other_are_never_apart(tmp_path, seed):
    rng = random.Random(seed)
    low = 10 ** rng.uniform(0, 4.5)  # 1 万元 to 30 亿元: above and below K019's floor and R210's limit
    amounts = [[log_uniform(rng, low, 30 * low) for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(3, 7))]
    department = priced_department(rng, amounts)
    write_department(tmp_path / "in", department)
    data = consolidate(tmp_path / "in", output=tmp_path / "out" / "s.xlsx")
    assert apart(data) == Counter(), f"seed {seed}: {amounts}"


@pytest.mark.parametrize("seed", seeds(3, 15))
def test_a_unit_that_typed_in_yuan_is_pointed_out_form_by_form_and_once_up_the_levels(tmp_path, seed):
    """Units' projects of 50-500 万元, and one unit's of 5-10 万元 typed in 元 (50,000-99,999 万元: under R210's 10 亿元):
    K019 names each of that unit's forms, and no other, where the other units have at least 3 forms; none where
    they have fewer. A bureau consolidating the department's summary, with another department's and the unit's
    file sent to it straight too, names each once."""
    rng = random.Random(seed)
    others = [[log_uniform(rng, 50, 500) for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(1, 5))]
    yuan = [log_uniform(rng, 5, 9.99) * 10_000 for _ in range(rng.randint(1, 3))]
    department = priced_department(rng, [yuan, *others])
    typed = department.units[0]
    write_department(tmp_path / "in", department)
    summary = tmp_path / "summaries" / "教育局汇总.xlsx"
    data = consolidate(tmp_path / "in", output=summary)
    context = f"seed {seed}: {yuan}, {others}"
    expected = Counter(sheets_of(typed)) if sum(map(len, others)) >= 3 else Counter()
    assert apart(data) == expected, context
    second = priced_department(rng, [[log_uniform(rng, 50, 500) for _ in range(rng.randint(1, 3))]
                                     for _ in range(rng.randint(1, 3))])
    second.name, second.code = DEPARTMENTS[1]
    for unit in second.units:
        unit.name = f"{unit.name}分院"
        unit.file = f"{unit.name}.xlsx"
        unit.code = second.code + unit.code[-3:]
    write_department(tmp_path / "second", second)
    other = consolidate(tmp_path / "second", output=tmp_path / "summaries" / "卫健委汇总.xlsx")
    assert apart(other) == Counter(), context
    inputs = [summary, tmp_path / "summaries" / "卫健委汇总.xlsx"]
    up = consolidate(*inputs, output=tmp_path / "out" / "bureau.xlsx")
    # said by the department, or by the bureau against both departments' other forms
    expected = Counter(sheets_of(typed)) if sum(map(len, others)) + sum(len(u.projects) for u in second.units) >= 3 \
        else Counter()
    assert apart(up) == expected, context
    straight = tmp_path / "straight" / typed.file
    straight.parent.mkdir()
    shutil.copy2(tmp_path / "in" / typed.file, straight)
    again = consolidate(*inputs, straight, output=tmp_path / "out" / "again.xlsx")
    assert apart(again) == expected, (context, "sent straight too")
    assert_same_figures(again, up, context)


def rule_says(units: list[Unit], amounts: list[list[int]]) -> Counter:
    """K019 as the README and apart_findings state it: of each unit's forms, those whose largest amount is at least
    apart_floor, under R210's limit, and at least apart_times the median of the other units' forms' largest
    amounts, where there are at least 3 of them."""
    found = Counter()
    for i, (unit, own) in enumerate(zip(units, amounts)):
        rest = [h / 100 for j, hs in enumerate(amounts) if j != i for h in hs]
        if len(rest) < 3:
            continue
        median = statistics.median(rest)
        for p, h in zip(unit.projects, own):
            value = h / 100
            if AMOUNT_RULES.apart_floor <= value < AMOUNT_RULES.project_max and median > 0 and (
                    value >= AMOUNT_RULES.apart_times * median):
                found[unit.file, p.sheet] += 1
    return found


@pytest.mark.parametrize("seed", seeds(4, 16))
def test_k019_follows_its_rule_at_its_edges(tmp_path, seed):
    """Amounts from 1 万元 to beyond R210's limit, some units typing in 元, some at K019's floor or R210's limit
    exactly: K019 names the forms its rule names."""
    rng = random.Random(seed)
    amounts = []
    for _ in range(rng.randint(2, 6)):
        kind = rng.random()
        if kind < 0.3:
            own = [log_uniform(rng, 0.5, 20) * 10_000 for _ in range(rng.randint(1, 3))]
        elif kind < 0.4:
            own = [rng.choice((AMOUNT_RULES.apart_floor, AMOUNT_RULES.project_max, AMOUNT_RULES.apart_floor - 0.01,
                               AMOUNT_RULES.project_max - 0.01)) * 100 for _ in range(rng.randint(1, 2))]
            own = [round(h) for h in own]
        else:
            own = [log_uniform(rng, 1, 3000) for _ in range(rng.randint(1, 3))]
        amounts.append(own)
    department = priced_department(rng, amounts)
    for unit in department.units:
        unit.unnamed = rng.random() < 0.25  # told apart by its file (FormRecord.key)
    write_department(tmp_path / "in", department)
    data = consolidate(tmp_path / "in", output=tmp_path / "out" / "s.xlsx")
    expected = rule_says(department.units, amounts)
    assert apart(data) == expected, f"seed {seed}: {amounts}, {[u.unnamed for u in department.units]}"
