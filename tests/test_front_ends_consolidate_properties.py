"""One implementation, three front ends: a department's folder of units' files consolidated by `xlmon consolidate`, by
the web page's `POST /api/consolidate` (the folder chosen on the page and sent as index.js sends it) and by the
add-in's 汇总 button in desktop Excel (`entry_points.consolidate_folder`) gives one summary: every sheet's values and
links the same, the same findings, files left out and units missing or unlisted, each front end saying so in Chinese
with the summary's counts; no input file is changed, and none is written over.

The folders are test_consolidate_properties' departments with what arrives beside the units' files: a copy, a
correction, a unit of another period, a damaged file, a text file named .xls, a zip, a Word file, a unit's form saved
as .xlsb or .ods, Office's lock file, last time's summary (completed, annotated, made again by the add-in beside it),
the roster (…名单.csv or .xlsx, on the page found among the files or chosen in its field too), a 科's list in its
sub-folder, sub-folders, names with spaces, names of some 80 characters, a unit's file called 部门汇总.xlsx.

What may differ, and why:
- where the summary was made (its hidden records keep the folder, for run.skip_own_summaries): the server's upload
  folder is not the user's; paths are compared below each front end's folder;
- the folder chosen on the page is sent without its own name (index.js: webkitRelativePath less its first part), so
  a file at its top that shares its name with one in a sub-folder is named by the upload's folder, 上传的文件/监控表.xlsx,
  where the command line and the add-in name the folder itself;
- last time's summary, skipped, is said to be of the files 一同选择 (chosen together) on the page, where they are in
  one folder for the command line and the add-in (run.consolidate's `where`);
- the page sends no lock file and no file that is not a workbook, zip, .xlsb, .ods, .rar or .7z (it says so before
  sending), but the names of the folder's other papers (index.js `others`), which the server lists as the command
  line lists those files, by their paths in the upload's folder: the answers' other_files are compared below each
  front end's folder;
- the command line carries a completed 部门整体 from the summary --overall-from names, as its user names it: it
  looks for none by itself.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import re
import shutil
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from test_consolidate import complete_department_form
from test_consolidate_properties import (COPY_NAMES, DEPARTMENTS, EPOCH, MONTHS, Department, add_strays, corrected,
                                         random_units, seeds, write_unit)
from test_entry_points import DesktopBook
from xlmon import entry_points as ep
from xlmon.atomic import free_name
from xlmon.cli import main
from xlmon.consolidate.run import consolidate
from xlmon.consolidate.said import SHOWN_REJECTED
from xlmon.server.app import UPLOADED

TOP = "某市教育局 2026年6月 报送"  # the folder the department head keeps the units' files in
SUMMARY = "部门汇总.xlsx"
MISSING = "某市未报送学校"  # on the roster, never sent


@dataclass
class Inbox:
    folder: Path
    workbooks: list[Path]  # the units' workbooks, any a unit sent
    roster: Path | None = None
    earlier: Path | None = None  # last time's summary in the folder
    completed: bool = False  # its 部门整体 completed by the department


def inbox(rng: random.Random, root: Path) -> Inbox:
    folder = root / TOP
    department = Department(*DEPARTMENTS[0], random_units(rng, rng.randint(3, 6)))
    add_strays(rng, department.units)
    if rng.random() < 0.3:
        rng.choice(department.units).months = MONTHS - 1
    place(rng, department)
    box = Inbox(folder, [])
    unit_called_so = any(unit.file == SUMMARY for unit in department.units)
    first = rng.randint(1, len(department.units)) if rng.random() < 0.35 and not unit_called_so else 0
    for i, unit in enumerate(department.units):
        if i == first:
            box.earlier, box.completed = last_times_summary(rng, folder)
        box.workbooks.append(write_unit(folder, unit, department.label))
    if first == len(department.units):
        box.earlier, box.completed = last_times_summary(rng, folder)
    copied = rng.choice(department.units)
    if rng.random() < 0.4:
        copy = folder / Path(copied.file).parent / rng.choice(COPY_NAMES).format(Path(copied.file).stem)
        shutil.copy2(folder / copied.file, copy)
        box.workbooks.append(copy)
    if rng.random() < 0.4:
        unit = rng.choice(department.units)
        box.workbooks.append(write_unit(folder, corrected(rng, unit, EPOCH + 3600), department.label))
    awkward(rng, box)
    if rng.random() < 0.7:
        box.roster = roster(rng, folder, department)
    if rng.random() < 0.4:  # the unit on the roster that sent no workbook sent its form typed in Word, or a PDF of it
        where = folder / rng.choice(("", "", "二科"))
        where.mkdir(exist_ok=True)
        (where / f"{MISSING}{rng.choice(('', ' 6月'))}监控表.{rng.choice(('docx', 'pdf'))}").write_bytes(
            b"%PDF-1.4 a form printed to PDF, or typed in Word")
    if rng.random() < 0.4:  # or saved as an .xlsb, or an .ods, which the command line refuses (F002) as that unit's
        where = folder / rng.choice(("", "", "二科"))
        where.mkdir(exist_ok=True)
        data = rng.choice((rng.randbytes(rng.randint(0, 64)), b"PK\x03\x04", box.workbooks[0].read_bytes()))
        (where / f"{MISSING}{rng.choice(('', ' 6月'))}监控表.{rng.choice(('xlsb', 'ods', 'XLSB'))}").write_bytes(data)
    return box


def place(rng: random.Random, department: Department) -> None:
    """Where each unit's file lies and what it is called: by the unit's name, with spaces, in a 科's sub-folder,
    or every unit's 监控表.xlsx in a folder of its own (one perhaps at the top); now and then a unit's file is
    called 部门汇总.xlsx, the name the add-in gives its summary."""
    way = rng.random()
    for unit in department.units:
        if way < 0.25:
            unit.file = f"{unit.name}/监控表.xlsx"
            # By design (run.skip_own_summaries) a file whose forms name no unit is known by its name alone: another
            # unit's 监控表.xlsx beside last time's summary would be taken for it.
            unit.unnamed = False
        elif rng.random() < 0.3:
            unit.file = f"{unit.name} 6月 监控表.xlsx"
        elif rng.random() < 0.1:  # as a unit names a file it re-sent: every project in it, often past 200 bytes
            unit.file = (f"{unit.name}2026年1-6月项目支出绩效运行监控表（"
                         f"{'、'.join(p.name for p in unit.projects)}）报送版（最终修改）.xlsx")
            if len(unit.file.encode()) > 255:  # more than a file system allows: no unit's file is called so
                unit.file = f"{unit.name}2026年1-6月项目支出绩效运行监控表（{unit.projects[0].name}等）.xlsx"
        elif rng.random() < 0.3:
            unit.file = f"{rng.choice(('一 科', '二科', '二科/小学'))}/{unit.name}.xlsx"
    if way < 0.25 and rng.random() < 0.5:
        department.units[0].file = "监控表.xlsx"
    elif rng.random() < 0.1:
        rng.choice(department.units).file = SUMMARY


def last_times_summary(rng: random.Random, folder: Path) -> tuple[Path | None, bool]:
    """The summary the department made of the files come so far, in their folder; perhaps its 部门整体 completed, a
    column of its own added (处理情况); perhaps made again later, by the add-in, beside it (部门汇总（2）.xlsx, which
    carries both). The latest, and whether its 部门整体 is completed."""
    if not folder.is_dir() or (folder / SUMMARY).exists():
        return None, False
    path = folder / SUMMARY
    consolidate([folder], path)
    completed = rng.random() < 0.4
    if completed:
        complete_department_form(path, forecast=500)
    if rng.random() < 0.4:
        book = load_workbook(path)
        book["校验问题"]["G1"], book["校验问题"]["G2"] = "处理情况", "已督促更正"
        book.save(path)
    os.utime(path, (EPOCH + 600, EPOCH + 600))
    if rng.random() < 0.4:
        _, path = ep.summarise_folder(folder)
        os.utime(path, (EPOCH + 1200, EPOCH + 1200))
    return path, completed


def awkward(rng: random.Random, box: Inbox) -> None:
    """What else lies in such a folder: a damaged workbook, text saved as .xls, a zip of workbooks (unpacked beside it
    or not), a 科's list of its units in its sub-folder, a Word file, Office's lock file."""
    folder = box.folder
    if rng.random() < 0.4:
        good = rng.choice(box.workbooks).read_bytes()
        (folder / "某市第二中学 （损坏）.xlsx").write_bytes(good[:len(good) // 2])
    if rng.random() < 0.3:
        (folder / "某市电化教育站 监控表.xls").write_text("单位名称\t项目\n某市电化教育站\t无\n", "utf-8")
    if rng.random() < 0.4:
        (folder / "某市实验小学 监控表.docx").write_bytes(b"PK\x03\x04not really a document")
    if rng.random() < 0.3:
        packed = rng.sample(box.workbooks, rng.randint(1, 2))
        with zipfile.ZipFile(folder / "某市 第一中学 报送.zip", "w") as archive:
            for path in packed:
                name = path.name if rng.random() < 0.7 else f"另一份{path.name}"
                if name in archive.namelist():  # two units' 监控表.xlsx from their sub-folders
                    name = f"另一份{name}"
                archive.write(path, name)
    if rng.random() < 0.2:  # a 科's own list of its units, kept in its sub-folder
        (folder / "一 科").mkdir(exist_ok=True)
        (folder / "一 科" / "一科单位名单.csv").write_text("单位名称\n某市第一中学\n", "utf-8")
    if rng.random() < 0.4:
        opened = rng.choice(box.workbooks)
        (opened.parent / f"~${opened.name}").write_bytes(b"\x06" + "张三".encode("utf-16-le").ljust(161, b"\x00"))


def roster(rng: random.Random, folder: Path, department: Department) -> Path:
    """…名单 beside the files, as a department keeps it (GBK or UTF-8 CSV, or a workbook): most units, written with
    their code or not, a space in a name now and then, and a unit that never sent anything."""
    names = [unit.written or unit.name for unit in department.units if rng.random() < 0.85]
    names = [n.replace("某市", "某市 ", 1) if rng.random() < 0.2 else n for n in names] + [MISSING]
    rows = [["2026年应报送单位名单"], ["序号", "单位名称"], *([i, n] for i, n in enumerate(names, 1))]
    if rng.random() < 0.3:
        path, book = folder / "2026年 应报送单位名单.xlsx", Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
        return path
    path = folder / "2026年应报送单位名单.csv"
    text = "\r\n".join(",".join(map(str, row)) for row in rows)
    path.write_bytes(text.encode(rng.choice(("gbk", "utf-8-sig"))))
    return path


# ---------------------------------------------------------------------------------------------------------------
# The front ends.
# ---------------------------------------------------------------------------------------------------------------

def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["consolidate", *args])
    return code, out.getvalue(), err.getvalue()


def page_files(folder: Path) -> list[tuple[str, Path]]:
    """What the page sends of a chosen folder (index.js addFiles): its workbooks, zips, other spreadsheets and archives
    (.xlsb, .ods, .rar, .7z: the server refuses them as the command line does) and the …名单 .csv/.txt at its top, by
    their paths in it; lock files and hidden ones left out; other papers, a 科's list in its sub-folder among them, not
    sent."""
    return [(name, path) for name, path, sent in _page_sorted(folder) if sent]


def page_others(folder: Path) -> list[str]:
    """The names the page sends of a chosen folder's other papers (index.js addFiles' `others`): the files it does
    not send, by their paths in it, but for lock files and hidden ones and a 科's list in its sub-folder. The server
    keeps those the command line would name (a unit's form typed in Word, a PDF), not a report or a 说明 sent beside
    the forms."""
    return [name for name, path, sent in _page_sorted(folder) if not sent
            and not ("名单" in path.name and re.search(r"\.(csv|txt)$", path.name, re.I))
            and path.name.lower() not in ("thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini")]


def _page_sorted(folder: Path) -> list[tuple[str, Path, bool]]:
    """A chosen folder's files but lock files and hidden ones, by their paths in it, and whether the page sends each."""
    out = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(("~$", ".")):
            continue
        sent = bool(re.search(r"\.(xls[xm]?|xlt[xm]?|ett?|xlsb|ods|zip|rar|7z)$", path.name, re.I) or (
            "名单" in path.name and re.search(r"\.(csv|txt)$", path.name, re.I) and path.parent == folder))
        out.append((path.relative_to(folder).as_posix(), path, sent))
    return out


def web(client: TestClient, folder: Path, roster: Path | None) -> dict:
    """The page's 汇总 of the chosen folder."""
    return post_folder(client, "/api/consolidate", folder, roster)


def post_folder(client: TestClient, route: str, folder: Path, roster: Path | None) -> dict:
    """What the page posts to `route` for the chosen folder, and the answer; the roster perhaps chosen in its own
    field too (then the page sends a …名单.csv found in the folder no more, while a …名单.xlsx, a workbook, goes with
    the files all the same)."""
    files, data = page_upload(folder, roster)
    response = client.post(route, files=files, data=data)
    assert response.status_code == 200, response.text
    return response.json()


def page_upload(folder: Path, roster: Path | None) -> tuple[list[tuple[str, tuple[str, bytes]]], dict[str, str]]:
    """The multipart fields the page posts to 汇总 and 生成报告 for the chosen folder (and the roster perhaps chosen in
    its own field): the files, then the roster's field; and the fields that are no file: the `modified` list, in the
    files' order, and `others`, the names of the folder's other papers not sent (page_others), when there are any."""
    sent = page_files(folder)
    if roster is not None:
        sent = [(name, path) for name, path in sent if path != roster or roster.suffix == ".xlsx"]
    files = [("files", (name, path.read_bytes())) for name, path in sent]
    if roster is not None:
        files.append(("roster", (roster.name, roster.read_bytes())))
    data = {"modified": json.dumps([int(path.stat().st_mtime * 1000) for _, path in sent])}  # file.lastModified
    if others := page_others(folder):
        data["others"] = json.dumps(others, ensure_ascii=False, separators=(",", ":"))  # as JSON.stringify writes it
    return files, data


def addin(folder: Path) -> str:
    """汇总 in desktop Excel, the folder chosen in its dialog: the alert's text."""
    book = DesktopBook(str(folder / "工作簿1.xlsx"))
    ep.consolidate_folder(book, folder, open_summary=False)
    [(text, _)] = book.app.shown
    return text


# ---------------------------------------------------------------------------------------------------------------
# Reading back.
# ---------------------------------------------------------------------------------------------------------------

UPLOAD = re.compile(r"/tmp/xlmon-upload-[^/\"]+/" + UPLOADED)


# last time's summary skipped among the units' files: in their folder, or chosen with them on the page (run.consolidate
# says which), as true of either
SKIPPED, SKIPPED_UPLOAD = "汇总的正是同一文件夹中的单位文件", "汇总的正是一同选择的单位文件"


def plain(value, folder: Path | None):
    """A text with the front end's folder (the user's, or the server's for an upload) as <folder>, and a file at
    its top named by it as <top>/…"""
    if not isinstance(value, str):
        return value
    value = UPLOAD.sub("<folder>", value.replace(str(folder), "<folder>") if folder else value)
    value = value.replace(SKIPPED_UPLOAD, SKIPPED)
    return value.replace(f"{TOP if folder else UPLOADED}/", "<top>/")


def sheets(path: Path, folder: Path | None) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: [[plain(v, folder) for v in row] for row in book.get_sheet_by_name(name).to_python()]
            for name in book.sheet_names}


