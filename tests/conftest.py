"""Shared fixtures. External tools (LibreOffice) are required in CI: XLMON_REQUIRE_TOOLS=1 turns a
missing tool into a failure instead of a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (apt-get install libreoffice-calc-nogui fonts-noto-cjk poppler-utils)"
    if os.environ.get("XLMON_REQUIRE_TOOLS"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def soffice() -> str:
    return require_tool("soffice")


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
