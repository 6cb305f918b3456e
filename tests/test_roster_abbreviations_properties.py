"""A bureau's roster of departments, typed by hand: whatever city, whichever real departments sent their units'
files (or a department its summary), and however each is written on the roster (its full name as its forms sign
it, shortened to 市X局, with the city its forms leave out, by a common abbreviation such as 市卫健委, 市人社局, 市监局,
资规局, 市环保局, 市委组织部, 市纪委, 市中院; in full where its forms all sign such an abbreviation; the Party's organs
and the courts as their seals read, 中共某市委员会组织部, 某市中级人民法院), `xlmon consolidate --roster` says
exactly the roster's names whose department sent nothing (or that are no department: 市教育局党委, an abbreviation
nobody defined, one that may be two departments) and exactly the sent departments no roster name names, one K004
each, never taking a name for another department.

The oracle does not ask names.py: each roster name is generated knowing which department it writes. A name that
writes a department by its name (full, shortened, with its city) names it whenever it sent. An abbreviation names
its department only where that department is the one sent department it may be, and no other roster name may be
that department (names.abbreviated_departments: of two names for one department, neither), and so does a name in
full of a department whose forms all sign an abbreviation. The abbreviations used are unambiguous among these
departments by construction; 市文旅局 is generated only as the ambiguous one, and a department is written twice only
by two abbreviations that are not its name cut short (卫生健康委 is 卫生健康委员会 shortened where its forms'
spelling holds it, a name by its name).

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from seeded import seeds
from test_consolidate import run
from test_roster import reporting, write_csv

SALT = 113
CITIES = ("某市", "长沙市", "甲市", "株洲市", "乙市")
# departments as their forms name them after the city, each with its common abbreviations (none: written by name)
DEPARTMENTS = {
    "卫生健康委员会": ("卫健委", "卫生健康委", "卫计委"), "发展和改革委员会": ("发改委",), "人力资源和社会保障局": ("人社局",),
    "住房和城乡建设局": ("住建局",), "市场监督管理局": ("市场监管局", "市监局"),
    "自然资源和规划局": ("资规局", "自然资源局", "自规局"), "生态环境局": ("环保局", "环境局"), "教育局": (),
    "文化广电旅游局": ("文广旅局",), "文化和旅游局": (), "交通运输局": ("交通局",), "应急管理局": ("应急局",),
    "医疗保障局": ("医保局",), "退役军人事务局": ("退役军人局",), "科学技术局": ("科技局",), "工业和信息化局": ("工信局",),
    "国有资产监督管理委员会": ("国资委",), "机关事务管理局": ("机关事务局",), "城市管理局": ("城管局",),
    "农业农村局": ("农业局",), "统计局": (), "司法局": (), "民政局": (), "财政局": (), "公安局": (), "审计局": (),
    "水务局": (), "林业局": (), "商务局": (), "体育局": (), "人民政府办公室": ("政府办",), "人民防空办公室": ("人防办",),
    "民族宗教事务局": ("民宗局",), "信访局": (), "粮食和物资储备局": ("粮储局", "粮食局"),
    "行政审批服务局": ("行政审批局", "审批局"), "地方金融监督管理局": ("金融办",),
    "数据资源管理局": ("数据局", "大数据局"), "投资促进局": ("投促局",),
    "气象局": (), "政务服务管理局": ("政务服务局",), "地方志办公室": ("地方志办",), "档案馆": (), "住房公积金管理中心": (),
    "总工会": (), "融媒体中心": (), "妇女联合会": (), "残疾人联合会": (), "供销合作社": (), "公共资源交易中心": (),
    "组织部": ("市委组织部",), "宣传部": ("市委宣传部",), "统一战线工作部": ("市委统战部",),
    "纪律检查委员会": ("纪委", "纪委监委"), "中级人民法院": ("中院", "法院"), "人民检察院": ("检察院",),
}
# how the Party's and the courts' forms sign them, with their city (and never without it)
SEALS = {"组织部": "中共{city}委员会组织部", "宣传部": "中国共产党{city}委员会宣传部",
         "统一战线工作部": "中共{city}委员会统一战线工作部", "纪律检查委员会": "中共{city}纪律检查委员会",
         "中级人民法院": "{city}中级人民法院", "人民检察院": "{city}人民检察院"}
NAMED = tuple(DEPARTMENTS)
# a department's own word ends it (…局, …委员会, …办公室): it may be written shorter or with its city
DEPARTMENT_WORDS = ("局", "委员会", "办公室")
AMBIGUOUS = ("文旅局", ("文化广电旅游局", "文化和旅游局"))
UNKNOWN = ("市卫生局", "市发改局", "市教委", "市环卫局")  # no department's common abbreviation
UNIT_WORDS = ("党委", "机关党委", "信息中心", "机关服务中心")  # 市教育局党委: a department's unit, never it
NO_DEPARTMENT = ("市第九人民医院", "市青少年宫", "市老干部活动中心")
KINDS = ("中心", "站", "所", "队", "院", "馆")
UNIT_LIMIT = 3


@dataclass
class Department:
    """A department: its name after the city, as most of its forms write it (spelled), whether it sent, its units,
    whether it sent its summary rather than its units' files, and how its last unit of three writes it, if
    otherwise (its code left out or added: one department still); signs: the abbreviation its forms all write
    instead of its name (市卫健委), if any, which spelled then is."""

    body: str
    code: str
    spelled: str
    sent: bool
    units: list[str]
    summary: bool = False
    other: str = ""
    signs: bool = False


@dataclass
class Entry:
    """A roster's name, and the departments it may be: by its name (written), by abbreviation, or none."""

    name: str
    covers: frozenset[str] = frozenset()
    written: bool = False


