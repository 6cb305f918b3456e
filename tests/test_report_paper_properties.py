"""The report on paper, over randomly generated departments (test_consolidate_properties' generators, their units,
projects and 偏差原因分析 renamed and rewritten as units type them: long names, quotes, <>&, full-width characters,
text over several lines, a control character pasted from another system): as LibreOffice prints the .docx to PDF,
it opens and prints; nothing it holds is lost on paper (every character of its paragraphs and tables is printed,
in fonts embedded in the PDF, and extracts as itself); every number of its tables prints whole, a word of its own;
every word lies inside the page's text area, clear of the others; a table going on to another page repeats its
header row there; every page has its page number and something more. Each case is seeded; a failure names its
seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import io
import itertools
import random
import re
import subprocess
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docx import Document

from conftest import libreoffice_convert, require_tool
from test_consolidate_properties import (DEPARTMENTS, Department, add_strays, consolidate, project_code, random_units,
                                         sent_again, write_department)
from seeded import seeds
from xlmon.cli import main

SALT = 104
NUMBER = re.compile(r"-?[\d,]+(\.\d+)?%?|[红黄绿]灯|未评级")
CASES = seeds(3, SALT)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BBOX = "{http://www.w3.org/1999/xhtml}"
CELL_LINE = 1.3 * 11  # points: the height of a word's box in a table's line (五号 at most, the fonts' 1.3 em)
OVERLAP = 0.3  # of a word's box another's may cover: lines set close in a cell touch, and a fallback font's glyph
# (�, a control character a unit pasted) is boxed wider than LibreOffice sets it
EDGE = 1.5  # points a word may reach past the text area: its glyphs' side bearings, the table's borders

# ---------------------------------------------------------------------------------------------------------------
# The department, its texts as units type them.
# ---------------------------------------------------------------------------------------------------------------

WORDS = ("某市", "第一", "人民", "医院", "教育", "科学", "研究", "中心", "职业", "技术", "学院", "附属", "中等", "专业", "学校",
         "社会", "福利", "综合", "服务", "管理", "保障", "事务", "发展", "改革", "信息", "数据", "园林", "绿化", "疾病", "预防",
         "控制", "妇幼", "保健", "老年", "大学", "图书馆", "博物馆", "少年宫", "体育", "运动", "训练", "基地", "建设", "改造",
         "提升", "工程", "项目", "专项", "资金", "补助", "经费", "运维", "购置", "设备", "平台", "系统", "三期", "二〇二六年度")
ODD = ("“", "”", "‘", "’", '"', "'", "<", ">", "&", "＆", "《", "》", "（", "）", "(", ")", "【", "】", "·", "—", "…",
       "、", "Ａ", "Ｂ", "１", "２", "％", "＋", "№", "℃", "Ⅱ", "①", "㎡", "≥", "≤", "　", "／", "#", "~")  # no /: a
# unit's name is in its sheets' titles, where Excel forbids it
LATIN = ("ABC", "IT", "PPP", "EPC", "5G", "iPad", "Wi-Fi", "HIS", "LIS", "PACS", "GB 9704-2012", "R&D",
         "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "20260601000123456789012")
REASONS = ("受疫情后续影响，部分采购推迟", "招标文件经两次修改后重新挂网", "上级资金于6月下旬才到位",
           "供应商未能按合同约定时间供货", "施工单位进场时间延后，雨季影响土方作业", "需求调整后须重新履行审批程序")
BREAKS = ("\n", "\r\n", "\n\n", "\t")
CONTROLS = ("_x001B_", "_x0007_", "_x000B_")  # as Excel keeps a control character pasted into a cell


def odd_name(rng: random.Random, words: int, at: int) -> str:
    """A name of `words` words, some odd characters and Latin among them; at: a character of its own, so that two
    are never one name."""
    parts = [rng.choice(WORDS) for _ in range(words)]
    for _ in range(rng.randint(0, 3)):
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(ODD + LATIN + ("\t",)))
    return "".join(parts) + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"[at % 22] + ("分部" * (at // 22))


def odd_reason(rng: random.Random) -> str:
    """A 偏差原因分析 as units write one: a sentence, or paragraphs of them, odd characters, a link, a control
    character now and then."""
    sentences = []
    for _ in range(rng.choice((1, 1, 2, 4, 8))):
        text = rng.choice(REASONS)
        if rng.random() < 0.4:
            text += "（" + "".join(rng.choice(ODD + LATIN) for _ in range(rng.randint(1, 4))) + "）"
        if rng.random() < 0.1:
            text += "，详见 http://www.example.gov.cn/jxjk/2026/notice_" + "".join(rng.choices("0123456789", k=12))
        if rng.random() < 0.1:
            text += rng.choice(CONTROLS)
        sentences.append(text + "。")
    return "".join(s + (rng.choice(BREAKS) if rng.random() < 0.3 else "") for s in sentences).strip()


def renamed(rng: random.Random, units: list, department: str) -> None:
    """The units and their projects named oddly, at length now and then, some projects with their code, and their
    indicators' reasons rewritten; each unit of its own code of the department's."""
    for at, unit in enumerate(units):
        unit.name = odd_name(rng, rng.choice((2, 3, 4, 6, 12)), at)
        unit.file = f"单位{at:03}.xlsx"
        unit.code = f"{department}{at + 1:03}"
        projects = []
        for n, project in enumerate(unit.projects):
            name = odd_name(rng, rng.choice((3, 5, 8, 20)), n)
            name += f"（{project_code(rng)}）" if rng.random() < 0.15 else ""
            indicators = [replace(i, reason=odd_reason(rng)) if i.reason or rng.random() < 0.1 else i
                          for i in project.indicators]
            projects.append(replace(project, name=name, unit=unit.name, indicators=indicators,
                                    funding=overspent(rng, project.funding)))
        unit.projects = projects


def overspent(rng: random.Random, funding: dict) -> dict:
    """Now and then a row's 支出数 past its 安排数: spent ahead of the budget's adjustment, or typed in 元."""
    if rng.random() >= 0.03:
        return funding
    label = rng.choice([k for k, a in funding.items() if a.spent])
    return {**funding, label: replace(funding[label], spent=funding[label].spent * rng.choice((3, 12, 10000)))}


def department_files(rng: random.Random, folder: Path, which: int = 0, count: int | None = None) -> list[Path]:
    """A department (DEPARTMENTS[which]) of a few units or of many, as test_consolidate_properties' inbox sends them,
    now and then with a file that is no workbook, oddly named; or a project's form alone (a project's report)."""
    count = count or rng.choice((1, 3, 5, 12, 30, 45))
    units = [u for start in range(0, count, 16) for u in random_units(rng, min(16, count - start))]
    renamed(rng, units, DEPARTMENTS[which][1])
    department = Department(*DEPARTMENTS[which], units)
    if count == 1 and rng.random() < 0.5:
        unit = units[0]
        unit.projects, unit.overall, unit.yearly, unit.hidden_old = unit.projects[:1], False, False, False
        return write_department(folder, department)
    add_strays(rng, units)
    paths = write_department(folder, department) + sent_again(rng, folder, department, 0.3)
    if rng.random() < 0.3:
        paths.append(folder / f"{''.join(rng.choices(WORDS, k=12))}报送说明_final_v3_最终版(1).xlsx")
        paths[-1].write_text("各单位请于每月5日前报送。")
    return paths


def bureau_files(rng: random.Random, folder: Path) -> list[Path]:
    """The summaries of two or three departments of units named oddly: a bureau's report."""
    summaries = []
    for which in range(rng.randint(2, 3)):
        paths = department_files(rng, folder / str(which), which, rng.choice((2, 4, 8)))
        summaries.append(folder / f"部门{which}汇总.xlsx")
        consolidate(*paths, output=summaries[-1])
    return summaries


