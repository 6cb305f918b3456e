"""Diagnostics: one record type, codes and Chinese messages kept as data in catalogue.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}


class Diagnostic(BaseModel):
    code: str
    severity: Severity
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    message: str

    def line(self) -> str:
        """ruff-style ``file:sheet!cell: CODE message``."""
        where = self.file or "-"
        if self.sheet is not None:
            where += f":{sheet_ref(self.sheet)}" + (f"!{self.cell}" if self.cell else "")
        return f"{where}: {self.code} {self.message}"


_PLAIN_SHEET = re.compile(r"[^\W\d]\w*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]?\d*|[Cc]\d*")


def sheet_ref(sheet: str) -> str:
    """A sheet's name as Excel writes it before a cell: in quotes, a quote in it doubled, where it holds a space or a
    sign, begins with a digit or reads as a cell ('项目 表'!B5, '2026年6月'!B5, but 表1!B5), so that a line's
    file:sheet!cell reads one way and pastes into Excel as a reference."""
    if _PLAIN_SHEET.fullmatch(sheet) and not _CELL_LIKE.fullmatch(sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    name: str
    severity: Severity
    title: str
    message: str
    tags: tuple[str, ...]


@cache
def catalogue() -> dict[str, Entry]:
    data = tomllib.loads(resources.files("xlmon").joinpath("catalogue.toml").read_text("utf-8"))
    return {
        code: Entry(code, e["name"], e["severity"], e["title"], e["message"], tuple(e.get("tags", ())))
        for code, e in data.items()
    }


def make(code: str, *, sheet: str | None = None, cell: str | None = None,
         file: str | None = None, severity: Severity | None = None, **fields: object) -> Diagnostic:
    entry = catalogue()[code]
    message = entry.message.format(sheet=sheet, cell=cell, **fields)
    return Diagnostic(code=code, severity=severity or entry.severity, file=file, sheet=sheet,
                      cell=cell, message=message)


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diagnostics)
