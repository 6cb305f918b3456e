"""The rule profile: thresholds and the indicator hierarchy, kept in TOML so a city can change them."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import layout as L
from .file_errors import os_reason

Grade = Literal["green", "yellow", "red"]


def default_profile_text() -> str:
    return resources.files("xlmon").joinpath("profiles/default.toml").read_text("utf-8")


@lru_cache(maxsize=None)
def _built_in_words(table: str) -> dict[str, str]:
    """The built-in profile's words of one WORD_TABLES table: a city's profile that leaves them out keeps them, as
    every other setting it leaves out keeps the built-in value (default.toml is where they are written)."""
    return tomllib.loads(default_profile_text())["indicators"][table]


WORD_TABLES = ("qualitative", "likelihood_floor")  # [indicators] tables read a word at a time


def _with_built_in_words(data: dict) -> None:
    """A city's table of words changes or adds the words it gives and keeps the rest (default.toml: any key left
    out keeps the default): a profile adding 过半 or making 有可能 red lost every other word, so that 未完成 went
    ungraded and 完全不可能 no longer made an indicator red."""
    indicators = data.get("indicators")
    if not isinstance(indicators, dict):
        return
    for key in WORD_TABLES:
        if isinstance(indicators.get(key), dict):
            indicators[key] = {**_built_in_words(key), **indicators[key]}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoalReview(_Strict):
    min_quantified_share: float = Field(0.70, ge=0, le=1)
    min_level1: int = Field(3, ge=0)
    min_level2: int = Field(5, ge=0)
    min_level3: int = Field(7, ge=0)


class FundingRules(_Strict):
    green_max_gap: float = Field(0.10, ge=0, le=1)
    yellow_max_gap: float = Field(0.20, ge=0, le=1)
    use_milestones: bool = False
    milestones: dict[int, float] = Field(default_factory=lambda: {6: 0.5, 9: 0.75, 12: 1.0})

    @model_validator(mode="after")
    def _ordered(self):
        if self.yellow_max_gap < self.green_max_gap:
            raise ValueError(f"yellow_max_gap（{self.yellow_max_gap:g}）不应小于 green_max_gap（{self.green_max_gap:g}）")
        for month, share in self.milestones.items():
            if not 1 <= month <= 12 or not 0 <= share <= 1:
                raise ValueError(f"milestones 的 {month} = {share:g} 有误：键应为月份 1-12，值应为 0-1 之间的比例")
        return self


class IndicatorRules(_Strict):
    yellow_tolerance: float = Field(0.10, ge=0, le=1)
    sequential_check: bool = False
    sequential_level2: list[str] = Field(default_factory=lambda: ["数量指标"])
    qualitative: dict[str, Grade] = Field(default_factory=lambda: dict(_built_in_words("qualitative")))
    likelihood_floor: dict[str, Grade] = Field(default_factory=lambda: dict(_built_in_words("likelihood_floor")))

    @field_validator("likelihood_floor")
    @classmethod
    def _ticks(cls, value):
        """A key naming no tick column of the form (不可能, 有可能性) would never apply: said, not left unused."""
        unknown = [k for k in value if k not in L.LIKELIHOODS]
        if unknown:
            raise ValueError(f"“{'”“'.join(unknown)}”不是完成目标可能性的选项，应为 {'、'.join(L.LIKELIHOODS)} 之一")
        return value


class AmountRules(_Strict):
    """Amounts (万元) above which a form looks typed in 元 by mistake."""
    project_max: float = Field(100_000.0, gt=0)
    department_max: float = Field(10_000_000.0, gt=0)
    apart_times: float = Field(100.0, gt=1)  # K019: this many times the median of other units' forms of the kind
    apart_floor: float = Field(10_000.0, gt=0)  # K019: and at least this (1 亿元), below which it tells too little


class ConsolidationRules(_Strict):
    focus_budget: float = Field(500.0, ge=0)


_COLOUR = r"^[0-9A-Fa-f]{6}$"


class Palette(_Strict):
    green: str = Field("C6EFCE", pattern=_COLOUR)
    yellow: str = Field("FFEB9C", pattern=_COLOUR)
    red: str = Field("FFC7CE", pattern=_COLOUR)


class Profile(_Strict):
    hierarchy: str | dict[str, dict[str, list[str]]] = L.DEFAULT_HIERARCHY
    required_project_fields: list[Literal["project", "department", "unit"]] = ["project", "department", "unit"]
    required_department_fields: list[Literal["department"]] = ["department"]
    goal_review: GoalReview = GoalReview()
    funding: FundingRules = FundingRules()
    indicators: IndicatorRules = IndicatorRules()
    amounts: AmountRules = AmountRules()
    consolidation: ConsolidationRules = ConsolidationRules()
    palette: Palette = Palette()

    @field_validator("hierarchy")
    @classmethod
    def _known(cls, value):
        if isinstance(value, str) and value not in L.HIERARCHIES:
            raise ValueError(f"未知的指标体系“{value}”，应为 {'、'.join(L.HIERARCHIES)} 或 [hierarchy.custom]")
        if isinstance(value, dict) and set(value) != {"custom"}:
            raise ValueError("自定义指标体系应写在 [hierarchy.custom] 中")
        return value

    @model_validator(mode="after")
    def _sequential_names_a_level2(self):
        """A 序时 check on a 二级 the hierarchy has not (质量 for 质量指标) would never apply: said, not left unused."""
        if self.indicators.sequential_check:
            known = [name for names in self.levels().values() for name in names]
            unknown = [n for n in self.indicators.sequential_level2 if n not in known]
            if unknown:
                raise ValueError(f"indicators.sequential_level2 中的“{'”“'.join(unknown)}”不是指标体系中的二级指标"
                                 f"（可用的二级指标：{'、'.join(dict.fromkeys(known))}）")
        return self

    def levels(self) -> dict[str, tuple[str, ...]]:
        if isinstance(self.hierarchy, dict):
            return {k: tuple(v) for k, v in self.hierarchy["custom"].items()}
        return L.HIERARCHIES[self.hierarchy]

    def colours(self) -> dict[str, str]:
        return self.palette.model_dump()


def grading_differences(made: Profile, now: Profile, months: int | None = None) -> list[str]:
    """How grades made by one profile may differ from what `now` gives, in words (K020); [] where they grade
    alike. Colours, thresholds of other checks and the hierarchy grade nothing; of the milestones, for forms of
    `months`, only that month's."""
    out = []
    a, b = made.funding, now.funding
    if (a.green_max_gap, a.yellow_max_gap) != (b.green_max_gap, b.yellow_max_gap):
        out.append(f"支出进度落后时间进度超过 {a.green_max_gap * 100:g}、{a.yellow_max_gap * 100:g} 个百分点为黄灯、红灯"
                   f"（本次为 {b.green_max_gap * 100:g}、{b.yellow_max_gap * 100:g} 个百分点）")
    if _milestones(a, months) != _milestones(b, months):
        out.append("支出进度的里程碑要求不同")
    if _grading(made.indicators) != _grading(now.indicators):
        out.append("指标的评级规则不同")
    return out


