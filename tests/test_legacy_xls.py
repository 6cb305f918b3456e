"""A unit's form saved as a legacy .xls (Excel 97-2003) is read like its .xlsx: checked with the same findings,
consolidated into the same totals. Files are saved as .xls by LibreOffice, a real spreadsheet program.
Hostile or damaged ones are refused by name before python-calamine, which would otherwise abort the whole
process for some of them, sees them; those run in a child process so that such an abort fails the test
instead of ending it."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import olefile
import pytest
from openpyxl import load_workbook

from conftest import libreoffice_convert, read_in_one_process
from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import set_cells, write_grid
from xlmon.adapters.files import read_workbook
from xlmon.adapters.safety import MAX_SHEET_CELLS
from xlmon.check import check_file
from xlmon.demo import generate

SHEET = "表1"
ERRORS = {"I8": "#REF!", "J10": "#VALUE!", "K7": "#REF!", "E18": "#N/A"}


@pytest.fixture(scope="module")
def saved(tmp_path_factory, soffice) -> dict[str, Path]:
    """The demo department and some made-up forms, each saved by LibreOffice both as .xlsx and as .xls (so the
    two hold the same cached values), in folders `xlsx` and `xls`."""
    root = tmp_path_factory.mktemp("legacy")
    sources = generate(root / "demo")
    made = root / "made"
    made.mkdir()
    broken = set_cells(write_grid(made / "公式出错.xlsx", project_grid(funding=SAMPLE_FUNDING,
                                                                      indicators=SAMPLE_INDICATORS), SHEET),
                       SHEET, ERRORS, "e")
    hidden = write_grid(made / "隐藏.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), SHEET)
    wb = load_workbook(hidden)
    wb.copy_worksheet(wb[SHEET]).title = "上月"
    wb["上月"].sheet_state = "hidden"
    wb.save(hidden)
    edge = root / "edge"
    edge.mkdir()
    for name, ref in (("恰好上限", "CV50000"), ("超出上限", "CW50000"), ("远处", "IV65536")):
        wb = load_workbook(sources[0])
        wb.worksheets[1][ref] = " "  # 100 × 50,000 = MAX_SHEET_CELLS; one column more is beyond
        wb.save(edge / f"{name}.xlsx")
    inputs = [*sources, broken, hidden]
    xls = libreoffice_convert(soffice, inputs, root / "xls", "xls:MS Excel 97")
    xlsx = libreoffice_convert(soffice, inputs, root / "xlsx", "xlsx:Calc MS Excel 2007 XML")
    libreoffice_convert(soffice, sorted(edge.glob("*.xlsx")), root / "edge_xls", "xls:MS Excel 97")
    assert len(xls) == len(xlsx) == len(inputs)
    return {"xls": root / "xls", "xlsx": root / "xlsx", "edge": root / "edge_xls", "root": root}


def findings(path: Path) -> list[tuple]:
    return [(d.code, d.severity, d.sheet, d.cell, d.message) for d in check_file(path).diagnostics]


def test_every_form_saved_as_xls_is_checked_as_its_xlsx(saved):
    pairs = [(x, saved["xls"] / f"{x.stem}.xls") for x in sorted(saved["xlsx"].glob("*.xlsx"))]
    assert len(pairs) >= 10
    for xlsx, xls in pairs:
        expected = findings(xlsx)
        assert expected and findings(xls) == expected, xls.name
        assert check_file(xls).forms and len(check_file(xls).forms) == len(check_file(xlsx).forms)


def test_formula_errors_in_an_xls_are_read_as_excel_shows_them(saved):
    xls = saved["xls"] / "公式出错.xls"
    grid = read_workbook(xls).sheets[SHEET]
    from xlmon.grid import parse_address
    assert {ref: grid[parse_address(ref)[0]][parse_address(ref)[1]] for ref in ERRORS} == ERRORS
    cells = {d.cell: d.code for d in check_file(xls).diagnostics}
    assert cells["I8"] == "N004" and cells["J10"] == "C004" and cells["K7"] == "C002" and cells["E18"] == "N005"


def test_a_hidden_sheet_in_an_xls_is_named_and_the_visible_copy_counts(saved):
    result = check_file(saved["xls"] / "隐藏.xls")
    assert [(d.code, d.sheet) for d in result.diagnostics if d.code == "S002"] == [("S002", "上月")]


def _consolidate(folder: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "xlmon", "consolidate", str(folder), "-o", str(out),
                           "--format", "json"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_department_of_xls_files_consolidates_to_the_same_summary(saved, tmp_path):
    from_xlsx = _consolidate(saved["xlsx"], tmp_path / "a.xlsx")
    from_xls = _consolidate(saved["xls"], tmp_path / "b.xlsx")
    assert from_xls["totals"] == from_xlsx["totals"] and from_xls["grades"] == from_xlsx["grades"]
    assert from_xls["projects"] == from_xlsx["projects"] > 20
    def status(summary):
        return sorted((Path(f["path"]).stem, f["status"], f["reason"]) for f in summary["files"])
    assert status(from_xls) == status(from_xlsx) and sum(f["status"] == "included" for f in from_xls["files"]) >= 12
    listed = load_workbook(tmp_path / "b.xlsx", read_only=True)["文件清单"]
    assert sum(str(row[0]).endswith(".xls") for row in listed.iter_rows(values_only=True) if row[0]) == len(
        from_xls["files"])


def test_an_xls_says_when_it_was_saved_as_its_xlsx_does(saved):
    """Of two copies of a project the one saved later counts, by the time the workbook records: an .xls records it
    in its SummaryInformation, where LibreOffice put the same time as in the .xlsx saved beside it."""
    for xls in sorted(saved["xls"].glob("*.xls")):
        when = read_workbook(xls).saved
        assert when is not None and when == read_workbook(saved["xlsx"] / f"{xls.stem}.xlsx").saved, xls.name


def test_a_folder_mixing_xls_and_xlsx_units_takes_both(saved, tmp_path):
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    names = sorted(p.stem for p in saved["xlsx"].glob("*.xlsx"))
    for i, stem in enumerate(names):
        source = saved["xls"] / f"{stem}.xls" if i % 2 else saved["xlsx"] / f"{stem}.xlsx"
        shutil.copy(source, mixed)
    assert _consolidate(mixed, tmp_path / "m.xlsx")["totals"] == _consolidate(saved["xlsx"], tmp_path / "a.xlsx")["totals"]


def xlmon_check(path: Path) -> dict:
    """`xlmon check --format json` of one file in a child process: an abort there fails here."""
    done = subprocess.run([sys.executable, "-m", "xlmon", "check", "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    [file] = json.loads(done.stdout)["files"]
    return file


def test_the_cell_limit_is_the_one_for_xlsx(saved):
    assert MAX_SHEET_CELLS == 100 * 50_000
    within = read_workbook(saved["edge"] / "恰好上限.xls")
    assert not within.refusal and max(len(g) * len(g[0]) for g in within.sheets.values()) == MAX_SHEET_CELLS
    for name, cell in (("超出上限", "CW50000"), ("远处", "IV65536")):
        file = xlmon_check(saved["edge"] / f"{name}.xls")
        [d] = file["diagnostics"]
        assert (d["code"], d["cell"]) == ("F010", cell) and d["sheet"] and "删除该单元格的内容" in d["message"], name


def records(stream: bytes, start: int = 0):
    at = start
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        yield at, kind, length
        at += 4 + length


def patched(source: Path, target: Path, change) -> Path:
    """A copy of an .xls whose Workbook stream `change` rewrote in place (same length, as a tampered file)."""
    shutil.copy(source, target)
    with olefile.OleFileIO(str(target), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        change(stream)
        ole.write_stream("Workbook", bytes(stream))
    return target


def _first(stream, kind, after: int = 0) -> int:
    return next(at for at, k, _ in records(bytes(stream)) if k == kind and at >= after)


def _sheet_start(stream) -> int:
    return struct.unpack_from("<I", stream, _first(stream, 0x0085) + 4)[0]


def _far_column(stream):
    """A value's column set to 65535 (beyond any real sheet): python-calamine would reserve 4 billion cells."""
    at = _first(stream, 0x00FD, _sheet_start(stream))
    struct.pack_into("<HH", stream, at + 4, 65535, 65535)


