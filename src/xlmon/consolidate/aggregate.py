"""From every file's records to the department's picture: one period (periods.py), one copy of each project
(copies.py), totals recomputed from summed amounts (never averaged), grades, amounts apart (apart.py) and 重点监控
suggestions (focus.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .. import layout as L
from ..calc import DEPENDS, ratio, time_progress
from ..diagnostics import make
from ..file_errors import readable
from ..grading import grade_funding
from ..models import FundingRow
from ..profile import Profile
from .apart import apart_findings, apart_forms
from .copies import (IDENTICAL, Met, copies_said, copy_dates, copy_of, covered_forms, decided_here, file_owners,
                     left_out_finding, moot_findings, one_of_each, own_department, pair_line, project_aliases,
                     said_again, said_once, same_project, saved_at, saved_later)
from .focus import Focus, focus_list
from .names import (Departments, Units, alike_names, department_groups, department_name, departments_of,
                    unit_or_file, with_units)
from .periods import (form_of_month, in_period, left_forms, left_out_reason, majority_period, month_of,
                      off_period_finding, sent_text, sheet_of_month, summary_off_period)
from .records import (AMOUNTS, FileOutcome, FormRecord, form_place,
                      left_out)
from .roster import compare_roster, names_departments, roster_keys, sent_unusable

if TYPE_CHECKING:
    from .carry import Carried
    from .edits import Column

LEVEL_CODES = ("K003", "K004", "K017")  # about one level's inputs as a whole (its roster, its departments): a
# summary's are not carried up, where they are said again of all the inputs
WRITING_CODES = ("K007", "K010", "K011", "K015", "K016", "K021")  # what 汇总 said of writing a summary (its 部门整体
# carried or not, the edits of the one before it): news to the department then, of no summary made of it
LEFT_OVER = frozenset({"carryover", "current", "forecast"})  # what 预计结转结余 is made from
SOURCE_ROWS = {L.TOTAL_ROW, *L.PROJECT_SOURCES}  # 汇总表's rows: a project's row of another name is in none but 资金总额
UNNAMED_DEPARTMENT = "（未填主管部门）"  # a bureau's 汇总表 row of the projects naming no 主管部门
T = TypeVar("T")
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
    # 小计 − 全年预计 (预计结转结余, seed 004's 监控内容) over the projects where both are known: a project whose forecast
    # is unknown is in the summed 小计 but not in the summed forecast, and their difference would count its 小计 as left over
    left_over: float = 0.0
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
        if not LEFT_OVER.intersection(unknown):
            self.left_over += carry + current + (alone or 0.0) - (forecast or 0.0)
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
    duplicates: list[str]  # the lines of whole files first (duplicate_files of them: copies.said_once), then the forms
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
    listed: str = "单位"  # what the roster's names are called (roster_listed)
    department_of: dict[str, str] = field(default_factory=dict)  # a bureau's: each spelling of 主管部门 the project
    # forms use → the department as departments names it (department_for)
    other_period: dict[str, str] = field(default_factory=dict)  # missing units that sent forms of another period
    unusable: dict[str, list[str]] = field(default_factory=dict)  # missing units whose files were left out, those files
    overall_other_period: list[FormRecord] = field(default_factory=list)  # 部门整体 forms left out for their period
    others: list[str] = field(default_factory=list)  # files in the input folders that are no workbook, not read
    duplicate_files: int = 0  # the lines leading duplicates that are whole files (copies.said_once)

    @property
    def total(self) -> Totals:
        return self.rows[0]

    @property
    def left(self) -> dict:
        """What the summary left out, as its report says it and its records keep it (records.left_line): the files
        to see to, each by its shown name with why; how many more were earlier months kept; the projects sent twice."""
        rejected, earlier = left_out(self.files)
        names = shown_names([*(o.path for o in self.files), *self.others])  # as the 重复 lines name them
        return {"rejected": [[names[o.path], o.reason or ""] for o in rejected], "earlier": earlier,
                "duplicates": self.duplicates, "duplicate_files": self.duplicate_files,
                "others": [names[p] for p in self.others]}

    @property
    def other_period_note(self) -> str:
        """What follows the count of missing units where some of them sent forms of another period only."""
        parts = [f"{len(self.other_period)} 个报送的是其他期间的表" if self.other_period else "",
                 f"{len(self.unusable)} 个报送的文件未能纳入" if self.unusable else ""]
        return f"（其中 {'，'.join(filter(None, parts))}）" if any(parts) else ""

    @property
    def unclear(self) -> int:
        """The projects holding an amount that could not be read (N001, N004, N006), which the rates leave out."""
        return sum(r.unread() for r in self.projects)

    @property
    def unsplit(self) -> int:
        """The projects that filled in 资金总额 alone, no source (R212): the source rows add up to less."""
        return sum(r.unsplit() for r in self.projects)

    @property
    def unnamed(self) -> int:
        """The projects with a source row of no official name (S113): in 资金总额, in no source row."""
        return sum(bool(set(r.amounts.get("source", {})) - SOURCE_ROWS) for r in self.projects)

    @property
    def unread_apart(self) -> bool:
        """Whether the source rows add up to other amounts than 资金总额 for an amount unread alone (no R212 or S113
        to account for it): a project whose 中央 支出数 is typed 完成 is in no 资金总额 支出数, while its readable
        市级 支出数 is in the 市级 row, and a reviewer adding the rows up found 17.34 万元 no note accounted for."""
        if not self.unclear or self.unsplit or self.unnamed or not self.projects:
            return False
        total, sources = self.rows[0], self.rows[1:]
        return any(getattr(total, f) is not None and abs(sum(getattr(t, f) or 0.0 for t in sources) - getattr(total, f))
                   > 0.005 for f in ("carryover", "current", "subtotal", "issued", "spent", "forecast"))

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
        """A bureau's: the department its tables show beside a form's row (names.Departments). None in a
        department's summary, of one department."""
        return self._departments(record)

    def in_department_order(self, rows: list[T], record: Callable[[T], FormRecord]) -> list[T]:
        """A bureau's rows (指标偏差's, 重点监控建议's) department by department, as 汇总表 lists the departments
        (by_department), each department's rows in the order given (red first): its reviewer reads them so, not
        one department's scattered among the others'. A department's summary's as given."""
        if not self.department_of:
            return rows
        rank = {t.row: i for i, t in enumerate(self.by_department)}
        unnamed = rank.get(UNNAMED_DEPARTMENT, len(rank))
        return sorted(rows, key=lambda row: rank.get(self.department_for(record(row)) or UNNAMED_DEPARTMENT, unnamed))

    @cached_property
    def _departments(self) -> Departments:
        return Departments(self.department_of, self.projects, self.unit_ids)


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


