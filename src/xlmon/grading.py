"""Green / yellow / red for every funding row, indicator and form, by the rule profile.

Funding rows: spending gap against 时间进度 (and optional milestones). Indicators: the full-year
forecast against the target, direction-aware, raised by 完成目标可能性. A form: its worst grade.
"""

from __future__ import annotations

import calendar
import datetime
import re
from functools import lru_cache

from . import layout as L
from .calc import EPS
from .models import Form, FundingRow, Grade, Indicator
from .profile import Profile
from .text import DONE_WORDS, label_key, nfkc, parse_target, plain_number

ORDER: dict[str, int] = {"green": 0, "yellow": 1, "red": 2}


def worst(*grades: Grade | None) -> Grade | None:
    present = [g for g in grades if g]
    return max(present, key=ORDER.__getitem__) if present else None


# Float's rounding in a gap (≈1e-16), far below what an amount moves it by: 0.0001 万元, the least a form keeps, of a
# 部门整体's 1000 亿元 (1e7 万元) is 1e-11. EPS (1e-9) hid that, and graded a row the better side of a threshold that
# the templates' own colours, in Excel, WPS and LibreOffice, put it past.
GAP_EPS = 1e-12


def grade_funding(row: FundingRow, months: int | None, time_progress: float | None, profile: Profile) -> Grade | None:
    rules = profile.funding
    if row.spend_progress is None or time_progress is None:
        return None
    gap = time_progress - row.spend_progress
    grade: Grade = "green" if gap <= rules.green_max_gap + GAP_EPS else (
        "yellow" if gap <= rules.yellow_max_gap + GAP_EPS else "red")
    if rules.use_milestones and months in rules.milestones:
        short = rules.milestones[months] - row.spend_progress
        if short > GAP_EPS:
            grade = worst(grade, "red" if short > rules.yellow_max_gap + GAP_EPS else "yellow")  # type: ignore[assignment]
    return grade


def is_percent(text: str | None) -> bool:
    """% as a 计量单位 column may hold it (％, 百分比), which a %-formatted cell answers as a fraction all the same."""
    return bool(text) and ("%" in (text := nfkc(text)) or "百分" in text)


def comparable(value: float, ind: Indicator, field: str = "forecast") -> tuple[float, float]:
    """(completion, target) at one scale. Excel keeps 95% of a %-formatted cell as 0.95, so against a % unit a number
    typed without % and at most 1.5 may be a fraction or percentage points: it is read in percent where that puts it
    nearer the other side (0.8 against 85%, a target of 0.05 against 3%), else as it is (0.5 against 0.6%)."""
    target = ind.target_value or 0.0
    if not is_percent((ind.unit or "") + (ind.units.get(field) or "")):  # 100% of a %-formatted target against "80%" too
        return value, target
    value_bare = ind.units.get(field) is None and abs(value) <= 1.5
    target_bare = not is_percent(ind.target) and abs(target) <= 1.5
    if value_bare and not target_bare and abs(value) * 10 < abs(target):
        return value * 100, target
    if target_bare and not value_bare and abs(target) * 10 < abs(value):
        return value, target * 100
    return value, target


SIGNS = {">=": "≥", ">": ">", "=": "=", "<": "<", "<=": "≤"}


def target_shown(ind: Indicator) -> str:
    """The target as it is graded, in the form's words: a number typed alone with its 计算符号 and 计量单位 columns
    (≥ | 40 | 所 is ≥40所; 0.95 of a %-formatted cell, which Excel shows 95%, at the scale comparable reads it beside
    the completion), and a 计算符号 the target's own text does not state kept before it (≤ | 1% is ≤1%): 指标偏差,
    the findings and the report all quote it so."""
    text = (ind.target or "").strip()
    sign = SIGNS.get(ind.operator or "")
    if ind.target_value is None or sign is None:
        return ind.target or ""
    done = next((v for v in (ind.forecast, ind.actual) if isinstance(v, float)), None)
    scaled = comparable(done, ind)[1] if done is not None else ind.target_value
    if re.fullmatch(r"[-+]?[\d.,]+", text) or scaled != ind.target_value:
        return f"{sign}{plain_number(scaled)}{ind.unit or ''}"
    own = parse_target(text)
    return text if own is not None and own.operator == ind.operator else f"{sign}{text}"


def _at_least(value: float, target: float, tolerance: float, op: str = ">=") -> Grade:
    """A target to reach (≥, or > with op): green there, yellow short of it by up to tolerance of it, else red."""
    if value > target - EPS if op == ">=" else value > target + EPS:
        return "green"
    return "yellow" if value >= target - tolerance * abs(target) - EPS else "red"


def quantitative_grade(value: float, ind: Indicator, tolerance: float) -> Grade:
    value, target = comparable(value, ind)
    op = ind.operator
    slack = tolerance * abs(target)
    if op in (">=", ">"):
        return _at_least(value, target, tolerance, op)
    if op in ("<=", "<"):
        if value < target + EPS if op == "<=" else value < target - EPS:
            return "green"
        return "yellow" if value <= target + slack + EPS else "red"
    diff = abs(value - target)
    return "green" if diff <= EPS else ("yellow" if diff <= slack + EPS else "red")


