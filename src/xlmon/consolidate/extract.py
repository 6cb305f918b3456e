"""One input file → FileOutcome. Runs in worker processes: returns plain records, keeps no workbook open."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .. import layout as L
from ..adapters.files import cannot_open, read_bytes, unlisted_folder
from ..calc import add, only_subtotal
from ..check import check_workbook
from ..file_errors import os_reason, readable, reader_failure
from ..grading import target_shown
from ..models import Form
from ..diagnostics import make
from ..profile import Profile, grading_differences
from ..rules.numbers import largest_amount
from ..text import plain_number
from ..sheetnames import RECORDS_SHEET, SUMMARY_SHEETS  # RECORDS_SHEET: a summary's hidden sheet, a record a row
from .edits import Edit, edit_diagnostics, same_amount, summary_edits
from .names import department_name
from .periods import majority_period
from .records import AMOUNTS, EARLIER_WAYS, PROJECT_CODE, Deviation, FileOutcome, FormRecord, overall_sums


def completion_typed(ind, field: str):
    """A completion (field: actual or forecast) as the unit typed it: 851平方米, 40%; a number typed alone stays a
    number. 指标偏差 and both reports quote it so."""
    value, unit = getattr(ind, field), ind.units.get(field)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and unit:
        return f"{plain_number(value)}{unit}"
    return value


def form_record(form: Form, path: str, hidden: bool = False, modified: float | None = None,
                sha256: str | None = None, saved: float | None = None) -> FormRecord:
    amounts: dict[str, dict[str, list[float | None]]] = {}
    unknown: dict[str, dict[str, list[str]]] = {}
    alone: dict[str, dict[str, float]] = {}  # 小计 typed alone (calc.only_subtotal), and 资金总额's share of them
    for row in form.funding:  # a source typed over two lines (S114) is one row of the record
        values, block = [getattr(row, f) for f in AMOUNTS], amounts.setdefault(row.block, {})
        block[row.row] = list(map(add, block[row.row], values)) if row.row in block else values
        if row.row != L.TOTAL_ROW and only_subtotal(form, row):
            shares = alone.setdefault(row.block, {})
            shares[row.row] = shares.get(row.row, 0.0) + row.typed["subtotal"]
    for row in form.funding:
        own = only_subtotal(form, row) and row.carryover is None and row.current is None  # no source summed into it
        if row.row == L.TOTAL_ROW and (share := sum(alone.get(row.block, {}).values()) or
                                       (row.typed["subtotal"] if own else 0.0)):
            alone.setdefault(row.block, {})[row.row] = share  # even where its own 小计 is unknown (a part unread)
        if row.unreadable:
            fields = [f for f in AMOUNTS if f in row.unreadable]
            if fields:
                known = unknown.setdefault(row.block, {}).get(row.row, [])
                unknown[row.block][row.row] = [f for f in AMOUNTS if f in fields or f in known]
    total = form.total("source")
    grades = {"green": 0, "yellow": 0, "red": 0}
    likelihoods = {"确定能": 0, "有可能": 0, "完全不可能": 0}
    deviations = []
    for ind in form.indicators:
        if ind.grade:
            grades[ind.grade] += 1
        if ind.likelihood:
            likelihoods[ind.likelihood] += 1
        if ind.grade in ("yellow", "red"):
            deviations.append(Deviation(ind.level1, ind.level2, ind.level3, target_shown(ind),  # a number typed
                                        completion_typed(ind, "actual"),  # alone stays a number
                                        completion_typed(ind, "forecast"),
                                        ind.likelihood, ind.reason, ind.remark, ind.grade,
                                        ind.cells.get("forecast")))
    code_match = PROJECT_CODE.search(form.project or "")
    largest = largest_amount(form)
    return FormRecord(
        kind=form.kind, file=path, sheet=form.sheet, unit=form.unit or (form.department if form.kind ==
                                                                         "department" else None),
        project=form.project, department=form.department, code=code_match.group(0) if code_match else None,
        year=form.year, months=form.months, amounts=amounts, unknown=unknown, alone=alone,
        funding_grade=total.grade if total else None,
        grade=form.grade, indicator_grades=grades, likelihoods=likelihoods, deviations=deviations,
        period_cell=form.cells.get("period"), hidden=hidden, place=list(form.place) if form.place else None,
        modified=modified, saved=saved, sha256=sha256, largest=list(largest) if largest else None,
        goal=form.goal if form.kind == "department" else None,
    )


class DamagedRecords(ValueError):
    """A summary's records sheet holds a line that is not a record xlmon wrote (edited or cut)."""


