"""The summary's 部门整体: what it is pre-filled with from the units' 部门整体 forms, and what its note says of them."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from handmade import TOTAL_310, department_grid
from test_check import write_grid
from test_consolidate import OVERALL_AMOUNTS, complete_department_form, run, write_form, write_overall_form
from xlmon import layout as L
from xlmon.form_plan import plan_form

LAYOUT = plan_form("department", year=2026, months=6).layout


def note_of(summary: Path) -> str:
    """The note xlmon writes below the summary's 部门整体."""
    ws = load_workbook(summary)["部门整体"]
    return next(c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("说明"))


def prefilled(summary: Path, block: str, label: str) -> list:
    ws = load_workbook(summary)["部门整体"]
    return [ws[LAYOUT.funding[(block, label)][f]].value for f in ("current", "issued", "spent", "forecast")]


def test_a_form_that_gave_the_prefill_no_amount_is_not_named_as_its_source(tmp_path, capsys):
    """戊单位 typed only the two 资金总额 rows (R212) and 己单位 no amount at all: nothing of theirs is in the
    pre-fill, which the note said was made from their forms; it names them as left out instead."""
    units = tmp_path / "units"
    units.mkdir()
    write_overall_form(units / "甲.xlsx", "甲单位")
    write_overall_form(units / "戊.xlsx", "戊单位", rows={("source", L.TOTAL_ROW): OVERALL_AMOUNTS,
                                                        ("spending", L.TOTAL_ROW): OVERALL_AMOUNTS})
    write_overall_form(units / "己.xlsx", "己单位", rows={}, red=True)
    code, _ = run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    note = note_of(tmp_path / "汇总.xlsx")
    assert code == 0 and prefilled(tmp_path / "汇总.xlsx", "source", "一般公共预算资金") == [100, 50, 40, 100]
    assert "根据 甲单位 报送的" in note
    assert "戊单位的部门整体表只填写了资金总额" in note and "己单位的部门整体表未填写金额" in note
    assert "这些单位的金额未计入本表，请部门核实补充" in note

    # with no form to pre-fill from, the note says that the amounts are not pre-filled, and why
    (units / "甲.xlsx").unlink()
    run(capsys, units, "-o", tmp_path / "汇总2.xlsx")
    note = note_of(tmp_path / "汇总2.xlsx")
    assert note.startswith("说明：本表金额未预填") and "根据" not in note and "戊单位的部门整体表只填写了资金总额" in note
    _, up = run(capsys, tmp_path / "汇总2.xlsx", "-o", tmp_path / "上级.xlsx")  # xlmon's own note: no edit, untouched
    assert not {"K006", "K014"} & {d["code"] for d in up["diagnostics"]}


def test_units_whose_two_blocks_differ_are_named_where_the_prefills_blocks_differ(tmp_path, capsys):
    """丙单位 filled in no 按支出类型 row and 丁单位's 基本支出 is less than its 单位资金: summed, the pre-fill's two
    资金总额 disagree (R202 on xlmon's own pre-fill) without a word why; the note names the two units and how."""
    units = tmp_path / "units"
    units.mkdir()
    write_overall_form(units / "甲.xlsx", "甲单位")
    write_overall_form(units / "丙.xlsx", "丙单位", rows={("source", "政府性基金预算资金"): OVERALL_AMOUNTS})
    write_overall_form(units / "丁.xlsx", "丁单位", rows={("source", "单位资金"): OVERALL_AMOUNTS,
                                                        ("spending", "基本支出"): {"current": 60, "spent": 20}})
    run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    note = note_of(tmp_path / "汇总.xlsx")
    assert "根据 丁单位、丙单位、甲单位 报送的" in note  # their amounts are in, each block as they typed it
    assert "丙单位的部门整体表未填写按支出类型（基本支出、项目支出）的金额" in note
    assert "丁单位的部门整体表按资金类型与按支出类型填写的金额不一致" in note
    assert "本表两种分类的资金总额因此不一致，请部门核实补充" in note and "甲单位的部门整体表" not in note
    assert prefilled(tmp_path / "汇总.xlsx", "spending", "基本支出") == [160, 50, 60, 100]


