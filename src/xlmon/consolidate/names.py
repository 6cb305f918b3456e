"""How units' and departments' names are matched: the same unit or department is written in many ways
(某局（101001）, 某局, 某局（本级）), and a summary must neither split one nor merge two."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from ..text import label_key, nfkc

if TYPE_CHECKING:
    from .records import FormRecord

_CODE = re.compile(r"[(\[【〔]\s*[0-9A-Za-z-]+\s*[)\]】〕]")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
_CODE_CHARS = "0-9A-Za-z０-９Ａ-Ｚａ-ｚ"
# a code in front of a name, apart from it by a mark, a space or nothing (101001001-某校, 101001001 某校, 101001001某校)
_LEADING_CODE = re.compile(rf"\s*([{_CODE_CHARS}]+(?:[-－][{_CODE_CHARS}]+)*)"
                           rf"(?:\s*[-－_、:：|]\s*|\s+|(?=[^\x00-\x7f０-９Ａ-Ｚａ-ｚ]))(\S.*)", re.S)
_UNIT_CODE = re.compile(r"[0-9]{6,}[0-9A-Za-z]*(?:-[0-9A-Za-z]+)?")  # 101001001, 101001-001


def code_aside(name: str) -> str:
    """A name written with its code in front, as budget systems list units (101001001 某市第一中学, 101001-001　某校,
    101001001-某校), as the forms write it, the code in brackets after it (某市第一中学（101001001）); any other name
    as it is, one that starts with a shorter number too (12345 政务服务热线, 110 指挥中心): a unit's code has 6
    digits or more."""
    found = _LEADING_CODE.fullmatch(name)
    if found is None or not _UNIT_CODE.fullmatch(nfkc(found[1])) or label_key(found[2]).lstrip("+-").isdigit():
        return name
    return f"{found[2].strip()}（{found[1]}）"


def name_keys(name: str) -> set[str]:
    """label_key of a name, and of the name without a code in brackets."""
    name = code_aside(name)
    return {label_key(name), label_key(_CODE.sub("", nfkc(name)))} - {""}


def unit_code(name: str | None) -> str | None:
    """The code a unit's name is written with (某校（101001004） → 101001004), if any."""
    m = _CODE.search(nfkc(code_aside(name or "")))
    return re.sub(r"[^0-9A-Z]", "", m.group(0).upper()) or None if m else None  # 101001-001 is 101001001


def unit_key(name: str) -> str:
    """A unit's name without its code (某校（101001004） is 某校, as its 部门整体 form and a re-sent file may write it;
    某局（本级） is not 某局): half of what tells units apart, Units the whole."""
    return label_key(_CODE.sub("", nfkc(code_aside(name)))) or label_key(name)


UnitId = tuple[str, str | None]  # a unit as Units tells it: unit_key of its name, and its code (None: none known)


@lru_cache(maxsize=16384)
def unit_parts(name: str) -> UnitId:
    """unit_key and unit_code of a name, worked out once a spelling (each of thousands of forms names its unit)."""
    return unit_key(name), unit_code(name)


_Candidates = tuple[UnitId, ...]  # units of one name a form may be, in the order they were first read


class _Name:
    """The units one name (unit_key) is where it may be several (two codes, a code and forms without it, forms
    without a code naming two departments), and what places its forms that tell no unit of their own."""

    __slots__ = ("units", "told", "homes", "projects")

    def __init__(self, told: dict[str, _Candidates]):
        self.units: list[UnitId] = []  # as first read
        self.told = told  # each department in evidence (departments_named) its project forms name → its unit(s)
        self.homes: dict[tuple[str, str], set[UnitId]] = {}  # each place forms lie (_whereabouts) → the units there
        # ("code", a project's code) or ("name", its name) → each unit's project forms of it
        self.projects: dict[tuple[str, str], list[tuple[UnitId, FormRecord]]] = {}


