"""Invariants of reading a 部门整体支出绩效运行监控表 (附件3) typed by hand, over random combinations of what units do
when they type it in Excel or WPS rather than fill in our template: blank rows and columns around it and inside it,
附件3 above it, the title centred, spaced out or worded 单位整体 or 部门（单位）整体, the day it was made beside it, the
period in every accepted wording (in the title too), the unit's name under any of its usual labels (beside it or in
its cell), labels spaced, broken over lines (Alt+Enter), full-width, padded with what shows nothing, fund and
spending types under their books' names, 其中： on a line or in a cell of its own, rows with no money left out,
资金总额 under its other names or below its rows, 基本支出 broken down into 人员经费 and 公用经费, amounts as numbers or
text (thousands separators, full-width digits, 万元 typed with them, a dash for none) or in 元 with the form saying so
(in its title, period, name line, block label, column headers or beside them), rates as fractions, percentages or
points or left blank, 小计 and 资金总额 typed or left to xlmon, a unit's own sum typed below block 1, block 2 under its
own header, right below block 1 (perhaps without its 资金总额) or beside it, columns of the unit's own beside the
table, the goal beside its label, in its cell or on the line below, targets in one column or three (计算符号 |
年度指标值 | 计量单位), the indicators' levels merged or repeated, unused template rows, ticks of every kind, notes
beside the tables, footnotes, sign-off lines and remarks below.

Whatever they did, the form reads as the same form typed cleanly on our template: its header fields and period,
every block-1 fund row and block-2 spending row with the same amounts in 万元 and the same rates and grades, its goal
and its indicators. Each value is read from the cell it was typed in; no note or sign-off is read. Its diagnostics
are the clean form's, one for one, each at the cell of the same field (a finding of a 资金总额 not typed, which xlmon
works out, at none); the only others are those a variation is meant to produce, at the cell expected (N003 for a form
in 元, N002 for an amount typed in 元 in a form in 万元, S111 for a row left out, S134 for a breakdown, S130 where it
starts below a project form). A project form typed by hand on another sheet of the workbook, or above it on its
sheet, is read as it is alone, beside the 部门整体 form. Saved as a workbook, each typed form reads so through
`xlmon check`'s file reading too, and a department consolidating several units' typed forms pre-fills the same
部门整体, with the same note, totals and findings, as consolidating their clean forms.

Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property instead of the
few a test run affords."""

from __future__ import annotations

import datetime
import random
import re
import tempfile
from copy import deepcopy
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import pytest

from handmade import FUNDING_HEADER_SUB, FUNDING_HEADER_TOP
from test_consolidate_properties import assert_same_figures, consolidate
from test_overall_properties import note_of, prefilled, same_amounts
from test_reader_properties import make_case as project_case
from test_reader_properties import (NO_TICKS, PERIODS, SIGNATURES, TICKS, TRAILING, YEAR, Indicator, Typing,
                                    amount_cell, as_typed, assert_cells_named, assert_own_cells, assert_same_reading,
                                    cell, insert_column, padded, rate_cell, reading, typed_completion,
                                    typed_target, unmatched, worked_out)
from seeded import seeds
from xlmon import layout as L
from xlmon.adapters.files import read_workbook
from xlmon.check import check_file, check_sheets
from xlmon.form_plan import INDICATOR_COLS, letter
from xlmon.grid import parse_address
from xlmon.text import clean_text
from xlmon.templates import build_form, new_workbook, save_atomic

SALT = 92
SHEET = "部门整体"
UNITS = ("某市第一中学（101001001）", "某市实验小学（101001002）", "某市教育局本级（101001000）", "某市教师发展中心（101001004）")
GOAL = "保障机关正常运转，完成年度重点工作。"
# what units label the unit's name with on 附件3 (README: 附件3's 主管部门（单位）及代码 …)
UNIT_LABELS = ("主管部门（单位）及代码", "主管部门（单位）及代码", "主管部门（单位）名称及代码", "部门（单位）名称", "单位名称及代码",
               "单位名称", "预算单位")
# the names of a unit's budgets and books it types for 附件3's rows (README, the S… codes)
BOOK_NAMES = {"一般公共预算资金": ("财政拨款", "一般公共预算拨款", "一般公共预算"), "政府性基金预算资金": ("政府性基金",),
              "财政专户管理资金": ("财政专户",), "社会保险基金预算资金": ("社会保险基金",), "单位资金": ("单位自有资金",),
              "基本支出": ("基本经费",), "项目支出": ("项目经费",)}
TITLES = ("部门整体支出绩效运行监控表", "单位整体支出绩效运行监控表", "部门（单位）整体支出绩效运行监控表",
          f"{YEAR}年市级部门整体支出绩效运行监控表", f"{YEAR}年度部门整体支出绩效运行监控表", "部 门 整 体 支 出 绩 效 运 行 监 控 表",
          f"{YEAR}年度\n部门整体支出绩效运行监控表", "市级部门整体支出绩效运行监控表")
