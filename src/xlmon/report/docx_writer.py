"""Blocks → .docx in the style of a government document (GB/T 9704): A4, 方正小标宋 title, 黑体 and
楷体 headings, 仿宋 body at 三号 with fixed 28 pt lines, “— 1 —” page numbers.

Chinese fonts are set through w:eastAsia: python-docx's font.name sets only the Latin slots, and
Word would then show Chinese text in the theme's East Asian font.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from ..atomic import atomic_path
from . import columns
from ..calc import fmt_rate
from .blocks import Chart, DraftNote, Heading, Paragraph, Placeholder, Report, Table
from .chart import Scale, bar_strip

TITLE_FONT, HEADING1_FONT, HEADING2_FONT, BODY_FONT = "方正小标宋简体", "黑体", "楷体_GB2312", "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
ERHAO, SANHAO, SIHAO, WUHAO = Pt(22), Pt(16), Pt(14), Pt(10.5)
LINE = Pt(28)
STRIP_HEIGHT = 13.0  # points: a chart's row, its bar 60 % of it
NAME_SHARE = 0.42  # of the text width at most, for a chart's names; a longer one wraps


STAMP = "xlmon-report:"  # core identifier: STAMP + the digest of the text as written
MAX_EARLIER_BYTES = 50 * 1024 * 1024  # an earlier file larger than this is not opened to be looked at


def write_docx(report: Report, path: str | Path) -> Path:
    """Write atomically: a failed write leaves any earlier report in place. The report is stamped with a
    digest of its text, which tells an untouched earlier report from one somebody has worked on."""
    path = Path(path)
    doc = build_document(report)
    doc.core_properties.identifier = STAMP + _digest(doc)
    with atomic_path(path) as tmp:
        doc.save(tmp)
    return path


def replaceable(path: str | Path) -> bool:
    """Whether writing a report at `path` loses nothing: no file there, or an xlmon report whose text nobody
    has changed. A draft is meant to be completed (its 【待填写】 places), so a changed one is work."""
    path = Path(path)
    if not os.path.exists(path):  # nor where none can be (a name too long): the write then says why
        return True
    try:
        if path.stat().st_size > MAX_EARLIER_BYTES or _reviewed(path):
            return False
        doc = Document(str(path))
        return doc.core_properties.identifier == STAMP + _digest(doc)
    except Exception:  # not a .docx python-docx can open: somebody else's file
        return False


_REVISION = re.compile(rb"<w:(?:ins|del|moveFrom|moveTo)\b")


def _reviewed(path: Path) -> bool:
    """Comments (批注) or tracked changes (修订) in it: a reviewer's work, which the text digest does not see."""
    with zipfile.ZipFile(path) as package:
        names = package.namelist()
        if any(n.startswith("word/comments") for n in names):
            return True
        return any(_REVISION.search(package.read(n)) for n in names
                   if n.startswith("word/") and n.endswith(".xml") and not n.startswith("word/theme"))


def _digest(doc) -> str:
    """The document's text, body paragraphs and table cells in order, as a short SHA-256."""
    digest = hashlib.sha256()
    for paragraph in doc.paragraphs:
        digest.update(paragraph.text.encode() + b"\n")
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                digest.update(cell.text.encode() + b"\t")
    return digest.hexdigest()[:32]


def build_document(report: Report):
    doc = Document()
    _properties(doc, report)
    _page(doc)
    _line(doc, report.title, TITLE_FONT, ERHAO, center=True)
    _line(doc, report.period, BODY_FONT, SANHAO, center=True)
    for block in report.blocks:
        if isinstance(block, Heading):
            _line(doc, block.text, HEADING1_FONT if block.level == 1 else HEADING2_FONT, SANHAO, indent=True)
        elif isinstance(block, Paragraph):
            _line(doc, block.text, BODY_FONT, SANHAO, indent=True)
        elif isinstance(block, Placeholder):
            _line(doc, block.text, BODY_FONT, SANHAO, indent=True, highlight=True)
        elif isinstance(block, DraftNote):
            p = _line(doc, "【草稿，供审核参考】", BODY_FONT, SANHAO, indent=True, bold=True)
            _run(p, block.text, BODY_FONT, SANHAO)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Chart):
            _chart(doc, block)
    return doc


