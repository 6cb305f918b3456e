"""Invariants of reading a 项目支出 form typed by hand in the official layout, over random combinations of what people do
when they type it in Excel or WPS: blank rows and columns around it and inside it, the title and period where they
centred them, the day it was made beside the title, labels spaced, broken over lines (Alt+Enter), full-width, with a
colon or padded with (non-breaking, zero-width) spaces, header fields with their values in one cell, rows and columns
under their other usual names, amounts as numbers or text (thousands separators, full-width digits, 万元 typed with
them, a dash for none) or in 元, rates as fractions, percentages or points, rounded as shown or left blank, 小计 and
资金总额 typed or left to xlmon, a unit's own sum typed again below the sources, 其中： on a line of its own, columns of the
unit's own beside the table, unused source rows left out, 一级/二级 merged or repeated, unused template rows, ticks of
every kind, the period in every accepted wording (in the title's cell, or only its year), the indicators above the
funding, notes beside the tables and a sign-off line below, forms stacked on one sheet with or without titles of
their own, a sheet of instructions beside it.

Whatever they did, the form reads as the same form typed cleanly (tests/handmade.project_grid): its header, every
source's amounts in 万元, every computed rate and grade, its indicators and their ticks. Its diagnostics are the clean
form's, one for one, each at the cell of the same field; the only others are those a variation is meant to produce,
each at the cell expected: N003 for a form in 元 (at the first cell stating it), N002 for an amount typed in 元 in a
form in 万元, S111 for each source row left out, S130 for each form stacked below another, S001 for the instructions.
Every diagnostic names a cell inside its sheet's grid and speaks Chinese; no note or sign-off is read; reading changes
no grid, is deterministic, and does not depend on the order of the sheets.

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property instead of the
few a test run affords."""

from __future__ import annotations

import datetime
import random
import re
from copy import deepcopy
from dataclasses import dataclass, field

import pytest

from handmade import FUNDING_HEADER_SUB, FUNDING_HEADER_TOP, project_grid
from seeded import seeds
from xlmon import layout as L
from xlmon.check import check_sheets
from xlmon.grid import address, parse_address
from xlmon.text import clean_text, nfkc, parse_amount

YEAR = 2026
GOAL = "完成校舍维修 3 处，消除安全隐患。"
DEPARTMENT = "某市教育局（101001）"
PROJECTS = ("校舍维修改造项目", "学生营养改善计划", "教师培训项目", "智慧校园建设项目", "校园安全保障项目")
UNITS = ("某市第一中学", "某市实验小学", "某市职业技术学校")
FULL_WIDTH = str.maketrans("0123456789.,%-", "０１２３４５６７８９．，％－")
NBSP, IDEOGRAPHIC_SPACE, ZERO_WIDTH = "\u00a0", "\u3000", "\u200b"
TRAILING = f" \n\r{NBSP}{IDEOGRAPHIC_SPACE}{ZERO_WIDTH}：:"  # what as_typed may end a label with
# The period as units word it, by the months it covers (test_reader.test_period_wordings)
PERIODS = {
    3: ("（{y}年1-3月）", "{y}年第一季度", "{y}年1至3月", "（{y}年1月—3月）", "{y}年第1季度"),
    6: ("（{y}年1-6月）", "{y}年1—6月", "{y}年上半年", "（{y}年度1-6月）", "二〇二六年一至六月", "{y}年1月-6月",
        "（{y}年1月——6月）", "{y} 年 1 月份 - 6 月份", "（{y}年01-06月）", "截至{y}年二季度末", "（{y}.1-6月）",
        "（{y}年1-6）", "监控期间：{y}年1月1日至6月30日", "(２０２６年１－６月)", "{y}/1-6月"),
    9: ("（{y}年1-9月）", "{y}年前三季度", "{y}年1至9月", "二〇二六年一至九月", "{y}年1月1日-{y}年9月30日"),
    12: ("（{y}年1-12月）", "二〇二六年一至十二月", "{y}年度1-12月"),
}
# Ticks for the chosen likelihood and what the other two columns hold: what the reader takes as no mark (its
# _NO_MARK, and a cell linked to a check box) besides a blank
TICKS = ("√", "√", "✓", "✔", "☑", "●", "是", True, 1, " √ ", "V", "v", "对")
NO_TICKS = (None, None, None, "", " ", "×", "□", "☐", "○", False, 0, "否", "/")
# what units call the rows (reader._SOURCE_ALIASES), and the total (test_reader)
ALIASES = {L.TOTAL_ROW: ("合计", "项目资金总额", "资金合计", "资金总额（万元）"), "中央财政资金": ("中央资金", "中央补助资金"),
           "省级财政资金": ("省级资金", "省财政资金"), "市级财政资金": ("市级资金", "市本级资金"),
           "县（区）财政资金": ("县级财政资金", "区级财政资金", "县区财政资金"), "单位自筹资金": ("自筹资金",),
           "其他资金": ("其他", "其它资金")}
# sign-off lines below the form, a phone number typed as a number too
SIGNATURES = (["填报人：张三", None, None, "联系电话：0351-1234567", None, None, "审核人：李四", None, None,
               "填报日期：2026年7月10日"],
              ["单位负责人：", "王五", None, "填报人：", "张三", "联系电话：", 13512345678, None, "填报日期：", "2026年7月10日"])
