"""The ribbon's entry points on xlwings' own remote Book, with payloads built from real workbooks.

Actions are checked against the handlers the clients really have: the Subs of the installed
xlwings VBA client (Remote.bas) and the action table of the installed xlwings Server Office.js
client, so a button can never send an action the user's Excel cannot apply.
"""

from __future__ import annotations

import copy
import importlib.util
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from payloads import actions_of, apply_actions, payload_from_file

import xlwings as xw
from conftest import libreoffice_convert
from xlmon import demo, entry_points as ep
from xlmon import layout as L
from xlmon.adapters import xlwings_book as xb
from xlmon.adapters.workbook_marks import annotate_file
from xlmon.check import check_file
from xlmon.grid import normalise, parse_address
from xlmon.marks import FINDING_FILL, PALETTE, plan_marks
from xlmon.sheetnames import RESULTS_SHEET
from xlmon.templates import template_workbook


def vba_handlers() -> set[str]:
    text = (Path(xw.__file__).parent / "addin" / "Remote.bas").read_text("utf-8", errors="replace")
    return set(re.findall(r"^Sub (\w+)\(wb As Workbook, action As Dictionary\)", text, re.M))


def officejs_handlers() -> set[str]:
    spec = importlib.util.find_spec("xlwings_server")
    index = Path(next(iter(spec.submodule_search_locations))) / "static/js/custom-scripts/index.js"
    table = re.search(r"^let funcs = \{(.*?)^\};", index.read_text("utf-8"), re.S | re.M).group(1)
    return set(re.findall(r"^\s*(\w+):", table, re.M))


HANDLERS = {"VBA": vba_handlers, "Office.js": officejs_handlers}


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    return demo.build(tmp_path_factory.mktemp("dept"))


def unit_file(department, style: str) -> Path:
    """The first unit's workbook typed in `style` (template, shifted, text, columns)."""
    return next(p for p, u in zip(department.paths, department.department.units) if u.style == style and u.projects)


def test_the_handler_tables_are_read_from_the_installed_clients():
    vba, officejs = vba_handlers(), officejs_handlers()
    assert {"setValues", "setRangeColor", "addSheet", "sheetDelete", "addHyperlink", "alert"} <= vba
    assert "setFormula" not in vba and "rangeMerge" not in vba
    assert vba == xb.VBA_ACTIONS
    assert xb.OFFICEJS_EXTRA <= officejs and {"setFormula", "rangeMerge"} <= officejs


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
@pytest.mark.parametrize("button", ["calculate", "validate", "clear_marks", "new_project_form", "consolidate"])
def test_every_button_emits_only_actions_its_client_applies(department, client, button):
    payload = payload_from_file(unit_file(department, "template"), client=client)
    actions, _ = actions_of(payload, ep.BUTTONS[button])
    if button == "clear_marks":  # clearing needs marks first
        marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
        actions, _ = actions_of(marked, ep.clear_marks)
    used = {a["func"] for a in actions}
    assert used and used <= HANDLERS[client](), used - HANDLERS[client]()
    assert "alert" in used


@pytest.mark.parametrize("style", ["template", "shifted", "text", "columns"])
def test_validate_colours_the_cells_annotate_colours_and_lists_the_same_findings(department, tmp_path, style):
    path = unit_file(department, style)
    result = check_file(path)
    plan = plan_marks(result.forms, result.diagnostics)
    annotate_file(path, tmp_path / "annotated.xlsx", plan)

    payload = payload_from_file(path)
    actions, outcome = actions_of(payload, ep.validate)
    coloured = {(payload["sheets"][a["sheet_position"]]["name"], _a1(a)) for a in actions
                if a["func"] == "setRangeColor" and a["sheet_position"] < len(payload["sheets"])}
    assert coloured == {(m.sheet, m.cell) for m in plan.marks}
    assert set(outcome.marked) == coloured

    after = apply_actions(payload, actions)
    rows = _sheet(after, RESULTS_SHEET)
    annotated = load_workbook(tmp_path / "annotated.xlsx")[RESULTS_SHEET]
    theirs = [[c.value for c in row][2:7] for row in annotated.iter_rows(min_row=2)]
    ours = [row[2:7] for row in rows[1:] if isinstance(row[0], int)]
    assert ours == theirs and len(ours) == len(result.diagnostics)
    links = [a for a in actions if a["func"] == "addHyperlink"]
    assert len(links) == sum(1 for d in result.diagnostics if d.sheet and d.cell)
    assert all(a["args"][0].startswith("#'") for a in links)


def test_validate_alert_counts_and_grades(department):
    payload = payload_from_file(unit_file(department, "template"))
    actions, outcome = actions_of(payload, ep.validate)
    alert = next(a for a in actions if a["func"] == "alert")
    errors = sum(1 for d in outcome.diagnostics if d.severity == "error")
    assert f"错误 {errors} 项" in alert["args"][0] and "偏差等级" in alert["args"][0]


def test_validate_and_calculate_on_a_summary_read_its_department_form_as_the_cli_does(department, tmp_path):
    """A department opens its 部门汇总.xlsx to complete 部门整体 and presses 校验: the add-in dropped the hidden
    records sheet before reading, so the summary looked like one whose records were deleted (F011, 0 张表). It
    reads 部门整体 as `xlmon check` does, and the tables beside it are still no forms."""
    from xlmon.consolidate.run import consolidate

    summary = tmp_path / "部门汇总.xlsx"
    consolidate(department.paths, summary)
    payload = payload_from_file(summary)
    assert "_xlmon_records" in {s["name"] for s in payload["sheets"]}
    _, outcome = actions_of(payload, ep.validate)
    cli = check_file(summary)
    assert [f.sheet for f in cli.forms] == ["部门整体"]
    assert sorted((d.code, d.sheet, d.cell) for d in outcome.diagnostics) == \
        sorted((d.code, d.sheet, d.cell) for d in cli.diagnostics)
    assert "F011" not in {d.code for d in outcome.diagnostics}
    actions, _ = actions_of(payload, ep.calculate)
    alert = next(a for a in actions if a["func"] == "alert")["args"][0]
    assert alert.startswith("计算完成") and "没有找到" not in alert


def test_a_results_sheet_that_is_not_xlmons_is_never_written_over(department, tmp_path):
    """A unit's own sheet called 校验结果, or ours with its record of marks (J–N) deleted: 校验 failed with an
    English error (HTTP 500 on the server) and 清除标记 said there was no such sheet. Both say what it is and
    change nothing; the CLI's --annotate on a file the add-in marked says to clear it in Excel first."""
    payload = payload_from_file(unit_file(department, "template"))
    payload["sheets"].append({"name": RESULTS_SHEET, "values": [["我们自己的校验记录"]], "pictures": [], "tables": []})
    for button in (ep.validate, ep.clear_marks):
        actions, outcome = actions_of(copy.deepcopy(payload), button)
        assert [a["func"] for a in actions] == ["alert"] and "没有 xlmon 的标记记录" in outcome.message

    marked = apply_actions(payload_from_file(unit_file(department, "template")),
                           actions_of(payload_from_file(unit_file(department, "template")), ep.validate)[0])
    results = next(s for s in marked["sheets"] if s["name"] == RESULTS_SHEET)
    saved = tmp_path / "已校验.xlsx"
    book = load_workbook(unit_file(department, "template"))
    ws = book.create_sheet(RESULTS_SHEET)
    for row in results["values"]:
        ws.append(row)
    book.save(saved)
    with pytest.raises(ValueError, match="清除标记"):
        annotate_file(saved, tmp_path / "标注.xlsx", plan_marks([], [], {}))


def test_validate_twice_replaces_marks_and_clear_restores_every_cell(department):
    payload = payload_from_file(unit_file(department, "template"))
    first = apply_actions(payload, actions_of(payload, ep.validate)[0])
    again_actions, _ = actions_of(first, ep.validate)
    again = apply_actions(first, again_actions)
    assert [s["name"] for s in again["sheets"]].count(RESULTS_SHEET) == 1
    assert again["fills"].keys() == first["fills"].keys()

    actions, outcome = actions_of(again, ep.clear_marks)
    cleared = apply_actions(again, actions)
    assert RESULTS_SHEET not in [s["name"] for s in cleared["sheets"]]
    marked = {k for k in first["fills"] if k[0] != RESULTS_SHEET}
    assert f"已清除 {len(marked)} 处标记" in outcome.message
    # every marked cell is back to what the template had there: no fill (white on VBA) or its own fill
    restored = {k: v for k, v in cleared["fills"].items() if k[0] != RESULTS_SHEET}
    assert set(restored) == marked
    assert all(v in ("#FFFFFF", "#F2F2F2") for v in restored.values()), set(restored.values())


