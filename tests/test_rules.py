"""Every rule fires at the right cell on a faulty form and stays silent on a correct one."""

from __future__ import annotations

import copy

import pytest

from handmade import DEPARTMENT_SOURCES, SAMPLE_FUNDING, SAMPLE_INDICATORS, department_grid, project_grid
from xlmon.check import check_sheets
from xlmon.grid import Uncached, parse_address
from xlmon.profile import load_profile

PROFILE = load_profile()


def run(grid=None, *, funding=None, indicators=None, profile=PROFILE, **kw):
    grid = grid or project_grid(funding=funding or SAMPLE_FUNDING,
                                indicators=SAMPLE_INDICATORS if indicators is None else indicators, **kw)
    result = check_sheets({"表1": grid}, profile)
    return result.forms[0], result.diagnostics


def codes_at(diags, code):
    return [d.cell for d in diags if d.code == code]


def indicators_with(index: int, **changes) -> list[list]:
    rows = copy.deepcopy(SAMPLE_INDICATORS)
    names = ["level1", "level2", "level3", "target", "actual", "forecast", "reason", "sure", "maybe", "never", "remark"]
    for key, value in changes.items():
        rows[index][names.index(key)] = value
    return rows


def test_correct_form_has_no_errors_or_warnings():
    form, diags = run()
    assert [d for d in diags if d.severity in ("error", "warning")] == []
    assert form.grade in ("green", "yellow")


RULE_CASES = {
    # code: (indicator row index, changes, field whose cell must be named)
    "R101": (5, {"level1": "满意指标"}, "level1"),
    "R102": (1, {"level2": "经济效益指标"}, "level2"),
    "R103": (2, {"level3": None}, "level3"),
    "R104": (2, {"target": None}, "target"),
    "R106": (1, {"forecast": None}, "forecast"),  # no forecast: the indicator cannot be graded
    "R207": (0, {"forecast": "基本完成"}, "forecast"),
    "R208": (3, {"actual": 80}, "actual"),
    "R209": (0, {"forecast": "1250人"}, "forecast"),
    "R301": (0, {"forecast": "500平方米", "maybe": None, "sure": "√"}, "reason"),
    "R302": (1, {"maybe": "√"}, "likelihood_sure"),
    "R303": (4, {"sure": None, "never": "√"}, "remark"),
}



def test_a_level_merged_down_its_indicators_is_named_once_where_it_was_typed():
    """产出 typed for 产出指标 in the template's 一级 cell merged down three indicators (B17:B19): R101 said it three
    times, at B17 and at B18 and B19, which hold nothing (Excel keeps a merged cell's value in its first), and counted
    three errors for one slip. It is said once, at the cell typed; so is a 二级 merged down its indicators."""
    rows = indicators_with(0, level1="产出")
    rows[1][0] = rows[2][0] = "产出"
    rows[1][1] = rows[2][1] = "数量指标"
    rows[0][1] = rows[1][1] = rows[2][1] = "数量"
    _, diags = run(indicators=rows)
    assert (codes_at(diags, "R101"), codes_at(diags, "R102")) == (["B17"], []), [d.line() for d in diags]
    rows = indicators_with(0, level2="数量")
    rows[1][1] = "数量"
    _, diags = run(indicators=rows)
    assert codes_at(diags, "R102") == ["C17"], [d.line() for d in diags]
    rows[1][1] = "质量"  # typed in a cell of its own: said there too
    _, diags = run(indicators=rows)
    assert codes_at(diags, "R102") == ["C17", "C18"], [d.line() for d in diags]


def test_a_boolean_cell_is_quoted_as_excel_shows_it():
    """A 全年预计 or 完成情况 of TRUE (typed true, which Excel makes a boolean, or linked to a check box) was quoted
    “True”, as Python writes it, and a reviewer looked in the form for a True that Excel shows as TRUE."""
    _, diags = run(indicators=indicators_with(0, actual=True, forecast=False))
    said = {d.cell: d.message for d in diags if d.code == "R207"}
    assert len(said) == 2 and "填写了“TRUE”" in said["F17"] and "填写了“FALSE”" in said["G17"]
    assert not [d for d in diags if "True" in d.message or "False" in d.message]

