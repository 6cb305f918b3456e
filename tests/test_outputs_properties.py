"""Every output xlmon writes is written whole or not at all, and nothing is lost, however the write fails: over
randomly generated departments (test_consolidate_properties' units, in every style) and every writer, `xlmon
consolidate -o`, `xlmon check --annotate`, `xlmon clear`, `xlmon report`, `xlmon template`, `xlmon demo`, the web
page's 汇总, 生成报告 and 校验 (its marked copies) and the add-in's 汇总 and 生成报告 in desktop Excel, which write beside
the workbook.

Where there is one, the target already exists: an earlier summary, marked copy or report the user keeps (the add-in's
汇总 and `xlmon clear` never write over a file, so theirs stays beside the new one). The write then fails as it fails
on users' machines, each seed meeting the next of these its writer can meet:
- locked: the target is open in Excel or Word, and Windows refuses to replace it (os.replace raises PermissionError;
  only where the target exists, as Excel cannot hold a file that is not there);
- full: the disk fills midway, the writer's temporary file refusing more bytes after some (OSError ENOSPC);
- vanished: the folder goes midway (a USB drive pulled out, a share dropped): it is removed while the temporary file is
  written, so that the rename into place fails, and comes back afterwards as it was before the run. (On Linux the
  writes into the removed folder go on; on Windows they would fail. Either way a temporary file left on the drive
  would be out of xlmon's reach until it comes back, when atomic's sweep removes it once it is hours old: that part
  is not simulated.);
- directory: the target's name is a folder's (the command line refuses it before any work; the add-in's 生成报告
  writes beside it, （2）, as beside a draft somebody has worked on);
- long: the target's name is longer than the file system allows (ENAMETOOLONG; for the add-in, the workbook's own
  name is long, and its report's longer);
- interrupted: Ctrl+C (KeyboardInterrupt) while the file is written.

Then the earlier target is byte for byte as it was, no temporary or partial file is left, every input is byte for
byte as it was, with its modification time, and the user gets one message in Chinese naming the path (or its folder)
and no traceback: the command line exits 2 with one line on stderr, the web API answers a 4xx/5xx with a Chinese JSON
`detail` (a marked copy it could not make is named among `unmarked`, the check itself being done), the add-in shows
one alert. Interrupted, the command line says so and the add-in lets the interrupt go (Excel's own). Done again once
the obstacle is gone, the write succeeds and gives what a run that never failed gives (a workbook's parts but the
time it was made; a report's text and tables). `xlmon demo` writes the sample a file at a time: stopped midway, each
file is whole, as it was or as made anew, and its summary made again keeps the files' new save times.

Not simulated: a folder one may not write in (these tests run as root, whom a read-only folder does not stop; the
add-in's test_summarise_a_folder_it_cannot_write_in_says_so_in_chinese refuses the temporary file instead), and a
lock on an input (Excel shares a workbook it has open for reading). The web server writes only in its own temporary
folder, which no user has open, names or makes a folder of, and which no Ctrl+C reaches: there the disk fills.

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property."""

from __future__ import annotations

import base64
import builtins
import errno
import io
import os
import random
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from test_consolidate_properties import DEPARTMENTS, Department, random_units, seeds, write_department
from test_entry_points import DesktopBook, DesktopWorkbook
from test_front_ends_consolidate_properties import page_files
from test_report_properties import read_report
from xlmon import atomic, demo
from xlmon import entry_points as ep
from xlmon.cli import main
from xlmon.report.addin import report as draft_report
from xlmon.sheetnames import RECORDS_SHEET

SALT = 93
LOCKED, FULL, VANISHED, DIRECTORY, LONG, INTERRUPTED = "locked", "full", "vanished", "directory", "long", "interrupted"
LONG_NAME = "某市教育局关于" + "校舍维修改造与学生营养改善及教师培训" * 5  # 97 characters, 291 bytes in UTF-8
ALLOWED_LATIN = ("xlmon", "Excel", "Word", "WPS", "Ctrl", "xlsx", "docx")


