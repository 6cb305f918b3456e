"""The command-line parser in Chinese: argparse's own texts (用法, the help's section titles, the usage
errors) as well as ours, so that `xlmon -h` and a mistyped command read as one language.

argparse looks its texts up through gettext at the moment it uses them, and gettext picks a language
from environment variables that a Chinese Windows does not set; so the lookup is swapped for ours while
one of our parsers builds, parses or formats, and given back afterwards (other parsers in the process,
pytest's among them, keep theirs).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

EXIT_USAGE = 2  # argparse's own code for a usage error, and the CLI's for "the tool could not do it"

# argparse's message ids (Python 3.11-3.13) → Chinese; a %(value)r becomes “%(value)s”, as Chinese quotes text
TEXTS = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "show program's version number and exit": "显示版本号并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "后面应跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面应至少跟一个值",
    "expected %s argument": "后面应跟 %s 个值",
    "expected %s arguments": "后面应跟 %s 个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "“%(value)s”不在可选范围内（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值“%(value)s”",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
    "ignored explicit argument %r": "该选项不带值，多余的值“%s”",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有命令“%(parser_name)s”（可用：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开“%(filename)s”：%(error)s",
}


def _text(message: str) -> str:
    return TEXTS.get(message, message)


def _plural(singular: str, plural: str, n: int) -> str:
    return _text(singular if n == 1 else plural)


@contextmanager
def chinese() -> Iterator[None]:
    """argparse's texts in Chinese for the duration (nests)."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _text, _plural
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose every text, its own included, is Chinese; subparsers are of the same class."""

    def __init__(self, *args, **kwargs):
        with chinese():
            super().__init__(*args, **kwargs)

    def add_argument(self, *args, **kwargs):
        with chinese():  # the --version and --help actions take their default help here
            return super().add_argument(*args, **kwargs)

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an argument the command does not take is said with that command's usage
        (xlmon check --bogus: 用法：xlmon check …), not xlmon's."""
        with chinese():
            parsed, extra = self.parse_known_args(args, namespace)
            if extra:
                command = self._command(parsed)
                (command or self).error("无法识别的参数：" + " ".join(extra))
            return parsed

    def _command(self, parsed) -> argparse.ArgumentParser | None:
        chosen = getattr(parsed, "command", None)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and chosen in action.choices:
                return action.choices[chosen]
        return None

    def parse_known_args(self, args=None, namespace=None):
        with chinese():
            return super().parse_known_args(args, namespace)

    def _get_values(self, action, arg_strings):
        """As argparse's, but an option's value that is -- itself (--unit=--) is that text: Python 3.11's argparse
        strips it as the end of the options, and the option was [] (内部错误 writing it into a form)."""
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            return self._get_value(action, "--")
        return super()._get_values(action, arg_strings)

    def format_usage(self) -> str:
        with chinese():
            return super().format_usage()

    def format_help(self) -> str:
        with chinese():
            return super().format_help()

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 参数错误：{message}\n（查看用法：{self.prog} -h）\n")


def whole(low: int, high: int | None = None, what: str = "") -> Callable[[str], int]:
    """An argument type: an integer from low to high (no upper bound for None), refused in Chinese."""
    span = f" {low}-{high} " if high is not None else f" {low} 或更大"

    def check(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}应为{span}的整数，而不是“{text}”") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{what}应为{span}的整数，而不是 {value}")
        return value

    return check


def year(text: str) -> int:
    """An argument type: a four-digit year of this century."""
    if not (text.isascii() and text.isdigit() and len(text) == 4 and text.startswith("20")):
        raise argparse.ArgumentTypeError(f"年度应为四位数的年份（如 2026），而不是“{text}”")
    return int(text)
