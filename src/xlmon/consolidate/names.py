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


def name_keys(name: str) -> set[str]:
    """label_key of a name, and of the name without a code in brackets."""
    return {label_key(name), label_key(_CODE.sub("", nfkc(name)))} - {""}


def unit_code(name: str | None) -> str | None:
    """The code a unit's name is written with (某校（101001004） → 101001004), if any."""
    m = _CODE.search(nfkc(name or ""))
    return re.sub(r"[^0-9A-Z]", "", m.group(0).upper()) or None if m else None  # 101001-001 is 101001001


def unit_key(name: str) -> str:
    """A unit's name without its code (某校（101001004） is 某校, as its 部门整体 form and a re-sent file may write it;
    某局（本级） is not 某局): half of what tells units apart, Units the whole."""
    return label_key(_CODE.sub("", nfkc(name))) or label_key(name)


UnitId = tuple[str, str | None]  # a unit as Units tells it: unit_key of its name, and its code (None: none known)


@lru_cache(maxsize=16384)
def unit_parts(name: str) -> UnitId:
    """unit_key and unit_code of a name, worked out once a spelling (each of thousands of forms names its unit)."""
    return unit_key(name), unit_code(name)


class Units:
    """Which of the names a set of forms writes are one unit: the one notion of "the same unit" wherever units
    are told apart (aggregate.same_project, 汇总表's table by unit, the count of units, each department's units,
    the 部门整体 note, the report). The same name (unit_key) and the same code are one unit; a name written
    without a code is the unit its name is written with a code of (某校 and 某校（101001004）, as a unit's 部门整体
    form and a re-sent file write it). Two codes are two units, whatever the name (机关服务中心（101003） of one
    department and 机关服务中心（102003） of another). A project form's name without a code is the coded unit whose
    project forms name the same 主管部门, and none of another department's: a unit of its own where no one such is
    (机关服务中心 of 某市卫生健康委员会 beside 机关服务中心（101003） of 某市教育局 alone). A unit belongs to one
    主管部门: a name without a code is one unit while its project forms name one department however written
    (某市教育局, 市教育局, 某市教育局（101001） and 101001 are one: department_keys), and one unit of each department
    where they name several (信息中心 of 某市教育局 and 信息中心 of 某市卫生健康委员会, neither giving a code). A form
    that names no department of its own there (a 部门整体 form names the unit itself; a project form may leave
    the line blank or write its unit's own name) is then the unit whose project forms share its file, the summary
    it was read from or its folder."""

    def __init__(self, records: Iterable[FormRecord]):
        records = list(records)
        # unit_key → each code it is written with → the 主管部门 the project forms written so name
        self._codes: dict[str, dict[str, set[str]]] = {}
        for r in records:
            stem, code = unit_parts(r.unit or "")
            if code:
                departments = self._codes.setdefault(stem, {}).setdefault(code, set())
                if r.kind == "project" and r.department:
                    departments.add(r.department)
        self._told: dict[tuple[str, str], str | None] = {}  # (unit_key, 主管部门) → the code it tells, if one
        # a name without a code of several departments: unit_key → the department_keys its project forms name
        self._split: dict[str, set[str]] = {}
        self._departments: dict[str, str] = {}  # each spelling of 主管部门 → its department_keys key
        self._shown: dict[str, str] = {}  # each department_keys key → how a unit's name shows it: （某市教育局）
        self._tagged: dict[tuple[str, str], str | None] = {}  # (unit_key, 主管部门 as written) → its department's key
        self._homes: dict[tuple[str, str, str], set[UnitId]] = {}  # (unit_key, where, file) → the units there
        # unit_key → each department its project forms told no code name → the unit's names written with it
        bare: dict[str, dict[str, set[str]]] = {}
        written = Counter((r.unit or "", r.department) for r in records if r.kind == "project" and r.department)
        for unit, department in written:  # each spelling of a name with each of its department: they are few
            stem, code = unit_parts(unit)
            if stem and code is None and (stem not in self._codes or self.key(unit, department)[1] is None):
                bare.setdefault(stem, {}).setdefault(department, set()).add(unit)
        several = {stem: found for stem, found in bare.items() if len(found) > 1}
        if several:
            counts = Counter()
            for (_, department), n in written.items():
                counts[department] += n
            self._departments, self._shown = department_keys(counts)
            for stem, found in several.items():
                keys = {self._departments[d] for d, names in found.items()
                        if not all(names_itself(name, d) for name in names)}
                if len(keys) > 1:
                    self._split[stem] = keys
        if self._split:  # where the units of a name split by department are: the files of their project forms,
            homeless = []  # and the bytes of those of their other forms that lie beside them (a copy elsewhere)
            for r in records:
                stem, code = unit_parts(r.unit or "")
                if code is None and stem in self._split:
                    if r.kind == "project" and r.department and not names_itself(r.unit, r.department):
                        unit = self.key(r.unit, r.department)
                        for where in _whereabouts(r):
                            self._homes.setdefault((stem, *where), set()).add(unit)
                    else:
                        homeless.append((stem, r))
            found = [(stem, r.sha256, self._home(stem, r)) for stem, r in homeless if r.sha256]
            for stem, sha, unit in found:
                if unit[1] is not None:
                    self._homes.setdefault((stem, "sha256", sha), set()).add(unit)
        # the names that are several units (two codes, a code and forms without it of another department, or
        # forms without a code of two departments)
        self.shared = {stem for stem, codes in self._codes.items() if len(codes) > 1} | set(self._split)
        for r in records:
            stem = unit_parts(r.unit or "")[0]
            if stem in self._codes and stem not in self.shared and self.of(r)[1] is None:
                self.shared.add(stem)

    def key(self, name: str | None, department: str | None = None) -> UnitId:
        """The unit a name is, written in a form naming `department` as its 主管部门 (a project form's: a 部门整体
        form names the unit itself there)."""
        parts = unit_parts(name or "")
        stem, code = parts
        if code is not None:
            return parts
        codes = self._codes.get(stem)
        if codes:
            if not department:
                return stem, next(iter(codes)) if len(codes) == 1 else None
            told = self._told.get((stem, department), "")
            if told == "":  # once a spelling of the name and of its department: they are few
                same = [c for c, named in codes.items() if any(_same_department(department, d) for d in named)]
                unknown = [c for c, named in codes.items() if not named]  # written with its code in 部门整体 forms only
                found = same or unknown
                told = self._told[(stem, department)] = found[0] if len(found) == 1 else None
            if told is not None:
                return stem, told
        if department and stem in self._split and not names_itself(name, department):
            return stem, self._department_of(stem, department)
        return stem, None

    def of(self, record: FormRecord) -> UnitId:
        """The unit of a form (a 部门整体 form names the unit itself as its 主管部门（单位）: no department's; where
        several departments' units share its name, it is the one whose project forms lie where it does)."""
        department = record.department if record.kind == "project" else None
        if self._split:  # a name of several departments' units, in a form naming none of them: where it lies
            stem, code = unit_parts(record.unit or "")
            if code is None and stem in self._split and (not department or names_itself(record.unit, department)):
                return self._home(stem, record)
        return self.key(record.unit, department)

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

    def _department_of(self, stem: str, department: str) -> str | None:
        """The department (department_keys) a unit of a split name written with `department` is of: that of the
        spelling, or, for one no form of these records writes (a department's own name on its 部门整体 form), of
        the one spelling like it among the name's departments."""
        found = self._tagged.get((stem, department), "")
        if found == "":
            found = self._departments.get(department)
            if found is None:
                like = {self._departments[s] for s, key in self._departments.items()
                        if key in self._split[stem] and _same_department(department, s)}
                found = like.pop() if len(like) == 1 else None
            self._tagged[(stem, department)] = found
        return found

    def _home(self, stem: str, record: FormRecord) -> UnitId:
        """The unit of a split name whose form names no department of its own: the one unit of the name whose project
        forms share its file (a unit's workbook), else the summary it was read from, else its folder; else none
        of them."""
        for where in _whereabouts(record):
            found = self._homes.get((stem, *where))
            if found and len(found) == 1:
                return next(iter(found))
        return stem, None


