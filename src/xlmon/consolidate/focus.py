"""重点监控建议: the projects proposed for close monitoring, and the handling drafted for each (seeds 003/004)."""

from __future__ import annotations

from dataclasses import dataclass

from ..profile import Profile
from .apart import apart_place
from .records import FormRecord


@dataclass
class Focus:
    record: FormRecord
    reasons: list[str]
    handling: str


def focus_list(projects: list[FormRecord], profile: Profile, apart: set[tuple] = frozenset()) -> list[Focus]:
    """The projects proposed for 重点监控, with why and the suggested handling, as 重点监控建议 drafts them. Earlier
    summaries are compared with this draft (edits.edited_focus): a reworded reason or handling shows there as
    the department's edit. A large budget that K019 suspects typed in 元 (apart_forms) is said to be checked first:
    a 5 万元 project read as 5 亿元 is no large project."""
    out: list[Focus] = []
    for record in projects:
        reasons = []
        subtotal = record.rates()[0]
        if record.grade == "red":
            reasons.append("综合评级为红灯")
        if record.likelihoods.get("完全不可能"):
            reasons.append(f"{record.likelihoods['完全不可能']} 个指标判断为“完全不可能”完成")
        if record.grade == "yellow" and subtotal is not None and subtotal >= profile.consolidation.focus_budget:
            check = ("，但金额疑似按元填写（见“校验问题”，代码 K019），请先核实"
                     if apart_place(record) in apart else "")
            reasons.append(f"预算 {subtotal:,.2f} 万元（不低于 {profile.consolidation.focus_budget:,.0f} 万元）且为黄灯{check}")
        if reasons:
            out.append(Focus(record, reasons, _handling(record)))
    order = {"red": 0, "yellow": 1, "green": 2, None: 3}
    return sorted(out, key=lambda f: (order[f.record.grade], f.record.unit or "", f.record.project or ""))


SERIOUS = ("预算执行和绩效目标均偏离较大的，建议暂缓拨款，督促单位整改；经核实已经或预计造成重大损失浪费或风险的，按程序"
           "暂停项目实施、停止拨付资金；整改不到位或无法继续实施的收回资金。")


IMPOSSIBLE = ("有绩效指标判断为“完全不可能”完成的，如因政策变化、突发事件等客观因素所致，建议按程序调减预算并同步调整"
              "绩效目标；否则督促单位落实备注中提出的措施、及时纠偏。")


OBJECTIVE = ("如因政策变化、突发事件等客观因素导致进度缓慢或目标难以实现，建议按程序调减预算并同步调整绩效目标；"
             "否则督促单位加快执行、及时纠偏。")


# what earlier versions drafted, which a summary they wrote still shows: not the department's edit (edits.edited_focus)
FORMER_HANDLINGS = ("预算执行与绩效目标偏离较大：建议暂停项目实施或暂缓拨款，按程序调减预算、停止拨付资金，"
                    "督促单位整改；整改不到位或无法继续实施的收回资金。",
                    "预算执行和绩效目标均偏离较大：建议暂缓拨款，督促单位整改；经核实已经或预计造成重大损失浪费或风险的，"
                    "按程序暂停项目实施、停止拨付资金；整改不到位或无法继续实施的收回资金。",
                    "有绩效指标判断为“完全不可能”完成：如因政策变化、突发事件等客观因素所致，建议按程序调减预算并同步调整"
                    "绩效目标；否则督促单位落实备注中提出的措施、及时纠偏。")


def _handling(record: FormRecord) -> str:
    """Seeds 003/004: a serious deviation, of the money and the targets both (case 二), is 暂缓拨款 first and, once
    confirmed, 暂停/停止拨付; an indicator judged 完全不可能, or a deviation alone, is case 一 where its cause is
    objective: 调减预算并同步调整目标."""
    if record.funding_grade == "red" and record.indicator_grades.get("red", 0) > 0:
        return SERIOUS
    return IMPOSSIBLE if record.likelihoods.get("完全不可能") else OBJECTIVE