def summary_records(sheet: list[list]) -> tuple[list[FormRecord], list[dict]]:
    """Read back what an xlmon summary carries: its records and the diagnostics it listed. A line may
    run over several cells of its row (workbook._pieces)."""
    records, diagnostics = [], []
    for number, row in enumerate(sheet, 1):
        if not row or not isinstance(row[0], str) or not row[0].startswith("{"):
            continue
        line = "".join(cell for cell in row if isinstance(cell, str))
        try:
            item = json.loads(line)
            if item.get("type") == "diagnostic":
                diagnostics.append(item["data"])
            elif item.get("type") == "record":
                records.append(FormRecord.from_json(item["data"]))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DamagedRecords(f"隐藏工作表 {RECORDS_SHEET} 第 {number} 行的汇总记录已损坏") from exc
    return records, diagnostics


def _lines(sheet: list[list], kind: str) -> Iterator:
    """The data of a records sheet's lines of one type (records._line) that read; one that does not is left to
    summary_records to report."""
    start = f'{{"type":"{kind}"'
    for row in sheet:
        if row and isinstance(row[0], str) and row[0].startswith(start):
            try:
                yield json.loads("".join(cell for cell in row if isinstance(cell, str)))["data"]
            except (ValueError, KeyError, TypeError):
                continue


def made_in(sheet: list[list]) -> str | None:
    """The folder a summary was written in, as its records sheet keeps it (records.made_line)."""
    return next(_lines(sheet, "made"), None)


def profile_in(sheet: list[list]) -> Profile | None:
    """The rule profile a summary graded by, as its records sheet keeps it (records.profile_line); None for a
    summary written before it was kept, or one whose line no longer makes a profile."""
    data = next(_lines(sheet, "profile"), None)
    try:
        return Profile.model_validate(data) if isinstance(data, dict) else None
    except ValueError:
        return None


def read_through(records: list[FormRecord], path: str, hashes: dict[str, str] | None = None) -> None:
    """Records read back from the summary at `path` are its forms now: each names the file it came from as its
    source (and that file's SHA-256, where the summary kept it), and the summary as its file."""
    for r in records:
        if r.via is None:  # the innermost summary it came in: a department's that this one read, or this one
            r.via = r.file if r.from_summary else path
        r.source = r.source or r.file
        r.sha256 = r.sha256 or (hashes or {}).get(r.source)
        r.file = path
        r.finish()


def roster_in(sheet: list[list]) -> list[str]:
    """The roster a summary was checked against, as its records sheet keeps it (records.roster_line)."""
    names = next(_lines(sheet, "roster"), None)
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def left_in(sheet: list[list]) -> dict | None:
    """What a summary left out, as its records sheet keeps it (records.left_line); None where it keeps none."""
    left = next(_lines(sheet, "left"), None)
    if not isinstance(left, dict):
        return None
    rejected = [row for row in left.get("rejected") or () if isinstance(row, list) and len(row) == 2
                and all(isinstance(v, str) for v in row)]
    earlier = left.get("earlier") if isinstance(left.get("earlier"), int) else 0
    duplicates = [d for d in left.get("duplicates") or () if isinstance(d, str)]
    others = [d for d in left.get("others") or () if isinstance(d, str)]  # files no workbook in its input folders
    files = left.get("duplicate_files")  # none in an older xlmon's summary: its lines are all projects
    files = min(files, len(duplicates)) if isinstance(files, int) and files > 0 else 0
    return {"rejected": rejected, "earlier": earlier, "duplicates": duplicates, "duplicate_files": files,
            "others": others}


def listed_files(sheet: list[list]) -> list[list] | None:
    """文件清单's rows as a summary wrote them (records.file_line); None for one written before they were kept."""
    return list(_lines(sheet, "file")) or None