def test_a_unit_whose_department_form_is_of_another_period_is_not_said_to_have_sent_none(tmp_path, capsys):
    """乙单位 sent its projects and a 部门整体 form of 1-5月 (K001): the note said it had sent only project forms."""
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("甲单位", "乙单位", "丙单位"):
        write_form(units / f"{unit}项目.xlsx", unit=unit, project=f"{unit}运转经费")
    write_overall_form(units / "甲.xlsx", "甲单位")
    write_overall_form(units / "乙.xlsx", "乙单位", months=5)
    run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    note = note_of(tmp_path / "汇总.xlsx")
    assert "根据 甲单位 报送的" in note and "另有 1 个单位只报送了项目表" in note
    assert "乙单位报送的部门整体表为 2026年1-5月 的表，与本表期间（2026年1-6月）不一致，未计入本表" in note

    write_overall_form(units / "乙（6月）.xlsx", "乙单位")  # sent again for 1-6月: its form is in, nothing said
    run(capsys, units, "-o", tmp_path / "汇总2.xlsx")
    note = note_of(tmp_path / "汇总2.xlsx")
    assert "根据 乙单位、甲单位 报送的" in note and "2026年1-5月" not in note


def test_a_unit_sending_its_department_form_twice_is_told_of_that_form_not_of_a_project_named_after_its_sheet(
        tmp_path, capsys):
    """丙单位 sent its 部门整体 form twice, on a sheet named Sheet1: K002 spoke of 项目“Sheet1”."""
    from openpyxl import load_workbook as load

    units = tmp_path / "units"
    units.mkdir()
    for name in ("丙.xlsx", "丙（更正）.xlsx"):
        path = write_overall_form(units / name, "丙单位")
        book = load(path)
        book.active.title = "Sheet1"
        book.save(path)
    _, data = run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    [k002] = [d for d in data["diagnostics"] if d["code"] == "K002"]
    # a 部门整体 form is no 项目: not 项目“（部门整体支出）”（丙单位）, nor 项目“Sheet1”
    assert k002["message"].startswith("丙单位的部门整体表在 ") and "项目“" not in k002["message"]
    assert data["duplicates"][0].startswith("丙单位·（部门整体支出）：")


def test_a_departments_completed_form_takes_in_every_unit_it_consolidated(tmp_path, capsys):
    """乙单位 sent the department project forms only; the department completed its 部门整体 (which is the whole
    department's, 乙单位 included) and sent the summary up, while 乙单位 sent its own 部门整体 straight to the
    bureau: counted beside the department's, 乙单位's money was in the bureau's pre-fill twice."""
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("甲单位", "乙单位"):
        write_form(units / f"{unit}项目.xlsx", unit=unit, project=f"{unit}运转经费")
    write_overall_form(units / "甲.xlsx", "甲单位")
    run(capsys, units, "-o", tmp_path / "部门.xlsx")
    complete_department_form(tmp_path / "部门.xlsx", forecast=900)
    late = write_overall_form(tmp_path / "乙单位部门整体.xlsx", "乙单位")
    _, bureau = run(capsys, tmp_path / "部门.xlsx", late, "-o", tmp_path / "财政局.xlsx")
    assert prefilled(tmp_path / "财政局.xlsx", "source", "一般公共预算资金") == [100, 50, 40, 100]
    [k002] = [d for d in bureau["diagnostics"] if d["code"] == "K002"]
    assert k002["file"] == str(late) and "填写的部门整体表已含该单位" in k002["message"]


