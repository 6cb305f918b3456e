"""The upload page in a real browser (headless Debian chromium) against a real `xlmon serve`.

The page is what WPS users and anyone without the add-in rely on, so it is driven the way a
person would: choose files, press 校验 or 汇总, read the results, download the workbooks.
XLMON_SCREENSHOT=1 also saves docs/img/web-page.png for the README.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import httpx2
import openpyxl
import pytest
from conftest import ROOT, require_tool
from playwright.sync_api import Page, expect, sync_playwright
from xlmon.file_errors import others_note

pytest_plugins = ("server_process",)

TIMEOUT_MS = 60_000
SCREENSHOT = ROOT / "docs" / "img" / "web-page.png"


@pytest.fixture(scope="module")
def browser():
    chromium = require_tool("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """Factory: a fresh browser tab on a server's page, once the page has read /api/info."""
    contexts = []

    def open_(url: str) -> Page:
        context = browser.new_context(accept_downloads=True, locale="zh-CN",
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(url + "/")
        expect(page.locator("body[data-ready=true]")).to_have_count(1)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def task_pane_consolidate(browser, xlmon_server):
    """Factory: 汇总 in the add-in's task pane outside Excel (office.js answers onReady with no host) of the
    chosen files; the summary's download and the pane's status line."""
    contexts = []

    def consolidate(files: list[Path] | Path):
        context = browser.new_context(accept_downloads=True, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.goto(xlmon_server().url + "/taskpane.html")
        if isinstance(files, Path):  # a folder
            page.set_input_files("#folder", str(files))
        else:
            page.set_input_files("#files", [str(p) for p in files])
        with page.expect_download() as info:
            page.click("#consolidate")
        return info.value, page.locator("#status")

    yield consolidate
    for context in contexts:
        context.close()


def download(page: Page, selector: str, tmp_path: Path) -> tuple[str, openpyxl.Workbook]:
    with page.expect_download() as info:
        page.click(selector)
    d = info.value
    target = tmp_path / d.suggested_filename
    d.save_as(target)
    return d.suggested_filename, openpyxl.load_workbook(io.BytesIO(target.read_bytes()))


def test_the_page_says_the_grading_rules_of_the_servers_profile(open_page, xlmon_server, tmp_path_factory):
    """The page states how it grades 支出进度: by the built-in profile, or by the one `xlmon serve --profile` was given,
    milestones too."""
    expect(open_page(xlmon_server().url).locator("#rules")).to_have_text(
        "评级：支出进度落后时间进度≤10个百分点为绿灯，≤20个百分点为黄灯，其余为红灯。")
    city = tmp_path_factory.mktemp("profile") / "本市规则.toml"
    city.write_text("[funding]\ngreen_max_gap = 0.05\nyellow_max_gap = 0.15\nuse_milestones = true\n"
                    "milestones = { 9 = 0.75, 6 = 0.5 }\n", encoding="utf-8")
    expect(open_page(xlmon_server("--profile", str(city)).url).locator("#rules")).to_have_text(
        "评级：支出进度落后时间进度≤5个百分点为绿灯，≤15个百分点为黄灯，其余为红灯；"
        "支出进度未达6月末50%、9月末75%的至少为黄灯，低于其15个百分点以上的为红灯。")


def test_check_shows_diagnostics_and_downloads_the_annotated_copy(open_page, xlmon_server, demo_folder,
                                                                  tmp_path):
    page = open_page(xlmon_server().url)
    expect(page).to_have_title("预算绩效运行监控 · 在线校验与汇总")
    expect(page.locator("#limits")).to_contain_text("MB")
    expect(page.locator("#token-row")).to_be_hidden()
    page.set_input_files("#files", str(demo_folder / "某市第二中学.xlsx"))
    expect(page.locator("#file-list li")).to_have_count(1)
    page.click("#check-button")

    expect(page.locator("#check-result")).to_be_visible()
    expect(page.locator("#check-files")).to_contain_text("某市第二中学.xlsx")
    rows = page.locator("#diagnostics-body tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#diagnostics-body td.code", has_text="N001")).not_to_have_count(0)
    expect(page.locator("#diagnostics-body td.sev-error").first).to_have_text("错误")
    assert set(page.locator("#diagnostics-body td[class^=sev-]").all_text_contents()) <= {"错误", "警告", "提示"}
    expect(page.locator("#alert")).to_be_hidden()
    expect(page.locator("#check-button")).to_be_enabled()

    name, book = download(page, "#annotated-0", tmp_path)
    assert name == "某市第二中学_校验.xlsx"
    assert "校验结果" in book.sheetnames

    if os.environ.get("XLMON_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_consolidate_shows_totals_and_downloads_the_summary(open_page, xlmon_server, demo_folder, tmp_path):
    server = xlmon_server()
    units = sorted(demo_folder.glob("*.xlsx"))
    assert len(units) >= 3
    corrupt = tmp_path / "损坏的报表.xlsx"
    corrupt.write_bytes(os.urandom(2048))
    files = [str(p) for p in [*units, corrupt]]
    page = open_page(server.url)
    page.set_input_files("#files", files)
    expect(page.locator("#file-list li")).to_have_count(len(files))
    page.click("#consolidate-button")

    expect(page.locator("#consolidate-result")).to_be_visible()
    api = httpx2.post(server.url + "/api/consolidate", timeout=120,
                     files=[("files", (p.name, p.read_bytes())) for p in units]).json()
    expect(page.locator("#summary-counts")).to_contain_text(f"{api['units']} 个单位，{api['projects']} 个项目")
    expect(page.locator("#summary-period")).to_contain_text(f"{api['period']['year']} 年 1-{api['period']['months']} 月")
    expect(page.locator("#totals-row")).to_contain_text("资金总额")
    expect(page.locator("#totals-row")).to_contain_text(f"{api['totals']['subtotal']:,.2f}")
    expect(page.locator("#totals-row")).to_contain_text(f"{api['totals']['spend_progress'] * 100:.2f}%")
    for grade in ("red", "yellow", "green"):
        expect(page.locator(f"#grade-{grade}")).to_have_text(str(api["grades"][grade]))
    expect(page.locator("#rejected-list")).to_contain_text("损坏的报表.xlsx")

    name, book = download(page, "#summary-download", tmp_path)
    assert name == "部门汇总.xlsx"
    assert "汇总表" in book.sheetnames


def test_roster_lists_the_units_that_did_not_report(open_page, xlmon_server, demo_folder, tmp_path):
    from docx import Document

    units = sorted(demo_folder.glob("*.xlsx"))
    roster = tmp_path / "应报送单位名单.csv"
    roster.write_bytes("\r\n".join(["单位名称", *(p.stem for p in units), "某市未报送学校"]).encode("gbk"))
    page = open_page(xlmon_server().url)
    page.set_input_files("#files", [str(p) for p in units[1:]])
    page.set_input_files("#roster", str(roster))
    expect(page.locator("#roster-name")).to_contain_text("应报送单位名单.csv")
    page.click("#consolidate-button")

    notes = page.locator("#summary-notes-list")
    expect(notes).to_contain_text(f"应报送 {len(units) + 1} 个单位")
    expect(notes).to_contain_text(f"未报送 2 个：{units[0].stem}、某市未报送学校")
    expect(page.locator("#status")).to_contain_text("未报送 2 个单位")
    expect(page.locator("#rejected")).to_be_hidden()  # the roster is no unit's file
    page.click("#report-button")  # the report names them too
    with page.expect_download() as info:
        page.click("#report-download")
    info.value.save_as(tmp_path / "报告.docx")
    text = "\n".join(p.text for p in Document(tmp_path / "报告.docx").paragraphs)
    assert f"应报送 {len(units) + 1} 个单位，未报送 2 个：{units[0].stem}、某市未报送学校。" in text

    page.click("#roster-clear")  # without it, 汇总 checks no roster
    expect(page.locator("#roster-clear")).to_be_hidden()
    page.click("#consolidate-button")
    expect(page.locator("#status")).to_contain_text("汇总完成")
    expect(page.locator("#status")).not_to_contain_text("未报送")
    expect(page.locator("#summary-notes")).to_be_hidden()

    page.set_input_files("#files", str(roster))  # a roster chosen with the units' files is taken as the roster
    expect(page.locator("#roster-name")).to_contain_text("应报送单位名单.csv")
    expect(page.locator("#alert")).to_be_hidden()
    expect(page.locator("#file-list li")).to_have_count(len(units) - 1)


def test_earlier_summary_carries_the_department_form(open_page, xlmon_server, demo_folder, tmp_path):
    """The department chooses its earlier summary, whose 部门整体 it completed: the new summary carries that
    form, and the page says so; a file that is no such summary is refused, named as the user called it."""
    from test_consolidate import complete_department_form, overall_form
    from xlmon.consolidate.run import consolidate

    units = sorted(demo_folder.glob("*.xlsx"))
    earlier = tmp_path / "5月的部门汇总.xlsx"
    consolidate(units, earlier, workers=1)
    complete_department_form(earlier, forecast=500)
    page = open_page(xlmon_server().url)
    page.set_input_files("#files", [str(p) for p in units])
    page.set_input_files("#earlier", str(earlier))
    expect(page.locator("#earlier-name")).to_contain_text("5月的部门汇总.xlsx")
    page.click("#consolidate-button")
    notes = page.locator("#summary-notes-list")
    expect(notes).to_contain_text("部门整体：部门在该汇总表中填写的部门整体表已带入新的汇总表“部门汇总.xlsx”")
    expect(page.locator("#summary-diagnostics-body")).to_contain_text("5月的部门汇总.xlsx")
    name, _ = download(page, "#summary-download", tmp_path / "got")
    assert [i.level3 for i in overall_form(tmp_path / "got" / name).indicators] == ["资助学生人数"]

    # chosen among the units' files, an earlier summary annotated beside its tables: the page says what stays there
    book = openpyxl.load_workbook(earlier)
    book["校验问题"]["G1"], book["校验问题"]["G2"] = "处理情况", "已更正"
    book.save(earlier)
    page.click("#earlier-clear")
    page.set_input_files("#files", [str(p) for p in (*units, earlier)])
    page.click("#consolidate-button")
    expect(notes).to_contain_text("部门在上次的汇总表中增加的 1 列（校验问题“处理情况”）已按行带入新的汇总表")

    page.set_input_files("#earlier", str(units[0]))  # a unit's file is no summary
    page.click("#consolidate-button")
    expect(page.locator("#alert")).to_contain_text(f"上次的部门汇总：“{units[0].name}”不是 xlmon 生成的汇总表")


def test_task_pane_consolidates_with_the_roster_chosen_among_the_files(task_pane_consolidate, demo_folder, tmp_path):
    """The add-in's task pane outside Excel (office.js answers onReady with no host): 汇总 of the units'
    files with a 名单.csv chosen among them, as it lies in their folder."""
    units = sorted(demo_folder.glob("*.xlsx"))
    roster = tmp_path / "单位名单.csv"
    roster.write_text("\n".join(["单位名称", *(p.stem for p in units), "某市未报送学校"]), encoding="utf-8-sig")
    got, status = task_pane_consolidate([*units, roster])
    assert got.suggested_filename == "部门汇总.xlsx"
    expect(status).to_contain_text(f"汇总完成：{len(units)} 个单位")
    expect(status).to_contain_text("按单位名单（单位名单.csv）核对：未报送 1 个，不在名单中 0 个，详见汇总表。")
    expect(status).to_contain_text("0 个文件未采用")


def test_task_pane_says_what_the_add_ins_alert_says_of_the_same_folder(task_pane_consolidate, demo_folder, tmp_path):
    """The status line was taskpane.js's own twin of the add-in's 汇总 alert and had drifted from it: of the roster it
    said 核对，未报送 1 个单位, where the alert counts the roster's units that sent a file that could not be taken
    (其中…) and the units not on it (不在名单中…). The pane now shows what the server writes as the alert is written:
    for the same folder, word for word but where the summary went."""
    from xlmon import entry_points as ep

    folder = tmp_path / "units"
    shutil.copytree(demo_folder, folder)
    units = sorted(folder.glob("*.xlsx"))
    (folder / "单位名单.csv").write_text("\n".join(["单位名称", *(p.stem for p in units[1:]), "某市未报送学校"]),
                                      encoding="utf-8-sig")
    shutil.copy2(units[1], folder / f"{units[1].stem} - 副本.xlsx")
    shutil.copy2(units[2], folder / f"{units[2].stem}.xlsb")
    (folder / "某市未报送学校监控表.pdf").write_bytes(b"%PDF-1.4")
    _, status = task_pane_consolidate(folder)
    alert, output = ep.summarise_folder(folder)
    assert "核对：未报送 1 个（其中 1 个报送的文件未能纳入），不在名单中 1 个" in alert and ".xlsb：" in alert
    assert "重复报送的文件 1 个" in alert and "某市未报送学校监控表.pdf" in alert
    expect(status).to_have_text(alert.replace(f"汇总表已保存为 {output}", f"汇总表已下载为 {output.name}"))


def test_task_pane_counts_what_was_sent_twice_as_the_alert_does(task_pane_consolidate, demo_folder, tmp_path):
    """A unit's file chosen twice, once as its copy: the status line said 1 个文件未采用 and nothing of the forms
    counted once; it counts them as the add-in's alert does (entry_points.summarise_folder)."""
    from xlmon import entry_points as ep

    folder = tmp_path / "units"
    shutil.copytree(demo_folder, folder)
    several = max(folder.glob("*.xlsx"), key=lambda p: len(openpyxl.load_workbook(p, read_only=True).sheetnames))
    shutil.copy2(several, folder / f"{several.stem} - 副本.xlsx")
    _, status = task_pane_consolidate(sorted(folder.glob("*.xlsx")))
    expect(status).to_contain_text("1 个文件未采用")
    alert, _ = ep.summarise_folder(folder)
    said = alert[alert.index("重复报送的"):].split("。")[0] + "。"
    assert said.startswith("重复报送的文件 1 个，均只计入一次")
    expect(status).to_contain_text(said)


def test_task_pane_carries_the_earlier_summary_chosen_with_the_files(task_pane_consolidate, demo_folder, tmp_path):
    """The task pane has one file field: the department chooses every file of its folder, last time's summary
    (部门整体 completed) included. That summary is not counted again, and the pane names it and why, as the
    add-in's alert and the web page do; its 部门整体 is carried, the pane says so, and the new summary downloads
    under a name of its own."""
    from test_consolidate import complete_department_form, overall_form
    from xlmon.consolidate.run import consolidate

    units = sorted(demo_folder.glob("*.xlsx"))
    earlier = tmp_path / "部门汇总.xlsx"
    consolidate(units, earlier, workers=1)
    complete_department_form(earlier, forecast=500)
    book = openpyxl.load_workbook(earlier)
    book["重点监控建议"]["H3"], book["重点监控建议"]["H4"] = "审核意见", "同意"  # beside the draft: not carried
    book.save(earlier)
    got, status = task_pane_consolidate([*units, earlier])
    assert got.suggested_filename == "部门汇总（2）.xlsx"
    expect(status).to_contain_text(f"汇总完成：{len(units)} 个单位")
    expect(status).to_contain_text("1 个文件未采用")
    expect(status).to_contain_text("未采用的文件如下。部门汇总.xlsx：xlmon 生成的汇总文件，汇总的正是一同选择的单位文件，已跳过。")
    expect(status).to_contain_text("部门汇总.xlsx：部门在该汇总表中填写的部门整体表已带入新的汇总表“部门汇总（2）.xlsx”")
    expect(status).to_contain_text("部门在上次的汇总表中增加的 1 列（重点监控建议“审核意见”）已按行带入新的汇总表")
    got.save_as(tmp_path / "got.xlsx")
    assert [i.level3 for i in overall_form(tmp_path / "got.xlsx").indicators] == ["资助学生人数"]


def test_task_pane_consolidates_a_folder_with_files_of_one_name(task_pane_consolidate, demo_folder, tmp_path):
    """A folder chosen in the task pane: units' files of one name kept apart by their folders; the roster's unit
    whose form lies in a sub-folder as a PDF, not sent but named, said to have sent a file that could not be read,
    as `xlmon consolidate` of the folder says."""
    units = sorted(demo_folder.glob("*.xlsx"))
    folder = tmp_path / "教育局"
    for sub, unit in (("一科", units[0]), ("二科", units[1])):
        (folder / sub).mkdir(parents=True)
        shutil.copy(unit, folder / sub / "监控表.xlsx")
    shutil.copy(units[2], folder / "一科" / "~$监控表.xlsx")
    shutil.copy(units[3], folder / "另存为模板.xltx")  # a filled form saved as a template
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    (folder / "单位名单.csv").write_bytes("单位名称\r\n某市未报送学校\r\n".encode("gbk"))
    (folder / "二科" / "某市未报送学校监控表.pdf").write_bytes(b"%PDF-1.4")
    got, status = task_pane_consolidate(folder)
    expect(status).to_contain_text("汇总完成：3 个单位")
    expect(status).to_contain_text("0 个文件未采用")
    expect(status).to_contain_text("按单位名单（单位名单.csv）核对：未报送 1 个（其中 1 个报送的文件未能纳入），不在名单中 3 个")
    got.save_as(tmp_path / "got.xlsx")
    listed = [row[0] for row in openpyxl.load_workbook(tmp_path / "got.xlsx")["文件清单"].iter_rows(
        min_row=2, values_only=True) if row[0]]
    assert {"一科/监控表.xlsx", "二科/监控表.xlsx", "另存为模板.xltx"} <= set(listed), listed
    note = openpyxl.load_workbook(tmp_path / "got.xlsx")["汇总表"]["A2"].value
    assert "未报送 1 个：某市未报送学校（其中 1 个报送的文件未能纳入）" in note, note
    cli = xlmon_cli_totals(folder, tmp_path / "cli.xlsx")
    assert [d["message"] for d in cli["diagnostics"] if d["code"] == "K003"] == [
        "名单中的单位“某市未报送学校”报送的文件 某市未报送学校监控表.pdf 未能纳入汇总。"]
    expect(status).to_contain_text(others_note(cli["other_files"]))  # the PDF, named as the command line names it


def test_server_error_is_shown_in_the_alert(open_page, xlmon_server):
    page = open_page(xlmon_server().url)
    page.set_input_files("#files", {"name": "损坏的报表.xlsx", "mimeType": "application/octet-stream",
                                    "buffer": os.urandom(4096)})
    page.click("#check-button")
    alert = page.locator("#alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("损坏的报表.xlsx")
    expect(page.locator("#check-result")).to_be_hidden()
    expect(page.locator("#check-button")).to_be_enabled()


def test_token_field_is_shown_and_used(open_page, xlmon_server, demo_folder):
    token = "page-token-42"
    page = open_page(xlmon_server(XLMON_TOKEN=token).url)
    expect(page.locator("#token-row")).to_be_visible()
    page.fill("#token", "")
    page.set_input_files("#files", str(demo_folder / "某市第一中学.xlsx"))
    page.click("#check-button")
    expect(page.locator("#alert")).to_contain_text("访问令牌")

    page.fill("#token", token)
    page.click("#check-button")
    expect(page.locator("#check-result")).to_be_visible()
    expect(page.locator("#alert")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('xlmon-token')") == token


def test_dropped_files_are_added_and_others_refused(open_page, xlmon_server):
    page = open_page(xlmon_server().url)
    transfer = page.evaluate_handle("""() => {
        const t = new DataTransfer();
        t.items.add(new File([new Uint8Array([80, 75, 3, 4])], "拖入的报表.xlsx"));
        t.items.add(new File(["x"], "说明.docx"));
        return t;
    }""")
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    expect(page.locator("#file-list li")).to_have_count(1)
    expect(page.locator("#file-list")).to_contain_text("拖入的报表.xlsx")
    expect(page.locator("#alert")).to_contain_text("说明.docx")
    page.click("#clear-button")
    expect(page.locator("#file-list li")).to_have_count(0)


def test_report_downloads_the_draft_and_replaces_earlier_results(open_page, xlmon_server, demo_folder, tmp_path):
    from docx import Document

    page = open_page(xlmon_server().url)
    page.set_input_files("#files", str(demo_folder / "某市第二中学.xlsx"))
    page.click("#check-button")
    expect(page.locator("#check-result")).to_be_visible()
    page.click("#report-button")
    expect(page.locator("#report-result")).to_be_visible()
    expect(page.locator("#check-result")).to_be_hidden()
    with page.expect_download() as info:
        page.click("#report-download")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "某市第二中学_分析报告.docx"
    text = "\n".join(p.text for p in Document(target).paragraphs)
    assert "五、其他需要说明的事项" in text and "【待填写" in text


def test_an_xls_is_checked_and_said_to_need_xlsx_for_a_marked_copy(open_page, xlmon_server, demo_folder, tmp_path,
                                                                     soffice):
    from conftest import libreoffice_convert

    [xls] = libreoffice_convert(soffice, [demo_folder / "某市第二中学.xlsx"], tmp_path / "xls", "xls:MS Excel 97")
    page = open_page(xlmon_server().url)
    page.set_input_files("#files", str(xls))
    expect(page.locator("#file-list")).to_contain_text("某市第二中学.xls")
    page.click("#check-button")
    expect(page.locator("#check-result")).to_be_visible()
    expect(page.locator("#diagnostics-body td.code", has_text="N001")).not_to_have_count(0)
    expect(page.locator("#alert")).to_be_hidden()
    expect(page.locator("#check-downloads a")).to_have_count(0)
    expect(page.locator("#check-downloads")).to_contain_text("未生成标注副本：“某市第二中学.xls”是 Excel 97-2003 格式")
    expect(page.locator("#check-downloads")).to_contain_text("另存为")


def test_a_folder_is_chosen_whole_and_files_of_one_name_are_kept_apart(open_page, xlmon_server, demo_folder,
                                                                       tmp_path):
    """Units' files often share a name (every 科 sends 监控表.xlsx): chosen with their folder, each is kept, and the
    summary names them by their folders, as `xlmon consolidate` of that folder does."""
    import shutil

    units = sorted(demo_folder.glob("*.xlsx"))
    folder = tmp_path / "教育局"
    for sub, unit in (("一科", units[0]), ("二科", units[1])):
        (folder / sub).mkdir(parents=True)
        shutil.copy(unit, folder / sub / "监控表.xlsx")
    shutil.copy(units[2], folder / "~$监控表.xlsx")  # Excel's lock file beside an open workbook
    shutil.copy(units[3], folder / "另存为模板.xltx")  # a filled form saved as a template: a workbook all the same
    (folder / "说明.docx").write_bytes(b"PK\x03\x04")
    (folder / "旧表.xlsb").write_bytes(b"PK\x03\x04")  # sent too: the server says to save it as .xlsx
    (folder / "旧表.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))  # sent: the server names it
    (folder / "应报送单位名单.csv").write_bytes("单位名称\r\n某市未报送学校\r\n".encode("gbk"))
    with zipfile.ZipFile(folder / "一科材料.zip", "w") as z:  # unpacked into 一科 already
        z.write(folder / "一科" / "监控表.xlsx", "一科/监控表.xlsx")
    page = open_page(xlmon_server().url)
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#file-list li")).to_have_count(6)
    expect(page.locator("#file-list")).to_contain_text("另存为模板.xltx")
    expect(page.locator("#file-list")).to_contain_text("一科/监控表.xlsx")
    expect(page.locator("#file-list")).to_contain_text("二科/监控表.xlsx")
    expect(page.locator("#status")).to_contain_text("另有 1 个不是工作簿的文件")
    expect(page.locator("#alert")).to_be_hidden()
    expect(page.locator("#roster-name")).to_contain_text("应报送单位名单.csv")
    page.click("#consolidate-button")
    expect(page.locator("#consolidate-result")).to_be_visible()
    expect(page.locator("#summary-notes-list")).to_contain_text("未报送 1 个：某市未报送学校")
    expect(page.locator("#rejected-list")).to_contain_text("旧表.et")
    expect(page.locator("#rejected-list")).to_contain_text("旧表.xlsb：文件不是 xlmon 能读取的 Excel 工作簿")
    expect(page.locator("#rejected-list")).to_contain_text("一科材料.zip")  # F015, as `xlmon consolidate` says
    expect(page.locator("#rejected-list")).to_contain_text("已在本次的文件中，内容相同")
    _, book = download(page, "#summary-download", tmp_path)
    listed = [row[0] for row in book["文件清单"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert {"一科/监控表.xlsx", "二科/监控表.xlsx", "另存为模板.xltx"} <= set(listed), listed
    direct = xlmon_cli_totals(folder, tmp_path / "cli.xlsx")
    expect(page.locator("#totals-row")).to_contain_text(f"{direct['totals']['subtotal']:,.2f}")


def test_a_roster_found_in_the_folder_is_taken_as_the_command_line_takes_it(open_page, xlmon_server, demo_folder,
                                                                              tmp_path):
    """A 名单.csv lying in the chosen folder is the folder's roster, not one chosen in the roster field: one with
    no names is a note and the summary is still made (it was refused whole), and two are a note naming both
    (one was used in silence), as `xlmon consolidate FOLDER` says."""
    units = sorted(demo_folder.glob("*.xlsx"))[:2]
    for case, rosters in (("空", {"单位名单.csv": "单位名称\r\n"}),
                          ("两份", {"单位名单.csv": "单位名称\r\n某市未报送学校\r\n", "新名单.csv": "单位名称\r\n甲\r\n"})):
        folder = tmp_path / case / "教育局"
        folder.mkdir(parents=True)
        for unit in units:
            shutil.copy(unit, folder / unit.name)
        for name, text in rosters.items():
            (folder / name).write_bytes(text.encode("gbk"))
        page = open_page(xlmon_server().url)
        page.set_input_files("#folder", str(folder))
        page.click("#consolidate-button")
        expect(page.locator("#consolidate-result")).to_be_visible()
        notes = page.locator("#summary-notes-list")
        expect(notes).to_contain_text("没有找到单位名称" if case == "空" else "2 个名单文件")
        cli = xlmon_cli_totals(folder, tmp_path / case / "cli.xlsx")
        expect(page.locator("#totals-row")).to_contain_text(f"{cli['totals']['subtotal']:,.2f}")


def xlmon_cli_text(folder: Path, out: Path) -> str:
    """What `xlmon consolidate` prints of the folder."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "xlmon", "consolidate", str(folder), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def xlmon_cli_totals(folder: Path, out: Path) -> dict:
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "xlmon", "consolidate", str(folder), "-o", str(out), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_files_of_one_name_chosen_one_after_another_are_both_kept(open_page, xlmon_server, demo_folder, tmp_path):
    """Every unit sends 监控表.xlsx: chosen from their folders one after another, the second replaced the first in
    silence and its unit was missing from the summary. Both are kept; choosing the same file again still replaces
    it."""
    units = sorted(demo_folder.glob("*.xlsx"))[:2]
    for sub, unit in zip(("一中", "二中"), units):
        (tmp_path / sub).mkdir()
        shutil.copy(unit, tmp_path / sub / "监控表.xlsx")
    page = open_page(xlmon_server().url)
    page.set_input_files("#files", str(tmp_path / "一中" / "监控表.xlsx"))
    page.set_input_files("#files", str(tmp_path / "二中" / "监控表.xlsx"))
    expect(page.locator("#status")).to_contain_text("“监控表.xlsx”已有同名文件，新选择的以“监控表（2）.xlsx”加入")
    page.set_input_files("#files", str(tmp_path / "一中" / "监控表.xlsx"))  # chosen again: no third copy
    expect(page.locator("#file-list li")).to_have_count(2)
    expect(page.locator("#file-list")).to_contain_text("监控表（2）.xlsx")
    page.click("#consolidate-button")
    expect(page.locator("#consolidate-result")).to_be_visible()
    both = xlmon_cli_totals(tmp_path, tmp_path / "cli.xlsx")
    expect(page.locator("#summary-counts")).to_contain_text(f"{both['units']} 个单位，{both['projects']} 个项目")


def test_a_bureaus_summary_counts_its_departments_on_the_page_and_in_the_task_pane(task_pane_consolidate, open_page,
                                                                                 xlmon_server, tmp_path):
    """The units' files of two departments: the command line says 主管部门 2 个; the page and the task pane said
    only 4 个单位, as if one department had sent them."""
    from test_consolidate import write_form

    folder = tmp_path / "局"
    folder.mkdir()
    for unit, department in (("一中", "某市教育局（101001）"), ("二中", "某市教育局（101001）"),
                             ("一院", "某市卫生健康委员会（102001）"), ("二院", "某市卫生健康委员会（102001）")):
        write_form(folder / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=department)
    _, status = task_pane_consolidate(folder)
    expect(status).to_contain_text("汇总完成：2 个主管部门、4 个单位，4 个项目，0 个文件未采用，汇总表已下载为 部门汇总.xlsx。")
    page = open_page(xlmon_server().url)
    page.set_input_files("#folder", str(folder))
    page.click("#consolidate-button")
    expect(page.locator("#summary-counts")).to_have_text("汇总了 4 个文件：2 个主管部门、4 个单位，4 个项目。")
    expect(page.locator("#status")).to_contain_text("汇总完成：2 个主管部门、4 个单位，4 个项目，0 个文件未采用")


def test_last_months_files_come_after_those_to_see_to(task_pane_consolidate, open_page, xlmon_server, tmp_path):
    """A folder kept for the year: everyone's 1-5月, and 1-6月 from three units of four. The task pane's status names
    the unit yet to send June, and counts the May files of the others as nothing to do (K018); the web page lists
    that unit's file first, theirs after it."""
    from test_consolidate import write_form

    folder = tmp_path / "全年"
    folder.mkdir()
    for unit in ("甲", "乙", "丙", "丁"):
        write_form(folder / f"{unit}5月.xlsx", unit=unit, project=f"{unit}项目", period="（2026年1-5月）")
    for unit in ("甲", "乙", "丙"):
        write_form(folder / f"{unit}6月.xlsx", unit=unit, project=f"{unit}项目")
    got, status = task_pane_consolidate(folder)
    expect(status).to_contain_text("汇总完成：3 个单位，3 个项目，4 个文件未采用，汇总表已下载为 部门汇总.xlsx。未采用的文件如下。"
                                   "丁5月.xlsx：表内期间（2026年1-5月）与多数单位（2026年1-6月）不一致。")
    expect(status).to_contain_text("另有 3 个文件是前期的表，本期的表已另行报送，无需处理。")
    page = open_page(xlmon_server().url)
    page.set_input_files("#folder", str(folder))
    page.click("#consolidate-button")
    listed = page.locator("#rejected-list li")
    expect(listed).to_have_count(4)
    expect(listed.first).to_contain_text("丁5月.xlsx：表内期间（2026年1-5月）")
    expect(listed.last).to_contain_text("本期的同一张表已另行报送（无需处理）")


def test_a_list_of_a_sections_units_in_its_sub_folder_is_not_shown_as_the_roster(open_page, xlmon_server, demo_folder,
                                                                                 tmp_path):
    """A 科 keeps the list of its own units in its sub-folder (一科/一科单位名单.csv): the page took it for the
    department's roster, found in the folder, though the server (as `xlmon consolidate FOLDER`) looks for the roster
    at the top of the folder only; it is one of the folder's other papers, not sent."""
    units = sorted(demo_folder.glob("*.xlsx"))[:2]
    folder = tmp_path / "教育局"
    (folder / "一科").mkdir(parents=True)
    for unit in units:
        shutil.copy(unit, folder / "一科" / unit.name)
    (folder / "一科" / "一科单位名单.csv").write_bytes("单位名称\r\n某市未报送学校\r\n".encode("gbk"))
    page = open_page(xlmon_server().url)
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#file-list li")).to_have_count(2)
    expect(page.locator("#status")).to_contain_text("另有 1 个不是工作簿的文件")
    expect(page.locator("#roster-name")).not_to_contain_text("名单.csv")
    page.click("#consolidate-button")
    expect(page.locator("#consolidate-result")).to_be_visible()
    expect(page.locator("#summary-notes-list")).not_to_contain_text("某市未报送学校")


def test_the_page_names_the_first_projects_sent_twice_and_counts_the_rest(open_page, xlmon_server, demo_folder,
                                                                          tmp_path):
    """Every unit's file sent twice (a copy of each beside it): the page's notes gave all the duplicates in one line,
    hundreds at a bureau. The first ten, as the command line and the report name them, and how many more: here one
    line a file (each of the demo's units sends several forms), the eleventh counted as a file. The page says what
    the command line prints under 重复, in one note, counted and a sentence each as the report says them."""
    folder = tmp_path / "教育局"
    folder.mkdir()
    for unit in sorted(demo_folder.glob("*.xlsx")):
        shutil.copy2(unit, folder / unit.name)
        shutil.copy2(unit, folder / f"复制 {unit.name}")
    out = xlmon_cli_text(folder, tmp_path / "cli.xlsx")
    *named, more = [line.removeprefix("  重复：") for line in out.splitlines() if line.startswith("  重复：")]
    assert len(named) == 10 and more.startswith("另有 1 个文件重复报送"), out
    page = open_page(xlmon_server().url)
    page.set_input_files("#folder", str(folder))
    page.click("#consolidate-button")
    expect(page.locator("#consolidate-result")).to_be_visible()
    said = [t for t in page.locator("#summary-notes-list li").all_text_contents() if t.startswith("重复报送")]
    assert said == [f"重复报送的文件 {len(list(demo_folder.glob('*.xlsx')))} 个，均只计入一次。" + "".join(f"{line}。" for line in named)
                    + "其余 1 个文件从略（逐个见汇总的“校验问题”）。"]  # as the report says them


def test_files_chosen_in_any_order_are_summarised_as_their_folder_is(open_page, xlmon_server, demo_folder, tmp_path):
    """A browser hands over a chosen folder's files in the order its file system lists them, and files chosen in
    batches in the order chosen; the server summarised them in that order, so the projects' rows, which of two
    identical copies was the one used and the department's name taken from the first file differed from the
    summary `xlmon consolidate` makes of the folder. The uploads are taken in the folder's order, whatever order
    they came in."""
    folder = tmp_path / "教育局"
    folder.mkdir()
    units = sorted(demo_folder.glob("*.xlsx"))[:3]
    for unit in units:
        shutil.copy2(unit, folder / unit.name)
    shutil.copy2(units[0], folder / f"复制 {units[0].name}")  # the same time: neither is the later
    page = open_page(xlmon_server().url)
    for path in sorted(folder.iterdir(), reverse=True):
        page.set_input_files("#files", str(path))
    page.click("#consolidate-button")
    expect(page.locator("#consolidate-result")).to_be_visible()
    cli = xlmon_cli_totals(folder, tmp_path / "cli.xlsx")
    expect(page.locator("#summary-notes-list")).to_contain_text("".join(f"{line}。" for line in cli["duplicates"]))
    _, book = download(page, "#summary-download", tmp_path / "web")
    rows = [list(row) for row in book["项目明细"].iter_rows(values_only=True)]
    assert rows == [list(row) for row in openpyxl.load_workbook(tmp_path / "cli.xlsx")["项目明细"].iter_rows(
        values_only=True)]


# The text fields the page last handed fetch (a body with files gives Chromium's request no post_data), and its files'
# field names and file names.
WATCH_FIELDS = """
window.xlmonFields = [];
const realFetch = window.fetch;
window.fetch = (url, options) => {
  if (options && options.body instanceof FormData) {
    const entries = Array.from(options.body.entries());
    window.xlmonFields.push({ url: String(url), fields: entries.filter(([, value]) => typeof value === "string"),
      files: entries.filter(([, value]) => typeof value !== "string").map(([key, value]) => [key, value.name]) });
  }
  return realFetch(url, options);
};
"""


def test_a_folders_files_no_workbook_are_named_to_consolidate_and_report(open_page, xlmon_server, demo_folder,
                                                                       tmp_path):
    """A unit that sent its form typed in Word or as a PDF: the page sends no such file, but names them (`others`)
    with 汇总 and 生成报告, from every folder chosen, so that the summary lists them as `xlmon consolidate` of the
    folder does; not with 校验, and not a lock file, a 科's list of its units or a file once 清空 is pressed."""
    units = sorted(demo_folder.glob("*.xlsx"))
    folder = tmp_path / "教育局"
    (folder / "一科").mkdir(parents=True)
    for unit in units[:2]:
        shutil.copy(unit, folder / unit.name)
    (folder / "某市第六中学监控表.docx").write_bytes(b"PK\x03\x04 a form typed in Word")
    (folder / "一科" / "某市第七中学监控表.pdf").write_bytes(b"%PDF-1.4")
    (folder / "一科" / "一科单位名单.csv").write_text("单位名称\n某市第一中学\n", "utf-8")
    (folder / "~$某市第六中学监控表.docx").write_bytes(b"\x06")
    second = tmp_path / "二科"
    second.mkdir()
    shutil.copy(units[2], second / units[2].name)
    (second / "某市第八中学监控表.pdf").write_bytes(b"%PDF-1.4")
    page = open_page(xlmon_server().url)
    page.add_init_script(WATCH_FIELDS)
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    page.set_input_files("#folder", str(folder))
    page.set_input_files("#folder", str(second))
    expect(page.locator("#status")).to_contain_text("另有 1 个不是工作簿的文件")

    def sent(button: str, result: str) -> dict:
        page.click(button)
        expect(page.locator(result)).to_be_visible()
        return dict(page.evaluate("window.xlmonFields.at(-1).fields"))

    named = ["某市第六中学监控表.docx", "一科/某市第七中学监控表.pdf", "某市第八中学监控表.pdf"]
    assert sorted(json.loads(sent("#report-button", "#report-result")["others"])) == sorted(named)
    assert "others" not in sent("#check-button", "#check-result")
    with page.expect_response(lambda r: r.url.endswith("/api/consolidate")) as answer:
        fields = sent("#consolidate-button", "#consolidate-result")
    assert sorted(json.loads(fields["others"])) == sorted(named)
    assert sorted(answer.value.json()["other_files"]) == sorted(named)
    notes = page.locator("#summary-notes-list")
    expect(notes).to_contain_text("文件夹中另有 3 个不是工作簿的文件，未读取：")  # as the command line says below it
    for name in named:
        expect(notes).to_contain_text(name)
    page.click("#clear-button")
    page.set_input_files("#files", str(units[0]))
    with page.expect_response(lambda r: r.url.endswith("/api/consolidate")) as answer:
        assert "others" not in sent("#consolidate-button", "#consolidate-result")
    assert answer.value.json()["other_files"] == []


def folder_with_an_xlsb(demo_folder: Path, tmp_path: Path) -> tuple[list[Path], Path]:
    """教育局 with two units' workbooks, an empty 二科 and 某市第六中学.xlsb: a unit's form sent as Excel's binary format."""
    units = sorted(demo_folder.glob("*.xlsx"))[:2]
    folder = tmp_path / "教育局"
    (folder / "二科").mkdir(parents=True)
    for unit in units:
        shutil.copy(unit, folder / unit.name)
    (folder / "某市第六中学.xlsb").write_bytes(b"PK\x03\x04 an Excel binary workbook")
    return units, folder


def test_a_folders_xlsb_ods_and_archives_are_sent_and_named_by_the_server(open_page, xlmon_server, demo_folder,
                                                                          tmp_path):
    """A roster's unit whose only file in the folder was 某市第六中学.xlsb: the page left it out (以下文件未加入：
    “某市第六中学.xlsb”不是 .xlsx / .xlsm / .xls 工作簿) and 汇总 said the unit had sent nothing (K003 没有报送监控表),
    where `xlmon consolidate` of the folder lists the file as rejected, saying to save it as .xlsx, and says the unit
    sent it (报送的文件 某市第六中学.xlsb 未能纳入汇总). The page sends a chosen folder's .xlsb, .ods, .rar and .7z, as it
    sends its zips, to 校验, 汇总 and 生成报告; one over the size limit is refused before sending, as a workbook is, and
    such a file chosen on its own is refused at once with what to do."""
    units, folder = folder_with_an_xlsb(demo_folder, tmp_path)
    (folder / "二科" / "某市第七中学.ods").write_bytes(b"PK\x03\x04 an OpenDocument spreadsheet")
    (folder / "某市第八中学.rar").write_bytes(b"Rar!\x1a\x07\x00")
    (folder / "某市第九中学.7z").write_bytes(b"7z\xbc\xaf\x27\x1c")
    with open(folder / "二科" / "某市第十中学.xlsb", "wb") as big:  # over the page's 20 MB a file
        big.truncate(21 * 2**20)
    names = [*(u.stem for u in units), "某市第六中学", "某市第七中学", "某市第八中学", "某市第九中学"]
    (folder / "应报送单位名单.csv").write_bytes(("单位名称\r\n" + "\r\n".join(names)).encode("gbk"))
    page = open_page(xlmon_server().url)
    page.add_init_script(WATCH_FIELDS)
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_have_count(1)
    page.set_input_files("#folder", str(folder))
    expect(page.locator("#alert")).to_have_text("以下文件未加入：“二科/某市第十中学.xlsb”超过单个文件 20 MB 的上限。")
    sent = ["二科/某市第七中学.ods", "某市第八中学.rar", "某市第九中学.7z", "某市第六中学.xlsb"]
    for name in sent:
        expect(page.locator("#file-list")).to_contain_text(name)

    def posted(button: str, result: str) -> list[str]:
        page.click(button)
        expect(page.locator(result)).to_be_visible()
        return [name for field, name in page.evaluate("window.xlmonFields.at(-1).files") if field == "files"]

    assert set(sent) <= set(posted("#check-button", "#check-result"))
    expect(page.locator("#check-files li", has_text="某市第六中学.xlsb")).to_contain_text("无法读取")
    assert set(sent) <= set(posted("#report-button", "#report-result"))
    with page.expect_response(lambda r: r.url.endswith("/api/consolidate")) as answer:
        assert set(sent) <= set(posted("#consolidate-button", "#consolidate-result"))
    result = answer.value.json()
    rejected = {f["path"]: f["reason"] for f in result["files"] if f["status"] == "rejected"}
    assert "另存为” .xlsx" in rejected["某市第六中学.xlsb"] and "另存为” .xlsx" in rejected["二科/某市第七中学.ods"]
    assert "RAR 压缩包" in rejected["某市第八中学.rar"] and "7z 压缩包" in rejected["某市第九中学.7z"]
    k003 = [d["message"] for d in result["diagnostics"] if d["code"] == "K003"]
    assert "名单中的单位“某市第六中学”报送的文件 某市第六中学.xlsb 未能纳入汇总。" in k003, k003
    assert not [m for m in k003 if "没有报送监控表" in m], k003
    expect(page.locator("#rejected-list")).to_contain_text("某市第六中学.xlsb：文件不是 xlmon 能读取的 Excel 工作簿")
    direct = xlmon_cli_totals(folder, tmp_path / "cli.xlsx")
    assert sorted(d["message"] for d in direct["diagnostics"] if d["code"] == "K003") == sorted(k003)

    page.click("#clear-button")
    page.set_input_files("#files", str(folder / "某市第六中学.xlsb"))
    expect(page.locator("#alert")).to_have_text(
        "以下文件未加入：“某市第六中学.xlsb”不是 .xlsx / .xlsm / .xls 工作簿，请另存为 .xlsx。")
    expect(page.locator("#file-list li")).to_have_count(0)


def test_the_task_pane_sends_a_folders_xlsb_and_archives_too(browser, xlmon_server, demo_folder, tmp_path):
    """The task pane's 汇总 of a folder sent its workbooks only: 某市第六中学.xlsb and a zip there were neither sent nor
    named (the server names no such file among `others`), so the summary listed neither and said the roster's unit
    had sent nothing (K003 没有报送监控表), where `xlmon consolidate` and the desktop add-in of the folder list both
    and say the unit sent that file. The pane sends them, as the page does; one over the server's limit for a file
    is named in the status line and not sent, where it made the whole 汇总 fail."""
    units, folder = folder_with_an_xlsb(demo_folder, tmp_path)
    with zipfile.ZipFile(folder / "一科材料.zip", "w") as z:  # unpacked beside it already: F015
        z.write(folder / units[0].name, units[0].name)
    with open(folder / "二科" / "某市第十中学.xlsb", "wb") as big:
        big.truncate(21 * 2**20)
    names = [*(u.stem for u in units), "某市第六中学"]
    (folder / "应报送单位名单.csv").write_bytes(("单位名称\r\n" + "\r\n".join(names)).encode("gbk"))
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(xlmon_server().url + "/taskpane.html")
        page.set_input_files("#folder", str(folder))
        expect(page.locator("#status")).to_have_text(
            "已选择文件夹中的 5 个文件。以下文件未加入：“二科/某市第十中学.xlsb”超过单个文件 20 MB 的上限。")
        with page.expect_download() as info:
            page.click("#consolidate")
        status = page.locator("#status")
        expect(status).to_contain_text("未采用的文件如下。")
        expect(status).to_contain_text("某市第六中学.xlsb：文件不是 xlmon 能读取的 Excel 工作簿")
        expect(status).to_contain_text("一科材料.zip：")
        expect(status).to_contain_text("核对：未报送 1 个（其中 1 个报送的文件未能纳入）")  # what it sent, named in the summary (K003)
        info.value.save_as(tmp_path / "pane.xlsx")
    finally:
        context.close()
    book = openpyxl.load_workbook(tmp_path / "pane.xlsx")
    listed = [row[0] for row in book["文件清单"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert {"某市第六中学.xlsb", "一科材料.zip"} <= set(listed), listed
    text = "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "名单中的单位“某市第六中学”报送的文件 某市第六中学.xlsb 未能纳入汇总" in text
    assert "没有报送监控表" not in text


def test_too_many_files_or_too_much_is_refused_before_anything_is_sent(open_page, xlmon_server, demo_folder, tmp_path):
    """Over the server's limits the page sent everything and the server refused it (HTTP 413) without a word of what
    to do; a roster found among the files counted for the server but not for the page. The page refuses at once,
    counting what it would send, and says to sum the department in parts; what is within the limits is sent."""
    units = sorted(demo_folder.glob("*.xlsx"))[:3]
    folder = tmp_path / "教育局"
    folder.mkdir()
    for unit in units[:2]:
        shutil.copy(unit, folder / unit.name)
    (folder / "单位名单.csv").write_bytes("单位名称\r\n某市未报送学校\r\n".encode("gbk"))
    sizes = [unit.stat().st_size for unit in units]
    cases = (({"XLMON_MAX_FILES": "2"}, lambda page: page.set_input_files("#folder", str(folder)),
              "文件过多：一次最多 2 个，现在选择了 3 个。请分成几批分别汇总，再把各批的汇总表一起汇总。"),
             ({"XLMON_MAX_TOTAL_MB": f"{(sum(sizes) - 1) / 2**20:.6f}"},
              lambda page: page.set_input_files("#files", [str(u) for u in units]), "所选文件合计"))
    for env, choose, said in cases:
        page = open_page(xlmon_server(**env).url)
        page.add_init_script(WATCH_FIELDS)
        page.reload()
        expect(page.locator("body[data-ready=true]")).to_have_count(1)
        choose(page)
        page.click("#consolidate-button")
        expect(page.locator("#alert")).to_contain_text(said)
        expect(page.locator("#alert")).to_contain_text("请分成几批分别汇总")
        assert page.evaluate("window.xlmonFields") == [], env
        page.click("#check-button")  # 校验 sends no roster; the files within the limits are checked
        if "XLMON_MAX_FILES" in env:
            expect(page.locator("#check-result")).to_be_visible()
        else:
            expect(page.locator("#alert")).to_contain_text("请分批选择")
            page.click("#clear-button")
            page.set_input_files("#files", [str(u) for u in units[:2]])
            page.click("#consolidate-button")
            expect(page.locator("#consolidate-result")).to_be_visible()


def test_the_task_pane_keeps_to_the_servers_limits_for_files_chosen_one_by_one(browser, xlmon_server, demo_folder,
                                                                               tmp_path):
    """Files chosen one by one in the task pane were all sent: one over the limit for a file made the whole 汇总 fail
    (HTTP 413), as did too many files, with no word of what to do. The pane names the large file and leaves it out,
    as it does in a folder, and refuses too many files before sending them, saying to sum the department in parts."""
    units = sorted(demo_folder.glob("*.xlsx"))[:3]
    big = tmp_path / "某市第十中学.xlsx"
    with open(big, "wb") as f:
        f.truncate(21 * 2**20)
    context = browser.new_context(accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(xlmon_server().url + "/taskpane.html")
        page.set_input_files("#files", [str(u) for u in units[:2]] + [str(big)])
        status = page.locator("#status")
        expect(status).to_have_text("以下文件未加入：“某市第十中学.xlsx”超过单个文件 20 MB 的上限。")
        with page.expect_download():
            page.click("#consolidate")
        expect(status).to_contain_text("汇总完成：2 个单位")
        page.goto(xlmon_server(XLMON_MAX_FILES="2").url + "/taskpane.html")
        page.add_init_script(WATCH_FIELDS)
        page.reload()
        page.wait_for_load_state("networkidle")  # the server's limits read
        page.set_input_files("#files", [str(u) for u in units])
        page.click("#consolidate")
        expect(status).to_have_text("汇总失败：文件过多：一次最多 2 个，现在选择了 3 个。"
                                    "请分成几批分别汇总，再把各批的汇总表一起汇总。")
        assert page.evaluate("window.xlmonFields") == []
    finally:
        context.close()
