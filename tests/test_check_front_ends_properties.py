"""One check, two front ends for those without the add-in: `xlmon check FOLDER` and the web page's `POST /api/check`
(the folder chosen on the page and sent as index.js sends it for 校验) say the same of every file: the same findings
(code, severity, sheet, cell, message), the command line's text lines exactly its JSON records, one line each, and
its exit status by the README's rule (1 where any finding is an error, else 0); the page's marked copies are the
command line's `--annotate` copies, mark for mark, and a file that cannot be marked (an .xls, a damaged file) is
refused in the same words; no input is changed by either.

The folders are test_front_ends_consolidate_properties' department inboxes (units' files in sub-folders, with spaces
and names of some 80 characters, every unit's 监控表.xlsx in its own folder, a damaged workbook, text saved as .xls, a
zip, a Word file, Office's lock file, last time's summary, the roster …名单.csv or .xlsx, a 科's list in its
sub-folder) with, beside them, a unit's workbook full of defects (test_marks_properties), an encrypted workbook and
an .xls that is only an OLE header.

What may differ, and why:
- the command line names a file by its path (the folder given, then the file's place in it), the page by its place
  in the chosen folder (index.js sends webkitRelativePath less its first part): files, and the paths in messages,
  are compared below each front end's folder;
- the page sends for 校验 no lock file, no …名单.csv/.txt and no file that is not a workbook or a zip (it says so
  before sending), where the command line's folder search skips those files itself: the same files are checked;
- the page's marked copy is called 一科_监控表_校验.xlsx, the command line's what its user names it, and 校验结果's
  文件 column names the file each was made from;
- a refusal to mark names the file as “某市第五中学 监控表.xls” on the command line (given that file, by its path) and
  as “某市第三中学 报送/某市第五中学 监控表.xls” on the page (its place in the chosen folder): compared so.
Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import base64
import io
import json
import random
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import msoffcrypto.format.ooxml as ooxml
import pytest
from fastapi.testclient import TestClient

from conftest import libreoffice_convert
from test_front_ends_consolidate_properties import TOP, hashes, inbox, page_files
from test_marks_properties import same_workbooks, unit_book
from test_reader_properties import seeds
from xlmon.cli import main
from xlmon.diagnostics import sheet_ref

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.fixture(scope="module")
def saved_as_xls(tmp_path_factory, soffice) -> Path:
    """A unit's workbook with defects saved as Excel 97-2003 (.xls), as many units still save the form: read, and
    not marked."""
    folder = tmp_path_factory.mktemp("xls")
    unit = unit_book(random.Random(81), folder)
    return libreoffice_convert(soffice, [unit.path], folder / "xls", "xls:MS Excel 97")[0]


def folder_of_units(rng: random.Random, root: Path, xls: Path) -> Path:
    """A department's inbox, with a unit's workbook full of defects in a sub-folder of its own and now and then an
    encrypted copy of a unit's file, a unit's .xls and an .xls that is only an OLE header (a download cut short)."""
    box = inbox(rng, root)
    folder = box.folder
    own = folder / rng.choice(("三科", "三 科/附件", "某市第三中学 报送"))
    own.mkdir(parents=True, exist_ok=True)
    unit_book(rng, own)
    if rng.random() < 0.5:
        shutil.copy2(xls, own / "某市第五中学 监控表.xls")
    if rng.random() < 0.4:
        with rng.choice(box.workbooks).open("rb") as fin, (folder / "某市第四中学（加密）.xlsx").open("wb") as fout:
            ooxml.OOXMLFile(fin).encrypt("密码123", fout)
    if rng.random() < 0.4:
        (folder / "某市幼儿园 监控表.xls").write_bytes(OLE + b"\0" * 1024)
    return folder


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["check", *args])
    return code, out.getvalue(), err.getvalue()


def sent_for_check(folder: Path) -> list[tuple[str, Path]]:
    """What the page sends of a chosen folder for 校验 (index.js post): what it chose, its workbooks and zips; a
    …名单.csv/.txt found among them goes only with 汇总 and the report."""
    return [(name, path) for name, path in page_files(folder)
            if not ("名单" in path.name and path.suffix.lower() in (".csv", ".txt"))]


def web(client: TestClient, folder: Path) -> dict:
    sent = sent_for_check(folder)
    files = [("files", (name, path.read_bytes())) for name, path in sent]
    modified = json.dumps([int(path.stat().st_mtime * 1000) for _, path in sent])
    response = client.post("/api/check", files=files, data={"modified": modified})
    assert response.status_code == 200, response.text
    return response.json()


def below(text, folder: Path):
    """A text with the front end's folder left out of the paths it names."""
    return text.replace(f"{folder}/", "") if isinstance(text, str) else text