def _huge_dimensions(stream):
    at = _first(stream, 0x0200, _sheet_start(stream))
    struct.pack_into("<II", stream, at + 4, 0, 0x7FFFFFFF)


def _whole_sheet_dimensions(stream):
    """The range Excel declares when a unit formatted cells down to IV65536: no value there, nothing refused."""
    at = _first(stream, 0x0200, _sheet_start(stream))
    struct.pack_into("<IIHH", stream, at + 4, 0, 65_536, 0, 256)


def test_a_sheet_declaring_the_whole_grid_is_read(saved, tmp_path):
    source = saved["xls"] / "隐藏.xls"
    book = read_workbook(patched(source, tmp_path / "满表.xls", _whole_sheet_dimensions))
    assert not book.refusal and book.sheets == read_workbook(source).sheets


def _huge_sst(stream):
    struct.pack_into("<i", stream, _first(stream, 0x00FC) + 8, 0x7FFFFFFF)


def _sheet_beyond_stream(stream):
    struct.pack_into("<I", stream, _first(stream, 0x0085) + 4, len(stream) + 1000)


def _encrypted(stream):
    struct.pack_into("<H", stream, _first(stream, 0x005C), 0x002F)  # WRITEACCESS turned into FILEPASS


def _excel_95(stream):
    struct.pack_into("<H", stream, 4, 0x0500)