BLOCK_LABELS = ("预算安排及执行进度（万元）", "预算安排及执行进度", "部门预算安排及执行进度（万元）", "资金预算安排及执行进度（万元）")
FIRST_MARKS = ("1.", "1.", "1．", "1、", "（1）", None)
SECOND_MARKS = ("2.", "2.", "2．", "2、", "（2）", None)
GOAL_LABELS = ("年度绩效目标", "年度绩效目标", "部门年度绩效目标", "年度总体目标")
# a department's indicators, at most two in a group (our template has two rows for each), in the template's order
POOL = (
    Indicator("产出指标", "数量指标", "保障在职人数", "≥120人", "120人", "120人", None, "确定能"),
    Indicator("产出指标", "数量指标", "重点工作任务数", "≥12项", 6, 12, None, "确定能"),
    Indicator("产出指标", "质量指标", "重点工作完成率", "≥95%", "60%", "96%", None, "确定能"),
    Indicator("产出指标", "质量指标", "政府采购执行率", "＝100%", "100%", "100%", None, "确定能"),
    Indicator("产出指标", "时效指标", "资金支付及时率", "≥90%", 0.85, 0.92, None, "确定能"),
    Indicator("产出指标", "成本指标", "“三公”经费控制率", "≤100%", "45%", "98%", None, "确定能"),
    Indicator("产出指标", "成本指标", "公用经费支出", "≤500万元", "230万元", "480万元", None, "确定能"),
    Indicator("效益指标", "经济效益指标", "预算执行率", "≥90%", "45%", "80%", "项目招标延后", "完全不可能", "调减预算"),
    Indicator("效益指标", "社会效益指标", "政策知晓率", "≥85%", "80%", "88%", None, "确定能"),
    Indicator("效益指标", "社会效益指标", "办学条件改善", "明显改善", "有所改善", "达成", "下半年完工", "有可能"),
    Indicator("效益指标", "可持续影响指标", "制度建设完善程度", "逐步完善", "基本完善", "达成", None, "确定能"),
    Indicator("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", "93%", None, "确定能"),
    Indicator("满意度指标", "服务对象满意度指标", "职工满意度", "≥95%", 0.96, 0.97, None, "确定能"),
)
TOTAL_NAMES = ("资金总额", "合计", "资金合计", "资金总额合计")
SPARE = (("产出指标", "时效指标"), ("效益指标", "生态效益指标"), ("满意度指标", "服务对象满意度指标"))
EXTRA_CODES = {"N002", "N003", "S111", "S134", "S130"}


# ---------------------------------------------------------------------------------------------------------------
# The form's data.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Overall:
    unit: str
    months: int
    # (block, row) -> field (INPUT_AMOUNTS) -> amount in hundreds of 元 (0.01 万元), exact in 元 and in 万元
    amounts: dict[tuple[str, str], dict[str, int | None]]
    indicators: list[Indicator]

    def row(self, block: str, label: str) -> dict[str, int | None]:
        if label != L.TOTAL_ROW:
            return self.amounts[(block, label)]
        rows = [a for (b, _), a in self.amounts.items() if b == block]
        return {f: sum(v) if (v := [a[f] for a in rows if a[f] is not None]) else None for f in L.INPUT_AMOUNTS}

    def has_money(self, block: str, label: str) -> bool:
        return any(v is not None for v in self.amounts[(block, label)].values())


def random_overall(rng: random.Random, unit: str, months: int) -> Overall:
    """One to four fund types with amounts, the others blank; block 2 splitting block 1's money field by field
    between 基本支出 and 项目支出 (or all of it 基本支出), now and then with 基本支出 typed apart from it (R202)."""
    used = {"一般公共预算资金", *rng.sample(L.DEPARTMENT_FUND_TYPES, rng.randint(0, 3))}
    amounts: dict[tuple[str, str], dict[str, int | None]] = {}
    for label in L.DEPARTMENT_FUND_TYPES:
        if label not in used:
            amounts[("source", label)] = dict.fromkeys(L.INPUT_AMOUNTS)
            continue
        current = rng.randint(1, 3_000_000) if rng.random() < 0.95 else None
        carryover = rng.randint(0, 200_000) if rng.random() < 0.3 or current is None else None
        arranged = (current or 0) + (carryover or 0)
        issued = rng.randint(0, current or arranged) if rng.random() < 0.9 else None
        spent = rng.randint(0, issued or arranged)
        amounts[("source", label)] = {"carryover": carryover, "current": current, "issued": issued, "spent": spent,
                                      "forecast": rng.randint(spent, max(spent, arranged))}
    total = {f: sum(v) if (v := [a[f] for a in amounts.values() if a[f] is not None]) else None
             for f in L.INPUT_AMOUNTS}
    share = rng.choice((1.0, rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.9)))
    basic = {f: None if v is None else round(v * share) for f, v in total.items()}
    project = {f: None if v is None or share == 1.0 else v - basic[f] for f, v in total.items()}
    if rng.random() < 0.08 and basic["current"] is not None:
        basic["current"] += rng.choice((1000, 5550, 30000))
    amounts[("spending", "基本支出")] = basic
    amounts[("spending", "项目支出")] = project
    indicators = [POOL[i] for i in sorted(rng.sample(range(len(POOL)), rng.randint(1, 8)))]
    return Overall(unit, months, amounts, indicators)


