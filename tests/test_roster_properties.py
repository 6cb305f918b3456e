"""`--roster` over generated departments: whatever units reported, and however finance staff wrote the roster (CSV in
UTF-8 with or without a BOM or in GBK, a TXT one name a line, an .xlsx or .xls with a merged title above the header,
序号, 单位代码 and 备注 columns, blank rows, trailing and full-width spaces, codes in front, in brackets or in a
column of their own, a unit listed twice, a 合计 row) and the units their forms (with or without their codes, spaced,
half- or full-width brackets; a namesake of another department, of another code, among them), `missing_units` and
K003 name exactly the roster's units that sent nothing (or only forms of another period, which K003 says), K004
exactly the reporting units not on it, each as its side writes it, a likely counterpart named where there is one;
and the outcome is the same whatever the format, the order of the roster's rows or of the input files, and through
the web page's API. Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each
property."""

from __future__ import annotations

import csv
import io
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from openpyxl import Workbook

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_consolidate_properties import DEPARTMENTS, UNIT_NAMES, consolidate, seeds
from xlmon.consolidate.roster import read_roster

PERIOD, OTHER_PERIOD = "（2026年1-6月）", "（2026年1-5月）"
MAJORITY, OTHER = "2026年1-6月", "2026年1-5月"
(OWN, OWN_CODE), _, (FOREIGN, FOREIGN_CODE) = DEPARTMENTS
FOREIGN_UNITS = ("某市殡葬管理所", "某市婚姻登记服务中心", "某市福利彩票发行中心")
GHOSTS = ("某市青少年宫", "某市教育考试院", "某市少年儿童业余体育学校", "某市学生资助管理中心")  # listed, never reporting
TITLE = "2026年上半年预算绩效运行监控报送单位名单"
NAME_HEADERS = ("单位名称", "预算单位", "单位")
REMARKS = ("", "", "新增", "含下属单位合计", "联系人：张老师")
TEXT_FORMATS = ("csv-utf8", "csv-bom", "csv-gbk", "txt-utf8", "txt-gbk")
TABLE_FORMATS = ("csv-utf8", "csv-bom", "csv-gbk", "txt-gbk", "xlsx")


# ---------------------------------------------------------------------------------------------------------------
# The generated department and its roster.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Member:
    """A unit: what it sent (sent: forms of the period; other: of another period only; none), and how its forms
    write it, one spelling a form. late: a form of another period besides, of another project."""

    name: str
    code: str
    department: str
    role: str
    spellings: list[str] = field(default_factory=list)
    late: bool = False

    @property
    def reported(self) -> bool:
        return self.role == "sent"


@dataclass
class Entry:
    """A name on the roster: whose (a Member, or None: a name no form writes), and its cell (code: the 单位代码
    column's, if the roster has one)."""

    member: Member | None
    cell: str
    code: str = ""

    @property
    def shown(self) -> str:
        """The name as the roster writes it, a code in front taken into brackets after it."""
        text = self.cell.strip()
        if m := re.fullmatch(r"([0-9]{6,}(?:-[0-9]+)?)(?:\s*[-、]\s*|\s+)(.+)", text):
            return f"{m[2].strip()}（{m[1]}）"
        return text


@dataclass
class Case:
    members: list[Member]
    entries: list[Entry]  # the roster's names, in its order (a unit's twice, alike names, ghosts)
    layout: str  # "table" or "plain"
    columns: tuple[str, ...] = ()  # of a table: "序号", "单位代码", a NAME_HEADERS, "备注" in order
    title: bool = True
    total: bool = True
    blank_rows: tuple[int, ...] = ()


def form_spelling(rng: random.Random, member: Member) -> str:
    name, code = member.name, member.code
    return rng.choice([name, name, f"{name}（{code}）", f"{name}({code})", f"{name} （{code}）", f"{name}【{code}】",
                       name.replace("某市", "某市 "), name.replace("某市", "某市\u3000"), f" {name} "])


def roster_cell(rng: random.Random, member: Member, code_column: bool) -> str:
    name, code = member.name, member.code
    ways = [name, f"{name} ", f"{name}\u3000", f"{name}（{code}）", f"{name}({code})", name.replace("某市", "某市\u3000"),
            name.replace("某市", "某市 ")]
    if not code_column:
        ways += [f"{code} {name}", f"{code}\u3000{name}", f"{code}-{name}", f"{code}、{name}"]
    return rng.choice(ways)


