"""From every file's records to the department's picture: one copy of each project, one period,
totals recomputed from summed amounts (never averaged), grades, and 重点监控 suggestions."""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .. import layout as L
from ..calc import DEPENDS, fmt_amount, ratio, time_progress
from ..diagnostics import make
from ..file_errors import readable
from ..grading import grade_funding
from ..grid import parse_address
from ..models import FundingRow
from ..profile import Profile
from ..text import label_key, nfkc, plain_number
from .names import Units, alike_names, department_groups, department_name, unit_key, with_units
from .records import AMOUNTS, OVERALL_NAME, PROJECT_CODE, FileOutcome, FormRecord, form_name
from .roster import compare_roster

if TYPE_CHECKING:
    from .carry import Carried
    from .edits import Column

LEVEL_CODES = ("K003", "K004", "K017")  # about one level's inputs as a whole (its roster, its departments): a
# summary's are not carried up, where they are said again of all the inputs
TOTAL_FIELDS = ("carryover", "current", "subtotal", "issued", "issue_rate", "spent", "spend_progress", "forecast")


@dataclass
class Totals:
    """One funding row summed over projects, with rates recomputed from the sums."""

    row: str
    carryover: float = 0.0
    current: float = 0.0
    issued: float = 0.0
    spent: float = 0.0
    forecast: float = 0.0
    subtotal: float = 0.0
    alone: float = 0.0  # 小计 typed without 上年结转 and 本年预算 (FormRecord.alone): in 小计 and 支出进度, not 下达率
    issue_rate: float | None = None
    spend_progress: float | None = None
    gap: float | None = None
    grade: str | None = None
    # what the rates divide: 下达数, 本年预算 over the projects where both are known, and 支出数, 上年结转,
    # 本年预算 over those where all three are
    rate_parts: list[float] = field(default_factory=lambda: [0.0] * 5)
    known: set[str] = field(default_factory=set)  # the amounts some part of which was read
    unknown: set[str] = field(default_factory=set)  # and those some part of which could not be

    def blank_unknown(self) -> None:
        """After finish: an amount none of whose parts could be read is unknown, not 0 (as a project's is), and
        so is a 小计 of it; in a unit's, a department's or a source's row alike."""
        blank = (self.unknown - self.known) & set(AMOUNTS)
        for name in blank:
            setattr(self, name, None)
        if blank & DEPENDS["subtotal"]:
            self.subtotal = None

    def add(self, values: list[float | None], unknown=(), alone: float | None = None) -> None:
        """values: [上年结转, 本年预算, 下达数, 支出数, 全年预计] (AMOUNTS), taken field by field by name: this runs for
        every row of every project, three times over (汇总表's sources, units and departments)."""
        carry, current, issued, spent, forecast = values
        known = self.known
        if carry is not None:
            self.carryover += carry
            known.add("carryover")
        if current is not None:
            self.current += current
            known.add("current")
        if issued is not None:
            self.issued += issued
            known.add("issued")
        if spent is not None:
            self.spent += spent
            known.add("spent")
        if forecast is not None:
            self.forecast += forecast
            known.add("forecast")
        self.unknown.update(unknown)
        self.alone += alone or 0.0
        carry, current, issued, spent = carry or 0.0, current or 0.0, issued or 0.0, spent or 0.0
        parts = self.rate_parts
        if not DEPENDS["issue_rate"].intersection(unknown) and not alone:
            parts[0] += issued
            parts[1] += current
        if not DEPENDS["spend_progress"].intersection(unknown):
            parts[2] += spent
            parts[3] += carry
            parts[4] += current + (alone or 0.0)

    def finish(self, months: int | None, profile: Profile) -> None:
        """Amounts are the sums of what could be read; each rate leaves out the projects whose amounts it
        needs are unknown (with none unknown, that is the rate of the summed amounts)."""
        self.subtotal = self.carryover + self.current + self.alone
        issued, current, spent, carry, current_spent = self.rate_parts
        self.issue_rate, self.spend_progress = ratio(issued, current), ratio(spent, carry + current_spent)
        tp = time_progress(months)
        self.gap = tp - self.spend_progress if tp is not None and self.spend_progress is not None else None
        row = FundingRow(block="source", row=self.row, spend_progress=self.spend_progress)
        self.grade = grade_funding(row, months, tp, profile)

    def as_dict(self) -> dict:
        return {f: getattr(self, f) for f in TOTAL_FIELDS}


@dataclass
class Focus:
    record: FormRecord
    reasons: list[str]
    handling: str


