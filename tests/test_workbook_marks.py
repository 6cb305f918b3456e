"""The openpyxl marks adapter: marks land where planned, nothing else changes, marks replace
rather than stack, clearing restores the original exactly, and no text becomes a formula."""

from __future__ import annotations

import base64
import importlib.util
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.xml.functions import tostring

from conftest import libreoffice_convert, require_tool
from xlmon import templates
from xlmon.adapters.workbook_marks import annotate_file, clear_file, dropped_features
from xlmon.diagnostics import Diagnostic, make
from xlmon.marks import OUTLINE, PALETTE, RESULTS_SHEET, SEVERITY_ZH, STATE_SHEET, CellMark, MarkPlan

FORM = "表1"
NOTES = "张's 说明"  # a sheet name that needs quoting in a link
EVIL_SHEET = '=HYPERLINK("http://evil.example","点我")'
EVIL_MESSAGE = "=1+1 不应被当作公式"
EVIL_FILE = "=cmd|' /C calc'!A0"
GOAL = "=完成校舍维修 3 处"  # user text that looks like a formula


# ---------------------------------------------------------------------------------- fixtures

@pytest.fixture
def original(tmp_path) -> Path:
    """A filled project form as build_form writes it, plus a user's comment, conditional
    formatting and a second sheet with rich text."""
    wb = templates.new_workbook()
    ws = wb.create_sheet(FORM)
    layout = templates.build_form(ws, "project", year=2026, months=6, project="校舍维修改造项目",
                                  department="某市教育局（101001）", unit="某市第一中学")
    inputs = {"中央财政资金": (None, 100, 100, 60, 100), "市级财政资金": (10, 200, 100, 90, 205)}
    for label, values in inputs.items():
        cells = layout.funding[("source", label)]
        for name, value in zip(("carryover", "current", "issued", "spent", "forecast"), values):
            if value is not None:
                ws[cells[name]] = value
    templates.put_text(ws, layout.header["goal"], GOAL)  # user text that looks like a formula
    level1, level2, row = layout.indicator_rows[0]
    for col, value in zip("DEFG", ("维修校舍面积", "≥1200平方米", "800平方米", "1250平方米")):
        ws[f"{col}{row}"] = value
    ws[f"I{row}"] = "√"
    ws.conditional_formatting.add("J7:J13", CellIsRule(operator="lessThan", formula=["0.3"],
                                                       fill=PatternFill(bgColor="FFFF0000")))
    ws["E8"].comment = Comment("本年预算以批复为准", "张三")
    notes = wb.create_sheet(NOTES)
    notes["A1"] = CellRichText(TextBlock(InlineFont(b=True), "说明："), "本表由财务科填写")
    notes["B2"] = 42
    path = tmp_path / "original.xlsx"
    wb.save(path)
    return path


def indicator_forecast_cell(path: Path) -> str:
    return "G" + str(_first_indicator_row(path))


def _first_indicator_row(path: Path) -> int:
    ws = load_workbook(path)[FORM]
    return next(r for r in range(1, ws.max_row + 1) if ws[f"D{r}"].value == "维修校舍面积")


def make_plan(path: Path) -> MarkPlan:
    forecast = indicator_forecast_cell(path)
    marks = [
        CellMark(FORM, "J7", fill=PALETTE["red"]),
        CellMark(FORM, "J8", fill=PALETTE["yellow"]),
        CellMark(FORM, forecast, fill=PALETTE["green"]),
        CellMark(FORM, "F1", fill=PALETTE["green"]),  # inside the merged title A1:L1
        CellMark(FORM, "L7", outline=OUTLINE["error"], comment="C002 错误：全年预计支出数有误"),  # inside K7:L7
        CellMark(FORM, "E8", fill=PALETTE["yellow"], outline=OUTLINE["warning"], comment="N001 警告：请核对"),
    ]
    diagnostics = [
        make("C001", sheet=FORM, cell="F7", file="original.xlsx", row="资金总额", expected="1", actual="2",
             formula="=D7+E7"),
        make("C004", sheet=FORM, cell="J7", file="original.xlsx", row="资金总额", expected="48.39%",
             actual="50.00%", formula="=I7/F7"),
        Diagnostic(code="X001", severity="info", file="original.xlsx", sheet=NOTES, cell="B2", message="说明页"),
        make("S001", sheet=NOTES, file="original.xlsx"),
        Diagnostic(code="X002", severity="warning", file=EVIL_FILE, sheet=EVIL_SHEET, cell="A1",
                   message=EVIL_MESSAGE),
    ]
    return MarkPlan(marks, diagnostics)


