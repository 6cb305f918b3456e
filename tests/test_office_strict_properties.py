"""Excel and Word are strict where LibreOffice, which the other tests render in, is lenient: an XML element out of
its schema's order, a required attribute missing or one of Excel's limits exceeded makes them report unreadable
content (发现不可读取的内容) or refuse the file. Over random departments and bureaus (test_consolidate_properties'
and test_summary_resaved's generators: odd texts, long names, a unit's texts as long as Excel lets one type, many
findings), every package xlmon writes is checked part by part as they read it: the summary, the report, the
annotated copy of a unit's workbook and the templates, blank and filled. Each case is seeded; a failure names its
seed. XLMON_PROPERTY_CASES=n runs n cases.

The orders are those of ECMA-376 Part 1's transitional schemas: CT_Worksheet and the others of sml.xsd (as also
quoted in [MS-OFFMACRO] 2.2.1.1), CT_PPrBase, CT_RPr (EG_RPrBase), CT_TblPr, CT_TcPr and CT_SectPr of wml.xsd (as
python-docx's oxml transcribes them). Only the elements xlmon's outputs contain are listed: another is reported, to
be added here from the schema."""


from __future__ import annotations

import io
import posixpath
import random
import re
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

import test_summary_resaved
from seeded import seeds
from test_consolidate_properties import consolidate
from test_summary_resaved import ODD_AMOUNTS, ODD_TEXTS, summaries
from test_templates_properties import make_case, write_case
from xlmon import demo
from xlmon.cli import main
from xlmon.consolidate import workbook
from xlmon.consolidate.workbook import SHEETS
from xlmon.marks import STATE_SHEET

SALT = 106

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"

# sml.xsd CT_Worksheet
WORKSHEET = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
             "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
             "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks",
             "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties",
             "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF",
             "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
REPEATED = {"cols", "conditionalFormatting"}
CELL = ("f", "v", "is", "extLst")  # CT_Cell
HEADER_FOOTER = ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")
# wml.xsd CT_PPrBase + rPr, sectPr, pPrChange
P_PR = ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
        "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
        "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind",
        "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
        "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")
# wml.xsd EG_RPrBase, as CT_RPr's sequence (CT_ParaRPr's has ins, del, moveFrom, moveTo before it)
R_PR = ("ins", "del", "moveFrom", "moveTo", "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike",
        "dstrike", "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color",
        "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
        "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath", "rPrChange")
TBL_PR = ("tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
          "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
          "tblDescription", "tblPrChange")
TC_PR = ("cnfStyle", "tcW", "gridSpan", "hMerge", "vMerge", "tcBorders", "shd", "noWrap", "tcMar", "textDirection",
         "tcFitText", "vAlign", "hideMark", "headers", "cellIns", "cellDel", "cellMerge", "tcPrChange")
# CT_TrPrBase is a choice, any order; ins, del and trPrChange follow it
TR_PR = {"cnfStyle", "divId", "gridBefore", "gridAfter", "wBefore", "wAfter", "cantSplit", "trHeight", "tblHeader",
         "tblCellSpacing", "jc", "hidden"}
SECT_PR = ("headerReference", "footerReference", "footnotePr", "endnotePr", "type", "pgSz", "pgMar", "paperSrc",
           "pgBorders", "lnNumType", "pgNumType", "cols", "formProt", "vAlign", "noEndnote", "titlePg",
           "textDirection", "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange")
MAR = ("top", "left", "start", "bottom", "right", "end")  # CT_TblCellMar, CT_TcMar
PG_MAR = ("top", "right", "bottom", "left", "header", "footer", "gutter")  # CT_PageMar: all required

MAX_TEXT = 32_767  # UTF-16 units of a cell, a shared string, a comment
MAX_LINKS = 65_530
MAX_URL = 2_079
MAX_TIP = 255
MAX_HEADER = 255
MAX_ROW_HEIGHT = 409
MAX_WIDTH = 255 + 1  # characters, and in the file the cell's margins too: Excel writes 255.7109375 for its most
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
DEFINED_NAME = re.compile(r"(_xlnm\.[A-Za-z_]+|[A-Za-z_\\\u0080-\uffff][\w.\\\u0080-\uffff]*)")
REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def cell_at(ref: str) -> tuple[int, int] | None:
    m = REF.fullmatch(ref)
    return (int(m[2]), col_number(m[1])) if m else None


def area(ref: str) -> tuple[int, int, int, int] | None:
    ends = [cell_at(p) for p in ref.split(":")]
    if None in ends or len(ends) not in (1, 2):
        return None
    (r1, c1), (r2, c2) = ends[0], ends[-1]
    return r1, c1, r2, c2


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def text_of(el) -> str:
    return "".join(el.itertext())


def in_order(parent, order: tuple[str, ...], repeated: set[str] = frozenset()) -> str | None:
    """Why parent's children break the sequence `order` (each once, but the repeated ones), or None."""
    at, seen = -1, set()
    for child in parent:
        name = local(child)
        if not name:
            continue
        if name not in order:
            return f"<{name}> is not among {local(parent)}'s children that xlmon writes"
        i = order.index(name)
        if i < at or (i == at and name not in repeated):
            return f"<{name}> out of order in <{local(parent)}>: {[local(c) for c in parent]}"
        at = i
        seen.add(name)
    return None