def _milestones(rules: FundingRules, months: int | None) -> dict[int, float] | None:
    """The milestones that grade forms of `months` (all of them, for forms of any month); None where none does."""
    if not rules.use_milestones:
        return None
    return {m: s for m, s in rules.milestones.items() if months is None or m == months} or None


def _grading(rules: IndicatorRules) -> dict:
    """What of [indicators] grades: sequential_level2 only where sequential_check is on."""
    data = rules.model_dump()
    if not rules.sequential_check:
        del data["sequential_level2"]
    return data


def funding_legend(profile: Profile, months: int | None = None, kept: int = 0) -> str:
    """How a funding row is graded, in words: below each printed page of a summary's funding grades (in a footer:
    a line more on 汇总表 would push its units off page 1), and on the web page, of the server's profile. The
    milestone is said for a period's month. `kept`: the summaries among a summary's inputs made by a profile that
    grades otherwise (K020), whose projects keep their grades, so that the paper does not hold their 黄灯 to rules
    they were not graded by."""
    rules = profile.funding
    text = (f"评级：支出进度落后时间进度≤{rules.green_max_gap * 100:g}个百分点为绿灯，"
            f"≤{rules.yellow_max_gap * 100:g}个百分点为黄灯，其余为红灯")
    if rules.use_milestones and months in rules.milestones:
        text += (f"\n{months}月末支出进度未达{rules.milestones[months] * 100:g}%的至少为黄灯，"
                 f"低于其{rules.yellow_max_gap * 100:g}个百分点以上的为红灯")
    elif rules.use_milestones and months is None and rules.milestones:
        shares = "、".join(f"{m}月末{share * 100:g}%" for m, share in sorted(rules.milestones.items()))
        text += (f"\n支出进度未达{shares}的至少为黄灯，低于其{rules.yellow_max_gap * 100:g}个百分点以上的为红灯")
    if kept:
        text += f"\n其中 {kept} 份下级汇总表的项目评级按其汇总时的规则保留（见“校验问题”K020）"
    return text


class ProfileError(ValueError):
    """The profile file cannot be used; the message is Chinese and names the file."""