def test_a_unit_naming_its_fund_types_as_its_books_do_is_prefilled_in_the_official_rows(tmp_path, capsys):
    """丙单位 typed block 1 with the names of its books (财政拨款, 政府性基金, 财政专户, 单位自有资金, 其他资金): each was
    no row of 附件3 (S113, or a project form's 单位自筹资金 and 其他资金, named nowhere), so the department's pre-fill had
    none of its 310 万元 by fund type while its spending was in, the two 资金总额 apart without a word why."""
    units = tmp_path / "units"
    units.mkdir()
    write_overall_form(units / "甲.xlsx", "甲单位")
    sources = {"资金总额：": TOTAL_310, "其中：财政拨款": [10, 200, 210, 150, 0.75, 110, 0.5238, 200],
               "政府性基金": [None, 30, 30, 20, 0.6667, 15, 0.5, 30], "财政专户": [None, 10, 10, 5, 0.5, 5, 0.5, 10],
               "单位自有资金": [None, 40, 40, 20, 0.5, 15, 0.375, 40], "其他资金": [None, 20, 20, 5, 0.25, 5, 0.25, 20]}
    write_grid(units / "丙.xlsx", department_grid(sources=sources), "部门整体")
    _, data = run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    summary = tmp_path / "汇总.xlsx"
    assert prefilled(summary, "source", "一般公共预算资金") == [300, 200, 150, 300]
    assert prefilled(summary, "source", "政府性基金预算资金") == [30, 20, 15, 30]
    assert prefilled(summary, "source", "财政专户管理资金") == [10, 5, 5, 10]
    assert prefilled(summary, "source", "单位资金") == [60, 25, 20, 60]
    assert prefilled(summary, "spending", "基本支出") == [300, 170, 140, 300]
    assert not {"S113", "R202"} & {d["code"] for d in data["diagnostics"]}
    missing = {d["message"] for d in data["diagnostics"] if d["code"] == "S111"}  # the rows it left out, no others
    assert missing == {f"资金表缺少“{row}”行，请按官方格式补齐。" for row in ("国有资本经营预算资金", "社会保险基金预算资金")}
    assert "不一致" not in note_of(summary)


def test_a_units_breakdown_of_its_spending_types_is_not_added_to_the_prefill(tmp_path, capsys):
    """丙单位 detailed 基本支出 (人员经费, 公用经费) and 项目支出 (its projects) below them: the department was told its
    blocks disagreed (按资金类型与按支出类型填写的金额不一致) and 丙单位 to double its 资金总额 (C002)."""
    from test_reader import BREAKDOWN

    units = tmp_path / "units"
    units.mkdir()
    write_overall_form(units / "甲.xlsx", "甲单位")
    write_grid(units / "丙.xlsx", department_grid(spending=BREAKDOWN), "部门整体")
    _, data = run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    summary = tmp_path / "汇总.xlsx"
    assert prefilled(summary, "spending", "基本支出") == [300, 170, 140, 300]
    assert prefilled(summary, "spending", "项目支出") == [100, 80, 50, 100]
    assert not {"C002", "R202", "S113"} & {d["code"] for d in data["diagnostics"]}
    assert "不一致" not in note_of(summary)


