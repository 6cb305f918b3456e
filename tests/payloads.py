"""xlwings client payloads built from real workbook files, and the client's side of the actions.

`payload_from_file` builds the JSON that the VBA (`RunServerPython`) or Office.js client sends:
every sheet's used range from A1 as values, a date as the ISO text both clients make of it, and (Office.js only)
each sheet's visibility. `apply_actions` plays the returned actions onto such
a payload the way Excel would for the value-level actions (values with the text prefix stripped,
sheets added and deleted) and records fills, so a second button press sees the first one's result.
"""

from __future__ import annotations

import copy
import datetime
import os
from pathlib import Path

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

import xlwings as xw  # noqa: E402
from python_calamine import CalamineWorkbook, SheetVisibleEnum  # noqa: E402

VISIBILITY = (("Visible", SheetVisibleEnum.Visible), ("Hidden", SheetVisibleEnum.Hidden),
              ("VeryHidden", SheetVisibleEnum.VeryHidden))  # Office.js's words


def payload_from_file(path: str | Path, client: str = "VBA", active: int = 0) -> dict:
    wb = CalamineWorkbook.from_path(str(path))
    errors = formula_errors(path)
    visibility = {m.name: next(word for word, v in VISIBILITY if m.visible == v) for m in wb.sheets_metadata}
    sheets = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        values = [[_cell(v) for v in row] for row in rows] or [[None]]
        for r, c, error in errors.get(name, ()):  # both clients send an error as the text Excel shows
            values[r][c] = error
        width = max(len(r) for r in values)
        values = [r + [None] * (width - len(r)) for r in values]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": []})
        if client == "Office.js":  # the VBA client sends no sheet's visibility
            sheets[-1]["visibility"] = visibility[name]
    return {"client": client, "version": xw.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": active, "selection": "A1"},
            "names": [], "sheets": sheets}


def formula_errors(path: str | Path) -> dict[str, list[tuple[int, int, str]]]:
    """The cells showing a formula error, as openpyxl reads them (python-calamine reads blanks there)."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    found = {ws.title: [(cell.row - 1, cell.column - 1, cell.value) for row in ws.iter_rows() for cell in row
                        if getattr(cell, "data_type", None) == "e"] for ws in wb.worksheets}
    wb.close()
    return found


def _cell(v):
    """A value as the clients send it: a date or time as ISO text (VBA's WebHelpers.ConvertToIso, Office.js's
    toISOString; a time alone on Excel's day 0, 1899-12-30)."""
    if v == "":
        return None
    if isinstance(v, datetime.time):
        v = datetime.datetime.combine(datetime.date(1899, 12, 30), v)
    if isinstance(v, datetime.date):
        return f"{v:%Y-%m-%dT%H:%M:%S}.000Z"
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def actions_of(payload: dict, fn, *args) -> tuple[list[dict], object]:
    """Run an entry point on xlwings' own remote Book; its actions and return value."""
    with xw.Book(json=copy.deepcopy(payload)) as book:
        result = fn(book, *args)
        return book.json()["actions"], result


def apply_actions(payload: dict, actions: list[dict]) -> dict:
    out = copy.deepcopy(payload)
    fills = out.setdefault("fills", {})
    formulas = out.setdefault("formulas", {})
    for a in actions:
        sheets = out["sheets"]
        func = a["func"]
        if func == "addSheet":
            sheets.insert(a["args"][0], {"name": a["args"][1], "values": [[None]], "pictures": [], "tables": []})
        elif func == "sheetDelete":
            del sheets[a["sheet_position"]]
        elif func == "setValues":
            sheet = sheets[a["sheet_position"]]
            r0, c0 = a["start_row"], a["start_column"]
            for i, row in enumerate(a["values"]):
                for j, v in enumerate(row):
                    at = (sheet["name"], r0 + i, c0 + j)
                    formulas.pop(at, None)
                    if isinstance(v, str) and v.startswith("="):  # Excel makes it a formula; no cached value here
                        formulas[at], v = v, None
                    elif isinstance(v, str) and v.startswith("'"):
                        v = v[1:]
                    _put(sheet["values"], r0 + i, c0 + j, v)
        elif func == "setRangeColor":
            name = sheets[a["sheet_position"]]["name"]
            for i in range(a["row_count"]):
                for j in range(a["column_count"]):
                    fills[(name, a["start_row"] + i, a["start_column"] + j)] = a["args"][0]
    return out


def _put(values: list[list], r: int, c: int, v) -> None:
    width = max(len(values[0]) if values else 0, c + 1)
    while len(values) <= r:
        values.append([None] * width)
    for row in values:
        row.extend([None] * (width - len(row)))
    values[r][c] = v


def book_file(payload: dict, path: str | Path) -> Path:
    """The workbook Excel saves of a payload's state: each sheet's values in order, text as text (a "=…" a unit
    typed stays text), a date sent as ISO text a date again, a formula's result (the payload's value) as its value, each
sheet as visible as the Office.js client says (the VBA client does not)."""
    from openpyxl import Workbook

    from xlmon.adapters.xlwings_book import _sent

    book = Workbook()
    book.remove(book.active)
    for sheet in payload["sheets"]:
        ws = book.create_sheet(sheet["name"])
        ws.sheet_state = {"Hidden": "hidden", "VeryHidden": "veryHidden"}.get(sheet.get("visibility"), "visible")
        for r, row in enumerate(sheet["values"], start=1):
            for c, v in enumerate(row, start=1):
                if v is None:
                    continue
                cell = ws.cell(r, c, _sent(v))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    book.save(path)
    return Path(path)
