"""What consolidation keeps of each form: plain, picklable, JSON-able records."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import layout as L
from ..calc import AMOUNT_TOLERANCE, DEPENDS, EPS, ratio
from ..diagnostics import sheet_ref
from ..file_errors import readable

AMOUNTS = ("carryover", "current", "issued", "spent", "forecast")  # inputs; the rest is derived
PROJECT_CODE = re.compile(r"[0-9A-Z]{15,21}")  # a project's code (项目代码) where its name carries one
OVERALL_NAME = "（部门整体支出）"  # how a 部门整体 form is named where projects are listed by name
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_ASCII_JSON = json.JSONEncoder(separators=(",", ":"))  # for a Linux file name holding GBK bytes (surrogates)


@dataclass(slots=True)
class Deviation:
    """A yellow or red indicator, as the 指标偏差 sheet lists it."""

    level1: str
    level2: str
    level3: str
    target: str
    actual: str | float | None
    forecast: str | float | None
    likelihood: str | None
    reason: str | None
    remark: str | None
    grade: str
    cell: str | None


@dataclass(slots=True)
class FormRecord:
    """One project form (kind "project") or one unit's 部门整体 form (kind "department")."""

    kind: str
    file: str
    sheet: str
    unit: str | None
    project: str | None
    department: str | None
    code: str | None
    year: int | None
    months: int | None
    # block -> row label -> [carryover, current, issued, spent, forecast] as computed by xlmon
    amounts: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    # block -> row label -> the AMOUNTS the form holds but xlmon could not read (N001): unknown, not 0
    unknown: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    # block -> row label -> a 小计 typed without its 上年结转 and 本年预算 (calc.only_subtotal), or a 资金总额's share of
    # such: part of the row's 小计 and 支出进度, while no 下达率 can be had of it
    alone: dict[str, dict[str, float]] = field(default_factory=dict)
    funding_grade: str | None = None
    grade: str | None = None
    indicator_grades: dict[str, int] = field(default_factory=dict)
    likelihoods: dict[str, int] = field(default_factory=dict)
    deviations: list[Deviation] = field(default_factory=list)
    source: str | None = None  # for records read back from a summary: the file they first came from
    period_cell: str | None = None  # where the form states its period
    hidden: bool = False  # read from a sheet hidden in Excel: a copy on a visible sheet counts before it
    place: list[int] | None = None  # Form.place: the rows of a form stacked with others on its sheet
    covers: list[str] | None = None  # a department's own 部门整体 (K006): the units whose forms it takes in
    # the modification time of the file the form was read from, kept one level up: of two copies the later
    # counts, and a summary's copy is as old as its unit's file, not as the summary (None: a summary's own)
    modified: float | None = None
    # when the file the form was read from says it was last saved (safety.saved_time), kept one level up: of two
    # copies, the one saved later counts where both say and differ, however the files' times came to be
    saved: float | None = None
    # the SHA-256 of the file the form was read from, kept one level up (a department's own 部门整体: its summary's):
    # the very same bytes are one file wherever they arrive, in a summary or straight, in one folder or two
    sha256: str | None = None
    # a department's own 部门整体: the units its summary consolidated, which tell two departments' forms apart where
    # both name one 主管部门 (two sub-departments of 某局 each completing its own; copies.own_department)
    units: list[str] | None = None
    # [value, row·column, cell] of the form's largest amount typed (rules.numbers.largest_amount): K019 compares it
    # with the other units' forms
    largest: list | None = None
    # read back from a summary: the innermost summary it came in (a department's, read by the bureau whose summary
    # this is, or the summary itself), kept one level up: a bureau's summary consolidated again tells namesake units
    # apart as the bureau did, by the department's summary each came in (names.Units)
    via: str | None = None
    # a 部门整体 form's 年度绩效目标, which the report of one unit's, or of the department's own, states
    goal: str | None = None
    # the record as its line of a summary's records sheet, made where the record was extracted (in a worker)
    # once it is final; every field above is part of it
    line: str | None = field(default=None, compare=False, repr=False)

    def key(self) -> tuple[str, str]:
        """Same unit, as written (its code too), and same project (or code) is the same project, wherever it was
        read; a unit has one 部门整体 form, whatever its sheet is called. Forms that name no unit are never taken
        for another file's, but one file sent twice is one (unnamed). name_key finds the same project under a name
        written without a code."""
        from ..text import label_key

        unit = label_key(self.unit or "") or self.unnamed()
        if self.kind == "department":
            return (unit, "\0部门整体")
        return (unit, self.code or label_key(self.project or self.sheet))

    def name_key(self) -> tuple[str, str]:
        """key() by the names alone, codes set aside: 某项目（110101…123） of 某校（101001001） sent again as 某项目 of
        某校 is the same project (copies.same_project, which keeps two codes apart)."""
        from ..text import label_key, nfkc
        from .names import unit_key

        unit = unit_key(self.unit or "") or self.unnamed()
        if self.kind == "department":
            return (unit, "\0部门整体")
        return (unit, label_key(PROJECT_CODE.sub("", nfkc(self.project or self.sheet))))

    def unnamed(self) -> str:
        """What a form naming no unit is known by: its file, by the file's bytes where they are known, so that one
        file sent twice (in a department's summary and straight to the bureau, or into two folders) is one."""
        return f"\0{self.sha256 or self.source or self.file}"

    @property
    def from_summary(self) -> bool:
        """Whether the form was read back from a summary (source: the unit's file it first came from)."""
        return bool(self.source and self.source != self.file)

    @property
    def file_sheet(self) -> str | None:
        """The form's sheet in `file`, where a finding of it links to: none for a form read back from a summary,
        whose sheet is its unit's file's (表1), not the summary's."""
        return None if self.from_summary else self.sheet

    def read_from(self) -> str:
        """The file the form was read from: its own, or the innermost summary it came in (via)."""
        return self.file if self.via is None else self.via

    def where(self) -> tuple[str, str, str, int | None]:
        """The place of the form: (input, file, sheet, first row of a stacked form)."""
        return (self.file, self.source or self.file, self.sheet, self.place[0] if self.place else None)

    def total(self, block: str = "source") -> list[float | None]:
        return self.amounts.get(block, {}).get("资金总额", [None] * len(AMOUNTS))

    def unknown_in(self, row: str = "资金总额", block: str = "source") -> list[str]:
        return self.unknown.get(block, {}).get(row, [])

    def unread(self) -> bool:
        """Whether an amount the form holds could not be read (N001, N004, N006): unknown, not 0."""
        return any(fields for rows in self.unknown.values() for fields in rows.values())

    def unsplit(self, block: str = "source") -> bool:
        """Whether the block's 资金总额 holds amounts none of its other rows does (R212)."""
        rows = self.amounts.get(block, {})
        return any(rows.get("资金总额") or ()) and not self.split(block)

    def split(self, block: str) -> bool:
        """Whether a row of the block other than 资金总额 holds an amount."""
        return any(v is not None for row, values in self.amounts.get(block, {}).items() if row != "资金总额"
                   for v in values)

    def row_sums(self, block: str) -> list[float]:
        """Each of AMOUNTS summed over the block's rows other than 资金总额 (a blank one as 0)."""
        parts = [values for row, values in self.amounts.get(block, {}).items() if row != "资金总额"]
        return [sum(part[i] or 0.0 for part in parts) for i in range(len(AMOUNTS))]

    def alone_in(self, row: str = "资金总额", block: str = "source") -> float | None:
        return self.alone.get(block, {}).get(row)

    def rates(self) -> tuple[float | None, float | None, float | None]:
        """(小计, 下达率, 支出进度) of the 资金总额 row."""
        return derived(self.total(), self.unknown_in(), self.alone_in())

    def to_json(self) -> dict:
        """Like dataclasses.asdict, without its deep copies (20x faster on thousands of records)."""
        out = {name: getattr(self, name) for name in _RECORD_FIELDS}
        out["deviations"] = [{n: getattr(d, n) for n in Deviation.__dataclass_fields__} for d in self.deviations]
        return out

    @classmethod
    def from_json(cls, data: dict) -> FormRecord:
        data = {k: v for k, v in data.items() if k in _RECORD_FIELDS}
        data["deviations"] = [Deviation(**d) for d in data.get("deviations", [])]
        return cls(**data)

    def finish(self) -> FormRecord:
        """Set line: from here on the record is not changed."""
        self.line = record_line(self)
        return self


