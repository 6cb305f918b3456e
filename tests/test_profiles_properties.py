"""A city's rule profile, honoured wherever it is given: a profile written as a city writes one (some sections and
keys, the rest left out) is the built-in profile with those keys replaced, and each word of its qualitative and
likelihood tables replaced or added (a table of words is read a word at a time, as default.toml says); `xlmon profile
--check` accepts it; two profiles are said to grade otherwise (grading_differences, K020) whenever their gaps differ,
never for a setting that grades nothing (sequential_level2 without its check), and said to grade alike only where
they grade rows of every month and spending, and indicators' words, alike.

With such a profile, over random units' workbooks (test_consolidate_properties' departments):
- `xlmon check --profile`, the desktop's 校验 with the profile `xlmon addin install --profile` installed, and the
  server (`xlmon serve --profile`: the Office.js add-in's 校验 and the page's /api/check) say the same findings and
  grades, and colour each graded 支出进度 in the profile's palette; 新建项目表 (desktop and server) and `xlmon template
  --profile` lay out the profile's indicator groups, the template colouring 支出进度 in its palette;
- `xlmon consolidate --profile`, the page's /api/consolidate and the add-in's 汇总 (given the profile, and by the one
  installed) give the same grades, 重点监控建议 and indicators behind, and keep the profile in the summary; its
  部门整体 has the profile's groups, and completed in them it is checked without hierarchy findings and carried by
  --overall-from whole; the summary consolidated again by the same profile, or by one of the same grading rules and
  other settings (the bureau), gives its grades and totals and says nothing of edits or other rules (K014, K015,
  K020); by a profile that grades otherwise, K020 once, the same totals, no K014, and the printed rules say that
  its projects keep their grades;
- `xlmon report --profile` of the units (and the page's /api/report) and of their summary (and the ribbon's 生成报告
  in it, by the profile installed) say the same, the units behind 时间进度 counted by the profile's green_max_gap.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import base64
import io
import json
import random
import re
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from payloads import actions_of, payload_from_file
from seeded import seeds
from test_consolidate_properties import DEPARTMENTS, Department, random_units, write_unit
from xlmon import addin_setup as A
from xlmon import entry_points as ep
from xlmon import layout as L
from xlmon.cli import main
from xlmon.consolidate.extract import profile_in
from xlmon.grading import grade_funding, qualitative_grade
from xlmon.models import FundingRow, Indicator
from xlmon.profile import Profile, grading_differences, load_profile
from xlmon.server.app import Settings, create_app
from xlmon.sheetnames import RECORDS_SHEET

SALT = 97
BUILT_IN = load_profile().model_dump()
WORDS = tuple(BUILT_IN["indicators"]["qualitative"])
NEW_WORDS = ("过半", "超额完成", "待验收", "正在推进", "已开工")
GRADES = ("green", "yellow", "red")


# ---------------------------------------------------------------------------------------------------------------
# A city's profile, as TOML, and what it should load to.
# ---------------------------------------------------------------------------------------------------------------

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False) if not isinstance(k, int) else k} = "
                            f"{toml_value(v)}" for k, v in value.items()) + " }"


def random_settings(rng: random.Random) -> dict:
    """Some sections of a profile and some keys of each, with values a city might choose."""
    green = rng.choice((0.0, 0.05, 0.08, 0.10, 0.15, round(rng.uniform(0, 0.3), 3)))
    yellow = min(round(green + rng.choice((0, 0.05, 0.10, round(rng.uniform(0, 0.3), 3))), 3), 1)
    every = {
        "goal_review": {"min_quantified_share": round(rng.uniform(0, 1), 2), "min_level1": rng.randint(0, 4),
                        "min_level2": rng.randint(0, 8), "min_level3": rng.randint(0, 12)},
        "funding": {"green_max_gap": green, "yellow_max_gap": yellow, "use_milestones": rng.random() < 0.5,
                    "milestones": {m: round(rng.uniform(0.2, 1), 2) for m in rng.sample(range(1, 13), rng.randint(1, 4))
                                   + [6] * (rng.random() < 0.5)}},  # the departments' month, often
        "indicators": {"yellow_tolerance": rng.choice((0.0, 0.05, 0.2, round(rng.uniform(0, 0.5), 2))),
                       "sequential_check": rng.random() < 0.5,
                       "sequential_level2": rng.sample(["数量指标", "质量指标", "时效指标"], rng.randint(1, 2)),
                       "qualitative": {w: rng.choice(GRADES) for w in rng.sample(WORDS, rng.randint(0, 4))
                                       + rng.sample(NEW_WORDS, rng.randint(0, 2))},
                       "likelihood_floor": {w: rng.choice(GRADES) for w in rng.sample(L.LIKELIHOODS, rng.randint(1, 2))}},
        "amounts": {"project_max": rng.choice((50_000.0, 100_000.0, 200_000.0)),
                    "department_max": rng.choice((5_000_000.0, 20_000_000.0)),
                    "apart_times": rng.choice((10.0, 50.0, 100.0)), "apart_floor": rng.choice((1_000.0, 10_000.0))},
        "consolidation": {"focus_budget": rng.choice((0.0, 100.0, 500.0, 2000.0))},
        "palette": {g: f"{rng.randrange(0x1000000):06X}" for g in GRADES},
    }
    if green > yellow:
        del every["funding"]["yellow_max_gap"]
    chosen = {}
    for section in rng.sample(sorted(every), rng.randint(1, len(every))):
        keys = rng.sample(sorted(every[section]), rng.randint(1, len(every[section])))
        chosen[section] = {k: every[section][k] for k in keys}
    funding = chosen.get("funding", {})
    if funding.get("green_max_gap", BUILT_IN["funding"]["green_max_gap"]) > funding.get(
            "yellow_max_gap", BUILT_IN["funding"]["yellow_max_gap"]):
        funding["yellow_max_gap"] = max(funding.get("green_max_gap", 0), BUILT_IN["funding"]["yellow_max_gap"])
    roll = rng.random()
    if roll < 0.2:
        chosen["hierarchy"] = "national2021"
    elif roll < 0.35:
        chosen["hierarchy"] = {"custom": {"产出指标": ["数量指标", "质量指标", "时效指标", "成本指标"],
                                          "效益指标": rng.sample(["社会效益指标", "经济效益指标", "生态效益指标",
                                                                  "可持续影响指标"], 2),
                                          "满意度指标": ["服务对象满意度指标"]}}
    if rng.random() < 0.2:
        chosen["required_project_fields"] = rng.sample(["project", "department", "unit"], rng.randint(0, 3))
    return chosen


def profile_text(settings: dict) -> str:
    """The TOML a city writes: top-level keys first, then a section a table, a custom hierarchy its own table."""
    lines = [f"{k} = {toml_value(v)}" for k, v in settings.items() if not isinstance(v, dict)]
    for section, keys in settings.items():
        if not isinstance(keys, dict):
            continue
        if section == "hierarchy":
            lines += ["", "[hierarchy.custom]", *(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
                                                  for k, v in keys["custom"].items())]
            continue
        lines += ["", f"[{section}]", *(f"{k} = {toml_value(v)}" for k, v in keys.items())]
    return "\n".join(lines) + "\n"


def expected_profile(settings: dict) -> dict:
    """The built-in profile with the settings' keys replaced; of the tables of words, the words."""
    out = json.loads(json.dumps(BUILT_IN))
    for section, keys in settings.items():
        if not isinstance(keys, dict) or section == "hierarchy":
            out[section] = keys
            continue
        for key, value in keys.items():
            if key in ("qualitative", "likelihood_floor"):
                out[section][key] = {**out[section][key], **value}
            else:
                out[section][key] = value
    return out