# other words units head the columns and rows with (layout's header keywords, reader._GOAL_KEYS)
WORDINGS = {
    "本年预算": ("当年预算", "年初预算"), "小计": ("合计", "安排数"), "1-6月支出数": ("1-6月实际支出数", "1-6月执行数"),
    "全年预计支出数": ("预计全年支出数", "全年预计执行数"), "1-6月下达数": ("1-6月已下达数", "1-6月下达金额"),
    "年度指标值": ("指标值", "年度目标值"), "1-6月指标完成情况": ("1-6月完成值", "1-6月实际完成情况"),
    "全年指标预计完成情况": ("全年预计完成值", "预计全年完成情况"), "偏差原因分析": ("偏差原因",),
    "项目年度绩效目标": ("年度绩效目标", "绩效目标", "年度总体目标"),
}
SPARE = (("产出指标", "数量指标"), ("效益指标", "生态效益指标"), ("满意度指标", "服务对象满意度指标"))
# what variations are meant to produce, each placed and checked: an amount in 元 (N002), a form in 元 (N003), the
# sources with no money left out (S111), a second form on the sheet (S130), a sheet of instructions (S001)
EXTRA_CODES = {"N002", "N003", "S111", "S130", "S001"}


# ---------------------------------------------------------------------------------------------------------------
# The form's data, as one form holds it whatever way it is typed.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Indicator:
    level1: str
    level2: str
    level3: str
    target: str
    actual: object
    forecast: object
    reason: str | None
    likelihood: str
    remark: str | None = None


POOL = (
    Indicator("产出指标", "数量指标", "维修校舍面积", "≥1200平方米", "800平方米", "1250平方米", None, "确定能"),
    Indicator("产出指标", "数量指标", "培训教师人数", "≥500人次", 260, 510, None, "确定能"),
    Indicator("产出指标", "数量指标", "注册志愿者人数", "≥200人", 150, 220, None, "确定能"),
    Indicator("产出指标", "数量指标", "说明会举办场次", "≥4场", "2场", "4场", None, "确定能"),
    Indicator("产出指标", "质量指标", "验收合格率", "＝100%", "100%", "100%", None, "确定能"),
    Indicator("产出指标", "时效指标", "完工时间", "≤180天", 90, 170, None, "确定能"),
    Indicator("产出指标", "成本指标", "单位面积维修成本", "≤1500元", "1400元", "1450元", None, "确定能"),
    Indicator("效益指标", "社会效益指标", "安全隐患消除", "有效消除", "基本消除", "达成", "雨季施工受限，二期延至9月", "有可能"),
    Indicator("效益指标", "社会效益指标", "受益学生人数", "≥3000人", "1500人", "2600人", "部分学校开学推迟", "有可能"),
    Indicator("效益指标", "可持续影响指标", "校舍使用年限延长", "≥10年", "10年", "10年", None, "确定能"),
    Indicator("效益指标", "经济效益指标", "节约维修费用", "≥50万元", "20万元", "30万元", "材料涨价", "完全不可能",
              "拟调减目标至30万元"),
    Indicator("满意度指标", "服务对象满意度指标", "师生满意度", "95%", "93%", "96%", None, "确定能"),
    Indicator("满意度指标", "服务对象满意度指标", "家长满意度", "≥90%", 0.92, 0.93, None, "确定能"),
)


@dataclass
class Project:
    name: str
    unit: str
    months: int
    # source -> field (INPUT_AMOUNTS) -> amount in hundreds of 元 (0.01 万元), exact in 元 and in 万元
    amounts: dict[str, dict[str, int | None]]
    indicators: list[Indicator]
    # slips the unit made, typed the same however it types: source -> 小计 without 上年结转, or 下达率 over 小计
    slips: dict[str, dict[str, float]] = field(default_factory=dict)

    def row(self, source: str) -> dict[str, int | None]:
        if source != L.TOTAL_ROW:
            return self.amounts[source]
        return {f: sum(v) if (v := [a[f] for a in self.amounts.values() if a[f] is not None]) else None
                for f in L.INPUT_AMOUNTS}

    def shown(self, source: str) -> dict[str, float | None]:
        """小计 and the rates as the unit typed them: as the form defines them, but for its slips."""
        return worked_out(self.row(source)) | self.slips.get(source, {})


def random_project(rng: random.Random, name: str) -> Project:
    """One to four sources with amounts, the others blank; 下达数 and 支出数 within the year's arrangement."""
    used = rng.sample(L.PROJECT_SOURCES, rng.randint(1, 4))
    amounts = {}
    for source in L.PROJECT_SOURCES:
        if source not in used:
            amounts[source] = dict.fromkeys(L.INPUT_AMOUNTS)
            continue
        current = rng.randint(1, 500_000) if rng.random() < 0.9 else None
        carryover = rng.randint(0, 100_000) if rng.random() < 0.35 or current is None else None
        arranged = (current or 0) + (carryover or 0)
        issued = rng.randint(0, arranged) if rng.random() < 0.95 else None
        spent = rng.randint(0, issued or arranged)
        amounts[source] = {"carryover": carryover, "current": current, "issued": issued, "spent": spent,
                           "forecast": rng.randint(spent, max(spent, arranged))}
    indicators = [POOL[i] for i in sorted(rng.sample(range(len(POOL)), rng.randint(1, 8)))]
    slips = {}
    for source in used:
        row = amounts[source]
        if (row["carryover"] or 0) > 100 and row["current"] and rng.random() < 0.15:
            slips[source] = rng.choice(({"subtotal": row["current"]},
                                        {"issue_rate": (row["issued"] or 0) / (row["carryover"] + row["current"])}))
    slips = {s: v for s, v in slips.items()
             if "issue_rate" not in v or abs(v["issue_rate"] - worked_out(amounts[s])["issue_rate"]) > 0.02}
    return Project(name, rng.choice(UNITS), rng.choice(tuple(PERIODS)), amounts, indicators, slips)


