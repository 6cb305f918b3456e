"""Invariants of marking findings in a workbook, over randomly generated units' workbooks with defects: one to five
forms in every style (test_consolidate_properties' writers), on sheets with Chinese names holding spaces and quotes,
some hidden, with wrong totals, blanks, text in amount cells, amounts typed as sums (=60+44.64, saved with their
results as Excel saves them), rates typed wrong, ticks left out, the unit's own comments, fills, borders and links (on
cells xlmon marks too), merged cells, text that starts with = + - @, column widths, data validations, conditional
formats, defined names and another sheet active.

`xlmon check FILE --annotate OUT` leaves FILE byte for byte as it was; marks every finding with a cell at that cell
(the top-left cell of a merged range it lies in) and no cell but those and the graded ones; keeps every value,
formula, merge, format, validation, conditional format, defined name and the unit's own comments and fills; writes
OUT whole or not at all; gives the same OUT again; and OUT reads with the same findings as FILE. `xlmon clear` on OUT
gives FILE's workbook back. The add-in's 校验 on the remote Book of FILE's payload (both clients) colours the cells
check names, 校验 twice is 校验 once, and 清除标记 leaves every value as it was and every colour it took off as the
file had it (what a payload carries: no client sends a cell's colour, so the unit's own fill on a marked cell is not
known to the add-in, and only our template's fills are restored there).

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property."""

from __future__ import annotations

import io
import os
import random
import shutil
import tempfile
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Border, Color, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.hyperlink import Hyperlink
from payloads import actions_of, apply_actions, payload_from_file

from test_cli_marks import with_results
from test_consolidate_properties import MONTHS, STYLES, YEAR, random_projects, seeds, write_form
from test_front_ends_properties import said
from conftest import libreoffice_convert
from test_workbook_marks import cell_content, cell_everything, cell_styles, sheet_setup
from xlmon import atomic, demo
from xlmon import entry_points as ep
from xlmon.check import check_file
from xlmon.cli import main
from xlmon.grid import column_letter, parse_address
from xlmon.diagnostics import SEVERITY_ZH
from xlmon.marks import OUTLINE, PALETTE, RESULTS_SHEET, STATE_SHEET
from xlmon.templates import new_workbook, put_text, save_atomic

UNIT, CODE, DEPARTMENT = "某市第一中学", "101001001", "某市教育局（101001）"
# Sheet names as units give them: spaces (ASCII and full-width), quotes inside (Excel allows none first or last),
# brackets; none of Excel's forbidden []:*?/\.
SHEET_NAMES = ("项目 一", "张's 表", "校舍'维修 改造", "“专项”资金 表", "二 季度 项目", "经费（2026）", "项目表　二",
               "食堂 'A' 区", "1-6月 监控", "附件2 项目", "信息化-建设", "+ 追加 项目")
FORMULA_LIKE = ("=完成校舍维修 3 处", "+加快进度", "-已整改", "@财务科", "=SUM(A1:A3)", "=HYPERLINK(\"http://x\",\"点我\")")
USER_FILLS = (PatternFill("solid", fgColor="FFFFFF00"), PatternFill("solid", fgColor="FF92D050"),
              PatternFill("solid", fgColor=Color(theme=4, tint=0.5999938962981048)),
              PatternFill("lightGray", fgColor="FFFF0000"))
USER_COMMENTS = (("本年预算以批复为准", "张三"), ("数据来自财务系统，7月5日导出", "李四"), ("请科长核对", ""))
AMOUNTS = ("carryover", "current", "issued", "spent", "forecast")
TICKS = ("likelihood_sure", "likelihood_maybe", "likelihood_never")


# ---------------------------------------------------------------------------------------------------------------
# The unit's workbook, with defects.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class UnitBook:
    path: Path
    done: list[str]  # what was made and done to it, for a failure's message
    filled: set[tuple[str, str]]  # the cells the unit filled with its own colour


