"""Shared fixtures. External tools (LibreOffice) are required in CI: XLMON_REQUIRE_TOOLS=1 turns a
missing tool into a failure instead of a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[1]
# before anything imports xlwings: its remote engine (xw.Book(json=...)) registers only with a key.
# The noncommercial key is the licence for government institutions (see README, xlmon serve).
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


@pytest.fixture(autouse=True, scope="session")
def one_save_time():
    """Every workbook the tests write with openpyxl or xlsxwriter (module fixtures' included) says it was saved at one
    time, as if in one second: which of two copies of a project counts is then decided by the file times a test sets
    (os.utime), not by whether two saves fell in one second. Tests of the time a workbook says it was saved set it
    (test_consolidate.saved_at)."""
    import datetime as real

    import openpyxl.writer.excel as excel
    import xlsxwriter.core as core

    class Clock(real.datetime):
        @classmethod
        def now(cls, tz=None):
            return real.datetime(2026, 7, 1, tzinfo=tz)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(excel, "datetime", type("datetime", (), {"datetime": Clock, "timezone": real.timezone}))
        patch.setattr(core, "datetime", Clock)
        yield


INSTALL = ("apt-get install libreoffice-calc-nogui libreoffice-writer-nogui fonts-noto-cjk fonts-liberation "
           "fonts-crosextra-carlito poppler-utils chromium")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    missing(f"{name} is not installed ({INSTALL})")


def missing(message: str) -> NoReturn:
    if os.environ.get("XLMON_REQUIRE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def client():
    """The web server's app, without a token, as a client posts to it over HTTPS."""
    from fastapi.testclient import TestClient

    from xlmon.server.app import Settings, create_app

    return TestClient(create_app(Settings(token=None)), base_url="https://testserver")


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home of its own, where the add-in's config and installed rule profile go (addin_setup), on every platform."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("APPDATA", str(home / "AppData" / "Roaming"))
    return home


@pytest.fixture(scope="session")
def soffice() -> str:
    return require_tool("soffice")


@pytest.fixture(scope="session")
def excel_columns(soffice: str) -> str:
    """LibreOffice, laying out columns as Excel does: with Calibri's metrics (Carlito's), the font every column width
    is reckoned in. Without them it reckons in DejaVu Sans, a third wider, and prints every column a third wider
    than Excel, its texts on fewer lines than their rows are planned for."""
    fonts = subprocess.run([require_tool("fc-list"), ":family=Carlito", "family"], capture_output=True, text=True).stdout
    if "Carlito" not in fonts:
        missing(f"Carlito (Calibri's metrics) is not installed ({INSTALL})")
    return soffice


def libreoffice_convert(soffice: str, files: list[Path], outdir: Path, target: str) -> list[Path]:
    """Open files in LibreOffice headless (which recalculates formulas) and save them as `target`."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
        check=True, capture_output=True, timeout=180,
    )
    ext = target.split(":")[0]
    out = [outdir / f"{f.stem}.{ext}" for f in files]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return out


def pdf_pages(soffice: str, workbook: Path, outdir: Path) -> list[str]:
    """The text of each page LibreOffice prints of a workbook, as laid out on the page."""
    pdftotext = require_tool("pdftotext")
    [pdf] = libreoffice_convert(soffice, [workbook], outdir, "pdf")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, timeout=120).stdout
    return text.decode().split("\f")[:-1]


def assert_formulas_equal_xlmon(filled: Path, recalculated: Path, sheet: str, layout) -> None:
    """Every formula cell LibreOffice recalculated equals xlmon's own calculation from the inputs."""
    from xlmon import layout as L
    from xlmon.adapters.files import read_workbook
    from xlmon.calc import calculate
    from xlmon.grid import parse_address
    from xlmon.reader import read_form

    form, diags = read_form(read_workbook(filled).sheets[sheet], sheet)  # formula cells: no cached values
    assert not calculate(form) and not [d for d in diags if d.severity == "error"]
    computed = {(r.block, r.row): r for r in form.funding}
    lo_grid = read_workbook(recalculated).sheets[sheet]
    blocks = {block for block, _ in layout.funding}
    assert len(layout.formulas) == 3 * len(layout.funding) + len(L.INPUT_AMOUNTS) * len(blocks)
    for ref, (block, label, field) in layout.formulas.items():
        r, c = parse_address(ref)
        lo_value = lo_grid[r][c]
        mine = getattr(computed[(block, label)], field)
        if mine is None:  # xlmon: no rate when the denominator is 0 or blank; the form shows blank
            assert lo_value in (None, ""), (ref, field, lo_value)
        elif lo_value is None and mine == 0:
            pytest.fail(f"{ref}: LibreOffice left blank where xlmon computed 0")
        else:
            assert lo_value == pytest.approx(mine, abs=1e-9), (ref, block, label, field)
    form2, _ = read_form(lo_grid, sheet)
    assert not calculate(form2), "cached values written by LibreOffice must agree with xlmon"


_READ_ALL = ("import sys, pathlib\nfrom xlmon.adapters.files import read_workbook\n"
             "for p in sorted(pathlib.Path(sys.argv[1]).glob(sys.argv[2])):\n"
             "    print(p.name, flush=True)\n"
             "    book = read_workbook(p)\n"
             "    print(book.refusal.code if book.refusal else 'read', flush=True)\n"
             "print('done')\n")


def read_in_one_process(folder: Path, pattern: str) -> list[str]:
    """Read every file of `folder` matching `pattern` in one child process, which must live to the end (an abort
    inside python-calamine would end it; the last file named is the culprit): "read" or the refusal's code of
    each, in name order."""
    import sys

    done = subprocess.run([sys.executable, "-c", _READ_ALL, str(folder), pattern], capture_output=True, text=True,
                          timeout=300)
    lines = done.stdout.split()
    assert done.returncode == 0 and lines[-1:] == ["done"], (done.returncode, lines[-2:], done.stderr[-500:])
    return lines[1:-1:2]