def alike_cell(rng: random.Random, member: Member) -> str:
    """The unit written so that it is another name (documented: 某局（本级） is not 某局, 第一中学 not 某县第一中学)."""
    return rng.choice([member.name.removeprefix("某市"), f"{member.name}（本级）"])


def generate(rng: random.Random) -> Case:
    own = [Member(name, f"{OWN_CODE}{UNIT_NAMES.index(name) + 1:03}", OWN,
                  rng.choices(("sent", "other", "none"), (0.65, 0.1, 0.25))[0])
           for name in rng.sample(UNIT_NAMES, rng.randint(4, 9))]
    for m in own[:2]:
        m.role = "sent"  # the period's forms are most units'
    while sum(m.role == "other" for m in own) * 2 >= sum(m.reported for m in own):
        next(m for m in own if m.role == "other").role = "none"
    foreign = [Member(name, f"{FOREIGN_CODE}{i + 1:03}", FOREIGN, "sent")
               for i, name in enumerate(rng.sample(FOREIGN_UNITS, rng.choice((0, 0, 1, 2))))]
    if rng.random() < 0.3:  # a namesake of another department, of another code
        name = rng.choice(own).name
        foreign.append(Member(name, f"{FOREIGN_CODE}9{UNIT_NAMES.index(name) + 1:02}", FOREIGN, "sent"))
    members = [*own, *foreign]
    base = Member(OWN, OWN_CODE, OWN, rng.choice(("sent", "none"))) if rng.random() < 0.3 else None
    if base:
        members.append(base)
    for m in members:
        m.late = m.reported and rng.random() < 0.1
        one = form_spelling(rng, m) if m is not base else rng.choice((OWN, f"{OWN}（{OWN_CODE}）"))
        forms = rng.randint(1, 3)
        m.spellings = [one if rng.random() < 0.7 or m is base else form_spelling(rng, m) for _ in range(forms)]
    layout = rng.choice(("table", "table", "plain"))
    columns: tuple[str, ...] = ()
    if layout == "table":
        middle = [rng.choice(NAME_HEADERS), *(("单位代码",) if rng.random() < 0.4 else ())]
        rng.shuffle(middle)
        columns = (*(("序号",) if rng.random() < 0.7 else ()), *middle, *(("备注",) if rng.random() < 0.4 else ()))
    code_column = "单位代码" in columns
    entries = []
    for m in [*own, *foreign]:
        if m in own and rng.random() < 0.85 or m in foreign and rng.random() < 0.3:
            entries.append(Entry(m, roster_cell(rng, m, code_column), m.code))
        if m in own and rng.random() < 0.1:
            entries.append(Entry(None, alike_cell(rng, m), m.code))
    for ghost in rng.sample(GHOSTS, rng.randint(0, 2)):
        entries.append(Entry(None, ghost, f"{OWN_CODE}{UNIT_NAMES.index(ghost) + 1:03}" if ghost in UNIT_NAMES else ""))
    listing = any(e.member in own and e.member.role != "none" for e in entries)
    if base and listing and rng.random() < 0.8:
        # By design (roster._answering) the department's name on a roster listing its units is its 本级 unit; on
        # one listing none of the units that sent forms it is the department, which every form answers for.
        entries.append(Entry(base, rng.choice((OWN, f"{OWN}（{OWN_CODE}）")), OWN_CODE))
    if not entries:
        entries.append(Entry(None, GHOSTS[0]))
    for _ in range(rng.choice((0, 0, 1, 2))):  # a unit listed twice, maybe written otherwise the second time
        again = rng.choice(entries)
        cell = roster_cell(rng, again.member, code_column) if again.member and again.member is not base else again.cell
        entries.append(Entry(again.member, cell if rng.random() < 0.5 else again.cell, again.code))
    rng.shuffle(entries)
    return Case(members, entries, layout, columns, rng.random() < 0.7, rng.random() < 0.5,
                tuple(rng.sample(range(len(entries) + 1), rng.randint(0, 2))))