def unit_book(rng: random.Random, folder: Path) -> UnitBook:
    """A unit's workbook of 1-3 projects in one style, maybe its 部门整体, last month's copy of a form on a hidden sheet
    and a notes sheet; then its defects (unit_defects)."""
    style = rng.choice(STYLES)
    projects = random_projects(rng, UNIT, rng.randint(1, 3))
    names = iter(rng.sample(SHEET_NAMES, len(SHEET_NAMES)))
    book = new_workbook()
    done = [f"style {style}"]
    for p in projects:
        write_form(book, replace(p, department=DEPARTMENT, unit=UNIT), style, next(names))
    if rng.random() < 0.3:
        overall = demo._overall(random.Random(rng.random()), UNIT, CODE, projects, MONTHS / 12)
        demo.write_overall_form(book.create_sheet(f"部门 整体'{rng.randint(1, 9)}"), overall, year=YEAR,
                                months=MONTHS)
        done.append("overall")
    if rng.random() < 0.25:
        ws = write_form(book, replace(projects[0], department=DEPARTMENT, unit=UNIT), style, f"上月 {next(names)}"[:31],
                        MONTHS - 1)
        ws.sheet_state = rng.choice(("hidden", "veryHidden"))
        done.append(f"hidden {ws.title}")
    if rng.random() < 0.5:
        notes = book.create_sheet(rng.choice(("填表 说明", "说明's", "备 注")))
        demo.write_notes(notes)
        put_text(notes, "B2", rng.choice(FORMULA_LIKE))
        validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        notes.add_data_validation(validation)
        validation.add("C2:C9")
        if rng.random() < 0.5:
            notes.sheet_state = "hidden"
        done.append(f"notes {notes.title} ({notes.sheet_state})")
    first = book.sheetnames[0].replace("'", "''")
    book.defined_names["预算合计"] = DefinedName("预算合计", attr_text=f"'{first}'!$A$1")
    path = save_atomic(book, folder / "单位 监控表.xlsx")
    filled: set[tuple[str, str]] = set()
    done += unit_defects(rng, path, filled)
    return UnitBook(path, done, filled)


