"""Grades: direction-aware targets, qualitative levels, likelihood, milestones; monotone by property."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from xlmon.check import check_sheets
from xlmon.grading import deadline, grade_funding, grade_indicator, worst
from xlmon.models import FundingRow, Indicator
from xlmon.profile import ProfileError, load_profile

PROFILE = load_profile()


def ind(target_op, value, forecast, unit=None, likelihood=None, target="t", **kw) -> Indicator:
    return Indicator(level3="x", operator=target_op, target_value=value, unit=unit, forecast=forecast,
                     likelihood=likelihood, target=target, **kw)


@pytest.mark.parametrize("op, target, forecast, grade", [
    (">=", 95, 96, "green"), (">=", 95, 95, "green"), (">=", 95, 90, "yellow"), (">=", 95, 80, "red"),
    (">", 95, 95, "yellow"), ("<=", 30, 25, "green"), ("<=", 30, 32, "yellow"), ("<=", 30, 40, "red"),
    ("<", 30, 30, "yellow"), ("=", 100, 100, "green"), ("=", 100, 95, "yellow"), ("=", 100, 120, "red"),
])
def test_quantitative_direction(op, target, forecast, grade):
    assert grade_indicator(ind(op, target, float(forecast)), 0.5, PROFILE) == grade


def test_percent_cell_compared_with_percent_target():
    assert grade_indicator(ind(">=", 95, 0.96, unit="%"), 0.5, PROFILE) == "green"
    assert grade_indicator(ind(">=", 95, 0.5, unit="%"), 0.5, PROFILE) == "red"


def test_a_target_of_a_percent_cell_against_a_completion_typed_with_percent():
    """100% typed in a %-formatted target cell (Excel keeps 1) against 全年预计 written "80%": 80 ≥ 1 was green, and
    the indicator never reached 指标偏差; compared in percent it is red, as with both cells numbers."""
    assert grade_indicator(ind(">=", 1, 80.0, target="1", units={"forecast": "%"}), 0.5, PROFILE) == "red"
    assert grade_indicator(ind(">=", 1, 100.0, target="1", units={"forecast": "%"}), 0.5, PROFILE) == "green"
    assert grade_indicator(ind(">=", 1, 0.8, target="1"), 0.5, PROFILE) == "red"


@pytest.mark.parametrize("forecast, grade", [("达成", "green"), ("部分达成", "yellow"), ("未达成", "red"),
                                              ("较好", "green"), ("一般", "yellow"), ("效果明显", "green"),
                                              ("有效提升", "green"), ("说不清", None)])
def test_qualitative_levels(forecast, grade):
    assert grade_indicator(ind("qualitative", None, forecast, target="有效提升"), 0.5, PROFILE) == grade


@pytest.mark.parametrize("forecast, grade", [
    # a green word negated used to be green: 无法完成 held 完成
    ("无法完成", "red"), ("未能达成", "red"), ("难以达成", "red"), ("不能按期完成", "red"), ("不达标", "red"),
    ("不满意", "red"), ("未完全达成", "yellow"), ("不能全部完成", "yellow"),
    # wordings that used to leave the indicator ungraded
    ("进度滞后", "yellow"), ("尚未开始", "red"), ("未实现", "red"), ("已实现", "green"), ("按计划推进", "green"),
    ("基本实现", "yellow"), ("基本有效提升", "yellow"), ("预计达成", "green"), ("不仅完成还超额", "green"),
])
def test_qualitative_wordings_negated_or_hedged(forecast, grade):
    assert grade_indicator(ind("qualitative", None, forecast, target="有效提升"), 0.5, PROFILE) == grade


@pytest.mark.parametrize("target, forecast, grade", [
    # the target's own words negated held 完成 or 提升 and were green, so never reached 指标偏差
    ("按计划完成", "不能按计划完成", "red"), ("按计划完成", "没能按计划完成", "red"), ("按计划完成", "未按计划完成", "red"),
    ("按计划完成", "无法按计划完成", "red"), ("按计划完成", "难以按计划完成", "red"),
    ("按计划完成", "未能全部按计划完成", "yellow"), ("按计划完成", "按计划完成", "green"),
    ("明显提升", "有待提升", "red"), ("明显提升", "有待进一步提升", "red"), ("明显改善", "无明显变化", "red"),
    ("明显改善", "没有明显改善", "red"), ("明显改善", "明显改善", "green"),
    # a bad thing there was none of: 零差错 held 差, and was red with an R301 error
    ("无差错", "零差错", "green"), ("零事故", "无事故", "green"), ("质量合格", "零差错", "green"),
    ("零事故", "零事故", "green"), ("按期完成", "无延期", "green"), ("质量合格", "质量较差", "red"),
])
def test_negated_targets_and_bad_things_absent(target, forecast, grade):
    assert grade_indicator(ind("qualitative", None, forecast, target=target), 0.5, PROFILE) == grade


def test_hedging_the_targets_own_verb_is_partly_met():
    """基本消除 against the target 有效消除: no profile word, but the target's verb, hedged."""
    assert grade_indicator(ind("qualitative", None, "基本消除", target="有效消除"), 0.5, PROFILE) == "yellow"
    assert grade_indicator(ind("qualitative", None, "基本", target="有效消除"), 0.5, PROFILE) is None


def test_a_forecast_no_level_fits_is_said_not_left_ungraded_in_silence():
    rows = [["效益指标", "社会效益指标", "安全隐患", "有效消除", "推进中", forecast, None, "√", None, None, None]
            for forecast in ("说不清", "达成")]
    result = check_sheets({"表1": project_grid(funding=SAMPLE_FUNDING, indicators=rows)}, PROFILE)
    r211 = [d for d in result.diagnostics if d.code == "R211"]
    first = result.forms[0].indicators[0]
    assert [(d.cell, d.severity) for d in r211] == [(first.cells["forecast"], "warning")]
    assert "“说不清”" in r211[0].message and first.grade is None


def test_likelihood_raises_grade():
    assert grade_indicator(ind(">=", 95, 99.0, likelihood="有可能"), 0.5, PROFILE) == "yellow"
    assert grade_indicator(ind(">=", 95, 99.0, likelihood="完全不可能"), 0.5, PROFILE) == "red"
    assert grade_indicator(ind(">=", 95, None, likelihood="确定能"), 0.5, PROFILE) is None


def test_sequential_check_is_optional():
    i = ind(">=", 1200, 1200.0, level2="数量指标", actual=300.0)
    assert grade_indicator(i, 0.5, PROFILE) == "green"
    on = PROFILE.model_copy(update={"indicators": PROFILE.indicators.model_copy(update={"sequential_check": True})})
    assert grade_indicator(i, 0.5, on) == "yellow"


def test_a_finding_says_what_made_an_indicator_yellow_or_red_where_its_forecast_does_not():
    """预计达成 with 有可能 ticked was "全年预计 达成，为黄灯", which reads as a contradiction; so was a full-year
    forecast met while the quantity done so far lags (the optional pace check)."""
    on = PROFILE.model_copy(update={"indicators": PROFILE.indicators.model_copy(update={"sequential_check": True})})
    indicators = [["效益指标", "社会效益指标", "安全隐患消除", "有效消除", "基本消除", "达成", None, None, "√", None, None],
                  ["产出指标", "数量指标", "维修校舍面积", "≥1200平方米", "300平方米", "1250平方米", None, "√", None, None, None],
                  ["产出指标", "数量指标", "维修宿舍间数", "≥100间", "20间", "98间", None, None, "√", None, None],
                  ["产出指标", "数量指标", "更换门窗数量", "≥200扇", "150扇", "120扇", None, None, None, "√", None]]
    result = check_sheets({"表1": project_grid(funding=SAMPLE_FUNDING, indicators=indicators)}, on)
    said = {d.message.split("”")[0].split("“")[1]: (d.code, d.message) for d in result.diagnostics
            if d.code in ("G201", "G202")}
    assert said["安全隐患消除"] == ("G202", "指标“安全隐患消除”目标 有效消除，全年预计 达成，但完成目标可能性为“有可能”，故为黄灯。")
    assert said["维修校舍面积"] == ("G202", "指标“维修校舍面积”目标 ≥1200平方米，全年预计 1250平方米，但截至本期完成 300平方米，"
                                         "慢于时间进度 50.00%，故为黄灯。")
    assert said["维修宿舍间数"] == ("G202", "指标“维修宿舍间数”目标 ≥100间，全年预计 98间，为黄灯。")  # its forecast says so
    assert said["更换门窗数量"] == ("G201", "指标“更换门窗数量”目标 ≥200扇，全年预计 120扇，为红灯。")
    plain = check_sheets({"表1": project_grid(funding=SAMPLE_FUNDING, indicators=indicators)}, PROFILE)
    assert not [d for d in plain.diagnostics if d.code == "G202" and "维修校舍面积" in d.message]  # no pace check


def row(subtotal: float, spent: float) -> FundingRow:
    return FundingRow(block="source", row="资金总额", subtotal=subtotal, spent=spent,
                      spend_progress=spent / subtotal if subtotal else None)


