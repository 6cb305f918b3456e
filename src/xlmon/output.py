"""Render check results: ruff-style text lines for people, the JSON contract for machines."""

from __future__ import annotations

import json
from collections import Counter

from .check import FileResult
from .diagnostics import Diagnostic
from .models import Form, FundingRow, Indicator

FUNDING_FIELDS = ("carryover", "current", "subtotal", "issued", "issue_rate", "spent",
                  "spend_progress", "forecast", "gap", "grade")


def _r4(value):
    return round(value, 4) if isinstance(value, float) else value


def funding_json(row: FundingRow) -> dict:
    out: dict = {"block": row.block, "row": row.row}
    out.update({f: _r4(getattr(row, f)) for f in FUNDING_FIELDS})
    out["cells"] = row.cells
    return out


def indicator_json(ind: Indicator) -> dict:
    return {
        "level1": ind.level1, "level2": ind.level2, "level3": ind.level3, "target": ind.target,
        "operator": ind.operator, "target_value": ind.target_value, "unit": ind.unit,
        "actual": ind.actual, "forecast": ind.forecast, "likelihood": ind.likelihood, "grade": ind.grade,
        "reason": ind.reason, "remark": ind.remark, "row": ind.row, "cells": ind.cells,
    }


def form_json(form: Form) -> dict:
    return {
        "sheet": form.sheet, "kind": form.kind, "project": form.project, "department": form.department,
        "unit": form.unit, "year": form.year, "months": form.months,
        "time_progress": _r4(form.time_progress), "grade": form.grade, "goal": form.goal,
        "funding": [funding_json(r) for r in form.funding],
        "indicators": [indicator_json(i) for i in form.indicators],
        "cells": form.cells,
        "rows": [form.place[0] + 1, form.place[1]] if form.place else None,  # 1-based, of one of stacked forms
    }


def diagnostic_json(d: Diagnostic) -> dict:
    return {"code": d.code, "severity": d.severity, "sheet": d.sheet, "cell": d.cell, "message": d.message}


def results_json(results: list[FileResult]) -> dict:
    return {"files": [{"path": r.path, "status": r.status, "forms": [form_json(f) for f in r.forms],
                       "diagnostics": [diagnostic_json(d) for d in r.diagnostics]} for r in results]}


def dumps(results: list[FileResult], ascii: bool = False) -> str:
    """ascii: every non-ASCII character as a \\u escape, for a stream that cannot encode them all."""
    return json.dumps(results_json(results), ensure_ascii=ascii, indent=2)


def summary_line(results: list[FileResult]) -> str:
    counts = Counter(d.severity for r in results for d in r.diagnostics)
    forms = sum(len(r.forms) for r in results)
    unfilled = sum(d.code == "S131" for r in results for d in r.diagnostics)
    # an archive unpacked beside its workbooks (F015, a note) is unread but no file to see to
    unreadable = sum(r.status == "unreadable" and any(d.severity == "error" for d in r.diagnostics) for r in results)
    text = (f"共检查 {len(results)} 个文件、{forms} 张监控表{f'（另有 {unfilled} 张尚未填写）' if unfilled else ''}："
            f"错误 {counts['error']} 个，警告 {counts['warning']} 个，提示 {counts['info']} 个")
    if unreadable:
        text += f"；{unreadable} 个文件无法读取"
    return text + "。"


def text_lines(results: list[FileResult], *, show_info: bool = True) -> list[str]:
    lines = [d.line() for r in results for d in r.diagnostics if show_info or d.severity != "info"]
    lines.append(summary_line(results))
    return lines