def _properties(doc, report: Report) -> None:
    """What Word's 文件 › 信息 shows: the report's title and today, not python-docx's template's author and 2013."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    properties = doc.core_properties
    properties.title, properties.author, properties.comments, properties.language = report.title, "", "", "zh-CN"
    properties.created = properties.modified = now


def _page(doc) -> None:
    section = doc.sections[0]
    _orient(section, landscape=False)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(footer, "— ", "宋体", SIHAO)
    _page_field(_run(footer, "", "宋体", SIHAO))
    _run(footer, " —", "宋体", SIHAO)


def _orient(section, landscape: bool) -> None:
    """A4 with GB/T 9704's margins; turned, the top and bottom margins go to the sides (columns.LANDSCAPE_WIDTH)."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
        section.left_margin, section.right_margin = Cm(3.7), Cm(3.5)
        section.top_margin, section.bottom_margin = Cm(2.8), Cm(2.6)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _turn(doc, landscape: bool) -> None:
    """A new page turned (or back): a table too wide for a portrait page gets a landscape one of its own. The
    paragraph ending the section before is a point high: a page it filled exactly does not spill it onto a page of
    its own, printed blank."""
    _orient(doc.add_section(WD_SECTION.NEW_PAGE), landscape)
    ending = doc.paragraphs[-1]
    fmt = ending.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(1)
    fmt.space_before = fmt.space_after = Pt(0)
    _tiny_mark(ending)


def _page_field(run) -> None:
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text == " PAGE " else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _fonts(run, east_asian: str, size, latin: str = LATIN_FONT) -> None:
    run.font.name = latin
    run.font.size = size
    rpr = run._r.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)


REPLACEMENT = "\ufffd"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _writable(text: str) -> str:
    """A unit's text as a document can hold it: a control character pasted from another system (Excel keeps it as
    _x001B_) shown as �, as in the annotated copy, rather than no report at all; a line break is one, however typed."""
    return _NOT_XML.sub(REPLACEMENT, text.replace("\r\n", "\n").replace("\r", "\n"))


def _run(paragraph, text: str, font: str, size, bold: bool = False, highlight: bool = False):
    for part in _replaced_apart(_writable(text)):
        run = paragraph.add_run(part)
        _fonts(run, font, size, latin=font if part == REPLACEMENT else LATIN_FONT)
        run.font.bold = bold
        if highlight:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return run


def _replaced_apart(text: str) -> list[str]:
    """The text with each � a run of its own, set in the Chinese font even after a digit or a letter: in the Latin
    font, which lacks it, LibreOffice draws it wider than it sets it, over the character after it (a 。 hidden)."""
    return [part for part in re.split(f"({REPLACEMENT})", text) if part] or [""]


def _line(doc, text: str, font: str, size, *, center: bool = False, indent: bool = False, bold: bool = False,
          highlight: bool = False):
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        fmt.first_line_indent = Pt(size.pt * 2)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _run(p, text, font, size, bold=bold, highlight=highlight)
    return p


def _caption(doc, text: str, above: bool = True) -> None:
    """A table's caption, kept with the table below it; a figure's, under it (kept with it by the figure)."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.keep_with_next = above
    _run(p, text, HEADING1_FONT, Pt(12))


def _twips(points: float) -> str:
    return str(round(points * 20))


def _margins(table, left: float, right: float, top: float = 0, bottom: float = 0) -> None:
    """The table's cell margins (tblCellMar, after tblLayout in tblPr), in points."""
    _put_margins(table._tbl.tblPr, "w:tblCellMar", "w:tblLook",
                 (("top", top), ("left", left), ("bottom", bottom), ("right", right)))