@dataclass
class Summary:
    year: int | None
    months: int | None
    time_progress: float | None
    files: list[FileOutcome]
    projects: list[FormRecord]
    overall: list[FormRecord]
    rows: list[Totals]
    by_unit: list[Totals]
    grades: dict[str, int]
    focus: list[Focus]
    duplicates: list[str]
    missing_units: list[str]
    diagnostics: list[dict] = field(default_factory=list)
    included_forms: dict[str, int] = field(default_factory=dict)
    unlisted_units: list[str] = field(default_factory=list)  # units that reported but are not on the roster
    roster: list[str] = field(default_factory=list)
    carried: Carried | None = None  # the department's completed 部门整体 from an earlier summary
    annotations: list[Column] = field(default_factory=list)  # the department's own columns of its earlier summary
    departments: list[tuple[str, list[str]]] = field(default_factory=list)  # 主管部门 the project forms name, with
    # their units (names.with_units); several in a bureau's summary
    by_department: list[Totals] = field(default_factory=list)  # a bureau's: when the forms name several 主管部门
    department_of: dict[str, str] = field(default_factory=dict)  # a bureau's: each spelling of 主管部门 the project
    # forms use → the department as departments names it (department_for)
    other_period: dict[str, str] = field(default_factory=dict)  # missing units that sent forms of another period
    overall_other_period: list[FormRecord] = field(default_factory=list)  # 部门整体 forms left out for their period
    others: list[str] = field(default_factory=list)  # files in the input folders that are no workbook, not read

    @property
    def total(self) -> Totals:
        return self.rows[0]

    @property
    def other_period_note(self) -> str:
        """What follows the count of missing units where some of them sent forms of another period only."""
        return f"（其中 {len(self.other_period)} 个报送的是其他期间的表）" if self.other_period else ""

    @property
    def unclear(self) -> int:
        """The projects holding an amount that could not be read (N001, N004, N006), which the rates leave out."""
        return sum(r.unread() for r in self.projects)

    @property
    def apart(self) -> int:
        """The forms whose amounts look typed in 元 against the other units' (K019), which the totals count as typed."""
        return sum(d.get("code") == "K019" for d in self.diagnostics)

    @property
    def units(self) -> list[str]:
        """The units with projects, each once however its name is spaced or bracketed (Units.names: as first
        written, with its code where one name is several units)."""
        return list(self.unit_ids.names(self.projects).values())

    @cached_property
    def department(self) -> str:
        """The department the summary is of (names.department_name of its forms), worked out once: its title, the
        heading of every printed page and 部门整体's header all name it."""
        return department_name((*self.projects, *self.overall))

    @cached_property
    def unit_ids(self) -> Units:
        """Which of the names the summary's forms write are one unit (aggregate sets the one it counted by)."""
        return Units([*self.projects, *self.overall])

    def department_for(self, record: FormRecord) -> str | None:
        """A bureau's: the department a project form names, as departments names it; for a unit's 部门整体 form,
        which names the unit itself as 主管部门（单位）, the department its unit's projects name. None in a
        department's summary, of one department."""
        if record.kind == "project" or not self.department_of:
            return self.department_of.get(record.department or "")
        return self._unit_departments.get(self.unit_ids.of(record))

    @cached_property
    def _unit_departments(self) -> dict[tuple, str]:
        """Each unit (Units: 某校（101001004） is 某校; 机关服务中心（101003） is not 机关服务中心（102003）) → the
        department its projects name."""
        found: dict[tuple, str] = {}
        for r in self.projects:
            if (name := self.department_of.get(r.department or "")) is not None:
                found.setdefault(self.unit_ids.of(r), name)
        return found


def shown_names(paths: Iterable[str]) -> dict[str, str]:
    """Each input by its file name or, where inputs share one (一科 and 二科 each sent 某市第一中学.xlsx), by as
    many of its last folders as tell it apart."""
    parts = {p: Path(p).parts for p in paths}
    shown: dict[str, str] = {}
    for depth in range(1, max(map(len, parts.values()), default=0) + 1):
        tails = Counter(parts[p][-depth:] for p in parts)
        for p in parts:
            if p not in shown and (tails[parts[p][-depth:]] == 1 or depth >= len(parts[p])):
                shown[p] = readable(str(Path(*parts[p][-depth:])))
    return shown


def _duplicate_form(record: FormRecord) -> str:
    """What K002 says was sent twice: 项目“校舍维修改造项目”（某市第一中学）, or a unit's 部门整体 form by its unit
    (某市第一中学的部门整体表), not 项目“（部门整体支出）”, which it is not."""
    unit = record.unit or "未填单位"
    if record.kind != "project":
        return f"{unit}的部门整体表"
    return f"项目“{form_name(record) or record.sheet}”（{unit}）"


def _place(record: FormRecord, shown: dict[str, str]) -> str:
    """file!sheet of a form; for one read back from a summary, the summary and the file it came from."""
    name = shown[record.file]
    if record.source and record.source != record.file:
        return f"{name}{_came_from(record)}"
    return f"{name}!{record.sheet}{_rows(record)}"


def _came_from(record: FormRecord) -> str:
    """Where a form read back from a summary came from: （汇总自 某校.xlsx!表1）."""
    return f"（汇总自 {readable(Path(record.source or record.file).name)}!{record.sheet}{_rows(record)}）"


def _rows(record: FormRecord) -> str:
    return f"第 {record.place[0] + 1} 行起" if record.place else ""


def majority_period(records: list[FormRecord], ids: Units | None = None) -> tuple[int | None, int | None]:
    """The period most units report: a unit counts once, for the latest period of its forms, however many it sent
    (its earlier months, a yearly workbook's sheets or last month's files left in the folder, are copies kept,
    K018: six units of ten having sent 1-6月 into the folder holding everyone's 1-5月 is a 1-6月 summary); forms
    naming no unit count by file. A form that states no year (S103) counts for every year of its months, as it
    joins whichever is chosen. ids: Units of the records, where made already."""
    ids = ids if ids is not None else Units(records)
    latest: dict[object, tuple[int | None, int]] = {}
    for r in records:
        if r.months is not None:
            who = key if (key := ids.of(r))[0] else r.file
            if who not in latest or (r.year or 0, r.months) > (latest[who][0] or 0, latest[who][1]):
                latest[who] = (r.year, r.months)
    units = {(who, year, months) for who, (year, months) in latest.items()}
    if not units:
        return None, None
    unread = Counter(m for _, y, m in units if y is None)
    periods = Counter((y, m) for _, y, m in units if y is not None)
    votes = {p: n + unread[p[1]] for p, n in periods.items()}
    votes.update({(None, m): n for m, n in unread.items() if not any(p[1] == m for p in periods)})
    best = max(votes.values())
    # a tie goes to the later period
    return max((p for p, n in votes.items() if n == best), key=lambda p: (p[0] or 0, p[1]))