def wan(n: int | None) -> float | None:
    return None if n is None else n / 100


def worked_out(row: dict[str, int | None]) -> dict[str, float | None]:
    """小计 and the rates of a row, as the form defines them."""
    subtotal = None if row["carryover"] is None and row["current"] is None else (row["carryover"] or 0) + (
        row["current"] or 0)
    return {"subtotal": subtotal, "issue_rate": (row["issued"] or 0) / row["current"] if row["current"] else None,
            "spend_progress": (row["spent"] or 0) / subtotal if subtotal else None}


def clean_grid(project: Project) -> list[list]:
    """The form typed cleanly: numbers in 万元, 小计 and rates as the form computes them, the headers of its months."""
    funding = {}
    for source in (L.TOTAL_ROW, *L.PROJECT_SOURCES):
        row, made = project.row(source), project.shown(source)
        funding[source] = [wan(row["carryover"]), wan(row["current"]), wan(made["subtotal"]), wan(row["issued"]),
                           made["issue_rate"], wan(row["spent"]), made["spend_progress"], wan(row["forecast"])]
    indicators = [[i.level1, i.level2, i.level3, i.target, i.actual, i.forecast, i.reason,
                   *("√" if i.likelihood == x else None for x in L.LIKELIHOODS), i.remark] for i in project.indicators]
    grid = project_grid(funding=funding, indicators=indicators, period=L.period_text(YEAR, project.months),
                        project=project.name, unit=project.unit, department=DEPARTMENT)
    return [[v.replace("1-6月", f"1-{project.months}月") if isinstance(v, str) else v for v in row] for row in grid]


# ---------------------------------------------------------------------------------------------------------------
# The same form typed by hand.
# ---------------------------------------------------------------------------------------------------------------

def as_typed(rng: random.Random, label: str) -> str:
    """A label as people type it: spaced, broken over lines (Alt+Enter), full-width, with a colon, padded with
    spaces, non-breaking spaces, an ideographic space, or what shows nothing (pasted from a web page), or as it is."""
    text = label
    roll = rng.random()
    if roll < 0.15:
        text = " ".join(text)
    elif roll < 0.3 and len(text) > 3:
        cut = rng.randint(1, len(text) - 1)
        text = text[:cut] + rng.choice(("\n", "\r\n", " \n")) + text[cut:]
    if rng.random() < 0.2:
        text = text.replace("(", "（").replace(")", "）").replace(":", "：")
    if rng.random() < 0.15 and not text.endswith(("：", ":")):
        text += rng.choice(("：", ":"))
    if rng.random() < 0.2:
        text = rng.choice((" ", "  ", NBSP, IDEOGRAPHIC_SPACE, "\t", "\ufeff")) + text
    if rng.random() < 0.2:
        text += rng.choice((" ", "  ", NBSP, "\n", ZERO_WIDTH))
    return text


def padded(rng: random.Random, text: str) -> str:
    """A value with spaces (or a non-breaking one, pasted from a web page) around it, which no one sees."""
    if rng.random() < 0.25:
        return rng.choice(("", " ", NBSP)) + text + rng.choice(("", " ", "  ", NBSP))
    return text