@dataclass
class Case:
    city: str
    departments: list[Department]
    entries: list[Entry]


def owns_word(body: str) -> bool:
    """Whether a department's name ends in a department's word (…局, …委员会, …办公室)."""
    return body.endswith(DEPARTMENT_WORDS)


def form_spelling(rng: random.Random, city: str, body: str, code: str) -> str:
    """How a department's units write it as 主管部门: with the city or leaving it out, with its code or not."""
    lead = rng.choice((city, city, city, "市", "")) if owns_word(body) else city
    name = SEALS[body].format(city=city) if body in SEALS else f"{lead}{body}"
    return f"{name}{rng.choice(('', f'（{code}）'))}"


def by_name(rng: random.Random, city: str, d: Department) -> str:
    """The department by its name: as its forms sign it, or shortened to 市X, or with the city its forms leave out;
    of one whose forms sign an abbreviation, its name as its seal reads."""
    plain = re.sub(r"（[0-9]+）$", "", form_spelling(rng, city, d.body, d.code) if d.signs else d.spelled)
    coded = f"{plain}（{d.code}）"
    if not owns_word(d.body):
        return rng.choice((plain, coded))
    return rng.choice((plain, coded, f"市{d.body}", f"{city}{d.body}"))


def abbreviated(rng: random.Random, city: str, abbreviation: str) -> str:
    """An abbreviation as a roster types it: with the city, its plain 市 or neither (市监局 is one as it is)."""
    return abbreviation if abbreviation.startswith("市") else rng.choice((city, "市", "")) + abbreviation


def shorter(abbreviation: str, body: str) -> bool:
    """Whether an abbreviation is the department's name cut short (卫生健康委, 地方志办) or a part of it (环境局 of
    生态环境局): where the forms' spelling holds it, it names the department by its name, so it is never generated as
    one of two names for it."""
    return body.startswith(abbreviation[:-1]) or abbreviation in body


def unit_names(rng: random.Random, body: str) -> list[str]:
    """Its units' names, which no roster name is."""
    topic = re.sub("(局|委员会|办公室)$", "", body)
    return [f"{topic}第{k}{rng.choice(KINDS)}" for k in range(1, rng.randint(1, UNIT_LIMIT) + 1)]


def generate(rng: random.Random) -> Case:
    city = rng.choice(CITIES)
    bodies = rng.sample(NAMED, rng.randint(3, 9))
    if rng.random() < 0.2:
        bodies = [b for b in bodies if b not in AMBIGUOUS[1]] + list(AMBIGUOUS[1])
    departments = []
    for b in bodies:
        code = f"{101 + NAMED.index(b)}001"
        d = Department(b, code, form_spelling(rng, city, b, code), rng.random() < 0.75, unit_names(rng, b),
                       rng.random() < 0.2)
        signs = [a for a in DEPARTMENTS[b] if not shorter(a, b) and b not in AMBIGUOUS[1]]
        if signs and rng.random() < 0.2:  # its forms all sign it by an abbreviation
            d.spelled, d.signs = abbreviated(rng, city, rng.choice(signs)) + rng.choice(("", f"（{code}）")), True
        if len(d.units) == UNIT_LIMIT and rng.random() < 0.4:
            d.other = d.spelled.removesuffix(f"（{code}）") if d.spelled.endswith("）") else f"{d.spelled}（{code}）"
        departments.append(d)
    for d in departments[:2]:
        d.sent = True
    entries = []
    for d in departments:
        if rng.random() < 0.15 and d.sent:
            continue  # a sent department left off
        ways = DEPARTMENTS[d.body]
        how = rng.choice(("name", "abbreviation", "abbreviation", "twice")) if ways else "name"
        if d.signs:  # by its name, which only its forms' abbreviation is; or as they sign it
            signed = re.sub(r"（[0-9]+）$", "", d.spelled)
            entries.append(Entry(by_name(rng, city, d), frozenset({d.body})) if how != "twice" else
                           Entry(signed, frozenset({d.body}), written=True))
        elif how == "twice" and len(twice := [a for a in ways if not shorter(a, d.body)]) > 1:
            entries += [Entry(abbreviated(rng, city, a), frozenset({d.body})) for a in rng.sample(twice, 2)]
        elif how == "name":
            entries.append(Entry(by_name(rng, city, d), frozenset({d.body}), written=True))
        else:
            entries.append(Entry(abbreviated(rng, city, rng.choice(ways)), frozenset({d.body})))
    if all(b in bodies for b in AMBIGUOUS[1]) and rng.random() < 0.7:
        entries.append(Entry(abbreviated(rng, city, AMBIGUOUS[0]), frozenset(AMBIGUOUS[1])))
    if rng.random() < 0.3:
        entries.append(Entry(rng.choice(UNKNOWN)))
    if rng.random() < 0.3:
        d = rng.choice([d for d in departments if owns_word(d.body)] or departments)
        entries.append(Entry(f"{rng.choice(('市', city))}{d.body}{rng.choice(UNIT_WORDS)}"))
    if rng.random() < 0.2:
        entries.append(Entry(rng.choice(NO_DEPARTMENT)))
    rng.shuffle(entries)
    case = Case(city, departments, unique(entries))
    while len(named(case)) < 2:  # a roster of departments names two or more that sent (roster.names_departments)
        d = next(d for d in departments if d.sent and d.body not in named(case))
        case.entries.append(Entry(by_name(rng, city, d), frozenset({d.body}), written=True))
        case.entries = unique(case.entries)
    return case