@pytest.mark.parametrize("change, code, words", [
    (_far_column, "F004", "位置超出 Excel 97-2003 工作表的大小"),
    (_huge_dimensions, "F004", "声明的范围超出 Excel 97-2003 工作表的大小"),
    (_huge_sst, "F004", "共享字符串表"),
    (_sheet_beyond_stream, "F004", "超出数据流末尾"),
    (_encrypted, "F003", "密码"),
    (_excel_95, "F002", "Excel 5.0/95"),
])
def test_tampered_xls_is_refused_by_name_and_nothing_aborts(saved, tmp_path, change, code, words):
    source = saved["xls"] / "隐藏.xls"
    file = xlmon_check(patched(source, tmp_path / "改过.xls", change))
    assert file["status"] == "unreadable"
    [d] = file["diagnostics"]
    assert d["code"] == code and words in d["message"] and file["path"] == str(tmp_path / "改过.xls")


def test_what_only_looks_like_an_xls_is_named_for_what_it_is(tmp_path, soffice):
    page = tmp_path / "导出.xls"
    page.write_text("<html><head><meta charset='utf-8'></head><body><table><tr><td>单位</td></tr></table></body></html>",
                    encoding="utf-8")
    text = tmp_path / "说明.txt"
    text.write_text("不是表格", encoding="utf-8")
    [document] = libreoffice_convert(soffice, [text], tmp_path / "doc", "doc:MS Word 97")
    shutil.copy(document, tmp_path / "说明.xls")
    (tmp_path / "坏的.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    expected = {"导出.xls": ("F002", "网页（HTML）"), "说明.xls": ("F002", "不是 Excel 工作簿"),
                "坏的.xls": ("F004", "复合文档结构已损坏")}
    for name, (code, words) in expected.items():
        [d] = check_file(tmp_path / name).diagnostics
        assert d.code == code and words in d.message, (name, d.message)


def test_a_record_python_calamine_cannot_parse_is_refused_not_raised(saved, tmp_path):
    """A MERGEDCELLS record counting more ranges than it holds makes python-calamine panic (pyo3's
    PanicException, which `except Exception` does not catch): F004, and the other files go on."""
    def too_many_merges(stream):
        struct.pack_into("<H", stream, _first(stream, 0x00E5, _sheet_start(stream)) + 4, 5000)

    source = next(saved["xls"].glob("某市第一中学.xls"))
    broken = patched(source, tmp_path / "合并.xls", too_many_merges)
    book = read_workbook(broken)
    assert book.refusal and book.refusal.code == "F004" and "读取程序无法解析" in book.refusal.diagnostic().message
    assert not book.sheets
    assert read_workbook(source).sheets


