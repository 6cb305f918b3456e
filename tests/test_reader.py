"""The reader finds everything by its labels, on hand-typed official-layout grids."""

from __future__ import annotations

import datetime

import pytest

from handmade import (DEPARTMENT_SOURCES, DEPARTMENT_SPENDING, FUNDING_HEADER_SUB, FUNDING_HEADER_TOP, SAMPLE_FUNDING,
                      SAMPLE_INDICATORS, TOTAL_310, department_grid, fullwidth, project_grid, spaced)
from xlmon import layout as L
from xlmon.calc import calculate
from xlmon.check import check_sheets
from xlmon.grid import address, parse_address
from xlmon.reader import read_form

VARIANTS = {
    "plain": {},
    "offset": {"top": 3, "left": 2},
    "spaced labels": {"label": spaced},
    "full-width": {"label": fullwidth},
    "levels repeated": {"merge_levels": False},
    "other title": {"title": "某某单位2026年度项目绩效监控情况表"},
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_reads_hand_typed_variants(variant):
    options = VARIANTS[variant]
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, **options)
    form, diags = read_form(grid, "表1")
    assert not [d for d in diags if d.severity == "error"], diags
    assert form.kind == "project"
    assert (form.project, form.unit, form.department) == ("校舍维修改造项目", "某市第一中学", "某市教育局（101001）")
    assert (form.year, form.months) == (2026, 6)
    assert form.goal.startswith("完成校舍维修")
    rows = {r.row: r for r in form.funding}
    assert len(rows) == 7
    assert rows["市级财政资金"].typed["carryover"] == 10 and rows["中央财政资金"].typed["spent"] == 60
    # every value remembers its cell
    top, left = options.get("top", 0), options.get("left", 0)
    assert rows["市级财政资金"].cells["carryover"] == address(top + 9, left + 3)
    assert [i.level3 for i in form.indicators] == [x[2] for x in SAMPLE_INDICATORS]
    assert [(i.level1, i.level2) for i in form.indicators] == [(x[0], x[1]) for x in SAMPLE_INDICATORS]
    first = form.indicators[0]
    assert (first.operator, first.target_value, first.unit, first.actual, first.forecast) == (
        ">=", 1200, "平方米", 800, 1250)
    assert first.likelihood == "确定能" and form.indicators[3].likelihood == "有可能"
    assert form.indicators[3].operator == "qualitative" and form.indicators[3].forecast == "达成"
    assert first.cells["level3"] == address(top + 16, left + 3) and first.row == top + 17


def test_calculation_on_hand_typed_form():
    form, _ = read_form(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), "表1")
    assert calculate(form) == []
    total = form.total()
    assert (total.carryover, total.current, total.subtotal, total.issued, total.spent) == (10, 300, 310, 200, 150)
    assert total.issue_rate == pytest.approx(200 / 300)
    assert total.spend_progress == pytest.approx(150 / 310)
    assert form.time_progress == pytest.approx(0.5)
    assert total.gap == pytest.approx(0.5 - 150 / 310)


def test_text_numbers_and_bad_values():
    funding = {
        "资金总额": [None, "1,234.50", None, "１０００", "80%", None, None, None],
        "中央财政资金": [None, "1,234.50", None, "１０００", None, "完成", None, None],
    }
    form, diags = read_form(project_grid(funding=funding, indicators=SAMPLE_INDICATORS), "表1")
    central = next(r for r in form.funding if r.row == "中央财政资金")
    assert central.typed["current"] == 1234.5 and central.typed["issued"] == 1000
    bad = [d for d in diags if d.code == "N001"]
    assert [d.cell for d in bad] == [central.cells["spent"]]
    assert "完成" in bad[0].message and "支出数" in bad[0].message
    calc = calculate(form)
    assert [d.code for d in calc] == ["C003"]  # 1000 / 1234.5 = 81.00%, typed 80%
    assert calc[0].cell == form.total().cells["issue_rate"]


def test_separate_operator_and_unit_columns():
    grid = project_grid(indicators=[])
    header = next(i for i, row in enumerate(grid) if "一级指标" in row)
    grid[header] = [None, "一级指标", "二级指标", "三级指标", "计算符号", "年度指标值", "计量单位",
                    "1-6月指标完成情况", "全年指标预计完成情况", "偏差原因分析", "完成目标可能性", "备注"]
    grid[header + 1] = [None, "产出指标", "数量指标", "培训人数", "≥", 1200, "人次", 600, 1300, None, "确定能", None]
    grid.insert(header + 2, [None, None, "时效指标", "完成时限", "≤", 30, "天", 20, 28, None, "有可能", None])
    grid.insert(header + 3, [None, "满意度指标", None, "满意度", "定性", "较高", None, "较高", "高", None, "一定", None])
    form, diags = read_form(grid, "s")
    a, b, c = form.indicators
    assert (a.operator, a.target_value, a.unit, a.likelihood, a.level2) == (">=", 1200, "人次", "确定能", "数量指标")
    assert (b.operator, b.target_value, b.unit, b.likelihood, b.level1) == ("<=", 30, "天", "有可能", "产出指标")
    assert (c.operator, c.level1, c.level2, c.likelihood) == ("qualitative", "满意度指标", "", None)
    assert [d.code for d in diags] == ["S121"] and diags[0].cell == c.cells["likelihood"]


@pytest.mark.parametrize("chosen, other", [(True, False), ("☑", "□"), ("●", "○"), ("√", "☐")])
def test_the_choices_not_made_are_not_ticks(chosen, other):
    """Check boxes linked to cells (TRUE/FALSE), WPS's ☑/□, ●/○: the unchosen two were read as ticks too, giving R302
    (勾选了确定能、有可能、完全不可能) and no likelihood, so a 完全不可能 lost its red."""
    rows = [["产出指标", "数量指标", "x", "10个", 5, 10, None, other, other, chosen, "拟调减目标"]]
    form, diags = read_form(project_grid(indicators=rows), "s")
    assert form.indicators[0].marks == ["完全不可能"] and form.indicators[0].likelihood == "完全不可能"


def test_two_marks_are_kept_not_guessed():
    rows = [["产出指标", "数量指标", "x", "10个", 5, 10, None, "√", "√", None, None]]
    form, _ = read_form(project_grid(indicators=rows), "s")
    assert form.indicators[0].marks == ["确定能", "有可能"] and form.indicators[0].likelihood is None


def test_period_variants():
    for period, expected in [("（2025年1-12月）", (2025, 12)), ("(2026年1—3月)", (2026, 3)),
                             ("２０２６年１－５月", (2026, 5)), ("2026年9月", (2026, 9))]:
        form, _ = read_form(project_grid(period=period), "s")
        assert (form.year, form.months) == expected, period
    form, diags = read_form(project_grid(period="（XXXX年1-XX月）", title="项目支出绩效运行监控表"), "s")
    assert form.months == 6 and form.year is None  # months fall back to the 1-6月 column headers
    assert [(d.code, d.cell) for d in diags if d.code.startswith("S1")] == [("S103", "A2")]  # no year: said so
    form, diags = read_form(project_grid(period="（XXXX年1-XX月）"), "s")
    assert (form.year, form.months) == (2026, 6)  # the year from the title: 2026年市级项目支出绩效运行监控表
    assert not [d for d in diags if d.code.startswith("S1")]
    form, diags = read_form(project_grid(period="（2026年1-13月）"), "s")
    assert "S102" in [d.code for d in diags] and form.months is None


@pytest.mark.parametrize("period, expected", [
    ("（2024年度1-6月）", (2024, 6)), ("2024年上半年", (2024, 6)), ("二〇二四年1-6月", (2024, 6)),
    ("二〇二四年一至六月", (2024, 6)), ("二零二四年一至六月", (2024, 6)), ("2024年1月-6月", (2024, 6)),
    ("2024年1至6月", (2024, 6)), ("（2024年1月——6月）", (2024, 6)), ("2024 年 1 月份 - 6 月份", (2024, 6)),
    ("（2024年01-06月）", (2024, 6)),
    # months other than the 1-6月 column headers, so they can only come from the period itself
    ("二〇二四年一至十二月", (2024, 12)), ("2024年度1-9月", (2024, 9)), ("2024年前三季度", (2024, 9)),
    ("2024年第一季度", (2024, 3)),
    # with the days or the year again, which used to read as 1月 alone (graded against 时间进度 8.33%)
    ("监控期间：2024年1月1日至6月30日", (2024, 6)), ("2024年1月1日-2024年9月30日", (2024, 9)),
    ("（2024年1月—2024年6月）", (2024, 6)),
    # the end of a quarter: the figures up to it, which used to be an error (S104)
    ("截至2024年二季度末", (2024, 6)), ("2024年第三季度末", (2024, 9)), ("2024年第1季度", (2024, 3)),
    # the year written as in a date, which used to be no period at all (S101)
    ("（2024.1-6月）", (2024, 6)), ("2024/1-9月", (2024, 9)),
    # its 月 left off, which used to be no year (S103) with the months from the column headers
    ("（2024年1-9）", (2024, 9)), ("2024年1-9", (2024, 9)),
])
def test_period_wordings(period, expected):
    form, diags = read_form(project_grid(period=period), "s")
    assert (form.year, form.months) == expected, period
    assert not [d for d in diags if d.code in ("S101", "S102")] and form.cells["period"] == "A2"