def aggregate(outcomes: list[FileOutcome], profile: Profile, roster: list[str] | None = None,
              others: Iterable[str] = ()) -> Summary:
    """others: the files in the input folders that are no workbook (a unit's form sent as .docx), not read."""
    others = list(others)
    diagnostics: list[dict] = []
    dropped: set[tuple] = set()  # FormRecord.where() of forms left out: their findings are moot
    candidates = [r for o in outcomes if o.status == "included" for r in o.records]
    # one unit from month to month, however each month's forms write it (its code in May's, not in June's)
    every = Units(candidates)
    year, months = majority_period(candidates, every)
    majority = L.period(year, months)
    kept: dict[tuple, FormRecord] = {}
    dated = copy_dates(candidates, {o.path: o.modified for o in outcomes})
    sha = {o.path: o.sha256 for o in outcomes}
    shown = shown_names(o.path for o in outcomes)
    kept_overall: dict[tuple, FormRecord] = {}
    duplicates: list[str] = []
    included = Counter()
    off_period: dict[str, set[str]] = {}  # file → the periods of its forms left out for their period
    earlier: dict[str, set[str]] = {}  # file → the periods of its forms left out as earlier months kept (K018)
    stale: dict[str, list[tuple[str, str]]] = {}  # a summary → (period, the file that counts) of each such form
    summarised: dict[tuple[str, str], list[FormRecord]] = {}  # (a summary, a period) → its forms of that period
    overall_off: list[FormRecord] = []  # the 部门整体 forms among them
    repeated: set[str] = set()  # files with a form left out as another file's duplicate
    met: dict[int, Met] = {}  # each line of duplicates said of two forms kept by one key → how (said_once)
    held: dict[tuple, set[str | None]] = {}  # (a project's or not, the key a form is kept by) → the SHA-256 of its files
    # (of a form read from a summary, its unit's file: the same bytes as that file sent too, not another version)
    said: list[tuple[FormRecord, dict]] = []  # the K018 and K001 of units' forms, with their forms (copies_said)
    aliases: dict[tuple, tuple] = {}  # project_aliases of each form → the key its project is kept by
    coded: dict[tuple, str] = {}  # the keys of projects some form of which gives a code → that code
    read = [r for r in candidates if r.months is None or in_period(r, year, months)]
    units = Units(read)
    departments: dict[tuple, list[tuple[set[str], tuple]]] = {}  # own_department's: by key, the departments' units
    owners: dict[str, set[tuple]] | None = None  # file_owners, once a project is found twice
    current: dict[tuple, list[FormRecord]] = {}  # a yearly workbook keeps a sheet a month: 1月 … 6月
    sent: dict[tuple, list[FormRecord]] = {}  # and a folder last month's files
    reporting = set()  # the units that sent forms of the period
    for r in read:
        current.setdefault(sheet_of_month(r), []).append(r)
        sent.setdefault(form_of_month(r, every), []).append(r)
        reporting.add(unit_or_file(r, every))
    for record in candidates:
        if record.months is not None and not in_period(record, year, months):
            found = L.period(record.year, record.months)
            same = now = None
            earlier_month = bool(year and months) and (record.year or year, record.months) < (year, months)
            if earlier_month:
                same = month_of(record, current.get(sheet_of_month(record), []))
                now = None if same else month_of(record, sent.get(form_of_month(record, every), []))
            if same or now:
                if record.from_summary:  # said once of the summary, below
                    stale.setdefault(record.file, []).append((found, record.file if same else now.file))
                else:
                    where = f"同一文件的工作表“{same.sheet}”" if same else f"“{form_place(now, shown)}”"
                    diagnostics.append(make("K018", file=record.file, sheet=record.sheet, cell=record.period_cell,
                                            form="该表", found=found, current=where, same="同一张表",
                                            majority=majority).model_dump())
                    said.append((record, diagnostics[-1]))
                earlier.setdefault(record.file, set()).add(found)
                dropped.add(record.where())
                continue
            if record.from_summary:  # said once of the summary, below
                summarised.setdefault((record.file, found), []).append(record)
            else:
                diagnostics.append(off_period_finding(record, found, majority,
                                                      earlier_month and unit_or_file(record, every) in reporting))
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
        bytes_of = record.sha256 if record.from_summary and record.sha256 else sha[record.file]
        held.setdefault((target is kept, key), set()).add(bytes_of)
        if key in target:
            first = target[key]
            hidden = first.hidden != record.hidden  # one is on a sheet hidden in Excel: the visible one counts
            copies = not hidden and first.file != record.file and sha[first.file] == sha[record.file]
            saved = [saved_at(r) for r in (first, record)]
            by_saving = None not in saved and saved[0] != saved[1]
            times = saved if by_saving else [dated(r) for r in (first, record)]
            if owners is None:
                owners = file_owners(read, units)
            home = [units.of(r) in owners.get(r.source or r.file, ()) for r in (first, record)]
            stray = not hidden and not copies and home[0] != home[1]  # one is in another unit's file
            later = not hidden and not copies and not stray and None not in times and times[0] != times[1]
            # of two identical files, not the one named as the other's copy (“X - 副本”, “X(1)”, “Copy of X”)
            original = copies and copy_of(Path(first.file).stem, Path(record.file).stem)
            # of two sent at one time (uploads without their times), the unit's own file before a summary's copy
            carried = [r.from_summary for r in (first, record)]
            direct = not hidden and not copies and not later and carried[0] != carried[1]
            # both read back from summaries, of one unit's file (its SHA-256): either copy is that form
            alike = (all(carried) and first.sha256 is not None
                     and (first.sha256, first.sheet, first.place) == (record.sha256, record.sheet, record.place))
            used, other = ((record, first) if (first.hidden if hidden else home[1] if stray else original
                                               or later and times[1] > times[0] or direct and carried[0])
                           else (first, record))
            if used is record:
                target[key] = record
                included[first.file] -= 1
                included[record.file] += 1
            # a clause after the copy used, not brackets: its file may end in its own, 一中（更正）.xlsx!表1
            why = ("，另一份在隐藏工作表中" if hidden else IDENTICAL if copies
                   else "，因其是单位自己的文件，另一份在其他单位的文件中" if stray
                   else saved_later(used, other) if later and by_saving else "，因其文件修改时间较晚" if later
                   else "，因其是单位报送的文件，另一份取自汇总表" if direct else "，两份汇总自同一文件，内容相同" if alike
                   else "")
            differ = "；两份金额不同，请核实" if first.amounts != record.amounts else ""
            dropped.add(other.where())
            repeated.add(other.file)
            diagnostics.append(left_out_finding(other, form_place(used, shown), why, shown))
            met[len(duplicates)] = pair = Met((target is kept, key), first, record, used, why, differ, diagnostics[-1])
            duplicates.append(pair_line(pair, shown))
            continue
        target[key] = record
        included[record.file] += 1
    repeats = copies_said(said, included)
    diagnostics[:] = [d for d in diagnostics if id(d) not in repeats]
    said_of = one_of_each([*stale, *(path for path, _ in summarised)], sha)
    for path, forms in stale.items():  # an earlier month's summary beside this month's: one note, not one a form
        if path not in said_of:
            continue
        later = "、".join(dict.fromkeys(f"“{shown[f]}”" for _, f in forms))
        diagnostics.append(make("K018", file=path, form=f"该汇总表中的 {len(forms)} 张表",
                                found="、".join(sorted({f for f, _ in forms})), current=later, same="这些表",
                                majority=majority).model_dump())
    diagnostics += [summary_off_period(forms, found, majority) for (path, found), forms in summarised.items()
                    if path in said_of]
    covered = covered_forms(kept_overall, units)
    for key, record, cover in covered:  # a unit's own form, sent too, is in its department's
        del kept_overall[key]
        included[record.file] -= 1
        dropped.add(record.where())
        repeated.add(record.file)
        why = f"，因{cover.unit or '部门'}填写的部门整体表已含该单位"  # the unit's name may end in brackets
        diagnostics.append(left_out_finding(record, form_place(cover, shown), why, shown))
        # the last of the form's pairs: a copy of it left out before for the unit's own was replaced (chains_said)
        met[len(duplicates)] = pair = Met((False, key), cover, record, cover, why, "", diagnostics[-1])
        duplicates.append(pair_line(pair, shown))
    counted = {(project, k): r for project, forms in ((True, kept), (False, kept_overall)) for k, r in forms.items()}
    counted.update(((False, key), cover) for key, _, cover in covered)
    copied_files = said_once(met, included, counted, {k for k in counted if len(held[k]) == 1}, shown, duplicates,
                             diagnostics)
    moot = moot_findings(dropped, candidates)
    again = said_again(outcomes, [*kept.values(), *kept_overall.values()])
    decided = decided_here(outcomes)
    kept_whole = {path for path in stale if not included[path] and path not in off_period}
    diagnostics[:0] = [dict(d, file=d.get("file") or o.path) for o in outcomes for d in o.diagnostics
                       if not moot(o.path, d) and not (o.summary and _not_carried(d.get("code"), o.path in off_period,
                                                                                  o.path in kept_whole))
                       and not again(o, d) and not decided(o, d)]
    for o in outcomes:
        if o.status == "included" and not included[o.path]:
            o.status, o.reason = "rejected", left_out_reason(off_period.get(o.path), o.path in repeated, majority,
                                                       earlier.get(o.path))
            o.earlier = o.path in earlier and o.path not in off_period and o.path not in repeated
    projects = list(kept.values())
    rows = source_rows(projects, months, profile)
    # told apart as the summary lists them; the forms read (those the kept ones replaced too) show whose a
    # correction naming no department is
    kept_units = Units([*projects, *kept_overall.values()], read)
    for kind in (projects, list(kept_overall.values())):
        diagnostics += apart_findings(kind, kept_units, profile, diagnostics)
    by_unit = _by_unit(projects, months, profile, kept_units)
    grades = Counter(r.grade for r in projects if r.grade)
    # the forms left out for their period, here and in the summaries read (the K001s they carry up)
    left = left_forms(diagnostics)
    reported = [*projects, *kept_overall.values()]
    keys_of = roster_keys(roster, reported, left) if roster else None  # how names match, worked out once
    groups = department_groups(projects)
    of_departments = bool(roster) and names_departments(roster, reported, groups, keys_of)
    called = roster_listed(of_departments)
    missing, unlisted, other_period = compare_roster(roster or [], reported, left, keys_of, of_departments)
    named = with_units(groups, kept_units)
    if of_departments:  # a department not on a bureau's roster, by the name its forms most often write
        unlisted = _as_departments(unlisted, groups)
    units_of = dict(named) if of_departments else {}
    # the files that gave no form, here or in a summary read (which names those it left out: drafted from it, the
    # report says what the units' files say)
    names = shown_names([*(o.path for o in outcomes), *others])
    below = [name for o in outcomes if o.summary and o.status == "included" and o.left
             for name in (*(n for n, _ in o.left.get("rejected", ())), *o.left.get("others", ()))]
    names.update((name, name) for name in below)
    unusable = sent_unusable(roster or [], [u for u in missing if u not in other_period],
                             [*(o.path for o in outcomes if o.status != "included" and not o.records and not o.summary),
                              *others, *below])
    unusable = {u: [names[f] for f in files] for u, files in unusable.items()}
    diagnostics += [make("K003", unit=u, sent=sent_text(other_period.get(u), majority, unusable.get(u, ())),
                         listed=called, hint=_hint("已报送的", alike_names(u, unlisted), who=called)).model_dump()
                    for u in missing]
    for u, f in unlisted.items():
        who = "部门" if u in units_of else "单位"
        diagnostics.append(make("K004", file=f, unit=u, listed=called,
                                under=_units_under(units_of[u]) if u in units_of else "",
                                hint=_hint("名单中未报送的", alike_names(u, missing), f"；请核对{who}名称，或把该{who}加入名单",
                                           "部门" if u in units_of else called)).model_dump())
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
    summary.unusable, summary.others, summary.listed = unusable, others, called
    summary.duplicate_files = copied_files
    summary.departments, summary.by_department = named, _by_department(groups, projects, months, profile)
    summary.department_of = departments_of(groups)
    if summary.department_of:
        summary.focus = summary.in_department_order(summary.focus, lambda f: f.record)
    return summary