def in_period(record: FormRecord, year: int | None, months: int | None) -> bool:
    return record.months == months and (record.year is None or record.year == year)


def same_project(record: FormRecord, found: tuple[tuple, tuple], aliases: dict[tuple, tuple],
                 coded: dict[tuple, str]) -> tuple:
    """The key the record's project is kept by: that of a form read before of the same unit (Units) and the same
    code, or of the same names when one of the two gives no code (某项目（110101…123） of 某校（101001001） re-sent as
    某项目 of 某校) or both give the same (of 某校 re-sent as of 某校（101001001））; two forms giving two codes, of
    projects or of units (机关服务中心（101003） and （102003）, of two departments), are two, whatever their names. A
    form of none read before: its own key() (of its unit). `found` is the record's project_aliases, `aliases` those
    of each form read before, `coded` the code some form of each key's project gives."""
    exact, named = found
    if exact in aliases:
        return aliases[exact]
    other = aliases.get(named)
    if other is None:
        return exact
    if record.kind != "project" or record.code is None or coded.get(other, record.code) == record.code:
        return other
    return exact


def project_aliases(record: FormRecord, unit: tuple) -> tuple[tuple, tuple]:
    """What finds a form's project among those read before: key() and name_key(), each of the form's unit (two
    forms naming 机关服务中心 may be of two units); the first is the key a project of none read before is kept by."""
    return (*record.key(), unit), ("name", *record.name_key(), unit)


def own_department(record: FormRecord, key: tuple, departments: dict[tuple, list[tuple[set[str], tuple]]]) -> tuple:
    """The key a department's own 部门整体 (read from its summary: FormRecord.units) is kept by. Two of one name are one
    department's (its summary sent again, or corrected) when their summaries share a unit; with none shared they are
    two departments' (two sub-departments keeping the 主管部门 line xlmon pre-filled, 某局（101001）, each completing
    its own), each counted. departments: the keys given so far, each with the units of the forms kept by it."""
    mine = {unit_key(u) for u in record.units or ()}
    known = departments.setdefault(key, [])
    for units, given in known:
        if units & mine:
            units |= mine
            return given
    given = (key[0], f"{key[1]}\0{len(known)}") if known else key
    known.append((mine, given))
    return given


def _owners(records: list[FormRecord], units: Units) -> dict[str, set[tuple]]:
    """Whose each unit's file is (a form read from a summary: the file it came from): the one unit whose forms it
    holds; of several (a copy of another unit's form kept beside its own), those its file's name names where they
    are one name (namesakes told apart: a unit writing its code on its 部门整体 form alone is two by its forms), else
    the one with more forms there than any other; none where nothing tells. A form leaving 预算单位 blank names none,
    but is its file's own unit's: a copy of another unit's form beside it makes the file no more that unit's."""
    forms: dict[str, Counter] = {}
    names: dict[tuple | None, str] = {None: ""}
    for r in records:
        unit = units.of(r) if r.unit else None
        forms.setdefault(r.source or r.file, Counter())[unit] += 1
        if unit not in names:
            names[unit] = unit_key(r.unit)
    owners: dict[str, set[tuple]] = {}
    for path, found in forms.items():
        stem = label_key(Path(path).stem)
        named = [unit for unit in found if names[unit] and names[unit] in stem]
        (most, n), *rest = found.most_common(2)
        owners[path] = (set(named) if named and len({names[u] for u in named}) == 1
                        else {most} if most and (not rest or rest[0][1] < n) else set())
    return owners


