"""Mutation properties of `xlmon check`'s rules on the 项目支出 form (附件2).

A random CORRECT form is built as a unit fills it in, for 1-3, 1-6, 1-9 or 1-12月: one to six funding sources whose
amounts agree (小计, 资金总额 and both rates as the form defines them; rates typed as fractions, percentages or points,
rounded as shown, or left blank; a source of last year's money alone; sums as the template's formulas or plain =SUM
give them), every 一级/二级 of either hierarchy (the form's, the 2021 guide's) with targets in every accepted spelling (≥
＞＝ >= ≧ 不低于 至少 or a bare number, ≤ ＜＝ 不超过, ＝ =, ＞ ＜, 95%以上 and 30天以内, full-width digits, words for a qualitative one,
a date to finish by), forecasts that meet them (green) or fall a little short, or meet them but with 有可能 ticked, with
a reason (yellow), ticks of every kind and what marks no choice (×, □) beside them. On it check finds no error and no
warning.

Then one mutation, drawn from a catalogue of what units get wrong (a 小计 or 资金总额 off, a rate typed wrong, 支出
above 下达 and 上年结转, above 小计, far behind 时间进度, in a source with no budget, 全年预计 below 支出 or above
小计, 下达 above 本年预算, only 小计 typed, a negative amount, an amount that cannot be read, typed in 元, pasted as
text or showing a formula error, a formula with no saved result, a header left blank, an unknown 一级 or a 二级 of
another 一级, a 三级 with no name or no target, no forecast, no tick or two, a red or yellow indicator with no reason,
完全不可能 with no measure, a number's completion in words, a qualitative one as a number, another unit, words no
level fits, no date against a deadline), must give exactly the findings the rules' documented meanings call for, each
at the cell the unit must fix, its message in Chinese quoting the value as typed; nothing else changes, and undoing
it gives the clean findings back. The relations between the funding amounts (R201, R203-R206, R213, R214, G101, G102)
are worked out from the amounts, row by row, as the catalogue states them. Two mutations in unrelated places give
the union of their findings; the form moved by blank rows and columns gives the same findings at the shifted cells;
every code the catalogue of mutations names is reached over the default run, and every code that fires is in
catalogue.toml with a Chinese title and message.

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property instead of the
few a test run affords."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from functools import partial

import pytest

from handmade import project_grid
from seeded import seeds
from xlmon import layout as L
from xlmon.check import check_sheets
from xlmon.diagnostics import catalogue
from xlmon.grid import Uncached, address, parse_address
from xlmon.profile import load_profile

PROFILE = load_profile()
# the form as printed (成本指标 a 二级 of 产出指标) and the national 2021 guide (成本指标 a 一级 of its own)
PROFILES = {name: PROFILE.model_copy(update={"hierarchy": name}) for name in L.HIERARCHIES}
SALT = 91
SHEET = "项目表"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MONTHS = (3, 6, 6, 6, 9, 12)  # the period 1-XX月: mostly the main round, 1-6月
FIELDS = ("carryover", "current", "subtotal", "issued", "issue_rate", "spent", "spend_progress", "forecast")
INDICATOR_COLUMNS = ("level1", "level2", "level3", "target", "actual", "forecast", "reason", "likelihood_sure",
                     "likelihood_maybe", "likelihood_never", "remark")
PROJECTS = ("校舍维修改造项目", "学生营养改善计划", "教师培训项目", "智慧校园建设项目", "农村公路养护项目")
DEPARTMENTS = ("某市教育局（101001）", "某市交通运输局（105001）", "某市卫生健康委员会（102001）")
UNITS = ("某市第一中学", "某市实验小学", "某市公路事业发展中心", "某市疾病预防控制中心")
SPELLED = {">=": ("≥", "≥", "＞＝", ">=", "≧", "", "不低于", "不少于", "大于等于", "至少", "达到"), ">": ("＞", ">", "大于", "高于"),
           "<=": ("≤", "≤", "＜＝", "<=", "不超过", "不高于", "控制在"), "<": ("＜", "<", "小于", "低于"), "=": ("＝", "=", "等于")}
SUFFIXES = {">=": ("以上", "及以上"), "<=": ("以内", "以下", "及以下")}
FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")
TICKS = ("√", "√", "√", "✓", "☑", "●", True)
QUALITATIVE = (("有效消除安全隐患", "达成", "部分达成"), ("服务水平明显提升", "效果明显", "基本达成"),
               ("生态环境持续改善", "已完成", "部分完成"))
UNSAID = ("甲乙丙", "山川林石", "春秋冬雪")
DEADLINES = (("2026年12月31日前完成", "预计11月完成"), ("12月底前完成", "已完成"), ("2026年10月底前", "预计9月完工"),
             ("12月底前完成", "预计10月完成"))
ERRORS = ("#REF!", "#VALUE!", "#N/A", "#NAME?")
UNREADABLE = ("待定", "见附件", "约五十", "详见说明", "未统计")
REASONS = ("材料到货延迟，施工进度滞后", "招标流程延长", "受天气影响，部分工程顺延", "配套资金未及时到位")


# ---------------------------------------------------------------------------------------------------------------
# The correct form, as a model, and its grid.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Indicator:
    level1: str
    level2: str
    level3: str
    target: str
    actual: object
    forecast: object
    reason: str | None
    likelihood: str | None
    quantitative: bool
    unit: str = ""
    number: float = 0.0  # the target's number
    op: str = ""
    yellow: bool = False
    tick: object = "√"
    no_tick: object = None  # what the unit leaves in the columns not ticked
    due: bool = False  # a date to finish by
    second_tick: str | None = None
    remark: str | None = None


@dataclass
class Model:
    project: str | None
    department: str | None
    unit: str | None
    # source -> INPUT_AMOUNTS -> amount in 0.01 万元 (exact), None for blank
    amounts: dict[str, dict[str, int | None]]
    indicators: list[Indicator]
    rate_style: dict[tuple[str, str], Callable[[float], object]]
    merge_levels: bool
    # cells typed otherwise than the amounts give, as a slip: (row name, field) -> value
    typed: dict[tuple[str, str], object] = field(default_factory=dict)
    # amounts pasted as text ("100"), which the form's formulas (SUM, N()) skip: (source, field)
    as_text: set[tuple[str, str]] = field(default_factory=set)
    # the unit's sums are plain =SUM(…), 0 over texts alone, rather than the template's IF(COUNT(…)=0,"",SUM(…))
    plain_sums: bool = False
    text_style: Callable[[float], str] = str
    no_rate: object = None  # what a rate over no budget shows: blank, or a plain formula's #DIV/0!
    months: int = 6
    hierarchy: str = L.DEFAULT_HIERARCHY

    def profile(self):
        return PROFILES[self.hierarchy]

    def row(self, name: str, formulas: bool = False) -> dict[str, int | None]:
        """A row's amounts; as the form's formulas take them (a text skipped) where formulas."""
        if name != L.TOTAL_ROW:
            return {f: None if formulas and (name, f) in self.as_text else v for f, v in self.amounts[name].items()}
        rows = [self.row(s, formulas) for s in L.PROJECT_SOURCES]
        texts = {f for _, f in self.as_text} if formulas and self.plain_sums else set()  # =SUM of texts alone: 0
        return {f: sum(v) if (v := [a[f] for a in rows if a[f] is not None]) or f in texts else None
                for f in L.INPUT_AMOUNTS}

    def rows(self) -> list[str]:
        return [L.TOTAL_ROW, *(s for s in L.PROJECT_SOURCES if any(v is not None for v in self.amounts[s].values()))]


def wan(n: int | None) -> float | None:
    return None if n is None else n / 100


def plain(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


# an amount pasted as text: as typed, with thousands separators, in full-width digits, with spaces around it
TEXT_STYLES = (plain, lambda n: f"{n:,.2f}", lambda n: plain(n).translate(FULL_WIDTH), lambda n: f" {plain(n)} ")


def worked_out(row: dict[str, int | None]) -> dict[str, float | None]:
    """小计 (0.01 万元) and both rates, as the form defines them: 下达数/本年预算, 支出数/小计, blank over nothing."""
    subtotal = None if row["carryover"] is None and row["current"] is None else (row["carryover"] or 0) + (
        row["current"] or 0)
    return {"subtotal": subtotal,
            "issue_rate": (row["issued"] or 0) / row["current"] if row["current"] else None,
            "spend_progress": (row["spent"] or 0) / subtotal if subtotal else None}


def random_amounts(rng: random.Random, months: int) -> dict[str, dict[str, int | None]]:
    """One to six sources, now and then one of last year's money alone (本年预算 and 下达数 blank or 0); 下达数 at least
    half the year's budget, 支出数 within 下达数 and 上年结转 and at least 42% of
    小计 (green against 时间进度 50%), 全年预计 between 支出数 and 小计; far below what R210 takes for 元 even doubled."""
    used = rng.sample(L.PROJECT_SOURCES, rng.randint(1, 6))
    amounts = {}
    for source in L.PROJECT_SOURCES:
        if source not in used:
            amounts[source] = dict.fromkeys(L.INPUT_AMOUNTS)
            continue
        current = rng.choice((rng.randint(100, 50_000), rng.randint(1, 600) * 100, rng.randint(100, 400_000)))
        carryover = rng.choice((None, None, 0, rng.randint(1, current)))
        share = max(0, 100 * months // 12 - 8)  # % of 小计 spent at least: green against 时间进度
        issued = rng.randint(-(-current * max(50, share) // 100), current)
        if rng.random() < 0.1:  # last year's money alone: no budget this year, nothing issued
            carryover, current, issued = rng.randint(100, 50_000), rng.choice((None, 0)), rng.choice((None, 0))
        subtotal = (current or 0) + (carryover or 0)
        spent = rng.randint(-(-subtotal * share // 100), min((issued or 0) + (carryover or 0), subtotal))
        amounts[source] = {"carryover": carryover, "current": current, "issued": issued, "spent": spent,
                           "forecast": rng.randint(spent, subtotal)}
    return amounts


def rate_style(rng: random.Random) -> Callable[[float], object]:
    """A rate as a unit types it: the formula's fraction, rounded as its cell shows it, a percentage, points."""
    decimals = rng.randint(0, 2)
    return rng.choice((lambda r: r, lambda r: round(r, 4), lambda r: f"{round(r * 100, decimals):.{decimals}f}%",
                       lambda r: round(r * 100, 2), lambda r: None))