@pytest.mark.parametrize("period, day", [
    ("（截至2024年6月15日）", 15), ("监控期间：2024年1月1日至6月15日", 15), ("2024年1月1日-2024年6月29日", 29),
    ("（2024年1月1日至6月30日）", None), ("截至2024年6月30日", None), ("（2024年1-6月）", None),
    ("2024年3月15日", None),  # another month than the headers' 1-6月: the day it was filled in, not a cut-off
])
def test_a_period_ending_mid_month_says_how_time_progress_is_taken(period, day):
    """FORMS.md: 时间进度 by date is the day of the year over the days in it; a form stated to 6月15日 was graded
    against 1-6月's 50% and nothing said so. It still is (its headers say 1-6月, as the other units' forms do),
    and S106 gives both figures at the period's cell."""
    form, diags = read_form(project_grid(period=period), "s")
    said = [d for d in diags if d.code == "S106"]
    assert (form.year, form.months) == (2024, 6)
    if day is None:
        assert not said, period
        return
    by_day = (datetime.date(2024, 6, day).timetuple().tm_yday) / 366
    [d] = said
    assert (d.cell, d.severity) == ("A2", "warning") and f"截至2024年6月{day}日" in d.message
    assert f"计为 50.00%（按日计为 {by_day * 100:.2f}%）" in d.message and "改为“2024年1-6月”" in d.message


@pytest.mark.parametrize("period, shown", [
    ("（2026年4-6月）", "2026年4-6月"), ("２０２６年４月－６月", "2026年4月-6月"), ("2026年第二季度", "2026年第二季度"),
    ("2026年度10至12月", "2026年度10至12月"), ("2026年下半年", "2026年下半年"), ("2026年第2季度", "2026年第2季度"),
    ("2026年4月1日至6月30日", "2026年4月1日至6月"), ("2026年4月-2026年6月", "2026年4月-2026年6月"),
    ("（2026.4-6月）", "2026.4-6月"),
])
def test_a_period_not_counted_from_january_is_an_error_at_its_cell(period, shown):
    """Monitoring counts from January (1-XX月); a quarter's or a few months' figures cannot be graded against
    时间进度 nor summed with other units' cumulative ones, whatever the column headers say."""
    form, diags = read_form(project_grid(period=period), "s")
    found = [(d.code, d.cell, d.severity) for d in diags if d.code.startswith("S1")]
    assert found == [("S104", "A2", "error")] and f"“{shown}”" in next(d.message for d in diags if d.code == "S104")
    assert form.months is None and form.cells["period"] == "A2"


def test_period_wording_in_the_title():
    form, diags = read_form(project_grid(title="二〇二四年一至九月项目支出绩效运行监控表", period=""), "s")
    assert (form.year, form.months) == (2024, 9) and form.cells["period"] == form.cells["title"] == "A1"
    form, diags = read_form(project_grid(period="（二〇二四年1-13月）"), "s")
    assert form.year == 2024 and form.months is None and "S102" in [d.code for d in diags]


def _in_yuan(funding: dict[str, list], scale: float = 10000) -> dict[str, list]:
    """The same amounts in 元 (or another unit: × scale of 万元); rates (下达率, 支出进度) stay fractions."""
    return {row: [v * scale if isinstance(v, (int, float)) and i not in (4, 6) else v for i, v in enumerate(values)]
            for row, values in funding.items()}


def test_amount_typed_in_yuan_is_read_in_wan_with_a_warning():
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["中央财政资金"][5] = "600,000元"  # 支出数 60 万元, typed in 元
    funding["市级财政资金"][3] = "100万元"
    form, diags = read_form(project_grid(funding=funding, indicators=SAMPLE_INDICATORS), "表1")
    rows = {r.row: r for r in form.funding}
    assert rows["中央财政资金"].typed["spent"] == 60 and rows["市级财政资金"].typed["issued"] == 100
    found = [d for d in diags if d.code == "N002"]
    assert [(d.severity, d.cell) for d in found] == [("warning", rows["中央财政资金"].cells["spent"])]
    assert all(part in found[0].message for part in ("I8", "600,000元", "60 万元", "支出数"))
    assert not [d for d in diags if d.severity == "error"] and calculate(form) == []


def _label_block_in_yuan(grid: list[list]) -> list[list]:
    r = next(i for i, row in enumerate(grid) if row and row[0] == "项目资金预算安排及执行进度（万元）")
    grid[r][0] = "项目资金预算安排及执行进度（元）"
    return grid


@pytest.mark.parametrize("where, cell", [("block label", "A5"), ("header", "A2"), ("（单位：元）", "E1"),
                                         ("金额单位为元", "E1")])
def test_form_in_yuan_is_read_in_wan_with_one_warning(where, cell):
    funding = _in_yuan(SAMPLE_FUNDING)
    funding["中央财政资金"][5] = "60万元"  # a unit typed with the value wins over the form's
    funding["市级财政资金"][5] = "900000元"  # consistent with the form: no warning of its own
    if where == "header":
        grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS, period="（2026年1-6月）  金额单位：元")
    else:
        grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS)
        if where == "block label":
            _label_block_in_yuan(grid)
        else:
            grid[0] += [None, None, None, where]
    form, diags = read_form(grid, "表1")
    assert [(d.code, d.severity, d.cell) for d in diags] == [("N003", "warning", cell)]
    assert cell in diags[0].message and "元" in diags[0].message
    total = form.total()
    assert (total.typed["carryover"], total.typed["current"], total.typed["subtotal"], total.typed["forecast"]) == (
        10, 300, 310, 305)
    assert total.typed["issue_rate"] == 0.6667 and total.typed["spend_progress"] == 0.4839  # rates untouched
    rows = {r.row: r for r in form.funding}
    assert rows["中央财政资金"].typed["spent"] == 60 and rows["市级财政资金"].typed["spent"] == 90
    assert calculate(form) == []


def test_wan_labels_and_yuan_in_names_are_not_a_unit():
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="元宝山区第一中学",
                        project="城乡居民医保补助（人均30元）", title="2026年项目支出绩效运行监控表（金额单位：万元）")
    grid[2] += [None, "实施单位：元宝山区卫生院"]
    form, diags = read_form(grid, "表1")
    assert not [d for d in diags if d.code.startswith("N")] and form.total().typed["current"] == 300


def test_not_a_form_and_missing_parts():
    result = check_sheets({"说明": [["填报说明"], ["请按要求填写"]]})
    assert [d.code for d in result.diagnostics] == ["F007"] and not result.forms
    grid = project_grid(funding=SAMPLE_FUNDING)
    result = check_sheets({"说明": [["填报说明"]], "表": grid})
    # the form has no indicator: R112-R114 say so; the sheet that is no form is S001
    assert sorted(d.code for d in result.diagnostics) == ["R112", "R113", "R114", "S001"]
    assert [d.sheet for d in result.diagnostics if d.code == "S001"] == ["说明"]
    cut = grid[: next(i for i, r in enumerate(grid) if "绩效指标" in r)]
    _, diags = read_form(cut, "s")
    assert "S120" in [d.code for d in diags]
    no_other = [r for r in grid if not (len(r) > 1 and r[1] == "其他资金")]
    _, diags = read_form(no_other, "s")
    assert [(d.code, "其他资金" in d.message) for d in diags if d.code == "S111"] == [("S111", True)]


def test_department_form_blocks():
    from xlmon.templates import build_form, new_workbook
    wb = new_workbook()
    ws = wb.create_sheet("部门")
    out = build_form(ws, "department", year=2026, months=6, department="某市教育局（101001）")
    grid = [[c.value for c in row] for row in ws.iter_rows()]
    for (_, label), cells in out.funding.items():
        if label != "资金总额":
            from xlmon.grid import parse_address
            r, c = parse_address(cells["current"])
            grid[r][c] = 100.0
    form, diags = read_form([[None if isinstance(v, str) and v.startswith("=") else v for v in row]
                             for row in grid], "部门")
    assert form.kind == "department" and form.department == "某市教育局（101001）"
    assert {r.block for r in form.funding} == {"source", "spending"}
    assert not calculate(form)
    assert form.total("source").current == 600 and form.total("spending").current == 200


@pytest.mark.parametrize("unit, scale, how", [("千元", 10, "除以 10"), ("亿元", 0.0001, "乘以 10000"),
                                              ("百万元", 0.01, "乘以 100")])