# A word of the profile's, or the target's own words, negated right before them (无法完成, 未按计划完成, 有待提升,
# 无明显变化): the opposite of what they say; only partly negated (未完全达成, 不能全部完成), partly met.
_NEGATED = re.compile(r"(?:未能|不能|不可能|无法|难以|没有|没能|尚未|有待|未|不|无)"
                      r"(?:能|可|按期|按时|如期|按计划|进一步|全面|全部|完全)?$")
_PARTLY = re.compile(r"(?:未|不|没有|不能|未能)(?:完全|全部|全面)$")
# A bad level with none of it (零差错, 无延期, 没有滞后) is met; 零 and 无 say the same (零事故 is 无事故).
_ABSENT = re.compile(r"(?:无|没有|未出现|杜绝)$")


def _zero_as_none(key: str) -> str:
    return key.replace("零", "无") if "零" in key else key


_LEVELS: dict[int, tuple[dict, dict[str, Grade], list[str]]] = {}


def _levels(qualitative: dict[str, Grade]) -> tuple[dict[str, Grade], list[str]]:
    """The profile's levels by label_key, and their words longest first; made once a profile."""
    cached = _LEVELS.get(id(qualitative))
    if cached is None or cached[0] is not qualitative:
        levels = {label_key(k): v for k, v in qualitative.items()}
        cached = _LEVELS[id(qualitative)] = (qualitative, levels, sorted(filter(None, levels), key=len, reverse=True))
    return cached[1], cached[2]


def qualitative_grade(text: str, ind: Indicator, profile: Profile) -> Grade | None:
    """A completion in words, by the profile's levels: the whole text, else the longest level it holds (negation
    and 基本… taken into account); the target's own words are green, 基本 + them yellow."""
    key = _zero_as_none(label_key(text))
    levels, longest_first = _levels(profile.indicators.qualitative)
    if key in levels:
        return levels[key]
    target = _zero_as_none(label_key(ind.target)) if ind.target else ""
    if target and key == target:
        return "green"
    if target and key.startswith("基本") and len(key) > 3 and target.endswith(key[2:]):
        return "yellow"  # 基本有效提升, or 基本消除 against 有效消除
    if target and target in key and _NEGATED.search(before := key[:key.index(target)]):
        return "yellow" if _PARTLY.search(before) else "red"  # 不能按计划完成 against 按计划完成
    for word in longest_first:
        if word in key:
            before = key[:key.index(word)]
            if levels[word] == "green" and _NEGATED.search(before):
                return "yellow" if _PARTLY.search(before) else "red"
            if levels[word] == "green" and before.endswith("基本"):
                return "yellow"
            if levels[word] != "green" and _ABSENT.search(before):
                return "green"
            return levels[word]
    return None


# 无 or 零 starting a word of its own, not saying there is none of something (无公害, 无偿, 无纸化, 无线, 无障碍, 无人机,
# 零售, 零星, 零部件, 零容忍), nor 无法 or 无明显 saying something else; 无机动车事故, 无土地纠纷 or 无烟花爆竹事故 are none of
# 机动车事故, 土地纠纷, 烟花爆竹事故. Every other target beginning with 无 or 零 is a count of none (无重复资助, 零差评, 无坏账).
_NONE_WORD = re.compile(
    r"无(?:公害|偿|纸化|线|障碍|人机|人驾驶|人值守|菌|缝|烟(?!花)|土(?!地)|息|害化|机(?!动)|法|明显|差别|条件|证明|接触)"
    r"|零(?:售|星|部件|件|散|距离|基|容忍|工|碳)")
# …that the target then says is none all the same: 零售网点安全事故为零, 无人机安全事故0起, 零星维修投诉清零
_SAYS_NONE = re.compile(r"清零|为零|归零|为0|(?<![\d.])0(?:起|次|件|例|宗|个|人|户|处|条|项|家)")
_COUNTED = re.compile(r"\d|率|覆盖")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def counts_none(ind: Indicator, field: str = "forecast") -> bool:
    """零事故, 无差错, 无重复资助: a qualitative target of none of something, which a count answers (0 or 0起 meets it,
    any more misses it); 无偿献血活动全面开展 or 零售网点建设 begins a word of its own, and a number against it is R208.
    A target holding a number or a rate counts only where that number is none (零投诉率, 无重大安全事故（0起）) and the
    answer 0; one that merely begins so (无害化处理率100%, 无障碍设施全覆盖) is left to R208."""
    key = label_key(ind.target) if ind.operator == "qualitative" and ind.target else ""
    if len(key) < 2 or key[0] not in "零无" or _NONE_WORD.match(key) and not _SAYS_NONE.search(key):
        return False
    value = getattr(ind, field)
    nought = isinstance(value, float) and abs(value) <= EPS
    if not _COUNTED.search(key):
        return nought or "%" not in (ind.units.get(field) or "")
    numbers = _NUMBERS.findall(key)  # 零投诉率, 无重大安全事故（0起）: none is its number, met by 0
    return nought and (key[0] == "零" or bool(numbers) and all(float(n) == 0 for n in numbers))


