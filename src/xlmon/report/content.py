"""Results → the 分析报告 as blocks, following seed 004 附件1's outline and its exact section titles.

One project form gives a project report built from the Form itself; anything more (a workbook with a
部门整体 form, several units' workbooks, summaries) gives a department report built from the same
Summary `xlmon consolidate` writes. Every number is the core's; judgments are draft notes, and what
only a person knows is a placeholder.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from .. import layout as L
from ..calc import DEPENDS, fmt_amount, fmt_rate
from ..adapters.files import other_files
from ..check import check_file, check_sheets, no_forms
from ..diagnostics import SEVERITY_ZH, catalogue
from ..consolidate.aggregate import (CHART_BARS, Summary, Totals, aggregate, shown_names,
                                     source_rows)
from ..consolidate.copies import duplicates_text
from ..consolidate.focus import Focus
from ..consolidate.extract import DamagedRecords, completion_typed, form_record, summary_outcome
from ..consolidate.names import department_name as names_department
from ..consolidate.records import FileOutcome, FormRecord, derived, named_form
from ..consolidate.run import (consolidate, earlier_among, extract_all, resolve_inputs, skip_own_summaries,
                                unpacked_archives)
from ..grid import Grid
from ..grading import GAP_EPS, target_shown
from ..marks import GRADE_ZH
from ..models import Form, FundingRow
from ..profile import Profile, load_profile
from ..sheetnames import RECORDS_SHEET
from ..text import first_names, plain_number
from .blocks import Chart, DraftNote, Heading, Paragraph, Placeholder, Report, Table

SECTIONS = ("一、项目（部门）基本情况", "二、预算执行和绩效目标实现情况分析", "三、绩效监控延伸情况",
            "四、绩效监控结果分析", "五、其他需要说明的事项")
BUDGET, TARGETS = "（一）预算执行情况分析", "（二）绩效目标实现情况分析"
CONCLUSION, CAUSES, MEASURES = ("（一）监控总体结论", "（二）预算执行和绩效目标出现偏差的原因分析",
                                "（三）存在问题及整改措施和建议")
FUNDING_HEADERS = ["资金来源", "安排数（小计）", "下达数", "下达率（占本年预算）", "支出数", "支出进度", "全年预计支出数",
                   "进度差（百分点）", "资金评级"]
_CODE = re.compile(r"[（(][0-9A-Z]{6,21}[)）]\s*$")


class NothingToReport(ValueError):
    """No usable form among the inputs; `reasons` says, file by file, why not, and `files` (path, why) of input
    files, for a front end that names them otherwise (the web page, uploads as the user named them)."""

    def __init__(self, reasons: list[str], files: list[tuple[str, str]] | None = None):
        super().__init__("；".join(reasons))
        self.reasons = reasons
        self.files = files or []


ABOUT_WRITING = ("K015", "K016")  # the earlier summary's edits left behind or carried into the one written
EDITED = ("K005", "K012", "K014")  # a summary's sheets changed by hand (consolidate.edits)
OF_SUMMARY = (*EDITED, "K020")  # and one graded by another profile than the report's
LISTED_BEHIND = 20  # units behind named in the text: a bureau has hundreds, which its table of units lists
LISTED_RED = 30  # red indicators set out one by one: a bureau has hundreds, which its table of deviations lists
_LIKELIHOOD_ORDER = {"完全不可能": 0, "有可能": 1}  # the least likely to be reached set out first


def report_for_paths(inputs: Iterable[str | Path], profile: Profile | None = None, *,
                     roster_file: str | Path | None = None, roster: list[str] | None = None,
                     chosen_together: bool = False, others: Iterable[str] = (), dated: bool = True) -> Report:
    """The report for files and folders as `xlmon consolidate` reads them, the roster in an input folder (roster_file)
    being no unit's form; roster: the units expected to report, else the one a summary drafted from alone was
    checked against. chosen_together: files a user chose at once (an upload), taken as a folder's contents as
    consolidate takes them, so that last time's summary of the same units among them is skipped. others: files no
    workbook beside the inputs, not given (consolidate's), with those in the input folders. dated: the files' times
    are their own (consolidate's). Last time's summary skipped beside the units' files, whose 部门整体 the department
    completed, is carried as the add-in carries it (_carried_report). NothingToReport when none is usable."""
    profile = profile or load_profile()
    inputs, others = list(inputs), list(others)
    found = resolve_inputs(inputs, None, roster_file)
    outcomes = extract_all([p for p, _ in found], profile, dated=dated)
    unpacked_archives(outcomes)
    origins = [origin for _, origin in found]
    if chosen_together and found:
        origins = [Path(os.path.commonpath([p.parent for p, _ in found]))] * len(found)
    skipped = skip_own_summaries(outcomes, origins, "一同选择" if chosen_together else "同一文件夹中", chosen_together)
    done, _ = earlier_among(skipped, profile, dated)
    if done is not None:
        return _carried_report(inputs, done.path, profile, roster_file=roster_file, roster=roster,
                               chosen_together=chosen_together, others=others, dated=dated)
    taken = [o for o in outcomes if o.status == "included"]
    alone = taken[0] if len(taken) == 1 and taken[0].summary else None  # a summary drafted from alone
    if roster is None and alone is not None:
        roster = alone.roster or None
    summary = aggregate(outcomes, profile, roster, [*(str(p) for p in other_files(inputs)), *others])
    if not (summary.projects or summary.overall):
        shown = shown_names(o.path for o in outcomes)
        why = [(o.path, (o.reason or "没有监控表").rstrip("。")) for o in outcomes]
        raise NothingToReport([f"{shown[path]}：{reason}" for path, reason in why] or ["没有找到 Excel 工作簿"], why)
    from_summaries = any(o.summary for o in outcomes if o.status == "included")
    if len(summary.projects) == 1 and not summary.overall and not from_summaries:
        record = summary.projects[0]
        result = check_file(record.file, profile)
        form = next(f for f in result.forms if f.sheet == record.sheet and list(f.place or ()) == (record.place or []))
        return project_report(form, record.file, [d.severity for d in result.diagnostics], profile)
    return department_report(summary, profile, alone)


def _carried_report(inputs: list[str | Path], carry_from: str, profile: Profile, **how) -> Report:
    """The report of the units' files beside last time's summary whose 部门整体 the department completed: drafted from
    the summary 汇总 makes of them carrying that form, as the add-in's 汇总 and 生成报告 draft it, so that the report
    gives the department's own goal, indicators and amounts, not the units' forms it takes the place of (K006)."""
    with tempfile.TemporaryDirectory(prefix="xlmon-report-") as folder:
        made = Path(folder) / "部门汇总.xlsx"
        consolidate(inputs, made, profile=profile, carry_from=carry_from, **how)
        return report_for_paths([made], profile, roster=how["roster"])


def report_for_sheets(name: str, grids: dict[str, Grid], profile: Profile | None = None) -> Report:
    """The report for one open workbook's value grids (the add-in's button). NothingToReport when it has no form.
    A 部门汇总 (its records sheet among the grids) gives the department's report, as `xlmon report` does."""
    profile = profile or load_profile()
    if grids.get(RECORDS_SHEET):
        try:
            outcome = summary_outcome(grids, name, profile)  # as `xlmon report 部门汇总.xlsx` reads it
        except DamagedRecords as exc:
            raise NothingToReport([f"{name}：{exc}，请重新生成该汇总表"]) from None
        if outcome.records:
            return department_report(aggregate([outcome], profile, outcome.roster or None), profile, outcome)
    result = check_sheets(grids, profile)
    if not result.forms:
        raise NothingToReport([no_forms(result)])
    severities = [d.severity for d in result.diagnostics]
    if len(result.forms) == 1 and result.forms[0].kind == "project":
        return project_report(result.forms[0], name, severities, profile)
    records = [form_record(f, name) for f in result.forms]
    outcome = FileOutcome(name, "", "included", None, records, [d.model_dump() for d in result.diagnostics])
    return department_report(aggregate([outcome], profile), profile)


# ------------------------------------------------------------------------------------ wording

def month_end(year: int | None, months: int | None) -> str:
    return f"{year or 'XXXX'}年{months or 'XX'}月底"


def gap_text(gap: float | None) -> str:
    if gap is None:
        return "无法计算支出进度与时间进度之差"
    if abs(gap) < 0.00005:
        return "支出进度与时间进度持平"
    side = "落后于" if gap > 0 else "快于"
    return f"支出进度{side}时间进度 {abs(gap) * 100:.2f} 个百分点"


def grade_text(grade: str | None) -> str:
    return f"{GRADE_ZH[grade]}灯" if grade else "未评级"


def shown(value) -> str:
    if value is None or value == "":
        return "未填写"
    return plain_number(value) if isinstance(value, float) else str(value)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def _pp(gap: float | None) -> str:
    return "" if gap is None else f"{gap * 100:.2f}"


ALL_AMOUNTS = frozenset({"carryover", "current", "subtotal", "issued", "spent", "forecast"})


def _unknown_fields(row: FundingRow) -> set[str]:
    """A form's row: the amounts it holds but could not read, and a 小计 of them."""
    bad = set(row.unreadable)
    return bad | ({"subtotal"} if bad & DEPENDS["subtotal"] else set())


def _rate(value: float | None) -> str:
    return "" if value is None else fmt_rate(value)


def said(value: float | None, unknown: bool = True) -> str:
    """An amount as a report's sentence says it: an unknown one 无法识别, a blank one (nothing carried over) 0.00
    万元; fmt_amount's 空 is for the findings, which quote cells."""
    return ("无法识别" if unknown else fmt_amount(0.0)) if value is None else fmt_amount(value)


def said_rate(value: float | None) -> str:
    return "无法计算" if value is None else fmt_rate(value)


def execution_sentence(as_of: str, what: str, subtotal, current, issued, issue_rate, spent, progress, forecast, tp,
                       gap, grade, unknown: Collection[str] = ALL_AMOUNTS, left_over: float | None = None) -> str:
    """unknown: the amounts of which a blank (None) is unknown, not 0; a department's totals are 0 unless so. Each
    rate names what it divides (下达率 is of 本年预算, not of the 安排数 said before it), and the forecast what it
    leaves over (预计结转结余, seed 004's 监控内容): left_over where given (a department's, Totals.left_over, over the
    projects whose forecast is known), else 小计 − 全年预计."""
    def amount(value, field):
        return said(value, field in unknown)
    if left_over is None and subtotal is not None and forecast is not None:
        left_over = subtotal - forecast
    left = (f"，预计结转结余 {fmt_amount(left_over)}" if subtotal is not None and forecast is not None
            and left_over is not None and left_over > 0.005 else "")
    return (f"截至{as_of}，{what}安排 {amount(subtotal, 'subtotal')}（其中本年预算 {amount(current, 'current')}），"
            f"已下达 {amount(issued, 'issued')}，下达率（占本年预算）{said_rate(issue_rate)}；已支出 "
            f"{amount(spent, 'spent')}，支出进度（占安排数）{said_rate(progress)}，时间进度 {fmt_rate(tp)}，"
            f"{gap_text(gap)}；全年预计支出 {amount(forecast, 'forecast')}{left}。资金执行评级为{grade_text(grade)}。")


def rows_apart(summary: Summary) -> str:
    """Why 表1's source rows do not add up to 资金总额, as 汇总表's note says it; "" where they do."""
    return "；".join(filter(None, (
        f"{summary.unsplit} 个项目只填写了资金总额、未按来源分列" if summary.unsplit else "",
        f"{summary.unnamed} 个项目有名称不规范的资金来源行，其金额只计入资金总额" if summary.unnamed else "",
        "有金额无法识别的项目，各行只计本行能识别的金额" if summary.unread_apart else "")))


def grade_counts(counts: dict[str, int], total: int, what: str, graded: str = "") -> str:
    """'28 个项目中，综合评级绿灯 16 个…': what is counted said once, then its grades (graded: the grading's name)."""
    unrated = total - sum(counts.get(g, 0) for g in ("green", "yellow", "red"))
    text = (f"{total} 个{what}中，{graded}绿灯 {counts.get('green', 0)} 个、黄灯 {counts.get('yellow', 0)} 个、"
            f"红灯 {counts.get('red', 0)} 个")
    return text + (f"，未评级 {unrated} 个。" if unrated else "。")


def chart_caption(figure: str, rows: str, tp: float | None) -> str:
    return (f"{figure} 支出进度与时间进度（条形自上而下依次为{rows}的支出进度，颜色表示资金评级：绿、黄、红；"
            f"红色竖线为时间进度 {fmt_rate(tp)}）")


def red_indicator_text(n: int, where: str, level3: str, target: str, actual, forecast, likelihood,
                       reason: str | None, remark: str | None, who: str = "单位") -> str:
    """who: whose the form and its reasons are, a unit's or, its own 部门整体, the department's."""
    text = (f"{n}. {where}“{level3 or '（未填指标名称）'}”：年度指标值 {target or '未填写'}，"
            f"截至本期完成情况{_quoted(actual)}，全年预计完成情况{_quoted(forecast)}")
    if likelihood:
        text += f"，完成目标可能性为“{likelihood}”"
    text += f"。{who}分析的偏差原因：{reason.rstrip('。；;. ')}" if reason else f"。{who}未填写偏差原因分析"
    text += f"；备注：{remark.rstrip('。；;. ')}。" if remark else "。"
    return text


def yellow_text(count: int, table: str) -> str:
    """The yellow indicators deviate too: where their causes are, which the section does not set out one by one."""
    return f"黄灯指标 {count} 个，其年度指标值、全年预计完成情况和偏差原因见{table}。"


def _quoted(value) -> str:
    """What a unit typed as an indicator's completion, quoted as typed: a number (95%) or words (6月起停工)."""
    return "未填写" if value is None or value == "" else f"为“{shown(value)}”"


def forms_findings(diagnostics: list[dict], alone: FileOutcome | None) -> list[dict]:
    """The findings in the forms the report is of: not what 汇总 said of the summary it wrote (ABOUT_WRITING), nor,
    drafted from the department's own summary, what is said of that summary (its edits, the profile it graded by:
    OF_SUMMARY), so that its report says what the report of its units' files says."""
    return [d for d in diagnostics if d["code"] not in ABOUT_WRITING
            and not (alone is not None and d["code"] in OF_SUMMARY and d.get("file") == alone.path)]


def _pooled(finding: dict) -> bool:
    """A finding of 汇总's (the catalogue's consolidation tag), made across the forms: no form holds it."""
    entry = catalogue().get(finding["code"])
    return entry is not None and "consolidation" in entry.tags


def quality_text(severities: list[str], listed: str, pooled: list[str] = ()) -> str:
    """listed: where the reader finds each finding, a department's summary (its 校验问题 sheet) or the check's.
    pooled: the severities of what 汇总 found across the forms (K…: a unit not reported, a project sent twice), which
    no form holds and so are counted apart from the forms' own."""
    counts = Counter(severities)
    found = f"错误 {counts['error']} 条、警告 {counts['warning']} 条、提示 {counts['info']} 条"
    if pooled:
        counts = Counter(pooled)
        found += "；汇总时另发现" + "、".join(f"{word} {counts[level]} 条" for level, word in SEVERITY_ZH.items()
                                          if counts[level])
    return f"经 xlmon 校验，监控表中发现{found}（逐条见{listed}）。本报告中的合计数、下达率、支出进度均由 xlmon 按表内金额重新计算。"


def left_out_text(rejected: list[tuple[str, str]]) -> str:
    """The files left out, each with why after its name in a sentence of its own: in brackets after the name, a reason
    holding brackets of its own (表内期间（2026年1-5月）…, 其中的工作簿（甲.xlsx）…) nested them, which Chinese style avoids."""
    return f"未纳入本报告的文件 {len(rejected)} 个。" + "".join(
        f"{name}：{why}。" if (why := reason.rstrip("。")) else f"{name}。" for name, reason in rejected)


_NUMERALS = "一二三四五六七八九十"


def handling_names(handlings: Iterable[str]) -> dict[str, str]:
    """重点监控建议's table names each drafted handling (方式一, 方式二…, in order of first use) and the text under
    it says each once: the same long handling in every row filled pages with its repeats."""
    distinct = list(dict.fromkeys(handlings))
    return {h: f"方式{_NUMERALS[i] if i < len(_NUMERALS) else i + 1}" for i, h in enumerate(distinct)}


def focus_text(focus: Focus) -> str:
    return f"列入原因：{'；'.join(focus.reasons)}。建议处理方式：{focus.handling}"


# ------------------------------------------------------------------------------------ project

def _funding_rows(form: Form) -> list[FundingRow]:
    rows = [r for r in form.funding if r.block == "source"]
    return [r for r in rows if r.row == L.TOTAL_ROW or any((r.subtotal, r.issued, r.spent, r.forecast))]


def project_report(form: Form, path: str, severities: list[str], profile: Profile) -> Report:
    period = L.period(form.year, form.months)
    name = form.project or form.sheet
    report = Report("project", f"{name}支出绩效监控分析报告", f"（{period}）")
    add = report.blocks.append
    record = form_record(form, path)
    summary = aggregate([FileOutcome(path, "", "included", None, [record], [])], profile)
    total = form.total("source") or FundingRow(block="source", row=L.TOTAL_ROW)

    add(Heading(SECTIONS[0], 1))
    add(Paragraph(f"项目名称：{name}；主管部门：{form.department or '未填写'}；预算单位：{form.unit or '未填写'}。"
                  f"资金安排 {said(total.subtotal, bool(DEPENDS['subtotal'] & set(total.unreadable)))}（上年结转 "
                  f"{said(total.carryover, 'carryover' in total.unreadable)}，"
                  f"本年预算 {said(total.current, 'current' in total.unreadable)}）。"))
    add(Paragraph(f"年度绩效目标：{form.goal}" if form.goal else "年度绩效目标：监控表未填写。"))
    add(Placeholder("项目概况、主要内容、起止时间和实施计划"))

    add(Heading(SECTIONS[1], 1))
    add(Heading(BUDGET, 2))
    add(Paragraph(execution_sentence(month_end(form.year, form.months), "项目资金", total.subtotal, total.current,
                                     total.issued, total.issue_rate, total.spent, total.spend_progress,
                                     total.forecast, form.time_progress, total.gap, total.grade,
                                     _unknown_fields(total))))
    rows = _funding_rows(form)
    add(Table(FUNDING_HEADERS, [[r.row, _num(r.subtotal), _num(r.issued), _rate(r.issue_rate), _num(r.spent),
                                 _rate(r.spend_progress), _num(r.forecast), _pp(r.gap), grade_text(r.grade)]
                                for r in rows], "表1 资金来源及执行情况（金额单位：万元）"))
    add(Chart("资金来源", [(r.row, r.spend_progress, r.grade) for r in rows], form.time_progress,
              chart_caption("图1", "表1各行", form.time_progress)))
    add(Heading(TARGETS, 2))
    grades = Counter(i.grade for i in form.indicators if i.grade)
    add(Paragraph("按全年预计完成情况与年度指标值比较，" + grade_counts(grades, len(form.indicators), "绩效指标")))
    deviating = [i for i in form.indicators if i.grade in ("red", "yellow")]
    deviating.sort(key=lambda i: i.grade != "red")
    if deviating:
        add(Table(["评级", "三级指标", "年度指标值", "截至本期完成", "全年预计完成", "完成可能性", "偏差原因分析"],
                  [[grade_text(i.grade), i.level3, target_shown(i), shown(completion_typed(i, "actual")),
                    shown(completion_typed(i, "forecast")), i.likelihood or "",
                    i.reason or "（未填写）"] for i in deviating], "表2 出现偏差的绩效指标"))

    add(Heading(SECTIONS[2], 1))
    add(Placeholder("绩效监控延伸情况（如实地核查、延伸至项目实施单位的情况）"))

    add(Heading(SECTIONS[3], 1))
    add(Heading(CONCLUSION, 2))
    add(Paragraph(f"项目综合评级为{grade_text(form.grade)}：资金执行{grade_text(total.grade)}；"
                  + grade_counts(grades, len(form.indicators), "绩效指标")))
    add(DraftNote(_conclusion(form.grade, total.grade)))
    add(Heading(CAUSES, 2))
    reds = [i for i in deviating if i.grade == "red"]
    if reds:
        add(Paragraph(f"红灯指标 {len(reds)} 个：" if len(reds) > 1 else "红灯指标 1 个："))
        for n, i in enumerate(reds, 1):
            add(Paragraph(red_indicator_text(n, "", i.level3, target_shown(i), completion_typed(i, "actual"),
                                             completion_typed(i, "forecast"), i.likelihood,
                                             i.reason, i.remark)))
    else:
        add(Paragraph("无红灯指标。"))
    if yellow := sum(i.grade == "yellow" for i in deviating):
        add(Paragraph(yellow_text(yellow, "表2")))
    if total.grade in ("yellow", "red"):
        add(Placeholder(f"支出进度偏慢的原因（{gap_text(total.gap)}），从决策、过程和管理方面分析"))
    add(Heading(MEASURES, 2))
    if summary.focus:
        add(DraftNote(f"本项目符合重点监控条件。{focus_text(summary.focus[0])}"))
    else:
        add(DraftNote("本项目未达到重点监控条件（综合红灯、指标“完全不可能”完成或大额黄灯项目），"
                      "建议督促单位按计划推进、及时纠偏。"))
    add(Placeholder("存在的问题、整改措施和建议"))

    add(Heading(SECTIONS[4], 1))
    add(Paragraph(quality_text(severities, " xlmon 校验结果")))
    add(Placeholder("其他需要说明的事项"))
    return report


def _conclusion(grade: str | None, funding_grade: str | None) -> str:
    if grade == "green":
        return "预算执行和绩效目标实现情况总体正常。"
    if grade == "red" or funding_grade == "red":
        return "预算执行或绩效目标实现出现较大偏差，应作为重点予以关注并督促整改。"
    return "预算执行或绩效目标实现存在一定偏差，需采取措施及时纠偏。"


# ------------------------------------------------------------------------------------ department

def department_name(summary: Summary) -> str:
    """As the summary names it, without its code: "" for a bureau's of several departments. One unit's 部门整体
    among project forms names that unit, not the department."""
    name = names_department((*summary.projects, *summary.overall)) or (
        summary.overall[0].unit or "" if len(summary.overall) == 1 and not summary.projects else "")
    return _CODE.sub("", name).strip()


def one_unit(summary: Summary) -> str:
    """The unit whose forms alone the report is of (its own file, a department's folder or summary of one unit's):
    the report is the unit's, not its 主管部门's; "" where several units' are (机关服务中心（101003） and （102003）: two)
    or the one names itself nowhere."""
    records = (*summary.projects, *summary.overall)
    if summary.by_department or len({summary.unit_ids.of(r) for r in records}) != 1:
        return ""
    return _CODE.sub("", next((r.unit for r in records if r.unit), "")).strip()


def _overall_paragraph(records: list[FormRecord], named: Callable[[FormRecord], str]) -> str:
    """The 部门整体 forms' funds. Several (units' own, a bureau's departments') are named and summed as theirs: called
    the department's whole funds, two schools' forms read as less than its projects' funds alone."""
    def summed(block: str, label: str) -> list[float | None]:
        sums: list[float | None] = [None] * 5
        for r in records:
            for i, v in enumerate(r.amounts.get(block, {}).get(label) or []):
                if v is not None:
                    sums[i] = (sums[i] or 0.0) + v
        return sums

    total = summed("source", L.TOTAL_ROW)
    unknown = {f for r in records for f in r.unknown_in(L.TOTAL_ROW)}
    subtotal, _, progress = derived(total, unknown, sum(r.alone_in(L.TOTAL_ROW) or 0.0 for r in records))
    parts = [f"{label} {fmt_amount(derived(summed('spending', label), (), sum(r.alone_in(label, 'spending') or 0.0 for r in records))[0])}"
             for label in L.DEPARTMENT_SPENDING_TYPES]
    progress_text = (f"支出进度 {fmt_rate(progress)}" if progress is not None or not unknown
                     else "部分金额无法识别，支出进度无法计算")
    whose = (f"据{owners_text([named(r) for r in records])}报送的 {len(records)} 份部门整体支出绩效运行监控表，合计"
             if len(records) > 1 else "据 1 份部门整体支出绩效运行监控表，部门整体")  # whose first: a name's brackets
    return (f"{whose}资金总额 {said(subtotal)}"  # in （…报送） nested, 信息中心（某市教育局） or 某局（本级）
            f"（{'、'.join(parts)}），已支出 {said(total[3], 'spent' in unknown)}，{progress_text}。")


def _department_goal(summary: Summary) -> str | None:
    """The 年度绩效目标 of the department's own 部门整体 (completed in its summary, K006), or of the one unit reported
    on: what the department typed is stated, not asked for again. Several units' forms give no department's goal."""
    own = [r for r in summary.overall if r.covers]
    forms = own if own else summary.overall if len(summary.units) == 1 else []
    return forms[0].goal if len(forms) == 1 else None


def behind_of(totals: list[Totals], profile: Profile) -> list[Totals]:
    """Those past the line as grade_funding puts a gap past it: a float's rounding at exactly 10 points is not behind."""
    return [t for t in totals if t.gap is not None and t.gap > profile.funding.green_max_gap + GAP_EPS]


def behind_text(behind: list[Totals], who: str, profile: Profile, table: str) -> str:
    """The units (or departments) behind 时间进度, the furthest first, each with its gap: of a bureau's hundreds the
    first LISTED_BEHIND, all being in `table`. A department by its name alone, 表2 giving its code. The gap follows
    the name unbracketed: 某市教育局（本级）（21.15 个百分点） doubled a name's brackets."""
    limit = f"{profile.funding.green_max_gap * 100:g}"
    if not behind:
        return f"各{who}支出进度落后时间进度均未超过 {limit} 个百分点。"
    listed = "、".join(f"{_CODE.sub('', t.row) if who == '主管部门' else t.row}落后 {t.gap * 100:.2f} 个百分点"
                      for t in behind[:LISTED_BEHIND])
    some = f"，落后最多的 {LISTED_BEHIND} 个" if len(behind) > LISTED_BEHIND else ""
    everyone = f"（全部见{table}）" if some else ""
    return f"支出进度落后时间进度超过 {limit} 个百分点的{who}有 {len(behind)} 个{some}：{listed}{everyone}。"


def owners_text(names: list[str], shown: int = 5) -> str:
    """The first few names, with how many in all beyond them (…等 12 个单位)."""
    return first_names(list(dict.fromkeys(names)), shown, "单位")


def unit_names(summary: Summary) -> Callable[[FormRecord], str]:
    """Each form's unit as the table of units names it: a bureau's 信息中心 of two departments, which a sentence has no
    主管部门 column to tell apart, as 信息中心（某市教育局） and 信息中心（某市卫生健康委员会）."""
    names = summary.unit_ids.names([*summary.projects, *summary.overall])
    return lambda record: names.get(summary.unit_ids.of(record)) or record.unit or ""


def roster_text(summary: Summary) -> str:
    """Who of the roster reported, as 汇总表's note says it, every name given: the report is where they are chased."""
    missing, unlisted = summary.missing_units, summary.unlisted_units
    text = f"按{summary.listed}名单，应报送 {len(summary.roster)} 个{summary.listed}，"
    text += (f"未报送 {len(missing)} 个{summary.other_period_note}：{'、'.join(missing)}" if missing
             else "均已报送")
    if unlisted:
        text += f"；另有 {len(unlisted)} 个报送{summary.listed}不在名单中：{'、'.join(unlisted)}"
    return text + "。"


def department_report(summary: Summary, profile: Profile, alone: FileOutcome | None = None) -> Report:
    """alone: the summary the report is drafted from by itself, the department's own: what it left out
    (records.left_line) is said as if of its files, and the department's edits to it are no finding in its forms."""
    period = L.period(summary.year, summary.months)
    unit = one_unit(summary)
    title = ("各部门预算绩效运行监控分析报告" if summary.by_department  # a bureau's, of several departments: not 部门整体
             else f"{unit}{'部门整体' if summary.overall else '项目'}支出绩效监控分析报告" if unit
             else f"{department_name(summary)}部门整体支出绩效监控分析报告")
    report = Report("department", title, f"（{period}）")
    add = report.blocks.append
    tp = summary.time_progress
    units = summary.units  # each once, however its name is spaced or bracketed
    found_in = "汇总的“校验问题”" if len(units) > 1 else " xlmon 校验结果"  # one unit's file makes no summary
    only_overall = not summary.projects  # 部门整体 forms alone: their funds are the report's, not projects'
    funds = source_rows(summary.overall, summary.months, profile, (L.TOTAL_ROW, *L.DEPARTMENT_FUND_TYPES)) \
        if only_overall else summary.rows
    total = funds[0]

    add(Heading(SECTIONS[0], 1))
    if unit and (department := _CODE.sub("", names_department(summary.projects)).strip()):
        add(Paragraph(f"主管部门：{department}；预算单位：{unit}。"))  # as a project's report names them
    several = f"{len(summary.departments)} 个主管部门、" if summary.by_department else ""
    whose = f"{unit}的" if unit else f" {several}{len(units)} 个单位的"  # a unit's report: not 1 个单位的
    if not only_overall:
        add(Paragraph(f"本次监控纳入{whose} {len(summary.projects)} 个项目，项目资金安排 "
                      f"{said(total.subtotal)}（上年结转 {said(total.carryover)}，本年预算 {said(total.current)}）。"))
    if summary.roster:
        add(Paragraph(roster_text(summary)))
    if summary.overall:
        add(Paragraph(_overall_paragraph(summary.overall, unit_names(summary))))
    if summary.by_department:
        add(Placeholder("各主管部门的基本情况和绩效监控工作开展情况"))
    elif goal := _department_goal(summary):
        add(Paragraph(f"年度绩效目标：{goal}"))
        add(Placeholder(f"{'单位' if unit else '部门'}职能和年度主要工作任务"))  # a school's reviewer asks the unit's
    else:
        add(Placeholder(f"{'单位' if unit else '部门'}职能、年度主要工作任务和年度绩效目标"))

    add(Heading(SECTIONS[1], 1))
    add(Heading(BUDGET, 2))
    add(Paragraph(execution_sentence(month_end(summary.year, summary.months),
                                     "部门整体资金共" if only_overall else "纳入监控的项目资金共", total.subtotal,
                                     total.current, total.issued, total.issue_rate, total.spent, total.spend_progress, total.forecast,
                                     tp, total.gap, total.grade, left_over=total.left_over)))
    # as 汇总表's note says: else the rates cannot be had from the amounts printed beside them
    unclear = sum(r.unread() for r in summary.overall) if only_overall else summary.unclear
    if unclear:
        what = "份部门整体表" if only_overall else "个项目"
        add(Paragraph(f"注意：{unclear} {what}有金额无法识别（见{found_in}），以上合计只含能识别的金额，"
                      f"下达率、支出进度和预计结转结余按其余{'各表' if only_overall else '项目'}计算。"))
    if summary.apart:
        add(Paragraph(f"注意：{summary.apart} 张表的金额疑似按元填写（与其他单位相差百倍以上，见{found_in}），"
                      "以上合计按表内数字计入，核实前可能偏大。"))
    rows = [t for t in funds if t.row == L.TOTAL_ROW or t.subtotal or t.spent or t.issued]
    add(Table(FUNDING_HEADERS, [[t.row, _num(t.subtotal), _num(t.issued), _rate(t.issue_rate), _num(t.spent),
                                 _rate(t.spend_progress), _num(t.forecast), _pp(t.gap), grade_text(t.grade)]
                                for t in rows], f"表1 {'部门整体' if only_overall else '项目'}资金来源及执行情况（金额单位：万元）"))
    if not only_overall and (why := rows_apart(summary)):
        add(Paragraph(f"注：表1各资金来源之和与资金总额不等：{why}。"))
    behind = behind_of(summary.by_unit, profile)
    number = iter(range(2, 9))  # tables after 表1: a bureau's report has one by department first
    tables = [("主管部门", summary.by_department)] if summary.by_department else []
    if tables:  # the departments, which the bureau holds to account, before their units
        add(Paragraph(behind_text(behind_of(summary.by_department, profile), "主管部门", profile, "表2")))
    # of 部门整体 forms alone there are no units' progress to compare; of one unit's, 表1 and the sentence above it are its
    ranked = not only_overall and not (len(summary.by_unit) == 1 and not tables)
    if ranked:
        add(Paragraph(behind_text(behind, "单位", profile, f"表{2 + len(tables)}")))
    charted = None
    for who, totals in [*tables, ("单位", summary.by_unit)] if ranked else ():
        table = f"表{next(number)}"
        add(Table(["序号", who, "安排数", "支出数", "支出进度", "进度差（百分点）", "资金评级"],
                  [[str(n), t.row, _num(t.subtotal), _num(t.spent), _rate(t.spend_progress), _pp(t.gap),
                    grade_text(t.grade)] for n, t in enumerate(totals, 1)],
                  f"{table} 各{who}支出进度（按进度差从大到小；时间进度 {fmt_rate(tp)}；金额单位：万元）"))
        charted = charted or (table, who, totals)
    if charted:
        table, who, totals = charted
        shown_bars = totals[:CHART_BARS]  # the slowest first, as the table lists them: more would be hairlines
        rows = f"{table}各{who}" if len(totals) <= CHART_BARS else f"{table}前 {CHART_BARS} 个{who}（进度差最大的）"
        add(Chart(who, [(t.row, t.spend_progress, t.grade) for t in shown_bars], tp, chart_caption("图1", rows, tp)))

    add(Heading(TARGETS, 2))
    indicators, overall = Counter(), Counter()
    for p in (*summary.projects, *summary.overall):  # 部门整体 forms' indicators count as 指标偏差 lists them
        indicators.update(p.indicator_grades)
    for p in summary.overall:
        overall.update(p.indicator_grades)
    # said after the projects' count, the 部门整体 forms' share is named: 项目明细's columns add up to the rest
    among = (f"（含 {len(summary.overall)} 份部门整体表的 {sum(overall.values())} 个）"
             if not only_overall and sum(overall.values()) else "")
    projects = "" if only_overall else "纳入监控的 " + grade_counts(summary.grades, len(summary.projects), "项目", "综合评级")
    add(Paragraph(projects + "已评级的 " + grade_counts(indicators, sum(indicators.values()), f"绩效指标{among}")))
    deviations = [(d, p) for p in (*summary.projects, *summary.overall) for d in p.deviations]
    deviations.sort(key=lambda x: (x[0].grade != "red", x[1].unit or "", named_form(x[1])))
    deviations = summary.in_department_order(deviations, lambda x: x[1])  # as the summary's 指标偏差
    department = ["主管部门"] if summary.department_of else []

    def of(record: FormRecord) -> list[str]:
        """A bureau's tables name each row's 主管部门, as its summary's do."""
        return [summary.department_for(record) or ""] if department else []

    deviation_table = f"表{next(number)}" if deviations else ""
    if deviations:
        add(Table(["评级", *department, "单位", "项目", "三级指标", "年度指标值", "全年预计完成", "偏差原因分析"],
                  [[grade_text(d.grade), *of(p), p.unit or "", named_form(p), d.level3, d.target,
                    shown(d.forecast), d.reason or "（未填写）"] for d, p in deviations],
                  f"{deviation_table} 出现偏差的绩效指标"))

    add(Heading(SECTIONS[2], 1))
    add(Placeholder("绩效监控延伸情况（如对重点项目实施单位的延伸监控、实地核查情况）"))

    add(Heading(SECTIONS[3], 1))
    add(Heading(CONCLUSION, 2))
    red_projects = summary.grades.get("red", 0) if summary.projects else indicators.get("red", 0)
    add(Paragraph(f"{'部门整体' if only_overall else '项目'}资金执行评级为{grade_text(total.grade)}（{gap_text(total.gap)}）；"
                  + ("" if only_overall else f"{len(summary.projects)} 个项目中红灯 {red_projects} 个、"
                                             f"黄灯 {summary.grades.get('yellow', 0)} 个；")
                  + f"红灯指标 {indicators.get('red', 0)} 个。"))
    overall = "green" if total.grade == "green" and not red_projects else ("red" if total.grade == "red" else "yellow")
    add(DraftNote(_conclusion(overall, total.grade)))
    add(Heading(CAUSES, 2))
    reds = [(d, p) for d, p in deviations if d.grade == "red"]
    if len(reds) > LISTED_RED:  # the least likely to be reached, of the largest projects, first
        reds.sort(key=lambda x: (_LIKELIHOOD_ORDER.get(x[0].likelihood or "", 2), -(x[1].rates()[0] or 0)))
        add(Paragraph(f"红灯指标 {len(reds)} 个，以下列出其中 {LISTED_RED} 个（完成可能性最小、项目资金最多的；"
                      f"全部见{deviation_table}）："))
    else:
        add(Paragraph(f"红灯指标 {len(reds)} 个：" if reds else "无红灯指标。"))  # as a project's report says it
    named = unit_names(summary)
    for n, (d, p) in enumerate(reds[:LISTED_RED], 1):
        add(Paragraph(red_indicator_text(n, f"{named(p)}“{named_form(p)}”的", d.level3, d.target,
                                         d.actual, d.forecast, d.likelihood, d.reason, d.remark,
                                         "部门" if p.units else "单位")))
    if yellow := sum(d.grade == "yellow" for d, _ in deviations):
        add(Paragraph(yellow_text(yellow, deviation_table)))
    if behind:
        slow = "主管部门和单位" if summary.by_department else "单位"  # a bureau's text names both
        add(Placeholder(f"支出进度偏慢{slow}的原因分析（从决策、过程和管理方面）"))
    add(Heading(MEASURES, 2))
    if summary.focus:
        add(DraftNote(f"按规则建议将以下 {len(summary.focus)} 个项目列入重点监控，处理方式为草拟建议，须经审核确定。"))
        ways = handling_names(f.handling for f in summary.focus)
        add(Table([*department, "单位", "项目", "安排数（万元）", "支出进度", "综合评级", "列入原因", "建议处理方式（草稿）"],
                  [[*of(f.record), f.record.unit or "", named_form(f.record), _num(f.record.rates()[0]),
                    _rate(f.record.rates()[2]), grade_text(f.record.grade), "；".join(f.reasons), ways[f.handling]]
                   for f in summary.focus], f"表{next(number)} 重点监控建议（草稿，供审核参考）"))
        counts = Counter(f.handling for f in summary.focus)
        for handling, way in ways.items():
            add(Paragraph(f"{way}（{counts[handling]} 个项目）：{handling}"))
    elif not only_overall:  # of 部门整体 forms alone there are no projects to weigh
        add(DraftNote("没有项目达到重点监控条件（综合红灯、指标“完全不可能”完成或大额黄灯项目）。"))
    add(Placeholder("存在的问题、整改措施和建议"))

    add(Heading(SECTIONS[4], 1))
    findings = forms_findings(summary.diagnostics, alone)
    add(Paragraph(quality_text([d["severity"] for d in findings if not _pooled(d)], found_in,
                               [d["severity"] for d in findings if _pooled(d)])))
    # the consolidation's own, or, drafted from one summary alone, what that summary left out
    own, left = summary.left, alone.left if alone is not None else None
    told = left if left is not None and not any(own.values()) else own
    rejected, kept, duplicates = told["rejected"], told["earlier"], told["duplicates"]  # earlier: counted after
    if rejected:
        add(Paragraph(left_out_text(rejected)))
    if kept:
        add(Paragraph(f"另有 {kept} 个文件是各单位前期的监控表（本期的表已报送），未纳入本报告。"))
    if duplicates:
        add(Paragraph(duplicates_text(duplicates, told.get("duplicate_files", 0))))
    if edited := Counter(d["file"] for d in findings if d["code"] in EDITED):
        names = shown_names(edited)
        listed = "、".join(f"{names[f]}（{n} 处）" for f, n in edited.items())
        add(Paragraph(f"经手工修改的汇总表 {len(edited)} 个：{listed}，修改未计入本报告（逐处见汇总的“校验问题”）。"))
    add(Placeholder("其他需要说明的事项"))
    return report