# ---------------------------------------------------------------------------------------------------------------
# The form typed cleanly on our template.
# ---------------------------------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def template(months: int):
    """Our 部门整体 template of these months, as a grid (its formulas with no saved result read as blanks), and its
    layout."""
    book = new_workbook()
    layout = build_form(book.create_sheet(SHEET), "department", year=YEAR, months=months)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "部门整体.xlsx"
        save_atomic(book, path)
        return read_workbook(path).sheets[SHEET], layout


def clean_values(overall: Overall) -> dict[str, object]:
    """What a unit types into our template: cell -> value (amounts in 万元; the formulas left to work)."""
    _, layout = template(overall.months)
    values: dict[str, object] = {layout.header["department"]: overall.unit, layout.header["goal"]: GOAL}
    for (block, label), amounts in overall.amounts.items():
        for f, n in amounts.items():
            if n is not None:
                values[layout.funding[(block, label)][f]] = n / 100
    free = list(layout.indicator_rows)
    for ind in overall.indicators:
        r = next(r for l1, l2, r in free if (l1, l2) == (ind.level1, ind.level2))
        free = [x for x in free if x[2] != r]
        for f, v in (("level3", ind.level3), ("target", ind.target), ("actual", ind.actual),
                     ("forecast", ind.forecast), ("reason", ind.reason), (ind.likelihood, L.TICK),
                     ("remark", ind.remark)):
            if v is not None:
                values[f"{letter(INDICATOR_COLS[f])}{r}"] = v
    return values


def clean_grid(overall: Overall) -> list[list]:
    grid = deepcopy(template(overall.months)[0])
    for ref, v in clean_values(overall).items():
        r, c = parse_address(ref)
        grid[r][c] = v
    return grid


def write_clean(book, overall: Overall) -> None:
    ws = book.create_sheet(SHEET, 0)
    build_form(ws, "department", year=YEAR, months=overall.months)
    for ref, v in clean_values(overall).items():
        ws[ref] = v


# ---------------------------------------------------------------------------------------------------------------
# The same form typed by hand.
# ---------------------------------------------------------------------------------------------------------------

