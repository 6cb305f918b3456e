"""Invariants of `xlmon consolidate` over randomly generated departments: what must hold whatever the units sent,
however the files are given, and at whichever level they are consolidated. Each case is seeded; a failure names
its seed. XLMON_PROPERTY_CASES=n runs n cases of each property instead of the few a test run affords."""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from handmade import project_grid
from seeded import seeds
from xlmon import demo
from xlmon import layout as L
from xlmon.cli import main
from xlmon.consolidate.names import unit_parts
from xlmon.consolidate.records import PROJECT_CODE
from xlmon.consolidate.workbook import DETAIL_HEADERS, SHEETS
from xlmon.templates import new_workbook, save_atomic

YEAR, MONTHS = 2026, 6
AMOUNT_FIELDS = ("carryover", "current", "subtotal", "issued", "spent", "forecast")
RATE_FIELDS = ("issue_rate", "spend_progress")
DEPARTMENTS = (("某市教育局", "101001"), ("某市卫生健康委员会", "102001"), ("某市民政局", "103001"))
UNIT_NAMES = ("某市第一中学", "某市第二中学", "某市实验小学", "某市特殊教育学校", "某市职业技术学校", "某市教师发展中心",
              "某市电化教育站", "某市教育科学研究所", "某市第三人民医院", "某市疾病预防控制中心", "某市妇幼保健院",
              "某市社会福利院", "某市救助管理站", "某市儿童福利院", "某市中心血站", "某市老年大学")
STYLES = ("template", "template", "grid", "shifted", "text", "columns")  # demo's writers, and typed by hand
# Every file's modification time is set, files of other contents never at one time: of two such copies of a form
# the first met counts by design (aggregate), whatever the order.
EPOCH = 1_780_000_000


# ---------------------------------------------------------------------------------------------------------------
# The generated department.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Unit:
    """A unit's workbook: its projects (demo.ProjectData), how it fills them, and its file's modification time.
    How it writes itself: its name with its code, without, or not at all; its 主管部门 with the code or without.
    What else its workbook may hold: last month's form of a project on a hidden sheet, or of every project on sheets
    of their own (a yearly workbook), a copy of another unit's form, its 部门整体 form."""

    name: str
    projects: list
    style: str
    when: int
    file: str = ""
    code: str = ""
    coded: bool = False
    bare_department: bool = False
    hidden_old: bool = False
    strays: list = field(default_factory=list)
    overall: bool = False
    months: int = MONTHS  # another for a unit that filled last month's forms again
    yearly: bool = False
    unnamed: bool = False

    def __post_init__(self):
        self.file = self.file or f"{self.name}.xlsx"

    @property
    def written(self) -> str:
        if self.unnamed:
            return ""
        return f"{self.name}（{self.code}）" if self.coded and self.code else self.name


@dataclass
class Department:
    name: str
    code: str
    units: list[Unit] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）"


def project_code(rng: random.Random) -> str:
    return "1101012600000" + "".join(rng.choice("0123456789") for _ in range(8))


def random_projects(rng: random.Random, unit: str, count: int, first: tuple[str, ...] = ()) -> list:
    """count of the demo's project kinds with its numbers, some lagging or doubtful, some named with their code;
    first: kinds it has first."""
    tp = MONTHS / 12
    out = []
    for key in [*first, *rng.sample(sorted(set(demo.PROJECTS) - set(first)), count - len(first))]:
        kind = demo.PROJECTS[key]
        marks = tuple(m for m, share in ((demo.LAG, 0.2), (demo.MAYBE, 0.15), (demo.NEVER, 0.05))
                      if rng.random() < share)
        name = f"{kind.name}（{project_code(rng)}）" if rng.random() < 0.15 else kind.name
        out.append(demo.ProjectData(name, kind.short, unit, "", kind.goal, demo._funding(rng, kind, marks, tp),
                                    demo._indicators(rng, kind.indicators, tp, marks), marks, kind.sources[0][0]))
    return out


