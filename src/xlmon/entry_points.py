"""What each button of the 绩效监控 ribbon does, for any xlwings Book.

One implementation for every front end: desktop Excel calls `main(name)` through RunPython
(`xw.Book.caller()`), xlwings Server calls the same functions through `server/scripts.py` with a
remote Book built from the client's payload. Each function reads value grids from the book,
asks the core, and writes back only what the client can apply (see adapters/xlwings_book.py).
The rule profile is the server's (`xlmon serve --profile`), or on the desktop the one
`xlmon addin install --profile` installed, else the built-in one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .adapters import xlwings_book as xb
from .addin_setup import installed_profile
from .addin_marks import apply_marks, clear_recorded, lost_note, read_state, sheet_names, write_results
from .check import check_sheets, hidden_sheets, no_forms
from .diagnostics import SEVERITY_ZH, Diagnostic
from .form_plan import plan_form
from .marks import GRADE_ZH, plan_marks
from .profile import Profile
from .recalc import CellEdit, plan_calculation, template_fills
from .sheetnames import RESULTS_SHEET, STATE_SHEET

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
    result = check_sheets(grids, profile or installed_profile())
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
    profile = profile or installed_profile()
    if STATE_SHEET in sheet_names(book):
        return _tell(book, Outcome("此工作簿带有命令行 xlmon check --annotate 做的标注，"
                                   "请先用 xlmon clear 清除后再校验。"), "warning")
    state = read_state(book)
    lost = ""
    if state is not None:
        kept = clear_recorded(book, state[0], state[2])[2]
        lost = lost_note(state[1]) + (f"\n{kept}" if kept else "")
    elif RESULTS_SHEET in sheet_names(book):  # the user's own sheet of that name, or ours with its record deleted
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
    marked = apply_marks(book, plan, _template_fills(result.forms))
    write_results(book, plan.diagnostics, marked, grids)
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
    state = read_state(book)
    if state is None:
        if STATE_SHEET in sheet_names(book) and RESULTS_SHEET in sheet_names(book):
            return _tell(book, Outcome("此工作簿的标注由命令行 xlmon check --annotate 生成，请用 xlmon clear 清除。"),
                         "warning")
        if RESULTS_SHEET in sheet_names(book):
            return _tell(book, Outcome(_NOT_OURS + "没有清除任何内容。"), "warning")
        return _tell(book, Outcome(f"没有找到“{RESULTS_SHEET}”表，没有需要清除的标记。"))
    records, lost, where = state
    count, moved, kept = clear_recorded(book, records, where)
    text = (f"已清除 {count} 处标记。{kept}" if kept else f"已清除 {count} 处标记和“{RESULTS_SHEET}”表。") + lost_note(lost)
    if moved:
        shown = "、".join(f"{sheet}!{cell}" for sheet, cell in moved[:10]) + (" 等" if len(moved) > 10 else "")
        text += (f"\n另有 {len(moved)} 处标记所在的行在校验后有变动（可能插入或删除了行），其颜色未作改动，"
                 f"请手工检查：{shown}。")
    return _tell(book, Outcome(text), "warning" if moved or lost else "info")


def new_project_form(book: Any, year: int | None = None, months: int | None = None,
                     profile: Profile | None = None) -> Outcome:
    """新建项目表: a new, empty project form sheet, laid out as our template made with the profile (its indicator
    groups and the colours of 支出进度)."""
    from .adapters.xlwings_form import write_form
    from .templates import COMMITTED

    names = sheet_names(book)
    n = 1
    while f"项目表{n}" in names:
        n += 1
    name = f"项目表{n}"
    profile = profile or installed_profile()
    plan = plan_form("project", year=year or COMMITTED["year"], months=months or COMMITTED["months"],
                     hierarchy=profile.levels(), profile=profile)
    sheet = xb.add_sheet(book, name)
    skipped = write_form(book, sheet, plan)
    text = f"已新增“{name}”表，请填写项目名称、资金和指标。"
    if skipped:
        text += f"\n当前客户端不支持{'、'.join(skipped)}，这些格式未设置；可改用“模板”文件。"
    return _tell(book, Outcome(text))


def consolidate_folder(book: Any, folder: str | Path | None = None, open_summary: bool = True,
                       profile: Profile | None = None) -> Outcome:
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
        message, output = summarise_folder(folder, progress, profile or installed_profile())
    finally:
        xb.status(book, None)
    if output is None:
        return _tell(book, Outcome(message), "warning")
    if open_summary:
        book.app.books.open(str(output))
    return _tell(book, Outcome(message))


def summarise_folder(folder: Path, progress=None, profile: Profile | None = None) -> tuple[str, Path | None]:
    """The folder's workbooks into a new 部门汇总.xlsx beside them (never over an existing one), checked
    against the roster kept in the folder (…名单….xlsx/.csv) when there is one, and carrying the 部门整体 the
    department completed in its latest earlier summary there (one skipped as last time's; a department's summary
    in a bureau's folder is that department's form, consolidated, never the bureau's own)."""
    from .atomic import free_name
    from .consolidate.roster import folder_roster, found_roster
    from .consolidate.run import consolidate
    from .consolidate.said import roster_checked, summary_said
    from .file_errors import os_reason, others_note

    output = free_name(folder / "部门汇总.xlsx")
    roster_file, roster_note = folder_roster(folder)
    roster = None
    if roster_file:
        roster, roster_note = found_roster(roster_file)
    try:
        summary = consolidate([folder], output, roster=roster, progress=progress, roster_file=roster_file,
                              carry_latest=True, profile=profile)
    except OSError as exc:  # a share the department head may only read, a full disk
        return (f"无法在文件夹“{folder}”中保存汇总表（{os_reason(exc)}）：请确认可以在该文件夹中新建文件，"
                "或把各单位的文件复制到一个可写入的文件夹后再汇总。未生成任何文件。"), None
    if not (summary.projects or summary.overall):
        return (f"文件夹“{folder}”中没有可汇总的绩效运行监控表。{_why_not(summary.files)}{others_note(summary.others)}"
                f"{roster_note}"), None
    if roster:
        roster_note = roster_checked(summary, roster_file.name)
    elif not roster_note:
        roster_note = "提示：在该文件夹中放一个文件名含“名单”的 .xlsx 或 .csv 单位名单，即可列出未报送的单位。"
    return summary_said(summary, f"汇总表已保存为 {output}", roster_note), output


def _why_not(files: list) -> str:
    """Why a folder gave nothing, for the alert: no workbook at all, or the first files and their reasons."""
    from .consolidate.aggregate import shown_names
    from .consolidate.said import listed

    if not files:
        return "文件夹中没有工作簿文件（.xlsx/.xlsm/.xls）。"
    return listed(files, shown_names(f.path for f in files))


def report(book: Any, profile: Profile | None = None) -> str:
    """生成报告: the 分析报告 draft beside the workbook (desktop); see report/addin.py."""
    from .report.addin import report as draft

    return draft(book, profile or installed_profile())


# Names the ribbon's dispatch routine uses (desktop RunPython and the server's scripts).
BUTTONS = {"calculate": calculate, "validate": validate, "clear_marks": clear_marks,
           "new_project_form": new_project_form, "consolidate": consolidate_folder, "report": report}


def main(name: str) -> None:
    """Desktop entry: `RunPython "import xlmon.entry_points as x; x.main('validate')"`."""
    import xlwings as xw

    book = xw.Book.caller()
    try:
        BUTTONS[name](book)
    except ValueError as exc:  # a condition xlmon says in Chinese (a used range too large, a broken profile)
        xb.alert(book, f"xlmon：{exc}", mode="critical")
    except Exception as exc:  # one Chinese alert, and no second box of xlwings' with the English traceback
        xb.alert(book, f"xlmon 运行出错（{type(exc).__name__}: {exc}），请将此信息告知技术支持。", mode="critical")


# ---------------------------------------------------------------------------------- marks

def _template_fills(forms) -> dict[tuple[str, str], str]:
    """What our template had in each cell before marking, where a sheet is laid out as it."""
    return {(form.sheet, cell): fill for form in forms for cell, fill in (template_fills(form) or {}).items()}


# ---------------------------------------------------------------------------------- helpers

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