# What finishing is called, and beginning
_DONE = DONE_WORDS
_BEGUN = re.compile(r"开工|动工|开建|启动|开始|进场")
_CN = "一二三四五六七八九"
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
_CN_DAY = rf"三十一?|二?十[{_CN}]?|[{_CN}]"
# A month in Chinese numerals is one only where it reads as a date: not within a word or count (统一月度, 一月一次,
# 十二个月), so it is not after another numeral or a word ending in one, and is followed by a day, 旬, 底, or what is
# done by or at it (十二月底前, 预计十一月完成, 已于五月完成); 一月内 or 三月以内 is a number of months (一月内办结)
_CN_MONTH = rf"(?<![{_CN}十〇零两几百千第每统同单唯逐万之合专前近数])(?P<cn_month>十[一二]?|[{_CN}])"
_CN_MONTH_SAID = (rf"(?(cn_month)(?:(?<=[份日号旬初底末])|(?=[前止已将全基按如顺正左中，,；;。、)）]|[以之](?!内)|$"
                  rf"|{_DONE}|{_BEGUN.pattern})))")
# A quarter or half, due by its end: 三季度末, 第四季度, 4季度, 上半年, 下半年; 每季度 or 一个季度 is none
_PERIOD = rf"(?:第?(?P<quarter>(?<!\d)[1-4]|(?<![{_CN}十两几])[一二三四])季度|(?P<half>[上下])半年)(?P<period_end>末|底)?"
# A date: 2026年12月31日, 12月底, 11月, 次年3月, 2026年底, 年内, 年度内, 十二月底, 三季度末, 下半年, 明年一季度, 二〇二七年六月,
# 2026-12-31 (a date cell, perhaps with its 00:00:00)
_WHEN = re.compile(
    r"(?<!\d)(?:(?P<year>\d{4})年|(?<![〇零一二三四五六七八九十])(?P<cn_year>[〇零一二三四五六七八九]{4})年"
    r"|(?P<next>次年|明年|来年|下一?年)|今年|当年|本年)?"
    rf"(?:(?:(?P<month>1[0-2]|0?[1-9])|{_CN_MONTH})月份?(?:(?:(?P<day>[12]\d|3[01]|0?[1-9])|(?P<cn_day>{_CN_DAY}))[日号])?"
    rf"(?P<part>上旬|中旬|下旬|初|底|末)?{_CN_MONTH_SAID}|{_PERIOD}"
    rf"|(?P<end>(?(cn_year)|(?<=\d年|[今当本次明来下]年))度?[底末内]|(?<![去上前半两几十{_CN}])年度?[底末内]))"
    r"|(?<!\d)(?P<iso_year>\d{4})[-/.](?P<iso_month>1[0-2]|0?[1-9])[-/.](?P<iso_day>[12]\d|3[01]|0?[1-9])(?!\d)")
# A target to finish by a date: 12月31日前完成, 2026年底前完成, 于年底前全部完工, 6月完成; not 12月 alone (a count)
_DEADLINE = re.compile(rf"\D*?(?:{_WHEN.pattern})(?P<by>之前|以前|以内|之内|为止|前|内|止)?(?P<due>\D*)")
# A date in Chinese numerals, a quarter or a half is a target's only where the target says it is done or begun by
# then, and holds no count of its own (三季度培训三次, 三季度完成培训三次)
_FINISH = re.compile(rf"{_DONE}|{_BEGUN.pattern}")
_CN_NUMERAL = re.compile(rf"[{_CN}十两百千万]")
# …but a phase or an ordinal names a thing, not how many (完成一期工程, 完成第二批); 培训三期 at the end is a count
_NAMED_BY_NUMERAL = re.compile(rf"第[{_CN}十两百千万]+|[{_CN}十]+期(?=.)")
# A count of things (培训三次, 建成两个站点), not a numeral within a word (统一平台, 一网通办)
_COUNT = re.compile(rf"(?P<count>[{_CN}十两百千万]+)(?P<measure>个|次|项|场|批|期|所|家|人|户|座|处|条|台|套|件|轮|篇|份|本|部|名|位|"
                    rf"种|类|间|辆|亩|公里|吨|届)")
_SMALL_NUMERAL = re.compile(rf"{_CN_DAY}|两")  # what _number reads: up to 三十一
_CLOCK = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2})?$")
_SPACE = re.compile(r"\s+")
_PART_DAY = {"上旬": 10, "初": 10, "中旬": 20}