def test_a_marked_copy_of_an_xls_is_refused_with_what_to_do(saved, tmp_path, capsys):
    from xlmon.cli import main

    xls = saved["xls"] / "某市第一中学.xls"
    before = xls.read_bytes()
    out = tmp_path / "标注.xlsx"
    assert main(["check", str(xls), "--annotate", str(out)]) == 2
    captured = capsys.readouterr()
    assert "G102" in captured.out  # the findings are still shown
    assert "“某市第一中学.xls”是 Excel 97-2003 格式" in captured.err and "另存为” .xlsx" in captured.err
    assert not out.exists() and xls.read_bytes() == before


def test_the_web_api_checks_and_consolidates_xls_uploads(saved, tmp_path):
    from fastapi.testclient import TestClient

    from xlmon.server.app import Settings, create_app

    client = TestClient(create_app(Settings(token=None)), base_url="https://testserver")
    paths = sorted(saved["xls"].glob("某市*.xls"))
    checked = client.post("/api/check", files=[("files", (paths[0].name, paths[0].read_bytes()))])
    assert checked.status_code == 200
    body = checked.json()
    assert body["files"][0]["path"] == paths[0].name and body["files"][0]["status"] != "unreadable"
    assert not body["annotated"] and "Excel 97-2003" in body["unmarked"][0] and str(saved["root"]) not in body["unmarked"][0]
    summary = client.post("/api/consolidate", files=[("files", (p.name, p.read_bytes())) for p in paths])
    assert summary.status_code == 200, summary.text
    units = tmp_path / "units"
    units.mkdir()
    for path in paths:
        shutil.copy(saved["xlsx"] / f"{path.stem}.xlsx", units)
    from_xlsx = _consolidate(units, tmp_path / "s.xlsx")
    assert summary.json()["totals"] == from_xlsx["totals"] and summary.json()["projects"] == from_xlsx["projects"] > 20


def test_no_damaged_xls_brings_the_process_down(saved, tmp_path):
    """Hundreds of .xls files damaged at random, as a transfer or a disk can damage them (fixed seed): each is
    read or refused, and the one process reading them all lives to the end."""
    import random

    rng = random.Random(20261204)
    data = (saved["xls"] / "某市第一中学.xls").read_bytes()
    for i in range(300):
        damaged = bytearray(data)
        in_header = rng.random() < 0.4
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(512) if in_header else rng.randrange(len(damaged) - 4)
            if rng.random() < 0.5:
                damaged[at] = rng.randrange(256)
            else:
                struct.pack_into("<I", damaged, at, rng.choice([0xFFFFFFFF, 0xFFFFFFFE, 0x7FFFFFFF, 0x10000, 0, 1]))
        (tmp_path / f"{i:03}.xls").write_bytes(damaged)
    outcomes = read_in_one_process(tmp_path, "*.xls")
    assert len(outcomes) == 300 and set(outcomes) <= {"read", "F002", "F003", "F004", "F010"}
    assert outcomes.count("read") and outcomes.count("F004")


