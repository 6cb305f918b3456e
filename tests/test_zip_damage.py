"""Damaged and hostile zips: each file refused with its own diagnostic, in words, the other files read; no
member inflated past what the zip directory declares for it, nor any sheet held whole to be scanned."""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from conftest import read_in_one_process
from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from test_check import run_json, write_grid
from test_far_cells import xlmon
from xlmon.adapters import safety
from xlmon.adapters.files import read_workbook
from xlmon.consolidate import run
from xlmon.consolidate.extract import extract
from xlmon.profile import load_profile

SHEET = "xl/worksheets/sheet1.xml"
MAIN = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>%s</sheetData></worksheet>'


@pytest.fixture
def good(tmp_path) -> Path:
    return write_grid(tmp_path / "good.xlsx", project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), "表1")


def rezipped(source: Path, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, replace.get(item.filename, zin.read(item.filename)))
    return out.getvalue()


# Where each field lies in a member's local header and in its central directory entry.
_FIELDS = {"version": ("<H", 4, 6), "flags": ("<H", 6, 8), "method": ("<H", 8, 10), "crc": ("<I", 14, 16),
           "compressed": ("<I", 18, 20), "size": ("<I", 22, 24)}


def patched(data: bytes, member: str | None, *, directory_only: bool = False, **fields: int) -> bytes:
    """The zip with fields of a member's headers (of every member for None) set, as a damaged byte or another
    tool would have written them."""
    raw = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    at = archive.start_dir
    for info in archive.infolist():
        assert raw[at:at + 4] == b"PK\x01\x02"
        if member is None or info.filename == member:
            for name, value in fields.items():
                form, local, central = _FIELDS[name]
                struct.pack_into(form, raw, at + central, value)
                if not directory_only:
                    struct.pack_into(form, raw, info.header_offset + local, value)
        at += 46 + sum(struct.unpack_from("<HHH", raw, at + 28))
    return bytes(raw)


def _message(entry: dict) -> tuple[str, str]:
    [d] = entry["diagnostics"]
    return d["code"], d["message"]


