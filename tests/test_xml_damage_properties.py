"""Damage inside the XML parts of a sound zip: good unit workbooks (a hand-typed grid through openpyxl, xlmon's
own forms through openpyxl and through xlsxwriter) re-zipped, CRCs right, with one to three seeded mutations of
their parts: cut short, tags dropped or doubled, cells placed absurdly, shared-string indexes and values no
number, shared strings and styles lying or missing, sheets named twice or badly, relationships leading out of
the package, content types missing, declarations, byte order marks and DTDs, merged areas and dimensions
running off the sheet, and bytes flipped, dropped or inserted at random.

What must hold, for each: the file is read (and checked: forms, or a Chinese finding such as S001 or F007) or
refused with a catalogue F-code whose message is Chinese, within seconds and bounded memory; `xlmon check
--format json` of a folder of it and a good file exits 0 or 1, with the good file's entry as it is alone and the
damaged file listed; `xlmon consolidate` of the folder exits 0, the good file's records and unit totals as
alone, the damaged file included or rejected with a Chinese reason. F013 (an unforeseen error) fails the case.
Each case runs in a child process (an abort in python-calamine would end pytest); a failure names its seed and
its mutations. XLMON_PROPERTY_CASES=n runs n cases.

What may differ, and why: a mutation that leaves a well-formed but different workbook (a rich-text run, a
lying count, a byte flipped inside a text) may be read, its values then what the damaged file says; only that
it is read or refused in words is asserted. An entity declaration is refused (F006) when it is the only damage:
beside another, that other may be found first ([Content_Types].xml that is no XML is judged before the DTDs), and
any refusal will do."""

from __future__ import annotations

import io
import json
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from handmade import SAMPLE_FUNDING, SAMPLE_INDICATORS, project_grid
from seeded import seeds
from test_check import write_grid
from test_form_backends import _header, _values
from xlmon import demo
from xlmon.adapters.xlsxwriter_form import build_form_xlsxwriter
from xlmon.form_plan import plan_form
from xlmon.templates import new_workbook, save_atomic

SALT = 101
CHINESE = re.compile(r"[\u4e00-\u9fff]")
KNOWN = {"F002", "F003", "F004", "F005", "F006", "F010"}  # what a damaged part may be refused as
SECONDS = 5.0
PEAK_MB = 200  # a reading's growth of the process's peak memory, the size-blowing mutations included
GOOD_UNIT = "某市第二中学"

# In a child: the damaged file read and checked (timed, its peak memory), then the folder checked and
# consolidated through the command line, then consolidated in-process for the good file's records.
_CHILD = r"""
import contextlib, io, json, re, sys, time
from dataclasses import asdict
from pathlib import Path
peak = lambda: int(re.search(r'VmHWM:\s*(\d+)', Path('/proc/self/status').read_text())[1])
from xlmon.adapters.files import read_workbook
from xlmon.check import check_file
from xlmon.cli import main
from xlmon.consolidate import run
damaged, good, folder, out = map(Path, sys.argv[1:5])
before = peak()
t = time.perf_counter()
book = read_workbook(damaged)
read_s = time.perf_counter() - t
t = time.perf_counter()
result = check_file(damaged)
check_s = time.perf_counter() - t
report = {"read_s": read_s, "check_s": check_s, "peak_mb": (peak() - before) / 1024,
          "refusal": [book.refusal.code, book.refusal.detail] if book.refusal else None,
          "forms": len(result.forms), "diagnostics": [[d.code, d.message] for d in result.diagnostics]}
print("read", flush=True)

def cli(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(list(args))
    return code, stdout.getvalue(), stderr.getvalue()

for key, args in (("check", ("check", "--format", "json", str(folder))),
                  ("check_alone", ("check", "--format", "json", str(good))),
                  ("consolidate", ("consolidate", str(folder), "-o", str(out / "all.xlsx"), "--format", "json"))):
    code, text, err = cli(*args)
    report[key] = {"code": code, "json": json.loads(text) if text.strip().startswith("{") else text, "stderr": err}

def good_part(summary):
    [outcome] = [f for f in summary.files if Path(f.path).name == good.name]
    unit = [asdict(t) for t in summary.by_unit if t.row == sys.argv[5]]
    return {"status": outcome.status, "records": [asdict(r) for r in outcome.records], "unit": unit}

report["records"] = good_part(run.consolidate([folder], out / "in.xlsx", workers=1))
report["records_alone"] = good_part(run.consolidate([good], out / "alone.xlsx", workers=1))
print(json.dumps(report, ensure_ascii=False, default=str))
"""


