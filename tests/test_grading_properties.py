"""Metamorphic invariants of indicator grading over random indicators typed as units type them: what must hold
between two forms that differ in one thing only (a better forecast, a surer likelihood, another spelling of the same
target, another scale). Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each
property instead of the few a test run affords."""

from __future__ import annotations

import random
import re

from handmade import SAMPLE_FUNDING, project_grid
from seeded import seeds
from xlmon.check import check_sheets
from xlmon.grading import ORDER
from xlmon.profile import load_profile
from xlmon.text import label_key

PROFILE = load_profile()
TOLERANCE = PROFILE.indicators.yellow_tolerance
LIKELIHOODS = ("确定能", "有可能", "完全不可能")
GROUPS = (("产出指标", "数量指标"), ("产出指标", "质量指标"), ("效益指标", "社会效益指标"), ("满意度指标", "服务对象满意度指标"))
# Counts, which scale: not %, whose small numbers comparable reads as fractions of a %-formatted cell
COUNT_UNITS = ("人", "人次", "个", "次", "户", "项", "吨", "公里", "平方米", "天")
UNITS = (*COUNT_UNITS, "%", "万元", "元")
OPS = {">=": "≥", "<=": "≤", "=": "＝"}
SPELLED_OPS = {">=": ("≥", "＞＝", ">=", "＞=", "≧"), "<=": ("≤", "＜＝", "<=", "≦"), "=": ("=", "＝", "==")}
# Characters of none of the profile's levels, nor of their negations: words of them say nothing a level fits
UNSAID = "甲乙丙丁戊庚辛壬癸山川林石云雨风雪春秋冬江河湖海"


def grids(rows: list[list], split: list[list] | None = None) -> dict[str, list[list]]:
    """The indicators as rows of a form ([一级, 二级, 三级, 年度指标值, 1-6月, 全年预计, 原因, √ ×3, 备注]), and those in
    split (计算符号 | 年度指标值 | 计量单位 in three columns) as rows of a second form."""
    sheets = {"表1": project_grid(funding=SAMPLE_FUNDING, indicators=rows, merge_levels=False)}
    if split:
        grid = project_grid(funding=SAMPLE_FUNDING, indicators=split, merge_levels=False)
        at = next(i for i, r in enumerate(grid) if len(r) > 2 and r[1] == "一级指标")
        grid[at] = ["绩效指标", "一级指标", "二级指标", "三级指标", "计算符号", "年度指标值", "计量单位", "1-6月指标完成情况",
                    "全年指标预计完成情况", "偏差原因分析", "完成目标可能性“√”", None, None, "备注"]
        grid[at + 1] = [None] * 10 + list(LIKELIHOODS)
        sheets["表2"] = grid
    return sheets


def ticks(likelihood: str | None) -> list:
    return [("√" if likelihood == name else None) for name in LIKELIHOODS]


def row(name: str, target, forecast, likelihood: str | None = "确定能", actual=None, group=GROUPS[0]) -> list:
    return [*group, name, target, actual, forecast, None, *ticks(likelihood), None]


def split_row(name: str, op, target, unit, forecast, likelihood: str | None = "确定能", group=GROUPS[0]) -> list:
    return [*group, name, op, target, unit, None, forecast, None, *ticks(likelihood), None]


def graded(sheets: dict[str, list[list]]):
    """{三级指标: (grade, its G201/G202/R211 messages)} over every form checked."""
    result = check_sheets(sheets, PROFILE)
    said: dict[str, list] = {}
    for d in result.diagnostics:
        if d.code in ("G201", "G202", "R211") and (m := re.search(r"指标“([^”]+)”", d.message)):
            said.setdefault(m[1], []).append((d.code, d.message))
    return {ind.level3: (ind.grade, said.get(ind.level3, [])) for form in result.forms for ind in form.indicators}


def num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789.%<>=", "０１２３４５６７８９．％＜＞＝"))


