"""The quick paths of consolidation write and read exactly what the plain ones do.

quick_xlsx.QuickCells writes a summary's cells without xlsxwriter's per-cell machinery,
safety._inflate_head reads part prologs without zipfile, run._resolve resolves each folder
once, the reader tests whole rows of label keys at a time and text caches what it parses from
texts. Each is compared here with the way it replaces.
"""

from __future__ import annotations

import gc
import io
import math
import re
import shutil
import zipfile
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given
from python_calamine import CalamineWorkbook
from hypothesis import strategies as st
from xlsxwriter.worksheet import Worksheet

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import write_grid
from xlmon import reader, text
from xlmon.adapters import safety
from xlmon.consolidate import quick_xlsx, run, workbook
from xlmon.consolidate.run import consolidate
from xlmon.demo import generate


def parts(path: Path) -> dict[str, bytes]:
    """Every part of a workbook but its creation time."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def plain_xlsxwriter(monkeypatch) -> None:
    """Make QuickCells behave as xlsxwriter's own Worksheet (one write_* call and _write_cell a cell), and
    QuickWorkbook package with xlsxwriter's own Packager and SharedStrings."""
    monkeypatch.setattr(quick_xlsx.QuickCells, "write_run", quick_xlsx.write_cells)
    monkeypatch.setattr(quick_xlsx.QuickCells, "_write_cell", Worksheet._write_cell)
    monkeypatch.setattr(quick_xlsx.QuickWorkbook, "_get_packager", xlsxwriter.Workbook._get_packager)


def every_kind_of_cell(path: Path) -> None:
    wb = quick_xlsx.QuickWorkbook(str(path), {"strings_to_formulas": False})
    fmt, other = wb.add_format({"border": 1, "num_format": "0.00"}), wb.add_format({"bold": True})
    ws = wb.add_worksheet("数据")
    rows = [
        [("n", 1, fmt), ("n", -0.0, fmt), ("n", 1e300, other), ("n", 2 / 3, fmt), ("n", -12345678901234567, fmt)],
        [("s", "text", fmt), ("s", 'a&b<c>"d\'', other), ("s", " 前后空格 ", fmt), ("s", "控制\x01字符\n换行", fmt),
         ("b", None, fmt)],
        [("b", None, fmt), ("s", "=SUM(A1:A2)", fmt), ("s", "_x0041_", fmt), ("s", "text", other)],
        [("s", "长" * 20000, fmt), ("n", 1, fmt)],  # near Excel's limit: left to write_string
        [("n", Fraction(1, 3), fmt), ("s", "x", fmt)],  # not an int or float: left to write_number
        [("n", True, fmt), ("b", None, other)],
        [("n", 7, fmt)],
        [("s", "<r>半个", fmt), ("s", "\u3000全角空格开头", fmt), ("s", "尾\t", fmt),
         ("s", "中\t间\n换行", fmt), ("s", "_x00", fmt), ("s", "_X0041_", fmt), ("s", "x&amp;y", fmt), ("s", "", fmt)],
    ]
    for r, cells in enumerate(rows):
        ws.write_run(r, 1, cells)
    ws.write_url(0, 6, "external:../单位/甲.xlsx", other, string="甲.xlsx", tip="打开 甲.xlsx")
    ws.write_string(10, 0, "no format")
    ws.write_number(10, 1, 3.5)
    ws.write_formula(10, 2, "=B11*2", fmt, 7)
    with pytest.raises(TypeError):  # a summary's shared strings are all texts, escaped as such
        ws.write_rich_string(10, 3, "rich ", other, "text", fmt)
    ws.merge_range(11, 0, 12, 2, "merged", fmt)
    ws.set_row(13, None, other)
    ws.write_number(13, 0, 1)
    ws.set_column(5, 5, 12, fmt)
    ws.write_number(14, 5, 2)
    ws.write_boolean(15, 0, False, fmt)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 1, 6, 5)
    chart_sheet = wb.add_worksheet("图表数据")
    for r in range(3):
        quick_xlsx.write_cells(chart_sheet, r, 0, [("s", f"单位{r}", fmt), ("n", r / 3, fmt)])
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"categories": ["图表数据", 0, 0, 2, 0], "values": ["图表数据", 0, 1, 2, 1]})
    chart_sheet.insert_chart(0, 3, chart)
    wb.add_worksheet("空").write_run(0, 0, [])
    wb.close()