@pytest.mark.parametrize("spent, grade", [(50, "green"), (40, "green"), (39, "yellow"), (30, "yellow"),
                                          (29, "red"), (0, "red"), (80, "green")])
def test_funding_gap_thresholds(spent, grade):
    assert grade_funding(row(100, spent), 6, 0.5, PROFILE) == grade


@pytest.mark.parametrize("months", [6, 7, 11])
@pytest.mark.parametrize("subtotal", [1200, 98_760, 1_234_560])
def test_funding_gap_one_least_amount_past_a_threshold_is_past_it(subtotal, months):
    """0.0001 万元 (the least amount a form keeps) of 支出数 short of a threshold, on a large budget, falls past it, as
    the templates' colours do in Excel, WPS and LibreOffice: 0.3 of 1,234,560 less 0.0001 was yellow here and
    red on the form. On the threshold itself it is the better grade, whatever float's rounding."""
    for gap, at, past in ((0.10, "green", "yellow"), (0.20, "yellow", "red")):
        on = round(subtotal * (months / 12 - gap), 4)
        assert grade_funding(row(subtotal, on), months, months / 12, PROFILE) == at, gap
        assert grade_funding(row(subtotal, round(on - 0.0001, 4)), months, months / 12, PROFILE) == past, gap


def test_milestones():
    on = PROFILE.model_copy(update={"funding": PROFILE.funding.model_copy(update={"use_milestones": True})})
    assert grade_funding(row(100, 45), 6, 0.5, PROFILE) == "green"
    assert grade_funding(row(100, 45), 6, 0.5, on) == "yellow"
    assert grade_funding(row(100, 50), 9, 0.75, on) == "red"  # 25 pp short of the 75 % milestone
    assert grade_funding(row(0, 0), 6, 0.5, on) is None


@settings(max_examples=300, deadline=None)
@given(subtotal=st.floats(1, 1e6), a=st.floats(0, 2), b=st.floats(0, 2), months=st.integers(1, 12),
       milestones=st.booleans())
def test_more_spending_never_worse(subtotal, a, b, months, milestones):
    profile = PROFILE.model_copy(update={"funding": PROFILE.funding.model_copy(update={"use_milestones": milestones})})
    low, high = sorted((a, b))
    g_low = grade_funding(row(subtotal, low * subtotal), months, months / 12, profile)
    g_high = grade_funding(row(subtotal, high * subtotal), months, months / 12, profile)
    assert worst(g_low, g_high) == g_low


amounts = st.one_of(st.none(), st.floats(0, 5000).map(lambda x: round(x, 2)))


@st.composite
def well_formed_forms(draw, reasons: bool = False):
    """A form as a careful unit fills it: sources with spent ≤ issued ≤ budget, spent ≤ forecast ≤ budget, typed
    totals right."""
    sources = {}
    for name in ("中央财政资金", "省级财政资金", "市级财政资金", "县（区）财政资金", "单位自筹资金", "其他资金"):
        if draw(st.booleans()):
            continue
        carry = draw(amounts)
        current = draw(st.floats(1, 5000).map(lambda x: round(x, 2)))
        issued = round(current * draw(st.floats(0, 1)), 2)
        spent = round(min(issued, (carry or 0) + current) * draw(st.floats(0, 1)), 2)
        forecast = max(spent, round(((carry or 0) + current) * draw(st.floats(0.5, 1)), 2))
        sources[name] = [carry, current, round((carry or 0) + current, 2), issued, None, spent, None, forecast]
    if not sources:
        sources["市级财政资金"] = [None, 100, 100, 50, 0.5, 50, 0.5, 100]
    total = [round(sum(v[i] or 0 for v in sources.values()), 2) if i in (0, 1, 2, 3, 5, 7) else None
             for i in range(8)]
    sources["资金总额"] = total
    months = draw(st.integers(1, 12))
    indicators = []
    groups = [("产出指标", "数量指标"), ("产出指标", "质量指标"), ("产出指标", "时效指标"), ("效益指标", "社会效益指标"),
              ("效益指标", "经济效益指标"), ("满意度指标", "服务对象满意度指标"), ("产出指标", "成本指标")]
    for i, (l1, l2) in enumerate(groups):
        op = draw(st.sampled_from(["≥", "≤", "＝"]))
        target = draw(st.integers(1, 1000))
        forecast = draw(st.integers(0, 2000))
        likelihood = draw(st.sampled_from([0, 1, 2]))
        marks = [None, None, None]
        marks[likelihood] = "√"
        reason = "受政策调整影响" if reasons or draw(st.booleans()) else None
        remark = "调整实施计划" if likelihood == 2 else None
        indicators.append([l1, l2, f"指标{i}", f"{op}{target}个", f"{forecast // 2}个", f"{forecast}个", reason,
                           *marks, remark])
    return project_grid(funding=sources, indicators=indicators, period=f"（2026年1-{months}月）"), indicators


@settings(max_examples=60, deadline=None)
@given(data=well_formed_forms())
def test_well_formed_forms_have_no_errors_except_missing_reasons(data):
    grid, indicators = data
    result = check_sheets({"表1": grid}, PROFILE)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    # the only error a well-formed form can carry is a deviation left without its reason
    form = result.forms[0]
    for d in errors:
        assert d.code == "R301", d.line()
        ind = next(i for i in form.indicators if i.cells["reason"] == d.cell)
        assert ind.grade in ("yellow", "red") and not ind.reason


@settings(max_examples=60, deadline=None)
@given(data=well_formed_forms(reasons=True))
def test_well_formed_forms_with_reasons_are_error_free(data):
    grid, _ = data
    result = check_sheets({"表1": grid}, PROFILE)
    assert [d.line() for d in result.diagnostics if d.severity == "error"] == []


