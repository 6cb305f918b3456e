"""Which copy of a form counts where it arrives twice (K002): the same project however it is written, whose
file it is, which was saved later; and which findings of copies of one file are said once."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from ..diagnostics import make
from ..grid import parse_address
from ..text import label_key
from .names import Units, unit_key
from .records import FileOutcome, FormRecord, duplicate_form, form_name, form_place

IDENTICAL = "，两个文件内容完全相同"  # why K002 kept one of two files of the same bytes: a clause after the file used
SHOWN_DUPLICATES = 10  # files and projects sent twice named in the command line's output and the report, the rest
# counted: a department's summary sent with all its units' files repeats every project


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


def file_owners(records: list[FormRecord], units: Units) -> dict[str, set[tuple]]:
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


def copy_dates(records: list[FormRecord], modified: dict[str, float | None]) -> Callable[[FormRecord], float | None]:
    """When a form's file is dated where the workbooks' own save times do not tell two copies apart (saved_at): by
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


def covered_forms(overall: dict[tuple, FormRecord], units: Units) -> list[tuple[tuple, FormRecord, FormRecord]]:
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


def moot_findings(dropped: set[tuple], records: list[FormRecord]) -> Callable[[str, dict], bool]:
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


def said_again(outcomes: list[FileOutcome], counted: list[FormRecord]) -> Callable[[FileOutcome, dict], bool]:
    """Whether a finding is one another copy of the very same file (its SHA-256) gives too: a unit's file that arrives
    twice (in a department's summary and straight to the bureau, or in two folders) has its findings listed once,
    as its forms are counted once; from the copy whose forms count, else the first. Its forms' findings go with
    the forms left out (moot_findings); this is for those of its other sheets (S001) and of the file."""
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
                given.setdefault(sha, set()).add(finding_key(d))

    def again(o: FileOutcome, d: dict) -> bool:
        copy = (o.path, d.get("file") or o.path)
        sha = origin[copy]
        return sha in lists and lists[sha] != copy and finding_key(d) in given.get(sha, ())
    return again


def decided_here(outcomes: list[FileOutcome]) -> Callable[[FileOutcome, dict], bool]:
    """Whether a summary's K002 is of a form read here too, from its unit's very file (its SHA-256) sent straight:
    which copy of it counts is decided again here, and said; the summary's K002 would name the form twice, and
    as used a copy that may no longer count."""
    read = {(o.sha256, r.sheet) for o in outcomes if not o.summary for r in o.records}

    def again(o: FileOutcome, d: dict) -> bool:
        return (o.summary and d.get("code") == "K002" and d.get("sheet") is not None
                and (o.hashes.get(d.get("file") or o.path), d["sheet"]) in read)
    return again


def copies_said(said: list[tuple[FormRecord, dict]], included: Counter) -> set[int]:
    """The ids of the K018 and K001 that another copy of the very same file (its SHA-256) says too: said once, as
    said_again says a file's other findings and one level up says these; of the copy whose forms count, else of
    the one not named as the other's copy (“X - 副本”), else of the first by path, in whatever order they came."""
    copies: dict[tuple, list[tuple[FormRecord, dict]]] = {}
    for record, d in said:
        if record.sha256:
            copies.setdefault((record.sha256, record.sheet, record.place and record.place[0], finding_key(d)),
                              []).append((record, d))
    again: set[int] = set()
    for found in copies.values():
        files = [r.file for r, _ in found]
        kept = min(found, key=lambda item: (not included[item[0].file], *copy_rank(item[0].file, files)))
        again.update(id(d) for _, d in found if d is not kept[1])
    return again


def one_of_each(paths: Iterable[str], sha: dict[str, str | None]) -> set[str]:
    """Of files of the very same bytes (a department's summary of another period sent twice, 汇总 - 副本.xlsx), the
    one whose findings are said, as copies_said says a unit's: not the one named as the other's copy, else the
    first by path; files of no known SHA-256 each."""
    copies: dict[str, list[str]] = {}
    alone = set()
    for path in dict.fromkeys(paths):
        if sha.get(path):
            copies.setdefault(sha[path], []).append(path)
        else:
            alone.add(path)
    return alone | {min(found, key=lambda f: copy_rank(f, found)) for found in copies.values()}


def copy_rank(file: str, files: list[str]) -> tuple[bool, str]:
    """How a copy of a file ranks among copies of its bytes to be named: not one named as another's copy
    (“X - 副本”) first, then by path."""
    return any(copy_of(Path(file).stem, Path(other).stem) for other in files if other != file), file


def finding_key(d: dict) -> tuple:
    """What tells a finding of a file from another: the same in every copy of the file."""
    return d.get("code"), d.get("sheet"), d.get("cell"), d.get("message")