def test_a_target_typed_in_three_columns_is_quoted_with_its_sign_and_unit_where_a_number_is_asked_for():
    """≤ | 180 | 天 in 计算符号 | 年度指标值 | 计量单位 answered 未知: R207 said 目标是定量的（180）, the number alone, where
    G201 and 指标偏差 quote the target as ≤180天; a reader could not tell a ceiling from a floor."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=[])
    header = next(i for i, row in enumerate(grid) if "一级指标" in row)
    grid[header] = [None, "一级指标", "二级指标", "三级指标", "计算符号", "年度指标值", "计量单位",
                    "1-6月指标完成情况", "全年指标预计完成情况", "偏差原因分析", "确定能", "有可能", "完全不可能", "备注"]
    grid[header + 1:header + 1] = [[None, "产出指标", "时效指标", "完工时间", "≤", 180, "天", 90, "未知", None, "√"]]
    _, diags = run(grid)
    [said] = [d.message for d in diags if d.code == "R207"]
    assert "目标是定量的（≤180天）" in said, said


def test_a_completion_typed_on_a_row_with_no_name_and_no_target_is_pointed_out():
    """A unit filling the template's pre-listed 数量指标 row typed its 完成情况 and 全年预计 and ticked 确定能 but left
    三级指标 and 年度指标值 blank: the row was passed over as an empty line of the template, the values lost in silence.
    It is R103 at its 三级指标 cell, as a row with its target typed is; a row holding nothing is still no indicator."""
    form, diags = run(indicators=indicators_with(0, level3=None, target=None))
    assert codes_at(diags, "R103") == [form.indicators[0].cells["level3"]] == ["D17"], [d.line() for d in diags]
    _, diags = run(indicators=[*SAMPLE_INDICATORS, ["满意度指标", "服务对象满意度指标", None, None, None, None, None,
                                                    None, None, None, None]])
    assert "R103" not in {d.code for d in diags}


def test_nothing_written_is_no_reason_and_no_measure():
    """“无” or “/” in 偏差原因分析 of a red indicator, and in 备注 of one judged 完全不可能, passed footnotes 1 and 3
    (R301, R303) with 错误 0 个. A reason is asked for where only the likelihood makes an indicator yellow too, but
    not as 偏离目标, which its forecast is not."""
    for nothing in ("无", "/", "暂无。", " — "):
        rows = indicators_with(0, forecast="500平方米", reason=nothing, sure=None, never="√", remark=nothing)
        form, diags = run(indicators=rows)
        assert codes_at(diags, "R301") == [form.indicators[0].cells["reason"]]
        assert codes_at(diags, "R303") == [form.indicators[0].cells["remark"]]
        assert "偏离目标" in next(d.message for d in diags if d.code == "R301")
    _, diags = run(indicators=indicators_with(0, reason="材料到货延迟", sure=None, never="√", remark="拟申请调减目标"))
    assert not {"R301", "R303"} & {d.code for d in diags}
    form, diags = run(indicators=indicators_with(0, sure=None, maybe="√"))  # 1250 against ≥1200, judged 有可能
    [d] = [d for d in diags if d.code == "R301"]
    assert "偏离目标" not in d.message and "判断为“有可能”" in d.message


def test_sure_against_a_red_forecast_is_queried():
    """500 of ≥1200平方米 forecast, ticked 确定能: one of the two is wrong (the grade follows the forecast), which a
    reviewer queries; nothing said it."""
    form, diags = run(indicators=indicators_with(0, forecast="500平方米", reason="材料延迟"))
    assert codes_at(diags, "R304") == [form.indicators[0].cells["likelihood_sure"]]
    assert not codes_at(run()[1], "R304")
    assert not codes_at(run(indicators=indicators_with(0, forecast="500平方米", reason="材料延迟", sure=None,
                                                       never="√", remark="调减目标"))[1], "R304")


@pytest.mark.parametrize("code", RULE_CASES)
def test_indicator_rules_fire_at_the_cell(code):
    index, changes, field = RULE_CASES[code]
    form, diags = run(indicators=indicators_with(index, **changes))
    ind = next(i for i in form.indicators if i.row == form.indicators[0].row + index)
    assert codes_at(diags, code) == [ind.cells[field]], [d.line() for d in diags]
    assert all(d.message for d in diags if d.code == code)


def test_no_mark_is_reported_too():
    form, diags = run(indicators=indicators_with(2, sure=None))
    assert any(d.code == "R302" and "未勾选" in d.message for d in diags)


@pytest.mark.parametrize("deadline", ["2026年12月31日前完成", "12月31日前完成", "年底前完成", "2026年10月底前完工"])
def test_a_date_to_finish_by_is_a_quantified_target_however_it_is_written(deadline):
    """时效指标 state a date: 12月底前完成 counted as quantified for R111 and 2026年12月31日前完成 did not, so a form
    whose 时效指标 were written with their year fell short of the share of quantified indicators."""
    rows = [["产出指标", "数量指标", "培训人数", "≥100人", None, "120人", None, "√", None, None, None],
            ["产出指标", "时效指标", "完成时间", deadline, None, "10月完成", None, "√", None, None, None],
            ["产出指标", "时效指标", "验收时间", deadline, None, "10月完成", None, "√", None, None, None],
            ["满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", None, "95%", None, "√", None, None, None]]
    _, diags = run(indicators=rows)
    assert "R111" not in {d.code for d in diags}
    rows[1][3] = rows[2][3] = "按期完成"  # no date: not quantified
    _, diags = run(indicators=rows)
    assert "R111" in {d.code for d in diags}


@pytest.mark.parametrize("period", ["（1-6月）", "(1—6月)", "1-6月", "（一至六月）"])
def test_a_period_typed_without_its_year_is_named_where_the_year_is_to_be_added(period):
    """（1-6月） below a title that gives no year: S103 asked for the year at A1, the title, which the unit need not
    touch; the line to complete is A2. A form with no such line is still asked at its title."""
    _, diags = run(period=period, title="项目支出绩效运行监控表")
    assert codes_at(diags, "S103") == ["A2"], [d.line() for d in diags]
    _, diags = run(period=None, title="项目支出绩效运行监控表")
    assert codes_at(diags, "S103") == ["A1"], [d.line() for d in diags]


def test_a_period_typed_without_its_year_is_the_units_period_against_its_headers():
    """（1-5月） typed without its year above a table headed 1-6月下达数 (June's template filled with May's figures,
    or the line left from May): the form was read as 1-6月 and S103 asked to complete （1-5月） as “（2026年1-6月）”,
    the line's months unread. The line is the period the unit stated: S105 says the headers disagree, and S103 asks
    for its year with its months; with no months in the headers the form is 1-5月, where it had no period (S101)."""
    form, diags = run(period="（1-5月）", title="项目支出绩效运行监控表")
    assert form.months == 5 and codes_at(diags, "S103") == ["A2"] and codes_at(diags, "S105"), [d.line() for d in diags]
    assert "只读到 1-5月" in next(d.message for d in diags if d.code == "S103")
    form, diags = run(period="（1-6月）", title="项目支出绩效运行监控表")
    assert form.months == 6 and not codes_at(diags, "S105"), [d.line() for d in diags]
    form, diags = run(period="（1-5月）\n金额单位：万元", title="项目支出绩效运行监控表")  # the unit beside it
    assert form.months == 5 and codes_at(diags, "S103") == ["A2"], [d.line() for d in diags]
    grid = project_grid(period="（1-5月）", title="项目支出绩效运行监控表", funding=SAMPLE_FUNDING,
                        indicators=SAMPLE_INDICATORS)
    plain = [[v.replace("1-6月", "") if isinstance(v, str) else v for v in row] for row in grid]  # headers: 下达数
    form, diags = run(plain)
    assert form.months == 5 and not codes_at(diags, "S101"), [d.line() for d in diags]


def test_header_fields_required():
    form, diags = run(project="", unit=None)
    assert sorted(d.message for d in diags if d.code == "R105") == sorted(
        ["表头“项目名称”未填写，请补填。", "表头“预算单位”未填写，请补填。"])
    assert codes_at(diags, "R105") == [form.cells["project"], form.cells["unit"]]


def test_a_blank_header_value_is_pointed_out_where_it_is_to_be_typed():
    """R105 (表头未填写) pointed at the label (项目名称 in A3), which the unit must not change, not at C3, where the
    name is to be typed: the grid knows no merges (项目名称 spans A3:B3). A value stands in the column the form's
    other header values stand in right of a label in the same column; on a form laid out as our template, where the
    template has it; else right beside its label."""
    _, diags = run(project="")
    assert codes_at(diags, "R105") == ["C3"], [d.line() for d in diags]
    _, diags = run(department=None)
    assert codes_at(diags, "R105") == ["C4"], [d.line() for d in diags]
    _, diags = run(project=None, department=None, unit=None)
    assert sorted(codes_at(diags, "R105")) == ["C3", "C4", "I4"], [d.line() for d in diags]
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project=None, department=None, unit=None)
    grid.insert(0, ["填报单位自制"])  # not where the template puts it: beside each label
    _, diags = run(grid)
    assert sorted(codes_at(diags, "R105")) == ["B4", "B5", "I5"], [d.line() for d in diags]


def test_goal_review_thresholds():
    few = [SAMPLE_INDICATORS[0], SAMPLE_INDICATORS[3]]
    form, diags = run(indicators=few)
    found = {d.code for d in diags}
    assert {"R112", "R113", "R114"} <= found and "R111" in found  # 1 of 2 quantified = 50 %
    assert codes_at(diags, "R114") == [form.cells["indicators"]]
    # the targets are the approved ones (seed 004: 对照批复的绩效目标): improved through the finance bureau, not
    # rewritten on the monitoring form, which R111 told units to do
    said = {d.code: d.message for d in diags}
    assert "不要自行改写" in said["R111"] and all("报财政部门审核确认" in said[c] for c in ("R111", "R112", "R113", "R114"))
    relaxed = PROFILE.model_copy(update={"goal_review": PROFILE.goal_review.model_copy(
        update={"min_level1": 2, "min_level2": 2, "min_level3": 2, "min_quantified_share": 0.5})})
    _, diags = run(indicators=few, profile=relaxed)
    assert not {"R111", "R112", "R113", "R114"} & {d.code for d in diags}


def funding_with(row: str, values: list) -> dict:
    funding = dict(SAMPLE_FUNDING)
    funding[row] = values
    return funding


@pytest.mark.parametrize("code, row, values, field", [
    ("R201", "其他资金", [None, -5, None, None, None, None, None, None], "current"),
    ("R203", "中央财政资金", [None, 100, None, 120, None, 60, None, 100], "issued"),
    ("R204", "中央财政资金", [None, 100, None, 50, None, 60, None, 100], "spent"),
    ("R205", "中央财政资金", [None, 100, None, 100, None, 120, None, 130], "spent"),
    ("R213", "中央财政资金", [None, 100, None, 100, None, 60, None, 130], "forecast"),
    ("R214", "中央财政资金", [None, 100, None, 100, None, 60, None, 50], "forecast"),
    ("R206", "其他资金", [None, None, None, None, None, 8, None, None], "spent"),
])
def test_number_rules_fire_at_the_cell(code, row, values, field):
    funding = funding_with(row, values)
    funding["资金总额"] = [None] * 8  # let xlmon sum the sources
    form, diags = run(funding=funding)
    target = next(r for r in form.funding if r.row == row)
    assert target.cells[field] in codes_at(diags, code), [d.line() for d in diags]


def test_issued_above_the_budget_is_pointed_out_at_the_issued_amount():
    """R203 asks the unit to check its 下达数 (or the budget's adjustment), but pointed at 下达率, a cell the template
    works out by formula, which the unit does not type and cannot correct: it points at the 下达数 typed."""
    funding = {"资金总额": [None] * 8, "市级财政资金": [None, 100, None, 120, None, 60, None, 100]}
    form, diags = run(funding=funding)
    city = next(r for r in form.funding if r.row == "市级财政资金")
    assert city.cells["issued"] in codes_at(diags, "R203"), [d.line() for d in diags]
    assert not {r.cells["issue_rate"] for r in form.funding} & set(codes_at(diags, "R203"))


def test_spending_of_last_years_money_is_not_spending_above_what_was_issued():
    """结转 300 + 本年 700, 下达 700, 支出 750: 支出进度 counts 上年结转, which no 下达数 holds, so R204 (支出数超过下达数)
    fired on every project with a carryover; counting it in 下达数 drew R203 instead. 支出数 beyond both is R204.
    A forecast beyond the budget is a forecast (R213, a warning), not 超预算开支 (R205, of 支出数)."""
    funding = {"资金总额": [None] * 8, "市级财政资金": [300, 700, 1000, 700, 1, 750, 0.75, 1000]}
    diags = run(funding=funding)[1]
    assert not {"R203", "R204", "R205", "R213"} & {d.code for d in diags}
    funding["市级财政资金"] = [300, 700, 1000, 700, 1, 1050, 1.05, 1100]
    codes = {d.code: d for d in run(funding=funding)[1]}
    assert "下达数 700.00 万元与上年结转 300.00 万元之和 1,000.00 万元" in codes["R204"].message
    assert "R205" in codes and "R213" not in codes  # 支出数 over 小计: the breach, said once
    funding["市级财政资金"] = [300, 700, 1000, 700, 1, 750, 0.75, 1100]
    codes = {d.code: d for d in run(funding=funding)[1]}
    assert "R205" not in codes and codes["R213"].severity == "warning" and "超预算开支" not in codes["R213"].message


def test_spending_against_a_budget_that_cannot_be_read_is_no_spending_without_budget():
    """本年预算 typed as 待定 (N001) or a formula with no saved result (N006): 小计 is unknown, not 0, so 40 spent is
    not R206 无预算开支, on its row nor on 资金总额."""
    for budget in ("待定", Uncached("50+50")):
        funding = funding_with("其他资金", [None, budget, None, None, None, 40, None, None])
        funding["资金总额"] = [None] * 8
        form, diags = run(funding=funding)
        assert "R206" not in {d.code for d in diags}, [d.line() for d in diags]
        assert {"N001", "N006"} & {d.code for d in diags}
    funding = funding_with("其他资金", [None, None, None, None, None, 40, None, None])  # no budget at all: R206
    funding["资金总额"] = [None] * 8
    assert "R206" in {d.code for d in run(funding=funding)[1]}


def test_a_completion_from_a_percent_formatted_cell_is_quoted_as_graded():
    """0.8 in a cell formatted 0% (Excel shows 80%) is graded as 80% against ≥85%: yellow. Its message said
    全年预计 0.8%, which would be red; it says 80%."""
    indicators = [["产出指标", "质量指标", "验收合格率", "≥85%", 0.8, 0.8, "原因", None, "√", None, None]]
    _, diags = run(indicators=indicators)
    [g202] = [d for d in diags if d.code == "G202"]
    assert "全年预计 80%，为黄灯" in g202.message


def test_a_form_with_no_indicator_falls_short_of_every_count():
    """Goal and amounts filled in, not one indicator: it passed without a word, while one indicator drew R112-R114."""
    _, diags = run(indicators=[])
    said = {d.code: d.message for d in diags}
    assert {"R112", "R113", "R114"} <= set(said) and "填写了 0 个三级指标" in said["R114"]


def test_department_blocks_must_agree():
    from xlmon.templates import build_form, new_workbook

    wb = new_workbook()
    ws = wb.create_sheet("部门")
    out = build_form(ws, "department", year=2026, months=6, department="某市教育局（101001）",
                     indicator_counts={})
    values = {("source", "一般公共预算资金"): 500, ("source", "单位资金"): 100,
              ("spending", "基本支出"): 400, ("spending", "项目支出"): 150}
    grid = [[None if isinstance(c.value, str) and c.value.startswith("=") else c.value for c in row]
            for row in ws.iter_rows()]
    for key, value in values.items():
        r, c = parse_address(out.funding[key]["current"])
        grid[r][c] = value
    form, diags = run(grid)
    spending_total = form.total("spending")
    assert codes_at(diags, "R202") == [spending_total.cells["current"], spending_total.cells["subtotal"]]
    r, c = parse_address(out.funding[("spending", "项目支出")]["current"])
    grid[r][c] = 200
    _, diags = run(grid)
    assert not codes_at(diags, "R202")


def test_grades_in_json(capsys, tmp_path):
    import json

    from test_check import write_grid
    from xlmon.cli import main

    funding = funding_with("资金总额", [10, 300, 310, 200, None, 20, None, 305])
    funding["中央财政资金"] = [None, 100, 100, 100, None, 10, None, 100]
    funding["市级财政资金"] = [10, 200, 210, 100, None, 10, None, 205]
    path = write_grid(tmp_path / "slow.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS))
    main(["check", "--format", "json", str(path)])
    form = json.loads(capsys.readouterr().out)["files"][0]["forms"][0]
    grades = {r["row"]: r["grade"] for r in form["funding"]}
    assert (grades["资金总额"], grades["中央财政资金"], grades["市级财政资金"]) == ("red", "red", "red")
    assert grades["省级财政资金"] is None  # nothing to judge
    assert form["grade"] == "red"
    assert [i["grade"] for i in form["indicators"]][:4] == ["green", "green", "green", "yellow"]


def test_grade_findings_name_red_and_yellow_cells():
    funding = funding_with("资金总额", [None] * 8)
    funding["中央财政资金"] = [None, 100, None, 100, None, 5, None, 100]  # 45 pp behind: red
    funding["市级财政资金"] = [10, 200, None, 100, None, 70, None, 205]  # 16.7 pp behind: yellow
    rows = indicators_with(0, forecast="1000平方米", reason="施工队伍进场延迟")  # 16.7 % short: red
    form, diags = run(funding=funding, indicators=rows)
    central, city = (next(r for r in form.funding if r.row == n) for n in ("中央财政资金", "市级财政资金"))
    assert central.cells["spend_progress"] in codes_at(diags, "G101")
    assert city.cells["spend_progress"] in codes_at(diags, "G102")
    assert codes_at(diags, "G201") == [form.indicators[0].cells["forecast"]]
    assert codes_at(diags, "G202") == [form.indicators[3].cells["forecast"]]  # 有可能 lifts it to yellow
    assert "1000平方米" in next(d.message for d in diags if d.code == "G201")
    _, clean = run()
    assert not {"G101", "G201"} & {d.code for d in clean}


def test_amounts_typed_in_yuan_into_a_form_in_wan_are_suspected():
    """A unit copies 2,120,000 (元) from its accounts into a 万元 form: consolidated, its figures would be
    10,000 times too large; R210 warns at the largest amount, in 亿元 too so the size is plain."""
    yuan = {row: [v * 10_000 if isinstance(v, (int, float)) and i not in (4, 6) else v for i, v in enumerate(values)]
            for row, values in SAMPLE_FUNDING.items()}
    _, diags = run(funding=yuan)
    [d] = [d for d in diags if d.code == "R210"]
    assert (d.cell, d.severity) == ("K7", "warning") and "3,050,000.00 万元（合 305 亿元）" in d.message
    assert not codes_at(run()[1], "R210")
    lenient = PROFILE.model_copy(update={"amounts": PROFILE.amounts.model_copy(update={"project_max": 1e7})})
    assert not codes_at(run(funding=yuan, profile=lenient)[1], "R210")


def test_a_total_without_its_sources_is_said():
    """Only 资金总额 filled: the project counts in a consolidation's 资金总额 but in no source row (R212)."""
    _, diags = run(funding={"资金总额": SAMPLE_FUNDING["资金总额"]})
    [d] = [d for d in diags if d.code == "R212"]
    assert (d.cell, d.severity) == ("E8", "warning")
    assert not codes_at(run()[1], "R212")
    _, diags = run(funding={"资金总额": SAMPLE_FUNDING["资金总额"], "市级财政资金": [0, 0, 0, 0, None, 0, None, 0]})
    assert not codes_at(diags, "R212")  # zeros are sources filled in


def test_an_amount_typed_as_text_is_named_as_the_cause_of_the_sums_it_is_left_out_of():
    """本年预算 200 pasted as text: Excel's SUM and the template's formulas skip it, so 小计, rates and 资金总额 show
    less. Those cells hold the right formulas; C001-C004 there would send the unit to correct them. The text cell is
    named (N007) with the cells it is missing from; a total wrong for another reason is still C001."""
    city = [10, "200", 10, 100, None, 90, 9.0, 205]  # as Excel shows it: 200 left out, N("200") is 0
    total = [10, 100, 110, 200, 2.0, 150, 150 / 110, 305]
    form, diags = run(funding={**SAMPLE_FUNDING, "资金总额": total, "市级财政资金": city})
    assert not {"C001", "C002", "C003", "C004"} & {d.code for d in diags}
    [d] = [d for d in diags if d.code == "N007"]
    assert (d.cell, d.severity) == ("E10", "error")
    assert "市级财政资金·小计（F10）、市级财政资金·支出进度（J10）、资金总额·本年预算（E7）" in d.message
    assert "资金总额·下达率（H7）" in d.message and "“200”是文本" in d.message and "E8" not in d.message
    assert form.total("source").subtotal == 310  # xlmon itself reads the 200

    _, diags = run(funding={**SAMPLE_FUNDING, "市级财政资金": [10, "200", 210, 100, 0.5, 90, 0.428571, 205]})
    assert not {"N007", "C001"} & {d.code for d in diags}  # typed as text, summed right by hand: nothing to say
    city = [10, "200", 10, 100, None, 90, 9.0, "205"]  # 全年预计 as text too, but summed right: not the cause
    form, diags = run(funding={**SAMPLE_FUNDING, "资金总额": total, "市级财政资金": city})
    assert codes_at(diags, "N007") == ["E10"]
    city = [10, "200", "10", 100, None, 90, 9.0, 205]  # its 小计 pasted as text too: no internal error
    assert "E10" in codes_at(run(funding={**SAMPLE_FUNDING, "资金总额": total, "市级财政资金": city})[1], "N007")
    _, diags = run(funding={**SAMPLE_FUNDING, "市级财政资金": [10, "200", 50, 100, 0.5, 90, 1.8, 205]})
    assert codes_at(diags, "C001") == ["F10"] and codes_at(diags, "C004") == ["J10"] and not codes_at(diags, "N007")


def _renamed(grid: list[list], names: dict[str, str]) -> list[list]:
    return [[names.get(v, v) if isinstance(v, str) else v for v in row] for row in grid]


def test_older_wordings_of_the_columns_are_read():
    """执行数 / 执行率 for 支出数 / 支出进度, 年初预算 for 本年预算, 预计全年完成情况 and 指标执行情况: forms typed from an
    older template. Read as their official names, with nothing said; before, 支出数 counted as 0 (a red project)."""
    official, _ = run()
    grid = _renamed(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), {
        "1-6月支出数": "1-6月执行数", "1-6月支出进度%（支出数/安排数）": "1-6月执行率%", "本年预算": "年初预算",
        "1-6月指标完成情况": "1-6月指标执行情况", "全年指标预计完成情况": "预计全年完成情况"})
    form, diags = run(grid)
    assert not [d for d in diags if d.code.startswith("S")]
    assert form.total("source") == official.total("source") and form.grade == official.grade
    assert [(i.actual, i.forecast, i.grade) for i in form.indicators] == [
        (i.actual, i.forecast, i.grade) for i in official.indicators]