def test_profile_file_overrides_and_errors(tmp_path):
    good = tmp_path / "city.toml"
    good.write_text('hierarchy = "national2021"\n[funding]\ngreen_max_gap = 0.05\n', encoding="utf-8")
    p = load_profile(good)
    assert p.funding.green_max_gap == 0.05 and p.funding.yellow_max_gap == 0.20
    assert "成本指标" in p.levels()
    bad = tmp_path / "bad.toml"
    bad.write_text('hierarchy = "martian"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="未知的指标体系"):
        load_profile(bad)
    with pytest.raises(ProfileError, match="不存在"):
        load_profile(tmp_path / "none.toml")
    (tmp_path / "typo.toml").write_text("[funding]\ngreen_max = 0.1\n", encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile(tmp_path / "typo.toml")


def test_every_setting_a_citys_profile_leaves_out_keeps_the_built_in_value(tmp_path):
    """As default.toml promises: a profile holding one section only (the gaps of [funding], as a city changes
    them) is the built-in profile but for it; its qualitative words (达成, 未完成…) too, which such a profile lost,
    so that a 完成值 of 未完成 went ungraded where the built-in profile calls it red."""
    from xlmon.grading import qualitative_grade
    from xlmon.models import Indicator

    built_in = load_profile().model_dump()
    city = tmp_path / "city.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.05\nyellow_max_gap = 0.15\n", encoding="utf-8")
    profile = load_profile(city)
    mine = profile.model_dump()
    assert mine["funding"]["green_max_gap"] == 0.05
    assert {k: v for k, v in mine.items() if k != "funding"} == {k: v for k, v in built_in.items() if k != "funding"}
    indicator = Indicator(level3="安全隐患消除", target="有效消除")
    assert qualitative_grade("未完成", indicator, profile) == qualitative_grade("未完成", indicator, load_profile()) == "red"


def test_a_citys_table_of_words_changes_the_words_it_gives_and_keeps_the_rest(tmp_path):
    """default.toml: any key left out keeps the default, a word of qualitative or a tick of likelihood_floor too. A
    profile adding 过半 and making 有可能 red lost every other word: 未完成 went ungraded and 完全不可能 no longer
    made an indicator red."""
    from xlmon.grading import qualitative_grade

    city = tmp_path / "city.toml"
    city.write_text('[indicators]\nqualitative = { "过半" = "yellow", "提升" = "yellow" }\n'
                    'likelihood_floor = { "有可能" = "red" }\n', encoding="utf-8")
    profile = load_profile(city)
    indicator = Indicator(level3="安全隐患消除", target="有效消除")
    assert qualitative_grade("过半", indicator, profile) == "yellow"
    assert qualitative_grade("提升", indicator, profile) == "yellow"
    assert qualitative_grade("未完成", indicator, profile) == "red"
    assert profile.indicators.likelihood_floor == {"有可能": "red", "完全不可能": "red"}
    never = Indicator(level3="安全隐患消除", target="有效消除", operator="qualitative", forecast="完成",
                      likelihood="完全不可能")
    assert grade_indicator(never, 0.5, profile) == "red"


def test_milestones_of_other_months_than_the_forms_grade_nothing():
    """A department's summary of 1-6月 made by the built-in profile, a bureau's profile with milestones at 9 and 12 月
    only: no form of the summary is graded by them, so they grade alike (no K020); a milestone at 6 月 grades them."""
    from xlmon.profile import Profile, grading_differences

    built_in = load_profile()
    later = Profile.model_validate({"funding": {"use_milestones": True, "milestones": {9: 0.75, 12: 1.0}}})
    assert grading_differences(built_in, later, 6) == []
    assert grading_differences(built_in, later, 9) == grading_differences(built_in, later) == ["支出进度的里程碑要求不同"]
    june = Profile.model_validate({"funding": {"use_milestones": True, "milestones": {6: 0.5}}})
    assert grading_differences(built_in, june, 6) == ["支出进度的里程碑要求不同"]


def test_profiles_differing_only_in_a_setting_that_grades_nothing_are_said_to_grade_alike():
    """sequential_level2 names the indicators of the 序时 check, which grades nothing while sequential_check is off:
    a bureau whose profile listed 质量指标 there, its check off, was told of every department's summary made by the
    built-in profile that it graded its indicators otherwise and its grades were kept (K020)."""
    from xlmon.profile import Profile, grading_differences

    built_in = load_profile()
    listed = Profile.model_validate({"indicators": {"sequential_level2": ["数量指标", "质量指标"]}})
    assert grading_differences(built_in, listed) == []
    checked = Profile.model_validate({"indicators": {"sequential_check": True}})
    assert grading_differences(built_in, checked) == ["指标的评级规则不同"]
    both = Profile.model_validate({"indicators": {"sequential_check": True, "sequential_level2": ["质量指标"]}})
    assert grading_differences(checked, both) == ["指标的评级规则不同"]


def test_a_sequential_check_on_a_level2_the_hierarchy_has_not_is_said(tmp_path):
    """序时 on 质量 (for 质量指标), or on a 二级 only another hierarchy has: the check would never apply, and grades
    nothing with no word; the profile is refused, naming it. Left off, the setting grades nothing and is let be."""
    city = tmp_path / "city.toml"
    city.write_text('[indicators]\nsequential_check = true\nsequential_level2 = ["数量指标", "质量"]\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="“质量”不是指标体系中的二级指标"):
        load_profile(city)
    city.write_text('[hierarchy.custom]\n"产出指标" = ["产出数量"]\n"效益指标" = ["社会效益指标"]\n'
                    '"满意度指标" = ["服务对象满意度指标"]\n[indicators]\nsequential_check = true\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="“数量指标”不是指标体系中的二级指标"):
        load_profile(city)
    city.write_text(city.read_text("utf-8").replace("sequential_check = true", "sequential_check = false"),
                    encoding="utf-8")
    assert load_profile(city).indicators.sequential_level2 == ["数量指标"]


@pytest.mark.parametrize("text, said", [
    ("[funding]\ngreen_max = 0.1\n", ["funding.green_max：没有这个设置项"]),
    ('[funding]\ngreen_max_gap = "abc"\n', ["funding.green_max_gap：应为数字（现为 'abc'）"]),
    ("[funding]\ngreen_max_gap = 0.3\n", ["funding：yellow_max_gap（0.2）不应小于 green_max_gap（0.3）"]),
    ("[funding]\nmilestones = { 13 = 0.5 }\n", ["milestones 的 13 = 0.5 有误"]),
    ("[funding]\nmilestones = { June = 0.5 }\n", ["funding.milestones 的键应为月份数字（1-12），而不是“June”"]),
    ('[palette]\nred = "RED"\n[indicators]\nyellow_tolerance = -1\n',
     ["palette.red：应为 6 位十六进制颜色", "indicators.yellow_tolerance：不应小于 0（现为 -1）"]),
    ('[indicators]\nlikelihood_floor = { "有可能" = "orange" }\n',
     ["indicators.likelihood_floor.有可能：应为 green、yellow、red 之一（现为 'orange'）"]),
    ('[indicators]\nlikelihood_floor = { "不可能" = "red" }\n',
     ["indicators.likelihood_floor：“不可能”不是完成目标可能性的选项，应为 确定能、有可能、完全不可能 之一"]),
    ("hierarchy = 5\n", ["hierarchy：应为文字"]),
    ("[funding\n", ["格式错误（第 1 行第 9 列）：方括号 [ ] 没有成对"]),
    ("a = 1\na = 2\n", ["格式错误（第 2 行第 6 列）：同一项设置写了两次"]),
    ('[palette]\nred = FFC7CE\n', ["格式错误（第 2 行第 7 列）：等号后面的值写法不对"]),
])
def test_profile_errors_say_where_and_what_in_chinese(tmp_path, text, said):
    """A city's staff edit the profile by hand: each mistake named by its setting (or line) and said in Chinese,
    every one of them at once, with no pydantic dump or documentation address."""
    (tmp_path / "city.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as exc:
        load_profile(tmp_path / "city.toml")
    message = str(exc.value)
    assert message.startswith(f"规则配置文件 {tmp_path / 'city.toml'} ")
    for part in said:
        assert part in message, message
    assert not re.search(r"validation error|Input should|https?://|type=", message), message


def test_a_profile_saved_by_notepad_reads_or_is_named(tmp_path):
    text = "# 本市规则\n[funding]\ngreen_max_gap = 0.05\n"
    (tmp_path / "city.toml").write_bytes(text.encode("utf-8-sig"))  # UTF-8 with the BOM Notepad writes
    assert load_profile(tmp_path / "city.toml").funding.green_max_gap == 0.05
    (tmp_path / "city.toml").write_bytes(text.encode("gbk"))  # ANSI on a Chinese Windows
    with pytest.raises(ProfileError, match="不是 UTF-8 编码"):
        load_profile(tmp_path / "city.toml")
    with pytest.raises(ProfileError, match="无法读取规则配置文件"):
        load_profile(tmp_path)  # a folder


def test_national_hierarchy_accepts_cost_as_level1():
    rows = [["成本指标", "经济成本指标", "单位成本", "≤100元", "90元", "95元", None, "√", None, None, None]]
    national = load_profile().model_copy(update={"hierarchy": "national2021"})
    result = check_sheets({"表1": project_grid(funding=SAMPLE_FUNDING, indicators=rows)}, national)
    assert "R101" not in {d.code for d in result.diagnostics}
    result = check_sheets({"表1": project_grid(funding=SAMPLE_FUNDING, indicators=rows)}, PROFILE)
    assert "R101" in {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target, forecast, grade", [
    ("180天以内", "200天", "red"),   # read as ≥ 180天 it was green: the work took longer than allowed
    ("5%以下", "8%", "red"),
    ("0起", "2起", "red"),           # ≥ 0 held whatever happened
    ("不大于5%", "3%", "green"),     # read as qualitative, a number there was R208
    ("95%以上", "96%", "green"),     # its unit was 「%以上」, so 96% was R209 (another unit)
    ("≥95%", "预计96%", "green"),    # words around a forecast made it text (R207), never graded
    ("≥95%", "约80%（受疫情影响）", "red"),
    # deadlines: finishing early was red with an R301 error, and the units 「月底前完成」 against 「月底完成」 R209
    ("12月底前完成", "10月底完成", "green"), ("6个月内完成", "5个月", "green"), ("30日内完成", "25日", "green"),
    ("30日内完成", "40日", "red"), ("100%完成", "100%", "green"),
    # superscript units and a name before the bound left these ungraded, with R211 or R208 advising 达成/未达成
    ("≥1200㎡", "1000㎡", "red"), ("≥500m³", "480m³", "yellow"), ("≥300m²", "300平方米", "green"),
    ("合格率≥95%", "80%", "red"),
    # none of a thing wanted, answered with a count: 0 was R208 (a number against a qualitative target), ungraded
    ("零事故", "0起", "green"), ("零事故", 0, "green"), ("无安全事故", "0", "green"), ("零事故", "2起", "red"),
])
def test_worded_bounds_grade_the_way_they_read(target, forecast, grade):
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "时效指标", "指标甲", target, forecast, forecast, None, "√", None, None,
                                     None]])
    result = check_sheets({"表1": grid}, PROFILE)
    [indicator] = result.forms[0].indicators
    assert indicator.grade == grade
    assert not {"R207", "R208", "R209", "R211"} & {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target", ["无害化处理率100%", "无障碍设施全覆盖", "无线网络覆盖率达标"])
def test_a_target_that_merely_begins_with_none_is_no_count_of_none(target):
    """无害化处理率100% answered 100% was graded red as if it were 零事故 answered 100 times, with R301 and R304 and
    a place on 重点监控建议. Such a target is no count of none: the answer is left ungraded, as a number against
    words (R208)."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "质量指标", "指标甲", target, "100%", "100%", None, "√", None, None, None]])
    result = check_sheets({"表1": grid}, PROFILE)
    assert result.forms[0].indicators[0].grade != "red" and "G201" not in {d.code for d in result.diagnostics}
    grid = project_grid(funding=SAMPLE_FUNDING,  # answered 0: none treated, no coverage; not 零事故 met
                        indicators=[["产出指标", "质量指标", "指标甲", target, "0%", "0%", None, "√", None, None, None]])
    assert check_sheets({"表1": grid}, PROFILE).forms[0].indicators[0].grade != "green"


@pytest.mark.parametrize("target, forecast", [("无重大安全事故（0起）", "0起"), ("零投诉率", "0%"), ("零事故", "0%")])
def test_none_answered_with_nought_is_met_whatever_the_target_holds(target, forecast):
    """零投诉率 answered 0%, 无重大安全事故（0起） answered 0起: green, not R208 asking for 达成/未达成 wording."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "质量指标", "指标甲", target, forecast, forecast, None, "√", None, None, None]])
    result = check_sheets({"表1": grid}, PROFILE)
    assert result.forms[0].indicators[0].grade == "green" and "R208" not in {d.code for d in result.diagnostics}


def test_percent_cells_in_the_unit_column_layout_are_compared_in_percent():
    """Excel stores 5% as 0.05: a target or forecast typed in a %-formatted cell, beside a 计量单位 column of %, was
    compared with the other side's 3% as 0.05 (返工率 red, 合格率 80% against 0.95 green). A number with no % typed
    is read at the scale nearer the other side's, and the target quoted as the cell shows it."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=[])
    header = next(i for i, row in enumerate(grid) if "一级指标" in row)
    grid[header] = [None, "一级指标", "二级指标", "三级指标", "计算符号", "年度指标值", "计量单位",
                    "1-6月指标完成情况", "全年指标预计完成情况", "偏差原因分析", "确定能", "有可能", "完全不可能", "备注"]
    rows = [("返工率", "≤", 0.05, "%", "3%"), ("验收合格率", "≥", 0.95, "%", "80%"), ("投诉率", "≤", "1%", None, 0.02),
            ("达标率", "≥", "85%", None, 0.8), ("差错率", "≤", 0.5, "%", "0.6%"), ("完好率", "=", 1, "%", "100%"),
            ("覆盖率", "≥", 0.9, "%", 0.92)]
    grid[header + 1:header + 1] = [[None, "产出指标", "质量指标", name, op, target, unit, forecast, forecast, None, "√"]
                                   for name, op, target, unit, forecast in rows]
    result = check_sheets({"表1": grid}, PROFILE)
    assert [i.grade for i in result.forms[0].indicators] == ["green", "red", "red", "yellow", "red", "green", "green"]
    said = {d.message for d in result.diagnostics if d.code == "G201"}
    assert "指标“验收合格率”目标 ≥95%，全年预计 80%，为红灯。" in said  # with its 计算符号 (target_shown)
    assert "指标“投诉率”目标 ≤1%，全年预计 2%，为红灯。" in said


def test_where_the_total_cannot_be_graded_the_sources_grades_stand_for_it():
    """支出数 of one source unread (待核实): 资金总额 has no grade, and a source with 200 of 300 万元 and nothing spent
    at mid-year counted for nothing: the project was green."""
    funding = {"资金总额": [None] * 8, "中央财政资金": [None, 100, 100, 100, 1, "待核实", None, 100],
               "市级财政资金": [None, 200, 200, 200, 1, 0, 0, 200]}
    result = check_sheets({"表1": project_grid(funding=funding, indicators=SAMPLE_INDICATORS)}, PROFILE)
    form = result.forms[0]
    assert form.total("source").grade is None and form.grade == "red"
    funding["市级财政资金"] = [None, 200, 200, 200, 1, 90, 0.45, 200]  # on schedule, and 2 万元 of 其他资金 not yet spent:
    funding["其他资金"] = [None, 2, 2, 2, 1, 0, 0, 2]  # the money read as a whole is green, as in 资金总额
    result = check_sheets({"表1": project_grid(funding=funding, indicators=SAMPLE_INDICATORS)}, PROFILE)
    assert result.forms[0].grade != "red"


def test_a_small_source_row_behind_does_not_make_a_project_on_schedule_red():
    """1,000 万元 of 市级 money half spent at mid-year and 2 万元 of 其他资金 not yet spent: the project was red (the worst
    of every funding row) and went onto 重点监控建议. The project is graded by its 资金总额 and its indicators; the
    source row keeps its own red, said at its row."""
    funding = {"资金总额": [None, 1002, 1002, 1002, 1, 500, 500 / 1002, 1002],
               "市级财政资金": [None, 1000, 1000, 1000, 1, 500, 0.5, 1000],
               "其他资金": [None, 2, 2, 2, 1, 0, 0, 2]}
    result = check_sheets({"表1": project_grid(funding=funding, indicators=SAMPLE_INDICATORS)}, PROFILE)
    form = result.forms[0]
    other = next(r for r in form.funding if r.row == "其他资金")
    assert other.grade == "red" and other.cells["spend_progress"] in {d.cell for d in result.diagnostics if d.code == "G101"}
    assert form.total("source").grade == "green"
    assert form.grade == worst(*(i.grade for i in form.indicators)) != "red"


@pytest.mark.parametrize("target, forecast", [
    ("无公害农产品认证", "6个"), ("无偿献血活动全面开展", "2100人次"), ("无纸化办公全面推行", "95"),
    ("无障碍设施改造", "12处"), ("无线网络建设", "30个"), ("零售网点建设", "5个"), ("零星维修及时", "3次"),
])
def test_a_word_that_begins_with_none_is_no_count_of_none(target, forecast):
    """无公害, 无偿, 无纸化, 无障碍, 无线, 零售, 零星 begin words of their own: 无偿献血活动全面开展 answered 2100人次
    was graded red as 零事故 happening 2100 times (R301, R304, 重点监控建议), and answered 0 green. A number against
    such words is left ungraded (R208), as for any qualitative target."""
    for answer, unmet in ((forecast, "red"), ("0", "green")):
        grid = project_grid(funding=SAMPLE_FUNDING,
                            indicators=[["产出指标", "数量指标", "指标甲", target, answer, answer, None, "√", None, None,
                                         None]])
        result = check_sheets({"表1": grid}, PROFILE)
        codes = {d.code for d in result.diagnostics}
        assert result.forms[0].indicators[0].grade != unmet and "R208" in codes and not {"G201", "R304"} & codes


@pytest.mark.parametrize("target", ["无事故", "无重大安全事故", "无安全事故发生", "无投诉", "无有效投诉", "无违规",
                                    "无违规违纪行为", "零事故", "零伤亡", "零发生", "无重大舆情事件", "零差错",
                                    "无拖欠农民工工资", "无人员伤亡"])
def test_none_of_a_bad_thing_is_still_a_count_of_none(target):
    for answer, grade in (("0起", "green"), ("0", "green"), ("2起", "red"), ("1", "red")):
        grid = project_grid(funding=SAMPLE_FUNDING,
                            indicators=[["产出指标", "质量指标", "指标甲", target, answer, answer, None, "√", None, None,
                                         None]])
        result = check_sheets({"表1": grid}, PROFILE)
        assert result.forms[0].indicators[0].grade == grade, (target, answer)
        assert "R208" not in {d.code for d in result.diagnostics}


def timeliness(target: str, forecast, name: str = "指标甲"):
    """`check` of a form whose one indicator, a 时效指标, has this target and forecast (and so far the same)."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "时效指标", name, target, forecast, forecast, "受工期影响", "√", None,
                                     None, None]])
    return check_sheets({"表1": grid}, PROFILE)