def test_clear_after_a_row_was_inserted_paints_no_cell_that_moved(department):
    """A unit inserts a row in its form between 校验 and 清除标记: the record of marks is by address, so cells that
    were never marked were painted (white on the VBA client, over the unit's own fill) and the alert said all was
    cleared. A cell that no longer holds what was marked keeps its colour, and the alert names it."""
    payload = payload_from_file(unit_file(department, "template"))
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    sheet = next(s for s in marked["sheets"] if s["name"] not in (RESULTS_SHEET, "部门整体"))
    sheet["values"].insert(9, [None] * len(sheet["values"][9]))  # a row inserted in the funding block
    painted_before = {k for k in marked["fills"] if k[0] == sheet["name"]}
    actions, outcome = actions_of(marked, ep.clear_marks)
    cleared = apply_actions(marked, actions)
    moved = re.findall(re.escape(sheet["name"]) + r"!([A-Z]+\d+)", outcome.message)
    assert moved and "所在的行在校验后有变动" in outcome.message
    for cell in moved:
        r, c = parse_address(cell)
        assert marked["fills"].get((sheet["name"], r, c)) == cleared["fills"].get((sheet["name"], r, c))
    unchanged = [k for k in painted_before if f"{_col(k[2])}{k[1] + 1}" not in moved]
    assert unchanged and all(cleared["fills"][k] != marked["fills"][k] for k in unchanged)


def test_clear_takes_the_marks_off_the_cells_a_unit_corrected(department):
    """校验, the unit corrects the flagged 支出数 and a forecast, then 清除标记: those cells kept their stale red and
    yellow, the alert blaming rows inserted that were not, when the content of a marked cell was compared. It is
    the row the mark is in that is compared: a corrected value is still in its row, and its mark comes off."""
    payload = payload_from_file(unit_file(department, "shifted"))  # typed by hand: the cells hold their values
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    sheet = next(s for s in marked["sheets"] if s["name"] not in (RESULTS_SHEET, "部门整体"))
    painted = [k for k in marked["fills"] if k[0] == sheet["name"]]
    corrected = [(r, c) for _, r, c in painted if isinstance(sheet["values"][r][c], (int, float))]
    for r, c in corrected:
        sheet["values"][r][c] += 1  # corrected, and its rates recalculated
    assert corrected
    actions, outcome = actions_of(marked, ep.clear_marks)
    cleared = apply_actions(marked, actions)
    assert "有变动" not in outcome.message
    assert all(cleared["fills"][k] != marked["fills"][k] for k in painted)


def _renamed(payload: dict, old: str, new: str) -> None:
    """The unit renames a sheet in Excel: its cells keep their fills."""
    next(s for s in payload["sheets"] if s["name"] == old)["name"] = new
    payload["fills"] = {(new if k[0] == old else k[0], *k[1:]): v for k, v in payload["fills"].items()}


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_clear_and_validate_follow_a_sheet_renamed_after_validate(department, client):
    """校验, then the unit renames a form's sheet (to its project's name, say) and presses 清除标记 or 校验 again: the record
    of the marks names the sheet as it was called, so the marks on it were skipped and stayed on for good (a stale red
    on a value since corrected), and 清除标记 said all was cleared. The record keeps the book's sheets in order, and a
    sheet gone from its place is found under its new name there; its marks come off."""
    payload = payload_from_file(unit_file(department, "template"), client=client)
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    old = next(s["name"] for s in marked["sheets"] if s["name"] not in (RESULTS_SHEET, "部门整体"))
    painted = {k for k, v in marked["fills"].items() if k[0] == old and v in MARKS}
    assert painted
    _renamed(marked, old, "改名后的项目表")
    actions, outcome = actions_of(marked, ep.clear_marks)
    cleared = apply_actions(marked, actions)
    left = {k for k, v in cleared["fills"].items() if v in MARKS}
    assert not left and f"已清除 {len([k for k in marked['fills'] if k[0] != RESULTS_SHEET])} 处标记" in outcome.message

    actions, again = actions_of(marked, ep.validate)
    revalidated = apply_actions(marked, actions)
    stale = {k for k, v in revalidated["fills"].items() if v in MARKS and k[0] != RESULTS_SHEET
             and (k[0], f"{_col(k[2])}{k[1] + 1}") not in again.marked}
    assert not stale


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_a_results_sheet_renamed_to_keep_it_is_followed_and_kept(department, client):
    """校验, then the unit renames 校验结果 to keep it (6月校验结果), corrects its form and presses 校验 or 清除标记: the
    record of the marks was looked for under 校验结果 only, so the first 校验's colours stayed on for good, a red on a
    value since corrected. The record is found on the renamed sheet and used once: the marks come off, the sheet and
    its findings stay, its record is taken out of it."""
    payload = payload_from_file(unit_file(department, "template"), client=client)
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    findings = [row[:8] for row in next(s["values"] for s in marked["sheets"] if s["name"] == RESULTS_SHEET)]
    _renamed(marked, RESULTS_SHEET, "6月校验结果")

    actions, outcome = actions_of(marked, ep.clear_marks)
    cleared = apply_actions(marked, actions)
    kept = next(s["values"] for s in cleared["sheets"] if s["name"] == "6月校验结果")
    assert not {k for k, v in cleared["fills"].items() if v in MARKS and k[0] != "6月校验结果"}, outcome.message
    assert "已清除" in outcome.message and "“6月校验结果”表是改名保留的上次校验结果，已保留" in outcome.message
    assert [row[:8] for row in kept] == findings and not any(v for row in kept for v in row[9:15])
    assert actions_of(cleared, ep.clear_marks)[1].message.startswith("没有找到")  # the record was used once

    actions, again = actions_of(marked, ep.validate)
    revalidated = apply_actions(marked, actions)
    stale = {k for k, v in revalidated["fills"].items() if v in MARKS and k[0] not in (RESULTS_SHEET, "6月校验结果")
             and (k[0], f"{_col(k[2])}{k[1] + 1}") not in again.marked}
    assert not stale and [s["name"] for s in revalidated["sheets"]][-2:] == ["6月校验结果", RESULTS_SHEET]
    kept = next(s["values"] for s in revalidated["sheets"] if s["name"] == "6月校验结果")
    assert [row[:8] for row in kept] == findings and not any(v for row in kept for v in row[9:15])
    assert "改名保留" in again.message


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_clear_in_a_book_left_with_its_results_sheet_alone_keeps_it(department, client):
    """校验, then the unit deletes its forms' sheets and presses 清除标记: deleting 校验结果, the book's last sheet, is
    what Excel refuses (the VBA client stopped on it with an error of Excel's). It stays, its record taken out."""
    payload = payload_from_file(unit_file(department, "template"), client=client)
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    marked["sheets"] = [s for s in marked["sheets"] if s["name"] == RESULTS_SHEET]
    marked["fills"] = {k: v for k, v in marked["fills"].items() if k[0] == RESULTS_SHEET}
    actions, outcome = actions_of(marked, ep.clear_marks)
    assert "sheetDelete" not in {a["func"] for a in actions}, outcome.message
    assert "“校验结果”是工作簿中仅剩的工作表（Excel 不能删除最后一张工作表），已保留" in outcome.message
    left = apply_actions(marked, actions)
    assert not any(v for row in left["sheets"][0]["values"] for v in row[9:15])
    assert actions_of(left, ep.clear_marks)[1].message.startswith(f"工作簿中已有名为“{RESULTS_SHEET}”的工作表")


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_clear_follows_a_renamed_sheet_beside_a_new_form_of_the_same_layout(department, client):
    """新建项目表, 校验, the unit renames the new form's sheet and presses 新建项目表 again, then 清除标记: two blank forms of our
    layout where the renamed one was, which its rows told not apart, so its marks stayed with no word. The renamed
    sheet keeps its place, the one 新建项目表 adds comes after it: the marks come off the renamed one; where the sheet
    cannot be told (moved and copied) the alert says which sheet's marks are left."""
    payload = payload_from_file(unit_file(department, "template"), client=client)
    payload = apply_actions(payload, actions_of(payload, ep.new_project_form)[0])
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    last = "项目表1"
    assert any(k[0] == last and v in MARKS for k, v in marked["fills"].items())
    _renamed(marked, last, "改名后的项目表")
    added = apply_actions(marked, actions_of(marked, ep.new_project_form)[0])
    assert [s["name"] for s in added["sheets"]][-1] == last
    actions, outcome = actions_of(added, ep.clear_marks)
    cleared = apply_actions(added, actions)
    assert not {k for k, v in cleared["fills"].items() if v in MARKS}, outcome.message
    assert "未能清除" not in outcome.message and "有变动" not in outcome.message

    sheets = marked["sheets"]  # moved to the front, and copied (Excel's 移动或复制, its fills with it)
    renamed = sheets.pop(sheets.index(next(s for s in sheets if s["name"] == "改名后的项目表")))
    sheets[:0] = [renamed, {**copy.deepcopy(renamed), "name": "改名后的项目表 (2)"}]
    marked["fills"] |= {("改名后的项目表 (2)", *k[1:]): v for k, v in marked["fills"].items() if k[0] == "改名后的项目表"}
    actions, outcome = actions_of(marked, ep.clear_marks)
    assert f"上次校验在工作表“{last}”上所做的" in outcome.message and "未能清除" in outcome.message