def findings(files: list[dict], folder: Path | None) -> dict[str, list[tuple]]:
    """By file (its name below the folder), what is said of it."""
    def plain(text):
        return below(text, folder) if folder else text
    return {plain(f["path"]): [(d["code"], d["severity"], d["sheet"], d["cell"], plain(d["message"]))
                               for d in f["diagnostics"]] for f in files}


def line(path: str, d: dict) -> str:
    """A JSON record as the text prints it (its file is the record's path, its sheet quoted as Excel quotes it)."""
    where = path
    if d["sheet"] is not None:
        where += f":{sheet_ref(d['sheet'])}" + (f"!{d['cell']}" if d["cell"] else "")
    return f"{where}: {d['code']} {d['message']}"


def marked_name(name: str) -> str:
    """The page's name for the marked copy of an upload (check_uploads)."""
    path = Path(name)
    suffix = ".xlsm" if path.suffix.lower() in (".xlsm", ".xltm") else ".xlsx"
    return f"{str(path.with_suffix('')).replace('/', '_')}_校验{suffix}"


@pytest.mark.parametrize("seed", seeds(3, 81))
def test_the_command_line_and_the_web_page_check_a_folder_alike(tmp_path, client, saved_as_xls, seed):
    rng = random.Random(seed)
    source = folder_of_units(rng, tmp_path / "in", saved_as_xls)
    context = f"seed {seed}: {sorted(hashes(source))}"
    folder = tmp_path / "cli" / TOP
    shutil.copytree(source, folder)
    before = hashes(source)

    code, out, err = cli("--format", "json", str(folder))
    by_cli = json.loads(out)["files"]
    errors = any(d["severity"] == "error" for f in by_cli for d in f["diagnostics"])
    assert code == (1 if errors else 0), (context, code, err)
    text_code, text, _ = cli(str(folder))
    assert text_code == code, context
    records = [line(f["path"], d) for f in by_cli for d in f["diagnostics"]]
    printed = text.splitlines()
    assert printed[:len(records)] == records, (context, set(printed) ^ set(records))
    assert printed[len(records)].startswith(f"共检查 {len(by_cli)} 个文件、"), (context, printed[len(records):])

    by_web = web(client, source)
    ours, theirs = findings(by_cli, folder), findings(by_web["files"], None)
    assert ours.keys() == theirs.keys(), (context, ours.keys() ^ theirs.keys())
    for name in ours:
        assert ours[name] == theirs[name], (context, name, set(ours[name]) ^ set(theirs[name]))

    # the marked copies, and the refusals of a file that cannot be marked
    copies = {a["name"]: base64.b64decode(a["data"]) for a in by_web["annotated"]}
    unmarked = list(by_web["unmarked"])
    (tmp_path / "web").mkdir()
    for n, record in enumerate(by_cli):
        name = below(record["path"], folder)
        local = f"{n}{Path(marked_name(name)).suffix}"  # the page's name for a copy can pass 255 bytes with _校验
        if record["status"] == "unreadable":  # said in its finding; the page offers no copy, the command line refuses
            assert cli(record["path"], "--annotate", str(tmp_path / "x.xlsx"))[0] == 2, (context, name)
            continue
        out = tmp_path / "marked" / local
        out.parent.mkdir(exist_ok=True)
        code, _, err = cli(record["path"], "--annotate", str(out))
        if code == 2:
            refusal = below(err.strip().removeprefix("xlmon: "), folder).replace(f"“{Path(name).name}”", f"“{name}”")
            said = refusal if name in refusal else f"{name}：{refusal}"
            assert said in unmarked, (context, name, said, unmarked)
            unmarked.remove(said)
            assert marked_name(name) not in copies, (context, name)
            continue
        assert code in (0, 1), (context, name, err)
        theirs_copy = tmp_path / "web" / local
        theirs_copy.write_bytes(copies.pop(marked_name(name)))
        same_workbooks(out, theirs_copy, f"{context} {name}")
    assert not copies and not unmarked, (context, copies.keys(), unmarked)

    assert hashes(source) == before and hashes(folder) == before, context