def test_form_in_another_unit_is_read_in_wan_and_calculate_writes_its_unit(unit, scale, how):
    """A form stating 金额单位：千元 (or 亿元) is read in 万元, never taken as 万元 as it stands; 计算 writes its
    totals in the form's unit. An amount typed with 亿元 in a form in 万元 is converted, with a warning."""
    from xlmon.recalc import plan_calculation

    grid = project_grid(funding=_in_yuan(SAMPLE_FUNDING, scale), indicators=SAMPLE_INDICATORS, top=1, left=1,
                        period=f"（2026年1-6月）  金额单位：{unit}")
    form, diags = read_form(grid, "表1")
    [n003] = [d for d in diags if d.code.startswith("N")]
    assert n003.code == "N003" and f"以{unit}为单位" in n003.message and how in n003.message
    total = form.total()
    assert (total.typed["carryover"], total.typed["current"]) == (pytest.approx(10), pytest.approx(300))
    assert calculate(form) == [] and total.spend_progress == pytest.approx(150 / 310)
    assert form.amount_unit == unit and plan_calculation([form], {"表1": grid}) == []
    r, c = parse_address(total.cells["subtotal"])
    grid[r][c] = 1  # a wrong 小计 typed over
    [edit] = plan_calculation([form], {"表1": grid})
    assert edit.value == pytest.approx(310 * scale) and unit in edit.note

    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["中央财政资金"][1] = "0.02亿元"  # 本年预算 200 万元, typed in 亿元
    form, diags = read_form(project_grid(funding=funding, indicators=SAMPLE_INDICATORS), "表1")
    assert {r.row: r for r in form.funding}["中央财政资金"].typed["current"] == pytest.approx(200)
    [n002] = [d for d in diags if d.code == "N002"]
    assert "单位为亿元，已换算为 200 万元" in n002.message


@pytest.mark.parametrize("unit, scale, slip, expected, typed, central", [
    ("元", 10000, 50, "3,100,000.00 元", "3,100,050.00 元", "1,000,000.00 元"),  # 0.005 万元 out: not within 0.01 元
    ("千元", 10, 0.05, "3,100.00 千元", "3,100.05 千元", "1,000.00 千元"),
    ("亿元", 0.0001, 0.0001, "0.031 亿元", "0.0311 亿元", "0.01 亿元"),  # 1 万元 out: 0.01 万元 still the bound
])
def test_a_form_in_another_unit_is_checked_to_its_unit_and_quoted_in_it(unit, scale, slip, expected, typed, central):
    """A form kept in 元 is typed to the 分: a 小计 50 元 out is wrong there, and the message quotes the amounts as
    the unit's cells show them (3,100,050.00 元), not as 310.01 万元 to convert back. 计算 writes the sum."""
    from xlmon.recalc import plan_calculation

    funding = _in_yuan(SAMPLE_FUNDING, scale)
    funding[L.TOTAL_ROW][2] += slip
    funding["中央财政资金"][5] = 101 * scale  # 支出数 beyond its 小计 of 100 万元 (R205)
    funding[L.TOTAL_ROW][5] += 51 * scale
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS, period=f"（2026年1-6月）  金额单位：{unit}",
                        top=1, left=1)  # typed by hand, not where our template puts it: 计算 writes values
    result = check_sheets({"表1": grid})
    [form] = result.forms
    said = {d.code: d for d in result.diagnostics}
    assert said["C001"].cell == form.total().cells["subtotal"]
    assert f"应为 {expected}（" in said["C001"].message and f"表中填写 {typed}。" in said["C001"].message
    assert f"（小计）{central}" in said["R205"].message and "万元" not in said["R205"].message
    [edit] = [e for e in plan_calculation([form], {"表1": grid}) if e.cell == form.total().cells["subtotal"]]
    assert edit.value == pytest.approx(310 * scale)
    assert expected in edit.note

    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding[L.TOTAL_ROW][2] += 0.005  # a form in 万元: within its 0.01 万元, as before
    assert [d.code for d in check_sheets({"表1": project_grid(funding=funding, indicators=SAMPLE_INDICATORS)}
                                         ).diagnostics if d.code.startswith("C")] == []


def test_calculate_on_a_form_in_yuan_writes_yuan():
    """计算 on a form whose amounts are in 元: totals it writes are in 元 too, and right ones are left alone."""
    from xlmon.recalc import plan_calculation

    funding = _in_yuan(SAMPLE_FUNDING)
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS, period="（2026年1-6月）  金额单位：元",
                        top=1, left=1)  # typed by hand, not our template: 计算 writes values, not formulas
    form, _ = read_form(grid, "表1")
    calculate(form)
    assert form.amount_scale == 10000 and plan_calculation([form], {"表1": grid}) == []
    total = form.total()
    r, c = parse_address(total.cells["subtotal"])
    grid[r][c] = 1  # a wrong 小计 typed over
    [edit] = plan_calculation([form], {"表1": grid})
    assert edit.cell == total.cells["subtotal"] and edit.value == 3_100_000 and "元" in edit.note


def test_calculate_quotes_an_amount_typed_as_text_in_yuan_as_the_number_it_writes():
    """计算 makes an amount typed as text (N007) the number it reads as; on a form in 元 its note said
    文本“1,234,567.89” → 数字 1.23457e+06, in a notation no one types and 0.11 元 off."""
    from xlmon.recalc import plan_calculation

    funding = _in_yuan(SAMPLE_FUNDING)
    funding["中央财政资金"][1] = "1,234,567.89"
    funding[L.TOTAL_ROW][1:3] = [2_000_000, 2_100_000]  # what a SUM skipping the text shows
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS, period="（2026年1-6月）  金额单位：元",
                        top=1, left=1)
    result = check_sheets({"表1": grid})
    cell = next(r for r in result.forms[0].funding if r.row == "中央财政资金").cells["current"]
    [edit] = [e for e in plan_calculation(result.forms, {"表1": grid}) if e.cell == cell]
    assert edit.value == pytest.approx(1_234_567.89)
    assert edit.note == "中央财政资金·本年预算：文本“1,234,567.89” → 数字 1234567.89"


def test_calculate_makes_a_total_typed_as_text_a_number_where_it_cannot_write_its_sum_back():
    """A form laid out as our template, a source's 下达数 见附件 and 资金总额's typed as text: 计算 cannot write the
    =SUM back (a part is unknown) and left the text, then wrote the template's 下达率 formula over it, which reads the
    text as 0 (N()): the cell showed 0.00% where xlmon read 66.67%. The text becomes the number xlmon reads."""
    from xlmon.recalc import plan_calculation

    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["中央财政资金"][3] = "见附件"
    funding[L.TOTAL_ROW][3:5] = [" 200 ", None]
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS)
    result = check_sheets({"表1": grid})
    total = result.forms[0].total()
    edits = {e.cell: e for e in plan_calculation(result.forms, {"表1": grid})}
    assert edits[total.cells["issued"]].value == 200 and not edits[total.cells["issued"]].formula
    assert edits[total.cells["issue_rate"]].formula and "66.67%" in edits[total.cells["issue_rate"]].note


def test_calculate_leaves_a_total_budget_that_may_hold_a_subtotal_typed_alone():
    """A form laid out as our template: 中央财政资金 gives its 小计 100 alone (R215), 市级财政资金 本年预算 200, and the
    unit types 资金总额's 本年预算 300, central's 100 being this year's money. 校验 neither takes nor calls it wrong
    (the 小计's part is unsaid), but 计算 wrote the template's =SUM back over it, which shows 200, the unit's right
    300 gone under a note of 恢复模板公式. A total between the parts typed and those with the 小计 is the unit's, and
    left; one beyond both cannot be right, and gets the formula back, as the note says."""
    from xlmon.recalc import plan_calculation

    funding = {L.TOTAL_ROW: [None, 300, 300, 250, None, 150, 0.5, 300],
               "中央财政资金": [None, None, 100, 100, None, 60, 0.6, 100],
               "市级财政资金": [None, 200, 200, 150, 0.75, 90, 0.45, 200]}
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS)
    result = check_sheets({"表1": grid})
    total = result.forms[0].total()
    assert not [d for d in result.diagnostics if d.code.startswith("C")], [d.line() for d in result.diagnostics]
    assert not [e for e in plan_calculation(result.forms, {"表1": grid}) if e.cell in total.cells.values()]
    funding[L.TOTAL_ROW][1] = 350  # more than the 小计 can hold
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS)
    result = check_sheets({"表1": grid})
    edits = {e.cell: e for e in plan_calculation(result.forms, {"表1": grid})}
    assert edits[total.cells["current"]].formula and "200.00 万元" in edits[total.cells["current"]].note


def test_a_check_line_below_the_sources_with_its_subtotal_typed_wrong_is_still_the_check():
    """A unit's own sum typed below the sources, unlabelled, its 小计 10 万元 out: it was read as a second line of
    其他资金 (S114), which doubled 资金总额 (C002 at each of its cells); 计算 wrote the doubled sums and corrected the
    line's 小计, so that pressed again the line was the check and 计算 halved them back. Its parts are the sources'
    sums: it is the check, and its 小计 is wrong there."""
    from xlmon.recalc import plan_calculation

    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, top=1, left=1)
    last = next(r for r, row in enumerate(grid) if "其他资金" in row)
    grid.insert(last + 1, [None, None, None, None, 10, 300, 320])
    result = check_sheets({"表1": grid})
    said = [(d.code, d.cell) for d in result.diagnostics if d.code in ("S114", "C001", "C002")]
    assert said == [("C002", address(last + 1, 6))]
    total = set(result.forms[0].total().cells.values())
    assert not [e for e in plan_calculation(result.forms, {"表1": grid}) if e.cell in total | {address(last + 1, 6)}]