def random_units(rng: random.Random, count: int) -> list[Unit]:
    """count units of UNIT_NAMES with 1-4 projects each, dated a minute apart, of the first department's codes."""
    chosen = rng.sample(UNIT_NAMES, count)
    return [Unit(name, random_projects(rng, name, rng.randint(1, 4)), rng.choice(STYLES), EPOCH + 60 * i,
                 code=f"{DEPARTMENTS[0][1]}{UNIT_NAMES.index(name) + 1:03}", coded=rng.random() < 0.2,
                 bare_department=rng.random() < 0.2, hidden_old=rng.random() < 0.1, overall=rng.random() < 0.2,
                 yearly=rng.random() < 0.1, unnamed=rng.random() < 0.04)
            for i, name in enumerate(chosen)]


def add_strays(rng: random.Random, units: list[Unit]) -> None:
    """Now and then a unit keeps a copy of another unit of its department's form in its workbook, for reference."""
    for unit in units:
        if len(units) > 1 and rng.random() < 0.15:
            other = rng.choice([u for u in units if u is not unit])
            unit.strays.append(older(rng.choice(other.projects)))


def older(project):
    """The project as last month's form had it: less spent."""
    funding = {k: replace(a, spent=None if a.spent is None else a.spent // 2) for k, a in project.funding.items()}
    return replace(project, funding=funding)


def grid_funding(project) -> dict[str, list]:
    """A project's funding as project_grid takes it: each row's eight columns, 资金总额 their sum."""
    rows = {L.TOTAL_ROW: project.total(), **project.funding}
    return {label: [a.values()[f] for f in ("carryover", "current", "subtotal", "issued", "issue_rate", "spent",
                                            "spend_progress", "forecast")] for label, a in rows.items()}


def grid_indicators(project) -> list[list]:
    return [[i.level1, i.level2, i.level3, i.target, i.shown(i.actual), i.shown(i.forecast), i.reason,
             *(L.TICK if i.likelihood == name else None for name in L.LIKELIHOODS), i.remark]
            for i in project.indicators]


def write_form(book, project, style: str, title: str | None = None, months: int = MONTHS):
    ws = book.create_sheet(title or project.sheet)
    if style == "template":
        demo.write_project_form(ws, project, year=YEAR, months=months)
    elif style == "grid":
        grid = project_grid(funding=grid_funding(project), indicators=grid_indicators(project), unit=project.unit,
                            project=project.name, department=project.department, period=f"（{YEAR}年1-{months}月）")
        for row in grid:
            ws.append(row)
    else:
        demo.write_handmade(ws, project, style, year=YEAR, months=months)
    return ws


def write_unit(folder: Path, unit: Unit, department: str) -> Path:
    """The unit's workbook, a sheet a project, as the unit's style fills it; dated unit.when."""
    department = department.split("（")[0] if unit.bare_department else department
    book = new_workbook()
    for p in unit.projects:
        write_form(book, replace(p, department=department, unit=unit.written), unit.style, months=unit.months)
    for p in unit.strays:
        write_form(book, replace(p, department=department), unit.style, f"{p.unit}的表（参考）"[:31], unit.months)
    if unit.overall:  # demo's numbers of a school's 部门整体, its header naming this unit
        form = demo._overall(random.Random(unit.when), "某市第一中学", unit.code, unit.projects, MONTHS / 12)
        demo.write_overall_form(book.create_sheet(form.sheet, 0), replace(form, department=f"{unit.name}（{unit.code}）"),
                                year=YEAR, months=unit.months)
    if unit.yearly and unit.months > 1:
        for at, p in enumerate(unit.projects):
            write_form(book, older(replace(p, department=department, unit=unit.written)), unit.style,
                       f"{unit.months - 1}月{p.sheet}"[:31], unit.months - 1)
            book.move_sheet(book.worksheets[-1], offset=-(len(book.sheetnames) - 1 - at))
    if unit.hidden_old:
        p = unit.projects[0]
        ws = write_form(book, older(replace(p, department=department, unit=unit.written)), unit.style,
                        f"上月{p.sheet}"[:31], unit.months)
        ws.sheet_state = "hidden"
        book.move_sheet(ws, offset=-(len(book.sheetnames) - 1))
    (folder / unit.file).parent.mkdir(parents=True, exist_ok=True)
    path = save_atomic(book, folder / unit.file)
    os.utime(path, (unit.when, unit.when))
    return path


def write_department(folder: Path, department: Department) -> list[Path]:
    return [write_unit(folder, u, department.label) for u in department.units]


def corrected(rng: random.Random, unit: Unit, later: int, same_name: bool = False) -> Unit:
    """The unit's file sent again later, one project's 支出数 (and maybe 全年预计) changed, of the period asked for;
    written as the unit writes now (its code, or its projects' codes, given or left out)."""
    bare = rng.random() < 0.3
    projects = [replace(p, name=PROJECT_CODE.sub("", p.name).replace("（）", "") if bare else p.name,
                        funding={k: replace(a) for k, a in p.funding.items()}) for p in unit.projects]
    target = rng.choice(projects)
    row = next(a for a in target.funding.values() if a.current)
    row.spent = (row.spent or 0) + rng.choice((100, 250, 1000, 1234))
    if rng.random() < 0.5:
        row.forecast = max(row.forecast or 0, row.spent) + 100
    file = unit.file if same_name else str(Path(unit.file).with_stem(f"{Path(unit.file).stem}（更正）"))
    return Unit(unit.name, projects, unit.style, later, file, unit.code, unit.coded != (rng.random() < 0.2),
                unit.bare_department != (rng.random() < 0.2), overall=unit.overall, yearly=unit.yearly,
                unnamed=unit.unnamed)


# ---------------------------------------------------------------------------------------------------------------
# Running and reading back.
# ---------------------------------------------------------------------------------------------------------------

def consolidate(*inputs, output: Path) -> dict:
    """`xlmon consolidate --format json`, as a user runs it."""
    output.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["consolidate", "--format", "json", *map(str, inputs), "-o", str(output)])
    assert code == 0, out.getvalue()
    return json.loads(out.getvalue())


def figures(data: dict) -> dict:
    """What must not change: the amounts to 0.0001 万元, the rates to 0.001 (each summed in its own order), the
    projects by grade, the counts of projects and units."""
    totals = data["totals"]
    return {"amounts": {f: round(totals[f], 4) for f in AMOUNT_FIELDS},
            "rates": {f: None if totals[f] is None else round(totals[f], 3) for f in RATE_FIELDS},
            "grades": data["grades"], "projects": data["projects"], "units": data["units"]}


def assert_same_figures(got: dict, expected: dict, context: str) -> None:
    g, e = figures(got), figures(expected)
    assert g["amounts"] == pytest.approx(e["amounts"], abs=1e-4), context
    assert g["rates"] == pytest.approx(e["rates"], abs=1e-3), context
    assert (g["grades"], g["projects"], g["units"]) == (e["grades"], e["projects"], e["units"]), context


def duplicate_lines(data: dict) -> Counter:
    """Each form sent more than once: how many K002 it had, every copy of it named, and the copy that counts (the
    one that never gives way). Which two copies each pair of a line compares, and how it names the form (as the
    copy met second writes it), follow the order the copies were met in. A form is one line, its pairs joined by
    ；: a copy used first and then replaced is said 先采用, the one counted in the end 采用. A file sent twice byte
    for byte is one line of the two files and how many forms, the file used named. A pair says the copy used, then
    why in a clause: 采用 一中.xlsx!表1，因其文件修改时间较晚；两份金额不同，请核实."""
    out = Counter()
    seen: set = set()
    for line in data["duplicates"]:
        if whole := re.fullmatch(r"(.+) 与 (.+) 内容完全相同，其中的 (\d+) 张表只计一次，采用 (.+)", line):
            copy, used, forms, named = whole.groups()
            assert named == used, line
            out[("file", frozenset((copy, used)), used, int(forms))] += 1
            continue
        pairs = []
        for pair in re.split(r"；(?=[^；]+? 与 [^；]+? 重复，)", line.split("：", 1)[1]):
            copies, said = pair.split(" 重复，", 1)
            verb, used = said.split(" ", 1)
            copies = frozenset(copies.split(" 与 "))
            # the copy used, then why as a clause (，因其文件修改时间较晚) and whether they differ (；两份金额不同):
            # never in brackets after it, where a copy's file may end in brackets of its own, 某校（更正）.xlsx
            [counted] = [c for c in copies if used == c or used.startswith((f"{c}，", f"{c}；"))]
            pairs.append((copies, verb, counted))
        form = set().union(*(copies for copies, _, _ in pairs))
        assert not form & seen, line  # each form in one line
        seen |= form
        lost = {c for copies, _, used in pairs for c in copies - {used}}
        for copies, verb, used in pairs:
            assert verb == ("先采用" if used in lost else "采用"), line
        out[(len(pairs), frozenset(form), frozenset(form - lost))] += 1
    return out


def findings(data: dict) -> Counter:
    """The diagnostics as (file name, sheet, cell, code): the folders the files were read from apart."""
    return Counter((Path(d["file"]).name if d["file"] else None, d["sheet"], d["cell"], d["code"])
                   for d in data["diagnostics"])


def statuses(data: dict) -> dict:
    return {Path(f["path"]).name: (f["status"], f["forms"]) for f in data["files"]}


# ---------------------------------------------------------------------------------------------------------------
# 1. Order independence.
# ---------------------------------------------------------------------------------------------------------------

# By design (aggregate) of two identical files the one named as the other's copy gives way; of two named
# otherwise the first met counts: the same amounts, but which file is listed as used follows the order. Copies
# here are named as copies are.
COPY_NAMES = ("{} - 副本.xlsx", "{}(1).xlsx", "复制 {}.xlsx", "重复提交{}.xlsx")


def inbox(rng: random.Random, folder: Path) -> tuple[Department, list[Path]]:
    """A department's units' files, with what arrives besides them: an identical copy of a unit's file under
    another name, and a unit's correction sent later, often of that unit (each of them some of the time)."""
    department = Department(*DEPARTMENTS[0], random_units(rng, rng.randint(3, 6)))
    add_strays(rng, department.units)
    if rng.random() < 0.2:
        rng.choice(department.units).months = MONTHS - 1
    paths = write_department(folder, department)
    return department, paths + sent_again(rng, folder, department, 0.6)


def sent_again(rng: random.Random, folder: Path, department: Department, chance: float) -> list[Path]:
    """What arrives besides a department's units' files, each with the chance given: an identical copy of a unit's
    file under another name, and a unit's correction sent later, often of that unit."""
    paths = []
    copied = rng.choice(department.units)
    if rng.random() < chance:
        copy = folder / rng.choice(COPY_NAMES).format(Path(copied.file).stem)
        (shutil.copy2 if rng.random() < 0.5 else shutil.copy)(folder / copied.file, copy)  # its time kept, or now
        paths.append(copy)
    if rng.random() < chance:
        unit = copied if rng.random() < 0.5 else rng.choice(department.units)
        paths.append(write_unit(folder, corrected(rng, unit, EPOCH + 3600), department.label))
    return paths


def assert_same_outcome(got: dict, expected: dict, context: str) -> None:
    assert_same_figures(got, expected, context)
    assert duplicate_lines(got) == duplicate_lines(expected), context
    assert statuses(got) == statuses(expected), context
    assert findings(got) == findings(expected), context


@pytest.mark.parametrize("seed", seeds(8, 1))
def test_the_order_the_files_are_given_in_changes_nothing(tmp_path, seed):
    rng = random.Random(seed)
    _, paths = inbox(rng, tmp_path / "in")
    given = consolidate(*paths, output=tmp_path / "out" / "given.xlsx")
    shuffled = rng.sample(paths, len(paths))
    assert_same_outcome(consolidate(*shuffled, output=tmp_path / "out" / "shuffled.xlsx"), given,
                        f"seed {seed}: {[p.name for p in shuffled]}")
    assert_same_outcome(consolidate(tmp_path / "in", output=tmp_path / "out" / "folder.xlsx"), given,
                        f"seed {seed}: one folder")
    halves = [tmp_path / "a", tmp_path / "b"]
    for half in halves:
        half.mkdir()
    for path in paths:
        shutil.copy2(path, rng.choice(halves) / path.name)
    rng.shuffle(halves)
    assert_same_outcome(consolidate(*halves, output=tmp_path / "out" / "halves.xlsx"), given,
                        f"seed {seed}: two folders, {[sorted(p.name for p in h.iterdir()) for h in halves]}")


# ---------------------------------------------------------------------------------------------------------------
# 2. A bureau's summary of its departments' summaries is the summary of all their units' files.
# ---------------------------------------------------------------------------------------------------------------

def partition(rng: random.Random, units: list[Unit], parts: int) -> list[list[Unit]]:
    """units in `parts` non-empty groups, at random."""
    shuffled = rng.sample(units, len(units))
    cuts = sorted(rng.sample(range(1, len(units)), parts - 1))
    return [shuffled[a:b] for a, b in zip([0, *cuts], [*cuts, len(units)])]


@dataclass
class Bureau:
    """Departments' folders of units' files, and the corrections units sent the bureau straight."""

    folders: list[Path]
    straight: list[Path]


NAMESAKE = "机关服务中心"  # a unit of that name in several departments: two units, told apart by their 主管部门
NAMESAKE_PROJECT = ("it_maintenance",)


def bureau_inbox(rng: random.Random, root: Path) -> Bureau:
    """2-3 departments of the units, each in its folder with its own 主管部门 and unit codes, some of the time each
    with a unit of one name; now and then a unit's correction, sent later straight to the bureau, and perhaps also
    to its department before the summary."""
    units = random_units(rng, rng.randint(4, 8))
    for unit in rng.sample(units, rng.choice((0, 0, 0, 0, 0, 0, 1, 1, 2, 3))):
        unit.months = MONTHS - 1
    groups = partition(rng, units, rng.randint(2, 3))
    departments = [Department(*DEPARTMENTS[i], group) for i, group in enumerate(groups)]
    for department in departments:
        for unit in department.units:
            unit.code = department.code + unit.code[-3:]
        # By design (names.Units) a 主管部门 tells namesakes apart only where another unit's forms of the period
        # name it: consolidating all units' files, a department whose other units filed another period only has
        # its namesake taken for another department's (one unit fewer), where its summary tells it apart.
        if rng.random() < 0.4 and any(u.months == MONTHS for u in department.units):
            projects = random_projects(rng, NAMESAKE, rng.randint(1, 3), NAMESAKE_PROJECT)  # as each one's is
            department.units.append(replace(random_units(rng, 1)[0], name=NAMESAKE, file="", projects=projects,
                                            code=department.code + "099"))
        add_strays(rng, department.units)
        if rng.random() < 0.4:  # a folder a unit, each unit's file named as the form asks: 监控表.xlsx
            for unit in department.units:
                unit.file = f"{unit.name}/监控表.xlsx"
                # By design (run.skip_own_summaries) a file whose forms name no unit is known by its name alone:
                # another unit's 监控表.xlsx beside the department's summary would be taken for it.
                unit.unnamed = False
    folders = []
    for department in departments:
        folders.append(root / "units" / department.name)
        write_department(folders[-1], department)
    straight = []
    for department in departments:
        # By design (FormRecord.key) a form naming no unit is never taken for another file's: consolidating all
        # units' files, a correction of it is a project more, where beside the department's summary it makes
        # the summary last time's (skipped). Only units that name themselves send corrections here.
        named = [u for u in department.units if not u.unnamed]
        if named and rng.random() < 0.5:
            unit = rng.choice(named)
            fixed = corrected(rng, unit, EPOCH + 3600 + len(straight), rng.random() < 0.3)
            straight.append(write_unit(root / "straight" / department.name, fixed, department.label))
            if rng.random() < 0.5:  # the department had it too, in time for its summary
                shutil.copy2(straight[-1], folders[departments.index(department)] / fixed.file)
    return Bureau(folders, straight)


def department_summaries(bureau: Bureau, root: Path) -> list[tuple[Path, dict]]:
    return [(out, consolidate(folder, output=out)) for folder in bureau.folders
            for out in [root / "summaries" / f"{folder.name}汇总.xlsx"]]


def bureau_folder(root: Path, summaries: list[Path], straight: list[Path], sent: Path) -> Path:
    """The bureau's inbox: the departments' summaries, and beside them the corrections units sent it, each
    department's in a folder of its own (two units of one name send files of one name); sent: where those are."""
    for path in [*summaries, *straight]:
        place = root / (path.relative_to(sent) if path in straight else path.name)
        place.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, place)
    return root