def file_hashes(sheet: list[list], records: list[FormRecord], diagnostics: list[dict]) -> dict[str, str]:
    """The SHA-256 of each file a summary's records and findings came from, by the path they name it by: as its
    records keep it (FormRecord.sha256), else as 文件清单 gave it (records.file_line), which names a file relative to
    the summary's folder or as given, where a record names it as given: the row naming the longest tail of the
    path. For records written before they kept their own, and the findings of a file that gave no form."""
    found = {r.source or r.file: r.sha256 for r in records if r.sha256}
    wanted = ({r.source or r.file for r in records} | {d.get("file") for d in diagnostics}) - {*found, None}
    if not wanted:
        return found
    listed = {str(row[0]).replace("\\", "/"): row[4] for row in listed_files(sheet) or ()
              if len(row) > 4 and row[0] and row[4]}
    for path in wanted:
        parts = readable(str(path)).replace("\\", "/").split("/")
        sha = next((listed[tail] for depth in range(len(parts), 0, -1) if (tail := "/".join(parts[-depth:])) in listed),
                   None)
        if sha:
            found[path] = sha
    return found


def completed_department_form(grid: list[list], records: list[FormRecord], path: str, profile: Profile,
                              sha256: str | None = None) -> tuple[list[FormRecord], list[dict]]:
    """A summary's 部门整体 sheet, once the department has completed it (its goal, an indicator, or an amount
    other than xlmon's pre-fill), is the department's own overall form: one level up it is read, checked and
    graded like a unit's, and takes the place of the overall forms of the units it consolidated (K006). It is
    known by the units the summary consolidated as well as by its 主管部门 line, which two sub-departments of one
    department both keep as xlmon pre-filled it (FormRecord.units). An untouched one changes nothing."""
    from ..diagnostics import make

    units = [r for r in records if r.kind == "department"]
    found = _completed_form(grid, units, profile)
    if found is None:
        return records, []
    form, findings = found
    own = form_record(form, path, sha256=sha256)
    own.units = list(dict.fromkeys(r.unit for r in records if r.unit)) or None
    # the whole department's: a unit that sent it project forms only, and its 部门整体 straight up, is in it too
    own.covers = own.units
    own.finish()
    replaced = f"，其下 {len(units)} 个单位的部门整体表不再单独计入" if units else ""
    listed = [make("K006", file=path, sheet=form.sheet, cell=form.cells.get("department"), replaced=replaced),
              *findings]
    for d in listed:
        d.file = path
    return [*(r for r in records if r.kind == "project"), own], [d.model_dump() for d in listed]


def _completed_form(grid: list[list], units: list[FormRecord], profile: Profile) -> tuple[Form, list] | None:
    """The department's 部门整体 form and its findings, or None while it is xlmon's pre-fill untouched."""
    from ..check import check_sheets

    result = check_sheets({SUMMARY_SHEETS[6]: grid}, profile)
    form = next((f for f in result.forms if f.kind == "department"), None)
    if form is None or not (form.goal or form.indicators or _amounts_differ(form, units)):
        return None
    return form, result.diagnostics


OVERALL_LINE = '{"type":"record","data":{"kind":"department"'  # how record_line starts a 部门整体 record


class NotCompleted(ValueError):
    """A file that holds no 部门整体 completed by a department: why, in Chinese."""


@dataclass
class Completed:
    """A summary's 部门整体 as the department completed it, and what xlmon pre-filled it with (what tells a
    pre-filled value from one the department typed): the units' overall records, and the department's name
    as the units' forms gave it."""

    path: str
    form: Form
    grid: list[list]
    units: list[FormRecord]
    department: str = ""