def drafted(seed: int, root: Path) -> Path:
    """`xlmon report`, as a user runs it on the seed's department's files, or a bureau on its departments'
    summaries."""
    rng = random.Random(seed)
    paths = (bureau_files if rng.random() < 0.25 else department_files)(rng, root / f"in{seed}")
    out = root / f"report{seed}.docx"
    said = io.StringIO()
    with redirect_stdout(said):
        code = main(["report", *map(str, paths), "-o", str(out)])
    assert code == 0, (seed, said.getvalue())
    return out


# ---------------------------------------------------------------------------------------------------------------
# The .docx and its PDF, read back.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Page:
    width: float
    height: float
    lines: list[list[Word]]  # in pdftotext's reading order

    @property
    def words(self) -> list[Word]:
        return [w for line in self.lines for w in line]


@dataclass
class Paper:
    """What the docx holds, and how LibreOffice printed it."""

    pdf: Path
    paragraphs: list[str]  # outside tables
    cells: list[str]
    numbers: Counter  # the tables' numbers, rates and grades, each cell's parts between tabs apart
    headers: list[str]  # each table's first row, its cells joined
    unmarked: list[int]  # tables whose first row is not marked to repeat (w:tblHeader)
    margins: dict[bool, tuple[float, float, float, float]]  # landscape → top, right, bottom, left, points
    pages: list[Page] = field(default_factory=list)

    def text_area(self, page: Page) -> tuple[float, float, float, float]:
        top, right, bottom, left = self.margins[page.width > page.height]
        return left, top, page.width - right, page.height - bottom

    def body(self, page: Page) -> list[list[Word]]:
        _, _, _, bottom = self.text_area(page)
        return [kept for line in page.lines if (kept := [w for w in line if w.y0 < bottom])]

    def read(self) -> str:
        """The body's words, whitespace apart, as a reader reads them: line by line down each page, each line from
        the left (pdftotext's own order takes the end of a justified line for a block of its own now and then)."""
        out = []
        for page in self.pages:
            rows: list[list[Word]] = []
            for word in sorted((w for line in self.body(page) for w in line), key=lambda w: w.y0):
                if rows and word.y0 < rows[-1][0].y0 + 3:
                    rows[-1].append(word)
                else:
                    rows.append([word])
            out += [bare(w.text) for row in rows for w in sorted(row, key=lambda w: w.x0)]
        return "".join(out)

    def footer(self, page: Page) -> str:
        _, _, _, bottom = self.text_area(page)
        return "".join(w.text for w in page.words if w.y0 >= bottom)