# ---------------------------------------------------------------------------------------------------------------
# The obstacles.
# ---------------------------------------------------------------------------------------------------------------

class Disk:
    """Watches every write into xlmon's temporary files (atomic.PREFIX): counts the bytes, and at `limit` does what
    the obstacle does there (ENOSPC, the folder removed, Ctrl+C)."""

    def __init__(self):
        self.written = 0
        self.limit: int | None = None
        self.then = None  # what happens at the limit: a callable that raises, or removes the folder
        self.hit = False

    def take(self, f, data) -> int:
        size = len(data)
        if self.limit is not None and not self.hit and self.written + size > self.limit:
            part = self.limit - self.written
            if part > 0:
                f.write(data[:part])
            self.written += max(part, 0)
            self.hit = True
            self.then()  # returns when the folder went: the open file goes on taking bytes nobody will find
        self.written += size
        return f.write(data)


class Watched:
    def __init__(self, f, disk: Disk):
        self._f, self._disk = f, disk

    def write(self, data):
        return self._disk.take(self._f, data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._f.__exit__(*exc)

    def __iter__(self):
        return iter(self._f)


@contextmanager
def watched(disk: Disk):
    real = io.open

    def opened(file, mode="r", *args, **kwargs):
        f = real(file, mode, *args, **kwargs)
        name = os.path.basename(os.fsdecode(file)) if isinstance(file, (str, bytes, os.PathLike)) else ""
        if name.startswith(atomic.PREFIX) and any(m in mode for m in "wax+"):
            return Watched(f, disk)
        return f

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "open", opened)
        patch.setattr(builtins, "open", opened)
        yield disk


@contextmanager
def obstacle(kind: str, rng: random.Random, target: Path, total: int, kept: Path, world: Path):
    """The obstacle in place for the failing run; `total`: the bytes a run that never failed writes into temporary
    files, so that the limit falls inside them; `kept`: the world as it was, from which a vanished folder returns."""
    disk = Disk()
    with pytest.MonkeyPatch.context() as patch, watched(disk):
        if kind == LOCKED:
            real = os.replace

            def replace(src, dst, *args, **kwargs):
                if Path(os.fsdecode(dst)) == target:  # Windows: the file is open in Excel or Word
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(dst))
                return real(src, dst, *args, **kwargs)
            patch.setattr(os, "replace", replace)
        elif kind in (FULL, VANISHED, INTERRUPTED):
            disk.limit = rng.randrange(total)

            def then():
                if kind == FULL:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                if kind == INTERRUPTED:
                    raise KeyboardInterrupt
                shutil.rmtree(target.parent)
            disk.then = then
        yield disk
    if kind == VANISHED and not target.parent.exists():  # the drive comes back as it was
        shutil.copytree(kept / target.parent.relative_to(world), target.parent, copy_function=shutil.copy2)


# ---------------------------------------------------------------------------------------------------------------
# The world: a department's files, an output folder, and what must not change.
# ---------------------------------------------------------------------------------------------------------------

def department(rng: random.Random, folder: Path) -> list[Path]:
    return write_department(folder, Department(*DEPARTMENTS[0], random_units(rng, rng.randint(2, 4))))


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below folder: its bytes and modification time."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_as_it_was(before: dict, after: dict, context: str) -> None:
    assert sorted(after.keys() - before.keys()) == [], f"{context}: files left behind"
    assert sorted(before.keys() - after.keys()) == [], f"{context}: files lost"
    for name, (data, mtime) in before.items():
        assert after[name][0] == data, f"{context}: {name} changed"
        assert after[name][1] == mtime, f"{context}: {name}'s modification time changed"


def restore(kept: Path, world: Path) -> None:
    shutil.rmtree(world)
    shutil.copytree(kept, world, copy_function=shutil.copy2)


