"""A stray value far from the form (a space typed at XFD1048576) would make python-calamine build a grid of
17 billion cells and abort the whole process: such sheets are refused (F010) before any parser sees them,
naming the sheet and the cell, while the other files go on."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles import Font
from python_calamine import CalamineWorkbook

from conftest import read_in_one_process
from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import write_grid
from xlmon.adapters.files import read_workbook
from xlmon.adapters.safety import MAX_SHEET_CELLS, _value_reach
from xlmon.diagnostics import catalogue

SHEET = "表1"


@pytest.fixture
def good(tmp_path) -> Path:
    return write_grid(tmp_path / "good.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), SHEET)


def with_cell(source: Path, target: Path, ref: str, value=" ", *, style_only: bool = False) -> Path:
    wb = load_workbook(source)
    if style_only:
        wb[SHEET][ref].font = Font(bold=True)
    else:
        wb[SHEET][ref] = value
    wb.save(target)
    return target


def xlmon(*args: str) -> subprocess.CompletedProcess:
    """In a child process: without the check, python-calamine aborts it (SIGABRT), which pytest could not survive."""
    return subprocess.run([sys.executable, "-m", "xlmon", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ref, rows, columns", [("XFD1048576", "1,048,576", "16,384"),
                                                ("A1048576", "1,048,576", None)])
def test_a_far_stray_value_is_refused_naming_sheet_and_cell(tmp_path, good, ref, rows, columns):
    stray = with_cell(good, tmp_path / "stray.xlsx", ref)
    done = xlmon("check", "--format", "json", str(stray), str(good))
    assert done.returncode == 1, done.stderr
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    assert files[str(good)]["status"] == "ok"
    assert files[str(stray)]["status"] == "unreadable"
    [d] = files[str(stray)]["diagnostics"]
    assert (d["code"], d["sheet"], d["cell"]) == ("F010", SHEET, ref)
    assert f"工作表“{SHEET}”的单元格 {ref}" in d["message"] and f"{rows} 行" in d["message"]
    if columns:
        assert f"{columns} 列" in d["message"]
    text = xlmon("check", str(stray))
    assert text.stdout.startswith(f"{stray}:{SHEET}!{ref}: F010 ")


def test_consolidation_goes_on_without_the_stretched_file(tmp_path, good):
    folder = tmp_path / "units"
    folder.mkdir()
    good.rename(folder / "甲单位.xlsx")
    with_cell(folder / "甲单位.xlsx", folder / "乙单位.xlsx", "XFD1048576", "x")
    done = xlmon("consolidate", "--format", "json", str(folder), "-o", str(tmp_path / "汇总.xlsx"))
    assert done.returncode == 0, done.stderr
    files = {Path(f["path"]).name: f for f in json.loads(done.stdout)["files"]}
    assert files["甲单位.xlsx"]["status"] == "included"
    assert files["乙单位.xlsx"]["status"] == "rejected" and "XFD1048576" in files["乙单位.xlsx"]["reason"]
    assert (tmp_path / "汇总.xlsx").is_file()


def test_formatting_far_away_or_a_wide_table_is_read_as_before(tmp_path, good):
    """Only values stretch the grid: a formatted empty cell at XFD1048576 changes nothing, and a real
    sheet of 20,000 rows × 30 columns (600,000 cells) is read."""
    styled = with_cell(good, tmp_path / "styled.xlsx", "XFD1048576", style_only=True)
    book = read_workbook(styled)
    assert book.refusal is None and book.sheets[SHEET] == read_workbook(good).sheets[SHEET]
    wb = load_workbook(good)
    wide = wb.create_sheet("明细")
    for r in range(20_000):
        wide.append([r] * 30)
    wb.save(tmp_path / "wide.xlsx")
    book = read_workbook(tmp_path / "wide.xlsx")
    assert book.refusal is None
    assert len(book.sheets["明细"]) == 20_000 and len(book.sheets["明细"][-1]) == 30


def _rezipped(source: Path, sheet_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else zin.read(item.filename)
            zout.writestr(item.filename, data)
    return out.getvalue()


MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'
PREFIXED = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<x:sheetData>%s</x:sheetData></x:worksheet>')
PLACEMENTS = {
    "cells without r follow the one before": MAIN % b'<row r="3"><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>',
    "rows without r follow the row before": MAIN % (b'<row><c><v>1</v></c></row><row r="7"><c r="B7"><v>1</v></c>'
                                                   b'</row><row><c><v>4</v></c></row>'),
    "r after another attribute": MAIN % b'<row r="1"><c s="0" r="E9"><v>1</v></c></row>',
    "after a placed cell": MAIN % b'<row r="2"><c r="C2"><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>',
    "namespace prefix": PREFIXED % b'<x:row r="4"><x:c r="F4"><x:v>1</x:v></x:c></x:row>',
    "formatted only": MAIN % b'<row r="1"><c r="A1"><v>1</v></c></row><row r="90"><c r="Z90" s="0"/></row>',
    "formula without a value": MAIN % b'<row r="1"><c r="A1"><v>1</v></c></row><row r="90"><c r="Z90"><f>A1</f></c></row>',
    "inline text": MAIN % (b'<row r="1"><c r="A1"><v>1</v></c></row><row r="90"><c r="Z90" t="inlineStr"><is><t>x</t>'
                           b'</is></c></row>'),
    "an empty text value": MAIN % b'<row r="1"><c r="A1"><v>1</v></c></row><row r="90"><c r="Z90" t="str"><v></v></c></row>',
}


@pytest.mark.parametrize("xml", PLACEMENTS.values(), ids=PLACEMENTS.keys())
def test_reach_is_measured_as_python_calamine_places_cells(good, xml):
    rows = CalamineWorkbook.from_filelike(io.BytesIO(_rezipped(good, xml))).get_sheet_by_index(0) \
        .to_python(skip_empty_area=False)
    assert _value_reach(xml)[:2] == (len(rows), max(map(len, rows)))


@pytest.mark.parametrize("xml, cell", [
    (MAIN % b'<row r="1"><c r="Z1"><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>', "A1048576"),
    (PREFIXED % b'<x:row r="1"><x:c r="XFD1"><x:v>1</x:v></x:c></x:row><x:row r="400"><x:c r="A400"><x:v>1</x:v>'
     b'</x:c></x:row>', "XFD1"),
    (MAIN % (b'<row r="1"><c r="A1"><v>1</v></c></row><row r="9999">' + b'<c><v>1</v></c>' * 600 + b'</row>'), "WB9999"),
], ids=["a far row whose cell states no place", "namespaced cells", "cells counted on past column Z"])
def test_sheets_that_hide_how_far_they_reach_are_refused_too(tmp_path, good, xml, cell):
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(_rezipped(good, xml))
    done = xlmon("check", "--format", "json", str(path))
    assert done.returncode == 1, done.stderr
    [d] = json.loads(done.stdout)["files"][0]["diagnostics"]
    assert (d["code"], d["sheet"], d["cell"]) == ("F010", SHEET, cell)


def test_the_limit_the_message_states_is_the_one_applied():
    assert f"{MAX_SHEET_CELLS // 10_000} 万个单元格" in catalogue()["F010"].message


def test_desktop_excel_is_not_asked_for_a_used_range_beyond_the_limit():
    """Desktop Excel's used range grows with formatting too; handing 17 billion cells over COM would hang it
    (the read itself is only reachable with Excel on Windows, so the decision is tested here)."""
    from xlmon.adapters.xlwings_book import used_range_too_large

    assert used_range_too_large(SHEET, 40, 12) is None
    assert used_range_too_large(SHEET, MAX_SHEET_CELLS // 12, 12) is None
    message = used_range_too_large(SHEET, 1_048_576, 16_384)
    assert f"工作表“{SHEET}”" in message and "XFD1048576" in message and "1,048,576 行 × 16,384 列" in message


def test_a_far_reaching_sheet_that_is_not_xml_is_refused_in_words(tmp_path, good):
    """Measuring such a sheet parses it: where it breaks is said by line and column, not in the parser's English."""
    path = tmp_path / "broken.xlsx"
    unclosed = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></row>'
    path.write_bytes(_rezipped(good, MAIN % unclosed))
    d = read_workbook(path).refusal.diagnostic()
    assert d.code == "F004" and f"工作表“{SHEET}”不是有效的 XML（第 1 行第" in d.message and "列附近格式错误）" in d.message
    assert not any(word in d.message for word in ("mismatched", "line", "column"))


