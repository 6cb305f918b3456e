"""The roster of units expected to report: read from the list finance staff keep (a CSV or a workbook, with its
titles, headers and totals), and compared with the forms that came (未报送, 不在名单中)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from ..adapters.files import OTHER_SPREADSHEETS, WORKBOOK_SUFFIXES, read_bytes
from ..file_errors import os_reason
from ..sheetnames import RECORDS_SHEET, summary_sheets
from ..text import clean_text, label_key, nfkc
from .names import (abbreviated_departments, abbreviated_spellings, code_aside, name_keys, name_stem,
                    shortened_departments, signs, unit_key, unit_parts)
from .records import FormRecord


ROSTER_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")


def folder_roster(folder: Path) -> tuple[Path | None, str]:
    """The roster a department head keeps beside the units' files, for the add-in, which has no --roster: the
    one file in the folder (not below) named …名单… (应报送单位名单.xlsx, 单位名单.csv) that holds no form.
    None and why not (naming the folder, one of several given) when there is none or more than one; none in a
    folder that cannot be listed (F016 names it)."""
    try:
        files = [(p.name, p) for p in sorted(folder.iterdir()) if p.is_file()]
    except OSError:
        return None, ""
    found, note = pick_roster(files)
    return (found[1] if found else None), f"文件夹 {folder} 中{note}" if note else ""


def pick_roster(files: list[tuple[str, Path]]) -> tuple[tuple[str, Path] | None, str]:
    """Of (name, path) pairs, the one roster among them: named …名单… as a .csv/.txt, or as an .xlsx/.xls that
    holds no form. The name is the one the user gave the file (an upload is stored under another). None and why
    not when there is none or more than one."""
    from ..check import check_file

    found = [(name, path) for name, path in files if "名单" in Path(name).stem
             and Path(name).suffix.lower() in ROSTER_SUFFIXES and not name.startswith(("~$", "."))]
    found = [(name, path) for name, path in found if Path(name).suffix.lower() not in WORKBOOK_SUFFIXES
             or not check_file(path).forms]
    if len(found) > 1:
        return None, (f"有 {len(found)} 个名单文件（{'、'.join(name for name, _ in found)}），未核对单位名单；"
                      "请只保留一个。")
    return (found[0] if found else None), ""


def found_roster(path: str | Path) -> tuple[list[str] | None, str]:
    """A roster found beside the units' files rather than named by the user: its names, or None and a note
    saying why it was not used. Such a roster never stops a 汇总."""
    try:
        return read_roster(path), ""
    except ValueError as exc:
        return None, f"{exc}本次未核对单位名单。"


def read_roster(path: str | Path) -> list[str]:
    """The units expected to report, from the list finance staff keep: a CSV saved by Excel or WPS (so
    UTF-8, UTF-16 or the Chinese code page GB18030) or a workbook's first sheet. Such lists often carry a
    title row, a header row, a 序号 column and a 合计 row, so the names are taken below the header from the column
    it calls 单位/单位名称/预算单位/名称/部门名称…, or, with no such header, from the first column that is mostly
    text; blank and pure-number cells, titles (…名单) and totals (合计, 3个单位) are never units. A name exported
    with its code in front (101001001 某市第一中学) is taken as 某市第一中学（101001001）, the code in brackets, as
    the forms write it. Any problem is a ValueError with a Chinese message naming the file: the CLI prints it as
    it is and exits 2."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"单位名单 {path} {'不是文件' if path.exists() else '不存在'}，请检查路径是否正确。")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"单位名单 {path} 无法读取（{os_reason(exc)}）。") from exc
    workbook = path.suffix.lower() in (*WORKBOOK_SUFFIXES, *OTHER_SPREADSHEETS)
    rows = _workbook_rows(path, data) if workbook else _text_rows(path, data)
    start, column = _roster_column(rows)
    header = label_key(rows[start - 1][column]) if start else ""  # repeated below, as pasted pages do
    names: dict[str, str] = {}  # by label_key, as _missing matches them: a unit listed twice is one unit
    for n, row in enumerate(rows[start:], start):
        name = code_aside(row[column] if column < len(row) else "")
        alone = not names and not start and _alone_above(rows, n)  # without a header, a title alone above the names
        if (label_key(name) not in ("", header) and not _not_a_name(name, above=not names, alone=alone)
                and not any(map(_is_total, row[:column + 1]))):  # a 备注 of 小计 makes no total row
            names.setdefault(label_key(name), name)
    if not names:
        raise ValueError(f"单位名单 {path} 中没有找到单位名称。")
    return _once_each(names.values())


