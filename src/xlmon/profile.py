"""The rule profile: thresholds and the indicator hierarchy, kept in TOML so a city can change them."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import layout as L

Grade = Literal["green", "yellow", "red"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoalReview(_Strict):
    min_quantified_share: float = 0.70
    min_level1: int = 3
    min_level2: int = 5
    min_level3: int = 7


class FundingRules(_Strict):
    green_max_gap: float = 0.10
    yellow_max_gap: float = 0.20
    use_milestones: bool = False
    milestones: dict[int, float] = Field(default_factory=lambda: {6: 0.5, 9: 0.75, 12: 1.0})


class IndicatorRules(_Strict):
    yellow_tolerance: float = 0.10
    sequential_check: bool = False
    sequential_level2: list[str] = Field(default_factory=lambda: ["数量指标"])
    qualitative: dict[str, Grade] = Field(default_factory=dict)
    likelihood_floor: dict[str, Grade] = Field(default_factory=lambda: {"有可能": "yellow", "完全不可能": "red"})


class ConsolidationRules(_Strict):
    focus_budget: float = 500.0


class Palette(_Strict):
    green: str = "C6EFCE"
    yellow: str = "FFEB9C"
    red: str = "FFC7CE"


class Profile(_Strict):
    hierarchy: str | dict[str, dict[str, list[str]]] = L.DEFAULT_HIERARCHY
    required_project_fields: list[Literal["project", "department", "unit"]] = ["project", "department", "unit"]
    required_department_fields: list[Literal["department"]] = ["department"]
    goal_review: GoalReview = GoalReview()
    funding: FundingRules = FundingRules()
    indicators: IndicatorRules = IndicatorRules()
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

    def levels(self) -> dict[str, tuple[str, ...]]:
        if isinstance(self.hierarchy, dict):
            return {k: tuple(v) for k, v in self.hierarchy["custom"].items()}
        return L.HIERARCHIES[self.hierarchy]

    def colours(self) -> dict[str, str]:
        return self.palette.model_dump()


class ProfileError(ValueError):
    """The profile file cannot be used; the message is Chinese and names the file."""


def default_profile_text() -> str:
    return resources.files("xlmon").joinpath("profiles/default.toml").read_text("utf-8")


def load_profile(path: str | Path | None = None) -> Profile:
    text = default_profile_text() if path is None else None
    try:
        if text is None:
            text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
        if "funding" in data and "milestones" in data["funding"]:
            data["funding"]["milestones"] = {int(k): v for k, v in data["funding"]["milestones"].items()}
        return Profile.model_validate(data)
    except FileNotFoundError:
        raise ProfileError(f"规则配置文件不存在：{path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"规则配置文件 {path} 格式错误：{exc}") from None
    except ValueError as exc:
        raise ProfileError(f"规则配置文件 {path or '（默认）'} 内容有误：{exc}") from None