@pytest.mark.parametrize("footnotes", [True, False])
def test_forms_stacked_on_one_sheet_are_each_read_as_alone(footnotes):
    """Units stack several projects' forms on one sheet; the second used to vanish without a word (or, with no
    footnotes between, its header rows were read as the first form's indicators), and then was only named."""
    def shifted(diagnostics, rows):  # their messages may cite cells too (=SUM(D8:D13)), so they are not compared
        return [(d.code, d.severity, shift(d.cell, rows)) for d in diagnostics]

    def shift(cell, rows):
        if cell is None:
            return None
        r, c = parse_address(cell)
        return address(r + rows, c)

    first = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="项目甲")
    if not footnotes:
        first = first[:-len(L.FOOTNOTES)]
    second = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS[:3], project="项目乙")
    third = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="项目丙")
    sheet = first + [[None]] + second + third
    result = check_sheets({"表1": sheet})
    assert [f.project for f in result.forms] == ["项目甲", "项目乙", "项目丙"]
    starts = [0, len(first) + 1, len(first) + 1 + len(second)]  # each from its title (the blank row is the first's)
    assert [f.place for f in result.forms] == list(zip(starts, [*starts[1:], len(sheet)]))
    from xlmon.output import form_json
    assert [form_json(f)["rows"] for f in result.forms] == [[s + 1, e] for s, e in zip(starts, [*starts[1:], len(sheet)])]
    assert form_json(check_sheets({"表1": first}).forms[0])["rows"] is None
    expected = [(("S130", "info", f"A{start + 1}"), start) for start in starts[1:]]
    assert [(d.code, d.severity, d.cell) for d in result.diagnostics if d.code == "S130"] == [e for e, _ in expected]
    assert all(f"第 {start + 1} 行起是另一张监控表，已作为单独的一张表读取" in d.message
               for d, (_, start) in zip([d for d in result.diagnostics if d.code == "S130"], expected))
    found = [(d.code, d.severity, d.cell) for d in result.diagnostics if d.code != "S130"]
    alone = [*shifted(check_sheets({"表1": first}).diagnostics, 0),
             *shifted(check_sheets({"表1": second}).diagnostics, starts[1]),
             *shifted(check_sheets({"表1": third}).diagnostics, starts[2])]
    assert found == alone and any(d[2] and parse_address(d[2])[0] >= starts[1] for d in found)
    for form, grid in zip(result.forms, (first, second, third)):
        [own] = check_sheets({"表1": grid}).forms
        assert [(i.level3, i.grade) for i in form.indicators] == [(i.level3, i.grade) for i in own.indicators]
        assert [(r.row, r.spent, r.grade) for r in form.funding] == [(r.row, r.spent, r.grade) for r in own.funding]


def _indicators_first(grid: list[list], goal_between: bool = True) -> list[list]:
    """The form typed with its indicator table (and footnotes) above the funding table, the goal between them or
    above both."""
    funding = next(i for i, row in enumerate(grid) if row and row[0] == "项目资金预算安排及执行进度（万元）")
    goal = next(i for i, row in enumerate(grid) if row and row[0] == "项目年度绩效目标")
    head, table, rest = grid[:funding], grid[funding:goal], grid[goal + 1:]
    return [*head, *rest, grid[goal], *table] if goal_between else [*head, grid[goal], *rest, *table]


@pytest.mark.parametrize("goal_between", [True, False])
def test_a_form_with_its_indicators_above_its_funding_is_one_form(goal_between):
    """The indicator table typed first was read as a form of its own (no funding, S110) and the funding table below
    it as another (no project, unit or indicators: S120, R105 ×3): a project counted twice, once with its money
    under no name. The funding below the indicators, with nothing between that starts a form, is the same form's."""
    indicators = [list(i) for i in SAMPLE_INDICATORS]
    indicators[5][2] = "单位面积维修成本（元）"  # no unit of the amounts: the funding table's rows are above it
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=indicators)
    [alone] = check_sheets({"表1": grid}).forms
    result = check_sheets({"表1": _indicators_first(grid, goal_between)})
    [form] = result.forms
    assert (form.project, form.unit, form.goal, form.place) == (alone.project, alone.unit, alone.goal, None)
    assert [(r.row, r.typed, r.subtotal, r.spent, r.grade) for r in form.funding] == [
        (r.row, r.typed, r.subtotal, r.spent, r.grade) for r in alone.funding]
    assert [(i.level3, i.grade) for i in form.indicators] == [(i.level3, i.grade) for i in alone.indicators]
    assert sorted(d.code for d in result.diagnostics) == sorted(d.code for d in check_sheets({"表1": grid}).diagnostics)
    two = check_sheets({"表1": [*_indicators_first(grid, goal_between), [None],
                                *_indicators_first(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS,
                                                                project="项目乙"), goal_between)]})
    assert [(f.project, f.total().spent, len(f.indicators)) for f in two.forms] == [
        ("校舍维修改造项目", 150, 7), ("项目乙", 150, 7)]
    assert [d.code for d in two.diagnostics if d.code[0] in "SR"] == ["S130"]


def test_the_indicator_header_repeated_inside_the_table_is_not_an_indicator():
    """Long tables repeat their header at a page break (printed titles typed in); it used to be read as an
    indicator named 三级指标 under the 一级指标 “一级指标” (R101)."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    header = next(i for i, row in enumerate(grid) if row and row[0] == "绩效指标")
    repeated = grid[:header + 5] + [list(grid[header]), list(grid[header + 1])] + grid[header + 5:]
    alone, result = check_sheets({"t": grid}), check_sheets({"t": repeated})
    assert [i.level3 for i in result.forms[0].indicators] == [i.level3 for i in alone.forms[0].indicators]
    assert [d.code for d in result.diagnostics] == [d.code for d in alone.diagnostics]


def test_a_form_without_its_total_row_still_totals_its_sources():
    """S111 names the missing 资金总额 row; its amounts used to be blank, so a consolidation left the project out
    of the department's 资金总额 while its sources were counted in their own rows."""
    grid = [row for row in project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
            if not (len(row) > 1 and isinstance(row[1], str) and row[1].startswith("资金总额"))]
    result = check_sheets({"t": grid})
    [form] = result.forms
    total = form.total()
    assert (total.carryover, total.current, total.subtotal, total.issued, total.spent, total.forecast) == (
        10, 300, 310, 200, 150, 305)
    assert total.grade is not None and form.funding[0] is total
    assert [d.code for d in result.diagnostics if d.code.startswith(("S", "C"))] == ["S111"]


def test_headers_naming_other_months_than_the_period_are_said():
    """A unit copies last month's form and updates the title only: 1-7月 above 1-6月下达数 (S105)."""
    form, diags = read_form(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, period="（2026年1-7月）"),
                            "s")
    assert form.months == 7
    [d] = [d for d in diags if d.code == "S105"]
    assert (d.cell, d.severity) == ("G5", "warning") and "“1-6月下达数”" in d.message and "1-7月" in d.message
    _, diags = read_form(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), "s")
    assert "S105" not in [d.code for d in diags]


def _with_row_label(label: str) -> list[list]:
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    for row in grid:
        if len(row) > 1 and row[1] == "市级财政资金":
            row[1] = label
    return grid


@pytest.mark.parametrize("label", ["市本级财政资金", "市级资金", "市财政资金"])
def test_the_usual_other_names_of_a_source_row_are_read_as_it(label):
    """A source row under another name used to be skipped: its amounts left the total (C002 on every column)."""
    result = check_sheets({"t": _with_row_label(label)})
    form = result.forms[0]
    assert "市级财政资金" in [r.row for r in form.funding] and form.total().subtotal == 310
    assert not [d for d in result.diagnostics if d.code[0] in "SC"]