def _once_each(names: Iterable[str]) -> list[str]:
    """Each unit once, as first written: one listed with its code and again without it (某校（101001004）, 某校) is
    one unit, as compare_roster matches them, not two said to have sent nothing; it is the one of its code, in
    whichever order, not a namesake of another code too. Two codes are two units."""
    names = list(names)
    coded = {unit_parts(name)[0] for name in names if unit_parts(name)[1]}
    out, seen = [], set()
    for name in names:
        if (unit := unit_parts(name)) not in seen and (unit[1] or unit[0] not in coded):
            seen.add(unit)
            out.append(name)
    return out


def _workbook_rows(path: Path, data: bytes) -> list[list[str]]:
    """The first sheet as text cells; an .et or a damaged file refused with what to do about it."""
    from ..check import check_sheets

    book = read_bytes(data, str(path))
    if book.refusal:
        raise ValueError(f"单位名单 {path} 无法读取：{book.refusal.diagnostic().message}")
    if RECORDS_SHEET in book.sheets or summary_sheets(book.sheets):
        raise ValueError(f"{path} 是 xlmon 生成的汇总表，不是单位名单：请选择列出应报送单位的 .xlsx 或 .csv 文件。")
    if check_sheets(book.sheets).forms:  # its labels would be taken for the units
        raise ValueError(f"{path} 是绩效运行监控表，不是单位名单：请选择列出应报送单位的 .xlsx 或 .csv 文件。")
    return [[clean_text(v) or "" for v in row] for row in next(iter(book.sheets.values()), [])]


def _text_rows(path: Path, data: bytes) -> list[list[str]]:
    """A CSV as text cells. Excel saves CSV as UTF-8 (with a BOM) or in the system code page, GBK on
    Chinese Windows, as WPS does; GB18030 reads GBK and GB2312 too. Excel's "Unicode 文本" is UTF-16
    with a BOM, separated by tabs."""
    import codecs
    import csv

    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\0" not in text:  # NULs: a binary file, whatever its name
            delimiter = "\t" if text.count("\t") > text.count(",") else ","
            return [[cell.strip() for cell in row] for row in csv.reader(text.splitlines(), delimiter=delimiter)]
    raise ValueError(f"单位名单 {path} 无法读取：不是 CSV 文本文件，请在 Excel 或 WPS 中另存为 CSV 或 .xlsx。")


def _roster_column(rows: list[list[str]]) -> tuple[int, int]:
    """Where the names are: (first row, column). Below a header row, in its best 单位 column (see _header_rank);
    with no header, from the top in the first column that is mostly not numbers. A header is looked for near the
    top only: in a list without one, a unit named …单位 far down must not take the units above it away. Of the rows
    there holding such a header, the one whose header ranks best and has names below it wins, the first of equals:
    a preamble line above the header (主管部门：| 某市教育局, 编制部门 | 某市教育局) is a label with its value
    (_header_cells), and a line whose label has no names below it before a header as good is not the header. Once
    a header has a list below it (3 names), a line further down is one of its names, not a better header."""
    found = []  # (row, column, rank) of each row near the top holding a header: its best, the first of equals
    for i, row in enumerate(rows[:10]):
        if cells := _header_cells(row):
            column, rank = max(cells, key=lambda c: (c[1], -c[0]))
            found.append((i, column, rank))
    best = None
    for n, (i, column, rank) in enumerate(found):
        names = _names_below(rows, i, column, next((j for j, _, r in found[n + 1:] if r >= rank), len(rows)))
        if names and (best is None or rank > best[2]):
            best = (i, column, rank)
        if names >= 3:
            break
    if best or found:
        i, column, _ = best or found[0]
        return i + 1, column
    for column in range(max(map(len, rows), default=0)):
        cells = [r[column] for r in rows if column < len(r) and label_key(r[column])]
        if sum(not _is_number(c) for c in cells) * 2 > len(cells):
            return 0, column
    return 0, 0