def _put_margins(props, tag: str, before: str, sides: tuple[tuple[str, float], ...]) -> None:
    """A margins element (tblCellMar, tcMar) of these sides in points, placed before `before` as the schema
    orders them, else last."""
    mar = OxmlElement(tag)
    for side, value in sides:
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), _twips(value))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    after = props.find(qn(before))
    if after is not None:
        after.addprevious(mar)
    else:
        props.append(mar)


def _fixed(table, widths: list[float]) -> None:
    """Fixed layout at these widths (points), told every way Word, WPS and LibreOffice read it: the table's width,
    its grid and each cell's width."""
    table.autofit = False
    tblW = table._tbl.tblPr.find(qn("w:tblW"))
    tblW.set(qn("w:type"), "dxa")
    tblW.set(qn("w:w"), _twips(sum(widths)))
    for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), _twips(w))
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Pt(round(w * 20) / 20)


def _row_flags(row, *flags: str) -> None:
    trPr = row._tr.get_or_add_trPr()
    for flag in flags:
        el = OxmlElement(f"w:{flag}")
        el.set(qn("w:val"), "true")
        trPr.append(el)


def _cell_paragraph(cell, align) -> object:
    p = cell.paragraphs[0]
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return p


def _alignments(block: Table, lay: columns.Layout) -> list:
    """Amounts and rates right, grades and short texts centred, a column of texts that wrap to the left."""
    out = []
    for c, column in enumerate(zip(*block.rows) if block.rows else [()] * len(block.headers)):
        filled = [v for v in column if v]
        room = lay.room(c)
        if filled and all(columns.NUMBER.fullmatch(v) for v in filled) and not block.headers[c] == "序号":
            out.append(WD_ALIGN_PARAGRAPH.RIGHT)
        elif all(columns.text_width(v, lay.size) <= room for v in filled):
            out.append(WD_ALIGN_PARAGRAPH.CENTER)
        else:
            out.append(WD_ALIGN_PARAGRAPH.LEFT)
    return out


def _untabbed(text: str) -> str:
    """A unit's text as a cell prints it: a tab pasted into it a space, not a jump to the next tab stop, past the
    edge of a narrow column (LibreOffice prints nothing after it)."""
    return text.replace("\t", " ")


def _table(doc, block: Table) -> None:
    block = replace(block, rows=[[_untabbed(v) for v in row] for row in block.rows])
    lay = columns.layout(block.headers, block.rows)
    if lay.landscape:
        _turn(doc, landscape=True)
    if block.caption:
        _caption(doc, block.caption)
    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed(table, lay.widths)
    _margins(table, columns.CELL_MARGIN, columns.CELL_MARGIN)
    size = Pt(lay.size)
    aligned = _alignments(block, lay)
    for r, (values, row) in enumerate(zip([block.headers, *block.rows], table.rows)):
        for c, (value, cell) in enumerate(zip(values, row.cells)):  # table.cell(r, c) lays out the whole table anew
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = _cell_paragraph(cell, WD_ALIGN_PARAGRAPH.CENTER if r == 0 else aligned[c])
            _run(p, lay.headers[c] if r == 0 else value, BODY_FONT, size, bold=r == 0)
    _row_flags(table.rows[0], "tblHeader")
    for row in table.rows:
        _row_flags(row, "cantSplit")
    if lay.landscape:  # the paragraph ending its section follows it
        _turn(doc, landscape=False)
    else:  # kept with what follows: alone at a page's foot, before a figure kept whole, it was a blank page
        spacer = doc.add_paragraph().paragraph_format
        spacer.space_after, spacer.keep_with_next = Pt(0), True


def _cell_margins(cell, left: float, right: float) -> None:
    """This cell's own side margins (tcMar, before vAlign in tcPr), in points."""
    _put_margins(cell._tc.get_or_add_tcPr(), "w:tcMar", "w:vAlign", (("left", left), ("right", right)))