def quantity(rng: random.Random, group: tuple[str, str]) -> tuple[str, float, str]:
    """An operator, the target's number and its unit, fitting the 二级."""
    level2 = group[1]
    if "满意度" in level2 or level2 == "质量指标":
        op = rng.choice((">=", ">=", ">", "="))
        return op, float(rng.choice((85, 90, 95, 98, 100) if op == "=" else (80, 85, 90, 95))), "%"
    if level2 == "时效指标":
        return rng.choice(("<=", "<")), float(rng.choice((30, 60, 90, 180, 365))), rng.choice(("天", "个工作日"))
    if "成本" in level2:
        return "<=", float(rng.choice((1500, 800, 120, 45.5))), rng.choice(("元", "万元", "元/平方米"))
    unit = rng.choice(("人", "人次", "个", "次", "户", "项", "公里", "吨", "平方米", "%"))
    number = float(rng.choice((95, 90, 80)) if unit == "%" else rng.randint(3, 5000))
    return rng.choice((">=", ">=", ">=", ">", "=")) if unit != "%" else ">=", number, unit


def spelled_target(rng: random.Random, op: str, number: float, unit: str) -> str:
    """The target as units type it: an operator (a sign or words) before the number, or a bound after it (95%以上)."""
    text = f"{rng.choice(SPELLED[op])}{plain(number)}{unit}"
    if op in SUFFIXES and rng.random() < 0.25:
        text = f"{plain(number)}{unit}{rng.choice(SUFFIXES[op])}"
    return text.translate(FULL_WIDTH) if rng.random() < 0.15 else text


def meeting(rng: random.Random, op: str, number: float, unit: str, yellow: bool) -> float:
    """A forecast that meets the target (green), or falls 2-8 % short of it (yellow)."""
    whole = unit not in ("%", "万元", "元", "公里", "吨", "平方米") or number >= 1000
    if yellow:
        value = number * (rng.uniform(0.92, 0.98) if op in (">=", ">") else rng.uniform(1.02, 1.08))
        return round(value) if whole and round(value) != number else round(value, 2)
    if op == "=":
        return number
    if op in (">=", ">"):
        top = 100.0 if unit == "%" else number * 1.3
        low = number + (1 if op == ">" and whole else 0.01 if op == ">" else 0)
        value = rng.uniform(low, max(low, top))
        return max(low, float(round(value))) if whole and round(value) >= low else round(max(low, value), 2)
    high = number - (1 if op == "<" else 0)
    value = rng.uniform(number * 0.5, high)
    return float(round(value)) if whole and round(value) <= high else round(min(value, high), 2)


def typed_value(rng: random.Random, value: float, unit: str) -> object:
    """A completion as typed: with its unit, or the bare number, or a percentage as Excel keeps a %-formatted cell."""
    if unit == "%" and rng.random() < 0.2:
        return round(value / 100, 6)  # a %-formatted cell: Excel keeps 96% as 0.96
    return rng.choice((f"{plain(value)}{unit}", f"{plain(value)}{unit}", value if unit != "%" or value > 1.5 else
                       f"{plain(value)}%"))


