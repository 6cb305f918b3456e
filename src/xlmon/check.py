"""`xlmon check`: read every form of every workbook, calculate, and collect all diagnostics.

One bad file never stops the others; every finding is a Diagnostic naming file, sheet and cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .adapters.files import WorkbookValues, read_workbook, unpacked_refusal
from .calc import calculate
from .diagnostics import Diagnostic, has_errors, make
from .grading import grade_form
from .grid import Grid
from .sheetnames import RECORDS_SHEET, RESULTS_SHEET, STATE_SHEET, SUMMARY_ONLY, summary_sheets
from .models import Form
from .profile import Profile, load_profile
from .reader import read_form, sheet_keys
from .rules import run_rules

Status = Literal["ok", "invalid", "unreadable"]
OWN_SHEETS = {RESULTS_SHEET, STATE_SHEET, RECORDS_SHEET}  # what xlmon adds is never read as a form


@dataclass
class FileResult:
    path: str
    status: Status = "ok"
    forms: list[Form] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class SheetResult:
    forms: list[Form] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def check_sheets(sheets: dict[str, Grid], profile: Profile | None = None,
                 hidden_rows: dict[str, frozenset[int]] | None = None) -> SheetResult:
    """The core of every front end: value grids in, graded forms and all diagnostics out. hidden_rows: by sheet,
    the rows hidden in Excel (0-based), where the front end knows them."""
    profile = profile or load_profile()
    result = SheetResult()
    skipped: list[str] = []
    own = OWN_SHEETS | set(SUMMARY_ONLY) if RECORDS_SHEET in sheets else OWN_SHEETS
    if RECORDS_SHEET not in sheets and summary_sheets(sheets):  # its tables would pass for forms, and count twice
        result.diagnostics.append(make("F011", detail=RECORDS_SHEET))
        return result
    for name, grid in sheets.items():
        if name in own:
            continue
        start, hidden, keys = 0, (hidden_rows or {}).get(name, frozenset()), sheet_keys(grid)
        while True:  # a sheet may hold several forms, one below the other
            form, diags = read_form(grid, name, start, hidden, keys)
            if form is None:
                if not start:
                    skipped.append(name)
                break
            if unfilled(form):  # a spare copy of the form, or the template sent back as it came
                result.diagnostics.append(make("S131", sheet=name, cell=form.cells.get("title")))
            else:
                diags += calculate(form)
                grade_form(form, profile)
                diags += run_rules(form, profile)
                result.forms.append(form)
                result.diagnostics += diags
            if form.place is None or not start < form.place[1] < len(grid):
                break
            start = form.place[1]
    if not result.forms and not result.diagnostics:
        result.diagnostics.append(make("F007"))
    else:
        result.diagnostics += [make("S001", sheet=name) for name in skipped]
    return result


def no_forms(result: SheetResult) -> str:
    """Why a book gave no form to work on, for the buttons' alerts: none found, or none filled in yet."""
    if any(d.code == "S131" for d in result.diagnostics):
        return "本工作簿中的监控表尚未填写（没有总体目标、金额和绩效指标）"
    return "本工作簿中没有找到绩效运行监控表"


def unfilled(form: Form) -> bool:
    """Whether nothing has been typed into a form but what a template may come with (the project's, the unit's and
    the department's names: `xlmon template --project`): no goal, amount or indicator."""
    if form.goal or form.indicators or "goal" in form.unknown_texts:
        return False
    return not any(row.unreadable or row.errors or any(v is not None for v in row.typed.values())
                   for row in form.funding)


def hidden_sheets(forms: list[Form], hidden: set[str]) -> list[Diagnostic]:
    """S002 for each sheet hidden in Excel that holds a form, once for forms stacked on it."""
    return [make("S002", sheet=sheet) for sheet in dict.fromkeys(f.sheet for f in forms if f.sheet in hidden)]


def check_workbook(book: WorkbookValues, profile: Profile | None = None) -> FileResult:
    result = FileResult(book.path)
    if book.refusal:
        result.status = "unreadable"
        result.diagnostics.append(book.refusal.diagnostic())
    else:
        sheets = check_sheets(book.sheets, profile, book.hidden_rows)
        result.forms, result.diagnostics = sheets.forms, sheets.diagnostics
        result.diagnostics[:0] = hidden_sheets(result.forms, book.hidden)
        if book.macros:
            result.diagnostics.insert(0, make("F008"))
        result.status = "invalid" if has_errors(result.diagnostics) else "ok"
    for d in result.diagnostics:
        d.file = book.path
    return result


def check_file(path: str | Path, profile: Profile | None = None) -> FileResult:
    return check_workbook(read_workbook(path), profile)


def check_paths(paths: list[str | Path], profile: Profile | None = None) -> list[FileResult]:
    profile = profile or load_profile()
    results = [check_file(p, profile) for p in paths]
    for result in results:  # a zip whose workbooks came unpacked beside it is no file to see to
        if [d.code for d in result.diagnostics] == ["F009"]:
            refusal = unpacked_refusal(result.path, paths)
            if refusal is not None:
                result.diagnostics = [refusal.diagnostic(result.path)]
    return results