def bare(text: str) -> str:
    return "".join(text.split())


def read_docx(path: Path, pdf: Path) -> Paper:
    doc = Document(str(path))
    body = doc.element.body
    paragraphs = [bare("".join(t.text or "" for t in p.iter(f"{W}t"))) for p in body.iterchildren(f"{W}p")]
    cells, headers, unmarked = [], [], []
    numbers = Counter(part for table in doc.tables for row in table.rows for cell in row.cells
                      for part in cell.text.split("\t") if NUMBER.fullmatch(part))
    for n, table in enumerate(doc.tables):
        rows = table._tbl.findall(f"{W}tr")
        if rows[0].find(f"{W}trPr/{W}tblHeader") is None:
            unmarked.append(n)
        headers.append(bare("".join(t.text or "" for t in rows[0].iter(f"{W}t"))))
        cells += [bare("".join(t.text or "" for t in tc.iter(f"{W}t"))) for tr in rows for tc in tr.findall(f"{W}tc")]
    margins = {s.page_width > s.page_height: tuple(m.pt for m in (s.top_margin, s.right_margin, s.bottom_margin,
                                                                  s.left_margin)) for s in doc.sections}
    return Paper(pdf, [p for p in paragraphs if p], [c for c in cells if c], numbers, headers, unmarked, margins)


def read_pdf(paper: Paper) -> None:
    html = subprocess.run([require_tool("pdftotext"), "-bbox-layout", str(paper.pdf), "-"], check=True,
                          capture_output=True, timeout=120).stdout
    for page in ElementTree.fromstring(html).iter(f"{BBOX}page"):
        lines = [[Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                  for w in line.iter(f"{BBOX}word")] for line in page.iter(f"{BBOX}line")]
        paper.pages.append(Page(float(page.get("width")), float(page.get("height")), lines))