MARKS = {f"#{v}" for v in [*PALETTE.values(), *FINDING_FILL.values()]}  # grades, and findings where no grade is


def test_clear_without_marks_says_so(department):
    payload = payload_from_file(unit_file(department, "template"), client="Office.js")
    actions, outcome = actions_of(payload, ep.clear_marks)
    assert [a["func"] for a in actions] == ["alert"] and "没有需要清除的标记" in outcome.message


def test_officejs_clear_takes_the_fill_off(department):
    payload = payload_from_file(unit_file(department, "template"), client="Office.js")
    marked = apply_actions(payload, actions_of(payload, ep.validate)[0])
    actions, _ = actions_of(marked, ep.clear_marks)
    colours = [a["args"][0] for a in actions if a["func"] == "setRangeColor"]
    assert colours and None in colours and "#FFFFFF" not in colours


def test_user_text_is_never_written_as_a_formula(tmp_path):
    wb = template_workbook("project", year=2026, months=6, project="=HYPERLINK(\"http://x\",\"点我\")",
                           department="=cmd|' /C calc'!A0")  # 预算单位 left empty: one finding to list
    path = tmp_path / "hostile.xlsx"
    wb.save(path)
    payload = payload_from_file(path)
    payload["book"]["name"] = "=1+1.xlsx"
    payload["sheets"][0]["name"] = "=SUM(1)"
    actions, _ = actions_of(payload, ep.validate)
    written = [v for a in actions if a["func"] == "setValues" for row in a["values"] for v in row]
    assert "'=1+1.xlsx" in written and "'=SUM(1)" in written  # shown, as text
    for a in actions:
        if a["func"] == "setValues":
            for row in a["values"]:
                assert not any(isinstance(v, str) and v and v[0] in "=+-@" for v in row), row


def test_calculate_on_a_recalculated_template_restores_a_typed_over_formula(department, soffice, tmp_path):
    recalculated = libreoffice_convert(soffice, [unit_file(department, "template")], tmp_path, "xlsx")[0]
    payload = payload_from_file(recalculated)
    actions, outcome = actions_of(payload, ep.calculate)
    assert outcome.edits == [] and "未做修改" in outcome.message  # LibreOffice's values agree with xlmon

    sheet = next(s for s in payload["sheets"] if s["name"] != "部门整体")
    r, c = parse_address("F7")  # 小计 of the first source row, typed over with a wrong number
    sheet["values"][r][c] = 12345
    actions, outcome = actions_of(payload, ep.calculate)
    assert [(e.sheet, e.cell) for e in outcome.edits] == [(sheet["name"], "F7")]
    edit = outcome.edits[0]
    assert edit.formula and edit.value == '=IF(COUNT(D7:E7)=0,"",SUM(D7:E7))'
    write = next(a for a in actions if a["func"] == "setValues")
    assert write["values"] == [[edit.value]] and (write["start_row"], write["start_column"]) == (r, c)


@pytest.mark.parametrize("style", ["shifted", "text", "columns"])
def test_calculate_writes_values_on_a_hand_typed_form(department, style):
    path = unit_file(department, style)
    payload = payload_from_file(path)
    actions, outcome = actions_of(payload, ep.calculate)
    by_cell = {(e.sheet, e.cell): e for e in outcome.edits}
    planted = [p for p in department.planted if p.file == path and p.code in ("C001", "C003", "C004")]
    for p in planted:
        edit = by_cell[(p.sheet, p.cell)]
        assert not edit.formula and isinstance(edit.value, float)
    assert all(not e.formula for e in outcome.edits)
    after = apply_actions(payload, actions)
    again_actions, again = actions_of(after, ep.calculate)
    assert again.edits == [] and "未做修改" in again.message
    assert [a["func"] for a in again_actions] == ["alert"]


def test_calculate_keeps_a_subtotal_typed_without_its_parts(tmp_path):
    """Many units fill 小计 (安排数) alone, 上年结转 and 本年预算 blank: 计算 blanked every 小计 and 支出进度 (310 → 空),
    amounts Excel cannot undo, and 校验 then said 无预算开支. The 小计 is the budget; R215 asks for the parts. With one
    part typed and the other blank, a 小计 that does not add up is pointed out (C001), not written over."""
    from handmade import project_grid
    from test_check import write_grid

    funding = {"资金总额": [None, None, 310, 200, None, 150, 150 / 310, 305],
               "中央财政资金": [None, None, 100, 100, None, 60, 0.6, 100],
               "市级财政资金": [None, None, 210, 100, None, 90, 90 / 210, 205]}
    path = write_grid(tmp_path / "只填小计.xlsx", project_grid(funding=funding))
    payload = payload_from_file(path)
    actions, outcome = actions_of(payload, ep.calculate)
    assert outcome.edits == [] and "未做修改" in outcome.message
    result = check_file(path)
    codes = {d.code for d in result.diagnostics}
    assert not {"C001", "C004", "R206"} & codes and "R215" in codes
    assert result.forms[0].total("source").spend_progress == pytest.approx(150 / 310)
    # one source's 小计 alone beside another's parts: 资金总额's 下达率 shown (150 ÷ 200) is not called wrong (it is
    # unknown), and 计算 leaves it, rather than write a formula whose result the next 校验 calls wrong again
    mixed = {**funding, "资金总额": [None, 200, 310, 200, 0.75, 150, 150 / 310, 305],
             "市级财政资金": [None, 200, 210, 100, 0.5, 90, 90 / 210, 205]}
    path = write_grid(tmp_path / "一行只填小计.xlsx", project_grid(funding=mixed))
    assert "C003" not in {d.code for d in check_file(path).diagnostics}
    assert "H7" not in {e.cell for e in actions_of(payload_from_file(path), ep.calculate)[1].edits}
    funding["市级财政资金"] = [10, None, 210, 100, None, 90, 90 / 210, 205]  # 本年预算 forgotten
    path = write_grid(tmp_path / "漏填本年预算.xlsx", project_grid(funding=funding))
    actions, outcome = actions_of(payload_from_file(path), ep.calculate)
    assert "F10" not in {e.cell for e in outcome.edits}
    assert "F10" in {d.cell for d in check_file(path).diagnostics if d.code == "C001"}


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_a_date_the_client_sends_is_read_as_the_file_reads_it(tmp_path, client):
    """Both clients send a date cell as ISO text (2026-06-30T00:00:00.000Z): 校验 quoted that text where `xlmon
    check` says 2026-06-30 (N001), and could not tell whether a forecast typed as a date (2026-11-28 against
    12月31日前完成) is in time (R216), which it is. A date sent so is the date the file holds."""
    import datetime

    from handmade import project_grid
    from test_check import write_grid

    funding = {"资金总额": [None, 100, 100, 100, 1, 60, 0.6, 100],
               "市级财政资金": [None, 100, 100, 100, 1, datetime.datetime(2026, 6, 30), 0.6, 100]}
    indicators = [["产出指标", "时效指标", "完工时间", "12月31日前完成", "施工中", datetime.datetime(2026, 11, 28),
                   None, "√", None, None, None]]
    path = write_grid(tmp_path / "日期.xlsx", project_grid(funding=funding, indicators=indicators))
    assert "2026-06-30T00:00:00.000Z" in str(payload_from_file(path, client=client)["sheets"])
    _, outcome = actions_of(payload_from_file(path, client=client), ep.validate)
    cli = check_file(path).diagnostics
    assert sorted((d.code, d.cell, d.message) for d in outcome.diagnostics) == sorted((d.code, d.cell, d.message)
                                                                                       for d in cli)
    assert any(d.code == "N001" and "“2026-06-30”" in d.message for d in outcome.diagnostics)
    assert "R216" not in {d.code for d in outcome.diagnostics}