def typed_grid(rng: random.Random, overall: Overall, typing: Typing, top: int, left: int) -> list[list]:
    """The form typed by hand from row `top` and column `left` of its grid."""
    rows: list[list] = [[] for _ in range(top)]
    m = overall.months

    def put(line: list) -> int:
        rows.append([None] * left + line)
        return len(rows) - 1

    def blank_rows(chance: float) -> None:
        while rng.random() < chance:
            put(rng.choice(([], [None], ["", None, " "])))

    def months_of(text: str) -> str:
        return text.replace("1-6月", f"1-{m}月")

    if rng.random() < 0.2:  # the attachment's number, as the official form has it
        typing.extras.add((put([rng.choice(("附件3", "附件3：", "附件 3"))]), left))
    period = rng.choice(PERIODS[m]).format(y=YEAR)
    title = rng.choice(TITLES)
    if title.startswith(str(YEAR)) and rng.random() < 0.3:  # the year in the title alone: （1-6月） below it
        period = f"（1-{m}月）"
    elif rng.random() < 0.08:  # the period in the title, none below
        title, period = f"{YEAR}年1-{m}月部门整体支出绩效运行监控表", None
    unit = "元" if typing.in_yuan else "万元"
    where = set(rng.sample(("title", "period", "unit", "block", "columns", "beside"),
                           rng.randint(0 if unit == "万元" else 1, 2)))
    stated: list[tuple[int, int]] = []
    # a title holding the period is not broken inside its year (20\n26年)
    title_row = [*[None] * rng.choice((0, 0, 0, 3, 4)), as_typed(rng, title) if period else padded(rng, title)]
    roll = rng.random() if period else 1
    if roll < 0.1:  # the period below the title in its cell (Alt+Enter)
        title_row, period = [title_row[-1] + rng.choice(("\n", "\r\n")) + period], None
    elif roll < 0.15:  # the year alone, the months in the column headers: （2026年度）, or a date Excel made
        period = rng.choice((f"（{YEAR}年度）", datetime.datetime(YEAR, m, 28)))
    if not isinstance(period, str):
        where = (where - {"period"}) or {"block"} if typing.in_yuan else where - {"period"}
    if "unit" in where and "title" in where:
        where = where - {"title"}
    if "title" in where:
        title_row += [None] * (10 - len(title_row)) + [rng.choice((f"金额单位：{unit}", f"（单位：{unit}）", f"单位:{unit}"))]
        stated.append((len(rows), left + 10))
    if rng.random() < 0.15:  # the day it was made, at the right of the title
        title_row += [None] * (11 - len(title_row)) + [rng.choice(("2026年7月10日", "日期：2026年7月10日"))]
        typing.extras.add((len(rows), left + 11))
    put(title_row)
    if period is not None:
        if "period" in where:
            period += rng.choice(("  ", "    ", "\n")) + f"金额单位：{unit}"
        offset = rng.choice((0, 0, 0, 3, 4, 8))
        at = put([*[None] * offset, padded(rng, period) if isinstance(period, str) else period])
        if "period" in where:
            stated.append((at, left + offset))
    blank_rows(0.15)
    if rng.random() < 0.15:
        at = put(["填报单位（盖章）：" + overall.unit.partition("（")[0], None, None, None, None, None, "填报日期：2026年7月10日"])
        typing.extras |= {(at, left), (at, left + 6)}
    label = rng.choice(UNIT_LABELS)
    if rng.random() < 0.2:  # typed with its value: 单位名称：…
        line = [as_typed(rng, label).rstrip(TRAILING) + rng.choice(("：", ":")) + padded(rng, overall.unit)]
    else:
        line = [as_typed(rng, label), *[None] * rng.choice((0, 1, 2, 3)), padded(rng, overall.unit)]
    if "unit" in where:  # the unit of the amounts at the right of the unit's name
        line += [None] * (9 - len(line)) + [rng.choice((f"金额单位：{unit}", f"单位：{unit}"))]
        stated.append((len(rows), left + 9))
    put(line)
    blank_rows(0.15)

    block = rng.choice(BLOCK_LABELS)
    if "block" in where:
        block = block.removesuffix("（万元）") + f"（{unit}）"
    top_header = [as_typed(rng, months_of(h)) if h else None for h in FUNDING_HEADER_TOP]
    sub_header = [as_typed(rng, h) if h else None for h in FUNDING_HEADER_SUB]
    if "columns" in where:
        for header, columns in ((top_header, (3, 5, 7)), (sub_header, (0, 1, 2))):
            for c in columns:
                header[c] += rng.choice(("（{}）", "({})", "\n（{}）")).format(unit)
    one_row = rng.random() < 0.15  # 上年结转, 本年预算 and 小计 beside the other columns, no 年度预算资金安排
    if one_row:
        top_header[:3] = sub_header[:3]
    # block 2 right below block 1 with no header of its own, or beside it (to print on one page), or under its own
    layout = rng.choice(("headed", "headed", "headed", "stacked", "beside"))
    extra = rng.choice((None, None, None, "备注", "预计结转结余")) if not {"beside"} & {*where, layout} else None
    left_out = rng.random() < 0.2  # the rows with no money left out: S111 names each, at its block's first row

    def header(mark: str | None, label: str | None) -> int:
        line = [as_typed(rng, label) if label else None, mark, None, *top_header]
        if layout == "beside":
            line += [None, rng.choice(SECOND_MARKS), None, *top_header]
        at = put(line)
        if extra:
            rows[at].append(as_typed(rng, extra))
        if not one_row:
            put([None, None, None, *sub_header, *([None] * 3 + sub_header if layout == "beside" else [])])
        return at

    def place(r: int, base: int, line: list) -> None:
        while len(rows) <= r:
            put([])
        rows[r] += [None] * (base - len(rows[r]))
        rows[r][base:base + len(line)] = line

    def funding_rows(block_name: str, labels: tuple[str, ...], last: bool, first_row: int, base: int) -> int:
        """The block's rows from grid row first_row and column base; the row after them."""
        order = [L.TOTAL_ROW, *(x for x in labels if not left_out or overall.has_money(block_name, x))]
        if block_name == "spending" and rng.random() < 0.15:  # no 资金总额 of its own: block 1's says it
            order.pop(0)
            typing.expected.append(("S111", cell((first_row, left))))
        if layout == "headed" and rng.random() < 0.1:  # 资金总额 below its rows
            order.append(order.pop(0))
        blank_total = rng.random() < 0.15
        r, heading = first_row, False
        below = int(order[0] == L.TOTAL_ROW)  # the first row under 资金总额, its 其中
        for i, source in enumerate(order):
            if i == 1 and layout != "beside" and below and rng.random() < 0.1:
                place(r, base, [None, as_typed(rng, "其中：")])  # 其中： on a line of its own
                r, heading = r + 1, True
            name = source
            if source in BOOK_NAMES and rng.random() < 0.2:
                name = rng.choice(BOOK_NAMES[source])
            elif source == L.TOTAL_ROW and rng.random() < 0.15:
                name = rng.choice(TOTAL_NAMES + (() if typing.in_yuan else ("资金总额（万元）",)))
            name = f"{name}：" if source == L.TOTAL_ROW else f"其中：{name}" if i == below and not heading else name
            amounts = overall.row(block_name, source)
            made = worked_out(amounts)
            line: list = [None, as_typed(rng, name), None]
            if i == below and not heading and rng.random() < 0.2:  # 其中： in a cell of its own
                line[:2] = [as_typed(rng, "其中："), as_typed(rng, name.removeprefix("其中："))]
            for c, f in enumerate(("carryover", "current", "subtotal", "issued", "issue_rate", "spent",
                                   "spend_progress", "forecast"), start=base + 3):
                if blank_total and source == L.TOTAL_ROW:
                    value = None
                elif f in L.RATE_FIELDS:
                    value = rate_cell(rng, made[f])
                elif f == "subtotal":
                    value = amount_cell(rng, made[f], typing, (r, c)) if rng.random() < 0.7 else None
                else:
                    value = amount_cell(rng, amounts[f], typing, (r, c))
                if f not in L.RATE_FIELDS and clean_text(value) is not None:
                    typing.typed[(r, c)] = value
                line.append(value)
            if extra:
                line.append({"备注": rng.choice((None, "按进度拨付")), "预计结转结余": rng.choice((None, 12.5, "12.50"))}[extra])
            place(r, base, line)
            r += 1 + (layout != "beside" and rng.random() < 0.05)  # a blank row left inside the block
            if source == "基本支出" and layout != "beside" and overall.has_money(block_name, source) and (
                    rng.random() < 0.15):  # its 其中, 人员经费 and 公用经费: S134 says they are its parts
                r = breakdown(r, base, amounts)
        typing.expected += [("S111", cell((first_row, left))) for x in labels if x not in order]
        if last and not blank_total and order[0] == L.TOTAL_ROW and rng.random() < 0.1:  # the unit's own check
            total, made = overall.row(block_name, L.TOTAL_ROW), worked_out(overall.row(block_name, L.TOTAL_ROW))
            sums = (total["carryover"], total["current"], made["subtotal"])
            place(r, base, [None, rng.choice(("合计", "合  计")), None,
                            *(amount_cell(rng, n, Typing(typing.in_yuan), (0, 0), numeric=True) for n in sums)])
            r += 1
        return r

    def breakdown(r: int, base: int, amounts: dict[str, int | None]) -> int:
        share = rng.uniform(0.5, 0.9)
        personnel = {f: None if v is None else round(v * share) for f, v in amounts.items()}
        parts = (("人员经费", personnel), ("公用经费", {f: None if v is None else v - personnel[f]
                                                  for f, v in amounts.items()}))
        typing.expected.append(("S134", cell((r, base + 1))))
        for name, part in parts:
            place(r, base, [None, as_typed(rng, rng.choice((name, "其中：" + name)) if name == "人员经费" else name),
                            None, *(amount_cell(rng, part[f], typing, (r, c), numeric=True) if f in part else None
                                    for c, f in enumerate(("carryover", "current", "subtotal", "issued", "issue_rate",
                                                           "spent", "spend_progress", "forecast"), start=base + 3))])
            r += 1
        return r

    at = header(rng.choice(FIRST_MARKS), block)
    if "block" in where:
        stated.append((at, left))
    if "columns" in where:
        stated.append((at, left + (3 if one_row else 6)))
    if "beside" in where:
        rows[at] += [None, rng.choice((f"单位：{unit}", f"（金额单位：{unit}）"))]
        stated.append((at, len(rows[at]) - 1))
    if typing.in_yuan:
        typing.expected.append(("N003", cell(min(stated))))
    first = len(rows)
    end = funding_rows("source", L.DEPARTMENT_FUND_TYPES, layout == "headed", first, left)
    if layout == "headed":
        header(rng.choice(SECOND_MARKS), None)
        end = funding_rows("spending", L.DEPARTMENT_SPENDING_TYPES, False, len(rows), left)
    elif layout == "stacked":
        if rng.random() < 0.2:  # a line naming block 2, no amounts
            place(end, left, [None, rng.choice(("2.按支出类型", "按支出类型：", "（2）按支出类型分"))])
            typing.extras.add((end, left + 1))
            end += 1
        end = funding_rows("spending", L.DEPARTMENT_SPENDING_TYPES, False, end, left)
    else:
        end = max(end, funding_rows("spending", L.DEPARTMENT_SPENDING_TYPES, False, first, left + 11))
    while len(rows) < end:
        put([])
    if rng.random() < 0.3:  # a note beside the funding table, where no column of it is
        r = rng.randrange(first, len(rows))
        rows[r] += [None] * (left + (24 if layout == "beside" else 13) - len(rows[r])) + ["注：含追加预算，以财政批复为准"]
        typing.extras.add((r, len(rows[r]) - 1))
    blank_rows(0.1)
    goal = as_typed(rng, rng.choice(GOAL_LABELS))
    roll = rng.random()
    if roll < 0.15:  # typed with its text: 年度绩效目标：…
        put([goal.rstrip(TRAILING) + rng.choice(("：", ":")) + padded(rng, GOAL)])
    elif roll < 0.22:  # its text on the line below its label
        put([goal])
        put([*[None] * rng.choice((0, 1, 2)), padded(rng, GOAL)])
    else:
        put([goal, *[None] * rng.choice((0, 1, 2)), padded(rng, GOAL)])
    blank_rows(0.1)
    flat = rng.random() < 0.15  # 确定能, 有可能, 完全不可能 headed in the header's row
    split = rng.random() < 0.15  # the target in three columns: 计算符号 | 年度指标值 | 计量单位
    target_headers = ("计算符号", "年度指标值", "计量单位") if split else ("年度指标值",)
    put([as_typed(rng, "绩效指标"), *(as_typed(rng, h) for h in ("一级指标", "二级指标", "三级指标", *target_headers)),
         *(as_typed(rng, months_of(h)) for h in ("1-6月指标完成情况", "全年指标预计完成情况", "偏差原因分析")),
         *([as_typed(rng, x) for x in L.LIKELIHOODS] if flat else [as_typed(rng, "完成目标可能性“√”"), None, None]),
         as_typed(rng, "备注")])
    if not flat:
        put([None] * (10 if split else 8) + [as_typed(rng, x) for x in L.LIKELIHOODS])
    merge = rng.random()
    previous = (None, None)
    for ind in overall.indicators:
        merged = merge < 0.4 or (merge < 0.7 and rng.random() < 0.5)
        shown1 = None if merged and ind.level1 == previous[0] else as_typed(rng, ind.level1)
        shown2 = None if merged and (ind.level1, ind.level2) == previous else as_typed(rng, ind.level2)
        previous = (ind.level1, ind.level2)
        ticks = [rng.choice(TICKS) if ind.likelihood == x else rng.choice(NO_TICKS) for x in L.LIKELIHOODS]
        target = target_columns(rng, ind.target) if split else [typed_target(rng, ind.target)]
        put([None, shown1, shown2, padded(rng, ind.level3), *target,
             typed_completion(rng, ind.actual), typed_completion(rng, ind.forecast), ind.reason, *ticks, ind.remark])
        if rng.random() < 0.05:
            put([])
        if rng.random() < 0.08:  # a row of the template left unused
            spare = rng.choice(SPARE)
            put([None, as_typed(rng, spare[0]), as_typed(rng, spare[1]), rng.choice((None, "……", "…"))])
            previous = spare
    if rng.random() < 0.2:  # a note beside the indicators
        r = rng.randrange(len(rows) - len(overall.indicators), len(rows))
        rows[r] += [None] * (left + (15 if split else 13) - len(rows[r])) + ["以上指标已经分管领导审核"]
        typing.extras.add((r, len(rows[r]) - 1))
    if rng.random() < 0.7:
        for note in L.FOOTNOTES:
            put([note])
    if rng.random() < 0.3:
        blank_rows(0.5)
        signature = rng.choice(SIGNATURES)
        at = put(list(signature))
        typing.extras |= {(at, left + c) for c, v in enumerate(signature) if v}
    if rng.random() < 0.2:
        at = put(["说明：本表金额为财务系统导出数"])
        typing.extras.add((at, left))
    return rows, split