def test_a_forecast_headed_with_its_words_in_the_other_order_is_the_forecast():
    """预计全年支出数 (预计 first) was read as a 支出数 column: behind the real one it was left out (S112 said the
    forecast column was missing, and the forecast counted as none); placed before it, it was taken for the 支出数
    (305 spent of 310, C004 at every rate). Any funding header saying 预计 is the forecast."""
    official, _ = run()
    for header in ("预计全年支出数", "预计全年执行数", "预计全年预算执行数"):
        form, diags = run(_renamed(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS),
                                   {"全年预计支出数": header}))
        assert not [d for d in diags if d.code.startswith(("S", "C"))], header
        assert form.total("source") == official.total("source")
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    for row in grid[4:13]:  # the forecast moved before the 支出数
        row += [None] * (11 - len(row))
        row.insert(8, row.pop(10))
    form, diags = run(_renamed(grid, {"全年预计支出数": "预计全年支出数"}))
    total = form.total("source")
    assert (total.spent, total.forecast) == (150, 305) and not [d for d in diags if d.code.startswith(("S", "C"))]


@pytest.mark.parametrize("header", ["1-6月支付数", "截至6月底已支付数", "国库支付数", "实际支付金额"])
def test_spending_headed_as_paid_is_the_spending(header):
    """支付数 (paid out, as the treasury's payment system calls spending) was no column: S112, the amounts unknown."""
    official, _ = run()
    form, diags = run(_renamed(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS),
                               {"1-6月支出数": header}))
    assert not [d for d in diags if d.code.startswith(("S", "C"))], header
    assert form.total("source") == official.total("source")