def not_worse(better, worse) -> bool:
    """The first grade is no worse than the second (an ungraded one compares with nothing)."""
    return better is None or worse is None or ORDER[better] <= ORDER[worse]


def quantity(rng: random.Random, units=UNITS) -> tuple[str, float, str]:
    """An operator, a target number as units type it (whole, or with one or two decimals) and its unit. Percentages
    are at least 2: comparable reads a bare number of at most 1.5 against a % target as a fraction of a %-formatted
    cell, by design."""
    op = rng.choice((">=", ">=", "<=", "="))
    unit = rng.choice(units)
    if unit == "%":
        target = rng.choice((95, 90, 98, 100, 85, 80, 60, 5, 3, 2.5, 99.5)) if op != "<=" else rng.choice((5, 3, 10, 2))
    else:
        target = rng.choice((rng.randint(1, 2000), round(rng.uniform(2, 500), rng.choice((1, 2)))))
    return op, float(target), unit


# ---------------------------------------------------------------------------------------------------------------
# 1. A better forecast is never graded worse.
# ---------------------------------------------------------------------------------------------------------------

def test_a_better_forecast_is_never_worse():
    for seed in seeds(15, 1):
        rng = random.Random(seed)
        rows, expected = [], []
        for i in range(6):
            op, target, unit = quantity(rng)
            forecasts = sorted({round(target * rng.uniform(0.6, 1.4), rng.choice((0, 1, 2))) for _ in range(6)})
            forecasts = [f for f in forecasts if not (unit == "%" and f <= 1.5)]
            if op == "<=":
                forecasts.reverse()  # best last: the least
            elif op == "=":
                forecasts.sort(key=lambda f: -abs(f - target))
            names = [f"指标{i}-{j}" for j in range(len(forecasts))]
            typed = rng.choice((lambda f: f"{num(f)}{unit}", lambda f: f, lambda f: num(f)))
            rows += [row(name, f"{OPS[op]}{num(target)}{unit}", typed(f)) for name, f in zip(names, forecasts)]
            expected.append((op, target, unit, list(zip(names, forecasts))))
        got = graded(grids(rows))
        for op, target, unit, ladder in expected:
            grades = [got[name][0] for name, _ in ladder]
            assert None not in grades, (seed, op, target, unit, ladder, grades)
            for (worse_f, worse), (better_f, better) in zip(zip([f for _, f in ladder], grades),
                                                            zip([f for _, f in ladder][1:], grades[1:])):
                assert not_worse(better, worse), (seed, op, target, unit, worse_f, worse, better_f, better)


def test_finishing_earlier_is_never_worse():
    for seed in seeds(10, 2):
        rng = random.Random(seed)
        due = rng.randint(3, 12)
        last = 31 if due in (1, 3, 5, 7, 8, 10, 12) else 30
        target = rng.choice((f"2026年{due}月底前完成", f"{due}月底前完工", f"2026年{due}月{last}日前完成"))
        dates = sorted({(rng.choice((2026, 2026, 2027)), rng.randint(1, 12), rng.choice((0, rng.randint(1, 28))))
                        for _ in range(8)}, key=lambda d: (d[0], d[1], d[2] or 32))  # a month alone: by its end
        forecasts = []
        for y, m, d in dates:  # what is done is so by the form's 6月; what is not, is expected
            day, year = f"{d}日" if d else "", "" if y == 2026 and rng.random() < 0.5 else f"{y}年"
            forecasts.append(f"已于{m}月{day}完成" if y == 2026 and m <= 6 else rng.choice((
                f"预计{year}{m}月{day}完成", f"{y}年{m}月{day or '底'}", f"预计{y}年{m}月{day or '底'}前完工")))
        if due == 12 and rng.random() < 0.5:
            target = rng.choice(("年底前完成", "2026年底前完成", "年内完成"))
        rows = [row(f"完成时间{j}", target, f) for j, f in enumerate(forecasts)]
        got = graded(grids(rows))
        grades = [got[f"完成时间{j}"][0] for j in range(len(forecasts))]
        assert None not in grades, (seed, target, forecasts, grades)
        for j in range(1, len(grades)):
            assert not_worse(grades[j - 1], grades[j]), (seed, target, forecasts[j - 1], grades[j - 1],
                                                         forecasts[j], grades[j])