@pytest.mark.parametrize("seed", seeds(10, 2))
def test_a_bureaus_summary_of_its_departments_summaries_is_that_of_all_their_units(tmp_path, seed):
    rng = random.Random(seed)
    bureau = bureau_inbox(rng, tmp_path)
    direct = consolidate(*bureau.folders, *bureau.straight, output=tmp_path / "out" / "direct.xlsx")
    summaries = department_summaries(bureau, tmp_path)
    for way, inputs in bureau_ways(rng, bureau, [path for path, _ in summaries], tmp_path):
        up = consolidate(*inputs, output=tmp_path / "out" / f"{way}.xlsx")
        if len({json.dumps(d["period"]) for d in (direct, up, *(data for _, data in summaries))}) > 1:
            # By design (periods.majority_period, off_period_finding): each consolidation takes the period most of its
            # units report, and a department's summary of another period than the bureau's is for the department
            # to make again, left out whole; the forms of the bureau's period that the department left out for
            # theirs are in no file the bureau has, and a unit's forms the department left out vote for no period
            # up there. Only what the bureau says is checked: K001, or K018 where the forms of the bureau's period
            # that the unit sent it straight stand for all of the summary's.
            stale = {str(path) for path, data in summaries if data["period"] != up["period"]}
            assert stale <= {d["file"] for d in up["diagnostics"] if d["code"] in ("K001", "K018")}, f"seed {seed}"
            return
        assert_same_figures(up, direct, f"seed {seed}: {way}, {[Path(p).name for p in inputs]}")