def written(path: Path):
    """What an output holds: a workbook's parts but the one saying when it was made (openpyxl dates the zip's
    entries too); a report's text and tables."""
    if path.suffix == ".docx":
        return read_report(path)
    with zipfile.ZipFile(path) as book:
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def assert_one_chinese_message(text: str, names: list[str], context: str, lines: int | None = 1) -> None:
    """One message, in Chinese, naming one of `names` (the path, or its folder), without a traceback or English."""
    said = text.strip()
    assert said and "Traceback" not in said, f"{context}: {text!r}"
    if lines is not None:
        assert len(said.splitlines()) == lines, f"{context}: not one message: {text!r}"
    assert any(name in said for name in names), f"{context}: the path is not named: {text!r}"
    rest = said
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, "")
    for word in ALLOWED_LATIN:
        rest = rest.replace(word, "")
    assert not re.search(r"[A-Za-z]{2,}", rest), f"{context}: English in the message: {text!r}"
    assert re.search(r"[\u4e00-\u9fff]", rest), f"{context}: no Chinese in the message: {text!r}"


# ---------------------------------------------------------------------------------------------------------------
# The command line's writers.
# ---------------------------------------------------------------------------------------------------------------

def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@dataclass
class Writer:
    """One command writing `target` (its args), and which obstacles it can meet."""

    args: list[str]
    target: Path
    obstacles: tuple[str, ...]
    ok: tuple[int, ...] = (0,)
    outputs: list[Path] = field(default_factory=list)  # what it writes beside target (the demo's units)
    read: Callable[[Path], object] = written


def consolidate_writer(rng, world: Path) -> Writer:
    units, out = world / "单位报送", world / "汇总"
    files = department(rng, units)
    out.mkdir()
    target = out / ("部门汇总.xlsx" if rng.random() < 0.7 else "某市教育局2026年1-6月汇总.xlsx")
    assert run("consolidate", str(files[0]), "-o", str(target), "--workers", "1")[0] == 0  # last month's, say
    return Writer(["consolidate", str(units), "-o", str(target), "--workers", "1"], target,
                  (LOCKED, FULL, VANISHED, DIRECTORY, LONG, INTERRUPTED))


def annotate_writer(rng, world: Path) -> Writer:
    units, out = world / "单位报送", world / "标注"
    files = department(rng, units)
    out.mkdir()
    source = rng.choice(files)
    target = out / f"{source.stem}_校验.xlsx"
    other = next(f for f in files if f != source)
    assert run("check", str(other), "--annotate", str(target))[0] in (0, 1)  # an earlier copy, of another file
    return Writer(["check", str(source), "--annotate", str(target)], target,
                  (LOCKED, FULL, VANISHED, DIRECTORY, LONG, INTERRUPTED), ok=(0, 1))


def clear_writer(rng, world: Path) -> Writer:
    units, out = world / "单位报送", world / "标注"
    files = department(rng, units)
    out.mkdir()
    marked = out / f"{files[0].stem}_校验.xlsx"
    assert run("check", str(files[0]), "--annotate", str(marked))[0] in (0, 1)
    earlier = out / f"{marked.stem}-已清除.xlsx"
    assert run("clear", str(marked))[0] == 0 and earlier.exists()  # kept: the next goes to （2）
    target = out / f"{marked.stem}-已清除（2）.xlsx"
    return Writer(["clear", str(marked)], target, (FULL, VANISHED, INTERRUPTED))


def report_writer(rng, world: Path) -> Writer:
    units, out = world / "单位报送", world / "报告"
    files = department(rng, units)
    out.mkdir()
    target = out / "分析报告.docx"
    assert run("report", str(files[0]), "-o", str(target))[0] == 0  # an untouched draft, replaced when made again
    return Writer(["report", str(units), "-o", str(target)], target,
                  (LOCKED, FULL, VANISHED, DIRECTORY, LONG, INTERRUPTED))