def unit_defects(rng: random.Random, path: Path, filled: set[tuple[str, str]]) -> list[str]:
    """1-12 defects typed into the file's forms, found where check finds their cells; what was done, one line each.
    The cells given the unit's own fill are added to `filled`. An amount typed as a sum (=60+44.64) is saved with its
    result, as Excel saves it."""
    result = check_file(path)
    book = load_workbook(path, rich_text=True)
    done: list[str] = []
    results: dict[str, str] = {}

    def put(sheet: str, cell: str, value, what: str) -> None:
        ws = book[sheet]
        if _in_merge(ws, cell) and not _top_left(ws, cell):
            return  # a cell inside a merged range takes no value
        ws[cell] = value
        if isinstance(value, str) and what != "sum typed":
            ws[cell].data_type = "s"  # as typed: text that starts with '=' stays text
        done.append(f"{what} {sheet}!{cell}={value!r}")

    forms = result.forms
    for _ in range(rng.randint(1, 12) if forms else 0):
        form = rng.choice(forms)
        ws = book[form.sheet]
        kind = rng.choice(("total", "blank", "text", "rate", "ticks", "formula", "sum", "comment", "fill", "fill",
                           "comment", "border", "link", "merge", "columns"))
        row = rng.choice(form.funding) if form.funding else None
        ind = rng.choice(form.indicators) if form.indicators else None
        if kind == "total" and row:
            total = form.total(row.block) or row
            field = rng.choice([f for f in ("subtotal", "spent", "issued", "forecast") if f in total.cells] or [None])
            if field:
                put(form.sheet, total.cells[field], round(rng.uniform(1, 900), 2), "wrong total")
        elif kind in ("blank", "text") and row:
            fields = [f for f in AMOUNTS if f in row.cells]
            if fields:
                value = None if kind == "blank" else rng.choice(("完成", "见附件", "待定", "约50", "-", "=60+44.64",
                                                                 "+50", "@50"))
                put(form.sheet, row.cells[rng.choice(fields)], value, kind)
        elif kind == "sum" and row:
            fields = [f for f in AMOUNTS if f in row.cells]
            if fields:
                a, b = rng.randint(1, 300), rng.randint(1, 99)
                results[f"{a}+{b}/100"] = str(a + b / 100)
                put(form.sheet, row.cells[rng.choice(fields)], f"={a}+{b}/100", "sum typed")
        elif kind == "rate" and row:
            fields = [f for f in ("issue_rate", "spend_progress") if f in row.cells]
            if fields:
                field = rng.choice(fields)
                now = getattr(row, field) or 0.5
                put(form.sheet, row.cells[field], rng.choice((round(now * 100, 2), round(now / 2, 4), f"{now:.0%}")),
                    "rate")
        elif kind == "ticks" and ind:
            for field in TICKS:
                if field in ind.cells:
                    put(form.sheet, ind.cells[field], None, "no tick")
        elif kind == "formula":
            cells = [form.cells.get(f) for f in ("goal", "project")] + \
                    [ind.cells.get(f) for f in ("reason", "remark", "level3")] if ind else [form.cells.get("goal")]
            cells = [c for c in cells if c]
            if cells:
                put(form.sheet, rng.choice(cells), rng.choice(FORMULA_LIKE), "text like a formula")
        elif kind in ("comment", "fill", "border", "link"):
            cell = _somewhere(rng, ws, form)
            if kind == "comment":
                text, author = rng.choice(USER_COMMENTS)
                if isinstance(ws[cell], MergedCell):
                    continue  # merged cells hold no comment
                ws[cell].comment = Comment(text, author)
            elif kind == "fill":
                ws[cell].fill = rng.choice(USER_FILLS)
                filled.add((form.sheet, cell))
            elif kind == "border":
                ws[cell].border = Border(left=Side("dashed", color="FF0070C0"), bottom=Side("double"),
                                         diagonal=Side("thin", color="FFFF0000"), diagonalUp=True)
            else:
                if isinstance(ws[cell], MergedCell):
                    continue
                ws[cell].hyperlink = Hyperlink(ref=cell, location=f"'{form.sheet.replace(chr(39), chr(39) * 2)}'!A1",
                                               display="返回表头")
            done.append(f"user {kind} {form.sheet}!{cell}")
        elif kind == "columns":
            letter = column_letter(rng.randint(0, 13))
            ws.column_dimensions[letter].width = rng.choice((4, 18.5, 30))
            ws.row_dimensions[rng.randint(1, ws.max_row)].height = rng.choice((12, 30, 45))
            done.append(f"sized {form.sheet} {letter}")
        elif kind == "merge" and form.indicators:
            first = form.indicators[0]
            run = [i for i in form.indicators if i.level1 == first.level1 and "level1" in i.cells]
            if len(run) > 1:
                top, bottom = run[0].cells["level1"], run[-1].cells["level1"]
                (r0, c0), (r1, c1) = parse_address(top), parse_address(bottom)
                if c0 == c1 and r1 - r0 == len(run) - 1 and not any(_overlap(m.coord, f"{top}:{bottom}")
                                                                    for m in ws.merged_cells.ranges):
                    for i in run[1:]:
                        ws[i.cells["level1"]] = None
                    if rng.random() < 0.5:  # a name of its own, not the hierarchy's: R101 on every row it spans
                        ws[top] = rng.choice(("业务指标", "产出 指标（数量）", "=工作指标"))
                        ws[top].data_type = "s"
                    ws.merge_cells(f"{top}:{bottom}")
                    done.append(f"merged {form.sheet}!{top}:{bottom} {ws[top].value}")
    if forms and rng.random() < 0.5:
        form = rng.choice(forms)
        rule = CellIsRule(operator="lessThan", formula=["0.3"], fill=PatternFill(bgColor="FFFF0000"))
        book[form.sheet].conditional_formatting.add("A1:L40", rule)
        done.append(f"conditional format {form.sheet}")
    if forms and rng.random() < 0.3:
        ws = book[rng.choice(forms).sheet]
        ws.defined_names["本表合计"] = DefinedName("本表合计", attr_text=f"'{ws.title.replace(chr(39), chr(39) * 2)}'!$C$7")
        done.append(f"sheet name defined {ws.title}")
    shown = [ws for ws in book.worksheets if ws.sheet_state == "visible"]
    if len(shown) > 1 and rng.random() < 0.4:
        active = rng.choice(shown)
        for ws in book.worksheets:
            ws.sheet_view.tabSelected = ws is active
        book.active = active
        done.append(f"active {active.title}")
    book.save(path)
    if results:
        with_results(path, results)
    return done