def bureau_ways(rng: random.Random, bureau: Bureau, summaries: list[Path], root: Path):
    """(name, inputs) of each way the bureau may consolidate what it was sent, one after the other (the later ones
    take the earlier ones' summaries, root / "out" / f"{name}.xlsx"): the departments' summaries and the
    corrections sent straight, named in any order or in an inbox folder; some departments' summaries and the
    others' units' files; the summaries and every unit's file; the bureau's summary a level up, alone and with
    departments' summaries it holds already."""
    given = [*summaries, *bureau.straight]
    yield "bureau", rng.sample(given, len(given))
    yield "inbox", [bureau_folder(root / "局收件", summaries, bureau.straight, root / "straight")]
    some = rng.sample(range(len(summaries)), rng.randint(1, len(summaries) - 1))
    yield "mixed", [*(summaries[i] if i in some else bureau.folders[i] for i in range(len(summaries))),
                    *bureau.straight]
    yield "every", [*summaries, *bureau.folders, *bureau.straight]
    yield "province", [root / "out" / "bureau.xlsx"]
    yield "again", [root / "out" / "mixed.xlsx", *(summaries[i] for i in range(len(summaries)) if i not in some)]


# ---------------------------------------------------------------------------------------------------------------
# 3. A summary consolidated alone is itself.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(4, 3))
def test_a_summary_consolidated_alone_gives_its_own_figures(tmp_path, seed):
    rng = random.Random(seed)
    _, paths = inbox(rng, tmp_path / "in")
    summary = tmp_path / "out" / "部门汇总.xlsx"
    own = consolidate(*paths, output=summary)
    again = consolidate(summary, output=tmp_path / "up" / "局汇总.xlsx")
    assert_same_figures(again, own, f"seed {seed}")
    assert again["duplicates"] == [] and again["period"] == own["period"]
    assert_same_figures(consolidate(tmp_path / "up" / "局汇总.xlsx", output=tmp_path / "top" / "省汇总.xlsx"),
                        own, f"seed {seed}: two levels up")