def test_quick_cells_write_the_bytes_xlsxwriter_writes(tmp_path, monkeypatch):
    every_kind_of_cell(tmp_path / "quick.xlsx")
    with monkeypatch.context() as m:
        plain_xlsxwriter(m)
        every_kind_of_cell(tmp_path / "plain.xlsx")
    quick, plain = parts(tmp_path / "quick.xlsx"), parts(tmp_path / "plain.xlsx")
    assert quick.keys() == plain.keys()
    assert [n for n in quick if quick[n] != plain[n]] == []


def test_quick_cells_refuse_what_xlsxwriter_refuses(tmp_path):
    wb = quick_xlsx.QuickWorkbook(str(tmp_path / "nan.xlsx"))
    ws, fmt = wb.add_worksheet(), wb.add_format()
    for bad in (math.nan, math.inf):
        with pytest.raises(TypeError, match="NAN/INF"):
            ws.write_run(0, 0, [("n", 1, fmt), ("n", bad, fmt)])
    ws.write_run(1_048_576, 0, [("n", 1, fmt)])  # beyond the last row: ignored, as write_number does
    assert 1_048_576 not in ws.table
    wb.close()


@pytest.fixture(scope="module")
def department(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dept")
    generate(folder)
    write_grid(folder / "怪名.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS,
                                                project='<r>注入</r> & "引号"', unit=" 前后空格单位 "))
    return folder


def test_summary_is_what_plain_xlsxwriter_writes(department, tmp_path, monkeypatch):
    """Byte for byte, but for the records sheet, whose texts plain xlsxwriter puts in the shared strings:
    there every cell reads back the same."""
    quick_path, plain_path = tmp_path / "汇总（快）.xlsx", tmp_path / "汇总（原）.xlsx"  # one folder: the records say it
    consolidate([department], quick_path, workers=1)
    with monkeypatch.context() as m:
        plain_xlsxwriter(m)
        consolidate([department], plain_path, workers=1)
    quick, plain = parts(quick_path), parts(plain_path)
    records_part = f"xl/worksheets/sheet{len(workbook.SHEETS) + 1}.xml"
    assert b't="inlineStr"' in quick[records_part] and b't="inlineStr"' not in plain[records_part]
    assert quick.keys() == plain.keys()
    assert [n for n in quick if quick[n] != plain[n]] == [records_part, "xl/sharedStrings.xml"]
    assert values(quick_path) == values(plain_path)


def test_a_unit_text_that_looks_like_rich_text_stays_text(tmp_path):
    """xlsxwriter writes a shared string "<r>…</r>" into the part as XML; typed by a unit, it is text."""
    names = {"甲.xlsx": "<r><t>注入</t></r>", "乙.xlsx": "<r></t></r>"}
    (tmp_path / "in").mkdir()
    for file, project in names.items():
        write_grid(tmp_path / "in" / file, project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS,
                                                        project=project, unit=file[0] + "单位"))
    out = tmp_path / "汇总.xlsx"
    summary = consolidate([tmp_path / "in"], out, workers=1)
    assert sorted(r.project for r in summary.projects) == sorted(names.values())
    shown = values(out)["项目明细"]
    assert sorted(row[2] for row in shown[1:]) == sorted(names.values())
    openpyxl_book = openpyxl.load_workbook(out, read_only=True)  # the XML parses: Excel opens it
    assert {row[2] for row in openpyxl_book["项目明细"].iter_rows(min_row=2, values_only=True)} == set(names.values())
    again = consolidate([out], tmp_path / "局汇总.xlsx", workers=1)  # and the records read back one level up
    assert sorted(r.project for r in again.projects) == sorted(names.values())