def _somewhere(rng: random.Random, ws, form) -> str:
    """A cell of the form a unit colours or comments: often one xlmon marks too (a rate, a forecast, an amount)."""
    cells = [c for row in form.funding for c in row.cells.values()]
    cells += [c for ind in form.indicators for c in ind.cells.values()]
    cells += list(form.cells.values())
    if cells and rng.random() < 0.8:
        return rng.choice(cells)
    return f"{column_letter(rng.randint(0, 14))}{rng.randint(1, ws.max_row + 3)}"


def _in_merge(ws, cell: str) -> bool:
    return any(cell in m for m in ws.merged_cells.ranges)


def _top_left(ws, cell: str) -> bool:
    return any(m.start_cell.coordinate == cell for m in ws.merged_cells.ranges)


def _overlap(a: str, b: str) -> bool:
    (ar0, ac0), (ar1, ac1) = (parse_address(x) for x in a.split(":"))
    (br0, bc0), (br1, bc1) = (parse_address(x) for x in b.split(":"))
    return ar0 <= br1 and br0 <= ar1 and ac0 <= bc1 and bc0 <= ac1


# ---------------------------------------------------------------------------------------------------------------
# What a marked copy holds.
# ---------------------------------------------------------------------------------------------------------------

def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def target(ws, cell: str) -> str:
    """Where a mark of `cell` lands: the top-left cell of the merged range it lies in, else itself."""
    return next((m.start_cell.coordinate for m in ws.merged_cells.ranges if cell in m), cell)


def footprint(ws, cell: str) -> set[str]:
    """The cells a mark of `cell` may touch: the merged range it lies in (its outline), else the cell."""
    merged = next((m for m in ws.merged_cells.ranges if cell in m), None)
    return {c.coordinate for row in ws[merged.coord] for c in row} if merged else {cell}


def graded_cells(result) -> dict[tuple[str, str], str]:
    """(sheet, cell) → grade of every graded cell: 支出进度 of a funding row, 全年预计 of an indicator, a form's title."""
    out = {}
    for form in result.forms:
        out |= {(form.sheet, r.cells["spend_progress"]): r.grade for r in form.funding
                if r.grade and "spend_progress" in r.cells}
        out |= {(form.sheet, i.cells.get("forecast") or i.cells["level3"]): i.grade for i in form.indicators
                if i.grade and (i.cells.get("forecast") or i.cells.get("level3"))}
        if form.grade and "title" in form.cells:
            out[(form.sheet, form.cells["title"])] = form.grade
    return out


def defined_names(wb) -> dict:
    names = {n: d.attr_text for n, d in wb.defined_names.items()}
    for ws in wb.worksheets:
        names |= {(ws.title, n): d.attr_text for n, d in ws.defined_names.items()}
    return names