def target_columns(rng: random.Random, target: str) -> list:
    """A target typed in three columns: its operator (定性 for words), its number or words, its unit."""
    m = re.fullmatch(r"([≥≤＝=＞＜><]?)(\d+(?:\.\d+)?)(.*)", target)
    if m is None:
        return [rng.choice(("定性", None)), padded(rng, target), None]
    number = float(m[2]) if "." in m[2] else int(m[2])
    return [m[1] or None, rng.choice((number, m[2], padded(rng, m[2]))), m[3] or None]


@dataclass
class Case:
    seed: int
    overall: Overall
    sheets: dict[str, list[list]]
    typing: Typing
    project: object | None  # test_reader_properties' case of a project form on another sheet
    split: bool  # its targets typed in three columns (计算符号 | 年度指标值 | 计量单位)
    start: int = 0  # the row it starts at, below the project form typed above it on its sheet (0: alone)

    def __str__(self) -> str:
        return f"seed {self.seed}"


def make_case(seed: int, unit: str | None = None, months: int | None = None, project: bool = True) -> Case:
    """The unit's 部门整体 form typed by hand on a sheet of its own, now and then with its project form typed on another
    sheet of the workbook or above it on the same sheet, its columns aligned with the project form's."""
    rng = random.Random(seed)
    months = months or rng.choice(tuple(PERIODS))
    overall = random_overall(rng, unit or rng.choice(UNITS), months)
    typing = Typing(in_yuan=rng.random() < 0.15)
    roll = rng.random() if project else 1
    other = project_case(seed) if roll < 0.4 else None
    stacked = roll < 0.1 and len(other.projects) == 1
    above = other.sheets["项目表"] if stacked else []
    left = min(next(c for c, v in enumerate(row) if clean_text(v)) for row in above if any(map(clean_text, row))) \
        if stacked else rng.choice((0, 0, 1, 2, 3))
    grid, split = typed_grid(rng, overall, typing, rng.choice((0, 0, 1, 2, 4)), left)
    if rng.random() < 0.15:  # a column inserted inside the tables (Excel's 插入列), left blank
        insert_column(grid, [typing], left + rng.randint(3, 11))
    sheets, start = {SHEET: grid}, 0
    if stacked:  # S130 where its title (or 附件3 above it) starts it
        below = len(above) + rng.randint(1, 3)
        start = below + next(r for r, row in enumerate(grid) if any(clean_text(v) and "附件" not in str(v) for v in row))
        sheets = {SHEET: above + [[] for _ in range(below - len(above))] + grid}
        typing.move(lambda r, c: (r + below, c))
        title = next(c for c, v in enumerate(grid[start - below]) if clean_text(v))
        typing.expected.append(("S130", cell((start, title))))
    elif other is not None:
        sheets = {**other.sheets, **sheets} if rng.random() < 0.5 else {**sheets, **other.sheets}
    return Case(seed, overall, sheets, typing, other, split, start)


