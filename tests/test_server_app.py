"""The server app in-process (FastAPI TestClient): the xlwings protocol, the add-in's pages, the APIs."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from payloads import actions_of, payload_from_file

from handmade import SAMPLE_FUNDING

from xlmon import demo, entry_points as ep
from xlmon.check import check_file
from xlmon.server import scripts
from xlmon.server.app import Settings, create_app
from xlmon.server.manifest import BUTTONS

HTTPS = "https://testserver"


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    return demo.build(tmp_path_factory.mktemp("dept"))


@pytest.fixture(scope="module")
def payload(department):
    return payload_from_file(department.paths[0], client="Office.js")


def test_custom_scripts_call_returns_what_the_entry_point_does(client, payload):
    response = client.post("/xlwings/custom-scripts-call/validate", json=payload)
    assert response.status_code == 200
    direct, _ = actions_of(payload, ep.validate)
    assert response.json()["actions"] == direct


@pytest.mark.parametrize("client_kind", ["VBA", "Office.js"])
def test_every_button_script_answers(client, department, client_kind):
    payload = payload_from_file(department.paths[0], client=client_kind)
    for b in BUTTONS:
        if b.script:
            response = client.post(f"/xlwings/custom-scripts-call/{b.script}", json=payload)
            assert response.status_code == 200, (b.script, response.text)
            assert any(a["func"] == "alert" for a in response.json()["actions"])


def test_scripts_module_has_a_script_per_button_and_nothing_else():
    from xlwings.server import custom_scripts_meta

    names = {m["function_name"] for m in custom_scripts_meta(scripts)}
    assert names == set(ep.BUTTONS) and {b.script for b in BUTTONS if b.script} <= names


@pytest.mark.parametrize("body, status, words", [
    (b"{not json", 400, "JSON"),
    (b'{"book": {}}', 400, "sheets"),
    (b'{"book": {"name": "a"}, "sheets": [{"name": "S", "values": "x"}]}', 400, "按行"),
    (b'[1, 2]', 400, "book"),
    (b'{"book": {"name": "a"}, "sheets": []}', 400, "没有工作表"),
])
def test_malformed_payloads_get_a_reason_and_the_server_goes_on(client, payload, body, status, words):
    response = client.post("/xlwings/custom-scripts-call/validate", content=body)
    assert response.status_code == status and words in response.json()["detail"]
    assert client.post("/xlwings/custom-scripts-call/validate", json=payload).status_code == 200


def test_a_payload_of_another_xlwings_version_is_refused_with_a_reason(client, payload):
    old = dict(payload, client="VBA", version="0.1.0")
    response = client.post("/xlwings/custom-scripts-call/validate", json=old)
    assert response.status_code == 400 and "无法读取工作簿数据" in response.json()["detail"]


def test_unknown_script_is_404(client, payload):
    response = client.post("/xlwings/custom-scripts-call/os_system", json=payload)
    assert response.status_code == 404 and "os_system" in response.json()["detail"]


def test_token_is_required_when_set(payload):
    guarded = TestClient(create_app(Settings(token="s3cret")), base_url=HTTPS)
    assert guarded.post("/xlwings/custom-scripts-call/validate", json=payload).status_code == 401
    assert guarded.post("/api/check", files=[("files", ("a.xlsx", b"x"))]).status_code == 401
    ok = guarded.post("/xlwings/custom-scripts-call/validate", json=payload, headers={"Authorization": "s3cret"})
    assert ok.status_code == 200
    bearer = guarded.post("/xlwings/custom-scripts-call/validate", json=payload,
                          headers={"Authorization": "Bearer s3cret"})
    assert bearer.status_code == 200
    assert guarded.get("/api/info").json()["token_required"] is True


def test_manifest_is_built_for_the_public_url_and_refused_over_plain_http():
    public = TestClient(create_app(Settings(public_url="https://xlmon.example.gov.cn/")))
    xml = public.get("/manifest.xml").text
    assert "https://xlmon.example.gov.cn/commands.html" in xml and "testserver" not in xml
    plain = TestClient(create_app(Settings()), base_url="http://192.168.1.20:8000")
    response = plain.get("/manifest.xml")
    assert response.status_code == 409 and "HTTPS" in response.json()["detail"]


def test_every_ribbon_function_is_associated_by_the_function_file(client):
    xml = client.get("/manifest.xml").text
    functions = set(re.findall(r"<FunctionName>(\w+)</FunctionName>", xml))
    assert functions == {b.function for b in BUTTONS if b.function}
    page = client.get("/commands.html").text
    assert "Office.actions.associate" in (Path(__file__).parents[1] / "src/xlmon/server/static/xlmon-addin.js").read_text()
    for b in BUTTONS:
        if b.function:
            assert f'"function": "{b.function}"' in page and f'"script": "{b.script}"' in page


def test_pages_load_the_installed_office_js_client(client):
    for url in ("/taskpane.html", "/commands.html"):
        page = client.get(url).text
        for src in re.findall(r'src="([^"]+)"', page):
            assert client.get(src).status_code == 200, src
        assert "/xlwings-static/js/custom-scripts/index.js" in page
        assert '"xlwingsVersion"' in page


def test_manifest_urls_resolve_on_the_server(client):
    xml = client.get("/manifest.xml").text
    for url in set(re.findall(r'DefaultValue="(https://testserver[^"]*)"', xml)):
        assert client.get(url.removeprefix(HTTPS)).status_code == 200, url


def test_alert_dialog_escapes_the_prompt(client):
    page = client.get("/xlwings/alert", params={"prompt": "<script>x</script>\n第二行", "title": "标题"}).text
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page and "<br>" in page


def test_check_api_gives_findings_and_an_annotated_workbook(client, department, tmp_path):
    import base64

    from openpyxl import load_workbook

    path = department.paths[0]
    response = client.post("/api/check", files=[("files", (path.name, path.read_bytes()))])
    assert response.status_code == 200
    body = response.json()
    assert body["files"][0]["path"] == path.name and body["files"][0]["diagnostics"]
    out = tmp_path / body["annotated"][0]["name"]
    out.write_bytes(base64.b64decode(body["annotated"][0]["data"]))
    assert "校验结果" in load_workbook(out).sheetnames


def test_a_marked_copy_the_servers_full_disk_refused_is_named_with_why_in_chinese(client, department, monkeypatch):
    """The server's disk filling while it writes a marked copy: the page showed 未生成标注副本：某单位.xlsx：[Errno 28]
    No space left on device. The check is done all the same; the copy not made is named with why, in Chinese."""
    import errno

    from openpyxl import Workbook

    def full(wb, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Workbook, "save", full)
    path = department.paths[0]
    body = client.post("/api/check", files=[("files", (path.name, path.read_bytes()))]).json()
    assert body["files"][0]["diagnostics"] and not body["annotated"]
    assert body["unmarked"] == [f"{path.name}：服务器无法保存标注副本（磁盘空间不足），请告知服务器管理员。"]


def test_check_api_leaves_out_the_roster_chosen_with_the_units_files_and_checks_one_sent_alone(client, department,
                                                                                                   tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for row in (["单位名称"], ["某市第一中学"], ["某市实验小学"]):
        book.active.append(row)
    roster = tmp_path / "2026年应报送单位名单.xlsx"
    book.save(roster)
    unit = department.paths[0]
    files = [("files", (unit.name, unit.read_bytes())), ("files", (roster.name, roster.read_bytes()))]
    body = client.post("/api/check", files=files).json()
    assert [f["path"] for f in body["files"]] == [unit.name]  # as `xlmon check` leaves it out of a folder
    assert [a["name"] for a in body["annotated"]] == [f"{unit.stem}_校验.xlsx"]
    alone = client.post("/api/check", files=[("files", (roster.name, roster.read_bytes()))]).json()
    assert [(f["path"], [d["code"] for d in f["diagnostics"]]) for f in alone["files"]] == [(roster.name, ["F007"])]


def test_check_api_takes_a_zip_unpacked_beside_its_workbooks_as_the_command_line_does(client, department):
    import io
    import zipfile

    unit = department.paths[0]
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.write(unit, unit.name)
    files = [("files", (unit.name, unit.read_bytes())), ("files", ("报送.zip", packed.getvalue()))]
    body = client.post("/api/check", files=files).json()
    [zipped] = [f for f in body["files"] if f["path"] == "报送.zip"]
    assert [(d["code"], d["severity"]) for d in zipped["diagnostics"]] == [("F015", "info")]
    other = department.paths[1]
    alone = client.post("/api/check", files=[files[1], ("files", (other.name, other.read_bytes()))]).json()
    assert [d["code"] for d in alone["files"][0]["diagnostics"]] == ["F009"]  # its workbook not among the files


def test_uploads_never_use_the_client_path(client, department, tmp_path, monkeypatch):
    path = department.paths[0]
    response = client.post("/api/check", files=[("files", ("../../etc/passwd.xlsx", path.read_bytes()))])
    assert response.status_code == 200 and response.json()["files"][0]["path"] == "passwd.xlsx"
    assert not Path("/etc/passwd.xlsx").exists()


def test_upload_limits(department):
    small = TestClient(create_app(Settings(max_file_mb=0.01, max_files=2)), base_url=HTTPS)
    path = department.paths[0]
    big = small.post("/api/check", files=[("files", (path.name, path.read_bytes()))])
    assert big.status_code == 413 and path.name in big.json()["detail"]
    many = small.post("/api/check", files=[("files", (f"{i}.xlsx", b"x")) for i in range(3)])
    assert many.status_code == 413 and "最多 2 个" in many.json()["detail"]
    none = small.post("/api/check", data={"x": "1"})
    assert none.status_code == 400
    broken = small.post("/api/check", content=b"--x\r\nnot multipart", headers={"content-type": "multipart/form-data"})
    assert broken.status_code == 400 and broken.json()["detail"] == "无法解析上传内容：请用 xlmon 网页或加载项上传 .xlsx 文件。"



@pytest.mark.parametrize("limits", [{"max_file_mb": 0.5}, {"max_total_mb": 0.5}])
def test_an_upload_refused_part_way_leaves_nothing_on_the_server(department, tmp_path, monkeypatch, limits):
    """A file over a limit after good ones is refused with nothing kept: the files saved before it stayed in the
    server's temporary folder, a department's forms left there each time."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    small = TestClient(create_app(Settings(**limits)), base_url=HTTPS)
    path = department.paths[0]
    big = small.post("/api/consolidate", files=[("files", (path.name, path.read_bytes())),
                                                ("files", ("大文件.xlsx", b"x" * 2**20))])
    assert big.status_code == 413 and "0.5 MB" in big.json()["detail"], big.text
    assert not list(tmp_path.iterdir())

