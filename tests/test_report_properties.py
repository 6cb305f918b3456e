"""Invariants of `xlmon report` over randomly generated departments (test_consolidate_properties' generators): every
figure a department's report states is its consolidation's, read back from the summary workbook and `consolidate
--format json`; the report drafted from the units' files is the one drafted from their summary; a bureau's report
from its departments' summaries states the bureau's consolidation. The numbers are read out of the .docx by the
report's own sentences (content.py), so a wrong figure, a count that does not add up or a name not in the summary
fails. Each case is seeded; a failure names its seed. XLMON_PROPERTY_CASES=n runs n cases of each property."""

from __future__ import annotations

import io
import random
import re
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from openpyxl import load_workbook

from test_consolidate_properties import (MONTHS, YEAR, bureau_inbox, bureau_ways, consolidate, department_summaries,
                                         inbox, seeds)
from xlmon.cli import main
from xlmon.consolidate.extract import summary_records
from xlmon.consolidate.workbook import SHEETS
from xlmon.consolidate.copies import SHOWN_DUPLICATES
from xlmon.sheetnames import RECORDS_SHEET

GRADES = {"绿灯": "green", "黄灯": "yellow", "红灯": "red", "未评级": None}
AMOUNT = r"(-?[\d,]+\.\d\d) 万元"
RATE = r"(-?\d+\.\d\d)%"
GAP = r"(支出进度(?:落后于|快于)时间进度 \d+\.\d\d 个百分点|支出进度与时间进度持平|无法计算支出进度与时间进度之差)"
GRADE = r"(绿灯|黄灯|红灯|未评级)"
CENT = 0.0051  # an amount said to 0.01 against the JSON's to 0.0001
RATE_STEP = 0.000101  # a rate said to 0.01 % against one rounded once more, or not at all
PP_STEP = 0.0101  # a gap in percentage points, said to 0.01
BEHIND_PP = 10  # profile default: funding.green_max_gap


# ---------------------------------------------------------------------------------------------------------------
# The report as the user gets it: the .docx, read back.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Drafted:
    """A report's paragraphs in order and its tables, each with the caption above it (the figure's table apart)."""

    lines: list[str]
    tables: dict[str, list[list[str]]]

    def line(self, pattern: str) -> re.Match | None:
        found = [m for line in self.lines if (m := re.fullmatch(pattern, line))]
        assert len(found) <= 1, (pattern, found)
        return found[0] if found else None

    def starting(self, prefix: str) -> list[str]:
        return [line for line in self.lines if line.startswith(prefix)]

    def table(self, caption: str) -> list[list[str]] | None:
        """The rows (its header apart) of the table whose caption, after 表N, starts so."""
        found = [rows for name, rows in self.tables.items() if re.match(r"表\d+ " + re.escape(caption), name)]
        assert len(found) <= 1, caption
        return found[0] if found else None

    def text(self) -> str:
        return "\n".join([*self.lines, *(f"{name}\n" + "\n".join("\t".join(r) for r in rows)
                                         for name, rows in self.tables.items())])


def drafted(*inputs, output: Path) -> Drafted:
    """`xlmon report`, as a user runs it, and what its .docx says."""
    output.parent.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["report", *map(str, inputs), "-o", str(output)])
    assert code == 0, out.getvalue()
    return read_report(output)


def read_report(path: Path) -> Drafted:
    """What a report's .docx says, whichever front end wrote it."""
    doc = Document(str(path))
    lines, tables, caption = [], {}, ""
    for element in doc.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            if text := Paragraph(element, doc).text.strip():
                lines.append(text)
                caption = text if re.match(r"表\d+ ", text) else caption
        elif tag == "tbl":
            rows = [[cell.text.replace("\n", "") for cell in row.cells] for row in Table(element, doc).rows]
            if not any("\t0%" in cell for cell in rows[0]):  # the figure: a bar a unit, on a percentage scale
                assert caption and caption not in tables, caption
                tables[caption] = rows[1:]
    return Drafted(lines, tables)


def amount(text: str) -> float:
    return float(text.replace(",", ""))


def rate(text: str | None) -> float | None:
    return None if text in (None, "", "无法计算") else float(text.rstrip("%")) / 100


