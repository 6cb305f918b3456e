"""`xlmon check`: files good and bad, exit codes, the JSON contract, hostile inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from conftest import ROOT
from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from xlmon import layout as L
from xlmon.adapters.safety import prolog_declares_dtd
from xlmon.check import check_file
from xlmon.cli import main

TEMPLATE = ROOT / "workbook_templates" / "项目支出绩效运行监控表.xlsx"


def write_grid(path: Path, grid: list[list], title: str = "表1") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(grid, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                cell = ws.cell(r, c, v)
                if isinstance(v, str):
                    cell.data_type = "s"  # typed text stays text, even "=..."
    wb.save(path)
    return path


def set_cells(path: Path, sheet: str, cells: dict[str, object], data_type: str | None = None) -> Path:
    """A saved workbook with these cells set (and typed as `data_type`: "e" for an error shown), as openpyxl writes."""
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
        if data_type:
            wb[sheet][ref].data_type = data_type
    wb.save(path)
    return path


@pytest.fixture
def good(tmp_path) -> Path:
    return write_grid(tmp_path / "good.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))


@pytest.fixture
def wrong(tmp_path) -> Path:
    funding = dict(SAMPLE_FUNDING)
    funding["资金总额"] = [10, 300, 320, 200, 0.6667, 150, 0.4839, 305]  # 小计 should be 310
    return write_grid(tmp_path / "wrong.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS))


def run_json(capsys, *args) -> tuple[int, dict]:
    code = main(["check", "--format", "json", *map(str, args)])
    return code, json.loads(capsys.readouterr().out)


def test_clean_file_exit_0(good, capsys):
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "错误 0 个" in out


def test_finding_exit_1_and_ruff_line(wrong, capsys):
    assert main(["check", str(wrong)]) == 1
    lines = capsys.readouterr().out.splitlines()
    c001 = [line for line in lines if " C001 " in line]
    assert c001 == [line for line in c001 if line.startswith(f"{wrong}:表1!F7: C001 ")] and c001
    assert "310.00 万元" in c001[0] and "320.00 万元" in c001[0]


@pytest.mark.parametrize("sheet, shown", [("项目 表", "'项目 表'"), ("O'Brien (1)", "'O''Brien (1)'"),
                                         ("2026年6月", "'2026年6月'"), ("A1", "'A1'"), ("表1", "表1"),
                                         ("项目支出_2", "项目支出_2")])
def test_a_sheet_name_is_quoted_in_the_line_as_excel_writes_it(tmp_path, capsys, sheet, shown):
    """A sheet named 项目 表 or O'Brien (1) printed as file:项目 表!F7 and file:O'Brien (1)!F7, where the name ends is
    guesswork, and pasted into Excel's 名称框 or a formula it is no reference. It is quoted where Excel quotes
    it (a space or a sign, a first digit, a name that reads as a cell), its quote doubled, as a link to it is."""
    funding = dict(SAMPLE_FUNDING)
    funding["资金总额"] = [10, 300, 320, 200, 0.6667, 150, 0.4839, 305]
    path = write_grid(tmp_path / "wrong.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS), sheet)
    main(["check", str(path)])
    lines = capsys.readouterr().out.splitlines()
    assert f"{path}:{shown}!F7: C001 " in "\n".join(lines), lines


def test_a_folder_without_workbooks_is_no_clean_pass(tmp_path, capsys):
    (tmp_path / "说明.docx").write_bytes(b"not a workbook")
    assert main(["check", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == f"xlmon: 没有找到要检查的工作簿（.xlsx/.xlsm/.xls）：{tmp_path}" and not captured.out
    assert main(["check", str(tmp_path), "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out) == {"files": []}


def test_the_roster_kept_in_a_units_folder_is_no_form_that_check_or_the_report_faults(tmp_path, capsys):
    """单位名单.xlsx beside the units' files, as 汇总 takes it, was F007 (没有找到…监控表), an error, in every check of
    the folder, and the report named it among the files left out and counted its error; named alone, it is checked."""
    folder = tmp_path / "units"
    folder.mkdir()
    write_grid(folder / "某市第一中学.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    write_grid(folder / "单位名单.xlsx", [["单位名称"], ["某市第一中学"], ["某市第二中学"]], title="名单")
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "单位名单" not in out and "共检查 1 个文件" in out and "错误 0 个" in out
    assert main(["check", str(folder / "单位名单.xlsx")]) == 1 and " F007 " in capsys.readouterr().out

    import docx
    assert main(["report", str(folder), "-o", str(tmp_path / "报告.docx")]) == 0
    text = "\n".join(p.text for p in docx.Document(tmp_path / "报告.docx").paragraphs)
    assert "单位名单" not in text and "未纳入本报告的文件" not in text and "错误 0 条" in text


def test_the_report_names_a_file_left_out_with_its_reason_as_a_clause_not_a_sentence_in_brackets(tmp_path, capsys):
    """A file of no form was 其他.xlsx（工作簿中没有找到…等栏目）。）, a full stop inside the brackets."""
    import docx
    for name in ("某市第一中学.xlsx", "某市第二中学.xlsx"):
        write_grid(tmp_path / name, project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit=name[:-5]))
    write_grid(tmp_path / "其他.xlsx", [["会议纪要"], ["内容"]])
    assert main(["report", str(tmp_path), "-o", str(tmp_path / "报告.docx")]) == 0
    [line] = [p.text for p in docx.Document(tmp_path / "报告.docx").paragraphs if "未纳入本报告的文件" in p.text]
    assert line.startswith("未纳入本报告的文件 1 个。其他.xlsx：工作簿中没有找到") and line.endswith("等栏目）。")
    assert "。）" not in line


def test_usage_errors_exit_2(capsys):
    for argv in (["check"], ["nonsense"], ["check", "--format", "xml", "a.xlsx"], []):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv


def test_json_contract(good, wrong, capsys):
    code, data = run_json(capsys, good, wrong)
    assert code == 1
    first, second = data["files"]
    assert (first["status"], second["status"]) == ("ok", "invalid")
    form = first["forms"][0]
    for key in ("sheet", "kind", "project", "department", "unit", "year", "months", "time_progress",
                "funding", "indicators"):
        assert key in form
    assert form["time_progress"] == 0.5
    total = form["funding"][0]
    assert {"block", "row", "carryover", "current", "subtotal", "issued", "issue_rate", "spent",
            "spend_progress", "forecast"} <= total.keys()
    assert (total["block"], total["row"], total["subtotal"]) == ("source", "资金总额", 310.0)
    assert total["spend_progress"] == round(150 / 310, 4)
    ind = form["indicators"][0]
    assert {"level1", "level2", "level3", "target", "operator", "target_value", "unit", "actual", "forecast",
            "likelihood", "row"} <= ind.keys()
    assert (ind["operator"], ind["target_value"], ind["unit"], ind["likelihood"]) == (">=", 1200, "平方米", "确定能")
    diag = second["diagnostics"][0]
    assert diag.keys() >= {"code", "severity", "sheet", "cell", "message"}
    assert (diag["code"], diag["severity"], diag["sheet"], diag["cell"]) == ("C001", "error", "表1", "F7")


def _rezip(source: Path, target: Path, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None):
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = (replace or {}).get(item.filename, zin.read(item.filename))
            zout.writestr(item.filename, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return target


def bad_files(tmp: Path, good: Path) -> dict[str, tuple[Path, str]]:
    import msoffcrypto.format.ooxml as ooxml

    files = {}
    files["missing"] = (tmp / "nowhere.xlsx", "F001")
    (tmp / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    files["csv"] = (tmp / "data.csv", "F002")
    (tmp / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)  # an OLE header, nothing after
    files["xls"] = (tmp / "old.xls", "F004")
    (tmp / "wps.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1024)
    files["et"] = (tmp / "wps.et", "F002")
    enc = tmp / "locked.xlsx"
    with good.open("rb") as fin, enc.open("wb") as fout:
        ooxml.OOXMLFile(fin).encrypt("密码123", fout)
    files["encrypted"] = (enc, "F003")
    (tmp / "cut.xlsx").write_bytes(good.read_bytes()[:700])
    files["truncated"] = (tmp / "cut.xlsx", "F004")
    (tmp / "empty.xlsx").write_bytes(b"")
    files["empty"] = (tmp / "empty.xlsx", "F004")
    files["bomb"] = (_rezip(good, tmp / "bomb.xlsx", add={"xl/media/zeros.bin": b"\0" * (8 << 20)}), "F005")
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
           b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&lol2;</workbook>')
    files["entities"] = (_rezip(good, tmp / "lol.xlsx", replace={"xl/workbook.xml": lol}), "F006")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>')
    files["external entity in a sheet"] = (_rezip(good, tmp / "xxe.xlsx", replace={"xl/worksheets/sheet1.xml": xxe}),
                                           "F006")
    padded = b'<?xml version="1.0"?><!--' + b"x" * 70_000 + b"-->" + xxe.split(b"?>", 1)[1]
    files["DTD after a long comment"] = (_rezip(good, tmp / "padded.xlsx",
                                                replace={"xl/worksheets/sheet1.xml": padded}), "F006")
    utf16 = '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + xxe.split(b"?>", 1)[1].decode().encode("utf-16-le")
    files["DTD in a UTF-16 part"] = (_rezip(good, tmp / "utf16.xlsx", replace={"xl/worksheets/sheet1.xml": utf16}),
                                     "F006")
    wb = Workbook()
    wb.active["A1"] = "这不是监控表"
    wb.save(tmp / "other.xlsx")
    files["not a form"] = (tmp / "other.xlsx", "F007")
    return files


def test_bad_files_each_named_and_others_still_checked(tmp_path, good, capsys):
    files = bad_files(tmp_path, good)
    paths = [p for p, _ in files.values()]
    code, data = run_json(capsys, paths[0], good, *paths[1:])
    assert code == 1
    by_path = {f["path"]: f for f in data["files"]}
    assert by_path[str(good)]["status"] == "ok" and by_path[str(good)]["forms"]
    for name, (path, expected) in files.items():
        entry = by_path[str(path)]
        codes = [d["code"] for d in entry["diagnostics"]]
        assert codes == [expected], (name, codes)
        assert entry["status"] == ("invalid" if expected == "F007" else "unreadable"), name
    main(["check", *map(str, paths)])
    lines = capsys.readouterr().out.splitlines()
    for path, expected in files.values():
        assert any(line.startswith(f"{path}: {expected} ") for line in lines), (path, expected)


@pytest.mark.parametrize("name, content, words", [
    ("导出.xls", '<html><head><meta charset="utf-8"></head><body><table><tr><td>项目名称</td></tr></table></body></html>'
     .encode("utf-16"), "网页（HTML）"),  # a web system's export in UTF-16, as Excel's own 网页 saves it
    ("导出.xls", b'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
     b'<table></table></body></html>', "网页（HTML）"),
    ("单个网页.xls", b'MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/related; '
     b'boundary="----=_NextPart_01D"\r\n\r\n', "单个文件网页"),
    ("报表.xls", b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook xmlns='
     b'"urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>', "XML 电子表格 2003"),
    ("导出.xls", "项目名称\t资金总额\n校舍维修\t120\n".encode("gbk"), "文本文件"),
    ("导出.csv", "项目名称,资金总额\n校舍维修,120\n".encode("utf-8-sig"), "文本文件"),
    ("导出.xls", "项目名称\t资金总额\r\n".encode("utf-16"), "文本文件"),  # Excel's 另存为 Unicode 文本
    ("扫描件.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF 文件"),
    ("照片.xls", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "图片"),
    ("~$某市第一中学.xlsx", b"\x05zhang" + b" " * 48 + b"\x05\x00" + "zhang".encode("utf-16-le") + b"\x20\x00" * 49,
     "锁定文件"),
])
def test_a_file_that_is_no_workbook_is_named_for_what_it_is(tmp_path, name, content, words):
    """Excel opens web pages, text and XML 2003 saved under a workbook's name (web systems export them so): the
    clerk is told what the file is, not only that it is no workbook (F002: save it as .xlsx). A PDF, a photo or an
    Office lock file holds no table to save again: F014 asks for the workbook itself."""
    path = tmp_path / name
    path.write_bytes(content)
    [d] = check_file(path).diagnostics
    code = "F014" if words in ("PDF 文件", "图片", "锁定文件") else "F002"
    assert d.code == code and words in d.message, d.message

@pytest.mark.parametrize("head, declares", [
    (b'<?xml version="1.0"?>\r\n<worksheet><sheetData/></worksheet>', False),
    (b'\xef\xbb\xbf<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><!-- c --> <workbook/>', False),
    (b'<?xml version="1.0"?><a><![CDATA[<!DOCTYPE x [<!ENTITY e "e">]>]]></a>', False),  # content, not prolog
    (b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE a><a/>', True),
    (b'<?xml version="1.0"?>\n<!ENTITY e "e"><a/>', True),
    ('<?xml version="1.0"?><!DOCTYPE a><a/>'.encode("utf-16-be"), True),
    ('<?xml version="1.0"?><a/>'.encode("utf-16"), False),
    ('<a/>'.encode("utf-32"), True),
    (b'<?xml version="1.0"?><!-- not closed yet', None),
    (b'<?xml version="1.0"', None),
    (b"", None),
])
def test_prolog_is_read_up_to_the_root_element(head, declares):
    assert prolog_declares_dtd(head) is declares


def test_xlsm_macros_not_run_but_values_read(tmp_path, good):
    xlsm = _rezip(good, tmp_path / "macro.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})
    result = check_file(xlsm)
    assert result.status == "ok" and len(result.forms) == 1
    assert result.diagnostics[0].code == "F008" and result.diagnostics[0].severity == "info"


def test_folder_input_skips_lock_files(tmp_path, good, wrong, capsys):
    (tmp_path / "~$good.xlsx").write_bytes(b"lock")
    (tmp_path / "notes.txt").write_text("x")
    code, data = run_json(capsys, tmp_path)
    assert sorted(Path(f["path"]).name for f in data["files"]) == ["good.xlsx", "wrong.xlsx"]
    assert code == 1


def test_input_file_never_modified(good, wrong, capsys):
    before = {p: p.read_bytes() for p in (good, wrong)}
    main(["check", str(good), str(wrong)])
    assert {p: p.read_bytes() for p in (good, wrong)} == before


def test_console_script_and_light_import(good):
    exe = Path(sys.executable).parent / "xlmon"
    proc = subprocess.run([str(exe), "check", str(good)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    code = "import sys, xlmon, xlmon.check, xlmon.cli; print(sorted(m for m in ('pandas', 'openpyxl', 'xlwings') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_blank_template_is_said_to_be_unfilled_and_nothing_else():
    result = check_file(TEMPLATE)
    assert [(d.code, d.cell, d.severity) for d in result.diagnostics] == [("S131", "A1", "info")]
    assert result.status == "ok" and not result.forms
    from xlmon.output import summary_line

    assert summary_line([result]).startswith("共检查 1 个文件、0 张监控表（另有 1 张尚未填写）：错误 0 个")


def test_a_spare_blank_form_beside_filled_ones_is_left_out_not_reported(tmp_path):
    """Units keep a spare copy of the form sheet: it is no project with errors (R105 × 3) and no 未填单位 in the
    summary, but one note. A name alone may come with the template; an amount typed starts the form."""
    import shutil

    from openpyxl import load_workbook

    from xlmon.consolidate.extract import extract
    from xlmon.profile import load_profile

    path = write_grid(tmp_path / "单位.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    book = load_workbook(path)
    spare = book.copy_worksheet(book.worksheets[0])
    spare.title = "备用"
    for row in spare.iter_rows(min_row=5):  # the names above may come with a template
        for cell in row:
            if cell.row not in (5, 6, 15, 16) and (cell.column > 3 or cell.coordinate == "C14"):  # all but labels
                cell.value = None
    book.save(path)
    result = check_file(path)
    assert [(d.code, d.sheet) for d in result.diagnostics if d.sheet == "备用"] == [("S131", "备用")]
    assert result.status == "ok" and [f.sheet for f in result.forms] == [book.worksheets[0].title]
    outcome = extract(str(path), load_profile())
    assert outcome.status == "included" and len(outcome.records) == 1

    started = tmp_path / "开始填写.xlsx"
    shutil.copy(path, started)
    book = load_workbook(started)
    book["备用"]["E7"] = 100
    book.save(started)
    found = {d.code for d in check_file(started).diagnostics if d.sheet == "备用"}
    assert "S131" not in found and "R212" in found  # checked: a 资金总额 no source row holds


def test_a_corrupt_compressed_part_is_named_not_a_crash(tmp_path, good, capsys):
    import struct
    import zipfile

    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("[Content_Types].xml")
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start:start + 16] = b"\xff" * 16  # an invalid deflate block
    broken = tmp_path / "压缩损坏.xlsx"
    broken.write_bytes(bytes(data))
    code, out = run_json(capsys, broken, good)
    entry = next(f for f in out["files"] if f["path"] == str(broken))
    assert code == 1 and entry["status"] == "unreadable" and entry["diagnostics"][0]["code"] == "F004"
    assert next(f for f in out["files"] if f["path"] == str(good))["status"] == "ok"


def test_output_redirected_in_gbk_never_stops_half_way(tmp_path):
    """A Chinese Windows writes redirected output in GBK (cp936): a character it lacks (✗, or a rare one in a
    unit's text) is printed as ? in text and escaped in JSON, never an internal error after half the output."""
    rows = [list(r) for r in SAMPLE_INDICATORS]
    rows[0][5] = "500平方米"  # red, so that its reason is printed
    rows[0][6] = "因𠀾工程延期✓"  # 偏差原因分析 with characters GBK lacks
    path = write_grid(tmp_path / "单位.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=rows))
    exe = Path(sys.executable).parent / "xlmon"
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    text = subprocess.run([str(exe), "check", str(path)], capture_output=True, env=env)
    assert text.returncode in (0, 1) and "内部错误" not in text.stderr.decode("gbk")
    assert "共检查 1 个文件" in text.stdout.decode("gbk")
    doctor = subprocess.run([str(exe), "doctor", "--xlstart", str(tmp_path)], capture_output=True, env=env)
    assert doctor.returncode in (0, 1) and "内部错误" not in doctor.stderr.decode("gbk")
    narrow = subprocess.run([str(exe), "check", "--format", "json", str(path)], capture_output=True, env=env)
    wide = subprocess.run([str(exe), "check", "--format", "json", str(path)], capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert narrow.stdout.isascii() and json.loads(narrow.stdout) == json.loads(wide.stdout.decode("utf-8"))
    assert "因𠀾工程延期✓" in wide.stdout.decode("utf-8")


def test_ctrl_c_is_said_plainly(tmp_path, capsys, monkeypatch):
    import xlmon.cli as cli

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.COMMANDS, "check", interrupted)
    assert main(["check", str(tmp_path)]) == 2
    assert "已中断" in capsys.readouterr().err


def test_a_file_that_cannot_be_opened_is_named_with_why_in_chinese(good, capsys, monkeypatch):
    """On Linux, and for the C runtime's errors on Windows, the system says "Permission denied"."""
    import errno

    from xlmon.consolidate.extract import extract
    from xlmon.profile import load_profile

    real = Path.read_bytes

    def locked(self):
        if self == good:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    code, data = run_json(capsys, good)
    [d] = data["files"][0]["diagnostics"]
    assert code == 1 and d["code"] == "F012" and "没有权限，或文件正被其他程序" in d["message"]
    assert "损坏" not in d["message"] and "重新导出" not in d["message"]  # a locked file is no damaged one
    assert "Permission" not in d["message"]
    outcome = extract(str(good), load_profile())
    assert outcome.status == "rejected" and "没有权限" in outcome.reason and "Errno" not in outcome.reason


def test_not_a_number_says_what_the_cell_wants_in_the_forms_own_unit():
    from xlmon.check import check_sheets

    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    grid[4][0] = "项目资金预算安排及执行进度（元）"  # a form kept in 元
    grid[7][4], grid[7][7] = "约100", "八成"  # 中央财政资金's 本年预算 and 下达率
    said = {d.cell: d.message for d in check_sheets({"表1": grid}).diagnostics if d.code == "N001"}
    assert said["E8"].endswith("请只填写数字（金额，以元为单位，与表头一致）。")
    assert said["H8"].endswith("请只填写数字（百分比，如 85%）。")


@pytest.mark.parametrize("unit", ["元", "万元"])
def test_a_small_subtotal_typed_alone_is_the_rows_budget_in_the_forms_own_unit(unit):
    """A source's 小计 of 80 typed without its parts is its budget (R215 asks for the parts) on a form in 元 as in
    万元: in 元 it was taken for nothing (under 0.01 万元), C001 "应为 空" at it and at 资金总额, and R213 besides."""
    from xlmon.check import check_sheets

    funding = {L.TOTAL_ROW: [10, 200, 290, 100, 0.5, 90, None, 285],
               "中央财政资金": [None, None, 80, None, None, None, None, 80],
               "市级财政资金": [10, 200, 210, 100, 0.5, 90, 0.428571, 205]}
    grid = project_grid(funding=funding, indicators=SAMPLE_INDICATORS)
    grid[4][0] = f"项目资金预算安排及执行进度（{unit}）"
    result = check_sheets({"表1": grid})
    found = [(d.code, d.cell) for d in result.diagnostics if d.code[0] in "CR"]
    assert found == [("R215", "E8")], found
    assert f"只填写了小计 80.00 {unit}" in next(d.message for d in result.diagnostics if d.code == "R215")
    [total] = [r for r in result.forms[0].funding if r.row == L.TOTAL_ROW and r.block == "source"]
    assert total.subtotal * result.forms[0].amount_scale == pytest.approx(290)


def test_a_total_that_merely_sums_the_parts_read_is_unknown_when_a_part_is_not():
    """Excel's =SUM skips a text: a template saved with 中央's 支出数 typed as 完成 holds 90 in 资金总额, the sum
    of the other sources. That 90 is no 支出数 of the project, which is unknown (its rate blank, its funding not
    graded). A total the unit typed apart from the parts read (150) is its own figure, and stands."""
    from xlmon.check import check_sheets

    for shown, expected in ((90, None), (150, 150)):
        grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
        grid[7][8], grid[6][8] = "完成", shown  # 中央财政资金·支出数 (N001), 资金总额·支出数
        result = check_sheets({"表1": grid})
        [total] = [r for r in result.forms[0].funding if r.row == "资金总额" and r.block == "source"]
        assert total.spent == expected and ("spent" in total.unreadable) == (expected is None)
        assert (total.spend_progress is None) == (expected is None)
        assert [d.cell for d in result.diagnostics if d.code == "N001"] == ["I8"]


def test_a_second_form_beside_the_first_is_reported_not_lost_in_silence():
    """A unit copies its form to the right for a second project: forms are read from the left, so the right one
    went unread without a word (its 300 万元 missing from the summary). It is an error naming its cell (S132)."""
    from xlmon.check import check_sheets

    left = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="左项目")
    right = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="右项目")
    width = max(map(len, left)) + 1
    grid = [[*a, *[None] * (width - len(a)), *b] for a, b in zip(left, right)]
    result = check_sheets({"表1": grid})
    [s132] = [d for d in result.diagnostics if d.code == "S132"]
    assert s132.severity == "error" and s132.cell == f"{chr(ord('A') + width + 3)}6"  # the right form's 上年结转
    assert [f.project for f in result.forms] == ["左项目"]
    assert "S132" not in {d.code for d in check_sheets({"表1": left}).diagnostics}