def plain(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


@dataclass
class Typing:
    """How one person types the form, and what a reader is meant to say of it."""

    in_yuan: bool
    expected: list[tuple[str, str]] = field(default_factory=list)  # (code, cell) the variations produce
    typed: dict[tuple[int, int], object] = field(default_factory=dict)  # amount cell (grid row, col) -> its raw
    extras: set[tuple[int, int]] = field(default_factory=set)  # cells of notes, signatures: no part of the form

    def move(self, moved) -> None:
        """What was placed, moved with its cells: moved takes a (row, column) to its new one."""
        self.expected = [(code, cell(moved(*parse_address(ref)))) for code, ref in self.expected]
        self.typed = {moved(*place): v for place, v in self.typed.items()}
        self.extras = {moved(*place) for place in self.extras}


def amount_cell(rng: random.Random, n: int | None, typing: Typing, at: tuple[int, int], numeric: bool = False
                ) -> object:
    """An amount as typed: a number, text with thousands separators or spaces, full-width digits, with its unit; in
    元 in a form stated in 元; now and then in 元 in a form in 万元 (N002, expected)."""
    if n is None:
        return rng.choice((None, None, None, None, "", " ", "-", "—", "/", "无"))
    number = n * 100 if typing.in_yuan else n / 100
    roll = rng.random()
    if roll < 0.45 or numeric:
        return number
    if roll < 0.55:
        return f"{number:,.2f}"
    if roll < 0.65:
        return f" {plain(number)} "
    if roll < 0.72:
        return plain(number).translate(FULL_WIDTH)
    if roll < 0.78:  # its unit typed with it: read in 万元 whatever the form's unit
        return rng.choice(("{}万元", "{} 万元", "{}万")).format(plain(n / 100))
    if roll < 0.8:
        return f"{number:,.2f}".translate(FULL_WIDTH)
    if roll < 0.83 and not typing.in_yuan:
        typing.expected.append(("N002", cell(at)))
        return f"{n * 100:,}元"
    return f"{plain(number)}{rng.choice((NBSP, ZERO_WIDTH))}"


def rate_cell(rng: random.Random, rate: float | None, slip: bool = False) -> object:
    """A rate as typed: left blank (xlmon works it out; not a slip, which is typed), a fraction, a text percentage,
    percentage points in a % column, rounded to 0-2 decimals of a percent as the cell shows it."""
    if rate is None:
        return rng.choice((None, None, None, "-", "/", "0%", 0))
    if rng.random() < 0.3 and not slip:
        return None
    decimals = rng.randint(0, 2)
    points = round(rate * 100, decimals)
    return rng.choice((round(rate, decimals + 2), f"{points:.{decimals}f}%", f"{points:.{decimals}f}％", points, rate))


def cell(at: tuple[int, int]) -> str:
    return address(*at)


def typed_grid(rng: random.Random, project: Project, typing: Typing, top: int, left: int, titled: bool = True
               ) -> list[list]:
    """The project's form typed by hand, from row `top` and column `left` of its grid; with no title (a form stacked
    below another) or with one."""
    rows: list[list] = [[] for _ in range(top)]

    def put(line: list) -> int:
        rows.append([None] * left + line)
        return len(rows) - 1

    def blank_rows(chance: float) -> None:
        while rng.random() < chance:
            put(rng.choice(([], [None], ["", None, " "])))

    period = rng.choice(PERIODS[project.months]).format(y=YEAR)
    title = rng.choice((f"{YEAR}年市级项目支出绩效运行监控表", "项目支出绩效运行监控表", f"{YEAR}年度项目支出绩效运行监控表",
                        "项 目 支 出 绩 效 运 行 监 控 表", f"{YEAR}年度\n项目支出绩效运行监控表"))
    if title.startswith(str(YEAR)) and rng.random() < 0.3:  # the year in the title alone: （1-6月） below it
        period = f"（1-{project.months}月）"
    if not titled:  # a form stacked with no title begins at its period, alone on its line or after its label (监控期间：):
        # one with the unit beside it, or worded with days (1月1日至6月30日), is not taken for the start of a form
        period = rng.choice(("（{y}年1-{m}月）", "{y}年1至{m}月", "{y}年1月-{m}月")).format(y=YEAR, m=project.months)
    unit = "元" if typing.in_yuan else "万元"
    # where the form states its unit (a 元 form at least once; N003 at the first): the title's row, the period's cell,
    # the funding block's label, its column headers, the right of its header row
    places = ("title", "period", "block", "columns", "beside") if titled else ("block", "columns", "beside")
    where = set(rng.sample(places, rng.randint(0 if unit == "万元" else 1, 2)))
    stated: list[tuple[int, int]] = []
    title_row = [*[None] * rng.choice((0, 0, 0, 3, 4)), as_typed(rng, title)]  # merged over the table, or centred
    roll = rng.random() if titled else 1  # a form with no title has its period on a line of its own
    if roll < 0.1 and project.months == 6:  # the period in the title, none below
        title_row, period = [f"{YEAR}年1-6月项目支出绩效运行监控表"], None
    elif roll < 0.2:  # the period below the title in its cell (Alt+Enter)
        title_row, period = [title_row[-1] + rng.choice(("\n", "\r\n", " \n")) + period], None
    elif roll < 0.25:  # the year alone, the months in the column headers (1-6月下达数): （2026年度）, or a date Excel made
        period = rng.choice((f"（{YEAR}年度）", datetime.datetime(YEAR, project.months, 28)))
    if not isinstance(period, str):
        where = (where - {"period"}) or {"block"} if typing.in_yuan else where - {"period"}
    if "title" in where:
        title_row += [None] * (10 - len(title_row)) + [rng.choice((f"金额单位：{unit}", f"（单位：{unit}）", f"单位:{unit}"))]
        stated.append((len(rows), left + 10))
    if titled and rng.random() < 0.15:  # the day it was made, at the right of the title
        title_row += [None] * (11 - len(title_row)) + [rng.choice(("2026年7月10日", "日期：2026年7月10日", "2026年7月10号"))]
        typing.extras.add((len(rows), left + 11))
    if titled:
        put(title_row)
    if period is not None:
        if "period" in where:
            period += rng.choice(("  ", "    ", "\n")) + f"金额单位：{unit}"
        offset = rng.choice((0, 0, 0, 3, 4, 8))
        # its label in a cell of its own; not a date's: a date right of a label is a 填报日期 to the reader
        labelled = rng.random() < (0.1 if titled else 0.3) and isinstance(period, str)
        named = [as_typed(rng, "监控期间："), None] if labelled else []
        if not titled and rng.random() < 0.3:  # 监控期间：2026年1-6月, in one cell
            named, period = [], as_typed(rng, "监控期间：").rstrip(TRAILING) + "：" + period
        at = put([*[None] * offset, *named, padded(rng, period) if isinstance(period, str) else period])
        offset += len(named)
        if "period" in where:
            stated.append((at, left + offset))
    if rng.random() < 0.2:
        at = put(["填报单位（盖章）：" + project.unit, None, None, None, None, None, "填报日期：2026年7月10日"])
        typing.extras |= {(at, left), (at, left + 6)}
    blank_rows(0.15)
    one_cell = rng.random() < 0.2  # the header fields typed with their values: 项目名称：…

    def field(label: str, value: str) -> list:
        if one_cell:  # one colon: 项目名称：：…, a slip, is read with the second colon before the name
            return [as_typed(rng, label).rstrip(TRAILING) + rng.choice(("：", ":")) + padded(rng, value)]
        return [as_typed(rng, label), *[None] * rng.choice((0, 1, 1, 2)), padded(rng, value)]

    put(field("项目名称", project.name))
    line = field("主管部门及代码", DEPARTMENT)
    put(line + [None] * (rng.randint(5, 7) - len(line)) + field("预算单位", project.unit))
    blank_rows(0.15)
    funding_at = len(rows)
    block = f"项目资金预算安排及执行进度（{unit if 'block' in where else '万元'}）"
    top_header = [as_typed(rng, worded(rng, h).replace("1-6月", f"1-{project.months}月")) if h else None
                  for h in FUNDING_HEADER_TOP]
    sub_header = [as_typed(rng, worded(rng, h)) if h else None for h in FUNDING_HEADER_SUB]
    if "columns" in where:  # 上年结转（元）: each amount column's header
        for header, columns in ((top_header, (3, 5, 7)), (sub_header, (0, 1, 2))):
            for c in columns:
                header[c] += rng.choice(("（{}）", "({})", "\n（{}）")).format(unit)
    if rng.random() < 0.15:  # one header row: 上年结转, 本年预算 and 小计 beside the other columns, no 年度预算资金安排
        top_header[:3] = sub_header[:3]
        sub_header = None
    at = put([as_typed(rng, block), None, None, *top_header])
    if "block" in where:
        stated.append((at, left))
    if "columns" in where:
        stated.append((at, left + (6 if sub_header else 3)))
    if "beside" in where:
        rows[at] += [None, rng.choice((f"单位：{unit}", f"（金额单位：{unit}）"))]
        stated.append((at, left + 12))
    # a column of the unit's own right of the table: what it expects to carry over, its notes
    extra = rng.choice((None, None, None, "预计结转结余", "备注", "全年预计执行率")) if "beside" not in where else None
    if extra:
        rows[at].append(as_typed(rng, extra))
    if sub_header:
        put([None, None, None, *sub_header])
    if typing.in_yuan:
        typing.expected.append(("N003", cell(min(stated))))
    blank_total = rng.random() < 0.2
    order = [L.TOTAL_ROW, *L.PROJECT_SOURCES]
    if rng.random() < 0.15:  # the sources with no money left out: S111 names each, at the block's first row
        order = [x for x in order if x == L.TOTAL_ROW or any(v is not None for v in project.amounts[x].values())]
    if rng.random() < 0.1:  # 资金总额 below its sources
        order.append(order.pop(0))
    # the sum typed again below the sources, as a check; with no label, only below a 资金总额 typed: else the line
    # is a second allocation of the last source as well (S114), as the reader says
    check = rng.random() < 0.1 and order[0] == L.TOTAL_ROW
    label = rng.choice(("合计", "合  计", None if not blank_total else "合计"))
    first_row, heading = len(rows), []
    for i, source in enumerate(order):
        if i == 1 and rng.random() < 0.1:
            heading = rng.choice(([], [None, as_typed(rng, "其中：")]))  # a line between 资金总额 and its sources
            put(heading)
        name = rng.choice(ALIASES.get(source, (source,))) if rng.random() < 0.2 else source
        name = f"{name}：" if source == L.TOTAL_ROW else f"其中：{name}" if i == 1 and not heading else name
        r = len(rows)
        amounts, made, slips = project.row(source), project.shown(source), project.slips.get(source, {})
        line: list = [None, as_typed(rng, name), None]
        if i == 1 and not heading and rng.random() < 0.2:  # 其中： in a cell of its own
            line[:2] = [as_typed(rng, "其中："), as_typed(rng, name.removeprefix("其中："))]
        elif rng.random() < 0.1:  # typed in the right cell of the label's merged two
            line[1:3] = [None, line[1]]
        for c, f in enumerate(("carryover", "current", "subtotal", "issued", "issue_rate", "spent", "spend_progress",
                               "forecast"), start=left + 3):
            if blank_total and source == L.TOTAL_ROW:
                value = None
            elif f in L.RATE_FIELDS:
                value = rate_cell(rng, made[f], f in slips)
            elif f == "subtotal":
                value = amount_cell(rng, made[f], typing, (r, c)) if rng.random() < 0.7 or f in slips else None
            elif "subtotal" in slips and f in ("carryover", "current"):
                # a 小计 of 本年预算 alone beside a 上年结转 typed as text is what Excel's SUM shows skipping the text: the
                # reader takes it for that (N007, at the text), not for a slip (C001)
                value = amount_cell(rng, amounts[f], Typing(typing.in_yuan), (r, c), numeric=True)
            else:
                value = amount_cell(rng, amounts[f], typing, (r, c))
            if f not in L.RATE_FIELDS and clean_text(value) is not None:
                typing.typed[(r, c)] = value
            line.append(value)
        if extra:
            line.append({"备注": rng.choice((None, "按进度拨付")), "预计结转结余": rng.choice((None, 12.5, "12.50")),
                         "全年预计执行率": rng.choice((None, 0.95, "95%"))}[extra])
        put(line)
    typing.expected += [("S111", cell((first_row, left))) for x in (L.TOTAL_ROW, *L.PROJECT_SOURCES) if x not in order]
    if check:
        total, made = project.row(L.TOTAL_ROW), worked_out(project.row(L.TOTAL_ROW))
        sums = (total["carryover"], total["current"], made["subtotal"])
        amounts = [amount_cell(rng, n, Typing(typing.in_yuan), (0, 0), numeric=True) for n in sums]
        put([None, label, None, *amounts])
    if rng.random() < 0.3:  # a note beside the funding table, where no column of it is
        r = rng.randrange(len(rows) - 7, len(rows))
        rows[r] += [None] * (left + 12 - len(rows[r])) + ["注：含追加预算，以财政批复为准"]
        typing.extras.add((r, len(rows[r]) - 1))
    goal_at = len(rows)
    blank_rows(0.1)
    put([as_typed(rng, worded(rng, "项目年度绩效目标")), *[None] * rng.choice((0, 1, 1, 2)), padded(rng, GOAL)])
    blank_rows(0.1)
    indicators_at = len(rows)
    flat = rng.random() < 0.15  # 确定能, 有可能, 完全不可能 headed in the header's row, no 完成目标可能性 over them
    put([as_typed(rng, "绩效指标"), *(as_typed(rng, h) for h in ("一级指标", "二级指标", "三级指标")),
         *(as_typed(rng, worded(rng, h).replace("1-6月", f"1-{project.months}月"))
           for h in ("年度指标值", "1-6月指标完成情况", "全年指标预计完成情况", "偏差原因分析")),
         *([as_typed(rng, x) for x in L.LIKELIHOODS] if flat else [as_typed(rng, "完成目标可能性“√”"), None, None]),
         as_typed(rng, "备注")])
    if not flat:
        put([None] * 8 + [as_typed(rng, x) for x in L.LIKELIHOODS])
    merge = rng.random()
    previous = (None, None)
    for ind in project.indicators:
        merged = merge < 0.4 or (merge < 0.7 and rng.random() < 0.5)  # merged, repeated, or as it came
        shown1 = None if merged and ind.level1 == previous[0] else as_typed(rng, ind.level1)
        shown2 = None if merged and (ind.level1, ind.level2) == previous else as_typed(rng, ind.level2)
        previous = (ind.level1, ind.level2)
        ticks = [rng.choice(TICKS) if ind.likelihood == x else rng.choice(NO_TICKS) for x in L.LIKELIHOODS]
        put([None, shown1, shown2, padded(rng, ind.level3), typed_target(rng, ind.target),
             typed_completion(rng, ind.actual), typed_completion(rng, ind.forecast), ind.reason, *ticks, ind.remark])
        if rng.random() < 0.05:
            put([])
        if rng.random() < 0.08:  # a row of the template left unused: its levels, and perhaps ……, no indicator
            spare = rng.choice(SPARE)
            put([None, as_typed(rng, spare[0]), as_typed(rng, spare[1]), rng.choice((None, "……", "…"))])
            previous = spare  # a cell merged over the next rows never spans it
    if rng.random() < 0.2:  # a note beside the indicators
        r = rng.randrange(len(rows) - len(project.indicators), len(rows))
        rows[r] += [None] * (left + 13 - len(rows[r])) + ["以上指标已经分管领导审核"]
        typing.extras.add((r, len(rows[r]) - 1))
    if rng.random() < 0.7:
        for note in L.FOOTNOTES:
            put([note])
    tail_at = len(rows)
    if rng.random() < 0.3:
        blank_rows(0.5)
        signature = rng.choice(SIGNATURES)
        at = put(list(signature))
        typing.extras |= {(at, left + c) for c, v in enumerate(signature) if v}
    if rng.random() < 0.2:
        at = put(["说明：本表金额为财务系统导出数"])
        typing.extras.add((at, left))
    if rng.random() < 0.1:  # the indicator table typed above the funding table, the goal between them or above both
        head, funding, goal, indicators, tail = (range(a, b) for a, b in zip(
            (0, funding_at, goal_at, indicators_at, tail_at), (funding_at, goal_at, indicators_at, tail_at, len(rows))))
        order = [*head, *indicators, *goal, *funding, *tail] if rng.random() < 0.5 else [
            *head, *goal, *indicators, *funding, *tail]
        row_of = {old: new for new, old in enumerate(order)}
        rows[:] = [rows[old] for old in order]
        typing.move(lambda r, c: (row_of[r], c))
    return rows


def worded(rng: random.Random, label: str) -> str:
    return rng.choice(WORDINGS[label]) if label in WORDINGS and rng.random() < 0.15 else label


def typed_target(rng: random.Random, target: str) -> str:
    """A target with spaces, full-width digits or operators (＞＝ for ≥ is not: no one types it so)."""
    roll = rng.random()
    if roll < 0.15:
        return target.translate(FULL_WIDTH)
    if roll < 0.25:
        return re.sub(r"(\d+)", r" \1 ", target).strip()
    return padded(rng, target)


def typed_completion(rng: random.Random, value: object) -> object:
    """A completion as typed: a number as text, padded, in full-width digits, after 约 or 预计, or as it is."""
    if isinstance(value, (int, float)) and rng.random() < 0.3:
        return rng.choice((str(value), f" {value} "))
    if isinstance(value, str) and re.match(r"\d", value) and rng.random() < 0.3:
        return rng.choice(("约", "预计", "")) + value.translate(FULL_WIDTH) if rng.random() < 0.5 else "约" + value
    return padded(rng, value) if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------------------------------
# What the reading must give.
# ---------------------------------------------------------------------------------------------------------------

FUNDING_FIELDS = ("carryover", "current", "subtotal", "issued", "issue_rate", "spent", "spend_progress", "forecast",
                  "gap")
INDICATOR_FIELDS = ("level1", "level2", "level3", "operator", "target_value", "unit", "actual", "forecast", "units",
                    "reason", "remark", "likelihood", "marks", "grade")


def reading(form) -> dict:
    """What a form says, whatever cells it says it in."""
    return {
        "header": (form.kind, form.project, form.department, form.unit, form.year, form.months, form.goal,
                   form.time_progress, form.grade),
        "funding": sorted(((r.block, r.row, r.grade, r.unreadable, r.errors,
                            {f: getattr(r, f) for f in FUNDING_FIELDS},
                            {f: r.typed.get(f) for f in L.INPUT_AMOUNTS if r.row != L.TOTAL_ROW})
                           for r in form.funding),
                          key=lambda row: row[:2]),
        "indicators": [({f: getattr(i, f) for f in INDICATOR_FIELDS}, compact(i.target), i.unknown)
                       for i in form.indicators],
    }


def compact(text: str) -> str:
    return re.sub(r"\s+", "", nfkc(text))


def assert_same_reading(form, clean, where: str) -> None:
    got, want = reading(form), reading(clean)
    assert got["header"] == pytest.approx(want["header"]), f"{where}: header"
    mine_rows = {row[:2]: row for row in got["funding"]}
    for row in want["funding"]:  # a source row left out is one with no money
        assert row[:2] in mine_rows or not any(v is not None for part in row[5:] for v in part.values()), (
            f"{where}: {row[1]} lost")
    kept = [row for row in want["funding"] if row[:2] in mine_rows]
    assert len(got["funding"]) == len(kept), f"{where}: funding rows"
    for mine, theirs in zip(got["funding"], kept):
        assert mine[:5] == theirs[:5], f"{where}: {mine[1]}"
        for values, expected in zip(mine[5:], theirs[5:]):
            for f, v in expected.items():
                assert values[f] == pytest.approx(v, abs=1e-7), f"{where}: {mine[1]}·{f}"
    assert got["indicators"] == want["indicators"], where


def assert_cells_named(result, sheets: dict[str, list[list]], where: str) -> None:
    """Every diagnostic names a sheet of the book and a cell inside its grid, and says it in Chinese."""
    for d in result.diagnostics:
        assert re.search(r"[\u4e00-\u9fff]", d.message) and not re.search(r"None|nan|\{|\}", d.message), (
            f"{where}: {d.code} {d.message}")
        if d.cell is None:
            continue
        assert d.sheet in sheets, f"{where}: {d.code} on {d.sheet}"
        r, c = parse_address(d.cell)
        grid = sheets[d.sheet]
        assert 0 <= r < len(grid) and 0 <= c < max(map(len, grid)), f"{where}: {d.code} at {d.cell}"


def assert_own_cells(form, grid: list[list], typing: Typing, where: str) -> None:
    """Every value is read from the cell it was typed in, and nothing from a note or a signature around the form."""
    for row in form.funding:
        for f in L.INPUT_AMOUNTS:
            if row.typed.get(f) is None:
                continue
            at = parse_address(row.cells[f])
            assert at in typing.typed and at not in typing.extras, f"{where}: {row.row}·{f} from {row.cells[f]}"
            number, unit = parse_amount(typing.typed[at])
            expected = number / 10000 if typing.in_yuan and unit is None else number
            assert row.typed[f] == pytest.approx(expected), f"{where}: {row.cells[f]}"
    for ind in form.indicators:
        for f, ref in ind.cells.items():
            assert parse_address(ref) not in typing.extras, f"{where}: {ind.level3}·{f} from {ref}"
        r, c = parse_address(ind.cells["level3"])
        assert clean_text(grid[r][c]) == ind.level3, f"{where}: {ind.level3} at {ind.cells['level3']}"


def places(form) -> dict[str, set]:
    """What each cell of a form is: a header field, a funding row's field, an indicator's field (by its order)."""
    out: dict[str, set] = {}
    named = [*((("form", k), v) for k, v in form.cells.items()),
             *(((r.block, r.row, f), v) for r in form.funding for f, v in r.cells.items()),
             *((("indicator", i, f), v) for i, ind in enumerate(form.indicators) for f, v in ind.cells.items())]
    for key, ref in named:
        out.setdefault(ref, set()).add(key)
    return out


def unmatched(mine: list, theirs: list, form, clean) -> tuple[list, list]:
    """The diagnostics of a form and of its clean copy that do not pair off: each pairs with one of the same code at
    a cell that is the same field of the form (or, where its cell is none of the form's fields, at any cell)."""
    here, there = places(form), places(clean)
    left = list(theirs)
    extra = []
    for d in mine:
        keys = here.get(d.cell, set())
        match = next((t for t in left if t.code == d.code and (keys & there.get(t.cell, set())
                                                              or not keys and not there.get(t.cell))), None)
        if match is None:
            extra.append((d.code, d.cell, d.message))
        else:
            left.remove(match)
    return extra, [(t.code, t.cell, t.message) for t in left]


@dataclass
class Case:
    seed: int
    projects: list[Project]
    sheets: dict[str, list[list]]
    typings: list[Typing]
    starts: list[int]  # the grid row each stacked form starts at

    def __str__(self) -> str:
        return f"seed {self.seed}"


def make_case(seed: int) -> Case:
    """One to three projects stacked on a sheet (most often one), each typed its own way, and now and then a sheet of
    instructions beside it."""
    rng = random.Random(seed)
    count = rng.choice((1, 1, 1, 2, 3))
    projects = [random_project(rng, name) for name in rng.sample(PROJECTS, count)]
    for p in projects[1:]:  # a unit's forms on one sheet are of one month
        p.months = projects[0].months
    left = rng.choice((0, 0, 1, 2, 3))
    grid: list[list] = []
    typings, starts = [], []
    for i, project in enumerate(projects):
        typing = Typing(in_yuan=rng.random() < 0.15)
        top = rng.choice((0, 0, 1, 2, 4)) if i == 0 else rng.randint(1, 3)
        part = typed_grid(rng, project, typing, top, left, titled=not i or rng.random() < 0.8)
        start = len(grid) + (top if i else 0)
        typing.move(lambda r, c, below=len(grid): (r + below, c))
        if i:
            typing.expected.append(("S130", cell((start, next(c for c, v in enumerate(part[top]) if clean_text(v))))))
        grid += part
        typings.append(typing)
        starts.append(start)
    if rng.random() < 0.15:  # a column inserted inside the tables (Excel's 插入列), left blank
        insert_column(grid, typings, left + rng.randint(3, 11))
    sheets = {"项目表": grid}
    if rng.random() < 0.3:
        sheets["填表说明"] = [["填表说明"], ["1. 金额单位为万元。"], ["2. 完成目标可能性在对应栏内打“√”。"]]
    if rng.random() < 0.3:
        sheets = dict(reversed(sheets.items()))
    return Case(seed, projects, sheets, typings, starts)


def insert_column(grid: list[list], typings: list[Typing], at: int) -> None:
    """A blank column inserted before column `at` of every row, and what the typings placed moved with it."""
    def moved(r: int, c: int) -> tuple[int, int]:
        return r, c + (c >= at)

    for row in grid:
        if len(row) > at:
            row.insert(at, None)
    for typing in typings:
        typing.move(moved)


@pytest.mark.parametrize("seed", seeds(60, 1))
def test_a_hand_typed_form_reads_as_the_same_form_typed_cleanly(seed):
    case = make_case(seed)
    before = deepcopy(case.sheets)
    result = check_sheets(case.sheets)
    assert case.sheets == before, f"{case}: reading changed the grids"
    assert [f.project for f in result.forms] == [p.name for p in case.projects], f"{case}: forms read"
    ends = [*case.starts[1:], len(case.sheets["项目表"])]
    if len(result.forms) > 1:
        assert [f.place for f in result.forms] == list(zip(case.starts, ends)), f"{case}: where the forms are"
    for form, project, typing, start, end in zip(result.forms, case.projects, case.typings, case.starts, ends):
        clean = check_sheets({"项目表": clean_grid(project)})
        [alone] = clean.forms
        where = f"{case}: {project.name}"
        assert_same_reading(form, alone, where)
        assert form.amount_unit == ("元" if typing.in_yuan else "万元"), where
        assert_own_cells(form, case.sheets["项目表"], typing, where)
        own = [d for d in result.diagnostics if d.code not in EXTRA_CODES and d.sheet == "项目表" and d.cell
               and start <= parse_address(d.cell)[0] < end]
        extra, lost = unmatched(own, clean.diagnostics, form, alone)
        assert not extra and not lost, f"{where}: said {extra}, not {lost}"
        assert not {parse_address(d.cell) for d in own} & typing.extras, f"{where}: a note read"
    assert all(d.code in EXTRA_CODES or d.sheet == "项目表" and d.cell for d in result.diagnostics), str(case)
    # a variation said only what it is meant to: a 元 form (N003), an amount in 元 (N002), a second form (S130)
    placed = sorted(code_cell for typing in case.typings for code_cell in typing.expected)
    if "填表说明" in case.sheets:
        placed.append(("S001", None))
    assert sorted((d.code, d.cell) for d in result.diagnostics if d.code in EXTRA_CODES) == sorted(placed), str(case)
    assert_cells_named(result, case.sheets, str(case))


@pytest.mark.parametrize("seed", seeds(20, 2))
def test_reading_is_deterministic_and_ignores_the_order_of_sheets(seed):
    """Two cases' sheets in one book: read twice, and with the sheets the other way round, the same forms and the
    same diagnostics."""
    book = {}
    for i, part in enumerate((make_case(seed), make_case(seed + 500))):
        book |= {f"{name}{i}": grid for name, grid in part.sheets.items()}
    first, again = check_sheets(book), check_sheets(deepcopy(book))
    assert repr(first) == repr(again), f"seed {seed}"
    turned = check_sheets(dict(reversed(book.items())))
    assert sorted(map(repr, turned.forms)) == sorted(map(repr, first.forms)), f"seed {seed}"
    assert sorted(d.model_dump_json() for d in turned.diagnostics) == sorted(
        d.model_dump_json() for d in first.diagnostics), f"seed {seed}"