def gap_of(text: str) -> float | None:
    if "持平" in text:
        return 0.0
    if m := re.search(r"(落后于|快于)时间进度 (\d+\.\d\d) 个百分点", text):
        return float(m[2]) / 100 * (1 if m[1] == "落后于" else -1)
    return None


def near(said: float | None, value: float | None, cents: float = CENT) -> bool:
    if said is None or value is None:
        return said is None and value is None
    return abs(said - value) <= cents


# ---------------------------------------------------------------------------------------------------------------
# The summary workbook, read back: what the report must agree with beyond the JSON.
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class Sheets:
    title: str
    note: str  # 汇总表's, under its title
    sources: dict[str, list]  # 汇总表's funding rows by source: 上年结转 … 评级
    ranked: dict[str, list[list]]  # 汇总表's tables by unit and by 主管部门: their caption's word → rows
    details: list[dict]
    deviations: list[dict]
    focus: list[dict]
    overall: list  # the 部门整体 forms' records


def sheets(path: Path) -> Sheets:
    book = load_workbook(path, read_only=True)
    rows = [list(r) for r in book[SHEETS[0]].iter_rows(values_only=True)]
    sources, ranked, table = {}, {}, None
    for row in rows[4:]:
        first = row[0]
        if isinstance(first, str) and re.fullmatch(r"各(单位|主管部门)支出进度.*", first):
            table = ranked.setdefault(re.match(r"各(单位|主管部门)", first)[1], [])
        elif table is not None and first not in (None, "单位", "主管部门"):
            table.append(row)
        elif table is None and isinstance(first, str) and row[1] is not None and first != "项目评级":
            sources[first.removeprefix("其中：")] = row[1:12]

    def by_header(sheet: str, top: int = 0) -> list[dict]:
        found = [list(r) for r in book[sheet].iter_rows(values_only=True)][top:]
        return [dict(zip(found[0], r)) for r in found[1:] if any(v is not None for v in r)]

    records, _ = summary_records([list(r) for r in book[RECORDS_SHEET].iter_rows(values_only=True)])
    return Sheets(rows[0][0], rows[1][0], sources, ranked, by_header(SHEETS[1]), by_header(SHEETS[2]),
                  by_header(SHEETS[4], 2), [r for r in records if r.kind == "department"])


# ---------------------------------------------------------------------------------------------------------------
# What a department's (or a bureau's) report states, against its consolidation.
# ---------------------------------------------------------------------------------------------------------------

def project_named(row: dict) -> str:
    """A project as the report names it from a row of 项目明细 or 指标偏差 (位置: file!sheet!cell): a blank 项目名称 by
    its sheet (records.named_form)."""
    sheet = row["工作表"] if "工作表" in row else row["位置"].rsplit("!", 2)[1]
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:  # quoted as Excel quotes it (sheet_ref)
        sheet = sheet[1:-1].replace("''", "'")
    return row["项目名称"] or f"（未填项目名称，工作表“{sheet}”）"


def unit_said(row: dict, book: Sheets) -> str:
    """A unit of 指标偏差 as a sentence names it: as 汇总表's table of units does, a bureau's namesake with its
    主管部门 (信息中心（某市教育局）), which the sheet gives in a column of its own; a form naming none as
    （未填单位）, where the sheet leaves the cell blank."""
    unit = row["单位"] or "（未填单位）"
    department = re.sub(r"[（(][0-9A-Z]{6,21}[)）]$", "", row.get("主管部门") or "")
    named = {r[0] for r in book.ranked["单位"]}
    return f"{unit}（{department}）" if department and f"{unit}（{department}）" in named else unit