@pytest.mark.parametrize("label", ["项目资金总额", "年度资金总额", "资金合计"])
def test_the_total_row_under_a_longer_name_is_the_total_not_a_source(label):
    """项目资金总额 (or 年度资金总额, the national form's) was read as a seventh source of no known name (S113, saying
    its amounts were 计入资金总额) and the sources' sum taken for the total: every amount of the project counted twice
    (620 of 310), and S111 asked for the 资金总额 row the form has."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    grid[6][1] = label
    result = check_sheets({"t": grid})
    form = result.forms[0]
    assert [r.row for r in form.funding].count("资金总额") == 1 and label not in [r.row for r in form.funding]
    total = form.total()
    assert (total.current, total.subtotal, total.spent) == (300, 310, 150)
    assert not [d for d in result.diagnostics if d.code[0] in "SC"]


@pytest.mark.parametrize("label", ["市级财政资金合计", "市级财政资金小计", "其中：市级财政资金合计"])
def test_a_source_summed_over_its_lines_is_that_source_not_the_total(label):
    """A label ending in 合计 was taken for 资金总额 since the national form's names were: 市级财政资金合计 made a
    second total row and left 市级财政资金 missing (S111)."""
    result = check_sheets({"t": _with_row_label(label)})
    rows = {r.row: r for r in result.forms[0].funding}
    assert rows["市级财政资金"].spent == 90 and len(rows) == 7
    assert (rows["资金总额"].subtotal, rows["资金总额"].spent) == (310, 150)
    assert not [d for d in result.diagnostics if d.code[0] in "SC"]


@pytest.mark.parametrize("first, second", [("市级财政", "资金"), ("其中：市级", "财政资金")])
def test_a_source_label_typed_over_two_lines_is_its_name(first, second):
    """市级财政 / 资金, its name typed over two cells of a label merged over two rows: read as an unknown source 市级财政
    (S113) and 市级财政资金 as missing (S111), its money in no source of the summary."""
    grid = _with_row_label(first)
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == first)
    grid.insert(at + 1, [None, second])
    result = check_sheets({"t": grid})
    rows = {r.row: r for r in result.forms[0].funding}
    assert rows["市级财政资金"].spent == 90 and rows["市级财政资金"].row_number == at + 1
    assert len(rows) == 7 and not [d for d in result.diagnostics if d.code[0] in "SC"]


@pytest.mark.parametrize("total", [SAMPLE_FUNDING[L.TOTAL_ROW], [None] * 8])
def test_a_sum_typed_without_a_label_below_the_sources_is_no_second_line(total):
    """A unit's own sum of the sources typed again below 其他资金, with no label, was taken since S114 for 其他资金's
    second line: every amount of the project counted twice (620 of 310 本年预算). It gives the 资金总额 (typed, or
    left to the sources), so it is compared with it, as a 合计 row typed below the sources is."""
    grid = project_grid(funding={**SAMPLE_FUNDING, L.TOTAL_ROW: total}, indicators=SAMPLE_INDICATORS)
    official = check_sheets({"t": grid}).forms[0]
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "其他资金")
    grid.insert(at + 1, [None, None, None, *SAMPLE_FUNDING[L.TOTAL_ROW]])
    result = check_sheets({"t": grid})
    form = result.forms[0]
    assert form.total("source").current == official.total("source").current == 300
    assert {r.row: r.current for r in form.funding if r.row != L.TOTAL_ROW} == {
        r.row: r.current for r in official.funding if r.row != L.TOTAL_ROW}
    assert not [d.code for d in result.diagnostics if d.code[0] in "SC"]


def test_a_source_row_of_no_known_name_is_kept_in_the_total_and_said():
    """本级 is the city for a city's unit and the county for a county's: such a row is read under its own label."""
    result = check_sheets({"t": _with_row_label("本级财政资金")})
    form = result.forms[0]
    assert form.total().subtotal == 310 and "本级财政资金" in [r.row for r in form.funding]
    assert [(d.code, d.cell) for d in result.diagnostics if d.code[0] in "SC"] == [("S113", "B10"), ("S111", "A7")]


def test_stacked_forms_on_a_hidden_sheet_are_said_hidden_once():
    from xlmon.adapters.files import WorkbookValues
    from xlmon.check import check_workbook

    grid = [*project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="项目甲"), [None],
            *project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="项目乙")]
    result = check_workbook(WorkbookValues("单位.xlsx", {"上月": grid}, hidden={"上月"}))
    assert len(result.forms) == 2 and [d.sheet for d in result.diagnostics if d.code == "S002"] == ["上月"]


@pytest.mark.parametrize("period", ["（2024年度）", datetime.datetime(2024, 6, 30)])
def test_a_year_stated_without_its_months_is_the_forms_year(period):
    """（2024年度）, or a period cell Excel turned into a date: the year is stated, the months come from the
    column headers (1-6月下达数); it used to be S103, 没有写明年度."""
    grid = project_grid(period="（1-6月）")
    grid[1][0] = period
    form, diags = read_form(grid, "s")
    assert (form.year, form.months) == (2024, 6) and "S103" not in {d.code for d in diags}


@pytest.mark.parametrize("line", [["填报单位（盖章）：某市第二中学", None, None, "填报日期：2026年7月10日"],
                                  ["填报单位：某市第二中学", None, "填报日期：", "2026年7月10日"]])
def test_the_day_a_form_was_filled_in_is_not_its_period(line):
    """填报日期：2026年7月10日 above the table, beside a period line that gives only （1-6月）: read as 1-7月, the form had
    S105 telling the unit to change its headers to 1-7月 and was rejected from the department's summary (K001)."""
    grid = project_grid(period="（1-6月）")
    grid.insert(2, line)
    form, diags = read_form(grid, "s")
    assert (form.year, form.months) == (2026, 6) and not {"S103", "S105"} & {d.code for d in diags}
    grid = project_grid(period="数据截止日期：2026年6月30日")
    assert read_form(grid, "s")[0].months == 6  # a date that is the period still is
    grid = project_grid(period="（1-6月）")  # and a period stated right of a 填报日期 with its date
    grid.insert(2, ["填报单位：某中学", None, "填报日期：2026年7月10日", "监控期间：2026年1-7月"])
    form, diags = read_form(grid, "s")
    assert form.months == 7 and "S105" in {d.code for d in diags}  # last month's headers, as S105 says


def test_a_department_form_typed_without_block_twos_header_is_read_as_two_blocks():
    """附件3 typed by hand with 资金总额 / 基本支出 / 项目支出 right below the fund types, its column headers not
    repeated: both were one block, 资金总额 read as 620 for 310, seven fund types called missing (S111) and the
    unit told to double its totals (C002)."""
    top = ["年度预算资金安排", None, None, "1-6月下达数", "1-6月下达率%（下达数/本年预算数）", "1-6月支出数",
           "1-6月支出进度%（支出数/安排数）", "全年预计支出数"]
    grid = [["部门整体支出绩效运行监控表"], ["（2026年1-6月）"], ["主管部门（单位）及代码", None, None, "丙单位（101001003）"],
            ["预算安排及执行进度（万元）", None, None, *top], [None, None, None, "上年结转", "本年预算", "小计"],
            [None, "资金总额：", None, 10, 300, 310, 150, None, 140, None, 300],
            [None, "其中：一般公共预算资金", None, 10, 250, 260, 120, None, 115, None, 250],
            [None, "政府性基金预算资金"], [None, "国有资本经营预算资金"], [None, "社会保险基金预算资金"], [None, "财政专户管理资金"],
            [None, "单位资金", None, None, 50, 50, 30, None, 25, None, 50],
            [None, "资金总额：", None, 10, 300, 310, 150, None, 140, None, 300],
            [None, "其中：基本支出", None, None, 200, 200, 100, None, 100, None, 200],
            [None, "项目支出", None, 10, 100, 110, 50, None, 40, None, 100],
            ["年度绩效目标", None, "保障运转"]]
    result = check_sheets({"部门整体": grid})
    [form] = result.forms
    totals = [(r.block, r.subtotal) for r in form.funding if r.row == L.TOTAL_ROW]
    assert totals == [("source", 310), ("spending", 310)]
    assert not {"S111", "C001", "C002", "R202"} & {d.code for d in result.diagnostics}
    # 支出数 of a fund type unread (待核实): N001 there, and no R202 calling the blocks apart over an empty amount
    unread = [list(row) for row in grid]
    unread[6][8], unread[5][8] = "待核实", 25  # 资金总额's =SUM, as Excel shows it, skips the text
    codes = [(d.code, d.cell) for d in check_sheets({"部门整体": unread}).diagnostics]
    assert ("N001", "I7") in codes and "R202" not in {c for c, _ in codes}
    # its 资金总额 typed with no fund type split: R212 names the fund types of 附件3, not a project form's sources
    for row in grid[6:12]:
        del row[3:]
    [r212] = [d for d in check_sheets({"部门整体": grid}).diagnostics if d.code == "R212"]
    assert "一般公共预算资金" in r212.message and "中央" not in r212.message



def test_a_department_forms_spending_types_typed_right_below_its_fund_types_with_no_total_are_block_two():
    """附件3 typed with 基本支出 and 项目支出 right below 单位资金, neither block 2's header nor its 资金总额 typed: every
    row was read as block 2's, the fund types' amounts in no row of block 1, each fund type called missing (S111)
    though typed, and the department's pre-fill given none of them."""
    grid = department_grid(spending={"其中：基本支出": DEPARTMENT_SPENDING["其中：基本支出"],
                                     "项目支出": DEPARTMENT_SPENDING["项目支出"]}, second_header=False)
    result = check_sheets({"部门整体": grid})
    [form] = result.forms
    assert [(r.block, r.row, r.current) for r in form.funding if r.current] == [
        ("source", L.TOTAL_ROW, 300), ("source", "一般公共预算资金", 250), ("source", "单位资金", 50),
        ("spending", L.TOTAL_ROW, 300), ("spending", "基本支出", 200), ("spending", "项目支出", 100)]
    assert [d.message for d in result.diagnostics if d.code == "S111"] == ["资金表缺少“资金总额”行，请按官方格式补齐。"]
    assert not {"C002", "R202"} & {d.code for d in result.diagnostics}