When = tuple[int | None, int, int, int | None]  # a year said (or None: the form's), years after it, month, day


def _compact_date(text: str) -> str:
    return _SPACE.sub("", nfkc(_CLOCK.sub("", text)))


Deadline = tuple[tuple[When, ...], bool, tuple[int | None, str] | None]


@lru_cache(maxsize=4096)
def _deadline(target: str) -> Deadline | None:
    """_one_deadline of the target, or of its last milestone where it names several (一季度完成招标、四季度完工;
    3月底前完成招标，12月底前完工): the job is due by the latest, and the year's forecast answers for that."""
    milestones = _milestones(target)
    return milestones[-1][1] if milestones else _one_deadline(target)


def _goal(ind: Indicator) -> str:
    """What the year's forecast answers for: the indicator's name and its target, or the target's last milestone
    (四季度完工 of 一季度完成招标、四季度完工), so that a forecast of an earlier one's stage alone (6月完成招标) is a stage
    done, not the job, and 已于5月完成招标 is the job of 招标完成时间; not of 设计及施工完成时间, whose name joins it to
    other work."""
    milestones = _milestones(ind.target) if ind.target else ()
    name = "" if _JOINED.search(ind.level3 or "") else ind.level3 or ""
    return name + (milestones[-1][0] if milestones else ind.target or "")


_JOINED = re.compile(r"及(?!时)|[和与、暨]")


@lru_cache(maxsize=4096)
def _milestones(target: str) -> tuple[tuple[str, Deadline], ...]:
    """The clauses of a target that are each due by a date, latest last; () unless two or more name a date. A clause
    is one only where something is done or begun by its date, not where it names one alone (质保期至2028年12月,
    按照2026年3月印发的文件要求), which leaves the other clause the target's, where it is one."""
    found = [(clause, due) for clause in _CLAUSES.split(_compact_date(target)) if (due := _one_deadline(clause))]
    if len(found) < 2:
        return ()
    found = [(clause, due) for clause, due in found if (m := _DEADLINE.fullmatch(clause)) and (
        m["by"] or _FINISH.search(m["due"]))]
    year = min((when[0] for _, due in found for when in due[0] if when[0]), default=0)  # 2026年3月 … 12月底

    def by(milestone: tuple[str, Deadline]) -> tuple[int, int, int, int]:
        named, later, month, day = milestone[1][0][-1]  # the latest date the clause may mean
        return named or year, later, month, day or 31

    return tuple(sorted(found, key=by))


@lru_cache(maxsize=4096)
def _one_deadline(target: str) -> Deadline | None:
    """The dates a target may mean a thing is due by (one, or two where it may be either: 三季度前 is before the
    third quarter or by its end), whether the thing is to begin by then (9月30日前开工), and the count of things it
    is to do (12月底前完成培训三次: 3 次; None where the numeral is past 三十一), which a bare number answers as a
    count, not a month."""
    m = _DEADLINE.fullmatch(_compact_date(target)) if target else None
    if m is None or not (m["year"] or m["cn_year"] or m["next"] or m["day"] or m["cn_day"] or m["part"] or m["end"]
                         or m["iso_year"] or m["by"] or m["due"]):
        return None
    named = _NAMED_BY_NUMERAL.sub("", m["due"])
    if (m["cn_month"] or m["quarter"] or m["half"]) and not (
            (m["by"] or _FINISH.search(m["due"])) and not _CN_NUMERAL.search(named)):
        return None
    counted = _COUNT.search(named)
    count = (_number(counted["count"].replace("两", "二")) if _SMALL_NUMERAL.fullmatch(counted["count"]) else None,
             counted["measure"]) if counted else None
    due = _when(m)
    # before a quarter or half that does not begin the year, not by its end (三季度末前): it may end the one before
    if m["by"] in ("前", "之前", "以前") and not m["period_end"] and (m["quarter"] not in (None, "一", "1")
                                                                  or m["half"] == "下"):
        year, later, month, _ = due
        dues = ((year, later, month - (6 if m["half"] else 3), None), due)
    else:
        dues = (due,)
    return dues, bool(m["due"] and _BEGUN.search(m["due"])), count


def deadline_count(target: str | None) -> tuple[str, str] | None:
    """The count a target is to reach by a date, as written (年内完成培训三次: 3次, 次), or None; its number is "" past
    三十一."""
    found = _deadline(target) if target else None
    if not found or not found[2]:
        return None
    number, measure = found[2]
    return (f"{number}{measure}" if number else "", measure)


def deadline_begins(target: str | None) -> str | None:
    """What a target to begin by a date calls beginning (9月30日前开工: 开工; 3月底前完成招标，6月底前启动: 启动), or None."""
    found = _deadline(target) if target else None
    if not found or not found[1]:
        return None
    milestones = _milestones(target)
    begun = _BEGUN.search(milestones[-1][0] if milestones else _compact_date(target))
    return begun[0] if begun else None


