"""What each button of the 绩效监控 ribbon does, for any xlwings Book.

One implementation for every front end: desktop Excel calls `main(name)` through RunPython
(`xw.Book.caller()`), xlwings Server calls the same functions through `server/scripts.py` with a
remote Book built from the client's payload. Each function reads value grids from the book,
asks the core, and writes back only what the client can apply (see adapters/xlwings_book.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import xlwings_book as xb
from .check import OWN_SHEETS, check_sheets, hidden_sheets, no_forms
from .diagnostics import SEVERITY_ZH, Diagnostic
from .form_plan import plan_form
from .grid import Grid, parse_address
from .marks import GRADE_ZH, NO_FINDINGS, RESULTS_HEADER, MarkPlan, fill_of, plan_marks, results_row
from .profile import Profile, load_profile
from .recalc import CellEdit, plan_calculation, template_fills
from .sheetnames import RESULTS_SHEET, STATE_SHEET

STATE_MARKER = "xlmon-marks-xlwings/1"
STATE_COLUMN = "J"  # the record of marks sits right of the findings, in the same sheet
STATE_HEADER = (STATE_MARKER, "工作表", "单元格", "标记颜色", "原颜色", "所在行")
STATE_NOTE = "以上为“清除标记”所用的标记记录，请勿修改。"
NO_FILL = "无"
SHEET_ROW = "工作表"  # a row of the record naming a sheet the book had, in order, to follow it when renamed


@dataclass
class Outcome:
    """What a button did, for its alert and for tests."""

    message: str
    edits: list[CellEdit] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    marked: dict[tuple[str, str], str] = field(default_factory=dict)  # (sheet, cell) → colour


# ---------------------------------------------------------------------------------- buttons

def calculate(book: Any, profile: Profile | None = None) -> Outcome:
    """计算: make 小计, 资金总额, 下达率 and 支出进度 right on every form of the book."""
    grids = xb.form_grids(book)
    result = check_sheets(grids, profile or load_profile())
    if not result.forms:
        return _tell(book, Outcome(f"{no_forms(result)}，未做任何计算。"), "warning")
    edits = plan_calculation(result.forms, grids)
    for edit in edits:
        sheet = book.sheets[edit.sheet]
        if edit.number_format and xb.can(book, "setNumberFormat"):  # first: a number written into a cell
            sheet[edit.cell].number_format = edit.number_format  # formatted as text would stay text
        sheet[edit.cell].value = edit.value  # a number, None, or our own formula: never user text
    if not edits:
        text = f"计算完成：{len(result.forms)} 张表的小计、资金总额、下达率和支出进度均正确，未做修改。"
    else:
        shown = "\n".join(f"{e.sheet}!{e.cell} {e.note}" for e in edits[:15])
        more = f"\n……另有 {len(edits) - 15} 处" if len(edits) > 15 else ""
        text = f"计算完成：更正 {len(edits)} 个单元格。\n{shown}{more}"
    return _tell(book, Outcome(text, edits=edits))


def validate(book: Any, profile: Profile | None = None) -> Outcome:
    """校验: every rule; colour graded and faulty cells; list the findings in 校验结果."""
    profile = profile or load_profile()
    if STATE_SHEET in _names(book):
        return _tell(book, Outcome("此工作簿带有命令行 xlmon check --annotate 做的标注，"
                                   "请先用 xlmon clear 清除后再校验。"), "warning")
    state = _read_state(book)
    lost = ""
    if state is not None:
        _clear(book, state[0])
        lost = _lost_note(state[1])
    elif RESULTS_SHEET in _names(book):  # the user's own sheet of that name, or ours with its record deleted
        return _tell(book, Outcome(_NOT_OURS + "为免覆盖，未校验：请将该表改名或删除后再点击“校验”。"), "warning")
    grids = xb.form_grids(book)
    result = check_sheets(grids, profile)
    result.diagnostics[:0] = hidden_sheets(result.forms, xb.hidden_sheets(book))
    if not result.forms and not any(d.code == "S131" for d in result.diagnostics):  # no form, none to be filled in
        return _tell(book, Outcome(f"{no_forms(result)}，未做校验。{lost}"), "warning")
    name = xb.book_name(book)
    for d in result.diagnostics:
        d.file = name
    plan = plan_marks(result.forms, result.diagnostics, profile.colours())
    marked = _apply_marks(book, plan, _template_fills(result.forms))
    _write_results(book, plan.diagnostics, marked, grids)
    counts = Counter(d.severity for d in result.diagnostics)
    grades = Counter(_grades(result.forms))
    findings = "，".join(f"{SEVERITY_ZH[s]} {counts[s]} 项" for s in ("error", "warning", "info"))
    graded = "，".join(f"{GRADE_ZH[g]}色 {grades[g]} 项" for g in ("red", "yellow", "green"))
    text = (f"校验完成：{len(result.forms)} 张表。\n问题：{findings}。\n偏差等级：{graded}。\n"
            f"{'已在单元格上标色，' if marked else ''}明细见“{RESULTS_SHEET}”表。{lost}")
    mode = "critical" if counts["error"] else ("warning" if counts["warning"] else "info")
    return _tell(book, Outcome(text, diagnostics=result.diagnostics, marked=marked), mode)


_NOT_OURS = (f"工作簿中已有名为“{RESULTS_SHEET}”的工作表，但其中没有 xlmon 的标记记录（J–N 列）：可能是自建的表，"
             "或记录已被删除。")


def clear_marks(book: Any) -> Outcome:
    """清除标记: take off exactly the colours 校验 put on, and remove the 校验结果 sheet."""
    state = _read_state(book)
    if state is None:
        if STATE_SHEET in _names(book) and RESULTS_SHEET in _names(book):
            return _tell(book, Outcome("此工作簿的标注由命令行 xlmon check --annotate 生成，请用 xlmon clear 清除。"),
                         "warning")
        if RESULTS_SHEET in _names(book):
            return _tell(book, Outcome(_NOT_OURS + "没有清除任何内容。"), "warning")
        return _tell(book, Outcome(f"没有找到“{RESULTS_SHEET}”表，没有需要清除的标记。"))
    records, lost = state
    count, moved = _clear(book, records)
    text = f"已清除 {count} 处标记和“{RESULTS_SHEET}”表。{_lost_note(lost)}"
    if moved:
        shown = "、".join(f"{sheet}!{cell}" for sheet, cell in moved[:10]) + (" 等" if len(moved) > 10 else "")
        text += (f"\n另有 {len(moved)} 处标记所在的行在校验后有变动（可能插入或删除了行），其颜色未作改动，"
                 f"请手工检查：{shown}。")
    return _tell(book, Outcome(text), "warning" if moved or lost else "info")


def new_project_form(book: Any, year: int | None = None, months: int | None = None) -> Outcome:
    """新建项目表: a new, empty project form sheet, laid out as our template."""
    from .adapters.xlwings_form import write_form
    from .templates import COMMITTED

    names = _names(book)
    n = 1
    while f"项目表{n}" in names:
        n += 1
    name = f"项目表{n}"
    plan = plan_form("project", year=year or COMMITTED["year"], months=months or COMMITTED["months"])
    sheet = xb.add_sheet(book, name)
    skipped = write_form(book, sheet, plan)
    text = f"已新增“{name}”表，请填写项目名称、资金和指标。"
    if skipped:
        text += f"\n当前客户端不支持{'、'.join(skipped)}，这些格式未设置；可改用“模板”文件。"
    return _tell(book, Outcome(text))


def consolidate_folder(book: Any, folder: str | Path | None = None, open_summary: bool = True) -> Outcome:
    """汇总 (desktop): the workbooks of a chosen folder into a new summary workbook, then open it."""
    if xb.is_remote(book):
        return _tell(book, Outcome("请在“汇总”任务窗格中选择各单位报送的工作簿。"))
    if folder is None:
        picked = _pick_folder(book)
        if picked is False:
            return _tell(book, Outcome("已取消汇总。"))
        folder = picked or xb.book_folder(book)
    folder = Path(folder) if folder else None
    if folder is None:
        return _tell(book, Outcome("请先保存本工作簿，或选择存放各单位报送文件的文件夹。"), "warning")

    def progress(done: int, total: int) -> None:
        xb.status(book, f"xlmon 汇总：已读取 {done}/{total} 个文件")

    try:
        message, output = summarise_folder(folder, progress)
    finally:
        xb.status(book, None)
    if output is None:
        return _tell(book, Outcome(message), "warning")
    if open_summary:
        book.app.books.open(str(output))
    return _tell(book, Outcome(message))


def summarise_folder(folder: Path, progress=None) -> tuple[str, Path | None]:
    """The folder's workbooks into a new 部门汇总.xlsx beside them (never over an existing one), checked
    against the roster kept in the folder (…名单….xlsx/.csv) when there is one, and carrying the 部门整体 the
    department completed in its latest earlier summary there."""
    from .atomic import free_name
    from .consolidate.roster import folder_roster, found_roster
    from .consolidate.run import carry_note, consolidate, edits_note, folder_summary
    from .file_errors import os_reason, others_note

    output = free_name(folder / "部门汇总.xlsx")
    roster_file, roster_note = folder_roster(folder)
    roster = None
    if roster_file:
        roster, roster_note = found_roster(roster_file)
    earlier = folder_summary(folder)
    try:
        summary = consolidate([folder], output, roster=roster, progress=progress, roster_file=roster_file,
                              carry_from=earlier)
    except OSError as exc:  # a share the department head may only read, a full disk
        return (f"无法在文件夹“{folder}”中保存汇总表（{os_reason(exc)}）：请确认可以在该文件夹中新建文件，"
                "或把各单位的文件复制到一个可写入的文件夹后再汇总。未生成任何文件。"), None
    rejected = sum(1 for f in summary.files if f.status == "rejected")
    if not (summary.projects or summary.overall):
        return (f"文件夹“{folder}”中没有可汇总的绩效运行监控表。{_why_not(summary.files)}{others_note(summary.others)}"
                f"{roster_note}"), None
    if roster:
        roster_note = (f"按单位名单（{roster_file.name}）核对：未报送 {len(summary.missing_units)} 个"
                       f"{summary.other_period_note}，"
                       f"不在名单中 {len(summary.unlisted_units)} 个，详见汇总表。")
    elif not roster_note:
        roster_note = "提示：在该文件夹中放一个文件名含“名单”的 .xlsx 或 .csv 单位名单，即可列出未报送的单位。"
    carried = f"{earlier.name}：{carry_note(summary)}" if earlier else ""
    return (f"汇总完成：{len(summary.units)} 个单位，{len(summary.projects)} 个项目，{rejected} 个文件未采用，"
            f"汇总表已保存为 {output}。{_not_taken(summary.files)}{others_note(summary.others)}{roster_note}{carried}"
            f"{edits_note(summary)}", output)


SHOWN_REJECTED = 5  # files named in the 汇总 alert with their reasons; the rest are counted


def _why_not(files: list) -> str:
    """Why a folder gave nothing, for the alert: no workbook at all, or the first files and their reasons."""
    if not files:
        return "文件夹中没有工作簿文件（.xlsx/.xlsm/.xls）。"
    return _listed(files, files)


def _not_taken(files: list) -> str:
    """The first files left out of the summary, each with its reason, as the command line and the web page list
    them, and how many were earlier months of forms sent for this period (K018); '' when every file was taken."""
    from .consolidate.records import left_out

    rejected, kept = left_out(files)
    earlier = f"另有 {kept} 个文件是前期的表，本期的表已另行报送，无需处理。" if kept else ""
    return (_listed(rejected, files) if rejected else "") + earlier


def _listed(shown: list, files: list) -> str:
    """The first of `shown` named as among `files` (一科/监控表.xlsx where two share a name), with their reasons."""
    from .consolidate.aggregate import shown_names

    names = shown_names(f.path for f in files)
    listed = "；".join(f"{names[f.path]}（{(f.reason or '未说明原因').rstrip('。')}）" for f in shown[:SHOWN_REJECTED])
    more = f" 等 {len(shown)} 个" if len(shown) > SHOWN_REJECTED else ""
    return f"未采用的文件{more}：{listed}。"


def report(book: Any) -> str:
    """生成报告: the 分析报告 draft beside the workbook (desktop); see report/addin.py."""
    from .report.addin import report as draft

    return draft(book)


# Names the ribbon's dispatch routine uses (desktop RunPython and the server's scripts).
BUTTONS = {"calculate": calculate, "validate": validate, "clear_marks": clear_marks,
           "new_project_form": new_project_form, "consolidate": consolidate_folder, "report": report}


def main(name: str) -> None:
    """Desktop entry: `RunPython "import xlmon.entry_points as x; x.main('validate')"`."""
    import xlwings as xw

    book = xw.Book.caller()
    try:
        BUTTONS[name](book)
    except ValueError as exc:  # a condition xlmon says in Chinese (a used range too large to hand over)
        xb.alert(book, f"xlmon：{exc}", mode="critical")
    except Exception as exc:  # one Chinese alert, and no second box of xlwings' with the English traceback
        xb.alert(book, f"xlmon 运行出错（{type(exc).__name__}: {exc}），请将此信息告知技术支持。", mode="critical")


# ---------------------------------------------------------------------------------- marks

def _template_fills(forms) -> dict[tuple[str, str], str]:
    """What our template had in each cell before marking, where a sheet is laid out as it."""
    return {(form.sheet, cell): fill for form in forms for cell, fill in (template_fills(form) or {}).items()}


def _apply_marks(book: Any, plan: MarkPlan, template_fills: dict) -> dict[tuple[str, str], tuple[str, str | None]]:
    marked: dict[tuple[str, str], tuple[str, str | None]] = {}
    names = set(_names(book))
    for mark in plan.marks:
        colour = fill_of(mark)
        if colour is None or mark.sheet not in names:
            continue
        sheet = book.sheets[mark.sheet]
        original = xb.read_colour(sheet, mark.cell)
        if original is False:
            original = template_fills.get((mark.sheet, mark.cell))
        xb.set_colour(book, sheet, mark.cell, colour)
        marked[(mark.sheet, mark.cell)] = (colour, original)
    return marked


def _write_results(book: Any, diagnostics: list[Diagnostic], marked: dict, grids: dict[str, Grid]) -> None:
    sheet = xb.add_sheet(book, RESULTS_SHEET)
    if diagnostics:
        rows = [list(RESULTS_HEADER)] + [results_row(i, d) for i, d in enumerate(diagnostics, start=1)]
    else:
        rows = [[NO_FINDINGS]]
    xb.write_rows(sheet, "A1", rows)
    names = set(_names(book))
    for i, d in enumerate(diagnostics, start=2):
        if d.sheet and d.cell and d.sheet in names and d.sheet not in OWN_SHEETS:
            quoted = d.sheet.replace("'", "''")
            sheet[f"D{i}"].add_hyperlink(f"#'{quoted}'!{d.cell}", d.cell, f"转到 {d.sheet}!{d.cell}")
    state = [list(STATE_HEADER)] + [["", s, c, colour, original or NO_FILL, _content(grids, s, c)]
                                    for (s, c), (colour, original) in marked.items()]
    state += [[SHEET_ROW, name] for name in _names(book) if name != RESULTS_SHEET]
    state.append([STATE_NOTE])
    xb.write_rows(sheet, f"{STATE_COLUMN}1", state)
    if diagnostics and xb.can(book, "setRangeColor"):
        sheet[f"A1:{chr(64 + len(RESULTS_HEADER))}1"].color = "#D9E1F2"


_UNRECORDED = object()  # a record written before contents were kept: nothing to compare with


def _content(grids: dict[str, Grid], sheet: str, cell: str) -> Any:
    """The row a marked cell is in, by its first text (its label: 市级财政资金, an indicator's 一级/三级 name):
    清除标记 restores the colour only while that row is still there, so a row inserted above, which moves the
    marks, is told from a value the unit corrected after 校验, whose mark must come off."""
    grid = grids.get(sheet)
    return _row_text(grid, parse_address(cell)[0]) if grid else None


def _row_text(grid: Grid, r: int) -> str | None:
    row = grid[r] if 0 <= r < len(grid) else []
    return next((v.strip() for v in row if isinstance(v, str) and v.strip()), None)


def _read_state(book: Any) -> tuple[list[tuple[str, str, str, str | None, Any]], dict[str, int]] | None:
    """The marks recorded by the last 校验, each on its sheet as called now, and the number on each sheet that is gone
    where another may be it renamed (_follow_renames); None when the sheet holds no record of ours."""
    if RESULTS_SHEET not in _names(book):
        return None
    grid = xb.sheet_grid(book.sheets[RESULTS_SHEET])
    col = ord(STATE_COLUMN) - 65
    if not grid or len(grid[0]) <= col or grid[0][col] != STATE_MARKER:
        return None
    kept = len(grid[0]) > col + 5 and grid[0][col + 5] == STATE_HEADER[5]  # not the earlier 当时内容 either
    records, sheets = [], []
    for row in grid[1:]:
        cells = (row + [None] * 6)[col:col + 6]
        kind, sheet, cell, colour, original, content = cells
        if kind == SHEET_ROW and sheet:
            sheets.append(str(sheet))
        if not sheet or not cell:
            continue
        records.append((str(sheet), str(cell), str(colour or ""), None if original in (None, NO_FILL) else str(original),
                        content if kept else _UNRECORDED))
    return _follow_renames(book, records, sheets)


def _follow_renames(book: Any, records: list, then: list[str]) -> tuple[list, dict[str, int]]:
    """The records with each sheet renamed since 校验 called by its new name, and how many marks are on each sheet gone
    that more than one new sheet may be. The record lists the book's sheets as they were. A renamed sheet keeps its
    place: a new sheet where a marked one was, whose rows hold what was marked on it, is that sheet renamed (its old
    name may be a new sheet's now, as 新建项目表 takes the first free 项目表N); else a sheet still called so is it; else
    one gone is the new sheet holding its rows in its place among the sheets still there (between the same two), or
    the only one anywhere."""
    now = [n for n in _names(book) if n != RESULTS_SHEET]
    marked = [n for n in then if any(r[0] == n for r in records)]
    new = [n for n in now if n not in then]
    if not new or not marked:
        return records, {}
    grids: dict[str, Grid] = {}

    def holds(name: str, old: str) -> bool:
        if name not in grids:
            grids[name] = xb.sheet_grid(book.sheets[name])
        return all(r[4] is not _UNRECORDED and _same_content(_row_text(grids[name], parse_address(r[1])[0]), r[4])
                   for r in records if r[0] == old)

    renamed: dict[str, str] = {}
    for old in marked:
        at = then.index(old)
        there = now[at] if at < len(now) else None
        if there != old and there in new and there not in renamed.values() and holds(there, old):
            renamed[old] = there
    gone = [n for n in marked if n not in now and n not in renamed]
    common = [n for n in then if n in now]
    anchors = common if common == [n for n in now if n in then] else []  # sheets moved: no place to go by
    for before, after in zip(_gaps(then, anchors), _gaps(now, anchors)):
        before, fresh = [n for n in before if n in gone], [n for n in after if n in new]
        for at, old in enumerate(before):
            free = [n for n in fresh if n not in renamed.values() and holds(n, old)]
            if at < len(fresh) and fresh[at] in free:
                renamed[old] = fresh[at]
            elif len(free) == 1:
                renamed[old] = free[0]
    lost: dict[str, int] = {}
    for old in gone:
        if old not in renamed:
            free = [n for n in new if n not in renamed.values() and holds(n, old)]
            if len(free) == 1:
                renamed[old] = free[0]
            elif free:
                lost[old] = sum(r[0] == old for r in records)
    return [(renamed.get(r[0], r[0]), *r[1:]) for r in records], lost


def _lost_note(lost: dict[str, int]) -> str:
    if not lost:
        return ""
    names = "”“".join(lost)
    return (f"\n上次校验在工作表“{names}”上所做的 {sum(lost.values())} 处标记未能清除：这些工作表已不在，如是改了名，"
            "请手工去掉其上的颜色。")


def _gaps(names: list[str], anchors: list[str]) -> list[list[str]]:
    """The names before the first anchor, between each two, and after the last."""
    out: list[list[str]] = [[]]
    for name in names:
        if name in anchors:
            out.append([])
        else:
            out[-1].append(name)
    return out


def _clear(book: Any, records: list[tuple[str, str, str, str | None, Any]]) -> tuple[int, list[tuple[str, str]]]:
    """Restore the recorded cells and drop 校验结果: the number put back, and the cells left as they are because
    they no longer hold what was marked (a row inserted above moved it: the colour there is not ours to undo)."""
    names = set(_names(book))
    grids: dict[str, Grid] = {}
    restored, moved = 0, []
    for sheet_name, cell, applied, original, content in records:
        if sheet_name not in names:
            continue
        sheet = book.sheets[sheet_name]
        now = xb.read_colour(sheet, cell)
        if now is not False and (now or "").upper() != applied.upper():
            continue  # the user recoloured the cell since: theirs now
        if content is not _UNRECORDED:
            if sheet_name not in grids:
                grids[sheet_name] = xb.sheet_grid(sheet)
            if not _same_content(_row_text(grids[sheet_name], parse_address(cell)[0]), content):
                moved.append((sheet_name, cell))
                continue
        xb.set_colour(book, sheet, cell, original)
        restored += 1
    xb.delete_sheet(book, RESULTS_SHEET)
    return restored, moved


def _same_content(now: Any, then: Any) -> bool:
    if now in (None, "") or then in (None, ""):
        return now in (None, "") and then in (None, "")
    if isinstance(now, (int, float)) and isinstance(then, (int, float)):
        return abs(now - then) <= 1e-9 * max(1.0, abs(now))
    return str(now).lstrip("'") == str(then).lstrip("'")


# ---------------------------------------------------------------------------------- helpers

def _names(book: Any) -> list[str]:
    return [s.name for s in book.sheets]


def _grades(forms) -> list[str]:
    grades = []
    for form in forms:
        grades += [r.grade for r in form.funding if r.grade]
        grades += [i.grade for i in form.indicators if i.grade]
    return grades


def _tell(book: Any, outcome: Outcome, mode: str = "info") -> Outcome:
    xb.alert(book, outcome.message, mode=mode)
    return outcome


def _pick_folder(book: Any) -> Path | None | bool:
    """Excel's own folder picker on Windows (msoFileDialogFolderPicker): the folder, False if the
    user cancelled, None where there is no such dialog (macOS), so the workbook's folder is used."""
    try:
        dialog = book.app.api.FileDialog(4)
    except Exception:
        return None
    start = xb.book_folder(book)
    if start:
        dialog.InitialFileName = str(start) + "\\"
    if dialog.Show() != -1:
        return False
    return Path(dialog.SelectedItems(1))
