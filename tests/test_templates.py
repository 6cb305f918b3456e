"""The two official templates: layout, formulas, protection, drift, and LibreOffice agreement."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT, assert_formulas_equal_xlmon, libreoffice_convert, require_tool
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.check import check_file
from xlmon.grid import parse_address
from xlmon.cli import main
from xlmon.reader import read_form
from xlmon.templates import COMMITTED, TEMPLATE_FILES, build_form, new_workbook, save_atomic, write_committed

KINDS = ("project", "department")


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def test_committed_templates_do_not_drift(tmp_path):
    fresh = write_committed(tmp_path)
    for path in fresh:
        committed = ROOT / "workbook_templates" / path.name
        assert committed.exists(), f"{committed} missing: run `make templates`"
        assert _members(committed) == _members(path), f"{path.name} drifted: run `make templates`"


@pytest.mark.parametrize("kind", KINDS)
def test_cli_template_options(tmp_path, kind):
    out = tmp_path / f"{kind}.xlsx"
    code = main(["template", kind, "-o", str(out), "--year", "2027", "--months", "9",
                 "--project", "=HYPERLINK(\"x\")", "--department", "某市教育局（101001）", "--unit", "第一中学"])
    assert code == 0
    wb = load_workbook(out)
    ws = wb.active
    assert ws["A2"].value == "（2027年1-9月）"
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "1-9月下达数" in texts and "1-9月指标完成情况" in texts
    title = L.PROJECT_TITLE if kind == "project" else L.DEPARTMENT_TITLE  # atop each page, the form's name only:
    printed = [ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text]  # none a unit can't see
    assert printed == [None, None, title] and ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    form, diags = read_form(read_workbook(out).sheets[ws.title], ws.title)
    assert (form.year, form.months, form.department) == (2027, 9, "某市教育局（101001）")
    if kind == "project":
        assert form.project == '=HYPERLINK("x")' and form.unit == "第一中学"
        cell = ws[form.cells["project"]]
        assert cell.data_type == "s", "user text must stay text, never a formula"


@pytest.mark.parametrize("months", ["0", "13", "x"])
def test_cli_template_rejects_bad_months(tmp_path, months, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["template", "project", "-o", str(tmp_path / "t.xlsx"), "--months", months])
    assert exc.value.code == 2
    assert "月份" in capsys.readouterr().err


def test_cli_template_that_cannot_be_written_says_where_and_why_in_chinese(tmp_path, capsys, monkeypatch):
    """A name longer than the file system allows, or a full disk: `xlmon template` ended in 内部错误（OSError: [Errno 36]
    File name too long: …）, English. It says which file it could not write and why, and leaves nothing."""
    import errno

    from xlmon import templates

    long = tmp_path / ("某市教育局关于校舍维修改造项目支出绩效运行监控表" * 6 + ".xlsx")
    assert main(["template", "project", "-o", str(long)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xlmon: 无法写入 {long}（文件名或路径过长）") and "Error" not in err and "too long" not in err

    def full(wb, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(templates.Workbook, "save", full)
    assert main(["template", "project", "-o", str(tmp_path / "t.xlsx")]) == 2
    assert capsys.readouterr().err.startswith(f"xlmon: 无法写入 {tmp_path / 't.xlsx'}（磁盘空间不足）")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", KINDS)
def test_template_layout(kind):
    path = ROOT / "workbook_templates" / TEMPLATE_FILES[kind]
    wb = load_workbook(path)
    ws = wb.active
    title = L.PROJECT_TITLE if kind == "project" else L.DEPARTMENT_TITLE
    assert ws["A1"].value == title and ws["A2"].value == L.period_text(COMMITTED["year"], COMMITTED["months"])
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    rows = (L.TOTAL_ROW, *L.PROJECT_SOURCES) if kind == "project" else (
        L.TOTAL_ROW, *L.DEPARTMENT_FUND_TYPES, *L.DEPARTMENT_SPENDING_TYPES)
    for label in rows:
        assert any(label in t for t in texts), label
    hierarchy = L.HIERARCHIES[L.DEFAULT_HIERARCHY]
    for level1, names in hierarchy.items():
        assert level1 in texts and all(n in texts for n in names)
    for header in ("上年结转", "本年预算", "小计", "年度预算资金安排", "1-6月下达数", "全年预计支出数",
                   "一级指标", "二级指标", "三级指标", "年度指标值", "偏差原因分析", "备注", *L.LIKELIHOODS):
        assert header in texts, header
    assert all(note in texts for note in L.FOOTNOTES)
    assert ws.merged_cells.ranges, "headers are merged"
    # rows keep their height in print (LibreOffice, WPS): every 二级指标 name fits its column on one line
    longest = max(len(n) for names in L.HIERARCHIES.values() for ns in names.values() for n in ns)
    assert ws.column_dimensions["C"].width >= 2 * longest + 1
    # print setup
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # protection: sheet protected without password, inputs unlocked, formulas locked
    assert ws.protection.sheet and not ws.protection.password
    formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas and all(c.protection.locked for c in formulas)
    numbers = {c.number_format for c in formulas}
    assert numbers == {"#,##0.00", "0.00%"}
    # dropdowns: one list per 一级 for 二级 names, one for the tick
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    for names in hierarchy.values():
        assert '"' + ",".join(names) + '"' in lists
    assert f'"{L.TICK}"' in lists
    # an indicator's 年度指标值 and completions are text cells: 95% typed there stays 95%, not 0.95 (quoted as 0.95)
    level2 = {n for names in hierarchy.values() for n in names}
    values = [ws.cell(r, c) for r in range(1, ws.max_row + 1) for c in (5, 6, 7) if ws.cell(r, 3).value in level2]
    assert values and all(c.number_format == "@" for c in values)
    assert all(dv.showErrorMessage and dv.error for dv in ws.data_validations.dataValidation), \
        "a dropdown must refuse input outside its list, with a Chinese message"


@pytest.mark.parametrize("kind", KINDS)
def test_template_pages_are_headed_numbered_and_break_before_the_indicators(kind):
    """A form printed over two pages breaks between the funding and the indicators, whose header is repeated on
    each of their pages; every page names the form, and its number, and no period: a unit reusing the template
    for another period changes the period it sees, never 页面设置."""
    ws = load_workbook(ROOT / "workbook_templates" / TEMPLATE_FILES[kind]).active
    title = L.PROJECT_TITLE if kind == "project" else L.DEPARTMENT_TITLE
    assert [ws.oddHeader.left.text, ws.oddHeader.center.text, ws.oddHeader.right.text] == [None, None, title]
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    header = next(c.row for row in ws.iter_rows() for c in row if c.value == "一级指标")
    assert ws.print_title_rows == f"${header}:${header + 1}"
    assert [b.id for b in ws.row_breaks.brk] == [header - 1]  # the page before ends above it
    assert ws.page_margins.top > ws.page_margins.header + 0.3 and ws.page_margins.bottom > ws.page_margins.footer + 0.3


def _orphaning(counts: int = 80) -> int:
    """A number of 数量指标 rows whose last indicator rows would fill a page, the footnotes left to the next."""
    from xlmon.form_plan import KEPT_ROWS, plan_form

    for n in range(1, counts):
        plan = plan_form("department", year=2026, months=6, indicator_counts={(L.LEVEL1_OUTPUT, "数量指标"): n})
        last = plan.print_setup.print_area.bottom - len(L.FOOTNOTES) + 1  # the first footnote's row
        if plan.print_setup.row_breaks[-1] == last - KEPT_ROWS:
            return n
    raise AssertionError("no form leaves its footnotes a page of their own")


def test_planned_pages_hold_rows_of_the_form_and_fit():
    """However many indicators, each page planned fits a page as Excel prints the form, and the last holds
    indicator rows above the footnotes."""
    from xlmon.form_plan import COLUMN_WIDTHS, PAGE_FULL, ROW_HEIGHT, page_rows_height, plan_form

    for n in (0, 1, 2, 5, _orphaning(), 30, 31, 32, 33, 60, 120):
        plan = plan_form("department", year=2026, months=6, indicator_counts={(L.LEVEL1_OUTPUT, "数量指标"): n})
        setup = plan.print_setup
        page = PAGE_FULL * page_rows_height(7 * sum(COLUMN_WIDTHS), margins=setup.margins)
        last, table = setup.print_area.bottom, setup.title_rows[0]
        starts = [1, *setup.row_breaks, last + 1]
        assert starts == sorted(set(starts)) and (n > 10 or setup.row_breaks == (table,)), n
        for i, (first, end) in enumerate(zip(starts, starts[1:])):
            repeated = 2 * 22 if i > 1 else 0  # the indicator header atop the pages after its own
            assert repeated + sum(plan.row_heights.get(r, ROW_HEIGHT) for r in range(first, end)) <= page, (n, i)
        assert starts[-2] < last - len(L.FOOTNOTES) + 1 or n == 0, n


def test_libreoffice_prints_no_page_without_form_rows(tmp_path, soffice):
    """The templates and department forms of many indicators, printed by LibreOffice: each page holds rows of the
    form (never only the repeated indicator header over the footnotes), is headed with the form's name and
    numbered. A template reused for July, its period line and headers changed as a unit does, says 1-6月 on no
    printed page."""
    pdftotext = require_tool("pdftotext")
    files = [ROOT / "workbook_templates" / name for name in TEMPLATE_FILES.values()]
    july = load_workbook(files[0])
    for row in july.active.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "1-6月" in cell.value:
                cell.value = cell.value.replace("1-6月", "1-7月")
    july.save(tmp_path / "七月.xlsx")
    files.append(tmp_path / "七月.xlsx")
    level2 = [n for names in L.HIERARCHIES[L.DEFAULT_HIERARCHY].values() for n in names]
    for name, counts in (("多指标", {(l1, n): 7 for l1, names in L.HIERARCHIES[L.DEFAULT_HIERARCHY].items()
                                   for n in names}),
                         ("末页", {(L.LEVEL1_OUTPUT, "数量指标"): _orphaning()})):
        wb = new_workbook()
        build_form(wb.create_sheet("表"), "department", year=2026, months=6, department="某市教育局（101001）",
                   indicator_counts=counts)
        files.append(save_atomic(wb, tmp_path / f"{name}.xlsx"))
    pdfs = libreoffice_convert(soffice, files, tmp_path / "pdf", "pdf")
    for path, pdf in zip(files, pdfs):
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
        pages = text.split("\f")[:-1]
        title = L.PROJECT_TITLE if path.name in (TEMPLATE_FILES["project"], "七月.xlsx") else L.DEPARTMENT_TITLE
        assert len(pages) >= 2, path.name
        assert path.name != "七月.xlsx" or "（2026年1-7月）" in text and "1-6月" not in text
        for i, page in enumerate(pages, 1):
            head = page.strip().splitlines()[0]
            assert head.strip() == title and f"第 {i} 页，共 {len(pages)} 页" in page, head
            assert any(row in page for row in ("资金总额", *level2)), (path.name, i, page)
        assert L.FOOTNOTES[2][:10] in pages[-1]


@pytest.mark.parametrize("kind", KINDS)
def test_every_amount_column_holds_a_big_departments_amount(kind):
    """999,999.99 万元 (about 100 亿元, a big department's year) with room beside it, as the summary widens its
    columns to: 支出数 was 10 characters and printed ### from 100,000.00 万元 (10 亿元) on."""
    from xlmon.form_plan import Merge, plan_form

    plan = plan_form(kind, year=2026, months=6)
    spans = {(op.area.top, op.area.left): op.area.right for op in plan.ops if isinstance(op, Merge)}
    for (block, label), cells in plan.layout.funding.items():
        for field, cell in cells.items():
            if field in L.RATE_FIELDS:
                continue
            row, col = parse_address(cell)
            width = sum(plan.column_widths[c] for c in range(col + 1, spans.get((row + 1, col + 1), col + 1) + 1))
            assert width >= len("999,999.99") + 2, (block, label, field, cell, width)


def test_a_header_made_with_a_long_name_is_as_tall_as_its_lines():
    """Excel fits no row to a merged cell: a unit's name of 24 characters and more, made into 预算单位 (I:L), ran
    over 项目名称 above and the funding table below, cut on paper. Its row is now planned as tall as its lines; a
    short name's, and a blank template's, are left as they were."""
    from xlmon.form_plan import LINE_HEIGHT, plan_form

    unit = "某市教育科学研究所附属实验学校（东校区）后勤保障与校园安全"
    plan = plan_form("project", year=2026, months=6, project="智慧校园建设项目", department="某市教育局", unit=unit)
    assert plan.row_heights[4] >= 2 * LINE_HEIGHT
    assert not {3, 4} & set(plan_form("project", year=2026, months=6, unit="某市第一中学").row_heights)
    assert not {3, 4} & set(plan_form("project", year=2026, months=6).row_heights)


def test_a_header_made_with_a_name_too_long_for_a_row_stops_at_excels_limit(tmp_path):
    """A name wrapping onto more lines than 409 points hold set the row taller, which Excel repairs before opening
    the form: the row stops at 409 and the name is set at its top, its start shown. Both writers: openpyxl's
    template, xlsxwriter's (a summary's 部门整体)."""
    import xlsxwriter
    from openpyxl import load_workbook

    from xlmon.form_plan import MAX_ROW_HEIGHT
    from xlmon.templates import build_form_xlsxwriter, save_atomic, template_workbook

    name = "某市教育科学研究所附属实验学校后勤保障中心" * 120
    save_atomic(template_workbook("project", year=2026, months=6, unit=name), tmp_path / "openpyxl.xlsx")
    book = xlsxwriter.Workbook(tmp_path / "xlsxwriter.xlsx")
    build_form_xlsxwriter(book, book.add_worksheet("部门整体"), "department", year=2026, months=6, department=name)
    book.close()
    for file, row, label in (("openpyxl.xlsx", 4, "H4"), ("xlsxwriter.xlsx", 3, "A3")):
        ws = load_workbook(tmp_path / file).worksheets[0]
        assert ws.row_dimensions[row].height == MAX_ROW_HEIGHT, file
        cell = ws.cell(row, 9 if row == 4 else 4)
        assert cell.value == name and cell.alignment.vertical == "top", file
        assert ws[label].alignment.vertical == "center", file  # its label, on the same row, as it was


@pytest.mark.parametrize("kind", KINDS)
def test_template_inputs_unlocked_and_labels_locked(kind):
    wb = new_workbook()
    ws = wb.create_sheet("t")
    out = build_form(ws, kind, year=2026, months=6)
    for (block, label), cells in out.funding.items():
        for field in L.INPUT_AMOUNTS:
            locked = ws[cells[field]].protection.locked
            assert locked == (label == L.TOTAL_ROW), (block, label, field)
        for field in ("subtotal", "issue_rate", "spend_progress"):
            assert ws[cells[field]].protection.locked
    assert not ws[out.header["goal"]].protection.locked
    assert ws["A1"].protection.locked


# Inputs chosen to hit every formula path: zero and blank denominators, carry-over only, sums.
SAMPLES = {
    "project": {
        ("source", "中央财政资金"): dict(carryover=10.5, current=100, issued=40, spent=30.25, forecast=95),
        ("source", "省级财政资金"): dict(current=0, issued=5),
        ("source", "市级财政资金"): dict(carryover=3, spent=1.5),
        ("source", "单位自筹资金"): dict(current=12.34, issued=12.34, spent=12.34, forecast=12.34),
        ("source", "其他资金"): dict(current=7.777, issued=1.111, spent=0.333),
    },
    "department": {
        ("source", "一般公共预算资金"): dict(carryover=50, current=1200.5, issued=800, spent=610.2, forecast=1180),
        ("source", "政府性基金预算资金"): dict(current=300, issued=150, spent=90),
        ("source", "单位资金"): dict(carryover=20, spent=5),
        ("spending", "基本支出"): dict(current=900.5, issued=600, spent=450.2, forecast=890),
        ("spending", "项目支出"): dict(carryover=70, current=600, issued=350, spent=255, forecast=340),
    },
}


@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_formulas_equal_xlmon(tmp_path, soffice, kind):
    """Fill inputs, let LibreOffice recalculate, compare every formula cell with xlmon's numbers."""
    filled, recalculated, out = _recalculated(tmp_path, soffice, kind, SAMPLES[kind], months=7)
    assert_formulas_equal_xlmon(filled, recalculated, "表", out)


def _recalculated(tmp_path, soffice, kind: str, sample: dict, months: int):
    """A template with the sample's inputs, as saved and as LibreOffice recalculated it, and its layout."""
    wb = new_workbook()
    ws = wb.create_sheet("表")
    out = build_form(ws, kind, year=2026, months=months)
    for key, values in sample.items():
        for field, value in values.items():
            ws[out.funding[key][field]] = value
    filled = save_atomic(wb, tmp_path / f"{kind}.xlsx")
    [recalculated] = libreoffice_convert(soffice, [filled], tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    return filled, recalculated, out


EARLY = {  # a 1-3月 form: budgets and forecasts in, nothing issued or spent yet
    "project": {("source", "市级财政资金"): dict(carryover=10, current=100, forecast=100)},
    "department": {("source", "一般公共预算资金"): dict(current=500, forecast=500),
                   ("spending", "基本支出"): dict(current=500, forecast=500)},
}


@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_rates_of_the_total_before_anything_is_issued(tmp_path, soffice, kind):
    """资金总额's 下达数 and 支出数 are "" while no source has one: its rates showed #VALUE! (""/110), and xlmon's
    check called them the unit's C003/C004 errors, quoting the very formula in the cell. They are 0.00%, as a
    source row's are, and equal xlmon's."""
    filled, recalculated, out = _recalculated(tmp_path, soffice, kind, EARLY[kind], months=3)
    assert_formulas_equal_xlmon(filled, recalculated, "表", out)
    assert not {"C003", "C004"} & {d.code for d in check_file(recalculated).diagnostics}


@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_sums_skip_an_amount_typed_as_text_and_check_names_that_cell(tmp_path, soffice, kind):
    """A 本年预算 pasted as text ("100"): the template's sums skip it, as Excel's do, so 小计, the rates and 资金总额
    show less. check names the text cell (N007), not the formulas showing the result, which are right."""
    key = next(iter(EARLY[kind]))
    sample = {**EARLY[kind], key: {**EARLY[kind][key], "carryover": 10, "current": "100", "issued": 60, "spent": 40}}
    filled, recalculated, out = _recalculated(tmp_path, soffice, kind, sample, months=6)
    diagnostics = check_file(recalculated).diagnostics
    assert not {"C001", "C002", "C003", "C004"} & {d.code for d in diagnostics}
    [d] = [d for d in diagnostics if d.code == "N007"]
    cells = out.funding[key]
    assert d.cell == cells["current"] and f"（{cells['subtotal']}）" in d.message
    assert f"（{out.funding[('source', L.TOTAL_ROW)]['subtotal']}）" in d.message
    # 计算 makes the text a number, which the sums then take; it wrote the template's formulas over themselves,
    # claimed corrections it had not made, and on the protected sheet would write into locked cells
    import xlmon.entry_points as ep
    from payloads import actions_of, apply_actions, payload_from_file

    payload = payload_from_file(recalculated)
    actions, outcome = actions_of(payload, ep.calculate)
    assert [(e.cell, e.value, e.formula) for e in outcome.edits] == [(cells["current"], 100, False)]
    r, c = parse_address(cells["current"])
    assert apply_actions(payload, actions)["sheets"][0]["values"][r][c] == 100


@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_rates_skip_an_amount_typed_as_text_a_division_cannot_take(tmp_path, soffice, kind):
    """A source's 下达数 and 支出数 typed as text a spreadsheet makes no number of (full-width digits, 60万元): its
    下达率 and 支出进度 showed #VALUE!, and check called the template's formulas wrong (C003, C004). They leave the
    text out, as the sums do, and check names the text cells (N007)."""
    key = next(iter(EARLY[kind]))
    sample = {**EARLY[kind], key: {**EARLY[kind][key], "issued": "１２０", "spent": "60万元"}}
    _, recalculated, out = _recalculated(tmp_path, soffice, kind, sample, months=6)
    grid = read_workbook(recalculated).sheets["表"]
    cells = out.funding[key]
    for field in ("issue_rate", "spend_progress"):
        r, c = parse_address(cells[field])
        assert grid[r][c] == 0, (field, grid[r][c])
    diagnostics = check_file(recalculated).diagnostics
    assert not {"C001", "C002", "C003", "C004"} & {d.code for d in diagnostics}
    assert {d.cell for d in diagnostics if d.code == "N007"} == {cells["issued"], cells["spent"]}


@pytest.mark.parametrize("kind", KINDS)
def test_template_prints_on_a4_landscape(tmp_path, soffice, kind):
    pdfinfo = require_tool("pdfinfo")
    [pdf] = libreoffice_convert(soffice, [ROOT / "workbook_templates" / TEMPLATE_FILES[kind]], tmp_path, "pdf")
    info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(x) for x in size.split(":")[1].split("pts")[0].split("x"))
    assert (round(width), round(height)) == (842, 595), size  # A4 landscape in points
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages")).split()[1])
    assert 1 <= pages <= 2


def test_template_colours_spending_progress_in_libreoffice(tmp_path, soffice):
    """The template's own conditional colours grade 支出进度 where no Python runs (WPS, Excel)."""
    from test_workbook_marks import count_colour, png_pixels
    from xlmon.marks import PALETTE

    pdftoppm = require_tool("pdftoppm")
    wb = new_workbook()
    ws = wb.create_sheet("表")
    out = build_form(ws, "project", year=2026, months=6)
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert len(rules) == 3 and sum("6/12-J7" in r.formula[0] for r in rules) == 2
    behind = {"中央财政资金": (100, 10), "市级财政资金": (100, 35)}  # gaps 40 pp (red) and 15 pp (yellow)
    for label, (current, spent) in behind.items():
        ws[out.funding[("source", label)]["current"]] = current
        ws[out.funding[("source", label)]["spent"]] = spent
    filled = save_atomic(wb, tmp_path / "behind.xlsx")
    [pdf] = libreoffice_convert(soffice, [filled], tmp_path / "pdf", "pdf")
    subprocess.run([pdftoppm, "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                   check=True, capture_output=True, timeout=120)
    [png] = sorted(tmp_path.glob("p*.png"))
    _, _, rows = png_pixels(png)
    assert count_colour(rows, PALETTE["red"]) > 30 and count_colour(rows, PALETTE["yellow"]) > 30
    assert count_colour(rows, PALETTE["green"]) == 0  # nothing on schedule: 资金总额 is 22.5 pp behind


CITY_PROFILE = """
[funding]
green_max_gap = 0.05
yellow_max_gap = 0.15
use_milestones = true
milestones = { 6 = 0.6 }

[palette]
red = "FF0000"

[hierarchy.custom]
"产出指标" = ["数量指标", "质量指标"]
"效益指标" = ["社会效益指标"]
"满意度指标" = ["服务对象满意度指标"]
"""


def _texts(path: Path) -> set[str]:
    [grid] = read_workbook(path).sheets.values()
    return {v for row in grid for v in row if isinstance(v, str)}


def test_xlmon_template_with_a_city_profile_colours_and_groups_as_the_profile_says(tmp_path, capsys):
    """`xlmon template --profile`: 支出进度's conditional colours by the city's gaps, its milestone for the month and
    its palette (LibreOffice applies them: test_templates_properties), the indicator groups by its hierarchy, unless
    --hierarchy names one."""
    profile = tmp_path / "本市规则.toml"
    profile.write_text(CITY_PROFILE, encoding="utf-8")
    out = tmp_path / "模板.xlsx"
    assert main(["template", "project", "-o", str(out), "--months", "6", "--profile", str(profile)]) == 0
    ws = load_workbook(out).active
    rules = {r.dxf.fill.bgColor.rgb[-6:]: r.formula[0] for cf in ws.conditional_formatting for r in cf.rules}
    assert set(rules) == {"FF0000", "FFEB9C", "C6EFCE"}, rules
    assert ">0.150000000001" in rules["FF0000"] and "0.6-" in rules["FF0000"], rules["FF0000"]
    assert ">0.050000000001" in rules["FFEB9C"] and "0.6-" in rules["FFEB9C"], rules["FFEB9C"]
    texts = _texts(out)
    assert {"社会效益指标", "质量指标"} <= texts and not {"经济效益指标", "时效指标", "成本指标"} & texts

    national = tmp_path / "国家.xlsx"
    assert main(["template", "project", "-o", str(national), "--profile", str(profile), "--hierarchy",
                 "national2021"]) == 0
    assert {"成本指标", "经济效益指标", "时效指标"} <= _texts(national)

    profile.write_text("[funding]\ngreen_max_gap = 0.3\nyellow_max_gap = 0.2\n", encoding="utf-8")
    capsys.readouterr()
    refused = tmp_path / "不写.xlsx"
    assert main(["template", "project", "-o", str(refused), "--profile", str(profile)]) == 2
    err = capsys.readouterr().err
    assert str(profile) in err and "yellow_max_gap" in err and not refused.exists(), err
