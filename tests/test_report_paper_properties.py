"""The report on paper, over randomly generated departments (test_consolidate_properties' generators, their units,
projects and 偏差原因分析 renamed and rewritten as units type them: long names, quotes, <>&, full-width characters,
text over several lines, a control character pasted from another system): as LibreOffice prints the .docx to PDF,
it opens and prints; nothing it holds is lost on paper (every character of its paragraphs and tables is printed,
in fonts embedded in the PDF, and extracts as itself); every word lies inside the page's text area; a table going
on to another page repeats its header row there; every page has its page number and something more. Each case is
seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import io
import random
import re
import subprocess
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from xml.etree import ElementTree

import pytest
from docx import Document

from conftest import require_tool
from test_consolidate_properties import DEPARTMENTS, Department, add_strays, random_units, sent_again, write_department
from seeded import seeds
from xlmon import demo
from xlmon.cli import main
from xlmon.templates import new_workbook, save_atomic

SALT = 104
CASES = seeds(3, SALT)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BBOX = "{http://www.w3.org/1999/xhtml}"
POINTS_PER_CM = 72 / 2.54
INDENT = 32  # points: a body paragraph's first line, two characters of 三号
EDGE = 1.5  # points a word may reach past the text area: its glyphs' side bearings, the table's borders

# ---------------------------------------------------------------------------------------------------------------
# The department, its texts as units type them.
# ---------------------------------------------------------------------------------------------------------------

WORDS = ("某市", "第一", "人民", "医院", "教育", "科学", "研究", "中心", "职业", "技术", "学院", "附属", "中等", "专业", "学校",
         "社会", "福利", "综合", "服务", "管理", "保障", "事务", "发展", "改革", "信息", "数据", "园林", "绿化", "疾病", "预防",
         "控制", "妇幼", "保健", "老年", "大学", "图书馆", "博物馆", "少年宫", "体育", "运动", "训练", "基地", "建设", "改造",
         "提升", "工程", "项目", "专项", "资金", "补助", "经费", "运维", "购置", "设备", "平台", "系统", "三期", "二〇二六年度")
ODD = ("“", "”", "‘", "’", '"', "'", "<", ">", "&", "＆", "《", "》", "（", "）", "(", ")", "【", "】", "·", "—", "…",
       "、", "Ａ", "Ｂ", "１", "２", "％", "＋", "№", "℃", "Ⅱ", "①", "㎡", "≥", "≤", "　", "／", "#", "~")
# (a unit's name is in its sheets' titles, which Excel forbids / in)
LATIN = ("ABC", "IT", "PPP", "EPC", "5G", "iPad", "Wi-Fi", "HIS", "LIS", "PACS", "GB 9704-2012", "R&D")
REASONS = ("受疫情后续影响，部分采购推迟", "招标文件经两次修改后重新挂网", "上级资金于6月下旬才到位",
           "供应商未能按合同约定时间供货", "施工单位进场时间延后，雨季影响土方作业", "需求调整后须重新履行审批程序")
BREAKS = ("\n", "\r\n", "\n\n")
CONTROLS = ("_x001B_", "_x0007_", "_x000B_")  # as Excel keeps a control character pasted into a cell


def odd_name(rng: random.Random, words: int, at: int) -> str:
    """A name of `words` words, some odd characters and Latin among them; at: a character of its own, so that two
    are never one name."""
    parts = [rng.choice(WORDS) for _ in range(words)]
    for _ in range(rng.randint(0, 3)):
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(ODD + LATIN))
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


def renamed(rng: random.Random, units: list, first: int) -> None:
    """The units and their projects named oddly, at length now and then, and their indicators' reasons rewritten."""
    for at, unit in enumerate(units, first):
        unit.name = odd_name(rng, rng.choice((2, 3, 4, 6, 12)), at)
        unit.file = f"单位{at:03}.xlsx"
        unit.code = f"{DEPARTMENTS[0][1]}{at + 1:03}"
        projects = []
        for n, project in enumerate(unit.projects):
            name = odd_name(rng, rng.choice((3, 5, 8, 20)), n)
            indicators = [replace(i, reason=odd_reason(rng)) if i.reason or rng.random() < 0.1 else i
                          for i in project.indicators]
            projects.append(replace(project, name=name, unit=unit.name, indicators=indicators))
        unit.projects = projects


