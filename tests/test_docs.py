"""Documentation that cannot drift: the diagnostics page and every CLI command and option."""

from __future__ import annotations

import argparse
import re

from conftest import ROOT
from xlmon.cli import build_parser
from xlmon.diagnostics import catalogue
from xlmon.docs import diagnostics_page


def test_diagnostics_page_is_generated_and_complete():
    page = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert page == diagnostics_page(), "docs/diagnostics.md is stale: run `make docs`"
    for code in catalogue():
        assert f"| {code} |" in page, code


def test_catalogue_entries_are_complete():
    for code, entry in catalogue().items():
        assert entry.severity in ("error", "warning", "info"), code
        assert entry.title and entry.message and entry.name, code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in entry.message), f"{code}: message must be Chinese"


def test_every_command_and_option_is_in_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    for action in parser._actions:  # xlmon's own options (--version) too
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert option in readme, f"option {option} of `xlmon` is not documented"
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert f"xlmon {name}" in readme, f"command `xlmon {name}` is not documented in README.md"
        # in the command's own section: --roster documented for consolidate is not documented for report
        heading = re.search(rf"^#+ .*`xlmon {name}\b.*$", readme, re.M)
        assert heading, f"command `xlmon {name}` has no section of its own in README.md"
        end = re.compile(r"^#+ ", re.M).search(readme, heading.end())
        section = readme[heading.start():end.start() if end else len(readme)]
        for action in command._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert option in section, f"option {option} of `xlmon {name}` is not documented in its section"


def test_readme_opens_with_the_two_commands():
    head = (ROOT / "README.md").read_text(encoding="utf-8")[:600]
    assert "make demo" in head and "make test" in head