# ---------------------------------------------------------------------------------------------------------------
# 2. A surer likelihood is never graded worse; 完全不可能 is red, 有可能 at least yellow.
# ---------------------------------------------------------------------------------------------------------------

def test_a_surer_likelihood_is_never_worse():
    for seed in seeds(15, 3):
        rng = random.Random(seed)
        rows, cases = [], []
        for i in range(4):
            op, target, unit = quantity(rng)
            forecast = rng.choice((f"{num(round(target * rng.uniform(0.7, 1.3), 1))}{unit}",
                                   rng.choice(("达成", "部分达成", "未达成", "较好", "一般"))))
            t = f"{OPS[op]}{num(target)}{unit}" if forecast[0].isdigit() else rng.choice(("有效提升", "明显改善"))
            names = [f"指标{i}{name}" for name in (*LIKELIHOODS, "未勾")]
            rows += [row(name, t, forecast, likelihood) for name, likelihood in zip(names, (*LIKELIHOODS, None))]
            cases.append((t, forecast, names))
        got = graded(grids(rows))
        for t, forecast, names in cases:
            sure, maybe, never, none = (got[n][0] for n in names)
            assert never == "red", (seed, t, forecast, never)
            assert maybe in ("yellow", "red"), (seed, t, forecast, maybe)
            assert not_worse(sure, maybe) and sure == none, (seed, t, forecast, sure, maybe, none)
            assert maybe == ("red" if sure == "red" else "yellow"), (seed, t, forecast, sure, maybe)


# ---------------------------------------------------------------------------------------------------------------
# 3. The same target and forecast, spelled otherwise, are graded the same.
# ---------------------------------------------------------------------------------------------------------------

def spellings(rng: random.Random, op: str, target: float, unit: str) -> list[tuple[object, object, object]]:
    """(计算符号, 年度指标值, 计量单位) of one target: operator and unit in the target or columns of their own."""
    t, shown_unit = num(target), unit
    words = [(None, f"{OPS[op]}{t}{unit}", None), (None, f"{rng.choice(SPELLED_OPS[op])}{t}{unit}", None),
             (None, fullwidth(f"{rng.choice(SPELLED_OPS[op])}{t}{unit}"), None),
             (None, " ".join(f"{OPS[op]}{t}{unit}"), None), (None, f"{OPS[op]} {t} {unit}", None)]
    if unit == "%":
        words.append((None, f"{OPS[op]}{t}百分比", None))
        shown_unit = rng.choice(("%", "％", "百分比"))
    if op == ">=":
        words.append((None, f"{t}{unit}", None))  # a bare number means ≥
    if unit == "%" and target > 1.5:  # 95% typed into a %-formatted cell: Excel keeps 0.95
        words.append((None, target / 100, None)) if op == ">=" else None
        columns = [(rng.choice(SPELLED_OPS[op]), target / 100, "%")]
    else:
        columns = []
    columns += [(rng.choice(SPELLED_OPS[op]), rng.choice((target, t, fullwidth(t))), shown_unit),
               (rng.choice(SPELLED_OPS[op]), f"{t}{unit}", None), (None, f"{OPS[op]}{t}", shown_unit)]
    return words + columns


