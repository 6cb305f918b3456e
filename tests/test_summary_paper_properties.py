"""The summary on paper, over randomly generated departments: each sheet as LibreOffice prints it to PDF (with
Calibri's metrics, as Excel lays the columns out) shows every cell whole. No number prints as ###; every unit's and
project's name and every file's SHA-256 prints on its sheet; no text is drawn over another or past the page's edge
(a cell's text run into the next cell or row is cut there on paper); each page of a table after its first starts
with the table's header (print titles); no page is blank. Departments of few to many units, their names long or
odd, their 偏差原因分析 long, their findings many (test_summary_resaved.vary); and bureaus' summaries of such
departments' summaries (now and then a department's units' files in place of its summary), with their 主管部门
columns, and a province's summary of one to three cities' bureaus' summaries. Each case is seeded; a failure names
its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import html
import random
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import libreoffice_convert, require_tool
from seeded import seeds
from test_consolidate_properties import (DEPARTMENTS, Department, add_strays, consolidate, random_units, sent_again,
                                         write_department)
from test_summary_resaved import vary
from xlmon.consolidate.workbook import SHEETS
from xlmon.form_plan import MAX_ROW_HEIGHT

SALT = 103
BUREAU_SALT = 112  # a salt of its own: SALT + 1 is the report paper property's, and a seed named a case in both
HEADER_BAND = 45  # points from a page's top: its header (the department and period, the sheet)
FOOTER_BAND = 40  # points from its bottom: the page number and the grades' rules
TABLES = SHEETS[1:6]  # one header row each, repeated atop each of their pages
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_SPACE = re.compile(r"\s+")


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[Word]
    text: str  # as pdftotext -raw reads it: a wrapped cell's lines one after the other

    @property
    def sheet(self) -> str:
        """The sheet the page prints: the right of its header."""
        return max((w for w in self.words if w.y1 < HEADER_BAND), key=lambda w: w.x1).text

    @property
    def body(self) -> list[Word]:
        return [w for w in self.words if w.y1 >= HEADER_BAND and w.y0 <= self.height - FOOTER_BAND]


def flat(text: str) -> str:
    return _SPACE.sub("", text)


def department(rng: random.Random, folder: Path) -> list[Path]:
    """A department of 1 to 16 units, their texts varied, now and then a copy or a correction besides."""
    units = Department(*DEPARTMENTS[0], random_units(rng, rng.randint(1, 16)))
    vary(rng, units.units)
    add_strays(rng, units.units)
    return write_department(folder, units) + sent_again(rng, folder, units, 0.3)


MORE_DEPARTMENTS = ("某市交通运输局", "某市住房和城乡建设局", "某市农业农村局", "某市文化广电旅游体育局", "某市退役军人事务局",
                    "某市人力资源和社会保障局", "某市市场监督管理局", "某市生态环境局", "某市自然资源和规划局")
LONG_DEPARTMENT = "（市级机关事务管理与综合行政执法协调服务中心）"
ODD_DEPARTMENTS = ("=某市统计局", "某市A&B局", "某市＃局", "某市局 #2")


def department_names(rng: random.Random, city: int = 0) -> list[tuple[str, str]]:
    """A bureau's departments: most often 2-3, now and then up to 12, some of their names long or odd; city: which
    city's (another's are named and coded apart)."""
    count = rng.randint(2, 3) if rng.random() < 0.7 else rng.randint(4, 12)
    names = [*(n for n, _ in DEPARTMENTS), *rng.sample(MORE_DEPARTMENTS, len(MORE_DEPARTMENTS))][:count]
    names = [rng.choice(ODD_DEPARTMENTS) + str(i) if rng.random() < 0.1
             else n + LONG_DEPARTMENT[:rng.randint(4, len(LONG_DEPARTMENT))] if rng.random() < 0.2 else n
             for i, n in enumerate(names)]
    return [(name.replace("某市", f"某{city}市") if city else name, f"{city + 1}{i:02}001")
            for i, name in enumerate(names, 1)]


def bureau(rng: random.Random, root: Path, city: int = 0) -> list[Path]:
    """What a bureau consolidates: 2 to 12 departments' summaries of 1 to 12 units each (some of one name in two
    departments), their texts varied, each department's own copies and corrections besides; now and then a
    department's units' files in place of its summary. city: department_names'."""
    inputs = []
    for name, code in department_names(rng, city):
        department = Department(name, code, random_units(rng, rng.randint(1, 12)))
        for unit in department.units:
            unit.code = department.code + unit.code[-3:]
        add_strays(rng, department.units)  # before vary: a unit's style plants mistakes another's cannot write
        vary(rng, department.units)
        folder = root / "units" / department.code
        files = write_department(folder, department) + sent_again(rng, folder, department, 0.3)
        if rng.random() < 0.2:
            inputs.extend(files)
        else:
            inputs.append(root / "summaries" / f"{department.code}汇总.xlsx")
            consolidate(*files, output=inputs[-1])
    return inputs


