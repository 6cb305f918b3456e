"""The form written by openpyxl (templates.build_form) and by xlsxwriter (build_form_xlsxwriter) from
one plan: same reading, same LibreOffice arithmetic, same structure, user text kept as text."""

from __future__ import annotations

import re
import zipfile
from dataclasses import asdict
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import load_workbook

from conftest import assert_formulas_equal_xlmon, libreoffice_convert
from test_templates import SAMPLES
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.adapters.xlsxwriter_form import build_form_xlsxwriter
from xlmon.calc import calculate
from xlmon.form_plan import FormLayout, plan_form
from xlmon.reader import read_form
from xlmon.templates import INDICATOR_COLS, build_form, new_workbook, put_text, save_atomic

KINDS = ("project", "department")
SHEET = "表"
FORMULA_TEXT = '=HYPERLINK("http://example.com","点我")'
COUNTS = {(L.LEVEL1_OUTPUT, "数量指标"): 3, (L.LEVEL1_OUTPUT, "时效指标"): 1,
          (L.LEVEL1_BENEFIT, "社会效益指标"): 2, (L.LEVEL1_SATISFACTION, "服务对象满意度指标"): 1}


def _header(kind: str) -> dict:
    args = {"year": 2026, "months": 7, "department": "某市教育局（101001）", "indicator_counts": COUNTS}
    if kind == "project":
        args.update(project="=校舍维修改造项目", unit="某市第一中学")
    return args


def _values(kind: str, layout: FormLayout) -> dict[str, object]:
    """Inputs for every kind of input cell: amounts, the goal, indicator text, numbers and ticks."""
    values: dict[str, object] = {}
    for key, fields in SAMPLES[kind].items():
        for field, value in fields.items():
            values[layout.funding[key][field]] = value
    values[layout.header["goal"]] = FORMULA_TEXT
    col = {k: chr(64 + c) for k, c in INDICATOR_COLS.items()}
    for i, (level1, level2, r) in enumerate(layout.indicator_rows):
        values[f"{col['level3']}{r}"] = "=SUM(A1:A3)" if i == 0 else f"{level2}第{i}项"
        values[f"{col['target']}{r}"] = f"≥{90 + i}%" if i % 2 else f"{10 * (i + 1)}个"
        values[f"{col['actual']}{r}"] = 50 + i if i % 3 else f"{5 * i}个"
        values[f"{col['forecast']}{r}"] = f"{95 + i}%"
        values[f"{col[L.LIKELIHOODS[i % 3]]}{r}"] = L.TICK
        if i % 2:
            values[f"{col['reason']}{r}"] = "进度滞后"
            values[f"{col['remark']}{r}"] = "=1+1"
    return values


def _openpyxl_form(path: Path, kind: str, values: dict[str, object]) -> tuple[Path, FormLayout]:
    wb = new_workbook()
    ws = wb.create_sheet(SHEET)
    layout = build_form(ws, kind, **_header(kind))
    for ref, value in values.items():
        if isinstance(value, str):
            put_text(ws, ref, value)
        else:
            ws[ref] = value
    return save_atomic(wb, path), layout


def _xlsxwriter_form(path: Path, kind: str, values: dict[str, object] | None) -> tuple[Path, FormLayout]:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(SHEET)
    layout = build_form_xlsxwriter(wb, ws, kind, **_header(kind), values=values)
    wb.close()
    return path, layout


@pytest.fixture(params=KINDS)
def pair(request, tmp_path):
    """(kind, openpyxl file, xlsxwriter file, layout, values) for the same filled form."""
    kind = request.param
    values = _values(kind, plan_form(kind, **_header(kind)).layout)
    op, layout_op = _openpyxl_form(tmp_path / "openpyxl.xlsx", kind, values)
    xw, layout_xw = _xlsxwriter_form(tmp_path / "xlsxwriter.xlsx", kind, values)
    assert layout_op == layout_xw
    return kind, op, xw, layout_xw, values


def _read(path: Path):
    form, diags = read_form(read_workbook(path).sheets[SHEET], SHEET)
    assert form is not None
    return form, diags, calculate(form)


# (a) ------------------------------------------------------------------------------------------