def graded_and_said(target: str, forecast, name: str = "指标甲") -> tuple[str | None, set[str]]:
    """timeliness(): the indicator's grade, and which of the findings about its completion or its deviation it gets."""
    result = timeliness(target, forecast, name)
    return (result.forms[0].indicators[0].grade,
            {"R207", "R208", "R209", "R211", "R216", "G201", "G202"} & {d.code for d in result.diagnostics})


@pytest.mark.parametrize("target, forecast, grade", [
    # read as words, 预计2027年3月完成 held 完成 and was green; 11月完成 or 12月 was a number against words (R208) and
    # 2026年12月 no level at all (R211)
    ("12月31日前完成", "11月完成", "green"), ("12月31日前完成", "已完成", "green"), ("12月31日前完成", "12月", "green"),
    ("12月31日前完成", "10月31日完成", "green"), ("12月31日前完成", "预计2027年3月完成", "red"),
    ("12月31日前完成", "2027年1月完成", "yellow"), ("12月31日前完成", "未完成", "red"),
    ("2026年12月31日前完成", "11月底", "green"), ("2026年12月31日前完成", "2026年12月", "green"),
    ("2026年12月31日前完成", "2027年3月", "red"), ("年底前完成", "11月完成", "green"), ("年底前完成", "已完成", "green"),
    ("年底前完成", "预计2027年3月完成", "red"), ("年底前完成", "年底前无法完成", "red"),
    ("6月30日前完成", "6月20日", "green"), ("6月30日前完成", "7月10日", "yellow"), ("6月30日前完成", "9月底", "red"),
    # read as at most 2026 年底, 11月完成 was green against another unit (R209), and 已完成 or 2027年3月 not a number (R207)
    ("2026年底前完成", "11月完成", "green"), ("2026年底前完成", "已完成", "green"), ("2026年底前完成", "2026年11月完成", "green"),
    ("2026年底前完成", "预计2027年3月完成", "red"), ("2026年底前完成", "延期", "yellow"),
    # the deadlines read before keep their grades, and take a date or words too
    ("12月底前完成", "10月底完成", "green"), ("12月底前完成", "11月完成", "green"), ("12月底前完成", "已完成", "green"),
    ("12月底前完成", "预计2027年3月完成", "red"),
    # 年度内 and 年度末 were no date but words, and 预计2027年3月完成 green for its 完成
    ("年度内完成", "预计2027年3月完成", "red"), ("本年度内完成", "预计2027年3月完成", "red"), ("年度内完成", "11月完成", "green"),
    ("2026年度内完成", "已完成", "green"), ("年度末完成", "预计2027年3月完成", "red"), ("年度内完成", "已完成", "green"),
])
def test_a_date_to_finish_by_is_a_deadline(target, forecast, grade):
    result = timeliness(target, forecast)
    [indicator] = result.forms[0].indicators
    assert indicator.grade == grade
    assert not {"R207", "R208", "R209", "R211"} & {d.code for d in result.diagnostics}


