"""A city's rule profile in every front end, grading as `xlmon check --profile` grades: the desktop ribbon with the
profile `xlmon addin install --profile` installed, the server with `xlmon serve --profile` (the xlwings scripts
and the page's APIs alike); and a profile that cannot be used said where it is met."""

from __future__ import annotations

import base64
import io
import json

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from payloads import actions_of, payload_from_file

import xlwings as xw
from xlmon import addin_setup as A
from xlmon import demo, entry_points as ep
from xlmon.check import check_file
from xlmon.cli import main
from xlmon.marks import fill_of, plan_marks
from xlmon.profile import load_profile
from xlmon.server.app import Settings, create_app

# every row behind 时间进度 is red, in a colour of the city's own; 效益指标 has only 社会效益指标
CITY = """
[funding]
green_max_gap = 0.0
yellow_max_gap = 0.0

[palette]
red = "112233"

[hierarchy.custom]
"产出指标" = ["数量指标", "质量指标", "时效指标", "成本指标"]
"效益指标" = ["社会效益指标"]
"满意度指标" = ["服务对象满意度指标"]
"""
CITY_RED = "112233"


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    return demo.build(tmp_path_factory.mktemp("dept"))


@pytest.fixture
def city(tmp_path):
    path = tmp_path / "本市规则.toml"
    path.write_text(CITY, encoding="utf-8")
    return path


def unit_file(department):
    """A unit's workbook with a row behind 时间进度 by less than the built-in 10 pp: green there, red in the city."""
    for path in department.paths:
        if any(r.gap is not None and 0 < r.gap <= 0.10 for f in check_file(path).forms for r in f.funding):
            return path
    raise AssertionError("no unit of the demo has a row behind 时间进度 by less than 10 pp")


def coloured(actions: list[dict], payload: dict) -> dict[tuple[str, str], str]:
    from xlmon.grid import column_letter

    return {(payload["sheets"][a["sheet_position"]]["name"],
             f"{column_letter(a['start_column'])}{a['start_row'] + 1}"): a["args"][0].lstrip("#").upper()
            for a in actions if a["func"] == "setRangeColor" and a["sheet_position"] < len(payload["sheets"])}


def expected_marks(path, profile) -> dict[tuple[str, str], str]:
    result = check_file(path, profile)
    plan = plan_marks(result.forms, result.diagnostics, profile.colours())
    return {(m.sheet, m.cell): fill_of(m).upper() for m in plan.marks if fill_of(m)}


def test_the_ribbon_grades_by_the_profile_addin_install_installed(department, city, home, tmp_path):
    path = unit_file(department)
    payload = payload_from_file(path)
    before, _ = actions_of(payload, ep.validate)
    assert coloured(before, payload) == expected_marks(path, load_profile())  # the built-in one, none installed

    code = A.install(tmp_path / "XLSTART", out=lambda line: None, platform="win32", profile=city)
    assert code == 0 and A.profile_path().read_text("utf-8") == CITY
    actions, outcome = actions_of(payload, ep.validate)
    marks = coloured(actions, payload)
    assert marks == expected_marks(path, load_profile(city)) and marks != coloured(before, payload)
    assert CITY_RED in marks.values()

    sheet_actions, _ = actions_of(payload, ep.new_project_form)
    labels = {str(v).lstrip("'") for a in sheet_actions if a["func"] == "setValues" for row in a["values"] for v in row}
    assert "社会效益指标" in labels and "经济效益指标" not in labels


def test_a_broken_installed_profile_is_said_in_the_buttons_alert_and_nothing_is_marked(department, city, home,
                                                                                        tmp_path, monkeypatch):
    A.install(tmp_path / "XLSTART", out=lambda line: None, platform="win32", profile=city)
    A.profile_path().write_text("[funding]\ngreen_max_gap = 0.3\nyellow_max_gap = 0.2\n", encoding="utf-8")
    payload = payload_from_file(unit_file(department))
    with xw.Book(json=payload) as book:
        monkeypatch.setattr(xw.Book, "caller", staticmethod(lambda: book))
        ep.main("validate")
        actions = book.json()["actions"]
    [alert] = [a for a in actions if a["func"] == "alert"]
    text = alert["args"][0]
    assert str(A.profile_path()) in text and "yellow_max_gap" in text and "运行出错" not in text, text
    assert not [a for a in actions if a["func"] in ("setRangeColor", "addSheet", "setValues")]


def test_the_server_grades_every_button_and_upload_by_its_profile(department, city, capsys):
    path = unit_file(department)
    profile = load_profile(city)
    served = TestClient(create_app(Settings(token=None, profile=profile)), base_url="https://testserver")
    builtin = TestClient(create_app(Settings(token=None)), base_url="https://testserver")
    payload = payload_from_file(path, client="Office.js")

    response = served.post("/xlwings/custom-scripts-call/validate", json=payload)
    direct, _ = actions_of(payload, ep.validate, profile)
    assert response.status_code == 200 and response.json()["actions"] == direct
    assert coloured(direct, payload) == expected_marks(path, profile)
    assert builtin.post("/xlwings/custom-scripts-call/validate", json=payload).json()["actions"] != direct

    body = served.post("/api/check", files=[("files", (path.name, path.read_bytes()))]).json()
    [copy] = body["annotated"]
    fills = {c.fill.fgColor.rgb[-6:] for ws in load_workbook(io.BytesIO(base64.b64decode(copy["data"])))
             for row in ws.iter_rows() for c in row if c.fill and c.fill.fill_type == "solid"}
    assert CITY_RED in fills, fills

    files = [("files", (p.name, p.read_bytes())) for p in department.paths]
    web = served.post("/api/consolidate", files=files).json()["grades"]
    capsys.readouterr()
    assert main(["consolidate", *map(str, department.paths), "-o", str(city.parent / "汇总.xlsx"), "--format",
                 "json", "--profile", str(city)]) == 0
    assert web == json.loads(capsys.readouterr().out)["grades"]
    assert web != builtin.post("/api/consolidate", files=files).json()["grades"]


def test_serve_says_a_profile_it_cannot_use_before_taking_the_port(tmp_path, capsys):
    bad = tmp_path / "规则.toml"
    bad.write_text("[funding\n", encoding="utf-8")
    assert main(["serve", "--port", "1", "--profile", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "格式错误" in err and "端口" not in err, err