def load_profile(path: str | Path | None = None) -> Profile:
    text = default_profile_text() if path is None else None
    try:
        if text is None:
            text = Path(path).read_text(encoding="utf-8-sig")  # Notepad may start it with a BOM
        data = tomllib.loads(text)
        milestones = data.get("funding", {}).get("milestones") if isinstance(data.get("funding"), dict) else None
        if isinstance(milestones, dict):
            bad = next((k for k in milestones if not k.strip().isdigit()), None)
            if bad is not None:
                raise ProfileError(f"规则配置文件 {path} 内容有误：funding.milestones 的键应为月份数字（1-12），而不是“{bad}”")
            data["funding"]["milestones"] = {int(k): v for k, v in milestones.items()}
        _with_built_in_words(data)
        return Profile.model_validate(data)
    except FileNotFoundError:
        raise ProfileError(f"规则配置文件不存在：{path}") from None
    except OSError as exc:
        raise ProfileError(f"无法读取规则配置文件 {path}（{os_reason(exc)}）") from None
    except UnicodeDecodeError:
        raise ProfileError(f"规则配置文件 {path} 不是 UTF-8 编码：请在记事本中“另存为”，编码选 UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"规则配置文件 {path} 格式错误{_where(exc)}：{_toml_reason(exc)}") from None
    except ValidationError as exc:
        raise ProfileError(f"规则配置文件 {path or '（默认）'} 内容有误：\n{_explain(exc)}") from None


_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)")


# tomllib's reasons (English), by what they start with, in words; its own after, for whoever supports the user
_TOML_REASONS = (
    ("Expected ']'", "方括号 [ ] 没有成对"), ("Expected '=' after a key", "名称后面缺少等号 ="),
    ("Invalid value", "等号后面的值写法不对（文字要加英文双引号，列表要用 [ ] 括全）"),
    ("Unclosed inline table", "花括号 { } 没有成对"), ("Unclosed array", "方括号 [ ] 没有成对"),
    ("Unterminated string", "引号没有成对"), ("Cannot overwrite a value", "同一项设置写了两次"),
    ("Cannot declare", "同一节写了两次"), ("Invalid statement", "这一行不是“名称 = 值”的写法"),
    ("Expected newline or end of document", "一行只能写一项设置"),
)


def _toml_reason(exc: tomllib.TOMLDecodeError) -> str:
    text = _AT.sub("", str(exc))
    said = next((words for start, words in _TOML_REASONS if text.startswith(start)), None)
    return f"{said}（{text}）" if said else text


def _where(exc: tomllib.TOMLDecodeError) -> str:
    """（第 N 行第 M 列）, from where tomllib's message says it stopped."""
    m = _AT.search(str(exc))
    if m is None:
        return ""
    return f"（第 {m[1]} 行第 {m[2]} 列）" if m[1] else "（文件末尾）"


_WHAT = {  # pydantic's error types → what the value should be, in words
    "missing": "缺少该项",
    "extra_forbidden": "没有这个设置项（请检查拼写；可用的设置见 xlmon profile）",
    "float_parsing": "应为数字", "float_type": "应为数字", "int_parsing": "应为整数", "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文字（用英文双引号括起）", "list_type": "应为列表，如 [\"数量指标\"]",
    "dict_type": "应为一节设置或 { 键 = 值 } 表", "model_type": "应为一节设置（[…]）",
    "string_pattern_mismatch": "应为 6 位十六进制颜色，如 \"C6EFCE\"",
}
_BOUNDS = {"greater_than_equal": ("ge", "不应小于"), "less_than_equal": ("le", "不应大于"),
           "greater_than": ("gt", "应大于"), "less_than": ("lt", "应小于")}
_UNION_TAG = re.compile(r"^(str|int|float|bool)$|\[")  # pydantic names the member of a union it tried


def _explain(exc: ValidationError) -> str:
    """pydantic's findings as Chinese lines, one a setting: where (funding.green_max_gap) and what is wrong."""
    lines: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"] if not _UNION_TAG.search(str(part)))
        kind, ctx = error["type"], error.get("ctx", {})
        if kind == "value_error":
            what = str(ctx.get("error", error["msg"]))
        elif kind == "literal_error":
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            what = f"应为 {'、'.join(choices)} 之一"
        elif kind in _BOUNDS:
            key, words = _BOUNDS[kind]
            limit = ctx.get(key)
            what = f"{words} {limit:g}" if isinstance(limit, (int, float)) else f"{words} {limit}"
        else:
            what = _WHAT.get(kind, error["msg"])
        shown = error.get("input")
        if kind not in ("missing", "value_error", "extra_forbidden") and isinstance(shown, (str, int, float, bool)):
            what += f"（现为 {shown!r}）" if not isinstance(shown, bool) else f"（现为 {str(shown).lower()}）"
        lines.setdefault(where or "（整个文件）", what)
    return "\n".join(f"  {where}：{what}" for where, what in lines.items())