def aggregate(outcomes: list[FileOutcome], profile: Profile, roster: list[str] | None = None) -> Summary:
    diagnostics: list[dict] = []
    dropped: set[tuple] = set()  # FormRecord.where() of forms left out: their findings are moot
    candidates = [r for o in outcomes if o.status == "included" for r in o.records]
    # one unit from month to month, however each month's forms write it (its code in May's, not in June's)
    every = Units(candidates)
    year, months = majority_period(candidates, every)
    majority = L.period(year, months)
    kept: dict[tuple, FormRecord] = {}
    dated = _dated(candidates, {o.path: o.modified for o in outcomes})
    sha = {o.path: o.sha256 for o in outcomes}
    shown = shown_names(o.path for o in outcomes)
    kept_overall: dict[tuple, FormRecord] = {}
    duplicates: list[str] = []
    included = Counter()
    off_period: dict[str, set[str]] = {}  # file → the periods of its forms left out for their period
    earlier: dict[str, set[str]] = {}  # file → the periods of its forms left out as earlier months kept (K018)
    stale: dict[str, list[tuple[str, str]]] = {}  # a summary → (period, the file that counts) of each such form
    overall_off: list[FormRecord] = []  # the 部门整体 forms among them
    repeated: set[str] = set()  # files with a form left out as another file's duplicate
    said: list[tuple[FormRecord, dict]] = []  # the K018 and K001 of units' forms, with their forms (_copies_said)
    aliases: dict[tuple, tuple] = {}  # project_aliases of each form → the key its project is kept by
    coded: dict[tuple, str] = {}  # the keys of projects some form of which gives a code → that code
    read = [r for r in candidates if r.months is None or in_period(r, year, months)]
    units = Units(read)
    departments: dict[tuple, list[tuple[set[str], tuple]]] = {}  # own_department's: by key, the departments' units
    owners: dict[str, set[tuple]] | None = None  # _owners, once a project is found twice
    current: dict[tuple, list[FormRecord]] = {}  # a yearly workbook keeps a sheet a month: 1月 … 6月
    sent: dict[tuple, list[FormRecord]] = {}  # and a folder last month's files
    reporting = set()  # the units that sent forms of the period
    for r in read:
        current.setdefault(_sheet_of_month(r), []).append(r)
        sent.setdefault(_form_of_month(r, every), []).append(r)
        reporting.add(_unit_or_file(r, every))
    for record in candidates:
        if record.months is not None and not in_period(record, year, months):
            found = L.period(record.year, record.months)
            same = now = None
            earlier_month = bool(year and months) and (record.year or year, record.months) < (year, months)
            if earlier_month:
                same = _month_of(record, current.get(_sheet_of_month(record), []))
                now = None if same else _month_of(record, sent.get(_form_of_month(record, every), []))
            if same or now:
                if record.source and record.source != record.file:  # said once of the summary, below
                    stale.setdefault(record.file, []).append((found, record.file if same else now.file))
                else:
                    where = f"同一文件的工作表“{same.sheet}”" if same else f"“{_place(now, shown)}”"
                    diagnostics.append(make("K018", file=record.file, sheet=record.sheet, cell=record.period_cell,
                                            form="该表", found=found, current=where, same="同一张表",
                                            majority=majority).model_dump())
                    said.append((record, diagnostics[-1]))
                earlier.setdefault(record.file, set()).add(found)
                dropped.add(record.where())
                continue
            diagnostics.append(_off_period(record, found, majority,
                                           earlier_month and _unit_or_file(record, every) in reporting))
            if not (record.source and record.source != record.file):
                said.append((record, diagnostics[-1]))
            dropped.add(record.where())
            off_period.setdefault(record.file, set()).add(found)
            if record.kind == "department":
                overall_off.append(record)
            continue
        target = kept if record.kind == "project" else kept_overall
        found = project_aliases(record, units.of(record))
        key = same_project(record, found, aliases, coded)
        for alias in found:
            aliases.setdefault(alias, key)
        if record.kind == "project" and record.code:
            coded.setdefault(key, record.code)
        if record.units:
            key = own_department(record, key, departments)
        if key in target:
            first = target[key]
            hidden = first.hidden != record.hidden  # one is on a sheet hidden in Excel: the visible one counts
            copies = not hidden and first.file != record.file and sha[first.file] == sha[record.file]
            saved = [_saved(r) for r in (first, record)]
            by_saving = None not in saved and saved[0] != saved[1]
            times = saved if by_saving else [dated(r) for r in (first, record)]
            if owners is None:
                owners = _owners(read, units)
            home = [units.of(r) in owners.get(r.source or r.file, ()) for r in (first, record)]
            stray = not hidden and not copies and home[0] != home[1]  # one is in another unit's file
            later = not hidden and not copies and not stray and None not in times and times[0] != times[1]
            # of two identical files, not the one named as the other's copy (“X - 副本”, “X(1)”, “Copy of X”)
            original = copies and _copy_of(Path(first.file).stem, Path(record.file).stem)
            # of two sent at one time (uploads without their times), the unit's own file before a summary's copy
            carried = [bool(r.source and r.source != r.file) for r in (first, record)]
            direct = not hidden and not copies and not later and carried[0] != carried[1]
            used, other = ((record, first) if (first.hidden if hidden else home[1] if stray else original
                                               or later and times[1] > times[0] or direct and carried[0])
                           else (first, record))
            if used is record:
                target[key] = record
                included[first.file] -= 1
                included[record.file] += 1
            why = ("（另一份在隐藏工作表中）" if hidden else "（两个文件内容完全相同）" if copies
                   else "（单位自己的文件；另一份在其他单位的文件中）" if stray
                   else _saved_later(used, other) if later and by_saving else "（其文件修改时间较晚）" if later
                   else "（单位报送的文件，另一份取自汇总表）" if direct else "")
            differ = "；两份金额不同，请核实" if first.amounts != record.amounts else ""
            duplicates.append(f"{record.unit or ''}·{form_name(record) or record.sheet}：{_place(first, shown)} 与 "
                              f"{_place(record, shown)} 重复，采用 {_place(used, shown)}{why}{differ}")
            dropped.add(other.where())
            repeated.add(other.file)
            diagnostics.append(make("K002", file=other.file, sheet=other.sheet, form=_duplicate_form(other),
                                    first=_place(used, shown), why=why, second=_place(other, shown)).model_dump())
            continue
        target[key] = record
        included[record.file] += 1
    repeats = _copies_said(said, included)
    diagnostics[:] = [d for d in diagnostics if id(d) not in repeats]
    for path, forms in stale.items():  # an earlier month's summary beside this month's: one note, not one a form
        later = "、".join(dict.fromkeys(f"“{shown[f]}”" for _, f in forms))
        diagnostics.append(make("K018", file=path, form=f"该汇总表中的 {len(forms)} 张表",
                                found="、".join(sorted({f for f, _ in forms})), current=later, same="这些表",
                                majority=majority).model_dump())
    for key, record, cover in _covered(kept_overall, units):  # a unit's own form, sent too, is in its department's
        del kept_overall[key]
        included[record.file] -= 1
        dropped.add(record.where())
        repeated.add(record.file)
        why = f"（{cover.unit or '部门'}填写的部门整体表已含该单位）"
        duplicates.append(f"{record.unit or ''}·{OVERALL_NAME}：{_place(cover, shown)} 与 {_place(record, shown)} "
                          f"重复，采用 {_place(cover, shown)}{why}")
        diagnostics.append(make("K002", file=record.file, sheet=record.sheet, form=_duplicate_form(record),
                                first=_place(cover, shown), why=why, second=_place(record, shown)).model_dump())
    moot = _moot(dropped, candidates)
    again = _said_again(outcomes, [*kept.values(), *kept_overall.values()])
    kept_whole = {path for path in stale if not included[path] and path not in off_period}
    diagnostics[:0] = [dict(d, file=d.get("file") or o.path) for o in outcomes for d in o.diagnostics
                       if not moot(o.path, d) and not (o.summary and _not_carried(d.get("code"), o.path in off_period,
                                                                                  o.path in kept_whole))
                       and not again(o, d)]
    for o in outcomes:
        if o.status == "included" and not included[o.path]:
            o.status, o.reason = "rejected", _left_out(off_period.get(o.path), o.path in repeated, majority,
                                                       earlier.get(o.path))
            o.earlier = o.path in earlier and o.path not in off_period and o.path not in repeated
    projects = list(kept.values())
    rows = source_rows(projects, months, profile)
    # told apart as the summary lists them; the forms read (those the kept ones replaced too) show whose a
    # correction naming no department is
    kept_units = Units([*projects, *kept_overall.values()], read)
    for kind in (projects, list(kept_overall.values())):
        diagnostics += _apart(kind, kept_units, profile, diagnostics)
    by_unit = _by_unit(projects, months, profile, kept_units)
    grades = Counter(r.grade for r in projects if r.grade)
    # the forms left out for their period, here and in the summaries read (the K001s they carry up)
    left = [(d.get("unit"), d.get("department"), d["period"]) for d in diagnostics
            if d.get("code") == "K001" and d.get("period")]
    missing, unlisted, other_period = compare_roster(roster or [], [*projects, *kept_overall.values()], left)
    diagnostics += [make("K003", unit=u, sent=_sent(other_period.get(u), majority),
                         hint=_hint("已报送的", alike_names(u, unlisted))).model_dump() for u in missing]
    diagnostics += [make("K004", file=f, unit=u, hint=_hint("名单中未报送的", alike_names(u, missing),
                                                              "；请核对单位名称，或把该单位加入名单")).model_dump()
                    for u, f in unlisted.items()]
    groups = department_groups(projects)
    named = with_units(groups, kept_units)
    if len(named) > 1:
        listed = "；".join(f"{name}：{len(units)} 个单位（{'、'.join(units[:5])}{' 等' if len(units) > 5 else ''}）"
                           for name, units in named[:10])
        diagnostics.append(make("K017", count=len(named), departments=listed + ("；……" if len(named) > 10 else ""))
                           .model_dump())
    summary = Summary(year, months, time_progress(months), outcomes, projects, list(kept_overall.values()), rows,
                      by_unit, {g: grades.get(g, 0) for g in ("green", "yellow", "red")},
                      focus_list(projects, profile, apart_forms(diagnostics)), duplicates, missing, diagnostics,
                      dict(included), list(unlisted), list(roster or []))
    summary.other_period, summary.unit_ids, summary.overall_other_period = other_period, kept_units, overall_off
    summary.departments, summary.by_department = named, _by_department(groups, projects, months, profile)
    if len(groups) > 1:
        summary.department_of = {r.department: name for name, forms in groups for r in forms if r.department}
    return summary