def test_spelling_a_target_or_forecast_otherwise_keeps_its_grade():
    for seed in seeds(15, 4):
        rng = random.Random(seed)
        rows, split, cases = [], [], []
        for i in range(3):
            op, target, unit = quantity(rng)
            value = round(target * rng.uniform(0.75, 1.25), rng.choice((0, 1, 2)))
            if unit == "%" and value <= 1.5:
                value = 2.0
            v = num(value)
            forecasts = [f"{v}{unit}", value, v, fullwidth(f"{v}{unit}"), f"{v} {unit}", f" {v}{unit} "]
            if unit == "%":
                forecasts += [f"{v}％", value / 100]  # 96% typed into a %-formatted cell: Excel keeps 0.96
            names = []
            for j, (o, t, u) in enumerate(spellings(rng, op, target, unit)):
                # a %-formatted target cell with no unit anywhere else is a bare number: comparable reads a fraction
                # only against a % unit, so its forecast says % (or is a %-formatted cell too)
                forecast = rng.choice(forecasts if not (isinstance(t, float) and u is None) else
                                      [f for f in forecasts if f not in (value, v)])
                name = f"指标{i}-{j}"
                if o is None and u is None:
                    rows.append(row(name, t, forecast))
                    names.append(name)
                split.append(split_row(name + "列", o, t, u, forecast))
                names.append(name + "列")
            cases.append((op, target, unit, value, names))
        got = graded(grids(rows, split))
        for op, target, unit, value, names in cases:
            said = {n: got[n][0] for n in names}
            assert len(set(said.values())) == 1, (seed, op, target, unit, value, said)
            assert None not in said.values(), (seed, op, target, unit, value, said)


# ---------------------------------------------------------------------------------------------------------------
# 4. Scale: a count's target and forecast multiplied alike keep the grade; another money unit is not converted.
# ---------------------------------------------------------------------------------------------------------------

def test_a_count_scaled_keeps_its_grade():
    for seed in seeds(15, 5):
        rng = random.Random(seed)
        rows, cases = [], []
        for i in range(6):
            op, target, unit = quantity(rng, COUNT_UNITS)
            forecast = round(target * rng.uniform(0.7, 1.3), rng.choice((0, 1, 2)))
            factor = rng.choice((2, 3, 5, 10, 100, 1000, 10000))
            names = (f"指标{i}", f"指标{i}放大")
            rows += [row(names[0], f"{OPS[op]}{num(target)}{unit}", f"{num(forecast)}{unit}"),
                     row(names[1], f"{OPS[op]}{num(target * factor)}{unit}", f"{num(forecast * factor)}{unit}")]
            cases.append((op, target, unit, forecast, factor, names))
        got = graded(grids(rows))
        for op, target, unit, forecast, factor, (small, large) in cases:
            assert got[small][0] is not None and got[small][0] == got[large][0], (
                seed, op, target, unit, forecast, factor, got[small][0], got[large][0])


def test_a_forecast_in_yuan_against_a_target_in_wan_is_not_converted_but_said():
    """grading compares numbers as typed (comparable converts only percent); a forecast in 元 against a target in
    万元 is R209, the unit to be put right, whatever grade its number gets."""
    for seed in seeds(8, 6):
        rng = random.Random(seed)
        target = float(rng.randint(10, 500))
        forecast = target * rng.uniform(0.7, 1.3)
        rows = [row("资金", f"≤{num(target)}万元", f"{num(round(forecast * 10000))}元")]
        result = check_sheets(grids(rows), PROFILE)
        assert [d.code for d in result.diagnostics if d.code == "R209"] == ["R209"], seed


# ---------------------------------------------------------------------------------------------------------------
# 5. On the tolerance's boundary: green at the target, yellow within yellow_tolerance of it, red beyond.
# ---------------------------------------------------------------------------------------------------------------