def test_a_deadline_is_in_the_forms_year():
    """A date with no year is in the form's; one a later year names (a project over two years) is not missed by a
    completion this December."""
    late = ind("qualitative", None, "预计2027年3月完成", target="12月31日前完成")
    assert grade_indicator(late, 0.5, PROFILE, 2026) == "red"
    assert grade_indicator(late, 0.5, PROFILE, 2027) == "green"
    assert grade_indicator(ind("qualitative", None, "12月", target="2027年6月底前完成"), 0.5, PROFILE, 2026) == "green"
    assert grade_indicator(ind("qualitative", None, "2027年9月", target="2027年6月底前完成"), 0.5, PROFILE, 2026) == "red"


def test_a_deadline_missed_is_said_to_deviate_not_to_be_doubted():
    """预计2027年3月完成 against 12月31日前完成, 有可能 ticked and no reason: the forecast itself misses the date, so
    R301 says 偏离目标, not that 有可能 alone made it red."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "时效指标", "指标甲", "12月31日前完成", "推进中", "预计2027年3月完成", None,
                                     None, "√", None, "加快进度"]])
    result = check_sheets({"表1": grid}, PROFILE)
    [r301] = [d for d in result.diagnostics if d.code == "R301"]
    assert result.forms[0].indicators[0].grade == "red" and "（偏离目标）" in r301.message


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # a target of two milestones was read by its first date (or not at all, with two numbers): the job finishing on
    # time was red, and a stage of the first milestone green
    ("6月底前完成设计，年底前竣工", "预计12月竣工", "green", None), ("6月底前完成设计，年底前竣工", "已完成设计", None, "R216"),
    ("6月底前完成设计，年底前竣工", "已完成设计，预计2027年3月竣工", "red", "G201"),
    ("一季度完成招标、四季度完工", "预计11月完工", "green", None), ("一季度完成招标、四季度完工", "预计2027年3月完工", "red", "G201"),
    ("3月底前完成招标，12月底前完工", "11月完工", "green", None), ("3月底前完成招标，12月底前完工", "6月完成招标", None, "R216"),
    ("2026年3月底前完成招标，12月底前完工", "预计2027年1月完工", "yellow", "G202"),
    # the latest milestone is the job's, wherever it is written
    ("年底前竣工，6月底前完成主体", "预计11月竣工", "green", None), ("年底前竣工，6月底前完成主体", "预计2027年3月竣工", "red", "G201"),
])
def test_a_target_of_several_milestones_is_due_by_its_last(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} - {None})


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # a clause that names a date but nothing done or begun by it is no milestone: the warranty's or the service's end
    # was taken for the job's, and a year late was green
    ("12月底前完成，质保期至2028年12月", "延期至2027年3月完成", "red", "G201"),
    ("12月底前完成，质保期至2028年12月", "预计2027年6月完工", "red", "G201"),
    ("12月底前完成，质保期至2028年12月", "预计11月完成", "green", None),
    ("年底前完工，运行维护至2027年12月", "预计2027年3月完工", "red", "G201"),
    ("12月底前完成，服务期至2027年6月30日", "预计2027年6月完工", "red", "G201"),
    # nor is the date of the document it follows, even where it is the only other clause
    ("按照2026年3月印发的文件要求，年底前完成", "预计11月完成", "green", None),
    ("按2026年4月批复的方案，10月底前完成", "预计12月完成", "red", "G201"),
])
def test_a_clause_naming_a_date_is_no_milestone_unless_something_is_due_by_it(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} - {None})


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # the last date named was taken for the date the work is done: a date things stand at, or work starts or stops
    # on, made each of these green with no finding
    ("12月31日前完成", "截至6月30日尚未开工", None, "R216"), ("年底前完成", "截至6月底项目尚未开工", None, "R216"),
    ("9月30日前完成", "6月底前尚在招标", None, "R216"), ("10月底前完工", "受资金影响，6月起停工", None, "R216"),
    ("6月30日前完成", "预计年底完工，已于3月开工", "red", "G201"), ("年底前完成", "6月起停工", None, "R216"),
    ("12月31日前完成", "截至6月30日完成60%", None, "R216"), ("12月31日前完成", "预计12月底完成80%", None, "R216"),
    ("12月31日前完成", "截至目前已完成80%，预计11月全部完成", "green", None),
    ("年底前完成", "已完成年度任务的50%", None, "R216"), ("年底前完成", "预计11月完成全年计划的六成", None, "R216"), ("年底前完成", "截至6月30日尚未开工，预计12月完成", None, "R216"),
    ("年底前完成", "截至6月底尚未启动", "red", "G201"),  # 未启动 is a level of its own, red
    # a date tied to finishing, before or after it, is the one
    ("年底前完成", "截至6月底已完成招标，预计年底完工", "green", None), ("12月31日前完成", "原计划12月，延期至次年3月", "red", "G201"),
    ("12月31日前完成", "完工时间为2026年11月", "green", None), ("12月31日前完成", "预计2027年3月底竣工验收", "red", "G201"),
    ("12月31日前完成", "3月开工，预计11月底前完成", "green", None), ("12月31日前完成", "3月开工，预计次年2月完成", "red", "G201"),
    ("12月31日前完成", "预计11月", "green", None), ("12月31日前完成", "2026年12月底前", "green", None),
    # of two dates tied to finishing the later: the other is a part done, or the plan before a delay
    ("12月31日前完成", "预计2027年3月完工，6月已完成招标", "red", "G201"),
    ("年底前完成", "预计2027年6月完成（原计划2026年12月）", "red", "G201"),
    # a target to begin by a date is met by the date work starts
    ("9月30日前开工", "已于3月开工", "green", None), ("9月30日前开工", "预计11月开工", "red", "G201"),
])
def test_a_deadline_is_met_by_the_date_the_work_is_done_not_a_date_it_stands_at(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} if finding else set())


@pytest.mark.parametrize("target, forecast, grade", [
    # a month in Chinese numerals, a quarter or a half was no date: the target was words, so 预计2027年3月完成 was
    # green for its 完成, and 预计十一月完成 against 12月底前完成 no date at all
    ("十二月底前完成", "预计十一月完成", "green"), ("十二月底前完成", "预计2027年3月完成", "red"),
    ("十月底前完工", "预计十一月底完工", "yellow"), ("十月底前完工", "预计第三季度完工", "green"),
    ("十二月三十一日前完成", "预计十二月十五日完成", "green"), ("十二月十五日前完成", "预计2027年1月完成", "red"),
    ("三季度末前完成", "预计8月完成", "green"), ("三季度末前完成", "预计12月完成", "red"),
    ("第四季度完成", "预计11月完成", "green"), ("第四季度完成", "预计明年一季度完成", "red"),
    ("上半年完成", "已于五月完成", "green"), ("上半年完成", "预计9月完成", "red"),
    ("下半年完成", "预计下半年完成", "green"), ("下半年完成", "预计次年3月完成", "red"),
    ("前三季度完成", "预计九月完成", "green"), ("2026年第四季度完成", "预计2027年第一季度完成", "red"),
    ("12月底前完成", "预计十一月完成", "green"), ("12月底前完成", "预计第四季度完成", "green"),
    ("12月底前完成", "预计明年一季度完成", "red"), ("12月底前完成", "已于五月完成", "green"),
    ("年内完成", "预计第三季度完工", "green"), ("年内完成", "预计次年上半年完成", "red"),
    ("2026年11月底前", "预计十一月完成", "green"), ("11月底前", "预计第四季度完成", "yellow"),
    ("9月中旬前完成", "预计九月上旬完成", "green"), ("9月中旬前完成", "预计十月完成", "red"),
    ("十二月底前完成", "十一月", "green"), ("一期工程十月底前完工", "预计九月完工", "green"),
    # a year in Chinese numerals was left out: the target or forecast was in the form's year
    ("二〇二七年六月底前完成", "预计2027年5月完成", "green"), ("12月底前完成", "预计二〇二七年三月完成", "red"),
    ("二零二六年十二月底前完成", "预计二〇二六年十一月完成", "green"), ("二〇二七年底前完成", "预计明年十月完成", "green"),
    # 6月已完成 was read as 6 in the unit 月已 (R209 against 12月底前完成, R208 against 十二月底前完成)
    ("十二月底前完成", "6月已完成", "green"), ("12月底前完成", "6月已完成", "green"), ("年底前完成", "11月底已完成", "green"),
])
def test_a_date_in_chinese_numerals_a_quarter_or_a_half_is_a_deadline(target, forecast, grade):
    result = timeliness(target, forecast)
    assert result.forms[0].indicators[0].grade == grade
    assert not {"R207", "R208", "R209", "R211"} & {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # 三季度前 is before the third quarter begins or by its end: a date in time by both is green, late by both red,
    # and one in between said (R211), not guessed
    ("三季度前完成", "预计5月完成", "green", None), ("三季度前完成", "预计12月完成", "red", "G201"),
    ("三季度前完成", "预计8月完成", None, "R216"), ("下半年前完成", "预计9月完成", None, "R216"), ("三季度前完成", 8, None, "R216"),
    ("一季度前完成", "预计3月完成", "green", None),  # nothing is due before January: by the quarter's end
    # words that it is done do not settle a date that may be late: 已于8月完成 was green for its 已完成
    ("三季度前完成", "已于8月完成", None, "R216"), ("四季度前完成", "已于10月完成", None, "R216"),
    ("三季度前完成", "已于5月完成", "green", None), ("三季度前完成", "已于12月完成", "red", "G201"),
    # a quarter or half things stand at, or words that work has not begun, is no date it is done
    ("十二月底前完成", "截至第二季度尚未开工", None, "R216"), ("第四季度完成", "截至二季度末完成60%", None, "R216"),
    ("年底前完成", "截至二季度末尚未开工，预计四季度完成", None, "R216"),
    ("年底前完成", "截至上半年已完成招标，预计四季度完工", "green", None),
    # a year with no month is some day of it: 预计明年完成 was green for its 完成, though late by a day or a year, and
    # so is yellow at least
    ("12月底前完成", "预计明年完成", "yellow", "G202"), ("年底前完成", "次年完成", "yellow", "G202"),
    ("年底前完成", "延期至明年", "yellow", "G202"), ("年底前完成", "推迟到下一年度完工", "yellow", "G202"),
    ("按期完成", "部分完成，剩余部分明年完成", "yellow", "G202"),
    ("6月底前完成", "预计明年完成", "red", "G201"), ("9月30日前开工", "预计明年开工", "red", "G201"),
    ("2027年6月底前完成", "预计2027年完成", None, "R216"), ("明年底前完成", "预计明年完成", "green", None),
    ("年底前完成", "明年开始运营，今年11月完工", "green", None),
])
def test_a_quarter_or_half_is_graded_only_where_it_is_sure(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} if finding else set())


@pytest.mark.parametrize("target", [
    "三季度培训三次", "三季度培训3次", "第一季度开展督查", "三季度完成培训三次", "每季度开展一次督查", "十二个",
    "十二个月内完成", "统一月度考核", "一月一次巡查", "时效指标", "数量指标", "第一季度", "上半年", "二级指标",
    # a number of months, not a month: was January or March, so 预计12月底全部办结 was red
    "一月内办结", "三月内完成", "验收后一月内支付", "三月以内完成", "一月之内答复",
    # a number of years, not this year's end: 半年内完成 was due 31 December, so 预计11月完成 was green
    "半年内完成", "一年内完成", "三年内完成", "两年内建成",
])
def test_chinese_numerals_that_name_no_date_to_finish_by_are_no_deadline(target):
    assert deadline(target) is None


@pytest.mark.parametrize("target", ["年内完成", "今年内完成", "2026年内完成", "本年度内完成", "年底前完成"])
def test_the_years_end_is_a_deadline(target):
    assert deadline(target) == (2026 if target.startswith("2026") else None, 0, 12, 31)


def test_a_status_in_the_months_so_far_is_no_finding_against_a_deadline():
    """1-6月执行情况 says where things stand, dates and all: 截至6月30日尚未开工 there is not text for a number."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "时效指标", "指标甲", "12月底前完成", "截至6月30日尚未开工", "11月完成", None,
                                     "√", None, None, None]])
    result = check_sheets({"表1": grid}, PROFILE)
    assert result.forms[0].indicators[0].grade == "green"
    assert not {"R207", "R208", "R209", "R211"} & {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target, forecast, grade", [
    # a year and month typed as a number (Excel keeps 2026.12 or 2027.3) was neither graded nor said
    ("12月底前完成", 2027.3, "red"), ("12月底前完成", 2026.12, "green"), ("12月底前完成", 2027.03, "red"),
    ("10月底前", 2027.3, "red"), ("10月底前", 2026.12, "red"), ("11月底前", 2026.12, "yellow"),
    ("2026年底前完成", 2027.3, "red"), ("2026年底前完成", 2026.12, "green"), ("12月31日前完成", 2026.11, "green"),
    ("年底前完成", "2027.3", "red"), ("2027年6月底前完成", 2027.5, "green"),
    # 2026.10 typed into a number cell is kept as 2026.1: January or October, graded where both read the same
    ("12月底前完成", 2026.1, "green"), ("2026年底前完成", 2028.1, "red"), ("年底前完成", "2026.10", "green"),
])
def test_a_year_and_month_typed_as_a_number_is_a_date(target, forecast, grade):
    result = timeliness(target, forecast)
    assert result.forms[0].indicators[0].grade == grade
    assert not {"R207", "R208", "R209", "R211"} & {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target", ["12月底前完成", "10月底前", "2026年底前完成", "12月31日前完成", "年底前完成"])
@pytest.mark.parametrize("forecast", [0, 50, 13, 2026.13, 1850.5, "截至6月30日尚未开工"])
def test_a_deadline_answer_that_cannot_be_placed_is_always_said(target, forecast):
    """No deviation escapes unsaid: a number no date reads, against a date to finish by, was no grade and no finding;
    and it is said as what it is, no date (R216), not as a number for words (R208) or text for a number (R207)."""
    result = timeliness(target, forecast)
    assert result.forms[0].indicators[0].grade is None
    [r216] = [d.message for d in result.diagnostics if d.code[:2] == "R2"]
    assert r216.startswith(f"指标“指标甲”的目标是“{target}”，全年预计完成情况“") and "看不出能否按期完成" in r216
    assert "None" not in r216 and ".0”" not in r216 and "请写明预计完成的时间（如“预计11月完成”" in r216


def test_a_year_and_month_that_may_be_january_or_october_is_said_where_the_two_differ():
    """2026.1 in a number cell was typed 2026.1 (January) or 2026.10 (October): against 6月30日前完成 the one is in
    time and the other months late, so it is not graded green on a guess, but said (R211)."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "时效指标", "指标甲", "6月底前完成", 2026.1, 2026.1, "受工期影响", "√",
                                     None, None, None]])
    result = check_sheets({"表1": grid}, PROFILE)
    assert result.forms[0].indicators[0].grade is None
    assert [d.message for d in result.diagnostics if d.code[:2] == "R2"] == [
        "指标“指标甲”的目标是“6月底前完成”，全年预计完成情况“2026.1”看不出能否按期完成，无法判断红黄绿，偏差可能因此漏报。"
        "请写明预计完成的时间（如“预计11月完成”“已于5月完成”“预计2027年3月完成”）。"]


@pytest.mark.parametrize("tick, grade, graded", [
    (9, "red", "只能按完成目标可能性“完全不可能”评为红灯。"),
    (8, "yellow", "只能按完成目标可能性“有可能”评为黄灯，实际偏差可能更大。")])
@pytest.mark.parametrize("target, forecast, code", [
    ("12月底前完成", "6月起停工", "R216"), ("有效消除", "工作推进中", "R211")])
def test_a_forecast_no_level_fits_is_not_said_ungraded_where_its_likelihood_grades_it(
        tick, grade, graded, target, forecast, code):
    """6月起停工 against 12月底前完成, ticked 完全不可能: R216 said 无法判断红黄绿，偏差可能因此漏报 while G201, on the same
    cell, said 为红灯; it says the grade is the likelihood's, and still asks for the date."""
    row = ["产出指标", "时效指标", "指标甲", target, forecast, forecast, "受工期影响", None, None, None, None]
    row[tick] = "√"  # 完成目标可能性: 确定能 7, 有可能 8, 完全不可能 9
    result = check_sheets({"表1": project_grid(funding=SAMPLE_FUNDING, indicators=[row])}, PROFILE)
    assert result.forms[0].indicators[0].grade == grade
    [said] = [d.message for d in result.diagnostics if d.code == code]
    assert graded in said and "无法判断红黄绿" not in said and "漏报" not in said
    assert {"G201" if grade == "red" else "G202"} <= {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target", [
    # a fixed list of bad things missed these, or its lookahead took 无机动车事故 for 无机…: 0 was green and 2 red before
    # it, and both were R208 and ungraded after
    "零就业家庭动态清零", "无重复资助", "无漏发错发", "零差评", "无新增隐性债务", "无坏账", "无虚假", "零误差", "无失泄密",
    "无机动车事故", "零遗漏", "零积压", "无积压", "无超期", "无遗漏", "无套取", "无负面报道", "零死角", "无盲区", "零漏洞",
    "无地质灾害", "无病虫害", "无黑臭水体", "无土地纠纷", "无烟花爆竹事故",
    # a word of its own, then none all the same
    "零售网点安全事故为零", "无人机作业安全事故为零", "无障碍设施投诉清零",
])
def test_none_of_anything_is_a_count_of_none(target):
    for answer, grade in (("0", "green"), ("0起", "green"), ("2", "red"), ("2起", "red")):
        grid = project_grid(funding=SAMPLE_FUNDING,
                            indicators=[["产出指标", "社会效益指标", "指标甲", target, answer, answer, "见说明", "√", None,
                                         None, None]])
        result = check_sheets({"表1": grid}, PROFILE)
        assert result.forms[0].indicators[0].grade == grade, (target, answer)
        assert "R208" not in {d.code for d in result.diagnostics}, (target, answer)