@pytest.mark.parametrize("kind", ["project", "department"])
def test_a_goal_typed_in_its_labels_cell_is_read(kind):
    """年度绩效目标：保障机关正常运转… typed in one cell, as the header fields may be (项目名称：…): the goal was read as
    none, and the 分析报告 said 年度绩效目标：监控表未填写."""
    grid = department_grid() if kind == "department" else project_grid(funding=SAMPLE_FUNDING,
                                                                         indicators=SAMPLE_INDICATORS)
    r = next(r for r, row in enumerate(grid) if row and str(row[0]).endswith("年度绩效目标"))
    label = grid[r][0]
    grid[r] = [f"{label}： 保障机关正常运转，完成年度重点工作。"]
    [form] = check_sheets({"t": grid}).forms
    assert (form.goal, form.cells["goal"]) == ("保障机关正常运转，完成年度重点工作。", address(r, 0))
    grid[r] = [f"{label}：\u200b"]  # its label alone, and what shows nothing: no goal
    assert check_sheets({"t": grid}).forms[0].goal is None


@pytest.mark.parametrize("title", ["单位整体支出绩效运行监控表", "部门（单位）整体支出绩效运行监控表"])
def test_a_form_titled_as_a_units_overall_form_is_a_department_form(title):
    """附件3 titled 单位整体 or 部门（单位）整体支出绩效运行监控表, its rows named as the unit's books name them (财政拨款,
    基本经费, 项目经费): nothing said 部门整体, so it was read as a project form, its rows of no project form's name
    (S113), its project name and department unfilled (R105), and it was consolidated as a project."""
    grid = department_grid(sources={"资金总额：": TOTAL_310, "其中：财政拨款": TOTAL_310},
                           spending={"资金总额：": TOTAL_310, "其中：基本经费": DEPARTMENT_SPENDING["其中：基本支出"],
                                     "项目经费": DEPARTMENT_SPENDING["项目支出"]})
    grid[0] = [title]
    result = check_sheets({"t": grid})
    [form] = result.forms
    assert form.kind == "department" and form.department == "丙单位（101001003）"
    assert [(r.block, r.row, r.current) for r in form.funding if r.current] == [
        ("source", L.TOTAL_ROW, 300), ("source", "一般公共预算资金", 300), ("spending", L.TOTAL_ROW, 300),
        ("spending", "基本支出", 200), ("spending", "项目支出", 100)]
    assert not {"S113", "R105"} & {d.code for d in result.diagnostics}


@pytest.mark.parametrize("kind", ["project", "department"])
def test_a_goal_typed_on_the_line_below_its_label_is_read(kind):
    """年度绩效目标 typed as a line's heading, its text on the line below: the goal was read as none, and the 分析报告
    said 年度绩效目标：监控表未填写. A sign-off line below a label left blank is still no goal."""
    grid = department_grid() if kind == "department" else project_grid(funding=SAMPLE_FUNDING,
                                                                         indicators=SAMPLE_INDICATORS)
    r = next(r for r, row in enumerate(grid) if row and str(row[0]).endswith("年度绩效目标"))
    label = grid[r][0]
    grid[r:r + 1] = [[label], [None, "保障机关正常运转，完成年度重点工作。"]]
    [form] = check_sheets({"t": grid}).forms
    assert (form.goal, form.cells["goal"]) == ("保障机关正常运转，完成年度重点工作。", address(r + 1, 1))
    grid[r + 1] = [None, "填报人：张三"]
    assert check_sheets({"t": grid}).forms[0].goal is None

def department_totals(grid: list[list]) -> list[tuple[str, float | None]]:
    """Each block's 资金总额 (本年预算) as check_sheets reads the one form of a 部门整体 grid."""
    [form] = check_sheets({"部门整体": grid}).forms
    return [(r.block, r.current) for r in form.funding if r.row == L.TOTAL_ROW]


@pytest.mark.parametrize("label", ["合计", "小计", "资金合计"])
def test_a_department_forms_total_row_typed_below_block_one_leaves_block_two_read(label):
    """A unit's own 合计 typed as block 1's last row, right above block 2's header: its label, two rows above
    上年结转, was taken for the 小计 column's header, left of every row label of block 2, which was lost: 基本支出 and
    项目支出 missing (S111), the unit's spending in no row of the department's pre-fill."""
    grid = department_grid(sources={**DEPARTMENT_SOURCES, label: TOTAL_310}, spending={**DEPARTMENT_SPENDING,
                                                                                     label: TOTAL_310})
    result = check_sheets({"部门整体": grid})
    assert department_totals(grid) == [("source", 300), ("spending", 300)]
    assert not {"S111", "S113", "C002", "R202"} & {d.code for d in result.diagnostics}
    [form] = result.forms
    assert [r.current for r in form.funding if r.row in L.DEPARTMENT_SPENDING_TYPES] == [200, 100]


def test_a_department_forms_rows_named_as_the_national_forms_and_the_books_do_are_its_official_rows():
    """一般公共预算拨款, 政府性基金预算拨款, 财政专户管理资金收入 and a unit's 事业收入 and 其他收入 (its 单位资金, in two rows)
    were rows of no known name in a 部门整体 form (S113, six fund types missing); a project form's 财政拨款 is still
    none of its sources, and its 其他资金 its own."""
    sources = {"年度资金总额": TOTAL_310, "其中：一般公共预算拨款": [10, 200, 210, 150, 0.75, 110, 0.5238, 200],
               "政府性基金预算拨款": [None, 30, 30, 20, 0.6667, 15, 0.5, 30], "国有资本经营预算拨款": None,
               "社会保险基金": None, "财政专户管理资金收入": [None, 10, 10, 5, 0.5, 5, 0.5, 10],
               "事业收入": [None, 40, 40, 20, 0.5, 15, 0.375, 40], "其他收入": [None, 20, 20, 5, 0.25, 5, 0.25, 20]}
    result = check_sheets({"部门整体": department_grid(sources=sources)})
    [form] = result.forms
    rows = {}
    for r in form.funding:
        rows[(r.block, r.row)] = rows.get((r.block, r.row), 0) + (r.current or 0)
    assert {row: rows[("source", row)] for row in L.DEPARTMENT_FUND_TYPES} == {
        "一般公共预算资金": 200, "政府性基金预算资金": 30, "国有资本经营预算资金": 0, "社会保险基金预算资金": 0,
        "财政专户管理资金": 10, "单位资金": 60}
    assert not {"S111", "S113", "C002", "R202"} & {d.code for d in result.diagnostics}
    project = project_grid(funding={"市级财政资金": [10, 200, 210, 100, 0.5, 90, 0.4286, 205]})
    project.insert(9, [None, "财政拨款", None, None, 50, 50, 20, 0.4, 10, 0.2, 50])
    project_result = check_sheets({"表1": project})
    assert [f.kind for f in project_result.forms] == ["project"]
    assert "S113" in {d.code for d in project_result.diagnostics}
    assert "其他资金" in {r.row for r in project_result.forms[0].funding}


BREAKDOWN = {"资金总额：": TOTAL_310, "其中：基本支出": [None, 200, 200, 120, 0.6, 100, 0.5, 200],
             "  其中：人员经费": [None, 150, 150, 90, 0.6, 75, 0.5, 150], "  公用经费": [None, 50, 50, 30, 0.6, 25, 0.5, 50],
             "项目支出": [10, 100, 110, 80, 0.8, 50, 0.4545, 100],
             "  其中：办公楼维修项目": [10, 60, 70, 50, 0.8333, 30, 0.4286, 60],
             "  信息化建设项目": [None, 40, 40, 30, 0.75, 20, 0.5, 40]}