def test_grades_at_the_tolerance_boundary():
    for seed in seeds(15, 7):
        rng = random.Random(seed)
        rows, cases = [], []
        for i in range(6):
            op, target, unit = quantity(rng)
            step = 10 ** -rng.choice((2, 3))
            sign = -1 if op == ">=" else 1
            edge = round(target * (1 + sign * TOLERANCE), 6)
            points = {"at": (target, "green"), "edge": (edge, "yellow"), "past": (round(edge + sign * step, 6), "red"),
                      "inside": (round(edge - sign * step, 6), "yellow")}
            if op == "=":
                other = round(target * (1 - TOLERANCE), 6)
                points |= {"other edge": (other, "yellow"), "other past": (round(other - step, 6), "red")}
            if unit == "%" and min(p for p, _ in points.values()) <= 1.5:
                continue
            for key, (value, grade) in points.items():
                rows.append(row(name := f"指标{i}{key}", f"{OPS[op]}{num(target)}{unit}", f"{num(value)}{unit}"))
                cases.append((op, target, unit, value, name, grade))
        got = graded(grids(rows))
        for op, target, unit, value, name, grade in cases:
            assert got[name][0] == grade, (seed, op, target, unit, value, got[name][0], grade)


# ---------------------------------------------------------------------------------------------------------------
# 6. Words: each of the profile's levels grades as it says; words no level fits are R211, never green.
# ---------------------------------------------------------------------------------------------------------------

def test_the_profiles_words_grade_as_it_says_and_others_are_said():
    levels = sorted(PROFILE.indicators.qualitative.items())
    for seed in seeds(10, 8):
        rng = random.Random(seed)
        target = rng.choice(("有效提升", "明显改善", "按计划完成", "群众满意", "质量合格", "有效保障"))
        words = rng.sample(levels, 10)
        unsaid = ["".join(rng.choice(UNSAID) for _ in range(rng.randint(2, 6))) for _ in range(3)]
        rows = [row(f"定性{j}", target, word, likelihood=None) for j, (word, _) in enumerate(words)]
        rows += [row(f"未定{j}", target, word, likelihood=None) for j, word in enumerate(unsaid)]
        got = graded(grids(rows))
        for j, (word, level) in enumerate(words):
            assert got[f"定性{j}"][0] == level, (seed, target, word, got[f"定性{j}"][0], level)
        for j, word in enumerate(unsaid):
            grade, said = got[f"未定{j}"]
            assert grade is None and [code for code, _ in said] == ["R211"], (seed, target, word, grade, said)
            assert f"“{word}”" in said[0][1], (seed, said)


# ---------------------------------------------------------------------------------------------------------------
# 7. Every yellow or red finding quotes the indicator's own target and forecast, in Chinese.
# ---------------------------------------------------------------------------------------------------------------

def test_a_grades_finding_quotes_the_indicators_own_values_in_chinese():
    for seed in seeds(15, 9):
        rng = random.Random(seed)
        rows, cases = [], []
        for i in range(8):
            op, target, unit = quantity(rng)
            t = rng.choice((f"{OPS[op]}{num(target)}{unit}", fullwidth(f"{rng.choice(SPELLED_OPS[op])}{num(target)}{unit}")))
            value = round(target * rng.uniform(0.6, 1.4), rng.choice((0, 1, 2)))
            if unit == "%" and value <= 1.5:
                value = 2.0
            forecast = f"{num(value)}{unit}"
            likelihood = rng.choice(LIKELIHOODS)
            rows.append(row(name := f"指标{i}", t, forecast, likelihood))
            cases.append((name, t, forecast))
        got = graded(grids(rows))
        for name, t, forecast in cases:
            grade, said = got[name]
            findings = [(code, message) for code, message in said if code in ("G201", "G202")]
            if grade in ("yellow", "red"):
                assert [code for code, _ in findings] == ["G201" if grade == "red" else "G202"], (seed, name, said)
                message = findings[0][1]
                assert f"目标 {t}，" in message and f"全年预计 {forecast}，" in message, (seed, t, forecast, message)
                assert f"为{'红' if grade == 'red' else '黄'}灯" in message, (seed, message)
                assert not re.search(r"[A-Za-z]{2,}", label_key(message.replace(t, ""))), (seed, message)
            else:
                assert not findings, (seed, name, grade, said)