@dataclass(slots=True)
class FileOutcome:
    """One input file: what was taken from it and what was wrong with it."""

    path: str
    sha256: str
    status: str  # "included" | "rejected"
    reason: str | None
    records: list[FormRecord]
    diagnostics: list[dict]  # Diagnostic.model_dump() — plain dicts cross process boundaries cheaply
    summary: bool = False  # the file is an xlmon summary whose records were read back
    modified: float | None = None  # the file's modification time: of two copies of a project, the later counts
    inputs: list[str] = field(default_factory=list)  # a summary's: the files it consolidated, as it named them
    made_in: str | None = None  # a summary's: the folder it was written in, of files there (made_line)
    # a summary's: the SHA-256 of each file its records and findings came from (extract.file_hashes), by the path
    # they name it by: one file's findings are listed once however often it arrives
    hashes: dict[str, str] = field(default_factory=dict)
    # left out only as earlier months of forms sent for the summary's period (K018): listed after the files to see to
    earlier: bool = False
    roster: list[str] = field(default_factory=list)  # a summary's: the roster it was checked against
    left: dict | None = None  # a summary's: what it left out (records.left_line)


def left_out(files: list[FileOutcome]) -> tuple[list[FileOutcome], int]:
    """The files left out of a summary that are to be seen to, and how many more were left out only as earlier
    months of forms sent for its period (FileOutcome.earlier): these are counted after the others, not listed."""
    rejected = [f for f in files if f.status != "included"]
    return [f for f in rejected if not f.earlier], sum(f.earlier for f in rejected)


