"""Official-layout forms as plain value grids, the way people type them by hand: offsets, spaced
or full-width labels, merged or repeated 一级/二级, text numbers. The reader takes grids, so no
workbook is needed to test it."""

from __future__ import annotations

from xlmon import layout as L

FUNDING_HEADER_TOP = ["年度预算资金安排", None, None, "1-6月下达数", "1-6月下达率%（下达数/本年预算数）",
                      "1-6月支出数", "1-6月支出进度%（支出数/安排数）", "全年预计支出数"]
FUNDING_HEADER_SUB = ["上年结转", "本年预算", "小计", None, None, None, None, None]


def spaced(text: str) -> str:
    return " ".join(text)


def fullwidth(text: str) -> str:
    return text.replace("(", "（").replace(")", "）").replace(":", "：")


def project_grid(*, funding: dict[str, list] | None = None, indicators: list[list] | None = None,
                 top: int = 0, left: int = 0, title: str = "2026年市级项目支出绩效运行监控表",
                 period: str = "（2026年1-6月）", label=lambda s: s, merge_levels: bool = True,
                 project: str = "校舍维修改造项目", unit: str = "某市第一中学",
                 department: str = "某市教育局（101001）") -> list[list]:
    """funding: row label -> [上年结转, 本年预算, 小计, 下达数, 下达率, 支出数, 支出进度, 全年预计]."""
    funding = funding or {}
    rows: list[list] = [[] for _ in range(top)]
    rows += [[title], [period], [label("项目名称"), None, project],
             [label("主管部门及代码"), None, department, None, None, None, None, label("预算单位"), unit]]
    rows += [[label("项目资金预算安排及执行进度（万元）"), None, None, *FUNDING_HEADER_TOP],
             [None, None, None, *FUNDING_HEADER_SUB]]
    for i, name in enumerate((L.TOTAL_ROW, *L.PROJECT_SOURCES)):
        shown = label(name + "：") if i == 0 else label(("其中：" if i == 1 else "") + name)
        rows.append([None, shown, None, *funding.get(name, [None] * 8)])
    rows.append([label("项目年度绩效目标"), None, "完成校舍维修 3 处，消除安全隐患。"])
    rows.append([label("绩效指标"), label("一级指标"), label("二级指标"), label("三级指标"), label("年度指标值"),
                 "1-6月指标完成情况", "全年指标预计完成情况", "偏差原因分析", "完成目标可能性“√”", None, None,
                 "备注"])
    rows.append([None] * 8 + ["确定能", "有可能", "完全不可能"])
    previous = (None, None)
    for ind in indicators or []:
        l1, l2, *rest = ind
        shown1 = l1 if (not merge_levels or l1 != previous[0]) else None
        shown2 = l2 if (not merge_levels or (l1, l2) != previous) else None
        previous = (l1, l2)
        rows.append([None, shown1, shown2, *rest])
    rows += [[note] for note in L.FOOTNOTES]
    return [[None] * left + row for row in rows]


SAMPLE_FUNDING = {
    L.TOTAL_ROW: [10, 300, 310, 200, 0.6667, 150, 0.4839, 305],
    "中央财政资金": [None, 100, 100, 100, 1, 60, 0.6, 100],
    "市级财政资金": [10, 200, 210, 100, 0.5, 90, 0.428571, 205],
}
SAMPLE_INDICATORS = [
    ["产出指标", "数量指标", "维修校舍面积", "≥1200平方米", "800平方米", "1250平方米", None, "√", None, None, None],
    ["产出指标", "质量指标", "验收合格率", "＝100%", "100%", "100%", None, "√", None, None, None],
    ["产出指标", "时效指标", "完工时间", "≤180天", 90, 170, None, "√", None, None, None],
    ["效益指标", "社会效益指标", "安全隐患消除", "有效消除", "基本消除", "达成", "雨季施工受限，二期延至9月", None, "√",
     None, None],
    ["满意度指标", "服务对象满意度指标", "师生满意度", "95%", "93%", "96%", None, "√", None, None, None],
    ["产出指标", "成本指标", "单位面积维修成本", "≤1500元", "1400元", "1450元", None, "√", None, None, None],
    ["效益指标", "可持续影响指标", "校舍使用年限延长", "≥10年", "10年", "10年", None, "√", None, None, None],
]


def department_grid(*, sources: dict[str, list | None] | None = None, spending: dict[str, list | None] | None = None,
                    unit: str = "丙单位（101001003）", unit_label: str = "主管部门（单位）及代码",
                    second_header: bool = True) -> list[list]:
    """附件3 typed by hand: rows label -> [上年结转, 本年预算, 小计, 下达数, 下达率, 支出数, 支出进度, 全年预计] for each
    block, in the order given (by default 310 万元 by fund type and by spending type); block 2 under its own header
    rows, or right below block 1 (second_header False), or left out (spending {})."""
    sources = DEPARTMENT_SOURCES if sources is None else sources
    spending = DEPARTMENT_SPENDING if spending is None else spending
    rows: list[list] = [["部门整体支出绩效运行监控表"], ["（2026年1-6月）"], [unit_label, None, None, unit],
                        ["预算安排及执行进度（万元）", "1.", None, *FUNDING_HEADER_TOP], [None, None, None, *FUNDING_HEADER_SUB]]
    rows += [[None, label, None, *(amounts or [])] for label, amounts in sources.items()]
    if spending and second_header:
        rows += [[None, "2.", None, *FUNDING_HEADER_TOP], [None, None, None, *FUNDING_HEADER_SUB]]
    rows += [[None, label, None, *(amounts or [])] for label, amounts in spending.items()]
    rows.append(["年度绩效目标", None, "保障机关正常运转，完成年度重点工作。"])
    rows.append(["绩效指标", "一级指标", "二级指标", "三级指标", "年度指标值", "1-6月指标完成情况", "全年指标预计完成情况",
                 "偏差原因分析", "完成目标可能性“√”", None, None, "备注"])
    rows.append([None] * 8 + ["确定能", "有可能", "完全不可能"])
    rows += [[None, *ind] for ind in DEPARTMENT_INDICATORS]
    rows += [[note] for note in L.FOOTNOTES]
    return rows


TOTAL_310 = [10, 300, 310, 200, 0.6667, 150, 0.4839, 300]
DEPARTMENT_SOURCES = {
    "资金总额：": TOTAL_310, "其中：一般公共预算资金": [10, 250, 260, 170, 0.68, 130, 0.5, 250], "政府性基金预算资金": None,
    "国有资本经营预算资金": None, "社会保险基金预算资金": None, "财政专户管理资金": None,
    "单位资金": [None, 50, 50, 30, 0.6, 20, 0.4, 50],
}
DEPARTMENT_SPENDING = {
    "资金总额：": TOTAL_310, "其中：基本支出": [None, 200, 200, 120, 0.6, 100, 0.5, 200],
    "项目支出": [10, 100, 110, 80, 0.8, 50, 0.4545, 100],
}
DEPARTMENT_INDICATORS = [
    ["产出指标", "数量指标", "保障在职人数", "≥120人", "120人", "120人", None, "√", None, None, None],
    ["效益指标", "社会效益指标", "重点工作完成率", "≥95%", "60%", "96%", None, "√", None, None, None],
    ["满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "92%", "93%", None, "√", None, None, None],
]