def test_calculate_on_a_template_makes_an_amount_typed_as_text_the_number_the_formulas_it_writes_take(tmp_path):
    """On our template a unit pastes 下达数 58.25 as text and types over 资金总额's 下达数: 计算 wrote the template's
    SUM back, which skips the text as Excel's SUM does, so the cell showed nothing where the alert said 58.25 万元,
    and only a second 计算 made the text a number. The text becomes the number with the formula that takes it."""
    from xlmon.form_plan import plan_form
    from xlmon.templates import put_text

    layout = plan_form("project", year=2026, months=6).layout
    total, city = layout.funding[("source", "资金总额")], layout.funding[("source", "市级财政资金")]
    book = template_workbook("project", year=2026, months=6, project="课程改革研究", department="某市教育局（101001）",
                             unit="某市第一中学")
    ws = book.worksheets[-1]
    put_text(ws, layout.header["goal"], "开展课程改革研究。")
    ws[city["current"]] = 83
    put_text(ws, city["issued"], "58.25")
    ws[city["spent"]] = 20
    ws[total["issued"]] = 99  # typed over the formula
    path = tmp_path / "模板.xlsx"
    book.save(path)
    form = check_file(path).forms[0]
    assert form.goal and form.total().issued == pytest.approx(58.25)
    actions, outcome = actions_of(payload_from_file(path), ep.calculate)
    edits = {e.cell: e for e in outcome.edits}
    assert edits[total["issued"]].formula and "58.25 万元" in edits[total["issued"]].note
    assert (edits[city["issued"]].value, edits[city["issued"]].formula) == (58.25, False)


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_calculate_on_a_template_with_a_subtotal_typed_alone_writes_no_formula_that_cannot_show_it(tmp_path, client):
    """On our template a unit types 省级财政资金's 小计 alone, over its formula (its 上年结转 and 本年预算 not known), as C001
    asks it to complete. xlmon's 资金总额·小计 counts that 小计, which the template's SUM(上年结转:本年预算) never does:
    计算 wrote the formulas of 资金总额's 小计 and 支出进度 over themselves at every press, saying it had corrected them,
    and they went on showing what they showed (found by the buttons property). Where a source gave its 小计 alone,
    资金总额's 小计 is written as the value xlmon computes (the overall recalc property), its 支出进度 then shows right, and
    a second press writes nothing."""
    from test_front_ends_properties import excel_values

    from xlmon.form_plan import plan_form
    from xlmon.templates import put_text

    layout = plan_form("project", year=2026, months=6).layout
    total = layout.funding[("source", "资金总额")]
    city, province = layout.funding[("source", "市级财政资金")], layout.funding[("source", "省级财政资金")]
    book = template_workbook("project", year=2026, months=6, project="课程改革研究", department="某市教育局（101001）",
                             unit="某市第一中学")
    ws = book.worksheets[-1]
    put_text(ws, layout.header["goal"], "开展课程改革研究。")
    ws[city["current"]], ws[city["issued"]], ws[city["spent"]] = 83, 50, 20
    ws[province["subtotal"]] = 40
    path = tmp_path / "模板.xlsx"
    book.save(path)
    payload = payload_from_file(path, client=client)
    formulas = payload.setdefault("formulas", {})
    for row in load_workbook(path).worksheets[-1].iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                formulas[(ws.title, cell.row - 1, cell.column - 1)] = cell.value
    excel_values(payload)  # as Excel sends it: each formula's result
    actions, first = actions_of(payload, ep.calculate)
    after = apply_actions(payload, actions)
    excel_values(after)
    _, again = actions_of(after, ep.calculate)
    assert again.edits == [] and "未做修改" in again.message
    written = {e.cell: e for e in first.edits}
    assert not written[total["subtotal"]].formula and written[total["subtotal"]].value == pytest.approx(123)


def test_calculate_on_a_form_typed_where_the_template_puts_it_writes_formulas_that_show_its_text_numbers(tmp_path):
    """A unit types the form by hand exactly where our template puts it, 资金总额's amounts pasted as text (100 with the
    zero-width space of a web page) and a source's 小计 typed as text beside a blank 上年结转. 计算 left those texts, which
    read right, and wrote the template's 小计 and rates around them, which skip text as Excel does: 资金总额's 小计 and
    支出进度 and the source's 支出进度 showed nothing where the alert said 120.00 万元 and 50.00%, and every 计算 wrote
    them again. The template's formula now goes back over such a text too (found by the recalc property)."""
    from handmade import project_grid
    from test_check import write_grid
    from test_front_ends_properties import excel_values

    from xlmon.check import check_sheets

    funding = {"资金总额": ["20", "100\u200b", None, 80, None, 60, None, 110],
               "市级财政资金": [20, 80, None, 70, None, 50, None, 90],
               "省级财政资金": [None, 20, "20", 10, None, 10, None, 20]}
    path = write_grid(tmp_path / "手工录入.xlsx", project_grid(funding=funding))
    form = check_file(path).forms[0]
    total, province = form.total(), next(r for r in form.funding if r.row == "省级财政资金")
    payload = payload_from_file(path)
    actions, outcome = actions_of(payload, ep.calculate)
    edits = {e.cell: e for e in outcome.edits}
    assert all(edits[total.cells[f]].formula for f in ("carryover", "current", "subtotal", "spend_progress"))
    assert edits[province.cells["subtotal"]].formula
    after = apply_actions(payload, actions)
    shown = excel_values(after)
    assert shown[(form.sheet, total.cells["subtotal"])] == 120
    assert shown[(form.sheet, total.cells["spend_progress"])] == pytest.approx(0.5)
    assert shown[(form.sheet, province.cells["spend_progress"])] == pytest.approx(0.5)
    assert actions_of(after, ep.calculate)[1].edits == []
    grids = {s["name"]: s["values"] for s in after["sheets"]}
    assert not [d for d in check_sheets(grids).diagnostics if d.code in ("C001", "C002", "C003", "C004")]


def test_calculate_quotes_a_number_as_excel_shows_it_on_every_front_end(tmp_path):
    """Desktop Excel hands xlwings every number as a float: 计算's alert there said “125.0 → 120.00”, where the
    add-in's clients, which send 125, said “125 → 120.00”."""
    from handmade import project_grid
    from test_check import write_grid

    funding = {"资金总额": [20, 100, 125, 100, 1, 60, 0.5, 120], "市级财政资金": [20, 100, 125, 100, 1, 60, 0.5, 120]}
    path = write_grid(tmp_path / "小计.xlsx", project_grid(funding=funding, top=1))  # typed by hand
    _, remote = actions_of(payload_from_file(path), ep.calculate)
    desktop = ep.calculate(DesktopWorkbook(path))
    assert "F8 资金总额·小计：125 → 120.00" in remote.message
    assert desktop.message == remote.message


@pytest.mark.parametrize("client", ["VBA", "Office.js", "desktop"])
def test_validate_says_a_form_is_on_a_hidden_sheet_where_the_book_tells(tmp_path, client):
    """A unit keeps last month's form on a hidden sheet: `xlmon check` says so (S002), 校验 did not, though the
    Office.js client sends each sheet's visibility and desktop Excel knows it. The VBA client sends none: there 校验
    cannot tell (a documented difference)."""
    from handmade import project_grid
    from test_check import write_grid

    funding = {"资金总额": [None, 100, 100, 100, 1, 60, 0.6, 100], "市级财政资金": [None, 100, 100, 100, 1, 60, 0.6, 100]}
    path = write_grid(tmp_path / "隐藏.xlsx", project_grid(funding=funding), title="上月")
    book = load_workbook(path)
    book["上月"].sheet_state = "hidden"
    book.copy_worksheet(book["上月"]).title = "本月"
    book["本月"].sheet_state = "visible"
    book.save(path)
    cli = [(d.code, d.sheet, d.message) for d in check_file(path).diagnostics]
    assert ("S002", "上月", "工作表“上月”是隐藏的，其中的监控表也已读取。如是不再使用的旧表，请删除该工作表；汇总时，同一项目在"
            "可见工作表中另有一份的，采用可见的那一份。") in cli
    if client == "desktop":
        found = ep.validate(DesktopWorkbook(path)).diagnostics
    else:
        found = actions_of(payload_from_file(path, client=client), ep.validate)[1].diagnostics
    expected = [d for d in cli if client != "VBA" or d[0] != "S002"]
    assert [(d.code, d.sheet, d.message) for d in found] == expected


class DesktopWorkbook:
    """Just enough of desktop Excel's Book for 校验 on a workbook file: its sheets' values and visibility, fills
    and writes taken and dropped."""

    def __init__(self, path):
        from python_calamine import CalamineWorkbook, SheetVisibleEnum

        book = CalamineWorkbook.from_path(str(path))
        self.impl, self.fullname, self.app = object(), str(path), DesktopApp()
        self.sheets = DesktopSheets([DesktopSheet(self, m.name, m.visible == SheetVisibleEnum.Visible,
                                                  book.get_sheet_by_name(m.name).to_python(skip_empty_area=False))
                                     for m in book.sheets_metadata])


