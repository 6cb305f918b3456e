"""Build addin/xlmon.xlam, the 绩效监控 ribbon add-in for desktop Excel, on any OS.

    python addin/build.py            # writes addin/xlmon.xlam and src/xlmon/addin_files/xlmon.xlam
    python addin/build.py OUT.xlam   # writes OUT.xlam only

Inputs, all text:
- `addin/src/customUI.xml`: the ribbon (namespace 2009/07, stored as customUI/customUI14.xml).
  Every button's `tag` is an entry point of `xlmon.entry_points.main`; the VBA whitelist of tags is
  taken from here, so adding a button is one line in this file.
- `addin/src/XlmonRibbon.bas`: our VBA module (XlmonDispatch, XlmonSettings).
- xlwings' VBA, read at build time from the *installed* xlwings package: the modules `xlwings`
  (RunPython, config lookup) and `Dictionary` of `xlwings/quickstart_addin_ribbon.xlam`. That file is
  xlwings' own template for custom ribbon add-ins, so its `xlwings` module is the add-in variant
  (it targets ActiveWorkbook where `xlwings.bas`, meant for code inside the calling workbook, uses
  ThisWorkbook); the only change we make is `PROJECT_NAME` "myaddin" -> "xlmon", which makes
  xlwings look for `xlmon.conf`. Nothing of xlwings is copied into this repository; an xlwings
  upgrade changes the build output (the test then asks for a rebuild), and `xlmon doctor` compares
  the add-in's XLWINGS_VERSION with the Python package.

Output is reproducible: fixed zip timestamps, members sorted, fixed project GUID, no dates in
docProps. The VBA project is source-only (see ovba.py); Excel compiles it when it loads the add-in.
"""

from __future__ import annotations

import io
import re
import sys
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ovba  # noqa: E402

SRC = HERE / "src"
OUTPUTS = [HERE / "xlmon.xlam", HERE.parent / "src" / "xlmon" / "addin_files" / "xlmon.xlam"]
PROJECT = "xlmon"
PROJECT_ID = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "xlmon.xlam")).upper() + "}"
CONF_SHEET = "_xlmon.conf"  # xlwings reads a sheet named xlmon.conf; the underscore keeps it off
CUI_NS = "http://schemas.microsoft.com/office/2009/07/customui"
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
XLWINGS_TEMPLATE = "quickstart_addin_ribbon.xlam"
XLWINGS_MODULES = ("xlwings", "Dictionary")


# ------------------------------------------------------------------------------------ inputs

def ribbon_tags(custom_ui: bytes) -> list[str]:
    """The tags of every button, in document order."""
    root = ET.fromstring(custom_ui)
    return [b.get("tag", "") for b in root.iter(f"{{{CUI_NS}}}button")]


def python_tags(custom_ui: bytes) -> list[str]:
    return [t for t in ribbon_tags(custom_ui) if t != "settings"]


_STRING = re.compile(r'"(?:[^"]|"")*"')


def vba_ascii(source: str) -> str:
    """String literals with non-ASCII text become `"ascii" & ChrW(&H4E2D) & ...` expressions."""
    out = []
    for n, line in enumerate(source.splitlines(), start=1):
        def literal(m: re.Match) -> str:
            text = m.group(0)[1:-1].replace('""', '"')
            if text.isascii():
                return m.group(0)
            parts, run = [], ""
            for ch in text:
                if ch.isascii():
                    run += ch
                    continue
                if run:
                    parts.append('"' + run.replace('"', '""') + '"')
                    run = ""
                if ord(ch) > 0xFFFF:
                    raise ValueError(f"line {n}: character outside the BMP: {ch!r}")
                parts.append(f"ChrW(&H{ord(ch):04X})")
            if run:
                parts.append('"' + run.replace('"', '""') + '"')
            before, after = line[:m.start()].rstrip(), line[m.end():].lstrip()
            if before.endswith(("+", "-", "*", "/", "\\", "^")) or after.startswith(("+", "-", "*", "/", "\\", "^")):
                raise ValueError(f"line {n}: join Chinese text with &, not arithmetic operators")
            return " & ".join(parts)

        converted = _STRING.sub(literal, line)
        if not converted.isascii():
            raise ValueError(f"XlmonRibbon.bas line {n}: non-ASCII text outside a string literal")
        if converted != line and re.match(r"\s*((Public|Private|Global)\s+)?Const\b", line, re.I):
            raise ValueError(f"XlmonRibbon.bas line {n}: a Const cannot hold ChrW(); use a function")
        if len(converted) > 1023:
            raise ValueError(f"XlmonRibbon.bas line {n}: longer than VBA's 1023 characters once converted")
        out.append(converted)
    return "\r\n".join(out) + "\r\n"