def _apart(records: list[FormRecord], units: Units, profile: Profile, said: list[dict]) -> list[dict]:
    """K019: a form whose largest amount is a hundred times the median of other units' forms of its kind, and
    large, but under what R210 says of a form alone: typed in 元 (a 5 万元 project reads 5 亿元), it would outweigh
    the whole department in the totals. Compared with other units' forms only, so that a unit that typed all its
    forms in 元 does not hide itself; not said again of a form a summary read already said it of, which one level
    up is compared again, with every department's forms (a department all of whose units typed in 元)."""
    rules = profile.amounts
    limit = rules.department_max if records and records[0].kind == "department" else rules.project_max
    suspects = [r for r in records if r.largest and rules.apart_floor <= r.largest[0] < limit]
    if not suspects:
        return []
    already = apart_forms(said)
    unit_of = {id(r): _unit_or_file(r, units) for r in records if r.largest}
    found = []
    for r in suspects:
        if apart_place(r) in already:
            continue
        others = [o.largest[0] for o in records if o.largest and unit_of[id(o)] != unit_of[id(r)]]
        if len(others) < 3:
            continue
        median = float(statistics.median(others))
        value, column, cell = float(r.largest[0]), *r.largest[1:]
        if median > 0 and value >= rules.apart_times * median:
            found.append(make("K019", file=apart_place(r)[0], sheet=r.sheet, cell=cell, form=_duplicate_form(r),
                              field=column, value=fmt_amount(value), yi=plain_number(round(value / 10_000, 2)),
                              kind="个项目" if r.kind == "project" else "张部门整体表", count=len(others),
                              median=fmt_amount(median), times=f"{value / median:.0f}").model_dump())
    return found


def _unit_or_file(record: FormRecord, units: Units) -> object:
    """Whose a form is: its unit; a form naming none, its file's (FormRecord.unnamed), as two files leaving 预算单位
    blank are two units' forms."""
    unit = units.of(record)
    return unit if unit[0] else record.unnamed()


