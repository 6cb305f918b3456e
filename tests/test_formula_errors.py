"""Cells showing a formula error (#REF!, #DIV/0! …): python-calamine reads them as blanks, so a broken
支出数 used to vanish from the numbers without a word. They are read as the text Excel shows, from a file
as from the add-in's clients, and each front end reports them alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from payloads import actions_of, formula_errors, payload_from_file

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import set_cells, write_grid
from xlmon import entry_points as ep
from xlmon.adapters.files import read_workbook
from xlmon.check import check_file
from xlmon.consolidate.extract import extract
from xlmon.profile import load_profile

SHEET = "表1"
ERRORS = {
    "I8": "#REF!",     # 中央财政资金·支出数: an amount typed by the unit, now unknown (N004)
    "H9": "#DIV/0!",   # 省级财政资金·下达率 over a blank budget: what a plain =G9/E9 shows, nothing wrong
    "J10": "#VALUE!",  # 市级财政资金·支出进度, which can be worked out: C004
    "K7": "#REF!",     # 资金总额·全年预计支出数, a sum of the sources: C002
    "E18": "#N/A",     # an indicator's 年度指标值: N005, not also R104 (no target)
    "L17": "#NAME?",   # 备注: text, read as shown
}


@pytest.fixture
def broken(tmp_path) -> Path:
    return set_cells(write_grid(tmp_path / "公式出错.xlsx", project_grid(funding=SAMPLE_FUNDING,
                                                                       indicators=SAMPLE_INDICATORS), SHEET),
                     SHEET, ERRORS, "e")


def test_the_file_reader_shows_each_error_where_excel_shows_it(broken):
    grid = read_workbook(broken).sheets[SHEET]
    found = formula_errors(broken)[SHEET]  # openpyxl's reading, for comparison
    assert sorted(found) == sorted((r, c, grid[r][c]) for r, row in enumerate(grid) for c, v in enumerate(row)
                                   if v in set(ERRORS.values()))
    assert len(found) == len(ERRORS)


def _by_cell(diagnostics) -> dict[str, list[str]]:
    cells: dict[str, list[str]] = {}
    for d in diagnostics:
        cells.setdefault(d.cell, []).append(d.code)
    return cells


def test_each_error_is_reported_for_what_the_cell_is(broken):
    result = check_file(broken)
    cells = _by_cell(result.diagnostics)
    assert cells["I8"] == ["N004"] and cells["J10"] == ["C004"] and cells["K7"] == ["C002"]
    assert cells["E18"] == ["N005"]
    assert "H9" not in cells and "L17" not in cells
    assert not {"N001", "R104"} & {d.code for d in result.diagnostics}
    messages = {d.cell: d.message for d in result.diagnostics}
    assert "中央财政资金·支出数" in messages["I8"] and "#REF!" in messages["I8"]
    assert "表中填写 #VALUE!" in messages["J10"] and "表中填写 #REF!" in messages["K7"]
    [named] = [i.level3 for i in result.forms[0].indicators if i.cells.get("target") == "E18"]
    assert messages["E18"].startswith(f"指标“{named}”的年度指标值显示错误值 #N/A，")
    assert "J8" not in cells  # 中央's 支出进度 is not called wrong: its 支出数 is unknown, not 0


def test_an_unknown_amount_is_carried_as_unknown_into_a_consolidation(broken):
    outcome = extract(str(broken), load_profile())
    assert outcome.status == "included"
    [record] = outcome.records
    assert record.unknown == {"source": {"中央财政资金": ["spent"]}}


def test_the_add_in_reports_them_as_the_file_check_does(broken):
    payload = payload_from_file(broken)
    assert {v for s in payload["sheets"] for row in s["values"] for v in row} >= set(ERRORS.values())
    _, outcome = actions_of(payload, ep.validate)
    expected = [(d.code, d.sheet, d.cell, d.message) for d in check_file(broken).diagnostics]
    assert [(d.code, d.sheet, d.cell, d.message) for d in outcome.diagnostics] == expected