def test_an_upload_of_too_many_files_closes_them(department):
    """Refused for its count, an upload's files were left open (a ResourceWarning each, and a temporary file held
    until the collector came by for one over 1 MB), where a refusal part way closed them."""
    import gc
    import warnings

    small = TestClient(create_app(Settings(max_files=2)), base_url=HTTPS)
    data = department.paths[0].read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        many = small.post("/api/check", files=[("files", (f"{i}.xlsx", data)) for i in range(3)])
        gc.collect()
    assert many.status_code == 413 and "最多 2 个" in many.json()["detail"]
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)], [str(w.message) for w in caught]

def test_corrupt_upload_is_422_naming_the_file(client):
    response = client.post("/api/check", files=[("files", ("坏文件.xlsx", b"PK\x03\x04 not really a zip"))])
    assert response.status_code == 422 and "坏文件.xlsx" in response.json()["detail"]


def test_consolidate_api_gives_the_summary_and_its_table(client, department):
    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    response = client.post("/api/consolidate", files=files)
    assert response.status_code == 200
    body = response.json()
    assert body["units"] == len(department.paths) and body["download"]["name"] == "部门汇总.xlsx"
    assert {f["path"] for f in body["files"]} == {p.name for p in department.paths}
    assert body["table"] and any("资金总额" in str(v) for row in body["table"] for v in row)
    # the task pane writes the table into the workbook with the summary's number formats (0.83… showed raw)
    total = next(i for i, row in enumerate(body["table"]) if row[0] == "资金总额")
    header = next(row for row in body["table"][:total] if row[0] == "资金来源")
    shown = dict(zip(header, body["table_formats"][total]))
    assert shown["本年预算"] == "#,##0.00" and shown["进度差（百分点）"] == "0.00"
    assert shown[next(h for h in header if str(h).endswith("下达率"))] == "0.00%" and shown["资金来源"] == "General"
    assert [len(r) for r in body["table_formats"]] == [len(r) for r in body["table"]]


def test_a_summary_or_report_the_servers_full_disk_refused_is_said_in_chinese(client, department, monkeypatch):
    """The server's disk filling while it writes the summary or the report: the page showed xlmon 服务器处理时出错
    （FileCreateError / OSError）…请告知技术支持, naming neither what failed nor why. It says so, in Chinese."""
    import errno

    from docx.document import Document

    from xlmon.consolidate.quick_xlsx import QuickWorkbook

    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(QuickWorkbook, "_store_workbook", full)
    monkeypatch.setattr(Document, "save", full)
    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    for route, what in (("/api/consolidate", "汇总表"), ("/api/report", "分析报告")):
        response = client.post(route, files=files)
        assert response.status_code == 500
        assert response.json() == {"detail": f"服务器无法保存{what}（磁盘空间不足），请告知服务器管理员。"}


def _roster_csv(names: list[str]) -> bytes:
    """A roster as WPS saves it on Chinese Windows: GBK, a title, a header and a 序号 column."""
    rows = ["2026年应报送单位名单,", "序号,单位名称", *(f"{i},{n}" for i, n in enumerate(names, 1))]
    return "\r\n".join(rows).encode("gbk")


def test_consolidate_api_checks_the_roster_sent_with_the_files(client, department):
    units = [u.name for u in department.department.units]
    files = [("files", (p.name, p.read_bytes())) for p in department.paths[1:]]
    files.append(("roster", ("应报送单位名单.csv", _roster_csv([*units, "某市未报送学校"]))))
    body = client.post("/api/consolidate", files=files).json()
    assert body["roster"] == {"name": "应报送单位名单.csv", "units": len(units) + 1, "listed": "单位"}
    assert body["missing_units"] == [units[0], "某市未报送学校"]
    assert body["unlisted_units"] == [] and body["roster_note"] == ""
    assert {f["path"] for f in body["files"]} == {p.name for p in department.paths[1:]}
    k003 = [d["message"] for d in body["diagnostics"] if d["code"] == "K003"]
    assert any("某市未报送学校" in m for m in k003)