def test_a_column_of_another_forecast_before_the_forecast_is_not_the_forecast():
    """A column 预计结转结余 a unit added before 全年预计支出数 was taken for the forecast once any header saying 预计
    was one: the project's forecast became its expected carry-over (6 of 305, R214 on each source, C002)."""
    official, _ = run()
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    for row in grid[4:13]:
        row += [None] * (11 - len(row))
        row.insert(10, "预计结转结余" if row[10] == "全年预计支出数" else 3 if row[10] is not None else None)
    form, diags = run(grid)
    assert [(r.row, r.forecast) for r in form.funding] == [(r.row, r.forecast) for r in official.funding]
    assert not [d for d in diags if d.code.startswith(("S", "C", "R2"))]


def test_a_row_or_column_missing_is_named_at_the_forms_left_edge_wherever_the_form_stands():
    """A form typed from column D (three blank columns left of it) with 其他资金 left out and its 支出数 headed in
    other words: S111 and S112 named A9 and A8, blank cells outside the form that --annotate outlined far to its left.
    They name the form's own first column, as they name column A of a form standing there."""
    grid = _renamed(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, top=2, left=3),
                    {"1-6月支出数": "1-6月花费"})
    del grid[next(i for i, row in enumerate(grid) if "其他资金" in row)]
    _, diags = run(grid)
    assert (codes_at(diags, "S111"), codes_at(diags, "S112")) == (["D9"], ["D8"]), [d.line() for d in diags]