def _dated(records: list[FormRecord], modified: dict[str, float | None]) -> Callable[[FormRecord], float | None]:
    """When a form's file is dated where the workbooks' own save times do not tell two copies apart (_saved): by
    the earliest modification time of any copy of its very bytes (its SHA-256). A copy made later (the old mail's attachment saved again after the
    correction came) is the old file still; dated by itself, it would beat the correction or not by the order the
    three were met in. A form read from a summary is dated by its unit's file (FormRecord.modified)."""
    def own(r: FormRecord) -> float | None:
        return r.modified if r.modified is not None else modified.get(r.file)
    first: dict[str, float] = {}
    for r in records:
        if r.sha256 and (when := own(r)) is not None:
            first[r.sha256] = min(first.get(r.sha256, when), when)

    def when(r: FormRecord) -> float | None:
        return first.get(r.sha256, own(r)) if own(r) is not None else None
    return when


def _not_carried(code: str | None, off_period: bool, kept: bool) -> bool:
    """Whether a summary's finding stays below: one about its inputs as a whole (LEVEL_CODES); in a summary of
    another period, one measured against its period (K001 would tell units that filed this one to refile, K018
    calls its period 本期); any of last month's summary beside this month's, a copy kept, which one K018 names: they
    are last month's files', said again of this month's by this month's summary."""
    return kept or code in LEVEL_CODES or (code in ("K001", "K018") and off_period)


def _sheet_of_month(record: FormRecord) -> tuple:
    """What tells a unit's form in its file from month to month: an earlier month's sheet of a form the file also
    holds for the summary's period is a copy kept, not a form to file again (K018, not K001)."""
    return record.file, record.source, record.kind, unit_key(record.unit or ""), _uncoded(form_name(record) or "")


def _form_of_month(record: FormRecord, units: Units) -> tuple:
    """What tells a unit's form from month to month across its files: last month's file of a form the unit has
    sent for the summary's period is a copy kept too (K018). Not of a form naming no unit."""
    return (_unit_or_file(record, units), record.kind, _uncoded(form_name(record) or record.sheet))


def _uncoded(name: str) -> str:
    """A project's name without its code: a unit names a project with its code one month and without it another
    (same_project)."""
    return label_key(PROJECT_CODE.sub("", nfkc(name)))


def _month_of(record: FormRecord, forms: list[FormRecord]) -> FormRecord | None:
    """Of the summary's period's forms found by an earlier form's names, the one it is an earlier month of: two
    codes are two projects, whatever their names (same_project)."""
    return next((r for r in forms if not (r.kind == "project" and r.code and record.code and r.code != record.code)),
                None)


def _off_period(record: FormRecord, found: str, majority: str, others_sent: bool = False) -> dict:
    """K001: a unit's form is to be filled in again for the majority's period; others_sent, of an earlier month's
    form of a unit that sent the majority's forms without it: the one form to add, unless it is no longer due (a
    project the unit no longer reports). A form read from a department's
    summary, whose units' forms the bureau does not have, is for the department to consolidate again; it is
    named as K002 names it, the summary having no sheet of the unit's. It keeps the form's unit, 主管部门 (of a
    project form) and period, which a summary carries up with it: one level up a roster's unit whose form its
    department left out is said to have sent one of another period (K003), as the department's own check says."""
    sent = {"unit": record.unit, "department": record.department if record.kind == "project" else None,
            "period": found}
    if not (record.source and record.source != record.file):
        redo = (f"按 {majority} 补报该表（该单位已报送 {majority} 的其他表，其中没有该表；如该表本期已不需填报，可忽略）"
                if others_sent else f"按 {majority} 重新填报")
        return make("K001", file=record.file, sheet=record.sheet, cell=record.period_cell, found=found,
                    majority=majority, form="该表", redo=redo).model_dump() | sent
    form = f"该汇总表中{record.unit or '未填单位'}的“{form_name(record) or record.sheet}”{_came_from(record)}"
    return make("K001", file=record.file, found=found, majority=majority, form=form,
                redo=f"部门按 {majority} 重新汇总后报送").model_dump() | sent


def _sent(periods: str | None, majority: str) -> str:
    """What a roster's unit missing from the summary sent: nothing, or forms of another period (K001)."""
    if not periods:
        return "没有报送监控表"
    return f"报送的监控表期间为 {periods}，与多数单位的 {majority} 不一致，未纳入汇总"


def _covered(overall: dict[tuple, FormRecord], units: Units) -> list[tuple[tuple, FormRecord, FormRecord]]:
    """The units' 部门整体 forms a department's own completed one takes in (its covers, K006), each with its key
    and that department's form: counted in it, they would count twice. Units tells the units apart (机关服务中心
    （101003） in one department's is not 机关服务中心（102003） sent by another), a unit it covers being of the
    department whose form it is."""
    covering: dict[tuple, FormRecord] = {}
    for record in overall.values():
        for unit in record.covers or ():
            covering.setdefault(units.key(unit, record.unit), record)
    found = []
    for key, record in overall.items():
        cover = covering.get(units.of(record))
        if cover is not None and cover is not record:
            found.append((key, record, cover))
    return found


def _moot(dropped: set[tuple], records: list[FormRecord]) -> Callable[[str, dict], bool]:
    """Whether a finding belongs to a form left out. On a sheet of stacked forms, a finding belongs to the form
    whose rows hold its cell; one naming no cell is moot only when every form of the sheet is left out."""
    stacks: dict[tuple, list[int]] = {}
    for r in records:
        if r.place:
            stacks.setdefault(r.where()[:3], []).append(r.place[0])

    def moot(path: str, d: dict) -> bool:
        sheet = (path, d.get("file") or path, d.get("sheet"))
        starts = stacks.get(sheet)
        if not dropped or starts is None:
            return (*sheet, None) in dropped
        if not d.get("cell"):
            return all((*sheet, start) in dropped for start in starts)
        row = parse_address(d["cell"])[0]
        return (*sheet, max((start for start in starts if start <= row), default=min(starts))) in dropped
    return moot