def marked_cells(path: Path, plan: MarkPlan) -> set[tuple[str, str]]:
    """Every cell a mark may touch: the cell, or the whole merged range it lies in."""
    wb = load_workbook(path)
    out = set()
    for mark in plan.marks:
        ws = wb[mark.sheet]
        cell = ws[mark.cell]
        rng = next((r for r in ws.merged_cells.ranges if cell.coordinate in r), None)
        cells = [c for row in ws[rng.coord] for c in row] if rng else [cell]
        out |= {(mark.sheet, c.coordinate) for c in cells}
    return out


# ---------------------------------------------------------------------------------- comparing

def xml(obj) -> str:
    return tostring(obj.to_tree()).decode() if obj is not None else ""


def cell_content(cell) -> tuple:
    return (repr(cell.value), cell.data_type, cell.number_format)


def cell_styles(cell) -> tuple:
    return (xml(cell.font), xml(cell.alignment), xml(cell.protection))


def cell_marks(cell) -> tuple:
    comment = getattr(cell, "comment", None)
    return (xml(cell.fill), xml(cell.border), comment and (comment.text, comment.author))


def cell_everything(cell) -> tuple:
    link = cell.hyperlink
    return (*cell_content(cell), *cell_styles(cell), *cell_marks(cell),
            link and (link.location, link.target, link.display))


def sheet_setup(ws) -> dict:
    return {
        "validations": xml(ws.data_validations),
        "conditional": [(str(cf.sqref), [(xml(rule), xml(rule.dxf)) for rule in cf.rules])
                        for cf in ws.conditional_formatting],
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "columns": {k: (d.width, d.hidden, d.customWidth) for k, d in ws.column_dimensions.items()},
        "rows": {k: (d.height, d.hidden) for k, d in ws.row_dimensions.items()},
        "protection": xml(ws.protection),
        "page": (xml(ws.page_setup), xml(ws.print_options), xml(ws.page_margins), ws.print_area,
                 ws.print_title_rows, ws.sheet_properties.pageSetUpPr.fitToPage),
        "view": (ws.sheet_view.showGridLines, ws.freeze_panes),
        "state": ws.sheet_state,
        "size": (ws.max_row, ws.max_column),
    }


def sheet_cells(ws, describe=cell_everything) -> dict:
    return {c.coordinate: describe(c) for row in ws.iter_rows(min_row=1, max_row=ws.max_row,
                                                               max_col=ws.max_column) for c in row}


def assert_same_workbook(a: Path, b: Path) -> None:
    wa, wb = load_workbook(a, rich_text=True), load_workbook(b, rich_text=True)
    assert wa.sheetnames == wb.sheetnames
    assert wa.active.title == wb.active.title
    for name in wa.sheetnames:
        assert sheet_setup(wa[name]) == sheet_setup(wb[name]), name
        assert sheet_cells(wa[name]) == sheet_cells(wb[name]), name


# ---------------------------------------------------------------------------------- tests

