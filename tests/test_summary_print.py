"""The summary on paper: what each sheet's cells show fits their columns, whatever the names and texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from test_consolidate import run, write_units
from xlmon.consolidate.workbook import SHEETS


def shown(value, number_format: str) -> str:
    """A number as its cell's format shows it."""
    if number_format.endswith("%"):
        return f"{value:.2%}"
    if number_format == "#,##0.00":
        return f"{value:,.2f}"
    return f"{value:g}"


def column_widths(ws) -> dict[int, float]:
    return {c: d.width for d in ws.column_dimensions.values() if d.width for c in range(d.min, d.max + 1)}


@pytest.fixture(scope="module")
def units_summary(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("units")
    write_units(folder, 12)
    out = folder / "out" / "汇总.xlsx"
    from xlmon.cli import main

    assert main(["consolidate", str(folder), "-o", str(out)]) == 0
    return out


def test_every_number_fits_its_column(units_summary):
    """A number too wide for its column prints as ####: each is as wide as its format shows it (50.00%, not 0.5),
    with a character's room to spare."""
    wb = load_workbook(units_summary)
    for name in SHEETS[:6]:
        ws = wb[name]
        widths = column_widths(ws)
        for row in ws.iter_rows():
            for cell in row:
                if type(cell.value) in (int, float) and cell.row > 1:
                    text = shown(cell.value, cell.number_format)
                    assert widths.get(cell.column, 8.43) >= len(text) + 2, (name, cell.coordinate, text)
