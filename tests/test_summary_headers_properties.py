"""A summary's column headers wrap into balanced lines: none leaves a character alone on its last line (综合评/级,
小计（万元/）, 1-6月下/达率 read as broken on paper), and each shows whole in its cell. On paper: every sheet of
randomly generated departments' and bureaus' summaries as LibreOffice prints them (all in one run), each header's
lines found where pdftotext puts its words (a header's lines share its cell's centre). In the model the writer
chooses widths by (consolidate/headers.py): every header set the summary writes, for months 1 to 12, over columns
of values of any width, as Excel and LibreOffice draw them. And balancing them prints no sheet smaller than it
was printed before: where a header widens its column past its values, the sheet's wrapped columns (汇总表's names)
give that width up. Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import libreoffice_convert
from seeded import seeds
from test_consolidate_properties import consolidate
from test_summary_paper_properties import Page, Word, bureau, department, flat, pdf_read
from xlmon.consolidate import workbook
from xlmon.consolidate.headers import VIEWS, header_lines, header_width
from xlmon.consolidate.workbook import (DETAIL_HEADERS, DIAGNOSTIC_HEADERS, FILE_HEADERS, FOCUS_HEADERS, FOCUS_TOP,
                                        OVERVIEW_BELOW, OVERVIEW_TOP, SHEETS, UNIT_HEADERS, _by_department,
                                        deviation_headers, former_width, overview_headers)

SALT = 109


def header_sets(months: int, bureau: bool) -> dict[str, list[tuple[str, ...]]]:
    """Each sheet's columns, as the headers written in each (the first its own)."""

    class Of:  # what _by_department asks of a summary
        department_of = {"x": "y"} if bureau else {}
    own = [(h, *OVERVIEW_BELOW.get(c, ())) for c, h in enumerate(overview_headers(months))]
    return {SHEETS[0]: own, **{sheet: [(h,) for h in _by_department(Of, headers)] for sheet, headers in (
        (SHEETS[1], DETAIL_HEADERS), (SHEETS[2], deviation_headers(months)), (SHEETS[4], FOCUS_HEADERS))},
        SHEETS[3]: [(h,) for h in DIAGNOSTIC_HEADERS], SHEETS[5]: [(h,) for h in FILE_HEADERS]}


def lone(lines: list[str]) -> bool:
    """Whether a header's lines leave a character alone on the last (a header of more than two)."""
    return len(lines) > 1 and len("".join(lines)) > 2 and len(lines[-1]) < 2


@pytest.mark.parametrize("seed", seeds(20, SALT))
def test_every_header_breaks_into_balanced_lines_in_the_model(seed):
    rng = random.Random(seed)
    for months in range(1, 13):
        for is_bureau in (False, True):
            for sheet, columns in header_sets(months, is_bureau).items():
                for texts in columns:
                    need = rng.choice((0, rng.randint(3, 14), round(rng.uniform(3, 30), 2)))
                    width = header_width(texts, need, former_width(texts[0], need))
                    assert width >= need, f"seed {seed}: {sheet} {texts} narrower than its values"
                    for text in texts:
                        for view in VIEWS:
                            for kinsoku in (False, True):
                                lines = header_lines(text, width, view, kinsoku)
                                assert not lone(lines) and len(lines) <= 3, (
                                    f"seed {seed}: {sheet} {text!r} at {width} for values {need} ({view.name}, "
                                    f"kinsoku {kinsoku}): {'/'.join(lines)}")


def chains(words: list[Word], text: str) -> list[list[Word]]:
    """The runs of words that print `text` as a centred cell does: lines one below the other, their centres one."""
    found = []
    for first in words:
        if not text.startswith(first.text):
            continue
        chain, shown = [first], first.text
        while shown != text:
            last = chain[-1]
            below = [w for w in words if abs((w.x0 + w.x1) - (last.x0 + last.x1)) < 3
                     and 0 < w.y0 - last.y0 < 1.6 * (last.y1 - last.y0) and text.startswith(shown + w.text)]
            if not below:
                break
            chain.append(below[0])
            shown += below[0].text
        if shown == text:
            found.append(chain)
    return found