def saved_at(record: FormRecord) -> float | None:
    """When a form's workbook says it was saved, where that can be true: not before the year the form reports on
    (a computer whose clock had lost its date), nor in the future."""
    if record.saved is None or record.saved > time.time() + 86_400:
        return None
    if record.year and record.saved < datetime(record.year, 1, 1, tzinfo=timezone.utc).timestamp():
        return None
    return record.saved


def saved_later(used: FormRecord, other: FormRecord) -> str:
    """Why a copy counts that its workbook was saved later, with both times: Explorer shows the files' own times,
    which a download or a copy sets, and may show them the other way round."""
    pattern = "%Y-%m-%d %H:%M" if int(used.saved or 0) // 60 != int(other.saved or 0) // 60 else "%Y-%m-%d %H:%M:%S"

    def shown(when: float | None) -> str:
        return time.strftime(pattern, time.localtime(when))
    return f"，因其工作簿最后保存于 {shown(used.saved)}，晚于另一份的 {shown(other.saved)}"


def copy_of(name: str, other: str) -> bool:
    """Whether a file name is another's with something added, as copying a file in Explorer names it."""
    return len(other) < len(name) and label_key(other) in label_key(name)


Forms = list[tuple[int, dict, tuple]]  # of each form: its line in duplicates, its K002, its key (in kept)


class Met(NamedTuple):
    """A line of duplicates as it was said: of two forms kept by one key, the one used, why, and its K002."""

    key: tuple
    first: FormRecord
    record: FormRecord
    used: FormRecord
    why: str
    differ: str
    finding: dict


def pair_line(m: Met, shown: dict[str, str]) -> str:
    """The line of duplicates of a form met twice alone: the form (as the copy met second writes it), the two
    places, the one used and why."""
    first, second, used = (form_place(r, shown) for r in (m.first, m.record, m.used))
    return f"{line_form(m.record)}：{pair_said(first, second, used, m.why, m.differ)}"


def pair_said(first: str, second: str, used: str, why: str, differ: str, verb: str = "采用") -> str:
    """Two places of a form, the one used and why: a line of duplicates (pair_line), or one pair of a form's line
    (chains_said)."""
    return f"{first} 与 {second} 重复，{verb} {used}{why}{differ}"


def left_out_finding(other: FormRecord, used: str, why: str, shown: dict[str, str]) -> dict:
    """K002 of a copy of a form left out (`other`) for the one at `used`, and why."""
    return make("K002", file=other.file, sheet=other.file_sheet, form=duplicate_form(other), first=used, why=why,
                second=form_place(other, shown)).model_dump()


def given_way(m: Met) -> FormRecord:
    """Of the two forms of a pair, the one not used."""
    return m.first if m.used is m.record else m.record


def line_form(record: FormRecord) -> str:
    """What a line of duplicates begins with: the form's unit and name (某校·校舍维修)."""
    return f"{record.unit or ''}·{form_name(record) or record.sheet}"


def chains_said(met: dict[int, Met], counted: dict[tuple, FormRecord], shown: dict[str, str]
                ) -> tuple[dict[int, str | None], dict[int, dict]]:
    """A form sent three times or more (a unit's file, a copy of it, then its correction) said in one line, its
    pairs in the order they were met, not in lines far apart in a department's list, the first saying 采用 a copy
    the next one replaces: 一中 - 副本.xlsx!表1 与 一中.xlsx!表1 重复，先采用 一中.xlsx!表1，两个文件内容完全相同；
    一中.xlsx!表1 与 一中（更正）.xlsx!表1 重复，采用 一中（更正）.xlsx!表1，因其文件修改时间较晚. The K002 of a copy
    left out for one later replaced says so. met: the lines still said form by form. Returns each line of such a
    form → the form's line in the first, None in the others; and the id of each K002 said anew → that K002."""
    keys: dict[tuple, list[int]] = {}
    for i in sorted(met):
        keys.setdefault(met[i].key, []).append(i)
    lines: dict[int, str | None] = {}
    findings: dict[int, dict] = {}
    for key, found in keys.items():
        final = counted.get(key)
        if len(found) < 2 or final is None:
            continue
        pairs = []
        for i in found:
            m = met[i]
            used = form_place(m.used, shown)
            replaced = m.used.where() != final.where()  # by place: a pair in_twins retold holds copies of its forms
            verb = "先采用" if replaced else "采用"
            first, second = form_place(m.first, shown), form_place(m.record, shown)
            pairs.append(pair_said(first, second, used, m.why, m.differ, verb))
            if replaced:
                findings[id(m.finding)] = left_out_finding(
                    given_way(m), used, f"{m.why}；{used} 后又被 {form_place(final, shown)} 取代", shown)
        lines[found[0]] = f"{line_form(met[found[0]].record)}：{'；'.join(pairs)}"
        lines.update(dict.fromkeys(found[1:]))
    return lines, findings


