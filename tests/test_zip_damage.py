"""Damaged and hostile zips: each file refused with its own diagnostic, in words, the other files read; no
member inflated past what the zip directory declares for it."""

from __future__ import annotations

import io
import json
import random
import struct
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