def _not_carried(code: str | None, off_period: bool, kept: bool) -> bool:
    """Whether a summary's finding stays below: one about its inputs as a whole (LEVEL_CODES) or about writing it
    (WRITING_CODES: one level up the CLI said 部门整体：…已带入新的汇总表 of the department's run); in a summary of
    another period, one measured against its period (K001 would tell units that filed this one to refile, K018
    calls its period 本期); any of last month's summary beside this month's, a copy kept, which one K018 names: they
    are last month's files', said again of this month's by this month's summary."""
    return kept or code in LEVEL_CODES or code in WRITING_CODES or (code in ("K001", "K018") and off_period)


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
    for name, forms in [*groups, *([(UNNAMED_DEPARTMENT, unnamed)] if unnamed else [])]:
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


def _as_departments(unlisted: dict[str, str], groups: list[tuple[str, list[FormRecord]]]) -> dict[str, str]:
    """A bureau's names not on its roster of departments (compare_roster gives a department's as one of its
    spellings) by the name the department's forms most often write (department_groups), each with its first file."""
    spelled = {r.department: name for name, forms in groups for r in forms if r.department}
    found: dict[str, str] = {}
    for name, file in unlisted.items():
        found.setdefault(spelled.get(name, name), file)
    return found


def _units_under(units: list[str], shown: int = 3) -> str:
    """The units a department not on the roster covers, for its K004: how many, the first few named."""
    return f"（其下 {len(units)} 个单位：{'、'.join(units[:shown])}{' 等' if len(units) > shown else ''}）"


def roster_listed(departments: bool) -> str:
    """What a roster's names are called: a bureau's lists its departments (roster.names_departments), perhaps a unit
    reporting straight to it; a department's, its units."""
    return "部门（单位）" if departments else "单位"


def _hint(side: str, alike: list[str], otherwise: str = "", who: str = "单位") -> str:
    """Names the one likely counterpart; with several, or none, asks for the names to be checked. who: what the
    names are, 单位, or a bureau's 部门（单位）."""
    if len(alike) == 1:
        return f"；{side}“{alike[0]}”可能是同一{who}，请核对{who}名称"
    return f"；请核对{who}名称与名单是否一致" if alike else otherwise