def test_both_backends_read_back_to_the_same_form(pair):
    kind, op, xw, layout, values = pair
    form_op, diags_op, calc_op = _read(op)
    form_xw, diags_xw, calc_xw = _read(xw)
    assert asdict(form_xw) == asdict(form_op)
    assert [d.model_dump() for d in diags_xw] == [d.model_dump() for d in diags_op]
    assert [d.model_dump() for d in calc_xw] == [d.model_dump() for d in calc_op] == []
    # and what was read is what was written
    assert form_xw.kind == kind and (form_xw.year, form_xw.months) == (2026, 7)
    assert form_xw.department == "某市教育局（101001）" and form_xw.goal == FORMULA_TEXT
    if kind == "project":
        assert (form_xw.project, form_xw.unit) == ("=校舍维修改造项目", "某市第一中学")
    rows = {(r.block, r.row): r for r in form_xw.funding}
    assert set(rows) == set(layout.funding)
    for key, fields in SAMPLES[kind].items():
        for field, value in fields.items():
            assert rows[key].typed[field] == value, (key, field)
    for row in rows.values():  # formula cells carry no cached value: xlmon computes them
        assert all(row.typed[f] is None for f in ("subtotal", "issue_rate", "spend_progress"))
    total = rows[("source", L.TOTAL_ROW)]
    assert total.current == pytest.approx(sum(v.get("current", 0) for (b, _), v in SAMPLES[kind].items()
                                              if b == "source"))
    assert len(form_xw.indicators) == len(layout.indicator_rows) == sum(COUNTS.values())
    first = form_xw.indicators[0]
    assert first.level3 == "=SUM(A1:A3)" and first.likelihood == L.LIKELIHOODS[0]
    assert [(i.level1, i.level2) for i in form_xw.indicators] == [(a, b) for a, b, _ in layout.indicator_rows]


