"""The 分析报告: its numbers are the check's and the consolidation's, its outline is 附件1's, and the
.docx opens in LibreOffice as an A4 document."""

from __future__ import annotations

import base64
import os

import json
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl
import pytest
from conftest import libreoffice_convert
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from resent import resent

from xlmon import demo
from xlmon import layout as L
from xlmon.cli import main
from xlmon.report import report_for_paths, write_docx
from xlmon.report.addin import book_stem, report_target
from xlmon.report.docx_writer import replaceable
from xlmon.report.blocks import Chart, DraftNote, Placeholder
from xlmon.report.content import SECTIONS

PROJECT = "实训基地建设"


@pytest.fixture(scope="module")
def department(tmp_path_factory) -> demo.Demo:
    return demo.build(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def project_file(department, tmp_path_factory) -> Path:
    """One project form alone in its workbook: what a unit sends for one project."""
    project = next(p for u in department.department.units for p in u.projects if p.short == PROJECT)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = PROJECT
    demo.write_project_form(ws, project, year=department.department.year, months=department.department.months)
    path = tmp_path_factory.mktemp("project") / "实训基地.xlsx"
    wb.save(path)
    return path


def _json(capsys, argv: list[str]) -> dict:
    capsys.readouterr()
    main(argv)
    return json.loads(capsys.readouterr().out)


def _pp(text: str, before: str) -> float:
    return float(re.search(re.escape(before) + r" (-?[\d.]+) 个百分点", text).group(1))


def _rate_after(text: str, label: str) -> float:
    return float(re.search(re.escape(label) + r" ?(-?[\d.]+)%", text).group(1))


def test_project_report_numbers_are_the_checks(project_file, capsys):
    form = _json(capsys, ["check", str(project_file), "--format", "json"])["files"][0]["forms"][0]
    total = next(r for r in form["funding"] if r["block"] == "source" and r["row"] == "资金总额")
    report = report_for_paths([project_file])
    assert report.kind == "project" and form["project"] in report.title
    text = report.text()
    assert _rate_after(text, "支出进度（占安排数）") == pytest.approx(total["spend_progress"] * 100, abs=0.006)
    assert _rate_after(text, "下达率（占本年预算）") == pytest.approx(total["issue_rate"] * 100, abs=0.006)
    assert _rate_after(text, "时间进度") == pytest.approx(form["time_progress"] * 100, abs=0.006)
    assert _pp(text, "支出进度落后于时间进度") == pytest.approx(total["gap"] * 100, abs=0.006)
    assert f"已支出 {total['spent']:,.2f} 万元" in text
    # 下达率 is of 本年预算, which is said beside the 安排数 it is not of; and what the forecast leaves over
    assert f"安排 {total['subtotal']:,.2f} 万元（其中本年预算 {total['current']:,.2f} 万元）" in text
    if total["subtotal"] - total["forecast"] > 0.005:
        assert f"预计结转结余 {total['subtotal'] - total['forecast']:,.2f} 万元" in text
    grades = [i["grade"] for i in form["indicators"]]
    assert f"红灯 {grades.count('red')} 个" in text and f"绿灯 {grades.count('green')} 个" in text
    reds = [i for i in form["indicators"] if i["grade"] == "red"]
    assert reds
    for ind in reds:
        line = next(line for line in text.splitlines() if f"“{ind['level3']}”：年度指标值" in line)
        assert ind["target"] in line and ind["reason"].rstrip("。") in line


def test_a_projects_report_quotes_completions_with_their_units_as_指标偏差_does(project_file, tmp_path, capsys):
    """The project report quoted 277个 typed for 新建实训工位数 as 277 (截至本期完成情况为“90”), where 指标偏差 and the
    department's report of the same form say 90个, 277个: the same indicator read two ways."""
    _json(capsys, ["consolidate", str(project_file), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json"])
    sheet = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["指标偏差"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "红灯"]
    assert rows and any(isinstance(r["全年预计完成情况"], str) for r in rows)  # a unit typed beside the number
    text = report_for_paths([project_file]).text()
    for row in rows:
        actual = row[next(h for h in header if h.endswith("月完成情况"))]
        line = next(line for line in text.splitlines() if f"“{row['三级指标']}”：年度指标值" in line)
        assert f"年度指标值 {row['年度指标值']}，截至本期完成情况为“{actual}”，全年预计完成情况为“{row['全年预计完成情况']}”" in line


def test_department_report_numbers_are_the_consolidations(department, tmp_path, capsys):
    folder = department.paths[0].parent
    summary = _json(capsys, ["consolidate", str(folder), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json"])
    report = report_for_paths([folder])
    assert report.kind == "department" and "某市教育局" in report.title
    text = report.text()
    execution = next(line for line in text.splitlines() if line.startswith("截至"))
    assert _rate_after(execution, "支出进度（占安排数）") == pytest.approx(summary["totals"]["spend_progress"] * 100, abs=0.006)
    assert _pp(execution, "支出进度落后于时间进度") == pytest.approx(summary["gap"] * 100, abs=0.006)
    assert f"纳入 {summary['units']} 个单位的 {summary['projects']} 个项目" in text
    g = summary["grades"]
    assert f"绿灯 {g['green']} 个、黄灯 {g['yellow']} 个、红灯 {g['red']} 个" in text
    ranked = [line.split("\t") for line in text.splitlines() if re.match(r"\d+\t某市", line)]
    gaps = [float(row[5]) for row in ranked]
    assert len(ranked) == 11 and gaps == sorted(gaps, reverse=True)
    assert "重点监控建议（草稿，供审核参考）" in text and "建议处理方式（草稿）" in text
    # the demo has an amount typed as text: the rates leave its project out, and the report says so, as 汇总表 does
    note = openpyxl.load_workbook(tmp_path / "汇总.xlsx")["汇总表"]["A2"].value
    unclear = re.search(r"(\d+) 个项目有金额无法识别", note)[1]
    assert f"注意：{unclear} 个项目有金额无法识别" in text
    # 表1's rows do not add up to 资金总额 (an unread 支出数 beside a read one): said under it, as in 汇总表's note
    table = {row[0]: row for row in (line.split("\t") for line in text.splitlines()) if row[0] in
             (L.TOTAL_ROW, *L.PROJECT_SOURCES)}
    spent = [float(table[r][4].replace(",", "")) for r in L.PROJECT_SOURCES if r in table]
    assert abs(sum(spent) - float(table[L.TOTAL_ROW][4].replace(",", ""))) > 0.005
    assert "各来源之和与资金总额不等" in note
    assert "注：表1各资金来源之和与资金总额不等：有金额无法识别的项目，各行只计本行能识别的金额。" in text


def test_a_report_names_the_first_projects_sent_twice_and_counts_the_rest(department, tmp_path, capsys):
    """Every unit's file sent again, its bytes not the same (saved once more), sends every project twice: the report
    listed all 28 duplicates in one paragraph. It names the first ten, in the consolidation's order, and says how
    many there are."""
    folder = department.paths[0].parent
    again = tmp_path / "again"
    again.mkdir()
    for unit in department.paths:
        resent(unit, again / unit.name)
    data = _json(capsys, ["consolidate", str(folder), str(again), "-o", str(tmp_path / "局.xlsx"), "--format", "json"])
    twice = data["duplicates"]
    assert len(twice) >= data["projects"] > 10 and not data["duplicate_files"]  # every project, the 部门整体 forms
    [said] = [line for line in report_for_paths([folder, again]).text().splitlines() if line.startswith("重复报送")]
    assert said == (f"重复报送的项目 {len(twice)} 个，均只计入一次。" + "".join(f"{line}。" for line in twice[:10])
                    + f"其余 {len(twice) - 10} 个从略（逐个见汇总的“校验问题”）。")


def test_a_reports_projects_sent_twice_are_a_sentence_each(department, tmp_path, capsys):
    """A unit's file sent three times: the report joined the lines with ；, which a line holds too (a project's
    pairs, ；两份金额不同，请核实), so the reader could not tell where one project's line ended. It counts them, then
    names each in a sentence of its own."""
    folder = tmp_path / "教育局"
    folder.mkdir()
    for unit in department.paths:
        shutil.copy2(unit, folder / unit.name)
    unit, fewest = min(zip(department.paths, department.department.units),
                       key=lambda pair: len(pair[1].projects) + bool(pair[1].overall))
    forms = len(fewest.projects) + bool(fewest.overall)
    for again in ("（再次）", "（三次）"):
        resent(unit, folder / f"{unit.stem}{again}.xlsx")
    data = _json(capsys, ["consolidate", str(folder), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json"])
    twice = data["duplicates"]
    assert len(twice) == forms <= 10 and all(line.count(" 重复，") == 2 for line in twice), twice
    [said] = [line for line in report_for_paths([folder]).text().splitlines() if line.startswith("重复报送")]
    assert said == f"重复报送的项目 {forms} 个，均只计入一次。" + "".join(f"{line}。" for line in twice)


def test_a_report_names_files_sent_twice_as_files(department, tmp_path, capsys):
    """Every unit's file sent again, byte for byte (a folder copied into itself): the report counted and named one
    project a line, 30 here. One line a file, ten named and the eleventh counted as a file; drafted from the
    summary of that folder, the report says the same."""
    folder = tmp_path / "教育局"
    folder.mkdir()
    for unit in department.paths:
        shutil.copy2(unit, folder / unit.name)
        shutil.copy2(unit, folder / f"复制 {unit.name}")
    summary = tmp_path / "汇总.xlsx"
    data = _json(capsys, ["consolidate", str(folder), "-o", str(summary), "--format", "json"])
    twice = data["duplicates"]
    assert len(twice) == data["duplicate_files"] == len(department.paths) == 11
    expected = ("重复报送的文件 11 个，均只计入一次。" + "".join(f"{line}。" for line in twice[:10])
                + "其余 1 个文件从略（逐个见汇总的“校验问题”）。")
    for paths in ([folder], [summary]):
        [said] = [line for line in report_for_paths(paths).text().splitlines() if line.startswith("重复报送")]
        assert said == expected, paths


def test_the_report_button_on_a_summary_gives_the_departments_report(department, tmp_path):
    """生成报告 pressed in an open 部门汇总: the report is the department's, from the records the summary keeps,
    as `xlmon report 部门汇总.xlsx` drafts it; it was one of its 部门整体 sheet alone, "0 个项目"."""
    from xlmon.adapters.files import read_workbook
    from xlmon.consolidate.run import consolidate
    from xlmon.report.content import report_for_sheets

    summary = tmp_path / "部门汇总.xlsx"
    consolidate(department.paths, summary)
    grids = {name: grid for name, grid in read_workbook(summary).sheets.items() if name != "校验结果"}
    pressed = report_for_sheets(summary.name, grids).text().splitlines()
    typed = report_for_paths([summary]).text().splitlines()
    assert pressed == typed and "0 个项目" not in "\n".join(pressed)  # what the summary left out too
    assert any(line.startswith("本次监控纳入") and f"{len(department.paths)} 个单位" in line for line in pressed)


def test_a_summary_graded_by_another_profile_is_no_finding_in_its_forms(department, tmp_path):
    """A department's summary made by its own profile, drafted by another: the findings it carries are its units'
    forms' as that profile finds them, and that it was graded otherwise (K020) is said of the summary, not counted
    as one more warning in the forms."""
    from xlmon.consolidate.run import consolidate
    from xlmon.profile import load_profile

    city = tmp_path / "本部门规则.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.0\nyellow_max_gap = 0.0\n", encoding="utf-8")
    summary = tmp_path / "部门汇总.xlsx"
    consolidate(department.paths, summary, profile=load_profile(city))
    quality = re.compile(r"经 xlmon 校验.*")
    assert quality.search(report_for_paths([summary]).text())[0] == quality.search(
        report_for_paths(department.paths, load_profile(city)).text())[0]


def test_a_departments_edits_to_its_summary_are_no_finding_in_its_forms_whichever_way_it_is_drafted(department, tmp_path):
    """A department that added its own column (处理情况) and changed an amount in its summary, then pressed 生成报告
    in it: the add-in ran no edit check and `xlmon report` of the very same file counted each edit as one more
    warning "in the forms" (and what 汇总 said of the summary it wrote, a column carried: K016, one more note). Both now
    say what the report of the units' own files says, figures from the forms as the summary keeps them."""
    from xlmon.adapters.files import read_workbook
    from xlmon.consolidate.run import consolidate
    from xlmon.report.content import report_for_sheets

    summary = tmp_path / "部门汇总.xlsx"
    consolidate(department.paths, summary)
    book = openpyxl.load_workbook(summary)
    book["校验问题"]["G1"], book["校验问题"]["G2"] = "处理情况", "已督促单位更正"
    details = book["项目明细"]
    column = next(c for c in range(1, details.max_column + 1) if details.cell(1, c).value == "支出数")
    details.cell(2, column).value = (details.cell(2, column).value or 0) + 7
    book.save(summary)
    again = tmp_path / "again" / "部门汇总.xlsx"  # summed again beside it: the column carried (K016)
    again.parent.mkdir()
    again.write_bytes(summary.read_bytes())
    for path in department.paths:
        (again.parent / path.name).write_bytes(path.read_bytes())
    consolidate([again.parent], tmp_path / "again2.xlsx")
    from xlmon.consolidate.extract import extract
    from xlmon.profile import load_profile
    codes = {drafted: {d["code"] for d in extract(str(drafted), load_profile()).diagnostics}
             for drafted in (summary, tmp_path / "again2.xlsx")}
    assert {"K005", "K014"} <= codes[summary] and "K016" in codes[tmp_path / "again2.xlsx"], codes
    quality = re.compile(r"经 xlmon 校验.*")
    of_units = quality.search(report_for_paths(department.paths).text())[0]
    for drafted in (summary, tmp_path / "again2.xlsx"):
        assert quality.search(report_for_paths([drafted]).text())[0] == of_units, drafted
        pressed = report_for_sheets(drafted.name, read_workbook(drafted).sheets).text()
        assert pressed.splitlines() == report_for_paths([drafted]).text().splitlines(), drafted


def test_the_report_names_the_units_of_the_roster_that_did_not_report(department, tmp_path, capsys):
    """The report is where the department chases the units that did not report: it drew on no roster at all. It
    takes --roster or the 名单 in the units' folder as 汇总 does, and drafted from the summary (typed, or the add-in's
    button on the open summary) the roster that summary was checked against."""
    from xlmon.adapters.files import read_workbook
    from xlmon.report.content import report_for_sheets

    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths[:4]:
        (folder / path.name).write_bytes(path.read_bytes())
    sent = [path.stem for path in department.paths[:3]]
    roster = tmp_path / "应报送名单.csv"
    roster.write_text("单位名称\n" + "\n".join([*sent, "某市青少年活动中心", "某市少年宫"]) + "\n", encoding="utf-8")
    said = (f"按单位名单，应报送 5 个单位，未报送 2 个：某市青少年活动中心、某市少年宫；"
            f"另有 1 个报送单位不在名单中：{department.paths[3].stem}。")

    def drafted(*args) -> str:
        out = tmp_path / f"r{len(list(tmp_path.glob('r*.docx')))}.docx"
        assert main(["report", *map(str, args), "-o", str(out)]) == 0
        return "\n".join(p.text for p in Document(out).paragraphs)

    assert "名单" not in drafted(folder)
    assert said in drafted(folder, "--roster", roster)
    summary = tmp_path / "部门汇总.xlsx"
    assert main(["consolidate", str(folder), "-o", str(summary), "--roster", str(roster)]) == 0
    assert said in drafted(summary)
    grids = {name: grid for name, grid in read_workbook(summary).sheets.items()}
    assert said in report_for_sheets(summary.name, grids).text()
    (folder / roster.name).write_bytes(roster.read_bytes())  # kept beside the units' files: taken as 汇总 takes it
    assert said in drafted(folder)
    (folder / roster.name).unlink()
    roster.write_text("单位名称\n" + "\n".join(sent) + "\n", encoding="utf-8")
    assert "按单位名单，应报送 3 个单位，均已报送；另有 1 个" in drafted(folder, "--roster", roster)
    capsys.readouterr()
    assert main(["report", str(folder), "-o", str(tmp_path / "x.docx"), "--roster", str(tmp_path / "无.csv")]) == 2
    assert "无.csv" in capsys.readouterr().err and not (tmp_path / "x.docx").exists()


def test_a_summary_whose_部门整体_the_department_completed_does_not_call_it_unlisted(department, tmp_path):
    """Drafted from its summary once the department had completed 部门整体, the report said 另有 1 个报送单位不在名单中：
    某市教育局（101001）, the department itself against its own roster of units, where the same summary not yet
    completed, and the units' files, said 均已报送. The department's own form on its roster is no unit reporting."""
    from test_consolidate import complete_department_form

    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths:
        (folder / path.name).write_bytes(path.read_bytes())
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(p.stem for p in department.paths) + "\n", encoding="utf-8")
    summary = tmp_path / "部门汇总.xlsx"
    assert main(["consolidate", str(folder), "-o", str(summary), "--roster", str(roster)]) == 0
    complete_department_form(summary, forecast=500)

    def drafted(*args) -> str:
        out = tmp_path / f"r{len(list(tmp_path.glob('r*.docx')))}.docx"
        assert main(["report", *map(str, args), "-o", str(out)]) == 0
        return "\n".join(p.text for p in Document(out).paragraphs)

    said = f"按单位名单，应报送 {len(department.paths)} 个单位，均已报送。"
    assert said in drafted(folder, "--roster", roster)
    assert said in drafted(summary) and "不在名单中" not in drafted(summary)


def test_a_report_of_the_units_files_carries_the_部门整体_the_department_completed_beside_them(department, tmp_path,
                                                                                               client):
    """The department completed 部门整体 in the summary it keeps beside the units' files, then drafted the report of
    that folder (`xlmon report FOLDER`, or the page's 生成报告 of the folder chosen): the summary was skipped and the
    report went by the units' 部门整体 forms, without the department's own goal and indicators (its red 资助学生人数 in
    none of its lists), where the add-in's 汇总 and 生成报告 of the same folder carry them. Each now drafts the report
    the add-in drafts: from the summary of the folder carrying the completed form."""
    from test_consolidate import complete_department_form
    from test_front_ends_consolidate_properties import page_upload
    from test_report_front_ends_properties import report_addin

    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths:
        (folder / path.name).write_bytes(path.read_bytes())
    assert main(["consolidate", str(folder), "-o", str(folder / "部门汇总.xlsx")]) == 0
    complete_department_form(folder / "部门汇总.xlsx", forecast=500)
    units_forms = sum(1 for u in department.department.units if u.overall is not None)
    assert units_forms > 1

    def text(path: Path) -> list[str]:
        return [p.text for p in Document(path).paragraphs]

    assert main(["report", str(folder), "-o", str(tmp_path / "cli.docx")]) == 0
    by_cli = text(tmp_path / "cli.docx")
    assert any(line.startswith("据 1 份部门整体支出绩效运行监控表") for line in by_cli), by_cli[:8]
    assert any("“（部门整体支出）”的“资助学生人数”" in line for line in by_cli)
    assert any("部门汇总.xlsx：xlmon 生成的汇总文件" in line for line in by_cli)  # still said to be skipped
    addin_folder = tmp_path / "addin"
    shutil.copytree(folder, addin_folder)
    _, written, _ = report_addin(addin_folder)
    assert text(written) == by_cli
    files, data = page_upload(folder, None)
    answer = client.post("/api/report", files=files, data=data)
    assert answer.status_code == 200, answer.text
    (tmp_path / "web.docx").write_bytes(base64.b64decode(answer.json()["download"]["data"]))
    by_web = [line.replace("一同选择", "同一文件夹中") for line in text(tmp_path / "web.docx")]
    assert by_web == by_cli


def test_the_report_states_the_departments_own_goal_and_a_units_not_as_the_departments(department, tmp_path):
    """The department typed its 年度绩效目标 into 部门整体 of its summary, yet the report drafted from that summary (or
    from the units' files beside it) asked 【待填写：部门职能、年度主要工作任务和年度绩效目标】 as if none were given.
    It states the goal the department typed and asks only for the rest. One unit's own 部门整体 reported alone gives
    that unit's goal; several units' forms give no department's goal, which is still asked for."""
    from openpyxl import load_workbook as load

    from test_consolidate import complete_department_form
    from xlmon.check import check_file

    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths:
        (folder / path.name).write_bytes(path.read_bytes())
    summary = folder / "部门汇总.xlsx"
    assert main(["consolidate", str(folder), "-o", str(summary)]) == 0
    asked = "部门职能、年度主要工作任务和年度绩效目标"
    before = report_for_paths([summary]).text()
    assert asked in before and "年度绩效目标：" not in before  # the units' forms: no goal of the department's
    complete_department_form(summary, forecast=500)
    for text in (report_for_paths([summary]).text(), report_for_paths([folder]).text()):
        assert "年度绩效目标：保障全市教育事业正常运转" in text.splitlines()
        assert asked not in text and "部门职能和年度主要工作任务" in text

    owner = next(p for p in department.paths if "部门整体" in load(p, read_only=True).sheetnames)
    [own] = [f for f in check_file(owner).forms if f.kind == "department"]
    assert own.goal
    text = report_for_paths([owner]).text()
    assert f"年度绩效目标：{own.goal}" in text and asked not in text
    assert "【待填写：单位职能和年度主要工作任务】" in text.splitlines()  # the unit's own, not its department's


def test_a_workbook_of_a_部门整体_form_alone_is_reported_on_its_own_funds(department, tmp_path):
    """A unit's 部门整体 form alone: the report was about "0 个单位的 0 个项目", 0.00 万元, an empty table and a
    chart without bars, and concluded 存在一定偏差. It reports the form's own funds, and no project tables, nor says
    that no project met the 重点监控 conditions."""
    from openpyxl import load_workbook as load

    owner = next(p for p in department.paths if "部门整体" in load(p, read_only=True).sheetnames)
    book = load(owner)
    for name in book.sheetnames:
        if name != "部门整体":
            del book[name]
    book.save(tmp_path / "部门整体.xlsx")
    from xlmon.check import check_file

    [form] = check_file(tmp_path / "部门整体.xlsx").forms
    total = form.total("source")
    text = report_for_paths([tmp_path / "部门整体.xlsx"]).text()
    assert "0 个项目" not in text and "图1" not in text and "各单位支出进度" not in text
    assert "没有项目达到重点监控条件" not in text  # it has no projects to weigh
    execution = next(line for line in text.splitlines() if line.startswith("截至"))
    assert "部门整体资金共安排" in execution
    assert _rate_after(execution, "支出进度（占安排数）") == pytest.approx(total.spend_progress * 100, abs=0.006)
    assert "表1 部门整体资金来源及执行情况" in text


def test_the_report_says_a_blank_amount_is_none_and_an_unread_one_unknown(tmp_path):
    """"上年结转 空", "已支出 空": a project carrying nothing over has 0.00 万元 of it, and a 支出数 typed as 约20
    cannot be read (无法识别), its 支出进度 cannot be computed (无法计算)."""
    from test_consolidate import write_form

    funding = {"资金总额": [None] * 8, "市级财政资金": [None, 100, None, 80, None, "约20", None, 100]}
    write_form(tmp_path / "a.xlsx", unit="某单位", project="项目", funding=funding)
    said = [line for line in report_for_paths([tmp_path / "a.xlsx"]).text().splitlines()
            if line.startswith(("项目名称", "截至"))]
    assert "上年结转 0.00 万元" in said[0] and "已支出 无法识别，支出进度（占安排数）无法计算" in said[1]
    assert not [line for line in said if "空" in line]


def test_a_project_whose_forecast_is_unread_leaves_nothing_over_in_the_departments_report(tmp_path, capsys):
    """预计结转结余 (seed 004's 监控内容: 预计结转结余情况) is 小计 − 全年预计 of the same projects. A project whose
    全年预计支出数 reads 待定 is left out of the summed forecast; its 小计 was still in the summed 小计, so the report
    said all of it would be left over (110.00 万元 here, where the one project with a forecast leaves 10.00)."""
    from test_consolidate import write_form

    for unit, forecast in (("某单位甲", "待定"), ("某单位乙", 90)):
        funding = {"资金总额": [None] * 8, "市级财政资金": [None, 100, None, 80, None, 40, None, forecast]}
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project="项目", funding=funding)
    summary = _json(capsys, ["consolidate", str(tmp_path), "-o", str(tmp_path / "汇总.xlsx"), "--format", "json"])
    (tmp_path / "汇总.xlsx").unlink()
    totals = summary["totals"]
    assert (totals["subtotal"], totals["forecast"]) == (200, 90)  # the forecast read 待定 is left out of the sum
    [execution] = [line for line in report_for_paths([tmp_path]).text().splitlines() if line.startswith("截至")]
    assert "全年预计支出 90.00 万元，预计结转结余 10.00 万元。" in execution
    assert f"预计结转结余 {totals['subtotal'] - totals['forecast']:,.2f} 万元" not in execution


def test_a_unit_whose_name_is_written_two_ways_is_one_unit(tmp_path):
    from test_consolidate import write_form

    write_form(tmp_path / "a.xlsx", unit="某市电化教育站（本级）", project="项目一")
    write_form(tmp_path / "b.xlsx", unit="某市电化教育站(本级)", project="项目二")
    write_form(tmp_path / "c.xlsx", unit="某市第一中学", project="项目三")
    assert "本次监控纳入 2 个单位的 3 个项目" in report_for_paths([tmp_path]).text()


def test_one_units_部门整体_among_project_forms_does_not_name_the_report(department, tmp_path):
    """A unit's 部门整体 names the unit itself where the project forms name the department."""
    import shutil

    for path in department.paths:
        shutil.copy(path, tmp_path / path.name)
    with_overall = [p for p in department.paths if "部门整体" in openpyxl.load_workbook(p, read_only=True).sheetnames]
    for path in with_overall[1:]:
        (tmp_path / path.name).unlink()
    report = report_for_paths([tmp_path])
    assert report.title == "某市教育局部门整体支出绩效监控分析报告", report.title


@pytest.mark.parametrize("which", ["project", "department"])
def test_outline_placeholders_and_draft_notes(which, department, project_file):
    report = report_for_paths([project_file] if which == "project" else [department.paths[0].parent])
    assert report.headings(1) == list(SECTIONS)
    assert report.headings(2) == ["（一）预算执行情况分析", "（二）绩效目标实现情况分析", "（一）监控总体结论",
                                  "（二）预算执行和绩效目标出现偏差的原因分析", "（三）存在问题及整改措施和建议"]
    prompts = [b.prompt for b in report.blocks if isinstance(b, Placeholder)]
    assert any("绩效监控延伸情况" in p for p in prompts) and "其他需要说明的事项" in prompts
    assert any(isinstance(b, DraftNote) for b in report.blocks)


def test_docx_styles_highlights_and_pdf(department, tmp_path, soffice):
    out = tmp_path / "部门分析报告.docx"
    assert main(["report", str(department.paths[0].parent), "-o", str(out)]) == 0
    doc = Document(out)
    section = doc.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.top_margin.cm, 1) == 3.7 and round(section.left_margin.cm, 1) == 2.8
    texts = [p.text for p in doc.paragraphs]
    positions = [texts.index(s) for s in SECTIONS]
    assert positions == sorted(positions)
    highlighted = [r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW]
    assert highlighted and all(t.startswith("【待填写：") for t in highlighted)
    body = next(p for p in doc.paragraphs if p.text.startswith("截至"))
    assert body.runs[0]._r.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing.pt == 28
    with zipfile.ZipFile(out) as z:
        footer = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/footer"))
        assert "PAGE" in footer and "— " in footer
        assert any(n.startswith("word/media/") and n.endswith(".png") for n in z.namelist())
    assert doc.tables and all(r.font.bold for r in doc.tables[0].rows[0].cells[0].paragraphs[0].runs)
    properties = doc.core_properties  # Word's 文件 › 信息: not python-docx's template's author and its 2013
    assert properties.title == doc.paragraphs[0].text and properties.author == "" and not properties.comments
    assert abs((properties.created - datetime.now(timezone.utc)).total_seconds()) < 600
    _require_writer(soffice)
    pdf = libreoffice_convert(soffice, [out], tmp_path / "pdf", "pdf")[0]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 3
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    assert list(tmp_path.glob("page*.png"))


def _require_writer(soffice: str) -> None:
    """The test suite's LibreOffice may be Calc only; opening a .docx needs Writer."""
    program = Path(soffice).resolve().parent
    if not list(program.glob("libswlo.so")) + list(program.glob("swlo.dll")):
        message = "LibreOffice Writer is not installed (apt-get install libreoffice-writer-nogui)"
        if os.environ.get("XLMON_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)


def test_cli_exit_codes(project_file, tmp_path, capsys):
    out = tmp_path / "项目分析报告.docx"
    assert main(["report", str(project_file), "-o", str(out)]) == 0
    assert out.exists() and "已写出分析报告（草稿）《" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "缺失.xlsx"), "-o", str(tmp_path / "x.docx")]) == 1
    assert not (tmp_path / "x.docx").exists()
    capsys.readouterr()
    (tmp_path / "坏.xlsx").write_bytes(b"junk")
    assert main(["template", "project", "-o", str(tmp_path / "空白.xlsx")]) == 0
    assert main(["report", str(tmp_path / "坏.xlsx"), str(tmp_path / "空白.xlsx"), "-o", str(tmp_path / "x.docx")]) == 1
    said = capsys.readouterr().err.splitlines()  # each file, and why it gave nothing to report on
    assert said[0] == "没有可用的绩效运行监控表，未生成分析报告：" and not (tmp_path / "x.docx").exists()
    assert said[1].startswith("  坏.xlsx：文件不是 xlmon 能读取的 Excel 工作簿") and said[2].startswith("  空白.xlsx：工作表“项目支出”：这张监控表尚未填写")
    assert main(["report", str(project_file), "-o", str(tmp_path / "x.pdf")]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["report", str(project_file)])
    assert exc.value.code == 2


def test_a_report_somebody_worked_on_is_never_written_over(project_file, tmp_path, capsys):
    from docx import Document

    out = tmp_path / "分析报告.docx"
    assert main(["report", str(project_file), "-o", str(out)]) == 0
    assert main(["report", str(project_file), "-o", str(out)]) == 0  # untouched: a fresh draft replaces it
    assert replaceable(out)
    doc = Document(str(out))
    doc.paragraphs[-1].text += "（已由单位补充）"
    doc.save(str(out))
    completed = out.read_bytes()
    capsys.readouterr()
    assert not replaceable(out)
    assert main(["report", str(project_file), "-o", str(out)]) == 2
    assert "不会覆盖" in capsys.readouterr().err and out.read_bytes() == completed
    for name in ("修订.docx", "批注.docx"):  # a reviewer's tracked changes and comments: not in the text digest
        assert main(["report", str(project_file), "-o", str(tmp_path / name)]) == 0
    doc = Document(str(tmp_path / "修订.docx"))
    inserted = OxmlElement("w:ins")
    inserted.set(qn("w:id"), "901"), inserted.set(qn("w:author"), "审核人")
    run, text = OxmlElement("w:r"), OxmlElement("w:t")
    text.text = "本部门负责……"
    run.append(text), inserted.append(run), doc.paragraphs[-1]._p.append(inserted)
    doc.save(str(tmp_path / "修订.docx"))
    doc = Document(str(tmp_path / "批注.docx"))
    doc.add_comment(doc.paragraphs[3].runs, text="此处数据需核实", author="审核人")
    doc.save(str(tmp_path / "批注.docx"))
    for name in ("修订.docx", "批注.docx"):
        reviewed = (tmp_path / name).read_bytes()
        assert main(["report", str(project_file), "-o", str(tmp_path / name)]) == 2
        assert (tmp_path / name).read_bytes() == reviewed
    letter = tmp_path / "说明.docx"
    Document().save(str(letter))  # somebody's own document
    assert not replaceable(letter) and main(["report", str(project_file), "-o", str(letter)]) == 2
    target, kept = report_target(tmp_path, "分析报告.xlsm")  # the ribbon button, beside the book
    assert (target.name, kept) == ("分析报告_分析报告.docx", None)
    out.rename(target)
    assert report_target(tmp_path, "分析报告.xlsm") == (tmp_path / "分析报告_分析报告（2）.docx", target)


def test_a_report_whose_name_is_too_long_is_said_in_chinese(project_file, tmp_path, capsys):
    """A unit's workbook named for all its projects (80 characters): the report's name beside it, <book>_分析报告.docx, is
    longer than the file system allows. Looking whether an earlier report was there raised OSError, so that `xlmon
    report -o` ended in 内部错误（OSError: [Errno 36] File name too long…） and the ribbon's 生成报告 in 运行出错, in
    English. Both say which file could not be written, and why."""
    from test_entry_points import DesktopWorkbook

    from xlmon.report.addin import report

    stem = ("某市第一中学2026年1-6月项目支出绩效运行监控表（校舍维修改造、学生营养改善计划、教师培训、智慧校园建设、"
            "校园安全保障、实训基地建设、图书馆设备购置、体育场馆维修项目）")
    assert len(f"{stem}.xlsx".encode()) <= 255 < len(f"{stem}_分析报告.docx".encode())
    long = tmp_path / f"{stem}_分析报告.docx"
    assert main(["report", str(project_file), "-o", str(long)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xlmon: 无法写入 {long}（文件名或路径过长）") and "Error" not in err
    book = tmp_path / f"{stem}.xlsx"
    book.write_bytes(project_file.read_bytes())
    opened = DesktopWorkbook(book)
    said = report(opened)
    assert opened.app.shown == [(said, "critical")]
    assert said.startswith(f"无法写入 {long}（文件名或路径过长）") and "Error" not in said
    assert sorted(p.name for p in tmp_path.iterdir()) == [book.name]


def test_a_folder_of_the_reports_name_beside_the_book_is_said_to_be_a_folder(project_file, tmp_path):
    """生成报告 beside a folder called <book>_分析报告.docx (a unit's attachments kept under that name): the report went
    to <book>_分析报告（2）.docx, and the alert said the folder "已有改动", as if it were a report somebody worked on."""
    from test_entry_points import DesktopWorkbook

    from xlmon.report.addin import report

    book = tmp_path / "某市第一中学.xlsx"
    book.write_bytes(project_file.read_bytes())
    (tmp_path / "某市第一中学_分析报告.docx").mkdir()
    said = report(DesktopWorkbook(book))
    assert (tmp_path / "某市第一中学_分析报告（2）.docx").is_file()
    assert "已有改动" not in said and "已有同名文件夹 某市第一中学_分析报告.docx" in said, said


def test_write_is_atomic_and_names_follow_the_book(project_file, tmp_path):
    target = tmp_path / "r.docx"
    target.write_bytes(b"old")
    write_docx(report_for_paths([project_file]), target)
    assert zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["r.docx"]
    assert book_stem("某市第一中学.xlsx") == "某市第一中学"


def test_department_forms_indicators_are_reported_as_指标偏差_lists_them(department, tmp_path, capsys):
    """A bureau's report from a department's summary whose 部门整体 the department completed: its red
    indicator is in 表3 and among the red indicators, named as the summary's 指标偏差 names it."""
    from test_consolidate import complete_department_form

    summary = tmp_path / "部门汇总.xlsx"
    _json(capsys, ["consolidate", str(department.paths[0].parent), "-o", str(summary), "--format", "json"])
    complete_department_form(summary, forecast=500)
    text = report_for_paths([summary]).text()
    row = next(line.split("\t") for line in text.splitlines() if "资助学生人数" in line and "\t" in line)
    assert row[:4] == ["红灯", "某市教育局（101001）", "（部门整体支出）", "资助学生人数"]
    assert "某市教育局（101001）“（部门整体支出）”的“资助学生人数”：年度指标值 ≥1000人" in text
    counted = re.search(r"已评级的 (\d+) 个绩效指标（含 (\d+) 份部门整体表的 (\d+) 个）中", text)
    details = openpyxl.load_workbook(summary)["项目明细"]
    header = [c.value for c in details[1]]
    of_projects = sum(row[header.index(f"指标{g}")] or 0 for row in details.iter_rows(min_row=2, values_only=True)
                      for g in ("绿灯", "黄灯", "红灯") if isinstance(row[0], int))
    assert counted and counted[2] == "1" and int(counted[1]) - int(counted[3]) == of_projects > 0


def test_a_control_character_in_a_units_text_does_not_stop_the_report(tmp_path):
    """An ESC pasted into a 偏差原因分析 (Excel keeps it as _x001B_): python-docx refused the whole report, in English.
    It shows as �, as in the annotated copy; a line typed with "\\r\\n" breaks once, not with a blank line."""
    from xlmon.report.blocks import Paragraph, Report, Table
    from xlmon.report.docx_writer import write_docx

    report = Report("project", "某项目绩效运行监控分析报告", "（2026年1-6月）", [
        Paragraph("原因\x1b分析"), Paragraph("第一行\r\n第二行"), Table(["指标", "原因"], [["x", "受\x07影响"]])])
    doc = Document(str(write_docx(report, tmp_path / "报告.docx")))
    texts = [p.text for p in doc.paragraphs]
    assert "原因\ufffd分析" in texts and "第一行\n第二行" in texts
    assert doc.tables[0].cell(1, 1).text == "受\ufffd影响"


def test_a_tab_in_a_units_name_prints_as_a_space_in_the_tables_and_figure(tmp_path):
    """A unit's name pasted with a tab (信息数据综合运动\t“改造管理站): in a cell a tab jumps to the next tab stop,
    past the edge of a narrow column, and LibreOffice printed nothing after it (“改造… missing from 表3). In the
    tables and the figure it is a space."""
    from xlmon.report.blocks import Chart, Report, Table

    name = "信息数据综合运动\t“改造管理站"
    report = Report("department", "某部门监控分析报告", "（2026年1-6月）", [
        Table(["单位", "偏差原因分析"], [[name, "原因\t分析"]], "表3 出现偏差的绩效指标"),
        Chart("单位", [(name, 0.4, "red")], 0.5, "图1 支出进度与时间进度")])
    doc = Document(str(write_docx(report, tmp_path / "报告.docx")))
    cells = [doc.tables[0].cell(1, 0), doc.tables[0].cell(1, 1), doc.tables[1].cell(1, 0)]
    assert [c.text for c in cells] == ["信息数据综合运动 “改造管理站", "原因 分析", "信息数据综合运动 “改造管理站"]
    assert not [c for c in cells if c._tc.findall(f".//{W}tab")]


def test_a_units_own_file_with_its_department_form_is_the_units_report(department):
    """某市第一中学.xlsx, its projects and its own 部门整体 form: the report was titled 某市教育局部门整体…, the 主管部门's,
    over the school's own figures. It is the school's."""
    school = next(p for p in department.paths if p.name == "某市第一中学.xlsx")
    report = report_for_paths([school])
    assert report.title == "某市第一中学部门整体支出绩效监控分析报告"
    assert report_for_paths([school.parent]).title.startswith("某市教育局")


def test_a_units_own_file_of_project_forms_is_the_units_report(department, tmp_path):
    """某市第二中学.xlsx holds project forms only; reported alone, or as the one file in a folder, the report was titled
    某市教育局部门整体支出绩效监控分析报告, its 主管部门's, though it is of the school's projects alone. It is titled with
    the school's name and what it covers, its projects, and names the 主管部门 the forms give, as a project's report
    does."""
    school = next(p for p in department.paths if p.name == "某市第二中学.xlsx")
    folder = tmp_path / "一个单位"
    folder.mkdir()
    (folder / school.name).write_bytes(school.read_bytes())
    for report in (report_for_paths([school]), report_for_paths([folder])):
        assert report.title == "某市第二中学项目支出绩效监控分析报告", report.title
        assert "主管部门：某市教育局；预算单位：某市第二中学。" in report.text().splitlines()
    two = tmp_path / "两个单位"
    two.mkdir()
    for path in (school, next(p for p in department.paths if p.name == "某市实验小学.xlsx")):
        (two / path.name).write_bytes(path.read_bytes())
    report = report_for_paths([two])
    assert report.title == "某市教育局部门整体支出绩效监控分析报告" and "预算单位：" not in report.text()


def test_a_units_report_speaks_of_the_unit_not_of_one_unit_among_a_departments(department, tmp_path):
    """某市第二中学's own report said 本次监控纳入 1 个单位的 3 个项目, a department's sentence of one unit, and asked
    【待填写：部门职能、年度主要工作任务和年度绩效目标】 of a school. It names the unit, 本次监控纳入某市第二中学的 3 个项目,
    and asks for 单位职能; a report of two units' files is still the department's."""
    school = next(p for p in department.paths if p.name == "某市第二中学.xlsx")
    folder = tmp_path / "一个单位"
    folder.mkdir()
    (folder / school.name).write_bytes(school.read_bytes())
    projects = len(next(u for u in department.department.units if u.name == "某市第二中学").projects)
    for report in (report_for_paths([school]), report_for_paths([folder])):
        lines = report.text().splitlines()
        assert any(line.startswith(f"本次监控纳入某市第二中学的 {projects} 个项目，项目资金安排 ") for line in lines), lines[:8]
        assert "【待填写：单位职能、年度主要工作任务和年度绩效目标】" in lines, lines[:8]
        assert not any("1 个单位" in line or "部门职能" in line for line in lines), lines[:8]
    two = tmp_path / "两个单位"
    two.mkdir()
    for path in (school, next(p for p in department.paths if p.name == "某市实验小学.xlsx")):
        (two / path.name).write_bytes(path.read_bytes())
    lines = report_for_paths([two]).text().splitlines()
    assert any(line.startswith("本次监控纳入 2 个单位的 ") for line in lines) and "部门职能" in "".join(lines)


# ------------------------------------------------------------------------------------ print layout

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Times New Roman (and Liberation Serif, metric-compatible) advances in thousandths of an em; what is not ASCII
# prints in the Chinese font, a full em (≥ and “” too, where the Chinese font draws them)
TNR = {**dict.fromkeys("0123456789", 500), ",": 250, ".": 250, "%": 833, "-": 333, "+": 564, " ": 250}
TNR_BOLD = {**TNR, "%": 1000}
_NUMERIC = re.compile(r"-?[\d,]+(\.\d+)?%?")
_NUMBER_IN_TEXT = re.compile(r"[≥≤＞＜>＝=<]?\d[\d,.]*%?")  # ≥3200, 1,128.00 in a target or a reason


def _printed(text: str, size: float, bold: bool = False) -> float:
    advances = TNR_BOLD if bold else TNR
    return sum(advances.get(ch, 1000 if ord(ch) > 0x7F else 722) for ch in text) / 1000 * size


def _cell_margins(table) -> float:
    """Left plus right cell margins of a table, in points: its own tblCellMar, else Table Grid's 0.19 cm."""
    mar = table._tbl.tblPr.find(f"{W}tblCellMar")
    sides = {el.tag[len(W):]: int(el.get(f"{W}w")) for el in (mar if mar is not None else [])}
    return (sides.get("left", 108) + sides.get("right", 108)) / 20


def _lines(cell) -> list[tuple[str, float, bool]]:
    """A cell's text broken where it was written broken (w:br), each with its font size and boldness."""
    out = []
    for p in cell.paragraphs:
        for run in p.runs:
            size, bold = run.font.size.pt, bool(run.font.bold)
            out += [(line, size, bold) for line in run.text.split("\n")]
    return out


def _misfits(path: Path) -> list[str]:
    """Every number, rate and grade of the document's tables wider than its cell's room, every header line too,
    every number in a text (≥3200 人, 1,128.00 万元) too: what a printed page would break across lines."""
    bad = []
    for t, table in enumerate(Document(str(path)).tables):
        margins = _cell_margins(table)
        layout = table._tbl.tblPr.find(f"{W}tblLayout")
        if layout is None or layout.get(f"{W}type") != "fixed":
            bad.append(f"table {t}: not of fixed layout")
        grid = [int(col.get(f"{W}w")) for col in table._tbl.tblGrid.findall(f"{W}gridCol")]
        for r, row in enumerate(table.rows):
            for c, cell in enumerate(row.cells):
                tcw = cell._tc.tcPr.find(f"{W}tcW")
                mar = cell._tc.tcPr.find(f"{W}tcMar")
                if int(tcw.get(f"{W}w")) != grid[c]:
                    bad.append(f"table {t} row {r} column {c}: tcW {tcw.get(f'{W}w')} is not gridCol {grid[c]}")
                room = grid[c] / 20 - (0 if mar is not None else margins)
                for line, size, bold in _lines(cell):
                    if r == 0 or _NUMERIC.fullmatch(line) or line in ("红灯", "黄灯", "绿灯", "未评级"):
                        parts = [line]
                    else:
                        parts = _NUMBER_IN_TEXT.findall(line)
                    bad += [f"table {t} row {r} column {c}: {part!r} needs {_printed(part, size, bold):.1f} pt, "
                            f"has {room:.1f}" for part in parts if "\t" not in part and _printed(part, size, bold) > room]
    return bad


def _big_unit(n: int) -> str:
    kinds = ["某市第{}中学", "某市教育局直属第{}机关幼儿园", "某市职业技术学院附属第{}中等专业学校", "某市实验学校第{}分校"]
    return kinds[n % len(kinds)].format(n)


@pytest.fixture(scope="module")
def large_department(tmp_path_factory) -> Path:
    """45 units, long names, amounts of tens of thousands of 万元, red projects with targets like ≥3200人 judged
    完全不可能: the department whose printed report broke 54,298.47 and ≥3200人 across lines."""
    from handmade import project_grid
    from test_check import write_grid

    folder = tmp_path_factory.mktemp("large")
    for n in range(1, 46):
        budget = 54298.47 if n % 9 == 0 else 1128.0 + 37.5 * n
        spent = budget * (0.05 + 0.01 * n)
        funding = {"资金总额": [0, budget, budget, budget, 1, spent, spent / budget, budget],
                   "中央财政资金": [0, budget, budget, budget, 1, spent, spent / budget, budget]}
        indicators = [["产出指标", "数量指标", "资助学生人数", "≥3200人", "1200人", "2821人", "补助对象认定工作推迟，发放进度滞后。",
                       None, None, "√", "加快认定"],
                      ["效益指标", "社会效益指标", "家长满意度", "≥95%", "90%", "96%", None, "√", None, None, None]]
        write_grid(folder / f"{n:02d}.xlsx", project_grid(funding=funding, indicators=indicators, unit=_big_unit(n),
                                                           project=f"义务教育阶段学生营养改善计划第{n}期"))
    return folder


def _report_docx(source: Path, out: Path) -> Path:
    assert main(["report", str(source), "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("which", ["demo", "large", "bureau", "project"])
def test_numbers_rates_grades_and_headers_fit_their_columns(which, department, large_department, project_file,
                                                            tmp_path):
    """Printed, 表1's 36.25% read "36.25 / %", 54,298.47 "54,298.4 / 7", 表4's 安排数 "1,12 / 8.00", its grades
    "红 / 灯", its headers a character a line, and ≥3200人 "≥32 / 00 / 人": the columns were shared by the length of
    what they hold, inside Word's default cell margins. Every column now has room for its numbers, rates, grades
    and header lines, measured in Times New Roman's and the Chinese font's widths, in Word's grid and cells alike."""
    if which == "bureau":
        from xlmon.consolidate.run import consolidate

        consolidate(sorted(large_department.glob("*.xlsx")), tmp_path / "部门汇总.xlsx")
        consolidate(department.paths, tmp_path / "教育局汇总.xlsx")
        consolidate([tmp_path / "部门汇总.xlsx", tmp_path / "教育局汇总.xlsx"], tmp_path / "局" / "汇总.xlsx")
        source = tmp_path / "局" / "汇总.xlsx"
    else:
        source = {"demo": department.paths[0].parent, "large": large_department, "project": project_file}[which]
    out = _report_docx(source, tmp_path / "报告.docx")
    doc = Document(str(out))
    assert len(doc.tables) >= 2
    assert _misfits(out) == []
    assert [s.page_width < s.page_height for s in doc.sections] == [True]  # all on portrait pages
    text_width = (doc.sections[0].page_width - doc.sections[0].left_margin - doc.sections[0].right_margin) / 12700
    for table in doc.tables:
        assert sum(int(col.get(f"{W}w")) for col in table._tbl.tblGrid.findall(f"{W}gridCol")) / 20 <= text_width + 1
    headers = [line for table in doc.tables for cell in table.rows[0].cells for line, _, _ in _lines(cell)]
    assert not [line for line in headers if len(line) == 1 and line > "\u2e80"], headers  # no 成 alone


def test_a_table_too_wide_for_a_portrait_page_gets_a_landscape_one(tmp_path):
    from xlmon.report.blocks import Paragraph, Report, Table

    amounts = [f"{12345678.12 + i:,.2f}" for i in range(10)]  # ten columns of 12,345,678.12
    report = Report("department", "某部门监控分析报告", "（2026年1-6月）", [
        Paragraph("前文。"), Table([f"金额{i}" for i in range(10)], [amounts] * 3, "表1 宽表"), Paragraph("后文。")])
    out = write_docx(report, tmp_path / "宽表.docx")
    doc = Document(str(out))
    turned = [s.page_width > s.page_height for s in doc.sections]
    assert turned == [False, True, False], turned
    landscape = doc.sections[1]
    width = sum(int(col.get(f"{W}w")) for col in doc.tables[0]._tbl.tblGrid.findall(f"{W}gridCol")) / 20
    assert width <= (landscape.page_width - landscape.left_margin - landscape.right_margin) / 12700 + 1
    assert _misfits(out) == []
    assert [p.text for p in doc.paragraphs if p.text][-1] == "后文。"


def blank_pages(soffice: str, docs: list[Path], outdir: Path) -> dict[str, list[int]]:
    """Of each document printed by LibreOffice, the pages that show nothing but their number."""
    blank = {}
    for doc, pdf in zip(docs, libreoffice_convert(soffice, docs, outdir, "pdf")):
        pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        only_numbered = [n for n, page in enumerate(pages.split("\f")[:-1], 1)
                         if re.fullmatch(r"—\s*\d+\s*—", "".join(page.split()))]
        if only_numbered:
            blank[doc.name] = only_numbered
    return blank


def test_a_landscape_table_filling_its_last_page_leaves_no_blank_page(tmp_path, soffice):
    """A table on landscape pages whose rows filled the last of them exactly: the empty paragraphs after it (the one
    every table gets, and the one ending the landscape section) went on to a page of their own, printed blank but
    for its page number. The section now ends with the paragraph right after the table, a point high."""
    from xlmon.report.blocks import Paragraph, Report, Table

    _require_writer(soffice)
    amounts = [f"{12345678.12 + i:,.2f}" for i in range(10)]  # ten columns of 12,345,678.12: a landscape page
    docs = [write_docx(Report("department", "某部门监控分析报告", "（2026年1-6月）", [
        Paragraph("前文。"), Table([f"金额{i}" for i in range(10)], [amounts] * n, "表1 宽表"), Paragraph("后文。")]),
        tmp_path / f"宽表{n}.docx") for n in range(28, 46)]
    assert blank_pages(soffice, docs, tmp_path / "pdf") == {}


def test_a_table_ending_at_a_pages_foot_before_figure_1_leaves_no_blank_page(tmp_path, soffice):
    """表2 of units ending at a page's foot, figure 1 of 40 units (kept whole, with its caption) after it: the empty
    paragraph after the table went on to the next page alone, the figure to the one after, and a page printed blank
    but for its number. The paragraph after a table now goes with what follows it."""
    from xlmon.report.blocks import Chart, Paragraph, Report, Table

    _require_writer(soffice)
    bars = [(f"某市第{i}中学附属职业技术学校教育集团第{i}分校", 0.2 + 0.01 * i, "green") for i in range(40)]
    docs = [write_docx(Report("department", "某部门监控分析报告", "（2026年1-6月）", [
        Paragraph("前文。"), Table(["序号", "单位", "安排数"], [[str(i), "某市第一中学", "1,234.56"] for i in range(n)],
                                 "表2 各单位支出进度"),
        Chart("单位", bars, 0.5, "图1 支出进度与时间进度"), Paragraph("后文。")]), tmp_path / f"图{n}.docx")
        for n in range(30, 48)]
    assert blank_pages(soffice, docs, tmp_path / "pdf") == {}


def test_each_drafted_handling_is_said_once_not_in_every_row(large_department):
    """30 projects proposed for 重点监控 took 8 pages: each row repeated one of three long handlings. The table
    names them (方式一…) and the text under it says each once, with how many projects it is for."""
    from xlmon.consolidate.focus import IMPOSSIBLE

    report = report_for_paths([large_department])
    text = report.text()
    table = next(b for b in report.blocks if getattr(b, "caption", "").endswith("重点监控建议（草稿，供审核参考）"))
    ways = [row[-1] for row in table.rows]
    assert len(ways) >= 30 and set(ways) <= {"方式一", "方式二", "方式三"}
    assert text.count(IMPOSSIBLE) == 1 and len(set(ways)) > 1
    said = [re.match(r"(方式.)（(\d+) 个项目）：", line) for line in text.splitlines()]
    assert {m[1]: int(m[2]) for m in said if m} == {way: ways.count(way) for way in ways}


def _png_pixels(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a PNG as chart.py writes it (8-bit RGB, no filtering)."""
    import struct
    import zlib

    width, height = struct.unpack(">II", png[16:24])
    data, pos = b"", 8
    while pos < len(png):
        length, tag = struct.unpack(">I4s", png[pos:pos + 8])
        if tag == b"IDAT":
            data += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(data)
    stride = width * 3 + 1
    assert all(raw[y * stride] == 0 for y in range(height))
    return width, height, b"".join(raw[y * stride + 1:(y + 1) * stride] for y in range(height))


def test_figure_1_names_its_bars_and_labels_its_percentages(large_department, tmp_path):
    """Figure 1 was 40 unlabelled bars: a reader counted bars to find a unit, and guessed the scale. Its bars now
    each have their unit's name beside them, in 表2's order, and their 支出进度; the header gives the scale's
    percentages; each bar ends where its 支出进度 falls on that scale, and the red line is at 时间进度."""
    out = _report_docx(large_department, tmp_path / "报告.docx")
    doc = Document(str(out))
    ranked = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    figure = next(t for t in doc.tables if "\t0%" in t.rows[0].cells[1].text)
    caption = next(p.text for p in doc.paragraphs if p.text.startswith("图1"))
    assert "条形自上而下依次为表2前 40 个单位（进度差最大的）" in caption
    tp = float(re.search(r"时间进度 ([\d.]+)%", caption).group(1)) / 100
    names = [row.cells[0].text for row in figure.rows[1:]]
    assert names == [row.cells[1].text for row in ranked.rows[1:41]]
    assert figure.rows[0].cells[1].text.split("\t")[1:6] == ["0%", "25%", "50%", "75%", "100%"]
    tabs = [int(t.get(f"{W}pos")) / 20 for t in figure.rows[0].cells[1].paragraphs[0]._p.pPr.find(f"{W}tabs")]
    zero, hundred = tabs[0], tabs[4]
    for row in figure.rows[1:]:
        value = float(row.cells[2].text.rstrip("%")) / 100
        blip = row.cells[1]._tc.xpath(".//a:blip")[0].get(qn("r:embed"))
        extent = row.cells[1]._tc.xpath(".//wp:extent")[0]
        width, height, pixels = _png_pixels(doc.part.related_parts[blip].blob)
        per_point = width / (int(extent.get("cx")) / 12700)
        middle = [pixels[(height // 2 * width + x) * 3:(height // 2 * width + x) * 3 + 3] for x in range(width)]
        coloured = [x for x, px in enumerate(middle) if px in (bytes((0x37, 0x86, 0x4F)), bytes((0xD9, 0x9A, 0x06)),
                                                                bytes((0xC0, 0x39, 0x2B)))]
        red_line = [x for x in range(width) if pixels[x * 3:x * 3 + 3] == bytes((192, 0, 0))]
        assert abs(max(coloured) / per_point - (zero + value * (hundred - zero))) < 1.5, row.cells[0].text
        assert abs(sum(red_line) / len(red_line) / per_point - (zero + tp * (hundred - zero))) < 1.5


def test_a_unit_far_past_its_budget_leaves_figure_1s_percentages_apart(tmp_path):
    """A unit whose 支出数 was typed in 元 spent 10000 % of its 安排数: the figure's scale ran to it, its header 401
    percentages on tab stops less than a point apart, printed as a jumble of figures over four lines, every other bar
    a sliver. The scale now stops where the strip holds its percentages a label's width apart; that unit's bar runs
    to its end, its 支出进度 said beside it."""
    from xlmon.report import columns
    from xlmon.report.blocks import Chart, Report

    report = Report("department", "某部门监控分析报告", "（2026年1-6月）", [
        Chart("单位", [("某市第一中学", 100.0, "green"), ("某市第二中学", 0.4, "red")], 0.5, "图1 支出进度与时间进度")])
    figure = Document(str(write_docx(report, tmp_path / "报告.docx"))).tables[0]
    header = figure.rows[0].cells[1]
    labels = header.text.split("\t")[1:]
    tabs = [int(t.get(f"{W}pos")) / 20 for t in header.paragraphs[0]._p.pPr.find(f"{W}tabs")]
    widths = [columns.text_width(label, columns.XIAOWU) for label in labels]
    assert labels[:5] == ["0%", "25%", "50%", "75%", "100%"]
    assert all(b - a >= (wa + wb) / 2 for a, b, wa, wb in zip(tabs, tabs[1:], widths, widths[1:]))
    assert tabs[-1] + widths[-1] / 2 <= int(figure._tbl.tblGrid.findall(f"{W}gridCol")[1].get(f"{W}w")) / 20
    assert figure.rows[1].cells[2].text == "10000.00%"


def test_libreoffice_prints_every_number_of_the_tables_whole(large_department, tmp_path, soffice):
    """The printed check itself: LibreOffice sets the large department's report, and every number, rate and grade
    of its tables is found whole in the PDF's text (54,298.47, not 54,298.4 and 7). Only with Times New Roman's
    metrics (Liberation Serif): another font's digits are wider than the widths are reckoned for."""
    _require_writer(soffice)
    font = subprocess.run(["fc-match", "Times New Roman"], capture_output=True, text=True).stdout
    if "Liberation" not in font and "Times" not in font:
        message = (f"Times New Roman is set in {font.strip() or 'an unknown font'} here, not in its metrics "
                   "(apt-get install fonts-liberation)")
        if os.environ.get("XLMON_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    out = _report_docx(large_department, tmp_path / "报告.docx")
    pdf = libreoffice_convert(soffice, [out], tmp_path / "pdf", "pdf")[0]
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    words = printed.split()
    cells = [cell.text for table in Document(str(out)).tables for row in table.rows[1:] for cell in row.cells]
    whole = [c for c in cells if _NUMERIC.fullmatch(c) or c in ("红灯", "黄灯", "绿灯")]
    assert len(whole) > 300
    missing = {c for c in set(whole) if words.count(c) < whole.count(c)}
    assert not missing, sorted(missing)[:20]


def test_the_text_names_the_units_furthest_behind_and_leaves_the_rest_to_the_table(tmp_path):
    """A bureau has hundreds of units behind 时间进度: one sentence naming them all ran to pages; it names the 20
    furthest behind, the table of units lists them all."""
    from test_consolidate import write_form

    for i in range(25):
        funding = {"资金总额": [None] * 8, "市级财政资金": [None, 100, 100, 100, 1, 10 + i, None, 100]}
        write_form(tmp_path / f"u{i:02}.xlsx", unit=f"某单位{i:02}", project="项目", funding=funding)
    text = report_for_paths([tmp_path]).text()
    [line] = [line for line in text.splitlines() if line.startswith("支出进度落后时间进度超过")]
    assert "的单位有 25 个，落后最多的 20 个：某单位00落后 " in line and line.endswith("（全部见表2）。")
    assert "某单位19落后 " in line and "某单位20" not in line
    assert "某单位24" in text.split(line)[1]  # in the table of units
    assert "表2 各单位支出进度" in text


def test_a_unit_exactly_ten_points_behind_is_not_said_to_be_more_than_ten_behind(tmp_path):
    """0.44 spent of 1.1 万元 at 1-6月 is 40 %, ten points behind, which a float makes 10.00000000000003: the text
    listed it among units "超过 10 个百分点" behind, at "10.00 个百分点", where its grade is green."""
    from test_consolidate import write_form

    for unit, spent in (("某单位甲", 0.44), ("某单位乙", 0.2)):
        funding = {"资金总额": [None] * 8, "市级财政资金": [None, 1.1, 1.1, 1.1, 1, spent, None, 1.1]}
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project="项目", funding=funding)
    text = report_for_paths([tmp_path]).text()
    [line] = [line for line in text.splitlines() if line.startswith("支出进度落后时间进度超过")]
    assert "的单位有 1 个：某单位乙落后 " in line and "某单位甲" not in line


def test_a_bureaus_text_sends_the_units_behind_to_the_table_of_units_not_of_departments(tmp_path):
    """In a bureau's report the table right below the sentence on units behind is 表2 of 主管部门; the units it
    leaves out are in 表3, which it names."""
    from test_consolidate import write_form

    for i in range(25):
        funding = {"资金总额": [None] * 8, "市级财政资金": [None, 100, 100, 100, 1, 10 + i, None, 100]}
        department = "某市教育局（101001）" if i % 2 else "某市科技局（102001）"
        write_form(tmp_path / f"u{i:02}.xlsx", unit=f"某单位{i:02}", project="项目", funding=funding,
                   department=department)
    text = report_for_paths([tmp_path]).text()
    [line] = [line for line in text.splitlines() if line.startswith("支出进度落后时间进度超过") and "的单位有" in line]
    assert line.endswith("（全部见表3）。"), line[-20:]
    assert "表2 各主管部门支出进度" in text and "表3 各单位支出进度" in text


def test_a_bureaus_hundreds_of_red_indicators_are_set_out_thirty_the_table_lists_them_all(tmp_path):
    """Each red indicator was a numbered paragraph: 556 of them in a bureau's report of 80 departments. The text
    sets out 30, the least likely to be reached and of the largest projects first; the table of deviations lists
    every one."""
    from handmade import project_grid
    from test_check import write_grid

    for i in range(36):
        budget = 100 + i  # unit 35 has the largest project; unit 3 alone says its target cannot be reached
        funding = {"资金总额": [None] * 8, "市级财政资金": [None, budget, budget, budget, 1, 50, None, budget]}
        marks = [None, None, "√"] if i == 3 else ["√", None, None]
        indicators = [["产出指标", "数量指标", f"培训人次{i:02}", "≥1000人次", "300人次", "500人次", "经费未到位", *marks,
                       None]]
        write_grid(tmp_path / f"u{i:02}.xlsx", project_grid(funding=funding, indicators=indicators, unit=f"某单位{i:02}",
                                                              project=f"项目{i:02}"))
    text = report_for_paths([tmp_path]).text()
    head = next(line for line in text.splitlines() if line.startswith("红灯指标 36 个"))
    table = re.search(r"表(\d+) 出现偏差的绩效指标", text)[1]
    assert head == f"红灯指标 36 个，以下列出其中 30 个（完成可能性最小、项目资金最多的；全部见表{table}）："
    listed = re.findall(r"^(\d+)\. 某单位(\d\d)“项目\d\d”的“培训人次", text, re.M)
    assert [n for n, _ in listed] == [str(n) for n in range(1, 31)]
    assert [int(u) for _, u in listed] == [3, *range(35, 6, -1)]  # 完全不可能 first, then the largest projects
    assert all(f"培训人次{i:02}" in text.split(head)[0] for i in range(36))  # every one in the table


def test_a_red_indicators_completion_is_quoted_as_typed_words_or_number():
    """A completion in words read "截至本期完成 6月起停工", as if 6月起停工 were an amount done; each completion is
    now quoted as the unit typed it, a number or words, and a blank one said to be so."""
    from xlmon.report.content import red_indicator_text

    text = red_indicator_text(1, "某校“某项目”的", "完工时间", "年底前完工", "6月起停工", 0.5, "完全不可能", None, None)
    assert "截至本期完成情况为“6月起停工”，全年预计完成情况为“0.5”" in text and "完成 6月" not in text
    text = red_indicator_text(2, "", "验收合格率", "＝100%", "80%", None, None, "材料不合格", None)
    assert "截至本期完成情况为“80%”，全年预计完成情况未填写" in text


def three_units_and_a_zip(department: demo.Demo, folder: Path) -> Path:
    """Three units' files, the first also sent zipped (报送.zip) and unpacked beside it."""
    folder.mkdir()
    for path in department.paths[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    with zipfile.ZipFile(folder / "报送.zip", "w") as archive:
        archive.write(department.paths[0], department.paths[0].name)
    return folder


def test_a_zip_unpacked_beside_the_units_files_is_no_error_in_the_report(department, tmp_path):
    """A unit sent its file zipped, and the department unpacked it beside the zip: 汇总 says the zip needs nothing
    (F015, a note), while the report counted an error more and listed the zip as left out, 压缩包未解压."""
    folder = three_units_and_a_zip(department, tmp_path / "units")
    text = report_for_paths([folder]).text()
    summary = json.loads(_consolidated_json(folder, tmp_path / "汇总.xlsx"))
    errors = sum(d["severity"] == "error" for d in summary["diagnostics"])
    assert f"监控表中发现错误 {errors} 条" in text
    assert "压缩包未解压" not in text and "报送.zip：这是 zip 压缩包，其中的工作簿（" in text and "该压缩包无需处理" in text


def _consolidated_json(folder: Path, output: Path, *options: str) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["consolidate", "--format", "json", str(folder), "-o", str(output), *options]) in (0, 1)
    return out.getvalue()


def test_a_departments_own_red_indicator_is_said_to_be_the_departments(tmp_path):
    """The red indicator of a department's own 部门整体 (completed in its summary) was listed with 单位未填写偏差原因分析,
    in the department's report and in the bureau's: the form and its reasons are the department's."""
    from test_consolidate import complete_department_form, write_form

    (tmp_path / "units").mkdir()
    for unit in ("一中", "二中"):
        write_form(tmp_path / "units" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    summary = tmp_path / "部门汇总.xlsx"
    assert main(["consolidate", str(tmp_path / "units"), "-o", str(summary)]) == 0
    complete_department_form(summary, forecast=500)
    assert main(["report", str(summary), "-o", str(tmp_path / "r.docx")]) == 0
    [line] = [p.text for p in Document(tmp_path / "r.docx").paragraphs if "资助学生人数" in p.text]
    assert line.endswith("部门未填写偏差原因分析。") and "单位" not in line


def test_the_bureaus_report_names_the_departments_summaries_edited_by_hand(tmp_path):
    """A department typed over two amounts of its summary's 项目明细 and sent it up. The bureau's report counted the
    edits among 警告 N 条 and named neither the summary nor what became of them; 五、其他需要说明的事项 now says which
    summaries were edited, how many times, and that the edits are not in the report. The department's own report,
    drafted from that summary, says nothing of its own edits, as before. What is counted comes before its count,
    经手工修改的汇总表 1 个, not 汇总表经手工修改的 1 个."""
    from test_consolidate import write_form

    for unit, department in (("一中", "某市教育局（101001）"), ("一院", "某市卫生健康委员会（102001）")):
        (tmp_path / department).mkdir()
        write_form(tmp_path / department / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=department)
        assert main(["consolidate", str(tmp_path / department), "-o", str(tmp_path / "局" / f"{department}.xlsx")]) == 0
    summary = tmp_path / "局" / "某市教育局（101001）.xlsx"
    book = openpyxl.load_workbook(summary)
    details = book["项目明细"]
    header = [c.value for c in details[1]]
    details.cell(2, header.index("支出数") + 1).value = 999
    details.cell(2, header.index("本年预算") + 1).value = 1
    book.save(summary)

    def drafted(path: Path) -> str:
        out = tmp_path / f"r{len(list(tmp_path.glob('r*.docx')))}.docx"
        assert main(["report", str(path), "-o", str(out)]) == 0
        return "\n".join(p.text for p in Document(out).paragraphs)

    said = "经手工修改的汇总表 1 个：某市教育局（101001）.xlsx（2 处），修改未计入本报告（逐处见汇总的“校验问题”）。"
    assert said in drafted(tmp_path / "局")
    assert "手工修改" not in drafted(summary)


def test_a_bureaus_red_indicator_of_a_namesake_unit_names_its_department(tmp_path):
    """Two departments each have a 信息中心: the bureau's table of units names them 信息中心（某市教育局） and
    信息中心（某市卫生健康委员会）, but the red indicator set out under 偏差原因分析, a sentence with no 主管部门
    column beside it, said 信息中心 alone, and the reviewer could not tell whose it was."""
    from test_consolidate import information_centres

    for folder in information_centres(tmp_path / "in"):
        assert main(["consolidate", str(folder), "-o", str(tmp_path / "局" / f"{folder.name}汇总.xlsx")]) == 0
    text = report_for_paths([tmp_path / "局"]).text()
    [line] = [line for line in text.splitlines() if re.match(r"\d+\. .*“物业服务满意度”", line)]
    assert line.startswith("1. 信息中心（某市卫生健康委员会）“（部门整体支出）”的“物业服务满意度”："), line


def test_projects_and_indicators_by_grade_are_counted_in_plain_sentences(department, project_file):
    """二（二） read 项目综合评级共 28 个项目，其中绿灯… (a grading counted in projects) and 绩效指标共 218 个已评级指标,
    the project report 绩效指标共 9 个指标: what is counted is now said once, before the grades it is split into."""
    text = report_for_paths([department.paths[0].parent]).text()
    assert re.search(r"^纳入监控的 28 个项目中，综合评级绿灯 \d+ 个、黄灯 \d+ 个、红灯 \d+ 个。已评级的 \d+ 个绩效指标"
                     r"（含 \d+ 份部门整体表的 \d+ 个）中，绿灯 \d+ 个、黄灯 \d+ 个、红灯 \d+ 个。$", text, re.M), text
    text = report_for_paths([project_file]).text()
    assert re.search(r"^按全年预计完成情况与年度指标值比较，\d+ 个绩效指标中，绿灯 \d+ 个、黄灯 \d+ 个、红灯 \d+ 个。$",
                     text, re.M), text
    assert re.search(r"^项目综合评级为红灯：资金执行红灯；\d+ 个绩效指标中，绿灯 \d+ 个、黄灯 \d+ 个、红灯 \d+ 个。$",
                     text, re.M), text
    assert not re.search(r"评级共|指标共", text)


def _section(text: str, heading: str, following: str) -> str:
    return text.split(f"\n{heading}\n", 1)[1].split(f"\n{following}\n", 1)[0]


def test_the_causes_of_deviation_say_where_the_yellow_indicators_causes_are(department, tmp_path):
    """A yellow project (one indicator judged 有可能) had under 偏差原因分析 only 无红灯指标。, as if nothing deviated,
    while 表2 above listed the indicator with the unit's cause: the section now counts the yellow ones and names the
    table giving their causes, in a department's report too."""
    from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
    from test_check import write_grid
    from xlmon.report.content import CAUSES, MEASURES

    path = write_grid(tmp_path / "一中.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS))
    report = report_for_paths([path])
    assert report.kind == "project"
    assert _section(report.text(), CAUSES, MEASURES).splitlines() == [
        "无红灯指标。", "黄灯指标 1 个，其年度指标值、全年预计完成情况和偏差原因见表2。"]
    text = report_for_paths([department.paths[0].parent]).text()
    table = re.search(r"(表\d+) 出现偏差的绩效指标", text)[1]
    yellow = sum(line.startswith("黄灯\t") for line in text.splitlines())
    assert yellow and f"黄灯指标 {yellow} 个，其年度指标值、全年预计完成情况和偏差原因见{table}。" in _section(
        text, CAUSES, MEASURES).splitlines()


def test_a_bureaus_report_names_the_departments_behind_time(tmp_path):
    """A bureau's report named the units more than 10 points behind 时间进度, each by its own name, but not the 主管部门
    behind, which the bureau holds to account and 表2 ranks: the text now names them first, without their codes (表2
    has them)."""
    from test_consolidate import information_centres

    for folder in information_centres(tmp_path / "in"):
        assert main(["consolidate", str(folder), "-o", str(tmp_path / "局" / f"{folder.name}汇总.xlsx")]) == 0
    lines = report_for_paths([tmp_path / "局"]).text().splitlines()
    said = lines.index("支出进度落后时间进度超过 10 个百分点的主管部门有 1 个：某市卫生健康委员会落后 23.39 个百分点。")
    assert lines[said + 1].startswith("支出进度落后时间进度超过 10 个百分点的单位有 1 个：信息中心（某市卫生健康委员会）落后 ")
    assert re.match(r"1\t某市卫生健康委员会（102001）\t620\.00\t165\.00\t26\.61%\t23\.39\t红灯", lines[lines.index(
        next(line for line in lines if line.startswith("表2 各主管部门支出进度"))) + 2])
    # and 偏差原因分析 asks why of both
    assert "【待填写：支出进度偏慢主管部门和单位的原因分析（从决策、过程和管理方面）】" in lines


def test_each_drafted_handling_is_one_sentence_after_its_name(department):
    """方式一（2 个项目）：预算执行和绩效目标均偏离较大：建议暂缓拨款… put a colon inside a sentence after a colon, which
    official writing does not; the project report's 建议处理方式：…：… too. Each handling now reads as one sentence."""
    text = report_for_paths([department.paths[0].parent]).text()
    ways = [line for line in text.splitlines() if re.match(r"方式.（\d+ 个项目）：", line)]
    assert len(ways) == 3 and all(line.count("：") == 1 for line in ways), ways
    assert any("均偏离较大的，建议暂缓拨款" in line for line in ways)


def _red_line_x(ppm: bytes, dpi: int) -> float:
    """Where (points from the page's left) figure 1's red 时间进度 line is printed: the middle of its pixels' columns."""
    _, size, _, body = ppm.split(b"\n", 3)
    width, height = map(int, size.split())
    red = bytes((192, 0, 0))
    columns = {i // 3 % width for i in range(0, len(body), 3) if body[i:i + 3] == red}
    assert columns
    return (min(columns) + max(columns) + 1) / 2 * 72 / dpi


def test_figure_1s_percentages_stand_over_their_ticks_when_printed(department, tmp_path, soffice):
    """Printed by LibreOffice, figure 1's bars ran about 9.5 points right of the scale's labels above them (the red
    50 % line stood under 53 %): the pictures declared no spacing around them, and LibreOffice, unlike Word, then
    keeps its default 0.32 cm to their left. The red line now stands under its percentage."""
    _require_writer(soffice)
    out = _report_docx(department.paths[0].parent, tmp_path / "报告.docx")
    pdf = libreoffice_convert(soffice, [out], tmp_path / "pdf", "pdf")[0]
    pages = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    page = next(n for n, text in enumerate(pages.split("<page ")[1:], 1) if ">75%</word>" in text)
    [(left, right)] = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>50%</word>',
                                 pages.split("<page ")[page])
    label = (float(left) + float(right)) / 2
    subprocess.run(["pdftoppm", "-r", "144", "-f", str(page), "-l", str(page), str(pdf), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=60)
    [ppm] = tmp_path.glob("page*.ppm")
    assert "时间进度 50.00%" in report_for_paths([department.paths[0].parent]).text()
    printed = _red_line_x(ppm.read_bytes(), 144)
    assert abs(printed - label) < 1.5, (printed, label)


def test_what_汇总_found_is_counted_apart_from_the_forms_findings(department, tmp_path):
    """A unit on the roster did not report (K003): 五、 counted it among 监控表中发现…警告 N 条, though no form holds it.
    The forms' findings are counted as before, and what 汇总 found across them after them, 汇总时另发现警告 1 条."""
    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths:
        (folder / path.name).write_bytes(path.read_bytes())
    roster = tmp_path / "名单.csv"
    names = [*(p.stem for p in department.paths), "某市未报送学校"]
    roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    text = report_for_paths([folder], roster=names).text()
    data = json.loads(_consolidated_json(folder, tmp_path / "汇总.xlsx", "--roster", str(roster)))
    from collections import Counter

    own = Counter(d["severity"] for d in data["diagnostics"] if not d["code"].startswith("K"))
    assert [d["code"] for d in data["diagnostics"] if d["code"].startswith("K")] == ["K003"]
    said = (f"经 xlmon 校验，监控表中发现错误 {own['error']} 条、警告 {own['warning']} 条、提示 {own['info']} 条；"
            "汇总时另发现警告 1 条（逐条见汇总的“校验问题”）。")
    assert said in text


def test_the_findings_are_sent_to_where_the_reader_finds_them_in_chinese(department, project_file):
    """五、其他需要说明的事项 sent the reader to “xlmon check 结果”, a command's English name the bureau's reviewer,
    holding the department's report and its 部门汇总, can neither run nor find: a department's report now points to
    the summary's 校验问题 sheet, which lists every finding, and a project's, or one unit's, to the 校验结果."""
    text = report_for_paths([department.paths[0].parent]).text()
    assert re.search(r"监控表中发现错误 \d+ 条、警告 \d+ 条、提示 \d+ 条（逐条见汇总的“校验问题”）。", text)
    # and the note under the execution sentence to the same sheet: one report, one place for its findings
    assert re.search(r"^注意：\d+ 个项目有金额无法识别（见汇总的“校验问题”），", text, re.M)
    school = next(p for p in department.paths if p.name == "某市第一中学.xlsx")  # with its own 部门整体
    for path in (project_file, school):
        text = report_for_paths([path]).text()
        assert re.search(r"监控表中发现错误 \d+ 条、警告 \d+ 条、提示 \d+ 条（逐条见 xlmon 校验结果）。", text), path
        assert "check" not in text


def test_a_report_without_red_indicators_says_so_in_words(department, tmp_path):
    """Of a 部门整体 form alone, all its indicators green, 偏差原因分析 read 红灯指标 0 个。, where a project's report
    says 无红灯指标。: the department's report says it in the same words."""
    from xlmon.report.content import CAUSES, MEASURES

    school = next(p for p in department.paths if p.name == "某市第一中学.xlsx")
    book = openpyxl.load_workbook(school)
    for sheet in [s for s in book.sheetnames if s != "部门整体"]:
        del book[sheet]
    book.save(tmp_path / "整体.xlsx")
    text = report_for_paths([tmp_path / "整体.xlsx"]).text()
    assert "已评级的 5 个绩效指标中，绿灯 5 个、黄灯 0 个、红灯 0 个。" in text
    assert _section(text, CAUSES, MEASURES).splitlines() == ["无红灯指标。"]


def test_units_own_部门整体_forms_are_summed_as_theirs_not_as_the_departments(department):
    """A department's report from its units' files said 据 2 份部门整体支出绩效运行监控表，部门整体资金总额 6,502.13 万元,
    right after 项目资金安排 7,901.67 万元: the department's whole funds below its projects' alone. They are two
    schools' own forms: the report now names whose forms it sums, and calls the sum theirs."""
    text = report_for_paths([department.paths[0].parent]).text()
    [line] = [line for line in text.splitlines() if line.startswith("据")]
    assert line.startswith("据某市特殊教育学校、某市第一中学报送的 2 份部门整体支出绩效运行监控表，合计资金总额 "), line
    assert "部门整体资金总额" not in line
    school = next(p for p in department.paths if p.name == "某市第一中学.xlsx")
    [line] = [line for line in report_for_paths([school]).text().splitlines() if line.startswith("据 ")]
    assert line.startswith("据 1 份部门整体支出绩效运行监控表，部门整体资金总额 "), line


def _nested_brackets(text: str) -> list[str]:
    """Lines with a full-width bracket opened inside another, （…（…）…）, which Chinese style avoids."""
    nested = []
    for line in text.splitlines():
        depth = 0
        for char in line:
            depth += {"（": 1, "）": -1}.get(char, 0)
            if depth > 1:
                nested.append(line)
                break
    return nested


def test_the_files_left_out_are_named_with_their_reasons_without_nesting_brackets(department, tmp_path):
    """未纳入本报告的文件 put each file's reason in brackets after its name, and the reasons hold brackets of their own:
    某校5月.xlsx（表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致）, 报送.zip（这是 zip 压缩包，其中的工作簿（…）…）.
    Each file is said with its reason after a colon, in a sentence of its own."""
    folder = three_units_and_a_zip(department, tmp_path / "units")
    late = next(p for u in department.department.units[5:] for p in u.projects)
    book = openpyxl.Workbook()
    demo.write_project_form(book.active, late, year=department.department.year, months=department.department.months - 1)
    book.save(folder / "某校5月.xlsx")
    text = report_for_paths([folder]).text()
    said = next(line for line in text.splitlines() if line.startswith("未纳入本报告的文件"))
    assert said.startswith("未纳入本报告的文件 2 个。"), said
    assert "某校5月.xlsx：表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致。" in said, said
    assert "报送.zip：这是 zip 压缩包，其中的工作簿（" in said, said
    assert not _nested_brackets(text), _nested_brackets(text)


def as_own_unit(department: demo.Demo, unit: str, folder: Path) -> Path:
    """The demo's units' files in a folder, one unit's renamed the department's own, 某市教育局（本级）: a name
    ending in brackets of its own."""
    folder.mkdir()
    for path in department.paths:
        if path.name != f"{unit}.xlsx":
            (folder / path.name).write_bytes(path.read_bytes())
            continue
        book = openpyxl.load_workbook(path)
        for cell in (c for ws in book.worksheets for row in ws.iter_rows() for c in row):
            if isinstance(cell.value, str) and unit in cell.value:
                cell.value = cell.value.replace(unit, "某市教育局（本级）")
        book.save(folder / "某市教育局本级.xlsx")
    return folder


def test_a_unit_named_with_brackets_is_said_behind_time_without_doubled_brackets(department, tmp_path):
    """The units behind 时间进度 were each named with their gap in brackets: a department's own unit, 某市教育局（本级）,
    read 某市教育局（本级）（21.15 个百分点）. The gap follows the name: 某市教育局（本级）落后 21.15 个百分点."""
    folder = as_own_unit(department, "某市第二中学", tmp_path / "units")  # behind time: its 智慧校园 project lags
    text = report_for_paths([folder]).text()
    said = next(line for line in text.splitlines() if line.startswith("支出进度落后时间进度超过 10 个百分点的单位"))
    gap = re.search(r"\n\d+\t某市教育局（本级）\t[^\t]+\t[^\t]+\t[^\t]+\t([\d.]+)\t", text)[1]  # its row of 表2
    assert f"某市教育局（本级）落后 {gap} 个百分点" in said, said
    assert "）（" not in said and not _nested_brackets(said), said


def test_one_units_report_ranks_no_units_and_numbers_its_tables_on(department, tmp_path):
    """Of one unit's forms alone the report had 表2 各单位支出进度 of one row and 图1 of one bar, the unit's own figures
    that 表1 and the sentence above it give already, and said that unit was behind (or not) as if among others. They
    are left out, and the tables after 表1 are numbered on from 表2; two units are ranked as before."""
    school = next(p for p in department.paths if p.name == "某市第二中学.xlsx")  # behind 时间进度, with a red project
    folder = tmp_path / "一个单位"
    folder.mkdir()
    (folder / school.name).write_bytes(school.read_bytes())
    for report in (report_for_paths([school]), report_for_paths([folder])):
        text = report.text()
        assert "各单位支出进度" not in text and "图1" not in text and not [b for b in report.blocks if isinstance(b, Chart)], text
        assert not [line for line in text.splitlines() if "个百分点的单位" in line or line.startswith("各单位支出进度")]
        numbers = [int(n) for n in re.findall(r"^表(\d+) ", text, re.M)]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2, numbers  # 表2 重点监控建议
    two = tmp_path / "两个单位"
    two.mkdir()
    for path in (school, next(p for p in department.paths if p.name == "某市实验小学.xlsx")):
        (two / path.name).write_bytes(path.read_bytes())
    text = report_for_paths([two]).text()
    assert "表2 各单位支出进度" in text and "图1 支出进度与时间进度（条形自上而下依次为表2各单位" in text
    assert "支出进度落后时间进度超过 10 个百分点的单位有 2 个" in text


def test_the_units_whose_部门整体_forms_are_summed_are_named_without_nesting_brackets(department, tmp_path):
    """The 部门整体 paragraph named whose forms it sums in brackets, 据 2 份部门整体支出绩效运行监控表（某市教育局（本级）、
    某市特殊教育学校报送）: a name's own brackets nested in them. It names them first, 据…报送的 2 份…."""
    folder = as_own_unit(department, "某市第一中学", tmp_path / "units")  # one of the two units with a 部门整体 form
    [line] = [line for line in report_for_paths([folder]).text().splitlines() if line.startswith("据")]
    assert line.startswith("据某市教育局（本级）、某市特殊教育学校报送的 2 份部门整体支出绩效运行监控表，合计资金总额 "), line
    assert not _nested_brackets(line), line