def roster_rows(case: Case, entries: list[Entry], rng: random.Random) -> list[list[str]]:
    """The roster as rows of cells, the entries in the order given."""
    rows: list[list[str]] = []
    if case.layout == "plain":
        rows += [[TITLE]] if case.title else []
        for i, e in enumerate(entries):
            rows += [[""]] if i in case.blank_rows else []
            rows.append([e.cell])
        rows += [[f"合计：{len(entries)}个单位"]] if case.total else []
        return rows
    width = len(case.columns)
    if case.title:
        rows += [[TITLE, *[""] * (width - 1)], [""] * width]
    rows.append(list(case.columns))
    for i, e in enumerate(entries, 1):
        rows += [[""] * width] if i - 1 in case.blank_rows else []
        values = {"序号": str(i), "单位代码": e.code, "备注": rng.choice(REMARKS)}
        rows.append([values.get(c, e.cell) for c in case.columns])
    if case.total:
        first = "序号" if "序号" in case.columns else next(c for c in case.columns if c in NAME_HEADERS)
        rows.append(["合计" if c == first else f"共{len(entries)}个单位" if c in NAME_HEADERS else ""
                     for c in case.columns])
    return rows


def write_roster(path: Path, rows: list[list[str]], fmt: str, merged: bool = True) -> Path:
    """rows as `fmt` writes them: a CSV (UTF-8, with a BOM, or GBK), a TXT (one name a line; a table tab-separated,
    as Excel saves 文本文件), or an .xlsx, the title merged across the table."""
    if fmt == "xlsx":
        book = Workbook()
        ws = book.active
        for row in rows:
            ws.append([int(c) if c.isdigit() and len(c) < 4 else c or None for c in row])
        if merged and len(rows[0]) > 1 and rows[0][0] == TITLE:
            ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(rows[0]))
        path = path.with_suffix(".xlsx")
        book.save(path)
        return path
    kind, encoding = fmt.split("-")
    text = io.StringIO()
    if kind == "txt" and max(map(len, rows)) == 1:
        text.write("".join(row[0] + "\r\n" for row in rows))
    else:
        csv.writer(text, delimiter="\t" if kind == "txt" else ",", lineterminator="\r\n").writerows(rows)
    path = path.with_suffix(f".{kind}")
    path.write_bytes(text.getvalue().encode({"utf8": "utf-8", "bom": "utf-8-sig", "gbk": "gbk"}[encoding]))
    return path


def write_forms(folder: Path, case: Case, rng: random.Random) -> list[Path]:
    """Each unit's forms: in one workbook a sheet each, or a workbook each; of another period for a unit that sent
    those only, and one more for a unit that sent one late."""
    paths = []
    for m in case.members:
        if m.role == "none":
            continue
        period = PERIOD if m.reported else OTHER_PERIOD
        forms = [(s, f"{m.name}{m.department}项目{i}", period) for i, s in enumerate(m.spellings, 1)]
        forms += [(m.spellings[0], f"{m.name}{m.department}上期项目", OTHER_PERIOD)] if m.late else []
        department = rng.choice((f"{m.department}（{DEPARTMENTS[0][1] if m.department == OWN else FOREIGN_CODE}）",
                                 m.department))
        groups = [forms] if rng.random() < 0.5 else [[f] for f in forms]
        for n, group in enumerate(groups):
            book = Workbook()
            book.remove(book.active)
            for i, (spelling, project, when) in enumerate(group):
                ws = book.create_sheet(f"表{i + 1}")
                grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit=spelling,
                                    department=department, project=project, period=when)
                for r, row in enumerate(grid, 1):
                    for c, v in enumerate(row, 1):
                        if v is not None:
                            ws.cell(r, c, v)
            path = folder / f"{m.name}（{m.department}）{'' if len(groups) == 1 else f'_{n + 1}'}.xlsx"
            book.save(path)
            paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------------------------
# What must come out.
# ---------------------------------------------------------------------------------------------------------------