def _tiny_mark(p) -> None:
    """The paragraph mark at 1 pt, so that the line is as high as its picture, or a point (before a section's
    properties, as the schema orders them)."""
    rpr = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "2")
    rpr.append(sz)
    ppr = p._p.get_or_add_pPr()
    sect = ppr.find(qn("w:sectPr"))
    if sect is not None:
        sect.addprevious(rpr)
    else:
        ppr.append(rpr)


def _unspaced(shape) -> None:
    """No room around a bar's picture, said outright: where a picture says none, LibreOffice keeps 0.32 cm left of
    it (Word none), and the bars stood that far right of the scale's percentages above them."""
    for side in ("distT", "distB", "distL", "distR"):
        shape._inline.set(side, "0")


def _chart(doc, block: Chart) -> None:
    """The figure as a borderless table: names | bars | 支出进度, under a header of the scale's percentages."""
    size, margin = columns.XIAOWU, columns.CELL_MARGIN
    names = [_untabbed(name) for name, _, _ in block.bars]
    values = ["无法计算" if p is None else fmt_rate(p) for _, p, _ in block.bars]
    name_w = min(max(columns.text_width(t, size) for t in [block.who, *names]) + 2 * margin + columns.SLACK,
                 columns.PORTRAIT_WIDTH * NAME_SHARE)
    value_w = max(columns.text_width(t, size) for t in ["支出进度", *values]) + 2 * margin + columns.SLACK
    strip_w = columns.PORTRAIT_WIDTH - name_w - value_w
    label_w = columns.text_width("100%", size)
    scale = Scale.of([p for _, p, _ in block.bars], block.time_progress, strip_w - 1, label_w / 2 + 1)
    table = doc.add_table(rows=1 + len(block.bars), cols=3)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fixed(table, [name_w, strip_w, value_w])
    _margins(table, margin, margin)
    text = Pt(size)
    header = table.rows[0].cells
    _run(_cell_paragraph(header[0], WD_ALIGN_PARAGRAPH.RIGHT), block.who, BODY_FONT, text, bold=True)
    axis = _cell_paragraph(header[1], WD_ALIGN_PARAGRAPH.LEFT)
    for x, label in scale.labels():
        axis.paragraph_format.tab_stops.add_tab_stop(Pt(round(x * 20) / 20), WD_TAB_ALIGNMENT.CENTER)
    _run(axis, "".join("\t" + label for _, label in scale.labels()), BODY_FONT, text)
    _run(_cell_paragraph(header[2], WD_ALIGN_PARAGRAPH.LEFT), "支出进度", BODY_FONT, text, bold=True)
    for row, name, (_, progress, grade), value in zip(table.rows[1:], names, block.bars, values):
        cells = row.cells
        _run(_cell_paragraph(cells[0], WD_ALIGN_PARAGRAPH.RIGHT), name, BODY_FONT, text)
        bar = _cell_paragraph(cells[1], WD_ALIGN_PARAGRAPH.LEFT)
        _tiny_mark(bar)
        png = bar_strip(progress, grade, block.time_progress, scale, STRIP_HEIGHT)
        picture = bar.add_run()
        picture.font.size = Pt(1)  # nor does the run's font make the line higher than its picture
        _unspaced(picture.add_picture(io.BytesIO(png), width=Pt(scale.width), height=Pt(STRIP_HEIGHT)))
        _run(_cell_paragraph(cells[2], WD_ALIGN_PARAGRAPH.LEFT), value, BODY_FONT, text)
    for row in table.rows:
        _cell_margins(row.cells[1], 0, 0)
        for cell in row.cells:
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            cell.paragraphs[0].paragraph_format.keep_with_next = True  # the figure on one page, with its caption
        _row_flags(row, "cantSplit")
    _row_flags(table.rows[0], "tblHeader")
    _caption(doc, block.caption, above=False)