def deadline(target: str) -> When | None:
    """The date a target says a thing is due by (12月31日前完成, 2026年底前完成, 年底前完成, 十二月底前完成, 三季度末前完成,
    上半年完成), the latest where it may mean two, or None. A month alone (12月) is no date unless something says it is
    one (前, 底, a day, a year, 完成)."""
    found = _deadline(target) if target else None
    return found[0][-1] if found else None


# A year and month written as a number, as Excel keeps 2026.12 or 2027.3 (2027.03) typed into a cell: in a
# completion only, where an amount is no answer (a target of 2000.5万元 is no date)
_YEAR_MONTH = re.compile(r"(?<![\d.])(?P<ym_year>(?:19|20)\d{2})[-/.](?P<ym_month>1[0-2]|0?[1-9])(?![\d.])")
_SAID = re.compile(rf"{_WHEN.pattern}|{_YEAR_MONTH.pattern}")
# A date is when the thing is done only where the text ties it to finishing (_DONE), after it in its clause
# (12月底前全部完工, 已于5月完成) or before it (完工时间为11月, 延期至次年3月), or where the text is nothing but the date
# (11月, 预计2026年12月底前, 2026-11-30): never a date things stand at (截至6月30日尚未开工) or work starts on
# (已于3月开工, 6月起停工), unless the target is the start (9月30日前开工)
_STARTED = r"开工|动工|开建|启动|开始|起|进场|招标|停工|暂停"
_CLAUSE_END = r"，,；;。!！?？、"
_TIED_AFTER = re.compile(rf"(?:(?!{_STARTED})[^{_CLAUSE_END}]){{0,8}}?(?:{_DONE})")
_TIED_AFTER_START = re.compile(rf"[^{_CLAUSE_END}]{{0,8}}?(?:{_DONE}|{_BEGUN.pattern})")
_TIED_BEFORE = re.compile(rf"(?:(?:{_DONE})(?:时间|日期|时限|节点)?(?:为|是|在|于|:)?|(?:延期|推迟|延迟|顺延|延长|延后|拖延|调整|延)(?:至|到))$")
_STATUS_BEFORE = re.compile(r"(?:截至|截止|截止到|截至到|自|从)$")
_ONLY_DATE = re.compile(rf"(?:预计|计划|拟|将|可|能|争取)?(?:于|在)?(?:{_SAID.pattern})(?:之前|以前|前|左右|以内|内|止)?")
_CLAUSES = re.compile(rf"[{_CLAUSE_END}]")
# A year with no month in it (预计明年完成, 延期至次年, 2027年完工): some day of that year, from its first to its last
_YEAR_ALONE = re.compile(r"(?<!\d)(?:(?P<year>\d{4})年|(?P<next>次年|明年|来年|下一?年))度?")
_ONLY_YEAR = re.compile(rf"(?:预计|计划|拟|将|可|能|争取)?(?:于|在)?(?:{_YEAR_ALONE.pattern})(?:内|底前)?")
# Words that the work has not begun or has stopped, or is only partly done (截至6月30日完成60%): such a forecast is
# never green (R216 unless a level reads it red)
_BEGUN_NOW = re.compile(rf"(?:项目|工程)?(?:已经?|均已)(?:全面|正式|按期|如期|顺利)?(?:{_BEGUN.pattern})(?:建设|施工|实施)?")
_STALLED = re.compile(r"未开工|未动工|未启动|未实施|停工|停建|暂停|停滞|搁置|未开始")
_PARTLY_DONE = re.compile(rf"(?:{_DONE}|进度|完成率)[^{_CLAUSE_END}\d]{{0,8}}(?:\d{{1,2}}(?:\.\d+)?%|[{_CN}]成|一半|过半|大部分)")


# A stage of a job (完成招标, 完成一期, 完成前期工作, 招标已完成, 主体已完工): finishing it is not finishing the job;
# filing after acceptance (竣工验收备案) ends it, and 各部分 or 全部分项 is every part
_DONE_WORD = re.compile(_DONE)
_STAGE = re.compile(rf"招标|招投标|[开评定]标|询价|比选|磋商|设计|施工图|立项|可研|可行性研究|论证|调研|申报|"
                    rf"(?<!验收)(?<!竣工)备案|采购|合同签订|签订合同|签约|征地|拆迁|清表|环评|施工许可|规划许可|地基|"
                    rf"基础施工|初验|前期|主体|[{_CN}\d]期|方案|评审|审批|选址|勘察|(?<![全各])部分|首批|第?[{_CN}\d]批|试点")
# A part of the year's work done (完成三季度工作, 完成上半年任务), as the object of finishing: never as its subject,
# which is the date it is done by (预计三季度完成)
_PERIOD_WORK = re.compile(rf"(?:前?[{_CN}1-4]个?季度|[上下]半年|[{_CN}十\d]+个?月)的?(?:工作|任务|目标)")


