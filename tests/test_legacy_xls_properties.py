"""A unit's workbook saved as a legacy .xls (Excel 97-2003) is read as the same workbook saved as .xlsx, over seeded
random units' workbooks holding what units put in them: several forms and sheets, a hidden sheet and hidden rows,
Chinese sheet names with spaces, amounts as numbers, as text and as formulas, dates, percentages, booleans, long
texts and line breaks, formula errors, merged cells, many decimals, negative numbers, empty rows in the middle and
cells far right and below. Each workbook is saved by LibreOffice both as .xls and as .xlsx, so that the two come
from one program and hold the same results of its formulas. Each case is seeded; a failure names its seed.
XLMON_PROPERTY_CASES=n runs n cases instead of the few a test run affords.

What may differ, and why: the file's path (its suffix; its name in a consolidation's JSON); a number's last digits,
LibreOffice saving 15 significant digits in an .xlsx and the whole number in an .xls (assert_alike); which of two
copies of a form saved at one time counts, by its file's modification time, which LibreOffice's conversion sets a
few milliseconds apart (each unit's pair is dated alike). Two things LibreOffice writes into an .xls unlike Excel
are made as Excel writes them or left out (empty_texts_as_excel_saves, dress)."""

from __future__ import annotations

import io
import json
import os
import random
import re
import shutil
import struct
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import olefile
import pytest

from conftest import libreoffice_convert
from handmade import project_grid
from test_consolidate_properties import (DEPARTMENTS, EPOCH, UNIT_NAMES, assert_same_figures, consolidate,
                                         grid_funding, grid_indicators, older, random_projects, seeds, write_form)
from xlmon import demo
from xlmon.check import check_file
from xlmon.cli import main
from xlmon.output import results_json
from xlmon.templates import new_workbook, save_atomic

YEAR, MONTHS = 2026, 6
DEFAULT_CASES = 8
BATCH = 100
STYLES = ("template", "grid", "shifted", "text", "columns")
DEPARTMENT = f"{DEPARTMENTS[0][0]}（{DEPARTMENTS[0][1]}）"
LONG = ("本项目按照年度绩效目标推进，资金拨付及时，支出进度与序时进度基本一致；部分工程受雨季影响，"
        "施工单位已调整计划并增加人员，预计三季度末完成全部工程量。")


# ---------------------------------------------------------------------------------------------------------------
# The unit's workbook.
# ---------------------------------------------------------------------------------------------------------------

def sheet_name(rng: random.Random, project, taken: set[str]) -> str:
    """Chinese, often with spaces, unique in its workbook."""
    base = rng.choice((project.short, f"{project.short} 表", f"{YEAR}年 1-{MONTHS}月 {project.short}",
                       f"项目 {len(taken) + 1}", f" {project.short}（{project.unit}）"))
    name = base.strip()[:28]
    while name in taken:
        name = f"{name[:26]} {len(taken)}"
    taken.add(name)
    return name


def grid_with_blank_rows(rng: random.Random, project) -> list[list]:
    """The official layout typed by hand, with empty rows left in the middle of it, and its period typed as a date
    now and then (2026-06-30 shown as 2026年6月)."""
    grid = project_grid(funding=grid_funding(project), indicators=grid_indicators(project), unit=project.unit,
                        project=project.name, department=project.department, period=f"（{YEAR}年1-{MONTHS}月）")
    for _ in range(rng.randint(0, 3)):
        grid.insert(rng.randint(2, len(grid) - 1), [])
    if rng.random() < 0.3:
        grid[1] = [datetime(YEAR, MONTHS, 30)]
    return grid


def write_project(rng: random.Random, book, project, title: str):
    style = rng.choice(STYLES)
    if style != "grid":
        return write_form(book, project, style, title)
    ws = book.create_sheet(title)
    for row in grid_with_blank_rows(rng, project):
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = 'yyyy"年"m"月"'
    return ws


def typed(value: float) -> float:
    """A number as Excel keeps what is typed: 15 significant digits."""
    return float(f"{value:.15g}")