@pytest.mark.parametrize("target", ["无人机巡检", "无菌手术", "无缝衔接", "无烟单位创建", "无土栽培推广", "无息贷款发放",
                                    "无机肥推广", "无人值守站点", "零部件更换", "零件供应", "零散务工人员", "零距离服务",
                                    "零基础学员培训", "零容忍腐败", "无差别受理", "无证明城市建设"])
def test_a_word_of_its_own_after_none_is_no_count_either(target):
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "数量指标", "指标甲", target, "2", "2", None, "√", None, None, None]])
    result = check_sheets({"表1": grid}, PROFILE)
    assert result.forms[0].indicators[0].grade is None
    assert "R208" in {d.code for d in result.diagnostics}


@pytest.mark.parametrize("target, forecast, code", [
    ("12月底前完成", "20天", "R216"), ("12月底前完成", "3周", "R216"), ("12月底前完成", "截至6月30日尚未开工", "R216"),
    ("12月31日前完成", 100, "R216"), ("12月31日前完成", "截至6月30日尚未开工", "R216"), ("12月底前完成", 0, "R216"),
    # a number that is a date, of which the target is not sure (2026.1: January or October), was a number for words
    ("6月30日前完成", 2026.1, "R216"), ("三季度前完成", "预计8月完成", "R216"),
])
def test_a_deadline_answer_that_cannot_be_placed_is_said_once(target, forecast, code):
    """One finding for the forecast cell: 20天 against 12月底前完成 is another unit (R209), not also ungraded (R211)."""
    grid = project_grid(funding=SAMPLE_FUNDING,
                        indicators=[["产出指标", "时效指标", "指标甲", target, "推进中", forecast, "受工期影响", "√",
                                     None, None, None]])
    result = check_sheets({"表1": grid}, PROFILE)
    cell = result.forms[0].indicators[0].cells["forecast"]
    assert [d.code for d in result.diagnostics if d.cell == cell and d.code[:2] == "R2"] == [code]


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # read as 6 in the unit 月已完成一期二期预计明年, this was green: 6月 by 12月底
    ("12月底前完成", "6月已完成一期，二期预计明年完成", "yellow", "G202"),
    ("年底前完成", "6月已完成一期，二期预计明年完成", "yellow", "G202"),
    ("12月底前完成", "3月开工，预计11月完成", "green", None), ("12月底前完成", "6月已完成", "green", None),
])
def test_a_clause_after_a_number_is_read_as_words_and_dates(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} if finding else set())


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # the 完成 of a stage was tied to its date, or read as words, as if the whole job were done: all green
    ("年底前完工", "6月已完成招标", None, "R216"), ("年底前完工", "三季度已完成招标", None, "R216"),
    ("年底前完工", "已完成设计", None, "R216"), ("年底前完成", "已完成前期工作", None, "R216"),
    ("年底前完成", "预计11月完成一期", None, "R216"), ("年底前完成", "已完成项目招标", None, "R216"),
    ("年底前完工", "已于5月完成立项", None, "R216"), ("年底前完工", "招标已完成", None, "R216"),
    ("年底前完工", "一期工程已于6月完工", None, "R216"), ("十二月底前完成", "已完成采购", None, "R216"),
    # the stage the target names, the whole job, or finishing said after a stage, stay green
    ("6月底前完成招标", "已于5月完成招标", "green", None), ("12月底前全部完工", "预计11月完工", "green", None),
    ("年底前完成", "截至6月底已完成招标，预计年底完工", "green", None), ("年底前完成", "预计11月完成全部建设任务", "green", None),
    ("年底前完成", "预计11月完成项目建设", "green", None), ("年底前完工", "预计10月完工并投入使用", "green", None),
    ("年底前完成", "预计11月完成竣工验收", "green", None), ("年底前完成", "预计12月完成验收并交付使用", "green", None),
    ("年底前拨付到位", "预计11月完成资金拨付", "green", None),
    ("一期工程年底前完工", "一期工程预计11月完工", "green", None),
    # the job itself, not a stage of it, whatever it is called; a main structure is a stage
    ("年底前完成", "已完成校舍维修改造", "green", None), ("年底前完成", "预计11月完成设备采购并投入使用", "green", None),
    ("年底前完成", "已完成基础设施建设", "green", None), ("年底前完成", "已按合同完成", "green", None),
    ("年底前完成", "按合同约定如期完成", "green", None), ("年底前完成", "已完成全部批次", "green", None),
    ("年底前完成", "预计11月完成主体工程", None, "R216"),
    # a part of the year's work is a stage too, only as what is done, not when
    ("年底前完成", "已完成三季度工作", None, "R216"), ("年底前完成", "已完成上半年任务", None, "R216"),
    ("年底前完成", "预计三季度完成", "green", None), ("年底前完成", "已完成全年工作任务", "green", None),
    ("十二月底前完成", "完工时间为2026年11月", "green", None), ("年底前完成", "6月已完成招标，预计11月完工", "green", None),
])
def test_a_stage_finished_is_not_the_job_finished(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} if finding else set())