def ribbon_module(custom_ui: bytes, template: str) -> str:
    tags = python_tags(custom_ui)
    for tag in tags:
        if not re.fullmatch(r"[a-z_]+", tag):
            raise ValueError(f"ribbon tag {tag!r}: only a-z and _ may reach the Python command line")
    if "{{PYTHON_TAGS}}" not in template:
        raise ValueError("XlmonRibbon.bas lost its {{PYTHON_TAGS}} placeholder")
    return vba_ascii(template.replace("{{PYTHON_TAGS}}", "|".join(tags)))


def xlwings_template() -> Path:
    import xlwings

    return Path(xlwings.__file__).parent / XLWINGS_TEMPLATE


def xlwings_modules(template: Path | None = None) -> dict[str, str]:
    """The VBA modules of xlwings' ribbon add-in template, as stored (name -> source text)."""
    from oletools.olevba import VBA_Parser

    template = template or xlwings_template()
    parser = VBA_Parser(str(template))
    try:
        found = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    return {k: (v.decode("latin-1") if isinstance(v, bytes) else v) for k, v in found.items()}


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").replace("\n", "\r\n") + "\r\n"


def modules(custom_ui: bytes, ribbon_template: str, stock: dict[str, str] | None = None) -> list[ovba.Module]:
    import xlwings

    stock = stock if stock is not None else xlwings_modules()
    missing = [m for m in (*XLWINGS_MODULES, "ThisWorkbook", "Sheet2") if m not in stock]
    if missing:
        raise RuntimeError(f"xlwings {xlwings.__version__}: {XLWINGS_TEMPLATE} lacks modules {missing}")
    main = stock["xlwings"]
    old = 'Public Const PROJECT_NAME As String = "myaddin"'
    if main.count(old) != 1:
        raise RuntimeError(f"xlwings {xlwings.__version__}: cannot find `{old}` in its add-in module")
    main = main.replace(old, f'Public Const PROJECT_NAME As String = "{PROJECT}"')
    if f'XLWINGS_VERSION As String = "{xlwings.__version__}"' not in main:
        raise RuntimeError(f"{XLWINGS_TEMPLATE} does not match the installed xlwings {xlwings.__version__}")
    sheet = stock["Sheet2"].replace('Attribute VB_Name = "Sheet2"', 'Attribute VB_Name = "Sheet1"')
    return [
        ovba.Module("ThisWorkbook", _crlf(stock["ThisWorkbook"]), "document"),
        ovba.Module("Sheet1", _crlf(sheet), "document"),
        ovba.Module("xlwings", _crlf(main), "module"),
        ovba.Module("Dictionary", _crlf(stock["Dictionary"]), "class"),
        ovba.Module("XlmonRibbon", ribbon_module(custom_ui, ribbon_template), "module"),
    ]


# ------------------------------------------------------------------------------------ OOXML parts

XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
UI_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOM_UI_PART = "customUI/customUI14.xml"

CONTENT_TYPES = XML + (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.ms-excel.addin.macroEnabled.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    '</Types>')