class Units:
    """Which of the names a set of forms writes are one unit: the one notion of "the same unit" wherever units
    are told apart (copies.same_project, 汇总表's table by unit, the count of units, each department's units,
    the 部门整体 note, the report). The same name (unit_key) and the same code are one unit; two codes are two
    units, whatever the name (机关服务中心（101003） of one department and 机关服务中心（102003） of another).

    A unit's 主管部门 tells namesakes apart only where the department is in evidence: where some unit's project
    forms name it alone, however written (某市教育局, 市教育局, 某市教育局（101001） and 101001 are one:
    department_keys). Splitting wrongly counts a project twice, merging wrongly drops one, so a 主管部门 in no
    evidence tells nothing, as one left blank or the unit's own name does: 市教委 written by a unit on its re-sent
    correction alone, a bare code no unit writes alone. Where every unit naming such a spelling names one other
    department too, it is that department (市教委 on re-sends of 某市教育局's units; departments_named). A form read
    from a department's summary whose line tells nothing is of the department the summary's forms name.

    A name without a code is the coded unit of that name whose project forms name its department, else the one
    coded unit whose forms name no department in evidence (unless the name's forms without a code name two or
    more): a unit of its own only when its department, in evidence, is another's. Without codes, a name is one
    unit unless its project forms name two departments in evidence (信息中心 of 某市教育局 and 信息中心 of
    某市卫生健康委员会, beside units naming each alone): one of each. A project form telling no unit is, among the
    name's units, the one whose forms share its file's bytes, its file or the summary it was read from; else the
    one with a project of its code or name (a re-sent correction is its duplicate; of several, the one whose
    project has its 本年预算, which a correction keeps); else the one whose forms share its folder; else the first
    read: never a unit of its own because nothing decides. A 部门整体 form, which names the unit itself, is placed
    by where it lies alone, else it is the name's one coded unit, or none of them."""

    def __init__(self, records: Iterable[FormRecord], evidence: Sequence[FormRecord] = ()):
        """evidence: more forms read (those a summary's kept forms replaced), which show which units there are and
        where their forms lie (a correction naming no department is the unit of the form it replaced), but add no
        code: a unit known by its code only there is known as its kept forms write it."""
        records = list(records)
        mine = set(map(id, records))
        extra = [r for r in evidence if id(r) not in mine]
        codes: dict[str, dict[str, set[str]]] = {}  # unit_key → each code it is written with → its departments
        uncoded: set[str] = set()  # the names some form writes without a code
        for r in records:
            stem, code = unit_parts(r.unit or "")
            if code:
                codes.setdefault(stem, {}).setdefault(code, set())
            else:
                uncoded.add(stem)
        # (name, 主管部门, the department's summary it was read from) of each project form: few
        written = Counter((r.unit or "", r.department or "", _summary_of(r)) for r in (*records, *extra)
                          if r.kind == "project")
        counts: Counter[str] = Counter()  # each spelling of 主管部门 → its forms
        # each unit (a name without a code: its forms, those of one department's summary apart) → the 主管部门 it writes
        naming: dict[tuple[str, str | None, str], set[str]] = {}
        spelled: dict[str, set[str]] = {}  # unit_key → the 主管部门 its forms without a code may be told by
        for (unit, department, summary), n in written.items():
            stem, code = unit_parts(unit)
            if stem and department:
                counts[department] += n
                if unit_key(department) != stem:  # not the unit's very name (a 本级 unit's is its department's)
                    naming.setdefault((stem, code, summary), set()).add(department)
            if stem and code not in codes.get(stem, ()):  # (a code only forms left out write is not known here)
                told = department if department and not names_itself(unit, department) else summary
                spelled.setdefault(stem, set()).update((told,) if told else ())
        self._one = {stem: next(iter(found)) for stem, found in codes.items() if len(found) == 1}
        self._read_in: dict[str, str] = {}  # each department's summary read again → its department
        self._names: dict[str, _Name] = {}  # the names that may be several units
        self._departments: dict[str, str] = {}  # each spelling of 主管部门 → its department (departments_named)
        self._shown: dict[str, str] = {}  # each department_keys key → how a unit's name shows it: （某市教育局）
        self._evident: set[str] = set()  # the departments in evidence
        self._spellings: dict[str, list[str]] = {}  # each department → its spellings
        self._told: dict[tuple[str, str], _Candidates | None] = {}  # (name, 主管部门) as written → the unit(s) it tells
        self._placed: dict[tuple, UnitId] = {}  # each form placed by where it lies or what it holds → its unit
        self.shared: set[str] = set()  # the names that are several units
        maybe = [stem for stem in {*codes, *uncoded} if stem and (len(codes.get(stem, ())) > 1 or (
            stem in codes and stem in uncoded) or len(spelled.get(stem, ())) > 1)]
        if not maybe:
            return
        keys, self._shown = department_keys(counts)
        coded = {*codes, *(parts[0] for r in extra if (parts := unit_parts(r.unit or ""))[1] is not None)}
        self._departments, self._evident = departments_named(naming, keys, counts, coded)
        for spelling, key in self._departments.items():
            self._spellings.setdefault(key, []).append(spelling)
        # a department's summary read again: its forms are that department's units' (one whose line tells nothing
        # too), where the one department in evidence they name is (a bureau's, of several, tells none)
        summaries: dict[str, set[str]] = {}
        for (unit, department, summary) in written:
            if summary and (key := self._evident_in(unit, department)) is not None:
                summaries.setdefault(summary, set()).add(key)
        self._read_in = {summary: found.pop() for summary, found in summaries.items() if len(found) == 1}
        bare: dict[str, set[str]] = {}  # unit_key → the departments in evidence its forms without a code tell
        for unit, department, summary in written:
            stem, code = unit_parts(unit)
            if (key := self._evident_in(unit, department) or self._read_in.get(summary)) is None:
                continue
            if code in codes.get(stem, ()):
                codes[stem][code].add(key)
            else:  # (a code only forms left out write is not known here: its unit is known as the kept forms are)
                bare.setdefault(stem, set()).add(key)
        for stem in maybe:
            if (name := self._name(stem, codes.get(stem, {}), bare.get(stem, set()))) is not None:
                self._names[stem] = name
        if not self._names:
            return
        loose = []  # the forms of the records telling no unit of their own
        seen = set(map(id, evidence))
        for r in (*evidence, *(r for r in records if id(r) not in seen)):  # as read
            stem, code = unit_parts(r.unit or "")
            if (name := self._names.get(stem)) is None:
                continue
            if code is not None and code not in codes.get(stem, ()):
                told = self._candidates(stem, r)  # a code only forms left out write: the unit its department tells
                unit = told[0] if told is not None and len(told) == 1 else None
            else:
                unit = self._stated(stem, r)
            if unit is None:
                if id(r) in mine:
                    loose.append((stem, r))
                continue
            if unit not in name.units:
                name.units.append(unit)
            for where in _whereabouts(r):
                name.homes.setdefault(where, set()).add(unit)
            if r.kind == "project":
                name.projects.setdefault(("name", r.name_key()[1]), []).append((unit, r))
                if r.code:
                    name.projects.setdefault(("code", r.code), []).append((unit, r))
        # the bytes of a form placed by where it lies place its copies elsewhere (the very same file sent straight
        # to the bureau, beside its copy in a department's summary)
        found = [(stem, r.sha256, self._place(stem, r)) for stem, r in loose if r.sha256]
        for stem, sha, (unit, how) in found:
            if how in ("file", "input", "folder"):
                self._names[stem].homes.setdefault(("sha256", sha), set()).add(unit)
        units: dict[str, set[UnitId]] = {}
        for r in records:
            if (stem := unit_parts(r.unit or "")[0]) in self._names:
                units.setdefault(stem, set()).add(self.of(r))
        self.shared = {stem for stem, found in units.items() if len(found) > 1}

    def _evident_in(self, unit: str, department: str) -> str | None:
        """The department in evidence a form of `unit` naming `department` as its 主管部门 tells, if any."""
        if department and not names_itself(unit, department):
            key = self._departments.get(department)
            return key if key in self._evident else None
        return None

    def _name(self, stem: str, by_code: dict[str, set[str]], mine: set[str]) -> _Name | None:
        """The units a name is: each code's, and each department in evidence its forms without a code tell
        (`mine`) that no coded unit is of (by_code: each code → the departments in evidence its forms name); None
        where that is one unit."""
        claimed = set().union(*by_code.values())
        unclaimed = [code for code, keys in by_code.items() if not keys]
        told: dict[str, _Candidates] = {}
        for key in mine:
            same = [code for code, keys in by_code.items() if key in keys]
            if same:
                told[key] = tuple((stem, code) for code in same)
            elif len(unclaimed) == 1 and len(mine - claimed) == 1:
                told[key] = ((stem, unclaimed[0]),)
        rest = [key for key in mine if key not in told]
        for key in rest:
            told[key] = ((stem, key if len(rest) > 1 else None),)
        if len(by_code) + len(rest) < 2:
            return None
        return _Name(told)

    def _stated(self, stem: str, record: FormRecord) -> UnitId | None:
        """The unit a form of a name of several units tells by itself: its code, or its 主管部门 in evidence."""
        code = unit_parts(record.unit or "")[1]
        if code is not None:
            return stem, code
        told = self._candidates(stem, record)
        return told[0] if told is not None and len(told) == 1 else None

    def _candidates(self, stem: str, record: FormRecord) -> _Candidates | None:
        """The unit(s) a project form's 主管部门 tells, else that of the department's summary it was read from."""
        if record.kind != "project":
            return None
        told = self._telling(stem, record.unit or "", record.department) if record.department else None
        if told is None and (key := self._read_in.get(record.read_from())) is not None:
            told = self._names[stem].told.get(key)
        return told

    def _telling(self, stem: str, unit: str, department: str) -> _Candidates | None:
        """The unit(s) of a name of several units a form naming `department` as its 主管部门 may be; None where that
        tells nothing (the unit's own name, a department in no evidence). Once a spelling of each: they are few."""
        found = self._told.get((unit, department), ())
        if found == ():
            found = None
            if not names_itself(unit, department):
                name = self._names[stem]
                key = self._departments.get(department)
                if key is None:  # a spelling no project form writes (a department's own name on its 部门整体
                    like = {k for k in name.told  # form): the one of the name's departments written like it,
                            if any(_same_department(department, s) for s in self._spellings[k])}
                    like = like or {k for k in name.told  # else the one it abbreviates, or that abbreviates it
                                    if any(abbreviates(department, s) or abbreviates(s, department)
                                           for s in self._spellings[k])}
                    key = like.pop() if len(like) == 1 else None
                found = name.told.get(key) if key is not None else None
            self._told[(unit, department)] = found
        return found

    def _place(self, stem: str, record: FormRecord) -> tuple[UnitId, str]:
        """The unit of a form of a name of several units that tells none by itself, and what placed it: among the
        units it may be (those of its 主管部门, else all of the name's), the one whose forms share its file's bytes,
        its file or the summary it was read from; else, for a project form, the one with a project of its code or
        name (of several, the one whose has its 本年预算, which a correction keeps); else the one whose forms share
        its folder; else the first read. A 部门整体 form not placed by where it lies is the name's one coded unit,
        or none of them."""
        name = self._names[stem]
        candidates = list(self._candidates(stem, record) or name.units)
        project = record.kind == "project"
        held = (record.code and name.projects.get(("code", record.code)) or name.projects.get(
            ("name", record.name_key()[1]), [])) if project else []
        budget = record.total()[1] if project else None

        def kept(units: list[UnitId]) -> list[UnitId]:  # those with its project (of several, at its 本年预算)
            hits = [u for u in units if any(v == u for v, _ in held)]
            same = [u for u in hits if budget is not None and any(v == u and r.total()[1] == budget for v, r in held)]
            return same if len(same) == 1 else hits

        places = _whereabouts(record)
        for where in places[:-1] if places[-1][0] == "folder" else places:  # its file's bytes, its file, its summary
            there = name.homes.get(where)
            if len(hits := [u for u in candidates if there and u in there]) == 1:
                return hits[0], where[0]
            candidates = hits or candidates
        if project and (hits := kept(candidates)):  # its project is one of theirs
            if len(hits) == 1:
                return hits[0], "project"
            candidates = hits
        there = name.homes.get(places[-1], ()) if places[-1][0] == "folder" else ()
        if len(hits := [u for u in candidates if u in there]) == 1:  # its folder
            return hits[0], "folder"
        return candidates[0] if project else (stem, self._one.get(stem)), "first"

    def key(self, name: str | None, department: str | None = None) -> UnitId:
        """The unit a name is, written in a form naming `department` as its 主管部门 (a project form's: a 部门整体
        form names the unit itself there); where nothing tells which of several, the name's one coded unit, or
        none of them."""
        parts = unit_parts(name or "")
        stem, code = parts
        if code is not None:
            return parts
        if stem in self._names and department:
            told = self._telling(stem, name or "", department)
            if told is not None and len(told) == 1:
                return told[0]
        return stem, self._one.get(stem)

    def of(self, record: FormRecord) -> UnitId:
        """The unit of a form: by its name, its code, its 主管部门 in evidence, or where it lies or what it holds
        (a 部门整体 form names the unit itself as its 主管部门（单位）: no department's)."""
        parts = unit_parts(record.unit or "")
        stem, code = parts
        if code is not None:
            return parts
        if stem not in self._names:
            return stem, self._one.get(stem)
        unit = self._stated(stem, record)
        if unit is not None:
            return unit
        memo = (*record.where(), record.kind, record.unit, record.department, record.project, record.sha256)
        unit = self._placed.get(memo)
        if unit is None:
            unit = self._placed[memo] = self._place(stem, record)[0]
        return unit

    def names(self, records: Sequence[FormRecord]) -> dict[UnitId, str]:
        """Each unit of the records → its name as first written; where one name is several units, with its code
        (as a form writes it, or added), so that a reader tells 机关服务中心（101003） from 机关服务中心（102003）, or
        without codes with its 主管部门: 信息中心（某市教育局）, 信息中心（某市卫生健康委员会）."""
        names: dict[UnitId, str] = {}
        coded: dict[UnitId, str] = {}
        for r in records:
            key = self.of(r)
            names.setdefault(key, r.unit or "（未填单位）")
            if key[1] is not None and unit_parts(r.unit or "")[1] is not None:
                coded.setdefault(key, r.unit or "")
        for (stem, code), name in names.items():
            if code in self._shown:
                names[stem, code] = f"{name}（{self._shown[code]}）"
            elif code is not None and stem in self.shared and unit_parts(name)[1] is None:
                names[stem, code] = coded.get((stem, code)) or f"{name}（{code}）"
        return names


