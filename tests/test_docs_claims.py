"""What README.md and docs/addin.md state that a run can show, run on the sample department as a new user runs it:
the JSON keys they list, the summary's sheets, the demo's numbers, the example line, the exit codes, the ribbon's
buttons. Each test reads the claim from the document where it can, so that the two cannot part silently."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from conftest import ROOT
from xlmon.cli import main

README = (ROOT / "README.md").read_text(encoding="utf-8")
ADDIN_DOC = (ROOT / "docs" / "addin.md").read_text(encoding="utf-8")


def section(command: str) -> str:
    """The README's section of `xlmon <command>`, from its heading to the next."""
    heading = re.search(rf"^#+ `xlmon {command}\b.*$", README, re.M)
    assert heading, command
    end = re.compile(r"^#+ ", re.M).search(README, heading.end())
    return README[heading.start():end.start() if end else len(README)]


def keys(listed: str) -> set[str]:
    """The keys a README brace lists: `{"path", "status"}` or `{path, status}`."""
    return set(re.findall(r"\w+", listed))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """`xlmon demo` into a folder of its own, as the README's first command does."""
    folder = tmp_path_factory.mktemp("readme") / "demo"
    assert main(["demo", str(folder)]) == 0
    return folder


def run_json(capsys, argv) -> tuple[int, dict]:
    capsys.readouterr()
    code = main([*argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------------------- ## Layout

def test_layout_names_every_module_and_package():
    """A new developer finds each piece of src/xlmon in the README's Layout table (the packages' modules too)."""
    layout = README[README.index("## Layout"):README.index("## Commands")]
    package = ROOT / "src" / "xlmon"
    pieces = [p for p in package.iterdir() if p.suffix == ".py" or (p.is_dir() and not p.name.startswith("__"))]
    pieces += [p for d in package.iterdir() if d.is_dir() and (d / "__init__.py").exists() for p in d.glob("*.py")]
    unnamed = sorted(str(p.relative_to(package)) for p in pieces
                     if p.name not in ("__init__.py", "__main__.py") and p.name not in layout)
    assert not unnamed, f"not in the README's Layout: {unnamed}"


# ---------------------------------------------------------------------------------- xlmon check

def test_check_json_is_the_contract_the_readme_quotes(sample, capsys):
    quoted = re.search(r'`--format json` prints one JSON object \(`\{"files": \[(\{[^}]*\})\]\}`', section("check"))
    assert quoted, "the README no longer quotes check's JSON contract"
    code, data = run_json(capsys, ["check", str(sample)])
    assert code == 1 and set(data) == {"files"}
    assert all(set(record) == keys(quoted.group(1)) for record in data["files"]), data["files"][0].keys()
    # "rates are fractions, amounts in 万元 …, rounded to 4 decimals"
    assert "rates are fractions" in section("check") and "rounded to 4\ndecimals" in section("check")
    numbers = [v for v in re.findall(r"-?\d+\.\d+", json.dumps(data["files"]))]
    assert numbers and all(len(n.split(".")[1]) <= 4 for n in numbers), [n for n in numbers if len(n.split(".")[1]) > 4]
    forms = [form for record in data["files"] for form in record["forms"]]
    assert {form["time_progress"] for form in forms} == {0.5}  # 1-6月, a fraction


def test_check_example_line_is_what_the_demo_prints(sample, capsys):
    """The line the README shows of `xlmon check` is one the sample department gives, word for word up to its …"""
    example = re.search(r"ruff style:\n\n```\n(demo/[^\n]*)\n```", section("check"))
    assert example, "the README's example of a finding's line is gone"
    shown = example.group(1).removesuffix("…")
    capsys.readouterr()
    main(["check", str(sample)])
    printed = capsys.readouterr().out.replace(str(sample), "demo").splitlines()
    assert any(line.startswith(shown) for line in printed), (shown, [line for line in printed if shown[:30] in line])


# ---------------------------------------------------------------------------------- xlmon consolidate

def test_consolidate_json_has_the_keys_the_readme_lists(sample, tmp_path, capsys):
    text = section("consolidate")
    listed = re.search(r'`--format json` prints\s*`(\{"output".*?\})`', text, re.S)
    assert listed, "the README no longer lists consolidate's JSON keys"
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某市第一中学\n某市新单位\n", encoding="utf-8")
    code, data = run_json(capsys, ["consolidate", str(sample), "-o", str(tmp_path / "汇总.xlsx"), "--roster", str(roster)])
    assert code == 0 and set(data) == keys(listed.group(1))
    files = re.search(r"`files`: each `(\{[^}]*\})`", text)
    assert files and all(set(f) == keys(files.group(1)) for f in data["files"])
    departments = re.search(r"`departments`: [^`]*each `(\{[^}]*\})`", text)
    assert departments and all(set(d) == keys(departments.group(1)) for d in data["departments"])
    roster_keys = re.search(r"`roster`:\s*`(\{[^}]*\})` or null", text)
    assert roster_keys and set(data["roster"]) == keys(roster_keys.group(1))
    assert data["missing_units"] == ["某市新单位"]


def test_summary_sheets_are_the_seven_the_readme_numbers(sample, tmp_path):
    from openpyxl import load_workbook

    numbered = re.findall(r"^\d\. \*\*(.+?)\*\*", section("consolidate"), re.M)
    assert len(numbered) == 7 and "seven sheets" in README
    out = tmp_path / "汇总.xlsx"
    assert main(["consolidate", str(sample), "-o", str(out)]) == 0
    book = load_workbook(out, read_only=True)
    assert [ws.title for ws in book.worksheets if ws.sheet_state == "visible"] == numbered


# ---------------------------------------------------------------------------------- xlmon demo

def test_demo_is_the_department_the_readme_describes(sample, tmp_path, capsys):
    said = re.search(r"(某市\S+) with (\d+) units and (\d+) project forms \(plus (\w+) 部门整体 forms\)", section("demo"))
    assert said, "the README no longer says what the demo holds"
    department, units, projects, overall = said.group(1), int(said.group(2)), int(said.group(3)), said.group(4)
    overall = {"one": 1, "two": 2, "three": 3}[overall]
    code, data = run_json(capsys, ["consolidate", str(sample), "-o", str(tmp_path / "汇总.xlsx")])
    assert code == 0
    assert (data["units"], data["projects"]) == (units, projects)
    assert [d["name"].split("（")[0] for d in data["departments"]] == [department]
    code, checked = run_json(capsys, ["check", *map(str, sorted(sample.glob("某市*.xlsx")))])
    kinds = [form["kind"] for f in checked["files"] for form in f["forms"]]
    assert len(checked["files"]) == units and (kinds.count("project"), kinds.count("department")) == (projects, overall)


# ---------------------------------------------------------------------------------- the exit codes the README states

def test_exit_codes_are_those_the_readme_states(sample, tmp_path, capsys):
    """check: 0 no error-severity finding, 1 findings or no workbook at all, 2 usage; consolidate: 0 written, 1 nothing
    usable, 2 the output an input, the roster, an existing workbook that is no summary, or --overall-from no completed
    summary; report: 0 written, 1 no usable form, 2 an existing file that is no report left as written; template: an
    existing FILE refused, exit 2; clear: no marks, a line and no copy (0), an -o that exists refused (2); demo: a
    folder holding other workbooks refused (exit 2); profile --check: 0 valid, 1 otherwise."""
    empty = tmp_path / "空"
    empty.mkdir()
    unit = sample / "某市第一中学.xlsx"  # warnings and notes only
    erring = sample / "某市第二中学.xlsx"
    other = tmp_path / "其他.xlsx"
    shutil.copy(unit, other)
    roster = tmp_path / "名单.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["单位名称"])
    book.active.append(["某市第一中学"])
    book.save(roster)
    summary = tmp_path / "汇总.xlsx"
    cases = [
        (["check", str(unit)], 0),
        (["check", str(erring)], 1),
        (["check", str(empty)], 1),
        (["check", str(tmp_path / "无此文件.xlsx")], 1),
        (["check", str(unit), str(erring), "--annotate", str(tmp_path / "标注.xlsx")], 2),
        (["consolidate", str(sample), "-o", str(summary)], 0),
        (["consolidate", str(empty), "-o", str(tmp_path / "空汇总.xlsx")], 1),
        (["consolidate", str(sample), "-o", str(unit)], 2),
        (["consolidate", str(sample), "-o", str(roster), "--roster", str(roster)], 2),
        (["consolidate", str(sample), "-o", str(other)], 2),
        (["consolidate", str(sample), "-o", str(tmp_path / "新汇总.xlsx"), "--overall-from", str(summary)], 2),
        (["report", str(sample), "-o", str(tmp_path / "报告.docx")], 0),
        (["report", str(sample), "-o", str(tmp_path / "报告.docx")], 0),  # its own draft, unchanged: replaced
        (["report", str(empty), "-o", str(tmp_path / "空报告.docx")], 1),
        (["report", str(sample), "-o", str(other)], 2),
        (["template", "project", "-o", str(other)], 2),
        (["clear", str(unit)], 0),  # no marks
        (["check", str(unit), "--annotate", str(tmp_path / "标注副本.xlsx")], 0),
        (["clear", str(tmp_path / "标注副本.xlsx"), "-o", str(other)], 2),
        (["demo", str(tmp_path)], 2),
        (["profile", "--check", str(ROOT / "src" / "xlmon" / "profiles" / "default.toml")], 0),
        (["profile", "--check", str(roster)], 1),  # not TOML
        (["profile", "--check", str(tmp_path / "无此配置.toml")], 1),
    ]
    for argv, expected in cases:
        capsys.readouterr()
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code
        assert code == expected, (argv, code, capsys.readouterr())
    assert not (tmp_path / "标注.xlsx").exists() and not (tmp_path / "空汇总.xlsx").exists()
    assert not list(sample.glob("*已清除*")) and not list(tmp_path.glob("*已清除*"))
    for usage in (["check"], ["consolidate", str(sample)], ["template", "form", "-o", "x.xlsx"]):
        with pytest.raises(SystemExit) as exc:
            main(usage)
        assert exc.value.code == 2, usage


# ---------------------------------------------------------------------------------- the web page's routes

def test_api_answers_carry_the_keys_the_readme_lists(sample, client, capsys, tmp_path):
    routes = next(line for line in README.splitlines() if line.startswith("| `POST /api/check`"))
    units = [("files", (p.name, p.read_bytes())) for p in sorted(sample.glob("某市*.xlsx"))]
    check = client.post("/api/check", files=units[:2])
    assert check.status_code == 200
    assert set(check.json()) == {"files", "annotated", "unmarked"}
    assert "`/api/check`" in routes and "answers `check --format json`'s `files` plus `annotated`" in routes \
        and "and `unmarked`" in routes
    said = re.search(r"answers `consolidate --format json` plus `roster` \(`(\{[^}]*\})` or null\), (.*?) \(汇总表's",
                     routes)
    assert said, "the README no longer lists what /api/consolidate answers"
    extra = set(re.findall(r"`(\w+)`", said.group(2)))
    roster = ("roster", ("名单.csv", "单位名称\n某市第一中学\n某市新单位\n".encode()))
    body = client.post("/api/consolidate", files=[*units, roster]).json()
    code, cli = run_json(capsys, ["consolidate", str(sample), "-o", str(tmp_path / "汇总.xlsx")])
    assert code == 0 and set(body) == set(cli) | {"roster"} | extra, set(body) ^ (set(cli) | extra)
    assert set(body["roster"]) == keys(said.group(1))
    download = re.search(r"`download` \(the summary, `(\{[^}]*\})`, base64\)", said.group(2))
    assert download and set(body["download"]) == keys(download.group(1))
    report = re.search(r"`/api/report` [^|]*answers the report \(`(\w+)`\) with `(\w+)` and `(\w+)`", routes)
    assert report and set(client.post("/api/report", files=units).json()) == set(report.groups())


# ---------------------------------------------------------------------------------- docs/addin.md

def test_addin_doc_counts_and_names_the_ribbons_buttons():
    ribbon = (ROOT / "addin" / "src" / "customUI.xml").read_text(encoding="utf-8")
    labels = re.findall(r'<button [^>]*label="([^"]+)"', ribbon)
    count = re.search(r"the 绩效监控 tab shows (\d+) buttons", ADDIN_DOC)
    assert count and int(count.group(1)) == len(labels), (count and count.group(0), labels)
    table = re.search(r"\| 按钮 \| 作用 \|\n\| --- \| --- \|\n((?:\|.*\n)+)", ADDIN_DOC)
    assert table and [row.split("|")[1].strip() for row in table.group(1).splitlines()] == labels


# ---------------------------------------------------------------------------------- the rule profile

def test_milestones_the_readme_states_are_the_default_profile():
    from xlmon.profile import load_profile

    said = re.search(r"optional milestones ((?:\d+月 \d+ %(?:, )?)+)", README)
    assert said, "the README no longer states the default milestones"
    stated = {int(m): int(p) / 100 for m, p in re.findall(r"(\d+)月 (\d+) %", said.group(1))}
    assert stated == load_profile(None).funding.milestones


def test_numbers_the_readme_states_are_the_built_in_ones():
    """Thresholds, limits and caps the README quotes in words, against the profile and the constants that hold them."""
    from xlmon.cli import build_parser
    from xlmon.consolidate.aggregate import CHART_BARS
    from xlmon.profile import load_profile
    from xlmon.report.content import LISTED_BEHIND, LISTED_RED
    from xlmon.server.app import Settings

    profile = load_profile(None)
    flat = " ".join(README.split())  # the README wraps its sentences anywhere

    def number(pattern: str) -> list[float]:
        found = re.search(pattern, flat)
        assert found, f"the README no longer says {pattern!r}"
        return [float(n) for n in found.groups()]

    review = profile.goal_review
    assert number(r"\(≥ (\d+) % quantified, ≥ (\d) 一级, ≥ (\d) 二级, ≥ (\d) 三级\)") == \
        [review.min_quantified_share * 100, review.min_level1, review.min_level2, review.min_level3]
    assert number(r"\(green ≤ (\d+) pp, yellow ≤ (\d+) pp") == \
        [profile.funding.green_max_gap * 100, profile.funding.yellow_max_gap * 100]
    assert number(r"within (\d+) % of the target yellow") == [profile.indicators.yellow_tolerance * 100]
    amounts = profile.amounts  # in 万元: 1 亿元 is 10,000
    assert number(r"over (\d+) 亿元 for a project, (\d+) 亿元 for a 部门整体") == \
        [amounts.project_max / 1e4, amounts.department_max / 1e4]
    assert number(r"R210: over (\d+) 亿元 for one project, (\d+) 亿元 for a department") == \
        [amounts.project_max / 1e4, amounts.department_max / 1e4]
    assert number(r"K019 where it is at least (\d+) 亿元 and (\d+) times the median") == \
        [amounts.apart_floor / 1e4, amounts.apart_times]
    palette = re.search(r"\(red (\w{6}), yellow (\w{6}), green (\w{6})", flat)
    assert palette and palette.groups() == (profile.palette.red, profile.palette.yellow, profile.palette.green)
    settings = Settings(token=None)
    assert number(r"\((\d+) MB a file, (\d+) files, (\d+) MB a request, a button's payload (\d+) MB;") == \
        [settings.max_file_mb, settings.max_files, settings.max_total_mb, settings.max_payload_mb]
    assert number(r"a printed page has room for, at most (\d+);") == [CHART_BARS]
    assert number(r"labelled percentage scale \(of the (\d+) furthest behind") == [CHART_BARS]
    assert number(r"\(of more than (\d+), the (\d+) least likely") == [LISTED_RED, LISTED_RED]
    assert number(r"the text names the (\d+) units furthest behind") == [LISTED_BEHIND]
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]
    defaults = {a.dest: a.default for a in serve._actions}
    said = re.search(r"`--host` defaults to ([\d.]+) .*?`--port` to (\d+)\.", flat)
    assert said and (said.group(1), int(said.group(2))) == (defaults["host"], defaults["port"])


# ---------------------------------------------------------------------------------- docs/diagnostics.md

def test_each_line_form_the_diagnostics_page_gives_is_one_check_prints(sample, tmp_path, capsys):
    """The page says how a finding prints; each of its forms is a line `xlmon check` prints, and every line is one."""
    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    head = " ".join(page.split("| code |")[0].split())
    forms = re.findall(r"`(file[^`]*): CODE message`", head)
    assert forms, "docs/diagnostics.md no longer says how a finding prints"
    shapes = {"file": r"[^:]+", "file:sheet": r"[^:]+:[^!:]+", "file:sheet!cell": r"[^:]+:[^!:]+![A-Z]+\d+"}
    assert set(forms) <= set(shapes)
    capsys.readouterr()
    main(["check", str(sample / "某市第二中学.xlsx"), str(sample / "某市教育技术装备中心.xlsx"),  # its 填报说明: S001
          str(tmp_path / "无此文件.xlsx")])
    lines = capsys.readouterr().out.splitlines()[:-1]  # the last is the count
    said = {form for line in lines for form in forms if re.fullmatch(rf"{shapes[form]}: [A-Z]\d{{3}} .+", line)}
    assert all(any(re.fullmatch(rf"{shapes[f]}: [A-Z]\d{{3}} .+", line) for f in forms) for line in lines), lines
    assert said == set(shapes), said


def test_severities_the_readme_gives_are_the_catalogues():
    """Where the README says a code is a note, info, a warning or an error, the catalogue agrees; and every code it
    names is in the catalogue."""
    from xlmon.diagnostics import catalogue

    codes = catalogue()
    flat = " ".join(README.split())
    named = set(re.findall(r"\b[FSNCRGK]\d{3}\b", flat))
    assert named <= set(codes), named - set(codes)
    said = {
        r"S131 \(info\)": ("S131", "info"), r"S134, info": ("S134", "info"), r"S114, info": ("S114", "info"),
        r"K017 \(info\)": ("K017", "info"), r"K020 \(warning\)": ("K020", "warning"),
        r"R304, a warning": ("R304", "warning"), r"with a warning \(N002\)": ("N002", "warning"),
        r"the note F015": ("F015", "info"), r"K018 \(a note": ("K018", "info"), r"an S130 note": ("S130", "info"),
        r"is an error \(S104\)": ("S104", "error"), r"an error naming its cell, S132": ("S132", "error"),
    }
    for pattern, (code, severity) in said.items():
        assert re.search(pattern, flat), f"the README no longer says {pattern!r}"
        assert codes[code].severity == severity, (code, codes[code].severity)
    families = re.search(r"`G…` red \(warning\) and yellow \(info\)", flat)
    assert families and {codes[c].severity for c in ("G101", "G201")} == {"warning"} \
        and {codes[c].severity for c in ("G102", "G202")} == {"info"}
    assert re.search(r"\(≥ 70 % quantified, [^)]*\) as warnings", flat)
    assert {codes[f"R11{n}"].severity for n in range(1, 5)} == {"warning"}


def test_readme_installs_the_tools_ci_installs():
    """The README's apt-get line for `make test` is the one .ci/run runs and the one a missing tool's skip names."""
    from conftest import INSTALL

    said = re.search(r"`apt-get install ([^`]+)`", README)
    ci = re.search(r"--no-install-recommends(.+?)\nfi\n", (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.S)
    assert said and ci
    packages = set(said.group(1).split())
    assert packages == set(INSTALL.removeprefix("apt-get install ").split()) == set(ci.group(1).split()) - {"\\"}


# ---------------------------------------------------------------------------------- xlmon clear

@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_clear_writes_the_default_names_the_readme_gives(sample, tmp_path, suffix, capsys):
    """`FILE-已清除.xlsx`, then `FILE-已清除（2）.xlsx`: FILE being the marked copy's name without its suffix, which the
    cleared copy keeps where the README says so (an .xlsm stays a workbook with macros)."""
    from openpyxl import load_workbook

    text = " ".join(section("clear").split())
    said = re.search(r"Default output: `FILE-已清除\.xlsx`( \(`\.xlsm` for an \.xlsm\))?, or `FILE-已清除（2）\.xlsx`", text)
    assert said, "the README no longer gives clear's default output"
    unit = tmp_path / f"二中{suffix}"
    load_workbook(sample / "某市第二中学.xlsx", keep_vba=True).save(unit)
    marked = tmp_path / f"标注{suffix}"
    assert main(["check", str(unit), "--annotate", str(marked)]) == 1
    kept = suffix if said.group(1) else ".xlsx"
    for name in (f"标注-已清除{kept}", f"标注-已清除（2）{kept}"):
        capsys.readouterr()
        assert main(["clear", str(marked)]) == 0
        assert (tmp_path / name).is_file() and name in capsys.readouterr().out, sorted(p.name for p in tmp_path.iterdir())