def test_a_zip_python_cannot_unpack_is_its_own_diagnostic_and_the_others_are_read(tmp_path, good, capsys):
    """Found by flipping bytes of zip headers at random: zipfile's NotImplementedError and RuntimeError ended
    the whole check (and a consolidation) as an internal error."""
    data = good.read_bytes()
    files = {
        "version.xlsx": (patched(data, "[Content_Types].xml", directory_only=True, version=100),
                         "F004", "压缩包目录已损坏"),
        "deflate64.xlsx": (patched(data, SHEET, method=9), "F004",
                           f"部件 {SHEET} 的压缩方式（Deflate64）不是 Excel 工作簿使用的"),
        "zipcrypto.xlsx": (patched(data, None, flags=1), "F003", None),  # zip -P: every member encrypted
        "one-encrypted.xlsx": (patched(data, SHEET, flags=0x40), "F004", f"部件 {SHEET} 被加密，而工作簿的其他部件没有"),
        "patched.xlsx": (patched(data, SHEET, flags=0x20), "F004", f"部件 {SHEET} 的文件头标志已损坏"),
        "truncated.xlsx": (data[:len(data) // 2], "F004", "压缩包不完整，找不到压缩包目录（文件可能只下载或复制了一部分）"),
    }
    for name, (content, _, _) in files.items():
        (tmp_path / name).write_bytes(content)
    code, out = run_json(capsys, good, *(tmp_path / name for name in files))
    assert code == 1
    by_name = {Path(entry["path"]).name: entry for entry in out["files"]}
    assert by_name["good.xlsx"]["status"] == "ok"
    for name, (_, expected, detail) in files.items():
        found, message = _message(by_name[name])
        assert found == expected, (name, message)
        if detail:
            assert message == f"文件已损坏，无法读取：{detail}。请从原始文件重新导出。"


def test_a_consolidation_lists_the_zip_it_cannot_unpack_and_sums_the_rest(tmp_path, good):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(good.read_bytes())
    (folder / "b.xlsx").write_bytes(patched(good.read_bytes(), SHEET, method=9))
    summary = run.consolidate([folder], tmp_path / "out.xlsx", workers=1)
    status = {Path(f.path).name: (f.status, f.reason) for f in summary.files}
    assert status["a.xlsx"] == ("included", None)
    assert status["b.xlsx"] == ("rejected", f"文件已损坏，无法读取：部件 {SHEET} 的压缩方式（Deflate64）不是 Excel 工作簿使用的。"
                                            "请从原始文件重新导出。")


def test_no_damaged_zip_header_brings_the_reader_down(tmp_path, good):
    """300 workbooks with 1 to 3 bytes of their zip headers (local headers and directory) changed at random
    (fixed seed), read in one process that must live to the end: each is read or refused."""
    data = good.read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    headers = [info.header_offset for info in archive.infolist()]
    rng = random.Random(20261204)
    folder = tmp_path / "damaged"
    folder.mkdir()
    for i in range(300):
        raw = bytearray(data)
        for _ in range(rng.choice((1, 1, 2, 3))):
            at = rng.choice(headers) + rng.randrange(30) if rng.random() < 0.5 else rng.randrange(archive.start_dir,
                                                                                                  len(raw))
            raw[at] = rng.randrange(256)
        (folder / f"{i:03}.xlsx").write_bytes(raw)
    outcomes = read_in_one_process(folder, "*.xlsx")
    assert len(outcomes) == 300 and "read" in outcomes and "F004" in outcomes
    assert set(outcomes) <= {"read", "F002", "F003", "F004", "F005", "F006", "F010"}, set(outcomes)


def test_a_sheet_that_fails_its_crc_is_refused_not_read_unchecked(tmp_path, good):
    """A value at XFD1048576 (F010) in a sheet whose CRC-32 is wrong: the scan gave up on the sheet without a
    word, and python-calamine, reading it anyway, reserved 512 GB and aborted the process."""
    data = rezipped(good, {SHEET: MAIN % b'<row r="1"><c r="A1"><v>1</v></c></row>'
                                        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET)
    path = tmp_path / "badcrc.xlsx"
    path.write_bytes(patched(data, SHEET, crc=info.CRC ^ 0xFFFFFFFF))
    done = xlmon("check", "--format", "json", str(path))
    assert done.returncode == 1, done.stderr[-500:]
    assert _message(json.loads(done.stdout)["files"][0]) == (
        "F004", f"文件已损坏，无法读取：部件 {SHEET} 的校验值（CRC-32）不符，数据已损坏。请从原始文件重新导出。")


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/styles.xml"])
def test_a_part_read_whole_that_fails_its_crc_is_refused(tmp_path, part):
    """python-calamine reads the shared strings and the styles without checking them: a text, or a number's
    format, damaged in one would be read as another."""
    import xlsxwriter

    with xlsxwriter.Workbook(tmp_path / "sound.xlsx") as wb:
        wb.add_worksheet().write("A1", "项目名称")
    data = (tmp_path / "sound.xlsx").read_bytes()
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(part)
    (tmp_path / "damaged.xlsx").write_bytes(patched(data, part, crc=info.CRC ^ 1))
    assert read_workbook(tmp_path / "sound.xlsx").refusal is None
    assert read_workbook(tmp_path / "damaged.xlsx").refusal == safety.Refusal(
        "F004", f"部件 {part} 的校验值（CRC-32）不符，数据已损坏")


def _lying_bomb(good: Path, spaces: int) -> bytes:
    """A sheet of `spaces` blanks more than its text, which the zip directory declares 5,000 bytes long."""
    xml = zipfile.ZipFile(good).read(SHEET)
    data = rezipped(good, {SHEET: xml.replace(b"</sheetData>", b" " * spaces + b"</sheetData>")})
    return patched(data, SHEET, size=5000)


def test_a_member_that_inflates_past_its_declared_size_is_refused_without_inflating_it(tmp_path, good):
    """A 1.5 MB file whose sheet inflated to 1.5 GB, its size in the zip directory 5,000 bytes: within every limit
    judged from the directory, it was then inflated whole (2 GB) once its CRC-32 did not check out."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_lying_bomb(good, 24 << 20))
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        book = read_workbook(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert book.refusal == safety.Refusal("F004", f"部件 {SHEET} 解压后比压缩包目录记录的 5,000 字节大")
    assert peak < 4 << 20, peak


def test_a_part_too_large_names_itself_and_its_limit(tmp_path, good):
    """An F005 said “解压后超过 300 MB” of a sheet past the 200 MB limit for one part, the whole being 266.7 MB."""
    data = patched(rezipped(good, {}), SHEET, size=230 << 20)
    refusal = safety.inspect_archive(data, "x.xlsx").refusal
    assert refusal == safety.Refusal("F005", f"部件 {SHEET} 解压后为 230 MB，超过单个部件 200 MB 的上限")
    assert refusal.diagnostic().message == (f"文件解压后过大或压缩比异常（部件 {SHEET} 解压后为 230 MB，超过单个部件 200 MB "
                                            "的上限），为安全起见拒绝读取。")
    noise = random.Random(1).randbytes(900_000)  # incompressible: within the ratio, 160 MB each as declared
    buffer = io.BytesIO(rezipped(good, {}))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/a.bin", noise)
        archive.writestr("xl/media/b.bin", noise)
    data = patched(patched(buffer.getvalue(), "xl/media/a.bin", size=160 << 20), "xl/media/b.bin", size=160 << 20)
    assert safety.inspect_archive(data, "x.xlsx").refusal == safety.Refusal("F005", "各部件解压后合计超过 300 MB 的上限")


# ------------------------------------------------------------------------------ sheets scanned as a stream


def _styled_far(good: Path, tail: bytes = b"", every: int = 10) -> bytes:
    """The form, with borders on A80:C1048576 (every `every`th row's cells: a formatted, empty cell each) and
    `tail` at the end of its cells."""
    xml = zipfile.ZipFile(good).read(SHEET)
    rows = b"".join(b'<row r="%d"><c r="A%d" s="1"/><c r="B%d" s="1"/><c r="C%d" s="1"></c></row>' % ((r,) * 4)
                    for r in range(80, 1_048_577, every))
    return rezipped(good, {SHEET: xml.replace(b"</sheetData>", rows + tail + b"</sheetData>")})


def test_formatting_far_away_is_passed_over_in_the_text_not_parsed_cell_by_cell(good, monkeypatch):
    """Borders down to row 1,048,576 (3 million formatted, empty cells: 8.7 MB) took 20 s and 500 MB to scan:
    every cell's place was listed, then every cell parsed. Only values count: the cells that may hold one are
    found in the text, a window of it at a time."""
    data = _styled_far(good, every=5)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size > 16 << 20

    def parsed(*args):
        raise AssertionError("parsed cell by cell")

    monkeypatch.setattr(safety, "_placed_cells", parsed)
    tracemalloc.start()
    try:
        inspection = safety.inspect_archive(data, "x.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert inspection.refusal is None
    assert peak < 5 << 20, peak


@pytest.mark.parametrize("tail, cell", [
    (b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "XFD1048576"),
    # one cell longer than any window holds whole, its place far from its value
    (b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>' + b"x" * 600_000 + b"</t></is></c></row>",
     "XFD1048576"),
    (b'<row r="1048576"><c r="A1048576" s="1"/><c r="Z1048576"><v>1</v></c></row>', "Z1048576"),
])
def test_a_far_value_among_formatting_is_still_refused(good, tail, cell):
    refusal = safety.inspect_archive(_styled_far(good, tail, every=20), "x.xlsx").refusal
    assert (refusal.code, refusal.cell) == ("F010", cell)


def test_windows_are_cut_before_cells_and_lose_nothing(monkeypatch):
    monkeypatch.setattr(safety, "_WINDOW", 300)
    monkeypatch.setattr(safety, "_CARRY", 1000)
    text = MAIN % b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>'
                           % (r, r, r, r, b"y" * (r % 7) ** 3) for r in range(1, 400))
    pieces = [text[at:at + 97] for at in range(0, len(text), 97)]
    windows = list(safety._windows(iter(pieces)))
    assert b"".join(windows) == text and len(windows) > 20
    assert all(window.startswith(b"<c ") for window in windows[1:])
    monkeypatch.setattr(safety, "_CARRY", 100)  # cells longer than that are cut elsewhere
    assert b"".join(safety._windows(iter(pieces))) == text
    text = b"<a>" + b"z" * 5000 + b"</a>"  # and text with no tag for that long where it ends
    assert b"".join(safety._windows(iter([text[at:at + 97] for at in range(0, len(text), 97)]))) == text


def test_a_sheet_scanned_in_many_windows_is_judged_as_in_one(tmp_path, good, monkeypatch):
    """The damaged sheets of test_far_cells, and ones with formulas and formula errors: what the scan finds
    does not depend on where the windows are cut."""
    import re

    rng = random.Random(7)
    original = zipfile.ZipFile(good).read(SHEET)
    extra = (b'<row r="30"><c r="A30" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="B30"><f>SUM(A1:A2)</f></c>'
             b'<c r="C30" t="str"><f>A1</f><v></v></c></row>')
    base = original.replace(b"</sheetData>", extra + b"</sheetData>")
    digits = [m.start(1) for m in re.finditer(rb' r="[A-Z]*(\d)', base)]
    sheets = [base]
    for _ in range(150):
        damaged = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            choice, at = rng.random(), rng.randrange(len(damaged))
            if choice < 0.5:
                at = rng.choice(digits)
                damaged[at:at + 1] = rng.choice([b"9999999", b"0", b"104857", b"ZZ"])
            elif choice < 0.75:
                damaged[at] = rng.randrange(32, 127)
            else:
                del damaged[at:at + rng.randint(1, 40)]
        sheets.append(bytes(damaged))
    judged = {}
    for window, carry in ((1 << 20, 256 * 1024), (512, 4096)):
        monkeypatch.setattr(safety, "_WINDOW", window)
        monkeypatch.setattr(safety, "_CARRY", carry)
        judged[window] = [safety.inspect_archive(rezipped(good, {SHEET: xml}), "x.xlsx") for xml in sheets]
    assert judged[512] == judged[1 << 20]
    assert judged[512][0].formula_errors == {"表1": [(29, 0, "#DIV/0!")]}
    assert judged[512][0].uncached == {"表1": [(29, 1, "SUM(A1:A2)")]}
    assert {i.refusal.code for i in judged[512] if i.refusal} >= {"F004", "F010"}


# ------------------------------------------------------------------------------------- consolidation progress


def slow_first(path: str, profile, dated: bool = True):
    """extract, the file named a-slow.xlsx waiting (10 s at most) until the progress has reached all the others.
    At module level: the pool's workers find it by its name."""
    if path.endswith("a-slow.xlsx"):
        flag = Path(path).with_name("flag")
        for _ in range(200):
            if flag.exists():
                Path(path).with_name("saw-flag").touch()
                break
            time.sleep(0.05)
    return extract(path, profile, dated)


def test_progress_is_reported_as_files_finish_in_the_order_given(tmp_path, good, monkeypatch):
    """The progress showed nothing while one slow file was read: results came back in the order given, the
    first at 19.4 s, then 20 of 20 at once."""
    folder = tmp_path / "in"
    folder.mkdir()
    paths = [folder / "a-slow.xlsx", *(folder / f"b{i:02}.xlsx" for i in range(run.PARALLEL_FROM))]
    for path in paths:
        path.write_bytes(good.read_bytes())
    monkeypatch.setattr(run, "extract", slow_first)
    calls = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if done == total - 1:
            (folder / "flag").touch()

    outcomes = run.extract_all(paths, load_profile(), progress, workers=2)
    assert (folder / "saw-flag").exists()  # all the others were counted while the slow one was being read
    assert calls == list(range(1, len(paths) + 1))
    assert [o.path for o in outcomes] == list(map(str, paths)) and {o.status for o in outcomes} == {"included"}


# ------------------------------------------------------------------------------- what python-calamine is given


def with_photos(good: Path, size: int) -> bytes:
    """The form with `size` bytes of photos (incompressible, stored as zip tools store them)."""
    buffer = io.BytesIO(good.read_bytes())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/image1.png", random.Random(2).randbytes(size))
    return buffer.getvalue()


def test_a_file_mostly_photos_is_read_without_them(tmp_path, good):
    """python-calamine copies all it is given, twice over as it grows: an 82 MB file of photos made a 333 MB
    worker. It never reads the pictures: it is given the other parts, copied as they are stored."""
    data = with_photos(good, safety.TRIM_FROM)
    given = safety.for_reader(data)
    assert len(given) < 20_000 and safety.for_reader(good.read_bytes()) == good.read_bytes()
    assert set(zipfile.ZipFile(io.BytesIO(given)).namelist()) == set(zipfile.ZipFile(good).namelist())
    (tmp_path / "photos.xlsx").write_bytes(data)
    book, plain = read_workbook(tmp_path / "photos.xlsx"), read_workbook(good)
    assert book.refusal is None and book.sheets == plain.sheets and book.sheets


# The peak of the process's memory (VmHWM, which starts anew in a new program, where ru_maxrss is the parent's).
_PEAK = ("import re, sys\nfrom pathlib import Path\nfrom xlmon.adapters.files import read_workbook\n"
         "peak = lambda: int(re.search(r'VmHWM:\\s*(\\d+)', Path('/proc/self/status').read_text())[1])\n"
         "before = peak()\nbook = read_workbook(sys.argv[1])\nassert book.refusal is None and book.sheets\n"
         "print((peak() - before) // 1024)\n")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
def test_reading_a_file_of_photos_takes_little_more_memory_than_the_file(tmp_path, good):
    (tmp_path / "photos.xlsx").write_bytes(with_photos(good, 48 << 20))
    done = subprocess.run([sys.executable, "-c", _PEAK, str(tmp_path / "photos.xlsx")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert int(done.stdout) < 48 + 40, done.stdout  # the file's bytes, not python-calamine's copies (~130 MB more)


_GBK = b'<?xml version="1.0" encoding="GBK"?>'


def _declared_gbk(xml: bytes) -> bytes:
    return _GBK + xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else _GBK + xml


def test_a_part_declared_in_an_encoding_expat_cannot_read_is_refused_in_words(tmp_path, good):
    """A part whose XML declaration says GBK (found by the XML damage property, seed 101130): expat raises
    ValueError (“multi-byte encodings are not supported”), not a ParseError, and `xlmon check` ended as an
    internal error, `xlmon consolidate` rejected the file as F013."""
    parts = zipfile.ZipFile(good)
    types = rezipped(good, {"[Content_Types].xml": _declared_gbk(parts.read("[Content_Types].xml"))})
    assert safety.inspect_archive(types, "x.xlsx").refusal == safety.Refusal(
        "F004", "[Content_Types].xml 不是有效的 XML（XML 声明的字符编码不是 UTF-8 或 UTF-16）")
    unplaced = _declared_gbk(parts.read(SHEET)).replace(b'<c r="A1"', b"<c", 1)  # read by parsing
    assert safety.inspect_archive(rezipped(good, {SHEET: unplaced}), "x.xlsx").refusal == safety.Refusal(
        "F004", "工作表“表1”不是有效的 XML（XML 声明的字符编码不是 UTF-8 或 UTF-16）")
    shows_error = parts.read(SHEET).replace(b"</sheetData>", b'<row r="90"><c r="A90" t="e"><v>#REF!</v></c></row>'
                                                              b"</sheetData>")
    book = rezipped(good, {SHEET: shows_error, "xl/workbook.xml": _declared_gbk(parts.read("xl/workbook.xml"))})
    assert safety.inspect_archive(book, "x.xlsx").refusal is None  # the sheets' names then unknown to the scan
    (tmp_path / "gbk.xlsx").write_bytes(types)
    done = xlmon("check", "--format", "json", str(tmp_path / "gbk.xlsx"), str(good))
    assert done.returncode == 1, done.stderr[-500:]
    assert [f["status"] for f in json.loads(done.stdout)["files"]] == ["unreadable", "ok"]


@pytest.mark.parametrize("count", ["99999999999", "1000000000"])
def test_a_shared_strings_table_claiming_billions_of_strings_is_refused(tmp_path, count):
    """python-calamine reserves room for the uniqueCount the table states before reading it, 24 bytes a string:
    one of 99,999,999,999 (found by the XML damage property, seed 101036: a count lying) aborted the process
    (“memory allocation of 2399999999976 bytes failed”), `xlmon check` with it; 1,000,000,000 reserved 24 GB
    that only Linux's overcommitting let pass."""
    import xlsxwriter

    with xlsxwriter.Workbook(tmp_path / "sound.xlsx") as wb:
        wb.add_worksheet().write("A1", "项目名称")
    sound = tmp_path / "sound.xlsx"
    strings = zipfile.ZipFile(sound).read("xl/sharedStrings.xml")
    lying = strings.replace(b'uniqueCount="1"', f'uniqueCount="{count}"'.encode())
    assert lying != strings
    (tmp_path / "lying.xlsx").write_bytes(rezipped(sound, {"xl/sharedStrings.xml": lying}))
    done = xlmon("check", "--format", "json", str(tmp_path / "lying.xlsx"))
    assert done.returncode == 1, done.stderr[-500:]
    assert _message(json.loads(done.stdout)["files"][0]) == (
        "F004", f"文件已损坏，无法读取：部件 xl/sharedStrings.xml 记录的共享字符串数（{int(count):,} 个）远多于其内容所能"
                "容纳的。请从原始文件重新导出。")
    assert read_workbook(sound).refusal is None
    rels = zipfile.ZipFile(sound).read("xl/_rels/workbook.xml.rels")
    unrelated = rels.replace(b'Target="sharedStrings.xml"', b'Target="strings.xml"')
    assert unrelated != rels
    data = rezipped(sound, {"xl/sharedStrings.xml": lying, "xl/_rels/workbook.xml.rels": unrelated})
    assert safety.inspect_archive(data, "x.xlsx").refusal.code == "F004"  # (seed 101196) read by its name all the same
