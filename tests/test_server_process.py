"""`xlmon serve` as a real process: the API over HTTP, its refusals, its token and concurrent use."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re

import httpx
import openpyxl
from payloads import payload_from_file

pytest_plugins = ("server_process",)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
TIMEOUT = 120


def upload(name: str, data: bytes) -> tuple[str, tuple[str, bytes, str]]:
    return "files", (name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def still_serving(url: str) -> None:
    assert httpx.get(url + "/api/info", timeout=10).status_code == 200


def test_check_returns_diagnostics_and_annotated_copy(xlmon_server, demo_folder):
    server = xlmon_server()
    path = demo_folder / "某市第二中学.xlsx"
    r = httpx.post(server.url + "/api/check", files=[upload(path.name, path.read_bytes())], timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    result = r.json()
    [record] = result["files"]
    assert record["path"] == path.name and record["status"] == "invalid"
    assert len(record["forms"]) == 3
    assert "N001" in {d["code"] for d in record["diagnostics"]}
    assert {d["severity"] for d in record["diagnostics"]} <= {"error", "warning", "info"}
    [annotated] = result["annotated"]
    assert annotated["name"] == "某市第二中学_校验.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(annotated["data"])))
    assert "校验结果" in book.sheetnames


def test_malformed_json_is_refused_and_the_server_goes_on(xlmon_server, demo_folder):
    server = xlmon_server()
    r = httpx.post(server.url + "/xlwings/custom-scripts-call/validate", content=b'{"book": {',
                   headers={"Content-Type": "application/json"}, timeout=TIMEOUT)
    assert r.status_code == 400
    assert CHINESE.search(r.json()["detail"])
    still_serving(server.url)
    payload = payload_from_file(demo_folder / "某市第一中学.xlsx")
    r = httpx.post(server.url + "/xlwings/custom-scripts-call/validate", json=payload, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["actions"]


def test_oversized_file_is_refused(xlmon_server):
    server = xlmon_server()
    limit = httpx.get(server.url + "/api/info", timeout=10).json()["limits"]["max_file_mb"]
    data = os.urandom(int(limit * 2**20) + 2**20)
    r = httpx.post(server.url + "/api/check", files=[upload("太大的文件.xlsx", data)], timeout=TIMEOUT)
    assert r.status_code == 413
    detail = r.json()["detail"]
    assert "太大的文件.xlsx" in detail and f"{limit:g} MB" in detail
    still_serving(server.url)


def test_corrupt_file_is_refused_with_its_name(xlmon_server):
    server = xlmon_server()
    r = httpx.post(server.url + "/api/check", files=[upload("损坏的报表.xlsx", os.urandom(4096))],
                   timeout=TIMEOUT)
    assert r.status_code == 422
    assert "损坏的报表.xlsx" in r.json()["detail"]
    still_serving(server.url)


def test_token_is_required_when_set(xlmon_server, demo_folder):
    token = "test-token-7f3a"
    server = xlmon_server(XLMON_TOKEN=token)
    assert httpx.get(server.url + "/api/info", timeout=10).json()["token_required"] is True
    path = demo_folder / "某市第一中学.xlsx"

    def check(headers: dict[str, str]) -> httpx.Response:
        return httpx.post(server.url + "/api/check", files=[upload(path.name, path.read_bytes())],
                          headers=headers, timeout=TIMEOUT)

    for headers in ({}, {"Authorization": "wrong"}, {"Authorization": f"Bearer {token}x"}):
        r = check(headers)
        assert r.status_code == 401, headers
        assert CHINESE.search(r.json()["detail"])
    r = httpx.post(server.url + "/xlwings/custom-scripts-call/validate", json={}, timeout=TIMEOUT)
    assert r.status_code == 401
    assert check({"Authorization": token}).status_code == 200
    assert check({"Authorization": f"Bearer {token}"}).status_code == 200


def concurrent_validate(url: str, payloads: list[dict], count: int = 20) -> list[httpx.Response]:
    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT) as client:
            return await asyncio.gather(*(client.post("/xlwings/custom-scripts-call/validate",
                                                      json=payloads[i % len(payloads)]) for i in range(count)))

    return asyncio.run(run())


def test_concurrent_validate_requests(xlmon_server, demo_folder):
    """Each of 20 simultaneous button presses gets its own workbook's actions, no one else's."""
    server = xlmon_server()
    path = demo_folder / "某市第一中学.xlsx"
    payloads = [payload_from_file(path, client=client) for client in ("VBA", "Office.js")]
    assert len(payloads[0]["sheets"]) >= 3
    alone = [httpx.post(server.url + "/xlwings/custom-scripts-call/validate", json=p, timeout=TIMEOUT).text
             for p in payloads]
    responses = concurrent_validate(server.url, payloads)
    assert [r.status_code for r in responses] == [200] * 20
    for i, r in enumerate(responses):
        funcs = [a["func"] for a in r.json()["actions"]]
        assert {"setRangeColor", "addSheet"} <= set(funcs)
        assert funcs.count("alert") == 1
        assert r.text == alone[i % 2]
    still_serving(server.url)


def test_a_port_in_use_is_said_plainly_and_nothing_claims_to_run(xlmon_server, capsys):
    """A second `xlmon serve` on the same port: one Chinese line naming the port, exit 2, no 已启动."""
    from xlmon.cli import main

    server = xlmon_server()
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    assert main(["serve", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert "已启动" not in out and f"端口 {port} 已被占用" in err and "--port" in err
    still_serving(server.url)


def test_serve_with_a_citys_profile_grades_and_says_by_it(xlmon_server, demo_folder, tmp_path_factory):
    """`xlmon serve --profile FILE`: the page's rules are the profile's, and its 校验 marks in the profile's colours."""
    city = tmp_path_factory.mktemp("profile") / "本市规则.toml"
    city.write_text('[funding]\ngreen_max_gap = 0.0\nyellow_max_gap = 0.0\n[palette]\nred = "112233"\n',
                    encoding="utf-8")
    server = xlmon_server("--profile", str(city))
    rules = httpx.get(server.url + "/api/info", timeout=10).json()["rules"]
    assert rules == "评级：支出进度落后时间进度≤0个百分点为绿灯，≤0个百分点为黄灯，其余为红灯", rules
    unit = demo_folder / "某市第二中学.xlsx"
    body = httpx.post(server.url + "/api/check", files=[upload(unit.name, unit.read_bytes())], timeout=60).json()
    copy = openpyxl.load_workbook(io.BytesIO(base64.b64decode(body["annotated"][0]["data"])))
    fills = {c.fill.fgColor.rgb[-6:] for ws in copy for row in ws.iter_rows() for c in row if c.fill.fill_type == "solid"}
    assert "112233" in fills, fills
    assert httpx.get(xlmon_server().url + "/api/info", timeout=10).json()["rules"].startswith(
        "评级：支出进度落后时间进度≤10个百分点为绿灯")
