"""Green / yellow / red for every funding row, indicator and form, by the rule profile.

Funding rows: spending gap against 时间进度 (and optional milestones). Indicators: the full-year
forecast against the target, direction-aware, raised by 完成目标可能性. A form: its worst grade.
"""

from __future__ import annotations

import re

from . import layout as L
from .calc import EPS
from .models import Form, FundingRow, Grade, Indicator
from .profile import Profile
from .text import label_key

ORDER: dict[str, int] = {"green": 0, "yellow": 1, "red": 2}


def worst(*grades: Grade | None) -> Grade | None:
    present = [g for g in grades if g]
    return max(present, key=ORDER.__getitem__) if present else None


def grade_funding(row: FundingRow, months: int | None, time_progress: float | None, profile: Profile) -> Grade | None:
    rules = profile.funding
    if row.spend_progress is None or time_progress is None:
        return None
    gap = time_progress - row.spend_progress
    grade: Grade = "green" if gap <= rules.green_max_gap + EPS else (
        "yellow" if gap <= rules.yellow_max_gap + EPS else "red")
    if rules.use_milestones and months in rules.milestones:
        short = rules.milestones[months] - row.spend_progress
        if short > EPS:
            grade = worst(grade, "red" if short > rules.yellow_max_gap + EPS else "yellow")  # type: ignore[assignment]
    return grade


def comparable(value: float, ind: Indicator, field: str = "forecast") -> tuple[float, float]:
    """(completion, target) at one scale. Excel keeps 95% of a %-formatted cell as 0.95, so against a % unit a number
    typed without % and at most 1.5 may be a fraction or percentage points: it is read in percent where that puts it
    nearer the other side (0.8 against 85%, a target of 0.05 against 3%), else as it is (0.5 against 0.6%)."""
    target = ind.target_value or 0.0
    if "%" not in (ind.unit or "") + (ind.units.get(field) or ""):  # 100% of a %-formatted target against "80%" too
        return value, target
    value_bare = ind.units.get(field) is None and abs(value) <= 1.5
    target_bare = "%" not in (ind.target or "") and abs(target) <= 1.5
    if value_bare and not target_bare and abs(value) * 10 < abs(target):
        return value * 100, target
    if target_bare and not value_bare and abs(target) * 10 < abs(value):
        return value, target * 100
    return value, target


def quantitative_grade(value: float, ind: Indicator, tolerance: float) -> Grade:
    value, target = comparable(value, ind)
    op = ind.operator
    slack = tolerance * abs(target)
    if op in (">=", ">"):
        if value > target - EPS if op == ">=" else value > target + EPS:
            return "green"
        return "yellow" if value >= target - slack - EPS else "red"
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


# 无 or 零 saying there is none of a bad thing, whatever qualifies it (无事故, 无重大安全事故, 零投诉, 无违规违纪行为,
# 无拖欠农民工工资, 零发生 of the thing the indicator names), not beginning a word of its own (无公害, 无偿, 无纸化,
# 无线, 无障碍, 无人机, 零售, 零星, 零部件), nor 无法 or 无明显 saying something else
_NONE_OF = re.compile(
    r"[无零](?!公害|偿|纸化|线|障碍|害化|人机|人驾驶|人值守|菌|缝|烟|息|土|机|法|明显|售|星|部件|件|散|距离|就业|基)"
    r"\D*?(?:事故|事件|案件|发案|刑事|投诉|举报|上访|信访|违规|违纪|违法|违章|违约|差错|错误|失误|漏报|迟报|瞒报|延期|"
    r"延误|逾期|滞后|拖延|推迟|拖欠|欠薪|伤亡|死亡|伤害|受伤|中毒|感染|疫情|病例|火灾|火情|污染|泄漏|泄露|排放|超标|"
    r"损失|流失|丢失|损坏|隐患|风险|问题|缺陷|瑕疵|不合格|不良|返工|返修|纠纷|舆情|处罚|通报|问责|扣分|失学|辍学|返贫|"
    r"闲置|浪费|挪用|挤占|截留|冒领|虚报|故障|发生|出现|现象)")
_COUNTED = re.compile(r"\d|率|覆盖")
_NUMBERS = re.compile(r"\d+(?:\.\d+)?")


def counts_none(ind: Indicator, field: str = "forecast") -> bool:
    """零事故, 无差错: a qualitative target of none of a bad thing, which a count answers (0 or 0起 meets it, any more
    misses it); 无偿献血活动全面开展 or 零售网点建设 is none of nothing, and a number against it R208. A target holding a
    number or a rate counts only where that number is none (零投诉率, 无重大安全事故（0起）) and the answer 0; one that
    merely begins so (无害化处理率100%, 无障碍设施全覆盖) is left to R208."""
    key = label_key(ind.target) if ind.operator == "qualitative" and ind.target else ""
    if not _NONE_OF.match(key):
        return False
    value = getattr(ind, field)
    nought = isinstance(value, float) and abs(value) <= EPS
    if not _COUNTED.search(key):
        return nought or "%" not in (ind.units.get(field) or "")
    numbers = _NUMBERS.findall(key)  # 零投诉率, 无重大安全事故（0起）: none is its number, met by 0
    return nought and (key[0] == "零" or bool(numbers) and all(float(n) == 0 for n in numbers))


def is_quantitative(ind: Indicator) -> bool:
    return ind.operator not in (None, "qualitative") and ind.target_value is not None


def grade_indicator(ind: Indicator, time_progress: float | None, profile: Profile) -> Grade | None:
    rules = profile.indicators
    grade: Grade | None = None
    forecast = ind.forecast
    if is_quantitative(ind) and isinstance(forecast, float):
        grade = quantitative_grade(forecast, ind, rules.yellow_tolerance)
    elif ind.operator == "qualitative" and isinstance(forecast, str):
        grade = qualitative_grade(forecast, ind, profile)
    elif isinstance(forecast, float) and counts_none(ind):
        grade = "green" if abs(forecast) <= EPS else "red"
    if (rules.sequential_check and is_quantitative(ind) and ind.operator in (">=", ">")
            and ind.level2 in rules.sequential_level2 and isinstance(ind.actual, float) and time_progress):
        actual, target = comparable(ind.actual, ind, "actual")
        if actual < target * time_progress * (1 - rules.yellow_tolerance) - EPS:
            grade = worst(grade, "yellow")
    if ind.likelihood:
        grade = worst(grade, rules.likelihood_floor.get(ind.likelihood))
    return grade


def grade_form(form: Form, profile: Profile) -> None:
    for row in form.funding:
        row.grade = grade_funding(row, form.months, form.time_progress, profile)
    for ind in form.indicators:
        ind.grade = grade_indicator(ind, form.time_progress, profile)
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