@pytest.mark.parametrize("seed", seeds(3, 6))
def test_last_times_summary_beside_the_units_files_changes_nothing(tmp_path, seed):
    """The add-in writes a department's summary beside its units' files; made again, from the folder, with a
    unit's correction come since or not, the earlier one is skipped."""
    rng = random.Random(seed)
    folder = tmp_path / "in"
    department, _ = inbox(rng, folder)
    first = consolidate(folder, output=folder / "部门汇总.xlsx")
    second = consolidate(folder, output=folder / "部门汇总（2）.xlsx")
    assert statuses(second).pop("部门汇总.xlsx")[0] == "rejected"
    assert_same_outcome(units_only(second), first, f"seed {seed}")
    unit = rng.choice(department.units)
    write_unit(folder, replace(corrected(rng, unit, EPOCH + 7200), file=f"{unit.name}（再更正）.xlsx"), department.label)
    units = [p for p in folder.iterdir() if not p.name.startswith("部门汇总")]
    expected = consolidate(*units, output=tmp_path / "out" / "expected.xlsx")
    again = consolidate(folder, output=folder / "部门汇总.xlsx")
    assert statuses(again)["部门汇总（2）.xlsx"][0] == "rejected"
    assert_same_outcome(units_only(again), expected, f"seed {seed}: a correction since")