def template_writer(rng, world: Path) -> Writer:
    out = world / "模板"
    out.mkdir(parents=True)
    kind = rng.choice(("project", "department"))
    (out / "去年的监控表.xlsx").write_bytes(b"PK\x03\x04 kept")  # a file of the user's beside it
    target = out / f"{'项目支出' if kind == 'project' else '部门整体支出'}绩效运行监控表.xlsx"
    return Writer(["template", kind, "-o", str(target), "--year", "2026", "--months", str(rng.randint(1, 12))], target,
                  (FULL, VANISHED, DIRECTORY, LONG, INTERRUPTED))


def demo_writer(rng, world: Path) -> Writer:
    folder = world / "示例"
    assert run("demo", str(folder))[0] == 0  # the sample made before, kept
    target = folder / "部门汇总.xlsx"
    return Writer(["demo", str(folder)], target, (LOCKED, FULL, VANISHED, INTERRUPTED),
                  outputs=sorted(folder.glob("*.xlsx")), read=sample_written)


def sample_written(path: Path):
    """written, but of the sample's summary the sheets' values but 文件清单's and the records': made again, the
    sample's files are saved at another time, which the summary keeps with each file's SHA-256."""
    if path.name != demo.SUMMARY_NAME:
        return written(path)
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names
            if name not in ("文件清单", RECORDS_SHEET)}


WRITERS = {"consolidate": consolidate_writer, "annotate": annotate_writer, "clear": clear_writer,
           "report": report_writer, "template": template_writer, "demo": demo_writer}
DEFAULT_CASES = {"consolidate": 3, "annotate": 2, "clear": 2, "report": 3, "template": 3, "demo": 1}


def arranged(kind: str, writer: Writer) -> tuple[list[str], Path]:
    """The failing run's arguments and target: a name too long for the file system, or a folder where the target
    was (holding a file of the user's), or the writer's own."""
    if kind == LONG:
        long = writer.target.with_name(LONG_NAME + writer.target.suffix)
        return [str(long) if a == str(writer.target) else a for a in writer.args], long
    if kind == DIRECTORY:
        writer.target.unlink(missing_ok=True)
        writer.target.mkdir()
        (writer.target / "说明.txt").write_text("这是一个文件夹。", "utf-8")
    return writer.args, writer.target


@pytest.mark.parametrize("name,seed", [(name, seed) for name in WRITERS
                                       for seed in seeds(DEFAULT_CASES[name], SALT)])
def test_a_failed_write_on_the_command_line_loses_nothing_and_the_next_one_is_whole(tmp_path, name, seed):
    rng = random.Random(seed)
    world, kept = tmp_path / "w", tmp_path / "kept"
    writer = WRITERS[name](rng, world)
    kind = writer.obstacles[seed % len(writer.obstacles)]  # each seed the next obstacle
    context = f"seed {seed}: {name}, {kind}"
    shutil.copytree(world, kept, copy_function=shutil.copy2)

    with watched(Disk()) as counted:  # a run that never failed
        code, out, err = run(*writer.args)
    assert code in writer.ok and writer.target.is_file(), f"{context}: the run without obstacle: {code} {out} {err}"
    expected = {p.name: writer.read(p) for p in [writer.target, *writer.outputs]}
    restore(kept, world)

    args, target = arranged(kind, writer)
    before = state(world)
    with obstacle(kind, rng, target, counted.written, kept, world):
        code, out, err = run(*args)
        gone = not target.parent.exists()
    assert code == 2, f"{context}: exit {code}, {out} {err}"
    if kind == INTERRUPTED:
        assert_one_chinese_message(err, ["Ctrl+C"], context)
    else:
        assert_one_chinese_message(err, [str(target), str(target.parent)], context)
    if kind == VANISHED:
        assert gone, f"{context}: the vanished folder was made again"
    if name == "demo":  # a file of the sample at a time: each whole, as it was or as the run makes it
        after = state(world)
        assert sorted(after) == sorted(before), f"{context}: files left behind or lost"
        for rel, (data, _) in after.items():
            assert data == before[rel][0] or writer.read(world / rel) == expected.get(Path(rel).name), \
                f"{context}: {rel} is neither as it was nor as written whole"
    else:
        assert_as_it_was(before, state(world), context)

    if kind == DIRECTORY:  # the user names the folder otherwise
        target.rename(target.with_name("旧文件夹"))
    code, out, err = run(*writer.args)  # again, the obstacle gone
    assert code in writer.ok and not err.strip(), f"{context}: again: {code} {out} {err}"
    for p in [writer.target, *writer.outputs]:
        assert writer.read(p) == expected[p.name], f"{context}: {p.name} differs from a run that never failed"
    assert not [p for p in writer.target.parent.iterdir() if p.name.startswith(atomic.PREFIX)], context