# LibreOffice states Excel's default alignment (general, bottom) in a style it says applies none, which openpyxl
# reads as none and may write as stated: the same cell to Excel.
_STATED_DEFAULT = '<alignment horizontal="general" vertical="bottom"/>'


def styles(cell) -> tuple:
    return tuple("<alignment/>" if part == _STATED_DEFAULT else part for part in cell_styles(cell))


def everything(cell) -> tuple:
    return tuple("<alignment/>" if part == _STATED_DEFAULT else part for part in cell_everything(cell))


def assert_marked_copy(src: Path, out: Path, result, context: str) -> None:
    """OUT is src with marks at the cells of the findings and grades, and nothing else changed."""
    before, after = load_workbook(src, rich_text=True), load_workbook(out, rich_text=True)
    assert after.sheetnames == [*before.sheetnames, RESULTS_SHEET, STATE_SHEET], context
    assert after.active.title == before.active.title, context
    assert defined_names(after) == defined_names(before), context
    graded = graded_cells(result)
    findings = [d for d in result.diagnostics if d.sheet in before.sheetnames and d.cell]
    touched = {}
    for sheet, cell in [*graded, *((d.sheet, d.cell) for d in findings)]:
        touched.setdefault(sheet, set()).update(footprint(before[sheet], cell))
    for name in before.sheetnames:
        a, b = before[name], after[name]
        assert sheet_setup(a) == sheet_setup(b), (context, name)
        cells_a = {c.coordinate: c for row in a.iter_rows(max_row=a.max_row, max_col=a.max_column) for c in row}
        for coord, cell in cells_a.items():
            other = b[coord]
            assert cell_content(cell) == cell_content(other), (context, name, coord)
            assert styles(cell) == styles(other), (context, name, coord)
            assert cell_everything(cell)[-1] == cell_everything(other)[-1], (context, "link", name, coord)
            if coord not in touched.get(name, ()):
                assert everything(cell) == everything(other), (context, "changed, not marked", name, coord)
            elif cell.comment is not None and cell.comment.author != "xlmon":
                assert cell.comment.text in other.comment.text, (context, "user comment lost", name, coord)
    for (sheet, cell), grade in graded.items():
        fill = after[sheet][target(before[sheet], cell)].fill
        assert fill.fill_type == "solid" and fill.fgColor.rgb == "FF" + PALETTE[grade], (context, sheet, cell, grade)
    for d in findings:
        ws = after[d.sheet]
        cell = ws[target(before[d.sheet], d.cell)]
        assert cell.comment is not None and cell.comment.author == "xlmon", (context, d)
        assert f"{d.code} {SEVERITY_ZH[d.severity]}：{d.message}" in cell.comment.text, (context, d)
        assert cell.comment.text.count(f"{d.code} {SEVERITY_ZH[d.severity]}：{d.message}") == 1, \
            (context, "said twice", d)
        sides = {cell.border.left, cell.border.right, cell.border.top, cell.border.bottom}
        assert {(s.style, s.color.rgb if s.color else None) for s in sides} <= \
            {("medium", "FF" + OUTLINE[k]) for k in OUTLINE}, (context, d)


def same_workbooks(a: Path, b: Path, context: str) -> None:
    """Two copies of one workbook alike in every cell; 校验结果's 文件 column names the file each was read from, and
    its rows are as tall as what they wrap, that name included."""
    wa, wb = load_workbook(a, rich_text=True), load_workbook(b, rich_text=True)
    assert wa.sheetnames == wb.sheetnames and wa.active.title == wb.active.title, context
    assert defined_names(wa) == defined_names(wb), context
    for name in wa.sheetnames:
        setups = [sheet_setup(w[name]) for w in (wa, wb)]
        if name == RESULTS_SHEET:
            for setup in setups:
                del setup["rows"]
        assert setups[0] == setups[1], (context, name)
        for row in wa[name].iter_rows(max_row=wa[name].max_row, max_col=wa[name].max_column):
            for cell in row:
                if name == RESULTS_SHEET and cell.column == 2 and cell.row > 1:
                    continue
                assert everything(cell) == everything(wb[name][cell.coordinate]), (context, name,
                                                                                              cell.coordinate)


