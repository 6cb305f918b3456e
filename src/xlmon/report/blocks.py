"""The report as plain data, so what it says can be tested without opening a .docx."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

Kind = Literal["project", "department"]


@dataclass
class Heading:
    text: str
    level: int  # 1: 一、…; 2: （一）…


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class Chart:
    """支出进度 against 时间进度: a bar a row, each named (`who`: 单位, 主管部门, 资金来源), on a percentage scale."""

    who: str
    bars: list[tuple[str, float | None, str | None]]  # name, 支出进度, grade
    time_progress: float | None
    caption: str


@dataclass
class Placeholder:
    """Where only a person can write: shown highlighted as 【待填写：…】."""

    prompt: str

    @property
    def text(self) -> str:
        return f"【待填写：{self.prompt}】"


@dataclass
class DraftNote:
    """Text xlmon drafted by rule, which a reviewer must confirm: marked 【草稿，供审核参考】."""

    text: str

    @property
    def marked(self) -> str:
        return f"【草稿，供审核参考】{self.text}"


Block = Union[Heading, Paragraph, Table, Chart, Placeholder, DraftNote]


@dataclass
class Report:
    kind: Kind
    title: str
    period: str
    blocks: list[Block] = field(default_factory=list)

    def text(self) -> str:
        """Everything the document says, one block a line (tables as tab-separated rows)."""
        lines = [self.title, self.period]
        for b in self.blocks:
            if isinstance(b, Table):
                lines += [b.caption, "\t".join(b.headers), *("\t".join(r) for r in b.rows)]
            elif isinstance(b, Chart):
                lines.append(b.caption)
            elif isinstance(b, DraftNote):
                lines.append(b.marked)
            else:
                lines.append(b.text)
        return "\n".join(lines)

    def headings(self, level: int = 1) -> list[str]:
        return [b.text for b in self.blocks if isinstance(b, Heading) and b.level == level]