def links(path: Path, folder: Path | None) -> dict[tuple[str, str], str]:
    book = load_workbook(path)
    return {(ws.title, cell.coordinate): plain(cell.hyperlink.target or f"#{cell.hyperlink.location}", folder)
            for ws in book.worksheets for row in ws.iter_rows() for cell in row if cell.hyperlink}


def differences(a: dict, b: dict) -> list:
    out = []
    for sheet in sorted(a.keys() | b.keys()):
        rows_a, rows_b = a.get(sheet, []), b.get(sheet, [])
        for r in range(max(len(rows_a), len(rows_b))):
            row_a = rows_a[r] if r < len(rows_a) else []
            row_b = rows_b[r] if r < len(rows_b) else []
            for c in range(max(len(row_a), len(row_b))):
                x = row_a[c] if c < len(row_a) else ""
                y = row_b[c] if c < len(row_b) else ""
                if x != y:
                    out.append((sheet, r + 1, c + 1, x, y))
    return out


def said(data: dict, folder: Path | None) -> dict:
    """What a front end's JSON says, its paths below its folder."""
    def name(path):
        return plain(path, folder).removeprefix("<folder>/") if path else path
    return {
        "period": data["period"], "projects": data["projects"], "units": data["units"],
        "departments": data["departments"], "totals": data["totals"], "grade": data["grade"],
        "grades": data["grades"], "gap": data["gap"], "time_progress": data["time_progress"],
        "duplicates": [plain(d, folder) for d in data["duplicates"]],
        "missing": data["missing_units"], "unlisted": data["unlisted_units"],
        "files": [(name(f["path"]), f["status"], f["forms"], plain(f["reason"], folder), f["sha256"], f["earlier"])
                  for f in data["files"]],
        "diagnostics": [(name(d["file"]), d["code"], d["severity"], d["sheet"], d["cell"], plain(d["message"], folder))
                        for d in data["diagnostics"]],
        "roster": data["roster"] and data["roster"]["units"], "roster_note": plain(data["roster_note"], folder),
        "carried": data["carried"] and {**data["carried"], "from": name(data["carried"]["from"])},
    }