@contextmanager
def read_only(folder: Path):
    """folder made read-only for this process: root writes anywhere, so it looks as nobody (euid 65534), who may not
    read Python's own library under /root either: run the command once before, so that it has imported all it needs."""
    folder.chmod(0o555)
    root = os.geteuid() == 0
    try:
        if root:
            os.setegid(65534)
            os.seteuid(65534)
        yield
    finally:
        if root:
            os.seteuid(0)
            os.setegid(0)
        folder.chmod(0o755)


# ---------------------------------------------------------------------------------------------------------------
# The properties.
# ---------------------------------------------------------------------------------------------------------------

def assert_annotates(src: Path, folder: Path, context: str) -> None:
    """--annotate on src: marks at the findings and nothing else changed, src as it was, the copy read as src, made
    anew alike (over the earlier copy, and from the copy itself), cleared back to src."""
    data = src.read_bytes()
    result = check_file(src)
    out = folder / "标注 副本.xlsx"
    code, printed, err = run("check", str(src), "--annotate", str(out))
    assert code in (0, 1) and "已写出标注副本" in printed, (context, err)
    assert src.read_bytes() == data, context
    assert_marked_copy(src, out, result, context)
    read = check_file(out).diagnostics  # marks never change what is read
    assert said(read) == said(result.diagnostics), (context, said(read) - said(result.diagnostics),
                                                    said(result.diagnostics) - said(read))

    first = folder / "first.xlsx"
    shutil.copy(out, first)
    assert run("check", str(src), "--annotate", str(out))[0] == code, context  # the earlier copy replaced
    same_workbooks(first, out, context)
    again = folder / "again.xlsx"
    assert run("check", str(out), "--annotate", str(again))[0] == code, context  # marks replaced, never stacked
    same_workbooks(out, again, context)

    cleared = folder / "cleared.xlsx"
    assert run("clear", str(again), "-o", str(cleared))[0] == 0, context
    same_workbooks(src, cleared, context)
    assert src.read_bytes() == data, context


@pytest.mark.parametrize("seed", seeds(4, 61))
def test_annotate_marks_the_findings_and_changes_nothing_else(tmp_path, seed):
    unit = unit_book(random.Random(seed), tmp_path)
    assert_annotates(unit.path, tmp_path, f"seed {seed}: {unit.done}")


SAVED = seeds(2, 65)


@pytest.fixture(scope="module")
def saved_with_results(tmp_path_factory, soffice) -> dict[int, tuple[Path, UnitBook]]:
    """The workbooks of the SAVED seeds opened and saved again by LibreOffice, which, as Excel does, works out every
    formula (our templates' too) and saves its result with it: the files units send. One LibreOffice run for all."""
    folder = tmp_path_factory.mktemp("saved")
    made = {}
    for seed in SAVED:
        (folder / str(seed)).mkdir()
        unit = unit_book(random.Random(seed), folder / str(seed))
        made[seed] = (unit.path.rename(folder / f"{seed}.xlsx"), unit)
    saved = libreoffice_convert(soffice, [path for path, _ in made.values()], folder / "saved", "xlsx")
    return {seed: (path, unit) for (seed, (_, unit)), path in zip(made.items(), saved)}


@pytest.mark.parametrize("seed", SAVED)
def test_annotate_a_workbook_saved_with_its_formulas_results(tmp_path, seed, saved_with_results):
    path, unit = saved_with_results[seed]
    src = tmp_path / "单位 监控表.xlsx"
    shutil.copy(path, src)
    assert_annotates(src, tmp_path, f"seed {seed} (saved by LibreOffice): {unit.done}")