def said_once(met: dict[int, Met], included: Counter, counted: dict[tuple, FormRecord], alone: set[tuple],
              shown: dict[str, str], duplicates: list[str], diagnostics: list[dict]) -> int:
    """Forms sent twice as a whole file said once, as a file: one line leading the duplicates and one K002, in
    place of one of each form (a department's summary of 109 projects made 109): a file sent twice byte for byte
    (copied_whole), whose other lines (a sheet hidden in it) are said of the file used (in_twins), and a department's
    summary sent with its units' own files (superseded_folded). met: how each line of duplicates was said, by its
    index; counted: the form each key counts from in the end; alone: the keys every copy of whose form is of one
    file's bytes. Returns how many lines now lead the duplicates, each of a file."""
    copied: dict[tuple[str, str], Forms] = {}  # (a file, its twin used) → its forms left out as that file's
    superseded: dict[str, Forms] = {}  # a summary → its forms counting from a unit's own file of the same amounts
    for i, m in met.items():
        other = given_way(m)
        if m.why == IDENTICAL:
            copied.setdefault((other.file, m.used.file), []).append((i, m.finding, m.key))
        # whichever copy was met first: a unit's correction since, 两份金额不同, is said alone, for the reviewer
        # (not where a department's own 部门整体 counts: no unit's file does)
        if other.from_summary and (r := counted.get(m.key)) is not None and not r.from_summary and not r.covers \
                and r.amounts == other.amounts:
            superseded.setdefault(other.file, []).append((i, m.finding, m.key))
    whole = copied_whole(copied, included, {k: counted[k].file for k in alone})
    folds = [(f"{shown[copy]} 与 {shown[used]} 内容完全相同，其中的 {len(found)} 张表只计一次，采用 {shown[used]}",
              make("K002", file=copy, form=f"该文件的 {len(found)} 张表", first=shown[used], why=IDENTICAL,
                   second=shown[copy]).model_dump(), found) for (copy, used), found in whole]
    taken = {id(d) for _, _, found in folds for _, d, _ in found}
    folded = superseded_folded({summary: [f for f in found if id(f[1]) not in taken]
                                for summary, found in superseded.items()}, shown)
    folds += folded
    lines = {i for _, _, found in folds for i, _, _ in found}
    keys = {key for _, _, found in folds for *_, key in found}
    retold = in_twins(stand_in(whole, folded, met, counted), keys, {i: m for i, m in met.items() if i not in lines},
                      shown)
    lines |= {i for i, pair in retold.items() if pair is None}
    rest = {i: retold[i][0] if i in retold else m for i, m in met.items() if i not in lines}
    chained, anew = chains_said(rest, counted, shown)
    for i, line in [*((i, pair_line(rest[i], shown)) for i, pair in retold.items() if pair), *chained.items()]:
        if line is None:
            lines.add(i)
        else:
            duplicates[i] = line
    duplicates[:] = [*(line for line, _, _ in folds), *(line for i, line in enumerate(duplicates) if i not in lines)]
    gone = {id(d) for _, _, found in folds for _, d, _ in found} | {id(met[i].finding) for i in retold}
    said = {id(found[0][1]): k002 for _, k002, found in folds}
    said |= {id(met[i].finding): pair[1] for i, pair in retold.items() if pair}
    said |= anew
    diagnostics[:] = [said.get(id(d), d) for d in diagnostics if id(d) not in gone or id(d) in said]
    return len(folds)


def copied_whole(copied: dict[tuple[str, str], Forms], included: Counter, counted: dict[tuple, str]
                 ) -> list[tuple[tuple[str, str], Forms]]:
    """The files sent twice byte for byte (某校 - 副本.xlsx, a department's summary sent again), each with the file
    used and the forms said once of them. copied: (a file, the file of the same bytes used) → its forms left out as
    that file's. Of three copies, the second may have been left out for the first, the first later for the third:
    each is named with the one used in the end. A file any form of which counts, or of one form, is said form by
    form, and so is a form also in another file (a correction, another unit's file keeping a copy of it: counted
    has none of it), whatever order the files came in."""
    whole = [(pair, found) for pair, found in copied.items() if not included[pair[0]] and len(found) > 1]
    then = dict(pair for pair, _ in whole)

    def final(used: str) -> str:
        seen = set()
        while used in then and used not in seen:
            seen.add(used)
            used = then[used]
        return used
    alone = [((copy, final(used)), [f for f in found if counted.get(f[2]) == final(used)]) for (copy, used), found in whole]
    return [(pair, found) for pair, found in alone if len(found) > 1]