@pytest.mark.parametrize("forecast", [
    "6月已完成招投标", "已完成施工图审查", "已完成征地拆迁", "已完成可行性研究", "已完成环评", "合同签订已完成", "已完成开标",
    "已完成施工许可办理", "已完成基础施工", "已完成清表", "已完成部分工程", "已完成首批", "已完成第一批", "已完成试点",
    "已完成备案", "已完成询价", "已完成需求调研", "已完成项目申报"])
def test_more_stages_and_parts_are_not_the_job_finished(forecast):
    """Each was green against 年底前完工, as if the job were done."""
    assert graded_and_said("年底前完工", forecast) == (None, {"R216"})


@pytest.mark.parametrize("forecast", [
    "已完成竣工验收备案", "已完成竣工备案", "已完成各部分建设内容", "已完成全部分项工程"])
def test_the_whole_job_is_no_stage_for_holding_a_stage_word(forecast):
    """Filing after acceptance (竣工验收备案) ends the job, and 各部分 or 全部分项 is every part: each lost its green to
    备案 and 部分 taken for stages, and was R216."""
    assert graded_and_said("年底前完工", forecast) == ("green", set())


@pytest.mark.parametrize("name, target, forecast, grade", [
    # a stage the indicator's name says is the job was a stage done, never green
    ("招标完成时间", "6月底前完成", "已于5月完成招标", "green"), ("可行性研究报告编制完成时间", "9月底前完成", "已完成可行性研究", "green"),
    ("项目申报及时性", "3月底前完成", "已于3月完成项目申报", "green"), ("招标完成时间", "6月底前完成", "预计8月完成招标", "red"),
    # and still a stage where the name is of the job
    ("项目完工时间", "年底前完成", "已完成施工图设计", None),
])
def test_a_stage_the_indicator_names_is_its_job(name, target, forecast, grade):
    assert graded_and_said(target, forecast, name)[0] == grade


