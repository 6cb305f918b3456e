"""One input file → FileOutcome. Runs in worker processes: returns plain records, keeps no workbook open."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..adapters.files import read_bytes
from ..check import check_workbook
from ..models import Form
from ..profile import Profile
from .records import AMOUNTS, Deviation, FileOutcome, FormRecord

from ..sheetnames import RECORDS_SHEET  # a summary's hidden sheet: one JSON record per row
_CODE = re.compile(r"[0-9A-Z]{15,21}")


def form_record(form: Form, path: str) -> FormRecord:
    amounts: dict[str, dict[str, list[float | None]]] = {}
    unknown: dict[str, dict[str, list[str]]] = {}
    for row in form.funding:
        amounts.setdefault(row.block, {})[row.row] = [getattr(row, f) for f in AMOUNTS]
        if row.unreadable:
            fields = [f for f in AMOUNTS if f in row.unreadable]
            if fields:
                unknown.setdefault(row.block, {})[row.row] = fields
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
            deviations.append(Deviation(ind.level1, ind.level2, ind.level3, ind.target, ind.actual, ind.forecast,
                                        ind.likelihood, ind.reason, ind.remark, ind.grade,
                                        ind.cells.get("forecast")))
    code_match = _CODE.search(form.project or "")
    return FormRecord(
        kind=form.kind, file=path, sheet=form.sheet, unit=form.unit or (form.department if form.kind ==
                                                                         "department" else None),
        project=form.project, department=form.department, code=code_match.group(0) if code_match else None,
        year=form.year, months=form.months, amounts=amounts, unknown=unknown, funding_grade=total.grade if total else None,
        grade=form.grade, indicator_grades=grades, likelihoods=likelihoods, deviations=deviations,
        period_cell=form.cells.get("period"),
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


def extract(path: str, profile: Profile) -> FileOutcome:
    """Never raises for a bad file: every problem becomes a diagnostic and a rejection reason."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        from ..diagnostics import make
        d = make("F001" if isinstance(exc, FileNotFoundError) else "F004", detail=str(exc), file=path)
        return FileOutcome(path, "", "rejected", d.message, [], [d.model_dump()])
    sha = hashlib.sha256(data).hexdigest()
    book = read_bytes(data, path)
    if not book.refusal and RECORDS_SHEET in book.sheets:
        try:
            records, diagnostics = summary_records(book.sheets[RECORDS_SHEET])
        except DamagedRecords as exc:
            from ..diagnostics import make
            d = make("F004", detail=f"{exc}，请重新生成该汇总表", file=path)
            return FileOutcome(path, sha, "rejected", d.message, [], [d.model_dump()], summary=True)
        for r in records:
            r.source = r.source or r.file
            r.file = path
            r.finish()
        status = "included" if records else "rejected"
        return FileOutcome(path, sha, status, None if records else "汇总表中没有项目记录", records, diagnostics,
                           summary=True)
    result = check_workbook(book, profile)
    diags = [d.model_dump() for d in result.diagnostics]
    records = [form_record(f, path).finish() for f in result.forms]
    if result.status == "unreadable" or not records:
        reason = result.diagnostics[0].message if result.diagnostics else "不是监控表"
        return FileOutcome(path, sha, "rejected", reason, [], diags)
    return FileOutcome(path, sha, "included", None, records, diags)