def assert_states(report: Drafted, data: dict, book: Sheets, context: str, sent: dict | None = None) -> None:
    """sent: the consolidation whose files left out and projects sent twice the report states, where not data's (a
    report drafted from a summary says what the summary left out)."""
    totals, period = data["totals"], data["period"]
    bureau = len(data["departments"]) > 1
    name = re.sub(r"[（(][0-9A-Z]{6,21}[)）]$", "", book.title.split("预算绩效运行监控汇总表")[0])
    if not bureau and data["units"] == 1 and book.ranked["单位"]:  # one unit's forms alone: the unit's report
        kind = "部门整体" if book.overall else "项目"
        name, what = re.sub(r"[（(][0-9A-Z]{6,21}[)）]$", "", book.ranked["单位"][0][0]), f"{kind}支出绩效监控分析报告"
    else:
        what = "部门整体支出绩效监控分析报告"
    assert report.lines[:2] == ["各部门预算绩效运行监控分析报告" if bureau else f"{name}{what}",
                                f"（{period['year']}年1-{period['months']}月）"], (context, report.lines[:2])

    # 一、the projects, units and departments consolidated, and their budget
    # one unit's report names it (本次监控纳入某市第二中学的 3 个项目), a department's counts its units
    m = report.line(r"本次监控纳入(?: (?:(\d+) 个主管部门、)?(\d+) 个单位|([^ ].*))的 (\d+) 个项目，项目资金安排 " + AMOUNT
                    + r"（上年结转 " + AMOUNT + r"，本年预算 " + AMOUNT + r"）。")
    assert m, context
    alone = not bureau and data["units"] == 1 and book.ranked["单位"]
    assert (int(m[1] or 1), int(m[2] or 1), int(m[4])) == (len(data["departments"]) if bureau else 1, data["units"],
                                                           data["projects"]), context
    assert m[3] == (name if alone else None), (context, m[0])
    for said, field in zip(m.groups()[4:], ("subtotal", "carryover", "current")):
        assert near(amount(said), totals[field]), (context, field, said, totals[field])

    # 二（一）the execution sentence: amounts, 下达率, 支出进度, 时间进度 and the gap, the forecast and what it leaves
    m = report.line(rf"截至(\d+)年(\d+)月底，纳入监控的项目资金共安排 {AMOUNT}（其中本年预算 {AMOUNT}），已下达 {AMOUNT}，"
                    rf"下达率（占本年预算）(?:{RATE}|无法计算)；已支出 {AMOUNT}，支出进度（占安排数）(?:{RATE}|无法计算)，"
                    rf"时间进度 {RATE}，{GAP}；全年预计支出 {AMOUNT}(?:，预计结转结余 {AMOUNT})?。资金执行评级为{GRADE}。")
    assert m, (context, report.starting("截至"))
    year, months, subtotal, current, issued, issue_rate, spent, progress, tp, gap, forecast, left, grade = m.groups()
    assert (int(year), int(months)) == (period["year"], period["months"]), context
    for said, field in ((subtotal, "subtotal"), (current, "current"), (issued, "issued"), (spent, "spent"),
                        (forecast, "forecast")):
        assert near(amount(said), totals[field]), (context, field, said, totals[field])
    assert near(rate(issue_rate and issue_rate + "%"), totals["issue_rate"], RATE_STEP), context
    assert near(rate(progress and progress + "%"), totals["spend_progress"], RATE_STEP), context
    assert near(float(tp) / 100, data["time_progress"], RATE_STEP), context
    assert near(gap_of(gap), data["gap"], RATE_STEP), (context, gap, data["gap"])
    assert GRADES[grade] == data["grade"], context

    found_in = "汇总的“校验问题”" if data["units"] > 1 else " xlmon 校验结果"  # one unit's file makes no summary
    # the notes beside it: amounts not read, left out of the rates (as 汇总表's note counts them); forms typed in 元
    unclear = re.search(r"(\d+) 个项目有金额无法识别", book.note)
    if not unclear:  # else 预计结转结余 leaves out the projects whose forecast is unknown (test_report)
        remaining = totals["subtotal"] - totals["forecast"]
        assert (left is None) == (remaining <= 0.005) and (left is None or near(amount(left), remaining, 0.011)), context
    m = report.line(rf"注意：(\d+) 个项目有金额无法识别（见{found_in}），以上合计只含能识别的金额，下达率、支出进度和预计结转结余按其余项目计算。")
    assert (m and int(m[1])) == (unclear and int(unclear[1])), context
    apart = sum(d["code"] == "K019" for d in data["diagnostics"])
    m = report.line(rf"注意：(\d+) 张表的金额疑似按元填写（与其他单位相差百倍以上，见{found_in}），以上合计按表内数字计入，核实前可能偏大。")
    assert (m and int(m[1])) == (apart or None), context

    # 表1, by source, as 汇总表's funding table
    table = report.table("项目资金来源及执行情况")
    assert table and table[0][0] == "资金总额", context
    shown = {row[0] for row in table}
    for label, row in book.sources.items():
        carry, cur, sub, iss, irate, spt, prog, fc, _, gap_pp, grd = row
        if label != "资金总额" and not (sub or spt or iss):
            assert label not in shown, (context, label)
            continue
        said = next(r for r in table if r[0] == label)
        assert [amount(said[1]), amount(said[2]), amount(said[4]), amount(said[6])] == pytest.approx(
            [sub, iss, spt, fc], abs=CENT), (context, label)
        assert near(rate(said[3]), irate, RATE_STEP) and near(rate(said[5]), prog, RATE_STEP), (context, label)
        assert near(float(said[7]) if said[7] else None, gap_pp, PP_STEP) and GRADES[said[8]] == GRADES.get(grd), \
            (context, label)
    assert shown <= set(book.sources), context

    # the units (and a bureau's departments) by gap, as 汇总表 ranks them; the units behind 时间进度 named
    # one unit's forms alone: its figures are 表1's, no table, chart or sentence ranks it against itself
    alone = not bureau and len(book.ranked["单位"]) == 1
    for who, caption in (("单位", "各单位支出进度"), ("主管部门", "各主管部门支出进度")):
        table, expected = report.table(caption), book.ranked.get(who)
        if who == "主管部门" and not bureau:
            assert table is None and expected is None, context
            continue
        if alone:
            assert table is None and not report.starting("图1"), context
            continue
        assert table is not None and expected is not None, (context, who)
        assert [row[1] for row in table] == [row[0] for row in expected], (context, who)
        assert [row[0] for row in table] == [str(n) for n in range(1, len(table) + 1)], context
        for said, row in zip(table, expected):
            assert [amount(said[2]), amount(said[3])] == pytest.approx([row[1], row[2]], abs=CENT), (context, said)
            assert near(rate(said[4]), row[3], RATE_STEP) and GRADES[said[6]] == GRADES.get(row[6]), (context, said)
            assert near(float(said[5]) if said[5] else None, row[5], PP_STEP), (context, said)
    units = book.ranked["单位"]
    assert len(units) == data["units"], context
    # graded on the gap itself, not as shown: 10.00007 is behind, and said as 10.00 个百分点
    behind = [row for row in units if row[3] is not None and row[4] - row[3] > BEHIND_PP / 100]
    m = report.line(rf"支出进度落后时间进度超过 {BEHIND_PP} 个百分点的单位有 (\d+) 个(，落后最多的 20 个)?：(.+?)"
                    r"(（全部见表(\d+)）)?。")
    if alone:
        assert not m and not report.line(rf"各单位支出进度落后时间进度均未超过 {BEHIND_PP} 个百分点。"), context
    elif behind:
        assert m and int(m[1]) == len(behind) and bool(m[2]) == (len(behind) > 20), context
        named = re.findall(r"(.+?)落后 (\d+\.\d\d) 个百分点(?:、|$)", m[3])
        assert [n for n, _ in named] == [row[0] for row in behind[:20]], (context, named)
        assert [float(g) for _, g in named] == pytest.approx([row[5] for row in behind[:20]], abs=PP_STEP), context
    else:
        assert not m and report.line(rf"各单位支出进度落后时间进度均未超过 {BEHIND_PP} 个百分点。"), context
    # a bureau's departments behind, named before their units, as 汇总表 ranks them (by name, 表2 giving the code)
    m = report.line(rf"支出进度落后时间进度超过 {BEHIND_PP} 个百分点的主管部门有 (\d+) 个：(.+?)。")
    none = report.line(rf"各主管部门支出进度落后时间进度均未超过 {BEHIND_PP} 个百分点。")
    if bureau:
        late = [row for row in book.ranked["主管部门"] if row[3] is not None and row[4] - row[3] > BEHIND_PP / 100]
        assert bool(m) == bool(late) != bool(none), context
        named = re.findall(r"(.+?)落后 (\d+\.\d\d) 个百分点(?:、|$)", m[2]) if m else []
        assert [n for n, _ in named] == [re.sub(r"[（(][0-9A-Z]{6,21}[)）]$", "", row[0]) for row in late], context
        assert [float(g) for _, g in named] == pytest.approx([row[5] for row in late], abs=PP_STEP), context
    else:
        assert not m and not none, context

    # 二（二）projects by grade, indicators by grade, the deviating ones as 指标偏差 lists them
    m = report.line(r"纳入监控的 (\d+) 个项目中，综合评级绿灯 (\d+) 个、黄灯 (\d+) 个、红灯 (\d+) 个(?:，未评级 (\d+) 个)?。"
                    r"已评级的 (\d+) 个绩效指标(?:（含 \d+ 份部门整体表的 \d+ 个）)?中，绿灯 (\d+) 个、黄灯 (\d+) 个、红灯 (\d+) 个。")
    assert m, context
    projects, green, yellow, red, unrated, indicators, i_green, i_yellow, i_red = (int(v or 0) for v in m.groups())
    grades = data["grades"]
    assert (projects, green, yellow, red) == (data["projects"], grades["green"], grades["yellow"], grades["red"]), \
        context
    assert unrated == data["projects"] - sum(grades.values()), context
    deviations = Counter(GRADES[d["评级"]] for d in book.deviations)
    overall_green = sum(r.indicator_grades.get("green", 0) for r in book.overall)
    assert (i_yellow, i_red) == (deviations["yellow"], deviations["red"]), context
    assert i_green == sum(d["指标绿灯"] or 0 for d in book.details) + overall_green, context
    assert indicators == i_green + i_yellow + i_red, context
    assert (sum(d["指标黄灯"] or 0 for d in book.details) + sum(r.indicator_grades.get("yellow", 0) for r in book.overall),
            sum(d["指标红灯"] or 0 for d in book.details) + sum(r.indicator_grades.get("red", 0) for r in book.overall)) \
        == (i_yellow, i_red), context
    table = report.table("出现偏差的绩效指标")
    department = ["主管部门"] if bureau else []
    listed = Counter(tuple(project_named(d) if k == "项目名称" else str(d[k] or "")
                           for k in ("评级", *department, "单位", "项目名称", "三级指标", "年度指标值")) for d in book.deviations)
    assert Counter(tuple(row[:5 + bool(department)]) for row in table or ()) == listed, context

    # 四（一）the conclusion's counts
    m = report.line(rf"项目资金执行评级为{GRADE}（{GAP}）；(\d+) 个项目中红灯 (\d+) 个、黄灯 (\d+) 个；红灯指标 (\d+) 个。")
    assert m, context
    assert (GRADES[m[1]], gap_of(m[2]) is None) == (data["grade"], data["gap"] is None), context
    assert near(gap_of(m[2]), data["gap"], RATE_STEP), context
    assert tuple(int(v) for v in m.groups()[2:]) == (data["projects"], grades["red"], grades["yellow"], i_red), context

    # 四（二）the red indicators, each named: exactly 指标偏差's red ones (all of them, up to 30)
    m = report.line(r"红灯指标 (\d+) 个(：|，以下列出其中 30 个（完成可能性最小、项目资金最多的；全部见表\d+）：)")
    assert (int(m[1]) if m else 0) == i_red and bool(report.line("无红灯指标。")) == (i_red == 0), context
    reds = [re.fullmatch(r"(\d+)\. (.*)“([^“”]*)”的“([^“”]*)”：年度指标值 (.+?)，截至本期完成情况.*", line)
            for line in report.lines]
    reds = [r for r in reds if r]
    assert [int(r[1]) for r in reds] == list(range(1, min(i_red, 30) + 1)), context
    red_rows = Counter((*([d["主管部门"]] if bureau else []), unit_said(d, book), project_named(d), d["三级指标"],
                        d["年度指标值"]) for d in book.deviations if d["评级"] == "红灯")
    named = Counter(r.groups()[1:] for r in reds)
    if i_red <= 30:
        assert named == Counter({k[-4:]: n for k, n in red_rows.items()}), (context, named, red_rows)
    else:
        assert not named - Counter({k[-4:]: n for k, n in red_rows.items()}), context

    # 四（三）the projects proposed for 重点监控, as 重点监控建议 drafts them
    m = report.line(r"【草稿，供审核参考】按规则建议将以下 (\d+) 个项目列入重点监控，处理方式为草拟建议，须经审核确定。")
    table = report.table("重点监控建议")
    if book.focus:
        assert m and int(m[1]) == len(book.focus) == len(table), context
        ways = dict(re.fullmatch(r"(方式.)（\d+ 个项目）：(.*)", line).groups()
                    for line in report.lines if re.match(r"方式.（\d+ 个项目）：", line))
        counts = {way: int(re.match(rf"{way}（(\d+) 个项目）", line)[1])
                  for way in ways for line in report.starting(f"{way}（")}
        assert counts == Counter(row[-1] for row in table), context
        skip = 1 if bureau else 0
        for said, row in zip(table, book.focus):
            assert said[skip:skip + 2] == [row["单位"] or "", row["项目名称"]], (context, said, row)
            assert near(amount(said[skip + 2]), row["小计（万元）"]) and near(rate(said[skip + 3]), row["支出进度"], RATE_STEP), \
                (context, said)
            assert [said[skip + 4], said[skip + 5], ways[said[skip + 6]]] == [row["综合评级"], row["列入原因"],
                                                                               row["建议处理方式（草稿）"]], (context, said)
    else:
        assert not m and table is None and report.starting("【草稿，供审核参考】没有项目达到重点监控条件"), context

    # every unit and project the report names is the summary's
    projects_of = {(d["单位"] or "", project_named(d)) for d in book.details} | {
        (r.unit or "", "（部门整体支出）") for r in book.overall}
    for caption, at in (("出现偏差的绩效指标", 1), ("重点监控建议", 0)):
        for row in report.table(caption) or ():
            assert tuple(row[at + bool(department):at + bool(department) + 2]) in projects_of, (context, caption, row)
    projects_said = {(unit_said(d, book), project_named(d)) for d in book.deviations}
    assert {tuple(r.groups()[1:3]) for r in reds} <= projects_said, context

    # 五、the findings counted, the files left out, the projects sent twice
    m = report.line(rf"经 xlmon 校验，监控表中发现错误 (\d+) 条、警告 (\d+) 条、提示 (\d+) 条(?:；汇总时另发现(.+?))?"
                    rf"（逐条见{found_in}）。本报告中的合计数、下达率、支出进度均由 xlmon 按表内金额重新计算。")
    severities = Counter(d["severity"] for d in data["diagnostics"] if not d["code"].startswith("K"))
    assert m and tuple(map(int, m.groups()[:3])) == (severities["error"], severities["warning"], severities["info"]), \
        (context, m and m.groups(), severities)
    pooled = Counter(d["severity"] for d in data["diagnostics"] if d["code"].startswith("K"))  # 汇总's own
    said = dict(re.findall(r"(错误|警告|提示) (\d+) 条", m.group(4) or ""))
    assert said == {word: str(pooled[level]) for level, word in (("error", "错误"), ("warning", "警告"),
                                                                  ("info", "提示")) if pooled[level]}, (context, said)
    sent = sent or data
    rejected = [f for f in sent["files"] if f["status"] != "included" and not f["earlier"]]
    names = [Path(f["path"]).name for f in sent["files"]]
    said = report.starting("未纳入本报告的文件")
    if not rejected:
        assert not said, context
    elif len(set(names)) == len(names):
        assert said == [f"未纳入本报告的文件 {len(rejected)} 个。" + "".join(
            f"{Path(f['path']).name}：{(f['reason'] or '').rstrip('。')}。" for f in rejected)], context
    else:
        assert said and said[0].startswith(f"未纳入本报告的文件 {len(rejected)} 个。"), context
    earlier = sum(f["earlier"] for f in sent["files"])
    assert report.starting("另有") == ([f"另有 {earlier} 个文件是各单位前期的监控表（本期的表已报送），未纳入本报告。"]
                                     if earlier else []), context
    # whole files sent twice lead, each one line; the projects follow
    twice, shown, files = sent["duplicates"], SHOWN_DUPLICATES, sent["duplicate_files"]
    counted = "、".join([f"文件 {files} 个"] * bool(files) + [f"项目 {len(twice) - files} 个"] * (len(twice) > files))
    rest = "、".join([f"{files - shown} 个文件"] * (files > shown)
                     + [f"{len(twice) - max(files, shown)} 个项目"] * (len(twice) > max(files, shown)))
    rest = rest if files else f"{len(twice) - shown} 个"  # of projects alone, as its first words say
    # how many, then each named a sentence of its own: a line holds ；of its own (两份金额不同)
    assert report.starting("重复报送的") == (
        [] if not twice else [f"重复报送的{counted}，均只计入一次。" + "".join(f"{line}。" for line in twice[:shown])
                              + (f"其余 {rest}从略（逐个见汇总的“校验问题”）。" if len(twice) > shown else "")]), context

    # the 部门整体 forms' paragraph: how many, and their money
    m = report.line(rf"据(?:(.+)报送的)? (\d+) 份部门整体支出绩效运行监控表(?:，部门整体|，合计)资金总额 {AMOUNT}（基本支出 {AMOUNT}、"
                    rf"项目支出 {AMOUNT}），已支出 {AMOUNT}，支出进度 {RATE}。")
    if book.overall:
        assert m and int(m[2]) == len(book.overall), (context, report.starting("据"))
        # of several forms, whose they are (the first five, and how many), each as the report names its unit
        # two namesakes of two departments (机关服务中心（103001099）, （102001099）) are two owners, each named
        owners = [unit for _, unit in dict.fromkeys((r.department, r.unit or "") for r in book.overall)]
        said = (m[1] or "").removesuffix(f"等 {len(owners)} 个单位").split("、") if m[1] else []
        assert (m[1] is None) == (len(book.overall) == 1), context
        assert m[0].startswith("据 1 份" if m[1] is None else f"据{m[1]}报送的 {m[2]} 份部门整体支出绩效运行监控表，合计"), context
        assert len(book.overall) == 1 or (len(said) == min(len(owners), 5) and all(
            name.startswith(re.sub(r"[（(][0-9A-Z]{6,21}[)）]$", "", owner)) for name, owner in zip(said, owners))), \
            (context, m[1], owners)
        sums = [sum(v or 0.0 for r in book.overall for v in r.amounts["source"]["资金总额"][i:i + 1]) for i in range(5)]
        spending = [sum(sum(v or 0.0 for v in r.amounts.get("spending", {}).get(label, [None] * 5)[:2])
                        for r in book.overall) for label in ("基本支出", "项目支出")]
        assert [amount(v) for v in m.groups()[2:6]] == pytest.approx([sums[0] + sums[1], *spending, sums[3]],
                                                                     abs=CENT), context
        assert near(rate(m[7] + "%"), sums[3] / (sums[0] + sums[1]), RATE_STEP), context
    else:
        assert not m and not report.starting("据"), context