def stand_in(whole: list[tuple[tuple[str, str], Forms]], folded: list[tuple[str, dict, Forms]], met: dict[int, Met],
             counted: dict[tuple, FormRecord]) -> Callable[[FormRecord], FormRecord]:
    """What a form is in the pairs in_twins retells: a form of a copy of a file said once (whole), its twin in the
    file used; a summary's form said once as counting from its unit's file (folded), that unit's form."""
    forms = {given_way(met[i]).where(): counted[key] for _, _, found in folded for i, _, key in found}
    files = {copy: used for (copy, used), _ in whole}

    def twin(record: FormRecord) -> FormRecord:
        return forms.get(record.where()) or replace(record, file=files.get(record.file, record.file))
    return twin


def in_twins(twin: Callable[[FormRecord], FormRecord], keys: set[tuple], met: dict[int, Met], shown: dict[str, str]
             ) -> dict[int, tuple[Met, dict] | None]:
    """The lines (and K002s) of the forms said once as a file's (keys) said again of the copy that stands for each
    form there (twin): a form of a copy of a file as its twin in the file used, a summary's form as its unit's own,
    which counts. A sheet hidden in both files is one line of the file used, whichever copy was met first, not one
    naming the copy, left out, as used. Each line retold → its pair so (its K002 still the one said of the copy,
    which it replaces) and its K002; None where it says again what another does: the same two forms, or a form
    another pair of the form's left out already."""
    out: dict[int, tuple[Met, dict] | None] = {}
    pairs = set()
    left: dict[tuple, set[str]] = {}  # of each form, the places left out so far
    for i, m in sorted(met.items()):
        if m.key not in keys:
            continue
        first, record = twin(m.first), twin(m.record)
        used, other = (record, first) if m.used is m.record else (first, record)
        places = frozenset(form_place(r, shown) for r in (first, record))
        gone = left.setdefault(m.key, set())
        if len(places) == 1 or places in pairs or form_place(other, shown) in gone:
            out[i] = None
            continue
        pairs.add(places)
        gone.add(form_place(other, shown))
        out[i] = (m._replace(first=first, record=record, used=used),
                  left_out_finding(other, form_place(used, shown), m.why, shown))
    return out


def superseded_folded(superseded: dict[str, Forms], shown: dict[str, str]) -> list[tuple[str, dict, Forms]]:
    """A department's summary sent to the bureau with its units' own files, from which its forms count: its line,
    K002 and the forms they say, two or more. superseded: a summary → its forms that count from a unit's own file
    of the same amounts."""
    out = []
    for summary, found in superseded.items():
        if len(found) > 1:
            out.append((f"{shown[summary]} 中的 {len(found)} 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件",
                        make("K002", file=summary, form=f"该汇总表中的 {len(found)} 张表", first="各单位报送的文件",
                             why="", second=shown[summary]).model_dump(), found))
    return out


def unnamed_duplicates(duplicates: int, files: int) -> str:
    """What the lines beyond the SHOWN_DUPLICATES named amount to, the files said first: 2 个文件、99 个项目."""
    files_left = max(files - SHOWN_DUPLICATES, 0)
    projects_left = max(duplicates - max(files, SHOWN_DUPLICATES), 0)
    return "、".join(filter(None, (f"{files_left} 个文件" if files_left else "",
                                   f"{projects_left} 个项目" if projects_left else "")))


def counted_once(lines: int, files: int) -> str:
    """How many files (the first `files` lines) and projects were sent twice, each counted once: 重复报送的文件 1
    个、项目 30 个，均只计入一次, as the report, the web page and the add-in begin to say them; "" for none."""
    projects = lines - files
    counted = "、".join(filter(None, (f"文件 {files} 个" if files else "", f"项目 {projects} 个" if projects else "")))
    return f"重复报送的{counted}，均只计入一次" if counted else ""


def duplicates_text(duplicates: list[str], files: int = 0) -> str:
    """The files (the first `files` lines) and projects sent twice, each counted once, as the report and the web
    page say them: how many, then the first few named, a sentence each (a line holds ；of its own: 两份金额不同, a
    project's pairs when sent three times); a department's summary sent to the bureau with all its units' files
    makes one line a project, dozens the reviewer would cut."""
    named = "".join(f"{line}。" for line in duplicates[:SHOWN_DUPLICATES])
    rest = unnamed_duplicates(len(duplicates), files) if files else f"{len(duplicates) - SHOWN_DUPLICATES} 个"  # 项目
    more = f"其余 {rest}从略（逐个见汇总的“校验问题”）。" if len(duplicates) > SHOWN_DUPLICATES else ""
    return f"{counted_once(len(duplicates), files)}。{named}{more}"