@lru_cache(maxsize=16384)
def names_itself(unit: str | None, department: str) -> bool:
    """Whether a form's 主管部门 line names its own unit (as a 部门整体 form's does, and a project form's may in
    error, which K017 points out): no department of its own. Once a spelling of each."""
    return bool(unit and alike_names(unit, [department]))


def _summary_of(record: FormRecord) -> str:
    """The summary a form came in (the innermost: a department's), "" for a form read from its own file."""
    at = record.read_from()
    return "" if at == (record.source or record.file) else at


def _whereabouts(record: FormRecord) -> tuple[tuple[str, str], ...]:
    """Where a form lies, narrowest first: its file's bytes (the very same file wherever it arrives), the file it
    came from, the file it was read from (a summary: one department's), the folder of the second."""
    first = record.source or record.file
    folder = os.path.dirname(first)
    return (*((("sha256", record.sha256),) if record.sha256 else ()), ("file", first), ("input", record.read_from()),
            *((("folder", folder),) if folder else ()))


def departments_named(naming: dict[tuple[str, str | None, str], set[str]], keys: dict[str, str],
                      counts: Counter[str], coded: set[str]) -> tuple[dict[str, str], set[str]]:
    """Which departments (department_keys) the units' forms show to be one, and which are in evidence: each spelling
    → its department, and the departments in evidence. A department is in evidence where a unit's project forms
    name it alone (a name without a code beside the name's coded units' naming departments, which it may be any
    of, only where other names' forms name it too). One every unit naming it names one other department beside is
    that department written another way (市教委 on re-sent forms of 某市教育局's units; of two departments only a
    信息中心 names, each is the other); one whose units name several others beside tells none of them (市教委 on the re-send of a
    信息中心 whose namesakes are 某市教育局's and 某市卫生健康委员会's). naming: each unit (unit_key, code, and the
    department's summary its forms were read from, if one: one name's forms in two summaries may be namesakes') →
    the spellings its project forms write, but its very own name; coded: the names written with a code."""
    parent = {key: key for key in keys.values()}
    weight = Counter()
    for spelling, key in keys.items():
        weight[key] += counts[spelling]

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    units = {unit: {keys[s] for s in spellings} for unit, spellings in naming.items()}
    of_codes: dict[tuple[str, str], set[str]] = {}  # (name, summary) → the departments its coded units name
    for (stem, code, summary), found in units.items():
        if code is not None:
            of_codes.setdefault((stem, summary), set()).update(found)
    for (stem, code, summary), found in units.items():  # a name without its code may be any of its coded units
        if code is None and stem in coded:
            found.update(of_codes.get((stem, summary), ()))
    joined = True
    while joined:  # one department written two ways may show a third to be it too
        joined = False
        beside: dict[str, set[str]] = {}  # each department → the others every unit naming it names too
        for found in units.values():
            roots = {root(k) for k in found}
            for r in roots:
                beside[r] = beside[r] & roots - {r} if r in beside else roots - {r}
        for a, others in beside.items():
            if len(others) == 1 and (a := root(a)) != (b := root(others.pop())):
                # the one more forms write, else the fuller name (某市教育局 over 市教委): the same whatever the order
                a, b = sorted((a, b), key=lambda k: (weight[k], len(k), k), reverse=True)
                parent[b], weight[a], joined = a, weight[a] + weight[b], True

    def alone(stem: str, code: str | None, summary: str) -> bool:
        """Whether a name's forms tell a department of their own: not those without its code beside coded units
        of the name whose project forms name departments, which they may be any of (a code on a unit's 部门整体
        form alone, which names no department, leaves them their own)."""
        return code is not None or stem not in coded or not of_codes.get((stem, summary))

    stems: dict[str, set[str]] = {}  # each department → the names naming it (but without their codes beside them)
    for (stem, code, summary), spellings in naming.items():
        if alone(stem, code, summary):
            for s in spellings:
                stems.setdefault(root(keys[s]), set()).add(stem)
    evident = set()
    for (stem, code, summary), spellings in naming.items():
        if len(found := {root(keys[s]) for s in spellings}) == 1:
            key = found.pop()  # a name without its code beside the name's coded units' may be any of them: only
            if alone(stem, code, summary) or stems.get(key, set()) - {stem}:  # with other names too
                evident.add(key)
    return {spelling: root(key) for spelling, key in keys.items()}, evident