def random_indicators(rng: random.Random, levels: dict[str, tuple[str, ...]]) -> list[Indicator]:
    """Every 一级/二级 of the hierarchy once, each 一级 at least three times, then more of them up to 14-17; one or
    two qualitative or due by a date, so the share quantified stays above 70 % with two fewer."""
    groups = [(l1, l2) for l1, l2s in levels.items() for l2 in l2s]
    groups += [(L.LEVEL1_SATISFACTION, levels[L.LEVEL1_SATISFACTION][0])] * 2  # three of each 一级: one less is no R112
    groups += [rng.choice(groups) for _ in range(rng.randint(14, 17) - len(groups))]
    groups.sort(key=lambda g: (list(levels).index(g[0]), levels[g[0]].index(g[1])))
    due = rng.choice([i for i, g in enumerate(groups) if g[1] == "时效指标"]) if rng.random() < 0.7 else None
    qualitative = set(rng.sample([i for i, g in enumerate(groups) if g[0] == L.LEVEL1_BENEFIT],
                                 1 if due is not None else rng.randint(1, 2)))
    out = []
    for i, group in enumerate(groups):
        yellow = rng.random() < 0.2
        name = f"{group[1].removesuffix('指标')}指标{i + 1}"
        if i == due:  # a date to finish by, not counted as quantified here (2026年12月31日前完成 is not)
            target, forecast = rng.choice(DEADLINES)
            out.append(Indicator(*group, name, target, "按计划推进", forecast, None, "确定能", False, due=True))
            continue
        if i in qualitative:
            target, green_word, yellow_word = rng.choice(QUALITATIVE)
            out.append(Indicator(*group, name, target, "按计划推进", yellow_word if yellow else green_word,
                                 rng.choice(REASONS) if yellow else None, "有可能" if yellow else "确定能", False,
                                 yellow=yellow))
            continue
        op, number, unit = quantity(rng, group)
        unsure = yellow and rng.random() < 0.3  # the forecast meets the target, 有可能 ticked: yellow all the same
        yellow = yellow and (unsure or op in (">=", "<=") and number >= 25)  # 2-8 % short of fewer is no count
        forecast = meeting(rng, op, number, unit, yellow and not unsure)
        actual = round(forecast * rng.uniform(0.3, 0.7), 2) if op in (">=", ">") and unit != "%" else forecast
        out.append(Indicator(*group, name, spelled_target(rng, op, number, unit), typed_value(rng, actual, unit),
                             typed_value(rng, forecast, unit), rng.choice(REASONS) if yellow else None,
                             "有可能" if yellow else "确定能", True, unit, number, op, yellow))
    for ind in out:
        ind.tick = rng.choice(TICKS)
        ind.no_tick = rng.choice((None, None, None, "×", "□", "○", False))
        ind.remark = rng.choice((None, None, "按计划推进"))
    return out


def random_model(rng: random.Random) -> Model:
    months, hierarchy = rng.choice(MONTHS), rng.choice(tuple(PROFILES))
    styles = {(r, f): rate_style(rng) for r in (L.TOTAL_ROW, *L.PROJECT_SOURCES) for f in L.RATE_FIELDS}
    return Model(rng.choice(PROJECTS), rng.choice(DEPARTMENTS), rng.choice(UNITS), random_amounts(rng, months),
                 random_indicators(rng, PROFILES[hierarchy].levels()), styles, rng.random() < 0.5,
                 plain_sums=rng.random() < 0.4,
                 no_rate=rng.choice((None, None, "", "#DIV/0!")), months=months, hierarchy=hierarchy)


def computed(model: Model, name: str, formulas: bool = False) -> dict[str, float | None]:
    """小计 and rates (and 资金总额's amounts) in 万元: as the form defines them, or as its formulas show them."""
    made = worked_out(model.row(name, formulas))
    parts = [name] if name != L.TOTAL_ROW else list(L.PROJECT_SOURCES)
    if formulas and model.plain_sums and made["subtotal"] is None and any(
            (s, f) in model.as_text for s in parts for f in ("carryover", "current")):
        made["subtotal"] = 0
    out = {"subtotal": wan(made["subtotal"]), **{f: made[f] for f in L.RATE_FIELDS}}
    if name == L.TOTAL_ROW:
        out.update({f: wan(v) for f, v in model.row(name, formulas).items()})
    return out


def funding_cells(model: Model, name: str) -> list:
    row, made, right = model.row(name), computed(model, name, formulas=True), computed(model, name)
    values = {**{f: model.text_style(wan(row[f])) if (name, f) in model.as_text else wan(row[f])
                 for f in L.INPUT_AMOUNTS},
              **made, **{f: model.rate_style[name, f](made[f]) if made[f] is not None else
                         model.no_rate if right[f] is None else None  # N(text) is 0: the template's ""
                         for f in L.RATE_FIELDS}}
    if name != L.TOTAL_ROW and all(v is None for v in row.values()):
        values = dict.fromkeys(FIELDS)
    values.update({f: v for (r, f), v in model.typed.items() if r == name})
    return [values[f] for f in FIELDS]


def skips_show(model: Model, source: str) -> bool:
    """Whether a formula cell of the source's row or of 资金总额 shows what skipping its text gives, not blank."""
    def differs(a, b) -> bool:
        return a is not None and (b is None or abs(a - b) > 1e-9)
    def shown(name: str, f: str, value):
        return model.rate_style[name, f](value) if f in L.RATE_FIELDS and value is not None else value
    return any(differs(computed(model, name, True)[f], computed(model, name)[f])
               and shown(name, f, computed(model, name, True)[f]) is not None
               for name in (source, L.TOTAL_ROW) for f in computed(model, name))


def indicator_cells(ind: Indicator) -> list:
    ticks = [ind.tick if ind.likelihood == x or ind.second_tick == x else ind.no_tick for x in L.LIKELIHOODS]
    return [ind.level1, ind.level2, ind.level3, ind.target, ind.actual, ind.forecast, ind.reason, *ticks, ind.remark]


def render(model: Model, top: int = 0, left: int = 0) -> list[list]:
    """The form as project_grid lays it out, its period and funding headers those of its months."""
    grid = project_grid(funding={name: funding_cells(model, name) for name in (L.TOTAL_ROW, *L.PROJECT_SOURCES)},
                        indicators=[indicator_cells(i) for i in model.indicators], top=top, left=left,
                        merge_levels=model.merge_levels, project=model.project, unit=model.unit,
                        department=model.department, period=L.period_text(2026, model.months))
    return [[v.replace("1-6月", f"1-{model.months}月") if isinstance(v, str) and not isinstance(v, Uncached) else v
             for v in row] for row in grid]


# ---------------------------------------------------------------------------------------------------------------
# Where each thing stands in the grid project_grid lays out (0-based, before the offset).
# ---------------------------------------------------------------------------------------------------------------

HEADER_CELLS = {"project": (2, 2), "department": (3, 2), "unit": (3, 8)}
HEADER_ZH = {"project": "项目名称", "department": "主管部门及代码", "unit": "预算单位"}


def funding_at(name: str, field_: str) -> tuple[int, int]:
    return 6 + (L.TOTAL_ROW, *L.PROJECT_SOURCES).index(name), 3 + FIELDS.index(field_)


def indicator_at(index: int, field_: str) -> tuple[int, int]:
    return 16 + index, 1 + INDICATOR_COLUMNS.index(field_)


# ---------------------------------------------------------------------------------------------------------------
# The relations between funding amounts, as catalogue.toml states them, row by row.
# ---------------------------------------------------------------------------------------------------------------