# (b) ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_libreoffice_recalculates_xlsxwriter_form_as_xlmon(tmp_path, soffice, kind):
    """Mirror of test_templates.test_libreoffice_formulas_equal_xlmon for the xlsxwriter form."""
    layout = plan_form(kind, year=2026, months=7).layout
    values = {layout.funding[key][field]: value
              for key, fields in SAMPLES[kind].items() for field, value in fields.items()}
    wb = xlsxwriter.Workbook(str(tmp_path / f"{kind}.xlsx"))
    ws = wb.add_worksheet(SHEET)
    out = build_form_xlsxwriter(wb, ws, kind, year=2026, months=7, values=values)
    wb.close()
    filled = tmp_path / f"{kind}.xlsx"
    [recalculated] = libreoffice_convert(soffice, [filled], tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")

    assert_formulas_equal_xlmon(filled, recalculated, SHEET, out)


# (c) ------------------------------------------------------------------------------------------

def _rgb(color) -> str | None:
    return color.rgb[-6:] if color is not None and isinstance(color.rgb, str) else None


def _cell_style(cell) -> tuple:
    f, b, a, fill = cell.font, cell.border, cell.alignment, cell.fill
    sides = tuple(getattr(b, s).style if getattr(b, s) is not None else None
                  for s in ("left", "right", "top", "bottom"))
    return (f.name, float(f.sz or 11), bool(f.b), sides, a.horizontal, a.vertical, bool(a.wrap_text),
            fill.fill_type, _rgb(fill.fgColor) if fill.fill_type else None, cell.number_format,
            bool(cell.protection.locked))


def _widths(ws) -> dict[int, float]:
    """Column widths; a <col> element may span columns of equal width (xlsxwriter groups them)."""
    return {c: d.width for d in ws.column_dimensions.values() if d.customWidth
            for c in range(d.min, d.max + 1)}


def _raw_cells(path: Path) -> dict[str, tuple]:
    """Each cell's border sides and locked state straight from the XML: openpyxl, loading a file,
    redraws the cells of a merged area from its top-left cell, so it cannot show what was written."""
    from xml.etree import ElementTree as ET
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(path) as z:
        styles = ET.fromstring(z.read("xl/styles.xml"))
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    borders = [tuple(b.find(f"m:{side}", ns).get("style") if b.find(f"m:{side}", ns) is not None else None
                     for side in ("left", "right", "top", "bottom"))
               for b in styles.find("m:borders", ns)]
    xfs = []
    for xf in styles.find("m:cellXfs", ns):
        protection = xf.find("m:protection", ns)
        locked = protection is None or protection.get("locked", "1") not in ("0", "false")
        xfs.append((borders[int(xf.get("borderId", 0))], locked))
    return {c.get("r"): xfs[int(c.get("s", 0))] for c in sheet.iter(f"{{{ns['m']}}}c")}


def _structure(path: Path) -> dict:
    ws = load_workbook(path)[SHEET]
    setup, margins = ws.page_setup, ws.page_margins
    cells = {(r, c): ws.cell(r, c) for r in range(1, ws.max_row + 1) for c in range(1, ws.max_column + 1)}
    return {
        "merged": {str(r) for r in ws.merged_cells.ranges},
        "validations": sorted((dv.type, dv.formula1, frozenset(str(dv.sqref).split()), bool(dv.allow_blank),
                               dv.errorTitle, dv.error, bool(dv.showErrorMessage), bool(dv.showInputMessage))
                              for dv in ws.data_validations.dataValidation),
        "conditional": sorted((str(cf.sqref), tuple((r.type, r.priority, tuple(r.formula), bool(r.stopIfTrue),
                                                     _rgb(r.dxf.fill.bgColor), _rgb(r.dxf.font.color))
                                                    for r in cf.rules))
                              for cf in ws.conditional_formatting),
        "protection": {k: getattr(ws.protection, k) for k in (
            "sheet", "objects", "scenarios", "formatCells", "formatRows", "formatColumns", "insertColumns",
            "insertRows", "insertHyperlinks", "deleteColumns", "deleteRows", "selectLockedCells",
            "selectUnlockedCells", "sort", "autoFilter", "pivotTables", "password")},
        "widths": _widths(ws),
        "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None},
        "print": (setup.orientation, int(setup.paperSize), setup.fitToWidth or 1, setup.fitToHeight,
                  bool(ws.sheet_properties.pageSetUpPr.fitToPage), margins.left, margins.right, margins.top,
                  margins.bottom, margins.header, margins.footer, bool(ws.print_options.horizontalCentered),
                  ws.print_area, ws.print_title_rows, bool(ws.sheet_view.showGridLines),
                  [b.id for b in ws.row_breaks.brk], ws.oddHeader.left.text, ws.oddHeader.right.text,
                  ws.oddFooter.center.text),
        "styles": {rc: _cell_style(cell) for rc, cell in cells.items()},
        "locked": {cell.coordinate: bool(cell.protection.locked) for cell in cells.values()},
        "formula cells": {cell.coordinate for cell in cells.values() if cell.data_type == "f"},
    }


def test_both_backends_have_the_same_structure(pair):
    kind, op, xw, layout, _ = pair
    a, b = _structure(op), _structure(xw)
    assert a["merged"] and b["merged"] == a["merged"]
    assert len(a["validations"]) == 1 + len(L.HIERARCHIES[L.DEFAULT_HIERARCHY])
    assert b["validations"] == a["validations"]
    assert len(a["conditional"]) == (1 if kind == "project" else 2)
    assert b["conditional"] == a["conditional"]
    assert b["protection"] == a["protection"] and a["protection"]["sheet"]
    assert b["widths"].keys() == a["widths"].keys() == set(range(1, 13))
    for c, width in a["widths"].items():
        assert b["widths"][c] == pytest.approx(width, abs=0.1), c
    assert b["heights"] == a["heights"]
    assert b["print"] == a["print"]
    # inputs unlocked, formulas locked
    assert b["formula cells"] == a["formula cells"] == set(layout.formulas)
    assert all(b["locked"][ref] for ref in layout.formulas)
    for (_, label), cells in layout.funding.items():
        for field in L.INPUT_AMOUNTS:
            assert b["locked"][cells[field]] == (label == L.TOTAL_ROW), (label, field)
    assert not any(b["locked"][ref] for ref in layout.header.values())
    assert b["locked"]["A1"]
    assert b["locked"] == a["locked"]
    # and every cell looks the same
    assert b["styles"].keys() == a["styles"].keys()
    differ = {rc: (a["styles"][rc], b["styles"][rc]) for rc in a["styles"] if a["styles"][rc] != b["styles"][rc]}
    assert not differ
    # merged cells included, as written (the title row's B1:L1 keep the top and bottom lines they
    # got from A1 before A1's border was taken off: so it has always been in the templates)
    raw_a, raw_b = _raw_cells(op), _raw_cells(xw)
    blank = ((None, None, None, None), True)
    assert {r: raw_b.get(r, blank) for r in raw_a | raw_b} == {r: raw_a.get(r, blank) for r in raw_a | raw_b}
    assert raw_b["B1"] == raw_b["A1"] == raw_b.get("L2", blank) == blank  # title and period: no borders


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("counts", [None, COUNTS])
def test_plan_fold_matches_what_openpyxl_holds(kind, counts):
    """final_cells (what xlsxwriter writes) equals the openpyxl sheet cell for cell, merged cells included."""
    wb = new_workbook()
    ws = wb.create_sheet(SHEET)
    build_form(ws, kind, year=2026, months=6, department="某局", indicator_counts=counts)
    cells = plan_form(kind, year=2026, months=6, department="某局", indicator_counts=counts).final_cells()
    assert set(cells) == set(ws._cells)
    for (r, c), planned in cells.items():
        cell = ws.cell(r, c)
        s = planned.style
        font = s.font
        expected = ((font.name, float(font.size), font.bold) if font else ("Calibri", 11.0, False),
                    (s.border.left, s.border.right, s.border.top, s.border.bottom),
                    s.align.horizontal if s.align else None, s.align.vertical if s.align else None,
                    bool(s.align and s.align.wrap), "solid" if s.fill else None, s.fill,
                    s.number_format or "General", s.locked)
        got = _cell_style(cell)
        assert ((got[0], got[1], got[2]), *got[3:]) == expected, cell.coordinate
        assert cell.value == planned.value, cell.coordinate
        assert (cell.data_type == "f") == planned.formula, cell.coordinate


# (d) ------------------------------------------------------------------------------------------

def test_text_starting_with_equals_stays_text(pair):
    kind, _, xw, layout, values = pair
    texts = {ref: v for ref, v in values.items() if isinstance(v, str) and v.startswith("=")}
    assert layout.header["goal"] in texts and len(texts) >= 3
    ws = load_workbook(xw)[SHEET]
    for ref, text in texts.items():
        assert ws[ref].data_type == "s" and ws[ref].value == text, ref
    if kind == "project":
        assert ws[layout.header["project"]].data_type == "s"
    with zipfile.ZipFile(xw) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    formulas = {m.group(1) for m in re.finditer(r'<c r="([A-Z]+\d+)"[^>]*><f>', sheet)}
    assert formulas == set(layout.formulas), "only the form's own formulas are formulas"


# the xlsxwriter writer itself ----------------------------------------------------------------------

def test_formats_are_shared_between_forms_in_one_workbook(tmp_path):
    wb = xlsxwriter.Workbook(str(tmp_path / "two.xlsx"))
    build_form_xlsxwriter(wb, wb.add_worksheet("一"), "department", year=2026, months=6)
    made = len(wb.formats)
    build_form_xlsxwriter(wb, wb.add_worksheet("二"), "project", year=2026, months=6)
    with_project = len(wb.formats)
    build_form_xlsxwriter(wb, wb.add_worksheet("三"), "department", year=2026, months=9)
    assert len(wb.formats) == with_project and with_project - made <= 2
    styles = {f for f in wb.formats}
    assert len(styles) == len(wb.formats)
    wb.close()
    book = read_workbook(tmp_path / "two.xlsx")
    kinds = [read_form(book.sheets[s], s)[0].kind for s in ("一", "二", "三")]
    assert kinds == ["department", "project", "department"]


def test_bad_values_are_refused(tmp_path):
    layout = plan_form("project", year=2026, months=6).layout
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    with pytest.raises(ValueError, match="merged"):
        build_form_xlsxwriter(wb, wb.add_worksheet("a"), "project", year=2026, months=6, values={"L3": "x"})
    with pytest.raises(TypeError):
        build_form_xlsxwriter(wb, wb.add_worksheet("b"), "project", year=2026, months=6,
                              values={layout.header["goal"]: object()})
    wb.close()
    memory = xlsxwriter.Workbook(str(tmp_path / "m.xlsx"), {"constant_memory": True})
    with pytest.raises(ValueError, match="constant_memory"):
        build_form_xlsxwriter(memory, memory.add_worksheet(), "project", year=2026, months=6)
    memory.close()