def _header_cells(row: list[str]) -> list[tuple[int, int]]:
    """(column, rank) of the cells of a row that may head the names (_header_rank): not a label given its value
    in the row, as a preamble line above the header has it (主管部门：某市教育局, 填报单位 | 某市教育局 | 填报日期：
    | 2026-07-05), a label ending in a colon or followed by a value (an organisation's name, a date)."""
    cells = []
    for column, cell in enumerate(row):
        rank = _header_rank(cell)
        after = next((c for c in row[column + 1:] if label_key(c)), "")
        if rank and not cell.strip().endswith((":", "：")) and not _a_value(after):
            cells.append((column, rank))
    return cells


def _a_value(cell: str) -> bool:
    """Whether a cell right of a label is its value, not the next column's header: a date, a number or an
    organisation's name (某市教育局, 某市第一中学（盖章）)."""
    key = label_key(nfkc(cell).split("(")[0])
    return bool(key) and (_is_number(key) or _DATE.fullmatch(key) is not None
                          or len(key) > 2 and key.endswith(_ORGANISATIONS) and not _header_rank(cell))


_DATE = re.compile(r"(?:19|20)[0-9]{2}(?:[-/年][0-9]{1,2}(?:[-/月][0-9]{1,2}日?)?)?")
_ORGANISATIONS = ("局", "委", "委员会", "办", "办公室", "厅", "院", "中心", "站", "校", "学", "馆", "会", "队", "所", "府",
                  "社", "团", "公司")


def _names_below(rows: list[list[str]], i: int, column: int, end: int) -> int:
    """How many names a header in rows[i][column] has below it, before the row end (a header as good)."""
    return sum(column < len(r) and bool(label_key(r[column])) and not _header_rank(r[column])
               and not _not_a_name(r[column], above=False) for r in rows[i + 1:end])


def _header_rank(cell: str) -> int:
    """How surely a cell heads the column of names: 4 for units' names (单位名称, 单位全称（盖章）, 预算单位名称,
    单位名称及代码), 3 for units (单位, 预算单位, 应报送单位), 2 for other names (名称 beside 编码, 部门名称 in a
    bureau's roster of departments), 1 for departments (主管部门, 部门), else 0; of a roster listing units with
    their departments, the units are the names. Only short labels ending so: a title (2026年应报送单位名单), a
    单位代码 column, a unit's own name (某县事业单位登记管理局) or a total below the names (合计：3个单位) is no header."""
    key = label_key(nfkc(cell).split("(")[0])
    if len(key) > 12 or _COUNT.fullmatch(key) or _is_total(cell):
        return 0
    key = _NAME_AND_CODE.sub(r"\1", key)
    if key.endswith(("名称", "全称")):
        return 4 if "单位" in key else 2
    return 3 if key.endswith("单位") else int(key.endswith("部门"))


_NAME_AND_CODE = re.compile(r"(名称|全称)(?:及|和|与|/)?(?:代码|编码|编号)$")  # 单位名称及代码: names (with codes)
_TOTALS = ("合计", "总计", "小计", "共计")
_COUNT = re.compile(r"(?:共|共计|合计|总计)?[0-9]+(?:个|家|户)(?:单位|部门)?")  # 3个单位, 共3家
_YEAR = re.compile(r"(?:19|20)[0-9]{2}年")