class DesktopSheets(list):
    def __getitem__(self, key):
        return next(s for s in self if s.name == key) if isinstance(key, str) else super().__getitem__(key)

    def add(self, name, after=None):
        self.append(DesktopSheet(after.book, name, True, [[""]]))
        return self[-1]


class DesktopSheet:
    def __init__(self, book, name, visible, values):
        self.book, self.name, self.visible, self.values = book, name, visible, values

    @property
    def used_range(self):
        rows, columns = len(self.values), max(map(len, self.values))
        return type("Used", (), {"last_cell": type("Cell", (), {"row": rows, "column": columns})})()

    def range(self, *_):
        values = self.values
        return type("Range", (), {"options": lambda self, **_: type("Values", (), {"value": values})()})()

    def __getitem__(self, _):
        return DesktopRange()


class DesktopRange:
    color = None
    value = None

    def add_hyperlink(self, *args):
        pass


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_new_project_form_adds_a_readable_empty_form(department, client):
    payload = payload_from_file(unit_file(department, "template"), client=client)
    actions, outcome = actions_of(payload, ep.new_project_form)
    after = apply_actions(payload, actions)
    names = [s["name"] for s in after["sheets"]]
    assert names[-1] == "项目表1"
    from xlmon.check import check_sheets

    grid = normalise(_sheet(after, "项目表1"))
    assert [d.code for d in check_sheets({"项目表1": grid}).diagnostics] == ["S131"]  # found, and not yet filled
    grid[2][2], grid[6][4] = "新项目", 100  # its name, and 资金总额's 本年预算
    result = check_sheets({"项目表1": grid})
    assert len(result.forms) == 1 and result.forms[0].kind == "project" and result.forms[0].project == "新项目"
    formula_cells = {f"{_col(c)}{r + 1}" for (s, r, c) in after["formulas"] if s == "项目表1"}
    assert {"D7", "F7", "H7", "J7", "F8", "J8"} <= formula_cells
    if client == "Office.js":
        assert {"rangeMerge", "setColumnWidth", "setBorderProperty"} <= {a["func"] for a in actions}
    else:
        assert "合并单元格" in outcome.message
    # a second press adds 项目表2
    again, _ = actions_of(after, ep.new_project_form)
    assert any(a["func"] == "addSheet" and a["args"][1] == "项目表2" for a in again)


@pytest.mark.parametrize("client", ["VBA", "Office.js"])
def test_buttons_on_the_blank_template_say_it_is_unfilled(client):
    """Not "no form found": 计算 and 校验 know the form, and that nothing is typed in it yet."""
    payload = payload_from_file(Path(__file__).resolve().parents[1] / "workbook_templates" / "项目支出绩效运行监控表.xlsx",
                                client=client)
    _, calculated = actions_of(payload, ep.calculate)
    assert calculated.message == "本工作簿中的监控表尚未填写（没有总体目标、金额和绩效指标），未做任何计算。"
    _, validated = actions_of(payload, ep.validate)
    assert [d.code for d in validated.diagnostics] == ["S131"] and "错误 0 项" in validated.message


def test_validate_on_a_workbook_without_a_form_adds_nothing(tmp_path):
    """校验 in a user's own ledger added a 校验结果 sheet to it and said it had coloured cells, of 0 forms; 计算 said
    there is no form. Both say so now, and nothing is added."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "台账"
    wb.active.append(["日期", "摘要", "金额"])
    wb.active.append(["2026-06-30", "办公用品", 120])
    wb.save(tmp_path / "台账.xlsx")
    actions, outcome = actions_of(payload_from_file(tmp_path / "台账.xlsx"), ep.validate)
    assert outcome.message == "本工作簿中没有找到绩效运行监控表，未做校验。"
    assert [a["func"] for a in actions] == ["alert"]


def test_a_desktop_button_that_fails_shows_one_chinese_alert_and_no_traceback(monkeypatch):
    """RunPython shows a second box with Python's English traceback when the script ends in an exception: main
    re-raised after its alert. One alert now, in Chinese, naming what went wrong."""
    shown = []
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: object()))
    monkeypatch.setattr(ep.xb, "alert", lambda book, text, mode="info": shown.append(text))
    for problem, said in ((ValueError("工作表“表1”的已用区域过大"), "xlmon：工作表“表1”的已用区域过大"),
                          (KeyError("x"), "xlmon 运行出错（KeyError")):
        def fail(book, problem=problem):
            raise problem
        monkeypatch.setitem(ep.BUTTONS, "validate", fail)
        ep.main("validate")  # returns: no exception for xlwings to show
        assert shown[-1].startswith(said)


def desktop_alert_modes() -> set:
    """The modes every desktop Excel's alert knows, read from the installed xlwings (its Windows and macOS App.alert
    look the mode up in a dict, so any other raises KeyError)."""
    import ast

    known = []
    for name in ("_xlwindows.py", "_xlmac.py"):
        tree = ast.parse((Path(xw.__file__).parent / name).read_text("utf-8"))
        alert = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "alert")
        table = next(n.value for n in ast.walk(alert) if isinstance(n, ast.Assign)
                     and getattr(n.targets[0], "id", None) == "modes")
        known.append({key.value for key in table.keys})
    return set.intersection(*known)


class DesktopApp:
    """Desktop Excel's App as xlmon uses it: its alert refuses a mode it does not know, as xlwings' does."""

    def __init__(self):
        self.shown: list[tuple[str, str]] = []
        self.status_bar = False
        self.modes = desktop_alert_modes()

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        if mode not in self.modes:
            raise KeyError(mode)
        self.shown.append((prompt, mode))


class DesktopBook:
    def __init__(self, fullname: str):
        self.impl, self.app, self.fullname = object(), DesktopApp(), fullname


def test_every_mode_the_buttons_use_is_one_desktop_excel_shows():
    """校验 with warnings, 计算 on no form, 清除标记 of moved marks … alert as 'warning', which desktop xlwings refuses."""
    assert desktop_alert_modes() == {"info", "critical"}
    book = DesktopBook("工作簿1")
    for mode in ("info", "warning", "critical"):
        xb.alert(book, mode, mode=mode)
    assert [text for text, _ in book.app.shown] == ["info", "warning", "critical"]


@pytest.mark.parametrize("saved", [False, True])
def test_a_desktop_warning_is_shown_by_excels_own_alert(tmp_path, monkeypatch, saved):
    """汇总 in a workbook never saved (no folder to look in), or beside no form at all: the department head reads why,
    not 'xlmon 运行出错（KeyError: 'warning'）', which xlwings' desktop alert raised for the mode 'warning'."""
    book = DesktopBook(str(tmp_path / "汇总.xlsx") if saved else "工作簿1")
    monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
    ep.main("consolidate")
    [(text, _)] = book.app.shown
    assert "KeyError" not in text
    assert text.startswith(f"文件夹“{tmp_path}”中没有可汇总的绩效运行监控表" if saved else "请先保存本工作簿")


def test_consolidate_on_a_remote_book_points_to_the_task_pane(department):
    payload = payload_from_file(unit_file(department, "template"), client="Office.js")
    actions, outcome = actions_of(payload, ep.consolidate_folder)
    assert [a["func"] for a in actions] == ["alert"] and "任务窗格" in outcome.message


def _a1(action: dict) -> str:
    return f"{_col(action['start_column'])}{action['start_row'] + 1}"


def _col(c: int) -> str:
    from xlmon.grid import column_letter

    return column_letter(c)


def _sheet(payload: dict, name: str) -> list[list]:
    return next(s for s in payload["sheets"] if s["name"] == name)["values"]



def test_summarise_folder_writes_beside_the_units_and_never_over_an_existing_summary(department):
    folder = department.paths[0].parent
    message, first = ep.summarise_folder(folder)
    assert first == folder / "部门汇总.xlsx" and first.exists()
    assert f"{len(department.paths)} 个单位" in message and "0 个文件未采用" in message
    message, second = ep.summarise_folder(folder)  # the first summary is skipped as an input, not overwritten
    assert second == folder / "部门汇总（2）.xlsx" and "1 个文件未采用" in message  # the earlier summary
    first.unlink()
    second.unlink()


