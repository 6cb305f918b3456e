"""The official layouts of 附件2 and 附件3 (seed 004): row labels, columns and the indicator hierarchy.

Both the template writer and the reader take their labels from here, so what we write is
exactly what we read back.
"""

from __future__ import annotations

from dataclasses import dataclass

PROJECT_TITLE = "项目支出绩效运行监控表"
DEPARTMENT_TITLE = "部门整体支出绩效运行监控表"

TOTAL_ROW = "资金总额"
PROJECT_SOURCES = ("中央财政资金", "省级财政资金", "市级财政资金", "县（区）财政资金", "单位自筹资金", "其他资金")
DEPARTMENT_FUND_TYPES = (
    "一般公共预算资金", "政府性基金预算资金", "国有资本经营预算资金",
    "社会保险基金预算资金", "财政专户管理资金", "单位资金",
)
DEPARTMENT_SPENDING_TYPES = ("基本支出", "项目支出")


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # with XX standing for the month


FUNDING_COLUMNS = (
    Column("carryover", "上年结转"),
    Column("current", "本年预算"),
    Column("subtotal", "小计"),
    Column("issued", "1-XX月下达数"),
    Column("issue_rate", "1-XX月下达率%（下达数/本年预算数）"),
    Column("spent", "1-XX月支出数"),
    Column("spend_progress", "1-XX月支出进度%（支出数/安排数）"),
    Column("forecast", "全年预计支出数"),
)
INPUT_AMOUNTS = ("carryover", "current", "issued", "spent", "forecast")
RATE_FIELDS = ("issue_rate", "spend_progress")
AMOUNT_FIELDS = ("carryover", "current", "subtotal", "issued", "spent", "forecast")
FIELD_LABELS = {
    "carryover": "上年结转", "current": "本年预算", "subtotal": "小计", "issued": "下达数",
    "issue_rate": "下达率", "spent": "支出数", "spend_progress": "支出进度", "forecast": "全年预计支出数",
}

# Keyword tests in priority order: "下达率%（下达数/本年预算数）" mentions 本年预算 and 下达数 too.
FUNDING_HEADER_KEYWORDS = (
    ("issue_rate", ("下达率",)),
    ("spend_progress", ("支出进度", "执行率")),
    # 全年预计支出数, 预计全年支出数, 预计执行数; not 预计结转结余 or 预计执行率, columns some units add beside it
    ("forecast", ("预计支出", "全年预计", "预计执行", "预计全年", "预计年底", "预计年末")),
    ("issued", ("下达数", "下达金额", "已下达")),
    ("spent", ("支出数", "已支出", "支出金额", "执行数", "实际支出", "支付数", "已支付", "实际支付")),  # 国库支付数
    ("carryover", ("上年结转", "结转")),
    ("current", ("本年预算", "当年预算", "年初预算")),
    ("subtotal", ("小计", "安排数", "合计")),
)

LEVEL1_OUTPUT, LEVEL1_BENEFIT, LEVEL1_SATISFACTION, LEVEL1_COST = "产出指标", "效益指标", "满意度指标", "成本指标"

# Seed 004's hierarchy (the form as printed) and the national 2021 guide (财预〔2021〕101号).
HIERARCHIES: dict[str, dict[str, tuple[str, ...]]] = {
    "seed004": {
        LEVEL1_OUTPUT: ("数量指标", "质量指标", "时效指标", "成本指标"),
        LEVEL1_BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
        LEVEL1_SATISFACTION: ("服务对象满意度指标",),
    },
    "national2021": {
        LEVEL1_OUTPUT: ("数量指标", "质量指标", "时效指标"),
        LEVEL1_COST: ("经济成本指标", "社会成本指标", "生态环境成本指标"),
        LEVEL1_BENEFIT: ("经济效益指标", "社会效益指标", "生态效益指标", "可持续影响指标"),
        LEVEL1_SATISFACTION: ("服务对象满意度指标",),
    },
}
DEFAULT_HIERARCHY = "seed004"

LIKELIHOODS = ("确定能", "有可能", "完全不可能")

INDICATOR_HEADERS = (
    ("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"), ("target", "年度指标值"),
    ("actual", "1-XX月指标完成情况"), ("forecast", "全年指标预计完成情况"),
    ("reason", "偏差原因分析"), ("likelihood", "完成目标可能性“√”"), ("remark", "备注"),
)
INDICATOR_HEADER_KEYWORDS = (
    ("level1", ("一级指标",)),
    ("level2", ("二级指标",)),
    ("level3", ("三级指标",)),
    ("operator", ("计算符号", "运算符号", "符号")),
    ("unit", ("计量单位", "度量单位")),
    ("forecast", ("全年指标预计", "预计完成", "全年预计", "预计全年")),
    ("actual", ("完成情况", "实际完成", "完成值", "执行情况")),
    ("target", ("年度指标值", "指标值", "目标值")),
    ("reason", ("偏差原因",)),
    ("likelihood_sure", ("确定能",)),
    ("likelihood_maybe", ("有可能",)),
    ("likelihood_never", ("完全不可能",)),
    ("likelihood", ("完成目标可能性",)),
    ("remark", ("备注",)),
)
TICK = "√"

FOOTNOTES = (
    "1．偏差原因分析：针对与预期目标产生偏差的指标值，分别从决策、过程和管理等方面进行判断和分析，并说明。",
    "2．完成目标可能性：分确定能、有可能、完全不可能三级判断完成绩效目标的可能性。",
    "3．如果“完全不可能完成”，请在备注中提出拟采取的措施。",
)


def with_months(text: str, months: int | None) -> str:
    return text.replace("XX", str(months) if months else "XX")


def period(year: int | None, months: int | None) -> str:
    """A monitoring period as the forms write it (2026年1-6月), XXXX and XX for what is not known."""
    return f"{year or 'XXXX'}年1-{months or 'XX'}月"


def period_text(year: int | None, months: int | None) -> str:
    return f"（{period(year, months)}）"