# ------------------------------------------------------------------------------------------- the workbooks


def template_unit(path: Path) -> Path:
    """A demo unit's workbook in our template: its 部门整体 and several project forms (test_xls_damage_properties')."""
    unit = next(u for u in demo.sample_department().units if u.style == "template" and len(u.projects) > 1)
    wb = new_workbook()
    if unit.overall:
        demo.write_overall_form(wb.create_sheet(unit.overall.sheet), unit.overall, year=2026, months=6)
    for project in unit.projects:
        demo.write_project_form(wb.create_sheet(project.sheet), project, year=2026, months=6)
    return save_atomic(wb, path)


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """Each sound workbook's parts by name, in their order."""
    folder = tmp_path_factory.mktemp("bases")
    paths = {"handmade": write_grid(folder / "handmade.xlsx",
                                    project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS), "表1")}
    paths["template"] = template_unit(folder / "template.xlsx")
    for kind in ("project", "department"):
        book = xlsxwriter.Workbook(str(folder / f"xlsxwriter-{kind}.xlsx"))
        header = _header(kind) | {"months": 6}  # the good file's period: no file is left out as an earlier month's
        values = _values(kind, plan_form(kind, **header).layout)
        build_form_xlsxwriter(book, book.add_worksheet("表"), kind, **header, values=values)
        book.close()
        paths[f"xlsxwriter-{kind}"] = folder / f"xlsxwriter-{kind}.xlsx"
    out = {}
    for name, path in paths.items():
        with zipfile.ZipFile(path) as archive:
            out[name] = {info.filename: archive.read(info) for info in archive.infolist()}
    return out


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory) -> bytes:
    """The good file of every folder: another unit's project, so that no copy of it is among the damaged."""
    path = tmp_path_factory.mktemp("good") / "good.xlsx"
    grid = project_grid(funding=SAMPLE_FUNDING, indicators=SAMPLE_INDICATORS, project="道路养护项目", unit=GOOD_UNIT)
    return write_grid(path, grid, "表1").read_bytes()


