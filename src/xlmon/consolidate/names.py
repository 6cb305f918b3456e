"""How units' and departments' names are matched: the same unit or department is written in many ways
(某局（101001）, 某局, 某局（本级）), and a summary must neither split one nor merge two."""

from __future__ import annotations

import re
from collections.abc import Iterable
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
    """The one key a unit is known by wherever units are told apart (its projects, its 部门整体, its row in
    汇总表): 某校（101001004） is 某校, as its 部门整体 form and a re-sent file may write it; 某局（本级） is not 某局."""
    return label_key(_CODE.sub("", nfkc(name))) or label_key(name)


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
    for spellings in groups:
        forms = [r for spelling in spellings for r in by_spelling[spelling]]
        units = {unit_key(r.unit or "") for r in forms}
        found.append((max(spellings, key=lambda sp: len(by_spelling[sp])), forms, len(units)))
    return [(name, forms) for name, forms, _ in sorted(found, key=lambda g: -g[2])]


_DEPARTMENT_CODE = re.compile(r"(?<![0-9])[0-9]{6,}(?![0-9])")


def _same_department(name: str, other: str) -> bool:
    """Alike names (某市教育局（101001）, 某市教育局), or the same code however the rest is written (101001 alone)."""
    codes = set(_DEPARTMENT_CODE.findall(nfkc(name)))
    return bool(alike_names(name, [other])) or bool(codes & set(_DEPARTMENT_CODE.findall(nfkc(other))))


def with_units(groups: list[tuple[str, list[FormRecord]]]) -> list[tuple[str, list[str]]]:
    """Each of department_groups' departments with its units (as first written)."""
    return [(name, list({unit_key(r.unit or ""): r.unit or "（未填单位）" for r in forms}.values()))
            for name, forms in groups]


def department_name(records: Iterable[FormRecord]) -> str:
    """The department a summary is of, as its title and its 部门整体's header name it: the one all its project forms
    name however written, "" when they name several (a bureau's summary of departments) or none."""
    records = list(records)
    found = department_groups(records) or department_groups(records, ("department",))  # 部门整体 forms alone:
    return found[0][0] if len(found) == 1 else ""  # one is the department's own, several its units' each