def test_a_text_typed_in_the_total_row_is_worked_out_from_the_sources_read():
    """资金总额 typed as 见附件 over sources that are all read: xlmon sums the sources for the amounts, and the
    rates (小计, 下达率, 支出进度) and the funding grade follow from them; they were blank, which left the
    project out of a department's rates (a red department shown green). The text is still N001."""
    from xlmon.check import check_sheets

    funding = {"资金总额": ["见附件", "见附件", None, "见附件", None, "见附件", None, "见附件"],
               "市级财政资金": [0, 100, 100, 100, 1, 0, 0, 100]}
    result = check_sheets({"表1": project_grid(funding=funding, indicators=SAMPLE_INDICATORS)})
    [total] = [r for r in result.forms[0].funding if r.row == "资金总额" and r.block == "source"]
    assert (total.subtotal, total.issue_rate, total.spend_progress) == (100, 1, 0) and total.grade == "red"
    assert not total.unreadable and {"E7", "I7"} <= {d.cell for d in result.diagnostics if d.code == "N001"}


def test_a_form_from_the_earlier_templates_is_not_blamed_for_their_value_error(tmp_path):
    """xlmon's earlier templates showed #VALUE! in 资金总额's 下达率 while no source had been issued (its sum was
    ""): units still send such forms, and that is no error of theirs. A #VALUE! over an issued amount still is."""
    funding = {"资金总额": [None] * 8, "市级财政资金": [10, 100, 110, None, None, None, None, 100]}
    path = write_grid(tmp_path / "早期.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS))
    set_cells(path, "表1", {"H7": "#VALUE!", "J7": "#VALUE!"}, "e")
    assert not {"C003", "C004"} & {d.code for d in check_file(path).diagnostics}
    funding["市级财政资金"][3] = 50
    path = write_grid(tmp_path / "已下达.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS))
    set_cells(path, "表1", {"H7": "#VALUE!"}, "e")
    assert "C003" in {d.code for d in check_file(path).diagnostics}


def test_a_number_beyond_any_budget_is_not_a_number(tmp_path, capsys):
    """1e400 typed in 本年预算 was read as infinity: check printed "Infinity" and "NaN", which is no JSON, and
    consolidate of the whole department stopped with an internal error. It is N001, and the rest is consolidated."""
    funding = {**SAMPLE_FUNDING, "市级财政资金": [10, "1e400", 210, 100, 0.5, 90, 0.428571, 205],
               "中央财政资金": [None, 1.5e308, 100, 100, 1, 60, 0.6, 100]}
    bad = write_grid(tmp_path / "甲.xlsx", project_grid(funding=funding, indicators=SAMPLE_INDICATORS, unit="甲"))
    write_grid(tmp_path / "乙.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, unit="乙"))
    main(["check", "--format", "json", str(bad)])
    out = capsys.readouterr().out
    report = json.loads(out, parse_constant=lambda name: pytest.fail(f"not JSON: {name}"))
    assert {d["cell"] for d in report["files"][0]["diagnostics"] if d["code"] == "N001"} >= {"E8", "E10"}
    assert main(["consolidate", str(tmp_path), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out, parse_constant=lambda name: pytest.fail(f"not JSON: {name}"))
    assert summary["projects"] == 2 and summary["totals"]["current"] == 600  # 甲 typed its 资金总额 300


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform.startswith("win"), reason="symbolic links")
def test_linked_folders_are_searched_and_a_link_to_nothing_is_named(tmp_path, capsys):
    """A department's share linked into its folder was left out without a word, and so was a link to a file since
    moved: 1 file checked of 3, exit 0. The linked folder is searched (a link back up ends), the broken link is F001."""
    share, folder = tmp_path / "share" / "一科", tmp_path / "部门"
    share.mkdir(parents=True), folder.mkdir()
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS)
    write_grid(folder / "甲.xlsx", grid), write_grid(share / "乙.xlsx", grid)
    (folder / "一科").symlink_to(share)
    (share / "上级").symlink_to(folder)  # a loop
    (folder / "丙.xlsx").symlink_to(tmp_path / "已移走.xlsx")
    code, report = run_json(capsys, folder)
    found = {Path(f["path"]).name: f for f in report["files"]}
    assert len(report["files"]) == 3 and set(found) == {"甲.xlsx", "乙.xlsx", "丙.xlsx"} and code == 1
    assert [d["code"] for d in found["丙.xlsx"]["diagnostics"]] == ["F001"] and found["乙.xlsx"]["forms"]


def test_a_name_too_long_for_the_disk_is_said_for_that_file_only(tmp_path, good, capsys):
    """A path pasted twice, or a copy's name grown past 255 bytes: check and consolidate stopped with an internal
    OSError and the other units were never read; a too-long -o or clear's default name did the same."""
    long = tmp_path / ("长" * 90 + ".xlsx")
    code, data = run_json(capsys, long, good)
    [refused] = data["files"][0]["diagnostics"]
    assert code == 1 and refused["code"] == "F012" and "文件名或路径过长" in refused["message"]
    assert data["files"][1]["status"] == "ok" and data["files"][1]["forms"]
    assert main(["consolidate", str(long), str(good), "-o", str(tmp_path / "汇总.xlsx")]) == 0
    capsys.readouterr()
    assert main(["consolidate", str(good), "-o", str(long)]) == 2
    assert "文件名或路径过长" in capsys.readouterr().err
    annotated = tmp_path / ("标" * 82 + ".xlsx")  # 251 bytes: with -已清除, 261
    assert main(["check", str(good), "--annotate", str(annotated)]) in (0, 1)
    capsys.readouterr()
    assert main(["clear", str(annotated)]) == 2
    err = capsys.readouterr().err
    assert "文件名或路径过长" in err and "内部错误" not in err


@pytest.mark.parametrize("suffix", [".et", ".ett"])
def test_an_xlsx_renamed_as_a_wps_file_is_read_as_the_xlsx_inside(tmp_path, suffix):
    """A unit renamed its .xlsx to .et (or WPS saved one so): refused as “WPS 表格的 .et 文件” though an .xls renamed
    .et was read; now read by its content, as an .xls renamed is."""
    source = write_grid(tmp_path / "某市第一中学.xlsx", project_grid(funding=SAMPLE_FUNDING,
                                                                      indicators=SAMPLE_INDICATORS))
    renamed = tmp_path / f"某市第一中学{suffix}"
    renamed.write_bytes(source.read_bytes())
    got, want = check_file(renamed), check_file(source)
    assert len(got.forms) == 1 and [f.funding for f in got.forms] == [f.funding for f in want.forms]
    assert [(d.code, d.cell) for d in got.diagnostics] == [(d.code, d.cell) for d in want.diagnostics]


def test_check_of_a_folder_names_its_files_that_are_no_workbook(tmp_path, capsys):
    """As 汇总 does: a unit's form typed in Word lay in the folder unchecked and unmentioned."""
    write_grid(tmp_path / "一中.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    (tmp_path / "二中监控表.docx").write_bytes(b"x")
    (tmp_path / "一中分析报告.docx").write_bytes(b"x")
    main(["check", str(tmp_path)])
    assert capsys.readouterr().out.splitlines()[-1] == (
        "文件夹中另有 1 个不是工作簿的文件，未读取：二中监控表.docx。如其中有单位的监控表，请让单位报送 Excel 工作簿（.xlsx）。")