def read_completed(path: str | Path, profile: Profile) -> Completed:
    """An xlmon summary's completed 部门整体. Reads only what it needs: 部门整体, and the overall records."""
    from python_calamine import CalamineWorkbook

    from ..adapters.files import normalise
    from ..adapters.safety import inspect_bytes

    name = Path(path).name
    try:
        data = Path(path).read_bytes()
        refusal = inspect_bytes(data, name)
        if refusal is not None:
            raise NotCompleted(f"“{name}”无法读取：{refusal.diagnostic().message.rstrip('。')}")
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not {RECORDS_SHEET, SUMMARY_SHEETS[6]} <= set(book.sheet_names):
            raise NotCompleted(f"“{name}”不是 xlmon 生成的汇总表（没有部门整体表和汇总记录）")
        grid = normalise(book.get_sheet_by_name(SUMMARY_SHEETS[6]).to_python(skip_empty_area=False))
        rows = book.get_sheet_by_name(RECORDS_SHEET).to_python()
        units = summary_records([row for row in rows
                                 if row and isinstance(row[0], str) and row[0].startswith(OVERALL_LINE)])[0]
    except NotCompleted:
        raise
    except OSError as exc:
        raise NotCompleted(f"无法读取“{name}”（{os_reason(exc)}）") from exc
    except DamagedRecords as exc:
        raise NotCompleted(f"无法读取“{name}”（{exc}）") from exc
    except BaseException as exc:  # calamine's own errors for a malformed part, or a panic
        reason = reader_failure(exc)
        if reason is None:
            raise
        raise NotCompleted(f"无法读取“{name}”：文件已损坏，{reason}") from exc
    found = _completed_form(grid, units, profile)
    if found is None:
        raise NotCompleted(f"“{name}”的部门整体表还没有由部门填写（仍是 xlmon 的预填）")
    return Completed(str(path), found[0], grid, units, _prefilled_department(rows, units))


def _prefilled_department(rows: list[list], units: list[FormRecord]) -> str:
    """The name xlmon pre-filled 部门整体's header with (workbook names the department from every record), read
    only once the form is known to be completed: it takes every record. From the overall forms alone when a
    project's line is damaged, which must not make a completed form unreadable (and so unprotected)."""
    try:
        return department_name(summary_records(rows)[0])
    except DamagedRecords:
        return department_name(units)


def completed_summary(path: str | Path, profile: Profile) -> bool:
    """Whether a file is an xlmon summary whose 部门整体 the department has completed: work that writing a new
    summary over it would destroy."""
    try:
        read_completed(path, profile)
    except NotCompleted:
        return False
    return True


def edits_in(sheets: dict[str, list[list]], profile: Profile) -> list[Edit]:
    """The department's edits to an xlmon summary, from its sheets as read_workbook reads them (edits.py): what
    writing a new summary over it would lose. None ([]) for a workbook that is not a summary; one whose records
    cannot be read has been edited there (what else, cannot be told)."""
    if RECORDS_SHEET not in sheets:
        return []
    try:
        records, diagnostics = summary_records(sheets[RECORDS_SHEET])
    except DamagedRecords as exc:
        return [Edit("K014", RECORDS_SHEET, None, f"汇总记录已被改动（{exc}），无法与其他工作表比较")]
    return summary_edits(sheets, records, diagnostics, profile_in(sheets[RECORDS_SHEET]) or profile)


def _amounts_differ(form: Form, units: list[FormRecord]) -> bool:
    """Whether the form's amounts are other than the sums of the units' overall forms it was pre-filled with, as
    xlmon pre-fills now or did in earlier summaries (records.EARLIER_WAYS)."""
    return all(_differs(form, units, *way) for way in ((False, False), *EARLIER_WAYS))


def _differs(form: Form, units: list[FormRecord], every: bool, zeros: bool) -> bool:
    """Whether a row of the form is other than the pre-fill (every, zeros: as earlier summaries pre-filled), row
    by row."""
    for row in form.funding:
        if row.row == L.TOTAL_ROW:
            continue
        prefilled = overall_sums(units, row.block, row.row, every, zeros) or [None] * len(AMOUNTS)
        if not all(same_amount(row.typed.get(f), v) for f, v in zip(AMOUNTS, prefilled)):
            return True
    return False