def _stage_only(text: str, goal: str) -> bool:
    """Whether a completion says only that a stage is done (6月已完成招标, 已完成设计, 一期已完工), one the goal (_goal) does
    not name: each clause that says something is finished names such a stage as the subject of its finishing words or
    the object of their last (完成设备采购并投入使用 is the equipment in use, 完成校舍维修改造 the job). Such a forecast
    says nothing of when the whole job is done, so it is never green."""
    goal = label_key(goal)
    finishing = False
    for clause in _CLAUSES.split(_compact_date(text)):
        if not (done := list(_DONE_WORD.finditer(clause))):
            continue
        finishing = True
        named = ((0, done[0].start()), (done[-1].end(), len(clause)))  # searched in place: 验收备案 is no stage
        if not any(stage[0] not in goal for part in named for stage in _STAGE.finditer(clause, *part)) and not (
                (period := _PERIOD_WORK.match(clause, done[-1].end())) and period[0] not in goal):
            return False
    return finishing


def _when(m: re.Match) -> When:
    """The date a match of _WHEN, _DEADLINE or _SAID names."""
    if m["iso_year"]:
        return int(m["iso_year"]), 0, int(m["iso_month"]), int(m["iso_day"])
    if m.re is _SAID and m["ym_year"]:
        return int(m["ym_year"]), 0, int(m["ym_month"]), None
    year = int(m["year"] or m["cn_year"].translate(_CN_DIGITS)) if m["year"] or m["cn_year"] else None
    later = 1 if m["next"] else 0
    if m["end"]:
        return year, later, 12, 31
    if m["quarter"]:
        return year, later, 3 * _number(m["quarter"]), None
    if m["half"]:
        return year, later, 6 if m["half"] == "上" else 12, None
    day = _number(m["day"] or m["cn_day"]) if m["day"] or m["cn_day"] else _PART_DAY.get(m["part"] or "")
    return year, later, _number(m["month"] or m["cn_month"]), day


def _number(text: str) -> int:
    """A number in digits or Chinese numerals up to 三十一."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.rpartition("十")
    return (_CN.index(tens) + 1 if tens else 1) * 10 * bool(ten) + (_CN.index(ones) + 1 if ones else 0)


@lru_cache(maxsize=8192)
def _said_when(text: str, start: bool = False) -> tuple[When, ...]:
    """When a completion says the thing is (or will be) done: the dates it ties to finishing, of which the latest
    counts (原计划12月，延期至次年3月; 截至6月底已完成招标，预计年底完工; 预计2027年3月完工，6月已完成招标), or the date it is
    nothing but (11月); start where the target is to begin by a date (9月30日前开工), so that 已于3月开工 is its date."""
    return tuple(when for _, when in _tied_dates(_compact_date(text), start))


@lru_cache(maxsize=8192)
def _tied_dates(text: str, start: bool = False) -> tuple[tuple[int, When], ...]:
    """_said_when's dates in a compacted text, each with where it starts."""
    if m := _ONLY_DATE.fullmatch(text):
        return ((0, _when(_SAID.search(text, m.start()))),)
    tied = _TIED_AFTER_START if start else _TIED_AFTER
    found = []
    for m in _SAID.finditer(text):
        before = _CLAUSES.split(text[:m.start()])[-1]
        if not _STATUS_BEFORE.search(before) and (tied.match(text, m.end()) or _TIED_BEFORE.search(before)):
            found.append((m.start(), _when(m)))
    return tuple(found)


@lru_cache(maxsize=8192)
def _years_said(text: str, start: bool = False) -> tuple[tuple[When, When], ...]:
    """The first and last day of each year a completion ties to finishing with no month (预计明年完成, 延期至次年)."""
    found = []
    for m in _YEAR_ALONE.finditer(text):
        if _SAID.match(text, m.start()):  # 明年3月, 2027年底: a date
            continue
        before = _CLAUSES.split(text[:m.start()])[-1]
        tied = _TIED_AFTER_START if start else _TIED_AFTER
        if _ONLY_YEAR.fullmatch(text) or not _STATUS_BEFORE.search(before) and (
                tied.match(text, m.end()) or _TIED_BEFORE.search(before)):
            year, later = (int(m["year"]) if m["year"] else None), 1 if m["next"] else 0
            found.append(((year, later, 1, 1), (year, later, 12, 31)))
    return tuple(found)


def _completed(value: str | float | None, unit: str | None, start: bool = False) -> tuple[When, ...]:
    """The dates a completion says the thing is done by (none where it names none)."""
    if isinstance(value, str):
        return _said_when(value, start)
    if value is None:
        return ()
    if unit:  # 11月完成 and 2026年底 are read as 11 (月) and 2026 (年底)
        return _said_when(plain_number(value) + unit, start)
    if value.is_integer() and 1 <= value <= 12:  # a bare month
        return ((None, 0, int(value), None),)
    if value.is_integer() and 1900 <= value <= 2100:  # a bare year: by its end
        return ((int(value), 0, 12, 31),)
    if 1900 <= value < 2101:  # a year and month typed as a number: 2026.12, 2027.3 (2026.1: January, or October)
        return _said_when(plain_number(value))
    return ()