def relations(model: Model) -> set[tuple[str, str, str]]:
    """(code, row, field) of every R201/R203-R206/R213/R214/G101/G102 the amounts call for (0.01 万元 tolerance)."""
    out = set()
    for name in model.rows():
        row = model.row(name)
        made = worked_out(row)
        carry, current, issued, spent, forecast = (row[f] for f in L.INPUT_AMOUNTS)
        subtotal = made["subtotal"]
        out |= {("R201", name, f) for f in L.INPUT_AMOUNTS if (row[f] or 0) < 0}
        if issued is not None and current and issued > current + 1 and not (
                name == L.TOTAL_ROW and issued - current <= issued_excess(model) + 1):
            out.add(("R203", name, "issued"))  # 资金总额's, only beyond what its sources' own R203 say
        if issued is not None and spent is not None and spent > issued + (carry or 0) + 1:
            out.add(("R204", name, "spent"))
        if spent and spent > 1 and not subtotal:
            out.add(("R206", name, "spent"))
            continue
        if subtotal and spent is not None and spent > subtotal + 1:
            out.add(("R205", name, "spent"))
        elif subtotal and forecast is not None and forecast > subtotal + 1:
            out.add(("R213", name, "forecast"))
        if forecast is not None and spent is not None and forecast < spent - 1:
            out.add(("R214", name, "forecast"))
        if made["spend_progress"] is not None:
            gap = model.months / 12 - made["spend_progress"]
            if gap > PROFILE.funding.yellow_max_gap + 1e-12:
                out.add(("G101", name, "spend_progress"))
            elif gap > PROFILE.funding.green_max_gap + 1e-12:
                out.add(("G102", name, "spend_progress"))
    return out


def issued_excess(model: Model) -> int:
    """What the sources' 下达数 exceed their 本年预算 by, where R203 says so of them (0.01 万元)."""
    rows = [model.row(s) for s in source_rows(model)]
    return sum(r["issued"] - r["current"] for r in rows if r["issued"] is not None and r["current"]
               and r["issued"] > r["current"] + 1)


def amount(n: int | float) -> str:
    return f"{n / 100:,.2f} 万元"


# ---------------------------------------------------------------------------------------------------------------
# The catalogue of mutations: what a unit gets wrong, and what check must say of it.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Expected:
    code: str
    at: tuple[int, int]  # (row, column) before the offset
    quotes: tuple[str, ...] = ()  # what the message must quote; {row}: the sheet's row of the cell


@dataclass
class Mutation:
    name: str
    zone: str  # "funding", "header" or "indicator N": two mutations in different zones are unrelated
    model: Model
    expected: list[Expected]


def source_rows(model: Model) -> list[str]:
    return [r for r in model.rows() if r != L.TOTAL_ROW]


def with_relations(name: str, before: Model, after: Model, extra: list[Expected] = ()) -> Mutation:
    """A change of amounts the unit made with the form's formulas working (小计, rates and 资金总额 follow): the
    findings are those of the relations it breaks."""
    assert not relations(before), f"clean form breaks {relations(before)}"
    found = [Expected(code, funding_at(row, f), ()) for code, row, f in sorted(relations(after))]
    return Mutation(name, "funding", after, [*found, *extra])


def m_subtotal_off(rng: random.Random, model: Model) -> Mutation | None:
    """A 小计 typed wrong; where 资金总额's 小计 is the SUM of the sources' column, as some units make it, that is wrong
    too (C001 at both: each is not its row's 上年结转 + 本年预算)."""
    source = rng.choice(source_rows(model))
    after = deepcopy(model)
    right = worked_out(model.row(source))["subtotal"]
    wrong = right + rng.choice((-1, 1)) * rng.randint(100, 10_000)
    after.typed[source, "subtotal"] = wan(wrong)
    expected = [Expected("C001", funding_at(source, "subtotal"), (amount(wrong), amount(right)))]
    if rng.random() < 0.5:
        total = worked_out(model.row(L.TOTAL_ROW))["subtotal"] + wrong - right
        after.typed[L.TOTAL_ROW, "subtotal"] = wan(total)
        expected.append(Expected("C001", funding_at(L.TOTAL_ROW, "subtotal"),
                                 (amount(total), amount(worked_out(model.row(L.TOTAL_ROW))["subtotal"]))))
    return Mutation("小计算错", "funding", after, expected)