def test_a_unit_whose_department_form_has_rows_of_no_official_name_is_named_not_half_prefilled(tmp_path, capsys):
    """丙单位 gave its fund types by level of government (中央财政资金, 市级财政资金, a project form's sources) and 丁单位
    a row 调剂资金 beside 一般公共预算资金: the pre-fill had no row for them and left their money out in silence, its
    资金总额 by fund type 300 万元 short of that by spending type, the note saying nothing of why."""
    units = tmp_path / "units"
    units.mkdir()
    write_overall_form(units / "甲.xlsx", "甲单位")
    by_level = {"资金总额：": TOTAL_310, "中央财政资金": [10, 100, 110, 70, 0.7, 50, 0.4545, 100],
                "市级财政资金": [None, 200, 200, 130, 0.65, 100, 0.5, 200]}
    write_grid(units / "丙.xlsx", department_grid(sources=by_level, unit="丙单位"), "部门整体")
    other = {"资金总额：": TOTAL_310, "其中：一般公共预算资金": [10, 250, 260, 170, 0.68, 130, 0.5, 250],
             "调剂资金": [None, 50, 50, 30, 0.6, 20, 0.4, 50]}
    write_grid(units / "丁.xlsx", department_grid(sources=other, unit="丁单位"), "部门整体")
    _, data = run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    summary = tmp_path / "汇总.xlsx"
    assert prefilled(summary, "source", "一般公共预算资金") == prefilled(summary, "spending", "基本支出") == [100, 50, 40, 100]
    note = note_of(summary)
    assert "根据 甲单位 报送的" in note
    assert "丙单位的部门整体表“中央财政资金”、“市级财政资金”不是规定的行名称" in note
    assert "丁单位的部门整体表“调剂资金”不是规定的行名称" in note and "这些单位的金额未计入本表" in note
    s113 = [d["message"] for d in data["diagnostics"] if d["code"] == "S113"]
    assert len(s113) == 3 and all("按支出类型：基本支出、项目支出" in m and "不予预填" in m for m in s113)


def test_an_amount_no_unit_gave_is_left_blank_in_the_prefill_not_0(tmp_path, capsys):
    """甲单位 and 乙单位 gave 一般公共预算资金's 本年预算 and 支出数 but neither its 下达数 nor its 全年预计: the pre-fill
    wrote 0.00 in both, so check called xlmon's own pre-fill 预计支出少于已支出 (R214, an error) and showed its 下达率
    as 0.00 %. Both are left blank; a summary written before, holding those 0s untouched, is still xlmon's pre-fill."""
    units = tmp_path / "units"
    units.mkdir()
    given = {"current": 100, "spent": 40}
    for unit in ("甲单位", "乙单位"):
        write_overall_form(units / f"{unit}.xlsx", unit, rows={("source", "一般公共预算资金"): given,
                                                               ("spending", "基本支出"): given})
    summary = tmp_path / "汇总.xlsx"
    run(capsys, units, "-o", summary)
    assert prefilled(summary, "source", "一般公共预算资金") == [200, None, 80, None]
    assert prefilled(summary, "spending", "基本支出") == [200, None, 80, None]
    ws = load_workbook(summary)["部门整体"]
    assert ws[LAYOUT.funding[("source", "一般公共预算资金")]["carryover"]].value is None
    from xlmon.check import check_file

    assert not {"R214", "R204"} & {d.code for d in check_file(summary).diagnostics}

    # as summaries pre-filled before: 0 where no unit gave an amount; untouched, it is no completed form
    book = load_workbook(summary)
    for block, label in (("source", "一般公共预算资金"), ("spending", "基本支出")):
        for field in ("carryover", "issued", "forecast"):
            book["部门整体"][LAYOUT.funding[(block, label)][field]] = 0
    book.save(summary)
    code, up = run(capsys, summary, "-o", tmp_path / "上级.xlsx")
    assert code == 0 and "K006" not in {d["code"] for d in up["diagnostics"]}
    complete_department_form(summary, forecast=900)  # completed so: its 0s are the earlier pre-fill, not its own
    code, again = run(capsys, units, "--overall-from", summary, "-o", tmp_path / "汇总2.xlsx")
    assert code == 0 and again["carried"]["amounts"] == 0
    assert prefilled(tmp_path / "汇总2.xlsx", "source", "一般公共预算资金") == [200, None, 80, None]