@lru_cache(maxsize=4096)
def _day_of(when: When, reference: int) -> int:
    """Days from the start of the reference year to the end of the day (or month) a date names."""
    year, later, month, day = when
    year = (reference if year is None else year) + later
    last = calendar.monthrange(year, month)[1]
    return (datetime.date(year, month, min(day or last, last)) - datetime.date(reference, 1, 1)).days + 1


def _late(due_day: int, done_day: int, tolerance: float) -> Grade:
    slack = tolerance * max(due_day, 0)
    return "green" if done_day <= due_day else "yellow" if done_day <= due_day + slack else "red"


def deadline_grade(ind: Indicator, field: str, year: int | None, profile: Profile,
                   months: int | None = None) -> Grade | None:
    """A deadline's completion: by its date green; late by up to yellow_tolerance of the time from the start of the
    year to the deadline yellow (nine days for 3月31日前), later red; and what the words say, the worse of the two
    (预计2027年3月完成 holds 完成, 年底前无法完成 a date in time). Words that the work has not begun, has stopped or
    is partly done (截至6月30日尚未开工, 6月起停工, 截至6月30日完成60%) are never green: red where a level reads them so,
    else no grade (R216). Work said to have begun with no date (已开工, against 9月30日前开工) began by the end of the
    form's `months`: green where that is in time, else no grade, as it may have begun in time or not."""
    found = _deadline(ind.target) if ind.target else None
    if found is None:
        return None
    dues, start, count = found
    value = getattr(ind, field)
    unit = ind.units.get(field)
    if count and isinstance(value, float) and not unit:
        return None  # 2 against 年内完成培训三次: two trainings, not February
    if count and count[0] and isinstance(value, float) and unit == count[1]:  # 2次 against 年内完成培训三次
        return _at_least(value, count[0], profile.indicators.yellow_tolerance)
    done = _completed(value, unit, start)
    if (start and months and year and isinstance(value, str)  # 已开工，预计年底完工: the date is the finishing's
            and any(_BEGUN_NOW.fullmatch(clause) for clause in _CLAUSES.split(_compact_date(value)))):
        in_time = _day_of((year, 0, months, None), year) <= min(_day_of(due, year) for due in dues)
        return "green" if in_time else None
    text = value if isinstance(value, str) else plain_number(value) + unit if value is not None and unit else ""
    years = _years_said(_compact_date(text), start)
    named = done + tuple(first for first, _ in years)
    readings: set[Grade] = set()
    # dates in the form's year, else the target's; with neither known, a completion naming a year cannot be placed
    reference = year or dues[0][0] or (None if not named or any(d[0] is not None for d in named) else 2001)
    if named and reference is not None:
        done_days = _done_days(done, years, reference)
        if isinstance(value, float) and not unit and plain_number(value).endswith(".1"):
            done_days.add(_day_of((done[0][0], 0, 10, None), reference))  # 2026.10 typed into a number cell is 2026.1
        readings = {_late(_day_of(due, reference), day, profile.indicators.yellow_tolerance)
                    for due in dues for day in done_days}
    by_words = qualitative_grade(value, ind, profile) if isinstance(value, str) else None
    grade = _sure({worst(reading, by_words) for reading in readings} or {by_words})
    if grade == "green" and isinstance(value, str):
        text = _compact_date(value)
        if not start and _STALLED.search(text):
            return None
        # 截至6月30日完成60% or 预计12月底完成80%, but not 截至目前已完成80%，预计11月全部完成
        if (partly := _PARTLY_DONE.search(text)) and not any(at > partly.end() for at, _ in _tied_dates(text, start)):
            return None
    if grade == "green" and not start and text and _stage_only(text, _goal(ind)):
        return None
    return grade


def _sure(grades: set[Grade | None]) -> Grade | None:
    """The grade every reading of a date deserves at least: none where one is green and another not (已于8月完成
    against 三季度前完成, which may be late), else the mildest (延期至次年 against 年底前完成 is late by a day or a
    year: yellow at least, never ungraded and so left out of its form's grade)."""
    if None in grades or len(grades) > 1 and "green" in grades:
        return None
    return min(grades, key=ORDER.__getitem__)


def words_grade(text: str, ind: Indicator, profile: Profile, year: int | None = None) -> Grade | None:
    """A forecast in words against a target in words: qualitative_grade, but never green where the target is to
    finish and the forecast says only that a stage is done (已完成招标 against 按期完成), and no better than the date it
    finishes by against the end of the form's year (预计2027年3月完成 against 按期完成 is red; 预计明年完成 yellow, late
    by a day or a year)."""
    grade = qualitative_grade(text, ind, profile)
    finish = bool(ind.target and _DONE_WORD.search(label_key(ind.target)))
    if grade == "green" and finish and _stage_only(text, _goal(ind)):
        return None
    readings = _year_end_readings(text, year, profile)
    if grade is None or None in readings:
        return None
    return _sure({worst(grade, reading) for reading in readings} or {grade})


