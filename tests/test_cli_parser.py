"""The command line speaks Chinese throughout: argparse's own texts too, in help and in usage errors."""

from __future__ import annotations

import argparse
import re

import pytest

from xlmon.cli import build_parser, main

# words of argparse's English texts; none is a word of an xlmon option, metavar or choice
ENGLISH = re.compile(r"\b(usage|positional|arguments?|show|exit|required|unrecognized|invalid|expected|choose|"
                     r"ambiguous|allowed)\b", re.IGNORECASE)


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()):
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*prefix, name))


def test_every_commands_help_is_chinese(capsys):
    commands = list(_commands(build_parser()))
    assert len(commands) > 10
    for prefix, _ in commands:
        with pytest.raises(SystemExit) as exc:
            main([*prefix, "-h"])
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("用法：xlmon"), prefix
        assert "显示本帮助并退出" in out and "选项" in out, prefix
        assert not ENGLISH.search(out), (prefix, ENGLISH.search(out))


@pytest.mark.parametrize("argv, said", [
    ([], "缺少必需的参数：命令"),
    (["nonsense"], "“nonsense”不在可选范围内"),
    (["consolidate", "a.xlsx"], "缺少必需的参数：-o/--output"),
    (["check", "--format", "xml", "a.xlsx"], "参数 --format：“xml”不在可选范围内"),
    (["check", "a.xlsx", "--bogus"], "无法识别的参数：--bogus"),
    (["serve", "--port"], "参数 --port：后面应跟一个值"),
    (["serve", "--port", "八千"], "参数 --port：端口应为 1-65535 的整数，而不是“八千”"),
    (["template", "project", "-o", "t.xlsx", "--months", "13"], "参数 --months：月份应为 1-12 的整数，而不是 13"),
    (["addin"], "缺少必需的参数：操作"),
    (["consolidate", "d", "-o", "s.xlsx", "--workers", "0"], "参数 --workers：进程数应为 1 或更大的整数，而不是 0"),
    (["template", "project", "-o", "t.xlsx", "--year", "26"], "参数 --year：年度应为四位数的年份（如 2026），而不是“26”"),
    (["serve", "--port", "99999"], "参数 --port：端口应为 1-65535 的整数，而不是 99999"),
])
def test_usage_errors_are_chinese_and_exit_2(argv, said, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("用法：xlmon") and "参数错误：" in err and said in err, err
    assert "-h）" in err  # where to look next
    assert not ENGLISH.search(err), err


def test_an_option_a_command_does_not_take_is_said_with_that_commands_usage(capsys):
    """xlmon check --bogus showed xlmon's own usage (xlmon [-h] [--version] 命令 …) and sent the user to xlmon -h."""
    with pytest.raises(SystemExit):
        main(["check", "a.xlsx", "--bogus"])
    err = capsys.readouterr().err
    assert err.startswith("用法：xlmon check") and "（查看用法：xlmon check -h）" in err


def test_other_parsers_keep_their_own_language(capsys):
    build_parser().format_help()
    with pytest.raises(SystemExit):
        main(["nonsense"])
    capsys.readouterr()
    other = argparse.ArgumentParser(prog="other")
    assert other.format_help().startswith("usage: other") and "show this help message" in other.format_help()


@pytest.mark.parametrize("option", ["--unit", "--project", "--department"])
def test_an_option_given_two_dashes_as_its_value_takes_them_as_text(tmp_path, capsys, option):
    """Python 3.11's argparse strips -- from --unit=-- as the end of the options, leaving the option []: the
    template command said 内部错误 writing it. It is the text --, as any other name."""
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert build_parser().parse_args(["template", "project", "-o", str(out), f"{option}=--"]).__dict__[
        option[2:]] == "--"
    assert main(["template", "project", "-o", str(out), f"{option}=--"]) == 0
    assert "--" in [c.value for row in load_workbook(out).active.iter_rows(max_row=8) for c in row]
