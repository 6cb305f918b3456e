"""`xlmon consolidate`: totals, duplicates, periods, rejected files, safety, and summaries as inputs."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from resent import resent
from test_check import set_cells, write_grid
from xlmon import layout as L
from xlmon.check import check_file
from xlmon.cli import main
from xlmon.consolidate.workbook import SHEETS
from xlmon import demo
from xlmon.demo import generate
from xlmon.form_plan import plan_form


@pytest.fixture(scope="module")
def department(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dept")
    generate(folder)
    return folder


def run(capsys, *args) -> tuple[int, dict]:
    code = main(["consolidate", "--format", "json", *map(str, args)])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def direct_totals(paths) -> dict:
    """What the summary must say, computed from `xlmon check` of each file on its own."""
    sums = dict.fromkeys(("carryover", "current", "issued", "spent", "forecast"), 0.0)
    known = {"spent": 0.0, "subtotal": 0.0}  # over the projects whose 支出进度 can be computed
    grades = {"green": 0, "yellow": 0, "red": 0}
    count = unclear = with_unknown = 0
    for path in paths:
        for form in check_file(path).forms:
            if form.kind != "project":
                continue
            count += 1
            total = form.total()
            for f in sums:
                sums[f] += getattr(total, f) or 0.0
            unreadable = any(set(r.unreadable) & set(sums) for r in form.funding if r.block == "source")
            with_unknown += unreadable
            if {"spent", "carryover", "current"} & set(total.unreadable):
                unclear += 1
            else:
                known["spent"] += total.spent or 0.0
                known["subtotal"] += total.subtotal or 0.0
            if form.grade:
                grades[form.grade] += 1
    sums["subtotal"] = sums["carryover"] + sums["current"]
    return {"sums": sums, "grades": grades, "projects": count, "unclear": unclear, "with_unknown": with_unknown,
            "spend_progress": known["spent"] / known["subtotal"]}


def hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xlsx"))}


def test_department_summary(department, tmp_path, capsys):
    before = hashes(department)
    out = tmp_path / "部门汇总.xlsx"
    code, data = run(capsys, department, "-o", out)
    assert code == 0 and out.exists() and data["output"] == str(out)
    assert hashes(department) == before, "inputs must never be modified"
    expected = direct_totals(sorted(department.glob("*.xlsx")))
    assert data["projects"] == expected["projects"] >= 20 and data["units"] >= 8
    [only] = data["departments"]  # the demo's units all name their department, one way or another
    assert only["name"] == f"{demo.DEPARTMENT[0]}（{demo.DEPARTMENT[1]}）" and len(only["units"]) == data["units"]
    for f, value in expected["sums"].items():
        assert data["totals"][f] == pytest.approx(value, abs=1e-3), f
    t = data["totals"]
    assert t["issue_rate"] == pytest.approx(t["issued"] / t["current"], abs=1e-4)  # recomputed, not averaged
    # the demo has a 支出数 typed as text: unknown, not 0, so 支出进度 is that of the other projects
    assert expected["unclear"] == 1
    assert t["spend_progress"] == pytest.approx(expected["spend_progress"], abs=1e-4)
    assert t["spend_progress"] > t["spent"] / t["subtotal"] + 1e-3
    assert data["grades"] == expected["grades"]
    assert data["period"] == {"year": 2026, "months": 6}
    assert {f["status"] for f in data["files"]} == {"included"}
    assert all(len(f["sha256"]) == 64 for f in data["files"])
    codes = {d["code"] for d in data["diagnostics"]}
    assert {"C001", "N001"} <= codes
    wb = load_workbook(out)
    assert wb.sheetnames[: len(SHEETS)] == list(SHEETS)
    detail = wb["项目明细"]
    assert detail.max_row == 1 + data["projects"] and detail.freeze_panes == "A2" and detail.auto_filter.ref
    link = detail.cell(2, detail.max_column)
    assert link.hyperlink is not None and link.value.endswith(".xlsx")
    overview = wb["汇总表"]
    assert overview._charts, "a native bar chart of 支出进度 against 时间进度"
    assert f"{expected['with_unknown']} 个项目有金额无法识别" in overview["A2"].value
    # the source rows add up to other amounts than 资金总额 (a 支出数 typed 完成 beside a readable one): said so
    table = {r[0]: r[1:9] for r in overview.iter_rows(values_only=True)
             if r[0] in (L.TOTAL_ROW, *(f"其中：{s}" if i == 0 else s for i, s in enumerate(L.PROJECT_SOURCES)))}
    total, sources = table.pop(L.TOTAL_ROW), list(table.values())
    disagree = [c for c in (0, 1, 2, 3, 5, 7) if abs(sum(r[c] or 0 for r in sources) - (total[c] or 0)) > 0.005]
    assert disagree and "各行只计本行能识别的金额，故各来源之和与资金总额不等" in overview["A2"].value
    unclear = [row for row in detail.iter_rows(min_row=2, values_only=True) if row[10] is None]
    assert len(unclear) == 1 and unclear[0][11] is None and unclear[0][13] is None  # no 0% 支出进度, no 进度差
    deviations = [r for r in wb["指标偏差"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert deviations and [r[0] for r in deviations] == sorted((r[0] for r in deviations), key=["红灯", "黄灯"].index)
    completions = [v for r in deviations for v in r[7:9] if v is not None]  # 完成情况, 全年预计完成情况
    assert any(isinstance(v, (int, float)) for v in completions), "numbers stay numbers"
    assert not [v for v in completions if isinstance(v, str) and v.replace(".", "", 1).isdigit()]
    focus = wb["重点监控建议"]
    assert "建议" in focus["A1"].value and "参考" in focus["A1"].value
    assert focus.max_row >= 4


def test_summary_is_print_ready(department, tmp_path, capsys):
    """Wrapped texts get rows tall enough (LibreOffice and WPS do not grow rows on opening), every page says
    whose summary it is and its number (部门整体's too), wide tables go to A3, and a few units are listed on the
    first page, the chart below them."""
    out = tmp_path / "s.xlsx"
    run(capsys, department, "-o", out)
    wb = load_workbook(out)
    for name in SHEETS[:7]:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # one page wide
        assert "某市教育局" in ws.oddHeader.left.text and name in ws.oddHeader.right.text
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    wide = {name: sum((d.width or 0) * ((d.max or 1) - (d.min or 1) + 1) for d in wb[name].column_dimensions.values())
            for name in SHEETS[:6]}
    assert wb["项目明细"].page_setup.paperSize == 8 and wide["项目明细"] > 224  # A3: 23 columns
    assert all(wb[n].page_setup.paperSize == 9 for n in SHEETS[:6] if wide[n] <= 224)
    problems = wb["校验问题"]
    width = problems.column_dimensions["F"].width
    long = [r for r in range(2, problems.max_row + 1) if len(problems.cell(r, 6).value) * 2 > 2 * (width - 2)]
    assert long and all((problems.row_dimensions[r].height or 0) >= 30 for r in long)
    overview = wb["汇总表"]  # its few units fit below the funding table: the chart below them, no print titles
    rows = [r[0].value for r in overview.iter_rows(max_col=1)]
    assert overview._charts[0].anchor._from.col == 0 and not overview.print_title_rows and not overview.freeze_panes
    assert overview._charts[0].anchor._from.row > len(rows) - 1
    form = wb["部门整体"]
    notes = [c.value for row in form.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("说明：")]
    assert len(notes) == 1 and "只报送了项目表" in notes[0] and "请部门" in notes[0]
    # notes wrap within their table, as tall as their lines: one cell's long text would widen the printed page
    [(note_row, note)] = [(c.row, c.value) for row in form.iter_rows() for c in row if c.value == notes[0]]
    assert form.print_area == f"'部门整体'!$A$1:$L${note_row}"
    for ws, row, last in ((form, note_row, "L"), (overview, 2, "L"), (wb["重点监控建议"], 1, "G")):
        text = ws.cell(row, 1).value
        assert f"A{row}:{last}{row}" in {str(m) for m in ws.merged_cells.ranges} and ws.cell(row, 1).alignment.wrap_text
        width = sum(ws.column_dimensions[chr(c)].width or 8.43 for c in range(65, ord(last) + 1))
        assert ws.row_dimensions[row].height >= 14 * -(-len(text.encode("utf-8")) * 2 // 3 // int(width))


def test_duplicates_counted_once(department, tmp_path, capsys):
    one = next(iter(sorted(department.glob("*.xlsx"))))
    copy_dir = tmp_path / "again"
    copy_dir.mkdir()
    shutil.copy2(one, copy_dir / "重复提交.xlsx")  # its modification time too: neither copy is the later
    _, direct = run(capsys, department, "-o", tmp_path / "a.xlsx")
    code, data = run(capsys, department, copy_dir, "-o", tmp_path / "b.xlsx")
    assert code == 0
    assert data["totals"] == direct["totals"] and data["projects"] == direct["projects"]
    assert data["duplicates"] and all("采用" in d for d in data["duplicates"])
    copy = next(f for f in data["files"] if f["path"].endswith("重复提交.xlsx"))
    assert copy["status"] == "rejected" and copy["forms"] == 0
    assert sum(d["code"] == "K002" for d in data["diagnostics"]) == len(data["duplicates"])
    # the copy's findings are the kept form's: listed once, not twice
    assert len(data["diagnostics"]) == len(direct["diagnostics"]) + len(data["duplicates"])
    assert all("两份金额不同" not in d for d in data["duplicates"])  # the very same file sent twice


def test_an_old_copy_on_a_hidden_sheet_gives_way_to_the_visible_form(department, tmp_path, capsys):
    """A unit keeps last month's form on a hidden sheet, first in the workbook: the form it shows counts."""
    from xlmon.check import check_file

    source = next(iter(sorted(department.glob("*.xlsx"))))
    form = next(f for f in check_file(source).forms if f.kind == "project")
    cell = next(r.cells["spent"] for r in form.funding if r.row != "资金总额" and r.typed.get("spent"))
    wb = load_workbook(source)
    shown = wb[form.sheet]
    old = wb.copy_worksheet(shown)
    old.title = "旧表"
    old[cell] = shown[cell].value / 2  # last month's 支出数
    old.sheet_state = "hidden"
    wb.move_sheet(old, offset=-(len(wb.sheetnames) - 1))
    folder = tmp_path / "unit"
    folder.mkdir()
    wb.save(folder / source.name)
    shutil.copy2(source, tmp_path / "visible_only.xlsx")
    _, visible = run(capsys, tmp_path / "visible_only.xlsx", "-o", tmp_path / "a.xlsx")
    code, data = run(capsys, folder, "-o", tmp_path / "b.xlsx")
    assert code == 0 and data["totals"] == visible["totals"] and data["projects"] == visible["projects"]
    [line] = data["duplicates"]
    assert f"采用 {source.name}!{shown.title}，另一份在隐藏工作表中；两份金额不同" in line
    hidden = [d for d in check_file(folder / source.name).diagnostics if d.code == "S002"]
    assert [(d.sheet, d.severity) for d in hidden] == [("旧表", "info")]


def test_a_copy_of_a_file_keeping_two_old_months_hidden_says_no_more_than_the_file(tmp_path, capsys):
    """A unit's file keeps April's and May's form of a project on hidden sheets, and a copy of it (一中 - 副本.xlsx)
    arrives too. Alone, the file's project is one line: April's first used, then the visible form. With the copy,
    its pairs said again of the file were lines apart, one saying 采用 一中.xlsx!'4月表1', a form that does not
    count, and May's sheet had two K002s. The copy adds its one line and K002 of the file, nothing else."""
    own = write_form(tmp_path / "一中.xlsx", unit="一中", project="项目1")
    add_form_sheet(own, "表2", unit="一中", project="项目2")
    for month in ("5月表1", "4月表1"):
        add_form_sheet(own, month, unit="一中", project="项目1", first=True)
    book = load_workbook(own)
    for month in ("4月表1", "5月表1"):
        book[month].sheet_state = "hidden"
    book.save(own)
    _, alone = run(capsys, own, "-o", tmp_path / "alone.xlsx")
    assert len(alone["duplicates"]) == 1
    copy = tmp_path / "一中 - 副本.xlsx"
    shutil.copy2(own, copy)
    for files in ((own, copy), (copy, own)):
        code, data = run(capsys, *files, "-o", tmp_path / "s.xlsx")
        assert code == 0 and data["totals"] == alone["totals"]
        assert data["duplicates"] == [f"{copy.name} 与 {own.name} 内容完全相同，其中的 2 张表只计一次，采用 {own.name}",
                                      *alone["duplicates"]], files
        k002 = [(Path(d["file"]).name, d["sheet"]) for d in data["diagnostics"] if d["code"] == "K002"]
        assert sorted(k002, key=str) == sorted([(copy.name, None), *((own.name, d["sheet"]) for d in alone["diagnostics"]
                                                                     if d["code"] == "K002")], key=str)


def test_copies_across_folders_are_named_by_folder_and_the_original_is_used(tmp_path, capsys):
    """Two offices each forward 某市第一中学.xlsx, and one folder also holds “某单位 - 副本.xlsx”: every message
    tells the files apart, an exact copy is said to be one, and the file the copy was named after is used."""
    for office in ("一科", "二科"):
        (tmp_path / office).mkdir()
    forwarded = write_form(tmp_path / "一科" / "某市第一中学.xlsx", unit="某市第一中学", project="校舍维修")
    shutil.copy(forwarded, tmp_path / "二科" / "某市第一中学.xlsx")  # the same bytes (written twice, their saved
    # times could differ by a second)
    original = write_form(tmp_path / "二科" / "某单位.xlsx", unit="某单位", project="设备购置")
    shutil.copy(original, tmp_path / "二科" / "某单位 - 副本.xlsx")  # sorts first, and is newer
    code, data = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["projects"] == 2
    first, second = (str(Path(office, "某市第一中学.xlsx")) for office in ("一科", "二科"))
    said = "\n".join(data["duplicates"])
    assert f"{first}!表1 与 {second}!表1 重复，采用 {first}!表1，两个文件内容完全相同" in said
    assert "采用 某单位.xlsx!表1，两个文件内容完全相同" in said and len(data["duplicates"]) == 2
    status = {str(Path(f["path"]).relative_to(tmp_path)): (f["status"], f["reason"]) for f in data["files"]}
    left = ("rejected", "其中的项目都已从其他文件计入（重复报送，只计一次）")
    assert status[second] == status[str(Path("二科", "某单位 - 副本.xlsx"))] == left
    assert status[first][0] == status[str(Path("二科", "某单位.xlsx"))][0] == "included"
    k002 = [d["message"] for d in data["diagnostics"] if d["code"] == "K002"]
    assert any(first in m and second in m for m in k002)
    from xlmon.adapters.files import read_workbook

    listed = {row[0] for row in read_workbook(tmp_path / "汇总.xlsx").sheets["校验问题"][1:]}
    assert second in listed and "某市第一中学.xlsx" not in listed  # 校验问题 tells them apart too
    code, again = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")  # and reads its own sheet back as unedited
    assert code == 0 and again["duplicates"] == data["duplicates"]
    from docx import Document

    assert main(["report", str(tmp_path), "-o", str(tmp_path / "报告.docx")]) == 0
    said = next(p.text for p in Document(str(tmp_path / "报告.docx")).paragraphs if p.text.startswith("未纳入"))
    assert f"{second}：其中的项目都已从其他文件计入" in said  # the report names them so too


def test_units_sending_files_of_one_name_are_told_apart(tmp_path, capsys):
    """Every unit sends 监控表.xlsx, each in its own folder: 指标偏差's 位置 and 项目明细's 来源文件 name the folder,
    and the summary reads back as unedited, here and one level up."""
    for unit in ("单位甲", "单位乙"):
        (tmp_path / "units" / unit).mkdir(parents=True)
        write_form(tmp_path / "units" / unit / "监控表.xlsx", unit=unit, project=f"{unit}的项目")
    out = tmp_path / "部门" / "汇总.xlsx"
    code, data = run(capsys, tmp_path / "units", "-o", out)
    assert code == 0 and data["projects"] == 2
    from xlmon.adapters.files import read_workbook

    sheet = read_workbook(out).sheets["指标偏差"]
    place = sheet[0].index("位置")
    places = {row[place].split("!")[0] for row in sheet[1:] if row[place]}
    assert places == {str(Path(unit, "监控表.xlsx")) for unit in ("单位甲", "单位乙")}
    details = read_workbook(out).sheets["项目明细"]
    source = details[0].index("来源文件")
    assert {row[source] for row in details[1:]} == places  # the links' texts too
    assert run(capsys, tmp_path / "units", "-o", out)[0] == 0  # its own sheets read back as unedited
    code, up = run(capsys, out, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and up["projects"] == 2 and not [d for d in up["diagnostics"] if d["code"] == "K012"]
    # a bureau's departments whose units' files share a name: told apart by the summary each came through,
    # never by the folders of the machine (or web page) each department consolidated on
    west = tmp_path / "西" / "单位丙"
    west.mkdir(parents=True)
    write_form(west / "监控表.xlsx", unit="单位丙", project="单位丙的项目")
    assert run(capsys, west.parent, "-o", tmp_path / "西汇总.xlsx")[0] == 0
    code, bureau = run(capsys, out, tmp_path / "西汇总.xlsx", "-o", tmp_path / "局" / "汇总.xlsx")
    assert code == 0 and bureau["projects"] == 3
    sheet = read_workbook(tmp_path / "局" / "汇总.xlsx").sheets["指标偏差"]
    places = {row[place].split("!")[0] for row in sheet[1:] if row[place]}
    assert places == {"监控表.xlsx（汇总.xlsx）", "监控表.xlsx（西汇总.xlsx）"}


def test_resent_file_with_other_amounts_and_summary_copies_are_named(tmp_path, capsys):
    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "a.xlsx", unit="单位甲", project="项目甲")
    run(capsys, units, "-o", tmp_path / "部门汇总.xlsx")
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    changed = next(k for k, v in funding.items() if v[5] is not None and k != "资金总额")
    funding[changed][5] += 10
    resent = tmp_path / "resent"
    resent.mkdir()
    write_form(resent / "a（修改后）.xlsx", unit="单位甲", project="项目甲", funding=funding)
    code, data = run(capsys, tmp_path / "部门汇总.xlsx", resent, "-o", tmp_path / "s.xlsx")
    [dup] = data["duplicates"]
    assert "部门汇总.xlsx 所汇总的 a.xlsx!" in dup and "a（修改后）.xlsx!" in dup and "两份金额不同" in dup


def test_of_two_copies_the_later_file_counts(tmp_path, capsys):
    """A unit re-sends a corrected file: whichever order the files come in, the one modified later counts
    and the message says why; with the same modification time the first copy counts."""
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["资金总额"][5] = funding["中央财政资金"][5] = funding["中央财政资金"][5] + 10
    old = write_form(tmp_path / "b单位甲.xlsx", unit="单位甲", project="项目甲")
    new = write_form(tmp_path / "a单位甲（修改后）.xlsx", unit="单位甲", project="项目甲", funding=funding)
    _, corrected = run(capsys, new, "-o", tmp_path / "only-new.xlsx")
    for first, second in ((old, new), (new, old)):
        os.utime(old, (1_780_000_000, 1_780_000_000))
        os.utime(new, (1_780_000_600, 1_780_000_600))
        code, data = run(capsys, first, second, "-o", tmp_path / "s.xlsx")
        assert code == 0 and data["totals"]["spent"] == corrected["totals"]["spent"]
        [dup] = data["duplicates"]
        assert f"采用 {new.name}!表1，因其文件修改时间较晚；两份金额不同" in dup
        status = {Path(f["path"]).name: f["status"] for f in data["files"]}
        assert status == {new.name: "included", old.name: "rejected"}
        [k002] = [d for d in data["diagnostics"] if d["code"] == "K002"]
        assert k002["file"] == str(old) and "采用 a单位甲（修改后）.xlsx!表1，因其文件修改时间较晚。" in k002["message"]
    os.utime(new, (1_780_000_000, 1_780_000_000))
    _, data = run(capsys, old, new, "-o", tmp_path / "s.xlsx")
    assert data["totals"]["spent"] != corrected["totals"]["spent"] and "修改时间" not in data["duplicates"][0]


def test_a_form_sent_three_times_is_one_line_ending_in_the_copy_counted(tmp_path, capsys):
    """A unit's file, a copy of it (一中 - 副本.xlsx) and its correction sent later: the copy gave way to the file,
    the file then to the correction. Two lines, far apart in a department's list, said 采用 一中.xlsx!表1 and
    then 采用 the correction, and the copy's K002 named 一中.xlsx as used, a file itself left out. One line says
    both pairs in the order met, the copy replaced said 先采用; the copy's K002 says it was replaced."""
    old = write_form(tmp_path / "一中.xlsx", unit="某市第一中学", project="校舍维修")
    copy = tmp_path / "一中 - 副本.xlsx"
    shutil.copy2(old, copy)
    new = write_form(tmp_path / "一中（更正）.xlsx", unit="某市第一中学", project="校舍维修", funding=more_spent())
    write_form(tmp_path / "二中.xlsx", unit="某市第二中学", project="设备购置")
    for path, when in ((old, 1_780_000_000), (copy, 1_780_000_000), (new, 1_780_000_600)):
        os.utime(path, (when, when))
    _, corrected = run(capsys, new, tmp_path / "二中.xlsx", "-o", tmp_path / "alone.xlsx")
    for files in ((copy, old, tmp_path / "二中.xlsx", new), (new, tmp_path / "二中.xlsx", old, copy)):
        code, data = run(capsys, *files, "-o", tmp_path / "s.xlsx")
        assert code == 0 and data["totals"] == corrected["totals"]
        [line] = data["duplicates"]
        assert line.startswith("某市第一中学·校舍维修：") and line.count(" 重复，") == 2, line
        counted = f"采用 {new.name}!表1，"
        assert line.index(counted) > line.index(" 重复，") and "先采用" not in line.split(counted, 1)[1], line
        for used in re.findall(r"(?<!先)采用 (\S+?)，", line):
            assert used == f"{new.name}!表1", line  # no copy left out is said to be used
        k002 = {Path(d["file"]).name: d["message"] for d in data["diagnostics"] if d["code"] == "K002"}
        assert set(k002) == {old.name, copy.name}
        for message in k002.values():
            assert f"采用 {new.name}!表1" in message or f"后又被 {new.name}!表1 取代" in message, message


def saved_at(path: Path, when: str | None) -> Path:
    """The workbook with the time it says it was last saved (docProps/core.xml's dcterms:modified) set to `when`,
    as Excel writes it (2026-07-15T03:12:00Z), or taken out for None."""
    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "docProps/core.xml":
                text = re.sub(r"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", "", data.decode())
                if when:
                    text = text.replace("</cp:coreProperties>", f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}'
                                                                 "</dcterms:modified></cp:coreProperties>")
                data = text.encode()
            archive.writestr(info, data)
    return path


def test_of_two_copies_the_one_its_workbook_says_was_saved_later_counts(tmp_path, capsys):
    """A department downloads a unit's two e-mails newest first: the corrected file (saved 7月15日) lands before the
    first one (saved 7月10日), so the first has the later file time and counted, its corrected amounts lost. Excel
    and WPS record in the workbook when it was last saved, which a download or a copy does not change: that decides
    where both files record it and the times differ; the message gives both, as Explorer shows other times."""
    old = saved_at(write_form(tmp_path / "单位甲.xlsx", unit="单位甲", project="项目甲"), "2026-07-10T01:00:00Z")
    new = saved_at(write_form(tmp_path / "单位甲（更正）.xlsx", unit="单位甲", project="项目甲", funding=more_spent()),
                   "2026-07-15T02:30:00Z")
    _, corrected = run(capsys, new, "-o", tmp_path / "only-new.xlsx")
    os.utime(new, (1_780_000_000, 1_780_000_000))
    os.utime(old, (1_780_000_600, 1_780_000_600))  # downloaded after the correction
    for files in ((old, new), (new, old)):
        code, data = run(capsys, *files, "-o", tmp_path / "s.xlsx")
        assert code == 0 and data["totals"] == corrected["totals"]
        [dup] = data["duplicates"]
        assert f"采用 {new.name}!表1，因其工作簿最后保存于 " in dup and "，晚于另一份的 " in dup and "修改时间" not in dup
        assert {Path(f["path"]).name: f["status"] for f in data["files"]} == {new.name: "included", old.name: "rejected"}
    # a computer whose clock had lost its date saved the correction "in 2009": not believed, the file times decide
    saved_at(new, "2009-01-01T00:00:00Z")
    os.utime(new, (1_780_000_000, 1_780_000_000))
    os.utime(old, (1_780_000_600, 1_780_000_600))
    _, data = run(capsys, new, old, "-o", tmp_path / "s.xlsx")
    assert data["totals"] != corrected["totals"] and "，因其文件修改时间较晚" in data["duplicates"][0]
    # one workbook recording no save time: the file times decide
    saved_at(new, None)
    os.utime(new, (1_780_000_000, 1_780_000_000))
    os.utime(old, (1_780_000_600, 1_780_000_600))
    _, data = run(capsys, new, old, "-o", tmp_path / "s.xlsx")
    assert data["totals"] != corrected["totals"] and "，因其文件修改时间较晚" in data["duplicates"][0]


@pytest.mark.parametrize("text, expected", [
    ("2026-07-15T03:12:00Z", "2026-07-15T03:12:00+00:00"),  # Excel, WPS, openpyxl
    ("2026-07-15T11:12:00+08:00", "2026-07-15T03:12:00+00:00"),
    ("2026-07-15T03:12:00.123456789", "2026-07-15T03:12:00.123456+00:00"),  # LibreOffice's fraction, no zone: UTC
    ("2026年7月15日", None), (None, None)])
def test_the_time_a_workbook_says_it_was_saved(tmp_path, text, expected):
    from xlmon.adapters.files import read_workbook

    path = saved_at(write_form(tmp_path / "a.xlsx", unit="单位甲", project="项目甲"), text)
    saved = read_workbook(path).saved
    assert saved == (datetime.datetime.fromisoformat(expected).timestamp() if expected else None)


def test_a_summary_keeps_when_its_units_workbooks_were_saved(tmp_path, capsys):
    """A department's summary holds 单位甲's correction (saved 7月15日); 单位甲 also sent its first file (saved
    7月10日) straight to the bureau, whose copy of it arrived last. The summary keeps each form's save time, so the
    bureau counts the correction."""
    (tmp_path / "部门").mkdir()
    new = saved_at(write_form(tmp_path / "部门" / "单位甲.xlsx", unit="单位甲", project="项目甲", funding=more_spent()),
                   "2026-07-15T02:30:00Z")
    write_form(tmp_path / "部门" / "单位乙.xlsx", unit="单位乙", project="项目乙")
    assert run(capsys, tmp_path / "部门", "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    old = saved_at(write_form(tmp_path / "单位甲（直报）.xlsx", unit="单位甲", project="项目甲"), "2026-07-10T01:00:00Z")
    os.utime(new, (1_780_000_000, 1_780_000_000))
    os.utime(old, (1_780_000_600, 1_780_000_600))
    _, direct = run(capsys, tmp_path / "部门", "-o", tmp_path / "direct.xlsx")
    code, data = run(capsys, tmp_path / "部门汇总.xlsx", old, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and data["totals"] == direct["totals"] and data["projects"] == 2
    [dup] = data["duplicates"]
    assert "，因其工作簿最后保存于 " in dup and dup.index("采用 部门汇总.xlsx") > 0, dup


def test_a_copy_of_the_old_file_saved_after_the_correction_does_not_undo_it(tmp_path, capsys):
    """The department saves a unit's old file again after its correction came (from the old mail): the copy is
    the old file, as old as its first copy. Its own later date made it beat the correction, or not, by the order
    the three files were met in: the old amounts in one summary, the corrected in another."""
    old = write_form(tmp_path / "一中.xlsx", unit="一中", project="校舍维修")
    new = write_form(tmp_path / "一中（更正）.xlsx", unit="一中", project="校舍维修", funding=more_spent())
    again = tmp_path / "重复提交一中.xlsx"
    shutil.copy(old, again)
    for path, when in ((old, 1_780_000_000), (new, 1_780_000_600), (again, 1_780_001_200)):
        os.utime(path, (when, when))
    _, expected = run(capsys, new, "-o", tmp_path / "out" / "new.xlsx")
    for order in ((old, again, new), (new, old, again), (again, new, old)):
        code, data = run(capsys, *order, "-o", tmp_path / "out" / "s.xlsx")
        assert code == 0 and data["projects"] == 1 and data["totals"] == expected["totals"], order
        assert {Path(f["path"]).name: f["status"] for f in data["files"]} == {
            old.name: "rejected", new.name: "included", again.name: "rejected"}


def add_form_sheet(path: Path, sheet: str, *, unit: str, project: str, period: str = "（2026年1-6月）",
                   first: bool = False) -> None:
    """A form on a sheet of its own added to a unit's file: another unit's, kept for reference, or its own of an
    earlier month (first: before the others, as a yearly workbook keeps 5月 before 6月)."""
    book = load_workbook(path)
    added = book.create_sheet(sheet, 0 if first else None)
    for row in project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit=unit, project=project,
                            period=period):
        added.append(row)
    book.save(path)


@pytest.mark.parametrize("named", ["单位乙", ""])
def test_a_copy_of_another_units_form_kept_in_a_units_file_does_not_replace_that_units_own(tmp_path, capsys, named):
    """单位乙 kept a copy of 单位甲's form (an older one, for reference) on a sheet of its own file, saved after
    单位甲 sent its file: the copy counted, being in the file modified later, and 单位甲's own file was rejected as
    a duplicate: its corrected amounts silently replaced by the old ones. A form in a file that holds other units'
    forms gives way to the same project in its unit's own file, whatever the times. So too where 单位乙 leaves
    预算单位 blank on its own form: of the forms naming a unit its file held 单位甲's alone, so it was taken for
    单位甲's file; its forms naming no unit are its own unit's."""
    own = write_form(tmp_path / "单位甲.xlsx", unit="单位甲", project="项目甲", funding=more_spent())
    other = write_form(tmp_path / "单位乙.xlsx", unit=named, project="项目乙")
    _, expected = run(capsys, own, other, "-o", tmp_path / "expected.xlsx")
    add_form_sheet(other, "单位甲的表（参考）", unit="单位甲", project="项目甲")
    os.utime(own, (1_780_000_000, 1_780_000_000))
    os.utime(other, (1_780_000_600, 1_780_000_600))
    for files in ((own, other), (other, own)):
        code, data = run(capsys, *files, "-o", tmp_path / "s.xlsx")
        assert code == 0 and data["totals"] == expected["totals"] and data["projects"] == 2
        assert {Path(f["path"]).name: f["status"] for f in data["files"]} == {own.name: "included",
                                                                             other.name: "included"}
        [dup] = data["duplicates"]
        assert f"采用 {own.name}!表1，因其是单位自己的文件，另一份在其他单位的文件中；两份金额不同" in dup
        [k002] = [d for d in data["diagnostics"] if d["code"] == "K002"]
        assert k002["file"] == str(other) and k002["sheet"] == "单位甲的表（参考）"


def test_a_units_correction_keeping_a_copy_of_another_units_form_still_replaces_its_older_file(tmp_path, capsys):
    """单位甲 sent its corrected file, keeping a copy of 单位乙's form on a sheet for reference, after its first file:
    since c772c65 its own form in it was a form in a file of other units' forms, and gave way to the older file,
    the correction silently dropped. A file is its unit's (the one its name names, else the one with most forms
    in it): its own form there counts by the times; only the copy of 单位乙's gives way to 单位乙's file."""
    first = write_form(tmp_path / "单位甲.xlsx", unit="单位甲", project="项目甲")
    other = write_form(tmp_path / "单位乙.xlsx", unit="单位乙", project="项目乙")
    corrected = write_form(tmp_path / "单位甲（更正）.xlsx", unit="单位甲", project="项目甲", funding=more_spent())
    _, expected = run(capsys, corrected, other, "-o", tmp_path / "out" / "expected.xlsx")
    add_form_sheet(corrected, "单位乙的表（参考）", unit="单位乙", project="项目乙")
    for path, when in ((first, 1_780_000_000), (other, 1_780_000_300), (corrected, 1_780_000_600)):
        os.utime(path, (when, when))
    code, data = run(capsys, first, other, corrected, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["totals"] == expected["totals"] and data["projects"] == 2
    assert {Path(f["path"]).name: f["status"] for f in data["files"]} == {
        first.name: "rejected", other.name: "included", corrected.name: "included"}


def test_a_correction_newer_than_the_file_behind_a_summary_counts_one_level_up(tmp_path, capsys):
    """A unit's file of July 5 went into its department's summary, re-made on July 15 from it still; the unit
    sent the bureau a correction on July 12: the correction counts, as it does beside the July 5 file, since a
    summary's copy is dated by its unit's file; one level further up too."""
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["资金总额"][5] = funding["中央财政资金"][5] = funding["中央财政资金"][5] + 10
    (tmp_path / "dept").mkdir()
    (tmp_path / "corrected").mkdir()
    old = write_form(tmp_path / "dept" / "一中.xlsx", unit="一中", project="校舍维修")
    new = write_form(tmp_path / "corrected" / "一中.xlsx", unit="一中", project="校舍维修", funding=funding)
    os.utime(old, (1_780_000_000, 1_780_000_000))
    os.utime(new, (1_780_600_000, 1_780_600_000))
    summary = tmp_path / "部门汇总.xlsx"
    assert run(capsys, tmp_path / "dept", "-o", summary)[0] == 0
    os.utime(summary, (1_781_000_000, 1_781_000_000))
    _, direct = run(capsys, old, new, "-o", tmp_path / "direct.xlsx")
    code, bureau = run(capsys, summary, new, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["totals"] == direct["totals"] and bureau["totals"]["spent"] != run(
        capsys, old, "-o", tmp_path / "old.xlsx")[1]["totals"]["spent"]
    [dup] = bureau["duplicates"]
    assert dup == ("一中·校舍维修：部门汇总.xlsx 所汇总的 一中.xlsx!表1 与 一中.xlsx!表1 重复，"
                   "采用 一中.xlsx!表1，因其文件修改时间较晚；两份金额不同，请核实")
    os.utime(tmp_path / "局汇总.xlsx", (1_782_000_000, 1_782_000_000))
    code, province = run(capsys, tmp_path / "局汇总.xlsx", old, "-o", tmp_path / "省汇总.xlsx")
    assert code == 0 and province["totals"] == direct["totals"]


def test_a_project_resent_without_its_code_is_the_same_project(tmp_path, capsys):
    """A unit names its project with its code (校舍维修改造项目（110101260000000000123）) and re-sends it corrected
    as 校舍维修改造项目: one project, the later copy; in either order. Two codes are two projects, whatever
    their names, and a third copy giving the code again still finds the project."""
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["资金总额"][5] = funding["中央财政资金"][5] = funding["中央财政资金"][5] + 10
    coded = write_form(tmp_path / "b一中.xlsx", unit="一中", project="校舍维修改造项目（110101260000000000123）")
    bare = write_form(tmp_path / "a一中（更正）.xlsx", unit="一中", project="校舍维修改造项目", funding=funding)
    again = write_form(tmp_path / "c一中.xlsx", unit="一中", project="校舍维修改造项目(110101260000000000123)")
    other = write_form(tmp_path / "d一中.xlsx", unit="一中", project="校舍维修改造项目（110101260000000000999）")
    _, corrected = run(capsys, bare, "-o", tmp_path / "only.xlsx")
    os.utime(coded, (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_000, 1_780_000_000))
    os.utime(bare, (1_780_000_600, 1_780_000_600))
    for order in ((coded, bare), (bare, coded), (coded, bare, again)):
        code, data = run(capsys, *order, "-o", tmp_path / "s.xlsx")
        assert code == 0 and data["projects"] == 1 and data["totals"]["spent"] == corrected["totals"]["spent"]
        [line] = data["duplicates"]  # one project, its pairs in one line
        assert line.count(" 重复，") == line.count("，采用 a一中（更正）.xlsx") == len(order) - 1, line
    code, data = run(capsys, coded, other, bare, "-o", tmp_path / "s.xlsx")
    assert data["projects"] == 2 and len(data["duplicates"]) == 1  # the bare name is the first code's


def test_a_coded_project_resent_with_its_units_code_is_the_same_project(tmp_path, capsys):
    """一中 names its project with its code, and re-sends it corrected writing itself 一中（101001001）: the project's
    code is the same, the unit is the same, yet the two forms were taken for two projects of two codes and the
    project counted twice, whichever file came first."""
    name = "校舍维修改造项目（110101260000000000123）"
    old = write_form(tmp_path / "一中.xlsx", unit="一中", project=name)
    new = write_form(tmp_path / "一中（更正）.xlsx", unit="一中（101001001）", project=name, funding=more_spent())
    os.utime(old, (1_780_000_000, 1_780_000_000))
    os.utime(new, (1_780_000_600, 1_780_000_600))
    _, expected = run(capsys, new, "-o", tmp_path / "out" / "new.xlsx")
    for order in ((old, new), (new, old)):
        code, data = run(capsys, *order, "-o", tmp_path / "out" / "s.xlsx")
        assert code == 0 and data["projects"] == data["units"] == 1 and data["totals"] == expected["totals"], order
        [dup] = data["duplicates"]
        assert "采用 一中（更正）.xlsx!表1，因其文件修改时间较晚；两份金额不同" in dup


def test_a_unit_resent_with_its_code_is_the_same_unit(tmp_path, capsys):
    """A unit sends its file as 某市第一中学 and again as 某市第一中学（101001001）, as its 部门整体 form writes it: one
    unit and one project, the later copy used and named, as the roster check already takes them."""
    first = write_form(tmp_path / "一中.xlsx", unit="某市第一中学", project="校舍维修改造项目")
    again = write_form(tmp_path / "一中（更正）.xlsx", unit="某市第一中学（101001001）", project="校舍维修改造项目")
    os.utime(first, (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_600, 1_780_000_600))
    roster = tmp_path / "单位名单.csv"
    roster.write_text("单位名称\n某市第一中学\n", encoding="utf-8")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx", "--roster", roster)
    _, alone = run(capsys, again, "-o", tmp_path / "out" / "alone.xlsx")
    assert code == 0 and data["projects"] == data["units"] == 1 and data["totals"] == alone["totals"]
    [dup] = data["duplicates"]
    assert "采用 一中（更正）.xlsx!表1，因其文件修改时间较晚" in dup
    [k002] = [d for d in data["diagnostics"] if d["code"] == "K002"]
    assert k002["file"] == str(first) and "采用 一中（更正）.xlsx!表1" in k002["message"]
    assert [d["units"] for d in data["departments"]] == [["某市第一中学（101001001）"]]
    units = [r[0].value for r in load_workbook(tmp_path / "out" / "汇总.xlsx")["汇总表"].iter_rows(max_col=1)]
    assert len(units) - units.index("单位") - 1 == 1
    # two codes are two units, of two departments perhaps: 机关服务中心（101003） and （102003） each keep their project
    bureau = tmp_path / "bureau"
    bureau.mkdir()
    for code, department in (("101003", "某市教育局"), ("102003", "某市卫生健康委员会")):
        write_form(bureau / f"{code}.xlsx", unit=f"机关服务中心（{code}）", project="物业管理经费", department=department)
    code, data = run(capsys, bureau, "-o", tmp_path / "out" / "局汇总.xlsx")
    assert code == 0 and data["projects"] == 2 and not data["duplicates"]
    hyphen = write_form(tmp_path / "一中（再更正）.xlsx", unit="某市第一中学（101001-001）", project="校舍维修改造项目")
    code, data = run(capsys, first, again, hyphen, "-o", tmp_path / "out" / "汇总.xlsx")
    assert data["projects"] == 1  # one code, written with a hyphen

def test_source_link_to_a_file_with_a_hash_in_its_name(tmp_path, capsys):
    import zipfile

    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "单位#1 汇总前.xlsx", unit="单位甲", project="项目甲")
    run(capsys, units, "-o", tmp_path / "s.xlsx")
    with zipfile.ZipFile(tmp_path / "s.xlsx") as z:
        rels = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/_rels/"))
    assert 'Target="units\\单位%231%20汇总前.xlsx"' in rels  # the whole name, not "单位" and an anchor "1 汇总前.xlsx"
    link = load_workbook(tmp_path / "s.xlsx")["项目明细"].cell(2, 23).hyperlink
    assert link.location == "'表1'!A1"  # the form's sheet, not "1 汇总前.xlsx"


def test_links_open_the_units_file_at_the_form_and_at_the_indicator(tmp_path, capsys):
    """项目明细's 来源文件 opened the unit's file wherever Excel last left it, among its several forms, and 指标偏差's 位置
    (file!sheet!cell) was text to find by hand. Each now opens the file at the form's sheet (a stacked form's first
    row) and at the indicator's cell; a sheet's name is quoted as Excel quotes it. One level up, a project read from
    a department's summary links to that summary, and its indicators' 位置 name a file the bureau has not: text."""
    (tmp_path / "部门").mkdir()
    stacked = tmp_path / "部门" / "一中.xlsx"
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="一中", project="项目甲")
    second = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="一中", project="项目乙")
    write_grid(stacked, [*grid, [], [], *second], "一中's 表")
    assert run(capsys, tmp_path / "部门", "-o", tmp_path / "部门" / "汇总.xlsx")[0] == 0
    book = load_workbook(tmp_path / "部门" / "汇总.xlsx")
    detail = {row[2].value: row[22].hyperlink for row in book["项目明细"].iter_rows(min_row=2)}
    assert {p: (link.target, link.location) for p, link in detail.items()} == {
        "项目甲": ("一中.xlsx", "'一中''s 表'!A1"), "项目乙": ("一中.xlsx", f"'一中''s 表'!A{len(grid) + 3}")}
    deviations = [row for row in book["指标偏差"].iter_rows(min_row=2) if row[0].value]
    assert deviations
    for row in deviations:
        place = row[12]
        file, cell = place.value.split("!", 1)[0], place.value.rsplit("!", 1)[1]
        assert (place.hyperlink.target, place.hyperlink.location) == (file, f"'一中''s 表'!{cell}")
        assert place.value == f"{file}!{place.hyperlink.location}"  # the sheet quoted as Excel and the link quote it
        assert stacked.name == file and f"单元格 {cell}" in place.hyperlink.tooltip
    assert [(r[0].value, r[0].hyperlink.target, r[0].hyperlink.location) for r in book["文件清单"].iter_rows(min_row=2)
            ] == [("一中.xlsx", "一中.xlsx", None)]  # 文件 opens the file
    code, _ = run(capsys, tmp_path / "部门" / "汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    book = load_workbook(tmp_path / "局汇总.xlsx")
    assert {(row[22].hyperlink.target, row[22].hyperlink.location) for row in book["项目明细"].iter_rows(min_row=2)} == {
        ("部门\\汇总.xlsx", None)}
    places = [row[12] for row in book["指标偏差"].iter_rows(min_row=2) if row[0].value]
    assert places and all(p.hyperlink is None and p.value.startswith("一中.xlsx!") for p in places)


def test_problems_open_the_units_file_at_the_findings_cell(tmp_path, capsys):
    """校验问题 named file, sheet and cell as text, to find by hand in each unit's file. 文件 now opens the file at the
    finding's cell (at the file where the finding names no sheet, as a file left out), as 指标偏差's 位置 does. One
    level up, findings carried from a department's summary name files the bureau has not: text."""
    (tmp_path / "部门").mkdir()
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["中央财政资金"][2] = 90  # 小计 typed wrong: C001
    write_grid(tmp_path / "部门" / "一中.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS, unit="一中",
                                                            project="项目甲", top=1, left=1), "一中's 表")
    (tmp_path / "部门" / "说明.xlsx").write_text("不是工作簿", encoding="utf-8")
    assert run(capsys, tmp_path / "部门", "-o", tmp_path / "部门" / "汇总.xlsx")[0] == 0
    rows = list(load_workbook(tmp_path / "部门" / "汇总.xlsx")["校验问题"].iter_rows(min_row=2))
    [c001] = [r for r in rows if r[3].value == "C001"]
    link = c001[0].hyperlink
    assert (c001[0].value, link.target, link.location) == ("一中.xlsx", "一中.xlsx", f"'一中''s 表'!{c001[2].value}")
    assert f"单元格 {c001[2].value}" in link.tooltip
    [refused] = [r for r in rows if r[0].value == "说明.xlsx"]
    assert (refused[0].hyperlink.target, refused[0].hyperlink.location) == ("说明.xlsx", None)
    assert all(r[0].hyperlink for r in rows)

    run(capsys, tmp_path / "部门" / "汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    rows = list(load_workbook(tmp_path / "局汇总.xlsx")["校验问题"].iter_rows(min_row=2))
    carried = [r for r in rows if r[3].value == "C001"]
    assert carried and all(r[0].hyperlink is None for r in carried)


def test_hand_edits_to_a_summary_are_reported_one_level_up(department, tmp_path, capsys):
    """A bureau counts a department's records, not its visible 项目明细: an amount changed there, a row
    deleted or one added by hand is reported with its cell (K005), and the totals stay the records'."""
    _, direct = run(capsys, department, "-o", tmp_path / "部门汇总.xlsx")
    _, untouched = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总0.xlsx")
    assert not [d for d in untouched["diagnostics"] if d["code"] == "K005"]
    wb = load_workbook(tmp_path / "部门汇总.xlsx")
    ws = wb["项目明细"]
    header = [c.value for c in ws[1]]
    current, spent = header.index("本年预算") + 1, header.index("支出数") + 1
    edited = ws.cell(3, current)
    edited.value, was = 999.5, edited.value
    ws.cell(5, spent).value = "待核实"
    deleted = (ws.cell(7, 2).value, ws.cell(7, 3).value)
    ws.delete_rows(7)
    ws.append([99, "新单位", "手工加的项目", None, "表1", 1, 2, 3])
    renamed = ws.cell(9, header.index("项目名称") + 1)
    renamed.value, project = "部门改过的项目名称", renamed.value
    ws.auto_filter.ref = None
    wb.save(tmp_path / "改过的汇总.xlsx")
    code, bureau = run(capsys, tmp_path / "改过的汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["totals"] == direct["totals"] and bureau["projects"] == direct["projects"]
    k005 = [d for d in bureau["diagnostics"] if d["code"] == "K005"]
    assert all(d["file"].endswith("改过的汇总.xlsx") and d["sheet"] == "项目明细" and d["severity"] == "warning"
               for d in k005)
    by_cell = {d["cell"]: d["message"] for d in k005}
    assert len(k005) == 5 and f"为 999.50 万元，记录为 {was:,.2f} 万元。" in by_cell[edited.coordinate]  # as typed
    assert f"的项目名称为“部门改过的项目名称”，记录为“{project}”" in by_cell[renamed.coordinate]  # not deleted + added
    assert "支出数为“待核实”" in by_cell[ws.cell(5, spent).coordinate]
    assert f"“{deleted[0]}·{deleted[1]}”所在的行已删除" in by_cell[None]
    assert "“新单位·手工加的项目”不是 xlmon 汇总的项目" in by_cell[f"C{ws.max_row}"]
    assert all("未计入" in m for m in by_cell.values())


def test_the_command_line_names_a_summary_edited_by_hand(tmp_path, capsys):
    """The bureau's command line listed the files left out, the duplicates and the units missing, but of a department's
    summary whose 项目明细 someone had typed over it said nothing but 问题 N 条: the edit, not counted, was only in
    校验问题 and the JSON. It names the file, how many edits and where the first is."""
    (tmp_path / "edu").mkdir()
    for unit in ("一中", "二中"):
        write_form(tmp_path / "edu" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    summary = tmp_path / "教育局汇总.xlsx"
    assert run(capsys, tmp_path / "edu", "-o", summary)[0] == 0
    book = load_workbook(summary)
    details = book["项目明细"]
    header = [c.value for c in details[1]]
    details.cell(2, header.index("支出数") + 1).value = 999
    details.cell(3, header.index("本年预算") + 1).value = 1
    book.save(summary)
    assert main(["consolidate", str(summary), "-o", str(tmp_path / "局汇总.xlsx")]) == 0
    out = capsys.readouterr().out
    spent = f"{chr(ord('A') + header.index('支出数'))}2"
    assert f"  已被修改：{summary}：2 处（项目明细!{spent} 等），修改未计入汇总（见“校验问题”）\n" in out


def test_hand_edits_to_a_summarys_deviations_are_reported_one_level_up(department, tmp_path, capsys):
    """指标偏差 is where a department head writes its own 偏差原因 or 备注, or adds a column of opinions; one level
    up the deviations come from the records, so each such edit is reported with its cell (K012): a reason or
    remark rewritten, a row deleted or added, a column added. The sheet sorted by hand is no edit."""
    run(capsys, department, "-o", tmp_path / "部门汇总.xlsx")
    _, untouched = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总0.xlsx")
    assert not [d for d in untouched["diagnostics"] if d["code"] == "K012"]
    wb = load_workbook(tmp_path / "部门汇总.xlsx")
    ws = wb["指标偏差"]
    header = [c.value for c in ws[1]]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    rows.reverse()  # sorted by hand: every row elsewhere, none changed
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            ws.cell(r, c).value = value
    reason = ws.cell(2, header.index("偏差原因分析") + 1)
    reason.value = "部门补充：已约谈项目单位"
    remark = ws.cell(3, header.index("备注") + 1)
    remark.value = "部门意见：暂缓拨款"
    opinion = ws.cell(1, len(header) + 1)
    opinion.value, ws.cell(4, len(header) + 1).value = "部门审核意见", "同意"
    deleted = (rows[3][1], rows[3][2], rows[3][5])
    ws.delete_rows(5)
    ws.append(["红灯", "新单位", "手工加的项目", "产出指标", "数量指标", "手工加的指标"])
    unit = ws.cell(6, header.index("单位") + 1)
    unit.value, unit_was = "部门改过的单位名称", unit.value
    wb.save(tmp_path / "改过的汇总.xlsx")
    code, bureau = run(capsys, tmp_path / "改过的汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["grades"] == untouched["grades"]
    k012 = [d for d in bureau["diagnostics"] if d["code"] == "K012"]
    assert all(d["file"].endswith("改过的汇总.xlsx") and d["sheet"] == "指标偏差" and d["severity"] == "warning"
               for d in k012)
    by_cell = {d["cell"]: d["message"] for d in k012}
    assert len(k012) == 6
    assert f"的单位为“部门改过的单位名称”，记录为“{unit_was}”" in by_cell[unit.coordinate]  # not deleted + added
    assert "的偏差原因分析为“部门补充：已约谈项目单位”，记录为“" in by_cell[reason.coordinate]
    assert "的备注为“部门意见：暂缓拨款”" in by_cell[remark.coordinate]
    assert f"“{'·'.join(deleted)}”所在的行已删除" in by_cell[None]
    assert "“手工加的指标”不是 xlmon 列出的指标偏差" in by_cell[f"M{ws.max_row}"]
    assert "增加了“部门审核意见”一列" in by_cell[opinion.coordinate]
    assert all("未计入" in m for m in by_cell.values())
    listed = [r[10] for r in load_workbook(tmp_path / "局汇总.xlsx")["指标偏差"].iter_rows(min_row=2, values_only=True)]
    assert "部门补充：已约谈项目单位" not in listed  # the records' reasons, as the K012 says


def test_edits_are_found_with_a_column_deleted_or_a_title_typed_above_a_table(department, tmp_path, capsys):
    """Tidying a summary before printing (a column deleted, a title row inserted above a table, a line typed
    above 重点监控建议) hid every other edit: one level up nothing was reported, and summing the folder again
    wrote over the file. Now the tables are found below such rows, what was deleted or written is itself an
    edit, the amounts and reasons rewritten are still named with their cells, and own columns still carry."""
    folder = tmp_path / "dept"
    shutil.copytree(department, folder)
    summary = folder / "部门汇总.xlsx"
    run(capsys, folder, "-o", summary)
    book = load_workbook(summary)
    details, deviations, focus = book["项目明细"], book["指标偏差"], book["重点监控建议"]
    spent = [c.value for c in details[1]].index("支出数") + 1
    details.cell(3, spent).value = 99.99
    details.delete_cols([c.value for c in details[1]].index("工作表") + 1)
    reason = [c.value for c in deviations[1]].index("偏差原因分析") + 1
    deviations.cell(2, reason).value = "部门改写的原因"
    deviations.insert_rows(1)
    deviations["A1"] = "指标偏差（部门审核稿）"
    opinion = deviations.max_column + 1
    deviations.cell(2, opinion).value, deviations.cell(3, opinion).value = "审核意见", "同意"
    focus["A2"] = "审核人：张三"
    book.save(summary)

    code = main(["consolidate", str(folder), "-o", str(summary)])
    assert code == 2 and "删除了“工作表”列" in capsys.readouterr().err
    _, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    said = {(d["code"], d["sheet"], d["cell"]): d["message"] for d in bureau["diagnostics"]
            if d["code"] in ("K005", "K012", "K014")}
    assert "删除了“工作表”列" in said[("K005", "项目明细", None)]
    moved = f"{chr(ord('A') + spent - 2)}3"  # 支出数, one column left of where it was written
    assert "的支出数为 99.99 万元，记录为" in said[("K005", "项目明细", moved)]
    assert "在表头上方填写了“指标偏差（部门审核稿）”" in said[("K012", "指标偏差", "A1")]
    assert "的偏差原因分析为“部门改写的原因”" in said[("K012", "指标偏差", f"{chr(ord('A') + reason - 1)}3")]
    assert "增加了“审核意见”一列" in " ".join(m for (code, sheet, _), m in said.items() if sheet == "指标偏差")
    assert "在表头上方填写了“审核人：张三”" in said[("K014", "重点监控建议", "A2")]
    _, again = run(capsys, folder, "-o", folder / "部门汇总（2）.xlsx")  # last time's own column goes on
    assert any(d["code"] == "K016" and "指标偏差“审核意见”" in d["message"] for d in again["diagnostics"])


@pytest.mark.parametrize("sheet, cell, value, said", [
    ("项目明细", "D2", "101001005202600012", "的项目代码为“101001005202600012”"),
    ("项目明细", "S2", "红灯", "的综合评级为“红灯”"),
    ("项目明细", "H2", 9999, "的小计为 9,999.00 万元，记录为"),
    ("汇总表", "G5", 3000, "资金总额的支出数为 3,000.00 万元，记录之和为"),
    ("项目明细", "L2", 0.99, "的支出进度为 99.00%，记录为"),  # a rate, a count or a grade made to look better
    ("项目明细", "R2", 7, "的指标红灯为 7，记录为 0"),
    ("指标偏差", "C2", "另一个项目", "的项目名称为“另一个项目”，记录为"),
    ("指标偏差", "E2", "可持续影响指标", "的二级指标为“可持续影响指标”，记录为"),
    ("汇总表", "H5", 0.9, "资金总额的1-6月支出进度为 90.00%，记录之和得出 36."),
    ("汇总表", "L5", "绿灯", "资金总额的评级为“绿灯”，记录之和得出“黄灯”"),
    ("汇总表", "A60", "审核说明：职业技术学校进度滞后，已约谈。", "在表格下方填写了“审核说明"),
    ("部门整体", "A60", "填报人：张三  联系电话：0531-1234567", "在表格下方填写了“填报人：张三"),
    ("部门整体", "D3", "某市教育局机关（101001）", "主管部门（单位）及代码改为“某市教育局机关（101001）”"),
    ("文件清单", "D3", "已电话催报更正件", "的原因为“已电话催报更正件”，记录为"),
])
def test_more_edits_by_hand_are_found_and_never_written_over(department, tmp_path, capsys, sheet, cell, value, said):
    """A code, a grade, a rate, a count or a 小计 typed into 项目明细, a total, rate or grade corrected or a note written
    below 汇总表, a project or level rewritten in 指标偏差, a 填报人 line or
    the department's name written into a 部门整体 not yet completed, a note in 文件清单's 原因: each went
    unreported one level up and was written over by the next summary of the folder. Each is an edit, named
    with its cell (and K014 names its sheet as one: 汇总表的汇总表已被修改 read as a slip of the pen)."""
    folder = tmp_path / "dept"
    shutil.copytree(department, folder)
    summary = folder / "部门汇总.xlsx"
    run(capsys, folder, "-o", summary)
    book = load_workbook(summary)
    book[sheet][cell] = value
    book.save(summary)
    before = summary.read_bytes()
    assert main(["consolidate", str(folder), "-o", str(summary)]) == 2
    assert said in capsys.readouterr().err and summary.read_bytes() == before
    _, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    edits = [d for d in bureau["diagnostics"] if d["code"] in ("K005", "K012", "K014") and d["sheet"] == sheet]
    assert len(edits) == 1 and said in edits[0]["message"]
    assert edits[0]["cell"] == (cell if sheet != "部门整体" or cell == "D3" else None)
    if edits[0]["code"] == "K014":  # not 汇总表的汇总表已被修改: the sheet named as a sheet
        assert edits[0]["message"].startswith(f"汇总表的“{sheet}”工作表已被修改："), edits[0]["message"]


def test_a_summary_whose_records_were_damaged_by_hand_is_not_written_over(tmp_path, capsys):
    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "a.xlsx", unit="单位甲", project="项目甲")
    summary = units / "部门汇总.xlsx"
    run(capsys, units, "-o", summary)
    book = load_workbook(summary)
    records = book["_xlmon_records"]
    line = next(c for row in records.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("{"))
    line.value = line.value[:-1]  # unhidden, and a character lost
    book.save(summary)
    before = summary.read_bytes()
    assert main(["consolidate", str(units), "-o", str(summary)]) == 2
    assert "汇总记录已被改动" in capsys.readouterr().err and summary.read_bytes() == before


def test_an_untouched_summary_of_blank_units_reports_no_edits(tmp_path, capsys):
    """Forms that leave 预算单位 blank stay apart (never merged); their 项目明细 rows are told apart by source."""
    units = tmp_path / "units"
    units.mkdir()
    for name, funding in (("a.xlsx", None), ("b.xlsx", more_spent())):  # two units' files, not one file's copies
        write_form(units / name, unit="", project="同名项目", funding=funding)
    _, department = run(capsys, units, "-o", tmp_path / "部门汇总.xlsx")
    _, bureau = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    assert department["projects"] == bureau["projects"] == 2
    assert not [d for d in bureau["diagnostics"] if d["code"] == "K005"]


def test_a_column_the_department_adds_to_project_details_is_kept(tmp_path, capsys):
    """项目明细 is where a department head notes 审核意见 beside each project. Summing the same folder again must
    neither write over it nor lose it: the new summary holds it beside the same projects (K016), one for a
    project since withdrawn is named; one level up it is an edit (K005), as a column added elsewhere is."""
    units = tmp_path / "units"
    units.mkdir()
    for unit, project in (("一中", "校舍维修"), ("二中", "校舍维修"), ("三中", "教师培训")):
        write_form(units / f"{unit}.xlsx", unit=unit, project=project)
    summary = tmp_path / "units" / "部门汇总.xlsx"
    run(capsys, units, "-o", summary)
    book = load_workbook(summary)
    ws = book["项目明细"]
    header = [c.value for c in ws[1]]
    at = {row[header.index("单位")]: r for r, row in enumerate(ws.iter_rows(min_row=2, values_only=True), 2)}
    opinion = len(header) + 1
    ws.cell(1, opinion).value = "审核意见"
    ws.cell(at["二中"], opinion).value = "同意，继续拨款"
    ws.cell(at["三中"], opinion).value = "=HYPERLINK(\"http://x\")"
    ws.cell(at["三中"], opinion).data_type = "s"
    ws.cell(at["一中"], opinion).value = 12.5
    book.save(summary)

    code = main(["consolidate", str(units), "-o", str(summary)])
    assert code == 2 and "项目明细!" in capsys.readouterr().err and load_workbook(summary)["项目明细"].cell(1, opinion).value
    _, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    [k005] = [d for d in bureau["diagnostics"] if d["code"] == "K005"]
    assert k005["sheet"] == "项目明细" and "增加了“审核意见”一列" in k005["message"]

    write_form(units / "一中.xlsx", unit="一中", project="校舍维修改造")  # re-sent: its project renamed
    again = units / "部门汇总（2）.xlsx"
    code, data = run(capsys, units, "-o", again)
    [k016] = [d for d in data["diagnostics"] if d["code"] == "K016"]
    assert code == 0 and "项目明细“审核意见”" in k016["message"] and "未带入：项目明细“审核意见”列的“12.5”" in k016["message"]
    ws = load_workbook(again)["项目明细"]
    header = [c.value for c in ws[1]]
    assert header[-1] == "审核意见" and header[-2] == "来源文件"
    rows = {row[header.index("单位")]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {"一中", "二中", "三中"} and rows["一中"][-1] is None
    assert rows["二中"][-1] == "同意，继续拨款" and rows["三中"][-1] == "=HYPERLINK(\"http://x\")"
    assert ws.cell(2 + list(rows).index("三中"), len(header)).data_type == "s"  # text, never a formula
    assert all(row[-2].endswith(".xlsx") for row in rows.values())  # the link is still there


@pytest.mark.parametrize("sheet, code", [("项目明细", "K005"), ("指标偏差", "K012"), ("校验问题", "K014"),
                                         ("重点监控建议", "K014")])
def test_a_remark_typed_beside_a_tables_header_is_an_edit(department, tmp_path, capsys, sheet, code):
    """A remark typed right of a table's header (审核人：张三), or a column's header typed before any value below it,
    was neither reported one level up nor kept: the next summary written to that file replaced it without a word.
    Each is an edit named with its cell, as a column with values is."""
    from xlmon.consolidate.workbook import FOCUS_TOP

    summary = tmp_path / "部门汇总.xlsx"
    run(capsys, department, "-o", summary)
    book = load_workbook(summary)
    ws = book[sheet]
    remark = ws.cell(FOCUS_TOP + 1 if sheet == "重点监控建议" else 1, ws.max_column + 2)
    remark.value = "审核人：张三"
    book.save(summary)
    before = summary.read_bytes()
    assert main(["consolidate", str(department), "-o", str(summary)]) == 2
    assert f"{sheet}!{remark.coordinate}：增加了“审核人：张三”一列" in capsys.readouterr().err
    assert summary.read_bytes() == before
    _, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    edits = [d for d in bureau["diagnostics"] if d["code"] in ("K005", "K012", "K014")]
    assert [(d["code"], d["sheet"], d["cell"]) for d in edits] == [(code, sheet, remark.coordinate)]


@pytest.mark.parametrize("sheet, code", [("项目明细", "K005"), ("指标偏差", "K012"), ("重点监控建议", "K014"),
                                         ("文件清单", "K014")])
def test_a_remark_right_of_a_table_below_its_rows_is_one_edit(department, tmp_path, capsys, sheet, code):
    """A remark typed right of a table, lower than its last row, was reported twice one level up: as written beside
    the table, and as a row added that is not xlmon's, named by a blank cell of the table. It is one edit, at its
    cell."""
    summary = tmp_path / "部门汇总.xlsx"
    run(capsys, department, "-o", summary)
    book = load_workbook(summary)
    ws = book[sheet]
    remark = ws.cell(ws.max_row + 2, ws.max_column + 2)
    remark.value = "审核人：张三"
    book.save(summary)
    _, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    edits = [d for d in bureau["diagnostics"] if d["code"] in ("K005", "K012", "K014")]
    assert [(d["code"], d["sheet"], d["cell"]) for d in edits] == [(code, sheet, remark.coordinate)], edits
    assert "在表格右侧填写了“审核人：张三”" in edits[0]["message"]


def test_a_summary_whose_records_sheet_was_deleted_is_not_read_as_forms(department, tmp_path, capsys):
    """Unhidden and deleted by hand, the records sheet leaves a summary whose 项目明细 and 指标偏差 look like two
    nameless forms holding the whole department's amounts: beside its units they doubled the totals. It is
    rejected as a summary without records (F011), naming the sheet, and nothing of it is counted."""
    folder = tmp_path / "dept"
    shutil.copytree(department, folder)
    _, direct = run(capsys, folder, "-o", tmp_path / "direct.xlsx")
    summary = folder / "部门汇总.xlsx"
    run(capsys, folder, "-o", summary)
    book = load_workbook(summary)
    del book["_xlmon_records"]
    book.save(summary)
    code, data = run(capsys, folder, "-o", tmp_path / "again.xlsx")
    assert code == 0 and data["totals"] == direct["totals"] and data["projects"] == direct["projects"]
    [listed] = [f for f in data["files"] if f["path"] == str(summary)]
    [f011] = [d for d in data["diagnostics"] if d["code"] == "F011"]
    assert listed["status"] == "rejected" and listed["reason"] == f011["message"] and "_xlmon_records" in f011["message"]
    code, alone = run(capsys, summary, "-o", tmp_path / "bureau.xlsx")
    assert code == 1 and alone["projects"] == 0 and not (tmp_path / "bureau.xlsx").exists()
    assert main(["check", str(summary)]) == 1 and "F011" in capsys.readouterr().out


def test_roster_findings_of_a_lower_level_are_not_carried_up(tmp_path, capsys):
    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "a.xlsx", unit="单位甲", project="项目甲")
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n单位甲\n单位丙\n", encoding="utf-8")
    code, department = run(capsys, units, "--roster", roster, "-o", tmp_path / "部门汇总.xlsx")
    assert department["missing_units"] == ["单位丙"]
    code, bureau = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    assert bureau["missing_units"] == [] and not [d for d in bureau["diagnostics"] if d["code"] == "K003"]
    assert len(bureau["diagnostics"]) == len(department["diagnostics"]) - 1


def test_a_sheet_name_is_quoted_in_the_places_a_summary_writes_as_elsewhere(tmp_path, capsys):
    """Every finding names a sheet as Excel writes it before a cell ('项目 表'!F7, diagnostics.sheet_ref), but 指标偏差's
    位置 wrote 某校.xlsx!项目 表!G20 and K002 某校.xlsx!项目 表, which read as other sheets and paste into no Excel
    reference. They quote a sheet's name where Excel does; a plain one (表1) stays as it is."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="某市第一中学", project="校舍维修")
    first = write_grid(tmp_path / "一中.xlsx", grid, "项目 表")
    copy = write_grid(tmp_path / "一中（副本）.xlsx", grid, "2026年6月")
    os.utime(copy, (1_780_000_000, 1_780_000_000))
    os.utime(first, (1_780_000_600, 1_780_000_600))  # the one counted, its indicators in 指标偏差
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    [k002] = [d["message"] for d in data["diagnostics"] if d["code"] == "K002"]
    assert "一中.xlsx!'项目 表'" in k002 and "一中（副本）.xlsx!'2026年6月'" in k002, k002
    book = load_workbook(tmp_path / "out" / "汇总.xlsx")
    places = [row[12].value for row in book["指标偏差"].iter_rows(min_row=2) if row[0].value]
    assert places and all(p.startswith(f"{first.name}!'项目 表'!") for p in places), places
    code, again = run(capsys, tmp_path / "out" / "汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")  # read back as unedited
    assert code == 0 and not [d for d in again["diagnostics"] if d["code"] in ("K005", "K012", "K014")]
    sheet = book["指标偏差"]  # as a summary written before quoted it: read back one level up, no edit of the department's
    for row in sheet.iter_rows(min_row=2):
        if row[0].value:
            row[12].value = row[12].value.replace("'项目 表'", "项目 表")
    book.save(tmp_path / "out" / "汇总.xlsx")
    code, again = run(capsys, tmp_path / "out" / "汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and not [d["message"] for d in again["diagnostics"] if d["code"] in ("K005", "K012", "K014")]


def write_form(path: Path, *, unit: str, project: str, period: str = "（2026年1-6月）", funding=None,
               department: str = "某市教育局（101001）", indicators=None) -> Path:
    return write_grid(path, project_grid(funding=funding or SAMPLE_FUNDING, indicators=indicators or SAMPLE_INDICATORS,
                                         unit=unit, project=project, period=period, department=department))


def more_spent(extra: float = 10) -> dict:
    """SAMPLE_FUNDING with 中央财政资金's 支出数 (and 资金总额's) raised by extra: another unit's or a corrected form."""
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["资金总额"][5] = funding["中央财政资金"][5] = funding["中央财政资金"][5] + extra
    return funding


def test_a_summary_sent_with_its_units_files_is_named_once_but_a_changed_form_alone(tmp_path, capsys):
    """A department sends the bureau its summary and its units' files too: each of the summary's forms was a 重复
    line and a K002 of its own (…（单位报送的文件，另一份取自汇总表）), 30 for the demo department and hundreds at a
    bureau. One line and one K002 of the summary say its forms count from the units' files; a form its unit changed
    since the department summarised it is still named alone, 两份金额不同, for the reviewer to check."""
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("甲", "乙", "丙"):
        write_form(units / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    assert run(capsys, units, "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    summary = tmp_path / "收件" / "部门汇总.xlsx"  # as the department sent it, and its units' files
    sent = tmp_path / "单位"
    sent.mkdir()
    summary.parent.mkdir()
    shutil.copy2(tmp_path / "部门汇总.xlsx", summary)
    for unit in ("甲", "乙"):
        shutil.copy2(units / f"{unit}.xlsx", sent / f"{unit}.xlsx")
    write_form(sent / "丙.xlsx", unit="丙", project="丙项目", funding=more_spent())
    later = (units / "丙.xlsx").stat().st_mtime + 3600
    os.utime(sent / "丙.xlsx", (later, later))
    code, bureau = run(capsys, summary, sent, "-o", tmp_path / "bureau.xlsx")
    _, direct = run(capsys, sent, "-o", tmp_path / "direct.xlsx")
    assert code == 0 and bureau["totals"] == direct["totals"] and bureau["projects"] == 3
    assert bureau["duplicate_files"] == 1 and len(bureau["duplicates"]) == 2
    assert bureau["duplicates"][0] == "部门汇总.xlsx 中的 2 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件"
    assert bureau["duplicates"][1].startswith("丙·丙项目：") and "两份金额不同，请核实" in bureau["duplicates"][1]
    k002 = sorted((d for d in bureau["diagnostics"] if d["code"] == "K002"), key=lambda d: "丙项目" in d["message"])
    assert [Path(d["file"]).name for d in k002] == ["部门汇总.xlsx"] * 2 and k002[0]["sheet"] is None
    assert "丙项目" in k002[1]["message"] and k002[0]["message"] == ("该汇总表中的 2 张表在 各单位报送的文件 与 部门汇总.xlsx 中重复出现，只计一次，"
                                  "采用 各单位报送的文件。")


def test_a_summarys_copy_left_out_is_found_in_the_summary_not_at_its_units_sheet(tmp_path, capsys):
    """At the bureau a unit's correction replaces the copy in its department's summary: the copy's K002 gave the
    summary as its file and the unit's sheet (表1), a sheet the summary does not have, and 校验问题's link opened
    部门汇总.xlsx at '表1'!A1, which Excel refuses. It names no sheet, and the link opens the summary."""
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("甲", "乙"):
        write_form(units / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    assert run(capsys, units, "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    corrected = write_form(tmp_path / "甲（更正）.xlsx", unit="甲", project="甲项目", funding=more_spent())
    later = (units / "甲.xlsx").stat().st_mtime + 3600
    os.utime(corrected, (later, later))
    code, bureau = run(capsys, tmp_path / "部门汇总.xlsx", corrected, "-o", tmp_path / "局汇总.xlsx")
    _, before = run(capsys, units, "-o", tmp_path / "again.xlsx")
    assert code == 0 and bureau["totals"]["spent"] != before["totals"]["spent"]
    [k002] = [d for d in bureau["diagnostics"] if d["code"] == "K002"]
    assert Path(k002["file"]).name == "部门汇总.xlsx" and k002["sheet"] is None and "部门汇总.xlsx 所汇总的 甲.xlsx!表1" \
        in k002["message"]
    book = load_workbook(tmp_path / "部门汇总.xlsx")
    [row] = [r for r in load_workbook(tmp_path / "局汇总.xlsx")["校验问题"].iter_rows(min_row=2) if r[3].value == "K002"]
    link = row[0].hyperlink
    assert link.target == "部门汇总.xlsx" and (link.location is None or link.location.split("!")[0].strip("'")
                                                in book.sheetnames)


def test_a_summary_of_another_period_sent_twice_is_one_error(tmp_path, capsys):
    """A department's summary of 1-5月 sent twice, byte for byte (教育局汇总 - 副本.xlsx), among 1-6月 forms: each
    copy had a K001, two errors for one thing to redo, as a unit's file sent twice has one. One K001, of the file
    not named as the copy, whichever came first; both files are listed with why they were left out."""
    units = tmp_path / "units"
    units.mkdir()
    for unit in ("甲", "乙"):
        write_form(units / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", period="（2026年1-5月）")
    inbox = tmp_path / "收件"
    inbox.mkdir()
    assert run(capsys, units, "-o", inbox / "教育局汇总.xlsx")[0] == 0
    shutil.copy2(inbox / "教育局汇总.xlsx", inbox / "教育局汇总 - 副本.xlsx")
    for unit in ("丙", "丁", "戊"):
        write_form(inbox / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department="某市卫生健康委员会")
    copies = [inbox / "教育局汇总 - 副本.xlsx", inbox / "教育局汇总.xlsx"]
    for order in (copies, copies[::-1]):
        code, data = run(capsys, *order, *sorted(inbox.glob("[丙丁戊].xlsx")), "-o", tmp_path / "局汇总.xlsx")
        assert code == 0 and data["projects"] == 3
        [k001] = [d for d in data["diagnostics"] if d["code"] == "K001"]
        assert Path(k001["file"]).name == "教育局汇总.xlsx" and "2026年1-5月" in k001["message"]
        status = {Path(f["path"]).name: (f["status"], f["reason"]) for f in data["files"]}
        assert status["教育局汇总.xlsx"] == status["教育局汇总 - 副本.xlsx"] == (
            "rejected", "表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致")


def test_a_copy_of_a_units_file_sent_with_its_departments_summary_is_named_once_as_a_file(tmp_path, capsys):
    """A department's summary reaches the bureau with a unit's own file of three projects and a copy of it
    (一中 - 副本.xlsx). The summary's copy of each form, of the very bytes of 一中.xlsx, was taken for another version
    of it: the copy was named form by form, a line and a K002 a project, a department's hundred projects a hundred
    lines. It is one line and one K002 of the file, as without the summary, whatever order the files came in."""
    units = tmp_path / "units"
    units.mkdir()
    write_grid(units / "二中.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="二中",
                                                  project="二中项目", period="（2026年1-6月）"))
    own = units / "一中.xlsx"
    write_form(own, unit="一中", project="项目1")
    for sheet in ("表2", "表3"):
        add_form_sheet(own, sheet, unit="一中", project=f"项目{sheet[-1]}")
    assert run(capsys, units, "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    copy = tmp_path / "一中 - 副本.xlsx"
    shutil.copy2(own, copy)
    summary = tmp_path / "部门汇总.xlsx"
    for files in ((summary, own, copy), (copy, own, summary), (own, summary, copy)):
        code, data = run(capsys, *files, "-o", tmp_path / "局汇总.xlsx")
        assert code == 0 and data["projects"] == 4
        assert sorted(data["duplicates"]) == sorted([
            f"{copy.name} 与 {own.name} 内容完全相同，其中的 3 张表只计一次，采用 {own.name}",
            "部门汇总.xlsx 中的 3 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件"]), files
        assert data["duplicate_files"] == 2
        k002 = [d for d in data["diagnostics"] if d["code"] == "K002"]
        assert sorted(Path(d["file"]).name for d in k002) == sorted([copy.name, summary.name])
        assert all(d["sheet"] is None for d in k002)


def hidden_old_month_summary(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """A department's summary of 一中.xlsx, which keeps May's form of 项目1 on a hidden sheet (a K002 of the
    department's), and of 二中.xlsx; and 一中.xlsx as the unit sends it to the bureau too."""
    units = tmp_path / "units"
    units.mkdir()
    own = write_form(units / "一中.xlsx", unit="一中", project="项目1")
    add_form_sheet(own, "表2", unit="一中", project="项目2")
    add_form_sheet(own, "5月表1", unit="一中", project="项目1", first=True)
    book = load_workbook(own)
    book["5月表1"].sheet_state = "hidden"
    book.save(own)
    write_form(units / "二中.xlsx", unit="二中", project="二中项目")
    assert run(capsys, units, "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    return tmp_path / "部门汇总.xlsx", own


def test_a_units_file_sent_with_its_departments_summary_has_each_duplicate_named_once(tmp_path, capsys):
    """A unit's file keeps last month's form of a project on a hidden sheet; its department's summary, which said
    so (K002), reaches the bureau with the unit's file. The bureau decided again which copy counts and said so, and
    the summary's K002 was listed too: two K002s of one sheet, word for word alike in one order of the files."""
    summary, own = hidden_old_month_summary(tmp_path, capsys)
    for files in ((own, summary), (summary, own)):
        code, data = run(capsys, *files, "-o", tmp_path / "局汇总.xlsx")
        assert code == 0 and data["projects"] == 3
        k002 = [(Path(d["file"]).name, d["sheet"]) for d in data["diagnostics"] if d["code"] == "K002"]
        assert len(k002) == len(set(k002)), (files, k002)


def test_a_summarys_form_said_once_as_its_units_file_is_not_said_to_count_elsewhere(tmp_path, capsys):
    """The summary met first, its copy of 一中.xlsx!表1 was used against the unit's hidden May sheet, then gave way
    to the unit's own file, said once in the summary's line (采用单位报送的文件): the hidden sheet's line and K002
    still said 采用 部门汇总.xlsx 所汇总的 一中.xlsx!表1, a copy that does not count. They name the unit's file, as
    when the unit's file is met first."""
    summary, own = hidden_old_month_summary(tmp_path, capsys)
    for files in ((summary, own), (own, summary)):
        code, data = run(capsys, *files, "-o", tmp_path / "局汇总.xlsx")
        assert code == 0 and data["duplicates"][0].startswith("部门汇总.xlsx 中的 2 张表")
        [line] = data["duplicates"][1:]
        assert re.findall(r"(?<!先)采用 (\S+?)，", line) == [f"{own.name}!表1"], line
        [k002] = [d for d in data["diagnostics"] if d["code"] == "K002" and d["sheet"] == "5月表1"]
        assert f"采用 {own.name}!表1，" in k002["message"], k002["message"]


def test_a_bureaus_summary_of_several_departments_is_not_named_after_one(tmp_path, capsys):
    """Two departments' summaries consolidated by the bureau: the title, every page's header and the report say
    各部门, not the department with more units; K017 says which departments and units came in; 项目明细 gains a
    主管部门 column to filter by, each department written one way."""
    from xlmon.adapters.files import read_workbook

    for department, units in (("某市教育局（101001）", ["一中", "二中", "三中"]), ("某市卫生健康委员会（102001）", ["一院", "二院"])):
        (tmp_path / department).mkdir()
        for unit in units:
            written = "某市教育局" if unit == "三中" else department  # its code left out
            write_form(tmp_path / department / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=written)
        assert run(capsys, tmp_path / department, "-o", tmp_path / f"{department}汇总.xlsx")[0] == 0
    one = load_workbook(tmp_path / "某市教育局（101001）汇总.xlsx")
    assert one["汇总表"]["A1"].value == "某市教育局（101001）预算绩效运行监控汇总表（2026年1-6月）"
    assert "主管部门" not in one["汇总表"]["A2"].value and "主管部门" not in [c.value for c in one["项目明细"][1]]

    bureau = tmp_path / "局" / "汇总.xlsx"
    code, data = run(capsys, tmp_path / "某市教育局（101001）汇总.xlsx", tmp_path / "某市卫生健康委员会（102001）汇总.xlsx",
                     "-o", bureau)
    assert code == 0 and data["units"] == 5
    assert data["departments"] == [{"name": "某市教育局（101001）", "units": ["一中", "二中", "三中"]},
                                   {"name": "某市卫生健康委员会（102001）", "units": ["一院", "二院"]}]
    ws = load_workbook(bureau)["汇总表"]
    assert ws["A1"].value == "各部门预算绩效运行监控汇总表（2026年1-6月）"
    assert ws.oddHeader.left.text == "各部门（2026年1-6月）" and ws["A2"].value.startswith("纳入汇总：2 个主管部门、5 个单位")
    [k017] = [d for d in data["diagnostics"] if d["code"] == "K017"]
    assert k017["severity"] == "info" and k017["message"].startswith("汇总的表格填写了 2 个主管部门：某市教育局（101001）：3 个单位（")
    assert "；某市卫生健康委员会（102001）：2 个单位（一院、二院）。" in k017["message"] and "二中" in k017["message"]
    assert "财政部门或上级部门汇总各部门的表格时，无需处理" in k017["message"]  # the bureau is not told it erred
    overall = read_workbook(bureau).sheets["部门整体"]
    assert not any("某市教育局" in str(v) for row in overall for v in row)  # its 主管部门 left for the bureau
    [note] = [v for row in overall for v in row if str(v).startswith("说明")]
    assert note == "说明：各单位均未报送部门整体支出绩效运行监控表，本表金额未预填。"  # nothing asked of a department
    rows = [r[0].value for r in ws.iter_rows(max_col=1)]
    top = rows.index("主管部门") + 2  # 1-based, below the header
    assert rows[top - 3] == "各主管部门支出进度（按进度差从大到小）"
    assert set(rows[top - 1:top + 1]) == {"某市教育局（101001）", "某市卫生健康委员会（102001）"} and rows[top + 1] is None
    assert len(rows) - rows.index("单位") - 1 == 5  # and by unit below
    details = load_workbook(bureau)["项目明细"]
    header = [c.value for c in details[1]]
    assert header[:3] == ["序号", "主管部门", "单位"] and header[-1] == "来源文件"
    assert {row[2]: row[1] for row in details.iter_rows(min_row=2, values_only=True)} == {
        "一中": "某市教育局（101001）", "二中": "某市教育局（101001）", "三中": "某市教育局（101001）",
        "一院": "某市卫生健康委员会（102001）", "二院": "某市卫生健康委员会（102001）"}
    _, province = run(capsys, bureau, "-o", tmp_path / "省汇总.xlsx")  # xlmon's own column, not the bureau's
    assert province["projects"] == 5  # its tables by department and by unit are xlmon's: no edit
    assert not [d for d in province["diagnostics"] if d["code"] in ("K005", "K012", "K014", "K016")]
    chart = zipfile.ZipFile(bureau).read("xl/charts/chart1.xml").decode()
    assert "各主管部门支出进度与时间进度" in chart and f"$A${top}:$A${top + 1}<" in chart
    assert main(["consolidate", str(tmp_path / "某市教育局（101001）汇总.xlsx"), str(tmp_path / "某市卫生健康委员会（102001）汇总.xlsx"),
                 "-o", str(tmp_path / "局" / "汇总2.xlsx")]) == 0
    assert "主管部门 2 个，单位 5 个，项目 5 个。" in capsys.readouterr().out
    assert main(["report", str(bureau), "-o", str(tmp_path / "报告.docx")]) == 0
    assert "已写出分析报告（草稿）《各部门预算绩效运行监控分析报告》" in capsys.readouterr().out  # not 部门分析报告
    from docx import Document

    said = [p.text for p in Document(str(tmp_path / "报告.docx")).paragraphs]
    assert not any("某市教育局" in text for text in said[:3]) and "各部门预算绩效运行监控分析报告" in said[:3]
    assert any(t.startswith("表2 各主管部门支出进度") for t in said) and any(t.startswith("表3 各单位支出进度") for t in said)
    assert any(t.startswith("图1") and "表2各主管部门" in t for t in said)
    assert any(t.startswith("本次监控纳入 2 个主管部门、5 个单位的 5 个项目") for t in said)
    assert "【待填写：各主管部门的基本情况和绩效监控工作开展情况】" in said and not any("部门职能" in t for t in said)


def test_a_department_written_by_its_common_abbreviation_is_that_department_at_the_bureau(tmp_path, capsys):
    """Most of 某市卫生健康委员会's units sign 某市卫生健康委员会（102001）, one types 市卫健委: the bureau counted a third
    department (K017, 汇总表's table by department, 项目明细's 主管部门, `departments`). It is the one department whose
    name it abbreviates, of the same city."""
    (tmp_path / "in").mkdir()
    for unit, department in (("一中", "某市教育局（101001）"), ("二中", "某市教育局（101001）"), ("一院", "某市卫生健康委员会（102001）"),
                             ("二院", "某市卫生健康委员会（102001）"), ("三院", "市卫健委")):
        write_form(tmp_path / "in" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=department)
    bureau = tmp_path / "局汇总.xlsx"
    code, data = run(capsys, tmp_path / "in", "-o", bureau)
    assert code == 0 and data["departments"] == [{"name": "某市卫生健康委员会（102001）", "units": ["一院", "二院", "三院"]},
                                                 {"name": "某市教育局（101001）", "units": ["一中", "二中"]}]
    [k017] = [d for d in data["diagnostics"] if d["code"] == "K017"]
    assert k017["message"].startswith("汇总的表格填写了 2 个主管部门：某市卫生健康委员会（102001）：3 个单位（")
    rows = [r[0].value for r in load_workbook(bureau)["汇总表"].iter_rows(max_col=1)]
    top = rows.index("主管部门") + 1
    assert set(rows[top:top + 2]) == {"某市教育局（101001）", "某市卫生健康委员会（102001）"} and rows[top + 2] is None
    details = load_workbook(bureau)["项目明细"]
    assert {row[2]: row[1] for row in details.iter_rows(min_row=2, values_only=True)}["三院"] == "某市卫生健康委员会（102001）"


def write_units(folder: Path, count: int, name: str = "某市职业技术学院附属第{:03}中等专业学校") -> None:
    """`count` units' forms, named at length as schools are, the first the furthest behind (it spent the least)."""
    for i in range(count):
        funding = {**SAMPLE_FUNDING, "中央财政资金": [None, 100, 100, 100, 1, 10 + i, None, 100]}
        write_form(folder / f"u{i:03}.xlsx", unit=name.format(i), project="项目", funding=funding)


LANDSCAPE = {9: (841.9, 595.3), 8: (1190.6, 841.9)}  # A4, A3 in points


def printed_page(ws) -> float:
    """Points of rows a printed page of the sheet holds, at the scale Excel fits its columns to the page's width
    (a column `width` characters wide is 7 pixels a character, padding in)."""
    width, height = LANDSCAPE[int(ws.page_setup.paperSize)]
    m = ws.page_margins
    pixels = sum(7 * (d.width or 8.43) * ((d.max or 1) - (d.min or 1) + 1) for d in ws.column_dimensions.values())
    return (height - 72 * (m.top + m.bottom)) / min(1.0, (width - 72 * (m.left + m.right)) / (pixels * 0.75))


def row_points(ws, first: int, last: int) -> float:
    """The height of rows first..last (0-based) in points."""
    return sum(ws.row_dimensions[r + 1].height or 15 for r in range(first, last + 1))


@pytest.mark.parametrize("count", [10, 60, 150])
def test_the_chart_prints_on_one_page_with_every_unit_named(tmp_path, capsys, count):
    """However many units, the chart of 支出进度 fits on a printed page (at the scale its columns are printed at) and
    is not cut by a page break: as many units as it can show with room for each name (LibreOffice leaves out every
    other name below some 16 pixels a unit), the furthest behind; the table lists them all."""
    write_units(tmp_path, count)
    out = tmp_path / "out" / "汇总.xlsx"
    assert run(capsys, tmp_path, "-o", out)[0] == 0
    ws = load_workbook(out)["汇总表"]
    [chart] = ws._charts
    start, end = chart.anchor._from, chart.anchor.to
    height = row_points(ws, start.row, end.row - 1) + (end.rowOff - start.rowOff) / 12700
    page = printed_page(ws)
    top = max([b.id for b in ws.row_breaks.brk if b.id <= start.row], default=0)  # its page's first row
    assert row_points(ws, top, start.row - 1) + height <= page and height <= page, (height, page)
    assert not [b.id for b in ws.row_breaks.brk if start.row < b.id <= end.row]
    xml = zipfile.ZipFile(out).read("xl/charts/chart1.xml").decode()
    first, last = map(int, re.search(r"\$A\$(\d+):\$A\$(\d+)<", xml).groups())
    bars = last - first + 1
    rows = [r[0].value for r in ws.iter_rows(max_col=1)]
    assert first == rows.index("单位") + 2 and rows[first - 1] == "某市职业技术学院附属第000中等专业学校"
    assert bars == min(count, 40) or bars >= 20, bars
    assert (height / 0.75 - 140) / bars >= 21, "room for each name (at 20 pixels LibreOffice left out every other)"
    if bars < count:
        assert f"进度差最大的 {bars} 个单位的支出进度与时间进度（共 {count} 个，见下表）" in xml


def test_every_printed_page_of_the_units_has_their_header(tmp_path, capsys, soffice):
    """The units of a large department run over pages: they start on a page of their own, their title and header
    are the print titles, repeated atop each of their pages (and on no page before them, nor over the chart, which
    comes before them); on screen no frozen row stands over them with another table's header."""
    from conftest import pdf_pages

    write_units(tmp_path, 60)
    out = tmp_path / "out" / "汇总.xlsx"
    assert run(capsys, tmp_path, "-o", out)[0] == 0
    ws = load_workbook(out)["汇总表"]
    rows = [r[0].value for r in ws.iter_rows(max_col=1)]
    header = rows.index("单位") + 1  # 1-based
    assert rows[header - 2] == "各单位支出进度（按进度差从大到小）"
    assert ws.print_title_rows == f"${header - 1}:${header}"
    assert header - 2 in [b.id for b in ws.row_breaks.brk]  # the page starts with their title
    assert ws._charts[0].anchor.to.row < header - 2
    frozen = ws.freeze_panes
    assert frozen is None or int(re.sub(r"\D", "", frozen)) - 1 == header, frozen

    pages = [p for p in pdf_pages(soffice, out, tmp_path / "pdf") if p.strip().splitlines()[0].endswith("汇总表")]
    names = {f"某市职业技术学院附属第{i:03}中等专业学校" for i in range(60)}
    listed = [p for p in pages if any(n in p for n in names)]  # the chart names them spaced: 第 000 中等
    assert {n for p in listed for n in names if n in p} == names
    assert len(listed) >= 2 and "资金总额" in pages[0] and "各单位支出进度" not in pages[0]
    for page in listed:
        assert "各单位支出进度（按进度差从大到小）" in page and "进度差（百" in page and "评级" in page, page[:400]
    charted = [p for p in pages if "支出进度与时间进度" in p]
    assert charted and not [p for p in charted if "各单位支出进度（按进度差从大到小）" in p]


def test_a_note_anywhere_on_the_overview_of_many_units_is_an_edit(tmp_path, capsys):
    """A department of many units: the chart stands over blank rows above the units' table. A 审核说明 typed beside
    the chart, right below the funding table or 项目评级, beside a unit's row, between the title and the funding
    table, or below the units, is the department's own: never written over by the next summary (exit 2, named
    with its cell), and one level up each is K014. The summary as written, opened and saved, has none."""
    units = tmp_path / "units"
    units.mkdir()
    write_units(units, 60)
    summary = units / "部门汇总.xlsx"
    assert run(capsys, units, "-o", summary)[0] == 0
    ws = load_workbook(summary)["汇总表"]
    rows = [r[0].value for r in ws.iter_rows(max_col=1)]
    header = rows.index("单位") + 1  # 1-based
    grades = rows.index("项目评级") + 1
    chart = ws._charts[0].anchor
    assert grades + 1 < chart._from.row + 1 and chart.to.row + 1 < header - 1  # the chart between the tables
    beside_chart = f"K{(chart._from.row + chart.to.row) // 2 + 1}"
    assert rows[grades - 3] == "其他资金" and rows[grades - 2] is None  # the funding table's last row, a blank one
    cells = {beside_chart: "在表格之间填写了“审核说明", f"A{grades + 2}": "在表格之间填写了“审核说明",
             f"A{grades - 1}": "在表格之间填写了“审核说明",
             f"I{header + 3}": "在表格右侧填写了“审核说明", "C3": "在表头上方填写了“审核说明",
             f"B{len(rows) + 3}": "在表格下方填写了“审核说明"}
    book = load_workbook(summary)
    book.save(summary)  # opened and saved unchanged: replaced as before
    assert main(["consolidate", str(units), "-o", str(summary)]) == 0
    capsys.readouterr()
    for i, (cell, said) in enumerate(cells.items()):
        edited = tmp_path / f"edited{i}" / "部门汇总.xlsx"
        edited.parent.mkdir()
        book = load_workbook(summary)
        book["汇总表"][cell] = "审核说明：第000中等专业学校进度偏慢，已约谈。"
        book.save(edited)
        for f in units.glob("u*.xlsx"):
            shutil.copy(f, edited.parent)
        before = edited.read_bytes()
        assert main(["consolidate", str(edited.parent), "-o", str(edited)]) == 2, cell
        err = capsys.readouterr().err
        assert f"汇总表!{cell}：{said}" in err and edited.read_bytes() == before, (cell, err)
        _, bureau = run(capsys, edited, "-o", tmp_path / f"局{i}.xlsx")
        found = [d for d in bureau["diagnostics"] if d["code"] in ("K005", "K012", "K014")]
        assert [(d["code"], d["sheet"], d["cell"]) for d in found] == [("K014", "汇总表", cell)], found
        assert said in found[0]["message"]
    _, bureau = run(capsys, summary, "-o", tmp_path / "局.xlsx")
    assert not [d for d in bureau["diagnostics"] if d["code"] in ("K005", "K012", "K014")]


def test_the_chart_shows_the_units_furthest_behind_when_there_are_many(tmp_path, capsys):
    for i in range(42):
        funding = {**SAMPLE_FUNDING, "资金总额": [0, 100, 100, 100, 1.0, 10 + i, None, 100]}
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i:02}", project="项目", funding=funding)
    code, _ = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    ws = load_workbook(tmp_path / "out" / "汇总.xlsx")["汇总表"]
    rows = [r[0].value for r in ws.iter_rows(max_col=1)]
    top = rows.index("单位") + 2
    assert code == 0 and rows[top - 1] == "单位00" and len(rows) - top + 1 == 42  # the slowest first, all listed
    chart = zipfile.ZipFile(tmp_path / "out" / "汇总.xlsx").read("xl/charts/chart1.xml").decode()
    bars = int(re.search(r"进度差最大的 (\d+) 个单位的支出进度与时间进度（共 42 个，见下表）", chart).group(1))
    assert 18 <= bars < 42 and f"$A${top}:$A${top + bars - 1}<" in chart  # as many as a page has room for
    from xlmon.report import report_for_paths

    text = report_for_paths([tmp_path]).text()  # the report's figure alike, its table all 42
    assert "条形自上而下依次为表2前 40 个单位（进度差最大的）的支出进度" in text
    assert sum(bool(re.match(r"\d+\t单位\d\d\t", line)) for line in text.splitlines()) == 42


def test_a_template_sent_back_unfilled_is_rejected_as_such_not_counted(tmp_path, capsys):
    write_form(tmp_path / "一中.xlsx", unit="一中", project="甲")
    assert main(["template", "project", "-o", str(tmp_path / "二中.xlsx"), "--year", "2026", "--months", "6",
                 "--unit", "二中"]) == 0
    capsys.readouterr()
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    blank = next(f for f in data["files"] if f["path"].endswith("二中.xlsx"))
    assert code == 0 and data["units"] == 1 and data["projects"] == 1
    assert blank["status"] == "rejected" and "：这张监控表尚未填写" in blank["reason"]
    assert not [d for d in data["diagnostics"] if d["file"].endswith("二中.xlsx") and d["code"] != "S131"]


def test_a_rejected_file_s_reason_names_its_sheets_and_is_no_macro_notice(tmp_path, capsys):
    """文件清单 gave a rejected file its first finding: for an .xlsm of blank forms that was F008 (宏未运行, which is
    no reason), and “这张监控表尚未填写” named no sheet. Now its gravest cause, the sheet, and the sheets alike."""
    from test_check import _rezip

    write_form(tmp_path / "一中.xlsx", unit="一中", project="甲")
    blank = tmp_path / "blank.xlsx"
    assert main(["template", "project", "-o", str(blank), "--year", "2026", "--months", "6", "--unit", "二中"]) == 0
    capsys.readouterr()
    wb = load_workbook(blank)
    first = wb.worksheets[0].title
    wb.copy_worksheet(wb.worksheets[0]).title = "备用表"
    wb.create_sheet("说明", 0)["A1"] = "填表说明"
    wb.save(blank)
    _rezip(blank, tmp_path / "二中.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})
    blank.unlink()
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    listed = next(f for f in data["files"] if f["path"].endswith("二中.xlsm"))
    said = [d["code"] for d in data["diagnostics"] if d["file"].endswith("二中.xlsm")]
    assert code == 0 and listed["status"] == "rejected" and {"F008", "S001", "S131"} <= set(said)
    assert listed["reason"].startswith(f"工作表“{first}”：这张监控表尚未填写")
    assert listed["reason"].endswith("请退回补填。工作表“备用表”同样。")
    files = load_workbook(tmp_path / "out" / "汇总.xlsx")["文件清单"]
    assert listed["reason"] in [c.value for row in files.iter_rows() for c in row]


def test_many_departments_are_counted_and_the_first_ten_named(tmp_path, capsys):
    names = [f"某市第{n}局（1020{n:02}）" for n in range(1, 12)]
    for n, department in enumerate(names):
        write_form(tmp_path / f"u{n}.xlsx", unit=f"单位{n}", project="项目", department=department)
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    [k017] = [d["message"] for d in data["diagnostics"] if d["code"] == "K017"]
    assert code == 0 and k017.startswith("汇总的表格填写了 11 个主管部门：") and "；……。" in k017
    assert sum(name in k017 for name in names) == 10


def test_a_lower_levels_list_of_departments_is_not_carried_up(tmp_path, capsys):
    """A district's summary of two departments, consolidated with a third's unit: one K017, of the three."""
    files = [write_form(tmp_path / f"{d}.xlsx", unit=f"某市{d}下属单位", project="设备购置", department=f"某市{d}")
             for d in ("教育局", "卫健委", "民政局")]
    assert run(capsys, files[0], files[1], "-o", tmp_path / "区汇总.xlsx")[0] == 0
    code, data = run(capsys, tmp_path / "区汇总.xlsx", files[2], "-o", tmp_path / "市汇总.xlsx")
    [k017] = [d["message"] for d in data["diagnostics"] if d["code"] == "K017"]
    assert code == 0 and k017.startswith("汇总的表格填写了 3 个主管部门：")


def test_a_provinces_summary_of_cities_numbering_their_departments_alike_keeps_each_citys(tmp_path, capsys):
    """Two cities' bureaus number their departments alike (甲市教育局（101001）, 乙市教育局（101001）) and each has a
    第一人民医院 with a 设备购置 project: the province's summary of the two bureaus' summaries has four departments
    and both hospitals' projects, its totals those of the two; in a bureau's, a code still joins its spellings."""
    bureaus = []
    for city, extra in (("甲", 10), ("乙", 20)):
        folder = tmp_path / city
        folder.mkdir()
        write_form(folder / "一中.xlsx", unit=f"{city}市第一中学", project="校舍维修", department=f"{city}市教育局（101001）")
        write_form(folder / "二中.xlsx", unit=f"{city}市第二中学", project="校舍维修", department=f"{city}市教育局")
        write_form(folder / "三中.xlsx", unit=f"{city}市第三中学", project="校舍维修", department="101001")
        write_form(folder / "一院.xlsx", unit="第一人民医院", project="设备购置", funding=more_spent(extra),
                   department=f"{city}市卫生健康委员会（102001）")
        write_form(folder / "二院.xlsx", unit=f"{city}市第二人民医院", project="设备购置",
                   department=f"{city}市卫生健康委员会")
        bureaus.append(tmp_path / f"{city}市财政局汇总.xlsx")
        code, bureau = run(capsys, folder, "-o", bureaus[-1])
        assert code == 0 and [(d["name"], len(d["units"])) for d in bureau["departments"]] == [
            (f"{city}市教育局（101001）", 3), (f"{city}市卫生健康委员会（102001）", 2)]
    _, first = run(capsys, bureaus[0], "-o", tmp_path / "甲.xlsx")
    _, second = run(capsys, bureaus[1], "-o", tmp_path / "乙.xlsx")
    code, province = run(capsys, *bureaus, "-o", tmp_path / "省汇总.xlsx")
    assert code == 0 and province["projects"] == 10 and province["units"] == 10 and not province["duplicates"]
    assert province["totals"]["spent"] == pytest.approx(first["totals"]["spent"] + second["totals"]["spent"])
    assert {d["name"]: len(d["units"]) for d in province["departments"]} == {
        "甲市教育局（101001）": 2, "乙市教育局（101001）": 2, "甲市卫生健康委员会（102001）": 2, "乙市卫生健康委员会（102001）": 2,
        "101001": 2}  # written alone, either city's: the province cannot tell which


def test_a_department_named_with_a_word_ending_as_a_region_is_one(tmp_path, capsys):
    """城市管理局 begins with 城市, which ends as a region's name does: since f6f0c89 it was of a region 城市 beside
    某市城市管理局's 某市, so the code no longer joined 市城管局（101005）, a department of its own with one unit."""
    for unit, department in (("环卫所", "城市管理局（101005）"), ("市政设施管理处", "某市城市管理局（101005）"),
                             ("园林绿化中心", "市城管局（101005）"), ("执法支队", "市城市管理局（101005）")):
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=department)
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    assert code == 0 and [len(d["units"]) for d in data["departments"]] == [4]


def test_one_department_written_in_several_ways_is_one(tmp_path, capsys):
    write_form(tmp_path / "a.xlsx", unit="一中", project="甲", department="某市教育局（101001）")
    write_form(tmp_path / "b.xlsx", unit="二中", project="乙", department="某市教育局")
    write_form(tmp_path / "c.xlsx", unit="三中", project="丙", department="某市教育局（101001）")
    write_form(tmp_path / "e.xlsx", unit="五中", project="戊", department="101001")  # the code alone
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
    assert code == 0 and not [d for d in data["diagnostics"] if d["code"] == "K017"]
    assert load_workbook(tmp_path / "out" / "汇总.xlsx")["汇总表"]["A1"].value.startswith("某市教育局（101001）预算")

    write_form(tmp_path / "d.xlsx", unit="四中", project="丁", department="某市第四中学")  # its own name, by mistake
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总2.xlsx")
    [k017] = [d for d in data["diagnostics"] if d["code"] == "K017"]
    assert "某市第四中学：1 个单位（四中）" in k017["message"] and "某市教育局（101001）：4 个单位" in k017["message"]


def test_other_period_is_rejected_and_majority_used(tmp_path, capsys):
    for i in range(3):
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i}", project="项目")
    write_form(tmp_path / "late.xlsx", unit="单位9", project="项目", period="（2026年1-5月）")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 3
    late = next(f for f in data["files"] if f["path"].endswith("late.xlsx"))
    assert late["reason"] == "表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致" and late["status"] == "rejected"
    k001 = [d for d in data["diagnostics"] if d["code"] == "K001"]
    assert len(k001) == 1 and k001[0]["severity"] == "error" and "1-5月" in k001[0]["message"]
    assert (k001[0]["sheet"], k001[0]["cell"]) == ("表1", "A2")  # where the form states its period


def test_a_summary_of_another_period_is_to_be_made_again_not_its_units_forms(tmp_path, capsys):
    """Department 甲 summed 1-5月 (three units; two sent 1-6月, K001 there), the bureau 1-6月: 甲's K001s, which
    tell units that filed 1-6月 to refile, are not carried up; the bureau's own K001 on 甲's summary, one for its
    three forms, asks for a 1-6月 summary. 乙's K001, of the bureau's period, still goes up."""
    for department, periods in (("甲", ["（2026年1-5月）"] * 3 + ["（2026年1-6月）"] * 2),
                                ("乙", ["（2026年1-6月）"] * 4 + ["（2026年1-5月）"])):
        (tmp_path / department).mkdir()
        for i, period in enumerate(periods):
            write_form(tmp_path / department / f"{department}单位{i}.xlsx", unit=f"{department}单位{i}", project="项目",
                       period=period, department=f"某市{department}局")
        assert run(capsys, tmp_path / department, "-o", tmp_path / f"{department}汇总.xlsx")[0] == 0
    code, data = run(capsys, tmp_path / "甲汇总.xlsx", tmp_path / "乙汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")
    k001 = [d for d in data["diagnostics"] if d["code"] == "K001"]
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 4
    assert not [d for d in k001 if "与多数单位的 2026年1-5月" in d["message"]]
    [on_summary] = [d for d in k001 if d["file"] == str(tmp_path / "甲汇总.xlsx")]
    assert (on_summary["sheet"], on_summary["cell"]) == (None, None)  # not a sheet the summary does not have
    assert on_summary["message"] == ("该汇总表中的 3 张表（甲单位0、甲单位1、甲单位2）的监控期间为 2026年1-5月，与多数单位的 "
                                     "2026年1-6月 不一致，未纳入汇总；请部门按 2026年1-6月 重新汇总后报送。")
    [carried] = [d for d in k001 if d is not on_summary]
    assert Path(carried["file"]).name == "乙单位4.xlsx" and carried["message"].endswith("请按 2026年1-6月 重新填报。")


def test_period_counted_by_units_and_an_unread_year_never_crashes(tmp_path, capsys):
    """One unit sending four stale forms does not outvote three units; a tie between a stated and an
    unread year goes to the stated one."""
    for i in range(3):
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i}", project="项目")
    for i in range(4):
        write_form(tmp_path / f"stale{i}.xlsx", unit="单位9", project=f"项目{i}", period="（2026年1-5月）")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 3
    tie = tmp_path / "tie"
    tie.mkdir()
    write_form(tie / "a.xlsx", unit="单位甲", project="项目", period="（2024年1-6月）")
    write_grid(tie / "b.xlsx", project_grid(unit="单位乙", project="项目", period="（XX年1-6月）",
                                            title="项目支出绩效运行监控表", funding=SAMPLE_FUNDING))
    code, data = run(capsys, tie, "-o", tmp_path / "tie.xlsx")
    assert code == 0 and data["period"] == {"year": 2024, "months": 6}


def test_a_form_without_a_year_joins_the_majority_with_a_warning(tmp_path, capsys):
    """A unit that left the year out (S103) is not rejected as another period: its months decide. A year in
    the title (2026年…监控表) is read when the period line gives only the months."""
    plain = "项目支出绩效运行监控表"
    for i in range(2):
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i}", project="项目", period="（2025年1-6月）")
    for i in range(3):  # three units without a year outvote no one: they count for 2025 as well
        write_grid(tmp_path / f"x{i}.xlsx", project_grid(unit=f"单位x{i}", project="项目", period="（1-6月）",
                                                         title=plain, funding=SAMPLE_FUNDING))
    write_form(tmp_path / "late.xlsx", unit="单位9", project="项目", period="（2025年1-5月）")
    write_grid(tmp_path / "titled.xlsx", project_grid(unit="单位t", project="项目", period="（1-6月）",
                                                      title="2025年市级项目支出绩效运行监控表", funding=SAMPLE_FUNDING))
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["period"] == {"year": 2025, "months": 6} and data["projects"] == 6
    s103 = [d for d in data["diagnostics"] if d["code"] == "S103"]
    assert sorted(Path(d["file"]).name for d in s103) == ["x0.xlsx", "x1.xlsx", "x2.xlsx"]
    assert all(d["severity"] == "warning" and "1-6月" in d["message"] for d in s103)
    assert [Path(d["file"]).name for d in data["diagnostics"] if d["code"] == "K001"] == ["late.xlsx"]
    # with no year anywhere the months still decide, and the summary says the year is unknown
    for path in tmp_path.glob("u*.xlsx"):
        path.unlink()
    (tmp_path / "titled.xlsx").unlink()
    (tmp_path / "out" / "s.xlsx").unlink()  # beside only some of its files, it would be brought up to date
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s2.xlsx")
    assert code == 0 and data["period"] == {"year": None, "months": 6} and data["projects"] == 3


def test_units_compared_by_content_and_blank_units_never_merged(tmp_path, capsys):
    from xlmon.consolidate.run import consolidate

    for i, name in enumerate(("某市教育局(本级)", "某市教育局（本级）", "某市教育局 （本级）")):
        write_form(tmp_path / f"v{i}.xlsx", unit=name, project=f"项目{i}")
    write_form(tmp_path / "一中.xlsx", unit="", project="校舍维修改造项目")
    write_form(tmp_path / "二中.xlsx", unit="", project="校舍维修改造项目", funding=more_spent())
    summary = consolidate([tmp_path], tmp_path / "out" / "s.xlsx")
    assert len(summary.projects) == 5 and not summary.duplicates
    assert len(summary.units) == 2 and len(summary.by_unit) == 2
    assert summary.units[0] == "某市教育局(本级)"  # as first written


def test_a_file_naming_no_unit_sent_twice_is_one_file(tmp_path, capsys):
    """Forms that leave 预算单位 blank are never taken for another file's, but the very same bytes are one file
    wherever they arrive: in the department's summary and straight to the bureau, or copied into two folders (an
    older summary, whose records do not keep their files' SHA-256, gives it by 文件清单's)."""
    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "甲.xlsx", unit="甲", project="甲项目")
    blank = write_form(units / "维修.xlsx", unit="", project="某维修项目")
    _, direct = run(capsys, units, "-o", tmp_path / "dept.xlsx")
    assert direct["projects"] == 2
    sent = tmp_path / "inbox_维修.xlsx"
    shutil.copy2(blank, sent)  # the same bytes, and the same modification time
    old = tmp_path / "old.xlsx"  # the summary as xlmon wrote it before its records kept their files' SHA-256
    book = load_workbook(tmp_path / "dept.xlsx")
    for row in book["_xlmon_records"].iter_rows():
        if isinstance(row[0].value, str) and row[0].value.startswith('{"type":"record"'):
            item = json.loads(row[0].value)
            item["data"].pop("sha256", None)
            row[0].value = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    book.save(old)
    for summary in (tmp_path / "dept.xlsx", old):
        code, bureau = run(capsys, summary, sent, "-o", tmp_path / "bureau.xlsx")
        assert code == 0 and bureau["projects"] == 2 and bureau["totals"] == direct["totals"]
        [dup] = bureau["duplicates"]
        assert f"采用 {sent.name}!表1，因其是单位报送的文件，另一份取自汇总表" in dup and "两份金额不同" not in dup
        [k002] = [d for d in bureau["diagnostics"] if d["code"] == "K002"]
        assert k002["file"] == str(summary) and "某维修项目" in k002["message"]
    for office in ("X", "Y"):
        (tmp_path / office).mkdir()
        shutil.copy2(blank, tmp_path / office / "t.xlsx")
    code, two = run(capsys, tmp_path / "X", tmp_path / "Y", "-o", tmp_path / "two.xlsx")
    _, one = run(capsys, blank, "-o", tmp_path / "one.xlsx")
    assert code == 0 and two["projects"] == 1 and two["totals"] == one["totals"]
    first, second = (str(Path(office, "t.xlsx")) for office in ("X", "Y"))
    assert two["duplicates"] == [f"·某维修项目：{first}!表1 与 {second}!表1 重复，采用 {first}!表1，两个文件内容完全相同"]
    assert [f["status"] for f in two["files"]] == ["included", "rejected"]


def test_a_finding_of_a_file_that_arrives_twice_is_listed_once(department, tmp_path, capsys):
    """A unit's file with a sheet that is not a form (填报说明: S001) reaches the bureau in its department's summary
    and straight: the finding is listed once, as its forms are counted once, and from the file that counts; so
    it is of one file copied into two folders."""
    unit = department / "某市教育技术装备中心.xlsx"
    folder = tmp_path / "dept"
    folder.mkdir()
    for name in (unit.name, "某市实验小学.xlsx"):
        shutil.copy2(department / name, folder / name)
    _, direct = run(capsys, folder, "-o", tmp_path / "dept.xlsx")
    [s001] = [(d["sheet"], d["message"]) for d in direct["diagnostics"] if d["code"] == "S001"]
    code, bureau = run(capsys, tmp_path / "dept.xlsx", unit, "-o", tmp_path / "bureau.xlsx")
    assert code == 0 and bureau["projects"] == direct["projects"] and bureau["duplicates"]
    assert [(d["file"], d["sheet"], d["message"]) for d in bureau["diagnostics"] if d["code"] == "S001"] == [
        (str(unit), *s001)]
    k002 = [d for d in bureau["diagnostics"] if d["code"] == "K002"]
    assert len(bureau["diagnostics"]) == len(direct["diagnostics"]) + len(k002)
    for office in ("X", "Y"):
        (tmp_path / office).mkdir()
        shutil.copy2(unit, tmp_path / office / unit.name)
    _, two = run(capsys, tmp_path / "X", tmp_path / "Y", "-o", tmp_path / "two.xlsx")
    assert [d["file"] for d in two["diagnostics"] if d["code"] == "S001"] == [str(tmp_path / "X" / unit.name)]


def test_one_department_form_per_unit_whatever_its_sheet_is_called(department, tmp_path):
    from openpyxl import load_workbook as load

    from xlmon.consolidate.run import consolidate

    direct = consolidate([department], tmp_path / "a.xlsx")
    owner = next(r.file for r in direct.overall)
    book = load(owner)
    form = next(ws for ws in book.worksheets if "部门整体" in ws.title)
    book.copy_worksheet(form)  # "… Copy": the same unit's 部门整体 form twice in one file
    folder = tmp_path / "dept"
    shutil.copytree(department, folder)
    book.save(folder / Path(owner).name)
    again = consolidate([folder], tmp_path / "b.xlsx")
    assert len(again.overall) == len(direct.overall)
    assert [r.amounts for r in again.overall] == [r.amounts for r in direct.overall]
    assert any("部门整体" in d or "Copy" in d for d in again.duplicates)


def with_red_overall_indicator(department: Path, folder: Path):
    """A copy of the demo department in folder, where one unit's 部门整体 form has an indicator gone red (its
    forecast 0: nothing of the target will be reached); that form and indicator as read before."""
    shutil.copytree(department, folder)
    owner, form = next((p, f) for p in sorted(folder.glob("*.xlsx")) for f in check_file(p).forms
                       if f.kind == "department" and f.indicators)
    indicator = next(i for i in form.indicators if i.operator in (">=", ">") and i.target_value)
    book = load_workbook(owner)
    book[form.sheet][indicator.cells["forecast"]] = 0
    book.save(owner)
    return form, indicator


def test_deviations_of_units_overall_forms_are_listed_too(department, tmp_path, capsys):
    """指标偏差 holds every yellow or red indicator across all units: a unit's 部门整体 form's too."""
    folder = tmp_path / "dept"
    form, indicator = with_red_overall_indicator(department, folder)
    code, data = run(capsys, folder, "-o", tmp_path / "s.xlsx")
    assert code == 0
    rows = [r for r in load_workbook(tmp_path / "s.xlsx")["指标偏差"].iter_rows(min_row=2, values_only=True) if r[0]]
    overall = [r for r in rows if r[2] == "（部门整体支出）"]
    assert [(r[0], r[5]) for r in overall] == [("红灯", indicator.level3)]
    assert overall[0][1] == (form.unit or form.department) and overall[0][12].endswith(f"!{form.sheet}!{indicator.cells['forecast']}")


def demo_and_health(department: Path, tmp_path: Path, capsys):
    """The demo department (a unit's 部门整体 indicator gone red) and a health commission of two hospitals, one
    behind (重点监控), each summed by itself, then by the bureau: the red indicator's form and indicator, the
    bureau's summary and what consolidate said of it."""
    form, indicator = with_red_overall_indicator(department, tmp_path / "教育局")
    health = tmp_path / "卫健委"
    health.mkdir()
    lagging = {L.TOTAL_ROW: [10, 300, 310, 200, 0.6667, 15, 0.0484, 305],  # red: 重点监控
               "中央财政资金": [None, 100, 100, 100, 1, 6, 0.06, 100], "市级财政资金": [10, 200, 210, 100, 0.5, 9, 0.0429, 205]}
    write_form(health / "一院.xlsx", unit="某市第一人民医院", project="设备购置", funding=lagging, department="某市卫生健康委员会")
    write_form(health / "二院.xlsx", unit="某市第二人民医院", project="设备购置", department="某市卫生健康委员会")
    for name in ("教育局", "卫健委"):
        assert run(capsys, tmp_path / name, "-o", tmp_path / f"{name}汇总.xlsx")[0] == 0
    bureau = tmp_path / "局汇总.xlsx"
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", bureau)
    assert code == 0
    return form, indicator, bureau, data


def test_a_bureaus_tables_name_each_rows_department(department, tmp_path, capsys):
    """A bureau reviews every department's projects, deviations and 重点监控 candidates at once: each of 项目明细,
    指标偏差 and 重点监控建议 has a 主管部门 column before 单位. A unit's 部门整体 form names the unit itself as
    主管部门（单位）; its row names the department its unit's projects name. One level up the column is xlmon's."""
    form, indicator, bureau, data = demo_and_health(department, tmp_path, capsys)
    education = f"{demo.DEPARTMENT[0]}（{demo.DEPARTMENT[1]}）"
    book = load_workbook(bureau)
    deviations = [row for row in book["指标偏差"].iter_rows(values_only=True)]
    assert deviations[0][:3] == ("评级", "主管部门", "单位")
    assert {row[1] for row in deviations[1:]} == {education, "某市卫生健康委员会"}  # none blank
    [overall] = [row for row in deviations if row[3] == "（部门整体支出）" and row[6] == indicator.level3]
    assert overall[1] == education and overall[2] == (form.unit or form.department)
    focus = [row for row in book["重点监控建议"].iter_rows(min_row=3, values_only=True)]
    assert focus[0][:3] == ("主管部门", "单位", "项目名称")
    assert ("某市卫生健康委员会", "某市第一人民医院", "设备购置") in {row[:3] for row in focus[1:]}
    assert all(row[0] for row in focus[1:])
    [note] = [v for row in book["部门整体"].iter_rows(values_only=True) for v in row if str(v).startswith("说明")]
    assert "报送的部门整体支出绩效运行监控表汇总预填，供审核参考；另有" in note and "请部门" not in note
    assert main(["report", str(bureau), "-o", str(tmp_path / "报告.docx")]) == 0  # its tables too
    capsys.readouterr()
    from docx import Document

    tables = {t.rows[0].cells[0].text + t.rows[0].cells[1].text: [[c.text for c in row.cells] for row in t.rows]
              for t in Document(str(tmp_path / "报告.docx")).tables}
    focus_table, deviation_table = tables["主管部门单位"], tables["评级主管部门"]
    assert ["某市卫生健康委员会", "某市第一人民医院", "设备购置"] in [row[:3] for row in focus_table]
    assert [row[1] for row in deviation_table if row[2] == form.unit or row[2] == form.department] == [education]
    _, province = run(capsys, bureau, "-o", tmp_path / "省汇总.xlsx")
    assert not [d for d in province["diagnostics"] if d["code"] in ("K005", "K012", "K014", "K016")]
    assert province["grades"] == data["grades"]


EDIT_CODES = ("K005", "K012", "K014", "K016")


GRADE_RANK = {"红灯": 0, "黄灯": 1, "绿灯": 2}


def department_table(book) -> list[str]:
    """汇总表's table of departments: its rows' 主管部门, in order."""
    rows = [r[0] for r in book["汇总表"].iter_rows(values_only=True)]
    top = rows.index("主管部门")
    return rows[top + 1:rows.index(None, top)]


def sheet_rows(book, sheet: str, top: int) -> list[dict]:
    """A summary table's rows below its header (in row `top`, 1-based), each by header."""
    ws = book[sheet]
    header, rows = table_rows(ws, top)
    return [{h: ws.cell(r, c).value for h, c in header.items()} for r in rows]


def by_grade_and_unit(row: dict) -> tuple:
    """How a department's summary lists 指标偏差 and 重点监控建议: red first, then by unit and project."""
    return GRADE_RANK[row.get("评级") or row.get("综合评级")], row["单位"] or "", row["项目名称"] or ""


def test_a_bureaus_deviations_and_focus_list_go_department_by_department(department, tmp_path, capsys):
    """The bureau's reviewer reads 指标偏差 and 重点监控建议 department by department: their rows go by 主管部门 in
    the order of 汇总表's table of departments (the furthest behind first), each department's as a department's own
    summary lists them (red first, then by unit and project), and the report's tables go in the same order. A
    department's own summary lists its rows by grade and unit, as before."""
    from docx import Document

    _, _, bureau, _ = demo_and_health(department, tmp_path, capsys)
    book = load_workbook(bureau)
    departments = department_table(book)
    assert len(departments) == 2
    listed = {}
    for sheet, top in (("指标偏差", 1), ("重点监控建议", 3)):
        rows = sheet_rows(book, sheet, top)
        order = [row["主管部门"] for row in rows]
        assert set(order) == set(departments) and order == sorted(order, key=departments.index), (sheet, order)
        for name in departments:
            own = [row for row in rows if row["主管部门"] == name]
            assert own == sorted(own, key=by_grade_and_unit), (sheet, name)
        listed[sheet] = [(row["主管部门"], row["单位"], row["项目名称"]) for row in rows]
    assert main(["report", str(bureau), "-o", str(tmp_path / "报告.docx")]) == 0
    capsys.readouterr()
    tables = {t.rows[0].cells[0].text + t.rows[0].cells[1].text: [[c.text for c in row.cells] for row in t.rows[1:]]
              for t in Document(str(tmp_path / "报告.docx")).tables}
    assert [tuple(row[1:4]) for row in tables["评级主管部门"]] == listed["指标偏差"]
    assert [tuple(row[:3]) for row in tables["主管部门单位"]] == listed["重点监控建议"]
    own = load_workbook(tmp_path / "教育局汇总.xlsx")
    for sheet, top in (("指标偏差", 1), ("重点监控建议", 3)):
        rows = sheet_rows(own, sheet, top)
        assert rows and "主管部门" not in rows[0] and rows == sorted(rows, key=by_grade_and_unit), sheet


def as_listed_before(ws, top: int, departments: list[str]) -> None:
    """A bureau's table's rows (its header in row `top`, 1-based) in the order summaries listed them before they
    went department by department: 指标偏差's rows sorted by grade, unit and project over the forms in the order the
    inputs gave them, 重点监控建议's by focus_list (the same keys, over the projects in that order): rows of one
    grade, unit and project (namesake units of two departments) in the order their departments' summaries were
    given (`departments`). The values move, not the links (which edits never read)."""
    header, rows = table_rows(ws, top)
    values = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in rows]
    at = {h: c - 1 for h, c in header.items()}
    grade = at.get("评级", at.get("综合评级"))
    values.sort(key=lambda line: (GRADE_RANK[line[grade]], line[at["单位"]] or "", line[at["项目名称"]] or "",
                                  departments.index(line[at["主管部门"]])))
    for r, line in zip(rows, values):
        for c, value in enumerate(line, 1):
            ws.cell(r, c).value = value


def test_a_bureaus_summary_listing_rows_as_before_is_no_edit(tmp_path, capsys):
    """A bureau's summary read back: one level up (a province summing the bureau's), or as last month's summary in
    the bureau's inbox summed again. Listing 指标偏差 and 重点监控建议 department by department, it is no edit,
    though the namesakes' two 信息中心·信息化运维 rows of 重点监控建议 stand otherwise than the inputs gave their
    projects; written before, listing them by grade and unit, neither; the new summary lists them department by
    department. A reason or a handling rewritten in the one written before is still found."""
    bureau = tmp_path / "收件" / "局汇总.xlsx"
    assert run(capsys, *namesake_summaries(capsys, tmp_path), "-o", bureau)[0] == 0
    code, up = run(capsys, bureau, "-o", tmp_path / "省" / "汇总.xlsx")
    assert code == 0 and not [d for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    wb = load_workbook(bureau)
    now = {sheet: sheet_rows(wb, sheet, top) for sheet, top in (("指标偏差", 1), ("重点监控建议", 3))}
    given = [EDUCATION, HEALTH]
    assert department_table(wb) == given[::-1]  # the health commission further behind: listed first now
    for sheet, top in (("指标偏差", 1), ("重点监控建议", 3)):
        as_listed_before(wb[sheet], top, given)
        before = sheet_rows(wb, sheet, top)
        assert before != now[sheet] and sorted(map(str, before)) == sorted(map(str, now[sheet])), sheet
    assert [row["主管部门"] for row in sheet_rows(wb, "重点监控建议", 3)] == given  # the namesakes' twin rows
    wb.save(bureau)
    (tmp_path / "上月").mkdir()
    shutil.copy2(bureau, tmp_path / "上月" / "局汇总.xlsx")
    code, up = run(capsys, bureau, "-o", tmp_path / "省" / "汇总2.xlsx")
    assert code == 0 and not [d for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    code, again = run(capsys, tmp_path / "收件", "-o", bureau)  # last month's summary summed again, written over
    assert code == 0 and not [d for d in again["diagnostics"] if d["code"] in (*EDIT_CODES, "K015")]
    assert again["projects"] == 4
    remade = load_workbook(bureau)
    assert {sheet: sheet_rows(remade, sheet, top) for sheet, top in (("指标偏差", 1), ("重点监控建议", 3))} == now

    edited = tmp_path / "上月" / "局汇总.xlsx"
    wb = load_workbook(edited)
    header, rows = table_rows(wb["指标偏差"], 1)
    reason = wb["指标偏差"].cell(rows[0], header["偏差原因分析"])
    reason.value = "已与单位核实"
    header, rows = table_rows(wb["重点监控建议"], 3)
    handling = wb["重点监控建议"].cell(rows[1], header["建议处理方式（草稿）"])
    handling.value = "经审核：暂缓拨款"
    wb.save(edited)
    code, up = run(capsys, edited, "-o", tmp_path / "省" / "汇总3.xlsx")
    edits = {(d["code"], d["sheet"], d["cell"]) for d in up["diagnostics"] if d["code"] in EDIT_CODES}
    assert code == 0 and edits == {("K012", "指标偏差", reason.coordinate), ("K014", "重点监控建议", handling.coordinate)}


def namesake_summaries(capsys, folder: Path, reason: str | None = None) -> list[Path]:
    """Two departments' summaries, each department with a unit named 信息中心 far behind on a project of one name,
    信息化运维 (the health commission's with twice the money, and `reason` its 安全隐患消除's 偏差原因分析 where
    given), beside another unit: two units, two rows of 重点监控建议 of one 单位 and 项目名称. The health commission
    is the further behind. The summaries lie in the bureau's inbox, 收件, the education bureau's given first."""
    doubled = {row: [None if v is None else v if i in (4, 6) else v * 2 for i, v in enumerate(values)]
               for row, values in LAGGING.items()}  # the rates (下达率, 支出进度) as they were
    own = [[reason if reason and line[2] == "安全隐患消除" and i == 6 else v for i, v in enumerate(line)]
           for line in SAMPLE_INDICATORS]
    summaries = []
    for name, department, funding, indicators, other in (("教育局", EDUCATION, LAGGING, None, "一中"),
                                                         ("卫健委", HEALTH, doubled, own, "一院")):
        (folder / name).mkdir(parents=True)
        write_form(folder / name / "信息中心.xlsx", unit="信息中心", project="信息化运维", funding=funding,
                   department=department, indicators=indicators)
        write_form(folder / name / f"{other}.xlsx", unit=other, project=f"{other}项目", department=department)
        summaries.append(folder / "收件" / f"{name}汇总.xlsx")
        assert run(capsys, folder / name, "-o", summaries[-1])[0] == 0
    return summaries


def table_rows(ws, top: int) -> tuple[dict[str, int], list[int]]:
    """A summary table's columns by header (1-based) and its rows below the header in row `top` (1-based)."""
    header = {c.value: c.column for c in ws[top] if c.value}
    return header, [r for r in range(top + 1, ws.max_row + 1) if any(c.value for c in ws[r])]


def swap_rows(ws, one: int, other: int) -> None:
    for a, b in zip(ws[one], ws[other]):
        a.value, b.value = b.value, a.value


def test_namesakes_projects_of_one_name_on_the_focus_list_in_either_order_are_no_edit(tmp_path, capsys):
    """The two departments' 信息中心·信息化运维 rows of 重点监控建议 share 单位 and 项目名称, each with its own 小计.
    In the other order (sorted by hand, or as another summary lists them) they are no edit one level up; a
    handling rewritten in one of them is that one edit, at its cell."""
    _, _, wb, ws = bureau_summary(capsys, tmp_path, "重点监控建议", "局")
    header, rows = table_rows(ws, 3)
    twins = [r for r in rows if ws.cell(r, header["项目名称"]).value == "信息化运维"]
    assert [ws.cell(r, header["单位"]).value for r in twins] == ["信息中心", "信息中心"]
    assert sorted(ws.cell(r, header["小计（万元）"]).value for r in twins) == [310, 620]
    swap_rows(ws, *twins)
    (tmp_path / "swapped").mkdir()
    wb.save(tmp_path / "swapped" / "汇总.xlsx")
    code, up = run(capsys, tmp_path / "swapped" / "汇总.xlsx", "-o", tmp_path / "省" / "汇总.xlsx")
    assert code == 0 and not [d for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    handling = ws.cell(twins[1], header["建议处理方式（草稿）"])
    handling.value = "经审核：暂缓拨款"
    (tmp_path / "edited").mkdir()
    wb.save(tmp_path / "edited" / "汇总.xlsx")
    code, up = run(capsys, tmp_path / "edited" / "汇总.xlsx", "-o", tmp_path / "省" / "汇总2.xlsx")
    [edit] = [d for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    assert code == 0 and (edit["code"], edit["sheet"], edit["cell"]) == ("K014", "重点监控建议", handling.coordinate)
    assert "“信息中心·信息化运维”的建议处理方式（草稿）为“经审核：暂缓拨款”" in edit["message"]


def namesake_notes(path: Path, sheet: str, top: int, note: str) -> dict[tuple, object]:
    """A bureau summary's notes in its column `note` on `sheet` (header in row `top`), by 主管部门, 单位 and 项目名称."""
    return {(row["主管部门"], row["单位"], row["项目名称"]): row[note]
            for row in sheet_rows(load_workbook(path), sheet, top) if row.get(note) is not None}


def bureau_summary(capsys, tmp_path: Path, sheet: str, inbox: str = "收件") -> tuple[Path, Path, object, object]:
    """The bureau's summary of the namesakes' two departments in an inbox: (the inbox, the summary, the summary
    opened, its sheet `sheet`)."""
    folder = tmp_path / inbox
    bureau = folder / "局汇总.xlsx"
    assert run(capsys, *namesake_summaries(capsys, tmp_path), "-o", bureau)[0] == 0
    wb = load_workbook(bureau)
    return folder, bureau, wb, wb[sheet]


def province_summary(capsys, tmp_path: Path, sheet: str) -> tuple[Path, Path, object, object]:
    """A province's inbox holding the bureau's summary (bureau_summary), and the province's summary of it there:
    (the inbox, the province's summary, that summary opened, its sheet `sheet`)."""
    inbox, bureau, _, _ = bureau_summary(capsys, tmp_path, sheet, "省")
    province = inbox / "省汇总.xlsx"
    assert run(capsys, bureau, "-o", province)[0] == 0
    wb = load_workbook(province)
    return inbox, province, wb, wb[sheet]


def test_a_bureaus_notes_beside_namesakes_focus_rows_stay_beside_their_own_rows(tmp_path, capsys):
    """The bureau writes a 部门意见 beside each of the namesakes' two 信息中心·信息化运维 rows of 重点监控建议, one
    for each department, and sums its inbox again: each note goes beside its own department's row, and none is
    dropped. Before, the rows were told by 单位 and 项目名称 only: the education bureau's note went beside both."""
    inbox, bureau, wb, ws = bureau_summary(capsys, tmp_path, "重点监控建议")
    header, rows = table_rows(ws, 3)
    opinion = ws.max_column + 1
    ws.cell(3, opinion).value = "部门意见"
    notes = {EDUCATION: "请教育局督促信息中心", HEALTH: "已约谈卫健委信息中心"}
    twins = [r for r in rows if ws.cell(r, header["项目名称"]).value == "信息化运维"]
    for r in twins:
        ws.cell(r, opinion).value = notes[ws.cell(r, header["主管部门"]).value]
    wb.save(bureau)
    assert namesake_notes(bureau, "重点监控建议", 3, "部门意见") == {
        (department, "信息中心", "信息化运维"): note for department, note in notes.items()}
    code, again = run(capsys, inbox, "-o", inbox / "局汇总（2）.xlsx")
    [k016] = [d for d in again["diagnostics"] if d["code"] == "K016"]
    assert code == 0 and "重点监控建议“部门意见”" in k016["message"] and "未带入" not in k016["message"]
    assert namesake_notes(inbox / "局汇总（2）.xlsx", "重点监控建议", 3, "部门意见") == namesake_notes(
        bureau, "重点监控建议", 3, "部门意见")


def test_a_bureaus_notes_on_its_focus_list_written_before_it_named_departments_go_on(tmp_path, capsys):
    """A bureau's summary of an older xlmon, whose 重点监控建议 had no 主管部门 column: its notes are still carried
    beside the same unit's project, told by 单位 and 项目名称 where no other row has them."""
    inbox = tmp_path / "收件"
    for name, department, unit in (("教育局", EDUCATION, "一中"), ("卫健委", HEALTH, "一院")):
        (tmp_path / name).mkdir()
        write_form(tmp_path / name / f"{unit}.xlsx", unit=unit, project="信息化运维", funding=LAGGING,
                   department=department)
        assert run(capsys, tmp_path / name, "-o", inbox / f"{name}汇总.xlsx")[0] == 0
    bureau = inbox / "局汇总.xlsx"
    assert run(capsys, inbox, "-o", bureau)[0] == 0
    wb = load_workbook(bureau)
    ws = wb["重点监控建议"]
    header, rows = table_rows(ws, 3)
    ws.delete_cols(header["主管部门"])
    opinion = ws.max_column + 1
    ws.cell(3, opinion).value = "部门意见"
    notes = {"一中": "请教育局督促", "一院": "已约谈"}
    for r in rows:
        ws.cell(r, opinion).value = notes[ws.cell(r, header["单位"] - 1).value]
    wb.save(bureau)
    code, again = run(capsys, inbox, "-o", inbox / "局汇总（2）.xlsx")
    [k016] = [d for d in again["diagnostics"] if d["code"] == "K016"]
    assert code == 0 and "重点监控建议“部门意见”" in k016["message"] and "未带入" not in k016["message"]
    assert namesake_notes(inbox / "局汇总（2）.xlsx", "重点监控建议", 3, "部门意见") == {
        (EDUCATION, "一中", "信息化运维"): "请教育局督促", (HEALTH, "一院", "信息化运维"): "已约谈"}


@pytest.mark.parametrize("noted", [1, 2])
def test_a_bureaus_notes_beside_namesakes_focus_rows_written_before_it_named_departments_are_named(tmp_path, capsys,
                                                                                                     noted):
    """A bureau's summary of an older xlmon, whose 重点监控建议 had no 主管部门 column: nothing tells the namesakes'
    two 信息中心·信息化运维 rows apart, so a note beside either (or a note beside each) goes beside neither in the
    next summary, and K016 names each as not carried. Before, the first went beside both, and a second was lost
    without a word."""
    inbox, bureau, wb, ws = bureau_summary(capsys, tmp_path, "重点监控建议")
    header, rows = table_rows(ws, 3)
    ws.delete_cols(header["主管部门"])
    opinion = ws.max_column + 1
    ws.cell(3, opinion).value = "部门意见"
    notes = ["请单位说明原因", "已约谈"][:noted]
    for r, note in zip(rows, notes):
        ws.cell(r, opinion).value = note
    wb.save(bureau)
    code, again = run(capsys, inbox, "-o", inbox / "局汇总（2）.xlsx")
    [k016] = [d for d in again["diagnostics"] if d["code"] == "K016"]
    named = "、".join(f"重点监控建议“部门意见”列的“{note}”" for note in notes)
    assert code == 0 and f"其中 {noted} 个值所在的行与另一行无法区分（如同名单位的同名项目），未带入：{named}" in k016["message"]
    assert "已不存在" not in k016["message"]
    assert [row["部门意见"] for row in sheet_rows(load_workbook(inbox / "局汇总（2）.xlsx"), "重点监控建议", 3)] == [None] * 2


def test_namesakes_projects_on_the_focus_list_each_rewritten_are_two_edits_of_the_handling(tmp_path, capsys):
    """The bureau rewrites the handling in both of the namesakes' 信息中心·信息化运维 rows of 重点监控建议, whose
    小计 differ: one level up each row is compared with its own department's draft (by 主管部门), the two handlings
    are the edits. Before, the rows were taken in sheet order, and each row's 小计 was said to be edited too."""
    _, _, wb, ws = bureau_summary(capsys, tmp_path, "重点监控建议", "局")
    header, rows = table_rows(ws, 3)
    twins = [r for r in rows if ws.cell(r, header["项目名称"]).value == "信息化运维"]
    handlings = [ws.cell(r, header["建议处理方式（草稿）"]) for r in twins]
    for cell, text in zip(handlings, ("经审核：暂缓拨款", "经审核：约谈单位")):
        cell.value = text
    (tmp_path / "edited").mkdir()
    wb.save(tmp_path / "edited" / "汇总.xlsx")
    code, up = run(capsys, tmp_path / "edited" / "汇总.xlsx", "-o", tmp_path / "省" / "汇总.xlsx")
    edits = {d["cell"]: d["message"] for d in up["diagnostics"] if d["code"] in EDIT_CODES}
    assert code == 0 and set(edits) == {cell.coordinate for cell in handlings}, edits
    assert all(f"的建议处理方式（草稿）为“{cell.value}”" in edits[cell.coordinate] for cell in handlings)
    department = ws.cell(twins[0], header["主管部门"])  # a row's 主管部门 rewritten: still its project's row, and
    assert department.value == HEALTH  # the rewrite one more edit, as in 项目明细 and 指标偏差
    department.value = "市教育局"
    wb.save(tmp_path / "edited" / "汇总.xlsx")
    code, up = run(capsys, tmp_path / "edited" / "汇总.xlsx", "-o", tmp_path / "省" / "汇总2.xlsx")
    again = {d["cell"]: d["message"] for d in up["diagnostics"] if d["code"] in EDIT_CODES}
    assert code == 0 and set(again) == {*edits, department.coordinate}, again
    assert f"“信息中心·信息化运维”的主管部门为“市教育局”，记录为“{HEALTH}”" in again[department.coordinate]


def test_a_summary_of_a_bureaus_with_namesakes_whose_deviations_differ_is_no_edit(tmp_path, capsys):
    """A province sums the bureau's summary, whose namesake units' 信息中心.xlsx came through it alike: in the
    province's 指标偏差 the two 信息中心 rows of 安全隐患消除 show one 位置 and 单位, and differ in their 偏差原因分析.
    One level up they are no edit: each row is compared with its own department's indicator (by 主管部门). Before,
    they were taken in sheet order, and each 偏差原因分析 was said to be rewritten."""
    bureau = tmp_path / "省" / "局汇总.xlsx"
    assert run(capsys, *namesake_summaries(capsys, tmp_path, "设备到货延迟"), "-o", bureau)[0] == 0
    province = tmp_path / "省" / "省汇总.xlsx"
    assert run(capsys, bureau, "-o", province)[0] == 0
    rows = [row for row in sheet_rows(load_workbook(province), "指标偏差", 1) if row["三级指标"] == "安全隐患消除"
            and row["单位"] == "信息中心"]
    assert len({row["位置"] for row in rows}) == 1 and len({row["偏差原因分析"] for row in rows}) == 2
    code, up = run(capsys, province, "-o", tmp_path / "国" / "汇总.xlsx")
    assert code == 0 and not [d for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    wb = load_workbook(province)  # a row's 主管部门 rewritten: that one edit, at its cell
    header, lines = table_rows(wb["指标偏差"], 1)
    department = wb["指标偏差"].cell(lines[0], header["主管部门"])
    department.value = "市教育局"
    (tmp_path / "edited").mkdir()
    wb.save(tmp_path / "edited" / "省汇总.xlsx")
    code, up = run(capsys, tmp_path / "edited" / "省汇总.xlsx", "-o", tmp_path / "国" / "汇总2.xlsx")
    [edit] = [d for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    assert (edit["code"], edit["cell"]) == ("K012", department.coordinate) and "的主管部门为“市教育局”" in edit["message"]


def test_a_provinces_notes_beside_namesakes_deviations_stay_beside_their_own_rows(tmp_path, capsys):
    """The province writes a 部门意见 beside each of the two 信息中心 rows of 安全隐患消除 in its 指标偏差, which show
    one 位置 and 单位, and sums its inbox again: each note goes beside its own department's row."""
    inbox, province, wb, ws = province_summary(capsys, tmp_path, "指标偏差")
    header, rows = table_rows(ws, 1)
    opinion = ws.max_column + 1
    ws.cell(1, opinion).value = "部门意见"
    notes = {EDUCATION: "请教育局督促", HEALTH: "已约谈卫健委"}
    for r in rows:
        if ws.cell(r, header["单位"]).value == "信息中心" and ws.cell(r, header["三级指标"]).value == "安全隐患消除":
            ws.cell(r, opinion).value = notes[ws.cell(r, header["主管部门"]).value]
    wb.save(province)
    code, again = run(capsys, inbox, "-o", inbox / "省汇总（2）.xlsx")
    [k016] = [d for d in again["diagnostics"] if d["code"] == "K016"]
    assert code == 0 and "指标偏差“部门意见”" in k016["message"] and "未带入" not in k016["message"]
    assert namesake_notes(inbox / "省汇总（2）.xlsx", "指标偏差", 1, "部门意见") == {
        (department, "信息中心", "信息化运维"): note for department, note in notes.items()}


def test_a_provinces_project_rows_of_namesakes_sorted_and_noted_stay_their_own(tmp_path, capsys):
    """Above a bureau the namesakes' two 信息中心·信息化运维 rows of 项目明细 show one 单位, 项目名称, 工作表 and
    来源文件 (信息中心.xlsx（局汇总.xlsx）), and differ in their amounts. The province sorts 项目明细 so that the
    health commission's comes first and writes a 审核意见 beside each: one level up that is no edit but the
    column, each row compared with its own department's project (by 主管部门); summing its inbox again puts each
    note beside its own row. Before, rows were taken in sheet order (their amounts said to be edited) and the
    first note went beside both."""
    inbox, province, wb, ws = province_summary(capsys, tmp_path, "项目明细")
    header, rows = table_rows(ws, 1)
    twins = [r for r in rows if ws.cell(r, header["单位"]).value == "信息中心"]
    assert len({ws.cell(r, header["来源文件"]).value for r in twins}) == 1
    assert [ws.cell(r, header["主管部门"]).value for r in twins] == [EDUCATION, HEALTH]
    swap_rows(ws, *twins)
    opinion = ws.max_column + 1
    ws.cell(1, opinion).value = "审核意见"
    notes = {EDUCATION: "请教育局督促", HEALTH: "已约谈卫健委"}
    for r in twins:
        ws.cell(r, opinion).value = notes[ws.cell(r, header["主管部门"]).value]
    wb.save(province)
    code, up = run(capsys, province, "-o", tmp_path / "国" / "汇总.xlsx")
    edits = [(d["code"], d["cell"]) for d in up["diagnostics"] if d["code"] in EDIT_CODES]
    assert code == 0 and edits == [("K005", ws.cell(1, opinion).coordinate)], up["diagnostics"]
    code, again = run(capsys, inbox, "-o", inbox / "省汇总（2）.xlsx")
    [k016] = [d for d in again["diagnostics"] if d["code"] == "K016"]
    assert code == 0 and "项目明细“审核意见”" in k016["message"] and "未带入" not in k016["message"]
    assert namesake_notes(inbox / "省汇总（2）.xlsx", "项目明细", 1, "审核意见") == {
        (department, "信息中心", "信息化运维"): note for department, note in notes.items()}


def test_the_department_forms_note_counts_only_the_units_that_sent_none(department, tmp_path, capsys):
    """A unit's 部门整体 form names it with its code (某市第一中学（101001001）), its project forms without: the
    note counts the units that sent no 部门整体 form, here and one level up."""
    code, data = run(capsys, department, "-o", tmp_path / "部门汇总.xlsx")
    sent = {r.unit for r in consolidate_records(tmp_path / "部门汇总.xlsx") if r.kind == "department"}
    assert code == 0 and len(sent) == 2 and all("（" in unit for unit in sent)
    assert run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")[0] == 0
    for summary in ("部门汇总.xlsx", "局汇总.xlsx"):
        book = load_workbook(tmp_path / summary)
        [note] = [v for row in book["部门整体"].iter_rows(values_only=True) for v in row if str(v).startswith("说明")]
        assert f"另有 {data['units'] - 2} 个单位只报送了项目表" in note, summary


def test_a_record_longer_than_a_cell_goes_up_a_level_whole(tmp_path, capsys):
    """A project with many long 偏差原因分析 makes a record over Excel's 32,767 characters a cell: it is kept
    whole over several cells, so the bureau reads it back; a damaged records sheet rejects that file only."""
    reasons = [f"第{i}项：" + "受疫情和原材料价格上涨影响，" * 140 for i in range(18)]
    indicators = [["产出指标", "数量指标", f"指标{i}", "≥1000个", "10个", "100个", reason, None, None, "√", None]
                  for i, reason in enumerate(reasons)]
    units = tmp_path / "units"
    units.mkdir()
    write_grid(units / "a.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=indicators, unit="单位甲", project="长项目"))
    write_form(units / "b.xlsx", unit="单位乙", project="项目乙")
    department = tmp_path / "dept" / "部门汇总.xlsx"
    code, direct = run(capsys, units, "-o", department)
    assert code == 0
    from xlmon.adapters.files import read_workbook
    from xlmon.consolidate.extract import RECORDS_SHEET

    rows = read_workbook(department).sheets[RECORDS_SHEET]
    assert max(len("".join(c for c in row if isinstance(c, str))) for row in rows) > 32767
    code, bureau = run(capsys, department, "-o", tmp_path / "bureau.xlsx")
    assert code == 0 and bureau["totals"] == direct["totals"] and bureau["projects"] == 2
    listed = load_workbook(tmp_path / "bureau.xlsx", read_only=True)["指标偏差"]
    assert sorted(r[10] for r in listed.iter_rows(min_row=2, values_only=True) if r[2] == "长项目") == sorted(reasons)

    import openpyxl
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    book = openpyxl.load_workbook(department)
    cut = next(row[0] for row in book[RECORDS_SHEET].iter_rows(min_row=2) if "项目乙" in row[0].value)
    cut.value = cut.value[:-5]  # the end of a record cut off, as when a cell is edited by hand
    book.save(damaged / "改坏的汇总.xlsx")  # a summary of other units than the folder's: not skipped
    write_form(damaged / "c.xlsx", unit="单位丙", project="项目丙")
    code, data = run(capsys, damaged, "-o", tmp_path / "s.xlsx")
    status = {Path(f["path"]).name: (f["status"], f["reason"]) for f in data["files"]}
    assert code == 0 and data["projects"] == 1 and status["c.xlsx"][0] == "included"
    assert status["改坏的汇总.xlsx"][0] == "rejected" and f"第 {cut.row} 行" in status["改坏的汇总.xlsx"][1]


def test_a_summary_of_other_units_in_a_folder_of_unit_files_is_consolidated(tmp_path, capsys):
    """An inbox holding one department's summary and another department's unit files: both count. An
    earlier summary of the folder's own unit files is still skipped."""
    units = tmp_path / "卫健委"
    units.mkdir()
    write_form(units / "医院.xlsx", unit="市医院", project="设备购置")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    run(capsys, units, "-o", inbox / "卫健委汇总.xlsx")
    write_form(inbox / "一中.xlsx", unit="第一中学", project="校舍维修")
    code, data = run(capsys, inbox, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["projects"] == 2
    run(capsys, inbox, "-o", inbox / "收件箱汇总.xlsx")  # a summary of the inbox, left in the inbox
    shutil.copy(inbox / "收件箱汇总.xlsx", inbox / "上次汇总.xlsx")
    code, data = run(capsys, inbox, "-o", tmp_path / "again.xlsx")
    status = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert code == 0 and data["projects"] == 2 and not data["duplicates"]
    assert status["上次汇总.xlsx"] == status["收件箱汇总.xlsx"] == "rejected"


def test_a_summary_beside_only_some_of_its_units_files_is_brought_up_to_date(tmp_path, capsys):
    """A bureau's inbox holds each department's summary and one school's file sent straight to it too: the
    department's summary is consolidated, not skipped for that one file, and the school counted once."""
    for department, units in (("教育局", ["一中", "二中", "三中"]), ("卫健委", ["一院", "二院"])):
        (tmp_path / department).mkdir()
        for unit in units:
            write_form(tmp_path / department / f"{unit}.xlsx", unit=unit, project="设备购置", department=f"某市{department}")
    inbox = tmp_path / "局收件"
    inbox.mkdir()
    for department in ("教育局", "卫健委"):
        assert run(capsys, tmp_path / department, "-o", inbox / f"{department}汇总.xlsx")[0] == 0
    shutil.copy(tmp_path / "教育局" / "一中.xlsx", inbox)
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    status = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert code == 0 and data["projects"] == data["units"] == 5 and len(data["duplicates"]) == 1
    assert status["教育局汇总.xlsx"] == status["卫健委汇总.xlsx"] == "included"


def test_a_summary_of_files_of_one_name_is_not_skipped_for_another_file_of_that_name(tmp_path, capsys):
    """A department keeps each unit's 监控表.xlsx in a folder of its own; in the bureau's inbox its summary lay beside
    another department's unit's 监控表.xlsx, and every file it consolidated, named 监控表.xlsx, was taken for one
    lying beside it: the summary was skipped, its units silently left out. A file beside it is one it consolidated
    only of a unit it holds."""
    for unit in ("一中", "二中"):
        (tmp_path / "教育局" / unit).mkdir(parents=True)
        write_form(tmp_path / "教育局" / unit / "监控表.xlsx", unit=unit, project="设备购置")
    inbox = tmp_path / "局收件"
    inbox.mkdir()
    assert run(capsys, tmp_path / "教育局", "-o", inbox / "教育局汇总.xlsx")[0] == 0
    write_form(inbox / "监控表.xlsx", unit="一院", project="设备购置", department="某市卫生健康委员会")
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    status = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert code == 0 and data["projects"] == data["units"] == 3 and not data["duplicates"]
    assert status == {"教育局汇总.xlsx": "included", "监控表.xlsx": "included"}
    shutil.copy(tmp_path / "教育局" / "一中" / "监控表.xlsx", inbox)  # one of its very files: still consolidated
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and data["projects"] == data["units"] == 2 and len(data["duplicates"]) == 1
    shutil.copytree(tmp_path / "教育局", inbox / "教育局")  # every one of its files beside it: skipped, as before
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and {Path(f["path"]).name: f["status"] for f in data["files"]}["教育局汇总.xlsx"] == "rejected"


def test_a_summary_of_one_file_of_a_common_name_is_not_skipped_for_another_units_of_that_name(tmp_path, capsys):
    """A department's one unit sent 监控表.xlsx, and so did another department's unit, straight to the bureau: the
    summary lay beside a file of the name of every file it consolidated, and was skipped as made of them."""
    (tmp_path / "教育局").mkdir()
    write_form(tmp_path / "教育局" / "监控表.xlsx", unit="一中", project="设备购置")
    inbox = tmp_path / "局收件"
    (inbox / "卫健委").mkdir(parents=True)
    assert run(capsys, tmp_path / "教育局", "-o", inbox / "教育局汇总.xlsx")[0] == 0
    write_form(inbox / "卫健委" / "监控表.xlsx", unit="一院", project="设备购置", department="某市卫生健康委员会")
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and data["projects"] == data["units"] == 2 and not data["duplicates"]
    write_form(inbox / "监控表.xlsx", unit="一中", project="设备购置", funding=more_spent())  # its unit's, re-sent
    os.utime(inbox / "监控表.xlsx", (time.time() + 60,) * 2)
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    status = {str(Path(f["path"]).relative_to(inbox)): f["status"] for f in data["files"]}
    assert code == 0 and status["教育局汇总.xlsx"] == "rejected" and data["projects"] == 2


def test_bad_files_rejected_others_kept(tmp_path, capsys):
    good = write_form(tmp_path / "good.xlsx", unit="单位甲", project="项目甲")
    (tmp_path / "broken.xlsx").write_bytes(good.read_bytes()[:500])
    (tmp_path / "~$good.xlsx").write_bytes(b"lock")
    other = tmp_path / "notes.xlsx"
    write_grid(other, [["说明"], ["这里没有表"]])
    code, data = run(capsys, tmp_path, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["projects"] == 1
    status = {Path(f["path"]).name: (f["status"], f["reason"]) for f in data["files"]}
    assert "~$good.xlsx" not in status and "s.xlsx" not in status
    assert status["good.xlsx"] == ("included", None)
    assert status["broken.xlsx"][0] == "rejected" and "损坏" in status["broken.xlsx"][1]
    assert status["notes.xlsx"][0] == "rejected" and "监控表" in status["notes.xlsx"][1]
    # running again with the summary inside the input folder: the output itself is skipped
    code, again = run(capsys, tmp_path, "-o", tmp_path / "s.xlsx")
    assert again["totals"] == data["totals"]


def test_other_spreadsheet_formats_in_a_folder_are_listed_not_dropped(tmp_path, capsys, soffice):
    """A unit that sends its form as .xlsb, .ods (saved by a real spreadsheet program) or a WPS .et that holds
    no BIFF8 must show up as rejected with what to do, not vanish from the consolidation; a legacy .xls (and an
    .et holding its data) is read (test_legacy_xls), and so is an .xlsx renamed .xls, as Excel opens it."""
    from conftest import libreoffice_convert

    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "甲.xlsx", unit="单位甲", project="项目甲")
    source = write_form(tmp_path / "乙.xlsx", unit="单位乙", project="项目乙")
    for target in ("xls:MS Excel 97", "ods"):
        [saved] = libreoffice_convert(soffice, [source], tmp_path / "lo", target)
        shutil.copy(saved, units)
    (units / "丙.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))  # an .et of no data xlmon reads
    with zipfile.ZipFile(units / "乙.xlsb", "w") as xlsb:  # LibreOffice reads .xlsb but cannot save one
        xlsb.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        xlsb.writestr("xl/workbook.bin", b"\x83\x01\x00")
    write_form(units / "改名.xls", unit="单位丁", project="项目丁")  # an xlsx renamed: read as Excel opens it
    (units / "说明.docx").write_bytes(b"PK\x03\x04 not a workbook")
    (units / "名单.csv").write_text("单位名称\n单位甲\n", encoding="utf-8")
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["projects"] == 3
    status = {Path(f["path"]).name: (f["status"], f["reason"]) for f in data["files"]}
    assert set(status) == {"甲.xlsx", "乙.xls", "乙.ods", "乙.xlsb", "丙.et", "改名.xls"}
    assert status["乙.xls"] == status["改名.xls"] == ("included", None)
    for name, words in {"乙.ods": ".ods", "乙.xlsb": ".xlsb", "丙.et": "WPS"}.items():
        assert status[name][0] == "rejected" and words in status[name][1] and "另存为" in status[name][1], name
    listed = load_workbook(tmp_path / "s.xlsx", read_only=True)["文件清单"]
    assert {Path(str(row[0])).name for row in listed.iter_rows(values_only=True)} >= set(status)
    code = main(["check", str(units)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and sum(": F002 " in line for line in lines) == 3


def test_a_form_saved_as_a_template_is_read_not_dropped(tmp_path, capsys, soffice):
    """A unit that picks 模板 in 另存为 sends its filled form as .xltx or .xlt (WPS: .ett), in the same format as
    .xlsx or .xls: it is read as one, not left out of the folder's consolidation without a word."""
    from conftest import libreoffice_convert

    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "甲.xlsx", unit="单位甲", project="项目甲")
    sources = [write_form(tmp_path / f"{name}.xlsx", unit=f"单位{name}", project=f"项目{name}") for name in "乙丙丁"]
    [xltx] = libreoffice_convert(soffice, sources[:1], tmp_path / "lo", "xltx:Calc MS Excel 2007 XML Template")
    xlts = libreoffice_convert(soffice, sources[1:], tmp_path / "lo", "xlt:MS Excel 97 Vorlage/Template")
    shutil.copy(xltx, units / "乙.xltx")
    shutil.copy(xlts[0], units / "丙.xlt")
    shutil.copy(xlts[1], units / "丁.ett")  # WPS's template holds the BIFF8 of an .xls, as its .et does
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    status = {Path(f["path"]).name: f["status"] for f in data["files"]}
    assert status == dict.fromkeys(("甲.xlsx", "乙.xltx", "丙.xlt", "丁.ett"), "included")
    assert code == 0 and data["projects"] == 4

class _GbkName(zipfile.ZipInfo):
    __slots__ = ()

    def _encodeFilenameFlags(self):  # zipfile would write the name in UTF-8 and set the flag saying so
        return self.filename.encode("gbk"), self.flag_bits


class _Utf8Unflagged(zipfile.ZipInfo):
    __slots__ = ()

    def _encodeFilenameFlags(self):
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


def gbk_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip as Chinese Windows' 发送到→压缩文件夹 makes it: names in GBK, without the UTF-8 flag."""
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(_GbkName(name), data)
    return path


def test_archives_in_a_folder_are_listed_with_the_workbooks_they_hold(tmp_path, capsys):
    units = tmp_path / "units"
    units.mkdir()
    write_form(units / "甲.xlsx", unit="单位甲", project="项目甲")
    inner = write_form(tmp_path / "乙.xlsx", unit="单位乙", project="项目乙").read_bytes()
    gbk_zip(units / "各单位材料.zip", {"材料/单位乙.xlsx": inner, "单位丙.xls": b"", "说明.docx": b"", "~$单位乙.xlsx": b""})
    with zipfile.ZipFile(units / "空.zip", "w") as z:
        z.writestr("readme.txt", "")
    with zipfile.ZipFile(units / "mac.zip", "w") as z:  # as a Mac's Archive Utility or Linux's zip: UTF-8, no flag
        z.writestr(_Utf8Unflagged("单位己/单位己.xlsx"), inner)
    (units / "单位丁.rar").write_bytes(b"Rar!\x1a\x07\x00")
    (units / "单位戊.7z").write_bytes(b"7z\xbc\xaf\x27\x1c")
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["projects"] == 1
    status = {Path(f["path"]).name: (f["status"], f["reason"]) for f in data["files"]}
    assert set(status) == {"甲.xlsx", "各单位材料.zip", "空.zip", "mac.zip", "单位丁.rar", "单位戊.7z"}
    assert status["各单位材料.zip"] == ("rejected", next(d["message"] for d in data["diagnostics"]
                                                         if d["file"].endswith(".zip") and "材料" in d["file"]))
    assert "zip 压缩包，内含工作簿：单位乙.xlsx、单位丙.xls，" in status["各单位材料.zip"][1]
    assert "没有 Excel 工作簿" in status["空.zip"][1]
    assert "zip 压缩包，内含工作簿：单位己.xlsx，" in status["mac.zip"][1]
    assert "RAR 压缩包" in status["单位丁.rar"][1] and "7z 压缩包" in status["单位戊.7z"][1]
    assert all(status[n][0] == "rejected" and "请解压" in status[n][1] for n in status if n != "甲.xlsx")
    assert sum(d["code"] == "F009" for d in data["diagnostics"]) == 5
    code = main(["check", str(units / "各单位材料.zip")])
    assert code == 1 and ": F009 这是 zip 压缩包" in capsys.readouterr().out


def test_a_zip_unpacked_beside_its_workbooks_is_no_file_to_see_to(tmp_path, capsys):
    """Unpacked into the folder it lies in (解压到当前文件夹): its workbooks, byte for byte, are read from the
    folder, so the zip is a note, not an error asking to unpack it. One holding a workbook that is not there, or
    another version of one that is, still asks for it, by name."""
    units = tmp_path / "units"
    units.mkdir()
    a = write_form(units / "单位甲.xlsx", unit="单位甲", project="项目甲").read_bytes()
    b = write_form(units / "单位乙.xlsx", unit="单位乙", project="项目乙").read_bytes()
    gbk_zip(units / "甲乙.zip", {"报送材料/单位甲.xlsx": a, "单位乙.xlsx": b, "说明.docx": b"x"})
    older = write_form(tmp_path / "单位乙.xlsx", unit="单位乙", project="项目乙", funding=more_spent(-5)).read_bytes()
    gbk_zip(units / "乙旧版.zip", {"单位乙.xlsx": older})
    c = write_form(tmp_path / "单位丙.xlsx", unit="单位丙", project="项目丙").read_bytes()
    gbk_zip(units / "甲丙.zip", {"单位甲.xlsx": a, "单位丙.xlsx": c})
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["projects"] == 2
    said = {Path(d["file"]).name: (d["code"], d["severity"], d["message"]) for d in data["diagnostics"]
            if d["file"].endswith(".zip")}
    assert said["甲乙.zip"][:2] == ("F015", "info") and "单位甲.xlsx、单位乙.xlsx" in said["甲乙.zip"][2]
    assert said["乙旧版.zip"][0] == "F009" and "内含工作簿：单位乙.xlsx，" in said["乙旧版.zip"][2]
    assert said["甲丙.zip"][0] == "F009" and "内含工作簿：单位丙.xlsx（另有 单位甲.xlsx 已在本次文件中" in said["甲丙.zip"][2]
    reasons = {Path(f["path"]).name: f["reason"] for f in data["files"]}
    assert reasons["甲乙.zip"] == said["甲乙.zip"][2] and "无需处理" in reasons["甲乙.zip"]
    assert main(["check", str(units / "甲乙.zip"), str(units / "单位甲.xlsx"), str(units / "单位乙.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "甲乙.zip: F015 " in out and "无法读取" not in out
    assert main(["check", str(units / "甲乙.zip"), str(units / "单位甲.xlsx")]) == 1  # 单位乙 not given: unpack it
    assert "甲乙.zip: F009 这是 zip 压缩包，内含工作簿：单位乙.xlsx（另有 单位甲.xlsx" in capsys.readouterr().out


def test_output_never_overwrites_an_input_or_the_roster(tmp_path, capsys):
    """Only an earlier summary may be replaced: a unit's file or the roster at the output path is refused."""
    units = tmp_path / "units"
    units.mkdir()
    a = write_form(units / "a.xlsx", unit="单位甲", project="项目甲")
    b = write_form(units / "b.xlsx", unit="单位乙", project="项目乙")
    roster = tmp_path / "名单.xlsx"
    write_grid(roster, [["单位名称"], ["单位甲"]])
    before = {p: p.read_bytes() for p in (a, b, roster)}
    for args in ([a, b, "-o", a], [units, "-o", units / "b.xlsx"], [units, "-o", units / "x" / ".." / "a.xlsx"],
                 [units, "--roster", roster, "-o", roster]):
        code, data = run(capsys, *args)
        assert code == 2 and not data, args
    assert {p: p.read_bytes() for p in before} == before
    code, data = run(capsys, units, "-o", units / "汇总.xlsx")
    assert code == 0 and data["projects"] == 2
    code, again = run(capsys, units, "-o", units / "汇总.xlsx")  # an earlier summary is replaced, not read
    assert code == 0 and again["projects"] == 2 and len(again["files"]) == 2


def test_nothing_usable_exit_1_and_no_file(tmp_path, capsys):
    write_grid(tmp_path / "notes.xlsx", [["说明"]])
    out = tmp_path / "s.xlsx"
    code, data = run(capsys, tmp_path / "notes.xlsx", "-o", out)
    assert code == 1 and not out.exists() and data["output"] is None


def test_nothing_usable_says_why_without_a_funding_picture(tmp_path, capsys):
    """Nothing to consolidate: each file and why it was not taken, not a summary of zeros over 期间 XXXX年."""
    write_grid(tmp_path / "notes.xlsx", [["说明"]])
    assert main(["consolidate", str(tmp_path / "notes.xlsx"), str(tmp_path / "gone.xlsx"), "-o",
                 str(tmp_path / "s.xlsx")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "文件 2 个，未纳入 2 个："
    assert [line.split("：")[1] for line in lines[1:3]] == [str(tmp_path / "notes.xlsx"), str(tmp_path / "gone.xlsx")]
    assert lines[-1] == "没有可汇总的监控表，未生成汇总文件。" and len(lines) == 4
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["consolidate", str(empty), "-o", str(tmp_path / "s.xlsx")]) == 1
    assert capsys.readouterr().out.splitlines() == ["输入中没有找到工作簿文件（.xlsx/.xlsm/.xls）。", "没有可汇总的监控表，未生成汇总文件。"]


def test_locked_target_leaves_no_partial_file(tmp_path, capsys, monkeypatch):
    """Excel holding the summary open makes the final rename fail (PermissionError on Windows)."""
    import xlmon.consolidate.workbook as writer

    write_form(tmp_path / "u.xlsx", unit="单位甲", project="项目甲")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(out / "s.xlsx")]) == 0  # the previous summary
    previous = (out / "s.xlsx").read_bytes()
    capsys.readouterr()

    def locked(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(writer.os, "replace", locked)
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(out / "s.xlsx")]) == 2
    assert "无法写入" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["s.xlsx"] and (out / "s.xlsx").read_bytes() == previous


def test_a_full_disk_is_said_with_the_summarys_path_and_leaves_the_earlier_one(tmp_path, capsys, monkeypatch):
    """The disk filling while the summary is written: xlsxwriter wraps the OSError in its own FileCreateError, which
    the command line took for a failure of its own (内部错误（FileCreateError: [Errno 28] …）, no path named) and the
    add-in's 汇总 showed as 运行出错. It is the disk's, said with the file and why."""
    import errno

    from xlmon.consolidate.quick_xlsx import QuickWorkbook

    write_form(tmp_path / "u.xlsx", unit="单位甲", project="项目甲")
    out = tmp_path / "out"
    out.mkdir()
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(out / "s.xlsx")]) == 0
    previous = (out / "s.xlsx").read_bytes()
    capsys.readouterr()

    def full(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(QuickWorkbook, "_store_workbook", full)
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(out / "s.xlsx")]) == 2
    err = capsys.readouterr().err
    assert f"无法写入 {out / 's.xlsx'}（磁盘空间不足）" in err and "Error" not in err
    assert [p.name for p in out.iterdir()] == ["s.xlsx"] and (out / "s.xlsx").read_bytes() == previous
    units = tmp_path / "units"
    units.mkdir()
    shutil.copy(tmp_path / "u.xlsx", units)
    from xlmon.entry_points import summarise_folder

    message, output = summarise_folder(units)
    assert output is None and "中保存汇总表（磁盘空间不足）" in message
    assert [p.name for p in units.iterdir()] == ["u.xlsx"]


def test_a_folders_own_earlier_summary_adds_nothing_after_a_unit_resends_under_another_name(tmp_path, capsys):
    """The ribbon's 汇总 writes 部门汇总（2）.xlsx beside last time's 部门汇总.xlsx, which is then an input. A unit
    re-sends its file as 一中（更正）.xlsx with its project renamed: last time's summary was consolidated (one of its
    files gone), and its stale copy of the project counted beside the corrected one. A summary made of this very
    folder is skipped while any of its files is here; one made elsewhere still only when all are (a bureau's)."""
    folder = tmp_path / "收件"
    folder.mkdir()
    for unit in ("一中", "二中", "三中"):
        write_form(folder / f"{unit}.xlsx", unit=unit, project=f"{unit}校舍维修项目")
    code, first = run(capsys, folder, "-o", folder / "部门汇总.xlsx")
    (folder / "一中.xlsx").unlink()
    write_form(folder / "一中（更正）.xlsx", unit="一中", project="一中校舍维修改造工程")
    code, again = run(capsys, folder, "-o", folder / "部门汇总（2）.xlsx")
    assert code == 0 and again["projects"] == first["projects"] == 3
    status = {Path(f["path"]).name: f["status"] for f in again["files"]}
    assert status["部门汇总.xlsx"] == "rejected" and status["一中（更正）.xlsx"] == "included"
    # that summary sent to a bureau's inbox (of the same name, as 收件 often is) with one of its units' files sent
    # straight there too: made elsewhere, it is consolidated, not skipped with its other units
    inbox = tmp_path / "局" / "收件"
    inbox.mkdir(parents=True)
    shutil.copy(folder / "部门汇总（2）.xlsx", inbox / "教育局汇总.xlsx")
    shutil.copy(folder / "二中.xlsx", inbox)
    code, bureau = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["projects"] == 3
    # the department's folder moved (another drive, a share) and a unit taken out: still last time's summary there
    moved = tmp_path / "D盘" / "收件"
    shutil.copytree(folder, moved)
    (moved / "三中.xlsx").unlink()
    (moved / "部门汇总.xlsx").unlink()  # the summary before last, whose files are mostly gone, is left out here
    code, after = run(capsys, moved, "-o", moved / "部门汇总（3）.xlsx")
    assert code == 0 and after["projects"] == 2


def test_a_temporary_file_left_by_a_killed_run_is_removed_by_a_later_one(tmp_path, capsys):
    """kill -9 (or a power cut) during a write leaves its .xlmon-XXXX.xlsx beside the target for good, and on Windows
    the dot does not hide it. A later write in that folder removes one that is hours old; a fresh one, perhaps
    another run's at work, and anything not ours stay."""
    write_form(tmp_path / "u.xlsx", unit="单位甲", project="项目甲")
    out = tmp_path / "out"
    out.mkdir()
    stale, fresh, theirs = out / ".xlmon-abc123.xlsx", out / ".xlmon-def456.xlsx", out / ".其他.xlsx"
    for p in (stale, fresh, theirs):
        p.write_bytes(b"PK")
    hours_ago = os.stat(stale).st_mtime - 7 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    os.utime(theirs, (hours_ago, hours_ago))
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(out / "s.xlsx")]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([fresh.name, theirs.name, "s.xlsx"])


def test_a_workbook_that_is_not_a_summary_is_never_written_over(tmp_path, capsys):
    """Not an input, not in an input folder: a unit's form (or any file) at -o is refused, not replaced."""
    write_form(tmp_path / "u.xlsx", unit="单位甲", project="项目甲")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    form = write_form(elsewhere / "单位乙.xlsx", unit="单位乙", project="项目乙")
    kept = form.read_bytes()
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(form)]) == 2
    assert "不是 xlmon 生成的汇总表，不会覆盖它" in capsys.readouterr().err and form.read_bytes() == kept
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(elsewhere / "汇总.xlsx")]) == 0
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(elsewhere / "汇总.xlsx")]) == 0  # ours: replaced


def test_target_is_a_folder_fails_cleanly(tmp_path, capsys):
    write_form(tmp_path / "u.xlsx", unit="单位甲", project="项目甲")
    (tmp_path / "s.xlsx").mkdir()
    assert main(["consolidate", str(tmp_path / "u.xlsx"), "-o", str(tmp_path / "s.xlsx")]) == 2
    assert f"{tmp_path / 's.xlsx'} 是文件夹，请给出汇总文件的文件名" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".xlmon-")] == []


def test_unit_text_never_becomes_a_formula(tmp_path, capsys):
    hostile = ("=HYPERLINK(\"http://x\",\"点我\")", "=cmd|' /C calc'!A0")
    for i, name in enumerate(hostile):
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i}", project=name)
    out = tmp_path / "s.xlsx"
    run(capsys, tmp_path, "-o", out)
    ws = load_workbook(out)["项目明细"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value in hostile]
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_roster_lists_missing_units(tmp_path, capsys):
    write_form(tmp_path / "u.xlsx", unit="单位甲", project="项目甲")
    roster = tmp_path / "roster.csv"
    roster.write_text("单位名称\n单位甲\n单位乙\n", encoding="utf-8")
    _, data = run(capsys, tmp_path / "u.xlsx", "-o", tmp_path / "s.xlsx", "--roster", roster)
    assert data["missing_units"] == ["单位乙"]
    assert any(d["code"] == "K003" and "单位乙" in d["message"] for d in data["diagnostics"])


def test_summaries_consolidate_to_the_same_totals(department, tmp_path, capsys):
    files = sorted(department.glob("*.xlsx"))
    east, west = tmp_path / "东", tmp_path / "西"
    for folder, part in ((east, files[::2]), (west, files[1::2])):
        folder.mkdir()
        for f in part:
            shutil.copy(f, folder / f.name)
    _, direct = run(capsys, department, "-o", tmp_path / "direct.xlsx")
    run(capsys, east, "-o", tmp_path / "东汇总.xlsx")
    run(capsys, west, "-o", tmp_path / "西汇总.xlsx")
    # a bureau mixes both departments' summaries with one unit file that is already in a summary
    code, bureau = run(capsys, tmp_path / "东汇总.xlsx", tmp_path / "西汇总.xlsx", files[0], "-o",
                       tmp_path / "局汇总.xlsx")
    assert code == 0
    assert bureau["projects"] == direct["projects"] and bureau["grades"] == direct["grades"]
    for f, value in direct["totals"].items():
        assert bureau["totals"][f] == pytest.approx(value, abs=1e-6), f
    forms = len(check_file(files[0]).forms)  # in 东汇总 and sent straight: said once, of the summary
    assert bureau["duplicates"] == [f"东汇总.xlsx 中的 {forms} 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件"]
    codes = {d["code"] for d in bureau["diagnostics"]}
    assert {"C001", "N001"} <= codes, "the units' findings travel up with their summaries"
    # a project read from a department's summary names its unit's file and links to the summary the bureau has
    detail = load_workbook(tmp_path / "局汇总.xlsx")["项目明细"]
    links = {(c.value, c.hyperlink.target, c.hyperlink.tooltip) for c in detail["W"][1:]}
    east_names = {f.name for f in files[::2]} - {files[0].name}
    east_links = {link for link in links if link[0] in east_names}
    assert {name for name, _, _ in east_links} == east_names
    assert all(target == "东汇总.xlsx" and tip == f"打开 东汇总.xlsx，该项目汇总自 {name}" for name, target, tip in east_links)


def complete_department_form(summary: Path, *, forecast: float, spent: float | None = None) -> dict:
    """Fill in a summary's 部门整体 as a department does (a goal and one indicator, perhaps an amount);
    returns where the inputs went."""
    from openpyxl import load_workbook as load

    from xlmon.form_plan import INDICATOR_COLS, letter, plan_form

    layout = plan_form("department", year=2026, months=6).layout
    level1, level2, r = layout.indicator_rows[0]
    col = {k: letter(c) for k, c in INDICATOR_COLS.items()}
    book = load(summary)
    ws = book["部门整体"]
    ws[layout.header["goal"]] = "保障全市教育事业正常运转"
    cells = {"level3": f"{col['level3']}{r}", "forecast": f"{col['forecast']}{r}"}
    ws[cells["level3"]], ws[f"{col['target']}{r}"] = "资助学生人数", "≥1000人"
    ws[f"{col['actual']}{r}"], ws[cells["forecast"]] = "400人", f"{forecast:g}人"
    ws[f"{col['完全不可能']}{r}"] = "√"
    if spent is not None:
        cells["spent"] = layout.funding[("spending", "基本支出")]["spent"]
        ws[cells["spent"]] = spent
    book.save(summary)
    return cells


def test_a_subtotal_typed_alone_in_a_units_department_form_is_not_half_prefilled(tmp_path, capsys):
    """A unit's 部门整体 giving 一般公共预算资金 and 基本支出 as a 小计 alone (R215): the pre-fill summed its 下达数 and
    支出数 without its budget, so the department's form showed 支出 120 over a 小计 of 100 and check called xlmon's own
    pre-fill 超预算开支; one with an amount unread (待核实) counted it as 0, and the pre-fill's two blocks disagreed
    (R202). Such a form is left out of the pre-fill and named in the note. A 小计 the department itself types alone in
    its completed form is carried by --overall-from, not lost to 无预算开支 (R206)."""
    from xlmon.templates import template_workbook

    layout = plan_form("department", year=2026, months=6).layout
    fund, basic = layout.funding[("source", "一般公共预算资金")], layout.funding[("spending", "基本支出")]
    units = tmp_path / "units"
    units.mkdir()
    for n, (name, cells) in enumerate((
            ("甲单位", {fund["current"]: 100, fund["issued"]: 50, fund["spent"]: 40, fund["forecast"]: 100,
                       basic["current"]: 100, basic["issued"]: 50, basic["spent"]: 40, basic["forecast"]: 100}),
            ("乙单位", {fund["subtotal"]: 200, fund["issued"]: 100, fund["spent"]: 80, fund["forecast"]: 200,
                       basic["subtotal"]: 200, basic["issued"]: 100, basic["spent"]: 80, basic["forecast"]: 200}),
            ("丙单位", {fund["current"]: 50, fund["issued"]: 20, fund["spent"]: "待核实", fund["forecast"]: 50,
                       basic["current"]: 50, basic["issued"]: 20, basic["spent"]: 10, basic["forecast"]: 50}))):
        wb = template_workbook("department", year=2026, months=6, department=f"{name}（10100100{n}）")
        for cell, v in cells.items():
            wb.active[cell] = v
        wb.save(units / f"{name}.xlsx")
    summary = tmp_path / "部门汇总.xlsx"
    code, _ = run(capsys, units, "-o", summary)
    ws = load_workbook(summary)["部门整体"]
    assert code == 0 and (ws[fund["current"]].value, ws[fund["spent"]].value) == (100, 40)
    note = next(c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "只填写了小计" in c.value)
    assert "乙单位（101001001）的部门整体表“一般公共预算资金、基本支出”只填写了小计" in note
    assert "丙单位（101001002）的部门整体表有金额无法识别" in note  # counted as 0, the blocks would disagree
    assert not {"R205", "R203", "R202"} & {d.code for d in check_file(summary).diagnostics}

    # a summary written before such forms were left out pre-filled them (待核实 as 0): untouched, it is still xlmon's
    # pre-fill, not the department's completed form (which a new summary would refuse to write over)
    from xlmon.consolidate.records import overall_sums

    earlier = load_workbook(summary)
    overall = [r for r in consolidate_records(summary) if r.kind == "department"]
    for (block, label), cells in layout.funding.items():
        if label != L.TOTAL_ROW and (sums := overall_sums(overall, block, label, every=True, zeros=True)):
            for f, v in zip(("carryover", "current", "issued", "spent", "forecast"), sums):
                earlier["部门整体"][cells[f]] = v
    earlier.save(summary)
    assert main(["consolidate", str(units), "-o", str(summary)]) == 0

    complete_department_form(summary, forecast=900)
    book = load_workbook(summary)
    typed = {"current": 300, "issued": 170, "spent": 120, "forecast": 350}  # the department's own totals, some of
    for f, v in typed.items():  # them equal to what an older summary would have pre-filled
        book["部门整体"][fund[f]] = v
    book["部门整体"][layout.funding[("source", "单位资金")]["subtotal"]] = 30
    book["部门整体"][layout.funding[("source", "单位资金")]["spent"]] = 12
    book.save(summary)
    assert main(["consolidate", str(units), "-o", str(summary), "--overall-from", str(summary)]) == 0
    carried = load_workbook(summary)["部门整体"]
    assert carried[layout.funding[("source", "单位资金")]["subtotal"]].value == 30
    assert {f: carried[fund[f]].value for f in typed} == typed
    assert "R206" not in {d.code for d in check_file(summary).diagnostics}


def test_a_department_form_completed_in_the_summary_is_the_departments_one_level_up(department, tmp_path, capsys):
    """The department fills in its summary's 部门整体 (goal, indicators) and sends the summary up: the bureau
    reads that form as the department's overall form, checks and grades it, and no longer counts the units'
    部门整体 forms it was pre-filled from; the project totals stay the units'."""
    _, direct = run(capsys, department, "-o", tmp_path / "dept.xlsx")
    shutil.copy(tmp_path / "dept.xlsx", tmp_path / "untouched.xlsx")
    units_overall = len(direct_overall := [r for r in consolidate_records(tmp_path / "dept.xlsx") if r.kind != "project"])
    assert units_overall >= 2
    cells = complete_department_form(tmp_path / "dept.xlsx", forecast=500)
    code, bureau = run(capsys, tmp_path / "dept.xlsx", "-o", tmp_path / "bureau.xlsx")
    assert code == 0 and bureau["projects"] == direct["projects"]
    assert bureau["totals"] == pytest.approx(direct["totals"])
    k006 = [d for d in bureau["diagnostics"] if d["code"] == "K006"]
    assert len(k006) == 1 and k006[0]["file"].endswith("dept.xlsx") and k006[0]["sheet"] == "部门整体"
    assert f"其下 {units_overall} 个单位的部门整体表不再单独计入" in k006[0]["message"]
    book = load_workbook(tmp_path / "bureau.xlsx")
    deviations = [r for r in book["指标偏差"].iter_rows(min_row=2, values_only=True) if r[0]]
    own = [r for r in deviations if r[5] == "资助学生人数"]
    assert [(r[0], r[2]) for r in own] == [("红灯", "（部门整体支出）")]
    assert own[0][12] == f"dept.xlsx!部门整体!{cells['forecast']}"
    note = next(c.value for row in book["部门整体"].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("说明"))
    assert "根据 某市教育局" in note and "等" not in note.split("报送")[0]
    assert "只报送了项目表" not in note  # the department's form covers its units' projects
    again = [r for r in consolidate_records(tmp_path / "bureau.xlsx") if r.kind != "project"]
    assert [r.unit for r in again] == ["某市教育局（101001）"] and again[0].indicator_grades["red"] == 1

    # one of those units also sends its own file to the bureau: its 部门整体 is in the department's, not again
    sender = next(r for r in direct_overall if r.unit)
    own_file = department / Path(sender.source or sender.file).name
    code, mixed = run(capsys, tmp_path / "dept.xlsx", own_file, "-o", tmp_path / "mixed.xlsx")
    assert code == 0 and mixed["totals"] == pytest.approx(direct["totals"])
    assert [r.unit for r in consolidate_records(tmp_path / "mixed.xlsx") if r.kind != "project"] == ["某市教育局（101001）"]
    [k002] = [d for d in mixed["diagnostics"] if d["code"] == "K002" and "部门整体" in d["message"]]
    assert k002["file"] == str(own_file) and "填写的部门整体表已含该单位" in k002["message"]
    assert "，因某市教育局（101001）填写的部门整体表已含该单位。" in k002["message"], k002["message"]
    assert not _nested_or_doubled(k002["message"].replace("某市教育局（101001）", "")), k002["message"]
    assert overall_form(tmp_path / "mixed.xlsx").funding == overall_form(tmp_path / "bureau.xlsx").funding

    # the department's work is never written over: a new summary of the units at its path is refused
    before = (tmp_path / "dept.xlsx").read_bytes()
    code = main(["consolidate", str(department), "-o", str(tmp_path / "dept.xlsx")])
    assert code == 2 and "部门整体表已由部门填写" in capsys.readouterr().err
    assert (tmp_path / "dept.xlsx").read_bytes() == before

    # an untouched 部门整体 changes nothing: the units' forms go up as they are
    _, plain = run(capsys, tmp_path / "untouched.xlsx", "-o", tmp_path / "bureau2.xlsx")
    assert not [d for d in plain["diagnostics"] if d["code"] == "K006"]
    assert len([r for r in consolidate_records(tmp_path / "bureau2.xlsx") if r.kind != "project"]) == units_overall
    assert direct_overall

    # an amount changed by the department is its own form too, checked like any form (C-codes, cells)
    shutil.copy(tmp_path / "untouched.xlsx", tmp_path / "amounts.xlsx")
    from openpyxl import load_workbook as load

    from xlmon.form_plan import plan_form
    spent = plan_form("department", year=2026, months=6).layout.funding[("spending", "基本支出")]["spent"]
    wb = load(tmp_path / "amounts.xlsx")
    wb["部门整体"][spent] = (wb["部门整体"][spent].value or 0) + 10
    wb.save(tmp_path / "amounts.xlsx")
    _, changed = run(capsys, tmp_path / "amounts.xlsx", "-o", tmp_path / "bureau3.xlsx")
    assert [d["code"] for d in changed["diagnostics"] if d["code"] == "K006"] == ["K006"]


def test_a_units_overall_form_sent_twice_beside_its_departments_completed_one_is_not_said_to_count(
        department, tmp_path, capsys):
    """A department's summary, its 部门整体 completed, reaches the bureau with a unit's own file and a copy of it
    (某校 - 副本.xlsx). The copy's 部门整体 gave way to the unit's file, which gave way to the department's form:
    two lines said 采用 某校.xlsx!部门整体, a form that does not count, and then 采用 the department's, and the copy's
    K002 named 某校.xlsx as used. One line says both pairs, the unit's file 先采用; the copy's K002 says it was
    replaced."""
    run(capsys, department, "-o", tmp_path / "dept.xlsx")
    complete_department_form(tmp_path / "dept.xlsx", forecast=500)
    sender = next(r for r in consolidate_records(tmp_path / "dept.xlsx") if r.kind != "project" and r.unit)
    own = department / Path(sender.source or sender.file).name
    copy = tmp_path / f"{own.stem} - 副本.xlsx"
    shutil.copy2(own, copy)
    counted = "dept.xlsx!部门整体"
    for files in ((tmp_path / "dept.xlsx", own, copy), (copy, own, tmp_path / "dept.xlsx")):
        code, data = run(capsys, *files, "-o", tmp_path / "bureau.xlsx")
        assert code == 0
        [line] = [d for d in data["duplicates"] if "部门整体" in d]
        assert line.count(" 重复，") == 2 and line.endswith(f"采用 {counted}，因某市教育局（101001）填写的部门整体表已含该单位")
        for used in re.findall(r"(?<!先)采用 (\S+?)，", line):
            assert used == counted, line  # no copy left out is said to be used
        k002 = {Path(d["file"]).name: d["message"] for d in data["diagnostics"]
                if d["code"] == "K002" and "部门整体表在" in d["message"]}
        assert set(k002) == {own.name, copy.name}
        assert f"{own.name}!部门整体 后又被 {counted} 取代" in k002[copy.name], k002[copy.name]


def test_a_departments_completed_summary_sent_with_all_its_units_files_counts_its_form_at_the_bureau(tmp_path,
                                                                                                     capsys):
    """A department sends the bureau its summary, its 部门整体 completed, and its units' files beside it; another
    department's units' files are there too. The bureau's run took the summary for last time's of its own inbox: it
    was skipped, the department's own 部门整体 (its goal, its indicators) counted nowhere, and K021 told the bureau
    to carry it with --overall-from, into the bureau's own 部门整体. The summary now counts as the department's
    (K006), its projects each once from the units' files (K002)."""
    for folder in ("edu", "made", "inbox/卫健委"):
        (tmp_path / folder).mkdir(parents=True)
    for unit in ("一中", "二中"):
        write_form(tmp_path / "edu" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    assert run(capsys, tmp_path / "edu", "-o", tmp_path / "made" / "教育局汇总.xlsx")[0] == 0
    complete_department_form(tmp_path / "made" / "教育局汇总.xlsx", forecast=500)
    inbox = tmp_path / "inbox"
    shutil.copytree(tmp_path / "edu", inbox / "教育局")
    shutil.copy(tmp_path / "made" / "教育局汇总.xlsx", inbox / "教育局汇总.xlsx")
    write_form(inbox / "卫健委" / "一院.xlsx", unit="一院", project="一院项目", department="某市卫生健康委员会（102001）")
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and data["projects"] == 3
    codes = [d["code"] for d in data["diagnostics"]]
    assert "K021" not in codes and codes.count("K006") == 1 and codes.count("K002") == 1
    assert data["duplicates"] == ["教育局汇总.xlsx 中的 2 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件"]
    [summary] = [f for f in data["files"] if f["path"].endswith("教育局汇总.xlsx")]
    assert summary["status"] == "included" and summary["forms"] == 1
    own = [r for r in consolidate_records(tmp_path / "局汇总.xlsx") if r.kind != "project"]
    assert [r.unit for r in own] == ["某市教育局（101001）"] and own[0].indicator_grades["red"] == 1
    _, alone = run(capsys, tmp_path / "edu", "-o", tmp_path / "又一次.xlsx")  # the department's own folder: as before
    assert alone["projects"] == 2


def test_a_departments_edited_summary_sent_with_all_its_units_files_is_no_earlier_summary_of_the_bureau(tmp_path,
                                                                                                      capsys):
    """A department typed over an amount in its summary's 项目明细 and added a column (审核意见) to it, and sent the
    bureau that summary with all its units' files beside it. The bureau's run took it for its own last summary: the
    edit was K015 (上次的汇总表中有 1 处手工修改…上次的汇总表仍保留，需要的内容请抄入新的汇总表) and the department's
    column was carried into the bureau's 项目明细 (K016). It is the department's summary: the edit and the column are
    K005, with their cells, and the bureau's 项目明细 has no column of the department's."""
    for folder in ("edu", "made", "inbox/卫健委"):
        (tmp_path / folder).mkdir(parents=True)
    for unit in ("一中", "二中"):
        write_form(tmp_path / "edu" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    summary = tmp_path / "made" / "教育局汇总.xlsx"
    assert run(capsys, tmp_path / "edu", "-o", summary)[0] == 0
    book = load_workbook(summary)
    details = book["项目明细"]
    header = [c.value for c in details[1]]
    spent = details.cell(2, header.index("支出数") + 1)
    spent.value = 999
    details.cell(1, len(header) + 1, "审核意见")
    details.cell(2, len(header) + 1, "请核实")
    book.save(summary)
    inbox = tmp_path / "inbox"
    shutil.copytree(tmp_path / "edu", inbox / "教育局")
    shutil.copy(summary, inbox / "教育局汇总.xlsx")
    write_form(inbox / "卫健委" / "一院.xlsx", unit="一院", project="一院项目", department="某市卫生健康委员会（102001）")
    code, data = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and data["projects"] == 3
    codes = [d["code"] for d in data["diagnostics"]]
    assert "K015" not in codes and "K016" not in codes
    k005 = [d for d in data["diagnostics"] if d["code"] == "K005"]
    assert {d["file"] for d in k005} == {str(inbox / "教育局汇总.xlsx")} and len(k005) == 2  # the amount, the column
    assert spent.coordinate in {d["cell"] for d in k005} and any("审核意见" in d["message"] for d in k005)
    assert "审核意见" not in [c.value for c in load_workbook(tmp_path / "局汇总.xlsx")["项目明细"][1]]


def _nested_or_doubled(text: str) -> bool:
    """A full-width bracket opened inside another, （…（…）…）, or two bracketed phrases back to back, （…）（…）."""
    depth = 0
    for char in text:
        depth += {"（": 1, "）": -1}.get(char, 0)
        if depth > 1:
            return True
    return "）（" in text


def test_a_form_sent_twice_says_which_copy_counts_and_why_in_a_clause_not_in_brackets(tmp_path, capsys):
    """K002 and the duplicates line said why a copy counts in brackets after it, and named the unit in brackets after
    the project: 项目“校舍维修”（某市教育局（本级））在 …, 采用 部门汇总.xlsx（汇总自 一中.xlsx!表1）（其文件修改时间较晚）,
    brackets nested or back to back. The unit leads the project and why is a clause: 采用 X，因其文件修改时间较晚."""
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["资金总额"][5] = funding["中央财政资金"][5] = funding["中央财政资金"][5] + 10
    (tmp_path / "in").mkdir()
    old = write_form(tmp_path / "in" / "本级.xlsx", unit="某市教育局（本级）", project="校舍维修")
    assert run(capsys, old, "-o", tmp_path / "in" / "部门汇总.xlsx")[0] == 0
    new = write_form(tmp_path / "本级.xlsx", unit="某市教育局（本级）", project="校舍维修", funding=funding)
    later = time.time() + 3600  # than the unit's file the summary was made of
    os.utime(new, (later, later))
    code, data = run(capsys, tmp_path / "in" / "部门汇总.xlsx", new, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0
    [dup] = data["duplicates"]
    assert dup == ("某市教育局（本级）·校舍维修：部门汇总.xlsx 所汇总的 本级.xlsx!表1 与 本级.xlsx!表1 重复，"
                   "采用 本级.xlsx!表1，因其文件修改时间较晚；两份金额不同，请核实"), dup
    [k002] = [d["message"] for d in data["diagnostics"] if d["code"] == "K002"]
    assert k002 == ("某市教育局（本级）的项目“校舍维修”在 本级.xlsx!表1 与 部门汇总.xlsx 所汇总的 本级.xlsx!表1 中重复出现，"
                    "只计一次，采用 本级.xlsx!表1，因其文件修改时间较晚。"), k002
    os.utime(new, (1_700_000_000, 1_700_000_000))  # the summary's copy later: it counts
    _, data = run(capsys, tmp_path / "in" / "部门汇总.xlsx", new, "-o", tmp_path / "局汇总.xlsx")
    [k002] = [d["message"] for d in data["diagnostics"] if d["code"] == "K002"]
    assert k002.endswith("采用 部门汇总.xlsx 所汇总的 本级.xlsx!表1，因其文件修改时间较晚。"), k002
    assert not any(_nested_or_doubled(text) for text in (*data["duplicates"], k002)), (data["duplicates"], k002)


def test_a_form_in_two_summaries_from_one_units_file_says_why_either_copy_serves(tmp_path, capsys):
    """A province takes a city's bureau summary and, again, one of its departments' summaries: each project of that
    department is in both, read from one unit's file. K002 said 重复，采用 X with no reason, as if the choice were
    arbitrary between two that might differ; it says both copies are of the same file."""
    for folder in ("edu", "health", "city", "province"):
        (tmp_path / folder).mkdir()
    write_form(tmp_path / "edu" / "一中.xlsx", unit="一中", project="一中项目")
    write_form(tmp_path / "health" / "一院.xlsx", unit="一院", project="一院项目",
               department="某市卫生健康委员会（102001）")
    for name in ("edu", "health"):
        assert run(capsys, tmp_path / name, "-o", tmp_path / "city" / f"{name}.xlsx")[0] == 0
    assert run(capsys, tmp_path / "city", "-o", tmp_path / "province" / "市汇总.xlsx")[0] == 0
    shutil.copy(tmp_path / "city" / "edu.xlsx", tmp_path / "province" / "教育局汇总.xlsx")
    code, data = run(capsys, tmp_path / "province", "-o", tmp_path / "省汇总.xlsx")
    assert code == 0 and data["projects"] == 2
    [k002] = [d["message"] for d in data["diagnostics"] if d["code"] == "K002"]
    assert k002.endswith("采用 市汇总.xlsx 所汇总的 一中.xlsx!表1，两份汇总自同一文件，内容相同。")
    assert not _nested_or_doubled(k002), k002


def test_a_summarys_copy_of_a_file_named_with_brackets_nests_none(tmp_path, capsys):
    """A unit's file named with brackets of its own, 一中（更正）.xlsx, in its department's summary and sent to the
    bureau too: the summary's copy was 部门汇总.xlsx（汇总自 一中（更正）.xlsx!表1）, brackets in brackets. It is
    named in a clause, the summary first, then the unit's file it summed; both files still named."""
    (tmp_path / "dept").mkdir()
    own = write_form(tmp_path / "dept" / "一中（更正）.xlsx", unit="一中", project="校舍维修")
    assert run(capsys, tmp_path / "dept", "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    code, data = run(capsys, tmp_path / "部门汇总.xlsx", own, "-o", tmp_path / "局" / "局汇总.xlsx")
    assert code == 0 and data["projects"] == 1
    [dup] = data["duplicates"]
    [k002] = [d["message"] for d in data["diagnostics"] if d["code"] == "K002"]
    copy = "部门汇总.xlsx 所汇总的 一中（更正）.xlsx!表1"  # the summary, then the unit's file: no bracket around either
    assert dup == (f"一中·校舍维修：{copy} 与 一中（更正）.xlsx!表1 重复，"
                   "采用 一中（更正）.xlsx!表1，因其是单位报送的文件，另一份取自汇总表"), dup
    assert k002 == (f"一中的项目“校舍维修”在 一中（更正）.xlsx!表1 与 {copy} 中重复出现，只计一次，"
                    "采用 一中（更正）.xlsx!表1，因其是单位报送的文件，另一份取自汇总表。"), k002
    assert not any(_nested_or_doubled(text) for text in (dup, k002)), (dup, k002)


def test_a_summarys_form_of_another_period_from_a_file_named_with_brackets_nests_none(tmp_path, capsys):
    """K001 of a department's summary's one form of another period named the unit's file it came from in brackets
    after the form, 一中的“校舍维修”（汇总自 一中（更正）.xlsx!表1）, nesting that file's own: a clause before it."""
    for folder in ("dept", "in"):
        (tmp_path / folder).mkdir()
    write_form(tmp_path / "dept" / "一中（更正）.xlsx", unit="一中", project="校舍维修", period="（2026年1-5月）")
    assert run(capsys, tmp_path / "dept", "-o", tmp_path / "in" / "部门汇总.xlsx")[0] == 0
    for unit in ("二中", "三中"):
        write_form(tmp_path / "in" / f"{unit}.xlsx", unit=unit, project="项目")
    _, data = run(capsys, tmp_path / "in", "-o", tmp_path / "局汇总.xlsx")
    [k001] = [d["message"] for d in data["diagnostics"] if d["code"] == "K001"]
    assert k001.startswith("该汇总表中汇总自 一中（更正）.xlsx!表1 的一中的“校舍维修”的监控期间为 2026年1-5月，"), k001
    assert not _nested_or_doubled(k001), k001


def test_a_summarys_project_from_a_file_named_with_brackets_links_with_a_tip_nesting_none(tmp_path, capsys):
    """项目明细's 来源文件 of a project read back from a summary opens the summary, its tip naming the unit's file it
    came from: in brackets after the summary, 打开 部门汇总.xlsx（该项目汇总自 一中（更正）.xlsx）, nesting that file's."""
    (tmp_path / "dept").mkdir()
    write_form(tmp_path / "dept" / "一中（更正）.xlsx", unit="一中", project="校舍维修")
    assert run(capsys, tmp_path / "dept", "-o", tmp_path / "部门汇总.xlsx")[0] == 0
    assert run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总.xlsx")[0] == 0
    detail = load_workbook(tmp_path / "局汇总.xlsx")["项目明细"]
    column = next(c.column_letter for c in detail[1] if c.value == "来源文件")
    [source] = detail[column][1:]
    assert source.value == "一中（更正）.xlsx" and source.hyperlink.target == "部门汇总.xlsx"
    assert source.hyperlink.tooltip == "打开 部门汇总.xlsx，该项目汇总自 一中（更正）.xlsx", source.hyperlink.tooltip


def test_two_sub_departments_completing_their_own_department_forms_are_both_counted(department, tmp_path, capsys):
    """Two sub-departments each consolidate their units and complete 部门整体, keeping the 主管部门 line xlmon
    pre-filled (某市教育局（101001）, from their units' forms): the department counts both, told apart by the units
    each consolidated, and its 部门整体 is pre-filled with the amounts of all its units, as from their files
    directly. One sub-department's summary sent again, corrected, is still one."""
    files = sorted(f for f in department.glob("*.xlsx") if "汇总" not in f.name)
    subs = []
    for i, part in enumerate((files[:7], files[7:])):  # each with a unit's 部门整体 form
        folder = tmp_path / f"s{i}"
        folder.mkdir()
        for f in part:
            shutil.copy2(f, folder / f.name)
        run(capsys, folder, "-o", tmp_path / f"sub{i}.xlsx")
        assert [r for r in consolidate_records(tmp_path / f"sub{i}.xlsx") if r.kind == "department"]
        complete_department_form(tmp_path / f"sub{i}.xlsx", forecast=900)
        subs.append(tmp_path / f"sub{i}.xlsx")
    run(capsys, *files, "-o", tmp_path / "direct.xlsx")
    code, data = run(capsys, *subs, "-o", tmp_path / "dept.xlsx")
    assert code == 0 and not [d for d in data["duplicates"] if "部门整体" in d]
    assert len([d for d in data["diagnostics"] if d["code"] == "K006"]) == 2
    overall = [r for r in consolidate_records(tmp_path / "dept.xlsx") if r.kind == "department"]
    assert [(r.unit, r.file) for r in overall] == [("某市教育局（101001）", str(sub)) for sub in subs]
    assert overall_form(tmp_path / "dept.xlsx").funding == overall_form(tmp_path / "direct.xlsx").funding
    _, bureau = run(capsys, tmp_path / "dept.xlsx", "-o", tmp_path / "bureau.xlsx")  # and one level up
    assert len([r for r in consolidate_records(tmp_path / "bureau.xlsx") if r.kind == "department"]) == 2

    corrected = tmp_path / "sub0（更正）.xlsx"
    shutil.copy(subs[0], corrected)
    complete_department_form(corrected, forecast=950)
    os.utime(corrected, (os.stat(subs[0]).st_mtime + 60,) * 2)
    _, again = run(capsys, *subs, corrected, "-o", tmp_path / "again.xlsx")
    [dup] = [d for d in again["duplicates"] if "部门整体" in d]
    assert f"采用 {corrected.name}!部门整体，因其文件修改时间较晚" in dup
    overall = [r for r in consolidate_records(tmp_path / "again.xlsx") if r.kind == "department"]
    assert sorted(r.file for r in overall) == sorted([str(corrected), str(subs[1])])


def test_a_sub_departments_completed_form_in_a_completed_summary_is_not_said_to_count_one_level_up(
        department, tmp_path, capsys):
    """A sub-department completes its 部门整体, its department consolidates that summary with its other units and
    completes its own: one level up the department's form counts in place of the sub-department's, and K006 says so
    of the department's alone; the sub-department's K006 (本次汇总把它…计入) is not carried up, nor is it beyond."""
    files = sorted(f for f in department.glob("*.xlsx") if "汇总" not in f.name)
    (tmp_path / "sub").mkdir()
    for f in files[:7]:
        shutil.copy2(f, tmp_path / "sub" / f.name)
    sub, dept = tmp_path / "二级汇总.xlsx", tmp_path / "部门汇总.xlsx"
    run(capsys, tmp_path / "sub", "-o", sub)
    complete_department_form(sub, forecast=900)
    _, made = run(capsys, sub, *files[7:], "-o", dept)
    assert [d["file"] for d in made["diagnostics"] if d["code"] == "K006"] == [str(sub)]  # it counts here
    complete_department_form(dept, forecast=800)
    code, bureau = run(capsys, dept, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and [r.file for r in consolidate_records(tmp_path / "局汇总.xlsx") if r.kind == "department"] == [
        str(dept)]
    assert [d["file"] for d in bureau["diagnostics"] if d["code"] == "K006"] == [str(dept)]
    _, province = run(capsys, tmp_path / "局汇总.xlsx", "-o", tmp_path / "省汇总.xlsx")
    assert [d["file"] for d in province["diagnostics"] if d["code"] == "K006"] == [str(dept)]


def test_a_damaged_project_record_does_not_lift_the_protection_of_a_completed_form(department, tmp_path, capsys):
    """A completed 部门整体 is never written over, even when a project's line in the hidden records was damaged:
    the overall forms' lines still tell the department's work from xlmon's pre-fill."""
    from openpyxl import load_workbook as load

    summary = tmp_path / "dept.xlsx"
    run(capsys, department, "-o", summary)
    complete_department_form(summary, forecast=500)
    book = load(summary)
    records = book["_xlmon_records"]
    line = next(c for c in records["A"] if isinstance(c.value, str) and '"kind":"project"' in c.value)
    line.value = line.value[:40]  # cut short, as an edit by hand would leave it
    book.save(summary)
    before = summary.read_bytes()
    code = main(["consolidate", str(department), "-o", str(summary)])
    assert code == 2 and "部门整体表已由部门填写" in capsys.readouterr().err
    assert summary.read_bytes() == before


def last_note_row(ws) -> int:
    """The row of a 部门整体 sheet's last footnote (1-based), below which a department signs."""
    from xlmon import layout as L

    return next(c.row for row in ws.iter_rows() for c in row if c.value == L.FOOTNOTES[-1])


def overall_form(summary: Path):
    from xlmon.adapters.files import read_workbook
    from xlmon.reader import read_form

    return read_form(read_workbook(summary).sheets["部门整体"], "部门整体")[0]


def test_the_command_line_names_the_first_projects_sent_twice_and_counts_the_rest(department, tmp_path, capsys):
    """Every unit's file sent again, its bytes not the same (saved once more), sends every project twice: the command
    line printed one 重复 line a project, 30 here and hundreds at a bureau. It prints the first ten, in the order of
    duplicates in the JSON, and counts the rest."""
    again = tmp_path / "again"
    again.mkdir()
    for unit in department.glob("*.xlsx"):
        resent(unit, again / unit.name)
    _, data = run(capsys, department, again, "-o", tmp_path / "局.xlsx")
    assert len(data["duplicates"]) > 10 and not data["duplicate_files"]
    assert main(["consolidate", str(department), str(again), "-o", str(tmp_path / "局2.xlsx")]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  重复：")]
    assert said == [*(f"  重复：{d}" for d in data["duplicates"][:10]),
                    f"  重复：另有 {len(data['duplicates']) - 10} 个项目重复报送，均只计入一次（逐个见汇总表的“校验问题”）。"]


def test_a_summary_sent_twice_is_named_once_as_a_file(department, tmp_path, capsys):
    """A department's summary sent to the bureau twice, byte for byte (教育局汇总 - 副本.xlsx): its copy was already
    未纳入, yet each of its forms had a K002 and a 重复 line, 30 here and 109 for a city's police bureau. One K002 of
    the copy and one line naming both files; the figures are the summary's alone. Sent with the units' files too,
    whose forms count, each summary is one line saying so."""
    summary = tmp_path / "收件" / "教育局汇总.xlsx"
    summary.parent.mkdir()
    assert main(["consolidate", str(department), "-o", str(summary)]) == 0
    capsys.readouterr()
    _, once = run(capsys, summary, "-o", tmp_path / "once.xlsx")
    shutil.copyfile(summary, summary.with_name("教育局汇总 - 副本.xlsx"))
    _, twice = run(capsys, summary.parent, "-o", tmp_path / "twice.xlsx")
    [forms] = [f["forms"] for f in once["files"]]  # its projects and the units' 部门整体 forms it holds
    assert twice["duplicates"] == [f"教育局汇总 - 副本.xlsx 与 教育局汇总.xlsx 内容完全相同，其中的 {forms} 张表只计一次，"
                                   "采用 教育局汇总.xlsx"] and twice["duplicate_files"] == 1
    [k002] = [d for d in twice["diagnostics"] if d["code"] == "K002"]
    assert k002["file"].endswith("教育局汇总 - 副本.xlsx") and k002["sheet"] is None and k002["message"] == (
        f"该文件的 {forms} 张表在 教育局汇总.xlsx 与 教育局汇总 - 副本.xlsx 中重复出现，只计一次，采用 教育局汇总.xlsx"
        "，两个文件内容完全相同。")
    assert twice["totals"] == once["totals"] and len(twice["diagnostics"]) == len(once["diagnostics"]) + 1
    copy = next(f for f in twice["files"] if f["path"].endswith("副本.xlsx"))
    assert copy["status"] == "rejected" and copy["forms"] == 0
    # with the units' files too, the forms count from them: each summary's are said once, as the summary's
    _, data = run(capsys, summary.parent, department, "-o", tmp_path / "局.xlsx")
    assert sorted(data["duplicates"]) == [f"{name} 中的 {forms} 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件"
                                          for name in ("教育局汇总 - 副本.xlsx", "教育局汇总.xlsx")]
    assert all(f["status"] == "rejected" for f in data["files"] if "汇总" in f["path"])


def test_every_units_file_sent_twice_names_ten_files_and_counts_the_rest(department, tmp_path, capsys):
    """Every unit's file sent again (a folder copied into itself): one line a file, not a form, ten of them named and
    the eleventh counted as a file, not as the projects it holds."""
    folder = tmp_path / "教育局"
    folder.mkdir()
    units = sorted(department.glob("*.xlsx"))
    for unit in units:
        shutil.copy2(unit, folder / unit.name)
        shutil.copy2(unit, folder / f"复制 {unit.name}")
    _, once = run(capsys, department, "-o", tmp_path / "once.xlsx")
    forms = {Path(f["path"]).name: f["forms"] for f in once["files"]}
    assert len(units) == 11 and min(forms.values()) > 1  # the demo's units each send several forms
    assert main(["consolidate", str(folder), "-o", str(tmp_path / "twice.xlsx")]) == 0
    said = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  重复：")]
    assert len(said) == 11 and said[-1] == "  重复：另有 1 个文件重复报送，均只计入一次（逐个见汇总表的“校验问题”）。"
    assert all(re.fullmatch(r"  重复：复制 (.+) 与 \1 内容完全相同，其中的 (\d+) 张表只计一次，采用 \1", line)
               and int(re.search(r"(\d+) 张表", line)[1]) == forms[re.search(r"采用 (.+)", line)[1]] for line in said[:10])


def test_a_hidden_sheet_of_a_file_sent_twice_is_said_of_the_file_used(department, tmp_path, capsys):
    """A unit keeping last month's form on a hidden sheet sent its file twice byte for byte, the copy (某市第一中学(1).xlsx)
    met first: the file was said once, 采用 某市第一中学.xlsx, yet the hidden sheet's lines said 采用 某市第一中学(1).xlsx,
    a file left out, and named both files' hidden sheets. Now it is one line and one K002 of the file used, whichever
    copy is met first (found by the order property, seed 1074)."""
    source = next(iter(sorted(department.glob("*.xlsx"))))
    form = next(f for f in check_file(source).forms if f.kind == "project")
    wb = load_workbook(source)
    old = wb.copy_worksheet(wb[form.sheet])
    old.title = "旧表"
    old.sheet_state = "hidden"
    folder = tmp_path / "in"
    folder.mkdir()
    wb.save(folder / source.name)
    copy = shutil.copy2(folder / source.name, folder / f"{source.stem}(1).xlsx")
    said = []
    for given in ((copy, folder / source.name), (folder / source.name, copy)):
        _, data = run(capsys, *given, "-o", tmp_path / "out.xlsx")
        lines = data["duplicates"][data["duplicate_files"]:]
        assert data["duplicate_files"] == 1 and not any(f"采用 {Path(copy).name}" in line for line in lines)
        hidden = [line for line in lines if "旧表" in line]
        assert len(hidden) == 1 and f"采用 {source.name}!{form.sheet}，另一份在隐藏工作表中" in hidden[0]
        k002 = [(Path(d["file"]).name, d["sheet"]) for d in data["diagnostics"] if d["code"] == "K002"]
        assert sorted(k002, key=str) == sorted([(Path(copy).name, None), (source.name, "旧表")], key=str)
        said.append(sorted(lines))
    assert said[0] == said[1]


def test_three_copies_of_a_file_each_name_the_one_used_in_the_end(department, tmp_path, capsys):
    """A 某市第一中学.xlsx, 某市第一中学.xlsx and 某市第一中学(1).xlsx, all one file: the first was used, the third left
    out for it, and then the first left out for the second, the original. The third's line said 采用 A 某市第一中学.xlsx,
    a file itself left out; each copy now names the file used."""
    unit = department / "某市第一中学.xlsx"
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("A 某市第一中学.xlsx", "某市第一中学.xlsx", "某市第一中学(1).xlsx"):
        shutil.copy2(unit, folder / name)
    _, once = run(capsys, unit, "-o", tmp_path / "once.xlsx")
    _, data = run(capsys, folder, "-o", tmp_path / "out.xlsx")
    used = [f["path"] for f in data["files"] if f["status"] == "included"]
    assert [Path(p).name for p in used] == ["某市第一中学.xlsx"]
    [forms] = [f["forms"] for f in once["files"]]
    assert sorted(data["duplicates"]) == sorted(f"{c} 与 某市第一中学.xlsx 内容完全相同，其中的 {forms} 张表只计一次，"
                                                "采用 某市第一中学.xlsx" for c in ("A 某市第一中学.xlsx", "某市第一中学(1).xlsx"))
    assert [d["message"].split("采用 ")[1] for d in data["diagnostics"] if d["code"] == "K002"] == [
        "某市第一中学.xlsx，两个文件内容完全相同。"] * 2


def test_a_completed_department_form_is_carried_into_the_new_summary(department, tmp_path, capsys):
    """A unit's late correction means a new summary: what the department completed in the earlier one goes
    into it (goal, indicators, the amount it typed, text as text); the amounts it left are pre-filled again
    from the units' latest forms, and a kept amount whose units' sum changed is pointed out (K008)."""
    from openpyxl import load_workbook as load

    from xlmon.consolidate.records import overall_sums
    from xlmon.form_plan import INDICATOR_COLS, letter, plan_form

    units = tmp_path / "units"
    shutil.copytree(department, units)
    summary = tmp_path / "部门汇总.xlsx"
    run(capsys, units, "-o", summary)
    before = [r for r in consolidate_records(summary) if r.kind == "department"]
    cells = complete_department_form(summary, forecast=500, spent=123.0)
    remark = f"{letter(INDICATOR_COLS['remark'])}{cells['level3'][1:]}"
    book = load(summary)
    book["部门整体"][remark] = "=HYPERLINK(\"http://x\")"
    book["部门整体"][remark].data_type = "s"  # typed as text, as a department's remark would be
    header = plan_form("department", year=2026, months=6).layout.header["department"]
    prefilled = book["部门整体"][header].value
    book["部门整体"][header] = "某市教育局（部门代码 101001，联系人 王芳）"  # its own name and code, rewritten
    # below the form, under xlmon's note, the lines a department signs a form with; beside it, a remark of its own
    signed = last_note_row(book["部门整体"]) + 3
    book["部门整体"].cell(signed, 1, "填报人：张三　联系电话：0571-12345678")
    book["部门整体"].cell(signed, 8, datetime.datetime(2026, 7, 5))
    book["部门整体"]["N5"] = "已与财务科核对"
    # the unit whose 基本支出 is largest will withdraw its file: the pre-filled sums change under the department
    gone = max(before, key=lambda r: r.amounts["spending"]["基本支出"][3] or 0)
    # a column of its own in 指标偏差: carried beside the same indicator (K016), not refused; one beside an
    # indicator of the withdrawn file has no row to go to, and is named
    deviations = book["指标偏差"]
    kept = next(r for r in range(2, deviations.max_row + 1)
                if not deviations.cell(r, 13).value.startswith(Path(gone.source or gone.file).name))
    lost = next(r for r in range(2, deviations.max_row + 1)
                if deviations.cell(r, 13).value.startswith(Path(gone.source or gone.file).name))
    deviations["N1"], deviations.cell(kept, 14).value, deviations.cell(lost, 14).value = "部门意见", "已约谈", "已撤回"
    opinion_at = deviations.cell(kept, 13).value
    book.save(summary)
    (units / Path(gone.source or gone.file).name).unlink()

    code = main(["consolidate", str(units), "-o", str(summary)])
    assert code == 2 and "--overall-from" in capsys.readouterr().err
    code, data = run(capsys, units, "-o", summary, "--overall-from", summary)
    assert code == 0 and data["carried"] == {"from": str(summary), "goal": True, "department": True,
                                             "indicators": 1, "amounts": 1, "below": 2}

    form = overall_form(summary)
    assert form.goal == "保障全市教育事业正常运转"
    assert prefilled and form.department == "某市教育局（部门代码 101001，联系人 王芳）"  # not the units' name again
    [ind] = form.indicators
    assert (ind.level3, ind.target, ind.forecast, ind.likelihood) == ("资助学生人数", "≥1000人", 500, "完全不可能")
    assert ind.remark == "=HYPERLINK(\"http://x\")"  # text, never a formula
    assert load(summary)["部门整体"][remark].data_type == "s"
    after = [r for r in consolidate_records(summary) if r.kind == "department"]
    assert len(after) == len(before) - 1
    rows = {(r.block, r.row): r for r in form.funding}
    assert rows[("spending", "基本支出")].typed["spent"] == 123.0  # the department's, kept
    prefilled = overall_sums(after, "spending", "基本支出")
    assert rows[("spending", "基本支出")].typed["current"] == pytest.approx(prefilled[1])  # pre-filled again
    assert prefilled != overall_sums(before, "spending", "基本支出")
    k008 = [d for d in data["diagnostics"] if d["code"] == "K008"]
    assert [(d["file"], d["sheet"], d["cell"]) for d in k008] == [(str(summary), "部门整体", cells["spent"])]
    assert "保留了部门填写的 123.00 万元；" in k008[0]["message"]  # in the form's 万元, as every amount quoted
    [k007] = [d for d in data["diagnostics"] if d["code"] == "K007"]
    assert k007["file"] == str(summary) and "年度绩效目标、主管部门（单位）及代码、1 个绩效指标" in k007["message"]
    assert "表格下方填写的 2 处内容" in k007["message"]
    [k016] = [d for d in data["diagnostics"] if d["code"] == "K016"]
    assert "指标偏差“部门意见”" in k016["message"]
    deviations = load(summary)["指标偏差"]
    assert deviations["N1"].value == "部门意见"
    assert [row[13] for row in deviations.iter_rows(min_row=2, values_only=True) if row[13]] == ["已约谈"]
    assert [row[13] for row in deviations.iter_rows(min_row=2, values_only=True) if row[12] == opinion_at] == ["已约谈"]
    assert "1 个值所在的行在新的汇总表中已不存在（相应偏差或问题已消除），未带入：指标偏差“部门意见”列的“已撤回”" in k016["message"]
    new = load(summary)["部门整体"]
    below = last_note_row(new) + 3  # as far below the new form, whose indicator rows are fewer
    assert below != signed and new.cell(below, 1).value == "填报人：张三　联系电话：0571-12345678"
    assert new.cell(below, 8).value == "2026-07-05"
    assert new["N5"].value is None  # beside the form it has no place: named instead, never dropped unsaid
    [k013] = [d for d in data["diagnostics"] if d["code"] == "K013"]
    assert (k013["file"], k013["sheet"], k013["cell"]) == (str(summary), "部门整体", "N5")
    assert "N5“已与财务科核对”" in k013["message"] and "填报人" not in k013["message"]
    note = next(c.value for row in load(summary)["部门整体"].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("说明"))
    assert "已从 部门汇总.xlsx 带入" in note
    # one level up it is the department's own form, as the earlier one was
    _, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    assert [d["code"] for d in bureau["diagnostics"] if d["code"] == "K006"] == ["K006"]


def test_only_what_holds_all_year_is_carried_into_another_months_summary(tmp_path, capsys):
    """May's completed form goes into June's summary with its goal and indicators' names and targets; May's
    completion, likelihoods and typed amounts are not June's. An indicator outside the official hierarchy is
    named as not carried (K009); another year's form is not carried at all (K010); a file that is no completed
    summary is refused before anything is written."""
    from openpyxl import load_workbook as load

    may, june = tmp_path / "may", tmp_path / "june"
    generate(may, months=5)
    generate(june, months=6)
    earlier = tmp_path / "5月汇总.xlsx"
    run(capsys, may, "-o", earlier)
    cells = complete_department_form(earlier, forecast=500, spent=123.0)
    book = load(earlier)
    ws = book["部门整体"]
    row = int(cells["level3"][1:]) + 1
    ws[f"C{row}"], ws[f"D{row}"], ws[f"E{row}"] = "自定义指标", "家访次数", "≥200次"
    signed = last_note_row(ws) + 3  # May's 填报人 holds in June; May's 填报日期 does not, its label does
    ws.cell(signed, 1, "填报人：张三")
    ws.cell(signed, 6, "填报日期：2026年6月3日")
    ws.cell(signed, 8, datetime.datetime(2026, 6, 3))
    book.save(earlier)

    code, data = run(capsys, june, "-o", tmp_path / "6月汇总.xlsx", "--overall-from", earlier)
    assert code == 0 and data["carried"]["indicators"] == 1 and data["carried"]["amounts"] == 0
    assert not data["carried"]["department"]  # left as xlmon pre-filled it: the units' name, pre-filled again
    form = overall_form(tmp_path / "6月汇总.xlsx")
    [ind] = form.indicators
    assert (ind.level3, ind.target, ind.actual, ind.forecast, ind.marks) == ("资助学生人数", "≥1000人", None, None, [])
    assert form.goal == "保障全市教育事业正常运转" and form.months == 6
    spent = {(r.block, r.row): r for r in form.funding}[("spending", "基本支出")].typed["spent"]
    assert spent != 123.0
    k007 = next(d for d in data["diagnostics"] if d["code"] == "K007")
    assert "2026年1-5月" in k007["message"] and "请按 2026年1-6月 填写" in k007["message"]
    assert "部门填写的金额和填报日期未带入" in k007["message"] and data["carried"]["below"] == 2
    new = load(tmp_path / "6月汇总.xlsx")["部门整体"]
    below = last_note_row(new) + 3
    assert [new.cell(below, c).value for c in (1, 6, 8)] == ["填报人：张三", "填报日期：", None]
    k009 = [d for d in data["diagnostics"] if d["code"] == "K009"]
    assert len(k009) == 1 and "家访次数" in k009[0]["message"] and k009[0]["cell"] == f"D{row}"

    last_year = tmp_path / "last"
    generate(last_year, year=2025, months=6)
    code, data = run(capsys, last_year, "-o", tmp_path / "2025.xlsx", "--overall-from", earlier)
    assert code == 0 and data["carried"] is None
    assert [d["code"] for d in data["diagnostics"] if d["code"].startswith("K01")] == ["K010"]
    assert not overall_form(tmp_path / "2025.xlsx").indicators
    assert main(["consolidate", str(last_year), "-o", str(tmp_path / "2025b.xlsx"), "--overall-from", str(earlier)]) == 0
    assert "部门整体：“5月汇总.xlsx”是 2026年1-5月 的汇总" in capsys.readouterr().out  # said in text output too

    for wrong in (tmp_path / "last" / next(p.name for p in last_year.glob("*.xlsx")), tmp_path / "2025.xlsx"):
        code = main(["consolidate", str(june), "-o", str(tmp_path / "x.xlsx"), "--overall-from", str(wrong)])
        assert code == 2 and not (tmp_path / "x.xlsx").exists()
        err = capsys.readouterr().err
        assert wrong.name in err and ("不是 xlmon 生成的汇总表" in err or "还没有由部门填写" in err)

    # May's summary, with a column of the department's own, replaced by June's: the column has no place there
    book = load(earlier)
    book["指标偏差"]["N1"], book["指标偏差"]["N2"] = "部门意见", "已约谈"
    book.save(earlier)
    before = earlier.read_bytes()
    code = main(["consolidate", str(june), "-o", str(earlier), "--overall-from", str(earlier)])
    assert code == 2 and "指标偏差!N1：增加了“部门意见”一列" in capsys.readouterr().err
    assert earlier.read_bytes() == before


@pytest.mark.parametrize("damage, words", [
    (lambda part, xml: xml[:len(xml) // 2] if part == "xl/workbook.xml" else xml,
     "文件已损坏，无法按任何一种工作簿格式读取，文件中有部件已损坏（读取程序的说明：CalamineError"),
    (None, "无法读取：文件不是 xlmon 能读取的 Excel 工作簿（.xlsx、.xlsm，或 Excel 97-2003 的 .xls）：“5月汇总.xlsx”是文本文件"),
])
def test_an_earlier_summary_that_cannot_be_read_is_said_in_chinese(tmp_path, capsys, damage, words):
    units = tmp_path / "units"
    generate(units, months=5)
    earlier = tmp_path / "5月汇总.xlsx"
    assert main(["consolidate", str(units), "-o", str(earlier)]) == 0
    if damage is None:
        earlier.write_text("单位,项目\n", encoding="utf-8")
    else:
        parts = {i.filename: zipfile.ZipFile(earlier).read(i.filename) for i in zipfile.ZipFile(earlier).infolist()}
        with zipfile.ZipFile(earlier, "w", zipfile.ZIP_DEFLATED) as out:
            for part, xml in parts.items():
                out.writestr(part, damage(part, xml))
    capsys.readouterr()
    code = main(["consolidate", str(units), "-o", str(tmp_path / "6月汇总.xlsx"), "--overall-from", str(earlier)])
    err = capsys.readouterr().err
    assert code == 2 and not (tmp_path / "6月汇总.xlsx").exists()
    assert f"--overall-from：无法读取“5月汇总.xlsx”：{words}" in err or f"“5月汇总.xlsx”{words}" in err, err
    assert "。；" not in err


def consolidate_records(summary: Path) -> list:
    from xlmon.adapters.files import read_workbook
    from xlmon.consolidate.extract import summary_records

    return summary_records(read_workbook(summary).sheets["_xlmon_records"])[0]


def test_earlier_summary_in_the_units_folder_is_skipped(tmp_path, capsys):
    for i in range(2):
        write_form(tmp_path / f"u{i}.xlsx", unit=f"单位{i}", project="项目")
    _, first = run(capsys, tmp_path, "-o", tmp_path / "部门汇总.xlsx")
    code, again = run(capsys, tmp_path, "-o", tmp_path / "out" / "新汇总.xlsx")
    assert code == 0 and again["totals"] == first["totals"] and again["duplicates"] == []
    old = next(f for f in again["files"] if f["path"].endswith("部门汇总.xlsx"))
    assert old["status"] == "rejected" and "汇总文件" in old["reason"]
    # a folder holding only summaries (a bureau's inbox) is consolidated
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(tmp_path / "部门汇总.xlsx", inbox / "甲部门.xlsx")
    _, bureau = run(capsys, inbox, "-o", tmp_path / "局.xlsx")
    assert bureau["totals"] == first["totals"] and bureau["projects"] == 2


def test_the_department_form_prints_its_rows_on_every_page(department, tmp_path, capsys, soffice):
    """部门整体 printed: the funding and the goal on a page, the indicators with their header on the next, the
    footnotes and xlmon's note under the last of them (never under the repeated header alone), each page headed
    with the department, the period and the sheet, and numbered, as every sheet of the summary is."""
    from conftest import pdf_pages

    out = tmp_path / "部门汇总.xlsx"
    run(capsys, department, "-o", out)
    pages = [p for p in pdf_pages(soffice, out, tmp_path / "pdf") if p.strip().splitlines()[0].endswith("部门整体")]
    assert len(pages) >= 2
    rows = ("资金总额", *(n for names in L.HIERARCHIES[L.DEFAULT_HIERARCHY].values() for n in names))
    total = int(re.search(r"共 (\d+) 页", pages[0]).group(1))
    for page in pages:
        head = page.strip().splitlines()[0]
        assert head.startswith("某市教育局（101001）（2026年1-6月）") and re.search(rf"第 \d+ 页，共 {total} 页", page)
        assert any(row in page for row in rows), page
    assert "资金总额" in pages[0] and "年度绩效目标" in pages[0] and "二级指标" not in pages[0]
    assert "说明：本表金额由 xlmon" in pages[-1] and L.FOOTNOTES[2][:10] in pages[-1]


def test_summary_opens_in_libreoffice(department, tmp_path, capsys, soffice):
    from conftest import libreoffice_convert
    from xlmon.adapters.files import read_workbook

    out = tmp_path / "部门汇总.xlsx"
    _, data = run(capsys, department, "-o", out)
    [recalculated] = libreoffice_convert(soffice, [out], tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    sheets = read_workbook(recalculated).sheets
    assert list(SHEETS) == [n for n in sheets if n in SHEETS]
    overview = sheets["汇总表"]
    total_row = next(r for r in overview if r and r[0] == "资金总额")
    assert total_row[3] == pytest.approx(data["totals"]["subtotal"], abs=1e-6)
    assert total_row[7] == pytest.approx(data["totals"]["spend_progress"], abs=1e-4)
    # the 部门整体 sheet's own formulas, recalculated by LibreOffice, agree with xlmon's rates and totals of the
    # units' forms summed
    from conftest import assert_formulas_equal_xlmon
    from xlmon.reader import read_form
    form, _ = read_form(sheets["部门整体"], "部门整体")
    assert form is not None and form.kind == "department"
    assert_formulas_equal_xlmon(out, recalculated, "部门整体", plan_form("department", year=2026, months=6).layout)
    # LibreOffice read the records sheet's inline strings: the copy it saved is still a summary one level up
    from xlmon.consolidate.run import consolidate
    again = consolidate([recalculated], tmp_path / "again.xlsx", workers=1)
    assert [o.status for o in again.files] == ["included"] and len(again.projects) == data["projects"]
    # saved by LibreOffice, an untouched summary shows no edit: a new one may replace it, and none goes up
    from xlmon.consolidate.extract import edits_in
    from xlmon.profile import load_profile
    assert edits_in(read_workbook(recalculated).sheets, load_profile()) == []
    assert not [d for d in again.diagnostics if d["code"] in ("K005", "K012", "K014")]
    assert again.total.subtotal == pytest.approx(data["totals"]["subtotal"], abs=1e-6)


def test_a_reason_typed_over_lines_with_crlf_is_no_edit_once_libreoffice_saves_the_summary(department, tmp_path,
                                                                                              capsys, soffice):
    """A unit's 偏差原因分析 pasted with Windows line ends ("\\r\\n", from Word or a web page): LibreOffice saves the
    summary with "\\n" alone, which looks the same. The summary shows no edit: a new one may replace it, and the
    bureau is told of none."""
    from conftest import libreoffice_convert
    from xlmon.adapters.files import read_workbook
    from xlmon.consolidate.extract import edits_in
    from xlmon.profile import load_profile

    folder = tmp_path / "in"
    shutil.copytree(department, folder)
    changed = 0
    for path in folder.glob("*.xlsx"):
        wb = load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value in demo.DEVIATION_REASONS:
                        cell.value = f"（一）{cell.value}\r\n（二）已督促整改。"
                        changed += 1
        wb.save(path)
    assert changed
    summary = tmp_path / "部门汇总.xlsx"
    run(capsys, folder, "-o", summary)
    [saved] = libreoffice_convert(soffice, [summary], tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    assert edits_in(read_workbook(saved).sheets, load_profile()) == []
    code, data = run(capsys, saved, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and not [d for d in data["diagnostics"] if d["code"] in ("K005", "K012", "K014")]


def test_a_summary_edited_by_hand_is_never_written_over_and_its_edits_go_up(department, tmp_path, capsys):
    """A department reviews its summary: rewrites a handling suggestion in 重点监控建议, takes a finding off
    校验问题, adds a column of its own there and a sheet of opinions. Consolidating again to that file would
    lose all of it: refused (exit 2) with the edits named, the file unchanged. One level up each edit is
    reported with its cell (K014), as K005 and K012 do for 项目明细 and 指标偏差. An untouched summary, even saved
    again by another program, is replaced as before."""
    from xlmon.adapters.files import read_workbook
    from xlmon.consolidate.extract import edits_in
    from xlmon.consolidate.workbook import FOCUS_HEADERS, FOCUS_TOP
    from xlmon.profile import load_profile

    summary = tmp_path / "部门汇总.xlsx"
    run(capsys, department, "-o", summary)
    wb = load_workbook(summary)
    wb.save(summary)  # opened and saved again, nothing changed
    assert edits_in(read_workbook(summary).sheets, load_profile()) == []
    code, _ = run(capsys, department, "-o", summary)
    assert code == 0

    wb = load_workbook(summary)
    focus = wb["重点监控建议"]
    handling = focus.cell(FOCUS_TOP + 2, FOCUS_HEADERS.index("建议处理方式（草稿）") + 1)
    name = "·".join(str(focus.cell(FOCUS_TOP + 2, c).value) for c in (1, 2))
    handling.value = "经审核：暂缓拨款，9月底前整改"
    problems = wb["校验问题"]
    taken_off = [c.value for c in problems[2]]
    problems.delete_rows(2)
    problems.cell(1, 7).value, problems.cell(3, 7).value = "处理情况", "已督促单位更正"
    wb.create_sheet("部门意见")["A1"] = "请财政局优先审核第一中学"
    wb.save(summary)
    before = summary.read_bytes()

    code = main(["consolidate", str(department), "-o", str(summary)])
    err = capsys.readouterr().err
    assert code == 2 and "处手工修改" in err and f"重点监控建议!{handling.coordinate}" in err and "原文件不会被覆盖" in err
    assert summary.read_bytes() == before

    code, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0
    k014 = {(d["sheet"], d["cell"]): d["message"] for d in bureau["diagnostics"] if d["code"] == "K014"}
    assert all(d["severity"] == "warning" and d["file"].endswith("部门汇总.xlsx")
               for d in bureau["diagnostics"] if d["code"] == "K014")
    assert len(k014) == 4, k014
    assert (f"“{name}”的建议处理方式（草稿）为“经审核：暂缓拨款，9月底前整改”，xlmon 起草的是“"
            in k014[("重点监控建议", handling.coordinate)])
    assert "增加了“处理情况”一列" in k014[("校验问题", "G1")]
    assert f"{taken_off[3]} {taken_off[5][:20]}" in k014[("校验问题", None)] and "所在的行已删除" in k014[("校验问题", None)]
    assert "增加了工作表“部门意见”" in k014[("部门意见", None)]
    assert all("未计入" in m for m in k014.values())


def test_a_subtotal_typed_alone_counts_in_the_departments_budget(tmp_path, capsys):
    """A unit that typed only 小计 (安排数), 上年结转 and 本年预算 blank: its budget counted as 0, so the department's
    小计 left out 310 万元 while its 支出数 counted, and the 支出进度 rose. It counts in 小计 and 支出进度, and the
    下达率, which needs 本年预算, is of the other units; one level up the same."""
    alone = {"资金总额": [None, None, 310, 200, None, 150, 150 / 310, 305],
             "中央财政资金": [None, None, 100, 100, None, 60, 0.6, 100],
             "市级财政资金": [None, None, 210, 100, None, 90, 90 / 210, 205]}
    (tmp_path / "units").mkdir()
    write_grid(tmp_path / "units" / "甲.xlsx", project_grid(funding=alone, indicators=SAMPLE_INDICATORS, unit="甲"))
    write_grid(tmp_path / "units" / "乙.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="乙"))
    code, data = run(capsys, tmp_path / "units", "-o", tmp_path / "dept" / "汇总.xlsx")
    totals = data["totals"]
    assert code == 0 and totals["subtotal"] == 620 and totals["spent"] == 300
    assert totals["spend_progress"] == round(300 / 620, 4) and totals["issue_rate"] == round(200 / 300, 4)
    code, bureau = run(capsys, tmp_path / "dept", "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["totals"] == totals
    # with an 上年结转 unread beside it (待定), the project's 小计 is unknown; its 下达率 stays unknown too, as check
    # says, not 150/200 of the 本年预算 typed (the 小计 alone was dropped from the record)
    mixed = {"资金总额": [None] * 8, "省级财政资金": [None, None, 100, 50, None, 20, None, 100],
             "市级财政资金": ["待定", 200, None, 100, None, 80, None, 200]}
    write_grid(tmp_path / "units" / "甲.xlsx", project_grid(funding=mixed, indicators=SAMPLE_INDICATORS, unit="甲"))
    [form] = check_file(tmp_path / "units" / "甲.xlsx").forms
    assert form.total("source").issue_rate is None
    code, data = run(capsys, tmp_path / "units", "-o", tmp_path / "dept" / "汇总.xlsx")
    assert data["totals"]["issue_rate"] == round(200 / 300, 4)  # 乙's alone


def test_a_source_typed_over_two_lines_counts_both(tmp_path, capsys):
    """市级财政资金 typed in two lines (two allocations), its label merged over both: the second line, with no label
    of its own, was skipped, its amounts in no source and no total (C002 where 资金总额 was typed, nothing at all
    where it was left to the sources). It is the row above's second line (S114, info), in the form's totals and in
    its source's row of 汇总表."""
    two = {**SAMPLE_FUNDING, "市级财政资金": [10, 150, 160, 100, None, 50, None, 150]}
    grid = project_grid(funding=two, indicators=SAMPLE_INDICATORS)
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "市级财政资金")
    grid.insert(at + 1, [None, None, None, None, 50, 50, 0, None, 40, None, 55])
    (tmp_path / "two").mkdir()
    (tmp_path / "one").mkdir()
    write_grid(tmp_path / "two" / "甲.xlsx", grid)
    write_grid(tmp_path / "one" / "甲.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    _, one = run(capsys, tmp_path / "one", "-o", tmp_path / "one.xlsx")
    code, data = run(capsys, tmp_path / "two", "-o", tmp_path / "two.xlsx")
    assert code == 0 and data["totals"] == one["totals"] and data["grade"] == one["grade"]
    assert [(d["code"], d["cell"]) for d in data["diagnostics"] if d["code"][0] in "SC"] == [("S114", f"E{at + 2}")]

    def city(path):
        return next([c.value for c in row] for row in load_workbook(path)["汇总表"].iter_rows() if row[0].value ==
                    "市级财政资金")
    assert city(tmp_path / "two.xlsx") == city(tmp_path / "one.xlsx")
    for total in ([None] * 8, SAMPLE_FUNDING["资金总额"]):  # 资金总额 left to the sources, or typed
        grid[6][3:] = total
        write_grid(tmp_path / "two" / "甲.xlsx", grid)
        _, data = run(capsys, tmp_path / "two", "-o", tmp_path / "two.xlsx")
        assert data["totals"] == one["totals"]


def test_a_hidden_row_of_old_amounts_is_not_counted_and_is_said(tmp_path, capsys):
    """A unit kept last version's 市级财政资金 line and hid it, typing the new one below: python-calamine reads hidden
    rows as any other, so both lines counted (400 of 300 本年预算 in the summary) while C002 told the unit that the
    资金总额 it can see to be right should be 400. A hidden funding row is left out, and said (S133) at its cell."""
    (tmp_path / "one").mkdir()
    (tmp_path / "hidden").mkdir()
    write_form(tmp_path / "one" / "甲.xlsx", unit="甲", project="项目甲")
    _, expected = run(capsys, tmp_path / "one", "-o", tmp_path / "one.xlsx")
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="甲", project="项目甲")
    at = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == "市级财政资金")
    grid.insert(at, [None, "市级财政资金", None, 5, 100, 105, 50, None, 20, None, 100])
    path = write_grid(tmp_path / "hidden" / "甲.xlsx", grid)
    book = load_workbook(path)
    book["表1"].row_dimensions[at + 1].hidden = True
    book.save(path)
    code, data = run(capsys, tmp_path / "hidden", "-o", tmp_path / "hidden.xlsx")
    assert code == 0 and data["totals"] == expected["totals"]
    found = [(d["code"], d["severity"], d["cell"]) for d in data["diagnostics"] if d["code"][0] in "SC"]
    assert found == [("S133", "warning", f"B{at + 1}")]
    [s133] = [d["message"] for d in data["diagnostics"] if d["code"] == "S133"]
    assert f"第 {at + 1} 行" in s133 and "隐藏" in s133 and "市级财政资金" in s133


def test_rows_hidden_by_a_collapsed_group_or_a_filter_are_read(tmp_path):
    """Rows hidden as a collapsed group's detail (the 其中 rows folded under 资金总额) or by a filter set on the sheet
    are the form's data, shown again with the group or the filter: since S133 they were left out as old lines,
    every source of the collapsed form missing (S111) and the filtered one's 市级财政资金 in no source."""
    from openpyxl.worksheet.filters import FilterColumn, Filters

    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    total = next(i for i, row in enumerate(grid) if len(row) > 1 and row[1] == L.TOTAL_ROW + "：") + 1
    expected = [(r.row, r.current) for r in check_file(write_grid(tmp_path / "shown.xlsx", grid)).forms[0].funding]
    grouped, filtered = write_grid(tmp_path / "grouped.xlsx", grid), write_grid(tmp_path / "filtered.xlsx", grid)
    book = load_workbook(grouped)
    book["表1"].row_dimensions.group(total + 1, total + 6, outline_level=1, hidden=True)
    book.save(grouped)
    book = load_workbook(filtered)
    sheet = book["表1"]
    sheet.auto_filter.ref = f"A{total - 1}:K{total + 6}"
    sheet.auto_filter.filterColumn.append(FilterColumn(colId=3, filters=Filters(filter=["100"])))
    for r in range(total, total + 7):
        sheet.row_dimensions[r].hidden = sheet.cell(r, 4).value != 100
    book.save(filtered)
    for path in (grouped, filtered):
        result = check_file(path)
        assert [(r.row, r.current) for r in result.forms[0].funding] == expected
        assert not [d.code for d in result.diagnostics if d.code in ("S111", "S133")]


def test_the_handling_drafted_follows_the_seeds_two_cases(department, tmp_path, capsys):
    """Seed 004 sets apart 调减预算并调整目标 (objective causes) from 暂停/停止拨付 (serious deviations). One 完全不可能
    tick on a project on schedule drew the serious text, stated as fact and offering 暂缓 and 停止 at once: it is
    the first case now, the second kept for money and targets both red. A summary written before, whose draft
    reads as xlmon wrote it then, is no department's edit."""
    from xlmon.consolidate.focus import FORMER_HANDLINGS, IMPOSSIBLE, OBJECTIVE, SERIOUS
    from xlmon.consolidate.workbook import FOCUS_HEADERS, FOCUS_TOP

    summary = tmp_path / "部门汇总.xlsx"
    code, data = run(capsys, department, "-o", summary)
    wb = load_workbook(summary)
    focus = wb["重点监控建议"]
    column = FOCUS_HEADERS.index("建议处理方式（草稿）") + 1
    rows = [[c.value for c in row] for row in focus.iter_rows(min_row=FOCUS_TOP + 2)]
    by_handling = {row[column - 1]: row for row in rows}
    assert set(by_handling) <= {SERIOUS, IMPOSSIBLE, OBJECTIVE} and IMPOSSIBLE in by_handling
    assert all("完全不可能" in row[column - 2] for row in rows if row[column - 1] == IMPOSSIBLE)
    assert all(row[FOCUS_HEADERS.index("综合评级")] == "红灯" for row in rows if row[column - 1] == SERIOUS)
    for r in range(FOCUS_TOP + 2, focus.max_row + 1):  # as earlier xlmon versions drafted it, each of them
        focus.cell(r, column).value = FORMER_HANDLINGS[r % len(FORMER_HANDLINGS)]
    wb.save(summary)
    code, bureau = run(capsys, summary, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and not [d for d in bureau["diagnostics"] if d["code"] == "K014"]


def test_opinions_on_another_periods_summary_are_not_carried(tmp_path, capsys):
    """May's summary lies in the folder where June's files replaced May's: the department's opinions on May's
    deviations are not June's, so its own columns stay in May's summary, which the new one names (K015)."""
    june = tmp_path / "june"
    generate(tmp_path / "may", months=5)
    generate(june, months=6)
    may_summary = june / "5月部门汇总.xlsx"
    run(capsys, tmp_path / "may", "-o", may_summary)
    book = load_workbook(may_summary)
    book["指标偏差"]["N1"], book["指标偏差"]["N2"] = "部门意见", "已约谈"
    book.save(may_summary)
    code, data = run(capsys, june, "-o", tmp_path / "6月部门汇总.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6}
    assert not [d for d in data["diagnostics"] if d["code"] == "K016"]
    [k015] = [d for d in data["diagnostics"] if d["code"] == "K015"]
    assert k015["file"] == str(may_summary) and "指标偏差!N1：增加了“部门意见”一列" in k015["message"]
    assert load_workbook(tmp_path / "6月部门汇总.xlsx")["指标偏差"]["N1"].value is None


def completed_apart(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """The demo's units, and their summary with its 部门整体 completed, kept in a folder of its own (汇总/6月汇总.xlsx)."""
    units, summary = tmp_path / "units", tmp_path / "汇总" / "6月汇总.xlsx"
    generate(units)
    assert run(capsys, units, "-o", summary)[0] == 0
    complete_department_form(summary, forecast=500)
    return units, summary


def test_what_summing_said_of_writing_a_departments_summary_is_not_said_again_one_level_up(tmp_path, capsys):
    """The department's summary was made --overall-from its completed one, its own columns carried and an edit left
    behind (K007, K016, K015). The bureau summing it printed 部门整体：部门在该汇总表中填写的部门整体表已带入新的汇总表
    “…” and the columns' note as if its own run had carried them, and listed them in its 校验问题: they were the
    department's news of writing its summary, not findings of its forms."""
    units, first = completed_apart(tmp_path, capsys)
    book = load_workbook(first)
    column = book["项目明细"].max_column + 1
    book["项目明细"].cell(1, column).value, book["项目明细"].cell(2, column).value = "处理意见", "已约谈"
    book.save(first)
    inbox = tmp_path / "inbox"
    code, data = run(capsys, units, "-o", inbox / "教育局汇总.xlsx", "--overall-from", first)
    assert code == 0 and {"K007", "K016"} <= {d["code"] for d in data["diagnostics"]}
    code, bureau = run(capsys, inbox, "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["carried"] is None
    assert not {"K007", "K010", "K011", "K015", "K016", "K021"} & {d["code"] for d in bureau["diagnostics"]}
    assert main(["consolidate", str(inbox), "-o", str(tmp_path / "局汇总2.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "部门整体：" not in out and "增加的 1 列" not in out, out


def test_a_completed_summary_beside_the_units_summed_again_without_overall_from_is_said_left(tmp_path, capsys):
    """The department completed 部门整体 in the summary it keeps beside the units' files and, a unit's correction in,
    sums the folder again into a new file without --overall-from: the new 部门整体 was the bare pre-fill and nothing
    said the goal, indicators and amounts typed were left in the old file. K021 says so, and how to carry them."""
    units = tmp_path / "units"
    generate(units)
    earlier = units / "部门汇总.xlsx"
    assert run(capsys, units, "-o", earlier)[0] == 0
    complete_department_form(earlier, forecast=500)
    code, data = run(capsys, units, "-o", tmp_path / "新汇总.xlsx")
    assert code == 0 and data["carried"] is None
    [k021] = [d for d in data["diagnostics"] if d["code"] == "K021"]
    assert k021["file"] == str(earlier) and f"--overall-from {earlier}" in k021["message"]
    assert main(["consolidate", str(units), "-o", str(tmp_path / "新汇总2.xlsx")]) == 0
    assert "部门整体：同一文件夹中上次的汇总表 部门汇总.xlsx 的部门整体表已由部门填写" in capsys.readouterr().out
    code, data = run(capsys, units, "-o", tmp_path / "新汇总3.xlsx", "--overall-from", earlier)
    assert code == 0 and data["carried"]["goal"] and "K021" not in {d["code"] for d in data["diagnostics"]}
    earlier.unlink()
    assert run(capsys, units, "-o", earlier)[0] == 0  # not completed: nothing left behind, nothing said
    code, data = run(capsys, units, "-o", tmp_path / "新汇总4.xlsx")
    assert code == 0 and "K021" not in {d["code"] for d in data["diagnostics"]}


def test_an_edited_summary_summed_onto_itself_with_overall_from_is_refused_with_advice_that_works(tmp_path, capsys):
    """-o X --overall-from X where X has a 列入原因 rewritten is refused; the advice was 请换一个输出文件名（…它在单位文件
    所在的文件夹中时，部门增加的列会按行带入新的汇总表）, as if its completed 部门整体 and its columns would go
    only from there, when --overall-from carries them wherever it lies. It now says to keep --overall-from X."""
    units = tmp_path / "units"
    generate(units)
    earlier = tmp_path / "汇总" / "6月汇总.xlsx"
    assert run(capsys, units, "-o", earlier)[0] == 0
    complete_department_form(earlier, forecast=500)
    book = load_workbook(earlier)
    focus = book["重点监控建议"]
    header = next(r for r in range(1, focus.max_row + 1) if focus.cell(r, 6).value == "列入原因")
    focus.cell(header + 1, 6).value = "经核实，采购延迟"
    book.save(earlier)
    before = earlier.read_bytes()
    code = main(["consolidate", str(units), "-o", str(earlier), "--overall-from", str(earlier)])
    err = capsys.readouterr().err
    assert code == 2 and earlier.read_bytes() == before
    assert f"请换一个输出文件名，仍加 --overall-from {earlier}" in err and "单位文件所在的文件夹中时" not in err, err


def test_edits_to_an_overall_from_summary_kept_apart_are_said_to_stay_behind(tmp_path, capsys):
    """The department keeps its summaries in a folder of their own and sums again --overall-from the one it completed
    there, having also rewritten a 列入原因 in 重点监控建议: that edit is not in the new summary, which said nothing
    of it (K015 was given only for a summary lying among the units' files), so it was lost without a word."""
    units, earlier = completed_apart(tmp_path, capsys)
    kept = earlier.parent
    book = load_workbook(earlier)
    focus = book["重点监控建议"]
    header = next(r for r in range(1, focus.max_row + 1) if focus.cell(r, 6).value == "列入原因")
    drafted = focus.cell(header + 1, 6).value
    focus.cell(header + 1, 6).value = drafted + "（经核实，采购延迟）"
    book.save(earlier)
    code, data = run(capsys, units, "-o", kept / "6月汇总（2）.xlsx", "--overall-from", earlier)
    assert code == 0 and data["carried"]["goal"]
    [k015] = [d for d in data["diagnostics"] if d["code"] == "K015"]
    assert k015["file"] == str(earlier) and "经核实，采购延迟" in k015["message"], k015
    assert "采购延迟" not in str([c.value for row in load_workbook(kept / "6月汇总（2）.xlsx")["重点监控建议"]
                                for c in row])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only Linux keeps a file name's undecodable bytes")
def test_a_file_name_in_gbk_bytes_on_linux_is_read_and_shown_in_chinese(department, tmp_path, capsys):
    """unzip on Linux keeps the GBK bytes of names zipped on Chinese Windows; Python holds them as lone surrogates,
    which no XML can hold: the summary used to fail with an internal UnicodeEncodeError, and one level up too."""
    from python_calamine import CalamineWorkbook

    source = next(iter(sorted(department.glob("*.xlsx"))))
    units = tmp_path / "units"
    units.mkdir()
    shutil.copy(source, os.fsencode(units) + b"/" + source.name.encode("gbk"))
    code, data = run(capsys, units, "-o", tmp_path / "dept" / "汇总.xlsx")
    assert code == 0 and data["files"][0]["status"] == "included"
    book = CalamineWorkbook.from_path(str(tmp_path / "dept" / "汇总.xlsx"))
    listed = [c for row in book.get_sheet_by_name("文件清单").to_python() for c in row]
    assert str(units / source.name) in listed
    assert source.name in {c for row in book.get_sheet_by_name("项目明细").to_python() for c in row}
    code, bureau = run(capsys, tmp_path / "dept", "-o", tmp_path / "局汇总.xlsx")
    assert code == 0 and bureau["projects"] == data["projects"]
    shown = {c for row in CalamineWorkbook.from_path(str(tmp_path / "局汇总.xlsx")).get_sheet_by_name("项目明细")
             .to_python() for c in row}
    assert source.name in shown


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Windows allows no control character in a name")
def test_a_control_character_in_a_file_name_keeps_the_summary_readable(department, tmp_path, capsys):
    """A name unpacked from a zip holding an ESC: its link and tip were written into the sheet's XML as they were,
    and the summary, written with exit 0, was a file Excel and openpyxl cannot open."""
    source = next(iter(sorted(department.glob("*.xlsx"))))
    shutil.copy(source, tmp_path / f"单位\x1b{source.name}")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["files"][0]["status"] == "included"
    links = [c.hyperlink.target for row in load_workbook(tmp_path / "汇总.xlsx")["项目明细"].iter_rows() for c in row
             if c.hyperlink]
    assert links and all("%1B" in link for link in links)


def test_the_overview_says_when_projects_left_their_sources_blank(tmp_path, capsys):
    from python_calamine import CalamineWorkbook

    write_grid(tmp_path / "甲.xlsx", project_grid(funding={"资金总额": SAMPLE_FUNDING["资金总额"]},
                                                 indicators=SAMPLE_INDICATORS, unit="甲"))
    write_grid(tmp_path / "乙.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="乙"))
    # typed by hand with its 资金总额 row alone, no source row at all: the same sum falls short, the same R212
    alone = project_grid(funding={"资金总额": SAMPLE_FUNDING["资金总额"]}, indicators=SAMPLE_INDICATORS, unit="丙")
    write_grid(tmp_path / "丙.xlsx", [row for row in alone if not (len(row) > 1 and isinstance(row[1], str) and any(
        source in row[1] for source in L.PROJECT_SOURCES))])
    code, data = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["totals"]["subtotal"] == 930
    note = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("汇总表").to_python()[1][0]
    assert "其中 2 个项目只填写了资金总额、未按来源分列（见“校验问题”，代码 R212）" in note
    r212 = [d for d in data["diagnostics"] if d["code"] == "R212"]
    assert sorted(d["file"] for d in r212) == [str(tmp_path / "丙.xlsx"), str(tmp_path / "甲.xlsx")]
    assert all(d["cell"] for d in r212)


def test_the_note_says_the_source_rows_do_not_add_up_only_where_they_do_not(tmp_path, capsys):
    """An unread 支出数 in a project's only source row leaves it out of that row and of 资金总额 alike: the rows still
    add up and the note says nothing of it; one beside a readable 支出数 of another source does not."""
    from python_calamine import CalamineWorkbook

    def note() -> str:
        code, _ = run(capsys, tmp_path, "-o", tmp_path / "out" / "汇总.xlsx")
        assert code == 0
        return CalamineWorkbook.from_path(str(tmp_path / "out" / "汇总.xlsx")).get_sheet_by_name("汇总表").to_python()[1][0]

    write_form(tmp_path / "甲.xlsx", unit="单位甲", project="甲项目")
    alone = {L.TOTAL_ROW: [None, 100, 100, 100, None, None, None, 100], "中央财政资金": [None, 100, 100, 100, 1, "约20", None, 100]}
    write_form(tmp_path / "乙.xlsx", unit="单位乙", project="乙项目", funding=alone)
    said = note()
    assert "1 个项目有金额无法识别" in said and "各来源之和与资金总额不等" not in said
    beside = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    beside[L.TOTAL_ROW][5] = beside[L.TOTAL_ROW][6] = None
    beside["中央财政资金"][5] = "约60"
    write_form(tmp_path / "乙.xlsx", unit="单位乙", project="乙项目", funding=beside)
    said = note()
    assert "1 个项目有金额无法识别" in said and "各行只计本行能识别的金额，故各来源之和与资金总额不等" in said


def test_amounts_that_cannot_be_read_are_blank_not_zero_in_every_table(tmp_path, capsys):
    """本年预算 typed as 待定 and 支出数 as 约20: unknown. 项目明细's 小计 and the unit's row in 汇总表 were 0.00,
    which reads as a project with no budget and nothing spent; they are blank, as the rates already were."""
    from python_calamine import CalamineWorkbook

    write_form(tmp_path / "甲.xlsx", unit="单位甲", project="甲项目")
    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items() if k != "资金总额"}
    funding["资金总额"] = [None] * 8
    funding["中央财政资金"][1], funding["中央财政资金"][5] = "待定", "约20"
    funding["市级财政资金"] = [None] * 8
    write_form(tmp_path / "乙.xlsx", unit="单位乙", project="乙项目", funding=funding)
    code, data = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["projects"] == 2
    book = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx"))
    details = book.get_sheet_by_name("项目明细").to_python()
    row = {r[1]: dict(zip(details[0], r)) for r in details[1:]}
    assert row["单位乙"]["小计"] == "" and row["单位乙"]["支出数"] == "" and row["单位乙"]["下达数"] == 100
    assert row["单位甲"]["小计"] == 310
    overview = book.get_sheet_by_name("汇总表").to_python()
    top = next(r for r, line in enumerate(overview) if line[0] == "单位")
    units = {line[0]: dict(zip(overview[top], line)) for line in overview[top + 1:] if line[0]}
    assert units["单位乙"]["小计"] == "" and units["单位乙"]["支出数"] == "" and units["单位甲"]["小计"] == 310
    assert "2 个项目有金额无法识别（见“校验问题”，代码 N001）" not in overview[1][0]
    assert "1 个项目有金额无法识别（见“校验问题”，代码 N001）" in overview[1][0]
    # a 支出数 that is a formula with no saved result (N006) is named by its own code
    set_cells(write_form(tmp_path / "丙.xlsx", unit="单位丙", project="丙项目"), "表1", {"I8": "=60+0"})
    run(capsys, tmp_path, "-o", tmp_path / "汇总2.xlsx")
    note = CalamineWorkbook.from_path(str(tmp_path / "汇总2.xlsx")).get_sheet_by_name("汇总表").to_python()[1][0]
    assert "2 个项目有金额无法识别（见“校验问题”，代码 N001、N006）" in note


def test_a_department_amount_no_form_could_read_is_unknown_too(tmp_path, capsys):
    """Every project's 上年结转 unreadable: the department's 上年结转 and 小计 are unknown (blank, null in JSON),
    as the unit's row already showed; 0 and 100 read as nothing carried over."""
    from python_calamine import CalamineWorkbook

    funding = {"资金总额": [None] * 8, "市级财政资金": ["待定", 100, None, 80, None, 40, None, 100]}
    write_form(tmp_path / "甲.xlsx", unit="甲", project="甲项目", funding=funding)
    code, data = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["totals"]["carryover"] is None and data["totals"]["subtotal"] is None
    assert data["totals"]["current"] == 100 and data["totals"]["spend_progress"] is None
    overview = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("汇总表").to_python()
    total = next(row for row in overview if row[0] == "资金总额")
    assert total[1:5] == ["", 100, "", 80]


def test_deviations_show_values_with_the_units_typed(department, tmp_path, capsys):
    """指标偏差 (and the report) showed 2323平方米 as 2323 and a target typed in 计算符号 | 指标值 | 计量单位 columns
    (≥ | 40 | 所) as 40: what the unit wrote, with its unit and sign, is what a reviewer reads."""
    folder = tmp_path / "dept"
    shutil.copytree(department, folder)
    indicators = [["产出指标", "数量指标", "维修改造校舍面积", "≥3500平方米", "851平方米", "2323平方米", "施工推迟", None,
                   None, "√", "暂缓拨款"]]
    write_form(folder / "zz.xlsx", unit="某单位", project="校舍维修")
    book = load_workbook(folder / "zz.xlsx")
    ws = book.active
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == SAMPLE_INDICATORS[0][2])
    for c, value in enumerate(indicators[0][2:], 4):
        ws.cell(row, c).value = value
    book.save(folder / "zz.xlsx")
    run(capsys, folder, "-o", tmp_path / "s.xlsx")
    sheet = load_workbook(tmp_path / "s.xlsx")["指标偏差"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    mine = next(r for r in rows if r["三级指标"] == "维修改造校舍面积" and r["单位"] == "某单位")
    assert mine["全年预计完成情况"] == "2323平方米" and mine[next(h for h in header if h.endswith("月完成情况"))] == "851平方米"
    assert not [r["年度指标值"] for r in rows if re.fullmatch(r"[\d.]+", str(r["年度指标值"]))]  # none a bare number


def test_the_overview_says_when_a_source_row_had_another_name(tmp_path, capsys):
    from python_calamine import CalamineWorkbook

    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="甲")
    for row in grid:
        if len(row) > 1 and row[1] == "市级财政资金":
            row[1] = "本级财政资金"
    write_grid(tmp_path / "甲.xlsx", grid)
    code, data = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["totals"]["subtotal"] == 310  # the row's 210 stays in the total
    note = CalamineWorkbook.from_path(str(tmp_path / "汇总.xlsx")).get_sheet_by_name("汇总表").to_python()[1][0]
    assert "1 个项目有名称不规范的资金来源行（代码 S113）" in note


def test_forms_stacked_on_one_sheet_are_each_consolidated(tmp_path, capsys):
    """A unit that stacks its projects on one sheet: each is a project of the summary, its findings kept with it;
    when one of them is another file's duplicate, only that one's findings go, and the places say which rows."""
    units = tmp_path / "units"
    units.mkdir()
    wrong = {**SAMPLE_FUNDING, L.TOTAL_ROW: [10, 300, 310, 200, 0.6667, 150, 0.4839, 999]}  # a 全年预计 sum off: C002
    first = project_grid(funding=wrong, indicators=SAMPLE_INDICATORS, unit="单位甲", project="项目一")
    second = project_grid(funding=wrong, indicators=SAMPLE_INDICATORS, unit="单位甲", project="项目二")
    stacked = write_grid(units / "甲.xlsx", first + [[None]] + second)
    alone = write_form(units / "甲补报.xlsx", unit="单位甲", project="项目二")
    os.utime(stacked, (1_700_000_000, 1_700_000_000))
    os.utime(alone, (1_800_000_000, 1_800_000_000))  # the later copy of 项目二 counts
    code, data = run(capsys, units, "-o", tmp_path / "s.xlsx")
    assert code == 0 and data["projects"] == 2
    second_row = len(first) + 2  # 1-based row of the second form's title
    [duplicate] = data["duplicates"]
    assert f"甲.xlsx!表1第 {second_row} 行起 与 甲补报.xlsx!表1 重复，采用 甲补报.xlsx!表1" in duplicate
    c002 = [d["cell"] for d in data["diagnostics"] if d["code"] == "C002" and d["file"] == str(stacked)]
    assert c002 and all(int(cell[1:]) < second_row for cell in c002)  # 项目一's kept, 项目二's moot
    k002 = [d for d in data["diagnostics"] if d["code"] == "K002"]
    assert len(k002) == 1 and k002[0]["file"] == str(stacked)
    by_file = {Path(f["path"]).name: f for f in data["files"]}
    assert by_file["甲.xlsx"]["status"] == by_file["甲补报.xlsx"]["status"] == "included"
    os.utime(alone, (1_600_000_000, 1_600_000_000))  # now the stacked copy counts: 甲补报 is left out
    code, data = run(capsys, units, "-o", tmp_path / "t.xlsx")
    assert code == 0 and data["projects"] == 2
    c002 = [d["cell"] for d in data["diagnostics"] if d["code"] == "C002" and d["file"] == str(stacked)]
    assert {int(cell[1:]) < second_row for cell in c002} == {True, False}  # both forms' findings kept
    assert {Path(f["path"]).name: f["status"] for f in data["files"]} == {"甲.xlsx": "included", "甲补报.xlsx": "rejected"}


def test_what_a_summary_is_named_after():
    """Project forms name the 主管部门; a unit's 部门整体 names the unit itself there (主管部门（单位）), so only with
    no project form does it count, and then only when all agree (a department's own completed form)."""
    from xlmon.consolidate.names import department_groups, department_name, with_units
    from xlmon.consolidate.records import FormRecord

    def form(kind: str, unit: str, department: str) -> FormRecord:
        return FormRecord(kind, f"{unit}.xlsx", "表1", unit, "项目" if kind == "project" else None, department,
                          None, 2026, 6)

    projects = [form("project", "一中", "某市教育局（101001）"), form("project", "二中", "某市教育局"),
                form("project", "三中", "101001")]
    overall = [form("department", "一中", "某市第一中学（101001001）"), form("department", "二中", "某市第二中学")]
    assert department_name([*projects, *overall]) == "某市教育局（101001）"
    assert with_units(department_groups([*projects, *overall])) == [("某市教育局（101001）", ["一中", "二中", "三中"])]
    assert department_name(overall) == ""  # the units' own names: no department's
    assert department_name([form("department", "某市教育局", "某市教育局（101001）")]) == "某市教育局（101001）"
    assert department_name([*projects, form("project", "一院", "某市卫生健康委员会")]) == ""



@pytest.mark.parametrize("spellings, departments", [
    # a short spelling several departments' names hold is none of them: the bureau keeps them apart
    (["中共某市委员会组织部"] * 3 + ["中共某市委员会宣传部"] * 2 + ["中共某市委员会"],
     [["中共某市委员会组织部"], ["中共某市委员会宣传部"], ["中共某市委员会"]]),
    (["某市教育局"] * 2 + ["某县教育局"] * 2 + ["教育局"], [["某市教育局"], ["某县教育局"], ["教育局"]]),
    # held by one department only, or by its own office however many others hold it, it is that department
    (["某市财政局"] * 2 + ["某市财政局国库支付中心"], [["某市财政局", "某市财政局国库支付中心"]]),
    (["某市教育局"] * 3 + ["某市教育局机关", "某市教育局直属", "市教育局"],
     [["某市教育局", "某市教育局机关", "某市教育局直属", "市教育局"]]),
])
def test_a_short_department_name_joins_the_one_department_it_can_be(spellings, departments):
    from xlmon.consolidate.names import department_groups
    from xlmon.consolidate.records import FormRecord

    records = [FormRecord("project", f"{n}.xlsx", "表1", f"单位{n}", "项目", spelling, None, 2026, 6)
               for n, spelling in enumerate(spellings)]
    found = [sorted({r.department for r in forms}, key=spellings.index) for _, forms in department_groups(records)]
    assert sorted(found) == sorted(departments)


@pytest.mark.parametrize("spellings", [
    ["某市财政局"] * 3 + ["某市财政局国库支付中心", "某市财政局财政投资评审中心"],
    ["某市公安局"] * 3 + ["某市公安局交通警察支队", "某市公安局刑事侦查支队"],
    ["某市教育局"] * 5 + ["某市教育局教研室", "某市教育局电化教育馆", "市教育局"],
])
def test_a_department_is_one_however_many_of_its_units_write_their_names_after_it(spellings):
    """Two of 某市财政局's units writing their own names after it made three departments of it at a bureau: a short
    spelling held by several names was none of them, though each is a unit of it, not a department of its own."""
    from xlmon.consolidate.names import department_groups
    from xlmon.consolidate.records import FormRecord

    records = [FormRecord("project", f"{n}.xlsx", "表1", f"单位{n}", "项目", spelling, None, 2026, 6)
               for n, spelling in enumerate(spellings)]
    assert [sorted({r.department for r in forms}) for _, forms in department_groups(records)] == [sorted(set(spellings))]

@pytest.mark.parametrize("spellings, departments", [
    # the one department of its city it abbreviates, however many of its units write it so
    (["某市卫生健康委员会（102001）"] * 3 + ["市卫健委", "某市卫健委", "卫健委"],
     [["某市卫生健康委员会（102001）", "市卫健委", "某市卫健委", "卫健委"]]),
    (["某市人力资源和社会保障局（104001）"] * 2 + ["市人社局", "某市自然资源和规划局", "资规局", "某市教育局（101001）"],
     [["某市人力资源和社会保障局（104001）", "市人社局"], ["某市自然资源和规划局", "资规局"], ["某市教育局（101001）"]]),
    # by a name that starts otherwise (环保局), or read alike (团市委: the city's 团委)
    (["某市生态环境局（214001）"] * 2 + ["市环保局", "共青团某市委员会（217001）", "团市委", "中国共产主义青年团某市委员会"],
     [["某市生态环境局（214001）", "市环保局"], ["共青团某市委员会（217001）", "团市委", "中国共产主义青年团某市委员会"]]),
    (["中共某市纪律检查委员会（203001）", "市纪委", "某市妇女联合会（302001）", "市妇联", "某市科学技术协会", "市科协"],
     [["中共某市纪律检查委员会（203001）", "市纪委"], ["某市妇女联合会（302001）", "市妇联"], ["某市科学技术协会", "市科协"]]),
    (["某市卫生健康委员会（102001）", "某市卫生和计划生育委员会（103001）", "市卫计委", "共青团甲市委员会", "团乙市委"],
     [["某市卫生健康委员会（102001）"], ["某市卫生和计划生育委员会（103001）"], ["市卫计委"], ["共青团甲市委员会"], ["团乙市委"]]),
    # of two cities', two departments' or two codes', none; a unit of a department never the department
    (["甲市卫生健康委员会（102001）", "乙市卫生健康委员会（102001）", "市卫健委"],
     [["甲市卫生健康委员会（102001）"], ["乙市卫生健康委员会（102001）"], ["市卫健委"]]),
    (["某市卫生健康委员会（102001）", "市卫健委", "甲市卫健委"], [["某市卫生健康委员会（102001）"], ["市卫健委", "甲市卫健委"]]),
    (["甲市卫生健康委员会", "乙市卫健委"], [["甲市卫生健康委员会"], ["乙市卫健委"]]),
    (["某市文化和旅游局（104001）", "某市文化广电旅游局（105001）", "市文旅局"],
     [["某市文化和旅游局（104001）"], ["某市文化广电旅游局（105001）"], ["市文旅局"]]),
    (["某市卫生健康委员会（102001）", "市卫健委（102009）"], [["某市卫生健康委员会（102001）"], ["市卫健委（102009）"]]),
    (["某市教育局（101001）", "某市教育体育局（103001）"], [["某市教育局（101001）"], ["某市教育体育局（103001）"]]),
    (["某市教育局（101001）"] * 2 + ["市教育局党委", "市教委"], [["某市教育局（101001）"], ["市教育局党委"], ["市教委"]]),
    (["某市第12号局", "某市第1号局"], [["某市第12号局"], ["某市第1号局"]]),
    # a name another department's holds with more after its start is that other department's neighbour, even uncoded
    (["某市人民政府办公室", "某市人民政府金融工作办公室（202001）"], [["某市人民政府办公室"], ["某市人民政府金融工作办公室（202001）"]]),
    (["某市教育局", "某市教育体育局（103001）"], [["某市教育局"], ["某市教育体育局（103001）"]]),
])
def test_a_department_written_by_its_common_abbreviation_joins_the_one_department_it_can_be(spellings, departments):
    from xlmon.consolidate.names import department_groups
    from xlmon.consolidate.records import FormRecord

    records = [FormRecord("project", f"{n}.xlsx", "表1", f"单位{n}", "项目", spelling, None, 2026, 6)
               for n, spelling in enumerate(spellings)]
    found = [sorted({r.department for r in forms}, key=spellings.index) for _, forms in department_groups(records)]
    assert sorted(found) == sorted(departments)


EDUCATION, HEALTH = "某市教育局（101001）", "某市卫生健康委员会（102001）"
LAGGING = {L.TOTAL_ROW: [10, 300, 310, 200, 0.6667, 15, 0.0484, 305],
           "中央财政资金": [None, 100, 100, 100, 1, 6, 0.06, 100], "市级财政资金": [10, 200, 210, 100, 0.5, 9, 0.0429, 205]}


OVERALL_AMOUNTS = {"current": 100, "issued": 50, "spent": 40, "forecast": 100}


def write_overall_form(path: Path, unit: str, *, red: bool = False, rows: dict | None = None, months: int = 6
                       ) -> Path:
    """A unit's 部门整体 form with amounts (and, red, an indicator judged 完全不可能). rows: (block, row label) →
    {field: value}, by default OVERALL_AMOUNTS in 一般公共预算资金 and in 基本支出."""
    from xlmon.form_plan import INDICATOR_COLS, letter
    from xlmon.templates import template_workbook

    layout = plan_form("department", year=2026, months=months).layout
    wb = template_workbook("department", year=2026, months=months, department=unit)
    if rows is None:
        rows = {("source", "一般公共预算资金"): OVERALL_AMOUNTS, ("spending", "基本支出"): OVERALL_AMOUNTS}
    for (block, label), values in rows.items():
        cells = layout.funding[(block, label)]
        for field, value in values.items():
            wb.active[cells[field]] = value
    if red:
        col, r = {k: letter(c) for k, c in INDICATOR_COLS.items()}, layout.indicator_rows[0][2]
        wb.active[layout.header["goal"]] = "保障机关正常运转"
        for field, value in (("level3", "物业服务满意度"), ("target", "≥90%"), ("actual", "40%"), ("forecast", "50%"),
                             ("完全不可能", "√")):
            wb.active[f"{col[field]}{r}"] = value
    wb.save(path)
    return path


def service_centres(folder: Path) -> tuple[Path, Path]:
    """Two departments, each with a unit named 机关服务中心 written with its own code (101003, 102003) and one
    other unit; the education bureau's writes its name once without its code and sends its 部门整体 form too,
    the health commission's is behind (LAGGING)."""
    education, health = folder / "教育局", folder / "卫健委"
    for path in (education, health):
        path.mkdir(parents=True)
    write_form(education / "服务中心.xlsx", unit="机关服务中心（101003）", project="物业管理经费", department=EDUCATION)
    write_form(education / "服务中心设备.xlsx", unit="机关服务中心", project="办公设备购置", department=EDUCATION)
    write_form(education / "一中.xlsx", unit="一中", project="校舍维修改造项目", department=EDUCATION)
    write_overall_form(education / "服务中心部门整体.xlsx", "机关服务中心（101003）")
    write_form(health / "服务中心.xlsx", unit="机关服务中心（102003）", project="物业管理经费", funding=LAGGING,
               department=HEALTH)
    write_form(health / "一院.xlsx", unit="一院", project="设备购置", department=HEALTH)
    return education, health


def unit_table(summary: Path) -> dict[str, tuple]:
    """汇总表's table by unit: each row's 小计 and 支出数, by its unit."""
    rows = list(load_workbook(summary)["汇总表"].iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == "单位")
    return {row[0]: row[1:3] for row in rows[top + 1:] if row[0]}


def test_two_units_of_one_name_and_two_codes_are_two_wherever_units_are_counted(tmp_path, capsys):
    """机关服务中心（101003） of the education bureau and 机关服务中心（102003） of the health commission are two units
    in a bureau's summary, from the departments' summaries or from the units' files: two rows of 汇总表's table by
    unit (and of the report's), named with their codes; counted as two in the summary, the
    report and the 部门整体 note (which counts the units that sent no 部门整体 form). The education bureau's
    机关服务中心 written without its code is its 机关服务中心（101003）, one unit with it."""
    education, health = service_centres(tmp_path)
    for folder in (education, health):
        code, data = run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")
        assert code == 0 and data["units"] == 2
    assert unit_table(tmp_path / "教育局汇总.xlsx") == {"一中": (310, 150), "机关服务中心（101003）": (620, 300)}
    from_summaries = tmp_path / "局" / "汇总.xlsx"
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", from_summaries)
    assert code == 0
    code, direct = run(capsys, education, health, "-o", tmp_path / "局" / "直接汇总.xlsx")
    assert code == 0
    for summary, found in ((from_summaries, data), (tmp_path / "局" / "直接汇总.xlsx", direct)):
        assert found["units"] == 4 and found["projects"] == 5 and not found["duplicates"], summary
        assert {d["name"]: sorted(d["units"]) for d in found["departments"]} == {
            EDUCATION: ["一中", "机关服务中心（101003）"], HEALTH: ["一院", "机关服务中心（102003）"]}
        assert unit_table(summary) == {"一中": (310, 150), "一院": (310, 150), "机关服务中心（101003）": (620, 300),
                                       "机关服务中心（102003）": (310, 15)}
        book = load_workbook(summary)
        assert book["汇总表"]["A2"].value.startswith("纳入汇总：2 个主管部门、4 个单位、5 个项目")
        [note] = [v for row in book["部门整体"].iter_rows(values_only=True) for v in row if str(v).startswith("说明")]
        assert "根据 机关服务中心（101003） 报送的" in note and "另有 3 个单位只报送了项目表" in note
    from xlmon.report import report_for_paths

    text = report_for_paths([from_summaries]).text()
    assert "本次监控纳入 2 个主管部门、4 个单位的 5 个项目" in text
    assert re.search(r"\t机关服务中心（101003）\t620\.00\t300\.00\t", text)
    assert re.search(r"\t机关服务中心（102003）\t310\.00\t15\.00\t", text)
    _, province = run(capsys, from_summaries, "-o", tmp_path / "省汇总.xlsx")  # the bureau's table read back whole
    assert province["units"] == 4 and not [d for d in province["diagnostics"] if d["code"] == "K014"]


def test_a_unit_resending_its_form_without_its_code_corrects_its_own_project_not_a_namesakes(tmp_path, capsys):
    """The health commission's 机关服务中心（102003） re-sends 物业管理经费 corrected, its name written without the
    code: at the bureau it is that unit's project (its 主管部门 tells which 机关服务中心), which the correction
    replaces; the education bureau's 机关服务中心（101003）·物业管理经费 stays as sent. In the health commission's
    summary only the correction is left, without the code: one level up it is still not the education bureau's."""
    education, health = service_centres(tmp_path)
    corrected = {k: list(v) for k, v in LAGGING.items()}
    corrected[L.TOTAL_ROW][5:7], corrected["中央财政资金"][5:7] = [66, 0.2129], [57, 0.57]  # 支出数 15 → 66
    again = write_form(health / "服务中心（更正）.xlsx", unit="机关服务中心", project="物业管理经费", funding=corrected,
                       department=HEALTH)
    os.utime(health / "服务中心.xlsx", (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_600, 1_780_000_600))
    code, direct = run(capsys, education, health, "-o", tmp_path / "局" / "直接汇总.xlsx")
    assert code == 0 and direct["projects"] == 5 and direct["units"] == 4
    [dup] = direct["duplicates"]
    assert dup.startswith("机关服务中心·物业管理经费：") and "采用 服务中心（更正）.xlsx!表1，因其文件修改时间较晚" in dup
    assert "教育局" not in dup
    for folder in (education, health):
        assert run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")[0] == 0
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", tmp_path / "局" / "汇总.xlsx")
    assert code == 0 and data["projects"] == 5 and data["units"] == 4 and not data["duplicates"]
    for summary in ("直接汇总.xlsx", "汇总.xlsx"):  # the health commission's known by its name alone, as the form
        table = unit_table(tmp_path / "局" / summary)  # it counts with writes it
        assert table["机关服务中心（101003）"] == (620, 300) and table["机关服务中心"] == (310, 66), summary


def test_a_departments_completed_form_takes_in_its_own_unit_not_a_namesake_of_another(tmp_path, capsys):
    """The education bureau completes its summary's 部门整体, which takes in 机关服务中心（101003）'s form; the health
    commission's summary holds 机关服务中心（102003）'s own, with an indicator gone red. At the bureau that form is
    not the education bureau's unit's (no K002), and 指标偏差 names its row's 主管部门 as the health commission."""
    education, health = service_centres(tmp_path)
    write_overall_form(health / "服务中心部门整体.xlsx", "机关服务中心（102003）", red=True)
    for folder in (education, health):
        assert run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")[0] == 0
    complete_department_form(tmp_path / "教育局汇总.xlsx", forecast=500)
    bureau = tmp_path / "局" / "汇总.xlsx"
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", bureau)
    assert code == 0 and data["units"] == 4 and not data["duplicates"]
    assert not [d for d in data["diagnostics"] if d["code"] == "K002"]
    [note] = [v for row in load_workbook(bureau)["部门整体"].iter_rows(values_only=True) for v in row
              if str(v).startswith("说明")]
    assert "机关服务中心（102003）、某市教育局（101001）" in note and "另有 1 个单位只报送了项目表" in note  # 一院
    rows = list(load_workbook(bureau)["指标偏差"].iter_rows(values_only=True))
    assert rows[0][:3] == ("评级", "主管部门", "单位")
    [row] = [row for row in rows if row[2] == "机关服务中心（102003）" and row[3] == "（部门整体支出）"]
    assert row[1] == HEALTH


def test_which_names_are_one_unit():
    """Units: the same name and code, or a name without a code beside one with (of the same 主管部门); two codes
    are two units, and a name without a code beside them the one its 主管部门 tells, else a unit of its own where
    its 主管部门 is in evidence (other units' forms name it too), else the coded one's."""
    from xlmon.consolidate.names import Units
    from xlmon.consolidate.records import FormRecord

    def form(unit: str, department: str | None = EDUCATION, kind: str = "project") -> FormRecord:
        return FormRecord(kind, f"{unit}.xlsx", "表1", unit, "项目", department, None, 2026, 6)

    school = [form("某市第一中学"), form("某市第一中学（101001-001）"), form("某 市 第一中学", None, "department"),
              form("某市第一中学（101001001）", "某市教育局")]
    assert len({Units(school).of(r) for r in school}) == 1
    others = [form("一中"), form("一院", HEALTH), form("福利院", "某市民政局")]  # the departments' other units
    forms = [form("机关服务中心（101003）"), form("机关服务中心（102003）", HEALTH), form("机关服务中心", "某市教育局"),
             form("机关服务中心", "102001"), form("机关服务中心", "某市民政局"), form("机关服务中心", None, "department")]
    units = Units([*forms, *others])
    assert [units.of(r)[1] for r in forms] == ["101003", "102003", "101003", "102003", None, None]
    assert list(units.names(forms).values()) == ["机关服务中心（101003）", "机关服务中心（102003）", "机关服务中心"]
    alone = Units([form("机关服务中心（101003）"), form("机关服务中心", HEALTH), *others[:2]])
    assert [alone.key("机关服务中心", HEALTH), alone.key("机关服务中心", "101001"), alone.key("机关服务中心")] == [
        ("机关服务中心", None), ("机关服务中心", "101003"), ("机关服务中心", "101003")]
    # the health commission named by this form alone (a re-send writing its department another way): no evidence
    lone = Units([form("机关服务中心（101003）"), form("机关服务中心", HEALTH)])
    assert lone.key("机关服务中心", HEALTH) == ("机关服务中心", "101003")
    bare_first = [form("机关服务中心", "某市教育局"), form("机关服务中心（101003）"), form("机关服务中心", HEALTH)]
    assert list(Units([*bare_first, *others]).names(bare_first).values()) == ["机关服务中心（101003）", "机关服务中心"]


def information_centres(folder: Path) -> tuple[Path, Path]:
    """Two departments, each with a unit named 信息中心 (no unit codes written anywhere) sending a project of one name,
    信息系统运维经费, and its 部门整体 form, and one other unit; the health commission's 信息中心 is behind (LAGGING)
    and its 部门整体 form has an indicator judged 完全不可能."""
    education, health = folder / "教育局", folder / "卫健委"
    for path in (education, health):
        path.mkdir(parents=True)
    write_form(education / "信息中心.xlsx", unit="信息中心", project="信息系统运维经费", department=EDUCATION)
    write_form(education / "一中.xlsx", unit="一中", project="校舍维修改造项目", department=EDUCATION)
    write_overall_form(education / "信息中心部门整体.xlsx", "信息中心")
    write_form(health / "信息中心.xlsx", unit="信息中心", project="信息系统运维经费", funding=LAGGING,
               department=HEALTH)
    write_form(health / "一院.xlsx", unit="一院", project="设备购置", department=HEALTH)
    write_overall_form(health / "信息中心部门整体.xlsx", "信息中心", red=True)
    return education, health


def test_a_bureaus_summary_consolidated_again_keeps_its_namesake_units_apart(tmp_path, capsys):
    """The education bureau's 妇幼保健院 and 研究所 written without codes, the health commission's with theirs, each
    pair sending a project of one name: the bureau, from the departments' summaries, counts four projects of four
    units. Its own summary consolidated again (a province's one level up) took all of them for the health
    commission's: every unit naming 某市教育局 named it too once the summaries they came in were one file, 某市教育局
    was read as the commission written another way, and two of the four projects (620 of 1,240 万元) were dropped
    as copies (K002; found by the re-saved summaries' property, seed 21004). Each form now keeps the department's
    summary it came in."""
    education, health = tmp_path / "教育局", tmp_path / "卫健委"
    for path in (education, health):
        path.mkdir()
    for unit in ("某市妇幼保健院", "某市教育科学研究所"):
        write_form(education / f"{unit}.xlsx", unit=unit, project=f"{unit[2:4]}装备配备项目", department=EDUCATION)
    for unit, code in (("某市妇幼保健院", "102001011"), ("某市教育科学研究所", "102001008")):
        write_form(health / f"{unit}.xlsx", unit=f"{unit}（{code}）", project=f"{unit[2:4]}装备配备项目",
                   department=HEALTH)
    for folder in (education, health):
        assert run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")[0] == 0
    bureau = tmp_path / "局" / "汇总.xlsx"
    code, made = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", bureau)
    assert code == 0 and made["projects"] == 4 and made["totals"]["subtotal"] == 4 * 310
    code, again = run(capsys, bureau, "-o", tmp_path / "省" / "汇总.xlsx")
    assert code == 0 and not again["duplicates"], again["duplicates"]
    assert (again["projects"], again["totals"]["subtotal"]) == (4, 4 * 310)
    assert not [d for d in again["diagnostics"] if d["code"] == "K002"]


def test_units_of_one_name_of_two_departments_are_two_without_codes(tmp_path, capsys):
    """信息中心 of the education bureau and 信息中心 of the health commission, neither written with a code, are two
    units, told apart by the 主管部门 their project forms name: at the bureau, from the departments' summaries or
    from the units' files, each keeps its 信息系统运维经费 (no K002) and its 部门整体 form, and they are two rows of
    汇总表's table by unit (and of the report's), named with their departments, and two in every count of units.
    In a department's own summary, where the name is one unit, it is named as written."""
    education, health = information_centres(tmp_path)
    for folder in (education, health):
        code, data = run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")
        assert code == 0 and data["units"] == 2 and not data["duplicates"]
    assert unit_table(tmp_path / "教育局汇总.xlsx") == {"一中": (310, 150), "信息中心": (310, 150)}
    from_summaries = tmp_path / "局" / "汇总.xlsx"
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", from_summaries)
    assert code == 0
    code, direct = run(capsys, education, health, "-o", tmp_path / "局" / "直接汇总.xlsx")
    assert code == 0
    ours, theirs = "信息中心（某市教育局）", "信息中心（某市卫生健康委员会）"
    for summary, found in ((from_summaries, data), (tmp_path / "局" / "直接汇总.xlsx", direct)):
        assert found["units"] == 4 and found["projects"] == 4 and found["totals"]["subtotal"] == 1240, summary
        assert not found["duplicates"] and not [d for d in found["diagnostics"] if d["code"] == "K002"], summary
        assert {d["name"]: sorted(d["units"]) for d in found["departments"]} == {
            EDUCATION: ["一中", ours], HEALTH: ["一院", theirs]}
        assert unit_table(summary) == {"一中": (310, 150), "一院": (310, 150), ours: (310, 150), theirs: (310, 15)}
        book = load_workbook(summary)
        assert book["汇总表"]["A2"].value.startswith("纳入汇总：2 个主管部门、4 个单位、4 个项目")
        rows = list(book["指标偏差"].iter_rows(values_only=True))
        overall = {(row[1], row[2]) for row in rows if row[3] == "（部门整体支出）"}
        assert overall == {(HEALTH, "信息中心")}, summary  # the red indicator: the health commission's unit's
        [note] = [v for row in book["部门整体"].iter_rows(values_only=True) for v in row if str(v).startswith("说明")]
        assert "另有 2 个单位只报送了项目表" in note, note  # 一中 and 一院: each 信息中心 sent its own
        assert "根据 信息中心（某市卫生健康委员会）、信息中心（某市教育局） 报送的" in note, note
    from xlmon.report import report_for_paths

    text = report_for_paths([from_summaries]).text()
    assert "本次监控纳入 2 个主管部门、4 个单位的 4 个项目" in text
    assert re.search(r"\t信息中心（某市教育局）\t310\.00\t150\.00\t", text)
    assert re.search(r"\t信息中心（某市卫生健康委员会）\t310\.00\t15\.00\t", text)
    _, province = run(capsys, from_summaries, "-o", tmp_path / "省汇总.xlsx")  # the bureau's records read back
    assert province["units"] == 4 and province["projects"] == 4 and not province["duplicates"]
    assert unit_table(tmp_path / "省汇总.xlsx") == unit_table(from_summaries)


def test_a_unit_writing_its_department_two_ways_beside_a_namesake_is_one_unit_and_its_copy_a_duplicate(tmp_path,
                                                                                                        capsys):
    """The education bureau's 信息中心 writes its 主管部门 three ways (某市教育局（101001）, 市教育局 on another project,
    某市教育局 on a corrected re-send): beside the health commission's 信息中心 it is still one unit, and its re-sent
    信息系统运维经费 replaces its own first copy, not the health commission's project of that name."""
    education, health = information_centres(tmp_path)
    write_form(education / "信息中心设备.xlsx", unit="信息中心", project="办公设备购置", department="市教育局")
    again = write_form(education / "信息中心（更正）.xlsx", unit="信息中心", project="信息系统运维经费",
                       funding=more_spent(), department="某市教育局")
    os.utime(education / "信息中心.xlsx", (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_600, 1_780_000_600))
    code, direct = run(capsys, education, health, "-o", tmp_path / "局" / "直接汇总.xlsx")
    assert code == 0 and direct["projects"] == 5 and direct["units"] == 4
    [dup] = direct["duplicates"]
    assert "采用 信息中心（更正）.xlsx!表1，因其文件修改时间较晚" in dup and "卫健委" not in dup, dup
    for folder in (education, health):
        assert run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")[0] == 0
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", tmp_path / "局" / "汇总.xlsx")
    assert code == 0 and data["projects"] == 5 and data["units"] == 4 and not data["duplicates"]
    for summary in ("直接汇总.xlsx", "汇总.xlsx"):
        assert unit_table(tmp_path / "局" / summary) == {"一中": (310, 150), "一院": (310, 150),
                                                        "信息中心（某市教育局）": (620, 310),
                                                        "信息中心（某市卫生健康委员会）": (310, 15)}, summary


def test_which_names_without_codes_are_one_unit():
    """Units without codes: one name is one unit while its project forms name one 主管部门 however written, one of
    each department where they name several in evidence (other units' forms name them too); a form naming no
    department of its own (a 部门整体 form, a project form leaving the line blank or naming its unit) is the unit
    whose project forms share its file or folder."""
    from xlmon.consolidate.names import Units
    from xlmon.consolidate.records import FormRecord

    def form(department: str | None, file: str, kind: str = "project", unit: str = "信息中心",
             source: str | None = None, sha256: str | None = None) -> FormRecord:
        return FormRecord(kind, file, "表1", unit, "项目", department, None, 2026, 6, source=source, sha256=sha256)

    forms = [form(EDUCATION, "教育局/信息中心.xlsx"), form("市教育局", "教育局/设备.xlsx"),
             form("101001", "教育局/更正.xlsx"), form(HEALTH, "卫健委/信息中心.xlsx"),
             form("信息中心", "教育局/信息中心部门整体.xlsx", "department"), form(None, "卫健委/空白.xlsx"),
             form("信息中心", "卫健委/信息中心.xlsx"), form(None, "别处/信息中心.xlsx", "department", "信息 中心")]
    others = [form(EDUCATION, "教育局/一中.xlsx", unit="一中"), form(HEALTH, "卫健委/一院.xlsx", unit="一院")]
    units = Units([*forms, *others])
    ids = [units.of(r) for r in forms]
    assert ids[0] == ids[1] == ids[2] == ids[4] != ids[3] == ids[5] == ids[6]
    assert ids[7] == ("信息中心", None) and ids[7] not in ids[:7]  # nothing tells whose
    assert units.key("信息中心", "某市教育局") == ids[0] and units.key("信息中心", "102001") == ids[3]
    assert list(units.names(forms).values()) == ["信息中心（某市教育局）", "信息中心（某市卫生健康委员会）", "信息 中心"]
    alone = [r for r in forms if r.department != HEALTH]  # one department's, however written: one unit
    assert len({Units(alone).of(r) for r in alone}) == 1
    assert list(Units(alone).names(alone).values()) == ["信息中心"]
    # the two departments named by the 信息中心's forms alone: in no evidence, they tell no two units apart
    assert len({Units(forms).of(r) for r in forms}) == 1
    # read back from two departments' summaries: the summary (and the unit's folder) tells a 部门整体 form's unit,
    # and so do the bytes of its file sent straight to the bureau too
    read = [form(EDUCATION, "局/教育局汇总.xlsx", unit="一中", source="/教育局/一中.xlsx"),
            form(HEALTH, "局/卫健委汇总.xlsx", unit="一院", source="/卫健委/一院.xlsx"),
            form(EDUCATION, "局/教育局汇总.xlsx", source="/教育局/信息中心.xlsx"),
            form(HEALTH, "局/卫健委汇总.xlsx", source="/卫健委/信息中心.xlsx"),
            form("信息中心", "局/卫健委汇总.xlsx", "department", source="/卫健委/部门整体.xlsx", sha256="ab"),
            form("信息中心", "局/省汇总.xlsx", "department", source="/教育局/部门整体.xlsx"),
            form("信息中心", "局/信息中心部门整体.xlsx", "department", sha256="ab")]
    units = Units(read)
    found = [units.of(r) for r in read[2:]]
    assert found[2:] == [found[1], found[0], found[1]] and found[0] != found[1]


def one_inbox(folder: Path) -> Path:
    """A bureau's inbox of units' files, not sorted into folders by department: the education bureau's 信息中心
    (信息系统运维经费, 教育云平台运维) and 一中, the health commission's 信息中心 (信息系统运维经费, behind) and 一院."""
    folder.mkdir(parents=True)
    write_form(folder / "教育局信息中心.xlsx", unit="信息中心", project="信息系统运维经费", department=EDUCATION)
    write_form(folder / "教育局信息中心平台.xlsx", unit="信息中心", project="教育云平台运维", department=EDUCATION)
    write_form(folder / "一中.xlsx", unit="一中", project="校舍维修改造项目", department=EDUCATION)
    write_form(folder / "卫健委信息中心.xlsx", unit="信息中心", project="信息系统运维经费", funding=LAGGING,
               department=HEALTH)
    write_form(folder / "一院.xlsx", unit="一院", project="设备购置", department=HEALTH)
    return folder


@pytest.mark.parametrize("written", ["", "信息中心", "市教委"])
def test_a_namesakes_correction_naming_no_department_replaces_its_own_project_in_one_inbox(tmp_path, capsys,
                                                                                          written):
    """In one inbox, the education bureau's 信息中心 re-sends 教育云平台运维 corrected, its 主管部门 line left blank,
    written as its own name or as 市教委, which no other unit writes: nothing there tells which 信息中心 it is, but
    only the education bureau's has a project of that name, so the correction replaces it (K002), never a third
    信息中心 counting the project twice."""
    inbox = one_inbox(tmp_path / "收件箱")
    original = inbox / "教育局信息中心平台.xlsx"
    again = write_form(inbox / "信息中心（更正）.xlsx", unit="信息中心", project="教育云平台运维", funding=more_spent(),
                       department=written)
    os.utime(original, (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_600, 1_780_000_600))
    code, data = run(capsys, inbox, "-o", tmp_path / "局" / "汇总.xlsx")
    assert code == 0 and data["projects"] == 5 and data["units"] == 4 and data["totals"]["subtotal"] == 1550
    [dup] = data["duplicates"]
    assert dup.startswith("信息中心·教育云平台运维：") and "采用 信息中心（更正）.xlsx!表1，因其文件修改时间较晚" in dup, dup
    assert unit_table(tmp_path / "局" / "汇总.xlsx") == {"一中": (310, 150), "一院": (310, 150),
                                                       "信息中心（某市教育局）": (620, 310),
                                                       "信息中心（某市卫生健康委员会）": (310, 15)}


def test_a_coded_unit_naming_no_department_does_not_take_in_namesakes_of_two_departments(tmp_path, capsys):
    """信息中心（117001004） leaves its 主管部门 blank; 信息中心 of the finance bureau and of the audit bureau, neither
    written with a code, each send 设备购置: the coded unit is neither's (it could be one's alone), so the three are
    three units and neither 设备购置 is the other's duplicate."""
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    write_form(inbox / "财政局信息中心.xlsx", unit="信息中心", project="设备购置", department="某市财政局")
    write_form(inbox / "财政局本级.xlsx", unit="某市财政局（本级）", project="财政业务经费", department="某市财政局")
    write_form(inbox / "审计局信息中心.xlsx", unit="信息中心", project="设备购置", funding=LAGGING, department="某市审计局")
    write_form(inbox / "审计一所.xlsx", unit="审计一所", project="审计业务经费", department="某市审计局")
    write_form(inbox / "信息中心.xlsx", unit="信息中心（117001004）", project="市场监管信息化", department="")
    code, data = run(capsys, inbox, "-o", tmp_path / "局" / "汇总.xlsx")
    assert code == 0 and data["projects"] == 5 and data["units"] == 5 and not data["duplicates"]
    assert not [d for d in data["diagnostics"] if d["code"] == "K002"]
    table = unit_table(tmp_path / "局" / "汇总.xlsx")
    assert {k: v for k, v in table.items() if k.startswith("信息中心")} == {
        "信息中心（某市财政局）": (310, 150), "信息中心（某市审计局）": (310, 15), "信息中心（117001004）": (310, 150)}


def test_which_unit_a_form_telling_none_of_its_own_is():
    """A project form of a name several units share that tells none of them (its 主管部门 blank or its unit's own name)
    is the one whose forms share its file (else summary, else folder), else the one with a project of its name (of
    several, the one whose project has its 本年预算: a correction keeps its budget), else the first read: never a
    unit of its own. A 部门整体 form is placed by where it lies alone."""
    from xlmon.consolidate.names import Units
    from xlmon.consolidate.records import FormRecord

    def form(department: str | None, file: str, project: str = "信息系统运维经费", budget: float = 300,
             unit: str = "信息中心", kind: str = "project") -> FormRecord:
        return FormRecord(kind, file, "表1", unit, project, department, None, 2026, 6,
                          amounts={"source": {"资金总额": [None, budget, None, None, None]}})

    theirs = [form(EDUCATION, "收件箱/教育局信息中心.xlsx", budget=300), form(EDUCATION, "收件箱/平台.xlsx", "教育云平台运维"),
              form(HEALTH, "收件箱/卫健委信息中心.xlsx", budget=280), form(HEALTH, "卫健委/设备.xlsx", "设备购置"),
              form(EDUCATION, "收件箱/一中.xlsx", unit="一中"), form(HEALTH, "收件箱/一院.xlsx", unit="一院")]
    loose = [form(None, "收件箱/更正.xlsx", "教育云平台运维"), form("信息中心", "收件箱/更正2.xlsx", budget=280),
             form("", "收件箱/更正3.xlsx", budget=300), form(None, "收件箱/新.xlsx", "新项目"),
             form(None, "收件箱/卫健委信息中心.xlsx", "教育云平台运维"), form(None, "卫健委/补报.xlsx", "新项目"),
             form("信息中心", "别处/部门整体.xlsx", kind="department")]
    units = Units([*theirs, *loose])
    ours, health = units.of(theirs[0]), units.of(theirs[2])
    assert ours != health and units.of(theirs[1]) == ours
    assert [units.of(r) for r in loose] == [ours, health, ours, ours, health, health, ("信息中心", None)]


@pytest.mark.parametrize("written", ["某市第一中学", "市教委", "101001", ""])
def test_a_unit_resending_a_project_without_its_code_is_one_unit_however_it_writes_its_department(tmp_path, capsys,
                                                                                                 written):
    """某市第一中学（101001001） re-sends 校舍维修改造项目 corrected without its code, its 主管部门 written as its own
    name, as 市教委 or 101001 (no other unit's forms write them: in no evidence) or left blank: it is still the one
    某市第一中学, the correction replacing its first copy (K002), not a second unit counting the project twice."""
    school = tmp_path / "教育局"
    school.mkdir()
    first = write_form(school / "一中.xlsx", unit="某市第一中学（101001001）", project="校舍维修改造项目",
                       department="某市教育局")
    write_form(school / "一中实验室.xlsx", unit="某市第一中学（101001001）", project="实验室建设", department="某市教育局")
    write_form(school / "二中.xlsx", unit="某市第二中学（101001002）", project="实验室建设", department="某市教育局")
    again = write_form(school / "一中（更正）.xlsx", unit="某市第一中学", project="校舍维修改造项目", funding=more_spent(),
                       department=written)
    os.utime(first, (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_600, 1_780_000_600))
    code, data = run(capsys, school, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and data["projects"] == 3 and data["units"] == 2 and data["totals"]["subtotal"] == 930
    [dup] = data["duplicates"]
    assert "采用 一中（更正）.xlsx!表1，因其文件修改时间较晚" in dup, dup
    table = unit_table(tmp_path / "汇总.xlsx")
    assert table.pop("某市第二中学（101001002）") == (310, 150)
    [(name, amounts)] = table.items()
    assert name.startswith("某市第一中学") and amounts == (620, 310)


@pytest.mark.parametrize("written", ["", "市教委"])
def test_a_namesakes_correction_counts_alike_from_its_departments_summary_and_straight(tmp_path, capsys, written):
    """The education bureau's 信息中心 re-sends its one project, 平台运维, its 主管部门 line blank or 市教委; the health
    commission's 信息中心 has a 平台运维 too. Its department's summary kept the correction alone, which the bureau
    takes for the education bureau's unit's, as the department did: both 平台运维 count, from the summaries as
    straight from the units' files, never one dropped as the other's duplicate."""
    education, health = tmp_path / "教育局", tmp_path / "卫健委"
    for folder in (education, health):
        folder.mkdir()
    first = write_form(education / "信息中心.xlsx", unit="信息中心", project="平台运维", department=EDUCATION)
    write_form(education / "一中.xlsx", unit="一中", project="校舍维修改造项目", department=EDUCATION)
    again = write_form(education / "信息中心（更正）.xlsx", unit="信息中心", project="平台运维", funding=more_spent(),
                       department=written)
    os.utime(first, (1_780_000_000, 1_780_000_000))
    os.utime(again, (1_780_000_600, 1_780_000_600))
    write_form(health / "信息中心.xlsx", unit="信息中心", project="平台运维", funding=LAGGING, department=HEALTH)
    write_form(health / "一院.xlsx", unit="一院", project="设备购置", department=HEALTH)
    code, direct = run(capsys, education, health, "-o", tmp_path / "局" / "直接汇总.xlsx")
    assert code == 0 and len(direct["duplicates"]) == 1
    for folder in (education, health):
        assert run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")[0] == 0
    code, data = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", tmp_path / "局" / "汇总.xlsx")
    assert code == 0 and not data["duplicates"]
    for found in (direct, data):
        assert found["projects"] == 4 and found["units"] == 4 and found["totals"]["subtotal"] == 1240


def test_which_departments_tell_namesakes_apart():
    """A 主管部门 tells namesakes apart where a unit's forms name it alone: a spelling only re-sends write beside
    another department's name is that department (市教委 written by 一中 and by 信息中心 beside 某市教育局), one beside
    several departments' names tells none of them (the forms place themselves), and two departments only one name's
    forms write, each beside the other, are one."""
    from xlmon.consolidate.names import Units
    from xlmon.consolidate.records import FormRecord

    def form(unit: str, department: str, project: str = "项目", file: str = "收件箱/表.xlsx") -> FormRecord:
        return FormRecord("project", file, "表1", unit, project, department, None, 2026, 6)

    forms = [form("一中", EDUCATION, "校舍"), form("一中", "市教委", "实验室"), form("信息中心", EDUCATION, "运维"),
             form("信息中心", "市教委", "平台"), form("信息中心", HEALTH, "监测"), form("一院", HEALTH)]
    units = Units(forms)
    ids = [units.of(r) for r in forms]
    assert ids[0] == ids[1] and ids[2] == ids[3] != ids[4]  # 市教委 is 某市教育局 here
    assert units.names(forms)[ids[2]] == "信息中心（某市教育局）"
    beside_both = [*forms[:1], *forms[2:], form("信息中心", "市教委", "运维", "收件箱/更正.xlsx")]
    units = Units(beside_both)
    assert units.of(beside_both[-1]) == units.of(forms[2]) != units.of(forms[4])  # by its project, 运维
    alone = [form("信息中心", "某市财政局", "设备"), form("信息中心", "某市审计局", "设备")]
    assert len({Units(alone).of(r) for r in alone}) == 1
    apart = [*alone, form("某市财政局（本级）", "某市财政局"), form("审计一所", "某市审计局")]
    assert len({Units(apart).of(r) for r in alone}) == 2


def test_a_department_written_by_its_common_abbreviation_tells_namesakes_apart():
    """信息中心 of 某市教育局 and of 某市卫生健康委员会: the one whose form signs 市卫健委 is the commission's, and so is
    the one a 部门整体 form signing 市卫健委 (written by no project form) takes in."""
    from xlmon.consolidate.names import Units
    from xlmon.consolidate.records import FormRecord

    def form(unit: str, department: str, project: str = "项目") -> FormRecord:
        return FormRecord("project", "收件箱/表.xlsx", "表1", unit, project, department, None, 2026, 6)

    forms = [form("一中", EDUCATION), form("信息中心", EDUCATION, "运维"), form("信息中心", HEALTH, "监测"),
             form("一院", HEALTH), form("信息中心", "市卫健委", "平台")]
    units = Units(forms)
    assert units.of(forms[4]) == units.of(forms[2]) != units.of(forms[1])
    units = Units(forms[:4])
    assert units.key("信息中心", "市卫健委") == units.of(forms[2]) != units.key("信息中心", "市教育局")


def test_a_department_whose_unit_writes_its_code_on_its_overall_form_only_tells_namesakes_apart(tmp_path, capsys):
    """某市卫生健康委员会's one other unit, 一院, writes its code on its 部门整体 form only (as that form asks), and was
    taken for a name whose project forms, without the code, may be any of its coded units': the department was in no
    evidence, its 机关服务中心 taken for 某市教育局's, and their 物业管理经费 counted once, one department's dropped as
    the other's duplicate. A code on a 部门整体 form, which names no department, leaves its unit's forms their own."""
    from handmade import department_grid

    for department, unit in (("某市教育局", "一中"), ("某市民政局", "福利院")):
        (tmp_path / department).mkdir()
        write_form(tmp_path / department / f"{unit}.xlsx", unit=unit, project="设备购置", department=department)
    write_form(tmp_path / "某市教育局" / "机关服务中心.xlsx", unit="机关服务中心", project="物业管理经费",
               department="某市教育局")
    write_form(tmp_path / "某市民政局" / "机关服务中心.xlsx", unit="机关服务中心（103001099）", project="物业管理经费",
               department="某市民政局")
    (tmp_path / "某市卫生健康委员会").mkdir()
    write_form(tmp_path / "某市卫生健康委员会" / "机关服务中心.xlsx", unit="机关服务中心", project="物业管理经费",
               department="某市卫生健康委员会", funding=more_spent())
    one = write_form(tmp_path / "某市卫生健康委员会" / "一院.xlsx", unit="一院", project="设备购置",
                     department="某市卫生健康委员会")
    book = load_workbook(one)
    sheet = book.create_sheet("部门整体")
    for row in department_grid(unit="一院（102001001）"):
        sheet.append(row)
    book.save(one)
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["projects"] == data["units"] == 6 and not data["duplicates"]
    assert sorted(len(d["units"]) for d in data["departments"]) == [2, 2, 2]


def test_files_in_a_folder_that_are_no_workbook_are_named_not_passed_over(tmp_path, capsys):
    """A unit's form typed in Word or sent as a PDF lay in the folder unread and unmentioned: its unit was simply
    not in the summary. Such files are named (not lock files, hidden files, the roster or the reports and notes
    units send beside their forms, nor the files Windows keeps in a folder of its own accord, Thumbs.db and
    desktop.ini)."""
    import xlmon.entry_points as ep

    write_form(tmp_path / "一中.xlsx", unit="一中", project="甲")
    for name in ("二中监控表.docx", "三中监控表.pdf", "单位名单.csv", "~$一中.xlsx", ".DS_Store", "一中分析报告.docx",
                 "一中_分析报告.docx", "情况说明.pdf", "Thumbs.db", "desktop.ini", "二中/Desktop.ini"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["other_files"] == [str(tmp_path / "三中监控表.pdf"), str(tmp_path / "二中监控表.docx")]
    assert main(["consolidate", str(tmp_path), "-o", str(tmp_path / "out" / "t.xlsx")]) == 0
    said = "文件夹中另有 2 个不是工作簿的文件，未读取：三中监控表.pdf、二中监控表.docx。如其中有单位的监控表"
    assert said in capsys.readouterr().out
    message, _ = ep.summarise_folder(tmp_path)
    assert said in message


def test_files_no_workbook_in_several_folders_are_named_by_where_they_lie(tmp_path, capsys):
    """Two 科s' folders each holding a unit's form sent in Word: the note named 监控表.docx twice, and no one could
    tell where either lay. Below the folder they share, each is named by its path: 一科/监控表.docx."""
    for office in ("一科", "二科"):
        (tmp_path / "局" / office).mkdir(parents=True)
        write_form(tmp_path / "局" / office / "一中.xlsx", unit=f"{office}一中", project="甲")
        (tmp_path / "局" / office / "监控表.docx").write_bytes(b"x")
    said = "文件夹中另有 2 个不是工作簿的文件，未读取：一科/监控表.docx、二科/监控表.docx。"
    assert main(["consolidate", str(tmp_path / "局"), "-o", str(tmp_path / "out" / "s.xlsx")]) == 0
    assert said.replace("/", os.sep) in capsys.readouterr().out
    main(["check", str(tmp_path / "局" / "一科"), str(tmp_path / "局" / "二科")])
    assert said.replace("/", os.sep) in capsys.readouterr().out


def test_earlier_months_kept_in_a_units_yearly_workbook_are_not_asked_to_be_filed_again(tmp_path, capsys):
    """A unit keeps one workbook a year with a sheet a month (5月, 6月): the 1-5月 sheet was K001, an error telling
    the unit to file it again for 1-6月, though the same file holds its 1-6月 form. It is K018, a note; a unit
    whose file holds 1-5月 alone is still K001."""
    yearly = write_form(tmp_path / "一中.xlsx", unit="一中", project="甲", period="（2026年1-6月）")
    book = load_workbook(yearly)
    book.active.title = "6月"
    book.save(yearly)
    add_form_sheet(yearly, "5月", unit="一中", project="甲", period="（2026年1-5月）", first=True)
    write_form(tmp_path / "二中.xlsx", unit="二中", project="乙")
    write_form(tmp_path / "三中.xlsx", unit="三中", project="丙", period="（2026年1-5月）")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["projects"] == 2
    [k018] = [d for d in data["diagnostics"] if d["code"] == "K018"]
    assert (Path(k018["file"]).name, k018["sheet"], k018["severity"]) == ("一中.xlsx", "5月", "info")
    assert "同一文件的工作表“6月”已有本期（2026年1-6月）的同一张表" in k018["message"]
    assert [Path(d["file"]).name for d in data["diagnostics"] if d["code"] == "K001"] == ["三中.xlsx"]
    assert not [d for d in data["diagnostics"] if d["file"] == str(yearly) and d["sheet"] == "5月" and d["code"] != "K018"]


def test_a_copy_of_a_file_says_its_earlier_months_and_other_periods_once(tmp_path, capsys):
    """A unit's yearly workbook (5月 beside 6月) and an identical copy of it, 一中 - 副本.xlsx; and a unit's form of
    another period sent twice: each K018 and K001 was said of both copies, where the file's other findings are said
    once (as from the summary, one level up): the report counted 提示 6 条 from the files and 3 from their summary."""
    from collections import Counter

    yearly = write_form(tmp_path / "一中.xlsx", unit="一中", project="甲")
    book = load_workbook(yearly)
    book.active.title = "6月"
    book.save(yearly)
    add_form_sheet(yearly, "5月", unit="一中", project="甲", period="（2026年1-5月）", first=True)
    shutil.copy(yearly, tmp_path / "一中 - 副本.xlsx")
    write_form(tmp_path / "二中.xlsx", unit="二中", project="乙")
    write_form(tmp_path / "三中.xlsx", unit="三中", project="丙", period="（2026年1-5月）")
    shutil.copy(tmp_path / "三中.xlsx", tmp_path / "三中(1).xlsx")
    for order in (sorted(tmp_path.glob("*.xlsx")), sorted(tmp_path.glob("*.xlsx"), reverse=True)):
        code, data = run(capsys, *order, "-o", tmp_path / "out" / "s.xlsx")
        assert code == 0 and data["projects"] == 2
        said = sorted((Path(d["file"]).name, d["code"]) for d in data["diagnostics"] if d["code"] in ("K001", "K018"))
        assert said == [("一中.xlsx", "K018"), ("三中.xlsx", "K001")]
        _, up = run(capsys, tmp_path / "out" / "s.xlsx", "-o", tmp_path / "up" / "s.xlsx")
        assert Counter(d["code"] for d in up["diagnostics"]) == Counter(d["code"] for d in data["diagnostics"])


def test_a_yearly_workbooks_earlier_months_do_not_outvote_the_period(tmp_path, capsys):
    """Each month's sheet of a unit's yearly workbook voted for its period: two units keeping 1-4月 and 1-5月 beside
    their 1-6月 forms, and one unit that sent 1-5月, made 1-5月 the summary's period."""
    for unit in ("一中", "二中"):
        path = write_form(tmp_path / f"{unit}.xlsx", unit=unit, project="甲", period="（2026年1-6月）")
        book = load_workbook(path)
        for months in (4, 5):
            sheet = book.create_sheet(f"{months}月", 0)
            for row in project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit=unit, project="甲",
                                    period=f"（2026年1-{months}月）"):
                sheet.append(row)
        book.save(path)
    write_form(tmp_path / "三中.xlsx", unit="三中", project="丙", period="（2026年1-5月）")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 2


def test_a_project_proposed_for_key_monitoring_opens_its_form(department, tmp_path, capsys):
    """重点监控建议 named a project for the reviewer to look into, and left finding its form to them: its 项目名称 now
    opens the unit's file at the form, as 项目明细's 来源文件 does."""
    run(capsys, department, "-o", tmp_path / "s.xlsx")
    book = load_workbook(tmp_path / "s.xlsx")
    detail = {(r[1].value, r[2].value): r[22].hyperlink for r in book["项目明细"].iter_rows(min_row=2)}
    sheet = book["重点监控建议"]
    top = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "单位")
    focus = [(r[0].value, r[1]) for r in sheet.iter_rows(min_row=top + 1) if r[0].value]
    assert focus
    for unit, project in focus:
        link, expected = project.hyperlink, detail[(unit, project.value)]
        assert (link.target, link.location) == (expected.target, expected.location) and link.location.endswith("!A1")


def test_a_link_excel_cannot_hold_leaves_its_text(tmp_path, capsys, recwarn):
    """A unit's file deep in folders (a share's path past Excel's 2,079 characters for a link): xlsxwriter refused
    the link and left 项目明细's 来源文件, 指标偏差's 位置 and 文件清单's 文件 empty, warning in English. They keep their
    text, unlinked."""
    folder = tmp_path.joinpath(*[f"{i}" + "d" * 200 for i in range(11)])
    folder.mkdir(parents=True)
    write_form(folder / "一中.xlsx", unit="一中", project="项目甲")
    code, _ = run(capsys, tmp_path, "-o", tmp_path / "s.xlsx")
    assert code == 0 and not [w for w in recwarn if "URL" in str(w.message)]
    book = load_workbook(tmp_path / "s.xlsx")
    source = book["项目明细"].cell(2, 23)
    assert source.value == "一中.xlsx" and source.hyperlink is None
    places = [r[12] for r in book["指标偏差"].iter_rows(min_row=2) if r[0].value]
    assert places and all(p.value.startswith("一中.xlsx!") and p.hyperlink is None for p in places)
    listed = book["文件清单"].cell(2, 1)
    assert listed.value.endswith("一中.xlsx") and listed.hyperlink is None


def test_a_units_long_file_name_is_linked_with_its_tip_cut_short(tmp_path, capsys):
    """A unit's file of a long name (Windows takes 255 characters): the link's tip naming it, its sheet and cell ran
    past the 255 characters Excel holds, and xlsxwriter's ValueError failed the whole consolidation (内部错误). The
    links stay, their tips cut short."""
    name = "一中监控表" + "A" * 230 + ".xlsx"  # 250 bytes, as Linux allows
    write_form(tmp_path / name, unit="一中", project="项目甲")
    code, _ = run(capsys, tmp_path, "-o", tmp_path / "s.xlsx")
    assert code == 0
    source = load_workbook(tmp_path / "s.xlsx")["项目明细"].cell(2, 23)
    assert source.value == name and source.hyperlink.tooltip.startswith(f"打开 {name} 的工作表")
    assert len(source.hyperlink.tooltip) == 255 and source.hyperlink.tooltip.endswith("…")


def test_a_long_reason_sets_its_row_no_taller_than_excel_allows(tmp_path, capsys):
    """A unit's 偏差原因分析 of some 3,000 characters: 指标偏差 set its row 2,000 points tall, past the 409 Excel allows,
    and Excel repaired the summary (its rows' properties) before opening it. The row is as tall as Excel allows, the text whole."""
    reason = "雨季施工受限，二期延至9月。" * 220
    indicators = [list(row) for row in SAMPLE_INDICATORS]
    indicators[3][6] = reason
    write_grid(tmp_path / "一中.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=indicators, unit="一中",
                                                 project="项目甲", department="某市教育局（101001）"))
    code, _ = run(capsys, tmp_path / "一中.xlsx", "-o", tmp_path / "s.xlsx")
    assert code == 0
    sheet = load_workbook(tmp_path / "s.xlsx")["指标偏差"]
    [row] = [r for r in sheet.iter_rows(min_row=2) if reason in [c.value for c in r]]
    assert 408 < sheet.row_dimensions[row[0].row].height <= 409  # xlsxwriter rounds it to pixels


def yuan_funding(yuan: float) -> dict:
    """A project of `yuan` 元 typed in 元 into the form in 万元: every amount 10,000 times too large."""
    return {L.TOTAL_ROW: [None, yuan, yuan, yuan, 1, yuan * 0.4, 0.4, yuan],
            "市级财政资金": [None, yuan, yuan, yuan, 1, yuan * 0.4, 0.4, yuan]}


def test_a_small_project_typed_in_yuan_is_pointed_out_against_the_other_units(tmp_path, capsys):
    """丁's 5 万元 project typed in 元 reads 5 亿元: under the 10 亿元 at which R210 suspects a form alone, yet it
    outweighs the rest of the department in every total. Against the other units' projects (largest amounts 305
    万元) it is 164 times the median: K019 names its cell, says 5 亿元 and that the summary counted it as typed."""
    for unit in ("甲", "乙", "丙"):
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    write_form(tmp_path / "丁.xlsx", unit="丁", project="丁项目", funding=yuan_funding(50_000))
    code, out = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and out["totals"]["current"] == 3 * 300 + 50_000
    [k] = [d for d in out["diagnostics"] if d["code"] == "K019"]
    assert (Path(k["file"]).name, k["severity"]) == ("丁.xlsx", "warning")
    assert load_workbook(tmp_path / "丁.xlsx")[k["sheet"]][k["cell"]].value == 50_000
    assert "为 50,000.00 万元（合 5 亿元）" in k["message"] and "其他单位 3 个项目最大金额的中位数（305.00 万元）的 164 倍" in k["message"]
    assert not [d for d in out["diagnostics"] if d["code"] == "R210"]
    note = "1 张表的金额疑似按元填写（见“校验问题”，代码 K019），合计按表内数字计入，核实前可能偏大"
    assert note in load_workbook(tmp_path / "汇总.xlsx")["汇总表"]["A2"].value
    from xlmon.report import report_for_paths
    said = [b.text for b in report_for_paths([tmp_path / "汇总.xlsx"]).blocks if hasattr(b, "text")]
    assert any("1 张表的金额疑似按元填写" in text for text in said)
    focus = load_workbook(tmp_path / "汇总.xlsx")["重点监控建议"]
    [reason] = [row[5] for row in focus.iter_rows(values_only=True) if row[1] == "丁项目"]
    assert reason.endswith("且为黄灯，但金额疑似按元填写（见“校验问题”，代码 K019），请先核实")
    code, up = run(capsys, tmp_path / "汇总.xlsx", "-o", tmp_path / "上级.xlsx")  # the draft, read back, is no edit
    assert code == 0 and not [d for d in up["diagnostics"] if d["code"] in ("K005", "K012", "K014")]


def test_a_unit_that_typed_every_form_in_yuan_is_compared_with_the_others_only(tmp_path, capsys):
    """丁 typed its three projects in 元: measured against every project, its own would lift the median; against
    the other units' only, each of its forms is pointed out. A department's large project among small ones that is
    no hundred times theirs, and one compared with fewer than three other forms, are not."""
    for unit in ("甲", "乙", "丙"):
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    for i, yuan in enumerate((40_000, 50_000, 80_000)):
        write_form(tmp_path / f"丁{i}.xlsx", unit="丁", project=f"丁项目{i}", funding=yuan_funding(yuan))
    write_form(tmp_path / "戊.xlsx", unit="戊", project="新校区建设", funding=yuan_funding(25_000))  # 2.5 亿元
    code, out = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert sorted(Path(d["file"]).name for d in out["diagnostics"] if d["code"] == "K019") == ["丁0.xlsx", "丁1.xlsx",
                                                                                                "丁2.xlsx"]
    for unit in ("丁1", "丁2"):
        (tmp_path / f"{unit}.xlsx").unlink()
    for unit in ("乙", "丙"):
        (tmp_path / f"{unit}.xlsx").unlink()
    code, out = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and not [d for d in out["diagnostics"] if d["code"] == "K019"]


def test_a_project_typed_in_yuan_is_pointed_out_once_up_the_levels(tmp_path, capsys):
    """The department's summary says K019 of 丁's project; the bureau, consolidating that summary with another
    department's, says it once, not again beside the department's. A department whose every unit typed in 元
    shows nothing at its own level, and is pointed out one level up against the other departments' units."""
    first, second = tmp_path / "教育局", tmp_path / "卫健委"
    first.mkdir(), second.mkdir()
    for unit in ("甲", "乙", "丙", "戊", "己"):
        write_form(first / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    write_form(first / "丁.xlsx", unit="丁", project="丁项目", funding=yuan_funding(50_000))
    for unit in ("一院", "二院", "三院", "四院"):
        write_form(second / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department="某市卫生健康委员会",
                   funding=yuan_funding(50_000))
    for folder in (first, second):
        code, out = run(capsys, folder, "-o", tmp_path / f"{folder.name}汇总.xlsx")
        assert code == 0
    assert not [d for d in out["diagnostics"] if d["code"] == "K019"]
    code, out = run(capsys, tmp_path / "教育局汇总.xlsx", tmp_path / "卫健委汇总.xlsx", "-o", tmp_path / "市汇总.xlsx")
    said = sorted(Path(d["file"]).name for d in out["diagnostics"] if d["code"] == "K019")
    assert code == 0 and said == sorted(["丁.xlsx", "一院.xlsx", "二院.xlsx", "三院.xlsx", "四院.xlsx"])


def test_a_units_overall_form_typed_in_yuan_is_pointed_out_among_the_overall_forms(tmp_path, capsys):
    """A 310 万元 unit's 部门整体 typed in 元: its 本年预算 of 300 万元 reads 300 亿元, under the 1000 亿元 at which R210 suspects an overall
    form alone. Overall forms are compared with the other units' overall forms, not with projects."""
    from handmade import DEPARTMENT_SOURCES, DEPARTMENT_SPENDING, department_grid

    def in_yuan(rows: dict) -> dict:
        return {k: v and [x * 10_000 if i not in (4, 6) and x is not None else x for i, x in enumerate(v)]
                for k, v in rows.items()}

    for i, unit in enumerate(("甲", "乙", "丙", "丁")):
        grid = (department_grid(unit=unit) if i else
                department_grid(unit=unit, sources=in_yuan(DEPARTMENT_SOURCES), spending=in_yuan(DEPARTMENT_SPENDING)))
        write_grid(tmp_path / f"{unit}整体.xlsx", grid)
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    code, out = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    [k] = [d for d in out["diagnostics"] if d["code"] == "K019"]
    assert code == 0 and Path(k["file"]).name == "甲整体.xlsx" and "甲的部门整体表" in k["message"]
    assert "其他单位 3 张部门整体表" in k["message"] and "合 300 亿元" in k["message"]
    overall = load_workbook(tmp_path / "汇总.xlsx")["部门整体"]
    [note] = [c.value for row in overall.iter_rows() for c in row if str(c.value or "").startswith("说明：")]
    assert "；甲的部门整体表金额疑似按元填写（见“校验问题”，代码 K019），已按表内数字计入本表，请部门核实；" in note
    code, up = run(capsys, tmp_path / "汇总.xlsx", "-o", tmp_path / "上级.xlsx")  # the note, read back, is no edit
    assert code == 0 and not [d for d in up["diagnostics"] if d["code"] in ("K005", "K006", "K013", "K014")]
    assert not [d for d in out["diagnostics"] if d["code"] == "R210"]


def test_last_months_files_left_in_the_folder_do_not_outvote_this_months(tmp_path, capsys):
    """The department keeps one folder a year: everyone's 1-5月 files, and three units of five have sent 1-6月. Each
    unit voted once for every period it sent, so 1-5月 won five to three and the June files were rejected as off
    period. A unit votes for its latest: the summary is 1-6月; a May file of a unit that sent June is a copy kept
    (K018, naming the June form, and 文件清单 says so), and so is last year's; the two units yet to send June are
    asked to (K001)."""
    for unit in ("甲", "乙", "丙", "丁", "戊"):
        write_form(tmp_path / f"{unit}5月.xlsx", unit=unit, project=f"{unit}项目", period="（2026年1-5月）")
    for unit in ("甲", "乙", "丙"):
        write_form(tmp_path / f"{unit}6月.xlsx", unit=unit, project=f"{unit}项目", funding=more_spent())
    write_form(tmp_path / "甲去年.xlsx", unit="甲", project="甲项目", period="（2025年1-12月）")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 3
    assert data["totals"]["spent"] == 3 * (150 + 10)
    kept = {Path(d["file"]).name: d for d in data["diagnostics"] if d["code"] == "K018"}
    assert sorted(kept) == ["丙5月.xlsx", "乙5月.xlsx", "甲5月.xlsx", "甲去年.xlsx"]
    assert "“甲6月.xlsx!表1”已有本期（2026年1-6月）的同一张表" in kept["甲5月.xlsx"]["message"]
    assert sorted(Path(d["file"]).name for d in data["diagnostics"] if d["code"] == "K001") == ["丁5月.xlsx", "戊5月.xlsx"]
    reasons = {Path(f["path"]).name: f["reason"] for f in data["files"]}
    assert "本期的同一张表已另行报送" in reasons["甲5月.xlsx"] and "与多数单位" in reasons["丁5月.xlsx"]
    earlier = sorted(Path(f["path"]).name for f in data["files"] if f["earlier"])
    assert earlier == ["丙5月.xlsx", "乙5月.xlsx", "甲5月.xlsx", "甲去年.xlsx"]
    # the files to see to named, those with nothing to do counted after them; the add-in's message does the same
    assert main(["consolidate", str(tmp_path), "-o", str(tmp_path / "out" / "s.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "丁5月.xlsx：表内期间" in text and "甲5月.xlsx：" not in text
    assert "另有 4 个文件是前期的表（" in text and "本期的同一张表已另行报送，无需处理" in text
    from xlmon import entry_points as ep
    shutil.rmtree(tmp_path / "out")
    message, _ = ep.summarise_folder(tmp_path)
    assert "未采用的文件如下。丁5月.xlsx：" in message and "另有 4 个文件是前期的表，本期的表已另行报送，无需处理。" in message
    from xlmon.report import report_for_paths
    said = [b.text for b in report_for_paths([tmp_path]).blocks if hasattr(b, "text")]
    assert any(text.startswith("未纳入本报告的文件 3 个。丁5月.xlsx：") for text in said)  # and the summary just made
    assert "另有 4 个文件是各单位前期的监控表（本期的表已报送），未纳入本报告。" in said


def test_a_bureaus_inbox_of_last_months_summaries_beside_this_months_gives_this_months(tmp_path, capsys):
    """Each department's 1-5月 and 1-6月 summaries lie in the bureau's inbox: the summary is 1-6月, and each May
    summary gets one note (K018, naming the June summary), not one a form, nor K001 asking to consolidate again."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for department, units in (("某市教育局", ["一中", "二中", "三中"]), ("某市卫生健康委员会", ["一院", "二院"])):
        for months in (5, 6):
            folder = tmp_path / f"{department}{months}"
            folder.mkdir()
            for unit in units:
                write_form(folder / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=department,
                           period=f"（2026年1-{months}月）")
            assert run(capsys, folder, "-o", inbox / f"{department}{months}月汇总.xlsx")[0] == 0
    code, data = run(capsys, inbox, "-o", tmp_path / "市汇总.xlsx")
    assert code == 0 and data["period"]["months"] == 6 and data["projects"] == 5
    notes = {Path(d["file"]).name: d["message"] for d in data["diagnostics"] if d["code"] == "K018"}
    assert sorted(notes) == ["某市卫生健康委员会5月汇总.xlsx", "某市教育局5月汇总.xlsx"]
    assert notes["某市教育局5月汇总.xlsx"].startswith("该汇总表中的 3 张表是 2026年1-5月 的监控表，“某市教育局6月汇总.xlsx”已有")
    assert not [d for d in data["diagnostics"] if d["code"] == "K001"]


def test_last_months_form_of_a_project_named_with_its_code_one_month_only_is_a_copy_kept(tmp_path, capsys):
    """甲 named its project with its code in May's file and without it in June's (or the other way round): the
    May form was K001, asking 甲 to file again for 1-6月 a project whose 1-6月 form is there, as a project re-sent
    without its code is the same project. It is K018; a May form of the same name and another code is another
    project, still K001."""
    code = "110101260000000000001"
    write_form(tmp_path / "甲6月.xlsx", unit="甲", project="甲项目")
    write_form(tmp_path / "甲5月.xlsx", unit="甲", project=f"甲项目（{code}）", period="（2026年1-5月）")
    write_form(tmp_path / "乙6月.xlsx", unit="乙", project=f"乙项目（{code[:-1]}2）")
    write_form(tmp_path / "乙5月.xlsx", unit="乙", project="乙项目", period="（2026年1-5月）")
    write_form(tmp_path / "丙6月.xlsx", unit="丙", project=f"丙项目（{code[:-1]}3）")
    write_form(tmp_path / "丙5月.xlsx", unit="丙", project=f"丙项目（{code[:-1]}4）", period="（2026年1-5月）")
    code_, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code_ == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 3
    said = {Path(d["file"]).name: d["code"] for d in data["diagnostics"] if d["code"] in ("K001", "K018")}
    assert said == {"甲5月.xlsx": "K018", "乙5月.xlsx": "K018", "丙5月.xlsx": "K001"}


def test_last_months_form_of_a_unit_written_with_its_code_that_month_only_is_a_copy_kept(tmp_path, capsys):
    """甲 wrote its code after its name in May's file, 甲（101001001）, and not in June's: the May form was K001,
    asking 甲 to file again for 1-6月, as if another unit's, though 某校（101001001） re-sent as 某校 is one unit. It
    is K018, in another file or on a sheet of the June file."""
    write_form(tmp_path / "甲6月.xlsx", unit="甲", project="甲项目")
    write_form(tmp_path / "甲5月.xlsx", unit="甲（101001001）", project="甲项目", period="（2026年1-5月）")
    yearly = write_form(tmp_path / "乙.xlsx", unit="乙", project="乙项目")
    book = load_workbook(yearly)
    sheet = book.create_sheet("5月", 0)
    for row in project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="乙（101001002）",
                            project="乙项目", period="（2026年1-5月）"):
        sheet.append(row)
    book.save(yearly)
    write_form(tmp_path / "丙6月.xlsx", unit="丙（101001003）", project="丙项目")
    write_form(tmp_path / "丙5月.xlsx", unit="丙", project="丙项目", period="（2026年1-5月）")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 3
    said = {(Path(d["file"]).name, d["sheet"]): d["code"] for d in data["diagnostics"] if d["code"] in ("K001", "K018")}
    assert said == {("甲5月.xlsx", "表1"): "K018", ("乙.xlsx", "5月"): "K018", ("丙5月.xlsx", "表1"): "K018"}
    [note] = [d["message"] for d in data["diagnostics"] if d["code"] == "K018" and d["sheet"] == "5月"]
    assert "同一文件的工作表“表1”已有本期" in note


def test_last_months_summary_beside_this_months_carries_none_of_its_findings_up(tmp_path, capsys):
    """The bureau's inbox holds 教育局's 1-5月 summary beside its 1-6月 one, and 卫健委's 1-5月 summary alone. The
    May summary, a copy kept, carried up what its department said of May's files: K001 asking 三中 to file again
    for 1-5月 and K018 saying 一中's 4月 sheet is not 本期（2026年1-5月）, in the bureau's 1-6月 summary; 卫健委's, of
    another period, carried its K018 too. 教育局's May summary is one K018 note and says nothing else; 卫健委's is
    K001 and carries no finding measured against its period."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for department, months in (("某市教育局", 5), ("某市教育局", 6), ("某市卫生健康委员会", 5)):
        folder = tmp_path / f"{department}{months}"
        folder.mkdir()
        for unit in ("一中", "二中", "三中"):
            period = f"（2026年1-{4 if unit == '三中' and months == 5 else months}月）"
            path = write_form(folder / f"{unit}.xlsx", unit=f"{department}{unit}", project=f"{unit}项目",
                              department=department, period=period)
            if unit == "一中":
                book = load_workbook(path)
                sheet = book.create_sheet(f"{months - 1}月", 0)
                for row in project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit=f"{department}一中",
                                        project="一中项目", department=department, period=f"（2026年1-{months - 1}月）"):
                    sheet.append(row)
                book.save(path)
        assert run(capsys, folder, "-o", inbox / f"{department}{months}月汇总.xlsx")[0] == 0
    code, data = run(capsys, inbox, "-o", tmp_path / "市汇总.xlsx")
    assert code == 0 and data["period"] == {"year": 2026, "months": 6} and data["projects"] == 3
    said = sorted((Path(d["file"]).parent.name, Path(d["file"]).name, d["code"]) for d in data["diagnostics"]
                  if d["code"] in ("K001", "K018"))
    assert said == [("收件", "某市卫生健康委员会5月汇总.xlsx", "K001"),
                    ("收件", "某市教育局5月汇总.xlsx", "K018"), ("某市教育局6", "一中.xlsx", "K018")], said
    assert not [d for d in data["diagnostics"] if d["file"] and Path(d["file"]).parent.name.endswith("5")]


def test_a_form_typed_in_yuan_naming_no_unit_is_compared_with_another_such_form(tmp_path, capsys):
    """丙 and 丁 left 预算单位 blank, 丁 typing its 5 万元 project in 元: the forms naming no unit were all taken for
    one unit's, so 丁's was compared with 甲's and 乙's alone, fewer than three, and passed unremarked. Forms naming no
    unit are told apart by their files, as everywhere: 丁's is K019 against 甲's, 乙's and 丙's."""
    for unit in ("甲", "乙"):
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    write_form(tmp_path / "丙.xlsx", unit="", project="丙项目")
    write_form(tmp_path / "丁.xlsx", unit="", project="丁项目", funding=yuan_funding(50_000))
    code, out = run(capsys, tmp_path, "-o", tmp_path / "汇总.xlsx")
    assert code == 0 and out["projects"] == 4
    [k] = [d for d in out["diagnostics"] if d["code"] == "K019"]
    assert Path(k["file"]).name == "丁.xlsx" and "其他单位 3 个项目" in k["message"]


def test_a_namesakes_own_file_beats_a_copy_in_another_units_file_where_its_code_is_on_its_overall_form_only(
        tmp_path, capsys):
    """卫健委's 机关服务中心 writes its code on its 部门整体 form only, and 一院 keeps an older copy of its project in
    its own later file; 教育局 has a 机关服务中心 too. Each department's summary took the unit's own file; the bureau
    consolidating all units' files took 机关服务中心's forms for two units (one coded, one of 卫健委), knew no owner of
    its file, and took 一院's copy, the later file. A file is home to every namesake its name names."""
    from handmade import department_grid

    (tmp_path / "某市教育局").mkdir()
    (tmp_path / "某市卫生健康委员会").mkdir()
    write_form(tmp_path / "某市教育局" / "机关服务中心.xlsx", unit="机关服务中心", project="物业管理经费",
               department="某市教育局")
    write_form(tmp_path / "某市教育局" / "一中.xlsx", unit="一中", project="设备购置", department="某市教育局")
    own = write_form(tmp_path / "某市卫生健康委员会" / "机关服务中心.xlsx", unit="机关服务中心", project="物业管理经费",
                     department="某市卫生健康委员会（102001）", funding=more_spent())
    book = load_workbook(own)
    sheet = book.create_sheet("部门整体")
    for row in department_grid(unit="机关服务中心（102001099）"):
        sheet.append(row)
    book.save(own)
    other = write_form(tmp_path / "某市卫生健康委员会" / "一院.xlsx", unit="一院", project="设备购置",
                       department="某市卫生健康委员会（102001）")
    book = load_workbook(other)
    sheet = book.create_sheet("机关服务中心的表（参考）")
    for row in project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="机关服务中心",
                            project="物业管理经费", department="某市卫生健康委员会（102001）"):
        sheet.append(row)
    book.save(other)
    os.utime(own, (1_780_000_000, 1_780_000_000))
    os.utime(other, (1_780_000_060, 1_780_000_060))
    code, alone = run(capsys, tmp_path / "某市卫生健康委员会", "-o", tmp_path / "out" / "卫健委.xlsx")
    assert code == 0 and alone["totals"]["spent"] == 2 * 150 + 10
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "局.xlsx")
    assert code == 0 and data["projects"] == 4 and data["totals"]["spent"] == 4 * 150 + 10


def test_last_months_form_of_a_project_a_unit_left_out_of_this_months_asks_for_that_form(tmp_path, capsys):
    """甲 sent 1-6月 forms of 项目一 but not of 项目二, whose 1-5月 form lies in the folder: K001 asked 甲 to file the
    form again as if it had sent nothing; it asks for that one form, unless it is no longer due. 乙, which sent no
    1-6月 form, is asked to file again."""
    for unit in ("甲", "乙", "丙"):
        write_form(tmp_path / f"{unit}5月.xlsx", unit=unit, project="项目一", period="（2026年1-5月）")
    write_form(tmp_path / "甲5月项目二.xlsx", unit="甲", project="项目二", period="（2026年1-5月）")
    for unit in ("甲", "丙"):
        write_form(tmp_path / f"{unit}6月.xlsx", unit=unit, project="项目一")
    code, data = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    said = {Path(d["file"]).name: d["message"] for d in data["diagnostics"] if d["code"] == "K001"}
    assert code == 0 and sorted(said) == ["乙5月.xlsx", "甲5月项目二.xlsx"]
    assert said["甲5月项目二.xlsx"].endswith("请按 2026年1-6月 补报该表（该单位已报送 2026年1-6月 的其他表，其中没有该表；"
                                             "如该表本期已不需填报，可忽略）。")
    assert said["乙5月.xlsx"].endswith("请按 2026年1-6月 重新填报。")


def test_a_project_form_without_its_name_is_named_by_its_sheet_in_the_focus_list_and_the_report(tmp_path, capsys):
    """A red project whose form leaves 项目名称 blank showed a blank 项目名称 in 重点监控建议, which has no 工作表 column:
    the reviewer could not tell which of the unit's projects it was, where the report named it by its sheet alone.
    Both say it has no name and which sheet holds it; the summary read again sees no edit in it."""
    from xlmon.report import report_for_paths

    lagging = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    lagging["资金总额"][5], lagging["中央财政资金"][5], lagging["市级财政资金"][5] = 15, 5, 10
    units = tmp_path / "units"
    units.mkdir()
    write_grid(units / "一中.xlsx", project_grid(funding=lagging, indicators=SAMPLE_INDICATORS, project="",
                                                unit="某市第一中学"), title="普高国家助学金")
    write_form(units / "二中.xlsx", unit="某市第二中学", project="校舍维修改造项目")
    summary = tmp_path / "s.xlsx"
    code, data = run(capsys, units, "-o", summary)
    assert code == 0 and data["grades"]["red"] == 1
    shown = "（未填项目名称，工作表“普高国家助学金”）"
    focus = [row for row in load_workbook(summary)["重点监控建议"].iter_rows(min_row=4, values_only=True) if row[0]]
    assert [row[:2] for row in focus] == [("某市第一中学", shown)]
    report = report_for_paths([units])
    assert any(shown in " ".join(map(str, row)) for block in report.blocks if hasattr(block, "rows")
               for row in block.rows)
    code, again = run(capsys, summary, "-o", tmp_path / "上级.xlsx")
    assert code == 0 and not {"K005", "K012", "K014"} & {d["code"] for d in again["diagnostics"]}
    # a summary written before, naming it by a blank, shows no edit either
    book = load_workbook(summary)
    ws = book["重点监控建议"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value == shown)
    cell.value = None
    book.save(summary)
    code, again = run(capsys, summary, "-o", tmp_path / "上级2.xlsx")
    assert code == 0 and not {"K005", "K012", "K014"} & {d["code"] for d in again["diagnostics"]}


STRICT = "[funding]\ngreen_max_gap = 0.0\nyellow_max_gap = 0.0\n"  # every row behind 时间进度 red


def test_a_summary_graded_by_another_profile_is_said_so_one_level_up_not_taken_for_edits(department, tmp_path, capsys):
    """A department that grades by its own profile: one level up, its summary's grades are what that profile gives,
    not edits (K014) where the bureau's profile grades otherwise; the bureau is told its project grades are the
    department's (K020), and its own rows are graded by its own profile. With the same profile, nothing is said."""
    city = tmp_path / "本部门规则.toml"
    city.write_text(STRICT, encoding="utf-8")
    code, dept = run(capsys, department, "-o", tmp_path / "部门.xlsx", "--profile", city)
    assert code == 0
    code, bureau = run(capsys, tmp_path / "部门.xlsx", "-o", tmp_path / "局.xlsx")
    codes = [d["code"] for d in bureau["diagnostics"]]
    assert code == 0 and "K014" not in codes and codes.count("K020") == 1, codes
    said = next(d for d in bureau["diagnostics"] if d["code"] == "K020")
    assert said["file"].endswith("部门.xlsx") and "超过 0、0 个百分点" in said["message"] and "本次为 10、20" in said[
        "message"], said
    assert bureau["grades"] == dept["grades"]  # each project's, as the department graded it
    _, direct = run(capsys, department, "-o", tmp_path / "直接.xlsx")
    assert bureau["totals"] == direct["totals"]
    code, same = run(capsys, tmp_path / "部门.xlsx", "-o", tmp_path / "局2.xlsx", "--profile", city)
    assert code == 0 and not {"K014", "K020"} & {d["code"] for d in same["diagnostics"]}


def test_an_earlier_summary_graded_by_another_profile_is_not_taken_for_the_departments_edits(department, tmp_path,
                                                                                              capsys):
    """A department that changed its profile since its last 汇总 of the folder: that summary's grades are its
    profile's, not edits the new summary would lose (K015)."""
    import shutil

    units = tmp_path / "units"
    shutil.copytree(department, units)
    for old in units.glob("部门汇总*.xlsx"):
        old.unlink()
    assert run(capsys, units, "-o", units / "部门汇总.xlsx")[0] == 0
    city = tmp_path / "本部门规则.toml"
    city.write_text(STRICT, encoding="utf-8")
    code, again = run(capsys, units, "-o", units / "部门汇总（2）.xlsx", "--profile", city)
    codes = [d["code"] for d in again["diagnostics"]]
    assert code == 0 and not {"K014", "K015", "K020"} & set(codes), codes


def test_the_sheets_of_funding_grades_print_the_rules_they_follow(department, tmp_path, capsys):
    """汇总表 and 项目明细 printed say how their funding grades were reached, below each page: the gaps of the profile
    the summary was made with, and its milestone for the period's month where it uses milestones."""
    code, _ = run(capsys, department, "-o", tmp_path / "内置.xlsx")
    book = load_workbook(tmp_path / "内置.xlsx")
    said = "评级：支出进度落后时间进度≤10个百分点为绿灯，≤20个百分点为黄灯，其余为红灯"
    assert code == 0 and all(book[name].oddFooter.left.text == said for name in ("汇总表", "项目明细"))
    assert not book["校验问题"].oddFooter.left.text and "&P" in book["汇总表"].oddFooter.center.text
    city = tmp_path / "本市规则.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.05\nyellow_max_gap = 0.15\nuse_milestones = true\n"
                    "milestones = { 6 = 0.55 }\n", encoding="utf-8")
    code, _ = run(capsys, department, "-o", tmp_path / "本市.xlsx", "--profile", city)
    footer = load_workbook(tmp_path / "本市.xlsx")["汇总表"].oddFooter.left
    assert code == 0 and footer.text == ("评级：支出进度落后时间进度≤5个百分点为绿灯，≤15个百分点为黄灯，其余为红灯\n"
                                         "6月末支出进度未达55%的至少为黄灯，低于其15个百分点以上的为红灯"), footer.text
    assert footer.size == 8


def test_the_printed_rules_say_which_projects_keep_the_grades_of_another_profile(department, tmp_path, capsys):
    """A bureau consolidating a department's summary made by the built-in profile, by a profile of its own wider
    gaps, keeps that summary's project grades (K020): its 汇总表 and 项目明细 printed said only the bureau's rules
    (≤30 个百分点为绿灯) beside projects 15 pp behind at 黄灯. They say that such summaries' project grades are kept."""
    code, _ = run(capsys, department, "-o", tmp_path / "部门汇总.xlsx")
    bureau = tmp_path / "局规则.toml"
    bureau.write_text("[funding]\ngreen_max_gap = 0.3\nyellow_max_gap = 0.4\n", encoding="utf-8")
    code, data = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "局汇总.xlsx", "--profile", bureau)
    assert code == 0 and [d["code"] for d in data["diagnostics"]].count("K020") == 1
    book = load_workbook(tmp_path / "局汇总.xlsx")
    said = ("评级：支出进度落后时间进度≤30个百分点为绿灯，≤40个百分点为黄灯，其余为红灯\n"
            "其中 1 份下级汇总表的项目评级按其汇总时的规则保留（见“校验问题”K020）")
    assert all(book[name].oddFooter.left.text == said for name in ("汇总表", "项目明细")), book["汇总表"].oddFooter.left.text
    code, _ = run(capsys, tmp_path / "部门汇总.xlsx", "-o", tmp_path / "同规则.xlsx")
    assert "K020" not in load_workbook(tmp_path / "同规则.xlsx")["项目明细"].oddFooter.left.text


def indicator_groups(path: Path, sheet: str) -> list[tuple[str, str]]:
    """The 一级/二级 labels of a form's indicator table, as printed."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    start = next(r for r, row in enumerate(rows) if "一级指标" in row)
    return [(row[1], row[2]) for row in rows[start + 1:] if len(row) > 2 and str(row[2]).endswith("指标")]


@pytest.mark.parametrize("rules", ['hierarchy = "national2021"\n',
                                   '[hierarchy.custom]\n"产出指标" = ["数量指标", "质量指标"]\n'
                                   '"效益指标" = ["社会效益指标", "群众获得感指标"]\n'])
def test_a_summarys_department_form_has_the_indicator_groups_of_the_profile(department, tmp_path, capsys, rules):
    """A summary's 部门整体 was laid out by seed 004's groups whatever the profile (成本指标 under 产出指标, where
    national2021 and `xlmon template department --profile` make it its own 一级), so that the form the department
    completes was not the one the profile checks; and an indicator the department put in a group of the city's own
    was not carried into its next summary (K009, its group's label K013). It is laid out, and carried, by the
    profile's groups."""
    from xlmon.form_plan import INDICATOR_COLS, letter
    from xlmon.profile import load_profile

    profile_file = tmp_path / "规则.toml"
    profile_file.write_text(rules, encoding="utf-8")
    summary, template = tmp_path / "汇总.xlsx", tmp_path / "模板.xlsx"
    inputs = sorted(map(str, department.glob("*.xlsx")))
    assert main(["consolidate", *inputs, "-o", str(summary), "--profile", str(profile_file)]) == 0
    assert main(["template", "department", "-o", str(template), "--profile", str(profile_file)]) == 0
    assert indicator_groups(summary, "部门整体") == indicator_groups(template, load_workbook(template).sheetnames[0])

    levels = load_profile(profile_file).levels()
    layout = plan_form("department", year=2026, months=6, hierarchy=levels).layout
    level1, level2, r = layout.indicator_rows[-1]  # the last group: the city's own in the custom hierarchy
    book = load_workbook(summary)
    ws = book["部门整体"]
    ws[layout.header["goal"]] = "保障全市教育事业正常运转"
    col = {k: letter(c) for k, c in INDICATOR_COLS.items()}
    ws[f"{col['level3']}{r}"], ws[f"{col['target']}{r}"], ws[f"{col['forecast']}{r}"] = "群众获得感", "≥90%", "92%"
    book.save(summary)
    capsys.readouterr()
    code, data = run(capsys, *inputs, "-o", tmp_path / "再次汇总.xlsx", "--profile", profile_file,
                     "--overall-from", summary)
    assert code == 0
    said = {d["code"]: d["message"] for d in data["diagnostics"]}
    assert "1 个绩效指标" in said["K007"] and not {"K009", "K013"} & said.keys(), said
    assert level2 in {group for _, group in indicator_groups(tmp_path / "再次汇总.xlsx", "部门整体")}


def test_a_bureaus_milestones_of_other_months_are_no_other_grading_of_a_summary(department, tmp_path, capsys):
    """A department's summary of 1-6月 by the built-in profile, the bureau's with milestones at 9 and 12 月 only:
    none grades a form of the summary, which is not said to be graded otherwise (K020)."""
    code, _ = run(capsys, department, "-o", tmp_path / "部门.xlsx")
    later = tmp_path / "局规则.toml"
    later.write_text("[funding]\nuse_milestones = true\nmilestones = { 9 = 0.75, 12 = 1.0 }\n", encoding="utf-8")
    code, bureau = run(capsys, tmp_path / "部门.xlsx", "-o", tmp_path / "局.xlsx", "--profile", later)
    assert code == 0 and "K020" not in {d["code"] for d in bureau["diagnostics"]}
    june = tmp_path / "局规则6.toml"
    june.write_text("[funding]\nuse_milestones = true\nmilestones = { 6 = 0.6 }\n", encoding="utf-8")
    code, bureau = run(capsys, tmp_path / "部门.xlsx", "-o", tmp_path / "局6.xlsx", "--profile", june)
    assert code == 0 and "K020" in {d["code"] for d in bureau["diagnostics"]}


def test_a_reason_longer_than_a_row_holds_shows_from_its_start(tmp_path, capsys):
    """A 偏差原因分析 longer than the 409 points of a row hold is clipped by Excel: centred in its row, as every cell
    is, it showed its middle alone, its first sentences cut off above. It is set at the row's top, so that what is
    cut is its end; a reason that fits stays centred."""
    long, short = "第一句说明原因。" + "雨季施工受限，二期延至9月。" * 120, "雨季施工受限，二期延至9月。"
    for unit, reason in (("一中", long), ("二中", short)):
        indicators = [list(row) for row in SAMPLE_INDICATORS]
        indicators[3][6] = reason
        write_grid(tmp_path / f"{unit}.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=indicators, unit=unit,
                                                          project=f"{unit}项目", department="某市教育局（101001）"))
    code, _ = run(capsys, tmp_path, "-o", tmp_path / "out" / "s.xlsx")
    sheet = load_workbook(tmp_path / "out" / "s.xlsx")["指标偏差"]
    cells = {c.value: c for r in sheet.iter_rows(min_row=2) for c in r if c.value in (long, short)}
    assert code == 0 and cells[long].alignment.vertical == "top" and cells[short].alignment.vertical == "center"
    assert cells[long].alignment.wrap_text and cells[short].alignment.wrap_text


def test_a_target_in_three_columns_is_quoted_alike_in_指标偏差_and_校验问题(tmp_path, capsys):
    """计算符号 | 年度指标值 | 计量单位, as many units' forms lay a target out: 指标偏差 showed a %-formatted 0.95 (Excel shows
    95%) as ≥0.95% and dropped the ≤ of ≤ | 1%, while G201/G202 said 目标 95%, 目标 1%, 目标 40 (no 计算符号, no 所): a
    reviewer could not tell a ceiling from a floor, nor 指标偏差's 0.95% from the 80% graded red against it."""
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=[])
    header = next(i for i, row in enumerate(grid) if "一级指标" in row)
    grid[header] = [None, "一级指标", "二级指标", "三级指标", "计算符号", "年度指标值", "计量单位", "1-6月指标完成情况",
                    "全年指标预计完成情况", "偏差原因分析", "确定能", "有可能", "完全不可能", "备注"]
    rows = [("验收合格率", "≥", 0.95, "%", "80%", "≥95%"), ("投诉率", "≤", "1%", None, "2%", "≤1%"),
            ("近视率", "≤", 52, "%", "55%", "≤52%"), ("干预学校数量", "≥", 40, "所", "37所", "≥40所")]
    grid[header + 1:header + 1] = [[None, "产出指标", "质量指标", name, op, target, unit, done, done, "原因", None, "√"]
                                   for name, op, target, unit, done, _ in rows]
    write_grid(tmp_path / "a.xlsx", grid)
    code, data = run(capsys, tmp_path / "a.xlsx", "-o", tmp_path / "汇总.xlsx")
    deviations = {r[5]: r[6] for r in load_workbook(tmp_path / "汇总.xlsx")["指标偏差"].iter_rows(min_row=2, values_only=True)
                  if r[0]}
    said = {m[1]: m[2] for d in data["diagnostics"] if d["code"] in ("G201", "G202")
            for m in [re.match(r"指标“(.+?)”目标 (.+?)，全年预计", d["message"])]}
    for name, *_, shown in rows:
        assert deviations[name] == said[name] == shown, (name, deviations.get(name), said.get(name))