def write_profile(folder: Path, settings: dict, name: str = "本市规则.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(profile_text(settings), encoding="utf-8")
    return path


def random_profile(rng: random.Random, folder: Path, name: str = "本市规则.toml") -> tuple[Path, Profile]:
    path = write_profile(folder, random_settings(rng), name)
    return path, load_profile(path)


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# 1. Loading, and telling two profiles apart.
# ---------------------------------------------------------------------------------------------------------------

def grades_of(profile: Profile, rng: random.Random) -> list:
    """What a profile makes of rows of every month and spending, and of indicators' words and ticks."""
    out = []
    for months in range(1, 13):
        for progress in (0.0, 0.05, 0.2, 0.33, 0.45, 0.5, 0.6, 0.74, 0.75, 0.8, 0.9, 1.0, rng.random()):
            out.append(grade_funding(FundingRow(block="source", row="资金总额", spend_progress=progress), months,
                                     months / 12, profile))
    for word in (*WORDS, *NEW_WORDS):
        out.append(qualitative_grade(word, Indicator(level3="安全隐患消除", target="有效消除"), profile))
    return out


@pytest.mark.parametrize("seed", seeds(40, SALT))
def test_a_citys_profile_is_the_built_in_one_with_its_settings(tmp_path, seed):
    rng = random.Random(seed)
    settings = random_settings(rng)
    path = write_profile(tmp_path, settings)
    context = f"seed {seed}:\n{path.read_text('utf-8')}"
    profile = load_profile(path)
    assert profile.model_dump() == Profile.model_validate(expected_profile(settings)).model_dump(), context
    assert cli("profile", "--check", str(path))[0] == 0, context

    built_in = load_profile()
    assert grading_differences(profile, profile) == [] and grading_differences(built_in, built_in) == [], context
    said = grading_differences(built_in, profile)
    funding = settings.get("funding", {})
    gaps = (funding.get("green_max_gap", 0.10), funding.get("yellow_max_gap", 0.20))
    if gaps != (0.10, 0.20):
        assert said, context
    if not said:
        assert grades_of(profile, random.Random(seed)) == grades_of(built_in, random.Random(seed)), context
    if grading_rules(profile) == grading_rules(built_in):  # sequential_level2 grades nothing without its check
        assert "指标的评级规则不同" not in said, (context, said)


def grading_rules(profile: Profile) -> dict:
    rules = profile.indicators.model_dump()
    if not rules["sequential_check"]:
        del rules["sequential_level2"]
    return rules


# ---------------------------------------------------------------------------------------------------------------
# 2. Checking: the command line, the desktop ribbon, the server.
# ---------------------------------------------------------------------------------------------------------------

def department_of(rng: random.Random, folder: Path, units: int | None = None) -> list[Path]:
    """A department's units' workbooks, as test_consolidate_properties writes them."""
    department = Department(*DEPARTMENTS[0])
    department.units = random_units(rng, units or rng.randint(2, 4))
    folder.mkdir(parents=True, exist_ok=True)
    return [write_unit(folder, u, department.label) for u in department.units]


def said_of(diagnostics) -> list[tuple]:
    return [(d["code"], d["severity"], d["sheet"], d["cell"], d["message"]) for d in diagnostics]


def form_grades(forms: list[dict]) -> list[tuple]:
    return [(f["sheet"], f["grade"], tuple(r["grade"] for r in f["funding"]),
             tuple(i.get("grade") for i in f.get("indicators", []))) for f in forms]


def coloured(actions: list[dict], payload: dict) -> dict[tuple[str, str], str]:
    from xlmon.grid import column_letter

    return {(payload["sheets"][a["sheet_position"]]["name"],
             f"{column_letter(a['start_column'])}{a['start_row'] + 1}"): a["args"][0].lstrip("#").upper()
            for a in actions if a["func"] == "setRangeColor" and a["sheet_position"] < len(payload["sheets"])}


def template_colours(path: Path) -> set[str]:
    """The fills of a template's conditional formats."""
    ws = load_workbook(path).worksheets[0]
    fills = set()
    for formats in ws.conditional_formatting:
        for rule in formats.rules:
            fill = rule.dxf.fill if rule.dxf else None
            colour = fill and (fill.bgColor.rgb if fill.bgColor is not None and fill.bgColor.rgb else fill.fgColor.rgb)
            if isinstance(colour, str):
                fills.add(colour[-6:].upper())
    return fills


def served_actions(server: TestClient, script: str, payload: dict) -> list[dict]:
    response = server.post(f"/xlwings/custom-scripts-call/{script}", json=payload)
    assert response.status_code == 200, response.text
    return response.json()["actions"]


@pytest.mark.parametrize("seed", seeds(8, SALT))
def test_every_front_end_checks_by_the_citys_profile(tmp_path, home, seed):
    from xlmon.check import check_file
    from xlmon.marks import fill_of, plan_marks

    rng = random.Random(seed)
    path, profile = random_profile(rng, tmp_path / "rules")
    context = f"seed {seed}:\n{path.read_text('utf-8')}"
    files = department_of(rng, tmp_path / "units")
    assert A.install(tmp_path / "XLSTART", out=lambda line: None, platform="win32", profile=path) == 0, context
    server = TestClient(create_app(Settings(token=None, profile=profile)), base_url="https://testserver")

    code, out, err = cli("check", "--format", "json", "--profile", str(path), *map(str, files))
    assert code in (0, 1), (context, err)
    by_cli = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    response = server.post("/api/check", files=[("files", (p.name, p.read_bytes())) for p in files])
    assert response.status_code == 200, (context, response.text)
    by_web = {f["path"]: f for f in response.json()["files"]}
    assert by_cli.keys() == by_web.keys(), context
    for name, record in by_cli.items():
        assert said_of(record["diagnostics"]) == said_of(by_web[name]["diagnostics"]), (context, name)
        assert form_grades(record["forms"]) == form_grades(by_web[name]["forms"]), (context, name)

    for kind in ("project", "department"):  # xlmon template --profile: its groups, 支出进度 in its palette
        template = tmp_path / f"{kind}.xlsx"
        assert cli("template", kind, "-o", str(template), "--profile", str(path))[0] == 0, context
        assert template_colours(template) == set(profile.colours().values()), (context, kind)
        ws = load_workbook(template).worksheets[0]
        labels = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
        assert {l2 for names in profile.levels().values() for l2 in names} <= labels, (context, kind)

    for file in files:
        record = by_cli[file.name]
        payload = payload_from_file(file, client="Office.js")
        desktop, outcome = actions_of(payload, ep.validate)  # the installed profile
        assert desktop == actions_of(payload, ep.validate, profile)[0], (context, file.name)
        served = server.post("/xlwings/custom-scripts-call/validate", json=payload)
        assert served.status_code == 200 and served.json()["actions"] == desktop, (context, file.name)
        assert Counter(d.code for d in outcome.diagnostics) == Counter(d["code"] for d in record["diagnostics"]), (
            context, file.name)
        result = check_file(file, profile)
        expected = {(m.sheet, m.cell): fill_of(m).upper()
                    for m in plan_marks(result.forms, result.diagnostics, profile.colours()).marks if fill_of(m)}
        marks = coloured(desktop, payload)
        assert marks == expected, (context, file.name)
        sheet_actions, _ = actions_of(payload, ep.new_project_form)  # 新建项目表, by the profile installed
        assert sheet_actions == served_actions(server, "new_project_form", payload), (context, file.name)
        labels = {str(v).lstrip("'") for a in sheet_actions if a["func"] == "setValues" for row in a["values"]
                  for v in row}
        assert {l2 for names in profile.levels().values() for l2 in names} <= labels, (context, file.name)
        for form in record["forms"]:
            for row in form["funding"]:
                if row["grade"] and row["cells"].get("spend_progress"):
                    at = (form["sheet"], row["cells"]["spend_progress"])
                    assert marks.get(at) == profile.colours()[row["grade"]], (context, file.name, at, row["grade"])


# ---------------------------------------------------------------------------------------------------------------
# 3. Consolidating, and one level up.
# ---------------------------------------------------------------------------------------------------------------

GRADED_SHEETS = ("汇总表", "项目明细", "指标偏差", "重点监控建议")


def consolidated(*inputs: Path, output: Path, profile: Path, more: tuple[str, ...] = ()) -> dict:
    output.parent.mkdir(parents=True, exist_ok=True)
    code, out, err = cli("consolidate", "--format", "json", "--profile", str(profile), *map(str, inputs),
                         "-o", str(output), *more)
    assert code == 0, err
    return json.loads(out)


def standing(data: dict) -> dict:
    """What a profile decides of a summary: its grades, the totals and the findings' codes."""
    return {"grades": data["grades"], "grade": data["grade"], "totals": data["totals"], "gap": data["gap"],
            "codes": Counter(d["code"] for d in data["diagnostics"])}


def another(profile: Profile, rng: random.Random) -> dict:
    """Settings that grade otherwise than `profile`: its gaps moved."""
    green = min(round(profile.funding.green_max_gap + rng.choice((0.03, 0.07, 0.12)), 3), 0.9)
    return {"funding": {"green_max_gap": green, "yellow_max_gap": max(green, profile.funding.yellow_max_gap)}}


def graded(path: Path, where: Path | None) -> dict:
    """The sheets of a summary a profile decides (grades, 重点监控建议, the indicators behind), its paths below
    `where`, and the profile it keeps."""
    import test_front_ends_consolidate_properties as fronts

    kept = {k: v for k, v in fronts.sheets(path, where).items() if k in GRADED_SHEETS}
    made = profile_in(CalamineWorkbook.from_path(str(path)).get_sheet_by_name(RECORDS_SHEET).to_python())
    return {**kept, "profile": [[json.dumps(made.model_dump(mode="json"), ensure_ascii=False)]]}


def complete(summary: Path, out: Path, profile: Profile) -> Path:
    """The summary with its 部门整体 completed as a department does: its goal, and an indicator in every group."""
    from openpyxl import load_workbook

    from xlmon.form_plan import INDICATOR_COLS, letter, plan_form

    layout = plan_form("department", year=2026, months=6, hierarchy=profile.levels()).layout
    col = {k: letter(c) for k, c in INDICATOR_COLS.items()}
    book = load_workbook(summary)
    ws = book["部门整体"]
    ws[layout.header["goal"]] = "保障全市教育事业正常运转"
    done = set()
    for level1, level2, r in layout.indicator_rows:
        if (level1, level2) not in done:
            done.add((level1, level2))
            ws[f"{col['level3']}{r}"], ws[f"{col['target']}{r}"] = f"{level2}完成率", "≥90%"
            ws[f"{col['actual']}{r}"], ws[f"{col['forecast']}{r}"] = "50%", "92%"
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out


def footer_of(path: Path, sheet: str) -> str:
    from openpyxl import load_workbook

    return load_workbook(path)[sheet].oddFooter.left.text or ""


def alike_settings(profile: Profile, rng: random.Random) -> dict:
    """A bureau's profile of the same grading rules as `profile`, its other settings its own."""
    data = profile.model_dump(mode="json")
    other = random_settings(rng)
    settings = {"funding": data["funding"], "indicators": data["indicators"]}
    for section in ("palette", "amounts", "consolidation", "goal_review", "hierarchy"):
        if section in other:
            settings[section] = other[section]
    return settings


@pytest.mark.parametrize("seed", seeds(8, SALT))
def test_every_front_end_consolidates_by_the_citys_profile_and_the_bureau_keeps_it(tmp_path, home, seed):
    import test_front_ends_consolidate_properties as fronts
    from test_consolidate import indicator_groups
    from test_entry_points import DesktopBook

    rng = random.Random(seed)
    path, profile = random_profile(rng, tmp_path / "rules")
    context = f"seed {seed}:\n{path.read_text('utf-8')}"
    folder = tmp_path / "units" / fronts.TOP
    department_of(rng, folder)
    served = TestClient(create_app(Settings(token=None, profile=profile)), base_url="https://testserver")

    summary = tmp_path / "cli" / "部门汇总.xlsx"
    by_cli = consolidated(folder, output=summary, profile=path)
    ours = graded(summary, folder)
    assert ours["profile"] == [[json.dumps(profile.model_dump(mode="json"), ensure_ascii=False)]], context
    levels = {l2 for names in profile.levels().values() for l2 in names}
    groups = indicator_groups(summary, "部门整体")
    assert {l2 for _, l2 in groups} == levels, (context, groups)

    by_web = fronts.post_folder(served, "/api/consolidate", folder, None)
    assert standing(by_web) == standing(by_cli), context
    web_copy = tmp_path / "web" / "部门汇总.xlsx"
    web_copy.parent.mkdir()
    web_copy.write_bytes(base64.b64decode(by_web["download"]["data"]))
    assert not fronts.differences(ours, graded(web_copy, None)), context

    message, by_addin = ep.summarise_folder(folder, None, profile)
    assert by_addin is not None, (context, message)
    assert not fronts.differences(ours, graded(by_addin, folder)), context
    by_addin.unlink()
    assert A.install(tmp_path / "XLSTART", out=lambda line: None, platform="win32", profile=path) == 0, context
    book = DesktopBook(str(folder / "工作簿1.xlsx"))
    ep.consolidate_folder(book, folder, open_summary=False)  # 汇总 on the ribbon, by the profile installed
    [(text, _)] = book.app.shown
    pressed = next(folder.glob("部门汇总*.xlsx"), None)
    assert pressed is not None, (context, text)
    assert not fronts.differences(ours, graded(pressed, folder)), context
    pressed.unlink()

    completed = complete(summary, tmp_path / "completed" / "部门汇总.xlsx", profile)
    code, out, _ = cli("check", "--format", "json", "--profile", str(path), str(completed))
    hierarchy = [d for f in json.loads(out)["files"] for d in f["diagnostics"] if d["code"] in ("R101", "R102")]
    assert not hierarchy, (context, hierarchy)
    carried = consolidated(folder, output=tmp_path / "carried" / "部门汇总.xlsx", profile=path,
                           more=("--overall-from", str(completed)))
    said = Counter(d["code"] for d in carried["diagnostics"])
    assert carried["carried"]["indicators"] == len(levels) and not said["K009"] and not said["K013"], (context, said)

    again = consolidated(summary, output=tmp_path / "bureau" / "汇总.xlsx", profile=path)
    same = standing(again)
    assert (same["grades"], same["grade"], same["totals"]) == (by_cli["grades"], by_cli["grade"], by_cli["totals"]), context
    assert not {"K014", "K015", "K020"} & set(same["codes"]), (context, same["codes"])

    alike = write_profile(tmp_path / "bureau", alike_settings(profile, rng), "局规则（同）.toml")
    assert not grading_differences(profile, load_profile(alike)), context
    by_alike = standing(consolidated(summary, output=tmp_path / "bureau3" / "汇总.xlsx", profile=alike))
    assert (by_alike["grades"], by_alike["totals"]) == (by_cli["grades"], by_cli["totals"]), context
    assert not {"K014", "K015", "K020"} & set(by_alike["codes"]), (context, by_alike["codes"])

    other = write_profile(tmp_path / "bureau", another(profile, rng), "局规则.toml")
    assert grading_differences(profile, load_profile(other)), context
    otherwise = consolidated(summary, output=tmp_path / "bureau2" / "汇总.xlsx", profile=other)
    codes = Counter(d["code"] for d in otherwise["diagnostics"])
    assert codes["K020"] == 1 and not codes["K014"], (context, codes)
    assert otherwise["totals"] == by_cli["totals"], context
    for output, kept in (("bureau", False), ("bureau2", True)):  # the printed rules say which grades are kept
        footer = footer_of(tmp_path / output / "汇总.xlsx", "项目明细")
        assert ("K020" in footer) == kept, (context, output, footer)


# ---------------------------------------------------------------------------------------------------------------
# 4. The report.
# ---------------------------------------------------------------------------------------------------------------

GRADING_WORDS = re.compile(r"个百分点|红灯|黄灯|绿灯|重点监控")


@pytest.mark.parametrize("seed", seeds(8, SALT))
def test_the_report_of_the_units_and_of_their_summary_grade_alike(tmp_path, home, seed):
    from test_entry_points import DesktopWorkbook
    from test_report_properties import read_report

    rng = random.Random(seed)
    path, profile = random_profile(rng, tmp_path / "rules")
    context = f"seed {seed}:\n{path.read_text('utf-8')}"
    folder = tmp_path / "units"
    department_of(rng, folder)
    summary = tmp_path / "summary" / "部门汇总.xlsx"
    consolidated(folder, output=summary, profile=path)
    drafted = {}
    for name, source in (("units", folder), ("summary", summary)):
        out = tmp_path / f"{name}.docx"
        code, _, err = cli("report", str(source), "-o", str(out), "--profile", str(path))
        assert code == 0, (context, err)
        drafted[name] = read_report(out)
    served = TestClient(create_app(Settings(token=None, profile=profile)), base_url="https://testserver")
    answer = served.post("/api/report", files=[("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())])
    assert answer.status_code == 200, (context, answer.text)
    (tmp_path / "web.docx").write_bytes(base64.b64decode(answer.json()["download"]["data"]))
    drafted["web"] = read_report(tmp_path / "web.docx")
    assert A.install(tmp_path / "XLSTART", out=lambda line: None, platform="win32", profile=path) == 0, context
    text = ep.report(DesktopWorkbook(summary))  # 生成报告 in the summary, by the profile installed
    found = re.search(r"分析报告（草稿）已保存为 (.+?\.docx)。", text)
    assert found, (context, text)
    drafted["button"] = read_report(Path(found[1]))
    said = {name: [line for line in d.lines if GRADING_WORDS.search(line)] for name, d in drafted.items()}
    assert said["button"] == said["summary"] and said["web"] == said["units"], (context, said)
    assert said["units"] == said["summary"], (context, said)
    assert drafted["units"].lines == drafted["summary"].lines, (context, set(drafted["units"].lines) ^ set(drafted["summary"].lines))
    assert drafted["units"].tables == drafted["summary"].tables, context
    behind = [line for line in said["units"] if line.startswith(("支出进度落后时间进度超过", "各单位支出进度落后时间进度均未超过"))]
    assert len(behind) == 1 and f"{profile.funding.green_max_gap * 100:g} 个百分点" in behind[0], (context, behind)