def printed(soffice: str, workbook: Path, outdir: Path) -> list[Page]:
    """Each page LibreOffice prints of a workbook: its words where they stand, and its text."""
    [pdf] = libreoffice_convert(soffice, [workbook], outdir, "pdf")
    return pdf_read(pdf)


def pdf_read(pdf: Path) -> list[Page]:
    """Each page of a PDF: its words where they stand, and its text."""
    pdftotext = require_tool("pdftotext")
    boxes = subprocess.run([pdftotext, "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=120)
    raw = subprocess.run([pdftotext, "-raw", str(pdf), "-"], check=True, capture_output=True, timeout=120)
    pages = []
    for number, (chunk, text) in enumerate(zip(boxes.stdout.decode().split("<page ")[1:],
                                               raw.stdout.decode().split("\f")), 1):
        width, height = map(float, _PAGE.match("<page " + chunk).groups())
        words = [Word(*map(float, box), html.unescape(t)) for *box, t in _WORD.findall(chunk)]
        pages.append(Page(number, width, height, words, text))
    return pages


def linked(workbook) -> set[str]:
    """The texts of linked cells, whitespace removed: LibreOffice draws a linked cell's text on one line whatever its
    wrapping (Excel wraps it), past its cell."""
    return {flat(str(c.value)) for ws in workbook for row in ws.iter_rows() for c in row
            if c.hyperlink is not None and c.value is not None}


def overflowing(workbook) -> set[str]:
    """The texts of rows set to the 409 points Excel allows a row at most (MAX_ROW_HEIGHT): a 偏差原因分析 of sixty
    sentences needs more, and runs past its row on paper (Excel clips it), as it would past a page."""
    return {flat(str(c.value)) for ws in workbook for r, d in ws.row_dimensions.items()
            if (d.height or 0) >= MAX_ROW_HEIGHT - 1 for c in ws[r] if c.value is not None}  # 408.75 as written


def of_link(word: Word, links: set[str]) -> bool:
    return any(flat(word.text) in text for text in links)


def cut(page: Page, links: set[str]) -> list[str]:
    """Words drawn over another word, or past the page's sides or top: cut on paper. (A row taller than a page, a
    偏差原因分析 of sixty sentences, runs past its page's bottom: left alone.)"""
    words = [w for w in page.words if not of_link(w, links)]
    out = [w.text for w in words if w.x0 < 0 or w.y0 < 0 or w.x1 > page.width]
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 2:
                out.append(f"{a.text} × {b.text}")
    return out


def headed(page: Page, headers: list[str]) -> bool:
    """Whether the page's table starts with its header: the first column's header, and above its bottom nothing
    but headers' words."""
    body = page.body
    first = [w for w in body if w.text == headers[0]]
    if not first:
        return False
    bottom = min(w.y1 for w in first)
    pieces = "".join(map(flat, headers))
    return all(flat(w.text) in pieces for w in body if w.y0 < bottom)


def names(workbook) -> dict[str, set[str]]:
    """What must print on each sheet: 项目明细's units and projects, and 文件清单's SHA-256."""
    detail = list(workbook[SHEETS[1]].iter_rows(values_only=True))
    at = {h: c for c, h in enumerate(detail[0])}
    files = list(workbook[SHEETS[5]].iter_rows(values_only=True))
    return {SHEETS[1]: {str(row[at[h]]) for row in detail[1:] for h in ("单位", "项目名称") if row[at[h]]},
            SHEETS[5]: {row[files[0].index("SHA-256")] for row in files[1:] if row[0]}}


@pytest.mark.parametrize("seed", seeds(3, SALT))
def test_every_sheet_prints_whole_under_its_header(tmp_path, excel_columns, seed):
    rng = random.Random(seed)
    summary = tmp_path / "out" / "汇总.xlsx"
    consolidate(*department(rng, tmp_path / "in"), output=summary)
    assert_prints_whole(summary, printed(excel_columns, summary, tmp_path / "pdf"), f"seed {seed}")


@pytest.mark.parametrize("seed", seeds(2, BUREAU_SALT))
def test_a_bureaus_summary_prints_whole_under_its_header(tmp_path, excel_columns, seed):
    rng = random.Random(seed)
    summary, province = tmp_path / "out" / "局汇总.xlsx", tmp_path / "out" / "省汇总.xlsx"
    consolidate(*bureau(rng, tmp_path), output=summary)
    others = []  # the province's other cities' bureaus' summaries
    for city in range(1, rng.choice((1, 1, 2, 3))):
        others.append(tmp_path / "out" / f"局汇总{city}.xlsx")
        consolidate(*bureau(rng, tmp_path / str(city), city), output=others[-1])
    consolidate(summary, *others, output=province)
    pdfs = libreoffice_convert(excel_columns, [summary, province], tmp_path / "pdf", "pdf")
    for path, pdf in zip((summary, province), pdfs):
        assert_prints_whole(path, pdf_read(pdf), f"seed {seed}: {path.name}")


def departments(workbook) -> list[str]:
    """A bureau's 汇总表's departments, as its table of them lists them (furthest behind first); none for a
    department's."""
    column = [c.value for c in workbook[SHEETS[0]]["A"]]
    if "主管部门" not in column:
        return []
    rows = column[column.index("主管部门") + 1:]
    return [str(v) for v in rows[:rows.index(None) if None in rows else len(rows)]]


def charted(pages: list[Page], names: list[str]) -> list[str]:
    """The departments of 汇总表 not printed both in its table and in its chart (the first of them the chart shows):
    left out, or cut. Only those named with their code, in no other's name."""
    text = flat("".join(p.text for p in pages))
    shown = re.search(r"进度差最大的(\d+)个主管部门", text)
    twice = names[:int(shown[1])] if shown else names
    unique = [n for n in names if re.search(r"（\d{6}）$", n) and not any(n in m for m in names if m != n)]
    return [n for n in unique if text.count(flat(n)) < (2 if n in twice else 1)]


def assert_prints_whole(summary: Path, pages: list[Page], context: str) -> None:
    book = load_workbook(summary)
    by_sheet: dict[str, list[Page]] = {}
    for page in pages:
        by_sheet.setdefault(page.sheet, []).append(page)
    assert list(by_sheet) == [s for s in SHEETS if s in book.sheetnames], context
    assert not [p.number for p in pages if "###" in p.text], f"{context}: ### printed"
    assert not [p.number for p in pages if not p.body], f"{context}: blank pages"
    for sheet, wanted in names(book).items():
        text = flat("".join(p.text for p in by_sheet[sheet]))
        assert not [n for n in wanted if flat(n) not in text], f"{context}: {sheet} lost them"
    assert not charted(by_sheet[SHEETS[0]], departments(book)), f"{context}: {SHEETS[0]} lost them"
    links = linked(book) | overflowing(book)
    for page in pages:
        assert not cut(page, links), f"{context}: page {page.number} ({page.sheet}) cuts {cut(page, links)[:5]}"
    for sheet in TABLES:
        top = 2 if sheet == SHEETS[4] else 0
        headers = [flat(str(c.value)) for c in book[sheet][top + 1] if c.value]
        assert not [p.number for p in by_sheet[sheet][1:] if not headed(p, headers)], f"{context}: {sheet}"