def test_summarise_folder_counts_what_was_sent_twice(department, tmp_path):
    """A unit's file sent twice byte for byte and another's sent again: the alert said 0 个文件未采用 and nothing of
    the forms counted once, which the command line names; it counts them, a file copied whole as one."""
    import shutil

    from resent import resent

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()
    units = dict(zip((p.name for p in department.paths), department.department.units))
    several = next(name for name, u in units.items() if len(u.projects) + bool(u.overall) > 1)
    other = next(name for name in units if name != several)
    shutil.copy2(folder / several, folder / f"{Path(several).stem} - 副本.xlsx")
    resent(folder / other, folder / f"{Path(other).stem}（再次报送）.xlsx")
    forms = len(units[other].projects) + bool(units[other].overall)
    message, _ = ep.summarise_folder(folder)
    assert "2 个文件未采用" in message
    assert f"重复报送的文件 1 个、项目 {forms} 个，均只计入一次（逐个见汇总表的“校验问题”）。" in message, message
    for p in [*folder.glob("部门汇总*.xlsx"), folder / f"{Path(several).stem} - 副本.xlsx",
              folder / f"{Path(other).stem}（再次报送）.xlsx"]:
        p.unlink()
    message, _ = ep.summarise_folder(folder)
    assert "0 个文件未采用" in message and "重复报送" not in message


def test_summarise_folder_checks_the_roster_kept_beside_the_units(department, tmp_path):
    """The add-in has no --roster: a …名单… file in the folder is the roster, not a rejected unit file."""
    import shutil

    from openpyxl import Workbook

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()
    units = sorted(p.stem for p in folder.glob("*.xlsx"))
    book = Workbook()
    for row in (["2026年应报送单位名单"], ["序号", "单位名称"], *([i, u] for i, u in enumerate([*units[1:], "某市第九中学"], 1))):
        book.active.append(row)
    book.save(folder / "应报送单位名单.xlsx")
    message, output = ep.summarise_folder(folder)
    assert "0 个文件未采用" in message and "按单位名单（应报送单位名单.xlsx）核对：未报送 1 个，不在名单中 1 个" in message
    rows = [r for r in load_workbook(output, read_only=True)["文件清单"].iter_rows(values_only=True)]
    assert not [r for r in rows if r[0] and "名单" in str(r[0])]
    (folder / "单位名单.csv").write_text("单位名称\n某市第一中学\n", encoding="utf-8")
    message, output = ep.summarise_folder(folder)
    assert "有 2 个名单文件（单位名单.csv、应报送单位名单.xlsx），未核对单位名单" in message


def test_summarise_folder_carries_the_department_form_completed_in_the_earlier_summary(department, tmp_path):
    """The department completes 部门整体 in 部门汇总.xlsx, a unit re-sends its file, 汇总 runs again: the new
    summary beside it carries what the department filled in, and the message says so."""
    import shutil

    from test_consolidate import complete_department_form, overall_form

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()
    _, first = ep.summarise_folder(folder)
    complete_department_form(first, forecast=500)
    message, second = ep.summarise_folder(folder)
    assert second == folder / "部门汇总（2）.xlsx"
    assert "部门汇总.xlsx：部门在该汇总表中填写的部门整体表已带入新的汇总表“部门汇总（2）.xlsx”：年度绩效目标、1 个绩效指标" in message
    form = overall_form(second)
    assert form.goal == "保障全市教育事业正常运转" and [i.level3 for i in form.indicators] == ["资助学生人数"]
    message, third = ep.summarise_folder(folder)  # the latest completed one is carried: （2）
    assert "部门汇总（2）.xlsx：" in message and [i.level3 for i in overall_form(third).indicators] == ["资助学生人数"]


def test_summarise_folder_of_departments_summaries_carries_none_of_theirs_as_the_bureaus(tmp_path):
    """A bureau gathers its departments' summaries in one folder, one of them still named 部门汇总.xlsx with its
    部门整体 completed by 教育局. 汇总 there took it for the bureau's own last summary: the new summary's 部门整体
    carried 教育局's goal and indicators as the bureau's, and the alert said 部门…已带入新的汇总表. It is 教育局's
    form, counted as that department's (K006), and nothing is carried. The bureau's own summary, completed and
    summed again, is carried as before."""
    import shutil

    from test_consolidate import complete_department_form, consolidate_records, overall_form, write_form
    from xlmon.cli import main

    for folder in ("edu", "health", "made", "bureau"):
        (tmp_path / folder).mkdir()
    for unit in ("一中", "二中"):
        write_form(tmp_path / "edu" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    for unit in ("一院", "二院"):
        write_form(tmp_path / "health" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目",
                   department="某市卫生健康委员会（102001）")
    for name in ("edu", "health"):
        assert main(["consolidate", str(tmp_path / name), "-o", str(tmp_path / "made" / f"{name}.xlsx")]) == 0
    complete_department_form(tmp_path / "made" / "edu.xlsx", forecast=500)
    bureau = tmp_path / "bureau"
    shutil.copy(tmp_path / "made" / "edu.xlsx", bureau / "部门汇总.xlsx")
    shutil.copy(tmp_path / "made" / "health.xlsx", bureau / "卫健委汇总.xlsx")
    message, first = ep.summarise_folder(bureau)
    assert first == bureau / "部门汇总（2）.xlsx" and "已带入" not in message
    assert message.startswith("汇总完成：2 个主管部门、4 个单位，4 个项目，0 个文件未采用，")
    form = overall_form(first)
    assert form.goal != "保障全市教育事业正常运转" and not [i for i in form.indicators if i.level3 == "资助学生人数"]
    assert [r.unit for r in consolidate_records(first) if r.kind != "project"] == ["某市教育局（101001）"]

    complete_department_form(first, forecast=800)
    message, second = ep.summarise_folder(bureau)
    assert "部门汇总（2）.xlsx：部门在该汇总表中填写的部门整体表已带入新的汇总表“部门汇总（3）.xlsx”" in message
    assert [i.level3 for i in overall_form(second).indicators] == ["资助学生人数"]


def test_summarise_folder_carries_the_departments_own_columns_and_names_the_other_edits(department, tmp_path):
    """汇总 again beside last time's summary, which the department annotated: the column of opinions it added
    to 指标偏差 goes into the new summary, each opinion beside the same indicator (K016); a reason it rewrote
    there is the unit's text, made again from the unit's form, so it stays only in the old file, which the
    message names (K015); the old file stays as it was."""
    import shutil

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()
    message, first = ep.summarise_folder(folder)
    assert "手工修改" not in message and "按行带入" not in message
    book = load_workbook(first)
    ws = book["指标偏差"]
    where = ws["M3"].value  # 位置: the indicator's file!sheet!cell
    ws["N1"], ws["N3"] = "部门意见", "已约谈项目单位"
    ws["O1"], ws["O3"] = "依据", '=HYPERLINK("http://x")'
    ws["O3"].data_type = "s"  # typed as text, as a department's note would be
    ws["K2"] = "部门改写的原因"
    book.save(first)
    before = first.read_bytes()
    message, second = ep.summarise_folder(folder)
    assert second == folder / "部门汇总（2）.xlsx" and first.read_bytes() == before
    assert "部门在上次的汇总表中增加的 2 列（指标偏差“部门意见”、指标偏差“依据”）已按行带入新的汇总表" in message
    assert "上次的汇总表中有 1 处手工修改（指标偏差!K2：" in message and "仍保留" in message
    new = load_workbook(second)["指标偏差"]
    assert new["N1"].value == "部门意见"
    opinions = {row[12]: row[13] for row in new.iter_rows(min_row=2, values_only=True) if row[0]}
    assert opinions[where] == "已约谈项目单位" and sum(v is not None for v in opinions.values()) == 1
    link = next(row[14] for row in new.iter_rows(min_row=2) if row[12].value == where)
    assert (link.value, link.data_type) == ('=HYPERLINK("http://x")', "s")  # text, never a formula
    assert "部门改写的原因" not in [row[10] for row in new.iter_rows(min_row=2, values_only=True)]


def test_summarise_an_empty_folder_says_so(tmp_path):
    message, output = ep.summarise_folder(tmp_path)
    assert output is None and "没有可汇总" in message and not list(tmp_path.iterdir())
    assert "没有工作簿文件" in message


def test_summarise_a_folder_of_unusable_files_says_why(tmp_path):
    """The alert names the files and their reasons (the first few), as no summary exists to look them up in."""
    for i in range(7):
        (tmp_path / f"旧表{i}.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    message, output = ep.summarise_folder(tmp_path)
    assert output is None and "未采用的文件如下（共 7 个，列出前 5 个）。旧表0.et：" in message and "。旧表4.et：" in message
    assert "旧表5.et" not in message and "WPS 表格的 .et 文件" in message


def test_summarise_folder_names_the_files_it_left_out_and_why(department, tmp_path):
    """As the command line's 未纳入 lines and the web page's list do, the alert names each file left out with its
    reason: a unit's .xlsb to be saved as .xlsx, and last time's summary, skipped, which is no unit's file gone
    wrong."""
    import shutil

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()
    shutil.copy(department.paths[0], folder / f"{department.paths[0].stem}.xlsb")
    ep.summarise_folder(folder)
    message, _ = ep.summarise_folder(folder)
    assert "2 个文件未采用" in message
    assert f"未采用的文件如下。{department.paths[0].stem}.xlsb：" in message and "另存为" in message
    assert "部门汇总.xlsx：xlmon 生成的汇总文件" in message


def test_summarise_folder_names_a_file_left_out_with_its_reason_after_a_colon(tmp_path):
    """The alert named each file left out with its reason in brackets, and the reasons hold brackets of their own:
    未采用的文件：丁5月.xlsx（表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致）. As the report does, each file is
    said with its reason after a colon, in a sentence of its own; the earlier months' files are counted after."""
    from test_consolidate import write_form

    for unit in ("甲", "乙", "丙", "丁"):
        write_form(tmp_path / f"{unit}5月.xlsx", unit=unit, project=f"{unit}项目", period="（2026年1-5月）")
    for unit in ("甲", "乙", "丙"):
        write_form(tmp_path / f"{unit}6月.xlsx", unit=unit, project=f"{unit}项目")
    message, _ = ep.summarise_folder(tmp_path)
    assert ("未采用的文件如下。丁5月.xlsx：表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致。"
            "另有 3 个文件是前期的表，本期的表已另行报送，无需处理。") in message, message
    depth = 0
    for char in message:
        depth += {"（": 1, "）": -1}.get(char, 0)
        assert depth <= 1, message


def test_summarise_a_folder_it_cannot_write_in_says_so_in_chinese(department, tmp_path, monkeypatch):
    """The units' files on a share the department head may only read: the alert says where and why no summary
    could be saved, in Chinese, instead of PermissionError's English words handed to 技术支持."""
    import errno
    import shutil

    from xlmon import atomic

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(kwargs.get("dir")))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refused)
    message, output = ep.summarise_folder(folder)
    assert output is None and not list(folder.glob("部门汇总*.xlsx"))
    assert f"无法在文件夹“{folder}”中保存汇总表（没有权限" in message and "Permission" not in message