_RECORD_FIELDS = tuple(name for name in FormRecord.__dataclass_fields__ if name != "line")


def record_line(record: FormRecord) -> str:
    return _line({"type": "record", "data": record.to_json()})


def diagnostic_line(diagnostic: dict) -> str:
    return _line({"type": "diagnostic", "data": diagnostic})


def file_line(row: list) -> str:
    """A row of 文件清单 as the summary wrote it (edits.edited_files compares the sheet with these)."""
    return _line({"type": "file", "data": row})


def made_line(folder: str | None) -> str:
    """The folder the summary was written in, of units' files lying there; None when it summed files elsewhere
    (run.skip_own_summaries: last time's summary of a folder, or one sent in)."""
    return _line({"type": "made", "data": folder})


def left_line(rejected: list[list[str]], earlier: int, duplicates: list[str], others: list[str] = (),
              duplicate_files: int = 0) -> str:
    """What the summary left out, as its report says it (the files to see to, by name and reason; how many were
    earlier months kept; the files and projects sent twice, how many lines of them files; the files no workbook, not
    read), so that the report drafted from the summary says it too."""
    return _line({"type": "left", "data": {"rejected": rejected, "earlier": earlier, "duplicates": duplicates,
                                           "duplicate_files": duplicate_files, "others": list(others)}})


def profile_line(data: dict) -> str:
    """The rule profile the summary graded by (Profile.model_dump), so that one level up its grades are compared
    with what that profile gives, not taken for edits where the bureau's profile grades otherwise."""
    return _line({"type": "profile", "data": data})