def test_a_roster_among_the_uploaded_files_is_used_as_in_a_folder(client, department, tmp_path):
    import openpyxl

    units = [u.name for u in department.department.units]
    book = openpyxl.Workbook()
    for name in ["单位名称", *units[1:]]:
        book.active.append([name])
    book.save(tmp_path / "名单.xlsx")
    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    files.insert(1, ("files", ("单位名单.xlsx", (tmp_path / "名单.xlsx").read_bytes())))
    body = client.post("/api/consolidate", files=files).json()
    assert body["roster"] == {"name": "单位名单.xlsx", "units": len(units) - 1, "listed": "单位"}
    assert body["missing_units"] == [] and body["unlisted_units"] == [units[0]]
    assert "单位名单.xlsx" not in {f["path"] for f in body["files"]}  # not a unit's file rejected as no form


def test_a_roster_chosen_in_its_field_and_with_the_folder_is_no_units_file(client, department, tmp_path):
    """The folder chosen on the page holds 单位名单.xlsx, which the page sends with the units' workbooks, and the same
    file was chosen in the roster field: it was consolidated as a unit's file too, listed as rejected with the error
    F007 (no form in it), where --roster's file in an input folder is no unit's file."""
    import openpyxl

    units = [u.name for u in department.department.units]
    book = openpyxl.Workbook()
    for name in ["单位名称", *units]:
        book.active.append([name])
    book.save(tmp_path / "单位名单.xlsx")
    roster = ("单位名单.xlsx", (tmp_path / "单位名单.xlsx").read_bytes())
    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    body = client.post("/api/consolidate", files=[*files, ("files", roster), ("roster", roster)]).json()
    assert body["roster"] == {"name": "单位名单.xlsx", "units": len(units), "listed": "单位"}
    assert [f["path"] for f in body["files"]] == sorted(p.name for p in department.paths)  # the folder's order
    assert not [d for d in body["diagnostics"] if d["code"] == "F007"]


def test_a_list_of_units_in_a_sub_folder_is_not_the_departments_roster(client, department):
    """The folder chosen on the page holds 一科/一科单位名单.csv, a 科's list of its own units: the page took it for the
    department's roster, every unit of the other 科 不在名单中 (K004), where the add-in and the command line look for
    the roster at the top of the folder only. Two lists at the top are a note, as there, and neither is a unit's
    file (文件清单 listed them as rejected)."""
    units = [u.name for u in department.department.units]
    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    kept = ("files", ("一科/一科单位名单.csv", _roster_csv(units[:1])))
    body = client.post("/api/consolidate", files=[*files, kept]).json()
    assert body["roster"] is None and body["unlisted_units"] == [] and body["roster_note"] == ""
    assert [f["path"] for f in body["files"]] == sorted(p.name for p in department.paths)  # the folder's order
    two = [("files", (name, _roster_csv(units))) for name in ("单位名单.csv", "应报送单位名单.csv")]
    body = client.post("/api/consolidate", files=[*files, *two]).json()
    assert body["roster"] is None and "有 2 个名单文件" in body["roster_note"]
    assert [f["path"] for f in body["files"]] == sorted(p.name for p in department.paths)  # the folder's order


def test_an_unreadable_roster_is_refused_naming_it_and_one_among_the_files_is_a_note(client, department):
    files = [("files", (p.name, p.read_bytes())) for p in department.paths[:2]]
    sent = client.post("/api/consolidate", files=[*files, ("roster", ("名单.csv", b"1,2\r\n3,4\r\n"))])
    detail = sent.json()["detail"]
    assert sent.status_code == 422 and "名单.csv" in detail and "没有找到单位名称" in detail
    assert "roster" not in detail and "xlmon-upload" not in detail
    found = client.post("/api/consolidate", files=[*files, ("files", ("单位名单.csv", b"1,2\r\n"))]).json()
    assert found["roster"] is None and found["units"] == 2
    assert "单位名单.csv" in found["roster_note"] and "本次未核对单位名单" in found["roster_note"]
    assert "xlmon-upload" not in found["roster_note"]


def test_messages_name_the_uploaded_file_not_the_stored_one(client, department):
    response = client.post("/api/check", files=[("files", ("损坏的报表.xlsx", b"not a workbook at all"))])
    detail = response.json()["detail"]
    assert response.status_code == 422 and "损坏的报表.xlsx" in detail and "“1.xlsx”" not in detail
    files = [("files", (p.name, p.read_bytes())) for p in department.paths[:2]]
    files.append(("files", ("坏.xlsx", b"junk")))
    body = client.post("/api/consolidate", files=files).json()
    reason = next(f["reason"] for f in body["files"] if f["path"] == "坏.xlsx")
    assert "3.xlsx" not in reason


def _download(body: dict, folder: Path) -> Path:
    import base64

    path = folder / body["download"]["name"]
    path.write_bytes(base64.b64decode(body["download"]["data"]))
    return path


def test_the_downloaded_summary_names_the_files_as_uploaded(client, department, tmp_path):
    """The summary a department head downloads lists, links and cites the units' files by the names they were
    chosen under (a name chosen twice gets （2）), never by where the server stored them."""
    from openpyxl import load_workbook

    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    files.append(("files", (department.paths[0].name, department.paths[0].read_bytes())))  # the same file again
    body = client.post("/api/consolidate", files=files).json()
    names = [p.name for p in department.paths]
    again = f"{department.paths[0].stem}（2）.xlsx"
    assert [f["path"] for f in body["files"]] == sorted([*names, again])
    book = load_workbook(_download(body, tmp_path))
    assert [r[0] for r in book["文件清单"].iter_rows(min_row=2, values_only=True)] == sorted([*names, again])
    detail = book["项目明细"]
    links = {c.value: c.hyperlink.target for c in detail["W"][1:]}
    assert len(links) == len(names) and set(links) <= {*names, again}  # one of the two copies is used
    assert all(target == name for name, target in links.items())
    assert {r[0] for r in book["校验问题"].iter_rows(min_row=2, values_only=True)} <= {*names, again}
    assert all(r[12].split("!")[0] in {*names, again} for r in book["指标偏差"].iter_rows(min_row=2, values_only=True) if r[0])
    assert len([r for r in detail.iter_rows(min_row=2, values_only=True) if r[22] in (department.paths[0].name, again)])
    [twice] = body["duplicates"]  # the file chosen twice, said once as a file
    assert body["duplicate_files"] == 1 and twice.startswith((f"{again} 与 {department.paths[0].name} 内容完全相同",
                                                                f"{department.paths[0].name} 与 {again} 内容完全相同"))
    stored = [c.value for ws in book.worksheets if ws.sheet_state == "visible" for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and ("xlmon-upload" in c.value or "files/" in c.value)]
    assert stored == []


def test_last_times_summary_chosen_with_a_few_units_sent_again_is_brought_up_to_date(client, department, tmp_path):
    """Last month's summary chosen with two units' corrected files: every unit is in the new summary, the two
    from their files. It used to be skipped as a summary of the chosen units, leaving those two alone."""
    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    whole = client.post("/api/consolidate", files=units).json()
    summary = _download(whole, tmp_path)
    resent = department.paths[:2]
    body = client.post("/api/consolidate", files=[("files", (summary.name, summary.read_bytes())),
                                                  *[("files", (p.name, p.read_bytes())) for p in resent]]).json()
    assert body["units"] == whole["units"] and body["projects"] == whole["projects"]
    status = {f["path"]: f["status"] for f in body["files"]}
    assert status == {summary.name: "included", resent[0].name: "included", resent[1].name: "included"}
    forms = sum(f["forms"] for f in whole["files"] if f["path"] in {p.name for p in resent})  # said once, of the summary
    assert body["duplicates"] == [f"{summary.name} 中的 {forms} 张表，各单位也报送了本单位的文件，只计一次，采用单位报送的文件"]