def test_summarise_folder_again_and_again_hands_the_columns_on(department, tmp_path):
    """Each 汇总 hands the department's columns on from the latest summary, which holds them by now: the third
    summary has them too, and the first one, superseded, is not reported as left behind."""
    import shutil

    folder = tmp_path / "units"
    shutil.copytree(department.paths[0].parent, folder)
    for p in folder.glob("部门汇总*.xlsx"):
        p.unlink()
    _, first = ep.summarise_folder(folder)
    book = load_workbook(first)
    book["校验问题"]["G1"], book["校验问题"]["G2"] = "处理情况", "已督促更正"
    book.save(first)
    _, second = ep.summarise_folder(folder)
    message, third = ep.summarise_folder(folder)
    assert third == folder / "部门汇总（3）.xlsx"
    assert "手工修改" not in message
    assert "部门在上次的汇总表中增加的 1 列（校验问题“处理情况”）已按行带入新的汇总表" in message
    problems = load_workbook(third)["校验问题"]
    assert problems["G1"].value == "处理情况"
    assert [r[6] for r in problems.iter_rows(min_row=2, values_only=True) if r[6]] == ["已督促更正"]


def test_calculate_corrects_a_total_subtotal_typed_wrong_where_no_source_has_a_carryover(tmp_path):
    """资金总额's 小计 typed wrong (320 for 300) on a form with no 上年结转 anywhere, as most units' are: 计算 left it, as if
    it were a 小计 typed without its parts, and 校验 then still said C001 there. 资金总额's 上年结转 and 本年预算 are the
    sums of its rows, a blank one none of them having any: its 小计 is theirs, and 计算 writes it."""
    from handmade import department_grid
    from test_check import write_grid

    total = [None, 300, 320, 200, 0.6667, 150, 0.5, 300]
    sources = {"资金总额：": total, "其中：一般公共预算资金": [None, 250, 250, 170, 0.68, 130, 0.52, 250],
               "单位资金": [None, 50, 50, 30, 0.6, 20, 0.4, 50]}
    spending = {"资金总额：": total, "其中：基本支出": [None, 200, 200, 120, 0.6, 100, 0.5, 200],
                "项目支出": [None, 100, 100, 80, 0.8, 50, 0.5, 100]}
    path = write_grid(tmp_path / "资金总额小计.xlsx", department_grid(sources=sources, spending=spending))
    assert {d.cell for d in check_file(path).diagnostics if d.code == "C001"} == {"F6", "F11"}
    payload = payload_from_file(path)
    actions, outcome = actions_of(payload, ep.calculate)
    assert {e.cell: e.value for e in outcome.edits if e.cell in ("F6", "F11")} == {"F6": 300, "F11": 300}
    _, checked = actions_of(apply_actions(payload, actions), ep.validate)
    assert not [d for d in checked.diagnostics if d.code in ("C001", "C004")]


def _on_template(tmp_path, name: str, sources: dict, spending: dict, formulas: dict[str, str]) -> dict:
    """附件3 typed where our template puts it, as Excel sends it: the cells in `formulas` showing what Excel makes of
    our template's formulas there."""
    from handmade import department_grid
    from test_check import write_grid
    from test_front_ends_properties import excel_values

    payload = payload_from_file(write_grid(tmp_path / name, department_grid(sources=sources, spending=spending)))
    payload["formulas"] = {(payload["sheets"][0]["name"], *parse_address(cell)): f for cell, f in formulas.items()}
    excel_values(payload)
    return payload


def test_calculate_on_the_template_keeps_a_subtotal_typed_alone_as_text(tmp_path):
    """On our 部门整体 template a unit types a fund type's 小计 alone (300, its whole budget) as text, 上年结转 and 本年预算
    blank: 计算 wrote the template's =SUM(D7:E7) back over it, which shows nothing, and the row's budget was gone (R206
    无预算开支 for its 150 spent). A 小计 typed alone is the unit's, never written over: the text becomes the number."""
    from handmade import department_grid
    from test_front_ends_properties import excel_values

    from xlmon.check import check_sheets
    from xlmon.recalc import template_formulas

    sources = {"资金总额：": [None] * 8, "其中：一般公共预算资金": [None, None, "300", 200, None, 150, None, 300],
               **{name: None for name in L.DEPARTMENT_FUND_TYPES[1:]}}
    spending = {"资金总额：": [None] * 8, "其中：基本支出": [None, 100, None, 80, None, 50, None, 100],
                "项目支出": [None, 200, None, 120, None, 100, None, 200]}
    form = check_sheets({"表1": department_grid(sources=sources, spending=spending)}).forms[0]
    formulas = {c: f for c, f in template_formulas(form).items() if c != "F7"}
    payload = _on_template(tmp_path, "模板.xlsx", sources, spending, formulas)
    actions, outcome = actions_of(payload, ep.calculate)
    edits = {e.cell: e for e in outcome.edits}
    assert (edits["F7"].value, edits["F7"].formula) == (300, False)
    after = apply_actions(payload, actions)
    excel_values(after)
    result = check_sheets({s["name"]: s["values"] for s in after["sheets"]})
    assert result.forms[0].funding[1].subtotal == 300
    assert "R206" not in {d.code for d in result.diagnostics}
    assert not [d for d in result.diagnostics if d.code in ("C001", "C004") and d.cell in edits]


def test_calculate_on_the_template_writes_the_total_subtotal_a_subtotal_typed_alone_is_in(tmp_path):
    """On our 部门整体 template a unit types 单位资金's 小计 alone (50), 上年结转 and 本年预算 blank, beside 一般公共预算资金's
    100 of 本年预算. 资金总额's 小计 is 150, but the template's =SUM(D6:E6) it wrote shows 100, which 校验 then called wrong
    (C001) and 计算 wrote again at every press, with 资金总额's 支出进度 over it. No formula of the template sums a 小计
    typed alone: 资金总额's 小计 is written as its value."""
    from handmade import department_grid
    from test_front_ends_properties import excel_values

    from xlmon.check import check_sheets
    from xlmon.recalc import template_formulas

    sources = {"资金总额：": [None] * 8, "其中：一般公共预算资金": [None, 100, None, 80, None, 50, None, 100],
               **{name: None for name in L.DEPARTMENT_FUND_TYPES[1:-1]}, "单位资金": [None, None, 50, 30, None, 20, None, 50]}
    spending = {"资金总额：": [None] * 8, "其中：基本支出": [None, 150, None, 110, None, 70, None, 150], "项目支出": None}
    form = check_sheets({"表1": department_grid(sources=sources, spending=spending)}).forms[0]
    formulas = {c: f for c, f in template_formulas(form).items() if c != "F12"}
    payload = _on_template(tmp_path, "模板.xlsx", sources, spending, formulas)
    actions, outcome = actions_of(payload, ep.calculate)
    edits = {e.cell: e for e in outcome.edits}
    assert (edits["F6"].value, edits["F6"].formula) == (150, False)
    after = apply_actions(payload, actions)
    shown = excel_values(after)
    assert shown[("表1", "J6")] == pytest.approx(70 / 150)
    result = check_sheets({s["name"]: s["values"] for s in after["sheets"]})
    assert not [d for d in result.diagnostics if d.code in ("C001", "C002", "C003", "C004")]
    assert actions_of(after, ep.calculate)[1].edits == []