def test_a_second_form_stacked_below_is_named_at_its_title_where_the_forms_stand_right_of_column_a():
    """Two forms typed from column C, one below the other: S130 named A29, a blank cell two columns left of the
    second form's title, where --annotate outlined nothing a reader would look at. It names the title, C29."""
    first, second = (project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, left=2, project=name)
                     for name in ("项目甲", "项目乙"))
    result = check_sheets({"表1": first + [[], []] + second}, PROFILE)
    assert [(f.project, f.cells["title"]) for f in result.forms] == [("项目甲", "C1"), ("项目乙", "C29")]
    assert codes_at(result.diagnostics, "S130") == ["C29"]


def test_a_column_not_found_leaves_its_values_unknown_not_zero():
    """A 支出数 column headed in words xlmon does not know: S112, and the amounts are unknown, not 0: no 支出进度 of
    0.00% graded red, no G101. An indicator table without its 全年预计 column: S122, its indicators are not graded
    on a blank forecast, and R104/R111 do not fire for a 年度指标值 column not found."""
    grid = _renamed(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), {"1-6月支出数": "1-6月花费"})
    form, diags = run(grid)
    assert codes_at(diags, "S112") == ["A6"] and "未知" in next(d.message for d in diags if d.code == "S112")
    total = form.total("source")
    assert total.spent is None and total.spend_progress is None and total.grade is None
    assert not {"G101", "G102", "C004", "R205"} & {d.code for d in diags}

    for header, field in (("全年指标预计完成情况", "全年指标预计完成情况"), ("年度指标值", "年度指标值")):
        form, diags = run(_renamed(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), {header: "其他"}))
        [d] = [d for d in diags if d.code == "S122"]
        assert d.cell == "B15" and f"“{field}”" in d.message
        assert not {"G201", "R104", "R106", "R111"} & {d.code for d in diags}


