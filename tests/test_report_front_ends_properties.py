"""One report, three front ends: a department's folder of units' files drafted into its 绩效监控分析报告 by `xlmon report`,
by the web page's `POST /api/report` (the folder chosen on the page and sent as index.js sends it) and by the add-in's
生成报告 in desktop Excel, pressed in the summary its 汇总 made of the folder (the add-in drafts from one open book).
The three reports say the same thing paragraph by paragraph and table by table; every figure is the consolidation's
(`xlmon consolidate --format json` of the same folder, test_report_properties.assert_states); no input is changed,
nothing but the report is written; a unit's text (a project called =HYPERLINK(…) or { PAGE }…) stays text in the
.docx, never a field or a link.

The folders are test_front_ends_consolidate_properties' inboxes: a damaged file, a copy, a correction, a unit of
another period, last time's summary, the roster beside the files (or also given with --roster, or chosen in the
page's field), sub-folders.

What may differ, and why:
- the file a report is written to, and its name (the command line's -o, the page's download, the add-in's
  部门汇总_分析报告.docx beside the summary): never in the report itself, so nothing in it is allowed to differ;
- last time's summary, skipped, is said to be of the files 一同选择 (chosen together) on the page, where it is of
  the files in its folder for the command line (run.skip_own_summaries' `where`), as for 汇总;
- the folder chosen on the page is sent without its own name (index.js), so a file at its top that shares its name
  with one in a sub-folder is named by the upload's folder, 上传的文件/监控表.xlsx, where the command line names the
  folder itself, as for 汇总.
When last time's summary in the folder has its 部门整体 completed, the add-in's 汇总 carries it into the summary it
makes and so into its report, and `xlmon report FOLDER` and the page carry it too: all three are then the report of
the summary `xlmon consolidate --overall-from` makes, which stands in for the consolidation's figures.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import base64
import io
import json
import random
import re
import shutil
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path

import pytest
from docx import Document

import test_front_ends_consolidate_properties as fronts
from test_entry_points import DesktopWorkbook
from test_front_ends_consolidate_properties import (SKIPPED, SKIPPED_UPLOAD, SUMMARY, TOP, cli, hashes, inbox, post_folder)
from test_report_properties import Drafted, assert_states, read_report, seeds, sheets
from xlmon import entry_points as ep
from xlmon.cli import main
from xlmon.consolidate.aggregate import WRITING_CODES
from xlmon.server.app import UPLOADED

# what units type into a project's name that Word or Excel would take for a field, a formula or a link
AWKWARD = ('=HYPERLINK("#A1","点此查看")', "{ PAGE }校园维修", "{ MERGEFIELD 项目 } 设备购置", "=1+1 信息化建设")
REPORT = "分析报告.docx"


def with_awkward_names(random_units):
    """The generator's units, one project of one of them named as AWKWARD has it."""
    def units(rng: random.Random, count: int):
        made = random_units(rng, count)
        unit = rng.choice(made)
        i = rng.randrange(len(unit.projects))
        unit.projects[i] = replace(unit.projects[i], name=rng.choice(AWKWARD))
        return made
    return units


def report_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["report", *args])
    return code, out.getvalue(), err.getvalue()


def report_web(client, folder: Path, roster: Path | None, into: Path) -> Path:
    """生成报告 on the page, the folder chosen (and the roster perhaps in its own field, as for 汇总)."""
    answer = post_folder(client, "/api/report", folder, roster)
    into.mkdir(parents=True, exist_ok=True)
    out = into / answer["download"]["name"]
    out.write_bytes(base64.b64decode(answer["download"]["data"]))
    return out


def report_addin(folder: Path) -> tuple[Path, Path, str]:
    """汇总 of the folder, then 生成报告 in the summary it made, opened in desktop Excel: the summary, the report and
    the alert's text."""
    _, summary = ep.summarise_folder(folder)
    assert summary is not None, folder
    book = DesktopWorkbook(summary)
    text = ep.report(book)
    [(shown, _)] = book.app.shown
    assert shown == text
    found = re.search(r"分析报告（草稿）已保存为 (.+?\.docx)。", text)
    assert found, text
    return summary, Path(found[1]), text


def fields(path: Path) -> list[str]:
    """The field codes and links in a .docx: the writer's own page number, and nothing a unit typed."""
    with zipfile.ZipFile(path) as docx:
        xml = "".join(docx.read(n).decode() for n in docx.namelist() if n.startswith("word/") and n.endswith(".xml"))
    return (re.findall(r"<w:instrText[^>]*>([^<]*)<", xml) + re.findall(r'<w:fldSimple [^>]*w:instr="([^"]*)"', xml)
            + re.findall(r"<w:hyperlink\b", xml))