def test_a_department_forms_breakdown_under_a_spending_type_is_part_of_it():
    """基本支出 with its 其中：人员经费 / 公用经费 below it, 项目支出 with its projects: each was a row of its own, added
    on top of the row it details (资金总额 read as 600 for 300, C002 telling the unit to double it, R202, S113 on
    each); they are that row's parts (S134, info), the form's own rows as typed."""
    result = check_sheets({"部门整体": department_grid(spending=BREAKDOWN)})
    [form] = result.forms
    assert [(r.row, r.current) for r in form.funding if r.block == "spending"] == [
        (L.TOTAL_ROW, 300), ("基本支出", 200), ("项目支出", 100)]
    assert not {"S113", "C001", "C002", "R202"} & {d.code for d in result.diagnostics}
    s134 = [(d.cell, d.severity) for d in result.diagnostics if d.code == "S134"]
    assert s134 == [("B17", "info"), ("B20", "info")]
    # where 基本支出 is left blank, or not listed at all (人员经费 and 日常公用经费 in its place), they make it up
    for spending in ({**BREAKDOWN, "其中：基本支出": None},
                     {"资金总额：": TOTAL_310, "人员经费": BREAKDOWN["  其中：人员经费"], "日常公用经费": BREAKDOWN["  公用经费"],
                      "项目支出": BREAKDOWN["项目支出"]}):
        result = check_sheets({"部门整体": department_grid(spending=spending)})
        [form] = result.forms
        assert sum(r.current or 0 for r in form.funding if r.row == "基本支出") == 200
        assert not {"S111", "S113", "C002", "R202"} & {d.code for d in result.diagnostics}
    # a row of no known name that 资金总额 counts as a row of its own is still one (S113), not a part of 基本支出
    spending = {"资金总额：": [10, 350, 360, 200, 0.5714, 150, 0.4167, 300], "基本支出": BREAKDOWN["其中：基本支出"],
                "其他支出": [None, 50, 50, 0, 0, 0, 0, 0], "项目支出": BREAKDOWN["项目支出"]}
    assert "S113" in {d.code for d in check_sheets({"部门整体": department_grid(spending=spending)}).diagnostics}


@pytest.mark.parametrize("label", ["主管部门（单位）名称及代码", "部门（单位）名称", "主管部门（单位）", "单位名称及代码",
                                   "单位名称（代码）", "单位名称", "预算单位"])
def test_a_department_forms_name_line_in_other_words_names_the_unit(label):
    """附件3's 主管部门（单位）及代码 typed as 主管部门（单位）名称及代码, 部门（单位）名称 or 单位名称…: the name right of it was
    not read, R105 said the line was not filled in, and the department's summary named the form （未填单位）."""
    result = check_sheets({"部门整体": department_grid(unit_label=label)})
    [form] = result.forms
    assert form.department == "丙单位（101001003）" and form.cells["department"] == "D3"
    assert "R105" not in {d.code for d in result.diagnostics}


def test_a_department_forms_block_two_typed_beside_block_one_is_read():
    """附件3's two blocks side by side (基本支出 and 项目支出 right of the fund types, to print on one page): S132 called
    block 2 a second form, to be cut to a sheet of its own, and left it unread, the unit's spending in no row of the
    department's pre-fill (which said it had filled none in)."""
    grid = department_grid(spending={})
    header = next(i for i, row in enumerate(grid) if "上年结转" in row)
    beside = [["2.", None, *FUNDING_HEADER_TOP], [None, None, *FUNDING_HEADER_SUB],
              *([label, None, *amounts] for label, amounts in DEPARTMENT_SPENDING.items())]
    for i, cells in enumerate(beside, start=header - 1):
        grid[i] = grid[i] + [None] * (13 - len(grid[i])) + cells
    grid[header + 1][18] = 190  # block 2's 资金总额 typed wrong: its rows' 下达数 are 200, said at its cell
    result = check_sheets({"部门整体": grid})
    [form] = result.forms
    assert [(r.block, r.row, r.current) for r in form.funding if r.block == "spending"] == [
        ("spending", L.TOTAL_ROW, 300), ("spending", "基本支出", 200), ("spending", "项目支出", 100)]
    codes = {(d.code, d.cell) for d in result.diagnostics}
    assert not {"S132", "S111", "R202"} & {code for code, _ in codes} and ("C002", "S6") in codes


def test_a_department_form_without_block_two_is_said_to_lack_it_once():
    """Block 2 left out whole was three S111, one of them 缺少“资金总额”行 though block 1 has its 资金总额."""
    result = check_sheets({"t": department_grid(spending={})})
    assert [d.message for d in result.diagnostics if d.code == "S111"] == [
        "资金表缺少“按支出类型的资金总额”“基本支出”“项目支出”行，请按官方格式补齐。"]


@pytest.mark.parametrize("line", [["填报人：张三", None, None, "联系电话：0351-1234567", None, None, "审核人：李四"],
                                  [None, "填报人", "张三", "审核人：", "李四"],
                                  ["单位负责人（签字）：", None, None, "填报日期：2026年7月10日"]])
def test_a_sign_off_line_below_the_indicators_is_no_indicator(line):
    """填报人：张三  联系电话：…  审核人：… typed right below the indicators of a form without its footnotes was read as an
    indicator named 联系电话：0351-1234567, its forecast 审核人：李四: R104 asked for its target, R301 for its reason."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)[:-len(L.FOOTNOTES)]
    alone, signed = check_sheets({"t": grid}), check_sheets({"t": [*grid, line]})
    assert [i.level3 for i in signed.forms[0].indicators] == [x[2] for x in SAMPLE_INDICATORS]
    assert [(d.code, d.cell) for d in signed.diagnostics] == [(d.code, d.cell) for d in alone.diagnostics]
    named = [None, "满意度指标", "服务对象满意度指标", "联系人满意度", "≥90%", "92%", "93%", None, "√", None, None]
    assert read_form([*grid, named], "t")[0].indicators[-1].level3 == "联系人满意度"  # a name, not a sign-off


@pytest.mark.parametrize("typed, right", [(2.04, True), ("204%", True), ("203.9%", True), (203.94, True),
                                          (2.5, False), ("250%", False)])
def test_a_rate_over_150_percent_typed_as_shown_is_right(typed, right):
    """下达率 over 150% (上年结转 issued with a small 本年预算) typed as its cell shows it, 204% for 203.94%: Excel keeps
    2.04, which was taken for 2.04 percentage points and called wrong (C003, 表中填写 2.04%)."""
    row = [400, 200, 600, 407.88, typed, 300, 0.5, 600]
    form, _ = read_form(project_grid(funding={L.TOTAL_ROW: row, "中央财政资金": row}), "s")
    found = [(d.code, d.cell) for d in calculate(form)]
    central = next(r for r in form.funding if r.row == "中央财政资金")
    assert found == ([] if right else [("C003", form.total().cells["issue_rate"]), ("C003", central.cells["issue_rate"])])
    assert central.issue_rate == pytest.approx(407.88 / 200)


def test_a_small_rate_typed_in_points_and_rounded_is_right():
    """1.2 typed in a % column for a 支出进度 of 1.23% (1.2 percentage points, as shown) was called wrong (C004)."""
    row = [None, 1000, 1000, 500, 0.5, 12.3, 1.2, 1000]
    form, _ = read_form(project_grid(funding={L.TOTAL_ROW: row, "中央财政资金": row}), "s")
    assert calculate(form) == []


@pytest.mark.parametrize("title", ["2 0 2 6 年 市 级 项 目 支 出 绩 效 运 行 监 控 表", "2026年度\n项目支出绩效运行监\n控表"])
def test_a_title_spaced_out_or_over_lines_gives_the_forms_year(title):
    """A title spaced out over its merged cell (2 0 2 6 年 项 目 …) or broken over lines was not taken for the title:
    with a period line of months only, （1-6月）, the form had no year (S103, 没有写明年度)."""
    form, diags = read_form(project_grid(title=title, period="（1-6月）"), "s")
    assert (form.year, form.months, form.cells["title"]) == (2026, 6, "A1") and form.title == title
    assert "S103" not in {d.code for d in diags}


@pytest.mark.parametrize("name", ["注册志愿者人数", "说明会举办场次"])
def test_an_indicator_named_as_a_footnote_begins_is_read(name):
    """An indicator whose name begins as a footnote does (注册…, 说明…), under 一级/二级 merged from the row above,
    was taken for the footnotes below the table: it and every indicator after it were lost without a word."""
    rows = [list(SAMPLE_INDICATORS[0]), ["产出指标", "数量指标", name, "≥200人", 150, 220, None, "√", None, None, None],
            *SAMPLE_INDICATORS[1:]]
    form, _ = read_form(project_grid(indicators=rows), "s")
    assert [i.level3 for i in form.indicators] == [row[2] for row in rows]


@pytest.mark.parametrize("note", ["注：本表金额以万元为单位", "注 1. 偏差原因分析", "注意：", "说明:", "注", "填表说明", "备注：1．指标值以批复为准",
                                  "1、偏差原因分析：…"])
def test_footnotes_as_typed_end_the_indicators(note):
    grid = project_grid(indicators=SAMPLE_INDICATORS)[:-len(L.FOOTNOTES)]
    form, _ = read_form([*grid, [None, note], [None, None, None, "以上数据截至6月30日", "见附件"]], "s")
    assert [i.level3 for i in form.indicators] == [row[2] for row in SAMPLE_INDICATORS]


@pytest.mark.parametrize("funding", [SAMPLE_FUNDING, {L.TOTAL_ROW: SAMPLE_FUNDING["市级财政资金"],
                                                     "市级财政资金": SAMPLE_FUNDING["市级财政资金"]}])
def test_a_sum_typed_below_the_sources_whose_subtotals_are_blank_is_no_second_line(funding):
    """The unit's own sums typed with no label below 其他资金, 小计 among them, where the sources' and 资金总额's 小计 were
    left blank: compared with the 小计 typed (none), the line was taken for 其他资金's second line (S114) and every
    amount of it counted twice. A blank 小计 is 上年结转 + 本年预算 to that sum."""
    funding = {row: [None if i == 2 else v for i, v in enumerate(values)] for row, values in funding.items()}
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS)
    official = check_sheets({"t": grid}).forms[0]
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "其他资金")
    total = funding[L.TOTAL_ROW]
    grid.insert(at + 1, [None, None, None, total[0], total[1], total[0] + total[1]])
    result = check_sheets({"t": grid})
    assert [(r.row, r.carryover, r.current, r.subtotal) for r in result.forms[0].funding] == [
        (r.row, r.carryover, r.current, r.subtotal) for r in official.funding]
    assert not [d.code for d in result.diagnostics if d.code[0] in "SC"]


def test_a_sign_off_line_below_a_funding_table_typed_last_is_no_source():
    """The funding table typed below the indicators, a sign-off line below it with the phone number typed as a number
    in 支出数's column: a source named 填报人：张三 that spent 13,800,000,000 万元 (S113, C002, R210, R206…)."""
    grid = _indicators_first(project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    alone = check_sheets({"t": grid})
    signed = check_sheets({"t": [*grid, ["填报人：张三", None, None, None, None, None, None, "联系电话", 13800000000]]})
    assert [(r.row, r.spent) for r in signed.forms[0].funding] == [(r.row, r.spent) for r in alone.forms[0].funding]
    assert [(d.code, d.cell) for d in signed.diagnostics] == [(d.code, d.cell) for d in alone.diagnostics]


@pytest.mark.parametrize("first", [[["监控期间：2026年1-6月"], ["项目名称：项目乙"]],
                                   [["监控期间：", None, "（2026年1-6月）"], ["项目名称", None, "项目乙"]]])
def test_a_form_stacked_with_no_title_begins_at_its_first_line(first):
    """A second form typed below the first with no title of its own, its period after its label (监控期间：…) or its
    header fields with their values (项目名称：…): it was taken to begin at its funding table, its period, project,
    department and unit left to the first form (R105 ×3, no year)."""
    second = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="项目乙")[1:]
    second[:2] = first
    second[2] = ["主管部门及代码：某市教育局（101001）", None, None, None, None, None, None, "预算单位：某市第一中学"]
    first_form = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    result = check_sheets({"t": [*first_form, [None], *second]})
    alike = ("某市教育局（101001）", "某市第一中学", 2026, 6)
    assert [(f.project, f.department, f.unit, f.year, f.months) for f in result.forms] == [
        ("校舍维修改造项目", *alike), ("项目乙", *alike)]
    below = len(first_form) + 1
    assert [f.place for f in result.forms] == [(0, below), (below, below + len(second))]
    assert not {"R105", "S101", "S103"} & {d.code for d in result.diagnostics}


