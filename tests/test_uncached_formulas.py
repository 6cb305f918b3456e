"""A formula typed where the unit enters a number, in a file written by a program that does not calculate
(openpyxl here; finance systems' exports alike), has no saved result: python-calamine reads it as a blank, so
a 支出数 of =60+44.64 used to count as nothing, and the project went red in silence. It is N006, unknown
rather than 0, until the file is opened and saved in Excel, WPS or LibreOffice, which read it as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import libreoffice_convert
from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import set_cells, write_grid
from xlmon.adapters.files import read_workbook
from xlmon.check import check_file
from xlmon.consolidate.extract import extract
from xlmon.grid import Uncached, parse_address
from xlmon.profile import load_profile

SHEET = "表1"
FORMULAS = {"I10": "=60+44.64", "K9": '=""', "G17": "=B2"}  # 市级·支出数, 省级·全年预计, an indicator's 全年预计


@pytest.fixture
def exported(tmp_path) -> Path:
    """The form with formulas in cells a unit types numbers into, as openpyxl writes them: no results."""
    return set_cells(write_grid(tmp_path / "导出.xlsx", project_grid(funding=SAMPLE_FUNDING,
                                                                     indicators=SAMPLE_INDICATORS), SHEET),
                     SHEET, FORMULAS)


def _cell(grid, ref):
    r, c = parse_address(ref)
    return grid[r][c] if r < len(grid) and c < len(grid[r]) else None


def test_the_file_reader_keeps_what_the_formula_is(exported):
    grid = read_workbook(exported).sheets[SHEET]
    assert {ref: _cell(grid, ref) for ref in FORMULAS} == {ref: f[1:] for ref, f in FORMULAS.items()}
    assert all(isinstance(_cell(grid, ref), Uncached) for ref in FORMULAS)


def test_a_formula_past_the_values_grows_the_grid_within_the_limit():
    """A formula with neither result nor <v> is not placed by python-calamine: the grid grows for it, but never
    past the cells a sheet may have (F010's limit)."""
    from xlmon.adapters.files import _mark_uncached

    grid = [[1, None], [None, 2]]
    _mark_uncached(grid, [(3, 4, "A1*2"), (2_000_000, 4, "A1"), (1, 16_383 * 400, "A1"), (0, 1, "B9")])
    assert _cell(grid, "E4") == "A1*2" and _cell(grid, "B1") == "B9" and len(grid) == 4
    assert max(map(len, grid)) == 5 and grid[1][:2] == [None, 2]


def test_each_is_reported_where_it_is_and_counted_as_unknown(exported):
    result = check_file(exported)
    n006 = {d.cell: d.message for d in result.diagnostics if d.code == "N006"}
    assert set(n006) == set(FORMULAS)
    assert "“市级财政资金·支出数”是公式 =60+44.64，但文件中没有保存它的计算结果" in n006["I10"]
    assert "在 Excel 或 WPS 中打开该文件、保存后再提交" in n006["I10"]
    assert "全年指标预计完成情况" in n006["G17"] and "公式 =B2" in n006["G17"]
    [form] = result.forms
    city = next(r for r in form.funding if r.row == "市级财政资金")
    assert city.spent is None and "spent" in city.unreadable
    assert not [d for d in result.diagnostics if d.cell in ("I7", "J10")]  # not called wrong: unknown, not 0
    assert not any(d.code == "N001" for d in result.diagnostics)
    [record] = extract(str(exported), load_profile()).records
    assert record.unknown["source"]["市级财政资金"] == ["spent"]


def test_once_saved_by_a_spreadsheet_program_the_results_are_read(exported, tmp_path, soffice):
    [saved] = libreoffice_convert(soffice, [exported], tmp_path / "saved", "xlsx:Calc MS Excel 2007 XML")
    result = check_file(saved)
    assert not [d for d in result.diagnostics if d.code in ("N006", "N001")]
    city = next(r for r in result.forms[0].funding if r.row == "市级财政资金")
    assert city.spent == pytest.approx(104.64)  # the formula's result; =\"\" saved as empty text reads as blank


def test_our_own_templates_formulas_are_worked_out_not_reported(tmp_path):
    """Every formula of the demo workbooks (our template's) has no saved result either: they sit where the
    reader works the value out, and the scan passes over them."""
    from xlmon.demo import generate

    paths = generate(tmp_path / "demo")
    assert sum(len(v) for p in paths for v in _uncached_in(p).values()) == 0
    assert not [d for p in paths for d in check_file(p).diagnostics if d.code == "N006"]


def _uncached_in(path: Path) -> dict:
    from xlmon.adapters.safety import inspect_archive

    return inspect_archive(path.read_bytes(), path.name).uncached


def test_a_header_text_or_goal_that_is_such_a_formula_is_unknown_not_unfilled(tmp_path):
    """项目名称 taken from another sheet (=基础!B2) shows the name in Excel: it must not be called unfilled (R105)."""
    path = write_grid(tmp_path / "导出.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), SHEET)
    plain = check_file(path)
    cells = plain.forms[0].cells
    set_cells(path, SHEET, {cells["project"]: "=基础!B2", cells["unit"]: "=基础!B3", cells["goal"]: '=""'})
    result = check_file(path)
    n006 = {d.cell: d.message for d in result.diagnostics if d.code == "N006"}
    assert set(n006) == {cells["project"], cells["unit"], cells["goal"]}
    assert n006[cells["project"]].startswith("“项目名称”是公式 =基础!B2，但文件中没有保存它的计算结果")
    assert "“预算单位”是公式 =基础!B3" in n006[cells["unit"]] and "绩效目标”是公式 =\"\"" in n006[cells["goal"]]
    assert not [d for d in result.diagnostics if d.code == "R105"]
    [form] = result.forms
    assert (form.project, form.unit, form.goal) == (None, None, None)
    assert {d.code for d in plain.diagnostics} == {d.code for d in result.diagnostics} - {"N006"}

    emptied = set_cells(path, SHEET, {cells["project"]: None})  # truly unfilled: still R105
    assert [d.message for d in check_file(emptied).diagnostics if d.code == "R105"] == ["表头“项目名称”未填写，请补填。"]



def test_an_indicators_value_that_is_such_a_formula_is_unknown_not_unfilled(tmp_path):
    """年度指标值 or 全年预计 taken from an indicator library (=指标库!C5) shows a value in Excel: N006 says it has no
    saved result, and R104 / R106 must not call it unfilled, as they do not a value showing an error (N005)."""
    path = write_grid(tmp_path / "导出.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), SHEET)
    first, second = check_file(path).forms[0].indicators[:2]
    cells = {first.cells["target"]: "=指标库!C5", second.cells["forecast"]: "=指标库!G6"}
    result = check_file(set_cells(path, SHEET, cells))
    assert {d.cell for d in result.diagnostics if d.code == "N006"} == set(cells)
    assert not [d for d in result.diagnostics if d.code in ("R104", "R106")]
    emptied = check_file(set_cells(path, SHEET, dict.fromkeys(cells)))  # truly unfilled: still said
    assert sorted((d.code, d.cell) for d in emptied.diagnostics if d.code in ("R104", "R106")) == [
        ("R104", first.cells["target"]), ("R106", second.cells["forecast"])]

def _prefixed(path: Path, to: Path) -> Path:
    """The workbook with its sheets' elements in a namespace prefix (<x:c>, <x:f>), as .NET's Open XML SDK
    writes them: python-calamine reads them as any sheet."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            xml = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                                  b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
                xml = re.sub(rb"<(/?)([a-zA-Z]+[\s>/])", rb"<\1x:\2", xml)
                assert b"<x:f>" in xml and b"<c " not in xml
            zout.writestr(item.filename, xml)
    to.write_bytes(out.getvalue())
    return to


def test_formulas_in_a_sheet_whose_elements_have_a_namespace_prefix_are_found_too(exported, tmp_path):
    prefixed = _prefixed(exported, tmp_path / "前缀.xlsx")
    grid = read_workbook(prefixed).sheets[SHEET]
    assert {ref: _cell(grid, ref) for ref in FORMULAS} == {ref: f[1:] for ref, f in FORMULAS.items()}
    found = sorted((d.code, d.cell, d.message) for d in check_file(prefixed).diagnostics)
    assert found == sorted((d.code, d.cell, d.message) for d in check_file(exported).diagnostics)
    assert {cell for code, cell, _ in found if code == "N006"} == set(FORMULAS)


def test_a_formula_cell_without_a_place_of_its_own_is_placed_as_python_calamine_places_it():
    from xlmon.adapters.safety import _no_result, _no_result_parsed

    cells = ('<c r="A2"><v>1</v></c><c{b}><f>A1*2</f></c><c{c} t="str"><f>"x"</f><v></v></c>'
             '<c{d}><f>IF(COUNT(A1)=0,"",A1)</f></c><c{e}><f>A1+1</f><v></v></c><c{f}><f>A1</f><v>1</v></c>')
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="2">%s</row></sheetData></worksheet>')
    placed = sheet % cells.format(b=' r="B2"', c=' r="C2"', d=' r="D2"', e=' r="E2"', f=' r="F2"')
    unplaced = sheet % cells.format(b="", c="", d="", e="", f="")
    assert _no_result(placed.encode()) == [(1, 1, "A1*2"), (1, 4, "A1+1")]
    assert _no_result_parsed(unplaced.encode()) == _no_result(placed.encode())
    assert _no_result(unplaced.encode()) == []  # the expression alone cannot place them


def test_an_indicators_texts_and_ticks_that_are_such_formulas_are_unknown_not_missing(tmp_path):
    """三级指标 from an indicator library (=指标库!C5), a tick worked out (=IF(F19>1,"√","")): in Excel they show
    a name and a mark. Not R103 "no name", R101 "not a 一级指标", R302 "not ticked", R114 "too few"."""
    path = write_grid(tmp_path / "导出.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), SHEET)
    plain = check_file(path)
    first, second, third, fourth = plain.forms[0].indicators[:4]
    formulas = {first.cells["level1"]: "=指标库!B2", second.cells["level3"]: "=指标库!C5",
                second.cells["reason"]: "=指标库!H5", third.cells["likelihood_sure"]: '=IF(F19>1,"√","")',
                fourth.cells["level2"]: "=指标库!C9", second.cells["forecast"]: "=指标库!G5"}
    result = check_file(set_cells(path, SHEET, formulas))
    n006 = {d.cell: d.message for d in result.diagnostics if d.code == "N006"}
    assert set(n006) == set(formulas)
    assert n006[second.cells["level3"]].startswith(f"“第 {second.row} 行指标的三级指标”是公式 =指标库!C5")
    assert n006[second.cells["forecast"]].startswith(f"“第 {second.row} 行指标的全年指标预计完成情况”是公式")  # one way
    assert f"“指标“{third.level3}”的完成目标可能性·确定能”是公式 =IF(F19>1,\"√\",\"\")" in n006[third.cells["likelihood_sure"]]
    assert f"“指标“{fourth.level3}”的二级指标”" in n006[fourth.cells["level2"]]
    assert {d.code for d in result.diagnostics} - {"N006"} == {d.code for d in plain.diagnostics}
    ours = {i.row: i.unknown for i in result.forms[0].indicators}
    assert ours[first.row] == ["level1"]
    assert ours[second.row] == ["forecast", "level1", "level3", "reason"]  # level1 merged down
    assert ours[third.row] == ["level1", "likelihood", "likelihood_sure"] and ours[fourth.row] == ["level2"]
    assert len(result.forms[0].indicators) == len(plain.forms[0].indicators)

    blank = check_file(set_cells(path, SHEET, {second.cells["level3"]: None, third.cells["likelihood_sure"]: None}))
    assert {"R103", "R302"} <= {d.code for d in blank.diagnostics}  # blank still is blank

    inds = plain.forms[0].indicators
    every_level1 = {i.cells["level1"]: f"=指标库!B{i.row}" for i in inds if i.level1 != inds[inds.index(i) - 1].level1
                    or i is inds[0]}
    result = check_file(set_cells(path, SHEET, {**every_level1, second.cells["level3"]: "=指标库!C5"}))
    assert not {"R101", "R112", "R113"} & {d.code for d in result.diagnostics}  # not known to be too few
    assert all("level1" in i.unknown for i in result.forms[0].indicators)