@pytest.mark.parametrize("seed", seeds(3, 62))
def test_annotate_writes_its_copy_whole_or_not_at_all(tmp_path, seed, monkeypatch):
    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="xlmon-marks-"))  # tmp_path's parents let no other user in
    try:
        folder.chmod(0o755)
        unit = unit_book(rng, folder)
        src, context = unit.path, f"seed {seed}: {unit.done}"
        data = src.read_bytes()
        shut = folder / "只读"
        shut.mkdir()
        earlier = shut / "标注.xlsx"  # written first: every module the command needs is imported before read_only
        assert run("check", str(src), "--annotate", str(earlier))[0] in (0, 1), context
        kept = earlier.read_bytes()
        with read_only(shut):
            code, _, err = run("check", str(src), "--annotate", str(earlier))
        assert code == 2 and "无法写入" in err, (context, err)
        assert earlier.read_bytes() == kept and [p.name for p in shut.iterdir()] == [earlier.name], context
        earlier.rename(folder / earlier.name)
        with read_only(shut):
            code, _, err = run("check", str(src), "--annotate", str(shut / "标注.xlsx"))
        assert code == 2 and "无法写入" in err, (context, err)
        assert list(shut.iterdir()) == [] and src.read_bytes() == data, context
        (folder / earlier.name).rename(earlier)

        real = os.replace

        def locked(a, b):  # the earlier copy open in Excel: the rename onto it fails
            if Path(b) == earlier:
                raise PermissionError(13, "Permission denied", str(b))
            return real(a, b)

        monkeypatch.setattr(atomic.os, "replace", locked)
        code, _, err = run("check", str(src), "--annotate", str(earlier))
        monkeypatch.undo()
        assert code == 2 and "无法写入" in err, (context, err)
        assert earlier.read_bytes() == kept and [p.name for p in shut.iterdir()] == [earlier.name], context
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_fill(ws, cell: str) -> str | None:
    """A cell's fill as the add-in writes colours (#RRGGBB), None for none."""
    fill = ws[cell].fill
    if fill.fill_type != "solid" or fill.fgColor.type != "rgb":
        return None
    return f"#{fill.fgColor.rgb[-6:]}"


def values(payload: dict) -> dict:
    return {s["name"]: [list(r) for r in s["values"]] for s in payload["sheets"] if s["name"] != RESULTS_SHEET}


@pytest.mark.parametrize("seed", seeds(5, 63))
@pytest.mark.parametrize("client", ("VBA", "Office.js"))
def test_validate_then_clear_leaves_the_unit_s_cells_as_they_were(tmp_path, seed, client):
    rng = random.Random(seed)
    unit = unit_book(rng, tmp_path)
    src, context = unit.path, f"seed {seed} ({client}): {unit.done}"
    result = check_file(src)
    payload = payload_from_file(src, client=client)
    actions, once = actions_of(payload, ep.validate)
    marked = apply_actions(payload, actions)
    assert result.forms, context
    sheets = {s["name"] for s in payload["sheets"]}
    named = {(d.sheet, d.cell) for d in result.diagnostics if d.sheet in sheets and d.cell
             and not (client == "VBA" and d.code == "S002")}
    assert named <= set(once.marked) <= named | set(graded_cells(result)), (context, named ^ set(once.marked))
    assert values(marked) == values(payload), context
    painted = {(s, f"{column_letter(c)}{r + 1}") for s, r, c in marked["fills"] if s != RESULTS_SHEET}
    assert painted == set(once.marked), context

    actions, twice = actions_of(marked, ep.validate)
    again = apply_actions(marked, actions)
    assert twice.marked == once.marked and said(twice.diagnostics) == said(once.diagnostics), context
    assert again["fills"] == marked["fills"] and again["sheets"] == marked["sheets"], context

    actions, cleared_outcome = actions_of(again, ep.clear_marks)
    cleared = apply_actions(again, actions)
    assert "有变动" not in cleared_outcome.message, context
    assert [s["name"] for s in cleared["sheets"]] == [s["name"] for s in payload["sheets"]], context
    assert values(cleared) == values(payload), context
    book = load_workbook(src)
    blank = "#FFFFFF" if client == "VBA" else None  # the VBA client cannot take a fill off: it paints white
    guessed = {k: f"#{v}" for k, v in ep._template_fills(result.forms).items()}
    for (sheet, r, c), colour in cleared["fills"].items():
        cell = f"{column_letter(c)}{r + 1}"
        if sheet == RESULTS_SHEET or (sheet, cell) in unit.filled:
            continue  # no client sends a cell's colour: the unit's own is not known to the add-in
        had = file_fill(book[sheet], cell)
        if had is None and colour == guessed.get((sheet, cell)):
            continue  # typed by hand at our template's places: the add-in takes it for the template (README)
        assert colour == (had or blank), (context, sheet, cell, colour)