def test_calculate_on_the_template_restores_a_typed_over_total_beside_a_text_amount_at_the_first_press(tmp_path):
    """On our 部门整体 template a unit pastes 一般公共预算资金's 本年预算 as text ("250", which the sums skip) and types 99
    over 资金总额's 下达数. 计算 made the text a number but left every computed cell of its row and of 资金总额 to come
    right by itself, the 99 typed over the formula with them: only a second 计算 put the formula back, 校验 saying C002
    in between. A computed cell beside a text is left only where it shows what the formula there gives."""
    from handmade import department_grid
    from test_front_ends_properties import excel_values

    from xlmon.check import check_sheets
    from xlmon.recalc import template_formulas

    sources = {"资金总额：": [None, None, None, 99, None, None, None, None],
               "其中：一般公共预算资金": [None, "250", None, 170, None, 130, None, 250],
               **{name: None for name in L.DEPARTMENT_FUND_TYPES[1:-1]}, "单位资金": [None, 50, None, 30, None, 20, None, 50]}
    spending = {"资金总额：": [None] * 8, "其中：基本支出": [None, 300, None, 200, None, 150, None, 300], "项目支出": None}
    form = check_sheets({"表1": department_grid(sources=sources, spending=spending)}).forms[0]
    formulas = {c: f for c, f in template_formulas(form).items() if c != "G6"}
    payload = _on_template(tmp_path, "模板.xlsx", sources, spending, formulas)
    actions, outcome = actions_of(payload, ep.calculate)
    edits = {e.cell: e for e in outcome.edits}
    assert edits["E7"].value == 250 and edits["G6"].formula
    after = apply_actions(payload, actions)
    excel_values(after)
    assert not [d for d in check_sheets({s["name"]: s["values"] for s in after["sheets"]}).diagnostics
                if d.code in ("C001", "C002", "C003", "C004", "N007")]
    assert actions_of(after, ep.calculate)[1].edits == []



def test_calculate_on_the_template_writes_the_spending_progress_of_a_subtotal_it_leaves(tmp_path):
    """On our 部门整体 template a unit types over 一般公共预算资金's 小计 with 300, its 本年预算 250 and no 上年结转: a 小计
    计算 does not write over (C001 asks). It wrote the row's 支出进度 as the template's =N(I7)/F7, which divides by that
    300: 43.33% shown where xlmon computes 52.00%, which 校验 then called wrong (C004) at the cell 计算 had just written,
    and every press wrote it again. Over a 小计 it leaves, the 支出进度 is written as its value."""
    from handmade import department_grid
    from test_front_ends_properties import excel_values

    from xlmon.check import check_sheets
    from xlmon.recalc import template_formulas

    sources = {"资金总额：": [None] * 8, "其中：一般公共预算资金": [None, 250, 300, 170, None, 130, None, 250],
               **{name: None for name in L.DEPARTMENT_FUND_TYPES[1:]}}
    spending = {"资金总额：": [None] * 8, "其中：基本支出": [None, 250, None, 170, None, 130, None, 250], "项目支出": None}
    form = check_sheets({"表1": department_grid(sources=sources, spending=spending)}).forms[0]
    formulas = {c: f for c, f in template_formulas(form).items() if c != "F7"}
    payload = _on_template(tmp_path, "模板.xlsx", sources, spending, formulas)
    actions, outcome = actions_of(payload, ep.calculate)
    edits = {e.cell: e for e in outcome.edits}
    assert "F7" not in edits and (edits["J7"].value, edits["J7"].formula) == (pytest.approx(0.52), False)
    after = apply_actions(payload, actions)
    excel_values(after)
    assert [d.cell for d in check_sheets({s["name"]: s["values"] for s in after["sheets"]}).diagnostics
            if d.code in ("C001", "C002", "C003", "C004")] == ["F7"]
    assert actions_of(after, ep.calculate)[1].edits == []


def test_calculate_on_the_template_leaves_a_subtotal_typed_as_text_that_does_not_add_up(tmp_path):
    """On our 部门整体 template a unit pastes 一般公共预算资金's 小计 as "300" and its 支出数 as "130", texts, its 本年预算
    250 and no 上年结转: a 小计 计算 does not write over (C001 asks). 计算 made both texts numbers, and over the 300 the
    template's 支出进度 came to 43.33% where xlmon computes 52.00%: 校验 called it wrong (C004) and a second 计算 wrote
    it. That 小计 is left as typed, as a number typed so is, and the 支出进度 over it written as its value at once."""
    from handmade import department_grid
    from test_front_ends_properties import excel_values

    from xlmon.check import check_sheets
    from xlmon.recalc import template_formulas

    for subtotal in ("300", 300):  # typed as a number, its 支出进度 showed 0 over the text "130", as if to come right
        sources = {"资金总额：": [None] * 8, "其中：一般公共预算资金": [None, 250, subtotal, 170, None, "130", None, 250],
                   **{name: None for name in L.DEPARTMENT_FUND_TYPES[1:]}}
        spending = {"资金总额：": [None] * 8, "其中：基本支出": [None, 250, None, 170, None, 130, None, 250], "项目支出": None}
        form = check_sheets({"表1": department_grid(sources=sources, spending=spending)}).forms[0]
        formulas = {c: f for c, f in template_formulas(form).items() if c != "F7"}
        payload = _on_template(tmp_path, "模板.xlsx", sources, spending, formulas)
        actions, outcome = actions_of(payload, ep.calculate)
        assert {e.cell: e.value for e in outcome.edits if e.cell in ("F7", "I7", "J7")} == {"I7": 130, "J7": 0.52}
        after = apply_actions(payload, actions)
        excel_values(after)
        assert [d.cell for d in check_sheets({s["name"]: s["values"] for s in after["sheets"]}).diagnostics
                if d.code in ("C001", "C002", "C003", "C004")] == ["F7"]
        assert actions_of(after, ep.calculate)[1].edits == []



def test_calculate_on_a_form_in_yuan_corrects_a_subtotal_slipped_beside_parts_pasted_as_text_at_the_first_press(
        tmp_path):
    """A 部门整体 form in 元 whose 项目支出 上年结转 and 本年预算 are pasted as text and whose 小计 is a slip, 12.5: within
    0.01 万元 of 0, what a SUM of those texts alone shows, and so taken for it (N007). 计算 made the texts numbers and left
    12.5 to come right by itself, as a formula would; it did not, and the next 计算 wrote it. A SUM of texts alone shows
    0 exactly: 12.5 is the unit's slip (C001), written as the sum of its parts at the first press (overall recalc
    seeds 95205, 95219, 95281)."""
    from handmade import department_grid
    from test_check import write_grid

    total = [100000, 3000000, 3100000, 2000000, 0.6667, 1500000, 0.4839, 3000000]
    sources = {"资金总额：": total, "其中：一般公共预算资金": [100000, 2500000, 2600000, 1700000, 0.68, 1300000, 0.5, 2500000],
               "单位资金": [None, 500000, 500000, 300000, 0.6, 200000, 0.4, 500000]}
    spending = {"资金总额：": total, "其中：基本支出": [None, 2000000, 2000000, 1200000, 0.6, 1000000, 0.5, 2000000],
                "项目支出": ["100000\u200b", "1,000,000.00", 12.5, 800000, 0.8, 500000, 0.4545, 1000000]}
    grid = [[c.replace("（万元）", "（元）") if isinstance(c, str) else c for c in row]
            for row in department_grid(sources=sources, spending=spending)]
    path = write_grid(tmp_path / "元.xlsx", grid)
    form = check_file(path).forms[0]
    project = next(r for r in form.funding if r.row == "项目支出")
    cell = project.cells["subtotal"]
    assert form.amount_unit == "元"
    assert "C001" in {d.code for d in check_file(path).diagnostics if d.cell == cell}
    payload = payload_from_file(path)
    actions, outcome = actions_of(payload, ep.calculate)
    assert {e.cell: e.value for e in outcome.edits}.get(cell) == 1100000
    after = apply_actions(payload, actions)
    assert actions_of(after, ep.calculate)[1].edits == []
    _, checked = actions_of(after, ep.validate)
    assert not [d for d in checked.diagnostics if d.code in ("C001", "C002", "C003", "C004")]