def test_marks_land_on_the_planned_cells(original, tmp_path):
    plan = make_plan(original)
    out = annotate_file(original, tmp_path / "marked.xlsx", plan)
    assert out == tmp_path / "marked.xlsx"
    wb = load_workbook(out)
    ws = wb[FORM]
    assert ws["J7"].fill.fill_type == "solid" and ws["J7"].fill.fgColor.rgb == "FF" + PALETTE["red"]
    assert ws["J8"].fill.fgColor.rgb == "FF" + PALETTE["yellow"]
    assert ws[indicator_forecast_cell(original)].fill.fgColor.rgb == "FF" + PALETTE["green"]
    # F1 lies in the merged title: the fill went to A1, the top-left cell
    assert ws["A1"].fill.fgColor.rgb == "FF" + PALETTE["green"]
    # L7 lies in K7:L7: comment and outline on K7, the outline drawn round the whole range
    k7 = ws["K7"]
    for side in (k7.border.left, k7.border.top, k7.border.bottom, k7.border.right):
        assert (side.style, side.color.rgb) == ("medium", "FF" + OUTLINE["error"])
    l7 = ws["L7"].border
    assert {(s.style, s.color.rgb) for s in (l7.right, l7.top, l7.bottom)} == {("medium", "FF" + OUTLINE["error"])}
    assert k7.comment.author == "xlmon" and k7.comment.text == "C002 错误：全年预计支出数有误"
    # E8 had the user's own comment: ours replaces it while marked, and still shows it
    e8 = ws["E8"]
    assert e8.fill.fgColor.rgb == "FF" + PALETTE["yellow"]
    assert {e8.border.left.style, e8.border.right.style, e8.border.top.style, e8.border.bottom.style} == {"medium"}
    assert e8.border.left.color.rgb == "FF" + OUTLINE["warning"]
    assert e8.comment.author == "xlmon"
    assert e8.comment.text.startswith("N001 警告：请核对") and "本年预算以批复为准" in e8.comment.text
    assert e8.comment.width >= 144 and e8.comment.height >= 40
    # the state sheet is very hidden and after the results sheet
    assert wb.sheetnames == [FORM, NOTES, RESULTS_SHEET, STATE_SHEET]
    assert wb[STATE_SHEET].sheet_state == "veryHidden"
    assert wb[RESULTS_SHEET].sheet_state == "visible"
    assert wb.active.title == FORM