def units_only(data: dict) -> dict:
    """The outcome, the summaries in the folder (skipped) left out of its files."""
    return {**data, "files": [f for f in data["files"] if not Path(f["path"]).name.startswith("部门汇总")]}


# ---------------------------------------------------------------------------------------------------------------
# 4. A summary's sheets say what its JSON says.
# ---------------------------------------------------------------------------------------------------------------

DETAIL_AMOUNTS = {"carryover": "上年结转", "current": "本年预算", "subtotal": "小计", "issued": "下达数",
                  "spent": "支出数", "forecast": "全年预计支出数"}
OVERVIEW_COLUMNS = ("carryover", "current", "subtotal", "issued", "issue_rate", "spent", "spend_progress",
                    "forecast")
GRADE_TEXT = {"绿灯": "green", "黄灯": "yellow", "红灯": "red"}


def detail_rows(path: Path) -> list[dict]:
    """项目明细's project rows by header (a bureau's has a 主管部门 column more)."""
    rows = list(load_workbook(path, read_only=True)[SHEETS[1]].iter_rows(values_only=True))
    header = rows[0]
    assert set(DETAIL_HEADERS) <= set(header)
    return [dict(zip(header, row)) for row in rows[1:] if row[0] is not None]


def overview_total(path: Path) -> dict:
    """汇总表's 资金总额 row, and its count of projects by grade."""
    rows = list(load_workbook(path, read_only=True)[SHEETS[0]].iter_rows(values_only=True))
    total = next(row for row in rows if row[0] == L.TOTAL_ROW)
    grades = next(row for row in rows if row[0] == "项目评级")
    return {**dict(zip(OVERVIEW_COLUMNS, total[1:9])),
            "grades": {GRADE_TEXT[grades[c]]: grades[c + 1] for c in (1, 3, 5)}}