@pytest.mark.parametrize("target, forecast, grade", [
    # finishing said in the target's own words, not 完成, was no level: ungraded, R216 asking for a date
    ("年底前完工", "已完工", "green"), ("年底前完工", "已竣工", "green"), ("12月31日前完成", "已投入使用", "green"),
    ("年底前拨付到位", "已拨付到位", "green"), ("12月31日前完成", "已办结", "green"), ("年底前完工", "已全部完工", "green"),
    ("年底前完工", "已交付使用", "green"), ("按期完成", "已竣工", "green"), ("达成", "已建成", "green"),
    # and the same words still read negated, partly, late or of a stage
    ("年底前完工", "未完工", "red"), ("年底前完工", "尚未竣工", "red"), ("年底前完工", "部分完工", "yellow"),
    ("年底前完工", "基本完工", "yellow"), ("年底前完工", "预计2027年3月竣工", "red"), ("年底前完工", "主体已完工", None),
    ("年底前完工", "一期已完工", None), ("年底前拨付到位", "已拨付50%", None),
])
def test_finishing_in_other_words_than_完成_is_finishing(target, forecast, grade):
    assert graded_and_said(target, forecast)[0] == grade


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # work said to have begun, with no date, was no date and no level (R216); of a 1-6月 form it began by 30 June
    ("9月30日前开工", "已开工", "green", None), ("9月30日前开工", "已全面开工建设", "green", None),
    ("9月30日前开工", "项目已正式启动", "green", None),
    # a date after it is the finishing's, not the start's: it was red against 9月30日前开工
    ("9月30日前开工", "已开工，预计年底完工", "green", None),
    # due before 30 June it may have begun in time or not; not begun is no start; finishing's target is not met by it
    ("3月31日前开工", "已开工", None, "R216"), ("9月30日前开工", "尚未开工", None, "R216"),
    ("年底前完工", "已开工", None, "R216"), ("9月30日前开工", "预计11月开工", "red", "G201"),
])
def test_work_begun_by_the_forms_date_meets_a_date_to_begin_by(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} - {None})


@pytest.mark.parametrize("name, forecast", [
    ("设计及施工完成时间", "已完成设计"), ("招标和建设完成时间", "6月已完成招标"), ("前期工作与工程实施完成时限", "已完成前期工作"),
    ("采购、安装调试完成时间", "已完成设备采购")])
def test_a_stage_the_indicator_names_beside_other_work_is_not_the_job(name, forecast):
    """The name's first stage was taken for the whole job: design done was green for 设计及施工完成时间."""
    assert graded_and_said("年底前完成", forecast, name) == (None, {"R216"})


@pytest.mark.parametrize("target, forecast, grade", [
    ("按期完成", "已完成招标", None), ("按计划完成", "已完成设计", None), ("按期完成", "已完成年度目标任务", "green"),
    ("按期完成", "已全部完成", "green"), ("按期完成", "已完成校舍维修改造", "green"), ("按期完成", "已完成培训", "green"),
    ("按计划完成", "已完成补助资金发放", "green"), ("按期完成", "已完成设备采购并投入使用", "green"),
])
def test_a_stage_finished_is_not_the_job_finished_in_words(target, forecast, grade):
    assert grade_indicator(ind("qualitative", None, forecast, target=target), 0.5, PROFILE, 2026) == grade


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # a target not read as a deadline was words, and a forecast finishing after the form's year green for its 完成
    ("按期完成", "预计2027年3月完成", "red", "G201"), ("按期完成", "预计明年完成", "yellow", "G202"),
    ("按期完成", "预计次年一季度完成", "red", "G201"), ("按计划完成", "延期至2027年6月完工", "red", "G201"),
    ("一季度完成招标、四季度完工", "预计明年完成", "yellow", "G202"),
    ("一季度完成招标、四季度完工", "预计2027年3月完成", "red", "G201"),
    ("按期完成", "已完成", "green", None), ("按期完成", "预计于11月完成", "green", None),
    ("按期完成", "预计2026年12月完成", "green", None), ("按期完成", "已完成，明年开始运营", "green", None),
    # 一期 is the name of a phase, not a count: the target is a deadline
    ("十二月底前完成一期工程", "预计2027年3月完成", "red", "G201"), ("十二月底前完成一期工程", "预计明年完成", "yellow", "G202"),
    ("十二月底前完成一期工程", "预计十一月完成", "green", None),
    ("三季度完成一期工程建设", "预计2027年3月完成", "red", "G201"), ("三季度完成一期工程建设", "预计8月完成", "green", None),
    ("三季度完成一期工程建设", "预计11月完成", "red", "G201"),
])
def test_a_forecast_finishing_after_the_forms_year_is_never_green(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} if finding else set())


def test_a_phase_name_is_no_count_but_a_count_stays_one():
    assert deadline("十二月底前完成一期工程") == (None, 0, 12, None)
    assert deadline("三季度完成一期工程建设") == (None, 0, 9, None)
    assert deadline("十二月底前完成第二批") == (None, 0, 12, None)
    assert [deadline(t) for t in ("三季度培训三次", "三季度完成培训三次", "三季度完成培训三期", "十二月底前完成两个")] == [None] * 4


def test_a_forecast_in_a_later_year_with_no_year_for_the_form_is_not_green():
    assert grade_indicator(ind("qualitative", None, "预计明年完成", target="按期完成"), 0.5, PROFILE) is None
    assert grade_indicator(ind("qualitative", None, "已完成", target="按期完成"), 0.5, PROFILE) == "green"


@pytest.mark.parametrize("target, forecast, grade, finding", [
    # a count after the date: the bare number was read as a month (2 as February), and green
    ("12月底前完成培训三次", 2, None, "R216"), ("年内完成培训三次", 2, None, "R216"), ("年内完成培训三次", 3, None, "R216"),
    ("年底前建成两个站点", 1, None, "R216"), ("12月底前完成培训三次", 11, None, "R216"),
    # a date, or words, still answer it
    ("12月底前完成培训三次", "预计于11月完成", "green", None), ("年内完成培训三次", "预计2027年3月完成", "red", "G201"),
    # a phase name is no count: a bare number is still its month
    ("十二月底前完成一期工程", 11, "green", None), ("12月底前完成统一平台建设", 11, "green", None),
    # the count in its own measure is graded as a count: 2次 was a number against words (R208), ungraded
    ("年内完成培训三次", "2次", "red", "G201"), ("年内完成培训三次", "3次", "green", None),
    ("12月底前完成培训十二次", "11次", "yellow", "G202"), ("年底前建成两个站点", "2个", "green", None),
    ("年内完成培训三次", "2场", None, "R216"),
])
def test_a_number_against_a_count_by_a_date_is_no_month(target, forecast, grade, finding):
    assert graded_and_said(target, forecast) == (grade, {finding} if finding else set())


def test_a_number_against_a_count_by_a_date_is_asked_for_its_date_or_count():
    """2 against 年内完成培训三次 was "请用“达成”“部分达成”“未达成”等说法填写", and 6月起停工 against 12月底前完工 was text for
    a number (R207) or another unit than 月底前完工 (R209)."""
    said = {forecast: [d.message.split("。")[-2] for d in timeliness(target, forecast).diagnostics if d.code[:2] == "R2"]
            for target, forecast in (("年内完成培训三次", 2), ("12月底前完工", "6月起停工"), ("12月底前完工", "6月已完成招标"))}
    assert said == {2: ["请写明预计完成的时间或数量（如“预计11月完成”“3次”）"],
                    "6月起停工": ["请写明预计完成的时间（如“预计11月完成”“已于5月完成”“预计2027年3月完成”）"],
                    "6月已完成招标": ["请写明预计完成的时间（如“预计11月完成”“已于5月完成”“预计2027年3月完成”）"]}


@pytest.mark.parametrize("target, begins", [("9月30日前开工", "开工"), ("6月底前启动", "启动"),
                                            ("3月底前完成招标，6月底前开工建设", "开工")])
def test_a_date_to_begin_by_is_asked_for_when_it_begins(target, begins):
    """R216 asked whether a start date would be "按期完成" and for the date the work finishes (预计11月完成)."""
    [said] = [d.message for d in timeliness(target, "正在办理前期手续").diagnostics if d.code == "R216"]
    assert f"看不出能否按期{begins}，" in said and said.endswith(
        f"请写明预计{begins}的时间（如“预计11月{begins}”“已于5月{begins}”“预计2027年3月{begins}”）。")


@pytest.mark.parametrize("unit", ["百分比", "％"])
def test_a_percent_cell_against_a_unit_column_of_percent_in_words_or_full_width(unit):
    """98 with 百分比 (or ％) in the 计量单位 column, and 94.4% typed into a %-formatted 全年预计 cell (Excel keeps
    0.944): 0.944 was read against 98 as it is, red, and said "全年预计 0.944百分比"; it is 94.4%, yellow."""
    indicators = [["产出指标", "质量指标", "验收合格率", "＝", 98, unit, None, 0.944, None, "√", None, None, None]]
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=indicators)
    at = next(i for i, r in enumerate(grid) if len(r) > 2 and r[1] == "一级指标")
    grid[at] = ["绩效指标", "一级指标", "二级指标", "三级指标", "计算符号", "年度指标值", "计量单位", "1-6月指标完成情况",
                "全年指标预计完成情况", "偏差原因分析", "完成目标可能性“√”", None, None, "备注"]
    grid[at + 1] = [None] * 10 + ["确定能", "有可能", "完全不可能"]
    result = check_sheets({"表1": grid}, PROFILE)
    assert result.forms[0].indicators[0].grade == "yellow"
    assert [d.message for d in result.diagnostics if d.code in ("G201", "G202")] == [
        f"指标“验收合格率”目标 =98{unit}，全年预计 94.4{unit}，为黄灯。"]