def _said_again(outcomes: list[FileOutcome], counted: list[FormRecord]) -> Callable[[FileOutcome, dict], bool]:
    """Whether a finding is one another copy of the very same file (its SHA-256) gives too: a unit's file that arrives
    twice (in a department's summary and straight to the bureau, or in two folders) has its findings listed once,
    as its forms are counted once; from the copy whose forms count, else the first. Its forms' findings go with
    the forms left out (_moot); this is for those of its other sheets (S001) and of the file."""
    copies: dict[str, list[tuple[str, str]]] = {}  # SHA-256 → the copies of the file: (input, file)
    origin = {}
    for o in outcomes:
        for d in o.diagnostics:
            file = d.get("file") or o.path
            if (o.path, file) not in origin:
                sha = o.sha256 if file == o.path else o.hashes.get(file)
                origin[o.path, file] = sha
                if sha:
                    copies.setdefault(sha, []).append((o.path, file))
    twice = {sha: found for sha, found in copies.items() if len(found) > 1}
    if not twice:
        return lambda o, d: False
    used = {(r.file, r.source or r.file) for r in counted}
    lists = {sha: next((c for c in found if c in used), found[0]) for sha, found in twice.items()}
    given: dict[str, set[tuple]] = {}  # the findings of the copy of each file that lists them
    for o in outcomes:
        for d in o.diagnostics:
            sha = origin[o.path, d.get("file") or o.path]
            if sha in lists and lists[sha] == (o.path, d.get("file") or o.path):
                given.setdefault(sha, set()).add(_finding(d))

    def again(o: FileOutcome, d: dict) -> bool:
        copy = (o.path, d.get("file") or o.path)
        sha = origin[copy]
        return sha in lists and lists[sha] != copy and _finding(d) in given.get(sha, ())
    return again


def _copies_said(said: list[tuple[FormRecord, dict]], included: Counter) -> set[int]:
    """The ids of the K018 and K001 that another copy of the very same file (its SHA-256) says too: said once, as
    _said_again says a file's other findings and one level up says these; of the copy whose forms count, else of
    the one not named as the other's copy (“X - 副本”), else of the first by path, in whatever order they came."""
    copies: dict[tuple, list[tuple[FormRecord, dict]]] = {}
    for record, d in said:
        if record.sha256:
            copies.setdefault((record.sha256, record.sheet, record.place and record.place[0], _finding(d)),
                              []).append((record, d))
    again: set[int] = set()
    for found in copies.values():
        files = [r.file for r, _ in found]

        def rank(item: tuple[FormRecord, dict]) -> tuple:
            file = item[0].file
            named_copy = any(_copy_of(Path(file).stem, Path(other).stem) for other in files if other != file)
            return not included[file], named_copy, file
        kept = min(found, key=rank)
        again.update(id(d) for _, d in found if d is not kept[1])
    return again


def _finding(d: dict) -> tuple:
    """What tells a finding of a file from another: the same in every copy of the file."""
    return d.get("code"), d.get("sheet"), d.get("cell"), d.get("message")


def _saved(record: FormRecord) -> float | None:
    """When a form's workbook says it was saved, where that can be true: not before the year the form reports on
    (a computer whose clock had lost its date), nor in the future."""
    if record.saved is None or record.saved > time.time() + 86_400:
        return None
    if record.year and record.saved < datetime(record.year, 1, 1, tzinfo=timezone.utc).timestamp():
        return None
    return record.saved


def _saved_later(used: FormRecord, other: FormRecord) -> str:
    """Why a copy counts that its workbook was saved later, with both times: Explorer shows the files' own times,
    which a download or a copy sets, and may show them the other way round."""
    pattern = "%Y-%m-%d %H:%M" if int(used.saved or 0) // 60 != int(other.saved or 0) // 60 else "%Y-%m-%d %H:%M:%S"

    def shown(when: float | None) -> str:
        return time.strftime(pattern, time.localtime(when))
    return f"（其工作簿最后保存于 {shown(used.saved)}，晚于另一份的 {shown(other.saved)}）"


def _copy_of(name: str, other: str) -> bool:
    """Whether a file name is another's with something added, as copying a file in Explorer names it."""
    return len(other) < len(name) and label_key(other) in label_key(name)


def _left_out(periods: set[str] | None, repeated: bool, majority: str, earlier: set[str] | None = None) -> str:
    """Why a file read well gave the summary nothing: its period, its forms all being others' duplicates, or
    earlier months of forms sent for the summary's period (K018); or more than one of these."""
    period = f"表内期间（{'、'.join(sorted(periods))}）与多数单位（{majority}）不一致" if periods else ""
    copies = "其中的项目都已从其他文件计入（重复报送，只计一次）" if repeated else ""
    kept = (f"其中是前期（{'、'.join(sorted(earlier))}）的表，本期的同一张表已另行报送（无需处理）" if earlier else "")
    return "；".join(filter(None, (period, copies, kept))) or f"没有可计入 {majority} 汇总的表"


def source_rows(projects: list[FormRecord], months: int | None, profile: Profile,
                labels: tuple[str, ...] = (L.TOTAL_ROW, *L.PROJECT_SOURCES)) -> list[Totals]:
    """汇总表's funding table: 资金总额 and each source row summed over the projects (edits.py compares it); of
    部门整体 forms, by their fund types (labels)."""
    rows = [Totals(label) for label in labels]
    by_label = {t.row: t for t in rows}
    for record in projects:
        for label, values in record.amounts.get("source", {}).items():
            if label in by_label:
                by_label[label].add(values, record.unknown_in(label), record.alone_in(label))
    for t in rows:
        t.finish(months, profile)
        t.blank_unknown()
    return rows