def _year_end_readings(text: str, year: int | None, profile: Profile) -> set[Grade | None]:
    """The grades of the latest date a forecast ties finishing to, against the end of the form's year: an annual
    target is due by then at the latest, so 预计2027年3月完成 is red and 预计明年完成 yellow or red by the day; no date,
    or none that can be placed (no year known), gives no reading."""
    text = _compact_date(text)
    done, years = _said_when(text), _years_said(text)
    if not done and not years:
        return set()
    if year is None:
        return {None} if any(d[1] for d in done) or years else set()
    end = _day_of((year, 0, 12, 31), year)
    return {_late(end, day, profile.indicators.yellow_tolerance) for day in _done_days(done, years, year)}


def _done_days(done: tuple[When, ...], years: tuple[tuple[When, When], ...], reference: int) -> set[int]:
    """The day a completion says the thing is done by, the latest of its dates; one for each end of a year it names
    with no month (done some day of it: by the first of the year and by its last)."""
    days = [_day_of(d, reference) for d in done]
    return {max(days + [_day_of(d, reference) for d in ends]) for ends in zip(*years)} if years else {max(days)}


def is_quantitative(ind: Indicator) -> bool:
    return ind.operator not in (None, "qualitative") and ind.target_value is not None


def grade_indicator(ind: Indicator, time_progress: float | None, profile: Profile,
                    year: int | None = None, months: int | None = None) -> Grade | None:
    """The indicator's grade; year is the form's, which a date to finish by (12月31日前完成) is in, and months its
    period's, by whose end what it says is done was done."""
    return worst(*indicator_grades(ind, time_progress, profile, year, months))


def indicator_grades(ind: Indicator, time_progress: float | None, profile: Profile, year: int | None = None,
                     months: int | None = None) -> tuple[Grade | None, Grade | None, Grade | None]:
    """What each thing grades an indicator at: its full-year forecast, its pace so far (a quantity done by the
    period's end behind 时间进度), and the 完成目标可能性 ticked. Its grade is the worst; the finding says which
    made it so where the forecast alone does not (预计达成, but 有可能 ticked)."""
    rules = profile.indicators
    forecast_grade: Grade | None = None
    forecast = ind.forecast
    if deadline(ind.target) is not None:
        forecast_grade = deadline_grade(ind, "forecast", year, profile, months)
    elif is_quantitative(ind) and isinstance(forecast, float):
        forecast_grade = quantitative_grade(forecast, ind, rules.yellow_tolerance)
    elif ind.operator == "qualitative" and isinstance(forecast, str):
        forecast_grade = words_grade(forecast, ind, profile, year)
    elif isinstance(forecast, float) and counts_none(ind):
        forecast_grade = "green" if abs(forecast) <= EPS else "red"
    pace: Grade | None = None
    if (rules.sequential_check and is_quantitative(ind) and ind.operator in (">=", ">")
            and ind.level2 in rules.sequential_level2 and isinstance(ind.actual, float) and time_progress):
        actual, target = comparable(ind.actual, ind, "actual")
        if actual < target * time_progress * (1 - rules.yellow_tolerance) - EPS:
            pace = "yellow"
    likelihood = rules.likelihood_floor.get(ind.likelihood) if ind.likelihood else None
    return forecast_grade, pace, likelihood


def grade_form(form: Form, profile: Profile) -> None:
    for row in form.funding:
        row.grade = grade_funding(row, form.months, form.time_progress, profile)
    for ind in form.indicators:
        ind.grade = grade_indicator(ind, form.time_progress, profile, form.year, form.months)
    # the project's money as a whole (资金总额) and its indicators: a source row's own grade (其他资金 of 2 万元 with
    # nothing spent yet) is said at its row (G101/G102), but does not make a project on schedule red
    funding = [r.grade for r in form.funding if r.row == L.TOTAL_ROW]
    if not any(funding):  # an amount of a source unread: the sources that can be read, summed, stand for 资金总额
        funding = [_readable_sources(form, profile)]
    form.grade = worst(*funding, *(i.grade for i in form.indicators))


def _readable_sources(form: Form, profile: Profile) -> Grade | None:
    """The grade of the money whose 支出进度 can be had, as one row: 2 万元 of 其他资金 behind does not outweigh 200
    万元 on schedule, as it does not in 资金总额."""
    rows = [r for r in form.funding if r.row != L.TOTAL_ROW and r.block == "source" and r.spend_progress is not None]
    subtotal = sum(r.subtotal or 0.0 for r in rows)
    if not subtotal:
        return None
    row = FundingRow(block="source", row=L.TOTAL_ROW, spend_progress=sum(r.spent or 0.0 for r in rows) / subtotal)
    return grade_funding(row, form.months, form.time_progress, profile)
