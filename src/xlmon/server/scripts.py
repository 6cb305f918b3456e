"""The ribbon's buttons as xlwings Server scripts: thin wrappers over entry_points.

The xlwings Server protocol (`/xlwings/custom-scripts-call/{name}`) calls these with a remote
Book built from the client's payload and the server's rule profile (`xlmon serve --profile`), each
injected by its type hint; desktop Excel calls the same entry_points directly.
"""

from __future__ import annotations

import os

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")  # see README: xlwings Server licence

import xlwings as xw  # noqa: E402
from xlwings.server import script  # noqa: E402

from .. import entry_points  # noqa: E402
from ..profile import Profile  # noqa: E402


@script
def calculate(book: xw.Book, profile: Profile):
    entry_points.calculate(book, profile)


@script
def validate(book: xw.Book, profile: Profile):
    entry_points.validate(book, profile)


@script
def clear_marks(book: xw.Book):
    entry_points.clear_marks(book)


@script
def new_project_form(book: xw.Book, profile: Profile):
    entry_points.new_project_form(book, profile=profile)


@script
def consolidate(book: xw.Book):
    entry_points.consolidate_folder(book)


@script
def report(book: xw.Book, profile: Profile):
    entry_points.report(book, profile)