def test_a_line_of_its_own_saying_of_which_is_no_source():
    """其中： typed on a line of its own above the sources was read with the name below it as a name typed over two
    lines (其中：/中央财政资金): a second, empty 中央财政资金 row, at the heading's line."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, label=lambda s: s.removeprefix("其中："))
    official = check_sheets({"t": grid})
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "中央财政资金")
    result = check_sheets({"t": [*grid[:at], [None, "其中："], *grid[at:]]})
    assert [(r.row, r.current) for r in result.forms[0].funding] == [
        (r.row, r.current) for r in official.forms[0].funding]
    assert [d.code for d in result.diagnostics] == [d.code for d in official.diagnostics]


@pytest.mark.parametrize("date", ["2026年7月10日", "日期：2026年7月10日", "2026年7月10号"])
def test_a_date_right_of_the_title_is_not_the_period(date):
    """The day the form was made typed at the right of its title, above （2026年1-6月）, was taken for the period 1-7月:
    the form was graded against 7 months, its 1-6月 headers called last month's (S105), and a department's summary
    would leave it out as of another month."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    grid[0] = [*grid[0], *[None] * 9, date]
    form, diags = read_form(grid, "s")
    assert (form.year, form.months, form.cells["period"]) == (2026, 6, "A2") and "S105" not in {d.code for d in diags}
    grid[1] = ["（1-6月）"]  # the year from the title; the date is still not the period
    form, diags = read_form(grid, "s")
    assert (form.year, form.months) == (2026, 6) and "S105" not in {d.code for d in diags}


def test_what_shows_nothing_pasted_with_a_label_or_an_amount_is_not_read():
    """A zero-width space or a BOM pasted with a text from a web page or a chat: 项目名称 was not the label (R105, 未填写),
    市级财政资金 a row of no known name (S113, S111) and 200 no number (N001, 表中填写的是“200”)."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    official = check_sheets({"t": grid})
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "市级财政资金")
    grid[2][0], grid[at][1], grid[at][4] = "项目名称\u200b", "\ufeff市级财政资金", "200\u200b"
    result = check_sheets({"t": grid})
    assert result.forms[0].project == "校舍维修改造项目"
    assert [(r.row, r.current) for r in result.forms[0].funding] == [
        (r.row, r.current) for r in official.forms[0].funding]
    assert [d.code for d in result.diagnostics] == [d.code for d in official.diagnostics]


def test_a_hidden_source_row_is_said_once_as_hidden_not_also_as_missing():
    """A unit hid its 市级财政资金 line, amounts and all: S133 said the line is hidden and its amounts not counted
    (unhide it, or delete it if old), and S111 said the form lacks a 市级财政资金 line, to be added. The line is
    there; adding another would leave the hidden one behind. One cause, one finding: S133, which says what to do."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "市级财政资金")
    result = check_sheets({"表1": grid}, hidden_rows={"表1": frozenset({at})})
    found = [(d.code, d.cell) for d in result.diagnostics if d.code in ("S111", "S133")]
    assert found == [("S133", f"B{at + 1}")], [d.line() for d in result.diagnostics]
    empty = [row[:2] if i == at else row for i, row in enumerate(grid)]  # a line of no amounts, hidden: not there
    result = check_sheets({"表1": empty}, hidden_rows={"表1": frozenset({at})})
    assert [d.code for d in result.diagnostics if d.code in ("S111", "S133")] == ["S111"]


def _hidden(grid: list[list], label: str, old: list | None = None) -> tuple[list[list], int]:
    """The grid with its row labelled `label` to be hidden, or with `old` (amounts) typed above it as the line hidden."""
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == label)
    return (grid if old is None else [*grid[:at], [None, label, None, *old], *grid[at:]]), at


def test_what_s133_advises_for_a_hidden_row_leads_to_no_other_finding():
    """S133 told the unit to delete a hidden row of old amounts. Where the hidden row is the form's only 中央财政资金
    row, deleting it (or clearing it and leaving it hidden) makes the next check say the row is missing (S111): S133
    says so, and asks to unhide it. A hidden old line beside the row in use may be deleted, and S133 says that."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    clean = sorted((d.code, d.cell) for d in check_sheets({"表1": grid}).diagnostics)
    _, at = _hidden(grid, "其中：中央财政资金")
    [said] = [d for d in check_sheets({"表1": grid}, hidden_rows={"表1": frozenset({at})}).diagnostics if d.code == "S133"]
    assert "请删除该行" not in said.message and "唯一的“中央财政资金”行，请取消隐藏，不要删除" in said.message, said.message
    deleted = [row for i, row in enumerate(grid) if i != at]
    assert "S111" in {d.code for d in check_sheets({"表1": deleted}).diagnostics}  # what deleting it gave
    old, at = _hidden(grid, "其中：中央财政资金", [None, 80, 80, 40, 0.5, 20, 0.25, 80])
    [said] = [d for d in check_sheets({"表1": old}, hidden_rows={"表1": frozenset({at})}).diagnostics if d.code == "S133"]
    assert said.message.endswith("如这些金额有效，请取消隐藏；如是旧数据，请删除该行。"), said.message
    deleted = [row for i, row in enumerate(old) if i != at]
    assert sorted((d.code, d.cell) for d in check_sheets({"表1": deleted}).diagnostics) == clean


@pytest.mark.parametrize("label, block", [("其中：基本支出", "spending"), ("资金总额：", "spending"), ("单位资金", "source")])
def test_what_s133_advises_for_a_hidden_department_row_depends_on_whether_it_is_the_only_one(label, block):
    """附件3: its only 基本支出 row, or block 2's 资金总额 (block 1 has its own), hidden, is to be unhidden, not deleted;
    an old 单位资金 line hidden above the one in use may be deleted."""
    grid = department_grid()
    if block == "spending":
        second = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "2.")
        at = next(i for i in range(second, len(grid)) if len(grid[i]) > 1 and grid[i][1] == label)
    else:
        grid, at = _hidden(grid, label, [None, 40, 40, 20, 0.5, 10, 0.25, 40])
    [said] = [d for d in check_sheets({"表1": grid}, hidden_rows={"表1": frozenset({at})}).diagnostics if d.code == "S133"]
    only = block == "spending"
    assert ("请取消隐藏，不要删除" in said.message) is only and said.message.endswith("请删除该行。") is not only, said.message