def counts_said(text: str, data: dict, context: str) -> None:
    """The add-in's alert names what the summary holds: units, projects, files left out, the roster's counts."""
    rejected = [f for f in data["files"] if f["status"] == "rejected"]
    departments = f"{len(data['departments'])} 个主管部门、" if len(data["departments"]) > 1 else ""
    assert (f"汇总完成：{departments}{data['units']} 个单位，{data['projects']} 个项目，{len(rejected)} 个文件未采用，"
            in text), (context, text)
    if data["roster"]:
        assert f"未报送 {len(data['missing_units'])} 个" in text, (context, text)
        assert f"不在名单中 {len(data['unlisted_units'])} 个" in text, (context, text)
    for f in [f for f in rejected if not f["earlier"]][:SHOWN_REJECTED]:
        assert f"{Path(f['path']).name}：" in text, (context, text, f)


def cli_text_said(text: str, data: dict, context: str) -> None:
    rejected = [f for f in data["files"] if f["status"] == "rejected"]
    assert f"文件 {len(data['files'])} 个（未纳入 {len(rejected)} 个）" in text, (context, text)
    assert f"单位 {data['units']} 个，项目 {data['projects']} 个。" in text, (context, text)
    for unit in data["missing_units"]:
        assert f"  未报送：{unit}" in text, (context, text)
    for unit in data["unlisted_units"]:
        assert f"  不在名单中：{unit}" in text, (context, text)