def test_the_files_sent_twice_are_noted_as_the_command_line_says_them(client, department, tmp_path, capsys):
    """Every unit's file sent twice, more lines than are named: the page counted those beyond the first ten in its own
    JavaScript, a twin of the command line's sentence free to drift from it. The server writes the page's note: the
    lines the command line prints under 重复, in one note, counted and a sentence each as the report says them."""
    from xlmon.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    for path in department.paths:
        for name in (path.name, f"复制 {path.name}"):
            (folder / name).write_bytes(path.read_bytes())
    assert main(["consolidate", str(folder), "-o", str(tmp_path / "cli.xlsx")]) == 0
    printed = [line.removeprefix("  重复：") for line in capsys.readouterr().out.splitlines() if line.startswith("  重复：")]
    body = client.post("/api/consolidate", files=[("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
                       ).json()
    *named, more = printed
    assert named == body["duplicates"][:len(named)] and more.startswith("另有 ")  # the rest counted, not named
    # counted, then each named in a sentence of its own, as the report says them
    assert body["duplicates_note"] == (f"重复报送的文件 {len(department.paths)} 个，均只计入一次。"
                                       + "".join(f"{line}。" for line in named) + "其余 1 个文件从略（逐个见汇总的“校验问题”）。")


def test_of_two_uploaded_copies_the_one_modified_later_on_the_users_machine_counts(client, tmp_path):
    """The page sends each file's last-modified time; without them no copy passes for the later one by when
    the server happened to write it."""
    from test_consolidate import write_form

    funding = {k: list(v) for k, v in SAMPLE_FUNDING.items()}
    funding["资金总额"][5] = funding["中央财政资金"][5] = funding["中央财政资金"][5] + 10
    old = write_form(tmp_path / "一中.xlsx", unit="一中", project="校舍维修").read_bytes()
    new = write_form(tmp_path / "一中（更正）.xlsx", unit="一中", project="校舍维修", funding=funding).read_bytes()
    corrected = client.post("/api/consolidate", files=[("files", ("一中（更正）.xlsx", new))]).json()
    for order in ((("一中.xlsx", old, 1_780_000_000_000), ("一中（更正）.xlsx", new, 1_780_000_600_000)),
                  (("一中（更正）.xlsx", new, 1_780_000_600_000), ("一中.xlsx", old, 1_780_000_000_000))):
        body = client.post("/api/consolidate", files=[("files", (n, b)) for n, b, _ in order],
                           data={"modified": json.dumps([t for *_, t in order])}).json()
        assert body["totals"]["spent"] == corrected["totals"]["spent"]
        assert "采用 一中（更正）.xlsx!表1，因其文件修改时间较晚" in body["duplicates"][0]
    body = client.post("/api/consolidate", files=[("files", ("一中.xlsx", old)), ("files", ("一中（更正）.xlsx", new))]).json()
    assert "修改时间" not in body["duplicates"][0]  # no times sent: none is said to be later
    for garbage in ("不是 JSON", '{"a": 1}', '["x", null]', "[" * 100_000):  # as if none were sent, never a 500
        answer = client.post("/api/consolidate", files=[("files", ("一中.xlsx", old)), ("files", ("一中（更正）.xlsx", new))],
                             data={"modified": garbage})
        assert answer.status_code == 200 and "修改时间" not in answer.json()["duplicates"][0], (garbage[:10], answer.text)


def test_a_summary_made_on_the_page_and_sent_up_shows_no_server_paths(client, department, tmp_path):
    """The bureau uploads a department's summary made on the page: the findings it carries up named the files
    by where the server had stored them then (/tmp/xlmon-upload-…/files/…); they are named by their names."""
    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    summary = _download(client.post("/api/consolidate", files=units).json(), tmp_path)
    body = client.post("/api/consolidate", files=[("files", (summary.name, summary.read_bytes()))]).json()
    assert body["diagnostics"] and "xlmon-upload" not in json.dumps(body["diagnostics"], ensure_ascii=False)
    assert {d["file"] for d in body["diagnostics"] if d["code"].startswith("N")} <= {p.name for p in department.paths}


def test_the_earlier_summary_sent_in_its_field_is_named_as_the_user_named_it(client, department, tmp_path):
    """上次的部门汇总 chosen in its field: the new summary's 部门整体 note and 校验问题 named it overall_from.xlsx,
    the server's storage name."""
    from python_calamine import CalamineWorkbook
    from test_consolidate import complete_department_form

    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    earlier = _download(client.post("/api/consolidate", files=units).json(), tmp_path)
    named = earlier.rename(tmp_path / "6月部门汇总（已填写）.xlsx")
    complete_department_form(named, forecast=500)
    body = client.post("/api/consolidate", files=[*units, ("overall_from", (named.name, named.read_bytes()))]).json()
    assert body["carried"]["from"] == named.name
    (tmp_path / "new").mkdir()
    book = CalamineWorkbook.from_path(str(_download(body, tmp_path / "new")))
    texts = [v for sheet in book.sheet_names if sheet != "_xlmon_records"
             for row in book.get_sheet_by_name(sheet).to_python() for v in row if isinstance(v, str)]
    assert any(f"已从 {named.name} 带入" in t for t in texts) and not any("overall_from" in t for t in texts)


def test_an_earlier_summary_chosen_with_the_units_files_is_skipped_and_carried(client, department, tmp_path):
    """Choosing every file of the folder, last month's summary included, is how people use the task pane: that
    summary is not counted again, its completed 部门整体 is carried (the task pane has no field for it), and the
    new summary gets a name of its own; two completed summaries carry nothing and say why."""
    from test_consolidate import complete_department_form

    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    alone = client.post("/api/consolidate", files=units).json()
    first = _download(alone, tmp_path)
    untouched = first.read_bytes()
    complete_department_form(first, forecast=500)
    body = client.post("/api/consolidate", files=[*units, ("files", (first.name, first.read_bytes()))]).json()
    skipped = next(f for f in body["files"] if f["path"] == "部门汇总.xlsx")
    assert skipped["status"] == "rejected" and "一同选择的单位文件" in skipped["reason"]
    assert body["duplicates"] == [] and body["totals"] == alone["totals"]
    assert body["carried"]["from"] == "部门汇总.xlsx" and body["carried"]["goal"]
    assert [d["code"] for d in body["diagnostics"] if d["code"] in ("K007", "K010", "K011")] == ["K007"]
    assert body["download"]["name"] == "部门汇总（2）.xlsx" and "xlmon-upload" not in str(body["diagnostics"])
    plain = client.post("/api/consolidate", files=[*units, ("files", ("部门汇总.xlsx", untouched))]).json()
    assert plain["carried"] is None and plain["duplicates"] == []
    assert not [d for d in plain["diagnostics"] if d["code"] in ("K007", "K011", "K015")]
    from openpyxl import load_workbook
    edited = tmp_path / "edited" / "部门汇总.xlsx"
    edited.parent.mkdir()
    (tmp_path / "noted").mkdir()
    edited.write_bytes(untouched)
    book = load_workbook(edited)
    book["重点监控建议"]["H3"], book["重点监控建议"]["H4"] = "审核意见", "同意"
    book.save(edited)
    book["重点监控建议"]["G4"] = "经审核：暂缓拨款"  # the draft rewritten: stays in the earlier summary, named
    book.save(edited)
    noted = client.post("/api/consolidate", files=[*units, ("files", (edited.name, edited.read_bytes()))]).json()
    k016 = [d for d in noted["diagnostics"] if d["code"] == "K016"]
    assert len(k016) == 1 and k016[0]["file"] == "部门汇总.xlsx" and "重点监控建议“审核意见”" in k016[0]["message"]
    k015 = [d for d in noted["diagnostics"] if d["code"] == "K015"]
    assert len(k015) == 1 and "重点监控建议!G4：" in k015[0]["message"] and "审核意见" not in k015[0]["message"]
    assert "xlmon-upload" not in str(noted["diagnostics"])
    focus = load_workbook(_download(noted, tmp_path / "noted"))["重点监控建议"]
    assert focus["H3"].value == "审核意见" and focus["H4"].value == "同意"
    assert (focus["A4"].value, focus["B4"].value) == (book["重点监控建议"]["A4"].value, book["重点监控建议"]["B4"].value)
    two = client.post("/api/consolidate", files=[*units, ("files", ("5月汇总.xlsx", first.read_bytes())),
                                                 ("files", ("6月汇总.xlsx", first.read_bytes()))]).json()
    k011 = [d for d in two["diagnostics"] if d["code"] == "K011"]
    assert two["carried"] is None and len(k011) == 1
    assert "5月汇总.xlsx" in k011[0]["message"] and "6月汇总.xlsx" in k011[0]["message"]


def test_of_two_completed_summaries_chosen_with_their_times_the_later_is_carried(client, department, tmp_path):
    """The add-in's 汇总, run twice after the department completed 部门整体, leaves 部门汇总.xlsx and 部门汇总（2）.xlsx
    beside the units' files, both completed; the folder chosen on the page carried neither (K011, 无法判断哪一份是最近的)
    where the add-in carries the later. The page sends the files' times: the one modified last is carried."""
    from test_consolidate import complete_department_form

    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    first = _download(client.post("/api/consolidate", files=units).json(), tmp_path)
    complete_department_form(first, forecast=500)
    older = first.read_bytes()
    complete_department_form(first, forecast=700)
    newer = first.read_bytes()
    unit_times = [1_780_000_000_000] * len(units)
    for times in ((1_780_000_600_000, 1_780_001_200_000), (1_780_001_200_000, 1_780_000_600_000)):
        body = client.post("/api/consolidate", files=[*units, ("files", ("部门汇总.xlsx", older)),
                                                      ("files", ("部门汇总（2）.xlsx", newer))],
                           data={"modified": json.dumps([*unit_times, *times])}).json()
        later = "部门汇总（2）.xlsx" if times[1] > times[0] else "部门汇总.xlsx"
        assert body["carried"]["from"] == later
        assert [d["code"] for d in body["diagnostics"] if d["code"] in ("K007", "K011")] == ["K007"]
    undated = client.post("/api/consolidate", files=[*units, ("files", ("部门汇总.xlsx", older)),
                                                     ("files", ("部门汇总（2）.xlsx", newer))]).json()
    assert undated["carried"] is None and [d["code"] for d in undated["diagnostics"] if d["code"] == "K011"]


@pytest.mark.parametrize("sent, stored", [
    ("某市第一中学.xlsx", "某市第一中学.xlsx"),
    ("C:\\Users\\张三\\报送\\某单位.xlsm", "某单位.xlsm"),
    ("../../etc/某单位.xlsx", "某单位.xlsx"),
    ("..", "文件1.xlsx"),
    (".hidden.xlsx", "文件1.xlsx"),
    ("坏\x01名.xlsx", "文件1.xlsx"),
    ("长" * 80 + ".xlsx", "长" * 80 + ".xlsx"),  # 245 bytes: a unit names its file for every project in it
    ("长" * 84 + ".xlsx", "文件1.xlsx"),  # 257: more than a file system allows
    ("报表.exe", "报表.exe"),  # refused by the reader as no workbook, under the name the user knows
    ("一科/监控表.xlsx", "一科/监控表.xlsx"),  # chosen with its folder on the page: kept in it
    ("教育局/二科/小学/监控表.xlsx", "二科/小学/监控表.xlsx"),  # two folders deep at most
    ("/etc/某单位.xlsx", "某单位.xlsx"),
    ("一科/../../某单位.xlsx", "某单位.xlsx"),
    (".git/某单位.xlsx", "某单位.xlsx"),
    ("一科/坏\x01夹/某单位.xlsx", "某单位.xlsx"),
])
def test_an_upload_is_stored_under_a_plain_file_name(sent, stored):
    from xlmon.server.app import _display_name, _stored_name

    assert _stored_name(_display_name(sent, "文件1.xlsx"), "文件1", set()) == stored


def test_a_long_name_chosen_twice_is_stored_apart_within_the_file_systems_limit():
    from xlmon.server.app import _stored_name

    taken: set[str] = set()
    name = "长" * 83 + ".xlsx"  # 254 bytes: no room for （2）
    assert [_stored_name(name, f"文件{i}", taken) for i in (1, 2)] == [name, "文件2.xlsx"]


def test_a_units_file_with_a_long_name_is_named_in_the_summary_as_the_user_named_it(client, department, tmp_path):
    """A unit's file named for its projects, some 70 characters (past 200 bytes), was stored as 文件1.xlsx: the summary
    listed and linked 文件1.xlsx, which the department head does not have, and last time's summary chosen with the
    same files was no longer known as theirs, consolidated again instead of skipped."""
    from openpyxl import load_workbook

    long = ("某市第一中学2026年1-6月项目支出绩效运行监控表（校舍维修改造项目、学生资助专项资金、教师培训经费、"
            "名师名校长工作室建设经费）报送版（最终修改）.xlsx")
    assert len(long.encode()) > 200
    units = [("files", (long if i == 0 else p.name, p.read_bytes())) for i, p in enumerate(department.paths)]
    body = client.post("/api/consolidate", files=units).json()
    assert long in [f["path"] for f in body["files"]]
    summary = _download(body, tmp_path)
    listed = [r[0] for r in load_workbook(summary)["文件清单"].iter_rows(min_row=2, values_only=True)]
    assert long in listed and not [n for n in listed if n.startswith("文件")]
    again = client.post("/api/consolidate", files=[*units, ("files", (summary.name, summary.read_bytes()))]).json()
    skipped = next(f for f in again["files"] if f["path"] == summary.name)
    assert skipped["status"] == "rejected" and "一同选择的单位文件" in skipped["reason"]


@pytest.mark.parametrize("suffix", [".xlsb", ".ods", ".rar", ".7z"])
def test_an_upload_named_past_the_limit_is_refused_for_what_its_suffix_says(client, department, suffix):
    """A unit's .xlsb named for its projects, past the 255 bytes a Linux file system allows (Windows counts 255
    characters, and keeps it), which the page sends from a chosen folder: stored as 文件N.xlsx, it was read as an
    .xlsx and refused for its bytes (not a workbook, or damaged), where `xlmon consolidate` of the folder says to save
    it as .xlsx (or, of a .rar or .7z, to unpack it). Stored as 文件N with its own suffix, it gets the command line's
    reason, as a short name does."""
    long = "某市第六中学2026年1-6月项目支出绩效运行监控表（" + "校舍维修改造项目、" * 9 + "）" + suffix
    assert len(long.encode()) > 255
    data = b"PK\x03\x04 not what the page reads"
    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    short = f"某市第六中学{suffix}"
    body = client.post("/api/consolidate", files=[*units, ("files", (long, data)), ("files", (short, data))]).json()
    reasons = {f["path"]: (f["status"], f["reason"]) for f in body["files"]}
    assert reasons[long] == reasons[short] and reasons[short][0] == "rejected", reasons
    assert ("另存为” .xlsx" if suffix in (".xlsb", ".ods") else "请解压") in reasons[short][1], reasons[short]


def test_a_name_chosen_twice_is_stored_apart():
    from xlmon.server.app import _stored_name

    taken: set[str] = set()
    assert [_stored_name(n, f"文件{i}", taken) for i, n in enumerate(["甲.xlsx", "甲.XLSX", "甲.xlsx"], 1)] == [
        "甲.xlsx", "甲（2）.XLSX", "甲（3）.xlsx"]


def test_unknown_routes_answer_in_chinese(client):
    assert client.get("/nope").json()["detail"] == "没有这个地址。"
    assert client.get("/api/check").json()["detail"] == "不支持这种请求方式。"


def test_a_failure_inside_the_server_answers_in_chinese(department, payload, monkeypatch):
    """Whatever goes wrong inside (a bug, a full disk) the user reads one Chinese sentence: the Office.js client
    shows the reply's detail in its alert and the page in its own, where Starlette's plain 'Internal Server Error'
    was shown as it is."""
    from xlmon.server import app as server_app

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(ep, "validate", fail)
    monkeypatch.setattr(server_app, "consolidate_uploads", fail)
    client = TestClient(create_app(Settings(token=None)), base_url=HTTPS, raise_server_exceptions=False)
    for response in (client.post("/xlwings/custom-scripts-call/validate", json=payload),
                     client.post("/api/consolidate", files=[("files", ("某单位.xlsx", department.paths[0].read_bytes()))])):
        assert response.status_code == 500
        detail = response.json()["detail"]
        assert detail.startswith("xlmon 服务器处理时出错（RuntimeError）") and "技术支持" in detail
        assert "Traceback" not in response.text and "boom" not in response.text


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("XLMON_MAX_FILES", "3")
    monkeypatch.setenv("XLMON_MAX_FILE_MB", "0.5")
    settings = Settings()
    assert (settings.max_files, settings.max_file_mb) == (3, 0.5)


def test_report_api_gives_a_docx(client, department, tmp_path):
    import base64

    from docx import Document

    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    response = client.post("/api/report", files=files)
    assert response.status_code == 200
    out = tmp_path / response.json()["download"]["name"]
    out.write_bytes(base64.b64decode(response.json()["download"]["data"]))
    text = "\n".join(p.text for p in Document(out).paragraphs)
    assert "五、其他需要说明的事项" in text
    junk = client.post("/api/report", files=[("files", ("一科/空.xlsx", b"junk"))])
    assert junk.status_code == 422 and "空.xlsx：文件不是 xlmon 能读取的 Excel 工作簿" in junk.json()["detail"]
    assert "/tmp" not in junk.json()["detail"]


def test_report_api_names_the_units_of_the_roster_that_did_not_report(client, department, tmp_path):
    """The roster goes with the report as with 汇总: sent in its field, or among the files as in a folder."""
    import base64

    from docx import Document

    units = [u.name for u in department.department.units]
    files = [("files", (p.name, p.read_bytes())) for p in department.paths[1:]]

    def text(response) -> str:
        assert response.status_code == 200, response.text
        out = tmp_path / "报告.docx"
        out.write_bytes(base64.b64decode(response.json()["download"]["data"]))
        return "\n".join(p.text for p in Document(out).paragraphs)

    roster = ("应报送单位名单.csv", _roster_csv([*units, "某市未报送学校"]))
    said = f"按单位名单，应报送 {len(units) + 1} 个单位，未报送 2 个：{units[0]}、某市未报送学校。"
    assert said in text(client.post("/api/report", files=[*files, ("roster", roster)]))
    assert said in text(client.post("/api/report", files=[*files, ("files", roster)]))
    assert "名单" not in text(client.post("/api/report", files=files))
    unreadable = client.post("/api/report", files=[*files, ("roster", ("名单.csv", b"1,2\r\n"))])
    assert unreadable.status_code == 422 and "名单.csv" in unreadable.json()["detail"]


def test_report_api_skips_last_times_summary_chosen_with_the_units_files(client, department, tmp_path):
    """The folder chosen on the page holds last time's 部门汇总 beside the units' files: 汇总 skips it, while the
    report took it for one more file, its findings counted a second time. It is skipped as 汇总 skips it."""
    import base64

    from docx import Document

    from xlmon.consolidate.run import consolidate

    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths[:3]:
        (folder / path.name).write_bytes(path.read_bytes())
    consolidate([folder], folder / "部门汇总.xlsx")

    def lines(paths) -> list[str]:
        response = client.post("/api/report", files=[("files", (p.name, p.read_bytes())) for p in paths])
        assert response.status_code == 200, response.text
        out = tmp_path / "报告.docx"
        out.write_bytes(base64.b64decode(response.json()["download"]["data"]))
        return [p.text for p in Document(out).paragraphs if not p.text.startswith("未纳入本报告的文件")]

    with_summary = sorted(folder.iterdir())
    assert lines(with_summary) == lines([p for p in with_summary if p.name != "部门汇总.xlsx"])


def test_files_chosen_with_their_folders_are_kept_apart(client, department):
    """Every 科 sends 监控表.xlsx: chosen with their folders, both are checked under the names the user sees."""
    paths = department.paths[:2]
    files = [("files", (f"{sub}/监控表.xlsx", p.read_bytes())) for sub, p in zip(("一科", "二科"), paths)]
    body = client.post("/api/check", files=files).json()
    assert [f["path"] for f in body["files"]] == ["一科/监控表.xlsx", "二科/监控表.xlsx"]
    assert [len(f["forms"]) for f in body["files"]] == [len(check_file(p).forms) for p in paths]
    assert [a["name"] for a in body["annotated"]] == ["一科_监控表_校验.xlsx", "二科_监控表_校验.xlsx"]


def test_a_file_at_the_top_of_the_chosen_folder_is_never_named_by_the_servers_own_folder(client, department):
    """A unit's file at the top of the chosen folder and its copy in 二科: the two are told apart by their folders,
    and the top one's is the server's folder for the upload, which the summary and the messages named files/."""
    import base64
    import io

    from openpyxl import load_workbook

    unit = department.paths[0]
    files = [("files", (name, unit.read_bytes())) for name in (unit.name, f"二科/{unit.name}")]
    body = client.post("/api/consolidate", files=files).json()
    said = [*body["duplicates"], *(d["message"] for d in body["diagnostics"]), *(d["file"] or "" for d in body["diagnostics"])]
    book = load_workbook(io.BytesIO(base64.b64decode(body["download"]["data"])), read_only=True)
    said += [v for ws in book.worksheets if ws.sheet_state == "visible" for row in ws.iter_rows(values_only=True)
             for v in row if isinstance(v, str)]
    assert any(f"上传的文件/{unit.name}" in text for text in said)
    assert not [text for text in said if "files/" in text]


def test_the_task_panes_copy_of_a_large_departments_overview_has_no_hole(client, tmp_path):
    """汇总表 of a department of many units has its chart over blank rows above the units' table; the task pane's
    copy of it has no chart, so the tables follow one another there, a blank row between, every unit listed."""
    import base64
    import io

    from python_calamine import CalamineWorkbook
    from test_consolidate import write_units

    write_units(tmp_path, 60)
    files = [("files", (p.name, p.read_bytes())) for p in sorted(tmp_path.glob("*.xlsx"))]
    body = client.post("/api/consolidate", files=files).json()
    table, first = body["table"], [row[0] for row in body["table"]]
    written = CalamineWorkbook.from_filelike(io.BytesIO(base64.b64decode(body["download"]["data"])))
    sheet = [row[0] for row in written.get_sheet_by_name("汇总表").to_python()]
    assert sheet.index("各单位支出进度（按进度差从大到小）") - sheet.index("项目评级") > 10  # the chart between them
    blank = [not any(v != "" for v in row) for row in table]
    assert not [i for i in range(1, len(table)) if blank[i] and blank[i - 1]], "a run of blank rows"
    assert first.index("各单位支出进度（按进度差从大到小）") == first.index("项目评级") + 2
    units = first[first.index("单位") + 1:]
    assert len(units) == 60 and all(u.startswith("某市职业技术学院附属第") for u in units)
    assert table[:first.index("项目评级") + 1] == [[("" if v is None else v) for v in row]
                                                for row in written.get_sheet_by_name("汇总表").to_python()][
                                                   :sheet.index("项目评级") + 1]  # all above as written
    assert [len(r) for r in body["table_formats"]] == [len(r) for r in table]


def test_of_two_uploads_of_one_name_each_message_names_its_own(client, department):
    """监控表.xlsx and 一科/监控表.xlsx uploaded together: the top one's refusal read “一科/监控表.xlsx”不是 Excel 工作簿,
    naming the other file, the quoted name being put back as the first upload of that name. A message names its own
    file, with its folder; one that is about no upload in particular leaves a shared name as it is."""
    form = department.paths[0].read_bytes()
    files = [("files", ("监控表.xlsx", b"garbage")), ("files", ("一科/监控表.xlsx", form)),
             ("files", ("一科/坏表.xlsx", b"garbage"))]
    checked = {f["path"]: f["diagnostics"][0]["message"] for f in client.post("/api/check", files=files).json()["files"]}
    assert "“监控表.xlsx”不是 Excel 工作簿" in checked["监控表.xlsx"] and "一科" not in checked["监控表.xlsx"]
    assert "“一科/坏表.xlsx”不是 Excel 工作簿" in checked["一科/坏表.xlsx"]
    body = client.post("/api/consolidate", files=files).json()
    reasons = {f["path"]: f["reason"] for f in body["files"] if f["reason"]}
    assert "“监控表.xlsx”不是 Excel 工作簿" in reasons["监控表.xlsx"] and "一科" not in reasons["监控表.xlsx"]
    said = [d["message"] for d in body["diagnostics"] if d["file"] == "监控表.xlsx"]
    assert said and all("一科" not in m for m in said)


def test_a_report_of_no_usable_upload_names_each_as_the_user_did(client):
    """The report's refusal named an upload stored under another name by that name: one named too long for a file
    (some 90 characters) as 文件1.xlsx, and 监控表.xlsx beside 一科/监控表.xlsx as 上传的文件/监控表.xlsx, the server's
    folder. It names them as the user did, as 汇总's refusal does."""
    long = "某市第一中学2026年上半年项目支出绩效运行监控表" * 4 + ".xlsx"
    files = [("files", (long, b"garbage")), ("files", ("监控表.xlsx", b"garbage")),
             ("files", ("一科/监控表.xlsx", b"garbage"))]
    for route in ("/api/report", "/api/consolidate"):
        detail = client.post(route, files=files).json()["detail"]
        assert f"{long}：文件不是" in detail and re.search("[。；]监控表.xlsx：文件不是", detail), route
        assert "一科/监控表.xlsx：文件不是" in detail, route
        assert "文件1.xlsx" not in detail and "上传的文件/" not in detail, route


def test_the_chosen_folders_files_no_workbook_are_listed_by_the_names_the_page_sends(client, department):
    """The page sends a folder's other papers by name only (`others`): the summary lists those the command line would
    (a unit's form typed in Word, a PDF), by their paths in the folder, as `xlmon consolidate` of it lists them, each
    cleaned as an upload's name is (a path out of the folder by its name alone, two folders kept); a report or a 说明
    sent beside the forms, a lock file, a roster, a name no file has and anything not a list of names are left out,
    never a 500."""
    units = [("files", (p.name, p.read_bytes())) for p in department.paths]
    sent = ["二科/某市第六中学监控表.pdf", "某市第六中学监控表.docx", "某市第六中学监控表.docx", "部门分析报告.docx",
            "~$某市第六中学监控表.docx", ".隐藏.docx", "Thumbs.db", "名单.csv", "一科/单位名单.txt", "旧表.xlsb",
            "C:/Users/张三/另一份.docx", "../../etc/passwd", "a/b/c/深处.pdf", "控制\x01字符.docx", "x" * 2000 + ".pdf",
            7, None, ["嵌套.docx"], {"名称": "字典.docx"}]
    body = client.post("/api/consolidate", files=units, data={"others": json.dumps(sent)}).json()
    assert body["other_files"] == ["b/c/深处.pdf", "passwd", "二科/某市第六中学监控表.pdf", "另一份.docx",
                                   "某市第六中学监控表.docx"], body["other_files"]
    assert not any("/tmp/" in name for name in body["other_files"])
    plain = client.post("/api/consolidate", files=units).json()
    for garbage in ("不是 JSON", "{}", '"某市第六中学监控表.docx"', "[" * 100_000, json.dumps(["x.docx"] * 5000)[:-1]):
        answer = client.post("/api/consolidate", files=units, data={"others": garbage})
        assert answer.status_code == 200, (garbage[:20], answer.text)
        assert answer.json()["other_files"] == [] and answer.json()["units"] == plain["units"], garbage[:20]


def test_a_unit_that_sent_its_form_in_word_is_not_said_to_have_sent_nothing_on_the_page(client, department, tmp_path):
    """The page names the folder's 某市未报送学校监控表.docx, not sent (`others`): 汇总 and the report said the roster's
    unit had sent nothing (K003 没有报送监控表), beside the command line's 报送的文件 … 未能纳入汇总 of that folder; they
    say what it says, and so does the report drafted from the summary the page made."""
    import base64

    from docx import Document

    units = [u.name for u in department.department.units]
    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    files.append(("roster", ("应报送单位名单.csv", _roster_csv([*units, "某市未报送学校"]))))
    others = {"others": json.dumps(["一科/某市未报送学校监控表.docx"])}
    body = client.post("/api/consolidate", files=files, data=others).json()
    assert body["missing_units"] == ["某市未报送学校"]
    k003 = [d["message"] for d in body["diagnostics"] if d["code"] == "K003"]
    assert k003 == ["名单中的单位“某市未报送学校”报送的文件 某市未报送学校监控表.docx 未能纳入汇总。"], k003
    summary = tmp_path / "部门汇总.xlsx"
    summary.write_bytes(base64.b64decode(body["download"]["data"]))

    def text(response) -> str:
        assert response.status_code == 200, response.text
        out = tmp_path / "报告.docx"
        out.write_bytes(base64.b64decode(response.json()["download"]["data"]))
        return "\n".join(p.text for p in Document(out).paragraphs)

    said = "未报送 1 个（其中 1 个报送的文件未能纳入）：某市未报送学校"
    assert said in text(client.post("/api/report", files=files, data=others))
    assert said in text(client.post("/api/report", files=[("files", ("部门汇总.xlsx", summary.read_bytes()))]))


def test_a_departments_completed_summary_uploaded_to_the_bureau_is_the_departments_not_carried(client, tmp_path):
    """The bureau chose on the page the folder its departments sent: one department's summary, its 部门整体 completed,
    beside that department's units' files, and another department's files. The upload took the summary for the
    bureau's own last summary and carried the department's 部门整体 into the bureau's (carried, K007); it is the
    department's form, counted as such (K006), and nothing is carried."""
    from test_consolidate import complete_department_form, write_form
    from xlmon.consolidate.run import consolidate

    for folder in ("inbox/教育局", "inbox/卫健委"):
        (tmp_path / folder).mkdir(parents=True)
    for unit in ("一中", "二中"):
        write_form(tmp_path / "inbox" / "教育局" / f"{unit}.xlsx", unit=unit, project=f"{unit}项目")
    write_form(tmp_path / "inbox" / "卫健委" / "一院.xlsx", unit="一院", project="一院项目",
               department="某市卫生健康委员会（102001）")
    summary = tmp_path / "inbox" / "教育局汇总.xlsx"
    consolidate([tmp_path / "inbox" / "教育局"], summary)
    complete_department_form(summary, forecast=500)
    files = [("files", (str(p.relative_to(tmp_path / "inbox")), p.read_bytes()))
             for p in sorted((tmp_path / "inbox").rglob("*.xlsx"))]
    files.append(("roster", ("名单.csv", _roster_csv(["某市教育局", "某市卫生健康委员会", "某市民政局"]))))
    body = client.post("/api/consolidate", files=files).json()
    assert body["projects"] == 3 and body["carried"] is None
    assert [d["code"] for d in body["diagnostics"]].count("K006") == 1
    assert body["roster"] == {"name": "名单.csv", "units": 3, "listed": "部门（单位）"}  # the page says 部门（单位）


def test_a_bureaus_roster_of_abbreviated_departments_is_matched_on_the_page_as_on_the_command_line(client, tmp_path):
    """The page's 汇总 and 生成报告 with a bureau's roster typed as its staff say the departments (市卫健委, 市人社局): the
    departments that sent forms reported, the roster is of 部门（单位）, and only the one that sent nothing is named."""
    from base64 import b64decode
    from io import BytesIO

    from docx import Document
    from test_consolidate import write_form

    for unit, department in (("一院", "某市卫生健康委员会（102001）"), ("就业中心", "某市人力资源和社会保障局（104001）")):
        write_form(tmp_path / f"{unit}.xlsx", unit=unit, project=f"{unit}项目", department=department)
    files = [("files", (p.name, p.read_bytes())) for p in sorted(tmp_path.glob("*.xlsx"))]
    files.append(("roster", ("名单.csv", _roster_csv(["市卫健委", "市人社局", "市民政局"]))))
    body = client.post("/api/consolidate", files=files).json()
    assert body["roster"] == {"name": "名单.csv", "units": 3, "listed": "部门（单位）"}
    assert body["missing_units"] == ["市民政局"] and body["unlisted_units"] == []
    assert [d["message"] for d in body["diagnostics"] if d["code"] in ("K003", "K004")] == [
        "名单中的部门（单位）“市民政局”没有报送监控表。"]
    report = client.post("/api/report", files=files).json()
    text = "\n".join(p.text for p in Document(BytesIO(b64decode(report["download"]["data"]))).paragraphs)
    assert "按部门（单位）名单，应报送 3 个部门（单位），未报送 1 个：市民政局。" in text


def test_consolidate_api_says_what_the_add_ins_alert_says_of_the_same_folder(client, department, tmp_path):
    """The task pane's status line was a JavaScript twin of the add-in's 汇总 alert, drifted from it: it checked the
    roster as 核对，未报送 1 个单位 (no 不在名单中, no 其中…其他期间) and put 部门整体： where the alert names last time's
    summary the message calls 该汇总表. The server now writes it as the alert is written, for the same folder (its
    roster, a unit's copy, files left out, two of one name, last time's completed summary, a paper no workbook)
    word for word but where the summary went (saved beside the files there, downloaded here) and how the files came
    together."""
    import shutil

    import openpyxl
    from test_consolidate import complete_department_form

    folder = tmp_path / "units"
    folder.mkdir()
    for path in department.paths:
        shutil.copy2(path, folder)
    _, earlier = ep.summarise_folder(folder)
    complete_department_form(earlier, forecast=500)
    units = [u.name for u in department.department.units]
    book = openpyxl.Workbook()
    for name in ["单位名称", *units[1:], "某市第九中学"]:
        book.active.append([name])
    book.save(folder / "应报送单位名单.xlsx")
    shutil.copy2(department.paths[1], folder / f"{department.paths[1].stem} - 副本.xlsx")
    shutil.copy2(department.paths[0], folder / f"{department.paths[0].stem}.xlsb")
    for section in ("一科", "二科"):  # files of one name, told apart by their folders
        (folder / section).mkdir()
        shutil.copy2(department.paths[3], folder / section / "监控表.xlsb")
    (folder / "某市第九中学监控表.docx").write_bytes(b"PK\x03\x04")
    chosen = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix != ".docx")
    sent = client.post("/api/consolidate", files=[("files", (p.relative_to(folder).as_posix(), p.read_bytes()))
                                                  for p in chosen],
                       data={"modified": json.dumps([p.stat().st_mtime * 1000 for p in chosen]),
                             "others": json.dumps(["某市第九中学监控表.docx"])}).json()
    alert, output = ep.summarise_folder(folder)
    assert sent["download"]["name"] == output.name == "部门汇总（2）.xlsx"
    assert "按单位名单（应报送单位名单.xlsx）核对：未报送 1 个（其中 1 个报送的文件未能纳入），不在名单中 1 个" in alert
    assert "部门汇总.xlsx：部门在该汇总表中填写的部门整体表已带入新的汇总表" in alert and "重复报送的文件 1 个" in alert
    assert f"{department.paths[0].stem}.xlsb：" in alert and "某市第九中学监控表.docx" in alert
    assert "。一科/监控表.xlsb：" in alert and "。二科/监控表.xlsb：" in alert
    # last time's summary is skipped as one of the files chosen together there, as one of the folder's here
    assert sent["status"].replace("一同选择的单位文件", "同一文件夹中的单位文件") == alert.replace(
        f"汇总表已保存为 {output}", f"汇总表已下载为 {output.name}")


def test_consolidate_api_tells_the_task_pane_how_to_check_the_roster(client, department):
    """No roster among the files: the task pane says to choose one with them (the add-in, to put one in the folder)."""
    body = client.post("/api/consolidate", files=[("files", (p.name, p.read_bytes())) for p in department.paths]).json()
    assert body["status"].endswith("汇总表已下载为 部门汇总.xlsx。提示：同时选择一个文件名含“名单”的 .xlsx 或 .csv 单位名单，"
                                   "即可列出未报送的单位。")