# ---------------------------------------------------------------------------------------------------------------
# The web page: the server's disk fills.
# ---------------------------------------------------------------------------------------------------------------

def post(client, route: str, folder: Path):
    files = [("files", (name, path.read_bytes())) for name, path in page_files(folder)]
    return client.post(route, files=files)


@contextmanager
def server_folders():
    """The upload folders the server makes, to see that each is gone after its request."""
    made, real = [], tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(Path(real(*args, **kwargs)))
        return str(made[-1])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "mkdtemp", mkdtemp)
        yield made


def downloaded(route: str, answer: dict, into: Path):
    """What the page's answer gives to download, as read back: the summary's sheets, the report's text, the marked
    copies' sheets."""
    from test_front_ends_consolidate_properties import sheets

    into.mkdir(parents=True, exist_ok=True)
    items = answer["annotated"] if route == "/api/check" else [answer["download"]]
    out = []
    for i, item in enumerate(items):
        path = into / f"{i}{Path(item['name']).suffix}"
        path.write_bytes(base64.b64decode(item["data"]))
        out.append((item["name"], read_report(path) if path.suffix == ".docx" else sheets(path, None)))
    return out


ROUTES = ("/api/consolidate", "/api/report", "/api/check")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("seed", seeds(2, SALT))
def test_a_server_whose_disk_fills_says_so_and_leaves_nothing(tmp_path, client, route, seed):
    rng = random.Random(seed)
    units = tmp_path / "单位报送"
    department(rng, units)
    before = state(units)
    context = f"seed {seed}: {route}"

    with watched(Disk()) as counted, server_folders() as made:
        response = post(client, route, units)
    assert response.status_code == 200, f"{context}: {response.text}"
    expected = downloaded(route, response.json(), tmp_path / "expected")

    disk = Disk()
    disk.limit = rng.randrange(counted.written)

    def full():
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    disk.then = full
    with watched(disk), server_folders() as made:
        response = post(client, route, units)
    assert disk.hit, context
    assert not [p for p in made if p.exists()], f"{context}: the server left its upload folder"
    answer = response.json()
    if route == "/api/check":  # the check is done; the marked copy it could not make is named, and why
        assert response.status_code == 200, f"{context}: {response.text}"
        [reason] = answer["unmarked"]
        names = [n for n, _ in page_files(units)]
        assert_one_chinese_message(reason, names, context)
        assert "磁盘空间不足" in reason, f"{context}: {reason}"
        assert len(answer["annotated"]) == len(expected) - 1, context
    else:
        assert 400 <= response.status_code < 600, f"{context}: {response.status_code} {response.text}"
        what = "汇总表" if route == "/api/consolidate" else "分析报告"
        assert_one_chinese_message(answer["detail"], [what], context)
        assert "磁盘空间不足" in answer["detail"], f"{context}: {answer['detail']}"
    assert_as_it_was(before, state(units), context)

    with server_folders() as made:
        response = post(client, route, units)
    assert response.status_code == 200, f"{context}: again: {response.text}"
    assert downloaded(route, response.json(), tmp_path / "again") == expected, f"{context}: again, another output"
    assert not [p for p in made if p.exists()], context