def test_a_rate_typed_to_the_precision_shown_is_right_and_a_wrong_one_quoted_as_typed():
    """66.7% for 66.666…% and 43% for 42.857% are the computed rates as the unit shows them, not calculation errors;
    50% for 48.39% is wrong at any precision, and quoted as typed (50%, 66.8%), not 50.00%."""
    rounded = {"资金总额": [10, 300, 310, 200, "66.7%", 150, "48.4%", 305],
               "中央财政资金": [None, 100, 100, 100, "100%", 60, 0.6, 100],
               "市级财政资金": [10, 200, 210, 100, 50, 90, "43%", 205]}
    _, diags = run(funding=rounded)
    assert not {"C003", "C004"} & {d.code for d in diags}
    _, diags = run(funding={**rounded, "资金总额": [10, 300, 310, 200, 0.667, 150, 48.39, 305]})
    assert not {"C003", "C004"} & {d.code for d in diags}  # a %-formatted cell, and points in a % column
    wrong = {**rounded, "资金总额": [10, 300, 310, 200, "66.8%", 150, "50%", 305]}
    _, diags = run(funding=wrong)
    [c003] = [d for d in diags if d.code == "C003"]
    [c004] = [d for d in diags if d.code == "C004"]
    assert "表中填写 66.8%" in c003.message and "应为 66.67%" in c003.message
    assert "表中填写 50%" in c004.message
    _, diags = run(funding={**rounded, "市级财政资金": [10, 200, 210, 100, 0.5, 90, 0.428, 205]})
    [c004] = [d for d in diags if d.code == "C004"]  # one decimal typed: 42.8% is not 42.857%
    assert "表中填写 42.8%" in c004.message


def test_a_total_typed_again_below_the_sources_is_a_check_not_a_source():
    """A 合计 row typed after 其他资金 with 资金总额's figures, as a unit's own check: it was added in as a seventh
    source, so check said 资金总额 should be 600 and 620 (six C001/C002 telling the unit to double its right totals)
    while consolidate read 300. It is compared with 资金总额 instead: right, nothing said; wrong, C002 at its cell."""
    def with_repeat(values):
        grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
        last = max(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "其他资金")
        grid.insert(last + 1, [None, "合计", None, *values])
        return grid

    form, diags = run(with_repeat(SAMPLE_FUNDING["资金总额"]))
    total = form.total("source")
    assert (total.current, total.subtotal) == (300, 310) and not {"C001", "C002"} & {d.code for d in diags}
    assert [r.row for r in form.funding].count("资金总额") == 1
    wrong = list(SAMPLE_FUNDING["资金总额"])
    wrong[1] = 290
    form, diags = run(with_repeat(wrong))
    [d] = [d for d in diags if d.code == "C002"]
    assert d.cell == "E14" and "300.00 万元" in d.message and "290.00 万元" in d.message