def assert_consistent(path: Path, data: dict, context: str) -> None:
    """The JSON's totals are 项目明细's columns summed, its rates those of the sums, and 汇总表 says the same."""
    rows = detail_rows(path)
    totals = data["totals"]
    assert len(rows) == data["projects"], context
    for field_, header in DETAIL_AMOUNTS.items():
        assert totals[field_] == pytest.approx(sum(r[header] or 0.0 for r in rows), abs=1e-4), (context, field_)
    assert totals["issue_rate"] == pytest.approx(totals["issued"] / totals["current"], abs=1e-4), context
    assert totals["spend_progress"] == pytest.approx(totals["spent"] / totals["subtotal"], abs=1e-4), context
    graded = Counter(GRADE_TEXT[r["综合评级"]] for r in rows if r["综合评级"])
    assert data["grades"] == {g: graded.get(g, 0) for g in ("green", "yellow", "red")}, context
    shown = overview_total(path)
    assert shown.pop("grades") == data["grades"], context
    assert shown == pytest.approx(totals, abs=1e-4), context
    if all(r["单位"] for r in rows):  # (forms naming no unit are told apart by their files)
        assert len({(unit_parts(r["单位"])[0], r.get("主管部门")) for r in rows}) == data["units"], context


@pytest.mark.parametrize("seed", seeds(4, 4))
def test_a_summarys_sheets_add_up_to_its_totals(tmp_path, seed):
    rng = random.Random(seed)
    bureau = bureau_inbox(rng, tmp_path)
    for path, data in department_summaries(bureau, tmp_path):
        assert_consistent(path, data, f"seed {seed}: {path.name}")
    out = tmp_path / "out" / "bureau.xlsx"
    assert_consistent(out, consolidate(*bureau.folders, *bureau.straight, output=out), f"seed {seed}: bureau")


# ---------------------------------------------------------------------------------------------------------------
# 5. A file sent twice counts once: a copy changes nothing, a correction changes what it changed.
# ---------------------------------------------------------------------------------------------------------------

def spent_of(unit: Unit) -> float:
    return sum(p.total().spent or 0 for p in unit.projects) / 100