def stem(name: str) -> str:
    """A name without spaces, punctuation and what brackets add, width aside (documented as names.name_stem)."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕", "", text)
    return re.sub(r"[\s:：,，、。.．\"“”'‘’()（）\[\]【】<>《》*]+", "", text)


def alike(name: str, others: list[str]) -> list[str]:
    """README: a likely counterpart is one name written another way, the same stem or one inside the other."""
    out = []
    for other in others:
        short, long = sorted((stem(name), stem(other)), key=len)
        if short == long or len(short) >= 3 and short in long:
            out.append(other)
    return out


def hint(side: str, found: list[str], otherwise: str = "") -> str:
    if len(found) == 1:
        return f"；{side}“{found[0]}”可能是同一单位，请核对单位名称"
    return "；请核对单位名称与名单是否一致" if found else otherwise


@dataclass
class Expected:
    missing: list[str]  # as the roster writes them, in its order
    other: set[str]  # of those, the ones that sent forms of another period only
    unlisted: dict[str, list[str]]  # each reporting unit not on the roster → how its forms write it

    def k003(self, unlisted: list[str]) -> list[str]:
        return sorted(f"名单中的单位“{u}”"
                      f"{f'报送的监控表期间为 {OTHER}，与多数单位的 {MAJORITY} 不一致，未纳入汇总' if u in self.other else '没有报送监控表'}"
                      f"{hint('已报送的', alike(u, unlisted))}。" for u in self.missing)

    def k004(self, unlisted: list[str]) -> list[str]:
        return sorted(f"单位“{u}”报送了监控表，但不在单位名单中"
                      f"{hint('名单中未报送的', alike(u, self.missing), '；请核对单位名称，或把该单位加入名单')}。"
                      for u in unlisted)


def parts(name: str) -> tuple[str, str | None]:
    """A name without its code in brackets, and the code (digits, 101001-001 being 101001001)."""
    text = unicodedata.normalize("NFKC", name)
    m = re.search(r"[(\[【〔]\s*([0-9A-Za-z-]+)\s*[)\]】〕]", text)
    return bare(name), m and m[1].replace("-", "")


def same(a: str, b: str) -> bool:
    """Whether two names may be one unit (README, names.Units): the same name, their codes (if both have one) the
    same; 某局（本级） is not 某局, 机关服务中心（101003） not 机关服务中心（102003）."""
    (stem_a, code_a), (stem_b, code_b) = parts(a), parts(b)
    return stem_a == stem_b and (code_a is None or code_b is None or code_a == code_b)


def listed_once(entries: list[Entry]) -> list[str]:
    """The roster's names as read_roster gives them: a unit listed twice once, as first written, and listed without
    its code beside its code, the unit of its code, in whichever order."""
    names = [e.shown for e in entries]
    out: list[str] = []
    for name in names:
        stem_, code = parts(name)
        if not any(parts(kept) == (stem_, code) for kept in out) and (
                code or not any(parts(other)[0] == stem_ and parts(other)[1] for other in names)):
            out.append(name)
    return out


def expected(case: Case, entries: list[Entry]) -> Expected:
    """The roster's units that sent no form of the period (those only of another period said so); the units that did
    and are not on it, one a name (compare_roster lists them by the name without a code)."""
    def forms(m: Member) -> list[tuple[str, bool]]:  # (spelling, of the period)
        return [(s, m.reported) for s in m.spellings] + ([(m.spellings[0], False)] if m.late else [])

    sent = [(s, ok) for m in case.members if m.role != "none" for s, ok in forms(m)]
    names = listed_once(entries)
    missing = [u for u in names if not any(ok and same(u, s) for s, ok in sent)]
    unlisted: dict[str, list[str]] = {}
    for m in case.members:
        for s, ok in forms(m):
            if ok and not any(same(u, s) for u in names):  # a name listed again without its code is that unit
                unlisted.setdefault(parts(s)[0], []).append(s)
    return Expected(missing, {u for u in missing if any(same(u, s) for s, _ in sent)}, unlisted)


def messages(data: dict, code: str) -> list[str]:
    return sorted(d["message"] for d in data["diagnostics"] if d["code"] == code)


def assert_outcome(data: dict, want: Expected, context: str) -> None:
    assert data["period"] == {"year": 2026, "months": 6}, context
    assert data["missing_units"] == want.missing, context
    unlisted = data["unlisted_units"]
    assert len(unlisted) == len(want.unlisted), (context, unlisted, want.unlisted)
    for name, spellings in want.unlisted.items():
        shown = [u for u in unlisted if parts(u)[0] == name]
        assert len(shown) == 1 and shown[0] in [s.strip() for s in spellings], (context, name, unlisted)
    assert messages(data, "K003") == want.k003(unlisted), context
    assert messages(data, "K004") == want.k004(unlisted), context


# ---------------------------------------------------------------------------------------------------------------
# The properties.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(30, 1))
def test_the_roster_names_exactly_who_sent_nothing_and_who_is_not_on_it_however_it_is_written(tmp_path, seed):
    rng = random.Random(seed)
    case = generate(rng)
    units = tmp_path / "units"
    units.mkdir()
    paths = write_forms(units, case, rng)
    formats = TABLE_FORMATS if case.layout == "table" else (*TEXT_FORMATS, "xlsx")
    read = None
    outcome = None
    for n, fmt in enumerate(rng.sample(formats, 3)):
        entries = case.entries if n == 0 else rng.sample(case.entries, len(case.entries))
        rows = roster_rows(case, entries, rng)
        inside = rng.random() < 0.3  # kept beside the units' files, named …名单…
        roster = write_roster((units if inside else tmp_path) / f"应报送单位名单{n}", rows, fmt)
        context = f"seed {seed}: {fmt}, {rows}"
        want = expected(case, entries)
        names = read_roster(roster)
        assert names == listed_once(entries), context
        inputs = [units] if rng.random() < 0.5 else rng.sample(paths, len(paths))
        data = consolidate(*inputs, "--roster", roster, output=tmp_path / "out" / f"{n}.xlsx")
        assert_outcome(data, want, context)
        assert data["roster"]["units"] == len(names), context
        assert not [f for f in data["files"] if "名单" in f["path"]], context
        if inside:
            roster.unlink()
        got = (sorted(map(bare, data["missing_units"])), sorted(map(bare, data["unlisted_units"])),
               sorted(map(bare_quoted, messages(data, "K003"))), sorted(map(bare_quoted, messages(data, "K004"))))
        if read is not None:
            assert sorted(map(bare, names)) == read and got == outcome, context
        read, outcome = sorted(map(bare, names)), got


def bare(name: str) -> str:
    """A name without spaces, punctuation and a code in brackets: one unit's spellings alike, 某局（本级） not 某局."""
    text = re.sub(r"[(\[【〔]\s*[0-9A-Za-z-]+\s*[)\]】〕]", "", unicodedata.normalize("NFKC", name))
    return re.sub(r"[\s:：,，、。.．\"“”'‘’()（）\[\]【】<>《》*]+", "", text)