# ---------------------------------------------------------------------------------------------------------------
# 1. A department's report, from its units' files and from its summary.
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", seeds(8, 11))
def test_a_departments_report_states_its_consolidations_figures(tmp_path, seed):
    rng = random.Random(seed)
    _, paths = inbox(rng, tmp_path / "in")
    summary = tmp_path / "out" / "部门汇总.xlsx"
    data = consolidate(*paths, output=summary)
    book = sheets(summary)
    from_files = drafted(*paths, output=tmp_path / "files.docx")
    assert_states(from_files, data, book, f"seed {seed}: from the units' files")
    from_summary = drafted(summary, output=tmp_path / "summary.docx")
    again = consolidate(summary, output=tmp_path / "up" / "again.xlsx")
    assert_states(from_summary, again, sheets(tmp_path / "up" / "again.xlsx"), f"seed {seed}: from the summary", data)
    # the files its consolidation left out and the projects sent twice too, which the summary keeps for its report
    assert from_summary.lines == from_files.lines and from_summary.tables == from_files.tables, f"seed {seed}"


# ---------------------------------------------------------------------------------------------------------------
# 2. A bureau's report from its departments' summaries.
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", seeds(5, 12))
def test_a_bureaus_report_states_its_consolidations_figures(tmp_path, seed):
    rng = random.Random(seed)
    bureau = bureau_inbox(rng, tmp_path)
    summaries = [path for path, _ in department_summaries(bureau, tmp_path)]
    way, inputs = next(bureau_ways(rng, bureau, summaries, tmp_path))
    out = tmp_path / "out" / f"{way}.xlsx"
    data = consolidate(*inputs, output=out)
    if data["period"] != {"year": YEAR, "months": MONTHS}:
        return  # by design the period most units report: checked by the consolidation's properties
    report = drafted(*inputs, output=tmp_path / "bureau.docx")
    assert_states(report, data, sheets(out), f"seed {seed}: {[Path(p).name for p in inputs]}")