def test_results_sheet_lists_every_diagnostic_as_text_with_links(original, tmp_path):
    plan = make_plan(original)
    wb = load_workbook(annotate_file(original, tmp_path / "marked.xlsx", plan))
    ws = wb[RESULTS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("序号", "文件", "工作表", "单元格", "代码", "级别", "说明")
    assert len(rows) == 1 + len(plan.diagnostics)
    for i, (row, d) in enumerate(zip(rows[1:], plan.diagnostics), start=1):
        assert row == (i, d.file, d.sheet, d.cell, d.code, SEVERITY_ZH[d.severity], d.message)
    assert ws["A1"].font.b and ws["A1"].fill.fill_type == "solid"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:G{len(rows)}"
    assert ws["G2"].alignment.wrap_text and ws.column_dimensions["G"].width >= 60
    links = {r: ws.cell(r, 4).hyperlink for r in range(2, len(rows) + 1)}
    assert links[2].location == "'表1'!F7"
    assert links[3].location == "'表1'!J7"
    assert links[4].location == "'张''s 说明'!B2"
    assert links[5] is None  # no cell
    assert links[6] is None  # the sheet is not in this workbook
    evil = ws[6]
    assert [evil[i].value for i in (1, 2, 6)] == [EVIL_FILE, EVIL_SHEET, EVIL_MESSAGE]
    for row in ws.iter_rows(min_row=1, min_col=2):
        for cell in row:
            if cell.value is not None:
                assert cell.data_type == "s", cell.coordinate
    # and in the file itself: the results sheet (the third part) holds no formula element
    with zipfile.ZipFile(tmp_path / "marked.xlsx") as z:
        assert "校验结果" in z.read("xl/workbook.xml").decode()
        results_xml = z.read("xl/worksheets/sheet3.xml")
    assert b"<c " in results_xml and b"<f" not in results_xml


def test_results_sheet_prints_its_columns_on_one_page_and_its_texts_whole(original, tmp_path):
    """Printed as it was, on A4 portrait at 100 %, 说明 went onto pages of its own and each row was one line tall,
    cutting a long message or file name."""
    long = Diagnostic(code="X003", severity="warning", file="某市教育科学研究所附属实验学校（东校区）上报.xlsx",
                      sheet=FORM, cell="A1", message="说明" * 100)
    plan = make_plan(original)
    wb = load_workbook(annotate_file(original, tmp_path / "marked.xlsx", MarkPlan(plan.marks, [long])))
    ws = wb[RESULTS_SHEET]
    setup = ws.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    assert ws["B2"].alignment.wrap_text and ws["C2"].alignment.wrap_text
    assert ws.row_dimensions[2].height >= 3 * 15  # 200 characters' width in 80: three lines


def test_a_findings_row_is_as_tall_as_its_message_wraps_in_the_sheets_font(original, tmp_path):
    """The sheet's Calibri 11 draws a CJK character 11/10 as wide as 宋体 10: a message of 76 characters wraps onto
    three lines of 说明, not two, and its third line printed (LibreOffice) over the next finding."""
    long = Diagnostic(code="X003", severity="warning", file="a.xlsx", sheet=FORM, cell="A1", message="说" * 76)
    plan = make_plan(original)
    wb = load_workbook(annotate_file(original, tmp_path / "marked.xlsx", MarkPlan(plan.marks, [long])))
    assert wb[RESULTS_SHEET].row_dimensions[2].height >= 3 * 16


def test_no_diagnostics_still_writes_the_sheet(original, tmp_path):
    plan = MarkPlan([CellMark(FORM, "J7", fill=PALETTE["green"])], [])
    wb = load_workbook(annotate_file(original, tmp_path / "clean.xlsx", plan))
    assert list(wb[RESULTS_SHEET].iter_rows(values_only=True)) == [("未发现问题",)]


def test_everything_else_is_preserved(original, tmp_path):
    plan = make_plan(original)
    marked = annotate_file(original, tmp_path / "marked.xlsx", plan)
    touched = marked_cells(original, plan)
    before, after = load_workbook(original, rich_text=True), load_workbook(marked, rich_text=True)
    for name in before.sheetnames:
        setup_before, setup_after = sheet_setup(before[name]), sheet_setup(after[name])
        assert setup_before == setup_after, name
        cells_before, cells_after = sheet_cells(before[name]), sheet_cells(after[name])
        assert cells_before.keys() == cells_after.keys()
        for coord, value in cells_before.items():
            if (name, coord) in touched:
                a, b = before[name][coord], after[name][coord]
                assert cell_content(a) == cell_content(b), coord
                assert cell_styles(a) == cell_styles(b), coord
            else:
                assert value == cells_after[coord], (name, coord)
    ws = after[FORM]
    assert ws["J7"].value.startswith("=IF(") and ws["J7"].data_type == "f"
    [goal] = [c for row in ws.iter_rows() for c in row if c.value == GOAL]
    assert goal.data_type == "s"
    assert ws.protection.sheet and ws.data_validations.dataValidation
    assert any(str(cf.sqref) == "J7:J13" for cf in ws.conditional_formatting)
    assert isinstance(after[NOTES]["A1"].value, CellRichText)
    assert touched >= {(FORM, "A1"), (FORM, "L1"), (FORM, "K7"), (FORM, "L7")}  # the test covers merged cells


def test_annotating_twice_replaces_the_marks(original, tmp_path):
    plan = make_plan(original)
    once = annotate_file(original, tmp_path / "once.xlsx", plan)
    twice = annotate_file(once, tmp_path / "twice.xlsx", plan)
    assert_same_workbook(once, twice)
    e8 = load_workbook(twice)[FORM]["E8"].comment.text
    assert e8.count("N001") == 1 and e8.count("本年预算以批复为准") == 1
    # a different plan on a marked file: the old marks are gone, not stacked
    other = MarkPlan([CellMark(FORM, "J8", fill=PALETTE["green"])], [])
    replaced = load_workbook(annotate_file(once, tmp_path / "other.xlsx", other))
    ws, first = replaced[FORM], load_workbook(original)[FORM]
    assert ws["J8"].fill.fgColor.rgb == "FF" + PALETTE["green"]
    for coord in ("J7", "A1", "K7", "L7", "E8"):
        assert cell_marks(ws[coord]) == cell_marks(first[coord]), coord
    assert list(replaced[RESULTS_SHEET].iter_rows(values_only=True)) == [("未发现问题",)]


def test_clear_restores_the_original(original, tmp_path):
    plan = make_plan(original)
    once = annotate_file(original, tmp_path / "once.xlsx", plan)
    twice = annotate_file(once, tmp_path / "twice.xlsx", plan)
    for marked in (once, twice):
        cleared = clear_file(marked, tmp_path / f"cleared-{marked.stem}.xlsx")
        assert_same_workbook(original, cleared)
        wb = load_workbook(cleared)
        assert RESULTS_SHEET not in wb.sheetnames and STATE_SHEET not in wb.sheetnames
        assert (wb[FORM]["E8"].comment.text, wb[FORM]["E8"].comment.author) == ("本年预算以批复为准", "张三")
        assert wb[FORM]["K7"].comment is None
    # clearing a workbook that was never marked writes an equivalent copy
    assert_same_workbook(original, clear_file(original, tmp_path / "copy.xlsx"))


def test_a_units_comment_as_long_as_excel_takes_is_cut_short_in_the_copy_and_restored_whole(original, tmp_path):
    """A unit's comment of 32,767 characters on a marked cell: our findings and it together were longer than Excel
    takes a comment, and Excel called the copy unreadable."""
    wb = load_workbook(original)
    long = "请核对" * 10_000 + "核" + "𠮷" * 1_383  # 32,767 UTF-16 units, the cut amid a character beyond the BMP
    wb[FORM]["E8"].comment = Comment(long, "张三")
    wb.save(original)
    marked = annotate_file(original, tmp_path / "marked.xlsx", make_plan(original))
    text = load_workbook(marked)[FORM]["E8"].comment.text
    assert len(text.encode("utf-16-le")) // 2 <= 32_767 and "\ufffd" not in text
    assert text.startswith("N001 警告：请核对\n\n原批注（张三）：请核对") and text.endswith("清除标注后完整恢复）")
    cleared = load_workbook(clear_file(marked, tmp_path / "cleared.xlsx"))[FORM]["E8"].comment
    assert (cleared.text, cleared.author) == (long, "张三")


def test_a_finding_quoting_a_units_text_as_long_as_excel_takes_fits_in_the_copy(original, tmp_path):
    """A unit's text of 32,767 characters in an amount cell, quoted by N001, and a comment of the unit's of characters
    beyond the BMP on a marked cell: our comment, its line in 校验结果 and the cell's record in _xlmon (of 30,000
    characters, two units each) were longer than Excel takes a text, and Excel called the copy unreadable."""
    wb = load_workbook(original)
    theirs = "𠮷" * 16_383
    wb[FORM]["E8"].comment = Comment(theirs, "张三")
    wb.save(original)
    quoted = "N001 警告：“支出数”应为数字，表中填写的是“" + "完成" * 16_383 + "好”"
    plan = make_plan(original)
    plan.marks.append(CellMark(FORM, "I8", outline=OUTLINE["warning"], comment=quoted))
    plan.diagnostics.append(Diagnostic(code="N001", severity="warning", file="original.xlsx", sheet=FORM, cell="I8",
                                       message=quoted[len("N001 警告："):] + "𠮷"))
    marked = annotate_file(original, tmp_path / "marked.xlsx", plan)
    wb = load_workbook(marked)
    texts = [wb[FORM]["I8"].comment.text, wb[FORM]["E8"].comment.text]
    texts += [str(c.value) for name in (RESULTS_SHEET, STATE_SHEET) for row in wb[name].iter_rows() for c in row
              if c.value is not None]
    assert max(len(t.encode("utf-16-le")) // 2 for t in texts) <= 32_767
    assert wb[FORM]["I8"].comment.text.endswith("（过长，以下从略）")
    cleared = load_workbook(clear_file(marked, tmp_path / "cleared.xlsx"))[FORM]
    assert (cleared["E8"].comment.text, cleared["E8"].comment.author) == (theirs, "张三")
    assert cleared["I8"].comment is None


def test_a_units_sheet_named_as_ours_but_for_case_is_refused(original, tmp_path):
    """A unit's sheet _XLMON: ours was written as _xlmon1, so clear found no marks, and the cleared copy kept them
    and 校验结果, with nothing said."""
    wb = load_workbook(original)
    wb.create_sheet(STATE_SHEET.upper())["A1"] = "单位自己的表"
    wb.save(original)
    with pytest.raises(ValueError, match="请将其改名后再标注") as refused:
        annotate_file(original, tmp_path / "marked.xlsx", make_plan(original))
    assert str(refused.value).startswith(f"{original}：工作簿中已有名为“_XLMON”的工作表")
    assert not (tmp_path / "marked.xlsx").exists()


def test_a_units_own_sheet_named_as_ours_is_refused_as_annotating_refuses(original, tmp_path):
    """A unit's sheet _xlmon of its own: annotating said “…不是 xlmon 生成的，无法清除标注”, a refusal to clear,
    which the user had not asked for; it is refused as the sheet _XLMON is, to be renamed, the workbook named."""
    wb = load_workbook(original)
    wb.create_sheet(STATE_SHEET)["A1"] = "单位自己的表"
    wb.save(original)
    with pytest.raises(ValueError) as refused:
        annotate_file(original, tmp_path / "marked.xlsx", make_plan(original))
    assert str(refused.value) == (f"{original}：工作簿中已有名为“{STATE_SHEET}”的工作表，与 xlmon 记录标注所用的"
                                  f"“{STATE_SHEET}”表同名，请将其改名后再标注。")
    assert not (tmp_path / "marked.xlsx").exists()


def test_clear_keeps_what_the_user_changed_after_marking(original, tmp_path):
    marked = annotate_file(original, tmp_path / "marked.xlsx", make_plan(original))
    wb = load_workbook(marked)
    wb[FORM]["J8"].fill = PatternFill("solid", fgColor="FF0000FF")  # the user recoloured a marked cell
    wb.save(tmp_path / "edited.xlsx")
    ws = load_workbook(clear_file(tmp_path / "edited.xlsx", tmp_path / "cleared.xlsx"))[FORM]
    assert ws["J8"].fill.fgColor.rgb == "FF0000FF"
    assert ws["J7"].fill.fill_type is None


def test_a_results_sheet_of_the_users_own_is_not_touched(original, tmp_path):
    wb = load_workbook(original)
    wb.create_sheet(RESULTS_SHEET)["A1"] = "我自己的表"
    wb.save(tmp_path / "own.xlsx")
    with pytest.raises(ValueError, match="校验结果") as refused:
        annotate_file(tmp_path / "own.xlsx", tmp_path / "marked.xlsx", make_plan(original))
    assert str(refused.value).startswith(f"{tmp_path / 'own.xlsx'}：工作簿中已有名为“{RESULTS_SHEET}”")
    assert not (tmp_path / "marked.xlsx").exists()
    kept = load_workbook(clear_file(tmp_path / "own.xlsx", tmp_path / "cleared.xlsx"))
    assert kept[RESULTS_SHEET]["A1"].value == "我自己的表"


def test_source_file_never_modified(original, tmp_path):
    plan = make_plan(original)
    data = original.read_bytes()
    marked = annotate_file(original, tmp_path / "marked.xlsx", plan)
    assert original.read_bytes() == data
    marked_data = marked.read_bytes()
    clear_file(marked, tmp_path / "cleared.xlsx")
    assert marked.read_bytes() == marked_data
    for same in (original, tmp_path / "sub" / ".." / original.name, str(original)):
        with pytest.raises(ValueError, match="原文件"):
            annotate_file(original, same, plan)
        with pytest.raises(ValueError, match="原文件"):
            clear_file(original, same)
    link = tmp_path / "hardlink.xlsx"
    link.hardlink_to(original)
    with pytest.raises(ValueError, match="原文件"):
        annotate_file(original, link, plan)
    assert original.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".xlmon-")) == []


