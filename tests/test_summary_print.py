"""The summary on paper: what each sheet's cells show fits their columns, whatever the names and texts."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_consolidate import run, write_units
from xlmon.consolidate.workbook import SHEETS


def shown(value, number_format: str) -> str:
    """A number as its cell's format shows it."""
    if number_format.endswith("%"):
        return f"{value:.2%}"
    if number_format == "#,##0.00":
        return f"{value:,.2f}"
    return f"{value:g}"


def column_widths(ws) -> dict[int, float]:
    return {c: d.width for d in ws.column_dimensions.values() if d.width for c in range(d.min, d.max + 1)}


@pytest.fixture(scope="module")
def units_summary(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("units")
    write_units(folder, 12)
    out = folder / "out" / "汇总.xlsx"
    from xlmon.cli import main

    assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    return out


def test_every_number_fits_its_column(units_summary):
    """A number too wide for its column prints as ####: each is as wide as its format shows it (50.00%, not 0.5),
    with a character's room to spare."""
    wb = load_workbook(units_summary)
    for name in SHEETS[:6]:
        ws = wb[name]
        widths = column_widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                if type(cell.value) in (int, float) and cell.row > 1:
                    text = shown(cell.value, cell.number_format)
                    assert widths.get(cell.column, 8.43) >= len(text) + 2, (name, cell.coordinate, text)


LONG_REASON = ("受政府采购流程延长、供应商资质审核、项目实施方案多次论证调整以及雨季施工条件受限等多重因素影响，"
               "本项目上半年实际完成进度明显滞后于年初制定的计划进度，部分设备尚未完成招标采购，"
               "已签订合同的工程也因为施工场地协调困难而未能按期开工建设。下一步，单位将会同财政部门和主管部门，"
               "加强项目调度，实行周调度、月通报制度，督促中标单位加快供货安装进度，确保在第三季度末完成主体工程，"
               "第四季度完成验收和资金支付工作；对确实无法在年内完成的部分，将按照规定程序申请调整绩效目标和预算安排。")


def write_long_forms(folder: Path, count: int = 3) -> None:
    """Units named at length, sending files named at length, for projects named at length, with a red indicator
    whose completion, reason and remark run long; and a file that is no workbook."""
    from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
    from test_check import write_grid

    for i in range(count):
        indicators = [list(row) for row in SAMPLE_INDICATORS]
        indicators[0] = ["产出指标", "数量指标", "维修改造校舍及附属设施总面积（含运动场地和配套用房）", "≥1200平方米",
                         "已完成教学楼和实验楼的屋面防水及外墙维修，共计约300平方米", "600平方米", LONG_REASON, None, None,
                         "√", "情况说明：" + LONG_REASON[:80]]
        funding = {**SAMPLE_FUNDING, "中央财政资金": [None, 100, 100, 100, 1, 10 + i, None, 100]}
        unit = f"某市职业技术学院附属第{i:03}中等专业学校（实训中心）"
        write_grid(folder / f"{unit}2026年1-6月预算绩效运行监控表（含项目支出和部门整体支出）.xlsx",
                   project_grid(funding=funding, indicators=indicators, unit=unit,
                                project=f"中等职业教育产教融合实训基地建设及设备购置更新改造专项资金项目{i}"))
    (folder / "坏文件（损坏的工作簿请重新报送）.xlsx").write_bytes(b"not a zip")


@pytest.fixture(scope="module")
def long_summary(tmp_path_factory) -> Path:
    from xlmon.cli import main

    folder = tmp_path_factory.mktemp("long")
    write_long_forms(folder)
    out = folder / "out" / "汇总.xlsx"
    assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    return out


def text_width(text: str) -> int:
    """Columns a line of text takes: a wide (CJK) character two, any other one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def header(cell) -> bool:
    return bool(cell.font.b) and cell.fill.fgColor.rgb == "FFF2F2F2"


def grade(cell) -> bool:
    """A grade, 绿灯 to 红灯, centred in its colour: its two characters fit a column of 4.5 (GRADE_WIDTH)."""
    return cell.value in ("绿灯", "黄灯", "红灯") and cell.alignment.horizontal == "center"


def test_no_text_is_cut_off_by_the_cell_beside_it_or_the_page(long_summary):
    """A text wider than its column wraps within it (or, a hash, shrinks to fit) and its row is tall enough for its
    lines, unless it runs into blank cells within the table: the cell beside it, or the page's edge, would cut it.
    (Headers are measured as drawn, by test_summary_headers_properties.)"""
    wb = load_workbook(long_summary)
    for name in SHEETS[:6]:
        ws = wb[name]
        widths = column_widths(ws)
        merged = {c.coordinate for r in ws.merged_cells.ranges for c in ws[r.coord][0]}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or cell.coordinate in merged or header(cell):
                    continue
                width = widths.get(cell.column, 8.43)
                longest = max(map(text_width, cell.value.split("\n")))
                beside = ws.cell(cell.row, cell.column + 1).value if cell.column < ws.max_column else "edge"
                if longest <= width - (0 if grade(cell) else 2) or beside is None:
                    continue
                assert cell.alignment.wrap_text or cell.alignment.shrink_to_fit, (name, cell.coordinate, cell.value)
                if cell.alignment.wrap_text:
                    lines = sum(-(-text_width(part) // int(width - 2)) or 1 for part in cell.value.split("\n"))
                    assert (ws.row_dimensions[cell.row].height or 15) >= 13 * lines, (name, cell.coordinate)


@pytest.mark.parametrize("count", [10, 45])
def test_units_named_too_long_for_a_line_leave_the_chart_whole_on_its_page(tmp_path, capsys, count):
    """汇总表's pages are planned row by row: a unit's name that wraps onto two lines makes its row taller, and the
    chart below the units (or the units' first page) is planned with those rows, never cut by a page's end."""
    from test_consolidate import printed_page, row_points

    write_units(tmp_path, count, "某市职业技术学院附属第{:03}中等专业学校（实训中心）第二校区继续教育培训部")
    out = tmp_path / "out" / "汇总.xlsx"
    assert run(capsys, tmp_path, "-o", out)[0] == 0
    ws = load_workbook(out)["汇总表"]
    names = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("某市职业技术学院")]
    assert len(names) == count and all((ws.row_dimensions[r].height or 15) >= 28 for r in names)
    [chart] = ws._charts
    start, end = chart.anchor._from, chart.anchor.to
    height = row_points(ws, start.row, end.row - 1) + (end.rowOff - start.rowOff) / 12700
    breaks = sorted(b.id for b in ws.row_breaks.brk)
    top = max([b for b in breaks if b <= start.row], default=0)
    assert row_points(ws, top, start.row - 1) + height <= printed_page(ws), (top, start.row, breaks)
    assert not [b for b in breaks if start.row < b <= end.row]
    for first, after in zip([0, *breaks], breaks):  # the pages before the chart hold what was planned on them
        if after <= start.row:
            assert row_points(ws, first, after - 1) <= printed_page(ws), (first, after)


def test_printed_numbers_and_hashes_show_whole(long_summary, tmp_path, excel_columns):
    """On paper (LibreOffice with Calibri's metrics, as Excel lays the columns out), no number prints as ###, and each
    file's SHA-256 prints whole on its line of 文件清单."""
    from conftest import pdf_pages

    pages = pdf_pages(excel_columns, long_summary, tmp_path / "pdf")
    assert not [page.splitlines()[0] for page in pages if "###" in page]
    hashes = [row[4] for row in load_workbook(long_summary)["文件清单"].iter_rows(min_row=2, values_only=True)]
    listed = "".join(page for page in pages if page.strip().splitlines()[0].endswith("文件清单"))
    assert len(hashes) == 4 and all(h in listed for h in hashes)


CODE = "110101260000003284715"


@pytest.fixture(scope="module")
def coded_pages(tmp_path_factory, excel_columns):
    """项目明细 as LibreOffice prints it, of units named at length (their column wide, the page printed small) whose
    projects are named with their 21-digit codes, one of them four times over."""
    from test_consolidate import write_form
    from test_summary_paper_properties import printed
    from xlmon.cli import main

    folder = tmp_path_factory.mktemp("coded")
    for i, project in enumerate((f"康复训练设备购置项目（{CODE}）", f"中职学生国家助学金（{CODE}）" * 4)):
        write_form(folder / f"u{i}.xlsx", unit=f"某市第{i + 1}中学附属实验学校（东校区）后勤保障与校园安全管理服务中心",
                   project=project)
    out = folder / "out" / "汇总.xlsx"
    assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    return [p for p in printed(excel_columns, out, folder / "pdf") if p.sheet == SHEETS[1]]


def test_a_project_code_prints_within_its_column(coded_pages):
    """LibreOffice draws 宋体's digits in a stand-in a fifth wider than 宋体's: a 21-digit 项目代码 as wide as its
    column ran into 工作表 beside it, its last digit cut; it shrinks to fit instead, as a SHA-256 does."""
    from test_summary_paper_properties import cut

    codes = [w for p in coded_pages for w in p.words if w.text == CODE]
    assert len(codes) == 2 and not [c for p in coded_pages for c in cut(p, set()) if CODE in c.split(" × ")]


def test_a_name_wrapped_around_its_codes_prints_within_its_row(coded_pages):
    """A line never breaks within a code, nor between a code and its brackets: a name holding codes wraps onto more lines than its
    characters alone would fill, and its row is planned as tall as those lines. It was planned shorter, and the
    name, centred in it, ran over the header above and the row below, cut by both on paper."""
    from test_summary_paper_properties import cut

    assert not [c for p in coded_pages for c in cut(p, set())]


def test_a_page_header_cut_short_never_ends_in_half_an_ampersand():
    """& starts a code in a printed page's header, so a name's & is doubled; cut at 100 characters, a name with
    its & at the cut (某…&附属) left one & alone at the end, a code of nothing that garbles the header."""
    from xlmon.form_plan import header_text

    assert header_text("某" * 99 + "&附属") == "某" * 99
    assert header_text("某" * 98 + "&附属") == "某" * 98 + "&&"
    assert header_text("甲&乙") == "甲&&乙"


BUREAU = ("某1市＃局0（201001）", "某2市教育局（301001）", "某市教育局（101001）", "某2市卫生健康委员会（302001）",
          "某1市卫生健康委员会（202001）", "某1市民政局（203001）",
          "某市卫生健康委员会（市级机关事务管理与综合行政执法协调服务（102001）",
          "某市民政局（市级机关事务管理与综合行政（103001）")


def test_a_bureaus_chart_prints_every_departments_name(tmp_path, capsys, excel_columns):
    """Eight departments, two of them named at length: on paper 汇总表's chart names each of them beside its bars
    (found by the paper property, seed 104005: at 28 pixels a bar LibreOffice printed every other name)."""
    from test_consolidate import SAMPLE_FUNDING, write_form
    from test_summary_paper_properties import flat, printed

    for i, department in enumerate(BUREAU):
        funding = {**SAMPLE_FUNDING, "中央财政资金": [None, 100, 100, 100, 1, 10 + 5 * i, None, 100]}
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i}", project="项目", funding=funding, department=department)
    out = tmp_path / "out" / "汇总.xlsx"
    assert run(capsys, tmp_path, "-o", out)[0] == 0
    text = flat("".join(p.text for p in printed(excel_columns, out, tmp_path / "pdf") if p.sheet == SHEETS[0]))
    assert not [d for d in BUREAU if text.count(d) < 2]  # its table's row and its chart's label


LINKED = '=HYPERLINK("http://example.com","点此")新增视频监控点位'


def test_an_indicator_holding_a_link_prints_within_its_row(tmp_path, excel_columns):
    """LibreOffice breaks a code longer than a line after its slashes (http://|example.com), not anywhere: the
    三级指标 above, in its column of 32, takes three lines where its row was planned for two, and its last character
    ran into the row below, cut there on paper."""
    from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
    from test_check import write_grid
    from test_summary_paper_properties import cut, printed
    from xlmon.cli import main

    indicators = [list(row) for row in SAMPLE_INDICATORS]
    for i, level3 in enumerate((LINKED, "新增视频监控点位")):
        indicators[i] = ["产出指标", "数量指标", level3, "≥160个", "60个", "100个", "采购延迟", None, "√", None, None]
    write_grid(tmp_path / "u.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=indicators, unit="某市电化教育站",
                                                project="校园安全防范设施建设"))
    out = tmp_path / "out" / "汇总.xlsx"
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(out)]) == 0
    pages = [p for p in printed(excel_columns, out, tmp_path / "pdf") if p.sheet == SHEETS[2]]
    assert "新增视频监控点位" in "".join(p.text for p in pages) and not [c for p in pages for c in cut(p, set())]