def test_units_that_left_out_an_amount_others_gave_are_named_in_the_note(tmp_path, capsys):
    """甲单位 gave 一般公共预算资金's 全年预计 and 下达数, 乙单位 only its 本年预算 and 支出数: the pre-fill sums the one
    unit's, below the row's spending (R214 on xlmon's own pre-fill) without a word why. The note names 乙单位 and what
    it left out, so the department knows whose figure to add."""
    units = tmp_path / "units"
    units.mkdir()
    full = {"current": 100, "issued": 80, "spent": 40, "forecast": 60}
    part = {"current": 100, "spent": 70}
    write_overall_form(units / "甲.xlsx", "甲单位", rows={("source", "一般公共预算资金"): full,
                                                        ("spending", "基本支出"): full})
    write_overall_form(units / "乙.xlsx", "乙单位", rows={("source", "一般公共预算资金"): part,
                                                        ("spending", "基本支出"): part})
    summary = tmp_path / "汇总.xlsx"
    code, _ = run(capsys, units, "-o", summary)
    assert code == 0 and prefilled(summary, "source", "一般公共预算资金") == [200, 80, 110, 60]
    note = note_of(summary)
    assert "乙单位的部门整体表未填写下达数、全年预计支出数" in note, note
    assert "本表这些列只合计了填写的单位" in note and "甲单位的部门整体表未填写" not in note


def test_the_prefills_colours_follow_the_profile_the_summary_was_made_with(tmp_path, capsys):
    """The 部门整体 a department completes colours 支出进度 as the summary graded it: by the --profile's gaps and
    palette, not the built-in ones."""
    units = tmp_path / "units"
    units.mkdir()
    write_overall_form(units / "甲.xlsx", "甲单位")
    profile = tmp_path / "本市规则.toml"
    profile.write_text('[funding]\ngreen_max_gap = 0.03\nyellow_max_gap = 0.07\n[palette]\nyellow = "FFD966"\n',
                       encoding="utf-8")
    code, _ = run(capsys, units, "-o", tmp_path / "汇总.xlsx", "--profile", profile)
    ws = load_workbook(tmp_path / "汇总.xlsx")["部门整体"]
    rules = {r.dxf.fill.bgColor.rgb[-6:]: r.formula[0] for cf in ws.conditional_formatting for r in cf.rules}
    assert code == 0 and "FFD966" in rules and "FFEB9C" not in rules, rules
    assert ">0.030000000001" in rules["FFD966"] and ">0.070000000001" in rules["FFC7CE"], rules


def test_amounts_wider_than_the_official_forms_columns_widen_them(tmp_path, capsys):
    """The official form's columns hold 999,999.99 万元: the sums of forms typed in 元 (K019) printed ### there. Each amount column is as wide as its widest amount, the
    小计 and 资金总额 its formulas sum included; the form's other columns keep the official widths."""
    from xlmon.form_plan import COLUMN_WIDTHS

    units = tmp_path / "units"
    units.mkdir()
    big = {"carryover": 1_000_000.0, "current": 4_000_000.0, "issued": 1_500_000.0, "spent": 125_000.5,
           "forecast": 1_900_000.0}
    for name in ("甲单位", "乙单位"):
        write_overall_form(units / f"{name}.xlsx", name, rows={("source", "一般公共预算资金"): big,
                                                              ("spending", "基本支出"): big})
    code, _ = run(capsys, units, "-o", tmp_path / "汇总.xlsx")
    ws = load_workbook(tmp_path / "汇总.xlsx")["部门整体"]
    widths = {c: ws.column_dimensions[chr(64 + c)].width for c in range(1, len(COLUMN_WIDTHS) + 1)}
    merged = {c.coordinate for r in ws.merged_cells.ranges for c in ws[r.coord][0][1:]}
    assert code == 0 and ws[LAYOUT.funding[("source", "一般公共预算资金")]["spent"]].value == 250_001.0
    for (block, label), cells in LAYOUT.funding.items():
        for field, address in cells.items():
            column = ws[address].column
            value = 2 * (big["carryover"] + big["current"]) if field == "subtotal" else 2 * big.get(field, 0.0)
            if field in ("issue_rate", "spend_progress") or ws.cell(ws[address].row, column + 1).coordinate in merged:
                continue
            assert widths[column] >= len(f"{value:,.2f}") + 2, (block, label, field, widths[column])
    assert [widths[c] for c in (1, 2, 3)] == list(COLUMN_WIDTHS[:3])