def _not_a_name(cell: str, above: bool, alone: bool = False) -> bool:
    """序号 and other numbers, a count (3个单位, 共3家) and a title (…单位名单, or above the names, where a title
    stands, one led by a year that reads as a title, 2026年上半年…报送单位, 2026年度监控表, or stands alone in its
    row above names that are not: alone): never a unit's name. A unit's name may start with a year
    (2022年冬奥会筹备办公室)."""
    key = label_key(nfkc(cell).split("(")[0]) or label_key(cell)
    if _is_number(cell) or _COUNT.fullmatch(label_key(cell)) or key.endswith(("名单", "名录", "清单", "一览表")):
        return True
    return above and _YEAR.match(key) is not None and (alone or key.endswith("表") or any(w in key for w in _TITLED))


_TITLED = ("报送", "应报", "单位名单")  # what a title led by a year says: 2026年上半年预算绩效运行监控报送单位


def _alone_above(rows: list[list[str]], n: int) -> bool:
    """Whether rows[n] has one cell filled and the next row filled has more, as a title above a list has."""
    filled = (sum(bool(label_key(c)) for c in row) for row in itertools.islice(rows, n, None))
    return next(filled) == 1 and next((f for f in filled if f), 0) > 1


def _is_total(cell: str) -> bool:
    """The name of a total row, or its 序号 or label before the name (合计, 总计：3个单位, 教育系统小计): the row
    lists no unit. A note after the name (备注: 含下属单位合计) does not make it one."""
    key = label_key(cell)
    return key.startswith(_TOTALS) or key.endswith(_TOTALS)


def _is_number(cell: str) -> bool:
    """序号 and other numbers (1, 2.0, ３, -1): never a unit's name."""
    return label_key(cell).lstrip("+-").isdigit()


def compare_roster(roster: list[str], records: list[FormRecord], left: Iterable[tuple[str | None, str | None, str]] = (),
                   keys_of: Callable[[str], set[str]] | None = None, departments: bool = False
                   ) -> tuple[list[str], dict[str, str], dict[str, str]]:
    """The roster's units that sent no form, the units that reported but are not on the roster (as first written,
    with the file of their first form), and the roster's units that sent forms of another period only (left:
    (unit, 主管部门, period) of each form left out for its period), with those periods. Names match by label_key, a
    code in brackets aside (某局（101001） is 某局, as 部门整体 forms write it; 某局（本级） is not), but two codes are two
    units (_keys). A form answers for its unit and, where the roster lists its 主管部门 as a department (a bureau's),
    for that department too: see _answering. departments: the roster lists departments (names_departments, a
    bureau's): a department not on it is one name not on it, as its forms write it, not each of its units. With no
    roster there is nothing to compare."""
    if not roster:
        return [], {}, {}
    left = list(left)
    keys_of = keys_of or roster_keys(roster, records, left)
    listed = {k for u in roster for k in keys_of(u)}
    # a unit's 部门整体 form names the unit itself as 主管部门（单位）: only project forms name a department, and
    # a department's summary, read back, names it for the 部门整体 forms of its units
    by_summary = _summarised_by(records)
    named = [(r.unit, r.department if r.kind == "project" else None if r.units else by_summary.get(r.file))
             for r in records]
    # the departments whose summary is among the inputs (forms read back from it name them) or whose own completed
    # 部门整体 is: such a department answers for itself on a roster that lists it as a department
    summarised = {k for r in records for k in (keys_of(r.department or "") if r.kind == "project" and r.from_summary
                                               else keys_of(r.unit or "") if r.units else ())}
    answers = _answering(listed, [*named, *((unit, department) for unit, department, _ in left)], summarised,
                         keys_of)
    seen: set[str] = set()
    # a form naming no department (a unit's 部门整体) is listed where the unit's forms naming one are (its projects')
    placed = {unit_key(unit or "") for unit, department in named if department and (own := keys_of(unit or ""))
              and answers(unit, department) & listed}
    unlisted: dict[str, tuple[str, str]] = {}  # by the key without a code
    for r, (unit, department) in zip(records, named):
        own, names = keys_of(unit or ""), answers(unit, department)
        seen |= names
        # a department's completed 部门整体 checked against a roster listing most of its units, its own roster (a
        # report drafted from its summary): the department is whose the roster is, no unit reporting without being on it
        whose = bool(r.units) and sum(bool(keys_of(u) & listed) for u in r.units) * 2 > len(r.units)
        if own and not whose and not names & listed and (department or unit_key(unit or "") not in placed):
            if departments and department:
                unlisted.setdefault(f"部门:{unit_key(department)}", (department, r.file))
            else:
                unlisted.setdefault(unit_key(unit or ""), (r.unit, r.file))
    missing = [u for u in roster if not keys_of(u) & seen]
    other_period = {u: "、".join(sorted(periods)) for u in missing
                    if (periods := {p for unit, department, p in left if keys_of(u) & answers(unit, department)})}
    return missing, dict(unlisted.values()), other_period