def test_the_issue_rate_of_a_row_whose_subtotal_alone_is_typed_is_unknown_not_wrong():
    """中央财政资金 with only its 小计 100 typed (R215) and 下达率 100% (下达 100 of the 100 arranged): R215 says its 下达率
    cannot be worked out, its 本年预算 not being typed; C003 called the 100% wrong, “应为 空”. It is unknown, as
    资金总额's is."""
    funding = {"资金总额": [10, 200, 310, 200, 1.0, 150, 0.4839, 305],
               "中央财政资金": [None, None, 100, 100, 1, 60, 0.6, 100],
               "市级财政资金": [10, 200, 210, 100, 0.5, 90, 0.428571, 205]}
    _, diags = run(funding=funding)
    assert codes_at(diags, "R215") == ["E8"] and not codes_at(diags, "C003"), [d.line() for d in diags]


def test_a_total_typed_whole_beside_a_subtotal_typed_alone_is_not_called_wrong():
    """市级财政资金 gives its 小计 210 alone (R215: 10 carried over and 200 of this year, not typed apart), and 资金总额
    is typed whole, 10 | 300 | 310. xlmon took the 10 for a 上年结转 of none of the sources and added the 210 to it:
    C001 said 资金总额's 小计 应为 320.00 万元 where 310 is right, and C002 that its 本年预算 应为 100.00 万元, the
    central 100 alone. Where a source's 上年结转 and 本年预算 are unknown, their sums are too: not called wrong."""
    funding = {"资金总额": [10, 300, 310, 200, 0.6667, 150, 0.4839, 305],
               "中央财政资金": [None, 100, 100, 100, 1, 60, 0.6, 100],
               "市级财政资金": [None, None, 210, 100, None, 90, 0.428571, 205]}
    form, diags = run(funding=funding)
    assert codes_at(diags, "R215") == ["E10"], [d.line() for d in diags]
    assert not {"C001", "C002", "C003", "C004"} & {d.code for d in diags}, [d.line() for d in diags]
    assert form.total("source").subtotal == 310
    funding["资金总额"][2] = 300
    _, diags = run(funding=funding)
    assert [d.message for d in diags if d.code == "C001"] == [
        "“资金总额”的小计应为 310.00 万元（上年结转 + 本年预算），表中填写 300.00 万元。请改正，或使用公式 =D7+E7。"]


def test_the_sum_c002_suggests_leaves_out_the_rows_between_the_sources_that_are_none():
    """附件3's 基本支出 with its 人员经费 and 公用经费 below it (S134: parts of it, not added again) and 资金总额's 本年预算
    typed 310 for 300: C002 suggested =SUM(E16:E19), which adds the two parts in again and shows 500. The formula sums
    the sources' own cells, =SUM(E16,E19); sources one below another keep =SUM(E8:E13)."""
    spending = {"资金总额：": [10, 310, 320, 200, 0.6667, 150, 0.4839, 300],
                "其中：基本支出": [None, 200, 200, 120, 0.6, 100, 0.5, 200],
                "人员经费": [None, 150, 150, 90, 0.6, 80, 0.5333, 150], "公用经费": [None, 50, 50, 30, 0.6, 20, 0.4, 50],
                "项目支出": [10, 100, 110, 80, 0.8, 50, 0.4545, 100]}
    _, diags = run(department_grid(spending=spending))
    [said] = [d.message for d in diags if d.code == "C002"]
    assert said.endswith("请改正，或使用公式 =SUM(E16,E19)。"), said
    funding = {**SAMPLE_FUNDING, "资金总额": [10, 290, 300, 200, 0.6897, 150, 0.5, 305]}
    _, diags = run(funding=funding)
    assert [d.message for d in diags if d.code == "C002"][0].endswith("=SUM(E8:E13)。")


def test_the_two_blocks_are_not_said_to_disagree_on_an_amount_one_of_them_does_not_give():
    """附件3's 单位资金 gives its 小计 50 alone (R215), its 本年预算 not typed: block 1's 本年预算 is 250 and a part unknown,
    and R202 said the spending types' 300 disagreed with it. Where a block's 上年结转 or 本年预算 is partly unknown, the
    two are not compared; its 小计 still is."""
    sources = {**DEPARTMENT_SOURCES, "单位资金": [None, None, 50, 30, None, 20, 0.4, 50]}
    _, diags = run(department_grid(sources=sources))
    assert codes_at(diags, "R215") == ["E12"] and not codes_at(diags, "R202"), [d.line() for d in diags]
    sources["单位资金"] = [None, None, 60, 30, None, 20, 0.3333, 50]
    _, diags = run(department_grid(sources=sources))
    assert [d.message for d in diags if d.code == "R202"] == [
        "按支出类型（基本支出+项目支出）的资金总额“小计”为 310.00 万元，按资金类型为 320.00 万元，两者应一致，请核对。"]


def test_issued_above_a_total_budget_partly_unknown_is_not_said():
    """中央财政资金 gives its 小计 100 alone (R215) and 100 issued; 市级 200 of 200 budget, 150 issued. 资金总额's 本年预算
    is 200 plus central's part, unknown: R203 said 资金总额's 下达数 250 exceeded its 本年预算 200 (下达率 空). Where the
    rate cannot be worked out, nothing says the 下达数 exceeds it; a source's own 下达数 above its 本年预算 still does."""
    funding = {"资金总额": [None, 200, 300, 250, None, 150, 0.5, 300],
               "中央财政资金": [None, None, 100, 100, None, 60, 0.6, 100],
               "市级财政资金": [None, 200, 200, 150, 0.75, 90, 0.45, 200]}
    _, diags = run(funding=funding)
    assert codes_at(diags, "R215") == ["E8"] and not codes_at(diags, "R203"), [d.line() for d in diags]
    funding["市级财政资金"] = [None, 200, 200, 250, 1.25, 90, 0.45, 200]
    funding["资金总额"] = [None, 200, 300, 350, None, 150, 0.5, 300]
    _, diags = run(funding=funding)
    assert codes_at(diags, "R203") == ["G10"], [d.line() for d in diags]