ROOT_RELS = XML + (
    f'<Relationships xmlns="{RELS_NS}">'
    f'<Relationship Id="rId1" Type="{OFFICE_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
    'core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{OFFICE_REL}/extended-properties" Target="docProps/app.xml"/>'
    f'<Relationship Id="rId4" Type="{UI_REL}" Target="{CUSTOM_UI_PART}"/>'
    '</Relationships>')

WORKBOOK_RELS = XML + (
    f'<Relationships xmlns="{RELS_NS}">'
    f'<Relationship Id="rId1" Type="{OFFICE_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{OFFICE_REL}/styles" Target="styles.xml"/>'
    '<Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
    'Target="vbaProject.bin"/>'
    '</Relationships>')

WORKBOOK = XML + (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{OFFICE_REL}">'
    '<workbookPr codeName="ThisWorkbook"/>'
    '<bookViews><workbookView visibility="hidden"/></bookViews>'
    f'<sheets><sheet name="{CONF_SHEET}" sheetId="1" r:id="rId1"/></sheets>'
    '</workbook>')

STYLES = XML + (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>')

CONF_ROWS = [  # what the (disabled) config sheet shows when someone opens the add-in's VBA project
    ("INTERPRETER_WIN", ""),
    ("INTERPRETER_MAC", ""),
    ("说明", "本表名为 _xlmon.conf 时不起作用。xlmon 的设置保存在用户目录 .xlmon\\xlmon.conf 中，"
            "由 xlmon addin install 写入；点“绩效监控”选项卡的“设置”可打开。"),
]


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sheet_xml() -> str:
    rows = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{col}{r}" t="inlineStr"><is><t>{_esc(v)}</t></is></c>'
                                   for col, v in zip("AB", row) if v) + "</row>"
        for r, row in enumerate(CONF_ROWS, start=1))
    return XML + ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                  '<sheetPr codeName="Sheet1"/><dimension ref="A1:B3"/>'
                  '<cols><col min="1" max="1" width="20" customWidth="1"/>'
                  '<col min="2" max="2" width="80" customWidth="1"/></cols>'
                  f'<sheetData>{rows}</sheetData></worksheet>')


CORE = XML + (
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/">'
    '<dc:title>xlmon 预算绩效运行监控</dc:title><dc:creator>xlmon</dc:creator>'
    '</cp:coreProperties>')

APP = XML + (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    '<Application>Microsoft Excel</Application></Properties>')


def parts(custom_ui: bytes | None = None, ribbon_template: str | None = None,
          stock: dict[str, str] | None = None) -> dict[str, bytes]:
    """Every member of the .xlam, name -> bytes."""
    custom_ui = custom_ui if custom_ui is not None else (SRC / "customUI.xml").read_bytes()
    ribbon_template = ribbon_template if ribbon_template is not None else \
        (SRC / "XlmonRibbon.bas").read_text(encoding="utf-8")
    ET.fromstring(custom_ui)  # well-formed, or stop here
    vba = ovba.vba_project_bin(PROJECT, PROJECT_ID, modules(custom_ui, ribbon_template, stock))
    return {
        "[Content_Types].xml": CONTENT_TYPES.encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "docProps/app.xml": APP.encode(),
        "docProps/core.xml": CORE.encode(),
        CUSTOM_UI_PART: custom_ui,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.encode(),
        "xl/styles.xml": STYLES.encode(),
        "xl/vbaProject.bin": vba,
        "xl/workbook.xml": WORKBOOK.encode(),
        "xl/worksheets/sheet1.xml": sheet_xml().encode(),
    }


def package(members: dict[str, bytes]) -> bytes:
    """A zip with sorted members ([Content_Types].xml first), fixed dates and attributes."""
    names = sorted(members, key=lambda n: (n != "[Content_Types].xml", n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zf.writestr(info, members[name], compresslevel=9)
    return buf.getvalue()


def build(out: Path | list[Path] | None = None) -> list[Path]:
    targets = OUTPUTS if out is None else ([out] if isinstance(out, Path) else out)
    data = package(parts())
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
    return targets


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else None):
        print(f"wrote {path}")