def test_an_uncommon_reason_a_server_cannot_start_is_said_in_chinese():
    import errno
    from types import SimpleNamespace

    from xlmon.cli import _bind_problem

    reason = _bind_problem(OSError(errno.EPERM, "Operation not permitted"), SimpleNamespace(host="0.0.0.0", port=80))
    assert reason == "没有权限"


@pytest.mark.parametrize("ref", ["H42949672950", "ABCD1", "AAAAAAA1"])
def test_a_cell_placed_where_no_sheet_has_one_is_damage_not_an_abort(tmp_path, good, ref):
    """Found by damaging files at random: python-calamine wraps H42949672950 round to row 4,294,967,285 and
    reserves 1.6 TB (abort); ABCD1 is column 19,010. No spreadsheet program writes such a place."""
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(_rezipped(good, MAIN % (b'<row r="1"><c r="A1"><v>1</v></c><c r="%s"><v>2</v></c></row>'
                                             % ref.encode())))
    done = xlmon("check", "--format", "json", str(path))
    assert done.returncode == 1, done.stderr[-500:]
    [d] = json.loads(done.stdout)["files"][0]["diagnostics"]
    assert d["code"] == "F004" and f"单元格的位置 {ref} 超出 Excel 工作表的范围" in d["message"]


def test_no_damaged_xlsx_brings_the_process_down(tmp_path, good):
    """Hundreds of workbooks whose sheet XML is damaged at random (fixed seed: places blown up, characters
    changed, runs cut out): each is read or refused, in one process that lives to the end. Without the
    check on places no sheet has, one of them aborts it."""
    import random
    import re

    rng = random.Random(20261204)
    original = zipfile.ZipFile(good)
    sheet = next(n for n in original.namelist() if n.startswith("xl/worksheets/"))
    xml = original.read(sheet)
    digits = [m.start(1) for m in re.finditer(rb' r="[A-Z]*(\d)', xml)]  # in cells' and rows' places
    folder = tmp_path / "damaged"
    folder.mkdir()
    for i in range(300):
        damaged = bytearray(xml)
        for _ in range(rng.randint(1, 5)):
            choice, at = rng.random(), rng.randrange(len(damaged))
            if choice < 0.4:
                at = rng.choice(digits)
                damaged[at:at + 1] = rng.choice([b"9999999", b"0", b"99999999999", b"4294967295", b"ZZZZ"])
            elif choice < 0.7:
                damaged[at] = rng.randrange(32, 127)
            else:
                del damaged[at:at + rng.randint(1, 40)]
        (folder / f"{i:03}.xlsx").write_bytes(_rezipped(good, bytes(damaged)))
    outcomes = read_in_one_process(folder, "*.xlsx")
    assert len(outcomes) == 300 and set(outcomes) <= {"read", "F004", "F010"} and "read" in outcomes


@pytest.mark.parametrize("part, xml, words", [
    ("xl/worksheets/sheet1.xml", MAIN % b'<row r="1"><c r="A1" t="s"><v>99</v></c></row>',
     "单元格引用的文字在共享字符串表中不存在"),
    ("xl/worksheets/sheet1.xml", MAIN % b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A1x"><v>1</v></c></row>',
     "单元格的位置格式错误"),
    ("xl/worksheets/sheet1.xml", MAIN % b'<row r="1"><c r="A1"><v>1</v><c r="B1"></row>', "单元格的内容结构不完整"),
    ("xl/styles.xml", b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts',
     "无法按任何一种工作簿格式读取，文件中有部件已损坏"),
    ("xl/worksheets/sheet1.xml", MAIN % b'<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="A2"><v>2</c></row>',
     "某个部件不是有效的 XML"),
])
def test_a_workbook_the_reader_cannot_read_is_said_in_chinese_first(tmp_path, good, part, xml, words):
    out = io.BytesIO()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, xml if item.filename == part else zin.read(item.filename))
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(out.getvalue())
    message = read_workbook(path).refusal.diagnostic().message
    assert message.startswith(f"文件已损坏，无法读取：{words}（读取程序的说明：") and "Error" in message
