"""Plain value grids: what every adapter produces and the core reads.

A grid is a list of rows, each a list of cell values (None, str, int, float, bool, date),
row 0 / column 0 being cell A1. Merged cells hold their value in the top-left cell only. A formula whose
file holds no result is an Uncached (its formula's text), which reads as blank everywhere but where the
reader needs a number typed by the unit.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

Grid = list[list[Any]]


class Uncached(str):
    """A formula cell whose file holds no result, as a program that does not calculate writes it (openpyxl,
    xlsxwriter, many finance systems' exports). Excel and WPS always save one. Our own templates' formulas
    hold none either, but the scan passes over them (safety._NO_RESULT): the reader works those out."""

    __slots__ = ()


def column_letter(col: int) -> str:
    """0-based column index to letters (0 → A, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=65536)
def address(row: int, col: int) -> str:
    """0-based row and column to an A1 address."""
    return f"{column_letter(col)}{row + 1}"


def parse_address(ref: str) -> tuple[int, int]:
    """A1 address to 0-based (row, col)."""
    ref = ref.replace("$", "").upper()
    i = 0
    col = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + ord(ref[i]) - 64
        i += 1
    return int(ref[i:]) - 1, col - 1


def value(grid: Grid, row: int, col: int) -> Any:
    if 0 <= row < len(grid):
        line = grid[row]
        if 0 <= col < len(line):
            v = line[col]
            return None if v == "" else v
    return None


def normalise(rows: list[list[Any]]) -> Grid:
    """Empty strings (calamine's blank) become None."""
    return [[None if v == "" else v for v in row] for row in rows]