# ---------------------------------------------------------------------------------------------------------------
# The property.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(6, 71))
def test_the_three_front_ends_consolidate_a_folder_alike(tmp_path, client, seed):
    rng = random.Random(seed)
    box = inbox(rng, tmp_path / "in")
    context = f"seed {seed}: {sorted(hashes(box.folder))}"
    folders = {way: tmp_path / way / TOP for way in ("cli", "text", "addin")}
    for copy in folders.values():
        shutil.copytree(box.folder, copy)  # times kept
    before = hashes(box.folder)
    output = free_name(folders["cli"] / SUMMARY)

    # the command line: refused over a unit's file or the roster, then as a user runs it
    victim = rng.choice([p for p in [*box.workbooks, box.roster] if p and p.suffix == ".xlsx"])
    code, _, err = cli(str(folders["cli"]), "-o", str(folders["cli"] / victim.relative_to(box.folder)))
    assert code == 2 and "xlmon: 汇总文件" in err and "不会" in err, (context, victim, err)
    assert hashes(folders["cli"]) == before, context
    options = ["--overall-from", str(folders["cli"] / box.earlier.name)] if box.completed else []
    if box.roster and rng.random() < 0.5:
        options += ["--roster", str(folders["cli"] / box.roster.name)]
    code, text, err = cli(str(folders["text"]), "-o", str(tmp_path / "text" / SUMMARY),
                          *[o.replace(str(folders["cli"]), str(folders["text"])) for o in options])
    assert code == 0, (context, err)
    code, out, err = cli("--format", "json", str(folders["cli"]), "-o", str(output), *options)
    assert code == 0, (context, err)
    by_cli = json.loads(out)
    cli_text_said(text, by_cli, context)

    by_web = web(client, box.folder, box.roster if box.roster and rng.random() < 0.3 else None)
    (tmp_path / "web").mkdir()
    web_output = tmp_path / "web" / by_web["download"]["name"]
    web_output.write_bytes(base64.b64decode(by_web["download"]["data"]))

    alert = addin(folders["addin"])
    counts_said(alert, by_cli, context)
    assert f"汇总表已保存为 {folders['addin'] / output.name}。" in alert, (context, alert)
    assert (f"文件夹中另有 {len(by_cli['other_files'])} 个不是工作簿的文件" in alert) == bool(by_cli["other_files"]), (
        context, alert)

    # no input changed, nothing written but the summary, never over a file that was there
    assert hashes(box.folder) == before, context
    for way, folder in folders.items():
        after = hashes(folder)
        assert {k: v for k, v in after.items() if k != output.name} == before, (context, way)
        assert output.name not in before, context
    assert web_output.name == output.name, context

    # the same summary
    cli_sheets = sheets(output, folders["cli"])
    projects = [row for row in cli_sheets["项目明细"][1:] if row and row[0]]
    listed = [row for row in cli_sheets["文件清单"][1:] if row and row[0]]
    assert (len(projects), len(listed), sum(row[1] == "未纳入" for row in listed)) == (
        by_cli["projects"], len(by_cli["files"]), sum(f["status"] == "rejected" for f in by_cli["files"])), context
    for name, got in (("web", sheets(web_output, None)), ("addin", sheets(folders["addin"] / output.name,
                                                                        folders["addin"]))):
        assert not (found := differences(cli_sheets, got)), (context, name, found[:10])
    cli_links = links(output, folders["cli"])
    assert len([k for k in cli_links if k[0] == "文件清单"]) == len(listed), context  # each file opens from there
    for name, got in (("web", links(web_output, None)), ("addin", links(folders["addin"] / output.name,
                                                                      folders["addin"]))):
        assert got == cli_links, (context, name, set(got.items()) ^ set(cli_links.items()))

    # the same answer from the command line and the web page (which sends the names of the files no workbook)
    ours, theirs = said(by_cli, folders["cli"]), said(by_web, None)
    for key in ours:
        assert ours[key] == theirs[key], (context, key, ours[key], theirs[key])
    assert [Path(p).relative_to(folders["cli"]).as_posix() for p in by_cli["other_files"]] == [
        p.relative_to(box.folder).as_posix() for p in sorted(box.folder.rglob("*")) if p.suffix in (".docx", ".pdf")]
    assert by_web["other_files"] == [Path(p).relative_to(folders["cli"]).as_posix() for p in by_cli["other_files"]], (
        context, by_web["other_files"])

    # the roster's unit that sent its form as an .xlsb or an .ods sent that file (K003), on the page as by the
    # command line: the page sends it from the chosen folder, for the server to refuse as the command line does
    spreadsheets = [p.relative_to(box.folder).as_posix() for p in sorted(box.folder.rglob(f"{MISSING}*"))
                    if p.suffix.lower() in (".xlsb", ".ods")]
    if spreadsheets and by_web["roster"]:
        [k003] = [d["message"] for d in by_web["diagnostics"] if d["code"] == "K003" and MISSING in d["message"]]
        assert "没有报送监控表" not in k003 and all(Path(name).name in k003 for name in spreadsheets), (context, k003)
        rejected = {f["path"] for f in by_web["files"] if f["status"] == "rejected"}
        assert set(spreadsheets) <= rejected, (context, rejected)