def department_keys(counts: Counter[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Which spellings of 主管部门 are one department: those of one stem, or one code written in one region (region:
    甲市教育局（101001） is not 乙市教育局（101001）), and so on through the others (某市教育局（101001） joins 101001 and
    某市教育局); a spelling inside longer ones only where they are one department, its own office (某市教育局机关) or its
    units (某市财政局国库支付中心); a spelling by its common abbreviation (市卫健委 of 某市卫生健康委员会（102001）: _abbreviations)
    where it is one department's only. Stricter than _same_department, Units' lookup of a spelling no project form
    writes, which asks for one match only. Each spelling → its
    department's key (the spelling most forms use, after a NUL: never a unit's code), and each key → how a unit's
    name shows the department (that spelling without its code: 某市教育局). counts: each spelling → its forms."""
    parent = {s: s for s in counts}

    def root(s: str) -> str:
        while parent[s] != s:
            parent[s] = parent[parent[s]]
            s = parent[s]
        return s

    def join(a: str, b: str) -> None:
        parent[root(b)] = root(a)

    by_stem: dict[str, str] = {}
    by_code: dict[str, list[str]] = {}
    for s in counts:
        stem = party_stem(name_stem(s))
        join(by_stem.setdefault(stem, s), s)
        for code in _DEPARTMENT_CODE.findall(nfkc(s)):
            by_code.setdefault(code, []).append(s)
    for spellings in by_code.values():
        # cities number their departments alike: 甲市教育局（101001） is not 乙市教育局（101001）, and a spelling
        # naming no region (101001, 市教委（101001）) between them is neither
        regions = {s: region(s) for s in spellings}
        if len(set(regions.values()) - {None}) > 1:
            spellings = [s for s in spellings if regions[s] is not None]
            for s in spellings:
                join(next(t for t in spellings if regions[t] == regions[s]), s)
        else:
            for s in spellings:
                join(spellings[0], s)
    stems = sorted(by_stem, key=len)
    inside: dict[str, list[str]] = {}  # a short spelling → the longer ones that hold it
    for i, short in enumerate(stems):
        if len(short) >= 3:
            inside[short] = [long for long in stems[i + 1:] if short in long]
            for long in inside[short]:
                if long.startswith(short) and (long[len(short):] in _OWN_OFFICE
                                               or not _OWN_DEPARTMENT.search(long[len(short):])):
                    join(by_stem[short], by_stem[long])
    # 某市财政局 is 某市财政局国库支付中心's department, but 中共某市委员会 may be 组织部's or 宣传部's and 教育局 the
    # city's or a county's: a short spelling held by several departments joins none of them. The longest first,
    # so that 市教育局 finds 某市教育局 and 某市教育局直属 already one.
    for short in sorted(inside, key=lambda s: (-len(s), s)):
        if len(held := {root(by_stem[long]) for long in inside[short]} - {root(by_stem[short])}) == 1:
            join(held.pop(), by_stem[short])
    stemmed: dict[str, list[str]] = {}
    for stem, s in by_stem.items():
        stemmed.setdefault(root(s), []).append(stem)
    coded = {root(s) for spellings in by_code.values() for s in spellings}
    for department, short in _abbreviations(stemmed, coded):
        join(department, short)
    groups: dict[str, list[str]] = {}
    for s in counts:
        groups.setdefault(root(s), []).append(s)
    keys: dict[str, str] = {}
    shown: dict[str, str] = {}
    for members in groups.values():
        first = max(members, key=lambda s: counts[s])  # of as many, the first written
        key = f"\0{first}"
        shown[key] = _SHOWN_CODE.sub("", first).strip() or first
        keys.update(dict.fromkeys(members, key))
    return keys, shown


def _abbreviations(groups: dict[str, list[str]], coded: set[str]) -> list[tuple[str, str]]:
    """The pairs of groups of spellings (groups: each → its stems) to join as one department written by its
    abbreviation: a group that abbreviates one other group and no more (市卫健委 beside 某市卫生健康委员会（102001）;
    of 甲市's and 乙市's, neither's), or several that are one so (市法院 beside 市中院 and 某市中级人民法院), where what
    it joins names one city (甲市卫健委 and 市卫健委 written alike are no 某市卫生健康委员会) and one code at most
    (coded: the groups written with one; two codes are two departments). Each stem is held against the few whose
    names start and end alike (_abbreviation_key), not against all: a bureau's are hundreds."""
    index: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}  # (first, ending, numbers) → _readings
    for group, stems in groups.items():
        for stem in stems:
            for place, body in _readings(stem, True):
                if (key := _abbreviation_key(body)) is not None:
                    index.setdefault(key, []).append((group, place, body))
    parent = {g: g for g in groups}

    def root(g: str) -> str:
        while parent[g] != g:
            g = parent[g]
        return g
    several = []
    for group, stems in groups.items():
        found = _abbreviated_groups(group, stems, index)
        if len(found) > 1:
            several.append((group, found))
        elif found and not {group, (other := found.pop())} <= coded and root(group) != root(other):
            parent[root(group)] = root(other)
    for group, found in several:  # (most abbreviate several cities' departments: the first two tell them)
        if len({root(g) for g in found}) == 1:
            found = _abbreviated_groups(group, groups[group], index, None)
            if len(ones := {root(g) for g in found}) == 1 and root(group) not in ones and (
                    group not in coded or not found & coded):
                parent[root(group)] = ones.pop()
    components: dict[str, list[str]] = {}
    for group in groups:
        components.setdefault(root(group), []).append(group)
    joined = []
    for members in components.values():
        places = {p for g in members for stem in groups[g] for at, _ in _readings(stem, True)  # 团市委's is 市
                  if not set(p := at.removesuffix("委")) <= set(_PLAIN_PREFIXES)}
        if len(places) <= 1 and sum(g in coded for g in members) <= 1:
            joined += [(members[0], g) for g in members[1:]]
    return joined


def _abbreviated_groups(group: str, stems: list[str], index: dict[tuple[str, str, str], list[tuple[str, str, str]]],
                        most: int | None = 2) -> set[str]:
    """The other groups a group's stems abbreviate (abbreviates, of the readings indexed), `most` at most: two are
    as many as more, but where they may be one."""
    found: set[str] = set()
    for stem in stems:
        for place, body in _readings(stem):
            for key in _abbreviating_keys(body):
                for other, at, full in index.get(key, ()):
                    if other != group and other not in found and len(full) >= len(body) and _same_level(place, at) \
                            and _abbreviated(body, full) and not _named_further(body, full):
                        found.add(other)
                        if most is not None and len(found) >= most:
                            return found
    return found


def _named_further(short: str, full: str) -> bool:
    """Whether a department's name (full) is another's (short) with more after its start: two departments a city may
    have both of (人民政府办公室 and 人民政府金融工作办公室, 教育局 and 教育体育局), not a name and its abbreviation, nor
    one name read alike (团市委 and 共青团某市委员会: 团委); one character before the ending is an abbreviation's
    (纪委: 纪律检查委员会, 妇联: 妇女联合会)."""
    a, b = _ending(short), _ending(full)
    return a is not None and b is not None and len(a[0]) > 1 and b[0] != a[0] and b[0].startswith(a[0])


def _keyed_spellings(departments: Iterable[str | None]) -> tuple[list[str], dict[str, str]]:
    """The distinct spellings of 主管部门 given, with their departments' keys (department_keys): a roster's
    shortened, abbreviated and abbreviating names are each sought among the same spellings, which are grouped once."""
    spellings = [d for d in dict.fromkeys(departments) if d]
    return spellings, _spelling_keys(tuple(spellings))


@lru_cache(maxsize=4)
def _spelling_keys(spellings: tuple[str, ...]) -> dict[str, str]:
    return department_keys(Counter(spellings))[0]


def shortened_departments(names: Iterable[str], departments: Iterable[str]) -> dict[str, list[str]]:
    """The names that write a department otherwise than its forms do, as a bureau's roster says its city's
    departments, each with that department's spellings: shorter (市教育局 for 某市教育局（101001）), the one department
    (department_keys) whose spellings hold the name, which reads as a department's (…局, …委员会); or with the city its
    forms leave out (长沙市教育局 for 教育局 or 市教育局, 市教育局 for 教育局), the one whose spelling it ends with after
    its region or plain 市; or with the other sign the organ bears, or without it (中共某市委党校（某市行政学院）:
    _other_sign). Of several (教育局 of 甲市 and 乙市), none's. A longer name (某市教育局电教馆, 市教育局党委) is a
    unit, never its department."""
    spellings, keys = _keyed_spellings(departments)
    stems = {d: name_stem(d) for d in spellings}
    found: dict[str, list[str]] = {}
    for name in names:
        held = {keys[d] for d, other in stems.items() if _shortened(name, other) or _other_sign(name, d)}
        if len(held) == 1:
            found[name] = [d for d in spellings if keys[d] in held]
    return found


def _shortened(name: str, other: str) -> bool:
    """Whether a name that reads as a department's writes the department of stem `other` shorter, or with the city
    its forms leave out (shortened_departments)."""
    stem = name_stem(name)
    if len(stem) < 3 or not _reads_as_department(stem) or stem == other:
        return False
    stem, other = party_stem(stem), party_stem(other)  # 市委组织部 is 中共某市委员会组织部 shorter
    # its city, with what leads it (中共长沙市委员会组织部: 市委组织部 with its city), or the plain 市 (市文化和旅游局)
    place = stem.find(found) + len(found) if (found := region(name)) else int(stem[:1] in _PLAIN_PREFIXES[1:])
    return stem in other or len(other) >= 3 and stem.endswith(other) and len(stem) - len(other) <= place


def _reads_as_department(stem: str) -> bool:
    """Whether a name reads as a department's (…局, …委员会, a 群团's), or as its Party committee's school or
    research office (市委党校, 市委政研室), which end otherwise."""
    organ = _party_organ(stem)
    return bool(_OWN_DEPARTMENT.search(stem) or _ORGANISATION.search(stem) or organ and organ[1].endswith(("党校", "室")))


_BRACKETED_TEXT = re.compile(r"\(([^()]*)\)")


def _other_sign(name: str, spelling: str) -> bool:
    """Whether a name and a department's spelling of one stem, a department's name, are one organ, which one or both
    write with the other sign it bears in brackets, a name with its own city (中共某市委党校（某市行政学院）), not its
    own office (某局（本级） is a unit of 某局) nor a code; a unit written with its department (信息中心（某市教育局）)
    is no department's."""
    if (stem := name_stem(name)) != name_stem(spelling) or not _reads_as_department(stem):
        return False
    added = [text for n in (name, spelling) for text in _BRACKETED_TEXT.findall(_CODE.sub("", nfkc(code_aside(n))))]
    return bool(added) and all(region(text) is not None for text in added)


def abbreviated_departments(names: Iterable[str], departments: Iterable[str]) -> dict[str, list[str]]:
    """The names that write a department by its common abbreviation, as a bureau's roster is typed (市卫健委 for
    某市卫生健康委员会（102001）, 市人社局, 长沙市发改委), each with that department's spellings: the one department
    (department_keys) whose name it abbreviates (abbreviates), where none of the others names it (by its name,
    shorter, with its city or abbreviated too). A name that writes a department by its name, or shorter, is that
    one (shortened_departments decides), not another it reads as abbreviating (市教育局, not 某市教育体育局). A name
    written in full is the department whose forms sign it by its abbreviation only (某市卫生健康委员会 for 市卫健委:
    _abbreviating), each of its spellings (not 市卫健委 beside 甲市卫健委, which may be 甲市's). A name that may be
    two departments, or a department two names may be, is none. names: all the roster's, to know which others name
    a department."""
    names = list(dict.fromkeys(names))
    spellings, keys = _keyed_spellings(departments)
    stems = {d: name_stem(d) for d in spellings}
    groups: dict[str, list[str]] = {}  # each department → its spellings
    for d in spellings:
        groups.setdefault(keys[d], []).append(d)
    shortest: dict[tuple[str, str, str], set[str]] = {}  # _abbreviating_keys of a department's first spelling → it
    for key, group in groups.items():
        for _, body in _readings(group[0]):
            for found in _abbreviating_keys(body):
                shortest.setdefault(found, set()).add(key)
    held: dict[str, set[str]] = {}  # each name that writes no department by its name → those it abbreviates
    named: dict[str, set[str]] = {}  # each department → the names that may be it
    for name in names:
        written = {keys[d] for d, other in stems.items() if name_stem(name) == other or _shortened(name, other)}
        found = written or {keys[d] for d in spellings if abbreviates(name, d)} | {
            key for _, full in _readings(name, True) for key in shortest.get(_abbreviation_key(full), ())
            if all(_abbreviating(d, name) for d in groups[key])}
        for key in found:
            named.setdefault(key, set()).add(name)
        if not written:
            held[name] = found
    return {name: [d for d in spellings if keys[d] in found] for name, found in held.items()
            if len(found) == 1 and named[next(iter(found))] == {name}}


@lru_cache(maxsize=16384)
def _abbreviating(spelling: str, name: str) -> bool:
    """Whether a form's 主管部门 abbreviates a name written in full (市卫健委: 某市卫生健康委员会), and not as a name held
    with more after its start (市教育局 is no 某市教育体育局's: _named_further)."""
    return any(_same_level(place, at) and _abbreviated(body, full) and not _named_further(body, full)
               for place, body in _readings(spelling) for at, full in _readings(name, True))


def abbreviated_spellings(departments: Iterable[str | None]) -> dict[str, list[str]]:
    """Each spelling of 主管部门 that department_keys joins to its department as its abbreviation (市卫健委 of
    某市卫生健康委员会（102001）) → the department's spellings it abbreviates: a roster naming the department either
    way is answered by the forms of both."""
    spellings, keys = _keyed_spellings(departments)
    groups: dict[str, list[str]] = {}
    for d in spellings:
        groups.setdefault(keys[d], []).append(d)
    stems = {d: name_stem(d) for d in spellings}
    found = {}
    for d in spellings:
        if len(group := groups[keys[d]]) > 1:  # (not a name inside the other: 市教育局 and 某市教育局)
            if full := [s for s in group if stems[d] not in stems[s] and stems[s] not in stems[d] and abbreviates(d, s)]:
                found[d] = full
    return found


# abbreviations that do not start as the full name does, or end otherwise, and so abbreviates cannot tell (编办 of
# 机构编制委员会办公室, 政研室 of 政策研究室: 室 is no ending of _ENDINGS): body →
# the full bodies it may be (a city has one of them: 法院 is a city's 中级人民法院, its 中院, a county's 人民法院; 数据局 its
# 大数据发展管理局 renamed, or its 政务服务和大数据管理局; 环保局 and 卫计委 its departments' names before 2018;
# 金融办 its 地方金融管理局 since the 2024 reform, and the Party committee's 金融委员会办公室 too, so of the two it is
# neither; 党校 and 行政学院 one school's two signs, 校院合一); 统一's 一 is no number
_KNOWN_ABBREVIATIONS = {"资规局": ("自然资源和规划局",), "政府办": ("人民政府办公室",), "侨联": ("归国华侨联合会",),
                        "统战部": ("统一战线工作部",), "纪委监委": ("纪律检查委员会", "监察委员会"), "编办": ("机构编制委员会办公室",),
                        "编委办": ("机构编制委员会办公室",), "政研室": ("政策研究室",),
                        "中院": ("中级人民法院",), "法院": ("中级人民法院", "人民法院", "中院"), "检察院": ("人民检察院",),
                        "环保局": ("生态环境局",), "环境局": ("生态环境局",), "审批局": ("行政审批服务局", "行政审批局"),
                        "大数据局": ("数据资源管理局", "政务服务和大数据管理局"),
                        "数据局": ("大数据发展管理局", "大数据管理局", "政务服务和大数据管理局"), "卫计委": ("卫生健康委员会",),
                        "金融办": ("地方金融监督管理局", "地方金融管理局", "人民政府金融工作办公室", "金融委员会办公室"),
                        "党校": ("行政学院",), "行政学院": ("党校",)}
_KNOWN_FULL = {full for fulls in _KNOWN_ABBREVIATIONS.values() for full in fulls}
# the word a department's name ends with → how its abbreviation ends (委员会: 卫健委; a committee's office, 委员会办公室,
# 办: 网信办); 党委 is a unit's, not a 委's
_ENDINGS = (("委员会办公室", "办"), ("委员会", "委"), ("办公室", "办"), ("局", "局"), ("委", "委"), ("办", "办"),
            ("联合会", "联"), ("协会", "协"), ("联", "联"), ("协", "协"))  # 群团: 妇联, 残联, 科协
_ORGANISATION = re.compile(r"(?:工会|联合会|协会|红十字会|联|协)$")  # a 群团's name, a department's on a city's roster
_NUMERALS = re.compile("[0-9〇零一二三四五六七八九十百]")  # an abbreviation keeps a name's numbers whole
_DEPARTMENT_WORD = re.compile("[局委办厅署]")  # before the ending: a name of a department's unit (教育局党委), or none


@lru_cache(maxsize=16384)
def abbreviates(name: str, department: str) -> bool:
    """Whether a name is a department's common abbreviation: after their cities (or the 市 of an unnamed one), of
    the same one, it ends as the department's name does (局; 委 for 委员会; 办 for 办公室 and 委员会办公室) and its
    characters before that are taken in order from the department's, from its first (卫健委: 卫生健康委员会, 人社局:
    人力资源和社会保障局, 教体局: 教育体育局, 网信办: 网络安全和信息化委员会办公室), its numbers kept whole (市第二局
    is no 第十二局), or it is one of _KNOWN_ABBREVIATIONS (资规局: 自然资源和规划局). A name, or a department's,
    holding a department's word before its end (市教育局党委, 教育局办) is no such pair."""
    return any(_same_level(place, at) and _abbreviated(body, full)
               for place, body in _readings(name) for at, full in _readings(department, True))


def _abbreviated(short: str, full: str) -> bool:
    """abbreviates, the cities aside; a known name ending otherwise (_KNOWN_FULL) abbreviates itself too, as a name
    with an ending does (党校: 某市党校 and 中共某市委党校)."""
    if full in _KNOWN_ABBREVIATIONS.get(short, ()) or short == full and short in _KNOWN_FULL:
        return True
    a, b = _ending(short), _ending(full)
    if a is None or b is None or a[1] != b[1] or _DEPARTMENT_WORD.search(a[0] + b[0]):
        return False
    letters = iter(b[0])
    return (a[0][:1] == b[0][:1] and _NUMERALS.findall(a[0]) == _NUMERALS.findall(b[0])
            and all(c in letters for c in a[0]))


def _abbreviating_keys(body: str) -> set[tuple[str, str, str]]:
    """The _abbreviation_key of each name an abbreviation's body may be: its own, and those it stands for in
    _KNOWN_ABBREVIATIONS (资规局: 自然资源和规划局's)."""
    return {_abbreviation_key(b) for b in (body, *_KNOWN_ABBREVIATIONS.get(body, ()))} - {None}


def _abbreviation_key(body: str) -> tuple[str, str, str] | None:
    """What a department's name and its abbreviation share (_abbreviated): the first character, the ending, and
    the numbers (第二 is no 第十二)."""
    found = _ending(body)
    if found is None:
        return ("", body, "") if body in _KNOWN_FULL else None  # 人民检察院: what 检察院 abbreviates
    return found[0][:1], found[1], "".join(_NUMERALS.findall(found[0]))


@lru_cache(maxsize=16384)
def _ending(body: str) -> tuple[str, str] | None:
    """A department's name as what precedes its ending and how an abbreviation ends it (_ENDINGS), if it ends so:
    worked out once a body, which each of a bureau's hundreds of spellings is held against several times."""
    for word, short in _ENDINGS:
        if body.endswith(word) and len(body) > len(word) and not body.endswith("党委"):
            return body[:-len(word)], short
    return None


# offices one organ of a city's Party committee and its government both, whichever signs them (the committee's 编办
# and 网信办 sign as the government's too, its 党校 as the 行政学院): a 市委 name is theirs, though no other
# department of the government's
_EITHER_SIGNING = frozenset(("机构编制委员会办公室", "编办", "编委办", "网络安全和信息化委员会办公室", "网信办", "党校",
                             "行政学院"))


@lru_cache(maxsize=16384)
def _readings(name: str, department: bool = False) -> tuple[tuple[str, str], ...]:
    """The ways a name reads as (its city, the rest): by its region (甲市, 长沙县); else, led by a plain 市, 县 or 区
    (市卫健委), without it, as the city's, and a roster's name as it is too (市监局: 市场监督管理局). A department's
    市 is its city's: read as a word too, 市地方金融监督管理局 would be 市监局's, 市 for 市. A region of plain words
    alone (市市场监督管理局, 区市场监督管理局) is the plain one, the rest a word's. A department's name that begins
    with a word led by one (市场监督管理局, its city left out) reads as it is. An organ of a city's Party committee
    reads as its committee's (_party_organ: 市委统战部 is (市委, 统战部)), the city's Youth League committee as its
    团委 (团市委 and 共青团某市委员会: (市, 团委), (某市, 团委)); the city's 纪委 and 监委 as one (party_stem). An office
    of _EITHER_SIGNING its city's reads as its committee's too (某市机构编制委员会办公室: (某市委, …))."""
    found = _city_readings(name, department)
    either = [(f"{place}委", body) for place, body in found if body in _EITHER_SIGNING and place[-1:] not in ("", "委")]
    return (*found, *either) if either else found


def _city_readings(name: str, department: bool) -> tuple[tuple[str, str], ...]:
    """_readings, an office of _EITHER_SIGNING read only as it is signed."""
    stem = party_stem(name_stem(name))
    if league := _LEAGUE.fullmatch(party_stem(stem)):
        return ((league[1] or league[2], "团委"),)
    if (organ := _party_organ(stem)) is not None:
        return (organ,)
    if (place := region(name)) is not None and not set(place) <= set(_PLAIN_PREFIXES):
        return ((place, stem[stem.find(place) + len(place):]),)
    if department and stem.startswith(_PLAIN_WORDS):
        return (("", stem),)
    plain = stem[:1] in _PLAIN_PREFIXES[1:]
    return (*((("", stem),) if not (plain and department) else ()), *(((stem[0], stem[1:]),) if plain else ()))


def _same_level(place: str, other: str) -> bool:
    """Whether two cities may be one: one unnamed (""), the same, or one a plain 市 of the other's (长沙市); a Party
    committee's (市委, _party_organ) is its city's, and a name read as one is no department of the city's government
    (市委办 is no 市政府办), while the city's may be its committee's (市政法委: 中共某市委政法委员会)."""
    if place.endswith("委") and other and not other.endswith("委"):
        return False
    place, other = place.removesuffix("委"), other.removesuffix("委")
    return not place or not other or place == other or min(len(place), len(other)) == 1 and place[-1] == other[-1]


_PLACE = "(.*?(?:自治区|自治州|自治县|地区|省|市|州|盟|县|旗|区))"
_PARTY = re.compile(f"(?:中共)?{_PLACE}委(?!员会)(.*)")  # 中共某市委组织部, 市委办: (某市, 组织部), (市, 办)
_PARTY_FULL = re.compile(f"(中共|共青团){_PLACE}委员会")  # 中共某市委员会组织部, 共青团某市委员会, as their seals read
_LEAGUE = re.compile(f"(?:共青团|团){_PLACE}委|{_PLACE}团委")  # 共青团某市委, 团市委, 市团委: the city's 团委
_NOT_PARTY = ("政协", "协商会议", "人大", "代表大会")  # 政协某市委员会: no Party committee's
_TWO_SIGNS = re.compile("(.*?)(纪律检查委员会|纪委)(.+?)(监察委员会|监委)")  # 市纪委市监委: (市, 纪委, 市, 监委)


@lru_cache(maxsize=16384)
def party_stem(stem: str) -> str:
    """A stem with its Party committee written as staff write it: 中国共产党某市委员会组织部 and 中共某市委员会组织部
    are 中共某市委组织部 (so that 市委组织部 is it shorter), 中国共产主义青年团某市委员会 共青团某市委; the one organ of
    two signs, its city's 纪委 and 监委, as one (市纪委市监委 is 市纪委监委, not 纪委市's 监委; 中共某市纪律检查委员会
    某市监察委员会 is its 纪委); any other as it is."""
    for full, short in (("中国共产党", "中共"), ("中国共产主义青年团", "共青团")):
        if stem.startswith(full):
            stem = short + stem.removeprefix(full)
    if "监" in stem and (signs := _TWO_SIGNS.fullmatch(stem)) and signs[3] == signs[1].removeprefix("中共"):
        return f"{signs[1]}{signs[2]}{'监委' if signs[2] == '纪委' else ''}"
    found = _PARTY_FULL.match(stem)
    return f"{found[1]}{found[2]}委{stem[found.end():]}" if found else stem


@lru_cache(maxsize=16384)
def signs(name: str) -> tuple[str, ...]:
    """The signs of the one organ a name writes both of, its city's 纪委 and 监委, each as a name of its own
    (中共某市纪律检查委员会 某市监察委员会: 中共某市纪律检查委员会, 某市监察委员会; 某市纪委监委: 某市纪委, 某市监委): a
    roster names the organ by either. None for any other name."""
    stem = name_stem(name)
    if "监" not in stem:
        return ()
    stem = "中共" + stem.removeprefix("中国共产党") if stem.startswith("中国共产党") else stem
    if (two := _TWO_SIGNS.fullmatch(stem)) and two[3] == two[1].removeprefix("中共"):
        return two[1] + two[2], two[3] + two[4]
    if stem.endswith("纪委监委"):
        return stem[:-2], stem[:-4].removeprefix("中共") + "监委"
    return ()


def _party_organ(stem: str) -> tuple[str, str] | None:
    """(its committee, the organ) of a city's Party organ: 中共某市委员会统一战线工作部 is (某市委, 统一战线工作部),
    市委统战部 (市委, 统战部); None for any other name (中共某市纪律检查委员会 is the city's 纪委)."""
    found = _PARTY.fullmatch(party_stem(stem))
    if found is None or any(w in found[1] for w in _NOT_PARTY):
        return None
    return found[1] + "委", found[2]


_REGION = re.compile(r"^(?:中共|中国共产党)?(.+?(?:自治区|自治州|自治县|地区|省|市|州|盟|县|旗|区))")
# words ending as a region does, which begin a department's own name (城市管理局, 社区服务中心); 晋城市 is a city
_NOT_PLACES = ("城市", "都市", "社区", "园区", "景区", "校区", "市区", "郊区", "山区", "林区", "矿区")
_PLAIN_PREFIXES = ("", "市", "区", "县", "省", "州")  # 市城市管理局: the city's, unnamed
_PLAIN_WORDS = ("市场",)  # words led by a plain prefix, which begin a department's own name (市场监督管理局)


@lru_cache(maxsize=16384)
def region(department: str) -> str | None:
    """The province, city or county a 主管部门 is written with (甲市教育局（101001） → 甲市), if any."""
    m = _REGION.match(party_stem(name_stem(department)))
    if m is None:
        return None
    found = m.group(1)
    word = next((w for w in _NOT_PLACES if found.endswith(w)), None)
    return None if word and found[:-len(word)] in _PLAIN_PREFIXES else found  # 城市管理局, 市城市管理局: no region


_OWN_OFFICE = ("机关", "本级", "机关本级", "本部")  # 某市教育局机关 is 某市教育局 itself, however many others hold it
# …and 某市财政局国库支付中心 its unit; but 中共某市委员会组织部 or 某市人民政府办公室 is a department of its own
_OWN_DEPARTMENT = re.compile(r"(?:部|(?<!党)委|委员会|局|厅|署|办|办公室)$")
_SHOWN_CODE = re.compile(r"\s*[(（\[【〔]\s*[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-－]+\s*[)）\]】〕]")


@lru_cache(maxsize=16384)
def name_stem(name: str) -> str:
    """A name without what brackets add: 某局（本级）, 某局(机关) and 某局 share the stem 某局, as 某局（101001）
    and 某局 do."""
    return label_key(_BRACKETED.sub("", nfkc(code_aside(name)))) or label_key(name)


def alike_names(name: str, others: Iterable[str]) -> list[str]:
    """The names that may be the same unit written another way: the same stem, or one inside the other
    (第一中学 and 某县第一中学)."""
    stem, out = name_stem(name), []
    for other in others:
        short, long = sorted((stem, name_stem(other)), key=len)
        if short == long or (len(short) >= 3 and short in long):
            out.append(other)
    return out


def department_groups(records: Iterable[FormRecord], kinds: tuple[str, ...] = ("project",)
                      ) -> list[tuple[str, list[FormRecord]]]:
    """The project forms by the 主管部门 they name, those written alike taken as one, each by the spelling most of
    its forms use; most units first. A department's summary has one; a bureau's, several. (A unit's 部门整体 form
    names the unit itself there, 主管部门（单位）, so it does not count but where `kinds` says so.) The spellings
    are grouped, not the forms one by one, by department_keys (as Units groups them): a bureau's are hundreds, too
    many to compare each with every other."""
    by_spelling: dict[str, list[FormRecord]] = {}
    for r in records:
        if r.department and r.kind in kinds:
            by_spelling.setdefault(r.department, []).append(r)
    keys, _ = department_keys(Counter({spelling: len(forms) for spelling, forms in by_spelling.items()}))
    grouped: dict[str, list[str]] = {}
    for spelling in by_spelling:
        grouped.setdefault(keys[spelling], []).append(spelling)
    found = []
    units = Units(r for forms in by_spelling.values() for r in forms)
    for spellings in grouped.values():
        forms = [r for spelling in spellings for r in by_spelling[spelling]]
        found.append((max(spellings, key=lambda sp: len(by_spelling[sp])), forms, len({units.of(r) for r in forms})))
    return [(name, forms) for name, forms, _ in sorted(found, key=lambda g: -g[2])]


def departments_of(groups: list[tuple[str, list[FormRecord]]]) -> dict[str, str]:
    """A bureau's (department_groups gave several): each spelling of 主管部门 its project forms write → the name its
    sheets show in their 主管部门 column; empty for one department's summary, which has no such column."""
    if len(groups) < 2:
        return {}
    return {r.department: name for name, forms in groups for r in forms if r.department}


class Departments:
    """The 主管部门 a bureau's tables show beside a form's row: a project form's as departments_of names it; a unit's
    部门整体 form's, which names the unit itself as 主管部门（单位）, the one its unit's projects name (units: Units
    tells 某校（101001004） is 某校, 机关服务中心（101003） not 机关服务中心（102003）). None in one department's summary."""

    def __init__(self, department_of: dict[str, str], projects: Iterable[FormRecord], units: Units):
        self.department_of, self.units = department_of, units
        self.of_unit: dict[tuple, str] = {}
        for r in projects:
            if (name := department_of.get(r.department or "")) is not None:
                self.of_unit.setdefault(units.of(r), name)

    @classmethod
    def of(cls, records: list[FormRecord]) -> Departments:
        """As a summary of these records (its records sheet read back) showed them."""
        projects = [r for r in records if r.kind == "project"]
        return cls(departments_of(department_groups(projects)), projects, Units(records))

    def __call__(self, record: FormRecord) -> str | None:
        if record.kind == "project" or not self.department_of:
            return self.department_of.get(record.department or "")
        return self.of_unit.get(self.units.of(record))


_DEPARTMENT_CODE = re.compile(r"(?<![0-9])[0-9]{6,}(?![0-9])")


def _same_department(name: str, other: str) -> bool:
    """Alike names (某市教育局（101001）, 某市教育局), or the same code however the rest is written (101001 alone)."""
    codes = set(_DEPARTMENT_CODE.findall(nfkc(name)))
    return bool(alike_names(name, [other])) or bool(codes & set(_DEPARTMENT_CODE.findall(nfkc(other))))


def with_units(groups: list[tuple[str, list[FormRecord]]], units: Units | None = None
               ) -> list[tuple[str, list[str]]]:
    """Each of department_groups' departments with its units (Units.names: as first written, with its code where
    one name is several units); `units` tells them apart, by default of the groups' forms."""
    units = units or Units(r for _, forms in groups for r in forms)
    return [(name, list(units.names(forms).values())) for name, forms in groups]


def department_name(records: Iterable[FormRecord]) -> str:
    """The department a summary is of, as its title and its 部门整体's header name it: the one all its project forms
    name however written, "" when they name several (a bureau's summary of departments) or none."""
    records = list(records)
    found = department_groups(records) or department_groups(records, ("department",))  # 部门整体 forms alone:
    return found[0][0] if len(found) == 1 else ""  # one is the department's own, several its units' each


def unit_or_file(record: FormRecord, units: Units) -> object:
    """Whose a form is: its unit; a form naming none, its file's (FormRecord.unnamed), as two files leaving 预算单位
    blank are two units' forms."""
    unit = units.of(record)
    return unit if unit[0] else record.unnamed()