@lru_cache(maxsize=16384)
def names_itself(unit: str | None, department: str) -> bool:
    """Whether a form's 主管部门 line names its own unit (as a 部门整体 form's does, and a project form's may in
    error, which K017 points out): no department of its own. Once a spelling of each."""
    return bool(unit and alike_names(unit, [department]))


def _whereabouts(record: FormRecord) -> tuple[tuple[str, str], ...]:
    """Where a form lies, narrowest first: its file's bytes (the very same file wherever it arrives), the file it
    came from, the file it was read from (a summary: one department's), the folder of the second."""
    first = record.source or record.file
    folder = os.path.dirname(first)
    return (*((("sha256", record.sha256),) if record.sha256 else ()), ("file", first), ("input", record.file),
            *((("folder", folder),) if folder else ()))


def department_keys(counts: Counter[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Which spellings of 主管部门 are one department: those written alike or with one code (_same_department),
    and so on through the others (某市教育局（101001） joins 101001 and 某市教育局). Each spelling → its
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
    by_code: dict[str, str] = {}
    for s in counts:
        stem = name_stem(s)
        join(by_stem.setdefault(stem, s), s)
        for code in _DEPARTMENT_CODE.findall(nfkc(s)):
            join(by_code.setdefault(code, s), s)
    stems = sorted(by_stem, key=len)
    for i, short in enumerate(stems):
        if len(short) >= 3:
            for long in stems[i + 1:]:
                if short in long:
                    join(by_stem[short], by_stem[long])
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


_SHOWN_CODE = re.compile(r"\s*[(（\[【〔]\s*[0-9A-Za-z０-９Ａ-Ｚａ-ｚ\-－]+\s*[)）\]】〕]")


@lru_cache(maxsize=16384)
def name_stem(name: str) -> str:
    """A name without what brackets add: 某局（本级）, 某局(机关) and 某局 share the stem 某局, as 某局（101001）
    and 某局 do."""
    return label_key(_BRACKETED.sub("", nfkc(name))) or label_key(name)


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
    names the unit itself there, 主管部门（单位）, so it does not count but where `kinds` says so.) Spellings are
    few: they are grouped, not the forms one by one."""
    by_spelling: dict[str, list[FormRecord]] = {}
    for r in records:
        if r.department and r.kind in kinds:
            by_spelling.setdefault(r.department, []).append(r)
    groups: list[list[str]] = []
    for spelling in by_spelling:
        group = next((g for g in groups if any(_same_department(spelling, other) for other in g)), None)
        if group is None:
            groups.append([spelling])
        else:
            group.append(spelling)
    found = []
    units = Units(r for forms in by_spelling.values() for r in forms)
    for spellings in groups:
        forms = [r for spelling in spellings for r in by_spelling[spelling]]
        found.append((max(spellings, key=lambda sp: len(by_spelling[sp])), forms, len({units.of(r) for r in forms})))
    return [(name, forms) for name, forms, _ in sorted(found, key=lambda g: -g[2])]


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