def bare_quoted(message: str) -> str:
    return re.sub(r"“([^”]*)”", lambda m: f"“{bare(m[1])}”", message)


def case_files(tmp_path: Path, seed: int, formats: tuple[str, ...]) -> tuple[Case, Expected, list[Path], list[Path]]:
    """A seed's department: its units' files, and its roster written in each format (the rows in one order)."""
    rng = random.Random(seed)
    case = generate(rng)
    units = tmp_path / f"units{seed}"
    units.mkdir()
    paths = write_forms(units, case, rng)
    rows = roster_rows(case, case.entries, rng)
    rosters = [write_roster(tmp_path / f"名单{seed}_{n}", rows, fmt) for n, fmt in enumerate(formats)]
    return case, expected(case, case.entries), paths, rosters


def test_a_roster_saved_as_xls_says_what_its_xlsx_says(tmp_path, soffice):
    """An .xls (Excel 97-2003, as many still save it), its title merged: the outcome is the .xlsx's."""
    from conftest import libreoffice_convert

    made = [case_files(tmp_path, seed, ("xlsx",)) for seed in seeds(2, 2)]
    converted = libreoffice_convert(soffice, [rosters[0] for *_, rosters in made], tmp_path / "xls", "xls:MS Excel 97")
    for seed, (case, want, paths, _), xls in zip(seeds(2, 2), made, converted):
        context = f"seed {seed}"
        assert read_roster(xls) == listed_once(case.entries), context
        assert_outcome(consolidate(*paths, "--roster", xls, output=tmp_path / "out" / f"{seed}.xlsx"), want, context)


@pytest.mark.parametrize("seed", seeds(4, 3))
def test_the_web_pages_consolidation_says_what_the_command_line_says(tmp_path, client, seed):
    """/api/consolidate with the roster in its field, or among the files as in a department head's folder."""
    rng = random.Random(seed)
    case, want, paths, [roster] = case_files(tmp_path, seed, (rng.choice((*TABLE_FORMATS, "txt-utf8")),))
    files = [("files", (p.name, p.read_bytes())) for p in rng.sample(paths, len(paths))]
    sent = ("应报送单位名单" + roster.suffix, roster.read_bytes())
    for field_ in ("roster", "files"):
        response = client.post("/api/consolidate", files=[*files, (field_, sent)])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["roster"] == {"name": sent[0], "units": len(listed_once(case.entries)), "listed": "单位"}, \
            f"seed {seed}"
        assert_outcome(body, want, f"seed {seed}: {field_}, {roster.name}")