def uploaded(report: Drafted) -> Drafted:
    """The page's report, last time's summary skipped said to be of the files chosen with it, not of its folder; a
    file at the folder's top named by the upload's folder."""
    return Drafted([line.replace(SKIPPED_UPLOAD, SKIPPED).replace(f"{UPLOADED}/", f"{TOP}/") for line in report.lines],
                   report.tables)


def same(a: Drafted, b: Drafted, context: str, who: str) -> None:
    for i, (x, y) in enumerate(zip(a.lines, b.lines)):
        assert x == y, (who, i, x, y, context)
    assert len(a.lines) == len(b.lines), (context, who, a.lines[len(b.lines):], b.lines[len(a.lines):])
    assert list(a.tables) == list(b.tables), (context, who, list(a.tables), list(b.tables))
    for caption in a.tables:
        assert a.tables[caption] == b.tables[caption], (context, who, caption)


@pytest.mark.parametrize("seed", seeds(4, 73))
def test_the_three_front_ends_draft_one_report(tmp_path, client, seed, monkeypatch):
    monkeypatch.setattr(fronts, "random_units", with_awkward_names(fronts.random_units))
    rng = random.Random(seed)
    box = inbox(rng, tmp_path / "in")
    context = f"seed {seed}: {sorted(hashes(box.folder))}"
    folders = {way: tmp_path / way / TOP for way in ("cli", "addin")}
    for copy in folders.values():
        shutil.copytree(box.folder, copy)  # times kept
    before = hashes(box.folder)

    # the command line, the report written in the folder itself, as a user may
    options = ["--roster", str(folders["cli"] / box.roster.name)] if box.roster and rng.random() < 0.5 else []
    output = folders["cli"] / REPORT
    code, out, err = report_cli(str(folders["cli"]), "-o", str(output), *options)
    assert code == 0 and f"：{output}。" in out, (context, out, err)
    by_cli = read_report(output)

    # the consolidation of the same folder, and what the report states against it
    summary = tmp_path / "json" / SUMMARY
    code, out, err = cli("--format", "json", str(folders["cli"]), "-o", str(summary), *options)
    assert code == 0, (context, err)
    data = json.loads(out)
    # what 汇总 says of the summary it writes (the department's columns carried from last time's, or left behind; a
    # completed 部门整体 beside the units' files not carried, K021) is no finding in the units' forms, which the report
    # counts
    data["diagnostics"] = [d for d in data["diagnostics"] if d["code"] not in WRITING_CODES]
    if box.completed:  # the report carries last time's completed 部门整体, as --overall-from carries it, not this one
        carried = tmp_path / "carried" / SUMMARY
        code, _, err = cli(str(folders["cli"]), "-o", str(carried), "--overall-from",
                           str(folders["cli"] / box.earlier.name), *options)
        assert code == 0, (context, err)
        code, _, err = report_cli(str(carried), "-o", str(tmp_path / "carried" / REPORT))
        assert code == 0, (context, err)
        same(read_report(tmp_path / "carried" / REPORT), by_cli, context, "cli (部门整体 carried)")
    else:
        assert_states(by_cli, data, sheets(summary), context)

    by_web = uploaded(read_report(report_web(client, box.folder, box.roster if box.roster and rng.random() < 0.3
                                             else None, tmp_path / "web")))
    same(by_cli, by_web, context, "web")

    made, written, alert = report_addin(folders["addin"])
    assert written.parent == folders["addin"] and written.name == f"{made.stem}_分析报告.docx", (context, alert)
    by_addin = read_report(written)
    same(by_cli, by_addin, context, "addin")

    # no input changed; nothing written but the report (and the add-in's summary); a unit's text stays text
    assert hashes(box.folder) == before, context
    assert {k: v for k, v in hashes(folders["cli"]).items() if k != REPORT} == before, context
    assert {k: v for k, v in hashes(folders["addin"]).items() if k not in (made.name, written.name)} == before, context
    assert made.name not in before and written.name not in before, context
    for path in (output, written, tmp_path / "web" / "部门绩效监控分析报告.docx"):
        assert set(fields(path)) <= {" PAGE "}, (context, path, fields(path))
    text = by_cli.text()
    for name in AWKWARD:
        assert not re.search(re.escape(name[:5]) + r"(?!" + re.escape(name[5:]) + ")", text), (context, name)

    # a report kept after somebody worked on it is never written over; the command line says so and writes nothing
    doc = Document(str(output))
    doc.add_paragraph("（已补充）")
    doc.save(str(output))
    kept = output.read_bytes()
    code, _, err = report_cli(str(folders["cli"]), "-o", str(output), *options)
    assert code == 2 and "不会覆盖" in err and output.read_bytes() == kept, (context, err)
    assert set(hashes(folders["cli"])) == set(before) | {REPORT}, context