# ---------------------------------------------------------------------------------------------------------------
# The add-in's buttons in desktop Excel, writing beside the workbook.
# ---------------------------------------------------------------------------------------------------------------

def addin_summary(rng, world: Path):
    """汇总 of the folder, where the add-in's 汇总 made 部门汇总.xlsx before: the new one goes to （2）."""
    folder = world / "单位报送"
    department(rng, folder)
    _, earlier = ep.summarise_folder(folder)
    assert earlier == folder / "部门汇总.xlsx"
    target = folder / "部门汇总（2）.xlsx"

    def press():
        book = DesktopBook(str(folder / "工作簿1.xlsx"))
        ep.consolidate_folder(book, folder, open_summary=False)
        return book.app.shown
    return press, target, (FULL, VANISHED, INTERRUPTED)


def addin_report(rng, world: Path):
    """生成报告 in a unit's workbook (or the department's summary), an untouched earlier draft beside it."""
    folder = world / "单位报送"
    files = department(rng, folder)
    book = rng.choice(files)
    if rng.random() < 0.3:
        long = book.with_name(LONG_NAME[:80] + ".xlsx")  # 240 bytes: its report's name is too long
        book.rename(long)
        book = long
    target = folder / f"{book.stem}_分析报告.docx"
    if len(target.name.encode()) <= 255:
        assert run("report", str(next(f for f in files if f.exists() and f != book)), "-o", str(target))[0] == 0
    obstacles = (LONG,) if len(target.name.encode()) > 255 else (LOCKED, FULL, VANISHED, DIRECTORY, INTERRUPTED)

    def press():
        opened = DesktopWorkbook(book)
        draft_report(opened)
        return opened.app.shown
    return press, target, obstacles


ADDIN = {"汇总": addin_summary, "生成报告": addin_report}


@pytest.mark.parametrize("button", ADDIN)
@pytest.mark.parametrize("seed", seeds(2, SALT))
def test_a_failed_write_of_the_addin_loses_nothing_and_says_so(tmp_path, button, seed):
    rng = random.Random(seed)
    world, kept = tmp_path / "w", tmp_path / "kept"
    press, target, obstacles = ADDIN[button](rng, world)
    kind = obstacles[seed % len(obstacles)]
    context = f"seed {seed}: {button}, {kind}"
    shutil.copytree(world, kept, copy_function=shutil.copy2)

    counted = Disk()
    if kind != LONG:
        with watched(counted):
            [(text, mode)] = press()
        assert mode == "info" and target.is_file(), f"{context}: the press without obstacle: {text}"
        expected = written(target)
        restore(kept, world)
    if kind == DIRECTORY:
        target.unlink()
        target.mkdir()
        (target / "说明.txt").write_text("这是一个文件夹。", "utf-8")
    before = state(world)

    with obstacle(kind, rng, target, counted.written, kept, world):
        if kind == INTERRUPTED:
            with pytest.raises(KeyboardInterrupt):
                press()
            shown = []
        else:
            shown = press()
    if kind == DIRECTORY:  # 生成报告 keeps what is there, as it keeps a draft somebody has worked on, and writes beside
        [(text, mode)] = shown
        beside = target.with_name(f"{target.stem}（2）{target.suffix}")
        assert mode == "info" and str(beside) in text and written(beside) == expected, f"{context}: {text}"
        beside.unlink()
        assert_as_it_was(before, state(world), context)
        return
    if kind != INTERRUPTED:
        [(text, mode)] = shown
        assert mode == "critical" or mode == "warning", f"{context}: {mode} {text}"
        assert_one_chinese_message(text, [str(target), str(target.parent)], context, lines=None)
    assert_as_it_was(before, state(world), context)
    if kind == LONG:
        return

    [(text, mode)] = press()
    assert mode == "info", f"{context}: again: {text}"
    assert written(target) == expected, f"{context}: again, another output"