def roster_line(names: list[str]) -> str:
    """The roster the summary was checked against, so that the report drafted from it says who did not report."""
    return _line({"type": "roster", "data": names})


def _line(item: dict) -> str:
    """One line of a summary's records sheet. A path that is not valid text (a Linux name in GBK bytes) is
    kept escaped, so that it reads back as it was."""
    text = _JSON.encode(item)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return _ASCII_JSON.encode(item)


def derived(values: list[float | None], unknown=(), alone: float | None = None) -> tuple[float | None, float | None,
                                                                                       float | None]:
    """小计, 下达率 and 支出进度 from [上年结转, 本年预算, 下达数, 支出数, 全年预计] (amounts summed first) and a 小计
    typed alone (FormRecord.alone); a blank amount counts as 0, but nothing is computed from an unknown one (a field
    named in unknown), nor a 下达率 where part of the money gave no 本年预算."""
    carry, current, issued, spent, _ = (v or 0.0 for v in values)
    subtotal = None if DEPENDS["subtotal"].intersection(unknown) else carry + current + (alone or 0.0)
    issue_rate = None if DEPENDS["issue_rate"].intersection(unknown) or alone else ratio(issued, current)
    progress = None if DEPENDS["spend_progress"].intersection(unknown) else ratio(spent, subtotal)
    return subtotal, issue_rate, progress


def not_prefilled(record: FormRecord) -> str | None:
    """Why a unit's 部门整体 form is left out of the department's pre-filled one (overall_sums): a row given as a
    小计 alone, whose 下达数 and 支出数 have no budget beside them, or an amount that could not be read, which would
    count as 0; summed with the others either would show xlmon's own pre-fill 超预算 or its two blocks apart. Or
    no amount in any row the pre-fill takes (only the 资金总额 rows, R212, or none): the form gives it nothing."""
    alone = [label for rows in record.alone.values() for label in rows if label != "资金总额"]
    if alone:
        return f"“{'、'.join(dict.fromkeys(alone))}”只填写了小计、未分列上年结转和本年预算"
    if record.unread():
        return "有金额无法识别（见“校验问题”）"
    if odd := [label for block, rows in record.amounts.items() for label, values in rows.items()
               if label not in _OVERALL_ROWS.get(block, ()) and any(v is not None for v in values)]:
        return f"{'、'.join(f'“{label}”' for label in dict.fromkeys(odd))}不是规定的行名称、无法归入本表的任何一行（见“校验问题”）"
    if not any(record.split(block) for block in record.amounts):  # nothing a row of the pre-fill could take
        return "只填写了资金总额、未按类型分列" if any(map(record.unsplit, record.amounts)) else "未填写金额"
    return None


_OVERALL_ROWS = {"source": {"资金总额", *L.DEPARTMENT_FUND_TYPES}, "spending": {"资金总额", *L.DEPARTMENT_SPENDING_TYPES}}
BLOCK_KINDS = {"source": "资金类型", "spending": "支出类型（基本支出、项目支出）"}


def amounts_left_out(record: FormRecord, records: list[FormRecord]) -> list[str]:
    """The amounts (下达数, 全年预计支出数) a unit's 部门整体 leaves blank in a row it fills in where another unit's
    gives them: the pre-fill sums only those given, a 全年预计 perhaps below the row's spending (R214 on xlmon's own
    pre-fill), so the note names the unit."""
    out = []
    for f in ("issued", "forecast"):
        i = AMOUNTS.index(f)
        if any(v[i] is None and any(x is not None for x in v) and any(
                other is not record and (given := other.amounts.get(block, {}).get(row)) and given[i] is not None
                for other in records) for block, rows in record.amounts.items() for row, v in rows.items()):
            out.append(L.FIELD_LABELS[f])
    return out