def test_a_wps_et_holding_the_data_of_an_xls_is_read_as_one(saved, tmp_path):
    """WPS writes its .et as the BIFF8 of an .xls in a compound file (WPS itself is not on this machine: an .xls
    saved by LibreOffice stands in for one). One holding anything else is refused, naming the format."""
    source = saved["xls"] / "某市第一中学.xls"
    et = tmp_path / "某市第一中学.et"
    shutil.copy(source, et)
    assert findings(et) == findings(source) and len(check_file(et).forms) == 4
    (tmp_path / "空.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    [d] = check_file(tmp_path / "空.et").diagnostics
    assert d.code == "F002" and "WPS 表格的 .et 文件，其中的数据不是 xlmon 能读取的格式" in d.message


def test_rows_hidden_in_an_xls_are_read_as_in_its_xlsx(tmp_path, soffice):
    """A unit kept last version's 市级财政资金 line in its .xls and hid it, typing the new one below: the .xlsx left it
    out and said so (S133), the .xls counted both lines (C002 asking for a 资金总额 of both, a summary 400 of 300
    本年预算). Rows hidden as a collapsed group's detail or by a filter set on the sheet are read in both."""
    from openpyxl.worksheet.filters import FilterColumn, Filters

    from xlmon import layout as L

    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "市级财政资金")
    total = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == L.TOTAL_ROW + "：") + 1
    old = [*grid[:at], [None, "市级财政资金", None, 5, 100, 105, 50, None, 20, None, 100], *grid[at:]]
    hidden, grouped, filtered = (write_grid(tmp_path / f"{name}.xlsx", rows) for name, rows in (
        ("隐藏行", old), ("分组", grid), ("筛选", grid)))
    book = load_workbook(hidden)
    book[SHEET].row_dimensions[at + 1].hidden = True
    book.save(hidden)
    book = load_workbook(grouped)
    book[SHEET].row_dimensions.group(total + 1, total + 6, outline_level=1, hidden=True)
    book.save(grouped)
    book = load_workbook(filtered)
    sheet = book[SHEET]
    sheet.auto_filter.ref = f"A{total - 1}:K{total + 6}"
    sheet.auto_filter.filterColumn.append(FilterColumn(colId=3, filters=Filters(filter=["100"])))
    for r in range(total, total + 7):
        sheet.row_dimensions[r].hidden = sheet.cell(r, 4).value != 100
    book.save(filtered)
    made = [hidden, grouped, filtered]
    xls = libreoffice_convert(soffice, made, tmp_path / "xls", "xls:MS Excel 97")
    xlsx = libreoffice_convert(soffice, made, tmp_path / "xlsx", "xlsx:Calc MS Excel 2007 XML")
    shown = [(r.row, r.current) for r in check_file(write_grid(tmp_path / "shown.xlsx", grid)).forms[0].funding]
    for legacy, modern in zip(xls, xlsx):
        assert read_workbook(legacy).hidden_rows == read_workbook(modern).hidden_rows, legacy.name
        assert findings(legacy) == findings(modern), legacy.name
        assert [(r.row, r.current) for r in check_file(legacy).forms[0].funding] == shown, legacy.name
    assert read_workbook(xls[0]).hidden_rows == {SHEET: frozenset({at})}
    assert [(d[0], d[3]) for d in findings(xls[0]) if d[0][0] in "SC"] == [("S133", f"B{at + 1}")]
    assert read_workbook(xls[1]).hidden_rows == read_workbook(xls[2]).hidden_rows == {}


def test_a_damaged_property_set_costs_no_time_and_the_saved_time_stands(saved, tmp_path):
    """A SummaryInformation property whose type a damaged byte made a vector counting two billion values held olefile's
    get_metadata (which parses every property) for minutes while it grew past gigabytes, and `xlmon check` with it:
    only the time last saved is read now, and read still."""
    source = saved["xls"] / "某市第一中学.xls"
    target = tmp_path / "属性.xls"
    shutil.copy(source, target)
    with olefile.OleFileIO(str(target), write_mode=True) as ole:
        info = bytearray(ole.openstream("\x05SummaryInformation").read())
        section = struct.unpack_from("<I", info, 44)[0]
        pid, offset = next(struct.unpack_from("<II", info, section + 8 + 8 * i) for i in range(
            struct.unpack_from("<I", info, section + 4)[0]) if struct.unpack_from("<I", info, section + 8 + 8 * i)[0] != 13)
        struct.pack_into("<II", info, section + offset, 0x1000, 0x7FFFFFFF)  # VT_VECTOR | VT_EMPTY
        ole.write_stream("\x05SummaryInformation", bytes(info))
    code = ("import sys, time; from xlmon.adapters.files import read_workbook; t = time.perf_counter(); "
            "b = read_workbook(sys.argv[1]); print(b.refusal, b.saved, time.perf_counter() - t)")
    done = subprocess.run(["prlimit", "--as=2000000000", sys.executable, "-c", code, str(target)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-1000:]
    refusal, when, seconds = done.stdout.split()
    assert refusal == "None" and float(when) == read_workbook(source).saved and float(seconds) < 2