def summary_outcome(sheets: dict[str, list[list]], path: str, profile: Profile, sha: str = "",
                    modified: float | None = None) -> FileOutcome:
    """A summary xlmon wrote, from its grids (a file's, or the open book's in the add-in): the forms its records
    sheet keeps, the department's edits to its visible sheets and its completed 部门整体. DamagedRecords when the
    records cannot be read back."""
    records, diagnostics = summary_records(sheets[RECORDS_SHEET])
    made = profile_in(sheets[RECORDS_SHEET])  # its grades are compared with what its own profile gives
    edits = summary_edits(sheets, records, diagnostics, made or profile)  # against the records as it wrote them
    inputs = sorted({r.file for r in records})
    hashes = file_hashes(sheets[RECORDS_SHEET], records, diagnostics)
    read_through(records, path, hashes)
    diagnostics = [*edit_diagnostics(edits, path), *diagnostics]
    if made and records and (differences := grading_differences(made, profile, majority_period(records)[1])):
        diagnostics.insert(0, make("K020", file=path, sheet=SUMMARY_SHEETS[0],
                                   differences="；".join(differences)).model_dump())
    if SUMMARY_SHEETS[6] in sheets:
        records, found = completed_department_form(sheets[SUMMARY_SHEETS[6]], records, path, profile, sha or None)
        if found:  # the forms a sub-department's K006 said it counted are this one's now
            diagnostics = [*found, *(d for d in diagnostics if d.get("code") != "K006")]
    status = "included" if records else "rejected"
    return FileOutcome(path, sha, status, None if records else "汇总表中没有项目记录", records, diagnostics,
                       summary=True, modified=modified, inputs=inputs, made_in=made_in(sheets[RECORDS_SHEET]),
                       hashes=hashes, roster=roster_in(sheets[RECORDS_SHEET]), left=left_in(sheets[RECORDS_SHEET]))


_ASIDE = {"F008", "S001", "S002"}  # macros not run, a sheet not a form, a form on a hidden sheet: not why
_RANK = {"error": 0, "warning": 1, "info": 2}


def rejection_reason(diagnostics) -> str:
    """Why a file gave no form, as 文件清单 says it: its gravest finding that is a cause (an .xlsm's macros not run
    is none), with the sheet it is on, and the other sheets it is on alike; the first finding alone read
    “宏未运行” for an .xlsm of blank forms, and “这张监控表尚未填写” without saying which."""
    causes = [d for d in diagnostics if d.code not in _ASIDE] or list(diagnostics)
    if not causes:
        return "不是监控表"
    first = min(causes, key=lambda d: _RANK.get(d.severity, 3))
    if first.sheet is None or f"“{first.sheet}”" in first.message:
        return first.message
    alike = list(dict.fromkeys(d.sheet for d in causes if d.code == first.code and d.sheet not in (None, first.sheet)))
    more = f"工作表{''.join(f'“{s}”' for s in alike)}同样。" if alike else ""
    return f"工作表“{first.sheet}”：{first.message}{more}"


def extract(path: str, profile: Profile, dated: bool = True) -> FileOutcome:
    """Never raises for a bad file: every problem becomes a diagnostic and a rejection reason. dated: whether
    the file's modification time is its own (an upload sent without it has none)."""
    try:
        data = Path(path).read_bytes()
        modified = os.stat(path).st_mtime if dated else None
    except OSError as exc:  # a folder here is one that could not be listed (find_workbooks)
        d = (unlisted_folder(path) or cannot_open(exc)).diagnostic(path)
        return FileOutcome(path, "", "rejected", d.message, [], [d.model_dump()])
    sha = hashlib.sha256(data).hexdigest()
    book = read_bytes(data, path)
    if not book.refusal and RECORDS_SHEET in book.sheets:
        try:
            return summary_outcome(book.sheets, path, profile, sha, modified)
        except DamagedRecords as exc:
            from ..diagnostics import make
            d = make("F004", detail=f"{exc}，请重新生成该汇总表", file=path)
            return FileOutcome(path, sha, "rejected", d.message, [], [d.model_dump()], summary=True, modified=modified)
    result = check_workbook(book, profile)
    diags = [d.model_dump() for d in result.diagnostics]
    records = [form_record(f, path, f.sheet in book.hidden, modified, sha, book.saved).finish() for f in result.forms]
    if result.status == "unreadable" or not records:
        return FileOutcome(path, sha, "rejected", rejection_reason(result.diagnostics), [], diags, modified=modified)
    return FileOutcome(path, sha, "included", None, records, diags, modified=modified)