# ---------------------------------------------------------------------------------------------------------------
# 1. The typed form reads as the clean one, and is told the same.
# ---------------------------------------------------------------------------------------------------------------

def left_out_cells(form, clean) -> set[str]:
    """The cells of the clean form's rows the typed one has no cells of: a 资金总额 not typed, which xlmon works out
    from its rows and can point at no cell of."""
    typed = {(r.block, r.row) for r in form.funding if r.cells}
    return {ref for r in clean.funding if (r.block, r.row) not in typed for ref in r.cells.values()}


def assert_reads_as_clean(case: Case, result, sheets: dict[str, list[list]]) -> None:
    """The case's 部门整体 form, read (result) from its sheets, reads as the clean one and is told the same."""
    mine = [f for f in result.forms if f.sheet == SHEET and (f.place or (0,))[0] == case.start]
    assert [f.kind for f in mine] == ["department"], f"{case}: forms read on {SHEET}: {[f.kind for f in mine]}"
    [form] = mine
    clean = check_sheets({SHEET: clean_grid(case.overall)})
    [alone] = clean.forms
    where = str(case)
    # a unit's name under 单位名称 or 预算单位 is its unit's as well as 附件3's one name: the same record (extract)
    assert form.unit in (None, form.department), f"{where}: unit {form.unit} of {form.department}"
    read = replace(form, unit=None)
    if case.split:  # the same operator, number and unit, whose text is the 年度指标值 column's alone
        read.indicators = [replace(ind, target=theirs.target) for ind, theirs in zip(form.indicators, alone.indicators)]
    assert_same_reading(read, alone, where)
    assert form.amount_unit == ("元" if case.typing.in_yuan else "万元"), f"{where}: amount unit {form.amount_unit}"
    assert_own_cells(form, sheets[SHEET], case.typing, where)
    said = [d for d in result.diagnostics
            if d.sheet == SHEET and (d.cell is None or parse_address(d.cell)[0] >= case.start)]
    own = [d for d in said if d.code not in EXTRA_CODES]
    theirs = list(clean.diagnostics)
    gone = left_out_cells(form, alone)
    for d in [d for d in own if d.cell is None]:  # said of a 资金总额 left out, as of the clean form's at its cells
        if match := next((t for t in theirs if t.code == d.code and t.cell in gone), None):
            own.remove(d)
            theirs.remove(match)
    extra, lost = unmatched(own, theirs, form, alone)
    assert not extra and not lost, f"{where}: said {extra}, not {lost}"
    assert not {parse_address(d.cell) for d in own if d.cell} & case.typing.extras, f"{where}: a note read"
    placed = sorted(case.typing.expected)
    assert sorted((d.code, d.cell) for d in said if d.code in EXTRA_CODES) == \
        placed, f"{where}: the variations' findings"
    assert_cells_named(result, sheets, where)