def unique(entries: list[Entry]) -> list[Entry]:
    """Each name once, as first written."""
    seen: dict[str, Entry] = {}
    for e in entries:
        seen.setdefault(e.name, e)
    return list(seen.values())


def sent(case: Case) -> set[str]:
    return {d.body for d in case.departments if d.sent}


def names(entry: Entry, case: Case) -> str | None:
    """The sent department a roster name is: by its name, whenever it sent; by abbreviation, the one sent department
    it may be that no other roster name may be too."""
    found = entry.covers & sent(case)
    if len(found) != 1:
        return None
    body = next(iter(found))
    if entry.written or [e for e in case.entries if body in e.covers] == [entry]:
        return body
    return None


def named(case: Case) -> set[str]:
    return {body for e in case.entries if (body := names(e, case))}


def write_case(case: Case, root: Path, capsys) -> Path:
    """The bureau's inbox: each sent department's units' files in its folder, or its summary made from them."""
    inbox = root / "inbox"
    inbox.mkdir()
    for i, d in enumerate(case.departments):
        if not d.sent:
            continue
        units = dict.fromkeys(d.units, d.spelled) | ({d.units[-1]: d.other} if d.other else {})
        if d.summary:
            made = reporting(root / f"d{i}", units)
            code, _ = run(capsys, made, "-o", inbox / f"{d.body}汇总.xlsx")
            assert code == 0
        else:
            reporting(inbox / f"d{i}", units)
    return inbox


def described(case: Case) -> str:
    """What was sent (a department's other spelling after /, its summary marked) and the roster, for a failure."""
    sent_ = "、".join(d.spelled + (f"/{d.other}" if d.other else "") + ("（汇总表）" if d.summary else "")
                     for d in case.departments if d.sent)
    return f"{case.city}, sent {sent_}; roster {'、'.join(e.name for e in case.entries)}"


def quoted(message: str) -> str:
    return re.search(r"“([^”]*)”", message)[1]


def by_code(data: dict, code: str) -> list[str]:
    return [d["message"] for d in data["diagnostics"] if d["code"] == code]


@pytest.mark.parametrize("seed", seeds(20, SALT))
def test_a_roster_of_departments_typed_by_hand_names_exactly_who_sent_nothing_and_who_is_not_on_it(
        tmp_path, capsys, seed):
    rng = random.Random(seed)
    case = generate(rng)
    inbox = write_case(case, tmp_path, capsys)
    roster = write_csv(tmp_path / "名单.csv", [["部门名称"], *([e.name] for e in case.entries)])
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx", "--roster", roster)
    context = f"seed {seed}: {described(case)}"
    assert code == 0, context
    missing = [e.name for e in case.entries if names(e, case) is None]
    spelled = {d.body: d.spelled for d in case.departments}
    unlisted = {spelled[b]: b for b in sorted(sent(case) - named(case))}
    assert data["missing_units"] == missing, context
    assert sorted(data["unlisted_units"]) == sorted(unlisted), context
    assert data["roster"]["units"] == len(case.entries), context
    k003, k004 = by_code(data, "K003"), by_code(data, "K004")
    assert sorted(map(quoted, k003)) == sorted(missing), context
    assert sorted(map(quoted, k004)) == sorted(unlisted), context
    units = {d.spelled: len(d.units) for d in case.departments}
    assert all(m.startswith("名单中的部门（单位）“") for m in k003), (context, k003)
    for message in k004:
        assert message.startswith("部门（单位）“"), (context, message)
        assert f"其下 {units[quoted(message)]} 个单位" in message, (context, message)