def department_files(rng: random.Random, folder: Path) -> list[Path]:
    """A department of a few units or of many, as test_consolidate_properties' inbox sends them; now and then a
    project's form alone (a project's report)."""
    count = rng.choice((1, 3, 5, 12, 30))
    units = [u for start in range(0, count, 16) for u in random_units(rng, min(16, count - start))]
    renamed(rng, units, 0)
    department = Department(*DEPARTMENTS[0], units)
    if count == 1 and rng.random() < 0.5:
        unit = units[0]
        unit.projects, unit.overall, unit.yearly, unit.hidden_old = unit.projects[:1], False, False, False
        return write_department(folder, department)
    add_strays(rng, units)
    return write_department(folder, department) + sent_again(rng, folder, department, 0.3)


def drafted(seed: int, root: Path) -> Path:
    """`xlmon report`, as a user runs it on the seed's department's files."""
    rng = random.Random(seed)
    paths = department_files(rng, root / f"in{seed}")
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
    for n, table in enumerate(doc.tables):
        rows = table._tbl.findall(f"{W}tr")
        if rows[0].find(f"{W}trPr/{W}tblHeader") is None:
            unmarked.append(n)
        headers.append(bare("".join(t.text or "" for t in rows[0].iter(f"{W}t"))))
        cells += [bare("".join(t.text or "" for t in tc.iter(f"{W}t"))) for tr in rows for tc in tr.findall(f"{W}tc")]
    margins = {s.page_width > s.page_height: tuple(m.pt for m in (s.top_margin, s.right_margin, s.bottom_margin,
                                                                  s.left_margin)) for s in doc.sections}
    return Paper(pdf, [p for p in paragraphs if p], [c for c in cells if c], headers, unmarked, margins)


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
    added = on_paper - held
    for header in page_tops(paper).values():
        if header and not Counter(header) - added:
            added -= Counter(header)
    assert (held - on_paper, added) == (Counter(), Counter()), f"seed {seed}: lost, added"
    read = paper.read()
    assert [p for p in paper.paragraphs if p not in read] == [], f"seed {seed}"


@pytest.mark.parametrize("seed", CASES)
def test_every_word_lies_inside_the_text_area(printed, seed):
    """A table wider than the page, or a word pushed past its cell, prints into the margin or off the paper."""
    paper = paper_of(printed, seed)
    outside = []
    for n, page in enumerate(paper.pages, 1):
        left, top, right, bottom = paper.text_area(page)
        outside += [(n, w) for line in paper.body(page) for w in line
                    if w.x0 < left - EDGE or w.x1 > right + EDGE or w.y0 < top - EDGE]
    assert outside == [], f"seed {seed}"


def page_tops(paper: Paper) -> dict[int, str | None]:
    """How the pages after the first begin, where not with a paragraph: each page's number → the header row (its
    cells joined) of the table it begins with, None if it begins with a table's other rows. A paragraph's line
    starts at the text area's left edge or its indent, or is centred (a caption); a cell's does not."""
    out = {}
    for n, page in enumerate(paper.pages[1:], 2):
        words = [w for line in paper.body(page) for w in line]
        if not words:
            continue
        top = min(w.y0 for w in words)
        first = [w for w in words if w.y0 < top + 1]
        said = "".join(bare(w.text) for w in first)
        header = next((h for h in paper.headers if all(bare(w.text) in h for w in first)
                       and not Counter(h) - Counter("".join(bare(w.text) for w in words if bare(w.text) in h))), None)
        left, _, right, _ = paper.text_area(page)
        x0, x1 = min(w.x0 for w in first), max(w.x1 for w in first)
        aligned = x0 < left + INDENT + EDGE or abs((x0 + x1) / 2 - (left + right) / 2) < EDGE
        if header or not (aligned and any(said in p for p in paper.paragraphs)):
            out[n] = header
    return out


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