def split(rng: random.Random, value: float) -> str:
    """A formula a unit types for an amount (=60+44.64), giving the amount."""
    part = round(value * rng.choice((0.25, 0.5, 0.6)), 2)
    return f"={part!r}+{round(value - part, 10)!r}"


def dress(rng: random.Random, ws) -> None:
    """What units do to the cells of a form: amounts as text, as formulas or with many decimals, negative, shown
    as percentages; texts with line breaks, made very long, joined by a formula; formula errors; cells merged."""
    for row in list(ws.iter_rows()):
        for cell in row:
            value = cell.value
            if type(value) in (int, float):
                roll = rng.random()
                if roll < 0.12:
                    cell.value = split(rng, value)
                elif roll < 0.2:
                    cell.value = repr(value)
                    cell.data_type = "s"
                elif roll < 0.25:
                    cell.value = typed(value + rng.choice((1e-9, 1 / 3, 0.123456789012)))
                elif roll < 0.27:
                    cell.value = -value
                elif roll < 0.32:
                    cell.number_format = rng.choice(("0.00%", "0%", "#,##0.00", "0.0000"))
                elif roll < 0.35:
                    cell.value = rng.choice(("=1/0", "=#REF!", '=1+"a"', "=NA()", "=SQRT(-1)", "=NOSUCHFUNCTION(1)"))
                elif roll < 0.36:  # 6-30 typed where an amount goes, taken for a date
                    cell.value = datetime(YEAR, 6, 30)
                    cell.number_format = rng.choice(('m"月"d"日"', "yyyy-mm-dd"))
                elif roll < 0.37:
                    cell.value = rng.choice((True, False, "=1>0", -0.0, 123456789.25, 0.1 + 0.2))  # 元 in a 万元 form
                elif roll < 0.38:  # a sum typed without its =, or with a ' before it: text
                    cell.value = split(rng, value)[1:] if rng.random() < 0.5 else split(rng, value)
                    cell.data_type = "s"
            elif isinstance(value, str) and not value.startswith("=") and len(value) > 3:
                roll = rng.random()
                if roll < 0.04:
                    cut = rng.randint(1, len(value) - 1)
                    cell.value = f"{value[:cut]}\n{value[cut:]}"
                elif roll < 0.06 and cell.column > 3:
                    cell.value = value + (LONG * rng.randint(2, 80))  # past a BIFF record's 8,224 bytes
                # not in a cell formatted as text (@, as the template's indicator cells are): LibreOffice saves the
                # result of a formula there as 0 in an .xls, where Excel saves the text it shows
                elif roll < 0.08 and '"' not in value and len(value) < 60 and cell.number_format != "@":
                    cut = rng.randint(1, len(value) - 1)
                    cell.value = f'="{value[:cut]}"&"{value[cut:]}"'
    for _ in range(rng.randint(0, 3)):
        r, c = rng.randint(1, ws.max_row), rng.randint(1, ws.max_column)
        across = rng.random() < 0.5
        others = [(r, c + 1), (r, c + 2)] if across else [(r + 1, c), (r + 2, c)]
        if all(ws.cell(*at).coordinate not in ws.merged_cells for at in [(r, c), *others]) and not any(
                ws.cell(*at).value for at in others):
            ws.merge_cells(start_row=r, start_column=c, end_row=others[-1][0], end_column=others[-1][1])