@pytest.mark.parametrize("seed", seeds(150, SALT))
def test_a_hand_typed_overall_form_reads_as_the_same_form_typed_cleanly_on_our_template(seed):
    case = make_case(seed)
    before = deepcopy(case.sheets)
    result = check_sheets(case.sheets)
    assert case.sheets == before, f"{case}: reading changed the grids"
    assert_reads_as_clean(case, result, case.sheets)
    where = str(case)
    if case.start:  # the project form above it reads as it does alone
        by_itself = check_sheets({SHEET: case.project.sheets["项目表"]})
        [above] = [f for f in result.forms if f.sheet == SHEET and f.kind == "project"]
        assert reading(above) == reading(by_itself.forms[0]), f"{where}: the project form above it"
        assert sorted((d.code, d.cell, d.message) for d in result.diagnostics if d.cell and d.code != "S130"
                      and parse_address(d.cell)[0] < case.start) == sorted(
            (d.code, d.cell, d.message) for d in by_itself.diagnostics), f"{where}: the project form's findings"
    elif case.project is not None:  # the project form on its own sheet reads as it does alone
        by_itself = check_sheets(case.project.sheets)
        assert [repr(f) for f in result.forms if f.sheet != SHEET] == list(map(repr, by_itself.forms)), \
            f"{where}: the project forms beside it"
        assert sorted(d.model_dump_json() for d in result.diagnostics if d.sheet != SHEET) == sorted(
            d.model_dump_json() for d in by_itself.diagnostics), f"{where}: the project forms' findings"