CHART_BARS = 40  # units (or departments) a chart of 支出进度 shows at most: those furthest behind, as by_unit lists them


def _by_unit(projects: list[FormRecord], months: int | None, profile: Profile, units: Units) -> list[Totals]:
    """汇总表's table by unit: each unit (Units) once, by its name (Units.names)."""
    totals: dict[tuple, Totals] = {}
    names = units.names(projects)
    for record in projects:
        key = units.of(record)
        totals.setdefault(key, Totals(names[key])).add(record.total(), record.unknown_in(), record.alone_in())
    return _ranked(list(totals.values()), months, profile)


def _by_department(groups: list[tuple[str, list[FormRecord]]], projects: list[FormRecord], months: int | None,
                   profile: Profile) -> list[Totals]:
    """Each 主管部门's totals (groups: names.department_groups of the projects), for a bureau's summary; [] when
    the forms name one (or none)."""
    if len(groups) < 2:
        return []
    named = {id(r) for _, forms in groups for r in forms}
    unnamed = [r for r in projects if id(r) not in named]
    out = []
    for name, forms in [*groups, *([("（未填主管部门）", unnamed)] if unnamed else [])]:
        t = Totals(name)
        for record in forms:
            t.add(record.total(), record.unknown_in(), record.alone_in())
        out.append(t)
    return _ranked(out, months, profile)


def _ranked(totals: list[Totals], months: int | None, profile: Profile) -> list[Totals]:
    """Finished, the largest gap first (as 汇总表 lists them)."""
    for t in totals:
        t.finish(months, profile)
        t.blank_unknown()
    return sorted(totals, key=lambda t: (-(t.gap if t.gap is not None else -1), t.row))


def _hint(side: str, alike: list[str], otherwise: str = "") -> str:
    """Names the one likely counterpart; with several, or none, asks for the names to be checked."""
    if len(alike) == 1:
        return f"；{side}“{alike[0]}”可能是同一单位，请核对单位名称"
    return "；请核对单位名称与名单是否一致" if alike else otherwise


def apart_forms(diagnostics: list[dict]) -> set[tuple]:
    """The places (apart_place) of the forms K019 suspects typed in 元."""
    return {(d.get("file"), d.get("sheet")) for d in diagnostics if d.get("code") == "K019"}


def apart_place(record: FormRecord) -> tuple:
    """Where K019 names a form: the file it was read from first, and its sheet."""
    return record.source or record.file, record.sheet


def focus_list(projects: list[FormRecord], profile: Profile, apart: set[tuple] = frozenset()) -> list[Focus]:
    """The projects proposed for 重点监控, with why and the suggested handling, as 重点监控建议 drafts them. Earlier
    summaries are compared with this draft (edits.edited_focus): a reworded reason or handling shows there as
    the department's edit. A large budget that K019 suspects typed in 元 (apart_forms) is said to be checked first:
    a 5 万元 project read as 5 亿元 is no large project."""
    out: list[Focus] = []
    for record in projects:
        reasons = []
        subtotal = record.rates()[0]
        if record.grade == "red":
            reasons.append("综合评级为红灯")
        if record.likelihoods.get("完全不可能"):
            reasons.append(f"{record.likelihoods['完全不可能']} 个指标判断为“完全不可能”完成")
        if record.grade == "yellow" and subtotal is not None and subtotal >= profile.consolidation.focus_budget:
            check = ("，但金额疑似按元填写（见“校验问题”，代码 K019），请先核实"
                     if apart_place(record) in apart else "")
            reasons.append(f"预算 {subtotal:,.2f} 万元（不低于 {profile.consolidation.focus_budget:,.0f} 万元）且为黄灯{check}")
        if reasons:
            out.append(Focus(record, reasons, _handling(record)))
    order = {"red": 0, "yellow": 1, "green": 2, None: 3}
    return sorted(out, key=lambda f: (order[f.record.grade], f.record.unit or "", f.record.project or ""))


SERIOUS = ("预算执行和绩效目标均偏离较大：建议暂缓拨款，督促单位整改；经核实已经或预计造成重大损失浪费或风险的，按程序"
           "暂停项目实施、停止拨付资金；整改不到位或无法继续实施的收回资金。")
IMPOSSIBLE = ("有绩效指标判断为“完全不可能”完成：如因政策变化、突发事件等客观因素所致，建议按程序调减预算并同步调整"
              "绩效目标；否则督促单位落实备注中提出的措施、及时纠偏。")
OBJECTIVE = ("如因政策变化、突发事件等客观因素导致进度缓慢或目标难以实现，建议按程序调减预算并同步调整绩效目标；"
             "否则督促单位加快执行、及时纠偏。")
# what earlier versions drafted, which a summary they wrote still shows: not the department's edit (edits.edited_focus)
FORMER_HANDLINGS = ("预算执行与绩效目标偏离较大：建议暂停项目实施或暂缓拨款，按程序调减预算、停止拨付资金，"
                    "督促单位整改；整改不到位或无法继续实施的收回资金。",)


def _handling(record: FormRecord) -> str:
    """Seeds 003/004: a serious deviation, of the money and the targets both (case 二), is 暂缓拨款 first and, once
    confirmed, 暂停/停止拨付; an indicator judged 完全不可能, or a deviation alone, is case 一 where its cause is
    objective: 调减预算并同步调整目标."""
    if record.funding_grade == "red" and record.indicator_grades.get("red", 0) > 0:
        return SERIOUS
    return IMPOSSIBLE if record.likelihoods.get("完全不可能") else OBJECTIVE