def corrected(rng: random.Random, result, path: Path) -> tuple[str, str, object] | None:
    """What the unit changes after reading the marks: (sheet, cell, new value) for an amount or an indicator's forecast
    corrected, or (sheet, "row", number) for a row inserted there (on a sheet with no merged cells, which openpyxl
    would leave where they were)."""
    cells = [(form.sheet, row.cells[f], getattr(row, f)) for form in result.forms for row in form.funding
             for f in AMOUNTS if f in row.cells and isinstance(getattr(row, f), (int, float))]
    cells += [(form.sheet, ind.cells["forecast"], None) for form in result.forms for ind in form.indicators
              if "forecast" in ind.cells]
    book = load_workbook(path)
    unmerged = [form for form in result.forms if not book[form.sheet].merged_cells.ranges and len(form.indicators) > 1]
    if unmerged and rng.random() < 0.4:
        form = rng.choice(unmerged)
        return form.sheet, "row", rng.choice([*(i.row for i in form.indicators[1:]), form.funding[-1].row_number])
    if not cells:
        return None
    sheet, cell, now = rng.choice(cells)
    return sheet, cell, round(now * rng.uniform(0.5, 1.5), 2) if now is not None else rng.choice(("达成", "80%", None))


def edited(path: Path, out: Path, sheet: str, cell: str, value) -> Path:
    """The workbook with one cell typed over or a row inserted, saved again (as the unit saves it in Excel) to `out`."""
    book = load_workbook(path, rich_text=True, keep_vba=False)
    ws = book[sheet]
    if cell == "row":
        ws.insert_rows(value)
    else:
        ws[target(ws, cell)] = value
    book.save(out)
    return out


@pytest.mark.parametrize("seed", seeds(2, 64))
def test_a_marked_copy_corrected_and_annotated_again_is_marked_as_the_corrected_original(tmp_path, seed):
    """The unit corrects a value or inserts a row in the marked copy itself, saves it and runs --annotate on it again:
    its marks are those of the original changed alike, none left over from the first run, none stacked."""
    rng = random.Random(seed)
    unit = unit_book(rng, tmp_path)
    src, context = unit.path, f"seed {seed}: {unit.done}"
    result = check_file(src)
    change = corrected(rng, result, src)
    if change is None:
        pytest.fail(f"{context}: no form read")
    context += f", corrected {change}"
    out = tmp_path / "标注.xlsx"
    assert run("check", str(src), "--annotate", str(out))[0] in (0, 1), context
    fixed_copy = edited(out, tmp_path / "标注 改.xlsx", *change)
    fixed = edited(src, tmp_path / "原表 改.xlsx", *change)
    again, direct = tmp_path / "再标注.xlsx", tmp_path / "直接标注.xlsx"
    assert run("check", str(fixed_copy), "--annotate", str(again))[0] == \
        run("check", str(fixed), "--annotate", str(direct))[0], context
    same_workbooks(direct, again, context)
