"""Generate docs/diagnostics.md from the catalogue, so the reference page never drifts."""

from __future__ import annotations

import sys
from pathlib import Path

from .diagnostics import SEVERITY_ZH, catalogue


def diagnostics_page() -> str:
    lines = [
        "# Diagnostic codes",
        "",
        "Generated from `src/xlmon/catalogue.toml` by `python -m xlmon.docs docs/diagnostics.md`;",
        "do not edit by hand. Each finding prints as `file:sheet!cell: CODE message`: `file:sheet: CODE message`",
        "where it names no cell, `file: CODE message` where it names no sheet (a finding about the whole file,",
        "as most F… codes are). A sheet's name is quoted as Excel quotes it in a reference (`'项目 表'!B5`).",
        "",
        "| code | name | severity | title | message | tags |",
        "|---|---|---|---|---|---|",
    ]
    for e in catalogue().values():
        message = e.message.replace("|", "\\|")
        lines.append(f"| {e.code} | {e.name} | {e.severity}（{SEVERITY_ZH[e.severity]}） | {e.title} | "
                     f"{message} | {', '.join(e.tags)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/diagnostics.md")
    target.write_text(diagnostics_page(), encoding="utf-8")
    print(target)