def add_extras(rng: random.Random, ws) -> None:
    """Below and beside a form: the day it was filled (填报日期), a tick box's TRUE, a note far right or below."""
    last = ws.max_row
    if rng.random() < 0.6:
        ws.cell(last + 2, 1, "填报日期：")
        ws.cell(last + 2, 2, rng.choice((datetime(YEAR, 7, rng.randint(1, 20)), date(YEAR, 7, 10))))
        ws.cell(last + 2, 2).number_format = rng.choice(("yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "yyyy/m/d h:mm"))
    if rng.random() < 0.3:
        ws.cell(last + 3, 1, "已审核")
        ws.cell(last + 3, 2, rng.random() < 0.5)
    if rng.random() < 0.3:  # an .xls sheet has 256 columns and 65,536 rows
        place = rng.choice(((rng.randint(1, 40), rng.randint(30, 256)), (rng.randint(200, 3000), rng.randint(1, 12)),
                            (rng.randint(3000, 65536), rng.randint(1, 3))))
        ws.cell(*place, rng.choice(("备注：以上数据未经审计", 0, 12.5, "x", "=1/0", True)))


def hide_rows(rng: random.Random, ws) -> None:
    """Rows hidden now and then: last version's amounts kept out of sight, or any row; rows folded into a collapsed
    group; rows a filter set on the sheet hides."""
    top = max(5, min(ws.max_row, 20))
    if rng.random() < 0.25:
        ws.row_dimensions[rng.randint(5, top)].hidden = True
    if rng.random() < 0.1:
        first = rng.randint(5, top)
        ws.row_dimensions.group(first, first + rng.randint(0, 4), outline_level=1, hidden=True)
    elif rng.random() < 0.1:
        from openpyxl.worksheet.filters import FilterColumn, Filters

        first, last = rng.randint(3, top), top + rng.randint(0, 10)
        ws.auto_filter.ref = f"A{first}:L{last}"
        ws.auto_filter.filterColumn.append(FilterColumn(colId=1, filters=Filters(filter=["x"])))
        for r in rng.sample(range(first + 1, last + 1), min(3, last - first)):
            ws.row_dimensions[r].hidden = True


def unit_workbook(seed: int, folder: Path) -> Path:
    """A unit's workbook: its projects' forms, a 部门整体 form, last month's form on a hidden sheet, a sheet of
    notes, as its units' styles and habits fill them."""
    rng = random.Random(seed)
    unit = rng.choice(UNIT_NAMES)
    projects = [replace(p, department=DEPARTMENT) for p in random_projects(rng, unit, rng.randint(1, 3))]
    book = new_workbook()
    taken: set[str] = set()
    for p in projects:
        ws = write_project(rng, book, p, sheet_name(rng, p, taken))
        dress(rng, ws)
        add_extras(rng, ws)
        hide_rows(rng, ws)
    if rng.random() < 0.3:
        form = demo._overall(rng, "某市第一中学", "101001001", projects, MONTHS / 12)  # demo's numbers of a school
        ws = book.create_sheet("部门 整体", 0)
        demo.write_overall_form(ws, replace(form, department=f"{unit}（101001001）"), year=YEAR, months=MONTHS)
        dress(rng, ws)
    if rng.random() < 0.4:
        ws = write_project(rng, book, older(projects[0]), f"上月 {projects[0].short}"[:31])
        ws.sheet_state = "hidden"
    if rng.random() < 0.4:
        ws = book.create_sheet("填表 说明")
        for i, line in enumerate(demo.NOTES, start=1):
            ws.cell(i, 1, line)
        add_extras(rng, ws)
    return save_atomic(book, folder / f"{seed:05}_{unit}.xlsx")


@pytest.fixture(scope="module")
def saved(tmp_path_factory, soffice) -> dict[int, tuple[Path, Path]]:
    """Every case's workbook saved by LibreOffice as .xls and as .xlsx, by seed: one soffice run for each (of at most
    BATCH files: one run given 300 wrote 247 of them and ended, saying nothing)."""
    root = tmp_path_factory.mktemp("xls_properties")
    (root / "made").mkdir()
    cases = seeds(DEFAULT_CASES, 1)
    made = [unit_workbook(seed, root / "made") for seed in cases]
    batches = [made[i:i + BATCH] for i in range(0, len(made), BATCH)]
    xls = [p for batch in batches for p in libreoffice_convert(soffice, batch, root / "xls", "xls:MS Excel 97")]
    xlsx = [p for batch in batches
            for p in libreoffice_convert(soffice, batch, root / "xlsx", "xlsx:Calc MS Excel 2007 XML")]
    for legacy, modern in zip(xls, xlsx):
        empty_texts_as_excel_saves(legacy, modern)
    return dict(zip(cases, zip(xls, xlsx)))


_EMPTY_TEXT = re.compile(rb'<c r="([A-Z]+)([0-9]+)"[^>]*t="str"[^>]*>(?:<f[^>]*>[^<]*</f>|<f[^>]*/>)'
                         rb'(?:<v></v>|<v/>)</c>')
_FORMULA, _BOF, _WORKSHEET = 0x0006, 0x0809, 0x0010


def empty_texts_as_excel_saves(xls: Path, xlsx: Path) -> None:
    """LibreOffice saves a formula showing nothing (the template's =IF(COUNT(D8:D13)=0,"",SUM(D8:D13)) for a blank
    column) with the result 0 in an .xls, where Excel saves the empty text it shows (the .xlsx LibreOffice saves holds
    the empty text too). The .xls is made as Excel saves it: each such formula's result set to the empty text."""
    from xlmon.grid import parse_address

    with zipfile.ZipFile(xlsx) as archive:
        sheets = sorted((n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                        key=lambda n: int(re.search(r"\d+", n)[0]))
        empty = [{parse_address(m[1].decode() + m[2].decode()) for m in _EMPTY_TEXT.finditer(archive.read(n))}
                 for n in sheets]
    if not any(empty):
        return
    with olefile.OleFileIO(str(xls), write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        sheet, at = -1, 0
        while at + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, at)
            if kind == _BOF and struct.unpack_from("<H", stream, at + 6)[0] == _WORKSHEET:
                sheet += 1
            elif kind == _FORMULA and struct.unpack_from("<HH", stream, at + 4) in empty[sheet]:
                assert stream[at + 10:at + 18] == bytes(8), (xls.name, sheet, stream[at + 4:at + 8].hex())
                stream[at + 10:at + 18] = b"\x03\0\0\0\0\0\xff\xff"
            at += 4 + length
        ole.write_stream("Workbook", bytes(stream))


# ---------------------------------------------------------------------------------------------------------------
# The properties.
# ---------------------------------------------------------------------------------------------------------------

_LONG_NUMBER = re.compile(r"-?[0-9]+\.[0-9]{12,}")
_SHOWN_NUMBER = re.compile(r"(-?[0-9][0-9,]*\.[0-9]+)")


def assert_alike(got, expected, where: str) -> None:
    """got == expected, but for numbers in their last digits: LibreOffice saves a number in an .xlsx with 15
    significant digits (Excel with 17, as many as it holds), in an .xls whole, so the result of a formula (=0.1+0.2,
    1/3) may differ in its 16th, and so may its rounding to the 4 decimals of --format json (0.84125 → 0.8412 or
    0.8413) or to the 2 of a message (a median of 156.605 shown as 156.60 or 156.61), and a number read as a text (a
    target typed as a number) in its last digits."""
    if isinstance(expected, str) and isinstance(got, str) and all(map(_LONG_NUMBER.fullmatch, (got, expected))):
        got, expected = float(got), float(expected)
    if isinstance(expected, str) and isinstance(got, str) and got != expected:
        mine, theirs = _SHOWN_NUMBER.split(got), _SHOWN_NUMBER.split(expected)
        assert mine[::2] == theirs[::2] and len(mine) == len(theirs), (where, got, expected)
        for a, b in zip(mine[1::2], theirs[1::2]):
            last = 10 ** -len(b.split(".")[1])
            assert float(a.replace(",", "")) == pytest.approx(float(b.replace(",", "")), abs=1.0001 * last), where
    elif isinstance(expected, float) and isinstance(got, float):
        assert got == pytest.approx(expected, abs=1.0001e-4, rel=1e-12), where
    elif isinstance(expected, dict) and isinstance(got, dict):
        assert got.keys() == expected.keys(), where
        for key in expected:
            assert_alike(got[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list) and isinstance(got, list):
        assert len(got) == len(expected), (where, got, expected)
        for i, (mine, theirs) in enumerate(zip(got, expected)):
            assert_alike(mine, theirs, f"{where}[{i}]")
    else:
        assert got == expected, where


def checked(path: Path) -> dict:
    """What `xlmon check --format json` says of a file, but its path (which names its folder and suffix)."""
    [file] = results_json([check_file(path)])["files"]
    del file["path"]
    return file


def untouched(paths):
    """Each file's bytes and modification time, to compare before and after."""
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


@pytest.mark.parametrize("seed", seeds(DEFAULT_CASES, 1))
def test_an_xls_is_checked_as_its_xlsx(saved, seed):
    """Every form read (its header, every amount and rate, 时间进度, gaps, indicators, grades, the cells read) and every
    diagnostic (code, severity, sheet, cell, message) alike; only the file's path, which is not the same, is left
    out."""
    xls, xlsx = saved[seed]
    before = untouched([xls])
    expected = checked(xlsx)
    assert expected["forms"], f"seed {seed}"
    assert_alike(checked(xls), expected, f"seed {seed}: ")
    assert untouched([xls]) == before, f"seed {seed}"


def same_names(data):
    """A consolidation's JSON with each file named by its stem: its folder and suffix (.xls, .xlsx) are the only
    difference two folders of the same units' files saved in two formats may make, in its files, diagnostics and
    duplicate lines alike."""
    text = json.dumps(data, ensure_ascii=False)
    for file in data["files"]:
        path = Path(file["path"])
        text = text.replace(json.dumps(str(path), ensure_ascii=False)[1:-1], path.stem).replace(path.name, path.stem)
    data = json.loads(text)
    for kept in ("output", "roster", "roster_note"):
        data.pop(kept, None)
    for file in data["files"]:
        file.pop("sha256")
    return data


def test_a_folder_of_xls_consolidates_as_the_folder_of_xlsx(saved, tmp_path):
    """The cases are units of one department (some the same unit, some of their projects the same, as copies and
    corrections are): consolidated from their .xls files and from their .xlsx files, the same totals, grades and
    counts, the same files taken or left out for the same reasons, the same duplicates and the same findings."""
    for folder, files in (("xls", [x for x, _ in saved.values()]), ("xlsx", [x for _, x in saved.values()])):
        (tmp_path / folder).mkdir()
        for i, path in enumerate(files):  # away from LibreOffice's profile, written beside them
            # each unit's file dated as the unit sent it, in both formats: which of two copies of a form counts
            # goes by it where the workbooks record one time, and LibreOffice wrote them milliseconds apart
            copy = Path(shutil.copy(path, tmp_path / folder))
            os.utime(copy, (EPOCH + 60 * i, EPOCH + 60 * i))
    xls = sorted((tmp_path / "xls").iterdir())
    before = untouched(xls)
    from_xlsx = consolidate(tmp_path / "xlsx", output=tmp_path / "out" / "a.xlsx")
    from_xls = consolidate(tmp_path / "xls", output=tmp_path / "out" / "b.xlsx")
    assert_same_figures(from_xls, from_xlsx, "xls")
    assert_alike(same_names(from_xls), same_names(from_xlsx), "summary: ")
    assert untouched(xls) == before


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*map(str, args)])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("seed", seeds(DEFAULT_CASES, 1)[::3])
def test_annotate_on_an_xls_prints_the_findings_and_asks_for_an_xlsx(saved, seed, tmp_path):
    """--annotate on an .xls writes nothing and says to save it as .xlsx first (README), after the findings, which
    are those of its .xlsx, in text and JSON alike; the input is not changed."""
    xls, xlsx = saved[seed]
    before, folder = untouched([xls]), set(xls.parent.iterdir())
    for form in ("text", "json"):
        out = tmp_path / f"标注{form}.xlsx"
        code, printed, said = run("check", xls, "--format", form, "--annotate", out)
        _, expected, _ = run("check", xlsx, "--format", form)
        assert code == 2 and not out.exists() and not list(tmp_path.iterdir()), f"seed {seed}"
        assert said == (f"xlmon: “{xls.name}”是 Excel 97-2003 格式（.xls），xlmon 只能在 .xlsx/.xlsm 上标注：请先在 Excel "
                        "或 WPS 中“另存为” .xlsx，再生成标注副本。\n"), f"seed {seed}"
        printed, expected = printed.replace(str(xls), "?"), expected.replace(str(xlsx), "?")
        if form == "json":
            printed, expected = json.loads(printed), json.loads(expected)
        assert_alike(printed, expected, f"seed {seed}: ")
    assert untouched([xls]) == before and set(xls.parent.iterdir()) == folder, f"seed {seed}"