def names_departments(roster: list[str], records: list[FormRecord], groups: list[tuple[str, list[FormRecord]]],
                      keys_of: Callable[[str], set[str]]) -> bool:
    """Whether the roster lists departments (a bureau's): it names two or more of the 主管部门 the forms name (groups:
    names.department_groups of the project forms), each by a name no unit's (keys_of: roster_keys, as compare_roster
    matched them). A department's roster may list the department itself, its own office, beside its units."""
    if len(groups) < 2:
        return False
    units = {k for r in records if not r.units for k in keys_of(r.unit or "")}  # a department's own 部门整体 aside
    listed = {k for u in roster if not keys_of(u) & units for k in keys_of(u)}
    return sum(any(keys_of(r.department or "") & listed for r in forms) for _, forms in groups) >= 2


def sent_unusable(roster: list[str], missing: list[str], rejected: Iterable[str]) -> dict[str, list[str]]:
    """The files left out of the summary (a zip, a blank template, an .xlsb: rejected; a .docx or a PDF, not read)
    that a roster's unit which sent no usable form sent, by the unit's name in the file's (某市职业技术学校.zip):
    such a unit is not said to have sent nothing. A file goes to the unit whose name its name holds most of
    (某市第一中学附属小学.xlsx is not 某市第一中学's; of two units of that name, neither's), and only when that unit
    is missing."""
    stems = {u: name_stem(u) for u in roster}
    out: dict[str, list[str]] = {}
    for path in rejected:
        name = name_stem(Path(path).stem)
        held = [u for u, stem in stems.items() if stem == name or len(stem) >= 3 and stem in name]
        longest = [u for u in held if len(stems[u]) == max(len(stems[h]) for h in held)]
        if len(longest) == 1 and longest[0] in missing:  # of namesakes (某局, 某局（本级）), neither's
            out.setdefault(longest[0], []).append(path)
    return out


def _summarised_by(records: list[FormRecord]) -> dict[str, str]:
    """The department of each summary read back whose project forms all name one (a department's, not a bureau's)."""
    named: dict[str, dict[str, str]] = {}
    for r in records:
        if r.kind == "project" and r.from_summary and r.department:
            named.setdefault(r.file, {}).setdefault(unit_key(r.department), r.department)
    return {file: next(iter(departments.values())) for file, departments in named.items() if len(departments) == 1}


def roster_keys(roster: list[str], records: list[FormRecord], left: list[tuple[str | None, str | None, str]]
                ) -> Callable[[str], set[str]]:
    """_keys of every name the roster and the forms write, a roster's department written shorter than its forms
    write it (shortened_departments), or by its common abbreviation (abbreviated_departments: 市卫健委), taking that
    department's keys too, where no form writes the roster's name; and a form's 主管部门 written by its abbreviation
    (市卫健委 beside 某市卫生健康委员会（102001）: abbreviated_spellings), and the roster's name it is, the keys of the
    names it abbreviates. A roster's name none of these is may be a sign of an organ whose forms sign two
    (中共某市纪律检查委员会 某市监察委员会: names.signs), as _keys answers for each."""
    names = [*(n for r in records for n in (r.unit, r.department)), *(n for unit, department, _ in left
                                                                     for n in (unit, department))]
    keys = _keys([*roster, *names])
    written = {k for n in names if n for k in keys(n)}
    departments = [*(r.department for r in records if r.kind == "project"), *(r.unit for r in records if r.units),
                   *(department for _, department, _ in left)]
    unwritten = [u for u in roster if not keys(u) & written]
    shorter = _written_otherwise(unwritten, roster, departments)
    signed = [sign for d in departments for sign in signs(d or "")]
    if signed and (rest := [u for u in unwritten if u not in shorter]):
        shorter.update(_written_otherwise(rest, roster, signed))
    extra = {u: {k for d in spellings for k in keys(d)} for u, spellings in shorter.items()}
    for d, full in abbreviated_spellings(departments).items():  # and the roster's name it is, its department's
        found = {k for s in full for k in keys(s)}
        for name in (d, *(u for u in roster if keys(u) & keys(d))):
            extra.setdefault(name, set()).update(found)
    return lambda name: keys(name) | extra.get(name, set())


