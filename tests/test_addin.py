"""addin/xlmon.xlam: reproducible build, readable VBA, a valid ribbon that only calls what exists."""

from __future__ import annotations

import re
import struct
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

ROOT = Path(__file__).resolve().parents[1]
ADDIN = ROOT / "addin"
sys.path.insert(0, str(ADDIN))

olefile = pytest.importorskip("olefile")
olevba = pytest.importorskip("oletools.olevba")
from oletools import mraptor  # noqa: E402

import build  # noqa: E402
import cfb  # noqa: E402
import ovba  # noqa: E402

from xlmon.entry_points import BUTTONS  # noqa: E402

COMMITTED = [ADDIN / "xlmon.xlam", ROOT / "src" / "xlmon" / "addin_files" / "xlmon.xlam"]
MODULES = {"ThisWorkbook", "Sheet1", "xlwings", "Dictionary", "XlmonRibbon"}
CUI = "{http://schemas.microsoft.com/office/2009/07/customui}"


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("addin") / "xlmon.xlam"
    build.build(out)
    return out


@pytest.fixture(scope="module")
def vba_bin(rebuilt) -> bytes:
    return members(rebuilt)["xl/vbaProject.bin"]


@pytest.fixture(scope="module")
def macros(rebuilt) -> dict[str, str]:
    parser = olevba.VBA_Parser(str(rebuilt))
    try:
        return {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def custom_ui() -> ET.Element:
    return ET.fromstring((ADDIN / "src" / "customUI.xml").read_bytes())


# ------------------------------------------------------------------------------------ build

@pytest.mark.parametrize("committed", COMMITTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_addin_matches_a_fresh_build(rebuilt, committed):
    assert committed.exists(), f"{committed} missing: run python addin/build.py"
    fresh, old = members(rebuilt), members(committed)
    assert sorted(fresh) == sorted(old), "run python addin/build.py and commit addin/xlmon.xlam"
    changed = [n for n in fresh if fresh[n] != old[n]]
    assert not changed, f"out of date ({changed}): run python addin/build.py and commit the .xlam files"


def test_build_is_byte_for_byte_reproducible(rebuilt, tmp_path):
    again = tmp_path / "again.xlam"
    build.build(again)
    assert again.read_bytes() == rebuilt.read_bytes()
    with zipfile.ZipFile(again) as zf:
        infos = zf.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {build.ZIP_DATE}


def test_package_parts_are_an_excel_addin(rebuilt):
    parts = members(rebuilt)
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)  # well-formed
    types = ET.fromstring(parts["[Content_Types].xml"])
    overrides = {o.get("PartName"): o.get("ContentType") for o in types if o.tag.endswith("Override")}
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    rels = ET.fromstring(parts["_rels/.rels"])
    ui = [r for r in rels if r.get("Type").endswith("/2007/relationships/ui/extensibility")]
    assert [r.get("Target") for r in ui] == ["customUI/customUI14.xml"]
    assert parts["customUI/customUI14.xml"] == (ADDIN / "src" / "customUI.xml").read_bytes()
    wb_rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    targets = {r.get("Target") for r in wb_rels}
    assert {"vbaProject.bin", "worksheets/sheet1.xml", "styles.xml"} <= targets
    for target in targets:
        assert f"xl/{target}" in parts
    assert b'codeName="ThisWorkbook"' in parts["xl/workbook.xml"]
    assert b'codeName="Sheet1"' in parts["xl/worksheets/sheet1.xml"]


# ------------------------------------------------------------------------------------ VBA project

def test_vba_project_is_source_only(vba_bin):
    ole = olefile.OleFileIO(vba_bin, raise_defects=olefile.DEFECT_POTENTIAL)  # strictest parsing
    streams = {"/".join(e) for e in ole.listdir()}
    assert streams == {"PROJECT", "PROJECTwm", "VBA/_VBA_PROJECT", "VBA/dir"} | {f"VBA/{m}" for m in MODULES}
    assert ole.openstream("VBA/_VBA_PROJECT").read() == ovba.VBA_PROJECT_SOURCE_ONLY
    assert ole.sectorsize == 512
    d = bytes(olevba.decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    offsets, names, i = [], [], 0
    while i < len(d):
        rid, size = struct.unpack_from("<HI", d, i)
        if rid == 0x09:
            size = 6  # PROJECTVERSION: the size field is Reserved
        body = d[i + 6:i + 6 + size]
        if rid == 0x31:
            offsets.append(struct.unpack("<I", body)[0])
        if rid == 0x19:
            names.append(body.decode("cp1252"))
        i += 6 + size
    assert set(names) == MODULES and offsets == [0] * len(MODULES)
    project = ole.openstream("PROJECT").read().decode("cp1252")
    fields = dict(re.findall(r'^(\w+)="([^"]*)"', project, re.M))
    assert fields["ID"] == build.PROJECT_ID and fields["Name"] == "xlmon"
    assert ovba.decrypt(fields["ID"], fields["CMG"]) == bytes(4)  # not protected
    assert ovba.decrypt(fields["ID"], fields["DPB"]) == b"\0"  # no password
    assert ovba.decrypt(fields["ID"], fields["GC"]) == b"\xff"  # visible


def test_olevba_reads_every_module(macros):
    assert set(macros) == MODULES
    ribbon = macros["XlmonRibbon"]
    assert re.search(r"^Public Sub XlmonDispatch\(control As IRibbonControl\)", ribbon, re.M)
    assert "RunPython \"import xlmon.entry_points as x; x.main('\" & tag & \"')\"" in ribbon
    assert re.search(r"^Public Sub XlmonSettings\(\)", ribbon, re.M)
    assert ribbon.isascii() and "{{" not in ribbon
    import xlwings

    assert f'XLWINGS_VERSION As String = "{xlwings.__version__}"' in macros["xlwings"]
    assert 'PROJECT_NAME As String = "xlmon"' in macros["xlwings"]
    assert "Public Function RunPython(" in macros["xlwings"]


def test_xlwings_modules_come_unchanged_from_the_installed_package(macros):
    stock = build.xlwings_modules()
    norm = build._crlf  # noqa: SLF001
    assert norm(macros["Dictionary"]) == norm(stock["Dictionary"])
    ours = norm(macros["xlwings"]).replace('PROJECT_NAME As String = "xlmon"', 'PROJECT_NAME As String = "myaddin"')
    assert ours == norm(stock["xlwings"])


def test_mraptor_verdict_no_worse_than_xlwings_own_template(rebuilt):
    def flags(path: Path) -> set[str]:
        parser = olevba.VBA_Parser(str(path))
        try:
            code = "\n".join(c for *_, c in parser.extract_macros())
        finally:
            parser.close()
        raptor = mraptor.MacroRaptor(code)
        raptor.scan()
        return {k for k in ("autoexec", "write", "execute") if getattr(raptor, k)} | \
            ({"suspicious"} if raptor.suspicious else set())

    ours, stock = flags(rebuilt), flags(build.xlwings_template())
    assert ours <= stock, f"mraptor flags {ours - stock} beyond xlwings' own {stock}"
    assert "autoexec" not in ours


def test_no_vba_stomping(rebuilt):
    parser = olevba.VBA_Parser(str(rebuilt))
    try:
        assert parser.detect_vba_macros()
        assert not parser.detect_vba_stomping()
    finally:
        parser.close()


# ------------------------------------------------------------------------------------ ribbon XML
# The 2009/07 customUI XSD is not shipped by any package; these are its rules for what we use.

ALLOWED_CHILDREN = {"customUI": {"ribbon"}, "ribbon": {"tabs"}, "tabs": {"tab"}, "tab": {"group"},
                    "group": {"button"}, "button": set()}
ALLOWED_ATTRS = {
    "customUI": {"onLoad", "loadImage"}, "ribbon": {"startFromScratch"}, "tabs": set(),
    "tab": {"id", "label", "keytip", "visible", "insertAfterMso", "insertBeforeMso"},
    "group": {"id", "label", "keytip", "visible", "imageMso", "screentip", "supertip"},
    "button": {"id", "label", "size", "imageMso", "tag", "onAction", "screentip", "supertip", "keytip",
               "visible", "enabled", "showLabel", "showImage", "description"},
}
LIMITED = {"label", "screentip", "supertip", "description", "tag"}  # ST_String: 1-1024 characters
NCNAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def test_custom_ui_follows_the_schema():
    root = custom_ui()
    assert root.tag == f"{CUI}customUI"
    ids = []

    def visit(el: ET.Element) -> None:
        assert el.tag.startswith(CUI), f"foreign element {el.tag}"
        name = el.tag[len(CUI):]
        assert set(el.attrib) <= ALLOWED_ATTRS[name], (name, set(el.attrib) - ALLOWED_ATTRS[name])
        for attr in LIMITED & set(el.attrib):
            assert 1 <= len(el.get(attr)) <= 1024, (name, attr)
        if name in ("tab", "group", "button"):
            assert NCNAME.match(el.get("id", "")), f"{name} needs an id (xsd:ID)"
            ids.append(el.get("id"))
            assert el.get("label"), f"{el.get('id')} needs a label"
        if name == "button":
            assert el.get("imageMso"), f"{el.get('id')} needs an imageMso"
            assert el.get("size", "normal") in ("normal", "large")
            assert el.get("onAction") and el.get("tag")
            assert el.get("keytip") is None or 1 <= len(el.get("keytip")) <= 3
        children = [c.tag[len(CUI):] for c in el]
        assert set(children) <= ALLOWED_CHILDREN[name], (name, children)
        for child in el:
            visit(child)

    visit(root)
    assert len(ids) == len(set(ids)), "ids must be unique"
    tabs = root.findall(f"{CUI}ribbon/{CUI}tabs/{CUI}tab")
    assert [t.get("label") for t in tabs] == ["绩效监控"]
    labels = [b.get("label") for b in root.iter(f"{CUI}button")]
    assert labels[:5] == ["计算", "校验", "清除标记", "新建项目表", "汇总"] and labels[-1] == "设置"
    assert ("report" in BUTTONS) == ("生成报告" in labels)


def test_every_on_action_is_a_sub_of_the_vba(macros):
    code = "\n".join(macros.values())
    subs = set(re.findall(r"^(?:Public\s+)?Sub\s+(\w+)\s*\(\s*control\s+As\s+IRibbonControl\s*\)", code, re.M | re.I))
    actions = {b.get("onAction") for b in custom_ui().iter(f"{CUI}button")}
    assert actions == {"XlmonDispatch"} and actions <= subs


def test_every_tag_is_an_entry_point_and_every_entry_point_a_button(macros):
    tags = [b.get("tag") for b in custom_ui().iter(f"{CUI}button")]
    assert len(tags) == len(set(tags))
    assert set(tags) - {"settings"} == set(BUTTONS), "customUI.xml and xlmon.entry_points.BUTTONS disagree"
    whitelist = re.search(r'PYTHON_TAGS As String = "\|([a-z_|]+)\|"', macros["XlmonRibbon"]).group(1)
    assert set(whitelist.split("|")) == set(BUTTONS)


# ------------------------------------------------------------------------------------ building blocks

@pytest.mark.parametrize("data", [b"", b"a", b"abcabcabcabc", bytes(range(256)) * 20, b"x" * 10000,
                                  ("Attribute VB_Name = \"M\"\r\n" + "Sub A()\r\nEnd Sub\r\n" * 400).encode()])
def test_compression_round_trips_through_oletools(data):
    assert bytes(olevba.decompress_stream(bytearray(ovba.compress(data)))) == data


def test_project_encryption_round_trips():
    pid = "{00000000-0000-0000-0000-000000000000}"
    for seed in range(256):
        assert ovba.decrypt(pid, ovba.encrypt(pid, b"\x01\x02", seed)) == b"\x01\x02"


@pytest.mark.parametrize("n", range(1, 40))
def test_directory_siblings_form_a_red_black_tree(n):
    kids = [cfb.Entry(f"s{i:02d}", cfb.STREAM, b"x" * (i * 300)) for i in range(n)]
    data = cfb.write([cfb.Entry("S", cfb.STORAGE, children=kids)])
    ole = olefile.OleFileIO(data)
    for i in range(n):
        assert ole.openstream(f"S/s{i:02d}").read() == b"x" * (i * 300)
    by_sid = {k.sid: k for k in kids}

    def black_height(sid: int, parent_red: bool) -> int:
        if sid == cfb.NOSTREAM:
            return 0
        e = by_sid[sid]
        red = e.colour == cfb.RED
        assert not (red and parent_red)
        left, right = black_height(e.left, red), black_height(e.right, red)
        assert left == right
        return left + (not red)

    assert by_sid[_root_of(kids)].colour == cfb.BLACK
    black_height(_root_of(kids), False)


def _root_of(kids) -> int:
    children = {k.left for k in kids} | {k.right for k in kids}
    return next(k.sid for k in kids if k.sid not in children)


def test_vba_ascii_turns_chinese_literals_into_chrw():
    assert build.vba_ascii('MsgBox "未知" & x, , "a""b"') == \
        'MsgBox ChrW(&H672A) & ChrW(&H77E5) & x, , "a""b"\r\n'
    with pytest.raises(ValueError):
        build.vba_ascii("' 注释")
    with pytest.raises(ValueError):
        build.vba_ascii('Const A As String = "中"')
    with pytest.raises(ValueError):
        build.vba_ascii('x = 1 + "中"')