class Package:
    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())
        self.problems: list[str] = []
        self.xml: dict[str, etree._Element] = {}
        for name in sorted(self.names):
            if name.endswith((".xml", ".rels", ".vml")):
                try:
                    self.xml[name] = etree.fromstring(self.zip.read(name))
                except etree.XMLSyntaxError as exc:
                    self.problem(name, f"not well-formed: {exc}")

    def problem(self, part: str, what: str) -> None:
        self.problems.append(f"{self.path.name}/{part}: {what}")

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id → (target as resolved in the package or as given if external, mode)."""
        folder, name = posixpath.split(part)
        root = self.xml.get(posixpath.join(folder, "_rels", name + ".rels"))
        out = {}
        for rel in ([] if root is None else root):
            target, mode = rel.get("Target"), rel.get("TargetMode", "Internal")
            if mode != "External":
                target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                    posixpath.join(folder, target))
            out[rel.get("Id")] = (target, mode)
        return out

    def check_package(self) -> None:
        types = self.xml.get("[Content_Types].xml")
        if types is None:
            self.problem("[Content_Types].xml", "missing")
            return
        defaults = {d.get("Extension").lower() for d in types.iter(CT + "Default")}
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(CT + "Override")}
        for name in self.names - {"[Content_Types].xml"}:
            if name.endswith("/"):
                continue
            if name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
                self.problem(name, "has no content type")
        for name in overrides - self.names:
            self.problem(name, "declared in [Content_Types].xml but not in the package")
        for name, root in self.xml.items():
            if not name.endswith(".rels"):
                continue
            folder = posixpath.dirname(posixpath.dirname(name))
            source = posixpath.join(folder, posixpath.basename(name)[:-5])
            ids = [rel.get("Id") for rel in root]
            if len(ids) != len(set(ids)):
                self.problem(name, "relationship ids repeated")
            for rel_id, (target, mode) in self.rels(source).items():
                if mode != "External" and target not in self.names:
                    self.problem(name, f"{rel_id} targets {target}, not in the package")


def problems(path: Path) -> list[str]:
    """What Excel or Word would refuse or repair in the package at path (.xlsx/.xlsm or .docx)."""
    package = Package(path)
    package.check_package()
    if "xl/workbook.xml" in package.xml:
        _workbook(package)
    if "word/document.xml" in package.xml:
        _document(package)
    return package.problems


# ---------------------------------------------------------------------------------------------------------------
# SpreadsheetML
# ---------------------------------------------------------------------------------------------------------------

def _workbook(p: Package) -> None:
    book = p.xml["xl/workbook.xml"]
    rels = p.rels("xl/workbook.xml")
    sheets = list(book.iter(S + "sheet"))
    seen = set()
    for sheet in sheets:
        name = sheet.get("name")
        if not name or utf16(name) > 31 or SHEET_NAME_BAD.search(name) or name[0] == "'" or name[-1] == "'":
            p.problem("xl/workbook.xml", f"sheet name {name!r} Excel cannot take")
        if name and name.casefold() in seen:
            p.problem("xl/workbook.xml", f"sheet name {name!r} repeated (case aside)")
        seen.add((name or "").casefold())
        if sheet.get("sheetId") is None or sheet.get(R + "id") not in rels:
            p.problem("xl/workbook.xml", f"sheet {name!r} lacks its sheetId or relationship")
    names = set()
    for defined in book.iter(S + "definedName"):
        name, scope = defined.get("name") or "", defined.get("localSheetId")
        if not DEFINED_NAME.fullmatch(name) or cell_at(name.upper()) or utf16(name) > 255:
            p.problem("xl/workbook.xml", f"defined name {name!r} invalid")
        if scope is not None and not 0 <= int(scope) < len(sheets):
            p.problem("xl/workbook.xml", f"defined name {name!r} of sheet {scope}, not in the workbook")
        if (name.casefold(), scope) in names:
            p.problem("xl/workbook.xml", f"defined name {name!r} repeated")
        names.add((name.casefold(), scope))
        if not (defined.text or "").strip():
            p.problem("xl/workbook.xml", f"defined name {name!r} empty")
    styles = p.xml.get("xl/styles.xml")
    xfs = styles.find(f"{S}cellXfs") if styles is not None else None
    formats = len(xfs) if xfs is not None else 1
    if xfs is not None and xfs.get("count") not in (None, str(formats)):
        p.problem("xl/styles.xml", f"cellXfs count {xfs.get('count')} of {formats}")
    strings = _shared_strings(p)
    used = 0
    for sheet in sheets:
        target = rels.get(sheet.get(R + "id"), ("", ""))[0]
        if target in p.xml:
            used += _worksheet(p, target, sheet.get("name"), len(strings), formats)
    sst = p.xml.get("xl/sharedStrings.xml")
    if sst is not None and sst.get("count") is not None and int(sst.get("count")) != used:
        p.problem("xl/sharedStrings.xml", f"count {sst.get('count')}, cells referring to shared strings {used}")


def _shared_strings(p: Package) -> list[str]:
    sst = p.xml.get("xl/sharedStrings.xml")
    if sst is None:
        return []
    strings = [text_of(si) for si in sst.iter(S + "si")]
    if sst.get("uniqueCount") is not None and int(sst.get("uniqueCount")) != len(strings):
        p.problem("xl/sharedStrings.xml", f"uniqueCount {sst.get('uniqueCount')} of {len(strings)} strings")
    for i, text in enumerate(strings):
        if utf16(text) > MAX_TEXT:
            p.problem("xl/sharedStrings.xml", f"string {i} of {utf16(text)} characters, over {MAX_TEXT}")
    return strings


def _worksheet(p: Package, part: str, title: str, strings: int, formats: int) -> int:
    """Checks a worksheet; the number of its cells referring to a shared string."""
    ws = p.xml[part]
    where = f"{part} ({title})"
    if why := in_order(ws, WORKSHEET, REPEATED):
        p.problem(where, why)
    used, last_row = 0, 0
    for row in ws.iter(S + "row"):
        r = int(row.get("r") or last_row + 1)
        if r <= last_row or r > MAX_ROWS:
            p.problem(where, f"row {r} after row {last_row}")
        last_row = r
        if row.get("ht") is not None and not 0 <= float(row.get("ht")) <= MAX_ROW_HEIGHT:
            p.problem(where, f"row {r} {row.get('ht')} points tall, over {MAX_ROW_HEIGHT}")
        last_col = 0
        for c in row:
            ref = c.get("r")
            at = cell_at(ref) if ref else (r, last_col + 1)
            if at is None or at[0] != r or at[1] <= last_col or at[1] > MAX_COLS:
                p.problem(where, f"cell {ref} in row {r} after column {last_col}")
                continue
            last_col = at[1]
            if why := in_order(c, CELL):
                p.problem(where, f"{ref}: {why}")
            if int(c.get("s", 0)) >= formats:
                p.problem(where, f"{ref}: style {c.get('s')} of {formats}")
            kind, value = c.get("t", "n"), c.find(S + "v")
            if kind == "s":
                used += 1
                if value is None or not value.text or not 0 <= int(value.text) < strings:
                    p.problem(where, f"{ref}: shared string {value is not None and value.text} of {strings}")
            elif kind == "inlineStr":
                inline = c.find(S + "is")  # none for an empty text, as openpyxl writes one (CT_Cell allows it)
                if inline is not None and utf16(text_of(inline)) > MAX_TEXT:
                    p.problem(where, f"{ref}: text of {utf16(text_of(inline))} characters, over {MAX_TEXT}")
            elif kind == "str" and value is not None and utf16(value.text or "") > MAX_TEXT:
                p.problem(where, f"{ref}: text of {utf16(value.text)} characters, over {MAX_TEXT}")
    last = 0
    for col in ws.iter(S + "col"):
        lo, hi = int(col.get("min", 0)), int(col.get("max", 0))
        if not last < lo <= hi <= MAX_COLS:
            p.problem(where, f"columns {lo}-{hi} after {last}")
        last = hi
        if col.get("width") is not None and not 0 <= float(col.get("width")) <= MAX_WIDTH:
            p.problem(where, f"columns {lo}-{hi} {col.get('width')} wide, over {MAX_WIDTH}")
    _merges(p, ws, where)
    _links(p, ws, where, part)
    for kind in HEADER_FOOTER:
        for el in ws.iter(S + kind):
            if utf16(el.text or "") > MAX_HEADER:
                p.problem(where, f"{kind} of {utf16(el.text)} characters, over {MAX_HEADER}")
    for hf in ws.iter(S + "headerFooter"):
        if why := in_order(hf, HEADER_FOOTER):
            p.problem(where, why)
    for validation in ws.iter(S + "dataValidation"):
        formula = validation.findtext(S + "formula1") or ""
        if validation.get("sqref") is None:
            p.problem(where, "a data validation without sqref")
        if formula.startswith('"') and utf16(formula) - 2 > 255:
            p.problem(where, f"a list of {utf16(formula) - 2} characters, over 255")
    for comments in _comments_of(p, part):
        _comments(p, comments)
    return used


def _merges(p: Package, ws, where: str) -> None:
    merges = ws.find(S + "mergeCells")
    if merges is None:
        return
    if merges.get("count") not in (None, str(len(merges))):
        p.problem(where, f"mergeCells count {merges.get('count')} of {len(merges)}")
    taken: dict[tuple[int, int], str] = {}
    for merge in merges:
        ref = merge.get("ref") or ""
        box = area(ref)
        if box is None or box[0] > box[2] or box[1] > box[3] or box[:2] == box[2:]:
            p.problem(where, f"merged range {ref!r} invalid")
            continue
        for r in range(box[0], box[2] + 1):
            for c in range(box[1], box[3] + 1):
                if (r, c) in taken:
                    p.problem(where, f"merged ranges {taken[(r, c)]} and {ref} overlap")
                    return
                taken[(r, c)] = ref


def _links(p: Package, ws, where: str, part: str) -> None:
    links = list(ws.iter(S + "hyperlink"))
    if len(links) > MAX_LINKS:
        p.problem(where, f"{len(links)} hyperlinks, over {MAX_LINKS}")
    rels = p.rels(part)
    for link in links:
        ref, rel_id, location = link.get("ref"), link.get(R + "id"), link.get("location")
        if ref is None or area(ref) is None:
            p.problem(where, f"hyperlink at {ref!r}")
        if rel_id is None and location is None:
            p.problem(where, f"hyperlink at {ref} to nowhere")
        if rel_id is not None:
            target, mode = rels.get(rel_id, ("", ""))
            if mode != "External":
                p.problem(where, f"hyperlink at {ref}: {rel_id} no external relationship")
            elif utf16(target) > MAX_URL:
                p.problem(where, f"hyperlink at {ref}: address of {utf16(target)} characters, over {MAX_URL}")
        if location is not None and utf16(location) > MAX_URL:
            p.problem(where, f"hyperlink at {ref}: location of {utf16(location)} characters, over {MAX_URL}")
        if utf16(link.get("tooltip") or "") > MAX_TIP:
            p.problem(where, f"hyperlink at {ref}: tip of {utf16(link.get('tooltip'))} characters, over {MAX_TIP}")


def _comments_of(p: Package, part: str) -> list[str]:
    return [t for t, mode in p.rels(part).values() if mode != "External" and "comment" in posixpath.basename(t)
            and t.endswith(".xml") and t in p.xml]


def _comments(p: Package, part: str) -> None:
    root = p.xml[part]
    authors = len(list(root.iter(S + "author")))
    for comment in root.iter(S + "comment"):
        ref = comment.get("ref") or ""
        if cell_at(ref) is None or not 0 <= int(comment.get("authorId", -1)) < authors:
            p.problem(part, f"comment at {ref!r} of author {comment.get('authorId')}")
        text = text_of(comment)
        if utf16(text) > MAX_TEXT:
            p.problem(part, f"comment at {ref}: {utf16(text)} characters, over {MAX_TEXT}")


# ---------------------------------------------------------------------------------------------------------------
# WordprocessingML
# ---------------------------------------------------------------------------------------------------------------

def _document(p: Package) -> None:
    styles = p.xml.get("word/styles.xml")
    style_ids = {s.get(W + "styleId") for s in styles.iter(W + "style")} if styles is not None else set()
    numbering = p.xml.get("word/numbering.xml")
    num_ids = {n.get(W + "numId") for n in numbering.iter(W + "num")} if numbering is not None else set()
    body = p.xml["word/document.xml"].find(W + "body")
    if body is None or len(body) == 0 or local(body[-1]) != "sectPr":
        p.problem("word/document.xml", "the body does not end with its section's properties")
    if any(local(el) == "sectPr" for el in list(body)[:-1]):
        p.problem("word/document.xml", "a section's properties amid the body")
    drawings = []
    parts = ["word/document.xml", *(t for t, mode in p.rels("word/document.xml").values()
                                    if mode != "External" and re.search(r"/(header|footer)\d*\.xml$", t))]
    for part in parts:
        root = p.xml.get(part)
        if root is None:
            continue
        _word_part(p, part, root, style_ids, num_ids)
        drawings += [d.get("id") for d in root.iter(WP + "docPr")]
    if len(drawings) != len(set(drawings)):
        p.problem("word/document.xml", "drawings' ids repeated")


def _word_part(p: Package, part: str, root, style_ids: set, num_ids: set) -> None:
    rels = p.rels(part)
    for el in root.iter():
        name = local(el)
        if name == "pPr" and (why := in_order(el, P_PR)):
            p.problem(part, why)
        elif name == "rPr" and (why := in_order(el, R_PR)):
            p.problem(part, why)
        elif name == "tblPr" and (why := in_order(el, TBL_PR)):
            p.problem(part, why)
        elif name == "tcPr" and (why := in_order(el, TC_PR)):
            p.problem(part, why)
        elif name in ("tblCellMar", "tcMar") and (why := in_order(el, MAR)):
            p.problem(part, why)
        elif name == "trPr":
            names = [local(c) for c in el]
            if not set(names) <= TR_PR:
                p.problem(part, f"<trPr> holds {names}")
        elif name == "sectPr":
            _section(p, part, el, rels)
        elif name == "tbl":
            _table(p, part, el)
        elif name in ("pStyle", "rStyle", "tblStyle") and el.get(W + "val") not in style_ids:
            p.problem(part, f"style {el.get(W + 'val')!r} not in styles.xml")
        elif name == "numId" and el.get(W + "val") not in num_ids | {"0"}:
            p.problem(part, f"numbering {el.get(W + 'val')!r} not in numbering.xml")
        elif name == "blip" and el.get(R + "embed") not in rels:
            p.problem(part, f"picture {el.get(R + 'embed')} not related")


def _section(p: Package, part: str, sect, rels: dict) -> None:
    if why := in_order(sect, SECT_PR, {"headerReference", "footerReference"}):
        p.problem(part, why)
    size, margins = sect.find(W + "pgSz"), sect.find(W + "pgMar")
    if size is None or size.get(W + "w") is None or size.get(W + "h") is None:
        p.problem(part, "a section without its page size")
    if margins is None or any(margins.get(W + side) is None for side in PG_MAR):
        p.problem(part, "a section's margins incomplete")
    for ref in (*sect.iter(W + "headerReference"), *sect.iter(W + "footerReference")):
        if ref.get(R + "id") not in rels or ref.get(W + "type") is None:
            p.problem(part, f"{local(ref)} {ref.get(R + 'id')} not related or without its type")


def _table(p: Package, part: str, tbl) -> None:
    children = [local(c) for c in tbl]
    if children[:2] != ["tblPr", "tblGrid"] or set(children[2:]) - {"tr"}:
        p.problem(part, f"a table of {children[:4]}…")
        return
    grid = len(tbl.find(W + "tblGrid").findall(W + "gridCol"))
    for i, tr in enumerate(tbl.findall(W + "tr")):
        rows = [local(c) for c in tr]
        if "trPr" in rows and rows.index("trPr") != (1 if rows[0] == "tblPrEx" else 0):
            p.problem(part, f"row {i}: <trPr> not first")
        spans = 0
        for tc in tr.findall(W + "tc"):
            span = tc.find(f"{W}tcPr/{W}gridSpan")
            spans += int(span.get(W + "val")) if span is not None else 1
            blocks = [local(c) for c in tc if local(c) != "tcPr"]
            if "tcPr" in [local(c) for c in tc][1:]:
                p.problem(part, f"row {i}: <tcPr> not first in a cell")
            if not blocks or blocks[-1] != "p":
                p.problem(part, f"row {i}: a cell that does not end with a paragraph: {blocks}")
        if spans != grid:
            p.problem(part, f"row {i}: {spans} cells in a grid of {grid}")


# ---------------------------------------------------------------------------------------------------------------
# The outputs, over random inputs.
# ---------------------------------------------------------------------------------------------------------------

RARE = "𠮷𡈼𤭢"  # names' characters beyond the BMP: two UTF-16 units each, as Excel counts a cell's length


def long_file(unit: str) -> str:
    """A unit's file of a name nearly as long as Linux allows (255 bytes, a copy's or a correction's name 12 more;
    Windows takes 255 characters)."""
    return f"{unit}_" + "A" * (243 - len(unit.encode()) - 6) + ".xlsx"


def typed_to_the_limit(rng: random.Random) -> str:
    """A 偏差原因分析 or 备注 as long as Excel lets a unit type one (32,767 UTF-16 units), or nearly, some of its
    characters beyond the BMP and some lines apart."""
    size = rng.choice((MAX_TEXT, MAX_TEXT - 1, rng.randint(16_000, MAX_TEXT)))
    parts, length = [], 0
    while length < size:
        part = rng.choice((*demo.DEVIATION_REASONS, *demo.MEASURES, *demo.LAG_REASONS, RARE, "\n"))
        parts.append(part)
        length += utf16(part)
    text = "".join(parts)
    while utf16(text) > size:
        text = text[:-1]
    return text


def cli(*args) -> int:
    out = io.StringIO()
    with redirect_stdout(out):
        return main([*map(str, args)])


@pytest.fixture
def odd_inputs(monkeypatch):
    """test_summary_resaved's units' texts, some of them as long as Excel allows, and files of long names (a
    link's tip names them)."""
    for mark, planted in ODD_AMOUNTS.items():
        monkeypatch.setitem(demo.N001_TEXT, mark, planted)
    vary = test_summary_resaved.vary

    def named_long(rng: random.Random, units: list) -> None:
        vary(rng, units)
        for unit in units:
            if rng.random() < 0.15:
                unit.file = long_file(unit.name)
    monkeypatch.setattr(test_summary_resaved, "vary", named_long)
    short = test_summary_resaved.long_text
    monkeypatch.setattr(test_summary_resaved, "long_text",
                        lambda rng: typed_to_the_limit(rng) if rng.random() < 0.3 else short(rng))


def assert_valid(paths: list[Path], context: str) -> None:
    found = [problem for path in paths for problem in problems(path)]
    assert not found, f"{context}: {found[:20]}"


@pytest.mark.parametrize("seed", seeds(3, SALT))
def test_summaries_reports_and_annotated_copies_open_in_excel_and_word(tmp_path, odd_inputs, seed):
    """Two departments' summaries and their bureau's, the reports drafted from them and from a unit's file alone,
    and the annotated copy of every unit's workbook."""
    rng = random.Random(seed)
    made = summaries(rng, tmp_path)
    written = [path for path, _, _ in made]
    units = sorted({Path(p) for _, _, inputs in made[:2] for p in inputs if str(p).endswith(".xlsx")})
    for i, (path, _, inputs) in enumerate(made):
        report = tmp_path / "reports" / f"{i}.docx"
        assert cli("report", *inputs, "-o", report) == 0, f"seed {seed}: {path.name}"
        written.append(report)
    one = rng.choice(units)
    assert cli("report", one, "-o", tmp_path / "reports" / "unit.docx") == 0, f"seed {seed}: {one.name}"
    written.append(tmp_path / "reports" / "unit.docx")
    for i, unit in enumerate(units):
        copy = tmp_path / "annotated" / f"{i}.xlsx"
        copy.parent.mkdir(exist_ok=True)
        cli("check", unit, "--annotate", copy)
        assert copy.exists(), f"seed {seed}: {unit.name}"
        written.append(copy)
    assert_valid(written, f"seed {seed}")


@pytest.mark.parametrize("seed", seeds(8, SALT + 1))
def test_templates_open_in_excel(tmp_path, seed):
    """`xlmon template` of odd names, and the forms test_templates_properties fills by each writer."""
    rng = random.Random(seed)
    names = [rng.choice((*ODD_TEXTS, "某市教育局（101001）", "某市" + "第一中学附属实验学校" * rng.randint(1, 30)))
             for _ in range(3)]
    blank = tmp_path / "blank.xlsx"
    assert cli("template", rng.choice(("project", "department")), "-o", blank, "--months", rng.randint(1, 12),
               "--hierarchy", rng.choice(("seed004", "national2021")), f"--project={names[0]}", f"--unit={names[1]}",
               f"--department={names[2]}") == 0, f"seed {seed}"
    case = make_case(seed)
    write_case(case, tmp_path)
    assert_valid([blank, case.path], f"seed {seed}: {names}, {case}")


def test_a_bureau_of_more_findings_than_excel_has_links_for(tmp_path, monkeypatch):
    """校验问题 of 70,000 findings: 65,530 linked, the rest listed unlinked (xlsxwriter refuses more links)."""
    rng = random.Random(SALT * 1000)
    made = summaries(rng, tmp_path / "first")
    department = next(inputs for _, data, inputs in made if data["diagnostics"])
    write = workbook.write_summary

    def many(summary, path, profile):
        linked = [d for d in summary.diagnostics if d.get("file")]
        summary.diagnostics = [*summary.diagnostics, *(linked * (70_000 // len(linked) + 1))][:70_000]
        return write(summary, path, profile)

    monkeypatch.setattr(workbook, "write_summary", many)
    out = tmp_path / "局汇总.xlsx"
    consolidate(*department, output=out)
    assert_valid([out], "70,000 findings")
    with zipfile.ZipFile(out) as z:
        sheet = z.read(f"xl/worksheets/sheet{SHEETS.index(SHEETS[3]) + 1}.xml")
    assert sheet.count(b"<hyperlink ") == MAX_LINKS
    rows = load_workbook(out, read_only=True)[SHEETS[3]].iter_rows(values_only=True)
    assert sum(1 for row in rows if any(row)) == 70_001


def rewritten(source: Path, target: Path, part: str, change) -> Path:
    """source's package with one part's XML text changed."""
    with zipfile.ZipFile(source) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    with zipfile.ZipFile(target, "w") as z:
        for name, body in parts.items():
            z.writestr(name, change(body.decode()) if name == part else body)
    return target


def test_what_the_checks_find(tmp_path):
    """The checks refuse what Excel and Word refuse: a worksheet's merged cells after its page setup, two merges over
    one cell, a row of 410 points, a link's tip of 256 characters; a table's cell without a paragraph, a grid a
    column short, a run's bold before its fonts."""
    book = tmp_path / "form.xlsx"
    assert cli("template", "project", "-o", book) == 0 and problems(book) == []

    def sheet(xml: str) -> str:
        merges = re.search(r"<mergeCells.*?</mergeCells>", xml, re.S)[0]
        late = merges.replace("</mergeCells>", '<mergeCell ref="A1:B2"/></mergeCells>')
        xml = xml.replace(merges, "").replace("</worksheet>", late + "</worksheet>")
        xml = re.sub(r'(<row r="1"[^>]*? ht=")[^"]*', r"\g<1>410", xml, count=1)
        return xml.replace("<pageMargins", '<hyperlinks><hyperlink ref="A1" location="A2" tooltip="'
                           + "长" * 256 + '"/></hyperlinks><pageMargins')
    found = problems(rewritten(book, tmp_path / "b.xlsx", "xl/worksheets/sheet1.xml", sheet))
    for what in ("out of order", "overlap", "410 points tall", "tip of 256"):
        assert any(what in f for f in found), (what, found)

    document = tmp_path / "r.docx"
    demo.generate(tmp_path / "units")
    assert cli("report", tmp_path / "units", "-o", document) == 0 and problems(document) == []

    def body(xml: str) -> str:
        xml = re.sub(r"<w:tc>(<w:tcPr>.*?</w:tcPr>)<w:p\b.*?</w:p></w:tc>", r"<w:tc>\1</w:tc>", xml, count=1,
                     flags=re.S)
        xml = re.sub(r"<w:gridCol [^>]*/>", "", xml, count=1)
        return re.sub(r"<w:rPr><w:rFonts ([^>]*)/><w:b/>", r"<w:rPr><w:b/><w:rFonts \1/>", xml, count=1)
    found = problems(rewritten(document, tmp_path / "b.docx", "word/document.xml", body))
    for what in ("does not end with a paragraph", "cells in a grid of", "<rFonts> out of order"):
        assert any(what in f for f in found), (what, found)


# ---------------------------------------------------------------------------------------------------------------
# Units' own workbooks, annotated and cleared.
# ---------------------------------------------------------------------------------------------------------------

# 31 characters, Excel's most; one of them quoted in a link's location
LONG_SHEETS = ("某市第一中学2026年度项目支出绩效运行监控表一", "教育信息化建设项目（第二批）绩效运行监控情况表二期",
               "张's 校舍维修改造项目绩效运行监控表（2026年1-6月）")
# a unit's sheets named like xlmon's, and none of them xlmon's
LIKE_OURS = ("校验结果（上月）", "_XLMON", "_xlmon_备份", "校验结果 ", "校验结果2")
UNIT_EXTRAS = ("long sheet", "long text", "comments", "links", "names", "print titles", "tall rows", "wide columns", "merges",
               "validation", "conditional", "frozen", "hidden", "like ours")


def name31(base: str) -> str:
    return (base * 2)[:31]


def long_comment(rng: random.Random, room: int) -> str:
    """A unit's own comment, sometimes nearly as long as Excel lets one be typed: `room` units short of it."""
    text = rng.choice((typed_to_the_limit(rng), rng.choice(demo.DEVIATION_REASONS), "请核对" * rng.randint(1, 3000)))
    while utf16(text) > MAX_TEXT - room:
        text = text[:-1]
    return text


def link_tip(rng: random.Random) -> str:
    return rng.choice(("见财务系统", "长" * MAX_TIP, "𠮷" * (MAX_TIP // 2)))


def openpyxl_unit(rng: random.Random, folder: Path, room: int) -> tuple[Path, list[str]]:
    """test_marks_properties' unit's workbook, with the unit's extras added by openpyxl."""
    from openpyxl.comments import Comment
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.hyperlink import Hyperlink

    from test_consolidate_properties import random_projects, write_form
    from test_marks_properties import DEPARTMENT, UNIT, unit_book
    from xlmon.check import check_file

    unit = unit_book(rng, folder)
    done = list(unit.done)
    findings = [d for d in check_file(unit.path).diagnostics if d.sheet and d.cell]
    book = load_workbook(unit.path, rich_text=True)
    forms = [ws for ws in book.worksheets if ws.title in {d.sheet for d in findings}] or book.worksheets[:1]
    extras = rng.sample(UNIT_EXTRAS, rng.randint(3, len(UNIT_EXTRAS)))
    for extra in extras:
        ws = rng.choice(forms)
        if extra == "long sheet":
            [project] = random_projects(rng, UNIT, 1)
            project.department = DEPARTMENT
            write_form(book, project, "template", name31(rng.choice(LONG_SHEETS)))
        elif extra == "long text":
            form = rng.choice(check_file(unit.path).forms or [None])
            cells = [c for row in form.funding for f, c in row.cells.items() if f in ("spent", "issued", "forecast")] \
                if form else []
            for cell in rng.sample(cells, min(len(cells), rng.randint(1, 2))):
                book[form.sheet][cell] = typed_to_the_limit(rng)
                book[form.sheet][cell].data_type = "s"
        elif extra == "comments":
            for d in rng.sample(findings, min(len(findings), rng.randint(1, 4))):
                cell = book[d.sheet][d.cell]
                if hasattr(cell, "comment") and type(cell).__name__ == "Cell":
                    cell.comment = Comment(long_comment(rng, room), rng.choice(("张三", "")))
        elif extra == "links":
            for r in range(1, rng.randint(2, 6)):
                cell = ws.cell(ws.max_row + 2, 1, "链接")
                cell.hyperlink = Hyperlink(ref=cell.coordinate, target="https://czj.example.gov.cn/" + "a" * rng.choice(
                    (10, MAX_URL - 40)), tooltip=link_tip(rng))
        elif extra == "names":
            book.defined_names["全部预算"] = DefinedName("全部预算", attr_text=f"'{ws.title.replace(chr(39), chr(39) * 2)}'!$A$1:$L$40")
            ws.defined_names["_本表"] = DefinedName("_本表", attr_text=f"'{ws.title.replace(chr(39), chr(39) * 2)}'!$B$2")
        elif extra == "print titles":
            ws.print_title_rows = "1:3"
            ws.print_area = "A1:L40"
        elif extra == "tall rows":
            ws.row_dimensions[rng.randint(1, ws.max_row)].height = MAX_ROW_HEIGHT
        elif extra == "wide columns":
            ws.column_dimensions["M"].width = 255
        elif extra == "merges":
            top = ws.max_row + 2
            ws.merge_cells(f"B{top}:D{top + rng.randint(0, 9)}")
        elif extra == "validation":
            dv = DataValidation(type="list", formula1='"' + ",".join(["完成"] * 80)[:255] + '"')
            ws.add_data_validation(dv)
            dv.add("Q1:Q30")
        elif extra == "conditional":
            ws.conditional_formatting.add("A1:Q60", CellIsRule(operator="greaterThan", formula=["0"],
                                                              fill=PatternFill(bgColor="FFFFC7CE")))
        elif extra == "frozen":
            ws.freeze_panes = rng.choice(("A2", "C5", "B1"))
        elif extra == "hidden":
            book.create_sheet(name31("上月数据备份")).sheet_state = rng.choice(("hidden", "veryHidden"))
        elif extra == "like ours":
            book.create_sheet(rng.choice(LIKE_OURS))["A1"] = "单位自己的表"
        done.append(f"extra {extra} on {ws.title}")
    book.save(unit.path)
    return unit.path, done


def xlsxwriter_unit(rng: random.Random, folder: Path, seed: int, room: int) -> tuple[Path, list[str]]:
    """A unit's form written by xlsxwriter (test_templates_properties' random fill), with the unit's extras as
    xlsxwriter writes them."""
    import xlsxwriter

    from xlmon.adapters.xlsxwriter_form import build_form_xlsxwriter
    from xlmon.form_plan import plan_form

    case = make_case(seed)
    cells = plan_form(case.kind, year=2026, months=case.months).layout.funding
    values = {cells[key][f]: v for key, row in case.inputs.items() for f, v in row.items()}
    path = folder / "单位 监控表.xlsx"
    book = xlsxwriter.Workbook(str(path))
    title = rng.choice((name31(rng.choice(LONG_SHEETS)), "项目 一", "张's 表"))
    ws = book.add_worksheet(title)
    layout = build_form_xlsxwriter(book, ws, case.kind, year=2026, months=case.months, values=values,
                                   profile=case.profile)
    done = [f"xlsxwriter {case.kind} {case.months} months, {title}"]
    extras = rng.sample(UNIT_EXTRAS, rng.randint(3, len(UNIT_EXTRAS)))
    amounts = [c for row in layout.funding.values() for c in row.values()]
    other = book.add_worksheet(rng.choice(LIKE_OURS) if "like ours" in extras else "说明")
    other.write("A1", "单位自己的表")
    for extra in extras:
        if extra == "comments":
            for cell in rng.sample(amounts, min(len(amounts), rng.randint(1, 6))):
                ws.write_comment(cell, long_comment(rng, room), {"author": rng.choice(("张三", "财务科"))})
        elif extra == "links":
            for r in range(rng.randint(1, 5)):
                other.write_url(r + 2, 0, "https://czj.example.gov.cn/" + "a" * rng.choice((10, 2000)),
                                string="链接", tip=link_tip(rng))
        elif extra == "names":
            quoted = title.replace("'", "''")
            book.define_name("全部预算", f"='{quoted}'!$A$1:$L$40")
            if "'" not in title:  # xlsxwriter cannot scope a name to such a sheet
                book.define_name(f"'{quoted}'!本表", f"='{quoted}'!$B$2")
        elif extra == "print titles":
            ws.repeat_rows(0, 2)
            ws.print_area("A1:L40")
        elif extra == "tall rows":
            ws.set_row(rng.randint(0, 5), MAX_ROW_HEIGHT)
        elif extra == "wide columns":
            ws.set_column("M:M", 255)
        elif extra == "merges":
            other.merge_range("B5:D9", "合并")
        elif extra == "validation":
            other.data_validation("C1:C30", {"validate": "list", "source": ["是", "否"]})
        elif extra == "conditional":
            ws.conditional_format("A1:L60", {"type": "cell", "criteria": ">", "value": 0,
                                             "format": book.add_format({"bg_color": "#FFC7CE"})})
        elif extra == "frozen":
            ws.freeze_panes(rng.randint(1, 5), rng.randint(0, 2))
        elif extra == "hidden":
            book.add_worksheet(name31("上月数据备份")).hide()
        done.append(f"extra {extra}")
    book.close()
    return path, done


def unit_workbook(seed: int, folder: Path) -> tuple[Path, list[str], bool]:
    """A unit's workbook of one seed: by openpyxl or xlsxwriter; whether LibreOffice saves it again (which writes a
    comment a few characters longer, in runs of their own: those it saves are left some room)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    again = rng.random() < 0.4
    room = 64 if again else 0
    if rng.random() < 0.5:
        path, done = openpyxl_unit(rng, folder, room)
    else:
        path, done = xlsxwriter_unit(rng, folder, seed, room)
    return path, done, again


UNITS = seeds(6, SALT + 2)


@pytest.fixture(scope="module")
def units_workbooks(tmp_path_factory, soffice) -> dict[int, tuple[Path, list[str]]]:
    """Every seed's unit's workbook; those LibreOffice saves again saved in one LibreOffice run."""
    from conftest import libreoffice_convert

    folder = tmp_path_factory.mktemp("units")
    made, resave = {}, {}
    for seed in UNITS:
        path, done, again = unit_workbook(seed, folder / str(seed))
        path = path.rename(folder / f"{seed}.xlsx")
        made[seed] = (path, done)
        if again:
            resave[seed] = path
    if resave:
        saved = libreoffice_convert(soffice, list(resave.values()), folder / "saved", "xlsx")
        for seed, path in zip(resave, saved):
            made[seed] = (path, [*made[seed][1], "saved by LibreOffice"])
    return made


def without_file(found: list[str]) -> set[str]:
    return {f.split("/", 1)[1] for f in found}


@pytest.mark.parametrize("seed", UNITS)
def test_units_workbooks_annotated_and_cleared_open_in_excel(tmp_path, seed, units_workbooks):
    """A unit's workbook by another writer, with its own extras and findings of every kind: the annotated copy and
    the cleared copy are valid as Excel reads them, the cleared one as valid as the unit's own."""
    path, done = units_workbooks[seed]
    context = f"seed {seed}: {done}"
    src = tmp_path / "单位 监控表.xlsx"
    src.write_bytes(path.read_bytes())
    before = without_file(problems(src))
    assert not before, f"{context}: the unit's own workbook: {before}"
    annotated, cleared = tmp_path / "标注.xlsx", tmp_path / "清除.xlsx"
    names = load_workbook(src, read_only=True).sheetnames
    code = cli("check", src, "--annotate", annotated)
    if any(name.casefold() == STATE_SHEET.casefold() for name in names):  # Excel's names know no case: refused
        assert code == 2 and not annotated.exists(), f"{context}: exit {code}"
        return
    assert code in (0, 1) and annotated.exists(), f"{context}: exit {code}"
    assert_valid([annotated], context)
    assert cli("clear", annotated, "-o", cleared) == 0, context
    assert_valid([cleared], context)
    assert load_workbook(cleared, read_only=True).sheetnames == names, context


@pytest.fixture(scope="module")
def annotated_resaved(tmp_path_factory, soffice, units_workbooks) -> dict[int, tuple[Path, list[str], list[str]]]:
    """Each seed's annotated copy as the unit saves it again in LibreOffice after reading the marks, with the unit's
    sheets' names. One LibreOffice run for all."""
    from conftest import libreoffice_convert

    folder = tmp_path_factory.mktemp("annotated")
    made = {}
    for seed, (path, done) in units_workbooks.items():
        names = load_workbook(path, read_only=True).sheetnames
        copy = folder / f"{seed}.xlsx"
        if cli("check", path, "--annotate", copy) in (0, 1):
            made[seed] = (copy, done, names)
    saved = libreoffice_convert(soffice, [copy for copy, _, _ in made.values()], folder / "saved", "xlsx")
    return {seed: (path, done, names) for (seed, (_, done, names)), path in zip(made.items(), saved)}


@pytest.mark.parametrize("seed", UNITS)
def test_units_annotated_copies_saved_again_and_cleared_open_in_excel(tmp_path, seed, annotated_resaved,
                                                                    units_workbooks):
    """The annotated copy of a unit's workbook saved again in LibreOffice, then cleared: valid as Excel reads it, the
    unit's sheets alone left. A workbook holding a sheet named as xlmon's record but for case is refused instead."""
    if seed not in annotated_resaved:
        names = load_workbook(units_workbooks[seed][0], read_only=True).sheetnames
        assert [n for n in names if n.casefold() == STATE_SHEET.casefold()], f"seed {seed}: refused, {names}"
        return
    path, done, names = annotated_resaved[seed]
    context = f"seed {seed}: {done}, annotated and saved by LibreOffice"
    cleared = tmp_path / "清除.xlsx"
    assert cli("clear", path, "-o", cleared) == 0, context
    assert_valid([cleared], context)
    assert load_workbook(cleared, read_only=True).sheetnames == names, context