@pytest.fixture(scope="module")
def printed(tmp_path_factory, soffice) -> dict[int, Paper | Exception]:
    """Every case's report drafted and printed by LibreOffice, all in one run of it: its seed → what it holds and
    printed, or why it has no report."""
    from test_report import _require_writer

    _require_writer(soffice)
    root = tmp_path_factory.mktemp("paper")
    drafts: dict[int, Path | Exception] = {}
    for seed in CASES:
        try:
            drafts[seed] = drafted(seed, root)
        except Exception as exc:  # noqa: BLE001 - the seed's own test fails with it
            drafts[seed] = exc
    docs = [d for d in drafts.values() if isinstance(d, Path)]
    outdir = root / "pdf"
    subprocess.run([soffice, f"-env:UserInstallation=file://{root / 'lo-profile'}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(outdir), *map(str, docs)],
                   capture_output=True, timeout=120 + 20 * len(docs))
    out: dict[int, Paper | Exception] = {}
    for seed, docx in drafts.items():
        if isinstance(docx, Exception):
            out[seed] = docx
            continue
        pdf = outdir / f"{docx.stem}.pdf"
        out[seed] = read_docx(docx, pdf)
        if pdf.exists() and pdf.stat().st_size:
            read_pdf(out[seed])
    return out


def paper_of(printed: dict, seed: int) -> Paper:
    paper = printed[seed]
    if isinstance(paper, Exception):
        raise AssertionError(f"seed {seed}: no report") from paper
    assert paper.pages, f"seed {seed}: LibreOffice printed no PDF of {paper.pdf.name}"
    return paper


# ---------------------------------------------------------------------------------------------------------------
# The properties.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", CASES)
def test_the_report_prints_in_fonts_embedded_in_it(printed, seed):
    """A printshop or another office's PC has none of the fonts of this one: every font the PDF uses travels in
    it, with the table from its glyphs back to their characters (copying, searching the PDF)."""
    paper = paper_of(printed, seed)
    listed = subprocess.run([require_tool("pdffonts"), str(paper.pdf)], check=True, capture_output=True,
                            text=True).stdout.splitlines()[2:]
    assert listed, f"seed {seed}"
    flags = [re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line) for line in listed]
    assert [line for line, f in zip(listed, flags) if not f or f[1] != "yes" or f[3] != "yes"] == [], f"seed {seed}"


@pytest.mark.parametrize("seed", CASES)
def test_nothing_the_report_holds_is_lost_on_paper(printed, seed):
    """Every character of the report's paragraphs and tables is printed, as itself, as often as it holds it (a cell
    cut short, a line under another, a name set in no font would each be missing), and nothing else but the header
    rows repeated; each paragraph whole, in order."""
    paper = paper_of(printed, seed)
    held = Counter("".join(paper.paragraphs + paper.cells))
    body = "".join(w.text for page in paper.pages for line in paper.body(page) for w in line)
    on_paper = Counter(bare(body))
    assert held - on_paper == Counter(), f"seed {seed}: lost"
    assert repeated(on_paper - held, page_tops(paper)), (f"seed {seed}: added", on_paper - held)
    read = paper.read()
    assert [p for p in paper.paragraphs if p not in read] == [], f"seed {seed}"


@pytest.mark.parametrize("seed", CASES)
def test_every_number_of_the_tables_prints_whole_apart_from_the_next(printed, seed):
    """A number, a rate or a grade broken across lines, or run into its neighbour (the figure's percentages over the
    bars, set on tab stops), is misread: each prints as a word of its own."""
    paper = paper_of(printed, seed)
    words = Counter(w.text for page in paper.pages for line in paper.body(page) for w in line)
    assert paper.numbers - words == Counter(), f"seed {seed}"


def overlap(a: Word, b: Word) -> float:
    """The share of the smaller word's box that the other's covers."""
    width, height = min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))


@pytest.mark.parametrize("seed", CASES)
def test_every_word_lies_inside_the_text_area_clear_of_the_others(printed, seed):
    """A table wider than the page, or a word too long for its cell, prints into the margin, off the paper or over
    the next cell's text."""
    paper = paper_of(printed, seed)
    outside, over = [], []
    for n, page in enumerate(paper.pages, 1):
        left, top, right, bottom = paper.text_area(page)
        words = [w for line in paper.body(page) for w in line]
        outside += [(n, w) for w in words if w.x0 < left - EDGE or w.x1 > right + EDGE or w.y0 < top - EDGE]
        over += [(n, a.text, b.text) for a, b in words_over(words)]
    assert (outside, over) == ([], []), f"seed {seed}"