def _written_otherwise(unwritten: list[str], roster: list[str], departments: list[str | None]) -> dict[str, list[str]]:
    """Each of the roster's names no form writes (unwritten) that is one of the departments' written shorter
    (shortened_departments) or by its common abbreviation (abbreviated_departments), with its spellings."""
    shorter = shortened_departments(unwritten, departments)
    abbreviated = abbreviated_departments(roster, departments) if unwritten else {}
    shorter.update((u, abbreviated[u]) for u in unwritten if u in abbreviated and u not in shorter)
    return shorter


def _keys(names: Iterable[str | None]) -> Callable[[str], set[str]]:
    """What a name matches by (name_keys), but where `names` write one name with two codes, two units of it (机关服务中心
    （101003） and 机关服务中心（102003）, namesakes of two departments, as names.Units tells them apart): each with its
    code is that unit only, and without a code it is each of them. A name of the two signs of one organ
    (某市纪委监委) is each sign too (names.signs: 某市纪委, 某市监委), as a roster may name it by either."""
    codes: dict[str, set[str]] = {}
    for name in names:
        stem, code = unit_parts(name or "")
        if stem and code:
            codes.setdefault(stem, set()).add(code)

    def keys(name: str) -> set[str]:
        stem, code = unit_parts(name)
        if len(several := codes.get(stem, ())) < 2:
            return name_keys(name).union(*map(name_keys, signs(name)))
        return {f"{stem}\0{code}"} if code else name_keys(name) | {f"{stem}\0{c}" for c in several}
    return keys


def _answering(listed: set[str], named: list[tuple[str | None, str | None]], summarised: set[str] = frozenset(),
               keys_of: Callable[[str], set[str]] = name_keys) -> Callable[[str | None, str | None], set[str]]:
    """What a form of (unit, 主管部门) answers for on a roster (listed: its names' keys): its unit; and its 主管部门
    where the roster lists that as a department, as a bureau's lists the departments whose summaries it takes. A
    roster that lists some of a department's units (one other than the department's own, named as it) lists that
    department's units, as a department's own roster does: the department's name on it is then its 本级 unit, which
    has reported only when a form names it as the unit, and each unit must be on it itself. A department whose
    summary was consolidated (summarised: its keys) answers for itself, and so for its units, unless the roster
    lists most of its units, as only its own does: a bureau's roster of departments may also list a unit that
    reports straight to the bureau."""
    units: dict[str, dict[str, bool]] = {}  # each department key → its units (but itself) → whether listed
    for unit, department in named:
        if (own := name_keys(unit or "")) and not own & name_keys(department or ""):
            key = unit_key(unit or "")
            for k in keys_of(department or ""):
                shown = units.setdefault(k, {})
                shown[key] = shown.get(key, False) or bool(keys_of(unit or "") & listed)

    def of_units(k: str) -> bool:  # whether the roster lists the department's units one by one
        shown = units.get(k, {})
        return any(shown.values()) and (k not in summarised or sum(shown.values()) * 2 > len(shown))
    listing = {k for k in units if of_units(k)}  # the keys of the 主管部门 whose units the roster lists

    def answers(unit: str | None, department: str | None) -> set[str]:
        keys = keys_of(department or "")
        return keys_of(unit or "") | (keys if not keys & listing else set())
    return answers