def test_macros_kept_and_formats_not_mixed(original, tmp_path):
    vba = b"\xd0\xcf\x11\xe0 fake vba project"
    xlsm = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(original) as zin, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
        zout.writestr("xl/vbaProject.bin", vba)
    marked = annotate_file(xlsm, tmp_path / "marked.xlsm", make_plan(original))
    with zipfile.ZipFile(marked) as z:
        assert z.read("xl/vbaProject.bin") == vba
    with pytest.raises(ValueError, match="扩展名"):
        annotate_file(xlsm, tmp_path / "marked.xlsx", make_plan(original))


# ---------------------------------------------------------------------------------- rendering

def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA non-interlaced PNG (what pdftoppm writes): width, height, rows."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
        prev = line
    return width, height, rows


def count_colour(rows: list[bytes], rgb: str, tolerance: int = 3) -> int:
    target = bytes.fromhex(rgb)
    n = 0
    for row in rows:
        for x in range(0, len(row), 3):
            if all(abs(row[x + i] - target[i]) <= tolerance for i in range(3)):
                n += 1
    return n


def test_libreoffice_renders_the_marks_and_keeps_text_literal(original, tmp_path, soffice):
    pdftoppm = require_tool("pdftoppm")
    plan = make_plan(original)
    # 支出进度 cells carry the template's own conditional colours, which a renderer draws over a
    # direct fill; put the red mark to look for on the page on the (wide, merged) project name.
    plan.marks.append(CellMark(FORM, "C3", fill=PALETTE["red"]))
    marked = annotate_file(original, tmp_path / "marked.xlsx", plan)
    ws = load_workbook(marked)[FORM]
    assert ws["J7"].fill.fgColor.rgb == "FF" + PALETTE["red"] and ws["A1"].fill.fgColor.rgb == "FF" + PALETTE["green"]
    assert ws["C3"].fill.fgColor.rgb == "FF" + PALETTE["red"]

    [pdf] = libreoffice_convert(soffice, [marked], tmp_path / "pdf", "pdf")
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    [png] = sorted(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 5000
    width, height, rows = png_pixels(png)
    assert width > 300 and height > 200
    assert count_colour(rows, PALETTE["red"]) > 500, "the red fill of C3 is not on the page"
    assert count_colour(rows, PALETTE["green"]) > 500, "the green fill of the title is not on the page"

    # LibreOffice reads the results sheet as text too: nothing starting with '=' became a formula
    [again] = libreoffice_convert(soffice, [marked], tmp_path / "lo", "xlsx")
    results = load_workbook(again)[RESULTS_SHEET]
    values = {c.value: c.data_type for row in results.iter_rows() for c in row if c.value is not None}
    for text in (EVIL_MESSAGE, EVIL_SHEET, EVIL_FILE):
        assert values.get(text) == "s", (text, values.get(text))
    form = load_workbook(again)[FORM]
    assert any(c.value == GOAL and c.data_type == "s" for row in form.iter_rows() for c in row)
    shutil.rmtree(tmp_path / "lo" / "lo-profile", ignore_errors=True)


def tiny_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    raw = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_dropped_features_names_what_openpyxl_loses(original, tmp_path, soffice):
    assert dropped_features(original) == []
    # a sheet with a picture and a text box, written by LibreOffice as Excel would
    picture = base64.b64encode(tiny_png(40, 20, (255, 0, 0))).decode()
    fods = tmp_path / "picture.fods"
    fods.write_text(f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet">
<office:body><office:spreadsheet><table:table table:name="{FORM}"><table:shapes>
<draw:frame draw:name="pic" svg:width="2cm" svg:height="1cm" svg:x="3cm" svg:y="1cm"><draw:image>
<office:binary-data>{picture}</office:binary-data></draw:image></draw:frame>
<draw:custom-shape draw:name="box" svg:width="3cm" svg:height="1cm" svg:x="6cm" svg:y="3cm"><text:p>文本框</text:p>
<draw:enhanced-geometry draw:type="rectangle"/></draw:custom-shape></table:shapes>
<table:table-row><table:table-cell office:value-type="string"><text:p>资金总额</text:p></table:table-cell></table:table-row>
</table:table></office:spreadsheet></office:body></office:document>""", encoding="utf-8")
    [xlsx] = libreoffice_convert(soffice, [fods], tmp_path / "lo", "xlsx")
    with zipfile.ZipFile(xlsx) as z:
        assert any(n.startswith("xl/drawings/") for n in z.namelist())
    lost = dropped_features(xlsx)
    assert any("绘图" in item for item in lost)
    assert ("图片" in lost) == (importlib.util.find_spec("PIL") is None)
    marked = annotate_file(xlsx, tmp_path / "marked.xlsx", MarkPlan([CellMark(FORM, "A1", fill=PALETTE["red"])], []))
    with zipfile.ZipFile(marked) as z:  # what the warning is about: the text box is gone
        assert "文本框".encode() not in b"".join(z.read(n) for n in z.namelist())
        if importlib.util.find_spec("PIL") is None:
            assert not any(n.startswith(("xl/drawings/", "xl/media/")) for n in z.namelist())