# ---------------------------------------------------------------------------------------------------------------
# 2. A department's consolidation of its units' typed forms pre-fills the same 部门整体 as of their clean forms.
# ---------------------------------------------------------------------------------------------------------------

def write_typed(book, sheet: str, grid: list[list]) -> None:
    ws = book.create_sheet(sheet)
    for row in grid:
        ws.append(row)


@pytest.mark.parametrize("seed", seeds(12, SALT))
def test_a_departments_prefill_of_typed_forms_is_that_of_their_clean_forms(tmp_path, seed):
    """Two to four units, each sending its 部门整体 form typed by hand (a project form typed by hand beside it on
    another sheet now and then), consolidated; and the same units sending the same 部门整体 forms on our template
    (the same project forms beside them): the same pre-fill, the same note, the same totals and findings."""
    rng = random.Random(seed)
    months = rng.choice(tuple(PERIODS))
    cases = [make_case(seed * 10 + i, unit=unit, months=months, project=False)
             for i, unit in enumerate(rng.sample(UNITS, rng.randint(2, 4)))]
    projects = {case.seed: project_case(case.seed).sheets["项目表"] for case in cases if rng.random() < 0.4}
    for way in ("typed", "clean"):
        for case in cases:
            book = new_workbook()
            if way == "typed":
                write_typed(book, SHEET, case.sheets[SHEET])
            else:
                write_clean(book, case.overall)
            if case.seed in projects:
                write_typed(book, "项目表", projects[case.seed])
            save_atomic(book, tmp_path / way / f"{case.overall.unit.partition('（')[0]}.xlsx")
    for case in cases:  # each typed file, as `xlmon check` reads it, reads as its clean form
        path = tmp_path / "typed" / f"{case.overall.unit.partition('（')[0]}.xlsx"
        result = check_file(path)
        assert_reads_as_clean(case, result, read_workbook(path).sheets)
        if case.seed in projects:  # the project form beside it is read too
            assert [f.kind for f in result.forms if f.sheet == "项目表"] == [
                f.kind for f in check_sheets({"项目表": projects[case.seed]}).forms], f"seed {seed}: {path.name}"
    typed = consolidate(tmp_path / "typed", output=tmp_path / "out" / "typed.xlsx")
    clean = consolidate(tmp_path / "clean", output=tmp_path / "out" / "clean.xlsx")
    where = f"seed {seed}: {[c.seed for c in cases]}"
    got, want = prefilled(tmp_path / "out" / "typed.xlsx"), prefilled(tmp_path / "out" / "clean.xlsx")
    for key in want:
        assert same_amounts(got[key], want[key]), f"{where}: {key} {got[key]} ≠ {want[key]}"
    assert note_of(tmp_path / "out" / "typed.xlsx") == note_of(tmp_path / "out" / "clean.xlsx"), f"{where}: the note"
    assert_same_figures(typed, clean, where)
    codes = [sorted(d["code"] for d in data["diagnostics"] if d["code"].startswith("K")) for data in (typed, clean)]
    assert codes[0] == codes[1], f"{where}: the consolidation's findings {codes}"