def m_total_off(rng: random.Random, model: Model) -> Mutation | None:
    """资金总额's amount not the sum of its sources (one source left out of the SUM, or a typo): C002."""
    total = model.row(L.TOTAL_ROW)
    f = rng.choice([f for f in L.INPUT_AMOUNTS if total[f]])
    wrong = total[f] + rng.choice((-1, 1)) * rng.randint(100, max(100, total[f] // 3))
    wrong = wrong if wrong >= 0 else total[f] + rng.randint(1, 100)  # a negative total is R201's as well
    after = deepcopy(model)
    after.typed[L.TOTAL_ROW, f] = wan(wrong)
    return Mutation("资金总额不等于各来源之和", "funding", after,
                    [Expected("C002", funding_at(L.TOTAL_ROW, f), (amount(wrong), amount(total[f])))])


def m_rate_wrong(rng: random.Random, model: Model) -> Mutation | None:
    """A rate typed wrong: 下达数 over 小计 (the other denominator) where 上年结转 makes it differ, or last month's."""
    name = rng.choice(model.rows())
    f = rng.choice(L.RATE_FIELDS)
    row = model.row(name)
    if computed(model, name)[f] is None:
        return None
    parts = [model.amounts[s] for s in L.PROJECT_SOURCES] if name == L.TOTAL_ROW else [row]

    def summed(*fields: str) -> float:  # in 万元, as check adds them up: the rate's last digit rounded alike
        return sum(wan(p[g]) for g in fields for p in parts if p[g] is not None)
    right = summed("issued") / summed("current") if f == "issue_rate" else summed("spent") / (
        summed("carryover") + summed("current"))
    wrong = round(right + rng.choice((-1, 1)) * rng.uniform(0.02, 0.3), 4)
    if f == "issue_rate" and (row["carryover"] or 0) > row["current"] // 10 and row["issued"] and rng.random() < 0.5:
        wrong = round(row["issued"] / (row["current"] + row["carryover"]), 4)
    after = deepcopy(model)
    after.typed[name, f] = rng.choice((wrong, f"{plain(wrong * 100)}%"))
    return Mutation("比率算错", "funding", after, [Expected("C003" if f == "issue_rate" else "C004", funding_at(name, f),
                                                        (f"表中填写 {plain(wrong * 100)}%", f"应为 {right * 100:.2f}%"))])


def changed(model: Model, source: str, **amounts: int) -> Model:
    after = deepcopy(model)
    after.amounts[source].update(amounts)
    return after


def m_spent_above_issued(rng: random.Random, model: Model) -> Mutation | None:
    """支出数 above 下达数 and 上年结转 (spending ahead of the money issued), within 小计; 全年预计 at least as much."""
    options = [s for s in source_rows(model) if (a := model.amounts[s])["issued"] is not None
               and a["issued"] + 2 < (a["current"] or 0)]
    if not options:
        return None
    source = rng.choice(options)
    a = model.amounts[source]
    spent = rng.randint(a["issued"] + (a["carryover"] or 0) + 2, a["current"] + (a["carryover"] or 0))
    return with_relations("支出数超过下达数", model, changed(model, source, spent=spent, forecast=max(spent, a["forecast"])))


def m_spent_above_budget(rng: random.Random, model: Model) -> Mutation | None:
    """支出数 above 小计: 超预算开支."""
    source = rng.choice(source_rows(model))
    a = model.amounts[source]
    subtotal = (a["current"] or 0) + (a["carryover"] or 0)
    spent = subtotal + rng.randint(2, max(2, subtotal // 2))
    return with_relations("超预算开支", model, changed(model, source, spent=spent, forecast=spent))


def m_forecast_below_spent(rng: random.Random, model: Model) -> Mutation | None:
    options = [s for s in source_rows(model) if model.amounts[s]["spent"] > 2]
    if not options:
        return None
    source = rng.choice(options)
    return with_relations("全年预计少于已支出", model,
                          changed(model, source, forecast=rng.randint(0, model.amounts[source]["spent"] - 2)))


def m_forecast_over_budget(rng: random.Random, model: Model) -> Mutation | None:
    source = rng.choice(source_rows(model))
    a = model.amounts[source]
    subtotal = (a["current"] or 0) + (a["carryover"] or 0)
    return with_relations("全年预计超过安排数", model,
                          changed(model, source, forecast=subtotal + rng.randint(2, max(2, subtotal))))


def m_issued_over_budget(rng: random.Random, model: Model) -> Mutation | None:
    options = [s for s in source_rows(model) if model.amounts[s]["current"]]
    if not options:
        return None
    source = rng.choice(options)
    a = model.amounts[source]
    return with_relations("下达数超过本年预算", model,
                          changed(model, source, issued=a["current"] + rng.randint(2, max(2, a["current"]))))


def m_negative(rng: random.Random, model: Model) -> Mutation | None:
    """An amount typed with a minus sign (a refund, a reversal): R201 at it, and whatever else the sign breaks."""
    source = rng.choice(source_rows(model))
    f = rng.choice(("carryover", "forecast", "spent", "issued"))
    value = model.amounts[source][f]
    negative = -(value or rng.randint(100, 5_000))
    after = changed(model, source, **{f: negative})
    mutation = with_relations("金额为负数", model, after)
    for e in mutation.expected:
        if e.code == "R201" and e.at == funding_at(source, f):
            e.quotes = (amount(negative),)
    return mutation


def m_unreadable(rng: random.Random, model: Model) -> Mutation | None:
    """An amount typed in words that cannot be read (待定, 见附件), in a source or in 资金总额: N001 quoting it;
    nothing is worked out from it, and the total as typed stays the unit's own (its sources tell 资金总额's)."""
    source = rng.choice([*source_rows(model), L.TOTAL_ROW])
    f = rng.choice([f for f in L.INPUT_AMOUNTS if model.row(source)[f] is not None])
    text = rng.choice(UNREADABLE)
    after = deepcopy(model)
    after.typed[source, f] = text
    return Mutation("金额无法识别", "funding", after, [Expected("N001", funding_at(source, f), (text,))])


def m_as_text(rng: random.Random, model: Model) -> Mutation | None:
    """An amount pasted as text ("100", from a finance system), which the form's 小计, rates and 资金总额 formulas
    skip: N007 at the text cell quoting it, and not C001-C004 at the formulas, which are right. Where those show
    blank (the template's sums of no number), nothing: a blank total is one left for xlmon to work out."""
    source = rng.choice(source_rows(model))
    f = rng.choice([f for f in L.INPUT_AMOUNTS if model.amounts[source][f]])
    after = deepcopy(model)
    after.as_text.add((source, f))
    after.text_style = rng.choice(TEXT_STYLES)
    text = f"“{after.text_style(wan(model.amounts[source][f])).strip()}”是文本"
    return Mutation("金额以文本保存", "funding", after,
                    [Expected("N007", funding_at(source, f), (text,))] if skips_show(after, source) else [])


def m_in_yuan(rng: random.Random, model: Model) -> Mutation | None:
    """An amount typed with its unit 元 (500000元), in a source or in 资金总额: read in 万元, with a warning (N002)
    quoting it."""
    source = rng.choice([*source_rows(model), L.TOTAL_ROW])
    f = rng.choice([f for f in L.INPUT_AMOUNTS if model.row(source)[f]])
    text = f"{model.row(source)[f] * 100:,}元" if rng.random() < 0.5 else f"{model.row(source)[f] * 100}元"
    after = deepcopy(model)
    after.typed[source, f] = text
    return Mutation("金额按元填写", "funding", after, [Expected("N002", funding_at(source, f), (text,))])


def m_error_in_amount(rng: random.Random, model: Model) -> Mutation | None:
    """An amount the unit enters showing a formula error (#REF! of a sheet deleted): unknown (N004), quoted."""
    source = rng.choice(source_rows(model))
    f = rng.choice([f for f in L.INPUT_AMOUNTS if model.amounts[source][f] is not None])
    error = rng.choice(ERRORS)
    after = deepcopy(model)
    after.typed[source, f] = error
    return Mutation("金额公式出错", "funding", after, [Expected("N004", funding_at(source, f), (error,))])


def m_error_in_sum(rng: random.Random, model: Model) -> Mutation | None:
    """A 小计, rate or 资金总额 showing a formula error where its value can be worked out: wrong (C001-C004),
    the error quoted as what the form shows."""
    name = rng.choice(model.rows())
    right = computed(model, name)
    f = rng.choice([f for f, v in right.items() if v is not None])
    error = rng.choice(ERRORS)
    after = deepcopy(model)
    after.typed[name, f] = error
    code = {"subtotal": "C001", "issue_rate": "C003", "spend_progress": "C004"}.get(f, "C002")
    return Mutation("计算栏公式出错", "funding", after, [Expected(code, funding_at(name, f), (f"表中填写 {error}",))])


def m_formula_without_result(rng: random.Random, model: Model) -> Mutation | None:
    """An amount the unit enters as a formula a finance system's export saved no result of: N006 quoting it."""
    source = rng.choice(source_rows(model))
    f = rng.choice([f for f in L.INPUT_AMOUNTS if model.amounts[source][f] is not None])
    formula = rng.choice(("60+44.64", "基础数据!C7", "SUM(X1:X3)"))
    after = deepcopy(model)
    after.typed[source, f] = Uncached(formula)
    return Mutation("金额公式无结果", "funding", after, [Expected("N006", funding_at(source, f), (f"={formula}",))])


def m_header_blank(rng: random.Random, model: Model) -> Mutation | None:
    f = rng.choice(tuple(HEADER_CELLS))
    after = deepcopy(model)
    setattr(after, f, rng.choice((None, "", " ")))
    return Mutation("表头未填写", "header", after, [Expected("R105", HEADER_CELLS[f], (HEADER_ZH[f],))])


def green_indicator(rng: random.Random, model: Model, quantitative: bool | None = None) -> int | None:
    """A green indicator: any, or a quantitative one, or a qualitative one (no date to finish by)."""
    options = [i for i, ind in enumerate(model.indicators) if not ind.yellow
               and (quantitative is None or ind.quantitative == quantitative and not ind.due)]
    return rng.choice(options) if options else None


def indicator_mutation(name: str, model: Model, index: int, expected: list[Expected], **changes) -> Mutation:
    after = deepcopy(model)
    for key, value in changes.items():
        setattr(after.indicators[index], key, value)
    return Mutation(name, f"indicator {index}", after, expected)


def m_unknown_level1(rng: random.Random, model: Model) -> Mutation | None:
    """An 一级 not in the hierarchy, typed for one indicator (its row's own cell where the others are merged)."""
    index = green_indicator(rng, model)
    wrong = rng.choice(("产出类指标", "效果指标", "满意指标", "社会效益", "经济指标"))
    return indicator_mutation("一级指标名称不规范", model, index, [Expected("R101", indicator_at(index, "level1"), (wrong,))],
                              level1=wrong)


def m_level2_elsewhere(rng: random.Random, model: Model) -> Mutation | None:
    """A 二级 of another 一级 (经济效益指标 under 产出指标)."""
    index = green_indicator(rng, model)
    ind = model.indicators[index]
    levels = model.profile().levels()
    wrong = rng.choice([l2 for l1, l2s in levels.items() if l1 != ind.level1 for l2 in l2s
                        if l2 not in levels[ind.level1]])
    return indicator_mutation("二级指标不属于一级", model, index,
                              [Expected("R102", indicator_at(index, "level2"), (wrong, ind.level1))], level2=wrong)


def m_no_name(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model)
    return indicator_mutation("三级指标未填名称", model, index,
                              [Expected("R103", indicator_at(index, "level3"), ("第 {row} 行",))], level3=None)


def m_no_target(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model)
    name = model.indicators[index].level3
    return indicator_mutation("年度指标值未填", model, index, [Expected("R104", indicator_at(index, "target"), (name,))],
                              target=None)


def m_no_forecast(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model)
    name = model.indicators[index].level3
    return indicator_mutation("全年预计未填", model, index, [Expected("R106", indicator_at(index, "forecast"), (name,))],
                              forecast=None)


def m_no_tick(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model)
    name = model.indicators[index].level3
    return indicator_mutation("完成目标可能性未勾选", model, index,
                              [Expected("R302", indicator_at(index, "likelihood_sure"), (name, "未勾选"))],
                              likelihood=None)


def m_two_ticks(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model)
    name = model.indicators[index].level3
    return indicator_mutation("完成目标可能性勾选两项", model, index,
                              [Expected("R302", indicator_at(index, "likelihood_sure"), (name, "勾选了确定能、有可能"))],
                              second_tick="有可能")


def short(ind: Indicator) -> object:
    """A forecast far from the target (red): half of a ≥ target, twice a ≤ one."""
    op = ">=" if ind.op in (">=", ">") else "<="
    value = ind.number * (0.5 if op == ">=" else 2)
    value = round(value) if value >= 10 else round(value, 2)
    return f"{plain(value)}{ind.unit}"


def m_red_without_reason(rng: random.Random, model: Model, likelihood: str) -> Mutation | None:
    """A forecast that misses the target by far, no 偏差原因分析: G201 and R301 at their cells; with 确定能 still ticked
    R304 too; with 完全不可能 and no measure in 备注, R303 too."""
    index = green_indicator(rng, model, quantitative=True)
    if index is None:
        return None
    ind = model.indicators[index]
    forecast = short(ind)
    expected = [Expected("G201", indicator_at(index, "forecast"), (ind.level3, forecast)),
                Expected("R301", indicator_at(index, "reason"), (ind.level3, "红灯"))]
    if likelihood == "确定能":
        expected.append(Expected("R304", indicator_at(index, "likelihood_sure"), (ind.level3,)))
    if likelihood == "完全不可能":
        expected.append(Expected("R303", indicator_at(index, "remark"), (ind.level3,)))
    return indicator_mutation("红灯指标未分析原因", model, index, expected, forecast=forecast, likelihood=likelihood,
                              reason=rng.choice((None, "无", "/")), remark=None)


def m_spent_behind(rng: random.Random, model: Model) -> Mutation | None:
    """支出数 far behind 时间进度 (more than 21 points short): red (G101) at its 支出进度, and what else it moves."""
    source = rng.choice(source_rows(model))
    a = model.amounts[source]
    spent = rng.randint(0, ((a["current"] or 0) + (a["carryover"] or 0)) * (100 * model.months // 12 - 21) // 100)
    return with_relations("支出进度严重滞后", model, changed(model, source, spent=spent))


def m_spent_without_budget(rng: random.Random, model: Model) -> Mutation | None:
    """Spending typed in a source with no budget (无预算开支, R206), the forecast with it, the totals following."""
    unused = [s for s in L.PROJECT_SOURCES if s not in model.rows()]
    if not unused:
        return None
    spent = rng.randint(100, 5_000)
    return with_relations("无预算开支", model, changed(model, rng.choice(unused), spent=spent, forecast=spent))


def m_subtotal_alone(rng: random.Random, model: Model) -> Mutation | None:
    """A source's 小计 typed alone, 上年结转 and 本年预算 left blank (its rates as before), 资金总额's columns the sums of
    what is typed: R215 at 本年预算 and nothing else; its 下达率, and 资金总额's, are unknown, not wrong."""
    source = rng.choice(source_rows(model))
    after = deepcopy(model)
    after.typed[source, "carryover"] = after.typed[source, "current"] = None
    for f in ("carryover", "current"):
        rest = [model.amounts[s][f] for s in source_rows(model) if s != source and model.amounts[s][f] is not None]
        after.typed[L.TOTAL_ROW, f] = wan(sum(rest)) if rest else None
    subtotal = worked_out(model.row(source))["subtotal"]
    return Mutation("只填写小计", "funding", after, [Expected("R215", funding_at(source, "current"), (amount(subtotal),))])


def m_yellow_without_reason(rng: random.Random, model: Model) -> Mutation | None:
    """A yellow indicator (a little short, or 有可能 ticked) whose 偏差原因分析 is left blank or says nothing: R301."""
    options = [i for i, ind in enumerate(model.indicators) if ind.yellow]
    if not options:
        return None
    index = rng.choice(options)
    name = model.indicators[index].level3
    return indicator_mutation("黄灯指标未分析原因", model, index,
                              [Expected("R301", indicator_at(index, "reason"), (name, "黄灯"))],
                              reason=rng.choice((None, "无", "/", "暂无")))


def m_impossible_without_measures(rng: random.Random, model: Model) -> Mutation | None:
    """完全不可能 ticked with a reason but no measure in 备注: R303 at 备注; 完全不可能 makes it red (G201)."""
    index = green_indicator(rng, model)
    ind = model.indicators[index]
    forecast = ind.forecast if isinstance(ind.forecast, str) else \
        f"{plain(ind.forecast * 100)}%" if ind.unit == "%" and ind.forecast <= 1.5 else plain(ind.forecast)
    if ind.due:  # G201 quotes a date to finish by as read (预计11月完成 as 11月): left as it is
        forecast = ind.target
    return indicator_mutation("完全不可能未提出措施", model, index,
                              [Expected("R303", indicator_at(index, "remark"), (ind.level3,)),
                               Expected("G201", indicator_at(index, "forecast"), (ind.level3, forecast))],
                              likelihood="完全不可能", reason=rng.choice(REASONS), remark=rng.choice((None, "无", "/")))


def m_words_for_number(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model, quantitative=True)
    if index is None:
        return None
    words = rng.choice(("基本完成", "正在推进", "较好", "按计划完成"))
    ind = model.indicators[index]
    return indicator_mutation("定量指标填写文字", model, index,
                              [Expected("R207", indicator_at(index, "forecast"), (ind.level3, words))], forecast=words)


def m_number_for_words(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model, quantitative=False)
    if index is None:
        return None
    number = rng.choice((80, 100, 95))
    ind = model.indicators[index]
    return indicator_mutation("定性指标填写数字", model, index,
                              [Expected("R208", indicator_at(index, "forecast"), (ind.level3, str(number)))],
                              forecast=number)


def m_other_unit(rng: random.Random, model: Model) -> Mutation | None:
    """The forecast's number in another unit than the target's (人 against 平方米): R209."""
    options = [i for i, ind in enumerate(model.indicators) if ind.quantitative and not ind.yellow and ind.unit not in
               ("%", "个工作日", "元/平方米")]
    if not options:
        return None
    index = rng.choice(options)
    ind = model.indicators[index]
    other = next(u for u in ("台", "辆", "批") if u != ind.unit)
    value = ind.forecast if isinstance(ind.forecast, float) else float(re.match(r"[\d.]+", ind.forecast)[0])
    typed = f"{plain(value)}{other}"
    return indicator_mutation("完成值单位与目标不一致", model, index,
                              [Expected("R209", indicator_at(index, "forecast"), (ind.level3, ind.unit, other))],
                              forecast=typed)


def m_deadline_unplaced(rng: random.Random, model: Model) -> Mutation | None:
    """A forecast against a date to finish by that says no date: 20天, 进行中 (R216)."""
    options = [i for i, ind in enumerate(model.indicators) if ind.due]
    if not options:
        return None
    index = rng.choice(options)
    ind = model.indicators[index]
    words = rng.choice(("20天", "30天", "进行中"))
    return indicator_mutation("完成时间看不出", model, index,
                              [Expected("R216", indicator_at(index, "forecast"), (ind.level3, ind.target, words))],
                              forecast=words)


def m_error_in_completion(rng: random.Random, model: Model) -> Mutation | None:
    """A forecast showing a formula error (#N/A of a lookup): N005 quoting it, and nothing graded on it."""
    index = green_indicator(rng, model)
    ind = model.indicators[index]
    error = rng.choice(ERRORS)
    return indicator_mutation("预计完成情况公式出错", model, index,
                              [Expected("N005", indicator_at(index, "forecast"), (ind.level3, error))], forecast=error)


def m_name_without_result(rng: random.Random, model: Model) -> Mutation | None:
    """A 三级指标 taken by a formula from another sheet, with no saved result: N006, not R103 (its name is unknown)."""
    index = green_indicator(rng, model)
    formula = rng.choice(("指标库!C5", "VLOOKUP(A1,库!A:C,3,0)"))
    return indicator_mutation("指标名称公式无结果", model, index,
                              [Expected("N006", indicator_at(index, "level3"), (f"={formula}",))],
                              level3=Uncached(formula))


def m_unsaid(rng: random.Random, model: Model) -> Mutation | None:
    index = green_indicator(rng, model, quantitative=False)
    if index is None:
        return None
    words = rng.choice(UNSAID)
    ind = model.indicators[index]
    return indicator_mutation("完成情况无法评级", model, index,
                              [Expected("R211", indicator_at(index, "forecast"), (ind.level3, words))], forecast=words)


MUTATIONS: dict[str, Callable[[random.Random, Model], Mutation | None]] = {
    "subtotal_off": m_subtotal_off, "total_off": m_total_off, "rate_wrong": m_rate_wrong,
    "spent_above_issued": m_spent_above_issued, "spent_above_budget": m_spent_above_budget,
    "forecast_below_spent": m_forecast_below_spent, "forecast_over_budget": m_forecast_over_budget,
    "issued_over_budget": m_issued_over_budget, "negative": m_negative, "unreadable": m_unreadable,
    "in_yuan": m_in_yuan, "as_text": m_as_text, "yellow_without_reason": m_yellow_without_reason,
    "header_blank": m_header_blank, "unknown_level1": m_unknown_level1,
    "level2_elsewhere": m_level2_elsewhere, "no_name": m_no_name, "no_target": m_no_target,
    "no_forecast": m_no_forecast, "no_tick": m_no_tick, "two_ticks": m_two_ticks,
    "red_sure": partial(m_red_without_reason, likelihood="确定能"),
    "red_maybe": partial(m_red_without_reason, likelihood="有可能"),
    "red_impossible": partial(m_red_without_reason, likelihood="完全不可能"),
    "spent_behind": m_spent_behind, "spent_without_budget": m_spent_without_budget, "subtotal_alone": m_subtotal_alone,
    "impossible_without_measures": m_impossible_without_measures,
    "words_for_number": m_words_for_number, "number_for_words": m_number_for_words, "other_unit": m_other_unit,
    "unsaid": m_unsaid, "deadline_unplaced": m_deadline_unplaced, "error_in_amount": m_error_in_amount,
    "error_in_sum": m_error_in_sum, "formula_without_result": m_formula_without_result,
    "error_in_completion": m_error_in_completion, "name_without_result": m_name_without_result,
}
# every code the mutations must reach over the default run
REACHED = {"C001", "C002", "C003", "C004", "N001", "N002", "N004", "N005", "N006", "N007", "R101", "R102", "R103",
           "R104", "R105", "R106", "R201", "R203", "R204", "R205", "R206", "R207", "R208", "R209", "R211", "R213",
           "R214", "R215", "R216", "R301", "R302", "R303", "R304", "G101", "G201"}


def draw(rng: random.Random, model: Model, zones: set[str] = frozenset(), first: str | None = None) -> Mutation:
    """One mutation that applies to the model, in none of the zones given: first if it does."""
    name = first
    while True:
        name = name or rng.choice(tuple(MUTATIONS))
        mutation = MUTATIONS[name](rng, model)
        if mutation is not None and mutation.zone not in zones:
            return mutation
        name = None


# ---------------------------------------------------------------------------------------------------------------
# Checking and comparing.
# ---------------------------------------------------------------------------------------------------------------

def check(grid: list[list], model: Model) -> list:
    return check_sheets({SHEET: grid}, model.profile()).diagnostics


def found(diags) -> Counter:
    return Counter((d.code, d.cell) for d in diags)


def at(place: tuple[int, int], top: int, left: int) -> str:
    return address(place[0] + top, place[1] + left)


def shifted(message: str, top: int, left: int) -> str:
    """A message with every cell address and sheet row in it moved by the offset, but in a formula it quotes."""
    def move(m: re.Match) -> str:
        r, c = parse_address(m[0])
        return address(r + top, c + left)
    message = re.sub(r"第 ([0-9]+) 行", lambda m: f"第 {int(m[1]) + top} 行", message)
    kept = re.split(r"(是公式 =[^，]*)", message)  # a formula quoted as the unit typed it does not move
    return "".join(part if part.startswith("是公式 =") else
                   re.sub(r"(?<![A-Za-z0-9])[A-Z]{1,2}[0-9]+(?![0-9])", move, part) for part in kept)


def assert_clean(diags, context: str) -> None:
    loud = [d.line() for d in diags if d.severity in ("error", "warning")]
    assert not loud, f"{context}: the correct form has errors or warnings: {loud}"


def assert_expected(diags, baseline, expected: list[Expected], top: int, left: int, context: str) -> None:
    want = Counter((e.code, at(e.at, top, left)) for e in expected)
    got = found(diags) - found(baseline)
    gone = found(baseline) - found(diags)
    assert got == want, (f"{context}: findings added {sorted(got.elements())}, expected {sorted(want.elements())}; "
                         f"{[d.line() for d in diags if (d.code, d.cell) in got or (d.code, d.cell) in want]}")
    assert not gone, f"{context}: findings of the clean form gone: {sorted(gone.elements())}"
    for e in expected:
        cell = at(e.at, top, left)
        messages = [d.message for d in diags if (d.code, d.cell) == (e.code, cell)]
        quotes = [q.format(row=e.at[0] + top + 1) for q in e.quotes]
        assert any(all(q in m for q in quotes) for m in messages), \
            f"{context}: {e.code} at {cell} does not quote {quotes}: {messages}"
        assert all(CHINESE.search(m) for m in messages), f"{context}: {e.code} not in Chinese"


def applied(grid: list[list], mutated: list[list]) -> dict[tuple[int, int], tuple[object, object]]:
    """The cells a mutation changes, (before, after), written into grid."""
    changes = {}
    for r in range(max(len(grid), len(mutated))):
        a, b = grid[r] if r < len(grid) else [], mutated[r] if r < len(mutated) else []
        for c in range(max(len(a), len(b))):
            va, vb = a[c] if c < len(a) else None, b[c] if c < len(b) else None
            if va != vb or type(va) is not type(vb):
                changes[r, c] = (va, vb)
    for (r, c), (_, vb) in changes.items():
        while len(grid[r]) <= c:
            grid[r].append(None)
        grid[r][c] = vb
    return changes


def undo(grid: list[list], changes: dict) -> None:
    for (r, c), (va, _) in changes.items():
        grid[r][c] = va


def assert_catalogued(diags, context: str) -> None:
    """Every code that fires has its entry in catalogue.toml, with a Chinese title and message."""
    entries = catalogue()
    for code in {d.code for d in diags}:
        assert code in entries, f"{context}: {code} fires but has no entry in catalogue.toml"
        assert CHINESE.search(entries[code].title) and CHINESE.search(entries[code].message), \
            f"{context}: {code}'s catalogue entry is not in Chinese"


def case(seed: int) -> tuple[Model, int, int, Mutation]:
    rng = random.Random(seed)
    model = random_model(rng)
    top, left = rng.choice((0, 0, rng.randint(1, 4))), rng.choice((0, 0, rng.randint(1, 3)))
    return model, top, left, draw(rng, model, first=tuple(MUTATIONS)[seed % len(MUTATIONS)])


MUTATION_SEEDS = seeds(150, SALT)


@pytest.mark.parametrize("seed", MUTATION_SEEDS)
def test_one_mutation_gives_exactly_its_findings_and_undoing_it_the_clean_ones(seed):
    model, top, left, mutation = case(seed)
    grid = render(model, top, left)
    baseline = check(grid, model)
    assert_clean(baseline, f"seed {seed}")
    context = f"seed {seed}, mutation {mutation.name}"
    changes = applied(grid, render(mutation.model, top, left))
    assert changes, f"{context}: the mutation changed no cell"
    diags = check(grid, model)
    assert_expected(diags, baseline, mutation.expected, top, left, context)
    assert_catalogued([*baseline, *diags], context)
    undo(grid, changes)
    again = check(grid, model)
    assert [d.line() for d in again] == [d.line() for d in baseline], f"{context}: undone, the findings differ"


@pytest.mark.parametrize("seed", seeds(80, SALT + 1))
def test_two_mutations_in_unrelated_places_give_the_union_of_their_findings(seed):
    rng = random.Random(seed)
    model = random_model(rng)
    grid = render(model)
    baseline = check(grid, model)
    assert_clean(baseline, f"seed {seed}")
    first = draw(rng, model)
    second = draw(rng, model, {first.zone} | ({"funding"} if first.zone.startswith("indicator") else set()))
    context = f"seed {seed}, mutations {first.name} + {second.name}"
    both = deepcopy(first.model)
    if second.zone == "funding":
        both.amounts, both.typed, both.as_text = second.model.amounts, second.model.typed, second.model.as_text
        both.text_style = second.model.text_style
    elif second.zone == "header":
        both.project, both.department, both.unit = second.model.project, second.model.department, second.model.unit
    else:
        index = int(second.zone.split()[1])
        both.indicators[index] = second.model.indicators[index]
    applied(grid, render(both))
    diags = check(grid, model)
    assert_expected(diags, baseline, [*first.expected, *second.expected], 0, 0, context)
    assert_catalogued(diags, context)


@pytest.mark.parametrize("seed", seeds(40, SALT + 2))
def test_the_form_moved_by_blank_rows_and_columns_gives_the_same_findings_at_shifted_cells(seed):
    rng = random.Random(seed)
    model = random_model(rng)
    mutation = draw(rng, model)
    top, left = rng.randint(1, 6), rng.randint(1, 4)
    here = check(render(mutation.model), model)
    there = check(render(mutation.model, top, left), model)
    moved = [(d.code, d.cell and at(parse_address(d.cell), top, left), shifted(d.message, top, left)) for d in here]
    assert sorted(moved, key=str) == sorted(((d.code, d.cell, d.message) for d in there), key=str), \
        f"seed {seed}, mutation {mutation.name}, moved by ({top}, {left}): the findings differ"


def test_the_mutations_reach_every_code_they_name_over_the_default_run():
    reached = {e.code for seed in MUTATION_SEEDS for e in case(seed)[3].expected}
    assert REACHED <= reached, f"codes no seed of the mutation property reaches: {sorted(REACHED - reached)}"