def words_over(words: list[Word]) -> list[tuple[Word, Word]]:
    """The pairs of words printed one over the other."""
    return [(a, b) for i, a in enumerate(words) for b in words[i + 1:] if overlap(a, b) > OVERLAP]


def test_a_control_character_after_a_links_digits_prints_clear_of_the_next_character(tmp_path, soffice):
    """Seed 104004's 偏差原因分析, …notice_227455696989_x0007_。受疫情…: its � was set in the Latin font, which lacks
    it, and LibreOffice drew it wider than it set it, over the 。 after it (hidden on paper)."""
    from test_report import _require_writer

    _require_writer(soffice)
    docx = drafted(104004, tmp_path)
    paper = read_docx(docx, libreoffice_convert(soffice, [docx], tmp_path / "pdf", "pdf")[0])
    read_pdf(paper)
    replaced = [w for page in paper.pages for line in page.lines for w in line if "\ufffd" in w.text]
    assert replaced
    assert [(n, a.text, b.text) for n, page in enumerate(paper.pages, 1)
            for a, b in words_over([w for line in paper.body(page) for w in line])] == []


def begins_with(words: list[Word], header: str) -> bool:
    """Whether the words, from the top of the page down, are first the whole of this header row, and only it."""
    need = Counter(header)
    for word in sorted(words, key=lambda w: (w.y0, w.x0)):
        text = bare(word.text)
        if text not in header:
            return False
        need -= Counter(text)
        if not need:
            return True
    return False


def page_tops(paper: Paper) -> dict[int, str | None]:
    """How the pages after the first begin, where not with a paragraph: each page's number → the header row (its
    cells joined) of the table it begins with, None if it begins with a table's other rows. A paragraph's line is
    set larger than any cell's (三号 text, a caption's 12 pt)."""
    out = {}
    for n, page in enumerate(paper.pages[1:], 2):
        words = [w for line in paper.body(page) for w in line]
        if not words:
            continue
        top = min(w.y0 for w in words)
        first = [w for w in words if w.y0 < top + 1]
        said = "".join(bare(w.text) for w in first)
        header = next((h for h in paper.headers if begins_with(words, h)), None)
        tall = max(w.y1 - w.y0 for w in first) > CELL_LINE
        if header or not (tall and any(said in p for p in paper.paragraphs)):
            out[n] = header
    return out


def repeated(added: Counter, tops: dict[int, str | None]) -> bool:
    """Whether what was printed beyond what the report holds is header rows repeated atop pages: of the n pages
    beginning with a header, n or n - 1 (the table's own first page, a figure's, whose caption is below it)."""
    counts = Counter(h for h in tops.values() if h)
    for repeats in itertools.product(*([n - 1, n] for n in counts.values())):
        if added == sum((Counter({c: k * m for c, m in Counter(h).items()}) for h, k in zip(counts, repeats)),
                        Counter()):
            return True
    return False


@pytest.mark.parametrize("seed", CASES)
def test_a_table_going_on_to_another_page_repeats_its_header_row(printed, seed):
    """A reader of page 5 of the table of units must know its columns without turning back: every table's first
    row is marked to repeat, and a page that begins inside a table begins with that table's header row."""
    paper = paper_of(printed, seed)
    assert paper.unmarked == [], f"seed {seed}"
    assert [n for n, header in page_tops(paper).items() if header is None] == [], f"seed {seed}"


@pytest.mark.parametrize("seed", CASES)
def test_every_page_is_numbered_and_none_is_blank(printed, seed):
    paper = paper_of(printed, seed)
    assert [paper.footer(page) for page in paper.pages] == [f"—{n}—" for n in range(1, len(paper.pages) + 1)], \
        f"seed {seed}"
    assert [n for n, page in enumerate(paper.pages, 1) if not paper.body(page)] == [], f"seed {seed}"