def zipped(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


# ------------------------------------------------------------------------------------------- the mutations


def _sheets(parts: dict[str, bytes]) -> list[str]:
    return [n for n in parts if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]


def _xml_parts(parts: dict[str, bytes]) -> list[str]:
    return [n for n in parts if n.endswith((".xml", ".rels"))]


def _pick(rng: random.Random, matches: list[re.Match]) -> re.Match | None:
    return rng.choice(matches) if matches else None


def _found(rng: random.Random, parts: dict[str, bytes], pattern: bytes, among=_sheets) -> tuple[str, re.Match | None]:
    """A part of the kind `among` lists, and one place in it matching pattern (None where there is none)."""
    name = rng.choice(among(parts))
    return name, _pick(rng, list(re.finditer(pattern, parts[name])))


def _sub(data: bytes, m: re.Match, group: int, new: bytes) -> bytes:
    return data[:m.start(group)] + new + data[m.end(group):]


def truncate(rng, parts):
    name = rng.choice(_xml_parts(parts))
    data = parts[name]
    at = rng.choice([m.start() for m in re.finditer(rb"<", data)] or [len(data) // 2]) + rng.randrange(1, 6)
    parts[name] = data[:at]
    return f"{name} cut at byte {at}"


def closing_tag(rng, parts):
    name, m = _found(rng, parts, rb"</[\w:]+>", _xml_parts)
    if m is None:
        return f"{name}: no closing tag"
    twice = rng.random() < 0.5
    parts[name] = parts[name][:m.start()] + (m[0] * 2 if twice else b"") + parts[name][m.end():]
    return f"{name}: {m[0].decode()} at {m.start()} {'doubled' if twice else 'dropped'}"


ABSURD_REFS = [b"XFD1048577", b"A0", b"XFE1", b"AAAA1", b"A99999999999", b"", b"1A", b"A-1", b"\xe4\xb8\x801",
               b"A1:B2", b"$A$1"]


def cell_ref(rng, parts):
    name, m = _found(rng, parts, rb'<c r="([^"]*)"')
    if m is None:
        return f"{name}: no cell"
    choice = rng.choice([*ABSURD_REFS, b"lower", b"missing"])
    if choice == b"missing":
        parts[name] = parts[name][:m.start() + 2] + parts[name][m.end():]
    else:
        parts[name] = _sub(parts[name], m, 1, m[1].lower() if choice == b"lower" else choice)
    return f"{name}: cell {m[1].decode()} placed {choice.decode('utf-8', 'replace')!r}"


def shared_index(rng, parts):
    name, m = _found(rng, parts, rb'<c [^>]*t="s"[^>]*><v>([^<]*)</v>')
    if m is None:
        return f"{name}: no shared string"
    strings = parts.get("xl/sharedStrings.xml", b"").count(b"<si")
    new = rng.choice([str(strings).encode(), str(strings + 1000).encode(), b"-1", b"4294967296", b"1e3", b"x", b""])
    parts[name] = _sub(parts[name], m, 1, new)
    return f"{name}: shared string index {m[1].decode()} -> {new.decode()}"


VALUES = [b"1e999", b"-1e999", b"NaN", b"nan", b"inf", b"-0", b"0x10", b"", b"9" * 10_000, b"1e-999", b" 12 ",
          b"1,5", b"1.2.3", b"\xef\xbc\x91", b"+5", b".5", b"5."]


def value(rng, parts):
    name, m = _found(rng, parts, rb'<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="n")?><v>([^<]*)</v>')
    if m is None:
        return f"{name}: no number"
    new = rng.choice(VALUES)
    parts[name] = _sub(parts[name], m, 1, new)
    return f"{name}: number {m[1].decode()} -> {new[:20].decode('utf-8', 'replace')!r}{'…' if len(new) > 20 else ''}"


def formula_alone(rng, parts):
    name, m = _found(rng, parts, rb"<v>[^<]*</v>")
    if m is None:
        return f"{name}: no value"
    parts[name] = parts[name][:m.start()] + rng.choice([b"<f>SUM(A1:A2)</f>", b"<f/>", b"<f>1/0</f><v/>"]) + \
        parts[name][m.end():]
    return f"{name}: value at {m.start()} -> formula with no value"


def nested_cell(rng, parts):
    name, m = _found(rng, parts, rb"<c [^>]*>")
    if m is None:
        return f"{name}: no cell"
    parts[name] = parts[name][:m.end()] + b'<c r="Z1"><v>1</v></c>' + parts[name][m.end():]
    return f"{name}: a cell nested at {m.end()}"


def dimension(rng, parts):
    name = rng.choice(_sheets(parts))
    ref = rng.choice([b"A1:XFD1048576", b"A1:XFD1048577", b"A0:B2", b"", b"ZZZZ9"])
    data, tag = parts[name], b'<dimension ref="%s"/>' % ref
    if b"<dimension" in data:
        parts[name] = re.sub(rb"<dimension [^>]*/>", lambda _: tag, data, count=1)
    else:
        parts[name] = data.replace(b"<sheetData", tag + b"<sheetData", 1)
    return f"{name}: dimension {ref.decode()!r}"


MERGES = [b"A1:C3", b"B2:D4", b"A1:XFD1048576", b"B2:XFD1048577", b"Z9:A1", b"A0:B1", b"A1", b"C3:C3"]


def merge_cells(rng, parts):
    name = rng.choice(_sheets(parts))
    refs = rng.sample(MERGES, rng.randint(1, 3))
    extra = b"".join(b'<mergeCell ref="%s"/>' % ref for ref in refs)
    data = parts[name]
    if b"<mergeCells" in data:
        parts[name] = re.sub(rb"(<mergeCells[^>]*>)", lambda m: m[1] + extra, data, count=1)
    else:
        parts[name] = data.replace(b"</sheetData>", b"</sheetData><mergeCells count=\"%d\">%s</mergeCells>"
                                   % (len(refs), extra), 1)
    return f"{name}: merged {b', '.join(refs).decode()}"


def rich_text(rng, parts):
    name = "xl/sharedStrings.xml"
    m = _pick(rng, list(re.finditer(rb"<si><t(?: [^>]*)?>([^<]+)</t></si>", parts.get(name, b""))))
    if m is None:
        return "no shared string"
    text = m[1].decode()
    cut = rng.randrange(len(text) + 1)
    runs = "".join(f"<r><rPr><b/><sz val=\"11\"/></rPr><t xml:space=\"preserve\">{piece}</t></r>"
                   for piece in (text[:cut], text[cut:])).encode()
    parts[name] = parts[name][:m.start()] + b"<si>" + runs + b"<rPh sb=\"0\" eb=\"1\"><t>x</t></rPh></si>" + \
        parts[name][m.end():]
    return f"shared string {m.start()} as rich-text runs"


def lying_count(rng, parts):
    name = "xl/sharedStrings.xml"
    if name not in parts:
        return "no shared strings"
    new = rng.choice([b"0", b"1", b"-1", b"99999999999", b"x", b""])
    parts[name] = re.sub(rb'(count|uniqueCount)="[^"]*"', lambda m: m[1] + b'="' + new + b'"', parts[name])
    return f"shared strings' count = {new.decode()!r}"


def huge_text(rng, parts):
    name = "xl/sharedStrings.xml"
    m = _pick(rng, list(re.finditer(rb"<t(?: [^>]*)?>([^<]*)</t>", parts.get(name, b""))))
    if m is None:
        return "no shared string"
    parts[name] = _sub(parts[name], m, 1, "字".encode() * 350_000)
    return f"shared string at {m.start()} of 1 MB"


def fewer_strings(rng, parts):
    name = "xl/sharedStrings.xml"
    items = list(re.finditer(rb"<si>.*?</si>", parts.get(name, b""), re.S))
    if not items:
        return "no shared strings"
    keep = rng.randrange(len(items))
    parts[name] = parts[name][:items[keep].start()] + parts[name][items[-1].end():]
    return f"shared strings from {keep} of {len(items)} dropped"


def missing_part(rng, parts):
    name = rng.choice([n for n in ("xl/sharedStrings.xml", "xl/styles.xml", "xl/theme/theme1.xml",
                                   "docProps/core.xml", "docProps/app.xml", "xl/_rels/workbook.xml.rels",
                                   "_rels/.rels", *_sheets(parts)) if n in parts])
    del parts[name]
    return f"{name} missing"


def styles(rng, parts):
    name = "xl/styles.xml"
    if name not in parts:
        return "no styles"
    choice = rng.choice(["numFmt", "xf", "cut", "empty", "cell"])
    if choice == "numFmt":
        parts[name] = re.sub(rb'numFmtId="\d+"', b'numFmtId="999"', parts[name])
    elif choice == "xf":
        parts[name] = re.sub(rb"<cellXfs[^>]*>.*?</cellXfs>", b'<cellXfs count="0"></cellXfs>', parts[name], flags=re.S)
    elif choice == "cut":
        parts[name] = parts[name][:len(parts[name]) // 2]
    elif choice == "empty":
        parts[name] = b""
    else:
        sheet = rng.choice(_sheets(parts))
        parts[sheet] = re.sub(rb'(<c r="[^"]*") s="\d+"', rb'\1 s="9999"', parts[sheet])
    return f"styles: {choice}"


def sheet_name(rng, parts):
    name = "xl/workbook.xml"
    sheets = list(re.finditer(rb'<sheet [^>]*name="([^"]*)"', parts[name]))
    m = rng.choice(sheets)
    new = rng.choice(["这是一个有四十个字符的工作表名称" * 3, "收入/支出", "a:b", "", "历史", "'表'", "表\t1",
                      *(re.search(r'name="([^"]*)"', s[0].decode())[1] for s in sheets)])[:40]
    parts[name] = _sub(parts[name], m, 1, new.encode())
    return f"sheet {m[1].decode()} named {new!r}"


_RELS = "xl/_rels/workbook.xml.rels"


def ghost_sheet(rng, parts):
    """A sheet the workbook names whose part is missing (or a copy of a sheet under the name of another)."""
    copy = rng.random() < 0.5
    first = _sheets(parts)[0]
    target = "worksheets/sheet99.xml"
    if copy:
        parts["xl/" + target] = parts[first]
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/'
                         b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
    parts[_RELS] = parts[_RELS].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/worksheet" Target="%s"/></Relationships>' % target.encode())
    existing = re.search(rb'<sheet [^>]*name="([^"]*)"', parts["xl/workbook.xml"])[1]
    named = existing if copy else "幽灵".encode()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"</sheets>", b'<sheet name="%s" sheetId="99" r:id="rId99"/></sheets>' % named)
    return f"a sheet {named.decode()!r} {'copied' if copy else 'whose part is missing'}"


def relationship(rng, parts):
    name = rng.choice([n for n in parts if n.endswith(".rels")])
    m = _pick(rng, list(re.finditer(rb'Target="([^"]*)"', parts[name])))
    if m is None:
        return f"{name}: no relationship"
    new = rng.choice([b"../../x.xml", b"http://example.com/x.xml", b"/xl/workbook.xml", b"workbook.xml",
                      b"../_rels/.rels", b"", b"/", b"C:\\x.xml", b"worksheets/../../../../etc/passwd"])
    parts[name] = _sub(parts[name], m, 1, new)
    if rng.random() < 0.3:
        parts[name] = parts[name].replace(b"<Relationship ", b'<Relationship TargetMode="External" ', 1)
    return f"{name}: {m[1].decode()} -> {new.decode()}"


def content_types(rng, parts):
    name = "[Content_Types].xml"
    m = _pick(rng, list(re.finditer(rb"<(?:Override|Default) [^>]*/>", parts[name])))
    if m is None:
        return "no override"
    parts[name] = parts[name][:m.start()] + parts[name][m.end():]
    return f"content type dropped: {m[0][:80].decode()}"


def declaration(rng, parts):
    name = rng.choice(_xml_parts(parts))
    data = re.sub(rb"^\s*<\?xml[^>]*\?>\s*", b"", parts[name])
    choice = rng.choice(["utf16", "bom", "utf16-bom", "gbk", "late", "utf16-bytes"])
    parts[name] = {
        "utf16": b'<?xml version="1.0" encoding="UTF-16"?>' + data,
        "bom": b"\xef\xbb\xbf" + parts[name],
        "utf16-bom": b"\xff\xfe" + parts[name],
        "gbk": b'<?xml version="1.0" encoding="GBK"?>' + data,
        "late": data.replace(b">", b'><?xml version="1.0"?>', 1),
        "utf16-bytes": (b'<?xml version="1.0" encoding="UTF-16"?>' + data).decode("utf-8").encode("utf-16"),
    }[choice]
    return f"{name}: declaration {choice}"


def entity(rng, parts):
    name = rng.choice(_xml_parts(parts))
    doctype = rng.choice([b'<!DOCTYPE x [<!ENTITY a "b">]>', b'<!DOCTYPE x SYSTEM "http://example.com/x.dtd">',
                          b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'])
    m = re.match(rb"\s*(<\?xml[^>]*\?>)?", parts[name])
    parts[name] = parts[name][:m.end()] + doctype + parts[name][m.end():]
    return f"{name}: DTD {doctype.decode()}"


def bytes_(rng, parts):
    name = rng.choice(_xml_parts(parts))
    data = bytearray(parts[name])
    done = []
    for _ in range(rng.randint(1, 5)):
        at = rng.randrange(len(data)) if data else 0
        how = rng.choice(["flip", "delete", "insert"])
        if how == "flip" and data:
            data[at] ^= 1 << rng.randrange(8)
        elif how == "delete" and data:
            del data[at]
        else:
            data[at:at] = bytes([rng.randrange(256)])
        done.append(f"{how}@{at}")
    parts[name] = bytes(data)
    return f"{name}: {' '.join(done)}"


MUTATIONS = [truncate, closing_tag, cell_ref, shared_index, value, formula_alone, nested_cell, dimension,
             merge_cells, rich_text, lying_count, huge_text, fewer_strings, missing_part, styles, sheet_name,
             ghost_sheet, relationship, content_types, declaration, entity, bytes_, bytes_, bytes_]


def damaged(rng: random.Random, parts: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
    parts = dict(parts)
    done = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mutation = rng.choice(MUTATIONS)
        if mutation is not entity and any(d.startswith("entity") for d in done):
            continue
        done.append(f"{mutation.__name__.rstrip('_')}: {mutation(rng, parts)}")
    return parts, done


ADDRESS_SPACE = 4 << 30  # a runaway allocation fails in the child (MemoryError) before it takes the machine's memory


def run_child(*args: str) -> subprocess.CompletedProcess:
    """_CHILD in a process of bounded address space: a damaged file that makes a reader reserve gigabytes fails there
    as the property says (not worded, or over PEAK_MB) instead of swapping the machine; its check and consolidate
    inherit the bound."""
    import resource

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    return subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, timeout=120,
                          preexec_fn=bounded)


# -------------------------------------------------------------------------------------------- the property


def _chinese_message(message: str) -> bool:
    return bool(CHINESE.search(message)) and not re.fullmatch(r"\w+(Error|Exception)\b.*", message)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="VmHWM is Linux's")
@pytest.mark.parametrize("seed", seeds(30, SALT))
def test_damage_inside_xml_parts_is_read_or_refused_in_words(seed, bases, good_bytes, tmp_path):
    rng = random.Random(seed)
    base = rng.choice(sorted(bases))
    parts, done = damaged(rng, bases[base])
    case = f"seed {seed}, {base}: " + "; ".join(done)
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    out.mkdir()
    bad = folder / "damaged.xlsx"
    bad.write_bytes(zipped(parts))
    good = folder / "good.xlsx"
    good.write_bytes(good_bytes)
    child = run_child(str(bad), str(good), str(folder), str(out), GOOD_UNIT)
    assert child.returncode == 0, (case, child.returncode, child.stdout[-300:], child.stderr[-1500:])
    report = json.loads(child.stdout.splitlines()[-1])

    assert_handled(report, case, ".xlsx", KNOWN)
    if [d.split(":")[0] for d in done] == ["entity"]:
        assert report["refusal"] and report["refusal"][0] == "F006", (case, report["refusal"])


def assert_handled(report: dict, case: str, suffix: str, known: set[str] | frozenset[str], worded: bool = False) -> None:
    """What the child saw of a damaged file beside a good one (test_xls_damage_properties' too): 1. read or refused in
    words, within seconds and bounded memory (worded: the refusal's detail in Chinese too; an .xlsx's F006 names only
    a part); 2. the folder checked, the good file as alone, the damaged one listed; 3. the folder consolidated, the
    good file's projects summed as alone, the damaged one included or rejected."""
    good, bad = f"good{suffix}", f"damaged{suffix}"
    assert report["read_s"] < SECONDS and report["check_s"] < SECONDS, (case, report["read_s"], report["check_s"])
    assert report["peak_mb"] < PEAK_MB, (case, report["peak_mb"])
    if report["refusal"]:
        assert report["refusal"][0] in known, (case, report["refusal"])
        assert not worded or _chinese_message(report["refusal"][1] or "文"), (case, report["refusal"])
    else:
        assert report["forms"] or report["diagnostics"], case
    assert all(_chinese_message(message) for _, message in report["diagnostics"]), (case, report["diagnostics"])

    check, alone = report["check"], report["check_alone"]
    assert check["code"] in (0, 1) and alone["code"] in (0, 1), (case, check["stderr"][-800:])
    entries = {Path(f["path"]).name: f for f in check["json"]["files"]}
    assert set(entries) == {good, bad}, case
    assert entries[good] == alone["json"]["files"][0], case
    assert all(_chinese_message(d["message"]) for d in entries[bad]["diagnostics"]), case
    assert "F013" not in {d["code"] for d in entries[bad]["diagnostics"]}, case

    merged = report["consolidate"]
    assert merged["code"] == 0, (case, merged["stderr"][-800:])
    files = {Path(f["path"]).name: f for f in merged["json"]["files"]}
    assert set(files) == {good, bad}, case
    assert files[good]["status"] == "included", case
    listed = files[bad]
    assert listed["status"] in ("included", "rejected"), (case, listed)
    if listed["status"] == "rejected":
        assert listed["reason"] and _chinese_message(listed["reason"]), (case, listed)
    assert "F013" not in {d["code"] for d in merged["json"]["diagnostics"]}, (case, listed)
    assert report["records"] == report["records_alone"], case