def sent_once(rng: random.Random, folder: Path) -> tuple[Department, dict]:
    """A department's units' files, each sent once, and their summary."""
    department = Department(*DEPARTMENTS[0], random_units(rng, rng.randint(2, 5)))
    for unit in department.units:
        unit.hidden_old = False  # a file's own duplicate: the count of K002 below is of the copies sent
        # By design (FormRecord.key) a form naming no unit is never taken for another file's: a correction of it
        # is a project more.
        unit.unnamed = False
    write_department(folder, department)
    base = consolidate(folder, output=folder.parent / "out" / "base.xlsx")
    assert base["duplicates"] == []
    return department, base


def forms_of(unit: Unit) -> int:
    return len(unit.projects) + unit.overall


@pytest.mark.parametrize("seed", seeds(5, 5))
def test_a_copy_of_a_units_file_changes_nothing_but_is_named_once(tmp_path, seed):
    """Named once as a file where it holds several forms (K002 of the file, one line), else once as its form."""
    rng = random.Random(seed)
    department, base = sent_once(rng, tmp_path / "in")
    unit = rng.choice(department.units)
    copy = tmp_path / "in" / rng.choice(COPY_NAMES).format(Path(unit.file).stem)
    (shutil.copy2 if rng.random() < 0.5 else shutil.copy)(tmp_path / "in" / unit.file, copy)
    copied = consolidate(tmp_path / "in", output=tmp_path / "out" / "copied.xlsx")
    assert_same_figures(copied, base, f"seed {seed}: {copy.name}")
    k002 = [d for d in copied["diagnostics"] if d["code"] == "K002"]
    assert len(copied["duplicates"]) == len(k002) == 1, f"seed {seed}"
    if forms_of(unit) > 1:
        assert copied["duplicates"] == [f"{copy.name} 与 {unit.file} 内容完全相同，其中的 {forms_of(unit)} 张表只计一次，"
                                        f"采用 {unit.file}"], f"seed {seed}"
        assert copied["duplicate_files"] == 1 and k002[0]["sheet"] is None, f"seed {seed}"
        assert k002[0]["file"].endswith(copy.name) and f"该文件的 {forms_of(unit)} 张表在 {unit.file} 与 {copy.name} " \
            in k002[0]["message"], f"seed {seed}"
    else:
        assert copied["duplicates"][0].startswith(unit.name) and not copied["duplicate_files"], f"seed {seed}"
    assert statuses(copied)[copy.name] == ("rejected", 0) and statuses(copied)[unit.file][0] == "included"


@pytest.mark.parametrize("seed", seeds(6, 7))
def test_a_correction_sent_later_changes_the_totals_by_its_change_alone(tmp_path, seed):
    rng = random.Random(seed)
    folder = tmp_path / "in"
    department, base = sent_once(rng, folder)
    unit = rng.choice(department.units)
    copy = folder / rng.choice(COPY_NAMES).format(Path(unit.file).stem)
    (shutil.copy2 if rng.random() < 0.5 else shutil.copy)(folder / unit.file, copy)  # now: after the correction
    fixed = corrected(rng, unit, EPOCH + 7200)
    write_unit(folder, fixed, department.label)
    files = sorted(folder.iterdir())
    both = consolidate(*rng.sample(files, len(files)), output=tmp_path / "out" / "both.xlsx")
    assert both["totals"]["spent"] == pytest.approx(base["totals"]["spent"] + spent_of(fixed) - spent_of(unit),
                                                    abs=1e-4), f"seed {seed}"
    # each form sent three times is one line of its two pairs, the correction used in the end
    assert len(both["duplicates"]) == forms_of(unit), f"seed {seed}"
    assert all(line.count(" 重复，") == 2 and line.count("采用 ") == 2 and f"采用 {fixed.file}!" in line
               for line in both["duplicates"]), f"seed {seed}"
    assert statuses(both)[fixed.file] == ("included", forms_of(unit))
    assert statuses(both)[unit.file][0] == statuses(both)[copy.name][0] == "rejected"
    copy.unlink()
    (folder / unit.file).unlink()
    assert_same_figures(both, consolidate(folder, output=tmp_path / "out" / "alone.xlsx"), f"seed {seed}")