def blocks_apart(record: FormRecord) -> str | None:
    """How a unit's 部门整体 form, summed into the pre-fill, leaves its two blocks apart: the rows of one block hold
    other amounts than those of the other (R202), a block being blank or given as its 资金总额 alone (R212). The
    pre-fill takes the rows, each block's 资金总额 being their sum."""
    if not any(abs(a - b) > AMOUNT_TOLERANCE + EPS for a, b in zip(*map(record.row_sums, BLOCK_KINDS))):
        return None
    for block, kind in BLOCK_KINDS.items():
        if not record.split(block):
            return f"按{kind}只填写了资金总额、未分列" if record.unsplit(block) else f"未填写按{kind}的金额"
    return "按资金类型与按支出类型填写的金额不一致"


def overall_sums(records: list[FormRecord], block: str, row: str, every: bool = False,
                 zeros: bool = False) -> list[float | None] | None:
    """A 部门整体 row's five amounts summed over overall forms, as the summary's 部门整体 is pre-filled: None when
    no form has any amount in the row, else each amount summed (a blank one as 0), blank where no form gives it: a
    全年预计 or 下达数 no unit gave is unknown, not 0 (0 made xlmon's own pre-fill 预计支出少于已支出, R214, and its
    支出进度 0.00 %). A form not_prefilled names is left out, unless every; zeros: an amount no form gives as 0 too.
    every and zeros: as summaries written before pre-filled (EARLIER_WAYS)."""
    parts = [part for r in records if (part := r.amounts.get(block, {}).get(row)) and (every or not not_prefilled(r))]
    if not any(v is not None for part in parts for v in part):
        return None
    return [round(sum(part[i] or 0.0 for part in parts), 6)
            if zeros or any(part[i] is not None for part in parts) else None for i in range(len(AMOUNTS))]


# (every, zeros) of overall_sums as earlier summaries pre-filled: an amount no form gave as 0, and before that with
# the forms not_prefilled names summed in too; such a summary's pre-fill untouched is xlmon's, not the department's
EARLIER_WAYS = ((False, True), (True, True))


def form_name(record: FormRecord) -> str | None:
    """What a list of projects names a form by: its project, or OVERALL_NAME for a 部门整体 form."""
    return record.project if record.kind == "project" else OVERALL_NAME


def named_form(record: FormRecord) -> str:
    """form_name, or, for a project form that leaves 项目名称 blank, that it does and the sheet holding it: a list with
    no 工作表 column (重点监控建议, the report's tables) tells such a project apart from the unit's others only so."""
    return form_name(record) or f"（未填项目名称，工作表“{record.sheet}”）"


def duplicate_form(record: FormRecord) -> str:
    """What K002 says was sent twice: 某市第一中学的项目“校舍维修改造项目”, or a unit's 部门整体 form by its unit
    (某市第一中学的部门整体表), not 项目“（部门整体支出）”, which it is not. The unit leads: in brackets after the
    project, a name ending in its own, 项目“…”（某市教育局（本级））, nested them."""
    unit = record.unit or "未填单位"
    if record.kind != "project":
        return f"{unit}的部门整体表"
    return f"{unit}的项目“{form_name(record) or record.sheet}”"


def form_place(record: FormRecord, shown: dict[str, str]) -> str:
    """file!sheet of a form; for one read back from a summary, the summary, then the unit's file it summed:
    部门汇总.xlsx 所汇总的 一中.xlsx!表1. In brackets after the summary, a file named with its own, 一中（更正）.xlsx,
    nested them."""
    name = shown[record.file]
    if record.from_summary:
        return f"{name} 所汇总的 {came_from(record)}"
    return f"{name}!{sheet_ref(record.sheet)}{rows_from(record)}"


def came_from(record: FormRecord) -> str:
    """The unit's file and sheet a form read back from a summary came from: 一中.xlsx!表1."""
    return f"{readable(Path(record.source or record.file).name)}!{sheet_ref(record.sheet)}{rows_from(record)}"


def rows_from(record: FormRecord) -> str:
    return f"第 {record.place[0] + 1} 行起" if record.place else ""