def values(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


INLINE_TEXTS = ['{"type":"record","data":{"project":"=HYPERLINK(\\"x\\")","a&b":"<r>"}}', "普通文字",
                "<r>像富文本</r>", " 前导空格", "控制\x01字符", "_x0041_", "尾\t", "长" * 20000]


def inline_texts(path: Path, constant_memory: bool) -> None:
    wb = quick_xlsx.QuickWorkbook(str(path), {"constant_memory": constant_memory, "strings_to_formulas": False})
    ws = wb.add_worksheet("记录")
    for r, typed in enumerate(INLINE_TEXTS):
        if constant_memory:
            ws.write_string(r, 0, typed)
        else:
            ws.write_run(r, 0, [("i", typed, None)])
    wb.close()


def test_inline_texts_are_written_as_constant_memory_writes_them(tmp_path):
    """An "i" cell is xlsxwriter's own inline string whatever its text (control characters, _xHHHH_, edge
    whitespace escaped or kept as it does), but a rich-looking text, written as text; one past the limit goes to
    the shared strings, as write_string takes it. All read back as typed."""
    inline_texts(tmp_path / "quick.xlsx", False)
    inline_texts(tmp_path / "cm.xlsx", True)
    cells = {name: re.findall(r"<c .*?</c>", parts(tmp_path / name)["xl/worksheets/sheet1.xml"].decode())
             for name in ("quick.xlsx", "cm.xlsx")}
    rich, long = INLINE_TEXTS.index("<r>像富文本</r>"), INLINE_TEXTS.index("长" * 20000)
    same = [i for i in range(len(INLINE_TEXTS)) if i not in (rich, long)]
    assert [cells["quick.xlsx"][i] for i in same] == [cells["cm.xlsx"][i] for i in same]
    assert "&lt;r&gt;像富文本&lt;/r&gt;" in cells["quick.xlsx"][rich] and 't="inlineStr"' in cells["quick.xlsx"][rich]
    assert 't="s"' in cells["quick.xlsx"][long]
    assert [row[0] for row in values(tmp_path / "quick.xlsx")["记录"]] == INLINE_TEXTS


def test_a_summary_is_stored_alike_whatever_its_folder_is_called(department, tmp_path):
    """The records name each unit's file by its path, and xlmon serve's uploads lie in a folder of a random
    name: one with _x in it (xlmon-upload-k_x3a9f1) made the records shared strings where another's were
    inline, and the server's summaries of the same files differed from request to request."""
    made = {}
    for name in ("xlmon-upload-k_x3a9f1", "xlmon-upload-kzx3a9f1"):
        folder = tmp_path / name / "上传的文件"
        folder.mkdir(parents=True)
        shutil.copytree(department, folder, dirs_exist_ok=True)
        consolidate([folder], tmp_path / name / "汇总.xlsx", workers=1)
        made[name] = {n: b.replace(name.encode(), b"<upload>") for n, b in parts(tmp_path / name / "汇总.xlsx").items()}
    [a, b] = made.values()
    assert a.keys() == b.keys()
    assert [n for n in a if a[n] != b[n]] == []


def test_collector_is_paused_while_writing_and_restored(department, tmp_path, monkeypatch):
    seen = []
    write = workbook.write_summary
    monkeypatch.setattr(workbook, "write_summary", lambda *a: seen.append(gc.isenabled()) or write(*a))
    consolidate([department], tmp_path / "a.xlsx", workers=1)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        consolidate([department], tmp_path / "b.xlsx", workers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def archives() -> dict[str, bytes]:
    """One workbook's parts zipped the ways writers do: deflated, stored, streamed, zip64."""
    rows = [[f"单元格{r}-{c}" if (r + c) % 3 else r * c for c in range(12)] for r in range(300)]
    sheet = ('<?xml version="1.0"?><worksheet><sheetData>' + "".join(
        f'<row r="{r}">' + "".join(f"<c><v>{v}</v></c>" for v in row) + "</row>" for r, row in enumerate(rows))
        + "</sheetData></worksheet>").encode()
    members = {"[Content_Types].xml": b'<?xml version="1.0"?><Types/>', "xl/workbook.xml": b"<workbook/>",
               "xl/worksheets/sheet1.xml": sheet, "xl/empty.xml": b"", "xl/media/image1.png": bytes(range(256)) * 40}
    out = {}
    for name, kind, stream, zip64 in (("deflated", zipfile.ZIP_DEFLATED, False, False),
                                      ("stored", zipfile.ZIP_STORED, False, False),
                                      ("streamed", zipfile.ZIP_DEFLATED, True, False),
                                      ("zip64", zipfile.ZIP_DEFLATED, False, True)):
        buffer = io.BytesIO()
        target = _Unseekable(buffer) if stream else buffer
        with zipfile.ZipFile(target, "w", kind) as z:
            for member, data in members.items():
                with z.open(member, "w", force_zip64=zip64) as f:
                    f.write(data)
        out[name] = buffer.getvalue()
    return out


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in, so it writes data descriptors after each member."""

    def __init__(self, target: io.BytesIO):
        self.target = target

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self.target.write(data)


@pytest.mark.parametrize("kind", ["deflated", "stored", "streamed", "zip64"])
def test_prologs_are_read_as_zipfile_reads_them(kind):
    data = archives()[kind]
    archive, view = zipfile.ZipFile(io.BytesIO(data)), memoryview(data)
    for info in archive.infolist():
        for size in (None, safety.PROLOG_BYTES, 100, 1):
            with archive.open(info) as stream:
                expected = stream.read() if size is None else stream.read(size)
            assert safety._inflate_head(view, info, size) == expected, (kind, info.filename, size)
    assert safety.inspect_archive(data, "x.xlsx") == safety.Inspection()


def test_a_part_that_does_not_check_out_is_damaged_in_words():
    data = archives()["deflated"]
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/workbook.xml")
    info.CRC ^= 1
    with pytest.raises(safety.Damaged, match="xl/workbook.xml 的校验值"):
        safety._inflate_head(memoryview(data), info, None)
    assert safety._inflate_head(memoryview(data), info, 5) == b"<work"  # a head is not checked: it is not all
    corrupt = bytearray(data)
    corrupt[corrupt.index(b"PK\x01\x02") + 16] ^= 1  # [Content_Types].xml's CRC in the central directory
    refusal = safety.inspect_archive(bytes(corrupt), "x.xlsx").refusal
    assert refusal == safety.Refusal("F004", "部件 [Content_Types].xml 的校验值（CRC-32）不符，数据已损坏")


def test_resolve_is_path_resolve(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.xlsx").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "l.xlsx").symlink_to(tmp_path / "real" / "a.xlsx")
    monkeypatch.chdir(tmp_path)
    folders: dict[Path, Path] = {}
    for name in ("real/a.xlsx", "link/a.xlsx", "real/l.xlsx", "link/l.xlsx", "real/../real/a.xlsx",
                 "missing/../real/a.xlsx", "missing/x.xlsx", "a.xlsx", "./real/./a.xlsx", "missing/..", ".",
                 str(tmp_path / "link" / "a.xlsx")):
        assert run._resolve(Path(name), folders) == Path(name).resolve(), name


labels = st.lists(st.sampled_from(["", "1偏差原因分析", "项目年度绩效目标：", "年度总体目标", "绩效目标x", "x绩效目标",
                                   "级指标", "一级指标", "上年结转", "上年", "结转", "目标"]), max_size=8)


@given(labels)
def test_joined_keys_answer_as_the_keys_do(keys):
    s = reader._Sheet("表", [keys], [keys], [reader._SEP.join(keys)])
    assert s.has_key(0, reader._GOAL_KEY) == any(k.startswith(reader._GOAL_KEYS) for k in keys if k)
    assert s.has_key(0, reader._REASON_NOTE_KEY) == any(k.startswith("1偏差原因分析") for k in keys)
    assert s.rows_with("上年结转") == ([0] if any("上年结转" in k for k in keys) else [])


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12),
                 st.sampled_from(["≥95%", "＝100%", "≤30天", "有效杜绝", " 1,200 平方米", "-0", "0.0"])),
       st.sampled_from([None, "≥", "定性", "", 1]), st.sampled_from([None, "人", "", 2.0]))
def test_parsing_texts_is_cached_without_mixing_values_up(value, operator, unit):
    assert text.parse_target(value, operator, unit) == text._parse_target(value, operator, unit)
    if isinstance(value, str):
        assert text.parse_measure(value) == text._parse_measure(value)
    assert text.parse_target(True) != text.parse_target(1)
    assert text.parse_measure(-0.0) == (-0.0, None) and math.copysign(1, text.parse_measure(-0.0)[0]) == -1


def test_forms_do_not_share_the_cached_address_maps():
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    first, _ = reader.read_form(grid, "表1")
    second, _ = reader.read_form(grid, "表2")
    first.indicators[0].cells["level3"] = "Z99"
    assert second.indicators[0].cells["level3"] != "Z99"