def sheet_headers(book, sheet: str) -> list[str]:
    """The headers a sheet writes over its columns (汇总表: those of its grades' counts and tables of units besides)."""
    top = {SHEETS[0]: OVERVIEW_TOP, SHEETS[4]: FOCUS_TOP}.get(sheet, 0) + 1
    headers = [str(c.value) for c in book[sheet][top] if c.value]
    if sheet == SHEETS[0]:
        headers += [*UNIT_HEADERS[1:], "项目评级", "未评级"]
    return [flat(h) for h in headers]


def assert_headers_balanced(summary: Path, pages: list[Page], context: str) -> None:
    book = load_workbook(summary)
    by_sheet: dict[str, list[Page]] = {}
    for page in pages:
        by_sheet.setdefault(page.sheet, []).append(page)
    for sheet in SHEETS[:6]:
        for header in sheet_headers(book, sheet):
            found = [chain for page in by_sheet[sheet] for chain in chains(page.body, header)]
            assert found, f"{context}: {sheet}'s header {header!r} not printed whole"
            bad = ["/".join(w.text for w in chain) for chain in found if lone([w.text for w in chain])]
            assert not bad, f"{context}: {sheet}'s header {header!r} printed as {bad}"


@pytest.mark.parametrize("seed", seeds(2, SALT + 1))
def test_every_printed_header_breaks_into_balanced_lines(tmp_path, excel_columns, seed):
    rng = random.Random(seed)
    summaries = [tmp_path / "out" / "汇总.xlsx", tmp_path / "out" / "局汇总.xlsx"]
    consolidate(*department(rng, tmp_path / "in"), output=summaries[0])
    consolidate(*bureau(rng, tmp_path), output=summaries[1])
    pdfs = libreoffice_convert(excel_columns, summaries, tmp_path / "pdf", "pdf")
    for path, pdf in zip(summaries, pdfs):
        assert_headers_balanced(path, pdf_read(pdf), f"seed {seed}: {path.name}")


def scales(summary: Path) -> dict[str, float]:
    """Each sheet's scale as Excel prints it one page wide: the paper's width between the margins over the columns'."""
    book, out = load_workbook(summary), {}
    for sheet in SHEETS[:6]:
        ws = book[sheet]
        widths = {c: d.width for d in ws.column_dimensions.values() if d.width for c in range(d.min, d.max + 1)}
        pixels = sum(round(widths.get(c, 8.43) * 7) for c in range(1, ws.max_column + 1))  # widths hold 5 pixels
        paper = {8: 16.54, 9: 11.69}[int(ws.page_setup.paperSize)] * 72  # landscape A3, A4
        out[sheet] = min(1.0, (paper - 72 * (ws.page_margins.left + ws.page_margins.right)) / (pixels * 0.75))
    return out


@pytest.mark.parametrize("seed", seeds(6, SALT + 2))
def test_balanced_headers_print_no_sheet_smaller(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    inputs = department(rng, tmp_path / "in") if seed % 2 else bureau(rng, tmp_path)
    consolidate(*inputs, output=tmp_path / "汇总.xlsx")
    monkeypatch.setattr(workbook, "header_width", lambda headers, width, former: former)
    consolidate(*inputs, output=tmp_path / "before" / "汇总.xlsx")  # as headers were before they were balanced
    now, before = scales(tmp_path / "汇总.xlsx"), scales(tmp_path / "before" / "汇总.xlsx")
    smaller = {s: f"{before[s]:.3f} → {now[s]:.3f}" for s in now if now[s] < before[s] - 1e-9}
    assert not smaller, f"seed {seed}: printed smaller: {smaller}"