def test_issued_above_the_budget_in_one_source_is_not_said_again_at_the_total():
    """中央财政资金 issued 160 of a 100 budget: 资金总额's 下达数 350, the template's SUM of the sources, then exceeds its
    300 as well, and R203 said the one mistake twice, the second time at a formula cell the unit does not type. The
    total's excess is said only where the sources' own R203 do not account for it: 其他资金 issued 50 with no budget
    (no rate, no R203 of its own) is, and so is a total typed alone above its budget."""
    central = [None, 100, 100, 160, 1.6, 60, 0.375, 100]
    city = [10, 200, 210, 190, 0.95, 90, 0.428571, 205]
    for total in ([10, 300, 310, 350, 1.1667, 150, 0.4839, 305], [None] * 8):
        form, diags = run(funding={"资金总额": total, "中央财政资金": central, "市级财政资金": city})
        at = {r.row: r.cells["issued"] for r in form.funding}
        assert codes_at(diags, "R203") == [at["中央财政资金"]], [d.line() for d in diags]
    funding = {"资金总额": [10, 300, 310, 400, 1.3333, 150, 0.4839, 305], "中央财政资金": central,
               "市级财政资金": city, "其他资金": [None, None, None, 50, None, None, None, None]}
    form, diags = run(funding=funding)
    at = {r.row: r.cells["issued"] for r in form.funding}
    assert codes_at(diags, "R203") == [at["资金总额"], at["中央财政资金"]], [d.line() for d in diags]
    funding = {"资金总额": [10, 300, 310, 350, 1.1667, 150, 0.4839, 305],
               "中央财政资金": [None, 100, 100, None, None, 60, 0.6, 100], "市级财政资金": [10, 200, 210, None, None, 90, 0.428571, 205]}
    form, diags = run(funding=funding)
    assert codes_at(diags, "R203") == [form.total().cells["issued"]], [d.line() for d in diags]


def test_issued_above_the_budget_of_a_department_row_is_said_once_in_either_block():
    """附件3 by fund type and by spending type: 一般公共预算资金 issued 300 of 250 and 基本支出 230 of 200; each block's
    资金总额 (330 of 300) exceeds its budget by no more than its rows do, and is not said to again."""
    total = [10, 300, 310, 330, 1.1, 150, 0.4839, 300]
    sources = {**DEPARTMENT_SOURCES, "资金总额：": total, "其中：一般公共预算资金": [10, 250, 260, 300, 1.2, 130, 0.5, 250]}
    spending = {"资金总额：": total, "其中：基本支出": [None, 200, 200, 230, 1.15, 100, 0.5, 200],
                "项目支出": [10, 100, 110, 100, 1, 50, 0.4545, 100]}
    form, diags = run(department_grid(sources=sources, spending=spending))
    at = {(r.block, r.row): r.cells["issued"] for r in form.funding}
    assert sorted(codes_at(diags, "R203")) == sorted([at["source", "一般公共预算资金"], at["spending", "基本支出"]]), [
        d.line() for d in diags]
    assert not codes_at(diags, "R202"), [d.line() for d in diags]


def test_spending_against_a_subtotal_typed_alone_is_not_said_to_exceed_what_was_issued():
    """县（区）财政资金 gives its 小计 380 alone (R215), 148 issued of this year's part, 272 spent: the rest of the 小计 may
    be 上年结转, which may be spent as well as the 下达数 (R204 counts it), but it was taken as 0 and R204 said 272
    exceeded 148, and 资金总额's 362 its 298. Spending within the 小计 is not said to exceed an amount not known; beyond the 小计 it is R205."""
    funding = {"资金总额": [None, 200, 580, 298, 0.75, 362, 362 / 580, 580],
               "县（区）财政资金": [None, None, 380, 148, None, 272, 272 / 380, 380],
               "市级财政资金": [None, 200, 200, 150, 0.75, 90, 0.45, 200]}
    _, diags = run(funding=funding)
    assert codes_at(diags, "R215") == ["E11"] and not codes_at(diags, "R204"), [d.line() for d in diags]
    funding["县（区）财政资金"] = [None, None, 380, 148, None, 400, 400 / 380, 400]
    funding["资金总额"] = [None, 200, 580, 298, 0.75, 490, 490 / 580, 600]
    _, diags = run(funding=funding)
    assert codes_at(diags, "R205") == ["I11"], [d.line() for d in diags]


def test_spending_beside_a_carryover_that_cannot_be_read_is_not_said_to_exceed_what_was_issued():
    """上年结转 typed 未统计 (N001: unknown, not 0) beside 100 issued and 150 spent: R204 said 150 exceeded the 100 issued,
    the 上年结转 that may be spent with it counted as nothing. The unreadable amount is said once, by N001."""
    funding = {**SAMPLE_FUNDING, "资金总额": [None] * 8,
               "市级财政资金": ["未统计", 200, 260, 100, 0.5, 150, 150 / 260, 205]}
    _, diags = run(funding=funding)
    assert codes_at(diags, "N001") == ["D10"] and not codes_at(diags, "R204"), [d.line() for d in diags]


def test_a_sum_of_amounts_all_typed_as_text_shows_0_and_names_the_text():
    """The project's one source, 市级财政资金, has its 本年预算 300 pasted as text; the unit's own =SUM(E8:E13) in 资金总额
    and =SUM(D10:E10) in its 小计 skip it and show 0, as Excel and WPS do when no number is left. C002 and C001 said
    the total should be 300, 表中填写 0.00, and told the unit to use the =SUM it has; the text is the cause (N007),
    as it is when another source's number is left in the sum."""
    funding = {"资金总额": [None, 0, 0, 200, None, 150, None, 300],
               "市级财政资金": [None, "300", 0, 200, None, 150, None, 300]}
    _, diags = run(funding=funding)
    assert not {"C001", "C002"} & {d.code for d in diags}, [d.line() for d in diags]
    [d] = [d for d in diags if d.code == "N007"]
    assert d.cell == "E10" and "市级财政资金·小计（F10）" in d.message and "资金总额·本年预算（E7）" in d.message
